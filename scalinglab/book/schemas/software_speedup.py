"""Parameters of the chapter *Software alone* (``notebooks/software_speedup.ipynb``).

Throughputs are MLPerf Inference samples per second (datacenter, closed division); the system and benchmark names
are those of the data file (``data/mlperf-inference/``).
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from scalinglab.analyses import software_speedup as sw
from scalinglab.book.schemas import ChapterParams, register
from scalinglab.errors import ParameterError

#: Choices of ``scenario``, from the analysis module.
Scenario = Literal[sw.SCENARIO_CHOICES]  # type: ignore[valid-type]


@register("software_speedup")
class SoftwareSpeedupParams(ChapterParams):
    """Parameters of ``notebooks/software_speedup.ipynb``: field order and defaults equal its parameters cell."""

    system: str = Field(
        sw.H100_SYSTEM,
        description="MLPerf system followed across rounds (folder name of the results)",
        json_schema_extra={
            "unit": "",
            "allowed": "a system of the data with at least two rounds of the same benchmark and scenario",
        },
    )
    benchmarks: list[str] = Field(
        list(sw.WORKLOAD_NAMES),
        min_length=1,
        description="benchmarks followed (results folder without its accuracy target)",
        json_schema_extra={"unit": "", "allowed": "benchmark names of the data: " + ", ".join(sw.WORKLOAD_NAMES)},
    )
    scenario: Scenario = Field(
        "both", description="LoadGen scenario: Offline, Server or both (never mixed)", json_schema_extra={"unit": ""}
    )
    window_months: int = Field(
        12,
        ge=1,
        le=36,
        description="longest window searched for the largest speed-up",
        json_schema_extra={"unit": "months"},
    )
    claimed_speedup_x: float = Field(
        5.0,
        gt=1,
        le=1000,
        description="the claimed software speed-up within the window",
        json_schema_extra={"unit": "x"},
    )
    include_proxy_rows: bool = Field(
        True,
        description="use values read from a -99.9 stand-in folder or the third-party v5.0 copy",
        json_schema_extra={"unit": ""},
    )

    def check(self) -> None:
        """Check the system, benchmarks and window against the data (no analysis is run)."""
        rows = sw.samples_table(self.include_proxy_rows)
        known = sorted(rows["workload"].unique())
        for b in self.benchmarks:
            if b not in known:
                raise ParameterError(
                    "benchmarks",
                    self.benchmarks,
                    "a list of benchmark names of the data: " + ", ".join(known),
                    hint=f"{b!r} is not one",
                )
        counts = rows.group_by(["system", "workload", "scenario"]).len()
        multi = sorted(counts.filter(pl.col("len") >= 2)["system"].unique())
        if self.system not in multi:
            raise ParameterError(
                "system",
                self.system,
                "a system with at least two rounds of the same benchmark and scenario: " + ", ".join(multi),
            )
        sel = sw.select(self.system, self.benchmarks, self.scenario, self.include_proxy_rows)
        if sel.group_by(["workload", "scenario"]).len().filter(pl.col("len") >= 2).is_empty():
            raise ParameterError(
                "benchmarks",
                self.benchmarks,
                f"benchmarks with at least two rounds of {self.system} in scenario {self.scenario}",
            )
        gaps = (
            sel.sort("month_index")
            .with_columns(pl.col("month_index").diff().over(["workload", "scenario"]).alias("gap"))["gap"]
            .drop_nulls()
        )
        if gaps.is_empty() or gaps.min() > self.window_months:
            shortest = "none" if gaps.is_empty() else f"{int(gaps.min())} months"
            raise ParameterError(
                "window_months",
                self.window_months,
                "a window that contains two rounds of a "
                f"selected series (the shortest gap between rounds is {shortest}); at most 36",
            )
