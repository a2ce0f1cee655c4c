"""Areas against pyproj.Geod and the area table's consistency."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import zonemap
from zonemap.geodesy.projection import GEOD
from zonemap.model import areas as measure
from zonemap.model import scenarios, zones


def test_geodesic_area_matches_geod_polygon_area():
    lons, lats = [36.0, 37.0, 37.0, 36.0], [35.0, 35.0, 36.0, 36.0]
    expected = abs(GEOD.polygon_area_perimeter(lons, lats)[0]) / 1e6
    assert measure.geodesic_area_km2(shapely.Polygon(zip(lons, lats))) == pytest.approx(expected, rel=1e-12)
    assert 9000 < expected < 10500  # a 1x1 degree cell at 35 N


def test_area_is_orientation_free_and_vectorised():
    box = shapely.box(36.0, 35.0, 36.5, 35.5)
    areas = measure.geodesic_area_km2([box, box.reverse(), shapely.Point(36, 35), None])
    assert areas[0] == pytest.approx(areas[1]) and areas[2] == 0 and areas[3] == 0


@pytest.fixture(scope="module")
def table():
    return measure.area_table().set_index("zone")


def test_area_table_rows_are_consistent(table):
    dmz15, dmz20 = (
        table.loc["Sochi DMZ, 15 km (2018 line)", "area_km2"],
        table.loc["Sochi DMZ, 20 km (2018 line)", "area_km2"],
    )
    assert 0 < dmz15 < dmz20 < table.loc["Idlib de-escalation area", "area_km2"]
    taken = table.loc["Sochi DMZ 20 km (2018): taken by the government between 2018-09-17 and 2020-03-05", "area_km2"]
    kept = table.loc["Sochi DMZ 20 km (2018): still held by the opposition on 2020-03-05", "area_km2"]
    assert taken + kept == pytest.approx(dmz20, rel=1e-5)
    assert taken > 0 and kept > 0
    assert table["area_km2"].gt(0).all()


def test_width_sweep_matches_table_and_increases(table):
    sweep = measure.width_sweep()
    assert sweep["width_km"].tolist() == [15, 16, 17, 18, 19, 20]
    assert np.all(np.diff(sweep["area_km2"]) > 0)
    assert sweep["area_km2"].iloc[-1] == pytest.approx(table.loc["Sochi DMZ, 20 km (2018 line)", "area_km2"])


# --------------------------------------------------------------------------- ranges under the stated accuracy
def test_every_area_lies_within_its_range(table):
    assert (table["area_km2_low"] <= table["area_km2"]).all()
    assert (table["area_km2"] <= table["area_km2_high"]).all()
    assert (table["area_km2_high"] > table["area_km2_low"]).all()  # every shipped line states an accuracy


def test_m4_row_is_the_corridor_and_its_range_comes_from_the_road(table):
    row = table.loc["M4 security corridor, 6 km each side"]
    assert row["area_km2"] == pytest.approx(float(zonemap.m4_corridor()["area_km2"].iloc[0]), rel=1e-9)
    assert 0 < row["area_km2_high"] - row["area_km2_low"] < 0.1 * row["area_km2"]  # a road moved sideways


def test_zero_accuracy_gives_no_range():
    line = zones.as_line("2018").geometry
    user_line = gpd.GeoDataFrame({"accuracy_km": [0.0]}, geometry=[line], crs="EPSG:4326")
    table = measure.area_table(contact_line=user_line, later_line="2020").set_index("zone")
    dmz = table[table.index.str.startswith("Sochi DMZ,")]
    assert len(dmz) == 2 and (dmz["area_km2_low"] == dmz["area_km2"]).all()
    assert (dmz["area_km2_high"] == dmz["area_km2"]).all()
    sweep = measure.width_sweep((15, 20), contact_line=user_line)
    assert sweep["area_km2_low"].equals(sweep["area_km2"]) and sweep["area_km2_high"].equals(sweep["area_km2"])


def test_range_grows_with_the_stated_accuracy():
    line = zones.as_line("2018").geometry

    def band(lines, area):
        return zones.dmz_geometry(lines["line"], 20.0, area=area)

    spans = []
    for accuracy_km in (1.0, 3.0, 5.0):
        area, low, high = scenarios.area_range_km2(band, {"line": (line, accuracy_km)})
        assert low <= area <= high
        spans.append(high - low)
    assert 0 < spans[0] < spans[1] < spans[2]


def test_width_sweep_ranges_contain_the_areas():
    sweep = measure.width_sweep((15, 20))
    assert (sweep["area_km2_low"] < sweep["area_km2"]).all() and (sweep["area_km2"] < sweep["area_km2_high"]).all()
