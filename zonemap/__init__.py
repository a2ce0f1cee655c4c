"""zonemap: model and map the Syrian de-escalation zones (Idlib, the Sochi DMZ, the M4 corridor).

Data enter and leave in EPSG:4326 (lon/lat); widths and distances are in km, areas in km².
"""

from .classification import classify, classify_points, zone_model
from .data import contact_line, de_escalation_area, load_layer, load_layers, place, road
from .errors import ArgumentError, InputError, ZonemapError
from .export import all_layers, export_layers
from .figure import save_figure, zone_figure
from .gazetteer import places_in
from .incident_map import add_incidents
from .incidents import Incidents, read_incidents, sample_incidents
from .maps import save_map, zone_map
from .measure import area_table, geodesic_area_km2, width_sweep
from .summary import monthly_summary, zone_counts
from .synthetic import synthetic_incidents
from .zones import dmz_edges, government_side, m4_corridor, opposition_side, sochi_dmz

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
