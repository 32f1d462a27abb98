"""Generation over generation: the gain at the lowest format split into format change and same-format gain
(per GPU and per watt), Dally's factors over his own span (Kepler to Hopper), and the cross-check with Epoch AI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.analyses.precision_codesign.throughput import (
    SPARSITY_FACTOR,
    SPECS_SRC,
    _label,
    lowest_format,
)
from scalinglab.data import catalog

# format change versus same-format gain ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decomposition:
    """The whole span's gain at the lowest format = same-format gain x format gain (x); per watt divides by the
    ratio of board powers. ``same_format_*`` name one pair of consecutive architectures (``same_format_span``).
    """

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
    pairs = [*pairwise(chain), (chain[0], chain[-1])]
    rows = []
    for old, new in pairs:
        lo_old, lo_new = lowest_format(old), lowest_format(new)
        same, fmt_gain = new[lo_old] / old[lo_old], new[lo_new] / new[lo_old]
        total, power = same * fmt_gain, new["tdp_w"] / old["tdp_w"]
        rows.append(
            {
                "span": f"{old['gpu']} -> {new['gpu']}",
                "from_format": _label(lo_old),
                "to_format": _label(lo_new),
                "total_gain": total,
                "same_format_gain": same,
                "format_gain": fmt_gain,
                "format_share_pct": 100 * math.log(fmt_gain) / math.log(total) if total > 1 else math.nan,
                "power_ratio": power,
                "same_format_gain_per_watt": same / power,
                "total_gain_per_watt": total / power,
            }
        )
    frame = pl.DataFrame(rows)
    w, p = rows[-1], {r["span"]: r for r in rows}[f"{pair[0]} -> {pair[1]}"]
    return frame, Decomposition(
        w["span"],
        w["total_gain"],
        w["same_format_gain"],
        w["format_gain"],
        w["format_share_pct"],
        w["same_format_gain_per_watt"],
        p["span"],
        p["from_format"],
        p["same_format_gain"],
        p["same_format_gain_per_watt"],
    )


def decomposition_chart(frame: pl.DataFrame):
    """Bars of log10 factors on a linear axis (stacking log10 values is a product of factors, not a log axis)."""
    long = frame.unpivot(
        index=["span", "total_gain"],
        on=["same_format_gain", "format_gain"],
        variable_name="part",
        value_name="factor",
    ).with_columns(
        pl.col("factor").log10().alias("log10_factor"),
        pl.col("part").replace_strict(
            {
                "same_format_gain": "same format (chip, process, instructions)",
                "format_gain": "format change",
            }
        ),
    )
    return charts.finish(
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("span:N", title="Generation step", sort=frame["span"].to_list()),
            x=alt.X(
                "log10_factor:Q",
                title="Gain at the lowest format (orders of magnitude, log10 x)",
                stack="zero",
            ),
            color=alt.Color("part:N", title="Part of the gain"),
            tooltip=[
                "span:N",
                "part:N",
                alt.Tooltip("factor:Q", title="factor (x)", format=".2f"),
                alt.Tooltip("total_gain:Q", title="total (x)", format=".1f"),
            ],
        ),
        "Where the generation-over-generation gain comes from",
        SPECS_SRC,
        subtitle="Log10 of each factor on a linear axis: bar length is log10 of the total gain",
    )


def decomposition_table(frame: pl.DataFrame):
    """The table “Gain at the lowest format, per GPU and per watt”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        frame,
        title="Gain at the lowest format, per GPU and per watt",
        source=SPECS_SRC,
        labels={
            "span": "Step",
            "from_format": "Old lowest format",
            "to_format": "New lowest format",
            "total_gain": "Total (x)",
            "same_format_gain": "Same format (x)",
            "format_gain": "Format change (x)",
            "format_share_pct": "Format share of log gain (%)",
            "power_ratio": "TDP ratio (x)",
            "same_format_gain_per_watt": "Same format per watt (x)",
            "total_gain_per_watt": "Total per watt (x)",
        },
        decimals={"format_share_pct": 0},
        notes=["Per watt: the gain divided by the ratio of board powers (TDP)."],
    ).with_id("precision-decomposition-table")


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
    ours_vs_epoch_verdict: str


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
    within = [
        (r["fp8_dense_tflops"] if lowest_format(r) == "fp8_dense_tflops" else r["fp4_dense_tflops"])
        / r["tf32_dense_tflops"]
        for r in rel.iter_rows(named=True)
        if r["tf32_dense_tflops"] and lowest_format(r) in ("fp8_dense_tflops", "fp4_dense_tflops")
    ]
    gpus = [
        r["gpu"]
        for r in rel.iter_rows(named=True)
        if r["tf32_dense_tflops"] and lowest_format(r) in ("fp8_dense_tflops", "fp4_dense_tflops")
    ]
    numrep_instr = a["dally_numrep"] * a["dally_instr"]
    ours = _geo_ratio(rel, "bf16_fp16_dense_tflops")
    epoch_vals = [float(v) for v in anchors.filter(pl.col("id") == "epoch_hw_formats")["value"][0].split("/")]
    return DallyComparison(
        a["dally_total"],
        a["dally_numrep"],
        a["dally_instr"],
        a["dally_process"],
        a["dally_sparsity"],
        numrep_instr,
        kepler,
        total,
        same,
        fmt,
        _verdict(total, a["dally_total"]),
        _verdict(fmt, numrep_instr),
        h["fp8_dense_tflops"] / h["tf32_dense_tflops"],
        max(within),
        gpus[int(np.argmax(within))],
        epoch_vals[1],
        ours,
        _verdict(ours, epoch_vals[1]),
    )


def dally_table(d: DallyComparison):
    """Reader table: Dally's factors beside the datasheet ratios over the same span."""
    df = pl.DataFrame(
        {
            "quantity": [
                "total (Kepler -> Hopper, with 2:4 sparsity)",
                "number representation x complex instructions",
                "process technology (Dally) / same-format FP32 gain (datasheets)",
                "sparsity",
            ],
            "dally_x": [
                d.dally_total_factor,
                d.dally_numrep_x_instr,
                d.dally_process_factor,
                d.dally_sparsity_factor,
            ],
            "datasheets_x": [
                d.dally_span_total_gain,
                d.dally_span_format_and_instructions_gain,
                d.dally_span_same_format_gain,
                SPARSITY_FACTOR,
            ],
            "how": [
                f"H100 FP8 x 2 / K20X FP32 ({d.dally_kepler_fp32_tflops:.3g} TFLOP/s, Epoch AI)",
                "H100 dense FP8 tensor / H100 FP32 vector peak (one chip)",
                "H100 FP32 / K20X FP32 (vector units, same format)",
                "NVIDIA 2:4 structured sparsity",
            ],
        }
    )
    return charts.table(
        df,
        title="Dally's factors against datasheet ratios, Kepler to Hopper",
        source="Dally, Hot Chips 2023 (via IEEE Spectrum); curated NVIDIA spec table; Epoch AI (CC BY)",
        labels={
            "quantity": "Quantity",
            "dally_x": "Dally (x)",
            "datasheets_x": "Datasheets (x)",
            "how": "How the datasheet ratio is formed",
        },
        decimals={"dally_x": 1, "datasheets_x": 1},
    ).with_id("precision-dally-table")


# cross-check with Epoch AI --------------------------------------------------------------------------------------

#: Curated spec column -> Epoch AI chip-dataset column (FLOP/s, dense).
EPOCH_COLUMNS = {
    "fp64_tflops": "fp64_flop_s",
    "fp32_tflops": "fp32_flop_s",
    "tf32_dense_tflops": "tf32_flop_s",
    "bf16_fp16_dense_tflops": "tensor_fp16_bf16_flop_s",
    "fp8_dense_tflops": "fp8_flop_s",
    "fp4_dense_tflops": "fp4_flop_s",
}


@dataclass(frozen=True)
class CrossCheck:
    """Figures both tables give (``epoch_crosscheck_n``) and those differing by more than ``tolerance``."""

    epoch_crosscheck_n: int
    epoch_crosscheck_disagree: str
    epoch_crosscheck_tolerance: float


def epoch_crosscheck(
    rel: pl.DataFrame, epoch: pl.DataFrame, tolerance: float = 0.05
) -> tuple[pl.DataFrame, CrossCheck]:
    """Curated against Epoch AI figures per GPU and format; returns the disagreeing rows and the summary."""
    rows = []
    for r in rel.iter_rows(named=True):
        name = catalog.EPOCH_HARDWARE_NAME.get(r["gpu"])
        e = epoch.filter(pl.col("hardware_name") == name) if name else epoch.clear()
        for ours, theirs in EPOCH_COLUMNS.items():
            if e.height and r[ours] and e[theirs][0]:
                ev = e[theirs][0] / 1e12
                rows.append(
                    {
                        "gpu": r["gpu"],
                        "format": _label(ours),
                        "curated_tflops": r[ours],
                        "epoch_tflops": ev,
                        "curated_over_epoch": r[ours] / ev,
                    }
                )
    x = pl.DataFrame(rows)
    bad = x.filter((pl.col("curated_over_epoch") - 1).abs() > tolerance)
    words = ", ".join(f"{g} {f}" for g, f in bad.select("gpu", "format").rows()) or "none"
    return bad, CrossCheck(x.height, words, tolerance)


def crosscheck_table(bad: pl.DataFrame):
    """The table “Figures where the curated table and Epoch AI differ by more than 5%”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        bad,
        title="Figures where the curated table and Epoch AI differ by more than 5%",
        source=f"{SPECS_SRC}; Epoch AI chip dataset (CC BY)",
        labels={
            "gpu": "GPU",
            "format": "Format",
            "curated_tflops": "Curated (TFLOP/s)",
            "epoch_tflops": "Epoch AI (TFLOP/s)",
            "curated_over_epoch": "Curated / Epoch (x)",
        },
        decimals={"curated_over_epoch": 2},
    ).with_id("precision-crosscheck-table")
