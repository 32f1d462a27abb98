"""The claims page in the built book: the landing page's ledger in Chromium, every link of the claims page, and
the notebook's validation cell (one papermill run)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from conftest import CHROMIUM, REPO, assert_named_parameter_error, run_papermill

from scalinglab.analyses import claims as C


def test_landing_page_shows_the_ledger_and_every_verdict_link_resolves(built_site):
    from browser import browser, serve

    with serve(built_site) as url, browser(CHROMIUM) as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/book/index.html", wait_until="load")
        rows = page.eval_on_selector_all(
            "table#claims-ledger tbody tr",
            "rows => rows.map(r => { const a = r.querySelector('td:nth-child(3) a');"
            " return {text: r.innerText, verdict: a ? a.innerText.trim() : null, href: a ? a.href : null}; })",
        )
        assert len(rows) == 9, rows
        for i, row in enumerate(rows, start=1):
            assert row["verdict"] in C.VERDICTS, row
            target = urlparse(row["href"])
            assert target.path.endswith("/executed/claims.html") and target.fragment == C.CLAIMS[i - 1].anchor, row
            page.goto(urljoin(url, target.path), wait_until="load")
            assert page.evaluate(f"document.getElementById('{target.fragment}') !== null"), row
            assert C.CLAIMS[i - 1].heading in page.inner_text(f"[id='{target.fragment}']"), row
            page.goto(f"{url}/book/index.html", wait_until="load")


def test_claims_page_links_resolve(built_site):
    page = built_site / "executed" / "claims.html"
    html = page.read_text(encoding="utf-8")
    links = set(re.findall(r'href="([A-Za-z0-9_./-]+\.html)#([A-Za-z0-9_-]+)"', html))
    links |= {("", frag) for frag in re.findall(r'href="#(claim-[0-9a-z-]+)"', html)}
    chapters = {p for p, _ in links if p}
    assert {f"{s}.html" for s in ("datacentre_scale", "software_speedup", "token_cost_drop")} <= chapters
    assert len([f for p, f in links if not p]) == 9  # the ledger table's links to the nine sections
    for path, frag in sorted(links):
        target = page if not path else (page.parent / path)
        assert target.exists(), path
        assert re.search(rf'id="{re.escape(frag)}"', target.read_text(encoding="utf-8")), (path, frag)


def test_claims_page_glues_every_verdict(built_site):
    from scalinglab.book.glue import glued_file

    g = glued_file(REPO / "executed" / "claims.ipynb")
    assert [g[f"claim{n}_verdict"] for n in range(1, 10)] == [
        c.verdict for c in C.evaluate({**_chapter_values(), "token_cost_drop:params": _params("token_cost_drop")})
    ]
    assert g["claims_n"] == 9


def _chapter_values() -> dict:
    from scalinglab.book import ledger

    return ledger.load(REPO / "executed").values


def _params(slug: str) -> dict:
    from scalinglab.book import ledger

    return ledger.load(REPO / "executed").params[slug]


@pytest.mark.notebook
def test_bad_executed_dir_stops_the_notebook(tmp_path: Path):
    res = run_papermill("claims", tmp_path / "out.ipynb", "-p", "executed_dir", "/no/such/folder")
    assert_named_parameter_error(res, "executed_dir")


def test_scenario_book_names_the_changed_verdicts(tmp_path: Path, built_site):
    """A scenario that raises the promise's lower end above the interval's top flips claim 1, and says so."""
    import json

    from scalinglab.book import scenarios
    from scalinglab.book.glue import glued_file

    g = glued_file(REPO / "executed" / "datacentre_scale.ipynb")
    low = round(g["dc_perf_growth_ci_high"] + 0.05, 2)  # computed from the chapter: above the interval's top
    f = tmp_path / "strict_promise.yaml"
    f.write_text(
        f"title: Strict promise\ndescription: A higher lower end.\nchapters:\n  claims:\n"
        f"    promise_low_x: {low}\n    promise_high_x: {max(low, 3.0)}\n"
    )
    html = scenarios.build_book(scenarios.load(f), out_root=tmp_path / "book", log=lambda s: None)
    info = json.loads((html / "scenario.json").read_text())
    assert {c["claim"] for c in info["verdict_changes"]} >= {1}
    assert "Verdicts changed: claim 1" in (html / "executed" / "claims.html").read_text(encoding="utf-8")
    assert "Verdicts changed: claim 1" in (html / "book" / "index.html").read_text(encoding="utf-8")
