"""Incident (event) data: ACLED exports, any CSV, GeoJSON points, GeoParquet or a frame — with accounting.

Every row read is either accepted or rejected with a reason; ``rows_read == accepted + rejected``
always. A file that cannot be read at all raises :class:`~zonemap.errors.InputError` (one line,
naming the file). Rows are numbered from 1 in the order they appear (the header is not a row).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import InputError
from ..model import data
from ..model.uncertainty import MAX_EVENT_ACCURACY_KM
from ..output import atomic_path
from .cells import escape_formulas
from .columns import OWN_OUTPUT_MARKS, _find_column, _rename_reserved  # zonemap-split
from .values import (  # zonemap-split
    DATE_YEARS,
    OUT_OF_RANGE,
    RELATIVE_DATES,
    _Coded,
    _dates_of_text,
    _numbers,
    _parse_dates,
    _text_array,
)


@dataclass
class Incidents:
    """Accepted incidents (points in EPSG:4326) and rejected rows with their reasons.

    ``accepted`` keeps every input column plus ``row``, ``event_date`` (datetime64; NaT when the
    data have no date column), ``fatalities`` (float; NaN when unknown) and ``geometry``.
    ``rejected`` holds ``row``, ``kind`` (e.g. "missing latitude"), ``reason`` (with the value) and
    the row's values as read.

    Examples
    --------
    >>> import pandas as pd, zonemap
    >>> frame = pd.DataFrame({"lon": [36.6, None], "lat": [35.9, 35.9], "date": ["2020-01-01"] * 2})
    >>> events = zonemap.read_incidents(frame)
    >>> events.report()
    'DataFrame: 2 rows read, 1 accepted, 1 rejected (1 missing longitude).'
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    source: str
    rows_read: int
    warnings: list[str] = field(default_factory=list)
    #: Row numbers of accepted rows outside Syria (the warning names the first few).
    outside_rows: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    #: Whether the data had a date column.
    dated: bool = True
    #: The file of a folder this reading is of (its warnings are named by it), if any.
    label: str | None = None

    def __post_init__(self):
        if self.rows_read != len(self.accepted) + len(self.rejected):  # an internal bug, never the user's
            raise AssertionError(
                f"{self.source}: accounting broken: {self.rows_read} read, "
                f"{len(self.accepted)} accepted, {len(self.rejected)} rejected"
            )

    def reasons(self) -> pd.Series:
        """How many rows were rejected for each kind of problem (``kind`` column)."""
        return _reasons(self.rejected)

    def report(self) -> str:
        """One paragraph: rows read, accepted, rejected (by reason) and any warnings."""
        return report(self.source, self.rows_read, len(self.accepted), self.rejected, self.warnings)

    def write_rejects(self, path: str | os.PathLike, *, raw_csv_cells: bool = False) -> int:
        """Write the rejected rows (row, reason, values as read) to a UTF-8 CSV atomically; returns the count.

        Text a spreadsheet would run as a formula is escaped (:mod:`~zonemap.incidents.cells`) unless ``raw_csv_cells``.
        """
        with atomic_path(path) as tmp:
            escape_formulas(self.rejected, raw=raw_csv_cells).to_csv(tmp, index=False, encoding="utf-8")
        return len(self.rejected)


@dataclass
class PointRows:
    """Accepted incidents whose points are still two arrays of coordinates (degrees, EPSG:4326): a
    chunk of a large CSV as the streaming path reads, classifies and writes it, with no geometry
    objects made (a million shapely points take about 0.7 s); :meth:`geodataframe` makes them.

    ``frame`` holds every column the GeoDataFrame has but ``geometry``, which goes at ``geometry_at``.

    Examples
    --------
    >>> rows = PointRows(pd.DataFrame({"row": [1], "fatalities": [0.0]}), np.array([36.6]), np.array([35.9]), 1)
    >>> rows.geodataframe().columns.tolist(), len(rows)
    (['row', 'geometry', 'fatalities'], 1)
    """

    frame: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    geometry_at: int

    def __len__(self) -> int:
        return len(self.frame)

    def geodataframe(self) -> gpd.GeoDataFrame:
        frame = self.frame.copy()
        frame.insert(self.geometry_at, "geometry", gpd.points_from_xy(self.lon, self.lat))
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=data.WGS84)

    def head(self, n: int) -> PointRows:
        """The first ``n`` rows."""
        return PointRows(self.frame.iloc[:n], self.lon[:n], self.lat[:n], self.geometry_at)

    def with_frame(self, frame: pd.DataFrame) -> PointRows:
        """The same points with ``frame`` (e.g. with classification columns added after the rest)."""
        return PointRows(frame, self.lon, self.lat, self.geometry_at)


def report(source, rows_read: int, accepted: int, rejected: pd.DataFrame, warnings=()) -> str:
    """The one-paragraph account of a reading: rows read, accepted, rejected (by reason), warnings.

    Examples
    --------
    >>> rejected = pd.DataFrame({"kind": ["missing latitude"]})
    >>> report("events.csv", 3, 2, rejected)
    'events.csv: 3 rows read, 2 accepted, 1 rejected (1 missing latitude).'
    """
    text = f"{source}: {rows_read:,} rows read, {accepted:,} accepted, {len(rejected):,} rejected"
    if len(rejected):
        text += " (" + "; ".join(f"{n:,} {kind}" for kind, n in _reasons(rejected).items()) + ")"
    return text + "." + "".join(f" Warning: {w}." for w in warnings)


def _reasons(rejected: pd.DataFrame) -> pd.Series:
    if rejected.empty:
        return pd.Series(dtype="int64", name="rows")
    return rejected["kind"].value_counts().rename("rows")


#: Well-known binary of a 2D point: byte order (1: little-endian), type (1: point), x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])

#: The same, big-endian (byte order 0).
_WKB_POINT_BIG_ENDIAN = np.dtype([("order", "u1"), ("type", ">u4"), ("x", ">f8"), ("y", ">f8")])


def _to_lonlat(x, y, crs: pyproj.CRS):
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transformer.transform(x, y)


def labelled(events: Incidents, label: str) -> Incidents:
    """A reading of one file of a folder: ``file`` on every row; ``label`` names the file's warnings
    (:class:`~zonemap.incidents.stream.Tally` adds them up over the file's chunks)."""
    events = with_file(events, label)
    events.label = label
    return events


def with_file(events: Incidents, name: str) -> Incidents:
    """``events`` with a ``file`` column (the file of a folder they were read from) on every row."""
    accepted = events.accepted
    if isinstance(accepted, PointRows):
        events.accepted = accepted.with_frame(accepted.frame.assign(file=name))
    else:
        events.accepted = accepted.assign(file=name)
    events.rejected = events.rejected.assign(file=name)
    return events


def _keep_named_index(frame: pd.DataFrame) -> pd.DataFrame:
    """A named index (e.g. event ids) becomes a column, so no output loses it."""
    if any(name is not None for name in frame.index.names):
        return frame.reset_index()
    return frame


def _empty(source) -> Incidents:
    """The reading of a partition with no rows (a folder may hold one; it adds nothing)."""
    columns = {"row": pd.Series(dtype="int64"), "event_date": pd.Series(dtype="datetime64[ns]"),
               "date_precision": pd.Series(dtype=object), "fatalities": pd.Series(dtype=float)}  # fmt: skip
    accepted = gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries([], crs=data.WGS84), crs=data.WGS84)
    return Incidents(accepted, pd.DataFrame(columns=["row", "kind", "reason"]), str(source), 0)


def combine(parts: list[Incidents], *, source: str) -> Incidents:
    """Concatenate several readings into one; each row keeps its ``file`` and its ``row`` in that file.

    A column whose type differs between files (text in a CSV, numbers in a GeoJSON) becomes text
    in all of them, so the result has one schema. Warnings name their file.
    """
    accepted = unify_columns([part.accepted.assign(file=Path(part.source).name) for part in parts])
    rejected = [part.rejected.assign(file=Path(part.source).name) for part in parts]
    return Incidents(
        accepted=gpd.GeoDataFrame(pd.concat(accepted, ignore_index=True), crs=data.WGS84),
        rejected=pd.concat(rejected, ignore_index=True),
        source=source,
        rows_read=sum(part.rows_read for part in parts),
        warnings=[f"{Path(part.source).name}: {w}" for part in parts for w in part.warnings],
    )


#: Columns zonemap makes, whose types are its own and the same in every part.
_OWN_TYPES = ("row", "event_date", "date_precision", "fatalities", "file", "geometry")


def unify_columns(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """The frames with one type per column name: where files disagree the column is text in all.

    Examples
    --------
    >>> a, b = pd.DataFrame({"id": [1]}), pd.DataFrame({"id": ["x-2"]})
    >>> [f["id"].tolist() for f in unify_columns([a, b])]
    [['1'], ['x-2']]
    """
    types: dict[str, set] = {}
    for frame in frames:
        for column in frame.columns:
            if len(frame) and column not in _OWN_TYPES:
                types.setdefault(column, set()).add(str(frame[column].dtype))
    mixed = {c for c, seen in types.items() if len(seen) > 1}
    if not mixed:
        return frames
    return [frame.astype({c: "string" for c in mixed if c in frame.columns}) for frame in frames]


def _from_geoframe(
    frame: gpd.GeoDataFrame, source, names: dict, *, empty_ok: bool = False, first_row: int = 1, points: bool = True
) -> Incidents:
    """Validate a GeoDataFrame's points (``first_row``: the file's number of its first row)."""
    if frame.crs is None:
        raise InputError("has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326'))", source=source)
    if frame.empty:
        if empty_ok:
            return _empty(source)
        raise InputError("holds no rows", source=source)
    frame = _keep_named_index(frame)
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for column in [c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)]:
        table[column] = shapely.to_wkt(table[column].to_numpy())  # a second geometry column, as WKT text
    geoms = frame.geometry.to_numpy()
    kinds = shapely.get_type_id(geoms)
    single_multi = (kinds == 4) & (shapely.get_num_geometries(geoms) == 1)
    geoms = np.where(single_multi, shapely.get_geometry(geoms, 0), geoms)
    kinds = shapely.get_type_id(geoms)
    is_point = (kinds == 0) & ~shapely.is_empty(geoms)
    problems = np.full(len(frame), None, dtype=object)
    problem_kinds = problems.copy()
    problems[kinds == -1] = problem_kinds[kinds == -1] = "no geometry"
    empty = (kinds == 0) & shapely.is_empty(geoms)
    problems[empty] = problem_kinds[empty] = "empty point"
    other = ~is_point & (kinds > 0)
    type_names = np.asarray(frame.geometry.geom_type, dtype=object)
    problems[other] = [f"{t} geometry, expected a point" for t in type_names[other]]
    problem_kinds[other] = "not a point"
    x = np.where(is_point, shapely.get_x(np.where(is_point, geoms, None)), np.nan)
    y = np.where(is_point, shapely.get_y(np.where(is_point, geoms, None)), np.nan)
    if not frame.crs.equals(pyproj.CRS(data.WGS84)) and is_point.any():
        x[is_point], y[is_point] = _to_lonlat(x[is_point], y[is_point], frame.crs)
    return _from_point_columns(table, x, y, source, names, first_row, points, (is_point, problem_kinds, problems))


def _from_point_columns(table: pd.DataFrame, x, y, source, names: dict, first_row: int, points: bool, unusable=None):
    """Validate a table whose points (lon/lat, degrees) are ``x``, ``y``; ``unusable`` = (is_point,
    kinds, reasons) rejects the rows whose geometry is not a point (None: every row is one)."""
    table.index = pd.RangeIndex(first_row, first_row + len(table))
    table["__lon"], table["__lat"] = x, y
    if unusable is None:
        return _from_table(table, source, names, coords=("__lon", "__lat"), points=points)
    is_point, kinds, reasons = unusable
    rejects = _rejects(table[~is_point], kinds[~is_point], reasons[~is_point])
    return _from_table(table[is_point], source, names, extra_rejects=rejects, coords=("__lon", "__lat"), points=points)


def _points_of_wkb(array) -> tuple[np.ndarray, np.ndarray] | None:
    """Longitudes and latitudes of an Arrow array of WKB that holds only 2D points (21 bytes each,
    either byte order read by numpy, none empty or missing); None for anything else (left to shapely).

    Examples
    --------
    >>> import pyarrow as pa
    >>> x, y = _points_of_wkb(pa.array([shapely.to_wkb(shapely.Point(36.6, 35.9))]))
    >>> x.tolist(), y.tolist()
    ([36.6], [35.9])
    """
    import pyarrow as pa

    array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    binary = pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type)
    if array.null_count or not len(array) or not binary:
        return None
    wide = np.int64 if pa.types.is_large_binary(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=wide)[array.offset : array.offset + len(array) + 1]
    if not (np.diff(offsets) == _WKB_POINT.itemsize).all():
        return None
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    order = data[:: _WKB_POINT.itemsize]
    if (order == 1).all():
        points = data.view(_WKB_POINT)
    elif (order == 0).all():
        points = data.view(_WKB_POINT_BIG_ENDIAN)
    else:
        return None
    if not (points["type"] == 1).all():
        return None
    x, y = points["x"].astype(float), points["y"].astype(float)
    if np.isnan(x).any() or np.isnan(y).any():  # POINT EMPTY: rejected by the careful path, with its reason
        return None
    return x, y


def _at(values, mask: np.ndarray) -> np.ndarray:
    """``values[mask]``; a column of the table as the text read (missing: ""); a word, repeated."""
    if isinstance(values, str):
        return np.full(int(np.count_nonzero(mask)), values, dtype=object)
    if isinstance(values, pd.Series):
        return values[mask].astype("string").fillna("").to_numpy(dtype=object)
    if isinstance(values, _Coded):
        return values.take(mask)
    return np.asarray(values)[mask]


def _rejects(table: pd.DataFrame, kinds, reasons) -> pd.DataFrame:
    if not len(table):  # most chunks of a large file: the same empty frame, made once per header
        return _no_rejects(tuple(table.columns)).copy()
    return _rejects_of(table, kinds, reasons)


@functools.lru_cache(maxsize=64)
def _no_rejects(columns: tuple) -> pd.DataFrame:
    return _rejects_of(pd.DataFrame(columns=list(columns)), [], [])


def _rejects_of(table: pd.DataFrame, kinds, reasons) -> pd.DataFrame:
    visible = table[[c for c in table.columns if not str(c).startswith("__")]].astype("string").fillna("")
    out = _rename_reserved(visible)
    out.insert(0, "reason", list(reasons))
    out.insert(0, "kind", list(kinds))
    out.insert(0, "row", table.index.to_numpy(dtype="int64"))
    return out.reset_index(drop=True)


def _syria():
    """Syria's outline, prepared: a copy of its own per call, as files may be read in several threads
    at once (dask) and one GEOS geometry must not be queried from two threads at once."""
    countries = data.load_layer("countries")
    syria = shapely.from_wkb(shapely.to_wkb(countries.loc[countries["name"] == "Syria"].geometry.iloc[0]))
    shapely.prepare(syria)
    return syria


#: Cell size (degrees) of the grid answering "in Syria?" (exactly as ``shapely.contains_xy``).
SYRIA_CELL_DEG = 0.01


@functools.cache
def _syria_grid():
    """Syria's outline as a :class:`~zonemap.geodesy.grid_index.PolygonGrid` (safe to query from several
    threads), built once per process: only points near the border are tested against the outline."""
    from ..geodesy.grid_index import PolygonGrid

    return PolygonGrid.build([_syria()], SYRIA_CELL_DEG)


def _from_table(
    table: pd.DataFrame,
    source,
    names: dict,
    *,
    extra_rejects: pd.DataFrame | None = None,
    coords: tuple[str, str] | None = None,
    header_only_is_error: bool = False,
    sep: str = ",",
    points: bool = True,
) -> Incidents:
    """Validate a table row by row (vectorised): coordinates, dates, fatalities.

    ``coords`` names the columns holding the points' lon/lat when they came from geometries;
    ``sep`` is the CSV delimiter (``;`` and tab files use decimal commas).
    """
    extra_rejects = extra_rejects if extra_rejects is not None else pd.DataFrame(columns=["row", "kind", "reason"])
    table = _rename_reserved(table)  # e.g. re-reading zonemap's own output
    if table.index.dtype != "int64" or (len(table) and table.index.min() < 1):
        table = table.set_axis(pd.RangeIndex(1, len(table) + 1))
    if header_only_is_error and table.empty and extra_rejects.empty:
        raise InputError("has a header but no data rows", source=source)
    if coords is None:
        lon_col = _find_column(table.columns, names["longitude"], "longitude", source, required=True)
        lat_col = _find_column(table.columns, names["latitude"], "latitude", source, required=True)
        if lon_col == lat_col:
            raise InputError(f"the longitude and the latitude both name column {str(lon_col)[:80]!r}", source=source)
    else:
        lon_col, lat_col = coords
    date_col = _find_column(table.columns, names["date"], "date", source, required=names["date"] is not None)

    n = len(table)
    free = np.ones(n, dtype=bool)  # rows not rejected (yet)
    flagged: list[tuple[np.ndarray, str, object]] = []  # (rows, kind, reason or reasons), in order

    def flag(mask, what: str, template: str | None = None, *values):
        """Reject rows in ``mask`` not yet rejected, as ``what``; ``template`` formats each row's ``values``."""
        mask = np.asarray(mask, dtype=bool) & free
        if mask.any():
            free[mask] = False
            if template is None or not values:
                flagged.append((mask, what, template or what))
            else:
                flagged.append((mask, what, [template.format(*row) for row in zip(*(_at(v, mask) for v in values))]))

    raw = {col: table[col] for col in (lon_col, lat_col)}  # as text only where a reason quotes it
    decimal_comma = sep in (";", "\t")
    lon, lon_blank, lon_nan, lon_unsure = _numbers(table[lon_col], decimal_comma=decimal_comma)
    lat, lat_blank, lat_nan, lat_unsure = _numbers(table[lat_col], decimal_comma=decimal_comma)
    flag(lon_blank, "missing longitude")
    flag(lat_blank, "missing latitude")
    unsure = "ambiguous number"
    unsure_text = "{} {!r}: a thousands separator or a decimal comma? write it with a decimal point"
    flag(lon_unsure, unsure, unsure_text, "longitude", raw[lon_col])
    flag(lat_unsure, unsure, unsure_text, "latitude", raw[lat_col])
    flag(lon_nan, "non-numeric longitude", "non-numeric longitude {!r}", raw[lon_col])
    flag(lat_nan, "non-numeric latitude", "non-numeric latitude {!r}", raw[lat_col])
    with np.errstate(invalid="ignore"):
        lat_bad = ~(np.abs(lat) <= 90)
        lon_bad = ~(np.abs(lon) <= 180)
    swapped_hint = lat_bad & (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
    swap_text = "latitude {:g} out of range -90..90 (longitude and latitude swapped?)"
    flag(lat_bad & swapped_hint, "latitude out of range", swap_text, lat)
    flag(lat_bad, "latitude out of range", "latitude {:g} out of range -90..90", lat)
    flag(lon_bad, "longitude out of range", "longitude {:g} out of range -180..180", lon)
    flag((lon == 0) & (lat == 0), "coordinates 0, 0", "coordinates are 0, 0 (a missing value?)")
    ok = free.copy()
    outside_rows = np.array([], dtype=np.int64)
    if ok.any():  # lon and lat ranges overlap here, so swapping is judged for the file, not per row
        syria = _syria_grid()
        outside = np.zeros(n, dtype=bool)
        outside[ok] = ~syria.contains(lon[ok], lat[ok])[0]
        swapped = np.zeros(n, dtype=bool)
        swapped[outside] = syria.contains(lat[outside], lon[outside])[0]
        if swapped.sum() > 0.5 * ok.sum():
            swap_text = "longitude and latitude look swapped ({0:g}, {1:g} is outside Syria, {1:g}, {0:g} inside)"
            flag(swapped, "coordinates swapped", swap_text, lon, lat)
        outside_rows = table.index.to_numpy()[outside & free]

    if date_col is not None:
        if pd.api.types.is_datetime64_any_dtype(table[date_col]):
            dates, precision = _parse_dates(table[date_col])
            date_text = table[date_col].astype("string").fillna("").str.strip().to_numpy(dtype=object)
            relative = np.isin(np.char.lower(date_text.astype(str)), list(RELATIVE_DATES))
            date_text = _Coded(date_text, np.arange(n))
        else:
            dates, precision, date_text, relative = _dates_of_text(table[date_col])
        flag(date_text.where(date_text.values == ""), "missing date")
        flag(relative, "relative date", "relative date {!r}: give the calendar date", date_text)
        beyond = np.asarray(precision == OUT_OF_RANGE, dtype=bool)
        years = "{}-{}".format(*DATE_YEARS)
        flag(beyond, "date out of range", f"date {{}} outside the range zonemap can judge ({years})", date_text)
        flag(dates.isna().to_numpy(), "unparseable date", "unparseable date {!r}", date_text)
    else:
        dates = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
        precision = _text_array([""], np.zeros(n, dtype=np.int64))
    fatalities = np.full(n, np.nan)
    fat_col = next((c for c in table.columns if str(c).strip().lower() == "fatalities"), None)
    if fat_col is not None:
        fatalities, _, fat_nan, fat_unsure = _numbers(table[fat_col], whole=True, decimal_comma=decimal_comma)
        fat_text = table[fat_col]
        flag(fat_unsure, unsure, unsure_text, "fatalities", fat_text)
        with np.errstate(invalid="ignore"):
            known = ~np.isnan(fatalities)
            fat_bad = fat_nan | (known & ((fatalities < 0) | np.isinf(fatalities) | (np.mod(fatalities, 1) != 0)))
        flag(fat_bad, "bad fatalities", "fatalities {!r} is not a whole number >= 0", fat_text)
    accuracy = None
    if "accuracy_km" in table.columns:  # read as numbers are; a blank takes the default, a bad value is refused
        accuracy, _, acc_nan, acc_unsure = _numbers(table["accuracy_km"], decimal_comma=decimal_comma)
        acc_text = table["accuracy_km"]
        flag(acc_unsure, unsure, unsure_text, "accuracy_km", acc_text)
        with np.errstate(invalid="ignore"):
            acc_bad = acc_nan | ~((accuracy >= 0) & (accuracy <= MAX_EVENT_ACCURACY_KM)) & ~np.isnan(accuracy)
        acc_reason = f"accuracy_km {{!r}} is not a distance of 0 to {MAX_EVENT_ACCURACY_KM:,.0f} km"
        flag(acc_bad, "bad accuracy", acc_reason, acc_text)

    ok = free
    good = table if ok.all() else table.loc[ok]
    good = good.drop(columns=[c for c in (lon_col, lat_col) if str(c).startswith("__")])
    good = good.assign(event_date=dates[ok].to_numpy(), date_precision=precision[ok], fatalities=fatalities[ok])
    if accuracy is not None:
        good["accuracy_km"] = accuracy[ok]
    if coords is None:
        good[lon_col], good[lat_col] = lon[ok], lat[ok]
    else:  # the point from a geometry, as columns too: a CSV of the result keeps the location
        own_output = set(OWN_OUTPUT_MARKS) <= set(map(str, good.columns))  # its longitude is the point
        for name, values in (("longitude", lon), ("latitude", lat)):
            if name not in good.columns:
                good[name] = values[ok]
            elif own_output and f"point_{name}" not in good.columns:  # zonemap wrote it: the point, as numbers
                good[name] = pd.to_numeric(good[name], errors="coerce").to_numpy(dtype=float)
            else:  # a file's own column, perhaps not the point
                good[f"point_{name}"] = values[ok]
    good.insert(0, "row", table.index.to_numpy(dtype="int64")[ok])
    good = good.reset_index(drop=True)
    if points:
        accepted = gpd.GeoDataFrame(good, geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs=data.WGS84)
    else:
        accepted = PointRows(good, lon[ok], lat[ok], geometry_at=len(good.columns))
    bad = np.flatnonzero(~ok)
    kind, reason = np.full(len(bad), None, dtype=object), np.full(len(bad), None, dtype=object)
    position = np.zeros(n, dtype=np.int64)
    position[bad] = np.arange(len(bad))
    for mask, what, why in flagged:
        kind[position[mask]], reason[position[mask]] = what, why
    rejected = _rejects(table.iloc[bad] if len(bad) else table.iloc[:0], kind, reason)  # a slice: no copy
    if len(extra_rejects):
        rejected = pd.concat([extra_rejects, rejected], ignore_index=True)
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True) if len(rejected) else rejected
    rows_read = n + len(extra_rejects)
    dated = date_col is not None
    return Incidents(
        accepted=accepted,
        rejected=rejected,
        source=str(source),
        rows_read=rows_read,
        warnings=reading_warnings(dated, outside_rows),
        outside_rows=outside_rows,
        dated=dated,
    )


def reading_warnings(dated: bool, outside_rows: np.ndarray) -> list[str]:
    """The warnings of a reading: no date column; accepted rows outside Syria (the first few named)."""
    warnings = [] if dated else ["no date column: event_date is empty and monthly summaries skip it"]
    if len(outside_rows):
        first = ", ".join(str(r) for r in outside_rows[:5]) + (", …" if len(outside_rows) > 5 else "")
        warnings.append(
            f"{len(outside_rows):,} accepted rows lie outside Syria (row {first}; check for swapped coordinates)"
        )
    return warnings


def merge_chunks(chunks: list[Incidents], source) -> Incidents:
    """Readings of consecutive chunks of one file as one reading (rows keep their numbers in the file)."""
    if len(chunks) == 1:
        return chunks[0]
    accepted = unify_columns([c.accepted for c in chunks])
    outside = np.concatenate([c.outside_rows for c in chunks])
    dated = all(c.dated for c in chunks)
    rejected = [c.rejected for c in chunks if len(c.rejected)] or [chunks[0].rejected]
    return Incidents(
        accepted=gpd.GeoDataFrame(pd.concat(accepted, ignore_index=True), crs=data.WGS84),
        rejected=pd.concat(rejected, ignore_index=True),
        source=str(source),
        rows_read=sum(c.rows_read for c in chunks),
        warnings=reading_warnings(dated, outside),
        outside_rows=outside,
        dated=dated,
    )
