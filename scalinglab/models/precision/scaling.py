"""Scaling schemes: per-tensor, OCP MX and NVFP4 block scaling (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scalinglab.errors import ParameterError
from scalinglab.models.precision.formats import (
    E8M0_EXP_MAX,
    E8M0_EXP_MIN,
    FORMATS,
    format_info,
    quantize,
)

# schemes ---------------------------------------------------------------------------

#: How a scheme scales: plain cast, one FP32 scale per tensor, OCP MX blocks, NVFP4 two-level blocks.
SCALINGS = ("none", "tensor", "mx", "nv")
#: How an MX block's E8M0 scale is rounded: 'floor' is the OCP MX v1.0 reference (2^floor(log2 amax) / 2^emax,
#: which can clamp block maxima), 'ceil' rounds up so the block maximum fits (production MXFP8 recipes).
SCALE_ROUNDINGS = ("floor", "ceil")
#: Block lengths fixed by the specifications: OCP MX v1.0 (32) and NVIDIA NVFP4 (16).
MX_BLOCK_SIZE = 32
NVFP4_BLOCK_SIZE = 16
_SCALINGS = SCALINGS
_DEFAULT_BLOCK = {"mx": MX_BLOCK_SIZE, "nv": NVFP4_BLOCK_SIZE}


@dataclass(frozen=True)
class Scheme:
    """A format plus how it is scaled: ``scaling`` in 'none', 'tensor', 'mx', 'nv';
    ``block_size`` the default block length (None for 'none' and 'tensor'); ``scale_rounding``
    (MX only) one of :data:`SCALE_ROUNDINGS`.
    """

    name: str
    fmt: str
    scaling: str
    block_size: int | None = None
    scale_rounding: str = "floor"


SCHEMES: dict[str, Scheme] = {
    "float64": Scheme("float64", "float64", "none"),
    "float32": Scheme("float32", "float32", "none"),
    "float16": Scheme("float16", "float16", "none"),
    "bfloat16": Scheme("bfloat16", "bfloat16", "none"),
    # sub-16-bit formats are unusable unscaled; their plain names mean per-tensor scaling
    "float8_e4m3fn": Scheme("float8_e4m3fn", "float8_e4m3fn", "tensor"),
    "float8_e5m2": Scheme("float8_e5m2", "float8_e5m2", "tensor"),
    "float6_e2m3fn": Scheme("float6_e2m3fn", "float6_e2m3fn", "tensor"),
    "float6_e3m2fn": Scheme("float6_e3m2fn", "float6_e3m2fn", "tensor"),
    "float4_e2m1fn": Scheme("float4_e2m1fn", "float4_e2m1fn", "tensor"),
    "mxfp8": Scheme("mxfp8", "float8_e4m3fn", "mx", MX_BLOCK_SIZE),
    "mxfp6": Scheme("mxfp6", "float6_e2m3fn", "mx", MX_BLOCK_SIZE),
    "mxfp4": Scheme("mxfp4", "float4_e2m1fn", "mx", MX_BLOCK_SIZE),
    "nvfp4": Scheme("nvfp4", "float4_e2m1fn", "nv", NVFP4_BLOCK_SIZE),
    # MX with the shared scale rounded up (no block maximum is clamped)
    "mxfp8_ceil": Scheme("mxfp8_ceil", "float8_e4m3fn", "mx", MX_BLOCK_SIZE, "ceil"),
    "mxfp6_ceil": Scheme("mxfp6_ceil", "float6_e2m3fn", "mx", MX_BLOCK_SIZE, "ceil"),
    "mxfp4_ceil": Scheme("mxfp4_ceil", "float4_e2m1fn", "mx", MX_BLOCK_SIZE, "ceil"),
}


def get_scheme(scheme: str | Scheme) -> Scheme:
    """The :class:`Scheme` named ``scheme``; raises ``ParameterError`` listing the known names."""
    if isinstance(scheme, Scheme):
        format_info(scheme.fmt)
        if scheme.scaling not in _SCALINGS:
            raise ParameterError("scaling", scheme.scaling, f"one of {', '.join(_SCALINGS)}")
        if scheme.scale_rounding not in SCALE_ROUNDINGS:
            raise ParameterError(
                "scale_rounding",
                scheme.scale_rounding,
                f"one of {', '.join(SCALE_ROUNDINGS)}",
            )
        return scheme
    try:
        return SCHEMES[scheme]
    except (KeyError, TypeError):
        raise ParameterError("scheme", scheme, f"one of {', '.join(SCHEMES)}") from None


def _check_block_size(block_size, length: int) -> int:
    if (
        isinstance(block_size, (bool, np.bool_))
        or not isinstance(block_size, (int, np.integer))
        or block_size <= 0
        or length % block_size
    ):
        raise ParameterError(
            "block_size",
            block_size,
            f"a positive integer dividing the reduction length {length}",
        )
    return int(block_size)


# scaled quantization ---------------------------------------------------------------


class Scaled(NamedTuple):
    """A scaled quantization of a tensor x along reduction ``axis``.

    ``values``      float64, x's shape: elements * block_scale * tensor_scale;
    ``elements``    float64, x's shape: values of the element format;
    ``block_scale`` float64, x's shape with the axis length K -> K / block_size:
                    the E8M0 (MX) or E4M3 (NVFP4) scale of each block, 1 otherwise;
    ``tensor_scale`` float64, broadcastable to x (batch axes kept, others 1):
                    the FP32 per-tensor scale, 1 for MX and unscaled;
    ``n_overflow``  elements whose scaled value overflowed the element format
                    (see :func:`quantize`), clamped or made non-finite.
    """

    values: np.ndarray
    elements: np.ndarray
    block_scale: np.ndarray
    tensor_scale: np.ndarray
    n_overflow: int


def _expand(block_scale: np.ndarray, axis: int, length: int) -> np.ndarray:
    return np.repeat(block_scale, length // block_scale.shape[axis], axis=axis)


def _block_amax(x: np.ndarray, axis: int, block_size: int) -> np.ndarray:
    xm = np.moveaxis(np.abs(x), axis, -1)
    amax = xm.reshape(*xm.shape[:-1], -1, block_size).max(axis=-1)
    return np.moveaxis(amax, -1, axis)


def quantize_with_scales(x, fmt: str, block_scale, tensor_scale, axis: int = -1, saturate: bool = True) -> Scaled:
    """Quantize ``x`` with given scales: elements = round(x / (block_scale * tensor_scale)).

    ``block_scale`` has x's shape with the ``axis`` length replaced by the number
    of blocks (which must divide it); ``tensor_scale`` broadcasts against x. A
    zero block scale (an NVFP4 scale that underflowed E4M3) gives zero elements.
    Used by :func:`quantize_scaled`, and to check that its output is exactly
    representable (re-quantizing with the same scales changes nothing).
    """
    x = np.asarray(x, dtype=np.float64)
    bs = np.asarray(block_scale, dtype=np.float64)
    ts = np.asarray(tensor_scale, dtype=np.float64)
    ts = ts.reshape((1,) * (x.ndim - ts.ndim) + ts.shape)
    axis = axis % x.ndim
    if bs.ndim != x.ndim or bs.shape[axis] == 0 or x.shape[axis] % bs.shape[axis]:
        raise ParameterError(
            "block_scale",
            bs.shape,
            f"x's shape {x.shape} with the axis length replaced by a number of blocks that divides it",
        )
    bse = _expand(bs, axis, x.shape[axis])
    scale = bse * ts
    with np.errstate(divide="ignore", invalid="ignore"):
        q = quantize(np.where(scale == 0, 0.0, x / scale), fmt, saturate=saturate)
    values = q.values * bse * ts
    return Scaled(values, q.values, bs, ts, q.n_overflow)


def quantize_scaled(
    x,
    scheme: str | Scheme,
    block_size: int | None = None,
    axis: int = -1,
    batch_ndim: int = 0,
) -> Scaled:
    """Quantize ``x`` with ``scheme`` (a :data:`SCHEMES` name or a :class:`Scheme`).

    ``axis`` is the reduction axis, along which blocks are cut; ``block_size``
    overrides the scheme's block length (MX 32, NVFP4 16) and, whenever given, must
    be a positive integer dividing ``x.shape[axis]`` (else ``ParameterError``
    naming ``block_size``). The first ``batch_ndim`` axes index independent
    tensors, each with its own per-tensor scale. ``x`` must be finite unless the
    scaling is 'none'. Returns a :class:`Scaled`.
    """
    s = get_scheme(scheme)
    f = format_info(s.fmt)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or not 0 <= batch_ndim < x.ndim:
        raise ParameterError("batch_ndim", batch_ndim, f"0 <= batch_ndim < x.ndim = {x.ndim}")
    axis = axis % x.ndim
    if axis < batch_ndim:
        raise ParameterError("axis", axis, f"an axis after the {batch_ndim} batch axes")
    length = x.shape[axis]
    if block_size is not None:
        _check_block_size(block_size, length)
    if s.scaling != "none" and not np.all(np.isfinite(x)):
        raise ValueError("scaled quantization needs finite inputs (amax is undefined otherwise)")
    tshape = tuple(n if i < batch_ndim else 1 for i, n in enumerate(x.shape))
    ones_b = np.ones(tuple(1 if i == axis else n for i, n in enumerate(x.shape)))
    amax_t = np.abs(x).max(axis=tuple(range(batch_ndim, x.ndim)), keepdims=True) if x.size else np.zeros(tshape)

    if s.scaling == "none":
        q = quantize(x, f)
        return Scaled(q.values, q.values, ones_b, np.ones(tshape), q.n_overflow)
    if s.scaling == "tensor":
        ts = np.where(amax_t > 0, amax_t / f.max_finite, 1.0).astype(np.float32).astype(np.float64)
        return quantize_with_scales(x, f.name, ones_b, ts, axis, saturate=False)

    bsize = _check_block_size(
        block_size if block_size is not None else s.block_size or _DEFAULT_BLOCK[s.scaling],
        length,
    )
    amax_b = _block_amax(x, axis, bsize)
    if s.scaling == "mx":
        if s.scale_rounding == "floor":
            # OCP reference: X = 2^(floor(log2 amax) - emax_elem); frexp gives amax = m 2^e, m in [0.5, 1)
            e = np.frexp(amax_b)[1] - 1 - f.emax
        else:
            # rounded up: X = 2^ceil(log2(amax / max_finite)), so amax / X <= max_finite
            with np.errstate(divide="ignore"):
                m, k = np.frexp(amax_b / f.max_finite)
            e = np.where(m == 0.5, k - 1, k)
        e = np.where(amax_b > 0, e, E8M0_EXP_MIN)
        bs = np.where(
            e > E8M0_EXP_MAX,
            np.nan,
            np.ldexp(1.0, np.clip(e, E8M0_EXP_MIN, E8M0_EXP_MAX)),
        )
        out = quantize_with_scales(x, f.name, bs, np.ones(tshape), axis, saturate=True)
        n_nan_scale = int(np.count_nonzero(np.isnan(bs))) * bsize  # spec: NaN scale, block lost
        return out._replace(n_overflow=out.n_overflow + n_nan_scale)
    # NVFP4: FP32 tensor scale g = amax / (448 * fmax_elem); E4M3 block scale of amax_b / fmax_elem / g
    e4m3 = FORMATS["float8_e4m3fn"]
    g = np.where(amax_t > 0, amax_t / (e4m3.max_finite * f.max_finite), 1.0)
    g = g.astype(np.float32).astype(np.float64)
    bs = quantize(amax_b / f.max_finite / g, e4m3, saturate=True).values
    return quantize_with_scales(x, f.name, bs, g, axis, saturate=True)
