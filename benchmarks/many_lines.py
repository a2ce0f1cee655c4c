"""Benchmark: classifying incidents as of their own date over a long timeline (more than 64 lines).

Builds a synthetic timeline of LINES dated lines (:func:`zonemap.incidents.synthetic.synthetic_timeline`:
the shipped lines in turn, each copy moved 5 m further east), the zone model over it, and classifies N
synthetic incidents spread over the timeline's dates, each against the line in force on its date.
Prints the time to build the model (the dated lines' faces and distance targets), the best of 3
classification times, the peak resident memory, and the grids' memory.

Run: ``.venv/bin/python benchmarks/many_lines.py [N] [LINES]`` (default 1,000,000 incidents, 150 lines).
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
from timing import best_of


def main(n: int, lines: int) -> None:
    import zonemap
    from zonemap.incidents.synthetic import synthetic_timeline

    frame = synthetic_timeline(lines)
    start = time.perf_counter()
    model = zonemap.zone_model(timeline=frame)
    build = time.perf_counter() - start
    end = str(np.datetime64(frame["as_of"].iloc[-1]) + 30)
    events = zonemap.synthetic_incidents(n, seed=11, start=frame["as_of"].iloc[0], end=end)
    zonemap.classify(events.iloc[:1000], model)  # warm-up
    took, result = best_of(lambda: zonemap.classify(events, model), seconds=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    faces_mb = sum(grid.cells.nbytes for grid in model.dated.faces.grids) / 1e6
    used = result["line_date"].nunique()
    print(f"{'incidents':>10} {'lines':>6} {'lines used':>11} {'model build s':>14} {'classify s':>11} "
          f"{'peak MB':>8} {'face grids MB':>14}")  # fmt: skip
    print(f"{n:>10,} {lines:>6,} {used:>11,} {build:>14.1f} {took:>11.2f} {peak:>8,.0f} {faces_mb:>14.1f}")
    print(f"({len(model.dated.faces.grids)} grids of up to 64 lines; classify: best of 3)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [1_000_000, 150][len(args) :]))
