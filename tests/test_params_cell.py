"""Parameters are declared once: the notebooks' parameters cells are generated from the schemas."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scalinglab.book import paramcell, schemas
from scalinglab.paths import chapter_notebook

CHAPTERS = [c for c in schemas.chapters() if chapter_notebook(c).exists()]


@pytest.mark.parametrize("chapter", schemas.chapters())
def test_generated_cell_is_typed_literals_with_help_and_no_equals_in_comments(chapter):
    src = paramcell.parameters_cell(chapter)
    tree = ast.parse(src)
    cls = schemas.get_schema(chapter)
    assert [n.target.id for n in tree.body] == list(cls.model_fields)
    lines = src.splitlines()
    assert lines[0] == "# fmt: off"  # ruff format keeps one line per parameter
    for node, line in zip(tree.body, lines[2:], strict=True):
        assert isinstance(node, ast.AnnAssign)
        code, _, comment = line.partition("  # ")
        assert comment and "=" not in comment, line
        assert len(comment) > 10
    ns: dict = {}
    exec(compile(src, "<cell>", "exec"), ns)  # noqa: S102 - generated literals only
    values = {k: v for k, v in ns.items() if not k.startswith("__")}
    model = schemas.validate(chapter, values)  # the literals are exactly the defaults
    assert model == schemas.validate(chapter, {})


def test_generated_cell_by_hand():
    src = paramcell.parameters_cell("moores_law_limits")
    lines = src.splitlines()
    assert lines[1].startswith("# Generated from scalinglab/book/schemas/moores_law_limits.py")
    assert 'metric: str = "single_thread_performance"  # ' in lines[2]
    assert "(transistors | single_thread_performance | frequency | typical_power | logical_cores)" in lines[2]
    assert 'break_year: "Optional[int]" = None  # ' in src
    assert (
        "confidence_level: float = 0.95  # two-sided confidence level of fitted intervals (fraction; above 0.5, below 1.0)"
        in src
    )


def test_write_replaces_only_the_parameters_cell_and_keeps_tags(tmp_path):
    chapter = "interconnect_scaling"
    copy = tmp_path / f"{chapter}.ipynb"
    shutil.copy(chapter_notebook(chapter), copy)
    before = json.loads(copy.read_text())
    changed = paramcell.write_parameters_cell(chapter, copy)
    after = json.loads(copy.read_text())
    assert paramcell.notebook_parameters_cell(chapter, copy) == paramcell.parameters_cell(chapter)
    assert paramcell.write_parameters_cell(chapter, copy) is False  # idempotent
    assert len(after["cells"]) == len(before["cells"])
    for b, a in zip(before["cells"], after["cells"]):
        assert a["metadata"] == b["metadata"]
        if "parameters" not in b["metadata"].get("tags", []):
            assert "".join(a["source"]) == "".join(b["source"])
    old = next("".join(c["source"]) for c in before["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert changed == (old != paramcell.parameters_cell(chapter))


def test_papermill_help_notebook_agrees_with_the_schema(tmp_path):
    import papermill

    chapter = "token_cost_drop"
    copy = tmp_path / f"{chapter}.ipynb"
    shutil.copy(chapter_notebook(chapter), copy)
    paramcell.write_parameters_cell(chapter, copy)
    inspected = papermill.inspect_notebook(str(copy))
    rows = {r["name"]: r for r in schemas.params_table(chapter)}
    assert list(inspected) == list(rows)
    assert inspected["gpu"]["default"] == '"H100"' and inspected["gpu"]["inferred_type_name"] == "str"
    assert inspected["start_date"]["inferred_type_name"] == "date"
    assert inspected["gpu_hour_usd"]["inferred_type_name"] == "Optional[float]"
    for name, p in inspected.items():
        assert p["help"] and "=" not in p["help"], name


def test_ruff_format_leaves_the_generated_cells_alone(tmp_path):
    ruff = Path(sys.executable).with_name("ruff")
    for chapter in schemas.chapters():
        f = tmp_path / f"{chapter}.py"
        f.write_text(paramcell.parameters_cell(chapter) + "\n")
        r = subprocess.run([str(ruff), "format", "--check", "--no-cache", str(f)], capture_output=True, text=True)
        assert r.returncode == 0, (chapter, r.stdout + r.stderr)


def test_cli_cell_and_unknown_chapter():
    out = subprocess.run(
        [sys.executable, "-m", "scalinglab", "params", "precision_codesign", "--cell"], capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stdout.strip() == paramcell.parameters_cell("precision_codesign")
    bad = subprocess.run(
        [sys.executable, "-m", "scalinglab", "params", "precison_codesign", "--cell"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "precision_codesign" in bad.stderr


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_notebook_parameters_cell_is_the_generated_one(chapter):
    assert paramcell.notebook_parameters_cell(chapter) == paramcell.parameters_cell(chapter), (
        f"run: scalinglab params {chapter} --write"
    )
