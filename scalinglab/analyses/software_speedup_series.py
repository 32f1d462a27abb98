"""Same-hardware series, window search and the claim check of the chapter *Software alone*
(re-exported by :mod:`scalinglab.analyses.software_speedup`, whose docstring states the comparison rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scalinglab import data
from scalinglab.errors import ParameterError

#: The DGX H100 system (8x H100-SXM-80GB), submitted by NVIDIA in every round from v3.0 to v5.0.
H100_SYSTEM = "DGX-H100_H100-SXM-80GBx8_TRT"
#: Workloads (results folder without its accuracy target) and their names on the page.
WORKLOAD_NAMES: dict[str, str] = {
    "gptj": "GPT-J 6B",
    "llama2-70b": "Llama 2 70B",
    "resnet50": "ResNet-50",
    "bert": "BERT-Large",
}
#: The LLM workloads of the speed-up range fed to the token-cost chapter.
LLM_WORKLOADS: tuple[str, ...] = ("gptj", "llama2-70b")
#: Scenario choices of the chapter parameter ``scenario``.
SCENARIO_CHOICES: tuple[str, ...] = ("Offline", "Server", "both")
DIVISION = "closed"
DERIVED = "derived from MLPerf Inference results, not an official MLPerf result"


def _scenarios(scenario: str) -> list[str]:
    return ["Offline", "Server"] if scenario == "both" else [scenario]


def samples_table(include_proxy_rows: bool = True, results: pl.DataFrame | None = None) -> pl.DataFrame:
    """One throughput per (system, workload, scenario, round), in samples/s, chosen by the module's rules.

    Parameters
    ----------
    include_proxy_rows : bool
        Keep values flagged ``proxy`` (a ``-99.9`` stand-in or the third-party v5.0 copy).
    results : polars.DataFrame, optional
        Output of :func:`scalinglab.data.load_mlperf_inference` (default: loaded).

    Returns
    -------
    polars.DataFrame
        Columns ``round``, ``publication_date`` (Date), ``month_index`` (months since year 0), ``division``,
        ``submitter``, ``system``, ``accelerator``, ``accelerators_per_system``, ``workload``, ``benchmark`` (the
        folder read), ``scenario``, ``samples_per_s`` (system), ``samples_per_s_per_accelerator`` (derived),
        ``software``, ``log_field``, ``mlcommons_result_id``, ``proxy`` (bool), ``proxy_reason`` (str or null);
        sorted by system, workload, scenario, date.
    """
    df = data.load_mlperf_inference() if results is None else results
    df = df.filter(
        (pl.col("metric") == "samples_per_s")
        & ((pl.col("scenario") == "Offline") | pl.col("log_field").str.contains("(?i)completed"))
    )
    df = df.with_columns(
        (pl.col("proxy_folder") | pl.col("third_party_copy")).alias("proxy"),
        pl.when(pl.col("proxy_folder") & pl.col("third_party_copy"))
        .then(pl.lit("-99.9 result standing in for -99, from the third-party v5.0 copy"))
        .when(pl.col("proxy_folder"))
        .then(pl.lit("-99.9 result stands in for -99"))
        .when(pl.col("third_party_copy"))
        .then(pl.lit("third-party copy of the v5.0 results"))
        .otherwise(None)
        .alias("proxy_reason"),
    )
    # prefer the -99 target (or no target) over a -99.9 stand-in
    df = df.sort(["system", "workload", "scenario", "publication_date", "proxy_folder"], maintain_order=True)
    df = df.unique(["system", "workload", "scenario", "round"], keep="first", maintain_order=True)
    if not include_proxy_rows:
        df = df.filter(~pl.col("proxy"))
    return df.select(
        "round",
        "publication_date",
        (pl.col("publication_date").dt.year() * 12 + pl.col("publication_date").dt.month() - 1).alias("month_index"),
        pl.lit(DIVISION).alias("division"),
        "submitter",
        "system",
        "accelerator",
        "accelerators_per_system",
        "workload",
        "benchmark",
        "scenario",
        pl.col("throughput_per_s").alias("samples_per_s"),
        (pl.col("throughput_per_s") / pl.col("accelerators_per_system")).alias("samples_per_s_per_accelerator"),
        "software",
        "log_field",
        "mlcommons_result_id",
        "proxy",
        "proxy_reason",
    ).sort(["system", "workload", "scenario", "publication_date"], maintain_order=True)


def window_pairs(series: pl.DataFrame, window_months: int) -> pl.DataFrame:
    """Every ordered pair of rounds of one series at most ``window_months`` apart, with its speed-up.

    Parameters
    ----------
    series : polars.DataFrame
        Rows with ``system``, ``workload``, ``scenario``, ``round``, ``month_index`` (int), ``samples_per_s`` and
        optionally ``software`` and ``proxy``; a series is one (system, workload, scenario).
    window_months : int
        Largest allowed distance between the two publication months.

    Returns
    -------
    polars.DataFrame
        One row per pair (earlier ``from_*``, later ``to_*``): ``months``, ``speedup_x`` = to / from samples/s,
        ``annualised_x_per_year`` = ``speedup_x ** (12 / months)``; sorted by ``speedup_x`` descending, then series
        and rounds.
    """
    s = series
    for col, default in (("software", None), ("proxy", False)):
        if col not in s.columns:
            s = s.with_columns(pl.lit(default).alias(col))
    keys = ["system", "workload", "scenario"]
    cols = ["round", "month_index", "samples_per_s", "software", "proxy"]
    a = s.select(*keys, *[pl.col(c).alias(f"from_{c}") for c in cols])
    b = s.select(*keys, *[pl.col(c).alias(f"to_{c}") for c in cols])
    pairs = a.join(b, on=keys).with_columns((pl.col("to_month_index") - pl.col("from_month_index")).alias("months"))
    pairs = pairs.filter((pl.col("months") > 0) & (pl.col("months") <= window_months))
    return (
        pairs.with_columns(
            (pl.col("to_samples_per_s") / pl.col("from_samples_per_s")).alias("speedup_x"),
            (pl.col("from_proxy") | pl.col("to_proxy")).alias("proxy"),
        )
        .with_columns(
            (pl.col("speedup_x") ** (12.0 / pl.col("months"))).alias("annualised_x_per_year"),
        )
        .sort(
            ["speedup_x", "system", "workload", "scenario", "from_round", "to_round"],
            descending=[True, False, False, False, False, False],
            maintain_order=True,
        )
    )


@dataclass(frozen=True)
class SoftwareSpeedupRange:
    """Range of the best same-hardware speed-ups of the LLM benchmarks within a window (derived, not official).

    ``low_x`` / ``high_x``: smallest / largest over the (workload, scenario) series of each series' largest speed-up
    between two rounds at most ``window_months`` apart; ``best_x`` = ``high_x``, reached by ``best_benchmark``
    (page name) in ``best_scenario`` from ``best_from_round`` to ``best_to_round`` (``best_months`` apart);
    ``low_benchmark`` / ``low_scenario`` give the low end; ``system`` / ``accelerator`` name the hardware;
    ``n_series`` counts the series with a pair in the window.
    """

    low_x: float
    high_x: float
    best_x: float
    best_benchmark: str
    best_scenario: str
    best_from_round: str
    best_to_round: str
    best_months: int
    low_benchmark: str
    low_scenario: str
    window_months: int
    system: str
    accelerator: str
    n_series: int


def llm_software_speedup_range(
    window_months: int = 12, include_proxy_rows: bool = True, system: str = H100_SYSTEM
) -> SoftwareSpeedupRange:
    """Measured same-hardware speed-up range of the LLM benchmarks (GPT-J 6B, Llama 2 70B) within a window.

    Parameters
    ----------
    window_months : int
        Largest distance between two rounds' publication months (default 12).
    include_proxy_rows : bool
        Use values flagged ``proxy`` (default True).
    system : str
        MLPerf system name (default the DGX H100, 8x H100-SXM-80GB).

    Returns
    -------
    SoftwareSpeedupRange
        Samples/s ratios of the same system between rounds (Offline and Server, never mixed).

    Raises
    ------
    ParameterError
        ``window_months`` when no LLM series of ``system`` has two rounds within the window.
    """
    s = samples_table(include_proxy_rows).filter(
        (pl.col("system") == system) & pl.col("workload").is_in(list(LLM_WORKLOADS))
    )
    pairs = window_pairs(s, window_months)
    if pairs.is_empty():
        raise ParameterError(
            "window_months", window_months, f"a window containing two rounds of an LLM benchmark of {system}"
        )
    best = pairs.unique(["workload", "scenario"], keep="first", maintain_order=True)  # sorted by speed-up desc
    hi, lo = best.row(0, named=True), best.row(-1, named=True)
    return SoftwareSpeedupRange(
        low_x=float(lo["speedup_x"]),
        high_x=float(hi["speedup_x"]),
        best_x=float(hi["speedup_x"]),
        best_benchmark=WORKLOAD_NAMES[hi["workload"]],
        best_scenario=hi["scenario"],
        best_from_round=hi["from_round"],
        best_to_round=hi["to_round"],
        best_months=int(hi["months"]),
        low_benchmark=WORKLOAD_NAMES[lo["workload"]],
        low_scenario=lo["scenario"],
        window_months=int(window_months),
        system=system,
        accelerator=s.filter(pl.col("system") == system)["accelerator"][0],
        n_series=best.height,
    )


# ---------------------------------------------------------------------------
# 1. same hardware, successive rounds
# ---------------------------------------------------------------------------
#: A series whose last round is below this multiple of its first "did not speed up" (the rule the page states).
NO_GAIN_BELOW_X = 1.05


def select(
    system: str = H100_SYSTEM,
    benchmarks: list[str] | tuple[str, ...] | None = None,
    scenario: str = "both",
    include_proxy_rows: bool = True,
) -> pl.DataFrame:
    """Rows of :func:`samples_table` of one system, workloads and scenario choice (``Offline``, ``Server``, ``both``)."""
    t = samples_table(include_proxy_rows).filter(
        (pl.col("system") == system) & pl.col("scenario").is_in(_scenarios(scenario))
    )
    if benchmarks is not None:
        t = t.filter(pl.col("workload").is_in(list(benchmarks)))
    return t


def excluded_proxy_rows(system: str = H100_SYSTEM, benchmarks=None, scenario: str = "both") -> int:
    """How many values of the selection are proxies (what ``include_proxy_rows=False`` leaves out)."""
    return select(system, benchmarks, scenario, True).filter(pl.col("proxy")).height


def round_series(rows: pl.DataFrame) -> pl.DataFrame:
    """Ratios of each (system, workload, scenario) series to its first and its previous round (derived).

    Adds ``benchmark_name``, ``months_since_first``, ``speedup_vs_first_x``, ``speedup_vs_previous_x`` (null in the
    first round), ``months_since_previous``, ``annualised_vs_first_x_per_year`` = ``speedup_vs_first_x ** (12 /
    months_since_first)`` (null in the first round) and ``rounds_in_series``; series with one round are kept.
    """
    keys = ["system", "workload", "scenario"]
    r = rows.sort([*keys, "publication_date"], maintain_order=True)
    first = pl.col("samples_per_s").first().over(keys)
    r = r.with_columns(
        pl.col("workload").replace_strict(WORKLOAD_NAMES, default=pl.col("workload")).alias("benchmark_name"),
        (pl.col("month_index") - pl.col("month_index").first().over(keys)).alias("months_since_first"),
        (pl.col("samples_per_s") / first).alias("speedup_vs_first_x"),
        (pl.col("samples_per_s") / pl.col("samples_per_s").shift(1).over(keys)).alias("speedup_vs_previous_x"),
        (pl.col("month_index") - pl.col("month_index").shift(1).over(keys)).alias("months_since_previous"),
        pl.len().over(keys).alias("rounds_in_series"),
    )
    return r.with_columns(
        pl.when(pl.col("months_since_first") > 0)
        .then(pl.col("speedup_vs_first_x") ** (12.0 / pl.col("months_since_first")))
        .otherwise(None)
        .alias("annualised_vs_first_x_per_year"),
    )


@dataclass(frozen=True)
class SeriesSpeedups:
    """Whole-span speed-up (last round / first round, samples/s) of the four headline series (derived).

    ``nan`` where the series is not selected or has a single round.
    """

    gptj_offline_speedup_x: float
    gptj_server_speedup_x: float
    llama2_offline_speedup_x: float
    llama2_server_speedup_x: float
    flat_benchmarks: str
    n_flat: int
    n_series: int
    n_proxy_values: int
    n_excluded_proxy_values: int
    no_gain_below_x: float
    server_vs_offline: str
    system: str
    accelerator: str
    first_round: str
    last_round: str


def series_speedups(series: pl.DataFrame, n_excluded_proxy_values: int = 0) -> SeriesSpeedups:
    """The headline whole-span speed-ups and the series that did not speed up, from :func:`round_series` rows."""
    last = series.filter(pl.col("rounds_in_series") > 1).group_by(["workload", "scenario"], maintain_order=True).last()

    def span(workload: str, scenario: str) -> float:
        v = last.filter((pl.col("workload") == workload) & (pl.col("scenario") == scenario))["speedup_vs_first_x"]
        return float(v[0]) if len(v) else float("nan")

    both = [(span(w, "Server"), span(w, "Offline")) for w in LLM_WORKLOADS]
    both = [(sv, of) for sv, of in both if sv == sv and of == of]  # drop nan
    if not both:
        server_vs_offline = "was not compared with Offline (one scenario or no LLM pair selected)"
    elif all(sv > of for sv, of in both):
        server_vs_offline = "gained more than Offline on every LLM benchmark with both scenarios"
    else:
        server_vs_offline = "did not gain more than Offline on every LLM benchmark with both scenarios"
    flat = last.filter(pl.col("speedup_vs_first_x") < NO_GAIN_BELOW_X).sort(["benchmark_name", "scenario"])
    text = ", ".join(
        f"{r['benchmark_name']} {r['scenario']} ({r['speedup_vs_first_x']:.2f}x, {r['round']} vs first)"
        for r in flat.iter_rows(named=True)
    )
    return SeriesSpeedups(
        gptj_offline_speedup_x=span("gptj", "Offline"),
        gptj_server_speedup_x=span("gptj", "Server"),
        llama2_offline_speedup_x=span("llama2-70b", "Offline"),
        llama2_server_speedup_x=span("llama2-70b", "Server"),
        flat_benchmarks=text or "none",
        n_flat=flat.height,
        n_series=last.height,
        n_proxy_values=int(series["proxy"].sum()),
        n_excluded_proxy_values=int(n_excluded_proxy_values),
        no_gain_below_x=NO_GAIN_BELOW_X,
        server_vs_offline=server_vs_offline,
        system=series["system"][0],
        accelerator=series["accelerator"][0],
        first_round=series.sort("publication_date")["round"][0],
        last_round=series.sort("publication_date")["round"][-1],
    )


# ---------------------------------------------------------------------------
# 2. the claim
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimCheck:
    """Largest speed-up within any window of at most ``window_months`` over the selected series, and the verdict.

    Rule: ``verdict`` is "supported" when ``best_speedup_x >= claimed_speedup_x``, otherwise "not supported";
    ``claim_over_measured_x`` = claimed / measured.
    """

    best_speedup_x: float
    best_window_months: int
    best_benchmark: str
    best_scenario: str
    best_from_round: str
    best_to_round: str
    best_from_software: str
    best_to_software: str
    best_annualised_x_per_year: float
    best_uses_proxy: bool
    window_months: int
    claimed_speedup_x: float
    claim_over_measured_x: float
    verdict: str
    verdict_rule: str


def check_claim(series: pl.DataFrame, window_months: int, claimed_speedup_x: float) -> ClaimCheck:
    """Search every pair of rounds within ``window_months`` (see :func:`window_pairs`) and judge the claim.

    Raises
    ------
    ParameterError
        ``window_months`` when no series has two rounds within the window.
    """
    pairs = window_pairs(series, window_months)
    if pairs.is_empty():
        raise ParameterError("window_months", window_months, "a window that contains two rounds of a selected series")
    b = pairs.row(0, named=True)
    best = float(b["speedup_x"])
    rule = (
        f"supported if the largest speed-up within {window_months} months is at least the claimed "
        f"{claimed_speedup_x:g}x, otherwise not supported"
    )
    return ClaimCheck(
        best_speedup_x=best,
        best_window_months=int(b["months"]),
        best_benchmark=WORKLOAD_NAMES[b["workload"]],
        best_scenario=b["scenario"],
        best_from_round=b["from_round"],
        best_to_round=b["to_round"],
        best_from_software=b["from_software"] or "not recorded",
        best_to_software=b["to_software"] or "not recorded",
        best_annualised_x_per_year=float(b["annualised_x_per_year"]),
        best_uses_proxy=bool(b["proxy"]),
        window_months=int(window_months),
        claimed_speedup_x=float(claimed_speedup_x),
        claim_over_measured_x=float(claimed_speedup_x) / best,
        verdict="supported" if best >= claimed_speedup_x else "not supported",
        verdict_rule=rule,
    )
