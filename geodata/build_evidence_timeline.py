"""Build ``geodata/evidence_timeline.geojson``: a contact line for every date a reported place changes side.

Run from the repository root after ``build_control_reports.py``: ``python geodata/build_evidence_timeline.py``.
The lines are estimated from ``geodata/control_reports.csv`` by :mod:`zonemap.model.evidence`
(nearest-evidence partition of the Idlib area, per-vertex accuracy), from 15 Sep 2017 (or the first
day the reports show both sides) to 8 Dec 2024. Then each hand-digitised line of
``contact_line_timeline.geojson`` is compared with the estimated front of its date; the table is
printed in Markdown (it is the cross-check table of ``docs/evidence.md``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from zonemap.model import data, evidence, timeline  # noqa: E402
from zonemap.model.reports import read_reports  # noqa: E402

OUT = HERE / "evidence_timeline.geojson"
PROPERTIES = evidence.LINE_PROPERTIES


def write_geojson(lines) -> None:
    features = []
    for row in lines.itertuples():
        props = {k: getattr(row, k) for k in PROPERTIES}
        props = {k: (None if isinstance(v, float) and v != v else v) for k, v in props.items()}
        props["source"] = "zonemap estimate (zonemap.model.evidence) from geodata/control_reports.csv"
        geom = json.loads(shapely.to_geojson(shapely.set_precision(row.geometry, 1e-5)))
        features.append({"type": "Feature", "properties": props, "geometry": geom})
    text = json.dumps(
        {"type": "FeatureCollection", "name": "evidence_timeline", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    OUT.write_text(text + "\n", encoding="utf-8")


def cross_check(reports) -> list[str]:
    """Markdown rows: each hand line against the estimated front of its date (km, in a local projection)."""
    hand = timeline.timeline("hand")  # the hand-digitised lines (the default timeline is the evidence one)
    fronts, _ = evidence.lines_from_reports(reports, hand["as_of"].tolist())
    proj, _, _ = evidence._frame_of_area()
    places = data.load_layer("places")
    places = places[places["kind"] != "observation_post"]
    places_m = proj.to_metric(places.geometry.to_numpy())
    rows = [
        "| hand line | estimated front: places | hand line's own ±km | distance from the hand line to the estimated "
        "front, km: median / 90 % / max | where the largest (nearest town) | hand line within the estimate's "
        "accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for (_, line), (_, est) in zip(hand.iterrows(), fronts.iterrows()):
        if est.geometry.is_empty:
            rows.append(f"| {line['as_of']} | unknown | {line['accuracy_km']:g} | – | – | – |")
            continue
        hand_m = shapely.segmentize(proj.to_metric(line.geometry), 1000.0)
        pts = shapely.points(shapely.get_coordinates(hand_m))
        est_m = proj.to_metric(est.geometry)
        d = shapely.distance(pts, est_m) / 1000
        worst = pts[int(np.argmax(d))]
        town = places["name"].iloc[int(np.argmin(shapely.distance(places_m, worst)))]
        vertices = json.loads(est["vertices"])
        vxy = proj.to_metric(shapely.points([[v["lon"], v["lat"]] for v in vertices]))
        nearest = [int(np.argmin(shapely.distance(vxy, p))) for p in pts]
        covered = np.mean(d <= np.array([vertices[i]["accuracy_km"] for i in nearest]))
        rows.append(
            f"| {line['as_of']} | {est['n_places']} | {line['accuracy_km']:g} | {np.median(d):.1f} / "
            f"{np.percentile(d, 90):.1f} / {d.max():.1f} | {town} | {100 * covered:.0f} % |"
        )
    return rows


def main() -> None:
    reports = read_reports()
    lines, _ = evidence.evidence_timeline(reports)
    write_geojson(lines)
    loaded = timeline.load_timeline(OUT)
    loaded.states()  # every line classifies (cuts the area, the face holding Idlib)
    years = lines["as_of"].str[:4].value_counts().sort_index()
    print(f"wrote {len(lines)} lines to {OUT.name} ({lines['as_of'].iloc[0]} to {lines['valid_until'].iloc[-1]})")
    print("lines per year: " + ", ".join(f"{y} {n}" for y, n in years.items()))
    print("\n".join(cross_check(reports)))


if __name__ == "__main__":
    main()
