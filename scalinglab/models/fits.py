"""Log-linear (exponential) trend fits with confidence intervals.

A quantity growing exponentially, y(t) = y0 * exp(g t), is a straight line in
ln y. We fit ln y = a + g t by ordinary least squares and report g with a
two-sided Student-t confidence interval on n - 2 degrees of freedom (the
textbook OLS slope interval; e.g. Montgomery, Peck & Vining, *Introduction to
Linear Regression Analysis*, sec. 2.4). Derived quantities:

* growth factor per year  exp(g)
* percent growth per year (exp(g) - 1) * 100
* doubling time (years)   ln 2 / g            (only meaningful for g > 0)
* decline factor per year exp(-g)             (for falling prices)

The same method is what Epoch AI and Hennessy & Patterson use to quote
doubling times and annual rates, so our numbers are directly comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LN2 = math.log(2.0)


@dataclass(frozen=True)
class LogLinearFit:
    """Result of :func:`fit_loglinear`.

    ``slope`` is g in 1/year (natural log units), ``slope_ci`` its confidence
    interval at ``confidence_level``; ``x_min``/``x_max`` the fitted span (years).
    """

    slope: float
    intercept: float
    slope_ci: tuple[float, float]
    confidence_level: float
    n: int
    r_squared: float
    x_min: float
    x_max: float
    slope_stderr: float = math.nan

    # growth -------------------------------------------------------------
    @property
    def factor_per_year(self) -> float:
        """Multiplicative change per year, exp(g)."""
        return math.exp(self.slope)

    @property
    def factor_per_year_ci(self) -> tuple[float, float]:
        return (math.exp(self.slope_ci[0]), math.exp(self.slope_ci[1]))

    def factor_per(self, years: float) -> float:
        """Multiplicative change over ``years`` years, exp(g * years)."""
        return math.exp(self.slope * years)

    def factor_per_ci(self, years: float) -> tuple[float, float]:
        return (math.exp(self.slope_ci[0] * years), math.exp(self.slope_ci[1] * years))

    @property
    def pct_per_year(self) -> float:
        """Percent growth per year, (exp(g) - 1) * 100."""
        return (math.exp(self.slope) - 1.0) * 100.0

    @property
    def pct_per_year_ci(self) -> tuple[float, float]:
        return tuple((math.exp(s) - 1.0) * 100.0 for s in self.slope_ci)  # type: ignore[return-value]

    @property
    def doubling_years(self) -> float:
        """Ln 2 / g in years; ``inf`` when the fitted trend does not grow."""
        return LN2 / self.slope if self.slope > 0 else math.inf

    @property
    def doubling_years_ci(self) -> tuple[float, float]:
        """(low, high) doubling time; the high end is ``inf`` if the CI reaches g <= 0."""
        lo_s, hi_s = self.slope_ci
        low = LN2 / hi_s if hi_s > 0 else math.inf
        high = LN2 / lo_s if lo_s > 0 else math.inf
        return (low, high)

    # decline (prices) ------------------------------------------------------
    @property
    def decline_factor_per_year(self) -> float:
        """How many times smaller per year, exp(-g) (> 1 for a falling quantity)."""
        return math.exp(-self.slope)

    @property
    def decline_factor_per_year_ci(self) -> tuple[float, float]:
        return (math.exp(-self.slope_ci[1]), math.exp(-self.slope_ci[0]))

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        """Fitted y at ``x`` (same units as the input y)."""
        return np.exp(self.intercept + self.slope * np.asarray(x, dtype=float))


def _as_arrays(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of the same length, got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite (drop missing values before fitting)")
    if np.any(y <= 0):
        raise ValueError("a log-linear fit needs strictly positive y values")
    return x, y


def fit_loglinear(x, y, confidence_level: float = 0.95) -> LogLinearFit:
    """Fit ln y = a + g x by least squares.

    Parameters
    ----------
    x : array of shape (n,), years (decimal years are fine).
    y : array of shape (n,), strictly positive values in any unit.
    confidence_level : in (0, 1), for the two-sided Student-t interval of g.

    Returns
    -------
    LogLinearFit with g in 1/year.

    Raises
    ------
    ValueError if fewer than 3 points, non-positive or non-finite values,
    mismatched shapes, all x equal, or a confidence level outside (0, 1).
    """
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}")
    x, y = _as_arrays(x, y)
    n = x.size
    if n < 3:
        raise ValueError(f"need at least 3 points for a fit with a confidence interval, got {n}")
    if np.ptp(x) == 0:
        raise ValueError("all x values are equal; the slope is undefined")
    from scipy import stats  # imported here: validation paths that only check feasibility stay light

    res = stats.linregress(x, np.log(y))
    tcrit = stats.t.ppf(0.5 + confidence_level / 2.0, n - 2)
    half = tcrit * res.stderr
    return LogLinearFit(
        slope=float(res.slope),
        intercept=float(res.intercept),
        slope_ci=(float(res.slope - half), float(res.slope + half)),
        confidence_level=confidence_level,
        n=int(n),
        r_squared=float(res.rvalue**2),
        x_min=float(x.min()),
        x_max=float(x.max()),
        slope_stderr=float(res.stderr),
    )


@dataclass(frozen=True)
class SlopeDifference:
    """Result of :func:`compare_slopes`: ``later.slope - earlier.slope`` (1/year) and its interval."""

    difference: float
    ci_low: float
    ci_high: float
    confidence_level: float

    @property
    def word(self) -> str:
        """``"faster"`` when the whole interval is above zero, ``"slower"`` below, else ``"no different"``."""
        if self.ci_low > 0:
            return "faster"
        if self.ci_high < 0:
            return "slower"
        return "no different"


def compare_slopes(earlier: LogLinearFit, later: LogLinearFit, confidence_level: float = 0.95) -> SlopeDifference:
    """Difference of two independent fitted growth rates with a normal-approximation interval.

    The interval is ``d +/- z * sqrt(se_1**2 + se_2**2)`` with ``z`` the two-sided normal quantile at
    ``confidence_level`` and ``se`` each fit's slope standard error (the usual test for equal slopes of two
    independent regressions; e.g. Zar, *Biostatistical Analysis*, sec. 18.1, large-sample form).

    Parameters
    ----------
    earlier, later : LogLinearFit
        Fits of two disjoint samples (e.g. before and after a year), with ``slope_stderr`` set.
    confidence_level : float
        In (0, 1).

    Returns
    -------
    SlopeDifference
        ``later.slope - earlier.slope`` in 1/year, and its interval.

    Raises
    ------
    ValueError
        For a confidence level outside (0, 1) or a fit without a finite standard error.
    """
    if not 0.0 < confidence_level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level}")
    if not (math.isfinite(earlier.slope_stderr) and math.isfinite(later.slope_stderr)):
        raise ValueError("both fits need a finite slope_stderr (fit them with fit_loglinear)")
    from scipy import stats

    d = later.slope - earlier.slope
    half = stats.norm.ppf(0.5 + confidence_level / 2.0) * math.hypot(earlier.slope_stderr, later.slope_stderr)
    return SlopeDifference(difference=d, ci_low=d - half, ci_high=d + half, confidence_level=confidence_level)


@dataclass(frozen=True)
class PiecewiseFit:
    """Two independent log-linear segments split at ``break_x``.

    ``before`` covers x < break_x, ``after`` covers x >= break_x; ``sse`` is the
    total sum of squared residuals in ln y; ``detected`` says whether the break
    was chosen by least residual (True) or fixed by the caller (False).
    """

    break_x: float
    before: LogLinearFit
    after: LogLinearFit
    sse: float
    detected: bool


def _sse(x: np.ndarray, ly: np.ndarray) -> float:
    slope, intercept = np.polyfit(x, ly, 1)
    return float(np.sum((ly - (intercept + slope * x)) ** 2))


def _prefix_sse(x: np.ndarray, ly: np.ndarray) -> np.ndarray:
    """SSE of the OLS line through the first k points, for k = 1..n (O(n) via running sums)."""
    xc = x - x.mean()
    yc = ly - ly.mean()
    k = np.arange(1, x.size + 1, dtype=float)
    sx, sy = np.cumsum(xc), np.cumsum(yc)
    sxx = np.cumsum(xc * xc) - sx * sx / k
    syy = np.cumsum(yc * yc) - sy * sy / k
    sxy = np.cumsum(xc * yc) - sx * sy / k
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = syy - np.where(sxx > 0, sxy * sxy / sxx, 0.0)
    return np.maximum(sse, 0.0)


def _break_sses(x: np.ndarray, ly: np.ndarray, min_points: int, min_span: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Candidate breaks (distinct sorted x values) and the total two-segment SSE at each.

    ``x`` must be sorted. A candidate b splits x < b | x >= b and needs at least
    ``min_points`` points, two distinct x values, and an x span of at least
    ``min_span`` on each side.
    """
    n = x.size
    pre = _prefix_sse(x, ly)
    suf = _prefix_sse(x[::-1], ly[::-1])[::-1]  # suf[i]: SSE of points i..n-1
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])  # first index of each distinct x
    ok = (starts >= min_points) & (n - starts >= min_points)
    starts = starts[ok]
    ok = (x[starts - 1] - x[0] >= max(min_span, 1e-12)) & (x[-1] - x[starts] >= max(min_span, 1e-12))
    starts = starts[ok]
    return x[starts], pre[starts - 1] + suf[starts]


def check_break(x, break_x: float | None = None, min_points: int = 3, min_span: float = 0.0) -> None:
    """Raise ``ValueError`` unless :func:`fit_piecewise_loglinear` can fit two segments to ``x`` (years).

    Same rules as the fit (a fixed break needs ``min_points`` points and two distinct x values
    per side; a detected break also ``min_span`` years per side), using numpy only, so
    parameter validation can call it cheaply.
    """
    x = np.sort(np.asarray(x, dtype=float))
    if break_x is None:
        cands, _ = _break_sses(x, np.zeros_like(x), min_points, min_span)
        if cands.size == 0:
            raise ValueError(
                f"no break leaves {min_points} points spanning {min_span} on both sides of {x.size} points"
            )
        return
    left, right = x[x < break_x], x[x >= break_x]
    if left.size < min_points or right.size < min_points or np.ptp(left) == 0 or np.ptp(right) == 0:
        raise ValueError(
            f"break at {break_x} leaves fewer than {min_points} points on one side "
            f"(data span {x.min():.1f}-{x.max():.1f})"
        )


def fit_piecewise_loglinear(
    x,
    y,
    break_x: float | None = None,
    min_points: int = 3,
    confidence_level: float = 0.95,
    min_span: float = 0.0,
) -> PiecewiseFit:
    """Fit two log-linear segments; choose the break by least total residual.

    Candidate breaks are the distinct x values that leave at least
    ``min_points`` points, two distinct x values and an x span of at least
    ``min_span`` (years) on each side, so a segment of three points a few weeks apart
    cannot win; the chosen
    break minimises the summed squared residuals of ln y of the two separate
    OLS fits (a one-break structural-change search as in Bai & Perron, 1998).
    With ``break_x`` given, it is used as is.

    Returns a :class:`PiecewiseFit`. Raises ``ValueError`` when no break leaves
    ``min_points`` on both sides, or for the input errors of :func:`fit_loglinear`.
    """
    x, y = _as_arrays(x, y)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    ly = np.log(y)
    if min_points < 3:
        raise ValueError(f"min_points must be at least 3, got {min_points}")
    if break_x is not None:
        check_break(x, break_x, min_points)
        best, detected = float(break_x), False
    else:
        cands, sses = _break_sses(x, ly, min_points, min_span)
        if cands.size == 0:
            raise ValueError(
                f"no break leaves {min_points} points spanning {min_span} on both sides of {x.size} points"
            )
        best, detected = float(cands[int(np.argmin(sses))]), True
    left, right = x < best, x >= best
    before = fit_loglinear(x[left], y[left], confidence_level)
    after = fit_loglinear(x[right], y[right], confidence_level)
    sse = _sse(x[left], ly[left]) + _sse(x[right], ly[right])
    return PiecewiseFit(break_x=best, before=before, after=after, sse=sse, detected=detected)


def bootstrap_break(
    x, y, n_boot: int = 500, seed: int = 0, min_points: int = 3, confidence_level: float = 0.95, min_span: float = 0.0
) -> tuple[float, float]:
    """Percentile bootstrap interval (years) of the least-residual break.

    Resamples the (x, y) pairs with replacement ``n_boot`` times using
    ``numpy.random.default_rng(seed)`` and reruns the break search; returns the
    (low, high) percentiles at ``confidence_level``. Deterministic for a given seed.
    """
    x, y = _as_arrays(x, y)
    rng = np.random.default_rng(seed)
    breaks = []
    for _ in range(n_boot):
        idx = np.sort(rng.integers(0, x.size, x.size))
        xs, ys = x[idx], np.log(y[idx])
        order = np.argsort(xs, kind="stable")
        cands, sses = _break_sses(xs[order], ys[order], min_points, min_span)
        if cands.size:
            breaks.append(cands[int(np.argmin(sses))])
    if not breaks:
        raise ValueError("no bootstrap resample admitted a break")
    a = (1.0 - confidence_level) / 2.0
    lo, hi = np.quantile(np.asarray(breaks), [a, 1.0 - a])
    return float(lo), float(hi)


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth factor between two values ``years`` apart.

    Returns (end/start)**(1/years); raises ``ValueError`` for non-positive inputs.
    """
    if start_value <= 0 or end_value <= 0 or years <= 0:
        raise ValueError("cagr needs positive start, end and years")
    return (end_value / start_value) ** (1.0 / years)
