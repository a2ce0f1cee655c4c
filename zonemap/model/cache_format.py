"""The file format of zonemap's model cache: data only, every byte checked on load.

A file is, in order::

    magic (8 bytes) | header length (8, little-endian) | SHA-256 of the header (32) | header | arrays

The header is JSON (UTF-8): the model as a tree of JSON values and tagged nodes — tuples, dicts,
numpy scalars, arrays, geometries (WKB), categoricals and instances of a fixed list of zonemap's
dataclasses (:data:`CLASSES`) — and, per array, its dtype, shape, how it is stored, where, and the
SHA-256 of its stored bytes. Reading builds only those types from those values: nothing in a
file names a function to call, so a planted file cannot run code (a pickle can).

Integer arrays are stored in the narrowest integer type that holds their values; large ones as
runs (a value and its length: the grids are long runs of one value) and increasing ones (offsets)
as differences. The shipped data's model (118 dated evidence lines) takes ~56 MB on disk instead
of ~440 MB of arrays in memory, so reading and checking it is fast; every array is rebuilt in
memory exactly as written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import mmap
import struct

import numpy as np
import pandas as pd
import shapely

from ..geodesy.grid_index import NearestGrid, PolygonGrid, PolygonGrids, _Level
from .compiled import DatedLines, ZoneModel, _Targets

#: First bytes of a cache file (the last one is the format's version).
MAGIC = b"ZMCACHE\x03"

#: The classes a file may hold, by the name it gives them. Nothing else is ever built from a file.
CLASSES = {
    "ZoneModel": ZoneModel,
    "DatedLines": DatedLines,
    "Targets": _Targets,
    "PolygonGrid": PolygonGrid,
    "PolygonGrids": PolygonGrids,
    "NearestGrid": NearestGrid,
    "NearestLevel": _Level,
}

#: Kinds of numpy dtype an array may have: booleans, integers, floats, dates and durations (no objects).
DTYPE_KINDS = "biufMm"

#: Arrays at least this large (bytes) are looked at for runs of one value and increasing values.
ENCODE_MIN_BYTES = 1 << 16

#: Each array's stored bytes start at a multiple of this.
ALIGN = 64

_PREFIX = struct.Struct("<8sQ32s")


class DamagedFile(ValueError):
    """A cache file that is not a whole, unchanged model file of this format (reason in the message)."""


def write_model(model: ZoneModel, handle, key: str) -> int:
    """Write ``model`` to the binary file ``handle`` under ``key`` (checked when read); returns the bytes written.

    Raises TypeError for a model holding a value the format cannot store (nothing is written then).

    Examples
    --------
    >>> import io
    >>> grid = PolygonGrid.build([shapely.box(0, 0, 1, 1)], cell=0.25)
    >>> handle = io.BytesIO()
    >>> size = write_model(grid, handle, "k")
    >>> again = read_model(handle.getvalue(), "k", root=PolygonGrid)
    >>> again.contains([0.5, 2.0], [0.5, 0.5]).tolist(), np.array_equal(again.cells, grid.cells)
    ([[True, False]], True)
    """
    encoder = _Encoder()
    tree = encoder.node(model)
    header = json.dumps({"key": key, "tree": tree, "arrays": encoder.table}, separators=(",", ":")).encode()
    prefix = _PREFIX.pack(MAGIC, len(header), hashlib.sha256(header).digest())
    start = _aligned(len(prefix) + len(header))
    handle.write(prefix + header + bytes(start - len(prefix) - len(header)))
    at = 0
    for entry, parts in zip(encoder.table, encoder.stored):
        handle.write(bytes(entry["offset"] - at))
        for part in parts:
            handle.write(part)
        at = entry["offset"] + entry["length"]
    return start + at


def read_model(data, key: str, root: type = ZoneModel):
    """The model in ``data`` (a file's bytes), written by :func:`write_model` under ``key``.

    Raises :class:`DamagedFile` when the file is not whole (cut short, a byte changed: every array's
    digest and the header's are checked) or holds anything but a ``root`` stored under ``key``.
    """
    data = memoryview(data).cast("B")
    if len(data) < _PREFIX.size:
        raise DamagedFile("cut short")
    magic, size, digest = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise DamagedFile("not a zonemap model file of this version")
    header = data[_PREFIX.size : _PREFIX.size + size]
    if len(header) < size:
        raise DamagedFile("cut short")
    if hashlib.sha256(header).digest() != digest:
        raise DamagedFile("its header does not match its digest")
    try:
        content = json.loads(bytes(header))
        stored_key, tree, table = content["key"], content["tree"], content["arrays"]
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        raise DamagedFile(f"unreadable header ({error})") from None
    if stored_key != key:
        raise DamagedFile("it holds another model (its key differs from its name)")
    start = _aligned(_PREFIX.size + size)
    try:
        arrays = _arrays(data, start, table)
        model = _Decoder(arrays).node(tree)
    except DamagedFile:
        raise
    except (ValueError, KeyError, TypeError, IndexError, RecursionError, shapely.errors.ShapelyError) as error:
        raise DamagedFile(f"unreadable content ({type(error).__name__}: {error})") from None
    if type(model) is not root:
        raise DamagedFile(f"it holds a {type(model).__name__}, not a {root.__name__}")
    return model


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


class _Encoder:
    """The model as a JSON tree; its arrays' stored bytes and table entries aside."""

    def __init__(self):
        self.table: list[dict] = []
        self.stored: list[list[bytes]] = []
        self.seen: dict[int, int] = {}  # id of a shared object -> its number
        self.count = 0  # numbered objects so far (post-order; the reader numbers them the same way)
        self.keep: list = []  # keeps numbered objects alive, so their ids stay theirs

    def node(self, value):
        if value is None or type(value) in (bool, int, float, str):  # not numpy's scalars: typed below
            return value
        if isinstance(value, np.generic):
            array = np.asarray(value)
            _check_dtype(array.dtype)
            return {"t": "scalar", "dtype": array.dtype.str, "hex": array.tobytes().hex()}
        if isinstance(value, list):
            return [self.node(v) for v in value]
        if type(value) is tuple:
            return {"t": "tuple", "items": [self.node(v) for v in value]}
        if type(value) is dict:
            return {"t": "dict", "items": [[self.node(k), self.node(v)] for k, v in value.items()]}
        if id(value) in self.seen:
            return {"t": "ref", "i": self.seen[id(value)]}
        if isinstance(value, np.ndarray):
            out = {"t": "array", "i": self._array(value)}
        elif isinstance(value, shapely.Geometry):
            out = {"t": "geometry", "i": self._array(np.frombuffer(shapely.to_wkb(value), dtype=np.uint8))}
        elif isinstance(value, pd.Categorical):
            categories, codes = self.node(list(value.categories)), self.node(value.codes)
            out = {"t": "categorical", "categories": categories, "codes": codes, "ordered": value.ordered}
        elif type(value) in CLASSES.values():
            name = next(n for n, c in CLASSES.items() if c is type(value))
            fields = {f.name: self.node(getattr(value, f.name)) for f in dataclasses.fields(value)}
            out = {"t": "object", "class": name, "fields": fields}
        else:
            raise TypeError(f"a model cache file cannot hold a {type(value).__name__}")
        self.seen[id(value)] = self.count
        self.count += 1
        self.keep.append(value)
        return out

    def _array(self, array: np.ndarray) -> int:
        dtype = _check_dtype(array.dtype).newbyteorder("<")
        units = _units(np.ascontiguousarray(array, dtype=dtype))
        entry = {"dtype": dtype.str, "shape": list(array.shape), "units": units.dtype.str, "delta": False, "runs": 0}
        parts = [_narrowed(units)]
        if units.nbytes >= ENCODE_MIN_BYTES and units.dtype.kind in "iu":
            if units.dtype.kind == "i" and np.all(units[1:] >= units[:-1]):  # e.g. offsets: their differences
                entry["delta"], units = True, np.diff(units, prepend=units.dtype.type(0))
                parts = [_narrowed(units)]
            starts = np.flatnonzero(np.r_[True, units[1:] != units[:-1]])
            runs = [_narrowed(units[starts]), _narrowed(np.diff(np.r_[starts, len(units)]))]
            if sum(r.nbytes for r in runs) < parts[0].nbytes:  # long runs of one value (grids): values, lengths
                entry |= {"runs": len(starts), "lengths": runs[1].dtype.str}
                parts = runs
        entry["stored"] = parts[0].dtype.str
        parts = [part.tobytes() for part in parts]
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part)
        at = self.table[-1]["offset"] + self.table[-1]["length"] if self.table else 0
        entry |= {"offset": _aligned(at), "length": sum(map(len, parts)), "sha256": digest.hexdigest()}
        self.table.append(entry)
        self.stored.append(parts)
        return len(self.table) - 1


def _units(array: np.ndarray) -> np.ndarray:
    """The array as a 1-D array: itself when 1-D, else one unsigned integer per row where a row is
    1, 2, 4 or 8 bytes (e.g. a grid cell's two words), else its values in order."""
    if array.ndim <= 1:
        return array.reshape(-1)
    row = array.dtype.itemsize * int(np.prod(array.shape[1:], dtype=np.int64))
    if len(array) and row in (1, 2, 4, 8) and array.dtype.kind in "biu":
        return array.reshape(len(array), -1).view(f"<u{row}").reshape(-1)
    return array.reshape(-1)


def _check_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.kind not in DTYPE_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise TypeError(f"a model cache file cannot hold arrays of {dtype}")
    return dtype


def _narrowed(array: np.ndarray) -> np.ndarray:
    """An integer array in the smallest integer dtype (little-endian) holding its values; else itself."""
    own = array.dtype.newbyteorder("<")
    if array.dtype.kind not in "iu" or array.size == 0:
        return array.astype(own, copy=False)
    low, high = int(array.min()), int(array.max())
    for candidate in ("u1", "i1", "<u2", "<i2", "<u4", "<i4"):
        info = np.iinfo(candidate)
        if info.min <= low and high <= info.max and info.bits < own.itemsize * 8:
            return array.astype(candidate)
    return array.astype(own, copy=False)


def _arrays(data: memoryview, start: int, table: list[dict]) -> list[np.ndarray]:
    """The file's arrays, each one's stored bytes checked against its digest first.

    They are written into one block of memory of this process's own (anonymous, asking for huge
    pages: filling 134 MB of small pages costs ~100 ms, of huge ones ~10 ms), never mapped from the
    file: a file cut short or changed while the model is in use harms nothing.
    """
    shapes = [(_check_dtype(np.dtype(e["dtype"])), tuple(int(n) for n in e["shape"])) for e in table]
    sizes = [dtype.itemsize * int(np.prod(shape, dtype=np.int64)) for dtype, shape in shapes]
    if min([*sizes, 0]) < 0 or sum(sizes) > MAX_MODEL_BYTES:
        raise DamagedFile("its arrays' shapes are out of bounds")
    arena = mmap.mmap(-1, max(1, sum(map(_aligned, sizes))), flags=_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        with contextlib.suppress(OSError):
            arena.madvise(mmap.MADV_HUGEPAGE)
    arrays, at = [], 0
    for entry, (dtype, shape), size in zip(table, shapes, sizes):
        out = np.frombuffer(arena, dtype=np.uint8, count=size, offset=at) if size else np.empty(0, np.uint8)
        _fill(out, data, start, entry)
        arrays.append(out.view(dtype).reshape(shape))
        at += _aligned(size)
    return arrays


#: Memory flags of the block the arrays are read into.
_ANONYMOUS = mmap.MAP_PRIVATE | getattr(mmap, "MAP_ANONYMOUS", 0)

#: The largest model (bytes in memory) a file may describe.
MAX_MODEL_BYTES = 64 << 30


def _fill(out: np.ndarray, data: memoryview, start: int, entry: dict) -> None:
    """Write one stored array into ``out`` (bytes, zeros), once its bytes match their digest."""
    units, stored = _check_dtype(np.dtype(entry["units"])), _check_dtype(np.dtype(entry["stored"]))
    runs, delta = int(entry["runs"]), entry["delta"] is True
    begin, length = start + int(entry["offset"]), int(entry["length"])
    if min(begin, length, runs) < 0 or begin + length > len(data) or len(out) % units.itemsize:
        raise DamagedFile("cut short")
    body = data[begin : begin + length]
    if hashlib.sha256(body).hexdigest() != entry["sha256"]:
        raise DamagedFile(f"an array ({entry['offset']} bytes in) does not match its digest")
    values, count = out.view(units), len(out) // units.itemsize
    if not runs:
        if length != count * stored.itemsize:
            raise DamagedFile("an array's size does not match its shape")
        np.copyto(values, np.frombuffer(body, dtype=stored, count=count), casting="safe")
    else:  # each run's value, and its length: the values' steps at the runs' starts, then added up
        lengths_dtype = _check_dtype(np.dtype(entry["lengths"]))
        if length != runs * (stored.itemsize + lengths_dtype.itemsize):
            raise DamagedFile("an array's size does not match its shape")
        lengths = np.frombuffer(body, dtype=lengths_dtype, count=runs, offset=runs * stored.itemsize)
        ends = np.cumsum(lengths, dtype=np.int64)
        if ends[-1] != count or lengths.min() < 1:
            raise DamagedFile("an array's runs do not add up to its shape")
        run_values = np.frombuffer(body, dtype=stored, count=runs).astype(units, casting="safe")
        values[ends - lengths] = np.diff(run_values, prepend=units.type(0))  # integers: modular, exact
        np.add.accumulate(values, out=values, dtype=units)
    if delta:
        np.add.accumulate(values, out=values, dtype=units)


class _Decoder:
    """Objects of a JSON tree made by :class:`_Encoder`: only the types it writes."""

    def __init__(self, arrays: list[np.ndarray]):
        self.arrays = arrays
        self.objects: list = []

    def node(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.node(v) for v in value]
        tag = value["t"]
        if tag == "scalar":
            return np.frombuffer(bytes.fromhex(value["hex"]), dtype=_check_dtype(np.dtype(value["dtype"])))[0]
        if tag == "tuple":
            return tuple(self.node(v) for v in value["items"])
        if tag == "dict":
            return {self.node(k): self.node(v) for k, v in value["items"]}
        if tag == "ref":
            return self.objects[int(value["i"])]
        if tag == "array":
            out = self.arrays[int(value["i"])]
        elif tag == "geometry":
            out = shapely.from_wkb(self.arrays[int(value["i"])].tobytes())
        elif tag == "categorical":
            categories, codes = self.node(value["categories"]), self.node(value["codes"])
            out = pd.Categorical.from_codes(codes, categories=categories, ordered=bool(value["ordered"]))
        elif tag == "object":
            cls = CLASSES[value["class"]]
            names = [f.name for f in dataclasses.fields(cls)]
            if sorted(names) != sorted(value["fields"]):
                raise DamagedFile(f"a {value['class']} with other fields than zonemap's")
            out = cls(**{name: self.node(value["fields"][name]) for name in names})
        else:
            raise DamagedFile(f"an unknown kind of value ({tag!r})")
        self.objects.append(out)
        return out
