"""The zone model: the Sochi demilitarised zone and the M4 security corridor, built geodesically.

Widths are in km. Lines are buffered in a local azimuthal equidistant projection after geodesic
densification, so band edges lie within metres of the requested geodesic distance.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely import ops

from ..errors import ArgumentError, InputError, ZonemapWarning
from ..geodesy.area import geodesic_area_km2
from ..geodesy.projection import LocalProjection, densify_geodesic
from . import data

#: Sochi memorandum (S/2018/852): a demilitarised zone 15-20 km deep.
SOCHI_WIDTH_KM = (15.0, 20.0)

#: Moscow additional protocol of 5 Mar 2020: 6 km north and 6 km south of the M4.
M4_CORRIDOR_KM = 6.0

#: The widest band (km) zonemap builds: wider bands cover all of north-west Syria and leave the
#: local projection's accurate range, so they are refused rather than computed wrongly.
MAX_WIDTH_KM = 200.0

#: The narrowest band (km) zonemap models: 10 m, well under any line's stated accuracy (a narrower
#: buffer is lost in floating-point rounding).
MIN_WIDTH_KM = 0.01

#: Parts of a user's contact line farther apart than this (km) are a gap, not a digitising seam:
#: a line with a gap has no sides, so it is refused rather than bridged.
MAX_GAP_KM = 2.0

#: Segments of circular arcs per quarter circle; 64 keeps the chord sag on a 20 km arc under 2 m.
QUAD_SEGS = 64

#: An edge is the part of a band's boundary farther than this below the requested width (m).
EDGE_TOLERANCE_M = 2.0

SOCHI_SOURCE = "Sochi memorandum on stabilisation of the Idlib de-escalation area, 17 Sep 2018 (UN doc. S/2018/852)"

MOSCOW_SOURCE = "Additional Protocol to the Memorandum on Stabilization, Moscow, 5 Mar 2020 (PA-X agreement 2273)"

PROVENANCE = ("source", "as_of", "accuracy_km", "notes")


@dataclass(frozen=True)
class Feature:
    """A geometry in lon/lat with the provenance it came with."""

    geometry: shapely.Geometry
    name: str
    as_of: str
    source: str
    accuracy_km: float


def as_line(line=None, *, what: str = "contact line") -> Feature:
    """A contact line or road as one (Multi)LineString in lon/lat with its provenance.

    ``line`` is a shipped key (``"2018"``, ``"2020"``), a file path, a GeoDataFrame/GeoSeries or
    a shapely geometry; ``None`` means the September 2018 line.

    Examples
    --------
    >>> as_line("2020").as_of
    '2020-03-05'
    """
    if line is None or (isinstance(line, str) and _is_shipped_key(line)):
        return _feature(data.contact_line(line or "2018"))
    if isinstance(line, str) and what == "contact line" and not Path(line).exists():
        raise InputError(f"unknown contact line {line!r}: give {', '.join(data.CONTACT_LINE_KEYS)} or an existing file")
    frame = data.read_geometries(line, what=what)
    source = line if isinstance(line, str) else None
    _refuse_missing_vertices(frame, what, source)
    geom_types = set(frame.geom_type)
    if not geom_types <= {"LineString", "MultiLineString"}:
        raise InputError(f"expected line geometries for the {what}, got {', '.join(sorted(geom_types))}", source=source)
    parts = shapely.get_parts(frame.geometry.to_numpy())
    parts = parts[~shapely.is_empty(parts)]
    if len(parts) == 0 or all(shapely.get_num_coordinates(p) < 2 for p in parts):
        raise InputError(f"the {what} is empty", source=source)
    cleaned = shapely.remove_repeated_points(parts)
    if any(shapely.get_num_coordinates(c) < shapely.get_num_coordinates(p) for c, p in zip(cleaned, parts)):
        message = (f"{source}: " if source else "") + f"repeated points removed from the {what}"
        warnings.warn(message, ZonemapWarning, stacklevel=2)
    cleaned = cleaned[shapely.length(cleaned) > 0]
    if len(cleaned) == 0:
        raise InputError(f"the {what} has zero length (all its points coincide)", source=source)
    merged = shapely.line_merge(shapely.union_all(cleaned))
    if what == "contact line":
        _refuse_self_crossing(cleaned, source)
        _refuse_gaps(merged, source)
    first = frame.assign(geometry=[merged] + [None] * (len(frame) - 1)).iloc[:1]
    return _feature(first, default_name=f"user {what}", source=source)


def _refuse_missing_vertices(frame: gpd.GeoDataFrame, what: str, source) -> None:
    """A feature without geometry, or a vertex without coordinates (NaN), is refused, never dropped."""
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        feature = int(np.flatnonzero(missing)[0]) + 1
        raise InputError(f"feature {feature} of the {what} has no geometry", source=source)
    for feature, geom in enumerate(geoms, start=1):
        nan = np.isnan(shapely.get_coordinates(geom)).any(axis=1)
        if nan.any():
            vertex = int(np.flatnonzero(nan)[0]) + 1
            reason = f"vertex {vertex} of feature {feature} of the {what} has no coordinates (NaN)"
            raise InputError(reason, source=source)


def _refuse_gaps(line, source) -> None:
    """Parts of a contact line must meet (within :data:`MAX_GAP_KM`): name the widest gap otherwise."""
    parts = shapely.get_parts(line)
    if len(parts) < 2:
        return
    proj = LocalProjection.around(line)
    metric = proj.to_metric(parts)
    for i, part in enumerate(metric):
        others = np.delete(metric, i)
        gap_m = float(shapely.distance(part, others).min())
        if gap_m > MAX_GAP_KM * 1000:
            nearest = others[int(np.argmin(shapely.distance(part, others)))]
            a, b = shapely.ops.nearest_points(part, nearest)
            x, y = proj.to_lonlat(shapely.Point((a.x + b.x) / 2, (a.y + b.y) / 2)).coords[0]
            raise InputError(
                f"the contact line has a gap of {gap_m / 1000:.1f} km between its parts near {x:.4f}, {y:.4f}"
                f" (lon, lat); parts must meet within {MAX_GAP_KM:g} km",
                source=source,
            )


def _refuse_self_crossing(parts, source) -> None:
    """A contact line that crosses itself has no sides: refuse it, saying where it crosses."""
    line = shapely.MultiLineString(list(parts)) if len(parts) > 1 else parts[0]
    if line.is_simple:
        return
    ends = shapely.get_coordinates(shapely.boundary(shapely.get_parts(shapely.node(line))))
    points, counts = np.unique(np.round(ends, 9), axis=0, return_counts=True)
    x, y = points[np.argmax(counts)]
    raise InputError(f"the contact line crosses itself near {x:.4f}, {y:.4f} (lon, lat); fix the line", source=source)


def as_area(area=None, *, what: str = "de-escalation area") -> Feature:
    """An area (Polygon/MultiPolygon in lon/lat) with provenance; ``None`` is the Idlib area."""
    if area is None or (isinstance(area, str) and area in {"idlib", "northern_homs", "eastern_ghouta", "southern"}):
        return _feature(data.de_escalation_area(area or "idlib"))
    frame = data.read_geometries(area, what=what)
    _refuse_missing_vertices(frame, what, area if isinstance(area, str) else None)
    geom_types = set(frame.geom_type)
    if not geom_types <= {"Polygon", "MultiPolygon"}:
        raise InputError(f"expected polygons for the {what}, got {', '.join(sorted(geom_types))}")
    geoms = frame.geometry.to_numpy()
    if not shapely.is_valid(geoms).all():
        reason = shapely.is_valid_reason(geoms[~shapely.is_valid(geoms)][0])
        warnings.warn(f"the {what} was invalid ({reason}); repaired with make_valid", ZonemapWarning, stacklevel=2)
    merged = shapely.union_all(shapely.make_valid(geoms))
    if merged.is_empty or merged.area == 0:
        raise InputError(f"the {what} is empty or has zero area")
    return _feature(frame.assign(geometry=[merged] + [None] * (len(frame) - 1)).iloc[:1], default_name=f"user {what}")


def _is_shipped_key(text: str) -> bool:
    lines = data.load_layer("contact_lines")
    return text in data.CONTACT_LINE_KEYS or text in set(lines["as_of"]) or text in set(lines["name"])


def _feature(frame: gpd.GeoDataFrame, default_name: str = "", source=None) -> Feature:
    row = frame.iloc[0]

    def get(key, default):
        value = row.get(key, default) if hasattr(row, "get") else default
        return default if value is None or (isinstance(value, float) and np.isnan(value)) else value

    accuracy = get("accuracy_km", np.nan)
    try:
        accuracy_km = float(accuracy)
    except (TypeError, ValueError):
        raise InputError(f"accuracy_km {accuracy!r} is not a number of km", source=source or default_name) from None
    if accuracy_km < 0:
        raise InputError(f"accuracy_km {accuracy!r} is negative", source=source or default_name)
    return Feature(
        geometry=row.geometry,
        name=str(get("name", default_name)),
        as_of=str(get("as_of", "unknown")),
        source=str(get("source", "user-supplied")),
        accuracy_km=accuracy_km,
    )


def _check_width(width_km: float, name: str = "width_km") -> float:
    if isinstance(width_km, (bool, np.bool_)):
        raise ArgumentError(f"{name} must be a number of km, got {width_km!r}")
    try:
        width = float(width_km)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be a number of km, got {width_km!r}") from None
    if not np.isfinite(width) or width <= 0:
        raise ArgumentError(f"{name} must be a positive number of km, got {width_km!r}")
    if width < MIN_WIDTH_KM:
        raise ArgumentError(f"{name} {width:g} km is less than the {MIN_WIDTH_KM:g} km zonemap models")
    if width > MAX_WIDTH_KM:
        raise ArgumentError(f"{name} {width:g} km is more than the {MAX_WIDTH_KM:g} km zonemap models")
    return width


def _check_width_range(width_km) -> tuple[float, float]:
    if np.isscalar(width_km):
        width = _check_width(width_km)
        return width, width
    if len(width_km) != 2:
        raise ArgumentError(f"width_km must be one width or a (min, max) pair, got {width_km!r}")
    low, high = (_check_width(w) for w in width_km)
    if low > high:
        raise ArgumentError(f"width_km minimum {low:g} exceeds maximum {high:g}")
    return low, high


# --------------------------------------------------------------------------- metric primitives
def _metric_line(line: shapely.Geometry, proj: LocalProjection):
    return proj.to_metric(densify_geodesic(line, max_segment_km=0.5))


def _buffer_m(line_m, width_m: float, end_width_m: float | None = None):
    """Two-sided buffer of a metric line; with ``end_width_m`` the width tapers linearly along it."""
    if end_width_m is None or end_width_m == width_m:
        return shapely.buffer(line_m, width_m, quad_segs=QUAD_SEGS)
    if not isinstance(line_m, shapely.LineString):
        raise ArgumentError("a tapering width needs a single continuous line (this one has several parts)")
    coords = np.asarray(line_m.coords)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    radii = width_m + (end_width_m - width_m) * along / along[-1]
    discs = shapely.buffer(shapely.points(coords), radii, quad_segs=QUAD_SEGS)
    # A disc whose radius changes linearly along a segment sweeps exactly the hull of its end discs.
    hulls = shapely.convex_hull(shapely.multipolygons(np.stack([discs[:-1], discs[1:]], axis=1)))
    return shapely.union_all(hulls)


def _extend_ends(line_m: shapely.LineString, extra_m: float) -> shapely.LineString:
    coords = np.asarray(line_m.coords)

    def push(end, before):
        step = end - before
        return end + step / np.hypot(*step) * extra_m

    return shapely.LineString(np.vstack([push(coords[0], coords[1]), coords, push(coords[-1], coords[-2])]))


def split_by_line(area_m, line_m, *, snap_m: float = 5000.0) -> list[shapely.Polygon]:
    """Faces of a metric area cut by a metric line whose ends are extended by ``snap_m``."""
    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    cutters = [_extend_ends(part, snap_m) for part in parts]
    noded = shapely.union_all([area_m.boundary, *cutters])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = shapely.contains(area_m, shapely.point_on_surface(faces))
    return list(faces[inside])


def misses_interior(area_m, line_m) -> bool:
    """Whether a metric line stays outside a metric area or on its outline (within 1 m)."""
    return shapely.intersection(line_m, shapely.buffer(area_m, -1.0)).length == 0


def variable_band_m(coords: np.ndarray, radii_m) -> shapely.Geometry:
    """The band around a metric polyline whose half-width is ``radii_m`` (m) at each vertex: the union
    of the hulls of the circles at each segment's ends (radii below 1 m taken as 1 m).

    Examples
    --------
    >>> band = variable_band_m(np.array([[0.0, 0.0], [10_000.0, 0.0]]), np.array([1000.0, 3000.0]))
    >>> round(band.area / 1e6)  # a trapezoid 10 km long, 2-6 km wide, and the two half circles
    56
    """
    circles = shapely.buffer(shapely.points(coords), np.clip(radii_m, 1.0, None), quad_segs=16)
    return shapely.union_all(shapely.convex_hull(shapely.union(circles[:-1], circles[1:])))


def _side_toward(area_m, line_m, point_m, *, line_name: str, beyond_edge: str = "refuse"):
    """The face of a metric area cut by a line that holds a point. A line that does not cut the area is
    refused, unless ``beyond_edge="whole"`` and it lies wholly outside the area or along its outline (a
    line moved by its stated accuracy past the area's edge): then the whole area is on the point's side."""
    faces = split_by_line(area_m, line_m)
    if len(faces) < 2 and beyond_edge == "whole" and area_m.covers(point_m):
        if misses_interior(area_m, line_m):
            return area_m
    if len(faces) < 2:
        raise InputError(
            f"{line_name} does not cut the area into two sides; extend it to the area's edge or build a symmetric band"
        )
    holding = [face for face in faces if face.covers(point_m)]
    if not holding:
        raise InputError(f"the opposition reference point is outside the area cut by {line_name}")
    return holding[0]


# --------------------------------------------------------------------------- public model
def dmz_geometry(
    contact_line=None,
    width_km: float = 20.0,
    *,
    end_width_km: float | None = None,
    symmetric: bool = False,
    area=None,
    opposition_at: str | shapely.Point = "Idlib",
) -> shapely.Geometry:
    """The DMZ band (lon/lat polygon) out to ``width_km`` from a contact line, clipped to the area.

    One-sided by default: only the side of the line holding ``opposition_at`` (a gazetteer name
    or a point; Idlib city by default) — the Sochi zone lies inside the de-escalation area.
    With ``end_width_km`` the width tapers linearly from the line's first vertex to its last.

    Examples
    --------
    >>> from zonemap.model.areas import geodesic_area_km2
    >>> round(geodesic_area_km2(dmz_geometry("2018", 15)), -2)
    2900.0
    """
    band, _ = _dmz_parts(
        as_line(contact_line), width_km, end_width_km, symmetric, as_area(area), opposition_at, edge=False
    )
    return band


def _dmz_parts(line: Feature, width_km, end_width_km, symmetric, zone: Feature, opposition_at, *, edge):
    width_m = _check_width(width_km) * 1000.0
    end_m = None if end_width_km is None else _check_width(end_width_km, "end_width_km") * 1000.0
    proj = LocalProjection.around(line.geometry, zone.geometry)
    line_m, area_m = _metric_line(line.geometry, proj), proj.to_metric(zone.geometry)
    if symmetric:
        side_m = area_m
    else:
        point = data.place(opposition_at) if isinstance(opposition_at, str) else opposition_at
        side_m = _side_toward(area_m, proj.to_metric(line.geometry), proj.to_metric(point), line_name=line.name)
    band_m = shapely.intersection(_buffer_m(line_m, width_m, end_m), side_m)
    edge_m = None
    if edge:
        inner_m = _buffer_m(line_m, width_m - EDGE_TOLERANCE_M, None if end_m is None else end_m - EDGE_TOLERANCE_M)
        edge_m = shapely.line_merge(shapely.difference(band_m.boundary, inner_m))
    edge_ll = None if edge_m is None else proj.to_lonlat(edge_m)
    return _valid_lonlat(proj, band_m), edge_ll


def _valid_lonlat(proj: LocalProjection, polygon_m):
    """Back to lon/lat, repairing the rare self-touch that reprojection rounding creates."""
    polygon = proj.to_lonlat(polygon_m)
    return polygon if polygon.is_valid else shapely.make_valid(polygon, method="structure")


def sochi_dmz(
    contact_line=None,
    *,
    width_km=SOCHI_WIDTH_KM,
    taper: bool = False,
    symmetric: bool = False,
    area=None,
    opposition_at: str | shapely.Point = "Idlib",
) -> gpd.GeoDataFrame:
    """The Sochi demilitarised zone along a contact line, as a GeoDataFrame in EPSG:4326.

    ``width_km=(min, max)`` (km) gives one band per width — its inner (15 km) and outer (20 km)
    extents — or, with ``taper=True``, a single band whose width runs linearly from ``min`` at
    the line's first vertex to ``max`` at its last. Columns: ``name``, ``width_min_km``,
    ``width_max_km``, ``side``, ``area_km2`` and provenance (``source``, ``as_of``,
    ``accuracy_km``, ``notes``). Use :func:`dmz_edges` for the edges as lines.

    Examples
    --------
    >>> dmz = sochi_dmz()
    >>> dmz[["width_max_km", "area_km2"]].round({"area_km2": -2}).values.tolist()
    [[15.0, 2900.0], [20.0, 3800.0]]
    """
    return _dmz_frame(contact_line, width_km, taper, symmetric, area, opposition_at, edges=False)


def dmz_edges(
    contact_line=None,
    *,
    width_km=SOCHI_WIDTH_KM,
    taper: bool = False,
    symmetric: bool = False,
    area=None,
    opposition_at: str | shapely.Point = "Idlib",
) -> gpd.GeoDataFrame:
    """The DMZ's edges as lines in EPSG:4326: the inner (min width) and outer (max width) edge.

    Each edge is the part of the band's boundary lying at the requested distance from the line
    (the band's sides along the area's border and the line itself are left out).

    Examples
    --------
    >>> dmz_edges()["edge"].tolist()
    ['inner', 'outer']
    """
    return _dmz_frame(contact_line, width_km, taper, symmetric, area, opposition_at, edges=True)


def _dmz_frame(contact_line, width_km, taper, symmetric, area, opposition_at, *, edges):
    low, high = _check_width_range(width_km)
    if taper:
        plans = [("taper", low, high, high)]
    elif low == high:  # one width, one band
        plans = [("outer", high, high, None)]
    else:
        plans = [("inner", low, low, None), ("outer", high, high, None)]
    line, zone = as_line(contact_line), as_area(area)  # read a user's file once, not per band
    rows, geometries = [], []
    for edge, start, end_for_label, end_width in plans:
        band, edge_line = _dmz_parts(line, start, end_width, symmetric, zone, opposition_at, edge=edges)
        side = "both sides" if symmetric else "opposition side"
        width_text = f"{start:g}-{end_for_label:g} km (tapering)" if taper else f"{start:g} km"
        kind = f"{edge} edge" if edges else "band"
        rows.append(
            {
                "name": f"Sochi DMZ {kind}, {width_text}, {line.name}",
                "edge": edge,
                "width_min_km": start,
                "width_max_km": end_for_label,
                "side": side,
                "contact_line": line.name,
                "source": f"zonemap model: {SOCHI_SOURCE}; line: {line.source}",
                "as_of": line.as_of,
                "accuracy_km": line.accuracy_km,
                "notes": (
                    f"Band {width_text} deep on the {side} of the contact line, clipped to {zone.name}."
                    " Buffer exact to <10 m geodesically; positional accuracy is the line's."
                ),
            }
        )
        geometries.append(edge_line if edges else band)
    frame = gpd.GeoDataFrame(rows, geometry=geometries, crs=data.WGS84)
    if not edges:
        frame["area_km2"] = geodesic_area_km2(frame.geometry)
    return frame


def corridor_section(road=None) -> Feature:
    """The M4 section named in the Moscow protocol (Trumba to Ain al-Havr), from the road's data.

    A user's own road (file, frame or geometry) is taken whole.
    """
    if road is not None:
        return as_line(road, what="road")
    frame = data.road("M4")
    row = frame.iloc[0]
    proj = LocalProjection.around(row.geometry)
    line_m = proj.to_metric(row.geometry)
    cuts = sorted(line_m.project(proj.to_metric(data.place(row[key]))) for key in ("corridor_from", "corridor_to"))
    section = proj.to_lonlat(ops.substring(line_m, *cuts))
    name = f"M4 between {row['corridor_from']} and {row['corridor_to']}"
    return Feature(section, name, str(row["as_of"]), str(row["source"]), float(row["accuracy_km"]))


def m4_corridor(
    road=None, *, north_km: float = M4_CORRIDOR_KM, south_km: float = M4_CORRIDOR_KM, ends: str = "flat"
) -> gpd.GeoDataFrame:
    """The M4 security corridor: every point within ``north_km`` north or ``south_km`` south of the
    road section (km), Trumba to Ain al-Havr by default. Column ``area_km2`` is geodesic.

    The protocol's corridor runs along the section between those two places, so its ends are cut
    square across the road there (``ends="flat"``); ``ends="round"`` adds half-discs beyond them.

    Examples
    --------
    >>> corridor = m4_corridor()
    >>> round(float(corridor["area_km2"].iloc[0]), -1)
    750.0
    >>> saraqib = data.place("Saraqib")  # 2 km east of Trumba, beyond the corridor's eastern end
    >>> rounded = m4_corridor(ends="round").geometry.iloc[0]
    >>> bool(corridor.geometry.iloc[0].contains(saraqib)), bool(rounded.contains(saraqib))
    (False, True)
    """
    if ends not in ("flat", "round"):
        raise ArgumentError(f"ends must be 'flat' or 'round', not {ends!r}")
    north_m, south_m = (_check_width(w, n) * 1000.0 for w, n in ((north_km, "north_km"), (south_km, "south_km")))
    section = corridor_section(road)
    proj = LocalProjection.around(section.geometry)
    line_m = _metric_line(section.geometry, proj)
    band_m = _two_widths_band(line_m, north_m, south_m, ends)
    frame = gpd.GeoDataFrame(
        [
            {
                "name": f"M4 security corridor ({north_km:g} km north, {south_km:g} km south)",
                "north_km": float(north_km),
                "south_km": float(south_km),
                "road": section.name,
                "source": f"zonemap model: {MOSCOW_SOURCE}; road: {section.source}",
                "as_of": "2020-03-05",
                "accuracy_km": section.accuracy_km,
                "notes": "Band each side of the M4 section patrolled jointly from 15 Mar 2020,"
                f" {ends} ends at Trumba and Ain al-Havr; the protocol publishes no map."
                " Positional accuracy is the road's.",
            }
        ],
        geometry=[_valid_lonlat(proj, band_m)],
        crs=data.WGS84,
    )
    frame["area_km2"] = geodesic_area_km2(frame.geometry)
    return frame


def _two_widths_band(line_m, north_m: float, south_m: float, ends: str = "round"):
    """Points within ``north_m`` on the line's north side or ``south_m`` on its south side.

    ``ends="flat"``: cut square across the line at its ends (one-sided buffers of each side)."""
    if ends == "flat":
        left, right = (shapely.buffer(line_m, d, single_sided=True) for d in (10.0, -10.0))
        left_width, right_width = (north_m, south_m) if left.centroid.y >= right.centroid.y else (south_m, north_m)
        sides = [shapely.buffer(line_m, w, single_sided=True, quad_segs=QUAD_SEGS) for w in (left_width, -right_width)]
        return shapely.union_all(sides)
    if north_m == south_m:
        return shapely.buffer(line_m, north_m, quad_segs=QUAD_SEGS)
    widest = max(north_m, south_m)
    faces = split_by_line(shapely.buffer(line_m, widest * 1.01, quad_segs=QUAD_SEGS), line_m, snap_m=widest * 1.1)
    left, right = (shapely.buffer(line_m, d, single_sided=True) for d in (10.0, -10.0))
    left_is_north = left.centroid.y >= right.centroid.y
    pieces = []
    for face in faces:
        on_left = face.intersection(left).area >= face.intersection(right).area
        width = north_m if on_left == left_is_north else south_m
        pieces.append(shapely.intersection(face, shapely.buffer(line_m, width, quad_segs=QUAD_SEGS)))
    return shapely.union_all(pieces)


def _sides(contact_line, area, opposition_at, beyond_edge: str = "refuse"):
    line, zone = as_line(contact_line), as_area(area)
    proj = LocalProjection.around(line.geometry, zone.geometry)
    area_m = proj.to_metric(zone.geometry)
    point = data.place(opposition_at) if isinstance(opposition_at, str) else opposition_at
    held = _side_toward(
        area_m, proj.to_metric(line.geometry), proj.to_metric(point), line_name=line.name, beyond_edge=beyond_edge
    )
    return proj, area_m, held


def opposition_side(
    contact_line="2018", area=None, *, opposition_at: str | shapely.Point = "Idlib", beyond_edge: str = "refuse"
) -> shapely.Geometry:
    """The part of ``area`` (the Idlib area by default) on the opposition side of a contact line (lon/lat polygon).

    A line that does not cut the area is refused; ``beyond_edge="whole"`` (for a line moved by its
    stated accuracy, :mod:`zonemap.model.scenarios`) gives the whole area when the line lies wholly
    outside it or along its outline.

    Examples
    --------
    >>> opposition_side("2018").contains(data.place("Idlib"))
    True
    """
    proj, _, held = _sides(contact_line, area, opposition_at, beyond_edge)
    return _valid_lonlat(proj, held)


def government_side(
    contact_line="2020", area=None, *, opposition_at: str | shapely.Point = "Idlib"
) -> shapely.Geometry:
    """The part of ``area`` on the government side of a contact line (lon/lat polygon).

    Examples
    --------
    >>> from zonemap.model.areas import geodesic_area_km2
    >>> geodesic_area_km2(government_side("2020")) > 1000
    True
    """
    proj, area_m, held = _sides(contact_line, area, opposition_at)
    return _valid_lonlat(proj, shapely.difference(area_m, held))
