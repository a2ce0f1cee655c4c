"""Area tables: geodesic areas (km², WGS84) of every zone, with their ranges under the lines' stated accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .geodesy import geodesic_area_km2

__all__ = ["area_table", "geodesic_area_km2", "width_sweep"]  # geodesic_area_km2 lives in zonemap.geodesy


def area_table(
    *, width_km=(15.0, 20.0), contact_line="2018", later_line="2020", corridor_km: float = 6.0
) -> pd.DataFrame:
    """Geodesic areas (km²) of every zone, the DMZ at its min and max width, and what changed.

    Rows: the Idlib governorate (shipped outline) next to its official 6,097 km², the four Astana
    areas, the Sochi DMZ along ``contact_line`` at ``width_km`` min and max, the M4 corridor
    (``corridor_km`` each side), and the max-width DMZ split by ``later_line`` into the part on the
    government side (taken in the 2019-20 offensives) and the part still on the opposition side.

    Examples
    --------
    >>> table = area_table()
    >>> table.loc[table["zone"] == "Idlib governorate (shipped outline)", "official_km2"].item()
    6097.0
    """
    from . import data, zones

    rows = []
    govs = data.load_layer("governorates")
    idlib = govs[govs["name"] == "Idlib"]
    rows.append(("Idlib governorate (shipped outline)", geodesic_area_km2(idlib.geometry.iloc[0]), 6097.0))
    areas = data.load_layer("de_escalation_areas")
    rows += [(name, geodesic_area_km2(geom), np.nan) for name, geom in zip(areas["name"], areas.geometry)]
    dmz = zones.sochi_dmz(contact_line, width_km=width_km)
    rows += [
        (f"Sochi DMZ, {w:g} km ({contact_line} line)", a, np.nan) for w, a in zip(dmz["width_max_km"], dmz["area_km2"])
    ]
    corridor = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km)
    rows.append((f"M4 security corridor, {corridor_km:g} km each side", float(corridor["area_km2"].iloc[0]), np.nan))
    widest = dmz.geometry.iloc[-1]
    taken = shapely.intersection(widest, zones.government_side(later_line))
    label = f"Sochi DMZ {dmz['width_max_km'].iloc[-1]:g} km ({contact_line})"
    rows.append((f"{label} on the government side of the {later_line} line", geodesic_area_km2(taken), np.nan))
    rows.append(
        (
            f"{label} still on the opposition side of the {later_line} line",
            geodesic_area_km2(shapely.difference(widest, taken)),
            np.nan,
        )
    )
    return pd.DataFrame(rows, columns=["zone", "area_km2", "official_km2"])


def width_sweep(widths_km=(15, 16, 17, 18, 19, 20), *, contact_line="2018", symmetric: bool = False) -> pd.DataFrame:
    """Geodesic area (km²) of the DMZ band at each width in ``widths_km`` (km).

    Examples
    --------
    >>> sweep = width_sweep((15, 20))
    >>> bool(sweep["area_km2"].is_monotonic_increasing)
    True
    """
    from .zones import dmz_geometry

    areas = [geodesic_area_km2(dmz_geometry(contact_line, w, symmetric=symmetric)) for w in widths_km]
    return pd.DataFrame({"width_km": [float(w) for w in widths_km], "area_km2": areas})
