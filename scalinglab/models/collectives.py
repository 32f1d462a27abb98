"""Alpha-beta (Hockney) cost models of collective communication.

A message of n bytes between two GPUs takes t = alpha + n / B (Hockney, *Parallel
Computing* 20(3):389, 1994), with alpha the per-message latency and B the
bandwidth **per direction per GPU** (links are full duplex: a GPU can send and
receive at B at the same time). Every function here is a closed form of that
model, vectorised with numpy broadcasting.

Units, the same everywhere:

* ``n_bytes``         message size in bytes
* ``bandwidth_gb_s``  per-direction per-GPU bandwidth in GB/s, GB = 1e9 bytes
                      (NVLink 4 on H100: 900 GB/s bidirectional = 450 per direction;
                      InfiniBand NDR: 400 Gb/s = 50 GB/s per direction)
* ``latency_us``      per-step latency alpha in microseconds
* ``p``               number of ranks (GPUs), an integer >= 2
* return values       seconds, unless the name says otherwise (``_ms``, ``_gb_s``)

A call with only scalar arguments returns a ``float``; any array argument gives
an ``ndarray`` of the broadcast shape. Bad arguments raise
:class:`~scalinglab.errors.ParameterError` (a ``ValueError``) naming the argument.

Formulas and sources
--------------------
* ring reduce-scatter / all-gather: (p-1) alpha + (p-1)/p n/B; ring all-reduce is
  the two in sequence, 2(p-1) alpha + 2(p-1)/p n/B (Patarasuk & Yuan, JPDC
  69(2):117, 2009; Thakur, Rabenseifner & Gropp, IJHPCA 19(1):49, 2005).
* recursive-doubling all-reduce: log2(p) (alpha + n/B) (Thakur et al. 2005).
* in-network reduction (NVLink SHARP / InfiniBand SHARP): 2 alpha + n/B, see
  :func:`in_network_allreduce_s` for the assumption.
* NCCL-tests algbw and busbw: https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md
* two-level all-reduce: reduce-scatter in the NVLink domain, all-reduce across
  domains, all-gather in the domain (the structure of NCCL's hierarchical
  algorithms and of Horovod's hierarchical all-reduce).
* training compute 6 N D FLOPs (Kaplan et al. 2020, arXiv:2001.08361, sec. 2.1);
  inference 2 N FLOPs per token (same source).
* tensor parallelism: two all-reduces per transformer layer in the forward pass
  (Shoeybi et al., Megatron-LM, arXiv:1909.08053, sec. 3).

Sizes are not rounded to whole packets or chunks, protocol overheads (NCCL's
LL/LL128/Simple) are ignored, and log2(p) is used as a real number (exact at the
powers of two the book uses).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from scalinglab.errors import ParameterError

BYTES_PER_GB = 1e9
SECONDS_PER_US = 1e-6

# H100-like defaults (NVIDIA NVLink page / datasheets; IBTA roadmap), per direction.
NVLINK4_PER_DIRECTION_GB_S = 450.0  # 900 GB/s bidirectional total per H100
INFINIBAND_NDR_PER_DIRECTION_GB_S = 50.0  # 400 Gb/s port


# ---------------------------------------------------------------------------
# validation and unit helpers
# ---------------------------------------------------------------------------
def _arr(name: str, value) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)):
        raise ParameterError(name, value, "a finite number")
    return a


def _positive(name: str, value) -> np.ndarray:
    a = _arr(name, value)
    if np.any(a <= 0):
        raise ParameterError(name, value, "a positive number")
    return a


def _nonnegative(name: str, value) -> np.ndarray:
    a = _arr(name, value)
    if np.any(a < 0):
        raise ParameterError(name, value, "a number >= 0")
    return a


def _count(name: str, value, minimum: int) -> np.ndarray:
    a = _arr(name, value)
    if np.any(a < minimum) or np.any(a != np.floor(a)):
        raise ParameterError(name, value, f"an integer >= {minimum}")
    return a


def _fraction(name: str, value, lo_open: bool) -> np.ndarray:
    a = _arr(name, value)
    bad = (a <= 0) if lo_open else (a < 0)
    if np.any(bad) or np.any(a > 1):
        raise ParameterError(name, value, "in (0, 1]" if lo_open else "in [0, 1]")
    return a


def _out(x: np.ndarray):
    """float for a 0-d result, the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _link(bandwidth_gb_s, latency_us, bw_name="bandwidth_gb_s", lat_name="latency_us"):
    """(bytes/s, seconds) from (GB/s, us), validated."""
    return _positive(bw_name, bandwidth_gb_s) * BYTES_PER_GB, _nonnegative(lat_name, latency_us) * SECONDS_PER_US


def per_direction_gb_s(bidirectional_gb_s):
    """Per-direction bandwidth from a bidirectional total (NVLink is quoted so): x / 2, GB/s."""
    return _out(_positive("bidirectional_gb_s", bidirectional_gb_s) / 2.0)


def gb_s_from_gbit_s(gbit_s):
    """GB/s from Gb/s (InfiniBand and Ethernet port rates are quoted in bits): x / 8."""
    return _out(_positive("gbit_s", gbit_s) / 8.0)


# ---------------------------------------------------------------------------
# unvalidated kernels (inputs already in bytes, bytes/s, seconds)
# ---------------------------------------------------------------------------
def _ring_half(n, p, bw, alpha):
    # ring reduce-scatter == ring all-gather: p-1 steps of n/p bytes
    return (p - 1) * alpha + (p - 1) / p * n / bw


def _ring_allreduce(n, p, bw, alpha):
    # reduce-scatter then all-gather; written as 2 * half so the one-domain
    # hierarchical case (half + 0 + half) equals it bit for bit
    return 2.0 * _ring_half(n, p, bw, alpha)


def _tree_allreduce(n, p, bw, alpha):
    return np.log2(p) * (alpha + n / bw)


def _in_network(n, bw, alpha, steps):
    return steps * alpha + n / bw


# ---------------------------------------------------------------------------
# flat collectives
# ---------------------------------------------------------------------------
def ring_allreduce_s(n_bytes, p, bandwidth_gb_s, latency_us):
    """Ring all-reduce time, 2(p-1) alpha + 2(p-1)/p n/B, in seconds.

    Reduce-scatter then all-gather around a ring: 2(p-1) steps, each moving n/p
    bytes per GPU in each direction. Bandwidth-optimal (each GPU sends and
    receives 2(p-1)/p n, the lower bound for point-to-point algorithms), latency
    linear in p. Patarasuk & Yuan, JPDC 69(2):117, 2009; Thakur, Rabenseifner &
    Gropp, IJHPCA 19(1):49, 2005.

    ``n_bytes`` >= 0 is the size of the array reduced (each GPU's input = output).
    Example: p = 8, n = 2^30, B = 450 GB/s, alpha = 0 gives 4.176 ms.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    return _out(_ring_allreduce(n, p, bw, alpha))


def tree_allreduce_s(n_bytes, p, bandwidth_gb_s, latency_us):
    """Latency-optimal all-reduce by recursive doubling, log2(p) (alpha + n/B), seconds.

    Variant: recursive doubling (Thakur, Rabenseifner & Gropp 2005, sec. 4): in
    each of log2(p) steps every GPU exchanges its whole n-byte vector with a
    partner at distance 1, 2, 4, ... and adds. Fewest latency steps (log2 p
    against 2(p-1) for the ring), but the bandwidth term is log2(p) n/B, worse
    than the ring's 2(p-1)/p n/B for p >= 4; at p = 2 it beats the ring at
    every size. This is the textbook small-message algorithm, not NCCL's
    pipelined double binary tree (Sanders, Speck & Träff 2009), whose bandwidth
    term is close to the ring's. log2(p) is taken as a real number, exact for
    powers of two.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    return _out(_tree_allreduce(n, p, bw, alpha))


def tree_ring_crossover_bytes(p, bandwidth_gb_s, latency_us):
    """Message size at which ring and recursive-doubling all-reduce cost the same, bytes.

    Setting 2(p-1) alpha + 2(p-1)/p n/B = log2(p) (alpha + n/B) and solving:

        n* = alpha B (2(p-1) - log2 p) / (log2 p - 2(p-1)/p)

    Below n* the tree is faster, above it the ring. At p = 2 the denominator is
    zero and the tree is never slower, so n* = inf; with alpha = 0, n* = 0.
    """
    p = _count("p", p, 2)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    lg = np.log2(p)
    num = alpha * bw * (2.0 * (p - 1) - lg)
    den = lg - 2.0 * (p - 1) / p
    with np.errstate(divide="ignore", invalid="ignore"):
        n_star = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
    return _out(n_star)


def in_network_allreduce_s(n_bytes, p, bandwidth_gb_s, latency_us, latency_steps=2):
    """All-reduce reduced inside the switch (NVLink SHARP / InfiniBand SHARP), seconds.

    Assumption: each GPU sends its n bytes to the switch once and receives the
    reduced n bytes once; send and receive overlap (full duplex), so the
    bandwidth term is n/B, independent of p, against 2(p-1)/p n/B for the
    ring (up to a factor 2 saved: "moving work into the network"). The latency
    is ``latency_steps`` alpha (default 2: up to the switch and back down), also
    independent of p. Switch arithmetic is taken to run at line rate. ``p``
    only has to be valid (>= 2); the result does not depend on it.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    steps = _nonnegative("latency_steps", latency_steps)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    return _out(_in_network(n, bw, alpha, steps) + 0.0 * p)


def allgather_s(n_bytes, p, bandwidth_gb_s, latency_us):
    """Ring all-gather time, (p-1) alpha + (p-1)/p n/B, seconds.

    Convention (NCCL's): ``n_bytes`` is the full **output** size, i.e. p times
    each GPU's contribution. Thakur et al. 2005; NCCL-tests PERFORMANCE.md.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    return _out(_ring_half(n, p, bw, alpha))


def reduce_scatter_s(n_bytes, p, bandwidth_gb_s, latency_us):
    """Ring reduce-scatter time, (p-1) alpha + (p-1)/p n/B, seconds.

    Convention (NCCL's): ``n_bytes`` is the full **input** size on each GPU, i.e.
    p times each GPU's output shard. Thakur et al. 2005; NCCL-tests PERFORMANCE.md.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    bw, alpha = _link(bandwidth_gb_s, latency_us)
    return _out(_ring_half(n, p, bw, alpha))


# ---------------------------------------------------------------------------
# NCCL-tests bandwidths
# ---------------------------------------------------------------------------
# busbw = algbw * factor(p), from nccl-tests doc/PERFORMANCE.md ("Summary")
_BUSBW_FACTORS = {
    "allreduce": lambda p: 2.0 * (p - 1) / p,
    "allreduceinnetwork": lambda p: (p - 1) / (p + 1),
    "reducescatter": lambda p: (p - 1) / p,
    "allgather": lambda p: (p - 1) / p,
    "alltoall": lambda p: (p - 1) / p,
    "broadcast": lambda p: np.ones_like(p),
    "reduce": lambda p: np.ones_like(p),
}
COLLECTIVES = ("allreduce", "allreduce_in_network", "reducescatter", "allgather", "alltoall", "broadcast", "reduce")


def _collective_key(collective: str) -> str:
    key = str(collective).lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in _BUSBW_FACTORS:
        raise ParameterError("collective", collective, f"one of {', '.join(COLLECTIVES)}")
    return key


def algbw_gb_s(n_bytes, time_s):
    """NCCL-tests algorithm bandwidth S / t in GB/s (GB = 1e9 bytes)."""
    return _out(_nonnegative("n_bytes", n_bytes) / _positive("time_s", time_s) / BYTES_PER_GB)


def busbw_factor(collective: str, p):
    """NCCL-tests correction factor busbw / algbw for ``collective`` over ``p`` ranks.

    AllReduce 2(p-1)/p; AllReduce with in-network reduction (p-1)/(p+1) (as
    listed in PERFORMANCE.md); ReduceScatter, AllGather, AlltoAll (p-1)/p;
    Broadcast, Reduce 1. Names are case-insensitive, underscores and dashes
    ignored (``"all_reduce"`` == ``"AllReduce"``). Raises ``ParameterError`` for
    an unknown name.
    """
    key = _collective_key(collective)
    return _out(_BUSBW_FACTORS[key](_count("p", p, 2)))


def busbw_gb_s(collective: str, n_bytes, time_s, p):
    """NCCL-tests bus bandwidth algbw * factor(p), GB/s.

    For the ring models here, busbw equals the link bandwidth B when alpha = 0
    (that is what the factor is built to do): it is comparable with the hardware
    peak whatever p is.
    """
    return _out(np.asarray(busbw_factor(collective, p)) * algbw_gb_s(n_bytes, time_s))


# ---------------------------------------------------------------------------
# two-level (hierarchical) all-reduce
# ---------------------------------------------------------------------------
def _check_domain(domain_size, p) -> np.ndarray:
    d = _arr("scaleup_domain_size", domain_size)
    if np.any(d < 1) or np.any(d != np.floor(d)) or np.any(d > p) or np.any(np.mod(p, d) != 0):
        raise ParameterError(
            "scaleup_domain_size", domain_size, f"an integer >= 1 that divides p = {p.tolist()!r} (and is <= p)",
            hint="argument domain_size",
        )
    return d


def _hierarchical(n, p, d, bw_up, a_up, bw_out, a_out):
    q = p / d  # number of domains
    inner = _ring_half(n, d, bw_up, a_up)  # reduce-scatter of n in the domain: each GPU keeps n/d
    outer = _ring_allreduce(n / d, q, bw_out, a_out)  # ring over the q domains, n/d per GPU
    return inner + outer + inner  # + all-gather of n in the domain


def hierarchical_allreduce_s(
    n_bytes,
    p,
    domain_size,
    scaleup_bandwidth_gb_s,
    scaleup_latency_us,
    scaleout_bandwidth_gb_s,
    scaleout_latency_us,
):
    """Two-level all-reduce over ``p`` GPUs in NVLink domains of ``domain_size``, seconds.

    1. ring reduce-scatter of n inside each domain (scale-up link):
       (d-1) alpha_up + (d-1)/d n/B_up; each GPU now holds n/d reduced over its domain;
    2. ring all-reduce of those n/d bytes among the q = p/d GPUs with the same
       shard index, one per domain, over the scale-out network (d such rings run
       in parallel, each GPU using its own NIC at B_out):
       2(q-1) alpha_out + 2(q-1)/q (n/d)/B_out;
    3. ring all-gather of n inside each domain, same cost as step 1.

    The scale-out term shrinks as 1/d, which is why bigger NVLink domains
    (NVL72) matter. With one domain (d = p) step 2 vanishes and the result
    equals :func:`ring_allreduce_s` on the scale-up link exactly; with d = 1 it
    is the flat ring on the scale-out network.

    Raises ``ParameterError`` naming ``scaleup_domain_size`` if ``domain_size``
    is not a positive integer that divides ``p`` and is at most ``p``.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    d = _check_domain(domain_size, p)
    bw_up, a_up = _link(scaleup_bandwidth_gb_s, scaleup_latency_us, "scaleup_bandwidth_gb_s", "scaleup_latency_us")
    bw_out, a_out = _link(
        scaleout_bandwidth_gb_s, scaleout_latency_us, "scaleout_bandwidth_gb_s", "scaleout_latency_us"
    )
    return _out(_hierarchical(n, p, d, bw_up, a_up, bw_out, a_out))


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
):
    """Gradient all-reduce of params * bytes_per_param bytes over n_gpus, seconds.

    The job fills NVLink domains of ``domain_size`` GPUs: with n_gpus <= domain_size
    it is a flat ring on the scale-up link; otherwise n_gpus must be a multiple
    of domain_size (``ParameterError`` naming ``n_gpus``) and the cost is
    :func:`hierarchical_allreduce_s`. One GPU communicates nothing (0 s).
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
    return _out(_hierarchical(n, g, d, bw_up, a_up, bw_out, a_out))


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
) -> DataParallelStep:
    """Step time and scaling efficiency of data-parallel training (strong scaling).

    step = compute + max(0, comm - overlap_fraction * compute), with compute from
    :func:`dp_compute_time_s` and comm from :func:`dp_gradient_allreduce_s`;
    efficiency = compute / step in (0, 1]. Optimizer time, pipeline bubbles and
    ZeRO/FSDP sharding are not modelled.
    """
    compute = dp_compute_time_s(params, tokens_per_step, n_gpus, peak_flops, mfu)
    comm = dp_gradient_allreduce_s(
        params, bytes_per_param, n_gpus, domain_size,
        scaleup_bandwidth_gb_s, scaleup_latency_us, scaleout_bandwidth_gb_s, scaleout_latency_us,
    )
    exposed = dp_exposed_comm_s(comm, compute, overlap_fraction)
    step = np.asarray(compute) + np.asarray(exposed)
    return DataParallelStep(
        compute_s=compute, comm_s=comm, exposed_comm_s=exposed, step_s=_out(step),
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
        "in_network": _in_network(n, bw, alpha, 2.0),
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


# ---------------------------------------------------------------------------
# Vega expressions: the same formulas, for charts evaluated in the browser
# ---------------------------------------------------------------------------
_IDENT = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


def _term(name: str, value) -> str:
    """A Vega identifier (a param name or ``datum.field``) or a non-negative number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (math.isfinite(value) and value >= 0):
            raise ParameterError(name, value, "a finite number >= 0 or a Vega identifier")
        return f"({value!r})"
    if isinstance(value, str) and _IDENT.match(value):
        return value
    raise ParameterError(name, value, "a Vega identifier (param name or datum.field) or a number")


def ring_allreduce_ms_vega_expr(msg_bytes="msg_bytes", p="p", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`ring_allreduce_s` in **milliseconds**.

    Arguments are the names of Vega params or fields (e.g. ``"datum.msg_bytes"``)
    holding bytes, rank count, per-direction GB/s and microseconds, or numbers.
    Uses only + - * / and parentheses:

        2*(p-1)*lat_us/1000 + 2*(p-1)/p*msg_bytes/(bw_gb_s*1e6)
    """
    n, q, b, a = _term("msg_bytes", msg_bytes), _term("p", p), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"2*({q}-1)*{a}/1000 + 2*({q}-1)/{q}*{n}/({b}*1e6)"


def tree_allreduce_ms_vega_expr(msg_bytes="msg_bytes", p="p", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`tree_allreduce_s` in milliseconds.

    log2(p) is written log(p)/log(2) (Vega's ``log`` is the natural logarithm):

        log(p)/log(2)*(lat_us/1000 + msg_bytes/(bw_gb_s*1e6))
    """
    n, q, b, a = _term("msg_bytes", msg_bytes), _term("p", p), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"log({q})/log(2)*({a}/1000 + {n}/({b}*1e6))"


def in_network_allreduce_ms_vega_expr(msg_bytes="msg_bytes", bw_gb_s="bw_gb_s", lat_us="lat_us") -> str:
    """Vega expression text for :func:`in_network_allreduce_s` (2 latency steps) in ms:

        2*lat_us/1000 + msg_bytes/(bw_gb_s*1e6)
    """
    n, b, a = _term("msg_bytes", msg_bytes), _term("bw_gb_s", bw_gb_s), _term("lat_us", lat_us)
    return f"2*{a}/1000 + {n}/({b}*1e6)"


# Vega expression functions and constants we map (https://vega.github.io/vega/docs/expressions/)
_VEGA_FUNCS = {
    "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "pow": np.power, "abs": np.abs,
    "ceil": np.ceil, "floor": np.floor, "round": lambda x: np.floor(np.asarray(x) + 0.5),  # JS Math.round
    "min": lambda *a: functools.reduce(np.minimum, a), "max": lambda *a: functools.reduce(np.maximum, a),
    "LN2": math.log(2.0), "LN10": math.log(10.0), "E": math.e, "PI": math.pi,
}
_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|(?P<op>[-+*/(),]))"
)


def eval_vega_expr(expr: str, values: Mapping[str, object]):
    """Evaluate a small Vega expression in Python, for tests against the Python model.

    Accepts numbers, names, + - * /, parentheses, commas and the functions
    ``log exp sqrt pow abs ceil floor round min max`` (constants ``LN2 LN10 E
    PI``), with Vega's meanings. ``values`` maps each other name (``"p"``,
    ``"datum.msg_bytes"``) to a number or array; arrays broadcast. Anything else
    (``**``, ``%``, ``?:``, strings, unknown names) raises ``ValueError``: the
    text is rebuilt token by token and evaluated with no builtins.
    """
    pos, out, ns = 0, [], {}
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"unsupported Vega expression text at {pos}: {expr[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("num"):
            out.append(m.group("num"))
        elif m.group("op"):
            out.append(m.group("op"))
        else:
            name = m.group("name")
            if name in values:
                val = np.asarray(values[name], dtype=float)
            elif name in _VEGA_FUNCS:
                val = _VEGA_FUNCS[name]
            else:
                raise ValueError(f"unknown name {name!r} in Vega expression")
            alias = f"_v{len(ns)}"
            ns[alias] = val
            out.append(alias)
    # tokens joined by spaces: "* *" and "/ /" are then syntax errors, not ** or //
    src = " ".join(out)
    try:
        code = compile(src, "<vega-expr>", "eval")
    except SyntaxError as exc:
        raise ValueError(f"not a valid expression: {expr!r}") from exc
    with np.errstate(divide="ignore", invalid="ignore"):
        result = eval(code, {"__builtins__": {}}, ns)  # noqa: S307 - tokens whitelisted above
    return _out(result)
