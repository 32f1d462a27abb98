"""Chart and tables of the chapter *Software alone* (see :mod:`scalinglab.analyses.software_speedup`).

Every view names round, division, scenario, submitter and system, labels derived figures as not official MLPerf
results and flags proxy values (MLCommons' rules for quoting results).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from scalinglab import charts
from scalinglab.analyses import software_speedup as sw

SOURCE = (
    "MLCommons, MLPerf Inference datacenter results v3.0-v5.1, closed division, submitter NVIDIA "
    "(v5.0 via a third-party copy); Apache-2.0"
)
DERIVED_NOTE = (
    "Ratios, per-accelerator values and annualised rates are derived here from MLPerf Inference results; "
    "they are not official MLPerf results."
)
PROXY_MARK = "yes (proxy)"


def _as_printed(col: str = "samples_per_s") -> pl.Expr:
    """The system throughput with up to six significant digits, as LoadGen prints it."""
    return pl.col(col).map_elements(lambda v: f"{v:,.6g}", return_dtype=pl.String).alias(col)


def _proxy_text(col: str = "proxy") -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit(PROXY_MARK)).otherwise(pl.lit("no"))


def _proxy_notes(rows: pl.DataFrame, n_excluded: int, include_proxy_rows: bool) -> list[str]:
    notes = [
        DERIVED_NOTE,
        ("MLCommons result IDs were found for v4.1 and v5.1 only; look the others up before quoting a result."),
    ]
    if include_proxy_rows:
        reasons = (
            sorted(r for r in rows["proxy_reason"].drop_nulls().unique()) if "proxy_reason" in rows.columns else []
        )
        notes.append("Proxy values (marked): " + ("; ".join(reasons) if reasons else "none in this table") + ".")
    else:
        notes.append(f"{n_excluded} proxy value(s) excluded (include_proxy_rows = False).")
    return notes


def _one(rows: pl.DataFrame, col: str) -> str:
    return ", ".join(sorted(rows[col].unique())) if rows.height else "none"


def speedup_chart(series: pl.DataFrame) -> alt.Chart:
    """Speed-up against the first round, by publication month (UTC), one line per benchmark and scenario, log axis.

    ``series`` is :func:`~scalinglab.analyses.software_speedup.round_series` output; series with one round are drawn
    as a single point at 1x. Hollow points are proxy values.
    """
    d = series.with_columns(
        pl.col("publication_date").dt.strftime("%Y-%m-%d").alias("date"),
        (pl.col("benchmark_name") + " " + pl.col("scenario")).alias("series"),
        _proxy_text().alias("proxy_value"),
    ).select(
        "date",
        "series",
        "benchmark_name",
        "scenario",
        "round",
        "division",
        "submitter",
        "system",
        "benchmark",
        "software",
        "samples_per_s",
        "speedup_vs_first_x",
        "proxy_value",
        "proxy",
    )
    x = alt.X(
        "date:T",
        timeUnit="utcyearmonth",
        scale=alt.Scale(type="utc", padding=16),
        title="Publication month of the round (UTC)",
        axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=5),
    )
    lo, hi = float(d["speedup_vs_first_x"].min()), float(d["speedup_vs_first_x"].max())
    y = alt.Y(
        "speedup_vs_first_x:Q",
        scale=alt.Scale(type="log", domain=[lo / 1.15, hi * 1.15], nice=False),
        title="Speed-up over first round (x, derived), log",
    )
    color = alt.Color("benchmark_name:N", title="Benchmark")
    dash = alt.StrokeDash("scenario:N", title="Scenario", sort=["Offline", "Server"])
    tips = [
        alt.Tooltip("series:N", title="Benchmark, scenario"),
        alt.Tooltip("round:N", title="Round"),
        alt.Tooltip("date:T", timeUnit="utcyearmonth", format="%B %Y", title="Published"),
        alt.Tooltip("division:N", title="Division"),
        alt.Tooltip("submitter:N", title="Submitter"),
        alt.Tooltip("system:N", title="System"),
        alt.Tooltip("benchmark:N", title="Results folder"),
        alt.Tooltip("software:N", title="Software"),
        alt.Tooltip("samples_per_s:Q", title="Samples/s (system)", format=",.5g"),
        alt.Tooltip("speedup_vs_first_x:Q", title="Speed-up over first round (x, derived)", format=".2f"),
        alt.Tooltip("proxy_value:N", title="Proxy value"),
    ]
    base = alt.Chart(d).encode(x=x, y=y, color=color, tooltip=tips)
    lines = base.mark_line(strokeWidth=2).encode(strokeDash=dash, detail="series:N")
    filled = base.transform_filter("!datum.proxy").mark_point(size=70, filled=True, opacity=1)
    hollow = base.transform_filter("datum.proxy").mark_point(size=70, filled=False, strokeWidth=2)
    system = series["system"][0] if series.height else ""
    return charts.finish(
        alt.layer(lines, filled, hollow),
        title="Same hardware, newer software: MLPerf Inference",
        subtitle=[
            f"System {system}",
            "Closed division, datacenter, submitter NVIDIA; samples/s ratios",
            "Offline and Server never mixed; hollow points are proxy values",
            "Derived from MLPerf Inference results, not official MLPerf results",
        ],
        source="MLCommons MLPerf Inference v3.0-v5.0 (Apache-2.0)",
        width="container",
        height=320,
    )


def rounds_table(series: pl.DataFrame, n_excluded: int, include_proxy_rows: bool):
    """Throughput per round with its ratios to the first and the previous round and the annualised rate."""
    d = series.sort(["benchmark_name", "scenario", "publication_date"], maintain_order=True).select(
        "benchmark_name",
        "scenario",
        "round",
        pl.col("publication_date").dt.strftime("%Y-%m").alias("published"),
        "benchmark",
        "mlcommons_result_id",
        "software",
        _as_printed(),
        "speedup_vs_first_x",
        "speedup_vs_previous_x",
        "annualised_vs_first_x_per_year",
        _proxy_text().alias("proxy_value"),
    )
    return charts.table(
        d,
        title="Same system, successive rounds: throughput and speed-ups",
        subtitle=f"System {_one(series, 'system')}; MLPerf Inference datacenter, closed division, submitter NVIDIA; "
        "samples/s in every round",
        source=SOURCE,
        notes=_proxy_notes(series, n_excluded, include_proxy_rows),
        labels={
            "benchmark_name": "Benchmark",
            "scenario": "Scenario",
            "round": "Round",
            "published": "Published",
            "division": "Division",
            "submitter": "Submitter",
            "system": "System",
            "benchmark": "Results folder",
            "mlcommons_result_id": "MLCommons result ID",
            "software": "Software",
            "samples_per_s": "Samples/s (system)",
            "speedup_vs_first_x": "vs first round (x, derived)",
            "speedup_vs_previous_x": "vs previous round (x, derived)",
            "annualised_vs_first_x_per_year": "Annualised vs first (x per year, derived)",
            "proxy_value": "Proxy value",
        },
        decimals={"speedup_vs_first_x": 2, "speedup_vs_previous_x": 2, "annualised_vs_first_x_per_year": 2},
    )


def window_table(pairs: pl.DataFrame, system: str, n_excluded: int, include_proxy_rows: bool, top: int = 8):
    """The largest speed-ups between two rounds within the window, one row per pair, largest first."""
    d = (
        pairs.head(top)
        .with_columns(
            pl.col("workload").replace_strict(sw.WORKLOAD_NAMES, default=pl.col("workload")).alias("benchmark_name"),
            _proxy_text().alias("proxy_value"),
        )
        .select(
            "benchmark_name",
            "scenario",
            "from_round",
            "to_round",
            "months",
            "from_software",
            "to_software",
            "speedup_x",
            "annualised_x_per_year",
            "proxy_value",
        )
    )
    return charts.table(
        d,
        title="Largest speed-ups between two rounds within the window",
        subtitle=f"System {system}, MLPerf Inference datacenter, closed division, submitter NVIDIA; samples/s ratios",
        source=SOURCE,
        notes=[
            DERIVED_NOTE,
            "Proxy value: either round's value is a -99.9 stand-in or from the third-party v5.0 copy."
            if include_proxy_rows
            else f"{n_excluded} proxy value(s) excluded (include_proxy_rows = False).",
        ],
        labels={
            "benchmark_name": "Benchmark",
            "scenario": "Scenario",
            "from_round": "From round",
            "to_round": "To round",
            "months": "Months apart",
            "from_software": "Software (from)",
            "to_software": "Software (to)",
            "speedup_x": "Speed-up (x, derived)",
            "annualised_x_per_year": "Annualised (x per year, derived)",
            "proxy_value": "Proxy value",
        },
        decimals={"speedup_x": 2, "annualised_x_per_year": 2},
        integers=["months"],
    )


def accelerator_table(acc: pl.DataFrame, n_excluded: int, include_proxy_rows: bool):
    """Llama 2 70B samples/s per accelerator by GPU and round (derived)."""
    d = acc.select(
        "scenario",
        "gpu",
        "round",
        pl.col("publication_date").dt.strftime("%Y-%m").alias("published"),
        "system",
        "accelerators_per_system",
        "benchmark",
        "mlcommons_result_id",
        _as_printed(),
        "samples_per_s_per_accelerator",
        _proxy_text().alias("proxy_value"),
    )
    return charts.table(
        d,
        title="Llama 2 70B throughput per accelerator, by GPU and round",
        subtitle="MLPerf Inference datacenter, closed division, submitter NVIDIA",
        source=SOURCE,
        notes=_proxy_notes(acc, n_excluded, include_proxy_rows),
        labels={
            "scenario": "Scenario",
            "gpu": "GPU",
            "round": "Round",
            "published": "Published",
            "division": "Division",
            "submitter": "Submitter",
            "system": "System",
            "accelerators_per_system": "GPUs in system",
            "benchmark": "Results folder",
            "mlcommons_result_id": "MLCommons result ID",
            "samples_per_s": "Samples/s (system)",
            "samples_per_s_per_accelerator": "Samples/s per GPU (derived)",
            "proxy_value": "Proxy value",
        },
        decimals={"samples_per_s_per_accelerator": 2},
    )


def split_table(split: pl.DataFrame, include_proxy_rows: bool, not_split: str):
    """Hardware factor x software factor = total, per newer GPU and round, against the H100's first round."""
    d = split.select(
        "scenario",
        "gpu",
        "system",
        "round",
        "base_round",
        "hw_factor_x",
        "sw_factor_x",
        (pl.col("hw_factor_x") * pl.col("sw_factor_x")).alias("product_x"),
        "total_factor_x",
        "sw_factor_x_per_year",
        _proxy_text("uses_proxy").alias("proxy_value"),
    )
    notes = [
        DERIVED_NOTE,
        (
            "Hardware factor: GPU / H100 in the same round. Software factor: H100 in that round / H100 "
            "in its first round. Their product equals the total, GPU / H100 in its first round."
        ),
        f"Not split (no H100 result in the same round): {not_split}.",
    ]
    if include_proxy_rows:
        notes.append("Proxy value: one of the three values is a -99.9 stand-in or from the third-party v5.0 copy.")
    return charts.table(
        d,
        title="Llama 2 70B: newer GPU over the first-round H100 = hardware factor x software factor",
        subtitle="Per-accelerator samples/s, MLPerf Inference datacenter, closed division, submitter NVIDIA; "
        "H100 = DGX-H100 (8x H100-SXM-80GB)",
        source=SOURCE,
        notes=notes,
        labels={
            "scenario": "Scenario",
            "gpu": "GPU",
            "system": "System",
            "round": "Round",
            "base_round": "H100 first round",
            "samples_per_s_per_accelerator": "GPU samples/s per GPU (derived)",
            "h100_same_round": "H100 same round (per GPU, derived)",
            "h100_base": "H100 first round (per GPU, derived)",
            "hw_factor_x": "Hardware factor (x, derived)",
            "sw_factor_x": "Software factor (x, derived)",
            "product_x": "Hardware x software (x)",
            "total_factor_x": "Total (x, derived)",
            "sw_factor_x_per_year": "Software factor per year (x, derived)",
            "proxy_value": "Proxy value",
        },
        decimals={c: 2 for c in ("hw_factor_x", "sw_factor_x", "product_x", "total_factor_x", "sw_factor_x_per_year")},
    )
