"""Map building: layers, reproducible bytes, data that cannot run as template or script."""

import json
import re

from zonemap import cli, data, maps

PAYLOAD = "{{ 7*7 }} {% for x in range(3) %}X{% endfor %} </script><script>alert(1)</script> \u2028 `${x}` \"'&"


def _data_block(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="zonemap-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_map_carries_every_overlay_with_provenance():
    html = maps.zone_map().get_root().render()
    layers = _data_block(html)
    assert set(layers) == set(maps.OVERLAYS)
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
