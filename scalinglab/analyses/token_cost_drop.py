"""The chapter *The 240x drop in the cost of tokens*: which 240x, the fixed-capability decline, Epoch's fits.

Each function takes the loaded inputs (:func:`load_inputs`) and the validated parameters and returns
a frozen dataclass whose scalar fields are the chapter's glued values (``glue_result(result)``)
and whose frames feed its tables and charts (:mod:`scalinglab.analyses.token_figures`). The serving
economics (first principles, sensitivity, decomposition) are in
:mod:`scalinglab.analyses.token_serving`. Prices are USD per million tokens (USD/Mtok).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from scalinglab import data
from scalinglab.analyses.token_prices import (  # noqa: F401  (re-exported: the chapter's price API)
    CONVENTION_LABELS,
    FIT_POINTS,
    PRICE_CONVENTIONS,
    FixedCapabilityDecline,
    check_convention,
    convention_table,
    decimal_year,
    find_model,
    fixed_capability_decline,
    fixed_capability_frontier,
    months_between,
    pairs_near,
    price_expr,
    price_usd_per_mtok,
)
from scalinglab.data.prices import LAUNCH_PRICES, as_date, epoch_factor_from_fits, epoch_thresholds
from scalinglab.models.fits import fit_loglinear

#: The claimed drop the chapter tests (No Priors, episode 89).
CLAIMED_RATIO: float = 240.0
#: "Near" the claim: within this fraction of it (pairs listed in the search table).
NEAR_TOLERANCE: float = 0.10
#: "Exact": within this fraction (0.5 %), the pairs the page sets side by side.
EXACT_TOLERANCE: float = 0.005
#: Our refit of Epoch's points counts as "the same" as Epoch's factor within this fraction.
SAME_FIT_TOLERANCE: float = 0.02
#: Published rates the chapter compares with (ids of data/curated/growth_rate_anchors.csv).
PUBLISHED_RATE_IDS: tuple[str, ...] = ("epoch_llm_price_range", "epoch_llm_price_gpqa_gpt4", "a16z_llmflation")

PRICES_SOURCE = "curated LLM API list prices (archived; most via Epoch AI's api_prices table)"
EPOCH_SOURCE = "Epoch AI, llm-benchmark-efficiency results (CC BY)"


@dataclass(frozen=True)
class Inputs:
    """The frames the chapter reads, from the typed loaders of :mod:`scalinglab.data`."""

    prices: pl.DataFrame
    epoch_fits: pl.DataFrame
    epoch_frontier: pl.DataFrame
    hardware_prices: pl.DataFrame
    specs: pl.DataFrame
    anchors: pl.DataFrame


def load_inputs() -> Inputs:
    """Load every frame the chapter uses (API prices, Epoch's fits and points, GPU prices and specs, anchors)."""
    return Inputs(data.load_llm_prices(), data.load_epoch_price_fits(), data.load_epoch_price_frontier(),
                  data.load_hardware_prices(), data.load_gpu_specs(), data.load_growth_anchors())


# --------------------------------------------------------------------------- which 240x
@dataclass(frozen=True)
class Claim:
    """The drop between two models at their first dated prices in the table, under every convention."""

    convention_label: str
    capability_label: str
    claim_from: str
    claim_to: str
    claim_ratio: float
    claim_period_months: float
    claim_x_per_year: float
    claim_from_usd_per_mtok: float
    claim_to_usd_per_mtok: float
    claim_ratio_min: float
    claim_ratio_max: float
    claim_capability: str
    claim_to_note: str
    conventions: pl.DataFrame


def capability_sentence(old: dict, new: dict, benchmark: str) -> str:
    """Whether a drop compares models of equal capability on ``benchmark`` (score column = its lower case)."""
    col = benchmark.lower()
    s_old, s_new = old.get(col), new.get(col)
    if s_old is None or s_new is None:
        missing = old["model"] if s_old is None else new["model"]
        return (f"The price table has no {benchmark} score for {missing}, so this page cannot say whether the two "
                "models are of equal capability.")
    if s_new < s_old:
        return (f"This pair compares models of different capability: {new['model']} scores {s_new:g} on "
                f"{benchmark}, {old['model']} {s_old:g}. The drop buys less capable tokens.")
    return (f"{new['model']} scores {s_new:g} on {benchmark}, at least the {s_old:g} of {old['model']}: "
            "on this benchmark the drop is at equal or better capability.")


def claim(inputs: Inputs, from_model: str, to_model: str, price_convention: str, capability_benchmark: str,
          capability_threshold: float) -> Claim:
    """The claimed drop (see :func:`convention_table`); GPT-4 (8k) -> Gemini 1.5 Flash on the mean is 45 / 0.1875 = 240."""
    table = convention_table(inputs.prices, from_model, to_model)
    row = table.filter(pl.col("convention") == price_convention).row(0, named=True)
    old = find_model(inputs.prices, from_model, name="from_model")
    new = find_model(inputs.prices, to_model, name="to_model")
    return Claim(CONVENTION_LABELS[price_convention], f"{capability_benchmark} ≥ {capability_threshold:g}",
                 f"{old['model']} ({old['effective_date'].isoformat()})",
                 f"{new['model']} ({new['effective_date'].isoformat()})", row["ratio"], row["months"],
                 row["x_per_year"], row["from_usd_per_mtok"], row["to_usd_per_mtok"], table["ratio"].min(),
                 table["ratio"].max(), capability_sentence(old, new, capability_benchmark),
                 new.get("capability_note") or "no note", table)


@dataclass(frozen=True)
class LaunchScenario:
    """The claimed drop with the later model at its launch price instead of the table's first dated price.

    ``launch_known`` is False (and the numbers NaN) where no launch price is recorded for the model.
    """

    launch_known: bool
    launch_to_usd_per_mtok: float
    launch_ratio: float
    launch_period_months: float
    launch_x_per_year: float
    launch_date: str
    launch_sentence: str
    launch_source: str
    table: pl.DataFrame


def launch_scenario(inputs: Inputs, c: Claim, from_model: str, to_model: str, price_convention: str) -> LaunchScenario:
    """How the drop changes if the later model is priced at launch (:data:`scalinglab.data.prices.LAUNCH_PRICES`).

    Gemini 1.5 Flash at its May 2024 launch price (0.35 / 1.05): 45 / 0.70 = 64.3x on the mean.
    """
    lp = LAUNCH_PRICES.get(find_model(inputs.prices, to_model, name="to_model")["model"])
    nan = float("nan")
    if lp is None:
        return LaunchScenario(False, nan, nan, nan, nan, "", f"No launch price earlier than the table's first dated "
                              f"price is recorded for {to_model}; the drop above uses that first dated price.",
                              "", pl.DataFrame())
    old = find_model(inputs.prices, from_model, name="from_model")
    to_price = price_usd_per_mtok(lp.input_usd_per_mtok, lp.output_usd_per_mtok, price_convention)
    ratio = c.claim_from_usd_per_mtok / to_price
    months = months_between(old["effective_date"], lp.date)
    x = ratio ** (12.0 / months) if months > 0 else nan
    table = pl.DataFrame({
        "later_price": ["first dated price in the table", "launch price (scenario)"],
        "date": [c.claim_to.rsplit("(", 1)[1].rstrip(")"), lp.date.isoformat()],
        "to_usd_per_mtok": [c.claim_to_usd_per_mtok, to_price], "ratio": [c.claim_ratio, ratio],
        "months": [c.claim_period_months, months], "x_per_year": [c.claim_x_per_year, x]})
    sentence = (f"At its launch price ({lp.date.isoformat()}, {lp.input_usd_per_mtok:g} / {lp.output_usd_per_mtok:g} "
                f"USD/Mtok input / output) {lp.model} gives {ratio:.1f}x in {months:.1f} months instead of "
                f"{c.claim_ratio:.1f}x: the {c.claim_ratio:.0f}x needs the later price cut.")
    return LaunchScenario(True, to_price, ratio, months, x, lp.date.isoformat(), sentence, lp.source, table)


@dataclass(frozen=True)
class NearPairs:
    """Every dated pair within :data:`NEAR_TOLERANCE` of the claim, and the exact ones side by side."""

    near_count: int
    near_unequal: int
    near_equal: int
    near_unknown: int
    exact_count: int
    exact_equal_count: int
    exact_tolerance_pct: float
    exact_pairs_text: str
    ranking_rule: str
    pairs: pl.DataFrame
    exact: pl.DataFrame


def near_pairs(inputs: Inputs, capability_benchmark: str = "MMLU") -> NearPairs:
    """Search every dated pair and convention for ratios near :data:`CLAIMED_RATIO` (:func:`pairs_near`).

    The exact pairs (within :data:`EXACT_TOLERANCE`) are ranked by the rule stated in
    ``ranking_rule``: the smaller capability gap first (|later score - earlier score|), then the
    shorter period. On the shipped table: GPT-4 (32k) -> GPT-4o mini (gap 4) before GPT-4 (8k) ->
    Gemini 1.5 Flash (gap 7), both 240x on the mean of input and output.
    """
    col = capability_benchmark.lower()
    near = pairs_near(inputs.prices, CLAIMED_RATIO, NEAR_TOLERANCE, score_col=col).with_columns(
        (pl.col("ratio") ** (12.0 / pl.col("months"))).alias("x_per_year"),
        (pl.col("to_score") - pl.col("from_score")).abs().alias("score_gap"))
    exact = near.filter((pl.col("ratio") / CLAIMED_RATIO - 1.0).abs() <= EXACT_TOLERANCE).sort(
        pl.col("score_gap").fill_null(float("inf")), "months", "from_date", "convention", maintain_order=True)
    texts = [f"{r['from_model']} ({r['from_date']}) → {r['to_model']} ({r['to_date']}) on the "
             f"{CONVENTION_LABELS[r['convention']]}, {r['from_usd_per_mtok']:.4g} / {r['to_usd_per_mtok']:.4g} = "
             f"{r['ratio']:.1f}x in {r['months']:.1f} months, {capability_benchmark} "
             f"{_fmt_score(r['from_score'])} → {_fmt_score(r['to_score'])}" for r in exact.iter_rows(named=True)]
    rule = (f"pairs within {100 * EXACT_TOLERANCE:g}% of {CLAIMED_RATIO:g}x, listed by the smaller "
            f"{capability_benchmark} gap between the two models first, then the shorter period")
    return NearPairs(near.height, near.filter(pl.col("capability_differs") == True).height,  # noqa: E712
                     near.filter(pl.col("capability_differs") == False).height,  # noqa: E712
                     near.filter(pl.col("capability_differs").is_null()).height, exact.height,
                     exact.filter(pl.col("capability_differs") == False).height,  # noqa: E712
                     100 * EXACT_TOLERANCE, "; ".join(texts) if texts else "none", rule, near, exact)


def _fmt_score(v: Any) -> str:
    return "n/a" if v is None else f"{v:g}"


# --------------------------------------------------------------------------- fixed capability
@dataclass(frozen=True)
class FixedCapability:
    """The fixed-capability decline (:func:`fixed_capability_decline`) as the chapter reports it."""

    fixed_capability_decline_x_per_year: float
    fixed_capability_decline_ci_low: float
    fixed_capability_decline_ci_high: float
    fixed_capability_points: int
    fixed_window: str
    fixed_over_claim_period_x: float
    fixed_last_holder: str
    decline: FixedCapabilityDecline
    points: pl.DataFrame


def fixed_capability(inputs: Inputs, c: Claim, capability_benchmark: str, capability_threshold: float,
                     start_date, end_date, price_convention: str, confidence_level: float = 0.95) -> FixedCapability:
    """Fit the decline of the cheapest price at ``capability_benchmark`` >= ``capability_threshold``.

    ``points`` holds every price of the table under the convention with its capability class
    (``≥ threshold``, ``< threshold``, ``no score``) for the chart.
    """
    col = capability_benchmark.lower()
    d = fixed_capability_decline(inputs.prices, capability_threshold, start_date, end_date, price_convention,
                                 score_col=col, confidence_level=confidence_level)
    lo, hi = d.x_per_year_ci
    b, t = capability_benchmark, capability_threshold
    points = inputs.prices.select(
        pl.col("effective_date").alias("date"), "model", price_expr(price_convention).alias("usd_per_mtok"),
        pl.col(col).alias("score"),
        pl.when(pl.col(col).is_null()).then(pl.lit(f"no {b} score")).when(pl.col(col) >= t)
        .then(pl.lit(f"{b} ≥ {t:g}")).otherwise(pl.lit(f"{b} < {t:g}")).alias("capability")).sort("date", "model")
    last = d.frontier.row(-1, named=True)
    return FixedCapability(d.x_per_year, lo, hi, d.fit.n, f"{d.start_date.isoformat()} to {d.end_date.isoformat()}",
                           d.x_per_year ** (c.claim_period_months / 12.0),
                           f"{last['model']} ({last['usd_per_mtok']:.3g} USD/Mtok)", d, points)


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
    return "; ".join(f"{r[model]} ({r['date']}, {r[price]:.3g} USD/Mtok)" for r in frame.iter_rows(named=True)) or "none"


def epoch_comparison(inputs: Inputs, fixed: FixedCapability, capability_benchmark: str, capability_threshold: float,
                     start_date, end_date, price_convention: str) -> EpochComparison:
    """Set our fit beside Epoch's (3:1 blend, 90 % intervals) and refit Epoch's own points with our method.

    The refit is "the same" as Epoch's factor when within :data:`SAME_FIT_TOLERANCE`; then the
    difference between the fits comes from the data, not the method.
    """
    b, t, col = capability_benchmark, capability_threshold, capability_benchmark.lower()
    ep = epoch_factor_from_fits(inputs.epoch_fits, b, t)
    blend = fixed_capability_decline(inputs.prices, t, start_date, end_date, "blend_3to1", score_col=col,
                                     confidence_level=0.90)
    d = fixed.decline
    rows = [{"estimate": f"ours, {CONVENTION_LABELS[price_convention]}, {100 * d.fit.confidence_level:g}%",
             "x_per_year": d.x_per_year, "ci_low": fixed.fixed_capability_decline_ci_low,
             "ci_high": fixed.fixed_capability_decline_ci_high, "points": d.fit.n, "window": fixed.fixed_window},
            {"estimate": "ours, 3:1 blend, 90%", "x_per_year": blend.x_per_year, "ci_low": blend.x_per_year_ci[0],
             "ci_high": blend.x_per_year_ci[1], "points": blend.fit.n,
             "window": f"{blend.start_date} to {blend.end_date}"}]
    pts = inputs.epoch_frontier.filter((pl.col("bench").str.to_lowercase() == col)
                                       & ((pl.col("threshold_score") - t).abs() < 1e-9))
    ours = blend.frontier.filter(pl.col("new_low")).select("date", pl.col("model").alias("our_model"),
                                                           pl.col("usd_per_mtok").alias("our_usd_per_mtok"))
    theirs = pts.select(pl.col("release_date").alias("date"), pl.col("model").alias("epoch_model"),
                        pl.col("blend_3to1_usd_per_mtok").alias("epoch_usd_per_mtok"),
                        pl.col("benchmark_score").alias("epoch_score"))
    side = ours.join(theirs, on="date", how="full", coalesce=True).sort("date", "our_model", "epoch_model")
    if ep is None:
        thresholds = ", ".join(f"{v:g}" for v in epoch_thresholds(inputs.epoch_fits, b))
        return EpochComparison("", f"none at {b} ≥ {t:g} (Epoch's {b} thresholds are {thresholds})",
                               "With no Epoch fit at this threshold there is nothing to set beside ours; rerun with "
                               "one of their thresholds to compare.", "", pl.DataFrame(rows), side,
                               _all_factors(inputs, b, t, blend))
    refit = fit_loglinear([decimal_year(x) for x in pts["release_date"]], pts["blend_3to1_usd_per_mtok"], 0.90)
    rx = refit.decline_factor_per_year
    window = f"{ep.start_date} to {ep.end_date}"
    rows += [{"estimate": "our method on Epoch's points, 90%", "x_per_year": rx,
              "ci_low": refit.decline_factor_per_year_ci[0], "ci_high": refit.decline_factor_per_year_ci[1],
              "points": refit.n, "window": window},
             {"estimate": f"Epoch AI, {ep.benchmark} ≥ {ep.threshold_model}, 90%", "x_per_year": ep.x_per_year,
              "ci_low": ep.ci90_low, "ci_high": ep.ci90_high, "points": ep.sample_size, "window": window}]
    text = (f"{ep.x_per_year:.1f}x per year (90% interval {ep.ci90_low:.1f}-{ep.ci90_high:.1f}x, {ep.sample_size} "
            f"points, {window}, threshold model {ep.threshold_model})")
    same = abs(rx / ep.x_per_year - 1) < SAME_FIT_TOLERANCE
    method = f"Our method on Epoch's own points gives {rx:.1f}x per year" + (
        ", the same as theirs, so the difference between the two fits comes from the data, not the method."
        if same else f" against their {ep.x_per_year:.1f}x.")
    only_ours = side.filter(pl.col("epoch_model").is_null() & pl.col("our_model").is_not_null())
    only_epoch = side.filter(pl.col("our_model").is_null() & pl.col("epoch_model").is_not_null())
    points = (f"On the 3:1 blend, the frontier points only our table holds are "
              f"{_points_text(only_ours, 'our_model', 'our_usd_per_mtok')}; those only Epoch's holds are "
              f"{_points_text(only_epoch, 'epoch_model', 'epoch_usd_per_mtok')}.")
    return EpochComparison(ep.x_per_year, text, method, points, pl.DataFrame(rows), side,
                           _all_factors(inputs, b, t, blend))


def _all_factors(inputs: Inputs, b: str, t: float, blend: FixedCapabilityDecline) -> pl.DataFrame:
    """Epoch's fits for every benchmark and reference model, plus ours on the 3:1 blend, sorted by factor."""
    f = inputs.epoch_fits
    epoch = f.select(
        (pl.col("bench") + " ≥ " + pl.col("threshold_model") + " (" + pl.col("threshold_score").cast(pl.String)
         + ")").alias("fit"), pl.col("decline_x_per_year").alias("x_per_year"),
        pl.col("decline_x_per_year_ci90_low").alias("ci_low"), pl.col("decline_x_per_year_ci90_high").alias("ci_high"),
        pl.col("sample_size").cast(pl.Int64).alias("points"), pl.lit("Epoch AI").alias("source"))
    ours = pl.DataFrame({"fit": [f"{b} ≥ {t:g} (this chapter, 3:1 blend)"], "x_per_year": [blend.x_per_year],
                         "ci_low": [blend.x_per_year_ci[0]], "ci_high": [blend.x_per_year_ci[1]],
                         "points": [blend.fit.n], "source": ["this chapter"]})
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
    verb = {"below every": "is slower than every published rate", "above every": "is faster than every published rate",
            "inside the range of": "lies inside the range of the published rates"}[relation]
    sentence = (f"Our {ours:.1f}x per year {verb} ({lo:g}x to {hi:g}x per year): Epoch's "
                f"{a['epoch_llm_price_range']}x per year depending on the task (about {a['epoch_llm_price_gpqa_gpt4']}x "
                f"at GPT-4's level on GPQA Diamond) and a16z's {a['a16z_llmflation']}x per year at constant MMLU.")
    return PublishedComparison(a["epoch_llm_price_range"], a["epoch_llm_price_gpqa_gpt4"], a["a16z_llmflation"],
                               a["huang_2to3x"], lo, hi, relation, sentence)
