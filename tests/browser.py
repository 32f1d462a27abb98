"""Serve a built site on 127.0.0.1 and load pages in Debian's Chromium, recording every off-host request."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


@contextlib.contextmanager
def serve(root: Path):
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
    """Altair outputs in an executed notebook (each becomes one div.vega-embed)."""
    nb = json.loads(Path(executed_nb).read_text())
    return sum(1 for c in nb["cells"] for o in c.get("outputs", [])
               if "vegaEmbed" in "".join(o.get("data", {}).get("text/html", "")))


@contextlib.contextmanager
def browser(executable: str = "/usr/bin/chromium"):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def load(b, url: str, charts: int, timeout_ms: int = 30000, screenshot: Path | None = None) -> dict:
    """Load ``url``; wait until ``charts`` charts render; return what happened.

    Returns ``{"external": [...], "errors": [...], "rendered": n, "error_boxes": n, "page_errors": [...]}``.
    Requests to any host other than 127.0.0.1 are aborted and listed in ``external``.
    """
    ctx = b.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    external, page_errors = [], []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(url, wait_until="load")
    sel = "div.vega-embed svg.marks, div.vega-embed canvas"
    if charts:
        page.wait_for_function(f"document.querySelectorAll('{sel}').length >= {charts}", timeout=timeout_ms)
    page.wait_for_timeout(300)
    result = {
        "external": external,
        "rendered": page.locator(sel).count(),
        "embeds": page.locator("div.vega-embed").count(),
        "error_boxes": page.locator("div.vega-embed div.error, div.error").count(),
        "page_errors": page_errors,
        "text": page.inner_text("body"),
    }
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=False)
    ctx.close()
    return result
