"""The published site as a reader sees it, in headless Chromium: every chart drawn, themed and sized,
no console error or Vega warning, no page overflow on a phone, the same dates in every timezone,
no raw dataframe dump, and no request to another host."""

import re
from pathlib import Path

import pytest
from browser import TIMEZONES, browser, duplicate_legends, empty_layers, expected_chart_count, load, raw_dumps, serve
from conftest import CHROMIUM, REPO, glued

from scalinglab import charts, paths
from scalinglab.book import build
from scalinglab.book.pdf import toc_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
]

PAGES = [f"{doc}.html" for doc in toc_pages(REPO)] + ["search.html", "genindex.html"]
CHAPTER_PAGES = [f"executed/{slug}.html" for slug in paths.chapters()]


@pytest.fixture(scope="module")
def chromium():
    with browser(CHROMIUM) as b:
        yield b


@pytest.fixture(scope="module")
def site_url(built_site):
    with serve(built_site) as base:
        yield base


@pytest.mark.parametrize("page", PAGES)
def test_page_on_desktop(site_url, chromium, page):
    """Every chart drawn (each data layer has a visible extent), no console error, no Vega warning."""
    r = load(chromium, f"{site_url}/{page}")
    assert r["external"] == []
    assert r["page_errors"] == [] and r["console_errors"] == []
    assert [w for w in r["console_warnings"] if "WARN" in w] == [], "Vega warnings"
    assert r["error_boxes"] == 0
    assert [c["id"] for c in r["charts"] if not c["rendered"]] == []
    assert empty_layers(r) == []
    assert duplicate_legends(r) == [], "one field shown in two legends"
    assert raw_dumps(r["text"]) == [], "a dataframe printed as text"
    assert not re.search(r"\?\?|No key .* found", r["text"])


@pytest.mark.parametrize("page", PAGES)
def test_page_on_a_phone_in_dark_mode(site_url, chromium, page):
    """390 px wide: nothing runs off the page; every chart follows the dark theme."""
    r = load(chromium, f"{site_url}/{page}", width=390, height=844, color_scheme="dark")
    assert r["theme"] == "dark"
    assert r["overflow_px"] <= 0, f"page is {r['overflow_px']} px wider than the screen"
    assert [
        (c["id"], c["theme"], c["background"])
        for c in r["charts"]
        if c["theme"] != "dark" or c["background"] != charts.DARK["card"]
    ] == []
    assert empty_layers(r) == []


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_chart_dates_and_labels_are_the_same_in_every_timezone(site_url, chromium, page):
    seen = {}
    for tz in TIMEZONES:
        r = load(chromium, f"{site_url}/{page}", timezone=tz)
        seen[tz] = {c["id"]: (sorted(c["tooltips"]), sorted(c.get("text", []))) for c in r["charts"]}
    for tz in TIMEZONES[1:]:
        diff = {
            cid: sorted(set(seen[tz].get(cid, ([], []))[0]) - set(seen["UTC"][cid][0]))[:2]
            for cid in seen["UTC"]
            if seen["UTC"][cid] != seen[tz].get(cid)
        }
        assert diff == {}, f"charts that show other dates or labels in {tz} than in UTC (tooltips): {diff}"


@pytest.mark.parametrize("slug", paths.chapters())
def test_chapter_page_renders_every_chart(site_url, chromium, slug):
    n = expected_chart_count(REPO / "executed" / f"{slug}.ipynb")
    assert n >= 1
    r = load(chromium, f"{site_url}/executed/{slug}.html", n)
    assert r["embeds"] == n and r["rendered"] >= n
    assert "Run record" in r["text"]
    assert "Data (CSV)" in r["text"]


def test_theme_switch_rethemes_charts(site_url, chromium):
    ctx = chromium.new_context(color_scheme="light")
    page = ctx.new_page()
    page.goto(f"{site_url}/{CHAPTER_PAGES[0]}")
    page.wait_for_function("document.querySelectorAll('div.sl-chart[data-theme=\"light\"]').length > 0")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('div.sl-chart')).every(e => e.dataset.theme === 'dark')"
        " && window.scalinglabCharts.pending === 0"
    )
    bg = page.evaluate("Object.values(window.scalinglabCharts.views).map(v => String(v.background()))")
    ctx.close()
    assert bg and set(bg) == {charts.DARK["card"]}


def test_landing_page_shows_glued_findings(site_url, chromium):
    g = glued(REPO / "executed" / "moores_law_limits.ipynb")
    r = load(chromium, f"{site_url}/book/index.html", 0)
    assert f"law is {g['moore_verdict']}" in r["text"]
    assert f"every {g['transistor_doubling_years']:.1f} years" in r["text"]
    assert f"around {g['single_thread_break_year']:.0f}" in r["text"]


def test_math_renders_offline(site_url, chromium):
    ctx = chromium.new_context()
    page = ctx.new_page()
    external = []
    page.route(
        "**/*",
        lambda rt: (
            (external.append(rt.request.url), rt.abort()) if "127.0.0.1" not in rt.request.url else rt.continue_()
        ),
    )
    page.goto(f"{site_url}/executed/moores_law_limits.html")
    page.wait_for_selector("mjx-container svg", timeout=20000)
    ctx.close()
    assert external == []


def test_footer_states_licences_and_links_cite_and_pdf(built_site):
    for page in ("book/index.html", "executed/interconnect_scaling.html"):
        html = (built_site / page).read_text()
        assert "CC BY 4.0" in html and "MIT" in html
        assert 'href="../book/cite.html"' in html and 'href="../book.pdf"' in html
    cite = (built_site / "book" / "cite.html").read_text()
    assert "scalinglab2026" in cite and "CC BY 4.0" in cite


def test_references_page_lists_the_whole_bibliography(built_site):
    html = (built_site / "book" / "references.html").read_text()
    keys = re.findall(r"^@\w+\{([^,]+),", (REPO / "references.bib").read_text(), re.M)
    assert len(keys) >= 4
    assert html.count('class="citation"') + html.count('<dt class="label"') >= len(keys) or all(
        k.lower() in html.lower() for k in keys
    )


def test_downloads_offered(built_site):
    for slug in paths.chapters():
        html = (built_site / "executed" / f"{slug}.html").read_text()
        assert f"_sources/executed/{slug}.ipynb" in html
        assert (built_site / "_sources" / "executed" / f"{slug}.ipynb").exists()
    data_html = (built_site / "book" / "data.html").read_text()
    assert data_html.count("_downloads/") >= 15


def test_no_favicon_404_and_a_theme_mode(built_site):
    html = (built_site / "book" / "index.html").read_text()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert 'data-default-mode="auto"' in html


def test_strict_build_has_no_warnings(built_site, tmp_path):
    """A fresh strict build (-W -n --keep-going) of the same sources succeeds into a scratch folder."""
    out = build.site(out=tmp_path / "html", build_dir=tmp_path / "b")
    assert (out / "book" / "index.html").exists()
