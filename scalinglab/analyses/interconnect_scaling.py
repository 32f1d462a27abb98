"""The chapter *Interconnect scaling*: one import for the notebook.

The computations live in three modules, split by concern, and are re-exported here:

* :mod:`scalinglab.analyses.interconnect_growth`: bandwidth and FLOP/s series in one unit, growth
  fits with and without the first generation, bytes per FLOP, NVLink domains;
* :mod:`scalinglab.analyses.interconnect_network`: collectives at the chosen size, data-parallel
  training (ring or SHARP across NVLink domains), tensor-parallel decoding;
* :mod:`scalinglab.analyses.interconnect_charts`: the chapter's charts and reader tables, and the
  in-page all-reduce explorer.

The cost models are in :mod:`scalinglab.models.collectives` and :mod:`scalinglab.models.parallelism`.
"""

from __future__ import annotations

from scalinglab.analyses.interconnect_charts import (  # noqa: F401
    CURVES,
    SLIDERS,
    allreduce_chart,
    allreduce_explorer,
    bandwidth_chart,
    busbw_chart,
    bytes_per_flop_chart,
    calculate_exprs,
    collectives_table,
    domain_table,
    dp_domain_chart,
    dp_infiniband_chart,
    dp_jobs_table,
    growth_rate_chart,
    growth_table,
    slider_defaults,
    tp_chart,
)
from scalinglab.analyses.interconnect_growth import (  # noqa: F401
    EPOCH_MIN_YEAR,
    FLOPS,
    HBM,
    INFINIBAND,
    NVLINK,
    PCIE,
    BytesPerFlopResult,
    DomainResult,
    GrowthResult,
    bandwidth_points,
    bytes_per_flop,
    epoch_accelerators,
    gpu_generations,
    growth,
    interconnect_bandwidths,
    nvlink_domains,
    outgrow_word,
)
from scalinglab.analyses.interconnect_network import (  # noqa: F401
    CLEAR_SPEEDUP_X,
    DOMAIN_SIZES,
    MODEL,
    TP_BATCH_SEQUENCES,
    CollectivesResult,
    DataParallelResult,
    TensorParallelResult,
    binary_size_text,
    collectives,
    data_parallel,
    gpu_counts,
    infiniband_generations,
    job_gpus,
    speedup_word,
    tensor_parallel,
    transformer_shape,
)
