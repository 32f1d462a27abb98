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
from scalinglab.data.prices import LAUNCH_PRICES

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

PRICES_SOURCE = "archived API list prices (curated; most via Epoch AI)"
EPOCH_SOURCE = "Epoch AI, llm-benchmark-efficiency (CC BY)"


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
    return Inputs(
        data.load_llm_prices(),
        data.load_epoch_price_fits(),
        data.load_epoch_price_frontier(),
        data.load_hardware_prices(),
        data.load_gpu_specs(),
        data.load_growth_anchors(),
    )


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
        return (
            f"The price table has no {benchmark} score for {missing}, so this page cannot say whether the two "
            "models are of equal capability."
        )
    if s_new < s_old:
        return (
            f"This pair compares models of different capability: {new['model']} scores {s_new:g} on "
            f"{benchmark}, {old['model']} {s_old:g}. The drop buys less capable tokens."
        )
    return (
        f"{new['model']} scores {s_new:g} on {benchmark}, at least the {s_old:g} of {old['model']}: "
        "on this benchmark the drop is at equal or better capability."
    )


def claim(
    inputs: Inputs,
    from_model: str,
    to_model: str,
    price_convention: str,
    capability_benchmark: str,
    capability_threshold: float,
) -> Claim:
    """The claimed drop (see :func:`convention_table`); GPT-4 (8k) -> Gemini 1.5 Flash on the mean is 45 / 0.1875 = 240."""
    table = convention_table(inputs.prices, from_model, to_model)
    row = table.filter(pl.col("convention") == price_convention).row(0, named=True)
    old = find_model(inputs.prices, from_model, name="from_model")
    new = find_model(inputs.prices, to_model, name="to_model")
    return Claim(
        CONVENTION_LABELS[price_convention],
        f"{capability_benchmark} ≥ {capability_threshold:g}",
        f"{old['model']} ({old['effective_date'].isoformat()})",
        f"{new['model']} ({new['effective_date'].isoformat()})",
        row["ratio"],
        row["months"],
        row["x_per_year"],
        row["from_usd_per_mtok"],
        row["to_usd_per_mtok"],
        table["ratio"].min(),
        table["ratio"].max(),
        capability_sentence(old, new, capability_benchmark),
        new.get("capability_note") or "no note",
        table,
    )


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
    first = {
        "later_price": "first dated price in the table",
        "date": c.claim_to.rsplit("(", 1)[1].rstrip(")"),
        "to_usd_per_mtok": c.claim_to_usd_per_mtok,
        "ratio": c.claim_ratio,
        "months": c.claim_period_months,
        "x_per_year": c.claim_x_per_year,
    }
    if lp is None:
        note = (
            f"No launch price earlier than the table's first dated price is recorded for {to_model}; the drop "
            "above uses that first dated price."
        )
        return LaunchScenario(False, nan, nan, nan, nan, "", note, "", pl.DataFrame([first]))
    old = find_model(inputs.prices, from_model, name="from_model")
    to_price = price_usd_per_mtok(lp.input_usd_per_mtok, lp.output_usd_per_mtok, price_convention)
    ratio = c.claim_from_usd_per_mtok / to_price
    months = months_between(old["effective_date"], lp.date)
    x = ratio ** (12.0 / months) if months > 0 else nan
    launch = {
        "later_price": "launch price (scenario)",
        "date": lp.date.isoformat(),
        "to_usd_per_mtok": to_price,
        "ratio": ratio,
        "months": months,
        "x_per_year": x,
    }
    table = pl.DataFrame([first, launch])
    verdict = (
        f"the {c.claim_ratio:.0f}x needs the later price cut"
        if ratio < c.claim_ratio
        else "the drop does not depend on the later price cut"
    )
    sentence = (
        f"At its launch price ({lp.date.isoformat()}, {lp.input_usd_per_mtok:g} / {lp.output_usd_per_mtok:g} "
        f"USD/Mtok input / output) {lp.model} gives {ratio:.1f}x in {months:.1f} months instead of "
        f"{c.claim_ratio:.1f}x: {verdict}."
    )
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
        (pl.col("to_score") - pl.col("from_score")).abs().alias("score_gap"),
    )
    exact = near.filter((pl.col("ratio") / CLAIMED_RATIO - 1.0).abs() <= EXACT_TOLERANCE).sort(
        pl.col("score_gap").fill_null(float("inf")), "months", "from_date", "convention", maintain_order=True
    )
    texts = [
        f"{r['from_model']} ({r['from_date']}) → {r['to_model']} ({r['to_date']}) on the "
        f"{CONVENTION_LABELS[r['convention']]}, {r['from_usd_per_mtok']:.4g} / {r['to_usd_per_mtok']:.4g} = "
        f"{r['ratio']:.1f}x in {r['months']:.1f} months, {capability_benchmark} "
        f"{_fmt_score(r['from_score'])} → {_fmt_score(r['to_score'])}"
        for r in exact.iter_rows(named=True)
    ]
    rule = (
        f"pairs within {100 * EXACT_TOLERANCE:g}% of {CLAIMED_RATIO:g}x, listed by the smaller "
        f"{capability_benchmark} gap between the two models first, then the shorter period"
    )
    return NearPairs(
        near.height,
        near.filter(pl.col("capability_differs") == True).height,  # noqa: E712
        near.filter(pl.col("capability_differs") == False).height,  # noqa: E712
        near.filter(pl.col("capability_differs").is_null()).height,
        exact.height,
        exact.filter(pl.col("capability_differs") == False).height,  # noqa: E712
        100 * EXACT_TOLERANCE,
        "; ".join(texts) if texts else "none",
        rule,
        near,
        exact,
    )


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


def fixed_capability(
    inputs: Inputs,
    c: Claim,
    capability_benchmark: str,
    capability_threshold: float,
    start_date,
    end_date,
    price_convention: str,
    confidence_level: float = 0.95,
) -> FixedCapability:
    """Fit the decline of the cheapest price at ``capability_benchmark`` >= ``capability_threshold``.

    ``points`` holds every price of the table under the convention with its capability class
    (``≥ threshold``, ``< threshold``, ``no score``) for the chart.
    """
    col = capability_benchmark.lower()
    d = fixed_capability_decline(
        inputs.prices,
        capability_threshold,
        start_date,
        end_date,
        price_convention,
        score_col=col,
        confidence_level=confidence_level,
    )
    lo, hi = d.x_per_year_ci
    b, t = capability_benchmark, capability_threshold
    points = inputs.prices.select(
        pl.col("effective_date").alias("date"),
        "model",
        price_expr(price_convention).alias("usd_per_mtok"),
        pl.col(col).alias("score"),
        pl.when(pl.col(col).is_null())
        .then(pl.lit(f"no {b} score"))
        .when(pl.col(col) >= t)
        .then(pl.lit(f"{b} ≥ {t:g}"))
        .otherwise(pl.lit(f"{b} < {t:g}"))
        .alias("capability"),
    ).sort("date", "model")
    last = d.frontier.row(-1, named=True)
    return FixedCapability(
        d.x_per_year,
        lo,
        hi,
        d.fit.n,
        f"{d.start_date.isoformat()} to {d.end_date.isoformat()}",
        d.x_per_year ** (c.claim_period_months / 12.0),
        f"{last['model']} ({last['usd_per_mtok']:.3g} USD/Mtok)",
        d,
        points,
    )
