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
    ['2020-03-06', 'NaT']
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


def zones_in_force(date) -> tuple[str, ...]:
    """The zones (validity keys) in force on ``date``.

    Examples
    --------
    >>> zones_in_force("2018-05-01")
    ('idlib', 'northern_homs', 'southern')
    """
    day = np.array([read_day(date)])
    return tuple(key for key in _validity().index if bool(in_force(key, day)[0]))
