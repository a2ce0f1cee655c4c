"""A dated line's stated accuracy (km): read strictly, never turned into certainty.

A line's ``accuracy_km`` is the distance (km) the true line lies within, across it, with 95 %
probability (σ = accuracy / 1.96, see :mod:`zonemap.model.uncertainty`). A user's timeline must
state one per line, as a plain positive number of km up to :data:`MAX_LINE_ACCURACY_KM`; a missing
one is refused unless the user states the accuracy of every line that gives none
(``accuracy_km=``, ``--accuracy-km``). Text (``five``), a decimal comma (``5,5``), ``inf``,
zero or less and implausible values are refused, naming the line and the value: never read as 0.

Examples
--------
>>> stated_accuracy_km("5")
5.0
>>> stated_accuracy_km(1e9)
Traceback (most recent call last):
...
zonemap.errors.ArgumentError: accuracy_km 1000000000.0 is implausible for a contact line (more than 50 km)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ArgumentError, InputError

#: Largest stated accuracy (km, 95 %) accepted for a contact line: a line known no better than this
#: says nothing of who held a town in a de-escalation area about 100 km across.
MAX_LINE_ACCURACY_KM = 50.0

#: Names of a timeline's accuracy column: a shapefile truncates ``accuracy_km`` to ten characters.
ACCURACY_COLUMNS = ("accuracy_km", "accuracy_k")


def _problem(value) -> tuple[float, str | None]:
    """(km, None) for a usable accuracy; (NaN, why not) otherwise; (NaN, "") when it is missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan, ""
    if isinstance(value, bool | np.bool_):
        return np.nan, "is not a number of km"
    text = str(value).strip()
    if not text:
        return np.nan, ""
    if isinstance(value, str) and "," in text and text.replace(",", "", 1).replace(".", "", 1).lstrip("+-").isdigit():
        return np.nan, "has a comma (write the decimal with a point, e.g. 5.5)"
    try:
        km = float(value)
    except (TypeError, ValueError):
        return np.nan, "is not a number of km"
    if not np.isfinite(km):
        return np.nan, "is not a finite number of km"
    if km <= 0:
        return np.nan, "must be more than 0 km (no line is known exactly)"
    if km > MAX_LINE_ACCURACY_KM:
        return np.nan, f"is implausible for a contact line (more than {MAX_LINE_ACCURACY_KM:g} km)"
    return km, None


def stated_accuracy_km(value, *, what: str = "accuracy_km") -> float:
    """A user's stated line accuracy (km): a positive finite number up to :data:`MAX_LINE_ACCURACY_KM`.

    Examples
    --------
    >>> stated_accuracy_km(30)
    30.0
    >>> stated_accuracy_km("5,5", what="--accuracy-km")
    Traceback (most recent call last):
    ...
    zonemap.errors.ArgumentError: --accuracy-km '5,5' has a comma (write the decimal with a point, e.g. 5.5)
    """
    km, reason = _problem(value)
    if reason is not None:
        raise ArgumentError(f"{what} {value!r} {reason or 'is missing'}")
    return km


def accuracy_column(columns) -> str | None:
    """The timeline's accuracy column: ``accuracy_km``, or a shapefile's ``accuracy_k``; None if neither.

    Examples
    --------
    >>> accuracy_column(["as_of", "accuracy_k", "geometry"]), accuracy_column(["as_of"])
    ('accuracy_k', None)
    """
    return next((name for name in ACCURACY_COLUMNS if name in columns), None)


def line_accuracies(values, as_of, *, stated_km=None, source=None, rows=None) -> np.ndarray:
    """Each line's accuracy (km), read strictly; the first line whose accuracy cannot be used is refused.

    ``values``: each line's ``accuracy_km`` as given (None: the file has no such column);
    ``as_of``: each line's ISO date; ``rows``: each line's row in the file (1-based; default the
    position). ``stated_km``: the accuracy of every line that gives none (None: a missing one is
    refused). Raises :class:`~zonemap.errors.InputError` naming the file, row, line and value.

    Examples
    --------
    >>> line_accuracies(["5", 2.5, None], ["2019-01-01", "2019-02-01", "2019-03-01"], stated_km=4).tolist()
    [5.0, 2.5, 4.0]
    >>> line_accuracies(["five"], ["2019-01-01"], source="lines.geojson")
    Traceback (most recent call last):
    ...
    zonemap.errors.InputError: lines.geojson: row 1: line dated 2019-01-01: accuracy_km 'five' is not a number of km
    """
    n = len(as_of)
    stated = None if stated_km is None else stated_accuracy_km(stated_km)
    values = [None] * n if values is None else list(values)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    out = np.empty(n)
    for i, value in enumerate(values):  # a timeline holds tens to thousands of lines, not millions
        km, reason = _problem(value)
        if reason == "" and stated is not None:
            km, reason = stated, None
        if reason is not None:
            what = (
                "states no accuracy_km (km, 95 %); add the column, or state one with --accuracy-km or accuracy_km="
                if reason == ""
                else f"accuracy_km {value!r} {reason}"
            )
            raise InputError(f"line dated {as_of[i]}: {what}", source=source, row=int(rows[i]))
        out[i] = km
    return out
