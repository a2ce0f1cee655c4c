"""Benchmark: what the membership probabilities add to classification time (target: at most 20 %).

Same run, same synthetic incidents (``zonemap.synthetic_incidents``, 1M by default), the model built
once before timing. Timed, each the best of repeated runs after a warm-up:

- ``classify``: ``zonemap.classify(events, model, nearest_place=False)`` — memberships, sides,
  signed geodesic distances (and, once :func:`zonemap.classify` adds them, the probabilities);
- ``probability columns``: :func:`zonemap.model.uncertainty.classified_columns` on its result — the work
  the probabilities add inside ``classify``; the share reported is this time against the rest of
  ``classify`` (``classify`` minus it, when ``classify`` already includes it);
- ``add_probabilities``: :func:`zonemap.model.uncertainty.add_probabilities`, the same plus a copy of
  the frame with the columns added (what a user calling it afterwards pays).

Also prints the share of events whose DMZ membership is ``uncertain`` (p between 0.05 and 0.95)
and the error of the tabulated Φ against ``math.erfc``.

Run: ``.venv/bin/python benchmarks/uncertainty.py [N]``.
"""

from __future__ import annotations

import math
import sys

import numpy as np
from timing import best_of

import zonemap
from zonemap.model import uncertainty

TARGET = 0.20


def main(n: int = 1_000_000) -> int:
    events = zonemap.synthetic_incidents(n, seed=14)
    model = zonemap.zone_model()
    zonemap.classify(events.iloc[:1000], model, nearest_place=False)  # warm-up: threads, caches
    classify_s, classified = best_of(lambda: zonemap.classify(events, model, nearest_place=False))
    included = "p_in_dmz" in classified.columns
    columns_s, _ = best_of(lambda: uncertainty.classified_columns(classified, events, model.options))
    add_s, with_p = best_of(lambda: uncertainty.add_probabilities(classified))
    base_s = classify_s - columns_s if included else classify_s
    z = np.linspace(-10, 10, 200_001)
    phi_error = np.abs(uncertainty.normal_cdf(z) - np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])).max()
    judged = classified if included else with_p  # classify's own statuses know when the DMZ was in force
    shares = judged["dmz_status"].value_counts(normalize=True)
    in_area = judged["in_idlib_area"].to_numpy(dtype=bool, na_value=False)
    uncertain_in_area = float((judged.loc[in_area, "dmz_status"] == "uncertain").mean())
    print(f"{n:,} synthetic incidents (seed 14)")
    label = "classify (incl. probabilities)" if included else "classify (no probabilities)"
    print(f"{label:<31}{classify_s:8.3f} s")
    print(f"{'probability columns':<31}{columns_s:8.3f} s   {columns_s / base_s:6.1%} of classification without them")
    print(f"{'add_probabilities (new frame)':<31}{add_s:8.3f} s   {add_s / base_s:6.1%}")
    print(f"target: at most {TARGET:.0%}")
    print(f"max |Φ − exact| on [-10, 10]: {phi_error:.1e}")
    print("dmz_status: " + ", ".join(f"{k} {shares.get(k, 0):.1%}" for k in uncertainty.STATUSES))
    print(f"uncertain among events in the Idlib area: {uncertain_in_area:.1%}")
    return 0 if columns_s / base_s <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:])))
