"""Shared fixtures: the repository, the built site, papermill runs, headless Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def run_papermill(slug: str, out: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``papermill notebooks/<slug>.ipynb OUT -k python3 ARGS`` as a user would."""
    papermill = Path(PY).with_name("papermill")
    return subprocess.run(
        [
            str(papermill),
            str(REPO / "notebooks" / f"{slug}.ipynb"),
            str(out),
            "-k",
            "python3",
            "--no-progress-bar",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=600,
    )


def assert_named_parameter_error(result: subprocess.CompletedProcess, name: str) -> None:
    """A papermill run failed in the validation cell with a ParameterError naming ``name``."""
    out = result.stdout + result.stderr
    assert result.returncode != 0, "the run should have failed"
    assert "ParameterError" in out and f"parameter '{name}'" in out, out[-2000:]


def glued(nb_path: Path) -> dict:
    """Glued values of an executed notebook, read by the package's one glue reader (scalinglab.book.glue)."""
    from scalinglab.book.glue import glued_file

    return glued_file(nb_path)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """``_build/html`` from ``make book`` (a no-op when nothing changed)."""
    subprocess.run(["make", "--no-print-directory", "book"], cwd=REPO, check=True, capture_output=True, text=True)
    site = REPO / "_build" / "html"
    assert (site / "index.html").exists()
    return site
