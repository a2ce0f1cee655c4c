"""The self-contained map in a real browser (Debian's chromium): loads offline, draws, no errors.

One chromium serves the session (``chromium`` in conftest): skipped with a message where chromium
or playwright is missing, but failing instead when CI is set. The incident layers' drawing and
time filter are tested in test_incident_map_browser.py.
"""

from pathlib import Path

import pytest
from conftest import PAYLOADS, offline_page, render_every_popup

from zonemap.render import maps
from zonemap.render.layers import drawn_layers

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
    assert report["overlays"] == len(drawn_layers()) + 2  # and the date control's line and held area
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
    from zonemap.incidents import synthetic

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
    rendered = "49 TEMPLATE"  # what {{ 7*7 }} {% if true %}TEMPLATE{% endif %} becomes if a template ran
    assert rendered not in joined and joined.count("TEMPLATE") == joined.count(PAYLOADS[5])
    assert external == [] and errors == []


def test_feature_text_payloads_never_run_script(chromium, tmp_path):
    from zonemap.model import data

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


# --------------------------------------------------------------------------- issue 15 / 13 / 14 / 17
REPORT_JS = """() => {
    const rect = el => { if (!el) { return null; } const r = el.getBoundingClientRect();
                         return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const line = document.querySelector('path.zonemap-date-line');
    return {
        legend: Array.from(document.querySelectorAll('.zonemap-legend-label')).map(n => n.textContent),
        title: (document.querySelector('.zonemap-legend-title') || {}).textContent,
        date: (document.querySelector('.zonemap-legend-date') || {}).textContent,
        overlays: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label span span'))
                       .map(n => n.textContent.trim()),
        strokes: Array.from(document.querySelectorAll('path.leaflet-interactive')).map(p => p.getAttribute('stroke')),
        legendBox: rect(document.querySelector('.zonemap-legend')),
        scaleBox: rect(document.querySelector('.leaflet-control-scale')),
        scaleText: Array.from(document.querySelectorAll('.leaflet-control-scale-line')).map(n => n.textContent),
        line: line && line.getAttribute('d'),
    };
}"""
OUTLINES = "Country and governorate outlines"


def _open(chromium, path, zoom=None):
    """The report of a map page; ``zoom`` zooms in (on Idlib) before reporting."""
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-legend-label').length > 0", timeout=20000)
        if zoom is not None:
            page.evaluate(f"Object.values(window).find(v => v instanceof L.Map).setView([35.93, 36.63], {zoom})")
            page.wait_for_timeout(300)
        report = page.evaluate(REPORT_JS)
        report["labels_by_zoom"] = {}
        for level in (8, 10, 12):  # town names by zoom: none, the curated towns, every place
            page.evaluate(f"Object.values(window).find(v => v instanceof L.Map).setView([35.93, 36.63], {level})")
            page.wait_for_timeout(200)
            report["labels_by_zoom"][level] = page.evaluate(
                "document.querySelectorAll('.leaflet-tooltip.zonemap-label:not(.zonemap-post-no)').length"
            )
        if zoom is not None:
            page.evaluate(f"Object.values(window).find(v => v instanceof L.Map).setView([35.93, 36.63], {zoom})")
            page.wait_for_timeout(300)
        report["rtl"] = page.evaluate(
            """() => Array.from(document.querySelectorAll('.zonemap-label span')).filter(s => s.offsetParent)
                .slice(0, 40).map(s => {
                    const range = document.createRange(), n = s.firstChild, len = n.textContent.length;
                    range.setStart(n, 0); range.setEnd(n, 1); const first = range.getBoundingClientRect();
                    range.setStart(n, len - 1); range.setEnd(n, len); const last = range.getBoundingClientRect();
                    return {text: n.textContent, dir: getComputedStyle(s).direction, firstX: first.left,
                            lastX: last.left};
                })"""
        )
    return report, external, errors


def _intersects(a, b) -> bool:
    return not (
        a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
    )


OPTION_SETS = {
    "default": {},
    "2020 line, 10-25 km, chosen layers and colours": {
        "contact_line": "2020",
        "width_km": (10, 25),
        "layers": ["idlib", "dmz", "dmz_edges", "line_2020", "posts"],
        "colours": {"dmz": "#123456"},
        "title": "DMZ scenario",
        "date_control": False,
    },
    "user line and area, Arabic labels": {"lang": "ar", "layers": ["idlib", "contact_line", "halo", "towns"]},
}


@pytest.fixture(scope="module")
def option_pages(chromium, tmp_path_factory):
    import geopandas as gpd
    import shapely

    from zonemap.model import data

    folder = tmp_path_factory.mktemp("options")
    line, area = folder / "my_front.geojson", folder / "patrol_area.geojson"
    data.contact_line("2020").assign(name="Front as I see it", accuracy_km=3.0).to_file(line)
    gpd.GeoDataFrame({"name": ["Patrol box"]}, geometry=[shapely.box(36.5, 35.7, 36.7, 35.9)], crs=4326).to_file(area)
    reports = {}
    for name, options in OPTION_SETS.items():
        if "lang" in options:
            options = {**options, "contact_line": str(line), "user_layers": [str(area)]}
        path = folder / f"map{len(reports)}.html"
        maps.save_map(maps.zone_map(offline=True, **options), path, self_contained=True)
        reports[name] = _open(chromium, path, zoom=10 if "lang" in options else None)
    return reports


@pytest.mark.parametrize("name", list(OPTION_SETS))
def test_legend_lists_exactly_the_drawn_layers(option_pages, name):
    report, external, errors = option_pages[name]
    assert external == [] and errors == []
    assert sorted(report["legend"]) == sorted(o for o in report["overlays"] if o != OUTLINES)


def test_legend_labels_come_from_the_options(option_pages):
    report = option_pages["2020 line, 10-25 km, chosen layers and colours"][0]
    assert report["title"] == "DMZ scenario"
    assert "DMZ 10-25 km, opposition side of the 2020 contact line" in report["legend"]
    assert not any("Sochi" in label or "2018" in label for label in report["legend"])
    assert maps.OVERLAYS["line_2020"][1]["color"] in report["strokes"]


def test_user_line_and_area_are_drawn_and_named(option_pages):
    report = option_pages["user line and area, Arabic labels"][0]
    assert "Contact line: Front as I see it" in report["legend"] and "patrol_area" in report["legend"]
    assert maps.OVERLAYS["contact_line"][1]["color"] in report["strokes"]
    assert "Contact line accuracy (± 3 km)" in report["legend"]


def test_arabic_labels_render_right_to_left(option_pages):
    labels = option_pages["user line and area, Arabic labels"][0]["rtl"]
    arabic = [label for label in labels if any("\u0600" <= ch <= "\u06ff" for ch in label["text"])]
    assert "إدلب" in [label["text"] for label in arabic]
    assert all(label["dir"] == "rtl" for label in arabic)
    assert all(label["firstX"] > label["lastX"] for label in arabic if len(label["text"]) > 1)  # first letter right


def test_scale_bar_is_metric_and_not_hidden_by_the_legend(option_pages):
    report = option_pages["default"][0]
    assert report["scaleBox"] and report["legendBox"]
    assert not _intersects(report["scaleBox"], report["legendBox"])
    assert len(report["scaleText"]) == 1 and report["scaleText"][0].endswith("km")


def test_towns_legend_swatch_is_visible_and_astana_idlib_differ():  # no browser needed
    entries = {e["label"]: e for e in (maps._legend_entry(layer) for layer in drawn_layers().values())}
    towns = entries["Towns"]
    assert towns["border"].lower() not in ("#ffffff", "#fff") and towns["border"] != towns["colour"]
    assert entries[maps.OVERLAYS["idlib"][0]]["colour"] != entries[maps.OVERLAYS["astana"][0]]["colour"]


def test_date_control_moves_the_line_and_says_the_date(chromium, tmp_path):
    from zonemap.incidents import synthetic
    from zonemap.model import timeline

    lines = timeline.load_timeline()  # the default: the evidence lines
    events = synthetic.synthetic_incidents(400, seed=8)
    events["dmz_status"] = (["inside", "uncertain", "outside", "outside"] * 100)[: len(events)]
    path = tmp_path / "dated.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events, layers=["idlib"]), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelector('path.zonemap-date-line') !== null", timeout=20000)
        last = page.evaluate(REPORT_JS)
        status_last = page.text_content(".zonemap-time-status")
        icons = page.evaluate(
            """() => { const map = Object.values(window).find(v => v instanceof L.Map); let names = [];
                       map.eachLayer(l => { if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) {
                           names = l.getLayers().map(m => m.options.icon.options.className); } });
                       return names; }"""
        )
        key = page.eval_on_selector_all(".zonemap-status", "ns => ns.map(n => n.textContent)")
        page.evaluate(
            """() => { const s = document.querySelector('.zonemap-date-slider');
                       s.value = 0; s.dispatchEvent(new Event('input')); }"""
        )
        first = page.evaluate(REPORT_JS)
        status_first = page.text_content(".zonemap-time-status")
        page.click(".zonemap-date-play")
        page.wait_for_function(
            f"document.querySelector('.zonemap-date-shown').textContent !== '{lines.as_of[0]}'", timeout=5000
        )
        page.click(".zonemap-date-play")  # pause
    assert first["line"] and last["line"] and first["line"] != last["line"]
    expected = events["dmz_status"].map(lambda state: f"zonemap-incident zonemap-status-{state}")
    assert sorted(icons) == sorted(expected)  # each marker coloured by its dmz_status
    assert key == ["DMZ: inside", "DMZ: uncertain", "DMZ: outside"]
    assert (
        lines.as_of[0] in first["date"]
        and lines.as_of[-1] in last["date"]
        and "the zones ended on 2024-12-08" in last["date"]
    )
    assert f"before {lines.valid_until[0]}" in status_first and "before" not in status_last  # incidents up to that date
    assert int(status_first.split(": ")[1].split()[0]) < int(status_last.split(": ")[1].split()[0])
    assert external == [] and errors == []


def test_town_labels_appear_by_zoom(option_pages):
    shown = option_pages["default"][0]["labels_by_zoom"]
    assert shown[8] == 0 < shown[10] < shown[12]


def test_town_labels_stay_above_incident_clusters(chromium, tmp_path):
    """Many incidents at Idlib city cluster under its label: the label is what the reader sees on top."""
    import geopandas as gpd
    import pandas as pd

    import zonemap

    idlib = zonemap.place("Idlib")
    events = gpd.GeoDataFrame({"event_date": pd.to_datetime(["2020-02-01"] * 60), "fatalities": 0},
                              geometry=gpd.points_from_xy([idlib.x] * 60, [idlib.y] * 60), crs=4326)  # fmt: skip
    path = tmp_path / "clusters.html"
    maps.save_map(maps.zone_map(offline=True, incidents=zonemap.classify(events)), path, self_contained=True)
    with offline_page(chromium, path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time').length === 1", timeout=20000)
        found = page.evaluate(
            """() => new Promise(done => {
                const map = Object.values(window).find(v => v instanceof L.Map);
                map.setView([35.93, 36.63], 10, {animate: false});
                setTimeout(() => {
                    const label = Array.from(document.querySelectorAll('.leaflet-tooltip'))
                        .find(t => t.textContent === 'Idlib');
                    const cluster = document.querySelector('.marker-cluster');
                    if (!label || !cluster) { done({label: !!label, cluster: !!cluster}); return; }
                    const box = label.getBoundingClientRect(), icon = cluster.getBoundingClientRect();
                    const x = Math.max(box.left, icon.left) + 1, y = Math.max(box.top, icon.top) + 1;
                    const overlap = x < Math.min(box.right, icon.right) && y < Math.min(box.bottom, icon.bottom);
                    label.style.pointerEvents = "auto";  // labels take no clicks; hit-test them to read the stacking
                    const top = document.elementFromPoint(x, y);
                    done({label: true, cluster: true, overlap: overlap,
                          onTop: !!(top && top.closest(".leaflet-tooltip")), top: top && top.className,
                          clusterColour: getComputedStyle(cluster.firstElementChild).backgroundColor});
                }, 800);
            })"""
        )
    assert errors == []
    assert found["label"] and found["cluster"], found
    assert found["overlap"], found  # the cluster sits where the label is drawn
    assert found["onTop"], str(found)
    assert found["clusterColour"] == "rgb(255, 255, 255)"  # a count badge, not a status colour
