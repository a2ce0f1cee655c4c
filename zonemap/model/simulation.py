"""Monte-Carlo simulation of the contact lines' positional error: probabilistic intervals of areas (km²).

Each dated line is drawn in the timeline with a stated accuracy (``accuracy_km``, read as the 95 %
half-width of its error, so σ = accuracy / 1.96, as in :mod:`zonemap.model.uncertainty`). Its error is
not the same at every point, nor independent from point to point: the line was digitised through
places reported on the front, so neighbouring stretches err together. The simulation moves each line
sideways by a smooth random offset along it: a zero-mean Gaussian process of the distance along the
line with standard deviation σ and a squared-exponential correlation exp(−Δs² / 2ℓ²), ℓ being the
correlation length (:data:`CORRELATION_KM` by default). Where a line states its accuracy per vertex
(the evidence lines, the hand lines: ``vertices``), σ follows it along the line, interpolated
between vertices (the process is a unit one scaled by σ at each point). Lines of different dates err independently;
one line used twice (the same date) moves as one. Draws come from a seeded
:class:`numpy.random.Generator`, so the same call gives the same numbers.

Where the area's outline runs along a line (the Idlib area follows the 2018 line in places), the strip
a line sweeps outside the area is added to the area, as in :mod:`zonemap.model.scenarios`, so the
outline moves with the line rather than clipping its error on one side.
"""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import ArgumentError
from ..geodesy.area import geodesic_area_km2
from ..geodesy.projection import LocalProjection, densify_geodesic
from . import data, zones
from .scenarios import _reach_edge
from .uncertainty import Z95

#: Default correlation length of a line's error along it (km): about the spacing of the places a line
#: is digitised through (5-15 km) times two; an assumption, not a measurement — pass ``correlation_km``.
CORRELATION_KM = 20.0

#: Default number of simulated draws, and the seed.
DRAWS = 400
SEED = 20180917

#: Vertex spacing (km) at which a line's offsets are drawn.
STEP_KM = 1.0


def _normals(coords: np.ndarray) -> np.ndarray:
    """Unit normals (to the left of the direction) at each vertex of a metric line, from central differences."""
    ahead = np.gradient(coords, axis=0)
    ahead /= np.hypot(ahead[:, 0], ahead[:, 1])[:, None]
    return np.column_stack([-ahead[:, 1], ahead[:, 0]])


def smooth_offsets_m(distance_m: np.ndarray, sigma_m: float, correlation_m: float, draws: int, rng) -> np.ndarray:
    """Draws (``draws`` × vertices, metres) of a zero-mean Gaussian process along a line with standard
    deviation ``sigma_m`` and squared-exponential correlation of length ``correlation_m``.

    Examples
    --------
    >>> s = np.arange(0, 100_001, 1000.0)
    >>> o = smooth_offsets_m(s, 3000.0, 20_000.0, 4000, np.random.default_rng(1))
    >>> round(float(o.std()) / 1000, 1), round(float(np.corrcoef(o[:, 0], o[:, 20])[0, 1]), 1)  # 20 km apart
    (3.0, 0.6)
    """
    gap = distance_m[:, None] - distance_m[None, :]
    covariance = sigma_m**2 * np.exp(-0.5 * (gap / correlation_m) ** 2)
    values, vectors = np.linalg.eigh(covariance)  # the kernel is near-singular: eigh, not Cholesky
    root = vectors * np.sqrt(np.clip(values, 0, None))
    return rng.standard_normal((draws, len(distance_m))) @ root.T


def _parts(line_m) -> list[np.ndarray]:
    parts = line_m.geoms if isinstance(line_m, shapely.MultiLineString) else [line_m]
    return [np.asarray(part.coords) for part in parts]


def simulated_lines_m(line_m, accuracy_km, draws: int, rng, correlation_km: float) -> list:
    """``draws`` copies of a metric line each moved by a smooth random offset (see the module notes).

    ``accuracy_km``: one accuracy (km, 95 %) for the whole line, or one per vertex of ``line_m``
    (its parts in order): then each point's offset has σ = its accuracy / 1.96.

    Examples
    --------
    >>> line = shapely.LineString([(x * 1000.0, 0.0) for x in range(61)])  # 60 km, a vertex a km
    >>> accuracy = np.where(np.arange(61) < 30, 2.0, 8.0)  # 2 km on the west half, 8 km on the east
    >>> moved = simulated_lines_m(line, accuracy, 2000, np.random.default_rng(1), 20.0)
    >>> offsets = np.array([shapely.get_coordinates(m)[:, 1] for m in moved])
    >>> [round(float(offsets[:, k].std()) * 1.96 / 1000, 1) for k in (0, 60)]
    [2.0, 8.0]
    """
    accuracy = np.asarray(accuracy_km, dtype=float)
    out_parts, start = [], 0
    for coords in _parts(line_m):
        steps = np.hypot(*np.diff(coords, axis=0).T)
        distance = np.concatenate([[0.0], np.cumsum(steps)])
        if accuracy.ndim == 0:
            offsets = smooth_offsets_m(distance, float(accuracy) / Z95 * 1000.0, correlation_km * 1000.0, draws, rng)
        else:
            sigma_m = accuracy[start : start + len(coords)] / Z95 * 1000.0
            offsets = smooth_offsets_m(distance, 1.0, correlation_km * 1000.0, draws, rng) * sigma_m[None, :]
        start += len(coords)
        normals = _normals(coords)
        out_parts.append(coords[None, :, :] + offsets[:, :, None] * normals[None, :, :])
    lines = []
    for i in range(draws):
        parts = [shapely.LineString(part[i]) for part in out_parts]
        lines.append(parts[0] if len(parts) == 1 else shapely.MultiLineString(parts))
    return lines


def _swept_outside(nominal_m, moved_m, area_m, sigma_m: float):
    """The pieces (≥ σ² each) of the strip between a line and its moved copy that lie outside the area."""
    strips = []
    for a, b in zip(_parts(nominal_m), _parts(moved_m)):
        ring = shapely.make_valid(shapely.Polygon(np.vstack([a, b[::-1]])))
        strips.extend(shapely.get_parts(shapely.difference(ring, area_m)))
    pieces = [p for p in strips if p.geom_type == "Polygon" and p.area >= sigma_m * sigma_m]
    return shapely.union_all(pieces) if pieces else shapely.Polygon()


def _along_densified(line_m, densified_m, vertex_accuracy_km) -> np.ndarray:
    """The accuracy (km) at each vertex of ``densified_m`` (``line_m`` densified), interpolated along the
    line between ``line_m``'s vertices' ``vertex_accuracy_km``."""
    vertices = shapely.points(shapely.get_coordinates(line_m))
    at_vertices = shapely.line_locate_point(densified_m, vertices)
    at_points = shapely.line_locate_point(densified_m, shapely.points(shapely.get_coordinates(densified_m)))
    return np.interp(at_points, at_vertices, np.asarray(vertex_accuracy_km, dtype=float))


def _check_accuracy(name: str, accuracy_km: float) -> float:
    accuracy = float(accuracy_km)
    if not (np.isfinite(accuracy) and accuracy >= 0):
        raise ArgumentError(f"{name} has no stated accuracy_km: give one (km, 95 %) to simulate its error")
    return accuracy


def simulate_taken_km2(before, after, area=None, *, draws: int = DRAWS, seed: int = SEED,
                       correlation_km: float = CORRELATION_KM, opposition_at: str = "Idlib",
                       vertex_accuracy_km=(None, None)) -> np.ndarray:  # fmt: skip
    """Simulated areas (km², geodesic; one per draw) of the part of ``area`` on the opposition side of
    the line ``before`` and not of the line ``after`` (:class:`~zonemap.model.zones.Feature`, each moved by
    its own error; see the module notes). ``area``: the Idlib area by default.
    ``vertex_accuracy_km``: for ``before`` and ``after``, None (the line's ``accuracy_km`` all along)
    or its accuracy (km) at each of its vertices (:attr:`ZonesAsOf.stretch_accuracy_km`), followed along
    the line.

    Examples
    --------
    >>> from zonemap.model import timeline
    >>> taken = simulate_taken_km2(timeline.line_as_of("2019-08-31"), timeline.line_as_of("2020-03-05"), draws=20)
    >>> len(taken), bool(taken.std() > 0)
    (20, True)
    """
    if not correlation_km > 0:
        raise ArgumentError(f"correlation_km must be a positive number of km, got {correlation_km!r}")
    if int(draws) < 2:
        raise ArgumentError(f"draws must be at least 2, got {draws!r}")
    zone = zones.as_area(area).geometry
    proj = LocalProjection.around(zone, before.geometry, after.geometry)
    area_m = proj.to_metric(zone)
    reference_m = proj.to_metric(data.place(opposition_at))
    rng = np.random.default_rng(seed)
    moved, nominal, sigma, reach = {}, {}, {}, {}
    for key, feature, along in (("before", before, vertex_accuracy_km[0]), ("after", after, vertex_accuracy_km[1])):
        if key == "after" and shapely.equals(after.geometry, before.geometry):  # one line: moves as one
            moved[key], nominal[key], sigma[key], reach[key] = (d["before"] for d in (moved, nominal, sigma, reach))
            continue
        accuracy = _check_accuracy(feature.name, feature.accuracy_km)
        line_m = proj.to_metric(densify_geodesic(feature.geometry, STEP_KM))
        if along is not None and accuracy:
            along = _along_densified(proj.to_metric(feature.geometry), line_m, along)
        else:
            along = accuracy
        moved[key] = simulated_lines_m(line_m, along, draws, rng, correlation_km) if accuracy else [line_m] * draws
        nominal[key], sigma[key] = line_m, accuracy / Z95 * 1000.0
        reach[key] = float(np.max(along)) / Z95 * 1000.0
    out = np.empty(int(draws))
    for i in range(int(draws)):
        strips = [_swept_outside(nominal[k], moved[k][i], area_m, sigma[k]) for k in moved if sigma[k] > 0]
        grown = shapely.union_all([area_m, *strips]) if strips else area_m
        lines = {k: _reach_edge(moved[k][i], nominal[k], grown, 3 * reach[k]) if sigma[k] > 0 else nominal[k]
                 for k in moved}  # ends carried on to the area's edge where the nominal line reached it  # fmt: skip
        held = [zones._side_toward(grown, lines[k], reference_m, line_name=f.name)
                for k, f in (("before", before), ("after", after))]  # fmt: skip
        out[i] = float(geodesic_area_km2(proj.to_lonlat(shapely.difference(held[0], held[1]))))
    return out
