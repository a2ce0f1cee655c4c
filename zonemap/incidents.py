"""Incident (event) data: ACLED exports, any CSV, GeoJSON points, GeoParquet or a frame — with accounting.

Every row read is either accepted or rejected with a reason; ``rows_read == accepted + rejected``
always. A file that cannot be read at all raises :class:`~zonemap.errors.InputError` (one line,
naming the file). Rows are numbered from 1 in the order they appear (the header is not a row).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import itertools
import json
import os
import re
import stat
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

from . import csv_stream, data
from .csv_stream import CSV_SUFFIXES, SNIFF_BYTES, IrregularCSV, encoding_of, open_csv, sniff_delimiter
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
#: Dates that name only a month: kept with ``date_precision`` "month", never given a day.
MONTH_FORMATS = ("%Y-%m", "%B %Y", "%b %Y")
#: Words that are dates only relative to the day zonemap runs: refused, never read as that day.
RELATIVE_DATES = {"today", "now", "yesterday", "tomorrow"}
#: Columns zonemap adds to its tables; an input column of the same name is kept as ``<name>_in_file``.
RESERVED_COLUMNS = ("row", "kind", "reason", "file", "date_precision", "geometry")
#: Suffixes read as partitions of a folder (hidden files, notes and logs are passed over).
PARTITION_SUFFIXES = {".csv", ".tsv", ".parquet", ".geoparquet", ".pq", ".geojson"}
#: Output formats of classified incidents, by suffix.
OUTPUT_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet", ".gpkg": "gpkg"}
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

    def write_rejects(self, path: str | os.PathLike) -> int:
        """Write the rejected rows (row, reason, values as read) to a UTF-8 CSV atomically; returns the count."""
        with atomic_path(path) as tmp:
            self.rejected.to_csv(tmp, index=False, encoding="utf-8")
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
        return _from_table(_keep_named_index(source), "DataFrame", names)
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"incidents must be a file path or a (Geo)DataFrame, not {type(source).__name__}")
    path = Path(source)
    if path.is_dir():
        return _from_folder(path, names, encoding)
    _check_readable_file(path)
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return _from_parquet(path, names)
    if suffix not in GEOJSON_SUFFIXES | CSV_SUFFIXES and suffix:
        raise InputError(f"unknown file type {suffix!r}: use .csv, .geojson, .json or .parquet", source=path)
    _sniff_text(path, encoding)
    if suffix in GEOJSON_SUFFIXES:
        raw = path.read_bytes()
        if not raw.strip():
            raise InputError("file is empty", source=path)
        return _from_geojson(_decode(raw, path, encoding), path, names)
    try:
        return merge_chunks(list(csv_chunks(path, names, encoding)), path)
    except IrregularCSV:
        return _from_whole_csv(path, names, encoding)


def read_chunks(
    source, *, lon=None, lat=None, date=None, encoding=None, careful: bool = False, points: bool = True, empty_ok=False
):
    """The readings of consecutive chunks of a file (bounded memory for large CSVs), in order.

    A CSV is read in chunks of about :data:`CHUNK_BYTES`; other inputs in one. Row numbers are the
    file's. May raise :class:`IrregularCSV` after some chunks: read again with ``careful=True``
    (one chunk, read whole, every irregular row rejected with its reason). With ``points=False`` a
    chunk's ``accepted`` is :class:`PointRows` (no geometry objects made). ``empty_ok``: a GeoParquet
    file with no rows is one empty reading (a folder's part), not an error.
    """
    names = {"longitude": lon, "latitude": lat, "date": date}
    path = Path(source) if isinstance(source, (str, os.PathLike)) else None
    if path is not None and path.is_dir() and not careful:
        yield from folder_chunks(path, names, encoding, points=points)
        return
    if path is not None and path.suffix.lower() in PARQUET_SUFFIXES and not path.is_dir():
        _check_readable_file(path)
        yield from parquet_chunks(path, names, points=points, empty_ok=empty_ok)
        return
    if path is None or path.is_dir() or path.suffix.lower() not in CSV_SUFFIXES | {""}:
        yield read_incidents(source, lon=lon, lat=lat, date=date, encoding=encoding)
        return
    _check_readable_file(path)
    _sniff_text(path, encoding)
    if careful:
        yield _from_whole_csv(path, names, encoding)
    else:
        yield from csv_chunks(path, names, encoding, points=points)


#: Bytes of CSV validated, classified and written at a time (about 190,000 ACLED rows): memory
#: stays flat as files grow. Each chunk costs ~20 ms of CPU besides its rows (pandas calls, a
#: Parquet row group): at 5M rows, 32 MiB chunks took 9 % less time than 16 MiB ones.
CHUNK_BYTES = 32 << 20
#: The first chunk is this much smaller, then each twice the last, up to :data:`CHUNK_BYTES`: the
#: classifying and writing threads wait for the first one.
FIRST_CHUNK_FRACTION = 8


def csv_chunks(path: Path, names: dict, encoding: str | None, *, points: bool = True):
    """Read a CSV in chunks with Arrow's streaming reader (:func:`zonemap.csv_stream.open_csv`: every
    column as text, nothing converted behind zonemap's back); each chunk validated like a whole file.

    Raises :class:`IrregularCSV` when a row has the wrong number of fields or text is not the encoding.
    """
    import pyarrow as pa

    opened = open_csv(path, encoding)
    size = path.stat().st_size
    bar = _progress(size, f"reading {path.name}", "B", large=size >= PROGRESS_CHARACTERS)
    with contextlib.closing(opened), bar:
        rows, line = 0, 2  # records so far; physical line of the next record (the header is line 1)
        batches = _batches(opened.reader)
        blocks = max(CHUNK_BYTES // csv_stream.BLOCK_BYTES, 1)
        take = max(blocks // FIRST_CHUNK_FRACTION, 1)  # small at first: the other stages start sooner
        try:
            while group := list(itertools.islice(batches, take)):
                take = min(2 * take, blocks)
                table = _strip_leading_spaces(pa.Table.from_batches(group)).to_pandas()  # text stays in Arrow
                table.index = pd.RangeIndex(rows + 1, rows + 1 + len(table))
                line = _refuse_swallowed_lines(table, opened.sep, path, first_line=line)
                rows += len(table)
                bar.update(opened.handle.tell() - bar.n)
                yield _from_table(table, path, names, sep=opened.sep, points=points)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            raise IrregularCSV() from None
    if rows == 0:
        raise InputError("has a header but no data rows", source=path)


def _batches(reader):
    """Arrow's record batches, one after another."""
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def _strip_leading_spaces(table):
    """Spaces after a delimiter are not part of the value (as pandas' ``skipinitialspace``): an Arrow
    table of text, stripped where any value starts with a space."""
    import pyarrow.compute as pc

    for i, column in enumerate(table.columns):
        if pc.any(pc.starts_with(column, " ")).as_py():
            table = table.set_column(i, table.field(i), pc.utf8_ltrim(column, characters=" "))
    return table


def _from_whole_csv(path: Path, names: dict, encoding: str | None) -> Incidents:
    """The careful reader: the whole file in memory, irregular rows rejected one by one."""
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("file is empty", source=path)
    return _from_csv(raw, _decode(raw, path, encoding), path, names, encoding)


def _check_readable_file(path: Path) -> None:
    """A regular file that exists (a device such as /dev/null, a pipe or a folder is named as such)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", source=path) from None
    if not stat.S_ISREG(mode):
        kind = "character device" if stat.S_ISCHR(mode) else "named pipe" if stat.S_ISFIFO(mode) else "special file"
        raise InputError(f"is a {kind}, not a regular file of incidents", source=path)


def _sniff_text(path: Path, encoding: str | None) -> None:
    """Refuse binary data from the head of the file, before a large file is read whole."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown text encoding {encoding!r}", source=path) from None
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head and _is_binary_text(head.decode(encoding_of(head, encoding), errors="ignore")[:4096]):
        raise InputError("binary data, not text", source=path)


def output_format(path) -> str:
    """The format of classified incidents written to ``path``, from its suffix (csv, geojson, parquet, gpkg).

    Examples
    --------
    >>> output_format("events.gpkg")
    'gpkg'
    """
    fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError("output must end in .csv, .geojson, .parquet or .gpkg", source=path)
    return fmt


def write_incidents(classified: gpd.GeoDataFrame, path, *, fmt: str | None = None) -> None:
    """Write classified incidents to ``path`` as they are (not atomically: give a temporary path).

    Every column is kept; CSV gets the point as ``longitude``/``latitude`` columns when the input
    had none; dates are written with their precision (``2020-02-27``, ``2020-02``, ``2020``): as
    timestamps in Parquet, and in GeoPackage as text plus a real DATE field ``event_day``.
    """
    with IncidentWriter(path, fmt or output_format(path)) as writer:
        writer.write(classified)


class IncidentWriter:
    """Writes classified incidents chunk after chunk to one file (CSV, GeoParquet, GeoPackage, GeoJSON).

    CSV and GeoParquet stream (one row group per chunk); GeoPackage appends; GeoJSON, a single
    document, is kept until :meth:`close` — use another format for files larger than memory.

    Examples
    --------
    >>> import tempfile, pathlib, zonemap
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.parquet"
    >>> events = zonemap.classify(zonemap.synthetic_incidents(4, seed=1))
    >>> with IncidentWriter(path, "parquet") as writer:
    ...     writer.write(events.iloc[:2])
    ...     writer.write(events.iloc[2:])
    >>> len(gpd.read_parquet(path))
    4
    """

    def __init__(self, path, fmt: str):
        self.path, self.fmt = Path(path), fmt
        self.columns: list | None = None
        self.parquet = None
        self.held: list[gpd.GeoDataFrame] = []

    def __enter__(self) -> IncidentWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        elif self.parquet is not None:
            self.parquet.close()

    def write(self, classified: gpd.GeoDataFrame | PointRows) -> None:
        """Append ``classified``: a GeoDataFrame, or :class:`PointRows` (points made only if the format needs them)."""
        first = self.columns is None
        if isinstance(classified, PointRows) and self.fmt not in ("parquet", "csv"):
            classified = classified.geodataframe()
        if first:
            self.columns = _columns_of(classified)
        elif _columns_of(classified) != self.columns:
            classified = _reindexed(classified, self.columns)
        if self.fmt == "parquet":
            self._write_parquet(classified)
        elif self.fmt == "csv":
            plain = plain_frame(classified)
            table = plain.assign(event_date=_date_text(plain))
            table.to_csv(self.path, mode="w" if first else "a", header=first, index=False, encoding="utf-8")
        elif self.fmt == "gpkg":
            dates = pd.to_datetime(classified["event_date"]).dt.date.astype(object)
            exact = (_precision(classified) == "day") & classified["event_date"].notna().to_numpy()
            table = classified.assign(event_date=_date_text(classified), event_day=np.where(exact, dates, None))
            table.rename(columns={"event_date": "event_date_text"}).to_file(
                self.path, driver="GPKG", layer="incidents", mode="w" if first else "a", use_arrow=True
            )
        else:
            self.held.append(classified)

    def _write_parquet(self, classified: gpd.GeoDataFrame | PointRows) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq
        from geopandas.io.arrow import _geopandas_to_arrow

        table = _points_to_arrow(classified)
        points = table is not None
        if not points:  # geometries that are not all 2D points: as geopandas writes them
            if isinstance(classified, PointRows):
                classified = classified.geodataframe()
            table = _geopandas_to_arrow(classified, index=False)
        if self.parquet is None:  # the first chunk sets the schema, with the GeoParquet metadata as geopandas writes it
            # (of points, taken from one row: shapely points for a whole chunk take ~0.1 s, holding the GIL)
            sample = classified.head(1) if points else classified
            if isinstance(sample, PointRows):
                sample = sample.geodataframe()
            sample = _geopandas_to_arrow(sample, index=False)
            geo = json.loads(sample.schema.metadata[b"geo"])
            name = geo["primary_column"]  # its field carries geopandas' GeoArrow extension metadata
            table = table.cast(table.schema.set(table.schema.get_field_index(name), sample.schema.field(name)))
            for column in geo["columns"].values():
                column.pop("bbox", None)  # the first chunk's extent is not the file's
            schema = table.schema.with_metadata({b"geo": json.dumps(geo).encode()})
            dictionary = _worth_a_dictionary(table)
            # floats of many values (coordinates, distances, probabilities) do not compress: stored as they are
            plain = {f.name: "none" for f in schema if pa.types.is_floating(f.type) and f.name not in dictionary}
            compression = {f.name: plain.get(f.name, "snappy") for f in schema}
            self.parquet = pq.ParquetWriter(
                self.path, schema, use_dictionary=dictionary, compression=compression, write_statistics=_ranged(schema)
            )
        table = table.cast(self.parquet.schema, safe=False).replace_schema_metadata(self.parquet.schema.metadata)
        self.parquet.write_table(table)

    def close(self) -> None:
        if self.parquet is not None:
            self.parquet.close()
            self.parquet = None
        if self.fmt == "geojson":
            frames = self.held or []
            table = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=data.WGS84)
            table.assign(event_date=_date_text(table)).to_file(self.path, driver="GeoJSON")
            self.held = []
        elif self.columns is None:
            raise InputError("nothing to write", source=self.path)


def _ranged(schema) -> list[str]:
    """Columns whose row groups get min/max statistics (what readers filter on: numbers, dates,
    flags); text, categories and geometries none (their ranges filter nothing and took ~10 % of
    the writing time)."""
    import pyarrow as pa

    kept = (pa.types.is_integer, pa.types.is_floating, pa.types.is_temporal, pa.types.is_boolean)
    return [f.name for f in schema if any(kind(f.type) for kind in kept)]


def _worth_a_dictionary(table) -> list[str]:
    """Columns with few distinct values in ``table`` (the first chunk): Parquet dictionary-encodes
    those; the others (ids, notes, coordinates, distances) are written plain at once, rather than
    after a dictionary that overflows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = []
    for field_, column in zip(table.schema, table.columns):
        kind = field_.type
        if pa.types.is_dictionary(kind):
            names.append(field_.name)
        elif not (pa.types.is_boolean(kind) or pa.types.is_binary(kind) or pa.types.is_nested(kind)):
            sample = column.slice(0, DICTIONARY_SAMPLE)
            if pc.count_distinct(sample).as_py() <= len(sample) // 4:
                names.append(field_.name)
    return names


#: Rows of the first chunk looked at to tell columns of few distinct values.
DICTIONARY_SAMPLE = 20_000


#: Well-known binary of a 2D point: byte order (1: little-endian), type (1: point), x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


#: The same, big-endian (byte order 0).
_WKB_POINT_BIG_ENDIAN = np.dtype([("order", "u1"), ("type", ">u4"), ("x", ">f8"), ("y", ">f8")])


def _points_to_arrow(frame: gpd.GeoDataFrame | PointRows):
    """An Arrow table of ``frame`` whose geometries are all 2D points, with their WKB (the bytes
    ``shapely.to_wkb`` writes) made by numpy from the coordinates; None for any other geometry.

    Examples
    --------
    >>> frame = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(36.6, 35.9)], crs="EPSG:4326")
    >>> _points_to_arrow(frame)["geometry"][0].as_py() == shapely.to_wkb(shapely.Point(36.6, 35.9))
    True
    """
    import pyarrow as pa

    if isinstance(frame, PointRows):
        plain, name, at, x, y = frame.frame, "geometry", frame.geometry_at, frame.lon, frame.lat
    else:
        name = frame.geometry.name
        geoms = frame.geometry.to_numpy()
        if len(geoms) == 0 or not (shapely.get_type_id(geoms) == 0).all() or shapely.has_z(geoms).any():
            return None
        plain, at = pd.DataFrame(frame.drop(columns=name)), list(frame.columns).index(name)
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    if len(x) == 0 or np.isnan(x).any() or np.isnan(y).any():  # empty points: left to shapely
        return None
    points = np.empty(len(x), dtype=_WKB_POINT)
    points["order"], points["type"], points["x"], points["y"] = 1, 1, x, y
    offsets = np.arange(0, (len(x) + 1) * _WKB_POINT.itemsize, _WKB_POINT.itemsize, dtype=np.int32)
    wkb = pa.Array.from_buffers(pa.binary(), len(x), [None, pa.py_buffer(offsets), pa.py_buffer(points)])
    return pa.Table.from_pandas(plain, preserve_index=False).add_column(at, name, wkb)


def plain_frame(frame: pd.DataFrame | PointRows) -> pd.DataFrame:
    """The columns but the geometry, as a plain DataFrame (a plain one as it is)."""
    if isinstance(frame, PointRows):
        return frame.frame
    if isinstance(frame, gpd.GeoDataFrame):
        return pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame


def _columns_of(frame: gpd.GeoDataFrame | PointRows) -> list:
    """Every column, the geometry's in its place."""
    if isinstance(frame, PointRows):
        columns = list(frame.frame.columns)
        return columns[: frame.geometry_at] + ["geometry"] + columns[frame.geometry_at :]
    return list(frame.columns)


def _reindexed(frame: gpd.GeoDataFrame | PointRows, columns: list):
    """``frame`` with ``columns`` (missing ones empty), e.g. a chunk without a column another chunk had."""
    if not isinstance(frame, PointRows):
        return frame.reindex(columns=columns)
    at = columns.index("geometry")
    return PointRows(frame.frame.reindex(columns=[c for c in columns if c != "geometry"]), frame.lon, frame.lat, at)


def _precision(frame: pd.DataFrame) -> np.ndarray:
    if "date_precision" in frame:
        return frame["date_precision"].astype("string").fillna("").to_numpy(dtype=object)
    return np.where(frame["event_date"].notna(), "day", "")


def _date_text(frame: pd.DataFrame) -> np.ndarray:
    """``event_date`` as text at the precision it was given (never a day that was not in the data)."""
    dates = pd.to_datetime(frame["event_date"])
    precision = _precision(frame)
    text = np.full(len(frame), None, dtype=object)
    for kind, fmt in (("day", "%Y-%m-%d"), ("month", "%Y-%m"), ("year", "%Y")):
        mask = precision == kind
        if mask.any():
            text[mask] = dates[mask].dt.strftime(fmt).to_numpy(dtype=object)
    return text


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
    """Bytes to text in the encoding of :func:`~zonemap.csv_stream.encoding_of`."""
    chosen = encoding_of(raw, encoding)
    try:
        text = raw.decode(chosen)
    except (UnicodeDecodeError, LookupError) as exc:
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        if _looks_binary(raw):
            raise InputError("binary data, not text", source=path) from None
        raise InputError(f"not {chosen} text{where} (give the encoding, e.g. --encoding cp1252)", source=path) from None
    if _is_binary_text(text[:4096]):
        raise InputError("binary data, not text", source=path)
    return text


def _is_binary_text(head: str) -> bool:
    return "\x00" in head or sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r") > len(head) * 0.05


def _looks_binary(raw: bytes) -> bool:
    head = raw[:4096]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return b"\x00" in head or controls > len(head) * 0.05


# --- readers --------------------------------------------------------------------------------------


def _from_csv(raw: bytes, text: str, path: Path, names: dict, encoding: str | None) -> Incidents:
    sep = sniff_delimiter(text)
    if encoding_of(raw, encoding) in ("utf-8", "utf-8-sig"):
        data_bytes = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    else:
        data_bytes = text.encode("utf-8")  # pandas parses UTF-8 bytes: no 4-bytes-a-character copy of the text
    try:
        with warnings.catch_warnings():  # pandas only warns when the first row has extra fields: make it fail
            warnings.simplefilter("error", pd.errors.ParserWarning)
            large = len(data_bytes) >= PROGRESS_CHARACTERS
            with _progress(len(data_bytes), f"reading {path.name}", "B", large=large) as bar:
                table = pd.read_csv(
                    CallbackIOWrapper(bar.update, io.BytesIO(data_bytes), "read"), sep=sep, dtype=str,
                    keep_default_na=False, na_filter=False, skipinitialspace=True, index_col=False,
                    encoding="utf-8",
                )  # fmt: skip
        bad_rows = pd.DataFrame(columns=["row", "kind", "reason"])
    except pd.errors.EmptyDataError:
        raise InputError("file is empty", source=path) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning):  # rows with too many fields: read one by one
        table, bad_rows = _read_ragged_csv(text, sep, path)
    del data_bytes
    table.index = pd.RangeIndex(1, len(table) + 1) if bad_rows.empty else table.index
    _refuse_swallowed_lines(table, sep, path)
    return _from_table(table, path, names, extra_rejects=bad_rows, header_only_is_error=True, sep=sep)


#: A field holding this many embedded lines that each look like a whole record (as many
#: delimiters as the header) is an unclosed quote, not a note with line breaks.
SWALLOWED_LINES = 1


def _refuse_swallowed_lines(table: pd.DataFrame, sep: str, path: Path, first_line: int = 2) -> int:
    """An unclosed quote makes one record of many lines: refuse the file, naming the row and lines.

    Legitimate quoted line breaks (a note over two lines) are kept; a field whose embedded lines
    have as many delimiters as the header are records the quote swallowed. ``first_line`` is the
    physical line of the table's first record; returns the line after its last.
    """
    records = len(table)
    fields_per_line = len(table.columns) - 1
    objects = [c for c in table.columns if table[c].dtype == object or pd.api.types.is_string_dtype(table[c])]
    objects = [c for c in objects if _may_hold(table[c], b"\n")]
    newline_rows = np.zeros(records, dtype=bool)
    for column in objects:
        newline_rows |= table[column].str.contains("\n", regex=False).fillna(False).to_numpy(dtype=bool)
    if not newline_rows.any():
        return first_line + records
    line_counts = np.zeros(records, dtype=np.int64)
    for column in objects:
        line_counts += table[column].str.count("\n").fillna(0).to_numpy(dtype=np.int64)
    lines = first_line + np.concatenate([[0], np.cumsum(1 + line_counts)[:-1]])  # physical line of each record
    for position in np.flatnonzero(newline_rows):
        values = table.iloc[position]
        swallowed = [
            line
            for value in values
            if isinstance(value, str) and "\n" in value
            for line in value.split("\n")[1:]
            if line.count(sep) >= max(fields_per_line, 1)
        ]
        if len(swallowed) >= SWALLOWED_LINES:
            start = int(lines[position])
            end = start + int(line_counts[position])
            raise InputError(
                f"a quote opened in this row does not close: it swallows lines {start + 1}-{end} "
                f"({len(swallowed):,} of them look like records); fix the quoting",
                source=path,
                row=int(table.index[position]),
            )
    return first_line + records + int(line_counts.sum())


def _may_hold(column: pd.Series, byte: bytes) -> bool:
    """Whether any value of a text column may hold ``byte`` (an ASCII character): a scan of the
    bytes of Arrow-backed text at once (its whole buffers: may say yes for a slice that has none)."""
    import pyarrow as pa

    try:
        chunks = column.array.__arrow_array__().chunks
    except (AttributeError, TypeError, pa.ArrowException):  # not Arrow-backed: ask each value
        return True
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is not None and ord(byte) in np.frombuffer(data, dtype=np.uint8):
            return True
    return False


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
    except RecursionError:
        raise InputError("JSON nested too deeply to be GeoJSON", source=path) from None
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
    crs = doc.get("crs")
    if crs is None:
        return None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or not name:
        raise InputError('"crs" is not a named CRS ({"type": "name", "properties": {"name": …}})', source=path)
    try:
        return pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        raise InputError(f"unknown CRS {name!r}", source=path) from None


def _to_lonlat(x, y, crs: pyproj.CRS):
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transformer.transform(x, y)


#: Rows of a GeoParquet file read, validated and classified at a time.
PARQUET_BATCH_ROWS = 131_072


def parquet_chunks(path: Path, names: dict, *, empty_ok: bool = False, points: bool = True):
    """A GeoParquet file read :data:`PARQUET_BATCH_ROWS` rows at a time (flat memory), each batch
    validated as :func:`read_incidents` validates the whole file; row numbers are the file's.
    A Parquet file without GeoParquet metadata (lon/lat columns), or one with no rows, is read whole.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    from geopandas.io import arrow as geoarrow

    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
        geo = geoarrow._validate_and_decode_metadata(schema.metadata)
    except Exception:  # noqa: BLE001 (no geo metadata, or damaged: the whole-file reader says which)
        yield _from_parquet(path, names, empty_ok=empty_ok)
        return
    if parquet.metadata.num_rows == 0 or not geo.get("columns"):
        yield _from_parquet(path, names, empty_ok=empty_ok)
        return
    columns = geoarrow._get_non_bbox_columns(schema, geo) if geoarrow._check_if_covering_in_geo_metadata(geo) else None
    lonlat = _lonlat_wkb_column(geo)
    as_whole = _as_in_the_whole_file(parquet, schema)
    first_row = 1
    try:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            table = pa.Table.from_batches([batch]).replace_schema_metadata(schema.metadata)
            try:
                xy = _points_of_wkb(table[lonlat]) if lonlat is not None else None
                if xy is None:  # other geometries, empty points, another CRS: geopandas and shapely read them
                    frame = geoarrow._arrow_to_geopandas(table, geo)
                else:  # 2D points in lon/lat, read from their bytes (as geopandas would, without shapely)
                    frame = table.drop_columns([lonlat]).to_pandas()
            except Exception as exc:  # noqa: BLE001 (damaged WKB and the like: shapely and pyarrow raise many types)
                raise InputError(f"not a readable Parquet file ({_first_line(exc)})", source=path) from None
            frame = as_whole(frame, first_row)
            if xy is None:
                yield _from_geoframe(frame, path, names, first_row=first_row, points=points)
            else:
                yield _from_point_columns(_keep_named_index(frame), *xy, path, names, first_row, points)
            first_row += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"not a readable Parquet file ({_first_line(exc)})", source=path) from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _as_in_the_whole_file(parquet, schema):
    """A function giving a batch's frame what reading the whole file gives it and a batch alone would
    not: the values of a named RangeIndex (pandas stores only its start and step), and the types of
    integer and boolean columns with a null anywhere in the file (floats and objects, as pandas
    makes them of the whole column)."""
    import pyarrow as pa

    ranges = [i for i in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(i, dict)]
    ranged = ranges[0] if len(ranges) == 1 and ranges[0].get("kind") == "range" and ranges[0].get("name") else None
    kinds = (pa.types.is_integer, pa.types.is_boolean)
    nullable = [f.name for f in schema if any(k(f.type) for k in kinds) and _has_nulls(parquet, f.name)]

    def as_whole(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
        if ranged is not None:
            start, step = ranged["start"] + ranged["step"] * (first_row - 1), ranged["step"]
            frame.index = pd.RangeIndex(start, start + step * len(frame), step, name=ranged["name"])
        for name in [c for c in nullable if c in frame.columns and frame[c].dtype.kind in "iub"]:
            frame[name] = frame[name].astype(float if frame[name].dtype.kind in "iu" else object)
        return frame

    return as_whole


def _has_nulls(parquet, name: str) -> bool:
    """Whether column ``name`` of a Parquet file holds a null: from its statistics, else read alone."""
    metadata = parquet.metadata
    counts = []
    for group in range(metadata.num_row_groups):
        for i in range(metadata.num_columns):
            chunk = metadata.row_group(group).column(i)
            if chunk.path_in_schema == name:
                stats = chunk.statistics
                counts.append(stats.null_count if stats is not None and stats.has_null_count else None)
    if counts and None not in counts:
        return sum(counts) > 0
    return parquet.read(columns=[name]).column(0).null_count > 0


def _lonlat_wkb_column(geo: dict) -> str | None:
    """The GeoParquet file's geometry column when it is the only one, WKB, in lon/lat (no CRS, i.e.
    OGC:CRS84, or EPSG:4326); None otherwise."""
    if len(geo["columns"]) != 1:
        return None
    name, column = next(iter(geo["columns"].items()))
    if column.get("encoding") != "WKB" or column.get("edges", "planar") != "planar":
        return None
    crs = column.get("crs", "OGC:CRS84")
    try:
        found = pyproj.CRS.from_user_input(crs)
    except (pyproj.exceptions.CRSError, TypeError, ValueError):
        return None
    return name if found.equals(pyproj.CRS(data.WGS84), ignore_axis_order=True) else None


def folder_chunks(path: Path, names: dict, encoding: str | None, *, points: bool = True):
    """A folder of GeoParquet parts with one schema, read part after part in chunks (each row with
    its ``file`` and its ``row`` in that file, warnings named by file): as :func:`read_incidents`
    reads the folder whole, in flat memory. Folders of other or differing files are read whole."""
    files = partition_files(path)
    if not _same_parquet_schema(files):
        yield read_incidents(path, lon=names["longitude"], lat=names["latitude"], date=names["date"], encoding=encoding)
        return
    for file in files:
        for events in parquet_chunks(file, names, empty_ok=True, points=points):
            yield labelled(events, file.name)


def labelled(events: Incidents, label: str) -> Incidents:
    """A reading of one file of a folder: ``file`` on every row; ``label`` names the file's warnings
    (:class:`~zonemap.ingest.Tally` adds them up over the file's chunks)."""
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


def _same_parquet_schema(files: list[Path]) -> bool:
    """Whether every file is GeoParquet with one schema and at least one row (so a folder's
    columns and types are known before any part is read: otherwise it is read whole, and unified)."""
    import pyarrow.parquet as pq

    if any(f.suffix.lower() not in PARQUET_SUFFIXES for f in files):
        return False
    try:
        metadata = [pq.read_metadata(f) for f in files]
    except Exception:  # noqa: BLE001 (a damaged part: the whole reader names it)
        return False
    schemas = [m.schema.to_arrow_schema() for m in metadata]
    if any(m.num_rows == 0 for m in metadata) or any(not s.metadata or b"geo" not in s.metadata for s in schemas):
        return False
    first = schemas[0].remove_metadata()
    return all(s.remove_metadata().equals(first) for s in schemas[1:])


def _from_parquet(path: Path, names: dict, *, empty_ok: bool = False) -> Incidents:
    try:
        frame = gpd.read_parquet(path)
    except (ValueError, KeyError):  # a Parquet table without geometry metadata: lon/lat columns
        table = _keep_named_index(_read_plain_parquet(path))
        if table.empty and empty_ok:
            return _empty(path)
        return _from_table(table, path, names, header_only_is_error=True)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0][:200]})", source=path) from None
    return _from_geoframe(frame, path, names, empty_ok=empty_ok)


def _read_plain_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise InputError(f"not a readable Parquet file ({str(exc).splitlines()[0][:200]})", source=path) from None


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


def partition_files(path: Path) -> list[Path]:
    """The data files of a folder of partitions, in name order: known suffixes only, hidden files
    (zonemap's own temporary files, macOS ``._x.csv``) and notes or logs passed over."""
    files = sorted(
        p
        for p in path.iterdir()
        if p.suffix.lower() in PARTITION_SUFFIXES and not p.name.startswith((".", "~$")) and p.is_file()
    )
    if not files:
        raise InputError("folder holds no .parquet, .csv or .geojson files", source=path)
    return files


def read_partition(path, names: dict, encoding: str | None = None) -> Incidents:
    """One file of a folder of partitions: as :func:`read_incidents`, but a file with no rows is fine."""
    path = Path(path)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        _check_readable_file(path)
        return _from_parquet(path, names, empty_ok=True)
    return read_incidents(path, lon=names["longitude"], lat=names["latitude"], date=names["date"], encoding=encoding)


def _from_folder(path: Path, names: dict, encoding: str | None) -> Incidents:
    """A folder of partitions (e.g. GeoParquet), read in name order; rows are numbered within each file."""
    files = partition_files(path)
    parts = []
    with _progress(len(files), f"reading {path.name}/", " files", large=len(files) > 1) as bar:
        for file in files:
            parts.append(read_partition(file, names, encoding))
            bar.update()
    return combine(parts, source=str(path))


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


# --- validation -----------------------------------------------------------------------------------


def _find_column(columns, wanted, role: str, source, required: bool) -> str | None:
    lookup = {str(c).strip().lstrip("\ufeff").lower(): c for c in columns}
    if wanted is not None:
        if str(wanted).lower() in lookup:
            return lookup[str(wanted).lower()]
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


#: Matches an ISO time with a UTC offset: the offset is dropped so the local calendar date stays.
_OFFSET = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$")


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
        dates = dates.astype("datetime64[ns]")
        return dates, _text_array(["", "day"], dates.notna().to_numpy().astype(np.int64))
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
    return parsed, precision


#: The forms most files use, read first by Arrow's strptime (fast); the rest go to :func:`_rare_dates`.
COMMON_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y")


def _common_dates(text: pd.Series) -> pd.Series:
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
    return pd.Series(found.to_numpy(zero_copy_only=False), index=text.index).astype("datetime64[ns]")


def _rare_dates(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """ISO 8601 with times and offsets, months, years and ACLED's other long forms; relative words refused."""
    text = text.mask(text.str.lower().isin(RELATIVE_DATES), "")
    text = text.str.replace(_OFFSET, r"\1", regex=True)
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
    parsed = pd.Series(parsed, index=text.index).astype("datetime64[ns]")
    precision = np.where(year, "year", np.where(month, "month", "day"))
    return parsed, np.where(parsed.notna().to_numpy(), precision, "").astype(object)


def _free_name(name: str, taken) -> str:
    """``<name>_in_file``, or ``<name>_in_file_2``, … whichever is not a column yet."""
    candidate, number = f"{name}_in_file", 2
    while candidate in taken:
        candidate, number = f"{name}_in_file_{number}", number + 1
    return candidate


def _rename_reserved(table: pd.DataFrame, reserved=RESERVED_COLUMNS) -> pd.DataFrame:
    """Input columns named like columns zonemap adds are kept under a free ``<name>_in_file`` name."""
    renames, taken = {}, set(map(str, table.columns))
    for column in table.columns:
        if str(column) in reserved:
            renames[column] = _free_name(str(column), taken)
            taken.add(renames[column])
    return table.rename(columns=renames) if renames else table


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
    """Syria's outline as a :class:`~zonemap.grid_index.PolygonGrid` (safe to query from several
    threads), built once per process: only points near the border are tested against the outline."""
    from .grid_index import PolygonGrid

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

    ok = free
    good = table if ok.all() else table.loc[ok]
    good = good.drop(columns=[c for c in (lon_col, lat_col) if str(c).startswith("__")])
    good = good.assign(event_date=dates[ok].to_numpy(), date_precision=precision[ok], fatalities=fatalities[ok])
    if coords is None:
        good[lon_col], good[lat_col] = lon[ok], lat[ok]
    else:  # the point from a geometry, as columns too: a CSV of the result keeps the location
        for name, values in (("longitude", lon), ("latitude", lat)):
            good[name if name not in good.columns else f"point_{name}"] = values[ok]
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
