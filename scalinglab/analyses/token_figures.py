"""Charts of the token chapter, built from its typed results (tables: :mod:`~scalinglab.analyses.token_tables`).

Calendar dates are passed to Vega-Lite as ``YYYY-MM-DD`` strings (which JavaScript reads as UTC)
and encoded on ``utc`` scales with ``utc`` time units, so a reader in any timezone sees the same
calendar day (2021-11-20 stays 2021-11-20 in New York).
"""

from __future__ import annotations

import textwrap

import altair as alt
import polars as pl

from scalinglab import charts
from scalinglab.analyses import token_cost_drop as tk
from scalinglab.analyses import token_epoch as te
from scalinglab.analyses import token_serving as ts
from scalinglab.models.roofline import COMPUTE_UTILIZATION

HW_SOURCE = ts.HW_SOURCE
DATE_FORMAT = "%Y-%m-%d"
#: Characters per title or subtitle line: charts stay inside a 390-px phone screen.
LINE_CHARS = 52


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, LINE_CHARS)


def _utc_date(field: str = "date", title: str = "Date of the price") -> alt.X:
    return alt.X(
        f"utcyearmonthdate({field}):T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}),
    )


def _date_tooltip(field: str = "date", title: str = "date") -> alt.Tooltip:
    return alt.Tooltip(f"utcyearmonthdate({field}):T", title=title, format=DATE_FORMAT)


def _as_text_dates(frame: pl.DataFrame, *cols: str) -> pl.DataFrame:
    return frame.with_columns([pl.col(c).cast(pl.String) for c in cols])


# --------------------------------------------------------------------------- charts
def conventions_chart(c: tk.Claim, price_convention: str) -> alt.TopLevelMixin:
    """Bars of the drop under each price convention, the chosen one dark, with the claimed 240x as a rule."""
    df = c.conventions.with_columns(pl.col("convention").replace_strict(tk.CONVENTION_LABELS).alias("label"))
    y = alt.Y("ratio:Q", title="Price ratio, earlier / later (x)")
    bars = (
        alt.Chart(df.drop("from_date", "to_date"))
        .mark_bar()
        .encode(
            x=alt.X(
                "label:N",
                title="Price convention",
                sort=[tk.CONVENTION_LABELS[k] for k in tk.PRICE_CONVENTIONS],
                axis=alt.Axis(labelAngle=0, labelLimit=140),
            ),
            y=y,
            color=alt.condition(
                alt.datum.convention == price_convention, alt.value(charts.OKABE_ITO[0]), alt.value(charts.OKABE_ITO[4])
            ),
            tooltip=[
                alt.Tooltip("label:N", title="convention"),
                alt.Tooltip("from_usd_per_mtok:Q", title="earlier (USD/Mtok)", format=".4g"),
                alt.Tooltip("to_usd_per_mtok:Q", title="later (USD/Mtok)", format=".4g"),
                alt.Tooltip("ratio:Q", title="ratio (x)", format=".1f"),
                alt.Tooltip("x_per_year:Q", title="annualised (x/yr)", format=".1f"),
            ],
        )
    )
    rule = (
        alt.Chart(pl.DataFrame({"claim": [tk.CLAIMED_RATIO]}))
        .mark_rule(strokeDash=[4, 4], color=charts.TEXT)
        .encode(
            y=alt.Y("claim:Q", title="Price ratio, earlier / later (x)"),
            tooltip=[alt.Tooltip("claim:Q", title="the claim (x)")],
        )
    )
    return charts.finish(
        bars + rule,
        "The drop under each price convention",
        tk.PRICES_SOURCE,
        subtitle=_wrap(
            f"{c.claim_from} → {c.claim_to}, {c.claim_period_months:.1f} months; dark bar: {c.convention_label}; "
            f"dashed line: {tk.CLAIMED_RATIO:g}x"
        ),
    )


def frontier_chart(
    f: tk.FixedCapability, capability_benchmark: str, capability_threshold: float, price_convention: str
) -> alt.TopLevelMixin:
    """Every price, the cheapest qualifying price (steps) and the fitted decline (dashed), log price axis."""
    d, b, t = f.decline, capability_benchmark, capability_threshold
    front = d.frontier.select("date", "usd_per_mtok", "model")
    front = _as_text_dates(pl.concat([front, front.tail(1).with_columns(pl.lit(d.end_date).alias("date"))]), "date")
    fit_line = pl.DataFrame(
        {
            "date": [d.start_date.isoformat(), d.end_date.isoformat()],
            "usd_per_mtok": d.fit.predict([tk.decimal_year(d.start_date), tk.decimal_year(d.end_date)]),
            "series": [f"fit: {d.x_per_year:.1f}x cheaper per year"] * 2,
        }
    )
    x = _utc_date()
    y = alt.Y(
        "usd_per_mtok:Q",
        title=f"USD per million tokens ({tk.CONVENTION_LABELS[price_convention]}), log scale",
        scale=alt.Scale(type="log"),
    )
    order = [f"{b} ≥ {t:g}", f"{b} < {t:g}", f"no {b} score"]
    dots = (
        alt.Chart(_as_text_dates(f.points, "date"))
        .mark_point(size=60)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "capability:N",
                title="Capability",
                scale=alt.Scale(domain=order, range=[charts.OKABE_ITO[0], charts.OKABE_ITO[1], charts.MUTED]),
            ),
            shape=alt.Shape("capability:N", title="Capability", scale=alt.Scale(domain=order)),
            tooltip=[
                "model:N",
                _date_tooltip(),
                alt.Tooltip("usd_per_mtok:Q", title="USD/Mtok", format=".4g"),
                alt.Tooltip("score:Q", title=b),
            ],
        )
    )
    steps = (
        alt.Chart(front)
        .mark_line(interpolate="step-after", color=charts.OKABE_ITO[2])
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("model:N", title="cheapest qualifying"),
                _date_tooltip(),
                alt.Tooltip("usd_per_mtok:Q", title="frontier (USD/Mtok)", format=".4g"),
            ],
        )
    )
    trend = (
        alt.Chart(fit_line)
        .mark_line(strokeDash=[6, 3], color=charts.OKABE_ITO[5])
        .encode(
            x=x,
            y=y,
            tooltip=["series:N", _date_tooltip(), alt.Tooltip("usd_per_mtok:Q", title="fitted USD/Mtok", format=".4g")],
        )
    )
    lo, hi = d.x_per_year_ci
    return charts.finish(
        dots + steps + trend,
        f"Cheapest price at {b} ≥ {t:g}: {d.x_per_year:.1f}x cheaper per year",
        tk.PRICES_SOURCE,
        subtitle=[
            *_wrap(
                f"Every price in the table; green steps: cheapest qualifying price; dashed: log-linear "
                f"fit {d.start_date} to {d.end_date}; {100 * d.fit.confidence_level:g}% interval "
                f"{lo:.1f}-{hi:.1f}x per year from {d.fit.n} points"
            ),
        ],
    )


def factors_chart(e: te.EpochComparison) -> alt.TopLevelMixin:
    """Epoch's fitted declines for every benchmark and reference model with 90 % intervals, and ours."""
    df = e.all_factors
    order = df["fit"].to_list()
    base = alt.Chart(df).encode(
        y=alt.Y("fit:N", title=None, sort=order, axis=alt.Axis(labelLimit=150)),
        color=alt.Color("source:N", title="Fit", scale=alt.Scale(range=[charts.OKABE_ITO[0], charts.OKABE_ITO[5]])),
    )
    title = "Price decline at fixed capability (x per year), log scale"
    dots = base.mark_point(filled=True, size=70).encode(
        x=alt.X("x_per_year:Q", title=title, scale=alt.Scale(type="log")),
        tooltip=[
            "fit:N",
            "source:N",
            alt.Tooltip("x_per_year:Q", title="x per year", format=".1f"),
            alt.Tooltip("ci_low:Q", title="90% low", format=".1f"),
            alt.Tooltip("ci_high:Q", title="90% high", format=".4g"),
            "points:Q",
        ],
    )
    bars = base.mark_rule().encode(
        x=alt.X("ci_low:Q", title=title),
        x2="ci_high:Q",
        tooltip=[
            "fit:N",
            alt.Tooltip("ci_low:Q", title="90% low", format=".1f"),
            alt.Tooltip("ci_high:Q", title="90% high", format=".4g"),
        ],
    )
    return charts.finish(
        bars + dots,
        "Declines at fixed capability depend on the task",
        tk.EPOCH_SOURCE,
        subtitle=_wrap(
            "Epoch's fits for every benchmark and reference model, with 90% intervals; ours at "
            f"this chapter's threshold (prices: {tk.PRICES_SOURCE})"
        ),
        height=420,
    )


def sensitivity_chart(s: ts.Sensitivity, fp: ts.FirstPrinciples, p) -> alt.TopLevelMixin:
    """Cost per million output tokens against batch, one line per GPU and weight format; a diamond for this run."""
    x = alt.X(
        "batch_size:Q", title="Batch size (sequences per model replica), log scale", scale=alt.Scale(type="log", base=2)
    )
    y = alt.Y("usd_per_mtok:Q", title="Cost (USD per million output tokens), log scale", scale=alt.Scale(type="log"))
    gpus = s.grid["gpu"].unique(maintain_order=True).to_list()
    lines = (
        alt.Chart(s.grid)
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color("gpu:N", title="GPU", sort=gpus),
            strokeDash=alt.StrokeDash("weight_format:N", title="Weight format", sort=["BF16", "FP8", "FP4"]),
            tooltip=[
                "gpu:N",
                "precision:N",
                alt.Tooltip("batch_size:Q", title="batch"),
                alt.Tooltip("tokens_per_s:Q", title="tokens/s per GPU", format=",.0f"),
                "bound:N",
                alt.Tooltip("gpu_hour_usd:Q", title="USD per GPU-hour", format=".2f"),
                alt.Tooltip("usd_per_mtok:Q", title="USD/Mtok", format=".3g"),
            ],
        )
    )
    me = pl.DataFrame(
        [
            {
                "batch_size": float(p.batch_size),
                "usd_per_mtok": fp.first_principles_usd_per_mtok,
                "label": f"this run: {p.gpu}, {fp.cost.weight_format}",
            }
        ]
    )
    chosen = (
        alt.Chart(me)
        .mark_point(shape="diamond", size=220, filled=False, strokeWidth=2, color=charts.TEXT)
        .encode(x=x, y=y, tooltip=["label:N", alt.Tooltip("usd_per_mtok:Q", title="USD/Mtok", format=".3g")])
    )
    return charts.finish(
        lines + chosen,
        f"Cost of a generated token, {p.active_params_billion:g}B active parameters",
        HW_SOURCE,
        subtitle=[
            *_wrap(
                f"Roofline with KV-cache reads ({p.context_tokens:g} tokens of context): HBM utilisation "
                f"{p.bandwidth_utilization:g}, compute utilisation {COMPUTE_UTILIZATION:g}; diamond: this run; "
                f"B200 at {s.b200_price:.2f} USD/GPU-hour ({s.b200_price_basis})"
            ),
        ],
    )


def waterfall_chart(d: ts.Decomposition, c: tk.Claim, p, fp: ts.FirstPrinciples) -> alt.TopLevelMixin:
    """Multiplicative waterfall of the modelled factors and the residual, on a log axis (floating bars, not stacked)."""
    wf = d.waterfall.with_columns(pl.format("×{}", pl.col("factor").round(2)).alias("label"))
    x = alt.X(
        "step:N",
        title="Factor (applied left to right)",
        sort=wf["step"].to_list(),
        axis=alt.Axis(labelAngle=-35, labelLimit=110, labelOverlap=False),
    )
    bars = (
        alt.Chart(wf)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("start:Q", title="Cumulative drop (x), log scale", scale=alt.Scale(type="log")),
            y2="end:Q",
            color=alt.Color(
                "kind:N",
                title="Kind",
                sort=["factor", "residual", "total"],
                scale=alt.Scale(
                    domain=["factor", "residual", "total"],
                    range=[charts.OKABE_ITO[0], charts.OKABE_ITO[1], charts.MUTED],
                ),
            ),
            tooltip=[
                "step:N",
                alt.Tooltip("factor:Q", title="factor (x)", format=".2f"),
                alt.Tooltip("start:Q", title="cumulative before", format=".3g"),
                alt.Tooltip("end:Q", title="cumulative after", format=".3g"),
            ],
        )
    )
    text = (
        alt.Chart(wf)
        .mark_text(dy=-8, color=charts.TEXT)
        .encode(
            x=x,
            y=alt.Y("end:Q", title="Cumulative drop (x), log scale"),
            text="label:N",
            tooltip=["step:N", alt.Tooltip("factor:Q", title="factor (x)", format=".2f")],
        )
    )
    return charts.finish(
        (bars + text).properties(width=alt.Step(46)),
        f"Decomposing the {c.claim_ratio:.0f}x drop",
        HW_SOURCE,
        subtitle=[
            *_wrap(
                f"{c.claim_from} → {c.claim_to}. A model under stated assumptions: {ts.BASELINE_GPU} in BF16 "
                f"with {d.old_active_params:g}B active of {d.old_total_params:g}B → {p.gpu} in "
                f"{fp.cost.weight_format} with {p.active_params_billion:g}B, batch {p.batch_size}. Residual = "
                f"observed / product of the modelled factors. Prices: {tk.PRICES_SOURCE}"
            ),
        ],
    )
