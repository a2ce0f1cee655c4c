import numpy as np
import pytest
import shapely

from zonemap.projection import GEOD, densify_geodesic


def geodesic_distance_to_line_m(points, line, step_km: float = 0.05) -> np.ndarray:
    """Slow, obviously-correct reference: geodesic distance (m) from each lon/lat point to a
    line densified every ``step_km`` along its geodesic segments (nearest vertex)."""
    dense = np.asarray(densify_geodesic(line, step_km).coords)
    pts = np.asarray([(p.x, p.y) for p in points])
    lon1 = np.repeat(pts[:, 0], len(dense))
    lat1 = np.repeat(pts[:, 1], len(dense))
    lon2 = np.tile(dense[:, 0], len(pts))
    lat2 = np.tile(dense[:, 1], len(pts))
    dist = GEOD.inv(lon1, lat1, lon2, lat2)[2].reshape(len(pts), len(dense))
    return dist.min(axis=1)


def sample_points(geometry, n: int) -> list[shapely.Point]:
    """``n`` lon/lat points spread along the vertices of a (multi)line."""
    coords = shapely.get_coordinates(geometry)
    idx = np.linspace(0, len(coords) - 1, n).astype(int)
    return [shapely.Point(coords[i]) for i in idx]


@pytest.fixture
def straight_line():
    """A straight ~100 km east-west geodesic at 35.9 N, with a test area around it."""
    return shapely.LineString([(36.0, 35.9), (37.1066, 35.9)])
