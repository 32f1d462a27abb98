"""The chapter *Moore's-law limits* (``notebooks/moores_law_limits.ipynb``): one call, :func:`analyse`.

The computations live in :mod:`.moores_law_limits_trends` (trend fits, Moore's law, breaks, Hennessy and
Patterson's eras) and :mod:`.moores_law_limits_outlook` (energy against Landauer's bound, the chip-level
GPU series, the projection); the charts in :mod:`.moores_law_limits_charts`. The rules behind every
verdict word are listed in :mod:`.moores_law_limits_trends`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from scalinglab import data
from scalinglab.analyses.moores_law_limits_outlook import Energy, Projection, energy, projection
from scalinglab.analyses.moores_law_limits_trends import (
    DATABLE_BREAK_YEARS,
    GPU_SOURCE,
    MIN_SEGMENT_YEARS,
    MOORE_1975_DOUBLING_YEARS,
    RUPP_SOURCE,
    BreakFit,
    Breaks,
    ErasSummary,
    MooresLaw,
    break_fits,
    break_table,
    breaks_summary,
    eras_summary,
    fit_window,
    hp_eras,
    moores_law,
    trend_fits,
)

__all__ = [
    "Chapter",
    "analyse",
    "RUPP_SOURCE",
    "GPU_SOURCE",
    "MIN_SEGMENT_YEARS",
    "DATABLE_BREAK_YEARS",
    "MOORE_1975_DOUBLING_YEARS",
]


@dataclass(frozen=True)
class Chapter:
    """Everything the chapter shows: glued summaries (dataclasses) and the frames behind tables and charts."""

    params: Any
    trends: pl.DataFrame
    window: pl.DataFrame
    fit_table: pl.DataFrame
    moore: MooresLaw
    breaks: dict[str, BreakFit]
    no_break: list[str]
    break_table: pl.DataFrame
    breaks_summary: Breaks
    eras: pl.DataFrame
    eras_summary: ErasSummary
    energy: Energy
    energy_table: pl.DataFrame
    projection: Projection
    gpu_series: pl.DataFrame
    projection_frame: pl.DataFrame

    @property
    def glued(self) -> list[Any]:
        """The summaries to glue, in page order."""
        return [self.moore, self.breaks_summary, self.eras_summary, self.energy, self.projection]


def analyse(params: Any) -> Chapter:
    """Run the chapter on validated parameters (``MooresLawLimitsParams`` or anything with its fields).

    Raises
    ------
    ValueError
        From the fits, when a window holds too few points (the schema rejects such windows first).
    """
    p = params
    trends = data.load_all_microprocessor_trends()
    window = fit_window(trends, p.fit_start_year, p.fit_end_year)
    breaks, missing = break_fits(window, p.break_year, p.confidence_level, p.seed)
    eras = hp_eras(trends, p.confidence_level, p.informative_ci_width_pct)
    energy_summary, energy_table = energy(p.temperature_k)
    proj, gpus, frame = projection(breaks, p.projection_year, p.confidence_level)
    return Chapter(
        params=p,
        trends=trends,
        window=window,
        fit_table=trend_fits(window, p.confidence_level),
        moore=moores_law(
            window,
            p.fit_start_year,
            p.fit_end_year,
            p.transistor_split_year,
            p.confidence_level,
            int(trends.filter(pl.col("metric") == "transistors")["year"].max()),
        ),
        breaks=breaks,
        no_break=missing,
        break_table=break_table(breaks),
        breaks_summary=breaks_summary(breaks),
        eras=eras,
        eras_summary=eras_summary(eras, p.informative_ci_width_pct),
        energy=energy_summary,
        energy_table=energy_table,
        projection=proj,
        gpu_series=gpus,
        projection_frame=frame,
    )
