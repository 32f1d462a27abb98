"""User-facing errors that name exactly what is wrong.

``ParameterError`` is raised for a bad chapter parameter and names the parameter,
the value received and what is allowed. ``DataFormatError`` is raised for a
malformed cell in a shipped data file and names the file, the row and the column.
Both subclass ``ValueError`` so generic handlers still catch them.
"""

from __future__ import annotations

from typing import Any


class ParameterError(ValueError):
    """A chapter parameter has a value outside what the chapter accepts.

    Attributes: ``name`` (parameter name), ``value`` (what was received),
    ``allowed`` (a human-readable description of the accepted values).
    """

    def __init__(self, name: str, value: Any, allowed: str, hint: str | None = None):
        self.name, self.value, self.allowed, self.hint = name, value, allowed, hint
        msg = f"parameter {name!r} = {value!r} is not allowed: {allowed}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class DataFormatError(ValueError):
    """A cell of a shipped data file cannot be parsed as its declared type.

    Attributes: ``file`` (path relative to ``data/``), ``row`` (1-based data row,
    the header not counted), ``column`` (column name in the file), ``value`` (the
    raw text), ``expected`` (the declared type or constraint).
    """

    def __init__(self, file: str, row: int, column: str, value: Any, expected: str):
        self.file, self.row, self.column, self.value, self.expected = file, row, column, value, expected
        super().__init__(f"{file}: row {row}, column {column!r}: cannot read {value!r} as {expected}")
