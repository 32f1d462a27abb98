"""Parameters of the chapter *Interconnect scaling* (``notebooks/interconnect_scaling.ipynb``).

Bandwidths are **per direction per GPU** in GB/s (GB = 1e9 bytes); NVLink is
quoted bidirectionally (900 GB/s on an H100 = 450 per direction) and InfiniBand
in Gb/s (400 Gb/s NDR = 50 GB/s): convert before passing them.
"""

from __future__ import annotations

from pydantic import Field

from scalinglab.book.schemas import ChapterParams, confidence_level_field, register
from scalinglab.data.catalog import spec_column
from scalinglab.errors import ParameterError

#: Spec-table columns a GPU needs for this chapter: dense 16-bit peak and HBM bandwidth (as the analysis).
GPU_COLUMNS = (spec_column("BF16"), "hbm_tb_per_s")


@register("interconnect_scaling")
class InterconnectScalingParams(ChapterParams):
    """Parameters of ``notebooks/interconnect_scaling.ipynb``: field order and defaults equal its parameters cell (tested)."""

    n_gpus: int = Field(
        4608,
        ge=2,
        le=1_048_576,
        description="GPUs taking part in the collective and in the data-parallel job "
        "(4608 is 576 HGX, 64 NVL72 or 8 NVL576 domains)",
        json_schema_extra={"unit": "GPUs"},
    )
    message_size_bytes: int = Field(
        1_073_741_824,
        ge=1,
        le=10**13,
        description="size of the array all-reduced, in bytes (2^30 is 1 GiB)",
        json_schema_extra={"unit": "bytes"},
    )
    link_bandwidth_gb_s: float = Field(
        900.0,
        gt=0,
        le=1e6,
        description="scale-up (NVLink) bandwidth per GPU and per direction, GB/s "
        "with GB = 1e9 bytes (NVLink 5: 1800 bidirectional, 900 each way)",
        json_schema_extra={"unit": "GB/s per direction"},
    )
    latency_us: float = Field(
        2.0, ge=0, le=1e6, description="scale-up latency per algorithm step (alpha)", json_schema_extra={"unit": "us"}
    )
    scaleup_domain_size: int = Field(
        8,
        ge=1,
        le=1_048_576,
        description="GPUs per NVLink domain in the two-level all-reduce (8 for HGX, 72 for NVL72)",
        json_schema_extra={"unit": "GPUs"},
    )
    scaleout_bandwidth_gb_s: float = Field(
        50.0,
        gt=0,
        le=1e6,
        description="scale-out (InfiniBand) bandwidth per GPU and per direction, GB/s "
        "(one 400 Gb/s NDR port per GPU gives 50)",
        json_schema_extra={"unit": "GB/s per direction"},
    )
    scaleout_latency_us: float = Field(
        8.0, ge=0, le=1e6, description="scale-out latency per algorithm step (alpha)", json_schema_extra={"unit": "us"}
    )
    gpu: str = Field(
        "B200",
        description="GPU from the curated spec table whose dense 16-bit peak and HBM bandwidth are used",
        json_schema_extra={
            "unit": "",
            "allowed": "a GPU of the curated spec table with a dense 16-bit "
            "peak and an HBM bandwidth (P100 ... GB300; not the preliminary Rubin)",
        },
    )
    model_params_billion: float = Field(
        8.0,
        gt=0,
        le=100_000,
        description="model size in billions of parameters",
        json_schema_extra={"unit": "1e9 parameters"},
    )
    bytes_per_param: float = Field(
        2.0,
        gt=0,
        le=16,
        description="bytes per gradient, weight and activation element (2 for BF16)",
        json_schema_extra={"unit": "bytes"},
    )
    tokens_per_step: int = Field(
        18_874_368,
        ge=1,
        le=10**12,
        description="global batch in tokens per training step, fixed as GPUs are added "
        "(18874368 is 4608 sequences of 4096 tokens)",
        json_schema_extra={"unit": "tokens"},
    )
    sequence_length: int = Field(
        4096,
        ge=1,
        le=10**7,
        description="tokens per training sequence; each GPU needs at least one sequence per step",
        json_schema_extra={"unit": "tokens"},
    )
    mfu: float = Field(
        0.4,
        gt=0,
        le=1,
        description="model FLOPs utilisation of the compute, in (0, 1]",
        json_schema_extra={"unit": "fraction"},
    )
    overlap_fraction: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the compute time that can hide the gradient all-reduce, in [0, 1]",
        json_schema_extra={"unit": "fraction"},
    )
    confidence_level: float = confidence_level_field()

    def check(self) -> None:
        if self.scaleup_domain_size > self.n_gpus:
            raise ParameterError(
                "scaleup_domain_size",
                self.scaleup_domain_size,
                f"at most n_gpus ({self.n_gpus}): a domain cannot hold more GPUs than the job",
            )
        if self.n_gpus % self.scaleup_domain_size:
            raise ParameterError(
                "scaleup_domain_size",
                self.scaleup_domain_size,
                f"a divisor of n_gpus ({self.n_gpus}): the job fills whole NVLink domains",
            )
        if self.tokens_per_step < self.sequence_length * self.n_gpus:
            raise ParameterError(
                "tokens_per_step",
                self.tokens_per_step,
                f"at least sequence_length x n_gpus = {self.sequence_length} x {self.n_gpus} = "
                f"{self.sequence_length * self.n_gpus}: each GPU of a data-parallel job needs at least one "
                f"sequence per step (here {self.tokens_per_step / self.n_gpus:,.1f} tokens per GPU)",
            )
        from scalinglab.data import gpus_with

        known = gpus_with(*GPU_COLUMNS)
        if self.gpu not in known:
            raise ParameterError(
                "gpu",
                self.gpu,
                "one of: "
                + ", ".join(known)
                + " (GPUs of the curated spec table with a dense 16-bit peak and an HBM bandwidth)",
            )
