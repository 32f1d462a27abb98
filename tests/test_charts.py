import datetime as dt
import re

import altair as alt
import polars as pl
import pytest

from scalinglab import charts
from scalinglab.charts import render


def _chart(**enc):
    df = pl.DataFrame({"year": [2000, 2010], "value": [1.0, 2.0]})
    return alt.Chart(df).mark_line().encode(**enc)


def test_finish_adds_title_and_source_line():
    c = charts.finish(
        _chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="Value (W)"), tooltip=["year:Q"]),
        "A title",
        "Some dataset (CC BY)",
        subtitle="note",
    )
    spec = c.to_dict()
    assert spec["title"]["text"] == "A title"
    assert spec["title"]["subtitle"] == ["note", "Source: Some dataset (CC BY)"]
    assert charts.check_chart(spec) == []


@pytest.mark.parametrize(
    "enc,problem",
    [
        (dict(x=alt.X("year:Q"), y=alt.Y("value:Q", title="V (W)"), tooltip=["year:Q"]), "x encoding"),
        (dict(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V (W)")), "no tooltip"),
    ],
)
def test_finish_rejects_incomplete_charts(enc, problem):
    with pytest.raises(ValueError, match=problem):
        charts.finish(_chart(**enc), "T", "S")


def test_check_chart_requires_title_and_source():
    spec = _chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V"), tooltip=["year:Q"]).to_dict()
    assert "no title" in charts.check_chart(spec)
    spec["title"] = {"text": "T", "subtitle": ["no source here"]}
    assert "no 'Source:' line" in charts.check_chart(spec)


def test_theme_is_colour_blind_safe_and_on_a_light_card():
    charts.enable()
    assert alt.theme.active == charts.THEME_NAME
    cfg = charts.theme._theme()["config"]
    assert cfg["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe-Ito
    assert cfg["background"] == "#ffffff"


def test_vega_runtime_bundle(tmp_path):
    path = charts.write_vega_runtime(tmp_path / "vega-runtime.js")
    text = path.read_text()
    assert text.startswith("/* vega ")
    assert re.search(r"vegalite_version:\s*.\d", text) and alt.VEGALITE_VERSION in text
    assert "window.vegaEmbed=" in text.replace(" ", "")
    assert "cdn.jsdelivr" not in text and "https://" not in text.split("*/")[0]
    assert len(text) > 500_000


# --- rules added with the book renderer (issue 10) ---------------------------------------------


def _titled(chart):
    return chart.properties(title=alt.TitleParams("T", subtitle=["Source: S"]))


def _energy():
    return pl.DataFrame({"name": ["a", "b", "c"], "pj": [0.0, 10.0, 100.0]})


def test_bars_on_a_log_axis_without_baseline_are_rejected():
    c = (
        alt.Chart(_energy())
        .mark_bar()
        .encode(
            x=alt.X("pj:Q", title="E (pJ)", scale=alt.Scale(type="log")),
            y=alt.Y("name:N", title="Name"),
            tooltip=["pj:Q"],
        )
    )
    problems = charts.check_chart(_titled(c).to_dict())
    assert any("bar on the log x axis of field 'pj' starts at zero" in p for p in problems)
    assert any("field 'pj' has 1 zero or negative values on a log axis" in p for p in problems)


def test_stacking_on_a_log_axis_is_rejected():
    c = (
        alt.Chart(_energy())
        .mark_point()
        .encode(
            x=alt.X("pj:Q", title="E", stack="zero", scale=alt.Scale(type="log")),
            y=alt.Y("name:N", title="N"),
            tooltip=["pj:Q"],
        )
    )
    assert any("stacks on a log axis" in p for p in charts.check_chart(_titled(c).to_dict()))


def test_log_positive_filters_and_names_the_field():
    kept, note = charts.log_positive(_energy(), "pj")
    assert kept["name"].to_list() == ["b", "c"]
    assert note == "1 row with a zero, negative or missing pj omitted (log axis)"
    assert charts.log_positive(kept, "pj")[1] is None
    c = (
        alt.Chart(kept)
        .mark_bar()
        .encode(
            x=alt.X("pj:Q", title="E (pJ)", scale=alt.Scale(type="log")),
            x2=alt.datum(1.0),
            y=alt.Y("name:N", title="Name"),
            tooltip=["pj:Q"],
        )
    )
    assert charts.check_chart(_titled(c).to_dict()) == []
    with pytest.raises(KeyError, match="no column 'joules'"):
        charts.log_positive(_energy(), "joules")


def test_dates_must_use_utc():
    df = charts.utc_dates(pl.DataFrame({"d": [dt.date(2021, 11, 20)], "v": [1.0]}), "d")
    assert df["d"].to_list() == ["2021-11-20"]
    local = alt.Chart(df).mark_point().encode(x=alt.X("d:T", title="Date"), y=alt.Y("v:Q", title="V"), tooltip=["v:Q"])
    assert any(
        "date field 'd' is shown in the reader's timezone" in p for p in charts.check_chart(_titled(local).to_dict())
    )
    utc = (
        alt.Chart(df)
        .mark_point()
        .encode(
            x=charts.utc_date("d", "Date"),
            y=alt.Y("v:Q", title="V"),
            tooltip=[charts.utc_date("d", "Date", channel="tooltip")],
        )
    )
    spec = _titled(utc).to_dict()
    assert charts.check_chart(spec) == []
    assert spec["encoding"]["x"]["timeUnit"] == "utcyearmonthdate"
    assert spec["encoding"]["tooltip"][0]["format"] == "%Y-%m-%d"


def test_one_legend_per_field():
    df = pl.DataFrame({"gpu": ["H100", "B200"], "x": [1.0, 2.0]})
    base = alt.Chart(df).encode(x=alt.X("x:Q", title="X"), y=alt.Y("x:Q", title="Y"), tooltip=["gpu:N"])
    two = base.mark_point().encode(color=alt.Color("gpu:N", title="GPU")) + base.mark_line().encode(
        color=alt.Color("gpu:N", title="Accelerator")
    )
    assert any("field 'gpu' gets 2 legends" in p for p in charts.check_chart(_titled(two).to_dict()))
    one = base.mark_point().encode(color=alt.Color("gpu:N", title="GPU")) + base.mark_line().encode(
        color=alt.Color("gpu:N", title="Accelerator", legend=None)
    )
    assert charts.check_chart(_titled(one).to_dict()) == []


def test_finish_fills_the_container_and_sizes_discrete_axes():
    c = charts.finish(
        _chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V"), tooltip=["year:Q"]), "T", "S"
    )
    spec = c.to_dict()
    assert spec["width"] == "container" and spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    bars = (
        alt.Chart(_energy())
        .mark_bar()
        .encode(x=alt.X("pj:Q", title="E"), y=alt.Y("name:N", title="N"), tooltip=["pj:Q"])
    )
    assert charts.finish(bars, "T", "S").to_dict()["height"] == max(80, 3 * charts.theme.BAND_PX)
    fixed = charts.finish(
        _chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V"), tooltip=["year:Q"]), "T", "S", width=300
    )
    assert fixed.to_dict()["width"] == 300


def test_renderer_ids_are_deterministic_and_the_spec_is_embedded():
    spec = charts.finish(
        _chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V"), tooltip=["year:Q"]),
        "A </script> title",
        "S",
    ).to_dict()
    assert render.chart_id(spec) == render.chart_id(json_roundtrip(spec))
    assert re.fullmatch(r"sl-chart-[0-9a-f]{12}", render.chart_id(spec))
    bundle = render.renderer(spec)
    html = bundle["text/html"]
    assert html.startswith('<div class="sl-chart" id="sl-chart-') and 'aria-label="A &lt;/script&gt; title"' in html
    assert "</script> title" not in html.split('class="sl-chart-spec">')[1].split("</script></div>")[0]
    assert bundle[render.MIMETYPE] == spec
    again = render.renderer(spec)["text/html"]
    assert re.search(r'id="(sl-chart-[0-9a-f]{12}-\d+)"', again)  # the same chart twice gets a distinct id


def json_roundtrip(spec):
    import json

    return json.loads(json.dumps(spec))


def test_enable_selects_the_book_renderer():
    charts.enable()
    assert alt.renderers.active == render.RENDERER_NAME


def test_dark_theme_covers_text_and_background():
    dark = render.dark_config()
    assert dark["background"] == charts.DARK["card"]
    assert dark["axis"]["labelColor"] == charts.DARK["text"] and dark["title"]["color"] == charts.DARK["text"]
    assert "#000000" not in dark["range"]["category"]


def test_chart_themes_file(tmp_path):
    text = charts.write_chart_themes(tmp_path / "t.js").read_text()
    assert text.startswith("/* generated") and "window.SCALINGLAB_CHART_THEMES" in text and charts.DARK["card"] in text


def test_tables_have_deterministic_ids_and_csv():
    df = pl.DataFrame({"year": [2000.0, 2010.0], "bandwidth_gb_s": [1.23456, None]})
    a = charts.table(df, title="T", source="S")._repr_html_()
    b = charts.table(df.clone(), title="T", source="S")._repr_html_()
    assert a == b
    tid = charts.tables.table_id("T", df)
    assert f'id="{tid}"' in a and re.fullmatch(r"sl-table-[0-9a-f]{12}", tid)
    assert 'download="' + tid + '.csv"' in a and "year%2Cbandwidth_gb_s%0A2000.0%2C1.23456" in a
    assert ">2000<" in a and ">1.23<" in a and "\u2013" in a
    assert charts.table(df, title="U", source="S")._repr_html_() != a


def test_vega_runtime_carries_the_book_embedding(tmp_path):
    text = charts.write_vega_runtime(tmp_path / "vega-runtime.js").read_text()
    assert "window.SCALINGLAB_CHART_THEMES" in text and "div.sl-chart" in text and charts.DARK["card"] in text
    assert (
        charts.runtime.vega_runtime_header().rstrip().endswith("Do not edit. */") and " embed " in text.splitlines()[0]
    )


def test_color_and_shape_with_a_sort_list_need_one_legend_hidden():
    """The precision step chart drew two 'GPU' legends: color and shape of one field, both with a sort list."""
    df = pl.DataFrame({"gpu": ["H100", "B200"], "x": [1.0, 2.0]})
    order = ["H100", "B200"]
    two = (
        alt.Chart(df)
        .mark_point()
        .encode(
            x=alt.X("x:Q", title="X"),
            y=alt.Y("x:Q", title="Y"),
            tooltip=["gpu:N"],
            color=alt.Color("gpu:N", title="GPU", sort=order),
            shape=alt.Shape("gpu:N", title="GPU", sort=order),
        )
    )
    assert any(
        "legend channels (color, shape) with a sort list" in p for p in charts.check_chart(_titled(two).to_dict())
    )
    one = two.encode(shape=alt.Shape("gpu:N", title="GPU", sort=order, legend=None))
    assert charts.check_chart(_titled(one).to_dict()) == []


def test_notebook_specs_reads_chart_outputs(tmp_path):
    import json

    spec = {"mark": "point", "title": {"text": "T"}}
    nb = {
        "cells": [
            {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": render.renderer(spec)}]},
            {"cell_type": "markdown"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "x.ipynb").write_text(json.dumps(nb))
    assert render.notebook_specs(tmp_path / "x.ipynb") == [spec]


def test_tables_show_tiny_and_huge_magnitudes_in_scientific_notation():
    t = charts.table(pl.DataFrame({"energy_j": [2.87e-21, 1.1e-13], "ratio_x": [1.5, 2.25]}), title="T", source="s")
    html = t.as_raw_html()
    assert "2.87 × 10" in html and "−21" in html and "0.0000" not in html
    assert ">1.50<" in html and ">2.25<" in html
