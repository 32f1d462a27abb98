"""Tests for scalinglab.collectives: hand-computed cases, NCCL-tests definitions,
hypothesis properties, and agreement between the Python and Vega formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from scalinglab.errors import ParameterError
from scalinglab.models import collectives as C
from scalinglab.models import parallelism as P
from scalinglab.models import vega_expr as V

GIB = 2**30

# realistic ranges keep floating point away from subnormals and overflow
sizes = st.floats(min_value=0.0, max_value=1e13, allow_nan=False)
ranks = st.integers(min_value=2, max_value=4096)
bandwidths = st.floats(min_value=1e-2, max_value=1e5, allow_nan=False)
latencies = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)

FLAT = {
    "ring": C.ring_allreduce_s,
    "tree": C.tree_allreduce_s,
    "in_network": C.in_network_allreduce_s,
    "allgather": C.allgather_s,
    "reduce_scatter": C.reduce_scatter_s,
}


# ---------------------------------------------------------------------------
# hand-computed values
# ---------------------------------------------------------------------------
def test_ring_allreduce_hand_case_4176_ms():
    t = C.ring_allreduce_s(GIB, 8, 450, 0)
    assert t == pytest.approx(4.176e-3, rel=1e-3)
    assert t == pytest.approx(2 * (7 / 8) * 2**30 / 4.5e11, rel=1e-12)


def test_ring_allreduce_latency_term():
    # 2(p-1) = 14 steps of 5 us on top of the bandwidth term
    assert C.ring_allreduce_s(GIB, 8, 450, 5) - C.ring_allreduce_s(GIB, 8, 450, 0) == pytest.approx(70e-6, rel=1e-9)
    # zero bytes: latency only
    assert C.ring_allreduce_s(0, 8, 450, 5) == pytest.approx(70e-6, rel=1e-12)


def test_tree_in_network_and_halves_hand_cases():
    # recursive doubling at p = 8: 3 steps of (alpha + n/B)
    assert C.tree_allreduce_s(GIB, 8, 450, 5) == pytest.approx(3 * (5e-6 + GIB / 4.5e11), rel=1e-12)
    # in-network: 2 alpha + n/B
    assert C.in_network_allreduce_s(GIB, 8, 450, 5) == pytest.approx(10e-6 + GIB / 4.5e11, rel=1e-12)
    assert C.in_network_allreduce_s(GIB, 8, 450, 5, latency_steps=3) == pytest.approx(15e-6 + GIB / 4.5e11)
    # all-gather and reduce-scatter are each half a ring all-reduce
    half = 7 * 5e-6 + (7 / 8) * GIB / 4.5e11
    assert C.allgather_s(GIB, 8, 450, 5) == pytest.approx(half, rel=1e-12)
    assert C.reduce_scatter_s(GIB, 8, 450, 5) == pytest.approx(half, rel=1e-12)
    assert C.ring_allreduce_s(GIB, 8, 450, 5) == pytest.approx(2 * half, rel=1e-12)


def test_in_network_saves_factor_2_at_large_p():
    ratio = C.ring_allreduce_s(GIB, 1024, 450, 0) / C.in_network_allreduce_s(GIB, 1024, 450, 0)
    assert ratio == pytest.approx(2 * 1023 / 1024, rel=1e-12)


def test_hierarchical_hand_case_64_gpus():
    # 8 domains of 8 GPUs, NVLink 450 GB/s, InfiniBand NDR 50 GB/s, 5 us both
    inner = 7 * 5e-6 + (7 / 8) * GIB / 450e9
    outer = 2 * 7 * 5e-6 + 2 * (7 / 8) * (GIB / 8) / 50e9
    got = C.hierarchical_allreduce_s(GIB, 64, 8, 450, 5, 50, 5)
    assert got == pytest.approx(2 * inner + outer, rel=1e-12)
    assert got * 1e3 == pytest.approx(9.0133, rel=1e-4)
    # much better than a flat ring over InfiniBand, worse than all-NVLink
    assert got < C.ring_allreduce_s(GIB, 64, 50, 5) / 4
    assert got > C.ring_allreduce_s(GIB, 64, 450, 5)


def test_hierarchical_domain_of_one_is_flat_scaleout_ring():
    got = C.hierarchical_allreduce_s(GIB, 16, 1, 450, 1, 50, 5)
    assert got == pytest.approx(C.ring_allreduce_s(GIB, 16, 50, 5), rel=1e-12)


def test_vectorised_broadcasting():
    n = np.array([0.0, 2**20, GIB])
    t = C.ring_allreduce_s(n, 8, 450, 5)
    assert isinstance(t, np.ndarray) and t.shape == (3,)
    assert t[2] == C.ring_allreduce_s(GIB, 8, 450, 5)
    grid = C.tree_allreduce_s(n[:, None], np.array([2, 4, 8])[None, :], 450, 5)
    assert grid.shape == (3, 3)
    assert grid[2, 1] == pytest.approx(2 * (5e-6 + GIB / 450e9))
    assert isinstance(C.ring_allreduce_s(GIB, 8, 450, 5), float)


def test_unit_helpers():
    assert C.per_direction_gb_s(900) == 450
    assert C.gb_s_from_gbit_s(400) == 50
    assert C.NVLINK4_PER_DIRECTION_GB_S == C.per_direction_gb_s(900)
    assert C.INFINIBAND_NDR_PER_DIRECTION_GB_S == C.gb_s_from_gbit_s(400)


# ---------------------------------------------------------------------------
# crossover
# ---------------------------------------------------------------------------
def test_crossover_hand_case():
    # p = 8: alpha B (14 - 3) / (3 - 1.75) = 5e-6 * 4.5e11 * 8.8
    assert C.tree_ring_crossover_bytes(8, 450, 5) == pytest.approx(5e-6 * 4.5e11 * 11 / 1.25, rel=1e-12)
    assert C.tree_ring_crossover_bytes(8, 450, 5) == pytest.approx(19.8e6, rel=1e-12)


@pytest.mark.parametrize("p", [3, 4, 8, 16, 72, 1024])
@pytest.mark.parametrize("bw,lat", [(450, 5), (50, 2), (900, 0.5)])
def test_crossover_matches_numeric_root(p, bw, lat):
    n_star = C.tree_ring_crossover_bytes(p, bw, lat)
    f = lambda n: C.ring_allreduce_s(n, p, bw, lat) - C.tree_allreduce_s(n, p, bw, lat)  # noqa: E731
    root = brentq(f, 0.0, 1e15, xtol=1e-6, rtol=1e-13)
    assert n_star == pytest.approx(root, rel=1e-9)
    assert C.ring_allreduce_s(n_star, p, bw, lat) == pytest.approx(C.tree_allreduce_s(n_star, p, bw, lat), rel=1e-12)
    # tree wins below, ring above
    assert C.tree_allreduce_s(n_star / 2, p, bw, lat) < C.ring_allreduce_s(n_star / 2, p, bw, lat)
    assert C.tree_allreduce_s(n_star * 2, p, bw, lat) > C.ring_allreduce_s(n_star * 2, p, bw, lat)


def test_crossover_edge_cases():
    # p = 2: recursive doubling is never slower, no crossover
    assert C.tree_ring_crossover_bytes(2, 450, 5) == math.inf
    assert C.tree_allreduce_s(GIB, 2, 450, 5) < C.ring_allreduce_s(GIB, 2, 450, 5)
    # no latency: ring wins at every positive size
    assert C.tree_ring_crossover_bytes(8, 450, 0) == 0
    arr = C.tree_ring_crossover_bytes(np.array([2, 4, 8]), 450, 5)
    assert np.isinf(arr[0]) and arr[1] == pytest.approx(5e-6 * 4.5e11 * 4 / 0.5)


# ---------------------------------------------------------------------------
# NCCL-tests algbw / busbw (doc/PERFORMANCE.md)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,p,factor",
    [
        ("allreduce", 8, 2 * 7 / 8),
        ("AllReduce", 2, 1.0),
        ("all_reduce", 72, 2 * 71 / 72),
        ("allreduce_in_network", 8, 7 / 9),
        ("reducescatter", 8, 7 / 8),
        ("reduce_scatter", 4, 3 / 4),
        ("allgather", 8, 7 / 8),
        ("alltoall", 16, 15 / 16),
        ("broadcast", 8, 1.0),
        ("reduce", 64, 1.0),
    ],
)
def test_busbw_factors_match_nccl(name, p, factor):
    assert C.busbw_factor(name, p) == pytest.approx(factor, rel=1e-15)


def test_algbw_and_busbw_values():
    # a sendrecv line printed by nccl-tests: 1073741824 B in 5503.4 us -> 195.10 GB/s (both
    # printed rounded); GB = 1e9 bytes, as in nccl-tests (with 2^30 it would be 181.7)
    assert C.algbw_gb_s(1073741824, 5503.4e-6) == pytest.approx(195.10, abs=0.01)
    # all-reduce of 1 GiB in 10 ms over 8 ranks: algbw 107.37, busbw 187.90
    assert C.algbw_gb_s(GIB, 0.01) == pytest.approx(107.374, rel=1e-5)
    assert C.busbw_gb_s("allreduce", GIB, 0.01, 8) == pytest.approx(107.3741824 * 1.75, rel=1e-12)
    assert C.busbw_gb_s("broadcast", GIB, 0.01, 8) == pytest.approx(107.3741824, rel=1e-12)


@given(n=st.floats(1e3, 1e12), p=ranks, bw=bandwidths)
def test_busbw_of_ideal_ring_is_link_bandwidth(n, p, bw):
    # the factor is designed so an ideal (alpha = 0) ring reports the link speed at any p
    assert C.busbw_gb_s("allreduce", n, C.ring_allreduce_s(n, p, bw, 0), p) == pytest.approx(bw, rel=1e-12)
    assert C.busbw_gb_s("allgather", n, C.allgather_s(n, p, bw, 0), p) == pytest.approx(bw, rel=1e-12)
    assert C.busbw_gb_s("reducescatter", n, C.reduce_scatter_s(n, p, bw, 0), p) == pytest.approx(bw, rel=1e-12)


def test_unknown_collective_named():
    with pytest.raises(ParameterError, match="collective"):
        C.busbw_factor("allscatter", 8)


# ---------------------------------------------------------------------------
# hypothesis properties
# ---------------------------------------------------------------------------
@settings(max_examples=200)
@given(n=sizes, p=ranks, bw=bandwidths, bw2=bandwidths, lat=latencies, lat2=latencies)
def test_more_bandwidth_or_less_latency_never_slower(n, p, bw, bw2, lat, lat2):
    lo_bw, hi_bw = sorted((bw, bw2))
    lo_lat, hi_lat = sorted((lat, lat2))
    for name, f in FLAT.items():
        assert f(n, p, hi_bw, lat) <= f(n, p, lo_bw, lat), name
        assert f(n, p, bw, lo_lat) <= f(n, p, bw, hi_lat), name


@settings(max_examples=200)
@given(
    n=sizes,
    q=st.integers(1, 64),
    d=st.sampled_from([1, 2, 4, 8, 72]),
    bw=bandwidths,
    bw2=bandwidths,
    lat=latencies,
    lat2=latencies,
)
def test_hierarchical_monotone_in_every_link(n, q, d, bw, bw2, lat, lat2):
    p = q * d
    if p < 2:
        return
    lo_bw, hi_bw = sorted((bw, bw2))
    lo_lat, hi_lat = sorted((lat, lat2))
    base = dict(scaleup_bandwidth_gb_s=bw, scaleup_latency_us=lat, scaleout_bandwidth_gb_s=bw, scaleout_latency_us=lat)
    h = lambda **kw: C.hierarchical_allreduce_s(n, p, d, **{**base, **kw})  # noqa: E731
    assert h(scaleup_bandwidth_gb_s=hi_bw) <= h(scaleup_bandwidth_gb_s=lo_bw)
    assert h(scaleout_bandwidth_gb_s=hi_bw) <= h(scaleout_bandwidth_gb_s=lo_bw)
    assert h(scaleup_latency_us=lo_lat) <= h(scaleup_latency_us=hi_lat)
    assert h(scaleout_latency_us=lo_lat) <= h(scaleout_latency_us=hi_lat)


@settings(max_examples=200)
@given(n=sizes, p=ranks, bw=bandwidths, lat=latencies, bw_out=bandwidths, lat_out=latencies)
def test_hierarchical_one_domain_equals_flat_ring(n, p, bw, lat, bw_out, lat_out):
    # the scale-out link must not matter at all: exact equality
    assert C.hierarchical_allreduce_s(n, p, p, bw, lat, bw_out, lat_out) == C.ring_allreduce_s(n, p, bw, lat)


@settings(max_examples=200)
@given(n=sizes, p=ranks, bw=bandwidths, lat=latencies)
def test_in_network_never_slower_than_ring(n, p, bw, lat):
    assert C.in_network_allreduce_s(n, p, bw, 0) <= C.ring_allreduce_s(n, p, bw, 0)
    # with the default 2 latency steps this holds with latency too (ring has 2(p-1) >= 2)
    assert C.in_network_allreduce_s(n, p, bw, lat) <= C.ring_allreduce_s(n, p, bw, lat)


@settings(max_examples=200)
@given(
    params=st.floats(1e6, 2e12),
    bpp=st.sampled_from([2, 4]),
    tokens=st.floats(1e4, 1e8),
    k=st.integers(0, 10),
    dom=st.sampled_from([8, 72, 576]),
    peak=st.floats(1e12, 5e15),
    mfu=st.floats(0.01, 1.0),
    overlap=st.floats(0.0, 1.0),
    bw_out=bandwidths,
    lat_out=latencies,
)
def test_dp_efficiency_in_unit_interval(params, bpp, tokens, k, dom, peak, mfu, overlap, bw_out, lat_out):
    n_gpus = dom * 2**k
    s = P.data_parallel_step(params, bpp, tokens, n_gpus, peak, mfu, overlap, dom, 900, 3, bw_out, lat_out)
    assert 0 < s.efficiency <= 1
    assert s.step_s == pytest.approx(s.compute_s + s.exposed_comm_s, rel=1e-12)
    assert 0 <= s.exposed_comm_s <= s.comm_s
    assert s.efficiency == pytest.approx(P.dp_scaling_efficiency(s.compute_s, s.step_s), rel=1e-12)
    # a faster scale-out network never lowers efficiency
    s2 = P.data_parallel_step(params, bpp, tokens, n_gpus, peak, mfu, overlap, dom, 900, 3, bw_out * 2, lat_out)
    assert s2.efficiency >= s.efficiency


# ---------------------------------------------------------------------------
# data-parallel training and tensor-parallel inference, by hand
# ---------------------------------------------------------------------------
def test_dp_compute_time_hand_case():
    # 7e9 params, 4M tokens, 64 GPUs at 989 TFLOP/s and 40% MFU
    t = P.dp_compute_time_s(7e9, 4 * 2**20, 64, 989e12, 0.4)
    assert t == pytest.approx(6 * 7e9 * 4194304 / (64 * 989e12 * 0.4), rel=1e-12)
    assert t == pytest.approx(6.9578, rel=1e-4)
    # strong scaling: twice the GPUs, half the compute time
    assert P.dp_compute_time_s(7e9, 4 * 2**20, 128, 989e12, 0.4) == pytest.approx(t / 2, rel=1e-12)


def test_dp_exposed_comm_both_branches():
    assert P.dp_exposed_comm_s(3.0, 10.0, 0.5) == 0.0  # fully hidden
    assert P.dp_exposed_comm_s(8.0, 10.0, 0.5) == pytest.approx(3.0)  # 8 - 5
    assert P.dp_exposed_comm_s(8.0, 10.0, 0.0) == 8.0  # no overlap
    assert P.dp_exposed_comm_s(8.0, 10.0, 1.0) == 0.0


def test_dp_gradient_allreduce_domains():
    g = 70e9 * 2  # bf16 gradients of a 70B model
    # inside one 8-GPU node: flat NVLink ring
    assert P.dp_gradient_allreduce_s(70e9, 2, 8, 8, 450, 5, 50, 5) == C.ring_allreduce_s(g, 8, 450, 5)
    # fewer GPUs than the domain: still one flat NVLink ring
    assert P.dp_gradient_allreduce_s(70e9, 2, 4, 72, 900, 5, 50, 5) == C.ring_allreduce_s(g, 4, 900, 5)
    # across domains: hierarchical
    assert P.dp_gradient_allreduce_s(70e9, 2, 64, 8, 450, 5, 50, 5) == C.hierarchical_allreduce_s(
        g, 64, 8, 450, 5, 50, 5
    )
    assert P.dp_gradient_allreduce_s(70e9, 2, 1, 8, 450, 5, 50, 5) == 0.0
    with pytest.raises(ParameterError, match="n_gpus"):
        P.dp_gradient_allreduce_s(70e9, 2, 100, 72, 900, 5, 50, 5)


def test_dp_step_hand_case():
    s = P.data_parallel_step(7e9, 2, 4 * 2**20, 64, 989e12, 0.4, 0.5, 8, 450, 5, 50, 5)
    comm = C.hierarchical_allreduce_s(14e9, 64, 8, 450, 5, 50, 5)
    compute = 6 * 7e9 * 4194304 / (64 * 989e12 * 0.4)
    assert s.comm_s == pytest.approx(comm, rel=1e-12)
    assert s.exposed_comm_s == pytest.approx(max(0.0, comm - 0.5 * compute), rel=1e-12)
    assert s.efficiency == pytest.approx(compute / (compute + max(0.0, comm - 0.5 * compute)), rel=1e-12)
    # huge GPU count: communication dominates and efficiency falls well below 1
    big = P.data_parallel_step(7e9, 2, 4 * 2**20, 8192, 989e12, 0.4, 0.0, 8, 450, 5, 50, 5)
    assert big.efficiency < 0.5


def test_tp_allreduce_per_token_hand_case():
    msg = 1 * 8192 * 2
    ring = 14 * 5e-6 + 2 * (7 / 8) * msg / 450e9
    tree = 3 * (5e-6 + msg / 450e9)
    args = dict(
        n_layers=80,
        hidden_size=8192,
        batch_size=1,
        bytes_per_activation=2,
        tp_degree=8,
        bandwidth_gb_s=450,
        latency_us=5,
    )
    assert P.tp_allreduce_per_token_s(**args, algorithm="ring") == pytest.approx(160 * ring, rel=1e-12)
    assert P.tp_allreduce_per_token_s(**args, algorithm="tree") == pytest.approx(160 * tree, rel=1e-12)
    assert P.tp_allreduce_per_token_s(**args) == pytest.approx(160 * min(ring, tree), rel=1e-12)
    assert P.tp_allreduce_per_token_s(**{**args, "tp_degree": 1}) == 0.0
    degrees = P.tp_allreduce_per_token_s(**{**args, "tp_degree": np.array([1, 2, 4, 8])})
    assert degrees[0] == 0 and np.all(np.diff(degrees) > 0)
    # across InfiniBand (50 GB/s, 10 us) is slower than NVLink
    assert P.tp_allreduce_per_token_s(**{**args, "bandwidth_gb_s": 50, "latency_us": 10}) > P.tp_allreduce_per_token_s(
        **args
    )


def test_tp_compute_and_weight_read():
    assert P.tp_token_compute_s(70e9, 1, 8, 989e12, 0.5) == pytest.approx(2 * 70e9 / (8 * 989e12 * 0.5), rel=1e-12)
    assert P.tp_token_weight_read_s(70e9, 2, 8, 3350) == pytest.approx(140e9 / (8 * 3350e9), rel=1e-12)


# ---------------------------------------------------------------------------
# Vega expressions agree with Python
# ---------------------------------------------------------------------------
POINTS = [
    (GIB, 8, 450, 0),
    (GIB, 8, 450, 5),
    (1024, 72, 900, 2.5),
    (1e6, 2, 50, 10),
    (0, 576, 1800, 1),
    (3.3e9, 4096, 25, 7.5),
]


@pytest.mark.parametrize("n,p,bw,lat", POINTS)
def test_vega_ring_and_tree_agree_with_python(n, p, bw, lat):
    vals = dict(msg_bytes=n, p=p, bw_gb_s=bw, lat_us=lat)
    ring = V.eval_vega_expr(V.ring_allreduce_ms_vega_expr(), vals)
    tree = V.eval_vega_expr(V.tree_allreduce_ms_vega_expr(), vals)
    innet = V.eval_vega_expr(V.in_network_allreduce_ms_vega_expr(), vals)
    assert ring == pytest.approx(C.ring_allreduce_s(n, p, bw, lat) * 1e3, rel=1e-12, abs=1e-15)
    assert tree == pytest.approx(C.tree_allreduce_s(n, p, bw, lat) * 1e3, rel=1e-12, abs=1e-15)
    assert innet == pytest.approx(C.in_network_allreduce_s(n, p, bw, lat) * 1e3, rel=1e-12, abs=1e-15)


def test_vega_hand_case_and_datum_fields():
    expr = V.ring_allreduce_ms_vega_expr(msg_bytes="datum.msg_bytes", p="n_gpus")
    assert "datum.msg_bytes" in expr and "n_gpus" in expr
    got = V.eval_vega_expr(expr, {"datum.msg_bytes": np.array([0, GIB]), "n_gpus": 8, "bw_gb_s": 450, "lat_us": 0})
    assert got[0] == 0 and got[1] == pytest.approx(4.176, rel=1e-3)
    # numbers can be baked in
    assert V.eval_vega_expr(V.ring_allreduce_ms_vega_expr(p=8), dict(msg_bytes=GIB, bw_gb_s=450, lat_us=0)) == (
        pytest.approx(4.17566, rel=1e-5)
    )


def test_vega_expression_uses_only_plain_arithmetic():
    # the ring expression must run in any Vega version: + - * / ( ) and names only
    assert set(V.ring_allreduce_ms_vega_expr()) <= set("0123456789.e+-*/() _abcdfghijklmnopqrstuvwxyz")
    assert "**" not in V.ring_allreduce_ms_vega_expr() and "^" not in V.tree_allreduce_ms_vega_expr()


@pytest.mark.parametrize(
    "expr",
    ["2**3", "p // 2", "p % 2", "__import__('os')", "p ? 1 : 2", "'a'", "lambda: 1", "unknown + 1", "x.__class__"],
)
def test_vega_evaluator_rejects_non_vega_text(expr):
    with pytest.raises(ValueError):
        V.eval_vega_expr(expr, {"p": 8})


def test_vega_evaluator_functions():
    assert V.eval_vega_expr("pow(2, 10) + max(1, 3, 2) - min(4, 5)", {}) == 1023
    assert V.eval_vega_expr("log(8)/log(2)", {}) == pytest.approx(3.0, rel=1e-15)
    assert V.eval_vega_expr("ceil(1.2) + floor(1.8) + LN2", {}) == pytest.approx(3 + math.log(2))


def test_vega_expr_argument_validation():
    with pytest.raises(ParameterError, match="msg_bytes"):
        V.ring_allreduce_ms_vega_expr(msg_bytes="1+1")
    with pytest.raises(ParameterError, match="p"):
        V.ring_allreduce_ms_vega_expr(p=-8)


# ---------------------------------------------------------------------------
# validation: errors name the argument
# ---------------------------------------------------------------------------
GOOD = dict(n_bytes=GIB, p=8, bandwidth_gb_s=450, latency_us=5)
BAD = [
    ("bandwidth_gb_s", 0),
    ("bandwidth_gb_s", -1),
    ("bandwidth_gb_s", float("nan")),
    ("p", 1),
    ("p", 0),
    ("p", 2.5),
    ("n_bytes", -1),
    ("latency_us", -0.1),
]


@pytest.mark.parametrize("name", sorted(FLAT))
@pytest.mark.parametrize("arg,value", BAD)
def test_flat_collectives_reject_bad_values(name, arg, value):
    with pytest.raises(ParameterError, match=f"'{arg}'") as exc:
        FLAT[name](**{**GOOD, arg: value})
    assert isinstance(exc.value, ValueError) and exc.value.name == arg


def test_bad_value_inside_an_array_is_caught():
    with pytest.raises(ParameterError, match="'bandwidth_gb_s'"):
        C.ring_allreduce_s(GIB, 8, np.array([450, 0]), 5)


def test_crossover_and_busbw_validation():
    with pytest.raises(ParameterError, match="'p'"):
        C.tree_ring_crossover_bytes(1, 450, 5)
    with pytest.raises(ParameterError, match="'latency_us'"):
        C.tree_ring_crossover_bytes(8, 450, -5)
    with pytest.raises(ParameterError, match="'time_s'"):
        C.algbw_gb_s(GIB, 0)


@pytest.mark.parametrize("domain", [3, 16, 0, -8, 2.5])
def test_hierarchical_bad_domain_names_scaleup_domain_size(domain):
    with pytest.raises(ParameterError, match="scaleup_domain_size") as exc:
        C.hierarchical_allreduce_s(GIB, 8, domain, 450, 5, 50, 5)
    assert exc.value.name == "scaleup_domain_size"


@pytest.mark.parametrize(
    "arg,value",
    [
        ("scaleup_bandwidth_gb_s", 0),
        ("scaleout_bandwidth_gb_s", -50),
        ("scaleup_latency_us", -1),
        ("scaleout_latency_us", -1),
    ],
)
def test_hierarchical_link_validation(arg, value):
    good = dict(
        n_bytes=GIB,
        p=64,
        domain_size=8,
        scaleup_bandwidth_gb_s=450,
        scaleup_latency_us=5,
        scaleout_bandwidth_gb_s=50,
        scaleout_latency_us=5,
    )
    with pytest.raises(ParameterError, match=arg):
        C.hierarchical_allreduce_s(**{**good, arg: value})


@pytest.mark.parametrize(
    "arg,value",
    [
        ("mfu", 1.5),
        ("mfu", 0),
        ("overlap_fraction", -0.1),
        ("overlap_fraction", 1.01),
        ("n_gpus", 0),
        ("params", 0),
        ("peak_flops", -1),
        ("tokens_per_step", 0),
        ("bytes_per_param", 0),
    ],
)
def test_data_parallel_validation(arg, value):
    good = dict(
        params=7e9,
        bytes_per_param=2,
        tokens_per_step=2**22,
        n_gpus=64,
        peak_flops=989e12,
        mfu=0.4,
        overlap_fraction=0.5,
        domain_size=8,
        scaleup_bandwidth_gb_s=450,
        scaleup_latency_us=5,
        scaleout_bandwidth_gb_s=50,
        scaleout_latency_us=5,
    )
    with pytest.raises(ParameterError, match=f"'{arg}'"):
        P.data_parallel_step(**{**good, arg: value})


def test_tp_validation():
    args = dict(
        n_layers=80,
        hidden_size=8192,
        batch_size=1,
        bytes_per_activation=2,
        tp_degree=8,
        bandwidth_gb_s=450,
        latency_us=5,
    )
    with pytest.raises(ParameterError, match="'tp_degree'"):
        P.tp_allreduce_per_token_s(**{**args, "tp_degree": 0})
    with pytest.raises(ParameterError, match="'algorithm'"):
        P.tp_allreduce_per_token_s(**args, algorithm="butterfly")
    with pytest.raises(ParameterError, match="'mfu'"):
        P.tp_token_compute_s(70e9, 1, 8, 989e12, 1.5)


# ---------------------------------------------------------------------------
# SHARP (in-network reduction) across NVLink domains
# ---------------------------------------------------------------------------
def test_sharp_across_domains_hand_case():
    n = 2**30
    inner = 2 * 7 / 8 * n / 450e9  # reduce-scatter + all-gather in 8-GPU domains, no latency
    # 4 domains: ring across moves 2 (q-1)/q = 1.5 shards, SHARP one shard
    assert C.hierarchical_allreduce_s(n, 32, 8, 450, 0, 50, 0) == pytest.approx(inner + 1.5 * n / 8 / 50e9, rel=1e-12)
    assert C.hierarchical_in_network_allreduce_s(n, 32, 8, 450, 0, 50, 0) == pytest.approx(
        inner + n / 8 / 50e9, rel=1e-12
    )
    # latency across: ring 2 (q-1) = 6 steps, SHARP 2 (up and down), at 8 us each
    ring_lat = C.hierarchical_allreduce_s(n, 32, 8, 450, 0, 50, 8) - C.hierarchical_allreduce_s(n, 32, 8, 450, 0, 50, 0)
    sharp_lat = C.hierarchical_in_network_allreduce_s(n, 32, 8, 450, 0, 50, 8) - C.hierarchical_in_network_allreduce_s(
        n, 32, 8, 450, 0, 50, 0
    )
    assert ring_lat == pytest.approx(48e-6, rel=1e-9) and sharp_lat == pytest.approx(16e-6, rel=1e-9)


def test_sharp_with_one_domain_is_the_scaleup_ring_and_rejects_bad_domains():
    n = 2**30
    assert C.hierarchical_in_network_allreduce_s(n, 8, 8, 450, 2, 50, 8) == C.ring_allreduce_s(n, 8, 450, 2)
    with pytest.raises(ParameterError, match="scaleup_domain_size"):
        C.hierarchical_in_network_allreduce_s(n, 16, 3, 450, 2, 50, 8)


def test_data_parallel_step_with_sharp_across_domains():
    # 8B model, BF16 gradients, 32 GPUs in 8-GPU domains: SHARP only changes the cross-domain step
    args = (8e9, 2, 2**17, 32, 1e15, 0.5, 0.0, 8, 450, 0, 50, 0)
    ring, sharp = P.data_parallel_step(*args), P.data_parallel_step(*args, scaleout_in_network=True)
    n = 16e9
    assert ring.comm_s == pytest.approx(2 * 7 / 8 * n / 450e9 + 1.5 * n / 8 / 50e9, rel=1e-12)
    assert sharp.comm_s == pytest.approx(2 * 7 / 8 * n / 450e9 + n / 8 / 50e9, rel=1e-12)
    assert sharp.compute_s == ring.compute_s == pytest.approx(6 * 8e9 * 2**17 / (32 * 1e15 * 0.5))
    assert sharp.efficiency > ring.efficiency
