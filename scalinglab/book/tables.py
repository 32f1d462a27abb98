"""Plain-text tables for the command line (``scalinglab params``, ``run``, ``sweep``)."""

from __future__ import annotations

from typing import Any

__all__ = ["format_value", "glued_table", "text_table"]


def format_value(v: Any) -> str:
    """A glued value as printed in tables: floats to 6 significant digits, long text cut to 70 characters."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    return s if len(s) <= 70 else s[:67] + "..."


def text_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A plain aligned text table (header, rule, rows)."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    cells = [[format_value(r.get(c)) if not isinstance(r.get(c), str) else r.get(c) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(x) for x in cells])


def glued_table(glued: dict[str, Any]) -> str:
    """The glued headline numbers of a run as a plain-text table (key, value)."""
    return text_table([{"key": k, "value": format_value(v)} for k, v in glued.items()])
