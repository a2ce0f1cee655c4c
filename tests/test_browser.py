"""The self-contained map in a real browser (Debian's chromium): loads offline, draws, no errors.

Skipped with a message where chromium or playwright is missing, but failing instead when CI is set.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from zonemap import maps

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[1] / "out" / "map-screenshot.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Text that would run script or templates if it were not escaped. Each sets window.PWNED if it runs.
PAYLOADS = [
    "<script>window.PWNED=1</script>",
    '<img src=x onerror="window.PWNED=2">',
    "</script><script>window.PWNED=3</script>",
    '<a href="javascript:window.PWNED=4">link</a>',
    "line\u2028separator\u2029paragraph",
    "{{ 7*7 }} {% if true %}TEMPLATE{% endif %}",
    "`${window.PWNED=5}` \\' \" ' &amp; <b>bold</b>",
    '<svg onload="window.PWNED=6"></svg>',
]


def _require_browser():
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append("Debian package chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Python package playwright (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def offline_page(path: Path):
    """Open a local HTML file in headless chromium with every non-local request blocked and recorded.

    Yields (page, external requests, console/page errors).
    """
    _require_browser()
    from playwright.sync_api import sync_playwright

    external, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 800})

        def route(r):
            if r.request.url.startswith(("file:", "data:", "about:")):
                return r.continue_()
            external.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.goto(path.as_uri())
        try:
            yield page, external, errors
        finally:
            browser.close()


def render_every_popup(page) -> dict:
    """Put every popup's and tooltip's content into the page (as opening them does), markers in
    clusters included; returns how many and their texts."""
    return page.evaluate(
        """() => {
            let shown = 0, texts = [];
            const map = Object.values(window).find(v => v instanceof L.Map);
            function visit(layer) {
                if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) { layer.eachLayer(visit); return; }
                [layer.getPopup && layer.getPopup(), layer.getTooltip && layer.getTooltip()].forEach(box => {
                    if (!box) { return; }
                    const content = box.getContent();
                    const node = typeof content === 'function' ? content(layer) : content;
                    if (!(node instanceof Node)) { return; }
                    document.body.appendChild(node);
                    texts.push(node.textContent);
                    shown += 1;
                });
            }
            map.eachLayer(visit);
            return {shown, texts};
        }"""
    )


@pytest.fixture(scope="module")
def page_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "zonemap.html"
    maps.save_map(maps.zone_map(offline=True), path, self_contained=True)
    with offline_page(path) as (page, external, errors):
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


def test_incident_payloads_never_run_script(tmp_path):
    from zonemap import synthetic

    events = synthetic.synthetic_incidents(len(PAYLOADS) * 3, seed=3)
    for column in ("notes", "actor1", "actor2", "event_type", "location", "event_id_cnty"):
        events[column] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(events))]
    events["event_date"] = events["event_date"].min()  # one month: every marker shown at once
    path = tmp_path / "payloads.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events), path, self_contained=True)
    with offline_page(path) as (page, external, errors):
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


def test_feature_text_payloads_never_run_script(tmp_path):
    from zonemap import data

    name = " | ".join(PAYLOADS)
    line = data.contact_line("2018").assign(name=name, source=name, notes=name)
    line_path = tmp_path / "front.geojson"
    line.to_file(line_path)
    path = tmp_path / "payloads.html"
    maps.save_map(maps.zone_map(offline=True, contact_line=str(line_path)), path, self_contained=True)
    with offline_page(path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 20", timeout=20000)
        report = render_every_popup(page)
        page.wait_for_timeout(300)
        pwned = page.evaluate("window.PWNED || null")
    assert report["shown"] > 40 and pwned is None
    assert any(name in text for text in report["texts"])  # shown literally in the DMZ popups
    assert external == [] and errors == []


def test_map_with_100k_incidents_opens(tmp_path):
    from zonemap import synthetic

    path = tmp_path / "many.html"
    size = maps.save_map(
        maps.zone_map(offline=True, incidents=synthetic.synthetic_incidents(100_000, seed=8)), path, self_contained=True
    )
    assert size < 15_000_000
    with offline_page(path) as (page, external, errors):
        page.wait_for_function("document.querySelectorAll('.zonemap-time').length === 1", timeout=30000)
        status = page.evaluate("document.querySelector('.zonemap-time').textContent")
        hexagons = page.evaluate("document.querySelectorAll('path.leaflet-interactive').length")
        page.evaluate(
            """() => { const input = document.querySelector('.zonemap-time-to');
                       input.value = 0; input.dispatchEvent(new Event('input')); }"""
        )
        first_month = page.evaluate("document.querySelector('.zonemap-time').textContent")
    assert status.endswith(": 100000 incidents") and hexagons > 500
    assert "2018-09: " in first_month and not first_month.endswith(": 100000 incidents")
    assert external == [] and errors == []
