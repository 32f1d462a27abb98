"""One validated parameter schema per chapter (pydantic), shared by the notebooks'
validation cell and the ``scalinglab`` command line.

A chapter schema is a :class:`ChapterParams` subclass in ``scalinglab/book/schemas/<slug>.py``
registered with :func:`register`. Each field declares its type, default, unit
(``json_schema_extra={"unit": ...}``), allowed range or choices, and help text
(``description``). Rules that involve several parameters, or the data, go in
``check()`` and raise :class:`~scalinglab.errors.ParameterError` themselves.

:func:`validate` turns every failure into a ``ParameterError`` naming the parameter,
the value received and what is allowed; an unknown name fails with the closest
declared name suggested.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import types
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalinglab.errors import ParameterError

_REGISTRY: dict[str, type[ChapterParams]] = {}


class ChapterParams(BaseModel):
    """Base class: unknown names are rejected, values are immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)

    def check(self) -> None:
        """Cross-parameter and data-dependent rules; raise ``ParameterError``. Default: none."""


def confidence_level_field(intervals: str = "fitted intervals") -> Any:
    """The ``confidence_level`` parameter every chapter that reports an interval shares.

    Parameters
    ----------
    intervals
        What the level applies to on that chapter's page (e.g. ``"the fitted decline's interval"``).

    Returns
    -------
    pydantic.fields.FieldInfo
        Default 0.95, allowed in the open interval (0.5, 1), unit ``fraction``.
    """
    return Field(
        0.95,
        gt=0.5,
        lt=1.0,
        description=f"two-sided confidence level of {intervals}",
        json_schema_extra={"unit": "fraction"},
    )


def register(slug: str):
    """Class decorator: register a schema under chapter ``slug``."""

    def deco(cls: type[ChapterParams]) -> type[ChapterParams]:
        _REGISTRY[slug] = cls
        return cls

    return deco


def _load_all() -> None:
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def chapters() -> list[str]:
    """Slugs of every chapter with a schema, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def get_schema(chapter: str) -> type[ChapterParams]:
    """The schema class of ``chapter``; ``ParameterError`` (naming ``chapter``) if unknown."""
    _load_all()
    if chapter not in _REGISTRY:
        close = difflib.get_close_matches(chapter, list(_REGISTRY), n=1)
        raise ParameterError(
            "chapter",
            chapter,
            "one of: " + ", ".join(sorted(_REGISTRY)),
            hint=f"did you mean {close[0]!r}?" if close else None,
        )
    return _REGISTRY[chapter]


def describe_field(cls: type[ChapterParams], name: str) -> dict[str, Any]:
    """Name, type, default, unit, allowed values and help of one field (for tables and errors)."""
    f = cls.model_fields[name]
    extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
    allowed = extra.get("allowed")
    if allowed is None:
        bits = []
        for m in f.metadata:
            for attr, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
                v = getattr(m, attr, None)
                if v is not None:
                    bits.append(f"{sym} {v}")
            if getattr(m, "min_length", None) is not None:
                bits.append(f"at least {m.min_length} item(s)")
            if getattr(m, "max_length", None) is not None:
                bits.append(f"at most {m.max_length} item(s)")
        ann = f.annotation
        args = getattr(ann, "__args__", None)
        if getattr(ann, "__origin__", None) is not None and str(ann).startswith("typing.Literal"):
            bits.append("one of: " + ", ".join(map(str, args)))
        allowed = ", ".join(bits) if bits else "any value of the declared type"
    tname = getattr(f.annotation, "__name__", None) or str(f.annotation).replace("typing.", "")
    return {
        "name": name,
        "type": tname,
        "default": f.default,
        "unit": extra.get("unit", ""),
        "allowed": allowed,
        "help": f.description or "",
    }


def _error_to_parameter_error(cls: type[ChapterParams], values: dict, err: ValidationError) -> ParameterError:
    e = err.errors()[0]
    name = str(e["loc"][0]) if e["loc"] else "?"
    if e["type"] == "extra_forbidden":
        return unknown_parameter(cls, name, values.get(name))
    value = values.get(name, e.get("input"))
    allowed = describe_field(cls, name)["allowed"] if name in cls.model_fields else ""
    msg = e["msg"][0].lower() + e["msg"][1:]
    return ParameterError(name, value, f"{msg}; allowed: {allowed}")


def unknown_parameter(cls: type[ChapterParams], name: str, value: Any) -> ParameterError:
    """The error for an undeclared parameter name, listing the declared ones and suggesting the closest."""
    close = difflib.get_close_matches(name, list(cls.model_fields), n=1, cutoff=0.5)
    return ParameterError(
        name,
        value,
        "unknown parameter; declared: " + ", ".join(cls.model_fields),
        hint=f"did you mean {close[0]!r}?" if close else None,
    )


def validate(chapter: str, values: dict[str, Any]) -> ChapterParams:
    """Validate a mapping of parameter values for ``chapter``; missing names take defaults.

    Returns the frozen, typed parameter model. Raises ``ParameterError`` for an
    unknown name (with a suggestion), a wrong type, a value out of range, or a
    cross-parameter rule (see the schema's ``check``).
    """
    cls = get_schema(chapter)
    for name, value in values.items():
        if name not in cls.model_fields:
            raise unknown_parameter(cls, name, value)
        # pydantic would read True as 1 and False as 0: a boolean is only a boolean.
        if isinstance(value, bool) and "bool" not in str(cls.model_fields[name].annotation):
            d = describe_field(cls, name)
            raise ParameterError(name, value, f"a {d['type']}, not a boolean; allowed: {d['allowed']}")
    try:
        params = cls.model_validate(values)
    except ValidationError as err:
        raise _error_to_parameter_error(cls, values, err) from None
    params.check()
    return params


_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def validate_namespace(chapter: str, namespace: dict[str, Any]) -> ChapterParams:
    """Validate the parameters a notebook holds after its parameters cell.

    ``namespace`` is the notebook's ``globals()`` right after the parameters and
    (papermill's) injected-parameters cells. Every public, non-module name that the
    schema does not declare is an unknown parameter (papermill itself only warns
    about those), so a typo like ``n_gpu`` fails here with a suggestion.
    """
    cls = get_schema(chapter)
    values, unknown = {}, []
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON_NAMES or isinstance(value, types.ModuleType):
            continue
        if callable(value) and not isinstance(value, (str, int, float, list, dict)):
            continue
        if name in cls.model_fields:
            values[name] = value
        else:
            unknown.append(name)
    if unknown:
        raise unknown_parameter(cls, sorted(unknown)[0], namespace[sorted(unknown)[0]])
    return validate(chapter, values)


def params_table(chapter: str) -> list[dict[str, Any]]:
    """Rows of :func:`describe_field` for every parameter of ``chapter``, in declaration order."""
    cls = get_schema(chapter)
    return [describe_field(cls, n) for n in cls.model_fields]
