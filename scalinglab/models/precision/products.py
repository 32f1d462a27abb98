"""Quantized inner and matrix products against the FP64 reference (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scalinglab.errors import ParameterError
from scalinglab.models.precision.formats import (
    FormatInfo,
    _overflows,
    _round,
    format_info,
    unit_roundoff,
)
from scalinglab.models.precision.scaling import (
    Scaled,
    Scheme,
    _check_block_size,
    _expand,
    get_scheme,
    quantize_scaled,
)

#: Input distributions of :func:`random_inputs`.
DISTRIBUTIONS = ("normal", "student_t")
#: Accumulations of :func:`matmul_errors`: FP32 as tensor cores do, or in the format itself.
ACCUMULATIONS = ("fp32", "native")


# inputs ----------------------------------------------------------------------------


def random_inputs(
    shape,
    distribution: str = "normal",
    dof: float = 3.0,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Random float64 array of ``shape`` from N(0, 1) or Student's t with ``dof``
    degrees of freedom (heavy-tailed: moments of order >= dof do not exist),
    drawn with ``np.random.default_rng(seed)``. Raises ``ParameterError`` for an
    unknown distribution or dof <= 0.
    """
    rng = np.random.default_rng(seed)
    if distribution == "normal":
        return rng.standard_normal(shape)
    if distribution == "student_t":
        if not (isinstance(dof, (int, float, np.number)) and dof > 0):
            raise ParameterError("student_t_dof", dof, "a positive number")
        return rng.standard_t(dof, shape)
    raise ParameterError("distribution", distribution, " or ".join(map(repr, DISTRIBUTIONS)))


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
        |s~ - s| / |s|. NaN and inf are kept (see ``n_nonfinite``).
        """
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
    if accumulate not in ACCUMULATIONS:
        raise ParameterError("accumulate", accumulate, " or ".join(map(repr, ACCUMULATIONS)))


def _local(q: Scaled, axis: int) -> np.ndarray:
    # elements times block scales: what a block-scaled tensor core multiplies (exact in FP32)
    return q.elements * _expand(q.block_scale, axis, q.elements.shape[axis])


def matmul_errors(a, b, scheme: str | Scheme, accumulate: str = "fp32", block_size: int | None = None) -> ProductError:
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


def dot_errors(x, y, scheme: str | Scheme, accumulate: str = "fp32", block_size: int | None = None) -> ProductError:
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
    return ProductError(
        approx[:, None],
        np.einsum("sk,sk->s", x, y)[:, None],
        np.einsum("sk,sk->s", np.abs(x), np.abs(y))[:, None],
        qx.n_overflow + qy.n_overflow,
        n_acc,
    )


def _check_size(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(name, value, f"an integer >= {minimum}")
    return int(value)


def matmul_error_table(
    schemes,
    dot_length: int = 1024,
    n_samples: int = 256,
    n_cols: int = 16,
    distribution: str = "normal",
    dof: float = 3.0,
    accumulate: str = "fp32",
    block_size: int | None = None,
    seed: int = 0,
) -> list[dict]:
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
        rows.append(
            {
                "scheme": s.name,
                "format": s.fmt,
                "scaling": s.scaling,
                "block_size": (block_size or s.block_size) if blocked else None,
                "unit_roundoff": unit_roundoff(s.fmt),
                "distribution": distribution,
                "dot_length": dot_length,
                "accumulate": accumulate,
                "median_rel_error": float(np.median(r.rel_error)),
                "normwise_error": r.normwise_error,
                "n_overflow_inputs": r.n_overflow_inputs,
                "n_overflow_accum": r.n_overflow_accum,
                "n_nonfinite": r.n_nonfinite,
            }
        )
    return rows
