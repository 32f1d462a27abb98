"""Data-parallel training and tensor-parallel decoding on the alpha-beta collectives.

Units as in :mod:`scalinglab.models.collectives` (bytes, GB/s per direction per GPU with
GB = 1e9 bytes, microseconds of latency per step, seconds returned).

Sources
-------
* training compute 6 N D FLOPs (Kaplan et al. 2020, arXiv:2001.08361, sec. 2.1);
  inference 2 N FLOPs per token (same source).
* tensor parallelism: two all-reduces per transformer layer in the forward pass
  (Shoeybi et al., Megatron-LM, arXiv:1909.08053, sec. 3).
* gradient all-reduce overlapped with the backward pass (Li et al., VLDB 13(12), 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ParameterError
from scalinglab.models.collectives import (
    BYTES_PER_GB,
    IN_NETWORK_LATENCY_STEPS,
    _count,
    _fraction,
    _hierarchical,
    _in_network,
    _link,
    _nonnegative,
    _out,
    _positive,
    _ring_allreduce,
    _tree_allreduce,
)


# ---------------------------------------------------------------------------
# data-parallel training step
# ---------------------------------------------------------------------------
def dp_compute_time_s(params, tokens_per_step, n_gpus, peak_flops, mfu):
    """Compute time of one training step, 6 N D / (n_gpus peak mfu), seconds.

    ``params`` N (count), ``tokens_per_step`` D = the **global** batch in tokens
    (held fixed while n_gpus grows: strong scaling), ``peak_flops`` dense FLOP/s
    per GPU, ``mfu`` model FLOPs utilisation in (0, 1]. 6 N D: forward 2 N D plus
    backward 4 N D (Kaplan et al. 2020, sec. 2.1).
    """
    N = _positive("params", params)
    D = _positive("tokens_per_step", tokens_per_step)
    g = _count("n_gpus", n_gpus, 1)
    peak = _positive("peak_flops", peak_flops)
    u = _fraction("mfu", mfu, lo_open=True)
    return _out(6.0 * N * D / (g * peak * u))


def dp_exposed_comm_s(comm_s, compute_s, overlap_fraction):
    """Communication left on the critical path, max(0, comm - overlap_fraction * compute), s.

    ``overlap_fraction`` in [0, 1] is the share of the compute time during which
    the gradient all-reduce can run concurrently (bucketed all-reduce during the
    backward pass, as in PyTorch DDP; Li et al., VLDB 13(12), 2020). 0: nothing
    hidden; 1: communication up to the whole compute time is hidden.
    """
    c = _nonnegative("comm_s", comm_s)
    t = _nonnegative("compute_s", compute_s)
    f = _fraction("overlap_fraction", overlap_fraction, lo_open=False)
    return _out(np.maximum(0.0, c - f * t))


def dp_gradient_allreduce_s(
    params,
    bytes_per_param,
    n_gpus,
    domain_size,
    scaleup_bandwidth_gb_s,
    scaleup_latency_us,
    scaleout_bandwidth_gb_s,
    scaleout_latency_us,
    scaleout_in_network=False,
):
    """Gradient all-reduce of params * bytes_per_param bytes over n_gpus, seconds.

    The job fills NVLink domains of ``domain_size`` GPUs: with n_gpus <= domain_size
    it is a flat ring on the scale-up link; otherwise n_gpus must be a multiple
    of domain_size (``ParameterError`` naming ``n_gpus``) and the cost is
    :func:`~scalinglab.models.collectives.hierarchical_allreduce_s`, or with
    ``scaleout_in_network=True``
    :func:`~scalinglab.models.collectives.hierarchical_in_network_allreduce_s` (SHARP across
    domains). One GPU communicates nothing (0 s).
    """
    n = _positive("params", params) * _positive("bytes_per_param", bytes_per_param)
    g = _count("n_gpus", n_gpus, 1)
    dom = _count("scaleup_domain_size", domain_size, 1)
    bw_up, a_up = _link(scaleup_bandwidth_gb_s, scaleup_latency_us, "scaleup_bandwidth_gb_s", "scaleup_latency_us")
    bw_out, a_out = _link(
        scaleout_bandwidth_gb_s, scaleout_latency_us, "scaleout_bandwidth_gb_s", "scaleout_latency_us"
    )
    d = np.minimum(dom, g)  # GPUs of the job per domain
    if np.any(np.mod(g, d) != 0):
        raise ParameterError("n_gpus", n_gpus, f"a multiple of the domain size {domain_size!r} when larger than it")
    # p = 1 makes every ring term zero, so a single GPU costs 0 s
    return _out(_hierarchical(n, g, d, bw_up, a_up, bw_out, a_out, in_network=bool(scaleout_in_network)))


def dp_scaling_efficiency(compute_s, step_s):
    """Ideal time / actual time = compute_s / step_s, in (0, 1].

    The ideal step on n GPUs is the one-GPU time divided by n, which is the
    compute time alone (strong scaling, fixed global batch).
    """
    c = _positive("compute_s", compute_s)
    s = _positive("step_s", step_s)
    if np.any(s < c):
        raise ParameterError("step_s", step_s, "at least compute_s")
    return _out(c / s)


@dataclass(frozen=True)
class DataParallelStep:
    """One data-parallel training step (all times in seconds; arrays if inputs were)."""

    compute_s: float | np.ndarray
    comm_s: float | np.ndarray
    exposed_comm_s: float | np.ndarray
    step_s: float | np.ndarray
    efficiency: float | np.ndarray


def data_parallel_step(
    params,
    bytes_per_param,
    tokens_per_step,
    n_gpus,
    peak_flops,
    mfu,
    overlap_fraction,
    domain_size,
    scaleup_bandwidth_gb_s,
    scaleup_latency_us,
    scaleout_bandwidth_gb_s,
    scaleout_latency_us,
    scaleout_in_network=False,
) -> DataParallelStep:
    """Step time and scaling efficiency of data-parallel training (strong scaling).

    step = compute + max(0, comm - overlap_fraction * compute), with compute from
    :func:`dp_compute_time_s` and comm from :func:`dp_gradient_allreduce_s`;
    efficiency = compute / step in (0, 1]. ``scaleout_in_network`` as in
    :func:`dp_gradient_allreduce_s`. Optimizer time, pipeline bubbles and
    ZeRO/FSDP sharding are not modelled.
    """
    compute = dp_compute_time_s(params, tokens_per_step, n_gpus, peak_flops, mfu)
    comm = dp_gradient_allreduce_s(
        params,
        bytes_per_param,
        n_gpus,
        domain_size,
        scaleup_bandwidth_gb_s,
        scaleup_latency_us,
        scaleout_bandwidth_gb_s,
        scaleout_latency_us,
        scaleout_in_network,
    )
    exposed = dp_exposed_comm_s(comm, compute, overlap_fraction)
    step = np.asarray(compute) + np.asarray(exposed)
    return DataParallelStep(
        compute_s=compute,
        comm_s=comm,
        exposed_comm_s=exposed,
        step_s=_out(step),
        efficiency=_out(np.asarray(compute) / step),
    )


# ---------------------------------------------------------------------------
# tensor-parallel inference (decode)
# ---------------------------------------------------------------------------
_TP_ALGORITHMS = ("ring", "tree", "best", "in_network")


def tp_allreduce_per_token_s(
    n_layers,
    hidden_size,
    batch_size,
    bytes_per_activation,
    tp_degree,
    bandwidth_gb_s,
    latency_us,
    allreduces_per_layer=2,
    algorithm="best",
):
    """All-reduce time per generated token of tensor-parallel decoding, seconds.

    Megatron-style tensor parallelism needs ``allreduces_per_layer`` = 2
    all-reduces per layer in the forward pass (after attention and after the
    MLP; Shoeybi et al. 2019, sec. 3), each of the activations of the current
    token of every sequence: batch_size * hidden_size * bytes_per_activation
    bytes, over ``tp_degree`` GPUs. Total = n_layers * allreduces_per_layer *
    T_allreduce; not overlapped with compute. ``algorithm``: "ring", "tree"
    (recursive doubling), "best" (the faster of the two per point, as NCCL's
    tuner would pick) or "in_network". tp_degree = 1 costs 0 s.
    """
    L = _count("n_layers", n_layers, 1)
    h = _count("hidden_size", hidden_size, 1)
    b = _count("batch_size", batch_size, 1)
    e = _positive("bytes_per_activation", bytes_per_activation)
    t = _count("tp_degree", tp_degree, 1)
    k = _count("allreduces_per_layer", allreduces_per_layer, 0)
    if algorithm not in _TP_ALGORITHMS:
        raise ParameterError("algorithm", algorithm, f"one of {', '.join(_TP_ALGORITHMS)}")
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    n = b * h * e
    ring = _ring_allreduce(n, t, bw, alpha)
    tree = _tree_allreduce(n, t, bw, alpha)
    one = {
        "ring": ring,
        "tree": tree,
        "best": np.minimum(ring, tree),
        "in_network": _in_network(n, bw, alpha, IN_NETWORK_LATENCY_STEPS),
    }[algorithm]
    one = np.where(t > 1, one, 0.0)  # one GPU: nothing to reduce
    return _out(L * k * one)


def tp_token_compute_s(params, batch_size, tp_degree, peak_flops, mfu):
    """Arithmetic time per decode step, 2 N batch / (tp_degree peak mfu), seconds.

    2 FLOPs per parameter per token for the forward pass (Kaplan et al. 2020),
    split evenly over ``tp_degree`` GPUs; ``peak_flops`` dense FLOP/s per GPU.
    Small-batch decoding is usually limited by reading the weights instead: see
    :func:`tp_token_weight_read_s` and take the larger of the two.
    """
    N = _positive("params", params)
    b = _count("batch_size", batch_size, 1)
    t = _count("tp_degree", tp_degree, 1)
    peak = _positive("peak_flops", peak_flops)
    u = _fraction("mfu", mfu, lo_open=True)
    return _out(2.0 * N * b / (t * peak * u))


def tp_token_weight_read_s(params, bytes_per_param, tp_degree, hbm_bandwidth_gb_s):
    """Time to stream each GPU's weight shard from HBM once, N bytes_per_param / (tp_degree B_hbm), s.

    The memory-bound floor of one decode step (roofline model; Williams,
    Waterman & Patterson, CACM 52(4), 2009); KV-cache reads are not included.
    """
    N = _positive("params", params)
    e = _positive("bytes_per_param", bytes_per_param)
    t = _count("tp_degree", tp_degree, 1)
    bw = _positive("hbm_bandwidth_gb_s", hbm_bandwidth_gb_s) * BYTES_PER_GB
    return _out(N * e / (t * bw))
