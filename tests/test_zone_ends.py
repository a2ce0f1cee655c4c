"""The zones and lines end where their evidence ends (issue 28): validity ends, valid_until of every
line, no answer past them, the lines of the Nov-Dec 2024 offensive, accuracy per stretch of line."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from zonemap.errors import ArgumentError, ZonemapWarning
from zonemap.geodesy.projection import LocalProjection, densify_geodesic
from zonemap.incidents.classification import classify
from zonemap.model import timeline as tl
from zonemap.model import uncertainty, validity
from zonemap.model.areas import geodesic_area_km2
from zonemap.model.compiled import zone_model

SARAQIB = (36.80591, 35.86447)
MAARAT = (36.6739, 35.6447)
KHAN_SHAYKHUN = (36.65095, 35.44208)


def _events(points_and_dates, **columns) -> gpd.GeoDataFrame:
    points = [shapely.Point(p) for p, _ in points_and_dates]
    dates = pd.to_datetime([d for _, d in points_and_dates])
    return gpd.GeoDataFrame({"event_date": dates, **columns}, geometry=points, crs="EPSG:4326")


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


# --------------------------------------------------------------------------- every zone and line has an end
def test_every_zone_has_a_cited_end():
    table = validity.validity().set_index("zone")
    assert table["valid_to"].notna().all()
    ends = {zone: str(table.loc[zone, "valid_to"].date()) for zone in ("idlib", "sochi_dmz", "m4_corridor")}
    assert ends == {"idlib": "2024-12-08", "sochi_dmz": "2024-11-27", "m4_corridor": "2024-11-27"}
    for zone, row in table.iterrows():
        assert row["to_event"] and row["to_sources"], zone
        assert all("http" in source for source in row["to_sources"]), zone
    assert str(validity.zones_end().astype("datetime64[D]")) == "2024-12-08"


@pytest.mark.parametrize(
    ("zone", "end"), [("idlib", "2024-12-08"), ("sochi_dmz", "2024-11-27"), ("m4_corridor", "2024-11-27")]
)
def test_zones_in_force_on_the_day_before_their_end_only(zone, end):
    day = np.datetime64(end, "D")
    before, on, after = (str(day + k) for k in (-1, 0, 1))
    assert validity.in_force(zone, [before, on, after]).tolist() == [True, False, False]


@pytest.mark.parametrize("source", [None, "hand"])
def test_every_line_has_valid_until_up_to_the_zones_end(source):
    frame = tl.timeline(source)
    assert frame["valid_until"].notna().all()
    assert (frame["valid_until"] > frame["as_of"]).all()
    assert (frame["valid_until"].iloc[:-1].to_numpy() <= frame["as_of"].iloc[1:].to_numpy()).all()
    assert frame["valid_until"].iloc[-1] <= "2024-12-08"


def test_the_long_hand_line_has_its_reports():
    frame = tl.timeline("hand")
    march = frame.set_index("as_of").loc["2020-03-05"]
    assert march["valid_until"] == "2024-11-27"
    assert march["until_source"].count("http") >= 5  # the reports of 2020-2024 that show the front unchanged
    assert {"2024-11-28", "2024-11-30", "2024-12-01"} <= set(frame["as_of"])
    assert frame["valid_until"].iloc[-1] <= "2024-12-08"


# --------------------------------------------------------------------------- no answer past the evidence
ENDS = ["2024-11-26", "2024-11-27", "2024-11-28", "2024-11-29", "2024-11-30", "2024-12-02", "2024-12-07",
        "2024-12-08", "2025-03-01"]  # fmt: skip


def test_events_on_before_and_after_each_end_by_the_hand_lines():
    dates = ENDS
    result = classify(_events([(KHAN_SHAYKHUN, d) for d in dates]), timeline="hand")
    line = [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in result["line_date"]]
    assert line == ["2020-03-05", None, "2024-11-28", None, "2024-11-30", "2024-12-01", None, None, None]
    assert result["in_dmz_20km_2018_line"].tolist() == [True] + [False] * 8  # the DMZ ended on 27 Nov
    assert result["in_idlib_area"].tolist() == [True] * 7 + [False] * 2  # the area ended on 8 Dec
    assert result["p_in_dmz"].notna().tolist() == [True] + [False] * 8
    no_line = result["line_date"].isna().to_numpy()
    assert result.loc[no_line, ["side", "dist_line_km", "p_opposition", "line_accuracy_km"]].isna().all().all()
    basis = result["as_of_basis"].astype(str).tolist()
    assert basis[1] == "no line between 2024-11-27 and 2024-11-28 (the line of 2020-03-05 holds until 2024-11-26)"
    assert basis[6].startswith("no line between 2024-12-03 and 2024-12-08, when the zones ended")
    assert basis[7] == basis[8] == "after the zones ended on 2024-12-08"
    after = result.iloc[7:]  # past the end, not even the fixed lines answer
    assert after[["side_2018", "dist_2018_km", "p_opposition_2018", "p_in_dmz", "dmz_status"]].isna().all().all()
    assert not after.filter(like="in_").any().any()


def test_events_on_before_and_after_each_end_by_the_default_lines():
    result = classify(_events([(KHAN_SHAYKHUN, d) for d in ENDS]))
    lines = tl.load_timeline()
    index = lines.line_index(ENDS)
    expected = [lines.as_of[i] if i >= 0 else None for i in index]
    assert [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in result["line_date"]] == expected
    assert expected[0] is not None and expected[-2:] == [None, None]  # a line before the end, none after
    assert result["in_dmz_20km_2018_line"].tolist() == [True] + [False] * 8  # the DMZ ended on 27 Nov
    assert result["in_idlib_area"].tolist() == [True] * 7 + [False] * 2  # the area ended on 8 Dec
    assert result["as_of_basis"].astype(str).tolist()[-2:] == ["after the zones ended on 2024-12-08"] * 2
    after = result.iloc[7:]
    assert after[["side", "side_2018", "p_opposition", "p_in_dmz", "dmz_status"]].isna().all().all()


def test_the_offensive_days_get_the_line_of_their_day():
    days = [(SARAQIB, "2024-11-26"), (SARAQIB, "2024-11-28"), (SARAQIB, "2024-11-30"), (MAARAT, "2024-11-28"),
            (MAARAT, "2024-11-30"), (KHAN_SHAYKHUN, "2024-12-02")]  # fmt: skip
    result = classify(_events(days), timeline="hand")
    assert result["side"].tolist() == ["government", "government", "opposition", "government", "opposition",
                                       "opposition"]  # fmt: skip


@pytest.mark.parametrize("call", [tl.zones_as_of, tl.line_as_of])
@pytest.mark.parametrize(
    ("day", "why"),
    [
        ("2025-06-01", "after the zones ended on 2024-12-08"),
        ("2024-11-27", "no line between 2024-11-27 and 2024-11-28"),
    ],
)
def test_a_date_past_a_line_is_a_one_line_error(call, day, why):
    with pytest.raises(ArgumentError, match=why) as raised:
        call(day, "hand")  # the hand lines leave the day the front broke without a line
    assert "\n" not in str(raised.value)


def test_as_of_a_date_past_the_end_is_refused():
    with pytest.raises(ArgumentError, match="after the zones ended on 2024-12-08"):
        classify(_events([(SARAQIB, "2020-01-01")]), as_of="2025-01-01")


def test_line_periods_end_at_valid_until():
    periods = tl.line_periods("hand")
    assert periods["until"].notna().all()
    assert periods.set_index("as_of").loc["2020-03-05", "until"] == "2024-11-27"
    default = tl.line_periods()
    assert default["until"].tolist() == tl.timeline()["valid_until"].tolist()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["timeline", "--as-of", "2025-06-01"], "after the zones ended on 2024-12-08"),
        (["places", "--in", "idlib_area", "--as-of", "2024-12-10"], "after the zones ended on 2024-12-08"),
    ],
)
def test_the_cli_says_why_in_one_line(arguments, message):
    done = subprocess.run([sys.executable, "-m", "zonemap", *arguments], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_the_timeline_command_prints_the_ends():
    done = subprocess.run([sys.executable, "-m", "zonemap", "timeline", "--timeline", "hand"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert "Contact lines of the hand-digitised timeline" in done.stdout
    assert "2020-03-05  2024-11-27" in done.stdout
    assert "No line: no line between 2024-11-27 and 2024-11-28" in done.stdout
    assert "Every zone had ended by 2024-12-08" in done.stdout


# --------------------------------------------------------------------------- user timelines
def _user_lines() -> gpd.GeoDataFrame:
    frame = tl.timeline("hand").iloc[[0, 5]][["as_of", "accuracy_km", "geometry"]]
    return gpd.GeoDataFrame(frame.reset_index(drop=True), crs="EPSG:4326")


def test_a_user_timeline_without_valid_until_is_stretched_with_one_warning():
    with pytest.warns(ZonemapWarning, match=r"dated 2020-03-05\) has no valid_until; it was stretched to 2024-12-08"):
        lines = tl.load_timeline(_user_lines())
    assert lines.valid_until == ["2020-03-05", "2024-12-08"]
    assert lines.line_index(["2024-12-07", "2024-12-08"]).tolist() == [1, -1]


def test_a_user_timeline_ends_where_the_user_says():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lines = tl.load_timeline(_user_lines(), valid_until="2021-01-01")
        assert lines.line_index(["2020-12-31", "2021-01-01"]).tolist() == [1, -1]
        read = tl.load_timeline(_user_lines().assign(valid_until=[None, "2020-06-01"]))
    assert read.valid_until == ["2020-03-05", "2020-06-01"]
    assert "after the zones" not in read.why_no_line("2020-07-01")


def test_a_user_timeline_file_without_valid_until_through_the_cli(tmp_path):
    path = tmp_path / "lines.geojson"
    _user_lines().to_file(path, driver="GeoJSON")
    done = subprocess.run([sys.executable, "-m", "zonemap", "timeline", "--timeline", str(path)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stderr.count("stretched to 2024-12-08") == 1
    done = subprocess.run([sys.executable, "-m", "zonemap", "timeline", "--timeline", str(path), "--valid-until",
                           "2021-01-01"], capture_output=True, text=True, check=True)  # fmt: skip
    assert "stretched" not in done.stderr and "2020-03-05  2021-01-01" in done.stdout


# --------------------------------------------------------------------------- accuracy per stretch
def test_a_probability_by_value_for_fixed_and_in_force_lines():
    frame = pd.DataFrame({"dist_2018_km": [3.0], "line_accuracy_2018_km": [5.0], "dist_line_km": [3.0],
                          "line_accuracy_km": [5.0], "accuracy_km": [2.0]})  # fmt: skip
    out = uncertainty.probability_columns(frame)
    assert round(_phi(3 / math.hypot(5 / 1.96, 2 / 1.96)), 3) == 0.863
    expected = _phi(3 / math.hypot(5 / uncertainty.Z95, 2 / uncertainty.Z95))  # 1.96 to 7 digits
    assert out["p_opposition_2018"][0] == pytest.approx(expected, abs=1e-6)
    assert out["p_opposition"][0] == pytest.approx(expected, abs=1e-6)


def test_the_accuracy_of_the_nearest_stretch_is_interpolated_between_vertices():
    lines = tl.hand_timeline()
    index = lines.as_of.index("2019-05-10")
    vertices = shapely.get_coordinates(lines.frame.geometry.iloc[index])
    accuracy = lines.vertex_accuracy_km(index)
    k = int(np.flatnonzero((accuracy[:-1] == 6) & (accuracy[1:] == 7))[0])  # a stretch from 6 km to 7 km
    segment = shapely.LineString(vertices[k : k + 2])
    middle = shapely.get_coordinates(segment.interpolate(0.5, normalized=True))[0]
    proj = LocalProjection(*middle)
    a, b = shapely.get_coordinates(proj.to_metric(segment))
    normal = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
    point = proj.to_lonlat(shapely.Point(normal * 2000.0))  # 2 km off the middle of the stretch
    result = classify(_events([((point.x, point.y), "2019-06-01")], accuracy_km=[2.0]), timeline="hand")
    row = result.iloc[0]
    assert row["line_accuracy_km"] == pytest.approx(6.5, abs=0.05)
    distance = shapely.distance(
        shapely.Point(0, 0), LocalProjection(point.x, point.y).to_metric(densify_geodesic(segment, 0.2))
    )
    assert abs(row["dist_line_km"]) == pytest.approx(distance / 1000, abs=0.01)
    sigma = math.hypot(row["line_accuracy_km"] / uncertainty.Z95, 2.0 / uncertainty.Z95)
    assert row["p_opposition"] == pytest.approx(_phi(row["dist_line_km"] / sigma), abs=1e-6)


def test_the_halo_follows_the_stretch_accuracy():
    from zonemap.render.layers import accuracy_halo

    state = tl.zones_as_of("2024-12-02")  # the evidence line of the day
    narrow = accuracy_halo(state.line.geometry, float(state.stretch_accuracy_km.min()))
    band = accuracy_halo(state.line.geometry, state.stretch_accuracy_km)
    wide = accuracy_halo(state.line.geometry, float(state.stretch_accuracy_km.max()))
    assert geodesic_area_km2(narrow) < geodesic_area_km2(band) < geodesic_area_km2(wide)


# --------------------------------------------------------------------------- the audit's fixes
def _side_and_distance(day, lon, lat):
    state = tl.zones_as_of(day, "hand")  # the audit was of the hand lines
    proj = LocalProjection(lon, lat)
    distance = shapely.distance(shapely.Point(0, 0), proj.to_metric(densify_geodesic(state.line.geometry, 0.2)))
    return state.side([lon], [lat])[0], distance / 1000


@pytest.mark.parametrize(
    ("place", "lon", "lat", "day", "side"),
    [
        ("Hish", 36.64356, 35.54793, "2020-01-29", "opposition"),  # taken 31 Jan 2020
        ("Afis", 36.80419, 35.9069, "2020-02-17", "government"),  # taken 6 Feb 2020
        ("Afis", 36.80419, 35.9069, "2020-03-05", "government"),
        ("Kafr Battikh", 36.72361, 35.78194, "2020-02-17", "government"),  # taken 30 Jan 2020
        ("Kafr Battikh", 36.72361, 35.78194, "2020-03-05", "government"),
        ("Tall Hawash", 36.4418, 35.4332, "2019-05-10", "opposition"),  # 9 or 13 May 2019: contested
    ],
)
def test_the_audited_places_lie_clearly_on_their_side(place, lon, lat, day, side):
    found, distance = _side_and_distance(day, lon, lat)
    assert found == side and distance >= 1.5, (place, found, distance)


def test_the_may_2019_line_takes_what_jusoor_measured():
    taken = geodesic_area_km2(tl.taken_between("2018-09-17", "2019-05-10", "hand"))
    assert 55 < taken < 85  # Jusoor's maps: 69 km² on 11 May 2019 (was 111 km² before the audit)


def test_the_audit_notes_and_citations():
    lines = tl.timeline("hand").set_index("as_of")
    assert "Hazarin" in lines.loc["2020-03-05", "notes"] and "contested" in lines.loc["2020-03-05", "notes"]
    sources = " ".join(lines["source"]) + " ".join(validity.validity()["to_sources"].sum())
    for bad in ("iswnews.com/tag/", "onenewspage.com", "1,890"):
        assert bad not in sources + " ".join(lines["notes"])
    vertices = [v for text in lines["vertices"] for v in json.loads(text)]
    assert all(v["reports"] for v in vertices)


def test_a_user_line_never_runs_past_the_zones_end():
    lines = tl.load_timeline(_user_lines(), valid_until="2030-01-01")
    assert lines.line_index(["2024-12-07", "2024-12-08"]).tolist() == [1, -1]
    with pytest.raises(ArgumentError, match="after the zones ended on 2024-12-08"):
        tl.zones_as_of("2025-01-01", _user_lines(), valid_until="2030-01-01")
    model = zone_model(timeline=_user_lines(), timeline_valid_until="2030-01-01")
    result = classify(_events([(SARAQIB, "2024-12-07"), (SARAQIB, "2025-01-01")]), model)
    assert result["side"].notna().tolist() == [True, False]
    assert result["as_of_basis"].astype(str).tolist() == ["event date", "after the zones ended on 2024-12-08"]
