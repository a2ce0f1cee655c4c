"""Writing classified incidents: :class:`IncidentWriter` appends chunks to CSV, GeoJSON,
GeoParquet or GeoPackage through a temporary file, and :func:`write_incidents` writes a frame.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, ZonemapWarning
from ..model import data
from ..output import atomic_path
from .cells import escape_formulas
from .rows import _WKB_POINT, PointRows  # zonemap-split

#: Output formats of classified incidents, by suffix.
OUTPUT_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson", ".parquet": "parquet", ".gpkg": "gpkg"}


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


def write_incidents(classified: gpd.GeoDataFrame, path, *, fmt: str | None = None, raw_csv_cells: bool = False) -> None:
    """Write classified incidents to ``path`` as they are, atomically (a temporary file beside it, renamed).

    Every column is kept; CSV gets the point as ``longitude``/``latitude`` columns when the input
    had none; dates are written with their precision (``2020-02-27``, ``2020-02``, ``2020``): as
    timestamps in Parquet, and in GeoPackage as text plus a real DATE field ``event_day``. In CSV,
    text a spreadsheet would run as a formula is escaped (:mod:`.cells`) unless ``raw_csv_cells``.
    """
    fmt = fmt or output_format(path)
    with atomic_path(path) as tmp, IncidentWriter(tmp, fmt, raw_csv_cells=raw_csv_cells) as writer:
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

    def __init__(self, path, fmt: str, *, raw_csv_cells: bool = False):
        self.path, self.fmt = Path(path), fmt
        self.raw_csv_cells = raw_csv_cells
        self.gpkg_names: dict = {}
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
            table = escape_formulas(plain.assign(event_date=_date_text(plain)), raw=self.raw_csv_cells)
            table.to_csv(self.path, mode="w" if first else "a", header=first, index=False, encoding="utf-8")
        elif self.fmt == "gpkg":
            if first:
                self.gpkg_names = geopackage_names(classified.columns, classified.geometry.name)
            classified = classified.rename(columns=self.gpkg_names) if self.gpkg_names else classified
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


#: Column names a GeoPackage layer of incidents holds besides the user's (compared ignoring case, as
#: SQLite does): GDAL's feature id and geometry column, and the two columns of ``event_date``.
GEOPACKAGE_NAMES = ("fid", "geom", "geometry", "event_date_text", "event_day")


def geopackage_names(columns, geometry: str = "geometry") -> dict:
    """New names for the user's columns a GeoPackage cannot hold as they are (one of
    :data:`GEOPACKAGE_NAMES`, or a name repeated ignoring case): ``<name>_1`` (or the next free
    number). Says which in one warning line; every value is kept.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     geopackage_names(["Notes", "notes", "fid", "Geometry", "event_date", "geometry"])
    {'notes': 'notes_1', 'fid': 'fid_1', 'Geometry': 'Geometry_1'}
    """
    used = {name.lower() for name in GEOPACKAGE_NAMES}
    renames = {}
    for column in columns:
        if column in (geometry, "event_date"):  # zonemap's own: written as geometry, event_date_text, event_day
            continue
        name = str(column)
        if name.lower() in used:
            number = 1
            while f"{name}_{number}".lower() in used or f"{name}_{number}" in columns:
                number += 1
            renames[column] = f"{name}_{number}"
        used.add(str(renames.get(column, name)).lower())
    if renames:
        pairs = ", ".join(f"{old} -> {new}" for old, new in renames.items())
        warnings.warn(
            f"GeoPackage columns renamed (names the format reserves or repeats ignoring case): {pairs}",
            ZonemapWarning,
            stacklevel=3,
        )
    return renames


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
