"""Check the book's ``_config.yml`` and ``_toc.yml`` before a build, with one-line errors.

Jupyter Book answers a ``_toc.yml`` without ``root`` with a 50-line traceback. :func:`check`
reads both files first and raises :class:`BookConfigError`, whose message is one line naming
the file, the key (or the YAML line) and what is expected, e.g.::

    _toc.yml: missing required key 'root' (expected the landing page, e.g. root: book/index)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SOURCE_SUFFIXES = ("", ".md", ".ipynb", ".rst")


class BookConfigError(ValueError):
    """A book configuration file is unreadable or incomplete; names the file, key or line, and what is expected."""

    def __init__(self, file: str, where: str, expected: str):
        self.file, self.where, self.expected = file, where, expected
        super().__init__(f"{file}: {where} ({expected})")


def _load(path: Path) -> Any:
    name = path.name
    if not path.exists():
        raise BookConfigError(name, "file not found", f"expected {name} at the book root {path.parent}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BookConfigError(name, f"invalid YAML at {line}: {problem}", "expected valid YAML") from None
    if not isinstance(data, dict):
        raise BookConfigError(name, "top level is not a mapping", "expected 'key: value' lines")
    return data


def _source_exists(root: Path, entry: str) -> bool:
    return any((root / f"{entry}{suffix}").is_file() for suffix in SOURCE_SUFFIXES)


def _check_entries(root: Path, items: Any, where: str, missing_ok: set[str]) -> None:
    if not isinstance(items, list):
        raise BookConfigError("_toc.yml", f"key '{where}' is not a list", "expected a list of '- file: path' entries")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise BookConfigError("_toc.yml", f"{where}[{i}] is not a mapping", "expected '- file: path'")
        if "file" in item:
            f = str(item["file"])
            if not _source_exists(root, f) and f not in missing_ok:
                raise BookConfigError(
                    "_toc.yml",
                    f"{where}[{i}].file: no such file '{f}'",
                    "expected a path relative to the book root, with or without .md/.ipynb",
                )
        elif "url" not in item and "glob" not in item and "chapters" not in item and "sections" not in item:
            raise BookConfigError("_toc.yml", f"{where}[{i}] has no 'file'", "expected '- file: path' or '- url: ...'")
        for key in ("sections", "chapters"):
            if key in item:
                _check_entries(root, item[key], f"{where}[{i}].{key}", missing_ok)


def check(root: Path, missing_ok: set[str] | None = None) -> None:
    """Raise :class:`BookConfigError` when ``root``'s ``_config.yml`` or ``_toc.yml`` cannot build a book.

    Parameters
    ----------
    root
        The book root (holds ``_config.yml`` and ``_toc.yml``).
    missing_ok
        TOC entries allowed to be missing (none by default).

    Raises
    ------
    BookConfigError
        Invalid YAML (file and line), a missing required key (``title`` in ``_config.yml``;
        ``format`` and ``root`` in ``_toc.yml``), a wrong type, or a TOC ``file`` or a
        bibliography file that does not exist.
    """
    root = Path(root)
    missing_ok = missing_ok or set()
    config = _load(root / "_config.yml")
    if not config.get("title"):
        raise BookConfigError(
            "_config.yml", "missing required key 'title'", "expected the book's title, e.g. title: My book"
        )
    sphinx = config.get("sphinx") or {}
    if not isinstance(sphinx, dict):
        raise BookConfigError("_config.yml", "key 'sphinx' is not a mapping", "expected sphinx: {config: ...}")
    for bib in (sphinx.get("config") or {}).get("bibtex_bibfiles", []) or []:
        if not (root / bib).is_file():
            raise BookConfigError(
                "_config.yml",
                f"sphinx.config.bibtex_bibfiles: no such file '{bib}'",
                "expected a .bib file relative to the book root",
            )
    toc = _load(root / "_toc.yml")
    for key, expected in (
        ("format", "expected format: jb-book"),
        ("root", "expected the landing page, e.g. root: book/index"),
    ):
        if not toc.get(key):
            raise BookConfigError("_toc.yml", f"missing required key '{key}'", expected)
    if toc["format"] not in {"jb-book", "jb-article"}:
        raise BookConfigError("_toc.yml", f"key 'format' is {toc['format']!r}", "expected jb-book or jb-article")
    if not _source_exists(root, str(toc["root"])):
        raise BookConfigError(
            "_toc.yml",
            f"root: no such file '{toc['root']}'",
            "expected a path relative to the book root, with or without .md/.ipynb",
        )
    for i, part in enumerate(toc.get("parts", []) or []):
        if not isinstance(part, dict) or "chapters" not in part:
            raise BookConfigError(
                "_toc.yml", f"parts[{i}] has no 'chapters'", "expected '- caption: ...' with 'chapters:'"
            )
        _check_entries(root, part["chapters"], f"parts[{i}].chapters", missing_ok)
    for key in ("chapters", "sections"):
        if key in toc:
            _check_entries(root, toc[key], key, missing_ok)
