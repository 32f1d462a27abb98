"""Where things are, independent of the current working directory.

Every path is derived from this file's location, so notebooks executed by
papermill from any directory (or from a temporary copy) find the shipped data.
"""

from __future__ import annotations

from pathlib import Path

#: Repository root (the folder holding ``_config.yml``).
REPO_ROOT: Path = Path(__file__).resolve().parent.parent
#: Shipped datasets and ``datapackage.json``.
DATA_DIR: Path = REPO_ROOT / "data"
#: Parametrized source notebooks (committed without outputs).
NOTEBOOKS_DIR: Path = REPO_ROOT / "notebooks"
#: Executed copies written by the build (git-ignored; ``_toc.yml`` points here).
EXECUTED_DIR: Path = REPO_ROOT / "executed"
#: Build outputs.
BUILD_DIR: Path = REPO_ROOT / "_build"
#: Single runs written by ``scalinglab run``.
RUNS_DIR: Path = REPO_ROOT / "runs"


def chapter_notebook(slug: str) -> Path:
    """Path of the source notebook of chapter ``slug`` (e.g. ``"moores_law_limits"``)."""
    return NOTEBOOKS_DIR / f"{slug}.ipynb"


def chapters() -> list[str]:
    """Slugs of every source notebook in ``notebooks/``, sorted."""
    return sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
