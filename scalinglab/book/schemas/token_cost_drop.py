"""Parameters of the chapter *The 240x drop in the cost of tokens* (``notebooks/token_cost_drop.ipynb``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from scalinglab.errors import ParameterError
from scalinglab.book.schemas import ChapterParams, register

PriceConvention = Literal["mean_in_out", "blend_3to1", "input", "output"]
#: The curated price table carries one capability score, MMLU; Epoch's fitted
#: factors for other benchmarks are shown for comparison but cannot be refitted.
Benchmark = Literal["MMLU"]


@register("token_cost_drop")
class TokenCostDropParams(ChapterParams):
    """Parameters of ``notebooks/token_cost_drop.ipynb``: field order and defaults equal its parameters cell (tested)."""
    from_model: str = Field("GPT-4 (8k)", description="earlier model of the claimed drop (its first dated price)",
                            json_schema_extra={"unit": "", "allowed": "a name from the price table's model column"})
    to_model: str = Field("Gemini 1.5 Flash", description="later model of the claimed drop (its first dated price)",
                          json_schema_extra={"unit": "", "allowed": "a model of the price table dated after from_model"})
    price_convention: PriceConvention = Field(
        "mean_in_out", description="how input and output prices make one price per million tokens",
        json_schema_extra={"unit": ""})
    capability_benchmark: Benchmark = Field(
        "MMLU", description="benchmark that defines fixed capability",
        json_schema_extra={"unit": "", "allowed": "one of: MMLU (the only score in the curated price table)"})
    capability_threshold: float = Field(86.0, description="minimum benchmark score of a model to count (GPT-4 at launch: 86)",
                                        json_schema_extra={"unit": "% correct", "allowed": "a score that models in the window reach on at least 3 dates of new lows"})
    start_date: dt.date = Field("2023-03-14", description="first date of the fixed-capability fit",
                                json_schema_extra={"unit": "date", "allowed": "a date YYYY-MM-DD"})
    end_date: dt.date = Field("2025-08-07", description="last date of the fixed-capability fit",
                              json_schema_extra={"unit": "date", "allowed": "a date YYYY-MM-DD, not before start_date"})
    gpu: str = Field("H100", description="GPU of the first-principles cost and the new hardware of the decomposition",
                     json_schema_extra={"unit": "", "allowed": "a GPU of the spec table with HBM bandwidth and a BF16 peak"})
    gpu_hour_usd: float | None = Field(None, gt=0, description="rental price of the GPU; None = median on-demand price in the data",
                                       json_schema_extra={"unit": "USD per GPU-hour"})
    active_params_billion: float = Field(70.0, gt=0, description="parameters read per generated token of the served model",
                                         json_schema_extra={"unit": "billion parameters"})
    bytes_per_param: float = Field(1.0, gt=0, le=4, description="bytes per weight: 2 BF16, 1 FP8, 0.5 FP4",
                                   json_schema_extra={"unit": "bytes"})
    batch_size: int = Field(64, gt=0, description="sequences decoded together per GPU",
                            json_schema_extra={"unit": "sequences"})
    bandwidth_utilization: float = Field(0.6, gt=0, le=1, description="fraction of peak HBM bandwidth reached in decode",
                                         json_schema_extra={"unit": "fraction"})
    software_speedup: float = Field(3.0, gt=0, description="speed-up of serving software on the same hardware",
                                    json_schema_extra={"unit": "x"})

    def check(self) -> None:
        from scalinglab import data
        from scalinglab.analyses import token_cost_drop as tokens

        prices = data.load_llm_prices()
        a = tokens.find_model(prices, self.from_model, name="from_model")
        b = tokens.find_model(prices, self.to_model, name="to_model")
        if b["effective_date"] <= a["effective_date"]:
            raise ParameterError("to_model", self.to_model,
                                 f"a model first priced after from_model ({self.from_model}, "
                                 f"{a['effective_date'].isoformat()}); {self.to_model} is dated "
                                 f"{b['effective_date'].isoformat()}")
        first, last = prices["effective_date"].min(), prices["effective_date"].max()
        if self.start_date > last:
            raise ParameterError("start_date", self.start_date.isoformat(),
                                 f"a date on or before the last price in the table ({last.isoformat()})")
        if self.end_date < self.start_date:
            raise ParameterError("end_date", self.end_date.isoformat(),
                                 f"a date on or after start_date ({self.start_date.isoformat()})")
        if self.end_date < first:
            raise ParameterError("end_date", self.end_date.isoformat(),
                                 f"a date on or after the first price in the table ({first.isoformat()})")
        # raises ParameterError naming capability_threshold when no model reaches it, or too few to fit
        tokens.fixed_capability_decline(prices, self.capability_threshold, self.start_date, self.end_date,
                                        self.price_convention, score_col="mmlu")
        tokens.gpu_spec(data.load_gpu_specs(), self.gpu, name="gpu")
        if self.gpu_hour_usd is None:
            hw = data.load_hardware_prices()
            try:
                tokens.gpu_rental_price(hw, self.gpu, name="gpu_hour_usd")
            except ParameterError as err:
                try:
                    est = tokens.purchase_scaled_rental(hw, self.gpu)
                    hint = (f"{err.hint}, e.g. {est.usd_per_chip_hour:.2f}: the {est.reference_gpu} median rental "
                            f"scaled by the ratio of purchase prices, {est.purchase_ratio:.2f}")
                except ParameterError:
                    hint = err.hint
                raise ParameterError("gpu_hour_usd", None, f"a price in USD per GPU-hour for gpu {self.gpu!r}",
                                     hint) from None
        tokens.weight_format(self.bytes_per_param)
