"""The GeoPackage export opens styled in GIS clients: layer_styles (QML + SLD), DATE fields, aliases.

The real-client check (PyQGIS loading the file) is tests/test_qgis.py.
"""

import datetime
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from zonemap.render import export, styles
from zonemap.render.layers import OVERLAYS

SLD = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "zones.gpkg"
    counts = export.export_layers(path, "gpkg")
    return path, counts


@pytest.fixture(scope="module")
def db(gpkg):
    connection = sqlite3.connect(gpkg[0])
    yield connection
    connection.close()


def _feature_tables(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]


def _styles(db) -> dict[str, dict]:
    db.row_factory = sqlite3.Row
    try:
        return {row["f_table_name"]: dict(row) for row in db.execute("SELECT * FROM layer_styles")}
    finally:
        db.row_factory = None


def _matches(rule: styles.Rule, record: dict, rules) -> bool:
    """Reference reading of a rule: field equals value; ELSE when no other rule's equality holds."""
    if rule.filter != styles.ELSE:
        field, value = rule.filter
        return record.get(field) == value
    return not any(record.get(other.filter[0]) == other.filter[1] for other in rules if other.filter != styles.ELSE)


def test_layer_styles_table_is_qgis_shaped_with_one_default_style_per_layer(gpkg, db):
    path, counts = gpkg
    columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
    assert columns == ["fid", *export.LAYER_STYLES_COLUMNS]
    assert db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone() == (
        "attributes",
    )
    defaults = db.execute(
        "SELECT f_table_name, count(*) FROM layer_styles WHERE useAsDefault GROUP BY f_table_name"
    ).fetchall()
    assert dict(defaults) == {name: 1 for name in counts}
    assert set(_feature_tables(db)) == set(counts) == set(styles.LAYER_STYLES)
    geometry_columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    for name, row in _styles(db).items():
        # QGIS finds a layer's style by schema '' + table + geometry column
        assert (row["f_table_catalog"], row["f_table_schema"]) == ("", "")
        assert row["f_geometry_column"] == geometry_columns[name]
        assert row["styleName"] == styles.LAYER_STYLES[name].title
        assert row["update_time"].endswith("Z")  # GeoPackage DATETIME, UTC


def test_layers_have_readable_titles(db):
    titles = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents WHERE data_type = 'features'"))
    assert titles["sochi_dmz"] == "Sochi DMZ bands"
    assert titles == {name: spec.title for name, spec in styles.LAYER_STYLES.items()}


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_qml_parses_and_draws_in_the_map_colours(gpkg, db, layer):
    row = _styles(db)[layer]
    root = ET.fromstring(row["styleQML"])
    assert root.tag == "qgis"
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "RuleRenderer"
    spec = styles.LAYER_STYLES[layer]
    rules = renderer.findall("rules/rule")
    assert [rule.get("label") for rule in rules] == [rule.label for rule in spec.rules]
    for element, rule in zip(rules, spec.rules):
        symbol = renderer.find(f"symbols/symbol[@name='{element.get('symbol')}']")
        options = {o.get("name"): o.get("value") for o in symbol.findall("layer/Option/Option")}
        style = rule.style()
        if symbol.get("type") == "marker":
            expected, found = style["point"]["fillColor"], options["color"]
        elif symbol.get("type") == "line":
            expected, found = style["color"], options["line_color"]
        else:
            expected, found = style["color"], options["outline_color"]
        assert found.split(",")[:3] == [str(int(expected[i : i + 2], 16)) for i in (1, 3, 5)]
    fields = pyogrio.read_info(gpkg[0], layer=layer)["fields"]
    aliases = {alias.get("field"): alias.get("name") for alias in root.findall("aliases/alias")}
    assert aliases == {field: styles.field_alias(field) for field in fields}
    assert all(alias and alias != field for field, alias in aliases.items() if field != "name")


def test_qml_carries_exact_colours_and_dashes():
    text = styles.qml("dmz_edges", "line", ["edge"])
    assert "139,0,0,255" in text  # #8b0000, the DMZ edges' colour
    root = ET.fromstring(text)
    dashed = {o.get("name"): o.get("value") for o in root.find("renderer-v2/symbols/symbol[@name='0']/layer/Option")}
    assert dashed["use_custom_dash"] == "1" and dashed["customdash"] == "2.12;1.59"  # 8 6 px at 96 dpi, in mm
    fill = styles.qml("sochi_dmz", "polygon", [])
    assert "214,39,40,71" in fill  # #d62728 at fillOpacity 0.28 (inner band)


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_sld_parses_and_names_the_colours(db, layer):
    root = ET.fromstring(_styles(db)[layer]["styleSLD"].encode("utf-8"))
    rules = root.findall(".//se:Rule", SLD)
    spec = styles.LAYER_STYLES[layer]
    assert [r.find("se:Name", SLD).text for r in rules] == [rule.label for rule in spec.rules]
    colours = {p.text for p in root.iter(f"{{{SLD['se']}}}SvgParameter") if p.get("name") in ("fill", "stroke")}
    for rule in spec.rules:
        style = rule.style()
        assert style.get("point", style)["color"] in colours


@pytest.mark.parametrize("layer", sorted(styles.LAYER_STYLES))
def test_every_feature_is_drawn_by_exactly_one_rule_and_every_rule_draws(gpkg, layer):
    frame = export.with_dates(export.all_layers()[layer])
    rules = styles.LAYER_STYLES[layer].rules
    hits = [[rule.label for rule in rules if _matches(rule, record, rules)] for record in frame.to_dict("records")]
    assert all(len(hit) == 1 for hit in hits), hits
    catch_all = {rule.label for rule in rules if rule.filter == styles.ELSE and len(rules) > 1}
    assert {rule.label for rule in rules} - catch_all <= {hit[0] for hit in hits}


def test_dates_are_real_date_fields(gpkg, db):
    path, counts = gpkg
    for layer in counts:
        types = {row[1]: row[2] for row in db.execute(f'PRAGMA table_info("{layer}")')}
        assert types["as_of"] == "DATE", layer
    assert pyogrio.read_info(path, layer="contact_lines")["ogr_types"][2] == "OFTDate"
    lines = gpd.read_file(path, layer="contact_lines")
    assert sorted(lines["as_of"].dt.date) == [styles.LINE_2018, styles.LINE_2020]
    assert db.execute("SELECT as_of FROM contact_lines ORDER BY as_of").fetchall() == [
        ("2018-09-17",),
        ("2020-03-05",),
    ]


def test_features_match_the_model(gpkg):
    path, counts = gpkg
    layers = export.all_layers()
    assert counts == {name: len(frame) for name, frame in layers.items()}
    dmz = gpd.read_file(path, layer="sochi_dmz")
    assert dmz["area_km2"].tolist() == pytest.approx(layers["sochi_dmz"]["area_km2"].tolist())
    assert dmz.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "values, converted",
    [
        (["2018-09-17", None], [datetime.date(2018, 9, 17), None]),
        (["2018-09-17", "2018-02-30"], None),  # not a calendar day: stays text
        (["2018-09", "2019-01"], None),  # a month is not a date
        (["2018-09-17", "soon"], None),
        (["M4", "M5"], None),
    ],
)
def test_with_dates_converts_only_columns_of_iso_days(values, converted):
    frame = gpd.GeoDataFrame({"as_of": values}, geometry=[shapely.Point(36, 35)] * 2, crs=4326)
    result = export.with_dates(frame)["as_of"].tolist()
    assert result == (converted if converted is not None else values)


def test_a_layer_without_a_style_is_written_plain(tmp_path):
    path = tmp_path / "x.gpkg"
    plain = gpd.GeoDataFrame({"as_of": ["2020-03-05"]}, geometry=[shapely.Point(36, 35)], crs=4326)
    export.write_geopackage({"m4_corridor": export.all_layers()["m4_corridor"], "mine": plain}, path)
    with sqlite3.connect(path) as connection:
        assert [r[0] for r in connection.execute("SELECT f_table_name FROM layer_styles")] == ["m4_corridor"]
        assert {row[1]: row[2] for row in connection.execute("PRAGMA table_info(mine)")}["as_of"] == "DATE"


def test_field_alias_spells_out_unknown_fields():
    assert styles.field_alias("dist_line_2018_km") == "Dist line 2018 (km)"
    assert styles.field_alias("pcode") == "OCHA P-code"
    assert styles.field_alias("x") == "X"


def test_every_overlay_colour_used_by_the_styles_is_the_maps():
    used = {rule.overlay for spec in styles.LAYER_STYLES.values() for rule in spec.rules}
    assert used <= set(OVERLAYS)
    assert used >= {"idlib", "astana", "dmz", "dmz_edges", "line_2018", "line_2020", "m4_corridor", "roads"}


def test_geojson_and_parquet_keep_iso_text_dates(tmp_path):
    path = tmp_path / "zones.parquet"
    export.export_layers(path, "parquet")
    frame = pd.read_parquet(path, columns=["layer", "as_of"])
    assert frame.loc[frame["layer"] == "contact_lines", "as_of"].tolist() == ["2018-09-17", "2020-03-05"]


def test_a_layer_of_unknown_geometry_kind_is_written_unstyled(tmp_path):
    path = tmp_path / "x.gpkg"
    empty = export.all_layers()["m4_corridor"].iloc[:0]  # no features: GDAL cannot tell the geometry type
    export.write_geopackage({"m4_corridor": empty, "roads": export.all_layers()["roads"]}, path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM m4_corridor").fetchone() == (0,)
        assert [r[0] for r in connection.execute("SELECT f_table_name FROM layer_styles")] == ["roads"]
