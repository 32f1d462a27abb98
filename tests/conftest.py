"""Shared fixtures: the repository, the built site, papermill runs, headless Chromium."""

from __future__ import annotations

import os
import re
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


# ---------------------------------------------------------------------------
# markers, applied automatically from what a test (or any fixture it uses) calls
# ---------------------------------------------------------------------------
#: Calls that start a Jupyter kernel (papermill, the build, scalinglab run/sweep/book that execute).
_KERNEL = re.compile(
    r"run_papermill\(|execute_notebook\(|build\.execute\(|run_chapter\(|build_book\(|built_site|kernel=True"
    r"|\"--kernel\"|make\W+book|\bsl\(\s*\"(?:run|sweep|book)\"(?![^)]*--dry-run)(?![^\n]*returncode == 2)"
)
#: Calls that drive headless Chromium.
_BROWSER = re.compile(r"\bbrowser\(|chromium\.launch|sync_playwright|screenshot\(")


def _sources(item) -> str:
    """Source of the test function, of every fixture in its closure and of the module's helpers they call."""
    import inspect

    funcs = [getattr(item, "function", None)]
    for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
        funcs += [d.func for d in defs if str(getattr(d, "baseid", "")).startswith("tests")]
    module = getattr(item, "module", None)
    seen, parts = set(), []
    while funcs:
        f = funcs.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        try:
            text = inspect.getsource(f)
        except (OSError, TypeError):
            continue
        parts.append(text)
        for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", text)):  # helpers of the test module, one call deep
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper.__module__ == getattr(module, "__name__", None):
                funcs.append(helper)
    return "\n".join(parts)


def pytest_collection_modifyitems(config, items):  # noqa: ARG001 - pytest's hook signature
    """Mark tests that start a kernel ``notebook`` and tests that drive Chromium ``browser``."""
    for item in items:
        src = _sources(item)
        if _KERNEL.search(src) and not item.get_closest_marker("notebook"):
            item.add_marker(pytest.mark.notebook)
        if _BROWSER.search(src) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)
