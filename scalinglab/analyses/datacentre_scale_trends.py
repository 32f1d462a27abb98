"""Chapter *At data-centre scale*, part 2: chip versus system, projection, robustness.

See :mod:`scalinglab.analyses.datacentre_scale` for the ranking and the growth fits used here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from scalinglab.analyses import datacentre_scale as dc
from scalinglab.errors import ParameterError
from scalinglab.models import fits

#: top_n and start years of the robustness table
ROBUST_TOP_N: tuple[int, ...] = (1, 5, 10, 20)
ROBUST_START_YEARS: tuple[int, ...] = (2015, 2017, 2019, 2021)
#: projected quantities: (quantity, label with unit, scale from the cluster unit to the shown unit)
PROJECTED: tuple[tuple[str, str, float], ...] = (
    ("performance", "Performance (FLOP/s)", 1.0),
    ("power", "Power capacity (GW)", 1e-3),
    ("cost", "Hardware cost (USD)", 1.0),
)


def chip_efficiency(specs: pl.DataFrame, prices: pl.DataFrame, precision: str) -> pl.DataFrame:
    """NVIDIA single-GPU FLOP/s per watt and per dollar by generation.

    Parameters
    ----------
    specs
        :func:`scalinglab.data.load_gpu_specs`; preliminary rows (Rubin) are dropped.
    prices
        :func:`scalinglab.data.load_hardware_prices`; the purchase price of a GPU is the median
        ``purchase_usd`` of its boards in :data:`~scalinglab.analyses.datacentre_scale.PURCHASE_BOARDS`.
    precision
        ``16-bit`` (dense BF16/FP16) or ``8-bit`` (dense FP8).

    Returns
    -------
    polars.DataFrame
        ``gpu``, ``announced`` (Date), ``year`` (decimal), ``dense_flop_s``, ``tdp_w``, ``flops_per_watt``,
        ``purchase_usd`` (null without a price), ``purchase_prices_n``, ``flops_per_usd``; sorted by date.
    """
    col = dc.PRECISIONS[precision][1]
    s = specs.filter(~pl.col("preliminary") & pl.col(col).is_not_null() & pl.col("tdp_w").is_not_null())
    usd, n = [], []
    for g in s["gpu"]:
        p = prices.filter(pl.col("hardware_model").is_in(list(dc.PURCHASE_BOARDS.get(g, ()))))["purchase_usd"]
        p = p.drop_nulls().filter(p.drop_nulls() > 0)
        usd.append(float(p.median()) if p.len() else None)
        n.append(p.len())
    return (
        s.select(
            "gpu",
            "announced",
            pl.col("announced_year").alias("year"),
            (pl.col(col) * 1e12).alias("dense_flop_s"),
            "tdp_w",
        )
        .with_columns(
            (pl.col("dense_flop_s") / pl.col("tdp_w")).alias("flops_per_watt"),
            pl.Series("purchase_usd", usd, dtype=pl.Float64),
            pl.Series("purchase_prices_n", n, dtype=pl.Int64),
        )
        .with_columns((pl.col("dense_flop_s") / pl.col("purchase_usd")).alias("flops_per_usd"))
        .sort("announced")
    )


@dataclass(frozen=True)
class ChipVsSystem:
    """Growth (x per year, intervals at the chapter's confidence level) of chips and systems."""

    chip_flops_per_watt_x_per_year: float
    chip_flops_per_watt_ci_low: float
    chip_flops_per_watt_ci_high: float
    chip_flops_per_watt_n: int
    chip_flops_per_usd_x_per_year: float
    chip_flops_per_usd_ci_low: float
    chip_flops_per_usd_ci_high: float
    chip_flops_per_usd_n: int
    chip_first_gpu: str
    chip_last_gpu: str
    verdict_watt: str
    verdict_usd: str
    verdict_watt_phrase: str
    verdict_usd_phrase: str


def chip_vs_system(chips: pl.DataFrame, growth: pl.DataFrame, confidence_level: float) -> ChipVsSystem:
    """Fit chip efficiency per year and compare with the system rates in ``growth``.

    The verdict words compare intervals: the system interval wholly under the chip interval -> ``less``
    (a data centre gains efficiency more slowly than its chips), wholly over -> ``more``, else ``as``.
    """
    out = {}
    for q in ("flops_per_watt", "flops_per_usd"):
        r = chips.filter(pl.col(q).is_not_null())
        f = fits.fit_loglinear(r["year"].to_numpy(), r[q].to_numpy(), confidence_level)
        sys_row = growth.filter(pl.col("quantity") == q).row(0, named=True)
        word = {"below": "less", "overlaps": "as", "above": "more"}[
            dc._compare(sys_row["ci_low"], sys_row["ci_high"], *f.factor_per_year_ci)
        ]
        out[q] = (f, word)
    (fw, vw), (fu, vu) = out["flops_per_watt"], out["flops_per_usd"]
    return ChipVsSystem(
        fw.factor_per_year,
        *fw.factor_per_year_ci,
        fw.n,
        fu.factor_per_year,
        *fu.factor_per_year_ci,
        fu.n,
        chips["gpu"][0],
        chips["gpu"][-1],
        vw,
        vu,
        _PHRASE[vw],
        _PHRASE[vu],
    )


_PHRASE = {"less": "more slowly than", "as": "as fast as", "more": "faster than"}


def _fit(rows: pl.DataFrame, q: str, confidence_level: float) -> fits.LogLinearFit:
    f = dc.fit_quantity(rows, q, confidence_level)
    if f is None:
        raise ValueError(f"fewer than 3 leading systems report {q}")
    return f


def projection(
    rows: pl.DataFrame,
    clusters: pl.DataFrame,
    precision: str,
    min_certainty: str,
    projection_year: int,
    confidence_level: float,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Fan of the fitted trends from the window's last leading system to ``projection_year``.

    Anchored at the fit's value at the last fitted date t0: central v0 exp(g (t - t0)), band from the
    slope interval, and the promise lines v0 2^(t - t0), v0 3^(t - t0). Returns (fan, planned): ``fan``
    has ``quantity``, ``label``, ``year``, ``central``, ``low``, ``high``, ``x2``, ``x3`` (shown units);
    ``planned`` the planned systems at ``min_certainty`` or better with a planned year (placed at its start) and a value: ``quantity``, ``label``, ``name``,
    ``owner``, ``chips``, ``power_mw``, ``year``, ``value``, ``certainty``.
    """
    if projection_year <= rows["year"].max():
        raise ParameterError("projection_year", projection_year, "a year after the fitted data")
    fans, planned = [], []
    pl_rows = dc.quantity_columns(clusters, precision).filter(
        (pl.col("status") == "Planned")
        & pl.col("planned_year").is_not_null()
        & (pl.col("certainty_order") <= dc.CERTAINTY_LEVELS.index(min_certainty))
    )
    for q, label, scale in PROJECTED:
        f = _fit(rows, q, confidence_level)
        t0 = f.x_max
        v0 = float(f.predict(t0)) * scale
        t = np.concatenate([[t0], np.arange(math.floor(t0) + 1, projection_year + 1, dtype=float)])
        dt = t - t0
        fans.append(
            pl.DataFrame(
                {
                    "quantity": q,
                    "label": label,
                    "year": t,
                    "central": v0 * np.exp(f.slope * dt),
                    "low": v0 * np.exp(f.slope_ci[0] * dt),
                    "high": v0 * np.exp(f.slope_ci[1] * dt),
                    "x2": v0 * 2.0**dt,
                    "x3": v0 * 3.0**dt,
                }
            )
        )
        p = pl_rows.filter(pl.col(q).is_not_null() & (pl.col("planned_year") <= projection_year))
        planned.append(
            p.select(
                pl.lit(q).alias("quantity"),
                pl.lit(label).alias("label"),
                "name",
                "owner",
                "chips",
                "power_mw",
                pl.col("planned_year").cast(pl.Float64).alias("year"),
                (pl.col(q) * scale).alias("value"),
                "certainty",
            )
        )
    return pl.concat(fans), pl.concat(planned).sort(["quantity", "year", "name"], maintain_order=True)


def robustness(
    clusters: pl.DataFrame,
    precision: str,
    min_certainty: str,
    end_year: int,
    confidence_level: float,
    start_years: tuple[int, ...] = ROBUST_START_YEARS,
) -> pl.DataFrame:
    """Performance growth for every ``top_n`` in :data:`ROBUST_TOP_N` and every start year.

    Returns ``top_n``, ``start_year``, ``n`` (leading systems), ``x_per_year``, ``ci_low``, ``ci_high``
    (null where the window holds fewer than the chapter's minimum of leading systems), sorted.
    """
    out = []
    for top_n in ROBUST_TOP_N:
        ranked = dc.leading_systems(clusters, precision, top_n, min_certainty)
        for sy in start_years:
            rows = dc.window(ranked, sy, end_year)
            ok = rows.height >= dc.MIN_LEADING_SYSTEMS and end_year - sy + 1 >= dc.MIN_WINDOW_YEARS
            f = _fit(rows, "performance", confidence_level) if ok else None
            out.append(
                {
                    "top_n": top_n,
                    "start_year": sy,
                    "n": rows.height,
                    "x_per_year": f.factor_per_year if f else None,
                    "ci_low": f.factor_per_year_ci[0] if f else None,
                    "ci_high": f.factor_per_year_ci[1] if f else None,
                }
            )
    return pl.DataFrame(out).sort(["top_n", "start_year"])


def epoch_comparison(growth: pl.DataFrame) -> pl.DataFrame:
    """Our growth beside Epoch AI's published rates (Pilz et al. 2025) for the five quantities they give.

    Returns ``label``, ``x_per_year``, ``ci_low``, ``ci_high``, ``epoch_x_per_year``, ``difference_pct``
    (ours / Epoch - 1, in %), ``inside`` (Epoch's rate inside our interval), in the order of the quantities.
    """
    e = pl.DataFrame({"quantity": list(dc.EPOCH_PUBLISHED), "epoch_x_per_year": list(dc.EPOCH_PUBLISHED.values())})
    return growth.join(e, on="quantity", how="inner", maintain_order="left").select(
        "label",
        "x_per_year",
        "ci_low",
        "ci_high",
        "epoch_x_per_year",
        ((pl.col("x_per_year") / pl.col("epoch_x_per_year") - 1) * 100).alias("difference_pct"),
        ((pl.col("epoch_x_per_year") >= pl.col("ci_low")) & (pl.col("epoch_x_per_year") <= pl.col("ci_high"))).alias(
            "inside"
        ),
    )


@dataclass(frozen=True)
class ProjectionSummary:
    """The fan at ``projection_year`` (shown units: FLOP/s, GW, USD) and the planned systems beside it."""

    projection_year: int
    perf_flop_s: float
    perf_low_flop_s: float
    perf_high_flop_s: float
    perf_x3_flop_s: float
    perf_x2_flop_s: float
    power_gw: float
    power_low_gw: float
    power_high_gw: float
    cost_usd: float
    cost_low_usd: float
    cost_high_usd: float
    planned_n: int
    planned_above_band_n: int
    planned_max_perf_flop_s: float
    planned_max_perf_name: str


def projection_summary(fan: pl.DataFrame, planned: pl.DataFrame, projection_year: int) -> ProjectionSummary:
    """Values of :func:`projection`'s fan at ``projection_year``; planned systems (performance) counted above
    the band's upper edge at their planned year (the band interpolated in log space).
    """
    end = {r["quantity"]: r for r in fan.filter(pl.col("year") == projection_year).iter_rows(named=True)}
    pf = fan.filter(pl.col("quantity") == "performance")
    pp = planned.filter(pl.col("quantity") == "performance")
    high_at = np.exp(np.interp(pp["year"].to_numpy(), pf["year"].to_numpy(), np.log(pf["high"].to_numpy())))
    above = int(np.sum((pp["value"].to_numpy() > high_at) & (pp["year"].to_numpy() >= pf["year"].min())))
    top = pp.sort("value", descending=True, maintain_order=True).row(0, named=True) if pp.height else None
    p, w, c = end["performance"], end["power"], end["cost"]
    return ProjectionSummary(
        projection_year,
        p["central"],
        p["low"],
        p["high"],
        p["x3"],
        p["x2"],
        w["central"],
        w["low"],
        w["high"],
        c["central"],
        c["low"],
        c["high"],
        pp.height,
        above,
        top["value"] if top else math.nan,
        top["name"] if top else "none",
    )


@dataclass(frozen=True)
class RobustnessSummary:
    """Range of the performance growth over the robustness grid (x per year)."""

    robust_min_x_per_year: float
    robust_max_x_per_year: float
    robust_fits_n: int
    robust_min_setting: str
    robust_max_setting: str


def robustness_summary(table: pl.DataFrame) -> RobustnessSummary:
    """Smallest and largest fitted rate in :func:`robustness`'s table and where they occur."""
    t = table.filter(pl.col("x_per_year").is_not_null()).sort("x_per_year", maintain_order=True)
    lo, hi = t.row(0, named=True), t.row(-1, named=True)
    return RobustnessSummary(
        lo["x_per_year"],
        hi["x_per_year"],
        t.height,
        f"top {lo['top_n']} from {lo['start_year']}",
        f"top {hi['top_n']} from {hi['start_year']}",
    )


def robustness_display(table: pl.DataFrame, confidence_level: float):
    """Reader-facing table of :func:`robustness`."""
    from scalinglab import charts

    pct = f"{100 * confidence_level:.0f}%"
    return charts.table(
        table,
        title="Performance growth by definition of 'leading' and start year",
        source=dc.SOURCE,
        labels={
            "top_n": "Top n",
            "start_year": "Start year",
            "n": "Systems",
            "x_per_year": "Growth (x per year)",
            "ci_low": f"{pct} low (x)",
            "ci_high": f"{pct} high (x)",
        },
        decimals={"x_per_year": 2, "ci_low": 2, "ci_high": 2},
        integers=["top_n"],
        notes=[f"Empty: fewer than {dc.MIN_LEADING_SYSTEMS} leading systems in the window."],
    )


def epoch_comparison_display(table: pl.DataFrame, confidence_level: float):
    """Reader-facing table of :func:`epoch_comparison`."""
    from scalinglab import charts

    pct = f"{100 * confidence_level:.0f}%"
    return charts.table(
        table.with_columns(pl.when(pl.col("inside")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("inside")),
        title="This chapter beside Epoch AI's published rates",
        source=dc.SOURCE + "; Pilz et al. 2025, arXiv:2504.16026",
        labels={
            "label": "Quantity (unit)",
            "x_per_year": "Ours (x per year)",
            "ci_low": f"{pct} low (x)",
            "ci_high": f"{pct} high (x)",
            "epoch_x_per_year": "Pilz et al. (x per year)",
            "difference_pct": "Ours vs theirs (%)",
            "inside": "Theirs inside our interval",
        },
        decimals={"x_per_year": 2, "ci_low": 2, "ci_high": 2, "epoch_x_per_year": 1, "difference_pct": 0},
    )
