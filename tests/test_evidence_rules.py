"""The estimator's rules (side_basis, implied earlier state, stale reports) and the sample check's corrections."""

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zonemap.errors import InputError
from zonemap.model import data, evidence, evidence_check, evidence_rules
from zonemap.model.reports import read_reports

LATS = (35.5, 35.6, 35.7, 35.8, 35.9, 36.0, 36.1)


def _reports(rows, **columns):
    frame = pd.DataFrame(rows, columns=["place", "lon", "lat", "date", "side"])
    return read_reports(frame.assign(**columns))


def _meridian(day="2019-06-01", west=36.5, east=36.7):
    rows = [(f"W{i}", west, lat, day, "opposition") for i, lat in enumerate(LATS)]
    rows += [(f"E{i}", east, lat, day, "government") for i, lat in enumerate(LATS)]
    return rows


def test_side_basis_defaults_to_explicit_and_is_read():
    rows = _meridian()
    plain = _reports(rows)
    assert set(plain.frame["side_basis"]) == {"explicit"} and not plain.frame["capture"].any()
    given = _reports(rows, side_basis=["inferred_from_strike"] + [""] * 13, capture=["true"] + ["false"] * 13)
    assert given.frame["side_basis"].tolist()[:2] == ["inferred_from_strike", "explicit"]
    assert given.frame["capture"].tolist()[:2] == [True, False]


def test_a_bad_side_basis_names_file_row_and_value(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "place,lon,lat,date,side,side_basis\nA,36.5,35.8,2019-06-01,government,\nB,36.6,35.8,2019-06-01,opposition,"
        "rumour\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_reports(path)
    assert str(err.value) == (
        f"{path}: row 2: side_basis 'rumour' is not one of explicit, implied, inferred_from_strike"
    )


def test_implied_earlier_state_of_a_capture():
    # X (between the two meridians, nearer the government side) is captured by the government on 11 June
    rows = _meridian("2019-01-01") + [("X", 36.66, 35.8, "2019-06-11", "government")]
    reports = _reports(rows, capture=["false"] * 14 + ["true"])
    off = evidence.latest_state(reports, "2019-06-01").set_index("place")
    assert "X" not in off.index  # not yet reported, and the rule is off by default
    state = evidence.latest_state(reports, "2019-06-01", implied_days=30).set_index("place")
    assert state.loc["X", ["side", "age_days", "report_ids"]].tolist() == ["opposition", 10, "implied by row 15"]
    assert bool(state.loc["X", "implied"]) and not state.drop("X")["implied"].any()
    # the partition takes it: a point 1 km east of X is opposition-held on 1 June, government-held on 11 June
    for day, implied_days, side in (("2019-06-01", 30, "opposition"), ("2019-06-01", 0, "government")):
        est = evidence.Estimate(evidence.latest_state(reports, day, implied_days=implied_days), day)
        point = est.proj.to_metric(shapely.Point(36.671, 35.8))
        assert est.side_of(np.array([[point.x, point.y]])).tolist() == [side]
    # beyond the horizon, or when the place's next report is not a capture, nothing is implied
    assert "X" not in evidence.latest_state(reports, "2019-06-01", implied_days=5).set_index("place").index
    blocked = _reports(
        rows + [("X", 36.66, 35.8, "2019-06-05", "government")], capture=["false"] * 14 + ["true", "false"]
    )
    assert "X" not in evidence.latest_state(blocked, "2019-06-01", implied_days=30).set_index("place").index
    # a report of X nearer in time (1 day back) than the capture (10 days ahead) keeps its word
    nearer = rows + [("X", 36.66, 35.8, "2019-05-31", "government")]
    nearer = _reports(nearer, capture=["false"] * 14 + ["true", "false"])
    state = evidence.latest_state(nearer, "2019-06-01", implied_days=30).set_index("place")
    assert state.loc["X", ["side", "age_days"]].tolist() == ["government", 1]


def test_leaving_a_capture_out_also_removes_its_implied_state():
    # X: an opposition anchor on 1 June among government-held places, and its capture on 3 June (same event window)
    rows = [(f"E{i}", 36.7, lat, "2019-06-01", "government") for i, lat in enumerate(LATS)]
    rows += [(f"W{i}", 36.3, lat, "2019-06-01", "opposition") for i, lat in enumerate(LATS)]
    rows += [("X", 36.66, 35.8, "2019-06-01", "opposition"), ("X", 36.66, 35.8, "2019-06-03", "government")]
    reports = _reports(rows, capture=["false"] * 15 + ["true"])
    judged = evidence_check.validate(reports, implied_days=30).set_index("report_id")
    # without the capture (left out with the anchor) no implied state says "opposition" at X
    assert judged.loc["row 15", "estimated"] == "government" and not judged.loc["row 15", "right"]


def test_strike_only_reports_near_the_front_take_no_part():
    sided = pd.DataFrame(
        {
            "side": ["government", "opposition", "opposition", "opposition"],
            "side_basis": ["explicit", "inferred_from_strike", "inferred_from_strike", "explicit"],
            "age_days": [0, 0, 0, 0],
        }
    )
    xy = np.array([[0.0, 0.0], [3000.0, 0.0], [20000.0, 0.0], [2000.0, 0.0]])  # metres
    assert evidence_rules.drop_strikes_near_front(sided, xy, 5.0).tolist() == [True, False, True, True]
    assert evidence_rules.drop_strikes_near_front(sided, xy, 0.0).all()
    assert evidence_rules.drop_strikes_near_front(sided, xy, np.inf).tolist() == [True, False, False, True]


def test_a_report_older_than_a_nearby_report_of_the_other_side_is_stale():
    sided = pd.DataFrame({"side": ["opposition", "government", "opposition"], "age_days": [40, 2, 1]})
    xy = np.array([[0.0, 0.0], [4000.0, 0.0], [10000.0, 0.0]])  # the newest, 6 km beyond the government place
    # the 40-day-old opposition report has a 2-day-old government report 4 km away: stale
    assert evidence_rules.drop_superseded(sided, xy, 5.0).tolist() == [False, True, True]
    assert evidence_rules.drop_superseded(sided, xy, 0.0).all()
    assert evidence_rules.drop_superseded(sided, xy, 3.0).all()
    assert evidence_rules.drop_superseded(sided, xy, 7.0).tolist() == [False, False, True]


def test_a_capture_farther_than_five_km_makes_a_report_stale_by_the_front_s_speed():
    # an opposition place last reported 300 days ago; the government captured places 12 and 20 km away yesterday
    sided = pd.DataFrame(
        {"side": ["opposition", "government", "government"], "age_days": [300, 1, 1], "capture": [False, True, True]}
    )
    xy = np.array([[0.0, 0.0], [12_000.0, 0.0], [0.0, 20_000.0]])
    # 0.05 km/day x 299 days = 14.95 km > 12 km: stale; at a 120-day limit 0.05 x 119 = 5.95 km < 12 km: kept
    assert evidence_rules.drop_superseded(sided, xy, 5.0).tolist() == [False, True, True]
    assert evidence_rules.drop_superseded(sided, xy, 5.0, horizon_days=120).tolist() == [True, True, True]
    assert evidence_rules.drop_superseded(sided, xy, 5.0, horizon_days=0).tolist() == [True, True, True]
    # the same reports without a capture (a fresh report of a quiet front): nothing is stale beyond 5 km
    quiet = sided.assign(capture=False)
    assert evidence_rules.drop_superseded(quiet, xy, 5.0).tolist() == [True, True, True]
    # the rate: at 0.04 km/day, 299 days allow 11.96 km, just short of 12 km
    assert evidence_rules.drop_superseded(sided, xy, 5.0, km_per_day=0.04).tolist() == [True, True, True]
    # a capture older than the place's own report never makes it stale
    older = sided.assign(age_days=[1, 300, 300])
    assert evidence_rules.drop_superseded(older, xy, 0.0).tolist() == [True, True, True]


def test_the_capture_rule_keeps_the_quiet_years_still():
    # 2021-2023 had no change of hands: new reports of a quiet front make nothing stale beyond 5 km
    reports = read_reports()
    for day in ("2021-06-01", "2022-06-01", "2023-06-01", "2023-12-31"):
        state = evidence.latest_state(reports, day)
        with_rule, without = evidence.Estimate(state, day), evidence.Estimate(state, day, stale_horizon_days=0)
        assert with_rule.opposition_m.equals(without.opposition_m), day
    # while in the 2024 offensive the captures make the 2020 places near them stale
    state = evidence.latest_state(reports, "2024-11-30")
    with_rule, without = (
        evidence.Estimate(state, "2024-11-30"),
        evidence.Estimate(state, "2024-11-30", stale_horizon_days=0),
    )
    assert len(with_rule.sided) < len(without.sided)


def _shipped():
    with open(data.geodata_dir() / "control_reports.csv", encoding="utf-8", newline="") as f:
        return {r["report_id"]: r for r in csv.DictReader(f)}


def test_r0720_qomhanah_is_not_the_hama_homonym():
    rows = _shipped()
    governorates = gpd.read_file(data.geodata_dir() / "governorates.geojson").set_index("name")
    maarat = data.place("Maarat al-Numan")
    for rid in ("R0710", "R0720", "R0734"):
        row = rows[rid]
        assert row["place"] == "Qomhanah" and "wrong homonym" in row["notes"]
        if row["placed"] == "true":  # placed: in Idlib governorate, north of Maarat al-Numan
            point = shapely.Point(float(row["lon"]), float(row["lat"]))
            assert governorates.loc["Idleb", "geometry"].contains(point) and point.y > maarat.y
        else:  # no stored page gives the Idlib village's position: not placed at all
            assert row["lon"] == row["lat"] == "" and "not placed" in row["coord_source"]
    # the Hama village of the 2024 offensive keeps its own position
    assert governorates.loc["Hama", "geometry"].contains(shapely.Point(float(rows["R1069"]["lon"]), 35.19722))


def test_other_homonyms_and_generic_points_are_fixed():
    rows = _shipped()
    for rid in ("R0646", "R0688", "R0902"):  # al-Hamidiyah (Tartous), al-Arimah (eastern Aleppo)
        assert rows[rid]["placed"] == "false" and "wrong homonym" in rows[rid]["notes"]
    pocket = [r for r in rows.values() if (r["lon"], r["lat"]) == ("36.6403", "35.3568")]
    assert not pocket  # the generic "north Hama pocket" point is gone
    for rid in ("R0354", "R0440"):
        assert rows[rid]["placed"] == "false" and "generic point" in rows[rid]["notes"]
    assert (rows["R0414"]["lon"], rows["R0414"]["lat"]) == (rows["R0076"]["lon"], rows["R0076"]["lat"])
    assert (rows["R0973"]["date"], rows["R0973"]["date_to"]) == ("2020-03-05", "2020-03-05")


def test_sample_check_side_bases_are_set():
    rows = _shipped()
    for rid in "R0501 R0202 R0354 R0762 R0775 R0776 R0780 R1125 R0463".split():
        assert rows[rid]["side_basis"] == "inferred_from_strike", rid
    for rid in "R0076 R0114 R0156 R0394 R0414 R0833 R0923 R0968".split():
        assert rows[rid]["side_basis"] == "implied", rid
    assert rows["R1107"]["side_basis"] == "explicit"  # shelled, but the report says "rebel-held Idlib"
    counts = pd.Series([r["side_basis"] for r in rows.values()]).value_counts()
    assert set(counts.index) == {"explicit", "implied", "inferred_from_strike"} and counts.sum() == 1129
