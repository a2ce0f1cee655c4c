"""Benchmark: contact lines from the shipped control reports (target: one date well under a second).

Timed (the best of repeated runs, after a warm-up, except ``--validate`` which runs once):

- ``one date``: :func:`zonemap.model.evidence.lines_from_reports` for 25 Feb 2020 (latest state per
  place, nearest-evidence partition of the Idlib area, the line and its per-vertex accuracy, the
  held areas and their geodesic areas);
- ``every change date``: :func:`zonemap.model.evidence.evidence_timeline` (the change dates and a
  line for each);
- ``--validate``: :func:`zonemap.model.evidence_check.validate`, each report left out in turn.

Run: ``.venv/bin/python benchmarks/evidence.py``.
"""

from __future__ import annotations

import time

from timing import best_of

from zonemap.model import evidence, evidence_check
from zonemap.model.reports import read_reports


def main() -> None:
    reports = read_reports()
    print(reports.report())
    evidence.lines_from_reports(reports, "2020-02-25")  # warm-up: the area, its projection
    took, (lines, _) = best_of(lambda: evidence.lines_from_reports(reports, "2020-02-25"))
    print(f"one date (2020-02-25, {lines['n_places'].item()} places): {took:.3f} s")
    took, (lines, _) = best_of(lambda: evidence.evidence_timeline(reports), seconds=0)
    print(f"every change date ({len(lines)} lines): {took:.2f} s ({took / len(lines) * 1000:.0f} ms a line)")
    start = time.perf_counter()
    judged = evidence_check.validate(reports)
    took = time.perf_counter() - start
    print(
        f"--validate ({len(judged)} reports left out in turn): {took:.1f} s ({took / len(judged) * 1000:.0f} ms each)"
    )


if __name__ == "__main__":
    main()
