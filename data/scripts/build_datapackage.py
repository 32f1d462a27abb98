"""Write data/datapackage.json (Frictionless Data Package v1) for every shipped file.

Usage: python data/scripts/build_datapackage.py
Field types are inferred from the files (integer, number, date, else string) and
checked by the test suite with ``frictionless validate``; titles, sources, upstream
commits, licences and units are declared below. Each field carries a ``unit``
property (a custom Table Schema property) and a description. Rerun after refreshing
a snapshot, in its own commit.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent

CC_BY = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
RUPP = {
    "title": "Karl Rupp, microprocessor-trend-data (50yrs)",
    "path": "https://github.com/karlrupp/microprocessor-trend-data",
}
EPOCH_HW = {
    "title": "Epoch AI, training-cost-trends (data/)",
    "path": "https://github.com/epoch-research/training-cost-trends",
}
EPOCH_LLM = {
    "title": "Epoch AI, llm-benchmark-efficiency",
    "path": "https://github.com/epoch-research/llm-benchmark-efficiency",
}
BOOK_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Facts with citations; the book's own licence (CC BY 4.0)",
}
RUPP_ATTR = (
    "Original data up to the year 2010 collected and plotted by M. Horowitz, F. Labonte, "
    "O. Shacham, K. Olukotun, L. Hammond, and C. Batten. New plot and data collected for "
    "2010-2021 by K. Rupp."
)

RUPP_UNITS = {
    "transistors": ("transistors_thousands", "thousands of transistors", "Transistors per microprocessor"),
    "specint": (
        "specint_x1000",
        "SPECint x 1000 (SPECint2006 scale; SPECint2017 x 9.0 after 2017)",
        "Single-thread performance",
    ),
    "frequency": ("frequency_mhz", "MHz", "Clock frequency"),
    "watts": ("typical_power_w", "W", "Typical power (TDP)"),
    "cores": ("logical_cores", "count", "Logical cores (SMT threads counted separately)"),
}

# Units of curated columns, by name (suffix convention); anything not listed is dimensionless text.
CURATED_UNITS = {
    "transistors_billion": "10^9 transistors",
    "fp64_tflops": "TFLOP/s (dense)",
    "fp64_tensor_tflops": "TFLOP/s (dense)",
    "fp32_tflops": "TFLOP/s (dense)",
    "tf32_dense_tflops": "TFLOP/s (dense)",
    "bf16_fp16_dense_tflops": "TFLOP/s (dense)",
    "fp8_dense_tflops": "TFLOP/s (dense)",
    "fp6_dense_tflops": "TFLOP/s (dense)",
    "fp4_dense_tflops": "TFLOP/s (dense)",
    "int8_dense_tops": "TOP/s (dense)",
    "hbm_gb": "GB (1e9 bytes)",
    "hbm_tb_per_s": "TB/s (1e12 bytes/s)",
    "tdp_w": "W",
    "nvlink_gb_per_s_bidir_per_gpu": "GB/s, bidirectional total per GPU",
    "bandwidth": "see the unit column",
    "input_usd_per_mtok": "USD per 1M input tokens",
    "output_usd_per_mtok": "USD per 1M output tokens",
    "blend_3to1_usd_per_mtok": "USD per 1M tokens, (3*input + output)/4",
    "mmlu": "% (MMLU score)",
    "announced": "date",
    "effective_date": "date",
    "value": "see the unit column",
}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT_RE = re.compile(r"^-?\d+$")
# Counts are integers; every measured quantity is a number even when the file holds whole values.
INTEGER_COLUMNS = {"logical_cores", "nvlink_gen", "pcie_gen", "sample_size", "Number of GPUs", "Context Window Tokens"}
NUM_RE = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def infer_type(name: str, values: list[str]) -> str:
    vals = [v for v in values if v != ""]
    if not vals:
        return "string"
    if all(DATE_RE.match(v) for v in vals):
        return "date"
    if all(INT_RE.match(v) for v in vals) and name in INTEGER_COLUMNS:
        return "integer"
    if all(NUM_RE.match(v) for v in vals):
        return "number"
    return "string"


def epoch_unit(header: str) -> str:
    m = re.search(r"\(([^()]*)\)\s*$", header)
    return m.group(1) if m else ""


def fields_for(path: Path, unit_of, required=()) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    fields = []
    for i, name in enumerate(header):
        ftype = infer_type(name, [r[i] for r in body])
        field = {"name": name, "type": ftype}
        unit = unit_of(name)
        if unit:
            field["unit"] = unit
        constraints = {}
        if name in required:
            constraints["required"] = True
        if ftype in ("number", "integer"):
            constraints["minimum"] = 0  # every quantity shipped here is a count, size, rate, price or year
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return fields


def resource(name, path, title, description, sources, licenses, version, unit_of, required=()):
    p = DATA / path
    return {
        "name": name,
        "path": path,
        "title": title,
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig" if p.read_bytes().startswith(b"\xef\xbb\xbf") else "utf-8",
        "sources": sources,
        "licenses": licenses,
        "version": version,
        "schema": {"fields": fields_for(p, unit_of, required)},
    }


def main() -> None:
    res = []
    for metric, (col, unit, title) in RUPP_UNITS.items():
        units = {"year": "decimal year", col: unit, "note": ""}
        res.append(
            resource(
                f"rupp_{metric}",
                f"microprocessor-trend-data/50yrs/{metric}.csv",
                f"{title}, 1971-2021 (Karl Rupp, 50 years of microprocessor trend data)",
                f"One row per plotted processor. {RUPP_ATTR} Converted losslessly from {metric}.dat by "
                "scripts/convert_rupp.py (inline '# name' comments became the note column).",
                [RUPP],
                [CC_BY],
                "upstream commit f2121ab2b83a156b114fe34e62e1edeca98e8e38 (2022-02-22)",
                units.get,
                required=("year", col),
            )
        )
    hw_version = "upstream commit 263c40a159307e917213d1dc433c617e47d55bfe; data files from 5e8c5c4f (2025-06-20)"
    res.append(
        resource(
            "epoch_chips",
            "epoch-ml-hardware/chip_dataset.csv",
            "Epoch AI chip dataset (ML accelerators and GPUs), snapshot",
            "Epoch AI's hardware database (data/Chip dataset-Grid view.csv). FLOP/s values are dense (no 2:4 sparsity). "
            "Several Blackwell rows are incomplete or mix per-GPU and per-superchip values; the book uses the curated "
            "spec table for NVIDIA data-centre GPUs and this file for cross-checks. Credit: Epoch AI (CC BY).",
            [EPOCH_HW],
            [CC_BY],
            hw_version,
            epoch_unit,
            required=("Hardware name",),
        )
    )
    res.append(
        resource(
            "epoch_hardware_prices",
            "epoch-ml-hardware/hardware_prices.csv",
            "Epoch AI hardware purchase and cloud rental prices",
            "591 price observations (data/Hardware prices.csv): purchase price in USD, cloud price per chip-hour in USD "
            "(on-demand, 1-year and 3-year committed use). Credit: Epoch AI (CC BY).",
            [EPOCH_HW],
            [CC_BY],
            hw_version,
            lambda n: (
                "USD per chip-hour"
                if n.startswith("Price per chip-hour")
                else ("USD" if n == "Price (hardware purchase)" else "")
            ),
            required=("Hardware model",),
        )
    )
    llm_version = "upstream commit 34b923314338360d1b1bbed6ec30d9299e54fdae (2025-03-13)"
    res.append(
        resource(
            "epoch_api_prices",
            "epoch-llm-inference-prices/api_prices_full_view.csv",
            "Epoch AI LLM API price database (raw), with archive links",
            "Epoch's dated API prices (data/API prices - full view.csv from commit 1eee4d29, 2025-02-05). "
            "Price is text with a leading '$'; its unit is in 'Price Unit'. Credit: Epoch AI (CC BY).",
            [EPOCH_LLM],
            [CC_BY],
            "upstream commit 1eee4d291d5cb4449becab901c873d4fb790fade (2025-02-05)",
            lambda n: "see 'Price Unit'" if n == "Price" else "",
            required=("Price", "Price date"),
        )
    )
    for name, fname, title in [
        (
            "epoch_price_fits",
            "lowest_price_models_results.csv",
            "Epoch AI fitted LLM price declines at fixed capability",
        ),
        ("epoch_price_frontier", "lowest_price_models_data.csv", "Epoch AI cheapest-model-above-threshold points"),
        ("epoch_price_other", "other_models_data.csv", "Epoch AI models above threshold that were not the cheapest"),
    ]:
        res.append(
            resource(
                name,
                f"epoch-llm-inference-prices/results/{fname}",
                title,
                "From Epoch AI's data insight 'LLM inference prices have fallen rapidly but unequally across tasks' "
                "(2025-03-12). Prices are USD per 1M tokens blended 3:1 input:output. Credit: Epoch AI (CC BY).",
                [
                    EPOCH_LLM,
                    {
                        "title": "Epoch AI data insight",
                        "path": "https://epoch.ai/data-insights/llm-inference-price-trends",
                    },
                ],
                [CC_BY],
                llm_version,
                lambda n: {
                    "USD per 1M Tokens": "USD per 1M tokens (3:1 blend)",
                    "price_reduction_factor_per_year": "x per year",
                    "benchmark_score": "benchmark units (%, or Elo)",
                    "predicted_log_price": "USD per 1M tokens (fitted)",
                }.get(n, ""),
            )
        )
    curated_version = "compiled 2026-11-29 (see shared SOURCES.md verification log)"
    for name, fname, title, req in [
        (
            "nvidia_gpu_specs",
            "nvidia_gpu_specs.csv",
            "NVIDIA data-centre GPU specifications, P100 to Rubin (dense figures)",
            ("gpu",),
        ),
        (
            "interconnect_generations",
            "interconnect_generations.csv",
            "NVLink, NVLink domains, PCIe and InfiniBand generations",
            ("family", "bandwidth", "unit"),
        ),
        (
            "llm_api_price_points",
            "llm_api_price_points.csv",
            "Dated LLM API list prices, GPT-3 to GPT-5 class",
            ("effective_date", "model", "input_usd_per_mtok", "output_usd_per_mtok", "source_url"),
        ),
        (
            "growth_rate_anchors",
            "growth_rate_anchors.csv",
            "Published growth rates and constants used as anchors",
            ("id", "value", "unit"),
        ),
    ]:
        res.append(
            resource(
                name,
                f"curated/{fname}",
                title,
                "Hand-compiled for this book; every row names its source and verification status. Numeric columns hold "
                "a number or nothing; ranges and disagreements are in the notes column.",
                [
                    {
                        "title": "Sources cited on each row (source, source_url, primary_source columns)",
                        "path": "curated/" + fname,
                    }
                ],
                [BOOK_LICENSE],
                curated_version,
                CURATED_UNITS.get,
                required=req,
            )
        )
    # Resources described by hand (the GPU-cluster and MLPerf snapshots) are kept as they are.
    old = DATA / "datapackage.json"
    if old.exists():
        made = {r["name"] for r in res}
        res += [r for r in json.loads(old.read_text())["resources"] if r["name"] not in made]
    for r in res:
        r["hash"] = "sha256:" + hashlib.sha256((DATA / r["path"]).read_bytes()).hexdigest()
    package = {
        "profile": "data-package",
        "name": "scaling-analyses-book-data",
        "title": "Datasets of the scaling-analyses book",
        "description": "Snapshots of public datasets (Karl Rupp; Epoch AI) and curated tables with a source on every row. "
        "Each resource gives its upstream repository, commit and licence; each field its type and unit.",
        "licenses": [CC_BY],
        "resources": res,
    }
    (DATA / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
