"""Classify incidents against the zones: memberships, sides, signed geodesic distances, nearest place.

Vectorised throughout (numpy, shapely 2), in chunks spread over threads, with grid indexes built
once per model (:mod:`zonemap.grid_index`). Memberships are exactly ``shapely.contains_xy``'s.
Distances are ellipsoidal (:func:`~zonemap.projection.geodesic_distance_m`, checked against
``pyproj.Geod``) from each point to its nearest point on the line; that point is found exactly on
a conformal plane, and the line's geodesic segments are followed within 0.4 m (vertices every
5 km), so results stay within 10 m of the exact point-to-line geodesic distance (tested against a
slow ``pyproj.Geod`` reference; measured < 0.7 m).
"""

from __future__ import annotations

import functools
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from . import data, zones
from .errors import ArgumentError, InputError, ZonemapWarning
from .grid_index import NearestGrid, PolygonGrid
from .projection import conformal_plane, densify_geodesic, geodesic_distance_m

EARTH_RADIUS_M = 6_371_008.8
#: Contact lines are followed by straight pieces (on the plane and in lon/lat) between points at
#: most this far apart along their geodesic segments: the pieces stray < 0.4 m from the geodesics.
LINE_STEP_KM = 5.0
#: Cell size (degrees) of the membership grid: points in cells no zone boundary crosses need no test.
POLYGON_CELL_DEG = 0.001
#: Cell size (degrees) of the governorates' grid: they span all of Syria, so a coarser grid (22 MB;
#: at 0.01° a seventh of Idlib's events fell in cells a border crosses and were tested one by one).
ADMIN1_CELL_DEG = 0.0025
SIDES = ("opposition", "government", "outside")  # side_<line>: of the line in the Idlib area, or outside it
SIDE_DTYPE = pd.CategoricalDtype(list(SIDES))
CHUNK_ROWS = 131_072
ASTANA_ZONES = ("idlib", "northern_homs", "eastern_ghouta", "southern")


@dataclass
class _Targets:
    """Segments of a line (or places: segments of zero length) for nearest-point distances.

    Indexed on the conformal plane around ``centre``; each end's longitude and latitude give the
    nearest point on the ellipsoid.
    """

    grid: NearestGrid
    lon: np.ndarray  # (m,) degrees, each segment's start
    lat: np.ndarray
    dlon: np.ndarray | None  # end − start; None for points
    dlat: np.ndarray | None

    @classmethod
    def of(cls, centre, start, end=None) -> _Targets:
        """From (m, 2) lon/lat arrays of segment starts and ends; of points when ``end`` is None."""
        ends = [start, start if end is None else end]
        plane = [np.column_stack(conformal_plane(p[:, 0], p[:, 1], *centre, radius=EARTH_RADIUS_M)) for p in ends]
        span = (None, None) if end is None else (end - start).T
        return cls(NearestGrid.build(*plane), start[:, 0], start[:, 1], *span)

    def distance_m(self, x, y, lon, lat):
        """Geodesic distance (m) from points (plane x, y; lon, lat) to the nearest target, and its index."""
        segment, t = self.grid.nearest(x, y)
        foot_lon, foot_lat = self.lon[segment], self.lat[segment]
        if self.dlon is not None:  # segments, not points
            foot_lon += t * self.dlon[segment]
            foot_lat += t * self.dlat[segment]
        return geodesic_distance_m(lon, lat, foot_lon, foot_lat), segment


@dataclass
class DatedLines:
    """The timeline's contact lines for judging each event as of its date: per line its date, stated
    accuracy (km), distance targets and a grid of its opposition-held face; zones' validity dates."""

    dates: np.ndarray  # datetime64[ns], ascending
    accuracy_km: np.ndarray
    targets: list[_Targets]
    faces: PolygonGrid  # polygon i: the opposition-held face of the Idlib area at line i
    validity: dict[str, tuple[np.datetime64, np.datetime64]]  # zone -> [from, to) (NaT: open)
    #: Dated line -> fixed line (``ZoneModel.lines``) with the same geometry and opposition face:
    #: its sides and distances are taken from the fixed line's, not measured twice.
    twins: dict[int, str] = field(default_factory=dict)

    def index(self, dates: np.ndarray) -> np.ndarray:
        """The line in force on each date (-1 before the first line and for NaT)."""
        index = np.searchsorted(self.dates, dates, side="right").astype(np.int64) - 1
        index[np.isnat(dates)] = -1
        return index

    def in_force(self, zone: str, dates: np.ndarray) -> np.ndarray:
        start, end = self.validity[zone]
        ok = dates >= start
        if not np.isnat(end):
            ok &= dates < end
        return ok


@dataclass
class ZoneModel:
    """Everything classification needs, built once (picklable, so dask workers get a copy)."""

    zones: dict[str, shapely.Geometry]
    opposition: dict[str, shapely.Geometry]  # per contact line: the opposition-held face of the Idlib area
    lines: dict[str, _Targets]
    places: _Targets
    place_names: pd.Categorical  # one per place, in the order of ``places``
    grid: PolygonGrid  # the zones, then the opposition faces
    centre: tuple[float, float]
    options: dict
    dated: DatedLines | None = None  # the timeline, for answers as of each event's date
    admin1: PolygonGrid | None = None  # OCHA governorates, in the order of ``admin1_codes``
    admin1_codes: pd.Categorical | None = None  # P-codes
    admin1_names: pd.Categorical | None = None  # OCHA English names


def zone_model(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    corridor_km: float = zones.M4_CORRIDOR_KM,
    lines=("2018", "2020"),
    timeline=None,
    timeline_date_column: str = "as_of",
) -> ZoneModel:
    """Prepare zones, lines and gazetteer for :func:`classify` (widths in km).

    Zones (column ``in_<zone>`` of :func:`classify`): the four Astana de-escalation areas
    (``idlib_area``, … — the area, not the governorate), the Sochi DMZ along ``contact_line`` at its
    min and max width (``dmz_20km_2018_line``: the line is in the name), the M4 corridor
    (``corridor_km`` each side). ``lines`` are fixed contact lines to measure
    distances to and sides of (columns ``side_<line>``, ``dist_<line>_km``). ``timeline`` (a file
    or frame of dated lines; None: the shipped one, see :mod:`zonemap.timeline`) gives the line in
    force on each event's date (its date column: ``timeline_date_column``), and the zones' validity dates.

    Examples
    --------
    >>> sorted(zone_model().zones)  # doctest: +NORMALIZE_WHITESPACE
    ['dmz_15km_2018_line', 'dmz_20km_2018_line', 'eastern_ghouta_area', 'idlib_area', 'm4_corridor',
     'northern_homs_area', 'southern_area']
    """
    low, high = zones._check_width_range(width_km)
    areas = data.load_layer("de_escalation_areas").set_index("zone")
    zone_shapes = {f"{key}_area": areas.geometry[key] for key in ASTANA_ZONES}  # de-escalation areas
    dmz = zones.sochi_dmz(contact_line, width_km=(low, high))
    for width, geom in zip(dmz["width_max_km"], dmz.geometry):
        zone_shapes[f"dmz_{width:g}km_{line_label(contact_line)}".replace(".", "_")] = geom
    zone_shapes["m4_corridor"] = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km).geometry.iloc[0]
    centre = tuple(np.round(shapely.centroid(zone_shapes["idlib_area"]).coords[0], 4))
    opposition = {str(key): zones.opposition_side(key) for key in lines}
    places = data.load_layer("places")
    places = places[places["kind"] != "observation_post"]
    place_xy = shapely.get_coordinates(places.geometry.to_numpy())
    targets = {str(key): _line_targets(key, centre) for key in lines}
    dated = _dated_lines(timeline, timeline_date_column, centre, list(zone_shapes))
    dated.twins = {
        i: key
        for i, line in enumerate(dated.targets)
        for key in targets
        if line is targets[key] and shapely.equals_exact(dated.faces.polygons[i], opposition[key], 0)
    }
    return ZoneModel(
        zones=zone_shapes,
        opposition=opposition,
        lines=targets,
        places=_Targets.of(centre, place_xy),
        place_names=pd.Categorical(places["name"].to_numpy(dtype=object)),
        grid=PolygonGrid.build([*zone_shapes.values(), *opposition.values()], POLYGON_CELL_DEG),
        centre=centre,
        options={"width_km": (low, high), "contact_line": contact_line, "corridor_km": corridor_km},
        dated=dated,
        **_admin1(),
    )


def line_label(contact_line) -> str:
    """How a zone column names the line its DMZ is drawn on: ``2018_line``, ``2020_line``, ``user_line``.

    Examples
    --------
    >>> line_label("2018"), line_label("my_front.geojson")
    ('2018_line', 'user_line')
    """
    key = str(contact_line) if isinstance(contact_line, str) else ""
    key = {v: k for k, v in data.CONTACT_LINE_KEYS.items()}.get(key, key)
    return f"{key}_line" if key in data.CONTACT_LINE_KEYS else "user_line"


def _admin1() -> dict:
    """OCHA's governorates (admin-1) as a membership grid, with their P-codes and English names."""
    governorates = data.load_layer("governorates").sort_values("pcode")
    codes, names = (list(governorates[c]) for c in ("pcode", "name_en"))
    return {
        "admin1": PolygonGrid.build(list(governorates.geometry), ADMIN1_CELL_DEG),
        "admin1_codes": pd.Categorical(codes, categories=codes),
        "admin1_names": pd.Categorical(names, categories=names),
    }


def _dated_lines(source, date_column: str, centre, zone_keys) -> DatedLines:
    """Each dated line's targets and opposition face, built once per timeline (cached by it)."""
    from . import timeline as dated

    lines = dated.load_timeline(source, date_column=date_column)
    states = lines.states()
    validity = dated.validity().set_index("zone")
    windows = {}
    for key in zone_keys:
        record = validity.loc[dated.validity_key(key)]
        windows[key] = (record["valid_from"].to_datetime64(), pd.Timestamp(record["valid_to"]).to_datetime64())
    return DatedLines(
        dates=lines.dates,
        accuracy_km=np.array([state.accuracy_km for state in states], dtype=float),
        targets=[_line_targets(state.line.geometry, centre) for state in states],
        faces=PolygonGrid.build([state.opposition for state in states], POLYGON_CELL_DEG),
        validity=windows,
    )


def _line_targets(line, centre) -> _Targets:
    geometry = line if isinstance(line, shapely.Geometry) else zones.as_line(line).geometry
    return _targets_of_line(shapely.to_wkb(geometry), centre)


@functools.lru_cache(maxsize=32)
def _targets_of_line(wkb: bytes, centre) -> _Targets:
    """A line's distance targets, built once (a fixed line is often also one of the timeline's)."""
    parts = shapely.get_parts(densify_geodesic(shapely.from_wkb(wkb), LINE_STEP_KM))
    coords = [shapely.get_coordinates(part) for part in parts]
    return _Targets.of(centre, np.vstack([c[:-1] for c in coords]), np.vstack([c[1:] for c in coords]))


def _classify_arrays(
    model: ZoneModel, lon: np.ndarray, lat: np.ndarray, nearest_place: bool, line_index: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    inside = model.grid.contains(lon, lat)  # (polygons, n): the zones, then the opposition faces
    out: dict[str, np.ndarray] = {f"in_{key}": inside[i] for i, key in enumerate(model.zones)}
    x, y = conformal_plane(lon, lat, *model.centre, radius=EARTH_RADIUS_M)
    outside_idlib = np.where(out["in_idlib_area"], np.int8(1), np.int8(2))
    for i, (key, line) in enumerate(model.lines.items()):
        opposition = inside[len(model.zones) + i]
        distance_km = line.distance_m(x, y, lon, lat)[0] / 1000
        out[f"side_{key}"] = np.where(opposition, np.int8(0), outside_idlib)  # codes of SIDES
        out[f"dist_{key}_km"] = np.negative(distance_km, out=distance_km, where=~opposition)
    if line_index is not None:
        out |= _in_force_line(model.dated, x, y, lon, lat, line_index, outside_idlib, out)
    if model.admin1 is not None:
        governorate = model.admin1.contains(lon, lat)  # (governorates, n)
        out["admin1"] = np.where(governorate.any(axis=0), governorate.argmax(axis=0), -1).astype(np.int16)
    if nearest_place:
        distance_m, nearest = model.places.distance_m(x, y, lon, lat)
        out["nearest_place"] = nearest
        out["nearest_place_km"] = distance_m / 1000
    return out


def _in_force_line(dated: DatedLines, x, y, lon, lat, line_index, outside_idlib, fixed) -> dict[str, np.ndarray]:
    """Side of, and signed distance (km) to, the line in force for each point (``line_index``, -1: none);
    ``fixed`` holds the fixed lines' answers (``side_<key>``, ``dist_<key>_km``), reused for their twins."""
    distance_km = np.full(len(lon), np.nan)
    side = np.full(len(lon), np.int8(-1))  # -1: no line (a missing category)
    for i in np.flatnonzero(np.bincount(line_index + 1)[1:]):  # the lines in force on some row
        rows = np.flatnonzero(line_index == i)
        twin = dated.twins.get(int(i))
        if twin is not None and f"side_{twin}" in fixed:
            distance_km[rows] = fixed[f"dist_{twin}_km"][rows]
            side[rows] = fixed[f"side_{twin}"][rows]
            continue
        opposition = dated.faces.contains_one(i, lon[rows], lat[rows])
        away = dated.targets[i].distance_m(x[rows], y[rows], lon[rows], lat[rows])[0] / 1000
        distance_km[rows] = np.where(opposition, away, -away)
        side[rows] = np.where(opposition, np.int8(0), outside_idlib[rows])
    return {"side": side, "dist_line_km": distance_km}


def classify_points(
    lon, lat, model: ZoneModel | None = None, *, nearest_place: bool = True, threads: int | None = None
) -> pd.DataFrame:
    """Classification columns for lon/lat arrays (degrees), as a DataFrame in the same order.

    Columns: ``in_<zone>`` (bool), ``side_<line>`` (opposition / government / outside the Idlib
    area), ``dist_<line>_km`` (signed geodesic distance in km: + on the opposition side, − elsewhere),
    ``nearest_place`` (the nearest town or village of the gazetteer) and ``nearest_place_km``
    (left out with ``nearest_place=False``, which saves about a sixth of the time).

    Examples
    --------
    >>> row = classify_points([36.8059], [35.8645]).iloc[0]   # Saraqib, 2 km east of the corridor's end at Trumba
    >>> bool(row["in_m4_corridor"]), row["side_2018"], row["side_2020"], row["nearest_place"]
    (False, 'opposition', 'government', 'Saraqib')
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    model = model or _default_model()
    return pd.DataFrame(_column_arrays(model, len(lon), lambda rows: (lon[rows], lat[rows]), nearest_place, threads))


def _column_arrays(model: ZoneModel, n: int, coordinates, nearest_place: bool, threads=None, line_index=None) -> dict:
    """Classify ``n`` points chunk by chunk over threads; ``coordinates(slice)`` gives a chunk's lon, lat;
    ``line_index`` (one per point) the dated line to judge each point against (None: fixed lines only).
    Returns the columns as arrays (one frame is made of them at the end)."""
    threads = threads or min(os.cpu_count() or 1, 8)
    rows = min(CHUNK_ROWS, -(-n // threads)) or 1  # every thread busy, even on small inputs
    starts = range(0, n, rows)

    def chunk(start):
        part = slice(start, start + rows)
        index = None if line_index is None else line_index[part]
        return _classify_arrays(model, *coordinates(part), nearest_place, index)

    if n == 0:
        parts = [chunk(0)]
    else:
        # a progress bar for large inputs, on a terminal only (tqdm's disable=None)
        bar = tqdm(total=n, unit=" rows", desc="classifying", disable=None if len(starts) > 4 else True)
        with bar:  # numpy and shapely release the GIL
            parts = []
            for part in _pool(threads).map(chunk, starts) if len(starts) > 1 else map(chunk, starts):
                parts.append(part)
                bar.update(len(part["in_idlib_area"]))
    columns = parts[0] if len(parts) == 1 else {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    for key in [k for k in columns if k.startswith("side")]:  # codes made here: -1 (missing) to 2
        columns[key] = pd.Categorical.from_codes(columns[key], dtype=SIDE_DTYPE, validate=False)
    if nearest_place:
        codes = model.place_names.codes[columns["nearest_place"]]
        columns["nearest_place"] = pd.Categorical.from_codes(codes, dtype=model.place_names.dtype, validate=False)
    if "admin1" in columns:  # OCHA P-code and English name of the governorate (missing outside Syria)
        found = columns.pop("admin1")
        columns["admin1_pcode"] = pd.Categorical.from_codes(found, dtype=model.admin1_codes.dtype, validate=False)
        columns["admin1"] = pd.Categorical.from_codes(found, dtype=model.admin1_names.dtype, validate=False)
    return columns


@functools.cache
def _pool(threads: int) -> ThreadPoolExecutor:
    """A lasting pool of worker threads: each keeps its own copies of the zone polygons between calls
    (see :meth:`PolygonGrid._polygons_of_this_thread`)."""
    return ThreadPoolExecutor(threads, thread_name_prefix="zonemap")


os.register_at_fork(after_in_child=_pool.cache_clear)  # a forked child has none of the parent's threads


@functools.cache
def _default_model() -> ZoneModel:
    """The model with default options, built on first use."""
    return zone_model()


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
    ``event_date`` (the latest dated line on or before it, :mod:`zonemap.timeline`), adding
    ``line_date`` (that line's date), ``line_accuracy_km``, ``side`` (opposition / government /
    outside the Idlib area), ``dist_line_km`` (signed geodesic distance, km, + on the opposition
    side) and ``as_of_basis`` (how the row was judged); and every ``in_<zone>`` is True only if the
    zone was in force that day (no DMZ before 17 Sep 2018, no M4 corridor before 6 Mar 2020, …).
    Rows without a day (no date, or only a month or year) keep the fixed-line answers and say so in
    ``as_of_basis``. ``as_of="2019-08-31"`` judges every row as of that date; ``as_of=None`` gives
    the fixed-line answers only. The fixed lines' ``side_<line>`` / ``dist_<line>_km`` are always
    there. Also: ``p_opposition``, ``p_in_dmz`` and ``dmz_status`` (:mod:`zonemap.uncertainty`),
    ``admin1_pcode`` and ``admin1`` (OCHA governorate).

    ``incidents`` is a GeoDataFrame (e.g. ``read_incidents(...).accepted``); ``zonemap.classify``
    (:func:`zonemap.engines.classify`) also takes ``engine="dask"`` for folders larger than memory.
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
    (['opposition', 'government'], ['2019-05-10', '2020-02-17'])
    >>> result["in_m4_corridor"].tolist(), result["admin1_pcode"].tolist()
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
    geoms = incidents.geometry.to_numpy()
    problem = unclassifiable(geoms)
    usable = problem == None  # noqa: E711 (elementwise)
    lon = np.where(usable, shapely.get_x(np.where(usable, geoms, None)), np.nan)
    lat = np.where(usable, shapely.get_y(np.where(usable, geoms, None)), np.nan)
    columns = classification_columns(incidents, lon, lat, model, as_of=as_of, nearest_place=nearest_place)
    if not usable.all():
        columns = _blank_unclassified(columns, usable)
        columns["unclassified_reason"] = problem
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
    ('government', '2020-02-17')
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
    if dates is not None:
        arrays |= _as_of_arrays(arrays, model.dated, dates, line_index, basis)
    columns = pd.DataFrame(arrays, index=table.index)
    probabilities = _probabilities(columns, table, model, dates)
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


#: How each row was judged (column ``as_of_basis``).
BASES = (
    "event date",
    "as of the given date",
    "no date: fixed lines, zones regardless of dates",
    "month or year only: fixed lines, zones regardless of dates",
    "before the first dated line: no line in force",
)


def _judging_dates(incidents, as_of, model: ZoneModel):
    """The date each row is judged as of (datetime64[ns], NaT: not judged by date) and why, or (None, None)."""
    if as_of is None or model.dated is None:
        return None, None
    n = len(incidents)
    if not (isinstance(as_of, str) and as_of == "event"):
        from .timeline import _day

        day = _day(as_of, what="as_of")
        if day < model.dated.dates[0]:
            first = np.datetime_as_string(model.dated.dates[0], unit="D")
            raise ArgumentError(
                f"no contact line in force on {np.datetime_as_string(day, unit='D')}: the first is {first}"
            )
        return np.full(n, day), np.full(n, 1, dtype=np.int8)
    if "event_date" not in incidents:
        return np.full(n, np.datetime64("NaT", "ns")), np.full(n, 2, dtype=np.int8)
    dates = pd.to_datetime(incidents["event_date"]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    dates = dates.astype("datetime64[ns]")
    basis = np.where(np.isnat(dates), np.int8(2), np.int8(0))
    if "date_precision" in incidents:
        partial = incidents["date_precision"].isin(["month", "year"]).to_numpy(dtype=bool)
        dates[partial] = np.datetime64("NaT")
        basis[partial] = 3
    basis[(basis == 0) & (dates < model.dated.dates[0])] = 4
    return dates, basis


def _as_of_arrays(arrays: dict, dated: DatedLines, dates, line_index, basis) -> dict:
    """Line date and accuracy per row, zones counted only while in force, and how each row was judged
    (the columns of ``arrays`` that change, and the new ones)."""
    judged = line_index >= 0
    known = ~np.isnat(dates)
    out = {
        f"in_{zone}": np.where(known, arrays[f"in_{zone}"] & dated.in_force(zone, dates), arrays[f"in_{zone}"])
        for zone in dated.validity
        if f"in_{zone}" in arrays
    }
    return out | {
        "line_date": np.where(judged, dated.dates[np.maximum(line_index, 0)], np.datetime64("NaT", "ns")),
        "line_until": np.where(
            judged & (line_index + 1 < len(dated.dates)),
            dated.dates[np.minimum(line_index + 1, len(dated.dates) - 1)],
            np.datetime64("NaT", "ns"),
        ),
        "line_accuracy_km": np.where(judged, dated.accuracy_km[np.maximum(line_index, 0)], np.nan),
        "as_of_basis": pd.Categorical.from_codes(basis, categories=BASES),
    }


def _probabilities(columns: pd.DataFrame, incidents, model: ZoneModel, dates) -> dict:
    """``p_opposition``, ``p_in_dmz``, ``dmz_status``: no DMZ probability on a day it was not in force."""
    from . import uncertainty

    out = uncertainty.classified_columns(columns, incidents, model.options)
    if out and dates is not None and model.dated is not None:
        dmz = next((k for k in model.dated.validity if k.startswith("dmz_")), None)
        if dmz is not None:
            absent = ~np.isnat(dates) & ~model.dated.in_force(dmz, dates)
            out["p_in_dmz"] = np.where(absent, 0.0, out["p_in_dmz"])
            status = out["dmz_status"]
            codes = np.where(absent, status.categories.get_loc("outside"), status.codes)
            out["dmz_status"] = pd.Categorical.from_codes(codes, dtype=status.dtype)
    return out


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
