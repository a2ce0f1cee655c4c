"""Safe output: every file is written beside its target under a temporary name, then renamed.

A user's files are sacred. Before any work, :func:`plan_outputs` refuses an output path that is an
input or another output (same resolved path or same inode), that is anything but a regular file
(a folder, a device, a pipe, a symbolic link), or whose name is too long for its file system.
An output inside an input folder is refused too (it would replace a part, or be read back as one
by the next run). A folder output (the dask engine's GeoParquet parts) replaces only a folder
zonemap wrote itself, recognised by the marker file :data:`FOLDER_MARKER` inside it, which lists
the files zonemap put there: a folder holding anything else (a user's notes) is refused, never
emptied.

A run killed outright (``kill -9``, a power cut) cannot remove its temporaries; the next run
writing to the same target removes them (:func:`remove_stale_temporaries`): only names of
zonemap's own pattern, untouched for :data:`STALE_AFTER_S` seconds.

Outputs of one run are committed together: all are written first, then renamed one after the
other while the run holds a lock on each target folder, so two runs never interleave their
files. A failure (or Ctrl-C, or SIGTERM: the CLI turns it into an exception) before the commit
leaves every previous output untouched and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ArgumentError, OutputError, ZonemapError

#: The file zonemap leaves in each output folder it writes; a folder without it is never replaced.
FOLDER_MARKER = ".zonemap-output"

#: Characters of the target's name kept in a temporary name (which must fit the file system's limit).
_TEMP_STEM_CHARS = 40


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def check_target(path: str | os.PathLike, *, folder: bool = False, what: str = "output") -> Path:
    """Check that ``path`` may be written by zonemap: the checks of :func:`plan_outputs` for one path.

    Examples
    --------
    >>> try:
    ...     check_target("/dev/null")
    ... except ArgumentError as error:
    ...     print(error)
    /dev/null: is a character device, not a regular file; zonemap replaces only regular files
    """
    target = Path(path)
    if not target.name or target.name in (".", ".."):
        raise ArgumentError(f"{target}: give a file name for the {what}")
    parent = target.parent
    if not parent.is_dir():
        raise ArgumentError(f"{target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ArgumentError(f"{target}: folder {parent} is not writable")
    if len(os.fsencode(target.name)) > _name_max(parent):
        raise ArgumentError(f"{target.name[:40]}…: the {what} name is longer than the file system allows")
    try:
        info = target.lstat()
    except FileNotFoundError:
        return target
    if stat.S_ISLNK(info.st_mode):
        raise ArgumentError(
            f"{target}: is a symbolic link; give the path of the file itself (zonemap never writes through links)"
        )
    if folder:
        if not stat.S_ISDIR(info.st_mode):
            raise ArgumentError(f"{target}: exists and is not a folder; give a new folder name for the parts")
        if not (target / FOLDER_MARKER).is_file():
            raise ArgumentError(f"{target}: folder exists and was not written by zonemap; refusing to replace it")
        foreign = _not_written_by_zonemap(target)
        if foreign:
            more = f" and {len(foreign) - 1:,} more" if len(foreign) > 1 else ""
            raise ArgumentError(
                f"{target}: holds {foreign[0]!r}{more}, which zonemap did not write; "
                "move it out or give another folder (zonemap never deletes it)"
            )
        return target
    if stat.S_ISDIR(info.st_mode):
        raise ArgumentError(f"{target}: is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        kind = _kind_of(info.st_mode)
        raise ArgumentError(f"{target}: is a {kind}, not a regular file; zonemap replaces only regular files")
    return target


def _kind_of(mode: int) -> str:
    for test, name in (
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"


@dataclass
class _Output:
    label: str
    target: Path
    folder: bool
    temporary: Path | None = None


@dataclass
class Outputs:
    """The outputs of one run: checked up front, written to temporary paths, committed together.

    Use :func:`plan_outputs` to make one, :meth:`path` for each output's temporary path, and the
    ``with`` statement to commit all of them on success (or remove every temporary on failure).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with plan_outputs({"-o": folder / "a.txt", "--summary": folder / "b.txt"}) as outputs:
    ...     _ = outputs.path("-o").write_text("a")
    ...     _ = outputs.path("--summary").write_text("b")
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.txt']
    """

    items: dict[str, _Output] = field(default_factory=dict)

    def path(self, label: str) -> Path:
        """The temporary path to write the output ``label`` to (a new folder for a folder output)."""
        item = self.items[label]
        if item.temporary is None:
            stem = item.target.name[:_TEMP_STEM_CHARS]
            suffix = "" if item.folder else "".join(item.target.suffixes[-1:])[:16]
            item.temporary = item.target.parent / f".{stem}.{secrets.token_hex(4)}.tmp{suffix}"
            while _exists(item.temporary):  # never hand out a name something already has
                item.temporary = item.target.parent / f".{stem}.{secrets.token_hex(4)}.tmp{suffix}"
            if item.folder:
                item.temporary.mkdir()
                (item.temporary / FOLDER_MARKER).write_text(_MARKER_HEADER + "\n")
        return item.temporary

    def target(self, label: str) -> Path:
        return self.items[label].target

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def discard(self) -> None:
        """Remove every temporary file or folder this run made (never a target)."""
        for item in self.items.values():
            if item.temporary is not None:
                _remove(item.temporary)
                item.temporary = None

    def commit(self) -> None:
        """Rename every written output over its target, holding a lock on each target folder."""
        written = [item for item in self.items.values() if item.temporary is not None and _exists(item.temporary)]
        try:
            with _locked({item.target.parent for item in written}):
                for item in written:  # targets are checked again: the run may have taken hours
                    check_target(item.target, folder=item.folder, what=item.label)
                    _normal_permissions(item.temporary, item.folder)
                    if item.folder:
                        _list_written(item.temporary)
                for item in written:
                    _replace(item)
        finally:
            self.discard()


#: The first line of :data:`FOLDER_MARKER`; the names of the files zonemap wrote follow, one a line.
_MARKER_HEADER = "written by zonemap; safe for zonemap to replace"

#: Files of a marked folder written before the marker listed them: the dask engine's parts.
_PART_NAME = re.compile(r"part-\d{5}\.parquet")


def _list_written(folder: Path) -> None:
    """Rewrite the folder's marker with the names of the files in it (all of zonemap's making)."""
    names = sorted(p.name for p in folder.iterdir() if p.name != FOLDER_MARKER)
    (folder / FOLDER_MARKER).write_text("\n".join([_MARKER_HEADER, *names]) + "\n")


def _not_written_by_zonemap(folder: Path) -> list[str]:
    """The names in a marked folder that its marker does not list (nor, for an older marker, match a part)."""
    try:
        listed = set((folder / FOLDER_MARKER).read_text(errors="replace").splitlines()[1:])
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []
    return [n for n in names if n != FOLDER_MARKER and n not in listed and not (not listed and _PART_NAME.fullmatch(n))]


#: Seconds a temporary of zonemap's pattern must have been left untouched to be removed as stale
#: (a run still writing one touches it all the time).
STALE_AFTER_S = 3600


def _temporary_pattern(target: Path, folder: bool) -> re.Pattern:
    """The names :meth:`Outputs.path` (and a folder's replacement) give temporaries of ``target``."""
    stem = re.escape(target.name[:_TEMP_STEM_CHARS])
    if folder:
        return re.compile(rf"\.{stem}\.[0-9a-f]{{8}}\.(?:tmp|old)")
    suffix = re.escape("".join(target.suffixes[-1:])[:16])
    return re.compile(rf"\.{stem}\.[0-9a-f]{{8}}\.tmp{suffix}(?:-journal|-wal|-shm)?")


def remove_stale_temporaries(target: str | os.PathLike, *, folder: bool = False, now: float | None = None) -> list:
    """Remove the temporaries an interrupted run (``kill -9``) left beside ``target``: names of
    zonemap's exact pattern for that target, untouched for :data:`STALE_AFTER_S` seconds (a folder
    only if it holds zonemap's marker); anything else, however named, is kept. Returns what was removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in (".out.csv.0badc0de.tmp.csv", ".out.csv.mine.tmp.csv"):
    ...     _ = (folder / name).write_text("x")
    ...     os.utime(folder / name, (0, 0))
    >>> [p.name for p in remove_stale_temporaries(folder / "out.csv")]
    ['.out.csv.0badc0de.tmp.csv']
    >>> sorted(p.name for p in folder.iterdir())
    ['.out.csv.mine.tmp.csv']
    """
    target = Path(target)
    pattern = _temporary_pattern(target, folder)
    limit = (time.time() if now is None else now) - STALE_AFTER_S
    removed = []
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for path in candidates:
        try:
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and not folder and info.st_mtime < limit:
                path.unlink()
            elif stat.S_ISDIR(info.st_mode) and folder and (path / FOLDER_MARKER).is_file() and _untouched(path, limit):
                shutil.rmtree(path)
            else:
                continue
        except OSError:  # gone already, or not ours to remove: left alone
            continue
        removed.append(path)
    return removed


def _untouched(folder: Path, limit: float) -> bool:
    """Whether neither ``folder`` nor anything in it has changed since ``limit`` (seconds since the epoch)."""
    times = [folder.lstat().st_mtime, *(p.lstat().st_mtime for p in folder.iterdir())]
    return max(times) < limit


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _remove(path: Path) -> None:
    """Remove a temporary file or folder of zonemap's own making."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif _exists(path):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _replace(item: _Output) -> None:
    if not item.folder:
        os.replace(item.temporary, item.target)
        return
    old = None
    if item.target.exists():  # zonemap's own folder (checked): moved aside, removed once the new one is in
        old = item.target.parent / f".{item.target.name[:_TEMP_STEM_CHARS]}.{secrets.token_hex(4)}.old"
        os.replace(item.target, old)
    os.replace(item.temporary, item.target)
    if old is not None:
        shutil.rmtree(old)


def _normal_permissions(path: Path, folder: bool) -> None:
    """Temporary files are made private (0600/0700); give outputs the permissions the umask asks for."""
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(path, (0o777 if folder else 0o666) & ~mask)


@contextlib.contextmanager
def _locked(folders):
    """Hold an exclusive lock (flock) on each folder, in a fixed order, for the duration."""
    handles = []
    try:
        for folder in sorted(str(f) for f in folders):
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            handles.append(handle)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        for handle in handles:
            os.close(handle)


def plan_outputs(outputs: dict, *, inputs=(), folders=()) -> Outputs:
    """Check every output path before any work and return the run's :class:`Outputs`.

    ``outputs`` maps a label (e.g. the option, ``"-o"``) to a path or None (not asked for);
    ``inputs`` are the files or folders the run reads; labels in ``folders`` are folder outputs.
    Refuses (ArgumentError) an output that is an input, holds an input (a folder output), lies
    inside an input folder, names the same file as another output, or fails :func:`check_target`.
    Then removes the stale temporaries of each target (:func:`remove_stale_temporaries`).

    Examples
    --------
    >>> plan_outputs({"-o": "events.csv"}, inputs=["events.csv"])
    Traceback (most recent call last):
    ...
    zonemap.errors.ArgumentError: -o events.csv: is an input of this run; refusing to write over it
    """
    wanted = {label: Path(path) for label, path in outputs.items() if path is not None and str(path) != ""}
    inputs = [Path(path) for path in inputs]
    seen: dict[object, str] = {}
    for path in inputs:
        for key in _keys(path):
            seen[key] = "input"
    input_folders = [path for path in inputs if path.is_dir()]
    plan = Outputs()
    for label, path in wanted.items():
        for key in _keys(path):
            if key in seen:
                other = seen[key]
                if other == "input":
                    raise ArgumentError(f"{label} {path}: is an input of this run; refusing to write over it")
                raise ArgumentError(f"{label} {path}: names the same file as {other}; give each output its own name")
        for input_path in inputs:
            if label in folders and _is_within(input_path, path):
                raise ArgumentError(f"{label} {path}: holds an input of this run; refusing to replace it")
        for input_folder in input_folders:
            if _is_within(path, input_folder):
                raise ArgumentError(
                    f"{label} {path}: lies inside {input_folder}, which this run reads; write it outside that folder"
                )
        target = check_target(path, folder=label in folders, what=label)
        for key in _keys(path):
            seen[key] = label
        plan.items[label] = _Output(label, target, label in folders)
    for item in plan.items.values():
        remove_stale_temporaries(item.target, folder=item.folder)
    return plan


def _keys(path: Path) -> list[object]:
    """What identifies a path: its resolved name and, when it exists, its device and inode."""
    keys: list[object] = [str(path.resolve())]
    identity = _identity(path)
    if identity is not None:
        keys.append(identity)
    return keys


def _is_within(inner: Path, outer: Path) -> bool:
    try:
        inner.resolve().relative_to(outer.resolve())
    except ValueError:
        return False
    return True


#: Bytes written to probe a folder after a writer failed, to tell a full disk from other causes.
_PROBE_BYTES = 1 << 20


@contextlib.contextmanager
def writing(target: str | os.PathLike):
    """Turn any failure of the writer inside into one :class:`~zonemap.errors.OutputError` line.

    Writers (GDAL above all) report a full disk in their own words ("no such table"); the folder is
    probed with a real write so the message says what the system says (e.g. no space left).

    Examples
    --------
    >>> try:
    ...     with writing("out.csv"):
    ...         raise RuntimeError("sqlite3_exec failed")
    ... except OutputError as error:
    ...     print(error)
    out.csv: could not be written (sqlite3_exec failed); any previous file is unchanged
    """
    try:
        yield
    except ZonemapError:
        raise
    except Exception as exc:  # writers raise many types (pyogrio, pyarrow, OSError); all mean "not written"
        cause = _folder_problem(Path(target).parent) or " ".join(str(exc).split())[:300] or type(exc).__name__
        raise OutputError(f"{target}: could not be written ({cause}); any previous file is unchanged") from exc


def _folder_problem(folder: Path) -> str | None:
    """What the system says when a megabyte is written to ``folder`` (None if that works)."""
    probe = folder / f".zonemap-probe.{secrets.token_hex(4)}"
    try:
        with open(probe, "wb") as handle:
            handle.write(bytes(_PROBE_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, inputs=()):
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
    with plan_outputs({"output": path}, inputs=inputs) as plan, writing(path):
        yield plan.path("output")


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, *, inputs=()):
    """Yield a new temporary folder beside ``path``; on success it replaces ``path``, else it is deleted.

    A folder already at ``path`` is replaced only if zonemap wrote it (it holds :data:`FOLDER_MARKER`),
    and is kept until the new one is complete.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "parts.parquet"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "part-0.txt").write_text("done")
    >>> [p.name for p in target.iterdir() if not p.name.startswith(".")]
    ['part-0.txt']
    """
    with plan_outputs({"output": path}, inputs=inputs, folders=("output",)) as plan, writing(path):
        yield plan.path("output")
