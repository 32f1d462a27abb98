"""Reader-facing tables of the token chapter (great_tables through :func:`scalinglab.charts.table`), from its results."""

from __future__ import annotations

import polars as pl

from scalinglab import charts
from scalinglab.analyses import token_cost_drop as tk
from scalinglab.analyses import token_epoch as te
from scalinglab.analyses import token_serving as ts

HW_SOURCE = ts.HW_SOURCE


# --------------------------------------------------------------------------- tables
def conventions_table(c: tk.Claim):
    """The table “… → … under each price convention”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    df = c.conventions.with_columns(pl.col("convention").replace_strict(tk.CONVENTION_LABELS)).select(
        "convention", "from_usd_per_mtok", "to_usd_per_mtok", "ratio", "months", "x_per_year"
    )
    return charts.table(
        df,
        title=f"{c.claim_from} → {c.claim_to} under each price convention",
        source=tk.PRICES_SOURCE,
        labels={
            "convention": "Convention",
            "from_usd_per_mtok": "Earlier (USD/Mtok)",
            "to_usd_per_mtok": "Later (USD/Mtok)",
            "ratio": "Drop (x)",
            "months": "Months",
            "x_per_year": "Annualised (x/yr)",
        },
        decimals={"ratio": 1, "months": 1, "x_per_year": 1},
    )


def launch_table(ls: tk.LaunchScenario, c: tk.Claim):
    """The table “The drop with the later model at its launch price (…)”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        ls.table,
        title=f"The drop with the later model at its launch price ({c.convention_label})",
        source=f"{tk.PRICES_SOURCE}; launch price: {ls.launch_source}",
        labels={
            "later_price": "Later model priced at",
            "date": "Date",
            "to_usd_per_mtok": "Later (USD/Mtok)",
            "ratio": "Drop (x)",
            "months": "Months",
            "x_per_year": "Annualised (x/yr)",
        },
        decimals={"ratio": 1, "months": 1, "x_per_year": 1},
    )


def _pairs(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("convention").replace_strict(tk.CONVENTION_LABELS)).select(
        "from_model",
        pl.col("from_date").cast(pl.String),
        "to_model",
        pl.col("to_date").cast(pl.String),
        "convention",
        "from_usd_per_mtok",
        "to_usd_per_mtok",
        "ratio",
        "months",
        "x_per_year",
        "from_score",
        "to_score",
    )


_PAIR_LABELS = {
    "from_model": "Earlier model",
    "from_date": "Date",
    "to_model": "Later model",
    "to_date": "Date ",
    "convention": "Convention",
    "from_usd_per_mtok": "Earlier (USD/Mtok)",
    "to_usd_per_mtok": "Later (USD/Mtok)",
    "ratio": "Drop (x)",
    "months": "Months",
    "x_per_year": "Annualised (x/yr)",
    "from_score": "Earlier MMLU (%)",
    "to_score": "Later MMLU (%)",
}


def exact_pairs_table(n: tk.NearPairs):
    """The table “Every dated pair within …% of …x, side by side”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        _pairs(n.exact),
        title=f"Every dated pair within {n.exact_tolerance_pct:g}% of {tk.CLAIMED_RATIO:g}x, side by side",
        source=tk.PRICES_SOURCE,
        labels=_PAIR_LABELS,
        decimals={"ratio": 1, "months": 1, "x_per_year": 1},
        subtitle=f"Order: {n.ranking_rule}",
    )


def near_pairs_table(n: tk.NearPairs):
    """The table “Every dated pair within …% of …x”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        _pairs(n.pairs),
        title=f"Every dated pair within {100 * tk.NEAR_TOLERANCE:g}% of {tk.CLAIMED_RATIO:g}x",
        source=tk.PRICES_SOURCE,
        labels=_PAIR_LABELS,
        decimals={"ratio": 1, "months": 1, "x_per_year": 1},
        subtitle="Sorted by closeness to the claim (|ln(ratio / 240)|), then by date",
    )


def frontier_table(f: tk.FixedCapability):
    """The table “Cheapest qualifying price at each date (the frontier)”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    df = f.decline.frontier.select(pl.col("date").cast(pl.String), "model", "usd_per_mtok", "new_low")
    return charts.table(
        df,
        title="Cheapest qualifying price at each date (the frontier)",
        source=tk.PRICES_SOURCE,
        labels={"date": "Date", "model": "Model", "usd_per_mtok": "Price (USD/Mtok)", "new_low": "New low (fitted)"},
    )


def comparison_table(e: te.EpochComparison):
    """The table “Our fit beside Epoch AI's”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        e.comparison,
        title="Our fit beside Epoch AI's",
        source=f"{tk.EPOCH_SOURCE}; {tk.PRICES_SOURCE}",
        labels={
            "estimate": "Estimate",
            "x_per_year": "Decline (x/yr)",
            "ci_low": "Interval low (x/yr)",
            "ci_high": "Interval high (x/yr)",
            "points": "Points",
            "window": "Window",
        },
        decimals={"x_per_year": 1, "ci_low": 1, "ci_high": 1},
    )


def side_by_side_table(e: te.EpochComparison):
    """The table “Frontier points on the 3:1 blend: ours and Epoch's”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        e.side_by_side.with_columns(pl.col("date").cast(pl.String)),
        title="Frontier points on the 3:1 blend: ours and Epoch's",
        source=f"{tk.EPOCH_SOURCE}; {tk.PRICES_SOURCE}",
        labels={
            "date": "Date",
            "our_model": "Our model",
            "our_usd_per_mtok": "Our price (USD/Mtok)",
            "epoch_model": "Epoch's model",
            "epoch_usd_per_mtok": "Epoch's price (USD/Mtok)",
            "epoch_score": "Epoch's score (%)",
        },
    )


def first_principles_table(fp: ts.FirstPrinciples):
    """The table “Decode cost from first principles, with and without KV-cache reads”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        fp.table,
        title="Decode cost from first principles, with and without KV-cache reads",
        source=HW_SOURCE,
        labels={
            "model": "Model",
            "kv_cache": "KV cache",
            "active_params_billion": "Active (B params)",
            "weight_gb_per_step": "Weights read (GB/step)",
            "kv_gb_per_step": "KV read (GB/step)",
            "tokens_per_s": "Tokens/s per GPU",
            "bound": "Bound",
            "usd_per_mtok": "Cost (USD/Mtok)",
        },
        decimals={"weight_gb_per_step": 1, "kv_gb_per_step": 1, "tokens_per_s": 0, "usd_per_mtok": 2},
    )


def moe_table(m: ts.MixtureOfExperts):
    """The table “Mixture of experts: a decode step reads every expert the batch routes to”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        m.table,
        title="Mixture of experts: a decode step reads every expert the batch routes to",
        source=f"{HW_SOURCE}; model shapes: GPT-4 press estimate (unconfirmed), DeepSeek-V3 report",
        labels={
            "model": "Model",
            "weights_read": "Weights read",
            "n_experts": "Experts (E)",
            "experts_per_token": "Per token (k)",
            "experts_read": "Experts read per step",
            "weight_gb_per_step": "Weights read (GB/step)",
            "tokens_per_s": "Tokens/s per GPU",
            "bound": "Bound",
            "usd_per_mtok": "Cost (USD/Mtok)",
        },
        decimals={"experts_read": 1, "weight_gb_per_step": 0, "tokens_per_s": 0, "usd_per_mtok": 2},
    )


def size_range_table(d: ts.Decomposition):
    """The table “Model-size factor with each assumed size halved or doubled”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        d.size_range,
        title="Model-size factor with each assumed size halved or doubled",
        source=HW_SOURCE,
        labels={
            "earlier_active_billion": "Earlier model, active (B params)",
            "served_active_billion": "Served model, active (B params)",
            "size_factor_x": "Model-size factor (x)",
        },
        decimals={"earlier_active_billion": 0, "served_active_billion": 0, "size_factor_x": 1},
    )


def waterfall_table(d: ts.Decomposition):
    """The table “The decomposition, step by step”, built with :func:`scalinglab.charts.table` (the book's rules; source line included)."""
    return charts.table(
        d.waterfall.select("step", "factor", "start", "end"),
        title="The decomposition, step by step",
        source=f"{tk.PRICES_SOURCE}; {HW_SOURCE}",
        labels={
            "step": "Step",
            "factor": "Factor (x)",
            "start": "Cumulative before (x)",
            "end": "Cumulative after (x)",
        },
        decimals={"factor": 2, "start": 2, "end": 2},
    )
