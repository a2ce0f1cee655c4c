"""What the map and the static figure draw: each overlay's features, label and style.

One place decides the layers so the interactive map (:mod:`zonemap.maps`) and the report figure
(:mod:`zonemap.figure`) always show the same thing.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from . import data, zones
from .measure import geodesic_area_km2

#: Overlay key -> (label, style). Styles are Leaflet path options; ``point`` styles circle markers.
OVERLAYS = {
    "outlines": ("Country and governorate outlines", {"color": "#555555", "weight": 1, "fill": False}),
    "astana": (
        "Astana de-escalation areas: Homs, Ghouta, south (2017)",
        {"color": "#b8860b", "weight": 2, "fillOpacity": 0.15},
    ),
    "idlib": ("Idlib de-escalation area (2017-18)", {"color": "#b8860b", "weight": 3, "fillOpacity": 0.12}),
    "dmz": ("Sochi DMZ 15-20 km (2018)", {"color": "#d62728", "weight": 0, "fillOpacity": 0.18}),
    "dmz_edges": ("Sochi DMZ edges: inner dashed, outer solid", {"color": "#8b0000", "weight": 2, "fill": False}),
    "line_2018": ("Contact line, Sep 2018", {"color": "#d62728", "weight": 4, "fill": False}),
    "line_2020": ("Contact line, Mar 2020", {"color": "#6a3d9a", "weight": 4, "fill": False}),
    "m4_corridor": ("M4 security corridor (2020)", {"color": "#1f77b4", "weight": 1, "fillOpacity": 0.25}),
    "roads": ("M4 and M5 roads", {"color": "#222222", "weight": 2, "dashArray": "6 4", "fill": False}),
    "towns": (
        "Towns",
        {"point": {"radius": 4, "color": "#000000", "fillColor": "#ffffff", "fillOpacity": 1, "weight": 1}},
    ),
    "posts": (
        "Turkish observation posts",
        {"point": {"radius": 6, "color": "#ffffff", "fillColor": "#e31a1c", "fillOpacity": 1, "weight": 2}},
    ),
}
#: Per-feature style overrides, chosen in Python by ``_style``.
FEATURE_STYLES = {"inner": {"dashArray": "8 6"}, "outer": {}, "inner_band": {"fillOpacity": 0.28}}


def overlay_frames(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    symmetric: bool = False,
    corridor_km: float = zones.M4_CORRIDOR_KM,
) -> dict[str, gpd.GeoDataFrame]:
    """Every overlay as a GeoDataFrame in EPSG:4326, keyed and ordered as in ``OVERLAYS``.

    Widths are in km. Areas carry ``area_km2`` (geodesic); a ``_style`` column names a
    per-feature style in ``FEATURE_STYLES`` (DMZ inner band, inner/outer edge).

    Examples
    --------
    >>> frames = overlay_frames()
    >>> list(frames) == list(OVERLAYS)
    True
    >>> frames["dmz_edges"]["_style"].tolist()
    ['inner', 'outer']
    """
    layers = data.load_layers()
    areas = layers["de_escalation_areas"]
    areas = areas.assign(area_km2=geodesic_area_km2(areas.geometry))
    places = layers["places"]
    dmz = zones.sochi_dmz(contact_line, width_km=width_km, symmetric=symmetric)
    edges = zones.dmz_edges(contact_line, width_km=width_km, symmetric=symmetric)
    lines = layers["contact_lines"]
    outlines = pd.concat([layers["countries"], layers["governorates"]], ignore_index=True)
    frames = {
        "outlines": gpd.GeoDataFrame(outlines, crs=data.WGS84),
        "astana": areas[areas["zone"] != "idlib"],
        "idlib": areas[areas["zone"] == "idlib"],
        "dmz": dmz.iloc[::-1].assign(_style=["outer", "inner_band"]),  # widest first, the inner band on top
        "dmz_edges": edges.assign(_style=edges["edge"]),
        "line_2018": lines[lines["as_of"] == "2018-09-17"],
        "line_2020": lines[lines["as_of"] == "2020-03-05"],
        "m4_corridor": zones.m4_corridor(north_km=corridor_km, south_km=corridor_km),
        "roads": layers["roads"],
        "towns": places[places["kind"] != "observation_post"],
        "posts": places[places["kind"] == "observation_post"],
    }
    return {key: frames[key].reset_index(drop=True) for key in OVERLAYS}
