"""The token chapter's serving economics: first principles, MoE and KV-cache reads, sensitivity, decomposition.

Each function returns a frozen dataclass whose scalar fields are glued (keys as the chapter uses
them) and whose frames feed its tables and charts. Formulas: :mod:`scalinglab.models.roofline`;
GPU prices: :mod:`scalinglab.data.prices`; the software factor: the MLPerf chapter's measured
same-hardware speed-up (:func:`scalinglab.analyses.software_speedup.llm_software_speedup_range`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from scalinglab.analyses import token_economics as econ
from scalinglab.analyses.token_cost_drop import Claim, Inputs, find_model
from scalinglab.data.prices import MODEL_SHAPES, ModelShape, gpu_hour_price
from scalinglab.models import roofline

#: The hardware and weight format assumed behind the earlier price (GPT-4's launch, March 2023,
#: before H100 instances were generally available).
BASELINE_GPU: str = "A100"
BASELINE_BYTES_PER_PARAM: float = 2.0
#: GPUs of the sensitivity chart (the chapter's GPU is added when not among them).
SENSITIVITY_GPUS: tuple[str, ...] = ("A100", "H100", "B200")
SENSITIVITY_BYTES: tuple[float, ...] = (2.0, 1.0, 0.5)
SENSITIVITY_BATCHES: tuple[int, ...] = tuple(2**k for k in range(11))
#: The plausible range of a model size: this factor below and above each assumed size.
SIZE_RANGE_FACTOR: float = 2.0
LLAMA_CHECK_MODEL: str = "Llama 3.1 405B Instruct"
HW_SOURCE = "NVIDIA specs (curated); Epoch AI GPU prices (CC BY)"


def served_model(p) -> econ.ServedModel:
    """The chapter's served model from its parameters (``p`` the validated parameter model)."""
    total = p.total_params_billion if p.total_params_billion is not None else p.active_params_billion
    return econ.ServedModel(
        p.active_params_billion, total, p.n_experts, p.experts_per_token, p.context_tokens, p.kv_bytes_per_token
    )


def shape_model(shape: ModelShape, p, scale: float = 1.0) -> econ.ServedModel:
    """A published or estimated model at the chapter's context length (its own KV size where known)."""
    kv = shape.kv_bytes_per_token if shape.kv_bytes_per_token is not None else p.kv_bytes_per_token
    return econ.ServedModel(
        shape.active_params_billion * scale,
        shape.total_params_billion * scale,
        shape.n_experts,
        shape.experts_per_token,
        p.context_tokens,
        kv,
    )


# --------------------------------------------------------------------------- first principles
@dataclass(frozen=True)
class FirstPrinciples:
    """Cost of the served model on the chapter's GPU, with and without KV-cache reads, and a check on Llama 3.1 405B."""

    first_principles_usd_per_mtok: float
    fp_no_kv_usd_per_mtok: float
    fp_kv_cost_x: float
    fp_kv_share_pct: float
    fp_tokens_per_s: float
    fp_bound: str
    fp_gpu_hour_usd: float
    fp_price_note: str
    fp_config: str
    fp_crossover_batch: float
    fp_compute_utilization: float
    llama_fp_usd_per_mtok: float
    llama_listed_usd_per_mtok: float
    llama_listed_vendor: str
    llama_ratio: float
    cost: econ.DecodeCost
    table: pl.DataFrame


def first_principles(inputs: Inputs, p) -> FirstPrinciples:
    """Roofline cost of ``p``'s served model on ``p.gpu`` at its rental price (or ``p.gpu_hour_usd``).

    Defaults: dense 70B in FP8 on an H100 at 3.95 USD/h, batch 64, 2,048 tokens of context of
    327,680 KV bytes each: weights 70 GB + KV 42.9 GB per step.
    """
    spec = econ.gpu_spec(inputs.specs, p.gpu)
    price = gpu_hour_price(inputs.hardware_prices, p.gpu, p.gpu_hour_usd)
    model = served_model(p)
    args = (p.bytes_per_param, p.batch_size, p.bandwidth_utilization)
    cost = econ.decode_cost(spec, price.usd_per_gpu_hour, model, *args)
    bare = econ.decode_cost(spec, price.usd_per_gpu_hour, model.without_kv(), *args)
    shape = MODEL_SHAPES[LLAMA_CHECK_MODEL]
    llama = econ.decode_cost(spec, price.usd_per_gpu_hour, shape_model(shape, p), *args)
    llama_bare = econ.decode_cost(spec, price.usd_per_gpu_hour, shape_model(shape, p).without_kv(), *args)
    listed = find_model(inputs.prices, LLAMA_CHECK_MODEL)
    kind = "dense" if model.n_experts <= 1 else f"MoE, {model.n_experts} experts, {model.experts_per_token} per token"
    config = (
        f"{p.active_params_billion:g}B active parameters ({kind}) in {cost.weight_format} (computed in "
        f"{cost.compute_format}) on one {p.gpu}, batch {p.batch_size}, {p.context_tokens:g} tokens of context"
    )
    crossover = roofline.crossover_batch(
        spec["hbm_tb_per_s"],
        p.active_params_billion,
        p.bytes_per_param,
        p.bandwidth_utilization,
        econ.dense_tflops_for(spec, p.bytes_per_param)[0],
    )
    rows = [
        {
            "model": "this chapter's served model",
            "kv_cache": kv,
            "active_params_billion": c.model.active_params_billion,
            "weight_gb_per_step": c.weight_gb_per_step,
            "kv_gb_per_step": c.kv_gb_per_step,
            "tokens_per_s": c.tokens_per_s,
            "bound": c.bound,
            "usd_per_mtok": c.usd_per_mtok,
        }
        for kv, c in (("read", cost), ("ignored", bare))
    ]
    rows += [
        {**r, "model": "Llama 3.1 405B (dense), same hardware"}
        for r in (
            {
                "kv_cache": kv,
                "active_params_billion": c.model.active_params_billion,
                "weight_gb_per_step": c.weight_gb_per_step,
                "kv_gb_per_step": c.kv_gb_per_step,
                "tokens_per_s": c.tokens_per_s,
                "bound": c.bound,
                "usd_per_mtok": c.usd_per_mtok,
            }
            for kv, c in (("read", llama), ("ignored", llama_bare))
        )
    ]
    total = cost.weight_gb_per_step + cost.kv_gb_per_step
    return FirstPrinciples(
        cost.usd_per_mtok,
        bare.usd_per_mtok,
        cost.usd_per_mtok / bare.usd_per_mtok,
        100 * cost.kv_gb_per_step / total,
        cost.tokens_per_s,
        cost.bound,
        price.usd_per_gpu_hour,
        price.note,
        config,
        float(crossover),
        roofline.COMPUTE_UTILIZATION,
        llama.usd_per_mtok,
        float(listed["output_usd_per_mtok"]),
        f"{listed['vendor']}, {listed['effective_date']}",
        llama.usd_per_mtok / float(listed["output_usd_per_mtok"]),
        cost,
        pl.DataFrame(rows),
    )


# --------------------------------------------------------------------------- mixture of experts
@dataclass(frozen=True)
class MixtureOfExperts:
    """GPT-4 (press estimate) and DeepSeek-V3 on the chapter's hardware: active-only reads against the union of experts."""

    moe_gpt4_experts_read: float
    moe_gpt4_union_x: float
    moe_deepseek_experts_read: float
    moe_deepseek_union_x: float
    moe_deepseek_usd_per_mtok: float
    moe_deepseek_listed_output_usd_per_mtok: float
    moe_deepseek_vs_listed: str
    table: pl.DataFrame


def mixture_of_experts(inputs: Inputs, p, fp: FirstPrinciples) -> MixtureOfExperts:
    """Decode cost of the two MoE models with each step reading E (1 - (1 - k/E)^B) experts, and active-only."""
    spec = econ.gpu_spec(inputs.specs, p.gpu)
    rows, out = [], {}
    for name in ("GPT-4 (8k)", "DeepSeek-V3"):
        shape = MODEL_SHAPES[name]
        m = shape_model(shape, p)
        union = econ.decode_cost(spec, fp.fp_gpu_hour_usd, m, p.bytes_per_param, p.batch_size, p.bandwidth_utilization)
        active = econ.decode_cost(
            spec, fp.fp_gpu_hour_usd, m.active_only(), p.bytes_per_param, p.batch_size, p.bandwidth_utilization
        )
        read = float(roofline.distinct_experts(shape.n_experts, shape.experts_per_token, p.batch_size))
        out[name] = (read, union.usd_per_mtok / active.usd_per_mtok, union.usd_per_mtok)
        for label, c in (("active parameters only", active), ("union of routed experts", union)):
            rows.append(
                {
                    "model": name,
                    "weights_read": label,
                    "n_experts": shape.n_experts,
                    "experts_per_token": shape.experts_per_token,
                    "experts_read": read if c is union else float(shape.experts_per_token),
                    "weight_gb_per_step": c.weight_gb_per_step,
                    "tokens_per_s": c.tokens_per_s,
                    "bound": c.bound,
                    "usd_per_mtok": c.usd_per_mtok,
                }
            )
    listed = find_model(inputs.prices, "DeepSeek-V3")
    g, d = out["GPT-4 (8k)"], out["DeepSeek-V3"]
    out_price = float(listed["output_usd_per_mtok"])
    vs = "above" if d[2] > out_price else "below"
    return MixtureOfExperts(g[0], g[1], d[0], d[1], d[2], out_price, vs, pl.DataFrame(rows))


# --------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True)
class Sensitivity:
    """Cost over GPU generation, weight format and batch; spread at the chapter's batch.

    The levers are cost ratios, each varying one thing from this run's configuration: batch 1 against
    the largest batch of the grid (``sens_batch_lever_x``), the widest against the narrowest weight
    format on this run's GPU (``sens_format_lever_x``), the dearest against the cheapest GPU at this
    run's weight format (``sens_gpu_lever_x``); ``sens_largest_lever`` names the largest.
    """

    sens_batch: int
    sens_best: str
    sens_worst: str
    sens_spread_x: float
    sens_batch_lever_x: float
    sens_format_lever_x: float
    sens_gpu_lever_x: float
    sens_largest_lever: str
    b200_price: float
    b200_price_basis: str
    grid: pl.DataFrame


def sensitivity(inputs: Inputs, p) -> Sensitivity:
    """:func:`econ.sensitivity_grid` at each GPU's rental price (B200: purchase-scaled estimate)."""
    gpus = list(SENSITIVITY_GPUS) + ([p.gpu] if p.gpu not in SENSITIVITY_GPUS else [])
    prices = {g: gpu_hour_price(inputs.hardware_prices, g, p.gpu_hour_usd if g == p.gpu else None, True) for g in gpus}
    grid = econ.sensitivity_grid(
        inputs.specs,
        {g: v.usd_per_gpu_hour for g, v in prices.items()},
        SENSITIVITY_BYTES,
        SENSITIVITY_BATCHES,
        served_model(p),
        p.bandwidth_utilization,
    ).with_columns(pl.col("gpu").replace_strict({g: v.note for g, v in prices.items()}).alias("price_basis"))
    batch = float(min(SENSITIVITY_BATCHES, key=lambda b: abs(b - p.batch_size)))
    at = grid.filter(pl.col("batch_size") == batch).sort("usd_per_mtok", "gpu", "bytes_per_param")
    best, worst = at.row(0, named=True), at.row(-1, named=True)
    mine = grid.filter(pl.col("gpu") == p.gpu)
    fmt = mine.filter(pl.col("bytes_per_param") == SENSITIVITY_BYTES[1])
    batch_lever = fmt["usd_per_mtok"].max() / fmt["usd_per_mtok"].min()
    same_batch = mine.filter(pl.col("batch_size") == batch)["usd_per_mtok"]
    fmt_lever = same_batch.max() / same_batch.min()
    gpus_at = at.filter(pl.col("bytes_per_param") == SENSITIVITY_BYTES[1])["usd_per_mtok"]
    gpu_lever = gpus_at.max() / gpus_at.min()
    levers = {"batch size": batch_lever, "weight format": fmt_lever, "GPU generation": gpu_lever}
    return Sensitivity(
        int(batch),
        f"{best['usd_per_mtok']:.2f} USD/Mtok ({best['gpu']}, {best['weight_format']})",
        f"{worst['usd_per_mtok']:.2f} USD/Mtok ({worst['gpu']}, {worst['weight_format']})",
        worst["usd_per_mtok"] / best["usd_per_mtok"],
        batch_lever,
        fmt_lever,
        gpu_lever,
        max(levers, key=levers.get),
        prices["B200"].usd_per_gpu_hour,
        prices["B200"].note,
        grid,
    )


# --------------------------------------------------------------------------- software factor
@dataclass(frozen=True)
class SoftwareFactor:
    """The software factor of the decomposition and where it comes from.

    Measured (``software_speedup`` None): the geometric mean of the MLPerf chapter's lowest and
    highest same-hardware LLM speed-up within ``software_window_months`` (derived from MLPerf
    Inference results, not an official MLPerf result).
    """

    software_x: float
    software_low_x: float
    software_high_x: float
    software_basis: str
    software_sentence: str


def software_factor(software_speedup: float | None, window_months: int = 12) -> SoftwareFactor:
    """The parameter if given, else the MLPerf chapter's measured range (its geometric mean)."""
    if software_speedup is not None:
        s = float(software_speedup)
        return SoftwareFactor(s, s, s, "parameter", f"the software_speedup parameter, {s:.2f}x")
    from scalinglab.analyses.software_speedup import llm_software_speedup_range

    r = llm_software_speedup_range(window_months)
    mid = math.sqrt(r.low_x * r.high_x)
    sentence = (
        f"the geometric mean, {mid:.2f}x, of the same-hardware speed-ups the MLPerf chapter measures on "
        f"the LLM benchmarks of the {r.system} within {r.window_months} months: {r.low_x:.2f}x "
        f"({r.low_benchmark}, {r.low_scenario}) to {r.high_x:.2f}x ({r.best_benchmark}, {r.best_scenario}, "
        f"{r.best_from_round} to {r.best_to_round}); derived from MLPerf Inference results, not official"
    )
    return SoftwareFactor(mid, r.low_x, r.high_x, "MLPerf measurement", sentence)


# --------------------------------------------------------------------------- decomposition
@dataclass(frozen=True)
class Decomposition:
    """The observed drop split into hardware, precision, software, model size and a residual (a model, not a measurement)."""

    decomposition_hardware_x: float
    decomposition_precision_x: float
    decomposition_software_x: float
    decomposition_size_x: float
    decomposition_modelled_x: float
    decomposition_residual_x: float
    decomposition_residual_no_software_x: float
    decomposition_residual_sw_low_x: float
    decomposition_residual_sw_high_x: float
    old_active_params: float
    old_total_params: float
    old_active_source: str
    old_size_is_assumption: bool
    baseline_gpu_hour_usd: float
    baseline_usd_per_mtok: float
    hardware_sentence: str
    modelled_share_pct: float
    software_sentence: str
    overlap_sentence: str
    size_factor_min: float
    size_factor_max: float
    waterfall: pl.DataFrame
    size_range: pl.DataFrame


def decomposition(inputs: Inputs, p, c: Claim, fp: FirstPrinciples, sw: SoftwareFactor) -> Decomposition:
    """Split ``c.claim_ratio`` with :func:`econ.modelled_factors` from an A100 in BF16 serving the earlier model.

    The earlier model's shape is :data:`MODEL_SHAPES` (GPT-4: the press estimate, an MoE read as
    the union of its experts); a model without one is set equal to the served model (size factor
    1). ``size_range`` recomputes the model-size factor with each size halved and doubled
    (:data:`SIZE_RANGE_FACTOR`). The software factor overlaps precision and batching (vendor
    gains include FP8 and in-flight batching), so the residual is also given without it.
    """
    old = find_model(inputs.prices, p.from_model, name="from_model")
    shape = MODEL_SHAPES.get(old["model"])
    new_model = served_model(p)
    if shape is None:
        old_model = new_model
        source, assumed = f"no published size for {old['model']}: set equal, so size falls into the residual", True
    else:
        old_model, source, assumed = shape_model(shape, p), shape.source, shape.assumption
    base_price = gpu_hour_price(inputs.hardware_prices, BASELINE_GPU)
    base_spec, spec = econ.gpu_spec(inputs.specs, BASELINE_GPU), econ.gpu_spec(inputs.specs, p.gpu)
    base = econ.decode_cost(
        base_spec,
        base_price.usd_per_gpu_hour,
        old_model,
        BASELINE_BYTES_PER_PARAM,
        p.batch_size,
        p.bandwidth_utilization,
    )
    f = econ.modelled_factors(
        base, spec, fp.fp_gpu_hour_usd, p.bytes_per_param, new_model, sw.software_x, p.bandwidth_utilization
    )
    steps = econ.decompose(c.claim_ratio, f)
    product = math.prod(f.values())
    named = {k: v for k, v in f.items() if k != "software"}
    hw_sentence = (
        "Hardware generation is the smallest of the computed factors: the chip alone did little of the work."
        if min(named, key=named.get) == "hardware generation"
        else f"Hardware generation contributes {f['hardware generation']:.2f}x against "
        f"{product / f['hardware generation']:.1f}x for the other factors together."
    )
    no_sw = c.claim_ratio / (product / f["software"])
    overlap = (
        "The software factor may overlap the precision factor and batching: a same-hardware gain between "
        "benchmark rounds can come from lower-precision kernels or from batching more sequences, both of which "
        f"this decomposition counts elsewhere or holds fixed. Counted separately it leaves a residual of "
        f"{steps[-1][1]:.2f}x; if it were wholly contained in the other factors (no double count), the "
        f"residual would be {no_sw:.2f}x."
    )
    if sw.software_high_x > sw.software_low_x:
        overlap += (
            f" Over the measured range ({sw.software_low_x:.2f}x to {sw.software_high_x:.2f}x) the residual "
            f"runs from {no_sw / sw.software_high_x:.2f}x to {no_sw / sw.software_low_x:.2f}x."
        )
    rows = []
    for s_old in (1 / SIZE_RANGE_FACTOR, 1.0, SIZE_RANGE_FACTOR):
        for s_new in (1 / SIZE_RANGE_FACTOR, 1.0, SIZE_RANGE_FACTOR):
            om = econ.ServedModel(
                old_model.active_params_billion * s_old,
                old_model.total_params_billion * s_old,
                old_model.n_experts,
                old_model.experts_per_token,
                p.context_tokens,
                old_model.kv_bytes_per_token,
            )
            nm = econ.ServedModel(
                new_model.active_params_billion * s_new,
                new_model.total_params_billion * s_new,
                new_model.n_experts,
                new_model.experts_per_token,
                p.context_tokens,
                new_model.kv_bytes_per_token,
            )
            a = econ.decode_cost(spec, fp.fp_gpu_hour_usd, om, p.bytes_per_param, p.batch_size, p.bandwidth_utilization)
            b = econ.decode_cost(spec, fp.fp_gpu_hour_usd, nm, p.bytes_per_param, p.batch_size, p.bandwidth_utilization)
            rows.append(
                {
                    "earlier_active_billion": om.active_params_billion,
                    "served_active_billion": nm.active_params_billion,
                    "size_factor_x": a.usd_per_mtok / b.usd_per_mtok,
                }
            )
    size = pl.DataFrame(rows)
    return Decomposition(
        f["hardware generation"],
        f["precision"],
        f["software"],
        f["model size"],
        product,
        steps[-1][1],
        no_sw,
        no_sw / sw.software_high_x,
        no_sw / sw.software_low_x,
        old_model.active_params_billion,
        old_model.total_params_billion,
        source,
        assumed,
        base_price.usd_per_gpu_hour,
        base.usd_per_mtok,
        hw_sentence,
        100 * math.log(product) / math.log(c.claim_ratio) if c.claim_ratio > 1 else float("nan"),
        sw.software_sentence,
        overlap,
        size["size_factor_x"].min(),
        size["size_factor_x"].max(),
        econ.waterfall_frame(steps),
        size,
    )
