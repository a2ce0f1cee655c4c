"""The shipped data: provenance on every feature, valid geometry, known figures."""

import json

import pytest
import shapely

from zonemap import data
from zonemap.measure import geodesic_area_km2

PROVENANCE = ("source", "as_of", "accuracy_km", "notes")


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


def test_idlib_governorate_area_within_ten_percent_of_official():
    govs = data.load_layer("governorates")
    area = geodesic_area_km2(govs.loc[govs["name"] == "Idlib"].geometry.iloc[0])
    assert abs(area - 6097.0) / 6097.0 < 0.10
    note = govs.loc[govs["name"] == "Idlib", "notes"].item()
    assert f"{area:,.0f}" in note  # the stated gap is the measured one


def test_required_layers_are_present():
    govs = set(data.load_layer("governorates")["name"])
    assert {"Idlib", "Aleppo", "Hama", "Latakia"} <= govs
    assert {"Syria", "Turkey"} <= set(data.load_layer("countries")["name"])
    assert set(data.load_layer("de_escalation_areas")["zone"]) == {
        "idlib",
        "northern_homs",
        "eastern_ghouta",
        "southern",
    }
    assert set(data.load_layer("contact_lines")["as_of"]) == {"2018-09-17", "2020-03-05"}
    assert set(data.load_layer("roads")["ref"]) == {"M4", "M5"}
    places = data.load_layer("places")
    assert len(places) >= 40
    assert (places["kind"] == "observation_post").sum() >= 10


def test_contact_lines_start_on_the_turkish_border():
    countries = data.load_layer("countries").set_index("name").geometry
    border = shapely.intersection(countries["Syria"].boundary, countries["Turkey"].buffer(0.01))
    for line in data.load_layer("contact_lines").geometry:
        assert shapely.distance(shapely.Point(line.coords[0]), border) < 1e-5


def test_unknown_names_are_refused_clearly():
    with pytest.raises(data.InputError, match="unknown contact line '1999'"):
        data.contact_line("1999")
    with pytest.raises(data.InputError, match="no place named"):
        data.place("Atlantis")
