"""Shared test helpers: the geodesic reference, the hypothesis profiles and one headless chromium.

Hypothesis profiles: ``ci`` (the default) is derandomised and small, so every run tests the same
examples quickly; ``deep`` (``HYPOTHESIS_PROFILE=deep``, ``make test-deep``) draws many more new
examples each run.
"""

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, settings

from zonemap.geodesy.projection import GEOD, densify_geodesic

settings.register_profile(
    "ci", max_examples=12, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "deep", max_examples=300, derandomize=False, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# zonemap caches zone models on disk (~/.cache/zonemap): the tests use a folder of their own,
# removed at the end, so a test run leaves nothing in the user's cache.
_CACHE = tempfile.mkdtemp(prefix="zonemap-test-cache-")
os.environ["ZONEMAP_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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


def geodesic_distance_to_line_m(points, line, step_km: float = 0.05) -> np.ndarray:
    """Slow, obviously-correct reference: geodesic distance (m) from each lon/lat point to a
    line densified every ``step_km`` along its geodesic segments (nearest vertex)."""
    dense = np.asarray(densify_geodesic(line, step_km).coords)
    pts = np.asarray([(p.x, p.y) for p in points])
    lon1 = np.repeat(pts[:, 0], len(dense))
    lat1 = np.repeat(pts[:, 1], len(dense))
    lon2 = np.tile(dense[:, 0], len(pts))
    lat2 = np.tile(dense[:, 1], len(pts))
    dist = GEOD.inv(lon1, lat1, lon2, lat2)[2].reshape(len(pts), len(dense))
    return dist.min(axis=1)


def hexagon_of_each_point(rings, lon, lat) -> np.ndarray:
    """Index of the ring (corners as [lat, lon], as on the map) holding each lon/lat point.

    -1 for a point within 2 m of an edge: the rings are rounded to 1e-5 degrees (about a metre).
    """
    polygons = shapely.polygons([[(p[1], p[0]) for p in ring] for ring in rings])
    points = shapely.points(lon, lat)
    point_index, hexagon = shapely.STRtree(polygons).query(points, predicate="intersects")
    holder = np.full(len(points), -1)
    once = np.bincount(point_index, minlength=len(points)) == 1
    holder[point_index[once[point_index]]] = hexagon[once[point_index]]
    inside = holder >= 0
    edge_deg = shapely.distance(points[inside], shapely.boundary(polygons[holder[inside]]))
    holder[np.flatnonzero(inside)[edge_deg < 2.0 / 111_000]] = -1
    return holder


def sample_points(geometry, n: int) -> list[shapely.Point]:
    """``n`` lon/lat points spread along the vertices of a (multi)line."""
    coords = shapely.get_coordinates(geometry)
    idx = np.linspace(0, len(coords) - 1, n).astype(int)
    return [shapely.Point(coords[i]) for i in idx]


@pytest.fixture
def straight_line():
    """A straight ~100 km east-west geodesic at 35.9 N, with a test area around it."""
    return shapely.LineString([(36.0, 35.9), (37.1066, 35.9)])


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


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium (Debian's) for every browser test of the session.

    Skipped with a message where chromium or playwright is missing, but failing instead when CI is set.
    """
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def offline_page(browser, path: Path, local_files: dict[str, Path] | None = None):
    """Open a local HTML file in a fresh page with every non-local request blocked and recorded.

    ``local_files`` maps a URL's file name to a local file served in its place (the request is
    still recorded as external). Yields (page, external requests, console/page errors).
    """
    external, errors = [], []
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
            return r.continue_()
        external.append(url)
        name = url.split("?", 1)[0].rsplit("/", 1)[-1]
        if local_files is not None and name in local_files:
            return r.fulfill(path=str(local_files[name]))
        if local_files is not None:
            return r.fulfill(status=200, body="", content_type="text/plain")
        return r.abort()

    page.route("**/*", route)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    try:
        page.goto(path.as_uri())
        yield page, external, errors
    finally:
        context.close()


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
