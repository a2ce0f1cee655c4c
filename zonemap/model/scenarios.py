"""Area ranges from lines displaced by their stated accuracy (km): each line moved sideways by its
full accuracy, both ways, and the areas measured again (geodesic km²).

These are worst-case bounds, not probabilities; :mod:`zonemap.model.uncertainty` holds the
probability model of memberships.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops

from ..errors import ArgumentError, InputError
from ..geodesy.area import geodesic_area_km2
from ..geodesy.projection import LocalProjection, densify_geodesic
from . import zones


# --------------------------------------------------------------------------- lines displaced by their accuracy
def displace_line(line, offset_km: float):
    """A lon/lat line moved sideways by ``offset_km`` (km; + to the left of its direction, − to the right).

    Every point moves along the perpendicular by the same geodesic distance: the line is densified
    along its geodesics, offset in a local azimuthal equidistant projection (round joins) and
    brought back to lon/lat (within metres of the geodesic offset over the region; tested against
    ``pyproj.Geod``). A MultiLineString is displaced part by part; 0 km returns the line.

    Examples
    --------
    >>> from zonemap.geodesy.projection import GEOD
    >>> north = displace_line(shapely.LineString([(36.0, 35.0), (36.5, 35.0)]), 5.0)
    >>> lon, lat = shapely.get_coordinates(north.interpolate(0.5, normalized=True))[0]
    >>> round(GEOD.inv(36.25, 35.0, lon, lat)[2] / 1000, 2)
    5.0
    """
    offset_m = float(offset_km) * 1000.0
    if not np.isfinite(offset_m):
        raise ArgumentError(f"offset_km must be a number of km, got {offset_km!r}")
    if offset_m == 0:
        return line
    proj = LocalProjection.around(line)
    return proj.to_lonlat(_offset_m(proj.to_metric(densify_geodesic(line, max_segment_km=0.5)), offset_m))


def displace_outline(polygon, offset_km: float):
    """A lon/lat polygon whose outline moves outward by ``offset_km`` (km; inward when negative).

    Geodesic to within metres: buffered in a local azimuthal equidistant projection with round
    joins. Shrinking past the polygon's width gives an empty polygon.

    Examples
    --------
    >>> from zonemap.geodesy.area import geodesic_area_km2
    >>> square = shapely.box(36.0, 35.0, 36.1, 35.1)   # about 101 km²
    >>> round(geodesic_area_km2(displace_outline(square, 1.0)) - geodesic_area_km2(square))   # + perimeter + π
    44
    """
    offset_m = float(offset_km) * 1000.0
    if not np.isfinite(offset_m):
        raise ArgumentError(f"offset_km must be a number of km, got {offset_km!r}")
    if offset_m == 0:
        return polygon
    proj = LocalProjection.around(polygon)
    polygon_m = proj.to_metric(shapely.segmentize(polygon, 0.005))  # ~0.5 km steps in degrees, then metric
    return zones._valid_lonlat(proj, shapely.buffer(polygon_m, offset_m, quad_segs=zones.QUAD_SEGS))


def _offset_m(line_m, offset_m):
    """A metric (Multi)LineString offset sideways by ``offset_m`` (+ left), part by part, as one geometry.

    ``offset_m`` is one number (m), or a list of one array per part with an offset (m) for each
    vertex of the part (:func:`_variable_offset_m`)."""
    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    if not isinstance(offset_m, list):
        moved = [shapely.offset_curve(part, offset_m, quad_segs=zones.QUAD_SEGS, join_style="round") for part in parts]
    else:
        moved = [_variable_offset_m(np.asarray(part.coords), o) for part, o in zip(parts, offset_m)]
    moved = [piece for m in moved for piece in shapely.get_parts(shapely.line_merge(m)) if not piece.is_empty]
    return moved[0] if len(moved) == 1 else shapely.MultiLineString(moved)


def _normals(coords: np.ndarray) -> np.ndarray:
    """Unit normals (to the left of the direction) at each vertex of a metric line, from central differences."""
    ahead = np.gradient(coords, axis=0)
    ahead /= np.hypot(ahead[:, 0], ahead[:, 1])[:, None]
    return np.column_stack([-ahead[:, 1], ahead[:, 0]])


def _variable_offset_m(coords: np.ndarray, offset_m: np.ndarray):
    """A metric polyline moved sideways by its own offset at each vertex (m, + left; one sign along it).

    The moved line is the side of the band the offsets sweep (the hulls of the circles of radius
    |offset| at each segment's ends, :func:`zonemap.model.zones.variable_band_m`) between the ends' offset points: the
    envelope of those circles, which is the round-joined offset curve where the offset is constant,
    without the loops that moving each vertex along its normal makes inside a bend.

    Examples
    --------
    >>> steps = np.arange(0, 2001, 100.0)  # east 2 km, then north 2 km, a vertex every 100 m
    >>> corner = np.column_stack([np.r_[steps, np.full(20, 2000.0)], np.r_[0 * steps, steps[1:]]])
    >>> moved = _variable_offset_m(corner, np.full(len(corner), 300.0))  # 300 m inside the corner
    >>> moved.is_simple, round(moved.length)  # 1.7 km + 1.7 km, as a constant offset curve
    (True, 3400)
    >>> wider = _variable_offset_m(corner, np.linspace(300.0, 600.0, len(corner)))  # 300 m, widening to 600 m
    >>> [round(v) for v in wider.coords[-1]]  # 600 m west of the corner's end
    [1400, 2000]
    """
    offset_m = np.asarray(offset_m, dtype=float)
    radii = np.abs(offset_m)
    widest = int(np.argmax(radii))
    sign = np.sign(offset_m[widest])
    band = zones.variable_band_m(coords, radii)
    if not isinstance(band, shapely.Polygon) or len(band.interiors) or radii[widest] == 0:
        return _largest_offset_curve(coords, sign * radii[widest])  # the band closes on itself: see below
    ring = shapely.LineString(band.exterior.coords)
    normals = _normals(coords) * sign
    reach = np.clip(radii[[0, -1]], 1.0, None)  # as the band's circles: at least 1 m
    ends = [coords[0] + reach[0] * normals[0], coords[-1] + reach[1] * normals[-1]]
    start, end = shapely.line_locate_point(ring, shapely.points(ends))
    arcs = [_ring_arc(ring, start, end), shapely.reverse(_ring_arc(ring, end, start))]  # the two ways round
    toward = shapely.Point(coords[widest] + radii[widest] * normals[widest])  # the widest vertex, moved
    away = shapely.Point(coords[widest] - radii[widest] * normals[widest])
    near, far = [arc.distance(toward) for arc in arcs], [arc.distance(away) for arc in arcs]
    chosen = int(np.argmin(np.subtract(near, far)))  # through the widest vertex moved, away from its opposite
    arc = arcs[chosen]
    if arc.length == 0 or not near[chosen] < 0.5 * far[chosen]:  # the two sides cannot be told apart
        return _largest_offset_curve(coords, sign * radii[widest])
    return arc


def _largest_offset_curve(coords: np.ndarray, offset_m: float):
    """The fallback of :func:`_variable_offset_m` where the band its offsets sweep closes on itself (a
    salient narrower than twice the offset) or its sides cannot be told apart: the line moved by its
    largest offset all along (round joins) — a wider bound, never a narrower one."""
    line = shapely.LineString(coords)
    return shapely.offset_curve(line, offset_m, quad_segs=zones.QUAD_SEGS, join_style="round")


def _ring_arc(ring: shapely.LineString, start: float, end: float) -> shapely.LineString:
    """The part of a closed line from ``start`` forward to ``end`` (distances along it), across its seam."""
    if start <= end:
        return shapely.ops.substring(ring, start, end)
    head, tail = shapely.ops.substring(ring, start, ring.length), shapely.ops.substring(ring, 0.0, end)
    return shapely.LineString(np.vstack([np.asarray(head.coords), np.asarray(tail.coords)[1:]]))


def _reach_edge(line_m, nominal_m, area_m, offset_m: float):
    """Extend the ends of a displaced metric line that fell short of the area's edge, along their direction.

    Only ends whose nominal end lay on the edge (within |offset| + 1 km) are extended, up to the first
    crossing of the edge (plus 1 m) or 3 |offset| + 10 km, whichever comes first.
    """
    boundary = area_m.boundary
    reach = abs(offset_m) + 1000.0
    nominal_ends = shapely.get_coordinates(shapely.boundary(nominal_m))
    edge_ends = [shapely.Point(xy) for xy in nominal_ends if boundary.distance(shapely.Point(xy)) <= reach]
    longest = 3 * abs(offset_m) + 10_000.0

    def extended(part: shapely.LineString) -> shapely.LineString:
        coords = np.asarray(part.coords)
        ends = []
        for end, back in ((coords[0], part.interpolate(min(2000.0, part.length / 2))),
                          (coords[-1], part.interpolate(max(part.length - 2000.0, part.length / 2)))):  # fmt: skip
            point = shapely.Point(end)
            if not edge_ends or min(point.distance(e) for e in edge_ends) > 2 * reach or not area_m.contains(point):
                ends.append(None)
                continue
            step = end - np.asarray(back.coords[0])
            step /= np.hypot(*step)
            ray = shapely.LineString([end, end + step * longest])
            hits = shapely.get_coordinates(shapely.intersection(ray, boundary))
            far = longest if len(hits) == 0 else np.min(np.hypot(*(hits - end).T)) + 1.0
            ends.append(end + step * far)
        head = [] if ends[0] is None else [ends[0]]
        tail = [] if ends[1] is None else [ends[1]]
        return shapely.LineString(np.vstack([*head, coords, *tail]))

    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    done = [extended(part) for part in parts]
    return done[0] if len(done) == 1 else shapely.MultiLineString(done)


def _strip_outside(line_m, offset_m, area_m, moved_m=None):
    """The parts of the strip a metric line sweeps when moved by ``offset_m`` that lie outside the area
    along the line: pieces smaller than offset² (the corners where the line crosses the outline at its
    ends) are left out, so only an outline that follows the line moves with it.

    With an offset per vertex (one array per part, see :func:`_offset_m`), the strip is the one between
    the line and ``moved_m`` (the line moved), and the least offset sets the smallest piece.
    """
    if not isinstance(offset_m, list):
        if offset_m == 0:
            return shapely.Polygon()
        strip = shapely.buffer(line_m, offset_m, single_sided=True, quad_segs=zones.QUAD_SEGS)
        pieces = shapely.get_parts(shapely.difference(strip, area_m))
        along = shapely.buffer(line_m, 1000.0)
        return shapely.union_all([p for p in pieces if p.area >= offset_m * offset_m and _follows(p, along)])
    return _swept_outside(line_m, moved_m, area_m, [np.abs(o) for o in offset_m])


def _parts(line_m) -> list[np.ndarray]:
    """The coordinates of each part of a metric (Multi)LineString."""
    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    return [np.asarray(part.coords) for part in parts]


def _swept_outside(nominal_m, moved_m, area_m, offset_m):
    """The pieces of the strip between a metric line and its moved copy (part by part, flat at the ends)
    that lie outside the area, each at least offset² where the offset is that of the line's vertex
    nearest to it: ``offset_m`` is one number (m), or one array per part, one offset per vertex."""
    strips = []
    for a, b in zip(_parts(nominal_m), _parts(moved_m)):
        ring = shapely.make_valid(shapely.Polygon(np.vstack([a, b[::-1]])))
        strips.extend(p for p in shapely.get_parts(shapely.difference(ring, area_m)) if p.geom_type == "Polygon")
    if not strips:
        return shapely.Polygon()
    if not isinstance(offset_m, list):
        least = np.full(len(strips), float(offset_m))
    else:  # the offset of the nominal vertex nearest each piece
        vertices, offsets = np.vstack(_parts(nominal_m)), np.concatenate(offset_m)
        centres = shapely.get_coordinates(shapely.centroid(strips))
        least = offsets[np.argmin(np.hypot(*(centres[:, None, :] - vertices[None, :, :]).transpose(2, 0, 1)), axis=1)]
    along = shapely.buffer(nominal_m, 1000.0)  # an outline that follows the line runs within 1 km of it
    kept = [piece for piece, r in zip(strips, least) if piece.area >= r * r and _follows(piece, along)]
    return shapely.union_all(kept) if kept else shapely.Polygon()


def _follows(piece, along) -> bool:
    """Whether a strip piece outside the area lies along the line (a quarter of its outline or more within
    1 km of it: the area's outline ran along the line there), not beyond an outline the line only neared."""
    return shapely.intersection(piece.boundary, along).length >= 0.25 * piece.boundary.length


def _per_vertex(geometry, accuracy):
    """An accuracy (km) as one number, or one per vertex of ``geometry`` when it varies along it."""
    values = np.asarray(accuracy, dtype=float)
    if values.ndim == 0:
        return float(values)
    if len(values) != shapely.get_num_coordinates(geometry):
        raise ArgumentError(
            f"accuracy_km per vertex needs one number for each of the line's {shapely.get_num_coordinates(geometry)}"
            f" vertices, got {len(values)}"
        )
    return float(values[0]) if np.isfinite(values).all() and np.ptp(values) == 0 else values


def _along_m(geometry, accuracy, proj: LocalProjection, step_km: float):
    """The stated accuracy (m) at each vertex of ``geometry`` densified at ``step_km`` (one array per
    part), interpolated along each part between its own vertices' accuracies; one number (m) if constant."""
    if np.ndim(accuracy) == 0:
        return float(accuracy) * 1000.0
    out, start = [], 0
    for part in shapely.get_parts(geometry):
        n = shapely.get_num_coordinates(part)
        own_m = np.asarray(proj.to_metric(part).coords)
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(own_m, axis=0).T))])
        dense = proj.to_metric(densify_geodesic(part, step_km))
        at = shapely.line_locate_point(shapely.LineString(own_m), shapely.points(np.asarray(dense.coords)))
        out.append(np.interp(at, along, np.asarray(accuracy[start : start + n], dtype=float)) * 1000.0)
        start += n
    return out


def _largest(offset_m) -> float:
    return max(float(np.abs(o).max()) for o in offset_m) if isinstance(offset_m, list) else float(abs(offset_m))


def _signed(sign: float, accuracy_m):
    return [sign * a for a in accuracy_m] if isinstance(accuracy_m, list) else sign * accuracy_m


@dataclass(frozen=True)
class Scenario:
    """One way the lines could lie: each line moved by a signed offset (km, + to its left; where the
    accuracy varies along a line, each stretch by its own and ``offsets_km`` gives the largest).

    ``lines`` are the moved lines (lon/lat), their ends carried on to the area's edge where the
    nominal line reached it; ``area`` is the area (lon/lat) with the strips each line moved across
    added to it — where the area's outline runs along a line (the Idlib area follows the 2018 line),
    the outline moves with the line instead of leaving a gap.
    """

    offsets_km: dict[str, float]
    lines: dict[str, shapely.Geometry]
    area: shapely.Geometry


def _line_and_accuracy(value) -> tuple[shapely.Geometry, float | np.ndarray]:
    """A line and its accuracy (km): the line's ``accuracy_km``, or from a ``(line, accuracy_km)`` pair
    one number or one per vertex (where it varies along the line: the accuracy of each stretch)."""
    if isinstance(value, tuple) and len(value) == 2:
        geometry, accuracy = value
        geometry = geometry if isinstance(geometry, shapely.Geometry) else zones.as_line(geometry).geometry
        return geometry, _per_vertex(geometry, accuracy)
    feature = value if isinstance(value, zones.Feature) else zones.as_line(value)
    return feature.geometry, feature.accuracy_km


def scenarios(lines: Mapping[str, object], area=None, *, edge: bool = True, reference=None) -> list[Scenario]:
    """The nominal lines and every combination of each line displaced by ± its stated accuracy.

    ``lines`` maps a name to a line: anything :func:`~zonemap.model.zones.as_line` takes (its
    ``accuracy_km`` is used), a :class:`~zonemap.model.zones.Feature`, or a ``(line, accuracy_km)`` pair.
    ``area`` is anything :func:`~zonemap.model.zones.as_area` takes (None: the Idlib area). The first
    scenario is the nominal one (the lines and area unchanged); a line of zero accuracy is never
    moved, and a line with no stated accuracy (a plain shapely line) is refused with an
    :class:`~zonemap.errors.ArgumentError` rather than given a range of zero width. Offsets are
    geodesic (local azimuthal equidistant projection, see :func:`displace_line`).
    ``edge=False`` is for lines that do not bound the area (a road): their ends stay where they are
    and the area is left unchanged. ``reference`` (a lon/lat point, e.g. Idlib city, which the
    measures take as the opposition's side) refuses with an :class:`~zonemap.errors.InputError` a
    line whose stated accuracy at its stretch nearest the point reaches the point: moved by it, the
    line could pass the point, and which side is whose could no longer be told.

    Examples
    --------
    >>> [s.offsets_km for s in scenarios({"2018": "2018"})]
    [{'2018': 0.0}, {'2018': -5.0}, {'2018': 5.0}]
    """
    zone = zones.as_area(area).geometry
    named = {name: _line_and_accuracy(value) for name, value in lines.items()}
    proj = LocalProjection.around(zone, *(geometry for geometry, _ in named.values()))
    area_m = proj.to_metric(zone)
    metric = {name: proj.to_metric(densify_geodesic(geometry, 0.5)) for name, (geometry, _) in named.items()}
    accuracy_m = {name: _along_m(geometry, accuracy, proj, 0.5) for name, (geometry, accuracy) in named.items()}
    toward = {}  # the side (+1 left, -1 right) of each line the reference point lies on
    reference_m = None if reference is None else proj.to_metric(reference)
    if reference is not None:
        for name in named:
            _refuse_reaching(name, metric[name], accuracy_m[name], reference_m)
            toward[name] = _side_of(metric[name], reference_m)
    groups: dict[bytes, list[str]] = {}  # the same line under two names moves as one
    for name, (geometry, _) in named.items():
        groups.setdefault(shapely.to_wkb(geometry), []).append(name)
    choices = []
    for names in groups.values():
        accuracy = np.asarray(named[names[0]][1])
        if not np.isfinite(accuracy).all() or (accuracy < 0).any():  # a range of zero width would claim an exact line
            raise ArgumentError(
                f"line {names[0]!r} has no stated accuracy_km, so its range cannot be measured: give "
                f"({names[0]!r}: (line, accuracy_km)) or a layer with an accuracy_km column (0 for an exact line)"
            )
        choices.append([0.0] if (accuracy == 0).all() else [0.0, -1.0, 1.0])  # the side each line moves to
    out = []
    for group_signs in itertools.product(*choices):
        if any(o != 0 for o in group_signs) and any(o == 0 for o, c in zip(group_signs, choices) if len(c) > 1):
            continue  # nominal, or every movable line at one of its extremes
        by_name = {name: float(o) for o, names in zip(group_signs, groups.values()) for name in names}
        signs = [by_name[name] for name in named]
        offsets_km = {name: round(sign * _largest(accuracy_m[name]) / 1000.0, 9) for name, sign in zip(named, signs)}
        if not any(signs):
            nominal = {name: geometry for name, (geometry, _) in named.items()}
            out.append(Scenario(offsets_km, nominal, zone))
            continue
        offset_m = {name: _signed(sign, accuracy_m[name]) for name, sign in zip(named, signs) if sign}
        moved_m = {name: _offset_m(metric[name], offset) for name, offset in offset_m.items()}
        for name in moved_m if reference is not None else ():
            nearer = moved_m[name].distance(reference_m) < metric[name].distance(reference_m)
            if nearer != (by_name[name] == toward[name]):  # moved toward the point, it must come nearer
                raise InputError(
                    f"line {name!r} moved {abs(offsets_km[name]):g} km folds onto itself (its accuracy is larger"
                    " than the pocket it runs round), so where it would lie cannot be drawn"
                )
        strip_of = {n: _strip_outside(metric[n], offset_m[n], area_m, moved_m[n]) for n in offset_m} if edge else {}
        strips = list(strip_of.values())
        grown_m = shapely.union_all([area_m, *strips])
        moved = {}
        for name in named:
            if name not in offset_m:
                moved[name] = named[name][0]
                continue
            line_m = moved_m[name]
            if edge:
                line_m = _reach_edge(line_m, metric[name], grown_m, _largest(offset_m[name]))
                if not strip_of[name].is_empty and len(zones.split_by_line(grown_m, line_m)) < 2:
                    raise InputError(  # the area grew along the line until the line became its outline
                        f"line {name!r} moved {offsets_km[name]:g} km lies along the area's outline and no longer"
                        " cuts the area into two sides"
                    )
                if by_name[name] == toward.get(name) and zones.misses_interior(grown_m, line_m):
                    raise InputError(  # toward the reference point and out of the area: the sides are lost
                        f"line {name!r} moved {abs(offsets_km[name]):g} km toward the opposition's reference point"
                        " leaves the area, and which side is whose could no longer be told"
                    )
            moved[name] = proj.to_lonlat(line_m)
        grown = zones._valid_lonlat(proj, grown_m) if strips else zone
        out.append(Scenario(offsets_km, moved, grown))
    return out


def _side_of(line_m, point_m) -> float:
    """+1 if a metric point lies to the left of a metric line (at the line's nearest segment), else -1."""
    coords = np.vstack(_parts(line_m))
    segments = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    i = int(np.argmin(shapely.distance(segments, point_m)))
    (x0, y0), (x1, y1) = coords[i], coords[i + 1]
    return 1.0 if (x1 - x0) * (point_m.y - y0) - (y1 - y0) * (point_m.x - x0) > 0 else -1.0


def _refuse_reaching(name: str, line_m, accuracy_m, point_m) -> None:
    """Refuse a line whose accuracy (m) at its vertex nearest ``point_m`` reaches the point."""
    distance = float(line_m.distance(point_m))
    if isinstance(accuracy_m, list):
        vertices = np.vstack(_parts(line_m))
        accuracy_m = float(np.concatenate(accuracy_m)[np.argmin(np.hypot(*(vertices - point_m.coords[0]).T))])
    if accuracy_m >= distance:
        raise InputError(
            f"line {name!r} states an accuracy of {accuracy_m / 1000:g} km where it runs {distance / 1000:.1f} km from"
            " the opposition's reference point: moved by it, the line could pass the point, and which side is"
            " whose could no longer be told"
        )


def area_ranges_km2(
    measure, lines: Mapping[str, object], area=None, *, edge: bool = True, missing: str = "refuse", reference=None
) -> list[tuple]:
    """[(area, low, high), …] in km² for each of several areas measured on the same :func:`scenarios`.

    ``measure(lines, area)`` gets a dict of lon/lat lines (keys of ``lines``) and the area (lon/lat
    polygon) and returns a sequence of lon/lat polygons (measured geodesically) or numbers of km².
    Each triple is the nominal value and the least and greatest over the scenarios: the range of a
    systematic shift of each line by its full stated accuracy toward either side — a bound on what
    the lines' error can do, not a confidence interval. Nothing is measured twice. A line with no
    stated accuracy (a plain shapely line) is refused; ``missing="nan"`` measures the nominal value and
    gives NaN low and high instead (what the area table prints as "range unknown"). ``reference``:
    as for :func:`scenarios`.

    Examples
    --------
    >>> def sides(lines, area):
    ...     held = zones.opposition_side(lines["line"], area)
    ...     return [held, shapely.difference(area, held)]
    >>> [(round(a, -2), low < a < high) for a, low, high in area_ranges_km2(sides, {"line": "2020"})]
    [(3500.0, True), (3700.0, True)]
    """
    if missing not in ("refuse", "nan"):
        raise ArgumentError(f"missing must be 'refuse' or 'nan', got {missing!r}")
    if missing == "nan" and any(not np.isfinite(_line_and_accuracy(v)[1]).all() for v in lines.values()):
        named = {name: _line_and_accuracy(value)[0] for name, value in lines.items()}
        measured = measure(named, zones.as_area(area).geometry)
        return [(float(geodesic_area_km2(v)) if isinstance(v, shapely.Geometry) else float(v), np.nan, np.nan)
                for v in measured]  # fmt: skip
    values = []
    for scenario in scenarios(lines, area, edge=edge, reference=reference):
        measured = measure(scenario.lines, scenario.area)
        values.append([float(geodesic_area_km2(v)) if isinstance(v, shapely.Geometry) else float(v) for v in measured])
    return [(column[0], min(column), max(column)) for column in zip(*values)]


def area_range_km2(
    measure, lines: Mapping[str, object], area=None, *, edge: bool = True, reference=None
) -> tuple[float, float, float]:
    """(area, low, high) in km² of one area: :func:`area_ranges_km2` for a ``measure`` returning one polygon or number.

    Examples
    --------
    >>> def band(lines, area):
    ...     return zones.dmz_geometry(lines["line"], 20.0, area=area)
    >>> area, low, high = area_range_km2(band, {"line": "2018"})
    >>> low < area < high
    True
    """
    return area_ranges_km2(lambda lines_, area_: [measure(lines_, area_)], lines, area, edge=edge, reference=reference)[
        0
    ]


def outline_range_km2(polygon, accuracy_km: float) -> tuple[float, float, float]:
    """(area, low, high) in km² of a lon/lat polygon whose outline may lie ``accuracy_km`` (km) in or out.

    Low and high are the geodesic areas with the outline moved inward and outward by the full stated
    accuracy (:func:`displace_outline`); no or zero accuracy gives low = area = high.

    Examples
    --------
    >>> area, low, high = outline_range_km2(shapely.box(36.0, 35.0, 36.1, 35.1), 1.0)
    >>> round(low), round(area), round(high)
    (65, 101, 145)
    """
    area = float(geodesic_area_km2(polygon))
    accuracy = float(accuracy_km)
    if not (np.isfinite(accuracy) and accuracy > 0):
        return area, area, area
    low, high = (float(geodesic_area_km2(displace_outline(polygon, sign * accuracy))) for sign in (-1, 1))
    return area, min(low, area), max(high, area)
