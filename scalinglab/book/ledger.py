"""The ledger's reader: the glued values and run parameters of every executed chapter the claims page needs.

:func:`load` reads ``<executed_dir>/<slug>.ipynb`` for every chapter named in
:data:`scalinglab.analyses.claims.NEEDS` with the package's one glue reader
(:func:`scalinglab.book.glue.glued_values`) and the parameters from its run record
(:func:`scalinglab.book.glue.run_record_of`). A missing notebook raises :class:`MissingChapter`, a missing
glued value :class:`MissingKey`, a missing section heading :class:`MissingSection`; each names the chapter and
what is missing, so the claims page never shows a blank cell or a stale value.

:func:`section_anchor` turns a section heading of a chapter into the HTML id Sphinx gives it, so the claims page
links each deciding number to the section that computed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalinglab.analyses import claims as C
from scalinglab.book.glue import glued_values, read_notebook, run_record_of
from scalinglab.paths import EXECUTED_DIR

__all__ = [
    "LedgerError",
    "MissingChapter",
    "MissingKey",
    "MissingSection",
    "Ledger",
    "load",
    "needed",
    "section_anchor",
    "headings",
]


class LedgerError(LookupError):
    """The ledger cannot be built from the executed chapters; ``chapter`` and ``key`` name what is missing."""

    def __init__(self, message: str, chapter: str, key: str | None = None):
        super().__init__(message)
        self.chapter, self.key = chapter, key

    def __str__(self) -> str:  # LookupError would quote the message
        return self.args[0]


class MissingChapter(LedgerError):
    """A chapter's executed notebook does not exist."""


class MissingKey(LedgerError):
    """A chapter's executed notebook lacks a glued value the ledger needs."""


class MissingSection(LedgerError):
    """A chapter's executed notebook lacks a section heading the ledger links to."""


def needed(needs: Mapping[int, Iterable[tuple[str, str]]] | None = None) -> dict[str, list[str]]:
    """Chapter slug -> the glued keys the claims read (from :data:`~scalinglab.analyses.claims.NEEDS`), in order."""
    out: dict[str, list[str]] = {}
    for pairs in (C.NEEDS if needs is None else needs).values():
        for slug, key in pairs:
            keys = out.setdefault(slug, [])
            if key not in keys:
                keys.append(key)
    return out


def headings(nb: Mapping[str, Any]) -> list[str]:
    """Markdown headings (``#`` to ``######``) of a notebook, text only, in order."""
    out = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        out += [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", src, re.M)]
    return out


def section_anchor(heading: str) -> str:
    """The id Sphinx gives a section with this heading (docutils' ``make_id``), e.g. ``"The verdict"`` ->
    ``"the-verdict"``. Roles and markup in the heading are reduced to their text first.
    """
    from docutils.nodes import make_id

    text = re.sub(r"\{[^}]+\}`([^`]*)`", r"\1", heading)
    text = re.sub(r"[*`]", "", text)
    return make_id(text)


@dataclass
class Ledger:
    """What the executed chapters say: ``values`` (slug -> glued key -> value), ``params`` (slug -> the parameters
    it ran with, from its run record), ``headings`` (slug -> its section headings) and ``folder``.
    """

    folder: Path
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    headings: dict[str, list[str]] = field(default_factory=dict)

    def get(self, chapter: str, key: str) -> Any:
        """One glued value; :class:`MissingKey` (or :class:`MissingChapter`) naming chapter and key."""
        if chapter not in self.values:
            raise MissingChapter(f"the ledger has not read chapter {chapter!r} (needed for {key!r})", chapter, key)
        if key not in self.values[chapter]:
            raise MissingKey(
                f"chapter {chapter!r} glues no value {key!r} ({self.folder / (chapter + '.ipynb')}); "
                f"rerun the chapter or update scalinglab/analyses/claims.py NEEDS",
                chapter,
                key,
            )
        return self.values[chapter][key]

    def anchor(self, chapter: str, section: str | None) -> str:
        """``<slug>.ipynb#<id>`` of a chapter's section (or of the chapter's top for None), relative to the
        executed folder; :class:`MissingSection` naming the chapter and the heading when it has no such section.
        A heading matches when it starts with ``section``.
        """
        if section is None:
            return f"{chapter}.ipynb"
        for h in self.headings.get(chapter, []):
            if h.startswith(section):
                return f"{chapter}.ipynb#{section_anchor(h)}"
        raise MissingSection(
            f"chapter {chapter!r} has no section headed {section!r} "
            f"(headings: {', '.join(self.headings.get(chapter, [])) or 'none'})",
            chapter,
            section,
        )

    def evaluation_values(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The mapping :func:`scalinglab.analyses.claims.evaluate` takes: the glued values per chapter plus
        ``"<slug>:params"`` entries and ``extra``.
        """
        out: dict[str, Any] = {s: dict(v) for s, v in self.values.items()}
        out.update({f"{s}:params": dict(p) for s, p in self.params.items()})
        out.update(extra or {})
        return out


def load(folder: str | Path = EXECUTED_DIR, needs: Mapping[int, Iterable[tuple[str, str]]] | None = None) -> Ledger:
    """Read every chapter the claims need from ``folder`` (default: the repository's ``executed/``).

    Raises
    ------
    MissingChapter
        Naming the chapter and the path when ``<folder>/<slug>.ipynb`` does not exist.
    MissingKey
        Naming the chapter and the first missing key (and how many more are missing).
    """
    folder = Path(folder)
    led = Ledger(folder)
    for slug, keys in needed(needs).items():
        path = folder / f"{slug}.ipynb"
        if not path.exists():
            raise MissingChapter(
                f"the ledger needs chapter {slug!r} but {path} does not exist; execute it first "
                f"(make executed/{slug}.ipynb)",
                slug,
                keys[0] if keys else None,
            )
        nb = read_notebook(path)
        glued = glued_values(nb)
        missing = [k for k in keys if k not in glued]
        if missing:
            more = f" (and {len(missing) - 1} more: {', '.join(missing[1:])})" if len(missing) > 1 else ""
            raise MissingKey(
                f"chapter {slug!r} ({path}) glues no value {missing[0]!r}{more}, which the ledger "
                f"needs; rerun the chapter or update scalinglab/analyses/claims.py NEEDS",
                slug,
                missing[0],
            )
        led.values[slug] = glued
        rec = run_record_of(nb) or {}
        led.params[slug] = dict(rec.get("parameters") or {})
        led.headings[slug] = headings(nb)
    return led


def check_claims(led: Ledger, thresholds: C.Thresholds | None = None, with_flips: bool = True) -> tuple[list, dict]:
    """Judge every claim on the ledger's values, search what would flip each verdict, and check every link.

    Returns (checks, sweep tables) from :func:`scalinglab.analyses.claims.evaluate` and
    :func:`scalinglab.analyses.claims_flips.flips`. Raises :class:`MissingSection` when a deciding number's
    chapter section does not exist (so no link on the page points nowhere).
    """
    from scalinglab.analyses import claims_flips

    t = thresholds or C.Thresholds()
    values = led.evaluation_values()
    checks = C.evaluate(values, t)
    tables: dict = {}
    if with_flips:
        checks, tables = claims_flips.flips(checks, values, led.params, t)
    for c in checks:
        for n in c.numbers:
            led.anchor(n.chapter, n.section)
    return checks, tables
