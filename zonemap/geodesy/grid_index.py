"""Grid indexes that answer point queries for millions of points with exact results.

:class:`PolygonGrid` stores, for each cell of a regular lon/lat grid, which polygons contain the
whole cell and which have a boundary running through it. A point in a cell no boundary touches
takes the cell's answer; only points in boundary cells are tested with ``shapely.contains_xy``.
The answers are those of ``contains_xy``, point for point.

:class:`NearestGrid` stores segments of a plane (metres) and, for each cell, every segment that
can be the nearest one to some point of the cell. A point's nearest segment (or point: a segment
of zero length) is then the nearest of a few candidates, found exactly with numpy.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass

import numpy as np
import shapely

#: Polygons one :class:`PolygonGrid` holds: one bit each in a cell's 64-bit words.
GRID_BITS = 64

#: Largest candidate block (points × candidates) held in memory at once.
BLOCK_ELEMENTS = 1 << 20


class _CompactPickle:
    """Pickles its large numpy arrays zlib-compressed: grids are mostly zeros (42 MB -> 1.5 MB),
    which matters when a model travels to dask workers (zonemap's disk cache holds no pickles)."""

    def __getstate__(self):
        return {
            key: ("zlib", value.dtype.str, value.shape, zlib.compress(value.tobytes(), 1))
            if isinstance(value, np.ndarray) and value.nbytes > 1 << 16
            else value
            for key, value in self.__dict__.items()
            if not key.startswith("_")  # per-process caches
        }

    def __setstate__(self, state):
        for key, value in state.items():
            if isinstance(value, tuple) and len(value) == 4 and value[0] == "zlib":
                value = np.frombuffer(zlib.decompress(value[3]), dtype=value[1]).reshape(value[2])
            self.__dict__[key] = value


def _cell_index(x, y, origin, cell, shape):
    """Flat cell index of each point, or ``-1`` outside the grid (NaN included)."""
    with np.errstate(invalid="ignore"):  # NaN and far-away points: cast to anything, then set to -1
        col = np.floor((np.asarray(x) - origin[0]) / cell)
        row = np.floor((np.asarray(y) - origin[1]) / cell)
        inside = (col >= 0) & (col < shape[1]) & (row >= 0) & (row < shape[0])
        row *= shape[1]  # in place: half the passes over the points of np.where(…).astype
        row += col
        index = np.asarray(row).astype(np.int64)
    index[~inside] = -1
    return index


def _grid_around(bounds, cell, margin):
    """Origin and (rows, cols) of a grid of ``cell``-sized cells over ``bounds`` plus ``margin``."""
    minx, miny, maxx, maxy = bounds
    origin = (np.floor((minx - margin) / cell) * cell, np.floor((miny - margin) / cell) * cell)
    cols = int(np.ceil((maxx + margin - origin[0]) / cell))
    rows = int(np.ceil((maxy + margin - origin[1]) / cell))
    return origin, (rows, cols)


@dataclass
class PolygonGrid(_CompactPickle):
    """Which of ``polygons`` (lon/lat) contain points, via a grid of ``cell`` degrees.

    Examples
    --------
    >>> grid = PolygonGrid.build([shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 2, 1)], cell=0.1)
    >>> grid.contains([0.25, 0.75, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5]).tolist()
    [[True, True, False, False], [False, True, True, False]]
    """

    polygons: list
    origin: tuple[float, float]
    cell: float
    shape: tuple[int, int]
    #: (cells + 1, 2): per cell, [bit i set: polygon i contains the whole cell, bit i set: polygon i's
    #: boundary may cross the cell]; a last "outside the grid" row of zeros. A cell's two words lie
    #: side by side: one memory access per point, not two (a zone grid is ~20 MB, larger than caches).
    cells: np.ndarray

    @property
    def inside(self) -> np.ndarray:
        return self.cells[:, 0]

    @property
    def boundary(self) -> np.ndarray:
        return self.cells[:, 1]

    @classmethod
    def build(cls, polygons, cell: float) -> PolygonGrid:
        if len(polygons) > GRID_BITS:
            raise ValueError(f"PolygonGrid holds at most {GRID_BITS} polygons (one bit each): use PolygonGrids")
        dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if np.iinfo(t).bits >= len(polygons))
        origin, shape = _grid_around(shapely.total_bounds(polygons), cell, cell)
        inside = np.zeros(shape, dtype=dtype)
        boundary = np.zeros(shape, dtype=dtype)
        for bit, polygon in enumerate(polygons):
            edges = _edges(polygon)
            # work in the window of cells around this polygon only
            minx, miny, maxx, maxy = shapely.bounds(polygon)
            r0, c0 = int((miny - origin[1]) // cell) - 1, int((minx - origin[0]) // cell) - 1
            r1, c1 = int((maxy - origin[1]) // cell) + 2, int((maxx - origin[0]) // cell) + 2
            window = (slice(max(r0, 0), min(r1, shape[0])), slice(max(c0, 0), min(c1, shape[1])))
            corner = (origin[0] + window[1].start * cell, origin[1] + window[0].start * cell)
            size = (window[0].stop - window[0].start, window[1].stop - window[1].start)
            touched = _touched_cells(edges, corner, cell, size)
            centre_in = _centres_inside(edges, corner, cell, size)
            mask = dtype(1) << dtype(bit)
            inside[window] |= np.where(centre_in & ~touched, mask, dtype(0))
            boundary[window] |= np.where(touched, mask, dtype(0))
        end = np.zeros(1, dtype=dtype)
        cells = np.column_stack([np.r_[inside.ravel(), end], np.r_[boundary.ravel(), end]])
        return cls(list(polygons), origin, cell, shape, cells)

    def contains(self, lon, lat) -> np.ndarray:
        """(polygons, n) booleans: polygon i contains point j (same as ``shapely.contains_xy``)."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        index = _cell_index(lon, lat, self.origin, self.cell, self.shape)  # -1 reads the final 0
        found = self.cells.take(index, axis=0)  # (a row-wise gather: 8 times faster than cells[index])
        inside, boundary = found[:, 0].copy(), found[:, 1]
        out = np.empty((len(self.polygons), len(lon)), dtype=bool)
        for bit in range(len(self.polygons)):
            np.not_equal(inside & inside.dtype.type(1 << bit), 0, out=out[bit])
        near = np.flatnonzero(boundary)
        flags = boundary[near]
        for bit, polygon in enumerate(self._polygons_of_this_thread()):
            check = near[(flags >> bit) & 1 == 1]
            out[bit, check] = shapely.contains_xy(polygon, lon[check], lat[check])
        return out

    def contains_one(self, polygon: int, lon, lat) -> np.ndarray:
        """(n,) booleans: polygon number ``polygon`` contains point j (the others are not looked at).

        Examples
        --------
        >>> grid = PolygonGrid.build([shapely.box(0, 0, 1, 1), shapely.box(0.5, 0, 2, 1)], cell=0.1)
        >>> grid.contains_one(1, [0.25, 0.75, 1.5, 3.0], [0.5, 0.5, 0.5, 0.5]).tolist()
        [False, True, True, False]
        """
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        found = self.cells.take(_cell_index(lon, lat, self.origin, self.cell, self.shape), axis=0)
        bit = self.cells.dtype.type(1) << self.cells.dtype.type(polygon)
        out = (found[:, 0] & bit) != 0
        near = np.flatnonzero(found[:, 1] & bit)
        out[near] = shapely.contains_xy(self._polygons_of_this_thread()[polygon], lon[near], lat[near])
        return out

    def _polygons_of_this_thread(self) -> list:
        """This thread's own prepared copies of the polygons.

        A GEOS geometry must not be queried from two threads at once: with shapely 2.2 / GEOS 3.14
        concurrent ``contains_xy`` on one polygon (prepared or not) corrupts the heap (reproduced
        here), so each thread of :func:`zonemap.classify` tests points against its own copies.
        """
        local = self.__dict__.setdefault("_threads", threading.local())
        if not hasattr(local, "polygons"):
            local.polygons = list(shapely.from_wkb(shapely.to_wkb(np.asarray(self.polygons, dtype=object))))
            shapely.prepare(local.polygons)
        return local.polygons


@dataclass
class PolygonGrids:
    """Any number of polygons: :class:`PolygonGrid` s of at most :data:`GRID_BITS` polygons each (one
    bit per polygon and cell), side by side; polygon ``i`` is bit ``i % 64`` of grid ``i // 64``.

    Memory grows by one grid per 64 polygons; a query of one polygon reads one grid only.

    Examples
    --------
    >>> grids = PolygonGrids.build([shapely.box(i, 0, i + 1, 1) for i in range(70)], cell=0.25)
    >>> len(grids), len(grids.grids), grids.contains_one(69, [69.5, 0.5], [0.5, 0.5]).tolist()
    (70, 2, [True, False])
    >>> grids.contains([0.5, 69.5], [0.5, 0.5])[[0, 69]].tolist()
    [[True, False], [False, True]]
    """

    grids: list[PolygonGrid]

    @classmethod
    def build(cls, polygons, cell: float) -> PolygonGrids:
        polygons = list(polygons)
        return cls([PolygonGrid.build(polygons[i : i + GRID_BITS], cell) for i in range(0, len(polygons), GRID_BITS)])

    def __len__(self) -> int:
        return sum(len(grid.polygons) for grid in self.grids)

    @property
    def polygons(self) -> list:
        return [polygon for grid in self.grids for polygon in grid.polygons]

    def contains(self, lon, lat) -> np.ndarray:
        """(polygons, n) booleans: polygon i contains point j (same as ``shapely.contains_xy``)."""
        return np.vstack([grid.contains(lon, lat) for grid in self.grids])

    def contains_one(self, polygon: int, lon, lat) -> np.ndarray:
        """(n,) booleans: polygon number ``polygon`` contains point j (one grid is read)."""
        return self.grids[polygon // GRID_BITS].contains_one(polygon % GRID_BITS, lon, lat)


def _edges(polygon) -> np.ndarray:
    """Every ring edge of a (multi)polygon as rows x1, y1, x2, y2."""
    rings = shapely.get_rings(shapely.get_parts(polygon))
    blocks = [np.column_stack([c[:-1], c[1:]]) for c in (shapely.get_coordinates(r) for r in rings)]
    return np.vstack(blocks) if blocks else np.empty((0, 4))


def _touched_cells(edges, origin, cell, shape) -> np.ndarray:
    """Cells an edge may pass through: cells of points every cell/2 along it, grown by one cell."""
    x1, y1, x2, y2 = edges.T
    steps = np.maximum(1, np.ceil(np.hypot(x2 - x1, y2 - y1) / (cell / 2))).astype(np.int64)
    edge = np.repeat(np.arange(len(edges)), steps + 1)
    t = (np.arange(len(edge)) - np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)) / steps[edge]
    x, y = x1[edge] + t * (x2 - x1)[edge], y1[edge] + t * (y2 - y1)[edge]
    marked = np.zeros((shape[0] + 2, shape[1] + 2), dtype=bool)  # one cell of padding all round
    col = np.floor((x - origin[0]) / cell).astype(np.int64) + 1
    row = np.floor((y - origin[1]) / cell).astype(np.int64) + 1
    marked[row, col] = True
    grown = np.zeros_like(marked)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            grown[1 + dr : shape[0] + 1 + dr, 1 + dc : shape[1] + 1 + dc] |= marked[1:-1, 1:-1]
    return grown[1:-1, 1:-1]


def _centres_inside(edges, origin, cell, shape) -> np.ndarray:
    """Even-odd rule for every cell centre, by scanlines through the centres (numpy only)."""
    x1, y1, x2, y2 = edges[edges[:, 1] != edges[:, 3]].T
    low, high = np.minimum(y1, y2), np.maximum(y1, y2)
    # rows whose centre y lies in [low, high): each vertex is counted once by the edges that meet there
    first = np.clip(np.ceil((low - origin[1]) / cell - 0.5), 0, shape[0]).astype(np.int64)
    stop = np.clip(np.ceil((high - origin[1]) / cell - 0.5), 0, shape[0]).astype(np.int64)
    counts = stop - first
    edge = np.repeat(np.arange(len(x1)), counts)
    row = first[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(counts) - counts, counts)
    yc = origin[1] + (row + 0.5) * cell
    x = x1[edge] + (yc - y1[edge]) * (x2 - x1)[edge] / (y2 - y1)[edge]
    # a crossing at x flips every centre left of it: k centres of the row have xc < x
    k = np.clip(np.ceil((x - origin[0]) / cell - 0.5), 0, shape[1]).astype(np.int64)
    flips = np.bincount(row * (shape[1] + 1) + k, minlength=shape[0] * (shape[1] + 1)).reshape(shape[0], -1)
    right_of = np.cumsum(flips[:, ::-1], axis=1)[:, ::-1]  # crossings at or right of column c
    return (right_of[:, 1:] & 1).astype(bool)


#: Levels of :class:`NearestGrid`, finest first: (cell size, reach beyond the segments), in metres.
#: Each cell size divides the next, so a cell's candidates come from its parent cell's.
NEAREST_LEVELS_M = ((500.0, 80_000.0), (4_000.0, 300_000.0), (32_000.0, 1_500_000.0))


@dataclass
class _Level(_CompactPickle):
    """One grid of a :class:`NearestGrid`: cells (row0.., col0..) of ``cell`` metres and their candidates."""

    cell: float
    first: tuple[int, int]  # global (row, col) of the grid's first cell; cell (r, c) spans c*cell..(c+1)*cell
    shape: tuple[int, int]
    offsets: np.ndarray  # candidates of cell i: members[offsets[i]:offsets[i + 1]]
    members: np.ndarray
    one: np.ndarray  # per cell: its first candidate,
    two: np.ndarray  # its second (or the first again),
    kind: np.ndarray  # 0: one candidate, 1: two, 2: more. Each ends with an entry for "outside" (2)

    @classmethod
    def of(cls, cell, first, shape, offsets, members) -> _Level:
        count = np.diff(offsets)
        padded = np.r_[members, 0]
        one, two = padded[offsets[:-1]], padded[offsets[:-1] + (count > 1)]
        kind = np.r_[np.minimum(count, 3) - 1, 2].astype(np.int8)
        return cls(cell, first, shape, offsets, members, np.r_[one, 0], np.r_[two, 0], kind)

    @property
    def origin(self):
        return self.first[1] * self.cell, self.first[0] * self.cell

    def index(self, x, y):
        """Flat cell index of each point, ``-1`` outside this grid."""
        return _cell_index(x, y, self.origin, self.cell, self.shape)


@dataclass
class NearestGrid(_CompactPickle):
    """Segments ``a``→``b`` on a plane (metres) with, per grid cell, the ones that can be nearest.

    Grids of 0.5, 4 and 32 km cells reach 80, 300 and 1,500 km beyond the segments
    (:data:`NEAREST_LEVELS_M`); further out every segment is compared. A segment of zero length
    is a point, so the same index finds nearest places.

    Examples
    --------
    >>> grid = NearestGrid.build(np.array([[0.0, 0.0], [10.0, 0.0]]), np.array([[10.0, 0.0], [10.0, 10.0]]))
    >>> segment, t = grid.nearest(np.array([4.0, 13.0, 9e6]), np.array([1.0, 6.0, 5.0]))
    >>> segment.tolist(), t.round(3).tolist()
    ([0, 1, 1], [0.4, 0.6, 0.5])
    """

    ax: np.ndarray  # segment starts and directions, one array per coordinate
    ay: np.ndarray
    abx: np.ndarray
    aby: np.ndarray
    inverse_length2: np.ndarray  # 1 / |b - a|², 0 for a point
    levels: list[_Level]  # finest first

    @classmethod
    def build(cls, a, b, levels=NEAREST_LEVELS_M) -> NearestGrid:
        """Index segments ``a``→``b`` ((m, 2) arrays in metres)."""
        a, b = np.asarray(a, dtype=float).reshape(-1, 2), np.asarray(b, dtype=float).reshape(-1, 2)
        ab = b - a
        length2 = np.einsum("ij,ij->i", ab, ab)
        with np.errstate(divide="ignore"):
            inverse = np.where(length2 > 0, 1 / length2, 0.0)
        grid = cls(a[:, 0], a[:, 1], ab[:, 0], ab[:, 1], inverse, [])
        bounds = (min(a[:, 0].min(), b[:, 0].min()), min(a[:, 1].min(), b[:, 1].min()),
                  max(a[:, 0].max(), b[:, 0].max()), max(a[:, 1].max(), b[:, 1].max()))  # fmt: skip
        parent = None
        for cell, reach in reversed(levels):  # coarsest first: each level draws on its parent
            if parent is not None and parent.cell % cell:
                raise ValueError("each NearestGrid cell size must divide the next")
            first = (int(np.floor((bounds[1] - reach) / cell)), int(np.floor((bounds[0] - reach) / cell)))
            shape = (int(np.floor((bounds[3] + reach) / cell)) - first[0] + 1,
                     int(np.floor((bounds[2] + reach) / cell)) - first[1] + 1)  # fmt: skip
            level = _Level.of(cell, first, shape, *grid._candidates(cell, first, shape, parent))
            grid.levels.insert(0, level)
            parent = level
        return grid

    def _candidates(self, cell, first, shape, parent: _Level | None):
        """CSR candidate lists of a grid's cells, drawing on the parent level's lists."""
        rows, cols = np.divmod(np.arange(shape[0] * shape[1]), shape[1])
        x, y = (first[1] + cols + 0.5) * cell, (first[0] + rows + 0.5) * cell
        if parent is None:
            start, count = np.zeros(len(x), dtype=np.int64), np.full(len(x), len(self.ax))
            pool = np.arange(len(self.ax))
        else:
            index = parent.index(x, y)
            if np.any(index < 0):
                raise ValueError("a NearestGrid level must lie inside the next coarser one")
            start, count = parent.offsets[index], np.diff(parent.offsets)[index]
            pool = parent.members
        chosen: list[tuple[np.ndarray, np.ndarray]] = []
        for rows, candidates in _groups(start, count, pool):
            keep = _may_be_nearest(*self._from_feet(x[rows, None], y[rows, None], candidates)[:2], cell / np.sqrt(2))
            chosen.append((np.repeat(rows, keep.sum(axis=1)), candidates[keep]))
        cell_of = np.concatenate([c for c, _ in chosen])
        member = np.concatenate([m for _, m in chosen])
        order = np.lexsort((member, cell_of))
        offsets = np.searchsorted(cell_of[order], np.arange(len(x) + 1))
        return offsets, member[order].astype(np.int64)

    def nearest(self, x, y):
        """Nearest segment of each point (plane coordinates, metres): its index and the fraction t along it."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        # nearly every point lies in a finest-level cell with one or two candidates: no search
        finest = self.levels[0]
        cell = finest.index(x, y)  # -1 (outside) reads each array's final "outside" entry
        kind = finest.kind[cell]
        segment = finest.one[cell]
        t, d2 = self._project(x, y, segment)
        pair = np.flatnonzero(kind == 1)
        two = finest.two[cell[pair]]
        t_two, d2_two = self._project(x[pair], y[pair], two)
        better = d2_two < d2[pair]
        segment[pair[better]], t[pair[better]] = two[better], t_two[better]
        rest = np.flatnonzero(kind == 2)
        segment[rest], t[rest] = self._search(x[rest], y[rest])
        return segment, t

    def _project(self, x, y, segment):
        """Fraction t along each point's segment of its nearest point there, and the squared distance."""
        dx, dy, t = self._from_feet(x, y, segment)
        return t, dx * dx + dy * dy

    def _search(self, x, y):
        """Nearest segment among each point's candidates at the finest level that holds it."""
        segment, t = np.zeros(len(x), dtype=np.int64), np.zeros(len(x))
        todo = np.arange(len(x))
        for level in self.levels:
            index = level.index(x[todo], y[todo])
            held = index >= 0
            start, stop = level.offsets[index[held]], level.offsets[index[held] + 1]
            self._pick(x, y, todo[held], start, stop - start, level.members, segment, t)
            todo = todo[~held]
        # beyond every grid: every segment is a candidate
        every = np.arange(len(self.ax))
        self._pick(x, y, todo, np.zeros(len(todo), dtype=np.int64), np.full(len(todo), len(every)), every, segment, t)
        return segment, t

    def _pick(self, x, y, rows, start, count, pool, segment, t):
        """Set ``segment`` and ``t`` of points ``rows`` to their nearest among their candidates."""
        for group, candidates in _groups(start, count, pool):
            chosen = rows[group]
            dx, dy, along = self._from_feet(x[chosen, None], y[chosen, None], candidates)
            best = np.argmin(dx * dx + dy * dy, axis=1)
            pick = np.arange(len(group))
            segment[chosen], t[chosen] = candidates[pick, best], along[pick, best]

    def _from_feet(self, x, y, candidates):
        """From the nearest point of each candidate segment to its point: dx, dy and t along the segment.

        ``x``, ``y`` broadcast against ``candidates``: (n,) with (n,), or (n, 1) with (n, k).
        """
        dx, dy = x - self.ax[candidates], y - self.ay[candidates]
        abx, aby = self.abx[candidates], self.aby[candidates]
        t = (dx * abx + dy * aby) * self.inverse_length2[candidates]
        np.minimum(np.maximum(t, 0.0, out=t), 1.0, out=t)
        dx -= t * abx
        dy -= t * aby
        return dx, dy, t


def _may_be_nearest(dx, dy, r):
    """Which candidates (columns) can be nearest to some point within ``r`` of the cell centre.

    ``dx``, ``dy``: from each candidate's nearest point to the centre. A candidate s is also dropped when
    the centre's nearest candidate s* is nearer than s everywhere in the cell: g = d(·, s*) − d(·, s)
    has gradient u* − u (unit vectors from the nearest points), and a distance function's gradient
    turns by at most |Δp|/δ at distance ≥ δ, so g(p) ≤ g(c) + r (|u*(c) − u(c)| + r/δ* + r/δ) < 0.
    """
    d = np.hypot(dx, dy)
    rows = np.arange(len(d))
    best = np.argmin(d, axis=1)
    d_best = d[rows, best][:, None]
    keep = d <= d_best + 2 * r + 1e-6  # the first test alone: s is dropped when it is further from
    # the centre than s* by more than the cell's diameter; the second where that leaves several
    several = np.flatnonzero(keep.sum(axis=1) > 1)
    d, d_best, best, dx, dy = d[several], d_best[several], best[several], dx[several], dy[several]
    pick = np.arange(len(several))
    with np.errstate(invalid="ignore", divide="ignore"):
        ux, uy = dx / d, dy / d
        turn = np.hypot(ux[pick, best][:, None] - ux, uy[pick, best][:, None] - uy)
        bound = d_best - d + r * (turn + r / (d_best - r) + r / (d - r))
    clear = (d - r > 0) & (d_best - r > 0)  # both stay away from the cell: gradients defined
    keep[several] &= ~(clear & (bound < -1e-6))
    return keep


def _groups(start, count, pool):
    """(rows, candidates (rows, k)) blocks of points grouped by how many candidates they have."""
    for k in np.flatnonzero(np.bincount(count)):
        same = np.flatnonzero(count == k)
        for rows in np.array_split(same, max(1, len(same) * k // BLOCK_ELEMENTS)):
            yield rows, pool[start[rows, None] + np.arange(k)]
