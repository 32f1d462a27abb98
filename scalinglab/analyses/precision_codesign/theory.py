"""The error against u and sqrt(K) u over the dot-product length, and throughput against error on one GPU."""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import polars as pl

from scalinglab import charts
from scalinglab.analyses.precision_codesign.accuracy import (
    ACCUMULATIONS,
    K_SWEEP,
    MEASURED_SRC,
    SWEEP_ROWS,
    SWEEP_SCHEMES,
    Experiment,
    _finite,
    measure,
)
from scalinglab.analyses.precision_codesign.throughput import SPECS_SRC
from scalinglab.data import catalog
from scalinglab.models import precision

# against the theory --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    """BF16 at the largest K: error / u with FP32 accumulation, error / (sqrt(K) u) with native accumulation."""

    sweep_k_max: int
    bf16_fp32acc_error_over_u: float
    bf16_native_error_over_sqrtk_u: float


def k_sweep(e: Experiment) -> tuple[pl.DataFrame, pl.DataFrame, Sweep]:
    """Measured errors over :data:`K_SWEEP` (lengths the blocks divide) and the curves u and sqrt(K) u."""
    ks = [k for k in K_SWEEP if k % max(e.block_size, precision.NVFP4_BLOCK_SIZE) == 0] or [e.dot_length]
    sweep = pl.concat(
        [
            measure(
                SWEEP_SCHEMES,
                e,
                distribution="normal",
                accumulate=a,
                dot_length=k,
                n_samples=SWEEP_ROWS,
            )
            for k in ks
            for a in ACCUMULATIONS
        ]
    ).with_columns(
        (pl.col("median_rel_error") / pl.col("unit_roundoff")).alias("error_over_u"),
        (pl.col("median_rel_error") / (pl.col("unit_roundoff") * pl.col("dot_length").cast(pl.Float64).sqrt())).alias(
            "error_over_sqrtK_u"
        ),
    )
    theory = pl.DataFrame(
        [
            {"dot_length": k, "scheme": s, "curve": c, "value": v}
            for k in ks
            for s in SWEEP_SCHEMES
            for c, v in (
                ("u", precision.unit_roundoff(s)),
                ("sqrt(K) u", math.sqrt(k) * precision.unit_roundoff(s)),
            )
        ]
    )
    top = {
        r["accumulate"]: r
        for r in sweep.filter((pl.col("dot_length") == max(ks)) & (pl.col("scheme") == "bfloat16")).iter_rows(
            named=True
        )
    }
    return (
        sweep,
        theory,
        Sweep(max(ks), top["fp32"]["error_over_u"], top["native"]["error_over_sqrtK_u"]),
    )


def sweep_chart(sweep: pl.DataFrame, theory: pl.DataFrame):
    """The chart “Format”, built with :func:`scalinglab.charts.finish` (the book's rules; source line included)."""
    x_title = "Dot-product length K (elements), log scale"
    y_title = "Median relative error (dimensionless), log scale"
    meas = (
        alt.Chart(_finite(sweep))
        .mark_line(point=True)
        .encode(
            x=alt.X("dot_length:Q", title=x_title, scale=alt.Scale(type="log", base=2)),
            y=alt.Y("median_rel_error:Q", title=y_title, scale=alt.Scale(type="log")),
            color=alt.Color("scheme:N", title="Format"),
            strokeDash=alt.StrokeDash("accumulate:N", title="Accumulation"),
            tooltip=[
                "scheme:N",
                "accumulate:N",
                "dot_length:Q",
                alt.Tooltip("median_rel_error:Q", format=".3e"),
                alt.Tooltip("error_over_u:Q", title="error / u", format=".2f"),
            ],
        )
    )
    theo = (
        alt.Chart(theory)
        .mark_line(color=charts.MUTED, opacity=0.6, strokeDash=[2, 2])
        .encode(
            x=alt.X("dot_length:Q", title=x_title),
            y=alt.Y("value:Q", title=y_title),
            detail=[alt.Detail("curve:N"), alt.Detail("scheme:N")],
            tooltip=[
                "scheme:N",
                "curve:N",
                "dot_length:Q",
                alt.Tooltip("value:Q", title="theory", format=".3e"),
            ],
        )
    )
    return charts.finish(
        meas + theo,
        "Measured error against u and sqrt(K) u",
        MEASURED_SRC,
        subtitle=f"Normal inputs, {SWEEP_ROWS} rows; grey dotted: u and sqrt(K) u of each format",
    )


def sweep_table(sweep: pl.DataFrame):
    """The table “Error against the dot-product length”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        sweep.select(
            "scheme",
            "dot_length",
            "accumulate",
            "median_rel_error",
            "error_over_u",
            "error_over_sqrtK_u",
            "n_nonfinite",
        ),
        title="Error against the dot-product length",
        source=MEASURED_SRC,
        labels={
            "scheme": "Format",
            "dot_length": "K (elements)",
            "accumulate": "Accumulation",
            "median_rel_error": "Median row error",
            "error_over_u": "Error / u",
            "error_over_sqrtK_u": "Error / (sqrt(K) u)",
            "n_nonfinite": "Non-finite outputs",
        },
        decimals={"error_over_u": 2, "error_over_sqrtK_u": 2},
    ).with_id("precision-sweep-table")


# throughput against error on one GPU ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frontier:
    """The fastest measured scheme on ``gpu`` (TFLOP/s dense, error) and the schemes it cannot run."""

    gpu: str
    gpu_unsupported: str
    gpu_fastest_scheme: str
    gpu_fastest_tflops: float
    gpu_fastest_error: float


def frontier(shown: pl.DataFrame, gpu_row: dict) -> tuple[pl.DataFrame, Frontier]:
    """Dense peak of each measured scheme's element format on the GPU (``catalog.dense_tflops``) with its error."""
    peak = {s: catalog.dense_tflops(gpu_row, precision.SCHEMES[s].fmt) for s in shown["scheme"]}
    unsupported = [s for s, v in peak.items() if v is None]
    front = shown.filter(
        pl.col("scheme").is_in([s for s, v in peak.items() if v is not None]) & pl.col("median_rel_error").is_finite()
    ).select(
        "scheme",
        "scaling",
        pl.col("scheme").replace_strict(peak, return_dtype=pl.Float64).alias("dense_tflops"),
        "median_rel_error",
    )
    best = front.sort(["dense_tflops", "median_rel_error"], descending=[True, False]).row(0, named=True)
    return front, Frontier(
        gpu_row["gpu"],
        ", ".join(unsupported) or "none",
        best["scheme"],
        best["dense_tflops"],
        best["median_rel_error"],
    )


def frontier_chart(front: pl.DataFrame, f: Frontier, e: Experiment):
    """The chart “Median relative error (dimensionless), log scale”, built with :func:`scalinglab.charts.finish` (the book's rules; source line included)."""
    pts = (
        alt.Chart(front)
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X(
                "median_rel_error:Q",
                title="Median relative error (dimensionless), log scale",
                scale=alt.Scale(type="log"),
            ),
            y=alt.Y(
                "dense_tflops:Q",
                title=f"{f.gpu} dense peak (TFLOP/s), log scale",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("scaling:N", title="Scaling"),
            tooltip=[
                "scheme:N",
                "scaling:N",
                alt.Tooltip("dense_tflops:Q", title="dense TFLOP/s", format=",.0f"),
                alt.Tooltip("median_rel_error:Q", title="median error", format=".3e"),
            ],
        )
    )
    return charts.finish(
        pts + pts.mark_text(align="left", dx=8, color=charts.TEXT).encode(text="scheme:N"),
        f"Throughput against error on the {f.gpu}",
        f"{SPECS_SRC}; {MEASURED_SRC}",
        subtitle=f"{e.distribution} inputs, K = {e.dot_length}, {e.accumulate} accumulation",
    )
