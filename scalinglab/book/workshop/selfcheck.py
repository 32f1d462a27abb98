"""Self-checking exercises: ``check("tokens-ex1", answer)`` says correct, close or wrong, with a hint.

The student notebook never holds the answer: ``make student`` writes ``_checks.json`` beside the student
notebooks with, per exercise, salted SHA-256 hashes of the answer's neighbourhood on a logarithmic grid
(``rel_tol`` for *correct*, ``close_tol`` for *close*), the unit and a hint. A hash of a grid cell does
not print the value; it can only confirm a guess (good enough for a classroom, not for an exam).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

CHECKS_FILE = "_checks.json"
ENV_VAR = "SCALINGLAB_CHECKS"


class CheckError(ValueError):
    """An unknown exercise id or an answer of the wrong type."""


def _cell(x: float, tol: float) -> int:
    return math.floor(math.log(abs(x)) / math.log1p(tol))


def _digest(salt: str, ex_id: str, level: str, sign: int, cell: int) -> str:
    return hashlib.sha256(f"{salt}|{ex_id}|{level}|{sign}|{cell}".encode()).hexdigest()


def answer_hashes(ex_id: str, value: float, rel_tol: float, close_tol: float, salt: str) -> dict[str, list[str]]:
    """Hashes of the grid cells around ``value`` for the *correct* and *close* levels.

    A guess ``y`` is correct when its cell (width ``log1p(rel_tol)`` in ``log|y|``) is one of the three cells
    around ``value``'s, so the accepted band is about ``rel_tol`` to ``2 * rel_tol`` relative; likewise close.

    Raises
    ------
    CheckError
        If ``value`` is not a finite number or a tolerance is not in (0, 1).
    """
    if not _is_number(value) or not math.isfinite(value):
        raise CheckError(f"{ex_id}: the answer must be a finite number, not {value!r}")
    for name, tol in (("rel_tol", rel_tol), ("close_tol", close_tol)):
        if not 0 < tol < 1:
            raise CheckError(f"{ex_id}: {name} = {tol} is not allowed: use a value in (0, 1)")
    if value == 0:
        return {"zero": [_digest(salt, ex_id, "zero", 0, 0)], "correct": [], "close": []}
    sign = 1 if value > 0 else -1
    out = {}
    for level, tol in (("correct", rel_tol), ("close", close_tol)):
        c = _cell(value, tol)
        out[level] = [_digest(salt, ex_id, level, sign, c + d) for d in (-1, 0, 1)]
    return out


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) or type(x).__name__.startswith(("float", "int"))


def _checks_path() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    here = Path.cwd() / CHECKS_FILE
    if here.exists():
        return here
    from scalinglab.paths import REPO_ROOT

    return REPO_ROOT / "student" / CHECKS_FILE


def load_checks(path: Path | None = None) -> dict[str, Any]:
    """The check table written by ``make student``.

    Raises
    ------
    CheckError
        If the file does not exist (run ``make student``).
    """
    path = Path(path) if path else _checks_path()
    if not path.exists():
        raise CheckError(f"no self-check table at {path}: run `make student` (or set {ENV_VAR})")
    return json.loads(path.read_text(encoding="utf-8"))


def verdict(ex_id: str, answer: Any, checks: dict[str, Any]) -> str:
    """``"correct"``, ``"close"``, ``"wrong"`` or ``"missing"`` (no answer written yet) for ``answer``.

    Raises
    ------
    CheckError
        An unknown ``ex_id`` (the message lists the known ids) or an answer that is not a number.
    """
    table = checks["exercises"]
    if ex_id not in table:
        raise CheckError(f"unknown exercise id {ex_id!r}; known ids: {', '.join(sorted(table))}")
    if answer is ... or answer is None:
        return "missing"
    entry = table[ex_id]
    if isinstance(answer, str):
        try:
            float(answer.replace(",", ""))
        except ValueError:
            pass
        else:
            raise CheckError(
                f"{ex_id}: expected a number ({entry['unit']}), got the string {answer!r}: drop the quotes"
            )
    if not _is_number(answer):
        raise CheckError(f"{ex_id}: expected a number ({entry['unit']}), got {type(answer).__name__} {answer!r}")
    y = float(answer)
    if not math.isfinite(y):
        return "wrong"
    salt, h = checks["salt"], entry["hashes"]
    if y == 0:
        return "correct" if h.get("zero") and _digest(salt, ex_id, "zero", 0, 0) in h["zero"] else "wrong"
    sign = 1 if y > 0 else -1
    for level, tol in (("correct", entry["rel_tol"]), ("close", entry["close_tol"])):
        if _digest(salt, ex_id, level, sign, _cell(y, tol)) in h.get(level, []):
            return level
    return "wrong"


def check(ex_id: str, answer: Any) -> str:
    """Check a student's numerical answer and print what to do next; returns the verdict word.

    Parameters
    ----------
    ex_id
        The exercise label shown in the notebook, e.g. ``"tokens-ex1"``.
    answer
        A number in the unit the exercise asks for. ``...`` (the placeholder) means not answered yet.

    Raises
    ------
    CheckError
        An unknown ``ex_id`` (the known ids are listed) or an answer of the wrong type.
    """
    checks = load_checks()
    v = verdict(ex_id, answer, checks)
    entry = checks["exercises"][ex_id]
    msg = {
        "missing": f"{ex_id}: write your answer ({entry['unit']}) in place of ... and run the cell again.",
        "correct": f"{ex_id}: correct.",
        "close": f"{ex_id}: close, but not within {entry['rel_tol']:.0%}. Hint: {entry['hint']}",
        "wrong": f"{ex_id}: not yet. Hint: {entry['hint']}",
    }[v]
    print(msg)
    return v
