"""Chapter *At data-centre scale*: growth of leading AI supercomputers (Epoch AI, Data on GPU Clusters).

Pipeline: :func:`rank_systems` ranks every operational system by peak performance among the systems
operational at its first operational date; :func:`leading_systems` keeps the top ``top_n``;
:func:`growth_table` fits ln(quantity) = a + g t on the leading systems of a window (seven quantities);
:func:`decomposition` splits the performance growth into chips x performance per chip (and power x FLOP/s
per watt, cost x FLOP/s per dollar) on the same rows; :func:`verdicts` states the rule and the words;
:func:`chip_trends` fits NVIDIA single-GPU efficiency; :func:`projection` and :func:`robustness` extend
the fit. Charts are in :mod:`scalinglab.analyses.datacentre_scale_charts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from scalinglab.data.gpu_clusters import CERTAINTY_LEVELS
from scalinglab.errors import ParameterError
from scalinglab.models import fits

#: precision parameter -> (cluster column, spec-table column of single-GPU dense TFLOP/s)
PRECISIONS: dict[str, tuple[str, str]] = {
    "16-bit": ("dense_16bit_flop_s", "bf16_fp16_dense_tflops"),
    "8-bit": ("dense_8bit_op_s", "fp8_dense_tflops"),
}
MIN_LEADING_SYSTEMS = 8
MIN_WINDOW_YEARS = 3
#: the promise: performance x2 to x3 per year at data-centre scale
PROMISE_LOW, PROMISE_HIGH = 2.0, 3.0
#: Pilz et al. 2025 (arXiv:2504.16026), leading systems 2019-2025: x per year
EPOCH_PUBLISHED: dict[str, float] = {"performance": 2.5, "chips": 1.6, "per_chip": 1.6, "power": 2.0, "cost": 1.9}
#: spec-table GPU -> the boards of that GPU in Epoch's hardware-price data (SXM variants)
PURCHASE_BOARDS: dict[str, tuple[str, ...]] = {
    "P100": ("NVIDIA Tesla P100 SXM2",),
    "V100": ("NVIDIA Tesla V100 SXM2 16 GB", "NVIDIA Tesla V100 SXM2 32 GB", "NVIDIA Tesla V100 SXM2"),
    "A100": ("NVIDIA A100 SXM4 80 GB",),
    "H100": ("NVIDIA H100 SXM5 80GB",),
    "H200": ("NVIDIA H200 SXM",),
    "B200": ("NVIDIA B200",),
}
#: quantity -> (label with unit, expression from the cluster columns given the performance column)
QUANTITIES: tuple[tuple[str, str], ...] = (
    ("performance", "Performance (FLOP/s)"),
    ("chips", "AI chips (count)"),
    ("per_chip", "Performance per chip (FLOP/s)"),
    ("power", "Power capacity (MW)"),
    ("cost", "Hardware cost (USD)"),
    ("flops_per_watt", "FLOP/s per watt"),
    ("flops_per_usd", "FLOP/s per dollar"),
)


def quantity_columns(df: pl.DataFrame, precision: str) -> pl.DataFrame:
    """Add ``performance``, ``chips``, ``per_chip``, ``power``, ``cost``, ``flops_per_watt``, ``flops_per_usd``.

    ``performance`` is the cluster column of ``precision`` (FLOP/s); power in MW; cost in USD; the two
    efficiencies are performance / (power in W) and performance / cost. Non-positive values become null.
    """
    perf = pl.col(PRECISIONS[precision][0])

    def pos(e: pl.Expr) -> pl.Expr:
        return pl.when(e > 0).then(e)

    return df.with_columns(
        pos(perf).alias("performance"),
        pos(pl.col("ai_chips")).alias("chips"),
        pos(perf / pl.col("ai_chips")).alias("per_chip"),
        pos(pl.col("power_mw")).alias("power"),
        pos(pl.col("hardware_cost_usd")).alias("cost"),
        pos(perf / (pl.col("power_mw") * 1e6)).alias("flops_per_watt"),
        pos(perf / pl.col("hardware_cost_usd")).alias("flops_per_usd"),
    )


def rank_systems(df: pl.DataFrame, value: str = "performance") -> pl.DataFrame:
    """Rank each system by ``value`` among the systems operational at its first operational date.

    Parameters
    ----------
    df
        Rows with ``first_operational_date`` (Date) and ``value`` (positive); rows missing either are dropped.
        Every row counts as operational from its date on (decommissioning dates are too sparse to use).

    Returns
    -------
    polars.DataFrame
        ``df`` plus ``rank`` (Int64): 1 + the number of other systems first operational on or before the
        same date with a strictly larger ``value`` (ties share a rank). Sorted by date, then rank, then name.
    """
    d = df.filter(pl.col("first_operational_date").is_not_null() & pl.col(value).is_not_null())
    dates = d["first_operational_date"].to_numpy()
    vals = d[value].to_numpy()
    ranks = [1 + int(np.sum((dates <= dates[i]) & (vals > vals[i]))) for i in range(d.height)]
    return d.with_columns(pl.Series("rank", ranks, dtype=pl.Int64)).sort(
        ["first_operational_date", "rank", "name"], maintain_order=True
    )


def operational_pool(clusters: pl.DataFrame, precision: str, min_certainty: str) -> pl.DataFrame:
    """Existing and decommissioned systems at ``min_certainty`` or better, with quantities and ranks."""
    level = CERTAINTY_LEVELS.index(min_certainty)
    pool = quantity_columns(clusters, precision).filter(
        (pl.col("status") != "Planned") & (pl.col("certainty_order") <= level)
    )
    return rank_systems(pool)


def leading_systems(clusters: pl.DataFrame, precision: str, top_n: int, min_certainty: str) -> pl.DataFrame:
    """Every ranked operational system with ``leading`` (own rank <= ``top_n``) and ``epoch_leading``
    (Epoch's recorded rank <= ``top_n``); see :func:`rank_systems`.
    """
    return operational_pool(clusters, precision, min_certainty).with_columns(
        (pl.col("rank") <= top_n).alias("leading"),
        (pl.col("epoch_rank_when_first_operational") <= top_n).fill_null(False).alias("epoch_leading"),
    )


def window(ranked: pl.DataFrame, start_year: int, end_year: int) -> pl.DataFrame:
    """Leading systems first operational in calendar years ``start_year`` .. ``end_year`` (inclusive)."""
    y = pl.col("first_operational_date").dt.year()
    return ranked.filter(pl.col("leading") & (y >= start_year) & (y <= end_year))


def check_window(
    clusters: pl.DataFrame, precision: str, top_n: int, min_certainty: str, start_year: int, end_year: int
) -> int:
    """Number of leading systems in the window; ``ParameterError`` naming both years if too few."""
    if end_year - start_year + 1 < MIN_WINDOW_YEARS:
        raise ParameterError(
            "start_year",
            start_year,
            f"a window start_year..end_year of at least {MIN_WINDOW_YEARS} "
            f"calendar years; start_year={start_year}, end_year={end_year} spans "
            f"{end_year - start_year + 1}",
        )
    n = window(leading_systems(clusters, precision, top_n, min_certainty), start_year, end_year).height
    if n < MIN_LEADING_SYSTEMS:
        raise ParameterError(
            "start_year",
            start_year,
            f"a window start_year..end_year with at least "
            f"{MIN_LEADING_SYSTEMS} leading systems; start_year={start_year}, end_year={end_year} "
            f"holds {n} (top_n={top_n}, precision={precision}, min_certainty={min_certainty})",
        )
    return n


def fit_quantity(rows: pl.DataFrame, col: str, confidence_level: float) -> fits.LogLinearFit | None:
    """Log-linear fit of column ``col`` against ``year`` on the rows that have it; None under 3 rows."""
    r = rows.filter(pl.col(col).is_not_null())
    if r.height < 3 or r["year"].max() == r["year"].min():
        return None
    return fits.fit_loglinear(r["year"].to_numpy(), r[col].to_numpy(), confidence_level)


def growth_table(rows: pl.DataFrame, confidence_level: float) -> pl.DataFrame:
    """Log-linear growth of the seven quantities on ``rows`` (each on the rows that have it).

    Returns one row per quantity (order of :data:`QUANTITIES`): ``quantity``, ``label``, ``n``,
    ``x_per_year`` = exp(g), ``ci_low``, ``ci_high`` (Student-t interval at ``confidence_level``),
    ``r_squared``, ``slope_per_year`` (g, natural log per year). Nulls where fewer than 3 rows.
    """
    out = []
    for q, label in QUANTITIES:
        f = fit_quantity(rows, q, confidence_level)
        out.append(
            {
                "quantity": q,
                "label": label,
                "n": 0 if f is None else f.n,
                "x_per_year": None if f is None else f.factor_per_year,
                "ci_low": None if f is None else f.factor_per_year_ci[0],
                "ci_high": None if f is None else f.factor_per_year_ci[1],
                "r_squared": None if f is None else f.r_squared,
                "slope_per_year": None if f is None else f.slope,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "quantity": pl.String,
            "label": pl.String,
            "n": pl.Int64,
            "x_per_year": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "r_squared": pl.Float64,
            "slope_per_year": pl.Float64,
        },
    )


def decompose(rows: pl.DataFrame, total: str, parts: tuple[str, str]) -> dict[str, float]:
    """Split the log-linear growth of ``total`` = ``parts[0]`` x ``parts[1]`` on the rows that have all three.

    OLS slopes are linear in y, so g_total = g_part0 + g_part1 exactly on shared rows; the log share of a
    part is g_part / g_total. Returns ``n``, ``g_<name>`` (1/year) and ``share_<part>`` for both parts.
    """
    r = rows.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in (total, *parts)]))
    if r.height < 3:
        return {"n": r.height}
    t = r["year"].to_numpy()
    g = {c: float(np.polyfit(t, np.log(r[c].to_numpy()), 1)[0]) for c in (total, *parts)}
    out: dict[str, float] = {"n": r.height, **{f"g_{c}": v for c, v in g.items()}}
    for p in parts:
        out[f"share_{p}"] = g[p] / g[total]
    return out


@dataclass(frozen=True)
class Result:
    """Headline numbers of the chapter (glued with prefix ``dc_``). Growth in x per year; shares in %."""

    leading_systems_n: int
    pool_systems_n: int
    rank_compared_n: int
    rank_differs_n: int
    membership_differs_n: int
    perf_growth_x_per_year: float
    perf_growth_ci_low: float
    perf_growth_ci_high: float
    chips_growth_x_per_year: float
    per_chip_growth_x_per_year: float
    power_growth_x_per_year: float
    cost_growth_x_per_year: float
    flops_per_watt_growth_x_per_year: float
    flops_per_watt_ci_low: float
    flops_per_watt_ci_high: float
    flops_per_usd_growth_x_per_year: float
    flops_per_usd_ci_low: float
    flops_per_usd_ci_high: float
    perf_doubling_months: float
    decomposition_n: int
    chips_share_pct: float
    per_chip_share_pct: float
    identity_error: float
    power_share_pct: float
    cost_share_pct: float
    spending_share_pct: float
    efficiency_share_pct: float
    verdict_performance: str
    verdict_performance_phrase: str
    verdict_cost_energy_phrase: str
    verdict_cost_energy: str
    verdict_energy: str
    verdict_cost: str
    confidence_pct: float


#: verdict word -> phrase used in the prose
PERFORMANCE_PHRASES = {"below": "lies below", "overlaps": "overlaps", "above": "lies above"}
COST_ENERGY_PHRASES = {
    "slower": "more slowly than performance rises",
    "as fast": "as fast as performance rises",
    "faster": "faster than performance rises",
    "mixed": "at different paces, one keeping up with performance and one not",
}


def _compare(lo: float, hi: float, ref_lo: float, ref_hi: float) -> str:
    """'below' if the interval [lo, hi] lies wholly under [ref_lo, ref_hi], 'above' over it, else 'overlaps'."""
    return "below" if hi < ref_lo else "above" if lo > ref_hi else "overlaps"


def analyse(
    clusters: pl.DataFrame,
    precision: str,
    top_n: int,
    min_certainty: str,
    start_year: int,
    end_year: int,
    confidence_level: float,
) -> tuple[Result, pl.DataFrame, pl.DataFrame]:
    """The chapter's headline: returns (``Result``, the ranked pool with ``leading``, the growth table).

    Raises ``ParameterError`` (via :func:`check_window`) when the window holds too few leading systems.
    """
    check_window(clusters, precision, top_n, min_certainty, start_year, end_year)
    ranked = leading_systems(clusters, precision, top_n, min_certainty)
    rows = window(ranked, start_year, end_year)
    growth = growth_table(rows, confidence_level)
    g = {r["quantity"]: r for r in growth.iter_rows(named=True)}
    chips = decompose(rows, "performance", ("chips", "per_chip"))
    power = decompose(rows, "performance", ("power", "flops_per_watt"))
    cost = decompose(rows, "performance", ("cost", "flops_per_usd"))
    compared = ranked.filter(pl.col("epoch_rank_when_first_operational").is_not_null())
    perf, fpw, fpu = g["performance"], g["flops_per_watt"], g["flops_per_usd"]
    # cost per FLOP/s falls by x = FLOP/s per dollar growth; energy per FLOP falls by FLOP/s per watt growth
    v_energy = _compare(fpw["ci_low"], fpw["ci_high"], perf["ci_low"], perf["ci_high"])
    v_cost = _compare(fpu["ci_low"], fpu["ci_high"], perf["ci_low"], perf["ci_high"])
    words = {"below": "slower", "overlaps": "as fast", "above": "faster"}
    v_ce = words[v_energy] if v_energy == v_cost else "mixed"
    v_perf = _compare(perf["ci_low"], perf["ci_high"], PROMISE_LOW, PROMISE_HIGH)
    spending = 100 * (power.get("share_power", math.nan) + cost.get("share_cost", math.nan)) / 2
    res = Result(
        leading_systems_n=rows.height,
        pool_systems_n=ranked.height,
        rank_compared_n=compared.height,
        rank_differs_n=compared.filter(pl.col("rank") != pl.col("epoch_rank_when_first_operational")).height,
        membership_differs_n=window(
            ranked.with_columns(pl.col("leading") != pl.col("epoch_leading")), start_year, end_year
        ).height,
        perf_growth_x_per_year=perf["x_per_year"],
        perf_growth_ci_low=perf["ci_low"],
        perf_growth_ci_high=perf["ci_high"],
        chips_growth_x_per_year=g["chips"]["x_per_year"],
        per_chip_growth_x_per_year=g["per_chip"]["x_per_year"],
        power_growth_x_per_year=g["power"]["x_per_year"],
        cost_growth_x_per_year=g["cost"]["x_per_year"],
        flops_per_watt_growth_x_per_year=fpw["x_per_year"],
        flops_per_watt_ci_low=fpw["ci_low"],
        flops_per_watt_ci_high=fpw["ci_high"],
        flops_per_usd_growth_x_per_year=fpu["x_per_year"],
        flops_per_usd_ci_low=fpu["ci_low"],
        flops_per_usd_ci_high=fpu["ci_high"],
        perf_doubling_months=12 * math.log(2) / perf["slope_per_year"] if perf["slope_per_year"] > 0 else math.inf,
        decomposition_n=int(chips["n"]),
        chips_share_pct=100 * chips.get("share_chips", math.nan),
        per_chip_share_pct=100 * chips.get("share_per_chip", math.nan),
        identity_error=abs(chips.get("g_performance", 0) - chips.get("g_chips", 0) - chips.get("g_per_chip", 0)),
        power_share_pct=100 * power.get("share_power", math.nan),
        cost_share_pct=100 * cost.get("share_cost", math.nan),
        spending_share_pct=spending,
        efficiency_share_pct=100 - spending,
        verdict_performance=v_perf,
        verdict_performance_phrase=PERFORMANCE_PHRASES[v_perf],
        verdict_cost_energy_phrase=COST_ENERGY_PHRASES[v_ce],
        verdict_cost_energy=v_ce,
        verdict_energy=words[v_energy],
        verdict_cost=words[v_cost],
        confidence_pct=100 * confidence_level,
    )
    return res, ranked, growth


def growth_table_display(growth: pl.DataFrame):
    """Reader-facing table of :func:`growth_table` (great_tables, via :func:`scalinglab.charts.table`)."""
    from scalinglab import charts

    return charts.table(
        growth.select("label", "n", "x_per_year", "ci_low", "ci_high", "r_squared"),
        title="Growth per year of the leading systems",
        source=SOURCE,
        labels={
            "label": "Quantity (unit)",
            "n": "Systems",
            "x_per_year": "Growth (x per year)",
            "ci_low": "Interval low (x)",
            "ci_high": "Interval high (x)",
            "r_squared": "R²",
        },
        decimals={"x_per_year": 2, "ci_low": 2, "ci_high": 2, "r_squared": 2},
    )


SOURCE = "Epoch AI, 'Data on GPU Clusters' (CC BY 4.0); fits by this book"
