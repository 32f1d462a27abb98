"""Book layer: notebook execution, site build, run record, runs, sweeps, scenarios, parameter schemas and the command line.

May import every other layer; nothing imports it but the command line and the notebooks.
"""
