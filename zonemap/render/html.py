"""What both maps share: data as JSON that no template re-renders and that is safe inside an HTML
``<script>`` block, and geometries as compact GeoJSON.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def _json_for_html(value) -> str:
    """JSON safe inside a <script> element: no '<', '>' or '&', and non-ASCII escaped (U+2028)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _plain_value(value):
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if value is pd.NA or value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, int | bool | str) else str(value)


def _geometry(geom, digits: int = 5) -> dict:
    return shapely.geometry.mapping(shapely.transform(geom, lambda xy: np.round(xy, digits)))


def _collection(frame: gpd.GeoDataFrame) -> dict:
    columns = ("name", "label", "number", "major", "curated", "as_of", "source", "accuracy_km", "notes",
               "area_km2", "kind", "_style")  # fmt: skip
    keep = [c for c in columns if c in frame]
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda xy: np.round(xy, 5))
    features = []
    for geom, (_, row) in zip(geoms, frame[keep].iterrows()):
        props = {k: _plain_value(v) for k, v in row.items()}
        if props.get("area_km2") is not None:
            props["area_km2"] = round(float(props["area_km2"]), 1)
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}
