"""Charts of the chapter *Moore's-law limits*; each takes the :class:`~.moores_law_limits.Chapter` result.

Every chart is finished with :func:`scalinglab.charts.finish` (title, axis titles with units, tooltips,
source line). Log axes show only positive values; no bar is drawn on a log axis.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from scalinglab import charts
from scalinglab.analyses.moores_law_limits_trends import GPU_SOURCE, INTERVIEW_YEAR, METRIC_NAMES, RUPP_SOURCE

HP_SOURCE = "Hennessy & Patterson, CACM 62(2) 2019"
_YEAR_AXIS = alt.Axis(format="d")
#: Charts fill the page's content column (Vega-Lite container sizing).
WIDTH = "container"


def _finish(chart, *args, **kwargs):
    kwargs.setdefault("width", WIDTH)
    return charts.finish(chart, *args, **kwargs)


def trends_chart(result) -> alt.TopLevelMixin:
    """All five series of Rupp's data on a log axis, the fit window shaded; legend click highlights one."""
    p = result.params
    sel = alt.selection_point(fields=["title"], bind="legend")
    scale = alt.Scale(domain=[1970, 2022])
    points = (
        alt.Chart(result.trends)
        .mark_point()
        .encode(
            x=alt.X("year:Q", title="Year", scale=scale, axis=_YEAR_AXIS),
            y=alt.Y("value:Q", title="Value (unit in legend), log scale", scale=alt.Scale(type="log")),
            color=alt.Color("title:N", title="Metric (unit)"),
            shape=alt.Shape("title:N", title="Metric (unit)"),
            opacity=alt.condition(sel, alt.value(0.85), alt.value(0.1)),
            tooltip=[
                alt.Tooltip("title:N", title="metric"),
                alt.Tooltip("year:Q", format=".1f"),
                alt.Tooltip("value:Q", format=",.4g"),
            ],
        )
        .add_params(sel)
    )
    band = (
        alt.Chart(pl.DataFrame({"start": [p.fit_start_year], "end": [p.fit_end_year + 1]}))
        .mark_rect(opacity=0.08, color=charts.OKABE_ITO[0])
        .encode(x=alt.X("start:Q", title="Year", scale=scale), x2="end:Q")
    )
    return _finish(
        band + points,
        "Fifty years of microprocessor trends",
        RUPP_SOURCE,
        subtitle="Click a legend entry to highlight one metric; shaded: the fit window",
    )


def break_chart(result) -> alt.TopLevelMixin:
    """The chosen metric with its two fitted segments and the break year."""
    metric = result.params.metric
    b = result.breaks[metric]
    pf = b.fit
    title = result.trends.filter(pl.col("metric") == metric)["title"][0]
    seg = pl.DataFrame(
        {
            "year": [pf.before.x_min, pf.break_x, pf.break_x, pf.after.x_max],
            "fit": [*pf.before.predict([pf.before.x_min, pf.break_x]), *pf.after.predict([pf.break_x, pf.after.x_max])],
            "segment": ["before", "before", "after", "after"],
            "growth_pct_per_year": [pf.before.pct_per_year] * 2 + [pf.after.pct_per_year] * 2,
        }
    )
    y = f"{title}, log scale"
    pts = (
        alt.Chart(result.window.filter(pl.col("metric") == metric))
        .mark_point(color=charts.OKABE_ITO[0])
        .encode(
            x=alt.X("year:Q", title="Year", axis=_YEAR_AXIS, scale=alt.Scale(zero=False)),
            y=alt.Y("value:Q", title=y, scale=alt.Scale(type="log")),
            tooltip=[alt.Tooltip("year:Q", format=".1f"), alt.Tooltip("value:Q", title=title, format=",.4g")],
        )
    )
    lines = (
        alt.Chart(seg)
        .mark_line(color=charts.OKABE_ITO[5])
        .encode(
            x=alt.X("year:Q", title="Year"),
            y=alt.Y("fit:Q", title=y),
            detail="segment:N",
            tooltip=["segment:N", alt.Tooltip("growth_pct_per_year:Q", title="growth (%/yr)", format=".1f")],
        )
    )
    rule = (
        alt.Chart(pl.DataFrame({"year": [pf.break_x]}))
        .mark_rule(strokeDash=[4, 4], color=charts.MUTED)
        .encode(x=alt.X("year:Q", title="Year"), tooltip=[alt.Tooltip("year:Q", title="break year", format=".1f")])
    )
    return _finish(
        pts + lines + rule,
        f"{title}: growth before and after {pf.break_x:.0f}",
        RUPP_SOURCE,
        subtitle=f"Piecewise log-linear fit; {pf.before.pct_per_year:.0f}%/yr before, "
        f"{pf.after.pct_per_year:.0f}%/yr after; break interval {b.ci_text}",
    )


def eras_chart(result) -> alt.TopLevelMixin:
    """Published and fitted single-thread growth per era (linear axis), our interval as error bars."""
    eras = result.eras
    long = pl.concat(
        [
            eras.select(
                "era",
                pl.col("hp_pct_per_year").alias("pct"),
                pl.lit("Hennessy & Patterson").alias("source"),
                pl.lit(None, dtype=pl.Float64).alias("lo"),
                pl.lit(None, dtype=pl.Float64).alias("hi"),
                pl.col("verdict"),
            ),
            eras.drop_nulls("ours_pct_per_year").select(
                "era",
                pl.col("ours_pct_per_year").alias("pct"),
                pl.lit("Fit to Rupp's data").alias("source"),
                pl.col("ours_ci_low").alias("lo"),
                pl.col("ours_ci_high").alias("hi"),
                pl.col("verdict"),
            ),
        ]
    )
    base = alt.Chart(long).encode(
        x=alt.X("era:N", title="Era (years)", sort=None, axis=alt.Axis(labelAngle=0)),
        xOffset="source:N",
        color=alt.Color("source:N", title="Estimate"),
    )
    ytitle = "Single-thread growth (% per year)"
    bars = base.mark_bar().encode(
        y=alt.Y("pct:Q", title=ytitle),
        tooltip=[
            "era:N",
            "source:N",
            alt.Tooltip("pct:Q", title="%/yr", format=".1f"),
            alt.Tooltip("lo:Q", title="CI low", format=".1f"),
            alt.Tooltip("hi:Q", title="CI high", format=".1f"),
            "verdict:N",
        ],
    )
    err = (
        base.transform_filter("isValid(datum.lo)")
        .mark_errorbar(thickness=1.5)
        .encode(y=alt.Y("lo:Q", title=ytitle), y2="hi:Q", color=alt.value(charts.TEXT))
    )
    return _finish(
        bars + err,
        "Single-thread growth per era: published vs fitted",
        f"{RUPP_SOURCE}; {HP_SOURCE}",
        subtitle=f"Error bars: {result.moore.confidence_pct:.0f}% interval of our fit",
    )


def dennard_chart(result) -> alt.TopLevelMixin:
    """Growth before and after each series' own break (linear axis), the post-break interval as error bars."""
    keep = ["transistors", "frequency", "typical_power"]
    t = result.break_table.filter(pl.col("metric").is_in(keep)).with_columns(
        pl.col("metric").replace_strict(METRIC_NAMES).alias("series")
    )
    long = pl.concat(
        [
            t.select(
                "series",
                "break_year",
                pl.lit("before").alias("period"),
                pl.col("growth_pct_per_year_before").alias("pct"),
                pl.lit(None, dtype=pl.Float64).alias("lo"),
                pl.lit(None, dtype=pl.Float64).alias("hi"),
            ),
            t.select(
                "series",
                "break_year",
                pl.lit("after").alias("period"),
                pl.col("growth_pct_per_year_after").alias("pct"),
                pl.col("after_ci_low").alias("lo"),
                pl.col("after_ci_high").alias("hi"),
            ),
        ]
    )
    order = [METRIC_NAMES[m] for m in keep]
    base = alt.Chart(long).encode(
        x=alt.X("series:N", title="Series", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("period:N", sort=["before", "after"]),
        color=alt.Color("period:N", title="Relative to each series' break", sort=["before", "after"]),
    )
    ytitle = "Growth (% per year)"
    bars = base.mark_bar().encode(
        y=alt.Y("pct:Q", title=ytitle),
        tooltip=[
            "series:N",
            "period:N",
            alt.Tooltip("break_year:Q", format=".1f"),
            alt.Tooltip("pct:Q", title="%/yr", format=".1f"),
            alt.Tooltip("lo:Q", title="CI low", format=".1f"),
            alt.Tooltip("hi:Q", title="CI high", format=".1f"),
        ],
    )
    err = (
        base.transform_filter("isValid(datum.lo)")
        .mark_errorbar(thickness=1.5)
        .encode(y=alt.Y("lo:Q", title=ytitle), y2="hi:Q", color=alt.value(charts.TEXT))
    )
    return _finish(
        bars + err,
        "Growth before and after each series' own break",
        RUPP_SOURCE,
        subtitle=f"Error bars: {result.moore.confidence_pct:.0f}% interval of the post-break growth",
    )


def energy_chart(result) -> alt.TopLevelMixin:
    """Energy per operation on a log axis: dots with a stem from Landauer's bound (no bars on a log axis)."""
    e = result.energy_table
    landauer = result.energy.landauer_j_per_bit
    ops = e.filter(pl.col("joules") > landauer).with_columns(pl.lit(landauer).alias("bound"))
    xtitle = "Energy per operation (J), log scale"
    sort = alt.EncodingSortField("joules", order="ascending")
    y = alt.Y("operation:N", title=None, sort=sort, axis=alt.Axis(labelOverlap=False, labelLimit=230))
    tip = [
        "operation:N",
        alt.Tooltip("joules:Q", title="J", format=".3g"),
        alt.Tooltip("orders_above_landauer:Q", title="orders of magnitude above the bound", format=".1f"),
        "verification:N",
    ]
    xs = alt.Scale(type="log")
    stems = (
        alt.Chart(ops)
        .mark_rule(color=charts.MUTED, opacity=0.6)
        .encode(y=y, x=alt.X("bound:Q", title=xtitle, scale=xs), x2="joules:Q")
    )
    dots = (
        alt.Chart(ops)
        .mark_point(filled=True, size=70)
        .encode(
            y=y, x=alt.X("joules:Q", title=xtitle, scale=xs), color=alt.Color("source:N", title="Source"), tooltip=tip
        )
    )
    bound = (
        alt.Chart(pl.DataFrame({"joules": [landauer], "label": ["Landauer bound, one bit erased"]}))
        .mark_rule(color=charts.OKABE_ITO[5], strokeWidth=2)
        .encode(
            x=alt.X("joules:Q", title=xtitle, scale=xs),
            tooltip=["label:N", alt.Tooltip("joules:Q", title="J", format=".3g")],
        )
    )
    return _finish(
        stems + dots + bound,
        "Energy per operation against Landauer's bound",
        "Horowitz, ISSCC 2014; curated NVIDIA spec table; Landauer 1961",
        subtitle=[
            f"At {result.energy.temperature_k:.0f} K; red line: Landauer's bound; the most efficient GPU entries shown"
        ],
        height=22 * ops.height,
    )


def gpu_chart(result) -> alt.TopLevelMixin:
    """The chip-level GPU series (dense 16-bit FLOP/s and FLOP/s per watt) by announcement year, log axis."""
    g = result.gpu_series.unpivot(
        index=["gpu", "year"], on=["dense_flop_s", "flop_s_per_w"], variable_name="quantity", value_name="value"
    ).with_columns(
        pl.col("quantity").replace_strict(
            {"dense_flop_s": "Dense 16-bit FLOP/s", "flop_s_per_w": "Dense 16-bit FLOP/s per watt of TDP"}
        )
    )
    return _finish(
        alt.Chart(g)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:Q", title="Announcement year", axis=_YEAR_AXIS, scale=alt.Scale(zero=False)),
            y=alt.Y("value:Q", title="FLOP/s or FLOP/s per W, log scale", scale=alt.Scale(type="log")),
            color=alt.Color("quantity:N", title="Quantity"),
            tooltip=["gpu:N", alt.Tooltip("year:Q", format=".1f"), "quantity:N", alt.Tooltip("value:Q", format=".3g")],
        ),
        "NVIDIA data-centre GPU chips, one per generation",
        GPU_SOURCE,
        subtitle="Dense (no 2:4 sparsity) BF16/FP16 tensor peak; superchip packages of the same chip left out",
    )


def projection_chart(result) -> alt.TopLevelMixin:
    """Every trend compounded from the interview year, on a log axis; CPU series dashed (context)."""
    p = result.projection
    return _finish(
        alt.Chart(result.projection_frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("factor:Q", title=f"Factor relative to {INTERVIEW_YEAR}, log scale", scale=alt.Scale(type="log")),
            color=alt.Color("series:N", title="Series"),
            strokeDash=alt.StrokeDash(
                "kind:N", legend=None, sort=["NVIDIA aim (data-centre scale)", "NVIDIA GPU chip", "CPU chip (context)"]
            ),
            tooltip=["series:N", "kind:N", "year:Q", alt.Tooltip("factor:Q", format=",.3g")],
        ),
        f"Projected gains from {INTERVIEW_YEAR} to {p.projection_year}",
        f"{RUPP_SOURCE}; {GPU_SOURCE}; Huang, No Priors ep. 89 (2024)",
        subtitle="GPU chips on their fitted trend; CPU series on their post-break trend, as context",
    )


# ---------------------------------------------------------------------------------------------
# Tables (scalinglab.charts.table)
# ---------------------------------------------------------------------------------------------


def fit_table(result):
    """Doubling time of every series over the window."""
    p = result.params
    return charts.table(
        result.fit_table.sort("doubling_years"),
        title=f"Exponential fits, {result.moore.fit_window}",
        source=RUPP_SOURCE,
        labels={
            "title": "Series (unit)",
            "points": "Processors",
            "growth_pct_per_year": "Growth (% per year)",
            "doubling_years": "Doubling time (years)",
            "doubling_ci_low": "CI low (years)",
            "doubling_ci_high": "CI high (years)",
            "r_squared": "R²",
        },
        decimals={
            "growth_pct_per_year": 1,
            "doubling_years": 2,
            "doubling_ci_low": 2,
            "doubling_ci_high": 2,
            "r_squared": 2,
        },
        subtitle=f"Least squares on ln(value); {100 * p.confidence_level:.0f}% Student-t interval of the slope",
        notes=["An infinite doubling time means the series does not grow (or its interval reaches zero growth)."],
    )


def break_table(result):
    """Break year, its bootstrap interval, and growth before and after, per series."""
    t = result.break_table.sort("break_year").drop("metric")
    notes = [f"No two-segment fit in this window for: {'; '.join(result.no_break)}"] if result.no_break else []
    return charts.table(
        t,
        title="Where growth changes: break year per series",
        source=RUPP_SOURCE,
        labels={
            "title": "Series (unit)",
            "break_year": "Break (year)",
            "break_ci_low": "Interval from (year)",
            "break_ci_high": "Interval to (year)",
            "growth_pct_per_year_before": "Before (% per year)",
            "growth_pct_per_year_after": "After (% per year)",
            "after_ci_low": "After, CI low (% per year)",
            "after_ci_high": "After, CI high (% per year)",
        },
        decimals={
            c: 1 for c in ("growth_pct_per_year_before", "growth_pct_per_year_after", "after_ci_low", "after_ci_high")
        },
        integers=["break_ci_low", "break_ci_high"],
        subtitle="Least-residual break; seeded bootstrap interval of the break year",
        notes=notes,
    )


def eras_table(result):
    """Published and fitted single-thread growth per era, with the verdict of the stated rule."""
    return charts.table(
        result.eras,
        title="Single-thread growth per era: Hennessy and Patterson against Rupp's data",
        source=f"{RUPP_SOURCE}; {HP_SOURCE}",
        labels={
            "era": "Era",
            "hp_pct_per_year": "Published (% per year)",
            "points": "Processors",
            "ours_pct_per_year": "Fitted (% per year)",
            "ours_ci_low": "CI low (% per year)",
            "ours_ci_high": "CI high (% per year)",
            "ci_width_pp": "CI width (points)",
            "verdict": "Verdict",
        },
        decimals={c: 1 for c in ("hp_pct_per_year", "ours_pct_per_year", "ours_ci_low", "ours_ci_high", "ci_width_pp")},
        notes=[
            f"Agrees: the interval contains the published rate and is at most "
            f"{result.eras_summary.hp_max_ci_width_pp:g} points wide; differs: it excludes it."
        ],
    )


def energy_table(result):
    """Every entry of the energy chart, with its distance from Landauer's bound."""
    return charts.table(
        result.energy_table,
        title="Energy per operation",
        source="Horowitz, ISSCC 2014; curated NVIDIA spec table",
        labels={
            "operation": "Operation",
            "joules": "Energy (J)",
            "verification": "Verification",
            "source": "Source",
            "orders_above_landauer": "Orders of magnitude above Landauer",
        },
        decimals={"orders_above_landauer": 1},
        notes=["GPU entries: TDP divided by the dense peak, an upper bound on the arithmetic's energy."],
    )


def gpu_table(result):
    """The chip-level GPU series."""
    return charts.table(
        result.gpu_series.with_columns(pl.col("dense_flop_s") / 1e12, pl.col("flop_s_per_w") / 1e9),
        title="NVIDIA data-centre GPU chips",
        source=GPU_SOURCE,
        labels={
            "gpu": "GPU",
            "year": "Announced (year)",
            "dense_flop_s": "Dense 16-bit (TFLOP/s)",
            "flop_s_per_w": "Dense 16-bit per watt (GFLOP/s per W)",
        },
        decimals={"dense_flop_s": 1, "flop_s_per_w": 1},
    )
