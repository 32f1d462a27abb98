"""Number formats and element-wise round-to-nearest-even quantization (see the package docstring)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import ml_dtypes
import numpy as np

from scalinglab.errors import ParameterError

# formats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormatInfo:
    """One number format. ``significand_bits`` p counts the implicit bit;
    ``unit_roundoff`` = 2^-p; ``emax`` = floor(log2 max_finite), the largest
    normal exponent (the MX spec's emax_elem); ``overflow`` is 'nan', 'inf' or
    'saturate' (see the module docstring); ``bits`` the storage width.
    """

    name: str
    dtype: np.dtype
    bits: int
    significand_bits: int
    unit_roundoff: float
    max_finite: float
    min_normal: float
    emax: int
    overflow: str

    @property
    def overflow_threshold(self) -> float:
        """max_finite + ulp(max_finite) / 2: magnitudes from here on overflow."""
        return self.max_finite + math.ldexp(0.5, self.emax - self.significand_bits + 1)

    @property
    def overflow_on_tie(self) -> bool:
        """Whether a value exactly at the threshold overflows (round-half-to-even:
        it does when max_finite's last significand bit is 1; not for e4m3fn, 448).
        """
        return (self.max_finite / math.ldexp(1.0, self.emax - self.significand_bits + 1)) % 2 == 1


_OVERFLOW = {
    "float64": "inf",
    "float32": "inf",
    "float16": "inf",
    "bfloat16": "inf",
    "float8_e4m3fn": "nan",
    "float8_e5m2": "inf",
    "float6_e2m3fn": "saturate",
    "float6_e3m2fn": "saturate",
    "float4_e2m1fn": "saturate",
}


def _make_format(name: str, overflow: str) -> FormatInfo:
    dtype = np.dtype(getattr(ml_dtypes, name, None) or getattr(np, name))
    fi = ml_dtypes.finfo(dtype)
    fmax = float(fi.max)
    return FormatInfo(
        name=name,
        dtype=dtype,
        bits=int(fi.bits),
        significand_bits=int(fi.nmant) + 1,
        unit_roundoff=float(fi.eps) / 2.0,
        max_finite=fmax,
        min_normal=float(fi.smallest_normal),
        emax=math.frexp(fmax)[1] - 1,
        overflow=overflow,
    )


FORMATS: dict[str, FormatInfo] = {n: _make_format(n, o) for n, o in _OVERFLOW.items()}

# E8M0 (MX block scales): unsigned powers of two 2^-127 .. 2^127 (OCP MX v1.0, sec. 5.4).
E8M0_EXP_MIN, E8M0_EXP_MAX = -127, 127


def format_info(fmt: str | FormatInfo) -> FormatInfo:
    """The :class:`FormatInfo` of ``fmt``; raises ``ParameterError`` listing the known names."""
    if isinstance(fmt, FormatInfo):
        return fmt
    try:
        return FORMATS[fmt]
    except (KeyError, TypeError):
        raise ParameterError("format", fmt, f"one of {', '.join(FORMATS)}") from None


def unit_roundoff(fmt: str) -> float:
    """U = 2^-p = finfo(fmt).eps / 2 (bf16 2^-8, e4m3 2^-4, e2m1 2^-2)."""
    return format_info(fmt).unit_roundoff


# element-wise rounding -------------------------------------------------------------


class Quantized(NamedTuple):
    """``values`` (float64, the input's shape) and ``n_overflow``, the number of
    non-NaN inputs beyond the format's range (turned to NaN, to inf, or clamped).
    """

    values: np.ndarray
    n_overflow: int


def _to_float32_odd(x: np.ndarray) -> np.ndarray:
    """float64 -> float32 with round-to-odd: truncate, then set the last bit if inexact.

    ml_dtypes casts float64 through float32 with round-to-nearest, which double-rounds
    (1 + 2^-8 + 2^-40 becomes bf16 1.0, not 1 + 2^-7). Rounding to odd first makes the
    second rounding to any format with at most 22 significand bits correct (Boldo &
    Melquiond, IEEE Trans. Computers 57(4):462, 2008, Thm 4.2).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        y = x.astype(np.float32)
        y64 = y.astype(np.float64)
        inexact = y64 != x
        away = np.abs(y64) > np.abs(x)  # rounded up in magnitude (inf included)
    bits = y.view(np.uint32)
    bits -= away  # one step toward zero: sign-magnitude bit patterns
    bits |= inexact
    return y


def _round(x: np.ndarray, f: FormatInfo) -> np.ndarray:
    """Round-to-nearest-even cast to ``f`` and back, no bookkeeping (NaN handled by callers)."""
    if f.name == "float64":
        return x
    if f.name in ("float32", "float16"):  # numpy's own casts round float64 correctly
        with np.errstate(over="ignore"):
            return x.astype(f.dtype).astype(np.float64)
    return _to_float32_odd(np.asarray(x, np.float64)).astype(f.dtype).astype(np.float64)


def _overflows(x: np.ndarray, f: FormatInfo) -> np.ndarray:
    """Boolean mask of |x| >= f's overflow threshold (round-half-to-even at the tie)."""
    ax = np.abs(x)
    return (ax > f.overflow_threshold) | ((ax == f.overflow_threshold) & f.overflow_on_tie)


def quantize(x, fmt: str | FormatInfo, saturate: bool = False) -> Quantized:
    """Round ``x`` to ``fmt`` (round-to-nearest-even) and return it as float64.

    ``x``: array-like of any shape. ``n_overflow`` counts the inputs with
    |x| >= ``overflow_threshold`` (ties to even; +-inf included). With
    ``saturate=False`` they become what the format makes of them (NaN, +-inf, or
    +-max_finite for fp6/fp4); with ``saturate=True`` every format clamps them to
    +-max_finite, as MX and NVFP4 element conversion does. NaN inputs give NaN and
    are not counted. Raises ``ParameterError`` for an unknown format.
    """
    f = format_info(fmt)
    x = np.asarray(x, dtype=np.float64)
    nan_in = np.isnan(x)
    if saturate or f.overflow == "saturate":
        values = _round(np.clip(x, -f.max_finite, f.max_finite), f)
    else:
        values = _round(x, f)
    if values is x:  # float64: do not hand back the caller's array
        values = x.copy()
    values[nan_in] = np.nan  # fp4/fp6 casts would give -0
    return Quantized(values, int(np.count_nonzero(_overflows(x, f))))
