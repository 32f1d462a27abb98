"""Publishing: the PDF, the offline link check, ghp-import to a gh-pages branch, the GitHub Actions
workflow (actionlint), the licences and CITATION.cff (cffconvert)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHROMIUM, REPO

from scalinglab.book import linkcheck
from scalinglab.book.pdf import toc_pages

BIN = Path(sys.executable).parent
CFFCONVERT = "cffconvert==2.0.0"


@pytest.fixture(scope="session")
def built_pdf(built_site) -> Path:
    """``_build/html/book.pdf`` from ``make pdf`` (a no-op when the site did not change)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    r = subprocess.run(["make", "--no-print-directory", "pdf"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return built_site / "book.pdf"


def _pdf_titles(data: bytes) -> list[str]:
    """Outline (bookmark) titles of a Chromium PDF: literal strings or UTF-16 hex."""
    out = []
    for lit, hexa in re.findall(rb"/Title\s*(?:\(((?:\\.|[^\\)])*)\)|<([0-9A-Fa-f]+)>)", data):
        if hexa:
            raw = bytes.fromhex(hexa.decode())
            out.append(raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1"))
        else:
            out.append(re.sub(rb"\\(.)", rb"\1", lit).decode("latin-1"))
    return out


@pytest.mark.browser
def test_pdf_has_every_chapter_vector_charts_and_internal_links(built_pdf, built_site):
    data = built_pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 200_000
    titles = {re.sub(r"\W", "", t).lower() for t in _pdf_titles(data)}
    for doc in toc_pages(REPO):
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", (built_site / f"{doc}.html").read_text(), re.S)
        assert h1, doc
        words = re.sub(r"\W", "", re.sub(r"<[^>]+>|&\w+;", "", h1.group(1))).lower()
        assert any(words[:25] in t for t in titles), f"{doc} ({words[:25]}) missing from the PDF outline"
    assert len(re.findall(rb"/Dest\b", data)) >= 10, "no internal links"
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 20
    assert not re.search(rb"/Subtype\s*/Image", data) or data.count(b"/Subtype /Image") < 20  # charts are paths


@pytest.mark.browser
def test_every_internal_link_and_anchor_resolves(built_pdf, built_site):
    assert linkcheck.broken_links(built_site) == []


def test_linkcheck_reports_missing_pages_and_anchors(tmp_path):
    (tmp_path / "index.html").write_text(
        '<a href="a.html#here">a</a> <a href="b.html">b</a> <a href="#top">t</a>'
        '<a href="https://example.org/x">x</a><h1 id="top">T</h1>'
    )
    (tmp_path / "a.html").write_text('<h1 id="there">A</h1>')
    assert linkcheck.broken_links(tmp_path) == [
        "a.html#here -> no anchor #here in a.html".join(["index.html: ", ""]),
        "index.html: b.html -> no file b.html",
    ]
    assert linkcheck.main([str(tmp_path)]) == 1


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_make_publish_pushes_the_site_to_gh_pages(tmp_path):
    """ghp-import (pinned) commits a site to gh-pages and pushes it to a (here: local bare) remote."""
    bare = tmp_path / "remote.git"
    _git("init", "--bare", "-q", str(bare), cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", "-b", "main", cwd=work)
    _git("remote", "add", "origin", str(bare), cwd=work)
    site = work / "_build" / "html"
    (site / "book").mkdir(parents=True)
    (site / "index.html").write_text("<h1>book</h1>")
    (site / "book" / "index.html").write_text("<h1>chapter</h1>")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    # the same command line as `make publish`
    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "publish", "REMOTE=origin"], cwd=REPO, capture_output=True, text=True
    ).stdout
    line = next(l for l in re.sub(r"\\\n\s*", " ", recipe).splitlines() if "ghp-import" in l)
    assert "--push" in line and "--branch gh-pages" in line and "--no-jekyll" in line
    cmd = line.replace(".venv/bin/ghp-import", str(BIN / "ghp-import")).replace("$(git rev-parse --short HEAD)", "test")
    r = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files = _git("ls-tree", "-r", "--name-only", "gh-pages", cwd=bare).split()
    assert sorted(files) == [".nojekyll", "book/index.html", "index.html"]
    assert _git("show", "gh-pages:book/index.html", cwd=bare) == "<h1>chapter</h1>"


def test_workflow_passes_actionlint():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows
    r = subprocess.run([str(BIN / "actionlint"), *map(str, workflows)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    text = workflows[0].read_text()
    assert "branches: [main]" in text and "make test" in text and "actions/deploy-pages" in text


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    assert subprocess.run([str(BIN / "actionlint"), str(bad)], capture_output=True).returncode != 0


def test_licences():
    mit = (REPO / "LICENSE").read_text()
    assert mit.startswith("MIT License") and "The scalinglab authors" in mit
    text = (REPO / "LICENSE-text").read_text()
    assert "Creative Commons Attribution 4.0" in text and "CC BY 4.0" in text


@pytest.fixture(scope="session")
def cffconvert() -> Path:
    """cffconvert in its own cached virtual environment (it pins jsonschema<4, which Jupyter cannot use)."""
    cache = (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "scalinglab" / CFFCONVERT.replace("==", "-")
    )
    exe = cache / "bin" / "cffconvert"
    if not exe.exists():
        shutil.rmtree(cache, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(cache)], check=True)
        r = subprocess.run(
            [str(cache / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", CFFCONVERT],
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            shutil.rmtree(cache, ignore_errors=True)
            pytest.fail(f"could not install {CFFCONVERT} from the package index: {r.stderr[-500:]}")
    return exe


def test_citation_cff_is_valid(cffconvert, tmp_path):
    r = subprocess.run(
        [str(cffconvert), "--validate", "-i", str(REPO / "CITATION.cff")], capture_output=True, text=True
    )
    assert r.returncode == 0 and "valid" in r.stdout, r.stdout + r.stderr
    bad = tmp_path / "CITATION.cff"
    bad.write_text((REPO / "CITATION.cff").read_text().replace("cff-version: 1.2.0", "cff-version: 1.2.0\nauthor: x"))
    assert subprocess.run([str(cffconvert), "--validate", "-i", str(bad)], capture_output=True).returncode != 0
    bib = subprocess.run(
        [str(cffconvert), "-f", "bibtex", "-i", str(REPO / "CITATION.cff")], capture_output=True, text=True
    ).stdout
    assert "Scaling analyses of accelerated computing" in bib
