"""The leave-one-out validation of the evidence lines under each variant of the estimator's rules.

Run: ``.venv/bin/python benchmarks/evidence_variants.py [name ...]`` (all variants when no name is
given). Prints, per variant, the share of reports judged right overall and more than 2 km from the
line, and the share of misses the stated accuracy covers (``docs/evidence.md`` quotes these).
Slow: each variant re-estimates a line for every report (about 1-2 minutes each).
"""

from __future__ import annotations

import math
import sys
import time

from zonemap.model import evidence_check
from zonemap.model.reports import read_reports

#: name -> keyword arguments of :func:`zonemap.model.evidence_check.validate`.
VARIANTS = {
    "plain": {"implied_days": 0, "strike_front_km": 0.0, "supersede_km": 0.0, "stale_horizon_days": 0},
    "strike-only reports dropped within 5 km of the other side": {
        "strike_front_km": 5.0,
        "supersede_km": 0.0,
        "stale_horizon_days": 0,
    },
    "strike-only reports dropped everywhere": {
        "strike_front_km": math.inf,
        "supersede_km": 0.0,
        "stale_horizon_days": 0,
    },
    "strikes (5 km) + implied earlier state, 7 d": {"implied_days": 7, "supersede_km": 0.0, "stale_horizon_days": 0},
    "strikes (5 km) + implied earlier state, 30 d": {"implied_days": 30, "supersede_km": 0.0, "stale_horizon_days": 0},
    "strikes (5 km) + implied earlier state, 120 d": {
        "implied_days": 120,
        "supersede_km": 0.0,
        "stale_horizon_days": 0,
    },
    "strikes (5 km) + stale dropped, 2 km": {"supersede_km": 2.0, "stale_horizon_days": 0},
    "strikes (5 km) + stale dropped, 5 km": {"stale_horizon_days": 0},
    "+ stale by captures at 0.05 km/day, ages to 120 d": {"stale_horizon_days": 120},
    "+ stale by captures at 0.05 km/day, ages to 180 d": {"stale_horizon_days": 180},
    "+ stale by captures at 0.05 km/day, ages to 365 d (shipped)": {},
    "+ stale by captures at 0.05 km/day, ages to 730 d": {"stale_horizon_days": 730},
    "+ stale by captures at 0.05 km/day, no age limit": {"stale_horizon_days": 100_000},
    "strikes (5 km) + stale dropped, 10 km": {"supersede_km": 10.0, "stale_horizon_days": 0},
    "shipped, strict leave-one-out (same place within 30 d)": {"same_event_days": 30},
    "plain, strict leave-one-out (same place within 30 d)": {
        "same_event_days": 30,
        "implied_days": 0,
        "strike_front_km": 0.0,
        "supersede_km": 0.0,
        "stale_horizon_days": 0,
    },
}


def main(names: list[str]) -> None:
    reports = read_reports()
    for name in names or list(VARIANTS):
        start = time.perf_counter()
        judged = evidence_check.validate(reports, **VARIANTS[name])
        table = evidence_check.validation_table(judged).set_index("group")
        a, far = table.loc["all"], table.loc["distance >2 km"]
        print(
            f"{name}: all {a.share_right:.1f} % of {a.reports}; >2 km {far.share_right:.1f} % of {far.reports}; "
            f"misses covered {a.share_covered:.1f} % ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
