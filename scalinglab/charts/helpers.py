"""Helpers chapter code uses to meet the chart rules: positive values on log axes, UTC dates."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

#: Vega-Lite time unit that shows a calendar date the same in every timezone.
UTC_DAY = "utcyearmonthdate"


def log_positive(df: pl.DataFrame, *fields: str, label: str | None = None) -> tuple[pl.DataFrame, str | None]:
    """Rows of ``df`` whose ``fields`` are all > 0, and the note to show when some were dropped.

    Parameters
    ----------
    df
        Rows to plot; ``fields`` are numeric columns shown on a log axis.
    fields
        Column names on log axes.
    label
        How the note names the rows (default ``"rows"``).

    Returns
    -------
    (polars.DataFrame, str or None)
        The kept rows (order preserved) and a note such as ``"2 rows with a zero or negative
        energy_pj omitted (log axis)"``, or ``None`` when nothing was dropped. Pass the note to
        :func:`scalinglab.charts.finish` as (part of) the subtitle so the reader sees it.

    Raises
    ------
    KeyError
        When a field is not a column of ``df``.
    """
    missing = [f for f in fields if f not in df.columns]
    if missing:
        raise KeyError(f"log_positive: no column {missing[0]!r}; columns are {df.columns}")
    keep = pl.all_horizontal([pl.col(f).is_not_null() & (pl.col(f) > 0) for f in fields]) if fields else pl.lit(True)
    kept = df.filter(keep)
    dropped = df.height - kept.height
    if not dropped:
        return kept, None
    what = label or ("row" if dropped == 1 else "rows")
    return kept, f"{dropped} {what} with a zero, negative or missing {' or '.join(fields)} omitted (log axis)"


def utc_dates(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """``df`` with date/datetime ``columns`` as ISO strings that browsers read as UTC.

    Dates become ``YYYY-MM-DD`` and datetimes ``YYYY-MM-DDTHH:MM:SSZ``; combined with
    :func:`utc_date` encodings every reader sees the data's calendar day, whatever their timezone.
    """
    exprs = []
    for c in columns:
        dtype = df.schema[c]
        if dtype == pl.Date:
            exprs.append(pl.col(c).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            col = pl.col(c) if dtype.time_zone is None else pl.col(c).dt.convert_time_zone("UTC")
            exprs.append(col.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
        else:
            raise TypeError(f"utc_dates: column {c!r} is {dtype}, not a date or datetime")
    return df.with_columns(exprs)


def utc_date(field: str, title: str, channel: str = "x", **kwargs: Any) -> Any:
    """An altair encoding of a date field shown as the same calendar day in every timezone.

    ``channel`` is ``"x"``, ``"y"`` or ``"tooltip"``; extra keyword arguments go to the channel
    (e.g. ``axis=alt.Axis(format="%Y")``). Tooltips show ``YYYY-MM-DD`` unless ``format`` is given.
    """
    cls = {"x": alt.X, "y": alt.Y, "tooltip": alt.Tooltip}[channel]
    if channel == "tooltip":
        kwargs.setdefault("format", "%Y-%m-%d")
    else:
        kwargs.setdefault("scale", alt.Scale(type="utc"))
    return cls(field, type="temporal", timeUnit=UTC_DAY, title=title, **kwargs)
