"""Incidents on the map: markers or hexagon bins, escaped JSON, size with 100,000 incidents."""

import json
import re

import pandas as pd

import zonemap
from zonemap import cli, incident_map, maps

PAYLOAD = "{{ 7*7 }} </script><script>alert(1)</script> \u2028 `${x}` \"'&"


def _block(html: str, key: str) -> dict:
    return json.loads(re.search(rf'<script type="application/json" id="{key}">(.*?)</script>', html, re.S).group(1))


def test_incident_text_reaches_the_page_only_as_escaped_json():
    events = zonemap.synthetic_incidents(20, seed=1)
    events["notes"] = PAYLOAD
    html = maps.zone_map(incidents=events).get_root().render()
    assert "</script><script>alert(1)" not in html and "\u2028" not in html and PAYLOAD not in html
    data = _block(html, "zonemap-incidents")
    assert data["mode"] == "points" and set(data["notes"]) == {PAYLOAD}
    assert len(data["lat"]) == 20 and data["months"] == sorted(data["months"])
    assert "leaflet.markercluster@1.5.3" in html and "leaflet_heat.min.js" in html


def test_long_notes_are_cut_for_the_page():
    events = zonemap.synthetic_incidents(2, seed=1)
    events["notes"] = "x" * 2_000_000
    data = incident_map.incident_payload(events)
    assert len(data["notes"][0]) == incident_map.NOTES_MAX_CHARS and data["notes"][0].endswith("…")


def test_many_incidents_become_hexagons_that_keep_every_count():
    events = zonemap.synthetic_incidents(5000, seed=2)
    data = incident_map.incident_payload(events, marker_limit=1000)
    assert data["mode"] == "bins"
    total = sum(sum(b["counts"].values()) + b["undated"] for b in data["bins"])
    assert total == 5000
    assert all(len(b["ring"]) == 6 for b in data["bins"])


def test_100k_incidents_make_a_small_self_contained_map(tmp_path, capsys):
    source = tmp_path / "big.parquet"
    zonemap.synthetic_incidents(100_000, seed=3).to_parquet(source)
    out = tmp_path / "big.html"
    assert cli.main(["map", "--self-contained", "--incidents", str(source), "-o", str(out)]) == 0
    assert "100,000 rows read, 100,000 accepted" in capsys.readouterr().out
    assert out.stat().st_size < 15_000_000


def test_plain_csv_without_acled_columns_still_gets_popup_fields():
    events = zonemap.read_incidents(pd.DataFrame({"lon": [36.6], "lat": [35.9], "date": ["2020-01-01"]})).accepted
    data = incident_map.incident_payload(events)
    assert data["event_type"] == [""] and data["date"] == ["2020-01-01"]
