"""Classify incidents against the zones: memberships, sides, signed geodesic distances, nearest place.

Vectorised throughout (shapely 2, numpy, a k-d tree), in chunks spread over threads. Distances
are ellipsoidal (Lambert's formula, checked against ``pyproj.Geod``) from each point to its
nearest point on the line; that point is found on a conformal plane with a bounded error, so
results stay within 10 m of the exact point-to-line geodesic distance (tested against a slow
``pyproj.Geod`` reference).
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from tqdm import tqdm

from . import data, zones
from .errors import ArgumentError
from .projection import conformal_plane, densify_geodesic, geodesic_distance_m

EARTH_RADIUS_M = 6_371_008.8
#: Vertex spacings (m) of the nearest-point search and the distance (m) below which each is used.
#: Taking the segments next to the nearest vertex overestimates the distance d by at most
#: spacing²/(8 d): ≤ 5 m at 25 km with 1 km, ≤ 3.2 m at 2.5 km with 250 m; below 2.5 km the 100 m
#: level is searched thoroughly (16 vertices, checked, exhaustive where the check fails).
SEARCH_LEVELS_M = ((1000.0, np.inf), (250.0, 25_000.0), (100.0, 2_500.0))
CHUNK_ROWS = 131_072
ASTANA_ZONES = ("idlib", "northern_homs", "eastern_ghouta", "southern")


@dataclass
class _Level:
    """A line's vertices every ``spacing_m`` (lon/lat and conformal plane) with a k-d tree."""

    spacing_m: float
    lon: np.ndarray
    lat: np.ndarray
    xy: np.ndarray
    segment_ok: np.ndarray  # segment i joins vertex i and i+1 within one part of the line
    tree: cKDTree


@dataclass
class _LineIndex:
    """A contact line prepared for nearest-point queries."""

    key: str
    levels: list[tuple[_Level, float]]  # (level, use below this distance in m), coarsest first
    opposition: shapely.Geometry  # the opposition-held face of the Idlib area
    centre: tuple[float, float]


@dataclass
class ZoneModel:
    """Everything classification needs, built once (picklable, so dask workers get a copy)."""

    zones: dict[str, shapely.Geometry]
    lines: dict[str, _LineIndex]
    place_names: np.ndarray
    place_lon: np.ndarray
    place_lat: np.ndarray
    place_tree: cKDTree
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
    for geom in zone_shapes.values():
        shapely.prepare(geom)
    centre = tuple(np.round(shapely.centroid(zone_shapes["idlib"]).coords[0], 4))
    line_index = {str(key): _index_line(key, centre) for key in lines}
    places = data.load_layer("places")
    places = places[places["kind"] != "observation_post"]
    plon, plat = shapely.get_x(places.geometry.to_numpy()), shapely.get_y(places.geometry.to_numpy())
    px, py = conformal_plane(plon, plat, *centre)
    return ZoneModel(
        zones=zone_shapes,
        lines=line_index,
        place_names=places["name"].to_numpy(dtype=object),
        place_lon=plon,
        place_lat=plat,
        place_tree=cKDTree(np.column_stack([px, py]) * EARTH_RADIUS_M),
        centre=centre,
        options={"width_km": (low, high), "contact_line": contact_line, "corridor_km": corridor_km},
    )


def _index_line(key, centre) -> _LineIndex:
    feature = zones.as_line(key)
    levels = []
    for spacing_m, below_m in SEARCH_LEVELS_M:
        parts = shapely.get_parts(densify_geodesic(feature.geometry, spacing_m / 1000))
        coords = [np.asarray(part.coords)[:, :2] for part in parts]
        lonlat = np.vstack(coords)
        ok = np.concatenate([np.r_[np.ones(len(c) - 1, dtype=bool), False] for c in coords])[:-1]
        x, y = conformal_plane(lonlat[:, 0], lonlat[:, 1], *centre)
        xy = np.column_stack([x, y]) * EARTH_RADIUS_M
        levels.append((_Level(spacing_m, lonlat[:, 0], lonlat[:, 1], xy, ok, cKDTree(xy)), below_m))
    opposition = zones.opposition_side(key)
    shapely.prepare(opposition)
    return _LineIndex(str(key), levels, opposition, centre)


def _nearest_on_segments(px, py, level: _Level, segments: np.ndarray):
    """For points and candidate segment indices (n, k): distance² (plane), foot lon, foot lat."""
    a = level.xy[segments]
    b = level.xy[segments + 1]
    ab = b - a
    length2 = np.einsum("...i,...i->...", ab, ab)
    apx, apy = px[:, None] - a[..., 0], py[:, None] - a[..., 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip((apx * ab[..., 0] + apy * ab[..., 1]) / length2, 0.0, 1.0)
    t = np.where(length2 > 0, t, 0.0)
    dx, dy = apx - t * ab[..., 0], apy - t * ab[..., 1]
    d2 = np.where(level.segment_ok[segments], dx * dx + dy * dy, np.inf)
    best = np.argmin(d2, axis=1)
    rows = np.arange(len(px))
    seg, t = segments[rows, best], t[rows, best]
    foot_lon = level.lon[seg] + t * (level.lon[seg + 1] - level.lon[seg])
    foot_lat = level.lat[seg] + t * (level.lat[seg + 1] - level.lat[seg])
    return d2[rows, best], foot_lon, foot_lat


def _candidates(vertex_idx: np.ndarray, n_segments: int) -> np.ndarray:
    """Segments touching each vertex in ``vertex_idx`` (n, k) -> (n, 2k)."""
    return np.clip(np.concatenate([vertex_idx - 1, vertex_idx], axis=1), 0, n_segments - 1)


def _search(px, py, level: _Level, *, thorough: bool):
    n_segments = len(level.xy) - 1
    k = min(16 if thorough else 1, len(level.xy))
    dist_k, idx_k = level.tree.query(np.column_stack([px, py]), k=k)
    idx_k = idx_k.reshape(len(px), k)
    d2, foot_lon, foot_lat = _nearest_on_segments(px, py, level, _candidates(idx_k, n_segments))
    if thorough and k < len(level.xy):
        # The true segment has an end within sqrt(d² + spacing²/4) of the point; if that end may lie
        # beyond the k nearest vertices, search every segment (rare: a bend folding back near the point).
        unsure = np.flatnonzero(dist_k.reshape(len(px), k)[:, -1] <= np.sqrt(d2 + level.spacing_m**2 / 4))
        for batch in np.array_split(unsure, max(1, len(unsure) // 1024)):
            every = np.broadcast_to(np.arange(n_segments), (len(batch), n_segments))
            d2[batch], foot_lon[batch], foot_lat[batch] = _nearest_on_segments(px[batch], py[batch], level, every)
    return d2, foot_lon, foot_lat


def line_distance_m(lon, lat, line: _LineIndex) -> np.ndarray:
    """Geodesic distance (m) from each lon/lat point to the line (within 10 m; see SEARCH_LEVELS_M)."""
    x, y = conformal_plane(lon, lat, *line.centre)
    px, py = x * EARTH_RADIUS_M, y * EARTH_RADIUS_M
    d2 = np.full(len(px), np.inf)
    foot_lon, foot_lat = np.zeros(len(px)), np.zeros(len(px))
    for depth, (level, below_m) in enumerate(line.levels):
        todo = np.flatnonzero(d2 < below_m**2) if np.isfinite(below_m) else np.arange(len(px))
        if len(todo):
            last = depth == len(line.levels) - 1
            d2[todo], foot_lon[todo], foot_lat[todo] = _search(px[todo], py[todo], level, thorough=last)
    return geodesic_distance_m(lon, lat, foot_lon, foot_lat)


def _classify_arrays(model: ZoneModel, lon: np.ndarray, lat: np.ndarray) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for key, geom in model.zones.items():
        out[f"in_{key}"] = shapely.contains_xy(geom, lon, lat)
    for key, line in model.lines.items():
        opposition = shapely.contains_xy(line.opposition, lon, lat)
        distance_km = line_distance_m(lon, lat, line) / 1000
        out[f"side_{key}"] = np.where(opposition, "opposition", np.where(out["in_idlib"], "government", "outside"))
        out[f"dist_{key}_km"] = np.where(opposition, distance_km, -distance_km)
    x, y = conformal_plane(lon, lat, *model.centre)
    _, nearest = model.place_tree.query(np.column_stack([x, y]) * EARTH_RADIUS_M, k=1)
    out["nearest_place"] = model.place_names[nearest]
    out["nearest_place_km"] = geodesic_distance_m(lon, lat, model.place_lon[nearest], model.place_lat[nearest]) / 1000
    return out


def classify_points(lon, lat, model: ZoneModel | None = None, *, threads: int | None = None) -> pd.DataFrame:
    """Classification columns for lon/lat arrays (degrees), as a DataFrame in the same order.

    Columns: ``in_<zone>`` (bool), ``side_<line>`` (opposition / government / outside the Idlib
    area), ``dist_<line>_km`` (signed geodesic distance in km: + on the opposition side, − elsewhere),
    ``nearest_place`` (the nearest town or village of the gazetteer) and ``nearest_place_km``.

    Examples
    --------
    >>> row = classify_points([36.8059], [35.8645]).iloc[0]   # Saraqib
    >>> bool(row["in_m4_corridor"]), row["side_2018"], row["side_2020"], row["nearest_place"]
    (True, 'opposition', 'government', 'Saraqib')
    """
    model = model or _default_model()
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    starts = range(0, len(lon), CHUNK_ROWS)
    threads = threads or min(os.cpu_count() or 1, 8)

    def chunk(start):
        return _classify_arrays(model, lon[start : start + CHUNK_ROWS], lat[start : start + CHUNK_ROWS])

    if len(lon) == 0:
        parts = [_classify_arrays(model, lon, lat)]
    else:
        # a progress bar for large inputs, on a terminal only (tqdm's disable=None)
        bar = tqdm(total=len(lon), unit=" rows", desc="classifying", disable=None if len(starts) > 4 else True)
        with bar, ThreadPoolExecutor(threads) as pool:  # numpy, shapely, scipy and pyproj release the GIL
            parts = []
            for part in pool.map(chunk, starts):
                parts.append(part)
                bar.update(len(part["in_idlib"]))
    return pd.DataFrame({key: np.concatenate([p[key] for p in parts]) for key in parts[0]})


@functools.cache
def _default_model() -> ZoneModel:
    """The model with default options, built on first use."""
    return zone_model()


def classify(incidents, model: ZoneModel | None = None, *, engine: str = "memory", **model_options):
    """Add the classification columns of :func:`classify_points` to incidents (EPSG:4326 points).

    ``incidents`` is a GeoDataFrame (e.g. ``read_incidents(...).accepted``) or, with
    ``engine="dask"``, a dask-geopandas GeoDataFrame classified partition by partition.
    ``model_options`` (``width_km``, ``contact_line``, ``corridor_km``) build the zone model.

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

        return classify_dask(incidents, model)
    if engine != "memory":
        raise ArgumentError(f"engine must be 'memory' or 'dask', not {engine!r}")
    if not isinstance(incidents, gpd.GeoDataFrame):
        raise ArgumentError("classify() needs a GeoDataFrame of points (see read_incidents)")
    if incidents.crs is not None and incidents.crs.to_epsg() != 4326:
        incidents = incidents.to_crs(data.WGS84)
    geoms = incidents.geometry.to_numpy()
    columns = classify_points(shapely.get_x(geoms), shapely.get_y(geoms), model)
    columns.index = incidents.index
    return incidents.assign(**{c: columns[c] for c in columns.columns})
