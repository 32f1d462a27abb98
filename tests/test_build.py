"""The build: failures name notebook, cell and error and keep the last good output; make's cache."""

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from scalinglab.book import build


def _failing_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("y = x + 1"),
                nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, path)
    return path


def test_failing_notebook_names_notebook_cell_error_and_keeps_last_output(tmp_path):
    src = _failing_notebook(tmp_path / "broken.ipynb")
    out = tmp_path / "executed" / "broken.ipynb"
    out.parent.mkdir()
    out.write_text("last good")
    with pytest.raises(build.NotebookFailed) as exc:
        build.execute("broken", out, source=src)
    msg = str(exc.value)
    assert "notebook broken" in msg and "code cell 3 (`1 / 0`)" in msg and "ZeroDivisionError" in msg
    assert out.read_text() == "last good"
    assert (tmp_path / "executed" / "broken.failed.ipynb").exists()


def test_failed_site_build_leaves_the_last_good_site(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "_config.yml").write_text('title: t\nexecute:\n  execute_notebooks: "off"\nonly_build_toc_files: true\n')
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (root / "index.md").write_text("# Index\n\nA [broken reference](missing.md).\n")
    out = tmp_path / "html"
    out.mkdir()
    (out / "index.html").write_text("last good site")
    with pytest.raises(subprocess.CalledProcessError):
        build.site(root=root, out=out, build_dir=tmp_path / "b")
    assert (out / "index.html").read_text() == "last good site"


def _make(*args):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=REPO, capture_output=True, text=True)


def test_nothing_changed_means_nothing_runs(built_site):
    assert _make("-q", "notebooks").returncode == 0
    assert _make("-q", "_build/html/index.html").returncode == 0


def test_changing_one_notebook_reexecutes_only_that_one(built_site):
    r = _make("-n", "-W", "notebooks/moores_law_limits.ipynb", "notebooks")
    lines = [l for l in r.stdout.splitlines() if "scalinglab.book.build execute" in l]
    assert lines == [l for l in lines if "moores_law_limits" in l] and len(lines) == 1
    r = _make("-n", "-W", "scalinglab/models/fits.py", "notebooks")
    assert r.stdout.count("scalinglab.book.build execute") == len(list((REPO / "notebooks").glob("*.ipynb")))
