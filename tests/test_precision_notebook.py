"""Chapter *Precision co-design*: runs with its defaults and with the issue's other parameter set, glues
its headline numbers, rejects bad parameters with a named error; the spec table it reads is consistent."""

from __future__ import annotations

import re

import pytest

from conftest import assert_named_parameter_error, glued, run_papermill
from scalinglab import data
from scalinglab.book import schemas
from scalinglab.errors import ParameterError

SLUG = "precision_codesign"
REQUIRED = ["bf16_unit_roundoff", "fp8_e4m3_unit_roundoff", "fp4_e2m1_unit_roundoff", "matmul_rel_error_bf16",
            "matmul_rel_error_fp8_e4m3", "matmul_rel_error_nvfp4", "nvfp4_vs_tensor_scaled_fp4_error_ratio",
            "h100_bf16_dense_tflops", "cpu_fp32_over_fp64_speedup"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("precision") / "default.ipynb"
    r = run_papermill(SLUG, out)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return glued(out)


@pytest.fixture(scope="module")
def student_t_run(tmp_path_factory):
    """The issue's parameter set, run from another working directory."""
    d = tmp_path_factory.mktemp("precision_t")
    out = d / "student_t.ipynb"
    r = run_papermill(SLUG, out, "-y", "formats: [bfloat16, float8_e4m3fn, float4_e2m1fn]",
                      "-p", "distribution", "student_t", cwd=d)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return glued(out)


def test_defaults_glue_every_required_key(default_run):
    for key in REQUIRED:
        assert key in default_run, key
        assert isinstance(default_run[key], float), key


def test_unit_roundoffs_are_powers_of_two(default_run):
    assert default_run["bf16_unit_roundoff"] == 2.0**-8
    assert default_run["fp8_e4m3_unit_roundoff"] == 2.0**-4
    assert default_run["fp4_e2m1_unit_roundoff"] == 2.0**-2


def test_default_headline_numbers(default_run):
    g = default_run
    assert g["matmul_rel_error_bf16"] < g["matmul_rel_error_fp8_e4m3"] < g["matmul_rel_error_nvfp4"]
    # errors are of the order of each format's unit roundoff (FP32 accumulation)
    assert 0.1 * 2**-8 < g["matmul_rel_error_bf16"] < 2**-8
    assert 0.1 * 2**-4 < g["matmul_rel_error_fp8_e4m3"] < 2**-4
    assert g["nvfp4_vs_tensor_scaled_fp4_error_ratio"] > 1
    assert g["h100_bf16_dense_tflops"] == pytest.approx(989.4)
    assert 0 < g["cpu_fp32_over_fp64_speedup"] < 100  # machine-dependent (ideal 2x); only sanity-checked
    assert 1.5 < g["lowest_format_growth_per_year"] < 2.5
    assert g["decomp_total_gain"] == pytest.approx(g["decomp_same_format_gain"] * g["decomp_format_gain"])
    assert g["gpu"] == "B200" and g["gpu_unsupported"] == "none"


def test_student_t_parameter_set(student_t_run, default_run):
    g = student_t_run
    assert g["matmul_rel_error_bf16"] < g["matmul_rel_error_fp8_e4m3"] < g["matmul_rel_error_nvfp4"]
    assert g["nvfp4_vs_tensor_scaled_fp4_error_ratio"] > 1
    # heavy tails hurt per-tensor FP4 far more than NVFP4
    assert g["nvfp4_vs_tensor_scaled_fp4_error_ratio"] > 2 * default_run["nvfp4_vs_tensor_scaled_fp4_error_ratio"]
    assert g["experiment_setup"].startswith("K = 1024, student_t")


def test_no_cpu_measurement_and_a_gpu_without_fp4(tmp_path):
    out = tmp_path / "h100.ipynb"
    r = run_papermill(SLUG, out, "-p", "measure_cpu", "False", "-p", "gpu", "H100")
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    g = glued(out)
    assert g["cpu_fp32_over_fp64_speedup"] != g["cpu_fp32_over_fp64_speedup"]  # NaN
    assert "not measured" in g["cpu_note"]
    assert set(g["gpu_unsupported"].split(", ")) == {"float4_e2m1fn", "mxfp4", "nvfp4"}


@pytest.mark.parametrize("args,name", [
    (["-p", "block_size", "0"], "block_size"),
    (["-p", "block_size", "48"], "block_size"),
    (["-y", "formats: [bfloat16, float3]"], "formats"),
    (["-p", "formats", "bfloat16"], "formats"),
    (["-p", "gpu", "X100"], "gpu"),
    (["-p", "dot_length", "-1024"], "dot_length"),
    (["-p", "n_samples", "-1"], "n_samples"),
    (["-p", "cpu_matmul_n", "-8"], "cpu_matmul_n"),
    (["-p", "distribution", "cauchy"], "distribution"),
    (["-p", "accumulate", "fp16"], "accumulate"),
])
def test_bad_parameters_fail_with_named_error(tmp_path, args, name):
    assert_named_parameter_error(run_papermill(SLUG, tmp_path / "bad.ipynb", *args), name)


@pytest.mark.parametrize("values,name,fragment", [
    ({"formats": ["bfloat16", "float3"]}, "formats", "nvfp4"),  # lists the known schemes
    ({"formats": "bfloat16"}, "formats", "valid list"),
    ({"formats": []}, "formats", "at least 1"),
    ({"gpu": "X100"}, "gpu", "H100"),  # lists the known GPUs
    ({"gpu": "Rubin"}, "gpu", "B200"),  # preliminary, no dense figures
    ({"block_size": 0}, "block_size", ">= 1"),
    ({"block_size": 24}, "block_size", "dividing dot_length"),
    ({"dot_length": 1000, "block_size": 8}, "dot_length", "multiple of 16"),
    ({"dot_length": -16}, "dot_length", ">= 16"),
    ({"student_t_dof": 0}, "student_t_dof", "greater than 0"),
    ({"seed": -1}, "seed", ">= 0"),
])
def test_schema_names_the_parameter(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(SLUG, values)
    assert exc.value.name == name and fragment in str(exc.value)


# the spec table ---------------------------------------------------------------------

_COL = {"TF32": "tf32_dense_tflops", "BF16": "bf16_fp16_dense_tflops", "FP16": "bf16_fp16_dense_tflops",
        "FP8": "fp8_dense_tflops", "FP6": "fp6_dense_tflops", "FP4": "fp4_dense_tflops", "INT8": "int8_dense_tops"}
_FIGURE = re.compile(r"\b(TF32|BF16|FP16|FP8|FP6|FP4|INT8)(?:/\w+)*\s+(?:sparse\s+)?(\d[\d,]*(?:\.\d+)?)(?![\d.x])"
                     r"\s*(PF|POPS)?")


def _sparse_figures(row) -> list[tuple[str, float]]:
    """Sparse per-GPU figures (TFLOPS) that the table's sparsity text and notes label as such."""
    texts = [row["structured_sparsity_speedup"] or ""]
    m = re.search(r"sparse figures:([^.]*)", row["notes"] or "")
    if m:
        texts.append(m.group(1))
    out = []
    for text in texts:
        per_rack = 72 if "NVL72" in text else 1
        for fmt, num, unit in _FIGURE.findall(text):
            value = float(num.replace(",", "")) * (1000 if unit else 1) / per_rack
            out.append((_COL[fmt], value))
        for mult in re.findall(r"^(\d+(?:\.\d+)?)x", text):
            out.append(("multiplier", float(mult)))
    return out


def test_dense_never_above_sparse():
    checked = 0
    for row in data.load_gpu_specs().iter_rows(named=True):
        for col, sparse in _sparse_figures(row):
            if col == "multiplier":
                assert sparse >= 1, row["gpu"]
                continue
            if row[col] is not None:
                assert row[col] <= sparse * 1.001, f"{row['gpu']} {col}: dense {row[col]} > sparse {sparse}"
                checked += 1
    assert checked >= 10  # the parser found the labelled figures


def test_every_spec_row_has_a_source():
    for row in data.load_gpu_specs().iter_rows(named=True):
        assert (row["primary_source"] or "").strip(), row["gpu"]
        assert (row["status"] or "").strip(), row["gpu"]


def test_rubin_is_marked_preliminary():
    specs = data.load_gpu_specs()
    assert specs.filter(specs["gpu"] == "Rubin")["preliminary"].to_list() == [True]
    assert not any(specs.filter(specs["gpu"] != "Rubin")["preliminary"].to_list())
