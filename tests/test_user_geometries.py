"""A user's own contact line or zone: repaired with a warning or refused, never a silently wrong DMZ."""

import geopandas as gpd
import pytest
import shapely

import zonemap
from zonemap import InputError, cli
from zonemap.errors import ZonemapWarning

LINE = zonemap.contact_line("2018").geometry.iloc[0]
COORDS = shapely.get_coordinates(LINE)


def _file(tmp_path, geometry, crs="EPSG:4326", name="line.geojson"):
    path = tmp_path / name
    gpd.GeoDataFrame({"name": ["mine"]}, geometry=[geometry], crs=crs).to_file(path)
    return str(path)


@pytest.mark.parametrize(
    "geometry, message",
    [
        (shapely.LineString([(36.2, 35.4), (37.0, 36.2), (37.0, 35.4), (36.2, 36.2)]), "crosses itself near 36.6000"),
        (shapely.Point(36.6, 35.9), "expected line geometries for the contact line, got Point"),
        (shapely.Polygon([(36, 35), (37, 35), (37, 36)]), "expected line geometries"),
        (shapely.LineString([(36.6, 35.9), (36.6, 35.9)]), "zero length"),
    ],
)
def test_unusable_lines_are_refused_in_api_and_cli(tmp_path, geometry, message, capsys):
    path = _file(tmp_path, geometry)
    with pytest.raises(InputError, match=message):
        zonemap.sochi_dmz(path, symmetric=True)
    assert cli.main(["areas", "--contact-line", path]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputError, match="holds no features"):
        zonemap.sochi_dmz(str(path))


def test_repeated_points_are_removed_with_a_warning_and_change_nothing(tmp_path, capsys):
    doubled = shapely.LineString([COORDS[0], *COORDS[: len(COORDS) // 2], *COORDS[len(COORDS) // 2 - 1 :]])
    path = _file(tmp_path, doubled)
    with pytest.warns(ZonemapWarning, match="repeated points removed"):
        repaired = zonemap.sochi_dmz(path)
    assert repaired["area_km2"].tolist() == pytest.approx(zonemap.sochi_dmz()["area_km2"].tolist(), rel=1e-9)
    assert cli.main(["areas", "--contact-line", path]) == 0
    assert "zonemap: warning: " in capsys.readouterr().err


def test_other_crs_is_reprojected_not_misread(tmp_path):
    path = _file(tmp_path, LINE, name="utm.geojson")
    utm = _file(tmp_path, gpd.GeoSeries([LINE], crs="EPSG:4326").to_crs("EPSG:32637").iloc[0], crs="EPSG:32637")
    assert zonemap.sochi_dmz(utm)["area_km2"].tolist() == pytest.approx(
        zonemap.sochi_dmz(path)["area_km2"].tolist(), rel=1e-6
    )


def test_invalid_zone_polygon_is_repaired_with_a_warning(tmp_path):
    area = zonemap.de_escalation_area("idlib").geometry.iloc[0]
    minx, miny, maxx, maxy = area.bounds
    bowtie = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    path = _file(tmp_path, bowtie, name="zone.geojson")
    with pytest.warns(ZonemapWarning, match="Self-intersection"):
        dmz = zonemap.sochi_dmz(area=path, symmetric=True)
    assert dmz.geometry.is_valid.all() and (dmz["area_km2"] > 0).all()
