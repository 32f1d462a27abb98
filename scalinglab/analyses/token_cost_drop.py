"""The cost of LLM tokens: price conventions, fixed-capability declines, first principles.

Pure functions for the "240x drop in the cost of tokens" chapter. They take
polars DataFrames and numbers and return numbers, frames or small dataclasses;
nothing here reads files.

Price conventions (prices in USD per million tokens, "USD/Mtok"):

* ``mean_in_out``  (input + output) / 2
* ``blend_3to1``   (3 input + output) / 4, the blend Epoch AI and Artificial
  Analysis quote (Epoch, "LLM inference prices have fallen rapidly but unequally
  across tasks", 2025; the 37.5 USD/Mtok of GPT-4 in their results is this blend)
* ``input``        input price only
* ``output``       output price only

Frames of dated API prices use the column names of
``data/curated/llm_api_price_points.csv`` by default (``effective_date``,
``model``, ``model_version``, ``input_usd_per_mtok``, ``output_usd_per_mtok``,
``mmlu``); dates may be ``pl.Date``/``pl.Datetime`` columns or ISO
``YYYY-MM-DD`` strings. Scalar dates may be ``datetime.date``,
``datetime.datetime`` or ISO strings (papermill passes strings, YAML dates).

Decode cost from first principles (a roofline for one decode step):

    tokens/s per GPU = min(batch * HBM bytes/s * bandwidth util / weight bytes,
                           dense FLOP/s * compute util / (2 * active params))
    USD per Mtok     = GPU-hour price / (tokens/s per GPU * 3600) * 1e6

(the 2-FLOPs-per-parameter-per-token rule: Kaplan et al. 2020, "Scaling Laws
for Neural Language Models", sec. 2.1; the bandwidth bound: Pope et al. 2022,
"Efficiently Scaling Transformer Inference", sec. 2).

Bad arguments raise :class:`~scalinglab.errors.ParameterError` (a
``ValueError``) naming the argument; a malformed cell of a shipped file raises
:class:`~scalinglab.errors.DataFormatError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import polars as pl

from scalinglab.errors import DataFormatError, ParameterError
from scalinglab.models.fits import LogLinearFit, fit_loglinear

#: The price conventions every function here accepts, in display order.
PRICE_CONVENTIONS: tuple[str, ...] = ("mean_in_out", "blend_3to1", "input", "output")

#: Days per month used for periods: a Julian year of 365.25 days over 12.
DAYS_PER_MONTH: float = 365.25 / 12.0

#: The name :func:`decompose` gives the unexplained factor.
RESIDUAL: str = "residual"

# default column names of the curated price table
DATE_COL = "effective_date"
MODEL_COL = "model"
VERSION_COL = "model_version"
INPUT_COL = "input_usd_per_mtok"
OUTPUT_COL = "output_usd_per_mtok"
SCORE_COL = "mmlu"

# default column names of data/epoch-ml-hardware/hardware_prices.csv
HW_MODEL_COL = "Hardware model"
HW_DATE_COL = "Price date"
HW_VENDOR_COL = "Vendor"
HW_ON_DEMAND_COL = "Price per chip-hour (on-demand)"

EPOCH_RESULTS_FILE = "epoch-llm-inference-prices/results/lowest_price_models_results.csv"


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _positive(value: float, name: str) -> float:
    """Return ``value`` as a float; raise ParameterError unless it is finite and > 0."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) <= 0:
        raise ParameterError(name, value, "a positive finite number")
    return float(value)


def _fraction(value: float, name: str) -> float:
    """Return ``value`` as a float; raise ParameterError unless 0 < value <= 1."""
    v = _positive(value, name)
    if v > 1.0:
        raise ParameterError(name, value, "a fraction in (0, 1]")
    return v


def check_convention(convention: str, name: str = "convention") -> str:
    """Return ``convention`` if it is one of :data:`PRICE_CONVENTIONS`.

    Raises ParameterError naming ``name`` and listing the allowed conventions.
    """
    if convention not in PRICE_CONVENTIONS:
        raise ParameterError(name, convention, "one of " + ", ".join(PRICE_CONVENTIONS))
    return convention


def as_date(value: dt.date | dt.datetime | str, name: str) -> dt.date:
    """A ``datetime.date`` from a date, a datetime or an ISO ``YYYY-MM-DD`` string.

    Raises ParameterError naming ``name`` for anything else.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ParameterError(name, value, "a date, as datetime.date or an ISO string YYYY-MM-DD")


def _decimal_year_expr(col: str) -> pl.Expr:
    """Expression form of :func:`decimal_year` over a pl.Date column."""
    days = pl.when(pl.col(col).dt.is_leap_year()).then(366.0).otherwise(365.0)
    return pl.col(col).dt.year().cast(pl.Float64) + (pl.col(col).dt.ordinal_day() - 1) / days


def _date_expr(frame: pl.DataFrame, col: str) -> pl.Expr:
    """Expression turning column ``col`` (Date, Datetime or ISO string) into pl.Date."""
    if col not in frame.columns:
        raise ValueError(f"the frame has no column {col!r}; columns: {frame.columns}")
    dtype = frame.schema[col]
    if dtype == pl.Date:
        return pl.col(col)
    if isinstance(dtype, pl.Datetime):
        return pl.col(col).dt.date()
    if dtype == pl.String:
        return pl.col(col).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=True)
    raise ValueError(f"column {col!r} has type {dtype}; expected a date or an ISO date string")


def _require(frame: pl.DataFrame, cols: Iterable[str]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks column(s) {missing}; columns: {frame.columns}")


def months_between(start: dt.date | str, end: dt.date | str) -> float:
    """Months from ``start`` to ``end``: days / (365.25 / 12); negative if end < start."""
    d0, d1 = as_date(start, "start"), as_date(end, "end")
    return (d1 - d0).days / DAYS_PER_MONTH


def decimal_year(d: dt.date | str) -> float:
    """Year plus the elapsed fraction of it: 2024-07-02 -> 2024.5 (leap years honoured)."""
    d = as_date(d, "date")
    start = dt.date(d.year, 1, 1)
    length = (dt.date(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).days / length


# ---------------------------------------------------------------------------
# price conventions
# ---------------------------------------------------------------------------
def price_usd_per_mtok(input_usd_per_mtok: float, output_usd_per_mtok: float, convention: str) -> float:
    """One price in USD/Mtok from the input and output prices under ``convention``.

    mean_in_out = (in + out) / 2; blend_3to1 = (3 in + out) / 4 (Epoch AI and
    Artificial Analysis); input = in; output = out. E.g. GPT-4 (8k) at launch,
    30 in / 60 out: 45, 37.5, 30, 60.

    Raises ParameterError for an unknown convention (listing the allowed ones)
    or a non-positive price (naming the argument).
    """
    check_convention(convention)
    i = _positive(input_usd_per_mtok, "input_usd_per_mtok")
    o = _positive(output_usd_per_mtok, "output_usd_per_mtok")
    if convention == "mean_in_out":
        return (i + o) / 2.0
    if convention == "blend_3to1":
        return (3.0 * i + o) / 4.0
    return i if convention == "input" else o


def price_expr(convention: str, input_col: str = INPUT_COL, output_col: str = OUTPUT_COL) -> pl.Expr:
    """The polars expression of :func:`price_usd_per_mtok` over two price columns.

    Raises ParameterError for an unknown convention.
    """
    check_convention(convention)
    i, o = pl.col(input_col), pl.col(output_col)
    return {
        "mean_in_out": (i + o) / 2.0,
        "blend_3to1": (3.0 * i + o) / 4.0,
        "input": i.cast(pl.Float64),
        "output": o.cast(pl.Float64),
    }[convention]


# ---------------------------------------------------------------------------
# model lookup and the conventions table
# ---------------------------------------------------------------------------
def find_model(
    prices_df: pl.DataFrame,
    model: str,
    name: str = "model",
    model_col: str = MODEL_COL,
    date_col: str = DATE_COL,
    version_col: str = VERSION_COL,
) -> dict:
    """The earliest dated row of ``model`` in ``prices_df``, as a dict (date as ``datetime.date``).

    A name is matched exactly against ``model_col`` first; if nothing matches and
    the frame has ``version_col``, against that (so ``"gpt-4o-2024-08-06"``
    selects that version). Several rows with the name: the earliest date wins
    (the launch price), ties in file order. Rows without a date are skipped.

    Raises ParameterError naming ``name`` with up to five close names
    (difflib.get_close_matches) when the model is not in the table.
    """
    _require(prices_df, [model_col, date_col])
    frame = prices_df.with_columns(_date_expr(prices_df, date_col).alias(date_col)).filter(
        pl.col(date_col).is_not_null()
    )
    hits = frame.filter(pl.col(model_col) == model)
    if hits.height == 0 and version_col in frame.columns:
        hits = frame.filter(pl.col(version_col) == model)
    if hits.height == 0:
        names = frame[model_col].drop_nulls().unique(maintain_order=True).to_list()
        if version_col in frame.columns:
            names += frame[version_col].drop_nulls().unique(maintain_order=True).to_list()
        close = difflib.get_close_matches(str(model), names, n=5, cutoff=0.4)
        hint = "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None
        raise ParameterError(name, model, f"a model name from the price table's {model_col!r} column", hint)
    return hits.sort(date_col, maintain_order=True).row(0, named=True)


def convention_table(
    prices_df: pl.DataFrame,
    from_model: str,
    to_model: str,
    conventions: Iterable[str] = PRICE_CONVENTIONS,
) -> pl.DataFrame:
    """The price ratio from ``from_model`` to ``to_model`` under every convention.

    Each model is its earliest dated row (:func:`find_model`). Returns one row per
    convention with columns ``convention``, ``from_model``, ``to_model``,
    ``from_date``, ``to_date`` (pl.Date), ``months`` (period, days / 30.4375),
    ``from_usd_per_mtok``, ``to_usd_per_mtok``, ``ratio`` (from / to, > 1 for a
    drop) and ``x_per_year`` (ratio ** (12 / months); null when months <= 0).

    Example: GPT-4 (8k) (2023-03-14) to Gemini 1.5 Flash (2024-08-12) on
    mean_in_out is 45 / 0.1875 = 240 over 17.0 months.

    Raises ParameterError naming ``from_model``/``to_model`` (with close names)
    or ``conventions``; ValueError for a non-positive price in either row.
    """
    conventions = [check_convention(c, "conventions") for c in conventions]
    a = find_model(prices_df, from_model, name="from_model")
    b = find_model(prices_df, to_model, name="to_model")
    months = months_between(a[DATE_COL], b[DATE_COL])
    rows = []
    for c in conventions:
        p_from = price_usd_per_mtok(a[INPUT_COL], a[OUTPUT_COL], c)
        p_to = price_usd_per_mtok(b[INPUT_COL], b[OUTPUT_COL], c)
        ratio = p_from / p_to
        rows.append(
            {
                "convention": c,
                "from_model": a[MODEL_COL],
                "to_model": b[MODEL_COL],
                "from_date": a[DATE_COL],
                "to_date": b[DATE_COL],
                "months": months,
                "from_usd_per_mtok": p_from,
                "to_usd_per_mtok": p_to,
                "ratio": ratio,
                "x_per_year": ratio ** (12.0 / months) if months > 0 else None,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"x_per_year": pl.Float64})


def pairs_near(
    prices_df: pl.DataFrame,
    target_ratio: float = 240.0,
    tolerance: float = 0.1,
    conventions: Iterable[str] = PRICE_CONVENTIONS,
    score_col: str = SCORE_COL,
) -> pl.DataFrame:
    """Every dated (earlier, later) pair and convention whose price ratio is near ``target_ratio``.

    A pair is two rows of ``prices_df`` with the earlier date strictly before the
    later (same-day pairs have no period); every row counts, so a model with a
    later price cut appears once per dated price. "Near" means
    ``|ratio / target_ratio - 1| <= tolerance`` (tolerance 0.1 = within 10 %).

    Returns columns ``convention``, ``from_model``, ``from_version``,
    ``from_date``, ``to_model``, ``to_version``, ``to_date``, ``months``,
    ``from_usd_per_mtok``, ``to_usd_per_mtok``, ``ratio``, ``from_score``,
    ``to_score`` (from ``score_col``, e.g. MMLU) and ``capability_differs``:
    True when the later model scores below the earlier one (the drop then
    compares unequal models), False when it scores at least as high, null when
    either score is missing. Sorted by closeness (|ln(ratio / target)|).

    Raises ParameterError for a non-positive target or tolerance or an unknown
    convention.
    """
    target = _positive(target_ratio, "target_ratio")
    tol = _positive(tolerance, "tolerance")
    conventions = [check_convention(c, "conventions") for c in conventions]
    _require(prices_df, [DATE_COL, MODEL_COL, INPUT_COL, OUTPUT_COL, score_col])
    version = pl.col(VERSION_COL) if VERSION_COL in prices_df.columns else pl.lit(None, pl.String)
    base = prices_df.select(
        _date_expr(prices_df, DATE_COL).alias("date"),
        pl.col(MODEL_COL).alias("model"),
        version.cast(pl.String).alias("version"),
        pl.col(INPUT_COL).cast(pl.Float64),
        pl.col(OUTPUT_COL).cast(pl.Float64),
        pl.col(score_col).cast(pl.Float64).alias("score"),
    ).filter(pl.col("date").is_not_null())
    frames = []
    for c in conventions:
        priced = base.with_columns(price_expr(c).alias("price")).drop(INPUT_COL, OUTPUT_COL)
        pairs = (
            priced.rename(lambda n: f"from_{n}")
            .join(priced.rename(lambda n: f"to_{n}"), how="cross")
            .filter(pl.col("from_date") < pl.col("to_date"))
            .with_columns(
                pl.lit(c).alias("convention"),
                (pl.col("from_price") / pl.col("to_price")).alias("ratio"),
                ((pl.col("to_date") - pl.col("from_date")).dt.total_days() / DAYS_PER_MONTH).alias("months"),
            )
        )
        frames.append(pairs)
    allpairs = pl.concat(frames)
    near = allpairs.filter((pl.col("ratio") / target - 1.0).abs() <= tol)
    return near.select(
        "convention",
        "from_model",
        "from_version",
        "from_date",
        "to_model",
        "to_version",
        "to_date",
        "months",
        pl.col("from_price").alias("from_usd_per_mtok"),
        pl.col("to_price").alias("to_usd_per_mtok"),
        "ratio",
        "from_score",
        "to_score",
        (pl.col("to_score") < pl.col("from_score")).alias("capability_differs"),
    ).sort(
        (pl.col("ratio") / target).log().abs(), "from_date", "to_date", "convention", maintain_order=True
    )


# ---------------------------------------------------------------------------
# fixed-capability frontier and its decline
# ---------------------------------------------------------------------------
def fixed_capability_frontier(
    prices_df: pl.DataFrame,
    capability_threshold: float,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    price_convention: str = "blend_3to1",
    score_col: str = SCORE_COL,
) -> pl.DataFrame:
    """The cheapest price available at each date among models scoring >= a threshold.

    A model qualifies when its ``score_col`` is >= ``capability_threshold``
    (rows with a missing score never qualify). Availability: once released
    (its row's date), a price stays available for the rest of the period, so
    the frontier is the running minimum of the qualifying prices over dates;
    a later price cut of the same model is a new row and may lower it. Models
    dated before ``start_date`` count toward the running minimum, but points
    are reported only at qualifying dates inside [start_date, end_date].

    Returns one row per distinct qualifying date in the window, sorted by date:
    ``date`` (pl.Date), ``year`` (decimal), ``usd_per_mtok`` (the frontier
    price), ``model`` (the model holding it, the earliest on ties),
    ``new_low`` (True where the frontier fell on that date, or at the first
    point). ``start_date``/``end_date`` of None mean the first/last date in the
    table.

    Raises ParameterError naming ``capability_threshold`` (no model reaches it
    in the window), ``start_date``/``end_date`` (unparseable, or end before
    start) or ``price_convention``.
    """
    check_convention(price_convention, "price_convention")
    is_num = isinstance(capability_threshold, (int, float, np.integer, np.floating))
    if not is_num or isinstance(capability_threshold, bool) or not math.isfinite(capability_threshold):
        raise ParameterError("capability_threshold", capability_threshold, "a finite benchmark score")
    _require(prices_df, [DATE_COL, MODEL_COL, INPUT_COL, OUTPUT_COL, score_col])
    frame = prices_df.select(
        _date_expr(prices_df, DATE_COL).alias("date"),
        pl.col(MODEL_COL).alias("model"),
        price_expr(price_convention).alias("usd_per_mtok"),
        pl.col(score_col).cast(pl.Float64).alias("score"),
    ).filter(pl.col("date").is_not_null())
    if frame.height == 0:
        raise ValueError("the price frame has no dated rows")
    start = as_date(start_date, "start_date") if start_date is not None else frame["date"].min()
    end = as_date(end_date, "end_date") if end_date is not None else frame["date"].max()
    if end < start:
        raise ParameterError("end_date", end.isoformat(), f"a date on or after start_date ({start.isoformat()})")
    if frame.filter(pl.col("usd_per_mtok") <= 0).height:
        raise ValueError("the price frame has non-positive prices")
    qual = frame.filter(pl.col("score") >= capability_threshold, pl.col("date") <= end)
    qual = qual.sort("date", "usd_per_mtok", maintain_order=True)
    if qual.filter(pl.col("date") >= start).height == 0:
        best = frame.filter(pl.col("date") <= end)["score"].max()
        raise ParameterError(
            "capability_threshold",
            capability_threshold,
            f"a score reached by a model dated {start.isoformat()} to {end.isoformat()}",
            f"the highest {score_col} there is {best}",
        )
    # running minimum over rows in date order, then the value at the end of each date
    qual = qual.with_columns(pl.col("usd_per_mtok").cum_min().alias("frontier"))
    holder = qual.filter(pl.col("usd_per_mtok") == pl.col("frontier")).select(
        pl.col("frontier"), pl.col("model")
    ).unique(subset="frontier", keep="first", maintain_order=True)
    per_date = (
        qual.group_by("date", maintain_order=True)
        .agg(pl.col("frontier").last())
        .join(holder, on="frontier", how="left", maintain_order="left")
    )
    per_date = per_date.with_columns(
        (pl.col("frontier") < pl.col("frontier").shift(1)).fill_null(True).alias("new_low")
    ).filter(pl.col("date") >= start)
    # the first in-window point is where the fit starts, so it counts as a low
    per_date = per_date.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(True).otherwise(pl.col("new_low")).alias("new_low")
    )
    return per_date.select(
        "date",
        _decimal_year_expr("date").alias("year"),
        pl.col("frontier").alias("usd_per_mtok"),
        "model",
        "new_low",
    )


@dataclass(frozen=True)
class FixedCapabilityDecline:
    """Result of :func:`fixed_capability_decline`.

    ``frontier`` is the frame of :func:`fixed_capability_frontier`; ``fit`` the
    log-linear fit of the points used (``points``); ``x_per_year`` how many
    times cheaper per year, with ``x_per_year_ci`` at ``fit.confidence_level``.
    """

    frontier: pl.DataFrame
    fit: LogLinearFit
    points: str
    capability_threshold: float
    price_convention: str
    start_date: dt.date
    end_date: dt.date

    @property
    def x_per_year(self) -> float:
        return self.fit.decline_factor_per_year

    @property
    def x_per_year_ci(self) -> tuple[float, float]:
        return self.fit.decline_factor_per_year_ci


def fixed_capability_decline(
    prices_df: pl.DataFrame,
    capability_threshold: float,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    price_convention: str = "blend_3to1",
    score_col: str = SCORE_COL,
    points: str = "new_lows",
    confidence_level: float = 0.95,
) -> FixedCapabilityDecline:
    """Log-linear fit of the fixed-capability frontier, in x cheaper per year.

    ``points="new_lows"`` fits only the dates where the frontier fell (and the
    first point), like Epoch's "lowest price models above previous frontier"
    (Epoch AI, llm-benchmark-efficiency, 2025); ``"all_dates"`` fits the frontier
    at every qualifying date, repeating flat stretches. The fit is
    :func:`scalinglab.fits.fit_loglinear` of price on decimal years; the
    interval is Student-t at ``confidence_level`` (Epoch quotes 90 %). Epoch's
    x-axis is days / 365 rather than decimal years; on their own points the two
    give factors within 0.2 % of each other (ours reproduces theirs exactly with
    days / 365).

    Raises ParameterError as :func:`fixed_capability_frontier`, for an unknown
    ``points``, and when fewer than 3 points (or one date) remain to fit.
    """
    if points not in ("new_lows", "all_dates"):
        raise ParameterError("points", points, "'new_lows' or 'all_dates'")
    front = fixed_capability_frontier(
        prices_df, capability_threshold, start_date, end_date, price_convention, score_col
    )
    used = front.filter(pl.col("new_low")) if points == "new_lows" else front
    if used.height < 3 or used["year"].n_unique() < 2:
        raise ParameterError(
            "capability_threshold",
            capability_threshold,
            "a threshold leaving at least 3 frontier points on 2 dates to fit",
            f"{used.height} point(s) in the window",
        )
    fit = fit_loglinear(used["year"].to_numpy(), used["usd_per_mtok"].to_numpy(), confidence_level)
    dates = prices_df.select(_date_expr(prices_df, DATE_COL)).to_series().drop_nulls()
    start = as_date(start_date, "start_date") if start_date is not None else dates.min()
    end = as_date(end_date, "end_date") if end_date is not None else dates.max()
    return FixedCapabilityDecline(
        frontier=front,
        fit=fit,
        points=points,
        capability_threshold=float(capability_threshold),
        price_convention=price_convention,
        start_date=start,
        end_date=end,
    )


# ---------------------------------------------------------------------------
# Epoch's fitted factors
# ---------------------------------------------------------------------------
_INTERVAL = re.compile(r"^\s*\[\s*([^,\]]+?)\s*,\s*([^,\]]+?)\s*\]\s*$")


def parse_interval(text: str) -> tuple[float, float]:
    """``"[a, b]"`` -> (a, b) as floats; ``inf`` is accepted. Raises ValueError otherwise."""
    m = _INTERVAL.match(str(text))
    if not m:
        raise ValueError(f"not an interval of the form '[a, b]': {text!r}")
    return float(m.group(1)), float(m.group(2))


@dataclass(frozen=True)
class EpochFactor:
    """One row of Epoch's ``lowest_price_models_results.csv``.

    ``x_per_year`` is their price reduction factor per year; ``ci90`` its 90 %
    interval; ``threshold`` the lower end of ``performance_range``.
    """

    benchmark: str
    threshold_model: str
    threshold: float
    x_per_year: float
    ci90: tuple[float, float]
    sample_size: int
    start_date: dt.date
    end_date: dt.date
    r_squared: float


def epoch_decline_factor(
    results_df: pl.DataFrame, benchmark: str, capability_threshold: float
) -> EpochFactor | None:
    """Epoch's fitted decline for ``benchmark`` at ``capability_threshold``, or None.

    ``results_df`` is ``data/epoch-llm-inference-prices/results/
    lowest_price_models_results.csv`` as read by polars. The benchmark matches
    the ``bench`` column case-insensitively ("mmlu" finds "MMLU"); the
    threshold matches the lower end of ``performance_range`` within 1e-9.
    None when Epoch has no fit for that pair (they fit thresholds set by
    reference models only, e.g. MMLU 43.9, 64.8, 68, 86, 87).

    Raises DataFormatError for an unparseable ``performance_range`` or
    ``price_reduction_factor_per_year_90_ci`` cell.
    """
    _require(results_df, ["bench", "threshold_model", "performance_range",
                          "price_reduction_factor_per_year", "price_reduction_factor_per_year_90_ci",
                          "sample_size", "start_date", "end_date", "r_squared"])
    for i, row in enumerate(results_df.iter_rows(named=True), start=1):
        if str(row["bench"]).casefold() != str(benchmark).casefold():
            continue
        try:
            low, _ = parse_interval(row["performance_range"])
        except ValueError:
            raise DataFormatError(EPOCH_RESULTS_FILE, i, "performance_range", row["performance_range"],
                                  "an interval '[a, b]'") from None
        if abs(low - float(capability_threshold)) > 1e-9:
            continue
        try:
            ci = parse_interval(row["price_reduction_factor_per_year_90_ci"])
        except ValueError:
            raise DataFormatError(EPOCH_RESULTS_FILE, i, "price_reduction_factor_per_year_90_ci",
                                  row["price_reduction_factor_per_year_90_ci"], "an interval '[a, b]'") from None
        return EpochFactor(
            benchmark=row["bench"],
            threshold_model=row["threshold_model"],
            threshold=low,
            x_per_year=float(row["price_reduction_factor_per_year"]),
            ci90=ci,
            sample_size=int(row["sample_size"]),
            start_date=as_date(row["start_date"], "start_date"),
            end_date=as_date(row["end_date"], "end_date"),
            r_squared=float(row["r_squared"]),
        )
    return None


# ---------------------------------------------------------------------------
# first principles
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DecodeThroughput:
    """Decode tokens/s per GPU: both roofline bounds and the one that binds.

    ``memory_bound`` and ``compute_bound`` in tokens/s per GPU; ``tokens_per_s``
    their minimum; ``bound`` is ``"memory"`` or ``"compute"``.
    """

    memory_bound: float
    compute_bound: float

    @property
    def tokens_per_s(self) -> float:
        return min(self.memory_bound, self.compute_bound)

    @property
    def bound(self) -> str:
        return "memory" if self.memory_bound <= self.compute_bound else "compute"


def decode_throughput(
    hbm_bandwidth_tb_s: float,
    active_params_billion: float,
    bytes_per_param: float,
    batch_size: float,
    bandwidth_utilization: float,
    dense_tflops: float,
    compute_utilization: float,
    kv_cache_bytes_per_sequence: float = 0.0,
) -> DecodeThroughput:
    """Both roofline bounds on decode throughput per GPU (see :func:`decode_tokens_per_s_per_gpu`)."""
    bw = _positive(hbm_bandwidth_tb_s, "hbm_bandwidth_tb_s") * 1e12  # bytes/s (decimal TB)
    n = _positive(active_params_billion, "active_params_billion") * 1e9
    bpp = _positive(bytes_per_param, "bytes_per_param")
    b = _positive(batch_size, "batch_size")
    bw_u = _fraction(bandwidth_utilization, "bandwidth_utilization")
    flops = _positive(dense_tflops, "dense_tflops") * 1e12
    c_u = _fraction(compute_utilization, "compute_utilization")
    kv = float(kv_cache_bytes_per_sequence)
    if not math.isfinite(kv) or kv < 0:
        raise ParameterError("kv_cache_bytes_per_sequence", kv_cache_bytes_per_sequence, "a finite number >= 0")
    # one step emits one token per sequence and reads the weights once (+ each sequence's KV cache)
    memory = b * bw * bw_u / (n * bpp + b * kv)
    # 2 FLOPs per active parameter per token (Kaplan et al. 2020)
    compute = flops * c_u / (2.0 * n)
    return DecodeThroughput(memory_bound=memory, compute_bound=compute)


def decode_tokens_per_s_per_gpu(
    hbm_bandwidth_tb_s: float,
    active_params_billion: float,
    bytes_per_param: float,
    batch_size: float,
    bandwidth_utilization: float,
    dense_tflops: float,
    compute_utilization: float,
    kv_cache_bytes_per_sequence: float = 0.0,
) -> float:
    """Decode throughput in output tokens per second per GPU, the lower of two bounds.

    memory bound  = batch * HBM bytes/s * bandwidth_utilization
                    / (active params * bytes_per_param + batch * kv_cache_bytes_per_sequence)
    compute bound = dense FLOP/s * compute_utilization / (2 * active params)

    Units: ``hbm_bandwidth_tb_s`` in TB/s (1e12 bytes/s, as datasheets print),
    ``active_params_billion`` in 1e9 parameters, ``dense_tflops`` dense (not
    2:4-sparse) peak at the chosen precision in 1e12 FLOP/s, utilizations as
    fractions in (0, 1] (``compute_utilization`` is the MFU).

    Assumptions: decode only (prefill and prompt tokens are not counted); each
    decode step reads the active weights once for the whole batch and emits one
    token per sequence; the weights fit on one GPU (with tensor parallelism
    over k GPUs, per-GPU bandwidth and FLOPs and 1/k of the weights give the
    same per-GPU result, communication ignored); KV-cache reads are ignored
    unless ``kv_cache_bytes_per_sequence`` (bytes read per sequence per step) is
    given; for mixture-of-experts models at large batch, the experts touched
    exceed the "active" ones, so the memory bound is optimistic.

    Raises ParameterError naming any non-positive size, bandwidth or FLOP rate,
    or a utilization outside (0, 1].
    """
    return decode_throughput(
        hbm_bandwidth_tb_s, active_params_billion, bytes_per_param, batch_size,
        bandwidth_utilization, dense_tflops, compute_utilization, kv_cache_bytes_per_sequence,
    ).tokens_per_s


def usd_per_mtok(gpu_hour_usd: float, tokens_per_s_per_gpu: float) -> float:
    """USD per million tokens = gpu_hour_usd / (tokens_per_s_per_gpu * 3600) * 1e6.

    Raises ParameterError naming a non-positive argument.
    """
    price = _positive(gpu_hour_usd, "gpu_hour_usd")
    rate = _positive(tokens_per_s_per_gpu, "tokens_per_s_per_gpu")
    return price / (rate * 3600.0) * 1e6


# ---------------------------------------------------------------------------
# rental prices
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RentalPrice:
    """Median on-demand rental price of one chip over a date window.

    ``median_usd_per_chip_hour`` over ``rows`` (the frame of counted rows:
    date, vendor, price); ``n`` its length; ``low``/``high`` the extremes.
    """

    hardware_model: str
    median_usd_per_chip_hour: float
    n: int
    low: float
    high: float
    rows: pl.DataFrame


def median_rental_usd_per_chip_hour(
    hardware_prices_df: pl.DataFrame,
    hardware_model: str,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    dedupe_node_sizes: bool = True,
    model_col: str = HW_MODEL_COL,
    date_col: str = HW_DATE_COL,
    vendor_col: str = HW_VENDOR_COL,
    price_col: str = HW_ON_DEMAND_COL,
) -> RentalPrice:
    """Median on-demand price per chip-hour of ``hardware_model`` in a date window.

    ``hardware_prices_df`` is ``data/epoch-ml-hardware/hardware_prices.csv``
    (Epoch AI, training-cost-trends). Rows that count: ``Hardware model`` equal
    to ``hardware_model`` exactly (e.g. ``"NVIDIA H100 SXM5 80GB"``; the PCIe and
    NVL variants are separate names), a ``Price date`` inside
    [start_date, end_date] (inclusive; None = open), and a positive
    ``Price per chip-hour (on-demand)``. Purchase prices and 1- or 3-year
    committed-use prices are not used. With ``dedupe_node_sizes`` (default),
    rows equal in date, vendor and price count once: several vendors list the
    same per-chip price for 1-, 2-, 4- and 8-GPU instances, which would
    otherwise weigh that vendor four times.

    Raises ParameterError naming ``hardware_model`` (with close names) when the
    name is absent or has no dated on-demand price (e.g. ``"NVIDIA B200"``,
    purchase prices only), ``end_date`` when before ``start_date``, and
    ``start_date`` when the window holds no row; DataFormatError for an
    unparseable price cell.
    """
    _require(hardware_prices_df, [model_col, date_col, vendor_col, price_col])
    names = hardware_prices_df[model_col].drop_nulls().unique(maintain_order=True).to_list()
    if hardware_model not in names:
        close = difflib.get_close_matches(str(hardware_model), names, n=5, cutoff=0.4)
        hint = "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None
        raise ParameterError("hardware_model", hardware_model, f"a name from the {model_col!r} column", hint)
    start = as_date(start_date, "start_date") if start_date is not None else None
    end = as_date(end_date, "end_date") if end_date is not None else None
    if start and end and end < start:
        raise ParameterError("end_date", end.isoformat(), f"a date on or after start_date ({start.isoformat()})")
    frame = hardware_prices_df.with_row_index("_row", offset=1).filter(pl.col(model_col) == hardware_model)
    price = pl.col(price_col)
    if frame.schema[price_col] == pl.String:
        parsed = frame.with_columns(price.str.strip_chars().cast(pl.Float64, strict=False).alias("_p"))
        bad = parsed.filter(pl.col("_p").is_null() & price.is_not_null() & (price.str.strip_chars() != ""))
        if bad.height:
            r = bad.row(0, named=True)
            raise DataFormatError(
                "epoch-ml-hardware/hardware_prices.csv", r["_row"], price_col, r[price_col], "a number"
            )
        frame = parsed.with_columns(pl.col("_p").alias(price_col)).drop("_p")
    rows = frame.select(
        _date_expr(frame, date_col).alias("date"),
        pl.col(vendor_col).alias("vendor"),
        pl.col(price_col).cast(pl.Float64).alias("usd_per_chip_hour"),
    ).filter(pl.col("date").is_not_null(), pl.col("usd_per_chip_hour") > 0)
    if rows.height == 0:
        raise ParameterError("hardware_model", hardware_model, "a chip with dated on-demand rental prices",
                             "the data has only purchase or committed-use prices for it")
    if start:
        rows = rows.filter(pl.col("date") >= start)
    if end:
        rows = rows.filter(pl.col("date") <= end)
    if dedupe_node_sizes:
        rows = rows.unique(subset=["date", "vendor", "usd_per_chip_hour"], keep="first", maintain_order=True)
    rows = rows.sort("date", "vendor", maintain_order=True)
    if rows.height == 0:
        raise ParameterError("start_date", start_date, f"a window holding on-demand prices for {hardware_model}",
                             f"none from {start or 'the first date'} to {end or 'the last date'}")
    p = rows["usd_per_chip_hour"]
    return RentalPrice(
        hardware_model=hardware_model,
        median_usd_per_chip_hour=float(p.median()),
        n=rows.height,
        low=float(p.min()),
        high=float(p.max()),
        rows=rows,
    )


# ---------------------------------------------------------------------------
# decomposition
# ---------------------------------------------------------------------------
def decompose(observed_ratio: float, factors: dict[str, float]) -> list[tuple[str, float]]:
    """Split an observed drop into named multiplicative factors and a residual.

    Returns ``[(name, factor), ...]`` in the order of ``factors``, followed by
    ``("residual", observed_ratio / product of the factors)``, so the product of
    every returned factor is ``observed_ratio``. A factor > 1 is a drop (e.g.
    hardware generation 3.0 = three times more tokens per dollar). Typical
    names: hardware generation, precision, software, model size at equal
    capability; the residual then holds pricing, margins and competition. It is
    an accounting identity under the assumption that the factors are
    independent and multiply, not a measurement of the residual.

    Raises ParameterError naming ``observed_ratio`` or the offending factor when
    a value is not positive and finite, or ``factors`` when a name is "residual".
    """
    obs = _positive(observed_ratio, "observed_ratio")
    if RESIDUAL in factors:
        raise ParameterError("factors", list(factors), f"names other than {RESIDUAL!r} (it is computed)")
    out = [(str(k), _positive(v, f"factors[{k!r}]")) for k, v in factors.items()]
    product = math.prod(v for _, v in out)
    return out + [(RESIDUAL, obs / product)]


# ---------------------------------------------------------------------------
# helpers over the typed loaders of scalinglab.data (the chapter's entry points)
# ---------------------------------------------------------------------------
#: Column names of :func:`scalinglab.data.load_hardware_prices`, as keyword
#: arguments of :func:`median_rental_usd_per_chip_hour`.
LOADER_HW_COLUMNS: dict[str, str] = {
    "model_col": "hardware_model",
    "date_col": "price_date",
    "vendor_col": "vendor",
    "price_col": "on_demand_usd_per_chip_hour",
}

#: GPU name in the curated spec table -> the same board's ``Hardware model`` in
#: Epoch's hardware price data (the spec table's variant: SXM, 80 GB for A100).
RENTAL_HARDWARE_MODEL: dict[str, str] = {
    "V100": "NVIDIA Tesla V100 SXM2 16 GB",
    "A100": "NVIDIA A100 SXM4 80 GB",
    "H100": "NVIDIA H100 SXM5 80GB",
    "H200": "NVIDIA H200 SXM",
    "B200": "NVIDIA B200",
}

#: Weight formats, narrowest first: (name, bytes per parameter, spec-table column of its dense peak).
WEIGHT_FORMATS: tuple[tuple[str, float, str], ...] = (
    ("FP4", 0.5, "fp4_dense_tflops"),
    ("FP8", 1.0, "fp8_dense_tflops"),
    ("BF16", 2.0, "bf16_fp16_dense_tflops"),
    ("TF32", 4.0, "tf32_dense_tflops"),
)


def gpu_spec(specs_df: pl.DataFrame, gpu: str, name: str = "gpu") -> dict:
    """The row of ``gpu`` in the curated spec table (:func:`scalinglab.data.load_gpu_specs`), as a dict.

    Only GPUs with an HBM bandwidth and a dense BF16 peak qualify (the roofline
    needs both). Raises ParameterError naming ``name`` with the qualifying names
    (close ones first) otherwise.
    """
    _require(specs_df, ["gpu", "hbm_tb_per_s", "bf16_fp16_dense_tflops"])
    ok = specs_df.filter(pl.col("hbm_tb_per_s").is_not_null() & pl.col("bf16_fp16_dense_tflops").is_not_null())
    names = ok["gpu"].to_list()
    hits = ok.filter(pl.col("gpu") == gpu)
    if hits.height == 0:
        close = difflib.get_close_matches(str(gpu), names, n=3, cutoff=0.3)
        hint = "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None
        raise ParameterError(name, gpu, "a GPU of the spec table with HBM bandwidth and BF16 peak: " + ", ".join(names),
                             hint)
    return hits.row(0, named=True)


def weight_format(bytes_per_param: float, name: str = "bytes_per_param") -> str:
    """The narrowest format holding a weight of ``bytes_per_param`` bytes: 0.5 FP4, 1 FP8, 2 BF16, 4 TF32.

    In-between sizes round up (0.75 -> FP8). Raises ParameterError naming
    ``name`` for a non-positive size or one above 4 bytes.
    """
    b = _positive(bytes_per_param, name)
    for fmt, width, _ in WEIGHT_FORMATS:
        if b <= width + 1e-12:
            return fmt
    raise ParameterError(name, bytes_per_param, "a size in (0, 4] bytes per parameter (FP4 0.5, FP8 1, BF16 2, FP32 4)")


def dense_tflops_for(spec_row: dict, bytes_per_param: float, name: str = "bytes_per_param") -> tuple[float, str]:
    """(dense peak TFLOP/s, format used) for weights of ``bytes_per_param`` bytes on a spec-table GPU.

    The format is :func:`weight_format`. When the GPU has no tensor-core peak
    for it (A100 has no FP8 or FP4, H100 no FP4), the next wider format it has
    is used: weight-only quantisation, where weights are stored narrow (so
    the bandwidth bound gains) and the arithmetic runs in the wider format.
    """
    fmt = weight_format(bytes_per_param, name)
    start = [f for f, _, _ in WEIGHT_FORMATS].index(fmt)
    for f, _, col in WEIGHT_FORMATS[start:]:
        v = spec_row.get(col)
        if v is not None and math.isfinite(float(v)) and float(v) > 0:
            return float(v), f
    raise ParameterError("gpu", spec_row.get("gpu"), f"a GPU with a dense peak for {fmt} or a wider format")


@dataclass(frozen=True)
class DecodeCost(DecodeThroughput):
    """Decode throughput and cost of one configuration (see :func:`decode_cost`).

    Adds to :class:`DecodeThroughput` the GPU, formats, model size, batch and the
    GPU-hour price (USD) behind the bounds.
    """

    gpu: str = ""
    weight_format: str = ""
    compute_format: str = ""
    bytes_per_param: float = 0.0
    active_params_billion: float = 0.0
    batch_size: float = 0.0
    gpu_hour_usd: float = 0.0

    @property
    def usd_per_mtok(self) -> float:
        return usd_per_mtok(self.gpu_hour_usd, self.tokens_per_s)


def decode_cost(
    spec_row: dict,
    gpu_hour_usd: float,
    active_params_billion: float,
    bytes_per_param: float,
    batch_size: float,
    bandwidth_utilization: float,
    compute_utilization: float,
    kv_cache_bytes_per_sequence: float = 0.0,
) -> DecodeCost:
    """Roofline decode throughput and USD per million output tokens on one spec-table GPU.

    ``spec_row`` is a row of :func:`scalinglab.data.load_gpu_specs` (``gpu_spec``);
    bandwidth from ``hbm_tb_per_s``, compute from :func:`dense_tflops_for`. The
    formula and its assumptions are those of :func:`decode_tokens_per_s_per_gpu`
    and :func:`usd_per_mtok`. Raises ParameterError naming a bad argument.
    """
    tflops, compute_fmt = dense_tflops_for(spec_row, bytes_per_param)
    t = decode_throughput(spec_row["hbm_tb_per_s"], active_params_billion, bytes_per_param, batch_size,
                          bandwidth_utilization, tflops, compute_utilization, kv_cache_bytes_per_sequence)
    return DecodeCost(
        gpu=str(spec_row.get("gpu")),
        weight_format=weight_format(bytes_per_param),
        compute_format=compute_fmt,
        bytes_per_param=float(bytes_per_param),
        active_params_billion=float(active_params_billion),
        batch_size=float(batch_size),
        memory_bound=t.memory_bound,
        compute_bound=t.compute_bound,
        gpu_hour_usd=_positive(gpu_hour_usd, "gpu_hour_usd"),
    )


def gpu_rental_price(
    hardware_prices_df: pl.DataFrame,
    gpu: str,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    name: str = "gpu_hour_usd",
) -> RentalPrice:
    """Median on-demand rental price of spec-table GPU ``gpu`` from the loader's hardware prices.

    ``hardware_prices_df`` is :func:`scalinglab.data.load_hardware_prices`; the
    board is :data:`RENTAL_HARDWARE_MODEL` [gpu]; the median is
    :func:`median_rental_usd_per_chip_hour` (on-demand only, node sizes
    de-duplicated). Raises ParameterError naming ``name`` (the parameter that
    must then be given, ``gpu_hour_usd``) when the data has no on-demand price
    for that GPU, e.g. B200 (a purchase price only).
    """
    board = RENTAL_HARDWARE_MODEL.get(gpu)
    why = f"the hardware price data has no on-demand rental price for {gpu}"
    if board is None:
        raise ParameterError(name, None, "a price in USD per GPU-hour", why + "; give one")
    try:
        return median_rental_usd_per_chip_hour(hardware_prices_df, board, start_date, end_date, **LOADER_HW_COLUMNS)
    except ParameterError as err:
        if err.name == "end_date":
            raise
        raise ParameterError(name, None, "a price in USD per GPU-hour", f"{why} ({board}); give one") from None


@dataclass(frozen=True)
class PurchaseScaledRental:
    """A rental price estimated from purchase prices (see :func:`purchase_scaled_rental`)."""

    gpu: str
    reference_gpu: str
    usd_per_chip_hour: float
    reference_usd_per_chip_hour: float
    purchase_ratio: float
    n_purchase: int
    n_reference_purchase: int


def purchase_scaled_rental(hardware_prices_df: pl.DataFrame, gpu: str, reference_gpu: str = "H100") -> PurchaseScaledRental:
    """Estimate an on-demand price for a GPU without rental data from its purchase price.

    usd_per_chip_hour = median rental of ``reference_gpu`` x (median purchase
    price per chip of ``gpu`` / median purchase price per chip of
    ``reference_gpu``): rental assumed proportional to the capital cost of the
    chip. Purchase rows are ``purchase_usd`` of the boards in
    :data:`RENTAL_HARDWARE_MODEL` (Epoch records them per chip). Raises
    ParameterError naming ``gpu`` when it has no purchase price.
    """
    ref = gpu_rental_price(hardware_prices_df, reference_gpu, name="reference_gpu")

    def purchases(g: str) -> pl.Series:
        board = RENTAL_HARDWARE_MODEL.get(g)
        if board is None:
            raise ParameterError("gpu", g, "a GPU with a purchase price in the hardware price data")
        s = hardware_prices_df.filter(pl.col("hardware_model") == board)["purchase_usd"].drop_nulls()
        s = s.filter(s > 0)
        if s.len() == 0:
            raise ParameterError("gpu", g, "a GPU with a purchase price in the hardware price data")
        return s

    p, r = purchases(gpu), purchases(reference_gpu)
    ratio = float(p.median()) / float(r.median())
    return PurchaseScaledRental(gpu=gpu, reference_gpu=reference_gpu,
                                usd_per_chip_hour=ref.median_usd_per_chip_hour * ratio,
                                reference_usd_per_chip_hour=ref.median_usd_per_chip_hour,
                                purchase_ratio=ratio, n_purchase=p.len(), n_reference_purchase=r.len())


def sensitivity_grid(
    specs_df: pl.DataFrame,
    gpu_hour_usd: dict[str, float],
    bytes_per_param_values: Iterable[float],
    batch_sizes: Iterable[float],
    active_params_billion: float,
    bandwidth_utilization: float,
    compute_utilization: float,
) -> pl.DataFrame:
    """:func:`decode_cost` over GPUs (the keys of ``gpu_hour_usd``, with their USD per GPU-hour),
    weight sizes and batch sizes.

    Returns one row per combination: ``gpu``, ``weight_format``,
    ``compute_format``, ``bytes_per_param``, ``batch_size``, ``tokens_per_s``
    (per GPU), ``bound``, ``gpu_hour_usd``, ``usd_per_mtok``.
    """
    rows = []
    for g, price in gpu_hour_usd.items():
        spec = gpu_spec(specs_df, g)
        for bpp in bytes_per_param_values:
            for b in batch_sizes:
                c = decode_cost(spec, price, active_params_billion, bpp, b, bandwidth_utilization, compute_utilization)
                rows.append({"gpu": g, "weight_format": c.weight_format, "compute_format": c.compute_format,
                             "bytes_per_param": float(bpp), "batch_size": float(b), "tokens_per_s": c.tokens_per_s,
                             "bound": c.bound, "gpu_hour_usd": float(price), "usd_per_mtok": c.usd_per_mtok})
    return pl.DataFrame(rows)


def modelled_factors(
    baseline: DecodeCost,
    new_gpu_spec: dict,
    new_gpu_hour_usd: float,
    bytes_per_param: float,
    active_params_billion: float,
    software_speedup: float,
    bandwidth_utilization: float,
    compute_utilization: float,
) -> dict[str, float]:
    """The modelled factors of a cost drop, each a ratio of :func:`decode_cost` costs.

    Starting from ``baseline`` (old GPU, old precision, old model size), one
    change at a time, in this order:

    * ``hardware generation``: the new GPU at its rental price, same precision and model
      (tokens/s per dollar of the new GPU over the old);
    * ``precision``: weights of ``bytes_per_param`` bytes on the new GPU;
    * ``software``: ``software_speedup`` (same hardware, newer serving software);
    * ``model size``: ``active_params_billion`` active parameters instead of the baseline's.

    The batch size and utilisations stay those of the baseline. The factors
    multiply exactly to the modelled overall drop (cost before / cost after).
    Raises ParameterError naming a bad argument.
    """
    sw = _positive(software_speedup, "software_speedup")
    args = (baseline.batch_size, bandwidth_utilization, compute_utilization)
    c1 = decode_cost(new_gpu_spec, new_gpu_hour_usd, baseline.active_params_billion, baseline.bytes_per_param, *args)
    c2 = decode_cost(new_gpu_spec, new_gpu_hour_usd, baseline.active_params_billion, bytes_per_param, *args)
    c3 = decode_cost(new_gpu_spec, new_gpu_hour_usd, active_params_billion, bytes_per_param, *args)
    return {
        "hardware generation": baseline.usd_per_mtok / c1.usd_per_mtok,
        "precision": c1.usd_per_mtok / c2.usd_per_mtok,
        "software": sw,
        "model size": c2.usd_per_mtok / c3.usd_per_mtok,
    }


def waterfall_frame(steps: list[tuple[str, float]], total_label: str = "observed drop") -> pl.DataFrame:
    """Bars of a multiplicative waterfall from :func:`decompose` output.

    Each step runs from the running product before it (``start``) to after it
    (``end``); a last bar ``total_label`` runs from 1 to the product of all
    steps. Columns: ``order``, ``step``, ``factor``, ``start``, ``end``, ``kind``
    (``"factor"``, ``"residual"`` or ``"total"``).
    """
    rows, acc = [], 1.0
    for i, (name, f) in enumerate(steps):
        f = _positive(f, f"steps[{name!r}]")
        rows.append({"order": i, "step": name, "factor": f, "start": acc, "end": acc * f,
                     "kind": "residual" if name == RESIDUAL else "factor"})
        acc *= f
    rows.append({"order": len(rows), "step": total_label, "factor": acc, "start": 1.0, "end": acc, "kind": "total"})
    return pl.DataFrame(rows)


def epoch_factor_from_fits(fits_df: pl.DataFrame, benchmark: str, capability_threshold: float) -> EpochFactor | None:
    """:func:`epoch_decline_factor` over :func:`scalinglab.data.load_epoch_price_fits` (its column names).

    The benchmark matches ``bench`` case-insensitively; the threshold matches
    ``threshold_score`` within 1e-9. None when Epoch has no fit there.
    """
    _require(fits_df, ["bench", "threshold_model", "threshold_score", "decline_x_per_year",
                       "decline_x_per_year_ci90_low", "decline_x_per_year_ci90_high", "sample_size",
                       "start_date", "end_date", "r_squared"])
    for row in fits_df.iter_rows(named=True):
        if str(row["bench"]).casefold() != str(benchmark).casefold():
            continue
        if row["threshold_score"] is None or abs(row["threshold_score"] - float(capability_threshold)) > 1e-9:
            continue
        return EpochFactor(
            benchmark=row["bench"], threshold_model=row["threshold_model"], threshold=float(row["threshold_score"]),
            x_per_year=float(row["decline_x_per_year"]),
            ci90=(float(row["decline_x_per_year_ci90_low"]), float(row["decline_x_per_year_ci90_high"])),
            sample_size=int(row["sample_size"]), start_date=as_date(row["start_date"], "start_date"),
            end_date=as_date(row["end_date"], "end_date"), r_squared=float(row["r_squared"]),
        )
    return None
