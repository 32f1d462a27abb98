"""Rerunning chapters: single validated runs, parameter sweeps, the input-hash cache, run pages.

Used by the ``scalinglab`` command (:mod:`scalinglab.cli`); everything here is also
callable from Python.

Run folder (``runs/<chapter>/<run-id>/``), written only when the run succeeded::

    <chapter>.ipynb      the executed notebook
    <chapter>.html       a standalone page of it; charts render offline (vega-runtime.js
                         beside it), math with the bundled MathJax (mathjax/ beside it)
    run_record.json      parameters, versions, data hashes, commit, date (+ this run's facts)
    glued.json           the glued headline numbers
    params.yaml          the parameters as given

The run executes in ``runs/<chapter>/.<run-id>.partial/`` and that folder is renamed
to ``<run-id>/`` only at the very end; a failing, timed-out, interrupted or killed run
is renamed to ``<run-id>.failed/`` with ``error.txt`` and the partly executed notebook,
so nothing that looks complete is ever left behind.

Cache (``runs/.cache/<key>/``): the executed notebook and glued numbers of one chapter
at one parameter point. ``key`` hashes the chapter's source notebook, the canonical
validated parameters (defaults filled in, so an explicit default is the same point) and
every other input of a notebook's result, the same set the Makefile tracks: data files,
the package's code and the pinned requirements.

Parameter values reach the notebook exactly: :class:`ExactPythonTranslator` writes
strings with ``repr`` (any text, quotes, newlines and backslashes included, round-trips
byte for byte) and dates as ``datetime.date`` objects, which papermill's own translator
would turn into strings.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from scalinglab.book import schemas
from scalinglab.errors import ParameterError
from scalinglab.paths import REPO_ROOT, RUNS_DIR, chapter_notebook

CACHE_DIRNAME = ".cache"
MATHJAX_SRC = REPO_ROOT / ".venv" / "npm" / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"


class RunFailed(RuntimeError):
    """A run or sweep point failed while executing. ``kind``: ``error`` | ``dead-kernel`` | ``timeout`` |
    ``interrupted`` | ``bad-parameter`` (the notebook's own validation rejected a value); ``folder``:
    the ``.failed`` folder (runs only)."""

    def __init__(self, message: str, kind: str = "error", folder: Path | None = None):
        super().__init__(message)
        self.kind, self.folder = kind, folder


# ---------------------------------------------------------------------------
# exact parameter injection
# ---------------------------------------------------------------------------
class IsoDate(str):
    """A date or datetime travelling through papermill as its ISO text (JSON-safe in the
    notebook's metadata) and injected into the kernel as a real ``datetime`` object."""

    kind: str = "date"

    def __new__(cls, value: "_dt.date | str", kind: str | None = None):
        if isinstance(value, _dt.date):
            text, kind = value.isoformat(), "datetime" if isinstance(value, _dt.datetime) else "date"
        else:
            text = str(value)
            kind = kind or ("datetime" if len(text) > 10 else "date")
        s = super().__new__(cls, text)
        s.kind = kind
        return s

    def __getnewargs__(self):  # papermill deep-copies its parameters
        return (str(self), self.kind)


def papermill_value(value: Any) -> Any:
    """``value`` made ready for papermill: dates -> :class:`IsoDate`, tuples/sets -> lists, recursively."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return IsoDate(value)
    if isinstance(value, dict):
        return {str(k): papermill_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [papermill_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [papermill_value(v) for v in sorted(value, key=repr)]
    return value


def _translator_class():
    from papermill.translators import PythonTranslator

    class ExactPythonTranslator(PythonTranslator):
        """papermill's Python translator, but strings by ``repr`` and dates as dates."""

        @classmethod
        def translate_str(cls, val):
            if isinstance(val, IsoDate):
                return f'__import__("datetime").{val.kind}.fromisoformat({str.__repr__(val)})'
            return str.__repr__(str(val))

        @classmethod
        def translate_float(cls, val):
            return repr(float(val)) if val == val and abs(val) != float("inf") else super().translate_float(val)

        @classmethod
        def translate_dict(cls, val):
            return "{" + ", ".join(f"{cls.translate(k)}: {cls.translate(v)}" for k, v in val.items()) + "}"

    return ExactPythonTranslator


ExactPythonTranslator = None  # set by install_translator()


def install_translator():
    """Register :class:`ExactPythonTranslator` for Python kernels in this process; return it."""
    global ExactPythonTranslator
    from papermill.translators import papermill_translators

    if ExactPythonTranslator is None:
        ExactPythonTranslator = _translator_class()
    papermill_translators.register("python", ExactPythonTranslator)
    return ExactPythonTranslator


def injected_source(values: dict[str, Any]) -> str:
    """The code of the ``injected-parameters`` cell that papermill will write for ``values``."""
    return install_translator().codify(papermill_value(values))


# ---------------------------------------------------------------------------
# reading executed notebooks
# ---------------------------------------------------------------------------
_NUMPY_SCALAR = re.compile(r"^np\.(?:float|int|uint|bool_?)\d*\((.*)\)$")


def parse_plain(text: str) -> Any:
    """A glued value back from its ``text/plain`` repr (numbers, strings, None, lists...)."""
    text = text.strip()
    m = _NUMPY_SCALAR.match(text)
    if m:
        text = m.group(1)
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if text in ("nan", "inf", "-inf"):
            return float(text)
        return text


def glued_values(nb: Any) -> dict[str, Any]:
    """Glued values of an executed notebook (dict or NotebookNode), in notebook order."""
    out: dict[str, Any] = {}
    for cell in nb["cells"]:
        for o in cell.get("outputs", []) or []:
            sb = (o.get("metadata") or {}).get("scrapbook") or {}
            name = sb.get("name")
            if name is None:
                continue
            data = o.get("data") or {}
            prefix = sb.get("mime_prefix", "")
            text = data.get(prefix + "text/plain", data.get("text/plain"))
            if text is None:
                continue
            out[name] = parse_plain("".join(text) if isinstance(text, list) else text)
    return out


def run_record_of(nb: Any) -> dict | None:
    """The run record a chapter displayed (output metadata ``scalinglab.run_record``), if any."""
    for cell in reversed(nb["cells"]):
        for o in cell.get("outputs", []) or []:
            rec = ((o.get("metadata") or {}).get("scalinglab") or {}).get("run_record")
            if rec:
                return dict(rec)
    return None


def _read_nb(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# fingerprints and the cache
# ---------------------------------------------------------------------------
def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dependency_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every input of a notebook's result besides its source and parameters (as the Makefile's NB_DEPS):
    data files (not data/scripts), the package's Python code, requirements.txt."""
    files = [p for p in (root / "data").rglob("*") if p.is_file() and "scripts" not in p.relative_to(root / "data").parts]
    files += [p for p in (root / "scalinglab").rglob("*.py") if "__pycache__" not in p.parts]
    req = root / "requirements.txt"
    if req.exists():
        files.append(req)
    return sorted(files)


def deps_fingerprint(root: Path = REPO_ROOT) -> str:
    """SHA-256 over (path, SHA-256) of :func:`dependency_files`."""
    h = hashlib.sha256()
    for p in dependency_files(root):
        h.update(f"{p.relative_to(root).as_posix()}\0{_sha256_file(p)}\n".encode())
    return h.hexdigest()


def canonical_params(model: Any) -> str:
    """Canonical JSON of a validated parameter model (every field, sorted keys)."""
    return json.dumps(model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def point_key(chapter: str, model: Any, deps: str | None = None, source: Path | None = None) -> str:
    """Cache key of ``chapter`` at parameter point ``model`` (see the module docstring)."""
    src = Path(source) if source else chapter_notebook(chapter)
    blob = json.dumps({"chapter": chapter, "notebook_sha256": _sha256_file(src),
                       "params": canonical_params(model), "deps": deps or deps_fingerprint()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_runs_dir() -> Path:
    """``runs/`` of the repository, or ``$SCALINGLAB_RUNS_DIR`` when set (tests, scratch copies)."""
    env = os.environ.get("SCALINGLAB_RUNS_DIR")
    return Path(env) if env else RUNS_DIR


def cache_dir(runs_dir: Path = RUNS_DIR) -> Path:
    """Folder of the content-addressed point cache (``runs/.cache``), one subfolder per input hash."""
    return Path(runs_dir) / CACHE_DIRNAME


def cache_get(key: str, runs_dir: Path = RUNS_DIR) -> dict | None:
    """Cached ``{"glued": ..., "notebook": path}`` of a point, or None. Complete entries only."""
    d = cache_dir(runs_dir) / key
    g = d / "glued.json"
    nb = d / "executed.ipynb"
    if g.exists() and nb.exists():
        try:
            return {"glued": json.loads(g.read_text()), "notebook": nb}
        except ValueError:
            return None
    return None


def _cache_put(key: str, executed: Path, glued: dict, runs_dir: Path = RUNS_DIR) -> Path:
    """Store an executed notebook and its glued values under ``key`` atomically (first writer wins)."""
    root = cache_dir(runs_dir)
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    if final.exists():
        return final
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=root))
    try:
        _link_or_copy(executed, tmp / "executed.ipynb")
        (tmp / "glued.json").write_text(json.dumps(glued, indent=1, default=str))
        try:
            tmp.rename(final)
        except OSError:  # another process stored the same point meanwhile
            pass
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# ---------------------------------------------------------------------------
# offline assets
# ---------------------------------------------------------------------------
def vega_runtime(runs_dir: Path = RUNS_DIR) -> Path:
    """The offline vega bundle (charts.write_vega_runtime), generated once per vl-convert/altair version."""
    from importlib import metadata

    # the bundle depends on vl-convert's build and on the Vega-Lite version altair targets (fixed per altair
    # release): versions from package metadata, so a cache hit does not pay for importing altair
    tag = hashlib.sha256(f"{metadata.version('vl-convert-python')}|{metadata.version('altair')}".encode()).hexdigest()[:12]
    path = cache_dir(RUNS_DIR) / "static" / f"vega-runtime-{tag}.js"  # shared by every runs folder
    if not path.exists():
        from scalinglab.charts import write_vega_runtime

        write_vega_runtime(path)
    return path


def ship_assets(folder: Path, runs_dir: Path = RUNS_DIR, mathjax: bool = True) -> None:
    """Put ``vega-runtime.js`` (and ``mathjax/tex-svg-full.js`` when installed) into ``folder``
    (hard links where possible: no extra disk, and the folder stays self-contained)."""
    _link_or_copy(vega_runtime(runs_dir), Path(folder) / "vega-runtime.js")
    if mathjax and MATHJAX_SRC.exists():
        _link_or_copy(MATHJAX_SRC, Path(folder) / "mathjax" / MATHJAX_SRC.name)


# ---------------------------------------------------------------------------
# run page (standalone HTML)
# ---------------------------------------------------------------------------
_RUNPAGE_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}
<script src="vega-runtime.js"></script>
{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
  processEscapes: true, tags: 'ams'}, options: {ignoreHtmlClass: 'jp-OutputArea'}};</script>
<script async src="mathjax/tex-svg-full.js"></script>
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{#- pygments already escapes code: skip the bleach pass the lab template runs on every input (most of its time) -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
{%- block extra_css -%}
<style>
.scalinglab-run { font-family: system-ui, sans-serif; border-left: 4px solid #0072B2; background: rgba(0,114,178,.08);
  padding: .6rem 1rem; margin: 1rem 0; }
.scalinglab-run table { border-collapse: collapse; } .scalinglab-run td { padding: 0 .8rem 0 0; }
details.run-record table { border-collapse: collapse; margin: .4rem 0; font-size: .85em; }
details.run-record td, details.run-record th { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; }
main { max-width: 1100px; margin: auto; }
</style>
{%- endblock extra_css -%}
"""

_GLUE_ROLE = re.compile(r"\{glue(?::(text|md|math|any))?\}`([^`]+)`")
_exporter = None


def _html_exporter():
    """An nbconvert HTML exporter (lab template) with no CDN script: built once per process."""
    global _exporter
    if _exporter is None:
        import jinja2
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(template_name="lab", extra_loaders=[jinja2.DictLoader({"runpage.html.j2": _RUNPAGE_TEMPLATE})],
                                 template_file="runpage.html.j2", exclude_anchor_links=True)
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


# ---------------------------------------------------------------------------
# formatting helpers
# ---------------------------------------------------------------------------
def format_value(v: Any) -> str:
    """A glued value as printed in tables: floats to 6 significant digits, long text cut to 70 characters."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    return s if len(s) <= 70 else s[:67] + "..."


def text_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """A plain aligned text table (header, rule, rows)."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    cells = [[format_value(r.get(c)) if not isinstance(r.get(c), str) else r.get(c) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(x) for x in cells])


def glued_table(glued: dict[str, Any]) -> str:
    """The glued headline numbers of a run as a plain-text table (key, value)."""
    return text_table([{"key": k, "value": format_value(v)} for k, v in glued.items()])


def _new_id(prefix: str, seed: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{prefix}{stamp}-{hashlib.sha256((seed + str(time.time_ns()) + str(os.getpid())).encode()).hexdigest()[:6]}"


def _describe_exception(exc: BaseException, chapter: str, timeout_s: float | None) -> tuple[str, str]:
    """(kind, message) of a failed execution."""
    from scalinglab.book.build import NotebookFailed

    chain = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    names = {type(x).__name__ for x in chain}
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", f"chapter {chapter}: interrupted (Ctrl-C or SIGTERM) before it finished"
    if "DeadKernelError" in names:
        return "dead-kernel", (f"chapter {chapter}: the kernel died (killed, out of memory or crashed) - {msg}")
    if names & {"CellTimeoutError", "TimeoutError"} or "timed out" in msg.lower():
        limit = f" after {timeout_s:g} s" if timeout_s else ""
        return "timeout", f"chapter {chapter}: a cell timed out{limit} (--timeout bounds each cell) - {msg}"
    if isinstance(exc, NotebookFailed) and "ParameterError" in msg:
        return "bad-parameter", msg
    return "error", msg


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------
@dataclass
class RunResult:
    """One finished ``scalinglab run``: chapter, run id, its folder under ``runs/``, glued values, run record, wall seconds."""
    chapter: str
    run_id: str
    folder: Path
    glued: dict[str, Any]
    record: dict[str, Any]
    seconds: float


def _yaml_dump(values: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump({k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()},
                          sort_keys=False, allow_unicode=True, default_flow_style=None)


def _fallback_record(chapter: str, model: Any) -> dict:
    from scalinglab.book import record

    files = {}
    for p in dependency_files():
        if p.is_relative_to(REPO_ROOT / "data"):
            files[p.relative_to(REPO_ROOT / "data").as_posix()] = _sha256_file(p)
    return {"chapter": chapter, "parameters": model.model_dump(mode="json"), "versions": record.versions(),
            "data_sha256": files, "git_commit": record.git_commit(), "date": record.run_date(),
            "note": "rebuilt by scalinglab run: the notebook displayed no run record (data hashes cover every data file)"}


def run_chapter(chapter: str, values: dict[str, Any], *, timeout_s: float | None = None, runs_dir: Path = RUNS_DIR,
                source: Path | None = None, html: bool = True, argv: list[str] | None = None,
                cache: bool = True) -> RunResult:
    """Validate ``values``, execute ``chapter`` with them and write a complete run folder.

    Raises :class:`ParameterError` before any kernel starts for a bad name or value, and
    :class:`RunFailed` (``.kind``, ``.folder``) when the execution fails; the run is then
    left in ``runs/<chapter>/<run-id>.failed/``.
    """
    from scalinglab.book import build

    t0 = time.perf_counter()
    model = schemas.validate(chapter, values)
    src = Path(source) if source else chapter_notebook(chapter)
    if not src.exists():
        raise ParameterError("chapter", chapter, f"a chapter with a notebook; {src} does not exist")
    install_translator()

    chapter_dir = Path(runs_dir) / chapter
    chapter_dir.mkdir(parents=True, exist_ok=True)
    while True:
        run_id = _new_id("", chapter + canonical_params(model))
        partial = chapter_dir / f".{run_id}.partial"
        try:
            partial.mkdir()
            break
        except FileExistsError:
            continue
    (partial / "params.yaml").write_text(_yaml_dump(values))
    nb_path = partial / f"{chapter}.ipynb"

    # While the kernel works (another process), this process is idle: prepare the page assets,
    # compile the page template and hash the cache inputs in a background thread meanwhile.
    import threading

    prepared: dict[str, Any] = {}

    def prepare() -> None:
        try:
            if html:
                ship_assets(partial, runs_dir)
                warm_html_exporter()
            if cache:
                prepared["key"] = point_key(chapter, model, source=src)
        except Exception as exc:  # noqa: BLE001 - redone (and reported) in the main thread
            prepared["error"] = exc

    helper = threading.Thread(target=prepare, name="scalinglab-prepare", daemon=True)
    helper.start()
    try:
        build.execute(chapter, nb_path, parameters=papermill_value(values), timeout_s=timeout_s, source=src)
        nb = _read_nb(nb_path)
        glued = glued_values(nb)
        rec = run_record_of(nb) or _fallback_record(chapter, model)
        rec["scalinglab_run"] = {
            "run_id": run_id, "command": argv or [], "values_given": json.loads(json.dumps(values, default=str)),
            "source_notebook": str(src.relative_to(REPO_ROOT) if src.is_relative_to(REPO_ROOT) else src),
            "source_sha256": _sha256_file(src), "timeout_s": timeout_s,
            "seconds": round(time.perf_counter() - t0, 3),
        }
        (partial / "glued.json").write_text(json.dumps(glued, indent=1, default=str))
        (partial / "run_record.json").write_text(json.dumps(rec, indent=1, default=str))
        helper.join()
        if html:
            if "error" in prepared or not (partial / "vega-runtime.js").exists():
                ship_assets(partial, runs_dir)
            write_run_page(nb, partial / f"{chapter}.html", glued, banner_html=_run_banner(chapter, run_id, values))
        final = chapter_dir / run_id
        partial.rename(final)
    except BaseException as exc:  # noqa: BLE001 - every failure leaves a .failed folder, then propagates
        helper.join(timeout=30)
        for asset in ("vega-runtime.js", "mathjax"):  # a failed run keeps the evidence, not the assets
            p = partial / asset
            with contextlib.suppress(OSError):
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        kind, msg = _describe_exception(exc, chapter, timeout_s)
        failed = chapter_dir / f"{run_id}.failed"
        with contextlib.suppress(OSError):
            (partial / "error.txt").write_text(f"{kind}: {msg}\n")
            partial.rename(failed)
        if isinstance(exc, KeyboardInterrupt):
            raise
        if isinstance(exc, (build.NotebookFailed, TimeoutError)) or kind != "error":
            raise RunFailed(msg, kind, failed) from exc
        raise RunFailed(f"chapter {chapter}: {type(exc).__name__}: {exc}", kind, failed) from exc
    if cache:
        with contextlib.suppress(OSError):
            key = prepared.get("key") or point_key(chapter, model, source=src)
            _cache_put(key, final / f"{chapter}.ipynb", glued, runs_dir)
    return RunResult(chapter, run_id, final, glued, rec, time.perf_counter() - t0)


def _run_banner(chapter: str, run_id: str, values: dict[str, Any]) -> str:
    import html as _h

    rows = "".join(f"<tr><td><code>{_h.escape(k)}</code></td><td><code>{_h.escape(repr(v))}</code></td></tr>"
                   for k, v in values.items()) or "<tr><td colspan=2>(all defaults)</td></tr>"
    return (f'<div class="scalinglab-run"><strong>scalinglab run {_h.escape(run_id)}</strong> of chapter '
            f"<code>{_h.escape(chapter)}</code> with these parameters (others at their defaults):"
            f"<table>{rows}</table></div>")


# ---------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------
def expand_grid(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of ``{name: [values]}``, first name varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def _vectorised_interconnect(points: "Any") -> "Any":
    """Closed-form glued numbers of *interconnect_scaling* for a frame of full parameter points.

    Same calls as the chapter's notebook, on whole columns at once (scalinglab.collectives
    broadcasts): ring, in-network and two-level all-reduce of ``message_size_bytes`` over
    ``n_gpus`` (ms) and the tree/ring crossover size (bytes).
    """
    import numpy as np
    import polars as pl

    from scalinglab.models import collectives as C

    col = lambda n: points[n].to_numpy().astype(float)  # noqa: E731
    n, p = col("message_size_bytes"), col("n_gpus")
    bw, lat = col("link_bandwidth_gb_s"), col("latency_us")
    out = {
        "ring_allreduce_ms": np.atleast_1d(C.ring_allreduce_s(n, p, bw, lat)) * 1e3,
        "in_network_allreduce_ms": np.atleast_1d(C.in_network_allreduce_s(n, p, bw, lat)) * 1e3,
        "hierarchical_allreduce_ms": np.atleast_1d(C.hierarchical_allreduce_s(
            n, p, col("scaleup_domain_size"), bw, lat, col("scaleout_bandwidth_gb_s"), col("scaleout_latency_us"))) * 1e3,
        "tree_ring_crossover_bytes": np.atleast_1d(C.tree_ring_crossover_bytes(p, bw, lat)),
    }
    return pl.DataFrame(out)


#: Chapters whose headline numbers are cheap closed forms: ``fn(points) -> columns``, where
#: ``points`` is a polars frame with one row per parameter point and one column per
#: parameter (all of them, defaults filled in) and the result has one row per point and one
#: column per glued key. ``scalinglab sweep`` uses these unless ``--kernel`` is given.
VECTORISED: dict[str, Callable[[Any], Any]] = {"interconnect_scaling": _vectorised_interconnect}
#: Glued keys each vectorised function returns (printed first by ``scalinglab sweep``).
VECTORISED_KEYS = {"interconnect_scaling": ["ring_allreduce_ms", "in_network_allreduce_ms",
                                            "hierarchical_allreduce_ms", "tree_ring_crossover_bytes"]}


def headline_keys(chapter: str) -> list[str]:
    """Glued keys to show first for ``chapter`` in sweep tables."""
    return list(VECTORISED_KEYS.get(chapter, []))


def _execute_point(chapter: str, values: dict[str, Any], key: str, timeout_s: float | None,
                   runs_dir: str, source: str | None) -> dict:
    """Worker: execute one point into the cache. Returns a plain, picklable dict."""
    from scalinglab.book import build

    t0 = time.perf_counter()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    install_translator()
    root = cache_dir(Path(runs_dir))
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".run-{key[:12]}-", dir=root))
    try:
        out = build.execute(chapter, work / "executed.ipynb", parameters=papermill_value(values), timeout_s=timeout_s,
                            source=Path(source) if source else None)
        glued = glued_values(_read_nb(out))
        _cache_put(key, out, glued, Path(runs_dir))
        return {"ok": True, "glued": glued, "seconds": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - reported per point
        kind, msg = _describe_exception(exc, chapter, timeout_s)
        failed = next(iter(work.glob("*.failed.ipynb")), None)
        return {"ok": False, "kind": kind, "error": msg, "seconds": time.perf_counter() - t0,
                "failed_notebook": failed.read_text() if failed else None}
    finally:
        shutil.rmtree(work, ignore_errors=True)


@dataclass
class SweepResult:
    """One finished sweep: its folder, the table of points (polars), ``mode`` ("kernel" or "vectorised"), failed points with their errors, and how many points were executed or taken from the cache."""
    chapter: str
    folder: Path
    table: Any  # polars DataFrame
    mode: str
    failed: list[dict] = field(default_factory=list)
    executed: int = 0
    cached: int = 0


def _scalar_for_table(v: Any) -> Any:
    if isinstance(v, (list, dict, tuple)):
        return json.dumps(v, default=str)
    return v


def _column(values: list[Any]) -> Any:
    import polars as pl

    vals = [_scalar_for_table(v) for v in values]
    present = [v for v in vals if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return pl.Series(vals, dtype=pl.Int64)
        return pl.Series([None if v is None else float(v) for v in vals], dtype=pl.Float64)
    if present and all(isinstance(v, bool) for v in present):
        return pl.Series(vals, dtype=pl.Boolean)
    if present and all(isinstance(v, _dt.date) for v in present):
        return pl.Series(vals)
    return pl.Series([None if v is None else str(v) for v in vals], dtype=pl.String)


def sweep(chapter: str, grid: dict[str, list[Any]], *, workers: int | None = None, kernel: bool = False,
          skip_invalid: bool = False, timeout_s: float | None = None, runs_dir: Path = RUNS_DIR,
          progress: bool = True, source: Path | None = None, base: dict[str, Any] | None = None,
          log: Callable[[str], None] | None = None) -> SweepResult:
    """Run ``chapter`` at every point of the cartesian product of ``grid`` (plus fixed ``base`` values).

    Every point is validated before anything runs: a bad point raises ``ParameterError``
    (naming the point) unless ``skip_invalid``, in which case it is listed as invalid and
    the others run. Points already in the cache are reused; the rest run on a process pool
    of ``workers`` (default: the number of cores), or in one vectorised call for chapters in
    :data:`VECTORISED` (unless ``kernel``). A failing point is recorded with its error and
    does not stop the others.
    """
    import polars as pl

    log = log or (lambda s: print(s, file=sys.stderr))
    base = dict(base or {})
    schema = schemas.get_schema(chapter)
    for name in list(grid) + list(base):
        if name not in schema.model_fields:
            raise schemas.unknown_parameter(schema, name, grid.get(name, base.get(name)))
    for name, vals in grid.items():
        if not vals:
            raise ParameterError(name, vals, "at least one value to sweep over")
    src = Path(source) if source else chapter_notebook(chapter)
    if not src.exists():
        raise ParameterError("chapter", chapter, f"a chapter with a notebook; {src} does not exist")
    combos = expand_grid(grid)
    points: list[dict[str, Any]] = []
    invalid: list[tuple[int, dict, ParameterError]] = []
    for i, combo in enumerate(combos):
        values = {**base, **combo}
        try:
            model = schemas.validate(chapter, values)
            points.append({"point": i, "values": values, "model": model, "status": None, "error": None,
                           "glued": {}, "seconds": None})
        except ParameterError as err:
            invalid.append((i, combo, err))
            points.append({"point": i, "values": values, "model": None, "status": "invalid", "error": str(err),
                           "glued": {}, "seconds": None})
    if invalid and not skip_invalid:
        i, combo, err = invalid[0]
        more = f" (and {len(invalid) - 1} more invalid point(s))" if len(invalid) > 1 else ""
        err.args = (f"sweep point {i} {combo}: {err}{more}; pass --skip-invalid to run the valid points only",)
        raise err
    valid = [p for p in points if p["model"] is not None]
    if not valid:
        raise ParameterError("sweep", grid, "at least one valid point; every point is invalid")

    vect = VECTORISED.get(chapter) if not kernel and source is None else None
    mode = "vectorised" if vect else "kernel"
    n_exec = n_cached = 0
    t_start = time.perf_counter()
    if vect:
        frame = pl.DataFrame([p["model"].model_dump() for p in valid])
        t0 = time.perf_counter()
        cols = vect(frame)
        dt = (time.perf_counter() - t0) / max(1, len(valid))
        for p, row in zip(valid, cols.iter_rows(named=True)):
            p.update(status="ok", glued=row, seconds=dt)
    else:
        from tqdm import tqdm

        install_translator()
        deps = deps_fingerprint()
        by_key: dict[str, list[dict]] = {}
        for p in valid:
            p["key"] = point_key(chapter, p["model"], deps, src)
            hit = cache_get(p["key"], runs_dir)
            if hit is not None:
                p.update(status="cached", glued=hit["glued"], seconds=0.0)
                n_cached += 1
            else:
                by_key.setdefault(p["key"], []).append(p)
        bar = tqdm(total=len(valid), initial=n_cached, desc=f"sweep {chapter}", unit="point", file=sys.stderr,
                   disable=not progress, dynamic_ncols=True)
        if by_key:
            import concurrent.futures as cf
            import multiprocessing as mp

            nworkers = max(1, min(workers or os.cpu_count() or 1, len(by_key)))
            ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
            with cf.ProcessPoolExecutor(max_workers=nworkers, mp_context=ctx) as pool:
                futs = {pool.submit(_execute_point, chapter, pts[0]["values"], key, timeout_s, str(runs_dir),
                                    str(source) if source else None): key for key, pts in by_key.items()}
                try:
                    for fut in cf.as_completed(futs):
                        key = futs[fut]
                        try:
                            res = fut.result()
                        except Exception as exc:  # noqa: BLE001 - a worker process died
                            res = {"ok": False, "kind": "error", "error": f"worker failed: {exc!r}", "seconds": None}
                        for p in by_key[key]:
                            if res["ok"]:
                                p.update(status="ok", glued=res["glued"], seconds=res["seconds"])
                            else:
                                p.update(status="failed", error=res["error"], seconds=res["seconds"],
                                         failed_notebook=res.get("failed_notebook"))
                        n_exec += 1
                        if not res["ok"]:
                            bar.write(f"point {by_key[key][0]['point']} {by_key[key][0]['values']} failed: {res['error']}")
                        bar.update(len(by_key[key]))
                except KeyboardInterrupt:
                    for f in futs:
                        f.cancel()
                    raise
        bar.close()
    elapsed = time.perf_counter() - t_start

    # the table: point, swept parameters, status, seconds, error, glued columns
    keys: list[str] = []
    for p in points:
        for k in p["glued"]:
            if k not in keys:
                keys.append(k)
    data: dict[str, Any] = {"point": pl.Series([p["point"] for p in points], dtype=pl.Int64)}
    for name in grid:
        data[name] = _column([p["values"][name] for p in points])
    data["status"] = pl.Series([p["status"] for p in points], dtype=pl.String)
    data["seconds"] = pl.Series([None if p["seconds"] is None else round(float(p["seconds"]), 4) for p in points],
                                dtype=pl.Float64)
    data["error"] = pl.Series([p["error"] for p in points], dtype=pl.String)
    for k in keys:
        name = k if k not in data else f"glued_{k}"
        data[name] = _column([p["glued"].get(k) for p in points])
    table = pl.DataFrame(data)

    chapter_dir = Path(runs_dir) / chapter
    chapter_dir.mkdir(parents=True, exist_ok=True)
    sweep_id = _new_id("sweep-", chapter + json.dumps(grid, default=str))
    partial = chapter_dir / f".{sweep_id}.partial"
    partial.mkdir()
    try:
        table.write_csv(partial / "points.csv")
        table.write_parquet(partial / "points.parquet")
        failed = [p for p in points if p["status"] in ("failed", "invalid")]
        for p in failed:
            if p.get("failed_notebook"):
                (partial / "failed").mkdir(exist_ok=True)
                (partial / "failed" / f"point-{p['point']}.ipynb").write_text(p["failed_notebook"])
        meta = {"chapter": chapter, "grid": grid, "fixed": base, "mode": mode, "points": len(points),
                "executed": n_exec, "cached": n_cached, "seconds": round(elapsed, 3),
                "workers": workers or os.cpu_count(), "timeout_s": timeout_s,
                "failed": [{"point": p["point"], "values": p["values"], "status": p["status"], "error": p["error"]}
                           for p in failed]}
        (partial / "sweep.json").write_text(json.dumps(meta, indent=1, default=str))
        try:
            write_sweep_chart(chapter, table, list(grid), keys, partial / "chart.html")
            ship_assets(partial, runs_dir, mathjax=False)
        except Exception as exc:  # noqa: BLE001 - the table matters more than the chart
            (partial / "chart-error.txt").write_text(f"{type(exc).__name__}: {exc}\n")
            log(f"warning: no chart ({type(exc).__name__}: {exc})")
        final = chapter_dir / sweep_id
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return SweepResult(chapter, final, table, mode, failed=[p for p in points if p["status"] in ("failed", "invalid")],
                       executed=n_exec, cached=n_cached)


def _is_numeric_series(s: Any) -> bool:
    return s.dtype.is_numeric() and s.null_count() < len(s)


def write_sweep_chart(chapter: str, table: Any, swept: list[str], keys: list[str], path: Path) -> Path:
    """One small line chart per glued number that varies across the sweep, against the first
    swept parameter (coloured by the second), as a standalone offline HTML page."""
    import altair as alt
    import polars as pl

    from scalinglab import charts

    charts.enable()
    ok = table.filter(pl.col("status").is_in(["ok", "cached"]))
    cols = {k: (k if k in table.columns and k not in swept and k not in ("point", "status", "seconds", "error")
                else f"glued_{k}") for k in keys}
    numeric = [k for k in keys if cols[k] in ok.columns and _is_numeric_series(ok[cols[k]])]
    varying = [k for k in numeric if ok[cols[k]].n_unique() > 1] or numeric
    if not varying or ok.height == 0:
        raise ValueError("no numeric glued value to chart")
    x = swept[0]
    xnum = ok[x].dtype.is_numeric()
    color = swept[1] if len(swept) > 1 else None
    idx = ["point", x] + ([color] if color else [])
    long = ok.select(idx + [pl.col(cols[k]).cast(pl.Float64).alias(k) for k in varying]).unpivot(
        index=idx, on=varying, variable_name="glued number", value_name="value")
    xscale = alt.Scale(type="log") if xnum and ok[x].min() > 0 and ok[x].max() / max(ok[x].min(), 1e-300) >= 50 else alt.Scale()
    enc = {
        "x": alt.X(f"{x}:{'Q' if xnum else 'N'}", title=x, scale=xscale),
        "y": alt.Y("value:Q", title="value (unit as in the chapter)"),
        "tooltip": ["point:Q", f"{x}:{'Q' if xnum else 'N'}", "glued number:N", alt.Tooltip("value:Q", format=".6g")]
                   + ([f"{color}:N"] if color else []),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color)
    base = alt.Chart(long).mark_line(point=True).encode(**enc).properties(width=260, height=170)
    chart = base.facet(facet=alt.Facet("glued number:N", title=None), columns=2).resolve_scale(y="independent")
    chart = charts.finish(chart, f"Sweep of {chapter}: glued numbers against {x}",
                          f"scalinglab sweep of notebooks/{chapter}.ipynb",
                          subtitle=f"{ok.height} point(s); one panel per glued number that varies")
    spec = json.dumps(chart.to_dict()).replace("</", "<\\/")
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Sweep of {chapter}</title><script src=\"vega-runtime.js\"></script></head>\n"
            "<body style=\"font-family: system-ui, sans-serif\"><div id=\"vis\" class=\"vega-embed-host\"></div>\n<script>\n"
            f"vegaEmbed('#vis', {spec}, {{actions: {{export: true, source: false, compiled: false, editor: false}}}})"
            ".catch(function (e) { document.getElementById('vis').innerHTML = '<div class=\"error\">' + e + '</div>'; });\n"
            "</script></body></html>\n")
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def iter_runs(chapter: str, runs_dir: Path = RUNS_DIR) -> Iterable[Path]:
    """Complete run folders of ``chapter`` (oldest first)."""
    d = Path(runs_dir) / chapter
    return sorted(p for p in d.iterdir() if p.is_dir() and not p.name.startswith((".", "sweep-"))
                  and not p.name.endswith(".failed")) if d.exists() else []
