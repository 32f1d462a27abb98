"""Charts and reader tables of the chapter *Interconnect scaling*, built from its typed results
(the in-page explorer is in :mod:`scalinglab.analyses.interconnect_explorer`).
"""

from __future__ import annotations

import textwrap

import altair as alt
import great_tables as gt
import polars as pl

from scalinglab import charts
from scalinglab.analyses import interconnect_decode as D
from scalinglab.analyses import interconnect_growth as G
from scalinglab.analyses import interconnect_hardware as H
from scalinglab.analyses import interconnect_network as N

_LOG = alt.Scale(type="log")


#: Longest subtitle line, in characters, so that titles fit a 390-px phone.
SUBTITLE_CHARS = 58


def _short_lines(subtitle: str | list[str] | None) -> list[str] | None:
    """Subtitle lines split at "; " and wrapped to :data:`SUBTITLE_CHARS` characters."""
    if subtitle is None:
        return None
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    parts = [part for line in lines for part in line.split("; ")]
    return [w for part in parts for w in textwrap.wrap(part, SUBTITLE_CHARS)]


def _finish(chart, title: str, source: str, subtitle: str | list[str] | None = None, **kw):
    """:func:`scalinglab.charts.finish` with short subtitle lines, then fill the width of the page."""
    return charts.finish(chart, title, source, subtitle=_short_lines(subtitle), **kw).properties(width="container")


_GPUS_X = alt.X(
    "gpus:Q", title="GPUs (count), log scale", scale=alt.Scale(type="log", base=2), axis=alt.Axis(format=",d")
)
_EFF_Y = alt.Y("efficiency:Q", title="Scaling efficiency (compute time / step time)", scale=alt.Scale(domain=[0, 1.02]))
_BYTES_X = alt.X("bytes:Q", title="Message size (bytes), log scale", scale=_LOG, axis=alt.Axis(format=".0s"))


# ---------------------------------------------------------------------------
# growth
# ---------------------------------------------------------------------------
def bandwidth_chart(r: G.GrowthResult) -> alt.LayerChart:
    """Link and HBM bandwidth by generation (log), with the fitted lines over shipped generations."""
    order = [G.HBM, G.NVLINK, G.PCIE, G.INFINIBAND]
    y_title = "Bandwidth, one direction per GPU or port (GB/s), log scale"
    x_title = "Year of first products (PCIe: specification)"
    color = alt.Color("series:N", title="Series", sort=order)
    base = alt.Chart(r.points).encode(
        x=alt.X("year:Q", title=x_title, axis=alt.Axis(format="d"), scale=alt.Scale(zero=False)),
        y=alt.Y("gb_s:Q", title=y_title, scale=_LOG),
        color=color,
        tooltip=[
            "series:N",
            "generation:N",
            alt.Tooltip("year:Q", format=".1f"),
            alt.Tooltip("gb_s:Q", title="GB/s, one direction", format=",.4g"),
            "shipped:N",
        ],
    )
    pts = base.transform_filter("datum.shipped").mark_point(size=70, filled=True)
    planned = base.transform_filter("!datum.shipped").mark_point(size=70, filled=False, strokeWidth=1.8)
    fitted = (
        alt.Chart(r.lines)
        .mark_line(strokeDash=[5, 3], strokeWidth=1.5)
        .encode(
            x=alt.X("year:Q", title=x_title),
            y=alt.Y("fit:Q", title=y_title),
            color=color,
            detail="series:N",
            tooltip=["series:N", alt.Tooltip("x_per_2y:Q", title="fitted growth (x per 2 years)", format=".2f")],
        )
    )
    return _finish(
        pts + planned + fitted,
        "Link and memory bandwidth by generation",
        f"{G.LINKS}; {G.SPECS}",
        subtitle="Dashed: log-linear fits over shipped generations; hollow: announced, not in the fits",
    )


def growth_rate_chart(r: G.GrowthResult) -> alt.LayerChart:
    """Fitted growth per two years with intervals, with and without the first generation, against Gholami et al."""
    order = r.table["quantity"].to_list()
    long = pl.concat(
        [
            r.table.select(
                "quantity", pl.lit("all generations").alias("fit"), "x_per_2y", "ci_low", "ci_high", "points"
            ),
            r.table.select(
                "quantity",
                pl.lit("without the first generation").alias("fit"),
                pl.col("x_per_2y_no_first").alias("x_per_2y"),
                pl.col("ci_low_no_first").alias("ci_low"),
                pl.col("ci_high_no_first").alias("ci_high"),
                (pl.col("points") - 1).alias("points"),
            ),
        ]
    )
    x_title = f"Growth per two years (x), fit with {r.confidence_pct:g}% interval, log scale"
    y = alt.Y("quantity:N", title=None, sort=order, axis=alt.Axis(labelLimit=240))
    off = alt.YOffset("fit:N", sort=["all generations", "without the first generation"])
    color = alt.Color("fit:N", title="Fit over", sort=["all generations", "without the first generation"])
    base = alt.Chart(long).encode(y=y, yOffset=off, color=color)
    bars = base.mark_errorbar(thickness=2).encode(
        x=alt.X("ci_low:Q", title=x_title, scale=alt.Scale(type="log", domain=[1, 4.5])), x2="ci_high:Q"
    )
    dots = base.mark_point(filled=True, size=70).encode(
        x=alt.X("x_per_2y:Q", title=x_title),
        tooltip=[
            "quantity:N",
            "fit:N",
            "points:Q",
            alt.Tooltip("x_per_2y:Q", title="x per 2 years", format=".2f"),
            alt.Tooltip("ci_low:Q", format=".2f"),
            alt.Tooltip("ci_high:Q", format=".2f"),
        ],
    )
    ref = r.table.select(
        "quantity",
        pl.col("gholami_x_per_2y").alias("gholami"),
        pl.col("quantity").replace(G.GHOLAMI_KIND).replace(G.GHOLAMI_WHAT).alias("what"),
    )
    gh = (
        alt.Chart(ref)
        .mark_point(shape="diamond", size=110, filled=True, color=charts.OKABE_ITO[5])
        .encode(
            y=y,
            x=alt.X("gholami:Q", title=x_title),
            tooltip=[
                alt.Tooltip("what:N", title="Gholami et al. rate for"),
                alt.Tooltip("gholami:Q", title="x per 2 years"),
            ],
        )
    )
    return _finish(
        bars + dots + gh,
        "Fitted growth per two years against Gholami et al.",
        f"{G.LINKS}; {G.SPECS}; {G.EPOCH}; {G.GHOLAMI}",
        subtitle="Two fits per series (all generations; without the first); diamond: Gholami et al.'s "
        "rate for the same kind of quantity",
        height=320,
    )


def growth_table(r: G.GrowthResult) -> gt.GT:
    """The growth fits as a reader's table (display order of the series)."""
    return charts.table(
        r.table.drop("gholami_inside_ci"),
        title="Growth per two years, with and without the first generation",
        source=f"{G.LINKS}; {G.SPECS}; {G.EPOCH}; {G.GHOLAMI}",
        labels={
            "quantity": "Series",
            "points": "Generations (count)",
            "first_year": "From",
            "last_year": "To",
            "x_per_2y": "All (x per 2 y)",
            "ci_low": "Low",
            "ci_high": "High",
            "x_per_2y_no_first": "Without first (x per 2 y)",
            "ci_low_no_first": "Low ",
            "ci_high_no_first": "High ",
            "gholami_x_per_2y": "Gholami et al. (x per 2 y)",
        },
        decimals={
            c: 2 for c in ("x_per_2y", "ci_low", "ci_high", "x_per_2y_no_first", "ci_low_no_first", "ci_high_no_first")
        }
        | {"gholami_x_per_2y": 1},
        notes=[
            f"Intervals at {r.confidence_pct:g}% confidence. The first generation of the GPU series is "
            f"{r.gpu_first_gen}, whose 16-bit peak has no tensor cores."
        ],
    )


def bytes_per_flop_chart(r: H.BytesPerFlopResult) -> alt.Chart:
    """HBM and NVLink bytes per dense 16-bit FLOP by GPU generation (log)."""
    return _finish(
        alt.Chart(r.frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("gpu:N", title="GPU (by announcement)", sort=r.table["gpu"].to_list()),
            y=alt.Y("bytes_per_flop:Q", title="Bytes per dense 16-bit FLOP, log scale", scale=_LOG),
            color=alt.Color("ratio:N", title="Ratio"),
            tooltip=[
                "gpu:N",
                "ratio:N",
                alt.Tooltip("year:Q", format=".1f"),
                alt.Tooltip("bytes_per_flop:Q", format=".2e"),
            ],
        ),
        "Bytes per FLOP by GPU generation",
        G.SPECS,
        subtitle=[
            "HBM: total bandwidth; NVLink: half the bidirectional per-GPU figure",
            f"FLOP/s: dense 16-bit ({r.bpf_first_gpu}: FP16 without tensor cores)",
        ],
    )


def domain_table(r: H.DomainResult) -> gt.GT:
    """NVLink domains in one quantity (aggregate bidirectional bandwidth), by year."""
    return charts.table(
        r.table.drop("shipped"),
        title="NVLink domains: GPUs times per-GPU bandwidth",
        source=f"{G.LINKS}; {G.SPECS}",
        labels={
            "domain": "Domain",
            "year": "Year",
            "gpus": "GPUs",
            "gpu": "GPU",
            "per_gpu_gb_s_bidir": "Per GPU (GB/s, bidirectional)",
            "aggregate_tb_s_bidir": "Aggregate (TB/s, bidirectional)",
            "as_quoted": "As the source quotes it",
        },
        decimals={"per_gpu_gb_s_bidir": 0, "aggregate_tb_s_bidir": 1},
        notes=[
            "Aggregate = GPUs x per-GPU bidirectional NVLink bandwidth for every row (DGX-2's source quotes "
            "bisection bandwidth, half of it); Rubin NVL72 is planned."
        ],
    )


# ---------------------------------------------------------------------------
# collectives
# ---------------------------------------------------------------------------
def collectives_table(r: N.CollectivesResult) -> gt.GT:
    """Time, algorithm and bus bandwidth of every collective at the chosen size."""
    return charts.table(
        r.table,
        title=f"Collectives of {r.message_size_text} over {r.n_gpus:,} GPUs",
        source=N.MODEL,
        labels={
            "model": "Collective and algorithm",
            "time_ms": "Time (ms)",
            "algbw_gb_s": "Algorithm bandwidth (GB/s)",
            "busbw_gb_s": "Bus bandwidth (GB/s)",
        },
        sigfig=4,
        notes=[
            "Bus bandwidth: NCCL-tests definition; not given for the in-network bound, whose factor NCCL "
            "defines differently.",
            "Two-level rows use the all-reduce factor 2(p-1)/p over all GPUs, as nccl-tests would report them; "
            "their bus bandwidth can exceed the scale-out link because most bytes stay inside the NVLink domains.",
        ],
    )


def allreduce_chart(r: N.CollectivesResult, up: tuple[float, float], out: tuple[float, float]) -> alt.LayerChart:
    """All-reduce time against message size for every algorithm, with the crossover and the chosen size."""
    order = list(dict.fromkeys(r.curves["algorithm"].to_list()))
    lines = (
        alt.Chart(r.curves)
        .mark_line()
        .encode(
            x=_BYTES_X,
            y=alt.Y("time_ms:Q", title="All-reduce time (ms), log scale", scale=_LOG),
            color=alt.Color("algorithm:N", title="Algorithm (network)", sort=order, legend=alt.Legend(columns=1)),
            strokeDash=alt.StrokeDash("algorithm:N", sort=order, legend=None),
            tooltip=[
                "algorithm:N",
                alt.Tooltip("bytes:Q", format=".3s"),
                alt.Tooltip("time_ms:Q", title="time (ms)", format=".4g"),
            ],
        )
    )
    rules = (
        alt.Chart(r.marks)
        .mark_rule(color=charts.MUTED, strokeDash=[2, 2])
        .encode(
            x=alt.X("bytes:Q", title="Message size (bytes), log scale"),
            tooltip=["what:N", alt.Tooltip("bytes:Q", format=".4s")],
        )
    )
    return _finish(
        lines + rules,
        f"All-reduce over {r.n_gpus:,} GPUs: time against message size",
        N.MODEL,
        subtitle=f"Scale-up {up[0]:g} GB/s, {up[1]:g} us per step; scale-out {out[0]:g} GB/s, "
        f"{out[1]:g} us (per direction per GPU); grey rules: crossover and the chosen size",
    )


def busbw_chart(r: N.CollectivesResult, up: tuple[float, float]) -> alt.LayerChart:
    """Algorithm against bus bandwidth of the ring, and the in-network bound's algorithm bandwidth."""
    y = alt.Y("gb_s:Q", title="Bandwidth (GB/s), NCCL-tests definitions")
    link = (
        alt.Chart(pl.DataFrame({"gb_s": [up[0]], "what": ["link bandwidth per direction"]}))
        .mark_rule(color=charts.MUTED, strokeDash=[2, 2])
        .encode(y=y, tooltip=["what:N", "gb_s:Q"])
    )
    return _finish(
        alt.Chart(r.bandwidths)
        .mark_line()
        .encode(
            x=_BYTES_X,
            y=y,
            color=alt.Color("curve:N", title="Curve", legend=alt.Legend(columns=1)),
            tooltip=[
                "curve:N",
                alt.Tooltip("bytes:Q", format=".3s"),
                alt.Tooltip("gb_s:Q", title="GB/s", format=".1f"),
            ],
        )
        + link,
        "All-reduce: algorithm bandwidth against bus bandwidth",
        N.MODEL,
        subtitle=f"Scale-up link {up[0]:g} GB/s per direction, {up[1]:g} us per step; dashed: the link",
    )


# ---------------------------------------------------------------------------
# data and tensor parallelism
# ---------------------------------------------------------------------------
def _dp_tip() -> list:
    return [
        "system:N",
        alt.Tooltip("gpus:Q", format=",d"),
        alt.Tooltip("efficiency:Q", format=".3f"),
        alt.Tooltip("compute_ms:Q", title="compute (ms)", format=".1f"),
        alt.Tooltip("allreduce_ms:Q", title="gradient all-reduce (ms)", format=".1f"),
    ]


def _job_rule(n_gpus: int) -> alt.Chart:
    return (
        alt.Chart(pl.DataFrame({"gpus": [float(n_gpus)], "what": ["n_gpus"]}))
        .mark_rule(color=charts.MUTED, strokeDash=[2, 2])
        .encode(x=alt.X("gpus:Q", title="GPUs (count), log scale"), tooltip=["what:N", "gpus:Q"])
    )


def dp_domain_chart(r: N.DataParallelResult, p) -> alt.LayerChart:
    """Scaling efficiency against GPU count for domains of 8, 72 and 576, ring or SHARP across domains."""
    lines = (
        alt.Chart(r.curves)
        .mark_line(point=True)
        .encode(
            x=_GPUS_X,
            y=_EFF_Y,
            color=alt.Color("system:N", title="Scale-up domain", sort=None, legend=alt.Legend(columns=1)),
            strokeDash=alt.StrokeDash("scaleout:N", title="Across domains", sort=["ring", "SHARP"], legend=None),
            tooltip=_dp_tip(),
        )
    )
    return _finish(
        lines + _job_rule(p.n_gpus),
        f"Data-parallel scaling, {p.model_params_billion:g}B model on {p.gpu}: NVLink domain size",
        N.MODEL,
        subtitle=[
            f"{p.tokens_per_step:,} tokens per step ({r.global_batch_sequences:,.0f} sequences of "
            f"{p.sequence_length:,}), MFU {p.mfu:g}, overlap {p.overlap_fraction:g}",
            f"NVLink {p.link_bandwidth_gb_s:g} GB/s, scale-out {p.scaleout_bandwidth_gb_s:g} GB/s per GPU per "
            f"direction; curves end at {r.max_dp_gpus:,} GPUs (one sequence each); dashed rule: n_gpus",
        ],
    )


def dp_infiniband_chart(r: N.DataParallelResult, p) -> alt.LayerChart:
    """Scaling efficiency against GPU count for each InfiniBand generation at the chosen domain size."""
    return _finish(
        alt.Chart(r.ib_curves)
        .mark_line(point=True)
        .encode(
            x=_GPUS_X,
            y=_EFF_Y,
            color=alt.Color("system:N", title="InfiniBand (per direction)", sort=None),
            tooltip=_dp_tip(),
        )
        + _job_rule(p.n_gpus),
        f"Data-parallel scaling across InfiniBand generations, NVLink domains of {p.scaleup_domain_size}",
        f"{N.MODEL}; {G.LINKS}",
        subtitle=f"{p.model_params_billion:g}B model on {p.gpu}; port rate in Gb/s divided by 8; "
        f"{p.scaleout_latency_us:g} us per scale-out step; ring across domains",
    )


def dp_jobs_table(r: N.DataParallelResult) -> gt.GT:
    """The job at its GPU count for each domain size, ring or SHARP across domains."""
    return charts.table(
        r.jobs,
        title="The data-parallel job by NVLink domain size",
        source=N.MODEL,
        labels={
            "domain": "Domain (GPUs)",
            "gpus": "Job (GPUs)",
            "compute_ms": "Compute (ms)",
            "allreduce_ms": "All-reduce, ring across (ms)",
            "exposed_ms": "Exposed (ms)",
            "efficiency": "Efficiency, ring",
            "allreduce_sharp_ms": "All-reduce, SHARP across (ms)",
            "efficiency_sharp": "Efficiency, SHARP",
        },
        decimals={
            "compute_ms": 1,
            "allreduce_ms": 1,
            "exposed_ms": 1,
            "allreduce_sharp_ms": 1,
            "efficiency": 3,
            "efficiency_sharp": 3,
        },
    )


def tp_chart(r: D.TensorParallelResult, p) -> alt.Chart:
    """Time per generated token against tensor-parallel degree."""
    return _finish(
        alt.Chart(r.frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "tp_degree:Q", title="Tensor-parallel degree (GPUs), log scale", scale=alt.Scale(type="log", base=2)
            ),
            y=alt.Y("token_ms:Q", title="Time per generated token (ms), log scale", scale=_LOG),
            color=alt.Color("network:N", title="Where the all-reduces run"),
            strokeDash=alt.StrokeDash("network:N", title="Where the all-reduces run"),
            tooltip=[
                "network:N",
                "tp_degree:Q",
                alt.Tooltip("token_ms:Q", title="per token (ms)", format=".3f"),
                alt.Tooltip("allreduce_ms:Q", title="all-reduces (ms)", format=".3f"),
                alt.Tooltip("floor_ms:Q", title="HBM/compute (ms)", format=".3f"),
            ],
        ),
        f"Decoding latency against tensor-parallel degree, {p.model_params_billion:g}B model on {p.gpu}",
        f"{N.MODEL}; {G.SPECS}",
        subtitle=f"{r.tp_layers} layers, hidden size {r.tp_hidden:,}, batch {r.tp_batch}; NVLink "
        f"{p.link_bandwidth_gb_s:g} GB/s and {p.latency_us:g} us, InfiniBand {p.scaleout_bandwidth_gb_s:g} "
        f"GB/s and {p.scaleout_latency_us:g} us per step",
    )
