"""The chapter *Moore's-law limits*, first half: trends, Moore's law, breaks, Hennessy and Patterson's eras.

Every number and verdict word the chapter prints comes from a function of this module or of
:mod:`.moores_law_limits_outlook`; :func:`scalinglab.analyses.moores_law_limits.analyse` runs them all.

Rules the page states (constants of this module, glued where the page quotes them):

* **Moore's law** (:data:`MOORE_1975_DOUBLING_YEARS`): transistor counts double every two years (Moore's
  1975 revision). The window's doubling-time interval *matches* it when it contains 2 years; the
  growth after ``transistor_split_year`` is *faster*/*slower*/*no different* from the growth before
  when the interval of the difference of the two slopes lies above / below / around zero.
* **Post-break trend**: a series *kept growing* (or *fell*) after its break when the whole confidence
  interval of its post-break growth is above (below) zero, and *was flat* otherwise.
* **Dating a break** (:data:`DATABLE_BREAK_YEARS`): a bootstrap interval wider than this does not date a
  break, so two breaks are said to coincide only when both are dated and their intervals overlap.
* **Hennessy and Patterson eras**: an era *differs* when our interval excludes the published rate,
  *agrees* when it contains it and is at most ``informative_ci_width_pct`` percentage points wide, and is
  *not informative* otherwise.
* **GPU chips against 2-3x per year**: *below*/*above* a line when the whole interval of the fitted
  factor per year is below/above it, *consistent with* it otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from scalinglab import data
from scalinglab.models import fits

RUPP_SOURCE = "Karl Rupp, microprocessor trend data (CC BY 4.0)"
GPU_SOURCE = "curated NVIDIA GPU spec table"
#: Moore's 1975 revision: transistor counts per chip double every two years.
MOORE_1975_DOUBLING_YEARS = 2.0
#: Each side of a piecewise fit must span at least this many years (three processors released within
#: weeks of each other are not a trend).
MIN_SEGMENT_YEARS = 3.0
#: Bootstrap resamples of the break search.
N_BOOT = 400
#: Widest bootstrap interval (years) that still dates a break.
DATABLE_BREAK_YEARS = 10.0
#: Year of the interview, the start of every projection.
INTERVIEW_YEAR = 2024
#: NVIDIA's stated aim, factors per year ("double or triple performance every year").
AIM_FACTORS_PER_YEAR = (2.0, 3.0)
#: Formats whose energy per FLOP the energy table lists, widest first.
ENERGY_FORMATS = ("FP64", "FP32", "BF16", "FP8", "FP4")
#: GPU entries shown beside Horowitz's figures: the most efficient ones.
ENERGY_GPU_ROWS = 6
#: The 16-bit format of the chip-level GPU series (the widest format every chip has on tensor cores).
GPU_SERIES_FORMAT = "BF16"

METRIC_NAMES = {
    "single_thread_performance": "single-thread performance",
    "frequency": "clock frequency",
    "typical_power": "typical power",
    "transistors": "transistor count",
    "logical_cores": "logical cores",
}


def fit_window(trends: pl.DataFrame, start_year: int, end_year: int) -> pl.DataFrame:
    """Rows of :func:`scalinglab.data.load_all_microprocessor_trends` with ``start <= year < end + 1``."""
    return trends.filter((pl.col("year") >= start_year) & (pl.col("year") < end_year + 1))


def _xy(frame: pl.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    d = frame.filter(pl.col("metric") == metric)
    return d["year"].to_numpy(), d["value"].to_numpy()


def trend_fits(window: pl.DataFrame, confidence_level: float) -> pl.DataFrame:
    """One log-linear fit per metric with at least 3 points in ``window``.

    Returns columns ``title``, ``points``, ``growth_pct_per_year``, ``doubling_years``, ``doubling_ci_low``,
    ``doubling_ci_high`` (years; ``inf`` where the interval reaches zero growth), ``r_squared``, in the order
    of :data:`scalinglab.data.MICROPROCESSOR_METRICS`.
    """
    rows = []
    for metric, (_, _, title) in data.MICROPROCESSOR_METRICS.items():
        x, y = _xy(window, metric)
        if x.size < 3:
            continue
        f = fits.fit_loglinear(x, y, confidence_level)
        rows.append(
            {
                "title": title,
                "points": f.n,
                "growth_pct_per_year": f.pct_per_year,
                "doubling_years": f.doubling_years,
                "doubling_ci_low": f.doubling_years_ci[0],
                "doubling_ci_high": f.doubling_years_ci[1],
                "r_squared": f.r_squared,
            }
        )
    return pl.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Moore's law itself
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MooresLaw:
    """Transistor doubling over the window, and before and after ``moore_split_year`` (years).

    ``moore_rate_word`` compares the window's interval with two years ("matches", "is faster than",
    "is slower than"); ``moore_pace_word`` compares after with before ("faster", "slower", "no different").
    """

    fit_window: str
    confidence_pct: float
    transistor_doubling_years: float
    transistor_doubling_ci_low: float
    transistor_doubling_ci_high: float
    moore_doubling_years_rule: float
    moore_rate_word: str
    moore_split_year: int
    moore_doubling_years_before: float
    moore_doubling_years_before_ci_low: float
    moore_doubling_years_before_ci_high: float
    moore_doubling_years_after: float
    moore_doubling_years_after_ci_low: float
    moore_doubling_years_after_ci_high: float
    moore_pace_word: str
    moore_last_data_year: int
    moore_verdict: str
    moore_vs_interview: str


def rate_word(ci_low: float, ci_high: float, reference: float) -> str:
    """How a doubling-time interval (years) sits against ``reference`` years: contains it -> "matches";
    entirely shorter -> "is faster than"; entirely longer -> "is slower than".
    """
    if ci_high < reference:
        return "is faster than"
    if ci_low > reference:
        return "is slower than"
    return "matches"


def moores_law(
    window: pl.DataFrame, start_year: int, end_year: int, split_year: int, confidence_level: float, last_data_year: int
) -> MooresLaw:
    """Moore's law tested on the transistor series of ``window``; ``last_data_year``: end of the whole series.

    Raises ``ValueError`` (from the fits) when either side of ``split_year`` holds fewer than 3 points.
    """
    x, y = _xy(window, "transistors")
    whole = fits.fit_loglinear(x, y, confidence_level)
    before = fits.fit_loglinear(x[x < split_year], y[x < split_year], confidence_level)
    after = fits.fit_loglinear(x[x >= split_year], y[x >= split_year], confidence_level)
    pace = fits.compare_slopes(before, after, confidence_level).word
    rate = rate_word(*whole.doubling_years_ci, MOORE_1975_DOUBLING_YEARS)
    last = int(math.floor(x.max()))  # last transistor point inside the window
    alive = rate != "is slower than" and pace != "slower"
    verdict = (
        f"not exhausted in these data: through {last} transistor counts kept doubling about every "
        f"{whole.doubling_years:.1f} years"
        if alive
        else f"slowing in these data: through {last} transistor counts doubled every "
        f"{whole.doubling_years:.1f} years, {'slower after' if pace == 'slower' else 'slower than'} "
        f"{split_year if pace == 'slower' else 'the two years of the 1975 rule'}"
    )
    return MooresLaw(
        fit_window=f"{start_year}-{end_year}",
        confidence_pct=100 * confidence_level,
        transistor_doubling_years=whole.doubling_years,
        transistor_doubling_ci_low=whole.doubling_years_ci[0],
        transistor_doubling_ci_high=whole.doubling_years_ci[1],
        moore_doubling_years_rule=MOORE_1975_DOUBLING_YEARS,
        moore_rate_word=rate,
        moore_split_year=split_year,
        moore_doubling_years_before=before.doubling_years,
        moore_doubling_years_before_ci_low=before.doubling_years_ci[0],
        moore_doubling_years_before_ci_high=before.doubling_years_ci[1],
        moore_doubling_years_after=after.doubling_years,
        moore_doubling_years_after_ci_low=after.doubling_years_ci[0],
        moore_doubling_years_after_ci_high=after.doubling_years_ci[1],
        moore_pace_word=pace,
        moore_last_data_year=last_data_year,
        moore_verdict=verdict,
        moore_vs_interview="these transistor counts do not show it" if alive else "these transistor counts agree",
    )


# ---------------------------------------------------------------------------------------------
# Breaks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakFit:
    """A two-segment fit of one metric; ``ci_low``/``ci_high`` is the bootstrap interval of the break
    year (NaN when the break was fixed by the caller).
    """

    metric: str
    fit: fits.PiecewiseFit
    ci_low: float
    ci_high: float

    @property
    def ci_text(self) -> str:
        """``"2003-2007"``, or a note that the break was fixed."""
        if not self.fit.detected:
            return "fixed by the break_year parameter"
        return f"{self.ci_low:.0f}-{self.ci_high:.0f}"


def break_fit(
    window: pl.DataFrame, metric: str, break_year: int | None, confidence_level: float, seed: int
) -> BreakFit:
    """Piecewise log-linear fit of ``metric`` in ``window``, with a seeded bootstrap interval of the break.

    Raises ``ValueError`` when no break leaves 3 points and :data:`MIN_SEGMENT_YEARS` on both sides.
    """
    x, y = _xy(window, metric)
    pf = fits.fit_piecewise_loglinear(
        x, y, break_x=break_year, confidence_level=confidence_level, min_span=MIN_SEGMENT_YEARS
    )
    lo, hi = (
        fits.bootstrap_break(
            x, y, n_boot=N_BOOT, seed=seed, confidence_level=confidence_level, min_span=MIN_SEGMENT_YEARS
        )
        if break_year is None
        else (math.nan, math.nan)
    )
    return BreakFit(metric=metric, fit=pf, ci_low=lo, ci_high=hi)


def break_fits(
    window: pl.DataFrame, break_year: int | None, confidence_level: float, seed: int
) -> tuple[dict[str, BreakFit], list[str]]:
    """:func:`break_fit` of every metric; returns the fits by metric and the metrics without one (with why)."""
    out, missing = {}, []
    for metric in data.MICROPROCESSOR_METRICS:
        try:
            out[metric] = break_fit(window, metric, break_year, confidence_level, seed)
        except ValueError as err:
            missing.append(f"{METRIC_NAMES[metric]} ({err})")
    return out, missing


def break_table(breaks: dict[str, BreakFit]) -> pl.DataFrame:
    """One row per metric: ``title``, ``break_year``, ``break_ci_low``/``high``, growth (%/yr) before and
    after with the interval of the post-break growth.
    """
    return pl.DataFrame(
        [
            {
                "metric": m,
                "title": data.MICROPROCESSOR_METRICS[m][2],
                "break_year": b.fit.break_x,
                "break_ci_low": b.ci_low,
                "break_ci_high": b.ci_high,
                "growth_pct_per_year_before": b.fit.before.pct_per_year,
                "growth_pct_per_year_after": b.fit.after.pct_per_year,
                "after_ci_low": b.fit.after.pct_per_year_ci[0],
                "after_ci_high": b.fit.after.pct_per_year_ci[1],
            }
            for m, b in breaks.items()
        ],
        schema_overrides={"break_ci_low": pl.Float64, "break_ci_high": pl.Float64},
    )


def trend_word(ci_low: float, ci_high: float) -> str:
    """Post-break trend from its growth interval (%/yr): "kept growing", "fell" or "was flat"."""
    if ci_low > 0:
        return "kept growing"
    if ci_high < 0:
        return "fell"
    return "was flat"


def timing_sentence(a: BreakFit, b: BreakFit) -> str:
    """Whether the breaks of two series coincide, by the rule of :data:`DATABLE_BREAK_YEARS`."""
    na, nb = METRIC_NAMES[a.metric], METRIC_NAMES[b.metric]
    if not (a.fit.detected and b.fit.detected):
        return "with the break year fixed by a parameter, the data cannot date either break"
    wide = [(n, x) for n, x in ((na, a), (nb, b)) if x.ci_high - x.ci_low > DATABLE_BREAK_YEARS]
    if wide:
        n, x = max(wide, key=lambda t: t[1].ci_high - t[1].ci_low)
        return (
            f"the {n} break's interval spans {x.ci_high - x.ci_low:.0f} years, too wide to say whether it "
            f"coincided with the {nb if n == na else na} break"
        )
    if a.ci_low <= b.ci_high and b.ci_low <= a.ci_high:
        return f"the {na} and {nb} breaks coincide within their intervals"
    return f"the {na} and {nb} breaks fall at different times: their intervals do not overlap"


@dataclass(frozen=True)
class Breaks:
    """The glued summary of the break analysis (single-thread, frequency and power)."""

    single_thread_break_year: float
    single_thread_break_ci: str
    single_thread_growth_pct_per_year_before: float
    single_thread_growth_pct_per_year_after: float
    frequency_break_year: float
    frequency_break_ci: str
    frequency_growth_pct_per_year_after: float
    frequency_growth_ci_low: float
    frequency_growth_ci_high: float
    frequency_trend_word: str
    power_break_year: float
    power_break_ci: str
    power_break_ci_width_years: float
    power_growth_pct_per_year_after: float
    power_growth_ci_low: float
    power_growth_ci_high: float
    power_trend_word: str
    datable_break_years: float
    dennard_timing: str
    dennard_claim: str
    break_comment: str


def breaks_summary(breaks: dict[str, BreakFit]) -> Breaks:
    """Summary of :func:`break_fits`; needs the single-thread fit, and NaN/"no fit" for a missing one."""
    st = breaks["single_thread_performance"]
    fr, pw = breaks.get("frequency"), breaks.get("typical_power")
    nan = math.nan

    def after(b: BreakFit | None) -> tuple[float, float, float]:
        return (b.fit.after.pct_per_year, *b.fit.after.pct_per_year_ci) if b else (nan, nan, nan)

    f_after, p_after = after(fr), after(pw)
    mid = fr is not None and all(2002 <= b <= 2008 for b in (st.fit.break_x, fr.fit.break_x))
    return Breaks(
        single_thread_break_year=st.fit.break_x,
        single_thread_break_ci=st.ci_text,
        single_thread_growth_pct_per_year_before=st.fit.before.pct_per_year,
        single_thread_growth_pct_per_year_after=st.fit.after.pct_per_year,
        frequency_break_year=fr.fit.break_x if fr else nan,
        frequency_break_ci=fr.ci_text if fr else "no fit",
        frequency_growth_pct_per_year_after=f_after[0],
        frequency_growth_ci_low=f_after[1],
        frequency_growth_ci_high=f_after[2],
        frequency_trend_word=trend_word(*f_after[1:]) if fr else "no fit",
        power_break_year=pw.fit.break_x if pw else nan,
        power_break_ci=pw.ci_text if pw else "no fit",
        power_break_ci_width_years=(pw.ci_high - pw.ci_low) if pw else nan,
        power_growth_pct_per_year_after=p_after[0],
        power_growth_ci_low=p_after[1],
        power_growth_ci_high=p_after[2],
        power_trend_word=trend_word(*p_after[1:]) if pw else "no fit",
        datable_break_years=DATABLE_BREAK_YEARS,
        dennard_timing=timing_sentence(fr, pw) if fr and pw else "one of the two series has no break fit here",
        dennard_claim=(
            "the data support"
            if fr
            and pw
            and trend_word(*f_after[1:]) == trend_word(*p_after[1:]) == "was flat"
            and "coincide" in timing_sentence(fr, pw)
            else "the data do not support"
        ),
        break_comment=(
            'Both breaks fall in the mid-2000s: the end of the era of "free" single-thread speed-ups'
            if mid
            else "In this window the breaks do not both fall in the mid-2000s, where the full "
            "record places the end of Dennard scaling; widen the window to see it"
        ),
    )


# ---------------------------------------------------------------------------------------------
# Hennessy and Patterson's eras
# ---------------------------------------------------------------------------------------------


def era_verdict(hp_pct: float, ci_low: float | None, ci_high: float | None, max_width_pp: float) -> str:
    """Verdict of one era against its published rate ``hp_pct`` (%/yr).

    "differs" (our interval excludes the rate), "agrees" (contains it and is at most ``max_width_pp``
    percentage points wide), "not informative" (contains it, wider) or "no data" (no fit).
    """
    if ci_low is None or ci_high is None:
        return "no data"
    if not ci_low <= hp_pct <= ci_high:
        return "differs"
    return "agrees" if ci_high - ci_low <= max_width_pp else "not informative"


def hp_eras(trends: pl.DataFrame, confidence_level: float, max_width_pp: float) -> pl.DataFrame:
    """Single-thread growth per Hennessy-Patterson era, published and fitted to Rupp's series.

    Columns: ``era``, ``hp_pct_per_year``, ``points``, ``ours_pct_per_year``, ``ours_ci_low``, ``ours_ci_high``,
    ``ci_width_pp`` (percentage points), ``verdict`` (:func:`era_verdict`); eras in published order. The fits
    use every single-thread point in the era, whatever the chapter's window.
    """
    anchors = data.load_growth_anchors().filter(pl.col("id").str.starts_with("hp_era")).sort("id")
    x, y = _xy(trends, "single_thread_performance")
    rows = []
    for a in anchors.iter_rows(named=True):
        start, end = (int(v) for v in a["period"].split("-"))
        keep = (x >= start) & (x < end + 1)
        lo = hi = pct = None
        if keep.sum() >= 3:
            f = fits.fit_loglinear(x[keep], y[keep], confidence_level)
            pct, (lo, hi) = f.pct_per_year, f.pct_per_year_ci
        rows.append(
            {
                "era": a["period"],
                "hp_pct_per_year": a["value_number"],
                "points": int(keep.sum()),
                "ours_pct_per_year": pct,
                "ours_ci_low": lo,
                "ours_ci_high": hi,
                "ci_width_pp": None if lo is None else hi - lo,
                "verdict": era_verdict(a["value_number"], lo, hi, max_width_pp),
            }
        )
    return pl.DataFrame(
        rows,
        schema_overrides={c: pl.Float64 for c in ("ours_pct_per_year", "ours_ci_low", "ours_ci_high", "ci_width_pp")},
    )


@dataclass(frozen=True)
class ErasSummary:
    """Counts and lists of :func:`hp_eras` verdicts; ``hp_compared_count`` counts informative eras only."""

    hp_agree_count: int
    hp_compared_count: int
    hp_disagree_eras: str
    hp_uninformative_eras: str
    hp_differences: str
    hp_max_ci_width_pp: float


def eras_summary(eras: pl.DataFrame, max_width_pp: float) -> ErasSummary:
    """Summary sentences of :func:`hp_eras` ("none" where a list is empty)."""
    differ = eras.filter(pl.col("verdict") == "differs")
    vague = eras.filter(pl.col("verdict") == "not informative")["era"].to_list()
    detail = "; ".join(
        f"{r['era']}: {r['ours_pct_per_year']:.0f}% per year against their {r['hp_pct_per_year']:g}%"
        for r in differ.iter_rows(named=True)
    )
    return ErasSummary(
        hp_agree_count=int((eras["verdict"] == "agrees").sum()),
        hp_compared_count=int(eras["verdict"].is_in(["agrees", "differs"]).sum()),
        hp_disagree_eras=", ".join(differ["era"].to_list()) or "none",
        hp_uninformative_eras=", ".join(vague) or "none",
        hp_differences=detail or "none",
        hp_max_ci_width_pp=max_width_pp,
    )
