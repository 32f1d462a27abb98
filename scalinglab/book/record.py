"""The run record shown at the end of every executed chapter.

It states what produced the page: the validated parameters, the versions of the
packages that computed it, the SHA-256 of every data file the chapter read (the
loaders register each file they open), the git commit of the repository (with
``+dirty`` when the work tree differs), and the date (UTC; ``SOURCE_DATE_EPOCH``
is honoured so a rebuild of the same inputs gives the same page).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from importlib import metadata
from typing import Any

from scalinglab import data
from scalinglab.paths import REPO_ROOT

PACKAGES = (
    "scalinglab",
    "numpy",
    "scipy",
    "polars",
    "altair",
    "vl-convert-python",
    "ml_dtypes",
    "pydantic",
    "papermill",
    "ipykernel",
    "myst-nb",
    "jupyter-book",
)


def git_commit() -> str:
    """``git rev-parse HEAD`` of the repository (``+dirty`` if tracked files changed), or ``'unknown'``."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_date() -> str:
    """ISO date (UTC) of the run; ``SOURCE_DATE_EPOCH`` overrides the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch else _dt.datetime.now(_dt.UTC)
    return now.date().isoformat()


def versions() -> dict[str, str]:
    """Installed versions of :data:`PACKAGES` plus ``python``."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build(chapter: str, params: dict[str, Any]) -> dict[str, Any]:
    """The run record as a JSON-serialisable dict (sorted data files)."""
    files = sorted(data.files_read())
    return {
        "chapter": chapter,
        "parameters": {k: params[k] for k in params},
        "versions": versions(),
        "data_sha256": {f: data.file_sha256(f) for f in files},
        "git_commit": git_commit(),
        "date": run_date(),
    }


def to_html(rec: dict[str, Any]) -> str:
    """A compact collapsible ``<details>`` block for the page (template ``run_record.html.j2``, autoescaped)."""
    from scalinglab.book.pages import render

    def items(d: dict) -> list[tuple[str, str]]:
        return [(str(k), v if isinstance(v, str) else json.dumps(v, default=str)) for k, v in d.items()]

    return render(
        "run_record.html.j2",
        date=rec["date"],
        chapter=rec["chapter"],
        git_commit=rec["git_commit"],
        parameters=items(rec["parameters"]),
        versions=items(rec["versions"]),
        data_sha256=items(rec["data_sha256"]),
    )


def show(chapter: str, params: Any) -> dict[str, Any]:
    """Display the run record in the notebook (HTML) and return it.

    ``params`` is the validated parameter model (or a dict). The record is also
    emitted as ``application/json`` metadata so tools can read it back.
    """
    from IPython.display import display

    p = params.model_dump(mode="json") if hasattr(params, "model_dump") else dict(params)
    rec = build(chapter, p)
    display(
        {"text/html": to_html(rec), "text/plain": f"Run record for {chapter}"},
        raw=True,
        metadata={"scalinglab": {"run_record": rec}},
    )
    return rec
