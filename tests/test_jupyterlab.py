"""JupyterLab, really: a student notebook runs through the JupyterLab UI in headless Chromium, offline.

Starts JupyterLab from ``.venv-lab`` (``make lab-env``) on a free localhost port, opens one student notebook,
runs all cells through the UI's own command, saves, and checks that no cell raised, every code cell ran,
and a chart drew marks. Every request to another host is aborted and fails the test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from browser import CHROMIUM_ARGS
from conftest import CHROMIUM, REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAB = REPO / ".venv-lab" / "bin" / "jupyter-lab"
NOTEBOOK = "moores_law_limits"
TOKEN = "scalinglab-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_env():
    r = subprocess.run(
        ["make", "--no-print-directory", "lab-env"], cwd=REPO, capture_output=True, text=True, timeout=1800
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert LAB.exists()
    return LAB


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    r = subprocess.run(
        [sys.executable, "-m", "scalinglab.book.workshop", "student", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def lab_server(lab_env, student_dir):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "PYTHONPATH")}
    env.update(SCALINGLAB_INLINE_VEGA="1", HOME=str(student_dir))
    proc = subprocess.Popen(
        [
            str(lab_env),
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={student_dir}",
            "--allow-root",
            "--LabApp.expose_app_in_browser=True",
            "--ServerApp.disable_check_xsrf=True",
        ],
        cwd=student_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=1)
            break
        except OSError as exc:
            if proc.poll() is not None:
                raise AssertionError(proc.stdout.read()[-3000:]) from exc
            time.sleep(0.5)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_student_notebook_runs_in_jupyterlab_and_draws_its_charts(lab_server, student_dir):
    from playwright.sync_api import sync_playwright

    external = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 1000})

        def route(r):
            if urlparse(r.request.url).hostname in ("127.0.0.1", None) or r.request.url.startswith(("data:", "blob:")):
                r.continue_()
            else:
                external.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(f"{lab_server}/lab/tree/{NOTEBOOK}.ipynb?token={TOKEN}", wait_until="load")
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')", timeout=120000)
        page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
            return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
                   && w.sessionContext.session.kernel.status === 'idle'; }""",
            timeout=120000,
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
            return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t))
                   && w.sessionContext.session.kernel.status === 'idle'; }""",
            timeout=300000,
        )
        page.wait_for_function(
            "document.querySelectorAll('.vega-embed svg.marks, .vega-embed canvas').length > 0", timeout=60000
        )
        marks = page.evaluate("""() => [...document.querySelectorAll('.vega-embed svg.marks')].map(s => {
            const r = s.querySelector('g.mark-rect path, g.mark-symbol path, g.mark-line path, g.mark-area path');
            if (!r) return 0; const b = r.getBBox(); return b.width + b.height; })""")
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_timeout(1500)
        b.close()
    assert external == [], f"JupyterLab or a chart requested another host: {external[:5]}"
    assert marks and max(marks) > 0, "no chart drew a mark"
    nb = json.loads((student_dir / f"{NOTEBOOK}.ipynb").read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], errors[0].get("evalue") if errors else ""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "a cell did not run"
