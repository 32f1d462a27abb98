"""Analyses of the chapter software_speedup against hand-computed cases from the shipped MLPerf rows."""

from datetime import date

import polars as pl
import pytest

from scalinglab import data
from scalinglab.analyses import software_speedup as sw
from scalinglab.errors import ParameterError
from scalinglab.paths import DATA_DIR

# samples/s read from data/mlperf-inference/mlperf_inference_nvidia.csv (DGX H100, closed division)
GPTJ_SERVER_V31, GPTJ_SERVER_V41 = 81.79, 278.75  # completed samples/s, 2023-09 and 2024-08
GPTJ_OFFLINE_V31, GPTJ_OFFLINE_V40, GPTJ_OFFLINE_V41 = 106.315, 239.895, 286.084
LLAMA_OFFLINE_V40, LLAMA_OFFLINE_V41, LLAMA_OFFLINE_V50 = 74.699, 84.4792, 107.256  # 2024-03, 2024-08, 2025-04
LLAMA_SERVER_V40, LLAMA_SERVER_V41, LLAMA_SERVER_V50 = 70.42, 74.42, 106.21


def test_loader_types_units_and_flags():
    df = data.load_mlperf_inference()
    assert df.height == 96
    assert df.schema["publication_date"] == pl.Date and df.schema["throughput_per_s"] == pl.Float64
    assert df.schema["valid"] == pl.Boolean and df["valid"].all()
    row = df.filter(
        (pl.col("round") == "v4.1")
        & (pl.col("system") == sw.H100_SYSTEM)
        & (pl.col("benchmark") == "gptj-99")
        & (pl.col("scenario") == "Offline")
        & (pl.col("metric") == "samples_per_s")
    )
    assert row["throughput_per_s"].to_list() == [286.084]
    assert row["publication_date"][0] == date(2024, 8, 1)
    assert row["workload"][0] == "gptj" and row["accuracy_target"][0] == "99"
    # v3.1 GPT-J Offline is read from the -99.9 folder and stands in for -99; v5.0 rows are the third-party copy
    v31 = df.filter((pl.col("round") == "v3.1") & (pl.col("workload") == "gptj") & (pl.col("scenario") == "Offline"))
    assert v31["proxy_folder"].to_list() == [True]
    assert df.filter(pl.col("round") == "v5.0")["third_party_copy"].all()
    assert df.filter(pl.col("third_party_copy")).height == 21
    # v4.1 -99.9 rows have a -99 twin: not proxies
    assert not df.filter((pl.col("round") == "v4.1") & (pl.col("accuracy_target") == "99.9"))["proxy_folder"].any()


def test_samples_table_rules():
    t = sw.samples_table().filter(pl.col("system") == sw.H100_SYSTEM)
    # one value per workload, scenario and round; Server uses completed samples/s
    assert t.select("workload", "scenario", "round").is_duplicated().sum() == 0
    gs = t.filter((pl.col("workload") == "gptj") & (pl.col("scenario") == "Server"))
    assert gs["samples_per_s"].to_list() == [GPTJ_SERVER_V31, 229.084, GPTJ_SERVER_V41]
    go = t.filter((pl.col("workload") == "gptj") & (pl.col("scenario") == "Offline"))
    assert go["samples_per_s"].to_list() == [GPTJ_OFFLINE_V31, GPTJ_OFFLINE_V40, GPTJ_OFFLINE_V41]
    assert go["proxy"].to_list() == [True, False, False]
    assert sw.samples_table(include_proxy_rows=False).filter(pl.col("proxy")).is_empty()


def test_window_pairs_hand_computed_from_data():
    t = sw.samples_table().filter(pl.col("system") == sw.H100_SYSTEM)
    p = sw.window_pairs(t, 12)
    top = p.row(0, named=True)
    assert (top["workload"], top["scenario"], top["from_round"], top["to_round"]) == ("gptj", "Server", "v3.1", "v4.1")
    assert top["months"] == 11
    assert top["speedup_x"] == pytest.approx(GPTJ_SERVER_V41 / GPTJ_SERVER_V31)  # 3.408
    assert top["speedup_x"] == pytest.approx(3.40812, rel=1e-5)
    assert top["annualised_x_per_year"] == pytest.approx(3.40812 ** (12 / 11), rel=1e-5)  # 3.81 per year
    # Llama 2 Offline v4.0 -> v5.0 is 13 months apart: outside 12, inside 18
    llama = ("llama2-70b", "Offline", "v4.0", "v5.0")
    key = pl.struct("workload", "scenario", "from_round", "to_round")
    assert p.filter(
        key == {"workload": llama[0], "scenario": llama[1], "from_round": llama[2], "to_round": llama[3]}
    ).is_empty()
    p18 = sw.window_pairs(t, 18).filter(key == dict(zip(["workload", "scenario", "from_round", "to_round"], llama)))
    assert p18["months"].to_list() == [13]
    assert p18["speedup_x"][0] == pytest.approx(1.435849, rel=1e-5)
    assert p18["annualised_x_per_year"][0] == pytest.approx(
        (LLAMA_OFFLINE_V50 / LLAMA_OFFLINE_V40) ** (12 / 13)
    )  # 1.396 per year


def test_window_search_on_synthetic_table():
    syn = pl.DataFrame(
        {
            "system": ["S"] * 4 + ["S"] * 2,
            "workload": ["a"] * 4 + ["b"] * 2,
            "scenario": ["Offline"] * 6,
            "round": ["r1", "r2", "r3", "r4", "r1", "r3"],
            "month_index": [0, 6, 12, 30, 0, 12],
            "samples_per_s": [1.0, 2.0, 3.0, 30.0, 1.0, 5.0],
        }
    )
    p6 = sw.window_pairs(syn, 6)
    assert p6.select("workload", "from_round", "to_round", "speedup_x").rows() == [
        ("a", "r1", "r2", 2.0),
        ("a", "r2", "r3", 1.5),
    ]
    p12 = sw.window_pairs(syn, 12)
    assert p12.row(0, named=True)["speedup_x"] == 5.0 and p12.row(0, named=True)["workload"] == "b"
    assert p12.height == 4  # a: r1r2, r1r3, r2r3; b: r1r3
    p18 = sw.window_pairs(syn, 18)
    top = p18.row(0, named=True)  # a: r3 -> r4 is 18 months (10x); r2 -> r4 (24 months, 15x) is outside
    assert (top["from_round"], top["to_round"], top["speedup_x"], top["months"]) == ("r3", "r4", 10.0, 18)
    assert sw.window_pairs(syn, 5).is_empty()


def test_llm_software_speedup_range_defaults():
    r = sw.llm_software_speedup_range()
    assert r.window_months == 12 and r.system == sw.H100_SYSTEM and r.accelerator == "NVIDIA H100-SXM-80GB"
    assert r.best_x == r.high_x == pytest.approx(GPTJ_SERVER_V41 / GPTJ_SERVER_V31)
    assert (r.best_benchmark, r.best_scenario, r.best_from_round, r.best_to_round) == (
        "GPT-J 6B",
        "Server",
        "v3.1",
        "v4.1",
    )
    # low end: Llama 2 70B Offline, best pair within 12 months is v4.1 -> v5.0 (8 months)
    assert r.low_x == pytest.approx(LLAMA_OFFLINE_V50 / LLAMA_OFFLINE_V41)  # 1.2696
    assert (r.low_benchmark, r.low_scenario) == ("Llama 2 70B", "Offline")
    assert r.n_series == 4


def test_llm_software_speedup_range_other_windows_and_no_proxies():
    r18 = sw.llm_software_speedup_range(18)
    assert r18.low_x == pytest.approx(LLAMA_OFFLINE_V50 / LLAMA_OFFLINE_V40)  # 1.4358, 13 months
    assert r18.high_x == pytest.approx(GPTJ_SERVER_V41 / GPTJ_SERVER_V31)
    # without proxies Llama 2 keeps one H100 round (v4.1) and GPT-J Offline starts at v4.0
    r = sw.llm_software_speedup_range(12, include_proxy_rows=False)
    assert r.n_series == 2
    assert r.low_x == pytest.approx(GPTJ_OFFLINE_V41 / GPTJ_OFFLINE_V40)  # 1.1925
    with pytest.raises(ParameterError, match="window_months"):
        sw.llm_software_speedup_range(4)


def _copy_with(tmp_path, row: int, column: str, text: str):
    """A data folder holding the MLPerf file with one cell (1-based data row) replaced."""
    import csv
    import shutil

    src = data.resource_path("mlperf_inference_nvidia")
    (tmp_path / "mlperf-inference").mkdir()
    shutil.copy(DATA_DIR / "datapackage.json", tmp_path / "datapackage.json")
    with open(DATA_DIR / src, newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(column)] = text
    with open(tmp_path / src, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return tmp_path


@pytest.mark.parametrize(
    "column, text",
    [
        ("value", "286,084"),
        ("value", "286 samples/s"),
        ("publication_date", "2024-13"),
        ("publication_date", "Aug 2024"),
        ("valid", "yes"),
        ("scenario", "SingleStream"),
        ("value_per_accelerator", "99.9"),
        ("accelerators_per_system", ""),
    ],
)
def test_loader_rejects_a_malformed_value_naming_file_row_column(tmp_path, column, text):
    from scalinglab.errors import DataFormatError

    folder = _copy_with(tmp_path, 7, column, text)
    with pytest.raises(DataFormatError) as err:
        data.load_mlperf_inference(folder)
    e = err.value
    assert (e.file, e.row, e.column) == ("mlperf-inference/mlperf_inference_nvidia.csv", 7, column)
    assert "row 7" in str(e) and column in str(e)


def test_loader_reads_an_untouched_copy(tmp_path):
    folder = _copy_with(tmp_path, 7, "notes", "edited note")
    assert data.load_mlperf_inference(folder).height == 96
