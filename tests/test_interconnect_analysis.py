"""The analysis behind the interconnect-scaling chapter, tested in-process with hand-computed cases
(scalinglab.analyses.interconnect_growth / interconnect_network / interconnect_charts)."""

from __future__ import annotations

import json

import polars as pl
import pytest

from scalinglab import charts, paths
from scalinglab.analyses import interconnect_scaling as ic
from scalinglab.book import schemas
from scalinglab.book.glue import scalar_fields
from scalinglab.errors import ParameterError
from scalinglab.models import fits

SLUG = "interconnect_scaling"
GIB = 2**30


@pytest.fixture(scope="module")
def defaults():
    return schemas.validate(SLUG, {})


@pytest.fixture(scope="module")
def growth():
    return ic.growth(0.95)


def _golden(which: str) -> dict:
    return json.loads((paths.REPO_ROOT / "tests" / "golden" / f"{SLUG}.{which}.json").read_text())["glued"]


# ---------------------------------------------------------------------------
# units, words and grids
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n,text",
    [
        (GIB, "1 GiB"),
        (268435456, "256 MiB"),
        (1536, "1.5 KiB"),
        (1000, "1000 bytes"),
        (3 * 2**27, "384 MiB"),
        (2**40, "1 TiB"),
    ],
)
def test_binary_size_text(n, text):
    assert ic.binary_size_text(n) == text


def test_comparison_words_follow_the_stated_rules():
    assert ic.outgrow_word(1.21) == "outgrew" and ic.outgrow_word(1.04) == "kept pace with"
    assert ic.outgrow_word(0.9) == "fell behind"
    assert ic.speedup_word(3.03) == "faster" and ic.speedup_word(1.043) == "only marginally faster"
    assert ic.speedup_word(1.0) == "no faster" and ic.speedup_word(0.8) == "no faster"
    assert ic.first_generation_word(2.57 / 2.14) == "inflates" and ic.first_generation_word(1.01) == "hardly changes"
    assert ic.network_word(0.952) == "almost entirely hidden" and ic.network_word(0.5) == "a real cost"


def test_job_gpus_never_gives_a_gpu_less_than_one_sequence():
    assert ic.job_gpus(1152, 72) == 1152 and ic.job_gpus(1000, 72) == 1008
    assert ic.job_gpus(1024, 576, max_gpus=1152) == 1152  # two domains fit
    assert ic.job_gpus(1100, 576, max_gpus=1100) == 576  # two would not: one domain
    assert list(ic.gpu_counts(72, 1152)) == [2, 4, 8, 16, 32, 64, 72, 144, 288, 576, 1152]
    assert list(ic.gpu_counts(576, 300)) == [2, 4, 8, 16, 32, 64, 128, 256]


# ---------------------------------------------------------------------------
# growth, bytes per FLOP, domains
# ---------------------------------------------------------------------------
def test_growth_with_and_without_the_first_generation(growth):
    gens = ic.gpu_generations()
    assert gens["gpu"].to_list()[:2] == ["P100", "V100"] and growth.gpu_first_gen == "P100"
    f = fits.fit_loglinear(gens["year"][1:], gens["dense_flop_s"][1:], 0.95)
    assert growth.dense_flops_growth_no_first_x_per_2y == pytest.approx(f.factor_per(2), rel=1e-12)
    assert growth.dense_flops_growth_no_first_x_per_2y < growth.dense_flops_growth_x_per_2y  # P100 inflates it
    assert growth.flops_over_hbm_no_first_x_per_2y == pytest.approx(
        growth.dense_flops_growth_no_first_x_per_2y / growth.hbm_bandwidth_growth_no_first_x_per_2y
    )
    # counts computed from the data: own fits over 5 to 8 generations (P100 ... B300 is 8 chips)
    assert (growth.growth_min_points, growth.growth_max_points) == (5, 8)
    assert growth.first_gen_flops_word == "inflates" and growth.flops_vs_hbm_word == "outgrew"
    assert growth.table["quantity"].to_list()[:5] == [ic.NVLINK, ic.PCIE, ic.INFINIBAND, ic.HBM, ic.FLOPS]
    assert (growth.table["points"] >= 5).all()


def test_growth_reproduces_the_recorded_values(growth):
    gold = _golden("default")
    for k, v in scalar_fields(growth).items():
        if k in gold:
            assert v == pytest.approx(gold[k], rel=1e-12), k


def test_confidence_level_sets_the_interval_not_the_rate(growth):
    narrow = ic.growth(0.8)
    assert narrow.nvlink_growth_x_per_2y == pytest.approx(growth.nvlink_growth_x_per_2y, rel=1e-12)
    assert (
        growth.nvlink_growth_ci_low
        < narrow.nvlink_growth_ci_low
        < narrow.nvlink_growth_ci_high
        < growth.nvlink_growth_ci_high
    )
    assert narrow.confidence_pct == pytest.approx(80.0)


def test_bytes_per_flop_by_hand():
    r = ic.bytes_per_flop("B200")
    assert r.hbm_bytes_per_flop_first == pytest.approx(732e9 / 21.2e12)  # P100
    assert r.hbm_bytes_per_flop_second == pytest.approx(900e9 / 125e12)  # V100
    assert r.hbm_bytes_per_flop_drop_x_no_first == pytest.approx((900 / 125e3) / (8000 / 2250e3))  # 2.025
    assert r.nvlink_bytes_per_flop_drop_x_no_first == pytest.approx((150 / 125e3) / (900 / 2250e3))  # 3.0
    assert r.hbm_bytes_per_flop_since_h100_x == pytest.approx((3350 / 989.4e3) / (8000 / 2250e3))  # 0.95: flat
    assert r.gpu_flops_per_hbm_byte == pytest.approx(281.25)


def test_domain_table_uses_one_quantity_and_decomposes_the_growth():
    r = ic.nvlink_domains()
    agg = dict(zip(r.table["domain"], r.table["aggregate_tb_s_bidir"]))
    dgx2 = next(v for k, v in agg.items() if k.startswith("DGX-2"))
    assert dgx2 == pytest.approx(16 * 300 / 1e3)  # aggregate, not the quoted 2.4 TB/s bisection
    assert r.hgx_aggregate_tb_s == pytest.approx(7.2) and r.nvl72_aggregate_tb_s == pytest.approx(129.6)
    assert (r.nvl72_over_hgx_gpus_x, r.nvl72_over_hgx_per_gpu_x) == (9.0, 2.0)
    assert r.nvl72_over_hgx_aggregate_x == pytest.approx(r.nvl72_over_hgx_gpus_x * r.nvl72_over_hgx_per_gpu_x)
    assert r.table["year"].is_sorted()


# ---------------------------------------------------------------------------
# collectives, data and tensor parallelism
# ---------------------------------------------------------------------------
def test_collectives_at_the_defaults_by_hand(defaults):
    r = ic.collectives(defaults)
    n, p, d, q = GIB, 4608, 8, 576
    inner = 2 * (7 * 2e-6 + 7 / 8 * n / 900e9)
    ring_across = 2 * (q - 1) * 8e-6 + 2 * (q - 1) / q * (n / d) / 50e9
    sharp_across = 2 * 8e-6 + (n / d) / 50e9
    assert r.ring_allreduce_ms == pytest.approx((2 * (p - 1) * 2e-6 + 2 * (p - 1) / p * n / 900e9) * 1e3, rel=1e-12)
    assert r.hierarchical_allreduce_ms == pytest.approx((inner + ring_across) * 1e3, rel=1e-12)
    assert r.hierarchical_sharp_allreduce_ms == pytest.approx((inner + sharp_across) * 1e3, rel=1e-12)
    assert r.sharp_speedup_x == pytest.approx((inner + ring_across) / (inner + sharp_across), rel=1e-12)
    assert r.message_size_text == "1 GiB" and r.message_size_gib == 1.0
    assert r.faster_flat_algorithm == "recursive doubling"  # 1 GiB is below the crossover at 4608 GPUs
    assert r.table["busbw_gb_s"].null_count() == 1  # the in-network bound only


def test_alternative_parameter_set_reproduces_the_recorded_collectives():
    p = schemas.validate(SLUG, {"n_gpus": 1024, "message_size_bytes": 268435456})
    r, gold = ic.collectives(p), _golden("alt")
    for k in (
        "ring_allreduce_ms",
        "tree_allreduce_ms",
        "in_network_allreduce_ms",
        "hierarchical_allreduce_ms",
        "flat_scaleout_ring_ms",
        "tree_ring_crossover_bytes",
        "ring_busbw_gb_s",
        "ring_algbw_gb_s",
    ):
        assert getattr(r, k) == pytest.approx(gold[k], rel=1e-12), k
    assert r.message_size_text == "256 MiB" and r.faster_flat_algorithm == "recursive doubling"
    dp = ic.data_parallel(p)
    assert dp.tokens_per_gpu == pytest.approx(18432) and dp.nvl576_job_gpus == 1152 and dp.nvl72_job_gpus == 1008


def test_data_parallel_default_job_by_hand(defaults):
    r = ic.data_parallel(defaults)
    assert r.tokens_per_gpu == 4096 and r.sequences_per_gpu == 1 and r.max_dp_gpus == 4608
    compute = 6 * 8e9 * 18874368 / (4608 * 2.25e15 * 0.4)
    assert r.dp_compute_ms == pytest.approx(compute * 1e3, rel=1e-12)
    n, q = 16e9, 576
    comm = 2 * (7 * 2e-6 + 7 / 8 * n / 900e9) + 2 * (q - 1) * 8e-6 + 2 * (q - 1) / q * (n / 8) / 50e9
    step = compute + max(0.0, comm - 0.5 * compute)
    assert r.nvl8_allreduce_ms == pytest.approx(comm * 1e3, rel=1e-12)
    assert r.scaling_efficiency_nvl8 == pytest.approx(compute / step, rel=1e-12)
    assert r.scaling_efficiency_nvl8 <= r.scaling_efficiency_nvl8_sharp <= 1
    assert r.curves["gpus"].max() == 4608  # no point with less than one sequence per GPU
    assert set(r.ib_glue) == {
        "scaling_efficiency_edr",
        "scaling_efficiency_hdr",
        "scaling_efficiency_ndr",
        "scaling_efficiency_xdr",
    }
    assert r.ib_glue["scaling_efficiency_ndr"] == pytest.approx(r.scaling_efficiency_param_domain)
    assert r.ib_port_ratio_x == 8.0 and (r.ib_first_gen, r.ib_last_gen) == ("EDR", "XDR")
    assert r.jobs["domain"].to_list() == [8, 72, 576]


def test_data_parallel_rejects_a_job_with_less_than_one_sequence_per_gpu(defaults):
    bad = defaults.model_copy(update={"tokens_per_step": 4_194_304})  # the old default: 910 tokens per GPU
    with pytest.raises(ParameterError, match="tokens_per_step"):
        ic.data_parallel(bad)


def test_tensor_parallel_by_hand_and_sorted(defaults):
    r = ic.tensor_parallel(defaults)
    assert r.tp1_ms == pytest.approx(8e9 * 2 / 8e12 * 1e3)  # weights read once from 8 TB/s HBM: 2 ms
    assert (r.tp_layers, r.tp_hidden) == (34, 4352)
    assert r.tp8_infiniband_speedup == pytest.approx(1.0430, abs=5e-4)  # printed with two decimals: 1.04x
    assert r.tp8_infiniband_word == "only marginally faster" and r.tp8_nvlink_word == "faster"
    assert r.best["network"].to_list() == sorted(r.best["network"].to_list())
    assert (r.tp_best_nvlink_degree, r.tp_best_infiniband_degree) == (8, 2)


def test_every_chart_and_table_builds(defaults, growth):
    charts.enable()
    coll, dp, tp = ic.collectives(defaults), ic.data_parallel(defaults), ic.tensor_parallel(defaults)
    up, out = (900.0, 2.0), (50.0, 8.0)
    built = [
        ic.bandwidth_chart(growth),
        ic.growth_rate_chart(growth),
        ic.bytes_per_flop_chart(ic.bytes_per_flop("B200")),
        ic.allreduce_chart(coll, up, out),
        ic.busbw_chart(coll, up),
        ic.dp_domain_chart(dp, defaults),
        ic.dp_infiniband_chart(dp, defaults),
        ic.tp_chart(tp, defaults),
    ]
    for c in built:
        assert charts.check_chart(c.to_dict()) == []
    for t in (
        ic.growth_table(growth),
        ic.domain_table(ic.nvlink_domains()),
        ic.collectives_table(coll),
        ic.dp_jobs_table(dp),
    ):
        html = t.as_raw_html()
        assert "shape: (" not in html and "<table" in html
    assert isinstance(dp.curves, pl.DataFrame)
