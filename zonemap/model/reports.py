"""Dated control reports: which side held a place on a day, read from zonemap's CSV or an ACLED export.

A *control report* says that a place was held by the ``government`` or the ``opposition`` (or was
``contested``) on a day, or by a day when the report is vague (``date`` .. ``date_to``). The shipped
reports are ``geodata/control_reports.csv`` (built by ``geodata/build_control_reports.py`` from
dated public reports). A report is *placed* when it has coordinates; unplaced reports are kept
and counted but the estimator (:mod:`zonemap.model.evidence`) cannot use them.

A report counts from ``date_to``, the first day on which the report certainly holds (for a day
report ``date_to`` = ``date``).
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from . import data
from .uncertainty import GEO_PRECISION_KM

SIDES = ("government", "opposition", "contested")

#: How a report knows the side: it says who holds or took the place (``explicit``), the context
#: implies it (``implied``: "next target", "supply route"), or only a strike on the place by the
#: other side suggests it (``inferred_from_strike``).
SIDE_BASES = ("explicit", "implied", "inferred_from_strike")

#: The columns a user's CSV of reports must have (the others of the shipped file are optional).
REQUIRED = ("place", "lon", "lat", "date", "side")

#: Stated accuracy (km) of a report's coordinates when the file gives none.
DEFAULT_COORD_KM = 1.0

#: ACLED sub-event types that are control reports, and the side they give (``None``: from the actor).
ACLED_SUB_EVENTS = {
    "Government regains territory": "government",
    "Non-state actor overtakes territory": "opposition",
    "Non-violent transfer of territory": None,
}

#: Words of ACLED actor names that designate each side (for "Non-violent transfer of territory": actor1 takes over).
ACLED_ACTORS = {
    "government": r"military forces of syria|police forces of syria|government of syria|syrian arab army|"
    r"national defen[cs]e forces|\bndf\b|military forces of russia|military forces of iran|hezbollah|liwa al quds",
    "opposition": r"hayat tahrir|\bhts\b|free syrian army|\bfsa\b|national front for liberation|\bnfl\b|"
    r"syrian national army|military forces of turkey|opposition|rebel|jaysh|jaish|ahrar|faylaq|"
    r"military operations command|fath al mubin|islamist militia",
}


@dataclass
class Reports:
    """Control reports ready for the estimator, and what could not be used.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every report: ``report_id``, ``place``, ``key`` (the place: its folded name and position),
        ``lon``, ``lat``, ``coord_accuracy_km`` (km), ``date``, ``date_to`` (datetime64 days),
        ``side``, ``side_basis`` (one of :data:`SIDE_BASES`), ``capture`` (bool: the report says its
        side took the place that day), ``placed`` (bool), and the file's other columns.
    label : str
        Where the reports come from (a path or "the shipped reports").
    rejected : list of (row, reason)
        Rows of an ACLED export that are not control reports of a known side.
    """

    frame: pd.DataFrame
    label: str
    rejected: list = field(default_factory=list)

    @property
    def placed(self) -> pd.DataFrame:
        """The reports with coordinates: the ones the estimator uses."""
        return self.frame[self.frame["placed"]]

    @functools.cached_property
    def ordered(self) -> pd.DataFrame:
        """The placed reports sorted by place, ``date_to`` and report id, with ``code``: the place's number."""
        placed = self.placed.sort_values(["key", "date_to", "report_id"], kind="stable")
        return placed.assign(code=pd.factorize(placed["key"])[0])

    def __len__(self) -> int:
        return len(self.frame)

    def report(self) -> str:
        """One line: how many reports, placed, not placed (and rejected ACLED rows)."""
        n, placed = len(self.frame), int(self.frame["placed"].sum())
        text = f"{self.label}: {n:,} control reports, {placed:,} placed, {n - placed:,} not placed (no coordinates)"
        if self.rejected:
            text += f"; {len(self.rejected):,} rows not used ({self.rejected[0][1]}, …)"
        return text

    def merged(self, other: Reports) -> Reports:
        """These reports and ``other``'s together (ids of ``other`` prefixed with ``user:``)."""
        theirs = other.frame.assign(report_id="user:" + other.frame["report_id"].astype(str))
        return Reports(
            pd.concat([self.frame, theirs], ignore_index=True),
            f"{self.label} + {other.label}",
            self.rejected + other.rejected,
        )

    def years(self) -> pd.Series:
        """Placed reports per year (of ``date``)."""
        return self.placed["date"].dt.year.value_counts().sort_index()


def shipped_path() -> str:
    return str(data.geodata_dir() / "control_reports.csv")


def read_reports(source=None) -> Reports:
    """Control reports from a CSV (zonemap's columns) or a DataFrame; ``None``: the shipped reports.

    Required columns: ``place``, ``lon``, ``lat`` (empty for a place not placed), ``date``
    (YYYY-MM-DD), ``side`` (government, opposition or contested); optional ``date_to``,
    ``coord_accuracy_km`` (km, default 1), ``side_basis`` (explicit, implied or
    inferred_from_strike; default explicit), ``capture`` (true/false, default false: the report
    says its side took the place that day), ``report_id`` and any others. A bad row raises an
    :class:`~zonemap.errors.InputError` naming the file, the row (1 = the first data row) and the problem.

    Examples
    --------
    >>> reports = read_reports()
    >>> len(reports) > 400, sorted(set(reports.frame["side"]))
    (True, ['contested', 'government', 'opposition'])
    """
    if source is None:
        source = shipped_path()
        label = "the shipped reports"
    else:
        label = str(source) if isinstance(source, (str, os.PathLike)) else "the reports"
    if isinstance(source, pd.DataFrame):
        raw = source.astype(object).where(source.notna(), "").astype(str)
    else:
        try:
            raw = _read_csv(source)
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", source=label) from None
        except pd.errors.ParserError as exc:
            raise InputError(f"not a CSV file ({' '.join(str(exc).split())})", source=label) from None
        except pd.errors.EmptyDataError:
            raise InputError("the file is empty", source=label) from None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (a control report needs {', '.join(REQUIRED)})", source=label
        )
    return Reports(_checked(raw.reset_index(drop=True), label), label)


def _read_csv(source) -> pd.DataFrame:
    """Every field as text; a row with more fields than the header is refused (pandas would shift it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False)
        except pd.errors.ParserWarning:
            raise pd.errors.ParserError("a row has more fields than the header") from None


def _checked(raw: pd.DataFrame, label: str, rows=None) -> pd.DataFrame:
    """Parse and check every row (vectorised); the first bad row raises a one-line InputError.

    ``rows``: the row number (1 = first data row) of each row in the file it came from, for messages.
    """
    frame = raw.copy()
    rows = np.arange(1, len(raw) + 1) if rows is None else np.asarray(rows)

    def fail(mask, reason):
        bad = np.flatnonzero(np.asarray(mask))
        if len(bad):
            row = int(bad[0])
            raise InputError(reason(row), source=label, row=int(rows[row]))

    text = {c: frame[c].astype(str).str.strip() for c in ("place", "lon", "lat", "date", "side")}
    fail(text["place"] == "", lambda r: "no place name")
    side = text["side"].str.lower()
    fail(~side.isin(SIDES), lambda r: f"side {raw['side'].iloc[r]!r} is not one of {', '.join(SIDES)}")
    lon, lat = (pd.to_numeric(text[c], errors="coerce") for c in ("lon", "lat"))
    fail((text["lon"] != "") & lon.isna(), lambda r: f"lon {raw['lon'].iloc[r]!r} is not a number")
    fail((text["lat"] != "") & lat.isna(), lambda r: f"lat {raw['lat'].iloc[r]!r} is not a number")
    fail(lon.isna() != lat.isna(), lambda r: "lon and lat must both be given or both be empty")
    fail((lon.abs() > 180) | (lat.abs() > 90), lambda r: f"lon/lat {lon[r]}, {lat[r]} out of range")
    date = _days(text["date"])
    fail(date.isna(), lambda r: f"date {raw['date'].iloc[r]!r} is not a day (YYYY-MM-DD)")
    to_text = frame["date_to"].astype(str).str.strip() if "date_to" in frame else pd.Series("", index=frame.index)
    date_to = _days(to_text.where(to_text != "", text["date"]))
    fail(date_to.isna(), lambda r: f"date_to {raw['date_to'].iloc[r]!r} is not a day (YYYY-MM-DD)")
    fail(date_to < date, lambda r: f"date_to {date_to[r]:%Y-%m-%d} is before date {date[r]:%Y-%m-%d}")
    acc_text = frame.get("coord_accuracy_km", pd.Series("", index=frame.index)).astype(str).str.strip()
    accuracy = pd.to_numeric(acc_text.where(acc_text != "", str(DEFAULT_COORD_KM)), errors="coerce")
    fail(~(accuracy >= 0), lambda r: f"coord_accuracy_km {acc_text[r]!r} is not a number of km ≥ 0")
    basis_text = frame.get("side_basis", pd.Series("", index=frame.index)).astype(str).str.strip().str.lower()
    basis = basis_text.where(basis_text != "", "explicit")
    fail(
        ~basis.isin(SIDE_BASES),
        lambda r: f"side_basis {raw['side_basis'].iloc[r]!r} is not one of {', '.join(SIDE_BASES)}",
    )
    capture_text = frame.get("capture", pd.Series("", index=frame.index)).astype(str).str.strip().str.lower()
    fail(
        ~capture_text.isin(["", "true", "false"]),
        lambda r: f"capture {raw['capture'].iloc[r]!r} is not true or false",
    )
    if "report_id" not in frame or (frame["report_id"].astype(str).str.strip() == "").any():
        frame["report_id"] = [f"row {i + 1}" for i in range(len(frame))]
    frame = frame.assign(
        place=text["place"],
        lon=lon,
        lat=lat,
        side=side,
        date=date,
        date_to=date_to,
        coord_accuracy_km=accuracy.astype(float),
        side_basis=basis,
        capture=(capture_text == "true").to_numpy(),
        placed=lon.notna().to_numpy(),
    )
    frame["key"] = _place_keys(frame)
    return frame


def _days(values: pd.Series) -> pd.Series:
    ok = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(values.where(ok), format="%Y-%m-%d", errors="coerce")


def _place_keys(frame: pd.DataFrame) -> np.ndarray:
    """A place is its folded name and its position to 0.01° (~1 km): two reports of one place share a key."""
    names = np.array([data.fold_name(re.sub(r"\(.*?\)", "", p)) for p in frame["place"]], dtype=object)
    return np.array([f"{n}@{x:.2f},{y:.2f}" for n, x, y in zip(names, frame["lon"], frame["lat"])], dtype=object)


def read_acled(path) -> Reports:
    """Control reports from an ACLED export: its territory events, dated, placed, with a side.

    "Government regains territory" gives ``government``; "Non-state actor overtakes territory"
    ``opposition``; "Non-violent transfer of territory" the side of ``actor1`` (the actor taking
    over, read from its name: :data:`ACLED_ACTORS`). Other rows, and transfers whose actor names
    no side, are counted in ``rejected`` with the reason. Accuracy: ``geo_precision`` via
    :data:`zonemap.model.uncertainty.GEO_PRECISION_KM`.

    Examples
    --------
    >>> import io
    >>> text = ("event_id_cnty,event_date,sub_event_type,actor1,actor2,location,longitude,latitude,geo_precision\\n"
    ...         "SYR1,2019-08-21,Government regains territory,Military Forces of Syria (2000-),,Khan Shaykhun,"
    ...         "36.6381,35.4417,1\\n")
    >>> r = read_acled(io.StringIO(text))
    >>> r.frame[["place", "side", "coord_accuracy_km"]].values.tolist()
    [['Khan Shaykhun', 'government', 2.0]]
    """
    label = str(path) if isinstance(path, (str, os.PathLike)) else "the ACLED export"
    try:
        raw = _read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"not a readable CSV ({' '.join(str(exc).split()) or type(exc).__name__})", source=label
        ) from None
    needed = ["event_date", "sub_event_type", "actor1", "longitude", "latitude"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise InputError(f"missing ACLED column(s) {', '.join(missing)}", source=label)
    sub = raw["sub_event_type"].str.strip()
    side = sub.map(ACLED_SUB_EVENTS)
    actor = raw["actor1"].str.lower()
    by_actor = np.select(
        [actor.str.contains(ACLED_ACTORS["government"]), actor.str.contains(ACLED_ACTORS["opposition"])],
        ["government", "opposition"],
        "",
    )
    transfer = sub == "Non-violent transfer of territory"
    side = side.where(~transfer, pd.Series(by_actor, index=raw.index).replace("", np.nan))
    rejected = [
        (i + 1, f"sub_event_type {s!r} is not a territory event")
        for i, s in enumerate(sub)
        if s not in ACLED_SUB_EVENTS
    ]
    rejected += [
        (i + 1, f"actor1 {raw['actor1'].iloc[i]!r} names no side")
        for i in np.flatnonzero((transfer & side.isna()).to_numpy())
    ]
    used = side.notna().to_numpy()
    rows = raw[used]
    precision = pd.to_numeric(rows.get("geo_precision", pd.Series("", index=rows.index)), errors="coerce")
    frame = pd.DataFrame(
        {
            "report_id": rows.get("event_id_cnty", pd.Series((np.flatnonzero(used) + 1).astype(str), index=rows.index)),
            "place": rows.get("location", rows["event_date"]).astype(str),
            "lon": rows["longitude"],
            "lat": rows["latitude"],
            "coord_accuracy_km": precision.map(GEO_PRECISION_KM).fillna(GEO_PRECISION_KM[3]).astype(str),
            "date": pd.to_datetime(rows["event_date"], format="mixed", errors="coerce").dt.strftime("%Y-%m-%d"),
            "side": side[used],
            "capture": "true",  # every territory event is a change of hands
            "outlet": "ACLED",
            "evidence": rows["sub_event_type"],
            "notes": rows.get("notes", ""),
        }
    )
    frame["date"] = frame["date"].fillna(rows["event_date"])
    reports = Reports(_checked(frame.reset_index(drop=True), label, np.flatnonzero(used) + 1), label, sorted(rejected))
    return reports


def load_evidence(reports=None, acled=None, *, with_shipped: bool = False) -> Reports:
    """The reports a run uses: a user's CSV (``reports``) or ACLED export (``acled``), with or instead of
    the shipped ones; the shipped ones alone when neither is given."""
    if reports is None and acled is None:
        return read_reports()
    given = read_acled(acled) if acled is not None else read_reports(reports)
    return read_reports().merged(given) if with_shipped else given
