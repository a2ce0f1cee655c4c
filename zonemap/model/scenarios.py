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

from ..errors import ArgumentError
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


def _offset_m(line_m, offset_m: float):
    """A metric (Multi)LineString offset sideways by ``offset_m`` (+ left), part by part, as one geometry."""
    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    moved = [shapely.offset_curve(part, offset_m, quad_segs=zones.QUAD_SEGS, join_style="round") for part in parts]
    moved = [piece for m in moved for piece in shapely.get_parts(shapely.line_merge(m)) if not piece.is_empty]
    return moved[0] if len(moved) == 1 else shapely.MultiLineString(moved)


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


def _strip_outside(line_m, offset_m: float, area_m):
    """The parts of the strip a metric line sweeps when moved by ``offset_m`` that lie outside the area
    along the line: pieces smaller than offset² (the corners where the line crosses the outline at its
    ends) are left out, so only an outline that follows the line moves with it."""
    if offset_m == 0:
        return shapely.Polygon()
    strip = shapely.buffer(line_m, offset_m, single_sided=True, quad_segs=zones.QUAD_SEGS)
    pieces = shapely.get_parts(shapely.difference(strip, area_m))
    return shapely.union_all(pieces[shapely.area(pieces) >= offset_m * offset_m])


@dataclass(frozen=True)
class Scenario:
    """One way the lines could lie: each line moved by a signed offset (km, + to its left).

    ``lines`` are the moved lines (lon/lat), their ends carried on to the area's edge where the
    nominal line reached it; ``area`` is the area (lon/lat) with the strips each line moved across
    added to it — where the area's outline runs along a line (the Idlib area follows the 2018 line),
    the outline moves with the line instead of leaving a gap.
    """

    offsets_km: dict[str, float]
    lines: dict[str, shapely.Geometry]
    area: shapely.Geometry


def _line_and_accuracy(value) -> tuple[shapely.Geometry, float]:
    if isinstance(value, zones.Feature):
        return value.geometry, value.accuracy_km
    if isinstance(value, tuple) and len(value) == 2:
        geometry, accuracy = value
        return (zones.as_line(geometry).geometry if not isinstance(geometry, shapely.Geometry) else geometry), float(
            accuracy
        )
    feature = zones.as_line(value)
    return feature.geometry, feature.accuracy_km


def scenarios(lines: Mapping[str, object], area=None, *, edge: bool = True) -> list[Scenario]:
    """The nominal lines and every combination of each line displaced by ± its stated accuracy.

    ``lines`` maps a name to a line: anything :func:`~zonemap.model.zones.as_line` takes (its
    ``accuracy_km`` is used), a :class:`~zonemap.model.zones.Feature`, or a ``(line, accuracy_km)`` pair.
    ``area`` is anything :func:`~zonemap.model.zones.as_area` takes (None: the Idlib area). The first
    scenario is the nominal one (the lines and area unchanged); a line of zero accuracy is never
    moved, and a line with no stated accuracy (a plain shapely line) is refused with an
    :class:`~zonemap.errors.ArgumentError` rather than given a range of zero width. Offsets are
    geodesic (local azimuthal equidistant projection, see :func:`displace_line`).
    ``edge=False`` is for lines that do not bound the area (a road): their ends stay where they are
    and the area is left unchanged.

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
    groups: dict[bytes, list[str]] = {}  # the same line under two names moves as one
    for name, (geometry, _) in named.items():
        groups.setdefault(shapely.to_wkb(geometry), []).append(name)
    choices = []
    for names in groups.values():
        accuracy = named[names[0]][1]
        if not np.isfinite(accuracy) or accuracy < 0:  # a range of zero width would claim an exact line
            raise ArgumentError(
                f"line {names[0]!r} has no stated accuracy_km, so its range cannot be measured: give "
                f"({names[0]!r}: (line, accuracy_km)) or a layer with an accuracy_km column (0 for an exact line)"
            )
        choices.append([0.0] if accuracy == 0 else [0.0, -accuracy, accuracy])
    out = []
    for group_offsets in itertools.product(*choices):
        if any(o != 0 for o in group_offsets) and any(o == 0 for o, c in zip(group_offsets, choices) if len(c) > 1):
            continue  # nominal, or every movable line at one of its extremes
        by_name = {name: float(o) for o, names in zip(group_offsets, groups.values()) for name in names}
        offsets = [by_name[name] for name in named]
        if not any(offsets):
            nominal = {name: geometry for name, (geometry, _) in named.items()}
            out.append(Scenario(dict(zip(named, offsets)), nominal, zone))
            continue
        strips = [_strip_outside(metric[name], offset * 1000.0, area_m) for name, offset in zip(named, offsets)]
        strips = [strip for strip, offset in zip(strips, offsets) if offset and edge]
        grown_m = shapely.union_all([area_m, *strips])
        moved = {}
        for name, offset in zip(named, offsets):
            line_m = metric[name] if offset == 0 else _offset_m(metric[name], offset * 1000.0)
            if offset and edge:
                line_m = _reach_edge(line_m, metric[name], grown_m, offset * 1000.0)
            moved[name] = proj.to_lonlat(line_m) if offset else named[name][0]
        grown = zones._valid_lonlat(proj, grown_m) if strips else zone
        out.append(Scenario(dict(zip(named, offsets)), moved, grown))
    return out


def area_ranges_km2(
    measure, lines: Mapping[str, object], area=None, *, edge: bool = True, missing: str = "refuse"
) -> list[tuple]:
    """[(area, low, high), …] in km² for each of several areas measured on the same :func:`scenarios`.

    ``measure(lines, area)`` gets a dict of lon/lat lines (keys of ``lines``) and the area (lon/lat
    polygon) and returns a sequence of lon/lat polygons (measured geodesically) or numbers of km².
    Each triple is the nominal value and the least and greatest over the scenarios: the range of a
    systematic shift of each line by its full stated accuracy toward either side — a bound on what
    the lines' error can do, not a confidence interval. Nothing is measured twice. A line with no
    stated accuracy (a plain shapely line) is refused; ``missing="nan"`` measures the nominal value and
    gives NaN low and high instead (what the area table prints as "range unknown").

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
    if missing == "nan" and any(not np.isfinite(_line_and_accuracy(v)[1]) for v in lines.values()):
        named = {name: _line_and_accuracy(value)[0] for name, value in lines.items()}
        measured = measure(named, zones.as_area(area).geometry)
        return [(float(geodesic_area_km2(v)) if isinstance(v, shapely.Geometry) else float(v), np.nan, np.nan)
                for v in measured]  # fmt: skip
    values = []
    for scenario in scenarios(lines, area, edge=edge):
        measured = measure(scenario.lines, scenario.area)
        values.append([float(geodesic_area_km2(v)) if isinstance(v, shapely.Geometry) else float(v) for v in measured])
    return [(column[0], min(column), max(column)) for column in zip(*values)]


def area_range_km2(measure, lines: Mapping[str, object], area=None, *, edge: bool = True) -> tuple[float, float, float]:
    """(area, low, high) in km² of one area: :func:`area_ranges_km2` for a ``measure`` returning one polygon or number.

    Examples
    --------
    >>> def band(lines, area):
    ...     return zones.dmz_geometry(lines["line"], 20.0, area=area)
    >>> area, low, high = area_range_km2(band, {"line": "2018"})
    >>> low < area < high
    True
    """
    return area_ranges_km2(lambda lines_, area_: [measure(lines_, area_)], lines, area, edge=edge)[0]


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
