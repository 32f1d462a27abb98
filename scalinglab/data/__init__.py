"""Data layer: typed polars loaders over the shipped snapshots, driven by ``data/datapackage.json``,
and :mod:`scalinglab.data.catalog`, the one shared vocabulary (formats, GPU names, units).

Imports nothing of the package but :mod:`scalinglab.errors` and :mod:`scalinglab.paths`.
"""

from scalinglab.data import catalog
from scalinglab.data.epoch import (
    load_epoch_api_prices,
    load_epoch_chips,
    load_epoch_price_fits,
    load_epoch_price_frontier,
    load_epoch_price_other,
    load_hardware_prices,
)
from scalinglab.data.gpu_clusters import CERTAINTY_LEVELS, load_gpu_clusters
from scalinglab.data.loaders import (
    MICROPROCESSOR_METRICS,
    anchor,
    file_sha256,
    files_read,
    gpus_with,
    load_all_microprocessor_trends,
    load_gpu_specs,
    load_growth_anchors,
    load_horowitz_energy,
    load_interconnect_generations,
    load_llm_prices,
    load_microprocessor_trend,
    read_resource,
    resource_descriptor,
    resource_path,
)

__all__ = [
    "catalog",
    "files_read",
    "resource_descriptor",
    "read_resource",
    "file_sha256",
    "resource_path",
    "MICROPROCESSOR_METRICS",
    "load_microprocessor_trend",
    "load_all_microprocessor_trends",
    "load_gpu_specs",
    "gpus_with",
    "load_interconnect_generations",
    "load_llm_prices",
    "load_growth_anchors",
    "anchor",
    "load_horowitz_energy",
    "load_epoch_chips",
    "load_hardware_prices",
    "load_epoch_api_prices",
    "load_epoch_price_fits",
    "load_epoch_price_frontier",
    "load_epoch_price_other",
    "CERTAINTY_LEVELS",
    "load_gpu_clusters",
]

# token chapter: rental prices, Epoch's fitted price declines, served-model shapes
from scalinglab.data import prices  # noqa: E402, F401 - data.prices is the token chapter's entry point

# MLPerf Inference results (chapter software_speedup)
from scalinglab.data.mlperf import (  # noqa: E402
    MLPERF_METRICS,
    MLPERF_SCENARIOS,
    load_mlperf_inference,
)

__all__ += ["MLPERF_METRICS", "MLPERF_SCENARIOS", "load_mlperf_inference"]
