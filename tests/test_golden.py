"""Behaviour is preserved: every chapter glues the values recorded before the restructuring.

``tests/golden/<slug>.default.json`` holds every glued key and value at the default parameters and
``<slug>.alt.json`` at one other parameter set (``params``). Floats compare with a relative tolerance of
1e-9, everything else exactly. Not compared: keys a chapter deliberately changed (listed with a reason in
``tests/golden/changed.yml`` under the chapter) and machine measurements (``machine_measured:`` in that file,
or a key starting with ``measured_``). Values are read by the package's one glue reader.
"""

from __future__ import annotations

import json
import math
import subprocess

import pytest
import yaml
from conftest import REPO, glued, run_papermill

GOLDEN = REPO / "tests" / "golden"
REL = 1e-9
MEASURED_PREFIX = "measured_"


def load_changed() -> dict:
    path = GOLDEN / "changed.yml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def skipped_keys(slug: str, changed: dict) -> set[str]:
    """Keys of ``slug`` not compared: deliberately changed ones and machine measurements."""
    measured = (changed.get("machine_measured") or {}).get(slug) or []
    return set((changed.get(slug) or {}).keys()) | set(measured)


def differences(recorded: dict, actual: dict, skip: set[str] = frozenset()) -> list[str]:
    """Every recorded key whose actual value differs (missing keys included), as readable lines."""
    out = []
    for key, want in recorded.items():
        if key in skip or key.startswith(MEASURED_PREFIX):
            continue
        if key not in actual:
            out.append(f"{key}: recorded {want!r}, no longer glued")
            continue
        got = actual[key]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (want, got))
        if numbers and (isinstance(want, float) or isinstance(got, float)):
            if math.isnan(want) or math.isnan(got):
                same = math.isnan(want) and math.isnan(got)
            else:
                same = math.isclose(got, want, rel_tol=REL, abs_tol=0.0)
        else:
            same = want == got and type(want) is type(got)
        if not same:
            out.append(f"{key}: recorded {want!r}, now {got!r}")
    return out


SLUGS = sorted(p.name.removesuffix(".default.json") for p in GOLDEN.glob("*.default.json"))
ALT = sorted(p.name.removesuffix(".alt.json") for p in GOLDEN.glob("*.alt.json"))


# ---------------------------------------------------------------------------
# the comparison itself (fast)
# ---------------------------------------------------------------------------
def test_comparison_by_hand():
    rec = {"a": 1.0, "b": "x", "n": 3, "nan": float("nan"), "gone": 1, "t": True, "measured_s": 2.0, "m": 1.0}
    act = {"a": 1.0 + 1e-12, "b": "x", "n": 3, "nan": float("nan"), "t": True, "measured_s": 9.0, "m": 5.0}
    assert differences(rec, act, {"m"}) == ["gone: recorded 1, no longer glued"]
    assert differences({"a": 1.0}, {"a": 1.0 + 1e-8}) == ["a: recorded 1.0, now 1.00000001"]
    assert differences({"n": 3}, {"n": 4}) == ["n: recorded 3, now 4"]
    assert differences({"t": True}, {"t": 1}) == ["t: recorded True, now 1"]
    assert differences({"s": "12"}, {"s": 12.0}) == ["s: recorded '12', now 12.0"]


def test_changed_yml_is_well_formed_and_names_recorded_keys():
    changed = load_changed()
    assert isinstance(changed, dict)
    for slug, keys in changed.items():
        if slug == "machine_measured":
            for s, ks in (keys or {}).items():
                assert s in SLUGS and isinstance(ks, list), s
                recorded = json.loads((GOLDEN / f"{s}.default.json").read_text())["glued"]
                assert set(ks) <= set(recorded), f"machine_measured.{s}: keys not recorded: {set(ks) - set(recorded)}"
            continue
        assert slug in SLUGS, f"changed.yml names an unknown chapter {slug!r}"
        assert isinstance(keys, dict) and keys, f"{slug}: map each changed key to a one-line reason"
        recorded = json.loads((GOLDEN / f"{slug}.default.json").read_text())["glued"]
        for key, reason in keys.items():
            assert isinstance(reason, str) and reason.strip(), f"{slug}.{key}: give a reason"
            assert key in recorded, f"{slug}.{key} is not a recorded key"


@pytest.mark.parametrize("slug", SLUGS)
def test_golden_files_hold_values_and_params(slug):
    for kind in ("default", "alt"):
        path = GOLDEN / f"{slug}.{kind}.json"
        if path.exists():
            d = json.loads(path.read_text())
            assert set(d) == {"glued", "params"} and d["glued"], path.name


# ---------------------------------------------------------------------------
# the chapters (execute notebooks)
# ---------------------------------------------------------------------------
@pytest.mark.notebook
@pytest.mark.parametrize("slug", SLUGS)
def test_default_values_are_reproduced(slug):
    """``executed/<slug>.ipynb`` (made by ``make book``; rebuilt here when stale) glues the recorded values."""
    r = subprocess.run(
        ["make", "--no-print-directory", f"executed/{slug}.ipynb"], cwd=REPO, capture_output=True, text=True
    )
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    recorded = json.loads((GOLDEN / f"{slug}.default.json").read_text())["glued"]
    diffs = differences(recorded, glued(REPO / "executed" / f"{slug}.ipynb"), skipped_keys(slug, load_changed()))
    assert not diffs, f"{slug} at defaults differs from tests/golden/{slug}.default.json:\n" + "\n".join(diffs)


@pytest.mark.notebook
@pytest.mark.parametrize("slug", ALT)
def test_other_parameter_set_is_reproduced(slug, tmp_path):
    """papermill with the recorded other parameter set glues the recorded values."""
    golden = json.loads((GOLDEN / f"{slug}.alt.json").read_text())
    args = [a for name, value in golden["params"].items() for a in ("-p", name, str(value))]
    out = tmp_path / f"{slug}.ipynb"
    r = run_papermill(slug, out, *args)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    diffs = differences(golden["glued"], glued(out), skipped_keys(slug, load_changed()))
    assert not diffs, f"{slug} with {golden['params']} differs from tests/golden/{slug}.alt.json:\n" + "\n".join(diffs)
