"""The incident layers in a real browser: what the month filter counts and what it draws.

Each page is opened once (module fixtures, one chromium for the session). For several month
ranges, both ends of the range are set through the time control, then the status text, the
markers or hexagons drawn and the heat layer's points are checked against the input incidents
(marker positions within 1 m, geodesically; each incident inside the drawn hexagon it is counted in).
"""

import os

import folium
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import PAYLOADS, hexagon_of_each_point, offline_page, render_every_popup

from zonemap.geodesy.projection import GEOD
from zonemap.incidents import synthetic
from zonemap.render import incident_map, maps

MARKERS = "Incidents (clustered) by month"  # the time controls' titles
HEXAGONS = f"Incidents ({incident_map.HEX_SIZE_KM:g} km hexagons) by month"
#: The incident layers after setting each range on the time control titled k (status, markers, hexagons, heat).
STATE_JS = """
([k, ranges]) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const box = Array.from(document.querySelectorAll('.zonemap-time'))
        .find(b => b.querySelector('strong').textContent === k);
    const clusters = Object.values(window).filter(v => L.MarkerClusterGroup && v instanceof L.MarkerClusterGroup);
    const heats = Object.values(window).filter(v => v instanceof L.HeatLayer);
    function set(which, value) {
        const input = box.querySelector(which);
        input.value = value;
        input.dispatchEvent(new Event('input'));
    }
    return ranges.map(([from, to]) => {
        if (from !== null) { set('.zonemap-time-from', from); set('.zonemap-time-to', to); }
        const hexagons = [];
        map.eachLayer(layer => {
            if (layer instanceof L.Polygon && layer.options.className === 'zonemap-hexagon') {
                hexagons.push(layer.getLatLngs()[0].map(p => [p.lat, p.lng]));
            }
        });
        return {
            status: box.querySelector('.zonemap-time-status').textContent,
            markers: clusters.length ? clusters[0].getLayers()
                .filter(layer => layer instanceof L.Marker)
                .map(m => [m.getLatLng().lat, m.getLatLng().lng]) : [],
            markerCount: clusters.reduce((n, c) => n + c.getLayers().length, 0),
            hexagons: hexagons,
            hexagonPaths: document.querySelectorAll('path.zonemap-hexagon').length,
            heat: heats.map(h => h._latlngs.map(p => Array.from(p))),
        };
    });
}
"""


def months_of(events) -> np.ndarray:
    """Month index of each incident among the sorted months present (-1 when undated)."""
    labels = pd.to_datetime(events["event_date"]).dt.strftime("%Y-%m")
    months = sorted(labels.dropna().unique())
    return months, np.asarray([months.index(m) if isinstance(m, str) else -1 for m in labels])


def expected_status(months, lo, hi, shown, undated) -> str:
    whole = lo == 0 and hi == len(months) - 1
    period = months[lo] if lo == hi else f"{months[lo]} to {months[hi]}"
    note = "" if not undated else f" ({undated} undated {'included' if whole else 'not shown'})"
    return f"{period}: {shown} incidents{note}"


def chosen(month, lo, hi, last) -> np.ndarray:
    """Which incidents a range shows: dated ones in it, undated ones with the whole range."""
    whole = lo == 0 and hi == last
    return np.where(month < 0, whole, (month >= lo) & (month <= hi))


def assert_same_positions(drawn, lon, lat, tolerance_m=1.0):
    """Every drawn marker ([lat, lon]) is one input position, each input drawn once, within a metre."""
    drawn = np.asarray(drawn, dtype=float).reshape(-1, 2)
    assert len(drawn) == len(lon)
    if not len(drawn):
        return
    n = len(lon)
    distance = GEOD.inv(np.repeat(lon, n), np.repeat(lat, n), np.tile(drawn[:, 1], n), np.tile(drawn[:, 0], n))[2]
    distance = distance.reshape(n, n)
    nearest = distance.argmin(axis=1)
    assert distance[np.arange(n), nearest].max() < tolerance_m
    assert len(set(nearest.tolist())) == n  # one marker per incident


# --------------------------------------------------------------------------- marker mode
@pytest.fixture(scope="module")
def marker_page(chromium, tmp_path_factory):
    """60 incidents over the 12 months of 2019, 4 of them undated, on the self-contained zone map."""
    events = synthetic.synthetic_incidents(60, seed=5, start="2019-01-01", end="2019-12-31")
    events.loc[[3, 17, 31, 45], "event_date"] = pd.NaT
    months, month = months_of(events)
    assert len(months) == 12
    last = len(months) - 1
    ranges = [(0, last), (0, 0), (4, 8), (last, last), (9, 2), (3, 3), (0, last)]
    path = tmp_path_factory.mktemp("markers") / "markers.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time-status').length === 1", timeout=20000)
        states = page.evaluate(STATE_JS, [MARKERS, [[None, None], *ranges[1:]]])
    return events, months, month, ranges, states, external, errors


def test_marker_mode_month_range_counts_and_draws_the_right_markers(marker_page):
    events, months, month, ranges, states, external, errors = marker_page
    lon, lat = events.geometry.x.to_numpy(), events.geometry.y.to_numpy()
    undated = int((month < 0).sum())
    for (a, b), state in zip(ranges, states):
        lo, hi = min(a, b), max(a, b)
        keep = chosen(month, lo, hi, len(months) - 1)
        assert state["status"] == expected_status(months, lo, hi, int(keep.sum()), undated), (a, b)
        assert state["markerCount"] == keep.sum(), (a, b)
        assert_same_positions(state["markers"], lon[keep], lat[keep])
        (heat,) = state["heat"]
        assert len(heat) == keep.sum(), (a, b)  # the heat layer holds one point per incident shown
        assert_same_positions([p[:2] for p in heat], lon[keep], lat[keep])
    assert 0 < states[1]["markerCount"] < 12  # the first month alone is a small part of the year
    assert external == [] and errors == []


# --------------------------------------------------------------------------- hexagon mode
@pytest.fixture(scope="module")
def hexagon_page(chromium, tmp_path_factory):
    """100,000 incidents (hexagons above 20,000), 1,000 undated, three of 1e308 fatalities in one place."""
    events = synthetic.synthetic_incidents(100_000, seed=8)
    events.loc[events.index[-1000:], "event_date"] = pd.NaT
    huge = events.index[:3]
    events.loc[huge, "geometry"] = shapely.Point(36.63, 35.93)
    events.loc[huge, "event_date"] = pd.Timestamp("2019-05-02")
    events.loc[huge, "fatalities"] = 1e308
    months, month = months_of(events)
    last = len(months) - 1
    ranges = [(0, last), (0, 0), (5, 20), (last, 30), (0, last)]
    path = tmp_path_factory.mktemp("hexagons") / "hexagons.html"
    size = maps.save_map(maps.zone_map(offline=True, incidents=events), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time-status').length === 1", timeout=30000)
        states = page.evaluate(STATE_JS, [HEXAGONS, [[None, None], *ranges[1:]]])
        popups = render_every_popup(page)
    return events, months, month, ranges, states, size, popups, external, errors


def test_hexagons_are_regular_3_km_hexagons_holding_the_incidents_they_count(hexagon_page):
    events, months, month, ranges, states, size, popups, external, errors = hexagon_page
    lon, lat = events.geometry.x.to_numpy(), events.geometry.y.to_numpy()
    undated = int((month < 0).sum())
    whole = states[0]
    rings = whole["hexagons"]
    assert len(rings) == whole["hexagonPaths"] > 500
    # Geometry: six corners 3 km (HEX_SIZE_KM) from the centre and from each other, geodesically.
    (heat,) = whole["heat"]
    centres = np.asarray([p[:2] for p in heat])
    corners = np.asarray(rings)  # (hexagons, 6, [lat, lon])
    assert corners.shape == (len(centres), 6, 2)
    radius = GEOD.inv(np.repeat(centres[:, 1], 6), np.repeat(centres[:, 0], 6),
                      corners[:, :, 1].ravel(), corners[:, :, 0].ravel())[2]  # fmt: skip
    following = np.roll(corners, -1, axis=1)
    side = GEOD.inv(corners[:, :, 1].ravel(), corners[:, :, 0].ravel(),
                    following[:, :, 1].ravel(), following[:, :, 0].ravel())[2]  # fmt: skip
    size_m = incident_map.HEX_SIZE_KM * 1000
    assert np.abs(radius - size_m).max() < 5.0 and np.abs(side - size_m).max() < 5.0
    # Counts: for each range, each drawn hexagon's count is that of the incidents inside its ring.
    holder = hexagon_of_each_point(rings, lon, lat)
    assert (holder >= 0).mean() > 0.99
    for (a, b), state in zip(ranges, states):
        lo, hi = min(a, b), max(a, b)
        keep = chosen(month, lo, hi, len(months) - 1)
        assert state["status"] == expected_status(months, lo, hi, int(keep.sum()), undated), (a, b)
        (heat,) = state["heat"]
        assert len(state["hexagons"]) == state["hexagonPaths"] == len(heat), (a, b)
        assert sum(p[2] for p in heat) == keep.sum(), (a, b)
        index = {tuple(np.round(p[:2], 5)): i for i, p in enumerate(whole["heat"][0])}
        drawn = np.zeros(len(rings), dtype=int)
        for p in heat:
            drawn[index[tuple(np.round(p[:2], 5))]] = p[2]
        sure = np.bincount(holder[keep & (holder >= 0)], minlength=len(rings))
        near_edge = keep & (holder < 0)
        assert (drawn >= sure).all() and (drawn - sure).sum() == near_edge.sum(), (a, b)
    assert external == [] and errors == []


def test_hexagon_popups_state_counts_and_huge_fatalities(hexagon_page):
    *_, size, popups, external, errors = hexagon_page
    assert size < 15_000_000
    huge = [text for text in popups["texts"] if "more than 1.7e308 fatalities" in text]
    assert len(huge) == 1  # 3 × 1e308 overflows a double: said in words, no traceback, no "Infinity"
    assert not any("Infinity" in text or "NaN" in text for text in popups["texts"])
    assert errors == []


# --------------------------------------------------------------------------- any folium.Map
@pytest.fixture(scope="module")
def plain_page(chromium, tmp_path_factory):
    """A plain ``folium.Map`` with two incident layers from tables without a date column:
    25 markers with hostile text, and 300 incidents drawn as hexagons (``marker_limit=200``)."""
    few = synthetic.synthetic_incidents(25, seed=11).drop(columns=["event_date"])
    for column in ("notes", "actor1", "event_type", "location"):
        few[column] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(few))]
    many = synthetic.synthetic_incidents(300, seed=12).drop(columns=["event_date"])
    m = folium.Map(location=[35.9, 36.6], zoom_start=9, tiles=None)
    incident_map.add_incidents(m, few)
    incident_map.add_incidents(m, many, marker_limit=200)
    path = tmp_path_factory.mktemp("plain") / "plain.html"
    m.save(str(path))
    local = {}
    for name, where in maps.OFFLINE_ASSETS.items():
        local[name] = maps.FOLIUM_DIR / where.split(":", 1)[1] if where.startswith("folium:") else maps.ASSETS / where
    with offline_page(chromium, path, local_files=local) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time-status').length === 2", timeout=20000)
        states = [page.evaluate(STATE_JS, [k, [[None, None]]])[0] for k in (MARKERS, HEXAGONS)]
        popups = render_every_popup(page)
        page.wait_for_timeout(300)
        pwned = page.evaluate("window.PWNED || null")
    return few, many, states, popups, pwned, errors


def test_add_incidents_on_a_plain_folium_map_draws_undated_incidents(plain_page):
    few, many, states, popups, pwned, errors = plain_page
    markers, hexagons = states
    assert markers["status"] == "No dates: 25 incidents"
    assert_same_positions(markers["markers"], few.geometry.x.to_numpy(), few.geometry.y.to_numpy())
    assert [len(h) for h in markers["heat"]] == [25, len(hexagons["hexagons"])]
    assert hexagons["status"] == "No dates: 300 incidents"
    assert sum(p[2] for p in hexagons["heat"][1]) == 300 and len(hexagons["hexagons"]) > 10
    assert errors == []


def test_add_incidents_on_a_plain_folium_map_keeps_text_inert(plain_page):
    few, _, _, popups, pwned, errors = plain_page
    assert pwned is None
    joined = "".join(popups["texts"])
    for payload in PAYLOADS:
        assert payload in joined  # shown literally, as text
    assert "49" not in joined.replace(PAYLOADS[5], "")  # the template was not rendered
    assert errors == []


#: Incidents on the large map: 200,000 in the suite; ``make test-deep`` draws 1,000,000 (~20 s to build).
LARGE_MAP_ROWS = int(os.environ.get("ZONEMAP_LARGE_MAP_ROWS", "200000"))


def test_large_map_hexagons_show_quantile_classes_under_the_zones(chromium, tmp_path):
    """Many incidents (:data:`LARGE_MAP_ROWS`): hexagon colours scale to the data, in distinct classes."""
    from zonemap.render.incident_map import CLASS_COLOURS

    events = synthetic.synthetic_incidents(LARGE_MAP_ROWS, seed=11)
    path = tmp_path / "large.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events, date_control=False), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('path.zonemap-hexagon').length > 100", timeout=30000)
        report = page.evaluate(
            """() => {
                const hexes = Array.from(document.querySelectorAll('path.zonemap-hexagon'));
                const pane = name => +getComputedStyle(document.querySelector('.leaflet-' + name + '-pane')).zIndex;
                return {
                    fills: hexes.map(p => p.getAttribute('fill')),
                    inHexPane: hexes.every(p => p.closest('.leaflet-zonemap-hexagons-pane') !== null),
                    hexPane: pane('zonemap-hexagons'), overlayPane: pane('overlay'),
                    zonesInOverlay: document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length,
                    classes: Array.from(document.querySelectorAll('.zonemap-class')).map(n => n.textContent),
                };
            }"""
        )
    counts = pd.Series(report["fills"]).value_counts()
    assert len(counts) == len(CLASS_COLOURS) and set(counts.index) == set(CLASS_COLOURS)  # five distinct classes
    assert counts.min() > 0.1 * len(report["fills"])  # quantiles: no class is a sliver
    assert len(report["classes"]) == len(CLASS_COLOURS) and report["classes"][0].endswith("per hexagon")
    assert report["inHexPane"] and report["hexPane"] < report["overlayPane"] and report["zonesInOverlay"] > 10
    assert external == [] and errors == []


def test_add_incidents_on_zonemaps_own_map_keeps_the_layer_control_working(chromium, tmp_path):
    """``add_incidents(zone_map(...))``: the zone map's layer control was written before the incident
    layers and named them before they existed ("reading 'setZIndex'"); now it lists them and the page runs."""
    events = synthetic.synthetic_incidents(40, seed=5, start="2019-01-01", end="2019-12-31")
    m = incident_map.add_incidents(maps.zone_map(offline=True), events)
    path = tmp_path / "added.html"
    maps.save_map(m, path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time-status').length === 1", timeout=20000)
        labels = "document.querySelectorAll('.leaflet-control-layers-overlays label')"
        overlays = page.evaluate(f"Array.from({labels}).map(label => label.textContent.trim())")
        status = page.evaluate("document.querySelector('.zonemap-time-status').textContent")
    assert errors == [] and external == []
    assert "Incidents (clustered)" in overlays and "Incidents heat map" in overlays
    assert status.startswith("2019-01") and "40 incidents" in status
