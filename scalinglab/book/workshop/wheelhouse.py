"""Verify a wheelhouse before an offline install: every pin of a requirements file has a file in it.

Standard library only, so it runs before anything is installed::

    python3 scalinglab/book/workshop/wheelhouse.py wheelhouse requirements-lab.txt

Exit 0 when every pinned ``name==version`` has a wheel or sdist in the folder (and the ``-e .`` line a
``scalinglab`` wheel); otherwise exit 1 after naming every missing package, having installed nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")
_FILE = re.compile(r"^(?P<name>[A-Za-z0-9_.]+?)-(?P<version>[0-9][^-]*?)(?:-|\.tar\.gz$|\.zip$)")


def norm(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def available(folder: Path) -> set[tuple[str, str]]:
    """``(normalised name, version)`` of every wheel and sdist in ``folder``."""
    out = set()
    for p in folder.iterdir():
        m = _FILE.match(p.name)
        if m and (p.suffix == ".whl" or p.name.endswith((".tar.gz", ".zip"))):
            out.add((norm(m.group("name")), m.group("version")))
    return out


def missing(folder: Path, requirements: Path) -> list[str]:
    """``name==version`` of every pin (and ``scalinglab`` for ``-e .``) with no file in ``folder``."""
    have = available(folder)
    names = {n for n, _ in have}
    out = []
    for line in requirements.read_text().splitlines():
        line = line.strip()
        if line.startswith("-e ") or line == "-e.":
            if "scalinglab" not in names:
                out.append("scalinglab (the book's own package; `make wheelhouse` builds it)")
            continue
        m = _PIN.match(line)
        if m and (norm(m.group(1)), m.group(2)) not in have:
            out.append(f"{m.group(1)}=={m.group(2)}")
    return out


def main(argv: list[str]) -> int:
    """``wheelhouse.py FOLDER REQUIREMENTS``: exit 0 when complete, 1 naming what is missing, 2 on usage."""
    if len(argv) != 2:
        print("usage: wheelhouse.py FOLDER REQUIREMENTS", file=sys.stderr)
        return 2
    folder, req = Path(argv[0]), Path(argv[1])
    if not folder.is_dir():
        print(
            f"error: no wheelhouse folder {folder}: build it with `make wheelhouse` on a connected machine",
            file=sys.stderr,
        )
        return 1
    gone = missing(folder, req)
    if gone:
        print(f"error: {folder} lacks {len(gone)} package(s) pinned in {req}; nothing was installed:", file=sys.stderr)
        for g in gone:
            print(f"  {g}", file=sys.stderr)
        return 1
    print(f"{folder}: every pin of {req} is present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
