"""Charts layer: the altair theme and renderer, chart checks and helpers, tables, the offline vega runtime."""

from scalinglab.charts.runtime import vega_runtime_header, write_vega_runtime
from scalinglab.charts.theme import (
    CARD,
    GRID,
    MUTED,
    OKABE_ITO,
    TEXT,
    THEME_NAME,
    check_chart,
    enable,
    finish,
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
from scalinglab.charts.helpers import UTC_DAY, log_positive, utc_date, utc_dates  # noqa: E402
from scalinglab.charts.render import chart_id, write_chart_themes  # noqa: E402
from scalinglab.charts.theme import DARK  # noqa: E402

__all__ += ["UTC_DAY", "log_positive", "utc_date", "utc_dates", "chart_id", "write_chart_themes", "DARK"]
