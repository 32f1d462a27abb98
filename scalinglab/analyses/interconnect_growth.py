"""Bandwidth and FLOP/s growth of the chapter *Interconnect scaling*: series in one unit, growth
fits with and without the first generation, bytes per FLOP and NVLink domains.

Direction conventions (converted here, never silently):

* NVLink is quoted as a **bidirectional** total per GPU: per direction = / 2;
* PCIe x16 is quoted **per direction** in GB/s (after line encoding);
* InfiniBand is quoted **per direction** in **Gb/s** (data rate of a 4x port): / 8;
* HBM bandwidth is one number per GPU shared by reads and writes (not full duplex): kept as is, GB/s.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scalinglab import data
from scalinglab.data import catalog as cat
from scalinglab.models import fits

#: Series names used in the chapter's tables and charts, in display order.
NVLINK, PCIE, INFINIBAND, HBM = "NVLink per GPU", "PCIe x16", "InfiniBand 4x port", "HBM per GPU"
FLOPS = "Dense 16-bit FLOP/s per GPU"
EPOCH_FLOPS, EPOCH_MEMORY = "Dense 16-bit FLOP/s, Epoch (all chips)", "Memory bandwidth, Epoch (all chips)"
#: Glue-key stem of each fitted series (``<stem>_growth_x_per_2y``) and the Gholami et al. rate it is set against.
SERIES_KEYS = {
    NVLINK: "nvlink",
    PCIE: "pcie",
    INFINIBAND: "infiniband",
    HBM: "hbm_bandwidth",
    FLOPS: "dense_flops",
    EPOCH_FLOPS: "epoch_flops",
    EPOCH_MEMORY: "epoch_memory",
}
GHOLAMI_KIND = {
    NVLINK: "ic",
    PCIE: "ic",
    INFINIBAND: "ic",
    HBM: "dram",
    FLOPS: "flops",
    EPOCH_FLOPS: "flops",
    EPOCH_MEMORY: "dram",
}
GHOLAMI_WHAT = {"ic": "interconnect", "dram": "DRAM bandwidth", "flops": "peak FLOP/s"}
#: Spec-table column of the dense 16-bit (BF16/FP16) peak, from the shared catalog.
DENSE_16BIT = cat.spec_column("BF16")
#: Spec-table columns a GPU needs for this chapter: dense 16-bit peak and HBM bandwidth.
GPU_COLUMNS = (DENSE_16BIT, "hbm_tb_per_s")
#: First year of the Epoch AI chips in the market-wide fits (tensor-core era).
EPOCH_MIN_YEAR = 2016
#: Growth is reported per this many years (Gholami et al.'s unit).
YEARS = 2.0

SPECS = "curated NVIDIA spec table"
LINKS = "curated interconnect generations (NVIDIA, PCI-SIG, IBTA)"
EPOCH = "Epoch AI ML hardware dataset (CC BY 4.0)"
GHOLAMI = "Gholami et al., IEEE Micro 2024"


def _planned(col: str = "year_first_products") -> pl.Expr:
    return pl.col(col).str.contains("(?i)planned|roadmap").fill_null(False)


def interconnect_bandwidths() -> pl.DataFrame:
    """NVLink, PCIe x16 and InfiniBand generations in GB/s **per direction**.

    Returns
    -------
    polars.DataFrame
        One row per generation with a year, sorted by series then year: ``series``,
        ``generation``, ``year`` (first products, or the specification year for PCIe),
        ``gb_s_per_direction``, ``as_quoted`` (number, unit and direction of the source
        table), ``shipped`` (False for planned or roadmap entries, which the fits leave out).
    """
    ic = data.load_interconnect_generations().filter(pl.col("year").is_not_null())
    conv = [
        ("NVLink", NVLINK, cat.per_direction(pl.col("bandwidth"))),  # bidirectional total -> one direction
        ("PCIe", PCIE, pl.col("bandwidth")),  # already per direction, GB/s
        ("InfiniBand", INFINIBAND, cat.gbit_s_to_gbyte_s(pl.col("bandwidth"))),
    ]  # Gb/s -> GB/s, per direction
    frames = [
        ic.filter(pl.col("family") == family)
        .select(
            pl.lit(name).alias("series"),
            pl.col("generation"),
            pl.col("year").cast(pl.Float64),
            expr.alias("gb_s_per_direction"),
            (
                pl.col("bandwidth").cast(pl.String).str.replace(r"\.0$", "")
                + " "
                + pl.col("unit")
                + ", "
                + pl.col("direction")
            ).alias("as_quoted"),
            (~_planned()).alias("shipped"),
        )
        .sort("year", maintain_order=True)
        for family, name, expr in conv
    ]
    return pl.concat(frames)


def gpu_generations() -> pl.DataFrame:
    """One row per GPU chip generation of the curated spec table, in announcement order.

    Rows that repeat a chip announced the same day in another package (GB200 next to B200,
    GB300 next to B300) are dropped, so a fit counts each chip once; preliminary rows and rows
    without a dense 16-bit peak are dropped.

    Returns
    -------
    polars.DataFrame
        ``gpu``, ``year`` (announcement, decimal), ``dense_flop_s`` (16-bit, dense),
        ``hbm_gb_s``, ``nvlink_gb_s_per_direction``, ``hbm_bytes_per_flop``,
        ``nvlink_bytes_per_flop`` (per direction).
    """
    g = data.load_gpu_specs().filter(~pl.col("preliminary") & pl.col(DENSE_16BIT).is_not_null())
    g = g.unique(subset=["architecture", "announced"], keep="first", maintain_order=True).sort(
        "announced", maintain_order=True
    )
    return g.select(
        "gpu",
        pl.col("announced_year").alias("year"),
        cat.tflops_to_flop_s(pl.col(DENSE_16BIT)).alias("dense_flop_s"),
        cat.tb_s_to_gb_s(pl.col("hbm_tb_per_s")).alias("hbm_gb_s"),
        cat.per_direction(pl.col("nvlink_gb_per_s_bidir_per_gpu")).alias("nvlink_gb_s_per_direction"),
    ).with_columns(
        (pl.col("hbm_gb_s") * cat.GB / pl.col("dense_flop_s")).alias("hbm_bytes_per_flop"),
        (pl.col("nvlink_gb_s_per_direction") * cat.GB / pl.col("dense_flop_s")).alias("nvlink_bytes_per_flop"),
    )


def epoch_accelerators(min_year: int = EPOCH_MIN_YEAR) -> pl.DataFrame:
    """Chips in Epoch AI's dataset with a tensor 16-bit peak, a memory bandwidth and a date.

    All vendors and market segments, released in ``min_year`` or later, sorted by date then
    name. Columns: ``hardware_name``, ``manufacturer``, ``year`` (decimal), ``dense_flop_s``,
    ``memory_gb_s``.
    """
    e = data.load_epoch_chips().filter(
        pl.col("release_date").is_not_null()
        & pl.col("tensor_fp16_bf16_flop_s").is_not_null()
        & pl.col("memory_bandwidth_bytes_s").is_not_null()
        & (pl.col("release_date").dt.year() >= min_year)
    )
    return e.sort(["release_date", "hardware_name"]).select(
        "hardware_name",
        "manufacturer",
        (pl.col("release_date").dt.year() + (pl.col("release_date").dt.ordinal_day() - 1) / 365.25).alias("year"),
        pl.col("tensor_fp16_bf16_flop_s").alias("dense_flop_s"),
        (pl.col("memory_bandwidth_bytes_s") / 1e9).alias("memory_gb_s"),
    )


def bandwidth_points() -> pl.DataFrame:
    """Link and HBM bandwidth points of the growth chart: ``series``, ``generation``, ``year``, ``gb_s``, ``shipped``."""
    gens = gpu_generations()
    return pl.concat(
        [
            interconnect_bandwidths().select(
                "series", "generation", "year", pl.col("gb_s_per_direction").alias("gb_s"), "shipped"
            ),
            gens.select(
                pl.lit(HBM).alias("series"),
                pl.col("gpu").alias("generation"),
                "year",
                pl.col("hbm_gb_s").alias("gb_s"),
                pl.lit(True).alias("shipped"),
            ),
        ]
    )


def _series_xy() -> dict[str, tuple[pl.Series, pl.Series, str]]:
    """Series name -> (years, values, first generation) of every fitted series, in display order."""
    pts = bandwidth_points().filter(pl.col("shipped"))
    gens, epoch = gpu_generations(), epoch_accelerators()
    out = {}
    for name in (NVLINK, PCIE, INFINIBAND, HBM):
        d = pts.filter(pl.col("series") == name).sort("year", maintain_order=True)
        out[name] = (d["year"], d["gb_s"], d["generation"][0])
    out[FLOPS] = (gens["year"], gens["dense_flop_s"], gens["gpu"][0])
    out[EPOCH_FLOPS] = (epoch["year"], epoch["dense_flop_s"], epoch["hardware_name"][0])
    out[EPOCH_MEMORY] = (epoch["year"], epoch["memory_gb_s"], epoch["hardware_name"][0])
    return out


@dataclass(frozen=True)
class GrowthResult:
    """Growth per two years of every series, over all its generations and without the first.

    Scalars are glued under their names; ``table`` (one row per series, display order) is the
    reader's table and ``points``/``lines`` feed the growth chart. ``*_no_first_*`` fields drop
    the first generation of the series (for the GPU series: P100, whose 16-bit peak has no
    tensor cores, so the fit starts with V100's tensor cores). The chapter's headline uses the
    fits without the first generation (``headline_basis``).
    """

    table: pl.DataFrame
    points: pl.DataFrame
    lines: pl.DataFrame
    confidence_level: float
    confidence_pct: float
    headline_basis: str
    gpu_first_gen: str
    gpu_second_gen: str
    growth_min_points: int
    growth_max_points: int
    epoch_chips: int
    gholami_flops_x_per_2y: float
    gholami_dram_x_per_2y: float
    gholami_ic_x_per_2y: float
    dense_flops_growth_x_per_2y: float
    dense_flops_growth_ci_low: float
    dense_flops_growth_ci_high: float
    hbm_bandwidth_growth_x_per_2y: float
    hbm_bandwidth_growth_ci_low: float
    hbm_bandwidth_growth_ci_high: float
    nvlink_growth_x_per_2y: float
    nvlink_growth_ci_low: float
    nvlink_growth_ci_high: float
    pcie_growth_x_per_2y: float
    pcie_growth_ci_low: float
    pcie_growth_ci_high: float
    infiniband_growth_x_per_2y: float
    infiniband_growth_ci_low: float
    infiniband_growth_ci_high: float
    epoch_flops_growth_x_per_2y: float
    epoch_memory_growth_x_per_2y: float
    dense_flops_growth_no_first_x_per_2y: float
    dense_flops_growth_no_first_ci_low: float
    dense_flops_growth_no_first_ci_high: float
    hbm_bandwidth_growth_no_first_x_per_2y: float
    hbm_bandwidth_growth_no_first_ci_low: float
    hbm_bandwidth_growth_no_first_ci_high: float
    nvlink_growth_no_first_x_per_2y: float
    nvlink_growth_no_first_ci_low: float
    nvlink_growth_no_first_ci_high: float
    pcie_growth_no_first_x_per_2y: float
    infiniband_growth_no_first_x_per_2y: float
    flops_over_hbm_x_per_2y: float
    flops_over_nvlink_x_per_2y: float
    flops_over_hbm_no_first_x_per_2y: float
    flops_over_nvlink_no_first_x_per_2y: float
    flops_vs_hbm_word: str
    flops_vs_nvlink_word: str
    nvlink_vs_gholami_word: str
    first_gen_flops_word: str


def outgrow_word(ratio: float, tolerance: float = 0.05) -> str:
    """``"outgrew"`` if ``ratio`` > 1 + tolerance, ``"fell behind"`` if < 1 - tolerance, else ``"kept pace with"``.

    The rule the page states for comparing two growth rates (a ratio of factors per two years).
    """
    if ratio > 1.0 + tolerance:
        return "outgrew"
    if ratio < 1.0 - tolerance:
        return "fell behind"
    return "kept pace with"


def first_generation_word(ratio: float, tolerance: float = 0.05) -> str:
    """How the first generation moves a rate: ``ratio`` = rate with it / rate without it.

    ``"inflates"`` above 1 + tolerance, ``"deflates"`` below 1 - tolerance, else ``"hardly changes"``.
    """
    if ratio > 1.0 + tolerance:
        return "inflates"
    if ratio < 1.0 - tolerance:
        return "deflates"
    return "hardly changes"


def growth(confidence_level: float = 0.95) -> GrowthResult:
    """Fit growth per two years to every series, with and without its first generation.

    Parameters
    ----------
    confidence_level
        Two-sided level of the fitted intervals, in (0, 1).

    Returns
    -------
    GrowthResult
        ``table`` columns: ``quantity``, ``points``, ``first_year``, ``last_year``, ``x_per_2y``,
        ``ci_low``, ``ci_high``, ``x_per_2y_no_first``, ``ci_low_no_first``, ``ci_high_no_first``,
        ``gholami_x_per_2y``, ``gholami_inside_ci``.

    Raises
    ------
    ValueError
        From :func:`scalinglab.models.fits.fit_loglinear` if a series has fewer than three points.
    """
    anchors = {k: data.anchor(f"gholami_{k}") for k in ("flops", "dram", "ic")}
    rows, f_all, f_nf = [], {}, {}
    for name, (x, y, _first) in _series_xy().items():
        fa = fits.fit_loglinear(x, y, confidence_level)
        fn = fits.fit_loglinear(x[1:], y[1:], confidence_level)
        f_all[name], f_nf[name] = fa, fn
        lo, hi = fa.factor_per_ci(YEARS)
        lo2, hi2 = fn.factor_per_ci(YEARS)
        g = anchors[GHOLAMI_KIND[name]]
        rows.append(
            {
                "quantity": name,
                "points": fa.n,
                "first_year": fa.x_min,
                "last_year": fa.x_max,
                "x_per_2y": fa.factor_per(YEARS),
                "ci_low": lo,
                "ci_high": hi,
                "x_per_2y_no_first": fn.factor_per(YEARS),
                "ci_low_no_first": lo2,
                "ci_high_no_first": hi2,
                "gholami_x_per_2y": g,
                "gholami_inside_ci": bool(lo <= g <= hi),
            }
        )
    table = pl.DataFrame(rows)
    lines = pl.concat(
        [
            pl.DataFrame(
                {
                    "series": name,
                    "year": [f.x_min, f.x_max],
                    "fit": list(f.predict([f.x_min, f.x_max])),
                    "x_per_2y": f.factor_per(YEARS),
                }
            )
            for name, f in f_all.items()
            if name in (NVLINK, PCIE, INFINIBAND, HBM)
        ]
    )
    kw = {}
    for name, stem in SERIES_KEYS.items():
        kw[f"{stem}_growth_x_per_2y"] = f_all[name].factor_per(YEARS)
        kw[f"{stem}_growth_ci_low"], kw[f"{stem}_growth_ci_high"] = f_all[name].factor_per_ci(YEARS)
        kw[f"{stem}_growth_no_first_x_per_2y"] = f_nf[name].factor_per(YEARS)
        kw[f"{stem}_growth_no_first_ci_low"], kw[f"{stem}_growth_no_first_ci_high"] = f_nf[name].factor_per_ci(YEARS)
    fields = set(GrowthResult.__dataclass_fields__)
    kw = {k: v for k, v in kw.items() if k in fields}
    r_hbm = f_all[FLOPS].factor_per(YEARS) / f_all[HBM].factor_per(YEARS)
    r_nvl = f_all[FLOPS].factor_per(YEARS) / f_all[NVLINK].factor_per(YEARS)
    r_hbm2 = f_nf[FLOPS].factor_per(YEARS) / f_nf[HBM].factor_per(YEARS)
    r_nvl2 = f_nf[FLOPS].factor_per(YEARS) / f_nf[NVLINK].factor_per(YEARS)
    own = [n for n in f_all if n not in (EPOCH_FLOPS, EPOCH_MEMORY)]
    gens = gpu_generations()
    return GrowthResult(
        table=table,
        points=bandwidth_points(),
        lines=lines,
        confidence_level=confidence_level,
        confidence_pct=100.0 * confidence_level,
        headline_basis="without the first generation",
        gpu_first_gen=gens["gpu"][0],
        gpu_second_gen=gens["gpu"][1],
        growth_min_points=min(f_all[n].n for n in own),
        growth_max_points=max(f_all[n].n for n in own),
        epoch_chips=epoch_accelerators().height,
        gholami_flops_x_per_2y=anchors["flops"],
        gholami_dram_x_per_2y=anchors["dram"],
        gholami_ic_x_per_2y=anchors["ic"],
        flops_over_hbm_x_per_2y=r_hbm,
        flops_over_nvlink_x_per_2y=r_nvl,
        flops_over_hbm_no_first_x_per_2y=r_hbm2,
        flops_over_nvlink_no_first_x_per_2y=r_nvl2,
        flops_vs_hbm_word=outgrow_word(r_hbm2),
        flops_vs_nvlink_word=outgrow_word(r_nvl2),
        first_gen_flops_word=first_generation_word(f_all[FLOPS].factor_per(YEARS) / f_nf[FLOPS].factor_per(YEARS)),
        nvlink_vs_gholami_word=outgrow_word(f_nf[NVLINK].factor_per(YEARS) / anchors["ic"]),
        **kw,
    )
