"""The self-contained map in a real browser (Debian's chromium): loads offline, draws, no errors.

One chromium serves the session (``chromium`` in conftest): skipped with a message where chromium
or playwright is missing, but failing instead when CI is set. The incident layers' drawing and
time filter are tested in test_incident_map_browser.py.
"""

from pathlib import Path

import pytest
from conftest import PAYLOADS, offline_page, render_every_popup

from zonemap import maps

SCREENSHOT = Path(__file__).resolve().parents[1] / "out" / "map-screenshot.png"


@pytest.fixture(scope="module")
def page_report(chromium, tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "zonemap.html"
    maps.save_map(maps.zone_map(offline=True), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 20", timeout=20000)
        report = page.evaluate(
            """() => ({
                leaflet: typeof L === 'object' && L.version,
                overlays: document.querySelectorAll('.leaflet-control-layers-overlays input').length,
                bases: document.querySelectorAll('.leaflet-control-layers-base input').length,
                strokes: Array.from(document.querySelectorAll('path.leaflet-interactive'))
                              .map(p => p.getAttribute('stroke')),
                dashed: document.querySelectorAll('path[stroke-dasharray="8 6"]').length,
                scale: !!document.querySelector('.leaflet-control-scale'),
                measure: !!document.querySelector('.leaflet-control-measure'),
                fullscreen: !!document.querySelector('.leaflet-control-zoom-fullscreen, .fullscreen-icon'),
            })"""
        )
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
    return report, external, errors


def test_leaflet_loads_offline_and_draws_every_layer(page_report):
    report, external, errors = page_report
    assert report["leaflet"] == "1.9.4"
    assert report["overlays"] == len(maps.OVERLAYS)
    assert report["bases"] == 4
    strokes = report["strokes"]
    assert strokes.count(maps.OVERLAYS["line_2018"][1]["color"]) >= 1  # the 2018 line (and DMZ bands)
    assert maps.OVERLAYS["line_2020"][1]["color"] in strokes
    assert maps.OVERLAYS["dmz_edges"][1]["color"] in strokes and report["dashed"] >= 1  # inner edge dashed
    assert report["scale"] and report["measure"] and report["fullscreen"]
    assert SCREENSHOT.stat().st_size > 10_000


def test_no_request_leaves_the_machine_and_no_console_errors(page_report):
    _, external, errors = page_report
    assert external == []
    assert errors == []


def test_incident_payloads_never_run_script(chromium, tmp_path):
    from zonemap import synthetic

    events = synthetic.synthetic_incidents(len(PAYLOADS) * 3, seed=3)
    for column in ("notes", "actor1", "actor2", "event_type", "location", "event_id_cnty"):
        events[column] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(events))]
    events["event_date"] = events["event_date"].min()  # one month: every marker shown at once
    path = tmp_path / "payloads.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time').length === 1", timeout=20000)
        opened = render_every_popup(page)
        page.wait_for_timeout(300)
        pwned = page.evaluate("window.PWNED || null")
    assert opened["shown"] >= len(events) and pwned is None
    joined = "".join(opened["texts"])
    for payload in PAYLOADS:
        assert payload in joined  # shown literally, as text
    assert "49" not in joined.replace(PAYLOADS[5], "")  # the template was not rendered
    assert external == [] and errors == []


def test_feature_text_payloads_never_run_script(chromium, tmp_path):
    from zonemap import data

    name = " | ".join(PAYLOADS)
    line = data.contact_line("2018").assign(name=name, source=name, notes=name)
    line_path = tmp_path / "front.geojson"
    line.to_file(line_path)
    path = tmp_path / "payloads.html"
    maps.save_map(maps.zone_map(offline=True, contact_line=str(line_path)), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 20", timeout=20000)
        report = render_every_popup(page)
        page.wait_for_timeout(300)
        pwned = page.evaluate("window.PWNED || null")
    assert report["shown"] > 40 and pwned is None
    assert any(name in text for text in report["texts"])  # shown literally in the DMZ popups
    assert external == [] and errors == []
