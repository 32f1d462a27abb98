"""Book build steps driven by the Makefile: execute one notebook, assemble the site.

``python -m scalinglab.book.build execute SLUG [OUT]``
    Executes ``notebooks/SLUG.ipynb`` with papermill (kernel ``python3``, default
    parameters) from a scratch working directory, writes it atomically to
    ``executed/SLUG.ipynb`` (or OUT). On failure prints the notebook, the cell and
    the error, and exits 1 leaving any previous executed copy untouched.

``python -m scalinglab.book.build site``
    Checks ``_config.yml`` and ``_toc.yml`` (a broken one stops the build with one line
    naming the file, the key or line, and what is expected), generates the offline runtimes
    (vega bundle, chart themes, MathJax), builds the HTML with
    ``jupyter-book build --all -W -n --keep-going`` into ``_build/staging`` and, only
    if that succeeds, swaps it into ``_build/html``; a failed build leaves the last
    good site in place.

Each step prints at most one progress line (the Makefile prints it); the kernel's own
"running over TCP without encryption" warning is silenced (kernel log level ERROR).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scalinglab.book.bookconfig import BookConfigError
from scalinglab.book.bookconfig import check as check_config
from scalinglab.paths import BUILD_DIR, EXECUTED_DIR, REPO_ROOT, chapter_notebook

GENERATED = BUILD_DIR / "generated"
MATHJAX_SRC = REPO_ROOT / ".venv" / "npm" / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"
#: Kernel arguments: ipykernel logs "Kernel is running over TCP without encryption" at WARNING on
#: every start, into the user's terminal; ERROR keeps real kernel errors visible.
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]  # not even the shutdown "KeyboardInterrupt caught" line


class NotebookFailed(RuntimeError):
    """A notebook raised during execution; the message names notebook, cell and error."""


def _describe_failure(slug: str, nb_path: Path, exc: Exception) -> str:
    """'<slug>: cell N (execution count M) raised Name: message' from a papermill error."""
    import nbformat

    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    where = "a cell"
    try:
        nb = nbformat.read(nb_path, as_version=4)
        k = 0  # code cells of the source notebook (papermill's own cells skipped), 1-based
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.cell_type != "code" or "injected-parameters" in tags:
                continue
            k += 1
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                first = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")), "")
                where = f"code cell {k} (`{first.strip()[:60]}`)"
                break
    except Exception:  # noqa: BLE001 - best effort; the error itself is reported below
        pass
    return f"notebook {slug}: {where} raised {ename}: {evalue}"


def execute(
    slug: str,
    output: Path | None = None,
    parameters: dict[str, Any] | None = None,
    timeout_s: float | None = None,
    source: Path | None = None,
) -> Path:
    """Execute chapter ``slug`` with papermill and write the result atomically.

    ``parameters`` override the notebook defaults; ``timeout_s`` bounds each cell.
    Returns the output path. Raises :class:`NotebookFailed` (naming notebook, cell
    and error) when a cell raises or the kernel dies; the output path is then not
    written (the failed notebook is kept next to it as ``*.failed.ipynb``).
    """
    import papermill as pm

    src = Path(source) if source else chapter_notebook(slug)
    if not src.exists():
        raise FileNotFoundError(f"no notebook {src}")
    output = Path(output) if output else EXECUTED_DIR / f"{slug}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.stem}.partial.ipynb")
    failed = output.with_name(f"{output.stem}.failed.ipynb")
    with tempfile.TemporaryDirectory(prefix=f"scalinglab-{slug}-") as scratch:
        try:
            pm.execute_notebook(
                str(src),
                str(tmp),
                parameters=parameters or {},
                kernel_name="python3",
                progress_bar=False,
                cwd=scratch,
                execution_timeout=timeout_s,
                request_save_on_cell_execute=False,
                extra_arguments=KERNEL_ARGS,
            )
        except Exception as exc:  # papermill raises PapermillExecutionError, DeadKernelError, timeouts
            msg = _describe_failure(slug, tmp, exc)
            if tmp.exists():
                tmp.replace(failed)
            raise NotebookFailed(msg) from exc
    tmp.replace(output)
    if failed.exists():
        failed.unlink()
    return output


def _prepare_generated() -> None:
    from scalinglab.charts import write_vega_runtime

    static, extra = GENERATED / "static", GENERATED / "extra"
    write_vega_runtime(static / "vega-runtime.js")
    if not MATHJAX_SRC.exists():
        raise FileNotFoundError(f"MathJax not installed at {MATHJAX_SRC}; run `make env`")
    (extra / "mathjax").mkdir(parents=True, exist_ok=True)
    shutil.copy2(MATHJAX_SRC, extra / "mathjax" / MATHJAX_SRC.name)


def site(root: Path = REPO_ROOT, out: Path | None = None, build_dir: Path = BUILD_DIR) -> Path:
    """Build the HTML book and swap it into place; return the site folder.

    Raises :class:`~scalinglab.book.bookconfig.BookConfigError` for a broken ``_config.yml`` or
    ``_toc.yml`` (before anything is built) and ``subprocess.CalledProcessError`` when Jupyter
    Book fails or warns (``-W``); the previous site is left untouched in both cases.
    """
    out = Path(out) if out else build_dir / "html"
    check_config(root)
    _prepare_generated()
    staging = Path(build_dir) / "staging"
    if staging.exists():
        shutil.rmtree(staging)
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    # Jupyter Book's closing banner names the staging folder, which is gone after the swap:
    # keep its stdout quiet unless the build fails (warnings and errors go to stderr).
    proc = subprocess.run(
        [str(jb), "build", "--all", "-q", "-W", "-n", "--keep-going", "--path-output", str(staging), str(root)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise subprocess.CalledProcessError(proc.returncode, proc.args)
    built = staging / "_build" / "html"
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.replace(old)
    built.replace(out)
    if old.exists():
        shutil.rmtree(old)
    shutil.rmtree(staging, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m scalinglab.book.build execute SLUG [OUT] | site``; returns 0, 1 (failure) or 2 (usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"execute", "site"}:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if argv[0] == "execute":
            execute(argv[1], Path(argv[2]) if len(argv) > 2 else None)
        else:
            site()
    except (NotebookFailed, BookConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(
            f"error: jupyter-book build failed (exit {exc.returncode}); the previous _build/html is unchanged",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
