"""scalinglab: shared, tested code for the scaling-analyses book.

Modules
-------
paths        where the repository, data and build folders are
errors       ParameterError and DataFormatError (named, user-facing errors)
data         typed polars loaders for the shipped datasets in ``data/``
fits         log-linear trend fits, break detection, confidence intervals
physics      Landauer bound, thermal voltage, subthreshold swing
precision    reduced-precision formats, per-tensor and block scaling (MX, NVFP4), error metrics
collectives  alpha-beta models of all-reduce and friends, NCCL bus bandwidth, DP/TP scaling
interconnect unit conversions and chart builders of the interconnect chapter
tokens       price conventions, fixed-capability declines, cost per million tokens
charts       the book's altair theme and chart builders
record       the run record shown at the end of every executed chapter
schemas      one validated parameter schema per chapter
build        papermill execution and the offline site build (driven by the Makefile)
cli, runs, scenarios   the ``scalinglab`` command: params, run, sweep, scenario books
"""

__version__ = "0.1.0"
