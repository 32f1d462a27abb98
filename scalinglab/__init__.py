"""scalinglab: shared, tested code for the scaling-analyses book.

Modules
-------
paths        where the repository, data and build folders are
errors       ParameterError and DataFormatError (named, user-facing errors)
data         typed polars loaders for the shipped datasets in ``data/``
fits         log-linear trend fits, break detection, confidence intervals
physics      Landauer bound, thermal voltage, subthreshold swing
charts       the book's altair theme and chart builders
record       the run record shown at the end of every executed chapter
schemas      one validated parameter schema per chapter
"""

__version__ = "0.1.0"
