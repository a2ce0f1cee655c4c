"""The incident path under an adversarial trial: one bad row never costs the good ones, no output
lands on an input, CSV cells never run as formulas, GeoPackage names never crash, options fail in
one line, and interrupted runs' litter is cleared (issue 26)."""

import os
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import zonemap
from zonemap import cli
from zonemap.errors import ArgumentError, InputError
from zonemap.incidents import csv_stream, formats, read, summary
from zonemap.model import data
from zonemap.output import FOLDER_MARKER, STALE_AFTER_S, remove_stale_temporaries

SARAQIB = (36.8059, 35.8645)
BAD_DATES = ["9999-12-31", "2604-06-01", "2262-04-12", "1677-09-21", "1583-01-01", "0001-01-01"]


def write_csv(path, rows, header="longitude,latitude,event_date,notes"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def good_row(day="2020-02-27", notes="ok"):
    return f"{SARAQIB[0]},{SARAQIB[1]},{day},{notes}"


def incidents(*args):
    return cli.main(["incidents", *map(str, args)])


# 1. Out-of-range dates -------------------------------------------------------------------------


def test_out_of_range_dates_are_rejects_with_their_reason_and_the_rest_is_written(tmp_path, capsys):
    rows = [good_row(), *(good_row(day) for day in BAD_DATES), good_row("27 February 9999"), good_row()]
    source = write_csv(tmp_path / "events.csv", rows)
    out, rejects = tmp_path / "out.parquet", tmp_path / "rejects.csv"
    assert incidents(source, "-o", out, "--rejects", rejects) == 0, capsys.readouterr().err
    written = gpd.read_parquet(out)
    assert written["row"].tolist() == [1, len(rows)]
    rejected = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert rejected["row"].tolist() == [str(r) for r in range(2, len(rows))]
    assert set(rejected["kind"]) == {"date out of range"}
    assert rejected["reason"].iloc[0] == "date 9999-12-31 outside the range zonemap can judge (1678-2261)"
    assert rejected["reason"].iloc[-1] == "date 27 February 9999 outside the range zonemap can judge (1678-2261)"


def test_a_bad_date_in_the_last_chunk_of_many_costs_only_its_row(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 16_384)  # many chunks of a small file
    monkeypatch.setattr(formats, "CHUNK_BYTES", 32_768)
    n = 4000
    rows = [good_row(notes=f"event {i}") for i in range(n - 1)] + [good_row("9999-12-31", "last")]
    source = write_csv(tmp_path / "events.csv", rows)
    chunks = list(read.read_chunks(source))
    assert len(chunks) >= 4 and len(chunks[-1].rejected) == 1  # the bad row is in the last chunk
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    assert incidents(source, "-o", out, "--rejects", rejects) == 0
    assert f"{n:,} rows read, {n - 1:,} accepted, 1 rejected (1 date out of range)" in capsys.readouterr().out
    assert len(pd.read_csv(out)) == n - 1
    assert pd.read_csv(rejects)["row"].tolist() == [n]


def test_geoparquet_timestamps_in_year_2500_are_rejected_not_fatal(tmp_path, capsys):
    days = np.array(["2020-02-27", "2500-01-01", "2019-06-01"], dtype="datetime64[us]")
    frame = gpd.GeoDataFrame(
        {"event_date": pd.Series(days), "fatalities": [1, 2, 3]},
        geometry=[shapely.Point(*SARAQIB)] * 3,
        crs="EPSG:4326",
    )
    source = tmp_path / "events.parquet"
    frame.to_parquet(source)
    events = zonemap.read_incidents(source)
    assert events.accepted["row"].tolist() == [1, 3]
    assert events.rejected["kind"].tolist() == ["date out of range"]
    assert "2500-01-01" in events.rejected["reason"].iloc[0]
    assert incidents(source, "-o", tmp_path / "out.parquet") == 0, capsys.readouterr().err
    assert len(gpd.read_parquet(tmp_path / "out.parquet")) == 2


def test_a_failure_while_reading_names_the_input_never_the_output(tmp_path, monkeypatch, capsys):
    from zonemap.incidents import values

    def fail(text):
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(values, "_REMEMBERED_DATES", {})
    monkeypatch.setattr(values, "_parse_date_text", fail)
    source = write_csv(tmp_path / "e.csv", [good_row()])
    assert incidents(source, "-o", tmp_path / "out.csv") == 2
    err = capsys.readouterr().err
    assert f"{source}: could not be read (Python int too large" in err and "could not be written" not in err


# 2. Accuracies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stated", ["-5", "inf", "five", "1e308", "-inf", "nan"])
def test_an_accuracy_that_is_not_a_distance_is_a_reject_with_its_reason(tmp_path, stated):
    source = write_csv(
        tmp_path / "e.csv", [good_row() + ",1", good_row() + f",{stated}"], "lon,lat,date,notes,accuracy_km"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning leaks
        events = zonemap.read_incidents(source)
        classified = zonemap.classify(events.accepted)
    assert events.rejected["kind"].tolist() == ["bad accuracy"]
    assert events.rejected["reason"].iloc[0] == f"accuracy_km {stated!r} is not a distance of 0 to 1,000 km"
    assert classified["accuracy_basis"].tolist() == ["accuracy_km"]


def test_decimal_comma_accuracies_follow_the_file_and_a_missing_one_says_it_took_the_default(tmp_path):
    comma = write_csv(tmp_path / "c.csv", [good_row() + ',"1,5"', good_row() + ","], "lon,lat,date,notes,accuracy_km")
    events = zonemap.read_incidents(comma)
    assert events.accepted["accuracy_km"].tolist()[0] == 1.5 and np.isnan(events.accepted["accuracy_km"].iloc[1])
    classified = zonemap.classify(events.accepted)
    assert classified["accuracy_basis"].tolist() == ["accuracy_km", "default 2 km (none stated)"]
    ambiguous = write_csv(tmp_path / "a.csv", [good_row() + ',"1,500"'], "lon,lat,date,notes,accuracy_km")
    assert zonemap.read_incidents(ambiguous).rejected["kind"].tolist() == ["ambiguous number"]
    semicolons = tmp_path / "s.csv"
    semicolons.write_text("lon;lat;date;accuracy_km\n36,8059;35,8645;2020-02-27;1,500\n", encoding="utf-8")
    assert zonemap.read_incidents(semicolons).accepted["accuracy_km"].tolist() == [1.5]


# 3. Partial dates against the zones' validity --------------------------------------------------


def partial_events(dates, precision, point=SARAQIB):
    n = len(dates)
    return gpd.GeoDataFrame(
        {"event_date": pd.to_datetime(dates), "date_precision": precision, "fatalities": [1.0] * n},
        geometry=[shapely.Point(*point)] * n,
        crs="EPSG:4326",
    )


def test_a_year_before_a_zone_is_outside_it_and_one_straddling_its_start_is_uncertain_by_its_share():
    frame = partial_events(["2017-01-01", "2018-01-01", "2019-01-01"], ["year"] * 3)
    result = zonemap.classify(frame)
    fixed = zonemap.classify(frame, as_of=None)
    assert fixed["in_dmz_20km_2018_line"].tolist() == [True] * 3  # Saraqib lies in the band
    assert result["in_dmz_20km_2018_line"].tolist()[0] is False
    assert result["in_dmz_20km_2018_line"].isna().tolist() == [False, True, False]  # 2018: the DMZ began 17 Sep
    assert bool(result["in_dmz_20km_2018_line"].iloc[2]) is True
    share = (np.datetime64("2019-01-01") - np.datetime64("2018-09-17")).astype(int) / 365
    p = fixed["p_in_dmz"].to_numpy()
    assert result["p_in_dmz"].tolist() == pytest.approx([0.0, p[1] * share, p[2]])
    assert result["dmz_status"].tolist()[:2] == ["outside", "uncertain"]
    counts = summary.zone_counts(result).set_index("zone")
    # the band: 2019 surely in force (counted; p 0.6 leaves it uncertain in position), 2018 only by its share
    band = counts.loc["dmz_20km_2018_line"]
    assert band["events"] == 1 and band["certain_inside"] == 0 and band["uncertain_inside"] == 1  # 2019
    assert band["uncertain_outside"] == 1  # 2018: not counted inside, but p = its share of p, so may be
    assert band["expected"] == pytest.approx(p[1] * share + p[2])
    assert counts.loc["idlib_area", "date_uncertain"] == 1  # 2017: the Idlib area began on 4 May


def test_a_month_straddling_the_m4_corridors_start_is_uncertain_one_before_is_outside():
    ariha = zonemap.place("Ariha")
    frame = partial_events(["2020-02-01", "2020-03-01", "2020-04-01"], ["month"] * 3, (ariha.x, ariha.y))
    result = zonemap.classify(frame)
    corridor = result["in_m4_corridor"]
    assert corridor.isna().tolist() == [False, True, False]
    assert [bool(corridor.iloc[0]), bool(corridor.iloc[2])] == [False, True]
    counts = summary.zone_counts(result).set_index("zone")
    assert counts.loc["m4_corridor", "events"] == 1 and counts.loc["m4_corridor", "date_uncertain"] == 1


def test_summaries_count_a_month_straddling_a_zones_start_apart_in_every_chunk(tmp_path, monkeypatch):
    """March 2020 at Ariha: the M4 corridor began on 6 Mar, so the month's row is neither in its events
    nor outside it, but ``date_uncertain``, in the monthly summary and the zone counts; the same over
    many chunks as in one, and every row is accounted for."""
    ariha = zonemap.place("Ariha")
    row_of = {"2020-03": "march", "2020-03-10": "day", "2020-02": "feb"}
    rows = [f"{ariha.x},{ariha.y},{day},{what}" for day, what in row_of.items()] * 300
    source = write_csv(tmp_path / "events.csv", rows)
    one = tmp_path / "one.csv"
    assert incidents(source, "-o", tmp_path / "o1.csv", "--summary", one) == 0
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 4_096)  # many chunks
    monkeypatch.setattr(formats, "CHUNK_BYTES", 8_192)
    assert len(list(read.read_chunks(source))) >= 3
    many = tmp_path / "many.csv"
    assert incidents(source, "-o", tmp_path / "o2.csv", "--summary", many) == 0
    for path in (one, many):
        table = pd.read_csv(path).set_index(["zone", "month"])
        m4 = table.loc[("m4_corridor", "2020-03")]
        assert (m4["events"], m4["date_uncertain"]) == (300, 300)  # the days inside, the month unknown
        assert ("m4_corridor", "2020-02") not in table.index  # February: wholly before, outside
        assert table.loc[("all incidents", "2020-03"), "events"] == 600
        assert pd.isna(table.loc[("idlib_area", "2020-03"), "date_uncertain"])  # in force all month
    pd.testing.assert_frame_equal(pd.read_csv(one), pd.read_csv(many))


# 4. Outputs never on inputs --------------------------------------------------------------------


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    write_csv(folder / "a.csv", [good_row(), good_row("2019-06-01")])
    write_csv(folder / "b.csv", [good_row("2018-10-01")])
    return folder


@pytest.mark.parametrize("option", ["-o", "--rejects", "--summary", "--period-summary", "--outside"])
@pytest.mark.parametrize("name", ["a.csv", "new.csv"])
def test_no_output_lands_inside_an_input_folder(tmp_path, parts, option, name, capsys):
    before = (parts / "a.csv").read_bytes()
    outputs = {"-o": tmp_path / "out.csv", option: parts / name}
    args = [x for pair in outputs.items() for x in map(str, pair)]
    assert incidents(parts, *args) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"lies inside {parts}, which this run reads" in error
    assert (parts / "a.csv").read_bytes() == before and not (parts / "new.csv").exists()
    assert sorted(p.name for p in parts.iterdir()) == ["a.csv", "b.csv"]


def test_map_of_a_folder_never_writes_into_it_and_shipped_data_is_an_input(parts, capsys):
    assert cli.main(["map", "--incidents", str(parts), "-o", str(parts / "a.csv")]) == 2
    shipped = data.geodata_dir() / "places.geojson"
    before = shipped.read_bytes()
    assert cli.main(["export", "--format", "geojson", "-o", str(shipped)]) == 2
    assert "which this run reads" in capsys.readouterr().err
    assert shipped.read_bytes() == before


def test_the_dask_engine_never_deletes_a_users_file_in_its_output_folder(tmp_path, capsys):
    pytest.importorskip("dask_geopandas")
    source = tmp_path / "in"
    source.mkdir()
    zonemap.synthetic_incidents(20, seed=3).to_parquet(source / "a.parquet")
    out = tmp_path / "o.parquet"
    assert incidents(source, "-o", out, "--engine", "dask") == 0
    assert (out / FOLDER_MARKER).read_text().splitlines()[1:] == ["part-00000.parquet"]
    (out / "my_notes.txt").write_text("mine")
    assert incidents(source, "-o", out, "--engine", "dask") == 2
    assert "holds 'my_notes.txt', which zonemap did not write" in capsys.readouterr().err
    assert (out / "my_notes.txt").read_text() == "mine"
    (out / "my_notes.txt").unlink()
    assert incidents(source, "-o", out, "--engine", "dask") == 0  # its own folder: replaced


# 5. CSV cells that would run as formulas -------------------------------------------------------

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]


def test_every_csv_zonemap_writes_escapes_formulas_and_keeps_numbers(tmp_path, capsys):
    rows = [good_row(notes=f'"{f}"') for f in FORMULAS] + [good_row(notes="-36.6"), "200,35,2020-02-27,=BAD()"]
    rows.append("8.0,45.0,2020-02-27,=AWAY()")  # accepted, outside Syria
    source = write_csv(tmp_path / "e.csv", rows)
    outs = {name: tmp_path / f"{name}.csv" for name in ("out", "rejects", "summary", "outside")}
    args = ["-o", outs["out"], "--rejects", outs["rejects"], "--summary", outs["summary"], "--outside", outs["outside"]]
    assert incidents(source, *args) == 0, capsys.readouterr().err
    out = outs["out"].read_bytes()
    for formula in FORMULAS:
        cell = f"'{formula}".encode()
        assert cell in out or f'"{cell.decode()}"'.encode() in out
    assert b",-36.6," in out and b"'-36.6" not in out  # a number stays a number
    assert b",-2+3," not in out
    assert b"'=BAD()" in outs["rejects"].read_bytes() and b",200," in outs["rejects"].read_bytes()
    assert b"'=AWAY()" in outs["outside"].read_bytes()
    raw = tmp_path / "raw.csv"
    assert incidents(source, "-o", raw, "--raw-csv-cells") == 0
    assert b",=1+1," in raw.read_bytes() and b"'=1+1" not in raw.read_bytes()


def test_write_rejects_escapes_by_default_and_keeps_raw_cells_on_request(tmp_path):
    events = zonemap.read_incidents(pd.DataFrame({"lon": [500.0], "lat": [35.0], "note": ["=HYPERLINK(1)"]}))
    events.write_rejects(tmp_path / "r.csv")
    events.write_rejects(tmp_path / "raw.csv", raw_csv_cells=True)
    assert b"'=HYPERLINK(1)" in (tmp_path / "r.csv").read_bytes()
    assert b",=HYPERLINK(1)" in (tmp_path / "raw.csv").read_bytes()


# 6. GeoPackage column names --------------------------------------------------------------------


def test_geopackage_maps_reserved_and_repeated_column_names_and_keeps_every_value(tmp_path, capsys):
    names = ["Geometry", "GEOMETRY", "geom", "fid", "event_date_text", "event_day", "Notes", "notes"]
    source = write_csv(
        tmp_path / "e.csv",
        [f"{SARAQIB[0]},{SARAQIB[1]},2020-02-27," + ",".join(f"v{i}" for i in range(len(names)))],
        "longitude,latitude,event_date," + ",".join(names),
    )
    out = tmp_path / "out.gpkg"
    assert incidents(source, "-o", out) == 0
    err = capsys.readouterr().err
    assert err.count("GeoPackage columns renamed") == 1 and "fid -> fid_1" in err and "notes -> notes_1" in err
    back = gpd.read_file(out)
    renamed = ["Geometry_1", "GEOMETRY_2", "geom_1", "fid_1", "event_date_text_1", "event_day_1", "Notes", "notes_1"]
    assert [back[c].iloc[0] for c in renamed] == [f"v{i}" for i in range(len(names))]
    assert back["event_date_text"].iloc[0] == "2020-02-27" and str(back["event_day"].iloc[0])[:10] == "2020-02-27"
    assert pyogrio.read_info(out)["geometry_type"] == "Point"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


# 7. Options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--width-km", "1e-300", "20"], "--width-km"),
        (["--corridor-km", "1e-300"], "--corridor-km"),
        (["--period-summary", "p.csv", "--fixed-lines"], "--fixed-lines"),
        (["--encoding", "rot13"], "--encoding"),
        (["--lon-column", "lat", "--lat-column", "LAT"], "--lon-column and --lat-column"),
    ],
)
def test_bad_options_are_named_in_one_line(tmp_path, monkeypatch, capsys, extra, says):
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "e.csv", [good_row()], "lon,lat,date,notes")
    assert incidents("e.csv", "-o", "out.csv", *extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "could not be written" not in err
    assert not (tmp_path / "out.csv").exists()


def test_two_latitude_columns_are_refused_saying_which_could_be_used(tmp_path, capsys):
    source = write_csv(
        tmp_path / "e.csv", [f"{SARAQIB[0]},{SARAQIB[1]},1,2020-02-27"], "longitude,latitude,latitude,date"
    )
    assert incidents(source, "-o", tmp_path / "o.csv") == 2
    assert "2 columns ('latitude', 'latitude.1') could each be the latitude" in capsys.readouterr().err
    assert incidents(source, "-o", tmp_path / "o.csv", "--lat-column", "latitude") == 0
    with pytest.raises(InputError, match="both name column"):
        zonemap.read_incidents(pd.DataFrame({"a": [1.0]}), lon="a", lat="a")


def test_a_long_zone_name_is_echoed_short_and_wrong_types_are_refused(capsys):
    assert cli.main(["places", "--in", "x" * 100_000]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 400 and "100,000 ch" in err
    with pytest.raises(ArgumentError, match="must be text"):
        zonemap.place(["Idlib"])
    with pytest.raises(ArgumentError, match="kinds must be a list"):
        zonemap.places_in("dmz_20km", kinds="town")
    with pytest.raises(ArgumentError, match="less than the 0.01 km"):
        zonemap.zone_model(width_km=(1e-300, 20))


def test_a_text_transform_is_not_an_encoding_in_python_either(tmp_path):
    source = write_csv(tmp_path / "e.csv", [good_row()])
    with pytest.raises(InputError, match="'rot13' is not an encoding of text as bytes"):
        zonemap.read_incidents(source, encoding="rot13")


# 8. Interrupted runs' temporaries --------------------------------------------------------------


def test_stale_temporaries_of_zonemap_are_removed_and_nothing_else(tmp_path, capsys):
    source = write_csv(tmp_path / "e.csv", [good_row()])
    old = time.time() - STALE_AFTER_S - 60
    names = {
        ".out.parquet.0badc0de.tmp.parquet": old,  # zonemap's, left by a killed run: removed
        ".out.parquet.1234abcd.tmp.parquet": time.time(),  # zonemap's, fresh (a run in progress?): kept
        ".out.parquet.notes.tmp.parquet": old,  # the user's, of a similar name: kept
        ".other.parquet.0badc0de.tmp.parquet": old,  # another target's: kept
        "out.parquet.0badc0de.tmp.parquet": old,  # not hidden: not zonemap's pattern, kept
    }
    for name, when in names.items():
        (tmp_path / name).write_text("x")
        os.utime(tmp_path / name, (when, when))
    assert incidents(source, "-o", tmp_path / "out.parquet") == 0
    left = sorted(p.name for p in tmp_path.iterdir())
    assert ".out.parquet.0badc0de.tmp.parquet" not in left
    assert set(names) - {".out.parquet.0badc0de.tmp.parquet"} <= set(left)


def test_a_stale_temporary_folder_goes_only_if_it_holds_zonemaps_marker(tmp_path):
    old = time.time() - STALE_AFTER_S - 60
    for name, marked in ((".o.parquet.0badc0de.tmp", True), (".o.parquet.1badc0de.tmp", False)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / ("part-00000.parquet" if marked else "mine.txt")).write_text("x")
        if marked:
            (folder / FOLDER_MARKER).write_text("written by zonemap\n")
        for path in (*folder.iterdir(), folder):
            os.utime(path, (old, old))
    removed = remove_stale_temporaries(tmp_path / "o.parquet", folder=True)
    assert [p.name for p in removed] == [".o.parquet.0badc0de.tmp"]
    assert (tmp_path / ".o.parquet.1badc0de.tmp" / "mine.txt").exists()
