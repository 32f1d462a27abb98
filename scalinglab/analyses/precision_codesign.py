"""Chapter *Precision co-design*, the throughput and energy side: the per-format ladder of NVIDIA data-centre
GPUs, the gain of each precision step, growth per year, the lowest-format envelope and its decomposition,
the comparison with Dally's factors, the Epoch cross-check and the energy per operation.

The accuracy experiments are in :mod:`scalinglab.analyses.precision_accuracy`, energy per operation and the
build-machine timing in :mod:`scalinglab.analyses.precision_energy`. Every function is pure
(frames in, frames or frozen dataclasses out); charts and reader tables are built here too, so the
notebook only calls. Source of the spec figures: the curated NVIDIA spec table (``data.load_gpu_specs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.data import catalog
from scalinglab.models import fits, physics

SPECS_SRC = "curated NVIDIA spec table (datasheets, cross-checked with Epoch AI)"
#: Floating-point dense-peak spec columns, widest first: column -> (label, bits), from :mod:`scalinglab.data.catalog`.
FORMAT_COLUMNS = {c.column: (c.label, c.bits) for c in catalog.SPEC_COLUMNS if c.format != "INT8"}
#: Columns searched for a GPU's lowest supported floating-point format, narrowest first.
LOWEST_ORDER = tuple(reversed([c for c in FORMAT_COLUMNS if c != "fp64_tensor_tflops"]))
#: Precision steps within one chip: (label, wider-format column, narrower-format column).
STEPS = (("FP64 -> FP32", "fp64_tflops", "fp32_tflops"), ("FP32 -> TF32", "fp32_tflops", "tf32_dense_tflops"),
         ("FP32 -> BF16", "fp32_tflops", "bf16_fp16_dense_tflops"),
         ("TF32 -> BF16", "tf32_dense_tflops", "bf16_fp16_dense_tflops"),
         ("BF16 -> FP8", "bf16_fp16_dense_tflops", "fp8_dense_tflops"),
         ("FP8 -> FP6", "fp8_dense_tflops", "fp6_dense_tflops"), ("FP8 -> FP4", "fp8_dense_tflops", "fp4_dense_tflops"))
#: NVIDIA's 2:4 structured sparsity doubles the peak of sparse-capable formats (datasheet "with sparsity" figures).
SPARSITY_FACTOR = 2.0


def _label(column: str) -> str:
    return FORMAT_COLUMNS[column][0]


def released(specs: pl.DataFrame) -> pl.DataFrame:
    """Rows of the spec table that are not preliminary, in order of announcement."""
    return specs.filter(~pl.col("preliminary")).sort("announced_year", maintain_order=True)


def lowest_format(row: dict) -> str | None:
    """The spec column of the narrowest floating-point format with a dense figure in ``row``, or ``None``."""
    return next((c for c in LOWEST_ORDER if row.get(c)), None)


# the ladder --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LadderFacts:
    """Facts read off the ladder. ``h100_bf16_dense_tflops`` in TFLOP/s; ``rubin_preliminary`` the preliminary
    GPUs, comma-separated ("none" if there are none)."""

    h100_bf16_dense_tflops: float
    rubin_preliminary: str


def ladder(specs: pl.DataFrame) -> tuple[pl.DataFrame, LadderFacts]:
    """Long frame (gpu, announced_year, preliminary, format, bits, tflops) of every dense figure, and the facts."""
    long = specs.unpivot(index=["gpu", "announced_year", "preliminary"], on=list(FORMAT_COLUMNS),
                         variable_name="column", value_name="tflops").drop_nulls("tflops").with_columns(
        pl.col("column").replace_strict({c: v[0] for c, v in FORMAT_COLUMNS.items()}).alias("format"),
        pl.col("column").replace_strict({c: v[1] for c, v in FORMAT_COLUMNS.items()}).alias("bits"))
    h100 = specs.filter(pl.col("gpu") == "H100")["bf16_fp16_dense_tflops"]
    prelim = specs.filter(pl.col("preliminary"))["gpu"].to_list()
    return long, LadderFacts(float(h100[0]) if h100.len() else math.nan, ", ".join(prelim) or "none")


def ladder_table(specs: pl.DataFrame):
    """Reader table of the dense peaks per format (TFLOP/s) and the board power of every GPU."""
    cols = ["gpu", "architecture", "announced_year", *FORMAT_COLUMNS, "tdp_w", "status"]
    labels = {c: f"{_label(c)} (TFLOP/s)" for c in FORMAT_COLUMNS}
    labels.update(gpu="GPU", architecture="Architecture", announced_year="Announced", tdp_w="TDP (W)",
                  status="Status of the figures")
    return charts.table(specs.select(cols).with_columns(pl.col("announced_year").floor()), title="Dense peak "
                        "throughput per number format", source=SPECS_SRC, labels=labels, sigfig=4)


def ladder_chart(long: pl.DataFrame, gpu_order: list[str]):
    """Line chart of the dense peak per format (log scale) against the GPUs in order of announcement."""
    return charts.finish(
        alt.Chart(long).mark_line(point=True).encode(
            x=alt.X("gpu:N", title="GPU (in order of announcement)", sort=gpu_order),
            y=alt.Y("tflops:Q", title="Dense peak throughput (TFLOP/s), log scale", scale=alt.Scale(type="log")),
            color=alt.Color("format:N", title="Format", sort=[v[0] for v in FORMAT_COLUMNS.values()]),
            tooltip=["gpu:N", "format:N", alt.Tooltip("tflops:Q", title="dense TFLOP/s", format=",.1f")]),
        "Dense throughput per number format, P100 to GB300", SPECS_SRC,
        subtitle="Preliminary GPUs without a dense figure are in the table only", height=320)


# precision steps ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepGains:
    """Median over released GPUs of the dense-peak ratio of a precision step on the same chip (x)."""

    bf16_to_fp8_gain: float
    fp8_to_fp4_gain: float
    fp32_to_bf16_gain: float
    fp32_to_tf32_gain: float


def precision_steps(rel: pl.DataFrame) -> tuple[pl.DataFrame, StepGains]:
    """Frame (gpu, step, gain) of every step of :data:`STEPS` a GPU has both figures for, and the medians."""
    rows = [{"gpu": r["gpu"], "step": s, "gain": r[hi] / r[lo]}
            for r in rel.iter_rows(named=True) for s, lo, hi in STEPS if r[lo] and r[hi]]
    steps = pl.DataFrame(rows, schema={"gpu": pl.String, "step": pl.String, "gain": pl.Float64})

    def med(name: str) -> float:
        d = steps.filter(pl.col("step") == name)["gain"]
        return float(d.median()) if d.len() else math.nan

    return steps, StepGains(med("BF16 -> FP8"), med("FP8 -> FP4"), med("FP32 -> BF16"), med("FP32 -> TF32"))


def steps_chart(steps: pl.DataFrame, gpu_order: list[str]):
    """Dot chart of the gain of each step per GPU (one legend: colour)."""
    return charts.finish(
        alt.Chart(steps).mark_point(filled=True, size=70).encode(
            x=alt.X("step:N", title="Precision step (same chip)", sort=[s for s, _, _ in STEPS]),
            y=alt.Y("gain:Q", title="Throughput gain (x, dense), log scale", scale=alt.Scale(type="log")),
            color=alt.Color("gpu:N", title="GPU", sort=gpu_order, scale=alt.Scale(scheme="tableau10")),
            tooltip=["gpu:N", "step:N", alt.Tooltip("gain:Q", title="gain (x)", format=".2f")]),
        "Throughput gain of each precision step within a generation", SPECS_SRC,
        subtitle="Ratio of dense peaks on the same GPU", width=520)


def steps_table(steps: pl.DataFrame):
    """Reader table: one row per GPU (announcement order), one column per step."""
    wide = steps.pivot(on="step", index="gpu", values="gain", maintain_order=True)
    return charts.table(wide, title="Throughput gain of each precision step (x, dense)", source=SPECS_SRC,
                        labels={"gpu": "GPU"}, decimals={c: 2 for c in wide.columns if c != "gpu"})


# growth per year and the lowest-format envelope ----------------------------------------------------------------

@dataclass(frozen=True)
class GrowthSummary:
    """Growth factors per year (x/yr) of the dense peak from log-linear fits on the announcement year."""

    lowest_format_growth_per_year: float
    lowest_format_growth_ci_low: float
    lowest_format_growth_ci_high: float
    bf16_growth_per_year: float
    fp32_growth_per_year: float
    confidence_level: float


def envelope(rel: pl.DataFrame) -> pl.DataFrame:
    """Each released GPU at its lowest supported format: (gpu, announced_year, column, format, tflops)."""
    rows = [{"gpu": r["gpu"], "announced_year": r["announced_year"], "column": c, "format": _label(c), "tflops": r[c]}
            for r in rel.iter_rows(named=True) if (c := lowest_format(r))]
    return pl.DataFrame(rows)


def format_growth(rel: pl.DataFrame, confidence_level: float = 0.95) -> tuple[pl.DataFrame, GrowthSummary]:
    """Log-linear fit per format and for the envelope (formats with >= 3 GPUs over >= 2 years)."""
    env = envelope(rel)
    rows = []
    for col, (fmt, _) in [*FORMAT_COLUMNS.items(), ("lowest", ("lowest supported format", 0))]:
        d = env if col == "lowest" else rel.drop_nulls(col).select("announced_year", pl.col(col).alias("tflops"))
        if d.height < 3 or d["announced_year"].n_unique() < 2:
            continue
        f = fits.fit_loglinear(d["announced_year"], d["tflops"], confidence_level)
        lo, hi = f.factor_per_year_ci
        rows.append({"format": fmt, "gpus": f.n, "first_year": f.x_min, "last_year": f.x_max,
                     "factor_per_year": f.factor_per_year, "ci_low": lo, "ci_high": hi, "r_squared": f.r_squared})
    growth = pl.DataFrame(rows)
    by = {r["format"]: r for r in growth.iter_rows(named=True)}
    low = by["lowest supported format"]
    return growth, GrowthSummary(low["factor_per_year"], low["ci_low"], low["ci_high"],
                                 by["BF16/FP16"]["factor_per_year"], by["FP32"]["factor_per_year"], confidence_level)


def growth_chart(growth: pl.DataFrame, confidence_level: float):
    """Growth factor per year with its interval, one row per format."""
    pct = f"{100 * confidence_level:g}%"
    base = alt.Chart(growth).encode(y=alt.Y("format:N", title="Format", sort=growth["format"].to_list()))
    x_title = "Growth factor per year (x/yr), log scale"
    return charts.finish(
        base.mark_rule(color=charts.MUTED, strokeWidth=2).encode(
            x=alt.X("ci_low:Q", title=x_title, scale=alt.Scale(type="log")), x2="ci_high:Q")
        + base.mark_point(filled=True, size=80, color=charts.OKABE_ITO[0]).encode(
            x=alt.X("factor_per_year:Q", title=x_title, scale=alt.Scale(type="log")),
            tooltip=["format:N", alt.Tooltip("factor_per_year:Q", title="x per year", format=".2f"),
                     alt.Tooltip("ci_low:Q", title=f"{pct} low", format=".2f"),
                     alt.Tooltip("ci_high:Q", title=f"{pct} high", format=".2f"), "gpus:Q"]),
        "Dense throughput growth per year, by format", SPECS_SRC,
        subtitle=f"Log-linear fit on the announcement year; lines: {pct} interval (wide where few years are covered)")


def growth_table(growth: pl.DataFrame, confidence_level: float):
    pct = f"{100 * confidence_level:g}%"
    return charts.table(
        growth.with_columns(pl.col("first_year", "last_year").floor()), title="Growth per year of the dense peak",
        source=SPECS_SRC, decimals={"factor_per_year": 2, "ci_low": 2, "ci_high": 2, "r_squared": 2},
        labels={"format": "Format", "gpus": "GPUs", "first_year": "First year", "last_year": "Last year",
                "factor_per_year": "Growth (x/yr)", "ci_low": f"{pct} low (x/yr)", "ci_high": f"{pct} high (x/yr)",
                "r_squared": "R²"})


# format change versus same-format gain ------------------------------------------------------------------------

@dataclass(frozen=True)
class Decomposition:
    """The whole span's gain at the lowest format = same-format gain x format gain (x); per watt divides by the
    ratio of board powers. ``same_format_*`` name one pair of consecutive architectures (``same_format_span``)."""

    decomp_span: str
    decomp_total_gain: float
    decomp_same_format_gain: float
    decomp_format_gain: float
    decomp_format_share_pct: float
    decomp_same_format_gain_per_watt: float
    same_format_span: str
    same_format_format: str
    same_format_gain_per_gpu: float
    same_format_gain_per_watt: float


def decomposition(rel: pl.DataFrame, pair: tuple[str, str] = ("H100", "B200")) -> tuple[pl.DataFrame, Decomposition]:
    """Split the gain at the lowest format between consecutive architectures (first GPU listed of each).

    Rows: every consecutive pair, then the whole span (first -> last). ``same_format_gain`` is the new chip at
    the old chip's lowest format over the old chip; ``format_gain`` the new lowest format over that;
    ``*_per_watt`` divide by ``new TDP / old TDP``. ``pair`` (old, new) is the row summarised in the
    ``same_format_*`` fields (raises ``KeyError`` if it is not a consecutive pair).
    """
    chain = list(rel.unique("architecture", keep="first", maintain_order=True).iter_rows(named=True))
    pairs = [*zip(chain, chain[1:]), (chain[0], chain[-1])]
    rows = []
    for old, new in pairs:
        lo_old, lo_new = lowest_format(old), lowest_format(new)
        same, fmt_gain = new[lo_old] / old[lo_old], new[lo_new] / new[lo_old]
        total, power = same * fmt_gain, new["tdp_w"] / old["tdp_w"]
        rows.append({"span": f"{old['gpu']} -> {new['gpu']}", "from_format": _label(lo_old), "to_format": _label(lo_new),
                     "total_gain": total, "same_format_gain": same, "format_gain": fmt_gain,
                     "format_share_pct": 100 * math.log(fmt_gain) / math.log(total) if total > 1 else math.nan,
                     "power_ratio": power, "same_format_gain_per_watt": same / power, "total_gain_per_watt": total / power})
    frame = pl.DataFrame(rows)
    w, p = rows[-1], {r["span"]: r for r in rows}[f"{pair[0]} -> {pair[1]}"]
    return frame, Decomposition(w["span"], w["total_gain"], w["same_format_gain"], w["format_gain"],
                                w["format_share_pct"], w["same_format_gain_per_watt"], p["span"], p["from_format"],
                                p["same_format_gain"], p["same_format_gain_per_watt"])


def decomposition_chart(frame: pl.DataFrame):
    """Bars of log10 factors on a linear axis (stacking log10 values is a product of factors, not a log axis)."""
    long = frame.unpivot(index=["span", "total_gain"], on=["same_format_gain", "format_gain"], variable_name="part",
                         value_name="factor").with_columns(
        pl.col("factor").log10().alias("log10_factor"),
        pl.col("part").replace_strict({"same_format_gain": "same format (chip, process, instructions)",
                                       "format_gain": "format change"}))
    return charts.finish(
        alt.Chart(long).mark_bar().encode(
            y=alt.Y("span:N", title="Generation step", sort=frame["span"].to_list()),
            x=alt.X("log10_factor:Q", title="Gain at the lowest format (orders of magnitude, log10 x)", stack="zero"),
            color=alt.Color("part:N", title="Part of the gain"),
            tooltip=["span:N", "part:N", alt.Tooltip("factor:Q", title="factor (x)", format=".2f"),
                     alt.Tooltip("total_gain:Q", title="total (x)", format=".1f")]),
        "Where the generation-over-generation gain comes from", SPECS_SRC,
        subtitle="Log10 of each factor on a linear axis: bar length is log10 of the total gain")


def decomposition_table(frame: pl.DataFrame):
    return charts.table(
        frame, title="Gain at the lowest format, per GPU and per watt", source=SPECS_SRC,
        labels={"span": "Step", "from_format": "Old lowest format", "to_format": "New lowest format",
                "total_gain": "Total (x)", "same_format_gain": "Same format (x)", "format_gain": "Format change (x)",
                "format_share_pct": "Format share of log gain (%)", "power_ratio": "TDP ratio (x)",
                "same_format_gain_per_watt": "Same format per watt (x)", "total_gain_per_watt": "Total per watt (x)"},
        decimals={"format_share_pct": 0}, notes=["Per watt: the gain divided by the ratio of board powers (TDP)."])


# Dally's factors over his own span ------------------------------------------------------------------------------

#: Dally's span starts at Kepler; the spec table starts at Pascal, so Kepler's Tesla K20X (the 2012 flagship) is
#: read from Epoch AI's chip dataset.
DALLY_START = ("K20X", "NVIDIA Tesla K20X")
DALLY_END = "H100"


@dataclass(frozen=True)
class DallyComparison:
    """Dally's factors (x) against the datasheet ratios over his span, Kepler (K20X) to Hopper (H100).

    ``dally_span_total_gain``: H100 FP8 with 2:4 sparsity over K20X FP32; it factors into
    ``dally_span_same_format_gain`` (FP32 vector peak, Hopper over Kepler) x
    ``dally_span_format_and_instructions_gain`` (H100 dense FP8 tensor over its FP32 vector peak) x the sparsity
    factor. ``dally_numrep_x_instr`` is his number representation x complex instructions; the ``*_verdict`` words
    follow from the numbers (rule: "agrees" within a factor 1.25, else "is larger" / "is smaller").
    """

    dally_total_factor: float
    dally_numrep_factor: float
    dally_instr_factor: float
    dally_process_factor: float
    dally_sparsity_factor: float
    dally_numrep_x_instr: float
    dally_kepler_fp32_tflops: float
    dally_span_total_gain: float
    dally_span_same_format_gain: float
    dally_span_format_and_instructions_gain: float
    dally_total_verdict: str
    dally_split_verdict: str
    hopper_tf32_to_fp8: float
    tf32_to_lowest_max: float
    tf32_to_lowest_max_gpu: str
    epoch_fp16_over_fp32: float
    ours_bf16_over_fp32: float


def _verdict(ours: float, theirs: float, tolerance: float = 1.25) -> str:
    if theirs / tolerance <= ours <= theirs * tolerance:
        return "agrees with"
    return "is larger than" if ours > theirs else "is smaller than"


def _geo_ratio(rel: pl.DataFrame, col: str) -> float:
    d = rel.drop_nulls(col).filter(pl.col("fp32_tflops").is_not_null())
    return float(np.exp(np.mean(np.log((d[col] / d["fp32_tflops"]).to_numpy()))))


def dally_comparison(rel: pl.DataFrame, epoch: pl.DataFrame, anchors: pl.DataFrame) -> DallyComparison:
    """Compare Dally's 1000x and its split with the datasheets over Kepler -> Hopper (see :class:`DallyComparison`)."""
    a = {r["id"]: r["value_number"] for r in anchors.iter_rows(named=True)}
    kepler = epoch.filter(pl.col("hardware_name") == DALLY_START[1])["fp32_flop_s"][0] / 1e12
    h = catalog.gpu_row(rel, DALLY_END)
    same, fmt = h["fp32_tflops"] / kepler, h["fp8_dense_tflops"] / h["fp32_tflops"]
    total = same * fmt * SPARSITY_FACTOR
    within = [(r["fp8_dense_tflops"] if lowest_format(r) == "fp8_dense_tflops" else r["fp4_dense_tflops"])
              / r["tf32_dense_tflops"] for r in rel.iter_rows(named=True)
              if r["tf32_dense_tflops"] and lowest_format(r) in ("fp8_dense_tflops", "fp4_dense_tflops")]
    gpus = [r["gpu"] for r in rel.iter_rows(named=True)
            if r["tf32_dense_tflops"] and lowest_format(r) in ("fp8_dense_tflops", "fp4_dense_tflops")]
    numrep_instr = a["dally_numrep"] * a["dally_instr"]
    epoch_vals = [float(v) for v in anchors.filter(pl.col("id") == "epoch_hw_formats")["value"][0].split("/")]
    return DallyComparison(
        a["dally_total"], a["dally_numrep"], a["dally_instr"], a["dally_process"], a["dally_sparsity"], numrep_instr,
        kepler, total, same, fmt, _verdict(total, a["dally_total"]), _verdict(fmt, numrep_instr),
        h["fp8_dense_tflops"] / h["tf32_dense_tflops"], max(within), gpus[int(np.argmax(within))], epoch_vals[1],
        _geo_ratio(rel, "bf16_fp16_dense_tflops"))


def dally_table(d: DallyComparison):
    """Reader table: Dally's factors beside the datasheet ratios over the same span."""
    df = pl.DataFrame({
        "quantity": ["total (Kepler -> Hopper, with 2:4 sparsity)",
                     "number representation x complex instructions",
                     "process technology (Dally) / same-format FP32 gain (datasheets)", "sparsity"],
        "dally_x": [d.dally_total_factor, d.dally_numrep_x_instr, d.dally_process_factor, d.dally_sparsity_factor],
        "datasheets_x": [d.dally_span_total_gain, d.dally_span_format_and_instructions_gain,
                         d.dally_span_same_format_gain, SPARSITY_FACTOR],
        "how": [f"H100 FP8 x 2 / K20X FP32 ({d.dally_kepler_fp32_tflops:.3g} TFLOP/s, Epoch AI)",
                "H100 dense FP8 tensor / H100 FP32 vector peak (one chip)",
                "H100 FP32 / K20X FP32 (vector units, same format)", "NVIDIA 2:4 structured sparsity"]})
    return charts.table(df, title="Dally's factors against datasheet ratios, Kepler to Hopper",
                        source="Dally, Hot Chips 2023 (via IEEE Spectrum); curated NVIDIA spec table; Epoch AI (CC BY)",
                        labels={"quantity": "Quantity", "dally_x": "Dally (x)", "datasheets_x": "Datasheets (x)",
                                "how": "How the datasheet ratio is formed"}, decimals={"dally_x": 1, "datasheets_x": 1})


# cross-check with Epoch AI --------------------------------------------------------------------------------------

#: Curated spec column -> Epoch AI chip-dataset column (FLOP/s, dense).
EPOCH_COLUMNS = {"fp64_tflops": "fp64_flop_s", "fp32_tflops": "fp32_flop_s", "tf32_dense_tflops": "tf32_flop_s",
                 "bf16_fp16_dense_tflops": "tensor_fp16_bf16_flop_s", "fp8_dense_tflops": "fp8_flop_s",
                 "fp4_dense_tflops": "fp4_flop_s"}


@dataclass(frozen=True)
class CrossCheck:
    """Figures both tables give (``epoch_crosscheck_n``) and those differing by more than ``tolerance``."""

    epoch_crosscheck_n: int
    epoch_crosscheck_disagree: str
    epoch_crosscheck_tolerance: float


def epoch_crosscheck(rel: pl.DataFrame, epoch: pl.DataFrame, tolerance: float = 0.05) -> tuple[pl.DataFrame, CrossCheck]:
    """Curated against Epoch AI figures per GPU and format; returns the disagreeing rows and the summary."""
    rows = []
    for r in rel.iter_rows(named=True):
        name = catalog.EPOCH_HARDWARE_NAME.get(r["gpu"])
        e = epoch.filter(pl.col("hardware_name") == name) if name else epoch.clear()
        for ours, theirs in EPOCH_COLUMNS.items():
            if e.height and r[ours] and e[theirs][0]:
                ev = e[theirs][0] / 1e12
                rows.append({"gpu": r["gpu"], "format": _label(ours), "curated_tflops": r[ours], "epoch_tflops": ev,
                             "curated_over_epoch": r[ours] / ev})
    x = pl.DataFrame(rows)
    bad = x.filter((pl.col("curated_over_epoch") - 1).abs() > tolerance)
    words = ", ".join(f"{g} {f}" for g, f in bad.select("gpu", "format").rows()) or "none"
    return bad, CrossCheck(x.height, words, tolerance)


def crosscheck_table(bad: pl.DataFrame):
    return charts.table(bad, title="Figures where the curated table and Epoch AI differ by more than 5%",
                        source=f"{SPECS_SRC}; Epoch AI chip dataset (CC BY)",
                        labels={"gpu": "GPU", "format": "Format", "curated_tflops": "Curated (TFLOP/s)",
                                "epoch_tflops": "Epoch AI (TFLOP/s)", "curated_over_epoch": "Curated / Epoch (x)"},
                        decimals={"curated_over_epoch": 2})
