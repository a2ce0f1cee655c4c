"""Reading incidents from a GeoPackage: a layer of points (zonemap's own ``incidents`` layer, or
the file's only layer of features), its dates as zonemap wrote them (``event_date_text`` at the
precision given, beside the DATE field ``event_day``) read back as ``event_date``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from ..errors import InputError
from .rows import Incidents, _from_geoframe

#: File suffixes read as GeoPackage.
GEOPACKAGE_SUFFIXES = {".gpkg"}

#: The layer zonemap writes classified incidents to (:class:`~zonemap.incidents.write.IncidentWriter`).
INCIDENTS_LAYER = "incidents"


def from_geopackage(path: Path, names: dict) -> Incidents:
    """The incidents of a GeoPackage: the layer named ``incidents`` or the only layer of features.

    Examples
    --------
    >>> import pathlib, tempfile, zonemap
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.gpkg"
    >>> from zonemap.incidents.write import write_incidents
    >>> write_incidents(zonemap.classify(zonemap.synthetic_incidents(3, seed=1)), path)
    >>> events = from_geopackage(path, {"longitude": None, "latitude": None, "date": None})
    >>> len(events.accepted), "event_day" in events.accepted, events.accepted["event_date"].notna().all()
    (3, False, np.True_)
    """
    import pyogrio

    try:
        layers = [str(name) for name, kind in pyogrio.list_layers(path) if kind is not None]
    except Exception as exc:  # noqa: BLE001 (GDAL raises several types for damaged files)
        raise InputError(f"not a readable GeoPackage ({_first_line(exc)})", source=path) from None
    if INCIDENTS_LAYER in layers:
        layer = INCIDENTS_LAYER
    elif len(layers) == 1:
        layer = layers[0]
    else:
        held = ", ".join(layers[:6]) + (", …" if len(layers) > 6 else "") if layers else "none"
        raise InputError(
            f"holds {len(layers)} layers of features ({held}): zonemap reads the one named {INCIDENTS_LAYER!r}",
            source=path,
        )
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"layer {layer!r} could not be read ({_first_line(exc)})", source=path) from None
    return _from_geoframe(zonemap_dates(frame), path, names)


def zonemap_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer zonemap wrote (``event_date_text`` and ``event_day``, no ``event_date``) with its dates
    as it was given them: ``event_date`` the text (a month stays a month), the DATE field dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = gpd.GeoDataFrame({"event_date_text": ["2019-05"], "event_day": [None]}, geometry=[None])
    >>> zonemap_dates(frame).columns.tolist()
    ['event_date', 'geometry']
    """
    columns = set(map(str, frame.columns))
    if {"event_date_text", "event_day"} <= columns and "event_date" not in columns:
        return frame.drop(columns="event_day").rename(columns={"event_date_text": "event_date"})
    return frame


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]
