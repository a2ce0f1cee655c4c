"""Monte-Carlo simulation of the contact lines' positional error: probabilistic intervals of areas (km²).

Each dated line is drawn in the timeline with a stated accuracy (``accuracy_km``, read as the 95 %
half-width of its error, so σ = accuracy / 1.96, as in :mod:`zonemap.model.uncertainty`). Its error is
not the same at every point, nor independent from point to point: the line was digitised through
places reported on the front, so neighbouring stretches err together. The simulation moves each line
sideways by a smooth random offset along it: a zero-mean Gaussian process of the distance along the
line with standard deviation σ and a squared-exponential correlation exp(−Δs² / 2ℓ²), ℓ being the
correlation length (:data:`CORRELATION_KM` by default). Lines of different dates err independently,
except where they coincide (within :data:`SHARED_M`): a front that did not move between two dates is
drawn through the same places on both, so there the two lines err as one (the later line takes the
earlier one's offsets, and its error elsewhere is drawn conditioned on them); one line used twice
(the same date) moves as one all along. Without this, an unchanged front would show a spurious
"taken" area between two independently moved copies of itself. Draws come from a seeded
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
from .scenarios import _along_m, _line_and_accuracy, _normals, _parts, _reach_edge, _swept_outside
from .uncertainty import Z95

#: Default correlation length of a line's error along it (km): about the spacing of the places a line
#: is digitised through (5-15 km) times two; an assumption, not a measurement — pass ``correlation_km``.
CORRELATION_KM = 20.0

#: Default number of simulated draws, and the seed.
DRAWS = 400
SEED = 20180917

#: Vertex spacing (km) at which a line's offsets are drawn.
STEP_KM = 1.0

#: Two lines closer than this (m) at a vertex are one stretch of front there, and err together.
SHARED_M = 100.0


def smooth_offsets_m(distance_m: np.ndarray, sigma_m, correlation_m: float, draws: int, rng, given=None) -> np.ndarray:
    """Draws (``draws`` × vertices, metres) of a zero-mean Gaussian process along a line with standard
    deviation ``sigma_m`` (one number, or one per vertex where the accuracy varies along the line) and
    squared-exponential correlation of length ``correlation_m``.

    ``given``: ``(mask, values)``, the offsets already fixed at the vertices in ``mask`` (``draws`` ×
    their number, metres): those vertices keep them and the others are drawn from the process
    conditioned on them (a stretch shared with another line, see the module notes).

    Examples
    --------
    >>> s = np.arange(0, 100_001, 1000.0)
    >>> o = smooth_offsets_m(s, 3000.0, 20_000.0, 4000, np.random.default_rng(1))
    >>> round(float(o.std()) / 1000, 1), round(float(np.corrcoef(o[:, 0], o[:, 20])[0, 1]), 1)  # 20 km apart
    (3.0, 0.6)
    """
    gap = distance_m[:, None] - distance_m[None, :]
    sigma = np.broadcast_to(np.asarray(sigma_m, dtype=float), distance_m.shape)
    covariance = sigma[:, None] * sigma[None, :] * np.exp(-0.5 * (gap / correlation_m) ** 2)
    if given is None or not np.any(given[0]):
        return rng.standard_normal((draws, len(distance_m))) @ _root(covariance).T
    fixed, values = np.asarray(given[0], dtype=bool), np.asarray(given[1], dtype=float)
    free = ~fixed
    out = np.empty((draws, len(distance_m)))
    out[:, fixed] = values
    if free.any():  # the Gaussian conditional: mean K_uf K_ff⁺ v, covariance K_uu − K_uf K_ff⁺ K_fu
        weights = covariance[np.ix_(free, fixed)] @ np.linalg.pinv(covariance[np.ix_(fixed, fixed)], hermitian=True)
        rest = covariance[np.ix_(free, free)] - weights @ covariance[np.ix_(fixed, free)]
        out[:, free] = values @ weights.T + rng.standard_normal((draws, int(free.sum()))) @ _root(rest).T
    return out


def _root(covariance: np.ndarray) -> np.ndarray:
    """A square root R (R Rᵀ = covariance) of a near-singular covariance: eigh, not Cholesky."""
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2)
    return vectors * np.sqrt(np.clip(values, 0, None))


def simulated_lines_m(line_m, accuracy_km, draws: int, rng, correlation_km: float, *, follow=None) -> tuple:
    """``draws`` copies of a metric line each moved by a smooth random offset (see the module notes),
    and the offsets drawn (one array, ``draws`` × vertices, per part).

    ``accuracy_km``: one number (km), or a list of one array per part of ``line_m`` with the accuracy
    (km) at each of its vertices. ``follow``: ``(other_line_m, its offsets)`` of an earlier line: where
    this line runs within :data:`SHARED_M` of it, it takes that line's offsets (at the nearest vertex,
    signed by how the two lines run) and the rest is drawn conditioned on them."""
    parts = _parts(line_m)
    along = accuracy_km if isinstance(accuracy_km, list) else [accuracy_km] * len(parts)
    out_parts, drawn = [], []
    for coords, accuracy in zip(parts, along):
        steps = np.hypot(*np.diff(coords, axis=0).T)
        distance = np.concatenate([[0.0], np.cumsum(steps)])
        sigma_m = np.asarray(accuracy, dtype=float) / Z95 * 1000.0
        normals = _normals(coords)
        given = None if follow is None else _shared(coords, normals, *follow)
        offsets = smooth_offsets_m(distance, sigma_m, correlation_km * 1000.0, draws, rng, given=given)
        drawn.append(offsets)
        out_parts.append(coords[None, :, :] + offsets[:, :, None] * normals[None, :, :])
    lines = []
    for i in range(draws):
        parts = [shapely.LineString(part[i]) for part in out_parts]
        lines.append(parts[0] if len(parts) == 1 else shapely.MultiLineString(parts))
    return lines, drawn


def _shared(coords: np.ndarray, normals: np.ndarray, other_m, other_offsets: list) -> tuple:
    """(mask, offsets) of the vertices of a line that lie on another line (within :data:`SHARED_M`): the
    other line's offsets at its nearest vertex, signed + where the two lines' left sides agree."""
    points = shapely.points(coords)
    on_it = shapely.distance(other_m, points) <= SHARED_M
    other = np.vstack(_parts(other_m))
    other_normals = np.vstack([_normals(part) for part in _parts(other_m)])
    nearest = shapely.STRtree(shapely.points(other)).nearest(points[on_it])
    agree = np.sign(np.sum(normals[on_it] * other_normals[nearest], axis=1))
    return on_it, np.hstack(other_offsets)[:, nearest] * agree


def _check_accuracy(name: str, accuracy_km):
    accuracy = np.asarray(accuracy_km, dtype=float)
    if not (np.isfinite(accuracy).all() and (accuracy >= 0).all()):
        raise ArgumentError(f"{name} has no stated accuracy_km: give one (km, 95 %) to simulate its error")
    return accuracy_km


def simulate_taken_km2(before, after, area=None, *, draws: int = DRAWS, seed: int = SEED,
                       correlation_km: float = CORRELATION_KM, opposition_at: str = "Idlib") -> np.ndarray:  # fmt: skip
    """Simulated areas (km², geodesic; one per draw) of the part of ``area`` on the opposition side of
    the line ``before`` and not of the line ``after`` (each a :class:`~zonemap.model.zones.Feature`, a
    shipped key, or a ``(line, accuracy_km)`` pair whose accuracy may be one per vertex; each moved by
    its own error, σ following the accuracy of each stretch; see the module notes). ``area``: the Idlib
    area by default.

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
    named = {key: _line_and_accuracy(value) for key, value in (("before", before), ("after", after))}
    zone = zones.as_area(area).geometry
    proj = LocalProjection.around(zone, *(geometry for geometry, _ in named.values()))
    area_m = proj.to_metric(zone)
    reference_m = proj.to_metric(data.place(opposition_at))
    rng = np.random.default_rng(seed)
    moved, nominal, sigma, least, drawn = {}, {}, {}, {}, {}
    for key, (geometry, accuracy) in named.items():
        if key == "after" and shapely.equals(geometry, named["before"][0]):  # one line: moves as one
            for store in (moved, nominal, sigma, least, drawn):
                store[key] = store["before"]
            continue
        _check_accuracy(f"the line {key}", accuracy)
        line_m = proj.to_metric(densify_geodesic(geometry, STEP_KM))
        along_km = _along_m(geometry, accuracy, proj, STEP_KM)
        along_km = [a / 1000.0 for a in along_km] if isinstance(along_km, list) else along_km / 1000.0
        exact = np.all(np.asarray(accuracy) == 0)
        follow = (nominal["before"], drawn["before"]) if key == "after" and drawn.get("before") else None
        if exact:
            moved[key], drawn[key] = [line_m] * int(draws), None
        else:
            moved[key], drawn[key] = simulated_lines_m(line_m, along_km, draws, rng, correlation_km, follow=follow)
        nominal[key] = line_m
        sigma[key] = float(np.max(accuracy)) / Z95 * 1000.0  # the largest σ: how far an end may need carrying
        least[key] = float(np.min(accuracy)) / Z95 * 1000.0  # the least: the smallest strip piece kept
    out = np.empty(int(draws))
    for i in range(int(draws)):
        strips = [_swept_outside(nominal[k], moved[k][i], area_m, least[k]) for k in moved if sigma[k] > 0]
        grown = shapely.union_all([area_m, *strips]) if strips else area_m
        lines = {k: _reach_edge(moved[k][i], nominal[k], grown, 3 * sigma[k]) if sigma[k] > 0 else nominal[k]
                 for k in moved}  # ends carried on to the area's edge where the nominal line reached it  # fmt: skip
        held = [
            zones._side_toward(grown, lines[k], reference_m, line_name=f"the line {k}", beyond_edge="whole")
            for k in ("before", "after")
        ]
        out[i] = float(geodesic_area_km2(proj.to_lonlat(shapely.difference(held[0], held[1]))))
    return out
