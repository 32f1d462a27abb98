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

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from scalinglab.analyses import claims as C
from scalinglab.analyses import datacentre_scale as dc
from scalinglab.errors import ParameterError


@dataclass(frozen=True)
class Flip:
    """A verdict change: ``parameter`` (of ``chapter``, or of the rule when ``chapter`` is ``"rule"``) at ``value``
    gives ``verdict`` instead of ``default_verdict``; ``method`` says how it was found."""

    parameter: str
    chapter: str
    value: Any
    verdict: str
    default_verdict: str
    method: str
    default_value: Any = None

    @property
    def sentence(self) -> str:
        def fmt(x: Any) -> str:
            return f"{x:.4g}" if isinstance(x, float) else str(x)

        where = "the rule's" if self.chapter == "rule" else f"{self.chapter}'s"
        was = f" (as run: {fmt(self.default_value)})" if self.default_value is not None else ""
        return f"{where} {self.parameter} = {fmt(self.value)}{was} gives \u201c{self.verdict}\u201d ({self.method})"

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips."""
        def fmt(x: Any) -> str:
            return f"{x:.4g}" if isinstance(x, float) else "" if x is None else str(x)

        return {"searched": ("rule: " if self.chapter == "rule" else f"{self.chapter}: ") + self.parameter,
                "as_run": fmt(self.default_value), "flips_at": fmt(self.value), "verdict_there": self.verdict,
                "found_by": self.method}


@dataclass(frozen=True)
class Robust:
    """A search that found no change: ``parameter`` of ``chapter`` over ``values`` keeps ``verdict``."""

    parameter: str
    chapter: str
    values: str
    verdict: str
    method: str

    @property
    def sentence(self) -> str:
        return (f"no {self.chapter} {self.parameter} in {self.values} changes it from \u201c{self.verdict}\u201d "
                f"({self.method})")

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips."""
        return {"searched": ("rule: " if self.chapter == "rule" else f"{self.chapter}: ") + self.parameter,
                "as_run": "", "flips_at": f"none in {self.values}", "verdict_there": "unchanged",
                "found_by": self.method}


@dataclass(frozen=True)
class Note:
    """A finding of a search stated as one sentence."""

    text: str

    @property
    def sentence(self) -> str:
        return self.text

    def row(self) -> dict[str, str]:
        """One row of the page's table of flips."""
        return {"searched": "", "as_run": "", "flips_at": self.text, "verdict_there": "", "found_by": ""}


def threshold_flip(rule: Callable[[float], str], default: float, lo: float, hi: float, tol: float = 1e-6
                   ) -> tuple[float, str] | None:
    """The threshold nearest ``default`` in [lo, hi] at which ``rule(threshold)`` changes, by bisection.

    ``rule`` must be a step function of one threshold that changes at most once on each side of ``default``.

    Returns
    -------
    tuple or None
        (boundary value, verdict just past it), or None when the verdict is the same at ``lo``, ``default`` and
        ``hi``.
    """
    base = rule(default)
    best = None
    for end in (lo, hi):
        if rule(end) == base:
            continue
        a, b = default, end  # rule(a) == base, rule(b) != base
        while abs(b - a) > tol * max(1.0, abs(a)):
            m = (a + b) / 2
            a, b = (m, b) if rule(m) == base else (a, m)
        if best is None or abs(b - default) < abs(best[0] - default):
            best = (b, rule(b))
    return best


def _rule_flip(rule: Callable[[float], str], name: str, default: float, lo: float, hi: float) -> list[Flip | Robust | Note]:
    hit = threshold_flip(rule, default, lo, hi)
    if hit is None:
        return [Robust(name, "rule", f"[{lo:g}, {hi:g}]", rule(default), "bisection on the rule")]
    return [Flip(name, "rule", hit[0], hit[1], rule(default), "bisection on the rule", default)]


# ---------------------------------------------------------------------------
# datacentre_scale (claims 1 and 2)
# ---------------------------------------------------------------------------
DC_TOP_N: tuple[int, ...] = (1, 3, 5, 10, 15, 20)


def datacentre_sweep(clusters: pl.DataFrame, params: Mapping[str, Any], t: C.Thresholds,
                     top_ns: Iterable[int] = DC_TOP_N, start_years: Iterable[int] | None = None) -> pl.DataFrame:
    """Verdicts of claims 1 and 2 at every (top_n, start_year), other parameters as the chapter ran.

    Calls :func:`scalinglab.analyses.datacentre_scale.analyse` at each point; points whose window holds too few
    leading systems are skipped. Returns ``top_n``, ``start_year``, ``perf_ci_low``, ``perf_ci_high``,
    ``verdict_1``, ``verdict_2``, sorted by top_n then start_year.
    """
    end = int(params["end_year"])
    years = list(start_years) if start_years is not None else list(range(2013, end - dc.MIN_WINDOW_YEARS + 2))
    rows = []
    for n in top_ns:
        for sy in years:
            try:
                r, _, _ = dc.analyse(clusters, params["precision"], n, params["min_certainty"], sy, end,
                                     params["confidence_level"])
            except (ParameterError, ValueError):
                continue
            rows.append({"top_n": n, "start_year": sy, "perf_ci_low": r.perf_growth_ci_low,
                         "perf_ci_high": r.perf_growth_ci_high,
                         "verdict_1": C.rule_growth(r.perf_growth_ci_low, r.perf_growth_ci_high, t.promise_low_x,
                                                    t.promise_high_x),
                         "verdict_2": C.rule_cost_energy(r.flops_per_watt_ci_low, r.flops_per_watt_ci_high,
                                                         r.flops_per_usd_ci_low, r.flops_per_usd_ci_high,
                                                         t.promise_low_x, t.promise_high_x)})
    return pl.DataFrame(rows).sort(["top_n", "start_year"])


def nearest_changes(sweep: pl.DataFrame, column: str, default: Mapping[str, Any], default_verdict: str,
                    axes: tuple[str, ...], chapter: str) -> list[Flip | Robust | Note]:
    """For each axis, the setting nearest the default (others at default) whose verdict differs, or a
    :class:`Robust` note when none on that axis does."""
    out = []
    for axis in axes:
        others = [a for a in axes if a != axis]
        line = sweep
        for o in others:
            line = line.filter(pl.col(o) == default[o])
        diff = line.filter(pl.col(column) != default_verdict)
        if diff.height:
            d = diff.with_columns((pl.col(axis) - default[axis]).abs().alias("_dist")).sort(["_dist", axis])
            row = d.row(0, named=True)
            out.append(Flip(axis, chapter, row[axis], row[column], default_verdict, "sweep of the chapter's analysis",
                            default[axis]))
        elif line.height:
            vals = line[axis].unique().sort()
            out.append(Robust(axis, chapter, f"{vals.min():g} to {vals.max():g}", default_verdict,
                              f"sweep of the chapter's analysis, {vals.len()} settings"))
    return out


def confidence_flip(clusters: pl.DataFrame, params: Mapping[str, Any], verdict_at: Callable[[Any], str],
                    lo: float = 0.5, hi: float = 0.999) -> list[Flip | Robust | Note]:
    """The confidence level nearest the chapter's at which ``verdict_at(result)`` changes (bisection over
    :func:`~scalinglab.analyses.datacentre_scale.analyse` at the chapter's other parameters)."""
    def rule(level: float) -> str:
        r, _, _ = dc.analyse(clusters, params["precision"], params["top_n"], params["min_certainty"],
                             params["start_year"], params["end_year"], level)
        return verdict_at(r)

    default = float(params["confidence_level"])
    hit = threshold_flip(rule, default, lo, hi, tol=1e-4)
    if hit is None:
        return [Robust("confidence_level", "datacentre_scale", f"[{lo:g}, {hi:g}]", rule(default),
                       "bisection over the chapter's fit")]
    return [Flip("confidence_level", "datacentre_scale", hit[0], hit[1], rule(default),
                 "bisection over the chapter's fit", default)]


# ---------------------------------------------------------------------------
# software_speedup (claim 6)
# ---------------------------------------------------------------------------
def software_window_sweep(params: Mapping[str, Any], windows: Iterable[int] = range(1, 37)) -> pl.DataFrame:
    """The chapter's claim check at every window (months), other parameters as the chapter ran.

    Returns ``window_months``, ``best_speedup_x``, ``verdict`` (software_speedup's own rule); windows holding no
    pair of rounds are skipped.
    """
    from scalinglab.analyses import software_speedup as sw

    series = sw.round_series(sw.select(params["system"], params["benchmarks"], params["scenario"],
                                       params["include_proxy_rows"]))
    rows = []
    for w in windows:
        try:
            c = sw.check_claim(series, w, params["claimed_speedup_x"])
        except ParameterError:
            continue
        rows.append({"window_months": w, "best_speedup_x": c.best_speedup_x, "verdict": c.verdict})
    return pl.DataFrame(rows, schema={"window_months": pl.Int64, "best_speedup_x": pl.Float64, "verdict": pl.String})


# ---------------------------------------------------------------------------
# token_cost_drop (claims 7 and 8)
# ---------------------------------------------------------------------------
def token_threshold_sweep(prices: pl.DataFrame, params: Mapping[str, Any], claim_months: float,
                          pair_ratio: float, t: C.Thresholds) -> pl.DataFrame:
    """Claim 7's verdict at every MMLU score in the price table used as the capability threshold.

    Returns ``capability_threshold``, ``decline_x_per_year``, ``over_period_x`` (the decline over the claim's
    months), ``verdict``; thresholds that leave too few frontier points are skipped.
    """
    from scalinglab.analyses import token_cost_drop as tk

    scores = sorted({float(s) for s in prices["mmlu"].drop_nulls().to_list()})
    rows = []
    for s in scores:
        try:
            d = tk.fixed_capability_decline(prices, s, params["start_date"], params["end_date"],
                                            params["price_convention"], score_col="mmlu")
        except (ParameterError, ValueError):
            continue
        over = d.x_per_year ** (claim_months / 12.0)
        rows.append({"capability_threshold": s, "decline_x_per_year": d.x_per_year, "over_period_x": over,
                     "verdict": C.rule_token_drop(pair_ratio, over, t.claimed_token_drop_x, t.price_tolerance_x)})
    return pl.DataFrame(rows, schema={"capability_threshold": pl.Float64, "decline_x_per_year": pl.Float64,
                                      "over_period_x": pl.Float64, "verdict": pl.String})


def token_convention_sweep(prices: pl.DataFrame, params: Mapping[str, Any], fixed_over_period_x: float,
                           t: C.Thresholds) -> pl.DataFrame:
    """Claim 7's verdict under every price convention (the pair's ratio changes; the fixed-capability drop is
    held at the chapter's value). Returns ``convention``, ``ratio``, ``verdict``."""
    from scalinglab.analyses import token_cost_drop as tk

    conv = tk.convention_table(prices, params["from_model"], params["to_model"])
    return conv.select("convention", "ratio").with_columns(
        pl.col("ratio").map_elements(lambda r: C.rule_token_drop(r, fixed_over_period_x, t.claimed_token_drop_x,
                                                                 t.price_tolerance_x), return_dtype=pl.String)
        .alias("verdict"))


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
        t = roofline.decode_throughput(spec_row["hbm_tb_per_s"], params["active_params_billion"],
                                       params["bytes_per_param"], batch, params["bandwidth_utilization"], tflops,
                                       roofline.COMPUTE_UTILIZATION, context, params.get("kv_bytes_per_token", 0.0),
                                       total, params.get("n_experts", 1), params.get("experts_per_token", 1))
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


# ---------------------------------------------------------------------------
# moores_law_limits (claim 3) and precision_codesign (claim 4)
# ---------------------------------------------------------------------------
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
            rows.append({"fit_start_year": start, "transistor_split_year": split,
                         "doubling_years": m.transistor_doubling_years,
                         "exhausted": m.moore_vs_interview == C.MOORE_AGREES})
    return pl.DataFrame(rows).sort(["fit_start_year", "transistor_split_year"])


def precision_span_sweep(t: C.Thresholds) -> pl.DataFrame:
    """Claim 4's verdict on every span of the precision chapter's decomposition
    (:func:`scalinglab.analyses.precision_codesign.decomposition`): each pair of consecutive architectures and
    the whole span. Returns ``span``, ``format_share_pct``, ``verdict``, in the chapter's order."""
    from scalinglab import data
    from scalinglab.analyses import precision_codesign as pc

    frame, _ = pc.decomposition(pc.released(data.load_gpu_specs()))
    return frame.select("span", "format_share_pct").with_columns(
        pl.col("format_share_pct").map_elements(lambda x: C.rule_share(x, t.major_share_pct, t.minor_share_pct),
                                                return_dtype=pl.String).alias("verdict"))


# ---------------------------------------------------------------------------
# all flips of all claims
# ---------------------------------------------------------------------------
def flips(checks: list[C.Check], values: Mapping[str, Mapping[str, Any]], params: Mapping[str, Mapping[str, Any]],
          t: C.Thresholds) -> tuple[list[C.Check], dict[str, pl.DataFrame]]:
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
        out[1] += confidence_flip(clusters, p, lambda r: C.rule_growth(r.perf_growth_ci_low, r.perf_growth_ci_high,
                                                                        t.promise_low_x, t.promise_high_x))
        out[2] += confidence_flip(clusters, p, lambda r: C.rule_cost_energy(
            r.flops_per_watt_ci_low, r.flops_per_watt_ci_high, r.flops_per_usd_ci_low, r.flops_per_usd_ci_high,
            t.promise_low_x, t.promise_high_x))
    d = v["datacentre_scale"]
    out[1] += _rule_flip(lambda x: C.rule_growth(d["dc_perf_growth_ci_low"], d["dc_perf_growth_ci_high"], x,
                                                 max(x, t.promise_high_x)),
                         "promise_low_x", t.promise_low_x, 1.0, 10.0)
    out[2] += _rule_flip(lambda x: C.rule_cost_energy(d["dc_flops_per_watt_ci_low"], d["dc_flops_per_watt_ci_high"],
                                                      d["dc_flops_per_usd_ci_low"], d["dc_flops_per_usd_ci_high"], x,
                                                      max(x, t.promise_high_x)),
                         "promise_low_x", t.promise_low_x, 1.0, 10.0)
    # 3: the Moore's-law chapter's own test at other windows and split years
    m = v["moores_law_limits"]
    if "moores_law_limits" in params and by[3].verdict != C.NOT_TESTABLE:
        p = params["moores_law_limits"]
        sweep = moore_sweep(p)
        tables["moore"] = sweep
        dennard = m["frequency_trend_word"] in C.FREQUENCY_STOPPED
        sweep = sweep.with_columns(pl.col("exhausted").map_elements(lambda e: C.rule_moore_dennard(e, dennard),
                                                                    return_dtype=pl.String).alias("verdict"))
        out[3] += nearest_changes(sweep, "verdict", p, by[3].verdict, ("fit_start_year", "transistor_split_year"),
                                  "moores_law_limits")
    # 4: every span of the precision chapter's decomposition, and the rule's thresholds
    share = v["precision_codesign"]["decomp_format_share_pct"]
    spans = precision_span_sweep(t)
    tables["precision_spans"] = spans
    differ = spans.filter(pl.col("verdict") != by[4].verdict)
    if differ.height:
        parts = "; ".join(f"{r['span']} ({r['format_share_pct']:.0f}%) gives \u201c{r['verdict']}\u201d"
                          for r in differ.iter_rows(named=True))
        out[4].append(Note(f"precision_codesign's span: {parts} (the chapter's decomposition per pair of "
                           f"generations; as run: {spans['span'][-1]})"))
    else:
        out[4].append(Robust("span", "precision_codesign", "every pair of generations", by[4].verdict,
                             "the chapter's decomposition"))
    out[4] += _rule_flip(lambda x: C.rule_share(share, max(x, t.minor_share_pct), t.minor_share_pct),
                         "major_share_pct", t.major_share_pct, 0.0, 100.0)
    out[4] += _rule_flip(lambda x: C.rule_share(share, max(t.major_share_pct, x), x),
                         "minor_share_pct", t.minor_share_pct, 0.0, 100.0)
    c = v["interconnect_scaling"]
    out[5] += _rule_flip(lambda x: C.rule_network(c["tp8_nvlink_word"], c["tp8_infiniband_word"],
                                                  c["in_network_allreduce_ms"], c["ring_allreduce_ms"],
                                                  c["scaling_efficiency_nvl72"], c["scaling_efficiency_nvl8"], x),
                         "min_domain_efficiency_gain_x", t.min_domain_efficiency_gain_x, 1.0, 100.0)
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
                out[6].append(Flip("include_proxy_rows", "software_speedup", False, alt["verdict"][0], by[6].verdict,
                                   "rerun of the chapter's check", True))
    out[6] += _rule_flip(lambda x: C.rule_software(s["sw_best_speedup_x"], x), "claimed_speedup_x",
                         float(s["sw_claimed_speedup_x"]), 1.0, 1000.0)
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
            out[7].append(Flip("price_convention", "token_cost_drop", row["convention"], row["verdict"], by[7].verdict,
                               "rerun of the chapter's price ratio", p["price_convention"]))
        from scalinglab.analyses import token_cost_drop as tk

        from scalinglab.analyses import token_economics as econ

        found = decode_bound_search(econ.gpu_spec(data.load_gpu_specs(), p["gpu"]), p)
        tables["decode_bound"] = pl.DataFrame([found], schema={"batch": pl.Float64, "context_tokens": pl.Float64})
        if found["batch"] is not None:
            out[8].append(Flip("batch_size", "token_cost_drop", found["batch"], C.rule_training_serves(
                "compute", t.prefill_prompt_tokens, k["fp_crossover_batch"]), by[8].verdict,
                "bisection on the roofline, KV-cache reads included", p["batch_size"]))
        else:
            out[8].append(Robust("batch_size", "token_cost_drop", "1 to 1,048,576", by[8].verdict,
                                 "the roofline with KV-cache reads: the KV cache keeps decode memory-bound"))
        if found["context_tokens"] is not None and by[8].verdict != C.SUPPORTED:
            out[8].append(Flip("context_tokens", "token_cost_drop", found["context_tokens"], C.rule_training_serves(
                "compute", t.prefill_prompt_tokens, k["fp_crossover_batch"]), by[8].verdict,
                "bisection on the roofline at the chapter's batch", p.get("context_tokens")))
    out[8] += _rule_flip(lambda x: C.rule_training_serves(k["fp_bound"], x, k["fp_crossover_batch"]),
                         "prefill_prompt_tokens", float(t.prefill_prompt_tokens), 1.0, 1e7)
    out[7] += _rule_flip(lambda x: C.rule_token_drop(k["claim_ratio"], k["fixed_over_claim_period_x"],
                                                     t.claimed_token_drop_x, x),
                         "price_tolerance_x", t.price_tolerance_x, 1.0, 1000.0)
    return [replace(ch, flips=tuple(out[ch.claim.number])) for ch in checks], tables
