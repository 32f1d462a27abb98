"""Formatted tables for readers (great_tables over polars frames).

Every table a reader sees goes through :func:`table`: labels with units, numbers to meaningful
digits, years as integers, missing values as an en dash with a footnote, and a source note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import great_tables as gt
import polars as pl

EN_DASH = "\u2013"
MISSING_NOTE = f"{EN_DASH} no value in the data or not applicable."


def _is_year(name: str) -> bool:
    return name == "year" or name.endswith("_year") or name.startswith("year_")


def table(
    df: pl.DataFrame,
    *,
    title: str,
    source: str,
    labels: Mapping[str, str] | None = None,
    decimals: Mapping[str, int] | None = None,
    sigfig: int = 3,
    integers: Sequence[str] = (),
    subtitle: str | None = None,
    notes: Sequence[str] = (),
) -> gt.GT:
    """A reader-facing table of ``df``.

    Parameters
    ----------
    df
        Rows to show, in the order shown (sort before calling).
    title
        Table title (a sentence, no trailing period needed).
    source
        Source line, e.g. ``"Epoch AI, Data on GPU Clusters (CC BY 4.0)"``.
    labels
        Column name -> label with unit (``{"bandwidth_gb_s": "Bandwidth (GB/s)"}``); unnamed columns keep
        their names.
    decimals
        Column name -> fixed number of decimals; other float columns get ``sigfig`` significant digits.
    sigfig
        Significant digits for float columns without an entry in ``decimals``.
    integers
        Extra columns shown as integers without thousands separators (columns named ``year``,
        ``*_year`` or ``year_*`` are always shown so).
    subtitle
        Optional subtitle.
    notes
        Extra source notes (one line each).

    Returns
    -------
    great_tables.GT
        Displays itself in a notebook.
    """
    labels = dict(labels or {})
    decimals = dict(decimals or {})
    t = gt.GT(df).tab_header(title=title, subtitle=subtitle)
    years = [c for c in df.columns if _is_year(c) or c in integers]
    if years:
        t = t.fmt_integer(columns=years, use_seps=False)
    for c, d in decimals.items():
        t = t.fmt_number(columns=c, decimals=d)
    floats = [c for c, dt in df.schema.items() if dt.is_float() and c not in decimals and c not in years]
    if floats:
        t = t.fmt_number(columns=floats, n_sigfig=sigfig)
    ints = [c for c, dt in df.schema.items() if dt.is_integer() and c not in years]
    if ints:
        t = t.fmt_integer(columns=ints)
    if labels:
        t = t.cols_label(**{k: v for k, v in labels.items() if k in df.columns})
    t = t.sub_missing(missing_text=EN_DASH)
    has_missing = any(df[c].null_count() > 0 for c in df.columns) or any(
        df[c].is_nan().any() for c, dt in df.schema.items() if dt.is_float()
    )
    t = t.tab_source_note(f"Source: {source}")
    for n in notes:
        t = t.tab_source_note(n)
    if has_missing:
        t = t.tab_source_note(MISSING_NOTE)
    return t
