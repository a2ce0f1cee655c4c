"""The command line: outputs, exit codes, one-line errors, atomic writes."""

import json
import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest

from zonemap import cli
from zonemap.render import export


def run(*args):
    return subprocess.run([sys.executable, "-m", "zonemap", *args], capture_output=True, text=True)


def test_areas_table_prints_one_decimal_km2():
    result = run("areas")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["zone", "area_km2", "official_km2"]
    idlib = next(line for line in lines if line.startswith("Idlib governorate (OCHA SY07)"))
    assert " 5,416 (" in idlib  # OCHA's 5,416.5 km², in whole km²
    assert any(line.startswith("Sochi DMZ, 20 km") for line in lines)


def test_areas_json_and_width_option(capsys):
    assert cli.main(["areas", "--json", "--width-km", "10", "12"]) == 0
    records = json.loads(capsys.readouterr().out)
    zones = {r["zone"]: r["area_km2"] for r in records}
    assert {"Sochi DMZ, 10 km (2018 line)", "Sochi DMZ, 12 km (2018 line)"} <= set(zones)
    assert all(isinstance(r["area_km2"], float) for r in records)


@pytest.mark.parametrize(
    "args, message",
    [
        (["areas", "--width-km", "0", "20"], "positive"),
        (["areas", "--width-km", "-3", "20"], "positive"),
        (["areas", "--width-km", "20", "15"], "greater than MAX"),
        (["areas", "--width-km", "abc", "15"], "not a number"),
        (["export", "--format", "shp", "-o", "x.shp"], "invalid choice"),
        (["export", "--format", "gpkg", "-o", "/nonexistent/dir/x.gpkg"], "does not exist"),
        (["areas", "--contact-line", "1999"], "unknown contact line"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_writes_every_layer(tmp_path, fmt):
    path = tmp_path / f"zones.{fmt}"
    assert cli.main(["export", "--format", fmt, "-o", str(path)]) == 0
    expected = set(export.all_layers())
    if fmt == "gpkg":
        assert {name for name, _ in pyogrio.list_layers(path)} == expected | {"layer_styles"}  # QGIS styles table
        dmz = gpd.read_file(path, layer="sochi_dmz")
    else:
        frame = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path)
        assert set(frame["layer"]) == expected
        dmz = frame[frame["layer"] == "sochi_dmz"]
    assert dmz.crs.to_epsg() == 4326 and len(dmz) == 2
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_failed_export_leaves_existing_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "zones.parquet"
    path.write_bytes(b"previous good output")

    def explode(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", explode)
    assert cli.main(["export", "--format", "parquet", "-o", str(path)]) == 2
    assert path.read_bytes() == b"previous good output"
    assert [p.name for p in tmp_path.iterdir()] == ["zones.parquet"]
