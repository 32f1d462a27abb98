"""What a chapter's result depends on: the one definition, used by the Makefile, runs, sweeps and scenario books.

A chapter's executed notebook depends on

* its source notebook ``notebooks/<slug>.ipynb``;
* every shipped data file (``data/``, except the acquisition scripts in ``data/scripts``);
* the package's Python code (``scalinglab/**/*.py``);
* the pinned requirements (``requirements.txt``).

The ledger page ``claims`` (:data:`LEDGER`) reads the chapters' results, so it also depends on every other
chapter's executed notebook ``executed/<slug>.ipynb``; and the ledger's own code (:data:`LEDGER_ONLY`) is an
input of the ledger only, so editing it reruns the ledger and no chapter. A change to one chapter reruns that
chapter and the ledger, nothing else.

``python -m scalinglab.book.deps SLUG`` (or ``scalinglab deps SLUG``) prints that list, one
path per line relative to the repository root; the Makefile's rule for ``executed/SLUG.ipynb``
takes its prerequisites from it. Standard library only, so it runs before ``.venv`` exists.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from scalinglab.paths import REPO_ROOT

__all__ = [
    "LEDGER",
    "LEDGER_ONLY",
    "chapter_dependencies",
    "chapters_read_by_ledger",
    "shared_dependencies",
    "deps_fingerprint",
    "is_fresh",
    "sha256_file",
    "main",
]

#: The page that reads every other chapter's executed notebook (executed after them).
LEDGER = "claims"
#: Package files that only the ledger runs (relative to the repository root): not inputs of the chapters.
LEDGER_ONLY: tuple[str, ...] = (
    "scalinglab/analyses/claims.py",
    "scalinglab/analyses/claims_flips.py",
    "scalinglab/analyses/claims_rules.py",
    "scalinglab/analyses/claims_search.py",
    "scalinglab/analyses/claims_sweeps.py",
    "scalinglab/analyses/claims_views.py",
    "scalinglab/book/ledger.py",
    "scalinglab/book/schemas/claims.py",
)


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of the file at ``path`` (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def shared_dependencies(root: Path = REPO_ROOT) -> list[Path]:
    """Inputs of every chapter's result besides its own notebook, sorted.

    Parameters
    ----------
    root : Path
        Repository root.

    Returns
    -------
    list of Path
        Data files (not ``data/scripts``), the package's ``.py`` files, ``requirements.txt``.
    """
    root = Path(root)
    data = root / "data"
    files = [p for p in data.rglob("*") if p.is_file() and "scripts" not in p.relative_to(data).parts]
    files += [
        p
        for p in (root / "scalinglab").rglob("*.py")
        if "__pycache__" not in p.parts and p.relative_to(root).as_posix() not in LEDGER_ONLY
    ]
    req = root / "requirements.txt"
    if req.exists():
        files.append(req)
    return sorted(files)


def chapters_read_by_ledger(root: Path = REPO_ROOT) -> list[str]:
    """Slugs of every chapter notebook except the ledger's own, sorted: the chapters the ledger waits for."""
    return sorted(p.stem for p in (Path(root) / "notebooks").glob("*.ipynb") if p.stem != LEDGER)


def chapter_dependencies(slug: str, root: Path = REPO_ROOT) -> list[Path]:
    """Every input of chapter ``slug``'s executed notebook: its source notebook first, then :func:`shared_dependencies`.

    For the ledger (:data:`LEDGER`) also its own code (:data:`LEDGER_ONLY`) and every other chapter's
    ``executed/<slug>.ipynb``, so make executes it after them.
    """
    root = Path(root)
    deps = [root / "notebooks" / f"{slug}.ipynb", *shared_dependencies(root)]
    if slug == LEDGER:
        deps += [root / f for f in LEDGER_ONLY if (root / f).exists()]
        deps += [root / "executed" / f"{s}.ipynb" for s in chapters_read_by_ledger(root)]
    return deps


def deps_fingerprint(root: Path = REPO_ROOT) -> str:
    """SHA-256 over (relative path, SHA-256) of :func:`shared_dependencies` (the cache key's inputs)."""
    root = Path(root)
    h = hashlib.sha256()
    for p in shared_dependencies(root):
        h.update(f"{p.relative_to(root).as_posix()}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def is_fresh(executed: Path, slug: str, root: Path = REPO_ROOT) -> bool:
    """True when ``executed`` exists and is newer than every file of :func:`chapter_dependencies` (make's rule)."""
    executed = Path(executed)
    if not executed.exists():
        return False
    deps = chapter_dependencies(slug, root)
    if any(not p.exists() for p in deps if p.parent.name == "executed"):
        return False  # the ledger's chapters must exist
    deps = [p for p in deps if p.exists()]
    return bool(deps) and executed.stat().st_mtime >= max(p.stat().st_mtime for p in deps)


def main(argv: list[str] | None = None) -> int:
    """Print the dependencies of each chapter slug given, one path per line, relative to the repository root."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m scalinglab.book.deps SLUG [SLUG ...]", file=sys.stderr)
        return 2
    seen: set[Path] = set()
    for slug in args:
        for p in chapter_dependencies(slug):
            if p not in seen:
                seen.add(p)
                print(p.relative_to(REPO_ROOT).as_posix())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
