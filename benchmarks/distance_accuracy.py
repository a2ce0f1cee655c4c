"""Print how far zonemap's point-to-line distances are from a brute-force geodesic reference, in metres.

Run: .venv/bin/python benchmarks/distance_accuracy.py
800 seeded points (600 around the Idlib lines, 200 across Syria and beyond, plus Damascus and
Raqqa); the reference is the nearest of the line's points every 10 m, measured with pyproj.Geod.
"""

import sys
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import geodesic_distance_to_line_m  # noqa: E402

from zonemap.model import compiled, zones


def main() -> None:
    rng = np.random.default_rng(21)
    lon = np.r_[rng.uniform(35.8, 37.5, 600), rng.uniform(35.0, 42.0, 200), 36.29, 38.99]
    lat = np.r_[rng.uniform(35.0, 36.6, 600), rng.uniform(32.3, 37.3, 200), 33.51, 35.95]
    result = compiled.classify_points(lon, lat, nearest_place=False)
    points = [shapely.Point(p) for p in zip(lon, lat)]
    print(f"{'line':>5} {'max error m':>12} {'within 50 km':>13} {'farthest point km':>18}")
    for key in ("2018", "2020"):
        parts = shapely.get_parts(zones.as_line(key).geometry)
        reference = np.min([geodesic_distance_to_line_m(points, part, 0.01) for part in parts], axis=0)
        error = np.abs(np.abs(result[f"dist_{key}_km"].to_numpy()) * 1000 - reference)
        near = error[reference < 50_000].max()
        print(f"{key:>5} {error.max():>12.2f} {near:>13.2f} {reference.max() / 1000:>18.0f}")


if __name__ == "__main__":
    main()
