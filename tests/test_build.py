"""The build: failures name notebook, cell and error and keep the last good output; make's cache."""

import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import REPO

from scalinglab.book import build


def _failing_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("y = x + 1"),
        nbformat.v4.new_code_cell("1 / 0"),
    ]
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
    # the chapter, then the ledger that reads it (scalinglab/book/deps.py), nothing else
    assert [l.split()[-1] for l in lines] == ["moores_law_limits", "claims"]
    r = _make("-n", "-W", "scalinglab/models/fits.py", "notebooks")
    assert r.stdout.count("scalinglab.book.build execute") == len(list((REPO / "notebooks").glob("*.ipynb")))


# --- broken configuration: one line naming the file, the key or line, and what is expected ------

from scalinglab.book.bookconfig import BookConfigError  # noqa: E402

GOOD_CONFIG = 'title: t\nexecute:\n  execute_notebooks: "off"\nonly_build_toc_files: true\n'
GOOD_TOC = "format: jb-book\nroot: index\nchapters:\n  - file: a\n"


@pytest.mark.parametrize(
    "config,toc,expected",
    [
        (
            GOOD_CONFIG,
            "format: jb-book\nchapters:\n  - file: a\n",
            "_toc.yml: missing required key 'root' (expected the landing page, e.g. root: book/index)",
        ),
        (GOOD_CONFIG, "root: index\n", "_toc.yml: missing required key 'format' (expected format: jb-book)"),
        (
            GOOD_CONFIG,
            "format: jb-book\nroot: index\nchapters:\n  - file: missing\n",
            "_toc.yml: chapters[0].file: no such file 'missing' (expected a path relative to the book root, with or "
            "without .md/.ipynb)",
        ),
        (
            GOOD_CONFIG,
            "format: jb-book\nroot: index\nchapters:\n  - file: a\n   - file: b\n",
            "_toc.yml: invalid YAML at line 5, column 4: expected <block end>",
        ),
        (
            "execute:\n  execute_notebooks: off\n",
            GOOD_TOC,
            "_config.yml: missing required key 'title' (expected the book's title, e.g. title: My book)",
        ),
        (
            "title: t\nsphinx:\n  config:\n    bibtex_bibfiles: [gone.bib]\n",
            GOOD_TOC,
            "_config.yml: sphinx.config.bibtex_bibfiles: no such file 'gone.bib'",
        ),
        ("title: [unclosed\n", GOOD_TOC, "_config.yml: invalid YAML at line 2"),
    ],
)
def test_broken_configuration_stops_with_one_line_and_keeps_the_site(tmp_path, config, toc, expected):
    root = tmp_path / "book"
    root.mkdir()
    (root / "_config.yml").write_text(config)
    (root / "_toc.yml").write_text(toc)
    (root / "index.md").write_text("# Index\n")
    (root / "a.md").write_text("# A\n")
    out = tmp_path / "html"
    out.mkdir()
    (out / "index.html").write_text("last good site")
    with pytest.raises(BookConfigError) as exc:
        build.site(root=root, out=out, build_dir=tmp_path / "b")
    msg = str(exc.value)
    assert msg.startswith(expected) and "\n" not in msg
    assert (out / "index.html").read_text() == "last good site"


def test_broken_toc_from_the_command_line_prints_one_line(tmp_path):
    """`python -m scalinglab.book.build site` on the real repository with `root` removed from _toc.yml."""
    import shutil
    import sys

    root = tmp_path / "repo"
    shutil.copytree(REPO / "book", root / "book")
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    shutil.copy(REPO / "references.bib", root / "references.bib")
    (root / "_toc.yml").write_text(
        "\n".join(l for l in (REPO / "_toc.yml").read_text().splitlines() if not l.startswith("root:")) + "\n"
    )
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from scalinglab.book import build, bookconfig\n"
            f"try:\n    bookconfig.check(Path({str(root)!r}))\n"
            "except bookconfig.BookConfigError as e:\n    print(f'error: {e}', file=sys.stderr); sys.exit(1)\n",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "error: _toc.yml: missing required key 'root' (expected the landing page, e.g. root: book/index)"
    ]


def test_main_reports_a_broken_config_in_one_line(tmp_path, monkeypatch, capsys):
    root = tmp_path / "book"
    root.mkdir()
    (root / "_config.yml").write_text(GOOD_CONFIG)
    (root / "_toc.yml").write_text("format: jb-book\n")
    monkeypatch.setattr(build, "REPO_ROOT", root)
    monkeypatch.setattr(build.site, "__defaults__", (root, None, tmp_path / "b"))
    assert build.main(["site"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: _toc.yml: missing required key 'root' (expected the landing page, e.g. root: book/index)"]


def test_kernels_start_quietly():
    """The build passes the kernel a log level that hides ipykernel's 'running over TCP' warning."""
    assert build.KERNEL_ARGS == ["--IPKernelApp.log_level=CRITICAL"]


def test_executing_a_notebook_prints_nothing_but_errors(tmp_path):
    import sys

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    src = tmp_path / "quiet.ipynb"
    nbformat.write(nb, src)
    code = (
        "from pathlib import Path; from scalinglab.book import build; "
        f"build.execute('quiet', Path({str(tmp_path / 'out.ipynb')!r}), source=Path({str(src)!r}))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "without encryption" not in r.stderr + r.stdout
    assert r.stdout == ""


def test_glued_e_notation_is_typeset_as_a_power_of_ten():
    from scalinglab.book.sphinx_ext import _NUMBER, scientific_parts

    assert scientific_parts("5.00e+21") == ("5.00", "21")
    assert scientific_parts("2.871e-21") == ("2.871", "\u221221")
    assert scientific_parts("1e+09") == ("1", "9")
    assert scientific_parts("2.5") is None and scientific_parts("GPT-4e") is None
    assert _NUMBER.match("2.871e-21") and not _NUMBER.match("overlaps")
