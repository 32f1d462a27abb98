"""Typed loaders for the shipped datasets in ``data/``.

Each file is described in ``data/datapackage.json`` (Frictionless Data Package):
the loaders read that descriptor, parse every declared field strictly into its
type, and return a polars DataFrame whose column names carry their unit
(``frequency_mhz``, ``on_demand_usd_per_chip_hour``, ``fp8_flop_s``).

Strict parsing means a malformed cell is never silently turned into null: a
number with a thousands separator (``1,234``), a unit suffix (``700 W``), an empty
cell in a required column, or an unparseable date raises
:class:`scalinglab.errors.DataFormatError` naming the file, the 1-based data row
(header not counted) and the column.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import threading
from pathlib import Path

import polars as pl

from scalinglab.errors import DataFormatError
from scalinglab.paths import DATA_DIR

_NUMBER = r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_INTEGER = r"^-?\d+$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_EXPECTED = {
    "number": "a number (digits, optional decimal point and exponent; no thousands separators or units)",
    "integer": "an integer",
    "date": "a date YYYY-MM-DD",
}


_FILES_READ: set[str] = set()
#: Per-process cache of parsed resources: resolved path -> (size, mtime_ns, sha256, resource name, frame).
_CACHE: dict[str, tuple[int, int, str, str, pl.DataFrame]] = {}
_READS: dict[str, int] = {}
_LOCK = threading.Lock()


def files_read() -> set[str]:
    """Paths (relative to ``data/``) of every file a loader has read in this process."""
    return set(_FILES_READ)


def read_count(path: str | Path) -> int:
    """How many times this process read (and parsed) the file at ``path`` from disk."""
    return _READS.get(str(Path(path).resolve()), 0)


def clear_cache() -> None:
    """Forget every parsed file (the next load reads from disk again)."""
    with _LOCK:
        _CACHE.clear()


@functools.lru_cache(maxsize=4)
def _descriptor(data_dir: Path) -> dict:
    return json.loads((data_dir / "datapackage.json").read_text())


def resource_descriptor(name: str, data_dir: Path = DATA_DIR) -> dict:
    """The ``datapackage.json`` entry of resource ``name``; ``KeyError`` listing the known names."""
    resources = {r["name"]: r for r in _descriptor(Path(data_dir))["resources"]}
    if name not in resources:
        raise KeyError(f"unknown data resource {name!r}; known: {', '.join(sorted(resources))}")
    return resources[name]


def _fail(file: str, raw: pl.Series, bad: pl.Series, column: str, expected: str) -> None:
    idx = bad.arg_true()
    if len(idx):
        i = int(idx[0])
        raise DataFormatError(file, i + 1, column, raw[i] if raw[i] is not None else "", expected)


def _raise_ragged(relpath: str, path: Path) -> None:
    """Raise ``DataFormatError`` for the first record whose field count differs from the header's."""
    import csv

    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for i, rec in enumerate(reader, start=1):
            if len(rec) != len(header):
                col = header[min(len(rec), len(header)) - 1]
                raise DataFormatError(
                    relpath, i, col, f"{len(rec)} fields", f"a row of {len(header)} fields, as in the header"
                )


def read_resource(name: str, data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Read resource ``name`` with every field parsed to its declared type (cached per process).

    Parameters
    ----------
    name : str
        Resource name in ``datapackage.json`` (e.g. ``"nvidia_gpu_specs"``).
    data_dir : Path
        Folder holding ``datapackage.json`` (default: the shipped ``data/``).

    Returns
    -------
    polars.DataFrame
        The file's own column names; ``number`` fields Float64, ``integer`` Int64, ``date``
        Date, ``string`` String (empty -> null).

    Raises
    ------
    DataFormatError
        (file, row, column) for a malformed or missing required value, a value below the
        field's declared ``minimum``, or a row with more or fewer fields than the header.
    KeyError
        For an unknown resource.

    Notes
    -----
    The parsed frame is cached per process, keyed by the file's content: a later call whose
    file has the same size and modification time returns the cached frame without reading;
    a changed size or time re-reads the file, and its SHA-256 decides whether to parse again.
    So a sweep or a validation of many points reads each file once.
    """
    res = resource_descriptor(name, data_dir)
    path = Path(data_dir) / res["path"]
    key = str(path.resolve())
    st = path.stat()
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[:2] == (st.st_size, st.st_mtime_ns) and hit[3] == name:
        return hit[4].clone()  # a cheap copy: in-place frame methods cannot change the cached frame
    raw_bytes = path.read_bytes()
    _READS[key] = _READS.get(key, 0) + 1
    sha = hashlib.sha256(raw_bytes).hexdigest()
    if hit is not None and hit[2] == sha and hit[3] == name:
        frame = hit[4]  # touched, not changed
    else:
        frame = _parse_resource(res, path, raw_bytes, data_dir)
    with _LOCK:
        _CACHE[key] = (st.st_size, st.st_mtime_ns, sha, name, frame)
    return frame.clone()


def _parse_resource(res: dict, path: Path, raw_bytes: bytes, data_dir: Path) -> pl.DataFrame:
    try:
        raw = pl.read_csv(io.BytesIO(raw_bytes), infer_schema=False, encoding="utf8", raise_if_empty=True)
    except pl.exceptions.ComputeError:
        _raise_ragged(res["path"], path)
        raise
    if Path(data_dir).resolve() == DATA_DIR.resolve():
        _FILES_READ.add(res["path"])
    raw = raw.rename({c: c.lstrip("\ufeff") for c in raw.columns})
    out = {}
    for field in res["schema"]["fields"]:
        col, ftype = field["name"], field["type"]
        if col not in raw.columns:
            raise DataFormatError(res["path"], 0, col, "", "a column declared in datapackage.json")
        s = raw[col]
        s = s.set(s == "", None) if s.null_count() < len(s) else s  # empty cell -> missing
        if field.get("constraints", {}).get("required"):
            _fail(res["path"], raw[col], s.is_null(), col, "a value (the column is required)")
        if ftype in ("number", "integer"):
            ok = s.str.contains(_NUMBER if ftype == "number" else _INTEGER)
            _fail(res["path"], raw[col], s.is_not_null() & ~ok.fill_null(False), col, _EXPECTED[ftype])
            s = s.cast(pl.Float64 if ftype == "number" else pl.Int64)
            minimum = field.get("constraints", {}).get("minimum")
            if minimum is not None:
                _fail(res["path"], raw[col], (s < minimum).fill_null(False), col, f"a number >= {minimum}")
        elif ftype == "date":
            parsed = s.str.to_date("%Y-%m-%d", strict=False)
            ok = s.str.contains(_DATE).fill_null(False) & parsed.is_not_null()
            _fail(res["path"], raw[col], s.is_not_null() & ~ok, col, _EXPECTED["date"])
            s = parsed
        out[col] = s
    return pl.DataFrame(out)


def file_sha256(relpath: str, data_dir: Path = DATA_DIR) -> str:
    """SHA-256 hex digest of a file under ``data/`` (for run records)."""
    return hashlib.sha256((Path(data_dir) / relpath).read_bytes()).hexdigest()


def resource_path(name: str, data_dir: Path = DATA_DIR) -> str:
    """Path of resource ``name`` relative to ``data/``."""
    return resource_descriptor(name, data_dir)["path"]


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


# ---------------------------------------------------------------------------
# Karl Rupp: 50 years of microprocessor trend data
# ---------------------------------------------------------------------------

#: metric name -> (resource, value column with unit, axis title)
MICROPROCESSOR_METRICS: dict[str, tuple[str, str, str]] = {
    "transistors": ("rupp_transistors", "transistors_thousands", "Transistors (thousands)"),
    "single_thread_performance": ("rupp_specint", "specint_x1000", "Single-thread performance (SPECint × 1000)"),
    "frequency": ("rupp_frequency", "frequency_mhz", "Clock frequency (MHz)"),
    "typical_power": ("rupp_watts", "typical_power_w", "Typical power (W)"),
    "logical_cores": ("rupp_cores", "logical_cores", "Logical cores (count)"),
}


def load_microprocessor_trend(metric: str, data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """One metric of Karl Rupp's microprocessor trend data (1971-2021).

    Returns columns ``year`` (decimal year, Float64), the value column named in
    :data:`MICROPROCESSOR_METRICS` (e.g. ``frequency_mhz``, Float64; cores Int64)
    and ``note``, sorted by year. Raises ``ValueError`` for an unknown metric
    (listing the known ones) and ``DataFormatError`` for a malformed cell.
    Source: github.com/karlrupp/microprocessor-trend-data @ f2121ab2, CC BY 4.0.
    """
    if metric not in MICROPROCESSOR_METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(MICROPROCESSOR_METRICS)}")
    resource, _, _ = MICROPROCESSOR_METRICS[metric]
    return read_resource(resource, data_dir).sort("year", maintain_order=True)


def load_all_microprocessor_trends(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """All five metrics in long form: ``metric``, ``year``, ``value`` (unit given by ``unit``), sorted."""
    frames = []
    for metric, (_, col, title) in MICROPROCESSOR_METRICS.items():
        df = load_microprocessor_trend(metric, data_dir)
        frames.append(
            df.select(
                pl.lit(metric).alias("metric"),
                "year",
                pl.col(col).cast(pl.Float64).alias("value"),
                pl.lit(col).alias("unit"),
                pl.lit(title).alias("title"),
            )
        )
    return pl.concat(frames).sort(["metric", "year"], maintain_order=True)


# ---------------------------------------------------------------------------
# Curated tables
# ---------------------------------------------------------------------------


def load_gpu_specs(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Curated NVIDIA data-centre GPU specifications (P100 ... Rubin), one row per GPU.

    Throughput columns are dense TFLOP/s (``fp64_tflops`` ... ``fp4_dense_tflops``,
    ``int8_dense_tops``); ``hbm_gb``, ``hbm_tb_per_s``, ``tdp_w``,
    ``nvlink_gb_per_s_bidir_per_gpu`` (bidirectional total per GPU). Adds
    ``announced_year`` (decimal year from ``announced``) and ``preliminary``
    (True where ``status`` says so). Sorted by announcement date.
    Source: data/curated/nvidia_gpu_specs.csv (a source on every row).
    """
    df = read_resource("nvidia_gpu_specs", data_dir)
    return df.with_columns(
        (pl.col("announced").dt.year() + (pl.col("announced").dt.ordinal_day() - 1) / 365.25).alias("announced_year"),
        pl.col("status").str.to_lowercase().str.contains("preliminary").fill_null(False).alias("preliminary"),
    ).sort("announced", maintain_order=True)


def gpus_with(*columns: str, data_dir: Path = DATA_DIR) -> list[str]:
    """Names of the spec-table GPUs (announcement order) that have a value in every one of ``columns``.

    E.g. ``gpus_with("bf16_fp16_dense_tflops", "tdp_w")``; used by the chapter schemas to
    list the GPUs a parameter may name. Raises ``KeyError`` for an unknown column.
    """
    df = load_gpu_specs(data_dir)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"unknown spec-table column(s) {missing}; known: {', '.join(df.columns)}")
    return df.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in columns]))["gpu"].to_list()


def load_interconnect_generations(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Curated NVLink / NVLink-domain / PCIe / InfiniBand generations.

    Keeps the file's ``bandwidth`` + ``unit`` + ``direction`` columns and adds
    ``year`` (first 4-digit year in ``year_first_products``; null for 'roadmap').
    Direction conventions differ by family (NVLink: bidirectional per GPU;
    PCIe, InfiniBand: per direction): convert explicitly before comparing.
    """
    df = read_resource("interconnect_generations", data_dir)
    return df.with_columns(pl.col("year_first_products").str.extract(r"(\d{4})", 1).cast(pl.Int64).alias("year"))


def load_llm_prices(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Curated dated LLM API list prices: ``effective_date``, ``model``,
    ``input_usd_per_mtok``, ``output_usd_per_mtok``, ``blend_3to1_usd_per_mtok``,
    ``mmlu`` (%), ``source_url``, sorted by date then model.
    """
    return read_resource("llm_api_price_points", data_dir).sort(["effective_date", "model"], maintain_order=True)


def load_growth_anchors(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Published growth rates and constants. ``value`` stays text (some are ranges
    like ``2-3``); ``value_number`` is the number where the text is a single number.
    """
    df = read_resource("growth_rate_anchors", data_dir)
    return df.with_columns(pl.col("value").cast(pl.Float64, strict=False).alias("value_number"))


def anchor(anchor_id: str, data_dir: Path = DATA_DIR) -> float:
    """The numeric value of one growth anchor by ``id`` (e.g. ``'hp_era2'`` -> 52.0).

    Raises ``KeyError`` for an unknown id and ``ValueError`` if the value is a range.
    """
    df = load_growth_anchors(data_dir).filter(pl.col("id") == anchor_id)
    if df.height == 0:
        raise KeyError(f"unknown growth anchor {anchor_id!r}")
    v = df["value_number"][0]
    if v is None:
        raise ValueError(f"growth anchor {anchor_id!r} is a range ({df['value'][0]!r}), not a number")
    return float(v)


_ENERGY_UNIT_J = {"pJ": 1e-12, "nJ": 1e-9}


def load_horowitz_energy(data_dir: Path = DATA_DIR) -> pl.DataFrame:
    """Horowitz's 45 nm energy per operation (ISSCC 2014, Fig. 1.1.9), one row per operation.

    Returns
    -------
    polars.DataFrame
        ``id`` (anchor id), ``operation`` (e.g. ``"32-bit FP multiply"``), ``kind`` (``"arithmetic"``
        or ``"memory"`` for cache and DRAM accesses), ``joules`` (J per operation) and
        ``verification``, sorted by ``joules``. Entries quoted as a range (the DRAM access,
        1.3-2.6 nJ) have no single value and are left out.

    Notes
    -----
    Read from ``data/curated/growth_rate_anchors.csv`` (ids ``horowitz_*``); chapters filter
    ``kind`` instead of parsing the anchor table themselves.
    """
    df = load_growth_anchors(data_dir).filter(
        pl.col("id").str.starts_with("horowitz_") & pl.col("value_number").is_not_null()
    )
    return (
        df.select(
            "id",
            pl.col("quantity").str.replace(r" \(45 nm.*$", "").str.replace(r"^energy of an? ", "").alias("operation"),
            pl.when(pl.col("id").str.contains("cache|dram"))
            .then(pl.lit("memory"))
            .otherwise(pl.lit("arithmetic"))
            .alias("kind"),
            (pl.col("value_number") * pl.col("unit").replace_strict(_ENERGY_UNIT_J, default=None)).alias("joules"),
            "verification",
        )
        .drop_nulls("joules")
        .sort(["joules", "id"])
    )
