"""Sphinx directives (MyST pages) that render ``book/lessons.yml``: ``{lesson-overview} SLUG``, ``{lesson-keypoints} SLUG``
and ``{lesson-agenda} half|full``.

Every chapter uses the first two the same way, so the instructor guide and the student notebooks read the
same frames; a missing slug or a malformed file fails the build with the file and key named.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles

from scalinglab.book.workshop import lessons as L


def overview_markdown(les: L.Lesson) -> str:
    """The lesson overview as Markdown (used by the student notebooks)."""
    lines = ["**Questions**", ""] + [f"- {q}" for q in les.questions]
    lines += ["", "**Objectives**", ""] + [f"- {o}" for o in les.objectives]
    if les.prerequisites:
        lines += ["", "**Prerequisites**", ""] + [f"- {p}" for p in les.prerequisites]
    lines += ["", f"**Time**: {les.teaching_minutes} min teaching, {les.exercise_minutes} min exercises"]
    return "\n".join(lines)


def keypoints_markdown(les: L.Lesson) -> str:
    """The key points as Markdown."""
    return "\n".join(f"- {k}" for k in les.keypoints)


def _admonition(directive: Directive, title: str, css: str, rst_body: str) -> list[nodes.Node]:
    node = nodes.admonition(classes=["admonition", css])
    node += nodes.title(text=title)
    body = StringList(rst_body.splitlines(), source="book/lessons.yml")
    nested_parse_with_titles(directive.state, body, node)
    return [node]


def _rst_list(items) -> str:
    return "\n".join(f"- {i}" for i in items)


def _lesson_of(directive: Directive) -> L.Lesson:
    try:
        return L.lesson(directive.arguments[0])
    except L.LessonError as exc:
        raise directive.error(str(exc)) from exc


class LessonOverview(Directive):
    """``{lesson-overview} SLUG``: questions, objectives, prerequisites and time of a chapter."""

    required_arguments = 1

    def run(self):
        les = _lesson_of(self)
        rst = "**Questions**\n\n" + _rst_list(les.questions) + "\n\n**Objectives**\n\n" + _rst_list(les.objectives)
        if les.prerequisites:
            rst += "\n\n**Prerequisites**\n\n" + _rst_list(les.prerequisites)
        rst += f"\n\n**Time**: {les.teaching_minutes} min teaching, {les.exercise_minutes} min exercises\n"
        return _admonition(self, "Lesson overview", "lesson-overview", rst)


class LessonKeypoints(Directive):
    """``{lesson-keypoints} SLUG``: the chapter's key points."""

    required_arguments = 1

    def run(self):
        les = _lesson_of(self)
        return _admonition(self, "Key points", "lesson-keypoints", _rst_list(les.keypoints) + "\n")


class LessonAgenda(Directive):
    """``{lesson-agenda} half|full``: a timed agenda computed from every chapter's timings."""

    required_arguments = 1
    option_spec = {"start": directives.unchanged}

    def run(self):
        day = self.arguments[0]
        try:
            lessons = L.load_lessons()
            items = L.agenda(lessons, day, self.options.get("start", "09:00"))
            rest = L.left_out(lessons, day)
        except (L.LessonError, ValueError) as exc:
            raise self.error(str(exc)) from exc
        rows = ["```{list-table}", ":header-rows: 1", ":widths: 20 12 68", "", "* - Time", "  - Minutes", "  - Session"]
        for it in items:
            what = f"{{doc}}`{it.what} </executed/{it.slug}>`" if it.slug and it.what.endswith("teaching") else it.what
            rows += [f"* - {it.start}-{it.end}", f"  - {it.minutes}", f"  - {what}"]
        rows += ["```"]
        if rest:
            titles = ", ".join(lessons[s].title for s in rest)
            rows += ["", f"Not in this agenda (set as homework or a follow-up session): {titles}."]
        container = nodes.container(classes=["lesson-agenda"])
        nested_parse_with_titles(self.state, StringList(rows, source="book/lessons.yml"), container)
        return [container]


def setup(app):
    """Register the lesson directives; ``book/lessons.yml`` is a dependency of every page using them."""
    app.add_directive("lesson-overview", LessonOverview)
    app.add_directive("lesson-keypoints", LessonKeypoints)
    app.add_directive("lesson-agenda", LessonAgenda)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
