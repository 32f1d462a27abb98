"""Vega expression texts of the all-reduce models, and a small evaluator to test them.

The in-page explorer computes its curves in the browser from these texts; the tests evaluate
them with :func:`eval_vega_expr` and compare with :mod:`scalinglab.models.collectives`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping

import numpy as np

from scalinglab.errors import ParameterError
from scalinglab.models.collectives import _out

# ---------------------------------------------------------------------------
# Vega expressions: the same formulas, for charts evaluated in the browser
# ---------------------------------------------------------------------------
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


def _term(name: str, value) -> str:
    """A Vega identifier (a param name or ``datum.field``) or a non-negative number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and value >= 0):
            raise ParameterError(name, value, "a finite number >= 0 or a Vega identifier")
        return f"({value!r})"
    if isinstance(value, str) and _IDENT.match(value):
        return value
    raise ParameterError(name, value, "a Vega identifier (param name or datum.field) or a number")


def ring_allreduce_ms_vega_expr(msg_bytes="msg_bytes", p="p", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`~scalinglab.models.collectives.ring_allreduce_s` in **milliseconds**.

    Arguments are the names of Vega params or fields (e.g. ``"datum.msg_bytes"``)
    holding bytes, rank count, per-direction GB/s and microseconds, or numbers.
    Uses only + - * / and parentheses:

        2*(p-1)*lat_us/1000 + 2*(p-1)/p*msg_bytes/(bw_gb_s*1e6)
    """
    n, q, b, a = _term("msg_bytes", msg_bytes), _term("p", p), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"2*({q}-1)*{a}/1000 + 2*({q}-1)/{q}*{n}/({b}*1e6)"


def tree_allreduce_ms_vega_expr(msg_bytes="msg_bytes", p="p", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`~scalinglab.models.collectives.tree_allreduce_s` in milliseconds.

    log2(p) is written log(p)/log(2) (Vega's ``log`` is the natural logarithm):

        log(p)/log(2)*(lat_us/1000 + msg_bytes/(bw_gb_s*1e6))
    """
    n, q, b, a = _term("msg_bytes", msg_bytes), _term("p", p), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"log({q})/log(2)*({a}/1000 + {n}/({b}*1e6))"


def in_network_allreduce_ms_vega_expr(msg_bytes="msg_bytes", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`~scalinglab.models.collectives.in_network_allreduce_s` (2 latency steps) in ms:

    2*lat_us/1000 + msg_bytes/(bw_gb_s*1e6)
    """
    n, b, a = _term("msg_bytes", msg_bytes), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"2*{a}/1000 + {n}/({b}*1e6)"


# Vega expression functions and constants we map (https://vega.github.io/vega/docs/expressions/)
_VEGA_FUNCS = {
    "log": np.log,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "pow": np.power,
    "abs": np.abs,
    "ceil": np.ceil,
    "floor": np.floor,
    "round": lambda x: np.floor(np.asarray(x) + 0.5),  # JS Math.round
    "min": lambda *a: functools.reduce(np.minimum, a),
    "max": lambda *a: functools.reduce(np.maximum, a),
    "LN2": math.log(2.0),
    "LN10": math.log(10.0),
    "E": math.e,
    "PI": math.pi,
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|(?P<op>[-+*/(),]))"
)


def eval_vega_expr(expr: str, values: Mapping[str, object]):
    """Evaluate a small Vega expression in Python, for tests against the Python model.

    Accepts numbers, names, + - * /, parentheses, commas and the functions
    ``log exp sqrt pow abs ceil floor round min max`` (constants ``LN2 LN10 E
    PI``), with Vega's meanings. ``values`` maps each other name (``"p"``,
    ``"datum.msg_bytes"``) to a number or array; arrays broadcast. Anything else
    (``**``, ``%``, ``?:``, strings, unknown names) raises ``ValueError``: the
    text is rebuilt token by token and evaluated with no builtins.
    """
    pos, out, ns = 0, [], {}
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"unsupported Vega expression text at {pos}: {expr[pos : pos + 20]!r}")
        pos = m.end()
        if m.group("num"):
            out.append(m.group("num"))
        elif m.group("op"):
            out.append(m.group("op"))
        else:
            name = m.group("name")
            if name in values:
                val = np.asarray(values[name], dtype=float)
            elif name in _VEGA_FUNCS:
                val = _VEGA_FUNCS[name]
            else:
                raise ValueError(f"unknown name {name!r} in Vega expression")
            alias = f"_v{len(ns)}"
            ns[alias] = val
            out.append(alias)
    # tokens joined by spaces: "* *" and "/ /" are then syntax errors, not ** or //
    src = " ".join(out)
    try:
        code = compile(src, "<vega-expr>", "eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression: {expr!r}") from exc
    with np.errstate(divide="ignore", invalid="ignore"):
        result = eval(code, {"__builtins__": {}}, ns)  # noqa: S307 - tokens whitelisted above
    return _out(result)
