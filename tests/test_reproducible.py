"""Two clean builds give the same chapter pages, except the run record's date.

Each build runs in its own clean copy of the working tree (tracked and untracked, not ignored, files),
executing every chapter with papermill and building the site, exactly as ``make book`` does. Chapter
HTML is compared after blanking only (a) dates inside the run record and (b) the content of elements
with the class ``build-specific``: measurements of the build machine, which a chapter shows in a
clearly labelled box (``:::{admonition} Measured on the build machine`` with ``:class: build-specific``).
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from scalinglab import paths
from scalinglab.book import deps

RUN_RECORD = re.compile(r'(<details class="run-record">)(.*?)(</details>)', re.S)
BUILD_SPECIFIC = re.compile(
    r'(<(div|section|aside|span|p)[^>]*class="[^"]*\bbuild-specific\b[^"]*"[^>]*>)(.*?)(</\2>)', re.S
)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def normalise(html: str) -> str:
    """Chapter HTML with the run record's dates and build-specific boxes blanked."""
    html = RUN_RECORD.sub(lambda m: m.group(1) + DATE.sub("YYYY-MM-DD", m.group(2)) + m.group(3), html)
    return BUILD_SPECIFIC.sub(lambda m: m.group(1) + "(build-specific)" + m.group(4), html)


def _clean_copy(src: Path, dst: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=src, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for f in filter(None, files):
        if (src / f).is_file():
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / f, dst / f)
    (dst / ".venv").mkdir()
    (dst / ".venv" / "npm").symlink_to(src / ".venv" / "npm")  # MathJax, installed by `make env`
    return dst


def build_clean(src: Path, dst: Path) -> Path:
    """Execute every chapter and build the site in a clean copy of ``src``; return its ``_build/html``."""
    root = _clean_copy(src, dst)
    env = {**os.environ, "PYTHONPATH": str(root), "JUPYTER_PATH": str(src / ".venv" / "share" / "jupyter")}
    # The chapters in parallel, then the ledger, which reads them (as make orders them).
    for wave in (deps.chapters_read_by_ledger(root), [deps.LEDGER]):
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "scalinglab.book.build", "execute", slug],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for slug in wave
        ]
        for p in procs:
            out, err = p.communicate(timeout=1200)
            assert p.returncode == 0, err[-2000:]
    r = subprocess.run(
        [sys.executable, "-m", "scalinglab.book.build", "site"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return root / "_build" / "html"


def test_normalise_blanks_only_dates_in_the_run_record_and_build_specific_boxes():
    a = (
        '<p>2024-01-02</p><details class="run-record"><summary>Run record (2026-12-01)</summary></details>'
        '<div class="admonition build-specific"><p>1.97x</p></div>'
    )
    b = a.replace("2026-12-01", "2026-12-02").replace("1.97x", "1.86x")
    assert normalise(a) == normalise(b)
    assert "2024-01-02" in normalise(a)
    assert normalise(a) != normalise(a.replace("<p>2024-01-02</p>", "<p>2024-01-03</p>"))


@pytest.mark.notebook
def test_two_clean_builds_give_identical_chapter_html(tmp_path):
    sites = [build_clean(REPO, tmp_path / name) for name in ("a", "b")]
    differ = []
    for slug in paths.chapters():
        a, b = (normalise((s / "executed" / f"{slug}.html").read_text()) for s in sites)
        if a != b:
            i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            differ.append(
                f"{slug}: first difference at {i}: {a[max(0, i - 80) : i + 80]!r} vs {b[max(0, i - 80) : i + 80]!r}"
            )
    assert differ == []
