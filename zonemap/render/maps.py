"""Interactive Leaflet maps of the zones, built with folium.

Data never passes through a Jinja template: features reach the page as one escaped JSON block,
substituted after folium has rendered, and popups/tooltips are built with ``textContent``.
Element ids are numbered in tree order, so the same inputs give a byte-identical file.
"""

from __future__ import annotations

import base64
import itertools
import mimetypes
import os
import re
import warnings
from html import escape as html_escape
from pathlib import Path

import branca
import folium
import xyzservices.providers as xyz
from folium import plugins

from ..errors import ArgumentError, ZonemapError
from ..model import data, timeline, zones
from ..model.dates import read_day
from ..output import atomic_path
from .html import _collection, _geometry, _json_for_html  # zonemap-split
from .layers import (
    DIGITISED,
    FEATURE_STYLES,
    HELD_COLOUR,
    OVERLAYS,
    Layer,
    accuracy_halo,
    date_label,
    default_layers,
    drawn_layers,
    no_line_text,
)

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "node_modules"

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

#: Base layers a map can start on: key -> xyzservices provider (``none``: no tiles, outlines only).
BASE_LAYERS = {
    "osm": xyz.OpenStreetMap.Mapnik,
    "positron": xyz.CartoDB.Positron,
    "imagery": xyz.Esri.WorldImagery,
    "none": None,
}

#: Zoom levels from which place names are shown: curated towns and cities, then every place.
LABEL_ZOOM = {"major": 9, "other": 11}  # curated villages are drawn at every zoom, named from "other" on

FOOTER = f"Geometry approximate: {DIGITISED}; accuracy in each popup."

_SCRIPT = """
{% macro header(this, kwargs) %}
<style>
.zonemap-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; font: 12px sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 300px; }
.zonemap-legend .zonemap-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 6px;
  vertical-align: middle; box-sizing: border-box; }
.zonemap-legend .zonemap-legend-date { margin-top: 4px; font-weight: bold; }
.zonemap-legend .zonemap-legend-footer { color: #555; margin-top: 4px; }
.leaflet-tooltip.zonemap-label { background: transparent; border: 0; box-shadow: none; padding: 0 2px;
  font: 11px sans-serif; color: #222; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
.leaflet-tooltip.zonemap-label::before { display: none; }
.leaflet-tooltip.zonemap-post-no { font-weight: bold; color: #000; }
.zonemap-date { background: rgba(255,255,255,0.92); padding: 6px 8px; font: 12px sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
.zonemap-date input { width: 180px; vertical-align: middle; }
.zonemap-date button { width: 28px; margin-right: 4px; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var data = JSON.parse(document.getElementById({{ this.data_id|tojson }}).textContent);
    var legend = JSON.parse(document.getElementById({{ this.legend_id|tojson }}).textContent);
    var featureStyles = {{ this.feature_styles|tojson }};
    var fields = {{ this.fields|tojson }};
    var labelZoom = {{ this.label_zoom|tojson }};
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
    function labelNode(value, className) {
        var span = document.createElement("span");
        span.textContent = text(value);
        if (legend.lang === "ar") { span.dir = "rtl"; span.lang = "ar"; }
        span.className = className;
        return span;
    }
    var labelled = [], minor = [];
    Object.keys(groups).forEach(function (key) {
        var style = legend.styles[key];
        L.geoJSON(data[key], {
            style: function (feature) {
                return Object.assign({}, style, featureStyles[feature.properties._style] || {});
            },
            pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, style.point); },
            onEachFeature: function (feature, layer) {
                var props = feature.properties;
                layer.bindPopup(function () { return info(props); }, {maxWidth: 360});
                if (key === "towns") {
                    layer.bindTooltip(labelNode(props.label, "zonemap-place"), {permanent: true,
                        direction: "right", className: "zonemap-label", offset: [4, 0]});
                    labelled.push([layer, props.major ? labelZoom.major : labelZoom.other]);
                    if (!props.curated) { minor.push(layer); }
                } else if (key === "posts" && props.number) {
                    layer.bindTooltip(labelNode(props.number, "zonemap-place"), {permanent: true,
                        direction: "right", className: "zonemap-label zonemap-post-no", offset: [5, 0]});
                    labelled.push([layer, 0]);
                } else {
                    layer.bindTooltip(function () { return labelNode(props.label || props.name, ""); },
                                      {sticky: true});
                }
            }
        }).addTo(groups[key]);
    });
    function showLabels() {
        var zoom = map.getZoom();
        minor.forEach(function (layer) {  // GeoNames places: shown with their names when zoomed in
            var hidden = zoom < labelZoom.other;
            layer.setStyle({opacity: hidden ? 0 : 1, fillOpacity: hidden ? 0 : 1});
            layer.options.interactive = !hidden;
        });
        labelled.forEach(function (pair) {
            if (!map.hasLayer(pair[0])) { return; }
            if (zoom >= pair[1]) { pair[0].openTooltip(); } else { pair[0].closeTooltip(); }
        });
    }
    map.on("zoomend overlayadd", showLabels);
    map.whenReady(showLabels);
    L.control.scale({imperial: false, metric: true, position: "bottomleft"}).addTo(map);
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
        var box = L.DomUtil.create("div", "zonemap-legend");
        var title = document.createElement("strong");
        title.className = "zonemap-legend-title";
        title.textContent = legend.title;
        box.appendChild(title);
        legend.entries.forEach(function (entry) {
            var row = document.createElement("div");
            row.className = "zonemap-legend-entry";
            var swatch = document.createElement("span");
            swatch.className = "zonemap-swatch";
            if (entry.kind === "line") {
                swatch.style.height = "0"; swatch.style.borderTop = "3px " + (entry.dashed ? "dashed " : "solid ")
                    + entry.colour;
            } else if (entry.kind === "point") {
                swatch.style.width = "10px"; swatch.style.borderRadius = "50%"; swatch.style.background = entry.colour;
                swatch.style.border = "1.5px solid " + entry.border;
            } else {
                swatch.style.background = entry.colour; swatch.style.opacity = entry.inactive ? "0.2" : "0.6";
                swatch.style.border = "1px " + (entry.inactive ? "dashed " : "solid ") + entry.border;
            }
            var label = document.createElement("span");
            label.className = "zonemap-legend-label";
            label.textContent = entry.label;
            row.appendChild(swatch);
            row.appendChild(label);
            box.appendChild(row);
        });
        var date = document.createElement("div");
        date.className = "zonemap-legend-date";
        box.appendChild(date);
        var footer = document.createElement("div");
        footer.className = "zonemap-legend-footer";
        footer.textContent = legend.footer;
        box.appendChild(footer);
        L.DomEvent.disableClickPropagation(box);
        return box;
    };
    control.addTo(map);
})();
{% endmacro %}
"""


class _ZoneLayers(branca.element.MacroElement):
    """Fills feature groups from the page's JSON blocks, adds labels, a metric scale and the legend.

    The template is static: every text from data or options reaches the page through the JSON
    blocks and is set with ``textContent``.
    """

    _template = branca.element.Template(_SCRIPT)

    def __init__(self, groups: dict, data_id: str, legend_id: str):
        super().__init__()
        self._name = "ZoneLayers"
        self.groups = groups
        self.data_id, self.legend_id = data_id, legend_id
        self.feature_styles = FEATURE_STYLES
        self.fields = POPUP_FIELDS
        self.label_zoom = LABEL_ZOOM


_TIMELINE = """
{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var line = {{ this.line.get_name() }};
    var held = {{ this.held.get_name() }};
    var tl = JSON.parse(document.getElementById({{ this.data_id|tojson }}).textContent);
    var last = tl.states.length - 1;
    var current = -1, timer = null;
    var slider, play, shown;
    function number(value) { return Math.round(value).toLocaleString("en-US"); }
    function show(i) {
        current = i;
        var state = tl.states[i];
        line.clearLayers(); held.clearLayers();
        L.geoJSON(state.opposition, {style: tl.styles.held}).addTo(held);
        L.geoJSON(state.halo, {style: tl.styles.halo, interactive: false}).addTo(line);
        L.geoJSON(state.line, {style: tl.styles.line, className: "zonemap-date-line"}).addTo(line);
        var after = i === last && tl.end ? "; no line after it: the zones ended on " + tl.end : "";
        var until = " (stands until " + state.until + ", exclusive" + after + ")";
        var caption = "Shown: contact line of " + state.as_of + until + "; opposition-held "
            + number(state.opposition_km2) + " km²";
        shown.textContent = state.as_of;
        document.querySelectorAll(".zonemap-legend-date").forEach(function (node) { node.textContent = caption; });
        slider.value = i;
        map.fire("zonemap:date", {as_of: state.as_of, until: state.until});
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "\u25b6"; }
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
        var box = L.DomUtil.create("div", "zonemap-date");
        var title = document.createElement("strong");
        title.textContent = "Contact line on date";
        box.appendChild(title);
        var row = document.createElement("div");
        play = document.createElement("button");
        play.type = "button"; play.className = "zonemap-date-play"; play.title = "play / pause";
        slider = document.createElement("input");
        slider.type = "range"; slider.min = 0; slider.max = last; slider.step = 1;
        slider.className = "zonemap-date-slider";
        shown = document.createElement("span");
        shown.className = "zonemap-date-shown";
        row.appendChild(play); row.appendChild(slider); row.appendChild(shown);
        box.appendChild(row);
        slider.addEventListener("input", function () { stop(); show(+slider.value); });
        play.addEventListener("click", function () {
            if (timer) { stop(); return; }
            if (current >= last) { show(0); }
            play.textContent = "\u275a\u275a";
            timer = setInterval(function () { if (current >= last) { stop(); } else { show(current + 1); } },
                                {{ this.interval_ms|tojson }});
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
    };
    control.addTo(map);
    stop();
    show({{ this.start|tojson }});
})();
{% endmacro %}
"""


class _DateControl(branca.element.MacroElement):
    """A date slider with play/pause over the dated contact lines: the line in force, its accuracy
    band and the opposition-held area; fires ``zonemap:date`` so incident layers follow it."""

    _template = branca.element.Template(_TIMELINE)

    def __init__(self, line, held, data_id: str, start: int, interval_ms: int = 1200):
        super().__init__()
        self._name = "DateControl"
        self.line, self.held, self.data_id = line, held, data_id
        self.start, self.interval_ms = start, interval_ms


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


def map_layers(**options) -> dict[str, dict]:
    """Every drawn layer of the map as a GeoJSON FeatureCollection (dict), in drawing order.

    ``options`` are those of :func:`zonemap.render.layers.drawn_layers` (widths in km, layers, colours, ...).

    Examples
    --------
    >>> list(map_layers(layers=["idlib", "posts"]))
    ['idlib', 'posts']
    """
    return {key: _collection(layer.frame) for key, layer in drawn_layers(**options).items()}


def _legend_entry(layer: Layer) -> dict:
    style = layer.style
    if layer.kind == "point":
        point = style["point"]
        border = point["color"]
        return {"label": layer.label, "colour": point["fillColor"], "border": border, "kind": "point"}
    inactive = "_style" in layer.frame and bool((layer.frame["_style"] == "inactive").all())
    return {"label": layer.label, "colour": style["color"], "border": style["color"], "kind": layer.kind,
            "dashed": bool(style.get("dashArray")) or inactive, "inactive": inactive}  # fmt: skip


def _timeline_payload(source=None, date_column: str = "as_of", valid_until=None) -> dict:
    """The dated lines as the date control's data: line, accuracy band (per stretch) and opposition-held
    area per date, each line with the first day it no longer stands for (``until``) and, for the last,
    when the zones ended (``end``): the control never shows a line past its date."""
    states = []
    lines = timeline.load_timeline(source, date_column=date_column, valid_until=valid_until)
    for state in lines.states():
        line = state.line.geometry
        states.append(
            {
                "as_of": state.as_of,
                "until": state.until,
                "name": state.line.name,
                "accuracy_km": state.accuracy_km,
                "opposition_km2": round(state.opposition_km2, 1),
                "line": _geometry(line),
                "halo": _geometry(accuracy_halo(line, state.stretch_accuracy_km), 4),
                "opposition": _geometry(state.opposition, 4),
            }
        )
    line_colour = OVERLAYS["contact_line"][1]["color"]
    styles = {
        "line": {"color": "#000000", "weight": 4, "dashArray": "2 6", "lineCap": "round"},
        "halo": {**OVERLAYS["halo"][1], "color": line_colour, "fillColor": "#000000", "weight": 0},
        "held": OVERLAYS["held"][1],
    }
    end = timeline.zones_end()
    return {"states": states, "styles": styles, "end": None if end is None else str(end)[:10]}


def zone_map(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    offline: bool = False,
    incidents=None,
    layers=None,
    colours: dict | None = None,
    user_layers=(),
    title: str | None = None,
    lang: str = "en",
    base: str | None = None,
    date_control: bool = True,
    timeline_source=None,
    timeline_date_column: str = "as_of",
    timeline_valid_until=None,
    as_of=None,
    show_inactive: bool = False,
) -> folium.Map:
    """The interactive map of the zones as a ``folium.Map`` (widths in km), shaped by the options.

    Base layers: OpenStreetMap, CartoDB Positron, Esri World Imagery (via xyzservices) and "No
    tiles"; the country and governorate outlines stay readable without tiles. Display it in a
    notebook, extend it with folium, or write it with :func:`save_map`. The legend lists exactly
    the layers drawn, each labelled for the options used, and sits above a metric scale bar.

    Parameters
    ----------
    width_km, contact_line, symmetric, corridor_km
        The model options, as for :func:`zonemap.sochi_dmz` (km).
    offline : bool
        Start on "No tiles" (the default base layer then is ``none``).
    incidents : geopandas.GeoDataFrame, optional
        Points (e.g. from :func:`zonemap.classify`): clustered markers coloured by ``dmz_status``
        when present, a heat map and a month filter (see :mod:`zonemap.render.incident_map`).
    layers, colours, user_layers, lang
        Which layers, their colours, the user's own lines/areas and the label language
        (``en``/``ar``): see :func:`zonemap.render.layers.drawn_layers`.
    title : str, optional
        The legend's title.
    base : {"osm", "positron", "imagery", "none"}, optional
        The base layer shown first (default ``osm``, or ``none`` when ``offline``).
    date_control : bool
        Add the date slider (play/pause) over the dated contact lines of :mod:`zonemap.model.timeline`:
        it shows the line in force, its accuracy band, the opposition-held area and the incidents
        up to the end of that line's period; the legend says which date is shown.
    timeline_source, timeline_date_column, timeline_valid_until
        Your own dated lines for the date control (a file or GeoDataFrame of line features with
        a date column, or a :class:`~zonemap.model.timeline.Timeline` already read, see
        :func:`zonemap.model.timeline.load_timeline`); default the shipped timeline.
    as_of : date, optional
        The map as of this date: only the zones in force then (:func:`zonemap.render.layers.drawn_layers`),
        the date control starting on the line in force that day (without the control: that line, its
        accuracy band and the opposition-held area drawn as layers); the legend's title says the date.
    show_inactive : bool
        With ``as_of``: draw the zones not in force as well, faded and labelled "not in force".

    Examples
    --------
    >>> m = zone_map(width_km=(10, 25), contact_line="2020")
    >>> html = m.get_root().render()
    >>> "DMZ 10-25 km, opposition side of the 2020 contact line" in html, "Sochi DMZ 15-20 km (2018)" in html
    (True, False)
    """
    base = base or ("none" if offline else "osm")
    if base not in BASE_LAYERS:
        raise ArgumentError(f"base layer must be one of {', '.join(BASE_LAYERS)}, got {base!r}")
    dated = {"timeline_source": timeline_source, "timeline_date_column": timeline_date_column}
    start = None
    if as_of is not None and date_control:
        start = int(timeline.line_index([read_day(as_of, what="as_of")], timeline_source,
                                        date_column=timeline_date_column)[0])  # fmt: skip
        date_control = start >= 0  # before the first dated line there is no line to show
        chosen = [key for key in (layers or default_layers()) if key not in ("held", "line_as_of") or not date_control]
        layers = chosen  # the date control draws the line of the date and the area held then
    drawn = drawn_layers(width_km=width_km, contact_line=contact_line, symmetric=symmetric, corridor_km=corridor_km,
                         layers=layers, colours=colours, user_layers=user_layers, lang=lang, as_of=as_of,
                         show_inactive=show_inactive, **dated)  # fmt: skip
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=False)
    m.options["max_zoom"] = 18  # the marker clusters need it when no tile layer is shown
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    figure = _ZoneFigure()
    entries = [_legend_entry(layer) for key, layer in drawn.items() if key != "outlines"]
    figure.payloads["zonemap-data"] = {key: _collection(layer.frame) for key, layer in drawn.items()}
    figure.payloads["zonemap-legend"] = {
        "title": (title or "zonemap: Syrian de-escalation zones") + _as_of_text(as_of, **dated),
        "entries": entries,
        "footer": FOOTER,
        "lang": lang,
        "styles": {key: layer.style for key, layer in drawn.items()},
    }
    figure.add_child(m)
    m.get_root().header.add_child(branca.element.Element(DATA_PLACEHOLDER), name="zonemap_data")
    folium.FeatureGroup(name="No tiles (offline outlines only)", overlay=False, show=base == "none").add_to(m)
    for key, provider in BASE_LAYERS.items():
        if provider is None:
            continue
        with warnings.catch_warnings():  # folium warns that CARTO may ask for an API key; the layer stays
            warnings.simplefilter("ignore", UserWarning)
            folium.TileLayer(
                tiles=provider.build_url(),
                attr=provider.html_attribution,
                name=provider.name,
                max_zoom=provider.get("max_zoom", 18),
                show=key == base,
            ).add_to(m)
    if date_control:
        figure.payloads["zonemap-timeline"] = _timeline_payload(
            timeline_source, timeline_date_column, timeline_valid_until
        )
        held = folium.FeatureGroup(name="Opposition-held area on the chosen date").add_to(m)
    groups = {key: folium.FeatureGroup(name=f"layer {index}").add_to(m) for index, key in enumerate(drawn)}
    for key, group in groups.items():
        group.layer_name = _control_name(drawn[key])
    _ZoneLayers(groups, "zonemap-data", "zonemap-legend").add_to(m)
    if date_control:
        line = folium.FeatureGroup(name="Contact line on the chosen date (± accuracy)").add_to(m)
        entries.extend(
            [
                {"label": "Contact line on the chosen date (± accuracy)", "colour": "#000000", "border": "#000000",
                 "kind": "line", "dashed": True},
                {"label": "Opposition-held area on the chosen date", "colour": HELD_COLOUR, "border": HELD_COLOUR,
                 "kind": "area"},
            ]
        )  # fmt: skip
        states = figure.payloads["zonemap-timeline"]["states"]
        _DateControl(line, held, "zonemap-timeline", start=len(states) - 1 if start is None else start).add_to(m)
    if incidents is not None:
        from .incident_map import add_incidents

        add_incidents(m, incidents)
    folium.LayerControl(collapsed=True).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl(primary_length_unit="kilometers", primary_area_unit="sqkilometers").add_to(m)
    minx, miny, maxx, maxy = data.de_escalation_area("idlib").total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _as_of_text(as_of, timeline_source=None, timeline_date_column: str = "as_of") -> str:
    """The legend title's date, and why no line is drawn on it (before the first line, past the zones' end)."""
    if as_of is None:
        return ""
    why = no_line_text(as_of, timeline_source, timeline_date_column)
    return f", as of {date_label(as_of)}" + ("" if why is None else f" ({why})")


def _control_name(layer: Layer) -> str:
    """The layer control's name of a layer: the legend label, HTML-escaped (folium inserts it as HTML)."""
    return html_escape(layer.label)


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
