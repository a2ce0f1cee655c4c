"""A user's data is never lost, invented or destroyed (the adversarial trial's findings).

Inputs named here are built by tests/data/bad/make_corpus.py or, where they need a folder, a
device or a size the corpus cannot hold, in the test itself.
"""

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import zonemap
from zonemap import ArgumentError, InputError, cli, read_incidents
from zonemap.output import FOLDER_MARKER

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
SAMPLE = ROOT / "geodata" / "incidents_sample.csv"
HEADER = "event_id_cnty,event_date,latitude,longitude,fatalities\n"


def run(*args, env=None, **kwargs):
    environment = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "zonemap", *map(str, args)], capture_output=True, env=environment,
                          cwd=ROOT, **kwargs)  # fmt: skip


def one_line_error(capsys, code, expected: str):
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("zonemap: error: ") and len(err.strip().splitlines()) == 1, err
    assert expected in err and "Traceback" not in err
    return err


# --- 1. Silent loss or change of data --------------------------------------------------------------


def test_unclosed_quote_refuses_the_file_naming_row_and_lines():
    with pytest.raises(InputError) as info:
        read_incidents(BAD / "unclosed_quote.csv")
    assert "row 10:" in str(info.value) and "lines 12-501" in str(info.value)


def test_quoted_line_breaks_in_a_note_are_kept():
    events = read_incidents(BAD / "quoted_line_breaks.csv")
    assert events.accepted["notes"].iloc[-1] == "a note\nover two lines"


def test_thousands_separators_are_thousands_never_decimals():
    fatalities = read_incidents(BAD / "thousands_separator.csv").accepted["fatalities"].tolist()
    assert fatalities[2:] == [1000.0, 12345.0, 1234.0]


def test_ambiguous_comma_is_rejected_and_a_decimal_comma_column_is_read():
    rejected = read_incidents(BAD / "ambiguous_coordinates.csv").rejected
    assert "'35,930'" in rejected["reason"].iloc[0]
    coordinates = read_incidents(BAD / "decimal_comma_column.csv").accepted[["latitude", "longitude"]]
    assert coordinates.values.tolist() == [[35.9306, 36.6339], [35.93, 36.634]]


def test_aware_times_keep_their_local_calendar_date():
    dates = read_incidents(BAD / "timezone_dates.csv").accepted["event_date"].dt.strftime("%Y-%m-%d")
    assert dates.tolist() == ["2020-02-27"] * 3


def test_aware_datetime_column_keeps_local_date():
    stamps = pd.Series(pd.to_datetime(["2020-02-27 00:30"]).tz_localize("Asia/Damascus"))
    frame = pd.DataFrame({"lon": [36.6], "lat": [35.9], "date": stamps})
    assert read_incidents(frame).accepted["event_date"].dt.day.tolist() == [27]


def test_relative_dates_are_refused():
    rejected = read_incidents(BAD / "relative_dates.csv").rejected
    assert rejected["kind"].tolist() == ["relative date", "relative date"]


def test_partial_dates_keep_their_precision_and_are_written_without_a_day(tmp_path):
    events = read_incidents(BAD / "partial_dates.csv")
    assert events.accepted["date_precision"].tolist() == ["year", "month", "month", "day"]
    out = tmp_path / "out.csv"
    assert (
        cli.main(["incidents", str(BAD / "partial_dates.csv"), "-o", str(out), "--summary", str(tmp_path / "s.csv")])
        == 0
    )
    assert pd.read_csv(out, dtype=str)["event_date"].tolist() == ["2020", "2020-02", "2020-02", "2020-02-27"]
    summary = pd.read_csv(tmp_path / "s.csv")
    everything = summary[summary["zone"] == "all incidents"]
    assert everything["events"].sum() == 3  # the year-only event is in no month


@pytest.mark.parametrize("name", ["utm37n.geojson", "two_geometry_columns.parquet", "named_index.parquet"])
def test_csv_output_of_geodata_keeps_location_and_every_column(tmp_path, name):
    out = tmp_path / "out.csv"
    assert cli.main(["incidents", str(BAD / name), "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert {"longitude", "latitude"} <= set(table.columns)
    assert np.allclose(table[["longitude", "latitude"]].to_numpy(), [36.6, 35.9], atol=0.05)
    if name == "named_index.parquet":
        assert table["event_id_cnty"].tolist() == ["SYR1", "SYR2"]
    if name == "two_geometry_columns.parquet":
        assert table["site"].tolist() == ["POINT (36.6 35.9)"]


def test_geometry_column_of_a_csv_is_kept(tmp_path):
    out = tmp_path / "out.csv"
    assert cli.main(["incidents", str(BAD / "geometry_column.csv"), "-o", str(out)]) == 0
    assert pd.read_csv(out)["geometry_in_file"].tolist() == ["POINT (36.6 35.9)"]


def test_two_geometry_columns_to_geojson(tmp_path):
    out = tmp_path / "out.geojson"
    assert cli.main(["incidents", str(BAD / "two_geometry_columns.parquet"), "-o", str(out)]) == 0
    assert gpd.read_file(out)["site"].tolist() == ["POINT (36.6 35.9)"]


def test_classify_refuses_a_frame_without_crs():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(300_000, 3_970_000)])
    with pytest.raises(InputError, match="no CRS"):
        zonemap.classify(frame)


def test_classify_answers_nothing_for_what_is_not_a_point():
    geometries = [shapely.Point(36.6, 35.9), None, shapely.Point(), shapely.box(36, 35, 36.1, 35.1),
                  shapely.Point(np.nan, 35.9)]  # fmt: skip
    with pytest.warns(zonemap.errors.ZonemapWarning, match="4 rows not classified"):
        result = zonemap.classify(gpd.GeoDataFrame({"id": range(5)}, geometry=geometries, crs=4326))
    assert len(result) == 5  # nothing dropped
    assert result["unclassified_reason"].tolist()[1:] == [
        "no geometry",
        "empty point",
        "not a point (Polygon)",
        "coordinates not a number",
    ]
    assert result["unclassified_reason"].isna().tolist() == [True, False, False, False, False]
    assert result["dist_2018_km"].isna().tolist() == [False, True, True, True, True]
    assert result["in_idlib_area"].isna().tolist() == [False, True, True, True, True]
    assert zonemap.zone_counts(result)["events"].iloc[0] == 5


def test_contact_line_with_a_gap_is_refused(tmp_path):
    parts = shapely.MultiLineString([[(36.2, 35.3), (36.5, 35.6)], [(36.7, 35.75), (37.0, 36.2)]])
    with pytest.raises(InputError, match=r"gap of \d+\.\d km between its parts near"):
        zonemap.sochi_dmz(parts)


def test_contact_line_with_a_nan_vertex_is_refused(tmp_path):
    path = tmp_path / "line.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
        '{"type": "LineString", "coordinates": [[36.3, 35.3], [NaN, 35.7], [36.9, 36.1]]}}]}'
    )
    with pytest.raises(InputError, match="vertex 2 of feature 1 of the contact line has no coordinates"):
        zonemap.sochi_dmz(str(path))


# --- 2. Destroying the user's files ------------------------------------------------------------------


@pytest.fixture
def events_csv(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(SAMPLE.read_bytes())
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["incidents", "{in}", "-o", "{in}"],
        ["incidents", "{in}", "-o", "{dir}/out.csv", "--rejects", "{in}"],
        ["incidents", "{in}", "-o", "{dir}/out.csv", "--summary", "{in}"],
        ["incidents", "{in}", "-o", "{dir}/./in.csv"],
        ["map", "--incidents", "{in}", "-o", "{in}"],
    ],
)
def test_an_output_that_is_an_input_is_refused_before_any_work(capsys, events_csv, args):
    before = events_csv.read_bytes()
    argv = [a.format(**{"in": events_csv, "dir": events_csv.parent}) for a in args]
    one_line_error(capsys, cli.main(argv), "is an input of this run")
    assert events_csv.read_bytes() == before
    assert sorted(p.name for p in events_csv.parent.iterdir()) == ["in.csv"]


def test_an_output_that_is_a_hard_link_to_the_input_is_refused(capsys, events_csv):
    os.link(events_csv, events_csv.parent / "alias.csv")
    code = cli.main(["incidents", str(events_csv), "-o", str(events_csv.parent / "alias.csv")])
    one_line_error(capsys, code, "is an input of this run")


def test_export_over_the_contact_line_it_reads_is_refused(capsys, tmp_path):
    line = tmp_path / "line.geojson"
    zonemap.contact_line("2018").to_file(line, driver="GeoJSON")
    before = line.read_bytes()
    one_line_error(capsys, cli.main(["export", "--format", "geojson", "-o", str(line), "--contact-line", str(line)]),
                   "is an input of this run")  # fmt: skip
    assert line.read_bytes() == before


def test_two_outputs_on_one_path_are_refused(capsys, events_csv):
    out = events_csv.parent / "out.csv"
    code = cli.main(["incidents", str(events_csv), "-o", str(out), "--rejects", str(out), "--summary", str(out)])
    one_line_error(capsys, code, "names the same file as -o")
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() != 0 and not os.path.exists("/dev/null"), reason="needs /dev/null")
@pytest.mark.parametrize("via_link", [False, True])
def test_a_device_is_never_replaced(capsys, tmp_path, events_csv, via_link):
    target = Path("/dev/null")
    if via_link:
        (tmp_path / "link.csv").symlink_to(target)
        target = tmp_path / "link.csv"
    one_line_error(capsys, cli.main(["incidents", str(events_csv), "-o", str(target)]), "not a regular file"
                   if not via_link else "symbolic link")  # fmt: skip
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_symlink_to_a_regular_file_is_refused(capsys, tmp_path, events_csv):
    (tmp_path / "real.csv").write_text("mine")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    one_line_error(capsys, cli.main(["incidents", str(events_csv), "-o", str(tmp_path / "link.csv")]), "symbolic link")
    assert (tmp_path / "real.csv").read_text() == "mine" and (tmp_path / "link.csv").is_symlink()


def test_dask_never_replaces_a_folder_zonemap_did_not_write(capsys, tmp_path, events_csv):
    pytest.importorskip("dask")
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"years of work")
    code = cli.main(["incidents", str(events_csv), "-o", str(folder) + ".parquet", "--engine", "dask"])
    assert code == 0  # a new folder is fine
    capsys.readouterr()
    os.rename(folder, tmp_path / "mine.parquet")
    code = cli.main(["incidents", str(events_csv), "-o", str(tmp_path / "mine.parquet"), "--engine", "dask"])
    one_line_error(capsys, code, "was not written by zonemap")
    assert (tmp_path / "mine.parquet" / "thesis.docx").read_bytes() == b"years of work"
    # zonemap's own folder is replaced
    assert (tmp_path / "thesis.parquet" / FOLDER_MARKER).is_file()
    assert cli.main(["incidents", str(events_csv), "-o", str(tmp_path / "thesis.parquet"), "--engine", "dask"]) == 0


def test_dask_output_onto_the_input_folder_is_refused(capsys, tmp_path):
    pytest.importorskip("dask")
    folder = tmp_path / "parts.parquet"
    folder.mkdir()
    (folder / "a.csv").write_bytes(SAMPLE.read_bytes())
    (folder / FOLDER_MARKER).write_text("pretend zonemap wrote it")
    one_line_error(capsys, cli.main(["incidents", str(folder), "-o", str(folder), "--engine", "dask"]),
                   "input of this run")  # fmt: skip
    assert (folder / "a.csv").exists()


def test_outputs_get_the_permissions_the_umask_asks_for(tmp_path, events_csv):
    old = os.umask(0o022)
    try:
        assert (
            cli.main(
                ["incidents", str(events_csv), "-o", str(tmp_path / "o.csv"), "--summary", str(tmp_path / "s.csv")]
            )
            == 0
        )
    finally:
        os.umask(old)
    for name in ("o.csv", "s.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_a_long_output_name_works_and_a_too_long_one_is_refused_up_front(capsys, tmp_path, events_csv, monkeypatch):
    long_name = tmp_path / ("x" * 246 + ".csv")  # 250 characters: its temporary name must still fit
    assert cli.main(["incidents", str(events_csv), "-o", str(long_name)]) == 0
    capsys.readouterr()
    read = []
    monkeypatch.setattr(zonemap.incidents.read, "read_incidents", lambda *a, **k: read.append(a))
    one_line_error(capsys, cli.main(["incidents", str(events_csv), "-o", str(tmp_path / ("y" * 300 + ".csv"))]),
                   "longer than the file system allows")  # fmt: skip
    assert read == []  # refused before any work


def test_outputs_are_renamed_only_once_all_are_written(tmp_path, events_csv, monkeypatch):
    written = []
    real_replace = os.replace

    def record(src, dst):
        written.append((Path(dst).name, sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", record)
    argv = ["incidents", str(events_csv), "-o", str(tmp_path / "o.csv"), "--rejects", str(tmp_path / "r.csv"),
            "--summary", str(tmp_path / "s.csv")]  # fmt: skip
    assert cli.main(argv) == 0
    assert [name for name, _ in written] == ["o.csv", "r.csv", "s.csv"]
    assert len(written[0][1]) == 3  # when the first rename happens, all three temporary files exist


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_half_way_leaves_old_outputs_and_no_temporary_file(capsys, tmp_path, events_csv, monkeypatch,
                                                                    signum, code):  # fmt: skip
    out = tmp_path / "out.csv"
    out.write_text("previous")
    real = pd.DataFrame.to_csv

    def half_then_signal(self, path, *args, **kwargs):
        real(self, path, *args, **kwargs)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_signal)
    assert cli.main(["incidents", str(events_csv), "-o", str(out)]) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


# --- 3. Folders and re-reading zonemap's own output -------------------------------------------------


def test_folder_skips_hidden_files_notes_and_logs_and_accepts_empty_parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.csv").write_bytes(SAMPLE.read_bytes())
    for junk in ("._a.csv", ".out.csv.1234abcd.tmp.csv", "README.txt", "run.log", "notes.json"):
        (folder / junk).write_text("not incidents, ,\n\x00")
    (folder / "b.parquet").write_bytes((BAD / "zero_rows.parquet").read_bytes())
    events = read_incidents(folder)
    assert events.rows_read == 12 and len(events.accepted) == 12


def test_folder_mixing_csv_geojson_and_parquet_has_one_schema(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.csv").write_text(HEADER + "x1,2020-02-27,35.9,36.6,1\n")
    features = [{"type": "Feature", "properties": {"event_id_cnty": 7, "event_date": "2020-02-28", "fatalities": 2},
                 "geometry": {"type": "Point", "coordinates": [36.6, 35.9]}}]  # fmt: skip
    (folder / "b.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    gpd.GeoDataFrame({"event_id_cnty": [8.5], "event_date": ["2020-02-29"]}, geometry=[shapely.Point(36.6, 35.9)],
                     crs=4326).to_parquet(folder / "c.parquet")  # fmt: skip
    events = read_incidents(folder)
    assert events.accepted["event_id_cnty"].tolist() == ["x1", "7", "8.5"]
    out = tmp_path / "out.parquet"
    assert cli.main(["incidents", str(folder), "-o", str(out)]) == 0
    assert pd.read_parquet(out)["event_id_cnty"].tolist() == ["x1", "7", "8.5"]


def test_dask_parts_share_one_schema(tmp_path):
    pytest.importorskip("dask")
    import pyarrow.parquet as pq

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.csv").write_text(HEADER + "x1,2020-02-27,35.9,36.6,1\n")
    (folder / "b.csv").write_text("event_id_cnty,event_date,latitude,longitude,notes\n7,2020-02-28,35.9,36.6,hi\n")
    out = tmp_path / "out.parquet"
    assert cli.main(["incidents", str(folder), "-o", str(out), "--engine", "dask"]) == 0
    schemas = [pq.read_schema(p).remove_metadata() for p in sorted(out.glob("part-*.parquet"))]
    assert len(schemas) == 2 and schemas[0].equals(schemas[1])
    assert read_incidents(out).accepted["event_id_cnty"].tolist() == ["x1", "7"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".geojson"])
def test_own_output_reads_back_for_three_generations(tmp_path, suffix):
    source = SAMPLE
    for generation in range(3):
        out = tmp_path / f"gen{generation}{suffix}"
        assert cli.main(["incidents", str(source), "-o", str(out)]) == 0
        source = out
    events = read_incidents(source)
    assert len(events.accepted) == 12 and not len(events.rejected)
    # each generation replaces the earlier run's answers (tests/test_reclassify.py): one earlier row, kept on reading
    assert "row_in_file" in events.accepted and "row_in_file_2" not in events.accepted


def test_warnings_are_counted_per_file(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text(HEADER + "x,2020-02-27,35.9,36.6,1\ny,2020-02-27,48.85,2.35,0\n")
    warnings = read_incidents(folder).warnings
    assert warnings == [
        "a.csv: 1 accepted rows lie outside Syria (row 2; check for swapped coordinates)",
        "b.csv: 1 accepted rows lie outside Syria (row 2; check for swapped coordinates)",
    ]


# --- 4. One line, exit 2, never a traceback ----------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["areas", "--width-km", "1e308", "1e308"], "more than the 200 km"),
        (["areas", "--corridor-km", "1e308"], "more than the 200 km"),
        (["areas", "--corridor-km", "1e5"], "more than the 200 km"),
        (["incidents", str(SAMPLE), "-o", "x.csv", "--encoding", "nope"], "unknown text encoding 'nope'"),
        (["incidents", "/dev/null", "-o", "x.csv"], "character device, not a regular file"),
    ],
)
def test_bad_options_and_inputs_give_one_line(capsys, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_line_error(capsys, cli.main(args), message)


@pytest.mark.parametrize(
    "line, message",
    [
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"accuracy_km": "about 5 km"},
          "geometry": {"type": "LineString", "coordinates": [[36.3, 35.3], [36.9, 36.1]]}}]},
         "accuracy_km 'about 5 km' is not a number of km"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
          "geometry": {"type": "LineString", "coordinates": [[36.3, 35.3], [36.9, 36.1]]}},
          {"type": "Feature", "properties": {}, "geometry": None}]}, "feature 2 of the contact line has no geometry"),
    ],
)  # fmt: skip
def test_bad_contact_line_files_give_one_line(capsys, tmp_path, line, message):
    path = tmp_path / "line.geojson"
    path.write_text(json.dumps(line))
    one_line_error(capsys, cli.main(["areas", "--contact-line", str(path)]), message)


def test_a_csv_without_geometry_as_a_line(capsys, tmp_path):
    path = tmp_path / "line.csv"
    path.write_text("a,b\n1,2\n")
    one_line_error(capsys, cli.main(["areas", "--contact-line", str(path)]), "holds no geometries")


def test_invalid_utf8_title_is_refused(tmp_path):
    result = run("figure", "-o", tmp_path / "f.png", "--title", os.fsdecode(b"caf\xe9"))
    assert result.returncode == 2 and b"not valid UTF-8" in result.stderr and b"Traceback" not in result.stderr


def test_a_closed_stdout_does_not_stop_the_work(tmp_path):
    out = tmp_path / "out.csv"
    command = f"{sys.executable} -m zonemap incidents {SAMPLE} -o {out} --summary {tmp_path / 's.csv'} | head -1"
    result = subprocess.run(["bash", "-c", command], capture_output=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            cwd=ROOT)  # fmt: skip
    assert result.returncode == 0 and result.stderr == b"", result.stderr
    assert len(pd.read_csv(out)) == 12 and (tmp_path / "s.csv").exists()


def test_a_large_file_of_zeros_is_called_binary_from_its_head(tmp_path, monkeypatch):
    path = tmp_path / "zeros.csv"
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024**3)  # a sparse 2 GB file of zeros
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read the whole file"))
    with pytest.raises(InputError, match="binary data"):
        read_incidents(path)


def test_disk_full_while_writing_gives_one_line_and_keeps_the_old_file(tmp_path):
    """A real write failure (file size limit, like a full disk) in GDAL's GeoPackage and GeoJSON writers."""
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))\n"
        "from zonemap.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    for fmt in ("gpkg", "geojson"):
        out = tmp_path / f"zones.{fmt}"
        out.write_text("previous")
        result = subprocess.run([sys.executable, "-c", script, "export", "--format", fmt, "-o", str(out)],
                                capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert "no such table" not in result.stderr
        assert out.read_text() == "previous"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_api_refuses_nonsense_clearly():
    frame = pd.DataFrame({1: [36.6], 2: [35.9], "date": ["2020-02-27"]})
    assert len(read_incidents(frame, lon=1, lat=2).accepted) == 1
    with pytest.raises(ArgumentError, match="must be a number of km"):
        zonemap.sochi_dmz(width_km=True)


def test_rows_outside_syria_are_named_and_written_on_request(tmp_path, capsys):
    source = tmp_path / "events.csv"
    rows = ["x,2020-02-27,35.9,36.6,1"] + [f"y{i},2020-02-27,48.85,2.{i}5,0" for i in range(7)]
    source.write_text(HEADER + "\n".join(rows) + "\n")
    out, away = tmp_path / "out.csv", tmp_path / "outside.csv"
    assert cli.main(["incidents", str(source), "-o", str(out), "--outside", str(away)]) == 0
    assert "7 accepted rows lie outside Syria (row 2, 3, 4, 5, 6, …;" in capsys.readouterr().out
    table = pd.read_csv(away)
    assert table["row"].tolist() == list(range(2, 9)) and table["event_id_cnty"].str.startswith("y").all()


def test_classified_incidents_to_geopackage_with_real_dates(tmp_path):
    import sqlite3

    out = tmp_path / "events.gpkg"
    assert cli.main(["incidents", str(BAD / "partial_dates.csv"), "-o", str(out)]) == 0
    with sqlite3.connect(out) as db:
        fields = dict(row[1:3] for row in db.execute("PRAGMA table_info(incidents)"))
        days = [row[0] for row in db.execute("SELECT event_day FROM incidents ORDER BY fid")]
        text = [row[0] for row in db.execute("SELECT event_date_text FROM incidents ORDER BY fid")]
    assert fields["event_day"] == "DATE"
    assert days == [None, None, None, "2020-02-27"] and text == ["2020", "2020-02", "2020-02", "2020-02-27"]


def test_a_closed_pipe_ends_quietly():
    result = subprocess.run(["bash", "-c", f"{sys.executable} -m zonemap areas | head -1"], capture_output=True,
                            cwd=ROOT)  # fmt: skip
    assert result.returncode == 0 and result.stderr == b"" and result.stdout.startswith(b"zone")
