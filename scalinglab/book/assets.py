"""Offline assets of standalone pages (run pages, sweep charts): the vega runtime and MathJax.

Both are put beside a page (hard links where possible), so a run folder opens offline and
the page makes no request to another host.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from scalinglab.book.cache import cache_dir, link_or_copy
from scalinglab.paths import REPO_ROOT, RUNS_DIR

__all__ = ["MATHJAX_SRC", "ship_assets", "vega_runtime"]

#: MathJax installed by ``make env`` (npm, pinned version in the Makefile).
MATHJAX_SRC = REPO_ROOT / ".venv" / "npm" / "node_modules" / "mathjax" / "es5" / "tex-svg-full.js"


def vega_runtime() -> Path:
    """The offline vega bundle (charts.write_vega_runtime), generated once per vl-convert/altair version."""
    from importlib import metadata

    # the bundle depends on vl-convert's build and on the Vega-Lite version altair targets (fixed per altair
    # release): versions from package metadata, so a cache hit does not pay for importing altair
    tag = hashlib.sha256(f"{metadata.version('vl-convert-python')}|{metadata.version('altair')}".encode()).hexdigest()[
        :12
    ]
    path = cache_dir(RUNS_DIR) / "static" / f"vega-runtime-{tag}.js"  # shared by every runs folder
    if not path.exists():
        from scalinglab.charts import write_vega_runtime

        write_vega_runtime(path)
    return path


def ship_assets(folder: Path, mathjax: bool = True) -> None:
    """Put ``vega-runtime.js`` (and ``mathjax/tex-svg-full.js`` when installed) into ``folder``
    (hard links where possible: no extra disk, and the folder stays self-contained).
    """
    link_or_copy(vega_runtime(), Path(folder) / "vega-runtime.js")
    if mathjax and MATHJAX_SRC.exists():
        link_or_copy(MATHJAX_SRC, Path(folder) / "mathjax" / MATHJAX_SRC.name)
