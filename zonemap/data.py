"""Load the shipped layers in ``geodata/`` and coerce users' own geometries to EPSG:4326.

Every shipped feature carries ``source``, ``as_of``, ``accuracy_km`` and ``notes``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import InputError

WGS84 = "EPSG:4326"

#: Shipped layer names, each a ``geodata/<name>.geojson`` file.
LAYERS = (
    "countries",
    "governorates",
    "de_escalation_areas",
    "contact_lines",
    "roads",
    "places",
)

#: Short keys for the dated contact lines, usable wherever a contact line is asked for.
CONTACT_LINE_KEYS = {"2018": "2018-09-17", "2020": "2020-03-05"}


def geodata_dir() -> Path:
    """The folder holding the shipped GeoJSON (inside the wheel, or ``geodata/`` in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_geodata", here.parent / "geodata"):
        if (candidate / "places.geojson").is_file():
            return candidate
    raise FileNotFoundError(f"zonemap's geodata folder is missing (looked in {here})")


@functools.cache
def _read_layer(name: str) -> gpd.GeoDataFrame:
    frame = gpd.read_file(geodata_dir() / f"{name}.geojson")
    frame["as_of"] = frame["as_of"].dt.strftime("%Y-%m-%d")  # GDAL parses dates; keep ISO text
    return frame


def load_layer(name: str) -> gpd.GeoDataFrame:
    """One shipped layer as a GeoDataFrame in EPSG:4326 (a fresh copy each call).

    Examples
    --------
    >>> zones = load_layer("de_escalation_areas")
    >>> zones.crs.to_string(), "Idlib de-escalation area" in set(zones["name"])
    ('EPSG:4326', True)
    """
    if name not in LAYERS:
        raise InputError(f"unknown layer {name!r}; choose one of {', '.join(LAYERS)}")
    return _read_layer(name).copy()


def load_layers() -> dict[str, gpd.GeoDataFrame]:
    """Every shipped layer (GeoDataFrames in EPSG:4326), keyed by name.

    Examples
    --------
    >>> sorted(load_layers()) == sorted(LAYERS)
    True
    """
    return {name: load_layer(name) for name in LAYERS}


def place(name: str) -> shapely.Point:
    """A gazetteer place's point (lon, lat), by exact name.

    Examples
    --------
    >>> round(place("Idlib").y, 3)
    35.931
    """
    places = load_layer("places")
    hit = places[places["name"] == name]
    if hit.empty:
        raise InputError(f"no place named {name!r} in the gazetteer")
    return hit.geometry.iloc[0]


def de_escalation_area(zone: str = "idlib") -> gpd.GeoDataFrame:
    """One Astana de-escalation area (``idlib``, ``northern_homs``, ``eastern_ghouta``, ``southern``), EPSG:4326.

    Examples
    --------
    >>> de_escalation_area("idlib")[["zone", "as_of"]].values.tolist()
    [['idlib', '2018-09-17']]
    """
    areas = load_layer("de_escalation_areas")
    hit = areas[areas["zone"] == zone]
    if hit.empty:
        raise InputError(f"unknown zone {zone!r}; choose one of {', '.join(areas['zone'])}")
    return hit.reset_index(drop=True)


def contact_line(which: str = "2018") -> gpd.GeoDataFrame:
    """A shipped contact line by year key (``"2018"``, ``"2020"``), ``as_of`` date or full name.

    Examples
    --------
    >>> contact_line("2020")["as_of"].iloc[0]
    '2020-03-05'
    """
    lines = load_layer("contact_lines")
    as_of = CONTACT_LINE_KEYS.get(which, which)
    hit = lines[(lines["as_of"] == as_of) | (lines["name"] == which)]
    if hit.empty:
        raise InputError(
            f"unknown contact line {which!r}; choose one of {', '.join(CONTACT_LINE_KEYS)}"
            " or give a file, GeoDataFrame or shapely line"
        )
    return hit.reset_index(drop=True)


def road(ref: str = "M4") -> gpd.GeoDataFrame:
    """A shipped road by reference (``"M4"`` or ``"M5"``), EPSG:4326.

    Examples
    --------
    >>> road("M4")["ref"].tolist()
    ['M4']
    """
    roads = load_layer("roads")
    hit = roads[roads["ref"] == ref]
    if hit.empty:
        raise InputError(f"unknown road {ref!r}; choose one of {', '.join(roads['ref'])}")
    return hit.reset_index(drop=True)


def read_geometries(obj, *, what: str) -> gpd.GeoDataFrame:
    """Bring a user's geometry (GeoDataFrame, GeoSeries, shapely geometry or file path) to EPSG:4326.

    A frame without CRS is refused (the CRS cannot be guessed); another CRS is reprojected.
    Coordinates outside lon -180..180 / lat -90..90 after that are refused, naming the row.

    Examples
    --------
    >>> from shapely import LineString
    >>> read_geometries(LineString([(36.6, 35.9), (36.8, 35.8)]), what="contact line").crs.to_epsg()
    4326
    """
    if isinstance(obj, BaseGeometry):
        frame = gpd.GeoDataFrame(geometry=[obj], crs=WGS84)
        source = f"the {what}"
    elif isinstance(obj, gpd.GeoSeries):
        frame = gpd.GeoDataFrame(geometry=obj)
        source = f"the {what}"
    elif isinstance(obj, gpd.GeoDataFrame):
        frame = obj
        source = f"the {what}"
    elif isinstance(obj, (str, os.PathLike)):
        source = str(obj)
        if not Path(obj).is_file():
            raise InputError(f"no such file (expected the {what})", source=source)
        try:
            frame = gpd.read_file(obj)
        except Exception as exc:  # pyogrio raises several types; all mean "unreadable"
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot read as geodata ({reason})", source=source) from None
    else:
        raise InputError(f"the {what} must be a GeoDataFrame, shapely geometry or file path")
    if frame.empty:
        raise InputError(f"holds no features (expected the {what})", source=source)
    if frame.crs is None:
        raise InputError("has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326'))", source=source)
    frame = frame.to_crs(WGS84)
    _check_lon_lat(frame, source)
    return frame


def _check_lon_lat(frame: gpd.GeoDataFrame, source: str) -> None:
    bounds = frame.geometry.bounds
    bad = (bounds["minx"] < -180) | (bounds["maxx"] > 180)
    bad |= (bounds["miny"] < -90) | (bounds["maxy"] > 90)
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 1
        raise InputError("coordinates outside lon -180..180 / lat -90..90", source=source, row=row)
