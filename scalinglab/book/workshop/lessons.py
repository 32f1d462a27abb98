"""Lesson frames (questions, objectives, prerequisites, timings, key points) and workshop agendas.

The frames live in ``book/lessons.yml``, one entry per chapter slug, and are the single source for the
chapter pages (``{lesson-overview}`` and ``{lesson-keypoints}`` directives), the instructor guide's
agendas and the student notebooks.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scalinglab.paths import REPO_ROOT

LESSONS_FILE = REPO_ROOT / "book" / "lessons.yml"


class LessonError(ValueError):
    """``book/lessons.yml`` is missing, is not valid YAML, or an entry lacks a key or has a bad value."""


class Lesson(BaseModel):
    """One chapter's lesson frame."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, description="chapter title as in the table of contents")
    questions: tuple[str, ...] = Field(min_length=1, description="questions the chapter answers")
    objectives: tuple[str, ...] = Field(min_length=1, description="what a participant can do afterwards")
    prerequisites: tuple[str, ...] = Field(default=(), description="what to know or have done before")
    teaching_minutes: int = Field(gt=0, le=180, description="minutes of teaching (reading, live coding)")
    exercise_minutes: int = Field(ge=0, le=180, description="minutes for the exercises")
    keypoints: tuple[str, ...] = Field(min_length=1, description="key points, one sentence each")

    @property
    def minutes(self) -> int:
        """Teaching plus exercise minutes."""
        return self.teaching_minutes + self.exercise_minutes


def load_lessons(path: Path = LESSONS_FILE) -> dict[str, Lesson]:
    """All lesson frames by chapter slug, in file order.

    Raises
    ------
    LessonError
        Naming the file and the key (``slug.field``) of the first problem.
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LessonError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise LessonError(f"{path}:{where} is not valid YAML") from exc
    if not isinstance(raw, dict):
        raise LessonError(f"{path}: expected a mapping of chapter slug -> lesson frame")
    out: dict[str, Lesson] = {}
    for slug, entry in raw.items():
        try:
            out[str(slug)] = Lesson.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in err["loc"])
            raise LessonError(f"{path}: {slug}.{key}: {err['msg']}") from exc
    return out


def lesson(slug: str, path: Path = LESSONS_FILE) -> Lesson:
    """The lesson frame of chapter ``slug``; :class:`LessonError` names the known slugs if absent."""
    lessons = load_lessons(path)
    if slug not in lessons:
        raise LessonError(f"{path}: no lesson frame for chapter {slug!r}; known: {', '.join(lessons)}")
    return lessons[slug]


@dataclass(frozen=True)
class AgendaItem:
    """One slot of a workshop day; times are wall-clock ``HH:MM``."""

    start: str
    end: str
    minutes: int
    what: str
    slug: str | None = None


#: Fixed slots of a workshop day (minutes): setup check at the start, breaks, lunch, wrap-up at the end.
SETUP_MINUTES = 15
BREAK_MINUTES = 15
LUNCH_MINUTES = 60
WRAP_UP_MINUTES = 15
DAY_MINUTES = {"half": 210, "full": 420}


def agenda(lessons: dict[str, Lesson], day: str = "half", start: str = "09:00") -> list[AgendaItem]:
    """A workshop agenda built from the chapters' timings, in book order.

    A half day (210 minutes) has setup, chapters, one break after the first half and a wrap-up; a full
    day (420 minutes of sessions) adds lunch at the middle. Chapters that do not fit are left out (the
    guide lists them as homework).

    Raises
    ------
    ValueError
        For a ``day`` other than ``"half"`` or ``"full"``.
    """
    if day not in DAY_MINUTES:
        raise ValueError(f"day = {day!r} is not allowed: use 'half' or 'full'")
    budget = DAY_MINUTES[day] - SETUP_MINUTES - WRAP_UP_MINUTES - BREAK_MINUTES * (2 if day == "full" else 1)
    chosen, used = [], 0
    for slug, les in lessons.items():
        if used + les.minutes <= budget:
            chosen.append((slug, les))
            used += les.minutes
    clock = _dt.datetime.strptime(start, "%H:%M")
    items: list[AgendaItem] = []

    def add(minutes: int, what: str, slug: str | None = None) -> None:
        nonlocal clock
        end = clock + _dt.timedelta(minutes=minutes)
        items.append(AgendaItem(clock.strftime("%H:%M"), end.strftime("%H:%M"), minutes, what, slug))
        clock = end

    add(SETUP_MINUTES, "Setup check (`scalinglab check`) and introductions")
    breaks = [used / 2] if day == "half" else [used / 4, used / 2, 3 * used / 4]
    kinds = ["Break"] if day == "half" else ["Break", "Lunch", "Break"]
    done = 0
    for slug, les in chosen:
        while breaks and done >= breaks[0] and done > 0:
            breaks.pop(0)
            kind = kinds.pop(0)
            add(LUNCH_MINUTES if kind == "Lunch" else BREAK_MINUTES, kind)
        add(les.teaching_minutes, f"{les.title}: teaching", slug)
        if les.exercise_minutes:
            add(les.exercise_minutes, f"{les.title}: exercises", slug)
        done += les.minutes
    add(WRAP_UP_MINUTES, "Wrap-up: key points, questions, where to go next")
    return items


def left_out(lessons: dict[str, Lesson], day: str = "half") -> list[str]:
    """Slugs of the chapters that :func:`agenda` could not fit into ``day``."""
    taken = {i.slug for i in agenda(lessons, day) if i.slug}
    return [s for s in lessons if s not in taken]


def insert_frames(notebook: Path, slug: str) -> bool:
    """Put the ``{lesson-overview}`` cell after the title cell and ``{lesson-keypoints}`` before the exercises.

    Idempotent: cells that already hold the directives are left where they are. Returns whether the file
    changed. The notebook is rewritten with ``json`` (indent 1), as the source notebooks are stored.
    """
    import json

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = nb["cells"]
    text = ["".join(c["source"]) for c in cells]
    changed = False

    def md(src: str, cell_id: str) -> dict:
        cell = {"cell_type": "markdown", "metadata": {}, "source": src.splitlines(keepends=True)}
        if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = cell_id
        return cell

    for cell in cells:  # frames inserted before cells had ids
        src = "".join(cell["source"])
        if "id" not in cell and (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5) and "{lesson-" in src:
            cell["id"] = "lesson-overview" if "{lesson-overview}" in src else "lesson-keypoints"
            changed = True

    if not any(f"{{lesson-overview}} {slug}" in t for t in text):
        cells.insert(1, md(f"```{{lesson-overview}} {slug}\n```", "lesson-overview"))
        changed = True
    text = ["".join(c["source"]) for c in cells]
    if not any(f"{{lesson-keypoints}} {slug}" in t for t in text):
        at = next((i for i, t in enumerate(text) if t.lstrip().startswith("## Exercises")), None)
        if at is None:
            at = next((i for i, t in enumerate(text) if t.lstrip().startswith("## References")), len(cells) - 1)
        cells.insert(at, md(f"```{{lesson-keypoints}} {slug}\n```", "lesson-keypoints"))
        changed = True
    if changed:
        Path(notebook).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed
