"""Parameters of the chapter *At data-centre scale* (``notebooks/datacentre_scale.ipynb``).

Years are calendar years of a system's first operational date (Epoch AI, Data on GPU Clusters). The checks
against the data (years inside the data, enough leading systems in the window) rank the systems but fit
nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scalinglab.analyses.datacentre_scale import MIN_LEADING_SYSTEMS, MIN_WINDOW_YEARS, PRECISIONS
from scalinglab.book.schemas import ChapterParams, confidence_level_field, register
from scalinglab.data.gpu_clusters import CERTAINTY_LEVELS
from scalinglab.errors import ParameterError

Precision = Literal[tuple(PRECISIONS)]  # type: ignore[valid-type]
Certainty = Literal[CERTAINTY_LEVELS]  # type: ignore[valid-type]
MAX_PROJECTION_YEAR = 2040


@register("datacentre_scale")
class DatacentreScaleParams(ChapterParams):
    """Parameters of ``notebooks/datacentre_scale.ipynb``: field order and defaults equal its parameters cell (tested)."""

    top_n: int = Field(
        10,
        ge=1,
        le=50,
        description="a system is leading if it ranked in the top top_n by performance "
        "among all systems operational when it started",
        json_schema_extra={"unit": "rank"},
    )
    start_year: int = Field(
        2019,
        ge=1900,
        le=2100,
        description="first calendar year of the fit window (inclusive)",
        json_schema_extra={"unit": "year"},
    )
    end_year: int = Field(
        2025,
        ge=1900,
        le=2100,
        description="last calendar year of the fit window (inclusive)",
        json_schema_extra={"unit": "year"},
    )
    precision: Precision = Field(
        "16-bit",
        description="number format of the dense peak performance that ranks and measures the systems",
        json_schema_extra={"unit": ""},
    )
    min_certainty: Certainty = Field(
        "Likely",
        description="least certain of Epoch's levels that counts (Confirmed, then Likely, then Unlikely)",
        json_schema_extra={"unit": ""},
    )
    confidence_level: float = confidence_level_field()
    projection_year: int = Field(
        2030,
        ge=1900,
        le=MAX_PROJECTION_YEAR,
        description="year to which the fitted trends are projected (after the data)",
        json_schema_extra={"unit": "year"},
    )

    def check(self) -> None:
        import polars as pl

        from scalinglab.analyses.datacentre_scale import check_window
        from scalinglab.data import load_gpu_clusters

        clusters = load_gpu_clusters()
        years = clusters.filter(pl.col("status") != "Planned")["first_operational_date"].dt.year().drop_nulls()
        first, last = int(years.min()), int(years.max())
        for name in ("start_year", "end_year"):
            v = getattr(self, name)
            if not first <= v <= last:
                raise ParameterError(
                    name,
                    v,
                    f"a year inside the data, {first}-{last} (first operational dates of "
                    "existing and decommissioned systems)",
                )
        if self.end_year - self.start_year + 1 < MIN_WINDOW_YEARS:
            raise ParameterError(
                "start_year",
                self.start_year,
                f"a window start_year..end_year of at least {MIN_WINDOW_YEARS} calendar years; "
                f"start_year={self.start_year}, end_year={self.end_year} spans "
                f"{max(self.end_year - self.start_year + 1, 0)}",
            )
        if not last < self.projection_year <= MAX_PROJECTION_YEAR:
            raise ParameterError(
                "projection_year",
                self.projection_year,
                f"a year after the data ({last}) and at most {MAX_PROJECTION_YEAR}",
            )
        # at least MIN_LEADING_SYSTEMS leading systems in the window (ranks only, no fit)
        check_window(clusters, self.precision, self.top_n, self.min_certainty, self.start_year, self.end_year)


__all__ = ["MIN_LEADING_SYSTEMS", "DatacentreScaleParams"]
