"""What would change each verdict: the parameter values at which it flips, found by sweeps and root searches.

Two kinds of search, both computed, never typed:

* over a **chapter's parameters**, by calling that chapter's own analysis functions at other settings
  (:func:`datacentre_sweep` over ``top_n`` and ``start_year``, :func:`confidence_flip` over the confidence level,
  :func:`software_window_sweep` over ``window_months``, :func:`token_threshold_sweep` over the capability threshold,
  :func:`token_convention_sweep` over the price convention, :func:`crossover_batch` by a root search on the
  roofline);
* over a **rule's threshold**, by bisection on the rule with the chapter's numbers fixed (:func:`threshold_flip`).

:func:`flips` puts them together into one sentence list per claim.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from scalinglab.analyses import claims as C
from scalinglab.analyses.claims_search import (  # noqa: F401  (re-exported)
    Flip,
    Note,
    Robust,
    _rule_flip,
    nearest_changes,
    threshold_flip,
)
from scalinglab.analyses.claims_sweeps import (  # noqa: F401  (re-exported)
    DC_TOP_N,
    confidence_flip,
    datacentre_sweep,
    decode_bound_search,
    moore_end_year_sweep,
    moore_sweep,
    network_flip,
    precision_span_sweep,
    software_window_sweep,
    token_convention_sweep,
    token_threshold_sweep,
)


def flips(
    checks: list[C.Check],
    values: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, Mapping[str, Any]],
    t: C.Thresholds,
) -> tuple[list[C.Check], dict[str, pl.DataFrame]]:
    """Each check with its ``flips`` filled, and the sweep tables behind them (name -> frame).

    ``params`` maps chapter slug -> the parameters it ran with (from its run record).
    """
    from scalinglab import data

    by = {c.claim.number: c for c in checks}
    out: dict[int, list[Flip | Robust | Note]] = {n: [] for n in by}
    tables: dict[str, pl.DataFrame] = {}
    v = values
    # 1 and 2: sweeps and the confidence level over the data-centre chapter
    if "datacentre_scale" in params:
        p = params["datacentre_scale"]
        clusters = data.load_gpu_clusters()
        sweep = datacentre_sweep(clusters, p, t)
        tables["datacentre"] = sweep
        for n, col in ((1, "verdict_1"), (2, "verdict_2")):
            out[n] += nearest_changes(sweep, col, p, by[n].verdict, ("top_n", "start_year"), "datacentre_scale")
        out[1] += confidence_flip(
            clusters,
            p,
            lambda r: C.rule_growth(r.perf_growth_ci_low, r.perf_growth_ci_high, t.promise_low_x, t.promise_high_x),
        )
        out[2] += confidence_flip(
            clusters,
            p,
            lambda r: C.rule_cost_energy(
                r.flops_per_watt_ci_low,
                r.flops_per_watt_ci_high,
                r.flops_per_usd_ci_low,
                r.flops_per_usd_ci_high,
                t.promise_low_x,
                t.promise_high_x,
            ),
        )
    d = v["datacentre_scale"]
    out[1] += _rule_flip(
        lambda x: C.rule_growth(d["dc_perf_growth_ci_low"], d["dc_perf_growth_ci_high"], x, max(x, t.promise_high_x)),
        "promise_low_x",
        t.promise_low_x,
        1.0,
        10.0,
    )
    out[2] += _rule_flip(
        lambda x: C.rule_cost_energy(
            d["dc_flops_per_watt_ci_low"],
            d["dc_flops_per_watt_ci_high"],
            d["dc_flops_per_usd_ci_low"],
            d["dc_flops_per_usd_ci_high"],
            x,
            max(x, t.promise_high_x),
        ),
        "promise_low_x",
        t.promise_low_x,
        1.0,
        10.0,
    )
    # 3: the Moore's-law chapter's own test at other windows and split years
    m = v["moores_law_limits"]
    if "moores_law_limits" in params and by[3].verdict != C.NOT_TESTABLE:
        p = params["moores_law_limits"]
        sweep = moore_sweep(p)
        tables["moore"] = sweep
        dennard = m["frequency_trend_word"] in C.FREQUENCY_STOPPED
        sweep = sweep.with_columns(
            pl.col("exhausted")
            .map_elements(lambda e: C.rule_moore_dennard(e, dennard), return_dtype=pl.String)
            .alias("verdict")
        )
        out[3] += nearest_changes(
            sweep, "verdict", p, by[3].verdict, ("fit_start_year", "transistor_split_year"), "moores_law_limits"
        )
        ends = moore_end_year_sweep(p)
        tables["moore_end_year"] = ends
        out[3] += nearest_changes(ends, "verdict", p, by[3].verdict, ("fit_end_year",), "moores_law_limits")
    # 4: every span of the precision chapter's decomposition, and the rule's thresholds
    share = v["precision_codesign"]["decomp_format_share_pct"]
    spans = precision_span_sweep(t)
    tables["precision_spans"] = spans
    differ = spans.filter(pl.col("verdict") != by[4].verdict)
    if differ.height:
        parts = "; ".join(
            f"{r['span']} ({r['format_share_pct']:.0f}%) gives \u201c{r['verdict']}\u201d"
            for r in differ.iter_rows(named=True)
        )
        out[4].append(
            Note(
                f"precision_codesign's span: {parts} (the chapter's decomposition per pair of "
                f"generations; as run: {spans['span'][-1]})",
                searched="precision_codesign: span",
                as_run=str(spans["span"][-1]),
                flips_at=parts,
                verdict_there="see the spans",
                found_by="the chapter's decomposition per pair of generations",
            )
        )
    else:
        out[4].append(
            Robust(
                "span",
                "precision_codesign",
                "every pair of generations",
                by[4].verdict,
                "the chapter's decomposition",
                str(spans["span"][-1]),
            )
        )
    out[4] += _rule_flip(
        lambda x: C.rule_share(share, max(x, t.minor_share_pct), t.minor_share_pct),
        "major_share_pct",
        t.major_share_pct,
        0.0,
        100.0,
    )
    out[4] += _rule_flip(
        lambda x: C.rule_share(share, max(t.major_share_pct, x), x), "minor_share_pct", t.minor_share_pct, 0.0, 100.0
    )
    c = v["interconnect_scaling"]
    if "interconnect_scaling" in params:
        out[5] += network_flip(params["interconnect_scaling"], c, t)
    out[5] += _rule_flip(
        lambda x: C.rule_network(
            c["tp8_nvlink_word"],
            c["tp8_infiniband_word"],
            c["hierarchical_sharp_allreduce_ms"],
            c["hierarchical_allreduce_ms"],
            c["scaling_efficiency_nvl72"],
            c["scaling_efficiency_nvl8"],
            x,
        ),
        "min_domain_efficiency_gain_x",
        t.min_domain_efficiency_gain_x,
        1.0,
        100.0,
    )
    # 6: the window, and the claimed factor
    s = v["software_speedup"]
    if "software_speedup" in params:
        p = params["software_speedup"]
        sweep = software_window_sweep(p)
        tables["software"] = sweep
        out[6] += nearest_changes(sweep, "verdict", p, by[6].verdict, ("window_months",), "software_speedup")
        if p.get("include_proxy_rows", True):
            alt = software_window_sweep({**p, "include_proxy_rows": False}, [int(p["window_months"])])
            if alt.height and alt["verdict"][0] != by[6].verdict:
                out[6].append(
                    Flip(
                        "include_proxy_rows",
                        "software_speedup",
                        False,
                        alt["verdict"][0],
                        by[6].verdict,
                        "rerun of the chapter's check",
                        True,
                    )
                )
            elif alt.height:
                out[6].append(
                    Robust(
                        "include_proxy_rows",
                        "software_speedup",
                        "either setting (true, false)",
                        by[6].verdict,
                        "rerun of the chapter's check without proxy values",
                        "true",
                    )
                )
    out[6] += _rule_flip(
        lambda x: C.rule_software(s["sw_best_speedup_x"], x),
        "claimed_speedup_x",
        float(s["sw_claimed_speedup_x"]),
        1.0,
        1000.0,
    )
    # 7 and 8: the token chapter
    k = v["token_cost_drop"]
    if "token_cost_drop" in params:
        p = params["token_cost_drop"]
        prices = data.load_llm_prices()
        sweep = token_threshold_sweep(prices, p, k["claim_period_months"], k["claim_ratio"], t)
        tables["token_threshold"] = sweep
        out[7] += nearest_changes(sweep, "verdict", p, by[7].verdict, ("capability_threshold",), "token_cost_drop")
        conv = token_convention_sweep(prices, p, k["fixed_over_claim_period_x"], t)
        tables["token_convention"] = conv
        for row in conv.filter(pl.col("verdict") != by[7].verdict).iter_rows(named=True):
            out[7].append(
                Flip(
                    "price_convention",
                    "token_cost_drop",
                    row["convention"],
                    row["verdict"],
                    by[7].verdict,
                    "rerun of the chapter's price ratio",
                    p["price_convention"],
                )
            )

        from scalinglab.analyses import token_economics as econ

        found = decode_bound_search(econ.gpu_spec(data.load_gpu_specs(), p["gpu"]), p)
        tables["decode_bound"] = pl.DataFrame([found], schema={"batch": pl.Float64, "context_tokens": pl.Float64})
        if found["batch"] is not None:
            out[8].append(
                Flip(
                    "batch_size",
                    "token_cost_drop",
                    found["batch"],
                    C.rule_training_serves("compute", t.prefill_prompt_tokens, k["fp_crossover_batch"]),
                    by[8].verdict,
                    "bisection on the roofline, KV-cache reads included",
                    p["batch_size"],
                )
            )
        else:
            out[8].append(
                Robust(
                    "batch_size",
                    "token_cost_drop",
                    "1 to 1,048,576",
                    by[8].verdict,
                    "the roofline with KV-cache reads: the KV cache keeps decode memory-bound",
                    p["batch_size"],
                )
            )
        if found["context_tokens"] is not None and by[8].verdict != C.SUPPORTED:
            out[8].append(
                Flip(
                    "context_tokens",
                    "token_cost_drop",
                    found["context_tokens"],
                    C.rule_training_serves("compute", t.prefill_prompt_tokens, k["fp_crossover_batch"]),
                    by[8].verdict,
                    "bisection on the roofline at the chapter's batch",
                    p.get("context_tokens"),
                )
            )
    out[8] += _rule_flip(
        lambda x: C.rule_training_serves(k["fp_bound"], x, k["fp_crossover_batch"]),
        "prefill_prompt_tokens",
        float(t.prefill_prompt_tokens),
        1.0,
        1e7,
    )
    out[7] += _rule_flip(
        lambda x: C.rule_token_drop(k["claim_ratio"], k["fixed_over_claim_period_x"], t.claimed_token_drop_x, x),
        "price_tolerance_x",
        t.price_tolerance_x,
        1.0,
        1000.0,
    )
    return [replace(ch, flips=tuple(out[ch.claim.number])) for ch in checks], tables
