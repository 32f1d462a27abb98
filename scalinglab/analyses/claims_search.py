"""What would change a verdict: the search tools and the records of what a search found.

:func:`threshold_flip` finds by bisection the value of one parameter at which a step function (a verdict) changes;
:func:`nearest_changes` reads a sweep's table for the setting nearest the default whose verdict differs. A
:class:`Flip` records a change, a :class:`Robust` a search that found none, a :class:`Note` any other finding;
each has a ``sentence`` and a ``row()`` for the claims page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Flip:
    """A verdict change: ``parameter`` (of ``chapter``, or of the rule when ``chapter`` is ``"rule"``) at ``value``
    gives ``verdict`` instead of ``default_verdict``; ``method`` says how it was found.
    """

    parameter: str
    chapter: str
    value: Any
    verdict: str
    default_verdict: str
    method: str
    default_value: Any = None

    @property
    def sentence(self) -> str:
        def fmt(x: Any) -> str:
            return f"{x:.4g}" if isinstance(x, float) else str(x)

        where = "the rule's" if self.chapter == "rule" else f"{self.chapter}'s"
        was = f" (as run: {fmt(self.default_value)})" if self.default_value is not None else ""
        return f"{where} {self.parameter} = {fmt(self.value)}{was} gives \u201c{self.verdict}\u201d ({self.method})"

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips."""

        def fmt(x: Any) -> str:
            return f"{x:.4g}" if isinstance(x, float) else "" if x is None else str(x)

        return {
            "searched": ("rule: " if self.chapter == "rule" else f"{self.chapter}: ") + self.parameter,
            "as_run": fmt(self.default_value),
            "flips_at": fmt(self.value),
            "verdict_there": self.verdict,
            "found_by": self.method,
        }


@dataclass(frozen=True)
class Robust:
    """A search that found no change: ``parameter`` of ``chapter`` over ``values`` keeps ``verdict``."""

    parameter: str
    chapter: str
    values: str
    verdict: str
    method: str
    as_run: Any = None

    @property
    def sentence(self) -> str:
        return (
            f"no {self.chapter} {self.parameter} in {self.values} changes it from \u201c{self.verdict}\u201d "
            f"({self.method})"
        )

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips."""
        return {
            "searched": ("rule: " if self.chapter == "rule" else f"{self.chapter}: ") + self.parameter,
            "as_run": f"{self.as_run:.4g}"
            if isinstance(self.as_run, float)
            else ""
            if self.as_run is None
            else str(self.as_run),
            "flips_at": f"none in {self.values}",
            "verdict_there": "unchanged",
            "found_by": self.method,
        }


@dataclass(frozen=True)
class Note:
    """A finding of a search stated as one sentence."""

    text: str
    searched: str = ""
    as_run: str = ""
    flips_at: str = ""
    verdict_there: str = ""
    found_by: str = ""

    @property
    def sentence(self) -> str:
        return self.text

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips (the sentence itself where no columns were given)."""
        return {
            "searched": self.searched,
            "as_run": self.as_run,
            "flips_at": self.flips_at or self.text,
            "verdict_there": self.verdict_there,
            "found_by": self.found_by,
        }


def threshold_flip(
    rule: Callable[[float], str], default: float, lo: float, hi: float, tol: float = 1e-6
) -> tuple[float, str] | None:
    """The threshold nearest ``default`` in [lo, hi] at which ``rule(threshold)`` changes, by bisection.

    ``rule`` must be a step function of one threshold that changes at most once on each side of ``default``.

    Returns
    -------
    tuple or None
        (boundary value, verdict just past it), or None when the verdict is the same at ``lo``, ``default`` and
        ``hi``.
    """
    base = rule(default)
    best = None
    for end in (lo, hi):
        if rule(end) == base:
            continue
        a, b = default, end  # rule(a) == base, rule(b) != base
        while abs(b - a) > tol * max(1.0, abs(a)):
            m = (a + b) / 2
            a, b = (m, b) if rule(m) == base else (a, m)
        if best is None or abs(b - default) < abs(best[0] - default):
            best = (b, rule(b))
    return best


def _rule_flip(
    rule: Callable[[float], str], name: str, default: float, lo: float, hi: float
) -> list[Flip | Robust | Note]:
    hit = threshold_flip(rule, default, lo, hi)
    if hit is None:
        return [Robust(name, "rule", f"[{lo:g}, {hi:g}]", rule(default), "bisection on the rule", default)]
    return [Flip(name, "rule", hit[0], hit[1], rule(default), "bisection on the rule", default)]


def nearest_changes(
    sweep: pl.DataFrame,
    column: str,
    default: Mapping[str, Any],
    default_verdict: str,
    axes: tuple[str, ...],
    chapter: str,
) -> list[Flip | Robust | Note]:
    """For each axis, the setting nearest the default (others at default) whose verdict differs, or a
    :class:`Robust` note when none on that axis does.
    """
    out = []
    for axis in axes:
        others = [a for a in axes if a != axis]
        line = sweep
        for o in others:
            line = line.filter(pl.col(o) == default[o])
        diff = line.filter(pl.col(column) != default_verdict)
        if diff.height:
            d = diff.with_columns((pl.col(axis) - default[axis]).abs().alias("_dist")).sort(["_dist", axis])
            row = d.row(0, named=True)
            out.append(
                Flip(
                    axis,
                    chapter,
                    row[axis],
                    row[column],
                    default_verdict,
                    "sweep of the chapter's analysis",
                    default[axis],
                )
            )
        elif line.height:
            vals = line[axis].unique().sort()
            out.append(
                Robust(
                    axis,
                    chapter,
                    f"{vals.min():g} to {vals.max():g}",
                    default_verdict,
                    f"sweep of the chapter's analysis, {vals.len()} settings",
                    default[axis],
                )
            )
    return out
