"""Helpers of the chapter *Interconnect scaling*: bandwidth series in one unit,
transformer shapes, GPU-count grids, and the in-page all-reduce explorer.

The cost models themselves live in :mod:`scalinglab.collectives`; this module
turns the shipped tables into comparable series and builds the one chart whose
curves the browser computes (Vega-Lite sliders, no kernel), from the same
expression texts that :mod:`scalinglab.collectives` tests against Python.

Direction conventions (converted here, never silently):

* NVLink is quoted as a **bidirectional** total per GPU: per direction = / 2;
* PCIe x16 is quoted **per direction** in GB/s (after line encoding);
* InfiniBand is quoted **per direction** in **Gb/s** (data rate of a 4x port): / 8;
* HBM bandwidth is one number per GPU shared by reads and writes (not full
  duplex): kept as is, in GB/s.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts, data
from scalinglab.models import collectives
from scalinglab.errors import ParameterError

#: Series names used in the chapter's tables and charts, in display order.
NVLINK, PCIE, INFINIBAND, HBM = "NVLink per GPU", "PCIe x16", "InfiniBand 4x port", "HBM per GPU"
FLOPS = "Dense 16-bit FLOP/s per GPU"


def _planned(col: str = "year_first_products") -> pl.Expr:
    return pl.col(col).str.contains("(?i)planned|roadmap").fill_null(False)


def interconnect_bandwidths() -> pl.DataFrame:
    """NVLink, PCIe x16 and InfiniBand generations in GB/s **per direction**.

    Columns: ``series``, ``generation``, ``year`` (first products, or the
    specification year for PCIe), ``gb_s_per_direction``, ``as_quoted`` (the
    number and unit of the source table), ``shipped`` (False for planned or
    roadmap entries, which the fits leave out). Roadmap rows without a year are
    dropped.
    """
    ic = data.load_interconnect_generations().filter(pl.col("year").is_not_null())
    conv = {
        "NVLink": (NVLINK, pl.col("bandwidth") / 2.0),  # bidirectional total -> one direction
        "PCIe": (PCIE, pl.col("bandwidth")),  # already per direction, GB/s
        "InfiniBand": (INFINIBAND, pl.col("bandwidth") / 8.0),  # Gb/s -> GB/s, per direction
    }
    frames = []
    for family, (name, expr) in conv.items():
        d = ic.filter(pl.col("family") == family)
        frames.append(d.select(
            pl.lit(name).alias("series"), pl.col("generation"), pl.col("year").cast(pl.Float64),
            expr.alias("gb_s_per_direction"),
            (pl.col("bandwidth").cast(pl.String) + " " + pl.col("unit") + ", " + pl.col("direction")).alias("as_quoted"),
            (~_planned()).alias("shipped"),
        ))
    return pl.concat(frames)


def gpu_generations() -> pl.DataFrame:
    """One row per GPU chip generation of the curated spec table, with the chapter's units.

    Rows that repeat a chip announced the same day in another package (GB200
    next to B200, GB300 next to B300) are dropped, so a fit counts each chip
    once; preliminary rows and rows without a dense 16-bit peak are dropped.
    Columns: ``gpu``, ``year`` (announcement, decimal), ``dense_flop_s``
    (16-bit, dense), ``hbm_gb_s``, ``nvlink_gb_s_per_direction``,
    ``hbm_bytes_per_flop``, ``nvlink_bytes_per_flop`` (per direction).
    """
    g = data.load_gpu_specs().filter(~pl.col("preliminary") & pl.col("bf16_fp16_dense_tflops").is_not_null())
    g = g.unique(subset=["architecture", "announced"], keep="first", maintain_order=True)
    return g.select(
        "gpu", pl.col("announced_year").alias("year"),
        (pl.col("bf16_fp16_dense_tflops") * 1e12).alias("dense_flop_s"),
        (pl.col("hbm_tb_per_s") * 1e3).alias("hbm_gb_s"),
        (pl.col("nvlink_gb_per_s_bidir_per_gpu") / 2.0).alias("nvlink_gb_s_per_direction"),
    ).with_columns(
        (pl.col("hbm_gb_s") * 1e9 / pl.col("dense_flop_s")).alias("hbm_bytes_per_flop"),
        (pl.col("nvlink_gb_s_per_direction") * 1e9 / pl.col("dense_flop_s")).alias("nvlink_bytes_per_flop"),
    )


def epoch_accelerators(min_year: int = 2016) -> pl.DataFrame:
    """Chips in Epoch AI's dataset with a tensor 16-bit peak, a memory bandwidth and a date.

    All vendors and market segments (data-centre and consumer), released in
    ``min_year`` or later. Columns: ``hardware_name``, ``manufacturer``,
    ``year`` (decimal), ``dense_flop_s``, ``memory_gb_s``.
    """
    e = data.load_epoch_chips().filter(
        pl.col("release_date").is_not_null() & pl.col("tensor_fp16_bf16_flop_s").is_not_null()
        & pl.col("memory_bandwidth_bytes_s").is_not_null() & (pl.col("release_date").dt.year() >= min_year))
    return e.select(
        "hardware_name", "manufacturer",
        (pl.col("release_date").dt.year() + (pl.col("release_date").dt.ordinal_day() - 1) / 365.25).alias("year"),
        pl.col("tensor_fp16_bf16_flop_s").alias("dense_flop_s"),
        (pl.col("memory_bandwidth_bytes_s") / 1e9).alias("memory_gb_s"),
    )


def transformer_shape(params: float, aspect: float = 128.0) -> tuple[int, int]:
    """(layers, hidden size) of a dense decoder with about ``params`` parameters.

    Uses N = 12 L h^2 (attention 4 h^2 + MLP 8 h^2 per layer; Kaplan et al. 2020,
    sec. 2.1) with h = ``aspect`` L, the ratio of Llama 3 (8B: 32 x 4096; 405B:
    126 x 16384); h is rounded to a multiple of 128. 8e9 gives (34, 4352).
    """
    n = float(params)
    if not (math.isfinite(n) and n > 0):
        raise ParameterError("params", params, "a positive number")
    layers = max(1, round((n / (12.0 * aspect**2)) ** (1.0 / 3.0)))
    hidden = max(128, 128 * round(aspect * layers / 128))
    return int(layers), int(hidden)


def gpu_counts(domain: int, max_gpus: int) -> np.ndarray:
    """GPU counts for a scaling curve on domains of ``domain`` GPUs.

    Powers of two from 2 below the domain (one partly used domain: a flat ring
    on NVLink), then ``domain`` x 2^k up to ``max_gpus``. Every count is valid
    for :func:`scalinglab.collectives.dp_gradient_allreduce_s`.
    """
    below = [2**k for k in range(1, 40) if 2**k < domain]
    above = [domain * 2**k for k in range(0, 40) if domain * 2**k <= max_gpus]
    return np.array(sorted(set(below + above)), dtype=float)


def job_gpus(n_gpus: int, domain: int) -> int:
    """GPU count of a job of about ``n_gpus`` GPUs on domains of ``domain`` GPUs.

    ``n_gpus`` itself when it fits in one domain or fills whole domains;
    otherwise the nearest whole number of domains (at least one).
    """
    if n_gpus <= domain or n_gpus % domain == 0:
        return int(n_gpus)
    return int(domain * max(1, round(n_gpus / domain)))


# ---------------------------------------------------------------------------
# the in-page explorer: Vega-Lite sliders, curves computed by Vega expressions
# ---------------------------------------------------------------------------
#: Slider (Vega signal) names of :func:`allreduce_explorer`.
SLIDERS = {"log10_msg": "log10_msg", "log2_gpus": "log2_gpus", "bw": "bw_gb_s", "lat": "lat_us"}
#: Curve name -> calculated field, in legend order.
CURVES = {"Ring": "ring_ms", "Recursive doubling (tree)": "tree_ms", "In-network (SHARP)": "innet_ms"}


def _curve_exprs(msg: str, p: str) -> dict[str, str]:
    bw, lat = SLIDERS["bw"], SLIDERS["lat"]
    return {
        "ring_ms": collectives.ring_allreduce_ms_vega_expr(msg_bytes=msg, p=p, bw_gb_s=bw, lat_us=lat),
        "tree_ms": collectives.tree_allreduce_ms_vega_expr(msg_bytes=msg, p=p, bw_gb_s=bw, lat_us=lat),
        "innet_ms": collectives.in_network_allreduce_ms_vega_expr(msg_bytes=msg, bw_gb_s=bw, lat_us=lat),
    }


def allreduce_explorer(n_gpus: int, message_size_bytes: float, bandwidth_gb_s: float, latency_us: float,
                       source: str = "alpha-beta model, scalinglab.models.collectives") -> alt.HConcatChart:
    """Two panels of all-reduce time with four sliders, computed in the browser.

    Sliders: message size (log10 bytes), GPU count (log2), bandwidth per
    direction (GB/s) and latency per step (us), starting at the given values
    (clipped to the slider ranges). Left: time against message size at the
    slider's GPU count; right: time against GPU count at the slider's message
    size. Each curve is a ``calculate`` transform whose expression comes from
    :func:`scalinglab.collectives.ring_allreduce_ms_vega_expr` and its siblings,
    so the page needs no kernel. Returns the finished (titled, checked) chart.
    """
    s = SLIDERS
    log10_msg = alt.param(name=s["log10_msg"], value=round(min(11.0, max(2.0, math.log10(message_size_bytes))), 1),
                          bind=alt.binding_range(min=2, max=11, step=0.1, name="Message size, log10 bytes (9 is 1 GB) "))
    log2_gpus = alt.param(name=s["log2_gpus"], value=int(min(16, max(1, round(math.log2(n_gpus))))),
                          bind=alt.binding_range(min=1, max=16, step=1, name="GPU count, log2 (3 is 8, 10 is 1024) "))
    bw = alt.param(name=s["bw"], value=float(min(2000, max(5, bandwidth_gb_s))),
                   bind=alt.binding_range(min=5, max=2000, step=5, name="Bandwidth per direction, GB/s "))
    lat = alt.param(name=s["lat"], value=float(min(50, max(0, latency_us))),
                    bind=alt.binding_range(min=0, max=50, step=0.5, name="Latency per step, us "))

    color = alt.Color("algorithm:N", title="All-reduce algorithm", sort=list(CURVES))
    y = alt.Y("time_ms:Q", title="All-reduce time (ms), log scale", scale=alt.Scale(type="log"))
    tip = [alt.Tooltip("algorithm:N", title="algorithm"), alt.Tooltip("msg_bytes:Q", title="message (bytes)", format=".3s"),
           alt.Tooltip("p:Q", title="GPUs", format=",d"), alt.Tooltip("time_ms:Q", title="time (ms)", format=".4g")]

    def curves(frame: pl.DataFrame, msg_expr: str, p_expr: str) -> alt.Chart:
        exprs = _curve_exprs("datum.msg_bytes", "datum.p")
        return alt.Chart(frame).transform_calculate(msg_bytes=msg_expr, p=p_expr).transform_calculate(
            **exprs).transform_fold(list(exprs), as_=["field", "time_ms"]).transform_calculate(
            algorithm=" + ".join(f"(datum.field == '{f}' ? '{n}' : '')" for n, f in CURVES.items()))

    sizes = pl.DataFrame({"log10_bytes": np.round(np.arange(2.0, 11.0001, 0.05), 2)})
    left = curves(sizes, "pow(10, datum.log10_bytes)", f"pow(2, {s['log2_gpus']})").mark_line().encode(
        x=alt.X("msg_bytes:Q", title="Message size (bytes), log scale", scale=alt.Scale(type="log"),
                axis=alt.Axis(format=".0s")), y=y, color=color, tooltip=tip)
    left_rule = alt.Chart(pl.DataFrame({"one": [1]})).transform_calculate(
        msg_bytes=f"pow(10, {s['log10_msg']})").mark_rule(strokeDash=[4, 4], color=charts.MUTED).encode(
        x=alt.X("msg_bytes:Q", title="Message size (bytes), log scale"),
        tooltip=[alt.Tooltip("msg_bytes:Q", title="message size slider (bytes)", format=".3s")])

    counts = pl.DataFrame({"log2_p": np.arange(1.0, 16.0001, 0.25)})
    right = curves(counts, f"pow(10, {s['log10_msg']})", "pow(2, datum.log2_p)").mark_line().encode(
        x=alt.X("p:Q", title="GPUs (count), log scale", scale=alt.Scale(type="log", base=2),
                axis=alt.Axis(format=",d")), y=y, color=color, tooltip=tip)
    right_rule = alt.Chart(pl.DataFrame({"one": [1]})).transform_calculate(
        p=f"pow(2, {s['log2_gpus']})").mark_rule(strokeDash=[4, 4], color=charts.MUTED).encode(
        x=alt.X("p:Q", title="GPUs (count), log scale"),
        tooltip=[alt.Tooltip("p:Q", title="GPU count slider", format=",d")])

    chart = alt.hconcat((left + left_rule).properties(width=300, height=260),
                        (right + right_rule).properties(width=300, height=260)).add_params(log10_msg, log2_gpus, bw, lat)
    return charts.finish(chart, "All-reduce time in the alpha-beta model: move the sliders", source,
                         subtitle=["Left: against message size at the slider's GPU count; right: against GPU count "
                                   "at the slider's message size (dashed rules: slider values)",
                                   "Computed in your browser from the same formulas as the chapter's Python"])


def _walk(spec):
    if isinstance(spec, dict):
        yield spec
        for v in spec.values():
            yield from _walk(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _walk(v)


def calculate_exprs(spec: dict) -> list[tuple[str, str]]:
    """Every ``(as, calculate)`` pair of the ``calculate`` transforms in a Vega-Lite spec, in order."""
    return [(d["as"], d["calculate"]) for d in _walk(spec) if "calculate" in d and "as" in d]


def slider_defaults(spec: dict) -> dict[str, float]:
    """Name -> initial value of every bound param of a Vega-Lite spec."""
    return {p["name"]: p["value"] for p in spec.get("params", []) if "bind" in p}
