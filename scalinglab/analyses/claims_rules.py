"""The claims of the No Priors interview and the rules that judge them: pure functions of numbers.

:data:`CLAIMS` holds each claim (sentence, where it was said, its section on the claims page, sources);
:class:`Thresholds` the rules' thresholds (the claims page's parameters); the ``rule_*`` functions take numbers
(and the chapters' own verdict words, where a chapter computes one) and return one of :data:`VERDICTS`. Every rule
is tested on both sides of its threshold (``tests/test_claims.py``). :mod:`scalinglab.analyses.claims` applies
them to the chapters' glued values.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scalinglab.analyses import datacentre_scale as dc

SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_TESTABLE = (
    "supported",
    "partly supported",
    "not supported",
    "not testable with the book's data",
)
#: The four verdicts, strongest first.
VERDICTS: tuple[str, ...] = (SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_TESTABLE)
#: Where the claims were made (bib key ``huang2024nopriors``).
WHERE = "No Priors, episode 89, November 2024"
INTERVIEW_KEY = "huang2024nopriors"


@dataclass(frozen=True)
class Claim:
    """One claim: ``number`` (1-9), ``heading`` (of its section on the claims page), ``short`` (a table label),
    ``sentence`` (paraphrased), ``chapter`` (slug of the chapter that tests it, or None), ``section`` (the heading
    of that chapter's section, as written), ``sources`` (bib keys besides the interview), ``timestamp`` (where in
    the interview, or None when the book's sources do not record it).
    """

    number: int
    heading: str
    short: str
    sentence: str
    chapter: str | None
    section: str | None
    sources: tuple[str, ...] = ()
    timestamp: str | None = None

    @property
    def anchor(self) -> str:
        """The id of the claim's section: its heading in lower case, runs of other characters as one hyphen
        (docutils' ids and MyST's heading slugs agree on these headings; tested).
        """
        return re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")


CLAIMS: tuple[Claim, ...] = (
    Claim(
        1,
        "Claim 1: data-centre performance",
        "Performance x2-3 per year at data-centre scale",
        "NVIDIA aims to double or triple performance every year at data-centre scale, not at chip level.",
        "datacentre_scale",
        "The verdict",
        ("epoch2025gpuclusters", "pilz2025supercomputers"),
    ),
    Claim(
        2,
        "Claim 2: cost and energy",
        "Cost and energy fall x2-3 per year",
        "And so to cut the cost and the energy of computing by the same factor of 2-3 every year.",
        "datacentre_scale",
        "The verdict",
        ("epoch2025gpuclusters",),
    ),
    Claim(
        3,
        "Claim 3: the end of Moore and Dennard scaling",
        "Moore's law and Dennard scaling are exhausted",
        "Moore's law and Dennard scaling are exhausted.",
        "moores_law_limits",
        None,
        ("rupp2022trends",),
    ),
    Claim(
        4,
        "Claim 4: lower precision",
        "Lower precision is a major source of the gains",
        "Co-design of hardware and software lets precision fall from FP64 to FP32, FP8 and FP4, and that is a "
        "major source of the gains.",
        "precision_codesign",
        None,
        ("epoch2024mlhardware",),
    ),
    Claim(
        5,
        "Claim 5: the network as part of the computer",
        "The network is part of the computer",
        "NVLink and InfiniBand make the network part of the computer: work moves into the fabric, and the scale-up "
        "domain decides how far a job scales.",
        "interconnect_scaling",
        None,
        (),
    ),
    Claim(
        6,
        "Claim 6: software alone",
        "Software alone: Hopper 5x faster in a year",
        "Software alone made Hopper about five times faster in a year, without changing the algorithms.",
        "software_speedup",
        "The claim",
        ("mlcommons2025inferenceresults", "reddi2020mlperfinference"),
    ),
    Claim(
        7,
        "Claim 7: the 240x fall in token prices",
        "Token prices fell 240x",
        "The price of processing a million tokens fell about 240x.",
        "token_cost_drop",
        None,
        ("epoch2025llmprices",),
    ),
    Claim(
        8,
        "Claim 8: training infrastructure for inference",
        "Training infrastructure serves inference",
        "Infrastructure built for training serves inference well, so training investment also pays for serving.",
        "token_cost_drop",
        None,
        (),
    ),
    Claim(
        9,
        "Claim 9: small models for specialised work",
        "Small models will do specialised work",
        "Small models will do specialised work.",
        "token_cost_drop",
        None,
        (),
    ),
)


@dataclass(frozen=True)
class Thresholds:
    """The rules' thresholds (the claims page's parameters; see ``scalinglab/book/schemas/claims.py``)."""

    promise_low_x: float = dc.PROMISE_LOW
    promise_high_x: float = dc.PROMISE_HIGH
    major_share_pct: float = 50.0
    minor_share_pct: float = 20.0
    min_domain_efficiency_gain_x: float = 1.5
    claimed_token_drop_x: float = 240.0
    price_tolerance_x: float = 2.0
    prefill_prompt_tokens: int = 1000


# ---------------------------------------------------------------------------
# the rules: pure functions of numbers
# ---------------------------------------------------------------------------
def _count_verdict(passed: int, total: int) -> str:
    """All tests passed -> supported, some -> partly supported, none -> not supported."""
    return SUPPORTED if passed == total else PARTLY if passed > 0 else NOT_SUPPORTED


def _finite(*xs: float) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in xs)


def rule_growth(ci_low: float, ci_high: float, low: float = 2.0, high: float = 3.0) -> str:
    """Claim 1. Supported if the interval of growth (x per year) overlaps or lies above [low, high]
    (datacentre_scale's own comparison, ``below`` / ``overlaps`` / ``above``); not supported if it lies below.
    """
    if not _finite(ci_low, ci_high):
        return NOT_TESTABLE
    return NOT_SUPPORTED if dc._compare(ci_low, ci_high, low, high) == "below" else SUPPORTED


def rule_cost_energy(
    watt_low: float, watt_high: float, usd_low: float, usd_high: float, low: float = 2.0, high: float = 3.0
) -> str:
    """Claim 2. FLOP/s per watt (energy) and per dollar (cost): each passes if its interval (x per year) reaches
    [low, high] (not wholly below). Both -> supported, one -> partly supported, none -> not supported.
    """
    if not _finite(watt_low, watt_high, usd_low, usd_high):
        return NOT_TESTABLE
    passed = sum(dc._compare(lo, hi, low, high) != "below" for lo, hi in ((watt_low, watt_high), (usd_low, usd_high)))
    return _count_verdict(passed, 2)


def rule_moore_dennard(moore_exhausted: bool, frequency_stopped: bool) -> str:
    """Claim 3. Two tests, each the Moore's-law chapter's own rule: Moore's law is exhausted when that chapter
    finds the transistor doubling time slower than the 1975 rule's two years or slowing after its split year
    (its glued ``moore_vs_interview`` says "these transistor counts agree"); Dennard scaling is exhausted when
    clock frequency stopped growing after its break (``frequency_trend_word`` "was flat" or "fell").
    Both -> supported, one -> partly supported, none -> not supported.
    """
    return _count_verdict(int(bool(moore_exhausted)) + int(bool(frequency_stopped)), 2)


#: The Moore's-law chapter's words that mean "exhausted" (its ``moores_law`` and ``trend_word`` rules).
MOORE_AGREES = "these transistor counts agree"
FREQUENCY_STOPPED = ("was flat", "fell")


def rule_share(share_pct: float, major_pct: float = 50.0, minor_pct: float = 20.0) -> str:
    """Claim 4. Supported if the format change carries at least ``major_pct`` % of the log gain, partly supported
    from ``minor_pct`` %, not supported below.
    """
    if not _finite(share_pct):
        return NOT_TESTABLE
    return SUPPORTED if share_pct >= major_pct else PARTLY if share_pct >= minor_pct else NOT_SUPPORTED


def rule_network(
    tp_nvlink_word: str,
    tp_infiniband_word: str,
    in_network_ms: float,
    ring_ms: float,
    efficiency_large_domain: float,
    efficiency_small_domain: float,
    min_gain_x: float = 1.5,
) -> str:
    """Claim 5, three tests on the interconnect chapter's alpha-beta model. (a) The scale-up domain decides how
    far tensor parallelism scales: 8-way tensor-parallel decode is "faster" over NVLink but not over InfiniBand
    (the chapter's ``speedup_word``). (b) Work moves into the fabric: the in-network (switch) all-reduce beats the
    ring. (c) The domain decides data-parallel scaling: 72-GPU domains lift efficiency at least ``min_gain_x``
    times over 8-GPU domains. All three -> supported, some -> partly supported, none -> not supported.
    """
    if not _finite(in_network_ms, ring_ms, efficiency_large_domain, efficiency_small_domain):
        return NOT_TESTABLE
    tests = (
        tp_nvlink_word == "faster" and tp_infiniband_word != "faster",
        in_network_ms < ring_ms,
        efficiency_large_domain / efficiency_small_domain >= min_gain_x,
    )
    return _count_verdict(sum(tests), 3)


def rule_software(best_speedup_x: float, claimed_x: float = 5.0) -> str:
    """Claim 6 (software_speedup's rule): supported if the largest same-hardware speed-up within the window is at
    least the claimed factor, otherwise not supported.
    """
    if not _finite(best_speedup_x):
        return NOT_TESTABLE
    return SUPPORTED if best_speedup_x >= claimed_x else NOT_SUPPORTED


def rule_token_drop(
    pair_ratio_x: float, fixed_capability_over_period_x: float, claimed_x: float = 240.0, tolerance_x: float = 2.0
) -> str:
    """Claim 7. The pair's price ratio reproduces the claim if within a factor ``tolerance_x`` of ``claimed_x``;
    the drop at fixed capability over the same months reaches it if at least ``claimed_x / tolerance_x``.
    Both -> supported; the pair only -> partly supported (the number is real, the models differ); otherwise not
    supported.
    """
    if not _finite(pair_ratio_x, fixed_capability_over_period_x):
        return NOT_TESTABLE
    pair = claimed_x / tolerance_x <= pair_ratio_x <= claimed_x * tolerance_x
    fixed = fixed_capability_over_period_x >= claimed_x / tolerance_x
    return SUPPORTED if pair and fixed else PARTLY if pair else NOT_SUPPORTED


def rule_training_serves(decode_bound: str, prefill_tokens_per_read: float, crossover_batch: float) -> str:
    """Claim 8 (the token chapter's roofline on one GPU). A phase uses the FLOP/s a training GPU is bought for when
    it is compute-bound. Decode passes if the chapter's roofline finds it compute-bound at its batch
    (``decode_bound == "compute"``, KV-cache reads included); prefill passes if the tokens it computes per read of
    the weights (the prompt length) reach the crossover batch. Both -> supported; one -> partly supported;
    neither -> not supported.
    """
    if not _finite(prefill_tokens_per_read, crossover_batch):
        return NOT_TESTABLE
    return _count_verdict(int(decode_bound == "compute") + int(prefill_tokens_per_read >= crossover_batch), 2)


def rule_small_models(task_benchmarks_n: int, size_factor_x: float) -> str:
    """Claim 9. Testable only with scores on specialised tasks (``task_benchmarks_n`` > 0); then supported if the
    model-size factor of the price decomposition exceeds 1 (smaller models are cheaper to serve). Without such
    scores: not testable with the book's data.
    """
    if task_benchmarks_n <= 0 or not _finite(size_factor_x):
        return NOT_TESTABLE
    return SUPPORTED if size_factor_x > 1 else NOT_SUPPORTED
