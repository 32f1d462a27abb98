"""Source notebooks: output-free, in the TOC, literal parameters; chapters run with other parameters and
reject bad ones with a named error, through plain papermill from any working directory."""

import ast
import json

import pytest
import yaml
from conftest import REPO, assert_named_parameter_error, glued, run_papermill

from scalinglab import paths

CHAPTERS = paths.chapters()


def _cells(slug):
    return json.loads(paths.chapter_notebook(slug).read_text())["cells"]


@pytest.mark.parametrize("slug", CHAPTERS)
def test_source_notebook_has_no_outputs(slug):
    for cell in _cells(slug):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_every_notebook_is_in_the_toc_and_the_reverse():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    in_toc = sorted(f.split("/", 1)[1] for f in files if f.startswith("executed/"))
    assert in_toc == CHAPTERS


@pytest.mark.parametrize("slug", CHAPTERS)
def test_parameters_cell_holds_only_commented_literals(slug):
    code = [c for c in _cells(slug) if c["cell_type"] == "code"]
    first = code[0]
    assert "parameters" in first["metadata"].get("tags", []), "the first code cell must be tagged parameters"
    src = "".join(first["source"])
    for node in ast.parse(src).body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), ast.dump(node)
        ast.literal_eval(node.value)  # raises for anything derived
    for line in src.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "  # " in line, f"no help comment: {line}"
            assert line.count("=") == 1, f"papermill cannot parse a help comment containing '=': {line}"
    assert "validate_namespace" in "".join(code[1]["source"]), "the second code cell must validate the parameters"


def test_moores_law_defaults_glue_the_headline_numbers(built_site):
    g = glued(REPO / "executed" / "moores_law_limits.ipynb")
    assert 1.8 < g["transistor_doubling_years"] < 2.2
    assert g["transistor_doubling_ci_low"] < g["transistor_doubling_years"] < g["transistor_doubling_ci_high"]
    assert 2003 <= g["single_thread_break_year"] <= 2008
    assert g["single_thread_growth_pct_per_year_before"] > 30 > g["single_thread_growth_pct_per_year_after"]
    assert g["landauer_j_per_bit"] == pytest.approx(2.871e-21, rel=1e-3)
    assert 6 < g["landauer_gap_orders_of_magnitude"] < 10
    assert g["moore_pace_word"] == "faster" and g["power_trend_word"] == "kept growing"
    assert (g["hp_agree_count"], g["hp_compared_count"]) == (0, 2)
    assert g["gpu_flops_vs_aim"] == "below the 2x line"


def test_moores_law_other_window_from_another_directory(tmp_path, built_site):
    out = tmp_path / "out.ipynb"
    r = run_papermill(
        "moores_law_limits", out, "-p", "fit_start_year", "1990", "-p", "fit_end_year", "2005", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr[-2000:]
    new, default = glued(out), glued(REPO / "executed" / "moores_law_limits.ipynb")
    assert new["fit_window"] == "1990-2005"
    assert new["transistor_doubling_years"] != default["transistor_doubling_years"]
    assert new["single_thread_break_year"] != default["single_thread_break_year"]
    assert new["moore_last_data_year"] == 2021 and new["moore_pace_word"] == "no different"
    assert new["dennard_timing"] == "the clock frequency and typical power breaks coincide within their intervals"


def test_moores_law_bad_parameter_fails_with_named_error(tmp_path):
    """One papermill run proves the validation cell is wired; the other bad values are tested in-process
    (tests/test_moores_law_limits.py)."""
    r = run_papermill("moores_law_limits", tmp_path / "bad.ipynb", "-p", "fit_start_year", "2030")
    assert_named_parameter_error(r, "fit_start_year")
