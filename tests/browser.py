"""Serve a built site on 127.0.0.1 and load pages in Debian's Chromium, recording what a reader would see.

:func:`load` opens one page at a given width, colour scheme and timezone, aborts (and lists) every request
to another host, waits until every chart has rendered, and returns the console errors and warnings, the
horizontal overflow, the charts' drawn extent per data layer (read from each Vega view's scenegraph), the
tooltips the charts would show, and the page text.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEZONES = ["UTC", "America/New_York", "Pacific/Kiritimati"]
#: A polars/pandas repr printed into a page: "shape: (" or a row of dtypes.
DTYPES = r"(str|f64|f32|i64|i32|u32|u64|bool|date|datetime\[\w+\]|list\[\w+\]|object|float64|int64|cat)"
RAW_DUMP = re.compile(rf"shape: \(\d+, \d+\)|^\s*{DTYPES}(\s+{DTYPES}){{2,}}\s*$", re.M)

# For every chart: its data layers (Vega marks with role "mark") and how many items have a drawn
# extent: rects and symbols with area, lines/rules/areas with length, text with a non-empty bbox.
_CHART_REPORT = r"""
() => {
  const out = [];
  const views = (window.scalinglabCharts || {}).views || {};
  for (const el of document.querySelectorAll('div.sl-chart')) {
    const view = views[el.id];
    const rec = {id: el.id, rendered: !!view, theme: el.dataset.theme || null, layers: [], tooltips: [], legends: [],
                 background: view ? String(view.background()) : null};
    if (view) {
      const walk = (node, depth) => {
        if (!node || depth > 40) return;
        if (node.role === 'legend-title') {
          for (const it of node.items || []) rec.legends.push([].concat(it.text || '').join(' '));
        }
        if (node.marktype && node.role === 'mark' && node.marktype !== 'group') {
          let drawn = 0;
          for (const it of node.items || []) {
            const b = it.bounds;
            const w = b ? b.x2 - b.x1 : 0, h = b ? b.y2 - b.y1 : 0;
            const ok = {rect: w > 0.5 && h > 0.5 && (it.width === undefined || Math.abs(it.width) > 0.1 || Math.abs(it.x2 - it.x) > 0.1),
                        symbol: w > 0.5 && h > 0.5, text: w > 0.5,
                        line: w > 0.5 || h > 0.5, rule: w > 0.5 || h > 0.5, area: w > 0.5 && h > 0.5,
                        trail: w > 0.5 || h > 0.5, arc: w > 0.5 && h > 0.5, image: w > 0.5 && h > 0.5}[node.marktype];
            if (ok === undefined ? (w > 0 || h > 0) : ok) drawn += 1;
            if (it.tooltip !== undefined && it.tooltip !== null) rec.tooltips.push(JSON.stringify(it.tooltip));
          }
          rec.layers.push({name: node.name || node.marktype, marktype: node.marktype, items: (node.items || []).length, drawn});
        }
        for (const it of node.items || []) { if (it.items) for (const child of it.items) walk(child, depth + 1); }
      };
      walk(view.scenegraph().root, 0);
      rec.text = Array.from(el.querySelectorAll('svg text')).map(t => t.textContent);
    }
    out.push(rec);
  }
  return out;
}
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


@contextlib.contextmanager
def serve(root: Path):
    """Serve ``root`` on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def expected_chart_count(executed_nb: Path) -> int:
    """Altair outputs in an executed notebook (each becomes one div.sl-chart)."""
    nb = json.loads(Path(executed_nb).read_text())
    return sum(
        1
        for c in nb["cells"]
        for o in c.get("outputs", [])
        if 'class="sl-chart"' in "".join(o.get("data", {}).get("text/html", ""))
    )


@contextlib.contextmanager
def browser(executable: str = "/usr/bin/chromium"):
    """A headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def load(
    b,
    url: str,
    charts: int | None = None,
    timeout_ms: int = 30000,
    screenshot: Path | None = None,
    width: int = 1280,
    height: int = 900,
    color_scheme: str = "light",
    timezone: str | None = None,
    full_page: bool = False,
) -> dict:
    """Load ``url`` and wait until every chart on it has rendered; return what happened.

    ``charts``: how many charts to wait for (default: as many ``div.sl-chart`` as the page has).
    Returns a dict with ``external`` (aborted off-host requests), ``console_errors``, ``console_warnings``,
    ``page_errors``, ``rendered`` / ``embeds`` (charts drawn / present), ``error_boxes``, ``charts``
    (per chart: id, theme, background, data layers with items and drawn items, tooltips, SVG texts),
    ``overflow_px`` (page width beyond the viewport), ``text`` and ``html``.
    """
    ctx = b.new_context(viewport={"width": width, "height": height}, color_scheme=color_scheme, timezone_id=timezone)
    page = ctx.new_page()
    external, page_errors, errors, warnings = [], [], [], []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    def console(msg):
        if msg.type == "error":
            errors.append(msg.text)
        elif msg.type == "warning":
            warnings.append(msg.text)

    page.route("**/*", route)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.on("console", console)
    page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    n = page.locator("div.sl-chart").count() if charts is None else charts
    if n:  # every chart drawn or failed (a failure is logged as a console error)
        page.wait_for_function(
            f'document.querySelectorAll(\'div.sl-chart[data-rendered="1"], div.sl-chart[data-rendered="error"]\')'
            f".length >= {n} && (window.scalinglabCharts || {{}}).pending === 0",
            timeout=timeout_ms,
        )
    page.wait_for_timeout(300)
    result = {
        "external": external,
        "console_errors": errors,
        "console_warnings": warnings,
        "page_errors": page_errors,
        "rendered": page.locator("div.sl-chart svg.marks").count(),
        "embeds": page.locator("div.sl-chart").count(),
        "error_boxes": page.locator("div.vega-embed div.error, div.error").count(),
        "charts": page.evaluate(_CHART_REPORT),
        "overflow_px": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        "theme": page.evaluate("document.documentElement.dataset.theme"),
        "text": page.inner_text("body"),
        "html": page.content(),
    }
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=full_page)
    ctx.close()
    return result


def empty_layers(report: dict) -> list[str]:
    """'chart-id: layer (marktype, n items)' for every data layer that draws nothing."""
    return [
        f"{c['id']}: {lay['name']} ({lay['marktype']}, {lay['items']} items, none drawn)"
        for c in report["charts"]
        for lay in c["layers"]
        if lay["drawn"] == 0
    ]


def duplicate_legends(report: dict) -> list[str]:
    """'chart-id: title' for every legend title drawn more than once in one chart (one field, two legends)."""
    return [f"{c['id']}: {t}" for c in report["charts"] for t in sorted(set(c["legends"])) if c["legends"].count(t) > 1]


def raw_dumps(text: str) -> list[str]:
    """Fragments of ``text`` that look like a printed dataframe (a shape line or a dtype row)."""
    return [m.group(0).strip() for m in RAW_DUMP.finditer(text)]
