"""The disk cache of compiled zone models (:func:`cached_zone_model`), so that a run starts in
milliseconds instead of building grid indexes again. Keyed by zonemap's code, its data and the
model's options.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np

from .compiled import zone_model


def cache_dir() -> Path | None:
    """Where zonemap keeps its cache: ``$ZONEMAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/zonemap``, else
    ``~/.cache/zonemap``; None when ``ZONEMAP_CACHE_DIR`` is empty or ``off`` (no cache)."""
    chosen = os.environ.get("ZONEMAP_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip() in ("", "off") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zonemap"


def cached_zone_model(**options):
    """:func:`zonemap.zone_model` with ``options``, from the disk cache when zonemap, its data and the
    options are those it was built with (else built, and cached for next time).

    The key covers the options (a file given as an option by its size and modification time),
    every module and data file of zonemap (size and modification time) and the versions of Python
    and the libraries whose objects the model holds. A cache that cannot be read or written is passed
    over; none is written on a disk with less than 2 GB free. The model's arrays are mapped from the
    file (:func:`_load_model`): it loads in milliseconds.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["ZONEMAP_CACHE_DIR"] = tempfile.mkdtemp()
    >>> first, again = cached_zone_model(corridor_km=10), cached_zone_model(corridor_km=10)
    >>> sorted(first.zones) == sorted(again.zones), len(os.listdir(os.environ.pop("ZONEMAP_CACHE_DIR")))
    (True, 1)
    """
    folder = cache_dir()
    key = _model_key(options) if folder is not None else None
    if key is None:
        return zone_model(**options)
    path = folder / f"zone-model-{key}.pickle"
    try:
        model = _load_model(path)
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept by _prune
        return model
    except Exception:  # noqa: BLE001 (missing, damaged or foreign: built again and replaced)
        pass
    model = zone_model(**options)
    tmp, created = path.with_name(f".{path.name}.{os.getpid()}.tmp"), False
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if shutil.disk_usage(folder).free < CACHE_FREE_BYTES:
            return model
        # a new file of this process's own (O_EXCL: never another file of that name)
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            created = True
            _dump_model(model, handle)
        os.rename(tmp, path)  # atomic on POSIX, like os.replace (left to the outputs' own accounting)
        _prune(folder)
    except OSError:
        if created:
            with contextlib.suppress(OSError):
                tmp.unlink()  # this run's own half-written file
    return model


#: First bytes of a cached model file.
MODEL_MAGIC = b"ZMMODEL1"

#: Alignment of the arrays in a cached model file (a memory page).
PAGE_BYTES = 4096


def _dump_model(model, handle) -> None:
    """The model as one file: a header, the pickle, then its large arrays' bytes, page-aligned, with
    pages of zeros left as holes (measured: a 135 MB file takes 117 MB of disk).
    :func:`_load_model` maps the arrays from the file instead of reading and inflating them."""
    import struct

    from ..geodesy.grid_index import pickled_plain

    buffers: list = []
    with pickled_plain():  # out of band: each buffer larger than 64 kB goes to the file's end
        body = pickle.dumps(model, protocol=5, buffer_callback=lambda b: None if _large(b, buffers) else True)
    head = len(MODEL_MAGIC) + 16 + 16 * len(buffers)
    offsets, at = [], _aligned(head + len(body))
    for raw in buffers:
        offsets += [at, raw.nbytes]
        at = _aligned(at + raw.nbytes)
    handle.write(MODEL_MAGIC + struct.pack(f"<QQ{len(offsets)}Q", len(body), len(buffers), *offsets) + body)
    for raw, start in zip(buffers, offsets[::2]):
        pages = np.frombuffer(raw, dtype=np.uint8)
        filled = np.flatnonzero(np.add.reduceat(pages != 0, np.arange(0, len(pages), PAGE_BYTES)) > 0)
        for page in filled:  # only pages holding a non-zero byte are written
            handle.seek(start + page * PAGE_BYTES)
            handle.write(pages[page * PAGE_BYTES : (page + 1) * PAGE_BYTES].tobytes())
    handle.truncate(at)


def _large(buffer, buffers: list) -> bool:
    raw = buffer.raw()
    if raw.nbytes <= 1 << 16:
        return False
    buffers.append(raw)
    return True


def _aligned(offset: int) -> int:
    return -(-offset // PAGE_BYTES) * PAGE_BYTES


def _load_model(path: Path):
    """A model written by :func:`_dump_model`: its arrays are read-only views of the file, mapped."""
    import mmap
    import struct

    with open(path, "rb") as handle:
        try:
            data = memoryview(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):  # a file system without mmap: read it
            data = memoryview(handle.read())
    if bytes(data[: len(MODEL_MAGIC)]) != MODEL_MAGIC:
        raise ValueError(f"{path}: not a zonemap model file")
    size, count = struct.unpack_from("<QQ", data, len(MODEL_MAGIC))
    offsets = struct.unpack_from(f"<{2 * count}Q", data, len(MODEL_MAGIC) + 16)
    start = len(MODEL_MAGIC) + 16 + 16 * count
    if start + size > len(data) or any(o + n > len(data) for o, n in zip(offsets[::2], offsets[1::2])):
        raise ValueError(f"{path}: truncated")
    buffers = [data[o : o + n] for o, n in zip(offsets[::2], offsets[1::2])]
    return pickle.loads(data[start : start + size], buffers=buffers)


#: Models kept in the cache (the most recently written or used; older ones are removed): each
#: file is ~135 MB, ~117 MB on disk.
CACHED_MODELS = 4

#: No model is cached on a disk with less free space than this (bytes).
CACHE_FREE_BYTES = 2 << 30


def _prune(folder: Path) -> None:
    """Keep the :data:`CACHED_MODELS` most recently written or used models (each a few MB)."""
    try:
        models = sorted(folder.glob("zone-model-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in models[CACHED_MODELS:]:
            old.unlink(missing_ok=True)
    except OSError:  # another zonemap pruning at the same time
        pass


def _model_key(options: dict) -> str | None:
    """A digest naming one model build, or None when an option cannot be named (e.g. a frame)."""
    import geopandas
    import numpy
    import pandas
    import pyproj
    import shapely

    from . import data

    parts = [sys.version, *(m.__version__ for m in (numpy, pandas, shapely, pyproj, geopandas))]
    for name, value in sorted(options.items()):
        if isinstance(value, (tuple, list)):
            value = tuple(float(v) if isinstance(v, (int, float)) else v for v in value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)  # 5 km and 5.0 km: one model
        if value is not None and not isinstance(value, (str, int, float, tuple)):
            return None
        parts.append(f"{name}={value!r}")
        if isinstance(value, str) and os.path.exists(value):
            parts.append(_stamp(Path(value)))
    code = sorted(Path(__file__).resolve().parents[1].rglob("*.py"))  # every module of the package
    for file in code + sorted(p for p in data.geodata_dir().rglob("*") if p.is_file()):
        parts.append(f"{file.name}:{_stamp(file)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"
