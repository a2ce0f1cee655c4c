"""The disk cache of compiled zone models (:func:`cached_zone_model`), so that a run starts in
milliseconds instead of building grid indexes again.

One file per model, ``zone-model-<key>.zmc`` in :func:`cache_dir`, written in a format that holds
data only and whose every array is checked against its digest when read
(:mod:`zonemap.model.cache_format`). The key is a digest of zonemap's code and data (their bytes),
the versions of Python and the libraries, and the model's options (a user's file by its bytes). A
cache folder or file that another user owns or could change, or a file that is not a regular one,
is never read: zonemap says so in one line and runs without the cache. A damaged file is built
again. ``ZONEMAP_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..errors import ZonemapWarning
from . import cache_format
from .compiled import zone_model

#: Models kept in the cache (the most recently written or used; older ones are removed): the
#: shipped data's model is a ~40 MB file.
CACHED_MODELS = 4

#: No model is cached on a disk with less free space than this (bytes).
CACHE_FREE_BYTES = 2 << 30

#: A file larger than this (bytes) is no model zonemap wrote: never read into memory.
MAX_FILE_BYTES = 8 << 30

#: zonemap's own temporary files (a write cut short, e.g. by ``kill -9``) older than this many
#: seconds are removed by the next run (a write takes a second or two).
STALE_TEMPORARY_SECONDS = 3600

MODEL_NAME = re.compile(r"zone-model-[0-9a-f]{32}\.zmc")
#: Names only zonemap gives: its temporaries (this format's and the pickles' of zonemap < 0.2)...
TEMPORARY_NAME = re.compile(r"\.zone-model-[0-9a-f]{32}\.(zmc|pickle)\.[0-9]+\.tmp")
#: ... and the pickled models of zonemap < 0.2, never read again (removed, whatever their age).
PICKLED_MODEL_NAME = re.compile(r"zone-model-[0-9a-f]{32}\.pickle")


#: The cache works where files can be opened safely (Linux, macOS, the BSDs); elsewhere it is off.
_POSIX = os.name == "posix" and hasattr(os, "O_NOFOLLOW") and os.open in os.supports_dir_fd


class _Refused(Exception):
    """A cache folder or file zonemap must not use (why, in one line)."""


def cache_dir() -> Path | None:
    """Where zonemap keeps its cache, or None for no cache.

    ``$ZONEMAP_CACHE_DIR`` (``off`` or empty: no cache), else ``$XDG_CACHE_HOME/zonemap``, else
    ``$HOME/.cache/zonemap``. Only absolute paths count: a relative ``XDG_CACHE_HOME`` is ignored (as
    the XDG spec says), and an empty or relative ``HOME`` or ``ZONEMAP_CACHE_DIR`` means no cache.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"ZONEMAP_CACHE_DIR": "off"}):
    ...     print(cache_dir())
    None
    >>> with mock.patch.dict(os.environ, {"XDG_CACHE_HOME": "cache", "HOME": "/home/ana"}, clear=True):
    ...     print(cache_dir())  # a relative XDG_CACHE_HOME is ignored
    /home/ana/.cache/zonemap
    """
    return _location()[0]


def _location() -> tuple[Path | None, str | None]:
    """The cache folder, or None with the line to say why (None: the user turned the cache off)."""
    chosen = os.environ.get("ZONEMAP_CACHE_DIR")
    if chosen is not None:
        if chosen.strip() in ("", "off"):
            return None, None
        if not os.path.isabs(chosen):
            return None, f"ZONEMAP_CACHE_DIR={chosen!r} is not an absolute path: running without the model cache"
        return Path(chosen), None
    base = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(base):
        return Path(base) / "zonemap", None
    home = os.environ["HOME"] if "HOME" in os.environ else os.path.expanduser("~")  # unset: the passwd entry
    if not os.path.isabs(home):
        return None, (
            f"no place for the model cache (HOME={home!r}, XDG_CACHE_HOME={base!r}: neither is an absolute "
            "path): running without it (set ZONEMAP_CACHE_DIR to a folder, or to off)"
        )
    return Path(home) / ".cache" / "zonemap", None


def cached_zone_model(**options):
    """:func:`zonemap.zone_model` with ``options``, from the disk cache when zonemap, its data and the
    options are those it was built with (else built, and cached for next time).

    The key covers the options (a file given as an option by the SHA-256 of its bytes), zonemap's
    modules and data files (their bytes) and the versions of Python and the libraries. A file is
    read only when it is a regular file of the user's, in a folder of the user's, that no one else
    can write; its arrays are checked against their digests. Otherwise zonemap says why in one line
    (a :class:`~zonemap.errors.ZonemapWarning`): a damaged file is built again and replaced; a
    folder or file that is not safe to use is left alone and the model built without the cache.
    None is written on a disk with less than 2 GB free. See docs/cache.md.

    Examples
    --------
    >>> import tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, {"ZONEMAP_CACHE_DIR": folder}):
    ...     first, again = cached_zone_model(corridor_km=10), cached_zone_model(corridor_km=10)
    ...     print(sorted(first.zones) == sorted(again.zones), len(os.listdir(folder)))
    True 1
    """
    if not _POSIX:  # no O_NOFOLLOW, O_NONBLOCK or folder descriptors to check files safely with
        return zone_model(**options)
    folder, why = _location()
    key = _model_key(options) if folder is not None else None
    if folder is None or key is None:
        if why:
            _say(why)
        return zone_model(**options)
    try:
        folder_fd = _open_folder(folder)
    except _Refused as refused:
        _say(f"{refused}: running without the model cache")
        return zone_model(**options)
    try:
        return _from_folder(folder_fd, folder, key, options)
    finally:
        os.close(folder_fd)


def _from_folder(folder_fd: int, folder: Path, key: str, options: dict):
    """The model from the (checked) cache folder open as ``folder_fd``, or built and stored there."""
    name = f"zone-model-{key}.zmc"
    try:
        model = _read(folder_fd, name, key)
    except _Refused as refused:
        _say(f"the cache file {folder / name} {refused}: running without the model cache")
        return zone_model(**options)
    except cache_format.DamagedFile as damage:
        _say(f"the cache file {folder / name} was damaged ({damage}): the model is built again")
        model = None
    if model is None:
        model = zone_model(**options)
        _store(model, folder_fd, name, key)
    _prune(folder_fd)
    return model


def _say(line: str) -> None:
    warnings.warn(line, ZonemapWarning, stacklevel=3)


def _open_folder(folder: Path) -> int:
    """The cache folder (made if missing, mode 700) open for use, once checked as the user's own."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise _Refused(f"the cache folder {folder} cannot be made or opened ({error.strerror})") from None
    problem = _not_own(os.fstat(folder_fd))
    if problem:
        os.close(folder_fd)
        raise _Refused(f"the cache folder {folder} {problem}")
    return folder_fd


def _not_own(info: os.stat_result) -> str | None:
    """Why a file or folder is not the user's alone, or None."""
    if info.st_uid != os.geteuid():
        return f"belongs to another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def _read(folder_fd: int, name: str, key: str):
    """The model in file ``name`` of the folder, or None when there is none.

    Opens only a regular file of the user's that no one else can write: never follows a symbolic
    link, never waits on a FIFO. Reads it into memory (a file cut short or changed later harms
    nothing, unlike a mapped one) and checks it (:func:`cache_format.read_model`).
    """
    try:
        if stat.S_ISLNK(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode):
            raise _Refused("is a symbolic link (not read)")
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _Refused("is a symbolic link (not read)") from None
        raise _Refused(f"cannot be opened ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("is not a regular file (not read)")
        problem = _not_own(info)
        if problem:
            raise _Refused(problem)
        if info.st_size > MAX_FILE_BYTES:
            raise cache_format.DamagedFile(f"{info.st_size:,} bytes: larger than any model")
        data = np.empty(info.st_size, dtype=np.uint8)
        view, done = memoryview(data), 0
        while done < info.st_size:
            got = os.readv(fd, [view[done:]])
            if not got:
                raise cache_format.DamagedFile("cut short while read")
            done += got
        model = cache_format.read_model(data, key)
        with contextlib.suppress(OSError):
            os.utime(fd)  # recently used: kept by _prune
        return model
    finally:
        os.close(fd)


def _store(model, folder_fd: int, name: str, key: str) -> None:
    """Write the model to a new temporary file of this process's own, then rename it to ``name``."""
    try:
        space = os.fstatvfs(folder_fd)
        if space.f_bavail * space.f_frsize < CACHE_FREE_BYTES:
            return
        temporary = f".{name}.{os.getpid()}.tmp"
        # O_EXCL: a new file, never another file of that name (left alone, and nothing cached)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                     dir_fd=folder_fd)  # fmt: skip
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            size = cache_format.write_model(model, handle, key)
        if size > MAX_FILE_BYTES:
            raise OSError(errno.EFBIG, "model too large to cache")
        os.rename(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)  # atomic
    except (OSError, TypeError):  # a full disk, or a model holding what the format cannot store
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=folder_fd)  # this run's own half-written file


def _prune(folder_fd: int) -> None:
    """Remove zonemap's own leftovers from the cache folder, found by their exact names: models past
    the :data:`CACHED_MODELS` most recently written or used, temporaries older than
    :data:`STALE_TEMPORARY_SECONDS` and the pickles of zonemap < 0.2. Only regular files of the user's."""
    models, old = [], []
    now = time.time()
    try:
        with os.scandir(folder_fd) as entries:
            for entry in entries:
                model, temporary = MODEL_NAME.fullmatch(entry.name), TEMPORARY_NAME.fullmatch(entry.name)
                if not (model or temporary or PICKLED_MODEL_NAME.fullmatch(entry.name)):
                    continue
                info = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                    continue
                if model:
                    models.append((info.st_mtime_ns, entry.name))
                elif not temporary or now - info.st_mtime > STALE_TEMPORARY_SECONDS:
                    old.append(entry.name)
        old += [name for _, name in sorted(models, reverse=True)[CACHED_MODELS:]]
        for name in old:
            os.unlink(name, dir_fd=folder_fd)
    except OSError:  # another zonemap pruning at the same time
        pass


def _model_key(options: dict) -> str | None:
    """A digest naming one model build, or None when an option cannot be named (e.g. a frame, a FIFO)."""
    import geopandas
    import pandas
    import pyproj
    import shapely

    parts = [cache_format.MAGIC.hex(), sys.version, *(m.__version__ for m in (np, pandas, shapely, pyproj, geopandas))]
    if isinstance(options.get("timeline"), str) and options["timeline"] == "evidence":  # the default, named
        options = {**options, "timeline": None}
    for name, value in sorted(options.items()):
        if isinstance(value, (tuple, list)):
            value = tuple(float(v) if isinstance(v, (int, float)) else v for v in value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)  # 5 km and 5.0 km: one model
        if value is not None and not isinstance(value, (str, int, float, tuple)):
            return None
        parts.append(f"{name}={value!r}")
        if isinstance(value, str) and os.path.exists(value):
            digest = _file_digest(value)
            if digest is None:
                return None
            parts.append(digest)
    parts.append(_package_digest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _file_digest(path: str) -> str | None:
    """SHA-256 of a regular file's bytes; None for anything else (a FIFO is never read: its bytes are
    the model's to read, once)."""
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _package_digest() -> str:
    """SHA-256 of zonemap's modules and the files of its data folder (names and bytes)."""
    from . import data

    package = Path(__file__).resolve().parents[1]
    files = [*sorted(package.glob("*.py")), *sorted(package.glob("*/*.py"))]
    files += sorted(p for p in data.geodata_dir().iterdir() if p.is_file())
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0".encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()
