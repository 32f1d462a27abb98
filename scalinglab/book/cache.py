"""The content-addressed point cache (``runs/.cache/<key>/``) and its key.

One entry holds the executed notebook and the glued values of one chapter at one parameter
point. The key hashes the chapter's source notebook, the canonical validated parameters
(defaults filled in, so an explicit default is the same point) and every other input of the
chapter's result as defined by :mod:`scalinglab.book.deps` (data files, the package's code,
the pinned requirements).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from scalinglab.book.deps import deps_fingerprint, sha256_file
from scalinglab.paths import RUNS_DIR, chapter_notebook

__all__ = [
    "CACHE_DIRNAME",
    "cache_dir",
    "cache_get",
    "cache_put",
    "canonical_params",
    "default_runs_dir",
    "link_or_copy",
    "point_key",
]

CACHE_DIRNAME = ".cache"


def canonical_params(model: Any) -> str:
    """Canonical JSON of a validated parameter model (every field, sorted keys)."""
    return json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def point_key(chapter: str, model: Any, deps: str | None = None, source: Path | None = None) -> str:
    """Cache key of ``chapter`` at parameter point ``model`` (see the module docstring); ``deps`` a precomputed
    :func:`~scalinglab.book.deps.deps_fingerprint`, ``source`` a stand-in notebook.
    """
    src = Path(source) if source else chapter_notebook(chapter)
    blob = json.dumps(
        {
            "chapter": chapter,
            "notebook_sha256": sha256_file(src),
            "params": canonical_params(model),
            "deps": deps or deps_fingerprint(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def default_runs_dir() -> Path:
    """``runs/`` of the repository, or ``$SCALINGLAB_RUNS_DIR`` when set (tests, scratch copies)."""
    env = os.environ.get("SCALINGLAB_RUNS_DIR")
    return Path(env) if env else RUNS_DIR


def cache_dir(runs_dir: Path = RUNS_DIR) -> Path:
    """Folder of the content-addressed point cache (``runs/.cache``), one subfolder per input hash."""
    return Path(runs_dir) / CACHE_DIRNAME


def cache_get(key: str, runs_dir: Path = RUNS_DIR) -> dict | None:
    """Cached ``{"glued": ..., "notebook": path}`` of a point, or None. Complete entries only."""
    d = cache_dir(runs_dir) / key
    g = d / "glued.json"
    nb = d / "executed.ipynb"
    if g.exists() and nb.exists():
        try:
            return {"glued": json.loads(g.read_text()), "notebook": nb}
        except ValueError:
            return None
    return None


def cache_put(key: str, executed: Path, glued: dict, runs_dir: Path = RUNS_DIR) -> Path:
    """Store an executed notebook and its glued values under ``key`` atomically (first writer wins)."""
    root = cache_dir(runs_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    if final.exists():
        return final
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=root))
    try:
        link_or_copy(executed, tmp / "executed.ipynb")
        (tmp / "glued.json").write_text(json.dumps(glued, indent=1, default=str))
        try:
            tmp.rename(final)
        except OSError:  # another process stored the same point meanwhile
            pass
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` to ``dst`` (a copy where linking fails, e.g. across file systems)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
