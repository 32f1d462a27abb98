"""The interconnect-scaling chapter: it runs with its defaults and with the hand-checked parameter set from any
working directory, rejects bad parameters with a named error, its schema matches its parameters cell, every
chart meets the book's rules, and the slider chart's Vega expressions agree with the Python models."""

from __future__ import annotations

import math

import numpy as np
import papermill as pm
import pytest
import vl_convert as vlc
from conftest import assert_named_parameter_error, glued, run_papermill

from scalinglab import charts, paths
from scalinglab.analyses import interconnect_scaling as ic
from scalinglab.book import schemas
from scalinglab.charts.render import notebook_specs as chart_specs
from scalinglab.errors import ParameterError
from scalinglab.models import collectives as C
from scalinglab.models import parallelism as P
from scalinglab.models import vega_expr as V

SLUG = "interconnect_scaling"
GIB = 2**30
HEADLINE = [
    "ring_allreduce_ms",
    "in_network_allreduce_ms",
    "hierarchical_allreduce_ms",
    "tree_ring_crossover_bytes",
    "nvlink_growth_x_per_2y",
    "dense_flops_growth_x_per_2y",
    "hbm_bandwidth_growth_x_per_2y",
    "scaling_efficiency_nvl8",
    "scaling_efficiency_nvl72",
]


@pytest.fixture(scope="module")
def defaults_run(tmp_path_factory):
    """The chapter executed with its defaults, from a scratch working directory."""
    tmp = tmp_path_factory.mktemp("ic_defaults")
    out = tmp / "out.ipynb"
    r = run_papermill(SLUG, out, cwd=tmp)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return out


# ---------------------------------------------------------------------------
# the notebook runs
# ---------------------------------------------------------------------------
def test_defaults_glue_the_headline_numbers(defaults_run):
    g = glued(defaults_run)
    for key in HEADLINE:
        assert isinstance(g[key], float) and not math.isnan(g[key]), key
    d = schemas.validate(SLUG, {})
    up = (d.link_bandwidth_gb_s, d.latency_us)
    assert g["ring_allreduce_ms"] == pytest.approx(C.ring_allreduce_s(d.message_size_bytes, d.n_gpus, *up) * 1e3)
    assert g["in_network_allreduce_ms"] == pytest.approx(
        C.in_network_allreduce_s(d.message_size_bytes, d.n_gpus, *up) * 1e3
    )
    assert g["hierarchical_allreduce_ms"] == pytest.approx(
        C.hierarchical_allreduce_s(
            d.message_size_bytes, d.n_gpus, d.scaleup_domain_size, *up, d.scaleout_bandwidth_gb_s, d.scaleout_latency_us
        )
        * 1e3
    )
    assert g["tree_ring_crossover_bytes"] == pytest.approx(C.tree_ring_crossover_bytes(d.n_gpus, *up))
    # the story the prose tells with the defaults
    assert g["in_network_allreduce_ms"] < g["hierarchical_sharp_allreduce_ms"] < g["hierarchical_allreduce_ms"]
    # 1 GiB is below the crossover at 4608 GPUs: recursive doubling is faster there
    assert g["tree_allreduce_ms"] < g["ring_allreduce_ms"] and GIB < g["tree_ring_crossover_bytes"]
    assert 0 < g["scaling_efficiency_nvl8"] <= g["scaling_efficiency_nvl8_sharp"] <= 1
    assert g["scaling_efficiency_nvl8"] <= g["scaling_efficiency_nvl72"] <= 1
    assert g["dense_flops_growth_x_per_2y"] > g["hbm_bandwidth_growth_x_per_2y"] > 1
    assert g["dense_flops_growth_x_per_2y"] > g["nvlink_growth_x_per_2y"] > 1
    assert g["tp8_nvlink_ms"] < g["tp8_infiniband_ms"]
    assert g["tokens_per_gpu"] >= g["sequence_length"] == 4096  # a physically plausible job
    assert g["message_size_text"] == "1 GiB"


def test_every_chart_meets_the_book_rules_and_compiles(defaults_run):
    specs = chart_specs(defaults_run)
    assert len(specs) == 9
    for spec in specs:
        assert charts.check_chart(spec) == [], spec.get("title")
        vlc.vegalite_to_vega(spec, vl_version="v" + ".".join(spec["$schema"].split("/v")[-1].split(".")[:2]))
    sliders = [s for s in specs if any("bind" in p for p in s.get("params", []))]
    assert len(sliders) == 1
    assert {p["bind"]["input"] for p in sliders[0]["params"] if "bind" in p} == {"range"}


def test_hand_case_4176_ms_from_another_directory(tmp_path):
    out = tmp_path / "hand.ipynb"
    r = run_papermill(
        SLUG,
        out,
        "-p",
        "n_gpus",
        "8",
        "-p",
        "message_size_bytes",
        "1073741824",
        "-p",
        "link_bandwidth_gb_s",
        "450",
        "-p",
        "latency_us",
        "0",
        cwd=tmp_path,
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    g = glued(out)
    assert g["ring_allreduce_ms"] == pytest.approx(4.176, rel=1e-3)
    assert g["ring_allreduce_ms"] == pytest.approx(2 * 7 / 8 * GIB / 4.5e11 * 1e3, rel=1e-12)
    assert g["tree_ring_crossover_bytes"] == 0.0  # no latency: the ring always wins at p = 8
    # one 8-GPU domain: the two-level all-reduce is the flat NVLink ring
    assert g["hierarchical_allreduce_ms"] == pytest.approx(g["ring_allreduce_ms"], rel=1e-12)


def test_bad_parameter_fails_in_the_validation_cell(tmp_path):
    """One papermill run proves the validation cell is wired; the other bad values are tested in-process."""
    r = run_papermill(SLUG, tmp_path / "bad.ipynb", "-p", "tokens_per_step", "1048576")
    assert_named_parameter_error(r, "tokens_per_step")
    assert "each GPU of a data-parallel job needs at least one sequence" in r.stdout + r.stderr


# ---------------------------------------------------------------------------
# the schema
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values,name,fragment",
    [
        ({"n_gpus": 1}, "n_gpus", "greater than or equal to 2"),
        ({"link_bandwidth_gb_s": 0}, "link_bandwidth_gb_s", "greater than 0"),
        ({"link_bandwidth_gb_s": -1.0}, "link_bandwidth_gb_s", "greater than 0"),
        ({"scaleout_bandwidth_gb_s": 0.0}, "scaleout_bandwidth_gb_s", "greater than 0"),
        ({"mfu": 1.5}, "mfu", "less than or equal to 1"),
        ({"mfu": 0.0}, "mfu", "greater than 0"),
        ({"overlap_fraction": -0.1}, "overlap_fraction", "greater than or equal to 0"),
        ({"overlap_fraction": 1.01}, "overlap_fraction", "less than or equal to 1"),
        ({"latency_us": -1}, "latency_us", "greater than or equal to 0"),
        ({"n_gpus": 64, "scaleup_domain_size": 72}, "scaleup_domain_size", "at most n_gpus (64)"),
        ({"n_gpus": 100, "scaleup_domain_size": 8}, "scaleup_domain_size", "divisor of n_gpus (100)"),
        ({"gpu": "X100"}, "gpu", "one of: P100, V100, A100, H100"),
        ({"gpu": "Rubin"}, "gpu", "dense 16-bit peak"),
        ({"n_gpu": 8}, "n_gpu", "did you mean 'n_gpus'"),
        ({"tokens_per_step": 4_194_304}, "tokens_per_step", "at least sequence_length x n_gpus = 4096 x 4608"),
        (
            {"n_gpus": 2048, "sequence_length": 8192, "tokens_per_step": 8_388_608},
            "tokens_per_step",
            "4,096.0 tokens per GPU",
        ),
        ({"sequence_length": 0}, "sequence_length", "greater than or equal to 1"),
        ({"confidence_level": 1.0}, "confidence_level", "less than 1"),
        ({"mfu": True}, "mfu", "not a boolean"),
    ],
)
def test_schema_rejects_bad_values_naming_the_parameter(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(SLUG, values)
    assert exc.value.name == name
    assert f"'{name}'" in str(exc.value) and fragment in str(exc.value)


def test_schema_accepts_edge_values():
    assert schemas.validate(SLUG, {"n_gpus": 8}).scaleup_domain_size == 8
    p = schemas.validate(
        SLUG, {"n_gpus": 2, "scaleup_domain_size": 2, "mfu": 1, "overlap_fraction": 0, "latency_us": 0}
    )
    assert p.mfu == 1.0 and p.overlap_fraction == 0.0
    assert schemas.validate(SLUG, {"n_gpus": 4608, "scaleup_domain_size": 72, "gpu": "GB200"}).gpu == "GB200"
    # exactly one sequence per GPU is allowed; the golden alternative set is valid
    assert schemas.validate(SLUG, {"tokens_per_step": 4608 * 4096}).tokens_per_step == 18874368
    assert schemas.validate(SLUG, {"n_gpus": 1024, "message_size_bytes": 268435456}).n_gpus == 1024


def test_schema_and_parameters_cell_agree():
    declared = pm.inspect_notebook(str(paths.chapter_notebook(SLUG)))
    cls = schemas.get_schema(SLUG)
    assert (
        list(declared)
        == list(cls.model_fields)
        == [
            "n_gpus",
            "message_size_bytes",
            "link_bandwidth_gb_s",
            "latency_us",
            "scaleup_domain_size",
            "scaleout_bandwidth_gb_s",
            "scaleout_latency_us",
            "gpu",
            "model_params_billion",
            "bytes_per_param",
            "tokens_per_step",
            "sequence_length",
            "mfu",
            "overlap_fraction",
            "confidence_level",
        ]
    )
    for name, info in declared.items():
        assert eval(info["default"], {}) == cls.model_fields[name].default, name  # literals only
        assert info["help"], name
        assert cls.model_fields[name].description, name
        assert "unit" in cls.model_fields[name].json_schema_extra, name


# ---------------------------------------------------------------------------
# the slider chart: Vega expressions against Python
# ---------------------------------------------------------------------------
POINTS = [  # (message bytes, GPUs, GB/s per direction, us per step)
    (GIB, 8, 450, 0),
    (GIB, 8, 450, 5),
    (1e4, 4096, 900, 2),
    (10**6.5, 2, 50, 10),
    (1e2, 65536, 5, 50),
    (1e11, 72.0, 1800, 0.5),
]
PYTHON = {"ring_ms": C.ring_allreduce_s, "tree_ms": C.tree_allreduce_s, "innet_ms": C.in_network_allreduce_s}


@pytest.fixture(scope="module")
def explorer_spec():
    charts.enable()
    return ic.allreduce_explorer(4608, GIB, 900, 2).to_dict()


def test_explorer_sliders_start_at_the_parameters(explorer_spec):
    assert ic.slider_defaults(explorer_spec) == {"log10_msg": 9.0, "log2_gpus": 12, "bw_gb_s": 900.0, "lat_us": 2.0}
    assert charts.check_chart(explorer_spec) == []


@pytest.mark.parametrize("n,p,bw,lat", POINTS)
def test_explorer_expressions_agree_with_python(explorer_spec, n, p, bw, lat):
    exprs = ic.calculate_exprs(explorer_spec)
    curves = [(name, e) for name, e in exprs if name in PYTHON]
    assert sorted({name for name, _ in curves}) == sorted(PYTHON) and len(curves) == 2 * len(PYTHON)  # two panels
    values = {"datum.msg_bytes": n, "datum.p": p, "bw_gb_s": bw, "lat_us": lat}
    for name, expr in curves:
        got = V.eval_vega_expr(expr, values)
        assert got == pytest.approx(PYTHON[name](n, p, bw, lat) * 1e3, rel=1e-12, abs=1e-15), (name, expr)
    # the slider and grid conversions: log10 bytes -> bytes, log2 GPUs -> GPUs
    logs = {
        "datum.log10_bytes": math.log10(n),
        "log10_msg": math.log10(n),
        "log2_gpus": math.log2(p),
        "datum.log2_p": math.log2(p),
    }
    for name, expr in exprs:
        if name == "msg_bytes":
            assert V.eval_vega_expr(expr, logs) == pytest.approx(n, rel=1e-12)
        elif name == "p":
            assert V.eval_vega_expr(expr, logs) == pytest.approx(p, rel=1e-12)


def test_explorer_chain_from_sliders_to_curve(explorer_spec):
    """Slider values -> derived fields -> curve, evaluated as Vega would, against one Python call."""
    left = explorer_spec["hconcat"][0]["layer"][0]  # the left panel's curves
    exprs = dict(ic.calculate_exprs(left))
    assert list(exprs)[:5] == ["msg_bytes", "p", "ring_ms", "tree_ms", "innet_ms"]
    sl = {"log10_msg": 8.5, "log2_gpus": 6, "bw_gb_s": 400.0, "lat_us": 3.5}
    grid = np.array([2.0, 5.0, 9.0, 11.0])
    msg = V.eval_vega_expr(exprs["msg_bytes"], {"datum.log10_bytes": grid})
    p = V.eval_vega_expr(exprs["p"], sl)
    ring = V.eval_vega_expr(exprs["ring_ms"], {"datum.msg_bytes": msg, "datum.p": p, **sl})
    np.testing.assert_allclose(ring, C.ring_allreduce_s(10**grid, 64, 400.0, 3.5) * 1e3, rtol=1e-12)


# ---------------------------------------------------------------------------
# chapter helpers
# ---------------------------------------------------------------------------
def test_bandwidths_are_converted_to_one_direction():
    links = ic.interconnect_bandwidths()
    row = {(r["series"], r["generation"]): r["gb_s_per_direction"] for r in links.iter_rows(named=True)}
    assert row[(ic.NVLINK, "4.0")] == C.NVLINK4_PER_DIRECTION_GB_S == 450  # 900 GB/s bidirectional
    assert row[(ic.INFINIBAND, "NDR")] == C.INFINIBAND_NDR_PER_DIRECTION_GB_S == 50  # 400 Gb/s
    assert row[(ic.PCIE, "5.0")] == 63.0  # already per direction
    assert not links.filter(links["generation"] == "6.0")["shipped"].to_list()[0]  # NVLink 6: planned


def test_gpu_generations_count_each_chip_once():
    gens = ic.gpu_generations()
    assert "GB200" not in gens["gpu"].to_list() and "B200" in gens["gpu"].to_list()
    h100 = gens.row(gens["gpu"].to_list().index("H100"), named=True)
    assert h100["hbm_bytes_per_flop"] == pytest.approx(3.35e12 / 989.4e12)
    assert h100["nvlink_bytes_per_flop"] == pytest.approx(450e9 / 989.4e12)


def test_transformer_shape_and_gpu_grids():
    assert ic.transformer_shape(8e9) == (34, 4352)
    layers, hidden = ic.transformer_shape(70e9)
    assert 12 * layers * hidden**2 == pytest.approx(70e9, rel=0.1)
    with pytest.raises(ParameterError):
        ic.transformer_shape(0)
    g = ic.gpu_counts(72, 4096)
    assert list(g) == [2, 4, 8, 16, 32, 64, 72, 144, 288, 576, 1152, 2304]
    for d in (8, 72, 576):  # every grid point is a valid job for the model
        P.dp_gradient_allreduce_s(8e9, 2, ic.gpu_counts(d, 32768), d, 900, 2, 50, 8)
    assert ic.job_gpus(4608, 72) == 4608 and ic.job_gpus(8, 72) == 8 and ic.job_gpus(1000, 72) == 1008
