"""Charts layer: the altair theme, chart checks and the offline vega runtime."""

from scalinglab.charts.theme import (
    THEME_NAME,
    OKABE_ITO,
    TEXT,
    MUTED,
    CARD,
    GRID,
    enable,
    finish,
    check_chart,
    vega_runtime_header,
    write_vega_runtime,
)

__all__ = [
    "THEME_NAME",
    "OKABE_ITO",
    "TEXT",
    "MUTED",
    "CARD",
    "GRID",
    "enable",
    "finish",
    "check_chart",
    "vega_runtime_header",
    "write_vega_runtime",
]

from scalinglab.charts.tables import table  # noqa: E402

__all__ += ["table"]
