"""Charts in JupyterLab without a network.

The book's pages load the offline vega runtime from the site; a notebook in JupyterLab has no such page, and
JupyterLab's own renderer does not read Vega-Lite 6. With ``SCALINGLAB_INLINE_VEGA=1`` (set by ``make lab``),
:func:`inline_runtime` puts the same generated runtime into the notebook once, so altair's HTML output finds
``window.vegaEmbed`` instead of reaching for a CDN.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV_VAR = "SCALINGLAB_INLINE_VEGA"


def inline_runtime(force: bool = False) -> bool:
    """Display the offline vega runtime as a script output when ``SCALINGLAB_INLINE_VEGA=1`` (or ``force``).

    Returns whether it was displayed. The runtime is generated once per pinned version into the temporary
    directory (about 1.5 s the first time).
    """
    if not force and os.environ.get(ENV_VAR) != "1":
        return False
    from IPython.display import HTML, display

    from scalinglab.charts.runtime import write_vega_runtime

    path = write_vega_runtime(Path(tempfile.gettempdir()) / "scalinglab-vega-runtime.js")
    js = path.read_text(encoding="utf-8").replace("</script", "<\\/script")
    display(HTML(f"<script>{js}</script>"))
    return True
