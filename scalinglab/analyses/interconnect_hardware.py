"""Bytes per FLOP by GPU generation and NVLink domains in one quantity, for the chapter *Interconnect scaling*."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scalinglab import data
from scalinglab.analyses.interconnect_growth import DENSE_16BIT, GPU_COLUMNS, _planned, gpu_generations
from scalinglab.data import catalog as cat


@dataclass(frozen=True)
class BytesPerFlopResult:
    """Bytes per dense 16-bit FLOP by GPU generation, and how far they fell.

    ``*_drop_x`` is first / last (P100 to the latest GPU); ``*_drop_x_no_first`` starts at the
    second generation (V100, the first with tensor cores); ``hbm_bytes_per_flop_since_h100_x``
    is H100 / latest (about 1: flat since H100). ``frame`` is long (``gpu``, ``year``,
    ``ratio``, ``bytes_per_flop``) for the chart; ``table`` is one row per GPU.
    """

    frame: pl.DataFrame
    table: pl.DataFrame
    gpu: str
    peak_tflops: float
    bpf_first_gpu: str
    bpf_second_gpu: str
    bpf_last_gpu: str
    hbm_bytes_per_flop_first: float
    hbm_bytes_per_flop_second: float
    hbm_bytes_per_flop_last: float
    hbm_bytes_per_flop_drop_x: float
    nvlink_bytes_per_flop_drop_x: float
    hbm_bytes_per_flop_drop_x_no_first: float
    nvlink_bytes_per_flop_drop_x_no_first: float
    hbm_bytes_per_flop_since_h100_x: float
    gpu_hbm_bytes_per_flop: float
    gpu_flops_per_hbm_byte: float


#: The generation from which the chapter checks that HBM bytes per FLOP are flat.
FLAT_SINCE_GPU = "H100"


def bytes_per_flop(gpu: str) -> BytesPerFlopResult:
    """HBM and NVLink bytes per dense 16-bit FLOP by generation, and for the chosen ``gpu``.

    Parameters
    ----------
    gpu
        A GPU of the curated spec table with a dense 16-bit peak and an HBM bandwidth (the
        schema validates it).
    """
    gens = gpu_generations()
    spec = cat.gpu_row(data.load_gpu_specs(), gpu, *GPU_COLUMNS)
    peak, hbm = cat.tflops_to_flop_s(spec[DENSE_16BIT]), cat.tb_s_to_gb_s(spec["hbm_tb_per_s"]) * cat.GB
    first, second, last = gens.row(0, named=True), gens.row(1, named=True), gens.row(-1, named=True)
    h100 = gens.filter(pl.col("gpu") == FLAT_SINCE_GPU).row(0, named=True)
    frame = gens.unpivot(
        index=["gpu", "year"],
        on=["hbm_bytes_per_flop", "nvlink_bytes_per_flop"],
        variable_name="ratio",
        value_name="bytes_per_flop",
    ).with_columns(
        pl.col("ratio").replace(
            {
                "hbm_bytes_per_flop": "HBM bytes/s per FLOP/s",
                "nvlink_bytes_per_flop": "NVLink bytes/s (one direction) per FLOP/s",
            }
        )
    )
    hb, nb = "hbm_bytes_per_flop", "nvlink_bytes_per_flop"
    return BytesPerFlopResult(
        frame=frame,
        table=gens.select(
            "gpu",
            "year",
            (pl.col("dense_flop_s") / 1e12).alias("dense_tflop_s"),
            "hbm_gb_s",
            "nvlink_gb_s_per_direction",
            hb,
            nb,
        ),
        gpu=gpu,
        peak_tflops=spec[DENSE_16BIT],
        bpf_first_gpu=first["gpu"],
        bpf_second_gpu=second["gpu"],
        bpf_last_gpu=last["gpu"],
        hbm_bytes_per_flop_first=first[hb],
        hbm_bytes_per_flop_second=second[hb],
        hbm_bytes_per_flop_last=last[hb],
        hbm_bytes_per_flop_drop_x=first[hb] / last[hb],
        nvlink_bytes_per_flop_drop_x=first[nb] / last[nb],
        hbm_bytes_per_flop_drop_x_no_first=second[hb] / last[hb],
        nvlink_bytes_per_flop_drop_x_no_first=second[nb] / last[nb],
        hbm_bytes_per_flop_since_h100_x=h100[hb] / last[hb],
        gpu_hbm_bytes_per_flop=hbm / peak,
        gpu_flops_per_hbm_byte=peak / hbm,
    )


@dataclass(frozen=True)
class DomainResult:
    """NVLink domains in ONE quantity: aggregate bidirectional NVLink bandwidth = GPUs x per-GPU figure.

    ``table`` (by year): ``domain``, ``year``, ``gpus``, ``gpu``, ``per_gpu_gb_s_bidir``,
    ``aggregate_tb_s_bidir``, ``as_quoted`` (what the source quotes, e.g. DGX-2's bisection
    bandwidth), ``shipped``. The HGX H100 -> GB200 NVL72 growth is decomposed:
    ``nvl72_over_hgx_aggregate_x`` = ``nvl72_over_hgx_gpus_x`` x ``nvl72_over_hgx_per_gpu_x``.
    """

    table: pl.DataFrame
    nvl72_over_hgx_aggregate_x: float
    nvl72_over_hgx_gpus_x: float
    nvl72_over_hgx_per_gpu_x: float
    nvl72_aggregate_tb_s: float
    hgx_aggregate_tb_s: float
    b200_over_h100_nvlink_x: float
    domain_quantity: str


def nvlink_domains() -> DomainResult:
    """NVLink domains of the interconnect table with the aggregate computed from the spec table.

    The GPU count is the first number of ``lanes_or_links``; the per-GPU bidirectional NVLink
    bandwidth is the spec-table value of the first GPU in ``example_devices``.
    """
    specs = data.load_gpu_specs().select("gpu", pl.col("nvlink_gb_per_s_bidir_per_gpu").alias("per_gpu_gb_s_bidir"))
    d = (
        data.load_interconnect_generations()
        .filter(pl.col("family") == "NVLink domain")
        .with_columns(
            pl.col("lanes_or_links").str.extract(r"(\d+)", 1).cast(pl.Int64).alias("gpus"),
            pl.col("example_devices").str.split(",").list.first().str.strip_chars().alias("gpu"),
            (~_planned()).alias("shipped"),
        )
        .join(specs, on="gpu", how="left")
        .with_columns(
            (pl.col("gpus") * pl.col("per_gpu_gb_s_bidir") / 1e3).alias("aggregate_tb_s_bidir"),
            (
                pl.col("bandwidth").cast(pl.String).str.replace(r"\.0$", "")
                + " "
                + pl.col("unit")
                + ", "
                + pl.col("direction")
            ).alias("as_quoted"),
        )
        .sort(["year", "gpus"], maintain_order=True)
    )
    table = d.select(
        pl.col("generation").alias("domain"),
        "year",
        "gpus",
        "gpu",
        "per_gpu_gb_s_bidir",
        "aggregate_tb_s_bidir",
        "as_quoted",
        "shipped",
    )
    hgx = table.filter(pl.col("domain").str.contains("HGX H100")).row(0, named=True)
    nvl = table.filter(pl.col("domain").str.contains("GB200 NVL72")).row(0, named=True)
    per = dict(specs.iter_rows())
    return DomainResult(
        table=table,
        nvl72_over_hgx_aggregate_x=nvl["aggregate_tb_s_bidir"] / hgx["aggregate_tb_s_bidir"],
        nvl72_over_hgx_gpus_x=nvl["gpus"] / hgx["gpus"],
        nvl72_over_hgx_per_gpu_x=nvl["per_gpu_gb_s_bidir"] / hgx["per_gpu_gb_s_bidir"],
        nvl72_aggregate_tb_s=nvl["aggregate_tb_s_bidir"],
        hgx_aggregate_tb_s=hgx["aggregate_tb_s_bidir"],
        b200_over_h100_nvlink_x=per["B200"] / per["H100"],
        domain_quantity="aggregate bidirectional NVLink bandwidth (GPUs x per-GPU figure)",
    )
