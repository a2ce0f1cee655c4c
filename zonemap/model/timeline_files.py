"""Users' dated contact lines read from a file, GeoDataFrame or GeoSeries: dates, names, accuracy
and each line's ``valid_until`` (read, else the next line's date; the last line's given by the user,
else stretched to the zones' end with a warning). Used by :mod:`zonemap.model.timeline`.
"""

from __future__ import annotations

import os
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError, ZonemapWarning
from . import data, zones
from .dates import ACCEPTED, _iso, day_problems, read_day, read_days
from .line_accuracy import accuracy_column, line_accuracies
from .validity import zones_end


def read_timeline(source, date_column: str, valid_until=None, accuracy_km=None) -> tuple[gpd.GeoDataFrame, str]:
    """A user's lines as a frame sorted by date (``as_of``, ``valid_until`` as ISO text) and a label for messages.

    Dates are read by :func:`zonemap.model.dates.day_problems` (days, no nanosecond range), each
    line's ``accuracy_km`` by :mod:`zonemap.model.line_accuracy` (``accuracy_km``: km for lines
    stating none); a bad value is refused naming the row.
    """
    label = str(source) if isinstance(source, (str, os.PathLike)) else "the timeline"
    frame = data.read_geometries(source, what="contact line timeline").reset_index(drop=True)
    if date_column not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise InputError(
            f"no date column {date_column!r} (columns: {columns}); name it with date_column=", source=label
        )
    geom_types = set(frame.geom_type.dropna())
    if not geom_types <= {"LineString", "MultiLineString"}:
        raise InputError(f"expected line features, got {', '.join(sorted(geom_types))}", source=label)
    days = _column_days(frame[date_column], date_column, label, required=True)
    as_of = np.array([_iso(day) for day in days], dtype=object)
    repeated = pd.Series(days).duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = (repeated.nonzero()[0] + 1).tolist()
        raise InputError(f"two lines dated {as_of[repeated][0]} (rows {rows[0]} and {rows[1]})", source=label)
    column = accuracy_column(frame.columns)
    accuracy = line_accuracies(
        None if column is None else frame[column].to_numpy(dtype=object), as_of, stated_km=accuracy_km, source=label
    )
    given = frame["valid_until"] if "valid_until" in frame.columns else pd.Series([None] * len(frame))
    until = _column_days(given, "valid_until", label, required=False)
    extra = [
        c for c in ("as_of", "accuracy_km", "valid_until", column) if c and c != date_column and c in frame.columns
    ]
    out = frame.drop(columns=extra).rename(columns={date_column: "as_of"})
    out = out.assign(as_of=as_of, accuracy_km=accuracy, row=np.arange(1, len(out) + 1), _until=until)
    if "name" not in out.columns:
        out["name"] = "contact line " + out["as_of"]
    out["name"] = out["name"].fillna("contact line " + out["as_of"]).astype(str)
    if "source" not in out.columns:
        out["source"] = label if label != "the timeline" else "user-supplied"
    if "notes" not in out.columns:
        out["notes"] = ""
    out = out.sort_values("as_of", kind="stable").reset_index(drop=True)
    out["valid_until"] = _valid_until(out, label, valid_until)
    for row in range(len(out)):  # each line on its own: one that crosses itself is refused, naming it
        try:
            zones.as_line(out.iloc[[row]].drop(columns=["row", "_until"]))
        except InputError as exc:
            raise InputError(
                f"line dated {out['as_of'].iloc[row]}: {exc.reason}", source=label, row=int(out["row"].iloc[row])
            ) from None
    columns = ["name", "as_of", "valid_until", "source", "accuracy_km", "notes"]
    out = out.drop(columns=["row", "_until"])
    return gpd.GeoDataFrame(out[columns + [c for c in out.columns if c not in columns]], crs=data.WGS84), label


def _column_days(values: pd.Series, what: str, label: str, *, required: bool) -> np.ndarray:
    """A column of dates as days (datetime64[D]; NaT where blank and not ``required``); a bad one refused."""
    days, reasons = day_problems(values.to_numpy(dtype=object))
    if required:
        reasons[np.isnat(days) & (reasons == None)] = "is missing (empty)"  # noqa: E711 (elementwise)
    bad = np.flatnonzero(reasons != None)  # noqa: E711
    if len(bad):
        row = int(bad[0])
        raise InputError(f"{what} {reasons[row]}; {ACCEPTED}", source=label, row=row + 1)
    return days


def _valid_until(frame: pd.DataFrame, label: str, last_until) -> np.ndarray:
    """Each line's ``valid_until`` (ISO text, exclusive): the file's column where given, else the next
    line's date; the last line's from the file, else ``last_until``, else the zones' end with a warning."""
    starts = read_days(frame["as_of"].to_numpy(dtype=object))
    until = frame["_until"].to_numpy(dtype="datetime64[D]").copy()
    following = np.append(starts[1:], np.datetime64("NaT", "D"))
    blank = np.isnat(until)
    until[blank] = following[blank]
    if np.isnat(until[-1]):
        if last_until is not None:
            until[-1] = read_day(last_until, what="valid_until")
        else:
            end = zones_end()
            if end is None:
                raise InputError(
                    "the last line has no valid_until: give one (valid_until=, --valid-until)", source=label
                )
            until[-1] = end
            warnings.warn(
                f"{label}: the last line (dated {frame['as_of'].iloc[-1]}) has no valid_until; it was stretched to"
                f" {_iso(end)} (the zones' end): give valid_until= (--valid-until)"
                " for the date its reports cover",
                ZonemapWarning,
                stacklevel=4,
            )
    late = (until <= starts) | (~np.isnat(following) & (until > following))
    if late.any():
        row = int(late.nonzero()[0][0])
        raise InputError(
            f"valid_until {_iso(until[row])} must be after the line's date and not after the next line's",
            source=label,
            row=int(frame["row"].iloc[row]),
        )
    return np.array([_iso(day) for day in until], dtype=object)
