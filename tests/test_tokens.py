"""Tests for scalinglab.tokens: conventions, fixed-capability declines, first principles."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from scalinglab.analyses import token_cost_drop as tk
from scalinglab.errors import ParameterError
from scalinglab.models.fits import fit_loglinear
from scalinglab.paths import DATA_DIR

PRICES_CSV = DATA_DIR / "curated" / "llm_api_price_points.csv"
EPOCH_DIR = DATA_DIR / "epoch-llm-inference-prices" / "results"
HW_CSV = DATA_DIR / "epoch-ml-hardware" / "hardware_prices.csv"


@pytest.fixture(scope="module")
def prices() -> pl.DataFrame:
    return pl.read_csv(PRICES_CSV)


@pytest.fixture(scope="module")
def epoch_results() -> pl.DataFrame:
    return pl.read_csv(EPOCH_DIR / "lowest_price_models_results.csv")


@pytest.fixture(scope="module")
def hardware_prices() -> pl.DataFrame:
    return pl.read_csv(HW_CSV, infer_schema_length=0)


# --------------------------------------------------------------------------- the shipped table
def test_price_table_rows_are_unique_positive_and_sourced(prices):
    assert prices.height >= 26
    assert prices.is_duplicated().sum() == 0
    key = ["effective_date", "vendor", "model", "model_version"]
    assert prices.select(key).is_duplicated().sum() == 0
    assert (prices["input_usd_per_mtok"] > 0).all()
    assert (prices["output_usd_per_mtok"] > 0).all()
    assert prices["source_url"].null_count() == 0
    assert prices["source_url"].str.starts_with("http").all()
    # every date parses
    assert prices["effective_date"].str.to_date("%Y-%m-%d").null_count() == 0


def test_price_table_blend_column_is_the_3to1_blend(prices):
    computed = prices.select(tk.price_expr("blend_3to1")).to_series()
    assert np.allclose(computed.to_numpy(), prices["blend_3to1_usd_per_mtok"].to_numpy(), rtol=1e-9)


# --------------------------------------------------------------------------- conventions
def test_price_conventions_on_gpt4_launch_prices():
    # GPT-4 (8k), March 2023: 30 in, 60 out
    assert tk.price_usd_per_mtok(30, 60, "mean_in_out") == 45.0  # (30 + 60) / 2
    assert tk.price_usd_per_mtok(30, 60, "blend_3to1") == 37.5  # (3*30 + 60) / 4
    assert tk.price_usd_per_mtok(30, 60, "input") == 30.0
    assert tk.price_usd_per_mtok(30, 60, "output") == 60.0


def test_unknown_convention_lists_the_allowed_ones():
    with pytest.raises(ParameterError) as err:
        tk.price_usd_per_mtok(30, 60, "median")
    assert err.value.name == "convention"
    for c in tk.PRICE_CONVENTIONS:
        assert c in str(err.value)
    with pytest.raises(ParameterError, match="price_convention"):
        tk.check_convention("median", name="price_convention")


@pytest.mark.parametrize("arg,kwargs", [
    ("input_usd_per_mtok", dict(input_usd_per_mtok=0, output_usd_per_mtok=1)),
    ("output_usd_per_mtok", dict(input_usd_per_mtok=1, output_usd_per_mtok=-2)),
])
def test_non_positive_price_names_the_argument(arg, kwargs):
    with pytest.raises(ParameterError) as err:
        tk.price_usd_per_mtok(convention="mean_in_out", **kwargs)
    assert err.value.name == arg


def test_240x_pair_gpt4_launch_to_gemini_15_flash(prices):
    table = tk.convention_table(prices, "GPT-4 (8k)", "Gemini 1.5 Flash")
    assert table["convention"].to_list() == list(tk.PRICE_CONVENTIONS)
    row = table.row(0, named=True)
    # mean: (30 + 60) / 2 = 45 against (0.075 + 0.30) / 2 = 0.1875; 45 / 0.1875 = 240
    assert row["from_usd_per_mtok"] == 45.0
    assert row["to_usd_per_mtok"] == pytest.approx(0.1875, rel=1e-12)
    assert row["ratio"] == pytest.approx(240.0, rel=1e-12)
    # 2023-03-14 to 2024-08-12 is 517 days = 16.99 months
    assert row["from_date"] == dt.date(2023, 3, 14) and row["to_date"] == dt.date(2024, 8, 12)
    assert row["months"] == pytest.approx(517 / 30.4375)
    assert row["x_per_year"] == pytest.approx(240.0 ** (12 / (517 / 30.4375)))
    ratios = dict(zip(table["convention"], table["ratio"]))
    assert ratios["blend_3to1"] == pytest.approx(37.5 / 0.13125)  # 285.7
    assert ratios["input"] == pytest.approx(30 / 0.075)  # 400
    assert ratios["output"] == pytest.approx(60 / 0.30)  # 200


def test_gpt4_to_gpt4o_mini_under_every_convention(prices):
    table = tk.convention_table(prices, "GPT-4 (8k)", "GPT-4o mini")
    ratios = dict(zip(table["convention"], table["ratio"]))
    assert ratios["blend_3to1"] == pytest.approx(37.5 / 0.2625, rel=1e-12)  # 142.857
    assert round(ratios["blend_3to1"], 1) == 142.9
    assert ratios["mean_in_out"] == pytest.approx(45 / 0.375)  # 120
    assert ratios["input"] == pytest.approx(30 / 0.15)  # 200
    assert ratios["output"] == pytest.approx(60 / 0.6)  # 100


def test_model_lookup_takes_the_earliest_row_or_a_version(prices):
    first = tk.find_model(prices, "GPT-4o")
    assert first["effective_date"] == dt.date(2024, 5, 13) and first["input_usd_per_mtok"] == 5
    later = tk.find_model(prices, "gpt-4o-2024-08-06")
    assert later["effective_date"] == dt.date(2024, 8, 6) and later["input_usd_per_mtok"] == 2.5
    davinci = tk.find_model(prices, "GPT-3 175B (davinci)")
    assert davinci["input_usd_per_mtok"] == 60  # launch, not the 2022 cut to 20


def test_unknown_model_suggests_close_names(prices):
    with pytest.raises(ParameterError) as err:
        tk.convention_table(prices, "GPT-4 8k", "Gemini 1.5 Flash")
    assert err.value.name == "from_model"
    assert "'GPT-4 (8k)'" in str(err.value)
    with pytest.raises(ParameterError) as err:
        tk.convention_table(prices, "GPT-4 (8k)", "Gemini Flash 1.5")
    assert err.value.name == "to_model"
    assert "'Gemini 1.5 Flash'" in str(err.value)


def test_pairs_near_240_include_the_claim_and_flag_capability(prices):
    near = tk.pairs_near(prices, target_ratio=240, tolerance=0.1)
    assert near.height > 0
    assert ((near["ratio"] / 240 - 1).abs() <= 0.1).all()
    assert (near["from_date"] < near["to_date"]).all()
    claim = near.filter(
        pl.col("from_model") == "GPT-4 (8k)",
        pl.col("to_model") == "Gemini 1.5 Flash",
        pl.col("convention") == "mean_in_out",
    )
    assert claim.height == 1
    row = claim.row(0, named=True)
    assert row["ratio"] == pytest.approx(240.0)
    assert (row["from_score"], row["to_score"]) == (86.0, 79.0)
    assert row["capability_differs"] is True
    # a tight tolerance keeps only the exact 240s
    exact = tk.pairs_near(prices, 240, tolerance=1e-9)
    assert exact.height >= 1 and np.allclose(exact["ratio"].to_numpy(), 240.0)
    assert exact.height < near.height


def test_pairs_near_on_a_hand_built_frame():
    frame = pl.DataFrame({
        "effective_date": ["2023-01-01", "2024-01-01", "2024-01-01"],
        "model": ["Big", "Small", "Equal"],
        "input_usd_per_mtok": [24.0, 0.1, 0.2],
        "output_usd_per_mtok": [24.0, 0.1, 0.2],
        "mmlu": [80.0, 70.0, 80.0],
    })
    near = tk.pairs_near(frame, 240, tolerance=0.01, conventions=["input"])
    assert near.height == 1  # Big -> Small is 240; Big -> Equal is 120; same-day pairs skipped
    row = near.row(0, named=True)
    assert (row["from_model"], row["to_model"], row["capability_differs"]) == ("Big", "Small", True)
    assert row["months"] == pytest.approx(365 / 30.4375)


# --------------------------------------------------------------------------- fixed capability
def _synthetic(decline: float = 10.0) -> pl.DataFrame:
    """Qualifying prices falling exactly `decline`x per (365.25-day) year, plus distractors."""
    start = dt.date(2023, 1, 1)
    rows = []
    for k in range(6):
        d = start + dt.timedelta(days=round(k * 73.05 * 2))  # 0.4 year steps
        years = (d - start).days / 365.25
        rows.append((d, f"good-{k}", 100.0 * decline ** (-years), 90.0))
    rows.append((dt.date(2023, 6, 1), "cheap-but-weak", 0.001, 50.0))  # below threshold: ignored
    rows.append((dt.date(2024, 1, 15), "pricey-but-good", 500.0, 95.0))  # never the cheapest
    rows.append((dt.date(2024, 2, 1), "unscored", 0.001, None))  # no score: never qualifies
    return pl.DataFrame(
        rows, schema={"effective_date": pl.Date, "model": pl.String, "input_usd_per_mtok": pl.Float64,
                      "mmlu": pl.Float64}, orient="row",
    ).with_columns(pl.col("input_usd_per_mtok").alias("output_usd_per_mtok"))


def test_decline_fit_recovers_a_known_10x_per_year():
    frame = _synthetic(10.0)
    result = tk.fixed_capability_decline(frame, 80, "2023-01-01", "2025-12-31", "mean_in_out")
    assert result.fit.n == 6
    assert result.frontier["model"].filter(result.frontier["new_low"]).to_list() == [f"good-{k}" for k in range(6)]
    # decimal years differ from 365.25-day years by < 0.1 %, so the slope is 10x within 0.5 %
    assert result.x_per_year == pytest.approx(10.0, rel=5e-3)
    low, high = result.x_per_year_ci
    assert low <= result.x_per_year <= high


def test_decline_fit_with_noise_brackets_the_truth():
    rng = np.random.default_rng(7)
    base = dt.date(2022, 1, 1)
    days = np.sort(rng.choice(np.arange(0, 1500), size=25, replace=False))
    years = days / 365.25
    price = 50.0 * 10.0 ** (-years) * np.exp(rng.normal(0, 0.2, size=days.size))
    frame = pl.DataFrame({
        "effective_date": [base + dt.timedelta(days=int(d)) for d in days],
        "model": [f"m{i}" for i in range(days.size)],
        "input_usd_per_mtok": price,
        "output_usd_per_mtok": price,
        "mmlu": np.full(days.size, 90.0),
    })
    result = tk.fixed_capability_decline(frame, 90, base, base + dt.timedelta(days=1500), "input")
    low, high = result.x_per_year_ci
    assert low < 10.0 < high
    assert 5.0 < result.x_per_year < 20.0


def test_frontier_is_a_running_minimum_that_stays_available():
    frame = pl.DataFrame({
        "effective_date": ["2022-06-01", "2023-01-01", "2023-06-01", "2024-01-01"],
        "model": ["early", "A", "B", "C"],
        "input_usd_per_mtok": [8.0, 10.0, 4.0, 6.0],
        "output_usd_per_mtok": [8.0, 10.0, 4.0, 6.0],
        "mmlu": [90.0, 90.0, 90.0, 90.0],
    })
    front = tk.fixed_capability_frontier(frame, 85, start_date=dt.date(2023, 1, 1), end_date="2024-06-30",
                                         price_convention="input")
    # 'early' (8.0, before the window) stays available, so A at 10 does not raise the frontier;
    # C at 6 comes after B at 4, so the frontier stays 4
    assert front["usd_per_mtok"].to_list() == [8.0, 4.0, 4.0]
    assert front["model"].to_list() == ["early", "B", "B"]
    assert front["new_low"].to_list() == [True, True, False]
    assert front["year"][0] == pytest.approx(2023.0)


def test_frontier_bad_parameters_are_named(prices):
    with pytest.raises(ParameterError) as err:
        tk.fixed_capability_frontier(prices, 99.5, "2023-03-14")
    assert err.value.name == "capability_threshold"
    with pytest.raises(ParameterError) as err:
        tk.fixed_capability_frontier(prices, 86, "2024-01-01", "2023-01-01")
    assert err.value.name == "end_date"
    with pytest.raises(ParameterError) as err:
        tk.fixed_capability_frontier(prices, 86, "March 2023")
    assert err.value.name == "start_date"
    with pytest.raises(ParameterError) as err:
        tk.fixed_capability_frontier(prices, 86, price_convention="median")
    assert err.value.name == "price_convention"


def test_fixed_capability_decline_at_gpt4_level_on_the_curated_table(prices):
    # dates as strings (papermill) and as dates (YAML) give the same answer
    a = tk.fixed_capability_decline(prices, 86, "2023-03-14", None)
    b = tk.fixed_capability_decline(prices, 86, dt.date(2023, 3, 14), dt.datetime(2025, 8, 7))
    assert a.x_per_year == b.x_per_year
    lows = a.frontier.filter(pl.col("new_low"))
    assert lows["usd_per_mtok"].to_list() == pytest.approx([37.5, 15.0, 7.5, 6.0, 4.375, 2.7, 2.1875, 0.4775])
    assert lows["model"][-1] == "DeepSeek-V3"
    assert a.fit.n == 8 and a.end_date == dt.date(2025, 8, 7)
    assert a.x_per_year == pytest.approx(8.354, rel=1e-3)
    low, high = a.x_per_year_ci
    assert low == pytest.approx(3.520, rel=1e-3) and high == pytest.approx(19.83, rel=1e-3)


# --------------------------------------------------------------------------- Epoch's factors
def test_epoch_factor_lookup(epoch_results):
    f = tk.epoch_decline_factor(epoch_results, "mmlu", 86)
    assert f is not None
    assert f.threshold_model == "GPT-4-0314" and f.sample_size == 5
    assert f.x_per_year == pytest.approx(15.85676156770196)
    assert f.ci90 == pytest.approx((4.085681392676409, 61.54099237048954))
    assert f.end_date == dt.date(2025, 2, 5)
    assert tk.epoch_decline_factor(epoch_results, "MMLU", 85.0) is None
    assert tk.epoch_decline_factor(epoch_results, "LMSys Chatbot Arena ELO", 1186).x_per_year == pytest.approx(
        75.31861757587912)


def test_parse_interval():
    assert tk.parse_interval("[8.28, 16.7]") == (8.28, 16.7)
    assert tk.parse_interval("[1106.0, inf]") == (1106.0, math.inf)
    with pytest.raises(ValueError):
        tk.parse_interval("8.28 - 16.7")


def test_our_fit_reproduces_epochs_factors_from_their_points(epoch_results):
    # Epoch fit ln(price) on days / 365 with a 90 % t-interval; same method, same numbers
    data = pl.read_csv(EPOCH_DIR / "lowest_price_models_data.csv")
    for row in epoch_results.iter_rows(named=True):
        pts = data.filter(pl.col("bench") == row["bench"], pl.col("threshold_model") == row["threshold_model"])
        days = (pts["Release Date"].str.to_date() - dt.date(1970, 1, 1)).dt.total_days().to_numpy()
        fit = fit_loglinear(days / 365.0, pts["USD per 1M Tokens"].to_numpy(), confidence_level=0.90)
        assert pts.height == row["sample_size"]
        assert fit.decline_factor_per_year == pytest.approx(row["price_reduction_factor_per_year"], rel=1e-8)
        assert fit.decline_factor_per_year_ci == pytest.approx(
            tk.parse_interval(row["price_reduction_factor_per_year_90_ci"]), rel=1e-8)


# --------------------------------------------------------------------------- first principles
def test_decode_throughput_memory_bound_hand_case():
    # memory: batch 8 * 2e12 B/s * 0.5 / (10e9 params * 2 B) = 8e12 / 2e10 = 400 tok/s
    # compute: 100e12 FLOP/s * 0.4 / (2 * 10e9) = 4e13 / 2e10 = 2000 tok/s  -> min 400
    kw = dict(hbm_bandwidth_tb_s=2.0, active_params_billion=10.0, bytes_per_param=2.0,
              bandwidth_utilization=0.5, dense_tflops=100.0, compute_utilization=0.4)
    tps = tk.decode_tokens_per_s_per_gpu(batch_size=8, **kw)
    assert tps == pytest.approx(400.0)
    assert tk.decode_throughput(batch_size=8, **kw).bound == "memory"
    # 1.44 USD/h / (400 tok/s * 3600 s/h) * 1e6 = 1.44 / 1.44e6 * 1e6 = 1.00 USD per Mtok
    assert tk.usd_per_mtok(1.44, tps) == pytest.approx(1.0)
    # batch 64: memory 3200 tok/s > compute 2000 tok/s -> compute-bound
    t64 = tk.decode_throughput(batch_size=64, **kw)
    assert t64.memory_bound == pytest.approx(3200.0) and t64.tokens_per_s == pytest.approx(2000.0)
    assert t64.bound == "compute"
    # 7.2 USD/h / (2000 * 3600) * 1e6 = 1.00 USD per Mtok
    assert tk.usd_per_mtok(7.2, t64.tokens_per_s) == pytest.approx(1.0)


def test_decode_throughput_with_kv_cache_traffic():
    # weights 10e9 * 2 = 2e10 B; KV 2.5e9 B per sequence * 8 = 2e10 B; step reads 4e10 B
    # 8 * 2e12 * 0.5 / 4e10 = 200 tok/s (half the KV-free 400)
    tps = tk.decode_tokens_per_s_per_gpu(2.0, 10.0, 2.0, 8, 0.5, 100.0, 0.4, kv_cache_bytes_per_sequence=2.5e9)
    assert tps == pytest.approx(200.0)


def test_h100_fp8_example():
    # H100 SXM: 3.35 TB/s, 1979 dense FP8 TFLOP/s; 70B active params at 1 byte, batch 32, 80 % / 50 %
    # memory: 32 * 3.35e12 * 0.8 / 70e9 = 1225.1 tok/s; compute: 1979e12 * 0.5 / 140e9 = 7067.9 tok/s
    tps = tk.decode_tokens_per_s_per_gpu(3.35, 70, 1, 32, 0.8, 1979, 0.5)
    assert tps == pytest.approx(32 * 3.35e12 * 0.8 / 70e9)
    assert tps == pytest.approx(1225.14, rel=1e-5)
    # at 3.95 USD/h: 3.95 / (1225.14 * 3600) * 1e6 = 0.8956 USD per Mtok
    assert tk.usd_per_mtok(3.95, tps) == pytest.approx(0.8956, rel=1e-4)


@pytest.mark.parametrize("name,value", [
    ("hbm_bandwidth_tb_s", 0), ("active_params_billion", -1), ("bytes_per_param", 0),
    ("batch_size", 0), ("bandwidth_utilization", 1.5), ("dense_tflops", float("nan")),
    ("compute_utilization", 0), ("kv_cache_bytes_per_sequence", -1.0),
])
def test_decode_throughput_rejects_bad_sizes_by_name(name, value):
    kw = dict(hbm_bandwidth_tb_s=2.0, active_params_billion=10.0, bytes_per_param=2.0, batch_size=8,
              bandwidth_utilization=0.5, dense_tflops=100.0, compute_utilization=0.4)
    kw[name] = value
    with pytest.raises(ParameterError) as err:
        tk.decode_tokens_per_s_per_gpu(**kw)
    assert err.value.name == name


def test_usd_per_mtok_rejects_non_positive():
    with pytest.raises(ParameterError, match="gpu_hour_usd"):
        tk.usd_per_mtok(0, 100)
    with pytest.raises(ParameterError, match="tokens_per_s_per_gpu"):
        tk.usd_per_mtok(2.0, -5)


# --------------------------------------------------------------------------- rental prices
def _hw_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "Price date": ["2024-01-10", "2024-02-01", "2024-02-01", "2024-02-01", "2024-03-01", "2024-04-01",
                       None, "2025-01-01", "2024-02-15"],
        "Hardware model": ["GPU X"] * 8 + ["GPU Y"],
        "Vendor": ["A", "B", "B", "B", "C", None, "D", "A", "A"],
        "Price per chip-hour (on-demand)": ["2.00", "3.00", "3.00", "3.00", "5.00", None, "9.00", "1.00", "7.0"],
    })


def test_rental_median_counts_documented_rows():
    frame = _hw_frame()
    # 2024 window: 2.00 (A), 3.00 (B, listed for three node sizes -> once), 5.00 (C);
    # the purchase-only row (no on-demand price) and the undated row are skipped; median 3.00
    r = tk.median_rental_usd_per_chip_hour(frame, "GPU X", "2024-01-01", "2024-12-31")
    assert (r.median_usd_per_chip_hour, r.n, r.low, r.high) == (3.0, 3, 2.0, 5.0)
    # without de-duplication the three B rows all count: [2, 3, 3, 3, 5] -> median 3, n 5
    r = tk.median_rental_usd_per_chip_hour(frame, "GPU X", "2024-01-01", "2024-12-31", dedupe_node_sizes=False)
    assert r.n == 5
    # open window adds the 2025 row at 1.00: [1, 2, 3, 5] -> median 2.5
    r = tk.median_rental_usd_per_chip_hour(frame, "GPU X")
    assert (r.median_usd_per_chip_hour, r.n) == (2.5, 4)


def test_rental_errors_are_named(hardware_prices):
    with pytest.raises(ParameterError) as err:
        tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5")
    assert err.value.name == "hardware_model" and "'NVIDIA H100 SXM5 80GB'" in str(err.value)
    with pytest.raises(ParameterError) as err:
        tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA B200")  # purchase prices only
    assert err.value.name == "hardware_model"
    with pytest.raises(ParameterError) as err:
        tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5 80GB", "2020-01-01", "2020-12-31")
    assert err.value.name == "start_date"
    with pytest.raises(ParameterError) as err:
        tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5 80GB", "2025-01-01", "2024-01-01")
    assert err.value.name == "end_date"


def test_h100_rental_median_from_the_shipped_prices(hardware_prices):
    r = tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5 80GB")
    assert (r.n, r.median_usd_per_chip_hour, r.low, r.high) == (22, 3.95, 1.99, 12.29)
    assert r.rows["date"].min() == dt.date(2023, 6, 20)
    r24 = tk.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5 80GB", "2024-01-01", "2024-12-31")
    assert (r24.n, r24.median_usd_per_chip_hour) == (8, 3.49)


# --------------------------------------------------------------------------- decomposition
def test_decomposition_residual_closes_the_product():
    factors = {"hardware generation": 3.0, "precision": 2.0, "software": 2.5,
               "model size at equal capability": 4.0}
    parts = tk.decompose(240.0, factors)
    assert [n for n, _ in parts] == list(factors) + ["residual"]
    # 3 * 2 * 2.5 * 4 = 60; 240 / 60 = 4
    assert parts[-1] == ("residual", pytest.approx(4.0))
    assert math.prod(v for _, v in parts) == pytest.approx(240.0)
    # factors above the observed drop leave a residual below 1 (prices fell less than costs)
    assert tk.decompose(10.0, {"hardware generation": 40.0})[-1][1] == pytest.approx(0.25)


def test_decomposition_rejects_bad_inputs():
    with pytest.raises(ParameterError) as err:
        tk.decompose(0, {"software": 2.0})
    assert err.value.name == "observed_ratio"
    with pytest.raises(ParameterError) as err:
        tk.decompose(240, {"software": -2.0})
    assert err.value.name == "factors['software']"
    with pytest.raises(ParameterError) as err:
        tk.decompose(240, {"residual": 2.0})
    assert err.value.name == "factors"


# --------------------------------------------------------------------------- dates
def test_dates_accept_strings_dates_and_datetimes():
    assert tk.as_date("2023-03-14", "start_date") == dt.date(2023, 3, 14)
    assert tk.as_date(dt.date(2023, 3, 14), "start_date") == dt.date(2023, 3, 14)
    assert tk.as_date(dt.datetime(2023, 3, 14, 12), "start_date") == dt.date(2023, 3, 14)
    with pytest.raises(ParameterError, match="start_date"):
        tk.as_date(20230314, "start_date")
    assert tk.decimal_year("2024-07-02") == pytest.approx(2024.5)  # day 184 of 366
    assert tk.months_between("2023-03-14", "2024-08-12") == pytest.approx(517 / 30.4375)


# --------------------------------------------------------------------------- helpers over the typed loaders
@pytest.fixture(scope="module")
def specs() -> pl.DataFrame:
    from scalinglab import data
    return data.load_gpu_specs()


@pytest.fixture(scope="module")
def loaded_hw() -> pl.DataFrame:
    from scalinglab import data
    return data.load_hardware_prices()


def test_gpu_spec_lookup_and_named_error(specs):
    h100 = tk.gpu_spec(specs, "H100")
    assert h100["hbm_tb_per_s"] == 3.35 and h100["fp8_dense_tflops"] == pytest.approx(1978.9)
    with pytest.raises(ParameterError) as err:
        tk.gpu_spec(specs, "H10")
    assert err.value.name == "gpu" and "'H100'" in str(err.value)
    with pytest.raises(ParameterError):
        tk.gpu_spec(specs, "Rubin")  # preliminary: no dense BF16 figure


@pytest.mark.parametrize("size,fmt", [(0.5, "FP4"), (0.75, "FP8"), (1, "FP8"), (2.0, "BF16"), (4, "TF32")])
def test_weight_format(size, fmt):
    assert tk.weight_format(size) == fmt


@pytest.mark.parametrize("size", [0, -1, 8.0])
def test_weight_format_rejects_bad_sizes_by_name(size):
    with pytest.raises(ParameterError) as err:
        tk.weight_format(size)
    assert err.value.name == "bytes_per_param"


def test_missing_formats_fall_back_to_the_next_wider_one(specs):
    a100, h100, b200 = (tk.gpu_spec(specs, g) for g in ("A100", "H100", "B200"))
    assert tk.dense_tflops_for(a100, 1.0) == (312.0, "BF16")  # no FP8 on Ampere: weight-only
    assert tk.dense_tflops_for(h100, 0.5) == (pytest.approx(1978.9), "FP8")  # no FP4 on Hopper
    assert tk.dense_tflops_for(b200, 0.5) == (9000.0, "FP4")


def test_decode_cost_on_a_spec_row(specs):
    # H100, 70B at FP8, batch 64, HBM 60 %: 64 * 3.35e12 * 0.6 / 70e9 = 1837.7 tok/s (memory-bound;
    # compute 1978.9e12 * 0.5 / 140e9 = 7067.5); 3.95 / (1837.7 * 3600) * 1e6 = 0.5971 USD/Mtok
    c = tk.decode_cost(tk.gpu_spec(specs, "H100"), 3.95, 70, 1.0, 64, 0.6, 0.5)
    assert c.tokens_per_s == pytest.approx(64 * 3.35e12 * 0.6 / 70e9)
    assert c.compute_bound == pytest.approx(7067.5)
    assert c.bound == "memory" and c.weight_format == c.compute_format == "FP8"
    assert c.usd_per_mtok == pytest.approx(0.59706, rel=1e-4)
    with pytest.raises(ParameterError) as err:
        tk.decode_cost(tk.gpu_spec(specs, "H100"), 0, 70, 1.0, 64, 0.6, 0.5)
    assert err.value.name == "gpu_hour_usd"


def test_gpu_rental_price_from_the_loader(loaded_hw):
    h100 = tk.gpu_rental_price(loaded_hw, "H100")
    assert h100.median_usd_per_chip_hour == pytest.approx(3.95) and h100.n == 22
    assert tk.gpu_rental_price(loaded_hw, "A100").median_usd_per_chip_hour == pytest.approx(3.40)
    for gpu in ("B200", "GB200"):  # purchase price only / not in the price data
        with pytest.raises(ParameterError) as err:
            tk.gpu_rental_price(loaded_hw, gpu)
        assert err.value.name == "gpu_hour_usd" and gpu in str(err.value)


def test_purchase_scaled_rental_for_b200(loaded_hw):
    est = tk.purchase_scaled_rental(loaded_hw, "B200")
    h100 = loaded_hw.filter(pl.col("hardware_model") == "NVIDIA H100 SXM5 80GB")["purchase_usd"].drop_nulls()
    assert est.purchase_ratio == pytest.approx(47409.13 / h100.median())
    assert est.usd_per_chip_hour == pytest.approx(3.95 * est.purchase_ratio)
    with pytest.raises(ParameterError) as err:
        tk.purchase_scaled_rental(loaded_hw, "GB200")
    assert err.value.name == "gpu"


def test_sensitivity_grid_shape_and_monotone_in_batch(specs):
    grid = tk.sensitivity_grid(specs, {"A100": 3.4, "H100": 3.95}, [2.0, 1.0], [1, 8, 64], 70, 0.6, 0.5)
    assert grid.height == 2 * 2 * 3
    for (_, _), g in grid.group_by(["gpu", "bytes_per_param"]):
        costs = g.sort("batch_size")["usd_per_mtok"].to_list()
        assert costs == sorted(costs, reverse=True)


def test_modelled_factors_hand_case(specs):
    # all memory-bound at batch 64: the factors are ratios of bandwidth per dollar, bytes and parameters
    a100, h100 = tk.gpu_spec(specs, "A100"), tk.gpu_spec(specs, "H100")
    base = tk.decode_cost(a100, 3.40, 280, 2.0, 64, 0.6, 0.5)
    f = tk.modelled_factors(base, h100, 3.95, 1.0, 70, 3.0, 0.6, 0.5)
    assert list(f) == ["hardware generation", "precision", "software", "model size"]
    assert f["hardware generation"] == pytest.approx((3.35 / 3.95) / (2.039 / 3.40))
    assert f["precision"] == pytest.approx(2.0)
    assert f["software"] == 3.0
    assert f["model size"] == pytest.approx(4.0)
    steps = tk.decompose(240.0, f)
    assert steps[-1][1] == pytest.approx(240.0 / math.prod(f.values()))
    with pytest.raises(ParameterError) as err:
        tk.modelled_factors(base, h100, 3.95, 1.0, 70, 0.0, 0.6, 0.5)
    assert err.value.name == "software_speedup"


def test_waterfall_frame_chains_the_factors():
    wf = tk.waterfall_frame([("a", 2.0), ("b", 3.0), ("residual", 4.0)], total_label="total")
    assert wf["start"].to_list() == [1.0, 2.0, 6.0, 1.0]
    assert wf["end"].to_list() == [2.0, 6.0, 24.0, 24.0]
    assert wf["kind"].to_list() == ["factor", "factor", "residual", "total"]


def test_epoch_factor_from_the_loader_matches_the_raw_lookup(epoch_results):
    from scalinglab import data
    fits_df = data.load_epoch_price_fits()
    for bench, thr in [("MMLU", 86), ("mmlu", 43.9), ("GPQA Diamond", 33.0), ("LMSys Chatbot Arena ELO", 1186)]:
        assert tk.epoch_factor_from_fits(fits_df, bench, thr) == tk.epoch_decline_factor(epoch_results, bench, thr)
    assert tk.epoch_factor_from_fits(fits_df, "MMLU", 85) is None
