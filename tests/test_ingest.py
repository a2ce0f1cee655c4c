"""The streaming ingest (zonemap incidents FILE -o OUT): chunked reading, fast parsing that agrees with
the careful one, the model cache, lazy imports, and the dask engine's meta and shared model."""

import contextlib
import os
import pickle
import subprocess
import sys
import threading

import cloudpickle
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

import zonemap
from zonemap import classify
from zonemap.errors import ZonemapWarning
from zonemap.incidents import csv_stream, formats, stream, write
from zonemap.incidents import read as incident_read
from zonemap.incidents import rows as incident_rows
from zonemap.incidents import values as parsing
from zonemap.model import cache


@pytest.fixture(scope="module")
def model():
    return zonemap.zone_model()


@pytest.fixture(scope="module")
def hand_model():
    """The model over the hand-digitised timeline, two of whose lines are the fixed lines of 2018 and 2020."""
    return zonemap.zone_model(timeline="hand")


def _acled_csv(path, n, seed=3, bad=()):
    """A small ACLED-like CSV (dates in ACLED's long form); ``bad`` (row index, column, text) spoils rows."""
    events = zonemap.synthetic_incidents(n, seed=seed).drop(columns="geometry")
    events["event_date"] = events["event_date"].dt.strftime("%d %B %Y")
    events = events.astype(str)
    for row, column, text in bad:
        events.loc[row, column] = text
    events.to_csv(path, index=False)
    return path


BAD = [(3, "latitude", ""), (7, "longitude", "abc"), (11, "event_date", "30 February 2020"), (15, "fatalities", "-1"),
       (20, "latitude", "95.5"), (25, "event_date", "today"), (31, "longitude", "0"), (31, "latitude", "0"),
       (40, "fatalities", "1,000")]  # fmt: skip


def test_chunked_file_matches_the_whole_file_read_and_classified(tmp_path, monkeypatch, model):
    source = _acled_csv(tmp_path / "events.csv", 3000, bad=BAD)
    whole = incident_read.read_incidents(source)
    expected = classify(whole.accepted, model)
    monkeypatch.setattr(csv_stream, "BLOCK_BYTES", 16_384)  # many chunks of a small file
    monkeypatch.setattr(formats, "CHUNK_BYTES", 32_768)
    assert len(list(incident_read.read_chunks(source))) > 5
    out = tmp_path / "out.parquet"
    tally = stream.classify_file(source, out, model, fmt="parquet")
    # 7 rejected: row 31's two spoilt values make one reject; "1,000" deaths is a thousand
    assert (tally.rows_read, tally.accepted) == (3000, len(expected)) == (3000, 3000 - 7)
    assert tally.rejected()["kind"].tolist() == whole.rejected["kind"].tolist()
    assert tally.rejected()["reason"].tolist() == whole.rejected["reason"].tolist()
    written = pq.read_table(out)
    assert pq.ParquetFile(out).metadata.num_row_groups > 5
    reference = tmp_path / "reference.parquet"
    write.write_incidents(expected, reference)  # one chunk, geopandas' own conversion
    assert written.equals(pq.read_table(reference))
    assert written.schema.metadata == pq.read_table(reference).schema.metadata
    # the schema, geometry field metadata included, as geopandas writes it (taken from one row)
    own = tmp_path / "geopandas.parquet"
    expected.to_parquet(own, index=False)
    assert written.schema.field("geometry").metadata == pq.read_schema(own).field("geometry").metadata
    assert written.schema.remove_metadata() == pq.read_schema(own).remove_metadata()


def test_streamed_text_is_read_as_pandas_own_text_type(tmp_path):
    """Arrow reads text as large_string, what pandas' text columns hold: chunks reach pandas without
    a copy (plain string arrays were converted value by value, a third of the reading time)."""
    opened = csv_stream.open_csv(_acled_csv(tmp_path / "events.csv", 10), None)
    with contextlib.closing(opened):
        assert {field.type for field in opened.reader.schema} == {pa.large_string()}


def test_points_wkb_is_shapelys():
    frame = zonemap.synthetic_incidents(50, seed=1)
    table = write._points_to_arrow(frame)
    assert table["geometry"].to_pylist() == list(shapely.to_wkb(frame.geometry.to_numpy()))
    assert table.column_names == list(frame.columns)
    frame.loc[3, "geometry"] = shapely.Point(36.0, 35.0, 10.0)  # not 2D: geopandas converts it
    assert write._points_to_arrow(frame) is None


@pytest.mark.parametrize(
    "values",
    [
        ["35.5", "-36.25", "1e2", "0.000001", "180"],
        ["35.5", "", "36"],
        ["35,5", "36.1"],
        [" 35.5", "36.1"],
        ["nan", "36.1"],
        ["inf", "1"],
        ["1,000", "2,5", "3"],
        ["1,000", "2,000", "3,000,000"],
    ],
)
@pytest.mark.parametrize("whole", [False, True])
def test_fast_number_parsing_agrees_with_the_careful_one(values, whole):
    many = pd.Series(values * 30, dtype="str")  # few distinct values: read once each
    for series in (many, pd.Series(values, dtype="str"), pd.Series(values, dtype=object)):
        fast = parsing._numbers(series, whole=whole)
        careful = parsing._numbers_of_text(series, whole, False)
        for got, want in zip(fast, careful):
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_random_decimal_text_parses_as_pandas_does():
    rng = np.random.default_rng(5)
    text = [f"{x:.{d}f}" for x, d in zip(rng.uniform(-180, 180, 20000), rng.integers(0, 17, 20000))]
    np.testing.assert_array_equal(parsing._plain_numbers(pd.Series(text)), pd.to_numeric(pd.Series(text)).to_numpy())


def test_dates_read_once_per_distinct_value_agree_with_each_row_read():
    values = ["2020-02-27", "27 February 2020", "2020-02-30", "", "today", "2020-02", "2020", " 2020-03-01 "] * 10
    series = pd.Series(values, dtype="str")
    dates, precision, text, relative = parsing._dates_of_text(series)
    one_by_one = [parsing._parse_date_text(pd.Series([v])) for v in values]
    assert dates.tolist() == [d.iloc[0] for d, _ in one_by_one] or all(
        (a is pd.NaT and b.iloc[0] is pd.NaT) or a == b.iloc[0] for a, (b, _) in zip(dates, one_by_one)
    )
    assert list(precision) == [p[0] for _, p in one_by_one]
    assert list(text.take(np.arange(len(values)))) == [v.strip() for v in values]
    assert list(relative) == [v == "today" for v in values]


def test_distinct_dates_are_read_once_per_process_with_the_same_answers(monkeypatch):
    values = ["2020-02-27", "27 February 2020", "2020-02-30", "", "today", "2020-02", "2020", " 2020-03-01 "]
    distinct = pd.Series(values + [None, np.nan], dtype=object)
    expected_dates, expected_precision = parsing._parse_date_text(distinct)
    monkeypatch.setattr(parsing, "_REMEMBERED_DATES", {})
    read = []
    parse = parsing._parse_date_text
    monkeypatch.setattr(parsing, "_parse_date_text", lambda text: read.append(len(text)) or parse(text))
    for _ in range(2):  # the second time from memory: only the missing values are read again
        dates, precision = parsing._parse_remembered_dates(distinct)
        pd.testing.assert_series_equal(dates, expected_dates, check_names=False)
        assert list(precision) == list(expected_precision)
    assert read == [10, 2]
    monkeypatch.setattr(parsing, "REMEMBERED_DATES", 3)  # full: emptied, still right
    dates, _ = parsing._parse_remembered_dates(pd.Series(["2021-01-01", "2019-05-05"], dtype=object))
    assert dates.tolist() == [pd.Timestamp("2021-01-01"), pd.Timestamp("2019-05-05")]
    assert len(parsing._REMEMBERED_DATES) == 2


def test_a_chunk_without_rejects_gets_the_same_empty_frame_as_before():
    table = pd.DataFrame({"event_date": ["x"], "row": ["7"], "__lon": [1.0]}, index=[5]).astype({"event_date": "str"})
    empty = table.iloc[:0]
    fast = incident_rows._rejects(empty, [], [])
    pd.testing.assert_frame_equal(fast, incident_rows._rejects_of(empty, [], []))
    assert fast.columns.tolist() == ["row", "kind", "reason", "event_date", "row_in_file"]
    fast["changed"] = 1  # a copy: the next chunk's frame is the same as ever
    assert "changed" not in incident_rows._rejects(empty, [], []).columns


def test_the_reading_thread_runs_at_a_lower_priority_than_the_others():
    if not hasattr(os, "setpriority"):
        pytest.skip("no per-thread priorities here")
    me = threading.get_native_id()
    before = os.getpriority(os.PRIO_PROCESS, me)
    seen = []

    def items():
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        yield 1

    assert list(stream.read_ahead(items(), start=stream.lower_priority)) == [1]
    assert seen == [min(before + stream.BACKGROUND_NICE, 19)]
    assert os.getpriority(os.PRIO_PROCESS, me) == before  # the calling thread keeps its own


def test_read_ahead_raises_where_the_item_would_have_been():
    def items():
        yield 1
        yield 2
        raise csv_stream.IrregularCSV()

    got = []
    with pytest.raises(csv_stream.IrregularCSV):
        for item in stream.read_ahead(items()):
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_stops_its_thread_when_the_consumer_stops():
    produced = []

    def items():
        for i in range(1000):
            produced.append(i)
            yield i

    for item in stream.read_ahead(items()):
        if item == 2:
            break
    assert len(produced) <= 5


def test_an_irregular_csv_is_read_again_carefully(tmp_path, model):
    source = tmp_path / "ragged.csv"
    source.write_text("event_date,latitude,longitude\n2020-01-01,35.9,36.6\n2020-01-02,35.9,36.6,extra\n")
    tally = stream.classify_file(source, tmp_path / "out.csv", model, fmt="csv")
    assert (tally.rows_read, tally.accepted) == (2, 1)
    assert tally.rejected()["kind"].tolist() == ["too many fields"]


def test_the_model_cache_builds_once_and_follows_the_options(tmp_path, monkeypatch):
    from zonemap.model import compiled

    monkeypatch.setenv("ZONEMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_package_digest", lambda: "0")  # others may be editing zonemap meanwhile
    builds = []
    real = compiled.zone_model
    monkeypatch.setattr(cache, "zone_model", lambda **o: builds.append(o) or real(**o))
    first = cache.cached_zone_model(corridor_km=12.0)
    again = cache.cached_zone_model(corridor_km=12.0)
    other = cache.cached_zone_model(corridor_km=9.0)
    assert len(builds) == 2 and len(list(tmp_path.glob("zone-model-*.zmc"))) == 2
    assert again.options == first.options != other.options
    for cached in tmp_path.glob("zone-model-*.zmc"):
        cached.write_bytes(b"damaged")
    with pytest.warns(ZonemapWarning, match="was damaged .*: the model is built again"):
        assert cache.cached_zone_model(corridor_km=12.0).options == first.options and len(builds) == 3
    monkeypatch.setenv("ZONEMAP_CACHE_DIR", "off")
    cache.cached_zone_model(corridor_km=12.0)
    assert len(builds) == 4


def test_the_model_key_follows_files_and_options(tmp_path):
    lines = tmp_path / "timeline.geojson"
    lines.write_text("{}")
    key = cache._model_key({"timeline": str(lines), "corridor_km": 5})
    assert key == cache._model_key({"corridor_km": 5.0, "timeline": str(lines)})
    lines.write_text("{ }")  # edited: another size
    assert cache._model_key({"timeline": str(lines), "corridor_km": 5}) != key
    assert cache._model_key({"timeline": pd.DataFrame()}) is None  # a frame: not cached


def test_a_cached_model_classifies_as_a_fresh_one(tmp_path, monkeypatch, model):
    monkeypatch.setenv("ZONEMAP_CACHE_DIR", str(tmp_path))
    cache.cached_zone_model()
    cached = cache.cached_zone_model()
    events = zonemap.synthetic_incidents(500, seed=9)
    pd.testing.assert_frame_equal(classify(events, cached), classify(events, model))


def test_the_incidents_command_does_not_import_maps_or_figures():
    code = (
        "import sys, zonemap.cli, zonemap.incidents.stream, zonemap.incidents.read, zonemap.incidents.classification\n"
        "print(sorted(m for m in ('matplotlib', 'folium', 'branca', 'dask') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_public_name_imports():
    for name in zonemap.__all__:
        assert getattr(zonemap, name) is not None
    namespace = {}
    exec("from zonemap import *", namespace)
    assert set(zonemap.__all__) <= set(namespace)
    with pytest.raises(AttributeError):
        zonemap.no_such_name  # noqa: B018


def _folder_of_parts(tmp_path):
    events = zonemap.synthetic_incidents(600, seed=4)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(events)), 3)):
        events.iloc[rows].to_parquet(folder / f"part-{i}.parquet")
    return folder


def test_dask_frame_reads_no_partition_until_computed(tmp_path, monkeypatch, model):
    pytest.importorskip("dask_geopandas")
    from zonemap.incidents import scale

    folder = _folder_of_parts(tmp_path)
    read = []
    real = scale.read_partition
    monkeypatch.setattr(scale, "read_partition", lambda path, *a, **k: read.append(str(path)) or real(path, *a, **k))
    lazy = classify(str(folder), model, engine="dask")
    assert not any(path.startswith(str(folder)) for path in read)  # only the meta's few rows, copied
    computed = lazy.compute()
    assert list(computed.columns) == list(lazy.columns) and len(computed) == 600
    assert sorted(p for p in read if p.startswith(str(folder))) == sorted(str(p) for p in folder.iterdir())


def _big_tasks(graph) -> int:
    """Tasks of a dask graph whose pickle holds the model (the model pickles to megabytes)."""
    return sum(len(cloudpickle.dumps(task)) > 1_000_000 for task in dict(graph).values())


def test_dask_graphs_hold_the_model_once(tmp_path, model):
    pytest.importorskip("dask_geopandas")
    import dask

    from zonemap.incidents import scale

    assert len(pickle.dumps(model)) > 1_000_000
    folder = _folder_of_parts(tmp_path)
    lazy = classify(str(folder), model, engine="dask")
    assert lazy.npartitions == 3 and _big_tasks(lazy.__dask_graph__()) == 1
    files = sorted(folder.iterdir())
    tasks = scale._write_tasks(files, [tmp_path / f"{i}.parquet" for i in range(3)], model, {}, {})
    graph = dask.delayed(tasks).__dask_graph__()
    assert _big_tasks(graph) == 1


# --- streaming GeoParquet, repeated places, dated lines that are the fixed lines ----------------------------------


def _spoilt_parts(folder, parts=3, rows=1500):
    """GeoParquet parts of synthetic incidents with a missing geometry, a polygon, an empty point and a
    point outside Syria in each."""
    folder.mkdir()
    for i in range(parts):
        events = zonemap.synthetic_incidents(rows, seed=i)
        events.loc[5, "geometry"] = None
        events.loc[11, "geometry"] = shapely.box(36.0, 35.0, 36.1, 35.1)
        events.loc[rows // 2, "geometry"] = shapely.Point()
        events.loc[7, "geometry"] = shapely.Point(5.0, 5.0)
        events["geo_precision"] = 1 + events.index % 3
        events.to_parquet(folder / f"p{i}.parquet")
    return folder


def test_geoparquet_streams_in_batches_as_the_whole_file_reads(tmp_path, monkeypatch, model):
    folder = _spoilt_parts(tmp_path / "parts")
    monkeypatch.setattr(formats, "PARQUET_BATCH_ROWS", 500)  # batches with and without spoilt rows
    for source in (folder / "p0.parquet", folder):
        whole = incident_read.read_incidents(source)
        reference = tmp_path / "reference.parquet"
        write.write_incidents(classify(whole.accepted, model), reference)
        out = tmp_path / "out.parquet"
        tally = stream.classify_file(source, out, model, fmt="parquet")
        assert len(list(incident_read.read_chunks(source))) == (3 if source.is_file() else 9)
        assert pq.read_table(out).equals(pq.read_table(reference))
        assert (tally.rows_read, tally.accepted) == (whole.rows_read, len(whole.accepted))
        assert tally.rejected()["reason"].tolist() == whole.rejected["reason"].tolist()
        assert tally.rejected()["row"].tolist() == whole.rejected["row"].tolist()
        assert tally.warnings == whole.warnings and tally.report(source) == whole.report()
    assert set(tally.rejected()["kind"]) == {"no geometry", "not a point", "empty point"}
    assert tally.warnings[0].startswith("p0.parquet: ")  # each file's warning, named by it


def test_a_folder_of_parts_that_differ_is_read_whole(tmp_path):
    folder = _spoilt_parts(tmp_path / "parts", parts=2, rows=100)
    events = zonemap.synthetic_incidents(50, seed=9).assign(extra_column="x")
    events.to_parquet(folder / "p9.parquet")
    assert not formats._same_parquet_schema(formats.partition_files(folder))
    (reading,) = incident_read.read_chunks(folder)
    assert reading.rows_read == 250 and "extra_column" in reading.accepted


def test_wkb_points_are_read_in_either_byte_order_and_anything_else_is_left_to_shapely():
    import pyarrow as pa

    points = [shapely.Point(36.61, 35.93), shapely.Point(-1.5, 2.25)]
    for order in ("little", "big"):
        wkb = pa.array(list(shapely.to_wkb(np.array(points), byte_order=0 if order == "big" else 1)))
        x, y = incident_rows._points_of_wkb(wkb)
        assert x.tolist() == [36.61, -1.5] and y.tolist() == [35.93, 2.25]
    for other in (shapely.Point(36.0, 35.0, 9.0), shapely.Point(), shapely.box(0, 0, 1, 1)):
        assert incident_rows._points_of_wkb(pa.array([shapely.to_wkb(points[0]), shapely.to_wkb(other)])) is None
    assert incident_rows._points_of_wkb(pa.array([shapely.to_wkb(points[0]), None])) is None


def test_repeated_places_are_classified_once_with_every_rows_answer(monkeypatch, model):
    from zonemap.incidents import classification

    events = zonemap.synthetic_incidents(300, seed=8)
    pick = np.random.default_rng(2).integers(0, 300, 20_000)  # 20,000 events at 300 places
    lon, lat = events.geometry.x.to_numpy()[pick], events.geometry.y.to_numpy()[pick]
    table = pd.DataFrame({"event_date": zonemap.synthetic_incidents(20_000, seed=9)["event_date"].to_numpy(),
                          "geo_precision": 1 + np.arange(20_000) % 3})  # fmt: skip
    line_index = model.dated.index(table["event_date"].to_numpy(dtype="datetime64[ns]"))
    codes, first = classification._repeated_places(lon, lat, line_index)
    lines = len(np.unique(line_index))  # each place is classified once per line in force on its events' dates
    assert (
        len(first) <= 300 * lines
        and len(first) < len(lon)
        and (lon[first][codes] == lon).all()
        and (line_index[first][codes] == line_index).all()
    )
    once = classification.classification_columns(table, lon, lat, model)
    monkeypatch.setattr(classification, "REPEAT_SAMPLE", 10**9)  # every row classified on its own
    assert classification._repeated_places(lon, lat, line_index) is None
    pd.testing.assert_frame_equal(once, classification.classification_columns(table, lon, lat, model))
    spread = zonemap.synthetic_incidents(20_000, seed=3)  # points at random: no two alike
    assert classification._repeated_places(spread.geometry.x.to_numpy(), spread.geometry.y.to_numpy(), None) is None


def test_dated_lines_that_are_the_fixed_lines_reuse_their_answers(hand_model):
    import copy

    from zonemap.incidents import classification

    model = hand_model
    assert model.dated.twins == {0: "2018", 5: "2020"}  # 17 Sep 2018 and 5 Mar 2020 are the fixed lines
    events = zonemap.synthetic_incidents(5000, seed=6)
    lon, lat = events.geometry.x.to_numpy(), events.geometry.y.to_numpy()
    table = events.drop(columns="geometry")
    measured = copy.copy(model)
    measured.dated = copy.copy(model.dated)
    measured.dated.twins = {}
    pd.testing.assert_frame_equal(
        classification.classification_columns(table, lon, lat, model),
        classification.classification_columns(table, lon, lat, measured),
    )


def test_leading_spaces_after_the_delimiter_are_not_part_of_the_values(tmp_path, model):
    source = tmp_path / "spaced.csv"
    source.write_text("event_date, latitude, longitude, actor1\n2020-01-01, 35.9, 36.6,  Actor A\n")
    (reading,) = incident_read.read_chunks(source)
    row = reading.accepted.iloc[0]
    assert (row["latitude"], row["longitude"], row["actor1"]) == (35.9, 36.6, "Actor A")


def test_parquet_output_keeps_ranges_of_numbers_dates_and_flags_only(tmp_path, model):
    source = _acled_csv(tmp_path / "events.csv", 500)
    stream.classify_file(source, tmp_path / "out.parquet", model, fmt="parquet")
    group = pq.ParquetFile(tmp_path / "out.parquet").metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).is_stats_set for i in range(group.num_columns)}
    assert stats["row"] and stats["event_date"] and stats["p_in_dmz"] and stats["in_idlib_area"]
    assert not stats["notes"] and not stats["geometry"] and not stats["side"]


def test_the_dask_engine_writes_parts_with_the_streaming_writer(tmp_path, model):
    pytest.importorskip("dask")
    from zonemap.incidents import scale

    folder = _spoilt_parts(tmp_path / "parts", parts=2, rows=800)
    written = scale.classify_to_parquet(folder, tmp_path / "out.parquet", model, monthly=False)
    whole = incident_read.read_incidents(folder)
    parts = pd.concat([pd.read_parquet(p) for p in sorted((tmp_path / "out.parquet").glob("part-*.parquet"))])
    expected = classify(whole.accepted, model)
    assert (written.rows_read, written.accepted) == (whole.rows_read, len(expected)) == (1600, 1600 - 6)
    assert parts["file"].tolist() == expected["file"].tolist() and parts["row"].tolist() == expected["row"].tolist()
    np.testing.assert_array_equal(parts["p_in_dmz"].to_numpy(), expected["p_in_dmz"].to_numpy())
    with pytest.raises(ValueError, match="monthly"):
        written.tally.monthly()  # not asked for: not made


def test_the_model_cache_never_touches_a_file_it_did_not_make(tmp_path, monkeypatch):
    from zonemap.model import compiled

    monkeypatch.setenv("ZONEMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_package_digest", lambda: "0")
    monkeypatch.setattr(cache.os, "getpid", lambda: 4242)
    key = cache._model_key({"corridor_km": 11.0})
    squatter = tmp_path / f".zone-model-{key}.zmc.4242.tmp"
    squatter.write_text("not zonemap's")
    assert cache.cached_zone_model(corridor_km=11.0).options["corridor_km"] == 11.0
    assert squatter.read_text() == "not zonemap's" and not list(tmp_path.glob("zone-model-*"))
    squatter.unlink()

    def disk_full(model, handle, key):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.cache_format, "write_model", disk_full)
    assert isinstance(cache.cached_zone_model(corridor_km=11.0), compiled.ZoneModel)
    assert list(tmp_path.iterdir()) == []  # its own half-written file removed, nothing else made


def _array_bytes(thing, seen=None) -> int:
    """Bytes of the numeric arrays a model holds (dataclasses, containers and objects walked once each)."""
    seen = set() if seen is None else seen
    if id(thing) in seen:
        return 0
    seen.add(id(thing))
    if isinstance(thing, np.ndarray):
        return thing.nbytes if thing.dtype != object else sum(_array_bytes(x, seen) for x in thing.ravel())
    if isinstance(thing, dict):
        return sum(_array_bytes(x, seen) for x in thing.values())
    if isinstance(thing, (list, tuple)):
        return sum(_array_bytes(x, seen) for x in thing)
    if hasattr(thing, "__dict__") and not isinstance(thing, type):
        return sum(_array_bytes(x, seen) for x in vars(thing).values())
    return 0


def test_the_model_cache_reads_back_the_model_it_wrote(tmp_path, monkeypatch, model):
    from zonemap.model import cache_format

    monkeypatch.setenv("ZONEMAP_CACHE_DIR", str(tmp_path))
    cache.cached_zone_model()
    (cached,) = tmp_path.glob("zone-model-*.zmc")
    key = cached.name.removeprefix("zone-model-").removesuffix(".zmc")
    loaded = cache_format.read_model(cached.read_bytes(), key)
    assert np.array_equal(loaded.grid.cells, model.grid.cells) and loaded.grid.cells.dtype == model.grid.cells.dtype
    assert cached.stat().st_size < 0.2 * _array_bytes(model)  # a fraction of what the model takes in memory
    with pytest.raises(cache_format.DamagedFile, match="cut short"):
        cache_format.read_model(cached.read_bytes()[:-5000], key)  # cut short: refused, then built again
    with pytest.raises(cache_format.DamagedFile, match="another model"):
        cache_format.read_model(cached.read_bytes(), "0" * 32)  # renamed: not the model of its name


def test_dask_parts_are_never_written_over(tmp_path, model):
    pytest.importorskip("dask")
    from zonemap.errors import ArgumentError
    from zonemap.incidents import scale

    folder = _spoilt_parts(tmp_path / "parts", parts=2, rows=100)
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00001.parquet").write_text("a user's file")
    with pytest.raises(ArgumentError, match="already holds part-00001.parquet"):
        scale.write_parts(folder, out, model)
    assert (out / "part-00001.parquet").read_text() == "a user's file" and len(list(out.iterdir())) == 1


# --- what an independent review found: the streaming reader must give what the whole read gives --------------------


def test_a_named_range_index_is_kept_across_geoparquet_batches(tmp_path, monkeypatch, model):
    events = zonemap.synthetic_incidents(900, seed=5)
    events.index = pd.RangeIndex(1000, 1900, name="event_id")  # pandas stores only start, stop and step
    events.to_parquet(tmp_path / "events.parquet")
    monkeypatch.setattr(formats, "PARQUET_BATCH_ROWS", 400)
    whole = incident_read.read_incidents(tmp_path / "events.parquet").accepted
    chunks = [c.accepted for c in incident_read.read_chunks(tmp_path / "events.parquet")]
    assert len(chunks) == 3 and whole["event_id"].tolist() == list(range(1000, 1900))
    assert pd.concat([c["event_id"] for c in chunks]).tolist() == whole["event_id"].tolist()


def test_columns_with_nulls_keep_one_type_across_geoparquet_batches(tmp_path, monkeypatch, model):
    import pyarrow as pa

    events = zonemap.synthetic_incidents(10, seed=2)[["event_date", "geometry"]]
    events["count"] = pd.array([1, 2, 3, 4, 5, 6, 7, 8, None, 10], dtype="Int64")
    events["verified"] = pd.array([True] * 8 + [None, False], dtype="boolean")
    events.to_parquet(tmp_path / "pandas.parquet")
    table = pq.read_table(tmp_path / "pandas.parquet")  # as DuckDB or GDAL write it: no pandas metadata
    table = table.replace_schema_metadata({b"geo": table.schema.metadata[b"geo"]})
    source = tmp_path / "events.parquet"
    pq.write_table(table, source, row_group_size=4)
    assert pa.types.is_integer(pq.read_schema(source).field("count").type)
    monkeypatch.setattr(formats, "PARQUET_BATCH_ROWS", 4)  # batches with and without the nulls
    whole = incident_read.read_incidents(source)
    reference = tmp_path / "reference.csv"
    write.write_incidents(classify(whole.accepted, model), reference)
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        stream.classify_file(source, out, model, fmt=fmt)
        if fmt == "csv":
            assert out.read_text() == reference.read_text()
        else:
            assert pq.read_table(out)["count"].type == pa.float64()


def test_a_line_break_in_a_csv_header_name_is_read_as_the_whole_read_does(tmp_path, model):
    source = tmp_path / "header.csv"
    source.write_text('"note\nmore",longitude,latitude,event_date\nx,36.6,35.9,2020-02-01\ny,36.7,35.8,2020-02-02\n')
    whole = incident_read.read_incidents(source)
    tally = stream.classify_file(source, tmp_path / "out.parquet", model, fmt="parquet")
    assert (tally.rows_read, tally.accepted, whole.rows_read) == (2, 2, 2)
    assert pd.read_parquet(tmp_path / "out.parquet")["row"].tolist() == [1, 2]


def test_damaged_wkb_in_a_geoparquet_input_names_the_input(tmp_path, model):
    import pyarrow as pa

    from zonemap.errors import InputError

    zonemap.synthetic_incidents(3, seed=1).to_parquet(tmp_path / "ok.parquet")
    table = pq.read_table(tmp_path / "ok.parquet")
    wkb = table["geometry"].to_pylist()
    wkb[1] = b"\x01\x01\x00\x00"  # cut short
    table = table.set_column(table.schema.get_field_index("geometry"), "geometry", pa.array(wkb, pa.binary()))
    pq.write_table(table, tmp_path / "bad.parquet")
    with pytest.raises(InputError, match=r"bad\.parquet: not a readable Parquet file"):
        stream.classify_file(tmp_path / "bad.parquet", tmp_path / "out.csv", model, fmt="csv")
