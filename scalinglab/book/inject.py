"""Exact parameter injection: values reach the notebook as the same Python objects.

:class:`ExactPythonTranslator` (registered for Python kernels by :func:`install_translator`)
writes strings with ``repr`` (any text, quotes, newlines and backslashes included, round-trips
byte for byte) and dates as ``datetime.date`` objects, which papermill's own translator would
turn into strings.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["IsoDate", "injected_source", "install_translator", "papermill_value"]


class IsoDate(str):
    """A date or datetime travelling through papermill as its ISO text (JSON-safe in the
    notebook's metadata) and injected into the kernel as a real ``datetime`` object.
    """

    kind: str = "date"

    def __new__(cls, value: _dt.date | str, kind: str | None = None):
        if isinstance(value, _dt.date):
            text, kind = value.isoformat(), "datetime" if isinstance(value, _dt.datetime) else "date"
        else:
            text = str(value)
            kind = kind or ("datetime" if len(text) > 10 else "date")
        s = super().__new__(cls, text)
        s.kind = kind
        return s

    def __getnewargs__(self):  # papermill deep-copies its parameters
        return (str(self), self.kind)


def papermill_value(value: Any) -> Any:
    """``value`` made ready for papermill: dates -> :class:`IsoDate`, tuples/sets -> lists, recursively."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return IsoDate(value)
    if isinstance(value, dict):
        return {str(k): papermill_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [papermill_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [papermill_value(v) for v in sorted(value, key=repr)]
    return value


def _translator_class():
    from papermill.translators import PythonTranslator

    class ExactPythonTranslator(PythonTranslator):
        """papermill's Python translator, but strings by ``repr`` and dates as dates."""

        @classmethod
        def translate_str(cls, val):
            if isinstance(val, IsoDate):
                return f'__import__("datetime").{val.kind}.fromisoformat({str.__repr__(val)})'
            return str.__repr__(str(val))

        @classmethod
        def translate_float(cls, val):
            return repr(float(val)) if val == val and abs(val) != float("inf") else super().translate_float(val)

        @classmethod
        def translate_dict(cls, val):
            return "{" + ", ".join(f"{cls.translate(k)}: {cls.translate(v)}" for k, v in val.items()) + "}"

    return ExactPythonTranslator


ExactPythonTranslator = None  # set by install_translator()


def install_translator():
    """Register :class:`ExactPythonTranslator` for Python kernels in this process; return it."""
    global ExactPythonTranslator
    from papermill.translators import papermill_translators

    if ExactPythonTranslator is None:
        ExactPythonTranslator = _translator_class()
    papermill_translators.register("python", ExactPythonTranslator)
    return ExactPythonTranslator


def injected_source(values: dict[str, Any]) -> str:
    """The code of the ``injected-parameters`` cell that papermill will write for ``values``."""
    return install_translator().codify(papermill_value(values))
