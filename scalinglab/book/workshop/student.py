"""Student notebooks: every chapter without its solutions, with lesson frames rendered and a self-check cell
after each exercise that has a numerical answer (``book/exercises.yml``).

``make student`` (``python -m scalinglab.book.workshop student``) writes them into the git-ignored
``student/`` folder together with ``_checks.json``, the hashed answers that :func:`check` reads.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalinglab.book.workshop import lessons as L
from scalinglab.book.workshop.selfcheck import CHECKS_FILE, answer_hashes
from scalinglab.book.workshop.sphinx_lessons import keypoints_markdown, overview_markdown
from scalinglab.paths import NOTEBOOKS_DIR, REPO_ROOT, chapter_notebook

EXERCISES_FILE = REPO_ROOT / "book" / "exercises.yml"
STUDENT_DIR = REPO_ROOT / "student"

_SOL_START = re.compile(r"^```\{solution-start\}")
_SOL_END = re.compile(r"^```\{solution-end\}")
_FENCE = re.compile(r"^```\s*$")
_LESSON = re.compile(r"^```\{lesson-(overview|keypoints)\}\s+(\S+)\s*$")
_EX_END = re.compile(r"^```\{exercise-end\}")
_EX_LABEL = re.compile(r"^:label:\s*(\S+)")


class ExerciseSpec(BaseModel):
    """A numerical exercise: its answer is the glued ``key`` of ``chapter`` run with ``params``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chapter: str
    params: dict[str, Any] = Field(default_factory=dict)
    key: str = Field(description="glued key whose value is the answer")
    unit: str = Field(description="what to write, with its unit, e.g. 'ratio (x)'")
    hint: str
    rel_tol: float = Field(default=0.02, gt=0, lt=1)
    close_tol: float = Field(default=0.15, gt=0, lt=1)


def load_exercises(path: Path = EXERCISES_FILE) -> dict[str, ExerciseSpec]:
    """The numerical exercises by id; errors name the file and the key."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = {}
    for ex_id, entry in raw.items():
        try:
            out[ex_id] = ExerciseSpec.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ValueError(f"{path}: {ex_id}.{'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    return out


def _strip_solutions(cells: list[dict]) -> list[dict]:
    out, inside = [], False
    for cell in cells:
        lines = cell["source"].split("\n") if isinstance(cell["source"], str) else "".join(cell["source"]).split("\n")
        kept, skip_close = [], False
        for line in lines:
            if skip_close:  # the closing fence of ```{solution-end}
                skip_close = False
                if _FENCE.match(line):
                    continue
            if _SOL_START.match(line):
                inside = True
                continue
            if _SOL_END.match(line):
                inside, skip_close = False, True
                continue
            if not inside:
                kept.append(line)
        if cell["cell_type"] == "code" and (inside or len(kept) < len(lines)):
            continue  # a code cell inside a solution
        if not "\n".join(kept).strip():
            continue
        cell = copy.deepcopy(cell)
        cell["source"] = "\n".join(kept).strip("\n") + "\n"
        out.append(cell)
    return out


def _render_lessons(cell: dict) -> dict:
    if cell["cell_type"] != "markdown":
        return cell
    lines, out, i = cell["source"].split("\n"), [], 0
    while i < len(lines):
        m = _LESSON.match(lines[i])
        if m:
            kind, slug = m.groups()
            les = L.lesson(slug)
            out += (
                ["### Lesson overview", "", overview_markdown(les)]
                if kind == "overview"
                else ["### Key points", "", keypoints_markdown(les)]
            )
            i += 1
            while i < len(lines) and not _FENCE.match(lines[i]):
                i += 1
            i += 1
            continue
        out.append(lines[i])
        i += 1
    cell = copy.deepcopy(cell)
    cell["source"] = "\n".join(out)
    return cell


def _check_cell(ex_id: str, spec: ExerciseSpec) -> dict:
    src = (
        f"from scalinglab.book.workshop import check\n\n"
        f"answer = ...  # your answer: {spec.unit}\n"
        f'check("{ex_id}", answer)'
    )
    cell = nbformat.v4.new_code_cell(src)
    cell["metadata"]["tags"] = ["self-check"]
    cell.pop("id", None)
    return cell


def student_notebook(slug: str, exercises: dict[str, ExerciseSpec]) -> nbformat.NotebookNode:
    """Chapter ``slug`` as a student notebook (no solutions, no outputs, self-check cells)."""
    nb = nbformat.read(chapter_notebook(slug), as_version=4)
    cells = [dict(c, source="".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in nb.cells]
    cells = [_render_lessons(c) for c in _strip_solutions(cells)]
    out = []
    for cell in cells:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        out.append(cell)
        if cell["cell_type"] == "markdown" and any(_EX_END.match(x) for x in cell["source"].split("\n")):
            labels = [m.group(1) for x in cell["source"].split("\n") if (m := _EX_LABEL.match(x))]
            for label in labels:
                if label in exercises and exercises[label].chapter == slug:
                    out.append(_check_cell(label, exercises[label]))
    nb.cells = [nbformat.from_dict(c) for c in out]
    for c in nb.cells:
        c.pop("id", None)
    nb.nbformat_minor = 4
    return nb


def solution_texts(slug: str) -> list[str]:
    """Non-trivial lines of every solution of chapter ``slug`` (what a student copy must not contain)."""
    nb = nbformat.read(chapter_notebook(slug), as_version=4)
    texts, inside = [], False
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            if _SOL_START.match(line):
                inside = True
                continue
            if _SOL_END.match(line):
                inside = False
                continue
            if inside and len(line.strip()) > 25:
                texts.append(line.strip())
    return texts


def compute_answers(exercises: dict[str, ExerciseSpec], workdir: Path) -> dict[str, float]:
    """Run each (chapter, parameters) once with papermill and read the glued answer keys."""
    from scalinglab.book import build, runs

    answers, done = {}, {}
    for ex_id, spec in exercises.items():
        key = (spec.chapter, json.dumps(spec.params, sort_keys=True))
        if key not in done:
            out = workdir / f"{spec.chapter}-{len(done)}.ipynb"
            build.execute(spec.chapter, out, parameters=spec.params)
            done[key] = runs.glued_values(nbformat.read(out, as_version=4))
        glued = done[key]
        if spec.key not in glued:
            raise KeyError(f"book/exercises.yml: {ex_id}.key: chapter {spec.chapter} glues no {spec.key!r}")
        answers[ex_id] = float(glued[spec.key])
    return answers


def write_student(out_dir: Path = STUDENT_DIR, slugs: list[str] | None = None, seed: str | None = None) -> list[Path]:
    """Write the student notebooks and ``_checks.json`` into ``out_dir``; returns the notebook paths."""
    exercises = load_exercises()
    slugs = slugs or sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for slug in slugs:
        path = out_dir / f"{slug}.ipynb"
        nbformat.write(student_notebook(slug, exercises), path)
        paths.append(path)
    wanted = {k: v for k, v in exercises.items() if v.chapter in slugs}
    with tempfile.TemporaryDirectory(prefix="scalinglab-student-") as tmp:
        answers = compute_answers(wanted, Path(tmp))
    salt = seed or secrets.token_hex(8)
    table = {
        ex_id: {
            "unit": s.unit,
            "hint": s.hint,
            "rel_tol": s.rel_tol,
            "close_tol": s.close_tol,
            "hashes": answer_hashes(ex_id, answers[ex_id], s.rel_tol, s.close_tol, salt),
        }
        for ex_id, s in sorted(wanted.items())
    }
    (out_dir / CHECKS_FILE).write_text(json.dumps({"salt": salt, "exercises": table}, indent=1) + "\n")
    return paths
