"""Chapter *Precision co-design*: energy per operation in one unit, and the timing measured on the build machine.

Energy is given in picojoules per operation, counting a fused multiply-add (FMA) as 2 operations, the
convention of FLOP/s peaks: a Horowitz multiply or add is 1 operation, an FMA built from them costs
(multiply + add) / 2 per operation, and a GPU's board power over its dense peak is already per FLOP with
FMA = 2. Horowitz's figures are for 45 nm at 0.9 V; the GPUs are built on far smaller nodes, so the two
sets differ by process as well as by what they count (a whole board against one arithmetic unit).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.analyses.precision_codesign.throughput import FORMAT_COLUMNS, SPECS_SRC
from scalinglab.models import physics

HOROWITZ_SRC = "Horowitz, ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V), via data/curated/growth_rate_anchors.csv"
HOROWITZ_NODE = "45 nm"
#: Horowitz operations combined into one FMA: (label, multiply id, add id).
HOROWITZ_FMAS = (
    ("32-bit FP FMA", "horowitz_fp32mul", "horowitz_fp32add"),
    ("16-bit FP FMA", "horowitz_fp16mul", "horowitz_fp16add"),
    ("32-bit integer multiply-add", "horowitz_int32mul", "horowitz_int32add"),
)


@dataclass(frozen=True)
class EnergySummary:
    """Energy per operation (pJ, an FMA = 2 operations) and ratios (x). ``gpu_process`` is the GPU's process
    node from the spec table, against Horowitz's ``horowitz_process``.
    """

    gpu_fp32_pj_per_flop: float
    gpu_lowest_pj_per_flop: float
    gpu_lowest_format: str
    gpu_process: str
    horowitz_process: str
    horowitz_fp32_fma_pj_per_flop: float
    horowitz_fp16_fma_pj_per_flop: float
    horowitz_fp32mul_over_fp16mul: float
    horowitz_fp32mul_over_int8mul: float


def energy(horowitz: pl.DataFrame, gpu_row: dict) -> tuple[pl.DataFrame, EnergySummary]:
    """Frame (operation, pj_per_op, counted_as, process, source, verification), sorted by energy, and summary.

    Parameters
    ----------
    horowitz : polars.DataFrame
        :func:`scalinglab.data.load_horowitz_energy` (only ``kind == "arithmetic"`` rows are used).
    gpu_row : dict
        One spec-table row (needs ``gpu``, ``tdp_w``, ``process``, ``status`` and the dense-peak columns).

    Returns
    -------
    (polars.DataFrame, EnergySummary)
        Every value in pJ per operation, a fused multiply-add counting as 2 operations.
    """
    hz = horowitz.filter(pl.col("kind") == "arithmetic")
    pj = {r["id"]: 1e12 * r["joules"] for r in hz.iter_rows(named=True)}
    rows = [
        {
            "operation": r["operation"],
            "pj_per_op": pj[r["id"]],
            "counted_as": "1 operation",
            "process": HOROWITZ_NODE,
            "source": "Horowitz 2014",
            "verification": r["verification"].split(":")[0],
        }
        for r in hz.iter_rows(named=True)
    ]
    rows += [
        {
            "operation": label,
            "pj_per_op": (pj[m] + pj[a]) / 2,
            "counted_as": "FMA = 2 operations",
            "process": HOROWITZ_NODE,
            "source": "Horowitz 2014",
            "verification": "sum of the two rows above",
        }
        for label, m, a in HOROWITZ_FMAS
    ]
    gpu = {c: 1e12 * physics.joules_per_flop(gpu_row["tdp_w"], gpu_row[c]) for c in FORMAT_COLUMNS if gpu_row[c]}
    rows += [
        {
            "operation": f"{gpu_row['gpu']} {FORMAT_COLUMNS[c][0]} FLOP (TDP / dense peak)",
            "pj_per_op": v,
            "counted_as": "FMA = 2 FLOP",
            "process": gpu_row["process"],
            "source": f"{gpu_row['gpu']}, spec table",
            "verification": gpu_row["status"],
        }
        for c, v in gpu.items()
    ]
    frame = pl.DataFrame(rows).sort("pj_per_op", descending=True, maintain_order=True)
    low = min(gpu, key=gpu.get)
    return frame, EnergySummary(
        gpu["fp32_tflops"],
        gpu[low],
        FORMAT_COLUMNS[low][0],
        gpu_row["process"],
        HOROWITZ_NODE,
        (pj["horowitz_fp32mul"] + pj["horowitz_fp32add"]) / 2,
        (pj["horowitz_fp16mul"] + pj["horowitz_fp16add"]) / 2,
        pj["horowitz_fp32mul"] / pj["horowitz_fp16mul"],
        pj["horowitz_fp32mul"] / pj["horowitz_int8mul"],
    )


def energy_chart(frame: pl.DataFrame):
    """Dot chart on a log axis (every value is positive: no bar starts at zero)."""
    return charts.finish(
        alt.Chart(frame)
        .mark_point(filled=True, size=90)
        .encode(
            y=alt.Y("operation:N", title=None, sort=frame["operation"].to_list()),
            x=alt.X(
                "pj_per_op:Q",
                title="Energy per operation (pJ; an FMA counts as 2), log scale",
                scale=alt.Scale(type="log"),
            ),
            color=alt.Color("process:N", title="Process node"),
            tooltip=[
                "operation:N",
                alt.Tooltip("pj_per_op:Q", title="pJ per operation", format=".3g"),
                "counted_as:N",
                "process:N",
                "verification:N",
            ],
        ),
        "Energy per operation by width",
        f"{HOROWITZ_SRC}; {SPECS_SRC}",
        subtitle="45 nm arithmetic units against a whole GPU board (an upper bound on its arithmetic)",
        height=340,
    )


def energy_table(frame: pl.DataFrame):
    """The table “Energy per operation (pJ; a fused multiply-add counts as 2 operations)”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        frame,
        title="Energy per operation (pJ; a fused multiply-add counts as 2 operations)",
        source=f"{HOROWITZ_SRC}; {SPECS_SRC}",
        labels={
            "operation": "Operation",
            "pj_per_op": "Energy (pJ per operation)",
            "counted_as": "Counted as",
            "process": "Process node",
            "source": "Source",
            "verification": "Verification",
        },
        notes=["Process nodes differ: Horowitz's units are 45 nm, the GPU is far smaller."],
    ).with_id("precision-energy-table")


# measured on the build machine ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuTiming:
    """float32 over float64 matrix-product throughput on the machine that ran the notebook (x; NaN if not
    measured), where (CPU model, logical cores, OS) and when (UTC). Machine measurements, not results.
    """

    cpu_fp32_over_fp64_speedup: float
    cpu_model: str
    cpu_note: str
    measured_cpu_logical_cores: int
    measured_cpu_platform: str
    measured_at_utc: str


def cpu_model() -> str:
    """The CPU model of this machine (``/proc/cpuinfo``, else ``platform``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_matmul_timing(n: int, seed: int, measure: bool = True) -> tuple[pl.DataFrame, CpuTiming]:
    """Median time of an ``n`` x ``n`` numpy matrix product in float64 and float32 (3-15 repeats, ~1 s each)."""
    model, now = cpu_model(), dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    if measure:
        rng = np.random.default_rng(seed)
        for dtype in (np.float64, np.float32):
            a, b = (
                rng.standard_normal((n, n)).astype(dtype),
                rng.standard_normal((n, n)).astype(dtype),
            )
            a @ b  # warm-up
            times, start = [], time.perf_counter()
            while len(times) < 3 or (len(times) < 15 and time.perf_counter() - start < 1.0):
                t = time.perf_counter()
                a @ b
                times.append(time.perf_counter() - t)
            med = float(np.median(times))
            rows.append(
                {
                    "dtype": np.dtype(dtype).name,
                    "n": n,
                    "repeats": len(times),
                    "median_s": med,
                    "gflop_per_s": 2 * n**3 / med / 1e9,
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "dtype": pl.String,
            "n": pl.Int64,
            "repeats": pl.Int64,
            "median_s": pl.Float64,
            "gflop_per_s": pl.Float64,
        },
    )
    speedup = frame["gflop_per_s"][1] / frame["gflop_per_s"][0] if measure else float("nan")
    note = (
        f"measured on {model}, {n} x {n} matrices"
        if measure
        else "not measured (measure_cpu is False), so the speed-up is NaN"
    )
    return frame, CpuTiming(
        float(speedup),
        model,
        note,
        os.cpu_count() or 0,
        platform.platform(terse=True),
        now,
    )


def cpu_box(frame: pl.DataFrame, t: CpuTiming):
    """The labelled box of the build-machine measurement (a table with id ``machine-measured``)."""
    title = "Measured on the build machine, not a result of the analysis"
    where = f"Where: {t.cpu_model}, {t.measured_cpu_logical_cores} logical cores, {t.measured_cpu_platform}. When: {t.measured_at_utc}."
    measured = frame.height > 0
    if not measured:
        frame = pl.DataFrame({"dtype": ["not measured (measure_cpu is False)"]})
    ratio = (
        f"float32 / float64 throughput: {t.cpu_fp32_over_fp64_speedup:.2f}x (ideal 2x). "
        if math.isfinite(t.cpu_fp32_over_fp64_speedup)
        else ""
    )
    return (
        charts.table(
            frame,
            title=title,
            subtitle=ratio + "Differs between machines and between runs.",
            source="numpy matrix products timed while this page was built",
            notes=[where],
            labels={
                "dtype": "numpy dtype",
                "n": "n (matrix size)",
                "repeats": "Repeats",
                "median_s": "Median time (s)",
                "gflop_per_s": "Throughput (GFLOP/s)",
            },
            decimals={"gflop_per_s": 1} if measured else {},
        )
        .with_id("machine-measured")
        .build_specific()
    )
