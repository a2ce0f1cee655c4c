"""zonemap: model and map the Syrian de-escalation zones (Idlib, the Sochi DMZ, the M4 corridor).

Data enter and leave in EPSG:4326 (lon/lat); widths and distances are in km, areas in km².

Names are imported on first use (``zonemap.zone_map`` loads folium, ``zonemap.zone_figure``
matplotlib, only when asked for), so ``zonemap incidents`` starts without them.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

from .errors import ArgumentError, InputError, ZonemapError

#: Where each public name lives (module of the package).
_EXPORTS = {
    "classify": "incidents.engines",
    "classify_points": "model.compiled",
    "zone_model": "model.compiled",
    "contact_line": "model.data",
    "de_escalation_area": "model.data",
    "load_layer": "model.data",
    "load_layers": "model.data",
    "place": "model.data",
    "road": "model.data",
    "all_layers": "render.export",
    "export_layers": "render.export",
    "save_figure": "render.figure",
    "timeline_figure": "render.figure",
    "zone_figure": "render.figure",
    "places_in": "model.gazetteer",
    "lookup": "model.gazetteer",
    "add_incidents": "render.incident_map",
    "Incidents": "incidents.rows",
    "read_incidents": "incidents.read",
    "sample_incidents": "incidents.read",
    "save_map": "render.maps",
    "zone_map": "render.maps",
    "area_table": "model.areas",
    "geodesic_area_km2": "model.areas",
    "width_sweep": "model.areas",
    "monthly_summary": "incidents.summary",
    "period_summary": "incidents.summary",
    "zone_counts": "incidents.summary",
    "timeline_table": "model.timeline",
    "zones_as_of": "model.timeline",
    "add_probabilities": "model.uncertainty",
    "expected_counts": "model.uncertainty",
    "synthetic_incidents": "incidents.synthetic",
    "dmz_edges": "model.zones",
    "government_side": "model.zones",
    "m4_corridor": "model.zones",
    "opposition_side": "model.zones",
    "sochi_dmz": "model.zones",
}

_EXPORTS |= {"lines_from_reports": "model.evidence", "read_reports": "model.reports", "read_acled": "model.reports"}

#: Modules that users import by their old flat names (``from zonemap import timeline, figure``).
_MODULES = {
    "timeline": "model.timeline",  # the module is callable: zonemap.model.timeline() gives the dated lines
    "uncertainty": "model.uncertainty",
    "figure": "render.figure",
    "summary": "incidents.summary",
    "scale": "incidents.scale",
}


class _OldModuleNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import zonemap.timeline`` (and the other names of :data:`_MODULES`) gives the moved module."""

    def find_spec(self, fullname, path=None, target=None):
        old = fullname.removeprefix(f"{__name__}.")
        return importlib.util.spec_from_loader(fullname, self) if old in _MODULES else None

    def create_module(self, spec):
        return importlib.import_module(f".{_MODULES[spec.name.removeprefix(f'{__name__}.')]}", __name__)

    def exec_module(self, module):
        pass  # already imported under its own name


if not any(isinstance(finder, _OldModuleNames) for finder in sys.meta_path):
    sys.meta_path.append(_OldModuleNames())

#: The package's folders, by concern (imported on first use, like everything here).
_FOLDERS = ("geodesy", "model", "incidents", "render")


def __getattr__(name: str):
    if name in _FOLDERS:
        return importlib.import_module(f".{name}", __name__)
    if name in _MODULES:
        return importlib.import_module(f".{_MODULES[name]}", __name__)
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
    "lookup",
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

__all__ += ["lines_from_reports", "read_acled", "read_reports"]
