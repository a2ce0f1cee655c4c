"""Benchmark: classifying 100k and 1M synthetic incidents, zonemap against the straightforward way.

zonemap: ``zonemap.classify(..., as_of=None, nearest_place=False)`` (the fixed lines, as the
baseline: every zone membership, side and signed geodesic distance to both contact lines;
"+places s" adds the nearest place, as ``classify`` does
by default). Baseline: ``geopandas.sjoin`` per zone plus ``GeoSeries.distance`` to each line in
UTM 37N (EPSG:32637). Each side runs in its own process so peak memory is its own; each time is
the best of at least 3 runs (as many as fit in 3 s) after a warm-up. zonemap's model (zones, DMZ
buffers, grid indexes) is built once before timing, as the baseline's zones are: its build time
is printed too. Both must give the same memberships, and distances within UTM's scale error
(0.1 % + 1 m).

Run: ``.venv/bin/python benchmarks/incidents.py [N ...]`` (default 100000 1000000).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import best_of

UTM = "EPSG:32637"


def run_zonemap(n: int, out: Path) -> dict:
    import zonemap

    events = zonemap.synthetic_incidents(n, seed=7)
    start = time.perf_counter()
    model = zonemap.zone_model()  # zones, DMZ buffers and the grid indexes: once per model
    model_seconds = time.perf_counter() - start
    zonemap.classify(events.iloc[:1000], model)  # warm-up: imports, first-call set-up
    # the compared work: memberships and (signed) distances to both lines, sides included
    seconds, result = best_of(lambda: zonemap.classify(events, model, as_of=None, nearest_place=False))
    full_seconds, _ = best_of(lambda: zonemap.classify(events, model, as_of=None))  # + nearest place
    _save(out, result, model.zones)
    return {"seconds": seconds, "full_seconds": full_seconds, "model_seconds": model_seconds}


def run_baseline(n: int, out: Path) -> dict:
    import geopandas as gpd

    import zonemap

    events = zonemap.synthetic_incidents(n, seed=7)[["geometry"]]
    model = zonemap.zone_model()
    lines = {key: zonemap.contact_line(key).to_crs(UTM).geometry.iloc[0] for key in model.lines}

    def straightforward():
        result = events.copy()
        for key, geom in model.zones.items():
            zone = gpd.GeoDataFrame(geometry=[geom], crs=events.crs)
            joined = gpd.sjoin(events, zone, predicate="within", how="inner")
            result[f"in_{key}"] = result.index.isin(joined.index)
        projected = events.geometry.to_crs(UTM)
        for key, line in lines.items():
            result[f"dist_{key}_km"] = projected.distance(line) / 1000
        return result

    straightforward()  # warm-up, as for zonemap
    seconds, result = best_of(straightforward)
    _save(out, result, model.zones)
    return {"seconds": seconds}


def _save(out: Path, result, zones) -> None:
    arrays = {f"in_{k}": result[f"in_{k}"].to_numpy(dtype=bool) for k in zones}
    arrays |= {c: np.abs(result[c].to_numpy(dtype=float)) for c in result.columns if c.startswith("dist_")}
    np.savez(out, **arrays)


def child(kind: str, n: int, out: str) -> None:
    figures = (run_zonemap if kind == "zonemap" else run_baseline)(n, Path(out))
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measure(kind: str, n: int, folder: str) -> tuple[dict, dict]:
    out = os.path.join(folder, f"{kind}-{n}.npz")
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(n), out], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{kind} {n}: failed\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1]), dict(np.load(out))


COLUMNS = (  # header, width, figure
    ("n", 9, lambda n, ours, base: f"{n:,}"),
    ("zonemap s", 10, lambda n, ours, base: f"{ours['seconds']:.3f}"),
    ("baseline s", 11, lambda n, ours, base: f"{base['seconds']:.3f}"),
    ("speed-up", 9, lambda n, ours, base: f"{base['seconds'] / ours['seconds']:.1f}x"),
    ("zonemap MB", 11, lambda n, ours, base: f"{ours['peak_mb']:.0f}"),
    ("baseline MB", 12, lambda n, ours, base: f"{base['peak_mb']:.0f}"),
    ("+places s", 10, lambda n, ours, base: f"{ours['full_seconds']:.3f}"),
    ("model s", 8, lambda n, ours, base: f"{ours['model_seconds']:.2f}"),
)


def main(sizes: list[int]) -> None:
    print(" ".join(f"{h:>{w}}" for h, w, _ in COLUMNS) + "  same answers")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            ours, ours_result = measure("zonemap", n, folder)
            base, base_result = measure("baseline", n, folder)
            same = all(np.array_equal(ours_result[k], base_result[k]) for k in base_result if k.startswith("in_"))
            worst = 0.0
            for key in (k for k in base_result if k.startswith("dist_")):
                excess = np.abs(ours_result[key] - base_result[key]) * 1000 - (0.001 * base_result[key] * 1000 + 1)
                worst = max(worst, float(np.max(np.abs(ours_result[key] - base_result[key]))) * 1000)
                same &= bool(np.all(excess <= 0))
            print(
                " ".join(f"{figure(n, ours, base):>{w}}" for _, w, figure in COLUMNS)
                + f"  {'yes' if same else 'NO'} (memberships equal; largest distance difference {worst:.1f} m,"
                " UTM scale error)"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
