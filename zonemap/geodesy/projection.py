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

_E2 = GEOD.es

# Conformal latitude χ = φ + Σ c_k sin 2kφ (series in e², Snyder 1987 eq. 3-5), written with
# sin 4φ = 2 sin 2φ cos 2φ, sin 6φ = sin 2φ (4 cos² 2φ − 1): within 2e-11 rad (0.1 mm) of the closed form.
_C2 = -(_E2 / 2 + 5 * _E2**2 / 24 + 3 * _E2**3 / 32 + 281 * _E2**4 / 5760)

_C4 = 5 * _E2**2 / 48 + 7 * _E2**3 / 80 + 697 * _E2**4 / 11520

_C6 = -(13 * _E2**3 / 480 + 461 * _E2**4 / 13440)


def conformal_latitude(lat_deg):
    """Conformal latitude (radians) of geodetic latitude(s) in degrees on WGS84 (series, within 2e-11 rad).

    Examples
    --------
    >>> round(float(np.degrees(conformal_latitude(45.0))), 6)
    44.807684
    """
    phi = np.radians(lat_deg)
    sin2, cos2 = np.sin(2 * phi), np.cos(2 * phi)
    return phi + sin2 * ((_C2 - _C6) + cos2 * (2 * _C4 + cos2 * (4 * _C6)))


def conformal_plane(lon, lat, lon_0: float, lat_0: float, radius: float = 1.0):
    """Azimuthal equidistant x, y on the conformal sphere, centred on (lon_0, lat_0), in units of ``radius``.

    With the default radius 1, x and y are radians of arc.

    Shapes are kept to ~1e-3 of their size within 1,000 km of the centre: good for finding which
    part of a line is nearest a point, not for measuring (use :func:`geodesic_distance_m`).

    Examples
    --------
    >>> x, y = conformal_plane(np.array([36.0, 37.0]), np.array([35.0, 35.0]), 36.0, 35.0)
    >>> (x * 6371.0).round(1).tolist(), (y * 6371.0).round(1).tolist()
    ([0.0, 91.3], [0.0, 0.5])
    """
    chi_0 = float(conformal_latitude(lat_0))
    sin_0, cos_0 = np.sin(chi_0), np.cos(chi_0)
    chi = conformal_latitude(lat)
    sin_chi, cos_chi = np.sin(chi), np.cos(chi)
    dlon = np.radians(np.asarray(lon) - lon_0)
    sin_dlon, cos_chi_cos_dlon = np.sin(dlon), cos_chi * np.cos(dlon)
    cos_c = np.clip(sin_0 * sin_chi + cos_0 * cos_chi_cos_dlon, -1.0, 1.0)
    sin_c = np.sqrt(1 - cos_c * cos_c)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(sin_c > 0, np.arccos(cos_c) / sin_c * radius, radius)  # c / sin c: fine near c = 0
    return k * cos_chi * sin_dlon, k * (cos_0 * sin_chi - sin_0 * cos_chi_cos_dlon)


#: Below this distance (m) :func:`geodesic_distance_m` uses the mid-latitude formula (within 0.12 m
#: of Karney's geodesic, error growing as d³), beyond it Lambert's formula.
MIDLATITUDE_LIMIT_M = 50_000.0


def geodesic_distance_m(lon1, lat1, lon2, lat2):
    """Distance in metres on the WGS84 ellipsoid between lon/lat points (vectorised numpy).

    Gauss's mid-latitude formula below 50 km, Lambert's formula beyond: against Karney's exact
    geodesic (``pyproj.Geod.inv``) within 0.12 m below 50 km, 0.5 m below 300 km and 2.5 m up to
    2,000 km (tested); several times faster on large arrays.

    Examples
    --------
    >>> round(float(geodesic_distance_m(36.0, 35.0, 37.0, 35.0)), 1)
    91287.8
    >>> round(float(geodesic_distance_m(36.0, 35.0, 36.1, 35.0)), 2)
    9128.82
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2)))
    distance = np.atleast_1d(_midlatitude_m(lon1, lat1, lon2, lat2))
    far = np.flatnonzero(~(distance < MIDLATITUDE_LIMIT_M))
    if len(far):
        flat = [np.ravel(v)[far] for v in (lon1, lat1, lon2, lat2)]
        distance.ravel()[far] = _lambert_m(*flat)
    return distance.reshape(lon1.shape)


def _midlatitude_m(lon1, lat1, lon2, lat2):
    """Gauss's mid-latitude formula: the meridian and prime-vertical radii at the mean latitude."""
    sin2 = np.sin((lat1 + lat2) * (np.pi / 360))
    sin2 *= sin2
    inverse_w = 1 / np.sqrt(1 - _E2 * sin2)  # N = a/W, M = a(1 − e²)/W³
    east = np.sqrt(1 - sin2) * inverse_w * (lon2 - lon1) * (_A * np.pi / 180)
    north = inverse_w**3 * (lat2 - lat1) * (_A * (1 - _E2) * np.pi / 180)
    return np.sqrt(east * east + north * north)


def _lambert_m(lon1, lat1, lon2, lat2):
    """Lambert's formula for long lines (within 0.5 m of Karney's below 300 km)."""
    beta1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    beta2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    sin_q = np.sin((beta2 - beta1) / 2)  # Q = (β2 − β1)/2, P = (β1 + β2)/2
    sin_half_dlon = np.sin(np.radians(lon2 - lon1) / 2)
    hav = np.clip(sin_q * sin_q + np.cos(beta1) * np.cos(beta2) * sin_half_dlon * sin_half_dlon, 0.0, 1.0)
    sigma = 2 * np.arcsin(np.sqrt(hav))  # hav = sin²(σ/2)
    sin_sigma = 2 * np.sqrt(hav * (1 - hav))
    sin2_p, sin2_q = np.sin((beta1 + beta2) / 2) ** 2, sin_q * sin_q
    with np.errstate(invalid="ignore", divide="ignore"):
        x = (sigma - sin_sigma) * sin2_p * (1 - sin2_q) / (1 - hav)
        y = (sigma + sin_sigma) * (1 - sin2_p) * sin2_q / hav
        distance = _A * (sigma - _F / 2 * (x + y))
    return np.where(hav > 0, distance, 0.0)
