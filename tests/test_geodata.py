"""The shipped data: provenance on every feature, valid geometry, OCHA boundaries, known figures."""

import gzip
import hashlib
import io
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely

from zonemap.geodesy.projection import GEOD, LocalProjection
from zonemap.model import data
from zonemap.model.areas import geodesic_area_km2

PROVENANCE = ("source", "as_of", "accuracy_km", "notes")
SOURCES = data.geodata_dir() / "sources"
OCHA_FILE = SOURCES / "ocha_cod_ab_syr_adm1_v02.geojson.gz"
OCHA_SHA256 = "fe341135655f5964f8acd098712c4639f2220ee57f719f93b8812368c23140ad"  # ../shared/DATA.md
#: Largest distance (m) the simplification may move an edge of OCHA's outlines.
MAX_EDGE_SHIFT_M = 100.0


@pytest.mark.parametrize("name", data.LAYERS)
def test_every_feature_carries_provenance(name):
    collection = json.loads((data.geodata_dir() / f"{name}.geojson").read_text(encoding="utf-8"))
    assert collection["features"], name
    for feature in collection["features"]:
        props = feature["properties"]
        missing = [key for key in PROVENANCE if key not in props or props[key] in (None, "")]
        assert not missing or missing == ["notes"] and name == "places", (name, props.get("name"), missing)
        assert props["accuracy_km"] > 0
        assert len(props["as_of"]) == 10 and props["as_of"][4] == "-"


@pytest.mark.parametrize("name", data.LAYERS)
def test_layers_are_valid_lon_lat(name):
    layer = data.load_layer(name)
    assert layer.crs.to_epsg() == 4326
    assert layer.geometry.is_valid.all()
    assert not layer.geometry.is_empty.any()
    minx, miny, maxx, maxy = layer.total_bounds
    assert 34 < minx and maxx < 44 and 31 < miny and maxy < 39  # Syria and its neighbours


# --------------------------------------------------------------------------- OCHA boundaries
@pytest.fixture(scope="module")
def ocha():
    """OCHA's admin-1 file as shipped in geodata/sources (the published bytes, gzip-compressed)."""
    raw = gzip.decompress(OCHA_FILE.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == OCHA_SHA256
    return gpd.read_file(io.BytesIO(raw)).set_index("ADM1_PCODE")


def test_every_governorate_carries_its_ocha_pcode_and_names(ocha):
    govs = data.load_layer("governorates")
    assert len(govs) == 14 and govs["pcode"].is_unique
    assert all(re.fullmatch(r"SY\d\d", code) for code in govs["pcode"])
    assert set(govs["pcode"]) == set(ocha.index)
    for row in govs.itertuples():
        assert row.name_en == ocha.loc[row.pcode, "ADM1_EN"] == row.name
        assert row.name_ar == ocha.loc[row.pcode, "ADM1_AR"] and re.search("[\u0600-\u06ff]", row.name_ar)
        assert "OCHA, UNCS" in row.source and "CC BY 3.0 IGO" in row.source and OCHA_SHA256 in row.source
    idlib = govs.set_index("pcode").loc["SY07"]
    assert (idlib["name_en"], idlib["name_ar"]) == ("Idleb", "إدلب")


def test_governorate_areas_are_ochas():
    govs = data.load_layer("governorates")
    area = geodesic_area_km2(govs.geometry)
    assert np.allclose(area, govs["area_km2_ocha"], rtol=1e-3)  # the simplification keeps areas within 0.1 %
    idlib = float(area[govs["pcode"].to_numpy() == "SY07"][0])
    assert round(idlib, 1) == 5416.5  # OCHA's own figure (../shared/DATA.md)
    assert f"{idlib:,.1f}" in govs.loc[govs["pcode"] == "SY07", "notes"].item()  # the stated area is the measured one


def test_simplification_keeps_every_edge_within_100_m(ocha):
    """Every vertex of OCHA's outlines lies within 100 m of the shipped outline, and every shipped
    vertex is one of OCHA's (within the 6-decimal rounding): the two outlines are within 100 m."""
    govs = data.load_layer("governorates").set_index("pcode").geometry
    worst_m, worst = 0.0, None
    for pcode, original in ocha.geometry.items():
        proj = LocalProjection.around(original)
        shipped_m = proj.to_metric(govs[pcode].boundary)
        original_xy = shapely.points(shapely.get_coordinates(original.boundary))
        shift_m = shapely.distance(proj.to_metric(original_xy), shipped_m)
        kept_xy = shapely.points(shapely.get_coordinates(govs[pcode].boundary))
        assert shapely.distance(proj.to_metric(kept_xy), proj.to_metric(original.boundary)).max() < 0.2
        if shift_m.max() > worst_m:
            worst_m = float(shift_m.max())
            far = original_xy[int(np.argmax(shift_m))]
            worst = far, shapely.ops.nearest_points(govs[pcode].boundary, far)[0]
    assert worst_m < MAX_EDGE_SHIFT_M
    far, near = worst
    # the metric frame agrees with pyproj.Geod on the worst case (nearest point taken in lon/lat)
    geodesic_m = GEOD.inv(far.x, far.y, near.x, near.y)[2]
    assert worst_m <= geodesic_m + 1.0 and geodesic_m < MAX_EDGE_SHIFT_M * 1.05


def test_syria_is_the_union_of_the_governorates():
    syria = data.load_layer("countries").set_index("name").geometry["Syria"]
    union = shapely.union_all(data.load_layer("governorates").geometry.to_numpy())
    assert geodesic_area_km2(shapely.symmetric_difference(syria, union)) < 0.01


def test_idlib_area_holds_the_idlib_governorate():
    area = data.de_escalation_area("idlib").geometry.iloc[0]
    idlib = data.load_layer("governorates").set_index("pcode").geometry["SY07"]
    assert area.geom_type == "Polygon"  # one piece: no slivers cut off along the border
    assert geodesic_area_km2(shapely.difference(idlib, area)) < 0.01
    syria = data.load_layer("countries").set_index("name").geometry["Syria"]
    assert geodesic_area_km2(shapely.difference(area, syria)) < 0.01


def test_ocha_source_is_credited():
    readme = (data.geodata_dir() / "README.md").read_text(encoding="utf-8")
    assert "OCHA, UNCS" in readme and "CC BY 3.0 IGO" in readme and OCHA_SHA256 in readme


# --------------------------------------------------------------------------- the rest
def test_required_layers_are_present():
    assert {"SY02", "SY05", "SY06", "SY07"} <= set(data.load_layer("governorates")["pcode"])
    assert {"Syria", "Turkey"} <= set(data.load_layer("countries")["name"])
    assert set(data.load_layer("de_escalation_areas")["zone"]) == {
        "idlib",
        "northern_homs",
        "eastern_ghouta",
        "southern",
    }
    assert set(data.load_layer("contact_lines")["as_of"]) == {"2018-09-17", "2020-03-05"}
    assert set(data.load_layer("roads")["ref"]) == {"M4", "M5"}


def test_contact_lines_start_on_the_turkish_border():
    countries = data.load_layer("countries").set_index("name").geometry
    border = shapely.intersection(countries["Syria"].boundary, countries["Turkey"].buffer(0.05))
    for line in data.load_layer("contact_lines").geometry:
        assert shapely.distance(shapely.Point(line.coords[0]), border) < 1e-5
        assert shapely.difference(line, countries["Syria"].buffer(1e-6)).is_empty  # and run inside Syria


def test_unknown_names_are_refused_clearly():
    with pytest.raises(data.InputError, match="unknown contact line '1999'"):
        data.contact_line("1999")
    with pytest.raises(data.InputError, match="no place named"):
        data.place("Atlantis")
