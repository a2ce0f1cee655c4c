"""Local metric projections for buffers, and geodesic densification of lines.

Metric work happens in an azimuthal equidistant projection centred on the geometry at hand:
over a few hundred km its scale error stays below 1e-4, i.e. under a metre on a 20 km buffer.
Line segments are taken to be geodesics: they are densified on the ellipsoid before projecting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class LocalProjection:
    """An azimuthal equidistant CRS (metres, WGS84) centred on ``(lon_0, lat_0)``.

    Examples
    --------
    >>> proj = LocalProjection.around(shapely.Point(36.6, 35.9))
    >>> pt = proj.to_metric(shapely.Point(36.6, 35.9))
    >>> round(pt.x, 6), round(pt.y, 6)
    (0.0, 0.0)
    """

    lon_0: float
    lat_0: float

    @classmethod
    def around(cls, *geometries) -> LocalProjection:
        """The projection centred on the bounding box of ``geometries`` (lon/lat)."""
        minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geometries, dtype=object))
        return cls(round((minx + maxx) / 2, 6), round((miny + maxy) / 2, 6))

    @property
    def crs(self) -> pyproj.CRS:
        return pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={self.lat_0} +lon_0={self.lon_0} +datum=WGS84 +units=m +no_defs"
        )

    @property
    def _forward(self) -> pyproj.Transformer:
        return _transformer(self.lon_0, self.lat_0, inverse=False)

    @property
    def _inverse(self) -> pyproj.Transformer:
        return _transformer(self.lon_0, self.lat_0, inverse=True)

    def to_metric(self, geometry):
        """Lon/lat geometry (or array of them) to metres in this projection."""
        return shapely.transform(geometry, lambda xy: np.column_stack(self._forward.transform(xy[:, 0], xy[:, 1])))

    def to_lonlat(self, geometry):
        """Metric geometry (or array of them) back to lon/lat."""
        return shapely.transform(geometry, lambda xy: np.column_stack(self._inverse.transform(xy[:, 0], xy[:, 1])))


_TRANSFORMERS: dict[tuple[float, float, bool], pyproj.Transformer] = {}


def _transformer(lon_0: float, lat_0: float, *, inverse: bool) -> pyproj.Transformer:
    key = (lon_0, lat_0, inverse)
    if key not in _TRANSFORMERS:
        aeqd = LocalProjection(lon_0, lat_0).crs
        src, dst = (aeqd, "EPSG:4326") if inverse else ("EPSG:4326", aeqd)
        _TRANSFORMERS[key] = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return _TRANSFORMERS[key]


def densify_geodesic(line, max_segment_km: float = 1.0):
    """Insert points along each geodesic segment of a lon/lat line so no step exceeds ``max_segment_km``.

    Accepts a LineString or MultiLineString; returns the same type.

    Examples
    --------
    >>> line = shapely.LineString([(36.0, 35.0), (37.0, 35.0)])
    >>> len(densify_geodesic(line, 10.0).coords)
    11
    """
    if isinstance(line, shapely.MultiLineString):
        return shapely.MultiLineString([densify_geodesic(part, max_segment_km) for part in line.geoms])
    coords = np.asarray(line.coords)[:, :2]
    out = [coords[:1]]
    for (lon1, lat1), (lon2, lat2) in zip(coords[:-1], coords[1:]):
        length_m = GEOD.inv(lon1, lat1, lon2, lat2)[2]
        n_between = int(np.ceil(length_m / (max_segment_km * 1000.0))) - 1
        if n_between > 0:
            out.append(np.asarray(GEOD.npts(lon1, lat1, lon2, lat2, n_between)))
        out.append([[lon2, lat2]])
    return shapely.LineString(np.vstack(out))


def geodesic_length_km(line) -> float:
    """Geodesic length of a lon/lat line in km.

    Examples
    --------
    >>> round(geodesic_length_km(shapely.LineString([(36.0, 0.0), (37.0, 0.0)])), 3)
    111.319
    """
    return GEOD.geometry_length(line) / 1000.0


# Fast vectorised helpers for millions of points (numpy only; checked against pyproj.Geod in the tests).
_A, _F = GEOD.a, GEOD.f
_E = float(np.sqrt(GEOD.es))


def conformal_latitude(lat_deg):
    """Conformal latitude (radians) of geodetic latitude(s) in degrees on WGS84."""
    phi = np.radians(lat_deg)
    esin = _E * np.sin(phi)
    return 2 * np.arctan(np.tan(np.pi / 4 + phi / 2) * ((1 - esin) / (1 + esin)) ** (_E / 2)) - np.pi / 2


def conformal_plane(lon, lat, lon_0: float, lat_0: float):
    """Azimuthal equidistant x, y (radians of arc) on the conformal sphere, centred on (lon_0, lat_0).

    Shapes are kept to ~1e-3 of their size within 1,000 km of the centre: good for finding which
    part of a line is nearest a point, not for measuring (use :func:`geodesic_distance_m`).
    """
    chi, chi_0 = conformal_latitude(lat), conformal_latitude(lat_0)
    dlon = np.radians(np.asarray(lon) - lon_0)
    cos_c = np.clip(np.sin(chi_0) * np.sin(chi) + np.cos(chi_0) * np.cos(chi) * np.cos(dlon), -1.0, 1.0)
    c = np.arccos(cos_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(c > 1e-12, c / np.sin(c), 1.0)
    x = k * np.cos(chi) * np.sin(dlon)
    y = k * (np.cos(chi_0) * np.sin(chi) - np.sin(chi_0) * np.cos(chi) * np.cos(dlon))
    return x, y


def geodesic_distance_m(lon1, lat1, lon2, lat2):
    """Distance in metres on the WGS84 ellipsoid between lon/lat points (vectorised numpy).

    Lambert's formula: against Karney's exact geodesic (``pyproj.Geod.inv``) within 0.05 m below
    30 km, 0.4 m below 300 km and 2.5 m up to 2,000 km (tested); several times faster on large arrays.

    Examples
    --------
    >>> round(float(geodesic_distance_m(36.0, 35.0, 37.0, 35.0)), 1)
    91287.8
    """
    beta1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    beta2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    dlon = np.radians(np.asarray(lon2, dtype=float) - lon1)
    hav = np.sin((beta2 - beta1) / 2) ** 2 + np.cos(beta1) * np.cos(beta2) * np.sin(dlon / 2) ** 2
    sigma = 2 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
    p, q = (beta1 + beta2) / 2, (beta2 - beta1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (sigma - np.sin(sigma)) * np.sin(p) ** 2 * np.cos(q) ** 2 / np.cos(sigma / 2) ** 2
        y = (sigma + np.sin(sigma)) * np.cos(p) ** 2 * np.sin(q) ** 2 / np.sin(sigma / 2) ** 2
        distance = _A * (sigma - _F / 2 * (x + y))
    return np.where(sigma > 0, distance, 0.0)
