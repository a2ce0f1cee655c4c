"""Days as zonemap reads them: one reader, one set of rules, for every date the package is given.

A date is a *day* (numpy ``datetime64[D]``, 0001-01-01 to 9999-12-31: no nanosecond range, so far
dates never wrap). Accepted: an ISO 8601 day (``2020-03-05``, with a time and an offset if you
like: ``2020-03-05T01:00+03:00`` is 5 March, the local day) and a day spelled out as ACLED writes
it (``5 March 2020``, ``05-Mar-2020``, ``March 5, 2020``). Refused, never guessed: ambiguous
numeric dates (``5/3/2020``, ``05.03.2020``, ``05-03-20``), a month or a year alone (``2020-03``,
``March 2020``, ``2020``: no day is invented), words relative to today (``today``, ``now``) and
numbers (``-1``). A refused date names itself and the accepted forms in one line.

Used for ``--as-of``, timelines' ``as_of``, the zones' validity and the API (:func:`read_day`,
:func:`read_days`); the event reader (:mod:`zonemap.incidents.values`) shares the formats and words
defined here.

Examples
--------
>>> str(read_day("5 March 2020")), str(read_day("2020-03-05T01:00+03:00")), str(read_day("9999-12-31"))
('2020-03-05', '2020-03-05', '9999-12-31')
>>> read_day("5/3/2020", what="--as-of")
Traceback (most recent call last):
...
zonemap.errors.ArgumentError: --as-of '5/3/2020' is ambiguous (day or month first?); give an ISO day (2020-03-05, \
2020-03-05T14:00+03:00) or a day spelled out (5 March 2020, 5-Mar-2020, March 5, 2020)
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from ..errors import ArgumentError

#: Date formats accepted besides ISO 8601 (ACLED's long forms). Slashed dates are ambiguous: refused.
DATE_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y")

#: Dates that name only a month: the event reader keeps them as months; as a day, they are refused.
MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y")

#: Words that are dates only relative to the day zonemap runs: refused, never read as that day.
RELATIVE_DATES = {"today", "now", "yesterday", "tomorrow"}

#: An ISO time with a UTC offset: the offset is dropped so the local calendar date stays.
OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")

#: What a refused date is told to use.
ACCEPTED = (
    "give an ISO day (2020-03-05, 2020-03-05T14:00+03:00)"
    " or a day spelled out (5 March 2020, 5-Mar-2020, March 5, 2020)"
)

#: An ISO day, optionally with a time of day and an offset (the offset is dropped: the local day stays).
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)

#: Numeric dates whose day and month (or century) cannot be told apart: 5/3/2020, 05.03.2020, 05-03-20.
_AMBIGUOUS = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}")

#: A year, or a year and month, alone.
_PARTIAL = re.compile(r"\d{4}(?:[-/.]\d{1,2})?")

#: Longest text of a refused date quoted in its message.
SHOWN_CHARS = 40


def read_day(value, *, what: str = "date") -> np.datetime64:
    """One date as a day (``numpy.datetime64[D]``), by zonemap's rules; anything else is refused.

    ``value``: text (see the module's accepted forms), a :class:`datetime.date` or
    :class:`datetime.datetime`, a :class:`pandas.Timestamp` or a ``numpy.datetime64``; an aware
    time keeps its local day. ``what`` names the date in the message of a refusal
    (:class:`~zonemap.errors.ArgumentError`, one line: the value, why, the accepted forms).

    Examples
    --------
    >>> str(read_day("2020-03-05T23:30-05:00")), str(read_day("14 February 2020")), str(read_day("0001-01-01"))
    ('2020-03-05', '2020-02-14', '0001-01-01')
    >>> read_day("March 2020", what="as_of")
    Traceback (most recent call last):
    ...
    zonemap.errors.ArgumentError: as_of 'March 2020' names a month, not a day (no day is invented); give an ISO day \
(2020-03-05, 2020-03-05T14:00+03:00) or a day spelled out (5 March 2020, 5-Mar-2020, March 5, 2020)
    """
    day, reason = _read_one(value)
    if reason is not None:
        raise ArgumentError(f"{what} {reason}; {ACCEPTED}")
    return day


def read_days(values, *, what: str = "date") -> np.ndarray:
    """Dates as days (``datetime64[D]``, vectorised); missing ones (None, NaN, NaT, blank) are NaT.

    A datetime64 array or Series is taken as it is (aware times keep their local day); text is read
    by :func:`read_day`'s rules, each distinct value once. The first value refused raises an
    :class:`~zonemap.errors.ArgumentError` naming it (and its position).

    Examples
    --------
    >>> read_days(["2020-03-05", None, "5 March 2020"]).tolist()
    [datetime.date(2020, 3, 5), None, datetime.date(2020, 3, 5)]
    >>> read_days(np.array(["2018-09-16"], dtype="datetime64[ns]")).dtype
    dtype('<M8[D]')
    """
    days, reasons = day_problems(values)
    bad = np.flatnonzero(reasons != None)  # noqa: E711 (elementwise)
    if len(bad):
        raise ArgumentError(f"{what} {reasons[bad[0]]} (value {bad[0] + 1} of {len(days)}); {ACCEPTED}")
    return days


def day_problems(values) -> tuple[np.ndarray, np.ndarray]:
    """Days (``datetime64[D]``; NaT where missing or refused) and, per value, why it is refused (None if not).

    For readers that report a refusal with their own context (a file and its row).

    Examples
    --------
    >>> days, why = day_problems(["2020-03-05", "2020"])
    >>> days.tolist(), why.tolist()
    ([datetime.date(2020, 3, 5), None], [None, "'2020' names a year, not a day (no day is invented)"])
    """
    if isinstance(values, pd.Series | pd.Index):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.tz_localize(None) if isinstance(values, pd.Index) else values.dt.tz_localize(None)
        values = values.to_numpy()
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        days = values.astype("datetime64[D]")
        return days, np.full(len(days), None, dtype=object)
    if values is None or np.isscalar(values) or isinstance(values, dt.date | pd.Timestamp | np.datetime64):
        values = [values]
    values = np.asarray(list(values), dtype=object)
    try:
        codes, distinct = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    except TypeError:  # unhashable values (a JSON object or list read from a file): each read on its own
        codes, distinct = np.arange(len(values)), values
    read = [_read_one(v, missing_is_nat=True) for v in distinct]
    days = np.array([d for d, _ in read], dtype="datetime64[D]").reshape(-1)
    reasons = np.array([r for _, r in read] + [None], dtype=object)[:-1]
    return days[codes], reasons[codes]


def _shown(text: str) -> str:
    return repr(text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…")


def _read_one(value, *, missing_is_nat: bool = False) -> tuple[np.datetime64, str | None]:
    """(day, None), or (NaT, why it is refused); a missing value is NaT when ``missing_is_nat``."""
    nat = np.datetime64("NaT", "D")
    missing = value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT
    missing = missing or (isinstance(value, np.datetime64) and np.isnat(value))
    if missing or (isinstance(value, str) and not value.strip()):
        return nat, (None if missing_is_nat else "is missing (empty)")
    if isinstance(value, pd.Timestamp | dt.datetime):  # an aware time keeps its local day
        return np.datetime64(value.date(), "D"), None
    if isinstance(value, dt.date):
        return np.datetime64(value, "D"), None
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]"), None
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, int | float | np.number) else type(value).__name__
        return nat, f"{_shown(str(value))} is {kind}, not a date"
    return _read_text(value.strip())


def _read_text(text: str) -> tuple[np.datetime64, str | None]:
    nat = np.datetime64("NaT", "D")
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in iso.groups())
        try:
            dt.time(hour, minute, second)
            return np.datetime64(dt.date(year, month, day), "D"), None
        except ValueError:
            return nat, f"{_shown(text)} is not a day of the calendar (0001-01-01 to 9999-12-31)"
    for fmt in DATE_FORMATS:
        try:
            return np.datetime64(dt.datetime.strptime(text, fmt).date(), "D"), None
        except ValueError:
            continue
    if text.lower() in RELATIVE_DATES:
        return nat, f"{_shown(text)} is relative to the day zonemap runs, not a date"
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text) and not _PARTIAL.fullmatch(text):
        return nat, f"{_shown(text)} is a number, not a date"
    if _PARTIAL.fullmatch(text):
        return nat, f"{_shown(text)} names a {'year' if text.isdigit() else 'month'}, not a day (no day is invented)"
    for fmt in MONTH_FORMATS[1:]:
        try:
            dt.datetime.strptime(text, fmt)
            return nat, f"{_shown(text)} names a month, not a day (no day is invented)"
        except ValueError:
            continue
    if _AMBIGUOUS.fullmatch(text):
        if re.match(r"\d{4}", text):
            return nat, f"{_shown(text)} is not an ISO day (write it YYYY-MM-DD)"
        return nat, f"{_shown(text)} is ambiguous (day or month first?)"
    return nat, f"{_shown(text)} is not a date"


def _iso(day: np.datetime64) -> str:
    """A day as ISO text (``2020-03-05``)."""
    return str(np.datetime_as_string(np.datetime64(day, "D"), unit="D"))


def fits_nanoseconds(days: np.ndarray) -> bool:
    """Whether every day lies in pandas' nanosecond range (1677-09-22 to 2262-04-11), NaT aside.

    Examples
    --------
    >>> fits_nanoseconds(np.array(["2020-03-05", "NaT"], dtype="datetime64[D]"))
    True
    >>> fits_nanoseconds(np.array(["9999-12-31"], dtype="datetime64[D]"))
    False
    """
    days = np.asarray(days, dtype="datetime64[D]")
    days = days[~np.isnat(days)]
    low, high = np.datetime64("1677-09-22", "D"), np.datetime64("2262-04-11", "D")
    return bool(np.all((days >= low) & (days <= high)))


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
