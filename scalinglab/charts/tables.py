"""Formatted tables for readers (great_tables over polars frames).

Every table a reader sees goes through :func:`table`: labels with units, numbers to meaningful
digits, years as integers, missing values as an en dash with a footnote, and a source note.
The table's element id is a hash of its title and data (great_tables otherwise draws a random
id, so two builds differed), it scrolls inside its own box on a narrow screen, and it offers
its rows as CSV (a ``data:`` link, so it works offline).
"""

from __future__ import annotations

import hashlib
import html
import urllib.parse
from collections.abc import Mapping, Sequence

import great_tables as gt
import polars as pl

EN_DASH = "\u2013"
MISSING_NOTE = f"{EN_DASH} no value in the data or not applicable."


def _is_year(name: str) -> bool:
    return name == "year" or name.endswith("_year") or name.startswith("year_")


class BookTable(gt.GT):
    """A great_tables ``GT`` that displays inside a scrolling box with a "Data (CSV)" link.

    Every GT method returns a ``BookTable`` again, so chapter code can keep chaining
    (``table(...).tab_spanner(...)``).
    """

    def csv(self) -> str:
        """The rows as CSV, unformatted, with the data's column names."""
        data = self._tbl_data
        return data.write_csv() if isinstance(data, pl.DataFrame) else pl.from_pandas(data).write_csv()

    _build_specific = False

    def build_specific(self) -> BookTable:
        """Mark the table as a measurement of the build machine (class ``build-specific``): the page shows it as
        such and the build-twice comparison leaves it out. Call it last (other GT methods return a new table).
        """
        self._build_specific = True
        return self

    def _repr_html_(self) -> str:
        table_id = html.escape(str(self._options.table_id.value or "table"), quote=True)
        href = "data:text/csv;charset=utf-8," + urllib.parse.quote(self.csv())
        extra = " build-specific" if self._build_specific else ""
        return (
            f'<div class="sl-table{extra}">{self.as_raw_html(make_page=False)}</div>'
            f'<p class="sl-table-data{extra}"><a href="{href}" download="{table_id}.csv">Data (CSV)</a></p>'
        )


def _needs_scientific(col: pl.Series) -> bool:
    """True when a float column holds a non-zero magnitude below 1e-3 or at least 1e6."""
    mags = col.drop_nulls().drop_nans().abs()
    mags = mags.filter(mags > 0)
    return len(mags) > 0 and (float(mags.min()) < 1e-3 or float(mags.max()) >= 1e6)


def table_id(title: str, df: pl.DataFrame) -> str:
    """Deterministic element id of a table: ``sl-table-`` + 12 hex digits of sha256(title, CSV of ``df``)."""
    digest = hashlib.sha256((title + "\n" + df.write_csv()).encode()).hexdigest()[:12]
    return f"sl-table-{digest}"


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
    BookTable
        A great_tables ``GT`` with a deterministic id (:func:`table_id`); displays itself in a
        notebook inside a scrolling box, followed by a "Data (CSV)" link.
    """
    labels = dict(labels or {})
    decimals = dict(decimals or {})
    t = BookTable(df, id=table_id(title, df)).tab_header(title=title, subtitle=subtitle)
    years = [c for c in df.columns if _is_year(c) or c in integers]
    if years:
        t = t.fmt_integer(columns=years, use_seps=False)
    for c, d in decimals.items():
        t = t.fmt_number(columns=c, decimals=d)
    floats = [c for c, dt in df.schema.items() if dt.is_float() and c not in decimals and c not in years]
    # Columns whose magnitudes span beyond 1e-3 .. 1e6 read better in scientific notation (2.87e-21 J).
    sci = [c for c in floats if _needs_scientific(df[c])]
    plain = [c for c in floats if c not in sci]
    if plain:
        t = t.fmt_number(columns=plain, n_sigfig=sigfig)
    if sci:
        t = t.fmt_scientific(columns=sci, n_sigfig=sigfig)
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
