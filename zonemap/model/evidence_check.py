"""How far the evidence lines can be trusted: each report left out in turn, judged by the line of its date.

``zonemap lines --validate`` prints :func:`validation_text`. A report is *right* when the
nearest-evidence side at its place, estimated from every other report (and without the reports of
the same place within :data:`SAME_EVENT_DAYS` days: other outlets' reports of the same event),
is the side it reports. A miss is *covered* when it lies within the line's stated accuracy of the
line (on the wrong side by less than the accuracy): the share covered is the honesty of the accuracy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
import shapely.ops

from .evidence import Estimate, _frame_of_area, latest_state
from .evidence_rules import IMPLIED_DAYS, STALE_HORIZON_DAYS, STRIKE_FRONT_KM, SUPERSEDE_KM
from .reports import Reports

#: Reports of one place within this many days of a left-out report are left out with it (same event).
SAME_EVENT_DAYS = 3

#: Distance bands (km from the line) of the validation table.
DISTANCE_BANDS = ((0, 2), (2, 5), (5, 10), (10, np.inf))


def validate(
    reports: Reports,
    *,
    same_event_days: int = SAME_EVENT_DAYS,
    implied_days: int = IMPLIED_DAYS,
    strike_front_km: float = STRIKE_FRONT_KM,
    supersede_km: float = SUPERSEDE_KM,
    stale_horizon_days: float = STALE_HORIZON_DAYS,
) -> pd.DataFrame:
    """Leave each sided, placed report out in turn and judge it by the line of its date estimated without it.

    Left out with it: every report of the same place within ``same_event_days`` days (other
    outlets' reports of the same event would otherwise give the answer away), and so whatever is
    derived from them (the implied earlier state of a capture is derived from the remaining
    reports only). ``implied_days``, ``strike_front_km``, ``supersede_km`` and ``stale_horizon_days``:
    the estimator's rules (:mod:`zonemap.model.evidence_rules`). One row per
    judged report: ``report_id``, ``place``, ``date``, ``side`` (reported), ``side_basis``, ``estimated``
    (nearest-evidence side), ``right`` (bool), ``distance_km`` (to the estimated line; NaN when
    the reports left show one side only), ``accuracy_km`` (the line's stated accuracy at its
    nearest vertex), ``in_area`` (inside the Idlib area). Reports whose date's evidence fixes no
    line (one side only, or a line's accuracy over 50 km) are judged ``unknown`` (``estimated`` is
    ``unknown``, ``right`` False).

    Examples
    --------
    >>> import pandas as pd
    >>> from zonemap.model.reports import read_reports
    >>> lats = [35.5, 35.6, 35.7, 35.8, 35.9, 36.0, 36.1]  # two columns of places, 18 km apart
    >>> toy = pd.DataFrame({"place": [f"W{i}" for i in range(7)] + [f"E{i}" for i in range(7)],
    ...                     "lon": [36.5] * 7 + [36.7] * 7, "lat": lats * 2, "date": "2019-01-01",
    ...                     "side": ["opposition"] * 7 + ["government"] * 7})
    >>> judged = validate(read_reports(toy))
    >>> len(judged), bool(judged["right"].all())
    (14, True)
    """
    frame = reports.placed[reports.placed["side"] != "contested"]
    proj, area_m, _ = _frame_of_area()
    rows = []
    for rid, key, place, day, side, basis, lon, lat in zip(
        frame["report_id"],
        frame["key"],
        frame["place"],
        frame["date_to"],
        frame["side"],
        frame["side_basis"],
        frame["lon"],
        frame["lat"],
    ):
        near = (reports.frame["key"] == key) & ((reports.frame["date_to"] - day).abs().dt.days <= same_event_days)
        rest = Reports(reports.frame[~near.to_numpy()], reports.label)
        state = latest_state(rest, day, implied_days=implied_days)
        est = Estimate(
            state,
            day,
            strike_front_km=strike_front_km,
            supersede_km=supersede_km,
            stale_horizon_days=stale_horizon_days,
        )
        point = proj.to_metric(shapely.Point(lon, lat))
        row = {
            "report_id": rid,
            "place": place,
            "date": f"{day:%Y-%m-%d}",
            "side": side,
            "side_basis": basis,
            "in_area": bool(area_m.contains(point)),
        }
        if not est.fixes_a_line():
            rows.append(row | {"estimated": "unknown", "right": False, "distance_km": np.nan, "accuracy_km": np.nan})
            continue
        xy = np.array([[point.x, point.y]])
        estimated = est.side_of(xy)[0]
        distance = float(shapely.distance(point, est.line_m)) / 1000 if not est.line_m.is_empty else np.nan
        nearest = shapely.ops.nearest_points(est.line_m, point)[0] if not est.line_m.is_empty else point
        accuracy = float(est.vertex_accuracy(np.array([[nearest.x, nearest.y]]))["accuracy_km"].iloc[0])
        rows.append(
            row | {"estimated": estimated, "right": estimated == side, "distance_km": distance, "accuracy_km": accuracy}
        )
    return pd.DataFrame(rows)


def validation_table(judged: pd.DataFrame) -> pd.DataFrame:
    """The share right overall, by year and by distance band, and how many misses the accuracy covers.

    Columns: ``group``, ``reports``, ``right``, ``share_right`` (%), ``misses``,
    ``misses_beyond_accuracy`` (farther from the line than its stated accuracy, on the wrong side),
    ``share_covered`` (% of misses within the stated accuracy). Judged: reports with both sides
    in evidence at their date, inside the Idlib area.
    """
    scored = judged[(judged["estimated"] != "unknown") & judged["in_area"]]
    band = pd.Series("", index=scored.index, dtype=object)
    for lo, hi in DISTANCE_BANDS:
        band[(scored["distance_km"] >= lo) & (scored["distance_km"] < hi)] = (
            f"{lo:g}-{hi:g} km" if np.isfinite(hi) else f">{lo:g} km"
        )
    groups = [("all", scored)]
    groups += [(f"year {y}", g) for y, g in scored.groupby(scored["date"].str[:4])]
    groups += [(f"distance {b}", scored[band == b]) for b in band.drop_duplicates().sort_values(key=_band_order)]
    groups += [("distance >2 km", scored[scored["distance_km"] >= 2])]
    rows = []
    for name, g in groups:
        misses = g[~g["right"]]
        beyond = int((misses["distance_km"] > misses["accuracy_km"]).sum())
        rows.append(
            {
                "group": name,
                "reports": len(g),
                "right": int(g["right"].sum()),
                "share_right": round(100 * g["right"].mean(), 1) if len(g) else np.nan,
                "misses": len(misses),
                "misses_beyond_accuracy": beyond,
                "share_covered": round(100 * (1 - beyond / len(misses)), 1) if len(misses) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _band_order(labels: pd.Series) -> pd.Series:
    return labels.str.extract(r"(\d+)")[0].astype(float)


def validation_text(judged: pd.DataFrame) -> str:
    """The validation table as text (what ``zonemap lines --validate`` prints), with what was not judged."""
    table = validation_table(judged)
    header = ("group", "judged", "right", "% right", "misses", "beyond ±km", "% misses covered")
    rows = [header] + [
        (
            r.group,
            str(r.reports),
            str(r.right),
            _pct(r.share_right),
            str(r.misses),
            str(r.misses_beyond_accuracy),
            _pct(r.share_covered),
        )
        for r in table.itertuples()
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    unknown = int((judged["estimated"] == "unknown").sum())
    outside = int(((judged["estimated"] != "unknown") & ~judged["in_area"]).sum())
    lines.append(
        f"Each placed, sided report left out in turn (with its place's reports within {SAME_EVENT_DAYS} days) "
        f"and judged by the line of its date; not judged: {outside} outside the Idlib area, {unknown} on "
        "dates whose evidence fixes no line (one side only, or an accuracy over 50 km)."
    )
    return "\n".join(lines)


def _pct(value) -> str:
    return "–" if value != value else f"{value:.1f}"
