"""Rules the evidence estimator applies to the reports' latest state: implied earlier states, strike-only reports.

Three rules, each measured by the leave-one-out validation (``docs/evidence.md``;
``benchmarks/evidence_variants.py`` prints the figures):

- **Implied earlier state** (:func:`implied_state`). A report that a side *took* a place on day D
  (``capture``) also says the other side held it just before D. For a date before D (up to
  :data:`IMPLIED_DAYS` days before), that implied state is evidence of the place, with its age
  counted as the days until D; it stands in for the place when no report of the place covers the
  date, or when the place's latest report lies farther back than D lies ahead (the nearer in time wins).
- **Strike-only reports near the front** (:func:`drop_strikes_near_front`). A side inferred only
  from the place being shelled or air-struck (``side_basis`` ``inferred_from_strike``) is safe deep
  in the other side's land but not on the front: a side shells places it is about to take or has
  just lost. Such a report takes no part in the partition when a place of the side that shells
  lies within :data:`STRIKE_FRONT_KM` of it.
- **Stale reports** (:func:`drop_superseded`). A place whose latest report is older than a report
  of the other side at a place within :data:`SUPERSEDE_KM` takes no part: the front has moved
  past it since (or over it; either way the newer neighbour is the better evidence). Farther
  out, a place takes no part when a newer *capture* by the other side lies nearer to it than the
  front can have moved between the two reports (:data:`STALE_KM_PER_DAY` a day, ages counted up to
  :data:`STALE_HORIZON_DAYS`): in a partition by age-weighted distance (distance + 0.05 km a day
  of age) the place's own cell would be empty, the capture being nearer in that measure even at
  the place itself. Only a capture counts there: a fresh report of a quiet front does not make
  the other side's older reports across it stale.

The implied earlier state is off by default (:data:`IMPLIED_DAYS` 0): it made the validation worse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: How many days before a capture the implied earlier state of the place is used (0: the rule is off,
#: as shipped: it lowered the validation at every horizon tried, see docs/evidence.md).
IMPLIED_DAYS = 0

#: A strike-only report within this distance (km) of a place held by the other side takes no part.
STRIKE_FRONT_KM = 5.0

#: A report older than a report of the other side within this distance (km) is stale (0: none is):
#: about the spacing of neighbouring villages on the Idlib front (2-5 km).
SUPERSEDE_KM = 5.0

#: How fast (km a day) the front may have moved since a report, in the age weighting of stale reports;
#: the line's accuracy uses the same rate (:data:`zonemap.model.evidence.AGE_KM_PER_DAY` is this one).
STALE_KM_PER_DAY = 0.05

#: Ages count up to this many days in the age weighting (0: the weighting is off): a front that stood
#: still for more than a year is as old as a year (docs/evidence.md: 180 days to 2 years score alike).
STALE_HORIZON_DAYS = 365

OTHER_SIDE = {"government": "opposition", "opposition": "government"}


def implied_state(ordered: pd.DataFrame, day: np.datetime64, days: int = IMPLIED_DAYS) -> pd.DataFrame:
    """Each place's implied state on ``day``: the side it lost in its next capture within ``days`` days.

    Only the place's *next* report after ``day`` counts: when it is a capture, the place was the
    other side's until then; when it is any other report (an anchor, a capture the text does not
    flag), nothing is implied (a capture further ahead says nothing of ``day``).

    ``ordered``: placed reports (:attr:`zonemap.model.reports.Reports.ordered`). A capture counts from
    its ``date`` (the first day the report allows), so the place was the other side's before it.
    Columns as :func:`zonemap.model.evidence.latest_state`, with ``age_days`` the days from ``day``
    to the capture and ``report_ids`` ``implied by <id>`` (the capture report it is derived from).

    Examples
    --------
    >>> from zonemap.model.reports import read_reports
    >>> toy = pd.DataFrame({"place": ["A"], "lon": [36.5], "lat": [35.8], "date": ["2019-05-10"],
    ...                     "side": ["government"], "capture": ["true"]})
    >>> s = implied_state(read_reports(toy).ordered, np.datetime64("2019-05-01"), days=30)
    >>> s[["place", "side", "age_days", "report_ids"]].values.tolist()
    [['A', 'opposition', 9, 'implied by row 1']]
    """
    day = np.datetime64(day, "ns")
    starts = ordered["date"].to_numpy(dtype="datetime64[ns]")
    ahead = (starts - day) / np.timedelta64(1, "D")
    later = ordered[ahead > 0].sort_values(["key", "date", "capture", "report_id"], kind="stable")
    # the place's next report decides: a capture implies the other side before it; any other report implies nothing
    following = later.drop_duplicates("key", keep="first")
    following_day = following["date"].to_numpy(dtype="datetime64[ns]")
    first = following[following["capture"].to_numpy(bool) & ((following_day - day) / np.timedelta64(1, "D") <= days)]
    columns = ["key", "place", "lon", "lat", "side", "day", "age_days", "coord_accuracy_km", "report_ids"]
    columns += ["side_basis", "capture"]
    if first.empty:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {
            "key": first["key"].to_numpy(),
            "place": first["place"].to_numpy(),
            "lon": first["lon"].to_numpy(float),
            "lat": first["lat"].to_numpy(float),
            "side": first["side"].map(OTHER_SIDE).to_numpy(),
            "day": first["date"].to_numpy(dtype="datetime64[ns]") - np.timedelta64(1, "D"),
            "age_days": ((first["date"].to_numpy(dtype="datetime64[ns]") - day) / np.timedelta64(1, "D")).astype(int),
            "coord_accuracy_km": first["coord_accuracy_km"].to_numpy(float),
            "report_ids": ("implied by " + first["report_id"].astype(str)).to_numpy(),
            "side_basis": "implied",
            "capture": False,  # the state before a capture, not a capture
        }
    )[columns]


def with_implied(state: pd.DataFrame, implied: pd.DataFrame) -> pd.DataFrame:
    """The latest state with implied states added: a place with no report yet, or whose latest report
    is farther in time than its next capture, takes the implied state (column ``implied`` True)."""
    state = state.assign(implied=False)
    if implied.empty:
        return state
    known = state.set_index("key")["age_days"]
    own_age = implied["key"].map(known)
    take = implied[own_age.isna().to_numpy() | (own_age.to_numpy(float) > implied["age_days"].to_numpy(float))]
    kept = state[~state["key"].isin(take["key"])]
    return pd.concat([kept, take.assign(implied=True)], ignore_index=True).sort_values("key").reset_index(drop=True)


def drop_strikes_near_front(sided: pd.DataFrame, xy_m: np.ndarray, front_km: float = STRIKE_FRONT_KM) -> np.ndarray:
    """Which sided places to keep: not a strike-only report within ``front_km`` km of the other side's places.

    ``xy_m``: the places' metric coordinates (same order). Distances are measured to places whose
    side rests on more than a strike (``explicit`` or ``implied``). ``front_km`` = inf drops every
    strike-only report; 0 keeps them all.
    """
    strike = (sided["side_basis"] == "inferred_from_strike").to_numpy()
    if not strike.any() or front_km <= 0:
        return np.ones(len(sided), bool)
    sides = sided["side"].to_numpy()
    keep = np.ones(len(sided), bool)
    for side in ("government", "opposition"):
        mine = strike & (sides == side)
        other = (sides != side) & ~strike
        if not mine.any():
            continue
        if not other.any():
            continue
        d = np.hypot(xy_m[mine, None, 0] - xy_m[None, other, 0], xy_m[mine, None, 1] - xy_m[None, other, 1])
        keep[np.flatnonzero(mine)] = d.min(axis=1) / 1000 > front_km
    return keep


def drop_superseded(
    sided: pd.DataFrame,
    xy_m: np.ndarray,
    within_km: float,
    horizon_days: float = STALE_HORIZON_DAYS,
    km_per_day: float = STALE_KM_PER_DAY,
) -> np.ndarray:
    """Which sided places to keep: not a report made stale by a newer report of the other side nearby.

    A place is stale when a place held by the other side, reported more recently, lies within
    ``within_km`` km of it (the front has moved past it since), or when the other side *captured*
    a place (column ``capture``) nearer to it than ``km_per_day`` times the difference of their
    ages (each counted up to ``horizon_days``): the age-weighted distance ``d + km_per_day * age``
    of the capture is then smaller, at the place itself, than that of the place's own report. Only
    a capture counts there: it shows the front moving, while a fresh report of a quiet front does
    not make the other side's older reports across it stale. ``within_km`` 0 and ``horizon_days``
    0 keep every place.

    Examples
    --------
    >>> sided = pd.DataFrame({"side": ["opposition", "government"], "age_days": [300, 0], "capture": [False, True]})
    >>> xy = np.array([[0.0, 0.0], [12_000.0, 0.0]])  # 12 km apart, 300 days apart: 15 km of movement
    >>> drop_superseded(sided, xy, 5.0).tolist(), drop_superseded(sided, xy, 5.0, horizon_days=0).tolist()
    ([False, True], [True, True])
    >>> drop_superseded(sided.assign(capture=False), xy, 5.0).tolist()  # a report of a quiet front
    [True, True]
    """
    keep = np.ones(len(sided), bool)
    if (within_km <= 0 and horizon_days <= 0) or len(sided) < 2:
        return keep
    sides, ages = sided["side"].to_numpy(), sided["age_days"].to_numpy(float)
    d = np.hypot(xy_m[:, None, 0] - xy_m[None, :, 0], xy_m[:, None, 1] - xy_m[None, :, 1]) / 1000
    weighted = km_per_day * np.minimum(ages, max(horizon_days, 0))
    near = d <= within_km if within_km > 0 else np.zeros_like(d, bool)
    capture = sided["capture"].to_numpy(bool) if "capture" in sided else np.zeros(len(sided), bool)
    moved = capture[None, :] & (d + weighted[None, :] < weighted[:, None])  # a capture, nearer by the weighting
    newer_other = (sides[:, None] != sides[None, :]) & (ages[None, :] < ages[:, None]) & (near | moved)
    return ~newer_other.any(axis=1)
