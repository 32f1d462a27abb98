"""The book's one altair theme, chart helpers, and the offline vega runtime.

Theme
    Okabe-Ito colour-blind-safe palette (Wong, *Nature Methods* 8:441, 2011), a light
    card in the spec and a dark variant (:data:`DARK`) that the page swaps in when the
    reader's site is in dark mode (see :mod:`scalinglab.charts.render`), axis titles that
    carry units, and export-only embed actions (no "Open in Vega Editor" link to another host).

Every chart in the book goes through :func:`finish`, which sets the title,
an optional subtitle and the **source line**, makes single-view and layered charts fill
their container, and runs :func:`scalinglab.charts.checks.check_chart` (title, source,
axis titles, tooltips, log axes, UTC dates, one legend per field).

Offline runtime
    :func:`scalinglab.charts.runtime.write_vega_runtime` bundles vega, vega-lite and vega-embed from the
    pinned ``vl-convert-python`` into one script served by the site itself and sets
    ``VEGA_DEBUG`` so altair's HTML output uses it instead of a CDN.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from scalinglab.charts import render
from scalinglab.charts.checks import check_chart
from scalinglab.charts.palette import CARD, DARK, GRID, MUTED, OKABE_ITO, TEXT  # noqa: F401 - re-exported

THEME_NAME = "scalinglab"
WIDTH, HEIGHT = 560, 320


def _theme() -> dict[str, Any]:
    return {
        "config": {
            "background": CARD,
            "padding": 12,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "title": {
                "fontSize": 15,
                "color": TEXT,
                "anchor": "start",
                "subtitleColor": MUTED,
                "subtitleFontSize": 11,
                "offset": 10,
            },
            "axis": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "gridColor": GRID,
                "domainColor": MUTED,
                "tickColor": MUTED,
                "labelFontSize": 11,
                "titleFontSize": 12,
                "titleFontWeight": "normal",
                "labelOverlap": True,
                "labelFlush": True,
                "labelSeparation": 6,
            },
            "legend": {
                "labelColor": TEXT,
                "titleColor": TEXT,
                "labelFontSize": 11,
                "titleFontSize": 12,
                "titleFontWeight": "normal",
                "orient": "bottom",
                "direction": "horizontal",
                "columns": 2,
                "symbolLimit": 40,
                "labelLimit": 260,
            },
            "range": {"category": OKABE_ITO},
            "point": {"size": 40, "filled": True},
            "line": {"strokeWidth": 2},
            "text": {"color": TEXT},
        }
    }


@alt.theme.register(THEME_NAME, enable=False)
def _registered_theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(**_theme())  # type: ignore[arg-type]


def enable() -> None:
    """Enable the book theme and offline-friendly embed options for this kernel.

    Call once at the top of a chapter (``from scalinglab import charts; charts.enable()``).
    """
    alt.theme.enable(THEME_NAME)
    alt.renderers.enable(render.RENDERER_NAME)
    alt.data_transformers.disable_max_rows()
    from scalinglab.charts.frontend import inline_runtime

    inline_runtime()


def _faceted(spec: dict) -> bool:
    """True when a chart facets by row/column (Vega-Lite cannot size those to the container)."""
    layers = [spec, *spec.get("layer", [])]
    return "facet" in spec or any(k in lay.get("encoding", {}) for lay in layers for k in ("row", "column", "facet"))


BAND_PX = 24


def _discrete_y_bands(spec: dict) -> int:
    """Distinct values of a nominal/ordinal y field (0 when y is continuous or absent)."""
    from scalinglab.charts.checks import _units, _values

    best = 0
    for _unit, enc, data in _units(spec):
        y = enc.get("y")
        if isinstance(y, dict) and y.get("type") in {"nominal", "ordinal"} and y.get("field"):
            values = {str(r.get(y["field"])) for r in _values(spec, data)}
            best = max(best, len(values))
    return best


def finish(
    chart: alt.TopLevelMixin,
    title: str,
    source: str,
    subtitle: str | list[str] | None = None,
    width: int | None = None,
    height: int | None = None,
) -> alt.TopLevelMixin:
    """Set title, subtitle and the source line (last subtitle line), then check the chart.

    ``source`` names the dataset, e.g. ``"Karl Rupp, microprocessor-trend-data (CC BY 4.0)"``.
    Single-view and layered charts without an explicit ``width`` fill their container
    (``width="container"``), so they fit a 390-px phone as well as a desktop column.
    Returns the chart; raises ``ValueError`` listing the problems :func:`check_chart` finds.
    """
    lines = [] if subtitle is None else ([subtitle] if isinstance(subtitle, str) else list(subtitle))
    lines.append(f"Source: {source}")
    props: dict[str, Any] = {"title": alt.TitleParams(text=title, subtitle=lines)}
    if width is not None:
        props["width"] = width
    elif isinstance(chart, (alt.Chart, alt.LayerChart)) and not _faceted(spec := chart.to_dict(validate=False)):
        props["width"] = "container"
        props["autosize"] = alt.AutoSizeParams(type="fit-x", contains="padding")
        bands = _discrete_y_bands(spec)
        if bands and height is None:
            # Vega-Lite warns "Dropping fit-y" for a container width over a discrete (step) height.
            props["height"] = max(80, BAND_PX * bands)
    if height is not None:
        props["height"] = height
    chart = chart.properties(**props)
    problems = check_chart(chart.to_dict())
    if problems:
        raise ValueError(f"chart {title!r}: " + "; ".join(problems))
    return chart
