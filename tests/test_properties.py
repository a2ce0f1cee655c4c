"""Property tests (hypothesis): random contact lines in the region and random incidents."""

import functools

import numpy as np
import pytest
import shapely
from conftest import geodesic_distance_to_line_m
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zonemap import classification, zones
from zonemap.measure import geodesic_area_km2

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
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
    assert narrow.is_valid and wide.is_valid and not narrow.is_empty
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
    return classification.zone_model()


@settings(max_examples=10, deadline=None, derandomize=True)
@given(points=st.lists(st.tuples(st.floats(35.5, 38.0), st.floats(34.5, 37.0)), min_size=1, max_size=40))
def test_classification_agrees_with_a_slow_reference(points):
    xy = np.asarray(points)
    result = classification.classify_points(xy[:, 0], xy[:, 1], model())
    pts = shapely.points(xy)
    for key, geom in model().zones.items():
        assert (result[f"in_{key}"].to_numpy() == np.array([geom.contains(p) for p in pts])).all(), key
    line = zones.as_line("2020").geometry
    reference = np.min([geodesic_distance_to_line_m(list(pts), part, 0.02) for part in shapely.get_parts(line)], axis=0)
    assert np.max(np.abs(np.abs(result["dist_2020_km"].to_numpy()) * 1000 - reference)) < 10.0
