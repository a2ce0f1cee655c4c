"""Reading incidents: formats, encodings, delimiters, CRS, and the accounting of every row."""

import io
import json
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import zonemap
from zonemap import InputError, read_incidents, sample_incidents
from zonemap.incidents import formats
from zonemap.incidents.values import parse_dates

HEADER = "event_id_cnty,event_date,event_type,latitude,longitude,fatalities,notes\n"
GOOD = [
    "A1,2020-02-27,Battles,35.68,36.55,33,ok",
    "A2,27 February 2020,Battles,35.86,36.80,0,ok",
    "A3,2020-03-02,Battles,35.93,36.63,,unknown fatalities",
]
BAD = {
    "B1,2020-02-27,Battles,,36.55,1,x": "missing latitude",
    "B2,2020-02-27,Battles,abc,36.55,1,x": "non-numeric latitude",
    "B3,2020-02-27,Battles,35.9,236.55,1,x": "longitude out of range",
    "B4,2020-02-27,Battles,135.9,36.55,1,x": "latitude out of range",
    "B5,2020-02-30,Battles,35.9,36.55,1,x": "unparseable date",
    "B6,,Battles,35.9,36.55,1,x": "missing date",
    "B7,2020-02-27,Battles,35.9,36.55,-2,x": "bad fatalities",
    "B8,2020-02-27,Battles,0,0,1,x": "coordinates 0, 0",
}


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding) if not isinstance(text, bytes) else text)
    return path


def test_every_row_is_accepted_or_rejected_with_its_reason(tmp_path):
    path = _write(tmp_path / "events.csv", HEADER + "\n".join(GOOD + list(BAD)) + "\n")
    events = read_incidents(path)
    assert events.rows_read == len(GOOD) + len(BAD) == len(events.accepted) + len(events.rejected)
    assert events.accepted["event_id_cnty"].tolist() == ["A1", "A2", "A3"]
    assert dict(zip(events.rejected["event_id_cnty"], events.rejected["kind"])) == {
        row.split(",")[0]: kind for row, kind in BAD.items()
    }
    assert events.rejected["row"].tolist() == list(range(len(GOOD) + 1, len(GOOD) + len(BAD) + 1))
    assert events.accepted["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-02-27", "2020-02-27", "2020-03-02"]
    assert events.accepted["fatalities"].isna().tolist() == [False, False, True]
    assert events.accepted.crs.to_epsg() == 4326
    assert "11 rows read, 3 accepted, 8 rejected" in events.report()
    rejects = tmp_path / "rejects.csv"
    assert events.write_rejects(rejects) == len(BAD)
    assert pd.read_csv(rejects)["reason"].str.len().min() > 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings(tmp_path, encoding):
    text = HEADER + "A1,2020-02-27,Battles,35.68,36.55,33,Ma'arrat al-Nu'man — معرة النعمان\n"
    events = read_incidents(_write(tmp_path / "e.csv", text, encoding))
    assert len(events.accepted) == 1 and events.accepted["notes"].iloc[0].endswith("معرة النعمان")


def test_semicolons_and_decimal_commas(tmp_path):
    text = "event_date;latitude;longitude;fatalities\n2020-02-27;35,68;36,55;3\n2020-02-28;35,86;36,80;0\n"
    events = read_incidents(_write(tmp_path / "e.csv", text))
    assert events.accepted["latitude"].tolist() == [35.68, 35.86] and len(events.rejected) == 0


def test_named_columns_and_missing_ones(tmp_path):
    text = "when,y_coord,x_coord\n2020-02-27,35.68,36.55\n"
    path = _write(tmp_path / "e.csv", text)
    events = read_incidents(path, lon="x_coord", lat="y_coord", date="when")
    assert len(events.accepted) == 1
    with pytest.raises(InputError, match=r"e\.csv: no longitude column .*when, y_coord, x_coord"):
        read_incidents(path)


def test_too_many_fields_rejects_only_that_row(tmp_path):
    text = "longitude,latitude,event_date\n36.6,35.9,2020-01-01,extra\n36.7,35.9,2020-01-02\n"
    events = read_incidents(_write(tmp_path / "e.csv", text))
    assert events.rejected[["row", "kind"]].values.tolist() == [[1, "too many fields"]]
    assert events.accepted["row"].tolist() == [2]


def test_swapped_columns_are_named(tmp_path):
    rows = "".join(f"2020-02-2{i},{lon},{lat}\n" for i, (lon, lat) in enumerate([(36.63, 35.93), (36.80, 35.86)]))
    events = read_incidents(_write(tmp_path / "e.csv", "event_date,latitude,longitude\n" + rows))
    assert set(events.rejected["kind"]) == {"coordinates swapped"}


def test_geojson_points_crs_and_non_points(tmp_path):
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True).transform(36.6339, 35.9306)
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}},
        "features": [
            {"type": "Feature", "properties": {"event_date": "2020-02-27"},
             "geometry": {"type": "Point", "coordinates": [x, y]}},
            {"type": "Feature", "properties": {"event_date": "2020-02-27"}, "geometry": None},
            {"type": "Feature", "properties": {"event_date": "2020-02-27"},
             "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x, y + 1], [x, y]]]}},
        ],
    }  # fmt: skip
    events = read_incidents(_write(tmp_path / "e.geojson", json.dumps(doc)))
    point = events.accepted.geometry.iloc[0]
    assert point.x == pytest.approx(36.6339, abs=1e-6) and point.y == pytest.approx(35.9306, abs=1e-6)
    assert events.rejected[["row", "kind"]].values.tolist() == [[2, "no geometry"], [3, "not a point"]]


def test_geoparquet_crs_honoured_and_folder_of_partitions(tmp_path):
    frame = gpd.GeoDataFrame(
        {"event_date": ["2020-02-27", "2020-02-28"]},
        geometry=[shapely.Point(36.6339, 35.9306), shapely.LineString([(36, 35), (36.1, 35.1)])],
        crs="EPSG:4326",
    ).to_crs("EPSG:32637")
    folder = tmp_path / "parts"
    folder.mkdir()
    frame.to_parquet(folder / "part-0.parquet")
    frame.iloc[:1].to_parquet(folder / "part-1.parquet")
    events = read_incidents(folder)
    assert events.rows_read == 3 and len(events.accepted) == 2
    assert events.accepted.geometry.x.round(6).tolist() == [36.6339, 36.6339]
    assert events.rejected[["file", "row", "kind"]].values.tolist() == [["part-0.parquet", 2, "not a point"]]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"a,b\n", "has a header but no data rows"),
        (bytes(range(256)) * 4, "binary data"),
        (b"latitude,longitude\n35.9,36.6\n\xff\xfe\xfa", "not utf-8 text at byte"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path, content, message):
    path = _write(tmp_path / "bad.csv", content)
    with pytest.raises(InputError, match=message) as info:
        read_incidents(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_truncated_json_and_wrong_file_type(tmp_path):
    path = _write(tmp_path / "e.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feat')
    with pytest.raises(InputError, match=r"not valid JSON .*truncated"):
        read_incidents(path)
    with pytest.raises(InputError, match="no such file"):
        read_incidents(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="unknown file type"):
        read_incidents(_write(tmp_path / "e.xlsx", "x"))
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_incidents(_write(tmp_path / "e.parquet", "not parquet"))


def test_frames_in_the_api():
    events = read_incidents(pd.DataFrame({"longitude": [36.6], "latitude": [35.9], "event_date": ["2020-01-01"]}))
    assert len(events.accepted) == 1
    with pytest.raises(InputError, match="no CRS"):
        read_incidents(gpd.GeoDataFrame(geometry=[shapely.Point(36.6, 35.9)]))


def test_dates_iso_and_acled_forms_only():
    parsed = parse_dates(
        pd.Series(["2020-02-27", "27 February 2020", "27-Feb-2020", "2020-02-27T10:00:00Z", "2/3/2020"])
    )
    assert parsed.dt.strftime("%Y-%m-%d").fillna("NaT").tolist() == ["2020-02-27"] * 4 + ["NaT"]


def test_shipped_sample_is_sourced_and_clean():
    sample = sample_incidents()
    assert len(sample.accepted) == 12 and sample.rejected.empty
    assert sample.accepted["source"].str.len().min() > 10 and sample.accepted["accuracy_km"].notna().all()
    balyun = sample.accepted[sample.accepted["location"].str.startswith("Balyun")]
    assert balyun["event_date"].dt.strftime("%Y-%m-%d").item() == "2020-02-27" and balyun["fatalities"].item() == 33


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("name", ["events.csv", "events.geojson", "parts"])
def test_large_inputs_show_a_reading_progress_bar_on_a_terminal_only(tmp_path, monkeypatch, name):
    events = zonemap.synthetic_incidents(3000, seed=2)
    path = tmp_path / name
    if name.endswith(".csv"):
        events.drop(columns="geometry").to_csv(path, index=False)
    elif name.endswith(".geojson"):
        events.to_file(path, driver="GeoJSON")
    else:
        path.mkdir()
        events.iloc[:1500].to_parquet(path / "a.parquet")
        events.iloc[1500:].to_parquet(path / "b.parquet")
    monkeypatch.setattr(formats, "PROGRESS_CHARACTERS", 1000)  # "large" for the test
    for stream, shown in ((_Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        assert len(zonemap.read_incidents(path).accepted) == 3000
        assert (f"reading {name}" in stream.getvalue()) is shown, stream.getvalue()
