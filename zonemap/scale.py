"""Beyond one machine's memory: the same classification on dask, one partition (file) at a time.

Each file of a folder (GeoParquet, CSV or GeoJSON) is read, validated and classified on a dask
worker exactly as :func:`zonemap.read_incidents` and :func:`zonemap.classify` would in memory.
Rejected rows travel with the result (``kind``/``reason`` set, classification empty), so
accounting holds partition by partition. Needs the ``dask`` extra (dask-geopandas, distributed).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import ArgumentError
from .incidents import partition_files, read_incidents


def _classified_partition(path: str, model, names: dict, nearest_place: bool = True) -> gpd.GeoDataFrame:
    from .classification import classify

    events = read_incidents(path, **names)
    accepted = classify(events.accepted, model, nearest_place=nearest_place).assign(kind=None, reason=None)
    rejected = events.rejected.assign(geometry=None)
    frame = pd.concat([accepted, rejected], ignore_index=True) if len(rejected) else accepted
    frame["file"] = Path(path).name
    # the same dtypes in every partition, with or without rejected rows (sides and places: categories)
    types = {c: "boolean" if c.startswith("in_") else accepted[c].dtype for c in _labels(frame)}
    frame = frame.astype(types | {"kind": "string", "reason": "string"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _derived(frame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("in_", "side_", "dist_", "nearest_place"))]


def _labels(frame) -> list[str]:
    """The derived columns that are not distances: memberships, sides, nearest place."""
    return [c for c in _derived(frame) if not c.endswith("_km")]


def classify_dask(
    source, model, *, lon: str | None = None, lat: str | None = None, date: str | None = None, nearest_place=True
):
    """A lazy dask-geopandas frame: every row of every file of ``source``, classified or rejected.

    ``source`` is a folder of partitions (or one file), or a dask-geopandas GeoDataFrame of points
    (classified with ``map_partitions``). Call ``.compute()`` or write it with ``.to_parquet()``.
    Accepted rows have ``reason`` empty; rejected rows carry ``kind`` and ``reason``.
    """
    try:
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError:
        raise ArgumentError("the dask engine needs the dask extra: pip install 'zonemap[dask]'") from None
    from .classification import classify

    if isinstance(source, dask_geopandas.GeoDataFrame):
        meta = classify(source._meta, model, nearest_place=nearest_place)
        return source.map_partitions(classify, model, nearest_place=nearest_place, meta=meta)
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentError("the dask engine takes a folder or file path, or a dask-geopandas GeoDataFrame")
    path = Path(source)
    files = partition_files(path) if path.is_dir() else [path]
    names = {"lon": lon, "lat": lat, "date": date}
    return dd.from_map(
        _classified_partition, [str(f) for f in files], model=model, names=names, nearest_place=nearest_place
    )


def split(result: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Computed :func:`classify_dask` output -> (accepted and classified, rejected with reasons)."""
    rejected_mask = result["reason"].notna().to_numpy()
    accepted = result[~rejected_mask].drop(columns=["kind", "reason"]).reset_index(drop=True)
    accepted = accepted.astype({c: bool for c in _labels(accepted) if c.startswith("in_")})
    rejected = pd.DataFrame(result.loc[rejected_mask].drop(columns=[*_derived(result), "geometry"]))
    rejected = rejected.reset_index(drop=True).astype({"kind": object, "reason": object})
    return gpd.GeoDataFrame(accepted, geometry="geometry", crs="EPSG:4326"), rejected
