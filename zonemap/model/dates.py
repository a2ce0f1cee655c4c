"""Days as the model reads them: one date, or an array of dates, as naive datetime64 days.

Used for ``as_of`` dates, the dated lines and the zones' validity; incident files' dates are read
by :mod:`zonemap.incidents.values`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ArgumentError


def _day(value, *, what: str = "date") -> np.datetime64:
    """One date (text, datetime, Timestamp, datetime64) as a naive datetime64[ns]; NaT is refused."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{what} {value!r} is not a date (use ISO 8601, e.g. 2019-08-31)") from None
    if pd.isna(stamp):
        raise ArgumentError(f"{what} is missing (NaT)")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_datetime64().astype("datetime64[ns]")


def _dates(values) -> np.ndarray:
    """An array of dates as naive datetime64[ns] (NaT where missing), vectorised."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[ns]")
    if np.isscalar(values) or values is None or isinstance(values, pd.Timestamp):
        values = [values]
    try:
        parsed = pd.to_datetime(pd.Series(values), errors="raise", format="mixed")
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"dates could not be read ({str(exc).splitlines()[0]})") from None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]")


def _iso(day: np.datetime64) -> str:
    return str(np.datetime_as_string(day, unit="D"))


def line_index_of(starts: np.ndarray, until: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Index (int64) of the period ``[starts[i], until[i])`` holding each day; ``-1`` where none does
    (before the first, in a gap between periods, after the last) and for NaT. ``starts`` ascending.

    Examples
    --------
    >>> starts = np.array(["2020-01-01", "2020-03-01"], dtype="datetime64[ns]")
    >>> until = np.array(["2020-02-01", "2020-04-01"], dtype="datetime64[ns]")
    >>> days = ["2019-12-31", "2020-01-31", "2020-02-15", "2020-03-31", "2020-04-01", "NaT"]
    >>> days = np.array(days, dtype="datetime64[ns]")
    >>> line_index_of(starts, until, days).tolist()
    [-1, 0, -1, 1, -1, -1]
    """
    index = np.searchsorted(starts, days, side="right").astype(np.int64) - 1
    index[np.isnat(days)] = -1
    known = index >= 0
    index[known & (days >= until[np.maximum(index, 0)])] = -1
    return index


def no_line_reason(day: np.datetime64, starts: np.ndarray, until: np.ndarray, end) -> str | None:
    """Why no period of ``[starts[i], until[i])`` holds ``day`` (one line of text), or None when one does.

    ``end`` is the day the zones ended (datetime64; NaT or None: no end).

    Examples
    --------
    >>> starts = np.array(["2020-03-05", "2024-11-28"], dtype="datetime64[ns]")
    >>> until = np.array(["2024-11-27", "2024-11-29"], dtype="datetime64[ns]")
    >>> end = np.datetime64("2024-12-08", "ns")
    >>> no_line_reason(np.datetime64("2024-11-27", "ns"), starts, until, end)
    'no line between 2024-11-27 and 2024-11-28 (the line of 2020-03-05 holds until 2024-11-26)'
    >>> no_line_reason(np.datetime64("2025-01-01", "ns"), starts, until, end)
    'after the zones ended on 2024-12-08'
    """
    ended = end is not None and not np.isnat(end)
    if ended and day >= end:
        return f"after the zones ended on {_iso(end)}"
    index = int(np.searchsorted(starts, day, side="right")) - 1
    if index < 0:
        return f"before the first dated line ({_iso(starts[0])})"
    if day < until[index]:
        return None
    held = f"(the line of {_iso(starts[index])} holds until {_iso(until[index] - np.timedelta64(1, 'D'))})"
    if index + 1 < len(starts):
        return f"no line between {_iso(until[index])} and {_iso(starts[index + 1])} {held}"
    if ended:
        return f"no line between {_iso(until[index])} and {_iso(end)}, when the zones ended {held}"
    return f"after the last dated line {held}"
