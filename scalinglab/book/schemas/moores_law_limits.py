"""Parameters of the chapter *Moore's-law limits* (``notebooks/moores_law_limits.ipynb``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scalinglab.analyses.moores_law_limits_trends import MIN_SEGMENT_YEARS
from scalinglab.book.schemas import ChapterParams, confidence_level_field, register
from scalinglab.data import MICROPROCESSOR_METRICS
from scalinglab.errors import ParameterError

#: The five series of Rupp's data, from :data:`scalinglab.data.MICROPROCESSOR_METRICS`.
Metric = Literal[tuple(MICROPROCESSOR_METRICS)]  # type: ignore[valid-type]


@register("moores_law_limits")
class MooresLawLimitsParams(ChapterParams):
    """Parameters of ``notebooks/moores_law_limits.ipynb``: field order and defaults equal its parameters cell (tested)."""

    metric: Metric = Field(
        "single_thread_performance",
        description="trend whose break is charted in detail",
        json_schema_extra={"unit": ""},
    )
    fit_start_year: int = Field(
        1971,
        ge=1900,
        le=2100,
        description="first year of the fit window (inclusive)",
        json_schema_extra={"unit": "year"},
    )
    fit_end_year: int = Field(
        2021,
        ge=1900,
        le=2100,
        description="last year of the fit window (inclusive)",
        json_schema_extra={"unit": "year"},
    )
    break_year: int | None = Field(
        None,
        ge=1900,
        le=2100,
        description="year where growth changes; None = detect by least residual",
        json_schema_extra={"unit": "year"},
    )
    temperature_k: float = Field(
        300.0,
        gt=0,
        le=10_000,
        description="temperature for Landauer's bound and the thermal voltage",
        json_schema_extra={"unit": "K"},
    )
    confidence_level: float = confidence_level_field()
    projection_year: int = Field(
        2030, ge=2022, le=2100, description="year to which each trend is projected", json_schema_extra={"unit": "year"}
    )
    transistor_split_year: int = Field(
        2000,
        ge=1900,
        le=2100,
        description="year splitting the transistor series to compare growth before and after",
        json_schema_extra={"unit": "year"},
    )
    informative_ci_width_pct: float = Field(
        20.0,
        gt=0,
        le=1000,
        description="widest interval of a fitted era that can agree with a published rate",
        json_schema_extra={"unit": "percentage points per year"},
    )
    seed: int = Field(
        2024,
        ge=0,
        description="random seed of the bootstrap interval of the break year",
        json_schema_extra={"unit": ""},
    )

    def check(self) -> None:
        from scalinglab.data import load_microprocessor_trend

        df = load_microprocessor_trend(self.metric)
        first, last = int(df["year"].min()), int(df["year"].max())
        if self.fit_start_year > last - 1:
            raise ParameterError(
                "fit_start_year",
                self.fit_start_year,
                f"must be at most {last - 1}: the {self.metric} data run from {first} to {last}",
            )
        if self.fit_end_year < first + 1:
            raise ParameterError(
                "fit_end_year",
                self.fit_end_year,
                f"must be at least {first + 1}: the {self.metric} data run from {first} to {last}",
            )
        if self.fit_start_year >= self.fit_end_year:
            raise ParameterError(
                "fit_start_year", self.fit_start_year, f"must be before fit_end_year ({self.fit_end_year})"
            )
        # The glued headline numbers need a transistor fit (3 points) and a break search on
        # single-thread performance and on the chosen metric (3 points each side).
        for metric, needed in {"transistors": 3, "single_thread_performance": 6, self.metric: 6}.items():
            d = load_microprocessor_trend(metric)
            n = d.filter((d["year"] >= self.fit_start_year) & (d["year"] < self.fit_end_year + 1)).height
            if n < needed:
                raise ParameterError(
                    "fit_start_year",
                    self.fit_start_year,
                    f"the window {self.fit_start_year}-{self.fit_end_year} holds {n} {metric} "
                    f"points; the chapter needs at least {needed}",
                )
        if self.break_year is not None and not (self.fit_start_year < self.break_year <= self.fit_end_year):
            raise ParameterError(
                "break_year",
                self.break_year,
                f"None, or a year inside the fit window ({self.fit_start_year + 1}-{self.fit_end_year})",
            )
        t = load_microprocessor_trend("transistors")
        t = t.filter((t["year"] >= self.fit_start_year) & (t["year"] < self.fit_end_year + 1))["year"]
        n_before, n_after = int((t < self.transistor_split_year).sum()), int((t >= self.transistor_split_year).sum())
        if min(n_before, n_after) < 3:
            raise ParameterError(
                "transistor_split_year",
                self.transistor_split_year,
                f"a year leaving at least 3 transistor points on each side inside the window "
                f"{self.fit_start_year}-{self.fit_end_year} (it leaves {n_before} before, "
                f"{n_after} from it on)",
            )
        # The break search itself must be possible on the series the chapter glues.
        from scalinglab.models.fits import check_break

        for metric in dict.fromkeys(["single_thread_performance", self.metric]):
            d = load_microprocessor_trend(metric)
            d = d.filter((d["year"] >= self.fit_start_year) & (d["year"] < self.fit_end_year + 1))
            try:
                check_break(d["year"].to_numpy(), break_x=self.break_year, min_span=MIN_SEGMENT_YEARS)
            except ValueError as err:
                name = "break_year" if self.break_year is not None else "fit_start_year"
                raise ParameterError(
                    name,
                    getattr(self, name),
                    f"the {metric} points in {self.fit_start_year}-{self.fit_end_year} admit no "
                    f"two-segment fit with at least 3 points and {MIN_SEGMENT_YEARS:.0f} years on "
                    f"each side ({err})",
                ) from None
