"""Numbers an analyst can quote: places judged on a date in the Sochi DMZ, the area taken between two
dates with a probabilistic interval, ranges that refuse lines with no accuracy."""

import json

import numpy as np
import pytest
import shapely

from zonemap import cli
from zonemap.errors import ArgumentError
from zonemap.model import areas, gazetteer, scenarios, simulation, timeline, zones


def test_places_as_of_keep_the_sochi_dmz_and_judge_each_place_on_the_date():
    fixed = gazetteer.places_in("dmz_20km")
    dated = gazetteer.places_in("dmz_20km", "2020-03-06")
    assert dated["name"].tolist() == fixed["name"].tolist()  # the zone does not move with the date
    assert "Idlib" not in set(dated["name"]) and "Ariha" not in set(dated["name"])
    state = timeline.zones_as_of("2020-03-06")
    xy = shapely.get_coordinates(dated.geometry.to_numpy())
    assert dated["side_as_of"].tolist() == state.side(xy[:, 0], xy[:, 1]).tolist()
    assert set(dated["line_date"]) == {state.as_of}  # the evidence line in force that day
    held = dated["side_as_of"] == "opposition"  # each place's probability agrees with its side of that line
    assert (dated.loc[held, "p_opposition"] >= 0.5).all() and (dated.loc[~held, "p_opposition"] <= 0.5).all()
    row = dated.set_index("name").loc["Khan Shaykhun"]  # government-held since Aug 2019, well inside the DMZ
    assert row["side_as_of"] == "government" and row["p_opposition"] < 0.05 and row["dmz_status"] == "inside"
    saraqib = dated.set_index("name").loc["Saraqib"]  # 0.7 km from the 2018 line's 20 km edge: uncertain
    assert saraqib["dmz_status"] == "uncertain" and 0.05 < saraqib["p_in_dmz"] < 0.95
    assert 0 < saraqib["p_opposition"] < 0.5  # on the government side of the line, within its accuracy


def test_a_band_on_another_line_is_asked_for_by_name_and_labelled_so():
    band = gazetteer.places_in("dmz_20km", "2020-03-06", contact_line="2020")
    assert "Idlib" in set(band["name"])
    assert band.attrs["zone"].startswith("dmz_20km_2020_line") and "not the Sochi DMZ" in band.attrs["zone"]
    assert "the Sochi DMZ" in gazetteer.places_in("dmz_20km").attrs["zone"]


def test_places_cli_as_of_prints_p_opposition_and_refuses_a_zone_not_in_force(capsys):
    assert cli.main(["places", "--in", "dmz_20km", "--as-of", "2020-03-06", "--json"]) == 0
    records = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert records["Khan Shaykhun"]["dmz_status"] == "inside" and records["Khan Shaykhun"]["p_opposition"] < 0.05
    assert cli.main(["places", "--in", "m4_corridor", "--as-of", "2019-01-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        "zonemap: error: m4_corridor was not in force on 2019-01-01: it was from 2020-03-06 up to, not including,"
        " 2024-11-27")  # fmt: skip


def test_smooth_offsets_have_the_stated_sigma_and_correlation():
    s = np.arange(0, 60_001, 1000.0)
    draws = simulation.smooth_offsets_m(s, 2000.0, 10_000.0, 20_000, np.random.default_rng(3))
    assert draws.std(axis=0) == pytest.approx(np.full(len(s), 2000.0), rel=0.03)
    for gap_km in (5, 10, 20):  # exp(-gap² / 2ℓ²)
        r = np.corrcoef(draws[:, 0], draws[:, gap_km])[0, 1]
        assert r == pytest.approx(np.exp(-0.5 * (gap_km / 10) ** 2), abs=0.03)


def test_taken_between_has_an_interval_inside_the_bound_and_is_seeded():
    taken = areas.taken_between_km2("2018-09-17", "2020-03-05", draws=60, source="hand")  # the hand lines' figures
    nominal = taken["area_km2"]
    held = timeline.timeline_table("hand").set_index("as_of")["opposition_km2"]
    assert nominal == pytest.approx(held["2018-09-17"] - held["2020-03-05"], abs=0.5)  # the table's difference
    assert taken["bound_low_km2"] == pytest.approx(1322, abs=5) and taken["bound_high_km2"] == pytest.approx(
        4606, abs=5
    )
    assert taken["bound_low_km2"] < taken["interval_low_km2"] < nominal < taken["interval_high_km2"]
    assert taken["interval_high_km2"] < taken["bound_high_km2"]
    assert taken["interval_high_km2"] - taken["interval_low_km2"] < 0.5 * (
        taken["bound_high_km2"] - taken["bound_low_km2"]
    )
    again = areas.taken_between_km2("2018-09-17", "2020-03-05", draws=60, source="hand")
    assert again == taken  # same seed, same numbers
    other = areas.taken_between_km2("2018-09-17", "2020-03-05", draws=60, seed=1, source="hand")
    assert other["interval_low_km2"] != taken["interval_low_km2"]


def test_taken_between_by_default_is_judged_by_the_evidence_lines_of_the_two_days():
    taken = areas.taken_between_km2("2018-09-17", "2020-03-05", draws=30)
    start, end = timeline.zones_as_of("2018-09-17"), timeline.zones_as_of("2020-03-05")
    assert (taken["line_start"], taken["line_end"]) == (start.as_of, end.as_of)
    assert start.as_of != "2018-09-17"  # the evidence has no line of that day: the one before it holds
    expected = areas.geodesic_area_km2(shapely.difference(start.opposition, end.opposition))
    assert taken["area_km2"] == pytest.approx(expected, abs=0.5)
    assert taken["interval_low_km2"] < taken["median_km2"] < taken["interval_high_km2"]
    # the 2018 line runs 21.8 km east of Idlib city, between Taftanaz (opposition) and Zemar (government,
    # a report 596 days old): its 21.9 km accuracy there reaches the city, so no bound, and it says why
    assert taken["bound_low_km2"] is None and taken["bound_high_km2"] is None
    reason = f"the line of {start.as_of} states an accuracy of 21.9 km where it runs 21.8 km"
    assert taken["no_bound_reason"].startswith(reason)
    hand = areas.taken_between_km2("2018-09-17", "2020-03-05", draws=30, source="hand")
    assert hand["no_bound_reason"] is None and hand["bound_low_km2"] < hand["area_km2"] < hand["bound_high_km2"]
    assert hand["line_start"] == "2018-09-17" and hand["area_km2"] != taken["area_km2"]


def test_taken_within_one_line_period_is_zero_with_no_spread():
    taken = areas.taken_between_km2("2019-09-01", "2019-10-01", draws=10)
    assert taken["area_km2"] == 0 and taken["interval_low_km2"] == 0 and taken["interval_high_km2"] == 0


def test_cli_timeline_between(capsys):
    assert cli.main(["timeline", "--timeline", "hand", "--between", "2018-09-17", "2020-03-05", "--draws", "30"]) == 0
    out = capsys.readouterr().out
    assert "2,746 km² (90% interval " in out and "worst-case bound 1,322–4,606" in out
    assert "correlation length 20 km, seed 20180917" in out
    assert cli.main(["timeline", "--between", "2018-09-17", "2020-03-05", "--draws", "30", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert default == areas.taken_between_km2("2018-09-17", "2020-03-05", draws=30)  # the evidence lines
    assert default["line_start"] == timeline.zones_as_of("2018-09-17").as_of
    assert default["bound_low_km2"] is None and "21.9 km" in default["no_bound_reason"]
    assert cli.main(["timeline", "--between", "2018-09-17", "2020-03-05", "--draws", "30"]) == 0
    assert "; no worst-case bound)\nInterval: " in capsys.readouterr().out
    assert cli.main(["timeline", "--between", "2020-03-05", "2018-09-17"]) == 2


def test_area_ranges_refuse_a_plain_line_with_no_accuracy():
    line = timeline.line_as_of("2019-09-01").geometry  # a bare shapely line: no accuracy_km

    def held(lines, area):
        return [zones.opposition_side(lines["line"], area)]

    with pytest.raises(ArgumentError, match="no stated accuracy_km"):
        scenarios.area_ranges_km2(held, {"line": line})
    ((area, low, high),) = scenarios.area_ranges_km2(held, {"line": (line, 5.0)})
    assert low < area < high
    ((_, low, high),) = scenarios.area_ranges_km2(held, {"line": line}, missing="nan")
    assert np.isnan(low) and np.isnan(high)
