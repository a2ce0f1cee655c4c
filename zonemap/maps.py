"""Interactive Leaflet maps of the zones, built with folium.

Data never passes through a Jinja template: features reach the page as one escaped JSON block,
substituted after folium has rendered, and popups/tooltips are built with ``textContent``.
Element ids are numbered in tree order, so the same inputs give a byte-identical file.
"""

from __future__ import annotations

import base64
import itertools
import json
import mimetypes
import os
import re
import warnings
from pathlib import Path

import branca
import folium
import geopandas as gpd
import numpy as np
import shapely
import xyzservices.providers as xyz
from folium import plugins

from . import data, zones
from .errors import ZonemapError
from .layers import FEATURE_STYLES, OVERLAYS, overlay_frames
from .output import atomic_path

ASSETS = Path(__file__).resolve().parent / "assets" / "node_modules"
FOLIUM_DIR = Path(folium.__file__).resolve().parent
#: Local files that replace folium's CDN links in a self-contained map, by the link's file name.
OFFLINE_ASSETS = {
    "leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet.css": "leaflet/dist/leaflet.css",
    "Control.FullScreen.min.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "leaflet-measure.min.js": "leaflet-measure/dist/leaflet-measure.min.js",
    "leaflet-measure.min.css": "leaflet-measure/dist/leaflet-measure.css",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
    "leaflet_heat.min.js": "folium:templates/leaflet_heat.min.js",  # shipped inside the folium package
}
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css"
DATA_PLACEHOLDER = "<!-- zonemap-data -->"
POPUP_FIELDS = [
    ("as_of", "Date"),
    ("area_km2", "Area (km²)"),
    ("accuracy_km", "Accuracy (km)"),
    ("source", "Source"),
    ("notes", "Notes"),
]

_SCRIPT = """
{% macro script(this, kwargs) %}
(function () {
    var data = JSON.parse(document.getElementById({{ this.data_id|tojson }}).textContent);
    var styles = {{ this.styles|tojson }};
    var featureStyles = {{ this.feature_styles|tojson }};
    var fields = {{ this.fields|tojson }};
    var groups = {
    {%- for key, group in this.groups.items() %}
        {{ key|tojson }}: {{ group.get_name() }},
    {%- endfor %}
    };
    function text(value) { return value === null || value === undefined ? "" : String(value); }
    function info(props) {
        var box = document.createElement("div");
        box.className = "zonemap-info";
        var title = document.createElement("strong");
        title.textContent = text(props.name);
        box.appendChild(title);
        fields.forEach(function (field) {
            if (props[field[0]] === null || props[field[0]] === undefined) { return; }
            var row = document.createElement("div");
            var label = document.createElement("em");
            label.textContent = field[1] + ": ";
            row.appendChild(label);
            row.appendChild(document.createTextNode(text(props[field[0]])));
            box.appendChild(row);
        });
        return box;
    }
    Object.keys(groups).forEach(function (key) {
        var style = styles[key];
        L.geoJSON(data[key], {
            style: function (feature) {
                return Object.assign({}, style, featureStyles[feature.properties._style] || {});
            },
            pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, style.point); },
            onEachFeature: function (feature, layer) {
                layer.bindTooltip(function () {
                    var tip = document.createElement("span");
                    tip.textContent = text(feature.properties.name);
                    return tip;
                }, {sticky: true});
                layer.bindPopup(function () { return info(feature.properties); }, {maxWidth: 360});
            }
        }).addTo(groups[key]);
    });
})();
{% endmacro %}
"""


class _ZoneLayers(branca.element.MacroElement):
    """Fills feature groups from the page's JSON block (static script; no data in the template)."""

    _template = branca.element.Template(_SCRIPT)

    def __init__(self, groups: dict, data_id: str):
        super().__init__()
        self._name = "ZoneLayers"
        self.groups = groups
        self.data_id = data_id
        self.styles = {key: style for key, (_, style) in OVERLAYS.items()}
        self.feature_styles = FEATURE_STYLES
        self.fields = POPUP_FIELDS


_LEGEND = """
{% macro html(this, kwargs) %}
<div class="zonemap-legend" style="position: fixed; bottom: 28px; left: 10px; z-index: 1000;
     background: rgba(255,255,255,0.92); padding: 6px 9px; font: 12px sans-serif; border-radius: 4px;
     box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 300px">
  <strong>{{ this.title|e }}</strong>
  {%- for label, colour, kind in this.entries %}
  <div><span style="display:inline-block;width:14px;height:{{ '3px' if kind == 'line' else '10px' }};
       background:{{ colour|e }};margin-right:6px;vertical-align:middle;
       {{ 'border-radius:50%;' if kind == 'point' else '' }}"></span>{{ label|e }}</div>
  {%- endfor %}
  <div style="color:#555;margin-top:4px">{{ this.footer|e }}</div>
</div>
{% endmacro %}
"""


class _Legend(branca.element.MacroElement):
    _template = branca.element.Template(_LEGEND)

    def __init__(self, title: str, entries: list[tuple[str, str, str]], footer: str):
        super().__init__()
        self._name = "Legend"
        self.title, self.entries, self.footer = title, entries, footer


class _ZoneFigure(branca.element.Figure):
    """A Figure that numbers element ids stably, injects the JSON data blocks and can inline assets."""

    def __init__(self):
        super().__init__()
        self.payloads: dict[str, object] = {}  # element id -> data, written as escaped JSON
        self.self_contained = False

    def render(self, **kwargs) -> str:
        counter = itertools.count()

        def number(element):
            element._id = f"z{next(counter):05d}"
            for child in element._children.values():
                number(child)

        number(self)
        html = super().render(**kwargs)
        blocks = "".join(
            f'<script type="application/json" id="{key}">{_json_for_html(value)}</script>'
            for key, value in self.payloads.items()
        )
        html = html.replace(DATA_PLACEHOLDER, blocks, 1)
        return inline_assets(html) if self.self_contained else html


def _json_for_html(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&', and non-ASCII escaped (U+2028)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _collection(frame: gpd.GeoDataFrame) -> dict:
    keep = [c for c in ("name", "as_of", "source", "accuracy_km", "notes", "area_km2", "kind", "_style") if c in frame]
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    features = []
    for geom, (_, row) in zip(geoms, frame[keep].iterrows()):
        props = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        if "area_km2" in props and props["area_km2"] is not None:
            props["area_km2"] = round(float(props["area_km2"]), 1)
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def map_layers(**model_options) -> dict[str, dict]:
    """Every overlay of the map as a GeoJSON FeatureCollection (dict), keyed as in ``OVERLAYS``.

    ``model_options`` are those of :func:`zonemap.layers.overlay_frames` (widths in km).
    """
    return {key: _collection(frame) for key, frame in overlay_frames(**model_options).items()}


def zone_map(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    offline: bool = False,
    incidents=None,
) -> folium.Map:
    """The interactive map of every zone as a ``folium.Map`` (widths in km).

    Base layers: OpenStreetMap, CartoDB Positron, Esri World Imagery (via xyzservices) and "No
    tiles", shown first when ``offline``; the country and governorate outlines stay readable
    without tiles. Display it in a notebook, extend it with folium, or write it with
    :func:`save_map`. ``incidents`` (a GeoDataFrame of points, e.g. from :func:`zonemap.read_incidents`)
    adds clustered markers, a heat map and a month filter (see :mod:`zonemap.incident_map`).

    Examples
    --------
    >>> m = zone_map()
    >>> "Sochi DMZ" in m.get_root().render()
    True
    """
    layers = map_layers(width_km=width_km, contact_line=contact_line, symmetric=symmetric, corridor_km=corridor_km)
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=False)
    m.options["max_zoom"] = 18  # the marker clusters need it when no tile layer is shown
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    figure = _ZoneFigure()
    figure.payloads["zonemap-data"] = layers
    figure.add_child(m)
    m.get_root().header.add_child(branca.element.Element(DATA_PLACEHOLDER), name="zonemap_data")
    folium.FeatureGroup(name="No tiles (offline outlines only)", overlay=False, show=offline).add_to(m)
    for provider in (xyz.OpenStreetMap.Mapnik, xyz.CartoDB.Positron, xyz.Esri.WorldImagery):
        with warnings.catch_warnings():  # folium warns that CARTO may ask for an API key; the layer stays
            warnings.simplefilter("ignore", UserWarning)
            folium.TileLayer(
                tiles=provider.build_url(),
                attr=provider.html_attribution,
                name=provider.name,
                max_zoom=provider.get("max_zoom", 18),
                show=not offline and provider is xyz.OpenStreetMap.Mapnik,
            ).add_to(m)
    groups = {key: folium.FeatureGroup(name=label).add_to(m) for key, (label, _) in OVERLAYS.items()}
    _ZoneLayers(groups, "zonemap-data").add_to(m)
    low, high = zones._check_width_range(width_km)
    entries = [
        (
            label,
            style.get("color") if "point" not in style else style["point"]["fillColor"],
            "point" if "point" in style else ("line" if style.get("fill") is False else "area"),
        )
        for key, (label, style) in OVERLAYS.items()
        if key != "outlines"
    ]
    _Legend(
        "zonemap: Syrian de-escalation zones",
        entries,
        f"DMZ {low:g}-{high:g} km on the {_line_label(contact_line)}; geometry approximate (see popups)",
    ).add_to(m)
    if incidents is not None:
        from .incident_map import add_incidents

        add_incidents(m, incidents)
    folium.LayerControl(collapsed=True).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl(primary_length_unit="kilometers", primary_area_unit="sqkilometers").add_to(m)
    minx, miny, maxx, maxy = data.de_escalation_area("idlib").total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _line_label(contact_line) -> str:
    """Legend text for the line: only shipped keys, never user text (legend HTML is a template)."""
    if contact_line is None or (isinstance(contact_line, str) and contact_line in data.CONTACT_LINE_KEYS):
        return f"{contact_line or '2018'} contact line"
    return "user-supplied contact line"


def inline_assets(html: str) -> str:
    """Replace CDN ``<script src>`` and stylesheet ``<link>`` tags with the files' contents.

    Raises ZonemapError if an asset is not installed or a link to another host would remain.
    """

    def asset(url: str) -> Path:
        name = url.rsplit("/", 1)[-1]
        if name not in OFFLINE_ASSETS:
            raise ZonemapError(f"self-contained map: no offline copy of {url}")
        where = OFFLINE_ASSETS[name]
        path = FOLIUM_DIR / where.split(":", 1)[1] if where.startswith("folium:") else ASSETS / where
        if not path.is_file():
            raise ZonemapError(
                f"self-contained map: {path} is missing; run `npm ci --prefix zonemap/assets` (make does this)"
            )
        return path

    def script(match):
        body = asset(match.group(1)).read_text(encoding="utf-8").replace("</script", "<\\/script")
        body = re.sub(r"^//# sourceMappingURL=.*$", "", body, flags=re.MULTILINE)
        return f"<script>{body}</script>"

    def stylesheet(match):
        path = asset(match.group(1))
        css = re.sub(
            r"url\((['\"]?)([^'\")]+)\1\)",
            lambda m: f"url({_data_uri(path.parent, m.group(2))})",
            path.read_text(encoding="utf-8"),
        )
        return f"<style>{css}</style>"

    html = re.sub(r'<script src="(https?://[^"]+)"></script>', script, html)
    html = re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/?>', stylesheet, html)
    leftover = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', html)
    if leftover:
        raise ZonemapError(f"self-contained map: external link left: {leftover[0]}")
    return html


def _data_uri(folder: Path, ref: str) -> str:
    """A CSS ``url()`` reference to a file beside the stylesheet, as a data URI (others unchanged)."""
    path = folder / ref
    if ref.startswith(("data:", "#")) or not path.is_file():
        return ref
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def save_map(m: folium.Map, path: str | os.PathLike, *, self_contained: bool = False) -> int:
    """Write a map to an HTML file atomically; returns its size in bytes.

    ``self_contained=True`` inlines Leaflet and every plugin, so the file opens with no network.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> save_map(zone_map(), pathlib.Path(tempfile.mkdtemp()) / "map.html") > 100_000
    True
    """
    root = m.get_root()
    root.self_contained = self_contained
    html = root.render()
    with atomic_path(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return len(html.encode("utf-8"))
