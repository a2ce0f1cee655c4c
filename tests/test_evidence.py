"""Lines from evidence: control reports, the nearest-evidence estimator, its validation, ACLED and the CLI."""

import csv
import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from zonemap import cli
from zonemap.errors import InputError
from zonemap.geodesy.projection import GEOD
from zonemap.model import data, evidence, evidence_check, evidence_rules, timeline
from zonemap.model.reports import read_acled, read_reports

LATS = (35.5, 35.6, 35.7, 35.8, 35.9, 36.0, 36.1)


def _reports(rows, **columns):
    """Reports from (place, lon, lat, date, side) tuples."""
    frame = pd.DataFrame(rows, columns=["place", "lon", "lat", "date", "side"])
    return read_reports(frame.assign(**columns))


def _meridian(day="2019-06-01", west=36.5, east=36.7):
    rows = [(f"W{i}", west, lat, day, "opposition") for i, lat in enumerate(LATS)]
    rows += [(f"E{i}", east, lat, day, "government") for i, lat in enumerate(LATS)]
    return rows


def test_meridian_line_lies_between_the_sides_and_its_accuracy_covers_the_gap():
    lines, held = evidence.lines_from_reports(_reports(_meridian()), "2019-06-01")
    line = lines.iloc[0]
    vertices = pd.DataFrame(json.loads(line["vertices"]))
    middle = vertices[(vertices["lat"] > 35.55) & (vertices["lat"] < 36.05)]
    assert len(middle) >= 2
    assert np.allclose(middle["lon"], 36.6, atol=0.002)  # halfway between the two meridians of evidence
    # the true line may be anywhere between the sides: the stated accuracy reaches both of them
    n = len(LATS)
    lon, lat = np.repeat(middle["lon"].to_numpy(), n), np.repeat(middle["lat"].to_numpy(), n)
    _, _, to_west_m = GEOD.inv(lon, lat, np.full(lon.size, 36.5), np.tile(LATS, len(middle)))
    nearest_km = to_west_m.reshape(len(middle), n).min(axis=1) / 1000  # vertices sit between two rows of places
    assert (nearest_km > 9.0).all()
    assert middle["accuracy_km"].to_numpy() == pytest.approx(nearest_km + 1.0, abs=0.06)  # + coordinates' 1 km
    assert line["as_of"] == "2019-06-01" and line["valid_until"] == "2019-06-02"
    opposition = held.loc[held["side"] == "opposition", "geometry"].item()
    assert opposition.contains(shapely.Point(36.55, 35.8)) and not opposition.contains(shapely.Point(36.65, 35.8))


def test_a_recent_stale_report_widens_the_accuracy_of_the_line_near_it():
    # Q: opposition 12 days ago, 13 km east of the line; a newer government report 2 km from it makes it
    # stale. The place may still be held: the line near it is good only to its distance (+ 1 km), far
    # from it (beyond twice that distance) as before; a stale report older than 120 days widens nothing.
    def accuracy(q_day, lat):
        rows = _meridian() + [("Q", 36.75, 35.8, q_day, "opposition"), ("G", 36.76, 35.82, "2019-06-01", "government")]
        est = evidence.Estimate(evidence.latest_state(_reports(rows), "2019-06-01"), "2019-06-01")
        assert "Q" in set(est.stale["place"]) and "Q" not in set(est.sided["place"])
        point = est.proj.to_metric(shapely.Point(36.6, lat))
        return est.vertex_accuracy(np.array([[point.x, point.y]])).iloc[0]

    near = accuracy("2019-05-20", 35.8)
    _, _, q_to_line_m = GEOD.inv(36.75, 35.8, 36.6, 35.8)
    assert near["stale_place"] == "Q" and near["accuracy_km"] == pytest.approx(q_to_line_m / 1000 + 1.0, abs=0.1)
    along = accuracy("2019-05-20", 36.0)  # 26 km from Q, within twice its distance: the salient's shift, no more
    assert along["stale_place"] == "Q" and along["stale_km"] == near["stale_km"]
    far, old = accuracy("2019-05-20", 36.1), accuracy("2018-11-01", 35.8)
    assert far["stale_km"] == 0 and far["accuracy_km"] < 12 and old["stale_km"] == 0 and old["accuracy_km"] < 12


def test_a_side_inferred_from_strikes_alone_fixes_the_line_5_km_less_well():
    def middle_accuracy(rows):
        lines, _ = evidence.lines_from_reports(
            read_reports(rows) if isinstance(rows, pd.DataFrame) else _reports(rows), "2019-06-01"
        )
        vertices = pd.DataFrame(json.loads(lines["vertices"].iloc[0]))
        return vertices[(vertices["lat"] > 35.55) & (vertices["lat"] < 36.05)]["accuracy_km"].to_numpy()

    explicit = _meridian()
    struck = [(*row, "inferred_from_strike" if row[4] == "government" else "explicit") for row in explicit]
    frame = pd.DataFrame(struck, columns=["place", "lon", "lat", "date", "side", "side_basis"])
    assert middle_accuracy(frame) == pytest.approx(middle_accuracy(explicit) + evidence_rules.STRIKE_FRONT_KM, abs=0.06)


def test_latest_report_wins_and_its_age_is_counted():
    rows = _meridian("2019-01-01") + [("W3", 36.5, 35.8, "2019-03-01", "government")]
    reports = _reports(rows)
    before = evidence.latest_state(reports, "2019-02-28").set_index("place")
    after = evidence.latest_state(reports, "2019-03-11").set_index("place")
    assert before.loc["W3", "side"] == "opposition" and before.loc["W3", "age_days"] == 58
    assert after.loc["W3", "side"] == "government" and after.loc["W3", "age_days"] == 10


def test_disagreeing_reports_of_one_day_make_the_place_contested():
    rows = _meridian() + [("W3", 36.5, 35.8, "2019-06-01", "government")]
    state = evidence.latest_state(_reports(rows), "2019-06-01").set_index("place")
    assert state.loc["W3", "side"] == "contested"
    assert state.loc["W3", "report_ids"].count(";") == 1  # both reports kept and named


def test_a_date_range_counts_from_its_last_day():
    rows = _meridian("2019-01-01") + [("W3", 36.5, 35.8, "2019-03-01", "government")]
    reports = _reports(rows, date_to=["2019-01-01"] * 14 + ["2019-03-10"])
    assert evidence.latest_state(reports, "2019-03-05").set_index("place").loc["W3", "side"] == "opposition"
    assert evidence.latest_state(reports, "2019-03-10").set_index("place").loc["W3", "side"] == "government"


def test_a_contested_place_takes_no_side_and_is_listed():
    rows = _meridian("2019-01-01") + [("W3", 36.5, 35.8, "2019-02-01", "contested")]
    lines, held = evidence.lines_from_reports(_reports(rows), "2019-02-01")
    assert lines["n_places"].item() == 13
    contested = held.loc[held["side"] == "contested"].iloc[0]
    assert contested["n_places"] == 1 and contested.geometry.equals(shapely.MultiPoint([(36.5, 35.8)]))


def test_unplaced_rows_stay_and_are_counted():
    rows = _meridian() + [("Nowhere", None, None, "2019-06-01", "government")]
    reports = _reports(rows)
    assert len(reports) == 15 and len(reports.placed) == 14
    assert "15 control reports, 14 placed, 1 not placed" in reports.report()
    shipped = read_reports()
    assert len(shipped) == 1129 and len(shipped.placed) == 1017


def test_a_line_past_the_reports_is_unknown():
    lines, held = evidence.lines_from_reports(_reports(_meridian()), "2019-07-01")
    assert lines.geometry.iloc[0].is_empty and lines["notes"].item().startswith(
        "unknown: the reports end on 2019-06-01"
    )
    assert held["area_km2"].isna().all()


def test_two_places_far_apart_fix_no_line_and_say_why():
    # one report of each side, 60 km apart: the partition's line would be good to ~60 km, so none is drawn
    rows = [("A", 36.3, 35.9, "2019-06-01", "opposition"), ("B", 36.95, 35.6, "2019-06-01", "government")]
    lines, _ = evidence.lines_from_reports(_reports(rows), "2019-06-01")
    assert lines.geometry.iloc[0].is_empty and np.isnan(lines["accuracy_km"].iloc[0])
    assert "fix no line" in lines["notes"].item() and "more than 50 km" in lines["notes"].item()
    judged = evidence_check.validate(_reports(rows + [("C", 36.35, 35.85, "2019-06-01", "opposition")]))
    assert (judged["estimated"] == "unknown").all()  # the validation judges no report by a line never drawn


def test_places_of_one_side_only_fix_no_line_and_the_area_is_theirs():
    # five government places and no opposition one: no front, and no crash on the empty side
    rows = [(f"G{i}", 36.9 + 0.02 * i, 35.6, "2017-10-30", "government") for i in range(5)]
    lines, held = evidence.lines_from_reports(_reports(rows), "2017-10-30")
    assert lines.geometry.iloc[0].is_empty and "unknown" in lines["notes"].item()
    est = evidence.Estimate(evidence.latest_state(_reports(rows), "2017-10-30"), "2017-10-30")
    assert est.opposition_m.is_empty and est.government_m.area == pytest.approx(est.area_m.area)
    judged = evidence_check.validate(_reports(rows))
    assert (judged["estimated"] == "unknown").all()
    # opposition places only far outside the area (the Homs pocket): their cells never reach it
    homs = [(f"H{i}", 36.7 + 0.02 * i, 34.75, "2017-10-30", "opposition") for i in range(2)]
    lines, _ = evidence.lines_from_reports(_reports(rows + homs), "2017-10-30")
    assert lines.geometry.iloc[0].is_empty and "opposition-held places all lie outside it" in lines["notes"].item()


def test_the_shipped_timeline_starts_with_its_first_line_not_with_the_first_change_date():
    days = evidence.change_dates(read_reports())
    loaded = timeline.load_timeline()
    assert days[0] < loaded.as_of[0] == "2017-12-13"  # 2017-10-22 and 10-30: 4 and 6 places, 62-99 km, no line
    assert days[days.index("2017-12-13") :] == list(loaded.as_of)


def test_a_change_date_that_fixes_no_line_is_a_gap_in_the_timeline(monkeypatch):
    # three change dates; the middle one's line made too vague to draw: the line before it ends there,
    # no line stands until the next, and the timeline loads and says so
    rows = _meridian() + [
        ("W3", 36.5, 35.8, "2019-06-05", "government"),
        ("W3", 36.5, 35.8, "2019-06-09", "opposition"),
    ]
    real = evidence.lines_from_reports

    def middle_too_vague(*args, **kwargs):
        lines, held = real(*args, **kwargs)
        lines.loc[lines["as_of"] == "2019-06-05", "geometry"] = shapely.LineString()
        return lines, held

    monkeypatch.setattr(evidence, "lines_from_reports", middle_too_vague)
    lines, held = evidence.evidence_timeline(_reports(rows))
    assert lines["as_of"].tolist() == ["2019-06-01", "2019-06-09"] and set(held["as_of"]) == {
        "2019-06-01",
        "2019-06-09",
    }
    assert lines["valid_until"].tolist() == ["2019-06-05", "2019-06-10"]
    loaded = timeline.load_timeline(lines)
    index = loaded.line_index(pd.to_datetime(["2019-06-04", "2019-06-06", "2019-06-09"]).to_numpy())
    assert index.tolist() == [0, -1, 1]


def test_an_opposition_island_gives_a_closed_timeline_line_with_a_flag_per_vertex():
    # the opposition holds Idlib city, the government every place around it: the outline never meets the area's edge
    rows = [("Idlib", 36.63, 35.93, "2019-06-01", "opposition")]
    rows += [(f"G{i}", 36.63 + dx, 35.93 + dy, "2019-06-01", "government")
             for i, (dx, dy) in enumerate([(0.15, 0), (-0.15, 0), (0, 0.12), (0, -0.12)])]  # fmt: skip
    lines, _ = evidence.lines_from_reports(_reports(rows), "2019-06-01", timeline=True)
    line, vertices = lines.geometry.iloc[0], json.loads(lines["vertices"].iloc[0])
    assert line.is_closed and len(vertices) == len(line.coords)
    assert not any(v["marks"].startswith("area edge") for v in vertices)


def test_change_dates_merge_a_day_and_start_when_both_sides_are_known():
    rows = _meridian("2019-01-01")
    rows += [("W3", 36.5, 35.8, "2019-03-01", "government"), ("W4", 36.5, 35.9, "2019-03-01", "government")]
    rows += [("W5", 36.5, 36.0, "2019-04-01", "opposition")]  # no change: it was opposition-held already
    assert evidence.change_dates(_reports(rows), start="2018-12-01") == ["2019-01-01", "2019-03-01"]


def test_acled_territory_events_become_reports():
    head = "event_id_cnty,event_date,sub_event_type,actor1,actor2,location,longitude,latitude,geo_precision\n"
    body = (
        "A1,2019-08-21,Government regains territory,Military Forces of Syria (2000-),,Khan Shaykhun,36.638,35.442,1\n"
        "A2,2020-02-24,Non-state actor overtakes territory,Hayat Tahrir al Sham,,Kafr Nabl,36.56,35.61,2\n"
        "A3,2020-02-27,Non-violent transfer of territory,National Front for Liberation,,Saraqib,36.80,35.86,3\n"
        "A4,2020-02-28,Non-violent transfer of territory,Unidentified Armed Group (Syria),,Tell,36.7,35.7,1\n"
        "A5,2020-02-28,Shelling/artillery/missile attack,Military Forces of Syria (2000-),,Idlib,36.63,35.93,1\n"
    )
    reports = read_acled(io.StringIO(head + body))
    frame = reports.frame
    assert frame["report_id"].tolist() == ["A1", "A2", "A3"]
    assert frame["side"].tolist() == ["government", "opposition", "opposition"]
    assert frame["coord_accuracy_km"].tolist() == [2.0, 5.0, 15.0]
    assert [row for row, _ in reports.rejected] == [4, 5]
    assert "names no side" in dict(reports.rejected)[4] and "not a territory event" in dict(reports.rejected)[5]


def test_validation_numbers_on_a_tiny_set():
    rows = _meridian()
    rows += [("odd", 36.45, 35.65, "2019-06-01", "government")]  # deep among opposition-held places: a miss
    judged = evidence_check.validate(_reports(rows))
    table = evidence_check.validation_table(judged).set_index("group")
    # left out, "odd" is judged by its opposition-held neighbours; W1 and W2, left out, by "odd" (the nearest)
    assert table.loc["all", ["reports", "right", "misses"]].tolist() == [15, 12, 3]
    assert table.loc["all", "share_right"] == pytest.approx(80.0)
    misses = judged[~judged["right"]].set_index("place")
    assert sorted(misses.index) == ["W1", "W2", "odd"]
    assert misses.loc["odd", "estimated"] == "opposition"
    assert misses.loc["odd", "distance_km"] == pytest.approx(13.5, abs=0.6)  # ~0.15° of longitude from 36.6
    beyond = int((misses["distance_km"] > misses["accuracy_km"]).sum())
    assert table.loc["all", "misses_beyond_accuracy"] == beyond
    assert table.loc["all", "share_covered"] == pytest.approx(100 * (1 - beyond / 3), abs=0.05)


def test_shipped_control_reports_are_what_the_build_makes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build", data.geodata_dir() / "build_control_reports.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rows = build.build()
    with open(data.geodata_dir() / "control_reports.csv", encoding="utf-8", newline="") as f:
        shipped = list(csv.DictReader(f))
    assert [r["report_id"] for r in shipped] == [r["report_id"] for r in rows]
    columns = ("lon", "lat", "date", "date_to", "side", "side_basis", "capture", "url", "notes")
    assert [tuple(r[c] for c in columns) for r in shipped] == [tuple(str(r[c]) for c in columns) for r in rows]
    # two villages of one name: the 2024 report's in west Aleppo (GeoNames 168709), the 2020 ones' in Idlib (168710)
    kafr_basin = {r["report_id"]: r for r in shipped if r["place"] == "Kafr Basin"}
    assert "168709" in kafr_basin["R1006"]["coord_source"] and kafr_basin["R1006"]["lat"].startswith("36.27")
    assert "168710" in kafr_basin["R0649"]["coord_source"] and kafr_basin["R0649"]["lat"].startswith("35.55")


def test_evidence_timeline_loads_and_classifies():
    path = data.geodata_dir() / "evidence_timeline.geojson"
    frame = gpd.read_file(path)
    until, as_of = frame["valid_until"].astype(str).str[:10], frame["as_of"].astype(str).str[:10]
    assert (until.iloc[:-1].to_numpy() == as_of.iloc[1:].to_numpy()).all()
    assert until.iloc[-1] == evidence.TIMELINE_END
    tl = timeline.load_timeline(path)
    assert len(tl) == len(frame) > 60
    state = tl.state(tl.index_of("2019-09-01"))
    assert state.side([36.633], [35.930]).tolist() == ["opposition"]  # Idlib city
    assert state.side([36.75], [35.13]).tolist() == ["outside"]  # Hama, outside the Idlib area
    vertices = json.loads(frame["vertices"].iloc[0])
    assert {"order", "lon", "lat", "accuracy_km", "opposition", "government"} <= set(vertices[0])


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("place,lon,lat,date,side\nA,36.5,35.8,2019-06-01,rebels\n", "row 1: side 'rebels' is not one of"),
        ("place,lon,lat,date\nA,36.5,35.8,2019-06-01\n", "missing column(s) side"),
        ("place,lon,lat,date,side\nA,36.5,35.8,June 2019,government\n", "row 1: date 'June 2019' is not a day"),
        ("place,lon,lat,date,side\nA,36.5,,2019-06-01,government\n", "row 1: lon and lat must both be given"),
        ("place,lon,lat,date,side\nA,36,5,35.8,2019-06-01,government\n", "a row has more fields than the header"),
        (
            "place,lon,lat,date,side,side_basis\nA,36.5,35.8,2019-06-01,government,explicit\n"
            "B,36.6,35.8,2019-06-01,opposition,shelled\n",
            "row 2: side_basis 'shelled' is not one of explicit, implied, inferred_from_strike",
        ),
        (
            "place,lon,lat,date,side,capture\nA,36.5,35.8,2019-06-01,government,yes\n",
            "row 1: capture 'yes' is not true or false",
        ),
    ],
)
def test_cli_bad_reports_give_one_line_errors(tmp_path, capsys, csv_text, message):
    path = tmp_path / "reports.csv"
    path.write_text(csv_text, encoding="utf-8")
    assert cli.main(["lines", "--reports", str(path), "--date", "2019-06-01", "-o", str(tmp_path / "l.gpkg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(path) in err
    assert not (tmp_path / "l.gpkg").exists()


def test_cli_refuses_an_output_that_is_not_a_geopackage(tmp_path, capsys):
    assert cli.main(["lines", "--date", "2019-06-01", "-o", str(tmp_path / "l.geojson")]) == 2
    assert "give a .gpkg path" in capsys.readouterr().err


def test_cli_writes_lines_stretches_and_held_areas(tmp_path, capsys):
    path, out = tmp_path / "reports.csv", tmp_path / "line.gpkg"
    pd.DataFrame(_meridian(), columns=["place", "lon", "lat", "date", "side"]).to_csv(path, index=False)
    assert cli.main(["lines", "--reports", str(path), "--date", "2019-06-01", "-o", str(out)]) == 0
    assert "14 control reports, 14 placed, 0 not placed" in capsys.readouterr().out
    layers = dict(pyogrio.list_layers(out))
    assert set(layers) == {"lines", "stretches", "held", "contested"}
    stretches = gpd.read_file(out, layer="stretches")
    assert (stretches["as_of"] == "2019-06-01").all() and (stretches["accuracy_km"] > 5).all()
    held = gpd.read_file(out, layer="held").set_index("side")
    assert held.loc["opposition", "area_km2"] > 1000 and held.crs.to_epsg() == 4326
    with pytest.raises(InputError, match="row 1"):
        read_reports(pd.DataFrame({"place": ["A"], "lon": ["x"], "lat": ["35"], "date": ["2019-01-01"],
                                   "side": ["government"]}))  # fmt: skip


def test_a_bad_acled_row_is_named_by_its_row_in_the_export():
    head = "event_id_cnty,event_date,sub_event_type,actor1,actor2,location,longitude,latitude,geo_precision\n"
    body = "A0,2019-01-01,Shelling/artillery/missile attack,x,,y,36,35,1\n"
    body += "A1,2019-08-21,Government regains territory,Military Forces of Syria (2000-),,Khan Shaykhun,east,35.4,1\n"
    with pytest.raises(InputError, match=r"^the ACLED export: row 2: lon 'east' is not a number$"):
        read_acled(io.StringIO(head + body))


def test_cli_every_change_ends_with_the_reports(tmp_path, capsys):
    path, out = tmp_path / "reports.csv", tmp_path / "timeline.gpkg"
    rows = _meridian("2019-01-01") + [("W3", 36.5, 35.8, "2019-02-01", "government")]
    pd.DataFrame(rows, columns=["place", "lon", "lat", "date", "side"]).to_csv(path, index=False)
    assert cli.main(["lines", "--reports", str(path), "--every-change", "-o", str(out)]) == 0
    assert "wrote 2 lines (2019-01-01 to 2019-02-02)" in capsys.readouterr().out
    lines = gpd.read_file(out, layer="lines")
    assert lines["as_of"].astype(str).str[:10].tolist() == ["2019-01-01", "2019-02-01"]
    held = gpd.read_file(out, layer="held")
    held = held[held["side"] == "opposition"]
    opposition = held.set_index(held["as_of"].astype(str).str[:10])["area_km2"]
    assert opposition["2019-02-01"] < opposition["2019-01-01"]  # W3 taken: the opposition holds less
