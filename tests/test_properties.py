"""Property tests (hypothesis): random contact lines in the region and random incidents.

The number of examples and whether they are new each run come from the hypothesis profile loaded
in conftest: derandomised and small by default (CI), many more with ``make test-deep``.
"""

import dataclasses
import functools

import numpy as np
import pytest
import shapely
from conftest import geodesic_distance_to_line_m
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zonemap.geodesy.grid_index import PolygonGrid
from zonemap.geodesy.projection import GEOD, densify_geodesic
from zonemap.model import compiled, data, zones
from zonemap.model.areas import geodesic_area_km2

#: Examples per test come from the hypothesis profile (conftest): "ci" by default, "deep" for make test-deep.
SETTINGS = settings()
lon = st.floats(36.3, 37.0)
lat = st.floats(35.4, 36.2)
lines = (
    st.lists(st.tuples(lon, lat), min_size=2, max_size=5, unique=True)
    .map(shapely.LineString)
    .filter(lambda line: line.is_simple and line.length > 0.05)
)


@SETTINGS
@given(line=lines, width=st.floats(2.0, 25.0))
def test_random_lines_give_valid_growing_direction_free_bands(line, width):
    narrow = zones.dmz_geometry(line, width, symmetric=True)
    wide = zones.dmz_geometry(line, width + 3.0, symmetric=True)
    reversed_band = zones.dmz_geometry(line.reverse(), width, symmetric=True)
    assert narrow.is_valid and wide.is_valid
    if narrow.is_empty:  # a line outside the Idlib area, farther from it than the band reaches
        edge = densify_geodesic(zones.as_area().geometry.boundary, 0.5)  # points every 0.5 km
        points = [shapely.Point(p) for p in shapely.get_coordinates(edge)]
        assert geodesic_distance_to_line_m(points, line).min() > width * 1000 - 300
        assume(False)  # nothing more to compare
    assert geodesic_area_km2(wide) > geodesic_area_km2(narrow)
    assert geodesic_area_km2(reversed_band) == pytest.approx(geodesic_area_km2(narrow), rel=1e-6)


@SETTINGS
@given(line=lines, width=st.floats(5.0, 20.0))
def test_outer_edge_lies_at_the_requested_geodesic_distance(line, width):
    edges = zones.dmz_edges(line, width_km=(width / 2, width), symmetric=True)
    outer = edges.loc[edges["edge"] == "outer"].geometry.iloc[0]
    points = [shapely.Point(p) for p in shapely.get_coordinates(outer)[::7]]
    distance = geodesic_distance_to_line_m(points, line, 0.02)
    assert np.max(np.abs(distance - width * 1000)) < 10.0


@functools.cache
def model():
    return compiled.zone_model()


@SETTINGS
@given(points=st.lists(st.tuples(st.floats(35.5, 38.0), st.floats(34.5, 37.0)), min_size=1, max_size=40))
def test_classification_agrees_with_a_slow_reference(points):
    xy = np.asarray(points)
    result = compiled.classify_points(xy[:, 0], xy[:, 1], model())
    pts = shapely.points(xy)
    for key, geom in model().zones.items():
        assert (result[f"in_{key}"].to_numpy() == np.array([geom.contains(p) for p in pts])).all(), key
    line = zones.as_line("2020").geometry
    reference = np.min([geodesic_distance_to_line_m(list(pts), part, 0.02) for part in shapely.get_parts(line)], axis=0)
    assert np.max(np.abs(np.abs(result["dist_2020_km"].to_numpy()) * 1000 - reference)) < 10.0


# --------------------------------------------------------------------------- sign of the signed distance
HALF_LENGTH_M = 130_000.0  # each half of a random straight contact line: it crosses the whole Idlib area
DMZ_KM = 10.0


def _half_plane(ends, turn):
    """The half-plane right (turn=90) or left (turn=-90) of the geodesic B→A as a lon/lat polygon:
    the geodesic every 3 km, closed 300 km away on that side (far beyond the Idlib area)."""
    (lon_b, lat_b), (lon_a, lat_a) = ends
    heading_b, back_a, _ = GEOD.inv(lon_b, lat_b, lon_a, lat_a)
    far_a = GEOD.fwd(lon_a, lat_a, back_a + 180.0 + turn, 300_000.0)[:2]
    far_b = GEOD.fwd(lon_b, lat_b, heading_b + turn, 300_000.0)[:2]
    return shapely.Polygon([(lon_b, lat_b), *GEOD.npts(lon_b, lat_b, lon_a, lat_a, 100), (lon_a, lat_a), far_a, far_b])


@st.composite
def straight_lines(draw):
    """A geodesic through a point inside the Idlib area's bounds, 130 km each way; its point and azimuth."""
    lon0, lat0 = draw(st.floats(36.35, 36.95)), draw(st.floats(35.5, 36.15))
    azimuth = draw(st.floats(0.0, 180.0))
    ends_lon, ends_lat, _ = GEOD.fwd([lon0, lon0], [lat0, lat0], [azimuth + 180.0, azimuth], [HALF_LENGTH_M] * 2)
    return (lon0, lat0, azimuth), ((ends_lon[0], ends_lat[0]), (ends_lon[1], ends_lat[1]))


@functools.cache
def idlib_area():
    return zones.as_area("idlib").geometry


@settings(max_examples=max(6, settings.default.max_examples // 2))  # about 0.5 s each
@given(
    line=straight_lines(),
    offsets=st.lists(
        st.tuples(st.floats(-60_000, 60_000), st.floats(500, 30_000), st.booleans()), min_size=1, max_size=30
    ),
)
def test_signed_distance_is_positive_exactly_on_the_opposition_side(line, offsets):
    """Points built with pyproj.Geod at a known distance (0.5-30 km) right or left of a random straight
    contact line: the classifier's signed distance has that size, and its sign is + exactly for points
    in the Idlib area on Idlib city's side. The sides come from the construction, not from the model."""
    (lon0, lat0, azimuth), ends = line
    (lon_b, lat_b), (lon_a, lat_a) = ends
    area, idlib = idlib_area(), data.place("Idlib")
    geometry = shapely.LineString(ends)

    def toward_a(lon, lat):  # the line's direction at a point on it (the azimuth to its far end)
        return GEOD.inv(lon, lat, lon_a, lat_a)[0]

    right, left = _half_plane(ends, 90.0), _half_plane(ends, -90.0)
    # Two sides only: the line cuts the area into exactly two pieces (else "the opposition side" is one
    # piece among several and the construction below is not the whole answer).
    assume(all(shapely.intersection(area, side).geom_type == "Polygon" for side in (right, left)))
    assume(geodesic_distance_to_line_m([idlib], geometry, 1.0)[0] > 2000)
    idlib_right = np.sin(np.radians(GEOD.inv(lon0, lat0, idlib.x, idlib.y)[0] - azimuth)) > 0

    along, offset, to_right = (np.asarray(v) for v in zip(*offsets))
    foot_lon, foot_lat, _ = GEOD.fwd(
        np.full(len(along), lon0), np.full(len(along), lat0), np.full(len(along), azimuth), along
    )
    heading = np.asarray([toward_a(x, y) for x, y in zip(foot_lon, foot_lat)])
    lon, lat, _ = GEOD.fwd(foot_lon, foot_lat, heading + np.where(to_right, 90.0, -90.0), offset)
    points = shapely.points(lon, lat)
    assume(shapely.distance(points, area.boundary).min() > 1e-5)  # not within a metre of the area's edge
    in_area = shapely.contains(area, points)
    opposition = in_area & (to_right == idlib_right)

    base = model()
    key = "random"
    dmz = zones.dmz_geometry(geometry, DMZ_KM)
    opposition_face = zones.opposition_side(geometry)
    line_model = dataclasses.replace(
        base,
        zones={"idlib_area": area, "dmz": dmz},
        opposition={key: opposition_face},
        lines={key: compiled._line_targets(geometry, base.centre)},
        grid=PolygonGrid.build([area, dmz, opposition_face], compiled.POLYGON_CELL_DEG),
    )
    result = compiled.classify_points(lon, lat, line_model, nearest_place=False)
    distance_km = result[f"dist_{key}_km"].to_numpy()
    assert (np.sign(distance_km) == np.where(opposition, 1, -1)).all()
    assert np.abs(np.abs(distance_km) * 1000 - offset).max() < 10.0
    expected_side = np.where(opposition, "opposition", np.where(in_area, "government", "outside"))
    assert (result[f"side_{key}"].astype(str).to_numpy() == expected_side).all()
    clear = np.abs(offset - DMZ_KM * 1000) > 50  # the DMZ: opposition side, within 10 km of the line
    assert (result["in_dmz"].to_numpy() == (opposition & (offset <= DMZ_KM * 1000)))[clear].all()
