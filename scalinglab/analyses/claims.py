"""The claims, checked: nine claims of the No Priors interview, each judged by a stated rule on the chapters' numbers.

Layout: :data:`CLAIMS` (in :mod:`.claims_rules`, re-exported here) holds each claim (sentence, where it was said, the chapter section that tests it, sources);
:data:`NEEDS` the glued values (chapter, key) each verdict reads; the ``rule_*`` functions are pure: numbers and
thresholds in, one of :data:`VERDICTS` out; :func:`evaluate` applies them to the values read from the executed
chapters (by :mod:`scalinglab.book.ledger`) and returns one :class:`Check` per claim. What would change a verdict is
found in :mod:`scalinglab.analyses.claims_flips` (sweeps and root searches over the chapters' own functions).

Where a chapter already computes a verdict word (datacentre_scale's interval comparison, software_speedup's
supported / not supported), the rule here reuses that chapter's function rather than a second copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scalinglab.analyses.claims_rules import (  # noqa: F401  (re-exported: the rules are part of this API)
    CLAIMS,
    FREQUENCY_STOPPED,
    INTERVIEW_KEY,
    MOORE_AGREES,
    NOT_SUPPORTED,
    NOT_TESTABLE,
    PARTLY,
    SUPPORTED,
    VERDICTS,
    WHERE,
    Claim,
    Thresholds,
    _finite,
    rule_cost_energy,
    rule_growth,
    rule_moore_dennard,
    rule_network,
    rule_share,
    rule_small_models,
    rule_software,
    rule_token_drop,
    rule_training_serves,
)

# ---------------------------------------------------------------------------
# what each verdict reads, and the checks
# ---------------------------------------------------------------------------
#: claim number -> the glued values it reads: (chapter slug, key). The ledger checks every one exists.
NEEDS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (
        ("datacentre_scale", "dc_perf_growth_x_per_year"),
        ("datacentre_scale", "dc_perf_growth_ci_low"),
        ("datacentre_scale", "dc_perf_growth_ci_high"),
        ("datacentre_scale", "dc_verdict_performance"),
        ("datacentre_scale", "dc_chips_share_pct"),
    ),
    2: (
        ("datacentre_scale", "dc_flops_per_watt_growth_x_per_year"),
        ("datacentre_scale", "dc_flops_per_watt_ci_low"),
        ("datacentre_scale", "dc_flops_per_watt_ci_high"),
        ("datacentre_scale", "dc_flops_per_usd_growth_x_per_year"),
        ("datacentre_scale", "dc_flops_per_usd_ci_low"),
        ("datacentre_scale", "dc_flops_per_usd_ci_high"),
        ("datacentre_scale", "dc_verdict_cost_energy"),
    ),
    3: (
        ("moores_law_limits", "transistor_doubling_years"),
        ("moores_law_limits", "transistor_doubling_ci_high"),
        ("moores_law_limits", "moore_vs_interview"),
        ("moores_law_limits", "frequency_trend_word"),
        ("moores_law_limits", "frequency_growth_pct_per_year_after"),
        ("moores_law_limits", "single_thread_growth_pct_per_year_after"),
    ),
    4: (
        ("precision_codesign", "decomp_format_share_pct"),
        ("precision_codesign", "decomp_format_gain"),
        ("precision_codesign", "decomp_total_gain"),
        ("precision_codesign", "decomp_span"),
    ),
    5: (
        ("interconnect_scaling", "tp8_nvlink_speedup"),
        ("interconnect_scaling", "tp8_infiniband_speedup"),
        ("interconnect_scaling", "tp8_nvlink_word"),
        ("interconnect_scaling", "tp8_infiniband_word"),
        ("interconnect_scaling", "hierarchical_sharp_allreduce_ms"),
        ("interconnect_scaling", "hierarchical_allreduce_ms"),
        ("interconnect_scaling", "scaling_efficiency_nvl72"),
        ("interconnect_scaling", "scaling_efficiency_nvl8"),
    ),
    6: (
        ("software_speedup", "sw_best_speedup_x"),
        ("software_speedup", "sw_claimed_speedup_x"),
        ("software_speedup", "sw_window_months"),
        ("software_speedup", "sw_verdict"),
    ),
    7: (
        ("token_cost_drop", "claim_ratio"),
        ("token_cost_drop", "claim_period_months"),
        ("token_cost_drop", "fixed_over_claim_period_x"),
        ("token_cost_drop", "fixed_capability_decline_x_per_year"),
    ),
    8: (("token_cost_drop", "fp_crossover_batch"), ("token_cost_drop", "fp_bound")),
    9: (("token_cost_drop", "decomposition_size_x"), ("token_cost_drop", "fixed_last_holder")),
}


@dataclass(frozen=True)
class Number:
    """A deciding number: ``label``, ``value``, ``fmt`` (format spec), ``unit``, and where it was computed:
    ``chapter`` and ``key`` (glued there), ``section`` (heading of the chapter section, or None for the top).
    """

    label: str
    value: Any
    fmt: str
    unit: str
    chapter: str
    key: str
    section: str | None = None

    @property
    def text(self) -> str:
        """The value formatted with ``fmt`` and its unit."""
        v = format(self.value, self.fmt) if _finite(self.value) else str(self.value)
        return f"{v}{self.unit}"


@dataclass(frozen=True)
class Check:
    """One claim checked: its ``verdict`` (one of :data:`VERDICTS`) by ``rule`` (a sentence), the deciding
    ``numbers``, the ``assumptions`` that matter, ``limits`` and, for *not testable*, ``settle`` (the data that
    would settle it). ``flips`` is filled by :mod:`scalinglab.analyses.claims_flips`.
    """

    claim: Claim
    verdict: str
    rule: str
    numbers: tuple[Number, ...]
    assumptions: str
    limits: str = ""
    settle: str = ""
    flips: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def headline(self) -> Number:
        """The one deciding number of the landing page's table."""
        return self.numbers[0]


def _n(
    values: Mapping[str, Mapping[str, Any]],
    chapter: str,
    key: str,
    label: str,
    fmt: str,
    unit: str = "",
    section: str | None = None,
) -> Number:
    return Number(label, values[chapter][key], fmt, unit, chapter, key, section)


def _check_1(v, t: Thresholds) -> Check:
    d = v["datacentre_scale"]
    sec = "Growth per year"
    return Check(
        CLAIMS[0],
        rule_growth(d["dc_perf_growth_ci_low"], d["dc_perf_growth_ci_high"], t.promise_low_x, t.promise_high_x),
        f"supported if the confidence interval of the leading systems' performance growth overlaps or lies above "
        f"[{t.promise_low_x:g}, {t.promise_high_x:g}]x per year; not supported if it lies wholly below",
        (
            _n(v, "datacentre_scale", "dc_perf_growth_x_per_year", "performance growth", ".2f", "x per year", sec),
            _n(v, "datacentre_scale", "dc_perf_growth_ci_low", "interval low", ".2f", "x", sec),
            _n(v, "datacentre_scale", "dc_perf_growth_ci_high", "interval high", ".2f", "x", sec),
            _n(
                v,
                "datacentre_scale",
                "dc_chips_share_pct",
                "share of the growth from more chips",
                ".0f",
                "%",
                "Decomposition",
            ),
        ),
        "which systems count as leading (top_n), the fit window, the number format of the peak, and that peak "
        "FLOP/s stands for performance",
        "peak, not delivered, performance; growth bought with more chips, power and money counts as growth",
    )


def _check_2(v, t: Thresholds) -> Check:
    d = v["datacentre_scale"]
    return Check(
        CLAIMS[1],
        rule_cost_energy(
            d["dc_flops_per_watt_ci_low"],
            d["dc_flops_per_watt_ci_high"],
            d["dc_flops_per_usd_ci_low"],
            d["dc_flops_per_usd_ci_high"],
            t.promise_low_x,
            t.promise_high_x,
        ),
        f"energy per FLOP falls by the growth of FLOP/s per watt, cost by that of FLOP/s per dollar; each passes if "
        f"its interval reaches [{t.promise_low_x:g}, {t.promise_high_x:g}]x per year; both: supported, one: partly "
        f"supported, none: not supported",
        (
            _n(
                v,
                "datacentre_scale",
                "dc_flops_per_watt_growth_x_per_year",
                "FLOP/s per watt",
                ".2f",
                "x per year",
                "Growth per year",
            ),
            _n(
                v,
                "datacentre_scale",
                "dc_flops_per_usd_growth_x_per_year",
                "FLOP/s per dollar",
                ".2f",
                "x per year",
                "Growth per year",
            ),
            _n(
                v,
                "datacentre_scale",
                "dc_flops_per_watt_ci_high",
                "FLOP/s per watt, interval high",
                ".2f",
                "x",
                "Growth per year",
            ),
        ),
        "power capacity and hardware cost of the whole system (not the energy actually drawn, not operating cost)",
        "capital cost only; energy is capacity, not metered use",
    )


def _check_3(v, t: Thresholds) -> Check:  # noqa: ARG001 - one signature for every check
    m = v["moores_law_limits"]
    moore, dennard = "Is Moore's law exhausted?", "The end of Dennard scaling"
    return Check(
        CLAIMS[2],
        rule_moore_dennard(m["moore_vs_interview"] == MOORE_AGREES, m["frequency_trend_word"] in FREQUENCY_STOPPED),
        "two tests, each the Moore's-law chapter's own rule: Moore's law is exhausted if the transistor doubling "
        "time is slower than the 1975 rule's two years or slowing after the split year; Dennard scaling is "
        "exhausted if clock frequency stopped growing after its break (its post-break interval not wholly above "
        "zero); both: supported, one: partly supported, none: not supported",
        (
            _n(v, "moores_law_limits", "transistor_doubling_years", "transistor doubling time", ".2f", " years", moore),
            _n(
                v,
                "moores_law_limits",
                "transistor_doubling_ci_high",
                "slowest doubling time in the interval",
                ".2f",
                " years",
                moore,
            ),
            _n(
                v,
                "moores_law_limits",
                "frequency_growth_pct_per_year_after",
                "clock growth after the break",
                ".1f",
                "% per year",
                dennard,
            ),
            _n(
                v,
                "moores_law_limits",
                "single_thread_growth_pct_per_year_after",
                "single-thread growth after the break",
                ".0f",
                "% per year",
                "Where growth changes",
            ),
        ),
        "transistor counts of the largest microprocessors stand for Moore's law, clock frequency for Dennard "
        "scaling; the fit window and the split year",
        "counts per chip, not cost per transistor (the economic form of Moore's law is not in the data); the "
        "microprocessor data end in 2021",
    )


def _check_4(v, t: Thresholds) -> Check:
    p = v["precision_codesign"]
    return Check(
        CLAIMS[3],
        rule_share(p["decomp_format_share_pct"], t.major_share_pct, t.minor_share_pct),
        f"supported if the change of number format carries at least {t.major_share_pct:g}% of the log gain in dense "
        f"peak FLOP/s; partly supported from {t.minor_share_pct:g}%; not supported below",
        (
            _n(v, "precision_codesign", "decomp_format_share_pct", "format's share of the log gain", ".0f", "%"),
            _n(v, "precision_codesign", "decomp_format_gain", "gain from the format", ".1f", "x"),
            _n(v, "precision_codesign", "decomp_total_gain", "total gain", ".0f", "x"),
        ),
        "dense peak at the lowest supported format over the span of GPUs; a format counts only where its accuracy "
        "(block scaling for FP4) is acceptable",
        "peak FLOP/s, not model quality at low precision",
    )


def _check_5(v, t: Thresholds) -> Check:
    c = v["interconnect_scaling"]
    tp, coll, dp = "Tensor-parallel inference", "What a collective costs", "Data-parallel training"
    return Check(
        CLAIMS[4],
        rule_network(
            c["tp8_nvlink_word"],
            c["tp8_infiniband_word"],
            c["hierarchical_sharp_allreduce_ms"],
            c["hierarchical_allreduce_ms"],
            c["scaling_efficiency_nvl72"],
            c["scaling_efficiency_nvl8"],
            t.min_domain_efficiency_gain_x,
        ),
        f"three tests in the interconnect chapter's alpha-beta model: 8-way tensor-parallel decode is clearly faster "
        f"over NVLink but not over InfiniBand (the chapter's own word); the two-level all-reduce with in-network (SHARP) reduction across domains beats the one with a ring; "
        f"72-GPU NVLink domains lift data-parallel efficiency at least {t.min_domain_efficiency_gain_x:g}x over "
        f"8-GPU domains; all three: supported, some: partly supported, none: not supported",
        (
            _n(v, "interconnect_scaling", "tp8_nvlink_speedup", "8-way tensor parallel over NVLink", ".2f", "x", tp),
            _n(
                v,
                "interconnect_scaling",
                "tp8_infiniband_speedup",
                "8-way tensor parallel over InfiniBand",
                ".2f",
                "x",
                tp,
            ),
            _n(
                v,
                "interconnect_scaling",
                "hierarchical_sharp_allreduce_ms",
                "two-level all-reduce, SHARP across domains",
                ".2f",
                " ms",
                coll,
            ),
            _n(
                v,
                "interconnect_scaling",
                "hierarchical_allreduce_ms",
                "two-level all-reduce, ring across domains",
                ".2f",
                " ms",
                coll,
            ),
            _n(
                v,
                "interconnect_scaling",
                "scaling_efficiency_nvl72",
                "data-parallel efficiency, 72-GPU domains",
                ".3f",
                "",
                dp,
            ),
            _n(
                v,
                "interconnect_scaling",
                "scaling_efficiency_nvl8",
                "data-parallel efficiency, 8-GPU domains",
                ".3f",
                "",
                dp,
            ),
        ),
        "the alpha-beta model with datasheet bandwidths and latencies; the chapter's model size, job size, message "
        "size and overlap of communication with compute",
        "a model, not a measurement: congestion, stragglers and failures are left out",
    )


def _check_6(v, t: Thresholds) -> Check:  # noqa: ARG001 - one signature for every check
    s = v["software_speedup"]
    return Check(
        CLAIMS[5],
        rule_software(s["sw_best_speedup_x"], s["sw_claimed_speedup_x"]),
        f"software_speedup's rule: supported if the largest same-hardware MLPerf Inference speed-up within "
        f"{s['sw_window_months']:g} months is at least the claimed {s['sw_claimed_speedup_x']:g}x, otherwise not "
        f"supported",
        (
            _n(v, "software_speedup", "sw_best_speedup_x", "largest speed-up in the window", ".2f", "x", "The claim"),
            _n(v, "software_speedup", "sw_claimed_speedup_x", "claimed", ".1f", "x", "The claim"),
            _n(v, "software_speedup", "sw_window_months", "window", ".0f", " months", "The claim"),
        ),
        "NVIDIA's own DGX H100 submissions, round to round; Offline and Server never mixed",
        "derived from MLPerf Inference results, not official MLPerf results; the whole software stack changed",
    )


def _check_7(v, t: Thresholds) -> Check:
    k = v["token_cost_drop"]
    return Check(
        CLAIMS[6],
        rule_token_drop(k["claim_ratio"], k["fixed_over_claim_period_x"], t.claimed_token_drop_x, t.price_tolerance_x),
        f"the pair's price ratio reproduces the claim if within {t.price_tolerance_x:g}x of "
        f"{t.claimed_token_drop_x:g}x; the drop at fixed capability over the same months reaches it if at least "
        f"{t.claimed_token_drop_x / t.price_tolerance_x:g}x; both: supported, the pair only: partly supported, "
        f"neither: not supported",
        (
            _n(v, "token_cost_drop", "claim_ratio", "the pair's price ratio", ".0f", "x"),
            _n(v, "token_cost_drop", "fixed_over_claim_period_x", "drop at fixed capability, same months", ".0f", "x"),
            _n(v, "token_cost_drop", "claim_period_months", "months between the prices", ".0f", ""),
        ),
        "the pair of models and the price convention; MMLU as the measure of capability; list prices",
        "list prices, not costs; one benchmark for capability",
    )


def _check_8(v, t: Thresholds) -> Check:
    k = v["token_cost_drop"]
    batch = v.get("token_cost_drop:params", {}).get("batch_size", 64)
    sec = "From first principles"
    return Check(
        CLAIMS[7],
        rule_training_serves(k["fp_bound"], t.prefill_prompt_tokens, k["fp_crossover_batch"]),
        f"on the token chapter's roofline, a phase uses the FLOP/s a training GPU is bought for when it is "
        f"compute-bound: decode at the chapter's batch (KV-cache reads included), and prefill of a "
        f"{t.prefill_prompt_tokens}-token prompt, which computes that many tokens per read of the weights, against "
        f"the crossover batch; both compute-bound: supported, one: partly supported, neither: not supported",
        (
            _n(
                v,
                "token_cost_drop",
                "fp_crossover_batch",
                "weights-only compute-versus-memory crossover batch",
                ".0f",
                " sequences",
                sec,
            ),
            Number(
                "decode batch of the chapter",
                batch,
                ".0f",
                " sequences",
                "token_cost_drop",
                "batch_size (run parameter)",
                sec,
            ),
            _n(v, "token_cost_drop", "fp_bound", "decode at that batch is bound by", "s", "", sec),
        ),
        "one GPU, the chapter's model, weight format, context length and utilisations; prefill's KV writes ignored",
        "whether training investment pays for serving is an economic question the book's data do not reach",
        "utilisation and cost data of real inference fleets on training clusters",
    )


def _check_9(v, t: Thresholds) -> Check:  # noqa: ARG001 - one signature for every check
    k = v["token_cost_drop"]
    tasks = int(v.get("token_cost_drop:task_benchmarks_n", 0))
    return Check(
        CLAIMS[8],
        rule_small_models(tasks, k["decomposition_size_x"]),
        "testable only with scores of models on specialised tasks; then supported if the model-size factor of the "
        "price decomposition exceeds 1",
        (
            _n(v, "token_cost_drop", "decomposition_size_x", "model-size factor of the price fall", ".1f", "x"),
            _n(v, "token_cost_drop", "fixed_last_holder", "cheapest model at GPT-4's MMLU", "s", ""),
        ),
        "a smaller active parameter count is what makes a model cheaper to serve",
        "the price table scores every model on one general benchmark (MMLU), none on specialised work",
        "scores of small and large models on the same specialised tasks (e.g. domain benchmarks), with prices",
    )


CHECKS: dict[int, Callable[[Mapping[str, Any], Thresholds], Check]] = {
    1: _check_1,
    2: _check_2,
    3: _check_3,
    4: _check_4,
    5: _check_5,
    6: _check_6,
    7: _check_7,
    8: _check_8,
    9: _check_9,
}


def evaluate(values: Mapping[str, Mapping[str, Any]], thresholds: Thresholds | None = None) -> list[Check]:
    """One :class:`Check` per claim, in order.

    Parameters
    ----------
    values : mapping
        chapter slug -> {glued key -> value} (every key of :data:`NEEDS`), plus the optional entries
        ``"token_cost_drop:params"`` (that chapter's run parameters) and ``"token_cost_drop:task_benchmarks_n"``.
    thresholds : Thresholds, optional
        The rules' thresholds (default: :class:`Thresholds`).

    Raises
    ------
    KeyError
        When a needed value is absent (the ledger raises a named error before this happens).
    """
    t = thresholds or Thresholds()
    return [CHECKS[c.number](values, t) for c in CLAIMS]
