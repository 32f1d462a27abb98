"""Convert Karl Rupp's whitespace-separated ``50yrs/*.dat`` files to headed CSV.

Usage: python data/scripts/convert_rupp.py UPSTREAM_50YRS_DIR
Writes data/microprocessor-trend-data/50yrs/<metric>.csv with columns
``year, <metric column with unit>, note``. The conversion is lossless: values are
copied as text; ``####`` separator lines are dropped and an inline ``# comment``
(the processor name on some rows) becomes the ``note`` column.
Upstream: https://github.com/karlrupp/microprocessor-trend-data (commit f2121ab2), CC BY 4.0.
"""

import csv
import sys
from pathlib import Path

COLUMNS = {
    "transistors": "transistors_thousands",
    "specint": "specint_x1000",
    "frequency": "frequency_mhz",
    "watts": "typical_power_w",
    "cores": "logical_cores",
}


def main(src: Path) -> None:
    out_dir = Path(__file__).resolve().parent.parent / "microprocessor-trend-data" / "50yrs"
    out_dir.mkdir(parents=True, exist_ok=True)
    for metric, column in COLUMNS.items():
        rows = []
        for line in (src / f"{metric}.dat").read_text().splitlines():
            body, _, note = line.partition("#")
            fields = body.split()
            if not fields:
                continue
            year, value = fields
            rows.append((year, value, note.strip()))
        with open(out_dir / f"{metric}.csv", "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["year", column, "note"])
            w.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
