"""Incident (event) data: ACLED exports, any CSV, GeoJSON points, GeoParquet or a frame — with accounting.

Every row read is either accepted or rejected with a reason; ``rows_read == accepted + rejected``
always. A file that cannot be read at all raises :class:`~zonemap.errors.InputError` (one line,
naming the file). Rows are numbered from 1 in the order they appear (the header is not a row).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from tqdm import tqdm
from tqdm.utils import CallbackIOWrapper

from . import data
from .errors import InputError
from .output import atomic_path

#: Column names tried, in order and ignoring case, when none is given.
COLUMN_CANDIDATES = {
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "latitude": ("latitude", "lat", "y"),
    "date": ("event_date", "date", "datetime", "timestamp", "time"),
}
#: Date formats accepted besides ISO 8601 (ACLED's long forms). Slashed dates are ambiguous: refused.
DATE_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y")
#: Columns zonemap adds to its tables; an input column of the same name is kept as ``<name>_in_file``.
RESERVED_COLUMNS = ("row", "kind", "reason", "file")
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
#: Files at least this large (characters) show a progress bar while they are parsed: on a terminal
#: only (tqdm's ``disable=None``), so logs and pipes stay clean.
PROGRESS_CHARACTERS = 8_000_000
GEOJSON_SUFFIXES = {".geojson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}


@dataclass
class Incidents:
    """Accepted incidents (points in EPSG:4326) and rejected rows with their reasons.

    ``accepted`` keeps every input column plus ``row``, ``event_date`` (datetime64; NaT when the
    data have no date column), ``fatalities`` (float; NaN when unknown) and ``geometry``.
    ``rejected`` holds ``row``, ``kind`` (e.g. "missing latitude"), ``reason`` (with the value) and
    the row's values as read.

    Examples
    --------
    >>> import pandas as pd
    >>> events = read_incidents(pd.DataFrame({"lon": [36.6, None], "lat": [35.9, 35.9], "date": ["2020-01-01"] * 2}))
    >>> events.report()
    'DataFrame: 2 rows read, 1 accepted, 1 rejected (1 missing longitude).'
    """

    accepted: gpd.GeoDataFrame
    rejected: pd.DataFrame
    source: str
    rows_read: int
    warnings: list[str] = field(default_factory=list)

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

    def write_rejects(self, path: str | os.PathLike) -> int:
        """Write the rejected rows (row, reason, values as read) to a UTF-8 CSV atomically; returns the count."""
        with atomic_path(path) as tmp:
            self.rejected.to_csv(tmp, index=False, encoding="utf-8")
        return len(self.rejected)


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


def read_incidents(
    source,
    *,
    lon: str | None = None,
    lat: str | None = None,
    date: str | None = None,
    encoding: str | None = None,
) -> Incidents:
    """Read incidents from a file (CSV/ACLED, GeoJSON, GeoParquet or a folder of them) or a frame.

    CSV: UTF-8 (with or without BOM) or UTF-16, comma, semicolon or tab delimited, decimal commas
    allowed; ``lon``/``lat``/``date`` name the columns when they are not the usual ones
    (``longitude``/``latitude``/``event_date``…). A GeoJSON or GeoParquet CRS is honoured.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"longitude": [36.63, 36.80, 200.0], "latitude": [35.93, 35.86, 35.0],
    ...                       "event_date": ["2020-02-27", "27 February 2020", "2020-03-01"]})
    >>> events = read_incidents(frame)
    >>> len(events.accepted), events.rejected["reason"].tolist()
    (2, ['longitude 200 out of range -180..180'])
    """
    names = {"longitude": lon, "latitude": lat, "date": date}
    if isinstance(source, gpd.GeoDataFrame):
        return _from_geoframe(source, "GeoDataFrame", names)
    if isinstance(source, pd.DataFrame):
        return _from_table(source, "DataFrame", names)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"incidents must be a file path or a (Geo)DataFrame, not {type(source).__name__}")
    path = Path(source)
    if path.is_dir():
        return _from_folder(path, names, encoding)
    if not path.is_file():
        raise InputError("no such file", source=path)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _from_parquet(path, names)
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("file is empty", source=path)
    if suffix in GEOJSON_SUFFIXES:
        return _from_geojson(_decode(raw, path, encoding), path, names)
    if suffix in CSV_SUFFIXES or not suffix:
        return _from_csv(_decode(raw, path, encoding), path, names)
    raise InputError(f"unknown file type {suffix!r}: use .csv, .geojson, .json or .parquet", source=path)


def sample_incidents() -> Incidents:
    """The shipped sample: 12 documented incidents of 2018-20 in and around Idlib, with sources.

    Hand-compiled from press and official statements (not ACLED data); fatality figures are those
    the cited source reported; coordinates are the named place's (``accuracy_km`` per row).

    Examples
    --------
    >>> sample = sample_incidents()
    >>> sample.rows_read, len(sample.rejected)
    (12, 0)
    """
    return read_incidents(data.geodata_dir() / "incidents_sample.csv")


# --- decoding -----------------------------------------------------------------------------------


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    """Bytes to text: a BOM decides; else UTF-16 by its zero bytes; else UTF-8 (or ``encoding``)."""
    if encoding:
        chosen = encoding
    elif raw.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        chosen = "utf-16"
    elif len(raw) >= 4 and raw[1:2] == b"\x00" and raw[3:4] == b"\x00":
        chosen = "utf-16-le"
    elif len(raw) >= 4 and raw[0:1] == b"\x00" and raw[2:3] == b"\x00":
        chosen = "utf-16-be"
    else:
        chosen = "utf-8"
    try:
        text = raw.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        if _looks_binary(raw):
            raise InputError("binary data, not text", source=path) from None
        raise InputError(f"not {chosen} text{where} (give the encoding, e.g. --encoding cp1252)", source=path) from None
    head = text[:4096]
    if "\x00" in head or sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r") > len(head) * 0.05:
        raise InputError("binary data, not text", source=path)
    return text


def _looks_binary(raw: bytes) -> bool:
    head = raw[:4096]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return b"\x00" in head or controls > len(head) * 0.05


# --- readers --------------------------------------------------------------------------------------


def _sniff_delimiter(text: str) -> str:
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _from_csv(text: str, path: Path, names: dict) -> Incidents:
    sep = _sniff_delimiter(text)
    try:
        with warnings.catch_warnings():  # pandas only warns when the first row has extra fields: make it fail
            warnings.simplefilter("error", pd.errors.ParserWarning)
            with _progress(len(text), f"reading {path.name}", " chars", large=len(text) >= PROGRESS_CHARACTERS) as bar:
                table = pd.read_csv(
                    CallbackIOWrapper(bar.update, io.StringIO(text), "read"), sep=sep, dtype=str,
                    keep_default_na=False, na_filter=False, skipinitialspace=True, index_col=False,
                )  # fmt: skip
        bad_rows = pd.DataFrame(columns=["row", "kind", "reason"])
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", source=path) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning):  # rows with too many fields: read one by one
        table, bad_rows = _read_ragged_csv(text, sep, path)
    table.index = pd.RangeIndex(1, len(table) + 1) if bad_rows.empty else table.index
    return _from_table(table, path, names, extra_rejects=bad_rows, header_only_is_error=True)


def _read_ragged_csv(text: str, sep: str, path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=sep, skipinitialspace=True)
    try:
        header = next(reader)
        rows, numbers, bad = [], [], []
        for number, values in enumerate((r for r in reader if r), start=1):
            if len(values) > len(header):
                reason = f"has {len(values)} fields, the header has {len(header)}"
                bad.append({"row": number, "kind": "too many fields", "reason": reason})
                continue
            rows.append(values + [""] * (len(header) - len(values)))
            numbers.append(number)
    except csv.Error as exc:
        raise InputError(f"not readable as CSV ({exc})", source=path) from None
    table = pd.DataFrame(rows, columns=header, index=pd.Index(numbers, dtype="int64"), dtype=str)
    return table, pd.DataFrame(bad, columns=["row", "kind", "reason"])


def _from_geojson(text: str, path: Path, names: dict) -> Incidents:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = "" if text.rstrip().endswith(("}", "]")) else ", truncated?"
        where = f"line {exc.lineno} column {exc.colno}"
        raise InputError(f"not valid JSON ({exc.msg}: {where}{truncated})", source=path) from None
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    else:
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"expected a GeoJSON FeatureCollection of points, got {kind!r}", source=path)
    if not features:
        raise InputError("the FeatureCollection holds no features", source=path)
    large = len(text) >= PROGRESS_CHARACTERS
    with _progress(len(features), f"reading {path.name}", " features", large=large) as bar:
        records, numbers, lons, lats, rejects = _read_features(features, bar)
    table = pd.DataFrame(records, index=pd.Index(numbers, dtype="int64"))
    lon, lat = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    crs = _geojson_crs(doc, path)
    if crs is not None and not crs.equals(pyproj.CRS("OGC:CRS84")) and len(lon):
        lon, lat = _to_lonlat(lon, lat, crs)
    table["__lon"], table["__lat"] = lon, lat
    return _from_table(table, path, names, extra_rejects=pd.DataFrame(rejects), coords=("__lon", "__lat"))


def _read_features(features: list, bar) -> tuple[list, list, list, list, list]:
    """GeoJSON features -> (property records, row numbers, lons, lats, rejects), advancing ``bar``."""
    records, numbers, lons, lats, rejects = [], [], [], [], []
    for number, feature in enumerate(features, start=1):
        if number % 10_000 == 0:
            bar.update(10_000)
        properties = feature.get("properties") if isinstance(feature, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        kind, problem, xy = _point_of(feature)
        if problem:
            values = {k: _as_text(v) for k, v in properties.items()}
            rejects.append({"row": number, "kind": kind, "reason": problem, **values})
            continue
        records.append({k: _as_text(v) for k, v in properties.items()})
        numbers.append(number)
        lons.append(xy[0])
        lats.append(xy[1])
    bar.update(len(features) % 10_000)
    return records, numbers, lons, lats, rejects


def _progress(total: int, description: str, unit: str, *, large: bool):
    """A progress bar for reading ``total`` units of a ``large`` input, shown on a terminal only."""
    hidden = None if large else True  # None: tqdm shows the bar only when stderr is a terminal
    return tqdm(total=total, desc=description, unit=unit, unit_scale=True, leave=False, disable=hidden)


def _as_text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _point_of(feature) -> tuple[str | None, str | None, tuple[float, float] | None]:
    """(kind, reason, None) for a feature that is not a usable point, else (None, None, (x, y))."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return "not a feature", "not a GeoJSON Feature", None
    geometry = feature.get("geometry")
    if not geometry:
        return "no geometry", "no geometry", None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "MultiPoint" and isinstance(coords, list) and len(coords) == 1:
        kind, coords = "Point", coords[0]
    if kind != "Point":
        return "not a point", f"{kind or 'unknown'} geometry, expected a point", None
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords[:2])
    ):
        return "bad coordinates", "point coordinates are not two numbers", None
    return None, None, (float(coords[0]), float(coords[1]))


def _geojson_crs(doc: dict, path: Path) -> pyproj.CRS | None:
    name = ((doc.get("crs") or {}).get("properties") or {}).get("name") if isinstance(doc.get("crs"), dict) else None
    if not name:
        return None
    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        raise InputError(f"unknown CRS {name!r}", source=path) from None


def _to_lonlat(x, y, crs: pyproj.CRS):
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transformer.transform(x, y)


def _from_parquet(path: Path, names: dict) -> Incidents:
    try:
        frame = gpd.read_parquet(path)
    except (ValueError, KeyError):  # a Parquet table without geometry metadata: lon/lat columns
        return _from_table(_read_plain_parquet(path), path, names)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0][:200]})", source=path) from None
    return _from_geoframe(frame, path, names)


def _read_plain_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0][:200]})", source=path) from None


def partition_files(path: Path) -> list[Path]:
    """The readable files of a folder of partitions, in name order."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in PARQUET_SUFFIXES | CSV_SUFFIXES | GEOJSON_SUFFIXES)
    if not files:
        raise InputError("folder holds no .parquet, .csv or .geojson files", source=path)
    return files


def _from_folder(path: Path, names: dict, encoding: str | None) -> Incidents:
    """A folder of partitions (e.g. GeoParquet), read in name order; rows are numbered within each file."""
    files = partition_files(path)
    parts = []
    with _progress(len(files), f"reading {path.name}/", " files", large=len(files) > 1) as bar:
        for file in files:
            parts.append(read_incidents(file, lon=names["longitude"], lat=names["latitude"], date=names["date"],
                                        encoding=encoding))  # fmt: skip
            bar.update()
    return combine(parts, source=str(path))


def combine(parts: list[Incidents], *, source: str) -> Incidents:
    """Concatenate several readings into one; each row keeps its ``file`` and its ``row`` in that file."""
    accepted = [part.accepted.assign(file=Path(part.source).name) for part in parts]
    rejected = [part.rejected.assign(file=Path(part.source).name) for part in parts]
    return Incidents(
        accepted=gpd.GeoDataFrame(pd.concat(accepted, ignore_index=True), crs=data.WGS84),
        rejected=pd.concat(rejected, ignore_index=True),
        source=source,
        rows_read=sum(part.rows_read for part in parts),
        warnings=sorted({w for part in parts for w in part.warnings}),
    )


def _from_geoframe(frame: gpd.GeoDataFrame, source, names: dict) -> Incidents:
    if frame.crs is None:
        raise InputError("has no CRS; set one first (e.g. gdf.set_crs('EPSG:4326'))", source=source)
    if frame.empty:
        raise InputError("holds no rows", source=source)
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table.index = pd.RangeIndex(1, len(frame) + 1)
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
    table["__lon"], table["__lat"] = x, y
    rejects = _rejects(table[~is_point], problem_kinds[~is_point], problems[~is_point])
    return _from_table(table[is_point], source, names, extra_rejects=rejects, coords=("__lon", "__lat"))


# --- validation -----------------------------------------------------------------------------------


def _find_column(columns, wanted: str | None, role: str, source, required: bool) -> str | None:
    lookup = {str(c).strip().lstrip("\ufeff").lower(): c for c in columns}
    if wanted is not None:
        if wanted.lower() in lookup:
            return lookup[wanted.lower()]
        raise InputError(f"no column {wanted!r} for the {role}; columns are {_list(columns)}", source=source)
    for candidate in COLUMN_CANDIDATES[role]:
        if candidate in lookup:
            return lookup[candidate]
    if required:
        tried = ", ".join(COLUMN_CANDIDATES[role])
        raise InputError(
            f"no {role} column (looked for {tried}); columns are {_list(columns)}; name it with --{role[:3]}-column",
            source=source,
        )
    return None


def _list(columns) -> str:
    names = [str(c) for c in columns if not str(c).startswith("__")]
    return ", ".join(names[:12]) + (", …" if len(names) > 12 else "") if names else "(none)"


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse numbers (decimal commas allowed); returns values, blank mask, not-a-number mask."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float)
        return numbers, np.isnan(numbers), np.zeros(len(values), dtype=bool)
    text = values.astype("string").fillna("").str.strip()
    blank = (text == "").to_numpy()
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").to_numpy(dtype=float)
    return numbers, blank, np.isnan(numbers) & ~blank


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates as datetime64 (NaT where unparseable): ISO 8601 and ACLED's long forms ('27 February 2020').

    Examples
    --------
    >>> parse_dates(pd.Series(["2020-02-27", "27 February 2020", "2020-02-30", "2/3/2020"])).dt.day.tolist()
    [27.0, 27.0, nan, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.to_datetime(values, utc=True)
        return parsed.dt.tz_localize(None).astype("datetime64[ns]")
    text = values.astype("string").fillna("").str.strip()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & (text != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=True)
    return parsed.dt.tz_localize(None).astype("datetime64[ns]")


def _rejects(table: pd.DataFrame, kinds, reasons) -> pd.DataFrame:
    visible = table[[c for c in table.columns if not str(c).startswith("__")]].astype("string").fillna("")
    out = visible.rename(columns={c: f"{c}_in_file" for c in RESERVED_COLUMNS if c in visible.columns})
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


def _from_table(
    table: pd.DataFrame,
    source,
    names: dict,
    *,
    extra_rejects: pd.DataFrame | None = None,
    coords: tuple[str, str] | None = None,
    header_only_is_error: bool = False,
) -> Incidents:
    """Validate a table row by row (vectorised): coordinates, dates, fatalities."""
    extra_rejects = extra_rejects if extra_rejects is not None else pd.DataFrame(columns=["row", "kind", "reason"])
    clashes = {c: f"{c}_in_file" for c in RESERVED_COLUMNS if c in table.columns}  # e.g. re-reading our output
    table = table.rename(columns=clashes)
    if table.index.dtype != "int64" or (len(table) and table.index.min() < 1):
        table = table.set_axis(pd.RangeIndex(1, len(table) + 1))
    if header_only_is_error and table.empty and extra_rejects.empty:
        raise InputError("has a header but no data rows", source=source)
    if coords is None:
        lon_col = _find_column(table.columns, names["longitude"], "longitude", source, required=True)
        lat_col = _find_column(table.columns, names["latitude"], "latitude", source, required=True)
    else:
        lon_col, lat_col = coords
    date_col = _find_column(table.columns, names["date"], "date", source, required=names["date"] is not None)

    n = len(table)
    reason = np.full(n, None, dtype=object)
    kind = reason.copy()

    def flag(mask, what: str, template: str | None = None, *values):
        """Reject rows in ``mask`` not yet rejected, as ``what``; ``template`` formats each row's ``values``."""
        mask = np.asarray(mask, dtype=bool) & (reason == None)  # noqa: E711 (elementwise)
        if mask.any():
            kind[mask] = what
            if template is None or not values:
                reason[mask] = template or what
            else:
                reason[mask] = [template.format(*row) for row in zip(*(np.asarray(v)[mask] for v in values))]

    raw = {col: table[col].astype("string").fillna("").to_numpy(dtype=object) for col in (lon_col, lat_col)}
    lon, lon_blank, lon_nan = _numbers(table[lon_col])
    lat, lat_blank, lat_nan = _numbers(table[lat_col])
    flag(lon_blank, "missing longitude")
    flag(lat_blank, "missing latitude")
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
    ok = reason == None  # noqa: E711
    outside_syria = 0
    if ok.any():  # lon and lat ranges overlap here, so swapping is judged for the file, not per row
        syria = _syria()
        outside = np.zeros(n, dtype=bool)
        outside[ok] = ~shapely.contains_xy(syria, lon[ok], lat[ok])
        swapped = np.zeros(n, dtype=bool)
        swapped[outside] = shapely.contains_xy(syria, lat[outside], lon[outside])
        if swapped.sum() > 0.5 * ok.sum():
            swap_text = "longitude and latitude look swapped ({0:g}, {1:g} is outside Syria, {1:g}, {0:g} inside)"
            flag(swapped, "coordinates swapped", swap_text, lon, lat)
        outside_syria = int((outside & (reason == None)).sum())  # noqa: E711

    if date_col is not None:
        dates = parse_dates(table[date_col])
        date_text = table[date_col].astype("string").fillna("").str.strip().to_numpy(dtype=object)
        flag(date_text == "", "missing date")
        flag(dates.isna().to_numpy(), "unparseable date", "unparseable date {!r}", date_text)
    else:
        dates = pd.Series(pd.NaT, index=table.index, dtype="datetime64[ns]")
    fatalities = np.full(n, np.nan)
    fat_col = next((c for c in table.columns if str(c).strip().lower() == "fatalities"), None)
    if fat_col is not None:
        fatalities, _, fat_nan = _numbers(table[fat_col])
        fat_text = table[fat_col].astype("string").fillna("").to_numpy(dtype=object)
        with np.errstate(invalid="ignore"):
            known = ~np.isnan(fatalities)
            fat_bad = fat_nan | (known & ((fatalities < 0) | np.isinf(fatalities) | (np.mod(fatalities, 1) != 0)))
        flag(fat_bad, "bad fatalities", "fatalities {!r} is not a whole number >= 0", fat_text)

    ok = reason == None  # noqa: E711
    good = table.loc[ok].drop(columns=[c for c in (lon_col, lat_col) if str(c).startswith("__")])
    good = good.assign(event_date=dates[ok].to_numpy(), fatalities=fatalities[ok])
    if coords is None:
        good[lon_col], good[lat_col] = lon[ok], lat[ok]
    good.insert(0, "row", table.index.to_numpy(dtype="int64")[ok])
    accepted = gpd.GeoDataFrame(good.reset_index(drop=True), geometry=gpd.points_from_xy(lon[ok], lat[ok]),
                                crs=data.WGS84)  # fmt: skip
    rejected = pd.concat([extra_rejects, _rejects(table.loc[~ok], kind[~ok], reason[~ok])], ignore_index=True)
    rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True) if len(rejected) else rejected
    warnings = [] if date_col is not None else ["no date column: event_date is empty and monthly summaries skip it"]
    if outside_syria:
        warnings.append(f"{outside_syria:,} accepted rows lie outside Syria (check for swapped coordinates)")
    rows_read = n + len(extra_rejects)
    return Incidents(accepted=accepted, rejected=rejected, source=str(source), rows_read=rows_read, warnings=warnings)
