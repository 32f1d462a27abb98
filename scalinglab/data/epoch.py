"""Typed loaders of Epoch AI's datasets (CC BY): chips, hardware prices, API prices, price-decline fits.

Column names carry their unit (``fp8_flop_s``, ``on_demand_usd_per_chip_hour``); parsing is as strict
as :func:`scalinglab.data.loaders.read_resource` (a malformed cell names file, row and column).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from scalinglab.data.loaders import _NUMBER, _fail, read_resource, resource_path
from scalinglab.paths import DATA_DIR

_CHIP_COLUMNS = {
    "Hardware name": "hardware_name",
    "Manufacturer": "manufacturer",
    "Type": "type",
    "Release date": "release_date",
    "FP64 (double precision) performance (FLOP/s)": "fp64_flop_s",
    "FP32 (single precision) performance (FLOP/s)": "fp32_flop_s",
    "FP16 (half precision) performance (FLOP/s)": "fp16_flop_s",
    "TF32 (TensorFloat-32) performance (FLOP/s)": "tf32_flop_s",
    "Tensor-FP16/BF16 performance (FLOP/s)": "tensor_fp16_bf16_flop_s",
    "FP8 performance (FLOP/s)": "fp8_flop_s",
    "FP4 performance (FLOP/s)": "fp4_flop_s",
    "INT8 performance (OP/s)": "int8_op_s",
    "Memory size per board (Byte)": "memory_bytes",
    "Memory bandwidth (byte/s)": "memory_bandwidth_bytes_s",
    "Intranode bandwidth (byte/s)": "intranode_bandwidth_bytes_s",
    "Internode bandwidth (bit/s)": "internode_bandwidth_bit_s",
    "TDP (W)": "tdp_w",
    "Die Size (mm^2)": "die_size_mm2",
    "Process size (nm)": "process_nm",
    "Number of transistors (millions)": "transistors_millions",
}


def load_epoch_chips(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch AI's chip dataset, the analysis columns only, renamed with units.

    Columns: ``hardware_name``, ``manufacturer``, ``type``, ``release_date`` and
    dense throughputs ``fp64_flop_s`` ... ``fp4_flop_s``, ``int8_op_s``,
    ``memory_bytes``, ``memory_bandwidth_bytes_s``, ``intranode_bandwidth_bytes_s``,
    ``internode_bandwidth_bit_s``, ``tdp_w``, ``die_size_mm2``, ``process_nm``,
    ``transistors_millions``. Credit: Epoch AI (CC BY), training-cost-trends @ 263c40a1.
    """
    return (
        read_resource("epoch_chips", data_dir)
        .select([pl.col(k).alias(v) for k, v in _CHIP_COLUMNS.items()])
        .sort(["release_date", "hardware_name"], nulls_last=True, maintain_order=True)
    )


def load_hardware_prices(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch AI GPU purchase and rental prices, renamed with units.

    Columns: ``price_source_url``, ``price_date``, ``hardware_model``, ``manufacturer``,
    ``vendor``, ``location``, ``on_demand_usd_per_chip_hour``, ``cud_1y_usd_per_chip_hour``,
    ``cud_3y_usd_per_chip_hour``, ``purchase_usd``, ``notes``, ``cloud_gpu_description``,
    ``n_gpus``. Credit: Epoch AI (CC BY).
    """
    df = read_resource("epoch_hardware_prices", data_dir)
    names = {
        "Price source": "price_source_url",
        "Price date": "price_date",
        "Hardware model": "hardware_model",
        "Manufacturer": "manufacturer",
        "Vendor": "vendor",
        "Location": "location",
        "Price per chip-hour (on-demand)": "on_demand_usd_per_chip_hour",
        "Price per chip-hour (1-year CUD)": "cud_1y_usd_per_chip_hour",
        "Price per chip-hour (3-year CUD)": "cud_3y_usd_per_chip_hour",
        "Price (hardware purchase)": "purchase_usd",
        "Notes": "notes",
        "Cloud GPU description": "cloud_gpu_description",
        "Number of GPUs": "n_gpus",
    }
    return df.rename(names).sort(["price_date", "hardware_model"], nulls_last=True, maintain_order=True)


def load_epoch_api_prices(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch AI's raw API price table with ``price_usd`` parsed from text like ``$2.50000``.

    Columns: ``model``, ``model_version``, ``developer``, ``api_vendor``, ``price_date``,
    ``price_usd`` (unit in ``price_unit``, e.g. ``$/1M input tokens``), ``price_unit``,
    ``fine_tuned`` (bool), ``archived_price_link``, ``notes``. A price that is not
    ``$`` followed by a plain number raises ``DataFormatError``.
    """
    res = "epoch_api_prices"
    df = read_resource(res, data_dir)
    stripped = df["Price"].str.strip_prefix("$")
    bad = ~df["Price"].str.starts_with("$") | ~stripped.str.contains(_NUMBER)
    _fail(resource_path(res, data_dir), df["Price"], bad, "Price", "'$' followed by a number")
    return pl.DataFrame(
        {
            "model": df["Model"],
            "model_version": df["Model Version"],
            "developer": df["Organization (model developer)"],
            "api_vendor": df["Organization (API vendor)"],
            "price_date": df["Price date"],
            "price_usd": stripped.cast(pl.Float64),
            "price_unit": df["Price Unit"],
            "fine_tuned": df["Fine Tuned Model"].eq("checked").fill_null(False),
            "archived_price_link": df["Archived price link"],
            "notes": df["Notes"],
        }
    ).sort(["price_date", "model"], nulls_last=True, maintain_order=True)


def load_epoch_price_fits(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch AI's fitted price declines at fixed capability, one row per benchmark and threshold.

    Columns: ``bench``, ``threshold_model``, ``threshold_score`` (lower end of
    ``performance_range``), ``sample_size``, ``start_date``, ``end_date``,
    ``decline_x_per_year``, ``decline_x_per_year_ci90_low``/``_high``, ``r_squared``.
    """
    df = read_resource("epoch_price_fits", data_dir)
    ci = df["price_reduction_factor_per_year_90_ci"].str.extract_all(r"[-+0-9.eE]+")
    rng = df["performance_range"].str.extract(r"\[\s*([-+0-9.eE]+)", 1).cast(pl.Float64)
    return pl.DataFrame(
        {
            "bench": df["bench"],
            "threshold_model": df["threshold_model"],
            "threshold_score": rng,
            "sample_size": df["sample_size"],
            "start_date": df["start_date"],
            "end_date": df["end_date"],
            "decline_x_per_year": df["price_reduction_factor_per_year"],
            "decline_x_per_year_ci90_low": ci.list.get(0).cast(pl.Float64),
            "decline_x_per_year_ci90_high": ci.list.get(1).cast(pl.Float64),
            "r_squared": df["r_squared"],
        }
    )


def _epoch_points(resource: str, data_dir: Path) -> pl.DataFrame:
    df = read_resource(resource, data_dir)
    return df.rename(
        {"Model Name": "model", "Release Date": "release_date", "USD per 1M Tokens": "blend_3to1_usd_per_mtok"}
    ).with_columns(
        pl.col("performance_range").str.extract(r"\[\s*([-+0-9.eE]+)", 1).cast(pl.Float64).alias("threshold_score")
    )


def load_epoch_price_frontier(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch's cheapest-model-above-threshold points: ``bench``, ``threshold_model``,
    ``threshold_score``, ``model``, ``release_date``, ``blend_3to1_usd_per_mtok``, ``benchmark_score``.
    """
    return _epoch_points("epoch_price_frontier", data_dir)


def load_epoch_price_other(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch's other models above each threshold (same columns as the frontier, no prediction)."""
    return _epoch_points("epoch_price_other", data_dir)
