"""The file formats incidents come in: CSV (sniffed, chunked, irregular rows handled), GeoJSON
points, GeoParquet (batched) and folders of parts. Owns the file suffixes. Every reader hands its
table to :mod:`.rows` for validation.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import json
import stat
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from tqdm import tqdm
from tqdm.utils import CallbackIOWrapper

from ..errors import InputError
from ..model import data
from . import csv_stream
from .csv_stream import SNIFF_BYTES, IrregularCSV, encoding_of, open_csv, sniff_delimiter
from .rows import (  # zonemap-split
    Incidents,
    _empty,
    _from_geoframe,
    _from_point_columns,
    _from_table,
    _keep_named_index,
    _points_of_wkb,
    _to_lonlat,
)

#: Suffixes read as partitions of a folder (hidden files, notes and logs are passed over).
PARTITION_SUFFIXES = {".csv", ".tsv", ".parquet", ".geoparquet", ".pq", ".geojson"}

#: Files at least this large (characters) show a progress bar while they are parsed: on a terminal
#: only (tqdm's ``disable=None``), so logs and pipes stay clean.
PROGRESS_CHARACTERS = 8_000_000

GEOJSON_SUFFIXES = {".geojson", ".json"}

PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}

#: Bytes of CSV validated, classified and written at a time (about 190,000 ACLED rows): memory
#: stays flat as files grow. Each chunk costs ~20 ms of CPU besides its rows (pandas calls, a
#: Parquet row group): at 5M rows, 32 MiB chunks took 9 % less time than 16 MiB ones.
CHUNK_BYTES = 32 << 20

#: The first chunk is this much smaller, then each twice the last, up to :data:`CHUNK_BYTES`: the
#: classifying and writing threads wait for the first one.
FIRST_CHUNK_FRACTION = 8


def csv_chunks(path: Path, names: dict, encoding: str | None, *, points: bool = True):
    """Read a CSV in chunks with Arrow's streaming reader (:func:`zonemap.incidents.csv_stream.open_csv`: every
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
            text = codecs.lookup(encoding)._is_text_encoding
        except LookupError:
            raise InputError(f"unknown text encoding {encoding[:80]!r}", source=path) from None
        if not text:  # rot13, base64, zlib: transforms, not encodings of text as bytes
            raise InputError(f"{encoding[:80]!r} is not an encoding of text as bytes", source=path)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head and _is_binary_text(head.decode(encoding_of(head, encoding), errors="ignore")[:4096]):
        raise InputError("binary data, not text", source=path)


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    """Bytes to text in the encoding of :func:`~zonemap.incidents.csv_stream.encoding_of`."""
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
