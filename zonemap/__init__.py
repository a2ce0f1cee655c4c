"""zonemap: model and map the Syrian de-escalation zones (Idlib, the Sochi DMZ, the M4 corridor).

Data enter and leave in EPSG:4326 (lon/lat); widths and distances are in km, areas in km².
"""

from .data import contact_line, de_escalation_area, load_layer, load_layers, place, road
from .errors import ArgumentError, InputError, ZonemapError
from .export import all_layers, export_layers
from .figure import save_figure, zone_figure
from .maps import save_map, zone_map
from .measure import area_table, geodesic_area_km2, width_sweep
from .zones import dmz_edges, government_side, m4_corridor, sochi_dmz

__all__ = [
    "ArgumentError",
    "InputError",
    "ZonemapError",
    "all_layers",
    "area_table",
    "contact_line",
    "de_escalation_area",
    "dmz_edges",
    "export_layers",
    "geodesic_area_km2",
    "government_side",
    "load_layer",
    "load_layers",
    "m4_corridor",
    "place",
    "road",
    "save_figure",
    "save_map",
    "sochi_dmz",
    "width_sweep",
    "zone_figure",
    "zone_map",
]
