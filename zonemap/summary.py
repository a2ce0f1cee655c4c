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

    Examples
    --------
    >>> frame = pd.DataFrame({"in_idlib": [True, False], "fatalities": [3.0, 1.0]})
    >>> zone_counts(frame).to_dict("records")
    [{'zone': 'all incidents', 'events': 2, 'fatalities': 4.0}, {'zone': 'idlib', 'events': 1, 'fatalities': 3.0}]
    """
    fatalities = classified["fatalities"] if "fatalities" in classified else pd.Series(np.nan, index=classified.index)
    rows = [{"zone": ALL, "events": len(classified), "fatalities": float(fatalities.sum())}]
    for column in zone_columns(classified):
        inside = _members(classified[column])
        rows.append(
            {
                "zone": column.removeprefix("in_"),
                "events": int(inside.sum()),
                "fatalities": float(fatalities[inside].sum()),
            }
        )
    return pd.DataFrame(rows)


def _members(column: pd.Series):
    """A membership column as a bool mask (rows that were not classified are in no zone)."""
    return column.astype("boolean").fillna(False).to_numpy(dtype=bool)


def monthly_summary(classified: pd.DataFrame, *, by_event_type: bool = False) -> pd.DataFrame:
    """Tidy table: zone, month (YYYY-MM), [event_type], events, fatalities — one row per non-empty cell.

    Rows without a date, or dated only to a year (``date_precision``), are left out of the months
    (they stay in :func:`zone_counts`); without an ``event_type`` column the event type is empty.

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
    """
    dated = classified["event_date"].notna()
    if "date_precision" in classified:
        dated &= classified["date_precision"].astype("string").fillna("") != "year"
    dated = classified[dated]
    keys = ["month"] + (["event_type"] if by_event_type else [])
    base = pd.DataFrame(
        {
            "month": dated["event_date"].dt.strftime("%Y-%m"),
            "fatalities": dated["fatalities"].fillna(0.0),
            **(
                {"event_type": dated.get("event_type", pd.Series("", index=dated.index)).fillna("")}
                if by_event_type
                else {}
            ),  # fmt: skip
        }
    )
    tables = []
    for zone, column in [(ALL, None)] + [(c.removeprefix("in_"), c) for c in zone_columns(classified)]:
        part = base if column is None else base[_members(dated[column])]
        grouped = part.groupby(keys, sort=True).agg(events=("fatalities", "size"), fatalities=("fatalities", "sum"))
        tables.append(grouped.reset_index().assign(zone=zone))
    columns = ["zone", *keys, "events", "fatalities"]
    return pd.concat(tables, ignore_index=True)[columns].astype({"events": "int64", "fatalities": "float64"})


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
    keys = [c for c in monthly.columns if c not in ("events", "fatalities")]
    monthly = monthly.groupby(keys, sort=True, observed=True, as_index=False).sum()[monthly.columns]
    return monthly.astype({"zone": str, "events": "int64", "fatalities": "float64"})
