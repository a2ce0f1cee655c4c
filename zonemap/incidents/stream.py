"""Classify an incidents file chunk by chunk: read, validate, classify and write with flat memory.

What ``zonemap incidents FILE -o OUT`` runs. A CSV is read in chunks (:func:`~zonemap.incidents.read.read_chunks`),
each chunk classified and appended to the output (:class:`~zonemap.incidents.write.IncidentWriter`) while
counts, summaries and rejected rows accumulate in a :class:`Tally` — no second pass over the data.
The dask engine (:mod:`zonemap.incidents.scale`) keeps one :class:`Tally` per partition and adds them up.
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError, ZonemapError, ZonemapWarning
from . import read, summary
from .csv_stream import IrregularCSV
from .rows import Incidents, PointRows, reading_warnings, report, with_file
from .write import IncidentWriter, plain_frame


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
    #: The columns of an earlier zonemap run dropped from the input (zonemap's own output classified again).
    replaced: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # warnings of whole readings (e.g. other files)
    #: Per file of a folder read in chunks (``Incidents.label``): its own tally of warnings.
    files: dict = field(default_factory=dict)

    def add(self, events: Incidents, classified: pd.DataFrame | PointRows) -> None:
        """Count one chunk: its reading (``events``) and its accepted rows, classified."""
        if isinstance(classified, PointRows):
            classified = classified.frame
        self.rows_read += events.rows_read
        self.accepted += len(classified)
        warned = self if events.label is None else self.files.setdefault(events.label, Tally(monthly_wanted=False))
        warned.dated &= events.dated
        warned.outside_rows.append(np.asarray(events.outside_rows))
        derived = reading_warnings(events.dated, events.outside_rows)
        warned.notes += [w for w in events.warnings if w not in derived]  # e.g. a folder's, named by file
        if len(events.rejected):
            self.rejected_parts.append(events.rejected)
        if self.outside_wanted and len(events.outside_rows) and "row" in classified:
            away = classified[np.isin(classified["row"].to_numpy(), events.outside_rows)]
            self.outside_parts.append(plain_frame(away))
        self.count_parts.append(summary.zone_counts(classified))
        if self.monthly_wanted:
            self.monthly_parts.append(summary.monthly_summary(classified, by_event_type=self.by_event_type))
        if self.periods_wanted:
            self.period_parts.append(summary.period_summary(classified, by_event_type=self.by_event_type))
        for column in (c for c in classified.columns if c == "side" or (c.startswith("side_") and "_in_file" not in c)):
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
        own = reading_warnings(self.dated, rows) if self.count_parts or self.outside_rows else []
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
        """As :func:`zonemap.incidents.summary.zone_counts` over every chunk."""
        counts = pd.concat(self.count_parts, ignore_index=True)
        return counts.groupby("zone", sort=False, as_index=False).sum(min_count=1)

    def monthly(self) -> pd.DataFrame:
        """As :func:`zonemap.incidents.summary.monthly_summary` over every chunk."""
        if not self.monthly_wanted:
            raise ValueError("this tally was made without its monthly summary (monthly_wanted=False)")
        return summary.combine_monthly(self.monthly_parts, zones=self.zone_counts()["zone"])

    def periods(self) -> pd.DataFrame:
        """As :func:`zonemap.incidents.summary.period_summary` over every chunk."""
        if not self.periods_wanted:
            raise ValueError("this tally was made without its period summary (periods_wanted=False)")
        return summary.combine_monthly(self.period_parts, zones=self.zone_counts()["zone"])

    def report(self, source) -> str:
        return report(source, self.rows_read, self.accepted, self.rejected(), self.warnings)


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
    raw_csv_cells: bool = False,
    **reading,
) -> Tally:
    """Read ``source`` in chunks, classify each against ``model`` and write it to ``out`` (format ``fmt``).

    ``out`` is written as it is (give a temporary path: the CLI renames it when all is done).
    ``reading`` takes :func:`~zonemap.incidents.read.read_chunks`' options (``lon``, ``lat``, ``date``,
    ``encoding``). An irregular CSV (rows with too many fields…) is read again whole, carefully.
    ``monthly=False`` skips the monthly summary (:meth:`Tally.monthly`); ``periods=True`` keeps the
    summary by contact-line period; ``outside=False`` keeps no accepted rows outside Syria (only
    their row numbers, for the warning: at a few percent of a large file, the rows add up);
    ``as_of`` is :func:`~zonemap.classify`'s (each event as of its date); ``file_column`` puts a
    ``file`` column with that name on every row (a folder's part, as the dask engine writes them);
    ``raw_csv_cells``: a CSV output keeps text a spreadsheet would run as a formula unescaped.

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
        chunks = _read_errors_named(chunks, source)
        return chunks if file_column is None else (with_file(events, file_column) for events in chunks)

    try:
        chunks = read.read_chunks(source, points=False, **reading)
        done = _classify_chunks(named(chunks), out, model, fmt, tally(), as_of, raw_csv_cells)
    except IrregularCSV:
        chunks = read.read_chunks(source, careful=True, **reading)
        done = _classify_chunks(named(chunks), out, model, fmt, tally(), as_of, raw_csv_cells)
    if done.replaced:
        from .classification import replaced_note

        warnings.warn(f"{source}: {replaced_note(done.replaced)}", ZonemapWarning, 2)
    return done


def _read_errors_named(chunks, source):
    """The chunks; a failure while reading them (not a problem zonemap names itself) is said to be
    the input's, in one line naming it, never the output's."""
    try:
        yield from chunks
    except (ZonemapError, IrregularCSV, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 (readers raise many types: pandas, pyarrow, numpy)
        cause = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise InputError(f"could not be read ({cause}); no output was written", source=source) from exc


#: Chunks read ahead of the one being classified and written (each about ``incidents.CHUNK_BYTES`` of CSV).
READ_AHEAD = 2

#: Classified chunks waiting to be written (in order, one at a time) while the next is classified.
#: Two, as two read ahead: the stages take turns on two cores without waiting for each other (4 %
#: faster than one at 5M rows; each chunk in flight holds ~60 MB).
WRITE_BEHIND = 2


def _classify_chunks(chunks, out, model, fmt: str, tally: Tally, as_of="event", raw_csv_cells=False) -> Tally:
    """Three stages at once: the next chunks are read (and validated) in one thread, this one
    classified in this thread, the previous ones joined to their classification, written and counted
    in a third (which takes on the joining and counting, to share the work evenly). The reader runs
    at a lower priority (:data:`BACKGROUND_NICE`): it takes what the others leave."""

    def write(events, classification):  # in the writer thread, one chunk after another, in order
        classified = classified_chunk(events.accepted, classification)
        writer.write(classified)
        tally.add(events, classified)

    with (
        IncidentWriter(out, fmt, raw_csv_cells=raw_csv_cells) as writer,
        ThreadPoolExecutor(1, "zonemap-write") as writing,
    ):
        pending: collections.deque = collections.deque()
        try:
            for events in read_ahead(chunks, READ_AHEAD, start=lower_priority):
                events.accepted, replaced = without_earlier_run(events.accepted, model)
                tally.replaced = tally.replaced or replaced
                classification = chunk_classification(events.accepted, model, as_of=as_of)
                while len(pending) >= WRITE_BEHIND:
                    pending.popleft().result()
                pending.append(writing.submit(write, events, classification))
            while pending:
                pending.popleft().result()
        finally:
            wait(pending)  # never close the file under a write in progress
    return tally


def without_earlier_run(accepted, model):
    """A chunk's accepted rows (a GeoDataFrame or :class:`~zonemap.incidents.rows.PointRows`) without
    the columns of an earlier zonemap run (:func:`~zonemap.incidents.classification.earlier_run_columns`),
    and those columns."""
    from . import classification

    if not isinstance(accepted, PointRows):
        return classification.without_earlier_run(accepted, model)
    frame, earlier = classification.without_earlier_run(accepted.frame, model)
    if not earlier:
        return accepted, []
    before = sum(accepted.frame.columns.get_loc(c) < accepted.geometry_at for c in earlier)
    return PointRows(frame, accepted.lon, accepted.lat, accepted.geometry_at - before), earlier


def chunk_classification(accepted, model, *, as_of="event"):
    """The classification of a chunk's accepted rows: for :class:`~zonemap.incidents.rows.PointRows` the
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

    if not isinstance(accepted, PointRows):
        return classify(accepted, model, as_of=as_of)
    # one thread: reading and writing run beside it (more threads cost more CPU than they save here)
    return classification_columns(accepted.frame, accepted.lon, accepted.lat, model, as_of=as_of, threads=1)


def classified_chunk(accepted, classification):
    """A chunk's accepted rows with their classification (:func:`chunk_classification`'s) after their own columns."""
    from .classification import with_columns

    if not isinstance(accepted, PointRows):
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
