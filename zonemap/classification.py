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
from dataclasses import dataclass

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
SIDES = ("opposition", "government", "outside")  # side_<line>: of the line in the Idlib area, or outside it
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


def zone_model(
    *,
    width_km=zones.SOCHI_WIDTH_KM,
    contact_line="2018",
    corridor_km: float = zones.M4_CORRIDOR_KM,
    lines=("2018", "2020"),
) -> ZoneModel:
    """Prepare zones, lines and gazetteer for :func:`classify` (widths in km).

    Zones: the four Astana areas, the Sochi DMZ along ``contact_line`` at its min and max width,
    the M4 corridor (``corridor_km`` each side). ``lines`` are the dated contact lines to measure
    distances to and sides of.

    Examples
    --------
    >>> sorted(zone_model().zones)
    ['dmz_15km', 'dmz_20km', 'eastern_ghouta', 'idlib', 'm4_corridor', 'northern_homs', 'southern']
    """
    low, high = zones._check_width_range(width_km)
    areas = data.load_layer("de_escalation_areas").set_index("zone")
    zone_shapes = {key: areas.geometry[key] for key in ASTANA_ZONES}
    dmz = zones.sochi_dmz(contact_line, width_km=(low, high))
    for width, geom in zip(dmz["width_max_km"], dmz.geometry):
        zone_shapes[f"dmz_{width:g}km".replace(".", "_")] = geom
    zone_shapes["m4_corridor"] = zones.m4_corridor(north_km=corridor_km, south_km=corridor_km).geometry.iloc[0]
    centre = tuple(np.round(shapely.centroid(zone_shapes["idlib"]).coords[0], 4))
    opposition = {str(key): zones.opposition_side(key) for key in lines}
    places = data.load_layer("places")
    places = places[places["kind"] != "observation_post"]
    place_xy = shapely.get_coordinates(places.geometry.to_numpy())
    return ZoneModel(
        zones=zone_shapes,
        opposition=opposition,
        lines={str(key): _line_targets(key, centre) for key in lines},
        places=_Targets.of(centre, place_xy),
        place_names=pd.Categorical(places["name"].to_numpy(dtype=object)),
        grid=PolygonGrid.build([*zone_shapes.values(), *opposition.values()], POLYGON_CELL_DEG),
        centre=centre,
        options={"width_km": (low, high), "contact_line": contact_line, "corridor_km": corridor_km},
    )


def _line_targets(key, centre) -> _Targets:
    parts = shapely.get_parts(densify_geodesic(zones.as_line(key).geometry, LINE_STEP_KM))
    coords = [shapely.get_coordinates(part) for part in parts]
    return _Targets.of(centre, np.vstack([c[:-1] for c in coords]), np.vstack([c[1:] for c in coords]))


def _classify_arrays(model: ZoneModel, lon: np.ndarray, lat: np.ndarray, nearest_place: bool) -> dict[str, np.ndarray]:
    inside = model.grid.contains(lon, lat)  # (polygons, n): the zones, then the opposition faces
    out: dict[str, np.ndarray] = {f"in_{key}": inside[i] for i, key in enumerate(model.zones)}
    x, y = conformal_plane(lon, lat, *model.centre, radius=EARTH_RADIUS_M)
    outside_idlib = np.where(out["in_idlib"], np.int8(1), np.int8(2))
    for i, (key, line) in enumerate(model.lines.items()):
        opposition = inside[len(model.zones) + i]
        distance_km = line.distance_m(x, y, lon, lat)[0] / 1000
        out[f"side_{key}"] = np.where(opposition, np.int8(0), outside_idlib)  # codes of SIDES
        out[f"dist_{key}_km"] = np.negative(distance_km, out=distance_km, where=~opposition)
    if nearest_place:
        distance_m, nearest = model.places.distance_m(x, y, lon, lat)
        out["nearest_place"] = nearest
        out["nearest_place_km"] = distance_m / 1000
    return out


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
    >>> row = classify_points([36.8059], [35.8645]).iloc[0]   # Saraqib
    >>> bool(row["in_m4_corridor"]), row["side_2018"], row["side_2020"], row["nearest_place"]
    (True, 'opposition', 'government', 'Saraqib')
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    model = model or _default_model()
    return _classify_in_chunks(model, len(lon), lambda rows: (lon[rows], lat[rows]), nearest_place, threads)


def _classify_in_chunks(model: ZoneModel, n: int, coordinates, nearest_place: bool, threads=None) -> pd.DataFrame:
    """Classify ``n`` points chunk by chunk over threads; ``coordinates(slice)`` gives a chunk's lon, lat."""
    threads = threads or min(os.cpu_count() or 1, 8)
    rows = min(CHUNK_ROWS, -(-n // threads)) or 1  # every thread busy, even on small inputs
    starts = range(0, n, rows)

    def chunk(start):
        return _classify_arrays(model, *coordinates(slice(start, start + rows)), nearest_place)

    if n == 0:
        parts = [chunk(0)]
    else:
        # a progress bar for large inputs, on a terminal only (tqdm's disable=None)
        bar = tqdm(total=n, unit=" rows", desc="classifying", disable=None if len(starts) > 4 else True)
        with bar:  # numpy and shapely release the GIL
            parts = []
            for part in _pool(threads).map(chunk, starts) if len(starts) > 1 else map(chunk, starts):
                parts.append(part)
                bar.update(len(part["in_idlib"]))
    columns = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    for key in [k for k in columns if k.startswith("side_")]:
        columns[key] = pd.Categorical.from_codes(columns[key], categories=SIDES)
    if nearest_place:
        codes = model.place_names.codes[columns["nearest_place"]]
        columns["nearest_place"] = pd.Categorical.from_codes(codes, dtype=model.place_names.dtype)
    return pd.DataFrame(columns)


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
    incidents, model: ZoneModel | None = None, *, engine: str = "memory", nearest_place: bool = True, **model_options
):
    """Add the classification columns of :func:`classify_points` to incidents (EPSG:4326 points).

    ``incidents`` is a GeoDataFrame (e.g. ``read_incidents(...).accepted``) or, with
    ``engine="dask"``, a dask-geopandas GeoDataFrame classified partition by partition.
    ``model_options`` (``width_km``, ``contact_line``, ``corridor_km``) build the zone model;
    ``nearest_place=False`` leaves out the nearest-place columns.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> events = gpd.GeoDataFrame(geometry=[shapely.Point(36.63, 35.93)], crs="EPSG:4326")
    >>> classify(events)["in_idlib"].tolist()
    [True]
    """
    if model is None:
        model = zone_model(**model_options) if model_options else _default_model()
    if engine == "dask":
        from .scale import classify_dask

        return classify_dask(incidents, model, nearest_place=nearest_place)
    if engine != "memory":
        raise ArgumentError(f"engine must be 'memory' or 'dask', not {engine!r}")
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
    columns = _classify_in_chunks(model, len(geoms), lambda rows: (lon[rows], lat[rows]), nearest_place)
    columns.index = incidents.index
    if not usable.all():
        columns = _blank_unclassified(columns, usable)
        columns["unclassified_reason"] = problem
        kinds = pd.Series(problem[~usable]).value_counts()
        counts = "; ".join(f"{n:,} {kind}" for kind, n in kinds.items())
        warnings.warn(f"{(~usable).sum():,} rows not classified ({counts}): see unclassified_reason", ZonemapWarning, 2)
    clashes = [c for c in columns.columns if c in incidents.columns]
    if clashes:  # e.g. classifying zonemap's own output again: the earlier answers are kept, renamed
        taken = set(incidents.columns) | set(columns.columns)
        incidents = incidents.rename(columns={c: _earlier_name(c, taken) for c in clashes})
    return incidents.assign(**{c: columns[c] for c in columns.columns})


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
