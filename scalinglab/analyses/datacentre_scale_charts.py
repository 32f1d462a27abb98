"""Charts of the chapter *At data-centre scale* (altair, finished with :func:`scalinglab.charts.finish`)."""

from __future__ import annotations

import altair as alt
import numpy as np
import polars as pl

from scalinglab import charts
from scalinglab.analyses import datacentre_scale as dc
from scalinglab.models import fits

SOURCE = "Epoch AI, 'Data on GPU Clusters' (CC BY 4.0), epoch.ai; fits: this book"
EFFICIENCY_SOURCE = "Epoch AI, GPU clusters and hardware prices (CC BY 4.0); NVIDIA spec table"
_UTC_DATE = alt.Scale(type="utc")
_EXP = alt.Axis(format=".0e")


def _system_tooltips(value: str, title: str) -> list:
    return [
        alt.Tooltip("name:N", title="system"),
        alt.Tooltip("owner:N", title="owner"),
        alt.Tooltip("date:T", title="first operational", timeUnit="utcyearmonthdate"),
        alt.Tooltip("chip_type:N", title="chip"),
        alt.Tooltip("chips:Q", title="AI chips", format=","),
        alt.Tooltip("power_mw:Q", title="power (MW)", format=",.1f"),
        alt.Tooltip(f"{value}:Q", title=title, format=".3~e"),
        alt.Tooltip("rank:Q", title="rank at start"),
    ]


def _systems(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("first_operational_date").cast(pl.String).alias("date"),
        pl.col("owner").fill_null("not stated"),
        pl.col("chip_type").fill_null("not stated"),
    )


def _fit_frame(f: fits.LogLinearFit, scale: float = 1.0) -> pl.DataFrame:
    t = np.linspace(f.x_min, f.x_max, 40)
    mid = (f.x_min + f.x_max) / 2
    year = t.astype(int)
    ms = ((t - year) * 365.25 * 86400e3).astype("int64")
    dates = [np.datetime64(f"{y}-01-01", "ms") + np.timedelta64(int(m), "ms") for y, m in zip(year, ms)]
    v = f.predict(t) * scale
    return pl.DataFrame(
        {
            "date": [str(d)[:10] for d in dates],
            "fit": v,
            "low": v * np.exp((f.slope_ci[0] - f.slope) * (t - mid)),
            "high": v * np.exp((f.slope_ci[1] - f.slope) * (t - mid)),
        }
    )


def leading_chart(
    ranked: pl.DataFrame,
    rows: pl.DataFrame,
    f: fits.LogLinearFit,
    top_n: int,
    precision: str,
    start_year: int,
    end_year: int,
) -> alt.TopLevelMixin:
    """All operational systems faint, the leading ones of the window in colour, the fit and its band (log y)."""
    title_y = f"Dense {precision} performance (FLOP/s), log scale"
    x = alt.X("date:T", title="First operational date", scale=_UTC_DATE)
    y = alt.Y("performance:Q", title=title_y, scale=alt.Scale(type="log"), axis=_EXP)
    everything = (
        alt.Chart(_systems(ranked))
        .mark_point(size=18, opacity=0.35, color=charts.MUTED, filled=True)
        .encode(x=x, y=y, tooltip=_system_tooltips("performance", "FLOP/s"))
    )
    lead = (
        alt.Chart(_systems(rows))
        .mark_point(size=55, filled=True, color=charts.OKABE_ITO[0])
        .encode(x=x, y=y, tooltip=_system_tooltips("performance", "FLOP/s"))
    )
    fit = _fit_frame(f)
    band = (
        alt.Chart(fit)
        .mark_area(opacity=0.25, color=charts.OKABE_ITO[1])
        .encode(
            x=x,
            y=alt.Y("low:Q", title=title_y, scale=alt.Scale(type="log"), axis=_EXP),
            y2="high:Q",
            tooltip=[
                alt.Tooltip("date:T", title="date", timeUnit="utcyearmonth"),
                alt.Tooltip("low:Q", format=".3~e"),
                alt.Tooltip("high:Q", format=".3~e"),
            ],
        )
    )
    line = (
        alt.Chart(fit)
        .mark_line(color=charts.OKABE_ITO[5])
        .encode(
            x=x,
            y=alt.Y("fit:Q", title=title_y, scale=alt.Scale(type="log"), axis=_EXP),
            tooltip=[
                alt.Tooltip("date:T", title="date", timeUnit="utcyearmonth"),
                alt.Tooltip("fit:Q", title="fitted FLOP/s", format=".3~e"),
            ],
        )
    )
    lo, hi = f.factor_per_year_ci
    return charts.finish(
        everything + band + line + lead,
        f"Leading AI supercomputers grew {f.factor_per_year:.1f}x per year",
        SOURCE,
        subtitle=[
            (
                f"Blue: the {rows.height} systems in the top {top_n} when first operational, "
                f"{start_year}-{end_year}; grey: every other operational system"
            ),
            (f"Orange: log-linear fit and its {100 * f.confidence_level:.0f}% band ({lo:.2f}-{hi:.2f}x per year)"),
        ],
    )


def decomposition_chart(parts: pl.DataFrame) -> alt.TopLevelMixin:
    """Stacked log growth per year (linear axis of log10 units): performance = part A x part B, three ways.

    ``parts``: ``identity``, ``part``, ``log10_per_year``, ``x_per_year``, ``share_pct`` (from
    :func:`decomposition_frame`).
    """
    bars = (
        alt.Chart(parts)
        .mark_bar()
        .encode(
            y=alt.Y("identity:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("log10_per_year:Q", title="Growth per year, log10 of (x per year)"),
            color=alt.Color("part:N", title="Factor", sort=None),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("identity:N"),
                alt.Tooltip("part:N", title="factor"),
                alt.Tooltip("x_per_year:Q", title="x per year", format=".2f"),
                alt.Tooltip("share_pct:Q", title="share of log growth (%)", format=".0f"),
            ],
        )
    )
    return charts.finish(
        bars,
        "Where the performance growth comes from",
        SOURCE,
        subtitle=[
            "Each bar: the fitted log growth of performance = factor A x factor B,",
            "on the leading systems that report both",
        ],
        width=300,
        height=150,
    )


def decomposition_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The three identities of :func:`decomposition_chart` from the window's leading systems."""
    out = []
    for k, (a, b, name) in enumerate(
        (
            ("chips", "per_chip", "chips x per chip"),
            ("power", "flops_per_watt", "power x per watt"),
            ("cost", "flops_per_usd", "cost x per dollar"),
        )
    ):
        d = dc.decompose(rows, "performance", (a, b))
        for i, p in enumerate((a, b)):
            g = d[f"g_{p}"]
            out.append(
                {
                    "identity": f"{name} ({d['n']} systems)",
                    "part": dict(dc.QUANTITIES)[p],
                    "order": i,
                    "log10_per_year": g / np.log(10),
                    "x_per_year": float(np.exp(g)),
                    "share_pct": 100 * d[f"share_{p}"],
                    "k": k,
                }
            )
    return pl.DataFrame(out).sort(["k", "order"])


def efficiency_chart(rows: pl.DataFrame, chips: pl.DataFrame, precision: str) -> alt.TopLevelMixin:
    """FLOP/s per watt and per dollar: leading systems (dots) and single NVIDIA GPUs (diamonds), log y."""
    panels = []
    for q, title in (("flops_per_watt", "FLOP/s per watt"), ("flops_per_usd", "FLOP/s per dollar")):
        sys_df = _systems(rows.filter(pl.col(q).is_not_null())).with_columns(pl.lit("leading systems").alias("level"))
        chip_df = chips.filter(pl.col(q).is_not_null()).select(
            pl.col("announced").cast(pl.String).alias("date"),
            "gpu",
            q,
            "tdp_w",
            "purchase_usd",
            pl.lit("single NVIDIA GPUs").alias("level"),
        )
        x = alt.X("date:T", title="Date (first operational / announced)", scale=_UTC_DATE)
        y = alt.Y(f"{q}:Q", title=f"{title} (dense {precision}), log scale", scale=alt.Scale(type="log"), axis=_EXP)
        color = alt.Color(
            "level:N",
            title="Level",
            scale=alt.Scale(
                domain=["leading systems", "single NVIDIA GPUs"], range=[charts.OKABE_ITO[0], charts.OKABE_ITO[5]]
            ),
        )
        a = (
            alt.Chart(sys_df)
            .mark_point(size=45, filled=True)
            .encode(x=x, y=y, color=color, tooltip=_system_tooltips(q, title))
        )
        b = (
            alt.Chart(chip_df)
            .mark_point(size=110, shape="diamond", filled=True)
            .encode(
                x=x,
                y=y,
                color=color,
                tooltip=[
                    alt.Tooltip("gpu:N", title="GPU"),
                    alt.Tooltip("date:T", title="announced", timeUnit="utcyearmonthdate"),
                    alt.Tooltip(f"{q}:Q", title=title, format=".3~e"),
                    alt.Tooltip("tdp_w:Q", title="TDP (W)"),
                    alt.Tooltip("purchase_usd:Q", title="purchase (USD)", format=",.0f"),
                ],
            )
        )
        trend = []
        for lvl, df, yr in (("leading systems", rows, "year"), ("single NVIDIA GPUs", chips, "year")):
            d = df.filter(pl.col(q).is_not_null())
            f = fits.fit_loglinear(d[yr].to_numpy(), d[q].to_numpy())
            trend.append(
                _fit_frame(f)
                .select("date", pl.col("fit").alias(q))
                .with_columns(pl.lit(lvl).alias("level"), pl.lit(f"{f.factor_per_year:.2f}x per year").alias("trend"))
            )
        lines = (
            alt.Chart(pl.concat(trend))
            .mark_line(strokeDash=[4, 3])
            .encode(
                x=x,
                y=y,
                color=color,
                detail="level:N",
                tooltip=[alt.Tooltip("level:N"), alt.Tooltip("trend:N", title="fitted trend")],
            )
        )
        panels.append((lines + a + b).properties(title=title, width=dc_width(), height=220))
    return charts.finish(
        alt.vconcat(*panels).resolve_scale(color="shared"),
        "Efficiency: data centres against their chips",
        EFFICIENCY_SOURCE,
        subtitle=[
            (
                "Systems: performance / power capacity and / hardware cost; "
                "GPUs: dense peak / TDP and / median purchase price"
            ),
            "Dashed: log-linear fits (systems over the window, GPUs over all generations)",
        ],
    )


def dc_width() -> int:
    """Width in pixels of a panel in the stacked charts."""
    return 520


def projection_chart(
    fan: pl.DataFrame, planned: pl.DataFrame, rows: pl.DataFrame, projection_year: int
) -> alt.TopLevelMixin:
    """Three stacked panels (performance, power, cost): history, fan, 2x/3x lines and planned systems (log y)."""
    panels = []
    hist_scale = {"performance": 1.0, "power": 1e-3, "cost": 1.0}
    for q, label in fan.select("quantity", "label").unique(maintain_order=True).iter_rows():
        f = fan.filter(pl.col("quantity") == q)
        ax = alt.Axis(format="~g") if q == "power" else _EXP
        x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d"))
        band = (
            alt.Chart(f)
            .mark_area(opacity=0.25, color=charts.OKABE_ITO[1])
            .encode(
                x=x,
                y=alt.Y("low:Q", title=f"{label}, log scale", scale=alt.Scale(type="log"), axis=ax),
                y2="high:Q",
                tooltip=[
                    alt.Tooltip("year:Q", format=".1f"),
                    alt.Tooltip("low:Q", format=".3~e"),
                    alt.Tooltip("high:Q", format=".3~e"),
                ],
            )
        )
        lines = (
            alt.Chart(
                f.unpivot(["central", "x2", "x3"], index=["year"], variable_name="line").with_columns(
                    pl.col("line").replace_strict({"central": "fitted trend", "x2": "2x per year", "x3": "3x per year"})
                )
            )
            .mark_line()
            .encode(
                x=x,
                y=alt.Y("value:Q", title=f"{label}, log scale", scale=alt.Scale(type="log"), axis=ax),
                color=alt.Color(
                    "line:N",
                    title="Line",
                    scale=alt.Scale(
                        domain=["fitted trend", "2x per year", "3x per year"],
                        range=[charts.OKABE_ITO[5], charts.MUTED, charts.TEXT],
                    ),
                ),
                strokeDash=alt.StrokeDash(
                    "line:N",
                    title="Line",
                    scale=alt.Scale(
                        domain=["fitted trend", "2x per year", "3x per year"], range=[[1, 0], [5, 3], [2, 2]]
                    ),
                ),
                tooltip=[
                    alt.Tooltip("line:N"),
                    alt.Tooltip("year:Q", format=".1f"),
                    alt.Tooltip("value:Q", format=".3~e"),
                ],
            )
        )
        hist = rows.filter(pl.col(q).is_not_null()).select(
            "name",
            pl.col("owner").fill_null("not stated"),
            "chips",
            "power_mw",
            "year",
            (pl.col(q) * hist_scale[q]).alias("value"),
            pl.lit("leading systems (fitted)").alias("kind"),
        )
        pts = pl.concat(
            [
                hist,
                planned.filter(pl.col("quantity") == q).select(
                    "name",
                    pl.col("owner").fill_null("not stated"),
                    "chips",
                    "power_mw",
                    "year",
                    "value",
                    pl.lit("planned systems (not fitted)").alias("kind"),
                ),
            ]
        )
        dots = (
            alt.Chart(pts)
            .mark_point(size=40, filled=True)
            .encode(
                x=x,
                y=alt.Y("value:Q", title=f"{label}, log scale", scale=alt.Scale(type="log"), axis=ax),
                shape=alt.Shape("kind:N", title="Systems"),
                tooltip=[
                    alt.Tooltip("name:N", title="system"),
                    alt.Tooltip("owner:N", title="owner"),
                    alt.Tooltip("chips:Q", title="AI chips", format=","),
                    alt.Tooltip("power_mw:Q", title="power (MW)", format=",.0f"),
                    alt.Tooltip("year:Q", title="year", format=".1f"),
                    alt.Tooltip("value:Q", format=".3~e"),
                ],
            )
        )
        panels.append((band + lines + dots).properties(title=label, width=dc_width(), height=200))
    return charts.finish(
        alt.vconcat(*panels).resolve_scale(color="shared", shape="shared", strokeDash="shared"),
        f"Projected to {projection_year}: the fitted trend against 2x and 3x per year",
        SOURCE,
        subtitle=[
            "Band: the fit's interval; lines start from the fitted value at the last leading system",
            "Planned systems (squares) sit at the start of their planned year and are not fitted",
        ],
    )
