"""Benchmark: judging incidents as of their own date against every dated line, beside the fixed-line
classification, on the same synthetic incidents in the same run.

Prints, for N incidents spread over 2018-2020: the best of at least 3 wall times of
``classify(events, model, as_of=None)`` (memberships, sides and distances of the two fixed lines)
and of ``classify(events, model)`` (the same plus the line in force on each event's date, zone
validity and the probabilities), their ratio, the time to build the dated lines of the timeline
(distance targets and opposition faces, once per timeline) and the peak resident memory.

Run: ``.venv/bin/python benchmarks/timeline.py [N]`` (default 1,000,000).
"""

from __future__ import annotations

import resource
import sys
import time

from timing import best_of


def main(n: int) -> None:
    import zonemap
    from zonemap.model import compiled, timeline

    model = zonemap.zone_model()
    compiled._targets_of_line.cache_clear()  # time the dated lines' indexes from scratch
    start = time.perf_counter()
    compiled._dated_lines(None, "as_of", model.centre, list(model.zones))
    dated_build = time.perf_counter() - start  # built again here, outside the model, to time it alone
    events = zonemap.synthetic_incidents(n, seed=11, start="2018-01-01", end="2020-12-31")
    zonemap.classify(events.iloc[:1000], model)  # warm-up
    fixed, _ = best_of(lambda: zonemap.classify(events, model, as_of=None))
    dated, _ = best_of(lambda: zonemap.classify(events, model))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = len(timeline.load_timeline())
    print(
        f"{'incidents':>10} {'fixed s':>8} {'as of date s':>13} {'ratio':>6} {'dated lines build s':>20} {'peak MB':>8}"
    )
    print(f"{n:>10,} {fixed:>8.2f} {dated:>13.2f} {dated / fixed:>5.2f}x {dated_build:>20.2f} {peak:>8,.0f}")
    print(f"({lines} dated lines; best of at least 3 each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
