"""Chapter *Precision co-design*: runs with its defaults and with the recorded other parameter set and reproduces
the recorded glued values, keeps machine measurements out of the prose, rejects bad parameters with a named error
(one papermill run, the rest in-process); the spec table it reads is consistent."""

from __future__ import annotations

import json
import math
import re
import subprocess
import typing
from pathlib import Path

import pytest
import yaml
from conftest import REPO, assert_named_parameter_error, glued, run_papermill

from scalinglab import data
from scalinglab.book import schemas
from scalinglab.errors import ParameterError
from scalinglab.models import precision

SLUG = "precision_codesign"
REQUIRED = [
    "bf16_unit_roundoff",
    "fp8_e4m3_unit_roundoff",
    "fp4_e2m1_unit_roundoff",
    "matmul_rel_error_bf16",
    "matmul_rel_error_fp8_e4m3",
    "matmul_rel_error_nvfp4",
    "nvfp4_vs_tensor_scaled_fp4_error_ratio",
    "h100_bf16_dense_tflops",
    "cpu_fp32_over_fp64_speedup",
]


GOLDEN = Path(__file__).parent / "golden"


def _machine_measured(keys=()) -> set[str]:
    """Listed machine measurements plus every key named ``measured_*`` (the convention of test_golden)."""
    changed = yaml.safe_load((GOLDEN / "changed.yml").read_text()) or {}
    return set((changed.get("machine_measured") or {}).get(SLUG, [])) | {k for k in keys if k.startswith("measured_")}


def _assert_matches_golden(g: dict, which: str) -> None:
    """Every recorded key comes out with the recorded value, except machine measurements."""
    golden = json.loads((GOLDEN / f"{SLUG}.{which}.json").read_text())["glued"]
    skip = _machine_measured(g)
    for key, want in golden.items():
        if key in skip:
            continue
        assert key in g, key
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(g[key]), key
        else:
            assert g[key] == (pytest.approx(want, rel=1e-12) if isinstance(want, float) else want), key


@pytest.fixture(scope="module")
def default_run():
    """``executed/<slug>.ipynb`` at the defaults (made by ``make book``; rebuilt here when stale)."""
    r = subprocess.run(
        ["make", "--no-print-directory", f"executed/{SLUG}.ipynb"], cwd=REPO, capture_output=True, text=True
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return glued(REPO / "executed" / f"{SLUG}.ipynb")


@pytest.fixture(scope="module")
def student_t_run(tmp_path_factory):
    """The recorded other parameter set, run from another working directory."""
    d = tmp_path_factory.mktemp("precision_t")
    out = d / "student_t.ipynb"
    r = run_papermill(SLUG, out, "-p", "distribution", "student_t", cwd=d)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    return glued(out)


def test_defaults_glue_every_required_key(default_run):
    for key in REQUIRED:
        assert key in default_run, key
        assert isinstance(default_run[key], float), key


def test_defaults_reproduce_the_recorded_values(default_run):
    _assert_matches_golden(default_run, "default")


def test_student_t_reproduces_the_recorded_values(student_t_run):
    _assert_matches_golden(student_t_run, "alt")


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
    assert g["h100_bf16_dense_tflops"] == pytest.approx(989.4)
    assert g["decomp_total_gain"] == pytest.approx(g["decomp_same_format_gain"] * g["decomp_format_gain"])
    assert g["gpu"] == "B200" and g["gpu_unsupported"] == "none"
    # issue 13 items 12-14: Dally over his span, per watt, the MX scale rounded up
    assert g["dally_span_total_gain"] == pytest.approx(2 * 1978.9 / 3.935)
    assert g["same_format_gain_per_gpu"] == pytest.approx(4500 / 1978.9)
    assert g["same_format_gain_per_watt"] == pytest.approx(4500 / 1978.9 * 700 / 1000)
    assert g["mxfp8_ceil_clamped_inputs"] == 0 < g["mxfp8_clamped_inputs"]
    assert g["horowitz_fp32_fma_pj_per_flop"] == pytest.approx(2.3)


def test_student_t_parameter_set(student_t_run, default_run):
    g = student_t_run
    assert g["matmul_rel_error_bf16"] < g["matmul_rel_error_fp8_e4m3"] < g["matmul_rel_error_nvfp4"]
    # heavy tails hurt per-tensor FP4 far more than NVFP4
    assert g["nvfp4_vs_tensor_scaled_fp4_error_ratio"] > 2 * default_run["nvfp4_vs_tensor_scaled_fp4_error_ratio"]
    assert g["experiment_setup"].startswith("K = 1024, student_t")


def test_machine_measurements_stay_out_of_the_prose():
    nb = json.loads((Path(__file__).parents[1] / "notebooks" / f"{SLUG}.ipynb").read_text())
    prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    measured = _machine_measured()
    assert "cpu_fp32_over_fp64_speedup" in measured
    assert not [k for k in measured if f"`{k}" in prose]


def test_notebook_is_prose_plus_short_calls():
    nb = json.loads((Path(__file__).parents[1] / "notebooks" / f"{SLUG}.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(re.search(r"^\s*def ", c, re.MULTILINE) for c in code)
    assert max(len(c.splitlines()) for c in code) <= 20
    lines = [ln for c in code for ln in c.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) <= 170


def test_one_bad_parameter_fails_in_the_notebook_with_a_named_error(tmp_path):
    """The validation cell is wired; every other bad value is tested in-process below."""
    assert_named_parameter_error(
        run_papermill(SLUG, tmp_path / "bad.ipynb", "-p", "block_size", "48"),
        "block_size",
    )


@pytest.mark.parametrize(
    "values,name,fragment",
    [
        (
            {"formats": ["bfloat16", "float3"]},
            "formats",
            "nvfp4",
        ),  # lists the known schemes
        ({"formats": "bfloat16"}, "formats", "valid list"),
        ({"formats": []}, "formats", "at least 1"),
        ({"formats": ["bfloat16", "bfloat16"]}, "formats", "at most once"),
        ({"gpu": "X100"}, "gpu", "H100"),  # lists the known GPUs
        ({"gpu": "Rubin"}, "gpu", "B200"),  # preliminary, no dense figures
        ({"block_size": 0}, "block_size", ">= 1"),
        ({"block_size": 24}, "block_size", "dividing dot_length"),
        ({"block_size": 48}, "block_size", "dividing dot_length"),
        ({"dot_length": 1000, "block_size": 8}, "dot_length", "multiple of 16"),
        ({"dot_length": -16}, "dot_length", ">= 16"),
        ({"dot_length": -1024}, "dot_length", ">= 16"),
        ({"n_samples": -1}, "n_samples", ">= 1"),
        ({"cpu_matmul_n": -8}, "cpu_matmul_n", ">= 16"),
        ({"distribution": "cauchy"}, "distribution", "'normal' or 'student_t'"),
        ({"accumulate": "fp16"}, "accumulate", "'fp32' or 'native'"),
        ({"student_t_dof": 0}, "student_t_dof", "greater than 0"),
        ({"seed": -1}, "seed", ">= 0"),
        ({"confidence_level": 1.0}, "confidence_level", "less than 1"),
    ],
)
def test_schema_names_the_parameter(values, name, fragment):
    with pytest.raises(ParameterError) as exc:
        schemas.validate(SLUG, values)
    assert exc.value.name == name and fragment in str(exc.value)


def test_schema_choices_derive_from_the_model():
    fields = schemas.get_schema(SLUG).model_fields
    (scheme_literal,) = typing.get_args(fields["formats"].annotation)
    assert typing.get_args(scheme_literal) == tuple(precision.SCHEMES)
    assert typing.get_args(fields["distribution"].annotation) == precision.DISTRIBUTIONS
    assert typing.get_args(fields["accumulate"].annotation) == precision.ACCUMULATIONS
    assert fields["block_size"].default == precision.MX_BLOCK_SIZE
    assert schemas.validate(SLUG, {"formats": list(precision.SCHEMES)}).formats == list(precision.SCHEMES)


# the spec table ---------------------------------------------------------------------

_COL = {
    "TF32": "tf32_dense_tflops",
    "BF16": "bf16_fp16_dense_tflops",
    "FP16": "bf16_fp16_dense_tflops",
    "FP8": "fp8_dense_tflops",
    "FP6": "fp6_dense_tflops",
    "FP4": "fp4_dense_tflops",
    "INT8": "int8_dense_tops",
}
_FIGURE = re.compile(
    r"\b(TF32|BF16|FP16|FP8|FP6|FP4|INT8)(?:/\w+)*\s+(?:sparse\s+)?(\d[\d,]*(?:\.\d+)?)(?![\d.x])"
    r"\s*(PF|POPS)?"
)


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
