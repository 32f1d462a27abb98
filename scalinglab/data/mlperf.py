"""Typed loader for NVIDIA's MLPerf Inference results (datacenter, closed division, v3.0 to v5.1).

The file ``data/mlperf-inference/mlperf_inference_nvidia.csv`` holds 96 values read from LoadGen logs, one row per
(round, system, results folder, scenario, log line); ``data/mlperf-inference/README.md`` gives the caveats. MLPerf is a
trademark of MLCommons; values derived from these rows (ratios, per-accelerator values, annualised rates) are not
official MLPerf results.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from scalinglab.data.loaders import _fail, read_resource
from scalinglab.paths import DATA_DIR

#: Resource name in ``data/datapackage.json``.
MLPERF_RESOURCE = "mlperf_inference_nvidia"
#: The two LoadGen scenarios the file holds (never compared with each other).
MLPERF_SCENARIOS: tuple[str, ...] = ("Offline", "Server")
#: Units of the ``value`` column, as written in ``metric``.
MLPERF_METRICS: tuple[str, ...] = ("samples_per_s", "tokens_per_s")

_BOOL = {"True": True, "False": False}
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _bool_column(df: pl.DataFrame, file: str, col: str) -> pl.Series:
    s = df[col]
    _fail(file, s, ~s.is_in(list(_BOOL)).fill_null(False), col, "True or False")
    return s.replace_strict(_BOOL, return_dtype=pl.Boolean)


def load_mlperf_inference(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """NVIDIA's MLPerf Inference results, one row per value read from a LoadGen log.

    Parameters
    ----------
    data_dir : Path
        Folder holding ``datapackage.json`` (default: the shipped ``data/``).

    Returns
    -------
    polars.DataFrame
        96 rows (shipped file), sorted by ``publication_date``, ``system``, ``benchmark``, ``scenario``, ``metric``,
        ``log_field``. Columns: ``round`` (str, ``v3.0`` ...), ``publication_date`` (Date, first day of the publication
        month), ``submitter``, ``system``, ``accelerator`` (str), ``accelerators_per_system`` (Int64),
        ``benchmark`` (str: the results folder, e.g. ``gptj-99.9``), ``workload`` (str: the folder without its
        accuracy target, ``gptj``, ``llama2-70b``, ``resnet50``, ``bert``), ``accuracy_target`` (str, ``99``,
        ``99.9`` or empty for ResNet-50), ``scenario`` (``Offline`` / ``Server``), ``metric`` (``samples_per_s`` /
        ``tokens_per_s``), ``throughput_per_s`` (Float64, system total in the unit of ``metric``),
        ``throughput_per_accelerator_per_s`` (Float64, derived), ``valid``, ``in_results_block`` (Boolean),
        ``software``, ``source_repo``, ``source_path``, ``source_commit``, ``log_field``, ``system_status``,
        ``mlcommons_result_id``, ``notes``, ``provenance_note`` (str, null when empty), ``proxy_folder`` (Boolean:
        a ``-99.9`` value where the round has no ``-99`` value of that system and scenario, so it stands in for it), ``third_party_copy`` (Boolean:
        read from the third-party v5.0 copy).

    Raises
    ------
    DataFormatError
        For a malformed cell (file, 1-based data row, column): a number with a unit or thousands separator, a
        ``publication_date`` not ``YYYY-MM``, a boolean other than ``True``/``False``, an unknown scenario or metric,
        or a ``value_per_accelerator`` that is not ``value / accelerators_per_system`` to 0.1 %.

    Source: MLCommons ``inference_results_v3.0`` ... ``_v5.1`` and ``ntuhpc/mlperf_inference_results_v5.0``
    (Apache License 2.0); repository, commit and file on every row.
    """
    raw = read_resource(MLPERF_RESOURCE, data_dir)
    file = "mlperf-inference/mlperf_inference_nvidia.csv"
    month = raw["publication_date"]
    _fail(file, month, ~month.str.contains(_MONTH).fill_null(False), "publication_date", "a month YYYY-MM")
    for col, allowed in (("scenario", MLPERF_SCENARIOS), ("metric", MLPERF_METRICS)):
        _fail(file, raw[col], ~raw[col].is_in(list(allowed)).fill_null(False), col, " or ".join(allowed))
    derived = raw["value"] / raw["accelerators_per_system"]
    off = ((raw["value_per_accelerator"] - derived).abs() > 1e-3 * derived).fill_null(False)
    _fail(file, raw["value_per_accelerator"], off, "value_per_accelerator", "value / accelerators_per_system")
    df = raw.with_columns(
        (month + "-01").str.to_date("%Y-%m-%d").alias("publication_date"),
        _bool_column(raw, file, "valid").alias("valid"),
        _bool_column(raw, file, "in_results_block").alias("in_results_block"),
    ).rename({"value": "throughput_per_s", "value_per_accelerator": "throughput_per_accelerator_per_s"})
    folder = pl.col("benchmark")
    df = df.with_columns(
        folder.str.replace(r"-99(\.9)?$", "").alias("workload"),
        folder.str.extract(r"-(99(?:\.9)?)$", 1).fill_null("").alias("accuracy_target"),
        pl.col("provenance_note").is_not_null().alias("third_party_copy"),
    )
    # a -99.9 value stands in for the -99 target when the round has no -99 value of that system and scenario
    has_99 = (pl.col("accuracy_target") == "99").any().over(["round", "system", "workload", "scenario"])
    df = df.with_columns(((pl.col("accuracy_target") == "99.9") & ~has_99).alias("proxy_folder"))
    return df.sort(["publication_date", "system", "benchmark", "scenario", "metric", "log_field"], maintain_order=True)


__all__ = ["MLPERF_METRICS", "MLPERF_RESOURCE", "MLPERF_SCENARIOS", "load_mlperf_inference"]
