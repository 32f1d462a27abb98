"""The claims page: each verdict rule on both sides of its threshold, the flip searches on known answers, the
ledger's named errors, the dependency graph, the schema and the sweep's verdict column."""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO

from scalinglab.analyses import claims as C
from scalinglab.analyses import claims_flips as F
from scalinglab.book import ledger

S, P, N, T = C.SUPPORTED, C.PARTLY, C.NOT_SUPPORTED, C.NOT_TESTABLE


# --------------------------------------------------------------------------- rules, both sides of each threshold
@pytest.mark.parametrize(
    ("lo", "hi", "want"), [(1.5, 1.99, N), (1.5, 2.0, S), (2.2, 2.8, S), (3.1, 4.0, S), (math.nan, 2.5, T)]
)
def test_rule_growth(lo, hi, want):
    assert C.rule_growth(lo, hi, 2.0, 3.0) == want


def test_rule_growth_band_is_a_parameter():
    assert C.rule_growth(2.2, 2.9, 3.0, 4.0) == N
    assert C.rule_growth(2.2, 3.0, 3.0, 4.0) == S


@pytest.mark.parametrize(
    ("watt", "usd", "want"), [((2.1, 2.5), (1.9, 2.3), S), ((2.1, 2.5), (1.2, 1.9), P), ((1.2, 1.99), (1.1, 1.5), N)]
)
def test_rule_cost_energy(watt, usd, want):
    assert C.rule_cost_energy(*watt, *usd, 2.0, 3.0) == want


@pytest.mark.parametrize(
    ("moore", "dennard", "want"), [(True, True, S), (False, True, P), (True, False, P), (False, False, N)]
)
def test_rule_moore_dennard(moore, dennard, want):
    assert C.rule_moore_dennard(moore, dennard) == want


def test_moore_words_are_the_chapters():
    from scalinglab.analyses import moores_law_limits_trends as mt

    assert mt.trend_word(-1.0, 1.0) in C.FREQUENCY_STOPPED and mt.trend_word(-2.0, -1.0) in C.FREQUENCY_STOPPED
    assert mt.trend_word(0.5, 2.0) not in C.FREQUENCY_STOPPED


@pytest.mark.parametrize(("share", "want"), [(50.0, S), (49.99, P), (20.0, P), (19.99, N), (0.0, N)])
def test_rule_share(share, want):
    assert C.rule_share(share, 50.0, 20.0) == want


@pytest.mark.parametrize(
    ("nv", "ib", "inn", "big", "want"),
    [
        ("faster", "no faster", 1.0, 0.75, S),
        ("faster", "no faster", 1.0, 0.74, P),
        ("faster", "faster", 2.0, 0.5, N),
        ("only marginally faster", "no faster", 1.99, 0.5, P),
    ],
)
def test_rule_network(nv, ib, inn, big, want):
    assert C.rule_network(nv, ib, inn, 2.0, big, 0.5, 1.5) == want


def test_network_words_are_the_chapters():
    from scalinglab.analyses.interconnect_decode import speedup_word

    assert speedup_word(3.0) == "faster" and speedup_word(1.04) != "faster"


@pytest.mark.parametrize(("best", "want"), [(5.0, S), (4.999, N), (12.0, S)])
def test_rule_software(best, want):
    assert C.rule_software(best, 5.0) == want


def test_rule_software_is_the_chapters():
    from scalinglab.analyses import software_speedup as sw

    series = pl.DataFrame(
        {
            "system": ["s", "s"],
            "workload": ["gptj", "gptj"],
            "scenario": ["Offline", "Offline"],
            "round": ["a", "b"],
            "month_index": [0, 6],
            "samples_per_s": [1.0, 4.0],
        }
    )
    for claimed in (3.99, 4.0, 4.01):
        assert sw.check_claim(series, 12, claimed).verdict == C.rule_software(4.0, claimed)


@pytest.mark.parametrize(
    ("pair", "fixed", "want"),
    [(240.0, 120.0, S), (240.0, 119.9, P), (481.0, 200.0, N), (119.9, 19.0, N), (120.0, 19.0, P)],
)
def test_rule_token_drop(pair, fixed, want):
    assert C.rule_token_drop(pair, fixed, 240.0, 2.0) == want


@pytest.mark.parametrize(
    ("bound", "prompt", "want"),
    [("compute", 246.0, S), ("memory", 246.0, P), ("memory", 245.9, N), ("compute", 10.0, P)],
)
def test_rule_training_serves(bound, prompt, want):
    assert C.rule_training_serves(bound, prompt, 246.0) == want


@pytest.mark.parametrize(("tasks", "size", "want"), [(0, 16.0, T), (3, 16.0, S), (3, 1.0, N)])
def test_rule_small_models(tasks, size, want):
    assert C.rule_small_models(tasks, size) == want


# --------------------------------------------------------------------------- the checks on hand-made values
def hand_values(**over) -> dict:
    v = {
        "datacentre_scale": {
            "dc_perf_growth_x_per_year": 2.5,
            "dc_perf_growth_ci_low": 2.2,
            "dc_perf_growth_ci_high": 2.9,
            "dc_verdict_performance": "overlaps",
            "dc_chips_share_pct": 60.0,
            "dc_flops_per_watt_growth_x_per_year": 1.3,
            "dc_flops_per_watt_ci_low": 1.2,
            "dc_flops_per_watt_ci_high": 1.4,
            "dc_flops_per_usd_growth_x_per_year": 1.4,
            "dc_flops_per_usd_ci_low": 1.3,
            "dc_flops_per_usd_ci_high": 1.5,
            "dc_verdict_cost_energy": "slower",
        },
        "moores_law_limits": {
            "transistor_doubling_years": 2.0,
            "transistor_doubling_ci_high": 2.05,
            "moore_vs_interview": "these transistor counts do not show it",
            "frequency_trend_word": "was flat",
            "frequency_growth_pct_per_year_after": -1.0,
            "single_thread_growth_pct_per_year_after": 12.0,
        },
        "precision_codesign": {
            "decomp_format_share_pct": 27.0,
            "decomp_format_gain": 5.8,
            "decomp_total_gain": 613.0,
            "decomp_span": "P100 -> B300",
        },
        "interconnect_scaling": {
            "scaling_efficiency_nvl72": 1.0,
            "scaling_efficiency_nvl8": 0.95,
            "hierarchical_sharp_allreduce_ms": 4.8,
            "hierarchical_allreduce_ms": 16.7,
            "tp8_nvlink_speedup": 3.0,
            "tp8_infiniband_speedup": 1.04,
            "tp8_nvlink_word": "faster",
            "tp8_infiniband_word": "only marginally faster",
        },
        "software_speedup": {
            "sw_best_speedup_x": 3.41,
            "sw_claimed_speedup_x": 5.0,
            "sw_window_months": 12,
            "sw_verdict": "not supported",
        },
        "token_cost_drop": {
            "claim_ratio": 240.0,
            "claim_period_months": 17.0,
            "fixed_over_claim_period_x": 19.0,
            "fixed_capability_decline_x_per_year": 8.0,
            "fp_crossover_batch": 246.1,
            "fp_bound": "memory",
            "decomposition_size_x": 16.3,
            "fixed_last_holder": "X",
        },
    }
    for k, val in over.items():
        chapter, key = k.split("__")
        v[chapter][key] = val
    return v


def test_needs_match_hand_values():
    v = hand_values()
    for needs in C.NEEDS.values():
        for chapter, key in needs:
            assert key in v[chapter], (chapter, key)


def test_evaluate_at_hand_values():
    got = [c.verdict for c in C.evaluate(hand_values())]
    assert got == [S, N, P, P, P, N, P, P, T]


def test_evaluate_follows_the_numbers():
    v = hand_values(software_speedup__sw_best_speedup_x=5.2, moores_law_limits__frequency_trend_word="kept growing")
    got = {c.claim.number: c.verdict for c in C.evaluate(v)}
    assert got[6] == S and got[3] == N
    t = C.Thresholds(promise_low_x=3.0, promise_high_x=4.0)
    assert C.evaluate(hand_values(), t)[0].verdict == N


def test_every_rule_sentence_states_its_threshold():
    checks = C.evaluate(hand_values())
    assert "[2, 3]x per year" in checks[0].rule
    assert "240x" in checks[6].rule and "120x" in checks[6].rule
    assert all(c.rule and c.numbers and c.assumptions for c in checks)
    assert checks[8].settle  # not testable: says which data would settle it


def test_claims_are_nine_and_anchored():
    assert [c.number for c in C.CLAIMS] == list(range(1, 10))
    for c in C.CLAIMS:
        assert c.anchor == ledger.section_anchor(c.heading), c  # docutils' id equals the MyST slug used in links
    assert len({c.anchor for c in C.CLAIMS}) == 9


# --------------------------------------------------------------------------- flip searches with known answers
def test_threshold_flip_finds_a_known_boundary():
    def rule(x):
        return "a" if x < 3.7 else "b"

    value, verdict = F.threshold_flip(rule, 1.0, 0.0, 10.0)
    assert value == pytest.approx(3.7, abs=1e-5) and verdict == "b"
    assert F.threshold_flip(lambda x: "a", 1.0, 0.0, 10.0) is None


def test_threshold_flip_takes_the_nearest_side():
    def rule(x):
        return "low" if x < 2.0 else "mid" if x <= 5.0 else "high"

    value, verdict = F.threshold_flip(rule, 4.0, 0.0, 10.0)
    assert value == pytest.approx(5.0, abs=1e-5) and verdict == "high"


def test_rule_flip_of_claim_1_is_the_interval_top():
    # the verdict flips when the promise's lower end passes the top of the interval
    flips = F._rule_flip(lambda x: C.rule_growth(2.2, 2.9, x, max(x, 3.0)), "promise_low_x", 2.0, 1.0, 10.0)
    assert flips[0].value == pytest.approx(2.9, abs=1e-5) and flips[0].verdict == N


def test_nearest_changes_on_a_grid():
    grid = pl.DataFrame(
        {"top_n": [1, 5, 10, 20, 10, 10], "start_year": [2019, 2019, 2019, 2019, 2015, 2021], "v": [N, S, S, N, S, N]}
    )
    flips = F.nearest_changes(grid, "v", {"top_n": 10, "start_year": 2019}, S, ("top_n", "start_year"), "dc")
    assert [(f.parameter, f.value, f.verdict) for f in flips] == [("top_n", 1, N), ("start_year", 2021, N)]


def test_decode_bound_search_matches_the_closed_form_crossover():
    from scalinglab import data
    from scalinglab.analyses import token_economics as econ
    from scalinglab.models import roofline

    spec = econ.gpu_spec(data.load_gpu_specs(), "H100")
    p = {
        "active_params_billion": 70.0,
        "bytes_per_param": 1.0,
        "bandwidth_utilization": 0.6,
        "batch_size": 64,
        "context_tokens": 0.0,
        "kv_bytes_per_token": 0.0,
    }
    closed = roofline.crossover_batch(spec["hbm_tb_per_s"], 70.0, 1.0, 0.6, econ.dense_tflops_for(spec, 1.0)[0])
    found = F.decode_bound_search(spec, p)
    assert closed == pytest.approx(246.13, abs=0.01)
    assert found["batch"] == pytest.approx(closed, rel=2e-3)
    # with a long KV cache per sequence the memory bound saturates below the compute bound: no crossover
    kv = F.decode_bound_search(spec, {**p, "context_tokens": 2048.0, "kv_bytes_per_token": 327680.0})
    assert kv["batch"] is None


# --------------------------------------------------------------------------- the ledger's named errors
def _nb(glued: dict, headings=("Intro",)) -> dict:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "\n".join(f"## {h}" for h in headings)}]
    outs = [
        {
            "output_type": "display_data",
            "data": {"application/papermill.record/text/plain": repr(v)},
            "metadata": {"scrapbook": {"name": k, "mime_prefix": "application/papermill.record/"}},
        }
        for k, v in glued.items()
    ]
    cells.append({"cell_type": "code", "metadata": {}, "source": "", "outputs": outs, "execution_count": 1})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _write_all(folder: Path, drop: tuple[str, str] | None = None, skip: str | None = None) -> None:
    for chapter, keys in ledger.needed().items():
        if chapter == skip:
            continue
        vals = {k: 1.0 for k in keys if (chapter, k) != drop}
        (folder / f"{chapter}.ipynb").write_text(json.dumps(_nb(vals)))


def test_ledger_reads_every_needed_value(tmp_path):
    _write_all(tmp_path)
    led = ledger.load(tmp_path)
    assert led.get("software_speedup", "sw_best_speedup_x") == 1.0
    assert set(led.values) == set(ledger.needed())


def test_ledger_missing_key_names_chapter_and_key(tmp_path):
    _write_all(tmp_path, drop=("token_cost_drop", "fp_crossover_batch"))
    with pytest.raises(ledger.MissingKey) as err:
        ledger.load(tmp_path)
    assert err.value.chapter == "token_cost_drop" and err.value.key == "fp_crossover_batch"
    assert "'token_cost_drop'" in str(err.value) and "'fp_crossover_batch'" in str(err.value)


def test_ledger_missing_notebook_names_the_chapter(tmp_path):
    _write_all(tmp_path, skip="moores_law_limits")
    with pytest.raises(ledger.MissingChapter) as err:
        ledger.load(tmp_path)
    assert err.value.chapter == "moores_law_limits" and "moores_law_limits.ipynb" in str(err.value)


def test_ledger_missing_section_names_chapter_and_heading(tmp_path):
    led = ledger.Ledger(tmp_path, headings={"software_speedup": ["The claim: five times faster?"]})
    assert led.anchor("software_speedup", "The claim") == "software_speedup.ipynb#the-claim-five-times-faster"
    with pytest.raises(ledger.MissingSection) as err:
        led.anchor("software_speedup", "The verdict")
    assert err.value.chapter == "software_speedup" and "'The verdict'" in str(err.value)


def test_section_anchor_is_docutils_id():
    assert ledger.section_anchor("The claim: five times faster in a year?") == "the-claim-five-times-faster-in-a-year"
    assert ledger.section_anchor("Is Moore's law exhausted?") == "is-moore-s-law-exhausted"


# --------------------------------------------------------------------------- dependencies, schema, sweeps
def test_ledger_runs_after_every_chapter_and_only_it_reads_its_code():
    from scalinglab.book import deps

    chapters = deps.chapters_read_by_ledger()
    assert "claims" not in chapters and len(chapters) >= 6
    mine = {p.relative_to(REPO).as_posix() for p in deps.chapter_dependencies("claims")}
    assert {f"executed/{s}.ipynb" for s in chapters} <= mine
    assert "scalinglab/analyses/claims.py" in mine
    for s in chapters:
        theirs = {p.relative_to(REPO).as_posix() for p in deps.chapter_dependencies(s)}
        assert not any(f.startswith("executed/") for f in theirs)
        assert not set(deps.LEDGER_ONLY) & theirs  # editing the ledger reruns no chapter


def test_schema_rejects_bad_values():
    from scalinglab.book import schemas
    from scalinglab.errors import ParameterError

    with pytest.raises(ParameterError, match="'executed_dir'"):
        schemas.validate("claims", {"executed_dir": "/no/such/folder"})
    with pytest.raises(ParameterError, match="'promise_high_x'"):
        schemas.validate("claims", {"promise_low_x": 3.0, "promise_high_x": 2.0})
    with pytest.raises(ParameterError, match="'minor_share_pct'"):
        schemas.validate("claims", {"minor_share_pct": 60.0})


def test_schema_thresholds_round_trip(tmp_path):
    from scalinglab.book import schemas

    p = schemas.validate("claims", {"executed_dir": str(tmp_path), "price_tolerance_x": 3.0})
    assert p.thresholds() == C.Thresholds(price_tolerance_x=3.0) and p.folder == tmp_path


def test_sweep_verdict_column():
    from scalinglab.book.sweeps import verdict_columns

    g = hand_values()["software_speedup"]
    cols = verdict_columns("software_speedup", [g, {**g, "sw_best_speedup_x": 6.0}, None])
    assert cols == {6: [N, S, None]}
    assert verdict_columns("interconnect_scaling", [{"ring_allreduce_ms": 1.0}]) == {}  # headline keys only


def test_scenario_verdict_changes(tmp_path):
    from scalinglab.book import scenarios

    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    a.write_text(json.dumps(_nb({"claim1_verdict": S, "claim2_verdict": N})))
    b.write_text(json.dumps(_nb({"claim1_verdict": S, "claim2_verdict": P, "claim2_short": "Cost"})))
    changes = scenarios.verdict_changes(a, b)
    assert changes == [{"claim": 2, "short": "Cost", "default": N, "scenario": P}]
    assert scenarios.verdicts_sentence(changes) == f"Verdicts changed: claim 2 (Cost): {N} -> {P}."
    assert scenarios.verdict_changes(tmp_path / "none.ipynb", b) is None


def test_network_flip_recomputes_the_chapters_efficiencies():
    """At the chapter's bandwidth the 72-vs-8 gain is small; the bisection finds where it reaches the threshold."""
    import types

    from scalinglab.analyses import interconnect_network as net
    from scalinglab.book import schemas

    p = schemas.validate("interconnect_scaling", {}).model_dump()
    values = hand_values()["interconnect_scaling"]
    (flip,) = F.network_flip(p, values, C.Thresholds())
    r = net.data_parallel(types.SimpleNamespace(**{**p, "scaleout_bandwidth_gb_s": flip.value}))
    assert r.scaling_efficiency_nvl72 / r.scaling_efficiency_nvl8 == pytest.approx(1.5, abs=1e-3)
    assert flip.verdict == S and flip.default_verdict == P
