"""One meaning for every date and every accuracy (issue 25).

Dates: one reader (:mod:`zonemap.model.dates`) for ``--as-of``, timelines, validity and the API,
with the event reader's rules; far dates never wrap. Accuracies: a user timeline's ``accuracy_km``
is read strictly or stated by the user. Limits: any number of dated lines. Clear one-line errors
for unreadable timeline files. Probabilities by value; public writers are atomic.
"""

import datetime as dt
import math
import re
from pathlib import Path
from statistics import NormalDist

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import zonemap
from zonemap import cli
from zonemap.errors import ArgumentError, InputError
from zonemap.geodesy.area import geodesic_area_km2
from zonemap.geodesy.grid_index import PolygonGrid, PolygonGrids
from zonemap.incidents import values, write
from zonemap.incidents.read import read_incidents
from zonemap.incidents.synthetic import synthetic_timeline
from zonemap.model import data, gazetteer, line_accuracy, uncertainty, validity, zones
from zonemap.model import timeline as tl
from zonemap.model.dates import ACCEPTED, read_day, read_days
from zonemap.render import export, figure, maps

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "geodata" / "incidents_sample.csv"
SARAQIB = (36.8059, 35.8645)

#: The standard normal distribution, and the z of a two-sided 95 % (an accuracy is a 95 % distance).
PHI = NormalDist()
Z95 = PHI.inv_cdf(0.975)

# --------------------------------------------------------------------------- dates
#: Accepted text forms and the day each is (the local day of a time with an offset).
ACCEPTED_FORMS = {
    "2020-03-05": "2020-03-05",
    "2020-03-05T14:00": "2020-03-05",
    "2020-03-05 14:00:30": "2020-03-05",
    "2020-03-05T01:00+03:00": "2020-03-05",  # 22:00 UTC the day before: the local day stays
    "2020-03-05T23:30-05:00": "2020-03-05",  # 04:30 UTC the day after
    "2020-03-05T10:00:00Z": "2020-03-05",
    "2020-03-05T10:00:00.250+0300": "2020-03-05",
    "5 March 2020": "2020-03-05",
    "05 March 2020": "2020-03-05",
    "14 February 2020": "2020-02-14",
    "5-March-2020": "2020-03-05",
    "5 Mar 2020": "2020-03-05",
    "05-Mar-2020": "2020-03-05",
    "March 5, 2020": "2020-03-05",
    "  2020-03-05  ": "2020-03-05",
    "9999-12-31": "9999-12-31",  # far dates: days, no nanosecond range
    "2604-06-01": "2604-06-01",
    "1583-01-01": "1583-01-01",
    "0001-01-01": "0001-01-01",
}

#: Refused forms and what the message says of each.
REFUSED_FORMS = {
    "5/3/2020": "is ambiguous",
    "05.03.2020": "is ambiguous",
    "05-03-20": "is ambiguous",
    "3/5/20": "is ambiguous",
    "2020/03/05": "is not an ISO day",
    "March 2020": "names a month, not a day",
    "Mar 2020": "names a month, not a day",
    "2020-03": "names a month, not a day",
    "2020": "names a year, not a day",
    "today": "is relative to the day zonemap runs",
    "now": "is relative to the day zonemap runs",
    "Yesterday": "is relative to the day zonemap runs",
    "-1": "is a number, not a date",
    "20200305": "is a number, not a date",
    "": "is missing",
    "   ": "is missing",
    "5 March": "is not a date",
    "March": "is not a date",
    "2020-02-30": "is not a day of the calendar",
    "2020-13-01": "is not a day of the calendar",
    "0000-01-01": "is not a day of the calendar",
    "2020-03-05T25:00": "is not a day of the calendar",
    "sometime in 2018": "is not a date",
}


@pytest.mark.parametrize(("text", "day"), sorted(ACCEPTED_FORMS.items()))
def test_accepted_date_forms_are_their_day(text, day):
    assert str(read_day(text)) == day
    assert read_day(text).dtype == np.dtype("datetime64[D]")


@pytest.mark.parametrize(("text", "why"), sorted(REFUSED_FORMS.items()))
def test_refused_date_forms_name_themselves_why_and_the_accepted_forms(text, why):
    with pytest.raises(ArgumentError) as caught:
        read_day(text, what="--as-of")
    message = str(caught.value)
    assert message.startswith("--as-of ") and why in message and ACCEPTED in message
    assert "\n" not in message
    if text.strip():
        assert repr(text.strip()) in message


def test_the_event_reader_reads_the_same_days_and_refuses_the_same_ambiguous_forms():
    # the rules are shared: every accepted text form within pandas' range is the same day for events
    texts = [t for t, day in ACCEPTED_FORMS.items() if "1678" < day < "2262"]
    parsed = values.parse_dates(pd.Series(texts)).dt.strftime("%Y-%m-%d").tolist()
    assert parsed == [ACCEPTED_FORMS[t] for t in texts]
    refused = ["5/3/2020", "05.03.2020", "05-03-20", "today", "now", "-1", "-5", ""]  # -1 once overflowed
    assert values.parse_dates(pd.Series(refused)).isna().all()
    # a month stays a month for events (kept with its precision), never a day anywhere
    assert values.date_precisions(pd.Series(["March 2020", "2020-03", "2020"])).tolist() == ["month", "month", "year"]


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2020, 3, 5),
        dt.datetime(2020, 3, 5, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))),
        pd.Timestamp("2020-03-05T23:30-05:00"),
        np.datetime64("2020-03-05T12:00", "ns"),
    ],
    ids=["date", "aware datetime", "aware Timestamp", "datetime64"],
)
def test_date_objects_are_their_local_day(value):
    assert str(read_day(value)) == "2020-03-05"


@pytest.mark.parametrize("value", [None, float("nan"), pd.NaT, 5, -1.0, True, {"a": 1}], ids=repr)
def test_missing_and_non_dates_are_refused(value):
    with pytest.raises(ArgumentError, match="as_of .*(missing|not a date)"):
        read_day(value, what="as_of")


def test_a_long_refused_date_is_shown_truncated():
    with pytest.raises(ArgumentError) as caught:
        read_day("x" * 500)
    assert "x" * 39 + "…" in str(caught.value) and "x" * 41 not in str(caught.value)


def test_read_days_is_vectorised_with_missing_as_nat_and_names_a_refused_value():
    days = read_days(["2020-03-05", None, "", "5 March 2020", np.nan])
    assert days.dtype == np.dtype("datetime64[D]")
    assert [str(d) for d in days] == ["2020-03-05", "NaT", "NaT", "2020-03-05", "NaT"]
    aware = pd.Series(pd.to_datetime(["2020-03-05T01:00"]).tz_localize("Asia/Damascus"))
    assert str(read_days(aware)[0]) == "2020-03-05"
    with pytest.raises(ArgumentError, match=r"date '5/3/2020' is ambiguous .*\(value 2 of 2\)"):
        read_days(["2020-03-05", "5/3/2020"])


def test_far_dates_never_wrap_in_the_api():
    for far in ("9999-12-31", "2604-06-01"):  # named as given (no wrap-around), and past the zones' end: no line
        for ask in (tl.zones_as_of, tl.line_as_of):
            with pytest.raises(
                ArgumentError, match=f"no contact line in force on {far} .*after the zones ended on 2024-12-08"
            ):
                ask(far)
    for early in ("1583-01-01", "0001-01-01"):
        with pytest.raises(ArgumentError, match=f"no contact line in force on {early} .*before the first dated line"):
            tl.line_as_of(early)
    days = ["9999-12-31", "0001-01-01", "1583-01-01", "2604-06-01", "2020-03-06"]
    assert tl.line_index(days, "hand").tolist() == [-1, -1, -1, -1, 5]
    assert tl.line_index(days).tolist() == [-1, -1, -1, -1, tl.load_timeline().index_of("2020-03-06")]
    assert validity.in_force("m4_corridor", ["9999-12-31", "1583-01-01", "2020-03-06"]).tolist() == [False, False, True]
    assert validity.in_force("eastern_ghouta", ["9999-12-31"]).tolist() == [False]
    assert "eastern_ghouta" not in validity.zones_in_force("9999-12-31")


@pytest.mark.parametrize("bad", ["5/3/2020", "today", "2020-03", "-1"])
def test_the_api_refuses_what_the_cli_refuses(bad):
    with pytest.raises(ArgumentError, match=f"{bad!r}"):
        tl.zones_as_of(bad)
    with pytest.raises(ArgumentError, match=f"{bad!r}"):
        gazetteer.places_in("idlib_area", as_of=bad)
    with pytest.raises(ArgumentError, match=f"{bad!r}"):
        validity.zones_in_force(bad)


def test_classify_as_of_far_dates():
    events = gpd.GeoDataFrame(
        {"event_date": pd.to_datetime(["2019-06-01"])}, geometry=[shapely.Point(*SARAQIB)], crs="EPSG:4326"
    )
    with pytest.raises(
        ArgumentError, match="no contact line in force on 9999-12-31: after the zones ended on 2024-12-08"
    ):
        zonemap.classify(events, as_of="9999-12-31")
    late = zonemap.classify(events, as_of="5 March 2020", timeline="hand")  # a hand line is dated that very day
    assert late["line_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-03-05"]
    assert late["side"].astype(str).tolist() == ["government"] and bool(late["in_m4_corridor"].iloc[0]) is False
    for early in ("1583-01-01", "0001-01-01"):
        with pytest.raises(ArgumentError, match=f"no contact line in force on {early}"):
            zonemap.classify(events, as_of=early)
    with pytest.raises(ArgumentError, match="'05-03-20' is ambiguous"):
        zonemap.classify(events, as_of="05-03-20")


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("today", "argument --as-of: date 'today' is relative"),
        ("", "argument --as-of: date is missing"),
        ("5/3/2020", "argument --as-of: date '5/3/2020' is ambiguous"),
        ("March 2020", "argument --as-of: date 'March 2020' names a month"),
        ("1583-01-01", "idlib_area was not in force on 1583-01-01: it was from 2017-05-04"),
    ],
)
def test_cli_as_of_refusals_are_one_line(capsys, as_of, message):
    assert cli.main(["places", "--in", "idlib_area", "--as-of", as_of]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_cli_places_and_incidents_as_of_far_and_spelled_out_dates(tmp_path, capsys):
    assert cli.main(["places", "--in", "idlib_area", "--as-of", "9999-12-31"]) == 2  # past the zones' end: no answer
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "9999-12-31" in err and "after the zones ended on 2024-12-08" in err
    assert cli.main(["places", "--in", "idlib_area", "--as-of", "5 March 2020"]) == 0
    assert "as of 2020-03-05" in capsys.readouterr().out
    out = tmp_path / "events.csv"
    assert cli.main(["incidents", str(SAMPLE), "-o", str(out), "--as-of", "2604-06-01"]) == 2
    assert "no contact line in force on 2604-06-01: after the zones ended" in capsys.readouterr().err
    assert cli.main(["incidents", str(SAMPLE), "-o", str(out), "--as-of", "5 March 2020", "--timeline", "hand"]) == 0
    assert set(pd.read_csv(out)["line_date"]) == {"2020-03-05"}
    assert cli.main(["incidents", str(SAMPLE), "-o", str(out), "--as-of", "5/3/2020"]) == 2
    assert "argument --as-of: date '5/3/2020' is ambiguous" in capsys.readouterr().err


# --------------------------------------------------------------------------- user timelines
def _lines(dates, **columns) -> gpd.GeoDataFrame:
    shipped = tl.timeline("hand")
    geometry = [shipped.geometry.iloc[i % len(shipped)] for i in range(len(dates))]
    return gpd.GeoDataFrame({"as_of": dates, **columns}, geometry=geometry, crs="EPSG:4326")


def test_timeline_dates_keep_their_local_day_and_far_ones_do_not_wrap():
    frame = _lines(["2020-03-05T01:00+03:00", "2020-03-07T23:30-05:00", "2604-06-01"], accuracy_km=[5.0] * 3)
    lines = tl.load_timeline(frame, valid_until="9999-12-31")
    assert lines.as_of == ["2020-03-05", "2020-03-07", "2604-06-01"]
    assert lines.valid_until == ["2020-03-07", "2604-06-01", "9999-12-31"]
    assert tl.zones_as_of("2020-03-08", lines).as_of == "2020-03-07"
    with pytest.raises(ArgumentError, match="on 2604-06-01 .*after the zones ended on 2024-12-08"):
        tl.zones_as_of("2604-06-01", lines)  # whatever a user's line says, no answer past the zones' end


@pytest.mark.parametrize("bad", ["5/3/2020", "05.03.2020", "05-03-20", "March 2020", "2020", "2020-03", "today", None])
def test_timeline_dates_are_refused_naming_the_row(bad):
    frame = _lines(["2019-01-01", bad], accuracy_km=[5.0, 5.0])
    with pytest.raises(InputError, match=r"^the timeline: row 2: as_of .*(ambiguous|month|year|relative|missing)"):
        tl.load_timeline(frame)


# --------------------------------------------------------------------------- accuracies
#: Accepted accuracy values (as a file may hold them) and the km each is.
ACCEPTED_ACCURACIES = {"5": 5.0, "7.5": 7.5, 6: 6.0, 0.25: 0.25, 30: 30.0, "50": 50.0, " 4 ": 4.0}

#: Refused accuracy values and what the message says of each.
REFUSED_ACCURACIES = {
    "five": "is not a number of km",
    "5,5": "has a comma",
    "1,000": "has a comma",
    "inf": "is not a finite number",
    float("inf"): "is not a finite number",
    "nan": "is not a finite number",
    0: "must be more than 0 km",
    -3.0: "must be more than 0 km",
    1e9: "is implausible for a contact line (more than 50 km)",
    50.5: "is implausible",
}


@pytest.mark.parametrize(("value", "km"), list(ACCEPTED_ACCURACIES.items()), ids=repr)
def test_accepted_accuracies(value, km):
    frame = _lines(["2019-01-01"], accuracy_km=[value])
    assert tl.load_timeline(frame).frame["accuracy_km"].tolist() == [km]


@pytest.mark.parametrize(("value", "why"), list(REFUSED_ACCURACIES.items()), ids=repr)
def test_refused_accuracies_name_the_line_and_the_value(value, why):
    frame = _lines(["2019-01-01", "2019-06-01"], accuracy_km=pd.Series([5.0, value], dtype=object))
    with pytest.raises(InputError) as caught:
        tl.load_timeline(frame)
    assert str(caught.value).startswith(f"the timeline: row 2: line dated 2019-06-01: accuracy_km {value!r} {why}")
    # a stated accuracy fills only missing ones: an unreadable value is never overruled
    with pytest.raises(InputError, match="row 2"):
        tl.load_timeline(frame, accuracy_km=5)


@pytest.mark.parametrize("missing", [None, np.nan, ""], ids=repr)
def test_a_missing_accuracy_is_refused_unless_the_user_states_one(missing):
    frame = _lines(["2019-01-01", "2019-06-01"], accuracy_km=[5.0, missing])
    with pytest.raises(InputError, match="row 2: line dated 2019-06-01: states no accuracy_km .*--accuracy-km"):
        tl.load_timeline(frame)
    assert tl.load_timeline(frame, accuracy_km=3).frame["accuracy_km"].tolist() == [5.0, 3.0]
    without = _lines(["2019-01-01"])
    with pytest.raises(InputError, match="row 1: line dated 2019-01-01: states no accuracy_km"):
        tl.zones_as_of("2019-02-01", without)
    assert tl.line_as_of("2019-02-01", without, accuracy_km=2.5).accuracy_km == 2.5


@pytest.mark.parametrize("stated", ["five", "5,5", float("inf"), 0, 1e9])
def test_a_stated_accuracy_is_read_by_the_same_rules(stated):
    with pytest.raises(ArgumentError, match="accuracy_km"):
        tl.load_timeline(_lines(["2019-01-01"]), accuracy_km=stated)


def test_a_shapefile_truncated_accuracy_column_is_recognised(tmp_path):
    path = tmp_path / "lines.shp"
    with pytest.warns(UserWarning, match="truncated"):
        _lines(["2019-01-01", "2019-06-01"], accuracy_km=[4.0, 6.0]).to_file(path)
    assert "accuracy_k" in gpd.read_file(path).columns
    assert tl.load_timeline(path).frame["accuracy_km"].tolist() == [4.0, 6.0]


def test_a_large_accuracy_classifies_and_its_area_range_is_wide_or_left_out_for_what_it_is():
    """30 km: incidents are classified and the range is wide but honest (the line moved past the area's
    edge leaves all of it to the opposition, never more). 40 km reaches Idlib city, 34.8 km from the
    line, which the ranges take as the opposition's side: no range, and the row says why."""
    frame = _lines(["2019-01-01"], accuracy_km=[30.0])
    model = zonemap.zone_model(timeline=frame)
    events = gpd.GeoDataFrame(
        {"event_date": pd.to_datetime(["2019-06-01"])}, geometry=[shapely.Point(*SARAQIB)], crs="EPSG:4326"
    )
    result = zonemap.classify(events, model)
    assert result["line_accuracy_km"].tolist() == [30.0]
    assert 0.0 < float(result["p_opposition"].iloc[0]) < 1.0
    row = tl.timeline_table(frame, ranges=True, valid_until="2019-02-01").iloc[0]
    whole = geodesic_area_km2(zones.as_area(None).geometry)
    assert row["opposition_km2_low"] < 0.2 * whole and row["opposition_km2_high"] == pytest.approx(whole)
    assert row["no_range_reason"] is None
    far = tl.timeline_table(_lines(["2019-01-01"], accuracy_km=[40.0]), ranges=True, valid_until="2019-02-01")
    assert np.isfinite(far["opposition_km2"].iloc[0])
    assert far[["opposition_km2_low", "opposition_km2_high"]].isna().all(axis=None)
    reason = r"moved by their stated accuracy .*40 km.*34\.8 km from the opposition's reference point.* no area range"
    assert re.search(reason, far["no_range_reason"].iloc[0])


def test_cli_accuracy_km(tmp_path, capsys):
    path = tmp_path / "front.geojson"
    _lines(["2019-01-01"]).to_file(path)
    assert cli.main(["timeline", "--timeline", str(path)]) == 2
    assert "line dated 2019-01-01: states no accuracy_km" in capsys.readouterr().err
    assert cli.main(["timeline", "--timeline", str(path), "--accuracy-km", "5", "--json"]) == 0
    assert '"accuracy_km": 5.0' in capsys.readouterr().out
    for bad, why in [("five", "is not a number"), ("5,5", "has a comma"), ("1e9", "is implausible")]:
        assert cli.main(["timeline", "--timeline", str(path), "--accuracy-km", bad]) == 2
        err = capsys.readouterr().err.strip()
        assert f"argument --accuracy-km: accuracy '{bad}' {why}" in err and len(err.splitlines()) == 1
    assert cli.main(["timeline", "--accuracy-km", "5"]) == 2
    assert "give --timeline FILE" in capsys.readouterr().err
    out = tmp_path / "events.csv"
    assert cli.main(["incidents", str(SAMPLE), "-o", str(out), "--timeline", str(path), "--accuracy-km", "4"]) == 0
    judged = pd.read_csv(out)
    assert set(judged.loc[judged["line_date"].notna(), "line_accuracy_km"]) == {4.0}


# --------------------------------------------------------------------------- unreadable timeline files
def test_a_geoparquet_timeline_is_read_with_pyarrow(tmp_path):
    path = tmp_path / "lines.parquet"
    tl.timeline()[["as_of", "accuracy_km", "geometry"]].to_parquet(path)
    assert tl.load_timeline(path).as_of == tl.load_timeline().as_of
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"as_of": ["2019-01-01"]}).to_parquet(plain)
    with pytest.raises(InputError, match=r"plain\.parquet: holds no GeoParquet geometry column"):
        tl.load_timeline(plain)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"broken\.parquet: not a readable Parquet file"):
        tl.load_timeline(broken)


def test_an_empty_file_and_a_one_vertex_line_are_one_clear_line(tmp_path, capsys):
    empty = tmp_path / "empty.geojson"
    empty.touch()
    with pytest.raises(InputError, match=r"empty\.geojson: is empty \(0 bytes"):
        tl.load_timeline(empty)
    one = tmp_path / "one.geojson"
    one.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"as_of": "2019-01-01", "accuracy_km": 5},'
        ' "geometry": {"type": "LineString", "coordinates": [[36.5, 35.5], [36.7, 35.9]]}},'
        '{"type": "Feature", "properties": {"as_of": "2019-02-01", "accuracy_km": 5},'
        ' "geometry": {"type": "LineString", "coordinates": [[36.5, 35.5]]}}]}'
    )
    with pytest.raises(InputError, match=r"one\.geojson: feature 2 is a line with one vertex"):
        tl.load_timeline(one)
    assert cli.main(["timeline", "--timeline", str(one)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "point array" not in err


def test_gdals_json_warning_does_not_leak(tmp_path, recwarn):
    path = tmp_path / "mixed.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"as_of": "2019-01-01", "accuracy_km": 5, "note": [1]},'
        ' "geometry": {"type": "LineString", "coordinates": [[36.0, 35.0], [37.5, 36.6]]}},'
        '{"type": "Feature", "properties": {"as_of": "2019-02-01", "accuracy_km": 5, "note": "x"},'
        ' "geometry": {"type": "LineString", "coordinates": [[36.1, 35.0], [37.6, 36.6]]}}]}'
    )
    frame = data.read_geometries(str(path), what="contact line timeline")
    assert len(frame) == 2
    assert not [w for w in recwarn if "JSON" in str(w.message)]
    bad = tmp_path / "json_as_of.geojson"
    bad.write_text(path.read_text().replace('"as_of": "2019-01-01"', '"as_of": {"day": 1}'))
    with pytest.raises(InputError, match=r"json_as_of\.geojson: row 1: as_of .*day.* is not a date"):
        tl.load_timeline(bad)


# --------------------------------------------------------------------------- any number of lines
def test_polygon_grids_hold_any_number_of_polygons_exactly():
    rng = np.random.default_rng(25)
    centres = rng.uniform(0, 10, size=(150, 2))
    polygons = [shapely.Point(x, y).buffer(r, quad_segs=4) for (x, y), r in zip(centres, rng.uniform(0.2, 2, 150))]
    grids = PolygonGrids.build(polygons, cell=0.05)
    assert len(grids) == 150 and len(grids.grids) == 3
    lon, lat = rng.uniform(-1, 11, 5000), rng.uniform(-1, 11, 5000)
    expected = np.array([shapely.contains_xy(p, lon, lat) for p in polygons])
    np.testing.assert_array_equal(grids.contains(lon, lat), expected)
    for i in (0, 63, 64, 127, 128, 149):
        np.testing.assert_array_equal(grids.contains_one(i, lon, lat), expected[i])
    with pytest.raises(ValueError, match="use PolygonGrids"):
        PolygonGrid.build(polygons[:65], cell=0.05)


def test_a_timeline_of_65_lines_classifies_each_event_by_its_own_line():
    frame = synthetic_timeline(65)
    model = zonemap.zone_model(timeline=frame)
    assert len(model.dated.faces) == 65 and len(model.dated.faces.grids) == 2
    lines = tl.load_timeline(frame)
    rng = np.random.default_rng(3)
    n = 400
    which = rng.integers(0, 65, n)
    lon, lat = rng.uniform(36.3, 37.1, n), rng.uniform(35.4, 36.2, n)
    dates = pd.to_datetime(np.array(lines.as_of, dtype="datetime64[D]")[which])
    events = gpd.GeoDataFrame({"event_date": dates}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    result = zonemap.classify(events, model, nearest_place=False)
    assert result["line_date"].dt.strftime("%Y-%m-%d").tolist() == [lines.as_of[i] for i in which]
    held = np.array([lines.state(i).opposition.contains(shapely.Point(x, y)) for i, x, y in zip(which, lon, lat)])
    np.testing.assert_array_equal(result["side"].astype(str).to_numpy() == "opposition", held)


def test_rows_grouped_by_line_across_chunks_come_back_in_their_own_order(monkeypatch):
    # many chunks: rows are grouped by line in force before chunking, and every column put back
    from zonemap.model import compiled

    model = zonemap.zone_model(timeline=synthetic_timeline(20))
    rng = np.random.default_rng(5)
    n = 600
    lon, lat = rng.uniform(36.3, 37.1, n), rng.uniform(35.4, 36.2, n)
    dates = pd.to_datetime("2018-01-01") + pd.to_timedelta(rng.integers(0, 2600, n), unit="D")
    events = gpd.GeoDataFrame({"event_date": dates}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    whole = zonemap.classify(events, model)
    monkeypatch.setattr(compiled, "CHUNK_ROWS", 7)
    chunked = zonemap.classify(events, model)
    pd.testing.assert_frame_equal(chunked, whole)
    one_by_one = pd.concat([zonemap.classify(events.iloc[[i]], model) for i in range(0, n, 37)])
    pd.testing.assert_frame_equal(chunked.iloc[::37], one_by_one, check_categorical=False)


# --------------------------------------------------------------------------- probabilities by value
def test_line_in_force_probability_by_value():
    # 3 km on the opposition side; the line stated to 5 km, the event to 2 km (both 95 %): σ = km / 1.96
    expected = PHI.cdf(3 / math.hypot(5 / Z95, 2 / Z95))
    assert round(expected, 3) == 0.863
    frame = pd.DataFrame(
        {"dist_2018_km": [3.0], "dist_line_km": [3.0], "line_accuracy_km": [5.0], "accuracy_km": [2.0]}
    )
    out = uncertainty.add_probabilities(frame, {"2018": 5.0})
    assert out["p_opposition_2018"].iloc[0] == pytest.approx(expected, abs=1e-7)  # the fixed line
    assert out["p_opposition"].iloc[0] == pytest.approx(expected, abs=1e-7)  # the line in force
    # the line in force's own accuracy counts, not the fixed line's: 10 km gives a lower probability
    wider = uncertainty.add_probabilities(frame.assign(line_accuracy_km=10.0), {"2018": 5.0})
    assert wider["p_opposition"].iloc[0] == pytest.approx(PHI.cdf(3 / math.hypot(10 / Z95, 2 / Z95)), abs=1e-7)
    assert wider["p_opposition_2018"].iloc[0] == pytest.approx(expected, abs=1e-7)


def test_line_in_force_probability_by_value_through_classify():
    frame = _lines(["2019-01-01"], accuracy_km=[5.0])
    model = zonemap.zone_model(timeline=frame)
    events = gpd.GeoDataFrame(
        {"event_date": pd.to_datetime(["2019-06-01"] * 2), "accuracy_km": [2.0, 2.0]},
        geometry=[shapely.Point(*SARAQIB), shapely.Point(36.63, 35.93)],
        crs="EPSG:4326",
    )
    result = zonemap.classify(events, model)
    sigma = math.hypot(5 / Z95, 2 / Z95)
    expected = [PHI.cdf(d / sigma) for d in result["dist_line_km"]]
    np.testing.assert_allclose(result["p_opposition"], expected, atol=1e-7)


# --------------------------------------------------------------------------- atomic public writers
def _fails_after_writing(monkeypatch, owner, method):
    real = getattr(owner, method)

    def write_then_fail(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(owner, method, write_then_fail)


def _check_untouched(tmp_path, target):
    assert target.read_bytes() == b"previous good output"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary file left


def test_write_rejects_is_atomic(tmp_path, monkeypatch):
    source = tmp_path / "events.csv"
    source.write_text("event_date,latitude,longitude\n2020-03-01,35.9,36.6\n2020-03-01,north,36.6\n")
    events = read_incidents(source)
    source.unlink()
    target = tmp_path / "rejects.csv"
    target.write_bytes(b"previous good output")
    _fails_after_writing(monkeypatch, pd.DataFrame, "to_csv")
    with pytest.raises(OSError, match="No space"):
        events.write_rejects(target)
    _check_untouched(tmp_path, target)
    monkeypatch.undo()
    assert events.write_rejects(target) == 1 and "north" in target.read_text()


WRITERS = {
    "save_map": (lambda path: maps.save_map(maps.zone_map(date_control=False), path), "map.html", Path, "write_text"),
    "save_figure": (lambda path: figure.save_figure(figure.zone_figure(), path), "fig.png", figure.Figure, "savefig"),
    "export_layers": (lambda path: export.export_layers(path, "geojson"), "zones.geojson", gpd.GeoDataFrame, "to_file"),
    "write_geopackage": (
        lambda path: export.write_geopackage({"m4_corridor": export.all_layers()["m4_corridor"]}, path),
        "zones.gpkg", gpd.GeoDataFrame, "to_file",
    ),
    "write_incidents": (
        lambda path: write.write_incidents(zonemap.classify(zonemap.synthetic_incidents(5, seed=1)), path),
        "events.csv", pd.DataFrame, "to_csv",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_public_writers_are_atomic(tmp_path, monkeypatch, name):
    work, filename, owner, method = WRITERS[name]
    target = tmp_path / filename
    target.write_bytes(b"previous good output")
    _fails_after_writing(monkeypatch, owner, method)
    with pytest.raises(OSError, match="No space"):
        work(target)
    _check_untouched(tmp_path, target)
    monkeypatch.undo()
    work(target)
    assert target.read_bytes() != b"previous good output" and target.stat().st_size > 100


def test_the_line_accuracy_module_states_its_limit():
    assert line_accuracy.MAX_LINE_ACCURACY_KM == 50.0
    assert line_accuracy.accuracy_column(["accuracy_km", "accuracy_k"]) == "accuracy_km"
