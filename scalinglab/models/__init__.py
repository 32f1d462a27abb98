"""Models layer: pure, vectorisable functions with units in their names.

Imports nothing of the package but :mod:`scalinglab.errors`.
"""
