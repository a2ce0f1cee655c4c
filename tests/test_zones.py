"""The zone model against pyproj.Geod and hand-checkable cases."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import geodesic_distance_to_line_m, sample_points

from zonemap.errors import ArgumentError, InputError
from zonemap.model import data, zones
from zonemap.model.areas import geodesic_area_km2

TOLERANCE_M = 10.0


@pytest.mark.parametrize("line_key", ["2018", "2020"])
@pytest.mark.parametrize("edge, width_km", [("inner", 15.0), ("outer", 20.0)])
def test_dmz_edges_lie_at_the_requested_geodesic_distance(line_key, edge, width_km):
    edges = zones.dmz_edges(line_key, width_km=(15, 20)).set_index("edge")
    geometry = edges.geometry[edge]
    assert shapely.length(geometry) > 0.5  # degrees: a real edge, not a stub
    line = data.contact_line(line_key).geometry.iloc[0]
    dist = geodesic_distance_to_line_m(sample_points(geometry, 150), line)
    assert np.abs(dist - width_km * 1000).max() < TOLERANCE_M


def test_tapering_edge_follows_the_interpolated_width(straight_line):
    area = shapely.box(36.0, 35.5, 37.1066, 36.4)
    edge = zones.dmz_edges(
        straight_line, width_km=(15, 20), taper=True, area=area, opposition_at=shapely.Point(36.5, 36.1)
    ).geometry.iloc[0]
    points = sample_points(edge, 60)
    dist = geodesic_distance_to_line_m(points, straight_line)
    frac = (np.array([p.x for p in points]) - 36.0) / 1.1066
    inside = (frac > 0.05) & (frac < 0.95)  # away from the ends, where the nearest point is an end
    expected = 15000 + 5000 * frac
    assert np.abs(dist - expected)[inside].max() < 100  # width changes 50 m/km; sampling error < 100 m


def test_straight_line_one_sided_band_is_length_times_width(straight_line):
    from zonemap.geodesy.projection import geodesic_length_km

    area = shapely.box(36.0, 35.5, 37.1066, 36.4)  # the line runs from edge to edge
    band = zones.dmz_geometry(straight_line, 15, area=area, opposition_at=shapely.Point(36.5, 36.1))
    assert geodesic_length_km(straight_line) == pytest.approx(100, abs=0.5)
    # ends are cut square by the box's meridians, which are not quite normal to the parallel
    assert geodesic_area_km2(band) == pytest.approx(geodesic_length_km(straight_line) * 15, rel=0.005)
    assert band.centroid.y > 35.9  # on the side of the reference point (north)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("line_key", ["2018", "2020"])
def test_dmz_does_not_depend_on_digitising_direction(line_key, symmetric):
    line = data.contact_line(line_key).geometry.iloc[0]
    forward = zones.dmz_geometry(line, 20, symmetric=symmetric)
    backward = zones.dmz_geometry(line.reverse(), 20, symmetric=symmetric)
    assert geodesic_area_km2(backward) == pytest.approx(geodesic_area_km2(forward), rel=1e-4)
    assert geodesic_area_km2(shapely.symmetric_difference(forward, backward)) < 1e-4 * geodesic_area_km2(forward)


def test_m4_corridor_does_not_depend_on_direction():
    section = zones.corridor_section().geometry
    forward = zones.m4_corridor(section, north_km=6, south_km=3).geometry.iloc[0]
    backward = zones.m4_corridor(section.reverse(), north_km=6, south_km=3).geometry.iloc[0]
    assert geodesic_area_km2(backward) == pytest.approx(geodesic_area_km2(forward), rel=1e-4)
    assert forward.centroid.y > section.centroid.y  # the wider side is north


def test_m4_corridor_area_is_section_length_times_width():
    from zonemap.geodesy.projection import geodesic_length_km

    section = zones.corridor_section().geometry
    # bends overlap or open up a little on each side; flat ends add nothing, round ends one 6 km disc
    flat = float(zones.m4_corridor()["area_km2"].iloc[0])
    assert flat == pytest.approx(geodesic_length_km(section) * 12, rel=0.03)
    rounded = float(zones.m4_corridor(ends="round")["area_km2"].iloc[0])
    assert rounded == pytest.approx(geodesic_length_km(section) * 12 + np.pi * 36, rel=0.03)


def test_m4_corridor_ends_square_across_the_road_at_trumba_and_ain_al_havr():
    from zonemap.geodesy.projection import LocalProjection

    section = zones.corridor_section().geometry
    corridor = zones.m4_corridor().geometry.iloc[0]
    proj = LocalProjection.around(section)
    road, band = proj.to_metric(section), proj.to_metric(corridor)
    for end in (road.coords[0], road.coords[-1]):  # the band reaches each end and stops within metres beyond it
        assert band.distance(shapely.Point(end)) < 1.0
        assert not band.buffer(-50).contains(shapely.Point(end).buffer(500))


def test_areas_grow_with_width():
    areas = [geodesic_area_km2(zones.dmz_geometry("2018", w)) for w in (5, 10, 15, 16, 17, 18, 19, 20, 30)]
    assert all(b > a for a, b in zip(areas, areas[1:]))


def test_symmetric_band_contains_the_one_sided_band():
    one = zones.dmz_geometry("2018", 20)
    both = zones.dmz_geometry("2018", 20, symmetric=True)
    assert geodesic_area_km2(shapely.difference(one, both)) < 0.01
    assert geodesic_area_km2(both) > geodesic_area_km2(one)


def test_dmz_is_clipped_to_the_de_escalation_area():
    area = data.de_escalation_area("idlib").geometry.iloc[0]
    band = zones.dmz_geometry("2018", 20, symmetric=True)
    assert geodesic_area_km2(shapely.difference(band, area)) < 0.01


def test_taper_area_lies_between_min_and_max():
    dmz = zones.sochi_dmz("2018", width_km=(15, 20))
    taper = zones.sochi_dmz("2018", width_km=(15, 20), taper=True)
    low, high = dmz["area_km2"]
    assert len(taper) == 1 and low < taper["area_km2"].item() < high


PLACES = [
    ("Idlib", "idlib_area", True),
    ("Hama", "idlib_area", False),
    ("Aleppo", "idlib_area", False),
    ("Latakia", "idlib_area", False),
    ("Saraqib", "m4_corridor", False),  # 2 km east of Trumba, where the corridor ends
    ("Ariha", "m4_corridor", True),
    ("Jisr al-Shughur", "m4_corridor", True),
    ("Idlib", "m4_corridor", False),
    ("Rastan", "northern_homs", True),
    ("Hama", "northern_homs", False),
    ("Khan Shaykhun", "dmz_2018_20km", True),
    ("Idlib", "dmz_2018_20km", False),
    ("Afrin", "idlib_area", False),
]


@pytest.fixture(scope="module")
def zone_geometries():
    areas = data.load_layer("de_escalation_areas").set_index("zone").geometry
    return {
        "idlib_area": areas["idlib"],
        "northern_homs": areas["northern_homs"],
        "m4_corridor": zones.m4_corridor().geometry.iloc[0],
        "dmz_2018_20km": zones.dmz_geometry("2018", 20),
    }


@pytest.mark.parametrize("place, zone, inside", PLACES)
def test_known_membership(zone_geometries, place, zone, inside):
    assert zone_geometries[zone].contains(data.place(place)) is inside


def test_user_line_in_another_crs_gives_the_same_band():
    line = data.contact_line("2018")
    utm = line.to_crs("EPSG:32637")  # UTM 37N
    ours = zones.dmz_geometry(line, 20)
    theirs = zones.dmz_geometry(utm, 20)
    assert geodesic_area_km2(theirs) == pytest.approx(geodesic_area_km2(ours), rel=1e-4)


def test_user_line_from_a_file(tmp_path):
    path = tmp_path / "front.geojson"
    data.contact_line("2020").to_file(path)
    frame = zones.sochi_dmz(str(path))
    assert frame["area_km2"].tolist() == pytest.approx(zones.sochi_dmz("2020")["area_km2"].tolist(), rel=1e-6)


@pytest.mark.parametrize(
    "bad, message",
    [
        (gpd.GeoDataFrame(geometry=[shapely.LineString([(36, 35), (37, 36)])]), "has no CRS"),
        (shapely.Point(36.6, 35.9), "expected line geometries"),
        (gpd.GeoDataFrame(geometry=[], crs=4326), "holds no features"),
        ("/nonexistent/front.geojson", "unknown contact line"),
        (shapely.LineString([(36.6, 35.9), (36.7, 35.95)]), "does not cut the area"),
        (gpd.GeoDataFrame(geometry=[shapely.LineString([(360, 35), (37, 36)])], crs=4326), "outside lon"),
    ],
)
def test_bad_user_lines_get_clear_errors(bad, message):
    with pytest.raises(InputError, match=message):
        zones.sochi_dmz(bad)


@pytest.mark.parametrize("width_km", [(0, 20), (-5, 20), (20, 15), (15, float("nan")), (15, "wide"), (1, 2, 3)])
def test_bad_widths_are_refused(width_km):
    with pytest.raises(ArgumentError):
        zones.sochi_dmz(width_km=width_km)


def test_government_side_of_2020_holds_what_the_offensives_took():
    taken = zones.government_side("2020")
    for town in ("Khan Shaykhun", "Maarat al-Numan", "Saraqib", "Kafranbel"):
        assert taken.contains(data.place(town)), town
    for town in ("Idlib", "Ariha", "Binnish", "Atarib"):
        assert not taken.contains(data.place(town)), town
