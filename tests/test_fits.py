import math

import numpy as np
import pytest

from scalinglab.models import fits


def synthetic(doubling_years, noise=0.05, n=60, seed=1):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(1970, 2020, n))
    y = 1e3 * 2 ** ((x - 1970) / doubling_years) * np.exp(rng.normal(0, noise, n))
    return x, y


@pytest.mark.parametrize("doubling", [1.5, 2.0, 3.3])
def test_fit_recovers_known_doubling_time(doubling):
    x, y = synthetic(doubling)
    f = fits.fit_loglinear(x, y)
    assert f.doubling_years == pytest.approx(doubling, rel=0.02)
    lo, hi = f.doubling_years_ci
    assert lo < doubling < hi
    assert f.factor_per(doubling) == pytest.approx(2.0, rel=0.03)


def test_exact_exponential_has_zero_width_interval_and_exact_rates():
    x = np.arange(2000, 2010, dtype=float)
    y = 10.0 ** (x - 2000)  # 10x per year
    f = fits.fit_loglinear(x, y)
    assert f.factor_per_year == pytest.approx(10.0)
    assert f.pct_per_year == pytest.approx(900.0)
    assert f.doubling_years == pytest.approx(math.log(2) / math.log(10))
    assert f.slope_ci[1] - f.slope_ci[0] == pytest.approx(0.0, abs=1e-9)
    assert f.r_squared == pytest.approx(1.0)


def test_decline_factor_for_falling_prices():
    x = np.linspace(2021, 2025, 12)
    y = 60.0 / 10 ** (x - 2021)
    f = fits.fit_loglinear(x, y)
    assert f.decline_factor_per_year == pytest.approx(10.0)
    assert f.doubling_years == math.inf


def test_piecewise_finds_known_break():
    x = np.arange(1985, 2021, 0.5)
    y = np.where(x < 2004, 1.5 ** (x - 1985), 1.5**19 * 1.05 ** (x - 2004))
    pf = fits.fit_piecewise_loglinear(x, y * np.exp(np.random.default_rng(0).normal(0, 0.02, x.size)))
    assert pf.detected
    assert pf.break_x == pytest.approx(2004.0, abs=0.6)
    assert pf.before.pct_per_year == pytest.approx(50.0, abs=3)
    assert pf.after.pct_per_year == pytest.approx(5.0, abs=3)


def test_piecewise_fixed_break_and_fast_search_agrees_with_brute_force():
    rng = np.random.default_rng(3)
    x = np.sort(rng.uniform(1980, 2020, 40))
    y = np.exp(rng.normal(0, 1, 40)) * np.where(x < 2000, 1.3 ** (x - 1980), 1.3**20)
    pf = fits.fit_piecewise_loglinear(x, y)
    best = min(
        (fits._sse(x[x < b], np.log(y[x < b])) + fits._sse(x[x >= b], np.log(y[x >= b])), b)
        for b in np.unique(x)
        if (x < b).sum() >= 3 and (x >= b).sum() >= 3
    )
    assert pf.break_x == best[1]
    assert pf.sse == pytest.approx(best[0])
    fixed = fits.fit_piecewise_loglinear(x, y, break_x=2000.0)
    assert not fixed.detected and fixed.break_x == 2000.0


def test_bootstrap_break_is_seeded():
    x = np.arange(1985, 2021, 0.5)
    y = np.where(x < 2004, 1.5 ** (x - 1985), 1.5**19) * np.exp(np.random.default_rng(0).normal(0, 0.1, x.size))
    a = fits.bootstrap_break(x, y, n_boot=100, seed=7)
    assert a == fits.bootstrap_break(x, y, n_boot=100, seed=7)
    assert a[0] <= 2004.5 <= a[1] + 1


@pytest.mark.parametrize(
    "x,y,msg",
    [
        ([1, 2], [1, 2], "at least 3"),
        ([1, 2, 3], [1, 0, 2], "positive"),
        ([1, 1, 1], [1, 2, 3], "equal"),
        ([1, 2, 3], [1, float("nan"), 3], "finite"),
    ],
)
def test_fit_rejects_bad_input(x, y, msg):
    with pytest.raises(ValueError, match=msg):
        fits.fit_loglinear(x, y)


def test_cagr():
    assert fits.cagr(1.0, 8.0, 3.0) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        fits.cagr(0, 1, 1)


def test_min_span_rejects_a_segment_of_a_few_weeks():
    # 30 points on a clean trend, then three points within 0.3 years that jump down
    x = np.r_[np.linspace(1990, 2005.5, 30), [2005.7, 2005.85, 2005.95]]
    y = np.r_[1.3 ** (x[:30] - 1990), [1.0, 0.9, 0.8]]
    short = fits.fit_piecewise_loglinear(x, y)
    assert short.break_x == pytest.approx(2005.7)  # without a span rule the 3-point tail wins
    spanned = fits.fit_piecewise_loglinear(x, y, min_span=3.0)
    assert spanned.after.x_max - spanned.break_x >= 3.0 - 1e-9 or spanned.break_x - spanned.before.x_min >= 3.0
    assert spanned.after.x_max - spanned.after.x_min >= 3.0
    with pytest.raises(ValueError, match="spanning"):
        fits.fit_piecewise_loglinear(x[-6:], y[-6:], min_span=3.0)


def test_compare_slopes_by_hand():
    f = fits.fit_loglinear([0, 1, 2], [1, 2, 4])
    a = fits.LogLinearFit(0.3, 0.0, (0.2, 0.4), 0.95, 10, 1.0, 0, 1, slope_stderr=0.03)
    b = fits.LogLinearFit(0.4, 0.0, (0.3, 0.5), 0.95, 10, 1.0, 0, 1, slope_stderr=0.04)
    d = fits.compare_slopes(a, b, 0.95)
    half = 1.959963984540054 * 0.05  # z_0.975 * sqrt(0.03^2 + 0.04^2)
    assert d.difference == pytest.approx(0.1)
    assert (d.ci_low, d.ci_high) == pytest.approx((0.1 - half, 0.1 + half))
    assert d.word == "faster" and fits.compare_slopes(b, a).word == "slower"
    assert fits.compare_slopes(a, a).word == "no different"
    with pytest.raises(ValueError, match="slope_stderr"):
        fits.compare_slopes(a, fits.LogLinearFit(0.1, 0, (0, 0.2), 0.95, 3, 1, 0, 1))
    assert f.slope_stderr == pytest.approx(0.0, abs=1e-12)  # an exact exponential
