"""Every output is written to a temporary file and renamed: a failure half-way leaves the old file."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.figure import Figure

from zonemap import cli

SAMPLE = "geodata/incidents_sample.csv"


def _half_write_then_fail(self, *args, **kwargs):
    """Stands in for a writer method: writes part of a file, then fails like a full disk."""
    target = self if isinstance(self, Path) else (args[0] if args else next(iter(kwargs.values())))
    Path(target).write_bytes(b"half a file")
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(
    "args, output, owner, method",
    [
        (["map", "-o", "{out}"], "map.html", Path, "write_text"),
        (["figure", "-o", "{out}"], "figure.png", Figure, "savefig"),
        (["export", "--format", "gpkg", "-o", "{out}"], "zones.gpkg", gpd.GeoDataFrame, "to_file"),
        (["export", "--format", "geojson", "-o", "{out}"], "zones.geojson", gpd.GeoDataFrame, "to_file"),
        (["incidents", SAMPLE, "-o", "{out}"], "events.csv", pd.DataFrame, "to_csv"),
        (["incidents", SAMPLE, "-o", "{out}"], "events.geojson", gpd.GeoDataFrame, "to_file"),
        (["incidents", SAMPLE, "-o", "{out}"], "events.parquet", gpd.GeoDataFrame, "to_parquet"),
        (["incidents", SAMPLE, "-o", "x.csv", "--summary", "{out}"], "summary.csv", pd.DataFrame, "to_csv"),
    ],
)
def test_failure_half_way_leaves_the_old_output(tmp_path, monkeypatch, capsys, args, output, owner, method):
    target = tmp_path / output
    target.write_bytes(b"previous good output")
    monkeypatch.chdir(tmp_path) if "x.csv" in args else None
    monkeypatch.setattr(owner, method, _half_write_then_fail)
    argv = [a.format(out=target) for a in args]
    argv = [str(Path(__file__).resolve().parents[1] / a) if a == SAMPLE else a for a in argv]
    assert cli.main(argv) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert target.read_bytes() == b"previous good output"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
