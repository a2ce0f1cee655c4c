"""Positional uncertainty: membership probabilities of incidents, and lines displaced by their accuracy.

The error model (also in docs/uncertainty.md, "The error model"):

* Every line and every incident location carries a stated accuracy in km, read as the distance
  the true position lies within, across the line, with 95 % probability: σ = accuracy / 1.96.
  This is how map accuracy is reported (the US National Standard for Spatial Data Accuracy states
  accuracy at the 95 % level), and it keeps a 20 km band meaningful: read as one σ, a 5 km line
  error would leave no point of the band even 95 % sure to be in it. ACLED ``geo_precision`` codes
  map to stated accuracies in km (:data:`GEO_PRECISION_KM`); a row's own ``accuracy_km`` wins.
* The line's error and the incident's are independent Gaussians, so the error of the signed
  distance between them (km, + on the opposition side) has σ² = σ_line² + σ_event².
* ``p_opposition = Φ(d/σ)``: the true point is on the opposition side when the true signed
  distance D ~ N(d, σ²) is positive.
* ``p_in_dmz = Φ(d/σ) − Φ((d − w)/σ)``: the DMZ of depth w is the band 0 < D ≤ w. Its outer edge is
  *defined* as w km from the line, so it moves rigidly with the line: the same error applies, and
  no extra error is added for the edge.
* A probability becomes a status: ``inside`` at p ≥ 0.95, ``outside`` at p ≤ 0.05, ``uncertain``
  between (:data:`STATUS_THRESHOLDS`). With a 5 km line and a 2 km incident, ``uncertain`` is a
  strip about ±5.3 km wide around each edge.
* Counts: the number of events inside a zone is a sum of independent Bernoulli variables
  (Poisson-binomial); its expectation is Σp, its variance Σp(1 − p), and the interval given is the
  normal approximation (±1.96 √Σp(1 − p)), clipped to [0, events].

Not modelled: the error of the Idlib area's outline (the distance is measured to the line only),
correlation of one line's error along its length (each event sees the line's error independently),
and errors larger than Gaussian tails.

Area ranges (:func:`zonemap.model.areas.area_table`) displace whole lines by their stated accuracy
(:func:`displace_line`, :func:`displace_outline`): a systematic shift by the full stated accuracy,
a bound rather than an interval.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from . import data, zones

# The area ranges under displaced lines moved to zonemap.model.scenarios in 0.3; still reachable here.
from .scenarios import (  # noqa: F401
    Scenario,
    area_range_km2,
    area_ranges_km2,
    displace_line,
    displace_outline,
    outline_range_km2,
    scenarios,
)

#: Stated accuracy (km, 95 %) for ACLED's ``geo_precision`` codes: 1 = the named town or village (the coordinates
#: of its centre; a town spans a few km), 2 = "near" a town or a small part of a district (the
#: nearest town's coordinates), 3 = only a larger region is known (its centroid or capital). The
#: values are the judgement behind the shipped sample (``geodata/incidents_sample.csv``).
GEO_PRECISION_KM = {1: 2.0, 2: 5.0, 3: 15.0}

#: Stated accuracy (km, 95 %) of an incident that gives neither ``accuracy_km`` nor ``geo_precision``.
DEFAULT_EVENT_ACCURACY_KM = 2.0

#: The largest stated accuracy (km) of an incident's location: more is not a place in Syria (an
#: ``accuracy_km`` beyond it, negative, infinite or not a number is refused, never replaced).
MAX_EVENT_ACCURACY_KM = 1000.0

#: What each incident's accuracy rests on (column ``accuracy_basis``).
ACCURACY_BASES = (
    "accuracy_km",
    *(f"geo_precision {code} ({km:g} km)" for code, km in GEO_PRECISION_KM.items()),
    f"default {DEFAULT_EVENT_ACCURACY_KM:g} km (none stated)",
)

#: (low, high): p ≤ low is ``outside``, p ≥ high is ``inside``, anything between ``uncertain``.
STATUS_THRESHOLDS = (0.05, 0.95)

STATUSES = ("outside", "uncertain", "inside")

#: Columns of a classified frame for the contact line in force on each event's date (timeline):
#: its signed distance (km, + on the opposition side) and that line's stated accuracy (km).
IN_FORCE_DISTANCE = "dist_line_km"

IN_FORCE_ACCURACY = "line_accuracy_km"

#: z of the two-sided 95 % normal interval used for expected counts.
Z95 = 1.959963984540054

#: Rows per block of the vectorised kernels: a block's arrays stay in the CPU cache.
BLOCK_ROWS = 65_536

# Φ tabulated from math.erfc every 1/1024 on [-8.5, 8.5] (beyond, Φ is within 1e-17 of 0 or 1) and
# interpolated linearly: within 3e-8 of Φ (the interpolation error is at most h²/8 · max|φ'|).
# numpy has no erf, and scipy is deliberately not a dependency.
_PHI_STEP = 1 / 1024

_PHI_LIMIT = 8.5

_PHI_GRID = np.arange(-_PHI_LIMIT, _PHI_LIMIT + 2 * _PHI_STEP, _PHI_STEP)

_PHI_VALUES = np.array([0.5 * math.erfc(-z / math.sqrt(2)) for z in _PHI_GRID])

_PHI_SLOPES = np.diff(_PHI_VALUES)

_PHI_VALUES = _PHI_VALUES[:-1]


def _phi_block(z: np.ndarray) -> np.ndarray:
    """Φ of one block of z values (a new array; z is left alone, NaN stays NaN)."""
    u = np.clip(z, -_PHI_LIMIT, _PHI_LIMIT)
    missing = np.isnan(u)
    has_missing = missing.any()
    if has_missing:
        u[missing] = 0.0
    u += _PHI_LIMIT
    u *= 1 / _PHI_STEP
    cell = u.astype(np.intp)
    u -= cell
    out = _PHI_SLOPES[cell]
    out *= u
    out += _PHI_VALUES[cell]
    if has_missing:
        out[missing] = np.nan
    return out


def normal_cdf(x) -> np.ndarray:
    """Standard normal distribution function Φ(x), vectorised (within 3e-8 of the exact value).

    Examples
    --------
    >>> normal_cdf([0.0, 1.959964, -3.0]).round(6).tolist()
    [0.5, 0.975, 0.00135]
    """
    x = np.asarray(x, dtype=float)
    flat = x.ravel()
    out = np.empty_like(flat)
    for start in range(0, len(flat), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = _phi_block(flat[start : start + BLOCK_ROWS])
    return out.reshape(x.shape)


def sigma_km(accuracy_km) -> np.ndarray:
    """σ (km) of a stated accuracy (km): the accuracy is the 95 % bound, so σ = accuracy / 1.96.

    Examples
    --------
    >>> sigma_km([5.0, 1.96]).round(3).tolist()
    [2.551, 1.0]
    """
    accuracy = np.asarray(accuracy_km, dtype=float)
    if np.any(accuracy < 0):
        raise ArgumentError("an accuracy in km must not be negative")
    return accuracy / Z95


def combined_sigma_km(line_sigma_km, event_sigma_km) -> np.ndarray:
    """σ (km) of a signed distance: the line's and the event's independent errors, √(σ_line² + σ_event²).

    Examples
    --------
    >>> combined_sigma_km(3.0, [4.0, 0.0]).tolist()
    [5.0, 3.0]
    """
    return np.hypot(np.asarray(line_sigma_km, dtype=float), np.asarray(event_sigma_km, dtype=float))


def event_accuracy_km(frame: pd.DataFrame, *, default_km: float = DEFAULT_EVENT_ACCURACY_KM) -> np.ndarray:
    """Stated accuracy (km, 95 %) of each incident: ``accuracy_km``, else ACLED ``geo_precision``, else ``default_km``.

    ``geo_precision`` 1, 2 and 3 map to :data:`GEO_PRECISION_KM` (2, 5 and 15 km); an unknown
    code or a blank falls through to the next source; a stated ``accuracy_km`` that is not a
    distance of 0 to :data:`MAX_EVENT_ACCURACY_KM` km (negative, infinite, text) is refused
    (:class:`~zonemap.errors.ArgumentError`), never replaced by the default.

    Examples
    --------
    >>> frame = pd.DataFrame({"accuracy_km": [0.5, None, None], "geo_precision": [3, 2, None]})
    >>> event_accuracy_km(frame).tolist()
    [0.5, 5.0, 2.0]
    """
    return _event_accuracy(frame, default_km)[0]


def _event_accuracy(frame: pd.DataFrame, default_km: float = DEFAULT_EVENT_ACCURACY_KM):
    """(accuracy in km, code of its basis in :data:`ACCURACY_BASES`) of each incident."""
    n = len(frame)
    accuracy = np.full(n, float(default_km))
    basis = np.full(n, len(ACCURACY_BASES) - 1, dtype=np.int8)
    if "geo_precision" in frame:
        codes = _numbers_of(frame["geo_precision"])
        for position, (code, km) in enumerate(GEO_PRECISION_KM.items(), start=1):
            accuracy[codes == code], basis[codes == code] = km, position
    if "accuracy_km" in frame:
        column = frame["accuracy_km"]
        stated = _numbers_of(column)
        given = column.notna().to_numpy() & (column.astype("string").fillna("").str.strip() != "").to_numpy()
        with np.errstate(invalid="ignore"):
            bad = given & ~((stated >= 0) & (stated <= MAX_EVENT_ACCURACY_KM))
        if bad.any():
            value = column.to_numpy()[np.flatnonzero(bad)[0]]
            raise ArgumentError(
                f"accuracy_km {value!r} is not a distance of 0 to {MAX_EVENT_ACCURACY_KM:,.0f} km "
                f"({bad.sum():,} such rows); read_incidents rejects them with their reason"
            )
        accuracy[given], basis[given] = stated[given], 0
    return accuracy, basis


def event_accuracy_basis(frame: pd.DataFrame, *, default_km: float = DEFAULT_EVENT_ACCURACY_KM) -> pd.Categorical:
    """What each incident's accuracy (:func:`event_accuracy_km`) rests on: its ``accuracy_km``, its
    ``geo_precision`` code, or the default (none stated).

    Examples
    --------
    >>> frame = pd.DataFrame({"accuracy_km": [0.5, None, None], "geo_precision": [3, 2, None]})
    >>> event_accuracy_basis(frame).tolist()
    ['accuracy_km', 'geo_precision 2 (5 km)', 'default 2 km (none stated)']
    """
    categories = [*ACCURACY_BASES[:-1], f"default {default_km:g} km (none stated)"]
    return pd.Categorical.from_codes(_event_accuracy(frame, default_km)[1], categories=categories)


def _numbers_of(values: pd.Series, then=None) -> np.ndarray:
    """``values`` as floats (NaN where not a number), each distinct value read once (a column of
    codes read as text holds a handful); ``then`` maps the numbers (a Series) before they are spread."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").astype(float)
    numbers = (numbers if then is None else then(numbers)).to_numpy(dtype=float)
    return np.where(codes >= 0, numbers[np.maximum(codes, 0)], np.nan) if len(numbers) else np.full(len(codes), np.nan)


def event_sigma_km(frame: pd.DataFrame, *, default_km: float = DEFAULT_EVENT_ACCURACY_KM) -> np.ndarray:
    """σ (km) of each incident's location: :func:`event_accuracy_km` / 1.96.

    Examples
    --------
    >>> event_sigma_km(pd.DataFrame({"geo_precision": [1, 3]})).round(2).tolist()
    [1.02, 7.65]
    """
    return sigma_km(event_accuracy_km(frame, default_km=default_km))


def _cdf_of_ratio(numerator, sigma) -> np.ndarray:
    """Φ(numerator/σ) elementwise, with the limits at σ = 0: 1 above, 0 below, ½ at 0 (NaN stays NaN)."""
    numerator, sigma = np.broadcast_arrays(np.asarray(numerator, dtype=float), np.asarray(sigma, dtype=float))
    if np.any(sigma < 0):
        raise ArgumentError("sigma_km must not be negative")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = normal_cdf(numerator / sigma)
    exact = sigma == 0
    if exact.any():
        step = np.where(numerator > 0, 1.0, np.where(numerator < 0, 0.0, np.where(numerator == 0, 0.5, np.nan)))
        p = np.where(exact, step, p)
    return p


def p_opposition(signed_distance_km, sigma_km) -> np.ndarray:
    """Probability that a point was on the opposition side of the line: Φ(d/σ).

    ``signed_distance_km`` is + on the opposition side (as ``dist_<line>_km`` of :func:`~zonemap.classify`),
    ``sigma_km`` the combined error σ (:func:`combined_sigma_km`, km); σ = 0 gives 0 or 1 (½ on the
    line); a NaN distance gives NaN.

    Examples
    --------
    >>> p_opposition([0.0, 5.0, -15.0], 5.0).round(3).tolist()
    [0.5, 0.841, 0.001]
    """
    return _cdf_of_ratio(signed_distance_km, sigma_km)


def p_in_band(signed_distance_km, width_km, sigma_km) -> np.ndarray:
    """Probability that a point lay in the band 0 < D ≤ ``width_km`` on the opposition side of a line.

    Φ(d/σ) − Φ((d − w)/σ): the band's outer edge is w km from the line by definition, so it moves
    with the line and carries the same error (see the module notes).

    Examples
    --------
    >>> p_in_band([10.0, 0.0, 20.0, 40.0], 20.0, 2.0).round(3).tolist()
    [1.0, 0.5, 0.5, 0.0]
    """
    width = np.asarray(width_km, dtype=float)
    if np.any(~(width > 0)):
        raise ArgumentError("width_km must be positive")
    d = np.asarray(signed_distance_km, dtype=float)
    return _cdf_of_ratio(d, sigma_km) - _cdf_of_ratio(d - width, sigma_km)


def _status_codes(p: np.ndarray, low: float, high: float) -> np.ndarray:
    codes = (p > low).view(np.int8) + (p >= high).view(np.int8)  # 0 outside, 1 uncertain, 2 inside
    codes[np.isnan(p)] = -1
    return codes


def _check_thresholds(low: float, high: float) -> None:
    if not 0 <= low < high <= 1:
        raise ArgumentError(f"status thresholds need 0 <= low < high <= 1, got {low!r}, {high!r}")


def status(p, low: float = STATUS_THRESHOLDS[0], high: float = STATUS_THRESHOLDS[1]) -> pd.Categorical:
    """``inside`` where p ≥ ``high``, ``outside`` where p ≤ ``low``, ``uncertain`` between (NaN stays missing).

    Examples
    --------
    >>> status([0.99, 0.5, 0.01, float("nan")]).tolist()
    ['inside', 'uncertain', 'outside', nan]
    """
    _check_thresholds(low, high)
    codes = _status_codes(np.asarray(p, dtype=float), low, high)
    return pd.Categorical.from_codes(codes, categories=STATUSES, validate=False)


def line_accuracy_of(key) -> float:
    """The stated accuracy (km, 95 %) of a contact line: a shipped key or anything
    :func:`~zonemap.model.zones.as_line` takes.

    Examples
    --------
    >>> line_accuracy_of("2018")
    5.0
    """
    accuracy = _shipped_line_accuracy(key) if isinstance(key, str) and key in data.CONTACT_LINE_KEYS else None
    if accuracy is None:
        accuracy = zones.as_line(key).accuracy_km
    if not np.isfinite(accuracy):
        raise ArgumentError(f"the contact line {key!r} states no accuracy_km: pass line_accuracy_km=")
    return float(accuracy)


@functools.cache
def _shipped_line_accuracy(key: str) -> float:
    """A shipped line's stated accuracy (km), read once per process (asked for every chunk of a file)."""
    return zones.as_line(key).accuracy_km


def probability_columns(
    classified: pd.DataFrame,
    line_accuracy_km: float | Mapping[str, float] | None = None,
    *,
    dmz_width_km: float = zones.SOCHI_WIDTH_KM[1],
    dmz_line: str = "2018",
    event_accuracy_km=None,
    thresholds: tuple[float, float] = STATUS_THRESHOLDS,
) -> dict[str, np.ndarray | pd.Categorical]:
    """The columns :func:`add_probabilities` adds, as a dict of arrays (for callers assembling a frame).

    Examples
    --------
    >>> sorted(probability_columns(pd.DataFrame({"dist_2018_km": [3.0]})))
    ['dmz_status', 'p_in_dmz', 'p_opposition', 'p_opposition_2018']
    """
    _check_thresholds(*thresholds)
    width = float(dmz_width_km)
    if not width > 0:
        raise ArgumentError(f"dmz_width_km must be a positive number of km, got {dmz_width_km!r}")
    keys = [
        c[5:-3]
        for c in classified.columns
        if c.startswith("dist_") and c.endswith("_km") and len(c) > 8 and c != IN_FORCE_DISTANCE
    ]
    if dmz_line not in keys:
        raise ArgumentError(f"no column dist_{dmz_line}_km to measure the DMZ from (classify against {dmz_line!r})")
    if event_accuracy_km is None:
        event_sigma = event_sigma_km(classified)
    else:
        event_sigma = np.broadcast_to(sigma_km(event_accuracy_km), (len(classified),))

    n = len(classified)

    def line_sigma(key) -> np.ndarray:  # σ (km) of the line for each row
        if isinstance(line_accuracy_km, Mapping) and key in line_accuracy_km:
            return np.full(n, float(sigma_km(line_accuracy_km[key])))
        if line_accuracy_km is None or isinstance(line_accuracy_km, Mapping):
            if f"line_accuracy_{key}_km" in classified:  # the accuracy of the stretch nearest each event
                return sigma_km(pd.to_numeric(classified[f"line_accuracy_{key}_km"]).to_numpy(dtype=float))
            return np.full(n, float(sigma_km(line_accuracy_of(key))))
        return np.full(n, float(sigma_km(line_accuracy_km)))

    distances = {key: classified[f"dist_{key}_km"].to_numpy(dtype=float) for key in keys}
    sigmas = {key: line_sigma(key) for key in keys}
    in_force = None
    if IN_FORCE_DISTANCE in classified:  # the line in force on each event's date, with its accuracy per row if given
        rows_sigma = (
            sigma_km(pd.to_numeric(classified[IN_FORCE_ACCURACY]).to_numpy(dtype=float))
            if IN_FORCE_ACCURACY in classified
            else sigmas[dmz_line]
        )
        in_force = (classified[IN_FORCE_DISTANCE].to_numpy(dtype=float), rows_sigma)
    out = {f"p_opposition_{key}": np.empty(n) for key in keys}
    out["p_in_dmz"] = np.empty(n)
    if in_force is not None:
        out["p_opposition"] = np.empty(n)
    codes = np.empty(n, dtype=np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):  # σ = 0 is redone exactly below
        for start in range(0, n, BLOCK_ROWS):  # one pass over cache-sized blocks
            rows = slice(start, start + BLOCK_ROWS)
            event_var = np.square(event_sigma[rows])
            for key in keys:
                inverse = 1 / np.sqrt(event_var + np.square(sigmas[key][rows]))
                z = distances[key][rows] * inverse
                out[f"p_opposition_{key}"][rows] = _phi_block(z)
                if key == dmz_line:
                    z -= width * inverse
                    np.subtract(out[f"p_opposition_{key}"][rows], _phi_block(z), out=out["p_in_dmz"][rows])
                    codes[rows] = _status_codes(out["p_in_dmz"][rows], *thresholds)
            if in_force is not None:
                distance, rows_sigma = in_force
                out["p_opposition"][rows] = _phi_block(
                    distance[rows] / np.sqrt(event_var + np.square(rows_sigma[rows]))
                )
    if not np.all(event_sigma > 0) or not all(np.all(s > 0) for s in sigmas.values()):  # σ = 0 somewhere: exact limits
        for key in keys:
            sigma = combined_sigma_km(sigmas[key], event_sigma)
            out[f"p_opposition_{key}"] = p_opposition(distances[key], sigma)
            if key == dmz_line:
                out["p_in_dmz"] = p_in_band(distances[key], width, sigma)
                codes = _status_codes(out["p_in_dmz"], *thresholds)
        if in_force is not None:
            out["p_opposition"] = p_opposition(in_force[0], combined_sigma_km(in_force[1], event_sigma))
    if in_force is None:
        out["p_opposition"] = out[f"p_opposition_{dmz_line}"]
    out["dmz_status"] = pd.Categorical.from_codes(codes, categories=STATUSES, validate=False)
    return out


def classified_columns(columns: pd.DataFrame, incidents: pd.DataFrame, options: Mapping) -> dict:
    """The probability columns :func:`~zonemap.classify` adds, from its classification ``columns``.

    ``incidents`` give each event's accuracy (``accuracy_km`` / ``geo_precision``, see
    :func:`event_accuracy_km`); ``options`` are the zone model's (``contact_line``, ``width_km``):
    the DMZ is measured on ``contact_line`` at its maximum width. Empty when the model measures no
    distance to the DMZ's line (a user's contact line that is not among the model's ``lines``).

    Examples
    --------
    >>> columns = pd.DataFrame({"dist_2018_km": [10.0], "dist_2020_km": [-3.0]})
    >>> out = classified_columns(columns, pd.DataFrame({"geo_precision": [1]}), {"contact_line": "2018"})
    >>> out["dmz_status"].tolist(), round(float(out["p_opposition_2020"][0]), 2)
    (['inside'], 0.14)
    """
    dmz_line = str(options.get("contact_line") or "2018")
    if f"dist_{dmz_line}_km" not in columns:
        return {}
    width = zones._check_width_range(options.get("width_km", zones.SOCHI_WIDTH_KM))[1]
    accuracy, basis = _event_accuracy(incidents)
    out = probability_columns(columns, dmz_line=dmz_line, dmz_width_km=width, event_accuracy_km=accuracy)
    out["accuracy_basis"] = pd.Categorical.from_codes(basis, categories=ACCURACY_BASES)
    return out


def add_probabilities(
    classified: pd.DataFrame,
    line_accuracy_km: float | Mapping[str, float] | None = None,
    *,
    dmz_width_km: float = zones.SOCHI_WIDTH_KM[1],
    dmz_line: str = "2018",
    event_accuracy_km=None,
    thresholds: tuple[float, float] = STATUS_THRESHOLDS,
) -> pd.DataFrame:
    """Add membership probabilities and statuses to a classified frame (see :func:`~zonemap.classify`).

    For every signed distance column ``dist_<line>_km`` (km, + on the opposition side) it adds
    ``p_opposition_<line>``; ``p_opposition`` for the line in force on each event's date (column
    ``dist_line_km``, when the frame has it; else the same as ``p_opposition_<dmz_line>``); and
    ``p_in_dmz``, the probability of lying in the DMZ at its maximum depth ``dmz_width_km`` (km)
    along ``dmz_line``, with ``dmz_status`` (outside / uncertain / inside at ``thresholds``).

    ``line_accuracy_km`` (km, 95 %) is one number for every line, a mapping line → km, or None to
    read the accuracy of the line's stretch nearest each event from the frame (columns
    ``line_accuracy_<line>_km`` and, for ``dist_line_km``, ``line_accuracy_km``, which
    :func:`~zonemap.classify` adds), else each line's stated ``accuracy_km``. ``event_accuracy_km``
    (km, 95 %) is a number, an array (one per row) or None for
    :func:`event_accuracy_km`. Returns a new frame; NaN distances give NaN probabilities and a
    missing status.

    Examples
    --------
    >>> frame = pd.DataFrame({"dist_2018_km": [10.0, 19.3, 22.0, -9.0], "accuracy_km": [1.0, 1.0, 1.0, 1.0]})
    >>> out = add_probabilities(frame)
    >>> out["p_in_dmz"].round(2).tolist(), out["dmz_status"].tolist()
    ([1.0, 0.61, 0.22, 0.0], ['inside', 'uncertain', 'uncertain', 'outside'])
    """
    columns = probability_columns(
        classified,
        line_accuracy_km,
        dmz_width_km=dmz_width_km,
        dmz_line=dmz_line,
        event_accuracy_km=event_accuracy_km,
        thresholds=thresholds,
    )
    return classified.assign(**columns)


def expected_counts(
    classified: pd.DataFrame,
    p_column: str = "p_in_dmz",
    *,
    by_month: bool = True,
    thresholds: tuple[float, float] = STATUS_THRESHOLDS,
    zone_column: str | None = None,
) -> pd.DataFrame:
    """Events per month in a zone with their uncertainty: certain and uncertain counts, expected count Σp, 95 % range.

    ``p_column`` holds each event's probability of being in the zone (``p_in_dmz``,
    ``p_opposition``, …). Columns: [``month`` (YYYY-MM; undated rows are left out)], ``events``
    (rows counted), ``inside`` (p ≥ high), ``uncertain``, ``outside`` (p ≤ low), ``expected`` (Σp),
    ``expected_low`` and ``expected_high`` (Σp ∓ 1.96 √Σp(1 − p), the normal approximation of the
    Poisson-binomial count, clipped to [0, events]). ``by_month=False`` gives one row for all rows.
    Rows whose probability is NaN are counted in ``events`` only. ``inside + uncertain + outside``
    is ``events``. With ``zone_column`` (the zone's ``in_<zone>`` column, e.g. ``in_dmz_20km_2018_line``)
    the uncertain ones are split by where the map draws them: ``uncertain_inside`` + ``uncertain_outside``
    = ``uncertain``.

    Examples
    --------
    >>> frame = pd.DataFrame({"p_in_dmz": [0.99, 0.5, 0.02, 0.6],
    ...     "event_date": pd.to_datetime(["2020-02-01", "2020-02-03", "2020-02-09", "2020-03-01"])})
    >>> expected_counts(frame).round(2).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'month': '2020-02', 'events': 3, 'inside': 1, 'uncertain': 1, 'outside': 1,
     'expected': 1.51, 'expected_low': 0.47, 'expected_high': 2.55}
    >>> frame["in_dmz"] = [True, False, False, True]
    >>> expected_counts(frame, zone_column="in_dmz", by_month=False)[["uncertain_inside", "uncertain_outside"]].values
    array([[1, 1]])
    """
    _check_thresholds(*thresholds)
    low, high = thresholds
    if p_column not in classified:
        raise ArgumentError(f"no column {p_column!r}: add probabilities first (zonemap.add_probabilities)")
    p = pd.to_numeric(classified[p_column]).to_numpy(dtype=float)
    parts = pd.DataFrame(
        {
            "events": np.ones(len(p), dtype=np.int64),
            "inside": (p >= high).astype(np.int64),
            "uncertain": ((p > low) & (p < high)).astype(np.int64),
            "outside": (p <= low).astype(np.int64),
            "expected": np.nan_to_num(p),
            "variance": np.nan_to_num(p * (1 - p)),
        },
        index=classified.index,
    )
    if zone_column is not None:
        if zone_column not in classified:
            raise ArgumentError(f"no column {zone_column!r} (the zone's in_<zone> column) to split the uncertain by")
        drawn = classified[zone_column].astype("boolean").fillna(False).to_numpy(dtype=bool)
        uncertain = parts["uncertain"].to_numpy(dtype=bool)
        at = parts.columns.get_loc("uncertain") + 1
        parts.insert(at, "uncertain_outside", (uncertain & ~drawn).astype(np.int64))
        parts.insert(at, "uncertain_inside", (uncertain & drawn).astype(np.int64))
    if by_month:
        dated = classified["event_date"].notna().to_numpy()
        parts = parts[dated].assign(month=classified.loc[dated, "event_date"].dt.strftime("%Y-%m"))
        table = parts.groupby("month", sort=True).sum().reset_index()
    else:
        whole = [c for c in parts.columns if c not in ("expected", "variance")]
        table = parts.sum().to_frame().T.astype({c: "int64" for c in whole})
    half = Z95 * np.sqrt(table.pop("variance").to_numpy(dtype=float))
    expected = table["expected"].to_numpy(dtype=float)
    table["expected_low"] = np.clip(expected - half, 0, table["events"])
    table["expected_high"] = np.clip(expected + half, 0, table["events"])
    return table
