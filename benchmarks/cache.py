"""Print how long zonemap takes to load the shipped data's zone model from its disk cache (ms).

Run: .venv/bin/python benchmarks/cache.py [runs]
The model is built once into a temporary cache folder (removed at the end), then loaded with
:func:`zonemap.model.cache.cached_zone_model`, as ``zonemap incidents`` does (the key: digests of
zonemap's code and data; the file's checks; its arrays): ``runs`` times (default 10) in fresh
processes, as a run of the CLI starts, and ``runs`` times again within one process. Prints the
best and the median wall-clock time, the best CPU time (what a load costs on a machine busy with
other work) and the file's size.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: One load, timed in a process of its own (the libraries imported first, as the CLI has them).
ONE_LOAD = """
import time
from zonemap.model import cache
wall, cpu = time.perf_counter(), time.process_time()
cache.cached_zone_model()
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def main(runs: int = 10) -> None:
    folder = tempfile.mkdtemp(prefix="zonemap-bench-cache-")
    os.environ["ZONEMAP_CACHE_DIR"] = folder
    try:
        from zonemap.model import cache

        start = time.perf_counter()
        cache.cached_zone_model()
        built = time.perf_counter() - start
        (written,) = [p for p in Path(folder).iterdir() if p.name.startswith("zone-model-")]
        fresh = [subprocess.run([sys.executable, "-c", ONE_LOAD], capture_output=True, text=True, check=True)
                 for _ in range(runs)]  # fmt: skip
        _report(f"in a fresh process (best of {runs})", [tuple(map(float, r.stdout.split())) for r in fresh])
        again = []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            model = cache.cached_zone_model()
            again.append((time.perf_counter() - wall, time.process_time() - cpu))
            del model
        _report(f"again in one process (best of {runs})", again)
        size = written.stat()
        print(
            f"file: {written.name} {size.st_size / 1e6:.1f} MB ({size.st_blocks * 512 / 1e6:.1f} MB on disk); "
            f"built and written in {built:.1f} s"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _report(what: str, times: list[tuple[float, float]]) -> None:
    wall, cpu = zip(*times)
    print(
        f"load {what}: {min(wall) * 1000:.1f} ms; median {statistics.median(wall) * 1000:.1f} ms; "
        f"best CPU time {min(cpu) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
