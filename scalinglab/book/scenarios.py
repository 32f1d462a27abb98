"""Scenario books: the whole book rebuilt with a scenario's parameter overrides.

A scenario file (``scenarios/NAME.yaml``)::

    title: NVL576 cluster
    description: One sentence on what the scenario assumes and why.
    chapters:
      interconnect_scaling:
        scaleup_domain_size: 576
      moores_law_limits:
        projection_year: 2027

``scalinglab book --scenario scenarios/NAME.yaml``

1. validates the file and every chapter's overrides against the chapter schemas (all
   problems reported together, nothing executed when one is wrong; a chapter without a
   notebook yet is named as such);
2. executes each chapter of ``_toc.yml``: a chapter the scenario changes runs with its
   overrides; an unchanged one reuses ``executed/<slug>.ipynb`` when that is up to date
   (newer than its notebook and every data/package/requirements file, the Makefile's rule)
   or the run cache, and is executed with its defaults otherwise; never writes ``executed/``;
3. assembles a separate Jupyter Book source root in ``_build/scenarios/NAME/src`` (copies
   of ``_config.yml`` with its paths made absolute, ``_toc.yml``, ``book/``, the scenario's
   executed notebooks), with the scenario banner on every page (the theme's announcement bar)
   and a ``scenario-banner`` block at the top of every chapter listing its differences from
   the defaults;
4. rebuilds the ledger (the claims page, :data:`~scalinglab.book.deps.LEDGER`) last, from the scenario's
   executed chapters, and compares its verdicts with the default book's ``executed/claims.ipynb``: the
   announcement bar and the claims page's banner say which verdicts changed (``scenario.json`` lists them);
5. builds it with :func:`scalinglab.book.build.site` into ``_build/scenarios/NAME/html`` (warnings
   as errors; the last good scenario site stays if the build fails).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalinglab.book import schemas
from scalinglab.book.cache import cache_get, point_key
from scalinglab.book.deps import LEDGER, deps_fingerprint, is_fresh
from scalinglab.book.glue import glued_file
from scalinglab.book.inject import install_translator
from scalinglab.book.pages import render
from scalinglab.book.params_file import yaml_loader
from scalinglab.book.pool import run_in_pool
from scalinglab.book.runs import execute_point
from scalinglab.errors import ParameterError
from scalinglab.paths import BUILD_DIR, REPO_ROOT, RUNS_DIR, chapter_notebook

TOP_KEYS = ("title", "description", "chapters")


class ScenarioError(ValueError):
    """The scenario file or one of its overrides is invalid (exit code 2)."""


class ScenarioBuildFailed(RuntimeError):
    """A chapter failed to execute or the site failed to build (exit code 1)."""


@dataclass
class Scenario:
    """A validated scenario file: name (file stem), path, title, description, and per-chapter parameter overrides."""

    name: str
    path: Path
    title: str
    description: str = ""
    chapters: dict[str, dict[str, Any]] = field(default_factory=dict)


def load(path: str | Path) -> Scenario:
    """Read a scenario file; :class:`ScenarioError` for a malformed one."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"scenario file {path} does not exist")
    name = path.stem
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ScenarioError(
            f"scenario file name {path.name!r}: use letters, digits, '-', '_' (it names the output folder)"
        )
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_loader())
    except yaml.YAMLError as err:
        raise ScenarioError(f"scenario {path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"scenario {path}: must be a mapping with keys {', '.join(TOP_KEYS)}")
    for key in data:
        if key not in TOP_KEYS:
            close = difflib.get_close_matches(str(key), TOP_KEYS, n=1)
            raise ScenarioError(
                f"scenario {path}: unknown key {key!r}; allowed: {', '.join(TOP_KEYS)}"
                + (f" (did you mean {close[0]!r}?)" if close else "")
            )
    chapters = data.get("chapters") or {}
    if not isinstance(chapters, dict):
        raise ScenarioError(f"scenario {path}: 'chapters' must map chapter names to parameter overrides")
    for slug, values in chapters.items():
        if values is not None and not isinstance(values, dict):
            raise ScenarioError(f"scenario {path}: chapters.{slug} must be a mapping of parameter names to values")
    title = data.get("title") or name
    return Scenario(
        name=name,
        path=path,
        title=str(title),
        description=str(data.get("description") or ""),
        chapters={str(k): dict(v or {}) for k, v in chapters.items()},
    )


def toc_chapters(root: Path = REPO_ROOT) -> list[str]:
    """Chapter slugs in ``_toc.yml`` (entries ``executed/<slug>``), in book order."""
    import yaml

    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text())
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f.startswith("executed/"):
                out.append(Path(f).stem if f.endswith(".ipynb") else f.split("/", 1)[1])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return out


def validate(sc: Scenario, root: Path = REPO_ROOT) -> dict[str, Any]:
    """Validated parameter models of every chapter the scenario names; one error listing every problem."""
    problems: list[str] = []
    models: dict[str, Any] = {}
    known = schemas.chapters()
    in_toc = toc_chapters(root)
    for slug, values in sc.chapters.items():
        if slug not in known:
            close = difflib.get_close_matches(slug, known, n=1)
            problems.append(
                f"chapter {slug!r} has no parameter schema (known: {', '.join(known)})"
                + (f"; did you mean {close[0]!r}?" if close else "")
            )
            continue
        if not chapter_notebook(slug).exists():
            problems.append(
                f"chapter {slug!r} has no notebook yet (notebooks/{slug}.ipynb); "
                "remove it from the scenario or write the chapter first"
            )
            continue
        if slug not in in_toc:
            problems.append(f"chapter {slug!r} is not in _toc.yml, so the book has no page for it")
            continue
        try:
            models[slug] = schemas.validate(slug, values)
        except ParameterError as err:
            problems.append(f"{slug}: {err}")
    if problems:
        raise ScenarioError(f"scenario {sc.name} ({sc.path}) is invalid:\n  - " + "\n  - ".join(problems))
    return models


def differences(sc: Scenario, models: dict[str, Any]) -> dict[str, list[tuple[str, Any, Any]]]:
    """Per chapter, the (name, scenario value, default) of every parameter that differs from the default."""
    out: dict[str, list[tuple[str, Any, Any]]] = {}
    for slug, model in models.items():
        default = schemas.validate(slug, {}).model_dump(mode="json")
        mine = model.model_dump(mode="json")
        diffs = [(n, mine[n], default[n]) for n in sc.chapters.get(slug, {}) if mine[n] != default[n]]
        if diffs:
            out[slug] = diffs
    return out


def _fmt(v: Any) -> str:
    return json.dumps(v) if not isinstance(v, str) else v


def verdict_changes(default_nb: Path, scenario_nb: Path) -> list[dict[str, Any]] | None:
    """Claims whose verdict differs between two executed ledgers: ``claim`` (number), ``short``, ``default``,
    ``scenario``; None when the default ledger (``default_nb``) does not exist.
    """
    if not Path(default_nb).exists():
        return None
    a, b = glued_file(default_nb), glued_file(scenario_nb)
    out = []
    n = 1
    while f"claim{n}_verdict" in b:
        old, new = a.get(f"claim{n}_verdict"), b[f"claim{n}_verdict"]
        if old != new:
            out.append({"claim": n, "short": b.get(f"claim{n}_short", ""), "default": old, "scenario": new})
        n += 1
    return out


def verdicts_sentence(changes: list[dict[str, Any]] | None) -> str:
    """One sentence naming the changed verdicts (or saying none changed, or that there is no default ledger)."""
    if changes is None:
        return "Verdicts: the default book's ledger (executed/claims.ipynb) is not built, so no comparison."
    if not changes:
        return "Verdicts: none of the claims' verdicts changed."
    items = "; ".join(f"claim {c['claim']} ({c['short']}): {c['default']} -> {c['scenario']}" for c in changes)
    return f"Verdicts changed: {items}."


def banner_text(sc: Scenario, diffs: dict[str, list[tuple[str, Any, Any]]], verdicts: str = "") -> str:
    """One line for the announcement bar on every page (with ``verdicts``, the sentence on changed verdicts)."""
    parts = [
        f"{slug}: " + ", ".join(f"{n} = {_fmt(v)} (default {_fmt(d)})" for n, v, d in items)
        for slug, items in diffs.items()
    ]
    changes = "; ".join(parts) if parts else "no parameter differs from the defaults"
    if verdicts:
        changes += ". " + verdicts
    return render("scenario_announcement.html.j2", title=sc.title, name=sc.name, changes=changes)


def chapter_banner_html(sc: Scenario, slug: str, diffs: dict[str, list[tuple[str, Any, Any]]]) -> str:
    """The ``scenario-banner`` block at the top of one chapter."""
    mine = [(n, _fmt(v), _fmt(d)) for n, v, d in diffs.get(slug, [])]
    return render(
        "scenario_chapter_banner.html.j2",
        title=sc.title,
        name=sc.name,
        description=sc.description,
        diffs=mine,
        others=", ".join(diffs) or "none",
    )


def _insert_banner(nb: dict, banner: str) -> dict:
    """Put the banner right under the chapter's title (first ``# `` line), else at the top."""
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)
    first = node.cells[0] if node.cells else None
    block = f"\n\n{banner}\n\n"
    if first is not None and first.cell_type == "markdown" and first.source.lstrip().startswith("# "):
        lines = first.source.lstrip().split("\n", 1)
        first.source = lines[0] + block + (lines[1] if len(lines) > 1 else "")
    else:
        node.cells.insert(0, nbformat.v4.new_markdown_cell(banner))
    return node


def _config_for(root: Path, src: Path, sc: Scenario, announcement: str) -> str:
    import yaml

    cfg = yaml.safe_load((root / "_config.yml").read_text()) or {}
    cfg["title"] = f"{cfg.get('title', 'Book')} - scenario: {sc.title}"
    sphinx_cfg = cfg.setdefault("sphinx", {}).setdefault("config", {})
    for key in ("html_static_path", "html_extra_path", "templates_path", "bibtex_bibfiles"):
        paths = sphinx_cfg.get(key)
        if isinstance(paths, list):
            sphinx_cfg[key] = [
                p
                if os.path.isabs(p) or (src / p).exists()
                else str((root / p) if (root / p).exists() else (REPO_ROOT / p))
                for p in paths
            ]
    opts = sphinx_cfg.setdefault("html_theme_options", {})
    opts["announcement"] = announcement
    # The PDF is printed from the default book: a scenario site does not offer it (see build_book).
    footer = opts.get("extra_footer")
    if isinstance(footer, str):
        opts["extra_footer"] = footer.replace(
            '<a href="@root@/book.pdf">PDF</a>', "the PDF is printed for the default parameters only"
        )
    return (
        "# Generated by `scalinglab book --scenario`: a copy of the book's _config.yml for one scenario.\n"
        + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)
    )


def build_book(
    sc: Scenario,
    *,
    workers: int | None = None,
    timeout_s: float | None = None,
    root: Path = REPO_ROOT,
    out_root: Path | None = None,
    runs_dir: Path = RUNS_DIR,
    log=print,
) -> Path:
    """Execute and build the scenario book; return its HTML folder (see the module docstring)."""
    from scalinglab.book import build

    root = Path(root)
    models = validate(sc, root)
    diffs = differences(sc, models)
    slugs = toc_chapters(root)
    missing = [s for s in slugs if not chapter_notebook(s).exists()]
    if missing:
        raise ScenarioError(f"_toc.yml lists chapter(s) without a notebook: {', '.join(missing)}")
    out_root = Path(out_root) if out_root else BUILD_DIR / "scenarios" / sc.name
    out_root.mkdir(parents=True, exist_ok=True)

    # 1. an executed notebook for every chapter of the book
    install_translator()
    deps = deps_fingerprint()
    notebooks: dict[str, Path] = {}
    todo: dict[str, tuple[dict, str]] = {}
    for slug in slugs:
        if slug == LEDGER:
            continue  # executed last, from the scenario's chapters (below)
        values = sc.chapters.get(slug, {}) if slug in diffs else {}
        main_copy = root / "executed" / f"{slug}.ipynb"
        if slug not in diffs and is_fresh(main_copy, slug):
            notebooks[slug] = main_copy
            log(f"  {slug}: unchanged, reusing executed/{slug}.ipynb")
            continue
        model = models.get(slug) if slug in diffs else schemas.validate(slug, {})
        key = point_key(slug, model, deps)
        hit = cache_get(key, runs_dir)
        if hit:
            notebooks[slug] = hit["notebook"]
            log(f"  {slug}: {'scenario' if slug in diffs else 'default'} parameters, reusing the run cache")
        else:
            todo[slug] = (values, key)
    if todo:
        log(f"  executing {', '.join(todo)}")
        failures = []
        jobs = {slug: (slug, values, key, timeout_s, str(runs_dir), None) for slug, (values, key) in todo.items()}
        for slug, res, exc in run_in_pool(execute_point, jobs, workers):
            if exc is not None or not res["ok"]:
                failures.append(f"{slug}: {res['error'] if exc is None else f'worker failed: {exc!r}'}")
                continue
            hit = cache_get(todo[slug][1], runs_dir)
            if hit is None:
                failures.append(f"{slug}: executed but its result is not in the cache")
            else:
                notebooks[slug] = hit["notebook"]
                log(f"  {slug}: executed in {res['seconds']:.1f} s")
        if failures:
            raise ScenarioBuildFailed(
                f"scenario {sc.name}: chapter(s) failed, no book built:\n  - " + "\n  - ".join(failures)
            )

    # 2. a separate book source root
    src = out_root / "src"
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    shutil.copy2(root / "_toc.yml", src / "_toc.yml")
    if (root / "book").exists():
        shutil.copytree(root / "book", src / "book")
    if (root / "data").exists():
        os.symlink((root / "data").resolve(), src / "data")  # {download} links to data files
    (src / "executed").mkdir()
    import nbformat

    for slug, path in notebooks.items():
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        nbformat.write(_insert_banner(nb, chapter_banner_html(sc, slug, diffs)), src / "executed" / f"{slug}.ipynb")
    changes: list[dict[str, Any]] | None = []
    verdicts = ""
    if LEDGER in slugs:
        log("  rebuilding the ledger from the scenario's chapters")
        ledger_nb = out_root / f"{LEDGER}.ipynb"
        values = {**sc.chapters.get(LEDGER, {}), "executed_dir": str((src / "executed").resolve())}
        try:
            build.execute(LEDGER, ledger_nb, parameters=values, timeout_s=timeout_s)
        except build.NotebookFailed as exc:
            raise ScenarioBuildFailed(f"scenario {sc.name}: the ledger failed, no book built: {exc}") from exc
        changes = verdict_changes(root / "executed" / f"{LEDGER}.ipynb", ledger_nb)
        verdicts = verdicts_sentence(changes)
        nb = json.loads(ledger_nb.read_text(encoding="utf-8"))
        banner = chapter_banner_html(sc, LEDGER, diffs) + "\n" + render("scenario_verdicts.html.j2", sentence=verdicts)
        nbformat.write(_insert_banner(nb, banner), src / "executed" / f"{LEDGER}.ipynb")
    (src / "_config.yml").write_text(_config_for(root, src, sc, banner_text(sc, diffs, verdicts)))
    (src / "scenario.json").write_text(
        json.dumps(
            {
                "name": sc.name,
                "title": sc.title,
                "description": sc.description,
                "file": str(sc.path),
                "differences": {
                    s: [{"parameter": n, "scenario": v, "default": d} for n, v, d in items]
                    for s, items in diffs.items()
                },
                "verdict_changes": changes,
            },
            indent=1,
            default=str,
        )
    )

    # 3. the site
    import subprocess

    log("  building the site")
    try:
        html_dir = build.site(root=src, out=out_root / "html", build_dir=out_root)
    except subprocess.CalledProcessError as exc:
        raise ScenarioBuildFailed(
            f"scenario {sc.name}: jupyter-book failed (exit {exc.returncode}); "
            f"the previous {out_root / 'html'} is unchanged"
        ) from exc
    shutil.copy2(src / "scenario.json", html_dir / "scenario.json")
    (html_dir / "book.pdf").unlink(missing_ok=True)  # the default book's PDF, copied through html_extra_path
    return html_dir
