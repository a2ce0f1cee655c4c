"""Classifying incidents: memberships, sides, geodesic distances (to 10 m), nearest place, dask."""

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import geodesic_distance_to_line_m

import zonemap
from zonemap import cli
from zonemap.geodesy.projection import GEOD
from zonemap.model import compiled, zones


@pytest.fixture(scope="module")
def model():
    return compiled.zone_model()


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(11)
    lon = np.r_[rng.uniform(35.8, 37.5, 150), 36.29, 38.99, 36.8059]  # + Damascus, Raqqa, Saraqib
    lat = np.r_[rng.uniform(35.0, 36.6, 150), 33.51, 35.95, 35.8645]
    return lon, lat


@pytest.mark.parametrize("key", ["2018", "2020"])
def test_distances_within_10_m_of_slow_geodesic_reference(model, points, key):
    lon, lat = points
    line = zones.as_line(key).geometry
    parts = shapely.get_parts(line)
    reference = np.min(
        [geodesic_distance_to_line_m([shapely.Point(p) for p in zip(lon, lat)], part, 0.02) for part in parts], axis=0
    )
    got = np.abs(compiled.classify_points(lon, lat, model)[f"dist_{key}_km"].to_numpy()) * 1000
    assert np.max(np.abs(got - reference)) < 10.0


def test_points_on_the_line_are_at_zero_and_sides_signed(model):
    line = zones.as_line("2018").geometry
    on = shapely.get_coordinates(shapely.line_interpolate_point(line, np.linspace(0.05, 0.95, 9), normalized=True))
    result = compiled.classify_points(on[:, 0], on[:, 1], model)
    assert np.abs(result["dist_2018_km"]).max() < 0.01
    idlib, hama = zonemap.place("Idlib"), zonemap.place("Hama")
    sides = compiled.classify_points([idlib.x, hama.x], [idlib.y, hama.y], model)
    assert sides["side_2018"].tolist() == ["opposition", "outside"]
    assert sides["dist_2018_km"].iloc[0] > 0 > sides["dist_2018_km"].iloc[1]


def test_memberships_match_the_public_zone_geometries(model, points):
    lon, lat = points
    result = compiled.classify_points(lon, lat, model)
    pts = shapely.points(lon, lat)
    dmz = zonemap.sochi_dmz()
    assert (result["in_dmz_15km_2018_line"] == shapely.contains(dmz.geometry.iloc[0], pts)).all()
    assert (result["in_dmz_20km_2018_line"] == shapely.contains(dmz.geometry.iloc[1], pts)).all()
    assert (result["in_m4_corridor"] == shapely.contains(zonemap.m4_corridor().geometry.iloc[0], pts)).all()
    idlib = zonemap.de_escalation_area("idlib").geometry.iloc[0]
    assert (result["in_idlib_area"] == shapely.contains(idlib, pts)).all()
    assert (
        result["in_dmz_15km_2018_line"].sum() > 0
        and (result["in_dmz_20km_2018_line"] | ~result["in_dmz_15km_2018_line"]).all()
    )
    opposition = shapely.contains(zonemap.opposition_side("2020"), pts)
    assert ((result["side_2020"] == "opposition") == opposition).all()


def test_nearest_place_is_the_geodesically_nearest_town(model, points):
    lon, lat = points
    result = compiled.classify_points(lon, lat, model)
    places = zonemap.load_layer("places")
    towns = places[places["kind"] != "observation_post"]
    tx, ty = towns.geometry.x.to_numpy(), towns.geometry.y.to_numpy()
    for i in range(0, len(lon), 10):
        dist = GEOD.inv(np.full(len(tx), lon[i]), np.full(len(tx), lat[i]), tx, ty)[2]
        assert result["nearest_place"].iloc[i] == towns["name"].iloc[int(np.argmin(dist))]
        assert result["nearest_place_km"].iloc[i] == pytest.approx(dist.min() / 1000, abs=5e-4)  # 0.5 m


def test_classify_keeps_rows_index_and_columns(model):
    events = zonemap.synthetic_incidents(50, seed=5).set_index(pd.RangeIndex(100, 150))
    result = zonemap.classify(events, model)
    assert result.index.equals(events.index) and result["notes"].equals(events["notes"])
    assert {"in_idlib_area", "side_2018", "dist_2020_km", "nearest_place_km"} <= set(result.columns)
    assert len(zonemap.classify(events.iloc[:0], model)) == 0


def test_nearest_place_can_be_left_out(model, points):
    lon, lat = points
    full = compiled.classify_points(lon, lat, model)
    lean = compiled.classify_points(lon, lat, model, nearest_place=False)
    assert list(lean.columns) == [c for c in full.columns if not c.startswith("nearest_place")]
    pd.testing.assert_frame_equal(lean, full[lean.columns])


def test_summaries_add_up():
    classified = zonemap.classify(zonemap.sample_incidents().accepted)
    counts = zonemap.zone_counts(classified).set_index("zone")
    monthly = zonemap.monthly_summary(classified)
    by_zone = monthly.groupby("zone")[["events", "fatalities"]].sum()
    for zone in by_zone.index:
        assert by_zone.loc[zone, "events"] == counts.loc[zone, "events"]
        assert by_zone.loc[zone, "fatalities"] == counts.loc[zone, "fatalities"]
    assert counts.loc["all incidents", "events"] == 12
    feb_2020 = monthly[(monthly["zone"] == "all incidents") & (monthly["month"] == "2020-02")]
    assert feb_2020["events"].item() == 5 and feb_2020["fatalities"].item() == 46
    typed = zonemap.monthly_summary(classified, by_event_type=True)
    assert typed["events"].sum() == monthly["events"].sum() and "event_type" in typed
    untyped = zonemap.monthly_summary(classified.drop(columns="event_type"), by_event_type=True)
    assert (untyped["event_type"] == "").all() and untyped["events"].sum() == monthly["events"].sum()


def test_cli_incidents_writes_outputs_and_counts(tmp_path, capsys):
    source = tmp_path / "events.csv"
    frame = zonemap.synthetic_incidents(40, seed=9).drop(columns="geometry")
    frame["event_date"] = frame["event_date"].dt.strftime("%Y-%m-%d")
    frame["latitude"] = frame["latitude"].astype(object)
    frame.loc[3, "latitude"] = "north"
    frame.to_csv(source, index=False)
    out, rejects, summary_csv = tmp_path / "out.geojson", tmp_path / "rej.csv", tmp_path / "sum.csv"
    args = ["incidents", str(source), "-o", str(out), "--rejects", str(rejects), "--summary", str(summary_csv)]
    assert cli.main(args) == 0
    printed = capsys.readouterr().out
    assert "40 rows read, 39 accepted, 1 rejected (1 non-numeric latitude)" in printed and "Inside zones:" in printed
    assert len(zonemap.read_incidents(out).accepted) == 39
    assert pd.read_csv(rejects)["row"].tolist() == [4]
    assert set(pd.read_csv(summary_csv).columns) == {
        "zone",
        "month",
        "events",
        "fatalities",
        *zonemap.incidents.summary.UNCERTAIN_COUNTS,
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["incidents", "missing.csv", "-o", "x.csv"], "missing.csv: no such file"),
        (
            ["incidents", "geodata/incidents_sample.csv", "-o", "x.xlsx"],
            "must end in .csv, .geojson, .parquet or .gpkg",
        ),
    ],
)
def test_cli_incidents_errors_are_one_line(args, message, capsys):
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_dask_engine_on_two_workers_matches_memory(tmp_path, model):
    distributed = pytest.importorskip("distributed")
    from zonemap.incidents import scale

    events = zonemap.synthetic_incidents(3000, seed=4)
    events.loc[10, "geometry"] = shapely.box(36, 35, 36.1, 35.1)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(events)), 3)):
        events.iloc[rows].to_parquet(folder / f"part-{i}.parquet")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            lazy = zonemap.classify(str(folder), model, engine="dask")
            assert lazy.npartitions == 3
            accepted, rejected = scale.split(lazy.compute())
    memory = zonemap.read_incidents(folder)
    expected = zonemap.classify(memory.accepted, model)
    assert len(accepted) + len(rejected) == 3000 and rejected["kind"].tolist() == ["not a point"]
    key = ["file", "row"]
    got, want = (f.sort_values(key).reset_index(drop=True) for f in (accepted, expected))
    for column in [c for c in expected.columns if c.startswith(("in_", "side_", "dist_", "nearest"))]:
        pd.testing.assert_series_equal(got[column], want[column], check_names=False)
    for column in ("event_date", "fatalities"):  # usable as read in memory, e.g. for the summaries
        assert got[column].dtype == want[column].dtype
    pd.testing.assert_frame_equal(zonemap.monthly_summary(got), zonemap.monthly_summary(want))


def test_geodesic_distance_agrees_with_karney():
    """Mid-latitude formula below 50 km, Lambert's beyond: within 0.05 m to 20 km, 0.12 m to 50 km, ..."""
    from zonemap.geodesy.projection import geodesic_distance_m

    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(34, 44, 20000), rng.uniform(30, 40, 20000)
    for spread, tolerance in ((0.2, 0.05), (0.45, 0.12), (2.0, 0.5), (8.0, 2.5)):
        lon2, lat2 = lon + rng.normal(0, spread / 4, lon.size), lat + rng.normal(0, spread / 4, lat.size)
        exact = GEOD.inv(lon, lat, lon2, lat2)[2]
        assert np.max(np.abs(geodesic_distance_m(lon, lat, lon2, lat2) - exact)) < tolerance
    assert geodesic_distance_m(36.0, 35.0, 36.0, 35.0) == 0.0


def test_cli_dask_engine_writes_each_partition_and_agrees_with_memory(tmp_path, capsys):
    pytest.importorskip("dask_geopandas")
    events = zonemap.synthetic_incidents(900, seed=8)
    events.loc[5, "geometry"] = shapely.box(36, 35, 36.1, 35.1)  # rejected: not a point
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(events)), 3)):
        events.iloc[rows].to_parquet(folder / f"in-{i}.parquet")
    (folder / "in-3.csv").write_text("event_date,latitude,longitude\n2020-01-01,north,36.5\n")  # all rejected
    outputs = {}
    for engine in ("memory", "dask", "dask"):  # the second dask run replaces the first one's folder
        out, rejects, monthly = (tmp_path / f"{engine}{suffix}" for suffix in (".parquet", "-rejects.csv", "-sum.csv"))
        args = ["incidents", str(folder), "-o", str(out), "--rejects", str(rejects), "--summary", str(monthly)]
        assert cli.main([*args, "--by-event-type", "--engine", engine]) == 0
        outputs[engine] = (capsys.readouterr().out.splitlines(), out, rejects, monthly)
    (memory_text, memory_out, *memory_files), (dask_text, dask_out, *dask_files) = outputs["memory"], outputs["dask"]
    assert dask_text[:2] == memory_text[:2]  # rows read/accepted/rejected, zones and sides
    assert "899 classified incidents" in dask_text[2] and "3 GeoParquet parts" in dask_text[2]
    assert sorted(p.name for p in dask_out.iterdir()) == [
        ".zonemap-output",
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folders left
    got = zonemap.read_incidents(dask_out).accepted.sort_values("event_id_cnty").reset_index(drop=True)
    want = pd.read_parquet(memory_out).sort_values("event_id_cnty").reset_index(drop=True)
    for column in [c for c in want.columns if c.startswith(("in_", "dist_", "nearest_place_km"))]:
        np.testing.assert_array_equal(got[column].astype(want[column].dtype), want[column])
    for memory_file, dask_file in zip(memory_files, dask_files):
        pd.testing.assert_frame_equal(pd.read_csv(dask_file), pd.read_csv(memory_file))
