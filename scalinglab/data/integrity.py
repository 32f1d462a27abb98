"""SHA-256 of every data file, recorded in ``data/datapackage.json`` as each resource's ``hash``.

``python -m scalinglab.data.integrity`` rewrites the hashes after a deliberate data change (refresh a snapshot in
its own commit); the tests and ``scalinglab check`` fail when a file no longer matches its recorded hash.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from scalinglab.paths import DATA_DIR


def sha256_of(path: Path) -> str:
    """``"sha256:<hex>"`` of a file's bytes (the Frictionless ``hash`` form)."""
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def mismatches(data_dir: Path = DATA_DIR) -> list[str]:
    """Resource paths whose file is missing, has no recorded hash, or differs from it."""
    desc = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    out = []
    for res in desc["resources"]:
        path = data_dir / res["path"]
        if not path.exists() or res.get("hash") != sha256_of(path):
            out.append(res["path"])
    return out


def rehash(data_dir: Path = DATA_DIR) -> int:
    """Record the current SHA-256 of every resource; returns how many hashes changed."""
    p = data_dir / "datapackage.json"
    desc = json.loads(p.read_text(encoding="utf-8"))
    changed = 0
    for res in desc["resources"]:
        h = sha256_of(data_dir / res["path"])
        if res.get("hash") != h:
            res["hash"] = h
            changed += 1
    p.write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    n = rehash()
    print(f"data/datapackage.json: {n} hash(es) updated")
    sys.exit(0)
