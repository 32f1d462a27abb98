"""The chapter software_speedup: schema against its parameters cell and the data, bad values named in-process, and
(marked ``notebook``) the chapter run with defaults, with ``-p scenario Server -p window_months 18`` and with one bad
parameter through papermill."""

from __future__ import annotations

import math

import papermill as pm
import pytest
import vl_convert as vlc
from conftest import assert_named_parameter_error, glued, run_papermill

from scalinglab import charts, paths
from scalinglab.analyses import software_speedup as sw
from scalinglab.book import schemas
from scalinglab.charts.render import notebook_specs as chart_specs
from scalinglab.errors import ParameterError

SLUG = "software_speedup"
REQUIRED = [
    "sw_best_speedup_x",
    "sw_best_window_months",
    "sw_best_benchmark",
    "sw_gptj_offline_speedup_x",
    "sw_gptj_server_speedup_x",
    "sw_llama2_offline_speedup_x",
    "sw_llama2_server_speedup_x",
    "sw_verdict",
    "sw_hw_factor_x",
    "sw_sw_factor_x",
]


# ---------------------------------------------------------------------------
# the schema (in-process)
# ---------------------------------------------------------------------------
def test_schema_and_parameters_cell_agree():
    declared = pm.inspect_notebook(str(paths.chapter_notebook(SLUG)))
    cls = schemas.get_schema(SLUG)
    assert (
        list(declared)
        == list(cls.model_fields)
        == ["system", "benchmarks", "scenario", "window_months", "claimed_speedup_x", "include_proxy_rows"]
    )
    for name, info in declared.items():
        assert eval(info["default"], {}) == cls.model_fields[name].default, name  # literals only
        assert info["help"] and cls.model_fields[name].description, name
        assert "unit" in cls.model_fields[name].json_schema_extra, name


@pytest.mark.parametrize(
    "values,name,fragment",
    [
        ({"system": "GB200-NVL72_GB200-186GB_aarch64x4_TRT"}, "system", "at least two rounds"),
        ({"system": "DGX-A100"}, "system", "DGX-H100_H100-SXM-80GBx8_TRT"),
        ({"benchmarks": ["gptj", "mixtral"]}, "benchmarks", "'mixtral' is not one"),
        ({"benchmarks": []}, "benchmarks", "at least 1 item"),
        ({"benchmarks": ["resnet50"], "scenario": "Server"}, "benchmarks", "at least two rounds"),
        ({"benchmarks": ["llama2-70b"], "include_proxy_rows": False}, "benchmarks", "at least two rounds"),
        ({"scenario": "SingleStream"}, "scenario", "Offline, Server, both"),
        ({"window_months": 0}, "window_months", ">= 1"),
        ({"window_months": 37}, "window_months", "<= 36"),
        ({"window_months": 4}, "window_months", "shortest gap between rounds is 5 months"),
        ({"claimed_speedup_x": 1.0}, "claimed_speedup_x", "> 1"),
        ({"include_proxy_rows": "maybe"}, "include_proxy_rows", "bool"),
        ({"window_month": 12}, "window_month", "did you mean 'window_months'"),
    ],
)
def test_schema_rejects_bad_values_naming_the_parameter(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(SLUG, values)
    assert exc.value.name == name
    assert f"'{name}'" in str(exc.value) and fragment in str(exc.value)


def test_schema_accepts_other_systems_and_edge_values():
    p = schemas.validate(SLUG, {"system": "H200-SXM-141GBx8_TRT", "window_months": 36, "claimed_speedup_x": 1.01})
    assert p.window_months == 36
    assert schemas.validate(SLUG, {"system": "B200-SXM-180GBx8_TRT", "benchmarks": ["llama2-70b"]}).scenario == "both"
    assert schemas.validate(SLUG, {"window_months": 5, "scenario": "Offline"}).window_months == 5


def test_hardware_times_software_equals_total():
    acc = sw.per_accelerator()
    split = sw.hw_sw_split(acc)
    assert split.height == 10  # H200 v4.0/v4.1/v5.0 and B200 v4.1/v5.0, two scenarios
    for r in split.iter_rows(named=True):
        assert r["hw_factor_x"] * r["sw_factor_x"] == pytest.approx(r["total_factor_x"], rel=1e-12)
    h = sw.headline_split(acc, split, "both")
    # B200 v5.0 (363.895 / 8) over H100 v5.0 (107.256 / 8), H100 v5.0 over H100 v4.0 (74.699 / 8), Offline
    assert (h.split_gpu, h.split_round, h.split_base_round, h.split_scenario) == ("B200", "v5.0", "v4.0", "Offline")
    assert h.hw_factor_x == pytest.approx(363.895 / 107.256)
    assert h.sw_factor_x == pytest.approx(107.256 / 74.699)
    assert h.total_factor_x == pytest.approx(363.895 / 74.699)
    assert h.sw_factor_x_per_year == pytest.approx((107.256 / 74.699) ** (12 / 13))
    assert h.hw_vs_sw == "larger" and h.split_uses_proxy
    assert h.not_split == "B200 v5.1, GB200 v5.1"


def test_claim_verdict_rule():
    series = sw.round_series(sw.select())
    c = sw.check_claim(series, 12, 5.0)
    assert c.verdict == "not supported" and c.claim_over_measured_x == pytest.approx(5.0 / (278.75 / 81.79))
    assert sw.check_claim(series, 12, 3.4).verdict == "supported"
    assert "at least the claimed 5x" in c.verdict_rule
    spans = sw.series_speedups(series)
    assert spans.n_flat == 2 and spans.flat_benchmarks.startswith("BERT-Large Offline (0.96x")
    assert spans.llama2_server_speedup_x == pytest.approx(106.21 / 70.42)


# ---------------------------------------------------------------------------
# the notebook (papermill)
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def defaults_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sw_defaults")
    out = tmp / "out.ipynb"
    r = run_papermill(SLUG, out, cwd=tmp)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return out


@pytest.mark.notebook
def test_defaults_glue_the_measured_values(defaults_run):
    g = glued(defaults_run)
    for key in REQUIRED:
        assert key in g, key
    assert g["sw_best_speedup_x"] == pytest.approx(278.75 / 81.79)
    assert g["sw_best_window_months"] == 11 and g["sw_best_benchmark"] == "GPT-J 6B"
    assert g["sw_gptj_offline_speedup_x"] == pytest.approx(286.084 / 106.315)
    assert g["sw_llama2_offline_speedup_x"] == pytest.approx(107.256 / 74.699)
    assert g["sw_verdict"] == "not supported"
    assert g["sw_hw_factor_x"] * g["sw_sw_factor_x"] == pytest.approx(g["sw_total_factor_x"])
    assert g["sw_llm_low_x"] == pytest.approx(107.256 / 84.4792)


@pytest.mark.notebook
def test_every_chart_meets_the_rules_and_draws_marks(defaults_run):
    specs = chart_specs(defaults_run)
    assert len(specs) == 1
    for spec in specs:
        assert charts.check_chart(spec) == [], spec.get("title")
        for layer in spec["layer"]:
            x = layer["encoding"]["x"]
            assert x["scale"]["type"] == "utc" and x["timeUnit"] == "utcyearmonth"
        values = next(iter(spec["datasets"].values()))
        assert len(values) == 18 and all(v["speedup_vs_first_x"] > 0 for v in values)
        svg = vlc.vegalite_to_svg(spec, vl_version="v" + ".".join(spec["$schema"].split("/v")[-1].split(".")[:2]))
        assert svg.count("<path") > 20  # lines and points, not only axes


@pytest.mark.notebook
def test_server_and_18_month_window(tmp_path):
    out = tmp_path / "alt.ipynb"
    r = run_papermill(SLUG, out, "-p", "scenario", "Server", "-p", "window_months", "18", cwd=tmp_path)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    g = glued(out)
    assert math.isnan(g["sw_gptj_offline_speedup_x"]) and math.isnan(g["sw_llama2_offline_speedup_x"])
    assert g["sw_llama2_server_speedup_x"] == pytest.approx(106.21 / 70.42)
    assert g["sw_best_speedup_x"] == pytest.approx(278.75 / 81.79) and g["sw_window_months"] == 18
    assert g["sw_split_scenario"] == "Server"
    assert g["sw_hw_factor_x"] == pytest.approx(361.04 / 106.21)


@pytest.mark.notebook
def test_bad_parameter_fails_in_the_validation_cell(tmp_path):
    assert_named_parameter_error(
        run_papermill(SLUG, tmp_path / "bad.ipynb", "-p", "window_months", "4"), "window_months"
    )


@pytest.mark.browser
def test_page_draws_its_chart_offline_at_both_widths(built_site):
    from browser import browser, serve

    with serve(built_site) as base, browser() as b:
        for width in (1280, 390):
            for scheme in ("light", "dark"):
                ctx = b.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
                page = ctx.new_page()
                external: list[str] = []
                page.on(
                    "request",
                    lambda r, seen=external: (
                        seen.append(r.url) if not r.url.startswith((base, "data:", "blob:")) else None
                    ),
                )
                page.goto(base + "/executed/software_speedup.html", wait_until="load")
                page.wait_for_function(
                    "document.querySelectorAll('div.vega-embed svg.marks').length >= 1", timeout=30000
                )
                marks = page.evaluate("""() => { const e = document.querySelector('div.vega-embed');
                    return [e.querySelectorAll('.mark-line path').length, e.querySelectorAll('.mark-symbol path').length]; }""")
                assert marks[0] >= 6 and marks[1] >= 18, (width, scheme, marks)  # 6 series, 18 values
                assert page.locator("table").count() >= 4
                assert "MLPerf is a trademark of MLCommons" in page.inner_text("body")
                assert external == []
                ctx.close()
