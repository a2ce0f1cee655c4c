"""Export every layer — shipped and modelled — to GeoJSON, GeoPackage or GeoParquet."""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd

from . import data, zones
from .errors import ArgumentError
from .output import atomic_path

FORMATS = ("geojson", "gpkg", "parquet")


def all_layers(
    *, width_km=zones.SOCHI_WIDTH_KM, contact_line="2018", corridor_km: float = zones.M4_CORRIDOR_KM
) -> dict[str, gpd.GeoDataFrame]:
    """Shipped layers plus the modelled ones (``sochi_dmz``, ``dmz_edges``, ``m4_corridor``), EPSG:4326.

    Examples
    --------
    >>> sorted(all_layers())[:3]
    ['contact_lines', 'countries', 'de_escalation_areas']
    """
    layers = data.load_layers()
    layers["sochi_dmz"] = zones.sochi_dmz(contact_line, width_km=width_km)
    layers["dmz_edges"] = zones.dmz_edges(contact_line, width_km=width_km)
    layers["m4_corridor"] = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km)
    return layers


def export_layers(path: str | os.PathLike, fmt: str, **model_options) -> dict[str, int]:
    """Write every layer to ``path``: one GeoPackage layer each, or one GeoJSON/GeoParquet file
    with a ``layer`` column. The file is written atomically. Returns feature counts per layer.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> counts = export_layers(pathlib.Path(tempfile.mkdtemp()) / "zones.geojson", "geojson")
    >>> counts["sochi_dmz"]
    2
    """
    if fmt not in FORMATS:
        raise ArgumentError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    layers = all_layers(**model_options)
    with atomic_path(path) as tmp:
        if fmt == "gpkg":
            for name, frame in layers.items():
                frame.to_file(tmp, layer=name, driver="GPKG", promote_to_multi=True)
        else:
            combined = pd.concat([frame.assign(layer=name) for name, frame in layers.items()], ignore_index=True)
            combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=data.WGS84)
            if fmt == "geojson":
                combined.to_file(tmp, driver="GeoJSON")
            else:
                combined.to_parquet(tmp)
    return {name: len(frame) for name, frame in layers.items()}
