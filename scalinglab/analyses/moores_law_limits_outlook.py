"""The chapter *Moore's-law limits*, second half: energy against Landauer's bound, the chip-level NVIDIA GPU
series, and the projection against NVIDIA's 2-3x-per-year aim. Rules: see :mod:`.moores_law_limits`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from scalinglab import data
from scalinglab.analyses.moores_law_limits_trends import (
    AIM_FACTORS_PER_YEAR,
    ENERGY_FORMATS,
    ENERGY_GPU_ROWS,
    GPU_SERIES_FORMAT,
    INTERVIEW_YEAR,
    METRIC_NAMES,
    BreakFit,
)
from scalinglab.data import catalog
from scalinglab.models import fits, physics

#: CPU series projected beside the GPU series, as context.
CONTEXT_METRICS = ("transistors", "single_thread_performance")

# ---------------------------------------------------------------------------------------------
# Energy per operation
# ---------------------------------------------------------------------------------------------


def horowitz_energies() -> pl.DataFrame:
    """Horowitz's 45 nm energies per operation (ISSCC 2014) from :func:`scalinglab.data.load_horowitz_energy`.

    Columns ``operation`` (e.g. "32-bit FP multiply"), ``joules``, ``verification``, ``source``, sorted by
    energy; arithmetic and memory accesses alike (the DRAM range has no single value and is left out).
    """
    return (
        data.load_horowitz_energy()
        .select("operation", "joules", "verification", pl.lit("Horowitz 2014, 45 nm").alias("source"))
        .sort("joules", "operation")
    )


def gpu_energy_per_flop(specs: pl.DataFrame, formats: tuple[str, ...] = ENERGY_FORMATS) -> pl.DataFrame:
    """Board power over dense peak (J per FLOP) of every GPU and format with both figures.

    ``specs``: :func:`scalinglab.data.load_gpu_specs` (non-preliminary rows). Peaks come from
    :func:`scalinglab.data.catalog.dense_tflops`. Columns ``operation``, ``joules``, ``verification``,
    ``source``, sorted by energy (an upper bound on the arithmetic's energy: TDP also feeds memory and I/O).
    """
    rows = []
    for r in specs.iter_rows(named=True):
        for fmt in formats:
            peak = catalog.dense_tflops(r, fmt)
            if peak and r["tdp_w"]:
                rows.append(
                    {
                        "operation": f"{r['gpu']} {fmt} FLOP (TDP / dense peak)",
                        "joules": physics.joules_per_flop(r["tdp_w"], peak),
                        "verification": r["status"],
                        "source": "curated NVIDIA spec table",
                    }
                )
    return pl.DataFrame(rows).sort("joules", "operation")


@dataclass(frozen=True)
class Energy:
    """Landauer's bound, the subthreshold-swing limit and the best GPU's distance from the bound."""

    temperature_k: float
    subthreshold_swing_mv_per_decade: float
    landauer_j_per_bit: float
    best_gpu_operation: str
    best_gpu_j_per_flop: float
    landauer_gap_orders_of_magnitude: float


def energy(temperature_k: float) -> tuple[Energy, pl.DataFrame]:
    """The glued energy summary and the table: Landauer's bound, Horowitz's figures, the
    :data:`ENERGY_GPU_ROWS` most efficient GPU entries; column ``orders_above_landauer`` (log10 ratio).
    """
    landauer = physics.landauer_j_per_bit(temperature_k)
    gpu = gpu_energy_per_flop(data.load_gpu_specs().filter(~pl.col("preliminary")))
    best = gpu.row(0, named=True)
    table = pl.concat(
        [
            pl.DataFrame(
                {
                    "operation": ["Landauer bound, one bit erased"],
                    "joules": [landauer],
                    "verification": ["computed"],
                    "source": ["k_B T ln 2"],
                }
            ),
            horowitz_energies(),
            gpu.head(ENERGY_GPU_ROWS),
        ],
        how="vertical_relaxed",
    )
    table = table.with_columns((pl.col("joules") / landauer).log10().alias("orders_above_landauer")).sort("joules")
    summary = Energy(
        temperature_k=temperature_k,
        subthreshold_swing_mv_per_decade=physics.subthreshold_swing_limit_mv_per_decade(temperature_k),
        landauer_j_per_bit=landauer,
        best_gpu_operation=best["operation"],
        best_gpu_j_per_flop=best["joules"],
        landauer_gap_orders_of_magnitude=physics.orders_of_magnitude(best["joules"], landauer),
    )
    return summary, table


# ---------------------------------------------------------------------------------------------
# Chip-level GPU series and the projection
# ---------------------------------------------------------------------------------------------


def gpu_chip_series(specs: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per NVIDIA data-centre GPU chip: dense 16-bit FLOP/s and FLOP/s per watt of TDP.

    Rows announced the same day with the same architecture as an earlier row (GB200 beside B200, GB300
    beside B300: the same chip in a superchip package at a higher power) and preliminary rows are dropped.
    Columns ``gpu``, ``year`` (announcement, decimal), ``dense_flop_s``, ``flop_s_per_w``, sorted by year.
    """
    specs = data.load_gpu_specs() if specs is None else specs
    col = catalog.spec_column(GPU_SERIES_FORMAT)
    g = specs.filter(~pl.col("preliminary") & pl.col(col).is_not_null() & pl.col("tdp_w").is_not_null())
    g = g.unique(subset=["architecture", "announced"], keep="first", maintain_order=True)
    return g.select(
        "gpu",
        pl.col("announced_year").alias("year"),
        (pl.col(col) * 1e12).alias("dense_flop_s"),
        (pl.col(col) * 1e12 / pl.col("tdp_w")).alias("flop_s_per_w"),
    ).sort("year", "gpu")


def against_aim(ci_low: float, ci_high: float) -> str:
    """Where a factor-per-year interval sits against the 2x and 3x lines (see the module rules)."""
    lo_aim, hi_aim = AIM_FACTORS_PER_YEAR
    if ci_high < lo_aim:
        return f"below the {lo_aim:.0f}x line"
    if ci_low > hi_aim:
        return f"above the {hi_aim:.0f}x line"
    if ci_low >= lo_aim and ci_high <= hi_aim:
        return f"between the {lo_aim:.0f}x and {hi_aim:.0f}x lines"
    return f"consistent with the {lo_aim:.0f}-{hi_aim:.0f}x range"


@dataclass(frozen=True)
class Projection:
    """Growth of the chip-level GPU series, and every trend compounded from :data:`INTERVIEW_YEAR`."""

    projection_year: int
    aim_2x_factor: float
    aim_3x_factor: float
    single_thread_projection_factor: float
    gpu_count: int
    gpu_first_year: int
    gpu_last_year: int
    gpu_flops_x_per_year: float
    gpu_flops_ci_low: float
    gpu_flops_ci_high: float
    gpu_flops_vs_aim: str
    gpu_flops_projection_factor: float
    gpu_flops_per_watt_x_per_year: float
    gpu_flops_per_watt_ci_low: float
    gpu_flops_per_watt_ci_high: float
    gpu_flops_per_watt_vs_aim: str
    gpu_flops_per_watt_projection_factor: float


def projection(
    breaks: dict[str, BreakFit], projection_year: int, confidence_level: float
) -> tuple[Projection, pl.DataFrame, pl.DataFrame]:
    """Fit the GPU series and compound every trend from :data:`INTERVIEW_YEAR` to ``projection_year``.

    CPU trends use their post-break growth (context); GPU series their fitted factor per year; the aims
    2x and 3x per year. Returns the summary, the GPU series (:func:`gpu_chip_series`) and the projection
    frame (``series``, ``kind``: "CPU chip (context)", "NVIDIA GPU chip", "NVIDIA aim (data-centre scale)";
    ``year``, ``factor``), sorted by kind, series and year.
    """
    years = np.arange(INTERVIEW_YEAR, projection_year + 1)
    gpus = gpu_chip_series()
    rows = []
    for m, b in breaks.items():
        if m not in CONTEXT_METRICS:
            continue
        rows += [
            {
                "series": f"CPU {METRIC_NAMES[m]} (post-break trend)",
                "kind": "CPU chip (context)",
                "year": int(y),
                "factor": b.fit.after.factor_per(y - INTERVIEW_YEAR),
            }
            for y in years
        ]
    gfits = {}
    for col, name in (("dense_flop_s", "GPU dense 16-bit FLOP/s"), ("flop_s_per_w", "GPU FLOP/s per watt")):
        f = gfits[col] = fits.fit_loglinear(gpus["year"], gpus[col], confidence_level)
        rows += [
            {
                "series": f"{name} (trend)",
                "kind": "NVIDIA GPU chip",
                "year": int(y),
                "factor": f.factor_per(y - INTERVIEW_YEAR),
            }
            for y in years
        ]
    for rate in AIM_FACTORS_PER_YEAR:
        rows += [
            {
                "series": f"NVIDIA aim: {rate:.0f}x per year",
                "kind": "NVIDIA aim (data-centre scale)",
                "year": int(y),
                "factor": rate ** (y - INTERVIEW_YEAR),
            }
            for y in years
        ]
    frame = pl.DataFrame(rows).sort("kind", "series", "year")
    fl, pw = gfits["dense_flop_s"], gfits["flop_s_per_w"]
    span = projection_year - INTERVIEW_YEAR
    st = breaks.get("single_thread_performance")
    summary = Projection(
        projection_year=projection_year,
        aim_2x_factor=2.0**span,
        aim_3x_factor=3.0**span,
        single_thread_projection_factor=math.exp(math.log1p(st.fit.after.pct_per_year / 100) * span)
        if st
        else math.nan,
        gpu_count=gpus.height,
        gpu_first_year=int(gpus["year"].min()),
        gpu_last_year=int(gpus["year"].max()),
        gpu_flops_x_per_year=fl.factor_per_year,
        gpu_flops_ci_low=fl.factor_per_year_ci[0],
        gpu_flops_ci_high=fl.factor_per_year_ci[1],
        gpu_flops_vs_aim=against_aim(*fl.factor_per_year_ci),
        gpu_flops_projection_factor=fl.factor_per(span),
        gpu_flops_per_watt_x_per_year=pw.factor_per_year,
        gpu_flops_per_watt_ci_low=pw.factor_per_year_ci[0],
        gpu_flops_per_watt_ci_high=pw.factor_per_year_ci[1],
        gpu_flops_per_watt_vs_aim=against_aim(*pw.factor_per_year_ci),
        gpu_flops_per_watt_projection_factor=pw.factor_per(span),
    )
    return summary, gpus, frame
