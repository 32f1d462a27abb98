#!/usr/bin/env python
"""Benchmark the book's build and the ``scalinglab`` command against Jupyter Book's own execution.

    .venv/bin/python benchmarks/run_benchmarks.py [--repeat 3] [--points 16] [--write-readme]

Everything runs in a scratch copy of the repository under ``benchmarks/_work/`` (git-ignored):
the real ``_build/``, ``executed/`` and ``runs/`` are never touched. The copy shares ``.venv``
(a symlink) and imports its own ``scalinglab`` (``PYTHONPATH``), so its paths point at the copy.

Measured, in one run, on the same notebooks (whatever ``notebooks/`` holds):

1. clean build with our pipeline (``make -jN notebooks <vega runtime>`` + ``make _build/html/index.html``,
   exactly what ``make book`` runs after the environment exists) against Jupyter Book executing
   the same notebooks itself (``execute_notebooks: force``, serial) and in ``cache`` mode;
2. no-op rebuild, and a rebuild after changing one notebook (both pipelines);
3. ``scalinglab run`` against bare ``papermill`` for the same chapter and parameters;
4. a 16-point sweep against 16 sequential papermill runs (kernel sweep), and the vectorised
   interconnect sweep against 16 sequential papermill runs of that chapter;
5. per chapter page: HTML bytes and gzip bytes (the shared vega runtime excluded), and time to
   the first / last rendered chart in headless Chromium (cold browser cache);
6. the cost of one kernel start with the chapter's imports (the floor no build can go below);
7. ``make test-fast`` (package and schema tests, no kernel, no browser; target under 60 s).

``--only test-fast`` measures step 7 alone (a minute instead of the whole run).

Prints a table (markdown) and, with ``--write-readme``, replaces the results block of
``benchmarks/README.md`` (between the ``<!-- results -->`` markers).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benchmarks" / "_work"
VENV = REPO / ".venv"
PY = VENV / "bin" / "python"
NPROC = os.cpu_count() or 1


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# environment
# ---------------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    chromium = (
        subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
        if Path("/usr/bin/chromium").exists()
        else "not installed"
    )
    return {
        "nproc": NPROC,
        "cpu": cpu,
        "ram": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }


def env_for(root: Path) -> dict:
    env = {**os.environ}
    env["PYTHONPATH"] = str(root)
    env["JUPYTER_PATH"] = str(VENV / "share" / "jupyter")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["SCALINGLAB_RUNS_DIR"] = str(root / "runs")
    env.pop("MAKEFLAGS", None)
    return env


def sh(
    cmd: list[str], cwd: Path, env: dict, check: bool = True, quiet: bool = True
) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=quiet, text=True)
    dt = time.perf_counter() - t0
    if check and r.returncode != 0:
        tail = ((r.stdout or "") + (r.stderr or ""))[-3000:]
        raise RuntimeError(f"command failed ({r.returncode}): {' '.join(map(str, cmd))}\n{tail}")
    return dt, r


def scratch_copy(dest: Path) -> Path:
    """Tracked and untracked-not-ignored files of the repository, with their mtimes, plus a .venv link."""
    files = (
        subprocess.run(
            ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"], capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in files:
        if not f or f.startswith("benchmarks/_work"):
            continue
        src = REPO / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    (dest / ".venv").symlink_to(VENV)
    return dest


def check_isolated(root: Path) -> None:
    _, r = sh([str(PY), "-c", "import scalinglab.paths as p; print(p.REPO_ROOT)"], root, env_for(root))
    if Path(r.stdout.strip()) != root:
        raise RuntimeError(f"scratch copy imports scalinglab from {r.stdout.strip()}, not {root}; refusing to run")


def chapters(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "notebooks").glob("*.ipynb"))


def touch_notebook(path: Path) -> None:
    """Change one notebook's code (a comment in its last code cell) so every cache sees a new notebook:
    make (mtime), our hashes, and jupyter-cache, which hashes code cells only."""
    nb = json.loads(path.read_text())
    for cell in reversed(nb["cells"]):
        if cell["cell_type"] == "code" and "parameters" not in cell.get("metadata", {}).get("tags", []):
            src = cell["source"]
            if isinstance(src, list):
                src = "".join(src)
            cell["source"] = src + f"\n# benchmark edit {time.time_ns()}"
            break
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------
# 1-2. builds
# ---------------------------------------------------------------------------
def our_build(root: Path, phases: dict | None = None) -> tuple[float, int]:
    env = env_for(root)
    t1, r1 = sh(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(root),
            f"-j{NPROC}",
            "notebooks",
            "_build/generated/static/vega-runtime.js",
        ],
        root,
        env,
    )
    t2, _ = sh(["make", "--no-print-directory", "-C", str(root), "_build/html/index.html"], root, env)
    if phases is not None:
        phases.update(notebooks_s=t1, site_s=t2)
    return t1 + t2, r1.stdout.count("executing ")


def vega_generation(root: Path) -> float:
    t, _ = sh(
        [
            str(PY),
            "-c",
            "from scalinglab.charts import write_vega_runtime as w; import sys; w(sys.argv[1])",
            str(root / "vega-probe.js"),
        ],
        root,
        env_for(root),
    )
    return t


def jb_site_only(root: Path, out: Path) -> float:
    """Jupyter Book rendering the already executed notebooks (execution off), no runtime generation."""
    return jb_build(root, out)


def jb_root(src: Path, dest: Path, mode: str) -> Path:
    """A copy of the book whose chapters Jupyter Book executes itself (no papermill, no executed/)."""
    import yaml

    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("_build", "executed", "runs", ".venv"))
    (dest / ".venv").symlink_to(VENV)
    (dest / "_build").mkdir()
    shutil.copytree(src / "_build" / "generated", dest / "_build" / "generated")  # vega runtime, MathJax
    cfg = yaml.safe_load((dest / "_config.yml").read_text())
    cfg["execute"] = {"execute_notebooks": mode, "timeout": 600, "allow_errors": False}
    cfg["exclude_patterns"] = [p for p in cfg.get("exclude_patterns", []) if p != "notebooks"]
    (dest / "_config.yml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    toc = (dest / "_toc.yml").read_text().replace("file: executed/", "file: notebooks/")
    (dest / "_toc.yml").write_text(toc)
    for md in (dest / "book").glob("*.md"):
        md.write_text(md.read_text().replace("../executed/", "../notebooks/"))
    return dest


def jb_build(root: Path, out: Path) -> float:
    jb = VENV / "bin" / "jupyter-book"
    t, _ = sh([str(jb), "build", "--all", "--path-output", str(out), str(root)], root, env_for(root))
    return t


def jb_build_incremental(root: Path, out: Path) -> float:
    jb = VENV / "bin" / "jupyter-book"
    t, _ = sh([str(jb), "build", "--path-output", str(out), str(root)], root, env_for(root))
    return t


# ---------------------------------------------------------------------------
# 3-4. runs and sweeps
# ---------------------------------------------------------------------------
def papermill_run(root: Path, slug: str, params: list[str], out: Path) -> float:
    t, _ = sh(
        [str(VENV / "bin" / "papermill"), f"notebooks/{slug}.ipynb", str(out), "-k", "python3", *params],
        root,
        env_for(root),
    )
    return t


def scalinglab_run(root: Path, slug: str, params: list[str]) -> float:
    t, _ = sh([str(VENV / "bin" / "scalinglab"), "run", slug, *params], root, env_for(root))
    return t


def grid_args(grid: dict[str, list]) -> list[str]:
    out = []
    for k, vs in grid.items():
        out += ["-p", k, ",".join(map(str, vs))]
    return out


def points_of(grid: dict[str, list]) -> list[list[str]]:
    import itertools

    names = list(grid)
    return [sum((["-p", n, str(v)] for n, v in zip(names, combo)), []) for combo in itertools.product(*grid.values())]


# ---------------------------------------------------------------------------
# 5. pages in Chromium
# ---------------------------------------------------------------------------
def page_metrics(site: Path, root: Path, repeat: int) -> list[dict]:
    sys.path.insert(0, str(REPO / "tests"))
    from browser import CHROMIUM_ARGS, expected_chart_count, serve  # noqa: E402

    rows = []
    pages = [(slug, site / "executed" / f"{slug}.html", root / "executed" / f"{slug}.ipynb") for slug in chapters(root)]
    have_chromium = Path("/usr/bin/chromium").exists()
    timings: dict[str, list[tuple[float, float]]] = {slug: [] for slug, _, _ in pages}
    if have_chromium:
        from playwright.sync_api import sync_playwright

        sel = "div.vega-embed svg.marks, div.vega-embed canvas"
        init = (
            "window.__first = null; window.__all = null; window.__want = 0;"
            "new MutationObserver(function () { var n = document.querySelectorAll('" + sel + "').length;"
            " if (n > 0 && window.__first === null) window.__first = performance.now();"
            " if (window.__want && n >= window.__want && window.__all === null) window.__all = performance.now();"
            "}).observe(document, {subtree: true, childList: true});"
        )
        with serve(site) as url, sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(repeat):
                for slug, _html, nb in pages:
                    n = expected_chart_count(nb)
                    ctx = b.new_context(viewport={"width": 1280, "height": 900})  # cold cache each time
                    page = ctx.new_page()
                    page.add_init_script(init.replace("window.__want = 0", f"window.__want = {n}"))
                    page.goto(f"{url}/executed/{slug}.html", wait_until="commit")
                    if n:
                        page.wait_for_function(f"document.querySelectorAll('{sel}').length >= {n}", timeout=60000)
                        page.wait_for_function("window.__all !== null", timeout=5000)
                        timings[slug].append((page.evaluate("window.__first"), page.evaluate("window.__all")))
                    ctx.close()
            b.close()
    for slug, html, nb in pages:
        data = html.read_bytes()
        t = timings[slug]
        rows.append(
            {
                "chapter": slug,
                "charts": expected_chart_count(nb),
                "bytes": len(data),
                "gzip_bytes": len(gzip.compress(data, 6)),
                "first_chart_ms": statistics.median(x[0] for x in t) if t else None,
                "all_charts_ms": statistics.median(x[1] for x in t) if t else None,
            }
        )
    vega = site / "_static" / "vega-runtime.js"
    if vega.exists():
        v = vega.read_bytes()
        rows.append(
            {
                "chapter": "(shared vega runtime, cached after the first page)",
                "charts": None,
                "bytes": len(v),
                "gzip_bytes": len(gzip.compress(v, 6)),
                "first_chart_ms": None,
                "all_charts_ms": None,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# 6. kernel start with the chapter's imports
# ---------------------------------------------------------------------------
KERNEL_PROBE = r"""
import json, re, statistics, sys, time
from jupyter_client.manager import start_new_kernel

def imports_of(path):
    nb = json.load(open(path))
    lines = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        lines += [l for l in src.splitlines() if re.match(r"^(import \S|from \S+ import )", l)]
    return "\n".join(dict.fromkeys(lines))

def once(code):
    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        if code:
            kc.execute_interactive(code, timeout=120)
        return time.perf_counter() - t0
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)

repeat = int(sys.argv[1]); out = {}
out["(bare kernel)"] = statistics.median(once("") for _ in range(repeat))
for path in sys.argv[2:]:
    code = imports_of(path)
    out[path.rsplit("/", 1)[-1][:-6]] = statistics.median(once(code) for _ in range(repeat))
print(json.dumps(out))
"""


def kernel_costs(root: Path, repeat: int) -> dict[str, float]:
    nbs = [str(root / "notebooks" / f"{s}.ipynb") for s in chapters(root)]
    _, r = sh([str(PY), "-c", KERNEL_PROBE, str(repeat), *nbs], root, env_for(root))
    return json.loads(r.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# 7. the inner loop
# ---------------------------------------------------------------------------
def test_fast(root: Path, repeat: int) -> dict:
    """Median wall seconds of ``make test-fast`` in the scratch copy, and the summary line of the last run."""
    times, summary = [], ""
    for _ in range(repeat):
        dt, r = sh(["make", "--no-print-directory", "test-fast"], root, env_for(root), check=False)
        times.append(dt)
        lines = [ln for ln in (r.stdout or "").splitlines() if " in " in ln and ("passed" in ln or "failed" in ln)]
        summary = lines[-1].strip("= ") if lines else f"exit {r.returncode}"
    return {"s": statistics.median(times), "summary": summary, "repeat": repeat}


def fmt_s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="repeats of the short measurements (median)")
    ap.add_argument("--points", type=int, default=16, choices=[4, 9, 16], help="sweep size (a square grid)")
    ap.add_argument("--write-readme", action="store_true", help="update the results block of benchmarks/README.md")
    ap.add_argument("--keep", action="store_true", help="keep benchmarks/_work afterwards")
    ap.add_argument("--only", choices=["all", "test-fast"], default="all", help="measure everything or one step")
    args = ap.parse_args(argv)

    info = machine()
    log(f"machine: {info}")
    WORK.mkdir(parents=True, exist_ok=True)
    ours = scratch_copy(WORK / "pipeline")
    check_isolated(ours)
    slugs = chapters(ours)
    log(f"chapters: {', '.join(slugs)}")
    res: dict[str, object] = {"machine": info, "chapters": slugs}
    if args.only == "test-fast":
        log(f"make test-fast, {args.repeat}x")
        res["test_fast"] = test_fast(ours, args.repeat)
        print(render_test_fast(res))
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
        return 0

    # 1-2. our pipeline
    log("our pipeline: clean build")
    phases: dict = {}
    res["ours_clean_s"], res["ours_clean_executed"] = our_build(ours, phases)
    res["ours_clean_notebooks_s"], res["ours_clean_site_s"] = phases["notebooks_s"], phases["site_s"]
    log("our pipeline: no-op rebuild")
    res["ours_noop_s"], res["ours_noop_executed"] = our_build(ours)
    changed = "moores_law_limits" if "moores_law_limits" in slugs else slugs[0]
    touch_notebook(ours / "notebooks" / f"{changed}.ipynb")
    log(f"our pipeline: rebuild after changing {changed}")
    phases = {}
    res["ours_one_s"], res["ours_one_executed"] = our_build(ours, phases)
    res["ours_one_notebooks_s"], res["ours_one_site_s"] = phases["notebooks_s"], phases["site_s"]
    res["changed_notebook"] = changed
    log("vega runtime generation alone; jupyter-book rendering the executed notebooks alone")
    res["vega_generation_s"] = vega_generation(ours)
    res["jb_render_only_s"] = jb_site_only(ours, WORK / "render-only")

    # Jupyter Book executing the notebooks itself
    log("Jupyter Book, execute_notebooks: force (serial)")
    force = jb_root(ours, WORK / "jb_force", "force")
    res["jb_force_s"] = jb_build(force, force / "out")
    log("Jupyter Book, execute_notebooks: cache (cold, no-op, one changed)")
    cache = jb_root(ours, WORK / "jb_cache", "cache")
    res["jb_cache_cold_s"] = jb_build(cache, cache / "out")
    res["jb_cache_noop_s"] = jb_build_incremental(cache, cache / "out")
    touch_notebook(cache / "notebooks" / f"{changed}.ipynb")
    res["jb_cache_one_s"] = jb_build_incremental(cache, cache / "out")

    # 3. scalinglab run against bare papermill
    slug = "moores_law_limits" if "moores_law_limits" in slugs else slugs[0]
    params = ["-p", "fit_start_year", "1990", "-p", "fit_end_year", "2005"] if slug == "moores_law_limits" else []
    log(f"scalinglab run vs papermill ({slug} {' '.join(params)}), {args.repeat}x each, alternating")
    scalinglab_run(ours, slug, params)  # warm the vega-runtime cache and the OS page cache once
    t_run, t_pm = [], []
    for i in range(args.repeat):
        t_pm.append(papermill_run(ours, slug, params, WORK / f"pm-{i}.ipynb"))
        t_run.append(scalinglab_run(ours, slug, params))
    res["run_s"], res["papermill_s"] = statistics.median(t_run), statistics.median(t_pm)
    res["run_params"] = f"{slug} {' '.join(params)}"

    # 4. sweeps
    side = int(args.points**0.5)
    grid = {"fit_start_year": [1971, 1980, 1985, 1990][:side], "fit_end_year": [2005, 2010, 2015, 2021][:side]}
    runs_dir = ours / "runs-sweep"
    env = {**env_for(ours), "SCALINGLAB_RUNS_DIR": str(runs_dir)}
    log(f"kernel sweep: {side}x{side} points of {slug} on {NPROC} workers (empty cache)")
    res["sweep_s"], r = sh(
        [str(VENV / "bin" / "scalinglab"), "sweep", slug, *grid_args(grid), "--no-progress"], ours, env
    )
    res["sweep_cached_s"], _ = sh(
        [str(VENV / "bin" / "scalinglab"), "sweep", slug, *grid_args(grid), "--no-progress"], ours, env
    )
    log(f"{args.points} sequential papermill runs of {slug}")
    res["seq_s"] = sum(papermill_run(ours, slug, p, WORK / "seq.ipynb") for p in points_of(grid))
    res["sweep_grid"] = grid
    if "interconnect_scaling" in slugs:
        igrid = {"n_gpus": [8, 72, 576, 4608][:side], "message_size_bytes": [2**20, 2**24, 2**27, 2**30][:side]}
        log(f"vectorised sweep of interconnect_scaling ({args.points} points) vs {args.points} papermill runs")
        res["vsweep_s"], _ = sh(
            [str(VENV / "bin" / "scalinglab"), "sweep", "interconnect_scaling", *grid_args(igrid), "--no-progress"],
            ours,
            env,
        )
        res["vseq_s"] = sum(
            papermill_run(ours, "interconnect_scaling", p, WORK / "vseq.ipynb") for p in points_of(igrid)
        )

    # 5. pages
    log("page sizes and time to rendered charts (headless Chromium)")
    res["pages"] = page_metrics(ours / "_build" / "html", ours, args.repeat)

    # 6. kernel start with imports
    log("kernel start with each chapter's imports")
    res["kernel_s"] = kernel_costs(ours, args.repeat)

    # 7. the inner loop
    log(f"make test-fast, {args.repeat}x")
    res["test_fast"] = test_fast(ours, args.repeat)

    table = render(res)
    print(table)
    (REPO / "benchmarks" / "last_results.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    if args.write_readme:
        readme = REPO / "benchmarks" / "README.md"
        text = readme.read_text() if readme.exists() else "<!-- results -->\n<!-- /results -->\n"
        block = f"<!-- results -->\n{table}\n<!-- /results -->"
        text = re.sub(r"<!-- results -->.*?<!-- /results -->", lambda _m: block, text, flags=re.S)
        readme.write_text(text)
        log(f"wrote the results into {readme.relative_to(REPO)}")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


def render(res: dict) -> str:
    m = res["machine"]
    L = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM, {m['os']}, Python {m['python']}, "
        f"{m['chromium']}; measured {m['date']}. Chapters: {', '.join(res['chapters'])}.",
        "",
    ]

    def ratio(a, b):
        return a / b if a is not None and b else None

    def target(val, limit):
        return "-" if val is None else ("met" if val <= limit else "**missed**")

    clean, force = res["ours_clean_s"], res["jb_force_s"]
    rows = [
        (
            "Clean build, our pipeline (papermill via make -j, then jupyter-book -W)",
            fmt_s(clean),
            f"{res['ours_clean_executed']} notebooks executed: {fmt_s(res['ours_clean_notebooks_s'])} "
            f"executing (the vega runtime, {fmt_s(res['vega_generation_s'])} alone, is generated alongside), "
            f"{fmt_s(res['ours_clean_site_s'])} site (Jupyter Book alone renders the executed book in "
            f"{fmt_s(res['jb_render_only_s'])})",
            "",
        ),
        ("Clean build, Jupyter Book executes (execute_notebooks: force, serial)", fmt_s(force), "", ""),
        ("Clean build, Jupyter Book execute_notebooks: cache (cold cache)", fmt_s(res["jb_cache_cold_s"]), "", ""),
        ("**ours / JB force**", f"{ratio(clean, force):.2f}x", "target <= 0.60x", target(ratio(clean, force), 0.6)),
        ("**ours / JB cache (cold)**", f"{ratio(clean, res['jb_cache_cold_s']):.2f}x", "", ""),
        (
            "No-op rebuild, ours",
            f"{res['ours_noop_s']:.2f} s",
            f"{res['ours_noop_executed']} notebooks executed, site not rebuilt (make: everything up to date)",
            "",
        ),
        ("No-op rebuild, JB cache mode", fmt_s(res["jb_cache_noop_s"]), "", ""),
        (
            "**no-op / clean (ours)**",
            f"{ratio(res['ours_noop_s'], clean):.3f}x",
            "target <= 0.15x",
            target(ratio(res["ours_noop_s"], clean), 0.15),
        ),
        (
            f"Rebuild after changing code in {res['changed_notebook']}, ours",
            fmt_s(res["ours_one_s"]),
            f"{res['ours_one_executed']} notebook(s) executed ({fmt_s(res['ours_one_notebooks_s'])}), "
            f"site rebuilt with --all ({fmt_s(res['ours_one_site_s'])})",
            "",
        ),
        (
            f"Rebuild after changing code in {res['changed_notebook']}, JB cache mode",
            fmt_s(res["jb_cache_one_s"]),
            "re-executes that notebook, re-reads only changed pages",
            "",
        ),
        (
            f"`scalinglab run {res['run_params']}` (median)",
            fmt_s(res["run_s"]),
            "validation, execution, HTML page, record",
            "",
        ),
        ("bare `papermill` same chapter and parameters (median)", fmt_s(res["papermill_s"]), "", ""),
        (
            "**run / papermill**",
            f"{ratio(res['run_s'], res['papermill_s']):.2f}x",
            "target <= 1.15x",
            target(ratio(res["run_s"], res["papermill_s"]), 1.15),
        ),
        (
            f"Kernel sweep, {len(list(_points(res['sweep_grid'])))} points, {m['nproc']} workers, empty cache",
            fmt_s(res["sweep_s"]),
            "",
            "",
        ),
        ("Same sweep again (every point from the cache)", fmt_s(res["sweep_cached_s"]), "", ""),
        ("Sequential papermill runs of the same points", fmt_s(res["seq_s"]), "", ""),
        (
            "**sweep / sequential**",
            f"{ratio(res['sweep_s'], res['seq_s']):.2f}x",
            "target <= 0.60x",
            target(ratio(res["sweep_s"], res["seq_s"]), 0.6),
        ),
    ]
    if "vsweep_s" in res:
        rows += [
            ("Vectorised sweep of interconnect_scaling, 16 points (no kernel)", fmt_s(res["vsweep_s"]), "", ""),
            ("Sequential papermill runs of the same 16 points", fmt_s(res["vseq_s"]), "", ""),
            ("**vectorised sweep / sequential**", f"{ratio(res['vsweep_s'], res['vseq_s']):.3f}x", "", ""),
        ]
    L += ["| measurement | value | note | target |", "|---|---|---|---|"]
    L += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    L += [
        "",
        "| chapter page | charts | HTML bytes | gzip bytes | first chart | all charts | <= 300 KB gzip |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in res["pages"]:
        shared = p["chapter"].startswith("(")
        fc = "-" if p["first_chart_ms"] is None else f"{p['first_chart_ms']:.0f} ms"
        ac = "-" if p["all_charts_ms"] is None else f"{p['all_charts_ms']:.0f} ms"
        tgt = "" if shared else ("met" if p["gzip_bytes"] <= 300_000 else "**missed**")
        L.append(
            f"| {p['chapter']} | {p['charts'] if p['charts'] is not None else '-'} | {p['bytes']:,} | "
            f"{p['gzip_bytes']:,} | {fc} | {ac} | {tgt} |"
        )
    L += ["", "| kernel start + the chapter's imports (median) | seconds |", "|---|---|"]
    L += [f"| {k} | {v:.2f} s |" for k, v in res["kernel_s"].items()]
    if "test_fast" in res:
        L += ["", *render_test_fast(res).splitlines()[2:]]
    return "\n".join(L)


def render_test_fast(res: dict) -> str:
    """The ``make test-fast`` row (target: under 60 s on the benchmark machine)."""
    m, t = res["machine"], res["test_fast"]
    met = "met" if t["s"] < 60 else "**missed**"
    return "\n".join(
        [
            f"Machine: {m['nproc']} cores ({m['cpu']}); measured {m['date']}.",
            "",
            "| measurement | value | note | target |",
            "|---|---|---|---|",
            f"| `make test-fast` (median of {t['repeat']}) | {fmt_s(t['s'])} | {t['summary']} | < 60 s: {met} |",
        ]
    )


def _points(grid):
    import itertools

    return itertools.product(*grid.values())


if __name__ == "__main__":
    raise SystemExit(main())
