"""Every output is written under a temporary name beside its target, then renamed over it.

For each writer: a failure injected *after* the writer has written its bytes leaves the previous
file untouched and no temporary file; and the finished file is the very file the writer wrote
(same inode, same folder): renamed, never copied or written in place.
"""

import os
import threading
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from matplotlib.figure import Figure
from pyarrow.parquet import ParquetWriter

from zonemap import cli
from zonemap.incidents import write

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = str(ROOT / "geodata" / "incidents_sample.csv")

#: (arguments, output name, class and method of the writer that writes that output)
GDF, DF = gpd.GeoDataFrame, pd.DataFrame
WRITERS = {
    "map": (["map", "-o", "{out}"], "map.html", Path, "write_text"),
    "figure": (["figure", "-o", "{out}"], "figure.png", Figure, "savefig"),
    "export gpkg": (["export", "--format", "gpkg", "-o", "{out}"], "zones.gpkg", GDF, "to_file"),
    "export geojson": (["export", "--format", "geojson", "-o", "{out}"], "zones.geojson", GDF, "to_file"),
    "export parquet": (["export", "--format", "parquet", "-o", "{out}"], "zones.parquet", GDF, "to_parquet"),
    "incidents csv": (["incidents", SAMPLE, "-o", "{out}"], "events.csv", DF, "to_csv"),
    "incidents geojson": (["incidents", SAMPLE, "-o", "{out}"], "events.geojson", GDF, "to_file"),
    "incidents gpkg": (["incidents", SAMPLE, "-o", "{out}"], "events.gpkg", GDF, "to_file"),
    "incidents parquet": (["incidents", SAMPLE, "-o", "{out}"], "events.parquet", ParquetWriter, "close"),
    "summary": (["incidents", SAMPLE, "-o", "{dir}/x.csv", "--summary", "{out}"], "summary.csv", DF, "to_csv"),
    "rejects": (["incidents", SAMPLE, "-o", "{dir}/x.csv", "--rejects", "{out}"], "rejects.csv", DF, "to_csv"),
}  # fmt: skip


def _path_argument(self, args, kwargs) -> Path:
    if isinstance(self, Path):
        return self
    if isinstance(self, ParquetWriter):  # a streaming writer: its file is written by the time it closes
        return Path(self.where)
    value = args[0] if args else next(v for k, v in kwargs.items() if k in ("path", "path_or_buf", "filename", "fname"))
    return Path(value)


def _is_for(path: Path, name: str) -> bool:
    """Whether the writer was asked to write output ``name``: its temporary file, or the file itself."""
    return path.name == name or path.name.startswith(f".{name}.")


def _argv(args, target: Path):
    return [a.format(out=target, dir=target.parent) for a in args]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_failure_after_writing_leaves_the_old_output_and_no_temporary(tmp_path, monkeypatch, capsys, writer):
    args, name, owner, method = WRITERS[writer]
    target = tmp_path / name
    target.write_bytes(b"previous good output")
    real = getattr(owner, method)

    def write_then_fail(self, *a, **k):
        result = real(self, *a, **k)
        path = _path_argument(self, a, k)
        if _is_for(path, name):
            assert path.stat().st_size > 0  # bytes were written before the failure
            raise OSError(28, "No space left on device")
        return result

    monkeypatch.setattr(owner, method, write_then_fail)
    assert cli.main(_argv(args, target)) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == b"previous good output"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_the_finished_file_is_the_renamed_temporary_file(tmp_path, monkeypatch, writer):
    args, name, owner, method = WRITERS[writer]
    target = tmp_path / name
    target.write_bytes(b"previous good output")
    real, seen = getattr(owner, method), []

    def write_and_remember(self, *a, **k):
        result = real(self, *a, **k)
        path = _path_argument(self, a, k)
        if _is_for(path, name):
            seen.append((path, path.stat().st_ino))
        return result

    monkeypatch.setattr(owner, method, write_and_remember)
    assert cli.main(_argv(args, target)) == 0
    (written, inode), *_ = seen
    assert written.name != name and written.parent == tmp_path  # a temporary name in the same folder
    assert target.stat().st_ino == inode  # renamed: the same file, not a copy or a rewrite
    assert not written.exists()


def test_dask_part_failure_leaves_the_old_folder(tmp_path, monkeypatch, capsys):
    pytest.importorskip("dask")
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"p{i}.csv").write_text(Path(SAMPLE).read_text())
    out = tmp_path / "out.parquet"
    assert cli.main(["incidents", str(folder), "-o", str(out), "--engine", "dask"]) == 0
    before = {p.name: (p.read_bytes(), p.stat().st_ino) for p in out.iterdir()}
    real_close, real_write = write.IncidentWriter.close, write.IncidentWriter.write
    failed, first_part_done = threading.Event(), []

    def second_part_fails(self):  # the part's bytes are written, then the disk is full
        real_close(self)
        if self.path.name == "part-00001.parquet":
            failed.set()
            raise OSError(28, "No space left on device")

    def first_part_still_writing(self, classified):  # its file is opened only after the failure
        if self.path.name == "part-00000.parquet" and self.columns is None:
            failed.wait(5)
            time.sleep(0.3)
        real_write(self, classified)
        first_part_done.append(self.path.name == "part-00000.parquet")

    monkeypatch.setattr(write.IncidentWriter, "close", second_part_fails)
    monkeypatch.setattr(write.IncidentWriter, "write", first_part_still_writing)
    capsys.readouterr()
    assert cli.main(["incidents", str(folder), "-o", str(out), "--engine", "dask"]) == 2
    assert any(first_part_done)  # no part was left writing into the folder the run then removed
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: (p.read_bytes(), p.stat().st_ino) for p in out.iterdir()} == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_dask_folder_is_renamed_into_place(tmp_path, monkeypatch):
    pytest.importorskip("dask")
    seen = []
    real_replace = os.replace

    def remember(src, dst):
        seen.append((Path(src), Path(dst), os.stat(src).st_ino))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", remember)
    out = tmp_path / "out.parquet"
    assert cli.main(["incidents", SAMPLE, "-o", str(out), "--engine", "dask"]) == 0
    (src, dst, inode), *_ = [s for s in seen if s[1] == out]
    assert src.parent == tmp_path and src.name.startswith(".out.parquet.") and out.stat().st_ino == inode
