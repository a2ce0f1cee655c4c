"""Incidents judged as of their own date: the line in force, zones only while in force, summaries by
month and by line period, the CLI's ``timeline`` and ``incidents --as-of/--fixed-lines``."""

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import zonemap
from zonemap import ArgumentError, cli
from zonemap.incidents.summary import period_summary
from zonemap.model import timeline

ROOT = Path(__file__).resolve().parents[1]
CONTROL = list(
    csv.DictReader(open(ROOT / "geodata" / "sources" / "contact_lines_timeline.control.csv", encoding="utf-8"))
)
SARAQIB = shapely.Point(36.8059, 35.8645)


def events(dates, points):
    return gpd.GeoDataFrame({"event_date": pd.to_datetime(dates)}, geometry=list(points), crs="EPSG:4326")


def test_the_reported_side_of_dated_places_through_classify():
    """Every place of the dated reports the hand lines were drawn from, farther from its hand line than the
    line's accuracy: the right side."""
    frame = events([r["date"] for r in CONTROL], [shapely.Point(float(r["lon"]), float(r["lat"])) for r in CONTROL])
    result = zonemap.classify(frame, timeline="hand")
    decisive = np.abs(result["dist_line_km"]) > result["line_accuracy_km"]
    assert decisive.sum() >= 0.5 * len(CONTROL)
    held = np.array([r["held_by"] for r in CONTROL])
    on_opposition_side = result["side"].astype(str).to_numpy() == "opposition"
    assert (on_opposition_side == (held == "opposition"))[decisive].all()
    assert ((result["dist_line_km"] > 0) == on_opposition_side)[decisive].all()  # the sign follows the side
    khan = result[[r["place"] == "Khan Shaykhun" for r in CONTROL]]
    assert set(khan["side"].astype(str)) == {"opposition", "government"}  # it changed hands, and classify follows


def test_each_event_gets_the_line_in_force_on_its_date():
    dates = ["2018-09-16", "2018-09-17", "2019-08-30", "2019-08-31", "2021-01-01"]
    result = zonemap.classify(events(dates, [SARAQIB] * 5), timeline="hand")
    assert result["line_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "", "2018-09-17", "2019-05-10", "2019-08-31", "2020-03-05"
    ]  # fmt: skip
    assert result["as_of_basis"].iloc[0] == "before the first dated line: no line in force"
    assert np.isnan(result["dist_line_km"].iloc[0]) and pd.isna(result["side"].iloc[0])
    lines = timeline.load_timeline()  # the default: the evidence line of each event's day
    first = np.datetime64(lines.as_of[0])
    dates = [str(first - 1), str(first), *dates]
    result = zonemap.classify(events(dates, [SARAQIB] * len(dates)))
    expected = [lines.as_of[i] if i >= 0 else "" for i in lines.line_index(dates)]
    assert result["line_date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == expected
    assert expected[0] == "" and all(expected[1:]) and expected != [""] + dates[1:]  # not the hand lines' dates
    assert result["as_of_basis"].iloc[0] == "before the first dated line: no line in force"


@pytest.mark.parametrize(
    "zone, point, before, first_day",
    [
        ("dmz_20km_2018_line", SARAQIB, "2018-09-16", "2018-09-17"),
        ("m4_corridor", shapely.Point(36.4559, 35.8114), "2020-03-05", "2020-03-06"),
        ("idlib_area", shapely.Point(36.6339, 35.9306), "2017-05-03", "2017-05-04"),
    ],
)
def test_a_zone_counts_only_from_the_day_it_came_into_force(zone, point, before, first_day):
    result = zonemap.classify(events([before, first_day], [point, point]))
    assert result[f"in_{zone}"].tolist() == [False, True]


@pytest.mark.parametrize(
    "zone, point, last_day, ended",
    [
        ("eastern_ghouta_area", shapely.Point(36.4252, 33.5465), "2018-04-13", "2018-04-14"),
        ("northern_homs_area", shapely.Point(36.6376, 34.8625), "2018-05-15", "2018-05-16"),
        ("southern_area", shapely.Point(36.1804, 32.915), "2018-07-31", "2018-08-01"),
    ],
)
def test_a_zone_counts_no_more_after_it_ended(zone, point, last_day, ended):
    assert zonemap.classify(events([last_day], [point]), as_of=None)[f"in_{zone}"].item()  # the point is inside it
    assert zonemap.classify(events([last_day, ended], [point, point]))[f"in_{zone}"].tolist() == [True, False]


def test_rows_without_a_day_keep_the_fixed_answers_and_say_so():
    frame = events([None, "2020-02-01", "2017-01-01"], [SARAQIB] * 3).assign(date_precision=["", "month", "day"])
    result = zonemap.classify(frame)
    assert result["as_of_basis"].tolist()[:2] == [
        "no date: fixed lines, zones regardless of dates",
        "month or year only: fixed lines; a zone in force for part of the period is uncertain",
    ]
    assert result["in_dmz_20km_2018_line"].tolist() == [True, True, False]  # the last: a day before the DMZ existed


def test_as_of_one_date_and_fixed_lines():
    frame = events(["2018-10-01", "2020-03-10"], [SARAQIB] * 2)
    one_day = zonemap.classify(frame, as_of="2020-03-10")
    assert one_day["side"].astype(str).tolist() == ["government"] * 2
    assert set(one_day["as_of_basis"]) == {"as of the given date"}
    fixed = zonemap.classify(frame, as_of=None)
    assert {"line_date", "side", "dist_line_km"}.isdisjoint(fixed.columns)
    assert fixed["side_2018"].astype(str).tolist() == ["opposition"] * 2
    with pytest.raises(ArgumentError, match="no contact line in force on 2017-01-01"):
        zonemap.classify(frame, as_of="2017-01-01")


def test_a_users_timeline(tmp_path):
    shipped = timeline.timeline("hand")
    mine = shipped.iloc[[0, 5]].drop(columns="valid_until").rename(columns={"as_of": "front_date"})
    path = tmp_path / "fronts.geojson"
    mine.to_file(path, driver="GeoJSON")  # no valid_until: each line holds until the next, the last until told
    model = zonemap.zone_model(timeline=str(path), timeline_date_column="front_date", timeline_valid_until="2024-11-27")
    result = zonemap.classify(events(["2019-09-01", "2020-04-01"], [SARAQIB] * 2), model)
    assert result["line_date"].dt.strftime("%Y-%m-%d").tolist() == ["2018-09-17", "2020-03-05"]
    assert result["side"].astype(str).tolist() == ["opposition", "government"]


def test_summaries_count_zones_only_while_in_force_and_by_period():
    synthetic = zonemap.synthetic_incidents(3000, seed=5, start="2018-01-01", end="2020-12-31")
    result = zonemap.classify(synthetic)
    monthly = zonemap.monthly_summary(result)
    assert monthly.loc[monthly["zone"] == "m4_corridor", "month"].min() >= "2020-03"
    assert monthly.loc[monthly["zone"] == "dmz_20km_2018_line", "month"].min() >= "2018-09"
    dmz = monthly[monthly["zone"] == "dmz_20km_2018_line"]
    assert (dmz["expected_low"] <= dmz["expected"]).all() and (dmz["expected"] <= dmz["expected_high"]).all()
    periods = period_summary(result)
    everything = periods[periods["zone"] == "all incidents"]
    assert everything["events"].sum() == result["line_date"].notna().sum()
    in_force = sorted(result["line_date"].dropna().dt.strftime("%Y-%m-%d").unique())  # lines of the events' days
    assert list(everything["line_date"]) == in_force and set(in_force) <= set(timeline.load_timeline().as_of)
    assert len(in_force) > 9  # the evidence lines: more than the hand timeline has


def test_cli_timeline_json_and_table(capsys):  # of the hand lines: the evidence's table of 77 lines takes ~30 s
    assert cli.main(["timeline", "--timeline", "hand", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {"as_of", "opposition_km2", "dmz_opposition_km2", "taken_since_previous_km2"} <= set(records[0])
    opposition = [r["opposition_km2"] for r in records if r["as_of"] <= "2020-03-05"]  # then the 2024 offensive
    assert opposition == sorted(opposition, reverse=True) and len(opposition) >= 5
    assert all(r["opposition_km2_low"] <= r["opposition_km2"] <= r["opposition_km2_high"] for r in records)
    assert cli.main(["timeline", "--timeline", "hand"]) == 0
    text = capsys.readouterr().out
    assert "2019-08-31" in text and "Khan Shaykhun" in text


def test_cli_incidents_as_of_event_date_by_default_with_period_summary(tmp_path, capsys):
    source = ROOT / "geodata" / "incidents_sample.csv"
    out, periods = tmp_path / "out.csv", tmp_path / "periods.csv"
    assert cli.main(["incidents", str(source), "-o", str(out), "--period-summary", str(periods)]) == 0
    assert "on the opposition side of the line in force on their date" in capsys.readouterr().out
    table = pd.read_csv(out)
    wanted = {"line_date", "side", "dist_line_km", "p_opposition", "dmz_status", "ocha_admin1_pcode"}
    assert wanted <= set(table.columns)
    assert table["ocha_admin1_pcode"].str.startswith("SY").all()  # every sample incident lies in Syria
    assert set(pd.read_csv(periods)["line_date"]) <= set(timeline.load_timeline().as_of)
    fixed = tmp_path / "fixed.csv"
    assert cli.main(["incidents", str(source), "-o", str(fixed), "--fixed-lines"]) == 0
    assert "line_date" not in pd.read_csv(fixed).columns


def test_the_package_answers_as_of_a_date():
    lines = zonemap.model.timeline()  # the dated lines, as a GeoDataFrame
    assert lines.crs.to_epsg() == 4326 and list(lines["as_of"]) == sorted(lines["as_of"]) and len(lines) >= 5
    latest = lines.loc[lines["as_of"] <= "2019-12-01", "as_of"].iloc[-1]  # the latest line on or before the date
    assert zonemap.zones_as_of("2019-12-01").as_of == latest
    before = str(np.datetime64(lines["as_of"].iloc[0]) - 1)
    with pytest.raises(ArgumentError, match=f"no contact line in force on {before}"):
        zonemap.model.timeline.line_as_of(before)


def test_areas_leave_out_rows_meaningless_for_the_options(capsys):
    assert cli.main(["areas", "--contact-line", "2020", "--json"]) == 0
    zones = [r["zone"] for r in json.loads(capsys.readouterr().out)]
    assert not [z for z in zones if "taken by the government" in z or "still held" in z]  # a line against itself
    assert len(zonemap.sochi_dmz(width_km=20)) == 1  # one width, one band
    assert sorted(z for z in zonemap.zone_model(width_km=20).zones if z.startswith("dmz")) == ["dmz_20km_2018_line"]


def test_maar_hattat_is_in_one_place_and_khan_tuman_fell_at_the_turn_of_january():
    """Two positions 24 km apart were given for Maar Hattat; SANA puts it on the M5 between Khan
    Shaykhun and Maarat al-Numan, where the sample incident lies (within its stated accuracy)."""
    import tomllib

    from zonemap.geodesy.projection import GEOD

    features = tomllib.loads((ROOT / "geodata" / "sources" / "features.toml").read_text(encoding="utf-8"))
    vertices = [v for road in features["roads"] for v in road["vertices"]]
    labelled = [v for v in vertices if "Maar Hattat" in v.get("at", "")]
    assert len(labelled) == 1
    sample = zonemap.sample_incidents().accepted
    incident = sample[sample["location"].str.startswith("Maar Hitat")].iloc[0]
    _, _, metres = GEOD.inv(labelled[0]["lon"], labelled[0]["lat"], incident["longitude"], incident["latitude"])
    assert metres / 1000 <= float(incident["accuracy_km"]) + 2
    khan_shaykhun, maarat = zonemap.place("Khan Shaykhun"), zonemap.place("Maarat al-Numan")
    assert khan_shaykhun.y < labelled[0]["lat"] < maarat.y
    places = pd.read_csv(ROOT / "geodata" / "sources" / "places.csv")
    assert "early Feb 2020" in places.loc[places["name"] == "Khan Tuman", "notes"].item()
