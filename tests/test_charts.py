import re

import altair as alt
import polars as pl
import pytest

from scalinglab import charts


def _chart(**enc):
    df = pl.DataFrame({"year": [2000, 2010], "value": [1.0, 2.0]})
    return alt.Chart(df).mark_line().encode(**enc)


def test_finish_adds_title_and_source_line():
    c = charts.finish(_chart(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="Value (W)"),
                             tooltip=["year:Q"]), "A title", "Some dataset (CC BY)", subtitle="note")
    spec = c.to_dict()
    assert spec["title"]["text"] == "A title"
    assert spec["title"]["subtitle"] == ["note", "Source: Some dataset (CC BY)"]
    assert charts.check_chart(spec) == []


@pytest.mark.parametrize("enc,problem", [
    (dict(x=alt.X("year:Q"), y=alt.Y("value:Q", title="V (W)"), tooltip=["year:Q"]), "x encoding"),
    (dict(x=alt.X("year:Q", title="Year"), y=alt.Y("value:Q", title="V (W)")), "no tooltip"),
])
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
