"""Throughput side: the per-format ladder of NVIDIA data-centre GPUs, the gain of each precision step on one
chip, and growth per year by format and for the lowest-format envelope (source: the curated spec table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import polars as pl

from scalinglab import charts
from scalinglab.data import catalog
from scalinglab.models import fits

SPECS_SRC = "curated NVIDIA spec table (datasheets, cross-checked with Epoch AI)"
#: Floating-point dense-peak spec columns, widest first: column -> (label, bits), from :mod:`scalinglab.data.catalog`.
FORMAT_COLUMNS = {c.column: (c.label, c.bits) for c in catalog.SPEC_COLUMNS if c.format != "INT8"}
#: Columns searched for a GPU's lowest supported floating-point format, narrowest first.
LOWEST_ORDER = tuple(reversed([c for c in FORMAT_COLUMNS if c != "fp64_tensor_tflops"]))
#: Precision steps within one chip: (label, wider-format column, narrower-format column).
STEPS = (
    ("FP64 -> FP32", "fp64_tflops", "fp32_tflops"),
    ("FP32 -> TF32", "fp32_tflops", "tf32_dense_tflops"),
    ("FP32 -> BF16", "fp32_tflops", "bf16_fp16_dense_tflops"),
    ("TF32 -> BF16", "tf32_dense_tflops", "bf16_fp16_dense_tflops"),
    ("BF16 -> FP8", "bf16_fp16_dense_tflops", "fp8_dense_tflops"),
    ("FP8 -> FP6", "fp8_dense_tflops", "fp6_dense_tflops"),
    ("FP8 -> FP4", "fp8_dense_tflops", "fp4_dense_tflops"),
)
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
    GPUs, comma-separated ("none" if there are none).
    """

    h100_bf16_dense_tflops: float
    rubin_preliminary: str


def ladder(specs: pl.DataFrame) -> tuple[pl.DataFrame, LadderFacts]:
    """Long frame (gpu, announced_year, preliminary, format, bits, tflops) of every dense figure, and the facts."""
    long = (
        specs.unpivot(
            index=["gpu", "announced_year", "preliminary"],
            on=list(FORMAT_COLUMNS),
            variable_name="column",
            value_name="tflops",
        )
        .drop_nulls("tflops")
        .with_columns(
            pl.col("column").replace_strict({c: v[0] for c, v in FORMAT_COLUMNS.items()}).alias("format"),
            pl.col("column").replace_strict({c: v[1] for c, v in FORMAT_COLUMNS.items()}).alias("bits"),
        )
    )
    h100 = specs.filter(pl.col("gpu") == "H100")["bf16_fp16_dense_tflops"]
    prelim = specs.filter(pl.col("preliminary"))["gpu"].to_list()
    return long, LadderFacts(float(h100[0]) if h100.len() else math.nan, ", ".join(prelim) or "none")


def ladder_table(specs: pl.DataFrame):
    """Reader table of the dense peaks per format (TFLOP/s) and the board power of every GPU."""
    cols = ["gpu", "architecture", "announced_year", *FORMAT_COLUMNS, "tdp_w", "status"]
    labels = {c: f"{_label(c)} (TFLOP/s)" for c in FORMAT_COLUMNS}
    labels.update(
        gpu="GPU",
        architecture="Architecture",
        announced_year="Announced",
        tdp_w="TDP (W)",
        status="Status of the figures",
    )
    return charts.table(
        specs.select(cols).with_columns(pl.col("announced_year").floor()),
        title="Dense peak throughput per number format",
        source=SPECS_SRC,
        labels=labels,
        sigfig=4,
    ).with_id("precision-ladder-table")


def ladder_chart(long: pl.DataFrame, gpu_order: list[str]):
    """Line chart of the dense peak per format (log scale) against the GPUs in order of announcement."""
    return charts.finish(
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("gpu:N", title="GPU (in order of announcement)", sort=gpu_order),
            y=alt.Y(
                "tflops:Q",
                title="Dense peak throughput (TFLOP/s), log scale",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("format:N", title="Format", sort=[v[0] for v in FORMAT_COLUMNS.values()]),
            tooltip=[
                "gpu:N",
                "format:N",
                alt.Tooltip("tflops:Q", title="dense TFLOP/s", format=",.1f"),
            ],
        ),
        "Dense throughput per number format, P100 to GB300",
        SPECS_SRC,
        subtitle="Preliminary GPUs without a dense figure are in the table only",
        height=320,
    )


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
    rows = [
        {"gpu": r["gpu"], "step": s, "gain": r[hi] / r[lo]}
        for r in rel.iter_rows(named=True)
        for s, lo, hi in STEPS
        if r[lo] and r[hi]
    ]
    steps = pl.DataFrame(rows, schema={"gpu": pl.String, "step": pl.String, "gain": pl.Float64})

    def med(name: str) -> float:
        d = steps.filter(pl.col("step") == name)["gain"]
        return float(d.median()) if d.len() else math.nan

    return steps, StepGains(med("BF16 -> FP8"), med("FP8 -> FP4"), med("FP32 -> BF16"), med("FP32 -> TF32"))


def steps_chart(steps: pl.DataFrame, gpu_order: list[str]):
    """Dot chart of the gain of each step per GPU (one legend: colour)."""
    return charts.finish(
        alt.Chart(steps)
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X(
                "step:N",
                title="Precision step (same chip)",
                sort=[s for s, _, _ in STEPS],
            ),
            y=alt.Y(
                "gain:Q",
                title="Throughput gain (x, dense), log scale",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color(
                "gpu:N",
                title="GPU",
                sort=gpu_order,
                scale=alt.Scale(scheme="tableau10"),
            ),
            tooltip=[
                "gpu:N",
                "step:N",
                alt.Tooltip("gain:Q", title="gain (x)", format=".2f"),
            ],
        ),
        "Throughput gain of each precision step within a generation",
        SPECS_SRC,
        subtitle="Ratio of dense peaks on the same GPU",
    )


def steps_table(steps: pl.DataFrame):
    """Reader table: one row per GPU (announcement order), one column per step."""
    wide = steps.pivot(on="step", index="gpu", values="gain", maintain_order=True)
    return charts.table(
        wide,
        title="Throughput gain of each precision step (x, dense)",
        source=SPECS_SRC,
        labels={"gpu": "GPU"},
        decimals={c: 2 for c in wide.columns if c != "gpu"},
    ).with_id("precision-steps-table")


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
    rows = [
        {
            "gpu": r["gpu"],
            "announced_year": r["announced_year"],
            "column": c,
            "format": _label(c),
            "tflops": r[c],
        }
        for r in rel.iter_rows(named=True)
        if (c := lowest_format(r))
    ]
    return pl.DataFrame(rows)


def format_growth(rel: pl.DataFrame, confidence_level: float = 0.95) -> tuple[pl.DataFrame, GrowthSummary]:
    """Log-linear fit per format and for the envelope (formats with >= 3 GPUs over >= 2 years)."""
    env = envelope(rel)
    rows = []
    for col, (fmt, _) in [
        *FORMAT_COLUMNS.items(),
        ("lowest", ("lowest supported format", 0)),
    ]:
        d = env if col == "lowest" else rel.drop_nulls(col).select("announced_year", pl.col(col).alias("tflops"))
        if d.height < 3 or d["announced_year"].n_unique() < 2:
            continue
        f = fits.fit_loglinear(d["announced_year"], d["tflops"], confidence_level)
        lo, hi = f.factor_per_year_ci
        rows.append(
            {
                "format": fmt,
                "gpus": f.n,
                "first_year": f.x_min,
                "last_year": f.x_max,
                "factor_per_year": f.factor_per_year,
                "ci_low": lo,
                "ci_high": hi,
                "r_squared": f.r_squared,
            }
        )
    growth = pl.DataFrame(rows)
    by = {r["format"]: r for r in growth.iter_rows(named=True)}
    low = by["lowest supported format"]
    return growth, GrowthSummary(
        low["factor_per_year"],
        low["ci_low"],
        low["ci_high"],
        by["BF16/FP16"]["factor_per_year"],
        by["FP32"]["factor_per_year"],
        confidence_level,
    )


def growth_chart(growth: pl.DataFrame, confidence_level: float):
    """Growth factor per year with its interval, one row per format."""
    pct = f"{100 * confidence_level:g}%"
    base = alt.Chart(growth).encode(y=alt.Y("format:N", title="Format", sort=growth["format"].to_list()))
    x_title = "Growth factor per year (x/yr), log scale"
    return charts.finish(
        base.mark_rule(color=charts.MUTED, strokeWidth=2).encode(
            x=alt.X("ci_low:Q", title=x_title, scale=alt.Scale(type="log")),
            x2="ci_high:Q",
        )
        + base.mark_point(filled=True, size=80, color=charts.OKABE_ITO[0]).encode(
            x=alt.X("factor_per_year:Q", title=x_title, scale=alt.Scale(type="log")),
            tooltip=[
                "format:N",
                alt.Tooltip("factor_per_year:Q", title="x per year", format=".2f"),
                alt.Tooltip("ci_low:Q", title=f"{pct} low", format=".2f"),
                alt.Tooltip("ci_high:Q", title=f"{pct} high", format=".2f"),
                "gpus:Q",
            ],
        ),
        "Dense throughput growth per year, by format",
        SPECS_SRC,
        subtitle=f"Log-linear fit on the announcement year; lines: {pct} interval (wide where few years are covered)",
    )


def growth_table(growth: pl.DataFrame, confidence_level: float):
    """The table “Growth per year of the dense peak”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    pct = f"{100 * confidence_level:g}%"
    return charts.table(
        growth.with_columns(pl.col("first_year", "last_year").floor()),
        title="Growth per year of the dense peak",
        source=SPECS_SRC,
        decimals={"factor_per_year": 2, "ci_low": 2, "ci_high": 2, "r_squared": 2},
        labels={
            "format": "Format",
            "gpus": "GPUs",
            "first_year": "First year",
            "last_year": "Last year",
            "factor_per_year": "Growth (x/yr)",
            "ci_low": f"{pct} low (x/yr)",
            "ci_high": f"{pct} high (x/yr)",
            "r_squared": "R²",
        },
    ).with_id("precision-growth-table")
