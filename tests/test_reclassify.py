"""zonemap's own output classified again: the earlier run's columns replaced, the user's kept, the
same table and summary line as the first run; a user's column that merely shares a name is kept."""

import geopandas as gpd
import pandas as pd
import pytest

import zonemap
from zonemap import cli
from zonemap.errors import InputError, ZonemapWarning
from zonemap.incidents import classification
from zonemap.model import data
from zonemap.model.compiled import _default_model, zone_model

SAMPLE = data.geodata_dir() / "incidents_sample.csv"


def _read_output(path) -> pd.DataFrame:
    """An output as a user opens it (the bytes the writer left, read by pandas / geopandas)."""
    if path.suffix == ".csv":
        return pd.read_csv(path)
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer="incidents" if path.suffix == ".gpkg" else None)


def _run(capsys, *args) -> tuple[str, str]:
    assert cli.main(["incidents", *map(str, args)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".gpkg", ".geojson"])
def test_zonemaps_own_output_classified_again_gives_the_same_table(tmp_path, capsys, suffix):
    first, second = tmp_path / f"first{suffix}", tmp_path / f"second{suffix}"
    first_out, first_err = _run(capsys, SAMPLE, "-o", first)
    assert "earlier zonemap run" not in first_err
    again_out, again_err = _run(capsys, first, "-o", second)
    notes = [line for line in again_err.splitlines() if "earlier zonemap run" in line]
    assert len(notes) == 1 and "columns from an earlier zonemap run were replaced" in notes[0]
    assert "_in_file" not in again_out + again_err  # never "the 2018_in_file line"
    # the same counts and summary line as the first run, the file's name aside
    assert again_out.replace(str(first), "IN").splitlines()[1] == first_out.replace(str(SAMPLE), "IN").splitlines()[1]
    before, after = _read_output(first), _read_output(second)
    assert len(after) == len(before) == 12
    assert after.columns.tolist() == before.columns.tolist()  # user's columns and zonemap's, in order
    pd.testing.assert_frame_equal(after, before)  # every value, zonemap's answers included


def test_the_api_replaces_an_earlier_runs_columns_and_says_so(tmp_path):
    first = zonemap.classify(zonemap.read_incidents(SAMPLE).accepted)
    path = tmp_path / "first.csv"
    first.drop(columns="geometry").to_csv(path, index=False)
    reread = zonemap.read_incidents(path).accepted
    assert "side" in reread and "row_in_file" in reread  # reading keeps a classified file's columns
    with pytest.warns(ZonemapWarning, match="columns from an earlier zonemap run were replaced"):
        again = zonemap.classify(reread)
    assert not [c for c in again.columns if "_in_file" in c]
    assert again.columns.tolist() == first.columns.tolist()
    assert again["side"].tolist() == first["side"].tolist()
    assert again["p_in_dmz"].tolist() == pytest.approx(first["p_in_dmz"].tolist())


def test_a_users_lone_side_column_is_kept_and_not_counted_as_a_line(tmp_path, capsys):
    source, out = tmp_path / "mine.csv", tmp_path / "out.csv"
    table = pd.read_csv(SAMPLE).assign(side=["opposition"] * 12, p_in_dmz=0.5)  # not zonemap's output
    table.to_csv(source, index=False)
    stdout, stderr = _run(capsys, source, "-o", out)
    assert "earlier zonemap run" not in stderr
    assert "in_file line" not in stdout  # the user's side column is no contact line
    written = pd.read_csv(out)
    assert written["side_in_file"].tolist() == ["opposition"] * 12  # kept, beside zonemap's own side
    assert written["p_in_dmz_in_file"].tolist() == [0.5] * 12
    assert written["side"].notna().all()


def test_a_users_own_row_column_survives_two_runs(tmp_path, capsys):
    source, first, second = tmp_path / "mine.csv", tmp_path / "first.csv", tmp_path / "second.csv"
    pd.read_csv(SAMPLE).assign(row=range(101, 113)).to_csv(source, index=False)
    _run(capsys, source, "-o", first)
    assert pd.read_csv(first)["row_in_file"].tolist() == list(range(101, 113))
    _run(capsys, first, "-o", second)
    before, after = pd.read_csv(first), pd.read_csv(second)
    assert after.columns.tolist() == before.columns.tolist()  # the earlier run's row dropped, the user's kept
    pd.testing.assert_frame_equal(after, before)


def test_an_earlier_runs_other_options_leave_no_stale_answers(tmp_path, capsys):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _run(capsys, SAMPLE, "-o", first, "--width-km", "12.5", "25")
    assert "in_dmz_12_5km_2018_line" in pd.read_csv(first)
    _run(capsys, first, "-o", second, "--fixed-lines")
    after = pd.read_csv(second)
    assert not {"in_dmz_12_5km_2018_line", "in_dmz_25km_2018_line", "side", "line_date"} & set(after.columns)
    direct = tmp_path / "direct.csv"
    _run(capsys, SAMPLE, "-o", direct, "--fixed-lines")
    pd.testing.assert_frame_equal(after, pd.read_csv(direct))


def test_the_signature_follows_the_models_columns():
    signature, every = classification.own_output_columns(_default_model())
    classified = zonemap.classify(zonemap.synthetic_incidents(5, seed=3))
    assert signature <= set(classified.columns) and set(classified.columns) - {"geometry"} <= every | set(
        zonemap.synthetic_incidents(5, seed=3).columns
    )
    fixed = zonemap.classify(zonemap.synthetic_incidents(5, seed=3), as_of=None, nearest_place=False)
    assert signature <= set(fixed.columns)  # any run's output carries the whole signature
    from zonemap.incidents.columns import OWN_OUTPUT_MARKS

    assert set(OWN_OUTPUT_MARKS) <= signature  # the reader's marks of zonemap's output are the classifier's
    odd = zone_model(width_km=(12.5, 30))
    dmz = [f"in_{zone}" for zone in odd.zones if zone.startswith("dmz_")]
    assert dmz and all(classification.ANY_DMZ_COLUMN.fullmatch(c) for c in dmz)


def test_a_geopackage_without_an_incidents_layer_is_refused_in_one_line(tmp_path):
    path = tmp_path / "two.gpkg"
    points = gpd.GeoDataFrame({"event_date": ["2020-01-01"]}, geometry=gpd.points_from_xy([36.6], [35.9]), crs=4326)
    points.to_file(path, layer="a")
    points.to_file(path, layer="b")
    with pytest.raises(InputError, match="holds 2 layers of features"):
        zonemap.read_incidents(path)
    points.to_file(tmp_path / "one.gpkg", layer="mine")
    assert len(zonemap.read_incidents(tmp_path / "one.gpkg").accepted) == 1


def test_a_folders_output_classified_again_names_its_parts_once(tmp_path, capsys):
    parts, first, second = tmp_path / "parts", tmp_path / "first.parquet", tmp_path / "second.parquet"
    parts.mkdir()
    _run(capsys, SAMPLE, "-o", parts / "a.parquet")
    _run(capsys, parts, "-o", first)
    assert set(gpd.read_parquet(first)["file"]) == {"a.parquet"}
    again = tmp_path / "again"
    again.mkdir()
    first.rename(again / "b.parquet")
    _, err = _run(capsys, again, "-o", second)
    assert "earlier zonemap run were replaced" in err
    after = gpd.read_parquet(second)
    assert "file_in_file" not in after and set(after["file"]) == {"b.parquet"}  # the part read now
    assert not [c for c in after.columns if "_in_file" in c] and len(after) == 12
