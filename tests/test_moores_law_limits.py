"""The Moore's-law chapter's analysis functions, with hand-computed cases, and its parameter schema in-process."""

import math

import numpy as np
import polars as pl
import pytest

from scalinglab.analyses import moores_law_limits as moore
from scalinglab.analyses import moores_law_limits_charts as show
from scalinglab.analyses import moores_law_limits_outlook as outlook
from scalinglab.analyses import moores_law_limits_trends as trends
from scalinglab.book import schemas
from scalinglab.errors import ParameterError
from scalinglab.models import fits


@pytest.fixture(scope="module")
def chapter():
    return moore.analyse(schemas.validate("moores_law_limits", {}))


def _frame(metric, x, y):
    return pl.DataFrame({"metric": [metric] * len(x), "year": np.asarray(x, float), "value": np.asarray(y, float)})


# --- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lo,hi,word", [(1.9, 2.1, "matches"), (1.5, 1.9, "is faster than"), (2.1, 2.5, "is slower than")]
)
def test_rate_word_against_two_years(lo, hi, word):
    assert trends.rate_word(lo, hi, 2.0) == word


@pytest.mark.parametrize("lo,hi,word", [(2.7, 7.2, "kept growing"), (-2.6, 0.7, "was flat"), (-5.0, -1.0, "fell")])
def test_trend_word(lo, hi, word):
    assert trends.trend_word(lo, hi) == word


@pytest.mark.parametrize(
    "hp,lo,hi,verdict",
    [
        (52.0, 41.2, 49.5, "differs"),  # excluded: differs whatever the width
        (12.0, 4.5, 31.1, "not informative"),  # contains it, 26.6 points wide > 20
        (12.0, 5.0, 20.0, "agrees"),  # contains it, 15 points wide
        (22.0, None, None, "no data"),
    ],
)
def test_era_verdict(hp, lo, hi, verdict):
    assert trends.era_verdict(hp, lo, hi, 20.0) == verdict


@pytest.mark.parametrize(
    "lo,hi,word",
    [
        (1.38, 1.86, "below the 2x line"),
        (2.1, 2.9, "between the 2x and 3x lines"),
        (3.5, 4.0, "above the 3x line"),
        (1.5, 2.5, "consistent with the 2-3x range"),
    ],
)
def test_against_aim(lo, hi, word):
    assert outlook.against_aim(lo, hi) == word


def _break(lo, hi, metric, detected=True):
    f = fits.fit_loglinear([0, 1, 2], [1, 2, 4])
    return trends.BreakFit(metric, fits.PiecewiseFit(2000.0, f, f, 0.0, detected), lo, hi)


def test_timing_sentence_dates_breaks_only_with_narrow_intervals():
    freq = _break(2001.0, 2008.0, "frequency")
    assert "spans 26 years, too wide" in trends.timing_sentence(freq, _break(1992.7, 2018.4, "typical_power"))
    assert "coincide" in trends.timing_sentence(freq, _break(2004.0, 2010.0, "typical_power"))
    assert "different times" in trends.timing_sentence(freq, _break(2009.0, 2012.0, "typical_power"))
    assert "fixed" in trends.timing_sentence(_break(math.nan, math.nan, "frequency", False), freq)


# --- computations on hand-made data -----------------------------------------------------------


def test_moores_law_on_exact_doubling_before_and_after_the_split():
    before = np.arange(1980, 2000)
    after = np.arange(2000, 2011)
    x = np.r_[before, after]
    y = np.r_[2.0 ** ((before - 1980) / 2), 2.0**10 * 2.0 ** (after - 2000)]  # 2 years, then 1 year
    m = trends.moores_law(_frame("transistors", x, y), 1980, 2010, 2000, 0.95, last_data_year=2021)
    assert m.moore_doubling_years_before == pytest.approx(2.0)
    assert m.moore_doubling_years_after == pytest.approx(1.0)
    assert m.moore_pace_word == "faster"
    assert m.fit_window == "1980-2010" and m.moore_last_data_year == 2021
    assert m.moore_verdict.startswith("not exhausted")


def test_moores_law_slowing_gives_the_other_verdict():
    before, after = np.arange(1980, 2000), np.arange(2000, 2011)
    x = np.r_[before, after]
    y = np.r_[2.0 ** ((before - 1980) / 2), 2.0**10 * 2.0 ** ((after - 2000) / 4)]  # 2 years, then 4
    m = trends.moores_law(_frame("transistors", x, y), 1980, 2010, 2000, 0.95, last_data_year=2010)
    assert m.moore_pace_word == "slower" and m.moore_verdict.startswith("slowing")
    assert m.moore_vs_interview == "these transistor counts agree"


# --- computations on the shipped data ---------------------------------------------------------


def test_hp_eras_on_rupps_data(chapter):
    eras = {r["era"]: r for r in chapter.eras.iter_rows(named=True)}
    assert eras["1978-1986"]["verdict"] == "no data" and eras["1978-1986"]["points"] == 0
    assert eras["1986-2003"]["points"] == 38 and eras["1986-2003"]["verdict"] == "differs"
    assert eras["2003-2011"]["verdict"] == "differs"
    assert eras["2015-2018"]["points"] == 3 and eras["2015-2018"]["verdict"] == "not informative"
    s = chapter.eras_summary
    assert (s.hp_agree_count, s.hp_compared_count) == (0, 2)
    assert s.hp_disagree_eras == "1986-2003, 2003-2011" and s.hp_uninformative_eras == "2011-2015, 2015-2018"
    # a wider limit turns the 2011-2015 era (interval ~26.7 points) into agreement
    wide = trends.eras_summary(trends.hp_eras(chapter.trends, 0.95, 30.0), 30.0)
    assert (wide.hp_agree_count, wide.hp_compared_count) == (1, 3)


def test_breaks_state_what_the_data_support(chapter):
    b = chapter.breaks_summary
    assert b.power_trend_word == "kept growing" and b.power_growth_ci_low > 0
    assert b.frequency_trend_word == "was flat" and b.frequency_growth_ci_low < 0 < b.frequency_growth_ci_high
    assert b.power_break_ci_width_years > trends.DATABLE_BREAK_YEARS and "too wide" in b.dennard_timing
    assert b.dennard_claim == "the data do not support"
    assert b.single_thread_break_ci == "2003-2007"


def test_moores_law_verdict_on_rupps_data(chapter):
    m = chapter.moore
    assert m.moore_rate_word == "matches" and m.moore_pace_word == "faster"
    assert m.moore_doubling_years_after < m.moore_doubling_years_before
    assert m.moore_last_data_year == 2021


def test_horowitz_and_gpu_energy():
    h = outlook.horowitz_energies()
    assert h.height == 11  # the pJ rows; the DRAM range in nJ is left out
    assert h.filter(pl.col("operation") == "32-bit FP multiply")["joules"][0] == pytest.approx(3.7e-12)
    e, table = outlook.energy(300.0)
    assert e.best_gpu_operation == "B300 FP4 FLOP (TDP / dense peak)"
    assert e.best_gpu_j_per_flop == pytest.approx(1100 / 13000e12)  # TDP / dense FP4 peak
    assert table["joules"].is_sorted() and table["joules"][0] == pytest.approx(e.landauer_j_per_bit)


def test_gpu_chip_series_and_projection(chapter):
    g = chapter.gpu_series
    assert g["gpu"].to_list() == ["P100", "V100", "A100", "H100", "H200", "B200", "B300"]  # no superchip rows
    assert g["flop_s_per_w"][0] == pytest.approx(21.2e12 / 300)
    p = chapter.projection
    assert (p.aim_2x_factor, p.aim_3x_factor) == (64.0, 729.0)
    assert p.gpu_flops_ci_high < 2.0 and p.gpu_flops_vs_aim == "below the 2x line"
    assert p.gpu_flops_projection_factor == pytest.approx(p.gpu_flops_x_per_year**6)
    assert set(chapter.projection_frame["kind"]) == {
        "CPU chip (context)",
        "NVIDIA GPU chip",
        "NVIDIA aim (data-centre scale)",
    }


def test_golden_values_at_defaults(chapter):
    assert chapter.moore.transistor_doubling_years == pytest.approx(1.9949874711046853, rel=1e-12)
    assert chapter.breaks_summary.single_thread_growth_pct_per_year_after == pytest.approx(12.234204035486783)
    assert chapter.energy.landauer_gap_orders_of_magnitude == pytest.approx(7.469419334408354)


def test_energy_chart_has_no_bars_and_only_positive_log_values(chapter):
    spec = show.energy_chart(chapter).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert "bar" not in marks
    assert (chapter.energy_table["joules"] > 0).all()


def test_every_chart_and_table_builds(chapter):
    for f in (
        show.trends_chart,
        show.break_chart,
        show.eras_chart,
        show.dennard_chart,
        show.energy_chart,
        show.gpu_chart,
        show.projection_chart,
    ):
        assert f(chapter).to_dict()["title"]
    for f in (show.fit_table, show.break_table, show.eras_table, show.energy_table, show.gpu_table):
        html = f(chapter).as_raw_html()
        assert "shape: (" not in html and "Source:" in html


# --- parameters, in-process -------------------------------------------------------------------


@pytest.mark.parametrize(
    "values,name",
    [
        ({"fit_start_year": 2030}, "fit_start_year"),
        ({"fit_start_year": 2010, "fit_end_year": 2000}, "fit_start_year"),
        ({"temperature_k": 0}, "temperature_k"),
        ({"metric": "mips"}, "metric"),
        ({"fit_start_yr": 1990}, "fit_start_yr"),
        ({"confidence_level": 1.0}, "confidence_level"),
        ({"transistor_split_year": 1972}, "transistor_split_year"),
        ({"fit_end_year": 1999}, "transistor_split_year"),  # the default split leaves nothing after it
        ({"informative_ci_width_pct": 0}, "informative_ci_width_pct"),
        ({"break_year": 1975}, "break_year"),
    ],
)
def test_bad_parameters_fail_with_named_error(values, name):
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        schemas.validate("moores_law_limits", values)


def test_metric_choices_come_from_the_data_layer():
    from scalinglab.data import MICROPROCESSOR_METRICS

    assert schemas.describe_field(schemas.get_schema("moores_law_limits"), "metric")["allowed"] == (
        "one of: " + ", ".join(MICROPROCESSOR_METRICS)
    )
