"""What the claims page shows: glued values, the ledger table and one evidence table per claim.

Links from the tables are relative HTML links between pages of the ``executed/`` folder of the built book
(``datacentre_scale.html#the-verdict``); ``anchor`` callables give ``<slug>.ipynb#<id>`` (see
:meth:`scalinglab.book.ledger.Ledger.anchor`) and are turned into ``.html`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from scalinglab.analyses import claims as C

SOURCE = (
    "the book's chapters, read from their executed notebooks; claims paraphrased from No Priors, "
    "episode 89, November 2024"
)
CHAPTER_TITLES: dict[str, str] = {
    "moores_law_limits": "Moore's-law limits",
    "datacentre_scale": "At data-centre scale",
    "precision_codesign": "Precision co-design",
    "software_speedup": "Software alone",
    "interconnect_scaling": "Interconnect scaling",
    "token_cost_drop": "The cost of tokens",
}


def html_link(anchor: str) -> str:
    """``slug.ipynb#id`` -> ``slug.html#id`` (pages of one folder of the built book)."""
    page, _, frag = anchor.partition("#")
    page = page.removesuffix(".ipynb") + ".html"
    return page + (f"#{frag}" if frag else "")


def _sentence(text: str) -> str:
    """``text`` with its first letter in upper case (it starts a sentence on the page)."""
    return text[:1].upper() + text[1:]


def glue_values(checks: list[C.Check]) -> dict[str, Any]:
    """Scalar values the page (and the landing page) glue: per claim ``claim<n>_verdict``, ``_rule``,
    ``_number`` (the headline number with its unit), ``_number_label``, ``_flips``, ``_assumptions``, ``_limits``,
    ``_settle``, ``_sentence``, ``_short``; and ``claims_n``, ``claims_supported_n``, ``claims_partly_n``,
    ``claims_not_supported_n``, ``claims_not_testable_n``.
    """
    out: dict[str, Any] = {}
    for c in checks:
        p = f"claim{c.claim.number}_"
        out[p + "verdict"] = c.verdict
        out[p + "rule"] = c.rule
        out[p + "number"] = c.headline.text
        out[p + "number_label"] = c.headline.label
        out[p + "flips"] = "; ".join(f.sentence for f in c.flips) if c.flips else "no parameter searched changes it"
        out[p + "flips_n"] = sum(
            hasattr(f, "verdict") and f.verdict != "unchanged" and hasattr(f, "value") for f in c.flips
        )
        out[p + "assumptions"] = _sentence(c.assumptions)
        out[p + "limits"] = _sentence(c.limits or "none beyond the assumptions")
        out[p + "settle"] = _sentence(c.settle or "not needed")
        out[p + "sentence"] = c.claim.sentence
        out[p + "short"] = c.claim.short
    out["claims_n"] = len(checks)
    for name, word in (
        ("supported", C.SUPPORTED),
        ("partly", C.PARTLY),
        ("not_supported", C.NOT_SUPPORTED),
        ("not_testable", C.NOT_TESTABLE),
    ):
        out[f"claims_{name}_n"] = sum(c.verdict == word for c in checks)
    return out


def summary_frame(checks: list[C.Check]) -> pl.DataFrame:
    """One row per claim: ``number``, ``claim``, ``verdict`` (a markdown link to the claim's section),
    ``deciding_number``; sorted by number.
    """
    return pl.DataFrame(
        [
            {
                "number": c.claim.number,
                "claim": c.claim.short,
                "verdict": f"[{c.verdict}](#{c.claim.anchor})",
                "deciding_number": f"{c.headline.label}: {c.headline.text}",
            }
            for c in checks
        ]
    ).sort("number")


def summary_table(checks: list[C.Check]):
    """The ledger as a reader-facing table (great_tables); verdicts link to their sections."""
    from scalinglab import charts

    t = charts.table(
        summary_frame(checks),
        title="The claims, checked",
        source=SOURCE,
        labels={"number": "#", "claim": "Claim", "verdict": "Verdict", "deciding_number": "Deciding number"},
    )
    return t.fmt_markdown(columns="verdict")


def evidence_frame(check: C.Check, anchor: Callable[[str, str | None], str]) -> pl.DataFrame:
    """The deciding numbers of one claim: ``number`` (label), ``value`` (with unit), ``key`` (glued key) and
    ``computed_in`` (a markdown link to the chapter section that computed it), in the check's order.
    """
    rows = []
    for n in check.numbers:
        title = CHAPTER_TITLES.get(n.chapter, n.chapter)
        where = f"{title}, {n.section}" if n.section else title
        rows.append(
            {
                "number": n.label,
                "value": n.text,
                "key": f"{n.chapter}::{n.key}",
                "computed_in": f"[{where}]({html_link(anchor(n.chapter, n.section))})",
            }
        )
    return pl.DataFrame(rows)


def evidence_table(check: C.Check, anchor: Callable[[str, str | None], str]):
    """One claim's deciding numbers as a reader-facing table, each linked to its chapter section."""
    from scalinglab import charts

    t = charts.table(
        evidence_frame(check, anchor),
        title=f"Claim {check.claim.number}: the deciding numbers",
        subtitle=f"Verdict: {check.verdict}",
        source=SOURCE,
        labels={"number": "Number", "value": "Value", "key": "Glued key", "computed_in": "Computed in"},
    )
    return t.fmt_markdown(columns="computed_in")


def flips_table(check: C.Check):
    """What would change one claim's verdict: every search, the setting at which the verdict flips (or that none
    does), and the verdict there.
    """
    from scalinglab import charts

    rows = [f.row() for f in check.flips] or [
        {"searched": "", "as_run": "", "flips_at": "no search", "verdict_there": "", "found_by": ""}
    ]
    return charts.table(
        pl.DataFrame(rows),
        title=f"Claim {check.claim.number}: what would change the verdict",
        subtitle=f"Verdict as run: {check.verdict}",
        source="the chapters' own analysis functions rerun at other settings, and bisection on the rule's thresholds",
        labels={
            "searched": "Parameter searched",
            "as_run": "As run",
            "flips_at": "Flips at",
            "verdict_there": "Verdict there",
            "found_by": "Found by",
        },
    )


def datacentre_sweep_chart(sweep: pl.DataFrame, t: C.Thresholds):
    """Claim 1's flip search drawn: the performance growth interval of the leading systems for every ``top_n``
    and start year searched, against the promised band (shaded).
    """
    import altair as alt

    from scalinglab import charts

    order = [str(n) for n in sorted(sweep["top_n"].unique().to_list())]
    df = sweep.with_columns(pl.col("top_n").cast(pl.String).alias("leading"))
    y = alt.Y("perf_ci_low:Q", title="Performance growth, interval (x per year)")
    band = (
        alt.Chart(pl.DataFrame({"low": [t.promise_low_x], "high": [t.promise_high_x], "label": ["the promise"]}))
        .mark_rect(opacity=0.18, color=charts.OKABE_ITO[2])
        .encode(
            y=alt.Y("low:Q", title="Performance growth, interval (x per year)"),
            y2="high:Q",
            tooltip=[
                alt.Tooltip("label:N", title="band"),
                alt.Tooltip("low:Q", title="from (x)"),
                alt.Tooltip("high:Q", title="to (x)"),
            ],
        )
    )
    bars = (
        alt.Chart(df)
        .mark_rule(strokeWidth=3)
        .encode(
            x=alt.X("start_year:O", title="First year of the fit window"),
            xOffset=alt.XOffset("leading:N", sort=order),
            y=y,
            y2="perf_ci_high:Q",
            color=alt.Color("leading:N", title="Top n", sort=order),
            tooltip=[
                alt.Tooltip("top_n:Q", title="top n"),
                alt.Tooltip("start_year:O", title="start year"),
                alt.Tooltip("perf_x_per_year:Q", title="growth (x per year)", format=".2f"),
                alt.Tooltip("perf_ci_low:Q", title="interval low (x)", format=".2f"),
                alt.Tooltip("perf_ci_high:Q", title="interval high (x)", format=".2f"),
                alt.Tooltip("verdict_1:N", title="verdict"),
            ],
        )
    )
    return charts.finish(
        band + bars,
        "Claim 1: growth of the leading systems by definition and window",
        "Epoch AI, 'Data on GPU Clusters' (CC BY 4.0); the data-centre chapter's analysis rerun at each setting",
        subtitle=f"Bars: interval of the fitted growth; shaded: the promised {t.promise_low_x:g}-{t.promise_high_x:g}x",
    )
