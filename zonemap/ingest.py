"""Classify an incidents file chunk by chunk: read, validate, classify and write with flat memory.

What ``zonemap incidents FILE -o OUT`` runs. A CSV is read in chunks (:func:`~zonemap.incidents.read_chunks`),
each chunk classified and appended to the output (:class:`~zonemap.incidents.IncidentWriter`) while
counts, summaries and rejected rows accumulate in a :class:`Tally` — no second pass over the data.
The dask engine (:mod:`zonemap.scale`) keeps one :class:`Tally` per partition and adds them up.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import pickle
import queue
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import incidents, summary


@dataclass
class Tally:
    """Rows read, accepted and rejected, warnings, zone counts and monthly rows, added up over chunks.

    Examples
    --------
    >>> import zonemap
    >>> events = zonemap.read_incidents(pd.DataFrame({"lon": [36.63], "lat": [35.93], "date": ["2020-02-27"]}))
    >>> tally = Tally()
    >>> tally.add(events, zonemap.classify(events.accepted))
    >>> tally.rows_read, tally.accepted, int(tally.zone_counts().set_index("zone").loc["idlib_area", "events"])
    (1, 1, 1)
    """

    by_event_type: bool = False
    #: Whether to keep the monthly summary (:meth:`monthly`); counts are always kept.
    monthly_wanted: bool = True
    #: Whether to keep the summary by contact-line period (:meth:`periods`).
    periods_wanted: bool = False
    rows_read: int = 0
    accepted: int = 0
    dated: bool = True
    outside_rows: list = field(default_factory=list)
    rejected_parts: list = field(default_factory=list)
    count_parts: list = field(default_factory=list)
    monthly_parts: list = field(default_factory=list)
    period_parts: list = field(default_factory=list)
    #: Whether to keep the accepted rows outside Syria (:meth:`outside`); their row numbers are always kept.
    outside_wanted: bool = True
    outside_parts: list = field(default_factory=list)  # accepted rows outside Syria, as written
    opposition: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # warnings of whole readings (e.g. other files)
    #: Per file of a folder read in chunks (``Incidents.label``): its own tally of warnings.
    files: dict = field(default_factory=dict)

    def add(self, events: incidents.Incidents, classified: pd.DataFrame | incidents.PointRows) -> None:
        """Count one chunk: its reading (``events``) and its accepted rows, classified."""
        if isinstance(classified, incidents.PointRows):
            classified = classified.frame
        self.rows_read += events.rows_read
        self.accepted += len(classified)
        warned = self if events.label is None else self.files.setdefault(events.label, Tally(monthly_wanted=False))
        warned.dated &= events.dated
        warned.outside_rows.append(np.asarray(events.outside_rows))
        derived = incidents.reading_warnings(events.dated, events.outside_rows)
        warned.notes += [w for w in events.warnings if w not in derived]  # e.g. a folder's, named by file
        if len(events.rejected):
            self.rejected_parts.append(events.rejected)
        if self.outside_wanted and len(events.outside_rows) and "row" in classified:
            away = classified[np.isin(classified["row"].to_numpy(), events.outside_rows)]
            self.outside_parts.append(incidents.plain_frame(away))
        self.count_parts.append(summary.zone_counts(classified))
        if self.monthly_wanted:
            self.monthly_parts.append(summary.monthly_summary(classified, by_event_type=self.by_event_type))
        if self.periods_wanted:
            self.period_parts.append(summary.period_summary(classified, by_event_type=self.by_event_type))
        for column in (c for c in classified.columns if c == "side" or c.startswith("side_")):
            self.opposition[column] = self.opposition.get(column, 0) + int((classified[column] == "opposition").sum())

    def merge(self, other: Tally, *, label: str | None = None) -> None:
        """Add another tally (e.g. another file's); its warnings are kept apart, named by ``label``."""
        self.rows_read += other.rows_read
        self.accepted += other.accepted
        self.rejected_parts += other.rejected_parts
        self.count_parts += other.count_parts
        self.monthly_parts += other.monthly_parts
        self.period_parts += other.period_parts
        self.outside_parts += other.outside_parts
        for key, value in other.opposition.items():
            self.opposition[key] = self.opposition.get(key, 0) + value
        self.notes += [f"{label}: {w}" if label else w for w in other.warnings]

    @property
    def warnings(self) -> list[str]:
        rows = np.concatenate(self.outside_rows) if self.outside_rows else np.array([], dtype=np.int64)
        own = incidents.reading_warnings(self.dated, rows) if self.count_parts or self.outside_rows else []
        by_file = [f"{label}: {w}" for label, part in self.files.items() for w in part.warnings]
        return own + by_file + self.notes

    def rejected(self) -> pd.DataFrame:
        if not self.rejected_parts:
            return pd.DataFrame(columns=["row", "kind", "reason"])
        return pd.concat(self.rejected_parts, ignore_index=True)

    def outside(self) -> pd.DataFrame:
        """Every accepted row that lies outside Syria (the warning names only the first few)."""
        if not self.outside_wanted:
            raise ValueError("this tally was made without the rows outside Syria (outside_wanted=False)")
        if not self.outside_parts:
            return pd.DataFrame(columns=["row"])
        return pd.concat(self.outside_parts, ignore_index=True)

    def zone_counts(self) -> pd.DataFrame:
        """As :func:`zonemap.summary.zone_counts` over every chunk."""
        counts = pd.concat(self.count_parts, ignore_index=True)
        return counts.groupby("zone", sort=False, as_index=False).sum(min_count=1)

    def monthly(self) -> pd.DataFrame:
        """As :func:`zonemap.summary.monthly_summary` over every chunk."""
        if not self.monthly_wanted:
            raise ValueError("this tally was made without its monthly summary (monthly_wanted=False)")
        return summary.combine_monthly(self.monthly_parts, zones=self.zone_counts()["zone"])

    def periods(self) -> pd.DataFrame:
        """As :func:`zonemap.summary.period_summary` over every chunk."""
        if not self.periods_wanted:
            raise ValueError("this tally was made without its period summary (periods_wanted=False)")
        return summary.combine_monthly(self.period_parts, zones=self.zone_counts()["zone"])

    def report(self, source) -> str:
        return incidents.report(source, self.rows_read, self.accepted, self.rejected(), self.warnings)


def classify_file(
    source,
    out,
    model,
    *,
    fmt: str,
    by_event_type=False,
    monthly=True,
    periods=False,
    outside=True,
    as_of="event",
    file_column: str | None = None,
    **reading,
) -> Tally:
    """Read ``source`` in chunks, classify each against ``model`` and write it to ``out`` (format ``fmt``).

    ``out`` is written as it is (give a temporary path: the CLI renames it when all is done).
    ``reading`` takes :func:`~zonemap.incidents.read_chunks`' options (``lon``, ``lat``, ``date``,
    ``encoding``). An irregular CSV (rows with too many fields…) is read again whole, carefully.
    ``monthly=False`` skips the monthly summary (:meth:`Tally.monthly`); ``periods=True`` keeps the
    summary by contact-line period; ``outside=False`` keeps no accepted rows outside Syria (only
    their row numbers, for the warning: at a few percent of a large file, the rows add up);
    ``as_of`` is :func:`~zonemap.classify`'s (each event as of its date); ``file_column`` puts a
    ``file`` column with that name on every row (a folder's part, as the dask engine writes them).

    The next chunks are read and validated in a second thread while this one is classified, and the
    previous ones written in a third (Arrow, numpy and shapely release the GIL), with at most
    :data:`READ_AHEAD` chunks read and :data:`WRITE_BEHIND` classified waiting: memory stays flat.

    Examples
    --------
    >>> import pathlib, tempfile, zonemap
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> zonemap.synthetic_incidents(20, seed=2).drop(columns="geometry").to_csv(folder / "e.csv", index=False)
    >>> tally = classify_file(folder / "e.csv", folder / "out.parquet", zonemap.zone_model(), fmt="parquet")
    >>> tally.rows_read, tally.accepted, len(pd.read_parquet(folder / "out.parquet"))
    (20, 20, 20)
    """

    def tally():
        return Tally(
            by_event_type=by_event_type, monthly_wanted=monthly, periods_wanted=periods, outside_wanted=outside
        )

    def named(chunks):
        return chunks if file_column is None else (incidents.with_file(events, file_column) for events in chunks)

    try:
        chunks = incidents.read_chunks(source, points=False, **reading)
        return _classify_chunks(named(chunks), out, model, fmt, tally(), as_of)
    except incidents.IrregularCSV:
        chunks = incidents.read_chunks(source, careful=True, **reading)
        return _classify_chunks(named(chunks), out, model, fmt, tally(), as_of)


#: Chunks read ahead of the one being classified and written (each about ``incidents.CHUNK_BYTES`` of CSV).
READ_AHEAD = 2


#: Classified chunks waiting to be written (in order, one at a time) while the next is classified.
#: Two, as two read ahead: the stages take turns on two cores without waiting for each other (4 %
#: faster than one at 5M rows; each chunk in flight holds ~60 MB).
WRITE_BEHIND = 2


def _classify_chunks(chunks, out, model, fmt: str, tally: Tally, as_of="event") -> Tally:
    """Three stages at once: the next chunks are read (and validated) in one thread, this one
    classified in this thread, the previous ones joined to their classification, written and counted
    in a third (which takes on the joining and counting, to share the work evenly). The reader runs
    at a lower priority (:data:`BACKGROUND_NICE`): it takes what the others leave."""

    def write(events, classification):  # in the writer thread, one chunk after another, in order
        classified = classified_chunk(events.accepted, classification)
        writer.write(classified)
        tally.add(events, classified)

    with incidents.IncidentWriter(out, fmt) as writer, ThreadPoolExecutor(1, "zonemap-write") as writing:
        pending: collections.deque = collections.deque()
        try:
            for events in read_ahead(chunks, READ_AHEAD, start=lower_priority):
                classification = chunk_classification(events.accepted, model, as_of=as_of)
                while len(pending) >= WRITE_BEHIND:
                    pending.popleft().result()
                pending.append(writing.submit(write, events, classification))
            while pending:
                pending.popleft().result()
        finally:
            wait(pending)  # never close the file under a write in progress
    return tally


def chunk_classification(accepted, model, *, as_of="event"):
    """The classification of a chunk's accepted rows: for :class:`~zonemap.incidents.PointRows` the
    columns :func:`zonemap.classify` adds (from the coordinates, no geometry made), for a
    GeoDataFrame the classified frame itself. :func:`classified_chunk` joins them.

    Examples
    --------
    >>> import zonemap
    >>> rows = zonemap.read_incidents(pd.DataFrame({"lon": [36.63], "lat": [35.93]}))
    >>> classified_chunk(rows.accepted, chunk_classification(rows.accepted, zonemap.zone_model()))["side_2018"].tolist()
    ['opposition']
    """
    from .classification import classification_columns, classify

    if not isinstance(accepted, incidents.PointRows):
        return classify(accepted, model, as_of=as_of)
    # one thread: reading and writing run beside it (more threads cost more CPU than they save here)
    return classification_columns(accepted.frame, accepted.lon, accepted.lat, model, as_of=as_of, threads=1)


def classified_chunk(accepted, classification):
    """A chunk's accepted rows with their classification (:func:`chunk_classification`'s) after their own columns."""
    from .classification import with_columns

    if not isinstance(accepted, incidents.PointRows):
        return classification
    return accepted.with_frame(with_columns(accepted.frame, classification))


#: How much lower the reading thread's scheduling priority is than classification's and writing's
#: (a nice increment). At equal priority three busy threads share two cores equally: the reader
#: runs ahead until its queue is full and sleeps, and a core idled a fifth of the time (measured at
#: 5M rows); at a lower priority it reads with what the others leave (≤ 1 thread runnable 6 % of
#: the time). Lowering the writer's too left it behind at the end: slower.
BACKGROUND_NICE = 10


def lower_priority(increment: int = BACKGROUND_NICE) -> None:
    """Lower the calling thread's scheduling priority by ``increment`` (Linux: threads have their own
    nice value); nothing where that cannot be done."""
    with contextlib.suppress(AttributeError, OSError):  # no os.setpriority (Windows), or not allowed
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(os.getpriority(os.PRIO_PROCESS, me) + increment, 19))


_DONE = object()


def read_ahead(items, depth: int = 1, start=None):
    """Iterate ``items`` (a generator) in a thread of its own, ``depth`` items ahead of the consumer;
    ``start`` is called first in that thread (e.g. :func:`lower_priority`).

    Exceptions reach the consumer where the item would have; when the consumer stops early, the
    thread stops after the item it is producing.

    Examples
    --------
    >>> list(read_ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    waiting: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce():
        if start is not None:
            start()
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        waiting.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            waiting.put((_DONE, exc))

    thread = threading.Thread(target=produce, name="zonemap-read", daemon=True)
    thread.start()
    try:
        while True:
            item, error = waiting.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let the producer see the stop (it may wait on a full queue)
            try:
                waiting.get_nowait()
            except queue.Empty:
                thread.join(0.05)


# --- the zone model, cached on disk -----------------------------------------------------------------


def cache_dir() -> Path | None:
    """Where zonemap keeps its cache: ``$ZONEMAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/zonemap``, else
    ``~/.cache/zonemap``; None when ``ZONEMAP_CACHE_DIR`` is empty or ``off`` (no cache)."""
    chosen = os.environ.get("ZONEMAP_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip() in ("", "off") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zonemap"


def cached_zone_model(**options):
    """:func:`zonemap.zone_model` with ``options``, from the disk cache when zonemap, its data and the
    options are those it was built with (else built, and cached for next time).

    The key covers the options (a file given as an option by its size and modification time),
    every module and data file of zonemap (size and modification time) and the versions of Python
    and the libraries whose objects the model holds. A cache that cannot be read or written is passed
    over; none is written on a disk with less than 2 GB free. The model's arrays are mapped from the
    file (:func:`_load_model`): it loads in milliseconds.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["ZONEMAP_CACHE_DIR"] = tempfile.mkdtemp()
    >>> first, again = cached_zone_model(corridor_km=10), cached_zone_model(corridor_km=10)
    >>> sorted(first.zones) == sorted(again.zones), len(os.listdir(os.environ.pop("ZONEMAP_CACHE_DIR")))
    (True, 1)
    """
    from .classification import zone_model

    folder = cache_dir()
    key = _model_key(options) if folder is not None else None
    if key is None:
        return zone_model(**options)
    path = folder / f"zone-model-{key}.pickle"
    try:
        model = _load_model(path)
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by _prune
        return model
    except Exception:  # noqa: BLE001 (missing, damaged or foreign: built again and replaced)
        pass
    model = zone_model(**options)
    tmp, created = path.with_name(f".{path.name}.{os.getpid()}.tmp"), False
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if shutil.disk_usage(folder).free < CACHE_FREE_BYTES:
            return model
        # a new file of this process's own (O_EXCL: never another file of that name)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            created = True
            _dump_model(model, handle)
        os.rename(tmp, path)  # atomic on POSIX, like os.replace (left to the outputs' own accounting)
        _prune(folder)
    except OSError:
        if created:
            with contextlib.suppress(OSError):
                tmp.unlink()  # this run's own half-written file
    return model


#: First bytes of a cached model file.
MODEL_MAGIC = b"ZMMODEL1"
#: Alignment of the arrays in a cached model file (a memory page).
PAGE_BYTES = 4096


def _dump_model(model, handle) -> None:
    """The model as one file: a header, the pickle, then its large arrays' bytes, page-aligned, with
    pages of zeros left as holes (measured: a 135 MB file takes 117 MB of disk).
    :func:`_load_model` maps the arrays from the file instead of reading and inflating them."""
    import struct

    from .grid_index import pickled_plain

    buffers: list = []
    with pickled_plain():  # out of band: each buffer larger than 64 kB goes to the file's end
        body = pickle.dumps(model, protocol=5, buffer_callback=lambda b: None if _large(b, buffers) else True)
    head = len(MODEL_MAGIC) + 16 + 16 * len(buffers)
    offsets, at = [], _aligned(head + len(body))
    for raw in buffers:
        offsets += [at, raw.nbytes]
        at = _aligned(at + raw.nbytes)
    handle.write(MODEL_MAGIC + struct.pack(f"<QQ{len(offsets)}Q", len(body), len(buffers), *offsets) + body)
    for raw, start in zip(buffers, offsets[::2]):
        pages = np.frombuffer(raw, dtype=np.uint8)
        filled = np.flatnonzero(np.add.reduceat(pages != 0, np.arange(0, len(pages), PAGE_BYTES)) > 0)
        for page in filled:  # only pages holding a non-zero byte are written
            handle.seek(start + page * PAGE_BYTES)
            handle.write(pages[page * PAGE_BYTES : (page + 1) * PAGE_BYTES].tobytes())
    handle.truncate(at)


def _large(buffer, buffers: list) -> bool:
    raw = buffer.raw()
    if raw.nbytes <= 1 << 16:
        return False
    buffers.append(raw)
    return True


def _aligned(offset: int) -> int:
    return -(-offset // PAGE_BYTES) * PAGE_BYTES


def _load_model(path: Path):
    """A model written by :func:`_dump_model`: its arrays are read-only views of the file, mapped."""
    import mmap
    import struct

    with open(path, "rb") as handle:
        try:
            data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):  # a file system without mmap: read it
            data = memoryview(handle.read())
    if bytes(data[: len(MODEL_MAGIC)]) != MODEL_MAGIC:
        raise ValueError(f"{path}: not a zonemap model file")
    size, count = struct.unpack_from("<QQ", data, len(MODEL_MAGIC))
    offsets = struct.unpack_from(f"<{2 * count}Q", data, len(MODEL_MAGIC) + 16)
    start = len(MODEL_MAGIC) + 16 + 16 * count
    if start + size > len(data) or any(o + n > len(data) for o, n in zip(offsets[::2], offsets[1::2])):
        raise ValueError(f"{path}: truncated")
    buffers = [data[o : o + n] for o, n in zip(offsets[::2], offsets[1::2])]
    return pickle.loads(data[start : start + size], buffers=buffers)


#: Models kept in the cache (the most recently written or used; older ones are removed): each
#: file is ~135 MB, ~117 MB on disk.
CACHED_MODELS = 4
#: No model is cached on a disk with less free space than this (bytes).
CACHE_FREE_BYTES = 2 << 30


def _prune(folder: Path) -> None:
    """Keep the :data:`CACHED_MODELS` most recently written or used models (each a few MB)."""
    try:
        models = sorted(folder.glob("zone-model-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in models[CACHED_MODELS:]:
            old.unlink(missing_ok=True)
    except OSError:  # another zonemap pruning at the same time
        pass


def _model_key(options: dict) -> str | None:
    """A digest naming one model build, or None when an option cannot be named (e.g. a frame)."""
    import geopandas
    import numpy
    import pandas
    import pyproj
    import shapely

    from . import data

    parts = [sys.version, *(m.__version__ for m in (numpy, pandas, shapely, pyproj, geopandas))]
    for name, value in sorted(options.items()):
        if isinstance(value, (tuple, list)):
            value = tuple(float(v) if isinstance(v, (int, float)) else v for v in value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)  # 5 km and 5.0 km: one model
        if value is not None and not isinstance(value, (str, int, float, tuple)):
            return None
        parts.append(f"{name}={value!r}")
        if isinstance(value, str) and os.path.exists(value):
            parts.append(_stamp(Path(value)))
    code = sorted(Path(__file__).resolve().parent.glob("*.py"))
    for file in code + sorted(p for p in data.geodata_dir().rglob("*") if p.is_file()):
        parts.append(f"{file.name}:{_stamp(file)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"
