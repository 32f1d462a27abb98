"""``scalinglab``: rerun any chapter with new parameters.

    scalinglab params CHAPTER                      the chapter's parameters (type, default, unit, allowed, help)
    scalinglab params CHAPTER --cell | --write     the notebook's parameters cell, generated from the schema
    scalinglab deps CHAPTER                        the files the chapter's result depends on
    scalinglab run CHAPTER -p NAME VALUE ... [-f params.yaml] [--timeout S]
    scalinglab sweep CHAPTER -p NAME V1,V2,... [-p OTHER ...] [--workers N] [--kernel]
    scalinglab book --scenario scenarios/NAME.yaml

Every name and value is validated against the chapter's schema before a kernel starts.
Exit codes: 0 success, 1 an execution failed, 2 bad input (unknown name, wrong type or
range, malformed arguments or files).

Values after ``-p`` are read like YAML scalars and flow collections: ``8`` is an int,
``0.5`` and ``1e9`` floats, ``true``/``false`` booleans, ``null`` (or ``None``) is None,
``2023-03-14`` a date, ``[a, b]`` a list, ``{k: v}`` a mapping. Anything else is text and
arrives exactly as typed, quotes and newlines included. ``-s NAME VALUE`` always passes
text (for text that looks like a number, a date or ``null``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from scalinglab.book.params_file import load_params_file, parse_value, split_values, yaml_loader

__all__ = ["build_parser", "load_params_file", "main", "parse_value", "split_values"]


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
class _BadInput(Exception):
    """Bad command-line input: exit 2."""


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _collect_values(args) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in args.file or []:
        try:
            values.update(load_params_file(f))
        except ValueError as exc:
            raise _BadInput(str(exc)) from None
    for y in args.yaml or []:
        import yaml

        try:
            data = yaml.load(y, Loader=yaml_loader())
        except yaml.YAMLError as err:
            raise _BadInput(f"-y {y!r} is not valid YAML: {err}") from None
        if not isinstance(data, dict):
            raise _BadInput(f"-y {y!r} must be a YAML mapping, e.g. -y 'formats: [bfloat16, float8_e4m3fn]'")
        values.update(data)
    for kind, name, raw in args.ordered or []:
        try:
            values[name] = raw if kind == "s" else parse_value(raw)
        except ValueError as exc:
            raise _BadInput(f"parameter {name!r}: {exc}") from None
    return values


def _check_chapter(chapter: str, need_notebook: bool = True):
    from scalinglab.book import schemas
    from scalinglab.paths import chapter_notebook
    from scalinglab.paths import chapters as notebook_chapters

    cls = schemas.get_schema(chapter)  # ParameterError with a suggestion for an unknown chapter
    if need_notebook and not chapter_notebook(chapter).exists():
        have = ", ".join(notebook_chapters()) or "none"
        raise _BadInput(
            f"chapter {chapter!r} has a parameter schema but no notebook "
            f"(notebooks/{chapter}.ipynb); chapters with notebooks: {have}"
        )
    return cls


def cmd_params(args) -> int:
    """``scalinglab params CHAPTER``: print the parameter table; exit 0, or 2 for an unknown chapter."""
    from scalinglab.book import schemas

    _check_chapter(args.chapter, need_notebook=False)
    if args.cell or args.write:
        from scalinglab.book import paramcell

        if args.write:
            _check_chapter(args.chapter, need_notebook=True)
            try:
                changed = paramcell.write_parameters_cell(args.chapter)
            except ValueError as exc:
                raise _BadInput(str(exc)) from None
            print(f"notebooks/{args.chapter}.ipynb: parameters cell {'rewritten' if changed else 'already up to date'}")
        else:
            print(paramcell.parameters_cell(args.chapter))
        return 0
    rows = schemas.params_table(args.chapter)
    if args.format == "json":
        print(json.dumps(rows, indent=1, default=str))
        return 0
    cols = ["name", "type", "default", "unit", "allowed", "help"]

    def show(v):
        return repr(v) if isinstance(v, str) else ("None" if v is None else str(v))

    table = [{c: (show(r[c]) if c == "default" else str(r[c])) for c in cols} for r in rows]
    if args.format == "markdown":
        print("| " + " | ".join(cols) + " |")
        print("|" + "|".join("---" for _ in cols) + "|")
        for r in table:
            print("| " + " | ".join(r[c].replace("|", "\\|") for c in cols) + " |")
        return 0
    from scalinglab.book.tables import text_table

    print(f"Parameters of {args.chapter} (notebooks/{args.chapter}.ipynb):")
    print(text_table(table, cols))
    return 0


def cmd_deps(args) -> int:
    """``scalinglab deps CHAPTER...``: print every file the chapters' results depend on, one per line; exit 0."""
    from scalinglab.book import deps

    return deps.main(args.chapter)


def cmd_run(args) -> int:
    """``scalinglab run``: validate, execute, write the run folder, print the glued numbers; exit 0, 1 (execution failed) or 2 (bad input)."""
    from scalinglab.book import runs, schemas

    _check_chapter(args.chapter, need_notebook=False)
    values = _collect_values(args)
    model = schemas.validate(args.chapter, values)  # before any kernel
    _check_chapter(args.chapter, need_notebook=args.notebook is None and not args.dry_run)
    if args.dry_run:
        print(f"# {args.chapter}: valid; papermill would inject:")
        print(runs.injected_source(values), end="")
        print("# resolved parameters:")
        print(json.dumps(model.model_dump(mode="json"), indent=1))
        return 0
    timeout = args.timeout if args.timeout and args.timeout > 0 else None
    try:
        res = runs.run_chapter(
            args.chapter,
            values,
            timeout_s=timeout,
            html=not args.no_html,
            source=Path(args.notebook) if args.notebook else None,
            argv=["scalinglab", *sys.argv[1:]],
            runs_dir=runs.default_runs_dir(),
        )
    except runs.RunFailed as exc:
        _err(str(exc))
        if exc.folder:
            kept = ", ".join(sorted(p.name for p in exc.folder.iterdir())) if exc.folder.exists() else ""
            print(f"the failed run is kept in {_rel(exc.folder)}/ ({kept})", file=sys.stderr)
        return 2 if exc.kind == "bad-parameter" else 1
    print(f"{args.chapter}: run {res.run_id} finished in {res.seconds:.1f} s -> {_rel(res.folder)}/")
    if not args.no_html:
        print(f"page: {_rel(res.folder / (args.chapter + '.html'))}")
    print()
    print(runs.glued_table(res.glued) if res.glued else "(the chapter glued no numbers)")
    return 0


def cmd_sweep(args) -> int:
    """``scalinglab sweep``: run the cartesian product of the values and write the table; exit 0, 1 (some points failed) or 2 (bad input)."""
    from scalinglab.book import sweeps, tables
    from scalinglab.book.cache import default_runs_dir

    _check_chapter(args.chapter, need_notebook=args.notebook is None)
    grid: dict[str, list] = {}
    for kind, name, raw in args.ordered or []:
        if name in grid:
            raise _BadInput(f"parameter {name!r} is given twice; list all its values once: -p {name} V1,V2,...")
        try:
            grid[name] = [raw] if kind == "s" else split_values(raw)
        except ValueError as exc:
            raise _BadInput(f"parameter {name!r}: {exc}") from None
    fixed: dict[str, Any] = {}
    for f in args.file or []:
        try:
            fixed.update(load_params_file(f))
        except ValueError as exc:
            raise _BadInput(str(exc)) from None
    if not grid:
        raise _BadInput("nothing to sweep: give at least one -p NAME V1,V2,...")
    if args.workers is not None and args.workers < 1:
        raise _BadInput(f"--workers {args.workers}: must be at least 1")
    res = sweeps.sweep(
        args.chapter,
        grid,
        workers=args.workers,
        kernel=args.kernel,
        skip_invalid=args.skip_invalid,
        timeout_s=args.timeout if args.timeout and args.timeout > 0 else None,
        progress=not args.no_progress,
        source=Path(args.notebook) if args.notebook else None,
        base=fixed,
        runs_dir=default_runs_dir(),
    )
    t = res.table
    glued_cols = [c for c in t.columns if c not in ("point", "status", "seconds", "error", *grid)]
    if args.show:
        show = [c.strip() for c in args.show.split(",") if c.strip()]
        unknown = [c for c in show if c not in glued_cols]
        if unknown:
            _err(f"--show: no glued number {unknown[0]!r}; available: {', '.join(glued_cols)}")
            show = [c for c in show if c in glued_cols]
    else:
        numeric = [c for c in glued_cols if t[c].dtype.is_numeric()]
        headline = [c for c in sweeps.headline_keys(args.chapter) if c in numeric]
        show = (headline + [c for c in numeric if c not in headline])[:6]
        show += [c for c in glued_cols if c.startswith("verdict_claim")]  # the claims page's verdicts (sweeps.py)
    rows = t.select(["point", *grid, "status", *show]).to_dicts()
    how = (
        "vectorised: one closed-form evaluation, no kernel started"
        if res.mode == "vectorised"
        else f"kernel: {res.executed} executed, {res.cached} from the cache"
    )
    print(f"{args.chapter}: {t.height} point(s), {how} -> {_rel(res.folder)}/")
    print(
        f"table: {_rel(res.folder / 'points.csv')}, {_rel(res.folder / 'points.parquet')}; "
        f"chart: {_rel(res.folder / 'chart.html')}"
    )
    if len(glued_cols) > len(show):
        print(f"(showing {len(show)} of {len(glued_cols)} glued numbers; choose with --show KEY,KEY)")
    print()
    print(tables.text_table(rows))
    for p in res.failed:
        print(f"point {p['point']} {p['status']}: {p['error']}", file=sys.stderr)
    return 1 if any(p["status"] == "failed" for p in res.failed) else 0


def cmd_book(args) -> int:
    """``scalinglab book --scenario FILE``: build the scenario book; exit 0, 1 (build failed) or 2 (bad scenario)."""
    from scalinglab.book import scenarios

    try:
        sc = scenarios.load(args.scenario)
        print(f"scenario {sc.name!r} ({sc.title}) from {args.scenario}")
        from scalinglab.book.cache import default_runs_dir

        out = scenarios.build_book(
            sc, workers=args.workers, timeout_s=args.timeout if args.timeout else None, runs_dir=default_runs_dir()
        )
    except scenarios.ScenarioError as exc:
        _err(str(exc))
        return 2
    except scenarios.ScenarioBuildFailed as exc:
        _err(str(exc))
        return 1
    print(f"scenario {sc.name!r} ({sc.title}): book -> {_rel(out)}/index.html")
    return 0


def cmd_check(args) -> int:  # noqa: ARG001 - subcommand signature
    """``scalinglab check``: the workshop setup check; exit 0 when every check passes, 1 otherwise."""
    from scalinglab.book.workshop.setup_check import main as check_main

    return check_main()


def cmd_student(args) -> int:
    """``scalinglab student [--out DIR]``: student notebooks and ``_checks.json``; exit 0, or 1 if a run failed."""
    from scalinglab.book.workshop.student import STUDENT_DIR, write_student

    for path in write_student(args.out or STUDENT_DIR):
        print(f"student notebook -> {_rel(path)}")
    return 0


def _rel(p: Path) -> str:
    from scalinglab.paths import REPO_ROOT

    p = Path(p)
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        try:
            return str(p.relative_to(REPO_ROOT))
        except ValueError:
            return str(p)


# ---------------------------------------------------------------------------
# argument parsing
# ---------------------------------------------------------------------------
class _Ordered(argparse.Action):
    """-p NAME VALUE and -s NAME VALUE, kept in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ARG002 - argparse signature
        items = list(getattr(namespace, "ordered", None) or [])
        items.append(("s" if option_string in ("-s", "--str") else "p", values[0], values[1]))
        namespace.ordered = items


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``scalinglab`` command and its subcommands."""
    ap = argparse.ArgumentParser(
        prog="scalinglab",
        description="Rerun any chapter of the book with new parameters.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit codes: 0 ok, 1 an execution failed, 2 bad input.",
    )
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("params", help="list a chapter's parameters")
    p.add_argument("chapter")
    p.add_argument("--format", choices=["table", "markdown", "json"], default="table")
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--cell", action="store_true", help="print the notebook's parameters cell generated from the schema"
    )
    how.add_argument(
        "--write",
        action="store_true",
        help="rewrite the parameters cell of notebooks/CHAPTER.ipynb from the schema (tags kept)",
    )
    p.set_defaults(func=cmd_params)

    d = sub.add_parser("deps", help="list the files a chapter's result depends on (used by the Makefile)")
    d.add_argument("chapter", nargs="+")
    d.set_defaults(func=cmd_deps)

    def value_opts(p, sweep=False):
        p.add_argument(
            "-p",
            "--param",
            nargs=2,
            metavar=("NAME", "VALUES" if sweep else "VALUE"),
            action=_Ordered,
            dest="ordered",
            help=(
                "comma-separated values to sweep (YAML scalars or [lists])"
                if sweep
                else "a parameter value, read as a YAML scalar or [list]/{mapping}; other text verbatim"
            ),
        )
        p.add_argument(
            "-s",
            "--str",
            nargs=2,
            metavar=("NAME", "TEXT"),
            action=_Ordered,
            dest="ordered",
            help="a text value exactly as given (never read as a number, date or null)",
        )
        p.add_argument(
            "-f",
            "--file",
            action="append",
            metavar="PARAMS.yaml",
            help="YAML file of parameter values" + (" fixed for every point" if sweep else ""),
        )
        p.add_argument(
            "--timeout",
            type=float,
            default=None,
            metavar="S",
            help="per-cell execution timeout in seconds (default: none)",
        )
        p.add_argument("--notebook", default=None, help=argparse.SUPPRESS)  # tests: a stand-in source notebook

    r = sub.add_parser(
        "run",
        help="validate parameters, execute a chapter, write runs/CHAPTER/RUN-ID/",
        description="Validate every parameter, execute the chapter with papermill, and write the "
        "executed notebook, a standalone HTML page and the run record into "
        "runs/CHAPTER/RUN-ID/. Prints the glued headline numbers.",
    )
    r.add_argument("chapter")
    value_opts(r)
    r.add_argument("-y", "--yaml", action="append", metavar="YAML", help="YAML mapping of values, as papermill's -y")
    r.add_argument("--dry-run", action="store_true", help="validate and show the injected parameters; run nothing")
    r.add_argument("--no-html", action="store_true", help="skip the standalone HTML page")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser(
        "sweep",
        help="run the cartesian product of parameter values",
        description="Run a chapter at every point of the cartesian product of the given values on a "
        "process pool; collect the glued numbers of every point into "
        "runs/CHAPTER/sweep-ID/points.{csv,parquet} and chart.html.",
    )
    s.add_argument("chapter")
    value_opts(s, sweep=True)
    s.add_argument("--workers", type=int, default=None, help="parallel kernels (default: number of cores)")
    s.add_argument(
        "--kernel",
        action="store_true",
        help="execute the notebook at every point even where a vectorised formula exists",
    )
    s.add_argument("--skip-invalid", action="store_true", help="run the valid points when some are invalid")
    s.add_argument("--show", default=None, metavar="KEY,KEY", help="glued numbers to print (all are in the files)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_sweep)

    b = sub.add_parser(
        "book",
        help="build a variant of the book for a scenario file",
        description="Build the whole book with a scenario's parameter overrides into "
        "_build/scenarios/NAME/html/, with a banner on every page.",
    )
    b.add_argument("--scenario", required=True, metavar="scenarios/NAME.yaml")
    b.add_argument("--workers", type=int, default=None, help="parallel kernels (default: number of cores)")
    b.add_argument("--timeout", type=float, default=None, metavar="S", help="per-cell execution timeout")
    b.set_defaults(func=cmd_book)

    c = sub.add_parser("check", help="is this machine ready for a workshop? (each failure prints its fix)")
    c.set_defaults(func=cmd_check)

    st = sub.add_parser("student", help="write solution-free student notebooks and the self-check table")
    st.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: student/)")
    st.set_defaults(func=cmd_student)
    return ap


def _setup_env() -> None:
    """The venv's kernelspec first (as the Makefile does), quiet debugger warnings."""
    share = str(Path(sys.prefix) / "share" / "jupyter")
    jp = os.environ.get("JUPYTER_PATH", "")
    if share not in jp.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = share + (os.pathsep + jp if jp else "")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def _sigterm(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``scalinglab`` / ``python -m scalinglab``; returns the exit code."""
    from scalinglab.errors import ParameterError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for bad usage, 0 for --help
        return int(exc.code or 0)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    _setup_env()
    with_handler = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if with_handler:
        signal.signal(signal.SIGTERM, _sigterm)
    try:
        return args.func(args)
    except ParameterError as exc:
        _err(str(exc))
        return 2
    except _BadInput as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 1
    finally:
        if with_handler:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":
    raise SystemExit(main())
