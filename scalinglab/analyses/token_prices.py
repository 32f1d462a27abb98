"""Price analysis of the token chapter: price conventions, dated pairs, the fixed-capability frontier and its decline.

Prices in USD per million tokens (USD/Mtok). Conventions (:data:`PRICE_CONVENTIONS`):

* ``mean_in_out``  (input + output) / 2 (a16z)
* ``blend_3to1``   (3 input + output) / 4, the blend Epoch AI and Artificial Analysis quote
* ``input``        input price only
* ``output``       output price only

Frames of dated API prices use the columns of :func:`scalinglab.data.load_llm_prices`
(``effective_date``, ``model``, ``model_version``, ``input_usd_per_mtok``, ``output_usd_per_mtok``,
``mmlu``). Bad arguments raise :class:`~scalinglab.errors.ParameterError` naming the argument.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from scalinglab.data.prices import as_date
from scalinglab.errors import ParameterError
from scalinglab.models.fits import LogLinearFit, fit_loglinear

#: The price conventions every function here accepts, in display order.
PRICE_CONVENTIONS: tuple[str, ...] = ("mean_in_out", "blend_3to1", "input", "output")

#: Reader-facing label of each convention.
CONVENTION_LABELS: dict[str, str] = {
    "mean_in_out": "mean of input and output",
    "blend_3to1": "3:1 input:output blend",
    "input": "input price",
    "output": "output price",
}

#: Benchmarks whose scores the curated price table carries (column = lower-case name).
BENCHMARKS: tuple[str, ...] = ("MMLU",)

#: Ways of choosing the points of the fixed-capability fit.
FIT_POINTS: tuple[str, ...] = ("new_lows", "all_dates")

#: Days per month used for periods: a Julian year of 365.25 days over 12.
DAYS_PER_MONTH: float = 365.25 / 12.0

DATE_COL = "effective_date"
MODEL_COL = "model"
VERSION_COL = "model_version"
INPUT_COL = "input_usd_per_mtok"
OUTPUT_COL = "output_usd_per_mtok"
SCORE_COL = "mmlu"


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
    (the first dated price in the table, not necessarily the launch price), ties in file order. Rows without a date are skipped.

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
    ).sort((pl.col("ratio") / target).log().abs(), "from_date", "to_date", "convention", maintain_order=True)


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
    holder = (
        qual.filter(pl.col("usd_per_mtok") == pl.col("frontier"))
        .select(pl.col("frontier"), pl.col("model"))
        .unique(subset="frontier", keep="first", maintain_order=True)
    )
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
