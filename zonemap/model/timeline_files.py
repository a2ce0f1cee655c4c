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
from .dates import _day
from .validity import zones_end


def read_timeline(source, date_column: str, valid_until=None) -> tuple[gpd.GeoDataFrame, str]:
    """A user's lines as a frame sorted by date (``as_of``, ``valid_until`` as ISO text) and a label for messages."""
    label = str(source) if isinstance(source, (str, os.PathLike)) else "the timeline"
    frame = data.read_geometries(source, what="contact line timeline")
    if date_column not in frame.columns:
        columns = ", ".join(c for c in frame.columns if c != frame.geometry.name) or "none"
        raise InputError(
            f"no date column {date_column!r} (columns: {columns}); name it with date_column=", source=label
        )
    geom_types = set(frame.geom_type.dropna())
    if not geom_types <= {"LineString", "MultiLineString"}:
        raise InputError(f"expected line features, got {', '.join(sorted(geom_types))}", source=label)
    raw = frame[date_column]
    parsed = pd.to_datetime(raw.astype(str).where(raw.notna(), None), errors="coerce", format="mixed")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    bad = parsed.isna().to_numpy()
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise InputError(f"{date_column} {raw.iloc[row]!r} is not a date", source=label, row=row + 1)
    days = parsed.dt.normalize()
    repeated = days.duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = (repeated.nonzero()[0] + 1).tolist()
        when = f"{days[repeated].iloc[0]:%Y-%m-%d}"
        raise InputError(f"two lines dated {when} (rows {rows[0]} and {rows[1]})", source=label)
    out = frame.drop(columns=[c for c in ("as_of",) if c != date_column and c in frame.columns])
    out = out.rename(columns={date_column: "as_of"}).assign(as_of=days.dt.strftime("%Y-%m-%d"))
    if "name" not in out.columns:
        out["name"] = "contact line " + out["as_of"]
    out["name"] = out["name"].fillna("contact line " + out["as_of"]).astype(str)
    if "source" not in out.columns:
        out["source"] = label if label != "the timeline" else "user-supplied"
    if "accuracy_km" not in out.columns:
        out["accuracy_km"] = np.nan
    out["accuracy_km"] = pd.to_numeric(out["accuracy_km"], errors="coerce")
    if "notes" not in out.columns:
        out["notes"] = ""
    out = out.sort_values("as_of", kind="stable").reset_index(drop=True)
    out["valid_until"] = _valid_until(out, label, valid_until)
    for row in range(len(out)):  # each line on its own: one that crosses itself is refused, naming it
        try:
            zones.as_line(out.iloc[[row]])
        except InputError as exc:
            raise InputError(f"line dated {out['as_of'].iloc[row]}: {exc.reason}", source=label) from None
    columns = ["name", "as_of", "valid_until", "source", "accuracy_km", "notes"]
    return gpd.GeoDataFrame(out[columns + [c for c in out.columns if c not in columns]], crs=data.WGS84), label


def _valid_until(frame: pd.DataFrame, label: str, last_until) -> pd.Series:
    """Each line's ``valid_until`` (ISO text, exclusive): the file's column where given, else the next
    line's date; the last line's from the file, else ``last_until``, else the zones' end with a warning."""
    starts = pd.to_datetime(frame["as_of"])
    given = frame["valid_until"] if "valid_until" in frame.columns else pd.Series([None] * len(frame))
    parsed = pd.to_datetime(given.astype(str).where(given.notna(), None), errors="coerce", format="mixed")
    bad = (given.notna() & (given.astype(str).str.strip() != "") & parsed.isna()).to_numpy()
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise InputError(f"valid_until {given.iloc[row]!r} is not a date", source=label, row=row + 1)
    until = parsed.dt.normalize().where(parsed.notna(), starts.shift(-1))
    if pd.isna(until.iloc[-1]):
        if last_until is not None:
            until.iloc[-1] = pd.Timestamp(_day(last_until, what="valid_until"))
        else:
            end = zones_end()
            if end is None:
                raise InputError(
                    "the last line has no valid_until: give one (valid_until=, --valid-until)", source=label
                )
            until.iloc[-1] = pd.Timestamp(end)
            warnings.warn(
                f"{label}: the last line (dated {frame['as_of'].iloc[-1]}) has no valid_until; it was stretched to"
                f" {until.iloc[-1]:%Y-%m-%d} (the zones' end): give valid_until= (--valid-until)"
                " for the date its reports cover",
                ZonemapWarning,
                stacklevel=4,
            )
    late = (until <= starts).to_numpy() | (until > starts.shift(-1)).to_numpy()
    if late.any():
        row = int(late.nonzero()[0][0])
        raise InputError(
            f"valid_until {until.iloc[row]:%Y-%m-%d} must be after the line's date and not after the next line's",
            source=label,
            row=row + 1,
        )
    return until.dt.strftime("%Y-%m-%d")
