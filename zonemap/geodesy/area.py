"""Geodesic measures on the WGS84 ellipsoid that know nothing of Syria: areas in km² (Karney via pyproj.Geod).

The zone model (:mod:`zonemap.model.zones`) and the area tables (:mod:`zonemap.model.areas`) both measure
with it, so it sits below them: it imports only :mod:`zonemap.geodesy.projection`.
"""

from __future__ import annotations

import numpy as np
import shapely

from .projection import GEOD


def geodesic_area_km2(geometries) -> np.ndarray | float:
    """Geodesic area in km² of a lon/lat geometry (float) or of each in a sequence (array).

    Orientation does not matter; lines and points have zero area.

    Examples
    --------
    >>> square = shapely.box(36.0, 35.0, 36.1, 35.1)
    >>> round(geodesic_area_km2(square), 2)
    101.2
    """
    if isinstance(geometries, shapely.Geometry):
        return abs(GEOD.geometry_area_perimeter(geometries)[0]) / 1e6
    values = [0.0 if g is None or g.is_empty else abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6 for g in geometries]
    return np.asarray(values, dtype=float)
