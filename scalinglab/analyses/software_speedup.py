"""Chapter *Software alone*: how much faster the same GPUs got between MLPerf Inference rounds.

Every figure here is derived from NVIDIA's MLPerf Inference results (datacenter, closed division; loaded by
:func:`scalinglab.data.load_mlperf_inference`): ratios, per-accelerator values and annualised rates are **not
official MLPerf results**. MLPerf is a trademark of MLCommons.

Comparison rules (from ``data/mlperf-inference/README.md``):

* one value per (system, workload, scenario, round), in **samples per second** for every workload (GPT-J's tokens/s
  is inferred as samples/s x 69, so it is never used across rounds);
* Offline uses the log's "Samples per second"; Server uses **completed** samples per second in every round (the
  headline moved from scheduled to completed; the two differ by under 1 %);
* Offline and Server are never mixed; the ``-99`` accuracy target is preferred and a ``-99.9`` value that stands in for
  it, or a value from the third-party v5.0 copy, is flagged ``proxy``;
* months between rounds come from the publication months; an annualised rate is ``ratio ** (12 / months)``.
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
    "gptj": "GPT-J 6B", "llama2-70b": "Llama 2 70B", "resnet50": "ResNet-50", "bert": "BERT-Large",
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
        .then(pl.lit("-99.9 result stands in for -99; third-party copy of the v5.0 results"))
        .when(pl.col("proxy_folder")).then(pl.lit("-99.9 result stands in for -99"))
        .when(pl.col("third_party_copy")).then(pl.lit("third-party copy of the v5.0 results"))
        .otherwise(None).alias("proxy_reason"),
    )
    # prefer the -99 target (or no target) over a -99.9 stand-in
    df = df.sort(["system", "workload", "scenario", "publication_date", "proxy_folder"], maintain_order=True)
    df = df.unique(["system", "workload", "scenario", "round"], keep="first", maintain_order=True)
    if not include_proxy_rows:
        df = df.filter(~pl.col("proxy"))
    return df.select(
        "round", "publication_date",
        (pl.col("publication_date").dt.year() * 12 + pl.col("publication_date").dt.month() - 1).alias("month_index"),
        pl.lit(DIVISION).alias("division"), "submitter", "system", "accelerator", "accelerators_per_system",
        "workload", "benchmark", "scenario",
        pl.col("throughput_per_s").alias("samples_per_s"),
        pl.col("throughput_per_accelerator_per_s").alias("samples_per_s_per_accelerator"),
        "software", "log_field", "mlcommons_result_id", "proxy", "proxy_reason",
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
    return pairs.with_columns(
        (pl.col("to_samples_per_s") / pl.col("from_samples_per_s")).alias("speedup_x"),
        (pl.col("from_proxy") | pl.col("to_proxy")).alias("proxy"),
    ).with_columns(
        (pl.col("speedup_x") ** (12.0 / pl.col("months"))).alias("annualised_x_per_year"),
    ).sort(["speedup_x", "system", "workload", "scenario", "from_round", "to_round"],
           descending=[True, False, False, False, False, False], maintain_order=True)


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


def llm_software_speedup_range(window_months: int = 12, include_proxy_rows: bool = True,
                               system: str = H100_SYSTEM) -> SoftwareSpeedupRange:
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
        (pl.col("system") == system) & pl.col("workload").is_in(list(LLM_WORKLOADS)))
    pairs = window_pairs(s, window_months)
    if pairs.is_empty():
        raise ParameterError("window_months", window_months,
                             f"a window containing two rounds of an LLM benchmark of {system}")
    best = pairs.unique(["workload", "scenario"], keep="first", maintain_order=True)  # sorted by speed-up desc
    hi, lo = best.row(0, named=True), best.row(-1, named=True)
    return SoftwareSpeedupRange(
        low_x=float(lo["speedup_x"]), high_x=float(hi["speedup_x"]), best_x=float(hi["speedup_x"]),
        best_benchmark=WORKLOAD_NAMES[hi["workload"]], best_scenario=hi["scenario"],
        best_from_round=hi["from_round"], best_to_round=hi["to_round"], best_months=int(hi["months"]),
        low_benchmark=WORKLOAD_NAMES[lo["workload"]], low_scenario=lo["scenario"],
        window_months=int(window_months), system=system,
        accelerator=s.filter(pl.col("system") == system)["accelerator"][0], n_series=best.height,
    )
