"""The zones as of a date: dated contact lines of the Idlib pocket and the zones' validity dates.

A *timeline* is a set of contact lines, each dated (``as_of``) and holding up to, not including,
its ``valid_until`` (the next line's date, or the day after the last date reports show the front
unchanged). The line in force on a date is the latest one dated on or before it, if the date is
before its ``valid_until``; otherwise there is none: before the first line, in a gap between two
lines (e.g. 27 Nov 2024, the day the front broke) and after the last (the zones ended on
8 Dec 2024). Then the answer is "unknown" (an error for one date, index ``-1`` in
:func:`line_index`, and :meth:`Timeline.why_no_line` says why), never the last line stretched.

For each dated line the model builds, once, a
:class:`ZonesAsOf`: the line with its stated accuracy (km), the opposition-held and
government-held parts of the Idlib de-escalation area, the Sochi DMZ (drawn on the line of
17 Sep 2018, the line of the memorandum) and the part of it still opposition-held.

Zones have validity dates (``geodata/zone_validity.json``, each with the reports that set them):
a zone is in force from ``valid_from`` (inclusive) up to, not including, ``valid_to``. See
:func:`zones_in_force` and :func:`in_force` (vectorised over event dates).

Shipped timelines: the default, ``"evidence"``, is ``geodata/evidence_timeline.geojson``: a line
for every day the dated control reports of ``geodata/control_reports.csv`` change the front,
estimated by :mod:`zonemap.model.evidence` (``geodata/build_evidence_timeline.py``), each with its
accuracy per stretch (the ``accuracy_km`` of each vertex in ``vertices``). The hand-digitised
lines, ``"hand"`` (``geodata/contact_line_timeline.geojson``, built by ``geodata/build_timeline.py``
from dated reports cited per vertex), stay as a cross-check: :func:`hand_timeline`, or
``source="hand"`` wherever a function takes a ``source``. Bring your own: a file, GeoDataFrame or
GeoSeries of line features with a date column (``as_of`` by default).
"""

from __future__ import annotations

import functools
import json
import os
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError, InputError
from ..geodesy.area import geodesic_area_km2
from . import data, zones
from .dates import _iso, line_index_of, no_line_reason, read_day, read_days
from .timeline_files import read_timeline as _read_timeline
from .validity import in_force, validity, validity_key, zones_end, zones_in_force  # noqa: F401 (zonemap.timeline's API)

#: The shipped timelines by the key that names them (``source="evidence"`` / ``"hand"``): their
#: ``geodata/<layer>.geojson`` and how messages name them. The first is the default (``source=None``).
SHIPPED_TIMELINES = {
    "evidence": ("evidence_timeline", "the evidence timeline"),
    "hand": ("contact_line_timeline", "the hand-digitised timeline"),
}

#: The default timeline's layer, ``geodata/<name>.geojson``.
TIMELINE_LAYER = SHIPPED_TIMELINES["evidence"][0]

#: The hand-digitised timeline's layer (the cross-check), ``geodata/<name>.geojson``.
HAND_TIMELINE_LAYER = SHIPPED_TIMELINES["hand"][0]

#: The Sochi memorandum's date: its DMZ is drawn on the line in force that day.
SOCHI_DATE = "2018-09-17"


# --------------------------------------------------------------------------- the state on a line
@dataclass(frozen=True, eq=False)
class ZonesAsOf:
    """The zones as of one dated contact line, with their error: built once per line (cached).

    It holds from ``as_of`` up to, not including, ``until`` (its ``valid_until``: the next line's
    date, or the day after the last date reports show the front unchanged). Geometries are lon/lat
    (EPSG:4326); areas are geodesic km².

    Attributes
    ----------
    index : int
        Position of the line in its timeline (0 = earliest).
    as_of, until : str
        ISO dates of the period the line stands for (``until`` exclusive).
    line : zonemap.model.zones.Feature
        The contact line with its name, source and ``accuracy_km``.
    accuracy_km : float
        The line's stated positional accuracy (km): points nearer to the line than this may be
        on either side.
    opposition : shapely.Geometry
        The opposition-held part of the Idlib de-escalation area (the face holding Idlib city).
    government : shapely.Geometry
        The rest of the Idlib area: held by the government at ``as_of``.

    Examples
    --------
    >>> state = zones_as_of("2019-12-01")  # the evidence line in force that day
    >>> state.as_of, state.until, state.accuracy_km
    ('2019-12-01', '2019-12-03', 26.9)
    >>> state.opposition.contains(data.place("Idlib"))
    True
    >>> zones_as_of("2019-12-01", "hand").as_of  # the hand-digitised cross-check
    '2019-08-31'
    """

    index: int
    as_of: str
    until: str
    line: zones.Feature
    area: zones.Feature
    opposition: shapely.Geometry
    government: shapely.Geometry
    dmz_line: zones.Feature = field(repr=False)
    #: Stated accuracy (km) at each vertex of the line (None: ``accuracy_km`` all along).
    vertex_accuracy_km: np.ndarray | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def accuracy_km(self) -> float:
        return self.line.accuracy_km

    @property
    def stretch_accuracy_km(self):
        """The accuracy (km) along the line: one per vertex where the line gives them, else ``accuracy_km``."""
        return self.accuracy_km if self.vertex_accuracy_km is None else self.vertex_accuracy_km

    @functools.cached_property
    def opposition_km2(self) -> float:
        """Geodesic area (km²) of the opposition-held part of the Idlib area at ``as_of``."""
        return float(geodesic_area_km2(self.opposition))

    @functools.cached_property
    def government_km2(self) -> float:
        """Geodesic area (km²) of the Idlib area held by the government at ``as_of``."""
        return float(geodesic_area_km2(self.government))

    def dmz(self, width_km: float = zones.SOCHI_WIDTH_KM[1]) -> shapely.Geometry:
        """The Sochi DMZ band out to ``width_km`` (km) from the 2018 line (lon/lat), built once per width."""
        key = ("dmz", float(width_km))
        if key not in self._cache:
            self._cache[key] = zones.dmz_geometry(_as_frame(self.dmz_line), width_km, area=_as_frame(self.area))
        return self._cache[key]

    def dmz_opposition(self, width_km: float = zones.SOCHI_WIDTH_KM[1]) -> shapely.Geometry:
        """The part of the ``width_km`` DMZ still opposition-held at ``as_of`` (lon/lat)."""
        key = ("dmz_opposition", float(width_km))
        if key not in self._cache:
            self._cache[key] = _clean(shapely.intersection(self.dmz(width_km), self.opposition))
        return self._cache[key]

    def side(self, lon, lat) -> np.ndarray:
        """``opposition`` / ``government`` / ``outside`` (the Idlib area) for points in lon/lat, vectorised.

        Examples
        --------
        >>> zones_as_of("2019-08-31", "hand").side([36.651, 36.634], [35.442, 35.931]).tolist()
        ['government', 'opposition']
        """
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        held = shapely.contains_xy(_prepared(self.opposition), lon, lat)
        inside = shapely.contains_xy(_prepared(self.area.geometry), lon, lat)
        return np.where(held, "opposition", np.where(inside, "government", "outside"))

    @property
    def zones_in_force(self) -> tuple[str, ...]:
        """The zones in force on ``as_of`` (validity keys); validity can change within a period."""
        return zones_in_force(self.as_of)


def _prepared(geometry: shapely.Geometry) -> shapely.Geometry:
    shapely.prepare(geometry)
    return geometry


def _clean(geometry: shapely.Geometry) -> shapely.Geometry:
    return geometry if geometry.is_valid else shapely.make_valid(geometry, method="structure")


def _as_frame(feature: zones.Feature) -> gpd.GeoDataFrame:
    """A one-row frame carrying the feature's provenance, so zonemap's messages name it."""
    row = {"name": feature.name, "as_of": feature.as_of, "source": feature.source, "accuracy_km": feature.accuracy_km}
    return gpd.GeoDataFrame([row], geometry=[feature.geometry], crs=data.WGS84)


# --------------------------------------------------------------------------- the timeline
class Timeline:
    """Dated contact lines (sorted by date) and their states, each built on first use and kept.

    Use :func:`load_timeline` to get one; the module functions use the shipped timeline (or
    the ``source`` they are given).

    Examples
    --------
    >>> tl = load_timeline()
    >>> tl.label, tl.as_of[0], len(tl)
    ('the evidence timeline', '2017-12-13', 118)
    >>> tl.why_no_line("2017-12-12")
    'before the first dated line (2017-12-13)'
    >>> hand = load_timeline("hand")
    >>> hand.line_index(["2018-09-16", "2018-09-17", "2020-03-06", "2024-11-27", "2025-01-01"]).tolist()
    [-1, 0, 5, -1, -1]
    >>> hand.why_no_line("2024-11-27")
    'no line between 2024-11-27 and 2024-11-28 (the line of 2020-03-05 holds until 2024-11-26)'
    """

    def __init__(self, frame: gpd.GeoDataFrame, *, area=None, label: str = "the shipped timeline"):
        self.frame = frame.reset_index(drop=True)
        self.label = label
        self.dates = read_days(self.frame["as_of"].to_numpy(dtype=object), what="as_of")  # days: no wrap-around
        self.as_of = [_iso(d) for d in self.dates]
        #: First day each line no longer stands for (exclusive), datetime64[D].
        self.until = read_days(self.frame["valid_until"].to_numpy(dtype=object), what="valid_until")
        self.valid_until = [_iso(d) for d in self.until]
        self._area = zones.as_area(area)
        self._states: dict[int, ZonesAsOf] = {}
        self._features: dict[int, zones.Feature] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def line_index(self, dates) -> np.ndarray:
        """Index of the line in force on each date (int64); ``-1`` before the first line, after a
        line's ``valid_until`` with no next line yet (a gap, or after the last) and for NaT."""
        days = read_days(dates)
        index = line_index_of(self.dates, self.until, days)
        end = zones_end()
        if end is not None:
            index[days >= end] = -1  # from the zones' end, whatever a line says
        return index

    def why_no_line(self, date) -> str | None:
        """Why no line is in force on ``date`` (one line of text), or None when one is."""
        end = zones_end()
        return no_line_reason(
            read_day(date, what="as_of"), self.dates, self.until, np.datetime64("NaT", "D") if end is None else end
        )

    def index_of(self, date) -> int:
        """Index of the line in force on one ``date``; an :class:`ArgumentError` when none is (saying why)."""
        day = read_day(date, what="as_of")
        why = self.why_no_line(day)
        if why is not None:
            raise ArgumentError(f"no contact line in force on {_iso(day)} in {self.label}: {why}")
        return int(np.searchsorted(self.dates, day, side="right")) - 1

    def state(self, index: int) -> ZonesAsOf:
        """The :class:`ZonesAsOf` of line ``index``, built on first use."""
        if not -len(self) <= index < len(self):
            raise ArgumentError(f"line index {index} out of range (the timeline has {len(self)} lines)")
        index %= len(self)
        if index not in self._states:
            self._states[index] = self._build(index)
        return self._states[index]

    def states(self) -> list[ZonesAsOf]:
        """Every line's state, in date order."""
        return [self.state(i) for i in range(len(self))]

    def vertex_accuracy_km(self, index: int) -> np.ndarray | None:
        """Stated accuracy (km) at each vertex of line ``index`` (its ``vertices``' ``accuracy_km``), or
        None when the line gives none per vertex (then its one ``accuracy_km`` holds all along).

        Examples
        --------
        >>> load_timeline().vertex_accuracy_km(1).tolist()
        [8.2, 8.8, 62.8]
        >>> hand_timeline().vertex_accuracy_km(1)[:6].tolist()
        [5.0, 5.0, 5.0, 6.0, 7.0, 7.0]
        """
        if "vertices" not in self.frame.columns:
            return None
        vertices = self.frame["vertices"].iloc[index]  # JSON text, or a list where GDAL parsed the JSON array
        vertices = json.loads(vertices) if isinstance(vertices, str) else vertices
        if not isinstance(vertices, list | tuple | np.ndarray) or not all(isinstance(v, dict) for v in vertices):
            return None
        values = np.array([v.get("accuracy_km", np.nan) for v in vertices], dtype=float)
        if (
            len(values) != len(shapely.get_coordinates(self.frame.geometry.iloc[index]))
            or not np.isfinite(values).all()
        ):
            return None
        return values

    def vertex_accuracy_km_of(self, geometry: shapely.Geometry) -> np.ndarray | None:
        """Per-vertex accuracy (km) of this timeline's line whose geometry is exactly ``geometry`` (or None)."""
        same = np.flatnonzero(shapely.equals_exact(self.frame.geometry.to_numpy(), geometry, 0))
        return self.vertex_accuracy_km(int(same[0])) if len(same) else None

    def _feature(self, index: int) -> zones.Feature:
        if index not in self._features:
            self._features[index] = zones.as_line(self.frame.iloc[[index]])
        return self._features[index]

    def _build(self, index: int) -> ZonesAsOf:
        line = self._feature(index)
        try:
            opposition = zones.opposition_side(_as_frame(line), _as_frame(self._area))
        except InputError as exc:
            raise InputError(f"line dated {self.as_of[index]}: {exc}") from None
        government = _clean(shapely.difference(self._area.geometry, opposition))
        return ZonesAsOf(
            index=index,
            as_of=self.as_of[index],
            until=self.valid_until[index],
            line=line,
            area=self._area,
            opposition=opposition,
            government=government,
            dmz_line=self._dmz_line(),
            vertex_accuracy_km=self.vertex_accuracy_km(index),
        )

    def _dmz_line(self) -> zones.Feature:
        """The line the Sochi DMZ is drawn on: this timeline's line of 17 Sep 2018, else the shipped 2018 line
        (the evidence timeline has no line of that day: its DMZ is the Sochi DMZ all the same)."""
        index = int(np.searchsorted(self.dates, read_day(SOCHI_DATE), side="right")) - 1
        if index >= 0 and self.as_of[index] == SOCHI_DATE:
            return self._feature(index)
        return zones.as_line("2018")


@functools.cache
def _shipped(key: str = "evidence") -> Timeline:
    layer, label = SHIPPED_TIMELINES[key]
    frame = gpd.read_file(data.geodata_dir() / f"{layer}.geojson")
    for column in ("as_of", "valid_until"):
        frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    return Timeline(frame.sort_values("as_of").reset_index(drop=True), label=label)


def shipped_key(source) -> str | None:
    """The key of the shipped timeline ``source`` names (None: the default, ``"evidence"``), else None.

    Examples
    --------
    >>> shipped_key(None), shipped_key("hand"), shipped_key("my_lines.geojson")
    ('evidence', 'hand', None)
    """
    if source is None:
        return "evidence"
    return source if isinstance(source, str) and source in SHIPPED_TIMELINES else None


def hand_timeline() -> Timeline:
    """The hand-digitised timeline (``geodata/contact_line_timeline.geojson``), the default's cross-check.

    The same as ``load_timeline("hand")``; any function taking a ``source`` takes ``"hand"``.

    Examples
    --------
    >>> tl = hand_timeline()
    >>> len(tl), tl.as_of[:3]
    (9, ['2018-09-17', '2019-05-10', '2019-08-31'])
    >>> zones_as_of("2019-12-01", "hand").as_of
    '2019-08-31'
    """
    return _shipped("hand")


@functools.lru_cache(maxsize=8)
def _from_file(path: str, mtime_ns: int, date_column: str, valid_until, accuracy_km) -> Timeline:
    frame, label = _read_timeline(path, date_column, valid_until, accuracy_km)
    return Timeline(frame, label=label)


def load_timeline(source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> Timeline:
    """A :class:`Timeline`: the shipped evidence timeline (``source=None`` or ``"evidence"``), the
    hand-digitised one (``"hand"``, :func:`hand_timeline`), or a user's file, GeoDataFrame or GeoSeries
    (or a :class:`Timeline`, returned as it is). The keys win over a file of the same name in the
    working folder: write ``./hand`` for that file.

    A user's timeline is line features with a date column (``date_column``, ``as_of`` by
    default; read by :func:`zonemap.model.dates.read_day`: an ISO day or a day spelled out, a
    time of day is dropped, the local day kept); one feature is a timeline of one line. Each
    line states its ``accuracy_km`` (km, 95 %; a shapefile's ``accuracy_k``): a missing one is
    refused unless ``accuracy_km`` (km) is given here for every line that states none; an
    unreadable one is refused (:mod:`zonemap.model.line_accuracy`). Optional columns ``name``,
    ``source``, ``notes`` and ``valid_until`` (the first day a line no longer stands for; blank:
    the next line's date). A last line without ``valid_until`` stands until ``valid_until`` (a
    date) if given, else until the zones' end (8 Dec 2024) with a
    :class:`~zonemap.errors.ZonemapWarning` saying it was stretched and to when. Timelines read
    from files are cached (per path and modification time); one
    made from a frame is not, so keep the returned object and ask it (its states are built
    once each).

    Examples
    --------
    >>> load_timeline().as_of[-1], load_timeline().valid_until[-1]
    ('2024-12-06', '2024-12-08')
    >>> load_timeline("hand").as_of[-1], load_timeline("hand").valid_until[-1]
    ('2024-12-01', '2024-12-03')
    """
    key = shipped_key(source)
    if key is not None:
        return _shipped(key)
    if isinstance(source, Timeline):  # already read (with its accuracies): the same lines, the same states
        return source
    if valid_until is not None:
        valid_until = _iso(read_day(valid_until, what="valid_until"))
    if isinstance(source, (str, os.PathLike)) and Path(source).is_file():
        path = Path(source).resolve()
        return _from_file(str(path), path.stat().st_mtime_ns, date_column, valid_until, accuracy_km)
    if isinstance(source, gpd.GeoSeries):
        if source.index.dtype.kind != "M":
            raise InputError("a GeoSeries timeline needs its dates as the index (or pass a GeoDataFrame)")
        source = gpd.GeoDataFrame({date_column: source.index}, geometry=source.to_numpy(), crs=source.crs)
    frame, label = _read_timeline(source, date_column, valid_until, accuracy_km)
    return Timeline(frame, label=label)


# --------------------------------------------------------------------------- public functions
def timeline(source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> gpd.GeoDataFrame:
    """The dated contact lines as a GeoDataFrame in EPSG:4326, sorted by ``as_of`` (ISO date text).

    Columns: ``name``, ``as_of``, ``valid_until`` (exclusive), ``source``, ``accuracy_km`` (km),
    ``notes`` (and, for the shipped timeline, ``until_source``: the reports that show how long the
    line held, and ``vertices``: what each vertex marks, its ``accuracy_km`` and the reports behind
    it, as JSON).

    Examples
    --------
    >>> timeline()["as_of"].tolist()[:2], len(timeline())
    (['2017-12-13', '2017-12-26'], 118)
    >>> timeline("hand")["as_of"].tolist()[-4:], timeline("hand")["valid_until"].iloc[-4]
    (['2020-03-05', '2024-11-28', '2024-11-30', '2024-12-01'], '2024-11-27')
    """
    return load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km).frame.copy()


def zones_as_of(date, source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> ZonesAsOf:
    """The :class:`ZonesAsOf` of the line in force on ``date`` (built once per line, then cached).

    ``date`` is read by :func:`zonemap.model.dates.read_day` (an ISO day or a day spelled out; far
    dates do not wrap); ``accuracy_km`` (km) is that of ``source``'s lines that state none.

    Examples
    --------
    >>> zones_as_of("2020-02-20").line.name
    'Contact line from evidence, 2020-02-20'
    >>> zones_as_of("2020-02-20", "hand").line.name
    'Contact line, 17 February 2020 (after Saraqib, the M5 and western Aleppo)'
    >>> zones_as_of("2025-06-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zonemap.errors.ArgumentError: no contact line in force on 2025-06-01 ...: after the zones ended on 2024-12-08
    """
    tl = load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    return tl.state(tl.index_of(date))


def line_as_of(date, source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> zones.Feature:
    """The contact line in force on ``date``: the latest one dated on or before it.

    Before the first line an :class:`~zonemap.errors.ArgumentError` says when the timeline starts;
    ``date`` and ``accuracy_km`` are read as by :func:`zones_as_of`.

    Examples
    --------
    >>> line_as_of("2019-09-01").as_of, line_as_of("2019-09-01", "hand").as_of
    ('2019-08-30', '2019-08-31')
    >>> line_as_of("2017-12-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zonemap.errors.ArgumentError: no contact line in force on 2017-12-01 ...: before the first dated line (2017-12-13)
    """
    tl = load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    return tl._feature(tl.index_of(date))


def line_index(dates, source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> np.ndarray:
    """For each date, the index (int64) of the line in force: ``-1`` where none is (before the first line,
    between a line's ``valid_until`` and the next line, after the last) and for NaT.

    ``dates`` is anything array-like of dates (datetime64, Timestamps, ISO text); vectorised
    with :func:`numpy.searchsorted`.

    Examples
    --------
    >>> line_index(np.array(["2017-12-12", "2017-12-13", "2017-12-26", "NaT"], dtype="datetime64[D]")).tolist()
    [-1, 0, 1, -1]
    >>> line_index(np.array(["2018-09-16", "2019-08-31", "NaT"], dtype="datetime64[D]"), "hand").tolist()
    [-1, 2, -1]
    """
    return load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km).line_index(
        dates
    )


def line_periods(source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None) -> pd.DataFrame:
    """The period each dated line stands for: ``index``, ``as_of``, ``until`` (its ``valid_until``,
    exclusive), ``name``.

    ``until`` is the next line's date or the day after the last date reports show the front
    unchanged; days in no period have no line (:meth:`Timeline.why_no_line`). A summary by line
    period groups events by :func:`line_index`.

    Examples
    --------
    >>> line_periods()[["as_of", "until"]].iloc[0].tolist()
    ['2017-12-13', '2017-12-26']
    >>> line_periods("hand")[["as_of", "until"]].iloc[0].tolist()
    ['2018-09-17', '2019-05-10']
    """
    tl = load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    return pd.DataFrame(
        {
            "index": np.arange(len(tl)),
            "as_of": tl.as_of,
            "until": tl.valid_until,
            "name": tl.frame["name"].tolist(),
        }
    )


def taken_between(
    start, end, source=None, *, date_column: str = "as_of", valid_until=None, accuracy_km=None
) -> shapely.Geometry:
    """The part of the Idlib area opposition-held as of ``start`` and government-held as of ``end`` (lon/lat).

    Each date is judged by the line in force on it (so the answer is "taken between the line
    of ``start`` and the line of ``end``"); its geodesic area is
    ``zonemap.model.areas.geodesic_area_km2(taken_between(a, b))``.

    Examples
    --------
    >>> taken = taken_between("2018-09-17", "2020-03-05", "hand")
    >>> table = timeline_table("hand")
    >>> held = table["opposition_km2"]
    >>> bool(abs(geodesic_area_km2(taken) - (held.iloc[0] - held.iloc[5])) < 1.0)  # row 5: the line of 5 Mar 2020
    True
    """
    tl = load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    before, after = tl.state(tl.index_of(start)), tl.state(tl.index_of(end))
    if after.index < before.index:
        raise ArgumentError(f"end {end!r} is before start {start!r}")
    return _clean(shapely.difference(before.opposition, after.opposition))


# --------------------------------------------------------------------------- the table
def _places_sides(state: ZonesAsOf, places: gpd.GeoDataFrame) -> np.ndarray:
    xy = shapely.get_coordinates(places.geometry.to_numpy())
    return state.side(xy[:, 0], xy[:, 1])


def timeline_table(
    source=None,
    *,
    date_column: str = "as_of",
    valid_until=None,
    accuracy_km=None,
    dmz_width_km: float = zones.SOCHI_WIDTH_KM[1],
    ranges: bool = False,
) -> pd.DataFrame:
    """One row per dated line: what was held then and what changed since the previous line.

    Columns: ``as_of``, ``valid_until`` (exclusive), ``name``, ``accuracy_km`` (km); ``opposition_km2`` (opposition-held
    part of the Idlib de-escalation area), ``government_km2`` (the rest: held by the
    government at ``as_of``), ``dmz_opposition_km2`` (the part of the ``dmz_width_km`` DMZ of
    17 Sep 2018 still opposition-held), ``taken_since_previous_km2`` (opposition-held at the
    previous line, government-held at this one), ``regained_since_previous_km2`` (the
    reverse), all geodesic km²; ``to_government`` and ``to_opposition``: gazetteer towns
    (``geodata/places.geojson``, observation posts left out) that changed side.

    ``ranges=True`` adds ``<area>_low`` and ``<area>_high`` (km²) for the three areas that rest
    on lines: the least and greatest area when each line involved is moved by its stated accuracy
    toward either side, each stretch by its own (the vertices' ``accuracy_km``, interpolated along
    it; :func:`zonemap.model.scenarios.area_ranges_km2`; a bound, not an interval), and
    ``no_range_reason``: None, or why the row has no range (NaN low and high): a line whose stated
    accuracy reaches Idlib city (which side is whose could no longer be told), or lines that, so
    moved, no longer cut the Idlib area into two sides (the lines still classify incidents and draw
    on maps). No false range is given.

    Examples
    --------
    >>> table = timeline_table()  # the evidence timeline: a line for each day the reports change the front
    >>> len(table), table["as_of"].iloc[0]
    (118, '2017-12-13')
    >>> "Saraqib" in table.loc[table["as_of"] == "2020-02-05", "to_government"].item()
    True
    >>> hand = timeline_table("hand")
    >>> bool(hand["opposition_km2"].iloc[:6].is_monotonic_decreasing)  # to 5 Mar 2020; then the offensive of 2024
    True
    >>> hand["valid_until"].iloc[5]
    '2024-11-27'
    >>> "Khan Shaykhun" in hand.loc[hand["as_of"] == "2019-08-31", "to_government"].item()
    True
    """
    tl = load_timeline(source, date_column=date_column, valid_until=valid_until, accuracy_km=accuracy_km)
    places = data.load_layer("places")
    places = places[places["kind"] != "observation_post"].reset_index(drop=True)
    names = places["name"].to_numpy(dtype=object)
    rows, previous, previous_sides = [], None, None
    for state in tl.states():
        sides = _places_sides(state, places)
        row = {
            "as_of": state.as_of,
            "valid_until": state.until,
            "name": state.line.name,
            "accuracy_km": state.accuracy_km,
            "opposition_km2": state.opposition_km2,
            "government_km2": state.government_km2,
            "dmz_opposition_km2": float(geodesic_area_km2(state.dmz_opposition(dmz_width_km))),
            "taken_since_previous_km2": np.nan,
            "regained_since_previous_km2": np.nan,
            "to_government": [],
            "to_opposition": [],
        }
        if previous is not None:
            taken = shapely.difference(previous.opposition, state.opposition)
            regained = shapely.difference(state.opposition, previous.opposition)
            row["taken_since_previous_km2"] = float(geodesic_area_km2(_clean(taken)))
            row["regained_since_previous_km2"] = float(geodesic_area_km2(_clean(regained)))
            row["to_government"] = names[(previous_sides == "opposition") & (sides == "government")].tolist()
            row["to_opposition"] = names[(previous_sides == "government") & (sides == "opposition")].tolist()
        if ranges:
            row |= _ranges(tl, state, previous, dmz_width_km)
        rows.append(row)
        previous, previous_sides = state, sides
    return pd.DataFrame(rows)


def _ranges(tl: Timeline, state: ZonesAsOf, previous: ZonesAsOf | None, dmz_width_km: float) -> dict:
    """Low and high (km²) of a row's areas with every line involved moved by its stated accuracy, and
    ``no_range_reason`` (None, or why there is no range: then low and high are NaN)."""
    from .scenarios import area_range_km2

    area = _as_frame(state.area)
    line, dmz_line = state.line, state.dmz_line  # each line moved by the accuracy of each of its stretches
    stretches = {"line": (line.geometry, state.stretch_accuracy_km)}
    out = {}

    def held(lines, zone):  # scenarios hand over lon/lat lines and the area as shapely geometries
        return zones.opposition_side(lines["line"], zone, beyond_edge="whole")

    def dmz_held(lines, zone):
        return shapely.intersection(zones.dmz_geometry(lines["dmz"], dmz_width_km, area=zone), held(lines, zone))

    def taken(lines, zone):
        return shapely.difference(zones.opposition_side(lines["before"], zone, beyond_edge="whole"), held(lines, zone))

    measures = {
        "opposition_km2": (held, stretches),
        "dmz_opposition_km2": (dmz_held, {**stretches, "dmz": (dmz_line.geometry, _stretches_of(tl, dmz_line))}),
    }
    if previous is not None:
        before = (previous.line.geometry, previous.stretch_accuracy_km)
        measures["taken_since_previous_km2"] = (taken, {**stretches, "before": before})
    for name, (measure, lines) in measures.items():
        try:
            nominal, low, high = area_range_km2(measure, lines, area, reference=data.place("Idlib"))
            if name == "opposition_km2" and not low < nominal < high:  # moved both ways, the area must move both ways
                raise InputError(
                    f"moved toward either side, line 'line' gives {low:,.0f}–{high:,.0f} km² around {nominal:,.0f}:"
                    " it does not bound the area on both sides (it runs along the area's edge between its stretches)"
                )
        except InputError as exc:  # a line moved by a large stated accuracy: no range, said why
            features = [{"line": line, "dmz": dmz_line, "before": previous and previous.line}[key] for key in lines]
            moved = ", ".join(f"{f.as_of} ({f.accuracy_km:g} km)" for f in {id(f): f for f in features}.values())
            why = exc.reason
            for key, words in (("line", "the line"), ("before", "the previous line"), ("dmz", "the DMZ's line")):
                why = why.replace(f"line {key!r}", words)
            reason = (
                f"line dated {state.as_of}: moved by their stated accuracy (lines of {moved}): {why};"
                " so no area range can be measured"
            )
            nan = {f"{key.removesuffix('_km2')}_km2_{end}": np.nan for key in measures for end in ("low", "high")}
            return nan | {"no_range_reason": reason}
        out[f"{name.removesuffix('_km2')}_km2_low"] = low
        out[f"{name.removesuffix('_km2')}_km2_high"] = high
    return out | {"no_range_reason": None}


def _stretches_of(tl: Timeline, line: zones.Feature):
    """A line's accuracy (km) per vertex where the timeline (or, for the shipped 2018 line the Sochi DMZ
    is drawn on, the hand timeline) gives them for it, else its ``accuracy_km``."""
    values = tl.vertex_accuracy_km_of(line.geometry)
    values = hand_timeline().vertex_accuracy_km_of(line.geometry) if values is None else values
    return line.accuracy_km if values is None else values


class _CallableModule(types.ModuleType):
    """``zonemap.timeline()`` calls :func:`timeline` (the dated lines), while ``zonemap.timeline.zones_as_of``
    and the rest of this module stay reachable under the same name."""

    def __call__(self, source=None, *, date_column: str = "as_of", accuracy_km=None) -> gpd.GeoDataFrame:
        return timeline(source, date_column=date_column, accuracy_km=accuracy_km)


sys.modules[__name__].__class__ = _CallableModule
