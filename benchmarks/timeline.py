"""Benchmark: judging incidents as of their own date against every dated line, beside the fixed-line
classification, on the same synthetic incidents in the same run; and the same for timelines of
many lines side by side.

Default: prints, for N incidents spread over 2018-2020: the best of at least 3 wall times of
``classify(events, model, as_of=None)`` (memberships, sides and distances of the two fixed lines)
and of ``classify(events, model)`` (the same plus the line in force on each event's date, zone
validity and the probabilities), their ratio, the time to build the dated lines of the timeline
(distance targets and opposition faces, once per timeline) and the peak resident memory.
``--timeline PATH``: the same with a timeline file of your own (e.g.
``geodata/contact_line_timeline.geojson``, the hand lines) instead of the default one (the
evidence timeline).

``--compare``: ``classify(events, model)`` (each event as of its own date) for the same N incidents
spread over 2018-01-01 .. 2024-12-07 against (a) the hand timeline
(``geodata/contact_line_timeline.geojson``; and again with no dated line taking the answers of the
fixed 2018 and 2020 lines it equals, so that every line is measured), (b) the evidence timeline
(``geodata/evidence_timeline.geojson``, or ``--timeline PATH``), (c) synthetic timelines of 150
and 300 lines (:func:`zonemap.incidents.synthetic.synthetic_timeline`, dated evenly over
2018-01-01 .. 2024-12-07). Each timeline's model lives in a child process forked from the one that
made the events (the same rows for all), so that each has its own peak memory; the children
classify one at a time, in turn, for ``--rounds`` rounds, so that the shared machine's noise falls
on every timeline alike. Prints per timeline: lines, share of events that have a line in force on
their date, share whose line is a fixed line's twin (answers reused), model build time
(``zone_model(timeline=...)``, dated lines included, no disk cache), the best wall time and the
best CPU time (all threads) of the classification, each with its ratio to (a), and peak resident
memory; and the load average before and after the timings.

Run: ``.venv/bin/python benchmarks/timeline.py [N] [--timeline PATH] [--compare [--rounds R]]`` (default N 1,000,000).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from pathlib import Path

import numpy as np
from timing import best_of

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
HAND = GEODATA / "contact_line_timeline.geojson"
EVIDENCE = GEODATA / "evidence_timeline.geojson"
#: The span of the compared events and synthetic lines (the last day the zones stood: 2024-12-07).
FIRST, LAST = "2018-01-01", "2024-12-07"
SYNTHETIC_LINES = (150, 300)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(n: int, source=None) -> None:
    import zonemap
    from zonemap.model import compiled, timeline

    model = zonemap.zone_model(timeline=source)
    compiled._targets_of_line.cache_clear()  # time the dated lines' indexes from scratch
    start = time.perf_counter()
    compiled._dated_lines(source, "as_of", model.centre, list(model.zones))
    dated_build = time.perf_counter() - start  # built again here, outside the model, to time it alone
    events = zonemap.synthetic_incidents(n, seed=11, start="2018-01-01", end="2020-12-31")
    zonemap.classify(events.iloc[:1000], model)  # warm-up
    fixed, _ = best_of(lambda: zonemap.classify(events, model, as_of=None))
    dated, _ = best_of(lambda: zonemap.classify(events, model))
    peak = peak_mb()
    lines = len(timeline.load_timeline(source))
    print(
        f"{'incidents':>10} {'fixed s':>8} {'as of date s':>13} {'ratio':>6} {'dated lines build s':>20} {'peak MB':>8}"
    )
    print(f"{n:>10,} {fixed:>8.2f} {dated:>13.2f} {dated / fixed:>5.2f}x {dated_build:>20.2f} {peak:>8,.0f}")
    print(f"({lines} dated lines; best of at least 3 each)")


# --------------------------------------------------------------------------- --compare
def _timeline_of(name: str, evidence: Path):
    """(label, timeline source, valid_until) of a compared timeline."""
    from zonemap.incidents.synthetic import synthetic_timeline

    if name == "hand":
        return f"(a) hand: {HAND.name}", str(HAND), None
    if name == "hand-measured":
        return "(a') the same, every line measured", str(HAND), None
    if name == "evidence":
        return f"(b) evidence: {evidence.name}", str(evidence), None
    lines = int(name)
    days = (np.datetime64(LAST) - np.datetime64(FIRST)).astype(int)
    frame = synthetic_timeline(lines, start=FIRST, step_days=int(days // lines))
    return f"(c) synthetic, {lines} lines", frame, str(np.datetime64(LAST) + 1)  # valid until the zones' end


def _serve(name: str, evidence: Path, events, conn) -> None:
    """In a forked child: build the model over one timeline, then classify the events each time the
    parent says ``run`` (answering wall and CPU seconds), until ``stop`` (answering the totals)."""
    import zonemap

    label, source, valid_until = _timeline_of(name, evidence)
    start = time.perf_counter()
    model = zonemap.zone_model(timeline=source, timeline_valid_until=valid_until)
    build = time.perf_counter() - start
    if name == "hand-measured":
        model.dated.twins = {}  # no dated line takes a fixed line's answers
    days = model.dated.index(events["event_date"].to_numpy())
    in_force, reused = float((days >= 0).mean()), float(np.isin(days, list(model.dated.twins)).mean())
    zonemap.classify(events.iloc[:1000], model)  # warm-up
    conn.send(None)  # ready
    while conn.recv() == "run":
        wall, cpu = time.perf_counter(), time.process_time()
        zonemap.classify(events, model)
        conn.send((time.perf_counter() - wall, time.process_time() - cpu))
    conn.send({"label": label, "lines": len(model.dated.dates), "in_force": in_force, "reused": reused,
               "build": build, "peak": peak_mb()})  # fmt: skip


def compare(n: int, evidence: Path, rounds: int) -> None:
    """Each timeline's model in its own child process; their timings interleaved round by round."""
    import zonemap

    events = zonemap.synthetic_incidents(n, seed=11, start=FIRST, end=LAST)
    base = peak_mb()
    fork = multiprocessing.get_context("fork")
    children = []
    for name in ("hand", "hand-measured", "evidence", *map(str, SYNTHETIC_LINES)):  # built one after the other
        conn, theirs = fork.Pipe()
        child = fork.Process(target=_serve, args=(name, evidence, events, theirs))
        child.start()
        conn.recv()
        children.append((child, conn))
    before = load()
    walls, cpus = [[] for _ in children], [[] for _ in children]
    for _ in range(rounds):  # one at a time, in turn: the machine's noise falls on every timeline alike
        for k, (_, conn) in enumerate(children):
            conn.send("run")
            wall, cpu = conn.recv()
            walls[k].append(wall)
            cpus[k].append(cpu)
    after = load()
    rows = []
    for k, (child, conn) in enumerate(children):
        conn.send("stop")
        rows.append({**conn.recv(), "classify": min(walls[k]), "cpu": min(cpus[k])})
        child.join()
    first = rows[0]
    print(f"{n:,} incidents over {FIRST} .. {LAST}, each judged as of its own date (classify(events, model))")
    print(f"{'timeline':<42} {'lines':>5} {'with a line':>11} {'reused':>6} {'build s':>8} {'classify s':>10} "
          f"{'ratio':>6} {'CPU s':>6} {'ratio':>6} {'peak MB':>8}")  # fmt: skip
    for row in rows:
        print(f"{row['label']:<42} {row['lines']:>5} {row['in_force']:>11.0%} {row['reused']:>6.0%} "
              f"{row['build']:>8.1f} {row['classify']:>10.2f} {row['classify'] / first['classify']:>5.2f}x "
              f"{row['cpu']:>6.2f} {row['cpu'] / first['cpu']:>5.2f}x {row['peak']:>8,.0f}")  # fmt: skip
    print("(with a line: events with a line in force on their date; reused: events whose line is one of the fixed")
    print(" 2018 and 2020 lines, whose answers are reused, not measured again;")
    print(f" classify: best of {rounds} wall times and CPU times (all threads), the timelines in turn; build:")
    print(" zone_model(timeline=...), no disk cache; peak: each timeline's own process, forked after the events")
    print(f" were made ({base:,.0f} MB); load average {before} before the timings, {after} after)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="incidents (default 1,000,000)")
    parser.add_argument("--timeline", type=Path, help="a timeline file (default: the shipped one; --compare: evidence)")
    parser.add_argument("--compare", action="store_true", help="hand, evidence, 150- and 300-line timelines")
    parser.add_argument("--rounds", type=int, default=5, help="--compare: timings of each timeline (default 5)")
    args = parser.parse_args()
    if args.compare:
        compare(args.n, args.timeline or EVIDENCE, args.rounds)
    else:
        main(args.n, None if args.timeline is None else str(args.timeline))
