"""The zones compiled for point queries: a :class:`ZoneModel` holds grid indexes of every zone and
line (built once per set of options), and :func:`classify_points` answers memberships, sides and
geodesic distances for arrays of lon/lat.

The compiled model is the value that the classifier, the gazetteer and the model cache share;
it knows nothing of incident files (that is :mod:`zonemap.incidents.classification`).
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from ..geodesy.grid_index import NEAREST_LEVELS_M, NearestGrid, PolygonGrid, PolygonGrids
from ..geodesy.projection import conformal_plane, densify_geodesic, geodesic_distance_m
from . import data, zones
from .dates import line_index_of, no_line_reason
from .validity import window

EARTH_RADIUS_M = 6_371_008.8

#: Contact lines are followed by straight pieces (on the plane and in lon/lat) between points at
#: most this far apart along their geodesic segments: the pieces stray < 0.4 m from the geodesics.
LINE_STEP_KM = 5.0

#: Cell size (degrees) of the membership grid: points in cells no zone boundary crosses need no test.
POLYGON_CELL_DEG = 0.001

#: Cell size (degrees) of the governorates' grid: they span all of Syria, so a coarser grid (22 MB;
#: at 0.01° a seventh of Idlib's events fell in cells a border crosses and were tested one by one).
ADMIN1_CELL_DEG = 0.0025

#: Nearest-segment grid levels (cell, reach; m) of each dated line, by the timeline's number of lines:
#: (most lines, levels). Measured on one line, against the fine levels (~13 MB a line, 0.43 s to build):
#: 1 km cells take ~3.5 MB and 0.21 s, queries as fast; 2 km cells ~0.9 MB and 0.07 s, queries ~1.7× slower.
DATED_LINE_LEVELS_M = (
    (64, NEAREST_LEVELS_M),
    (256, ((1_000.0, 80_000.0), (8_000.0, 400_000.0))),
    (None, ((2_000.0, 80_000.0), (16_000.0, 400_000.0))),
)

#: Grids of 64 dated lines' faces kept at the fine cell size (:func:`dated_cell_deg`); each is ~16 MB.
DATED_GRIDS = 4

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
    #: Stated accuracy (km) at each segment's start and end, interpolated along the line between its
    #: vertices' ``accuracy_km``; None: one accuracy for the whole line (the caller's).
    accuracy: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, centre, start, end=None, levels=NEAREST_LEVELS_M) -> _Targets:
        """From (m, 2) lon/lat arrays of segment starts and ends; of points when ``end`` is None."""
        ends = [start, start if end is None else end]
        plane = [np.column_stack(conformal_plane(p[:, 0], p[:, 1], *centre, radius=EARTH_RADIUS_M)) for p in ends]
        span = (None, None) if end is None else (end - start).T
        return cls(NearestGrid.build(*plane, levels=levels), start[:, 0], start[:, 1], *span)

    def distance_m(self, x, y, lon, lat):
        """Geodesic distance (m) from points (plane x, y; lon, lat) to the nearest target, and its index."""
        segment, t = self.grid.nearest(x, y)
        foot_lon, foot_lat = self.lon[segment], self.lat[segment]
        if self.dlon is not None:  # segments, not points
            foot_lon += t * self.dlon[segment]
            foot_lat += t * self.dlat[segment]
        return geodesic_distance_m(lon, lat, foot_lon, foot_lat), segment

    def distance_and_accuracy(self, x, y, lon, lat):
        """Geodesic distance (m) to the nearest point of the line and the stated accuracy (km) of the
        line there (interpolated between its vertices'); the accuracy is None without per-vertex values."""
        segment, t = self.grid.nearest(x, y)
        foot_lon, foot_lat = self.lon[segment] + t * self.dlon[segment], self.lat[segment] + t * self.dlat[segment]
        distance = geodesic_distance_m(lon, lat, foot_lon, foot_lat)
        if self.accuracy is None:
            return distance, None
        start, end = self.accuracy
        return distance, start[segment] + t * (end[segment] - start[segment])


@dataclass
class DatedLines:
    """The timeline's contact lines for judging each event as of its date: per line its date, stated
    accuracy (km), distance targets and a grid of its opposition-held face; zones' validity dates."""

    dates: np.ndarray  # datetime64[D] (days: 0001-9999, no wrap-around), ascending
    until: np.ndarray  # datetime64[D]: each line's valid_until (exclusive)
    accuracy_km: np.ndarray
    targets: list[_Targets]
    faces: PolygonGrids  # polygon i: the opposition-held face of the Idlib area at line i (any number of lines)
    validity: dict[str, tuple[np.datetime64, np.datetime64]]  # zone -> [from, to) days (NaT: open)
    #: The day every zone had ended (NaT: one has no end).
    end: np.datetime64 = np.datetime64("NaT", "D")
    #: Dated line -> fixed line (``ZoneModel.lines``) with the same geometry and opposition face:
    #: its sides and distances are taken from the fixed line's, not measured twice.
    twins: dict[int, str] = field(default_factory=dict)

    def index(self, dates: np.ndarray) -> np.ndarray:
        """The line in force on each date (-1 where none is: before the first line, past a line's
        ``valid_until`` with no next line yet, from the zones' end whatever a line says, and for NaT);
        dates are compared as days."""
        dates = np.asarray(dates).astype("datetime64[D]")
        index = line_index_of(self.dates, self.until, dates)
        if not np.isnat(self.end):
            index[dates >= self.end] = -1
        return index

    def why_no_line(self, day) -> str | None:
        """Why no line is in force on ``day`` (one line of text), or None when one is."""
        return no_line_reason(np.datetime64(day, "D"), self.dates, self.until, self.end)

    def no_line_reasons(self) -> list[str]:
        """Every reason :meth:`why_no_line` can give after the first line, in date order (a fixed set of
        categories: each gap between lines, and the zones' end)."""
        days = [day for day, start in zip(self.until, [*self.dates[1:], None]) if start is None or day < start]
        if not np.isnat(self.end):
            days.append(self.end)
        return list(dict.fromkeys(self.why_no_line(day) for day in days))

    def in_force(self, zone: str, dates: np.ndarray) -> np.ndarray:
        start, end = self.validity[zone]
        dates = np.asarray(dates).astype("datetime64[D]")
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
    timeline_valid_until=None,
    timeline_accuracy_km=None,
) -> ZoneModel:
    """Prepare zones, lines and gazetteer for :func:`classify` (widths in km).

    Zones (column ``in_<zone>`` of :func:`classify`): the four Astana de-escalation areas
    (``idlib_area``, … — the area, not the governorate), the Sochi DMZ along ``contact_line`` at its
    min and max width (``dmz_20km_2018_line``: the line is in the name), the M4 corridor
    (``corridor_km`` each side). ``lines`` are fixed contact lines to measure
    distances to and sides of (columns ``side_<line>``, ``dist_<line>_km``). ``timeline`` (a file
    or frame of dated lines; None: the shipped one, see :mod:`zonemap.model.timeline`) gives the line in
    force on each event's date (its date column: ``timeline_date_column``; ``timeline_valid_until``: the
    first day its last line no longer stands for, when it has no ``valid_until`` column;
    ``timeline_accuracy_km``: the accuracy, km, of its lines that state none), and the zones' validity dates.

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
    targets = {str(key): _line_targets(key, centre, _fixed_line_accuracy(key)) for key in lines}
    dated = _dated_lines(
        timeline, timeline_date_column, centre, list(zone_shapes), timeline_valid_until, timeline_accuracy_km
    )
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


def _dated_lines(source, date_column: str, centre, zone_keys, valid_until=None, accuracy_km=None) -> DatedLines:
    """Each dated line's targets and opposition face, built once per timeline (cached by it)."""
    from . import timeline as dated

    lines = dated.load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    states = lines.states()
    windows = {key: window(key) for key in zone_keys}
    end = dated.zones_end()
    levels = next(levels for most, levels in DATED_LINE_LEVELS_M if most is None or len(states) <= most)
    return DatedLines(
        dates=lines.dates,
        until=lines.until,
        accuracy_km=np.array([state.accuracy_km for state in states], dtype=float),
        targets=[
            _line_targets(state.line.geometry, centre, lines.vertex_accuracy_km(state.index), levels)
            for state in states
        ],
        faces=PolygonGrids.build([state.opposition for state in states], dated_cell_deg(len(states))),
        validity=windows,
        end=np.datetime64("NaT", "D") if end is None else np.datetime64(end, "D"),
    )


def _fixed_line_accuracy(key) -> np.ndarray | None:
    """Per-vertex accuracy (km) of a fixed line: its twin's in the hand-digitised timeline, if it has one
    (the fixed lines of 2018 and 2020 are two of its lines)."""
    from . import timeline as dated

    geometry = key if isinstance(key, shapely.Geometry) else zones.as_line(key).geometry
    return dated.hand_timeline().vertex_accuracy_km_of(geometry)


def _line_targets(line, centre, vertex_accuracy_km=None, levels=NEAREST_LEVELS_M) -> _Targets:
    geometry = line if isinstance(line, shapely.Geometry) else zones.as_line(line).geometry
    accuracy = None if vertex_accuracy_km is None else tuple(float(a) for a in vertex_accuracy_km)
    return _targets_of_line(shapely.to_wkb(geometry), centre, accuracy, levels)


@functools.lru_cache(maxsize=32)
def _targets_of_line(wkb: bytes, centre, vertex_accuracy_km: tuple | None = None, levels=NEAREST_LEVELS_M) -> _Targets:
    """A line's distance targets, built once (a fixed line is often also one of the timeline's), with
    the accuracy (km) at each segment's ends interpolated along the line from ``vertex_accuracy_km``
    (one per vertex of a LineString; None: no per-stretch accuracy)."""
    line = shapely.from_wkb(wkb)
    parts = shapely.get_parts(densify_geodesic(line, LINE_STEP_KM))
    coords = [shapely.get_coordinates(part) for part in parts]
    targets = _Targets.of(centre, np.vstack([c[:-1] for c in coords]), np.vstack([c[1:] for c in coords]), levels)
    vertices = shapely.get_coordinates(line)
    if vertex_accuracy_km is not None and line.geom_type == "LineString" and len(vertex_accuracy_km) == len(vertices):
        along = _along_line_m(vertices, centre)
        dense = [_locate_m(vertices, c, centre) for c in coords]
        accuracy = [np.interp(d, along, vertex_accuracy_km) for d in dense]
        targets.accuracy = (np.concatenate([a[:-1] for a in accuracy]), np.concatenate([a[1:] for a in accuracy]))
    return targets


def _along_line_m(vertices: np.ndarray, centre) -> np.ndarray:
    """Distance (m, on the conformal plane around ``centre``) of each vertex along the line from its start."""
    x, y = conformal_plane(vertices[:, 0], vertices[:, 1], *centre, radius=EARTH_RADIUS_M)
    return np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])


def _locate_m(vertices: np.ndarray, points: np.ndarray, centre) -> np.ndarray:
    """Distance (m) along the line (vertices, lon/lat) of the nearest point to each of ``points``, on the plane."""
    x, y = conformal_plane(vertices[:, 0], vertices[:, 1], *centre, radius=EARTH_RADIUS_M)
    px, py = conformal_plane(points[:, 0], points[:, 1], *centre, radius=EARTH_RADIUS_M)
    return shapely.line_locate_point(shapely.LineString(np.column_stack([x, y])), shapely.points(px, py))


def dated_cell_deg(lines: int) -> float:
    """Cell size (degrees) of the dated lines' face grids: :data:`POLYGON_CELL_DEG` up to
    :data:`DATED_GRIDS` grids of 64 lines, then coarser, so their memory stays about that of
    ``DATED_GRIDS`` grids (answers stay exact: only more points are tested one by one).

    Examples
    --------
    >>> dated_cell_deg(6), dated_cell_deg(256), round(dated_cell_deg(1024), 4)
    (0.001, 0.001, 0.002)
    """
    grids = -(-lines // 64)
    return POLYGON_CELL_DEG * max(1.0, float(np.sqrt(grids / DATED_GRIDS)))


def _classify_arrays(
    model: ZoneModel, lon: np.ndarray, lat: np.ndarray, nearest_place: bool, line_index: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    inside = model.grid.contains(lon, lat)  # (polygons, n): the zones, then the opposition faces
    out: dict[str, np.ndarray] = {f"in_{key}": inside[i] for i, key in enumerate(model.zones)}
    x, y = conformal_plane(lon, lat, *model.centre, radius=EARTH_RADIUS_M)
    outside_idlib = np.where(out["in_idlib_area"], np.int8(1), np.int8(2))
    for i, (key, line) in enumerate(model.lines.items()):
        opposition = inside[len(model.zones) + i]
        distance_m, accuracy_km = line.distance_and_accuracy(x, y, lon, lat)
        distance_km = distance_m / 1000
        out[f"side_{key}"] = np.where(opposition, np.int8(0), outside_idlib)  # codes of SIDES
        out[f"dist_{key}_km"] = np.negative(distance_km, out=distance_km, where=~opposition)
        if accuracy_km is not None:
            out[f"line_accuracy_{key}_km"] = accuracy_km
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
    accuracy_km = np.full(len(lon), np.nan)
    side = np.full(len(lon), np.int8(-1))  # -1: no line (a missing category)
    order = np.argsort(line_index, kind="stable")  # rows grouped by line: one pass, however many lines
    bounds = np.searchsorted(line_index[order], np.arange(len(dated.dates) + 1))
    for i in np.flatnonzero(np.diff(bounds)):  # the lines in force on some row
        rows = order[bounds[i] : bounds[i + 1]]
        twin = dated.twins.get(int(i))
        if twin is not None and f"side_{twin}" in fixed:
            distance_km[rows] = fixed[f"dist_{twin}_km"][rows]
            side[rows] = fixed[f"side_{twin}"][rows]
            accuracy_km[rows] = fixed.get(f"line_accuracy_{twin}_km", np.full(len(lon), dated.accuracy_km[i]))[rows]
            continue
        opposition = dated.faces.contains_one(i, lon[rows], lat[rows])
        away, stretch = dated.targets[i].distance_and_accuracy(x[rows], y[rows], lon[rows], lat[rows])
        away /= 1000
        distance_km[rows] = np.where(opposition, away, -away)
        side[rows] = np.where(opposition, np.int8(0), outside_idlib[rows])
        accuracy_km[rows] = dated.accuracy_km[i] if stretch is None else stretch
    return {"side": side, "dist_line_km": distance_km, "line_accuracy_km": accuracy_km}


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
    order = None
    if line_index is not None and len(starts) > 1:  # rows grouped by line in force: a chunk meets a few lines,
        small = np.int16 if len(model.dated.dates) < np.iinfo(np.int16).max else np.int32  # a radix sort
        order = np.argsort(line_index.astype(small), kind="stable")  # not every one (each line's work costs)
        line_index, (lon, lat) = line_index[order], (v[order] for v in coordinates(slice(None)))
        coordinates = lambda part: (lon[part], lat[part])  # noqa: E731

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
    if order is not None:  # back to the rows' own order
        columns = {key: _put_back(values, order) for key, values in columns.items()}
    for key in [k for k in columns if k.startswith("side")]:  # codes made here: -1 (missing) to 2
        columns[key] = pd.Categorical.from_codes(columns[key], dtype=SIDE_DTYPE, validate=False)
    if nearest_place:
        codes = model.place_names.codes[columns["nearest_place"]]
        columns["nearest_place"] = pd.Categorical.from_codes(codes, dtype=model.place_names.dtype, validate=False)
    if "admin1" in columns:  # OCHA P-code and English name of the governorate (missing outside Syria)
        found = columns.pop("admin1")
        # named ocha_*: an ACLED file's own admin1/admin2/admin3 stay as they are
        columns["ocha_admin1_pcode"] = pd.Categorical.from_codes(found, dtype=model.admin1_codes.dtype, validate=False)
        columns["ocha_admin1"] = pd.Categorical.from_codes(found, dtype=model.admin1_names.dtype, validate=False)
    return columns


def _put_back(values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``values`` of the rows taken in ``order``, in the rows' own order."""
    out = np.empty_like(values)
    out[order] = values
    return out


@functools.cache
def _pool(threads: int) -> ThreadPoolExecutor:
    """A lasting pool of worker threads: each keeps its own copies of the zone polygons between calls
    (see :meth:`PolygonGrid._polygons_of_this_thread`)."""
    return ThreadPoolExecutor(threads, thread_name_prefix="zonemap")


@functools.cache
def _default_model() -> ZoneModel:
    """The model with default options, built on first use."""
    return zone_model()
