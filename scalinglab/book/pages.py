"""Standalone HTML pages: run pages (nbconvert, lab template), run and scenario banners, sweep charts.

Every page and banner comes from a Jinja2 template in ``scalinglab/book/templates/``
(autoescaped; no HTML is built by string concatenation):

``runpage.html.j2``                 nbconvert template of a run page (offline vega runtime and MathJax)
``run_banner.html.j2``              the banner at the top of a ``scalinglab run`` page
``scenario_announcement.html.j2``   the announcement bar of every page of a scenario book
``scenario_chapter_banner.html.j2`` the ``scenario-banner`` block at the top of a scenario chapter
``sweep_chart.html.j2``             the standalone chart page of a sweep
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from scalinglab.book.glue import glued_values

__all__ = [
    "TEMPLATES_DIR",
    "render",
    "run_banner",
    "substitute_glue",
    "warm_html_exporter",
    "write_chart_page",
    "write_run_page",
]

#: Folder of the Jinja2 templates.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def render(template: str, **context: Any) -> str:
    """Render template ``template`` of :data:`TEMPLATES_DIR` (autoescaped) with ``context``; strip outer whitespace."""
    return _env().get_template(template).render(**context).strip()


def run_banner(chapter: str, run_id: str, values: dict[str, Any]) -> str:
    """The HTML banner of a run page: run id, chapter and the parameters given (others at their defaults)."""
    return render(
        "run_banner.html.j2", chapter=chapter, run_id=run_id, values=[(k, repr(v)) for k, v in values.items()]
    ).replace("\n", "")


def write_chart_page(chart_spec: dict, title_chapter: str, path: Path) -> Path:
    """Write a standalone page rendering the Vega-Lite ``chart_spec`` with the offline runtime beside it."""
    spec = json.dumps(chart_spec).replace("</", "<\\/")
    page = render("sweep_chart.html.j2", chapter=title_chapter, spec_json=spec) + "\n"
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


_GLUE_ROLE = re.compile(r"\{glue(?::(text|md|math|any))?\}`([^`]+)`")
_exporter = None


def _html_exporter():
    """An nbconvert HTML exporter (lab template) with no CDN script: built once per process."""
    global _exporter
    if _exporter is None:
        import jinja2
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(
            template_name="lab",
            extra_loaders=[jinja2.FileSystemLoader(str(TEMPLATES_DIR))],
            template_file="runpage.html.j2",
            exclude_anchor_links=True,
        )
    return _exporter


def warm_html_exporter() -> None:
    """Import nbconvert and compile the template (safe to call from a background thread)."""
    import nbformat

    exporter = _html_exporter()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("$x$"), nbformat.v4.new_code_cell("1")])
    exporter.from_notebook_node(nb)


def _format_glue(value: Any, spec: str | None) -> str:
    if spec:
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            try:
                return format(float(value), spec)
            except (ValueError, TypeError):
                pass
    return str(value)


def substitute_glue(text: str, glued: dict[str, Any]) -> str:
    """Replace MyST ``{glue:text}`key:fmt``` roles by their values (a plain page has no Sphinx)."""

    def sub(m: re.Match) -> str:
        ref = m.group(2).split("::")[-1]
        key, _, spec = ref.partition(":")
        if key not in glued:
            return m.group(0)
        return _format_glue(glued[key], spec or None)

    return _GLUE_ROLE.sub(sub, text)


def _page_notebook(nb: dict, glued: dict[str, Any], banner_html: str | None):
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)
    cells = []
    for cell in node.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = substitute_glue(cell.source, glued)
        if cell.cell_type == "code":
            if tags & {"remove-input", "hide-input"}:
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
                cell.metadata["transient"] = {"remove_source": True}
            if "remove-output" in tags:
                cell.outputs = []
            cell.outputs = [o for o in cell.get("outputs", []) if "scrapbook" not in o.get("metadata", {})]
        cells.append(cell)
    if banner_html:
        cells.insert(0, nbformat.v4.new_markdown_cell(banner_html))
    node.cells = cells
    return node


def write_run_page(nb: dict, path: Path, glued: dict[str, Any] | None = None, banner_html: str | None = None) -> Path:
    """Write a standalone HTML page of executed notebook ``nb`` to ``path`` (assets expected beside it)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    glued = glued_values(nb) if glued is None else glued
    node = _page_notebook(nb, glued, banner_html)
    exporter = _html_exporter()
    node, _ = TagRemovePreprocessor(remove_input_tags={"remove-input", "hide-input"}, enabled=True).preprocess(node, {})
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": Path(path).stem}})
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    return path
