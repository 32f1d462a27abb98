"""Parameters of the chapter *Precision co-design* (``notebooks/precision_codesign.ipynb``).

``formats`` lists scheme names of :data:`scalinglab.precision.SCHEMES`: the 16-bit and
wider names are plain casts, the plain FP8 / FP6 / FP4 names mean per-tensor scaling,
``mxfp8`` / ``mxfp6`` / ``mxfp4`` are OCP MX block scaling and ``nvfp4`` is NVIDIA's
two-level FP4 scaling. ``block_size`` is the block length of the **MX** schemes (the
OCP spec's is 32); NVFP4 always uses its hardware blocks of 16, so ``dot_length`` must
be a multiple of 16 as well as of ``block_size``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scalinglab.errors import ParameterError
from scalinglab.book.schemas import ChapterParams, register

NVFP4_BLOCK = 16


#: Spec-table columns a GPU needs for this chapter (dense 16-bit peak and TDP: the frontier and the energy comparison need both).
GPU_COLUMNS = ("bf16_fp16_dense_tflops", "tdp_w")


@register("precision_codesign")
class PrecisionCodesignParams(ChapterParams):
    """Parameters of ``notebooks/precision_codesign.ipynb``: field order and defaults equal its parameters cell (tested)."""
    gpu: str = Field("B200", description="GPU of the throughput-versus-error frontier and of the energy comparison",
                     json_schema_extra={"unit": ""})
    formats: list[str] = Field(["bfloat16", "float8_e4m3fn", "mxfp8", "float4_e2m1fn", "mxfp4", "nvfp4"],
                               min_length=1, max_length=13,
                               description="number schemes measured (scalinglab.precision.SCHEMES names; "
                                           "plain fp8/fp6/fp4 names are per-tensor scaled)",
                               json_schema_extra={"unit": ""})
    dot_length: int = Field(1024, ge=16, le=16384, description="reduction length K of every dot product",
                            json_schema_extra={"unit": "elements"})
    n_samples: int = Field(256, ge=1, le=4096, description="rows of the random matrix A (one error sample each)",
                           json_schema_extra={"unit": "rows"})
    distribution: Literal["normal", "student_t"] = Field("normal", description="distribution of the random inputs",
                                                         json_schema_extra={"unit": ""})
    student_t_dof: float = Field(3.0, gt=0, le=1000, description="degrees of freedom of Student's t (small: heavy tails)",
                                 json_schema_extra={"unit": ""})
    block_size: int = Field(32, ge=1, description="block length of the MX schemes (OCP spec: 32); must divide dot_length",
                            json_schema_extra={"unit": "elements"})
    accumulate: Literal["fp32", "native"] = Field("fp32", description="accumulation of the main experiment: "
                                                  "fp32 as tensor cores do, or native in the format itself",
                                                  json_schema_extra={"unit": ""})
    seed: int = Field(2024, ge=0, description="random seed of the inputs", json_schema_extra={"unit": ""})
    measure_cpu: bool = Field(True, description="time numpy matrix products in float64 and float32 on this machine",
                              json_schema_extra={"unit": ""})
    cpu_matmul_n: int = Field(1024, ge=16, le=4096, description="size n of the n x n matrices timed on the CPU",
                              json_schema_extra={"unit": "elements"})

    def check(self) -> None:
        from scalinglab.models.precision import SCHEMES

        unknown = [f for f in self.formats if f not in SCHEMES]
        if unknown:
            raise ParameterError("formats", self.formats,
                                 f"unknown format {unknown[0]!r}; each entry one of: {', '.join(SCHEMES)}")
        if len(set(self.formats)) != len(self.formats):
            raise ParameterError("formats", self.formats, "each format at most once")
        from scalinglab.data import gpus_with

        known = gpus_with(*GPU_COLUMNS)
        if self.gpu not in known:
            raise ParameterError("gpu", self.gpu, "one of the spec table's GPUs with dense figures: " + ", ".join(known))
        from scalinglab.data import load_gpu_specs
        from scalinglab.models.precision import dense_tflops

        row = load_gpu_specs().filter(load_gpu_specs()["gpu"] == self.gpu).row(0, named=True)
        supported = [f for f in SCHEMES if dense_tflops(row, f) is not None]
        if not any(f in supported for f in self.formats):
            raise ParameterError("formats", self.formats,
                                 f"at least one format with a dense figure on the {self.gpu} (the frontier plots "
                                 f"throughput against error): {', '.join(supported)}")
        if self.dot_length % self.block_size:
            raise ParameterError("block_size", self.block_size,
                                 f"a positive integer dividing dot_length ({self.dot_length})")
        if self.dot_length % NVFP4_BLOCK:
            raise ParameterError("dot_length", self.dot_length,
                                 f"a multiple of {NVFP4_BLOCK}, the NVFP4 block length")
