"""Loaders return typed frames with unit-suffixed columns and name file, row and column on bad input."""

import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from scalinglab import data
from scalinglab.errors import DataFormatError

REPO = Path(__file__).resolve().parent.parent


def test_microprocessor_loaders_are_typed_and_sorted():
    df = data.load_microprocessor_trend("frequency")
    assert df.columns == ["year", "frequency_mhz", "note"]
    assert df.schema["year"] == pl.Float64 and df.schema["frequency_mhz"] == pl.Float64
    assert df["year"].is_sorted()
    assert df.height == 101  # rows in the upstream frequency.dat
    assert data.load_microprocessor_trend("logical_cores").schema["logical_cores"] == pl.Int64
    with pytest.raises(ValueError, match="known: transistors"):
        data.load_microprocessor_trend("mips")


def test_curated_and_epoch_loaders():
    specs = data.load_gpu_specs()
    h100 = specs.filter(pl.col("gpu") == "H100").row(0, named=True)
    assert h100["bf16_fp16_dense_tflops"] == pytest.approx(989.4)
    assert h100["nvlink_gb_per_s_bidir_per_gpu"] == 900
    assert specs.filter(pl.col("preliminary"))["gpu"].to_list() == ["Rubin"]
    chips = data.load_epoch_chips()
    assert "fp8_flop_s" in chips.columns and chips.schema["release_date"] == pl.Date
    prices = data.load_hardware_prices()
    assert prices.schema["on_demand_usd_per_chip_hour"] == pl.Float64
    api = data.load_epoch_api_prices()
    assert api.schema["price_usd"] == pl.Float64 and (api["price_usd"] >= 0).all()
    fits = data.load_epoch_price_fits()
    gpt4 = fits.filter((pl.col("bench") == "MMLU") & (pl.col("threshold_model") == "GPT-4-0314")).row(0, named=True)
    assert gpt4["decline_x_per_year"] == pytest.approx(15.857, rel=1e-3)
    assert gpt4["decline_x_per_year_ci90_low"] == pytest.approx(4.0857, rel=1e-3)
    assert data.anchor("hp_era2") == 52.0
    with pytest.raises(ValueError, match="range"):
        data.anchor("huang_2to3x")


@pytest.fixture
def scratch_data(tmp_path):
    """A copy of data/ whose files a test may corrupt."""
    dst = tmp_path / "data"
    shutil.copytree(REPO / "data", dst)
    data.loaders._descriptor.cache_clear()
    yield dst
    data.loaders._descriptor.cache_clear()


def corrupt(path: Path, row: int, column: str, value: str) -> None:
    df = pl.read_csv(path, infer_schema=False)
    df = df.with_columns(
        pl.when(pl.int_range(pl.len()) == row - 1).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    df.write_csv(path)


@pytest.mark.parametrize(
    "column,value,expected",
    [
        ("transistors_thousands", "1,234", "a number"),  # thousands separator
        ("transistors_thousands", "1234 k", "a number"),  # unit suffix
        ("transistors_thousands", "", "required"),  # empty cell in a required numeric column
        ("year", "circa 1990", "a number"),
    ],
)
def test_malformed_numbers_name_file_row_column(scratch_data, column, value, expected):
    corrupt(scratch_data / "microprocessor-trend-data/50yrs/transistors.csv", 7, column, value)
    with pytest.raises(DataFormatError) as exc:
        data.load_microprocessor_trend("transistors", data_dir=scratch_data)
    e = exc.value
    assert (e.file, e.row, e.column) == ("microprocessor-trend-data/50yrs/transistors.csv", 7, column)
    assert expected in str(e) and "row 7" in str(e) and repr(column) in str(e)


def test_unparseable_date_names_file_row_column(scratch_data):
    corrupt(scratch_data / "curated/llm_api_price_points.csv", 3, "effective_date", "2023-02-30")
    with pytest.raises(DataFormatError, match=r"llm_api_price_points.csv: row 3, column 'effective_date'.*YYYY-MM-DD"):
        data.load_llm_prices(data_dir=scratch_data)
    corrupt(scratch_data / "curated/llm_api_price_points.csv", 3, "effective_date", "14 March 2023")
    with pytest.raises(DataFormatError, match="row 3"):
        data.load_llm_prices(data_dir=scratch_data)


def test_empty_optional_numeric_cell_is_missing_not_an_error():
    specs = data.load_gpu_specs()
    assert specs.filter(pl.col("gpu") == "P100")["fp8_dense_tflops"][0] is None


def test_price_with_bad_currency_text(scratch_data):
    corrupt(scratch_data / "epoch-llm-inference-prices/api_prices_full_view.csv", 2, "Price", "$2,50")
    with pytest.raises(DataFormatError, match="column 'Price'"):
        data.load_epoch_api_prices(data_dir=scratch_data)


def test_files_read_are_recorded():
    data.load_gpu_specs()
    assert "curated/nvidia_gpu_specs.csv" in data.files_read()


def test_row_with_extra_fields_names_file_and_row(scratch_data):
    path = scratch_data / "microprocessor-trend-data/50yrs/frequency.csv"
    lines = path.read_text().splitlines()
    lines[4] += ",extra,cols"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError) as exc:
        data.load_microprocessor_trend("frequency", data_dir=scratch_data)
    assert exc.value.file == "microprocessor-trend-data/50yrs/frequency.csv" and exc.value.row == 4
    assert "3 fields" in str(exc.value)


def test_negative_quantity_is_rejected(scratch_data):
    corrupt(scratch_data / "microprocessor-trend-data/50yrs/frequency.csv", 5, "frequency_mhz", "-3")
    with pytest.raises(DataFormatError, match=r"row 5, column 'frequency_mhz'.*>= 0"):
        data.load_microprocessor_trend("frequency", data_dir=scratch_data)


def test_gpus_with_lists_only_gpus_having_every_column():
    assert data.gpus_with("fp4_dense_tflops") == ["B200", "GB200", "B300", "GB300"]
    both = data.gpus_with("bf16_fp16_dense_tflops", "tdp_w")
    assert "H100" in both and "Rubin" not in both
    with pytest.raises(KeyError, match="unknown spec-table column"):
        data.gpus_with("fp3_tflops")


def test_loads_are_cached_per_process_and_keyed_by_content(scratch_data):
    """A second load reads nothing; a touched file is re-read but not re-parsed; a changed one is re-parsed."""
    path = scratch_data / "curated" / "nvidia_gpu_specs.csv"
    first = data.load_gpu_specs(data_dir=scratch_data)
    assert data.loaders.read_count(path) == 1
    for _ in range(5):
        again = data.load_gpu_specs(data_dir=scratch_data)
    assert data.loaders.read_count(path) == 1 and again.equals(first)
    raw = data.read_resource("nvidia_gpu_specs", data_dir=scratch_data)
    raw.insert_column(0, pl.Series("scribble", range(raw.height)))  # in place: must not reach the cache
    assert "scribble" not in data.read_resource("nvidia_gpu_specs", data_dir=scratch_data).columns
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # touched, same content
    assert data.read_resource("nvidia_gpu_specs", data_dir=scratch_data).equals(raw.drop("scribble"))
    assert data.loaders.read_count(path) == 2
    corrupt(path, 4, "tdp_w", "999")  # H100 is row 4: changed content is seen
    changed = data.load_gpu_specs(data_dir=scratch_data)
    assert data.loaders.read_count(path) == 3
    assert changed.filter(pl.col("gpu") == "H100")["tdp_w"][0] == 999.0
    assert first.filter(pl.col("gpu") == "H100")["tdp_w"][0] == 700.0


def test_horowitz_energy_table():
    h = data.load_horowitz_energy()
    ops = dict(zip(h["operation"], h["joules"], strict=True))
    assert ops["32-bit FP multiply"] == pytest.approx(3.7e-12) and ops["8-bit integer add"] == pytest.approx(0.03e-12)
    assert ops["64-bit read from a 1 MB SRAM cache"] == pytest.approx(100e-12)
    assert set(h.filter(pl.col("kind") == "memory")["id"]) == {
        "horowitz_cache8k",
        "horowitz_cache32k",
        "horowitz_cache1m",
    }
    assert h.filter(pl.col("kind") == "arithmetic").height == 8  # DRAM is a range (1.3-2.6 nJ): left out
    assert h["joules"].is_sorted()
