"""Areas against pyproj.Geod and the area table's consistency."""

import numpy as np
import pytest
import shapely

from zonemap import measure
from zonemap.projection import GEOD


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
    taken = table.loc["Sochi DMZ 20 km (2018) on the government side of the 2020 line", "area_km2"]
    kept = table.loc["Sochi DMZ 20 km (2018) still on the opposition side of the 2020 line", "area_km2"]
    assert taken + kept == pytest.approx(dmz20, rel=1e-5)
    assert taken > 0 and kept > 0
    assert table["area_km2"].gt(0).all()


def test_width_sweep_matches_table_and_increases(table):
    sweep = measure.width_sweep()
    assert sweep["width_km"].tolist() == [15, 16, 17, 18, 19, 20]
    assert np.all(np.diff(sweep["area_km2"]) > 0)
    assert sweep["area_km2"].iloc[-1] == pytest.approx(table.loc["Sochi DMZ, 20 km (2018 line)", "area_km2"])
