"""Contact lines from evidence: dated control reports in, the front as of any day out, with its error.

Method (deterministic): for a date, each placed place's latest report on or before it
(:func:`latest_state`, counted from the report's ``date_to``); reports of one place on its latest
day that disagree make it ``contested``. The Idlib de-escalation area
(:func:`zonemap.model.data.de_escalation_area`) is partitioned by **nearest evidence**: the Voronoi
cells of the government- and opposition-held places, computed in a local azimuthal equidistant
projection (metres) and clipped to the area. Each point of the area takes the side of the nearest
place whose side is known, which is the least a report can say without a model of how fronts run:
no smoothing, no invented shape. Contested places take no part in the partition (their previous
state is withdrawn); they are listed in the held areas. Nor do a strike-only report near the
front or a report older than a report of the other side close by
(:mod:`zonemap.model.evidence_rules`: why, and what the validation says of each rule).

The contact line is the boundary between the two sides inside the area. Each vertex carries its
own accuracy (km, ~95 %)::

    accuracy_km = max(d_opp, d_gov) + max(coord_opp + strike_opp, coord_gov + strike_gov)
                  + AGE_KM_PER_DAY * min(age, AGE_CAP_DAYS)

where ``d_opp``/``d_gov`` are the distances (km) from the vertex to the nearest opposition- and
government-held evidence that fixes it (the true line lies somewhere between them, the estimate
halfway), ``coord_*`` their coordinates' stated accuracy (km), ``strike_*`` the strike distance
(``STRIKE_FRONT_KM``, 5 km) for a side inferred from strikes alone, and ``age`` the days since the
older of the two reports (the front may have moved since). Near a report the rules dropped as stale
(at most 120 days old) that the estimate puts on the other side, the place may still be held: there
the accuracy reaches the place (``Estimate._stale_reach``). The line's own ``accuracy_km`` (the one
a timeline classifier reads) is the 90th percentile of its vertices'; :func:`validate` measures
how honest these figures are.
"""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import ArgumentError
from ..geodesy.projection import LocalProjection
from . import data
from .dates import _iso, read_day, read_days
from .evidence_rules import (
    IMPLIED_DAYS,
    STALE_HORIZON_DAYS,
    STALE_KM_PER_DAY,
    STRIKE_FRONT_KM,
    SUPERSEDE_KM,
    drop_strikes_near_front,
    drop_superseded,
    implied_state,
    with_implied,
)
from .line_accuracy import MAX_LINE_ACCURACY_KM
from .reports import SIDE_BASES, Reports

#: How fast (km per day) the front may have moved since a report, in the accuracy of the line: one rate
#: with the stale-report rule's (:data:`zonemap.model.evidence_rules.STALE_KM_PER_DAY`).
AGE_KM_PER_DAY = STALE_KM_PER_DAY

#: Beyond this age (days) a report adds no more to the accuracy: fronts that stood still for years.
AGE_CAP_DAYS = 120

#: The evidence timeline runs from the Astana-6 agreement on the area's boundaries to the end of the war.
TIMELINE_START, TIMELINE_END = "2017-09-15", "2024-12-08"


@functools.cache
def _frame_of_area() -> tuple[LocalProjection, shapely.Geometry, shapely.Geometry]:
    """The projection, the area in metres and its boundary (prepared)."""
    area = data.de_escalation_area().geometry.iloc[0]
    proj = LocalProjection.around(area)
    area_m = proj.to_metric(area)
    shapely.prepare(area_m)
    return proj, area_m, area_m.boundary


#: The properties of each estimated line, in order (also those of geodata/evidence_timeline.geojson).
LINE_PROPERTIES = (
    "name",
    "as_of",
    "valid_until",
    "source",
    "accuracy_km",
    "accuracy_km_min",
    "accuracy_km_max",
    "notes",
    "n_places",
    "vertices",
)


def latest_state(reports: Reports, date, *, implied_days: int = IMPLIED_DAYS) -> pd.DataFrame:
    """Each placed place's latest report on or before ``date``, with its age in days.

    Columns: ``key``, ``place``, ``lon``, ``lat``, ``side`` (``contested`` when the reports of the
    latest day disagree), ``day`` (datetime64), ``age_days``, ``coord_accuracy_km`` (km, the worst
    of that day's reports), ``report_ids`` (the reports of that day, ``;``-joined), ``side_basis``
    (the firmest of that day's reports), ``implied`` (bool). With ``implied_days`` > 0 a place
    captured within that many days after ``date`` may take the side it lost
    (:func:`zonemap.model.evidence_rules.implied_state`; ``age_days`` then counts to the capture).

    Examples
    --------
    >>> from zonemap.model.reports import read_reports
    >>> state = latest_state(read_reports(), "2019-08-25")
    >>> state.loc[state["place"] == "Khan Shaykhun", "side"].tolist()
    ['government']
    """
    day = read_day(date)
    ordered = reports.ordered  # placed reports sorted by place, day, report id
    days = ordered["date_to"].to_numpy(dtype="datetime64[ns]")
    sub = ordered[days <= day]
    implied = implied_state(ordered, day, implied_days) if implied_days > 0 else pd.DataFrame()
    if sub.empty:
        columns = ["key", "place", "lon", "lat", "side", "day", "age_days", "coord_accuracy_km", "report_ids"]
        return _one_per_position(with_implied(pd.DataFrame(columns=[*columns, "side_basis", "capture"]), implied))
    days, codes = days[days <= day], sub["code"].to_numpy()
    group = np.cumsum(np.r_[True, codes[1:] != codes[:-1]]) - 1
    last_day = days[np.r_[codes[1:] != codes[:-1], True]]  # sorted by day within a place: its last row
    latest = sub[days == last_day[group]]
    group = group[days == last_day[group]]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sides = latest["side"].to_numpy(dtype=object)
    disagree = np.logical_or.reduceat(sides != np.repeat(sides[starts], np.diff(np.r_[starts, len(sides)])), starts)
    ids = latest["report_id"].astype(str).to_numpy()
    strength = latest["side_basis"].map({b: i for i, b in enumerate(SIDE_BASES)}).to_numpy(int)
    out = latest.iloc[starts][["key", "place", "lon", "lat", "side", "date_to"]].rename(columns={"date_to": "day"})
    out = out.assign(
        side=np.where(disagree, "contested", sides[starts]),
        coord_accuracy_km=np.maximum.reduceat(latest["coord_accuracy_km"].to_numpy(float), starts),
        report_ids=[";".join(ids[a:b]) for a, b in zip(starts, np.r_[starts[1:], len(ids)])],
        side_basis=np.array(SIDE_BASES, dtype=object)[np.minimum.reduceat(strength, starts)],
        capture=np.logical_or.reduceat(latest["capture"].to_numpy(bool), starts),
    ).reset_index(drop=True)
    out["age_days"] = ((day - out["day"].to_numpy(dtype="datetime64[ns]")) / np.timedelta64(1, "D")).astype(int)
    return _one_per_position(with_implied(out, implied))


def _sided(
    state: pd.DataFrame,
    proj: LocalProjection,
    strike_front_km: float = STRIKE_FRONT_KM,
    supersede_km: float = SUPERSEDE_KM,
    stale_horizon_days: float = STALE_HORIZON_DAYS,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """The places taking part in the partition and their metric points: sided, without strike-only reports
    near the front (:func:`~zonemap.model.evidence_rules.drop_strikes_near_front`) and stale reports
    (:func:`~zonemap.model.evidence_rules.drop_superseded`); then the stale places and their points."""
    sided = state[state["side"] != "contested"].reset_index(drop=True)
    points = proj.to_metric(shapely.points(sided["lon"].to_numpy(float), sided["lat"].to_numpy(float)))
    if "side_basis" in sided and len(sided):
        keep = drop_strikes_near_front(sided, shapely.get_coordinates(points), strike_front_km)
        sided, points = sided[keep].reset_index(drop=True), points[keep]
    keep = drop_superseded(sided, shapely.get_coordinates(points), supersede_km, stale_horizon_days)
    return sided[keep].reset_index(drop=True), points[keep], sided[~keep].reset_index(drop=True), points[~keep]


def _one_per_position(state: pd.DataFrame) -> pd.DataFrame:
    """Places sharing a position (to ~10 m): the nearest report in time (smallest age) wins; a tie that
    disagrees is contested."""
    pos = [f"{x:.4f},{y:.4f}" for x, y in zip(state["lon"], state["lat"])]
    state = state.assign(_pos=pos).sort_values(["_pos", "day", "key"], kind="stable")
    nearest = state.groupby("_pos")["age_days"].transform("min")
    state = state[state["age_days"] == nearest]
    sides = state.groupby("_pos")["side"].transform("nunique")
    state = state.assign(side=np.where(sides > 1, "contested", state["side"]))
    return state.drop_duplicates("_pos", keep="last").drop(columns="_pos").sort_values("key").reset_index(drop=True)


class Estimate:
    """The partition of the Idlib area for one date: sides, the line and its per-vertex accuracy (metres inside)."""

    def __init__(
        self,
        state: pd.DataFrame,
        date,
        *,
        strike_front_km: float = STRIKE_FRONT_KM,
        supersede_km: float = SUPERSEDE_KM,
        stale_horizon_days: float = STALE_HORIZON_DAYS,
    ):
        self.date = _iso(read_day(date))
        self.state = state
        proj, area_m, edge = _frame_of_area()
        self.proj, self.area_m = proj, area_m
        sided, points_m, stale, stale_m = _sided(state, proj, strike_front_km, supersede_km, stale_horizon_days)
        self.sided, self.points_m = sided, points_m
        self.stale, self.stale_m = stale, stale_m
        self.strike_front_km = strike_front_km if np.isfinite(strike_front_km) else STRIKE_FRONT_KM
        self.is_opp = (sided["side"] == "opposition").to_numpy()
        self.known = bool(self.is_opp.any() and (~self.is_opp).any())
        if len(sided) == 0:
            self.opposition_m = self.government_m = shapely.Polygon()
        elif len(sided) == 1:
            whole = area_m
            self.opposition_m, self.government_m = (
                (whole, shapely.Polygon()) if self.is_opp[0] else (shapely.Polygon(), whole)
            )
        else:
            cells = shapely.get_parts(
                shapely.voronoi_polygons(
                    shapely.multipoints(self.points_m), extend_to=area_m.envelope.buffer(1e5), ordered=True
                )
            )
            cells = shapely.intersection(cells, area_m)
            self.opposition_m, self.government_m = _held(cells[self.is_opp]), _held(cells[~self.is_opp])
        front = shapely.difference(shapely.boundary(self.opposition_m), shapely.buffer(edge, 1.0))
        front = (
            shapely.line_merge(
                shapely.union_all(shapely.get_parts(front)[shapely.get_type_id(shapely.get_parts(front)) == 1])
            )
            if not front.is_empty
            else front
        )
        self.line_m = front if self.known else shapely.LineString()
        self.ended = None

    def vertex_accuracy(self, xy_m: np.ndarray) -> pd.DataFrame:
        """Accuracy (km) at metric points: distances to the nearest evidence of either side, their
        coordinates' accuracy (``coord_*_km``) and, for a side inferred from strikes alone, the strike
        distance (``strike_*_km``), their age; at least the reach of a stale report (``stale_km``)."""
        pts = np.column_stack(shapely.get_coordinates(self.points_m).T)
        out = {}
        for side, mask in (("opp", self.is_opp), ("gov", ~self.is_opp)):
            d = np.hypot(xy_m[:, None, 0] - pts[mask][None, :, 0], xy_m[:, None, 1] - pts[mask][None, :, 1])
            nearest = np.argmin(d, axis=1)
            rows = self.sided[mask].iloc[nearest]
            out[f"d_{side}_km"] = d[np.arange(len(xy_m)), nearest] / 1000
            out[f"coord_{side}_km"] = rows["coord_accuracy_km"].to_numpy(float)
            # a side inferred from strikes alone places the front no nearer than the rules' strike distance
            strike = (rows["side_basis"] == "inferred_from_strike").to_numpy() if "side_basis" in rows else False
            out[f"strike_{side}_km"] = np.where(strike, self.strike_front_km, 0.0)
            out[f"age_{side}_days"] = rows["age_days"].to_numpy(int)
            out[f"{side}_reports"] = rows["report_ids"].to_numpy(object)
            out[f"{side}_place"] = rows["place"].to_numpy(object)
        table = pd.DataFrame(out)
        age = np.minimum(np.maximum(table["age_opp_days"], table["age_gov_days"]), AGE_CAP_DAYS)
        table["accuracy_km"] = (
            np.maximum(table["d_opp_km"], table["d_gov_km"])
            + np.maximum(table["coord_opp_km"] + table["strike_opp_km"], table["coord_gov_km"] + table["strike_gov_km"])
            + AGE_KM_PER_DAY * age
        ).round(1)
        reach_km, place = self._stale_reach(xy_m)
        table["stale_km"], table["stale_place"] = reach_km.round(1), place
        table["accuracy_km"] = np.maximum(table["accuracy_km"], table["stale_km"])
        return table

    def _stale_reach(self, xy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How far (km) the line at metric points may lie off if a stale report still held, and its place.

        A stale report (:func:`~zonemap.model.evidence_rules.drop_superseded`) takes no part in the
        partition, but the rule that drops it is a judgement: the place may still be held by its side.
        Where the estimate puts such a place on the other side, the true line may run round it, a
        salient reaching the place: at a point within twice the place's distance from the line, the
        line may lie as far off as the place lies from it (plus its coordinates' accuracy). Only places
        inside the area count, and reports up to ``AGE_CAP_DAYS`` old. 0: none."""
        at, to_line_km, shift, place = self._contradicted_stale
        if not len(at):
            return np.zeros(len(xy_m)), np.full(len(xy_m), None, object)
        d = np.hypot(xy_m[:, None, 0] - at[None, :, 0], xy_m[:, None, 1] - at[None, :, 1]) / 1000
        reach = np.where(d <= 2 * to_line_km[None, :], shift[None, :], 0.0)
        worst = np.argmax(reach, axis=1)
        found = reach[np.arange(len(xy_m)), worst]
        return found, np.where(found > 0, place[worst], None)

    @functools.cached_property
    def _contradicted_stale(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The stale places :meth:`_stale_reach` counts (once per estimate): metric points, distance to
        the line (km), the salient's shift (km: that distance plus the coordinates' accuracy), names."""
        empty = np.zeros((0, 2)), np.zeros(0), np.zeros(0), np.zeros(0, object)
        if not len(self.stale) or self.line_m.is_empty:
            return empty
        at = shapely.get_coordinates(self.stale_m)
        recent = self.stale["age_days"].to_numpy() <= AGE_CAP_DAYS
        inside = shapely.contains(self.area_m, self.stale_m)  # not a place of another pocket (Homs, 2018)
        wrong = (self.side_of(at) != self.stale["side"].to_numpy()) & recent & inside
        if not wrong.any():
            return empty
        rows = self.stale[wrong]
        to_line_km = shapely.distance(self.stale_m[wrong], self.line_m) / 1000
        shift = to_line_km + rows["coord_accuracy_km"].to_numpy(float)  # a salient round the place, at most
        return at[wrong], to_line_km, shift, rows["place"].to_numpy(object)

    def fixes_a_line(self) -> bool:
        """Whether the reports draw a line: both sides in evidence, a front, and a line accuracy (90th
        percentile of its vertices', :func:`too_vague`) within ``MAX_LINE_ACCURACY_KM``."""
        if not self.known or self.line_m.is_empty:
            return False
        return not too_vague(self.vertex_accuracy(shapely.get_coordinates(self.line_m))["accuracy_km"].to_numpy())

    def side_of(self, xy_m: np.ndarray) -> np.ndarray:
        """``opposition``/``government`` of metric points by nearest sided evidence (inside or outside the area)."""
        pts = shapely.get_coordinates(self.points_m)
        d = np.hypot(xy_m[:, None, 0] - pts[None, :, 0], xy_m[:, None, 1] - pts[None, :, 1])
        return np.where(self.is_opp[np.argmin(d, axis=1)], "opposition", "government")


def _held(cells: np.ndarray) -> shapely.Geometry:
    """The union of one side's cells inside the area, polygons only (a collection has no boundary):
    an empty polygon when the side has no place, or none whose cell reaches the area."""
    parts = shapely.get_parts(cells) if len(cells) else np.array([])
    polygons = parts[np.isin(shapely.get_type_id(parts), (3, 6))] if len(parts) else parts
    union = shapely.union_all(polygons) if len(polygons) else shapely.Polygon()
    return shapely.Polygon() if union.is_empty else union


def too_vague(vertex_accuracy_km: np.ndarray) -> bool:
    """Whether a line of these vertex accuracies (km) says too little to be drawn: its accuracy (the
    90th percentile) exceeds :data:`~zonemap.model.line_accuracy.MAX_LINE_ACCURACY_KM`, the most a
    contact line may state.

    Examples
    --------
    >>> too_vague(np.array([8.0, 12.0, 20.0])), too_vague(np.array([30.0, 60.0, 115.0]))
    (False, True)
    """
    return bool(np.percentile(vertex_accuracy_km, 90) > MAX_LINE_ACCURACY_KM)


def lines_from_reports(
    reports: Reports, dates, *, until=None, timeline: bool = False
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The contact line and the held areas as of each date, estimated from control reports (EPSG:4326).

    ``dates`` is one date or many (sorted here); each line holds from its date up to, not
    including, the next one (``valid_until``; for the last, ``until`` or the day after it).
    Returns ``(lines, held)``:

    - ``lines``: ``name``, ``as_of``, ``valid_until``, ``source``, ``accuracy_km`` (km, 90th
      percentile of the vertices'), ``accuracy_km_min``/``_max``, ``notes``, ``vertices`` (JSON:
      per vertex ``order``, ``lon``, ``lat``, ``marks`` (the places fixing it; ``area edge; …``
      for a timeline line's vertices on the area's edge), ``reports``, ``accuracy_km``,
      ``opposition``/``government`` (the reports fixing it on either side), ``age_days``,
      ``part`` (the stretch of a multi-part front)
      on the area's edge), ``n_places``; geometry the front, a (Multi)LineString inside the area
      (with ``timeline=True`` the one-piece line of :func:`timeline_line`), empty when the
      reports do not show both sides.
    - ``held``: one row per date and side (``opposition``, ``government``) with ``as_of``,
      ``valid_until``, ``area_km2`` (geodesic), and ``contested``: points of contested places.

    Examples
    --------
    >>> from zonemap.model.reports import read_reports
    >>> lines, held = lines_from_reports(read_reports(), "2019-08-25")
    >>> lines[["as_of", "valid_until"]].values.tolist()  # valid until the next report
    [['2019-08-25', '2019-08-26']]
    >>> bool(lines["accuracy_km"].iloc[0] > 0), sorted(held["side"])
    (True, ['contested', 'government', 'opposition'])
    """
    days = np.unique(read_days(dates if not isinstance(dates, str) else [dates]))
    if np.isnat(days).any():
        raise ArgumentError("a date to estimate is missing (NaT)")
    report_days = np.unique(reports.placed["date_to"].to_numpy(dtype="datetime64[D]"))
    last_report = report_days[-1] if len(report_days) else None
    if until is None:  # the estimate can change with the next report after the last date asked for
        later = report_days[report_days > days[-1]]
        until = later[0] if len(later) else days[-1] + np.timedelta64(1, "D")
    ends = list(days[1:]) + [np.datetime64(until, "D")]
    line_rows, held_rows = [], []
    for day, end in zip(days, ends):
        est = Estimate(latest_state(reports, day), day)
        if last_report is None or day > last_report:
            est.known, est.ended = False, last_report
        line, held = _line_row(est, reports.label, timeline), _held_rows(est)
        valid = {"as_of": est.date, "valid_until": str(end)}
        line_rows.append(line | valid)
        held_rows += [row | valid for row in held]
    lines = gpd.GeoDataFrame(line_rows, geometry="geometry", crs=data.WGS84)
    held = gpd.GeoDataFrame(held_rows, geometry="geometry", crs=data.WGS84)
    held_columns = ["as_of", "valid_until", "side", "area_km2", "n_places", "geometry"]
    return lines[[*LINE_PROPERTIES, "geometry"]], held[held_columns]


def _line_row(est: Estimate, label: str, timeline: bool = False) -> dict:
    base = {
        "name": f"Contact line from evidence, {est.date}",
        "source": f"zonemap estimate from {label}",
        "n_places": len(est.sided),
    }
    unknown = base | {
        "accuracy_km": np.nan,
        "accuracy_km_min": np.nan,
        "accuracy_km_max": np.nan,
        "vertices": "[]",
        "geometry": shapely.LineString(),
    }
    if not est.known or est.line_m.is_empty:
        sides = sorted(set(est.sided["side"])) or ["none"]
        note = f"unknown: the reports up to {est.date} show one side only ({', '.join(sides)})"
        if est.known:  # both sides reported, but one side's places all lie outside the area
            empty = "opposition" if est.opposition_m.is_empty else "government"
            note = (
                f"unknown: the places in evidence up to {est.date} fix no front in the area "
                f"(its {empty}-held places all lie outside it)"
            )
        if getattr(est, "ended", None) is not None:
            note = f"unknown: the reports end on {_iso(est.ended)}; nothing is known of {est.date}"
        return unknown | {"notes": note}
    geometry_m, on_edge = timeline_line(est) if timeline else (est.line_m, None)
    xy, part = shapely.get_coordinates(shapely.get_parts(geometry_m), return_index=True)
    on_edge = np.zeros(len(xy), bool) if on_edge is None else on_edge
    table = est.vertex_accuracy(xy)
    lonlat = shapely.get_coordinates(est.proj.to_lonlat(shapely.points(xy)))
    between = "between " + table["opp_place"] + " (opposition) and " + table["gov_place"] + " (government)"
    stale = table["stale_place"].notna().to_numpy()
    between[stale] += "; a stale report of " + table["stale_place"][stale] + " may still hold (accuracy to it)"
    reports = (table["opp_reports"] + ";" + table["gov_reports"]).str.split(";")
    vertices = pd.DataFrame(
        {
            "order": np.arange(len(xy)),
            "lon": lonlat[:, 0].round(5),
            "lat": lonlat[:, 1].round(5),
            "marks": np.where(on_edge, "area edge; " + between, between),
            "reports": reports,
            "accuracy_km": table["accuracy_km"],
            "opposition": table["opp_reports"],
            "government": table["gov_reports"],
            "age_days": np.maximum(table["age_opp_days"], table["age_gov_days"]),
            "part": part,
        }
    ).to_dict("records")
    acc = table["accuracy_km"].to_numpy()[~on_edge] if (~on_edge).any() else table["accuracy_km"].to_numpy()
    if too_vague(acc):  # too few places to fix a line: say so, draw none
        return unknown | {
            "notes": f"unknown: the {len(est.sided)} places in evidence up to {est.date} fix no line: its accuracy "
            f"would be {np.percentile(acc, 90):.0f} km (more than {MAX_LINE_ACCURACY_KM:g} km)"
        }
    parts = len(shapely.get_parts(est.line_m))
    note = (
        f"nearest-evidence partition of {len(est.sided)} places ({int(est.is_opp.sum())} opposition-held); "
        f"{parts} stretch{'es' if parts > 1 else ''}; per-vertex accuracy in vertices"
    )
    return base | {
        "accuracy_km": float(np.percentile(acc, 90).round(1)),
        "accuracy_km_min": float(acc.min()),
        "accuracy_km_max": float(acc.max()),
        "notes": note,
        "vertices": json.dumps(vertices, ensure_ascii=False, separators=(",", ":")),
        "geometry": est.proj.to_lonlat(geometry_m),
    }


def _held_rows(est: Estimate) -> list[dict]:
    from ..geodesy.area import geodesic_area_km2

    rows = []
    if est.ended is not None:  # past the reports: nothing is held as far as the evidence goes
        return [
            {"side": side, "area_km2": np.nan, "n_places": 0, "geometry": None}
            for side in ("opposition", "government", "contested")
        ]
    for side, geom_m, n in (
        ("opposition", est.opposition_m, int(est.is_opp.sum())),
        ("government", est.government_m, int((~est.is_opp).sum())),
    ):
        geom = est.proj.to_lonlat(geom_m) if not geom_m.is_empty else shapely.Polygon()
        geom = geom if geom.is_valid else shapely.make_valid(geom)
        rows.append(
            {
                "side": side,
                "area_km2": float(geodesic_area_km2(geom)) if not geom.is_empty else 0.0,
                "n_places": n,
                "geometry": geom,
            }
        )
    contested = est.state[est.state["side"] == "contested"]
    pts = shapely.multipoints(shapely.points(contested["lon"].to_numpy(float), contested["lat"].to_numpy(float)))
    rows.append(
        {
            "side": "contested",
            "area_km2": 0.0,
            "n_places": len(contested),
            "geometry": pts if len(contested) else shapely.MultiPoint(),
        }
    )
    return rows


def change_dates(reports: Reports, start=TIMELINE_START, end=TIMELINE_END) -> list[str]:
    """Days (ISO) on which a reported place changes side, from ``start`` to ``end``.

    On each day with reports, every placed place (reported on any date) takes the side of its
    nearest evidence as of that day; a day is a change date when any place's side differs from
    the day before (so a first report that contradicts the estimate counts, not only a place
    reported twice). Changes within a day are merged. The first date is ``start`` when the
    reports up to it show both sides, else the first day they do; before it the line is unknown.

    Examples
    --------
    >>> from zonemap.model.reports import read_reports
    >>> days = change_dates(read_reports())
    >>> days[:3], len(days)
    (['2017-10-22', '2017-10-30', '2017-12-13'], 120)
    """
    placed = reports.placed
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    report_days = np.unique(placed["date_to"].to_numpy(dtype="datetime64[D]"))
    days = np.concatenate([[lo], report_days[(report_days > lo) & (report_days <= hi)]])
    proj, _, _ = _frame_of_area()
    places = placed.drop_duplicates("key")
    xy = shapely.get_coordinates(
        proj.to_metric(shapely.points(places["lon"].to_numpy(float), places["lat"].to_numpy(float)))
    )
    out, before = [], None
    for day in days:
        state, points, _, _ = _sided(latest_state(reports, day), proj)
        if state["side"].nunique() < 2:
            continue
        pts = shapely.get_coordinates(points)
        d = np.hypot(xy[:, None, 0] - pts[None, :, 0], xy[:, None, 1] - pts[None, :, 1])
        sides = state["side"].to_numpy()[np.argmin(d, axis=1)]
        if before is None or (sides != before).any():
            out.append(_iso(day))
        before = sides
    return out


def evidence_timeline(reports: Reports) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Lines and held areas at every change date (:func:`change_dates`).

    The last line is valid until ``TIMELINE_END`` or the day after the last report, whichever is first
    (or until the last change date, when that one fixes no line).
    The timeline holds known lines only: a change date whose reports show one side only or fix no
    line of plausible accuracy has none, so the line before it ends there (its ``valid_until``) and
    no line is in force until the next known one: every answer on those days says so. The timeline
    starts with its first known line.

    The lines here are *timeline lines* (:func:`timeline_line`): one open line a timeline can
    classify with (:func:`zonemap.model.timeline.load_timeline`).
    """
    last = reports.placed["date_to"].max()  # nothing is stretched past the last report
    until = min(np.datetime64(TIMELINE_END, "D"), np.datetime64(last, "D") + np.timedelta64(1, "D"))
    lines, held = lines_from_reports(reports, change_dates(reports), until=until, timeline=True)
    known = ~lines.geometry.is_empty.to_numpy()
    days = set(lines.loc[known, "as_of"])
    return lines[known].reset_index(drop=True), held[held["as_of"].isin(days)].reset_index(drop=True)


def timeline_line(est: Estimate) -> tuple[shapely.Geometry, np.ndarray]:
    """The outline of the opposition-held piece holding Idlib city, opened on the area's edge (metres).

    A timeline cuts the area with one line and keeps the face holding Idlib city, so its line
    must be one piece. The outline runs along the front and, where the opposition holds up to the
    area's edge, along the edge; the longest stretch along the edge is left out (the line's two
    ends then meet the edge). Returns the line and, per vertex, whether it lies on the area's edge
    (those vertices are not front). Enclaves (pieces not connected to Idlib) are left out of it.
    """
    _, area_m, edge = _frame_of_area()
    pieces = shapely.get_parts(est.opposition_m)
    idlib = est.proj.to_metric(data.place("Idlib"))
    holding = [p for p in pieces if p.covers(idlib)] or sorted(pieces, key=lambda p: -p.area)[:1]
    ring = np.asarray(holding[0].exterior.coords)[:-1]
    on_edge = shapely.distance(edge, shapely.points(ring)) < 1.0
    seg_edge = on_edge & np.roll(on_edge, -1)  # segment i runs from vertex i to i+1 along the edge
    if seg_edge.all() or not seg_edge.any():
        return shapely.LineString(np.vstack([ring, ring[:1]])), np.r_[on_edge, on_edge[:1]]  # closed: one flag a vertex
    start = int(np.flatnonzero(~seg_edge)[0])  # roll so that the ring starts on a front segment
    seg, ring, on_edge = np.roll(seg_edge, -start), np.roll(ring, -start, axis=0), np.roll(on_edge, -start)
    runs = np.split(np.arange(len(seg)), np.flatnonzero(np.diff(seg.astype(int))) + 1)
    longest = max((r for r in runs if seg[r[0]]), key=lambda r: r[-1] - r[0])
    keep = np.r_[longest[-1] + 1 : len(ring), 0 : longest[0] + 1]  # from the run's end round to its start
    return shapely.LineString(ring[keep]), on_edge[keep]


def stretches(lines: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each line's stretches (segments between vertices) with their accuracy (km, the worse end's) and evidence.

    Columns: ``as_of``, ``valid_until``, ``order``, ``accuracy_km`` (km), ``opposition`` and
    ``government`` (the reports fixing the stretch's start), ``age_days``, ``marks``; EPSG:4326.
    """
    rows = []
    for as_of, until, text in zip(lines["as_of"], lines["valid_until"], lines["vertices"]):
        vertices = json.loads(text)
        for a, b in zip(vertices[:-1], vertices[1:]):
            if a["part"] != b["part"]:
                continue
            rows.append(
                {
                    "as_of": as_of,
                    "valid_until": until,
                    "order": a["order"],
                    "accuracy_km": max(a["accuracy_km"], b["accuracy_km"]),
                    "opposition": a["opposition"],
                    "government": a["government"],
                    "age_days": max(a["age_days"], b["age_days"]),
                    "marks": a.get("marks", ""),
                    "geometry": shapely.LineString([(a["lon"], a["lat"]), (b["lon"], b["lat"])]),
                }
            )
    columns = ["as_of", "valid_until", "order", "accuracy_km", "opposition", "government", "age_days", "marks"]
    if not rows:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=data.WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=data.WGS84)


def write_lines(path, lines: gpd.GeoDataFrame, held: gpd.GeoDataFrame) -> None:
    """Write a GeoPackage: layers ``lines`` (with ``vertices``), ``stretches`` (per-stretch accuracy),
    ``held`` (opposition- and government-held areas) and ``contested`` (contested places)."""
    areas = held[held["side"] != "contested"].copy()
    contested = held[held["side"] == "contested"].copy()
    contested = contested.assign(geometry=contested.geometry.where(~contested.geometry.is_empty, None))
    for name, frame in (("lines", lines), ("stretches", stretches(lines)), ("held", areas), ("contested", contested)):
        frame = frame.assign(geometry=frame.geometry.where(~frame.geometry.is_empty, None))
        frame.to_file(path, layer=name, driver="GPKG", promote_to_multi=True)
