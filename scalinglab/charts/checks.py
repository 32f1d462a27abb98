"""Rules every book chart meets, checked on its Vega-Lite spec before it is shown.

:func:`check_chart` returns the problems of a spec (empty list: fine); :func:`scalinglab.charts.finish`
raises ``ValueError`` listing them. The rules:

- a title and a ``Source:`` subtitle line; axis titles on every positional field; a tooltip;
- no stacking along a log axis, and no bar or area on a log axis without an explicit positive
  baseline (``x2``/``y2``): bars stacked from zero have zero length on a log scale and draw nothing;
- no zero or negative value of a field shown on a log axis (filter them with
  :func:`scalinglab.charts.log_positive`, which also writes the note the chart must show);
- calendar dates in UTC: every temporal encoding uses a ``utc*`` time unit or a ``utc`` scale, so a
  reader in New York or Kiritimati sees the same day as the data (see :func:`scalinglab.charts.utc_date`);
- one legend per field: a field shown in several legend channels or layers must use one title
  (Vega-Lite then merges the legends) or hide all but one legend (``legend=None``); with a ``sort``
  list Vega-Lite does not merge a field's color and shape legends, so all but one must be hidden.
"""

from __future__ import annotations

from typing import Any

POSITION = ("x", "y")
LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "size", "opacity", "strokeDash")
LENGTH_MARKS = {"bar", "area", "rect"}


def _units(spec: dict, inherited: dict | None = None, data: Any = None) -> list[tuple[dict, dict, Any]]:
    """(unit spec, encoding merged with the parents', data) of every single view in ``spec``."""
    enc = {**(inherited or {}), **spec.get("encoding", {})}
    data = spec.get("data", data)
    out = []
    if "mark" in spec:
        out.append((spec, enc, data))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            out.extend(_units(sub, enc if key == "layer" else {}, data))
    if "spec" in spec:
        out.extend(_units(spec["spec"], enc, data))
    return out


def _mark_type(unit: dict) -> str:
    m = unit.get("mark")
    return m.get("type", "") if isinstance(m, dict) else str(m)


def _is_log(e: dict) -> bool:
    scale = e.get("scale") or {}
    return isinstance(scale, dict) and scale.get("type") == "log"


def _values(spec: dict, data: Any) -> list[dict]:
    if not isinstance(data, dict):
        return []
    if "values" in data and isinstance(data["values"], list):
        return data["values"]
    name = data.get("name")
    return spec.get("datasets", {}).get(name, []) if name else []


def _title(title: Any) -> str:
    return " ".join(title) if isinstance(title, list) else str(title)


def _check_units(spec: dict) -> tuple[list[str], bool]:
    problems: list[str] = []
    has_tooltip = False
    legends: dict[str, set[str]] = {}
    channels: dict[str, set[str]] = {}
    sorted_lists: set[str] = set()
    for unit, enc, data in _units(spec):
        mark = _mark_type(unit)
        mark_def = unit.get("mark") if isinstance(unit.get("mark"), dict) else {}
        if "tooltip" in enc or mark_def.get("tooltip"):
            has_tooltip = True
        for ch in POSITION:
            e = enc.get(ch)
            if not isinstance(e, dict):
                continue
            field = e.get("field")
            if ("field" in e or "aggregate" in e) and "title" not in e and e.get("axis", {}) is not None:
                problems.append(f"{ch} encoding of field {field!r} has no axis title")
            if _is_log(e):
                if e.get("stack") not in (None, False):
                    problems.append(f"{ch} encoding of field {field!r} stacks on a log axis (set stack=None)")
                if mark in LENGTH_MARKS and f"{ch}2" not in enc:
                    problems.append(
                        f"{mark} on the log {ch} axis of field {field!r} starts at zero and draws "
                        f"nothing: give {ch}2 a positive baseline or use a point or tick mark"
                    )
                bad = [
                    r.get(field)
                    for r in _values(spec, data)
                    if isinstance(r.get(field), (int, float))
                    and not isinstance(r.get(field), bool)
                    and r.get(field) <= 0
                ]
                if field and bad:
                    problems.append(
                        f"field {field!r} has {len(bad)} zero or negative values on a log axis: "
                        "filter them with charts.log_positive(df, field) and show its note"
                    )
        for ch, e in enc.items():
            for item in e if isinstance(e, list) else [e]:
                if isinstance(item, dict) and item.get("type") == "temporal":
                    unit_name = str(
                        item.get("timeUnit", "")
                        if not isinstance(item.get("timeUnit"), dict)
                        else item["timeUnit"].get("unit", "")
                    )
                    scale = item.get("scale") or {}
                    utc_scale = isinstance(scale, dict) and scale.get("type") == "utc"
                    if not unit_name.startswith("utc") and not (utc_scale and ch in POSITION):
                        problems.append(
                            f"{ch} encoding of date field {item.get('field')!r} is shown in the reader's "
                            "timezone: use charts.utc_date() (a utc time unit)"
                        )
        for ch in LEGEND_CHANNELS:
            e = enc.get(ch)
            if isinstance(e, dict) and e.get("field") and e.get("legend", {}) is not None:
                legends.setdefault(str(e["field"]), set()).add(_title(e.get("title", e["field"])))
                channels.setdefault(str(e["field"]), set()).add(ch)
                if isinstance(e.get("sort"), list):
                    sorted_lists.add(str(e["field"]))
    for field, chans in sorted(channels.items()):
        if len(chans) > 1 and field in sorted_lists and len(legends[field]) == 1:
            problems.append(
                f"field {field!r} in {len(chans)} legend channels ({', '.join(sorted(chans))}) with a sort "
                "list draws one legend per channel: set legend=None on all but one channel"
            )
    for field, titles in sorted(legends.items()):
        if len(titles) > 1:
            problems.append(
                f"field {field!r} gets {len(titles)} legends ({', '.join(sorted(titles))}): use one "
                "title in every channel and layer, or legend=None on all but one"
            )
    return problems, has_tooltip


def check_chart(spec: dict) -> list[str]:
    """Problems that keep a Vega-Lite spec (dict) from meeting the book's chart rules.

    Parameters
    ----------
    spec
        A Vega-Lite specification, e.g. ``chart.to_dict()``.

    Returns
    -------
    list of str
        One message per problem, naming the channel and field; empty when the chart is fine.
    """
    problems = []
    title = spec.get("title")
    if not title:
        problems.append("no title")
    else:
        sub = title.get("subtitle") if isinstance(title, dict) else None
        sub = [sub] if isinstance(sub, str) else (sub or [])
        if not any(str(s).startswith("Source:") for s in sub):
            problems.append("no 'Source:' line")
    unit_problems, has_tooltip = _check_units(spec)
    problems.extend(dict.fromkeys(unit_problems))
    if not has_tooltip:
        problems.append("no tooltip")
    return problems
