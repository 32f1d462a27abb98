"""``make pdf``: the whole book as one PDF, printed offline by Debian's Chromium.

The built HTML pages are joined, in table-of-contents order, into one print page
(``_build/html/_print/index.html``, removed afterwards): each page's article becomes a
section whose element ids are prefixed with the page's name, and every link between
pages is rewritten to an anchor inside the print page, so Chromium writes them as
internal PDF links. Charts are embedded by the site's own ``charts.js`` with the SVG
renderer, so they are vector graphics in the PDF. The PDF is written to
``_build/html/book.pdf`` (the site links to it) and kept in ``_build/generated/extra`` so a
later site build still serves it.

``python -m scalinglab.book.pdf [SITE] [OUT]``
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import sys
import threading
from pathlib import Path

import yaml

from scalinglab.book import pages as templates
from scalinglab.paths import BUILD_DIR, REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
KEEP_IDS = re.compile(r"^sl-(chart|table)-")
#: Printable width of A4 with 14 mm side margins at 96 px per inch: charts are laid out at the width they print.
PRINT_WIDTH_PX = round((210 - 2 * 14) / 25.4 * 96)
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm; }
body { background: #fff; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer, .prev-next-area, .header-article,
.sl-chart-data, .sl-table-data, .vega-embed details, .cell_input, details.hide-input, details.above-input,
.toggle-hidden, button.toggle-button { display: none !important; }
.sl-table .gt_table { font-size: 7.5pt !important; }
.sl-table .gt_table th, .sl-table .gt_table td { white-space: normal !important; overflow-wrap: anywhere; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
.pdf-page { break-before: page; }
.pdf-title { text-align: center; margin-top: 35vh; }
"""


def toc_pages(root: Path = REPO_ROOT) -> list[str]:
    """Document names in reading order from ``_toc.yml`` (root, then every part's chapters)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [str(toc["root"])]

    def walk(items):
        for item in items or []:
            if "file" in item:
                pages.append(re.sub(r"\.(md|ipynb)$", "", str(item["file"])))
            walk(item.get("sections"))

    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def _anchor(doc: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", doc).strip("-")


def combine(site: Path, pages: list[str], title: str) -> str:
    """One HTML page holding every page's article, links rewritten to internal anchors."""
    from bs4 import BeautifulSoup

    first = BeautifulSoup((site / f"{pages[0]}.html").read_text(encoding="utf-8"), "html.parser")
    head = first.head
    if head.title is not None:
        head.title.string = title  # the landing page's own title repeats the book's
    style = first.new_tag("style")
    style.string = PRINT_CSS
    head.append(style)
    sections = []
    known = set(pages)
    for doc in pages:
        soup = BeautifulSoup((site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article") or soup.body
        prefix = _anchor(doc)
        for el in article.select("[id]"):
            if not KEEP_IDS.match(el["id"]):
                el["id"] = f"{prefix}--{el['id']}"
        base = Path(doc).parent
        for a in article.select("a[href]"):
            href = a["href"]
            if re.match(r"^[a-z]+:", href):
                continue
            path, _, frag = href.partition("#")
            if not path:
                target = doc
            else:
                target = str((base / path).as_posix())
                target = re.sub(r"\.html$", "", re.sub(r"^(\./)+", "", str(Path(target))))
                parts: list[str] = []
                for part in target.split("/"):
                    if part == "..":
                        parts = parts[:-1]
                    elif part and part != ".":
                        parts.append(part)
                target = "/".join(parts)
            if target in known:
                a["href"] = f"#{_anchor(target)}--{frag}" if frag else f"#{_anchor(target)}"
        sections.append({"id": prefix, "html": article.decode_contents()})
    return templates.render("pdf_document.html.j2", head=str(head), title=title, sections=sections)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


@contextlib.contextmanager
def _serve(root: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def build_pdf(
    site: Path = BUILD_DIR / "html",
    out: Path | None = None,
    root: Path = REPO_ROOT,
    chromium: str = CHROMIUM,
    timeout_ms: int = 120_000,
) -> Path:
    """Print the built site ``site`` into one PDF and return its path.

    Raises ``FileNotFoundError`` when the site or Chromium is missing and playwright's
    ``TimeoutError`` when a chart does not render within ``timeout_ms``. No request leaves
    127.0.0.1 (others are aborted).
    """
    from playwright.sync_api import sync_playwright

    site = Path(site)
    out = Path(out) if out else site / "book.pdf"
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"no built site at {site}; run `make book` first")
    if not Path(chromium).exists():
        raise FileNotFoundError(f"no Chromium at {chromium}; `apt-get install chromium`")
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    pages = [p for p in toc_pages(root) if (site / f"{p}.html").exists()]
    print_dir = site / "_print"
    print_dir.mkdir(exist_ok=True)
    try:
        (print_dir / "index.html").write_text(combine(site, pages, config.get("title", "Book")), encoding="utf-8")
        with _serve(site) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1200})
            page.route(
                "**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:")) else r.abort()
            )
            page.goto(f"{base}/_print/index.html", wait_until="load")
            page.wait_for_function(
                "document.querySelectorAll('div.sl-chart').length === document.querySelectorAll("
                '\'div.sl-chart[data-rendered="1"], div.sl-chart[data-rendered="error"]\').length'
                " && (window.scalinglabCharts || {pending: 0}).pending === 0",
                timeout=timeout_ms,
            )
            page.evaluate("window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.emulate_media(media="print")
            tmp = out.with_suffix(".tmp.pdf")
            page.pdf(
                path=str(tmp),
                format="A4",
                print_background=True,
                outline=True,
                tagged=True,
                display_header_footer=True,
                header_template=templates.render("pdf_header.html.j2"),
                footer_template=templates.render("pdf_footer.html.j2"),
            )
            browser.close()
        tmp.replace(out)
    finally:
        shutil.rmtree(print_dir, ignore_errors=True)
    keep = BUILD_DIR / "generated" / "extra" / "book.pdf"
    if out.resolve() != keep.resolve():
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, keep)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m scalinglab.book.pdf [SITE] [OUT]``; prints the PDF's path, returns 0 or 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        out = build_pdf(Path(argv[0]) if argv else BUILD_DIR / "html", Path(argv[1]) if len(argv) > 1 else None)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"pdf -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
