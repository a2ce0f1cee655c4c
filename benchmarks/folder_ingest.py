"""Benchmark: ``zonemap incidents FOLDER -o OUT.parquet`` on a folder of GeoParquet parts, with the memory
engine (one output file) and with ``--engine dask`` (a folder of parts, one per input file), against the
floor of the same work with no zonemap in it (each part read with ``geopandas.read_parquet`` and written
back with ``to_parquet``). The data: ``--rows`` ACLED-like synthetic incidents (zonemap.synthetic_incidents,
event_id_cnty unique across parts, geo_precision 1..3) in ``--parts`` GeoParquet files (issue 17, part 3:
10M rows in 20 parts).

Each command runs in its own process (so its peak memory, the maximum resident set size, is its own);
each time is the best of ``--runs`` (default 3) wall-clock times, with that run's CPU time (user + system,
all threads: less sensitive than wall time to other work on a shared machine). Every run writes to a fresh
output path, removed before the next run.

Run: ``.venv/bin/python benchmarks/folder_ingest.py [--rows 10000000] [--parts 20] [--runs 3]``
(e.g. ``--rows 200000 --parts 4 --runs 1`` for a quick check). Without the dask extra the dask row is skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from ingest import best_of as best_of_processes  # benchmarks/ is sys.path[0] when run as a script

FLOOR = (
    "import sys, pathlib, geopandas as gpd\n"
    "out = pathlib.Path(sys.argv[2]); out.mkdir()\n"
    "for part in sorted(pathlib.Path(sys.argv[1]).glob('*.parquet')):\n"
    "    gpd.read_parquet(part).to_parquet(out / part.name)\n"
)


def write_acled_like_parts(folder: Path, rows: int, parts: int) -> None:
    """``parts`` GeoParquet files of ACLED-like synthetic incidents, ``rows`` in all, one part in memory at a time."""
    import zonemap

    folder.mkdir()
    start = 0
    for index in range(parts):
        n = rows // parts + (index < rows % parts)
        events = zonemap.synthetic_incidents(n, seed=index)
        events["event_id_cnty"] = [f"SYR{start + i:08d}" for i in range(1, n + 1)]  # unique across parts
        events["geo_precision"] = 1 + (events.index % 3)
        events.to_parquet(folder / f"part-{index:03d}.parquet")
        start += n


def best_of(command: list[str], output: Path, runs: int) -> tuple[float, float, float]:
    """:func:`ingest.best_of` with a fresh ``output`` path per run (``{output}`` in ``command``), removed after it."""
    results = []
    for run in range(runs):
        path = output.with_name(f"{output.stem}-{run}{output.suffix}")
        try:
            results.append(best_of_processes([str(path) if arg == "{output}" else arg for arg in command], 1))
        finally:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
    best = min(results)
    return best[0], max(r[1] for r in results), best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.rows < args.parts or args.parts < 1 or args.runs < 1:
        parser.error("need --parts >= 1, --rows >= --parts and --runs >= 1")
    has_dask = all(importlib.util.find_spec(name) for name in ("dask", "dask_geopandas", "distributed"))
    if not has_dask:
        print("dask extra not installed (pip install 'zonemap[dask]'): skipping --engine dask")
    zonemap_cli = [sys.executable, "-m", "zonemap", "incidents"]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "parts"
        write_acled_like_parts(source, args.rows, args.parts)
        commands = {
            "floor": ([sys.executable, "-c", FLOOR, str(source), "{output}"], "floor"),
            "memory": ([*zonemap_cli, str(source), "-o", "{output}"], "memory.parquet"),
        }
        if has_dask:
            commands["dask"] = ([*zonemap_cli, str(source), "-o", "{output}", "--engine", "dask"], "dask.parquet")
        print(f"{'rows':>11} {'parts':>6} {'command':>8} {'best s':>8} {'ratio':>6} {'peak MB':>8} {'CPU s':>7}")
        floor = None
        for name, (command, output) in commands.items():
            try:
                wall, peak, cpu = best_of(command, Path(tmp) / output, args.runs)
            except SystemExit as failure:  # ingest.best_of exits with the command's stderr: report it, go on
                print(f"{args.rows:>11,} {args.parts:>6} {name:>8}   failed:\n{failure}", file=sys.stderr)
                continue
            if name == "floor":
                floor = wall
            ratio = f"{wall / floor:>5.1f}x" if floor else f"{'-':>6}"
            print(f"{args.rows:>11,} {args.parts:>6} {name:>8} {wall:>8.1f} {ratio} {peak:>8,.0f} {cpu:>7.1f}")


if __name__ == "__main__":
    main()
