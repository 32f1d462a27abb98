"""Workshop kit: lesson frames and agendas, self-checks, student notebooks, the setup check, the wheelhouse."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from conftest import REPO

from scalinglab.book.workshop import lessons as L
from scalinglab.book.workshop import selfcheck as S
from scalinglab.book.workshop import setup_check as C
from scalinglab.book.workshop import student as ST
from scalinglab.book.workshop import wheelhouse as W
from scalinglab.paths import chapters

# ---- lesson frames and agendas --------------------------------------------------------------------------


def test_every_chapter_has_a_lesson_frame_in_book_order():
    lessons = L.load_lessons()
    assert sorted(lessons) == sorted(chapters())


def test_every_chapter_notebook_opens_and_closes_with_its_frame():
    for slug in chapters():
        text = "".join(
            "".join(c["source"]) for c in json.loads((REPO / "notebooks" / f"{slug}.ipynb").read_text())["cells"]
        )
        assert f"```{{lesson-overview}} {slug}" in text, slug
        assert f"```{{lesson-keypoints}} {slug}" in text, slug


def _lessons(*minutes):
    return {
        f"c{i}": L.Lesson(
            title=f"C{i}", questions=("q",), objectives=("o",), teaching_minutes=t, exercise_minutes=e, keypoints=("k",)
        )
        for i, (t, e) in enumerate(minutes)
    }


def test_half_day_agenda_by_hand():
    # budget 210 - 15 setup - 15 wrap-up - 15 break = 165 min: 60 + 60 fit, the third 60 does not
    items = L.agenda(_lessons((40, 20), (40, 20), (40, 20)), "half", "09:00")
    assert [(i.start, i.end, i.what) for i in items] == [
        ("09:00", "09:15", "Setup check (`scalinglab check`) and introductions"),
        ("09:15", "09:55", "C0: teaching"),
        ("09:55", "10:15", "C0: exercises"),
        ("10:15", "10:30", "Break"),
        ("10:30", "11:10", "C1: teaching"),
        ("11:10", "11:30", "C1: exercises"),
        ("11:30", "11:45", "Wrap-up: key points, questions, where to go next"),
    ]
    assert L.left_out(_lessons((40, 20), (40, 20), (40, 20)), "half") == ["c2"]


def test_full_day_has_lunch_and_fits_every_chapter():
    items = L.agenda(L.load_lessons(), "full")
    assert [i.what for i in items].count("Lunch") == 1
    assert L.left_out(L.load_lessons(), "full") == []


def test_bad_lesson_file_names_file_and_key(tmp_path):
    bad = tmp_path / "lessons.yml"
    bad.write_text(
        "moores_law_limits:\n  title: x\n  questions: [q]\n  objectives: [o]\n  teaching_minutes: -5\n"
        "  exercise_minutes: 5\n  keypoints: [k]\n"
    )
    with pytest.raises(L.LessonError, match=r"lessons.yml: moores_law_limits.teaching_minutes"):
        L.load_lessons(bad)
    bad.write_text("a: [unclosed\n")
    with pytest.raises(L.LessonError, match="not valid YAML"):
        L.load_lessons(bad)
    with pytest.raises(ValueError, match="day = 'weekend'"):
        L.agenda(L.load_lessons(), "weekend")


# ---- self-checks -----------------------------------------------------------------------------------------


@pytest.fixture
def table():
    return {
        "salt": "s",
        "exercises": {
            "x-ex1": {
                "unit": "ms",
                "hint": "divide",
                "rel_tol": 0.01,
                "close_tol": 0.15,
                "hashes": S.answer_hashes("x-ex1", 4.1757, 0.01, 0.15, "s"),
            }
        },
    }


def test_verdicts_on_both_sides_of_each_tolerance(table):
    assert S.verdict("x-ex1", 4.1757, table) == "correct"
    assert S.verdict("x-ex1", 4.18, table) == "correct"
    assert S.verdict("x-ex1", 4.5, table) == "close"  # 8 % off
    assert S.verdict("x-ex1", 8.35, table) == "wrong"  # 2x off
    assert S.verdict("x-ex1", -4.1757, table) == "wrong"  # sign matters
    assert S.verdict("x-ex1", ..., table) == "missing"


def test_the_check_table_does_not_contain_the_answer(table):
    assert "4.17" not in json.dumps(table)


def test_unknown_id_lists_known_ids_and_wrong_types_say_what_is_expected(table):
    with pytest.raises(S.CheckError, match=r"unknown exercise id 'x-ex9'; known ids: x-ex1"):
        S.verdict("x-ex9", 1.0, table)
    with pytest.raises(S.CheckError, match=r"expected a number \(ms\), got the string '4.18': drop the quotes"):
        S.verdict("x-ex1", "4.18", table)
    with pytest.raises(S.CheckError, match=r"expected a number \(ms\), got list"):
        S.verdict("x-ex1", [4.18], table)
    with pytest.raises(S.CheckError, match="expected a number"):
        S.verdict("x-ex1", True, table)


def test_check_prints_the_hint(tmp_path, table, monkeypatch, capsys):
    path = tmp_path / "_checks.json"
    path.write_text(json.dumps(table))
    monkeypatch.setenv(S.ENV_VAR, str(path))
    assert S.check("x-ex1", 6.0) == "wrong"
    assert "Hint: divide" in capsys.readouterr().out


# ---- student notebooks -----------------------------------------------------------------------------------


def test_exercise_registry_names_real_chapters_parameters_and_labels():
    from scalinglab.book import schemas

    for ex_id, spec in ST.load_exercises().items():
        assert spec.chapter in chapters(), ex_id
        schemas.validate(spec.chapter, spec.params)
        src = (REPO / "notebooks" / f"{spec.chapter}.ipynb").read_text()
        assert f":label: {ex_id}" in src, f"{ex_id} is not an exercise label of {spec.chapter}"


@pytest.mark.parametrize("slug", chapters())
def test_student_copy_has_no_solution_and_a_check_cell_per_numeric_exercise(slug):
    exercises = ST.load_exercises()
    nb = ST.student_notebook(slug, exercises)
    text = "\n".join(c.source for c in nb.cells)
    assert "solution-start" not in text and "solution-end" not in text
    for line in ST.solution_texts(slug):
        assert line not in text, f"solution text survived: {line[:60]}"
    checks = [c for c in nb.cells if "self-check" in c.metadata.get("tags", [])]
    assert len(checks) == sum(1 for s in exercises.values() if s.chapter == slug)
    assert "Lesson overview" in text and "{lesson-overview}" not in text
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


@pytest.mark.notebook
def test_make_student_writes_notebooks_that_run_and_checks_that_answer(tmp_path, monkeypatch):
    out = tmp_path / "student"
    r = subprocess.run(
        [sys.executable, "-m", "scalinglab.book.workshop", "student", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    checks = json.loads((out / "_checks.json").read_text())
    assert set(checks["exercises"]) == set(ST.load_exercises())
    # the hand case of ic-ex1: 2 * 7/8 * 2**30 bytes / 450e9 B/s = 4.1757 ms
    assert S.verdict("ic-ex1", 2 * 7 / 8 * 2**30 / 450e9 * 1e3, checks) == "correct"
    assert S.verdict("ic-ex1", 2 * 2**30 / 450e9 * 1e3, checks) == "close"
    assert S.verdict("ic-ex1", 42.0, checks) == "wrong"
    # every student notebook executes, self-check cells included (placeholder answers say "missing")
    from scalinglab.book import build

    monkeypatch.setenv(S.ENV_VAR, str(out / "_checks.json"))  # the kernel runs in a scratch directory
    for nb_path in sorted(out.glob("*.ipynb")):
        done = build.execute(nb_path.stem, tmp_path / "ran" / nb_path.name, source=nb_path)
        ran = nbformat.read(done, as_version=4)
        outs = [o for c in ran.cells if "self-check" in c.metadata.get("tags", []) for o in c.outputs]
        assert all("write your answer" in o.get("text", "") for o in outs if o.get("name") == "stdout")


# ---- setup check and wheelhouse ------------------------------------------------------------------------


def test_setup_check_passes_here_except_where_jupyterlab_is_absent():
    results = {c.name: c for c in C.run_checks()}
    for name in ("python", "packages", "kernel", "data", "chapter"):
        assert results[name].ok, (name, results[name].detail)


def test_setup_check_names_a_changed_data_file_and_the_fix(tmp_path):
    import shutil

    shutil.copytree(REPO / "data", tmp_path / "data")
    res = json.loads((tmp_path / "data" / "datapackage.json").read_text())["resources"][0]
    with open(tmp_path / "data" / res["path"], "a") as fh:
        fh.write("\n")
    c = C.check_data(tmp_path / "data")
    assert not c.ok and res["path"] in c.detail and "git checkout" in c.fix


def test_setup_check_names_a_missing_package_and_its_fix(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("numpy==0.0.1\nno-such-package-xyz==1.0\n")
    c = C.check_packages(req)
    assert not c.ok and "numpy" in c.detail and "no-such-package-xyz missing" in c.detail and "pip install" in c.fix


def test_wheelhouse_verifier_names_missing_packages(tmp_path):
    (tmp_path / "numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.whl").write_bytes(b"")
    (tmp_path / "scalinglab-0.1.0-py3-none-any.whl").write_bytes(b"")
    req = tmp_path / "req.txt"
    req.write_text("-e .\nnumpy==2.4.6\npolars==2.1.0\n    # via x\n")
    assert W.missing(tmp_path, req) == ["polars==2.1.0"]
    r = subprocess.run(
        [sys.executable, str(REPO / "scalinglab/book/workshop/wheelhouse.py"), str(tmp_path), str(req)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and "polars==2.1.0" in r.stderr and "nothing was installed" in r.stderr


@pytest.mark.slow
def test_offline_install_from_the_wheelhouse_then_scalinglab_check(tmp_path):
    """make wheelhouse (network), then a fresh venv from it with --no-index, then the setup check in it."""
    r = subprocess.run(
        ["make", "--no-print-directory", "wheelhouse"], cwd=REPO, capture_output=True, text=True, timeout=1800
    )
    assert r.returncode == 0, r.stderr[-3000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    r = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(REPO / "wheelhouse"),
            "-r",
            "requirements-lab.txt",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    r = subprocess.run(
        [str(venv / "bin" / "scalinglab"), "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ready for the workshop" in r.stdout


def test_every_data_file_matches_its_recorded_hash():
    from scalinglab.data import integrity

    assert integrity.mismatches() == [], "data changed: refresh deliberately with `python -m scalinglab.data.integrity`"
