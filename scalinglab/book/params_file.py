"""Parameter values from text: ``-p`` values, sweep lists, ``-f`` parameter files and scenario files.

One YAML dialect for all of them (:func:`yaml_loader`): YAML 1.2 core scalars plus Python's
``None``/``True``/``False``; text that is not a scalar or flow collection arrives unchanged.
Used by the command line (:mod:`scalinglab.book.cli`) and scenario books
(:mod:`scalinglab.book.scenarios`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------
# value parsing: YAML scalars / flow collections, text byte for byte otherwise
# ---------------------------------------------------------------------------
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_loader_cls = None


def yaml_loader():
    """A SafeLoader with YAML 1.2 core scalars (no yes/no/on/off booleans, no octal 010, no
    sexagesimal 1:30, exponents without a dot are floats) plus Python's None/True/False.
    """
    global _loader_cls
    if _loader_cls is not None:
        return _loader_cls
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag not in (_NULL, _BOOL, _INT, _FLOAT)]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|None)$"), list("~nN"))
    Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    Loader.add_implicit_resolver(
        _INT, re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$"), list("-+0123456789")
    )
    Loader.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^(?:[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.?(?:inf|Inf|INF)|\.?(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789.inIN"),
    )

    def construct_int(loader, node):
        v = loader.construct_scalar(node).replace("_", "")
        return int(v, 0) if v.lower().startswith(("0x", "0o", "0b")) else int(v)

    def construct_float(loader, node):
        v = loader.construct_scalar(node).replace("_", "").lower().lstrip(".")
        v = v.replace("+.", "+").replace("-.", "-")
        return float(v)

    Loader.add_constructor(_INT, construct_int)
    Loader.add_constructor(_FLOAT, construct_float)
    _loader_cls = Loader
    return Loader


_resolver_obj = None


def _resolver():
    global _resolver_obj
    if _resolver_obj is None:
        _resolver_obj = yaml_loader()("")
    return _resolver_obj


def parse_value(raw: str) -> Any:
    """One ``-p`` value: a YAML scalar (int, float, bool, null, date) or ``[...]``/``{...}`` flow
    collection when the whole text is one; otherwise the text itself, unchanged.
    """
    import yaml

    text = raw.strip()
    if not text:
        return raw
    if text[0] in "[{":
        try:
            value = yaml.load(text, Loader=yaml_loader())
        except yaml.YAMLError as err:
            raise ValueError(
                f"cannot read {raw!r} as a YAML {'list' if text[0] == '[' else 'mapping'}: {str(err).splitlines()[0]}"
            ) from None
        if isinstance(value, (list, dict)):
            return value
        return raw
    if "\n" in text or "\r" in text:
        return raw
    tag = _resolver().resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        return raw
    try:
        value = yaml.load(text, Loader=yaml_loader())
    except (yaml.YAMLError, ValueError):
        return raw
    return raw if isinstance(value, str) else value


def split_values(raw: str) -> list[Any]:
    """Sweep values ``V1,V2,...``: split at top-level commas (not inside [], {} or quotes);
    each piece is read as :func:`parse_value`, a quoted piece as a YAML quoted string.
    """
    import yaml

    pieces, depth, quote, cur = [], 0, None, []
    for ch in raw:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            cur.append(ch)
        elif ch in "[{":
            depth += 1
            cur.append(ch)
        elif ch in "]}":
            depth -= 1
            cur.append(ch)
        elif ch == "," and depth == 0:
            pieces.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    pieces.append("".join(cur))
    out = []
    for piece in pieces:
        p = piece.strip()
        if len(p) >= 2 and p[0] == p[-1] and p[0] in "'\"":
            try:
                out.append(yaml.safe_load(p))
                continue
            except yaml.YAMLError:
                pass
        if p == "":
            raise ValueError(f"empty value in {raw!r}")
        out.append(parse_value(p))
    return out


def load_params_file(path: str) -> dict[str, Any]:
    """A YAML mapping of parameter values (``-f``)."""
    import yaml

    p = Path(path)
    if not p.exists():
        raise ValueError(f"parameter file {path} does not exist")
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=yaml_loader())
    except yaml.YAMLError as err:
        raise ValueError(f"parameter file {path} is not valid YAML: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ValueError(f"parameter file {path} must hold a mapping of parameter names to values")
    return data
