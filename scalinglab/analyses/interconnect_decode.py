"""Tensor-parallel decoding of the chapter *Interconnect scaling*: time per generated token against the
tensor-parallel degree, with the all-reduces inside NVLink or across InfiniBand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from scalinglab.analyses.interconnect_network import _gpu, _links, transformer_shape
from scalinglab.models import parallelism as P

#: Sequences decoded together in the tensor-parallel section (latency-bound decoding).
TP_BATCH_SEQUENCES = 1
#: Tensor-parallel degrees drawn.
TP_DEGREES = (1, 2, 4, 8, 16, 32, 64)
#: Speed-up above which tensor-parallel decoding is called "faster" (below it, "only marginally faster").
CLEAR_SPEEDUP_X = 1.10


# ---------------------------------------------------------------------------
# tensor-parallel decoding
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TensorParallelResult:
    """Time per generated token against tensor-parallel degree, all-reduces inside NVLink or across InfiniBand.

    ``frame``: ``network``, ``tp_degree``, ``token_ms``, ``allreduce_ms``, ``floor_ms``; ``best``: the
    fastest degree per network (sorted by network). Speed-ups are over one GPU; the verdict words
    follow :data:`CLEAR_SPEEDUP_X`.
    """

    frame: pl.DataFrame
    best: pl.DataFrame
    tp_layers: int
    tp_hidden: int
    tp_batch: int
    tp1_ms: float
    tp8_nvlink_ms: float
    tp8_infiniband_ms: float
    tp8_nvlink_speedup: float
    tp8_infiniband_speedup: float
    tp8_nvlink_word: str
    tp8_infiniband_word: str
    tp_best_nvlink_degree: int
    tp_best_infiniband_degree: int
    tp8_infiniband_latency_share_pct: float


NVLINK_NET, IB_NET = "all-reduces inside NVLink", "all-reduces across InfiniBand"
FLOOR_NET = "no communication (HBM or compute bound)"


def speedup_word(speedup: float, clear: float = CLEAR_SPEEDUP_X) -> str:
    """``"faster"`` above ``clear``, ``"only marginally faster"`` in (1, clear], ``"no faster"`` at or below 1."""
    if speedup > clear:
        return "faster"
    return "only marginally faster" if speedup > 1.0 else "no faster"


def tensor_parallel(p: Any) -> TensorParallelResult:
    """Decode latency per token of the chapter's model for :data:`TP_DEGREES`."""
    peak, hbm = _gpu(p)
    up, out = _links(p)
    n = p.model_params_billion * 1e9
    layers, hidden = transformer_shape(n)
    deg = np.array(TP_DEGREES, dtype=float)
    floor_s = np.maximum(
        P.tp_token_weight_read_s(n, p.bytes_per_param, deg, hbm),
        P.tp_token_compute_s(n, TP_BATCH_SEQUENCES, deg, peak, p.mfu),
    )
    rows = [
        pl.DataFrame(
            {
                "network": FLOOR_NET,
                "tp_degree": deg,
                "token_ms": floor_s * 1e3,
                "allreduce_ms": 0.0,
                "floor_ms": floor_s * 1e3,
            }
        )
    ]
    for label, link in ((NVLINK_NET, up), (IB_NET, out)):
        comm = P.tp_allreduce_per_token_s(layers, hidden, TP_BATCH_SEQUENCES, p.bytes_per_param, deg, *link)
        rows.append(
            pl.DataFrame(
                {
                    "network": label,
                    "tp_degree": deg,
                    "token_ms": (floor_s + comm) * 1e3,
                    "allreduce_ms": comm * 1e3,
                    "floor_ms": floor_s * 1e3,
                }
            )
        )
    frame = pl.concat(rows)
    best = (
        frame.filter(pl.col("network") != FLOOR_NET)
        .group_by("network", maintain_order=True)
        .agg(pl.col("tp_degree").sort_by("token_ms").first(), pl.col("token_ms").min())
        .sort("network")
    )

    def at(label: str, degree: int) -> float:
        return frame.filter((pl.col("network") == label) & (pl.col("tp_degree") == degree))["token_ms"][0]

    one = floor_s[0] * 1e3
    lat_only = P.tp_allreduce_per_token_s(layers, hidden, TP_BATCH_SEQUENCES, p.bytes_per_param, 8, 1e9, out[1])
    comm8 = P.tp_allreduce_per_token_s(layers, hidden, TP_BATCH_SEQUENCES, p.bytes_per_param, 8, *out)
    s_nv, s_ib = one / at(NVLINK_NET, 8), one / at(IB_NET, 8)
    bd = dict(best.select("network", "tp_degree").iter_rows())
    return TensorParallelResult(
        frame=frame,
        best=best,
        tp_layers=layers,
        tp_hidden=hidden,
        tp_batch=TP_BATCH_SEQUENCES,
        tp1_ms=one,
        tp8_nvlink_ms=at(NVLINK_NET, 8),
        tp8_infiniband_ms=at(IB_NET, 8),
        tp8_nvlink_speedup=s_nv,
        tp8_infiniband_speedup=s_ib,
        tp8_nvlink_word=speedup_word(s_nv),
        tp8_infiniband_word=speedup_word(s_ib),
        tp_best_nvlink_degree=int(bd[NVLINK_NET]),
        tp_best_infiniband_degree=int(bd[IB_NET]),
        tp8_infiniband_latency_share_pct=100 * lat_only / comm8 if comm8 > 0 else 0.0,
    )
