"""Reading incidents: :func:`read_incidents` (a whole file, folder or frame) and
:func:`read_chunks` (flat memory), dispatching on the input's kind to :mod:`.formats` and
validating rows with :mod:`.rows`.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import InputError
from ..model import data
from .csv_stream import CSV_SUFFIXES, IrregularCSV
from .formats import (  # zonemap-split
    GEOJSON_SUFFIXES,
    PARQUET_SUFFIXES,
    _check_readable_file,
    _decode,
    _from_geojson,
    _from_parquet,
    _from_whole_csv,
    _progress,
    _same_parquet_schema,
    _sniff_text,
    csv_chunks,
    parquet_chunks,
    partition_files,
)
from .geopackage import GEOPACKAGE_SUFFIXES, from_geopackage
from .rows import (  # zonemap-split
    Incidents,
    _from_geoframe,
    _from_table,
    _keep_named_index,
    combine,
    labelled,
    merge_chunks,
)


def read_incidents(
    source,
    *,
    lon: str | None = None,
    lat: str | None = None,
    date: str | None = None,
    encoding: str | None = None,
) -> Incidents:
    """Read incidents from a file (CSV/ACLED, GeoJSON, GeoParquet or a folder of them; GeoPackage) or a frame.

    CSV: UTF-8 (with or without BOM) or UTF-16, comma, semicolon or tab delimited, decimal commas
    allowed; ``lon``/``lat``/``date`` name the columns when they are not the usual ones
    (``longitude``/``latitude``/``event_date``…). A GeoJSON, GeoParquet or GeoPackage CRS is honoured;
    a GeoPackage's layer is ``incidents`` (as zonemap writes it) or its only layer of features.

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
    if suffix in GEOPACKAGE_SUFFIXES:
        return from_geopackage(path, names)
    if suffix not in GEOJSON_SUFFIXES | CSV_SUFFIXES and suffix:
        raise InputError(f"unknown file type {suffix!r}: use .csv, .geojson, .json, .parquet or .gpkg", source=path)
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
