"""The token-cost chapter (notebooks/token_cost_drop.ipynb) through plain papermill, as a user runs it.

The recorded glued values at defaults and at ``-p price_convention blend_3to1`` are compared by
tests/test_golden.py (changed keys in tests/golden/changed.yml); here one run at defaults checks the corrected
findings and the charts, and one papermill run proves the validation cell is wired; every other bad value is tested in-process against the schema. The charts meet
the book's rules and encode dates in UTC, so every timezone shows the same calendar day."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import assert_named_parameter_error, glued, run_papermill

from scalinglab import charts, paths
from scalinglab.book import schemas
from scalinglab.charts.render import notebook_specs as _chart_specs
from scalinglab.errors import ParameterError

SLUG = "token_cost_drop"


def _run(tmp: Path, *args: str, cwd: Path | None = None) -> Path:
    out = tmp / "out.ipynb"
    r = run_papermill(SLUG, out, *args, cwd=cwd)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return out


@pytest.fixture(scope="module")
def defaults(tmp_path_factory) -> Path:
    """The chapter with its defaults, run from a directory outside the repository."""
    tmp = tmp_path_factory.mktemp("tokens_defaults")
    return _run(tmp, cwd=tmp)


@pytest.mark.notebook
def test_defaults_glue_the_corrected_findings(defaults):
    g = glued(defaults)
    assert g["claim_ratio"] == pytest.approx(240.0) and g["launch_ratio"] == pytest.approx(45 / 0.7)
    assert g["published_relation"] == "below every" and "bracket" not in g["published_sentence"]
    assert g["exact_count"] == 6 and "GPT-4 (32k)" in g["exact_pairs_text"]
    assert g["first_principles_usd_per_mtok"] > g["fp_no_kv_usd_per_mtok"]
    assert g["moe_gpt4_experts_read"] == pytest.approx(16 * (1 - (7 / 8) ** 64))
    assert "MLPerf" in g["software_sentence"] and g["old_size_is_assumption"] in (True, "True")
    product = math.prod(g[f"decomposition_{k}_x"] for k in ("hardware", "precision", "software", "size"))
    assert g["decomposition_modelled_x"] == pytest.approx(product)
    assert g["decomposition_residual_x"] == pytest.approx(g["claim_ratio"] / product)


def _temporal(node, found):
    if isinstance(node, dict):
        if node.get("type") == "temporal" or str(node.get("field", "")).endswith(":T"):
            found.append(node)
        for v in node.values():
            _temporal(v, found)
    elif isinstance(node, list):
        for v in node:
            _temporal(v, found)
    return found


@pytest.mark.notebook
def test_every_chart_meets_the_book_rules_and_dates_are_utc(defaults):
    specs = _chart_specs(defaults)
    assert len(specs) == 5
    for spec in specs:
        assert charts.check_chart(spec) == [], spec.get("title")
    dates = _temporal(specs, [])
    assert dates, "the frontier chart encodes dates"
    for enc in dates:  # a UTC time unit: the calendar day does not move with the reader's timezone
        assert str(enc.get("timeUnit", "")).startswith("utc"), enc
    datasets = [row for spec in specs for rows in spec.get("datasets", {}).values() for row in rows]
    iso = [r["date"] for r in datasets if isinstance(r.get("date"), str)]
    assert "2021-11-20" in iso and all(len(d) == 10 for d in iso)  # date-only ISO: read as UTC by JavaScript


@pytest.mark.notebook
def test_a_bad_parameter_fails_the_run_with_a_named_error(tmp_path):
    r = run_papermill(SLUG, tmp_path / "out.ipynb", "-p", "price_convention", "median")
    assert r.returncode != 0
    assert_named_parameter_error(r, "price_convention")
    assert "mean_in_out, blend_3to1, input, output" in r.stdout + r.stderr


BAD = [
    ({"price_convention": "median"}, "price_convention", "mean_in_out, blend_3to1, input, output"),
    ({"from_model": "GPT-4 8k"}, "from_model", "did you mean 'GPT-4 (8k)'"),
    ({"to_model": "Gemini Flash"}, "to_model", "did you mean"),
    ({"to_model": "GPT-3.5 Turbo"}, "to_model", "first priced after from_model"),
    ({"start_date": "2024-06-01", "end_date": "2024-01-01"}, "end_date", "on or after start_date"),
    ({"start_date": "2023-02-30"}, "start_date", "valid date"),
    ({"capability_threshold": 95}, "capability_threshold", "the highest mmlu there is"),
    ({"capability_benchmark": "GPQA Diamond"}, "capability_benchmark", "MMLU"),
    ({"confidence_level": 1.5}, "confidence_level", "less than 1"),
    ({"gpu": "X100"}, "gpu", "did you mean"),
    ({"gpu": "B200"}, "gpu_hour_usd", "no on-demand rental price for B200"),
    ({"gpu_hour_usd": -2}, "gpu_hour_usd", "greater than 0"),
    ({"active_params_billion": 0}, "active_params_billion", "greater than 0"),
    ({"bytes_per_param": -1}, "bytes_per_param", "greater than 0"),
    ({"batch_size": 0}, "batch_size", "greater than 0"),
    ({"bandwidth_utilization": 1.5}, "bandwidth_utilization", "less than or equal to 1"),
    ({"software_speedup": 0}, "software_speedup", "greater than 0"),
    ({"context_tokens": -1}, "context_tokens", "greater than or equal to 0"),
    ({"n_experts": 8, "experts_per_token": 16, "total_params_billion": 100}, "experts_per_token", "at most n_experts"),
    ({"n_experts": 16, "experts_per_token": 2}, "total_params_billion", "mixture-of-experts"),
    ({"total_params_billion": 10}, "total_params_billion", "at least active_params_billion"),
    ({"price_conventoin": "input"}, "price_conventoin", "did you mean 'price_convention'"),
]


@pytest.mark.parametrize("values,name,fragment", BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_values_fail_in_the_schema_with_the_parameter_named(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(SLUG, values)
    assert exc.value.name == name
    assert fragment in str(exc.value)


def test_validation_does_not_run_the_fit(monkeypatch):
    from scalinglab.analyses import token_prices

    def boom(*a, **k):
        raise AssertionError("validation ran the fixed-capability fit")

    monkeypatch.setattr(token_prices, "fixed_capability_decline", boom)
    monkeypatch.setattr(token_prices, "fixed_capability_frontier", boom)
    p = schemas.validate(SLUG, {"start_date": "2023-03-14", "gpu": "B200", "gpu_hour_usd": 5.5})
    assert p.gpu == "B200" and str(p.start_date) == "2023-03-14"


def test_schema_choices_derive_from_the_module_constants():
    from scalinglab.analyses.token_prices import BENCHMARKS, PRICE_CONVENTIONS

    fields = schemas.get_schema(SLUG).model_fields
    assert fields["price_convention"].annotation.__args__ == PRICE_CONVENTIONS
    assert fields["capability_benchmark"].annotation.__args__ == BENCHMARKS


def test_notebook_is_prose_plus_short_calls():
    nb = json.loads(paths.chapter_notebook(SLUG).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"]["tags"]
    assert 'validate_namespace("token_cost_drop", globals())' in "".join(code[1]["source"])
    lines = [
        [ln for ln in "".join(c["source"]).splitlines() if ln.strip() and not ln.strip().startswith("#")] for c in code
    ]
    assert all(len(c) <= 20 for c in lines) and sum(map(len, lines)) <= 90
    assert not any(ln.lstrip().startswith(("def ", "class ")) for c in lines for ln in c)
    last = code[-1]
    assert 'record.show("token_cost_drop", params)' in "".join(last["source"])
    assert "remove-input" in last["metadata"]["tags"]
