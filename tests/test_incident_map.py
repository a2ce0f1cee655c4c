"""Incidents on the map: markers or hexagon bins, escaped JSON, size with 100,000 incidents."""

import json
import re

import folium
import numpy as np
import pandas as pd
import pytest
from conftest import hexagon_of_each_point

import zonemap
from zonemap import cli
from zonemap.geodesy.projection import GEOD
from zonemap.render import incident_map, maps

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


def test_marker_positions_are_the_incidents_within_a_metre():
    events = zonemap.synthetic_incidents(200, seed=4)
    data = incident_map.incident_payload(events)
    distance = np.asarray(GEOD.inv(events.geometry.x, events.geometry.y, data["lon"], data["lat"])[2])
    assert distance.max() < 1.0


def test_hexagons_are_regular_and_hold_the_incidents_they_count():
    events = zonemap.synthetic_incidents(2000, seed=6)
    data = incident_map.incident_payload(events, marker_limit=100)
    rings = np.asarray([b["ring"] for b in data["bins"]])  # (hexagons, 6, [lat, lon])
    centres = np.asarray([[b["lat"], b["lon"]] for b in data["bins"]])
    radius = GEOD.inv(
        np.repeat(centres[:, 1], 6), np.repeat(centres[:, 0], 6), rings[..., 1].ravel(), rings[..., 0].ravel()
    )
    following = np.roll(rings, -1, axis=1)
    side = GEOD.inv(rings[..., 1].ravel(), rings[..., 0].ravel(), following[..., 1].ravel(), following[..., 0].ravel())
    size_m = incident_map.HEX_SIZE_KM * 1000
    assert np.abs(radius[2] - size_m).max() < 5.0 and np.abs(side[2] - size_m).max() < 5.0
    holder = hexagon_of_each_point(rings, events.geometry.x.to_numpy(), events.geometry.y.to_numpy())
    counted = np.asarray([sum(b["counts"].values()) + b["undated"] for b in data["bins"]])
    sure = np.bincount(holder[holder >= 0], minlength=len(rings))
    assert counted.sum() == len(events) and (holder < 0).sum() < 20  # every incident counted once
    assert (counted >= sure).all() and (counted - sure).sum() == (holder < 0).sum()


@pytest.mark.parametrize("marker_limit", [incident_map.MARKER_LIMIT, 10])
def test_incidents_without_a_date_column_are_kept_in_both_modes(marker_limit):
    events = zonemap.synthetic_incidents(40, seed=9).drop(columns=["event_date"])
    data = incident_map.incident_payload(events, marker_limit=marker_limit)
    assert data["months"] == []
    if data["mode"] == "points":
        assert data["month"] == [-1] * 40 and len(data["lat"]) == 40
    else:
        assert sum(b["undated"] for b in data["bins"]) == 40 and not any(b["counts"] for b in data["bins"])


def test_over_20000_incidents_some_undated_and_1e308_fatalities():
    events = zonemap.synthetic_incidents(incident_map.MARKER_LIMIT + 1, seed=10)
    events.loc[events.index[:500], "event_date"] = pd.NaT
    events.loc[events.index[-4:], ["event_date", "fatalities"]] = [pd.Timestamp("2019-05-02"), 1e308]
    events.loc[events.index[-4:], "geometry"] = events.geometry.iloc[-1]
    m = incident_map.add_incidents(folium.Map(tiles=None), events)
    data = _block(m.get_root().render(), "zonemap-incidents")
    assert data["mode"] == "bins"
    assert sum(b["undated"] for b in data["bins"]) == 500
    assert sum(sum(b["counts"].values()) + b["undated"] for b in data["bins"]) == len(events)
    deaths = [v for b in data["bins"] for v in b["deaths"].values()]
    others = int(events["fatalities"].iloc[500:-4].sum())
    assert sum(deaths) == 4 * int(1e308) + others  # exact, not inf: no OverflowError, valid JSON
    assert 4 * int(1e308) <= max(deaths) <= 4 * int(1e308) + others
    assert sum(b["undated_deaths"] for b in data["bins"]) == events["fatalities"].iloc[:500].sum()


def test_add_incidents_works_on_a_plain_folium_map_and_escapes_text():
    events = zonemap.synthetic_incidents(5, seed=1)
    events["notes"] = PAYLOAD
    m = folium.Map()
    zonemap.add_incidents(m, events)
    zonemap.add_incidents(m, events.drop(columns=["event_date"]), marker_limit=2)
    html = m.get_root().render()
    assert "</script><script>alert(1)" not in html and "\u2028" not in html and PAYLOAD not in html
    first, second = _block(html, "zonemap-incidents"), _block(html, "zonemap-incidents-2")
    assert set(first["notes"]) == {PAYLOAD} and first["mode"] == "points" and second["mode"] == "bins"
    assert "49" not in json.dumps(first["notes"])  # '{{ 7*7 }}' reached the page as text, not rendered
    assert html.count('class="zonemap-') == 0 and html.count("zonemap-time") >= 2  # one control per layer


def test_markers_carry_dmz_status_when_classified_and_degrade_without():
    from zonemap.incidents.synthetic import synthetic_incidents
    from zonemap.render.incident_map import incident_payload

    events = synthetic_incidents(50, seed=2)
    assert "status" not in incident_payload(events)
    events["dmz_status"] = (["inside", "uncertain", "outside"] * 20)[:50]
    payload = incident_payload(events)
    assert payload["status"] == events["dmz_status"].tolist()
    assert "status" not in incident_payload(events, marker_limit=10)  # hexagons count, they do not colour by status
