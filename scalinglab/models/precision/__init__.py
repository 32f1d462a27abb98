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
               elements, MXFP6 = e2m3, MXFP4 = e2m1). This reference rounding of
               the scale rounds log2 amax *down*, so a block maximum can land
               above max_normal and be clamped. ``mxfp8_ceil`` (and
               ``mxfp6_ceil``, ``mxfp4_ceil``) round the scale *up* instead,
               X = 2^ceil(log2(amax / max_normal)), so no element is clamped:
               the choice of production MXFP8 training recipes (Mishra et al.,
               "Recipes for Pre-training LLMs with MXFP8", arXiv:2506.08027, 2025,
               and NVIDIA Transformer Engine);
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

from scalinglab.models.precision.bounds import (
    gamma,
    gamma_tilde,
    gamma_tilde_probability,
)
from scalinglab.models.precision.formats import (
    E8M0_EXP_MAX,
    E8M0_EXP_MIN,
    FORMATS,
    FormatInfo,
    Quantized,
    format_info,
    quantize,
    unit_roundoff,
)
from scalinglab.models.precision.products import (
    ACCUMULATIONS,
    DISTRIBUTIONS,
    ProductError,
    dot_errors,
    matmul_error_table,
    matmul_errors,
    random_inputs,
)
from scalinglab.models.precision.scaling import (
    MX_BLOCK_SIZE,
    NVFP4_BLOCK_SIZE,
    SCALE_ROUNDINGS,
    SCALINGS,
    SCHEMES,
    Scaled,
    Scheme,
    get_scheme,
    quantize_scaled,
    quantize_with_scales,
)

__all__ = [
    "ACCUMULATIONS",
    "DISTRIBUTIONS",
    "E8M0_EXP_MAX",
    "E8M0_EXP_MIN",
    "FORMATS",
    "MX_BLOCK_SIZE",
    "NVFP4_BLOCK_SIZE",
    "SCALE_ROUNDINGS",
    "SCALINGS",
    "SCHEMES",
    "FormatInfo",
    "ProductError",
    "Quantized",
    "Scaled",
    "Scheme",
    "dot_errors",
    "format_info",
    "gamma",
    "gamma_tilde",
    "gamma_tilde_probability",
    "get_scheme",
    "matmul_error_table",
    "matmul_errors",
    "quantize",
    "quantize_scaled",
    "quantize_with_scales",
    "random_inputs",
    "unit_roundoff",
]
