"""Single runs of a chapter (``scalinglab run``) and the execution of one cached point.

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

The pieces live in their own modules: parameter injection (:mod:`~scalinglab.book.inject`),
the glue reader (:mod:`~scalinglab.book.glue`), the cache (:mod:`~scalinglab.book.cache`),
dependencies (:mod:`~scalinglab.book.deps`), page assets (:mod:`~scalinglab.book.assets`),
pages (:mod:`~scalinglab.book.pages`), text tables (:mod:`~scalinglab.book.tables`) and
sweeps (:mod:`~scalinglab.book.sweeps`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalinglab.book import schemas
from scalinglab.book.assets import ship_assets
from scalinglab.book.cache import cache_dir, cache_put, canonical_params, default_runs_dir, point_key
from scalinglab.book.deps import sha256_file, shared_dependencies
from scalinglab.book.glue import glued_values, read_notebook, run_record_of
from scalinglab.book.inject import injected_source, install_translator, papermill_value
from scalinglab.book.pages import run_banner, warm_html_exporter, write_run_page
from scalinglab.book.tables import glued_table
from scalinglab.errors import ParameterError
from scalinglab.paths import REPO_ROOT, RUNS_DIR, chapter_notebook

__all__ = [
    "RunFailed",
    "RunResult",
    "default_runs_dir",
    "describe_exception",
    "execute_point",
    "glued_table",
    "injected_source",
    "iter_runs",
    "new_id",
    "run_chapter",
]


class RunFailed(RuntimeError):
    """A run or sweep point failed while executing. ``kind``: ``error`` | ``dead-kernel`` | ``timeout`` |
    ``interrupted`` | ``bad-parameter`` (the notebook's own validation rejected a value); ``folder``:
    the ``.failed`` folder (runs only).
    """

    def __init__(self, message: str, kind: str = "error", folder: Path | None = None):
        super().__init__(message)
        self.kind, self.folder = kind, folder


def new_id(prefix: str, seed: str) -> str:
    """A unique run id: ``prefix``, the UTC time (``YYYYMMDDTHHMMSSZ``) and 6 hex digits of a hash of ``seed``, the
    time in nanoseconds and the process id (so two runs of the same point in one second still differ).
    """
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{prefix}{stamp}-{hashlib.sha256((seed + str(time.time_ns()) + str(os.getpid())).encode()).hexdigest()[:6]}"


def describe_exception(exc: BaseException, chapter: str, timeout_s: float | None) -> tuple[str, str]:
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

    return yaml.safe_dump(
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
    )


def _fallback_record(chapter: str, model: Any) -> dict:
    from scalinglab.book import record

    files = {}
    for p in shared_dependencies():
        if p.is_relative_to(REPO_ROOT / "data"):
            files[p.relative_to(REPO_ROOT / "data").as_posix()] = sha256_file(p)
    return {
        "chapter": chapter,
        "parameters": model.model_dump(mode="json"),
        "versions": record.versions(),
        "data_sha256": files,
        "git_commit": record.git_commit(),
        "date": record.run_date(),
        "note": "rebuilt by scalinglab run: the notebook displayed no run record (data hashes cover every data file)",
    }


def run_chapter(
    chapter: str,
    values: dict[str, Any],
    *,
    timeout_s: float | None = None,
    runs_dir: Path = RUNS_DIR,
    source: Path | None = None,
    html: bool = True,
    argv: list[str] | None = None,
    cache: bool = True,
) -> RunResult:
    """Validate ``values``, execute ``chapter`` with them and write a complete run folder.

    Parameters
    ----------
    chapter : str
        Chapter slug (``notebooks/<chapter>.ipynb``).
    values : dict
        Parameter name -> value; missing names take the schema's defaults.
    timeout_s : float, optional
        Per-cell execution timeout in seconds (None: no limit).
    runs_dir : Path
        Folder of run folders and of the point cache (default ``runs/``).
    source : Path, optional
        A stand-in source notebook (tests).
    html : bool
        Write the standalone HTML page (with its offline assets).
    argv : list of str, optional
        The command line, recorded in the run record.
    cache : bool
        Store the executed notebook in the point cache afterwards.

    Returns
    -------
    RunResult
        Run id, folder ``runs/<chapter>/<run-id>/``, glued values, run record and wall seconds.

    Raises
    ------
    ParameterError
        Before any kernel starts, for a bad name or value.
    RunFailed
        (``.kind``, ``.folder``) when the execution fails; the run is then left in
        ``runs/<chapter>/<run-id>.failed/``.
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
        run_id = new_id("", chapter + canonical_params(model))
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
                ship_assets(partial)
                warm_html_exporter()
            if cache:
                prepared["key"] = point_key(chapter, model, source=src)
        except Exception as exc:  # noqa: BLE001 - redone (and reported) in the main thread
            prepared["error"] = exc

    helper = threading.Thread(target=prepare, name="scalinglab-prepare", daemon=True)
    helper.start()
    try:
        build.execute(chapter, nb_path, parameters=papermill_value(values), timeout_s=timeout_s, source=src)
        nb = read_notebook(nb_path)
        glued = glued_values(nb)
        rec = run_record_of(nb) or _fallback_record(chapter, model)
        rec["scalinglab_run"] = {
            "run_id": run_id,
            "command": argv or [],
            "values_given": json.loads(json.dumps(values, default=str)),
            "source_notebook": str(src.relative_to(REPO_ROOT) if src.is_relative_to(REPO_ROOT) else src),
            "source_sha256": sha256_file(src),
            "timeout_s": timeout_s,
            "seconds": round(time.perf_counter() - t0, 3),
        }
        (partial / "glued.json").write_text(json.dumps(glued, indent=1, default=str))
        (partial / "run_record.json").write_text(json.dumps(rec, indent=1, default=str))
        helper.join()
        if html:
            if "error" in prepared or not (partial / "vega-runtime.js").exists():
                ship_assets(partial)
            write_run_page(nb, partial / f"{chapter}.html", glued, banner_html=run_banner(chapter, run_id, values))
        final = chapter_dir / run_id
        partial.rename(final)
    except BaseException as exc:  # noqa: BLE001 - every failure leaves a .failed folder, then propagates
        helper.join(timeout=30)
        for asset in ("vega-runtime.js", "mathjax"):  # a failed run keeps the evidence, not the assets
            p = partial / asset
            with contextlib.suppress(OSError):
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        kind, msg = describe_exception(exc, chapter, timeout_s)
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
            cache_put(key, final / f"{chapter}.ipynb", glued, runs_dir)
    return RunResult(chapter, run_id, final, glued, rec, time.perf_counter() - t0)


def execute_point(
    chapter: str, values: dict[str, Any], key: str, timeout_s: float | None, runs_dir: str, source: str | None
) -> dict:
    """Worker: execute one point into the cache. Returns a plain, picklable dict."""
    from scalinglab.book import build

    t0 = time.perf_counter()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    install_translator()
    root = cache_dir(Path(runs_dir))
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".run-{key[:12]}-", dir=root))
    try:
        out = build.execute(
            chapter,
            work / "executed.ipynb",
            parameters=papermill_value(values),
            timeout_s=timeout_s,
            source=Path(source) if source else None,
        )
        glued = glued_values(read_notebook(out))
        cache_put(key, out, glued, Path(runs_dir))
        return {"ok": True, "glued": glued, "seconds": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 - reported per point
        kind, msg = describe_exception(exc, chapter, timeout_s)
        failed = next(iter(work.glob("*.failed.ipynb")), None)
        return {
            "ok": False,
            "kind": kind,
            "error": msg,
            "seconds": time.perf_counter() - t0,
            "failed_notebook": failed.read_text() if failed else None,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def iter_runs(chapter: str, runs_dir: Path = RUNS_DIR) -> Iterable[Path]:
    """Complete run folders of ``chapter`` (oldest first)."""
    d = Path(runs_dir) / chapter
    return (
        sorted(
            p
            for p in d.iterdir()
            if p.is_dir() and not p.name.startswith((".", "sweep-")) and not p.name.endswith(".failed")
        )
        if d.exists()
        else []
    )
