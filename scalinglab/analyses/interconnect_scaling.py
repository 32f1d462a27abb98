"""The chapter *Interconnect scaling*: one import for the notebook.

The computations live in six modules, split by concern, and are re-exported here:

* :mod:`scalinglab.analyses.interconnect_growth`: bandwidth and FLOP/s series in one unit, growth
  fits with and without the first generation;
* :mod:`scalinglab.analyses.interconnect_hardware`: bytes per FLOP, NVLink domains in one quantity;
* :mod:`scalinglab.analyses.interconnect_network`: collectives at the chosen size, data-parallel
  training (ring or SHARP across NVLink domains);
* :mod:`scalinglab.analyses.interconnect_decode`: tensor-parallel decoding;
* :mod:`scalinglab.analyses.interconnect_charts`: the chapter's charts and reader tables;
* :mod:`scalinglab.analyses.interconnect_explorer`: the in-page all-reduce explorer.

The cost models are in :mod:`scalinglab.models.collectives` and :mod:`scalinglab.models.parallelism`.
"""

from __future__ import annotations

from scalinglab.analyses.interconnect_charts import (  # noqa: F401
    allreduce_chart,
    bandwidth_chart,
    busbw_chart,
    bytes_per_flop_chart,
    collectives_table,
    domain_table,
    dp_domain_chart,
    dp_infiniband_chart,
    dp_jobs_table,
    growth_rate_chart,
    growth_table,
    tp_chart,
)
from scalinglab.analyses.interconnect_decode import (  # noqa: F401
    CLEAR_SPEEDUP_X,
    TP_BATCH_SEQUENCES,
    TP_DEGREES,
    TensorParallelResult,
    speedup_word,
    tensor_parallel,
)
from scalinglab.analyses.interconnect_explorer import (  # noqa: F401
    CURVES,
    SLIDERS,
    allreduce_explorer,
    calculate_exprs,
    slider_defaults,
)
from scalinglab.analyses.interconnect_growth import (  # noqa: F401
    DENSE_16BIT,
    EPOCH_MIN_YEAR,
    FLOPS,
    HBM,
    INFINIBAND,
    NVLINK,
    PCIE,
    GrowthResult,
    bandwidth_points,
    epoch_accelerators,
    first_generation_word,
    gpu_generations,
    growth,
    interconnect_bandwidths,
    outgrow_word,
)
from scalinglab.analyses.interconnect_hardware import (  # noqa: F401
    BytesPerFlopResult,
    DomainResult,
    bytes_per_flop,
    nvlink_domains,
)
from scalinglab.analyses.interconnect_network import (  # noqa: F401
    DOMAIN_SIZES,
    MODEL,
    CollectivesResult,
    DataParallelResult,
    binary_size_text,
    collectives,
    data_parallel,
    gpu_counts,
    infiniband_generations,
    job_gpus,
    network_word,
    transformer_shape,
)
