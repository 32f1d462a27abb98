"""The data-centre chapter as a user runs it: papermill with its defaults and with ``-p top_n 1 -p start_year 2020``
from another working directory, one bad parameter (proving the validation cell is wired; the other bad values
are tested in process in test_datacentre_scale.py), the parameters cell against the schema, and the notebook's
own conventions (cell tags, cell length, glued keys in the prose)."""

from __future__ import annotations

import json
import re

import papermill as pm
import pytest
from conftest import assert_named_parameter_error, glued, run_papermill

from scalinglab import data, paths
from scalinglab.analyses import datacentre_scale as dc
from scalinglab.book import schemas

SLUG = "datacentre_scale"
REQUIRED = [
    "dc_perf_growth_x_per_year",
    "dc_perf_growth_ci_low",
    "dc_perf_growth_ci_high",
    "dc_chips_growth_x_per_year",
    "dc_per_chip_growth_x_per_year",
    "dc_power_growth_x_per_year",
    "dc_cost_growth_x_per_year",
    "dc_flops_per_watt_growth_x_per_year",
    "dc_flops_per_usd_growth_x_per_year",
    "dc_leading_systems_n",
    "dc_verdict_performance",
    "dc_verdict_cost_energy",
]


def _source():
    return json.loads(paths.chapter_notebook(SLUG).read_text())


def _markdown():
    return "\n".join("".join(c["source"]) for c in _source()["cells"] if c["cell_type"] == "markdown")


@pytest.mark.notebook
@pytest.mark.parametrize("args", [(), ("-p", "top_n", "1", "-p", "start_year", "2020")], ids=["defaults", "top1_2020"])
def test_chapter_runs_and_glues_the_analysis(tmp_path, args):
    out = tmp_path / "out.ipynb"
    r = run_papermill(SLUG, out, *args, cwd=tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    g = glued(out)
    for key in REQUIRED:
        assert key in g, key
    top_n, start = (1, 2020) if args else (10, 2019)
    res, _, _ = dc.analyse(data.load_gpu_clusters(), "16-bit", top_n, "Likely", start, 2025, 0.95)
    assert g["dc_perf_growth_x_per_year"] == pytest.approx(res.perf_growth_x_per_year)
    assert g["dc_leading_systems_n"] == res.leading_systems_n
    assert g["dc_verdict_performance"] == res.verdict_performance
    assert g["dc_perf_growth_ci_low"] < g["dc_perf_growth_x_per_year"] < g["dc_perf_growth_ci_high"]


@pytest.mark.notebook
def test_bad_parameter_stops_the_run_with_a_named_error(tmp_path):
    assert_named_parameter_error(run_papermill(SLUG, tmp_path / "bad.ipynb", "-p", "top_n", "0"), "top_n")


def test_schema_and_parameters_cell_agree():
    declared = pm.inspect_notebook(str(paths.chapter_notebook(SLUG)))
    cls = schemas.get_schema(SLUG)
    assert list(declared) == list(cls.model_fields)
    for name, info in declared.items():
        assert eval(info["default"], {}) == cls.model_fields[name].default, name  # literals only
        assert info["help"] and "=" not in info["help"], name
        assert "unit" in cls.model_fields[name].json_schema_extra, name


def test_notebook_conventions():
    cells = _source()["cells"]
    for c in cells:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"])
        assert len(src.splitlines()) <= 20, src[:80]
        assert not re.search(r"^\s*def ", src, re.MULTILINE), src[:80]
        tags = c["metadata"].get("tags", [])
        assert tags, src[:80]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code[0]["metadata"]["tags"] == ["parameters", "hide-input"]
    md = _markdown()
    for key in REQUIRED:
        assert f"`{key}" in md, key
    assert "```{bibliography}" in md and "{cite}`pilz2025supercomputers`" in md


def test_landing_page_and_toc():
    index = (paths.REPO_ROOT / "book" / "index.md").read_text()
    for key in ("dc_perf_growth_x_per_year", "dc_verdict_performance", "dc_verdict_cost_energy"):
        assert f"datacentre_scale.ipynb::{key}" in index
    toc = (paths.REPO_ROOT / "_toc.yml").read_text()
    assert toc.index("executed/moores_law_limits") < toc.index("executed/datacentre_scale")
