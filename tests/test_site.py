"""The published site: strict build, every chart renders offline in Chromium, no request leaves the host."""

import os
import re
import shutil
from pathlib import Path

import pytest

from browser import browser, expected_chart_count, load, serve
from conftest import CHROMIUM, REPO, glued
from scalinglab.book import build
from scalinglab import paths

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)")


@pytest.fixture(scope="module")
def chromium():
    with browser(CHROMIUM) as b:
        yield b


@pytest.mark.parametrize("slug", paths.chapters())
def test_chapter_page_renders_every_chart_offline(built_site, chromium, slug, tmp_path):
    n = expected_chart_count(REPO / "executed" / f"{slug}.ipynb")
    assert n >= 3
    with serve(built_site) as base:
        r = load(chromium, f"{base}/executed/{slug}.html", n, screenshot=tmp_path / f"{slug}.png")
    assert r["external"] == []
    assert r["embeds"] == n and r["rendered"] >= n
    assert r["error_boxes"] == 0
    assert r["page_errors"] == []
    assert "Run record" in r["text"]
    assert not re.search(r"\?\?|No key .* found", r["text"])


@pytest.mark.parametrize("page", ["index.html", "book/index.html", "book/rerun.html", "book/workshop.html", "book/methods.html",
                                  "book/data.html", "search.html"])
def test_other_pages_make_no_external_request(built_site, chromium, page):
    with serve(built_site) as base:
        r = load(chromium, f"{base}/{page}", 0)
    assert r["external"] == [] and r["page_errors"] == []


def test_landing_page_shows_glued_findings(built_site, chromium):
    g = glued(REPO / "executed" / "moores_law_limits.ipynb")
    with serve(built_site) as base:
        r = load(chromium, f"{base}/book/index.html", 0)
    assert f"double every {g['transistor_doubling_years']:.1f} years" in r["text"]
    assert f"around {g['single_thread_break_year']:.0f}" in r["text"]


def test_math_renders_offline(built_site, chromium):
    with serve(built_site) as base:
        ctx = chromium.new_context()
        page = ctx.new_page()
        external = []
        page.route("**/*", lambda rt: (external.append(rt.request.url), rt.abort())
                   if "127.0.0.1" not in rt.request.url else rt.continue_())
        page.goto(f"{base}/executed/moores_law_limits.html")
        page.wait_for_selector("mjx-container svg", timeout=20000)
        ctx.close()
    assert external == []


def test_downloads_offered(built_site):
    for slug in paths.chapters():
        html = (built_site / "executed" / f"{slug}.html").read_text()
        assert f"_sources/executed/{slug}.ipynb" in html
        assert (built_site / "_sources" / "executed" / f"{slug}.ipynb").exists()
    data_html = (built_site / "book" / "data.html").read_text()
    assert data_html.count("_downloads/") >= 15


def test_strict_build_has_no_warnings(built_site, tmp_path):
    """A fresh strict build (-W -n --keep-going) of the same sources succeeds into a scratch folder."""
    out = build.site(out=tmp_path / "html", build_dir=tmp_path / "b")
    assert (out / "book" / "index.html").exists()
