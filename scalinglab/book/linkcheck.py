"""Offline link check of the built site: every internal link, asset and anchor resolves.

``python -m scalinglab.book.linkcheck [SITE]`` prints one line per broken link
(``page: href -> why``) and exits 1 when there is any. Links to other hosts are not
fetched (the site works offline; the browser tests check that no page requests one).
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from scalinglab.paths import BUILD_DIR

ATTRS = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "src"), ("iframe", "src")}
SKIP_DIRS = {"_sources", "_downloads", "_static", "mathjax", "_images"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        for key in ("id", "name"):
            if d.get(key):
                self.ids.add(d[key])
        for t, a in ATTRS:
            if tag == t and d.get(a):
                self.links.append(d[a])


def _parse(path: Path, cache: dict[Path, _Page]) -> _Page:
    if path not in cache:
        p = _Page()
        p.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = p
    return cache[path]


def broken_links(site: Path) -> list[str]:
    """``"page: href -> reason"`` for every internal link of the site ``site`` that does not resolve."""
    site = Path(site).resolve()
    cache: dict[Path, _Page] = {}
    problems = []
    pages = sorted(p for p in site.rglob("*.html") if not (set(p.relative_to(site).parts[:-1]) & SKIP_DIRS))
    for page in pages:
        rel = page.relative_to(site)
        for href in _parse(page, cache).links:
            url = urlparse(href)
            if url.scheme or href.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            target = page if not url.path else (page.parent / unquote(url.path)).resolve()
            if url.path.endswith("/") or (target.is_dir() and target.exists()):
                target = target / "index.html"
            if not target.is_relative_to(site):
                problems.append(f"{rel}: {href} -> outside the site")
                continue
            if not target.exists():
                problems.append(f"{rel}: {href} -> no file {target.relative_to(site)}")
                continue
            frag = unquote(url.fragment)
            if frag and target.suffix == ".html" and frag not in _parse(target, cache).ids:
                problems.append(f"{rel}: {href} -> no anchor #{frag} in {target.relative_to(site)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Check ``SITE`` (default ``_build/html``); print broken links; return 1 if any."""
    argv = list(sys.argv[1:] if argv is None else argv)
    site = Path(argv[0]) if argv else BUILD_DIR / "html"
    if not (site / "index.html").exists():
        print(f"error: no built site at {site}; run `make book` first", file=sys.stderr)
        return 1
    problems = broken_links(site)
    for p in problems:
        print(p)
    n = len(list(site.rglob("*.html")))
    print(
        f"links: {len(problems)} broken in {n} pages" if problems else f"links: all internal links resolve ({n} pages)",
        file=sys.stderr if problems else sys.stdout,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
