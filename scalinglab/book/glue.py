"""Glue a chapter's typed result into the page in one call, and read glued values back.

Writing: :func:`glue_result` glues every scalar field of a result object with a prefix.
Reading: :func:`glued_values` is the one reader of glued values from an executed notebook,
used by runs, sweeps, scenario books and the tests (``tests/conftest.py``).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_SCALARS = (int, float, str, bool)


def scalar_fields(result: Any, prefix: str = "", exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The scalar fields of a dataclass instance or mapping, keyed ``prefix + name``.

    Frames, arrays, nested objects and ``None`` are skipped; numpy scalars become Python scalars.

    Raises
    ------
    TypeError
        If ``result`` is neither a dataclass instance nor a mapping.
    """
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        items = ((f.name, getattr(result, f.name)) for f in dataclasses.fields(result))
    elif isinstance(result, Mapping):
        items = result.items()
    else:
        raise TypeError(f"glue_result needs a dataclass instance or a mapping, not {type(result).__name__}")
    skip = set(exclude)
    out: dict[str, Any] = {}
    for name, value in items:
        if name in skip or value is None:
            continue
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
            value = value.item()
        if isinstance(value, _SCALARS):
            out[prefix + name] = value
    return out


def glue_result(result: Any, prefix: str = "", exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Glue every scalar field of ``result`` (see :func:`scalar_fields`) without displaying it.

    Returns the glued mapping, so a notebook can show or test it. Non-finite floats are glued as they
    are; the prose must say what they mean.
    """
    from myst_nb import glue

    fields = scalar_fields(result, prefix, exclude)
    for key, value in fields.items():
        glue(key, value, display=False)
    return fields


def is_finite_number(value: Any) -> bool:
    """True for an int or a finite float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# reading glued values back ---------------------------------------------------------

_NUMPY_SCALAR = re.compile(r"^np\.(?:float|int|uint|bool_?)\d*\((.*)\)$")


def parse_plain(text: str) -> Any:
    """A glued value back from its ``text/plain`` repr (numbers, strings, None, lists...)."""
    text = text.strip()
    m = _NUMPY_SCALAR.match(text)
    if m:
        text = m.group(1)
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if text in ("nan", "inf", "-inf"):
            return float(text)
        return text


def glued_values(nb: Any) -> dict[str, Any]:
    """Glued values of an executed notebook (dict or NotebookNode), in notebook order."""
    out: dict[str, Any] = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []) or []:
            sb = (o.get("metadata") or {}).get("scrapbook") or {}
            name = sb.get("name")
            if name is None:
                continue
            data = o.get("data") or {}
            prefix = sb.get("mime_prefix", "")
            text = data.get(prefix + "text/plain", data.get("text/plain"))
            if text is None:
                continue
            out[name] = parse_plain("".join(text) if isinstance(text, list) else text)
    return out


def run_record_of(nb: Any) -> dict | None:
    """The run record a chapter displayed (output metadata ``scalinglab.run_record``), if any."""
    for cell in reversed(nb["cells"]):
        for o in cell.get("outputs", []) or []:
            rec = ((o.get("metadata") or {}).get("scalinglab") or {}).get("run_record")
            if rec:
                return dict(rec)
    return None


def read_notebook(path: Path) -> dict:
    """An ``.ipynb`` file as a plain dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def glued_file(path: Path) -> dict[str, Any]:
    """Glued values of the executed notebook at ``path`` (see :func:`glued_values`)."""
    return glued_values(read_notebook(path))
