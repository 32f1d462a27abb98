"""The data-centre chapter's package code, in process: the loader (typed columns, rejections with file, row and
column), the rank of a hand-made table, the growth fit on synthetic data with a known rate, the decomposition
identity, the verdict rule, the schema's rejections, and every chart against the book's rules."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest

from scalinglab import charts, data, paths
from scalinglab.analyses import datacentre_scale as dc
from scalinglab.analyses import datacentre_scale_charts as dcc
from scalinglab.analyses import datacentre_scale_trends as dtr
from scalinglab.book import schemas
from scalinglab.errors import DataFormatError, ParameterError

SLUG = "datacentre_scale"
CSV_REL = "epoch-gpu-clusters/gpu_clusters.csv"


@pytest.fixture(scope="module")
def clusters() -> pl.DataFrame:
    return data.load_gpu_clusters()


# ---------------------------------------------------------------------------
# loader
# ---------------------------------------------------------------------------
def test_loader_types_units_and_counts(clusters):
    assert clusters.height == 786
    assert clusters["status"].value_counts().sort("status").rows() == [
        ("Decommissioned", 6),
        ("Existing", 609),
        ("Planned", 171),
    ]
    assert clusters.schema["first_operational_date"] == pl.Date
    for col in ("dense_16bit_flop_s", "dense_8bit_op_s", "ai_chips", "power_mw", "hardware_cost_usd", "year"):
        assert clusters.schema[col] == pl.Float64, col
    assert clusters.schema["epoch_rank_when_first_operational"] == pl.Int64
    # row 2 (Abu Dhabi 5GW phase 2): a planned system whose year comes from the note; 16-bit OP/s 2.01e22, 8-bit 4.01e22
    r = clusters.row(1, named=True)
    assert r["status"] == "Planned" and r["planned_year"] == 2030 and r["dense_16bit_flop_s"] == 2.01e22
    assert r["dense_8bit_op_s"] == 4.01e22 and r["power_mw"] == 5000.0 and r["first_operational_date"] is None
    # the quoted multi-line cells do not split records: the row numbers run 1..786
    assert clusters["row"].to_list() == list(range(1, 787))


def _tmp_package(tmp_path, edit) -> pathlib.Path:  # noqa: F821
    """A data folder holding only the GPU-cluster resource, with the CSV's records changed by ``edit``."""
    pkg = json.loads((paths.DATA_DIR / "datapackage.json").read_text())
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] == "epoch_gpu_clusters"]
    (tmp_path / "datapackage.json").write_text(json.dumps(pkg))
    (tmp_path / "epoch-gpu-clusters").mkdir()
    with open(paths.DATA_DIR / CSV_REL, newline="", encoding="utf-8") as fh:
        recs = list(csv.reader(fh))
    header, body = recs[0], recs[1:40]
    edit(header, body)
    with open(tmp_path / CSV_REL, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *body])
    return tmp_path


def test_loader_reads_a_clean_copy(tmp_path):
    df = data.load_gpu_clusters(_tmp_package(tmp_path, lambda h, b: None))
    assert df.height == 39


@pytest.mark.parametrize(
    "column,value,expected",
    [
        ("16-bit OP/s", "about 1e18", "a number"),
        ("8-bit OP/s", "1,5e18", "a number"),
        ("First Operational Date", "2024-02-30", "a date YYYY-MM-DD"),
        ("First Operational Date", "2024-13-01", "a date YYYY-MM-DD"),
        ("Power Capacity (MW)", "-5", "a number >= 0"),
        ("Certainty", "Rumoured", "one of: Confirmed, Likely, Unlikely"),
    ],
)
def test_loader_names_file_row_and_column(tmp_path, column, value, expected):
    def edit(header, body):
        body[6][header.index(column)] = value  # data row 7; rows 2-3 hold multi-line quoted cells

    with pytest.raises(DataFormatError) as err:
        data.load_gpu_clusters(_tmp_package(tmp_path, edit))
    e = err.value
    assert (e.file, e.row, e.column, e.value) == (CSV_REL, 7, column, value)
    assert expected in str(e) and CSV_REL in str(e) and "row 7" in str(e)


# ---------------------------------------------------------------------------
# ranks, fits, decomposition, verdicts
# ---------------------------------------------------------------------------
def _table(rows):
    return pl.DataFrame(rows, schema=["name", "first_operational_date", "performance"], orient="row")


def test_rank_of_a_hand_made_table():
    d = dt.date
    t = _table(
        [
            ("A", d(2020, 1, 1), 10.0),
            ("B", d(2020, 6, 1), 5.0),
            ("C", d(2021, 1, 1), 20.0),
            ("D", d(2021, 1, 1), 20.0),
            ("E", d(2022, 1, 1), 7.0),
            ("F", d(2019, 1, 1), None),
            ("G", None, 99.0),
        ]
    )
    r = dc.rank_systems(t)
    ranks = dict(zip(r["name"], r["rank"]))
    # B trails A; C and D tie at the top on the same day; E is fourth behind C, D and A
    assert ranks == {"A": 1, "B": 2, "C": 1, "D": 1, "E": 4}
    top2 = [n for n, k in ranks.items() if k <= 2]
    assert sorted(top2) == ["A", "B", "C", "D"]


def test_growth_fit_recovers_a_known_rate():
    rng = np.random.default_rng(7)
    years = np.linspace(2019.0, 2025.0, 40)
    perf = 1e18 * 2.5 ** (years - 2019) * np.exp(rng.normal(0, 0.05, years.size))
    chips = 1e4 * 1.6 ** (years - 2019)
    rows = pl.DataFrame(
        {
            "year": years,
            "performance": perf,
            "chips": chips,
            "per_chip": perf / chips,
            "power": chips * 1e-3,
            "cost": chips * 3e4,
            "flops_per_watt": perf / (chips * 1e3),
            "flops_per_usd": perf / (chips * 3e4),
        }
    )
    g = {r["quantity"]: r for r in dc.growth_table(rows, 0.95).iter_rows(named=True)}
    assert g["performance"]["x_per_year"] == pytest.approx(2.5, rel=0.02)
    assert g["performance"]["ci_low"] < 2.5 < g["performance"]["ci_high"]
    assert g["chips"]["x_per_year"] == pytest.approx(1.6, rel=1e-9)
    assert g["power"]["x_per_year"] == pytest.approx(1.6, rel=1e-9)
    d = dc.decompose(rows, "performance", ("chips", "per_chip"))
    assert d["g_performance"] == pytest.approx(d["g_chips"] + d["g_per_chip"], abs=1e-12)
    assert d["share_chips"] == pytest.approx(math.log(1.6) / math.log(g["performance"]["x_per_year"]), rel=1e-6)


def test_decomposition_identity_on_the_data(clusters):
    res, ranked, _ = dc.analyse(clusters, "16-bit", 10, "Likely", 2019, 2025, 0.95)
    assert res.identity_error < 1e-9
    assert res.chips_share_pct + res.per_chip_share_pct == pytest.approx(100.0, abs=1e-9)
    rows = dc.window(ranked, 2019, 2025)
    for parts in (("power", "flops_per_watt"), ("cost", "flops_per_usd")):
        d = dc.decompose(rows, "performance", parts)
        assert d[f"share_{parts[0]}"] + d[f"share_{parts[1]}"] == pytest.approx(1.0, abs=1e-9)


def test_headline_values_at_the_defaults(clusters):
    res, _, _ = dc.analyse(clusters, "16-bit", 10, "Likely", 2019, 2025, 0.95)
    assert res.leading_systems_n == 66
    assert res.perf_growth_x_per_year == pytest.approx(2.516, abs=0.001)
    assert (res.perf_growth_ci_low, res.perf_growth_ci_high) == pytest.approx((2.303, 2.749), abs=0.001)
    assert res.chips_growth_x_per_year == pytest.approx(1.633, abs=0.001)
    assert res.per_chip_growth_x_per_year == pytest.approx(1.550, abs=0.001)
    assert res.power_growth_x_per_year == pytest.approx(1.981, abs=0.001)
    assert res.cost_growth_x_per_year == pytest.approx(1.865, abs=0.001)
    assert res.verdict_performance == "overlaps" and res.verdict_cost_energy == "slower"
    assert res.rank_differs_n == 497 and res.rank_compared_n == 521


@pytest.mark.parametrize(
    "lo,hi,word",
    [(1.5, 1.9, "below"), (1.5, 2.0, "overlaps"), (2.2, 2.8, "overlaps"), (3.0, 3.5, "overlaps"), (3.01, 3.5, "above")],
)
def test_verdict_rule(lo, hi, word):
    assert dc._compare(lo, hi, dc.PROMISE_LOW, dc.PROMISE_HIGH) == word


def test_chip_efficiency_by_hand():
    specs, prices = data.load_gpu_specs(), data.load_hardware_prices()
    chips = dtr.chip_efficiency(specs, prices, "16-bit")
    h100 = chips.filter(pl.col("gpu") == "H100").row(0, named=True)
    assert h100["flops_per_watt"] == pytest.approx(989.4e12 / 700)
    boards = prices.filter(pl.col("hardware_model") == "NVIDIA H100 SXM5 80GB")["purchase_usd"].drop_nulls()
    assert h100["purchase_usd"] == pytest.approx(float(boards.median()))
    assert "Rubin" not in chips["gpu"].to_list()


def test_projection_starts_on_the_fit_and_follows_the_promise_lines(clusters):
    _, ranked, _ = dc.analyse(clusters, "16-bit", 10, "Likely", 2019, 2025, 0.95)
    rows = dc.window(ranked, 2019, 2025)
    fan, planned = dtr.projection(rows, clusters, "16-bit", "Likely", 2030, 0.95)
    perf = fan.filter(pl.col("quantity") == "performance")
    first, last = perf.row(0, named=True), perf.row(-1, named=True)
    assert first["central"] == first["x2"] == first["x3"] == first["low"] == first["high"]
    years = last["year"] - first["year"]
    assert last["x3"] / first["x3"] == pytest.approx(3.0**years)
    assert last["low"] < last["central"] < last["high"]
    assert planned.height > 0 and planned["year"].max() <= 2030


def test_robustness_grid_holds_the_default(clusters):
    res, _, _ = dc.analyse(clusters, "16-bit", 10, "Likely", 2019, 2025, 0.95)
    t = dtr.robustness(clusters, "16-bit", "Likely", 2025, 0.95)
    assert t.height == len(dtr.ROBUST_TOP_N) * len(dtr.ROBUST_START_YEARS)
    row = t.filter((pl.col("top_n") == 10) & (pl.col("start_year") == 2019)).row(0, named=True)
    assert row["x_per_year"] == pytest.approx(res.perf_growth_x_per_year)


# ---------------------------------------------------------------------------
# parameters (in process; one papermill run in the notebook tests proves the cell is wired)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values,name",
    [
        ({"top_n": 0}, "top_n"),
        ({"top_n": 51}, "top_n"),
        ({"top_n": 2.5}, "top_n"),
        ({"start_year": 2009}, "start_year"),
        ({"end_year": 2026}, "end_year"),
        ({"start_year": 2024}, "start_year"),
        ({"start_year": 2025, "end_year": 2020}, "start_year"),
        ({"precision": "4-bit"}, "precision"),
        ({"min_certainty": "Rumoured"}, "min_certainty"),
        ({"confidence_level": 1.0}, "confidence_level"),
        ({"projection_year": 2025}, "projection_year"),
        ({"projection_year": 2041}, "projection_year"),
        ({"top_n_systems": 5}, "top_n_systems"),
    ],
)
def test_bad_parameters_are_named(values, name):
    with pytest.raises(ParameterError) as err:
        schemas.validate(SLUG, values)
    assert err.value.name == name
    assert f"parameter {name!r}" in str(err.value)


def test_too_few_leading_systems_names_both_years_and_the_count(clusters):
    n = dc.window(dc.leading_systems(clusters, "16-bit", 1, "Likely"), 2010, 2013).height
    assert n < dc.MIN_LEADING_SYSTEMS
    with pytest.raises(ParameterError) as err:
        schemas.validate(SLUG, {"top_n": 1, "start_year": 2010, "end_year": 2013})
    msg = str(err.value)
    assert "start_year=2010" in msg and "end_year=2013" in msg and f"holds {n}" in msg


def test_defaults_validate():
    p = schemas.validate(SLUG, {})
    assert (p.top_n, p.start_year, p.end_year, p.precision, p.projection_year) == (10, 2019, 2025, "16-bit", 2030)


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------
def test_every_chart_meets_the_book_rules(clusters):
    import vl_convert as vlc

    _, ranked, _ = dc.analyse(clusters, "16-bit", 10, "Likely", 2019, 2025, 0.95)
    rows = dc.window(ranked, 2019, 2025)
    fit = dc.fit_quantity(rows, "performance", 0.95)
    chips = dtr.chip_efficiency(data.load_gpu_specs(), data.load_hardware_prices(), "16-bit")
    fan, planned = dtr.projection(rows, clusters, "16-bit", "Likely", 2030, 0.95)
    built = [
        dcc.leading_chart(ranked, rows, fit, 10, "16-bit", 2019, 2025),
        dcc.decomposition_chart(dcc.decomposition_frame(rows)),
        dcc.efficiency_chart(rows, chips, "16-bit"),
        dcc.projection_chart(fan, planned, rows, 2030),
    ]
    for c in built:
        spec = c.to_dict()
        assert charts.check_chart(spec) == []
        assert any("Epoch AI" in s and "CC BY" in s for s in spec["title"]["subtitle"])
        svg = vlc.vegalite_to_svg(spec)
        assert svg.count("<path") + svg.count("<circle") > 20  # marks are drawn, not just axes
