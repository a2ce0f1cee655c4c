"""When each zone was in force: the dates, events and reports of ``geodata/zone_validity.json``.

Examples
--------
>>> in_force("m4_corridor", ["2020-03-05", "2020-03-06"]).tolist()
[False, True]
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from . import data
from .dates import read_day, read_days

#: Column names (``in_<zone>``) that map to a validity record other than their own name.
_VALIDITY_ALIASES = {"dmz": "sochi_dmz"}


@functools.cache
def _validity() -> pd.DataFrame:
    records = json.loads((data.geodata_dir() / "zone_validity.json").read_text(encoding="utf-8"))["zones"]
    frame = pd.DataFrame(records)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"])
    frame["valid_to"] = pd.to_datetime(frame["valid_to"])
    return frame.set_index("zone")


def validity() -> pd.DataFrame:
    """When each zone was in force, with the events and reports that set the dates.

    Columns: ``zone``, ``valid_from`` (inclusive), ``valid_to`` (exclusive; NaT while still in
    force), ``from_event``, ``from_sources``, ``to_event``, ``to_sources``, ``notes``.

    Examples
    --------
    >>> v = validity().set_index("zone")
    >>> str(v.loc["m4_corridor", "valid_from"].date()), str(v.loc["eastern_ghouta", "valid_to"].date())
    ('2020-03-06', '2018-04-14')
    """
    return _validity().reset_index()


def validity_key(zone: str) -> str:
    """The validity record for a zone key or ``in_<zone>`` column (``dmz_20km`` → ``sochi_dmz``).

    Examples
    --------
    >>> validity_key("in_dmz_15km_2018_line"), validity_key("idlib"), validity_key("in_idlib_area")
    ('sochi_dmz', 'idlib', 'idlib')
    """
    key = zone.removeprefix("in_")
    if key in _validity().index:
        return key
    if key.endswith("_area") and key.removesuffix("_area") in _validity().index:  # classify's names
        return key.removesuffix("_area")
    for prefix, target in _VALIDITY_ALIASES.items():
        if key == prefix or key.startswith(prefix + "_"):
            return target
    raise ArgumentError(f"no validity dates for zone {zone!r}; known: {', '.join(_validity().index)}")


def window(zone: str) -> tuple[np.datetime64, np.datetime64]:
    """The days ``[valid_from, valid_to)`` of a zone (``datetime64[D]``; ``valid_to`` NaT while in force).

    Examples
    --------
    >>> [str(day) for day in window("m4_corridor")]
    ['2020-03-06', '2024-11-27']
    """
    record = _validity().loc[validity_key(zone)]
    start, end = (record[key] for key in ("valid_from", "valid_to"))
    return read_day(start), np.datetime64("NaT", "D") if pd.isna(end) else read_day(end)


def in_force(zone: str, dates) -> np.ndarray:
    """Whether ``zone`` was in force on each date (bool array, vectorised); False for NaT.

    ``dates`` are read as days by :func:`zonemap.model.dates.read_days` (far dates do not wrap).

    Examples
    --------
    >>> in_force("m4_corridor", ["2020-03-05", "2020-03-06"]).tolist()
    [False, True]
    """
    start, end = window(zone)
    days = read_days(dates, what="date")
    ok = days >= start
    if not np.isnat(end):
        ok &= days < end
    return ok & ~np.isnat(days)


def zones_end() -> np.datetime64 | None:
    """The day every zone had ended (the latest ``valid_to``, datetime64[D]); None while one has no end.

    Past it no zone, line, side or probability is given: the answer is "unknown".

    Examples
    --------
    >>> str(zones_end().astype("datetime64[D]"))
    '2024-12-08'
    """
    ends = _validity()["valid_to"]
    return None if ends.isna().any() else read_day(ends.max())


def zones_in_force(date) -> tuple[str, ...]:
    """The zones (validity keys) in force on ``date``.

    Examples
    --------
    >>> zones_in_force("2018-05-01")
    ('idlib', 'northern_homs', 'southern')
    """
    day = np.array([read_day(date)])
    return tuple(key for key in _validity().index if bool(in_force(key, day)[0]))


def partial_periods(dates, precision) -> tuple[np.ndarray, np.ndarray]:
    """The period [start, end) (datetime64[D]) each date of a month's or a year's precision stands
    for; NaT for days and for missing dates (they are judged by their day, or not at all).

    Examples
    --------
    >>> start, end = partial_periods(["2020-03-01", "2017-01-01", "2020-03-01"], ["month", "year", "day"])
    >>> np.datetime_as_string(start).tolist(), np.datetime_as_string(end).tolist()
    (['2020-03-01', '2017-01-01', 'NaT'], ['2020-04-01', '2018-01-01', 'NaT'])
    """
    days = read_days(dates)
    kind = np.asarray(precision, dtype=object)
    month, year = kind == "month", kind == "year"
    start = np.where(month | year, days, np.datetime64("NaT", "D"))
    months = start.astype("datetime64[M]")
    end = np.where(month, (months + 1).astype("datetime64[D]"), np.datetime64("NaT", "D"))
    end = np.where(year, (start.astype("datetime64[Y]") + 1).astype("datetime64[D]"), end)
    return start, end


def share_in_force(start, end, valid_from, valid_to) -> np.ndarray:
    """The share (0 to 1) of each period [start, end) in which a zone valid over [valid_from,
    valid_to) was in force (``valid_to`` NaT: still in force); NaN where the period is NaT.

    Examples
    --------
    >>> start, end = partial_periods(["2020-03-01", "2020-02-01", "2017-01-01"], ["month"] * 3)
    >>> share_in_force(start, end, np.datetime64("2020-03-06"), np.datetime64("NaT")).round(3).tolist()
    [0.839, 0.0, 0.0]
    """
    start, end = np.asarray(start, dtype="datetime64[D]"), np.asarray(end, dtype="datetime64[D]")
    low = np.datetime64(valid_from, "D")
    high = np.datetime64(valid_to, "D")
    lo = np.maximum(start, low)
    hi = end if np.isnat(high) else np.minimum(end, high)
    with np.errstate(invalid="ignore", divide="ignore"):
        days = (end - start).astype(float)
        overlap = np.clip((hi - lo).astype(float), 0, None)
        share = overlap / days
    return np.where(np.isnat(start) | np.isnat(end), np.nan, share)
