"""Classify incidents against the zones: memberships, sides, signed geodesic distances, nearest place.

Vectorised throughout (numpy, shapely 2), in chunks spread over threads, with grid indexes built
once per model (:mod:`zonemap.geodesy.grid_index`). Memberships are exactly ``shapely.contains_xy``'s.
Distances are ellipsoidal (:func:`~zonemap.geodesy.projection.geodesic_distance_m`, checked against
``pyproj.Geod``) from each point to its nearest point on the line; that point is found exactly on
a conformal plane, and the line's geodesic segments are followed within 0.4 m (vertices every
5 km), so results stay within 10 m of the exact point-to-line geodesic distance (tested against a
slow ``pyproj.Geod`` reference; measured < 0.7 m).
"""

from __future__ import annotations

import os
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError, InputError, ZonemapWarning
from ..model import data
from ..model.compiled import DatedLines, ZoneModel, _column_arrays, _default_model, _pool, zone_model  # zonemap-split
from ..model.dates import fits_nanoseconds, read_day
from .columns import RESERVED_COLUMNS

os.register_at_fork(after_in_child=_pool.cache_clear)  # a forked child has none of the parent's threads


def classify(
    incidents,
    model: ZoneModel | None = None,
    *,
    as_of="event",
    nearest_place: bool = True,
    **model_options,
):
    """Add the classification columns of :func:`classify_points` to incidents (EPSG:4326 points),
    each incident judged as of its own date.

    ``as_of="event"`` (default): each incident is judged against the contact line in force on its
    ``event_date`` (the latest dated line on or before it, :mod:`zonemap.model.timeline`: by default the
    evidence timeline, a line for each day the cited control reports change the front; the hand-digitised
    lines with ``timeline="hand"``), adding
    ``line_date`` (that line's date), ``line_until`` (its ``valid_until``, exclusive), ``line_accuracy_km``,
    ``side`` (opposition / government /
    outside the Idlib area), ``dist_line_km`` (signed geodesic distance, km, + on the opposition
    side) and ``as_of_basis`` (how the row was judged); and every ``in_<zone>`` is True only if the
    zone was in force that day (no DMZ before 17 Sep 2018 or from 27 Nov 2024, no M4 corridor before
    6 Mar 2020, no zone at all from 8 Dec 2024, …). A day no dated line stands for (before the
    first, 13 Dec 2017 for the evidence lines; with the hand lines also 27 Nov 2024 when the front broke
    and other days of the offensive; after the zones ended)
    gets no side, distance or probability, and ``as_of_basis`` says why ("after the zones ended on
    2024-12-08", "no line between 2024-11-27 and 2024-11-28 …"); from the zones' end the fixed
    lines' answers are left blank too. ``line_accuracy_km`` (and ``line_accuracy_<line>_km`` for the
    fixed lines) is the stated accuracy of the line's stretch nearest the event, interpolated
    between its vertices'.
    Rows without a day (no date, or only a month or year) keep the fixed-line answers and say so in
    ``as_of_basis``; a row dated only to a month or a year is outside a zone not in force at any
    time of it, and ``in_<zone>`` is missing (uncertain) for a zone in force for part of it;
    ``p_in_dmz`` is then multiplied by the share of the period the DMZ was in force.
    ``as_of="2019-08-31"`` judges every row as of that date; ``as_of=None`` gives the fixed-line
    answers only. The fixed lines' ``side_<line>`` / ``dist_<line>_km`` are always there. Also:
    ``p_opposition``, ``p_in_dmz`` and ``dmz_status`` (:mod:`zonemap.model.uncertainty`),
    ``accuracy_basis`` (what each event's accuracy rests on),
    ``ocha_admin1_pcode`` and ``ocha_admin1`` (OCHA governorate; a file's own ``admin1`` is left as it is).

    ``incidents`` is a GeoDataFrame (e.g. ``read_incidents(...).accepted``); ``zonemap.classify``
    (:func:`zonemap.incidents.engines.classify`) also takes ``engine="dask"`` for folders larger than memory.
    ``model_options`` (``width_km``, ``contact_line``, ``corridor_km``, ``timeline``) build the
    zone model; ``nearest_place=False`` leaves out the nearest-place columns.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, shapely
    >>> saraqib = shapely.Point(36.8059, 35.8645)
    >>> events = gpd.GeoDataFrame({"event_date": pd.to_datetime(["2019-06-01", "2020-03-01"])},
    ...                           geometry=[saraqib, saraqib], crs="EPSG:4326")
    >>> result = classify(events)
    >>> result["side"].tolist(), result["line_date"].dt.strftime("%Y-%m-%d").tolist()
    (['opposition', 'government'], ['2019-05-26', '2020-03-01'])
    >>> classify(events, timeline="hand")["line_date"].dt.strftime("%Y-%m-%d").tolist()  # the cross-check
    ['2019-05-10', '2020-02-17']
    >>> result["in_m4_corridor"].tolist(), result["ocha_admin1_pcode"].tolist()
    ([False, False], ['SY07', 'SY07'])
    """
    if model is None:
        model = zone_model(**model_options) if model_options else _default_model()
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ArgumentError("classify() needs a GeoDataFrame of points (see read_incidents)")
    if incidents.crs is None:
        raise InputError("the incidents have no CRS; set one first (e.g. gdf.set_crs('EPSG:4326'))")
    if incidents.crs.to_epsg() != 4326:
        incidents = incidents.to_crs(data.WGS84)
    incidents, replaced = without_earlier_run(incidents, model)
    if replaced:
        warnings.warn(replaced_note(replaced), ZonemapWarning, 2)
    geoms = incidents.geometry.to_numpy()
    problem = unclassifiable(geoms)
    usable = problem == None  # noqa: E711 (elementwise)
    lon = np.where(usable, shapely.get_x(np.where(usable, geoms, None)), np.nan)
    lat = np.where(usable, shapely.get_y(np.where(usable, geoms, None)), np.nan)
    columns = classification_columns(incidents, lon, lat, model, as_of=as_of, nearest_place=nearest_place)
    if not usable.all():
        columns = _blank_unclassified(columns, usable)
        columns[UNCLASSIFIED] = problem
        kinds = pd.Series(problem[~usable]).value_counts()
        counts = "; ".join(f"{n:,} {kind}" for kind, n in kinds.items())
        warnings.warn(f"{(~usable).sum():,} rows not classified ({counts}): see unclassified_reason", ZonemapWarning, 2)
    return with_columns(incidents, columns)


def classification_columns(
    table: pd.DataFrame, lon, lat, model: ZoneModel, *, as_of="event", nearest_place: bool = True, threads=None
) -> pd.DataFrame:
    """The columns :func:`classify` adds, for a table of incidents whose points are ``lon``/``lat``
    (degrees, finite): what a large file's chunks are classified with, before any geometry is made.

    ``table`` gives the dates (``event_date``, ``date_precision``) and the events' accuracy
    (``accuracy_km``, ``geo_precision``); the result has ``table``'s index. ``threads``: how many
    threads share the work (default: one per core; 1 when the caller runs other stages in parallel).

    Examples
    --------
    >>> table = pd.DataFrame({"event_date": pd.to_datetime(["2020-03-01"])})
    >>> columns = classification_columns(table, [36.8059], [35.8645], _default_model())
    >>> columns.loc[0, "side"], columns.loc[0, "line_date"].date().isoformat()
    ('government', '2020-03-01')
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dates, basis = _judging_dates(table, as_of, model)
    line_index = None if dates is None else model.dated.index(dates)
    place = _repeated_places(lon, lat, line_index)
    if place is None:
        coordinates = lambda rows: (lon[rows], lat[rows])  # noqa: E731
        arrays = _column_arrays(model, len(lon), coordinates, nearest_place, threads, line_index)
    else:  # each distinct place (and line in force) classified once, its answers spread to its rows
        codes, first = place
        index = None if line_index is None else line_index[first]
        once = _column_arrays(model, len(first), lambda rows: (lon[first][rows], lat[first][rows]), nearest_place,
                              threads, index)  # fmt: skip
        arrays = {key: values.take(codes) for key, values in once.items()}
    periods = _partial_periods(table, as_of, model)
    if dates is not None:
        arrays |= _as_of_arrays(arrays, model.dated, dates, line_index, basis, periods)
    columns = pd.DataFrame(arrays, index=table.index)
    probabilities = _probabilities(columns, table, model, dates, periods)
    if dates is not None and not np.isnat(model.dated.end):
        ended = dates >= model.dated.end  # NaT compares False
        if ended.any():
            columns, probabilities = _blank_after_end(columns, probabilities, ended)
    return pd.concat([columns, pd.DataFrame(probabilities, index=table.index)], axis=1) if probabilities else columns


#: Rows of a table sampled to tell whether its points repeat (ACLED-style data give every event at
#: a village the village's coordinates: a million events hold a few thousand places).
REPEAT_SAMPLE = 4096


def _repeated_places(lon, lat, line_index) -> tuple[np.ndarray, np.ndarray] | None:
    """(code of each row, first row of each code) when rows share their point (and line in force)
    often enough to classify each distinct one once: a sample has repeats (points spread at random
    have none), and the whole table is less than half distinct; None otherwise."""
    n = len(lon)
    if n < 2 * REPEAT_SAMPLE:
        return None
    point = lon + 1j * lat  # equal points, equal keys (NaN: one key)
    sample = point[:: n // REPEAT_SAMPLE]
    if len(pd.unique(sample)) > 0.9 * len(sample):
        return None
    codes, uniques = pd.factorize(point, use_na_sentinel=False)
    if line_index is not None:
        codes, uniques = pd.factorize(codes.astype(np.int64) * (int(line_index.max()) + 2) + (line_index + 1))
    if len(uniques) > n // 2:
        return None
    # codes are numbered in order of first appearance: a row is a code's first where a new maximum starts
    first = np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]])
    return codes, first


def with_columns(table: pd.DataFrame, columns: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``columns`` added after its own; a column it already has (e.g. classifying
    zonemap's own output again) is kept, renamed ``<name>_in_file``.

    Examples
    --------
    >>> with_columns(pd.DataFrame({"side": ["x"]}), pd.DataFrame({"side": ["y"]})).columns.tolist()
    ['side_in_file', 'side']
    """
    clashes = [c for c in columns.columns if c in table.columns]
    if clashes:
        taken = set(table.columns) | set(columns.columns)
        table = table.rename(columns={c: _earlier_name(c, taken) for c in clashes})
    if isinstance(table, gpd.GeoDataFrame):
        return table.assign(**{c: columns[c] for c in columns.columns})
    return pd.concat([table, columns.set_axis(table.index)], axis=1)  # one new frame, not one per column


#: The column saying why a row was not classified (only when some row was not).
UNCLASSIFIED = "unclassified_reason"

#: A DMZ membership column of any width and line: :func:`~zonemap.model.compiled.zone_model` names
#: the DMZ ``dmz_<width>km_<line label>`` (a decimal point written ``_``), and an earlier run may
#: have drawn it at other widths or on another line than this one.
ANY_DMZ_COLUMN = re.compile(r"in_dmz_\d+(?:_\d+)?km_\w+_line")

#: The reader's own columns (:data:`~.columns.RESERVED_COLUMNS`) that zonemap's output holds (``file``:
#: a folder's part): read again, the earlier run's are renamed ``<name>_in_file`` and the reader adds its own.
READER_COLUMNS = tuple(c for c in RESERVED_COLUMNS if c in ("row", "date_precision", "file"))


def own_output_columns(model: ZoneModel) -> tuple[frozenset, frozenset]:
    """``(signature, every)``: the columns every classification with ``model`` adds whatever its
    options (the fixed lines' answers, ``p_*``, ``dmz_status``, ``ocha_admin1*``…; the DMZ
    memberships, which carry its width and line, left out), and every column one may add (each
    event as of its date, with the nearest place, :data:`UNCLASSIFIED`). Found by classifying no
    rows, so the lists follow the code.

    Examples
    --------
    >>> signature, every = own_output_columns(_default_model())
    >>> {"side_2018", "dist_2018_km", "p_in_dmz", "dmz_status", "ocha_admin1"} <= signature
    True
    >>> sorted(every - signature)  # doctest: +NORMALIZE_WHITESPACE
    ['as_of_basis', 'dist_line_km', 'in_dmz_15km_2018_line', 'in_dmz_20km_2018_line', 'line_accuracy_km',
     'line_date', 'line_until', 'nearest_place', 'nearest_place_km', 'side', 'unclassified_reason']
    """
    empty = pd.DataFrame({"event_date": pd.Series([], dtype="datetime64[ns]")})
    none = np.array([], dtype=float)
    fixed = classification_columns(empty, none, none, model, as_of=None, nearest_place=False, threads=1)
    every = classification_columns(empty, none, none, model, as_of="event", nearest_place=True, threads=1)
    signature = frozenset(c for c in fixed.columns if not ANY_DMZ_COLUMN.fullmatch(c))
    return signature, frozenset([*every.columns, *fixed.columns, UNCLASSIFIED])


def earlier_run_columns(columns, model: ZoneModel) -> list:
    """The columns of an earlier zonemap run in a table that is zonemap's own output, else none.

    A table is zonemap's own output when it holds *every* column of the signature
    (:func:`own_output_columns`: some 20 columns, ``side_2018`` to ``ocha_admin1``); a user's file
    that merely has a ``side`` or ``p_in_dmz`` column is not, and keeps it (as ``<name>_in_file``
    beside zonemap's). In zonemap's own output, the earlier run's columns are every column zonemap
    may add (DMZ memberships of any width and line included) and the reader's ``row``,
    ``date_precision`` and ``file``, renamed ``<name>_in_file`` when the file was read again.

    Examples
    --------
    >>> model = _default_model()
    >>> signature, _ = own_output_columns(model)
    >>> earlier_run_columns(["row", "event_id", "row_in_file", "side", *sorted(signature)], model)[:4]
    ['side', 'accuracy_basis', 'dist_2018_km', 'dist_2020_km']
    >>> "row_in_file" in earlier_run_columns(["row", "row_in_file", *signature], model)
    True
    >>> earlier_run_columns(["event_id", "side", "p_in_dmz"], model)  # a user's columns
    []
    """
    names = {str(c) for c in columns}
    signature, every = own_output_columns(model)
    if not signature <= names:
        return []
    earlier = [c for c in columns if str(c) in every or ANY_DMZ_COLUMN.fullmatch(str(c))]
    for name in READER_COLUMNS:
        renamed = _renamed_at_read(name, names) if name in names else None
        earlier += [c for c in columns if renamed is not None and str(c) == renamed]
    return earlier


def _renamed_at_read(name: str, names: set) -> str | None:
    """What the reader named a file's ``name`` column when it added its own (:func:`~.columns._free_name`:
    the first of ``<name>_in_file``, ``<name>_in_file_2``, … the file did not hold), so the last of
    them before the first one missing; None if there is none."""
    found, candidate, number = None, f"{name}_in_file", 2
    while candidate in names:
        found, candidate, number = candidate, f"{name}_in_file_{number}", number + 1
    return found


def without_earlier_run(table: pd.DataFrame, model: ZoneModel) -> tuple[pd.DataFrame, list]:
    """``table`` without an earlier zonemap run's columns (:func:`earlier_run_columns`), and those columns.

    Examples
    --------
    >>> import zonemap
    >>> first = classify(zonemap.synthetic_incidents(3, seed=1))
    >>> again, replaced = without_earlier_run(first, _default_model())
    >>> len(replaced), "side" in again, "event_date" in again
    (29, False, True)
    """
    earlier = earlier_run_columns(table.columns, model)
    return (table.drop(columns=earlier), earlier) if earlier else (table, [])


def replaced_note(replaced: list) -> str:
    """The one line saying an earlier run's columns were replaced.

    Examples
    --------
    >>> replaced_note(["side", "side_2018"])
    "zonemap's own output classified again: 2 columns from an earlier zonemap run were replaced (side, side_2018)"
    """
    names = ", ".join(map(str, replaced[:6])) + (", …" if len(replaced) > 6 else "")
    return (f"zonemap's own output classified again: {len(replaced)} columns from an earlier zonemap run "
            f"were replaced ({names})")  # fmt: skip


#: How each row was judged (column ``as_of_basis``).
BASES = (
    "event date",
    "as of the given date",
    "no date: fixed lines, zones regardless of dates",
    "month or year only: fixed lines; a zone in force for part of the period is uncertain",
    "before the first dated line: no line in force",
)


def _judging_dates(incidents, as_of, model: ZoneModel):
    """The day each row is judged as of (datetime64[D], NaT: not judged by date) and why, or (None, None)."""
    if as_of is None or model.dated is None:
        return None, None
    n = len(incidents)
    if not (isinstance(as_of, str) and as_of == "event"):
        day = read_day(as_of, what="as_of")
        why = model.dated.why_no_line(day)
        if why is not None:
            raise ArgumentError(f"no contact line in force on {np.datetime_as_string(day, unit='D')}: {why}")
        return np.full(n, day), np.full(n, 1, dtype=np.int8)
    if "event_date" not in incidents:
        return np.full(n, np.datetime64("NaT", "D")), np.full(n, 2, dtype=np.int8)
    dates = pd.to_datetime(incidents["event_date"]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    basis = np.where(np.isnat(dates), np.int8(2), np.int8(0))
    if "date_precision" in incidents:
        partial = incidents["date_precision"].isin(["month", "year"]).to_numpy(dtype=bool)
        dates[partial] = np.datetime64("NaT")
        basis[partial] = 3
    basis[(basis == 0) & (dates < model.dated.dates[0])] = 4
    return dates, basis


def _partial_periods(table, as_of, model: ZoneModel):
    """The month or year (start, end) of each row dated only to one (NaT for the others), when the
    rows are judged by their dates and some are such; else None."""
    from ..model.validity import partial_periods

    if not (isinstance(as_of, str) and as_of == "event") or model.dated is None:
        return None
    if "date_precision" not in table or "event_date" not in table:
        return None
    precision = table["date_precision"].astype("string").fillna("").to_numpy(dtype=object)
    if not np.isin(precision, ["month", "year"]).any():
        return None
    return partial_periods(pd.to_datetime(table["event_date"]).to_numpy(dtype="datetime64[ns]"), precision)


def _shares(dated: DatedLines, zone: str, periods) -> np.ndarray:
    """The share of each row's month or year in which ``zone`` was in force (NaN: a row with a day)."""
    from ..model.validity import share_in_force

    return share_in_force(*periods, *dated.validity[zone])


def _in_force_over(inside: np.ndarray, share: np.ndarray):
    """Membership of rows dated to a month or year: inside and in force all the period, True; in
    force for none of it, False; for part of it, missing (uncertain; nullable booleans then)."""
    partial = ~np.isnan(share)
    values = np.where(partial, inside & (share >= 1), inside)
    uncertain = partial & inside & (share > 0) & (share < 1)
    if not uncertain.any():
        return values
    values = pd.array(values, dtype="boolean")
    values[uncertain] = pd.NA
    return values


def _as_of_arrays(arrays: dict, dated: DatedLines, dates, line_index, basis, periods=None) -> dict:
    """Line date and accuracy per row, zones counted only while in force (a month or a year that
    straddles a zone's start or end: uncertain), and how each row was judged (the columns of
    ``arrays`` that change, and the new ones)."""
    judged = line_index >= 0
    known = ~np.isnat(dates)
    unit = (
        "ns" if fits_nanoseconds(np.concatenate([dated.dates, dated.until])) else "s"
    )  # a timeline dated past 2262 keeps its days
    line_dates = dated.dates.astype(f"datetime64[{unit}]")
    line_until = dated.until.astype(f"datetime64[{unit}]")
    out = {
        f"in_{zone}": np.where(known, arrays[f"in_{zone}"] & dated.in_force(zone, dates), arrays[f"in_{zone}"])
        for zone in dated.validity
        if f"in_{zone}" in arrays
    }
    if periods is not None:
        out = {column: _in_force_over(values, _shares(dated, column[3:], periods)) for column, values in out.items()}
    categories = list(BASES) + dated.no_line_reasons()  # the same categories in every chunk of a file
    codes = basis.astype(np.int16)
    unexplained = known & ~judged & (basis != 4)  # dated, after the first line, yet no line: say why
    if unexplained.any():
        days, where = np.unique(dates[unexplained], return_inverse=True)
        reasons = [dated.why_no_line(day) for day in days]
        codes[unexplained] = np.array([categories.index(r) for r in reasons], dtype=np.int16)[where]
    return out | {
        "line_date": np.where(judged, line_dates[np.maximum(line_index, 0)], np.datetime64("NaT", unit)),
        "line_until": np.where(judged, line_until[np.maximum(line_index, 0)], np.datetime64("NaT", unit)),
        "line_accuracy_km": np.where(judged, arrays["line_accuracy_km"], np.nan),
        "as_of_basis": pd.Categorical.from_codes(codes, categories=categories),
    }


def _probabilities(columns: pd.DataFrame, incidents, model: ZoneModel, dates, periods=None) -> dict:
    """``p_opposition``, ``p_in_dmz``, ``dmz_status``: no DMZ probability on a day it was not in
    force; for a month or a year, the probability times the share of the period it was in force."""
    from ..model import uncertainty

    out = uncertainty.classified_columns(columns, incidents, model.options)
    if out and dates is not None and model.dated is not None:
        dmz = next((k for k in model.dated.validity if k.startswith("dmz_")), None)
        if dmz is not None:
            start, end = model.dated.validity[dmz]
            absent = ~np.isnat(dates) & (dates < start)  # before the DMZ: certainly not in it
            ended = ~np.isnat(dates) & (dates >= end)  # after it: no answer
            share = (
                np.ones(len(absent)) if periods is None else np.nan_to_num(_shares(model.dated, dmz, periods), nan=1)
            )
            out["p_in_dmz"] = np.where(absent, 0.0, np.where(ended, np.nan, out["p_in_dmz"] * share))
            status = out["dmz_status"]
            shared = (share < 1) & ~absent & ~ended  # a month or year partly in force: status from its probability
            codes = np.where(shared, uncertainty.status(out["p_in_dmz"]).codes, status.codes)
            codes = np.where(absent, status.categories.get_loc("outside"), np.where(ended, -1, codes))
            out["dmz_status"] = pd.Categorical.from_codes(codes, dtype=status.dtype)
    return out


def _blank_after_end(columns: pd.DataFrame, probabilities: dict, ended: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Rows dated on or after the zones' end keep no fixed-line side, distance or probability either."""
    fixed = [c for c in columns.columns if c.startswith(("side_", "dist_", "line_accuracy_")) and c != "dist_line_km"]
    blank = {}
    for name in fixed:
        values = columns[name]
        blank[name] = values.mask(ended) if isinstance(values.dtype, pd.CategoricalDtype) else values.where(~ended)
    out = {}
    for name, values in probabilities.items():
        if isinstance(values, pd.Categorical):
            out[name] = pd.Categorical.from_codes(np.where(ended, -1, values.codes), dtype=values.dtype)
        else:
            out[name] = np.where(ended, np.nan, values)
    return columns.assign(**blank), out


def unclassifiable(geoms) -> np.ndarray:
    """Why each geometry cannot be classified (None where it is a usable point).

    Examples
    --------
    >>> unclassifiable(np.array([shapely.Point(36.6, 35.9), None, shapely.Point(), shapely.box(0, 0, 1, 1)]))
    array([None, 'no geometry', 'empty point', 'not a point (Polygon)'], dtype=object)
    """
    geoms = np.asarray(geoms, dtype=object)
    kinds = shapely.get_type_id(geoms)
    problem = np.full(len(geoms), None, dtype=object)
    problem[kinds == -1] = "no geometry"
    other = (kinds != 0) & (kinds != -1)
    problem[other] = [f"not a point ({g.geom_type})" for g in geoms[other]]
    points = kinds == 0
    empty = points & shapely.is_empty(geoms)
    problem[empty] = "empty point"
    solid = np.where(points & ~empty, geoms, None)
    xy_nan = points & ~empty & (np.isnan(shapely.get_x(solid)) | np.isnan(shapely.get_y(solid)))
    problem[xy_nan] = "coordinates not a number"
    return problem


def _blank_unclassified(columns: pd.DataFrame, usable: np.ndarray) -> pd.DataFrame:
    """Rows that were not classified get no answer: memberships and sides missing, distances NaN."""
    out = {}
    for name in columns.columns:
        values = columns[name]
        if name.startswith("in_"):
            values = values.astype("boolean").mask(~usable)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            values = values.mask(~usable)
        else:
            values = values.where(usable)
        out[name] = values
    return pd.DataFrame(out, index=columns.index)


def _earlier_name(column: str, taken: set) -> str:
    candidate, number = f"{column}_in_file", 2
    while candidate in taken:
        candidate, number = f"{column}_in_file_{number}", number + 1
    taken.add(candidate)
    return candidate
