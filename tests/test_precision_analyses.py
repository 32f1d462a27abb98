"""Chapter *Precision co-design*, analysis layer: hand-computed cases for the ladder, the steps, growth, the
decomposition per GPU and per watt, Dally's factors over his span, the Epoch cross-check, energy in one unit,
the accuracy experiments and the build-machine timing box."""

from __future__ import annotations

import math

import polars as pl
import pytest

from scalinglab import data
from scalinglab.analyses import precision_codesign as pc
from scalinglab.analyses.precision_codesign import generations
from scalinglab.data import catalog
from scalinglab.models import precision


def _specs(rows: list[dict]) -> pl.DataFrame:
    """A spec-table-like frame: every format column present, missing figures null."""
    cols = {c: pl.Float64 for c in pc.FORMAT_COLUMNS}
    full = [
        {
            "gpu": r["gpu"],
            "architecture": r.get("architecture", r["gpu"]),
            "announced_year": r["year"],
            "preliminary": r.get("preliminary", False),
            "tdp_w": r.get("tdp_w", 100.0),
            **{c: r.get(c) for c in cols},
        }
        for r in rows
    ]
    return pl.DataFrame(
        full,
        schema={
            "gpu": pl.String,
            "architecture": pl.String,
            "announced_year": pl.Float64,
            "preliminary": pl.Boolean,
            "tdp_w": pl.Float64,
            **cols,
        },
    )


SYNTH = _specs(
    [
        {
            "gpu": "A",
            "year": 2016.0,
            "tdp_w": 100.0,
            "fp32_tflops": 10.0,
            "bf16_fp16_dense_tflops": 100.0,
        },
        {
            "gpu": "B",
            "year": 2018.0,
            "tdp_w": 200.0,
            "bf16_fp16_dense_tflops": 300.0,
            "fp8_dense_tflops": 600.0,
        },
        {
            "gpu": "C",
            "year": 2020.0,
            "tdp_w": 200.0,
            "bf16_fp16_dense_tflops": 600.0,
            "fp8_dense_tflops": 1200.0,
            "fp4_dense_tflops": 2400.0,
        },
        {"gpu": "R", "year": 2021.0, "preliminary": True},
    ]
)


@pytest.fixture(scope="module")
def real():
    specs = data.load_gpu_specs()
    return (
        specs,
        pc.released(specs),
        data.load_epoch_chips(),
        data.load_growth_anchors(),
    )


# throughput side --------------------------------------------------------------------------------------------


def test_lowest_format_and_released():
    rel = pc.released(SYNTH)
    assert rel["gpu"].to_list() == ["A", "B", "C"]
    assert [pc.lowest_format(r) for r in rel.iter_rows(named=True)] == [
        "bf16_fp16_dense_tflops",
        "fp8_dense_tflops",
        "fp4_dense_tflops",
    ]
    assert pc.lowest_format({"fp64_tflops": 1.0}) == "fp64_tflops"
    assert pc.lowest_format({}) is None


def test_ladder_facts_and_long_frame():
    long, facts = pc.ladder(SYNTH)
    assert facts.rubin_preliminary == "R"
    assert math.isnan(facts.h100_bf16_dense_tflops)  # no H100 in the synthetic table
    assert long.height == 7  # A: FP32, BF16; B: BF16, FP8; C: BF16, FP8, FP4; R: none
    assert long.filter(pl.col("gpu") == "C").sort("bits")["format"].to_list() == [
        "FP4",
        "FP8",
        "BF16/FP16",
    ]


def test_precision_steps_medians():
    steps, g = pc.precision_steps(pc.released(SYNTH))
    assert g.fp32_to_bf16_gain == 10.0  # only A: 100 / 10
    assert g.bf16_to_fp8_gain == 2.0  # B and C: 600/300, 1200/600
    assert g.fp8_to_fp4_gain == 2.0
    assert math.isnan(g.fp32_to_tf32_gain)
    assert steps.height == 4


def test_growth_of_an_exact_doubling_per_year():
    rel = _specs(
        [
            {
                "gpu": f"G{i}",
                "year": 2016.0 + i,
                "bf16_fp16_dense_tflops": 2.0**i,
                "fp32_tflops": 3.0 * 1.5**i,
            }
            for i in range(4)
        ]
    )
    growth, s = pc.format_growth(rel, 0.9)
    assert s.bf16_growth_per_year == pytest.approx(2.0)
    assert s.lowest_format_growth_per_year == pytest.approx(2.0)
    assert s.fp32_growth_per_year == pytest.approx(1.5)
    assert s.lowest_format_growth_ci_low == pytest.approx(2.0) and s.confidence_level == 0.9
    assert growth["format"].to_list()[-1] == "lowest supported format"


def test_decomposition_per_gpu_and_per_watt():
    frame, d = pc.decomposition(pc.released(SYNTH), pair=("A", "B"))
    # A -> B: same format (BF16) 300/100 = 3, format 600/300 = 2, TDP 200/100 = 2
    assert (d.same_format_span, d.same_format_format) == ("A -> B", "BF16/FP16")
    assert d.same_format_gain_per_gpu == 3.0 and d.same_format_gain_per_watt == 1.5
    # whole span A -> C: same 600/100 = 6, format 2400/600 = 4, total 24, per watt 6 / 2 = 3
    assert d.decomp_span == "A -> C"
    assert (d.decomp_same_format_gain, d.decomp_format_gain, d.decomp_total_gain) == (
        6.0,
        4.0,
        24.0,
    )
    assert d.decomp_format_share_pct == pytest.approx(100 * math.log(4) / math.log(24))
    assert d.decomp_same_format_gain_per_watt == 3.0
    assert frame["span"].to_list() == ["A -> B", "B -> C", "A -> C"]
    assert frame.row(1, named=True)["total_gain_per_watt"] == 4.0  # B -> C at equal power


def test_b200_over_h100_at_fp8_per_gpu_and_per_watt(real):
    _, rel, _, _ = real
    _, d = pc.decomposition(rel)
    assert (d.same_format_span, d.same_format_format) == ("H100 -> B200", "FP8")
    assert d.same_format_gain_per_gpu == pytest.approx(4500 / 1978.9)  # 2.27x
    assert d.same_format_gain_per_watt == pytest.approx(4500 / 1978.9 / (1000 / 700))  # 1.59x
    assert d.decomp_total_gain == pytest.approx(d.decomp_same_format_gain * d.decomp_format_gain)


def test_dally_over_his_span(real):
    _, rel, epoch, anchors = real
    d = pc.dally_comparison(rel, epoch, anchors)
    assert d.dally_kepler_fp32_tflops == pytest.approx(3.935)  # Tesla K20X, Epoch AI
    assert d.dally_span_same_format_gain == pytest.approx(67 / 3.935)
    assert d.dally_span_format_and_instructions_gain == pytest.approx(1978.9 / 67)
    assert d.dally_span_total_gain == pytest.approx(2 * 1978.9 / 3.935)  # 1006x with 2:4 sparsity
    assert d.dally_numrep_x_instr == 200.0
    assert (d.dally_total_verdict, d.dally_split_verdict) == (
        "agrees with",
        "is smaller than",
    )
    assert d.hopper_tf32_to_fp8 == pytest.approx(1978.9 / 494.7)


def test_verdict_rule():
    assert generations._verdict(1.2, 1.0) == "agrees with"
    assert generations._verdict(1.3, 1.0) == "is larger than"
    assert generations._verdict(0.7, 1.0) == "is smaller than"


def test_epoch_crosscheck(real):
    _, rel, epoch, _ = real
    bad, c = pc.epoch_crosscheck(rel, epoch)
    assert c.epoch_crosscheck_n == 35
    assert c.epoch_crosscheck_disagree == "B200 FP64, B200 FP32, GB200 FP64, GB200 FP32"
    assert bad.height == 4


def test_charts_and_tables_build(real):
    specs, rel, _, _ = real
    long, _ = pc.ladder(specs)
    steps, _ = pc.precision_steps(rel)
    growth, _ = pc.format_growth(rel)
    decomp, _ = pc.decomposition(rel)
    for chart in (
        pc.ladder_chart(long, specs["gpu"].to_list()),
        pc.steps_chart(steps, specs["gpu"].to_list()),
        pc.growth_chart(growth, 0.95),
        pc.decomposition_chart(decomp),
    ):
        assert chart.to_dict()["title"]["text"]
    spec = pc.steps_chart(steps, specs["gpu"].to_list()).to_dict()
    assert "shape" not in spec["encoding"]  # one legend for the GPU field
    html = pc.decomposition_table(decomp).as_raw_html()
    assert "per watt" in html and "shape: (" not in html
    assert 'id="precision-decomposition-table"' in html  # a fixed id: two builds give the same page


# energy -------------------------------------------------------------------------------------------------------


def test_energy_in_one_unit(real):
    specs, _, _, _ = real
    frame, e = pc.energy(data.load_horowitz_energy(), catalog.gpu_row(specs, "B200"))
    assert e.horowitz_fp32_fma_pj_per_flop == pytest.approx((3.7 + 0.9) / 2)
    assert e.horowitz_fp16_fma_pj_per_flop == pytest.approx((1.1 + 0.4) / 2)
    assert e.gpu_fp32_pj_per_flop == pytest.approx(1000 / 75e12 * 1e12)  # 1000 W over 75 TFLOP/s
    assert e.gpu_lowest_pj_per_flop == pytest.approx(1000 / 9000)  # FP4
    assert e.gpu_lowest_format == "FP4" and e.horowitz_process == "45 nm" and e.gpu_process.startswith("TSMC 4NP")
    assert e.horowitz_fp32mul_over_int8mul == pytest.approx(3.7 / 0.2)
    assert frame["pj_per_op"].to_list() == sorted(frame["pj_per_op"].to_list(), reverse=True)
    assert (frame["pj_per_op"] > 0).all()  # every value can go on the log axis
    assert set(frame["process"]) == {"45 nm", "TSMC 4NP (2 dies)"}
    assert pc.energy_chart(frame).to_dict()["mark"]["type"] == "point"  # no bar from zero on a log axis


def test_cpu_timing_box():
    frame, t = pc.cpu_matmul_timing(32, seed=0, measure=False)
    assert frame.height == 0 and math.isnan(t.cpu_fp32_over_fp64_speedup) and "not measured" in t.cpu_note
    frame, t = pc.cpu_matmul_timing(32, seed=0, measure=True)
    assert frame["dtype"].to_list() == ["float64", "float32"]
    assert t.cpu_fp32_over_fp64_speedup == pytest.approx(frame["gflop_per_s"][1] / frame["gflop_per_s"][0])
    assert t.measured_at_utc.endswith("UTC")
    html = pc.cpu_box(frame, t).as_raw_html()
    assert 'id="machine-measured"' in html and "Measured on the build machine" in html and t.cpu_model in html


# accuracy side ------------------------------------------------------------------------------------------------

SMALL = pc.Experiment(
    dot_length=64,
    n_samples=8,
    distribution="normal",
    student_t_dof=3.0,
    accumulate="fp32",
    block_size=32,
    seed=7,
)


def test_main_experiment_matches_the_model():
    shown, m = pc.main_experiment(["nvfp4", "bfloat16"], SMALL)
    assert shown["scheme"].to_list() == ["nvfp4", "bfloat16"]  # the order asked for
    ref = {
        r["scheme"]: r["median_rel_error"]
        for r in precision.matmul_error_table(
            ["bfloat16", "float4_e2m1fn", "nvfp4"],
            dot_length=64,
            n_samples=8,
            n_cols=16,
            seed=7,
        )
    }
    assert m.matmul_rel_error_bf16 == ref["bfloat16"]
    assert m.nvfp4_vs_tensor_scaled_fp4_error_ratio == ref["float4_e2m1fn"] / ref["nvfp4"]
    assert m.experiment_setup == "K = 64, normal inputs, fp32 accumulation" and m.nonfinite_note == ""
    assert pc.error_chart(shown, SMALL).to_dict()["layer"][1]["mark"]["type"] == "point"


def test_variants_compare_the_mx_scale_roundings():
    v, s = pc.variants(SMALL)
    assert v.height == len(pc.COMPARED) * 4
    assert s.mxfp8_ceil_clamped_inputs == 0  # rounding the scale up clamps nothing
    assert s.mxfp8_clamped_inputs >= 0
    assert s.mxfp8_ceil_verdict == (
        "lowers" if s.mxfp8_ceil_over_e4m3_error < s.mxfp8_over_e4m3_error else "does not lower"
    )


def test_k_sweep_lengths_follow_the_block_size():
    sweep, theory, s = pc.k_sweep(pc.Experiment(**{**SMALL.__dict__, "block_size": 128}))
    assert sorted(set(sweep["dot_length"])) == [256, 1024, 4096] and s.sweep_k_max == 4096
    assert theory.filter((pl.col("curve") == "u") & (pl.col("scheme") == "bfloat16"))["value"].unique().to_list() == [
        2.0**-8
    ]
    assert 0.1 < s.bf16_fp32acc_error_over_u < 2


def test_frontier_picks_the_fastest_then_the_most_accurate(real):
    specs, _, _, _ = real
    shown = pl.DataFrame(
        {
            "scheme": ["bfloat16", "float8_e4m3fn", "mxfp8", "nvfp4"],
            "scaling": ["none", "tensor", "mx", "nv"],
            "median_rel_error": [0.002, 0.04, 0.03, 0.1],
        }
    )
    front, f = pc.frontier(shown, catalog.gpu_row(specs, "H100"))
    assert f.gpu_unsupported == "nvfp4"  # no FP4 on Hopper
    assert (f.gpu_fastest_scheme, f.gpu_fastest_tflops, f.gpu_fastest_error) == (
        "mxfp8",
        1978.9,
        0.03,
    )
    assert front["dense_tflops"].to_list() == [989.4, 1978.9, 1978.9]
