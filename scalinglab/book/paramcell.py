"""The notebooks' ``parameters`` cells, generated from the chapter schemas (parameters are declared once).

``scalinglab params CHAPTER --cell`` prints the cell; ``--write`` replaces the source of the
cell tagged ``parameters`` in ``notebooks/CHAPTER.ipynb`` (its tags and other metadata kept).
A test fails when a notebook's cell differs from what is generated, so ``papermill
--help-notebook`` and ``scalinglab params`` always agree. The cell starts with ``# fmt: off``:
``ruff format`` leaves its one-line-per-parameter layout alone.

One line per parameter, in schema order::

    name: type = literal  # help (unit; allowed values)

Types are the plain Python names papermill shows (``int``, ``float``, ``str``, ``bool``,
``list``; ``"date"`` and ``"Optional[...]"`` quoted, as papermill reads them); a ``Literal``
field is a ``str`` whose choices are listed in the comment. Comments hold no ``=``, so
papermill's parser never mistakes them for a default.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import operator
import types
import typing
from pathlib import Path
from typing import Any

from scalinglab.book import schemas
from scalinglab.paths import chapter_notebook

__all__ = [
    "HEADER",
    "annotation_text",
    "comment_text",
    "literal_text",
    "notebook_parameters_cell",
    "parameters_cell",
    "write_parameters_cell",
]

HEADER = (
    "# fmt: off\n"  # one line per parameter with its help, as papermill reads it: not for the formatter to wrap
    "# Generated from scalinglab/book/schemas/{slug}.py by `scalinglab params {slug} --write`: edit the schema."
)

_WORDS = ((">=", "at least"), ("<=", "at most"), (">", "above"), ("<", "below"))


def _base(ann: Any) -> tuple[Any, bool]:
    """(annotation without None, whether None is allowed)."""
    args = typing.get_args(ann)
    if args and type(None) in args and typing.get_origin(ann) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return functools.reduce(operator.or_, rest), True
    return ann, False


def _type_name(ann: Any) -> str:
    if typing.get_origin(ann) is typing.Literal:
        return type(typing.get_args(ann)[0]).__name__
    if ann is _dt.date:
        return "date"
    origin = typing.get_origin(ann)
    if origin in (list, tuple, set):
        return "list"
    if origin is dict:
        return "dict"
    return getattr(ann, "__name__", str(ann).replace("typing.", ""))


def annotation_text(ann: Any) -> str:
    """The annotation written in the cell: ``int``, ``str``, ``"date"``, ``"Optional[int]"``..."""
    base, optional = _base(ann)
    name = _type_name(base)
    if optional:
        return f'"Optional[{name}]"'
    return f'"{name}"' if name == "date" else name


def literal_text(value: Any) -> str:
    """A Python literal for ``value``: strings in double quotes, dates as ISO text, lists element-wise."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return json.dumps(value.isoformat())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal_text(k)}: {literal_text(v)}" for k, v in value.items()) + "}"
    return repr(value)


def comment_text(row: dict[str, Any], ann: Any) -> str:
    """``help (unit; allowed values)`` for one parameter, with no ``=`` in it."""
    base, optional = _base(ann)
    if typing.get_origin(base) is typing.Literal:
        allowed = " | ".join(str(a) for a in typing.get_args(base))
    else:
        allowed = "" if row["allowed"] == "any value of the declared type" else str(row["allowed"])
    if optional and allowed:
        allowed += "; or None"
    for sym, word in _WORDS:
        allowed = allowed.replace(sym, word)
    inside = "; ".join(x for x in (str(row["unit"] or ""), allowed) if x)
    text = str(row["help"]).strip() + (f" ({inside})" if inside else "")
    return text.replace(" = ", " means ").replace("=", " is ")


def parameters_cell(chapter: str) -> str:
    """Source of the ``parameters`` cell of ``chapter``, generated from its schema."""
    cls = schemas.get_schema(chapter)
    lines = [HEADER.format(slug=chapter)]
    for row in schemas.params_table(chapter):
        ann = cls.model_fields[row["name"]].annotation
        lines.append(
            f"{row['name']}: {annotation_text(ann)} = {literal_text(row['default'])}  # {comment_text(row, ann)}"
        )
    return "\n".join(lines)


def _load(path: Path):
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _param_cell(nb) -> Any:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def notebook_parameters_cell(chapter: str, path: Path | None = None) -> str | None:
    """Source of the cell tagged ``parameters`` in the chapter's notebook (None if it has none)."""
    cell = _param_cell(_load(Path(path) if path else chapter_notebook(chapter)))
    return None if cell is None else cell.source


def write_parameters_cell(chapter: str, path: Path | None = None) -> bool:
    """Replace the ``parameters`` cell's source with :func:`parameters_cell`; return whether it changed.

    Raises
    ------
    ValueError
        When the notebook has no cell tagged ``parameters`` (names the file).
    """
    import nbformat

    path = Path(path) if path else chapter_notebook(chapter)
    nb = _load(path)
    cell = _param_cell(nb)
    if cell is None:
        raise ValueError(f"{path}: no code cell tagged 'parameters'")
    new = parameters_cell(chapter)
    if cell.source == new:
        return False
    cell.source = new
    nbformat.write(nb, str(path))
    return True
