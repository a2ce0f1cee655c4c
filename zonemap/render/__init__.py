"""Drawing the model: layers and their styles, the interactive Leaflet map and its incident
layer, the static figure, and exports for GIS (GeoPackage with QGIS styles). Uses
:mod:`zonemap.model` and :mod:`zonemap.incidents`.
"""
