"""Serving economics of the token chapter: the roofline on spec-table GPUs, sensitivity, decomposition.

Applies :mod:`scalinglab.models.roofline` to rows of the curated GPU spec table
(:func:`scalinglab.data.load_gpu_specs`) at rental prices (:mod:`scalinglab.data.prices`).
Bad arguments raise :class:`~scalinglab.errors.ParameterError` naming the argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from scalinglab.data import catalog
from scalinglab.errors import ParameterError
from scalinglab.models import roofline

#: The name :func:`decompose` gives the unexplained factor.
RESIDUAL: str = "residual"

#: Weight formats from narrow to wide; a GPU without a peak for the weight format computes in the
#: next wider one it has (weight-only quantisation).
_WIDENING: tuple[str, ...] = tuple(catalog.WEIGHT_BYTES_PER_PARAM)


@dataclass(frozen=True)
class ServedModel:
    """What one decode step reads and computes: sizes in billions of parameters, MoE shape, KV cache.

    Dense: ``n_experts`` = ``experts_per_token`` = 1 and ``total_params_billion`` = active.
    ``context_tokens`` is the mean context held per sequence; ``kv_bytes_per_token`` the KV-cache
    bytes per token of context (all layers, K and V).
    """

    active_params_billion: float
    total_params_billion: float
    n_experts: int = 1
    experts_per_token: int = 1
    context_tokens: float = 0.0
    kv_bytes_per_token: float = 0.0

    def without_kv(self) -> ServedModel:
        return ServedModel(
            self.active_params_billion, self.total_params_billion, self.n_experts, self.experts_per_token, 0.0, 0.0
        )

    def active_only(self) -> ServedModel:
        """The same model as if a step read only its active parameters (the old, MoE-blind roofline)."""
        return ServedModel(
            self.active_params_billion, self.active_params_billion, 1, 1, self.context_tokens, self.kv_bytes_per_token
        )


def gpu_spec(specs_df: pl.DataFrame, gpu: str, name: str = "gpu") -> dict:
    """Spec-table row of ``gpu`` with an HBM bandwidth and a dense BF16 peak (the roofline needs both).

    Raises
    ------
    ParameterError
        Naming ``name`` with the qualifying GPUs (close ones first).
    """
    return catalog.gpu_row(specs_df, gpu, "hbm_tb_per_s", "bf16_fp16_dense_tflops", name=name)


def dense_tflops_for(spec_row: dict, bytes_per_param: float, name: str = "bytes_per_param") -> tuple[float, str]:
    """(dense peak TFLOP/s, format of the arithmetic) for weights of ``bytes_per_param`` bytes.

    The weight format is :func:`catalog.weight_format` (0.5 FP4, 1 FP8, 2 BF16, 4 FP32). A GPU
    without a peak for it (A100: no FP8 or FP4; H100: no FP4) computes in the next wider format
    it has. Raises ParameterError naming ``name`` for a size outside (0, 4] bytes.
    """
    fmt = catalog.weight_format(bytes_per_param, name)
    hit = catalog.first_dense_tflops(spec_row, _WIDENING[_WIDENING.index(fmt) :])
    if hit is None:
        raise ParameterError("gpu", spec_row.get("gpu"), f"a GPU with a dense peak for {fmt} or a wider format")
    return hit


@dataclass(frozen=True)
class DecodeCost:
    """Decode throughput and cost of one configuration on one GPU (see :func:`decode_cost`)."""

    gpu: str
    weight_format: str
    compute_format: str
    bytes_per_param: float
    batch_size: float
    gpu_hour_usd: float
    memory_bound_tokens_per_s: float
    compute_bound_tokens_per_s: float
    weight_gb_per_step: float
    kv_gb_per_step: float
    tokens_per_s: float
    bound: str
    usd_per_mtok: float
    model: ServedModel


def decode_cost(
    spec_row: dict,
    gpu_hour_usd: float,
    model: ServedModel,
    bytes_per_param: float,
    batch_size: float,
    bandwidth_utilization: float,
    compute_utilization: float = roofline.COMPUTE_UTILIZATION,
) -> DecodeCost:
    """Roofline decode throughput and USD per million output tokens of ``model`` on one spec-table GPU.

    Bandwidth from ``hbm_tb_per_s``; compute from :func:`dense_tflops_for`; the formula is
    :func:`scalinglab.models.roofline.decode_throughput` and the cost
    :func:`~scalinglab.models.roofline.usd_per_mtok`. Example: H100 (3.35 TB/s) at 3.95 USD per
    hour, dense 70B in FP8, batch 64, 60 % of the bandwidth, no KV cache: 1,837.7 tokens/s,
    0.597 USD/Mtok.
    """
    tflops, compute_fmt = dense_tflops_for(spec_row, bytes_per_param)
    t = roofline.decode_throughput(
        spec_row["hbm_tb_per_s"],
        model.active_params_billion,
        bytes_per_param,
        batch_size,
        bandwidth_utilization,
        tflops,
        compute_utilization,
        model.context_tokens,
        model.kv_bytes_per_token,
        model.total_params_billion,
        model.n_experts,
        model.experts_per_token,
    )
    rate = float(t.tokens_per_s)
    return DecodeCost(
        str(spec_row.get("gpu")),
        catalog.weight_format(bytes_per_param),
        compute_fmt,
        float(bytes_per_param),
        float(batch_size),
        float(gpu_hour_usd),
        float(t.memory_bound_tokens_per_s),
        float(t.compute_bound_tokens_per_s),
        float(t.weight_bytes_per_step) / catalog.GB,
        float(t.kv_bytes_per_step) / catalog.GB,
        rate,
        str(t.bound),
        float(roofline.usd_per_mtok(gpu_hour_usd, rate)),
        model,
    )


def sensitivity_grid(
    specs_df: pl.DataFrame,
    gpu_hour_usd: dict[str, float],
    bytes_per_param_values,
    batch_sizes,
    model: ServedModel,
    bandwidth_utilization: float,
    compute_utilization: float = roofline.COMPUTE_UTILIZATION,
) -> pl.DataFrame:
    """:func:`decode_cost` over GPUs (keys of ``gpu_hour_usd``), weight sizes and batch sizes.

    Returns one row per combination, in that nested order: ``gpu``, ``weight_format``,
    ``compute_format``, ``precision`` (e.g. ``"FP8 weights, BF16 math"`` where they differ),
    ``bytes_per_param``, ``batch_size``, ``tokens_per_s`` (per GPU), ``bound``,
    ``gpu_hour_usd``, ``usd_per_mtok``.
    """
    rows = []
    for g, price in gpu_hour_usd.items():
        spec = gpu_spec(specs_df, g)
        for bpp in bytes_per_param_values:
            for b in batch_sizes:
                c = decode_cost(spec, price, model, bpp, b, bandwidth_utilization, compute_utilization)
                prec = (
                    c.weight_format
                    if c.weight_format == c.compute_format
                    else (f"{c.weight_format} weights, {c.compute_format} math")
                )
                rows.append(
                    {
                        "gpu": g,
                        "weight_format": c.weight_format,
                        "compute_format": c.compute_format,
                        "precision": prec,
                        "bytes_per_param": float(bpp),
                        "batch_size": float(b),
                        "tokens_per_s": c.tokens_per_s,
                        "bound": c.bound,
                        "gpu_hour_usd": float(price),
                        "usd_per_mtok": c.usd_per_mtok,
                    }
                )
    return pl.DataFrame(rows)


def modelled_factors(
    baseline: DecodeCost,
    new_spec: dict,
    new_gpu_hour_usd: float,
    bytes_per_param: float,
    new_model: ServedModel,
    software_speedup: float,
    bandwidth_utilization: float,
    compute_utilization: float = roofline.COMPUTE_UTILIZATION,
) -> dict[str, float]:
    """The modelled factors of a cost drop, each a ratio of :func:`decode_cost` costs, one change at a time.

    From ``baseline`` (old GPU, old weight format, old model): ``hardware generation`` (the new GPU
    at its price), ``precision`` (weights of ``bytes_per_param`` bytes), ``software``
    (``software_speedup`` on the same hardware), ``model size`` (``new_model`` instead of the
    baseline's). Batch and utilisations stay the baseline's. The factors multiply exactly to
    the modelled drop (cost before / cost after).
    """
    if not (isinstance(software_speedup, (int, float)) and math.isfinite(software_speedup) and software_speedup > 0):
        raise ParameterError("software_speedup", software_speedup, "a positive finite number")
    args = (baseline.batch_size, bandwidth_utilization, compute_utilization)
    c1 = decode_cost(new_spec, new_gpu_hour_usd, baseline.model, baseline.bytes_per_param, *args)
    c2 = decode_cost(new_spec, new_gpu_hour_usd, baseline.model, bytes_per_param, *args)
    c3 = decode_cost(new_spec, new_gpu_hour_usd, new_model, bytes_per_param, *args)
    return {
        "hardware generation": baseline.usd_per_mtok / c1.usd_per_mtok,
        "precision": c1.usd_per_mtok / c2.usd_per_mtok,
        "software": float(software_speedup),
        "model size": c2.usd_per_mtok / c3.usd_per_mtok,
    }


def decompose(observed_ratio: float, factors: dict[str, float]) -> list[tuple[str, float]]:
    """Split an observed drop into named multiplicative factors and a residual.

    Returns ``[(name, factor), ...]`` in the order of ``factors``, then ``("residual", observed /
    product)``, so the product of all is ``observed_ratio``. An accounting identity under the
    assumption that the factors are independent and multiply, not a measurement of the residual.

    Raises
    ------
    ParameterError
        Naming ``observed_ratio`` or the factor that is not positive and finite, or ``factors``
        when a name is "residual".
    """

    def pos(v, name):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ParameterError(name, v, "a positive finite number")
        return float(v)

    obs = pos(observed_ratio, "observed_ratio")
    if RESIDUAL in factors:
        raise ParameterError("factors", list(factors), f"names other than {RESIDUAL!r} (it is computed)")
    out = [(str(k), pos(v, f"factors[{k!r}]")) for k, v in factors.items()]
    return out + [(RESIDUAL, obs / math.prod(v for _, v in out))]


def waterfall_frame(steps: list[tuple[str, float]], total_label: str = "observed drop") -> pl.DataFrame:
    """Bars of a multiplicative waterfall: each step from the running product before it to after it.

    A last bar ``total_label`` runs from 1 to the product of all steps. Columns: ``order``,
    ``step``, ``factor``, ``start``, ``end``, ``kind`` (``"factor"``, ``"residual"``, ``"total"``).
    """
    rows, acc = [], 1.0
    for i, (name, f) in enumerate(steps):
        if not (math.isfinite(f) and f > 0):
            raise ParameterError(f"steps[{name!r}]", f, "a positive finite number")
        rows.append(
            {
                "order": i,
                "step": name,
                "factor": f,
                "start": acc,
                "end": acc * f,
                "kind": "residual" if name == RESIDUAL else "factor",
            }
        )
        acc *= f
    rows.append({"order": len(rows), "step": total_label, "factor": acc, "start": 1.0, "end": acc, "kind": "total"})
    return pl.DataFrame(rows)
