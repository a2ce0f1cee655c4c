"""Benchmark: the command an analyst runs, ``zonemap incidents FILE.csv -o OUT.parquet``, against the
floor of the same work with no zonemap in it (``pandas.read_csv`` with its default C parser, then
``to_parquet``), on ACLED-like CSVs (zonemap.synthetic_incidents written with ACLED's columns).

Each command runs in its own process (so its peak memory, the maximum resident set size, is its
own); each time is the best of ``--runs`` (default 3) wall-clock times, with that run's CPU time
(user + system, all threads: less sensitive than wall time to other work on a shared machine).

Two files per size: events at **distinct points** (each at a random spot: the worst case) and
events at **ACLED-like places** (each at one of ``PLACES`` places: ACLED gives an event the
coordinates of its town, or of the district or province capital when only those are known, so a
million events hold a few thousand distinct points; ACCORD's note on ACLED's geo-precision:
https://www.ecoi.net/en/blog/new-extended-issues-of-accords-overviews-on-conflict-events-based-on-acled-data).

zonemap's byte code is compiled first (``compileall``), as an installed wheel's is: a checkout
run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile its modules on every start.

Run: ``.venv/bin/python benchmarks/ingest.py [--rows 1000000 5000000] [--runs 3] [--big]``
(``--big`` adds 20M rows). ``--bad-last-row`` instead times each size with one row dated
``31 December 9999`` as its last (in the file's last chunk): the run must write every other row and
reject that one with its reason (issue 26), and prints rows written and rejected beside the figures.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Distinct places of the "ACLED-like places" files.
PLACES = 5_000
FLOOR = "import sys, pandas as pd; pd.read_csv(sys.argv[1]).to_parquet(sys.argv[2])"
CHUNK_ROWS = 500_000


def write_acled_like(path: Path, rows: int, places: int | None = None) -> None:
    """An ACLED-like CSV of ``rows`` synthetic incidents, written in chunks (bounded memory); with
    ``places``, every event lies at one of that many places (the first chunk's first points)."""
    import numpy as np

    import zonemap

    spots = zonemap.synthetic_incidents(places, seed=1) if places else None
    with open(path, "w", encoding="utf-8") as handle:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            events = zonemap.synthetic_incidents(n, seed=start)
            if spots is not None:
                pick = np.random.default_rng(start).integers(0, places, n)
                events["latitude"] = spots["latitude"].to_numpy()[pick]
                events["longitude"] = spots["longitude"].to_numpy()[pick]
            events["event_id_cnty"] = [f"SYR{start + i:08d}" for i in range(1, n + 1)]
            events["event_date"] = events["event_date"].dt.strftime("%d %B %Y")  # ACLED's long form
            events["geo_precision"] = 1 + (events.index % 3)
            table = events.drop(columns="geometry")
            table.to_csv(handle, index=False, header=start == 0)


def best_of(command: list[str], runs: int) -> tuple[float, float, float]:
    """(best wall seconds, largest peak resident MB, CPU seconds of the best run) of ``runs`` runs."""
    results = []
    for _ in range(runs):  # each run in a fresh grandchild so ru_maxrss is that run's own
        wrapper = [sys.executable, __file__, "--child", *command]
        start = time.perf_counter()
        done = subprocess.run(wrapper, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
        peak, cpu = map(float, done.stdout.strip().splitlines()[-1].split())
        results.append((time.perf_counter() - start, peak, cpu))
    best = min(results)
    return best[0], max(r[1] for r in results), best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big", action="store_true", help="add 20M rows")
    parser.add_argument("--bad-last-row", action="store_true", help="one out-of-range date in the last chunk")
    args = parser.parse_args()
    sizes = args.rows + ([20_000_000] if args.big else [])
    zonemap_cli = [sys.executable, "-m", "zonemap", "incidents"]
    compileall.compile_dir(ROOT / "zonemap", quiet=1)
    if args.bad_last_row:
        return bad_last_row(sizes, zonemap_cli, args.runs)
    print(
        f"{'rows':>11} {'points':>9} {'zonemap s':>10} {'floor s':>8} {'ratio':>6} {'zonemap MB':>11} {'floor MB':>9}"
        f" {'zonemap CPU s':>14} {'floor CPU s':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            for kind, places in (("distinct", None), ("places", PLACES)):
                source = Path(folder) / f"acled-{rows}-{kind}.csv"
                write_acled_like(source, rows, places)
                ours = best_of([*zonemap_cli, str(source), "-o", str(Path(folder) / "out.parquet")], args.runs)
                floor_cmd = [sys.executable, "-c", FLOOR, str(source), str(Path(folder) / "floor.parquet")]
                floor = best_of(floor_cmd, args.runs)
                print(
                    f"{rows:>11,} {kind:>9} {ours[0]:>10.2f} {floor[0]:>8.2f} {ours[0] / floor[0]:>5.2f}x"
                    f" {ours[1]:>11,.0f} {floor[1]:>9,.0f} {ours[2]:>14.1f} {floor[2]:>12.1f}",
                    flush=True,
                )
                source.unlink()


def bad_last_row(sizes: list[int], zonemap_cli: list[str], runs: int) -> None:
    """Each size with its last row dated 31 December 9999: time, peak, rows written and rejected."""
    import pandas as pd

    print(f"{'rows':>11} {'zonemap s':>10} {'zonemap MB':>11} {'CPU s':>6} {'written':>10} {'rejected':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            source, out, rejects = (Path(folder) / name for name in ("acled.csv", "out.parquet", "rejects.csv"))
            write_acled_like(source, rows - 1)
            with open(source, "rb") as handle:
                header = handle.readline().decode("utf-8").rstrip("\n").split(",")
            last = pd.read_csv(source, skiprows=range(1, rows - 1), nrows=1, dtype=str)  # the last good row
            last["event_date"] = "31 December 9999"
            last[header].to_csv(source, mode="a", header=False, index=False)
            wall, peak, cpu = best_of([*zonemap_cli, str(source), "-o", str(out), "--rejects", str(rejects)], runs)
            written, rejected = len(pd.read_parquet(out, columns=["event_date"])), len(pd.read_csv(rejects))
            print(f"{rows:>11,} {wall:>10.2f} {peak:>11,.0f} {cpu:>6.1f} {written:>10,} {rejected:>9,}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        subprocess.run(sys.argv[2:], check=True, capture_output=True, cwd=ROOT, env={**os.environ})
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)  # peak MB, CPU seconds (all threads)
    else:
        main()
