"""Numbers and dates from text, as incident files hold them: thousands separators and decimal
commas by the file's convention, ISO and ACLED dates, month-only dates kept as months, relative
words refused. The date forms are :mod:`zonemap.model.dates`' (one set for the package); an event's
month-only date is kept as a month here, where a day is required elsewhere. Vectorised over pandas Series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.dates import DATE_FORMATS, MONTH_FORMATS, OFFSET, RELATIVE_DATES  # noqa: F401 (RELATIVE_DATES: rows)

#: The date forms and words are the model's (:mod:`zonemap.model.dates`): one set of rules for every date.

#: The years zonemap can judge an event date in (inclusive): days that fit a datetime64[ns] with a
#: whole year to spare. A date outside (``9999-12-31``, ``0001-01-01``) is rejected with its reason.
DATE_YEARS = (1678, 2261)

#: The precision :func:`date_precisions` gives a real calendar date outside :data:`DATE_YEARS`
#: (its date is NaT): the row is rejected as out of range, not as unparseable.
OUT_OF_RANGE = "out of range"

#: A whole number written with thousands separators: 1,000 or 12,345,678 (or 1,234.5).
_GROUPED = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"

#: A decimal comma: 35,9306 or 2,5.
_DECIMAL_COMMA = r"[+-]?\d*,\d+"


def _numbers(values: pd.Series, *, whole: bool = False, decimal_comma: bool = False):
    """Parse numbers; returns values, blank mask, not-a-number mask, ambiguous mask.

    A comma is a thousands separator in a value grouped by threes (``1,000``) and a decimal comma
    otherwise (``35,9306``). ``1,000`` alone could be either: in a column of ``whole`` numbers it is
    a thousand unless the column has decimal commas elsewhere; in other columns it is a decimal
    comma when the file uses them (``decimal_comma``: a ``;`` or tab delimiter, or other values of
    the column) — else it is ambiguous, and rejected rather than guessed.
    """
    n = len(values)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float)
        return numbers, np.isnan(numbers), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    plain = _plain_numbers(values)
    if plain is not None:
        return plain, np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) <= n // 2:  # few distinct values (e.g. deaths): each read once; a column's evidence is its set
        parts = _numbers_of_text(pd.Series(uniques, dtype=object), whole, decimal_comma)
        return tuple(part[codes] for part in parts)
    return _numbers_of_text(values, whole, decimal_comma)


def _plain_numbers(values: pd.Series) -> np.ndarray | None:
    """Text of plain finite numbers (``35.93``, ``-1e3``) read by Arrow's parser at once; None if any
    value is anything else (blank, spaces, commas, ``nan``…): those take the careful path.

    Arrow's parser and ``pandas.to_numeric`` give the same float for such text (both round correctly).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pd.api.types.is_string_dtype(values) or not len(values):
        return None
    try:
        strings = pa.array(values, type=pa.large_string(), from_pandas=True)
        if strings.null_count:
            return None
        numbers = pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return numbers if np.isfinite(numbers).all() else None


def _numbers_of_text(values: pd.Series, whole: bool, decimal_comma: bool):
    n = len(values)
    text = values.astype("string").fillna("").str.strip()
    blank = (text == "").to_numpy()
    ambiguous = np.zeros(n, dtype=bool)
    commas = text.str.contains(",", regex=False).to_numpy(dtype=bool)
    if commas.any():
        with_commas = text[commas]
        grouped = with_commas.str.fullmatch(_GROUPED).to_numpy(dtype=bool)
        decimal = with_commas.str.fullmatch(_DECIMAL_COMMA).to_numpy(dtype=bool)
        plain_thousands = grouped & ~decimal  # 1,234,567 or 1,234.5: only thousands
        both = grouped & decimal  # 1,000: a thousand, or one with a decimal comma
        decimals_seen = bool((decimal & ~grouped).any())
        if whole:
            both_is = "thousands" if not decimals_seen else "ambiguous"
        else:
            evidence = (decimal_comma or decimals_seen) and not plain_thousands.any()
            both_is = "decimal" if evidence else "ambiguous"
        thousands = plain_thousands | (both & (both_is == "thousands"))
        decimals = (decimal & ~grouped) | (both & (both_is == "decimal"))
        ambiguous[np.flatnonzero(commas)[both & (both_is == "ambiguous")]] = True
        fixed = with_commas.to_numpy(dtype=object)
        fixed[thousands] = [v.replace(",", "") for v in fixed[thousands]]
        fixed[decimals] = [v.replace(",", ".") for v in fixed[decimals]]
        fixed[ambiguous[commas]] = ""
        text = text.copy()
        text[commas] = fixed
    numbers = pd.to_numeric(text.mask(ambiguous, ""), errors="coerce").to_numpy(dtype=float)
    return numbers, blank, np.isnan(numbers) & ~blank & ~ambiguous, ambiguous


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates as datetime64 (NaT where unparseable): ISO 8601 and ACLED's long forms ('27 February 2020').

    A time with a UTC offset keeps its local calendar date (``2020-02-27T01:30+03:00`` is 27 Feb).
    A month (``2020-02``) or a year (``2020``) gives the period's first day; :func:`date_precisions`
    says which rows are such. Words such as ``today`` are not dates.

    Examples
    --------
    >>> parse_dates(pd.Series(["2020-02-27", "27 February 2020", "2020-02-30", "2/3/2020"])).dt.day.tolist()
    [27.0, 27.0, nan, nan]
    >>> parse_dates(pd.Series(["2020-02-27T01:30+03:00"])).dt.strftime("%Y-%m-%d").tolist()
    ['2020-02-27']
    """
    return _parse_dates(values)[0]


def date_precisions(values: pd.Series) -> np.ndarray:
    """``day``, ``month`` or ``year`` for each date of :func:`parse_dates` ("" where none).

    Examples
    --------
    >>> date_precisions(pd.Series(["2020-02-27", "2020-02", "February 2020", "2020", "today"])).tolist()
    ['day', 'month', 'month', 'year', '']
    """
    return np.asarray(_parse_dates(values)[1], dtype=object)


def _parse_dates(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.Series(values)
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)  # the wall-clock time where it was recorded
        years = dates.dt.year.to_numpy(dtype=float)  # in the column's own unit: no nanosecond limits yet
        outside = (years < DATE_YEARS[0]) | (years > DATE_YEARS[1])
        dates = dates.mask(outside).astype("datetime64[ns]")
        codes = np.where(outside, 2, dates.notna().to_numpy().astype(np.int64))
        return dates, _text_array(["", "day", OUT_OF_RANGE], codes)
    dates, precision, _, _ = _dates_of_text(values)
    return dates, precision


def _dates_of_text(values: pd.Series) -> tuple[pd.Series, np.ndarray, _Coded, np.ndarray]:
    """(dates, precisions, stripped text, relative-word mask) of text dates; each distinct value is
    read once (a file of a million events holds a few thousand days)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    once = pd.Series(uniques, dtype=object) if len(uniques) <= len(values) // 2 else values
    parsed, precision = _parse_date_text(once) if once is values else _parse_remembered_dates(once)
    text = once.astype("string").fillna("").str.strip().to_numpy(dtype=object)
    relative = np.isin(np.char.lower(text.astype(str)), list(RELATIVE_DATES))
    if once is values:
        return parsed, _text_array(precision), _Coded(text, np.arange(len(text))), relative
    dates = pd.Series(parsed.to_numpy()[codes], index=values.index, dtype="datetime64[ns]")
    return dates, _text_array(precision, codes), _Coded(text, codes), relative[codes]


#: Distinct date texts already read, with their date and precision: a large file's chunks hold
#: mostly the same few thousand days. Emptied when it holds :data:`REMEMBERED_DATES`.
_REMEMBERED_DATES: dict[str, tuple] = {}

REMEMBERED_DATES = 100_000


def _parse_remembered_dates(distinct: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`_parse_date_text` of distinct texts, reading only those not read before (in any thread)."""
    text = distinct.to_numpy(dtype=object)
    found = [_REMEMBERED_DATES.get(t) if isinstance(t, str) else None for t in text]
    new = np.array([f is None for f in found], dtype=bool)
    dates, precision = np.empty(len(text), dtype="datetime64[ns]"), np.empty(len(text), dtype=object)
    if new.any():
        parsed, new_precision = _parse_date_text(distinct[new])
        dates[new], precision[new] = parsed.to_numpy(dtype="datetime64[ns]"), new_precision
        if len(_REMEMBERED_DATES) > REMEMBERED_DATES:
            _REMEMBERED_DATES.clear()
        for t, date, kind in zip(text[new], dates[new], precision[new]):
            if isinstance(t, str):
                _REMEMBERED_DATES[t] = (date, kind)
    if not new.all():
        old = ~new
        dates[old] = [f[0] for f, o in zip(found, old) if o]
        precision[old] = [f[1] for f, o in zip(found, old) if o]
    return pd.Series(dates, index=distinct.index), precision


def _text_array(values, codes=None):
    """``values`` as pandas' text array (Arrow-backed), taken at ``codes``: each distinct value is
    converted once (a column of a few distinct words converts several times faster)."""
    array = pd.array(np.asarray(values, dtype=object), dtype="str")
    return array if codes is None else array.take(codes)


@dataclass
class _Coded:
    """A column as its distinct ``values`` and each row's code: rows are looked up only when needed."""

    values: np.ndarray
    codes: np.ndarray

    def where(self, mask: np.ndarray) -> np.ndarray:
        """Whether each row's value is ``mask``-true (``mask`` over the distinct values)."""
        return np.asarray(mask, dtype=bool)[self.codes]

    def take(self, rows) -> np.ndarray:
        return self.values[self.codes[rows]]


def _parse_date_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    text = values.astype("string").fillna("").str.strip()
    parsed = _common_dates(text)
    precision = np.where(parsed.notna().to_numpy(), "day", "").astype(object)
    todo = (parsed.isna() & (text != "")).to_numpy()
    if todo.any():  # the rarer forms, on the rows the common ones did not read
        rare, rare_precision = _rare_dates(text[todo])
        parsed[todo] = rare.to_numpy()
        precision[todo] = rare_precision
    unread = (parsed.isna() & (text != "")).to_numpy()
    if unread.any():  # real calendar dates pandas cannot hold (9999-12-31): said so, not "unparseable"
        precision[np.flatnonzero(unread)[_outside_years(text[unread])]] = OUT_OF_RANGE
    return parsed, precision


def _outside_years(text: pd.Series) -> np.ndarray:
    """Which texts (few: those no parser read) are real calendar dates in a year outside
    :data:`DATE_YEARS`, read by Python's calendar (years 1-9999)."""
    import datetime

    def year_of(value: str) -> int | None:
        value = OFFSET.sub(r"\1", value)
        try:
            return datetime.datetime.fromisoformat(value).year
        except ValueError:
            pass
        for fmt in ("%Y", "%Y-%m", *DATE_FORMATS, *MONTH_FORMATS[1:]):
            try:
                return datetime.datetime.strptime(value, fmt).year
            except ValueError:
                continue
        return None

    years = [year_of(value) for value in text.to_numpy(dtype=object)]
    return np.array([y is not None and not DATE_YEARS[0] <= y <= DATE_YEARS[1] for y in years], dtype=bool)


#: The forms most files use, read first by Arrow's strptime (fast); the rest go to :func:`_rare_dates`.
COMMON_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")


def _common_dates(text: pd.Series) -> pd.Series:
    import datetime

    import pyarrow as pa
    import pyarrow.compute as pc

    strings = pa.array(text.to_numpy(dtype=object), type=pa.string())
    found = pa.nulls(len(strings), pa.timestamp("s"))
    for fmt in COMMON_DATE_FORMATS:
        if not pc.any(pc.is_null(found)).as_py():
            break
        parsed = pc.strptime(strings, format=fmt, unit="s", error_is_null=True)
        # strptime rolls 2020-02-30 over to 1 March: keep only dates that print back as written
        exact = pc.equal(pc.strftime(parsed, format=fmt, locale="C"), strings)
        found = pc.coalesce(found, pc.if_else(pc.fill_null(exact, False), parsed, None))
    low, high = (pa.scalar(datetime.datetime(y, 1, 1), pa.timestamp("s")) for y in (DATE_YEARS[0], DATE_YEARS[1] + 1))
    judged = pc.and_(pc.greater_equal(found, low), pc.less(found, high))
    found = pc.if_else(pc.fill_null(judged, False), found, None)  # the rest: read again, said out of range
    return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index).astype("datetime64[ns]")


def _rare_dates(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """ISO 8601 with times and offsets, months, years and ACLED's other long forms; relative words refused."""
    text = text.mask(text.str.lower().isin(RELATIVE_DATES), "")
    text = text.mask(text.str.fullmatch(r"[+-]\d+"), "")  # -1 is no year (pandas would make year -1 and overflow)
    text = text.str.replace(OFFSET, r"\1", regex=True)
    year = text.str.fullmatch(r"\d{4}").to_numpy(dtype=bool)
    month = text.str.fullmatch(r"\d{4}-\d{1,2}").to_numpy(dtype=bool)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    for fmt in DATE_FORMATS + MONTH_FORMATS[1:]:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        found = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        parsed[todo] = found
        if fmt in MONTH_FORMATS:
            month[np.flatnonzero(todo.to_numpy())[found.notna().to_numpy()]] = True
    parsed = pd.Series(parsed, index=text.index)  # in the unit pandas chose: years beyond nanoseconds' reach
    parsed = parsed.mask((parsed.dt.year < DATE_YEARS[0]) | (parsed.dt.year > DATE_YEARS[1])).astype("datetime64[ns]")
    precision = np.where(year, "year", np.where(month, "month", "day"))
    return parsed, np.where(parsed.notna().to_numpy(), precision, "").astype(object)
