"""The one shared vocabulary of the book: number formats, GPU names and unit conversions.

Every chapter that maps a number format to a column of the curated GPU spec table
(``data/curated/nvidia_gpu_specs.csv``), a GPU of that table to its name in Epoch AI's
datasets, a weight width in bytes to a format, or converts between units, uses this
module instead of a local copy.

Number formats
    Canonical names are the industry labels ``FP64``, ``FP32``, ``TF32``, ``BF16``, ``FP16``,
    ``FP8``, ``FP6``, ``FP4`` and ``INT8``. :func:`format_name` also accepts lower case
    (``"fp32"``) and the ml_dtypes / NumPy names used by :mod:`scalinglab.models.precision`
    (``"float32"``, ``"bfloat16"``, ``"float8_e4m3fn"`` ...). FP32 is the IEEE single format
    (``fp32_tflops``, vector units); TF32 is a tensor-core mode with its own column
    (``tf32_dense_tflops``); BF16 and FP16 share ``bf16_fp16_dense_tflops``.

GPU names
    The spec table names GPUs by their product name (``"H100"``); Epoch AI's chip dataset
    (``Hardware name``) and hardware price dataset (``Hardware model``) use one longer name
    per board (``"NVIDIA H100 SXM5 80GB"``). :data:`EPOCH_HARDWARE_NAME` maps one to the
    other, for the board variant of the spec table's row.

Imports nothing of the package but :mod:`scalinglab.errors`.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import polars as pl

from scalinglab.errors import ParameterError

__all__ = [
    "SpecColumn",
    "SPEC_COLUMNS",
    "FORMATS",
    "FORMAT_ALIASES",
    "FORMAT_SPEC_COLUMNS",
    "WEIGHT_BYTES_PER_PARAM",
    "EPOCH_HARDWARE_NAME",
    "RENTAL_GPUS",
    "format_name",
    "format_bits",
    "spec_column",
    "spec_columns",
    "column_format",
    "dense_tflops",
    "first_dense_tflops",
    "weight_format",
    "weight_bytes",
    "epoch_chip_name",
    "rental_hardware_model",
    "gpu_for_epoch_name",
    "gpu_row",
    "GB",
    "GIB",
    "tb_s_to_gb_s",
    "gbit_s_to_gbyte_s",
    "per_direction",
    "tflops_to_flop_s",
    "bytes_to_gib",
]


# ---------------------------------------------------------------------------------------
# Number formats <-> spec-table columns
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecColumn:
    """One throughput column of the curated GPU spec table.

    Attributes
    ----------
    column : str
        Column name in :func:`scalinglab.data.load_gpu_specs` (e.g. ``"fp8_dense_tflops"``).
    format : str
        Canonical format name (``"FP8"``).
    label : str
        Reader-facing label (``"BF16/FP16"`` for the shared 16-bit column, ``"FP64 tensor"``).
    bits : int
        Storage width of one element in bits (TF32 counts its 19 significant bits).
    unit : str
        ``"TFLOP/s"`` (``"TOPS"`` for INT8); dense, i.e. without 2:4 structured sparsity.
    tensor : bool
        True for a tensor-core figure, False for a vector-unit figure.
    """

    column: str
    format: str
    label: str
    bits: int
    unit: str = "TFLOP/s"
    tensor: bool = True


#: Every throughput column of the spec table, widest format first.
SPEC_COLUMNS: tuple[SpecColumn, ...] = (
    SpecColumn("fp64_tflops", "FP64", "FP64", 64, tensor=False),
    SpecColumn("fp64_tensor_tflops", "FP64", "FP64 tensor", 64),
    SpecColumn("fp32_tflops", "FP32", "FP32", 32, tensor=False),
    SpecColumn("tf32_dense_tflops", "TF32", "TF32", 19),
    SpecColumn("bf16_fp16_dense_tflops", "BF16", "BF16/FP16", 16),
    SpecColumn("fp8_dense_tflops", "FP8", "FP8", 8),
    SpecColumn("fp6_dense_tflops", "FP6", "FP6", 6),
    SpecColumn("fp4_dense_tflops", "FP4", "FP4", 4),
    SpecColumn("int8_dense_tops", "INT8", "INT8", 8, unit="TOPS"),
)

#: Canonical format names, widest first.
FORMATS: tuple[str, ...] = ("FP64", "FP32", "TF32", "BF16", "FP16", "FP8", "FP6", "FP4", "INT8")

_BITS: dict[str, int] = {
    "FP64": 64,
    "FP32": 32,
    "TF32": 19,
    "BF16": 16,
    "FP16": 16,
    "FP8": 8,
    "FP6": 6,
    "FP4": 4,
    "INT8": 8,
}

#: Spec-table columns giving a format's dense peak, in order of preference (the FP64
#: tensor-core peak before the vector FP64 peak). BF16 and FP16 share one column.
FORMAT_SPEC_COLUMNS: dict[str, tuple[str, ...]] = {
    "FP64": ("fp64_tensor_tflops", "fp64_tflops"),
    "FP32": ("fp32_tflops",),
    "TF32": ("tf32_dense_tflops",),
    "BF16": ("bf16_fp16_dense_tflops",),
    "FP16": ("bf16_fp16_dense_tflops",),
    "FP8": ("fp8_dense_tflops",),
    "FP6": ("fp6_dense_tflops",),
    "FP4": ("fp4_dense_tflops",),
    "INT8": ("int8_dense_tops",),
}

#: Other spellings accepted by :func:`format_name` (ml_dtypes / NumPy names, lower case).
FORMAT_ALIASES: dict[str, str] = {
    "float64": "FP64",
    "float32": "FP32",
    "tensorfloat32": "TF32",
    "bfloat16": "BF16",
    "float16": "FP16",
    "float8_e4m3fn": "FP8",
    "float8_e5m2": "FP8",
    "float6_e2m3fn": "FP6",
    "float6_e3m2fn": "FP6",
    "float4_e2m1fn": "FP4",
    "int8": "INT8",
    **{f.lower(): f for f in FORMATS},
}

#: Bytes per parameter of the weight formats, narrowest first (FP32 is the IEEE single format).
WEIGHT_BYTES_PER_PARAM: dict[str, float] = {"FP4": 0.5, "FP8": 1.0, "BF16": 2.0, "FP32": 4.0}


def format_name(fmt: str, name: str = "format") -> str:
    """Canonical name of a number format.

    Parameters
    ----------
    fmt : str
        ``"FP8"``, ``"fp8"``, ``"float8_e4m3fn"``, ``"bfloat16"`` ... (see :data:`FORMAT_ALIASES`).
    name : str
        Parameter name used in the error message.

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    ParameterError
        Naming ``name``, the value and the accepted names.
    """
    if isinstance(fmt, str):
        hit = FORMAT_ALIASES.get(fmt.strip().lower())
        if hit is not None:
            return hit
    raise ParameterError(name, fmt, f"one of {', '.join(FORMATS)} (or {', '.join(sorted(FORMAT_ALIASES))})")


def format_bits(fmt: str, name: str = "format") -> int:
    """Bits per element of a format (TF32: its 19 significant bits); ParameterError for an unknown name."""
    return _BITS[format_name(fmt, name)]


def spec_columns(fmt: str, name: str = "format") -> tuple[str, ...]:
    """Spec-table columns giving the dense peak of ``fmt``, in order of preference.

    Parameters
    ----------
    fmt : str
        A format name accepted by :func:`format_name`; block-scaled schemes run at the peak
        of their element format, so pass the element format (``"float8_e4m3fn"`` for MXFP8).
    name : str
        Parameter name used in the error message.

    Returns
    -------
    tuple of str
        E.g. ``("fp64_tensor_tflops", "fp64_tflops")`` for FP64, ``("fp32_tflops",)`` for FP32.

    Raises
    ------
    ParameterError
        For an unknown format.
    """
    return FORMAT_SPEC_COLUMNS[format_name(fmt, name)]


def spec_column(fmt: str, name: str = "format") -> str:
    """The preferred spec-table column of ``fmt`` (first of :func:`spec_columns`)."""
    return spec_columns(fmt, name)[0]


def column_format(column: str, name: str = "column") -> SpecColumn:
    """The :class:`SpecColumn` describing spec-table throughput column ``column``.

    Raises
    ------
    ParameterError
        Naming ``name``, the value and the throughput columns of the spec table.
    """
    for c in SPEC_COLUMNS:
        if c.column == column:
            return c
    raise ParameterError(
        name, column, "a throughput column of the GPU spec table: " + ", ".join(c.column for c in SPEC_COLUMNS)
    )


def _usable(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(float(v)) and float(v) > 0


def dense_tflops(spec_row: dict, fmt: str, name: str = "format") -> float | None:
    """Dense peak of ``fmt`` on one GPU, or ``None`` where the spec table has no figure.

    Parameters
    ----------
    spec_row : dict
        One row of :func:`scalinglab.data.load_gpu_specs` as a dict (``row(i, named=True)``).
    fmt : str
        A format name accepted by :func:`format_name`.
    name : str
        Parameter name used in the error message.

    Returns
    -------
    float or None
        TFLOP/s (TOPS for INT8), the first positive, finite value of :func:`spec_columns`.

    Raises
    ------
    ParameterError
        For an unknown format.
    """
    for col in spec_columns(fmt, name):
        v = spec_row.get(col)
        if _usable(v):
            return float(v)
    return None


def first_dense_tflops(spec_row: dict, formats, name: str = "format") -> tuple[float, str] | None:
    """(dense peak, format) of the first of ``formats`` that the GPU of ``spec_row`` has a figure for.

    Used for weight-only quantisation: weights stored narrow, arithmetic in the next wider
    format the GPU supports, e.g. ``first_dense_tflops(a100, ["FP8", "BF16", "FP32"])`` ->
    ``(312.0, "BF16")``. Returns ``None`` when none has a figure.
    """
    for f in formats:
        v = dense_tflops(spec_row, f, name)
        if v is not None:
            return v, format_name(f, name)
    return None


def weight_format(bytes_per_param: float, name: str = "bytes_per_param") -> str:
    """The narrowest weight format holding ``bytes_per_param`` bytes: 0.5 FP4, 1 FP8, 2 BF16, 4 FP32.

    In-between sizes round up (0.75 -> FP8).

    Raises
    ------
    ParameterError
        Naming ``name`` for a non-number, a non-positive size or one above 4 bytes.
    """
    ok = isinstance(bytes_per_param, (int, float)) and not isinstance(bytes_per_param, bool)
    if ok and math.isfinite(bytes_per_param) and bytes_per_param > 0:
        for fmt, width in WEIGHT_BYTES_PER_PARAM.items():
            if bytes_per_param <= width + 1e-12:
                return fmt
    raise ParameterError(
        name,
        bytes_per_param,
        "a size in (0, 4] bytes per parameter ("
        + ", ".join(f"{f} {b:g}" for f, b in WEIGHT_BYTES_PER_PARAM.items())
        + ")",
    )


def weight_bytes(fmt: str, name: str = "format") -> float:
    """Bytes per parameter of weight format ``fmt`` (FP4 0.5, FP8 1, BF16/FP16 2, FP32 4)."""
    f = format_name(fmt, name)
    f = "BF16" if f == "FP16" else f
    if f not in WEIGHT_BYTES_PER_PARAM:
        raise ParameterError(name, fmt, "a weight format: " + ", ".join(WEIGHT_BYTES_PER_PARAM))
    return WEIGHT_BYTES_PER_PARAM[f]


# ---------------------------------------------------------------------------------------
# GPU names <-> Epoch AI names
# ---------------------------------------------------------------------------------------

#: Spec-table GPU -> the same board in Epoch AI's chip dataset (``Hardware name``) and
#: hardware price dataset (``Hardware model``): the spec table's variant (SXM; 80 GB A100).
EPOCH_HARDWARE_NAME: dict[str, str] = {
    "P100": "NVIDIA Tesla P100 SXM2",
    "V100": "NVIDIA Tesla V100 SXM2 16 GB",
    "A100": "NVIDIA A100 SXM4 80 GB",
    "H100": "NVIDIA H100 SXM5 80GB",
    "H200": "NVIDIA H200 SXM",
    "B200": "NVIDIA B200",
    "GB200": "NVIDIA GB200 NVL2",
    "B300": "NVIDIA B300",
    "GB300": "NVIDIA GB300",
}

#: Spec-table GPUs whose board appears in Epoch's hardware price data under
#: :data:`EPOCH_HARDWARE_NAME` (B200: purchase prices only).
RENTAL_GPUS: tuple[str, ...] = ("V100", "A100", "H100", "H200", "B200")


def _unknown(name: str, value, choices, what: str) -> ParameterError:
    choices = list(choices)
    close = difflib.get_close_matches(str(value), choices, n=3, cutoff=0.3)
    hint = "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None
    return ParameterError(name, value, f"{what}: {', '.join(choices)}", hint)


def epoch_chip_name(gpu: str, name: str = "gpu") -> str:
    """Epoch AI chip-dataset ``hardware_name`` of spec-table GPU ``gpu`` (``"H100"`` -> ``"NVIDIA H100 SXM5 80GB"``).

    Raises
    ------
    ParameterError
        Naming ``name``, the value and the GPUs that have an Epoch name (close ones as a hint).
    """
    try:
        return EPOCH_HARDWARE_NAME[gpu]
    except (KeyError, TypeError):
        raise _unknown(name, gpu, EPOCH_HARDWARE_NAME, "a GPU with an Epoch AI hardware name") from None


def rental_hardware_model(gpu: str, name: str = "gpu") -> str:
    """Epoch AI hardware-price ``hardware_model`` of spec-table GPU ``gpu`` (one of :data:`RENTAL_GPUS`).

    Raises
    ------
    ParameterError
        Naming ``name``, the value and :data:`RENTAL_GPUS`.
    """
    if gpu not in RENTAL_GPUS:
        raise _unknown(name, gpu, RENTAL_GPUS, "a GPU with Epoch AI hardware prices")
    return EPOCH_HARDWARE_NAME[gpu]


def gpu_for_epoch_name(hardware_name: str, name: str = "hardware_name") -> str:
    """Spec-table GPU of an Epoch AI hardware name (inverse of :data:`EPOCH_HARDWARE_NAME`)."""
    for gpu, epoch in EPOCH_HARDWARE_NAME.items():
        if epoch == hardware_name:
            return gpu
    raise _unknown(name, hardware_name, EPOCH_HARDWARE_NAME.values(), "an Epoch AI name of a spec-table GPU")


def gpu_row(specs: pl.DataFrame, gpu: str, *require: str, name: str = "gpu") -> dict:
    """The spec-table row of ``gpu`` as a dict, requiring a value in every column of ``require``.

    Parameters
    ----------
    specs : polars.DataFrame
        :func:`scalinglab.data.load_gpu_specs` (or a filtered copy), with a ``gpu`` column.
    gpu : str
        GPU name as in the spec table (``"H100"``).
    *require : str
        Columns that must be non-null for the GPU to qualify (e.g. ``"hbm_tb_per_s"``).
    name : str
        Parameter name used in the error message.

    Returns
    -------
    dict
        Column name -> value.

    Raises
    ------
    ParameterError
        Naming ``name``, the value and the qualifying GPUs (close ones as a hint).
    KeyError
        For a required column the table lacks.
    """
    missing = [c for c in ("gpu", *require) if c not in specs.columns]
    if missing:
        raise KeyError(f"spec table lacks column(s) {missing}; has: {', '.join(specs.columns)}")
    ok = specs.filter(pl.all_horizontal([pl.col(c).is_not_null() for c in require])) if require else specs
    hits = ok.filter(pl.col("gpu") == gpu) if isinstance(gpu, str) else ok.clear()
    if hits.height == 0:
        what = "a GPU of the spec table" + (f" with {', '.join(require)}" if require else "")
        raise _unknown(name, gpu, ok["gpu"].to_list(), what)
    return hits.row(0, named=True)


# ---------------------------------------------------------------------------------------
# Units (decimal GB = 1e9 bytes; GiB = 2**30 bytes). Vectorised: work on floats, numpy
# arrays and polars expressions alike.
# ---------------------------------------------------------------------------------------

#: Bytes in one GB (decimal, as in datasheets).
GB: float = 1e9
#: Bytes in one GiB (binary, as in memory-allocator figures).
GIB: float = float(2**30)


def tb_s_to_gb_s(tb_s):
    """TB/s -> GB/s (x 1000), e.g. HBM bandwidth ``hbm_tb_per_s``."""
    return tb_s * 1e3


def gbit_s_to_gbyte_s(gbit_s):
    """Gb/s -> GB/s (/ 8): InfiniBand and Ethernet port rates are quoted in bits."""
    return gbit_s / 8.0


def per_direction(bidirectional):
    """Per-direction bandwidth from a bidirectional total (/ 2): NVLink is quoted as the total."""
    return bidirectional / 2.0


def tflops_to_flop_s(tflops):
    """TFLOP/s -> FLOP/s (x 1e12)."""
    return tflops * 1e12


def bytes_to_gib(n_bytes):
    """Bytes -> GiB (/ 2**30)."""
    return n_bytes / GIB
