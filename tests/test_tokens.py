"""Token chapter: price analysis, rental prices, the roofline (MoE, KV cache), serving economics, chapter results.

Hand-computed cases; the notebook runs are in test_token_notebook.py."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from scalinglab.analyses import token_cost_drop as tk
from scalinglab.analyses import token_economics as econ
from scalinglab.analyses import token_epoch as te
from scalinglab.analyses import token_serving as ts
from scalinglab.data import prices as dp
from scalinglab.errors import ParameterError
from scalinglab.models import roofline as rf
from scalinglab.models.fits import fit_loglinear
from scalinglab.paths import DATA_DIR

PRICES_CSV = DATA_DIR / "curated" / "llm_api_price_points.csv"
EPOCH_DIR = DATA_DIR / "epoch-llm-inference-prices" / "results"


@pytest.fixture(scope="module")
def prices() -> pl.DataFrame:
    return pl.read_csv(PRICES_CSV)


@pytest.fixture(scope="module")
def epoch_results() -> pl.DataFrame:
    return pl.read_csv(EPOCH_DIR / "lowest_price_models_results.csv")


@pytest.fixture(scope="module")
def inputs() -> tk.Inputs:
    return tk.load_inputs()


@pytest.fixture(scope="module")
def hardware_prices(inputs) -> pl.DataFrame:
    return inputs.hardware_prices


@pytest.fixture(scope="module")
def specs(inputs) -> pl.DataFrame:
    return inputs.specs


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


@pytest.mark.parametrize(
    "arg,kwargs",
    [
        ("input_usd_per_mtok", dict(input_usd_per_mtok=0, output_usd_per_mtok=1)),
        ("output_usd_per_mtok", dict(input_usd_per_mtok=1, output_usd_per_mtok=-2)),
    ],
)
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
    assert davinci["input_usd_per_mtok"] == 60  # first dated price, not the 2022 cut to 20


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
    frame = pl.DataFrame(
        {
            "effective_date": ["2023-01-01", "2024-01-01", "2024-01-01"],
            "model": ["Big", "Small", "Equal"],
            "input_usd_per_mtok": [24.0, 0.1, 0.2],
            "output_usd_per_mtok": [24.0, 0.1, 0.2],
            "mmlu": [80.0, 70.0, 80.0],
        }
    )
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
        rows,
        schema={"effective_date": pl.Date, "model": pl.String, "input_usd_per_mtok": pl.Float64, "mmlu": pl.Float64},
        orient="row",
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
    frame = pl.DataFrame(
        {
            "effective_date": [base + dt.timedelta(days=int(d)) for d in days],
            "model": [f"m{i}" for i in range(days.size)],
            "input_usd_per_mtok": price,
            "output_usd_per_mtok": price,
            "mmlu": np.full(days.size, 90.0),
        }
    )
    result = tk.fixed_capability_decline(frame, 90, base, base + dt.timedelta(days=1500), "input")
    low, high = result.x_per_year_ci
    assert low < 10.0 < high
    assert 5.0 < result.x_per_year < 20.0


def test_frontier_is_a_running_minimum_that_stays_available():
    frame = pl.DataFrame(
        {
            "effective_date": ["2022-06-01", "2023-01-01", "2023-06-01", "2024-01-01"],
            "model": ["early", "A", "B", "C"],
            "input_usd_per_mtok": [8.0, 10.0, 4.0, 6.0],
            "output_usd_per_mtok": [8.0, 10.0, 4.0, 6.0],
            "mmlu": [90.0, 90.0, 90.0, 90.0],
        }
    )
    front = tk.fixed_capability_frontier(
        frame, 85, start_date=dt.date(2023, 1, 1), end_date="2024-06-30", price_convention="input"
    )
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
def test_epoch_factor_lookup_from_the_loader(inputs):
    f = dp.epoch_factor_from_fits(inputs.epoch_fits, "mmlu", 86)
    assert f.threshold_model == "GPT-4-0314" and f.sample_size == 5
    assert f.x_per_year == pytest.approx(15.85676156770196)
    assert (f.ci90_low, f.ci90_high) == pytest.approx((4.085681392676409, 61.54099237048954))
    assert f.end_date == dt.date(2025, 2, 5)
    assert dp.epoch_factor_from_fits(inputs.epoch_fits, "MMLU", 85.0) is None
    assert dp.epoch_thresholds(inputs.epoch_fits, "MMLU") == [43.9, 64.8, 68.0, 86.0, 87.0]


def test_our_fit_reproduces_epochs_factors_from_their_points(inputs):
    # Epoch fit ln(price) on days / 365 with a 90 % t-interval; same method, same numbers
    data = pl.read_csv(EPOCH_DIR / "lowest_price_models_data.csv")
    for row in inputs.epoch_fits.iter_rows(named=True):
        pts = data.filter(pl.col("bench") == row["bench"], pl.col("threshold_model") == row["threshold_model"])
        days = (pts["Release Date"].str.to_date() - dt.date(1970, 1, 1)).dt.total_days().to_numpy()
        fit = fit_loglinear(days / 365.0, pts["USD per 1M Tokens"].to_numpy(), confidence_level=0.90)
        assert fit.decline_factor_per_year == pytest.approx(row["decline_x_per_year"], rel=1e-8)
        assert fit.decline_factor_per_year_ci == pytest.approx(
            (row["decline_x_per_year_ci90_low"], row["decline_x_per_year_ci90_high"]), rel=1e-8
        )


# --------------------------------------------------------------------------- the roofline
KW = dict(
    hbm_bandwidth_tb_s=2.0,
    active_params_billion=10.0,
    bytes_per_param=2.0,
    bandwidth_utilization=0.5,
    dense_tflops=100.0,
    compute_utilization=0.4,
)


def test_decode_throughput_hand_cases():
    # memory: 8 * 2e12 B/s * 0.5 / (10e9 params * 2 B) = 400 tok/s; compute: 100e12 * 0.4 / 2e10 = 2000
    t = rf.decode_throughput(batch_size=8, **KW)
    assert t.tokens_per_s == pytest.approx(400.0) and t.bound == "memory"
    assert rf.usd_per_mtok(1.44, t.tokens_per_s) == pytest.approx(1.0)  # 1.44 / (400 * 3600) * 1e6
    t64 = rf.decode_throughput(batch_size=64, **KW)  # memory 3200 > compute 2000
    assert t64.memory_bound_tokens_per_s == pytest.approx(3200.0) and t64.bound == "compute"
    # KV: 8 sequences x 1000 tokens x 2.5e6 B = 2e10 B, as much as the weights: half the throughput
    assert rf.decode_throughput(
        batch_size=8, context_tokens=1000, kv_bytes_per_token=2.5e6, **KW
    ).tokens_per_s == pytest.approx(200.0)
    # vectorised over the batch
    many = rf.decode_throughput(batch_size=np.array([8, 64]), **KW)
    assert list(many.tokens_per_s) == pytest.approx([400.0, 2000.0]) and list(many.bound) == ["memory", "compute"]


@pytest.mark.parametrize(
    "name,value",
    [
        ("hbm_bandwidth_tb_s", 0),
        ("active_params_billion", -1),
        ("bytes_per_param", 0),
        ("batch_size", 0),
        ("bandwidth_utilization", 1.5),
        ("dense_tflops", float("nan")),
        ("compute_utilization", 0),
        ("context_tokens", -1.0),
        ("kv_bytes_per_token", -2.0),
    ],
)
def test_decode_throughput_rejects_bad_sizes_by_name(name, value):
    kw = dict(KW, batch_size=8)
    kw[name] = value
    with pytest.raises(ParameterError) as err:
        rf.decode_throughput(**kw)
    assert err.value.name == name


def test_distinct_experts_and_weights_read():
    assert rf.distinct_experts(16, 2, 1) == pytest.approx(2.0)
    assert rf.distinct_experts(16, 2, 64) == pytest.approx(16 * (1 - (7 / 8) ** 64))  # 15.997
    assert rf.distinct_experts(256, 8, 64) == pytest.approx(222.442, rel=1e-5)  # DeepSeek-V3
    assert rf.distinct_experts(1, 1, 64) == 1.0
    with pytest.raises(ParameterError, match="experts_per_token"):
        rf.distinct_experts(4, 8, 1)
    # total 100B, active 20B, 10 experts of which 2 per token: each expert 80 / 8 = 10B, no shared weights
    assert rf.weight_params_read_billion(20, 100, 10, 2, 1) == pytest.approx(20.0)
    assert rf.weight_params_read_billion(20, 100, 10, 2, 10_000) == pytest.approx(100.0)
    assert rf.weight_params_read_billion(70, 70, 1, 1, 64) == 70.0  # dense
    with pytest.raises(ParameterError, match="total_params_billion"):
        rf.weight_params_read_billion(70, 10, 8, 2, 1)


def test_crossover_batch_and_cost_errors():
    # H100 in FP8: 1978.9 * 0.5 * 1 / (2 * 3.35 * 0.6) = 246.13 sequences
    assert rf.crossover_batch(3.35, 70, 1.0, 0.6, 1978.9) == pytest.approx(246.1318, rel=1e-6)
    with pytest.raises(ParameterError, match="gpu_hour_usd"):
        rf.usd_per_mtok(0, 100)
    with pytest.raises(ParameterError, match="tokens_per_s_per_gpu"):
        rf.usd_per_mtok(2.0, -5)


# --------------------------------------------------------------------------- rental prices
def _hw_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "price_date": [
                dt.date(2024, 1, 10),
                dt.date(2024, 2, 1),
                dt.date(2024, 2, 1),
                dt.date(2024, 2, 1),
                dt.date(2024, 3, 1),
                dt.date(2024, 4, 1),
                None,
                dt.date(2025, 1, 1),
                dt.date(2024, 2, 15),
            ],
            "hardware_model": ["GPU X"] * 8 + ["GPU Y"],
            "vendor": ["A", "B", "B", "B", "C", None, "D", "A", "A"],
            "on_demand_usd_per_chip_hour": [2.0, 3.0, 3.0, 3.0, 5.0, None, 9.0, 1.0, 7.0],
        }
    )


def test_rental_median_counts_documented_rows():
    # 2024: 2.00 (A), 3.00 (B, three node sizes -> once), 5.00 (C); the price-less and undated rows skipped
    r = dp.median_rental_usd_per_chip_hour(_hw_frame(), "GPU X", "2024-01-01", "2024-12-31")
    assert (r.median_usd_per_chip_hour, r.n, r.low, r.high) == (3.0, 3, 2.0, 5.0)
    assert (
        dp.median_rental_usd_per_chip_hour(_hw_frame(), "GPU X", "2024-01-01", "2024-12-31", dedupe_node_sizes=False).n
        == 5
    )
    r = dp.median_rental_usd_per_chip_hour(_hw_frame(), "GPU X")  # adds 2025 at 1.00: [1, 2, 3, 5] -> 2.5
    assert (r.median_usd_per_chip_hour, r.n) == (2.5, 4)


def test_rental_prices_from_the_shipped_data_and_named_errors(hardware_prices):
    r = dp.median_rental_usd_per_chip_hour(hardware_prices, "NVIDIA H100 SXM5 80GB")
    assert (r.n, r.median_usd_per_chip_hour, r.low, r.high, r.first_date) == (
        22,
        3.95,
        1.99,
        12.29,
        dt.date(2023, 6, 20),
    )
    assert dp.gpu_rental_price(hardware_prices, "H100", "2024-01-01", "2024-12-31").median_usd_per_chip_hour == 3.49
    assert dp.gpu_rental_price(hardware_prices, "A100").median_usd_per_chip_hour == pytest.approx(3.40)
    for bad, name in [
        (("NVIDIA H100 SXM5",), "hardware_model"),
        (("NVIDIA B200",), "hardware_model"),
        (("NVIDIA H100 SXM5 80GB", "2020-01-01", "2020-12-31"), "start_date"),
        (("NVIDIA H100 SXM5 80GB", "2025-01-01", "2024-01-01"), "end_date"),
    ]:
        with pytest.raises(ParameterError) as err:
            dp.median_rental_usd_per_chip_hour(hardware_prices, *bad)
        assert err.value.name == name
    for gpu in ("B200", "GB200"):
        with pytest.raises(ParameterError) as err:
            dp.gpu_rental_price(hardware_prices, gpu)
        assert err.value.name == "gpu_hour_usd" and gpu in str(err.value)


def test_gpu_hour_price_fallbacks(hardware_prices):
    assert dp.gpu_hour_price(hardware_prices, "H100", 2.5) == dp.GpuHourPrice(
        "H100", 2.5, "parameter", "the gpu_hour_usd parameter"
    )
    h100 = dp.gpu_hour_price(hardware_prices, "H100")
    assert h100.basis == "median rental" and "2024 alone gives 3.49 from 8 prices" in h100.note
    b200 = dp.gpu_hour_price(hardware_prices, "B200", allow_estimate=True)
    est = dp.purchase_scaled_rental(hardware_prices, "B200")
    h100_buy = hardware_prices.filter(pl.col("hardware_model") == "NVIDIA H100 SXM5 80GB")["purchase_usd"].drop_nulls()
    assert est.purchase_ratio == pytest.approx(47409.13 / h100_buy.median())
    assert (
        b200.usd_per_gpu_hour == pytest.approx(3.95 * est.purchase_ratio) and b200.basis == "purchase-scaled estimate"
    )
    with pytest.raises(ParameterError, match="gpu_hour_usd"):
        dp.gpu_hour_price(hardware_prices, "B200")


# --------------------------------------------------------------------------- serving economics
def test_formats_from_the_catalog(specs):
    a100, h100, b200 = (econ.gpu_spec(specs, g) for g in ("A100", "H100", "B200"))
    assert econ.dense_tflops_for(a100, 1.0) == (312.0, "BF16")  # no FP8 on Ampere: weight-only
    assert econ.dense_tflops_for(h100, 0.5) == (pytest.approx(1978.9), "FP8")  # no FP4 on Hopper
    assert econ.dense_tflops_for(b200, 0.5) == (9000.0, "FP4")
    assert econ.dense_tflops_for(h100, 4.0)[1] == "FP32"  # 4-byte weights are FP32 (fp32_tflops), one vocabulary
    with pytest.raises(ParameterError) as err:
        econ.gpu_spec(specs, "H10")
    assert err.value.name == "gpu" and "'H100'" in str(err.value)


def test_decode_cost_with_and_without_kv_cache(specs):
    h100 = econ.gpu_spec(specs, "H100")
    dense = econ.ServedModel(70, 70)
    # 64 * 3.35e12 * 0.6 / 70e9 = 1837.7 tok/s; 3.95 / (1837.7 * 3600) * 1e6 = 0.5971 USD/Mtok
    c = econ.decode_cost(h100, 3.95, dense, 1.0, 64, 0.6)
    assert c.tokens_per_s == pytest.approx(1837.714, rel=1e-6) and c.usd_per_mtok == pytest.approx(0.59706, rel=1e-4)
    assert c.compute_bound_tokens_per_s == pytest.approx(7067.5) and c.bound == "memory"
    # KV: 64 x 2048 x 327,680 B = 42.95 GB more per step: 64 * 2.01e12 / 112.95e9 = 1138.9 tok/s
    k = econ.decode_cost(h100, 3.95, econ.ServedModel(70, 70, 1, 1, 2048, 327680), 1.0, 64, 0.6)
    assert k.kv_gb_per_step == pytest.approx(42.949673) and k.tokens_per_s == pytest.approx(1138.914, rel=1e-5)
    assert k.usd_per_mtok == pytest.approx(0.96339, rel=1e-4)


def test_modelled_factors_hand_case(specs):
    # dense, no KV, memory-bound at batch 64: ratios of bandwidth per dollar, bytes and parameters
    a100, h100 = econ.gpu_spec(specs, "A100"), econ.gpu_spec(specs, "H100")
    base = econ.decode_cost(a100, 3.40, econ.ServedModel(280, 280), 2.0, 64, 0.6)
    f = econ.modelled_factors(base, h100, 3.95, 1.0, econ.ServedModel(70, 70), 3.0, 0.6)
    assert f == pytest.approx(
        {"hardware generation": (3.35 / 3.95) / (2.039 / 3.40), "precision": 2.0, "software": 3.0, "model size": 4.0}
    )
    steps = econ.decompose(240.0, f)
    assert steps[-1] == ("residual", pytest.approx(240.0 / math.prod(f.values())))
    with pytest.raises(ParameterError, match="software_speedup"):
        econ.modelled_factors(base, h100, 3.95, 1.0, econ.ServedModel(70, 70), 0.0, 0.6)
    for bad, name in [
        ((0, {"software": 2.0}), "observed_ratio"),
        ((240, {"software": -2.0}), "factors['software']"),
        ((240, {"residual": 2.0}), "factors"),
    ]:
        with pytest.raises(ParameterError) as err:
            econ.decompose(*bad)
        assert err.value.name == name
    wf = econ.waterfall_frame([("a", 2.0), ("b", 3.0), ("residual", 4.0)], total_label="total")
    assert wf["end"].to_list() == [2.0, 6.0, 24.0, 24.0] and wf["kind"][-2:].to_list() == ["residual", "total"]


def test_sensitivity_grid_is_monotone_in_batch(specs):
    grid = econ.sensitivity_grid(
        specs, {"A100": 3.4, "H100": 3.95}, [2.0, 1.0], [1, 8, 64], econ.ServedModel(70, 70), 0.6
    )
    assert grid.height == 12 and grid["precision"].unique().sort().to_list() == [
        "BF16",
        "FP8",
        "FP8 weights, BF16 math",
    ]
    for _, g in grid.group_by(["gpu", "bytes_per_param"], maintain_order=True):
        costs = g.sort("batch_size")["usd_per_mtok"].to_list()
        assert costs == sorted(costs, reverse=True)


# --------------------------------------------------------------------------- the chapter's results
P = dict(
    from_model="GPT-4 (8k)",
    to_model="Gemini 1.5 Flash",
    price_convention="mean_in_out",
    capability_benchmark="MMLU",
    capability_threshold=86.0,
    start_date="2023-03-14",
    end_date="2025-08-07",
    gpu="H100",
    gpu_hour_usd=None,
    active_params_billion=70.0,
    total_params_billion=None,
    n_experts=1,
    experts_per_token=1,
    bytes_per_param=1.0,
    batch_size=64,
    bandwidth_utilization=0.6,
    context_tokens=2048.0,
    kv_bytes_per_token=327680.0,
)


@pytest.fixture(scope="module")
def chapter(inputs):
    from types import SimpleNamespace

    p = SimpleNamespace(**P, software_speedup=3.0)
    c = tk.claim(inputs, p.from_model, p.to_model, p.price_convention, "MMLU", 86.0)
    fp = ts.first_principles(inputs, p)
    return p, c, fp


def test_claim_launch_price_and_exact_pairs(inputs, chapter):
    _, c, _ = chapter
    assert c.claim_ratio == pytest.approx(240.0) and (c.claim_ratio_min, c.claim_ratio_max) == pytest.approx((200, 400))
    assert "different capability" in c.claim_capability
    ls = tk.launch_scenario(inputs, c, "GPT-4 (8k)", "Gemini 1.5 Flash", "mean_in_out")
    assert ls.launch_ratio == pytest.approx(45 / 0.70)  # launch 0.35 / 1.05 -> mean 0.70: 64.3x
    assert ls.launch_period_months == pytest.approx(427 / 30.4375)  # 2023-03-14 to 2024-05-14
    unknown = tk.launch_scenario(inputs, c, "GPT-4 (8k)", "GPT-4o mini", "mean_in_out")
    assert not unknown.launch_known and unknown.table.height == 1 and "No launch price" in unknown.launch_sentence
    n = tk.near_pairs(inputs)
    pairs = list(zip(n.exact["from_model"], n.exact["to_model"], n.exact["convention"]))
    assert ("GPT-4 (8k)", "Gemini 1.5 Flash", "mean_in_out") in pairs
    assert pairs[0] == ("GPT-4 (32k)", "GPT-4o mini", "mean_in_out")  # MMLU gap 4 ranks first (90 / 0.375)
    assert np.allclose(n.exact["ratio"].to_numpy(), 240.0, rtol=0.005) and n.exact_count == n.exact.height == 6
    assert n.exact_equal_count == 2 and (n.near_count, n.near_unequal, n.near_equal, n.near_unknown) == (12, 6, 5, 1)


def test_published_rates_do_not_bracket_ours(inputs):
    from types import SimpleNamespace

    pc = te.published_comparison(inputs, SimpleNamespace(fixed_capability_decline_x_per_year=7.99))
    assert (pc.published_min_x, pc.published_max_x, pc.published_relation) == (9.0, 900.0, "below every")
    assert "slower than every published rate" in pc.published_sentence
    assert (
        te.published_comparison(inputs, SimpleNamespace(fixed_capability_decline_x_per_year=50.0)).published_relation
        == "inside the range of"
    )
    assert (
        te.published_comparison(inputs, SimpleNamespace(fixed_capability_decline_x_per_year=1e3)).published_relation
        == "above every"
    )


def test_moe_kv_software_and_decomposition(inputs, chapter):
    p, c, fp = chapter
    assert fp.first_principles_usd_per_mtok == pytest.approx(0.96339, rel=1e-4)
    assert fp.fp_no_kv_usd_per_mtok == pytest.approx(0.59706, rel=1e-4)
    assert fp.fp_kv_share_pct == pytest.approx(100 * 42.949673 / 112.949673, rel=1e-6)
    m = ts.mixture_of_experts(inputs, p, fp)
    assert m.moe_gpt4_experts_read == pytest.approx(16 * (1 - (7 / 8) ** 64))
    assert m.moe_deepseek_experts_read == pytest.approx(222.442, rel=1e-5) and m.moe_deepseek_union_x > 10
    sw = ts.software_factor(3.0)
    assert (sw.software_x, sw.software_basis) == (3.0, "parameter")
    d = ts.decomposition(inputs, p, c, fp, sw)
    product = d.decomposition_hardware_x * d.decomposition_precision_x * 3.0 * d.decomposition_size_x
    assert d.decomposition_modelled_x == pytest.approx(product)
    assert d.decomposition_residual_x == pytest.approx(240.0 / product)
    assert d.decomposition_residual_no_software_x == pytest.approx(240.0 / (product / 3.0))
    assert d.old_size_is_assumption and (d.old_active_params, d.old_total_params) == (280.0, 1800.0)
    row = d.size_range.filter(pl.col("earlier_active_billion") == 280.0, pl.col("served_active_billion") == 70.0)
    assert row["size_factor_x"][0] == pytest.approx(d.decomposition_size_x)
    assert d.size_factor_min < d.decomposition_size_x < d.size_factor_max


def test_measured_software_factor_is_the_mlperf_range():
    from scalinglab.analyses.software_speedup import llm_software_speedup_range

    r = llm_software_speedup_range(12)
    sw = ts.software_factor(None)
    assert sw.software_x == pytest.approx(math.sqrt(r.low_x * r.high_x))
    assert (sw.software_low_x, sw.software_high_x, sw.software_basis) == (r.low_x, r.high_x, "MLPerf measurement")
    assert "not official" in sw.software_sentence


def test_dates_accept_strings_dates_and_datetimes():
    assert dp.as_date("2023-03-14", "start_date") == dt.date(2023, 3, 14)
    assert dp.as_date(dt.datetime(2023, 3, 14, 12), "start_date") == dt.date(2023, 3, 14)
    with pytest.raises(ParameterError, match="start_date"):
        dp.as_date(20230314, "start_date")
    assert tk.decimal_year("2024-07-02") == pytest.approx(2024.5)  # day 184 of 366
    assert tk.months_between("2023-03-14", "2024-08-12") == pytest.approx(517 / 30.4375)


def test_sensitivity_levers_are_one_change_each(inputs, chapter, specs):
    p, _, _ = chapter
    s = ts.sensitivity(inputs, p)
    h100, m = econ.gpu_spec(specs, "H100"), ts.served_model(p)
    one, big = (econ.decode_cost(h100, 3.95, m, 1.0, b, 0.6).usd_per_mtok for b in (1, 1024))
    assert s.sens_batch_lever_x == pytest.approx(one / big)
    bf16, fp4 = (econ.decode_cost(h100, 3.95, m, b, 64, 0.6).usd_per_mtok for b in (2.0, 0.5))
    assert s.sens_format_lever_x == pytest.approx(bf16 / fp4)
    assert s.sens_largest_lever == "batch size" and s.b200_price == pytest.approx(5.5372, rel=1e-4)
