"""The dated contact-line timeline and zone validity (zonemap.model.timeline, geodata/build_timeline.py)."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zonemap.errors import ArgumentError, InputError, ZonemapWarning
from zonemap.geodesy.projection import LocalProjection, densify_geodesic
from zonemap.model import data, zones
from zonemap.model import timeline as tl

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
SOURCES = GEODATA / "sources"
REQUIRED_DATES = ["2018-09-17", "2019-08-31", "2020-03-05"]


def _csv(name: str) -> list[dict[str, str]]:
    with (SOURCES / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


CONTROL = _csv("contact_lines_timeline.control.csv")
REPORT_IDS = {row["report"] for row in _csv("contact_lines_timeline.reports.csv")}


def _distance_km(line: shapely.Geometry, lon: float, lat: float) -> float:
    """Geodesic distance from a point to a line: radial distances are exact in an aeqd centred on the point."""
    proj = LocalProjection(lon, lat)
    return shapely.distance(shapely.Point(0, 0), proj.to_metric(densify_geodesic(line, max_segment_km=0.2))) / 1000


# --------------------------------------------------------------------------- the shipped data
@pytest.mark.parametrize("source", ["hand", None])
def test_shipped_timeline_is_dated_sorted_and_carries_provenance(source):
    frame = tl.timeline(source)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) >= 5
    assert frame["as_of"].tolist() == sorted(frame["as_of"])
    if source == "hand":  # the hand lines are drawn on the dates of the agreements and offensives
        assert set(REQUIRED_DATES) <= set(frame["as_of"])
    months = set(frame["as_of"].str[:7])
    assert {"2020-01", "2020-02"} <= months  # after Maarat al-Numan; after Saraqib and western Aleppo
    for column in ("name", "source", "notes"):
        assert frame[column].str.len().gt(20).all(), column
    assert (frame["accuracy_km"] > 0).all()
    assert set(frame.geom_type) == {"LineString"}


def test_first_and_last_lines_are_the_shipped_lines_unchanged():
    frame = tl.timeline("hand")
    for key, row in (("2018", frame.iloc[0]), ("2020", frame.set_index("as_of", drop=False).loc["2020-03-05"])):
        shipped = data.contact_line(key).iloc[0]
        assert row.geometry.equals_exact(shipped.geometry, 1e-9)
        assert (row["name"], row["as_of"], row["accuracy_km"]) == (
            shipped["name"],
            shipped["as_of"],
            shipped["accuracy_km"],
        )


def test_every_vertex_says_what_it_marks_and_which_reports_fix_it():
    frame = tl.timeline("hand")
    for _, row in frame.iterrows():
        vertices = json.loads(row["vertices"])
        assert len(vertices) == len(row.geometry.coords)
        for vertex in vertices:
            assert vertex["marks"] and vertex["reports"] and vertex["accuracy_km"] > 0
            assert set(vertex["reports"]) <= REPORT_IDS


def test_shipped_files_are_what_the_build_makes_from_the_sources():
    spec = importlib.util.spec_from_file_location("build_timeline", GEODATA / "build_timeline.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    reports = build.read_reports()
    lines = build.read_lines(reports)
    build.check_shipped(lines)
    shipped = json.loads((GEODATA / "contact_line_timeline.geojson").read_text(encoding="utf-8"))
    assert [build.line_feature(line, reports) for line in lines] == shipped["features"]
    validity = json.loads((GEODATA / "zone_validity.json").read_text(encoding="utf-8"))
    assert build.read_validity(reports) == validity["zones"]


@pytest.mark.parametrize("as_of", tl.load_timeline().as_of)
def test_each_line_is_simple_and_cuts_the_idlib_area_in_two(as_of):
    frame = tl.timeline()
    row = frame[frame["as_of"] == as_of]
    line = zones.as_line(row)  # refuses a self-crossing line
    held = zones.opposition_side(row)
    assert held.contains(data.place("Idlib"))
    area = zones.as_area().geometry
    assert 0 < held.area < area.area
    assert line.geometry.is_simple


def test_areas_strictly_decrease_and_each_line_lies_inside_the_previous_one():
    whole = tl.timeline_table("hand")
    table = whole[whole["as_of"] <= "2020-03-05"].reset_index(drop=True)  # then the offensive of Nov-Dec 2024
    assert (np.diff(whole["opposition_km2"].iloc[5:]) > 0).all()
    assert (np.diff(table["opposition_km2"]) < 0).all()
    assert (table["taken_since_previous_km2"].iloc[1:] > 0).all()
    # consistent lines: nothing comes back to the opposition between two dated lines
    assert (table["regained_since_previous_km2"].iloc[1:] < 0.5).all()
    assert all(not towns for towns in table["to_opposition"])
    area_km2 = table["opposition_km2"] + table["government_km2"]
    np.testing.assert_allclose(area_km2, area_km2.iloc[0], atol=0.05)  # projection round trips: metres


def test_timeline_table_names_the_towns_that_changed_side():
    table = tl.timeline_table("hand").set_index("as_of")
    assert "Khan Shaykhun" in table.loc["2019-08-31", "to_government"]
    assert "Maarat al-Numan" in table.loc["2020-01-29", "to_government"]
    assert "Saraqib" in table.loc["2020-02-17", "to_government"]
    assert "Idlib" not in sum(table["to_government"], [])
    assert np.isnan(table["taken_since_previous_km2"].iloc[0])
    dmz = table["dmz_opposition_km2"].iloc[:6]  # to 5 Mar 2020
    assert (np.diff(dmz) <= 0).all() and dmz.iloc[-1] < dmz.iloc[0]
    assert "Saraqib" in table.loc["2024-11-30", "to_opposition"]
    json.dumps(tl.timeline_table().to_dict(orient="records"))  # the CLI's JSON needs plain values


# --------------------------------------------------------------------------- places at dates
@pytest.mark.parametrize("row", CONTROL, ids=[f"{r['place']}@{r['date']}" for r in CONTROL])
def test_places_of_dated_reports_are_on_the_reported_side(row):
    assert set(row["reports"].split(";")) <= REPORT_IDS
    lon, lat = float(row["lon"]), float(row["lat"])
    state = tl.zones_as_of(row["date"], "hand")  # the reports the hand lines were drawn from
    distance = _distance_km(state.line.geometry, lon, lat)
    if distance <= state.accuracy_km:
        pytest.skip(f"{row['place']}: {distance:.1f} km from the line, within its {state.accuracy_km:g} km accuracy")
    side = state.side([lon], [lat])[0]  # government-held places may lie outside the Idlib area
    message = f"{distance:.1f} km from the line of {state.as_of}"
    assert (side == "opposition") == (row["held_by"] == "opposition"), message


def test_the_place_table_is_decisive_on_both_sides_and_through_changes_of_hands():
    decisive = []
    for row in CONTROL:
        state = tl.zones_as_of(row["date"], "hand")
        if _distance_km(state.line.geometry, float(row["lon"]), float(row["lat"])) > state.accuracy_km:
            decisive.append(row)
    assert len(decisive) >= 0.5 * len(CONTROL)
    assert {r["held_by"] for r in decisive} == {"government", "opposition"}
    changed = {
        place
        for place in {r["place"] for r in decisive}
        if {r["held_by"] for r in decisive if r["place"] == place} == {"government", "opposition"}
    }
    assert len(changed) >= 3, changed
    lines = set(tl.hand_timeline().as_of)
    assert any(r["date"] not in lines for r in decisive)  # dates between lines


# --------------------------------------------------------------------------- the state as of a date
def test_line_in_force_is_the_latest_dated_on_or_before_the_date():
    assert tl.line_as_of("2018-09-17", "hand").as_of == "2018-09-17"
    assert tl.line_as_of("2019-08-30", "hand").as_of == "2019-05-10"
    assert tl.line_as_of("2019-08-31T23:00", "hand").as_of == "2019-08-31"
    assert tl.line_as_of(pd.Timestamp("2024-11-26"), "hand").as_of == "2020-03-05"
    with pytest.raises(ArgumentError, match="after the zones ended on 2024-12-08"):
        tl.line_as_of(pd.Timestamp("2030-01-01"))
    dates = tl.load_timeline().as_of  # the default: the evidence line of each day
    for before, line in zip(dates, dates[1:]):
        day = str(np.datetime64(line) - 1)
        assert tl.line_as_of(day).as_of == before and tl.line_as_of(f"{line}T23:00").as_of == line


@pytest.mark.parametrize("call", [tl.line_as_of, tl.zones_as_of])
def test_before_the_first_line_is_a_clear_error(call):
    for source in (None, "hand"):
        first = tl.load_timeline(source).as_of[0]
        before = str(np.datetime64(first) - 1)
        with pytest.raises(
            ArgumentError, match=rf"no contact line in force on {before}.*before the first dated line \({first}\)"
        ):
            call(before, source)
    with pytest.raises(ArgumentError, match="not a date"):
        call("17/09/2018 or so")
    with pytest.raises(ArgumentError, match="missing"):
        call(pd.NaT)


def test_states_are_built_once_per_line():
    first = tl.zones_as_of("2019-09-15", "hand")
    assert tl.zones_as_of("2020-01-28", "hand") is first
    assert first.dmz(20) is first.dmz(20.0)
    assert first.until == "2020-01-29"
    assert tl.zones_as_of("2020-06-01", "hand").until == "2024-11-27"
    lines = tl.load_timeline()  # the default's states too: one per line, whichever day asks
    state = lines.state(lines.index_of("2020-06-01"))
    assert tl.zones_as_of(state.as_of) is state and tl.zones_as_of(str(np.datetime64(state.until) - 1)) is state


def test_state_dmz_is_the_2018_band_and_the_opposition_keeps_a_shrinking_part_of_it():
    first, last = tl.zones_as_of("2018-09-17", "hand"), tl.zones_as_of("2020-03-05")
    band = zones.dmz_geometry("2018", 20)
    assert shapely.equals_exact(last.dmz(20), band, 1e-9) or abs(last.dmz(20).area - band.area) < 1e-9
    assert abs(first.dmz_opposition(20).area - band.area) < 1e-3 * band.area
    assert last.dmz_opposition(20).area < 0.8 * band.area


@pytest.mark.parametrize("source", [None, "hand"])
def test_line_index_maps_dates_to_lines_vectorised(source):
    lines = tl.load_timeline(source)
    dates = lines.dates
    days = np.concatenate([dates, dates - np.timedelta64(1, "D"), [np.datetime64("NaT")]])
    index = tl.line_index(days, source)
    n = len(dates)
    assert index.dtype == np.int64
    assert index[:n].tolist() == list(range(n))
    before = [
        i - 1 if i == 0 or lines.valid_until[i - 1] == lines.as_of[i] else -1 for i in range(n)
    ]  # the day before a line: the previous line, or none after a gap
    assert index[n : 2 * n].tolist() == before
    assert index[-1] == -1


def test_line_index_reads_text_timestamps_and_time_zones():
    assert tl.line_index(pd.Series(["2019-09-01", None, "2020-03-05 12:00"]), "hand").tolist() == [2, -1, 5]
    assert tl.line_index(pd.to_datetime(["2020-03-05T23:30+03:00"]), "hand").tolist() == [5]  # 20:30 UTC
    assert tl.line_index(np.array([], dtype="datetime64[ns]")).tolist() == []


# --------------------------------------------------------------------------- zone validity
VALIDITY_EDGES = [
    ("idlib", "2017-05-03", False),
    ("idlib", "2017-05-04", True),
    ("idlib", "2020-06-01", True),
    ("northern_homs", "2017-05-04", True),
    ("northern_homs", "2018-05-15", True),
    ("northern_homs", "2018-05-16", False),
    ("eastern_ghouta", "2017-05-03", False),
    ("eastern_ghouta", "2018-04-13", True),
    ("eastern_ghouta", "2018-04-14", False),
    ("southern", "2018-07-31", True),
    ("southern", "2018-08-01", False),
    ("sochi_dmz", "2018-09-16", False),
    ("sochi_dmz", "2018-09-17", True),
    ("dmz_20km", "2018-09-16", False),
    ("in_dmz_15km", "2019-01-01", True),
    ("m4_corridor", "2020-03-05", False),
    ("m4_corridor", "2020-03-06", True),
]


@pytest.mark.parametrize(("zone", "date", "expected"), VALIDITY_EDGES)
def test_zones_are_in_force_only_between_their_dates(zone, date, expected):
    assert tl.in_force(zone, [date]).tolist() == [expected]


def test_validity_is_cited_and_vectorised():
    table = tl.validity()
    assert set(table["zone"]) == {"idlib", "northern_homs", "eastern_ghouta", "southern", "sochi_dmz", "m4_corridor"}
    assert table["from_sources"].map(len).gt(0).all()
    ended = table[table["valid_to"].notna()]
    assert set(ended["zone"]) == set(table["zone"])  # every zone has ended
    assert ended["to_sources"].map(len).gt(0).all()
    dates = pd.to_datetime(["2018-09-16", None, "2020-03-06"]).to_numpy()
    assert tl.in_force("sochi_dmz", dates).tolist() == [False, False, True]
    assert tl.zones_in_force("2020-03-06") == ("idlib", "sochi_dmz", "m4_corridor")
    assert tl.zones_as_of("2018-09-17", "hand").zones_in_force == ("idlib", "sochi_dmz")
    with pytest.raises(ArgumentError, match="no validity dates for zone 'atlantis'"):
        tl.in_force("atlantis", ["2019-01-01"])


# --------------------------------------------------------------------------- users' timelines
def _user_lines(date_column: str = "date") -> gpd.GeoDataFrame:
    lines = [data.contact_line("2020").geometry.iloc[0], data.contact_line("2018").geometry.iloc[0]]
    return gpd.GeoDataFrame(
        {date_column: ["5 March 2020", "2018-09-17"], "name": ["mine 2020", "mine 2018"], "accuracy_km": [5.0, 6.0]},
        geometry=lines,
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_a_user_timeline_file_is_a_timeline_not_a_self_crossing_line(tmp_path, suffix):
    path = tmp_path / f"front{suffix}"
    _user_lines().to_file(path)
    frame = tl.timeline(path, date_column="date")
    assert frame["as_of"].tolist() == ["2018-09-17", "2020-03-05"]
    assert frame["name"].tolist() == ["mine 2018", "mine 2020"]
    assert tl.line_as_of("2019-08-31", path, date_column="date").name == "mine 2018"
    table = tl.timeline_table(path, date_column="date")
    shipped = tl.timeline_table("hand").set_index("as_of")  # the same two lines
    np.testing.assert_allclose(table["opposition_km2"], shipped.loc[["2018-09-17", "2020-03-05"], "opposition_km2"])
    assert tl.line_index(["2018-01-01", "2020-01-01"], path, date_column="date").tolist() == [-1, 0]


def test_a_user_timeline_frame_with_one_line_works(tmp_path):
    frame = _user_lines("as_of").iloc[[1]]
    with pytest.warns(ZonemapWarning, match="stretched to 2024-12-08"):
        state = tl.zones_as_of("2019-01-01", frame)
    assert state.as_of == "2018-09-17" and state.until == "2024-12-08"  # stretched to the zones' end, with a warning
    assert state.accuracy_km == 6.0
    unstated = frame.drop(columns="accuracy_km")
    with pytest.raises(InputError, match="row 1: line dated 2018-09-17: states no accuracy_km"):
        tl.zones_as_of("2019-01-01", unstated, valid_until="2019-06-01")
    assert tl.zones_as_of("2019-01-01", unstated, valid_until="2019-06-01", accuracy_km=4).accuracy_km == 4.0
    series = gpd.GeoSeries(frame.geometry.to_numpy(), index=pd.to_datetime(["2018-09-17"]), crs="EPSG:4326")
    assert tl.timeline(series, accuracy_km=5, valid_until="2019-06-01")["as_of"].tolist() == ["2018-09-17"]
    with pytest.raises(InputError, match="dates as the index"):
        tl.timeline(frame.geometry)


def test_bad_user_timelines_are_refused_naming_file_row_and_problem(tmp_path):
    path = tmp_path / "front.geojson"
    _user_lines().to_file(path)
    columns = r"\(columns: date, name, accuracy_km\)"
    with pytest.raises(InputError, match=r"front\.geojson: no date column 'as_of' " + columns):
        tl.timeline(path)
    bad = _user_lines()
    bad.loc[1, "date"] = "sometime in 2018"
    with pytest.raises(InputError, match="row 2: date 'sometime in 2018' is not a date"):
        tl.timeline(bad, date_column="date")
    twice = _user_lines()
    twice.loc[1, "date"] = "2020-03-05T08:00"
    with pytest.raises(InputError, match="two lines dated 2020-03-05"):
        tl.timeline(twice, date_column="date")
    crossing = _user_lines()
    crossing.loc[0, "geometry"] = shapely.LineString([(36.3, 35.6), (36.9, 36.1), (36.9, 35.6), (36.3, 36.1)])
    with pytest.raises(InputError, match="line dated 2020-03-05: the contact line crosses itself"):
        tl.timeline(crossing, date_column="date")
    points = gpd.GeoDataFrame({"as_of": ["2019-01-01"]}, geometry=[shapely.Point(36.6, 35.9)], crs="EPSG:4326")
    with pytest.raises(InputError, match="expected line features, got Point"):
        tl.timeline(points)


def test_taken_between_two_dates_is_judged_by_the_lines_in_force():
    table = tl.timeline_table("hand").set_index("as_of")
    taken = tl.taken_between("2019-09-01", "2020-01-31", "hand")  # lines of 31 Aug 2019 and 29 Jan 2020
    assert abs(float(tl.geodesic_area_km2(taken)) - table.loc["2020-01-29", "taken_since_previous_km2"]) < 0.5
    assert tl.taken_between("2019-09-01", "2019-09-02", "hand").is_empty
    with pytest.raises(ArgumentError, match="is before start"):
        tl.taken_between("2020-03-05", "2019-01-01")
