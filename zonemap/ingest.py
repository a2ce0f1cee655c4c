"""Classify an incidents file chunk by chunk: read, validate, classify and write with flat memory.

What ``zonemap incidents FILE -o OUT`` runs. A CSV is read in chunks (:func:`~zonemap.incidents.read_chunks`),
each chunk classified and appended to the output (:class:`~zonemap.incidents.IncidentWriter`) while
counts, summaries and rejected rows accumulate in a :class:`Tally` — no second pass over the data.
The dask engine (:mod:`zonemap.scale`) keeps one :class:`Tally` per partition and adds them up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    >>> tally.rows_read, tally.accepted, int(tally.zone_counts().set_index("zone").loc["idlib", "events"])
    (1, 1, 1)
    """

    by_event_type: bool = False
    rows_read: int = 0
    accepted: int = 0
    dated: bool = True
    outside_rows: list = field(default_factory=list)
    rejected_parts: list = field(default_factory=list)
    count_parts: list = field(default_factory=list)
    monthly_parts: list = field(default_factory=list)
    opposition: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # warnings of whole readings (e.g. other files)

    def add(self, events: incidents.Incidents, classified: pd.DataFrame) -> None:
        """Count one chunk: its reading (``events``) and its accepted rows, classified."""
        self.rows_read += events.rows_read
        self.accepted += len(classified)
        self.dated &= events.dated
        self.outside_rows.append(np.asarray(events.outside_rows))
        derived = incidents.reading_warnings(events.dated, events.outside_rows)
        self.notes += [w for w in events.warnings if w not in derived]  # e.g. a folder's, named by file
        if len(events.rejected):
            self.rejected_parts.append(events.rejected)
        self.count_parts.append(summary.zone_counts(classified))
        self.monthly_parts.append(summary.monthly_summary(classified, by_event_type=self.by_event_type))
        for column in (c for c in classified.columns if c.startswith("side_")):
            self.opposition[column] = self.opposition.get(column, 0) + int((classified[column] == "opposition").sum())

    def merge(self, other: Tally, *, label: str | None = None) -> None:
        """Add another tally (e.g. another file's); its warnings are kept apart, named by ``label``."""
        self.rows_read += other.rows_read
        self.accepted += other.accepted
        self.rejected_parts += other.rejected_parts
        self.count_parts += other.count_parts
        self.monthly_parts += other.monthly_parts
        for key, value in other.opposition.items():
            self.opposition[key] = self.opposition.get(key, 0) + value
        self.notes += [f"{label}: {w}" if label else w for w in other.warnings]

    @property
    def warnings(self) -> list[str]:
        rows = np.concatenate(self.outside_rows) if self.outside_rows else np.array([], dtype=np.int64)
        own = incidents.reading_warnings(self.dated, rows) if self.count_parts else []
        return own + self.notes

    def rejected(self) -> pd.DataFrame:
        if not self.rejected_parts:
            return pd.DataFrame(columns=["row", "kind", "reason"])
        return pd.concat(self.rejected_parts, ignore_index=True)

    def zone_counts(self) -> pd.DataFrame:
        """As :func:`zonemap.summary.zone_counts` over every chunk."""
        counts = pd.concat(self.count_parts, ignore_index=True)
        return counts.groupby("zone", sort=False, as_index=False).sum()

    def monthly(self) -> pd.DataFrame:
        """As :func:`zonemap.summary.monthly_summary` over every chunk."""
        return summary.combine_monthly(self.monthly_parts, zones=self.zone_counts()["zone"])

    def report(self, source) -> str:
        return incidents.report(source, self.rows_read, self.accepted, self.rejected(), self.warnings)


def classify_file(source, out, model, *, fmt: str, by_event_type=False, **reading) -> Tally:
    """Read ``source`` in chunks, classify each against ``model`` and write it to ``out`` (format ``fmt``).

    ``out`` is written as it is (give a temporary path: the CLI renames it when all is done).
    ``reading`` takes :func:`~zonemap.incidents.read_chunks`' options (``lon``, ``lat``, ``date``,
    ``encoding``). An irregular CSV (rows with too many fields…) is read again whole, carefully.
    """
    try:
        return _classify_chunks(incidents.read_chunks(source, **reading), out, model, fmt, by_event_type)
    except incidents.IrregularCSV:
        chunks = incidents.read_chunks(source, careful=True, **reading)
        return _classify_chunks(chunks, out, model, fmt, by_event_type)


def _classify_chunks(chunks, out, model, fmt: str, by_event_type: bool) -> Tally:
    from .classification import classify

    tally = Tally(by_event_type=by_event_type)
    with incidents.IncidentWriter(out, fmt) as writer:
        for events in chunks:
            classified = classify(events.accepted, model)
            writer.write(classified)
            tally.add(events, classified)
    return tally
