"""Beyond one machine's memory: the same classification on dask, one partition (file) at a time.

Each file of a folder (GeoParquet, CSV or GeoJSON) is read, validated and classified on a dask
worker exactly as :func:`zonemap.read_incidents` and :func:`zonemap.classify` would in memory.
Rejected rows travel with the result (``kind``/``reason`` set, classification empty), so
accounting holds partition by partition. Needs the ``dask`` extra (dask-geopandas, distributed).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import ArgumentError, ZonemapError
from ..output import atomic_folder
from .csv_stream import CSV_SUFFIXES
from .formats import PARQUET_SUFFIXES, partition_files
from .read import read_partition
from .stream import Tally


def _read_and_classify(path: str, model, names: dict, nearest_place: bool = True):
    """One partition read as a folder's file is in memory (``file`` column set) and its accepted rows classified."""
    from .classification import classify

    columns = {"longitude": names["lon"], "latitude": names["lat"], "date": names["date"]}
    events = read_partition(path, columns)
    events.accepted = events.accepted.assign(file=Path(path).name)
    events.rejected = events.rejected.assign(file=Path(path).name)
    return events, classify(events.accepted, model, nearest_place=nearest_place)


def _classified_partition(path: str, model, names: dict, nearest_place: bool = True) -> gpd.GeoDataFrame:
    events, accepted = _read_and_classify(path, model, names, nearest_place)
    accepted = accepted.assign(kind=None, reason=None)
    rejected = events.rejected.assign(geometry=None)
    frame = pd.concat([accepted, rejected], ignore_index=True) if len(rejected) else accepted
    # the same dtypes in every partition, with or without rejected rows (sides and places: categories)
    types = {c: "boolean" if c.startswith("in_") else accepted[c].dtype for c in _labels(frame)}
    frame = frame.astype(types | {"kind": "string", "reason": "string"})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _derived(frame) -> list[str]:
    return [c for c in frame.columns if c.startswith(("in_", "side_", "dist_", "nearest_place"))]


def _labels(frame) -> list[str]:
    """The derived columns that are not distances: memberships, sides, nearest place."""
    return [c for c in _derived(frame) if not c.endswith("_km")]


def classify_dask(
    source, model, *, lon: str | None = None, lat: str | None = None, date: str | None = None, nearest_place=True
):
    """A lazy dask-geopandas frame: every row of every file of ``source``, classified or rejected.

    ``source`` is a folder of partitions (or one file), or a dask-geopandas GeoDataFrame of points
    (classified with ``map_partitions``). Call ``.compute()`` or write it with ``.to_parquet()``.
    Accepted rows have ``reason`` empty; rejected rows carry ``kind`` and ``reason``.
    """
    try:
        import dask
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError:
        raise ArgumentError("the dask engine needs the dask extra: pip install 'zonemap[dask]'") from None
    from .classification import classify

    if isinstance(source, dask_geopandas.GeoDataFrame):
        meta = classify(source._meta, model, nearest_place=nearest_place)
        return source.map_partitions(classify, model, nearest_place=nearest_place, meta=meta)
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentError("the dask engine takes a folder or file path, or a dask-geopandas GeoDataFrame")
    path = Path(source)
    files = partition_files(path) if path.is_dir() else [path]
    names = {"lon": lon, "lat": lat, "date": date}
    shared = model_once(model)
    parts = [dask.delayed(_classified_partition)(str(f), shared, names, nearest_place) for f in files]
    meta = _meta(files[0], model, names, nearest_place)
    if meta is None:  # a first file whose head cannot be cut out (e.g. GeoJSON): dask reads it to learn the columns
        return dd.from_delayed(parts, verify_meta=False)
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def model_once(model):
    """The model as one dask task of its own: each worker receives it once, not once per partition.

    Examples
    --------
    >>> import zonemap
    >>> shared = model_once(zonemap.zone_model())
    >>> len(shared.dask), sorted(shared.compute().zones)[0]
    (1, 'dmz_15km_2018_line')
    """
    import dask

    return dask.delayed(model, name=f"zone-model-{uuid.uuid4().hex}", pure=True)


#: Rows of the first file read to learn the columns of the result (its ``meta``).
META_ROWS = 20


def _meta(first: Path, model, names: dict, nearest_place: bool):
    """The empty frame :func:`_classified_partition` makes of files like ``first``, from its first
    rows only (copied to a temporary file, read as a partition); None where that cannot be done."""
    import pyarrow.parquet as pq

    suffix = first.suffix.lower()
    with tempfile.TemporaryDirectory(prefix="zonemap-meta-") as folder:
        head = Path(folder) / first.name
        try:
            if suffix in PARQUET_SUFFIXES:
                parquet = pq.ParquetFile(first)
                batch = next(parquet.iter_batches(batch_size=META_ROWS), None)
                if batch is None:
                    return None
                pq.write_table(pa_table([batch], parquet.schema_arrow), head)
            elif suffix in CSV_SUFFIXES:
                with open(first, "rb") as handle:
                    data = handle.read(1 << 16)
                lines = data.splitlines(keepends=True)
                if len(lines) < 3 or b"\x00" in data:  # UTF-16 is not cut at a byte
                    return None
                head.write_bytes(b"".join(lines[: min(META_ROWS, len(lines) - 1)]))  # whole lines only
            else:
                return None
            return _classified_partition(str(head), model, names, nearest_place).iloc[:0]
        except (ZonemapError, ValueError, OSError):
            return None


def pa_table(batches, schema):
    """Record batches as a table with ``schema``'s metadata (GeoParquet's ``geo``)."""
    import pyarrow as pa

    return pa.Table.from_batches(batches).replace_schema_metadata(schema.metadata)


def split(result: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Computed :func:`classify_dask` output -> (accepted and classified, rejected with reasons)."""
    rejected_mask = result["reason"].notna().to_numpy()
    accepted = result[~rejected_mask].drop(columns=["kind", "reason"]).reset_index(drop=True)
    # memberships: booleans, nullable where a month or year straddles a zone's start or end (uncertain)
    members = [c for c in _labels(accepted) if c.startswith("in_")]
    accepted = accepted.astype({c: bool if accepted[c].notna().all() else "boolean" for c in members})
    # dates and deaths shared their columns with rejected rows' text: their types as read in memory
    accepted["event_date"] = pd.to_datetime(accepted["event_date"])
    accepted["fatalities"] = pd.to_numeric(accepted["fatalities"])
    rejected = pd.DataFrame(result.loc[rejected_mask].drop(columns=[*_derived(result), "geometry"]))
    rejected = rejected.reset_index(drop=True).astype({"kind": object, "reason": object})
    return gpd.GeoDataFrame(accepted, geometry="geometry", crs="EPSG:4326"), rejected


@dataclass
class Written:
    """What :func:`classify_to_parquet` brings back: the tally of every partition (counts, summaries,
    rejected rows and warnings; no accepted row) and how many parts it wrote."""

    tally: Tally
    parts: int

    @property
    def rows_read(self) -> int:
        return self.tally.rows_read

    @property
    def accepted(self) -> int:
        return self.tally.accepted


def classify_to_parquet(source, folder, model, *, lon=None, lat=None, date=None, **tallied) -> Written:
    """Classify every file of ``source`` on dask, writing each partition to ``folder`` as it is done.

    ``folder`` becomes a GeoParquet dataset (``part-00000.parquet``, … one per input file with
    accepted rows, all with one schema, readable with :func:`zonemap.read_incidents`), written
    only when every partition succeeded; an existing folder is replaced only if zonemap wrote it.
    Only counts, summaries and rejected rows come back to this process, so inputs larger than
    memory work. ``tallied`` chooses the summaries kept (:class:`~zonemap.incidents.stream.Tally`'s
    ``by_event_type``, ``monthly``, ``periods``, ``outside``; by default the monthly summary and
    the rows outside Syria).

    Examples
    --------
    >>> import pathlib, tempfile, zonemap
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> zonemap.synthetic_incidents(50, seed=1).to_parquet(folder / "events.parquet")
    >>> written = classify_to_parquet(folder / "events.parquet", folder / "out.parquet", zonemap.zone_model())
    >>> written.rows_read, written.accepted, sorted(p.name for p in (folder / "out.parquet").iterdir())
    (50, 50, ['.zonemap-output', 'part-00000.parquet'])
    """
    with atomic_folder(folder, inputs=[source]) as tmp:
        return write_parts(source, tmp, model, lon=lon, lat=lat, date=date, **tallied)


def write_parts(
    source,
    folder,
    model,
    *,
    lon=None,
    lat=None,
    date=None,
    by_event_type=False,
    monthly=True,
    periods=False,
    outside=True,
    as_of="event",
) -> Written:
    """:func:`classify_to_parquet` into an existing, empty ``folder`` (e.g. a temporary one), not atomically."""
    try:
        import dask
    except ImportError:
        raise ArgumentError("the dask engine needs the dask extra: pip install 'zonemap[dask]'") from None
    path = Path(source)
    files = partition_files(path) if path.is_dir() else [path]
    names = {"lon": lon, "lat": lat, "date": date}
    outputs = [Path(folder) / f"part-{i:05d}.parquet" for i in range(len(files))]
    taken = [out.name for out in outputs if os.path.lexists(out)]
    if taken:  # never written over (nor removed, for a file with no accepted row)
        raise ArgumentError(f"{folder}: already holds {taken[0]}: give an empty folder")
    tallied = {"by_event_type": by_event_type, "monthly": monthly, "periods": periods, "outside": outside}
    parts = dask.compute(*_write_tasks(files, outputs, model, names, tallied | {"as_of": as_of}))
    failed = next((part for part in parts if isinstance(part, Exception)), None)
    if failed is not None:  # raised only now that no part is still being written into the folder
        raise failed
    unify_part_schemas([out for out in outputs if out.exists()])
    total = Tally(by_event_type=by_event_type, monthly_wanted=monthly, periods_wanted=periods, outside_wanted=outside)
    for file, part in zip(files, parts):
        total.merge(part, label=file.name)
    return Written(tally=total, parts=sum(1 for part in parts if part.accepted))


def _write_tasks(files, outputs, model, names: dict, options: dict) -> list:
    """One delayed :func:`_write_partition` per file, all sharing one model task."""
    import dask

    shared = model_once(model)
    return [
        dask.delayed(_write_partition)(str(file), str(out), shared, names, options) for file, out in zip(files, outputs)
    ]


def _write_partition(path: str, out: str, model, names: dict, options: dict) -> Tally:
    """Read, classify and write one partition in chunks, as ``zonemap incidents`` does one file (the
    same streaming reader and writer); return its tally (counts, summaries, rejected rows, warnings)
    or the error that stopped it. ``options``: :func:`~zonemap.incidents.stream.classify_file`'s
    (summaries kept, ``as_of``).

    The error is returned, not raised: dask raises a task's error at once, while other parts are
    still being written into the folder that the caller then removes."""
    from .stream import classify_file

    name = Path(path).name
    try:
        tally = classify_file(path, out, model, fmt="parquet", file_column=name, empty_ok=True, **options, **names)
    except Exception as error:  # handed back whole and raised once every part has stopped
        return error
    if not tally.accepted:  # a file whose every row was rejected leaves no part
        Path(out).unlink(missing_ok=True)
    return tally


def unify_part_schemas(paths: list[Path]) -> None:
    """Rewrite GeoParquet parts so that all have one schema: every column in every part (empty
    where a file lacked it), in one order, and text where files disagree on a column's type."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(p) for p in paths]
    if len({s.remove_metadata().to_string() for s in schemas}) <= 1:
        return
    types: dict[str, list] = {}
    for schema in schemas:
        for item in schema:
            if item.type != pa.null() and item.type not in types.setdefault(item.name, []):
                types[item.name].append(item.type)
    target = pa.schema([pa.field(n, t[0] if len(t) == 1 else pa.string()) for n, t in types.items()])
    geo = next((s.metadata[b"geo"] for s in schemas if s.metadata and b"geo" in s.metadata), None)
    target = target.with_metadata({b"geo": geo} if geo else {})
    for path, schema in zip(paths, schemas):
        if schema.remove_metadata().equals(target.remove_metadata()):
            continue
        table = pq.read_table(path)
        columns = [
            table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type) for f in target
        ]
        pq.write_table(pa.Table.from_arrays(columns, schema=target), path)
