"""What the network costs, in the chapter *Interconnect scaling*: collectives at the chosen size,
data-parallel training over NVLink domains and InfiniBand generations (with and without SHARP
in-network reduction across domains), and tensor-parallel decoding.

Every function takes ``params``, the chapter's validated parameters
(:class:`scalinglab.book.schemas.interconnect_scaling.InterconnectScalingParams` or any object with
the same attributes), and returns a frozen result whose scalar fields are the chapter's glue keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from scalinglab import data
from scalinglab.data import catalog as cat
from scalinglab.errors import ParameterError
from scalinglab.models import collectives as C
from scalinglab.models import parallelism as P

#: NVLink domain sizes compared in the data-parallel section: HGX (8), NVL72, NVL576 (roadmap).
DOMAIN_SIZES = (8, 72, 576)
ROADMAP_DOMAINS = (576,)
#: Largest GPU count drawn on the data-parallel curves (also capped at one sequence per GPU).
MAX_CURVE_GPUS = 32768
#: InfiniBand generations compared (shipped, first products from this year on).
IB_MIN_YEAR = 2014
#: Ratio of Llama 3's hidden size to its layer count, used by :func:`transformer_shape`.
LLAMA3_ASPECT = 128.0

MODEL = "alpha-beta (Hockney) model, scalinglab.models.collectives"
_BINARY_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")


def binary_size_text(n_bytes: float) -> str:
    """A byte count in binary units with up to four significant digits: 2**30 -> ``"1 GiB"``, 3 * 2**27 -> ``"384 MiB"``."""
    n = float(n_bytes)
    k = 0
    while k < len(_BINARY_UNITS) - 1 and n >= 1024.0:
        n /= 1024.0
        k += 1
    return f"{n:.4g} {_BINARY_UNITS[k]}"


def transformer_shape(params: float, aspect: float = LLAMA3_ASPECT) -> tuple[int, int]:
    """(layers, hidden size) of a dense decoder with about ``params`` parameters.

    Uses N = 12 L h^2 (attention 4 h^2 + MLP 8 h^2 per layer; Kaplan et al. 2020, sec. 2.1) with
    h = ``aspect`` L, the ratio of Llama 3 (8B: 32 x 4096; 405B: 126 x 16384); h is rounded to a
    multiple of 128. 8e9 gives (34, 4352).

    Raises
    ------
    ParameterError
        If ``params`` is not a positive finite number.
    """
    n = float(params)
    if not (math.isfinite(n) and n > 0):
        raise ParameterError("params", params, "a positive number")
    layers = max(1, round((n / (12.0 * aspect**2)) ** (1.0 / 3.0)))
    hidden = max(128, 128 * round(aspect * layers / 128))
    return int(layers), int(hidden)


def gpu_counts(domain: int, max_gpus: int) -> np.ndarray:
    """GPU counts of a scaling curve on domains of ``domain`` GPUs, sorted.

    Powers of two from 2 below the domain (one partly used domain: a flat ring on NVLink), then
    ``domain`` x 2^k up to ``max_gpus``. Every count is valid for
    :func:`scalinglab.models.parallelism.dp_gradient_allreduce_s`.
    """
    below = [2**k for k in range(1, 40) if 2**k < domain and 2**k <= max_gpus]
    above = [domain * 2**k for k in range(0, 40) if domain * 2**k <= max_gpus]
    return np.array(sorted(set(below + above)), dtype=float)


def job_gpus(n_gpus: int, domain: int, max_gpus: int | None = None) -> int:
    """GPU count of a job of about ``n_gpus`` GPUs on domains of ``domain`` GPUs.

    ``n_gpus`` itself when it fits in one domain or fills whole domains; otherwise the nearest
    whole number of domains (at least one), and never more domains than fit in ``max_gpus``
    (the most GPUs that still get one sequence each).
    """
    if n_gpus <= domain or n_gpus % domain == 0:
        return int(n_gpus)
    k = max(1, round(n_gpus / domain))
    if max_gpus is not None and domain * k > max_gpus:
        k = max(1, max_gpus // domain)
    return int(domain * k)


def _links(p: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    return (p.link_bandwidth_gb_s, p.latency_us), (p.scaleout_bandwidth_gb_s, p.scaleout_latency_us)


def _gpu(p: Any) -> tuple[float, float]:
    """(dense 16-bit FLOP/s, HBM GB/s) of the chosen GPU."""
    from scalinglab.analyses.interconnect_growth import DENSE_16BIT, GPU_COLUMNS

    s = cat.gpu_row(data.load_gpu_specs(), p.gpu, *GPU_COLUMNS)
    return cat.tflops_to_flop_s(s[DENSE_16BIT]), cat.tb_s_to_gb_s(s["hbm_tb_per_s"])


# ---------------------------------------------------------------------------
# collectives at the chosen message size and GPU count
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CollectivesResult:
    """All-reduce and friends for ``message_size_bytes`` over ``n_gpus`` (ms; GB/s per direction).

    ``table``: ``model``, ``time_ms``, ``algbw_gb_s``, ``busbw_gb_s`` (null where NCCL's factor does
    not describe the model); ``curves``: ``algorithm``, ``bytes``, ``time_ms``; ``bandwidths``:
    ``curve``, ``bytes``, ``gb_s``; ``marks``: the crossover and the message size for rules.
    ``in_network_allreduce_ms`` is an idealised bound (every GPU on one switch at NVLink speed);
    ``hierarchical_sharp_allreduce_ms`` is SHARP where it exists, across the scale-out network.
    """

    table: pl.DataFrame
    curves: pl.DataFrame
    bandwidths: pl.DataFrame
    marks: pl.DataFrame
    n_gpus: int
    scaleup_domain_size: int
    message_size_mb: float
    message_size_gib: float
    message_size_text: str
    ring_allreduce_ms: float
    tree_allreduce_ms: float
    in_network_allreduce_ms: float
    hierarchical_allreduce_ms: float
    hierarchical_sharp_allreduce_ms: float
    sharp_speedup_x: float
    flat_scaleout_ring_ms: float
    ring_latency_share_pct: float
    tree_ring_crossover_bytes: float
    tree_ring_crossover_mb: float
    ring_busbw_gb_s: float
    ring_algbw_gb_s: float
    faster_flat_algorithm: str


def collectives(p: Any) -> CollectivesResult:
    """Cost of every collective of the chapter at the chosen size, and curves against message size."""
    n, g, dom = p.message_size_bytes, p.n_gpus, p.scaleup_domain_size
    up, out = _links(p)
    rows = [  # (label, seconds, NCCL-tests collective for busbw or None)
        ("all-reduce, ring, flat over scale-up links", C.ring_allreduce_s(n, g, *up), "allreduce"),
        ("all-reduce, recursive doubling, flat over scale-up links", C.tree_allreduce_s(n, g, *up), "allreduce"),
        ("all-reduce, in-network at scale-up speed (idealised bound)", C.in_network_allreduce_s(n, g, *up), None),
        (
            f"all-reduce, two-level: domains of {dom}, ring across",
            C.hierarchical_allreduce_s(n, g, dom, *up, *out),
            "allreduce",
        ),
        (
            f"all-reduce, two-level: domains of {dom}, SHARP across",
            C.hierarchical_in_network_allreduce_s(n, g, dom, *up, *out),
            "allreduce",
        ),
        ("all-reduce, ring, flat over the scale-out network", C.ring_allreduce_s(n, g, *out), "allreduce"),
        ("reduce-scatter, ring over scale-up links", C.reduce_scatter_s(n, g, *up), "reducescatter"),
        ("all-gather, ring over scale-up links", C.allgather_s(n, g, *up), "allgather"),
    ]
    table = pl.DataFrame(
        [
            {
                "model": k,
                "time_ms": t * 1e3,
                "algbw_gb_s": C.algbw_gb_s(n, t),
                "busbw_gb_s": None if c is None else C.busbw_gb_s(c, n, t, g),
            }
            for k, t, c in rows
        ],
        schema={"model": pl.String, "time_ms": pl.Float64, "algbw_gb_s": pl.Float64, "busbw_gb_s": pl.Float64},
    )
    ring, tree, innet, hier, sharp, flat_out = (rows[i][1] for i in range(6))
    sizes = np.logspace(3, 11, 161)
    curve_fns = {
        "Ring (scale-up)": C.ring_allreduce_s(sizes, g, *up),
        "Recursive doubling (scale-up)": C.tree_allreduce_s(sizes, g, *up),
        "In-network at scale-up speed (bound)": C.in_network_allreduce_s(sizes, g, *up),
        f"Two-level, domains of {dom}, ring across": C.hierarchical_allreduce_s(sizes, g, dom, *up, *out),
        f"Two-level, domains of {dom}, SHARP across": C.hierarchical_in_network_allreduce_s(sizes, g, dom, *up, *out),
        "Ring (scale-out only)": C.ring_allreduce_s(sizes, g, *out),
    }
    curves = pl.concat(
        [pl.DataFrame({"algorithm": k, "bytes": sizes, "time_ms": v * 1e3}) for k, v in curve_fns.items()]
    )
    bw_rows = []
    for q in sorted({8, g}):
        r = C.ring_allreduce_s(sizes, q, *up)
        bw_rows += [
            pl.DataFrame(
                {
                    "curve": f"ring, {q:,} GPUs: bus bandwidth",
                    "bytes": sizes,
                    "gb_s": C.busbw_gb_s("allreduce", sizes, r, q),
                }
            ),
            pl.DataFrame(
                {"curve": f"ring, {q:,} GPUs: algorithm bandwidth", "bytes": sizes, "gb_s": C.algbw_gb_s(sizes, r)}
            ),
        ]
    bw_rows.append(
        pl.DataFrame(
            {
                "curve": "in-network bound: algorithm bandwidth",
                "bytes": sizes,
                "gb_s": C.algbw_gb_s(sizes, C.in_network_allreduce_s(sizes, g, *up)),
            }
        )
    )
    crossover = C.tree_ring_crossover_bytes(g, *up)
    marks = pl.DataFrame(
        {"bytes": [crossover, float(n)], "what": ["tree-ring crossover", "message_size_bytes"]}
    ).filter(pl.col("bytes").is_finite() & (pl.col("bytes") > sizes[0]) & (pl.col("bytes") < sizes[-1]))
    return CollectivesResult(
        table=table,
        curves=curves,
        bandwidths=pl.concat(bw_rows),
        marks=marks,
        n_gpus=g,
        scaleup_domain_size=dom,
        message_size_mb=n / 1e6,
        message_size_gib=cat.bytes_to_gib(n),
        message_size_text=binary_size_text(n),
        ring_allreduce_ms=ring * 1e3,
        tree_allreduce_ms=tree * 1e3,
        in_network_allreduce_ms=innet * 1e3,
        hierarchical_allreduce_ms=hier * 1e3,
        hierarchical_sharp_allreduce_ms=sharp * 1e3,
        sharp_speedup_x=hier / sharp if sharp > 0 else 1.0,
        flat_scaleout_ring_ms=flat_out * 1e3,
        ring_latency_share_pct=100 * C.ring_allreduce_s(0, g, *up) / ring if ring > 0 else 0.0,
        tree_ring_crossover_bytes=crossover,
        tree_ring_crossover_mb=crossover / 1e6,
        ring_busbw_gb_s=C.busbw_gb_s("allreduce", n, ring, g),
        ring_algbw_gb_s=C.algbw_gb_s(n, ring),
        faster_flat_algorithm="recursive doubling" if tree < ring else "the ring",
    )


# ---------------------------------------------------------------------------
# data-parallel training
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DataParallelResult:
    """Data-parallel scaling efficiency (compute time / step time) of the chapter's job.

    ``curves``: ``system``, ``scaleout`` ("ring" or "SHARP"), ``gpus``, ``efficiency``,
    ``compute_ms``, ``allreduce_ms``, ``step_ms`` for domains of 8, 72 and 576; ``ib_curves``
    the same for each InfiniBand generation at ``scaleup_domain_size``; ``jobs`` one row per
    domain size at the job's GPU count. ``ib_glue`` maps ``scaling_efficiency_<generation>`` to
    its value (glue it too). ``max_dp_gpus`` is the most GPUs that still get one sequence each.
    """

    curves: pl.DataFrame
    ib_curves: pl.DataFrame
    jobs: pl.DataFrame
    ib_glue: Mapping[str, float]
    model_params_billion: float
    sequence_length: int
    global_batch_sequences: float
    tokens_per_gpu: float
    sequences_per_gpu: float
    max_dp_gpus: int
    dp_compute_ms: float
    scaling_efficiency_nvl8: float
    scaling_efficiency_nvl72: float
    scaling_efficiency_nvl576: float
    scaling_efficiency_nvl8_sharp: float
    scaling_efficiency_nvl72_sharp: float
    scaling_efficiency_nvl576_sharp: float
    nvl8_job_gpus: int
    nvl72_job_gpus: int
    nvl576_job_gpus: int
    nvl8_allreduce_ms: float
    nvl72_allreduce_ms: float
    nvl576_allreduce_ms: float
    nvl8_sharp_allreduce_ms: float
    scaling_efficiency_param_domain: float
    scaling_efficiency_param_domain_sharp: float
    ib_first_gen: str
    ib_last_gen: str
    ib_first_eff: float
    ib_last_eff: float
    ib_port_ratio_x: float
    dp_network_word: str


#: Efficiency at or above which the chapter says the network is "almost entirely hidden".
HIDDEN_EFFICIENCY = 0.9


def network_word(efficiency: float, threshold: float = HIDDEN_EFFICIENCY) -> str:
    """``"almost entirely hidden"`` at efficiency >= ``threshold``, else ``"a real cost"``."""
    return "almost entirely hidden" if efficiency >= threshold else "a real cost"


def _step(p: Any, gpus, domain, scaleout_gb_s, in_network: bool) -> P.DataParallelStep:
    peak, _ = _gpu(p)
    up, out = _links(p)
    return P.data_parallel_step(
        p.model_params_billion * 1e9,
        p.bytes_per_param,
        p.tokens_per_step,
        gpus,
        peak,
        p.mfu,
        p.overlap_fraction,
        domain,
        *up,
        scaleout_gb_s,
        out[1],
        scaleout_in_network=in_network,
    )


def _curve(p: Any, domain: int, scaleout_gb_s: float, label: str, in_network: bool, max_gpus: int) -> pl.DataFrame:
    g = gpu_counts(domain, max_gpus)
    s = _step(p, g, domain, scaleout_gb_s, in_network)
    return pl.DataFrame(
        {
            "system": label,
            "scaleout": "SHARP" if in_network else "ring",
            "gpus": g,
            "efficiency": s.efficiency,
            "compute_ms": s.compute_s * 1e3,
            "allreduce_ms": s.comm_s * 1e3,
            "step_ms": s.step_s * 1e3,
        }
    )


def infiniband_generations() -> pl.DataFrame:
    """Shipped InfiniBand generations from :data:`IB_MIN_YEAR` on, by year: ``generation``, ``gb_s_per_direction``."""
    from scalinglab.analyses.interconnect_growth import INFINIBAND, interconnect_bandwidths

    return (
        interconnect_bandwidths()
        .filter((pl.col("series") == INFINIBAND) & pl.col("shipped") & (pl.col("year") >= IB_MIN_YEAR))
        .sort("year", maintain_order=True)
        .select("generation", "year", "gb_s_per_direction")
    )


def data_parallel(p: Any) -> DataParallelResult:
    """Strong scaling of the chapter's data-parallel job over NVLink domains and InfiniBand generations.

    Raises
    ------
    ParameterError
        Naming ``tokens_per_step`` if the job gives a GPU less than one sequence (the schema
        checks this first).
    """
    max_gpus = int(p.tokens_per_step // p.sequence_length)
    if max_gpus < p.n_gpus:
        raise ParameterError(
            "tokens_per_step", p.tokens_per_step, f"at least sequence_length x n_gpus = {p.sequence_length * p.n_gpus}"
        )
    cap = min(MAX_CURVE_GPUS, max_gpus)
    frames, jobs, kw = [], [], {}
    for d in DOMAIN_SIZES:
        label = f"NVLink domains of {d}" + (" (roadmap)" if d in ROADMAP_DOMAINS else "")
        for sharp in (False, True):
            frames.append(
                _curve(p, d, p.scaleout_bandwidth_gb_s, label + (", SHARP across" if sharp else ""), sharp, cap)
            )
        g = job_gpus(p.n_gpus, d, max_gpus)
        s, s2 = _step(p, g, d, p.scaleout_bandwidth_gb_s, False), _step(p, g, d, p.scaleout_bandwidth_gb_s, True)
        kw.update(
            {
                f"scaling_efficiency_nvl{d}": s.efficiency,
                f"scaling_efficiency_nvl{d}_sharp": s2.efficiency,
                f"nvl{d}_job_gpus": g,
                f"nvl{d}_allreduce_ms": s.comm_s * 1e3,
            }
        )
        if d == DOMAIN_SIZES[0]:
            kw["nvl8_sharp_allreduce_ms"] = s2.comm_s * 1e3
            kw["dp_compute_ms"] = s.compute_s * 1e3
        jobs.append(
            {
                "domain": d,
                "gpus": g,
                "compute_ms": s.compute_s * 1e3,
                "allreduce_ms": s.comm_s * 1e3,
                "exposed_ms": s.exposed_comm_s * 1e3,
                "efficiency": s.efficiency,
                "allreduce_sharp_ms": s2.comm_s * 1e3,
                "efficiency_sharp": s2.efficiency,
            }
        )
    dom = p.scaleup_domain_size
    ib = infiniband_generations()
    ib_curves = pl.concat(
        [
            _curve(p, dom, r["gb_s_per_direction"], f"{r['generation']} ({r['gb_s_per_direction']:g} GB/s)", False, cap)
            for r in ib.iter_rows(named=True)
        ]
    )
    ib_eff = {
        r["generation"]: _step(p, p.n_gpus, dom, r["gb_s_per_direction"], False).efficiency
        for r in ib.iter_rows(named=True)
    }
    gens = list(ib_eff)
    return DataParallelResult(
        curves=pl.concat(frames),
        ib_curves=ib_curves,
        jobs=pl.DataFrame(jobs).sort("domain"),
        ib_glue={f"scaling_efficiency_{k.lower()}": v for k, v in ib_eff.items()},
        model_params_billion=p.model_params_billion,
        sequence_length=p.sequence_length,
        global_batch_sequences=p.tokens_per_step / p.sequence_length,
        tokens_per_gpu=p.tokens_per_step / p.n_gpus,
        sequences_per_gpu=p.tokens_per_step / p.n_gpus / p.sequence_length,
        max_dp_gpus=max_gpus,
        scaling_efficiency_param_domain=_step(p, p.n_gpus, dom, p.scaleout_bandwidth_gb_s, False).efficiency,
        scaling_efficiency_param_domain_sharp=_step(p, p.n_gpus, dom, p.scaleout_bandwidth_gb_s, True).efficiency,
        ib_first_gen=gens[0],
        ib_last_gen=gens[-1],
        ib_first_eff=ib_eff[gens[0]],
        ib_last_eff=ib_eff[gens[-1]],
        ib_port_ratio_x=ib["gb_s_per_direction"][-1] / ib["gb_s_per_direction"][0],
        dp_network_word=network_word(kw["scaling_efficiency_nvl8"]),
        **kw,
    )
