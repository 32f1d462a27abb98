"""Glue a chapter's typed result into the page in one call."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
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
