"""Each meaning one colour: every colour the map and the figure use for a meaning (statuses, zones,
lines, held area, places, event types, density classes) differs from every other by CIEDE2000 ΔE
>= 10, and the legends show the colours actually drawn (the map's HTML, the figure's SVG)."""

import io
import json
import re
import xml.etree.ElementTree as ET

import folium
import matplotlib.colors
import pytest

import zonemap
from zonemap.render import incident_map, layers, palette

#: The one pair of meanings that share a colour on purpose: the Sochi DMZ is a fill (18 % opacity,
#: no outline of its own: its edges are dark red) in the red of the 2018 contact line it is drawn from.
SHARED = {frozenset({"dmz", "line_2018"})}

SVG = "{http://www.w3.org/2000/svg}"


def _apart(colours: dict[str, str]) -> list:
    """The pairs of meanings closer than :data:`palette.MIN_DELTA_E`, but for :data:`SHARED`."""
    return [p for p in palette.closest_pairs(colours) if frozenset(p[:2]) not in SHARED]


def _meanings() -> dict[str, str]:
    """Every colour with a meaning, from the constants the map, the figure and the QGIS styles use."""
    colours = {f"status {k}": v for k, v in layers.STATUS_COLOURS.items()}
    colours["status unknown"] = layers.UNKNOWN_STATUS_COLOUR
    for key, (_, style) in layers.OVERLAYS.items():
        colours[key] = style["point"]["fillColor"] if "point" in style else style["color"]
    colours |= {f"user layer {i + 1}": c for i, c in enumerate(layers.USER_COLOURS)}
    colours |= {f"event type {i + 1}": c for i, c in enumerate(palette.EVENT_TYPE_COLOURS)}
    colours["event type other"] = palette.OTHER_EVENT_TYPE_COLOUR
    colours |= {f"density class {i + 1}": c for i, c in enumerate(incident_map.CLASS_COLOURS)}
    return colours


def _over(colour: str, opacity: float, ground: str) -> str:
    """``colour`` laid at ``opacity`` over ``ground``: what the eye sees of a translucent fill."""
    top, bottom = (matplotlib.colors.to_rgb(c) for c in (colour, ground))
    return matplotlib.colors.to_hex([opacity * t + (1 - opacity) * g for t, g in zip(top, bottom)])


def _fills_as_drawn() -> dict[str, str]:
    """The zones' translucent fills as drawn over Syria's land, alone and where they overlap."""
    from zonemap.render.figure import LAND

    land, styles = LAND["Syria"], {key: style for key, (_, style) in layers.OVERLAYS.items()}
    fill = {key: (s["color"], s["fillOpacity"]) for key, s in styles.items() if s.get("fillOpacity")}
    inner = layers.FEATURE_STYLES["inner_band"]["fillOpacity"]
    both = _over(fill["dmz"][0], inner, _over(*fill["dmz"], land))  # the inner band over the outer
    drawn = {f"{key} fill": _over(colour, opacity, land) for key, (colour, opacity) in fill.items()}
    drawn |= {"dmz inner band fill": both, "halo over the dmz": _over(*fill["halo"], both),
              "m4 corridor over the dmz": _over(*fill["m4_corridor"], both)}  # fmt: skip
    return drawn


def test_delta_e_is_ciede2000():
    """Sharma, Wu & Dalal (2005) test pairs 1, 7, 17, 25 and 34 (their Table 1)."""
    lab1 = [[50, 2.6772, -79.7751], [50, 0, 0], [50, 2.5, 0], [60.2574, -34.0099, 36.2677], [2.0776, 0.0795, -1.1350]]
    lab2 = [[50, 0, -82.7485], [50, -1, 2], [73, 25, -18], [60.4626, -34.1751, 39.4387], [0.9033, -0.0636, -0.5514]]
    expected = [2.0425, 2.3669, 27.1492, 1.2644, 0.9082]
    assert palette.delta_e2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_every_meaning_has_a_colour_used_nowhere_else():
    colours = _meanings()
    assert len(colours) > 35
    assert _apart(colours) == []
    # a figure's event types stand out from the land and sea they are drawn on
    from zonemap.render.figure import LAND, SEA

    ground = {"land": LAND["Syria"], "other land": LAND["default"], "sea": SEA}
    events = {k: v for k, v in colours.items() if k.startswith("event type")}
    assert [p for p in palette.closest_pairs(events | ground) if len({p[0], p[1]} & set(ground)) == 1] == []
    # incidents and hexagons stand out from the zones' fills as drawn (the DMZ's pink, the corridor's blue...)
    fills = _fills_as_drawn()
    symbols = {k: v for k, v in colours.items() if k.startswith(("event type", "status", "density"))}
    assert [p for p in palette.closest_pairs(symbols | fills) if len({p[0], p[1]} & set(fills)) == 1] == []


def test_the_old_palettes_would_fail():
    """The check can fail: tab10 event types and YlOrRd hexagons repeat the statuses', DMZ's and posts' colours."""
    fills = _fills_as_drawn()
    salmon = {"event type salmon": "#f88880"}  # apart from every colour above, not from the DMZ's pink as drawn
    assert _apart(_meanings() | salmon) == [] and palette.closest_pairs(fills | salmon)
    tab10 = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab10"].colors[:6]]
    old = {k: v for k, v in _meanings().items() if not k.startswith(("event type", "density"))}
    assert _apart(old | {f"event type {i}": c for i, c in enumerate(tab10)})
    ylorrd = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    assert _apart(old | {f"density class {i}": c for i, c in enumerate(ylorrd)})


def _json_blocks(html: str) -> dict:
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    return {key: json.loads(text) for key, text in found}


def _layer_colour(style: dict) -> str:
    return style["point"]["fillColor"] if "point" in style else style["color"]


def test_the_maps_legend_shows_the_colours_drawn():
    events = zonemap.classify(zonemap.sample_incidents().accepted)
    html = zonemap.zone_map(incidents=events).get_root().render()
    legend = _json_blocks(html)["zonemap-legend"]
    drawn = {key: _layer_colour(style) for key, style in legend["styles"].items() if key != "outlines"}
    entries = legend["entries"]
    assert sorted(e["colour"] for e in entries[: len(drawn)]) == sorted(drawn.values())  # each layer as styled
    # incidents: the markers' CSS and the key's rows (built from statusOrder) give each status one colour
    css = dict(re.findall(r"\.zonemap-incident\.zonemap-status-(\w+) \{ background: (#[0-9a-f]{6});", html))
    key = dict(json.loads(re.search(r"var statusOrder = (\[.*?\]), statusColours", html).group(1)))
    assert css == key == layers.STATUS_COLOURS
    assert set(events["dmz_status"].dropna()) <= set(css)  # every status drawn has its row
    seen = {e["label"]: e["colour"] for e in entries} | {f"incidents {k}": v for k, v in css.items()}
    named = {"Sochi DMZ": "dmz", "Contact line, Sep 2018": "line_2018"}
    seen = {next((v for k, v in named.items() if label.startswith(k)), label): c for label, c in seen.items()}
    same = [p for p in _apart(seen) if {p[0], p[1]} != {"Contact line in force on the date",
                                                        "Contact line on the chosen date (± accuracy)"}]  # fmt: skip
    assert same == []


def test_hexagons_and_the_heat_map_use_the_density_ramp():
    events = zonemap.synthetic_incidents(60, seed=5)
    html = incident_map.add_incidents(folium.Map(), events, marker_limit=10).get_root().render()
    classes = json.loads(re.search(r"var classColours = (\[.*?\]);", html).group(1))
    assert classes == list(palette.DENSITY_COLOURS)  # the key's rows and the hexagons' fills: one list
    assert f'color: "{palette.DENSITY_COLOURS[-1]}"' in html  # hexagon outlines
    gradient = re.search(r'"gradient": \{(.*?)\}', html, re.S).group(1)
    assert re.findall(r'"(#[0-9a-f]{6})"', gradient) == list(palette.DENSITY_COLOURS)


def test_the_figures_legend_shows_the_event_type_colours_drawn():
    sample = zonemap.sample_incidents().accepted  # not classified: dots by event type
    fig = zonemap.zone_figure(incidents=sample)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg")
    svg = ET.fromstring(buffer.getvalue())
    drawn = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("id", "").startswith("incidents-"):
            fills = {re.search(r"fill: (#[0-9a-f]{6})", u.get("style")).group(1) for u in group.iter(f"{SVG}use")}
            assert len(fills) == 1
            drawn[group.get("id").removeprefix("incidents-")] = fills.pop()
    types = sample["event_type"].value_counts()
    assert list(drawn) == types.index.tolist()
    assert list(drawn.values()) == list(palette.EVENT_TYPE_COLOURS[: len(types)])
    (legend,) = fig.legends
    shown = {t.get_text(): h for h, t in zip(legend.legend_handles, legend.get_texts())}
    for kind, colour in drawn.items():
        handle = shown[f"Incidents: {kind} ({types[kind]:,})"]
        assert matplotlib.colors.to_hex(handle.get_markerfacecolor()) == colour
    others = {}
    for text, handle in shown.items():
        if not text.startswith("Incidents"):
            if hasattr(handle, "get_markerfacecolor"):  # a line or a point symbol
                face = handle.get_markerfacecolor() if handle.get_marker() not in ("None", None) else handle.get_color()
            else:  # an area: its outline, or its fill where it has none
                face = handle.get_edgecolor() if handle.get_edgecolor()[3] > 0 else handle.get_facecolor()
            name = text.replace("\n", " ")
            name = "dmz" if name.startswith("Sochi DMZ") else "line_2018" if name == "Contact line, Sep 2018" else name
            others["dmz edges" if name.startswith("DMZ ") else name] = matplotlib.colors.to_hex(face)
    assert {"dmz", "line_2018", "dmz edges", "Contact line, Mar 2020", "Towns"} <= set(others)
    assert _apart(others | {f"incidents {k}": v for k, v in drawn.items()}) == []


#: In the page: the legend's swatch colours, the colours of the paths drawn, and the status key's
#: swatches beside the colour a marker of that status gets from the page's CSS.
PAGE_COLOURS_JS = """() => {
    const hex = c => { const m = (c || '').match(/\\d+(\\.\\d+)?/g);
        return m && m.length >= 3 ? '#' + m.slice(0, 3).map(v => (+v).toString(16).padStart(2, '0')).join('') : c; };
    const legend = Array.from(document.querySelectorAll('.zonemap-legend-entry .zonemap-swatch')).map(s => {
        const style = getComputedStyle(s);
        const line = style.backgroundColor === 'rgba(0, 0, 0, 0)';  // a line's swatch: its top border
        return hex(line ? style.borderTopColor : style.backgroundColor);
    });
    const edges = Array.from(document.querySelectorAll('.zonemap-legend-entry .zonemap-swatch'))
        .filter(s => s.style.borderRadius).map(s => hex(getComputedStyle(s).borderTopColor));  // point symbols'
    const paths = Array.from(document.querySelectorAll('.leaflet-overlay-pane path, .zonemap-hexagon'));
    const status = Array.from(document.querySelectorAll('.zonemap-key-row.zonemap-status')).map(row => {
        const name = row.textContent.replace('DMZ: ', '');
        const marker = document.createElement('div');
        marker.className = 'zonemap-incident zonemap-status-' + name;
        document.body.appendChild(marker);
        return [name, hex(getComputedStyle(row.querySelector('span')).backgroundColor),
                hex(getComputedStyle(marker).backgroundColor)];
    });
    return {
        legend: legend,
        edges: edges,
        strokes: paths.map(p => p.getAttribute('stroke')).filter(c => c && c !== 'none'),
        fills: paths.map(p => p.getAttribute('fill')).filter(c => c && c !== 'none'),
        hexagons: Array.from(document.querySelectorAll('path.zonemap-hexagon')).map(p => p.getAttribute('fill')),
        classes: Array.from(document.querySelectorAll('.zonemap-key-row.zonemap-class span'))
            .map(s => hex(getComputedStyle(s).backgroundColor)),
        status: status,
    };
}"""


def test_in_a_browser_the_legends_show_the_colours_drawn(chromium, tmp_path):
    from conftest import offline_page

    from zonemap.render import maps

    events = zonemap.classify(zonemap.sample_incidents().accepted)
    points, bins = tmp_path / "points.html", tmp_path / "bins.html"
    maps.save_map(maps.zone_map(offline=True, incidents=events, date_control=False), points, self_contained=True)
    many = zonemap.synthetic_incidents(300, seed=12)
    plain = folium.Map(location=[35.9, 36.6], zoom_start=9, tiles=None)  # hexagons above 200 incidents
    incident_map.add_incidents(plain, many, marker_limit=200).save(str(bins))
    local = {name: maps.FOLIUM_DIR / where.split(":", 1)[1] if where.startswith("folium:") else maps.ASSETS / where
             for name, where in maps.OFFLINE_ASSETS.items()}  # fmt: skip
    with offline_page(chromium, points) as (page, _, errors):
        page.wait_for_selector(".zonemap-key-row.zonemap-status", state="attached", timeout=20000)
        shown = page.evaluate(PAGE_COLOURS_JS)
    assert not errors
    drawn = set(shown["strokes"]) | set(shown["fills"])
    assert len(shown["legend"]) >= 10 and len(drawn) >= 10
    outlines = layers.OVERLAYS["outlines"][1]["color"]
    assert set(shown["legend"]) <= drawn  # every colour in the legend is on the map
    legend = set(shown["legend"]) | set(shown["edges"])
    assert drawn - legend <= {outlines}  # every colour drawn is in the legend (but the outlines')
    statuses = {name: (key, marker) for name, key, marker in shown["status"]}
    assert set(statuses) == set(events["dmz_status"].dropna().astype(str))
    assert all(key == marker == layers.STATUS_COLOURS[name] for name, (key, marker) in statuses.items())
    with offline_page(chromium, bins, local_files=local) as (page, _, errors):
        page.wait_for_selector("path.zonemap-hexagon", state="attached", timeout=20000)
        shown = page.evaluate(PAGE_COLOURS_JS)
    assert not errors
    assert len(shown["hexagons"]) > 10 and len(shown["classes"]) >= 3
    assert set(shown["hexagons"]) == set(shown["classes"]) <= set(palette.DENSITY_COLOURS)  # key = fills drawn
