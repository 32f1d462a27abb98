"""The shared vocabulary (scalinglab.data.catalog): hand-checked values against the shipped spec table."""

import numpy as np
import polars as pl
import pytest

from scalinglab import data
from scalinglab.data import catalog
from scalinglab.errors import ParameterError


@pytest.fixture(scope="module")
def specs():
    return data.load_gpu_specs()


def _row(specs, gpu):
    return specs.filter(pl.col("gpu") == gpu).row(0, named=True)


def test_every_throughput_column_of_the_spec_table_is_described(specs):
    described = {c.column for c in catalog.SPEC_COLUMNS}
    in_table = {c for c in specs.columns if c.endswith("_tflops") or c.endswith("_tops")}
    assert described == in_table
    for cols in catalog.FORMAT_SPEC_COLUMNS.values():
        assert set(cols) <= in_table


@pytest.mark.parametrize(
    ("fmt", "canonical"),
    [
        ("FP32", "FP32"),
        ("fp32", "FP32"),
        ("float32", "FP32"),
        (" bf16 ", "BF16"),
        ("bfloat16", "BF16"),
        ("float16", "FP16"),
        ("float8_e4m3fn", "FP8"),
        ("float8_e5m2", "FP8"),
        ("float6_e3m2fn", "FP6"),
        ("float4_e2m1fn", "FP4"),
        ("tf32", "TF32"),
        ("float64", "FP64"),
    ],
)
def test_format_names(fmt, canonical):
    assert catalog.format_name(fmt) == canonical


def test_fp32_and_tf32_are_distinct_columns():
    assert catalog.spec_columns("float32") == ("fp32_tflops",)
    assert catalog.spec_columns("TF32") == ("tf32_dense_tflops",)
    assert catalog.spec_column("FP16") == catalog.spec_column("bfloat16") == "bf16_fp16_dense_tflops"
    assert catalog.spec_columns("FP64") == ("fp64_tensor_tflops", "fp64_tflops")
    assert catalog.format_bits("TF32") == 19 and catalog.format_bits("float4_e2m1fn") == 4


def test_unknown_format_names_the_value_and_the_choices():
    with pytest.raises(ParameterError) as err:
        catalog.spec_columns("fp3", name="compute_format")
    assert err.value.name == "compute_format" and err.value.value == "fp3"
    assert "FP32" in err.value.allowed and "float8_e4m3fn" in err.value.allowed
    with pytest.raises(ParameterError):
        catalog.format_name(8)


def test_column_format():
    c = catalog.column_format("bf16_fp16_dense_tflops")
    assert (c.format, c.label, c.bits, c.tensor) == ("BF16", "BF16/FP16", 16, True)
    assert catalog.column_format("fp32_tflops").tensor is False
    with pytest.raises(ParameterError, match="hbm_tb_per_s"):
        catalog.column_format("hbm_tb_per_s")


def test_dense_tflops_against_datasheets(specs):
    h100, a100, b200, p100 = (_row(specs, g) for g in ("H100", "A100", "B200", "P100"))
    assert catalog.dense_tflops(h100, "bf16") == pytest.approx(989.4)
    assert catalog.dense_tflops(h100, "float32") == pytest.approx(67.0)
    assert catalog.dense_tflops(h100, "FP64") == pytest.approx(67.0)  # tensor-core FP64 (67) before vector (34)
    assert catalog.dense_tflops(p100, "FP64") == pytest.approx(5.3)  # no tensor cores: vector FP64
    assert catalog.dense_tflops(a100, "FP8") is None
    assert catalog.dense_tflops(b200, "FP4") == pytest.approx(9000.0)
    assert catalog.first_dense_tflops(a100, ["FP8", "BF16", "FP32"]) == (pytest.approx(312.0), "BF16")
    assert catalog.first_dense_tflops(p100, ["FP4", "FP8"]) is None


@pytest.mark.parametrize(
    ("b", "fmt"), [(0.5, "FP4"), (0.75, "FP8"), (1, "FP8"), (2.0, "BF16"), (3, "FP32"), (4, "FP32")]
)
def test_weight_format(b, fmt):
    assert catalog.weight_format(b) == fmt


@pytest.mark.parametrize("b", [0, -1, 4.5, float("nan"), True, "2"])
def test_weight_format_rejects(b):
    with pytest.raises(ParameterError) as err:
        catalog.weight_format(b, name="bytes_per_param")
    assert err.value.name == "bytes_per_param" and "FP4 0.5" in err.value.allowed


def test_weight_bytes_round_trip():
    for fmt, b in catalog.WEIGHT_BYTES_PER_PARAM.items():
        assert catalog.weight_format(b) == fmt and catalog.weight_bytes(fmt) == b
    assert catalog.weight_bytes("float16") == 2.0
    with pytest.raises(ParameterError):
        catalog.weight_bytes("TF32")


def test_epoch_names_exist_in_the_epoch_datasets(specs):
    chips = set(data.load_epoch_chips()["hardware_name"].to_list())
    prices = set(data.load_hardware_prices()["hardware_model"].drop_nulls().to_list())
    assert set(catalog.EPOCH_HARDWARE_NAME) <= set(specs["gpu"].to_list())
    for gpu, name in catalog.EPOCH_HARDWARE_NAME.items():
        assert name in chips, gpu
        assert catalog.epoch_chip_name(gpu) == name and catalog.gpu_for_epoch_name(name) == gpu
    for gpu in catalog.RENTAL_GPUS:
        assert catalog.rental_hardware_model(gpu) in prices
    assert catalog.rental_hardware_model("H100") == "NVIDIA H100 SXM5 80GB"


def test_unknown_gpu_names():
    with pytest.raises(ParameterError) as err:
        catalog.epoch_chip_name("H10")
    assert err.value.name == "gpu" and "'H100'" in err.value.hint
    with pytest.raises(ParameterError, match="GB300"):
        catalog.rental_hardware_model("GB300", name="rental_gpu")
    with pytest.raises(ParameterError):
        catalog.gpu_for_epoch_name("NVIDIA H100 PCIe")


def test_gpu_row(specs):
    assert catalog.gpu_row(specs, "H100", "hbm_tb_per_s")["hbm_tb_per_s"] == pytest.approx(3.35)
    with pytest.raises(ParameterError) as err:
        catalog.gpu_row(specs, "A100", "fp8_dense_tflops", name="gpu")
    assert "fp8_dense_tflops" in err.value.allowed and "H100" in err.value.allowed and "A100" not in err.value.allowed
    with pytest.raises(KeyError):
        catalog.gpu_row(specs, "H100", "no_such_column")


def test_units_are_vectorised():
    assert catalog.tb_s_to_gb_s(3.35) == pytest.approx(3350.0)
    assert catalog.gbit_s_to_gbyte_s(400.0) == 50.0
    assert catalog.per_direction(900.0) == 450.0
    assert catalog.tflops_to_flop_s(989.4) == pytest.approx(9.894e14)
    assert catalog.bytes_to_gib(80e9) == pytest.approx(74.505805969)
    np.testing.assert_allclose(catalog.per_direction(np.array([900.0, 1800.0])), [450.0, 900.0])
    df = pl.DataFrame({"x": [3.35]}).select(catalog.tb_s_to_gb_s(pl.col("x")))
    assert df["x"][0] == pytest.approx(3350.0)
