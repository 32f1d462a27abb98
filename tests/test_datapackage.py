"""data/datapackage.json validates with frictionless and describes every shipped file."""

import json
from pathlib import Path

import pytest
from frictionless import Package

DATA = Path(__file__).resolve().parent.parent / "data"
PKG = json.loads((DATA / "datapackage.json").read_text())


def test_package_validates_with_frictionless():
    report = Package(str(DATA / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:10]


def test_every_data_file_is_described_and_exists():
    described = {r["path"] for r in PKG["resources"]}
    on_disk = {str(p.relative_to(DATA)) for p in DATA.rglob("*.csv")}
    assert described == on_disk
    for path in described:
        assert (DATA / path).exists()


@pytest.mark.parametrize("res", PKG["resources"], ids=lambda r: r["name"])
def test_resource_metadata(res):
    assert res["title"] and res["description"]
    assert res["licenses"] and res["licenses"][0]["name"]
    assert res["sources"] and res["sources"][0]["path"]
    assert "commit" in res["version"] or "compiled" in res["version"]
    for field in res["schema"]["fields"]:
        assert field["type"] in {"string", "number", "integer", "date"}


def test_measured_fields_carry_units():
    units = {f["name"]: f.get("unit") for r in PKG["resources"] for f in r["schema"]["fields"]}
    assert units["frequency_mhz"] == "MHz"
    assert units["bf16_fp16_dense_tflops"] == "TFLOP/s (dense)"
    assert units["nvlink_gb_per_s_bidir_per_gpu"].startswith("GB/s, bidirectional")
    assert units["Memory bandwidth (byte/s)"] == "byte/s"


def test_book_data_page_links_every_file():
    page = (DATA.parent / "book" / "data.md").read_text()
    for r in PKG["resources"]:
        assert f"../data/{r['path']}>" in page, r["path"]
