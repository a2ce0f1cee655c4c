"""Tidy summaries of classified incidents: counts and fatalities per zone, month and event type."""

from __future__ import annotations

import numpy as np
import pandas as pd

ALL = "all incidents"


def zone_columns(classified: pd.DataFrame) -> list[str]:
    """The ``in_<zone>`` membership columns of a classified frame."""
    return [c for c in classified.columns if c.startswith("in_") and "_in_file" not in c]  # not an earlier run's


def zone_counts(classified: pd.DataFrame) -> pd.DataFrame:
    """Incidents and fatalities inside each zone (a zone-contains-zone overlap counts in both).

    With ``p_in_dmz`` in the frame, the widest DMZ band's row also has the parts of :data:`UNCERTAIN_COUNTS`:
    ``certain_inside`` (drawn inside, p ≥ 0.95) + ``uncertain_inside`` (drawn inside, p < 0.95) =
    ``events``; ``uncertain_outside`` (drawn outside, p > 0.05: may be inside); ``expected`` = Σp over
    every incident.
    :data:`DATE_UNCERTAIN` counts a zone's rows whose membership is missing: dated to a month or a
    year that straddles the zone's start or end (not among its ``events``; for the DMZ they are also
    among ``uncertain_outside`` when p > 0.05, p being the share of the period it was in force times
    the chance of lying in the band).

    Examples
    --------
    >>> frame = pd.DataFrame({"in_idlib_area": [True, False], "fatalities": [3.0, 1.0]})
    >>> zone_counts(frame).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'zone': 'all incidents', 'events': 2, 'fatalities': 4.0},
     {'zone': 'idlib_area', 'events': 1, 'fatalities': 3.0}]
    >>> dmz = pd.DataFrame({"in_dmz_20km": [True, True, False, False], "p_in_dmz": [0.99, 0.6, 0.3, 0.01]})
    >>> zone_counts(dmz).iloc[1][["events", *UNCERTAIN_COUNTS[:4]]].astype(float).tolist()
    [2.0, 1.0, 1.0, 1.0, 1.9]
    """
    n = len(classified)
    fatalities = pd.to_numeric(classified["fatalities"]).to_numpy(dtype=float) if "fatalities" in classified else None
    fatalities = np.zeros(n) if fatalities is None else np.nan_to_num(fatalities, nan=0.0)
    rows = [{"zone": ALL, "events": n, "fatalities": float(fatalities.sum())}]
    dmz = _dmz_column(classified) if "p_in_dmz" in classified else None
    for column in zone_columns(classified):
        inside = _members(classified[column])
        row = {"zone": column.removeprefix("in_"), "events": int(inside.sum())}
        # a masked sum, not ``fatalities @ inside``: a dot product wakes OpenBLAS's threads, which then
        # spin on the other core for ~0.1 s after each chunk (a fifth of the CPU of `zonemap incidents`)
        row["fatalities"] = float(fatalities[inside].sum())
        if column == dmz:
            parts = _parts(pd.to_numeric(classified["p_in_dmz"]).to_numpy(dtype=float), inside)
            row |= {key: (float if key == "expected" else int)(values.sum()) for key, values in parts.items()}
        straddling = _date_uncertain(classified[column])
        if straddling.any():
            row[DATE_UNCERTAIN] = int(straddling.sum())
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.astype({DATE_UNCERTAIN: "Int64"}) if DATE_UNCERTAIN in table else table  # counts, empty elsewhere


#: The column of a summary counting the rows whose membership of a zone is unknown because their date
#: (a month or a year) straddles the zone's start or end: neither among the zone's ``events`` nor outside it.
DATE_UNCERTAIN = "date_uncertain"


def _date_uncertain(column: pd.Series) -> np.ndarray:
    """Rows whose membership is missing (dated to a month or year straddling the zone's start or end)."""
    if column.dtype == bool:
        return np.zeros(len(column), dtype=bool)
    return column.isna().to_numpy(dtype=bool)


def _members(column: pd.Series):
    """A membership column as a bool mask (rows that were not classified are in no zone)."""
    if column.dtype == bool:
        return column.to_numpy()
    return column.astype("boolean").fillna(False).to_numpy(dtype=bool)


#: Columns a summary adds for the zone the membership probability refers to (the DMZ at its
#: maximum width, ``p_in_dmz``). The parts add up: ``certain_inside`` (drawn inside the band, p ≥ 0.95)
#: + ``uncertain_inside`` (drawn inside, p < 0.95) = ``events``; ``uncertain_outside`` are drawn outside
#: but may be inside (p > 0.05); the rest of the incidents are surely outside. ``expected`` is Σp over
#: every incident, ``expected_variance`` Σp(1 − p), and ``expected_low``/``expected_high`` the 95 %
#: range of the count (normal approximation).
UNCERTAIN_COUNTS = (
    "certain_inside",
    "uncertain_inside",
    "uncertain_outside",
    "expected",
    "expected_variance",
    "expected_low",
    "expected_high",
)


def _parts(p: np.ndarray, inside: np.ndarray) -> dict[str, np.ndarray]:
    """Per incident, which part of the DMZ's count it falls in (0/1), and its p (NaN counts as 0)."""
    from ..model.uncertainty import STATUS_THRESHOLDS

    low, high = STATUS_THRESHOLDS
    sure = inside & (p >= high)
    return {
        "certain_inside": sure.astype(np.int64),
        "uncertain_inside": (inside & ~sure).astype(np.int64),
        "uncertain_outside": (~inside & (p > low)).astype(np.int64),
        "expected": np.nan_to_num(p),
    }


def monthly_summary(classified: pd.DataFrame, *, by_event_type: bool = False) -> pd.DataFrame:
    """Tidy table: zone, month (YYYY-MM), [event_type], events, fatalities — one row per non-empty cell.

    A zone counts an event only if it was in force on the event's date (see :func:`zonemap.classify`).
    Rows without a date, or dated only to a year (``date_precision``), are left out of the months
    (they stay in :func:`zone_counts`); without an ``event_type`` column the event type is empty.
    With ``p_in_dmz`` in the frame, the DMZ's rows also carry :data:`UNCERTAIN_COUNTS`. A zone's rows
    dated only to a month that straddles its start or end are counted in :data:`DATE_UNCERTAIN`, not in
    ``events`` (the column is there when a row has one).

    Examples
    --------
    >>> frame = pd.DataFrame({"in_idlib": [True, True, False], "fatalities": [3.0, 1.0, 2.0],
    ...     "event_date": pd.to_datetime(["2020-02-27", "2020-03-02", "2020-02-01"])})
    >>> for row in monthly_summary(frame).values.tolist():
    ...     print(row)
    ['all incidents', '2020-02', 2, 5.0]
    ['all incidents', '2020-03', 1, 1.0]
    ['idlib', '2020-02', 1, 3.0]
    ['idlib', '2020-03', 1, 1.0]
    >>> march = pd.DataFrame({"in_m4": pd.array([pd.NA, True], dtype="boolean"), "fatalities": [2.0, 1.0],
    ...     "event_date": pd.to_datetime(["2020-03-01", "2020-03-10"]), "date_precision": ["month", "day"]})
    >>> monthly_summary(march).query("zone == 'm4'")[["month", "events", "date_uncertain"]].values.tolist()
    [['2020-03', 1, 1]]
    """
    dated = classified["event_date"].notna()
    if "date_precision" in classified:
        dated &= classified["date_precision"].astype("string").fillna("") != "year"
    dated = classified[dated]
    return _tidy(dated, {"month": _months(dated["event_date"])}, by_event_type)


def _months(dates: pd.Series) -> pd.Categorical:
    """Each date's month as ``YYYY-MM`` text, made once per distinct month (categories in time order)."""
    months = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    codes, uniques = pd.factorize(months)
    order = np.argsort(uniques)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = np.datetime_as_string(np.asarray(uniques, dtype="datetime64[M]")[order], unit="M")
    return pd.Categorical.from_codes(rank[codes], categories=list(labels))


def period_summary(classified: pd.DataFrame, *, by_event_type: bool = False) -> pd.DataFrame:
    """As :func:`monthly_summary`, by the period of each contact line (from ``line_date`` until
    ``line_until``, the line's ``valid_until``, exclusive) instead of by month.

    Rows judged against no dated line (no day, before the first line, a day between two lines'
    periods, after the zones ended: see ``as_of_basis``) are left out.

    Examples
    --------
    >>> frame = pd.DataFrame({"in_idlib": [True, True], "fatalities": [3.0, 1.0],
    ...     "line_date": pd.to_datetime(["2019-08-31", "2020-03-05"]),
    ...     "line_until": pd.to_datetime(["2020-01-29", None])})
    >>> period_summary(frame)[["zone", "line_date", "line_until", "events"]].values.tolist()[:2]
    [['all incidents', '2019-08-31', '2020-01-29', 1], ['all incidents', '2020-03-05', '', 1]]
    """
    judged = classified[classified["line_date"].notna()]
    keys = {
        "line_date": judged["line_date"].dt.strftime("%Y-%m-%d"),
        "line_until": judged["line_until"].dt.strftime("%Y-%m-%d").fillna(""),
    }
    return _tidy(judged, keys, by_event_type)


def _dmz_column(classified: pd.DataFrame) -> str | None:
    """The membership column ``p_in_dmz`` refers to: the widest DMZ band."""
    bands = [c for c in zone_columns(classified) if c.startswith("in_dmz_")]
    return max(bands, key=lambda c: float(c[len("in_dmz_") :].split("km")[0].replace("_", "."))) if bands else None


def _tidy(frame: pd.DataFrame, keys: dict, by_event_type: bool) -> pd.DataFrame:
    """Events and fatalities per zone and key (month or line period), with the DMZ's uncertain counts."""
    base = pd.DataFrame({**keys, "fatalities": frame["fatalities"].fillna(0.0) if "fatalities" in frame else 0.0})
    if by_event_type:
        base["event_type"] = frame.get("event_type", pd.Series("", index=frame.index)).fillna("")
    names = [*keys, *(["event_type"] if by_event_type else [])]
    dmz = _dmz_column(frame) if "p_in_dmz" in frame else None
    tables = []
    for zone, column in [(ALL, None)] + [(c.removeprefix("in_"), c) for c in zone_columns(frame)]:
        part = base if column is None else base[_members(frame[column])]
        grouped = part.groupby(names, sort=True, observed=True).agg(
            events=("fatalities", "size"), fatalities=("fatalities", "sum")
        )
        straddling = np.zeros(len(frame), dtype=bool) if column is None else _date_uncertain(frame[column])
        if straddling.any():  # rows of a month straddling the zone's start or end: a count of their own
            unknown = base[straddling].groupby(names, sort=True, observed=True).size().rename(DATE_UNCERTAIN)
            grouped = grouped.join(unknown, how="outer").fillna({"events": 0, "fatalities": 0.0})
        if column is not None and column == dmz:
            grouped = grouped.join(_uncertain_counts(frame, base, names, _members(frame[column])), how="outer")
            grouped = grouped.fillna({"events": 0, "fatalities": 0.0})
            keep = (grouped["events"] > 0) | (grouped["expected"] > 0)
            if DATE_UNCERTAIN in grouped:
                keep |= grouped[DATE_UNCERTAIN].fillna(0) > 0
            grouped = grouped[keep]  # non-empty cells only
        tables.append(grouped.reset_index().assign(zone=zone))
    table = pd.concat(tables, ignore_index=True)
    table[names] = table[names].astype(str)  # months were categories (made once per month): text again
    extra = [c for c in (DATE_UNCERTAIN, *UNCERTAIN_COUNTS) if c in table]
    columns = ["zone", *names, "events", "fatalities", *extra]
    counts = {c: "Int64" for c in (DATE_UNCERTAIN, *UNCERTAIN_COUNTS[:3]) if c in table}  # empty for other zones
    return table[columns].astype({"events": "int64", "fatalities": "float64", **counts})


def _uncertain_counts(frame: pd.DataFrame, base: pd.DataFrame, names: list, inside: np.ndarray) -> pd.DataFrame:
    p = pd.to_numeric(frame["p_in_dmz"]).to_numpy(dtype=float)
    parts = base[names].assign(**_parts(p, inside), expected_variance=np.nan_to_num(p * (1 - p)))
    return _expected_range(parts.groupby(names, sort=True, observed=True).sum())


def _expected_range(table: pd.DataFrame) -> pd.DataFrame:
    """``expected_low``/``expected_high``: Σp ∓ 1.96 √Σp(1 − p), clipped at 0."""
    from ..model.uncertainty import Z95

    half = Z95 * np.sqrt(table["expected_variance"].to_numpy(dtype=float))
    expected = table["expected"].to_numpy(dtype=float)
    return table.assign(expected_low=np.clip(expected - half, 0, None), expected_high=expected + half)


def combine_monthly(parts: list[pd.DataFrame], *, zones=None) -> pd.DataFrame:
    """Monthly summaries of several chunks or files as one (events and fatalities added up).

    ``zones`` gives the order of the zones (as :func:`zone_counts` lists them).

    Examples
    --------
    >>> a = pd.DataFrame({"zone": ["idlib"], "month": ["2020-02"], "events": [2], "fatalities": [1.0]})
    >>> combine_monthly([a, a]).values.tolist()
    [['idlib', '2020-02', 4, 2.0]]
    """
    monthly = pd.concat(parts, ignore_index=True)
    order = list(dict.fromkeys(zones if zones is not None else monthly["zone"]))
    monthly["zone"] = pd.Categorical(monthly["zone"], categories=order)
    counted = ["events", "fatalities", *[c for c in (DATE_UNCERTAIN, *UNCERTAIN_COUNTS) if c in monthly]]
    keys = [c for c in monthly.columns if c not in counted]
    sums = monthly.groupby(keys, sort=True, observed=True, as_index=False).sum(min_count=1)
    if "expected_variance" in sums:
        sums = _expected_range(sums)
    counts = {c: "Int64" for c in (DATE_UNCERTAIN, *UNCERTAIN_COUNTS[:3]) if c in sums}
    columns = [*keys, *counted]  # one order, whichever chunk first had a column
    return sums[columns].astype({"zone": str, "events": "int64", "fatalities": "float64", **counts})
