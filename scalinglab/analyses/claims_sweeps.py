"""The chapters' own analysis functions rerun at other settings, for the claims page's flip searches.

Each function calls one chapter's analysis (never a copy of it) over a grid of that chapter's parameters, the other
parameters as the chapter ran (from its run record), and returns the verdict of the claim it bears on at each
point: :func:`datacentre_sweep` and :func:`confidence_flip` (claims 1 and 2), :func:`moore_sweep` (3),
:func:`precision_span_sweep` (4), :func:`software_window_sweep` (6), :func:`token_threshold_sweep` and
:func:`network_flip` (5), :func:`token_convention_sweep` (7), :func:`decode_bound_search` (8, a bisection
on the roofline).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import polars as pl

from scalinglab.analyses import claims as C
from scalinglab.analyses import datacentre_scale as dc
from scalinglab.analyses.claims_search import Flip, Note, Robust, threshold_flip
from scalinglab.errors import ParameterError

DC_TOP_N: tuple[int, ...] = (1, 3, 5, 10, 15, 20)


def datacentre_sweep(
    clusters: pl.DataFrame,
    params: Mapping[str, Any],
    t: C.Thresholds,
    top_ns: Iterable[int] = DC_TOP_N,
    start_years: Iterable[int] | None = None,
) -> pl.DataFrame:
    """Verdicts of claims 1 and 2 at every (top_n, start_year), other parameters as the chapter ran.

    Calls :func:`scalinglab.analyses.datacentre_scale.analyse` at each point; points whose window holds too few
    leading systems are skipped. Returns ``top_n``, ``start_year``, ``perf_x_per_year``, ``perf_ci_low``, ``perf_ci_high``,
    ``verdict_1``, ``verdict_2``, sorted by top_n then start_year.
    """
    end = int(params["end_year"])
    years = list(start_years) if start_years is not None else list(range(2013, end - dc.MIN_WINDOW_YEARS + 2))
    rows = []
    for n in top_ns:
        for sy in years:
            try:
                r, _, _ = dc.analyse(
                    clusters, params["precision"], n, params["min_certainty"], sy, end, params["confidence_level"]
                )
            except (ParameterError, ValueError):
                continue
            rows.append(
                {
                    "top_n": n,
                    "start_year": sy,
                    "perf_x_per_year": r.perf_growth_x_per_year,
                    "perf_ci_low": r.perf_growth_ci_low,
                    "perf_ci_high": r.perf_growth_ci_high,
                    "verdict_1": C.rule_growth(
                        r.perf_growth_ci_low, r.perf_growth_ci_high, t.promise_low_x, t.promise_high_x
                    ),
                    "verdict_2": C.rule_cost_energy(
                        r.flops_per_watt_ci_low,
                        r.flops_per_watt_ci_high,
                        r.flops_per_usd_ci_low,
                        r.flops_per_usd_ci_high,
                        t.promise_low_x,
                        t.promise_high_x,
                    ),
                }
            )
    return pl.DataFrame(rows).sort(["top_n", "start_year"])


def confidence_flip(
    clusters: pl.DataFrame,
    params: Mapping[str, Any],
    verdict_at: Callable[[Any], str],
    lo: float = 0.5,
    hi: float = 0.999,
) -> list[Flip | Robust | Note]:
    """The confidence level nearest the chapter's at which ``verdict_at(result)`` changes (bisection over
    :func:`~scalinglab.analyses.datacentre_scale.analyse` at the chapter's other parameters).
    """

    def rule(level: float) -> str:
        r, _, _ = dc.analyse(
            clusters,
            params["precision"],
            params["top_n"],
            params["min_certainty"],
            params["start_year"],
            params["end_year"],
            level,
        )
        return verdict_at(r)

    default = float(params["confidence_level"])
    hit = threshold_flip(rule, default, lo, hi, tol=1e-4)
    if hit is None:
        return [
            Robust(
                "confidence_level",
                "datacentre_scale",
                f"[{lo:g}, {hi:g}]",
                rule(default),
                "bisection over the chapter's fit",
                default,
            )
        ]
    return [
        Flip(
            "confidence_level",
            "datacentre_scale",
            hit[0],
            hit[1],
            rule(default),
            "bisection over the chapter's fit",
            default,
        )
    ]


def software_window_sweep(params: Mapping[str, Any], windows: Iterable[int] = range(1, 37)) -> pl.DataFrame:
    """The chapter's claim check at every window (months), other parameters as the chapter ran.

    Returns ``window_months``, ``best_speedup_x``, ``verdict`` (software_speedup's own rule); windows holding no
    pair of rounds are skipped.
    """
    from scalinglab.analyses import software_speedup as sw

    series = sw.round_series(
        sw.select(params["system"], params["benchmarks"], params["scenario"], params["include_proxy_rows"])
    )
    rows = []
    for w in windows:
        try:
            c = sw.check_claim(series, w, params["claimed_speedup_x"])
        except ParameterError:
            continue
        rows.append({"window_months": w, "best_speedup_x": c.best_speedup_x, "verdict": c.verdict})
    return pl.DataFrame(rows, schema={"window_months": pl.Int64, "best_speedup_x": pl.Float64, "verdict": pl.String})


def token_threshold_sweep(
    prices: pl.DataFrame, params: Mapping[str, Any], claim_months: float, pair_ratio: float, t: C.Thresholds
) -> pl.DataFrame:
    """Claim 7's verdict at every MMLU score in the price table used as the capability threshold.

    Returns ``capability_threshold``, ``decline_x_per_year``, ``over_period_x`` (the decline over the claim's
    months), ``verdict``; thresholds that leave too few frontier points are skipped.
    """
    from scalinglab.analyses import token_cost_drop as tk

    scores = sorted({float(s) for s in prices["mmlu"].drop_nulls().to_list()})
    rows = []
    for s in scores:
        try:
            d = tk.fixed_capability_decline(
                prices, s, params["start_date"], params["end_date"], params["price_convention"], score_col="mmlu"
            )
        except (ParameterError, ValueError):
            continue
        over = d.x_per_year ** (claim_months / 12.0)
        rows.append(
            {
                "capability_threshold": s,
                "decline_x_per_year": d.x_per_year,
                "over_period_x": over,
                "verdict": C.rule_token_drop(pair_ratio, over, t.claimed_token_drop_x, t.price_tolerance_x),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "capability_threshold": pl.Float64,
            "decline_x_per_year": pl.Float64,
            "over_period_x": pl.Float64,
            "verdict": pl.String,
        },
    )


def token_convention_sweep(
    prices: pl.DataFrame, params: Mapping[str, Any], fixed_over_period_x: float, t: C.Thresholds
) -> pl.DataFrame:
    """Claim 7's verdict under every price convention (the pair's ratio changes; the fixed-capability drop is
    held at the chapter's value). Returns ``convention``, ``ratio``, ``verdict``.
    """
    from scalinglab.analyses import token_cost_drop as tk

    conv = tk.convention_table(prices, params["from_model"], params["to_model"])
    return conv.select("convention", "ratio").with_columns(
        pl.col("ratio")
        .map_elements(
            lambda r: C.rule_token_drop(r, fixed_over_period_x, t.claimed_token_drop_x, t.price_tolerance_x),
            return_dtype=pl.String,
        )
        .alias("verdict")
    )


def decode_bound_search(spec_row: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, float | None]:
    """Where decode turns compute-bound on the token chapter's roofline, KV-cache reads included.

    Calls :func:`scalinglab.models.roofline.decode_throughput` (vectorised) with the chapter's GPU, model, weight
    format, utilisation and context. Returns ``batch``: the smallest batch (sequences, bisection between powers of
    two up to 2**20) at which the compute bound binds at the chapter's context, or None if none does;
    ``context_tokens``: the longest context at which the chapter's batch is compute-bound (bisection on
    [0, the chapter's context]), or None if even no context leaves it memory-bound.
    """
    import numpy as np

    from scalinglab.analyses import token_economics as econ
    from scalinglab.models import roofline

    tflops, _ = econ.dense_tflops_for(dict(spec_row), params["bytes_per_param"])
    total = params.get("total_params_billion") or params["active_params_billion"]

    def compute_bound(batch, context) -> np.ndarray:
        t = roofline.decode_throughput(
            spec_row["hbm_tb_per_s"],
            params["active_params_billion"],
            params["bytes_per_param"],
            batch,
            params["bandwidth_utilization"],
            tflops,
            roofline.COMPUTE_UTILIZATION,
            context,
            params.get("kv_bytes_per_token", 0.0),
            total,
            params.get("n_experts", 1),
            params.get("experts_per_token", 1),
        )
        return np.asarray(t.memory_bound_tokens_per_s) >= np.asarray(t.compute_bound_tokens_per_s)

    ctx = float(params.get("context_tokens", 0.0))
    grid = 2.0 ** np.arange(0, 21)
    ok = compute_bound(grid, ctx)
    batch = None
    if ok.any():
        i = int(np.argmax(ok))
        lo, hi = (grid[i - 1] if i else 0.5), grid[i]
        while hi - lo > 1e-3 * hi:
            m = (lo + hi) / 2
            lo, hi = (lo, m) if compute_bound(m, ctx) else (m, hi)
        batch = float(hi)
    b = float(params["batch_size"])
    context = None
    if bool(compute_bound(b, 0.0)):
        lo, hi = 0.0, max(ctx, 1.0)
        if bool(compute_bound(b, hi)):
            context = hi
        else:
            while hi - lo > 1e-3 * max(hi, 1.0):
                m = (lo + hi) / 2
                lo, hi = (m, hi) if compute_bound(b, m) else (lo, m)
            context = float(lo)
    return {"batch": batch, "context_tokens": context}


def moore_sweep(params: Mapping[str, Any]) -> pl.DataFrame:
    """The Moore's-law chapter's test (:func:`~scalinglab.analyses.moores_law_limits_trends.moores_law`) at every
    fit start year (by 5 years) and split year, other parameters as the chapter ran.

    Returns ``fit_start_year``, ``transistor_split_year``, ``doubling_years``, ``exhausted`` (the chapter's words
    say "these transistor counts agree"); settings with too few points on a side are skipped.
    """
    from scalinglab import data
    from scalinglab.analyses import moores_law_limits_trends as mt

    trends = data.load_all_microprocessor_trends()
    last = int(trends.filter(pl.col("metric") == "transistors")["year"].max())
    end = int(params["fit_end_year"])
    rows = []
    for start in range(1971, end - 14, 5):
        window = mt.fit_window(trends, start, end)
        for split in range(start + 5, end - 4):
            try:
                m = mt.moores_law(window, start, end, split, params["confidence_level"], last)
            except (ValueError, ZeroDivisionError):
                continue
            rows.append(
                {
                    "fit_start_year": start,
                    "transistor_split_year": split,
                    "doubling_years": m.transistor_doubling_years,
                    "exhausted": m.moore_vs_interview == C.MOORE_AGREES,
                }
            )
    return pl.DataFrame(rows).sort(["fit_start_year", "transistor_split_year"])


def precision_span_sweep(t: C.Thresholds) -> pl.DataFrame:
    """Claim 4's verdict on every span of the precision chapter's decomposition
    (:func:`scalinglab.analyses.precision_codesign.decomposition`): each pair of consecutive architectures and
    the whole span. Returns ``span``, ``format_share_pct``, ``verdict``, in the chapter's order.
    """
    from scalinglab import data
    from scalinglab.analyses import precision_codesign as pc

    frame, _ = pc.decomposition(pc.released(data.load_gpu_specs()))
    return frame.select("span", "format_share_pct").with_columns(
        pl.col("format_share_pct")
        .map_elements(lambda x: C.rule_share(x, t.major_share_pct, t.minor_share_pct), return_dtype=pl.String)
        .alias("verdict")
    )


def network_flip(params: Mapping[str, Any], values: Mapping[str, Any], t: C.Thresholds) -> list[Flip | Robust | Note]:
    """Claim 5 at other InfiniBand bandwidths per GPU: the scale-out bandwidth nearest the chapter's (bisection on
    [1, 1000] GB/s per direction) at which the verdict changes, every data-parallel efficiency recomputed by the
    interconnect chapter's :func:`~scalinglab.analyses.interconnect_network.data_parallel`; the tensor-parallel
    and all-reduce tests are held at the chapter's values.
    """
    import types

    from scalinglab.analyses import interconnect_network as net

    def rule(gb_s: float) -> str:
        r = net.data_parallel(types.SimpleNamespace(**{**params, "scaleout_bandwidth_gb_s": gb_s}))
        return C.rule_network(
            values["tp8_nvlink_word"],
            values["tp8_infiniband_word"],
            values["hierarchical_sharp_allreduce_ms"],
            values["hierarchical_allreduce_ms"],
            r.scaling_efficiency_nvl72,
            r.scaling_efficiency_nvl8,
            t.min_domain_efficiency_gain_x,
        )

    default = float(params["scaleout_bandwidth_gb_s"])
    hit = threshold_flip(rule, default, 1.0, 1000.0, tol=1e-4)
    if hit is None:
        return [
            Robust(
                "scaleout_bandwidth_gb_s",
                "interconnect_scaling",
                "[1, 1000]",
                rule(default),
                "bisection over the chapter's data-parallel model",
                default,
            )
        ]
    return [
        Flip(
            "scaleout_bandwidth_gb_s",
            "interconnect_scaling",
            hit[0],
            hit[1],
            rule(default),
            "bisection over the chapter's data-parallel model",
            default,
        )
    ]


#: fit end years of claim 3's second search (each refits the chapter's breaks, about 0.6 s)
MOORE_END_YEARS: tuple[int, ...] = (2009, 2012, 2015, 2018, 2021)


def moore_end_year_sweep(params: Mapping[str, Any], end_years: Iterable[int] = MOORE_END_YEARS) -> pl.DataFrame:
    """Claim 3's verdict at other fit end years: the Moore's-law chapter's transistor test
    (:func:`~scalinglab.analyses.moores_law_limits_trends.moores_law`) and its break fits of clock frequency
    (:func:`~scalinglab.analyses.moores_law_limits_trends.break_fits`, same seed), other parameters as it ran.

    Returns ``fit_end_year``, ``moore_exhausted``, ``frequency_trend_word``, ``verdict``; end years whose window
    is too short for a fit are skipped.
    """
    from scalinglab import data
    from scalinglab.analyses import moores_law_limits_trends as mt

    trends = data.load_all_microprocessor_trends()
    last = int(trends.filter(pl.col("metric") == "transistors")["year"].max())
    start, split = int(params["fit_start_year"]), int(params["transistor_split_year"])
    rows = []
    for end in end_years:
        window = mt.fit_window(trends, start, end)
        try:
            m = mt.moores_law(window, start, end, split, params["confidence_level"], last)
            b, _ = mt.break_fits(window, params["break_year"], params["confidence_level"], params["seed"])
            word = mt.breaks_summary(b).frequency_trend_word
        except (ValueError, KeyError, ZeroDivisionError, ParameterError):
            continue
        exhausted = m.moore_vs_interview == C.MOORE_AGREES
        rows.append(
            {
                "fit_end_year": end,
                "moore_exhausted": exhausted,
                "frequency_trend_word": word,
                "verdict": C.rule_moore_dennard(exhausted, word in C.FREQUENCY_STOPPED),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "fit_end_year": pl.Int64,
            "moore_exhausted": pl.Boolean,
            "frequency_trend_word": pl.String,
            "verdict": pl.String,
        },
    )
