"""Reduced-precision number formats: rounding, block scaling and the error of products.

Everything is a pure, vectorised numpy function; values go in and come out as
``float64`` arrays holding exactly what the low-precision format can store.

Formats (:data:`FORMATS`) are the numpy / ``ml_dtypes`` dtypes float64, float32,
float16, bfloat16, float8_e4m3fn, float8_e5m2, float6_e2m3fn, float6_e3m2fn and
float4_e2m1fn. A format with p significand bits (the implicit bit counted) has
unit roundoff u = 2^-p = eps / 2 (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., SIAM 2002, sec. 2.1), read here from ``ml_dtypes.finfo``:
bf16 2^-8, fp16 2^-11, e4m3 2^-4, e5m2 2^-3, e2m1 2^-2.

Rounding is round-to-nearest-even (the ``ml_dtypes`` cast). An input overflows
when its magnitude reaches max_finite + ulp(max_finite)/2 (ties to even), the
IEEE 754 threshold past which rounding with an unbounded exponent would leave the
finite range; values between max_finite and that threshold round to max_finite
in every format. What overflow gives depends on the format, and it is always
counted, never hidden:

* ``'nan'``      float8_e4m3fn has no infinity; overflow and inf become NaN;
* ``'inf'``      float8_e5m2, float16, bfloat16, float32, float64 overflow to +-inf
                 (IEEE 754: magnitudes >= max + half an ulp);
* ``'saturate'`` float6 / float4 have neither inf nor NaN; ``ml_dtypes`` clamps
                 anything above the largest finite value to it (e2m1: 6.0).

NaN inputs stay NaN in every format (ml_dtypes would turn them into -0 in the
fp4/fp6 formats, which have no NaN; we keep them visible instead).

Scalings (:data:`SCHEMES` names the combinations the book uses):

* ``'none'``   plain cast;
* ``'tensor'`` one scale per tensor, amax / max_finite, kept in FP32, so the
               largest magnitude lands on the largest finite value (the FP8
               recipe of Micikevicius et al., "FP8 Formats for Deep Learning",
               arXiv:2209.05433, sec. 4, and NVIDIA Transformer Engine);
* ``'mx'``     OCP Microscaling Formats (MX) Specification v1.0 (2023), sec. 6.3:
               blocks of 32 along the reduction axis share an E8M0 scale
               X = 2^(floor(log2 amax_block) - emax_elem), the exponent clamped to
               [-127, 127] (above: NaN scale); elements V/X are rounded to the
               element format, saturating at its max normal (MXFP8 = e4m3
               elements, MXFP6 = e2m3, MXFP4 = e2m1);
* ``'nv'``     NVFP4 (NVIDIA, "Introducing NVFP4 for Efficient and Accurate
               Low-Precision Inference", 2025): blocks of 16, a per-tensor FP32
               scale g = amax_tensor / (448 * 6), a per-block scale
               s = e4m3(amax_block / 6 / g), elements x / (s g) rounded to e2m1,
               saturating.

Products: :func:`matmul_errors` and :func:`dot_errors` quantize both operands
with a scheme and accumulate the K products either in FP32 (``'fp32'``, as tensor
cores do: element products of the scaled operands are exact in FP32, the running
sum is rounded to FP32 after each addition, scales are applied after the sum) or
in the format itself (``'native'``: each product and each partial sum of the
dequantized values is rounded to the format, the recursive summation of Higham
sec. 3.1; no hardware accumulates FP8/FP4 natively, this shows why). Both sum in
the same sequential order, k = 1..K. The reference is the FP64 product of the
unquantized inputs.

Theory: the deterministic bound on a rounded inner product of length n is
gamma_n = n u / (1 - n u) times sum |x_i y_i| (Higham, Lemma 3.1 and eq. 3.5);
the probabilistic bound of Higham & Mary ("A New Approach to Probabilistic
Rounding Error Analysis", SIAM J. Sci. Comput. 41(5):A2815, 2019, Thm 2.4 and
Thm 3.1) replaces it by gamma~_n(lambda) = exp(lambda sqrt(n) u + n u^2/(1-u)) - 1,
about lambda sqrt(n) u, holding with probability at least
1 - n * 2 exp(-lambda^2 (1-u)^2 / 2) when the rounding errors are independent
with mean zero.

Bad arguments raise :class:`~scalinglab.errors.ParameterError` (a ``ValueError``)
naming the argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import ml_dtypes
import numpy as np

from scalinglab.errors import ParameterError

__all__ = [
    "FORMATS", "SCHEMES", "FormatInfo", "Scheme", "Quantized", "Scaled", "ProductError",
    "format_info", "unit_roundoff", "get_scheme", "quantize", "quantize_scaled",
    "quantize_with_scales", "random_inputs", "matmul_errors", "dot_errors",
    "matmul_error_table", "gamma", "gamma_tilde", "gamma_tilde_probability",
]


# formats ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FormatInfo:
    """One number format. ``significand_bits`` p counts the implicit bit;
    ``unit_roundoff`` = 2^-p; ``emax`` = floor(log2 max_finite), the largest
    normal exponent (the MX spec's emax_elem); ``overflow`` is 'nan', 'inf' or
    'saturate' (see the module docstring); ``bits`` the storage width."""

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
        it does when max_finite's last significand bit is 1; not for e4m3fn, 448)."""
        return (self.max_finite / math.ldexp(1.0, self.emax - self.significand_bits + 1)) % 2 == 1


_OVERFLOW = {
    "float64": "inf", "float32": "inf", "float16": "inf", "bfloat16": "inf",
    "float8_e4m3fn": "nan", "float8_e5m2": "inf",
    "float6_e2m3fn": "saturate", "float6_e3m2fn": "saturate", "float4_e2m1fn": "saturate",
}


def _make_format(name: str, overflow: str) -> FormatInfo:
    dtype = np.dtype(getattr(ml_dtypes, name, None) or getattr(np, name))
    fi = ml_dtypes.finfo(dtype)
    fmax = float(fi.max)
    return FormatInfo(
        name=name, dtype=dtype, bits=int(fi.bits), significand_bits=int(fi.nmant) + 1,
        unit_roundoff=float(fi.eps) / 2.0, max_finite=fmax,
        min_normal=float(fi.smallest_normal), emax=math.frexp(fmax)[1] - 1, overflow=overflow,
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
    """u = 2^-p = finfo(fmt).eps / 2 (bf16 2^-8, e4m3 2^-4, e2m1 2^-2)."""
    return format_info(fmt).unit_roundoff


# schemes ---------------------------------------------------------------------------

_SCALINGS = ("none", "tensor", "mx", "nv")
_DEFAULT_BLOCK = {"mx": 32, "nv": 16}


@dataclass(frozen=True)
class Scheme:
    """A format plus how it is scaled: ``scaling`` in 'none', 'tensor', 'mx', 'nv';
    ``block_size`` the default block length (None for 'none' and 'tensor')."""

    name: str
    fmt: str
    scaling: str
    block_size: int | None = None


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
    "mxfp8": Scheme("mxfp8", "float8_e4m3fn", "mx", 32),
    "mxfp6": Scheme("mxfp6", "float6_e2m3fn", "mx", 32),
    "mxfp4": Scheme("mxfp4", "float4_e2m1fn", "mx", 32),
    "nvfp4": Scheme("nvfp4", "float4_e2m1fn", "nv", 16),
}


def spec_columns(scheme: str | Scheme) -> tuple[str, ...]:
    """Columns of the curated GPU spec table (``data.load_gpu_specs``) that give a scheme's dense
    peak, in order of preference (FP64 tensor-core peak first, then the vector FP64 peak).

    Block-scaled schemes run at the peak of their element format (MXFP8 at FP8, NVFP4 at FP4).
    """
    fmt = get_scheme(scheme).fmt
    if fmt == "float64":
        return ("fp64_tensor_tflops", "fp64_tflops")
    if fmt == "float32":
        return ("fp32_tflops",)
    if fmt in ("bfloat16", "float16"):
        return ("bf16_fp16_dense_tflops",)
    return ({"8": "fp8_dense_tflops", "6": "fp6_dense_tflops", "4": "fp4_dense_tflops"}[fmt[5]],)


def dense_tflops(spec_row: dict, scheme: str | Scheme) -> float | None:
    """Dense TFLOP/s of ``scheme`` on the GPU of ``spec_row`` (a row dict of the spec table), or
    ``None`` when the GPU has no figure for that format."""
    for col in spec_columns(scheme):
        v = spec_row.get(col)
        if v is not None and v == v and v > 0:
            return float(v)
    return None


def get_scheme(scheme: str | Scheme) -> Scheme:
    """The :class:`Scheme` named ``scheme``; raises ``ParameterError`` listing the known names."""
    if isinstance(scheme, Scheme):
        format_info(scheme.fmt)
        if scheme.scaling not in _SCALINGS:
            raise ParameterError("scaling", scheme.scaling, f"one of {', '.join(_SCALINGS)}")
        return scheme
    try:
        return SCHEMES[scheme]
    except (KeyError, TypeError):
        raise ParameterError("scheme", scheme, f"one of {', '.join(SCHEMES)}") from None


def _check_block_size(block_size, length: int) -> int:
    if isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, (int, np.integer)) \
            or block_size <= 0 or length % block_size:
        raise ParameterError(
            "block_size", block_size, f"a positive integer dividing the reduction length {length}"
        )
    return int(block_size)


# element-wise rounding -------------------------------------------------------------

class Quantized(NamedTuple):
    """``values`` (float64, the input's shape) and ``n_overflow``, the number of
    non-NaN inputs beyond the format's range (turned to NaN, to inf, or clamped)."""

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


def quantize_with_scales(x, fmt: str, block_scale, tensor_scale, axis: int = -1,
                         saturate: bool = True) -> Scaled:
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
        raise ParameterError("block_scale", bs.shape, f"x's shape {x.shape} with the axis length "
                             "replaced by a number of blocks that divides it")
    bse = _expand(bs, axis, x.shape[axis])
    scale = bse * ts
    with np.errstate(divide="ignore", invalid="ignore"):
        q = quantize(np.where(scale == 0, 0.0, x / scale), fmt, saturate=saturate)
    values = q.values * bse * ts
    return Scaled(values, q.values, bs, ts, q.n_overflow)


def quantize_scaled(x, scheme: str | Scheme, block_size: int | None = None, axis: int = -1,
                    batch_ndim: int = 0) -> Scaled:
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

    bsize = _check_block_size(block_size if block_size is not None else s.block_size
                              or _DEFAULT_BLOCK[s.scaling], length)
    amax_b = _block_amax(x, axis, bsize)
    if s.scaling == "mx":
        # X = 2^(floor(log2 amax) - emax_elem); frexp gives amax = m 2^e, m in [0.5, 1)
        e = np.frexp(amax_b)[1] - 1 - f.emax
        e = np.where(amax_b > 0, e, E8M0_EXP_MIN)
        bs = np.where(e > E8M0_EXP_MAX, np.nan, np.ldexp(1.0, np.clip(e, E8M0_EXP_MIN, E8M0_EXP_MAX)))
        out = quantize_with_scales(x, f.name, bs, np.ones(tshape), axis, saturate=True)
        n_nan_scale = int(np.count_nonzero(np.isnan(bs))) * bsize  # spec: NaN scale, block lost
        return out._replace(n_overflow=out.n_overflow + n_nan_scale)
    # NVFP4: FP32 tensor scale g = amax / (448 * fmax_elem); E4M3 block scale of amax_b / fmax_elem / g
    e4m3 = FORMATS["float8_e4m3fn"]
    g = np.where(amax_t > 0, amax_t / (e4m3.max_finite * f.max_finite), 1.0)
    g = g.astype(np.float32).astype(np.float64)
    bs = quantize(amax_b / f.max_finite / g, e4m3, saturate=True).values
    return quantize_with_scales(x, f.name, bs, g, axis, saturate=True)


# inputs ----------------------------------------------------------------------------

def random_inputs(shape, distribution: str = "normal", dof: float = 3.0,
                  seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """Random float64 array of ``shape`` from N(0, 1) or Student's t with ``dof``
    degrees of freedom (heavy-tailed: moments of order >= dof do not exist),
    drawn with ``np.random.default_rng(seed)``. Raises ``ParameterError`` for an
    unknown distribution or dof <= 0."""
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        return rng.standard_normal(shape)
    if distribution == "student_t":
        if not (isinstance(dof, (int, float, np.number)) and dof > 0):
            raise ParameterError("student_t_dof", dof, "a positive number")
        return rng.standard_t(dof, shape)
    raise ParameterError("distribution", distribution, "'normal' or 'student_t'")


# products --------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductError:
    """A quantized product C~ against the FP64 product C of the original inputs.

    ``approx`` and ``exact`` have shape (M, N) (N = 1 for dot products);
    ``abs_product`` is |A| |B| in FP64 (the denominator of the componentwise
    bounds); ``n_overflow_inputs`` counts input elements clamped or made
    non-finite by quantization; ``n_overflow_accum`` counts output entries whose
    product or running sum overflowed (non-finite, or clamped at least once).
    """

    approx: np.ndarray
    exact: np.ndarray
    abs_product: np.ndarray
    n_overflow_inputs: int
    n_overflow_accum: int

    @property
    def rel_error(self) -> np.ndarray:
        """Per row i, ||C~_i - C_i||_2 / ||C_i||_2, shape (M,); for dot products
        |s~ - s| / |s|. NaN and inf are kept (see ``n_nonfinite``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.linalg.norm(self.approx - self.exact, axis=1) / np.linalg.norm(self.exact, axis=1)

    @property
    def normwise_error(self) -> float:
        """||C~ - C||_F / ||C||_F (NaN if any entry is NaN)."""
        return float(np.linalg.norm(self.approx - self.exact) / np.linalg.norm(self.exact))

    @property
    def componentwise_error(self) -> np.ndarray:
        """|C~ - C| / (|A| |B|), shape (M, N): the quantity gamma_K bounds."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.abs(self.approx - self.exact) / self.abs_product

    @property
    def n_nonfinite(self) -> int:
        return int(np.count_nonzero(~np.isfinite(self.approx)))


def _accumulate(term, K: int, out_shape, accumulate: str, f: FormatInfo) -> tuple[np.ndarray, int]:
    """Sum term(0) + ... + term(K-1) sequentially; returns (sum as float64, overflowed entries)."""
    if accumulate == "fp32":
        s = np.zeros(out_shape, np.float32)
        for k in range(K):
            s += term(k)  # float32 product and float32 add, each rounded to nearest even
        return s.astype(np.float64), int(np.count_nonzero(~np.isfinite(s)))
    s = np.zeros(out_shape)
    clamped = np.zeros(out_shape, bool)
    sat = f.overflow == "saturate"
    for k in range(K):
        p = term(k)
        if sat:
            clamped |= _overflows(p, f)
        p = _round(p, f)
        s = s + p
        if sat:
            clamped |= _overflows(s, f)
        s = _round(s, f)
    return s, int(np.count_nonzero(clamped | ~np.isfinite(s)))


def _check_accumulate(accumulate: str) -> None:
    if accumulate not in ("fp32", "native"):
        raise ParameterError("accumulate", accumulate, "'fp32' or 'native'")


def _local(q: Scaled, axis: int) -> np.ndarray:
    # elements times block scales: what a block-scaled tensor core multiplies (exact in FP32)
    return q.elements * _expand(q.block_scale, axis, q.elements.shape[axis])


def matmul_errors(a, b, scheme: str | Scheme, accumulate: str = "fp32",
                  block_size: int | None = None) -> ProductError:
    """Quantized product of ``a`` (M, K) and ``b`` (K, N) against FP64 ``a @ b``.

    Both matrices are quantized with ``scheme`` (per-tensor scale over each whole
    matrix; blocks along K: rows of ``a``, columns of ``b``), then the K products
    are summed with ``accumulate`` = 'fp32' or 'native' (module docstring).
    With 'fp32' the scaled elements are cast to FP32 first, which is exact for
    every format here except float64 (and FP32 products are exact for formats of
    at most 12 significand bits, i.e. all but float32 and float64).
    Raises ``ParameterError`` for a bad scheme, accumulate or block_size, and
    ``ValueError`` for mismatched shapes.
    """
    _check_accumulate(accumulate)
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"need a (M, K) and b (K, N), got {a.shape} and {b.shape}")
    s = get_scheme(scheme)
    f = format_info(s.fmt)
    qa = quantize_scaled(a, s, block_size, axis=1)
    qb = quantize_scaled(b, s, block_size, axis=0)
    K, shape = a.shape[1], (a.shape[0], b.shape[1])
    if accumulate == "fp32":
        la = np.ascontiguousarray(_local(qa, 1).T, np.float32)
        lb = _local(qb, 0).astype(np.float32)
        acc, n_acc = _accumulate(lambda k: la[k][:, None] * lb[k][None, :], K, shape, "fp32", f)
        approx = acc * (qa.tensor_scale * qb.tensor_scale)
    else:
        va, vb = np.ascontiguousarray(qa.values.T), qb.values
        approx, n_acc = _accumulate(lambda k: va[k][:, None] * vb[k][None, :], K, shape, "native", f)
    return ProductError(approx, a @ b, np.abs(a) @ np.abs(b), qa.n_overflow + qb.n_overflow, n_acc)


def dot_errors(x, y, scheme: str | Scheme, accumulate: str = "fp32",
               block_size: int | None = None) -> ProductError:
    """Quantized dot products of the rows of ``x`` and ``y`` (both (S, K)).

    Each row is its own tensor (its own per-tensor scale). Returns a
    :class:`ProductError` with N = 1: ``rel_error`` is |s~ - s| / |s| per sample.
    """
    _check_accumulate(accumulate)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.ndim != 2 or x.shape != y.shape:
        raise ValueError(f"need x and y of the same shape (S, K), got {x.shape} and {y.shape}")
    s = get_scheme(scheme)
    f = format_info(s.fmt)
    qx = quantize_scaled(x, s, block_size, axis=1, batch_ndim=1)
    qy = quantize_scaled(y, s, block_size, axis=1, batch_ndim=1)
    S, K = x.shape
    if accumulate == "fp32":
        lx = np.ascontiguousarray(_local(qx, 1).T, np.float32)
        ly = np.ascontiguousarray(_local(qy, 1).T, np.float32)
        acc, n_acc = _accumulate(lambda k: lx[k] * ly[k], K, (S,), "fp32", f)
        approx = acc * (qx.tensor_scale * qy.tensor_scale)[:, 0]
    else:
        vx, vy = np.ascontiguousarray(qx.values.T), np.ascontiguousarray(qy.values.T)
        approx, n_acc = _accumulate(lambda k: vx[k] * vy[k], K, (S,), "native", f)
    return ProductError(approx[:, None], np.einsum("sk,sk->s", x, y)[:, None],
                        np.einsum("sk,sk->s", np.abs(x), np.abs(y))[:, None],
                        qx.n_overflow + qy.n_overflow, n_acc)


def _check_size(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(name, value, f"an integer >= {minimum}")
    return int(value)


def matmul_error_table(schemes, dot_length: int = 1024, n_samples: int = 256, n_cols: int = 16,
                       distribution: str = "normal", dof: float = 3.0, accumulate: str = "fp32",
                       block_size: int | None = None, seed: int = 0) -> list[dict]:
    """The chapter experiment: one row per scheme, the same inputs for all.

    A (n_samples, dot_length) and B (dot_length, n_cols) are drawn with
    :func:`random_inputs`; each scheme's product goes through :func:`matmul_errors`.
    Row keys: scheme, format, scaling, block_size (None when unscaled/per-tensor),
    unit_roundoff, distribution, dot_length, accumulate, median_rel_error (median
    over rows of the per-row normwise error; NaN if any row is NaN),
    normwise_error, n_overflow_inputs, n_overflow_accum, n_nonfinite.
    """
    dot_length = _check_size("dot_length", dot_length)
    n_samples = _check_size("n_samples", n_samples)
    n_cols = _check_size("n_cols", n_cols)
    _check_accumulate(accumulate)
    if block_size is not None:
        _check_block_size(block_size, dot_length)
    resolved = [get_scheme(s) for s in schemes]
    rng = np.random.default_rng(seed)
    a = random_inputs((n_samples, dot_length), distribution, dof, rng)
    b = random_inputs((dot_length, n_cols), distribution, dof, rng)
    rows = []
    for s in resolved:
        r = matmul_errors(a, b, s, accumulate, block_size)
        blocked = s.scaling in ("mx", "nv")
        rows.append({
            "scheme": s.name, "format": s.fmt, "scaling": s.scaling,
            "block_size": (block_size or s.block_size) if blocked else None,
            "unit_roundoff": unit_roundoff(s.fmt), "distribution": distribution,
            "dot_length": dot_length, "accumulate": accumulate,
            "median_rel_error": float(np.median(r.rel_error)),
            "normwise_error": r.normwise_error, "n_overflow_inputs": r.n_overflow_inputs,
            "n_overflow_accum": r.n_overflow_accum, "n_nonfinite": r.n_nonfinite,
        })
    return rows


# theory ----------------------------------------------------------------------------

def gamma(n, u):
    """Deterministic gamma_n = n u / (1 - n u) (Higham, Lemma 3.1); inf where n u >= 1.

    |fl(x^T y) - x^T y| <= gamma_n |x|^T |y| for recursive summation (Higham eq. 3.5);
    to first order n u. Scalars give a float, arrays an ndarray.
    """
    nu = np.asarray(n, np.float64) * np.asarray(u, np.float64)
    with np.errstate(divide="ignore"):
        out = np.where(nu < 1, nu / np.where(nu < 1, 1 - nu, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


def gamma_tilde(n, u, lam: float = 1.0):
    """Probabilistic gamma~_n(lambda) = exp(lambda sqrt(n) u + n u^2 / (1 - u)) - 1
    (Higham & Mary 2019, Thm 2.4); to first order lambda sqrt(n) u."""
    n, u = np.asarray(n, np.float64), np.asarray(u, np.float64)
    out = np.expm1(lam * np.sqrt(n) * u + n * u**2 / (1 - u))
    return float(out) if out.ndim == 0 else out


def gamma_tilde_probability(n, u, lam: float = 1.0):
    """Lower bound on the probability that an inner product of length n satisfies
    |error| <= gamma~_n(lambda) |x|^T |y|: 1 - n * 2 exp(-lambda^2 (1 - u)^2 / 2)
    (Higham & Mary 2019, Thm 3.1), clipped at 0. lambda around 5-6 makes it
    near 1 for n up to 10^6."""
    n, u = np.asarray(n, np.float64), np.asarray(u, np.float64)
    out = np.maximum(0.0, 1 - n * 2 * np.exp(-(lam**2) * (1 - u) ** 2 / 2))
    return float(out) if out.ndim == 0 else out
