"""Atomic output: write to a temporary file (or folder) beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import ArgumentError


def check_writable(path: str | os.PathLike) -> Path:
    """The output path, after checking its folder exists and can be written to."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ArgumentError(f"{target}: is a folder; give a file name")
    if not folder.is_dir():
        raise ArgumentError(f"{target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ArgumentError(f"{target}: folder {folder} is not writable")
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None):
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it.

    An existing file at ``path`` is untouched unless the whole write succeeds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = check_writable(path)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent or "."
    )
    os.close(handle)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike):
    """Yield a new temporary folder beside ``path``; on success it replaces ``path``, else it is deleted.

    A folder already at ``path`` is kept until the new one is complete, then removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "parts.parquet"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "part-0.txt").write_text("done")
    >>> [p.name for p in target.iterdir()]
    ['part-0.txt']
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.exists() and not target.is_dir():
        raise ArgumentError(f"{target}: is a file; give a folder name for the partitions")
    if not parent.is_dir():
        raise ArgumentError(f"{target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise ArgumentError(f"{target}: folder {parent} is not writable")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
