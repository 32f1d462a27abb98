"""Analyses layer: one module per chapter, returning typed results that the notebook shows and glues.

Imports :mod:`scalinglab.models`, :mod:`scalinglab.data` and :mod:`scalinglab.charts`.
"""
