"""Incidents on the interactive map: clustered markers, a heat map and a time filter by month.

The incidents reach the page as one escaped JSON block (never through a template); popups are
built with ``textContent``. Above ``MARKER_LIMIT`` incidents they are aggregated into hexagons
(``HEX_SIZE_KM``) with counts per month, so the HTML stays small. Incidents without a date are
drawn and counted while the whole month range is chosen (the status says how many). Fatalities
are summed exactly (as integers), so absurd values such as 1e308 cannot overflow the page's data.
"""

from __future__ import annotations

import branca
import folium
import numpy as np
import pandas as pd
import shapely
from folium import plugins

from ..geodesy.projection import LocalProjection
from .layers import STATUS_COLOURS, UNKNOWN_STATUS_COLOUR
from .palette import DENSITY_COLOURS

MARKER_LIMIT = 20_000

HEX_SIZE_KM = 3.0

NOTES_MAX_CHARS = 600

TEXT_FIELDS = ("event_id_cnty", "event_type", "sub_event_type", "actor1", "actor2", "location", "notes", "source")

MARKERCLUSTER_JS = "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"

MARKERCLUSTER_CSS = [
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.css",
    "https://cdn.jsdelivr.net/npm/leaflet.markercluster@1.5.3/dist/MarkerCluster.Default.css",
]

_SCRIPT = """
{% macro header(this, kwargs) %}
<style>
.zonemap-incident { background: @unknown@; border: 1px solid #333; border-radius: 50%; }
.zonemap-incident.zonemap-status-inside { background: @inside@; border-color: #333; }
.zonemap-incident.zonemap-status-uncertain { background: @uncertain@; border-color: #333; }
.zonemap-incident.zonemap-status-outside { background: @outside@; border-color: #fff; }
.marker-cluster-small, .marker-cluster-medium, .marker-cluster-large { background-color: rgba(255,255,255,0.55); }
.marker-cluster-small div, .marker-cluster-medium div, .marker-cluster-large div {
  background-color: #ffffff; border: 2px solid #333; box-sizing: border-box; color: #000; font-weight: bold; }
.zonemap-key-row span { display: inline-block; width: 10px; height: 10px; margin-right: 5px;
  vertical-align: middle; border-radius: 50%; border: 1px solid #444; }
.zonemap-key-row.zonemap-class span { border-radius: 0; width: 14px; }
.zonemap-time { background: rgba(255,255,255,0.92); padding: 6px 8px; font: 12px sans-serif;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
.zonemap-time input { width: 180px; display: block; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
    var data = JSON.parse(document.getElementById({{ this.data_id|tojson }}).textContent);
    var map = {{ this._parent.get_name() }};
    var cluster = {{ this.cluster.get_name() }};
    var heat = {{ this.heat.get_name() }};
    var labels = {{ this.labels|tojson }};
    function text(value) { return value === null || value === undefined ? "" : String(value); }
    function popup(i) {
        var box = document.createElement("div");
        box.className = "zonemap-info";
        var title = document.createElement("strong");
        title.textContent = text(data.date[i]) + " " + text(data.event_type[i]);
        box.appendChild(title);
        labels.forEach(function (pair) {
            var value = data[pair[0]] ? data[pair[0]][i] : null;
            if (value === null || value === undefined || value === "") { return; }
            var row = document.createElement("div");
            var label = document.createElement("em");
            label.textContent = pair[1] + ": ";
            row.appendChild(label);
            row.appendChild(document.createTextNode(text(value)));
            box.appendChild(row);
        });
        return box;
    }
    function binPopup(bin, count, deaths) {
        var box = document.createElement("div");
        box.textContent = count + " incidents, " + number(deaths) + " fatalities in this "
            + data.hex_km + " km hexagon";
        return box;
    }
    var icons = {};
    function iconOf(i) {
        var state = data.status ? data.status[i] : "";
        var key = statusColours[state] ? state : "";
        if (!icons[key]) {
            icons[key] = L.divIcon({className: "zonemap-incident" + (key ? " zonemap-status-" + key : ""),
                                    iconSize: [10, 10]});
        }
        return icons[key];
    }
    var statusOrder = {{ this.status_colours|tojson }}, statusColours = {};  // [[status, colour], ...]
    statusOrder.forEach(function (pair) { statusColours[pair[0]] = pair[1]; });
    var classColours = {{ this.class_colours|tojson }};
    var until = null;  // ISO date from the map's date control: incidents before it only
    if (data.mode === "bins" && !map.getPane("zonemap-hexagons")) {
        map.createPane("zonemap-hexagons").style.zIndex = 350;  // under the zone outlines (overlayPane: 400)
    }
    var markers = [];
    function marker(i) {
        if (!markers[i]) {
            markers[i] = L.marker([data.lat[i], data.lon[i]], {icon: iconOf(i)});
            markers[i].bindPopup(function () { return popup(i); }, {maxWidth: 360});
        }
        return markers[i];
    }
    var status = document.createElement("div");
    status.className = "zonemap-time-status";
    var last = Math.max(0, data.months.length - 1);
    function undatedCount() {
        if (data.mode === "points") { return data.month.filter(function (m) { return m < 0; }).length; }
        return data.bins.reduce(function (sum, bin) { return sum + (bin.undated || 0); }, 0);
    }
    var undated = undatedCount();
    function number(value) { return isFinite(value) ? String(value) : "more than 1.7e308"; }
    function render(lo, hi) {
        // Undated incidents belong to no month: drawn and counted while the whole range is chosen.
        var whole = lo === 0 && hi === last && until === null;
        var points = [], shown = 0, from = data.months[lo] || "", to = data.months[hi] || "";
        var untilMonth = until === null ? null : until.slice(0, 7);
        cluster.clearLayers();
        if (data.mode === "points") {
            var keep = [];
            for (var i = 0; i < data.lat.length; i++) {
                var m = data.month[i];
                if (m >= 0 && until !== null && !(data.date[i] < until)) { continue; }
                if (m < 0 ? whole : (m >= lo && m <= hi)) {
                    keep.push(marker(i));
                    points.push([data.lat[i], data.lon[i]]);
                }
            }
            cluster.addLayers(keep);
            shown = keep.length;
        } else {
            var drawn = [];
            data.bins.forEach(function (bin) {
                var count = 0, deaths = 0;
                for (var m = lo; m <= hi; m++) {
                    if (untilMonth !== null && data.months[m] >= untilMonth) { break; }  // whole months before
                    count += bin.counts[m] || 0; deaths += bin.deaths[m] || 0;
                }
                if (whole) { count += bin.undated || 0; deaths += bin.undated_deaths || 0; }
                if (count) { drawn.push([bin, count, deaths]); }
            });
            var breaks = quantileBreaks(drawn.map(function (d) { return d[1]; }));
            drawn.forEach(function (d) {
                var bin = d[0], count = d[1], deaths = d[2], k = 0;
                while (k < breaks.length - 1 && count > breaks[k]) { k++; }
                var shape = L.polygon(bin.ring, {color: "@hexagon_edge@", weight: 0.5, fillColor: classColours[k],
                                                 fillOpacity: 0.75, className: "zonemap-hexagon",
                                                 pane: "zonemap-hexagons"});
                shape.bindPopup(function () { return binPopup(bin, count, deaths); });
                cluster.addLayer(shape);
                points.push([bin.lat, bin.lon, count]);
                shown += count;
            });
            var least = drawn.reduce(function (a, d) { return Math.min(a, d[1]); }, Infinity);
            showClasses(breaks, drawn.length ? least : 0);
        }
        heat.setLatLngs(points);
        var period = !data.months.length ? "No dates" : (from === to ? from : from + " to " + to);
        if (until !== null) { period += ", before " + until; }
        var note = !undated || !data.months.length ? ""
            : whole ? " (" + undated + " undated included)" : " (" + undated + " undated not shown)";
        status.textContent = period + ": " + shown + " incidents" + note;
    }
    // Upper bounds of up to five classes of incidents per hexagon: quantiles of the counts drawn.
    function quantileBreaks(counts) {
        if (!counts.length) { return []; }
        var sorted = counts.slice().sort(function (a, b) { return a - b; }), breaks = [];
        for (var q = 1; q <= classColours.length; q++) {
            var value = sorted[Math.min(sorted.length - 1, Math.ceil(q / classColours.length * sorted.length) - 1)];
            if (!breaks.length || value > breaks[breaks.length - 1]) { breaks.push(value); }
        }
        return breaks;
    }
    var key = document.createElement("div");
    key.className = "zonemap-incident-key";
    function keyRow(colour, label, className) {
        var row = document.createElement("div");
        row.className = "zonemap-key-row " + className;
        var swatch = document.createElement("span");
        swatch.style.background = colour;
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(label));
        key.appendChild(row);
    }
    function showClasses(breaks, least) {
        key.textContent = "";
        var low = least;
        breaks.forEach(function (high, k) {
            // each class holds the counts above the previous break, up to its own
            keyRow(classColours[k], (low === high ? String(high) : low + "–" + high) + " per hexagon",
                   "zonemap-class");
            low = high + 1;
        });
    }
    if (data.mode === "points" && data.status) {
        statusOrder.forEach(function (pair) {
            if (data.status.indexOf(pair[0]) >= 0) { keyRow(pair[1], "DMZ: " + pair[0], "zonemap-status"); }
        });
    }
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
        var box = L.DomUtil.create("div", "zonemap-time");
        var title = document.createElement("strong");
        title.textContent = {{ this.title|tojson }};
        box.appendChild(title);
        var inputs = [0, last].map(function (value, k) {
            var input = document.createElement("input");
            input.type = "range"; input.min = 0; input.max = last; input.disabled = data.months.length < 2;
            input.value = value; input.className = k ? "zonemap-time-to" : "zonemap-time-from";
            box.appendChild(input);
            return input;
        });
        box.appendChild(status);
        box.appendChild(key);
        function changed() {
            var a = +inputs[0].value, b = +inputs[1].value;
            render(Math.min(a, b), Math.max(a, b));
        }
        inputs.forEach(function (input) { input.addEventListener("input", changed); });
        map.on("zonemap:date", function (event) { until = event.until || null; changed(); });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
    };
    control.addTo(map);
    render(0, last);
})();
{% endmacro %}
"""

# the CSS colours of the status classes, from the one place that sets them (a count badge is white)
_SCRIPT = _SCRIPT.replace("@unknown@", UNKNOWN_STATUS_COLOUR).replace("@hexagon_edge@", DENSITY_COLOURS[-1])
for _status, _colour in STATUS_COLOURS.items():
    _SCRIPT = _SCRIPT.replace(f"@{_status}@", _colour)

#: Hexagon colours of the quantile classes, fewest incidents first (:data:`~.palette.DENSITY_COLOURS`:
#: no class looks like a status of incidents, a zone or a line).
CLASS_COLOURS = list(DENSITY_COLOURS)

#: The heat map's gradient: the hexagons' ramp (Leaflet.heat's default blue-cyan-lime-yellow-red
#: would repeat the M4 corridor's blue, the posts' cyan, the DMZ's red).
HEAT_GRADIENT = {round(0.2 * (k + 1), 1): colour for k, colour in enumerate(DENSITY_COLOURS)}

#: Outline of a hexagon: the darkest class.
HEXAGON_EDGE = DENSITY_COLOURS[-1]

POPUP_LABELS = [
    ("event_type", "Type"),
    ("sub_event_type", "Sub-type"),
    ("actor1", "Actor 1"),
    ("actor2", "Actor 2"),
    ("fatalities", "Fatalities"),
    ("location", "Location"),
    ("notes", "Notes"),
    ("source", "Source"),
    ("event_id_cnty", "ID"),
    ("status", "DMZ status"),
]


class _IncidentLayers(branca.element.MacroElement):
    """Fills the cluster and heat layers from the incidents' JSON block; adds the time filter."""

    _template = branca.element.Template(_SCRIPT)

    def __init__(self, cluster, heat, data_id: str, title: str):
        super().__init__()
        self._name = "IncidentLayers"
        self.cluster, self.heat, self.data_id = cluster, heat, data_id
        self.labels = POPUP_LABELS
        self.title = title  # zonemap's own words (the layer's name), never data
        self.status_colours = list(STATUS_COLOURS.items())  # a list keeps the order (tojson sorts keys)
        self.class_colours = CLASS_COLOURS


def _text(values: pd.Series, limit: int | None = None) -> list[str]:
    out = values.astype("string").fillna("").tolist()
    if limit:
        out = [v if len(v) <= limit else v[: limit - 1] + "…" for v in out]
    return out


def _months(dates: pd.Series) -> tuple[list[str], np.ndarray]:
    labels = dates.dt.strftime("%Y-%m")
    months = sorted(labels.dropna().unique())
    index = {m: i for i, m in enumerate(months)}
    return months, np.asarray([index.get(m, -1) if isinstance(m, str) else -1 for m in labels], dtype=int)


def incident_payload(incidents, *, marker_limit: int = MARKER_LIMIT) -> dict:
    """The incidents as the map's JSON data: one entry per incident, or hexagon bins above the limit.

    Examples
    --------
    >>> from zonemap.incidents.synthetic import synthetic_incidents
    >>> events = synthetic_incidents(30)
    >>> incident_payload(events)["mode"], incident_payload(events, marker_limit=10)["mode"]
    ('points', 'bins')
    """
    geoms = incidents.geometry.to_numpy()
    lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)
    dates = (
        pd.to_datetime(incidents["event_date"])
        if "event_date" in incidents
        else pd.Series(pd.NaT, index=incidents.index)
    )
    months, month_index = _months(dates)
    fatalities = incidents["fatalities"] if "fatalities" in incidents else pd.Series(np.nan, index=incidents.index)
    if len(incidents) <= marker_limit:
        payload = {
            "mode": "points",
            "months": months,
            "lat": np.round(lat, 5).tolist(),
            "lon": np.round(lon, 5).tolist(),
            "month": month_index.tolist(),
            "date": [d.strftime("%Y-%m-%d") if not pd.isna(d) else "" for d in dates],
            "fatalities": [None if pd.isna(f) else int(f) for f in fatalities],
        }
        if "dmz_status" in incidents:
            payload["status"] = _text(incidents["dmz_status"], 20)
        for name in TEXT_FIELDS:
            if name in incidents:
                payload[name] = _text(incidents[name], NOTES_MAX_CHARS if name == "notes" else 200)
        payload.setdefault("event_type", [""] * len(incidents))  # the popup title reads it
        return payload
    return _hex_payload(lon, lat, month_index, fatalities.fillna(0).to_numpy(), months)


def _whole_sum(values: pd.Series) -> int:
    """Sum of fatalities as an exact integer, even where a float sum would overflow (1e308 + 1e308)."""
    numbers = values.to_numpy(dtype=float)
    with np.errstate(over="ignore"):
        total = float(numbers.sum())
    if np.isfinite(total) and abs(total) < 2**53:
        return int(total)
    return sum(int(v) for v in numbers)


def _hex_payload(lon, lat, month_index, fatalities, months) -> dict:
    """Pointy-top hexagons of ``HEX_SIZE_KM`` (centre to corner) on a local equidistant projection."""
    proj = LocalProjection(round(float(np.mean(lon)), 4), round(float(np.mean(lat)), 4))
    x, y = proj._forward.transform(lon, lat)
    size = HEX_SIZE_KM * 1000
    q = (np.sqrt(3) / 3 * x - y / 3) / size
    r = (2 / 3 * y) / size
    cube = np.column_stack([q, -q - r, r])
    rounded = np.round(cube)
    diff = np.abs(rounded - cube)
    fix_q = (diff[:, 0] > diff[:, 1]) & (diff[:, 0] > diff[:, 2])
    fix_r = ~fix_q & (diff[:, 1] <= diff[:, 2])
    rounded[fix_q, 0] = -rounded[fix_q, 1] - rounded[fix_q, 2]
    rounded[fix_r, 2] = -rounded[fix_r, 0] - rounded[fix_r, 1]
    keys = pd.DataFrame({"q": rounded[:, 0].astype(int), "r": rounded[:, 2].astype(int), "m": month_index,
                         "f": fatalities})  # fmt: skip
    bins = []
    for (hq, hr), group in keys.groupby(["q", "r"], sort=True):
        cx, cy = size * np.sqrt(3) * (hq + hr / 2), size * 1.5 * hr
        angles = np.radians(30 + 60 * np.arange(6))
        ring_lon, ring_lat = proj._inverse.transform(cx + size * np.cos(angles), cy + size * np.sin(angles))
        clon, clat = proj._inverse.transform(cx, cy)
        dated = group[group["m"] >= 0]
        counts = dated.groupby("m").size()
        deaths = dated.groupby("m")["f"].agg(_whole_sum)
        bins.append(
            {
                "lat": round(float(clat), 5),
                "lon": round(float(clon), 5),
                "ring": [[round(float(a), 5), round(float(b), 5)] for a, b in zip(ring_lat, ring_lon)],
                "counts": {str(k): int(v) for k, v in counts.items()},
                "deaths": {str(k): v for k, v in deaths.items()},
                "undated": int((group["m"] < 0).sum()),
                "undated_deaths": _whole_sum(group.loc[group["m"] < 0, "f"]),
            }
        )
    return {"mode": "bins", "months": months, "hex_km": HEX_SIZE_KM, "bins": bins}


class _JsonBlock(branca.element.Element):
    """A ``<script type="application/json">`` block in the page's header.

    The data are serialised by :func:`zonemap.render.html._json_for_html` when the page is rendered and
    never pass through a Jinja template, so text like ``{{ 7*7 }}`` or ``</script>`` stays inert.
    """

    def __init__(self, element_id: str, value):
        super().__init__()
        self._name = "JsonBlock"
        self.element_id, self.value = element_id, value

    def render(self, **kwargs) -> str:
        from .html import _json_for_html

        return f'<script type="application/json" id="{self.element_id}">{_json_for_html(self.value)}</script>'


def _data_block_id(root) -> str:
    """``zonemap-incidents``, numbered from the second incident layer of one page on."""
    taken = {child.element_id for child in root.header._children.values() if isinstance(child, _JsonBlock)}
    return next(
        key for key in ("zonemap-incidents", *(f"zonemap-incidents-{n}" for n in range(2, len(taken) + 2)))
        if key not in taken
    )  # fmt: skip


def add_incidents(m: folium.Map, incidents, *, marker_limit: int = MARKER_LIMIT) -> folium.Map:
    """Add incidents (a GeoDataFrame of points, e.g. ``classify(read_incidents(f).accepted)``) to a map.

    Layers: clustered markers (or hexagon bins above ``marker_limit``) with popups, a heat map,
    and a month range filter. Works on any ``folium.Map`` (e.g. ``folium.Map()``), not only on
    :func:`zonemap.zone_map`'s. Incidents without a date are drawn and counted while the whole
    month range is chosen. Returns the map.

    Parameters
    ----------
    m : folium.Map
        The map to draw on.
    incidents : geopandas.GeoDataFrame
        Points in EPSG:4326; ``event_date``, ``fatalities`` and ACLED's text columns when present.
    marker_limit : int
        Above this many incidents, hexagons of ``HEX_SIZE_KM`` (km) replace the markers.

    Examples
    --------
    >>> import folium
    >>> from zonemap import sample_incidents
    >>> m = add_incidents(folium.Map(), sample_incidents().accepted)
    >>> 'id="zonemap-incidents"' in m.get_root().render()
    True
    """
    root = m.get_root()
    block_id = _data_block_id(root)
    root.header.add_child(_JsonBlock(block_id, incident_payload(incidents, marker_limit=marker_limit)), name=block_id)
    many = len(incidents) > marker_limit
    name = f"Incidents ({HEX_SIZE_KM:g} km hexagons)" if many else "Incidents (clustered)"
    cluster = plugins.MarkerCluster(name=name, options={"chunkedLoading": True}) if not many else None
    if cluster is not None:
        if m.options.get("max_zoom") is None and not any(isinstance(c, folium.TileLayer) for c in m._children.values()):
            m.options["max_zoom"] = 18  # Leaflet.markercluster needs a maximum zoom; tile layers give one
        cluster.default_js = [("markerclusterjs", MARKERCLUSTER_JS)]
        cluster.default_css = [(f"markerclustercss{i}", url) for i, url in enumerate(MARKERCLUSTER_CSS)]
        cluster.add_to(m)
    else:
        cluster = folium.FeatureGroup(name=name).add_to(m)
    heat = plugins.HeatMap([], name="Incidents heat map", show=False, radius=18, gradient=HEAT_GRADIENT).add_to(m)
    _IncidentLayers(cluster, heat, block_id, f"{name} by month").add_to(m)
    _layer_control_last(m)
    return m


def _layer_control_last(m: folium.Map) -> None:
    """Move a map's layer control (e.g. :func:`zonemap.zone_map`'s) after the layers added since: its
    script names every layer, so it must come after their scripts (else "reading 'setZIndex'" on the page)."""
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            m._children.move_to_end(key)
