"""Parameters of the page *The claims, checked* (``notebooks/claims.ipynb``).

The page reads the executed chapters in ``executed_dir`` (the ledger) and judges each claim by a rule whose
thresholds are the parameters below. The chapters' own parameters are not repeated here: the ledger reads the
parameters each chapter ran with from its run record.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from scalinglab.analyses.claims import Thresholds
from scalinglab.book.schemas import ChapterParams, register
from scalinglab.errors import ParameterError
from scalinglab.paths import REPO_ROOT

_T = Thresholds()


@register("claims")
class ClaimsParams(ChapterParams):
    """Parameters of ``notebooks/claims.ipynb``: field order and defaults equal its parameters cell (tested)."""

    executed_dir: str = Field(
        "executed",
        description="folder of the executed chapters the ledger reads, relative to the repository root or absolute",
        json_schema_extra={"unit": "path"},
    )
    promise_low_x: float = Field(
        _T.promise_low_x,
        gt=1,
        le=100,
        description="lower end of the promised growth per year (claims 1 and 2)",
        json_schema_extra={"unit": "x per year"},
    )
    promise_high_x: float = Field(
        _T.promise_high_x,
        gt=1,
        le=100,
        description="upper end of the promised growth per year (claims 1 and 2)",
        json_schema_extra={"unit": "x per year"},
    )
    major_share_pct: float = Field(
        _T.major_share_pct,
        gt=0,
        le=100,
        description="share of the log gain that makes the number format a major source (claim 4)",
        json_schema_extra={"unit": "%"},
    )
    minor_share_pct: float = Field(
        _T.minor_share_pct,
        ge=0,
        le=100,
        description="share of the log gain from which the format counts as a partial source (claim 4)",
        json_schema_extra={"unit": "%"},
    )
    min_domain_efficiency_gain_x: float = Field(
        _T.min_domain_efficiency_gain_x,
        ge=1,
        le=100,
        description="efficiency gain of 72-GPU over 8-GPU NVLink "
        "domains that makes the scale-up domain decide how far a job scales (claim 5)",
        json_schema_extra={"unit": "x"},
    )
    claimed_token_drop_x: float = Field(
        _T.claimed_token_drop_x,
        gt=1,
        le=1e6,
        description="the claimed fall in the price of a million tokens (claim 7)",
        json_schema_extra={"unit": "x"},
    )
    price_tolerance_x: float = Field(
        _T.price_tolerance_x,
        ge=1,
        le=100,
        description="a price ratio within this factor of the claim reproduces it (claim 7)",
        json_schema_extra={"unit": "x"},
    )
    prefill_prompt_tokens: int = Field(
        _T.prefill_prompt_tokens,
        ge=1,
        le=10_000_000,
        description="prompt length of the prefill phase (claim 8)",
        json_schema_extra={"unit": "tokens"},
    )

    def check(self) -> None:
        if self.promise_high_x < self.promise_low_x:
            raise ParameterError(
                "promise_high_x", self.promise_high_x, f"a value at least promise_low_x ({self.promise_low_x:g})"
            )
        if self.minor_share_pct > self.major_share_pct:
            raise ParameterError(
                "minor_share_pct", self.minor_share_pct, f"a share at most major_share_pct ({self.major_share_pct:g})"
            )
        if not self.folder.is_dir():
            raise ParameterError(
                "executed_dir",
                self.executed_dir,
                f"an existing folder of executed chapters ({self.folder} does not exist; run `make notebooks` first)",
            )

    @property
    def folder(self) -> Path:
        """``executed_dir`` as an absolute path (relative paths start at the repository root)."""
        p = Path(self.executed_dir)
        return p if p.is_absolute() else REPO_ROOT / p

    def thresholds(self) -> Thresholds:
        """The rules' thresholds as :class:`~scalinglab.analyses.claims.Thresholds`."""
        return Thresholds(**{k: getattr(self, k) for k in Thresholds.__dataclass_fields__})
