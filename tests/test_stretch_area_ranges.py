"""Area ranges and simulated intervals follow the accuracy of each stretch of a line, not the line's
worst (issue 28, item 4): a line moved by its stated accuracy moves each stretch by its own."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from zonemap.geodesy.area import geodesic_area_km2
from zonemap.geodesy.projection import GEOD, LocalProjection, densify_geodesic
from zonemap.model import areas, data, scenarios, simulation, timeline, zones

SLOPE = np.tan(np.radians(25.0))
PROJ = LocalProjection(36.6, 35.9)
BOX = PROJ.to_lonlat(shapely.box(-30_000, -30_000, 30_000, 30_000))
NORTH = PROJ.to_lonlat(shapely.Point(0, 29_000))
LINE = PROJ.to_lonlat(shapely.LineString([(-30_000, -30_000 * SLOPE), (30_000, 30_000 * SLOPE)]))


def _north_side_km2(accuracy_km) -> dict[float, float]:
    out = {}
    for scenario in scenarios.scenarios({"line": (LINE, accuracy_km)}, BOX):
        held = zones.opposition_side(scenario.lines["line"], scenario.area, opposition_at=NORTH)
        out[scenario.offsets_km["line"]] = geodesic_area_km2(held)
    return out


def _north_of_tapered_km2(sign: float, west_km: float = 2.0, east_km: float = 6.0) -> float:
    """Geodesic area (km²) of the square north of the line moved ``sign`` (+1 north) by ``west_km`` at its
    west end to ``east_km`` at its east end, each point along its perpendicular: built here point by point
    on the plane, independently of the model's envelope."""
    x = np.linspace(-60_000, 60_000, 2401)  # the line carried on past the square both ways
    along = (x + 30_000) / 60_000  # 0 at the west end, 1 at the east end
    offset = sign * np.clip(west_km * 1000 + (east_km - west_km) * 1000 * along, 0, None)
    normal = np.array([-np.sin(np.radians(25.0)), np.cos(np.radians(25.0))])  # to the left: north-west
    moved = shapely.LineString(np.column_stack([x, x * SLOPE]) + offset[:, None] * normal)
    square = shapely.box(-30_000, -30_000, 30_000, 30_000)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all([square.boundary, moved]))))
    inside = [f for f in faces if square.contains(f.representative_point())]
    return geodesic_area_km2(PROJ.to_lonlat(next(f for f in inside if f.covers(shapely.Point(0, 29_000)))))


def test_a_tapering_accuracy_moves_each_stretch_by_its_own():
    """Accuracy 2 km at the west end, 6 km at the east end of a line across a 60 km square: moved either
    way, the north side changes by the trapezoid between the line and its tapered offset (about
    60 km x (2 + 6) / 2 / cos 25° = 265 km², more one way and less the other as the offset's foot
    slides along the slanted line), not by the worst stretch's 6 km strip (397 km²)."""
    got = _north_side_km2([2.0, 6.0])
    assert list(got) == [0.0, -6.0, 6.0]  # offsets_km: the largest, with its side
    assert got[-6.0] == pytest.approx(_north_of_tapered_km2(-1.0), rel=0.003)
    assert got[6.0] == pytest.approx(_north_of_tapered_km2(1.0), rel=0.003)
    trapezoid = 60 * 4 / np.cos(np.radians(25.0))
    assert (got[-6.0] - got[6.0]) / 2 == pytest.approx(trapezoid, rel=0.01)
    worst = _north_side_km2(6.0)
    assert worst[-6.0] - worst[0.0] == pytest.approx(60 * 6 / np.cos(np.radians(25.0)), rel=0.01)


def test_the_moved_line_lies_at_each_stretchs_accuracy_geodesically():
    (_, south, _) = scenarios.scenarios({"line": (LINE, [2.0, 6.0])}, BOX)
    moved = south.lines["line"]
    start, end = shapely.get_coordinates(LINE)
    length_m = GEOD.inv(*start, *end)[2]
    geodesic = densify_geodesic(LINE, 0.05)  # the nominal line as the model draws it: along the geodesic
    tilt = np.cos(np.arcsin(4000 / length_m))  # the moved line tilts away: its nearest point is r cos θ off
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9):  # sample the nominal line, find the moved one across from it
        lon, lat = shapely.get_coordinates(geodesic.interpolate(fraction, normalized=True))[0]
        coords = shapely.get_coordinates(densify_geodesic(moved, 0.02))
        across = np.min(GEOD.inv(np.full(len(coords), lon), np.full(len(coords), lat), coords[:, 0], coords[:, 1])[2])
        along_m = GEOD.inv(*start, lon, lat)[2]
        assert across == pytest.approx((2000 + 4000 * along_m / length_m) * tilt, abs=25)


def test_a_constant_accuracy_per_vertex_is_the_constant_offset_curve():
    bend = shapely.LineString([(36.3, 35.6), (36.6, 35.75), (36.75, 35.95), (37.1, 36.0)])
    for accuracy in (5.0, [5.0] * 4):
        assert scenarios._line_and_accuracy((bend, accuracy))[1] == 5.0  # the same number: one offset curve
    proj = LocalProjection.around(bend)
    dense = proj.to_metric(densify_geodesic(bend, 0.5))
    coords = np.asarray(dense.coords)
    for offset in (7000.0, -7000.0):  # each side of the bends, one of them inside
        varying = scenarios._variable_offset_m(coords, np.full(len(coords), offset))
        constant = shapely.offset_curve(dense, offset, quad_segs=16, join_style="round")
        assert varying.is_simple
        assert shapely.hausdorff_distance(varying, constant) < 60.0  # m, over a line ~90 km long


def test_a_per_vertex_accuracy_must_fit_the_line():
    with pytest.raises(Exception, match="one number for each of the line's 2 vertices, got 3"):
        scenarios._line_and_accuracy((LINE, [1.0, 2.0, 3.0]))


def test_timeline_ranges_follow_the_stretches_and_are_narrower_than_the_worst():
    tl = timeline.load_timeline("hand")
    index = next(i for i in range(len(tl)) if tl.state(i).vertex_accuracy_km is not None
                 and np.ptp(tl.state(i).vertex_accuracy_km) > 0)  # fmt: skip
    state = tl.state(index)

    def held(lines, zone):
        return zones.opposition_side(lines["line"], zone)

    stretches = scenarios.area_range_km2(held, {"line": (state.line.geometry, state.stretch_accuracy_km)})
    worst = scenarios.area_range_km2(held, {"line": (state.line.geometry, float(state.vertex_accuracy_km.max()))})
    assert stretches[0] == pytest.approx(worst[0])
    assert worst[1] < stretches[1] < stretches[0] < stretches[2] < worst[2]
    row = timeline.timeline_table("hand", ranges=True).iloc[index]
    assert (row["opposition_km2_low"], row["opposition_km2_high"]) == pytest.approx(stretches[1:], rel=1e-6)


def test_simulated_offsets_have_each_stretchs_spread():
    """σ per vertex (1 km at one end, 3 km at the other): each vertex's draws spread by its own σ."""
    distance = np.arange(0, 100_001, 1000.0)
    sigma = np.linspace(1000.0, 3000.0, len(distance))
    draws = simulation.smooth_offsets_m(distance, sigma, 20_000.0, 6000, np.random.default_rng(5))
    assert draws[:, 0].std() == pytest.approx(1000, rel=0.05)
    assert draws[:, 50].std() == pytest.approx(2000, rel=0.05)
    assert draws[:, -1].std() == pytest.approx(3000, rel=0.05)


def test_simulated_interval_narrows_with_more_accurate_stretches():
    """Two lines crossing a 60 km square 25 km south of Idlib city (the simulation's opposition side,
    far beyond either line's accuracy), the second known to 1 km: the first line stating 6 → 1 km
    along it (1 km in the east, where the area taken lies) gives half the spread of the area taken
    that the same line stating 6 km all along gives."""
    south = LocalProjection(36.63, 35.70)
    square = south.to_lonlat(shapely.box(-30_000, -30_000, 30_000, 30_000))
    first = south.to_lonlat(shapely.LineString([(-30_000, -30_000 * SLOPE), (30_000, 30_000 * SLOPE)]))
    after = (south.to_lonlat(shapely.LineString([(-30_000, -20_000), (30_000, 20_000)])), 1.0)
    tapered = simulation.simulate_taken_km2((first, [6.0, 1.0]), after, square, draws=80)
    worst = simulation.simulate_taken_km2((first, 6.0), after, square, draws=80)
    spread = [np.subtract(*np.percentile(x, [95, 5])) for x in (tapered, worst)]
    assert spread[0] < 0.7 * spread[1]


@pytest.mark.parametrize("west_km, east_km", [(0.0, 6.0), (6.0, 0.0)])
def test_an_exact_end_still_moves_the_rest_of_the_line_to_the_right_side(west_km, east_km):
    """An accuracy of 0 at one end (the line known exactly there) used to put one of the moved lines on
    the other side, so one bound vanished."""
    got = _north_side_km2([west_km, east_km])
    assert got[-6.0] == pytest.approx(_north_of_tapered_km2(-1.0, west_km, east_km), rel=0.003)
    assert got[6.0] == pytest.approx(_north_of_tapered_km2(1.0, west_km, east_km), rel=0.003)
    assert got[6.0] < got[0.0] < got[-6.0]


def test_parts_of_a_multiline_of_different_lengths_each_move_by_their_own_accuracy():
    """Two parts, 30 km and 50 km long, accuracy 2 → 3 km on the first and 3 → 4 km on the second."""
    parts = PROJ.to_lonlat(shapely.MultiLineString([[(-40_000, 0), (-10_000, 0)], [(0, 0), (50_000, 0)]]))
    (_, south, north) = scenarios.scenarios({"line": (parts, [2.0, 3.0, 3.0, 4.0])}, BOX, edge=False)
    for scenario, sign in ((north, 1), (south, -1)):
        moved = PROJ.to_metric(scenario.lines["line"])
        for x, expected_m in ((-25_000, 2500), (25_000, 3500)):  # each part's middle
            y = shapely.get_coordinates(shapely.intersection(moved, shapely.LineString([(x, -9000), (x, 9000)])))
            assert len(y) == 1 and y[0, 1] == pytest.approx(sign * expected_m, abs=30)


def test_a_user_timeline_keeps_its_vertices_accuracies_and_a_line_moved_past_the_edge_holds_all(tmp_path):
    """The hand timeline written by geopandas (its ``vertices`` read back as a list, not text) is a user
    timeline with the same per-stretch accuracies; with one accuracy per line only, the 1 Dec 2024 line
    moved 8 km south leaves the area: the high end of its range is the whole area, never more."""
    hand = gpd.read_file(data.geodata_dir() / "contact_line_timeline.geojson")
    hand.to_file(tmp_path / "with_vertices.geojson")
    mine = timeline.load_timeline(tmp_path / "with_vertices.geojson")
    shipped = timeline.load_timeline(hand)
    for i in range(len(hand)):
        assert np.array_equal(mine.vertex_accuracy_km(i), shipped.vertex_accuracy_km(i))
    hand.drop(columns="vertices").to_file(tmp_path / "one_accuracy.geojson")
    table = timeline.timeline_table(tmp_path / "one_accuracy.geojson", ranges=True).set_index("as_of")
    whole = geodesic_area_km2(zones.as_area(None).geometry)
    assert table.loc["2024-12-01", "opposition_km2_high"] == pytest.approx(whole)
    assert (table["opposition_km2_low"] <= table["opposition_km2"]).all()
    assert (table["opposition_km2"] <= table["opposition_km2_high"]).all()


def test_a_stretch_two_lines_share_errs_as_one_and_the_rest_is_drawn_given_it():
    """Two dated lines that coincide on their western half (the front did not move there): in every
    draw the later line lies on the earlier one along that half, and its eastern half is drawn
    conditioned on it (free again a few correlation lengths away)."""
    rng = np.random.default_rng(9)
    x = np.arange(0, 100_001, 1000.0)
    before = shapely.LineString(np.column_stack([x, np.zeros_like(x)]))
    after = shapely.LineString(np.column_stack([x, np.where(x <= 50_000, 0.0, (x - 50_000) * 0.2)]))
    first, drawn = simulation.simulated_lines_m(before, 5.0, 300, rng, 20.0)
    second, _ = simulation.simulated_lines_m(after, 5.0, 300, rng, 20.0, follow=(before, drawn))
    west = shapely.LineString([(0, 0), (45_000, 0)]).buffer(12_000, cap_style="flat")
    for a, b in zip(first[:20], second[:20]):
        assert shapely.hausdorff_distance(a.intersection(west), b.intersection(west)) < 1.0
    spread = np.array([shapely.get_coordinates(line)[-1, 1] - 10_000 for line in second])  # the far end's offset
    assert spread.std() == pytest.approx(5000 / 1.96, rel=0.15)


def test_the_interval_of_an_area_taken_holds_it_where_the_front_barely_moved():
    """1 Oct 2018 to 12 May 2019 on the hand lines: 68 km² taken. Drawn independently, the two lines'
    errors along the shared front made a "taken" area of their own (90 % interval 86-661 km², without
    the 68); erring as one there, the interval holds it."""
    taken = areas.taken_between_km2("2018-10-01", "2019-05-12", draws=120, source="hand")
    assert taken["interval_low_km2"] < taken["area_km2"] < taken["interval_high_km2"]
    assert taken["interval_high_km2"] < 200


def test_a_range_that_does_not_move_both_ways_is_no_range_and_says_why():
    """A line that runs along the area's edge between its stretches (the 30 Nov 2024 evidence line) moved
    toward the opposition leaves the opposition-held area as it was: that is no
    bound, so the row has no range and says why; every range given moves both ways."""
    table = timeline.timeline_table(ranges=True).set_index("as_of")
    given = table["no_range_reason"].isna()
    assert (table.loc[given, "opposition_km2_low"] < table.loc[given, "opposition_km2"]).all()
    assert (table.loc[given, "opposition_km2"] < table.loc[given, "opposition_km2_high"]).all()
    reason = table.loc["2024-11-30", "no_range_reason"]
    assert "does not bound the area on both sides" in reason and "4,182" in reason
    assert np.isnan(table.loc["2024-11-30", "opposition_km2_low"])
