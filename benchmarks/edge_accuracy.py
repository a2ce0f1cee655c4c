"""Print the worst geodesic error of the DMZ edges and the M4 corridor edge, in metres.

Run: .venv/bin/python benchmarks/edge_accuracy.py
Every edge vertex is measured with pyproj.Geod against the contact line densified every 50 m.
"""

import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import geodesic_distance_to_line_m  # noqa: E402

from zonemap.model import data, zones


def main() -> None:
    for key in ("2018", "2020"):
        line = data.contact_line(key).geometry.iloc[0]
        start = time.perf_counter()
        edges = zones.dmz_edges(key, width_km=(15, 20)).set_index("edge")
        elapsed = time.perf_counter() - start
        for edge, width_km in (("inner", 15), ("outer", 20)):
            points = [shapely.Point(xy) for xy in shapely.get_coordinates(edges.geometry[edge])]
            error = np.abs(geodesic_distance_to_line_m(points, line) - width_km * 1000)
            print(
                f"{key} line, {edge} edge ({width_km} km): {len(points)} vertices, "
                f"worst error {error.max():.2f} m, mean {error.mean():.2f} m"
            )
        print(f"{key} line: both edges built in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
