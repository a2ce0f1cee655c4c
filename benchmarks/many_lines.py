"""Benchmark: classifying incidents as of their own date over a long timeline (more than 64 lines).

Builds a synthetic timeline of LINES dated lines (:func:`zonemap.incidents.synthetic.synthetic_timeline`:
the shipped lines in turn, each copy moved 5 m further east), dated evenly over the zones' life
(17 Sep 2018 .. 7 Dec 2024, at least a day apart; the last stands until the zones' end), the zone
model over it, and classifies N synthetic incidents spread over the timeline's dates, each against
the line in force on its date.
Prints the time to build the model (the dated lines' faces and distance targets), the best of 3
classification times, the peak resident memory, and the grids' memory (the opposition faces' bit
grids and the lines' nearest-segment indexes).

Run: ``.venv/bin/python benchmarks/many_lines.py [N] [LINES]`` (default 1,000,000 incidents, 150 lines).
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
from timing import best_of

#: The zones' life: the Sochi memorandum to the last day before they ended (8 Dec 2024).
START, END = "2018-09-17", "2024-12-07"


def main(n: int, lines: int) -> None:
    import zonemap
    from zonemap.incidents.synthetic import synthetic_timeline

    days = int((np.datetime64(END) - np.datetime64(START)).astype(int))
    if lines > days:
        raise SystemExit(f"at most {days:,} lines, a day apart, fit between {START} and {END}")
    frame = synthetic_timeline(lines, start=START, step_days=days // lines)
    start = time.perf_counter()
    model = zonemap.zone_model(timeline=frame, timeline_valid_until=str(np.datetime64(END) + 1))
    build = time.perf_counter() - start
    events = zonemap.synthetic_incidents(n, seed=11, start=START, end=END)
    zonemap.classify(events.iloc[:1000], model)  # warm-up
    took, result = best_of(lambda: zonemap.classify(events, model), seconds=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    faces_mb = sum(grid.cells.nbytes for grid in model.dated.faces.grids) / 1e6
    segments_mb = sum(_segment_grid_bytes(targets.grid) for targets in model.dated.targets) / 1e6
    used = result["line_date"].nunique()
    print(f"{'incidents':>10} {'lines':>6} {'lines used':>11} {'model build s':>14} {'classify s':>11} "
          f"{'peak MB':>8} {'face grids MB':>14} {'segment grids MB':>17}")  # fmt: skip
    print(f"{n:>10,} {lines:>6,} {used:>11,} {build:>14.1f} {took:>11.2f} {peak:>8,.0f} {faces_mb:>14.1f} "
          f"{segments_mb:>17.1f}")  # fmt: skip
    cell_deg = model.dated.faces.grids[0].cell
    print(f"({len(model.dated.faces.grids)} face grids of up to 64 lines, cells of {cell_deg:.4f}°; "
          f"segment grids: the lines' nearest-segment indexes; classify: best of 3)")  # fmt: skip


def _segment_grid_bytes(grid) -> int:
    """Bytes of a line's nearest-segment index (its arrays and every level's)."""
    arrays = [grid.ax, grid.ay, grid.abx, grid.aby, grid.inverse_length2]
    arrays += [a for level in grid.levels for a in (level.offsets, level.members, level.one, level.two, level.kind)]
    return sum(a.nbytes for a in arrays)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [1_000_000, 150][len(args) :]))
