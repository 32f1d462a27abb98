"""Parameters of the chapter *Precision co-design* (``notebooks/precision_codesign.ipynb``).

``formats`` lists scheme names of :data:`scalinglab.models.precision.SCHEMES`: the 16-bit and
wider names are plain casts, the plain FP8 / FP6 / FP4 names mean per-tensor scaling,
``mxfp8`` / ``mxfp6`` / ``mxfp4`` are OCP MX block scaling (``*_ceil``: the shared scale rounded up)
and ``nvfp4`` is NVIDIA's two-level FP4 scaling. ``block_size`` is the block length of the **MX**
schemes (the OCP spec's is :data:`~scalinglab.models.precision.MX_BLOCK_SIZE`); NVFP4 always uses
its hardware blocks of :data:`~scalinglab.models.precision.NVFP4_BLOCK_SIZE`, so ``dot_length``
must be a multiple of that as well as of ``block_size``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scalinglab.book.schemas import ChapterParams, confidence_level_field, register
from scalinglab.data import catalog
from scalinglab.errors import ParameterError
from scalinglab.models.precision import (
    ACCUMULATIONS,
    DISTRIBUTIONS,
    MX_BLOCK_SIZE,
    NVFP4_BLOCK_SIZE,
    SCHEMES,
)

#: Spec-table columns a GPU needs for this chapter (dense 16-bit peak and TDP: the frontier and the energy comparison need both).
GPU_COLUMNS = ("bf16_fp16_dense_tflops", "tdp_w")

SchemeName = Literal[tuple(SCHEMES)]
Distribution = Literal[DISTRIBUTIONS]
Accumulation = Literal[ACCUMULATIONS]


@register("precision_codesign")
class PrecisionCodesignParams(ChapterParams):
    """Parameters of ``notebooks/precision_codesign.ipynb``: field order and defaults equal its parameters cell (tested)."""

    gpu: str = Field(
        "B200",
        description="GPU of the throughput-versus-error frontier and of the energy comparison",
        json_schema_extra={"unit": ""},
    )
    formats: list[SchemeName] = Field(
        ["bfloat16", "float8_e4m3fn", "mxfp8", "float4_e2m1fn", "mxfp4", "nvfp4"],
        min_length=1,
        max_length=len(SCHEMES),
        description="number schemes measured; plain fp8/fp6/fp4 names are per-tensor scaled",
        json_schema_extra={
            "unit": "",
            "allowed": f"1 to {len(SCHEMES)} distinct of: " + ", ".join(SCHEMES),
        },
    )
    dot_length: int = Field(
        1024,
        ge=NVFP4_BLOCK_SIZE,
        le=16384,
        description="reduction length K of every dot product",
        json_schema_extra={"unit": "elements"},
    )
    n_samples: int = Field(
        256,
        ge=1,
        le=4096,
        description="rows of the random matrix A (one error sample each)",
        json_schema_extra={"unit": "rows"},
    )
    distribution: Distribution = Field(
        "normal",
        description="distribution of the random inputs",
        json_schema_extra={"unit": ""},
    )
    student_t_dof: float = Field(
        3.0,
        gt=0,
        le=1000,
        description="degrees of freedom of Student's t (small: heavy tails)",
        json_schema_extra={"unit": ""},
    )
    block_size: int = Field(
        MX_BLOCK_SIZE,
        ge=1,
        description=f"block length of the MX schemes (OCP spec: {MX_BLOCK_SIZE}); must divide dot_length",
        json_schema_extra={"unit": "elements"},
    )
    accumulate: Accumulation = Field(
        "fp32",
        description="accumulation of the main experiment: fp32 as tensor cores do, or native in the format itself",
        json_schema_extra={"unit": ""},
    )
    seed: int = Field(
        2024,
        ge=0,
        description="random seed of the inputs",
        json_schema_extra={"unit": ""},
    )
    confidence_level: float = confidence_level_field("the growth intervals")
    measure_cpu: bool = Field(
        True,
        description="time numpy matrix products in float64 and float32 on this machine",
        json_schema_extra={"unit": ""},
    )
    cpu_matmul_n: int = Field(
        1024,
        ge=16,
        le=4096,
        description="size n of the n x n matrices timed on the CPU",
        json_schema_extra={"unit": "elements"},
    )

    def check(self) -> None:
        if len(set(self.formats)) != len(self.formats):
            raise ParameterError("formats", self.formats, "each format at most once")
        from scalinglab.data import gpus_with, load_gpu_specs

        known = gpus_with(*GPU_COLUMNS)
        if self.gpu not in known:
            raise ParameterError(
                "gpu",
                self.gpu,
                "one of the spec table's GPUs with dense figures: " + ", ".join(known),
            )
        row = catalog.gpu_row(load_gpu_specs(), self.gpu)
        supported = [f for f in SCHEMES if catalog.dense_tflops(row, SCHEMES[f].fmt) is not None]
        if not any(f in supported for f in self.formats):
            raise ParameterError(
                "formats",
                self.formats,
                f"at least one format with a dense figure on the {self.gpu} (the frontier plots "
                f"throughput against error): {', '.join(supported)}",
            )
        if self.dot_length % self.block_size:
            raise ParameterError(
                "block_size",
                self.block_size,
                f"a positive integer dividing dot_length ({self.dot_length})",
            )
        if self.dot_length % NVFP4_BLOCK_SIZE:
            raise ParameterError(
                "dot_length",
                self.dot_length,
                f"a multiple of {NVFP4_BLOCK_SIZE}, the NVFP4 block length",
            )
