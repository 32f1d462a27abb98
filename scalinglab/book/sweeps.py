"""Parameter sweeps (``scalinglab sweep``): the cartesian product of values, cached and in parallel.

Every point is validated before anything runs. Points already in the cache
(:mod:`scalinglab.book.cache`) are reused; the rest execute on the process pool
(:mod:`scalinglab.book.pool`), or in one vectorised call for chapters whose headline numbers
are closed forms (:data:`VECTORISED`), which call the same model functions the chapter calls.
Output: ``runs/<chapter>/sweep-<id>/points.{csv,parquet}``, ``sweep.json`` and ``chart.html``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scalinglab.book import schemas
from scalinglab.book.assets import ship_assets
from scalinglab.book.cache import cache_get, point_key
from scalinglab.book.deps import deps_fingerprint
from scalinglab.book.inject import install_translator
from scalinglab.book.pages import write_chart_page
from scalinglab.book.pool import run_in_pool
from scalinglab.book.runs import execute_point, new_id
from scalinglab.errors import ParameterError
from scalinglab.paths import RUNS_DIR, chapter_notebook

__all__ = ["VECTORISED", "VECTORISED_KEYS", "SweepResult", "expand_grid", "headline_keys", "sweep", "write_sweep_chart"]


def expand_grid(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of ``{name: [values]}``, first name varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def _vectorised_interconnect(points: Any) -> Any:
    """Closed-form glued numbers of *interconnect_scaling* for a frame of full parameter points.

    Same calls as the chapter's notebook, on whole columns at once (scalinglab.models.collectives
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
        "hierarchical_allreduce_ms": np.atleast_1d(
            C.hierarchical_allreduce_s(
                n, p, col("scaleup_domain_size"), bw, lat, col("scaleout_bandwidth_gb_s"), col("scaleout_latency_us")
            )
        )
        * 1e3,
        "tree_ring_crossover_bytes": np.atleast_1d(C.tree_ring_crossover_bytes(p, bw, lat)),
    }
    return pl.DataFrame(out)


#: Chapters whose headline numbers are cheap closed forms: ``fn(points) -> columns``, where
#: ``points`` is a polars frame with one row per parameter point and one column per
#: parameter (all of them, defaults filled in) and the result has one row per point and one
#: column per glued key. ``scalinglab sweep`` uses these unless ``--kernel`` is given.
VECTORISED: dict[str, Callable[[Any], Any]] = {"interconnect_scaling": _vectorised_interconnect}
#: Glued keys each vectorised function returns (printed first by ``scalinglab sweep``).
VECTORISED_KEYS = {
    "interconnect_scaling": [
        "ring_allreduce_ms",
        "in_network_allreduce_ms",
        "hierarchical_allreduce_ms",
        "tree_ring_crossover_bytes",
    ]
}


def headline_keys(chapter: str) -> list[str]:
    """Glued keys to show first for ``chapter`` in sweep tables."""
    return list(VECTORISED_KEYS.get(chapter, []))


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


def sweep(
    chapter: str,
    grid: dict[str, list[Any]],
    *,
    workers: int | None = None,
    kernel: bool = False,
    skip_invalid: bool = False,
    timeout_s: float | None = None,
    runs_dir: Path = RUNS_DIR,
    progress: bool = True,
    source: Path | None = None,
    base: dict[str, Any] | None = None,
    log: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run ``chapter`` at every point of the cartesian product of ``grid`` (plus fixed ``base`` values).

    Every point is validated before anything runs: a bad point raises ``ParameterError``
    (naming the point) unless ``skip_invalid``, in which case it is listed as invalid and
    the others run. Points already in the cache are reused; the rest run on a process pool
    of ``workers`` (default: the number of cores), or in one vectorised call for chapters in
    :data:`VECTORISED` (unless ``kernel``). A failing point is recorded with its error and
    does not stop the others.

    Parameters
    ----------
    chapter : str
        Chapter slug.
    grid : dict
        Parameter name -> list of values; the first name varies slowest.
    workers : int, optional
        Parallel kernels (default: the number of cores).
    kernel : bool
        Execute the notebook at every point even where a vectorised function exists.
    skip_invalid : bool
        Run the valid points when some are invalid (else raise on the first invalid one).
    timeout_s : float, optional
        Per-cell execution timeout in seconds.
    runs_dir : Path
        Folder of sweep folders and of the point cache.
    progress : bool
        Show a progress bar on stderr.
    source : Path, optional
        A stand-in source notebook (tests; disables the vectorised path).
    base : dict, optional
        Values fixed for every point.
    log : callable, optional
        Receives warnings (default: print to stderr).

    Returns
    -------
    SweepResult
        The folder ``runs/<chapter>/sweep-<id>/`` and the table (one row per point: point, swept
        parameters, status ``ok``/``cached``/``failed``/``invalid``, seconds, error, glued values).

    Raises
    ------
    ParameterError
        For an undeclared name, an empty value list, or an invalid point (unless ``skip_invalid``).
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
            points.append(
                {
                    "point": i,
                    "values": values,
                    "model": model,
                    "status": None,
                    "error": None,
                    "glued": {},
                    "seconds": None,
                }
            )
        except ParameterError as err:
            invalid.append((i, combo, err))
            points.append(
                {
                    "point": i,
                    "values": values,
                    "model": None,
                    "status": "invalid",
                    "error": str(err),
                    "glued": {},
                    "seconds": None,
                }
            )
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
        bar = tqdm(
            total=len(valid),
            initial=n_cached,
            desc=f"sweep {chapter}",
            unit="point",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
        )
        jobs = {
            key: (chapter, pts[0]["values"], key, timeout_s, str(runs_dir), str(source) if source else None)
            for key, pts in by_key.items()
        }
        for key, res, exc in run_in_pool(execute_point, jobs, workers):
            if exc is not None:  # a worker process died
                res = {"ok": False, "kind": "error", "error": f"worker failed: {exc!r}", "seconds": None}
            for p in by_key[key]:
                if res["ok"]:
                    p.update(status="ok", glued=res["glued"], seconds=res["seconds"])
                else:
                    p.update(
                        status="failed",
                        error=res["error"],
                        seconds=res["seconds"],
                        failed_notebook=res.get("failed_notebook"),
                    )
            n_exec += 1
            if not res["ok"]:
                bar.write(f"point {by_key[key][0]['point']} {by_key[key][0]['values']} failed: {res['error']}")
            bar.update(len(by_key[key]))
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
    data["seconds"] = pl.Series(
        [None if p["seconds"] is None else round(float(p["seconds"]), 4) for p in points], dtype=pl.Float64
    )
    data["error"] = pl.Series([p["error"] for p in points], dtype=pl.String)
    for k in keys:
        name = k if k not in data else f"glued_{k}"
        data[name] = _column([p["glued"].get(k) for p in points])
    table = pl.DataFrame(data)

    chapter_dir = Path(runs_dir) / chapter
    chapter_dir.mkdir(parents=True, exist_ok=True)
    sweep_id = new_id("sweep-", chapter + json.dumps(grid, default=str))
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
        meta = {
            "chapter": chapter,
            "grid": grid,
            "fixed": base,
            "mode": mode,
            "points": len(points),
            "executed": n_exec,
            "cached": n_cached,
            "seconds": round(elapsed, 3),
            "workers": workers or os.cpu_count(),
            "timeout_s": timeout_s,
            "failed": [
                {"point": p["point"], "values": p["values"], "status": p["status"], "error": p["error"]} for p in failed
            ],
        }
        (partial / "sweep.json").write_text(json.dumps(meta, indent=1, default=str))
        try:
            write_sweep_chart(chapter, table, list(grid), keys, partial / "chart.html")
            ship_assets(partial, mathjax=False)
        except Exception as exc:  # noqa: BLE001 - the table matters more than the chart
            (partial / "chart-error.txt").write_text(f"{type(exc).__name__}: {exc}\n")
            log(f"warning: no chart ({type(exc).__name__}: {exc})")
        final = chapter_dir / sweep_id
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return SweepResult(
        chapter,
        final,
        table,
        mode,
        failed=[p for p in points if p["status"] in ("failed", "invalid")],
        executed=n_exec,
        cached=n_cached,
    )


def _is_numeric_series(s: Any) -> bool:
    return s.dtype.is_numeric() and s.null_count() < len(s)


def write_sweep_chart(chapter: str, table: Any, swept: list[str], keys: list[str], path: Path) -> Path:
    """One small line chart per glued number that varies across the sweep, against the first
    swept parameter (coloured by the second), as a standalone offline HTML page.
    """
    import altair as alt
    import polars as pl

    from scalinglab import charts

    charts.enable()
    ok = table.filter(pl.col("status").is_in(["ok", "cached"]))
    cols = {
        k: (
            k
            if k in table.columns and k not in swept and k not in ("point", "status", "seconds", "error")
            else f"glued_{k}"
        )
        for k in keys
    }
    numeric = [k for k in keys if cols[k] in ok.columns and _is_numeric_series(ok[cols[k]])]
    varying = [k for k in numeric if ok[cols[k]].n_unique() > 1] or numeric
    if not varying or ok.height == 0:
        raise ValueError("no numeric glued value to chart")
    x = swept[0]
    xnum = ok[x].dtype.is_numeric()
    color = swept[1] if len(swept) > 1 else None
    idx = ["point", x] + ([color] if color else [])
    long = ok.select(idx + [pl.col(cols[k]).cast(pl.Float64).alias(k) for k in varying]).unpivot(
        index=idx, on=varying, variable_name="glued number", value_name="value"
    )
    xscale = (
        alt.Scale(type="log")
        if xnum and ok[x].min() > 0 and ok[x].max() / max(ok[x].min(), 1e-300) >= 50
        else alt.Scale()
    )
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
    chart = charts.finish(
        chart,
        f"Sweep of {chapter}: glued numbers against {x}",
        f"scalinglab sweep of notebooks/{chapter}.ipynb",
        subtitle=f"{ok.height} point(s); one panel per glued number that varies",
    )
    return write_chart_page(chart.to_dict(), chapter, path)
