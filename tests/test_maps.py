"""Map building: layers, reproducible bytes, data that cannot run as template or script."""

import json
import re

import pytest

from zonemap import cli
from zonemap.model import data
from zonemap.render import maps
from zonemap.render.layers import drawn_layers

PAYLOAD = "{{ 7*7 }} {% for x in range(3) %}X{% endfor %} </script><script>alert(1)</script> \u2028 `${x}` \"'&"


def _data_block(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="zonemap-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_map_carries_every_overlay_with_provenance():
    html = maps.zone_map().get_root().render()
    layers = _data_block(html)
    # no user line given; the line of a date and the area held then only with as_of
    assert set(layers) == set(drawn_layers()) == set(maps.OVERLAYS) - {"contact_line", "held", "line_as_of"}
    for key, collection in layers.items():
        assert collection["features"], key
        for feature in collection["features"]:
            assert feature["properties"]["source"] and feature["properties"]["as_of"], key
    areas = [f["properties"]["area_km2"] for f in layers["dmz"]["features"]]
    assert all(a > 1000 for a in areas)
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.4" in html  # default mode links the CDN


def test_same_inputs_give_byte_identical_html(tmp_path):
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    maps.save_map(maps.zone_map(), first)
    maps.save_map(maps.zone_map(), second)
    assert first.read_bytes() == second.read_bytes()
    assert "z00001" in first.read_text()


def test_self_contained_map_links_nothing_external(tmp_path):
    path = tmp_path / "offline.html"
    size = maps.save_map(maps.zone_map(offline=True), path, self_contained=True)
    html = path.read_text()
    assert size < 2_000_000
    assert not re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="https?://', html)
    assert "L.Control.Measure" in html or "Measure" in html


def test_data_text_is_neither_templated_nor_script(tmp_path):
    line = data.contact_line("2018").assign(name=PAYLOAD)
    path = tmp_path / "front.geojson"
    line.to_file(path)
    html = maps.zone_map(contact_line=str(path)).get_root().render()
    assert "</script><script>alert(1)" not in html
    assert "\u2028" not in html
    assert PAYLOAD not in html  # only the escaped form reaches the page
    names = [f["properties"]["name"] for f in _data_block(html)["dmz"]["features"]]
    assert all(PAYLOAD in name for name in names)  # the JSON round-trips the text unchanged, unrendered
    assert "49" not in "".join(names) and "XXX" not in "".join(names)


def test_cli_map_writes_html(tmp_path, capsys):
    out = tmp_path / "map.html"
    assert cli.main(["map", "-o", str(out), "--width-km", "10", "15", "--contact-line", "2020"]) == 0
    assert "wrote" in capsys.readouterr().out and out.stat().st_size > 100_000
    assert cli.main(["map", "-o", str(tmp_path / "nofolder" / "x.html")]) == 2


def _legend(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="zonemap-legend">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_cli_map_legend_follows_the_options_used(tmp_path):
    out = tmp_path / "map.html"
    assert cli.main(["map", "-o", str(out), "--contact-line", "2020", "--width-km", "10", "25"]) == 0
    labels = [entry["label"] for entry in _legend(out.read_text())["entries"]]
    assert "DMZ 10-25 km, opposition side of the 2020 contact line" in labels
    assert "DMZ edges: 10 km dashed, 25 km solid" in labels
    assert not any("15-20" in label or "Sochi" in label for label in labels)


def test_chosen_layers_colours_title_and_user_files_are_all_and_only_what_is_drawn(tmp_path):
    import geopandas as gpd
    import shapely

    area = tmp_path / "patrols.geojson"
    gpd.GeoDataFrame({"name": ["Patrol box"]}, geometry=[shapely.box(36.5, 35.7, 36.7, 35.9)], crs=4326).to_file(area)
    m = maps.zone_map(layers=["idlib", "dmz", "towns"], colours={"dmz": "#123456", "user1": "#00ff00"},
                      user_layers=[str(area)], title="My report map", date_control=False)  # fmt: skip
    html = m.get_root().render()
    legend = _legend(html)
    assert legend["title"] == "My report map"
    assert [e["label"] for e in legend["entries"]] == [
        "Idlib de-escalation area (2017-18)",
        "Sochi DMZ 15-20 km, opposition side of the 2018 contact line",
        "Towns",
        "patrols",
    ]
    assert legend["styles"]["dmz"]["color"] == "#123456" and legend["styles"]["user1"]["color"] == "#00ff00"
    assert _data_block(html)["user1"]["features"][0]["properties"]["name"] == "Patrol box"
    assert "zonemap-timeline" not in html


def test_posts_numbered_and_arabic_labels_in_the_data():
    layers = maps.map_layers(layers=["posts", "towns"], lang="ar")
    numbers = [f["properties"]["number"] for f in layers["posts"]["features"]]
    assert numbers == [str(n) for n in range(1, 13)]
    labels = {f["properties"]["name"]: f["properties"]["label"] for f in layers["towns"]["features"]}
    assert labels["Idlib"] == "إدلب"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--colour", "dmz=red"], "must be #rrggbb"),
        (["--colour", "nolayer=#ff0000"], "which is not drawn"),
        (["--layers", "dmz", "--colour", "towns=#ff0000"], "which is not drawn"),
        (["--lang", "fr"], "invalid choice"),
    ],
)
def test_bad_drawing_options_exit_2_with_one_line(tmp_path, args, message, capsys):
    assert cli.main(["map", "-o", str(tmp_path / "m.html"), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and message in err


def test_timeline_payload_has_every_dated_line_with_area_and_halo():
    from zonemap.model import timeline

    def payload(source):
        html = maps.zone_map(layers=["idlib"], timeline_source=source).get_root().render()
        block = re.search(r'<script type="application/json" id="zonemap-timeline">(.*?)</script>', html, re.S)
        return json.loads(block.group(1))

    default = payload(None)  # the evidence lines, each with its own area
    lines = timeline.load_timeline()
    assert [s["as_of"] for s in default["states"]] == lines.as_of
    assert [s["until"] for s in default["states"]] == lines.valid_until
    assert [s["opposition_km2"] for s in default["states"]] == [round(s.opposition_km2, 1) for s in lines.states()]
    assert default["end"] == "2024-12-08"
    hand = payload("hand")["states"]
    assert [s["as_of"] for s in hand] == timeline.hand_timeline().as_of
    areas = [s["opposition_km2"] for s in hand][:6]  # to 5 Mar 2020, then the offensive of 2024
    assert areas == sorted(areas, reverse=True)
    assert hand[-1]["until"] == "2024-12-03"
    assert all(s["halo"]["type"] in ("Polygon", "MultiPolygon") for s in default["states"] + hand)


@pytest.mark.parametrize("base, shown", [(None, "OpenStreetMap.Mapnik"), ("positron", "CartoDB.Positron"),
                                         ("none", None)])  # fmt: skip
def test_base_layer_shown_first_is_the_one_chosen(base, shown):
    import folium

    m = maps.zone_map(base=base, layers=["idlib"], date_control=False)
    tiles = {c.tile_name: c.show for c in m._children.values() if isinstance(c, folium.TileLayer)}
    assert [name for name, on in tiles.items() if on] == ([shown] if shown else [])
    with pytest.raises(ValueError, match="base layer must be one of"):
        maps.zone_map(base="stamen")


def test_cli_figure_legend_follows_the_options_used(tmp_path):
    out = tmp_path / "f.svg"
    assert cli.main(["figure", "-o", str(out), "--contact-line", "2020", "--width-km", "10", "25"]) == 0
    words = " ".join(" ".join(re.findall(r">([^<>]+)</text>", out.read_text(encoding="utf-8"))).split())
    assert "DMZ 10-25 km, opposition side of the 2020 contact line" in words
    assert "DMZ 10–25 km on the opposition side of the 2020 contact line" in words  # the heading
    assert "Sochi DMZ 15-20" not in words and "Sochi DMZ 15–20" not in words


def test_date_control_over_a_users_timeline(tmp_path):
    from zonemap.model import data

    lines = data.load_layer("contact_lines")[["name", "as_of", "accuracy_km", "geometry"]].rename(
        columns={"as_of": "day"}
    )
    path = tmp_path / "my_timeline.geojson"
    lines.to_file(path)
    out = tmp_path / "map.html"
    args = ["map", "-o", str(out), "--layers", "idlib", "--timeline", str(path), "--timeline-date-column", "day"]
    assert cli.main(args) == 0
    block = re.search(r'<script type="application/json" id="zonemap-timeline">(.*?)</script>', out.read_text(), re.S)
    assert [s["as_of"] for s in json.loads(block.group(1))["states"]] == ["2018-09-17", "2020-03-05"]
    figure_out = tmp_path / "tl.svg"
    args = ["figure", "--timeline", str(path), "--timeline-date-column", "day", "-o", str(figure_out), "--dpi", "40"]
    assert cli.main(args) == 0
    text = figure_out.read_text(encoding="utf-8")
    assert "17 Sep 2018: " in text and "5 Mar 2020: " in text and "31 Aug 2019" not in text


def test_accuracy_halo_edge_lies_at_the_stated_accuracy_geodesically():
    import numpy as np
    import shapely
    from conftest import geodesic_distance_to_line_m

    from zonemap.render.layers import accuracy_halo

    line = data.contact_line("2018").geometry.iloc[0]
    halo = accuracy_halo(line, 5.0)
    ring = shapely.get_coordinates(shapely.boundary(halo))[::3]
    distance_m = geodesic_distance_to_line_m(shapely.points(ring), line, step_km=0.05)
    assert len(ring) > 30 and np.abs(distance_m - 5000).max() < 50  # within 1% of 5 km all along the edge
    assert accuracy_halo(line, 0).is_empty
