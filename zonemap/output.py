"""Atomic output: write to a temporary file beside the target, then rename over it."""

from __future__ import annotations

import contextlib
import os
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
