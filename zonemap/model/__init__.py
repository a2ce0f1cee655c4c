"""The model of the zones: shipped data, the Sochi DMZ and the M4 corridor, the dated contact lines,
their uncertainty and areas, the gazetteer, and the zones compiled for point queries (with their
disk cache). Uses :mod:`zonemap.geodesy` only; knows nothing of incident files or maps.
"""
