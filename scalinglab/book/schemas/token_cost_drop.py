"""Parameters of the chapter *The 240x drop in the cost of tokens* (``notebooks/token_cost_drop.ipynb``).

Validation checks values against the data (model names and dates in the price table, GPUs in the
spec table, rental prices in the hardware prices) without running the chapter's fit.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from scalinglab.analyses.token_prices import BENCHMARKS, PRICE_CONVENTIONS, find_model
from scalinglab.book.schemas import ChapterParams, confidence_level_field, register
from scalinglab.errors import ParameterError

PriceConvention = Literal[PRICE_CONVENTIONS]  # type: ignore[valid-type]
#: The curated price table carries one capability score; Epoch's fits for other benchmarks are shown, not refitted.
Benchmark = Literal[BENCHMARKS]  # type: ignore[valid-type]
#: Fewest dates with a qualifying price in the window for a fit to be possible.
MIN_FIT_DATES = 3


@register("token_cost_drop")
class TokenCostDropParams(ChapterParams):
    """Parameters of ``notebooks/token_cost_drop.ipynb``: field order and defaults equal its parameters cell (tested)."""

    from_model: str = Field(
        "GPT-4 (8k)",
        description="earlier model of the claimed drop (its first dated price)",
        json_schema_extra={"unit": "", "allowed": "a name from the price table's model column"},
    )
    to_model: str = Field(
        "Gemini 1.5 Flash",
        description="later model of the claimed drop (its first dated price)",
        json_schema_extra={"unit": "", "allowed": "a model of the price table dated after from_model"},
    )
    price_convention: PriceConvention = Field(
        "mean_in_out",
        description="how input and output prices make one price per million tokens",
        json_schema_extra={"unit": ""},
    )
    capability_benchmark: Benchmark = Field(
        "MMLU",
        description="benchmark that defines fixed capability",
        json_schema_extra={
            "unit": "",
            "allowed": "one of: " + ", ".join(BENCHMARKS) + " (the only score in the curated price table)",
        },
    )
    capability_threshold: float = Field(
        86.0,
        description="minimum benchmark score of a model to count (GPT-4 at launch: 86)",
        json_schema_extra={
            "unit": "% correct",
            "allowed": "a score that models in the window reach on at least 3 dates of new lows",
        },
    )
    start_date: dt.date = Field(
        "2023-03-14",
        description="first date of the fixed-capability fit",
        json_schema_extra={"unit": "date", "allowed": "a date YYYY-MM-DD"},
    )
    end_date: dt.date = Field(
        "2025-08-07",
        description="last date of the fixed-capability fit",
        json_schema_extra={"unit": "date", "allowed": "a date YYYY-MM-DD, not before start_date"},
    )
    confidence_level: float = confidence_level_field("the fitted decline's interval")
    gpu: str = Field(
        "H100",
        description="GPU of the first-principles cost and the new hardware of the decomposition",
        json_schema_extra={"unit": "", "allowed": "a GPU of the spec table with HBM bandwidth and a BF16 peak"},
    )
    gpu_hour_usd: float | None = Field(
        None,
        gt=0,
        description="rental price of the GPU; None = median on-demand price in the data",
        json_schema_extra={"unit": "USD per GPU-hour"},
    )
    active_params_billion: float = Field(
        70.0,
        gt=0,
        description="parameters used per generated token by the served model (an assumption)",
        json_schema_extra={"unit": "billion parameters"},
    )
    total_params_billion: float | None = Field(
        None,
        gt=0,
        description="all parameters of the served model; None = dense (equal to the active ones)",
        json_schema_extra={"unit": "billion parameters"},
    )
    n_experts: int = Field(
        1,
        ge=1,
        description="experts per MoE layer of the served model; 1 = dense",
        json_schema_extra={"unit": "experts"},
    )
    experts_per_token: int = Field(
        1,
        ge=1,
        description="experts each token is routed to (top-k); 1 for a dense model",
        json_schema_extra={"unit": "experts"},
    )
    bytes_per_param: float = Field(
        1.0, gt=0, le=4, description="bytes per weight: 2 BF16, 1 FP8, 0.5 FP4", json_schema_extra={"unit": "bytes"}
    )
    batch_size: int = Field(
        64, gt=0, description="sequences decoded together by one model replica", json_schema_extra={"unit": "sequences"}
    )
    bandwidth_utilization: float = Field(
        0.6,
        gt=0,
        le=1,
        description="fraction of peak HBM bandwidth reached in decode",
        json_schema_extra={"unit": "fraction"},
    )
    context_tokens: float = Field(
        2048.0,
        ge=0,
        description="mean tokens held in each sequence's KV cache during decode; 0 ignores KV reads",
        json_schema_extra={"unit": "tokens"},
    )
    kv_bytes_per_token: float = Field(
        327680.0,
        ge=0,
        description="KV-cache bytes per token of context (Llama 3 70B in BF16: 2 x 80 layers x 8 heads x 128 x 2 bytes)",
        json_schema_extra={"unit": "bytes"},
    )
    software_speedup: float | None = Field(
        None,
        gt=0,
        description="speed-up of serving software on the same hardware; None = the MLPerf chapter's measured range",
        json_schema_extra={"unit": "x"},
    )

    def check(self) -> None:
        from scalinglab import data
        from scalinglab.data import catalog
        from scalinglab.data.prices import gpu_rental_price, purchase_scaled_rental

        prices = data.load_llm_prices()
        a = find_model(prices, self.from_model, name="from_model")
        b = find_model(prices, self.to_model, name="to_model")
        if b["effective_date"] <= a["effective_date"]:
            raise ParameterError(
                "to_model",
                self.to_model,
                f"a model first priced after from_model ({self.from_model}, "
                f"{a['effective_date'].isoformat()}); {self.to_model} is dated "
                f"{b['effective_date'].isoformat()}",
            )
        first, last = prices["effective_date"].min(), prices["effective_date"].max()
        if self.start_date > last:
            raise ParameterError(
                "start_date",
                self.start_date.isoformat(),
                f"a date on or before the last price in the table ({last.isoformat()})",
            )
        if self.end_date < self.start_date:
            raise ParameterError(
                "end_date", self.end_date.isoformat(), f"a date on or after start_date ({self.start_date.isoformat()})"
            )
        if self.end_date < first:
            raise ParameterError(
                "end_date",
                self.end_date.isoformat(),
                f"a date on or after the first price in the table ({first.isoformat()})",
            )
        col = self.capability_benchmark.lower()
        window = prices.filter(pl_between(prices, self.start_date, self.end_date))
        dates = window.filter(window[col] >= self.capability_threshold)["effective_date"].n_unique()
        if dates < MIN_FIT_DATES:
            raise ParameterError(
                "capability_threshold",
                self.capability_threshold,
                f"a score reached by models on at least {MIN_FIT_DATES} dates from "
                f"{self.start_date.isoformat()} to {self.end_date.isoformat()}",
                f"{dates} date(s) qualify; the highest {col} there is {window[col].max()}",
            )
        catalog.gpu_row(data.load_gpu_specs(), self.gpu, "hbm_tb_per_s", "bf16_fp16_dense_tflops", name="gpu")
        if self.gpu_hour_usd is None:
            hw = data.load_hardware_prices()
            try:
                gpu_rental_price(hw, self.gpu, name="gpu_hour_usd")
            except ParameterError as err:
                try:
                    est = purchase_scaled_rental(hw, self.gpu)
                    hint = (
                        f"{err.hint}, e.g. {est.usd_per_chip_hour:.2f}: the {est.reference_gpu} median rental "
                        f"scaled by the ratio of purchase prices, {est.purchase_ratio:.2f}"
                    )
                except ParameterError:
                    hint = err.hint
                raise ParameterError(
                    "gpu_hour_usd", None, f"a price in USD per GPU-hour for gpu {self.gpu!r}", hint
                ) from None
        catalog.weight_format(self.bytes_per_param)
        if self.experts_per_token > self.n_experts:
            raise ParameterError("experts_per_token", self.experts_per_token, f"at most n_experts ({self.n_experts})")
        total = self.total_params_billion
        if total is not None and total < self.active_params_billion:
            raise ParameterError(
                "total_params_billion", total, f"at least active_params_billion ({self.active_params_billion:g})"
            )
        if self.n_experts > self.experts_per_token and (total is None or total <= self.active_params_billion):
            raise ParameterError(
                "total_params_billion",
                total,
                "more than active_params_billion for a "
                f"mixture-of-experts model (n_experts {self.n_experts} > experts_per_token "
                f"{self.experts_per_token})",
            )


def pl_between(prices, start: dt.date, end: dt.date):
    """Mask of price rows dated in [start, end]."""
    return (prices["effective_date"] >= start) & (prices["effective_date"] <= end)
