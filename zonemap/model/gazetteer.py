"""The gazetteer: search places by any name, and list the places inside a zone of the model.

The places are the shipped layer ``places`` (``geodata/places.geojson``): every GeoNames place
of the region (``cities1000``) merged with zonemap's curated towns, front-line villages and the
twelve Turkish observation posts of 2017-18, each with its aliases (ACLED, GeoNames and other
spellings), Arabic name where known, OCHA governorate (``admin1_pcode``, ``admin1``) and
provenance. :func:`zonemap.place` finds one place's point by any alias.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError
from ..geodesy.projection import LocalProjection
from . import compiled, data, timeline, zones

#: Columns of the frames :func:`places_in` and :func:`lookup` return, besides ``geometry``.
COLUMNS = ("name", "name_ar", "aliases", "kind", "country", "admin1_pcode", "admin1", "sohr_no", "accuracy_km")


def lookup(name: str) -> gpd.GeoDataFrame:
    """The gazetteer row of a place found by any of its names (one-row GeoDataFrame, EPSG:4326).

    Examples
    --------
    >>> lookup("Jisr Ash-Shugur")[["name", "name_ar", "admin1_pcode"]].values.tolist()
    [['Jisr al-Shughur', 'جسر الشغور', 'SY07']]
    """
    places = data.load_layer("places")
    return places.iloc[[data.place_row(name)]].reset_index(drop=True)


def places_in(
    zone: str,
    as_of=None,
    *,
    contact_line=None,
    width_km=zones.SOCHI_WIDTH_KM,
    corridor_km: float = zones.M4_CORRIDOR_KM,
    kinds=None,
) -> gpd.GeoDataFrame:
    """Gazetteer places inside a zone of the zone model, as a GeoDataFrame (EPSG:4326).

    ``zone`` is a key of :func:`zonemap.zone_model`'s zones, or the start of one: ``idlib_area``,
    ``northern_homs_area``, ``eastern_ghouta_area``, ``southern_area`` (Astana areas),
    ``dmz_15km`` / ``dmz_20km`` (the Sochi DMZ at the two ends of ``width_km``, km; the model's
    key names the line: ``dmz_20km_2018_line``) or ``m4_corridor`` (``corridor_km`` each side of the M4).
    The DMZ follows ``contact_line``: the shipped 2018 line by default, or a user's line (file,
    GeoDataFrame or shapely line). With ``as_of`` (a date) it follows the contact line in force
    that day (:func:`zonemap.model.timeline.line_as_of`), and the column ``side_as_of`` says who held
    each place then; a zone not in force that day (the DMZ from 27 Nov 2024, every zone from
    8 Dec 2024) is an :class:`~zonemap.errors.ArgumentError`. ``kinds`` keeps only some kinds of
    place (e.g. ``["city", "town"]``).

    Columns: those of :data:`COLUMNS`, ``side_2018`` / ``side_2020`` (side of the shipped lines)
    and ``to_edge_km``, the distance (km) from the place to the zone's edge: a place closer to the
    edge than its ``accuracy_km`` plus the line's may lie on either side of it.

    Examples
    --------
    >>> inside = places_in("dmz_20km")
    >>> {"Saraqib", "Khan Shaykhun", "Jisr al-Shughur"} <= set(inside["name"]), "Idlib" in set(inside["name"])
    (True, False)
    >>> places_in("m4_corridor", kinds=["town"])["name"].head(3).tolist()
    ['Ariha', 'Jisr al-Shughur', 'Sarmin']
    """
    if not isinstance(zone, str):
        raise ArgumentError(f"zone must be text (str), e.g. 'dmz_20km', not {type(zone).__name__}")
    if kinds is not None and (isinstance(kinds, (str, bytes)) or not all(isinstance(k, str) for k in kinds)):
        raise ArgumentError(f"kinds must be a list of kinds of place, e.g. ['town'], not {kinds!r:.80}")
    if as_of is not None:
        if contact_line is not None:
            raise ArgumentError("give either as_of (the line in force that day) or contact_line, not both")
        contact_line, side_as_of = _line_as_of(as_of)
    options = {"width_km": width_km, "corridor_km": corridor_km}
    if contact_line is not None:
        options["contact_line"] = contact_line
    shipped = contact_line is None or (isinstance(contact_line, str) and contact_line == "2018")
    shipped = shipped and tuple(np.atleast_1d(width_km)) == zones.SOCHI_WIDTH_KM and corridor_km == zones.M4_CORRIDOR_KM
    model = compiled._default_model() if shipped else compiled.zone_model(**options)
    asked, zone = zone, zone_key(zone, model.zones)
    if as_of is not None:
        _check_in_force(asked, as_of)
    places = data.load_layer("places")
    if kinds is not None:
        places = places[places["kind"].isin(list(kinds))]
    xy = shapely.get_coordinates(places.geometry.to_numpy())
    columns = compiled.classify_points(xy[:, 0], xy[:, 1], model, nearest_place=False)
    inside = columns[f"in_{zone}"].to_numpy()
    found = places.loc[inside, [*COLUMNS, "geometry"]].copy()
    for key in ("2018", "2020"):
        found[f"side_{key}"] = columns.loc[inside, f"side_{key}"].astype(str).to_numpy()
    if as_of is not None:
        found["side_as_of"] = side_as_of(xy[inside, 0], xy[inside, 1])
    found["to_edge_km"] = _to_edge_km(model.zones[zone], found.geometry.to_numpy())
    return gpd.GeoDataFrame(found, crs=data.WGS84).sort_values("name", key=_ascii).reset_index(drop=True)


def zone_key(zone: str, keys) -> str:
    """The model's zone ``zone`` names: itself, or the one key it starts (``dmz_20km`` for
    ``dmz_20km_2018_line``, ``idlib`` for ``idlib_area``).

    Examples
    --------
    >>> zone_key("dmz_20km", ["dmz_15km_2018_line", "dmz_20km_2018_line", "idlib_area"])
    'dmz_20km_2018_line'
    """
    keys = list(keys)
    if zone in keys:
        return zone
    found = [key for key in keys if key.startswith(f"{zone}_")]
    if len(found) != 1:
        raise ArgumentError(f"unknown zone {_shortened(zone)}; choose one of {', '.join(keys)}")
    return found[0]


def _shortened(text: str, limit: int = 80) -> str:
    """``text`` quoted, cut to ``limit`` characters (a name pasted by mistake is not echoed whole).

    Examples
    --------
    >>> _shortened("x" * 200)[-12:]
    "x… (200 ch)'"
    """
    return repr(text) if len(text) <= limit else repr(f"{text[:limit]}… ({len(text):,} ch)")


def _check_in_force(zone: str, date) -> None:
    """An :class:`ArgumentError` (one line) when ``zone`` was not in force on ``date``."""
    key = timeline.validity_key(zone)
    if not timeline.in_force(key, [date])[0]:
        record = timeline.validity().set_index("zone").loc[key]
        until = "" if pd.isna(record["valid_to"]) else f" up to, not including, {record['valid_to']:%Y-%m-%d}"
        raise ArgumentError(f"{zone} was not in force on {date}: it was from {record['valid_from']:%Y-%m-%d}{until}")


def _line_as_of(date):
    """The contact line in force on ``date`` and a function giving each point's side then."""
    return timeline.line_as_of(date).geometry, timeline.zones_as_of(date).side


def _to_edge_km(zone: shapely.Geometry, points: np.ndarray) -> np.ndarray:
    """Distance (km) from each point to the zone's boundary, in a local metric frame."""
    if len(points) == 0:
        return np.empty(0)
    proj = LocalProjection.around(zone)
    edge = proj.to_metric(zone.boundary)
    return np.round(shapely.distance(proj.to_metric(points), edge) / 1000, 2)


def _ascii(names):
    """Sort key: names compared without diacritics or case."""
    return names.map(data.fold_name)
