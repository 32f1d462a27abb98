"""Accuracy side: formats at their limits, the error of quantized matrix products by scheme, heavy tails,
native against FP32 accumulation and the MX shared-scale rounding (FP64 reference, seeded inputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.models import precision

MEASURED_SRC = "measured in this notebook with scalinglab.models.precision (ml_dtypes rounding)"
#: Schemes the prose quotes, measured whatever ``formats`` holds.
HEADLINE = ("bfloat16", "float8_e4m3fn", "float4_e2m1fn", "nvfp4")
#: Schemes of the heavy-tail and accumulation comparison (MXFP8 with the reference and the rounded-up scale).
COMPARED = (
    "bfloat16",
    "float8_e4m3fn",
    "mxfp8",
    "mxfp8_ceil",
    "float4_e2m1fn",
    "mxfp4",
    "nvfp4",
)
DISTRIBUTIONS = precision.DISTRIBUTIONS
ACCUMULATIONS = precision.ACCUMULATIONS
#: Dot-product lengths of the sweep against the theory, and its schemes and rows.
K_SWEEP = (64, 256, 1024, 4096)
SWEEP_SCHEMES = ("bfloat16", "float8_e4m3fn")
SWEEP_ROWS = 32
#: Rows measured with native accumulation (a Python-level loop over K: slow).
NATIVE_MAX_ROWS = 64


@dataclass(frozen=True)
class Experiment:
    """The settings of every measurement: reduction length K, rows, inputs, accumulation, MX block, seed."""

    dot_length: int
    n_samples: int
    distribution: str
    student_t_dof: float
    accumulate: str
    block_size: int
    seed: int


def measure(schemes, e: Experiment, **override) -> pl.DataFrame:
    """One row per scheme (see ``matmul_error_table``) on the same seeded inputs; ``override`` replaces fields
    of ``e`` (``distribution``, ``accumulate``, ``dot_length``, ``n_samples``). MX schemes use ``block_size``.
    """
    e = Experiment(**{**e.__dict__, **override})
    rows = []
    for s in schemes:
        bs = e.block_size if precision.SCHEMES[s].scaling == "mx" else None
        rows += precision.matmul_error_table(
            [s],
            dot_length=e.dot_length,
            n_samples=e.n_samples,
            n_cols=16,
            distribution=e.distribution,
            dof=e.student_t_dof,
            accumulate=e.accumulate,
            block_size=bs,
            seed=e.seed,
        )
    return pl.DataFrame(rows)


# the formats at their limits -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRoundoffs:
    """u = 2^-p of the three headline formats."""

    bf16_unit_roundoff: float
    fp8_e4m3_unit_roundoff: float
    fp4_e2m1_unit_roundoff: float


def formats_at_limits() -> tuple[pl.DataFrame, UnitRoundoffs]:
    """What each format makes of 1.5 x its largest finite value and of infinity, with its u."""
    rows = []
    for name, f in precision.FORMATS.items():
        probe = precision.quantize([1.5 * f.max_finite, np.inf], f)
        rows.append(
            {
                "format": name,
                "bits": f.bits,
                "significand_bits": f.significand_bits,
                "unit_roundoff": f.unit_roundoff,
                "max_finite": f.max_finite,
                "overflow": f.overflow,
                "over_max": str(float(probe.values[0])),
                "inf": str(float(probe.values[1])),
                "overflows_counted": probe.n_overflow,
            }
        )
    u = precision.unit_roundoff
    return pl.DataFrame(rows), UnitRoundoffs(u("bfloat16"), u("float8_e4m3fn"), u("float4_e2m1fn"))


def formats_table(frame: pl.DataFrame):
    """The table “Number formats at their limits”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        frame,
        title="Number formats at their limits",
        source="ml_dtypes finfo and rounding",
        labels={
            "format": "Format",
            "bits": "Bits",
            "significand_bits": "Significand bits p",
            "unit_roundoff": "Unit roundoff u = 2^-p",
            "max_finite": "Largest finite value",
            "overflow": "Overflow gives",
            "over_max": "1.5 x largest becomes",
            "inf": "inf becomes",
            "overflows_counted": "Overflows counted",
        },
        sigfig=4,
    ).with_id("precision-formats-table")


# the main experiment -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MainErrors:
    """Median relative errors of a row of AB (dimensionless) and NVFP4's gain over per-tensor FP4 (x)."""

    matmul_rel_error_bf16: float
    matmul_rel_error_fp8_e4m3: float
    matmul_rel_error_nvfp4: float
    matmul_rel_error_tensor_fp4: float
    nvfp4_vs_tensor_scaled_fp4_error_ratio: float
    experiment_setup: str
    nonfinite_note: str


def main_experiment(formats, e: Experiment) -> tuple[pl.DataFrame, MainErrors]:
    """Measure ``formats`` plus :data:`HEADLINE`; returns the rows of ``formats`` (in their order) and the summary."""
    rows = measure(list(dict.fromkeys([*formats, *HEADLINE])), e)
    err = dict(zip(rows["scheme"], rows["median_rel_error"]))
    bad = [s for s in HEADLINE if not math.isfinite(err[s])]
    note = (
        (
            f"(A value of nan means {', '.join(bad)} overflowed to NaN or infinity in most samples: the table "
            "counts the non-finite results instead of averaging them away.)"
        )
        if bad
        else ""
    )
    shown = rows.filter(pl.col("scheme").is_in(list(formats)))
    shown = shown.sort(pl.col("scheme").replace_strict({s: i for i, s in enumerate(formats)}, return_dtype=pl.Int64))
    return shown, MainErrors(
        err["bfloat16"],
        err["float8_e4m3fn"],
        err["nvfp4"],
        err["float4_e2m1fn"],
        err["float4_e2m1fn"] / err["nvfp4"],
        f"K = {e.dot_length}, {e.distribution} inputs, {e.accumulate} accumulation",
        note,
    )


def _finite(frame: pl.DataFrame, col: str = "median_rel_error") -> pl.DataFrame:
    return frame.filter(pl.col(col).is_finite() & (pl.col(col) > 0))


def error_chart(shown: pl.DataFrame, e: Experiment):
    """Measured error (points) and unit roundoff (ticks) per scheme on a log axis; non-finite rows are left out."""
    data = _finite(shown)
    dropped = shown.height - data.height
    base = alt.Chart(data).encode(y=alt.Y("scheme:N", title="Scheme", sort=shown["scheme"].to_list()))
    x_title = "Median relative error of a row of AB (dimensionless), log scale"
    tips = [
        "scheme:N",
        "scaling:N",
        alt.Tooltip("median_rel_error:Q", title="median error", format=".3e"),
        alt.Tooltip("unit_roundoff:Q", title="u", format=".3e"),
        "n_overflow_inputs:Q",
        "n_nonfinite:Q",
    ]
    note = f"; {dropped} non-finite result(s) left off the log axis (see the table)" if dropped else ""
    return charts.finish(
        base.mark_tick(color=charts.MUTED, thickness=2).encode(
            x=alt.X("unit_roundoff:Q", title=x_title, scale=alt.Scale(type="log")),
            tooltip=tips,
        )
        + base.mark_point(filled=True, size=90).encode(
            x=alt.X("median_rel_error:Q", title=x_title, scale=alt.Scale(type="log")),
            color=alt.Color("scaling:N", title="Scaling"),
            tooltip=tips,
        ),
        "Matrix-product error by number format and scaling",
        MEASURED_SRC,
        subtitle=f"K = {e.dot_length}, {e.n_samples} rows, {e.distribution} inputs, {e.accumulate} accumulation; "
        f"grey tick: the format's unit roundoff u{note}",
    )


def error_table(shown: pl.DataFrame):
    """The table “Matrix-product error by scheme”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        shown.select(
            "scheme",
            "scaling",
            "block_size",
            "unit_roundoff",
            "median_rel_error",
            "normwise_error",
            "n_overflow_inputs",
            "n_overflow_accum",
            "n_nonfinite",
        ),
        title="Matrix-product error by scheme",
        source=MEASURED_SRC,
        labels={
            "scheme": "Scheme",
            "scaling": "Scaling",
            "block_size": "Block (elements)",
            "unit_roundoff": "u",
            "median_rel_error": "Median row error",
            "normwise_error": "Normwise error",
            "n_overflow_inputs": "Inputs clamped or overflowed",
            "n_overflow_accum": "Sums overflowed",
            "n_nonfinite": "Non-finite outputs",
        },
    ).with_id("precision-error-table")


# heavy tails, accumulation and the MX scale rounding ----------------------------------------------------------


@dataclass(frozen=True)
class Variants:
    """Error ratios (x) and errors across inputs and accumulation; ``mxfp8_*`` compare the OCP reference scale
    rounding (down) with the scale rounded up, on normal inputs with FP32 accumulation.
    """

    fp4_ratio_normal: float
    fp4_ratio_student_t: float
    mxfp8_over_e4m3_error: float
    mxfp8_ceil_over_e4m3_error: float
    mxfp8_clamped_inputs: int
    mxfp8_ceil_clamped_inputs: int
    mxfp8_ceil_verdict: str
    bf16_native_error: float
    bf16_fp32acc_error: float


def variants(e: Experiment) -> tuple[pl.DataFrame, Variants]:
    """:data:`COMPARED` on both distributions with both accumulations (native on at most 64 rows)."""
    frames = [
        measure(
            COMPARED,
            e,
            distribution=d,
            accumulate=a,
            n_samples=e.n_samples if a == "fp32" else min(e.n_samples, NATIVE_MAX_ROWS),
        )
        for d in DISTRIBUTIONS
        for a in ACCUMULATIONS
    ]
    v = pl.concat(frames)
    key = {(r["distribution"], r["accumulate"], r["scheme"]): r for r in v.iter_rows(named=True)}

    def err(d, a, s):
        return key[(d, a, s)]["median_rel_error"]

    up, ref = err("normal", "fp32", "mxfp8_ceil"), err("normal", "fp32", "mxfp8")
    return v, Variants(
        err("normal", "fp32", "float4_e2m1fn") / err("normal", "fp32", "nvfp4"),
        err("student_t", "fp32", "float4_e2m1fn") / err("student_t", "fp32", "nvfp4"),
        ref / err("normal", "fp32", "float8_e4m3fn"),
        up / err("normal", "fp32", "float8_e4m3fn"),
        int(key[("normal", "fp32", "mxfp8")]["n_overflow_inputs"]),
        int(key[("normal", "fp32", "mxfp8_ceil")]["n_overflow_inputs"]),
        "lowers" if up < ref else "does not lower",
        err(e.distribution, "native", "bfloat16"),
        err(e.distribution, "fp32", "bfloat16"),
    )


def variants_chart(v: pl.DataFrame, e: Experiment):
    """The chart “Scheme”, built with :func:`scalinglab.charts.finish` (the book's rules; source line included)."""
    data = _finite(v).with_columns(
        (pl.col("distribution") + ", " + pl.col("accumulate") + " accumulation").alias("case")
    )
    return charts.finish(
        alt.Chart(data)
        .mark_point(filled=True, size=70)
        .encode(
            y=alt.Y("scheme:N", title="Scheme", sort=list(COMPARED)),
            x=alt.X(
                "median_rel_error:Q",
                title="Median relative error (dimensionless), log scale",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("case:N", title="Inputs, accumulation"),
            shape=alt.Shape("case:N", title="Inputs, accumulation"),
            tooltip=[
                "scheme:N",
                "case:N",
                alt.Tooltip("median_rel_error:Q", title="median error", format=".3e"),
                "n_overflow_inputs:Q",
                "n_overflow_accum:Q",
                "n_nonfinite:Q",
            ],
        ),
        "Outliers and accumulation: where low precision breaks",
        MEASURED_SRC,
        subtitle=f"K = {e.dot_length}; Student's t with {e.student_t_dof:g} degrees of freedom; "
        "non-finite results are left off the log axis and counted in the table",
    )


def variants_table(v: pl.DataFrame):
    """The table “Error by inputs and accumulation”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        v.select(
            "distribution",
            "accumulate",
            "scheme",
            "median_rel_error",
            "n_overflow_inputs",
            "n_overflow_accum",
            "n_nonfinite",
        ),
        title="Error by inputs and accumulation",
        source=MEASURED_SRC,
        labels={
            "distribution": "Inputs",
            "accumulate": "Accumulation",
            "scheme": "Scheme",
            "median_rel_error": "Median row error",
            "n_overflow_inputs": "Inputs clamped or overflowed",
            "n_overflow_accum": "Sums overflowed",
            "n_nonfinite": "Non-finite outputs",
        },
    ).with_id("precision-variants-table")
