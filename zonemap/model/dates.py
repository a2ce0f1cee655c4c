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
