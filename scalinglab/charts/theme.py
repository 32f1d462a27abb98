"""The book's one altair theme, chart helpers, and the offline vega runtime.

Theme
    Okabe-Ito colour-blind-safe palette (Wong, *Nature Methods* 8:441, 2011),
    charts drawn on their own light card so they stay readable when the site is in
    dark mode, axis titles that carry units, and export-only embed actions (no
    "Open in Vega Editor" link to another host).

Every chart in the book goes through :func:`finish`, which sets the title,
an optional subtitle and the **source line**, and :func:`check_chart`, which
rejects a chart without a title, axis titles, tooltips or a source.

Offline runtime
    :func:`write_vega_runtime` bundles vega, vega-lite and vega-embed from the
    pinned ``vl-convert-python`` into one script served by the site itself and sets
    ``VEGA_DEBUG`` so altair's HTML output uses it instead of a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

THEME_NAME = "scalinglab"
#: Okabe-Ito palette, in the order recommended for categorical data.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TEXT = "#1f2328"
MUTED = "#57606a"
CARD = "#ffffff"
GRID = "#d0d7de"
WIDTH, HEIGHT = 560, 320


def _theme() -> dict[str, Any]:
    return {
        "config": {
            "background": CARD,
            "padding": 12,
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "title": {"fontSize": 15, "color": TEXT, "anchor": "start", "subtitleColor": MUTED,
                      "subtitleFontSize": 11, "offset": 10},
            "axis": {"labelColor": TEXT, "titleColor": TEXT, "gridColor": GRID, "domainColor": MUTED,
                     "tickColor": MUTED, "labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal",
                     "labelOverlap": True, "labelFlush": True, "labelSeparation": 6},
            "legend": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 11, "titleFontSize": 12,
                       "titleFontWeight": "normal", "orient": "bottom", "direction": "horizontal", "columns": 2,
                       "symbolLimit": 40, "labelLimit": 260},
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
    alt.renderers.set_embed_options(actions={"export": True, "source": False, "compiled": False, "editor": False})
    alt.data_transformers.disable_max_rows()
    from scalinglab.charts.frontend import inline_runtime

    inline_runtime()


def finish(chart: alt.TopLevelMixin, title: str, source: str, subtitle: str | list[str] | None = None,
           width: int | None = None, height: int | None = None) -> alt.TopLevelMixin:
    """Set title, subtitle and the source line (last subtitle line), then check the chart.

    ``source`` names the dataset, e.g. ``"Karl Rupp, microprocessor-trend-data (CC BY 4.0)"``.
    Returns the chart; raises ``ValueError`` from :func:`check_chart` when it lacks
    axis titles or tooltips.
    """
    lines = [] if subtitle is None else ([subtitle] if isinstance(subtitle, str) else list(subtitle))
    lines.append(f"Source: {source}")
    props: dict[str, Any] = {"title": alt.TitleParams(text=title, subtitle=lines)}
    if width is not None:
        props["width"] = width
    if height is not None:
        props["height"] = height
    chart = chart.properties(**props)
    problems = check_chart(chart.to_dict())
    if problems:
        raise ValueError(f"chart {title!r}: " + "; ".join(problems))
    return chart


def _walk_units(spec: dict) -> list[dict]:
    """All unit (single-view) specs inside a layered / concatenated / faceted spec."""
    out = []
    if "mark" in spec:
        out.append(spec)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            out.extend(_walk_units(sub))
    if "spec" in spec:
        out.extend(_walk_units(spec["spec"]))
    return out


def check_chart(spec: dict) -> list[str]:
    """Problems that keep a Vega-Lite spec (dict) from meeting the book's chart rules.

    Rules: a title and a ``Source:`` subtitle line at the top level; every
    positional x/y encoding with a field has an axis title (``title`` set, or
    ``axis: null``); at least one view carries a tooltip. Returns a list of messages
    (empty when the chart is fine).
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
    units = _walk_units(spec)
    has_tooltip = False
    for u in units:
        enc = u.get("encoding", {})
        if "tooltip" in enc or (isinstance(u.get("mark"), dict) and u["mark"].get("tooltip")):
            has_tooltip = True
        for ch in ("x", "y"):
            e = enc.get(ch)
            if isinstance(e, dict) and ("field" in e or "aggregate" in e) and "title" not in e and e.get("axis", {}) is not None:
                problems.append(f"{ch} encoding of field {e.get('field')!r} has no axis title")
    if not has_tooltip:
        problems.append("no tooltip")
    return problems


def vega_runtime_header() -> str:
    """First line of the generated runtime: the bundled versions and the generator's version."""
    import vl_convert as vlc

    vl_minor = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    return (f"/* vega {vlc.get_vega_version()}, vega-lite {vl_minor}, vega-embed {vlc.get_vega_embed_version()}; "
            f"altair {alt.__version__}; generated by scalinglab.charts from vl-convert-python {vlc.__version__}. "
            "Do not edit. */\n")


def write_vega_runtime(path: Path, force: bool = False) -> Path:
    """Write the offline vega + vega-lite + vega-embed bundle to ``path``.

    Generated from the pinned ``vl-convert-python`` for the Vega-Lite version that
    the pinned altair targets; wrapped in a function scope, it exposes only
    ``window.vegaEmbed`` (and ``vega``/``vegaLite``) and sets ``window.VEGA_DEBUG`` so
    altair's HTML output skips its CDN loader. An existing file generated for the
    same versions is kept (bundling takes about 1.5 s) unless ``force``. Returns ``path``.
    """
    import vl_convert as vlc

    path = Path(path)
    header = vega_runtime_header()
    if not force and path.exists():
        with open(path, encoding="utf-8") as fh:
            if fh.readline() == header:
                return path
    vl_minor = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
    snippet = (
        "window.vegaEmbed = vegaEmbed; window.vegaLite = vegaLite; window.vega = vega;\n"
        f"window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {{vega_version: '{alt.VEGA_VERSION}', "
        f"vegalite_version: '{alt.VEGALITE_VERSION}', vegaembed_version: '{alt.VEGAEMBED_VERSION}'}});\n"
    )
    bundle = vlc.javascript_bundle(snippet, vl_version=f"v{vl_minor}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(header + "(function(){\n" + bundle + "\n})();\n", encoding="utf-8")
    tmp.replace(path)
    return path
