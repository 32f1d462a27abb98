"""GPU rental prices, Epoch AI's fitted price declines, and the served-model shapes of the token chapter.

Adapters over the typed loaders (:func:`scalinglab.data.load_hardware_prices`,
:func:`scalinglab.data.load_epoch_price_fits`); nothing here fits or models. Imports only
:mod:`scalinglab.errors` and the data layer's :mod:`~scalinglab.data.catalog`.

Sources: Epoch AI, training-cost-trends hardware prices and llm-benchmark-efficiency results
(CC BY, credit Epoch AI).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass

import polars as pl

from scalinglab.data import catalog
from scalinglab.errors import ParameterError


def as_date(value: dt.date | dt.datetime | str, name: str) -> dt.date:
    """A ``datetime.date`` from a date, a datetime or an ISO ``YYYY-MM-DD`` string.

    Raises
    ------
    ParameterError
        Naming ``name`` for anything else.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ParameterError(name, value, "a date, as datetime.date or an ISO string YYYY-MM-DD")


# --------------------------------------------------------------------------- served models
@dataclass(frozen=True)
class ModelShape:
    """What a decode step of one model reads: sizes in billions of parameters, MoE shape, source.

    ``n_experts`` = ``experts_per_token`` = 1 is a dense model (total = active).
    ``assumption`` is True where the figure is not published by the developer.
    ``kv_bytes_per_token``: KV-cache bytes per token of context in BF16 (all layers, K and V), from
    the published architecture; None where unpublished (the chapter then uses its own parameter).
    """

    model: str
    active_params_billion: float
    total_params_billion: float
    n_experts: int
    experts_per_token: int
    source: str
    assumption: bool
    kv_bytes_per_token: float | None = None


_PRESS_GPT4 = (
    "press estimate, unconfirmed by OpenAI (SemiAnalysis, July 2023): about 1.8T parameters, "
    "16 experts, 2 per token, about 280B active"
)
_DEEPSEEK = "DeepSeek-V3 technical report: 671B total, 37B active, 256 routed experts, 8 per token"

#: Shapes of earlier models whose size is published or estimated (the decomposition's baseline).
MODEL_SHAPES: dict[str, ModelShape] = {
    "GPT-3 175B (davinci)": ModelShape(
        "GPT-3 175B (davinci)",
        175.0,
        175.0,
        1,
        1,
        "GPT-3 175B, Brown et al. 2020 (davinci is generally taken to be it)",
        False,
        2 * 96 * 12288 * 2.0,
    ),  # K+V, 96 layers of width 12288, BF16
    "GPT-4 (8k)": ModelShape("GPT-4 (8k)", 280.0, 1800.0, 16, 2, _PRESS_GPT4, True),
    "GPT-4 (32k)": ModelShape("GPT-4 (32k)", 280.0, 1800.0, 16, 2, _PRESS_GPT4, True),
    "Llama 3.1 405B Instruct": ModelShape(
        "Llama 3.1 405B Instruct", 405.0, 405.0, 1, 1, "dense 405B, Meta's model card", False, 2 * 126 * 8 * 128 * 2.0
    ),  # K+V, 126 layers, 8 KV heads of 128, BF16
    "DeepSeek-V3": ModelShape("DeepSeek-V3", 37.0, 671.0, 256, 8, _DEEPSEEK, False, 61 * 576 * 2.0),  # MLA latent
    "DeepSeek-R1": ModelShape("DeepSeek-R1", 37.0, 671.0, 256, 8, _DEEPSEEK + " (same base)", False, 61 * 576 * 2.0),
}


@dataclass(frozen=True)
class LaunchPrice:
    """A model's list price at launch where the archived price table starts later (prices in USD/Mtok)."""

    model: str
    date: dt.date
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    source: str


#: Launch prices that precede the first dated row of the price table. Not a row of the archived
#: table: no archived copy of the launch price page is shipped, so the chapter shows it as a
#: scenario beside the table's first dated price, not as data.
LAUNCH_PRICES: dict[str, LaunchPrice] = {
    "Gemini 1.5 Flash": LaunchPrice(
        "Gemini 1.5 Flash",
        dt.date(2024, 5, 14),
        0.35,
        1.05,
        "Google's launch list price for prompts up to 128k tokens (Google I/O, May 2024); Google's price-cut "
        "announcement of August 2024 gives the cut to 0.075 / 0.30 as 78 % and 71 %, consistent with it "
        "(0.075 / 0.35 = 0.21, 0.30 / 1.05 = 0.29); no archived copy is shipped with this book",
    ),
}


# --------------------------------------------------------------------------- rental prices
@dataclass(frozen=True)
class RentalPrice:
    """Median on-demand rental price of one chip over a date window.

    ``median_usd_per_chip_hour`` over ``rows`` (date, vendor, ``usd_per_chip_hour``); ``n`` rows;
    ``low``/``high`` the extremes; ``first_date``/``last_date`` the dates spanned.
    """

    hardware_model: str
    median_usd_per_chip_hour: float
    n: int
    low: float
    high: float
    first_date: dt.date
    last_date: dt.date
    rows: pl.DataFrame


def median_rental_usd_per_chip_hour(
    hardware_prices_df: pl.DataFrame,
    hardware_model: str,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    dedupe_node_sizes: bool = True,
) -> RentalPrice:
    """Median on-demand price per chip-hour of ``hardware_model`` in a date window.

    Parameters
    ----------
    hardware_prices_df
        :func:`scalinglab.data.load_hardware_prices` (Epoch AI, CC BY).
    hardware_model
        Exact ``hardware_model`` name, e.g. ``"NVIDIA H100 SXM5 80GB"`` (PCIe and NVL are others).
    start_date, end_date
        Inclusive window; None is open.
    dedupe_node_sizes
        Rows equal in date, vendor and price count once (vendors list one per-chip price for 1-, 2-,
        4- and 8-GPU instances, which would otherwise weigh that vendor four times).

    Returns
    -------
    RentalPrice

    Raises
    ------
    ParameterError
        ``hardware_model`` absent (with close names) or without dated on-demand prices (B200 has
        purchase prices only); ``end_date`` before ``start_date``; ``start_date`` when the window
        holds no row.
    """
    names = hardware_prices_df["hardware_model"].drop_nulls().unique(maintain_order=True).to_list()
    if hardware_model not in names:
        close = difflib.get_close_matches(str(hardware_model), names, n=5, cutoff=0.4)
        hint = "did you mean " + ", ".join(repr(c) for c in close) + "?" if close else None
        raise ParameterError("hardware_model", hardware_model, "a name from the 'hardware_model' column", hint)
    start = as_date(start_date, "start_date") if start_date is not None else None
    end = as_date(end_date, "end_date") if end_date is not None else None
    if start and end and end < start:
        raise ParameterError("end_date", end.isoformat(), f"a date on or after start_date ({start.isoformat()})")
    rows = (
        hardware_prices_df.filter(pl.col("hardware_model") == hardware_model)
        .select(
            pl.col("price_date").alias("date"),
            "vendor",
            pl.col("on_demand_usd_per_chip_hour").cast(pl.Float64).alias("usd_per_chip_hour"),
        )
        .filter(pl.col("date").is_not_null(), pl.col("usd_per_chip_hour") > 0)
    )
    if rows.height == 0:
        raise ParameterError(
            "hardware_model",
            hardware_model,
            "a chip with dated on-demand rental prices",
            "the data has only purchase or committed-use prices for it",
        )
    if start:
        rows = rows.filter(pl.col("date") >= start)
    if end:
        rows = rows.filter(pl.col("date") <= end)
    if dedupe_node_sizes:
        rows = rows.unique(subset=["date", "vendor", "usd_per_chip_hour"], keep="first", maintain_order=True)
    rows = rows.sort("date", "vendor", "usd_per_chip_hour", maintain_order=True)
    if rows.height == 0:
        raise ParameterError(
            "start_date",
            start_date,
            f"a window holding on-demand prices for {hardware_model}",
            f"none from {start or 'the first date'} to {end or 'the last date'}",
        )
    p = rows["usd_per_chip_hour"]
    return RentalPrice(
        hardware_model,
        float(p.median()),
        rows.height,
        float(p.min()),
        float(p.max()),
        rows["date"].min(),
        rows["date"].max(),
        rows,
    )


def gpu_rental_price(
    hardware_prices_df: pl.DataFrame, gpu: str, start_date=None, end_date=None, name: str = "gpu_hour_usd"
) -> RentalPrice:
    """Median on-demand rental price of spec-table GPU ``gpu`` (board :func:`catalog.rental_hardware_model`).

    Raises
    ------
    ParameterError
        Naming ``name`` (the parameter that must then be given) when the data has no on-demand
        price for that GPU, e.g. B200; ``end_date`` as :func:`median_rental_usd_per_chip_hour`.
    """
    board = catalog.EPOCH_HARDWARE_NAME.get(gpu) if gpu in catalog.RENTAL_GPUS else None
    why = f"the hardware price data has no on-demand rental price for {gpu}"
    if board is None:
        raise ParameterError(name, None, "a price in USD per GPU-hour", why + "; give one")
    try:
        return median_rental_usd_per_chip_hour(hardware_prices_df, board, start_date, end_date)
    except ParameterError as err:
        if err.name == "end_date":
            raise
        raise ParameterError(name, None, "a price in USD per GPU-hour", f"{why} ({board}); give one") from None


@dataclass(frozen=True)
class PurchaseScaledRental:
    """A rental price estimated from purchase prices (see :func:`purchase_scaled_rental`)."""

    gpu: str
    reference_gpu: str
    usd_per_chip_hour: float
    reference_usd_per_chip_hour: float
    purchase_ratio: float
    n_purchase: int
    n_reference_purchase: int


def _purchases(hardware_prices_df: pl.DataFrame, gpu: str) -> pl.Series:
    board = catalog.EPOCH_HARDWARE_NAME.get(gpu) if gpu in catalog.RENTAL_GPUS else None
    s = (
        pl.Series([], dtype=pl.Float64)
        if board is None
        else (hardware_prices_df.filter(pl.col("hardware_model") == board)["purchase_usd"].drop_nulls())
    )
    s = s.filter(s > 0)
    if s.len() == 0:
        raise ParameterError("gpu", gpu, "a GPU with a purchase price in the hardware price data")
    return s


def purchase_scaled_rental(
    hardware_prices_df: pl.DataFrame, gpu: str, reference_gpu: str = "H100"
) -> PurchaseScaledRental:
    """On-demand price of a GPU without rental data, scaled from its purchase price.

    usd_per_chip_hour = median rental of ``reference_gpu`` x median purchase price of ``gpu`` /
    median purchase price of ``reference_gpu``: rent assumed proportional to the chip's capital
    cost. B200: 3.95 x 1.40 = 5.54 USD per GPU-hour.

    Raises
    ------
    ParameterError
        Naming ``gpu`` when it has no purchase price.
    """
    ref = gpu_rental_price(hardware_prices_df, reference_gpu, name="reference_gpu")
    p, r = _purchases(hardware_prices_df, gpu), _purchases(hardware_prices_df, reference_gpu)
    ratio = float(p.median()) / float(r.median())
    return PurchaseScaledRental(
        gpu, reference_gpu, ref.median_usd_per_chip_hour * ratio, ref.median_usd_per_chip_hour, ratio, p.len(), r.len()
    )


@dataclass(frozen=True)
class GpuHourPrice:
    """The USD per GPU-hour the chapter uses for one GPU, and a sentence saying where it comes from.

    ``basis`` is ``"parameter"``, ``"median rental"`` or ``"purchase-scaled estimate"``.
    """

    gpu: str
    usd_per_gpu_hour: float
    basis: str
    note: str


def gpu_hour_price(
    hardware_prices_df: pl.DataFrame, gpu: str, override_usd: float | None = None, allow_estimate: bool = False
) -> GpuHourPrice:
    """The price of ``gpu``: ``override_usd`` if given, else the median rental, else (if allowed) an estimate.

    The median is over every dated on-demand price (:func:`gpu_rental_price`); its note also gives
    the 2024 median where the data hold 2024 prices. Without rental data and with
    ``allow_estimate``, :func:`purchase_scaled_rental` against the H100.

    Raises
    ------
    ParameterError
        Naming ``gpu_hour_usd`` when no price can be found and no estimate is allowed.
    """
    if override_usd is not None:
        if not (isinstance(override_usd, (int, float)) and math.isfinite(override_usd) and override_usd > 0):
            raise ParameterError("gpu_hour_usd", override_usd, "a positive price in USD per GPU-hour")
        return GpuHourPrice(gpu, float(override_usd), "parameter", "the gpu_hour_usd parameter")
    try:
        r = gpu_rental_price(hardware_prices_df, gpu)
    except ParameterError:
        if not allow_estimate:
            raise
        est = purchase_scaled_rental(hardware_prices_df, gpu)
        return GpuHourPrice(
            gpu,
            est.usd_per_chip_hour,
            "purchase-scaled estimate",
            f"an estimate, as the data hold no rental price for {gpu}: the {est.reference_gpu} "
            f"median times the ratio of their purchase prices, {est.purchase_ratio:.2f}",
        )
    note = (
        f"the median of {r.n} on-demand prices for the {r.hardware_model} from {r.first_date} to "
        f"{r.last_date} in Epoch AI's hardware prices, which range from {r.low:.2f} to {r.high:.2f}"
    )
    try:
        r24 = gpu_rental_price(hardware_prices_df, gpu, "2024-01-01", "2024-12-31")
        note += f"; 2024 alone gives {r24.median_usd_per_chip_hour:.2f} from {r24.n} prices"
    except ParameterError:
        pass
    return GpuHourPrice(gpu, r.median_usd_per_chip_hour, "median rental", note)


# --------------------------------------------------------------------------- Epoch's fitted factors
@dataclass(frozen=True)
class EpochFactor:
    """One of Epoch's fitted declines: ``x_per_year`` with its 90 % interval ``ci90_low``/``ci90_high``."""

    benchmark: str
    threshold_model: str
    threshold: float
    x_per_year: float
    ci90_low: float
    ci90_high: float
    sample_size: int
    start_date: dt.date
    end_date: dt.date
    r_squared: float


def epoch_factor_from_fits(fits_df: pl.DataFrame, benchmark: str, capability_threshold: float) -> EpochFactor | None:
    """Epoch's decline for ``benchmark`` at ``capability_threshold`` from :func:`load_epoch_price_fits`, or None.

    The benchmark matches ``bench`` case-insensitively; the threshold matches ``threshold_score``
    within 1e-9. None where Epoch has no fit (they fit only thresholds set by reference models,
    for MMLU 43.9, 64.8, 68, 86, 87).
    """
    for row in fits_df.iter_rows(named=True):
        if str(row["bench"]).casefold() != str(benchmark).casefold():
            continue
        if row["threshold_score"] is None or abs(row["threshold_score"] - float(capability_threshold)) > 1e-9:
            continue
        return EpochFactor(
            row["bench"],
            row["threshold_model"],
            float(row["threshold_score"]),
            float(row["decline_x_per_year"]),
            float(row["decline_x_per_year_ci90_low"]),
            float(row["decline_x_per_year_ci90_high"]),
            int(row["sample_size"]),
            as_date(row["start_date"], "start_date"),
            as_date(row["end_date"], "end_date"),
            float(row["r_squared"]),
        )
    return None


def epoch_thresholds(fits_df: pl.DataFrame, benchmark: str) -> list[float]:
    """Epoch's fitted thresholds for ``benchmark``, ascending."""
    s = fits_df.filter(pl.col("bench").str.to_lowercase() == str(benchmark).lower())["threshold_score"]
    return sorted(float(v) for v in s.drop_nulls())
