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

from scalinglab.analyses.software_speedup_hwsw import (  # noqa: F401 - the chapter's API in one module
    BASE_ACCELERATOR,
    HW_WORKLOAD,
    HwSwSplit,
    headline_split,
    hw_sw_split,
    per_accelerator,
)
from scalinglab.analyses.software_speedup_series import (  # noqa: F401
    DERIVED,
    DIVISION,
    H100_SYSTEM,
    LLM_WORKLOADS,
    NO_GAIN_BELOW_X,
    SCENARIO_CHOICES,
    WORKLOAD_NAMES,
    ClaimCheck,
    SeriesSpeedups,
    SoftwareSpeedupRange,
    _scenarios,
    check_claim,
    excluded_proxy_rows,
    llm_software_speedup_range,
    round_series,
    samples_table,
    select,
    series_speedups,
    window_pairs,
)


@dataclass(frozen=True)
class SoftwareSpeedupChapter:
    """Everything the chapter shows: frames for the chart and tables, typed results for the prose."""

    series: pl.DataFrame
    pairs: pl.DataFrame
    spans: SeriesSpeedups
    claim: ClaimCheck
    accelerators: pl.DataFrame
    split: pl.DataFrame
    headline: HwSwSplit
    llm_range: SoftwareSpeedupRange
    n_excluded_proxy_values: int


def run(
    system: str = H100_SYSTEM,
    benchmarks: list[str] | tuple[str, ...] = tuple(WORKLOAD_NAMES),
    scenario: str = "both",
    window_months: int = 12,
    claimed_speedup_x: float = 5.0,
    include_proxy_rows: bool = True,
) -> SoftwareSpeedupChapter:
    """Compute the chapter for validated parameters (see ``scalinglab/book/schemas/software_speedup.py``).

    The LLM range is always that of the DGX H100 (the figure the token-cost chapter uses), with the same window and
    proxy choice. Raises ``ParameterError`` (``window_months``) when the window holds no pair of rounds.
    """
    excluded = 0 if include_proxy_rows else excluded_proxy_rows(system, benchmarks, scenario)
    series = round_series(select(system, benchmarks, scenario, include_proxy_rows))
    acc = per_accelerator(scenario, include_proxy_rows)
    split = hw_sw_split(acc)
    return SoftwareSpeedupChapter(
        series=series,
        pairs=window_pairs(series, window_months),
        spans=series_speedups(series, excluded),
        claim=check_claim(series, window_months, claimed_speedup_x),
        accelerators=acc,
        split=split,
        headline=headline_split(acc, split, scenario),
        llm_range=llm_software_speedup_range(window_months, include_proxy_rows),
        n_excluded_proxy_values=excluded,
    )
