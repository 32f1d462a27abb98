"""Hardware versus software on Llama 2 70B: each newer GPU's per-accelerator gain split into a hardware and a software
factor (re-exported by :mod:`scalinglab.analyses.software_speedup`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scalinglab.analyses.software_speedup_series import (  # noqa: F401
    _scenarios,
    samples_table,
    select,
)

# ---------------------------------------------------------------------------
# 3. hardware versus software on Llama 2 70B
# ---------------------------------------------------------------------------
HW_WORKLOAD = "llama2-70b"
BASE_ACCELERATOR = "H100"


def per_accelerator(scenario: str = "both", include_proxy_rows: bool = True) -> pl.DataFrame:
    """Llama 2 70B samples/s per accelerator (derived), one row per (accelerator, scenario, round), every system.

    Columns of :func:`samples_table` plus ``gpu`` (``H100``, ``H200``, ``B200``, ``GB200``); sorted by scenario,
    GPU (in order of first appearance) and date.
    """
    t = samples_table(include_proxy_rows).filter(
        (pl.col("workload") == HW_WORKLOAD) & pl.col("scenario").is_in(_scenarios(scenario))
    )
    t = t.with_columns(pl.col("accelerator").str.extract(r"(G?[A-Z]\d{3})", 1).alias("gpu"))
    order = {
        g: i for i, g in enumerate(t.sort("publication_date", maintain_order=True)["gpu"].unique(maintain_order=True))
    }
    return t.sort(
        [pl.col("scenario"), pl.col("gpu").replace_strict(order), pl.col("publication_date")], maintain_order=True
    ).unique(["gpu", "scenario", "round"], keep="first", maintain_order=True)


def hw_sw_split(acc: pl.DataFrame) -> pl.DataFrame:
    """Split each newer GPU's per-accelerator gain over the H100 of its first round into hardware x software.

    For GPU X in round R and scenario s, with ``H100(R)`` the H100 value of the same round and ``H100(R0)`` that of
    the H100's first round: ``hw_factor_x = X(R) / H100(R)`` (different GPU, same round), ``sw_factor_x = H100(R) /
    H100(R0)`` (same GPU, later round), ``total_factor_x = X(R) / H100(R0)`` = hw x sw. Rows only where the H100 has
    a value in round R; ``sw_months`` and ``sw_factor_x_per_year`` = ``sw ** (12 / sw_months)`` (null at 0 months).
    """
    h = acc.filter(pl.col("gpu") == BASE_ACCELERATOR).select(
        "scenario",
        "round",
        pl.col("samples_per_s_per_accelerator").alias("h100_same_round"),
        pl.col("month_index").alias("h100_month"),
        pl.col("proxy").alias("h100_proxy"),
    )
    base = (
        h.sort("h100_month")
        .group_by("scenario", maintain_order=True)
        .first()
        .select(
            "scenario",
            pl.col("round").alias("base_round"),
            pl.col("h100_same_round").alias("h100_base"),
            pl.col("h100_month").alias("base_month"),
            pl.col("h100_proxy").alias("base_proxy"),
        )
    )
    x = acc.filter(pl.col("gpu") != BASE_ACCELERATOR).join(h, on=["scenario", "round"]).join(base, on="scenario")
    x = x.with_columns(
        (pl.col("samples_per_s_per_accelerator") / pl.col("h100_same_round")).alias("hw_factor_x"),
        (pl.col("h100_same_round") / pl.col("h100_base")).alias("sw_factor_x"),
        (pl.col("samples_per_s_per_accelerator") / pl.col("h100_base")).alias("total_factor_x"),
        (pl.col("month_index") - pl.col("base_month")).alias("sw_months"),
        (pl.col("proxy") | pl.col("h100_proxy") | pl.col("base_proxy")).alias("uses_proxy"),
    )
    return x.with_columns(
        pl.when(pl.col("sw_months") > 0)
        .then(pl.col("sw_factor_x") ** (12.0 / pl.col("sw_months")))
        .otherwise(None)
        .alias("sw_factor_x_per_year"),
    ).sort(["scenario", "publication_date", "gpu"], maintain_order=True)


@dataclass(frozen=True)
class HwSwSplit:
    """The headline split (largest total in ``split_scenario``): ``hw_factor_x`` x ``sw_factor_x`` = ``total_factor_x``.

    ``split_gpu`` in ``split_round`` against the H100 in ``split_base_round``; ``sw_factor_x_per_year`` annualises
    the software factor over ``split_sw_months``; ``hw_vs_sw`` is "larger" when one GPU step's hardware factor
    exceeds a year of software gains, else "smaller"; ``not_split`` lists GPU rounds without an H100 value in the
    same round (derived, not official MLPerf results).
    """

    hw_factor_x: float
    sw_factor_x: float
    total_factor_x: float
    split_gpu: str
    split_round: str
    split_base_round: str
    split_scenario: str
    split_sw_months: int
    sw_factor_x_per_year: float
    hw_vs_sw: str
    split_uses_proxy: bool
    not_split: str


def headline_split(acc: pl.DataFrame, split: pl.DataFrame, scenario: str) -> HwSwSplit:
    """The row of :func:`hw_sw_split` with the largest total in ``scenario`` (Offline when ``both``)."""
    s = "Offline" if scenario == "both" else scenario
    rows = split.filter(pl.col("scenario") == s).sort("total_factor_x", descending=True, maintain_order=True)
    missing = (
        acc.filter(pl.col("scenario") == s)
        .join(
            acc.filter((pl.col("gpu") == BASE_ACCELERATOR) & (pl.col("scenario") == s)).select("round"),
            on="round",
            how="anti",
        )
        .sort(["publication_date", "gpu"])
    )
    not_split = ", ".join(f"{r['gpu']} {r['round']}" for r in missing.iter_rows(named=True)) or "none"
    if rows.is_empty():
        nan = float("nan")
        return HwSwSplit(nan, nan, nan, "none", "none", "none", s, 0, nan, "not comparable", False, not_split)
    r = rows.row(0, named=True)
    per_year = r["sw_factor_x_per_year"] if r["sw_factor_x_per_year"] is not None else float("nan")
    return HwSwSplit(
        hw_factor_x=float(r["hw_factor_x"]),
        sw_factor_x=float(r["sw_factor_x"]),
        total_factor_x=float(r["total_factor_x"]),
        split_gpu=r["gpu"],
        split_round=r["round"],
        split_base_round=r["base_round"],
        split_scenario=s,
        split_sw_months=int(r["sw_months"]),
        sw_factor_x_per_year=float(per_year),
        hw_vs_sw=(
            "not comparable (no later H100 round)"
            if r["sw_factor_x_per_year"] is None
            else "larger"
            if r["hw_factor_x"] > per_year
            else "smaller"
        ),
        split_uses_proxy=bool(r["uses_proxy"]),
        not_split=not_split,
    )


# ---------------------------------------------------------------------------
# the chapter in one call
# ---------------------------------------------------------------------------
