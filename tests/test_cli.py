"""The ``scalinglab`` command: params, run, sweep, book --scenario.

Bad input is rejected before any kernel starts (fast); a few tests execute notebooks
(a run, a dead kernel, a timeout, a sweep with a failing point and a repeated point,
a small scenario book, the vectorised sweep against the interconnect notebook).
Every test writes its runs into a temporary folder (``SCALINGLAB_RUNS_DIR``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import CHROMIUM, REPO, run_papermill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalinglab.book import cache, cli, glue, inject, scenarios, schemas, sweeps
from scalinglab.errors import ParameterError

SCALINGLAB = Path(sys.executable).with_name("scalinglab")


@pytest.fixture()
def runs_dir(tmp_path, monkeypatch):
    d = tmp_path / "runs"
    monkeypatch.setenv("SCALINGLAB_RUNS_DIR", str(d))
    return d


def sl(*args: str, runs_dir: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """``python -m scalinglab ARGS`` as a user would run it."""
    env = {**os.environ}
    if runs_dir is not None:
        env["SCALINGLAB_RUNS_DIR"] = str(runs_dir)
    return subprocess.run(
        [sys.executable, "-m", "scalinglab", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=timeout
    )


def _notebook(path: Path, *cells: str, params: str = "seed = 2024  # random seed") -> Path:
    """A stand-in chapter notebook whose parameters cell fits the moores_law_limits schema."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


# ---------------------------------------------------------------------------
# values from the command line
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw,expected",
    [
        ("8", 8),
        ("-5", -5),
        ("0.5", 0.5),
        ("1e9", 1e9),
        ("-2.5e-3", -2.5e-3),
        ("1_000", 1000),
        ("010", 10),
        ("true", True),
        ("False", False),
        ("null", None),
        ("None", None),
        ("~", None),
        ("2023-03-14", dt.date(2023, 3, 14)),
        ("[bfloat16, float8_e4m3fn]", ["bfloat16", "float8_e4m3fn"]),
        ("[1, 2.5, null]", [1, 2.5, None]),
        ("{a: 1}", {"a": 1}),
        ("yes", "yes"),
        ("on", "on"),
        ("1:30", "1:30"),
        ("GPT-4 (8k)", "GPT-4 (8k)"),
        ('say "hi"', 'say "hi"'),
        ("'quoted'", "'quoted'"),
        ('line1\nline2 "q" \\n', 'line1\nline2 "q" \\n'),
        ("  padded  ", "  padded  "),
        ("", ""),
        ("a: b", "a: b"),
        ("x # not a comment", "x # not a comment"),
    ],
)
def test_parse_value_types(raw, expected):
    got = cli.parse_value(raw)
    assert got == expected and type(got) is type(expected)


def test_malformed_list_is_bad_input():
    with pytest.raises(ValueError, match="YAML list"):
        cli.parse_value("[a, b")


def test_split_sweep_values():
    assert cli.split_values("8,72,576") == [8, 72, 576]
    assert cli.split_values("[a, b], [c]") == [["a", "b"], ["c"]]
    assert cli.split_values('"GPT-4 (8k)", GPT-4o mini') == ["GPT-4 (8k)", "GPT-4o mini"]
    assert cli.split_values("null, 2020") == [None, 2020]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_injected_strings_round_trip_exactly(s):
    """Whatever the text, the injected-parameters code evaluates back to the same string."""
    code = inject.injected_source({"x": s, "d": dt.date(2023, 3, 14), "l": [s, None, 1.5], "m": {s: s}})
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - our own generated code
    assert ns["x"] == s and ns["l"] == [s, None, 1.5] and ns["m"] == {s: s}
    assert ns["d"] == dt.date(2023, 3, 14) and type(ns["d"]) is dt.date


@pytest.fixture()
def exact_translator():
    from papermill.translators import PythonTranslator, papermill_translators

    yield inject.install_translator()
    papermill_translators.register("python", PythonTranslator)


def test_values_keep_their_types_inside_the_kernel(tmp_path, exact_translator):
    """Through papermill into a real kernel: text byte for byte, list, None, date, negative number."""
    import papermill as pm

    src = _notebook(
        tmp_path / "echo.ipynb",
        "import json\nfrom myst_nb import glue\n"
        "glue('types', json.dumps([type(v).__name__ for v in (s, l, n, d, neg)]), display=False)\n"
        "glue('s', s, display=False)\nglue('d', d.isoformat(), display=False)",
        params='s = ""  # text\nl = []  # list\nn = 1  # none\nd = "2000-01-01"  # date\nneg = 0  # number',
    )
    text = "He said \"hi\",\nthen 'bye' \\ tab\tend ünï €"
    values = {"s": text, "l": ["bfloat16", "float8_e4m3fn"], "n": None, "d": dt.date(2023, 3, 14), "neg": -5}
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(
        str(src),
        str(out),
        parameters=inject.papermill_value(values),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    g = glue.glued_values(json.loads(out.read_text()))
    assert json.loads(g["types"]) == ["str", "list", "NoneType", "date", "int"]
    assert g["s"] == text and g["d"] == "2023-03-14"


# ---------------------------------------------------------------------------
# params and bad input (no kernel)
# ---------------------------------------------------------------------------
def test_params_lists_every_parameter():
    r = subprocess.run([str(SCALINGLAB), "params", "moores_law_limits"], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    for head in ("name", "type", "default", "unit", "allowed", "help"):
        assert head in r.stdout.splitlines()[1]
    for name in schemas.get_schema("moores_law_limits").model_fields:
        assert f"\n{name} " in r.stdout
    assert "one of: transistors" in r.stdout and "year" in r.stdout
    j = json.loads(sl("params", "moores_law_limits", "--format", "json").stdout)
    assert [row["name"] for row in j] == list(schemas.get_schema("moores_law_limits").model_fields)


@pytest.mark.parametrize("chapter", schemas.chapters())
def test_params_of_every_chapter(chapter, capsys):
    assert cli.main(["params", chapter]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{n} " in out for n in schemas.get_schema(chapter).model_fields)


def test_unknown_name_exits_2_with_suggestion(runs_dir):
    t0 = time.perf_counter()
    r = subprocess.run(
        [str(SCALINGLAB), "run", "moores_law_limits", "-p", "fit_start_yr", "1990"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "SCALINGLAB_RUNS_DIR": str(runs_dir)},
    )
    assert r.returncode == 2
    assert "'fit_start_yr'" in r.stderr and "did you mean 'fit_start_year'?" in r.stderr
    assert time.perf_counter() - t0 < 15 and not runs_dir.exists()  # no kernel, no run folder


@pytest.mark.skipif("interconnect_scaling" not in schemas.chapters(), reason="interconnect chapter not written yet")
def test_unknown_name_interconnect_suggests_n_gpus(capsys):
    assert cli.main(["run", "interconnect_scaling", "-p", "n_gpu", "8"]) == 2
    assert "did you mean 'n_gpus'?" in capsys.readouterr().err


def test_unknown_chapter_exits_2_with_suggestion(capsys):
    assert cli.main(["run", "moores_law_limit"]) == 2
    assert "did you mean 'moores_law_limits'?" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,name,fragments",
    [
        (["-p", "fit_start_year", "abc"], "fit_start_year", ["'abc'", "valid integer", ">= 1900"]),
        (["-p", "fit_start_year", "1850"], "fit_start_year", ["1850", ">= 1900"]),
        (["-p", "temperature_k", "-5"], "temperature_k", ["-5", "greater than 0"]),
        (
            ["-p", "metric", "[transistors, frequency]"],
            "metric",
            ["['transistors', 'frequency']", "one of: transistors"],
        ),
        (["-p", "metric", "null"], "metric", ["None", "one of: transistors"]),
        (["-p", "metric", 'say "hi"\nthere'], "metric", [repr('say "hi"\nthere'), "one of: transistors"]),
        (["-p", "fit_start_year", "2023-03-14"], "fit_start_year", ["datetime.date(2023, 3, 14)", "valid integer"]),
        (["-p", "fit_start_year", "2030"], "fit_start_year", ["2030", "data run from"]),
        (["-p", "confidence_level", "true"], "confidence_level", ["True"]),
    ],
)
def test_bad_values_exit_2_naming_parameter_value_allowed(args, name, fragments, capsys, runs_dir):
    assert cli.main(["run", "moores_law_limits", *args]) == 2
    err = capsys.readouterr().err
    assert f"parameter '{name}'" in err
    for f in fragments:
        assert f in err
    assert not runs_dir.exists()


def test_none_negative_and_date_values_are_accepted_where_allowed(capsys):
    assert (
        cli.main(
            [
                "run",
                "moores_law_limits",
                "--dry-run",
                "-p",
                "break_year",
                "null",
                "-p",
                "temperature_k",
                "77",
                "-p",
                "seed",
                "0",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "break_year = None" in out and "temperature_k = 77" in out
    resolved = json.loads(out.split("# resolved parameters:\n", 1)[1])
    assert resolved["break_year"] is None and resolved["temperature_k"] == 77.0


@pytest.mark.skipif("token_cost_drop" not in schemas.chapters(), reason="token-cost chapter not written yet")
def test_yaml_date_reaches_the_notebook_as_a_date(capsys):
    assert cli.main(["run", "token_cost_drop", "--dry-run", "-p", "start_date", "2023-06-01"]) == 0
    out = capsys.readouterr().out
    assert "start_date = __import__(\"datetime\").date.fromisoformat('2023-06-01')" in out


@pytest.mark.skipif("precision_codesign" not in schemas.chapters(), reason="precision chapter not written yet")
def test_list_value_is_a_list(capsys):
    assert cli.main(["run", "precision_codesign", "--dry-run", "-p", "formats", "[bfloat16, float8_e4m3fn]"]) == 0
    assert "formats = ['bfloat16', 'float8_e4m3fn']" in capsys.readouterr().out
    assert cli.main(["run", "precision_codesign", "-p", "formats", "[bfloat16, float9]"]) == 2
    assert "'formats'" in capsys.readouterr().err


def test_params_file_and_str_option(tmp_path, capsys):
    f = tmp_path / "p.yaml"
    f.write_text("fit_start_year: 1990\nfit_end_year: 2005\n")
    assert cli.main(["run", "moores_law_limits", "--dry-run", "-f", str(f), "-p", "fit_end_year", "2010"]) == 0
    out = capsys.readouterr().out
    assert "fit_start_year = 1990" in out and "fit_end_year = 2010" in out
    assert cli.main(["run", "moores_law_limits", "--dry-run", "-s", "seed", "12"]) == 0
    assert "seed = '12'" in capsys.readouterr().out  # -s: text, never a number
    f.write_text("- not a mapping\n")
    assert cli.main(["run", "moores_law_limits", "-f", str(f)]) == 2
    assert "mapping" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,name",
    [
        (["-p", "fit_start_yr", "1990"], "fit_start_yr"),
        (["-p", "temperature_k", "-5"], "temperature_k"),
        (["-p", "metric", "[transistors, frequency]"], "metric"),
    ],
)
def test_plain_papermill_rejects_the_same_values_in_the_notebook(tmp_path, args, name):
    """Papermill itself passes these on (a list as a string, an unknown name with a warning);
    the notebook's validation cell rejects them with the named error."""
    r = run_papermill("moores_law_limits", tmp_path / "out.ipynb", *args)
    assert r.returncode != 0
    assert "ParameterError" in r.stderr and f"'{name}'" in r.stderr


def _any_value():
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**12), 10**12),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.dates(),
        st.datetimes(),
        st.binary(max_size=5),
    )
    return st.one_of(scalar, st.lists(scalar, max_size=4), st.dictionaries(st.text(max_size=5), scalar, max_size=3))


def _near(default):
    """Values of the default's own type near it, so the cross-parameter rules are reached too."""
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, int):
        return st.integers(min(-5, default - 1000), default + 1000)
    if isinstance(default, float):
        return st.floats(min(-1.0, default - 100 * abs(default) - 1), 100 * abs(default) + 1)
    if isinstance(default, list):
        return st.lists(st.sampled_from(default + ["bogus"]) if default else st.text(max_size=8), max_size=6)
    if isinstance(default, str):
        return st.one_of(
            st.just(default), st.text(max_size=12), st.sampled_from(["GPT-4o mini", "H100", "B200", "A100"])
        )
    return _any_value()


@pytest.mark.parametrize("chapter", schemas.chapters())
def test_random_values_only_ever_raise_parameter_error(chapter):
    cls = schemas.get_schema(chapter)
    fields = list(cls.model_fields)
    strategy = st.dictionaries(
        st.one_of(st.sampled_from(fields), st.sampled_from([f + "x" for f in fields] + ["", "In", "params"])),
        st.one_of(_any_value(), *[_near(cls.model_fields[f].default) for f in fields]),
        max_size=5,
    )

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(values):
        try:
            schemas.validate(chapter, values)
        except ParameterError as err:
            assert isinstance(err.name, str) and str(err)

    check()


# ---------------------------------------------------------------------------
# runs (kernels)
# ---------------------------------------------------------------------------
def test_run_writes_a_complete_folder_only_on_success(runs_dir):
    r = sl("run", "moores_law_limits", "-p", "fit_start_year", "1990", "-p", "fit_end_year", "2005", runs_dir=runs_dir)
    assert r.returncode == 0, r.stderr
    assert "transistor_doubling_years" in r.stdout and "landauer_j_per_bit" in r.stdout
    (run,) = [p for p in (runs_dir / "moores_law_limits").iterdir()]
    assert not run.name.startswith(".") and not run.name.endswith(".failed")
    names = {p.name for p in run.iterdir()}
    assert {
        "moores_law_limits.ipynb",
        "moores_law_limits.html",
        "run_record.json",
        "glued.json",
        "params.yaml",
        "vega-runtime.js",
    } <= names
    rec = json.loads((run / "run_record.json").read_text())
    assert rec["parameters"]["fit_start_year"] == 1990 and rec["data_sha256"] and rec["git_commit"]
    assert "numpy" in rec["versions"] and rec["scalinglab_run"]["values_given"] == {
        "fit_start_year": 1990,
        "fit_end_year": 2005,
    }
    glued = json.loads((run / "glued.json").read_text())
    assert glued["fit_window"] == "1990-2005"
    page = (run / "moores_law_limits.html").read_text()
    assert "cdn.jsdelivr" not in page.split("<body", 1)[0] and 'src="vega-runtime.js"' in page
    assert "require.min.js" not in page and "cdnjs" not in page
    assert "{glue:text}" not in page  # glued values substituted into the prose
    if Path(CHROMIUM).exists():
        from browser import browser, expected_chart_count, load, serve

        with serve(run) as url, browser(CHROMIUM) as b:
            res = load(b, f"{url}/moores_law_limits.html", expected_chart_count(run / "moores_law_limits.ipynb"))
        assert res["external"] == [] and res["error_boxes"] == 0 and res["rendered"] >= 1


def test_killed_kernel_is_reported_quickly_and_leaves_only_a_failed_folder(tmp_path, runs_dir):
    src = _notebook(tmp_path / "kill.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    t0 = time.perf_counter()
    r = sl("run", "moores_law_limits", "--notebook", str(src), runs_dir=runs_dir)
    assert r.returncode == 1 and time.perf_counter() - t0 < 60
    assert "kernel died" in r.stderr
    (only,) = list((runs_dir / "moores_law_limits").iterdir())
    assert only.name.endswith(".failed") and (only / "error.txt").read_text().startswith("dead-kernel")
    assert not (only / "run_record.json").exists()


def test_execution_timeout_is_a_parameter(tmp_path, runs_dir):
    src = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    t0 = time.perf_counter()
    r = sl("run", "moores_law_limits", "--notebook", str(src), "--timeout", "2", runs_dir=runs_dir)
    assert r.returncode == 1 and time.perf_counter() - t0 < 45
    assert "timed out after 2 s" in r.stderr
    assert all(p.name.endswith(".failed") for p in (runs_dir / "moores_law_limits").iterdir())


# ---------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------
def test_sweep_failing_point_reported_others_finish_and_repeats_are_cached(tmp_path, runs_dir):
    import polars as pl

    src = _notebook(
        tmp_path / "sweepme.ipynb",
        "import time\nfrom myst_nb import glue\n"
        "if seed == 2:\n    raise RuntimeError('boom at seed 2')\n"
        "glue('ten_seed', 10 * seed, display=False)\nglue('nonce', time.time_ns(), display=False)",
    )
    r = sl(
        "sweep",
        "moores_law_limits",
        "--notebook",
        str(src),
        "-p",
        "seed",
        "1,2,3",
        "--workers",
        "2",
        "--no-progress",
        runs_dir=runs_dir,
    )
    assert r.returncode == 1, r.stderr
    assert "boom at seed 2" in r.stderr
    (first,) = [p for p in (runs_dir / "moores_law_limits").iterdir() if p.name.startswith("sweep-")]
    t = pl.read_csv(first / "points.csv")
    assert t["status"].to_list() == ["ok", "failed", "ok"]
    assert t["ten_seed"].to_list() == [10, None, 30]
    assert "boom at seed 2" in t["error"][1]
    assert pl.read_parquet(first / "points.parquet").height == 3
    assert (first / "chart.html").exists() and (first / "failed" / "point-1.ipynb").exists()

    r = sl(
        "sweep", "moores_law_limits", "--notebook", str(src), "-p", "seed", "3,4,1", "--no-progress", runs_dir=runs_dir
    )
    assert r.returncode == 0, r.stderr
    assert "1 executed, 2 from the cache" in r.stdout
    second = max(
        (p for p in (runs_dir / "moores_law_limits").iterdir() if p.name.startswith("sweep-")),
        key=lambda p: p.stat().st_mtime,
    )
    t2 = pl.read_csv(second / "points.csv")
    assert t2["status"].to_list() == ["cached", "ok", "cached"]
    nonce1 = dict(zip(t["seed"].to_list(), t["nonce"].to_list()))
    nonce2 = dict(zip(t2["seed"].to_list(), t2["nonce"].to_list()))
    assert nonce2[1] == nonce1[1] and nonce2[3] == nonce1[3]  # the same results: not re-executed


def test_sweep_validates_every_point_first(capsys, runs_dir):
    assert cli.main(["sweep", "moores_law_limits", "-p", "fit_start_year", "1990,2030", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "sweep point 1" in err and "'fit_start_year'" in err and "--skip-invalid" in err
    assert not runs_dir.exists()
    assert cli.main(["sweep", "moores_law_limits", "-p", "fit_start_yr", "1990,2000"]) == 2
    assert "did you mean 'fit_start_year'" in capsys.readouterr().err


@pytest.mark.skipif("interconnect_scaling" not in schemas.chapters(), reason="interconnect chapter not written yet")
def test_vectorised_sweep_writes_three_rows_without_a_kernel(runs_dir):
    import polars as pl

    r = subprocess.run(
        [str(SCALINGLAB), "sweep", "interconnect_scaling", "-p", "n_gpus", "8,72,576"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "SCALINGLAB_RUNS_DIR": str(runs_dir)},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "vectorised" in r.stdout
    (d,) = [p for p in (runs_dir / "interconnect_scaling").iterdir()]
    t = pl.read_csv(d / "points.csv")
    assert t.height == 3 and t["n_gpus"].to_list() == [8, 72, 576]
    assert set(sweeps.VECTORISED_KEYS["interconnect_scaling"]) <= set(t.columns)
    assert pl.read_parquet(d / "points.parquet").height == 3
    assert not (runs_dir / ".cache").exists() or not [p for p in (runs_dir / ".cache").iterdir() if p.name != "static"]


@pytest.mark.skipif(
    not (REPO / "notebooks" / "interconnect_scaling.ipynb").exists(), reason="interconnect notebook not written yet"
)
def test_vectorised_values_equal_what_the_notebook_glues(runs_dir):
    grid = {"n_gpus": [576], "latency_us": [3.0], "message_size_bytes": [2**28]}
    vec = sweeps.sweep("interconnect_scaling", grid, runs_dir=runs_dir, progress=False)
    ker = sweeps.sweep("interconnect_scaling", grid, runs_dir=runs_dir, progress=False, kernel=True)
    assert vec.mode == "vectorised" and ker.mode == "kernel" and ker.table["status"][0] == "ok"
    for key in sweeps.VECTORISED_KEYS["interconnect_scaling"]:
        assert vec.table[key][0] == pytest.approx(ker.table[key][0], rel=1e-12), key


# ---------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------
def test_shipped_scenarios_parse_and_name_their_chapters():
    files = sorted((REPO / "scenarios").glob("*.yaml"))
    assert len(files) >= 2
    assert any("moores_law_limits" in scenarios.load(f).chapters for f in files)
    for f in files:
        sc = scenarios.load(f)
        assert sc.title and sc.description and sc.chapters
        written = [s for s in sc.chapters if (REPO / "notebooks" / f"{s}.ipynb").exists() and s in schemas.chapters()]
        if written == list(sc.chapters):  # every chapter it names exists: it must validate completely
            models = scenarios.validate(sc)
            assert all(scenarios.differences(sc, models).get(s) for s in sc.chapters), f.name
        else:
            for slug in written:
                schemas.validate(slug, sc.chapters[slug])


def test_scenario_with_a_chapter_without_notebook_fails_clearly(tmp_path, monkeypatch):
    @schemas.register("ghost_chapter")
    class Ghost(schemas.ChapterParams):
        x: int = 1

    try:
        f = tmp_path / "s.yaml"
        f.write_text(
            "title: T\nchapters:\n  ghost_chapter: {x: 2}\n  moores_law_limits: {fit_start_yr: 1990}\n"
            "  interconect_scaling: {n_gpus: 8}\n"
        )
        with pytest.raises(scenarios.ScenarioError) as exc:
            scenarios.validate(scenarios.load(f))
        msg = str(exc.value)
        assert "'ghost_chapter' has no notebook yet" in msg
        assert "did you mean 'fit_start_year'" in msg
        assert "'interconect_scaling' has no parameter schema" in msg
        f.write_text("titel: T\n")
        with pytest.raises(scenarios.ScenarioError, match="did you mean 'title'"):
            scenarios.load(f)
    finally:
        schemas._REGISTRY.pop("ghost_chapter", None)


def test_scenario_book_shows_its_banner_and_changed_numbers(tmp_path, runs_dir):
    """A one-chapter book root (so the test stays small), built like the real one."""
    import shutil

    root = tmp_path / "root"
    (root / "book").mkdir(parents=True)
    # The one-chapter book lacks the chapters the Moore chapter links to: those links may not resolve here.
    config = (REPO / "_config.yml").read_text()
    assert '"bibtex.duplicate_label"]' in config
    (root / "_config.yml").write_text(
        config.replace('"bibtex.duplicate_label"]', '"bibtex.duplicate_label", "myst.xref_missing"]')
    )
    shutil.copytree(REPO / "book" / "_static", root / "book" / "_static")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: executed/moores_law_limits\n"
    )
    (root / "book" / "index.md").write_text(
        "# Test book\n\nTransistors double every "
        "{glue:text}`../executed/moores_law_limits.ipynb::transistor_doubling_years:.3f` years.\n"
    )
    f = tmp_path / "short_window.yaml"
    f.write_text(
        "title: Short window\ndescription: Fits over 1990-2005 only.\n"
        "chapters:\n  moores_law_limits:\n    fit_start_year: 1990\n    fit_end_year: 2005\n"
    )
    sc = scenarios.load(f)
    out = scenarios.build_book(sc, root=root, out_root=tmp_path / "out", runs_dir=runs_dir, log=lambda s: None)
    assert (out / "index.html").exists()
    cached = cache.cache_get(
        cache.point_key("moores_law_limits", scenarios.validate(sc)["moores_law_limits"]), runs_dir
    )
    changed = cached["glued"]["transistor_doubling_years"]
    default = schemas.validate("moores_law_limits", {})
    assert f"{changed:.3f}" != "1.995"  # the default window gives 1.995
    index = (out / "book" / "index.html").read_text()
    chapter = (out / "executed" / "moores_law_limits.html").read_text()
    for page in (index, chapter):
        assert "bd-header-announcement" in page and "Scenario: Short window" in page
        assert "fit_start_year = 1990 (default 1971)" in page
    assert 'class="scenario-banner"' in chapter and "<code>fit_end_year</code>" in chapter
    assert f"{changed:.3f}" in index  # the glued number of the scenario, not the default
    assert default.fit_start_year == 1971
    src_cfg = (tmp_path / "out" / "src" / "_config.yml").read_text()
    assert str(REPO / "_build" / "generated" / "static") in src_cfg  # root-relative paths made absolute


def test_python_dash_m_and_help():
    r = sl("--help")
    assert r.returncode == 0 and "params" in r.stdout and "sweep" in r.stdout and "book" in r.stdout
    assert sl().returncode == 2
    assert sl("run", "moores_law_limits", "-p", "metric").returncode == 2  # -p needs NAME VALUE


def test_glued_text_is_parsed_back():
    assert glue.parse_plain("1.5") == 1.5 and glue.parse_plain("'a b'") == "a b"
    assert glue.parse_plain("np.float64(2.5)") == 2.5 and math.isnan(glue.parse_plain("nan"))
    assert glue.parse_plain("<object at 0x1>") == "<object at 0x1>"


def test_banners_and_run_record_come_from_escaping_templates():
    from scalinglab.book import pages, record

    sc = scenarios.Scenario(name="nvl", path=Path("nvl.yaml"), title="NVL <576>", description="a & b", chapters={})
    diffs = {"interconnect_scaling": [("n_gpus", 576, 4608), ("gpu", "B300", "B200")]}
    mine = scenarios.chapter_banner_html(sc, "interconnect_scaling", diffs)
    assert mine.startswith('<div class="scenario-banner"><p><strong>Scenario: NVL &lt;576&gt;</strong>')
    assert (
        "a &amp; b" in mine
        and "<td><code>n_gpus</code></td><td><code>576</code></td><td><code>4608</code></td>" in mine
    )
    assert "<td><code>B300</code></td>" in mine and "\n\n" not in mine  # stays one HTML block inside markdown
    other = scenarios.chapter_banner_html(sc, "moores_law_limits", diffs)
    assert "runs with its default parameters" in other and "(chapters changed: interconnect_scaling)" in other
    bar = scenarios.banner_text(sc, diffs)
    assert bar.startswith("<strong>Scenario: NVL &lt;576&gt;</strong> (nvl)")
    assert "interconnect_scaling: n_gpus = 576 (default 4608), gpu = B300 (default B200)" in bar
    assert scenarios.banner_text(sc, {}).endswith("no parameter differs from the defaults")
    run = pages.run_banner("moores_law_limits", "20260101T000000Z-abc", {"metric": "<x>", "seed": 1})
    assert "<td><code>metric</code></td><td><code>&#39;&lt;x&gt;&#39;</code></td>" in run and "\n" not in run
    assert "(all defaults)" in pages.run_banner("moores_law_limits", "id", {})
    rec = {
        "date": "2026-01-01",
        "chapter": "c",
        "git_commit": "abc",
        "parameters": {"l": [1, 2]},
        "versions": {"polars": "1.0"},
        "data_sha256": {"a<b>.csv": "00"},
    }
    html = record.to_html(rec)
    assert html.startswith('<details class="run-record">') and "<code>[1, 2]</code>" in html
    assert "a&lt;b&gt;.csv" in html
