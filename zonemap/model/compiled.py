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

from ..geodesy.grid_index import NearestGrid, PolygonGrid
from ..geodesy.projection import conformal_plane, densify_geodesic, geodesic_distance_m
from . import data, zones

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
    or frame of dated lines; None: the shipped one, see :mod:`zonemap.model.timeline`) gives the line in
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
        # named ocha_*: an ACLED file's own admin1/admin2/admin3 stay as they are
        columns["ocha_admin1_pcode"] = pd.Categorical.from_codes(found, dtype=model.admin1_codes.dtype, validate=False)
        columns["ocha_admin1"] = pd.Categorical.from_codes(found, dtype=model.admin1_names.dtype, validate=False)
    return columns


@functools.cache
def _pool(threads: int) -> ThreadPoolExecutor:
    """A lasting pool of worker threads: each keeps its own copies of the zone polygons between calls
    (see :meth:`PolygonGrid._polygons_of_this_thread`)."""
    return ThreadPoolExecutor(threads, thread_name_prefix="zonemap")


@functools.cache
def _default_model() -> ZoneModel:
    """The model with default options, built on first use."""
    return zone_model()
