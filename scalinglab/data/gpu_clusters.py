"""Typed loader for Epoch AI's *Data on GPU Clusters* (AI supercomputers).

The file (``data/epoch-gpu-clusters/gpu_clusters.csv``) keeps Epoch's own column names, with spaces and
units, and has quoted text cells that hold newlines and quotes, so it is read with polars' CSV parser
(quote-aware) through :func:`scalinglab.data.loaders.read_resource`, which parses every field declared in
``data/datapackage.json`` strictly. A non-numeric OP/s, power or cost, or an impossible date
(``2024-02-30``), raises :class:`~scalinglab.errors.DataFormatError` naming the file, the 1-based data
row (the header not counted; a record that spans several lines counts once) and the column.

Credit: Epoch AI, 'Data on GPU Clusters', https://epoch.ai/data/gpu-clusters (CC BY 4.0).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from scalinglab.data.loaders import read_resource, resource_path
from scalinglab.errors import DataFormatError
from scalinglab.paths import DATA_DIR

RESOURCE = "epoch_gpu_clusters"

#: Epoch's certainty levels, most certain first; ``min_certainty`` keeps a level and every level before it.
CERTAINTY_LEVELS: tuple[str, ...] = ("Confirmed", "Likely", "Unlikely")
#: Epoch's status values.
STATUSES: tuple[str, ...] = ("Existing", "Decommissioned", "Planned")

#: Epoch's column -> the loader's column (units in the names).
COLUMNS: dict[str, str] = {
    "Name": "name",
    "Status": "status",
    "Certainty": "certainty",
    "First Operational Date": "first_operational_date",
    "First Operational Date Note": "first_operational_date_note",
    "16-bit OP/s": "dense_16bit_flop_s",
    "8-bit OP/s": "dense_8bit_op_s",
    "Chip type (primary)": "chip_type",
    "Total number of AI chips": "ai_chips",
    "Power Capacity (MW)": "power_mw",
    "Hardware Cost": "hardware_cost_usd",
    "Owner": "owner",
    "Country": "country",
    "Sector": "sector",
    "Rank when first operational": "epoch_rank_when_first_operational",
    "Include in Standard Analysis": "include_in_standard_analysis",
}


def load_gpu_clusters(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Epoch AI's GPU clusters, one row per system, typed, with units in the column names.

    Parameters
    ----------
    data_dir
        Folder holding ``datapackage.json`` and ``epoch-gpu-clusters/gpu_clusters.csv``.

    Returns
    -------
    polars.DataFrame
        786 rows (the shipped snapshot), in file order, with columns ``row`` (1-based data row),
        ``name``, ``status`` (Existing / Decommissioned / Planned), ``certainty`` (Confirmed / Likely /
        Unlikely), ``first_operational_date`` (Date; null for most planned systems),
        ``first_operational_date_note``, ``year`` (decimal year of the first operational date, Float64),
        ``planned_year`` (Int64: the year of the date, or for planned systems without one the first
        four-digit year in the note, e.g. "Planned H2 2026" -> 2026), ``dense_16bit_flop_s`` and
        ``dense_8bit_op_s`` (dense peak summed over all AI chips, FLOP/s and OP/s), ``chip_type``,
        ``ai_chips`` (count, Float64), ``power_mw`` (MW), ``hardware_cost_usd`` (USD), ``owner``,
        ``country``, ``sector``, ``epoch_rank_when_first_operational`` (Int64, Epoch's own rank),
        ``include_in_standard_analysis`` (bool), ``certainty_order`` (0 = Confirmed ... 2 = Unlikely).
        Empty numeric cells are null.

    Raises
    ------
    DataFormatError
        For a malformed cell (non-numeric OP/s, power or cost; an impossible date; a negative value), a
        status or certainty outside Epoch's levels, or a row with more or fewer fields than the header.
    """
    raw = read_resource(RESOURCE, data_dir)
    file = resource_path(RESOURCE, data_dir)
    for col, allowed in (("Status", STATUSES), ("Certainty", CERTAINTY_LEVELS)):
        bad = ~raw[col].is_in(list(allowed)).fill_null(False)
        if bad.any():
            i = int(bad.arg_true()[0])
            raise DataFormatError(file, i + 1, col, raw[col][i] or "", "one of: " + ", ".join(allowed))
    df = raw.select([pl.col(k).alias(v) for k, v in COLUMNS.items()])
    date = pl.col("first_operational_date")
    return df.with_columns(
        pl.int_range(1, pl.len() + 1).alias("row"),
        (date.dt.year() + (date.dt.ordinal_day() - 1) / 365.25).alias("year"),
        pl.coalesce(
            date.dt.year().cast(pl.Int64),
            pl.col("first_operational_date_note").str.extract(r"((?:19|20)\d{2})", 1).cast(pl.Int64),
        ).alias("planned_year"),
        pl.col("epoch_rank_when_first_operational").round(0).cast(pl.Int64),
        (pl.col("include_in_standard_analysis") == "True").fill_null(False),
        pl.col("certainty")
        .replace_strict(list(CERTAINTY_LEVELS), list(range(len(CERTAINTY_LEVELS))), return_dtype=pl.Int64)
        .alias("certainty_order"),
    ).select(
        "row",
        *[c for c in COLUMNS.values()][:4],
        "year",
        "planned_year",
        *list(COLUMNS.values())[4:],
        "certainty_order",
    )
