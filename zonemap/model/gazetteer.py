"""The gazetteer: search places by any name, and list the places inside a zone of the model.

The places are the shipped layer ``places`` (``geodata/places.geojson``): every GeoNames place
of the region (``cities1000``) merged with zonemap's curated towns, front-line villages and the
twelve Turkish observation posts of 2017-18, each with its aliases (ACLED, GeoNames and other
spellings), Arabic name where known, OCHA governorate (``admin1_pcode``, ``admin1``) and
provenance. :func:`zonemap.place` finds one place's point by any alias.
"""

from __future__ import annotations

import difflib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError
from ..geodesy.projection import LocalProjection
from . import compiled, data, timeline, zones
from .dates import _iso, read_day

#: Columns of the frames :func:`places_in` and :func:`lookup` return, besides ``geometry``.
COLUMNS = ("name", "name_ar", "aliases", "kind", "country", "admin1_pcode", "admin1", "sohr_no", "accuracy_km")


def lookup(name: str) -> gpd.GeoDataFrame:
    """The gazetteer row of a place found by any of its names (one-row GeoDataFrame, EPSG:4326), saying
    which place matched and how: ``query`` (the text given), ``matched`` (the gazetteer's spelling that
    matched it), ``match`` (``name``, ``alias`` or ``name_ar``), ``similarity`` (difflib ratio of the
    query to that spelling, 1.0 when identical; the match itself ignores case, diacritics, the
    article and spelling details, see :func:`zonemap.model.data.fold_name`) and the row's ``source``.
    :func:`zonemap.place` gives the point alone.

    Examples
    --------
    >>> lookup("Jisr Ash-Shugur")[["name", "name_ar", "admin1_pcode"]].values.tolist()
    [['Jisr al-Shughur', 'جسر الشغور', 'SY07']]
    >>> lookup("Saraqeb")[["name", "matched", "match"]].values.tolist()
    [['Saraqib', 'Saraqeb', 'alias']]
    """
    places = data.load_layer("places")
    row = places.iloc[[data.place_row(name)]].reset_index(drop=True)
    key = data.fold_name(name)
    found = row.iloc[0]
    spellings = [("name", found["name"])]
    spellings += [("alias", a.strip()) for a in str(found.get("aliases") or "").split(";") if a.strip()]
    spellings += [("name_ar", found["name_ar"])] if isinstance(found.get("name_ar"), str) else []
    same = [(how, text) for how, text in spellings if data.fold_name(text) == key] or spellings[:1]
    how, text = max(same, key=lambda pair: difflib.SequenceMatcher(None, name, pair[1]).ratio())
    similarity = round(difflib.SequenceMatcher(None, name, text).ratio(), 3)
    return row.assign(query=name, matched=text, match=how, similarity=similarity)


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
    The Sochi DMZ is the band on the 2018 line of the memorandum, whatever the date; a band on another
    line is asked for by name with ``contact_line`` (``"2020"``, a file, GeoDataFrame or shapely line)
    and its key names that line (``dmz_20km_2020_line``).

    With ``as_of`` (a date) the zone must be in force that day (:func:`zonemap.model.validity.in_force`;
    the DMZ ended on 27 Nov 2024, every zone on 8 Dec 2024: an :class:`~zonemap.errors.ArgumentError`),
    and each place is judged against the contact line in force then (:func:`zonemap.model.timeline.zones_as_of`):
    ``side_as_of`` (who held it), ``line_date`` (that line's date), ``p_opposition`` (probability it was on
    the opposition side, from the line's and the place's stated accuracy), ``p_in_dmz`` and ``dmz_status``
    (inside / uncertain / outside the Sochi DMZ at ``width_km``'s maximum; :mod:`zonemap.model.uncertainty`).
    ``kinds`` keeps only some kinds of place (e.g. ``["city", "town"]``).

    Columns: those of :data:`COLUMNS`, ``side_2018`` / ``side_2020`` (side of the shipped lines)
    and ``to_edge_km``, the distance (km) from the place to the zone's edge: a place closer to the
    edge than its ``accuracy_km`` plus the line's may lie on either side of it. ``attrs["zone"]`` says
    which zone was listed, in words.

    Examples
    --------
    >>> inside = places_in("dmz_20km")
    >>> {"Saraqib", "Khan Shaykhun", "Jisr al-Shughur"} <= set(inside["name"]), "Idlib" in set(inside["name"])
    (True, False)
    >>> places_in("m4_corridor", kinds=["town"])["name"].head(3).tolist()
    ['Ariha', 'Jisr al-Shughur', 'Sarmin']
    >>> later = places_in("dmz_20km", "2020-03-06", kinds=["city", "town"])
    >>> "Idlib" in set(later["name"]), later.loc[later["name"] == "Saraqib", "side_as_of"].item()
    (False, 'government')
    """
    if not isinstance(zone, str):
        raise ArgumentError(f"zone must be text (str), e.g. 'dmz_20km', not {type(zone).__name__}")
    if kinds is not None and (isinstance(kinds, (str, bytes)) or not all(isinstance(k, str) for k in kinds)):
        raise ArgumentError(f"kinds must be a list of kinds of place, e.g. ['town'], not {kinds!r:.80}")
    options = {"width_km": width_km, "corridor_km": corridor_km}
    if contact_line is not None:
        options["contact_line"] = contact_line
    shipped = contact_line is None or (isinstance(contact_line, str) and contact_line == "2018")
    shipped = shipped and tuple(np.atleast_1d(width_km)) == zones.SOCHI_WIDTH_KM and corridor_km == zones.M4_CORRIDOR_KM
    model = compiled._default_model() if shipped else compiled.zone_model(**options)
    asked, zone = zone, zone_key(zone, model.zones)
    if as_of is not None:
        day = read_day(as_of, what="as_of")
        _check_in_force(asked, day)
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
        found = found.assign(**_as_of_columns(found, columns.loc[inside], day, width_km))
    found["to_edge_km"] = _to_edge_km(model.zones[zone], found.geometry.to_numpy())
    out = gpd.GeoDataFrame(found, crs=data.WGS84).sort_values("name", key=_ascii).reset_index(drop=True)
    out.attrs["zone"] = _zone_words(zone, contact_line)
    return out


def _as_of_columns(found: gpd.GeoDataFrame, columns, day, width_km) -> dict:
    """Each place judged on ``day``: side of, and probability of the opposition side of, the line in force
    then; its Sochi DMZ membership probability and status (missing while the DMZ was not in force)."""
    from . import uncertainty

    state = timeline.zones_as_of(day)
    xy = shapely.get_coordinates(found.geometry.to_numpy())
    side = state.side(xy[:, 0], xy[:, 1])
    model = compiled._default_model()  # distances to the 2018 line (the Sochi DMZ) and the line of the day
    index = np.full(len(xy), int(model.dated.index(np.array([day]))[0]))
    measured = compiled._column_arrays(model, len(xy), lambda rows: (xy[rows, 0], xy[rows, 1]), False, 1, index)
    table = pd.DataFrame({"dist_2018_km": measured["dist_2018_km"], "dist_line_km": measured["dist_line_km"],
                          "line_accuracy_km": measured["line_accuracy_km"],  # the stretch nearest each place
                          "accuracy_km": found["accuracy_km"].to_numpy()})  # fmt: skip
    width = zones._check_width_range(width_km)[1]
    p = uncertainty.probability_columns(table, dmz_line="2018", dmz_width_km=width)
    status = pd.Series(p["dmz_status"]).astype("string")
    p_in_dmz = p["p_in_dmz"].copy()
    if not timeline.in_force("sochi_dmz", [day])[0]:
        p_in_dmz[:], status[:] = np.nan, pd.NA
    return {"side_as_of": side, "line_date": state.as_of, "p_opposition": np.round(p["p_opposition"], 3),
            "p_in_dmz": np.round(p_in_dmz, 3), "dmz_status": status.to_numpy()}  # fmt: skip


def _zone_words(zone: str, contact_line) -> str:
    """What a zone key means, in words: the Sochi DMZ, or a band on another line labelled as such."""
    if not zone.startswith("dmz_"):
        return zone
    width, line = zone.removeprefix("dmz_").split("km_", 1)
    if line == "2018_line":
        return f"{zone} (the Sochi DMZ: {width} km on the opposition side of the 2018 line)"
    name = line.removesuffix("_line")
    return f"{zone} (a {width} km band on the {name} contact line, not the Sochi DMZ)"


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
        since = f"it was from {record['valid_from']:%Y-%m-%d}{until}"
        end = timeline.zones_end()
        if end is not None and date >= end:
            since = f"after the zones ended on {_iso(end)} ({since})"
        raise ArgumentError(f"{zone} was not in force on {_iso(date)}: {since}")


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
