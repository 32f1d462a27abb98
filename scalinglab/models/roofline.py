"""Roofline of LLM decode: throughput per GPU and cost per million generated tokens.

Pure and vectorised: every function takes floats or numpy arrays (broadcast together) and
returns the same shape. Units are in the names: ``hbm_bandwidth_tb_s`` in TB/s (1e12 bytes/s,
as datasheets print), ``*_params_billion`` in 1e9 parameters, ``dense_tflops`` a dense (not
2:4-sparse) peak in 1e12 FLOP/s, ``kv_bytes_per_token`` in bytes, utilisations as fractions.

One decode step emits one token for each of the ``batch_size`` sequences. It reads

* the dense (shared) weights once for the whole batch;
* for a mixture-of-experts (MoE) model, every expert that at least one sequence of the batch
  routes to: with E experts and k per token routed independently and uniformly, the expected
  number of distinct experts is E (1 - (1 - k/E)^B) (:func:`distinct_experts`), close to E at
  batch 64 for most MoE models;
* the KV cache of every sequence: ``context_tokens`` x ``kv_bytes_per_token`` each.

It computes 2 FLOPs per *active* parameter per token (Kaplan et al. 2020, sec. 2.1); attention
FLOPs over the context are not counted. The bandwidth bound follows Pope et al. (2022, sec. 2)::

    tokens/s per GPU = min(B W u / (weight bytes read + B * KV bytes per sequence), F u_c / (2 N_active))
    USD per Mtok     = USD per GPU-hour / (3600 tokens/s) * 1e6

Bad arguments raise :class:`~scalinglab.errors.ParameterError` naming the argument.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ParameterError

#: Assumed model FLOP utilisation (MFU) of decode when it is compute-bound; a documented
#: assumption of the roofline, not a measurement. Decode at batch sizes that reach the compute
#: bound runs large matrix products, for which 0.4-0.6 of the dense peak is typical.
COMPUTE_UTILIZATION: float = 0.5

#: Seconds per hour and tokens per million, for the cost formula.
SECONDS_PER_HOUR: float = 3600.0
TOKENS_PER_MTOK: float = 1e6


def _positive(value, name: str) -> np.ndarray:
    """``value`` as a float array; ParameterError unless every element is finite and > 0."""
    if isinstance(value, bool):
        raise ParameterError(name, value, "a positive finite number")
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a positive finite number") from None
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError(name, value, "a positive finite number")
    return a


def _non_negative(value, name: str) -> np.ndarray:
    a = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ParameterError(name, value, "a finite number >= 0")
    return a


def _fraction(value, name: str) -> np.ndarray:
    a = _positive(value, name)
    if np.any(a > 1.0):
        raise ParameterError(name, value, "a fraction in (0, 1]")
    return a


def _out(a: np.ndarray):
    return float(a) if a.ndim == 0 else a


def distinct_experts(n_experts, experts_per_token, batch_size):
    """Expected number of distinct experts a decode step of ``batch_size`` sequences reads.

    E (1 - (1 - k/E)^B), with routing independent and uniform across experts (a real router is
    less uniform, so this is an upper bound on the mean). Dense model: E = k = 1 gives 1.
    Example: DeepSeek-V3 (E = 256, k = 8) at B = 64 reads 222.4 experts; GPT-4 as estimated by
    the press (E = 16, k = 2) reads 16.0.

    Parameters
    ----------
    n_experts, experts_per_token, batch_size
        E, k and B (floats or arrays, broadcast); 1 <= k <= E.

    Returns
    -------
    float or numpy.ndarray
        Expected distinct experts per step, between k and E.

    Raises
    ------
    ParameterError
        For a non-positive argument or k > E.
    """
    e = _positive(n_experts, "n_experts")
    k = _positive(experts_per_token, "experts_per_token")
    b = _positive(batch_size, "batch_size")
    if np.any(k > e):
        raise ParameterError("experts_per_token", experts_per_token, f"at most n_experts ({n_experts})")
    return _out(e * (1.0 - (1.0 - k / e) ** b))


def weight_params_read_billion(active_params_billion, total_params_billion, n_experts, experts_per_token, batch_size):
    """Billions of weight parameters one decode step reads, for a dense or MoE model.

    The model has ``total_params_billion`` parameters, ``active_params_billion`` of them used per
    token: shared S plus k experts of e each, with S + E e = total and S + k e = active, so
    e = (total - active) / (E - k). A step reads S + distinct_experts(E, k, B) e. A dense model
    (E = 1, or total = active) reads its active parameters.

    Raises
    ------
    ParameterError
        For a non-positive size, total below active, k > E, or an MoE (E > k) with total = active.
    """
    act = _positive(active_params_billion, "active_params_billion")
    tot = _positive(total_params_billion, "total_params_billion")
    e = _positive(n_experts, "n_experts")
    k = _positive(experts_per_token, "experts_per_token")
    if np.any(tot < act * (1 - 1e-12)):
        raise ParameterError(
            "total_params_billion", total_params_billion, f"at least active_params_billion ({active_params_billion})"
        )
    if np.any(k > e):
        raise ParameterError("experts_per_token", experts_per_token, f"at most n_experts ({n_experts})")
    moe = e > k
    with np.errstate(divide="ignore", invalid="ignore"):
        per_expert = np.where(moe, (tot - act) / np.where(moe, e - k, 1.0), 0.0)
    shared = act - k * per_expert
    touched = np.asarray(distinct_experts(e, k, batch_size))
    return _out(np.where(moe, shared + touched * per_expert, act))


@dataclass(frozen=True)
class DecodeThroughput:
    """Both roofline bounds on decode tokens/s per GPU (floats or arrays of one shape).

    ``memory_bound_tokens_per_s`` and ``compute_bound_tokens_per_s``; ``tokens_per_s`` is their
    minimum and ``bound`` says which binds (``"memory"`` or ``"compute"``, for scalars).
    ``weight_bytes_per_step`` and ``kv_bytes_per_step`` are the HBM bytes one step reads.
    """

    memory_bound_tokens_per_s: float
    compute_bound_tokens_per_s: float
    weight_bytes_per_step: float
    kv_bytes_per_step: float

    @property
    def tokens_per_s(self):
        return np.minimum(self.memory_bound_tokens_per_s, self.compute_bound_tokens_per_s)

    @property
    def bound(self):
        mem = np.asarray(self.memory_bound_tokens_per_s) <= np.asarray(self.compute_bound_tokens_per_s)
        labels = np.where(mem, "memory", "compute")
        return str(labels) if labels.ndim == 0 else labels


def decode_throughput(
    hbm_bandwidth_tb_s,
    active_params_billion,
    bytes_per_param,
    batch_size,
    bandwidth_utilization,
    dense_tflops,
    compute_utilization=COMPUTE_UTILIZATION,
    context_tokens=0.0,
    kv_bytes_per_token=0.0,
    total_params_billion=None,
    n_experts=1,
    experts_per_token=1,
) -> DecodeThroughput:
    """Memory and compute bounds on decode throughput per GPU (see the module docstring).

    Parameters
    ----------
    hbm_bandwidth_tb_s
        Peak HBM bandwidth (TB/s).
    active_params_billion
        Parameters used per token (billions); FLOPs are 2 per active parameter.
    bytes_per_param
        Bytes per stored weight (2 BF16, 1 FP8, 0.5 FP4).
    batch_size
        Sequences decoded together per GPU.
    bandwidth_utilization, compute_utilization
        Fractions of the peaks reached, in (0, 1].
    dense_tflops
        Dense peak at the format the arithmetic runs in (TFLOP/s).
    context_tokens, kv_bytes_per_token
        Mean tokens held in each sequence's KV cache, and KV-cache bytes per token (all layers,
        K and V); either 0 ignores KV-cache reads.
    total_params_billion, n_experts, experts_per_token
        The MoE shape (see :func:`weight_params_read_billion`); None total means dense.

    Returns
    -------
    DecodeThroughput

    Raises
    ------
    ParameterError
        Naming any non-positive size, bandwidth or FLOP rate, a utilisation outside (0, 1] or a
        negative context or KV size.
    """
    bw = _positive(hbm_bandwidth_tb_s, "hbm_bandwidth_tb_s") * 1e12
    act = _positive(active_params_billion, "active_params_billion")
    bpp = _positive(bytes_per_param, "bytes_per_param")
    b = _positive(batch_size, "batch_size")
    bw_u = _fraction(bandwidth_utilization, "bandwidth_utilization")
    flops = _positive(dense_tflops, "dense_tflops") * 1e12
    c_u = _fraction(compute_utilization, "compute_utilization")
    ctx = _non_negative(context_tokens, "context_tokens")
    kvb = _non_negative(kv_bytes_per_token, "kv_bytes_per_token")
    tot = act if total_params_billion is None else total_params_billion
    weights = np.asarray(weight_params_read_billion(act, tot, n_experts, experts_per_token, b)) * 1e9 * bpp
    kv = b * ctx * kvb
    memory = b * bw * bw_u / (weights + kv)
    compute = flops * c_u / (2.0 * act * 1e9) * np.ones_like(memory)
    return DecodeThroughput(
        _out(memory), _out(compute), _out(weights * np.ones_like(memory)), _out(kv * np.ones_like(memory))
    )


def crossover_batch(
    hbm_bandwidth_tb_s,
    active_params_billion,
    bytes_per_param,
    bandwidth_utilization,
    dense_tflops,
    compute_utilization=COMPUTE_UTILIZATION,
):
    """Batch at which a dense model's decode turns compute-bound, KV-cache reads ignored.

    B* = F u_c b / (2 W u): the model size cancels. H100 in FP8 (1978.9 TFLOP/s, 3.35 TB/s) at
    u = 0.6, u_c = 0.5 and 1 byte per weight: 246.1 sequences.
    """
    bw = _positive(hbm_bandwidth_tb_s, "hbm_bandwidth_tb_s")
    _positive(active_params_billion, "active_params_billion")
    bpp = _positive(bytes_per_param, "bytes_per_param")
    u = _fraction(bandwidth_utilization, "bandwidth_utilization")
    f = _positive(dense_tflops, "dense_tflops")
    uc = _fraction(compute_utilization, "compute_utilization")
    return _out(f * uc * bpp / (2.0 * bw * u))


def usd_per_mtok(gpu_hour_usd, tokens_per_s_per_gpu):
    """USD per million tokens = gpu_hour_usd / (tokens_per_s_per_gpu x 3600) x 1e6.

    Raises
    ------
    ParameterError
        Naming a non-positive argument.
    """
    price = _positive(gpu_hour_usd, "gpu_hour_usd")
    rate = _positive(tokens_per_s_per_gpu, "tokens_per_s_per_gpu")
    return _out(price / (rate * SECONDS_PER_HOUR) * TOKENS_PER_MTOK)
