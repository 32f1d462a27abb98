"""The in-page all-reduce explorer of the chapter *Interconnect scaling*: Vega-Lite sliders whose curves the
browser computes from the expression texts of :mod:`scalinglab.models.vega_expr` (no kernel needed), and helpers
that read those expressions back out of a spec for the tests.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.analyses.interconnect_network import MODEL
from scalinglab.models import vega_expr as V

_LOG = alt.Scale(type="log")

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
        "ring_ms": V.ring_allreduce_ms_vega_expr(msg_bytes=msg, p=p, bw_gb_s=bw, lat_us=lat),
        "tree_ms": V.tree_allreduce_ms_vega_expr(msg_bytes=msg, p=p, bw_gb_s=bw, lat_us=lat),
        "innet_ms": V.in_network_allreduce_ms_vega_expr(msg_bytes=msg, bw_gb_s=bw, lat_us=lat),
    }


def allreduce_explorer(
    n_gpus: int, message_size_bytes: float, bandwidth_gb_s: float, latency_us: float, source: str = MODEL
) -> alt.HConcatChart:
    """Two panels of all-reduce time with four sliders, computed in the browser.

    Sliders: message size (log10 bytes), GPU count (log2), bandwidth per direction (GB/s) and
    latency per step (us), starting at the given values (clipped to the slider ranges). Left:
    time against message size at the slider's GPU count; right: time against GPU count at the
    slider's message size. Each curve is a ``calculate`` transform whose expression comes from
    :mod:`scalinglab.models.vega_expr`, so the page needs no kernel. Returns the finished chart.
    """
    s = SLIDERS
    log10_msg = alt.param(
        name=s["log10_msg"],
        value=round(min(11.0, max(2.0, math.log10(message_size_bytes))), 1),
        bind=alt.binding_range(min=2, max=11, step=0.1, name="Message size, log10 bytes (9 is 1 GB) "),
    )
    log2_gpus = alt.param(
        name=s["log2_gpus"],
        value=int(min(16, max(1, round(math.log2(n_gpus))))),
        bind=alt.binding_range(min=1, max=16, step=1, name="GPU count, log2 (3 is 8, 10 is 1024) "),
    )
    bw = alt.param(
        name=s["bw"],
        value=float(min(2000, max(5, bandwidth_gb_s))),
        bind=alt.binding_range(min=5, max=2000, step=5, name="Bandwidth per direction, GB/s "),
    )
    lat = alt.param(
        name=s["lat"],
        value=float(min(50, max(0, latency_us))),
        bind=alt.binding_range(min=0, max=50, step=0.5, name="Latency per step, us "),
    )
    color = alt.Color("algorithm:N", title="All-reduce algorithm", sort=list(CURVES))
    y = alt.Y("time_ms:Q", title="All-reduce time (ms), log scale", scale=_LOG)
    tip = [
        alt.Tooltip("algorithm:N", title="algorithm"),
        alt.Tooltip("msg_bytes:Q", title="message (bytes)", format=".3s"),
        alt.Tooltip("p:Q", title="GPUs", format=",d"),
        alt.Tooltip("time_ms:Q", title="time (ms)", format=".4g"),
    ]
    exprs = _curve_exprs("datum.msg_bytes", "datum.p")
    label = " + ".join(f"(datum.field == '{f}' ? '{n}' : '')" for n, f in CURVES.items())

    def curves(frame: pl.DataFrame, msg_expr: str, p_expr: str) -> alt.Chart:
        return (
            alt.Chart(frame)
            .transform_calculate(msg_bytes=msg_expr, p=p_expr)
            .transform_calculate(**exprs)
            .transform_fold(list(exprs), as_=["field", "time_ms"])
            .transform_calculate(algorithm=label)
        )

    def rule(field: str, expr: str, title: str, tip_title: str, fmt: str) -> alt.Chart:
        return (
            alt.Chart(pl.DataFrame({"one": [1]}))
            .transform_calculate(**{field: expr})
            .mark_rule(strokeDash=[4, 4], color=charts.MUTED)
            .encode(
                x=alt.X(f"{field}:Q", title=title), tooltip=[alt.Tooltip(f"{field}:Q", title=tip_title, format=fmt)]
            )
        )

    sizes = pl.DataFrame({"log10_bytes": np.round(np.arange(2.0, 11.0001, 0.05), 2)})
    left = (
        curves(sizes, "pow(10, datum.log10_bytes)", f"pow(2, {s['log2_gpus']})")
        .mark_line()
        .encode(
            x=alt.X("msg_bytes:Q", title="Message size (bytes), log scale", scale=_LOG, axis=alt.Axis(format=".0s")),
            y=y,
            color=color,
            tooltip=tip,
        )
    )
    counts = pl.DataFrame({"log2_p": np.arange(1.0, 16.0001, 0.25)})
    right = (
        curves(counts, f"pow(10, {s['log10_msg']})", "pow(2, datum.log2_p)")
        .mark_line()
        .encode(
            x=alt.X(
                "p:Q", title="GPUs (count), log scale", scale=alt.Scale(type="log", base=2), axis=alt.Axis(format=",d")
            ),
            y=y,
            color=color,
            tooltip=tip,
        )
    )
    chart = alt.hconcat(
        (
            left
            + rule(
                "msg_bytes",
                f"pow(10, {s['log10_msg']})",
                "Message size (bytes), log scale",
                "message size slider (bytes)",
                ".3s",
            )
        ).properties(width=300, height=260),
        (
            right + rule("p", f"pow(2, {s['log2_gpus']})", "GPUs (count), log scale", "GPU count slider", ",d")
        ).properties(width=300, height=260),
    ).add_params(log10_msg, log2_gpus, bw, lat)
    return charts.finish(
        chart,
        "All-reduce time in the alpha-beta model: move the sliders",
        source,
        subtitle=[
            "Left: against message size at the slider's GPU count; right: against GPU count "
            "at the slider's message size (dashed rules: slider values)",
            "Computed in your browser from the same formulas as the chapter's Python",
        ],
    )


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
