"""The token chapter's comparisons with published work: Epoch AI's fitted declines and the published rates.

Results are frozen dataclasses whose scalar fields are glued (keys as the chapter uses them) and whose
frames feed the tables and charts of :mod:`scalinglab.analyses.token_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scalinglab.analyses.token_cost_drop import (
    CONVENTION_LABELS,
    EPOCH_SOURCE,  # noqa: F401
    PUBLISHED_RATE_IDS,
    SAME_FIT_TOLERANCE,
    FixedCapability,
    FixedCapabilityDecline,
    Inputs,
    decimal_year,
    fixed_capability_decline,
)
from scalinglab.data.prices import epoch_factor_from_fits, epoch_thresholds
from scalinglab.models.fits import fit_loglinear


@dataclass(frozen=True)
class EpochComparison:
    """Our fit beside Epoch AI's at the same benchmark and threshold, and the frontier points each holds.

    ``epoch_decline_x_per_year`` is ``""`` where Epoch has no fit at the threshold.
    """

    epoch_decline_x_per_year: float | str
    epoch_decline_text: str
    epoch_method_sentence: str
    points_sentence: str
    comparison: pl.DataFrame
    side_by_side: pl.DataFrame
    all_factors: pl.DataFrame


def _points_text(frame: pl.DataFrame, model: str, price: str) -> str:
    return (
        "; ".join(f"{r[model]} ({r['date']}, {r[price]:.3g} USD/Mtok)" for r in frame.iter_rows(named=True)) or "none"
    )


def epoch_comparison(
    inputs: Inputs,
    fixed: FixedCapability,
    capability_benchmark: str,
    capability_threshold: float,
    start_date,
    end_date,
    price_convention: str,
) -> EpochComparison:
    """Set our fit beside Epoch's (3:1 blend, 90 % intervals) and refit Epoch's own points with our method.

    The refit is "the same" as Epoch's factor when within :data:`SAME_FIT_TOLERANCE`; then the
    difference between the fits comes from the data, not the method.
    """
    b, t, col = capability_benchmark, capability_threshold, capability_benchmark.lower()
    ep = epoch_factor_from_fits(inputs.epoch_fits, b, t)
    blend = fixed_capability_decline(
        inputs.prices, t, start_date, end_date, "blend_3to1", score_col=col, confidence_level=0.90
    )
    d = fixed.decline
    rows = [
        {
            "estimate": f"ours, {CONVENTION_LABELS[price_convention]}, {100 * d.fit.confidence_level:g}%",
            "x_per_year": d.x_per_year,
            "ci_low": fixed.fixed_capability_decline_ci_low,
            "ci_high": fixed.fixed_capability_decline_ci_high,
            "points": d.fit.n,
            "window": fixed.fixed_window,
        },
        {
            "estimate": "ours, 3:1 blend, 90%",
            "x_per_year": blend.x_per_year,
            "ci_low": blend.x_per_year_ci[0],
            "ci_high": blend.x_per_year_ci[1],
            "points": blend.fit.n,
            "window": f"{blend.start_date} to {blend.end_date}",
        },
    ]
    pts = inputs.epoch_frontier.filter(
        (pl.col("bench").str.to_lowercase() == col) & ((pl.col("threshold_score") - t).abs() < 1e-9)
    )
    ours = blend.frontier.filter(pl.col("new_low")).select(
        "date", pl.col("model").alias("our_model"), pl.col("usd_per_mtok").alias("our_usd_per_mtok")
    )
    theirs = pts.select(
        pl.col("release_date").alias("date"),
        pl.col("model").alias("epoch_model"),
        pl.col("blend_3to1_usd_per_mtok").alias("epoch_usd_per_mtok"),
        pl.col("benchmark_score").alias("epoch_score"),
    )
    side = ours.join(theirs, on="date", how="full", coalesce=True).sort("date", "our_model", "epoch_model")
    if ep is None:
        thresholds = ", ".join(f"{v:g}" for v in epoch_thresholds(inputs.epoch_fits, b))
        return EpochComparison(
            "",
            f"none at {b} ≥ {t:g} (Epoch's {b} thresholds are {thresholds})",
            "With no Epoch fit at this threshold there is nothing to set beside ours; rerun with "
            "one of their thresholds to compare.",
            "",
            pl.DataFrame(rows),
            side,
            _all_factors(inputs, b, t, blend),
        )
    refit = fit_loglinear([decimal_year(x) for x in pts["release_date"]], pts["blend_3to1_usd_per_mtok"], 0.90)
    rx = refit.decline_factor_per_year
    window = f"{ep.start_date} to {ep.end_date}"
    rows += [
        {
            "estimate": "our method on Epoch's points, 90%",
            "x_per_year": rx,
            "ci_low": refit.decline_factor_per_year_ci[0],
            "ci_high": refit.decline_factor_per_year_ci[1],
            "points": refit.n,
            "window": window,
        },
        {
            "estimate": f"Epoch AI, {ep.benchmark} ≥ {ep.threshold_model}, 90%",
            "x_per_year": ep.x_per_year,
            "ci_low": ep.ci90_low,
            "ci_high": ep.ci90_high,
            "points": ep.sample_size,
            "window": window,
        },
    ]
    text = (
        f"{ep.x_per_year:.1f}x per year (90% interval {ep.ci90_low:.1f}-{ep.ci90_high:.1f}x, {ep.sample_size} "
        f"points, {window}, threshold model {ep.threshold_model})"
    )
    same = abs(rx / ep.x_per_year - 1) < SAME_FIT_TOLERANCE
    method = f"Our method on Epoch's own points gives {rx:.1f}x per year" + (
        ", the same as theirs, so the difference between the two fits comes from the data, not the method."
        if same
        else f" against their {ep.x_per_year:.1f}x."
    )
    only_ours = side.filter(pl.col("epoch_model").is_null() & pl.col("our_model").is_not_null())
    only_epoch = side.filter(pl.col("our_model").is_null() & pl.col("epoch_model").is_not_null())
    points = (
        f"On the 3:1 blend, the frontier points only our table holds are "
        f"{_points_text(only_ours, 'our_model', 'our_usd_per_mtok')}; those only Epoch's holds are "
        f"{_points_text(only_epoch, 'epoch_model', 'epoch_usd_per_mtok')}."
    )
    return EpochComparison(
        ep.x_per_year, text, method, points, pl.DataFrame(rows), side, _all_factors(inputs, b, t, blend)
    )


def _all_factors(inputs: Inputs, b: str, t: float, blend: FixedCapabilityDecline) -> pl.DataFrame:
    """Epoch's fits for every benchmark and reference model, plus ours on the 3:1 blend, sorted by factor."""
    f = inputs.epoch_fits
    epoch = f.select(
        (
            pl.col("bench") + " ≥ " + pl.col("threshold_model") + " (" + pl.col("threshold_score").cast(pl.String) + ")"
        ).alias("fit"),
        pl.col("decline_x_per_year").alias("x_per_year"),
        pl.col("decline_x_per_year_ci90_low").alias("ci_low"),
        pl.col("decline_x_per_year_ci90_high").alias("ci_high"),
        pl.col("sample_size").cast(pl.Int64).alias("points"),
        pl.lit("Epoch AI").alias("source"),
    )
    ours = pl.DataFrame(
        {
            "fit": [f"{b} ≥ {t:g} (this chapter, 3:1 blend)"],
            "x_per_year": [blend.x_per_year],
            "ci_low": [blend.x_per_year_ci[0]],
            "ci_high": [blend.x_per_year_ci[1]],
            "points": [blend.fit.n],
            "source": ["this chapter"],
        }
    )
    return pl.concat([epoch, ours], how="vertical_relaxed").sort("x_per_year", "fit")


# --------------------------------------------------------------------------- published rates
@dataclass(frozen=True)
class PublishedComparison:
    """Our fixed-capability rate against the published ones, with the relation computed.

    ``published_relation`` is ``"below every"`` (ours below the lowest published value),
    ``"above every"`` or ``"inside the range of"``; the published values are the lower and upper
    ends of each anchor (a range like 9-900 counts both ends).
    """

    anchor_epoch_range: str
    anchor_epoch_gpqa: str
    anchor_a16z: str
    anchor_huang: str
    published_min_x: float
    published_max_x: float
    published_relation: str
    published_sentence: str
    huang_sentence: str


def _bounds(text: str) -> tuple[float, float]:
    parts = [float(p) for p in str(text).split("-")]
    return min(parts), max(parts)


def published_comparison(inputs: Inputs, fixed: FixedCapability) -> PublishedComparison:
    """Compare ``fixed_capability_decline_x_per_year`` with Epoch's 9-900x, Epoch's 40x (GPQA) and a16z's 10x per year.

    Ours at defaults, 8.0x, is below every one: they do not bracket it.
    """
    a = {r["id"]: r["value"] for r in inputs.anchors.iter_rows(named=True)}
    ends = [v for i in PUBLISHED_RATE_IDS for v in _bounds(a[i])]
    lo, hi, ours = min(ends), max(ends), fixed.fixed_capability_decline_x_per_year
    relation = "below every" if ours < lo else "above every" if ours > hi else "inside the range of"
    verb = {
        "below every": "is slower than every published rate",
        "above every": "is faster than every published rate",
        "inside the range of": "lies inside the range of the published rates",
    }[relation]
    sentence = (
        f"Our {ours:.1f}x per year {verb} ({lo:g}x to {hi:g}x per year): Epoch's "
        f"{a['epoch_llm_price_range']}x per year depending on the task (about {a['epoch_llm_price_gpqa_gpt4']}x "
        f"at GPT-4's level on GPQA Diamond) and a16z's {a['a16z_llmflation']}x per year at constant MMLU."
    )
    aim = _bounds(a["huang_2to3x"])[1]
    faster = [ours > aim, lo > aim]
    huang = (
        f"Our rate and every published one are faster than NVIDIA's aim of {a['huang_2to3x']}x lower cost per year "
        "from hardware at scale: most of the decline does not come from the chips"
        if all(faster)
        else f"Not every rate here is faster than NVIDIA's aim of {a['huang_2to3x']}x lower cost per year from "
        "hardware at scale"
    )
    return PublishedComparison(
        a["epoch_llm_price_range"],
        a["epoch_llm_price_gpqa_gpt4"],
        a["a16z_llmflation"],
        a["huang_2to3x"],
        lo,
        hi,
        relation,
        sentence,
        huang + ".",
    )
