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
* two-level all-reduce with in-network reduction across domains (InfiniBand SHARP,
  Graham et al., COMHPC 2016): step 2 becomes 2 alpha_out + (n/d)/B_out.

Data-parallel and tensor-parallel step models built on these live in
:mod:`scalinglab.models.parallelism`; the Vega expression texts of the in-page explorer
in :mod:`scalinglab.models.vega_expr`.

Sizes are not rounded to whole packets or chunks, protocol overheads (NCCL's
LL/LL128/Simple) are ignored, and log2(p) is used as a real number (exact at the
powers of two the book uses).
"""

from __future__ import annotations

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
    """Float for a 0-d result, the array otherwise."""
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
            "scaleup_domain_size",
            domain_size,
            f"an integer >= 1 that divides p = {p.tolist()!r} (and is <= p)",
            hint="argument domain_size",
        )
    return d


#: Latency steps of an in-network (switch) reduction: up to the switch tree and back down.
IN_NETWORK_LATENCY_STEPS = 2.0


def _hierarchical(n, p, d, bw_up, a_up, bw_out, a_out, in_network=False):
    q = p / d  # number of domains
    inner = _ring_half(n, d, bw_up, a_up)  # reduce-scatter of n in the domain: each GPU keeps n/d
    if in_network:  # the switches reduce the n/d shards of the q domains (SHARP); nothing to do for q = 1
        outer = np.where(q > 1, _in_network(n / d, bw_out, a_out, IN_NETWORK_LATENCY_STEPS), 0.0)
    else:
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


def hierarchical_in_network_allreduce_s(
    n_bytes,
    p,
    domain_size,
    scaleup_bandwidth_gb_s,
    scaleup_latency_us,
    scaleout_bandwidth_gb_s,
    scaleout_latency_us,
):
    """Two-level all-reduce with the scale-out step reduced in the switches (InfiniBand SHARP), seconds.

    Steps 1 and 3 as in :func:`hierarchical_allreduce_s` (ring reduce-scatter and all-gather of n in
    each NVLink domain). Step 2, the all-reduce of each GPU's n/d shard across the q = p/d domains,
    is done by the scale-out switches: each GPU sends its shard up once and receives the reduced
    shard once, 2 alpha_out + (n/d)/B_out, independent of q (Graham et al., "Scalable Hierarchical
    Aggregation Protocol (SHArP)", COMHPC 2016; the same assumption as
    :func:`in_network_allreduce_s`). With one domain (q = 1) step 2 is skipped and the result
    equals the ring on the scale-up link.

    Raises
    ------
    ParameterError
        As :func:`hierarchical_allreduce_s`.
    """
    n = _nonnegative("n_bytes", n_bytes)
    p = _count("p", p, 2)
    d = _check_domain(domain_size, p)
    bw_up, a_up = _link(scaleup_bandwidth_gb_s, scaleup_latency_us, "scaleup_bandwidth_gb_s", "scaleup_latency_us")
    bw_out, a_out = _link(
        scaleout_bandwidth_gb_s, scaleout_latency_us, "scaleout_bandwidth_gb_s", "scaleout_latency_us"
    )
    return _out(_hierarchical(n, p, d, bw_up, a_up, bw_out, a_out, in_network=True))
