"""Regenerate the bad-input corpus (deterministic): ``python tests/data/bad/make_corpus.py``.

Each file is something a user could really hand over; EXPECTED.json says what zonemap must answer:
``{"error": text}`` for a file-level problem (one line, exit 2) or the accepted/rejected counts.
"""

import codecs
import io
import json
import random
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely import Point

from zonemap.incidents.csv_stream import SNIFF_BYTES

HERE = Path(__file__).resolve().parent
HEADER = "event_id_cnty,event_date,event_type,latitude,longitude,fatalities,notes\n"
GOOD = "G{i},2020-02-{d:02d},Battles,35.{a},36.{b},1,fine\n"


def good(n: int) -> str:
    return "".join(GOOD.format(i=i, d=1 + i % 28, a=60 + i % 30, b=50 + i % 30) for i in range(n))


def feature(geometry, **props):
    return {"type": "Feature", "properties": {"event_date": "2020-02-27", **props}, "geometry": geometry}


def _parquet(frame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue()


def main() -> None:
    files: dict[str, bytes | str] = {}
    expected: dict[str, dict] = {}

    def add(name, content, **answer):
        files[name] = content
        expected[name] = answer

    add("empty.csv", b"", error="file is empty")
    add("header_only.csv", HEADER, error="has a header but no data rows")
    rng = random.Random(1)
    add("binary_garbage.csv", bytes(rng.randrange(256) for _ in range(4096)), error="binary data")
    add("zip_renamed.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), error="binary data")
    add("truncated.geojson", json.dumps({"type": "FeatureCollection", "features": [feature(
        {"type": "Point", "coordinates": [36.6, 35.9]})]})[:70], error="not valid JSON")  # fmt: skip
    add("latin1.geojson", json.dumps({"type": "FeatureCollection", "features": [feature(
        {"type": "Point", "coordinates": [36.6, 35.9]}, notes="Ma'arrat")]}, ensure_ascii=False).replace(
        "Ma'arrat", "Ma\u00e2rrat").encode("latin-1"), error="not utf-8 text")  # fmt: skip
    add("not_json.geojson", "this is not json\n", error="not valid JSON")
    add("empty_collection.geojson", '{"type": "FeatureCollection", "features": []}', error="holds no features")
    add("a_polygon_not_a_collection.geojson", '{"type": "Polygon", "coordinates": []}', error="expected a GeoJSON")
    add("garbage.parquet", b"PAR1 this is not really parquet", error="not a readable Parquet file")
    add("missing_coordinate_columns.csv", "event_date,place\n2020-02-27,Idlib\n", error="no longitude column")
    add("blank_coordinates.csv", HEADER + good(3) + "B1,2020-02-27,Battles,,36.6,1,x\nB2,2020-02-27,Battles,35.9, ,1,x\n",
        accepted=3, rejected={"missing latitude": 1, "missing longitude": 1})  # fmt: skip
    add("non_numeric_coordinates.csv", HEADER + good(2) + "B1,2020-02-27,Battles,35°55'N,36.6,1,x\n"
        "B2,2020-02-27,Battles,35.9,east,1,x\nB3,2020-02-27,Battles,nan,36.6,1,x\n",
        accepted=2, rejected={"non-numeric latitude": 2, "non-numeric longitude": 1})  # fmt: skip
    add("out_of_range.csv", HEADER + good(2) + "B1,2020-02-27,Battles,95.2,36.6,1,x\n"
        "B2,2020-02-27,Battles,35.9,236.6,1,x\nB3,2020-02-27,Battles,inf,36.6,1,x\nB4,2020-02-27,Battles,0,0,1,x\n",
        accepted=2, rejected={"latitude out of range": 2, "longitude out of range": 1, "coordinates 0, 0": 1})  # fmt: skip
    add("swapped_columns.csv", "event_date,latitude,longitude\n" + "".join(
        f"2020-02-{d:02d},36.{60 + d},35.{80 + d}\n" for d in range(1, 9)),
        accepted=0, rejected={"coordinates swapped": 8})  # fmt: skip
    add("impossible_dates.csv", HEADER + good(2) + "B1,2020-02-30,Battles,35.9,36.6,1,x\n"
        "B2,2019-13-01,Battles,35.9,36.6,1,x\nB3,2/3/2020,Battles,35.9,36.6,1,x\nB4,,Battles,35.9,36.6,1,x\n",
        accepted=2, rejected={"unparseable date": 3, "missing date": 1})  # fmt: skip
    add("bad_fatalities.csv", HEADER + good(2) + "B1,2020-02-27,Battles,35.9,36.6,-1,x\n"
        "B2,2020-02-27,Battles,35.9,36.6,2.5,x\nB3,2020-02-27,Battles,35.9,36.6,dozens,x\n",
        accepted=2, rejected={"bad fatalities": 3})  # fmt: skip
    add("too_many_fields.csv", HEADER + good(2) + "B1,2020-02-27,Battles,35.9,36.6,1,a, comma, too many\n",
        accepted=2, rejected={"too many fields": 1})  # fmt: skip
    add("polygons.geojson", json.dumps({"type": "FeatureCollection", "features": [
        feature({"type": "Point", "coordinates": [36.6, 35.9]}),
        feature({"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35], [36, 35.1], [36, 35]]]}),
        feature({"type": "LineString", "coordinates": [[36, 35], [36.1, 35]]}),
        feature(None), feature({"type": "Point", "coordinates": ["36.6", None]}), "not a feature"]}),
        accepted=1, rejected={"not a point": 2, "no geometry": 1, "bad coordinates": 1, "not a feature": 1})  # fmt: skip
    add("utm37n.geojson", json.dumps({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32637"}},
        "features": [feature({"type": "Point", "coordinates": [287386.0, 3978775.0]})]}),
        accepted=1, rejected={})  # fmt: skip
    add("huge_text_field.csv", HEADER + "G1,2020-02-27,Battles,35.9,36.6,1,\"" + "very long note " * 140_000 + "\"\n",
        accepted=1, rejected={})  # fmt: skip
    add("semicolon_decimal_comma.csv", "event_date;latitude;longitude;fatalities\n2020-02-27;35,9306;36,6339;3\n"
        "27 February 2020;35,8645;36,8059;0\n", accepted=2, rejected={})  # fmt: skip
    add("utf16.csv", codecs.BOM_UTF16_LE + (HEADER + good(2)).encode("utf-16-le"), accepted=2, rejected={})
    add("mixed_bag.csv", HEADER + good(5) + "B1,2020-02-27,Battles,,36.6,1,x\nB2,2020-02-30,Battles,35.9,36.6,1,x\n"
        "B3,2020-02-27,Battles,35.9,36.6,-4,x\n" + good(3), accepted=8,
        rejected={"missing latitude": 1, "unparseable date": 1, "bad fatalities": 1})  # fmt: skip
    # Found by the adversarial trial: values changed, rows swallowed, dates invented (issue 12).
    lines = good(1000).splitlines(keepends=True)
    lines[9] = lines[9].replace(",fine\n", ',"opens a quote that never closes\n')
    lines[499] = lines[499].replace(",fine\n", ',"a ""quoted"" note"\n')
    add("unclosed_quote.csv", HEADER + "".join(lines), error="a quote opened in this row does not close")
    lines = good(50).splitlines(keepends=True)
    lines[9] = lines[9].replace(",fine\n", ',"opens a quote at the end\n')
    add("unclosed_quote_at_end.csv", HEADER + "".join(lines), error="a quote opened in this row does not close")
    add("quoted_line_breaks.csv", HEADER + good(2) + 'Q1,2020-02-27,Battles,35.9,36.6,1,"a note\nover two lines"\n',
        accepted=3, rejected={})  # fmt: skip
    add("thousands_separator.csv", HEADER + good(2) + 'T1,2020-02-27,Battles,35.9,36.6,"1,000",x\n'
        'T2,2020-02-27,Battles,35.9,36.6,"12,345",x\nT3,2020-02-27,Battles,35.9,36.6,"1,234.0",x\n',
        accepted=5, rejected={})  # fmt: skip
    add("ambiguous_coordinates.csv", HEADER + good(2) + 'A1,2020-02-27,Battles,"35,930",36.6,1,x\n',
        accepted=2, rejected={"ambiguous number": 1})  # fmt: skip
    add("decimal_comma_column.csv", HEADER + 'D1,2020-02-27,Battles,"35,9306","36,6339",1,x\n'
        'D2,2020-02-27,Battles,"35,930","36,634",1,x\n', accepted=2, rejected={})  # fmt: skip
    add("fatalities_decimal_comma.csv", "event_date;latitude;longitude;fatalities\n2020-02-27;35,93;36,63;2,5\n"
        "2020-02-27;35,93;36,63;1,000\n2020-02-27;35,93;36,63;3\n",
        accepted=1, rejected={"bad fatalities": 1, "ambiguous number": 1})  # fmt: skip
    add("timezone_dates.csv", "event_date,latitude,longitude\n2020-02-27T01:30+03:00,35.9,36.6\n"
        "2020-02-27T00:00:00+0300,35.9,36.6\n2020-02-27T23:30Z,35.9,36.6\n", accepted=3, rejected={})  # fmt: skip
    add("relative_dates.csv", "event_date,latitude,longitude\ntoday,35.9,36.6\nNow,35.9,36.6\n2020-02-27,35.9,36.6\n",
        accepted=1, rejected={"relative date": 2})  # fmt: skip
    add("partial_dates.csv", "event_date,latitude,longitude\n2020,35.9,36.6\n2020-02,35.9,36.6\n"
        "February 2020,35.9,36.6\n2020-02-27,35.9,36.6\n", accepted=4, rejected={})  # fmt: skip
    add("geometry_column.csv", "event_date,latitude,longitude,geometry\n2020-02-27,35.9,36.6,POINT (36.6 35.9)\n",
        accepted=1, rejected={})  # fmt: skip
    add("deeply_nested.geojson", "[" * 100_000 + "]" * 100_000, error="nested too deeply")
    add("crs_as_list.geojson", json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": [
        "EPSG:4326"]}, "features": [feature({"type": "Point", "coordinates": [36.6, 35.9]})]}),
        error='"crs" is not a named CRS')  # fmt: skip
    add("zeros.csv", bytes(SNIFF_BYTES), error="binary data")
    point = Point(36.6, 35.9)
    two = gpd.GeoDataFrame({"event_date": ["2020-02-27"], "site": gpd.GeoSeries([point], crs=4326)},
                           geometry=[point], crs=4326)  # fmt: skip
    add("two_geometry_columns.parquet", _parquet(two), accepted=1, rejected={})
    named = gpd.GeoDataFrame({"event_date": ["2020-02-27"] * 2}, geometry=[point] * 2, crs=4326,
                             index=pd.Index(["SYR1", "SYR2"], name="event_id_cnty"))  # fmt: skip
    add("named_index.parquet", _parquet(named), accepted=2, rejected={})
    add("zero_rows.parquet", _parquet(named.iloc[:0]), error="holds no rows")
    for name, content in files.items():
        (HERE / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    (HERE / "EXPECTED.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
