"""zonemap: model and map the Syrian de-escalation zones (Idlib, the Sochi DMZ, the M4 corridor).

Data enter and leave in EPSG:4326 (lon/lat); widths and distances are in km, areas in km².

Names are imported on first use (``zonemap.zone_map`` loads folium, ``zonemap.zone_figure``
matplotlib, only when asked for), so ``zonemap incidents`` starts without them.
"""

from __future__ import annotations

import importlib

from .errors import ArgumentError, InputError, ZonemapError

#: Where each public name lives (module of the package).
_EXPORTS = {
    "classify": "engines",
    "classify_points": "classification",
    "zone_model": "classification",
    "contact_line": "data",
    "de_escalation_area": "data",
    "load_layer": "data",
    "load_layers": "data",
    "place": "data",
    "road": "data",
    "all_layers": "export",
    "export_layers": "export",
    "save_figure": "figure",
    "timeline_figure": "figure",
    "zone_figure": "figure",
    "places_in": "gazetteer",
    "add_incidents": "incident_map",
    "Incidents": "incidents",
    "read_incidents": "incidents",
    "sample_incidents": "incidents",
    "save_map": "maps",
    "zone_map": "maps",
    "area_table": "measure",
    "geodesic_area_km2": "measure",
    "width_sweep": "measure",
    "monthly_summary": "summary",
    "period_summary": "summary",
    "zone_counts": "summary",
    "timeline_table": "timeline",
    "zones_as_of": "timeline",
    "add_probabilities": "uncertainty",
    "expected_counts": "uncertainty",
    "synthetic_incidents": "synthetic",
    "dmz_edges": "zones",
    "government_side": "zones",
    "m4_corridor": "zones",
    "opposition_side": "zones",
    "sochi_dmz": "zones",
}


def __getattr__(name: str):
    if name == "timeline":  # the module is callable: zonemap.timeline() gives the dated lines
        return importlib.import_module(".timeline", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zonemap' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "ArgumentError",
    "Incidents",
    "InputError",
    "ZonemapError",
    "add_incidents",
    "all_layers",
    "area_table",
    "classify",
    "classify_points",
    "contact_line",
    "de_escalation_area",
    "dmz_edges",
    "export_layers",
    "geodesic_area_km2",
    "government_side",
    "load_layer",
    "load_layers",
    "m4_corridor",
    "monthly_summary",
    "period_summary",
    "timeline",
    "timeline_figure",
    "timeline_table",
    "zones_as_of",
    "add_probabilities",
    "expected_counts",
    "opposition_side",
    "place",
    "places_in",
    "read_incidents",
    "road",
    "sample_incidents",
    "save_figure",
    "save_map",
    "sochi_dmz",
    "synthetic_incidents",
    "width_sweep",
    "zone_counts",
    "zone_figure",
    "zone_map",
    "zone_model",
]
