"""The routing grid of one rule set: centre-lines run on nodes of pitch (width + space) / DIVISIONS[style]; the
metal of a grid element (a node's joint, the edge to a neighbour) depends only on its offset, so the pairs of
elements of two nets closer than the space are precomputed once as stencils from exact polygon distances
(geometry.py): two lines may run exactly `space` apart."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np

import maskgen.layout.routing.geometry as geo
from maskgen.layout.routing.model import Rules

DIVISIONS = {"manhattan": 1, "45": 2}
"""Grid pitch = (width + space) / DIVISIONS: one track per line pitch for Manhattan lines; halves for 45-degree
lines, whose parallel diagonals fit at 1.5 half-pitches (a pitch grid would need 2)."""
BEND = {90: 1.0, 45: 0.5}
"""Bend penalty per turn of 90 and 45 degrees, in line pitches (width + space): fewer jogs, a little length."""
EPS = 1e-7
DIRS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


class Grid:
    """The grid: coordinates, directions, element types and conflict stencils for one rule set."""

    def __init__(self, rules: Rules) -> None:
        style = rules.style
        self.style = style
        self.manhattan = style == "manhattan"
        self.w = geo.line_width(rules.width, style)
        self.thr = geo.clearance(rules.space, style)
        self.line_pitch = rules.width + rules.space
        p = self.p = self.line_pitch / DIVISIONS[style]
        x1, y1, x2, y2 = rules.area
        self.x0 = math.ceil(x1 / p - 1e-9) * p
        self.y0 = math.ceil(y1 / p - 1e-9) * p
        self.nx = max(0, math.floor((x2 - self.x0) / p + 1e-9) + 1)
        self.ny = max(0, math.floor((y2 - self.y0) / p + 1e-9) + 1)
        self.size = self.nx * self.ny
        dirs = [0, 2, 4, 6] if self.manhattan else list(range(8))
        self.dirs = [DIRS[d] for d in dirs]
        nd = len(dirs)
        self.di = np.array([d[0] for d in self.dirs], dtype=np.int64)
        self.dj = np.array([d[1] for d in self.dirs], dtype=np.int64)
        self.steplen = np.array([p * math.hypot(*d) for d in self.dirs])
        fwd = self.dirs[: nd // 2]      # (1,0),(0,1) or (1,0),(1,1),(0,1),(-1,1)
        self.types = 1 + len(fwd)
        self.edge_t = np.array([1 + (k % (nd // 2)) for k in range(nd)], dtype=np.int64)
        self.edge_back = np.array([k >= nd // 2 for k in range(nd)], dtype=np.bool_)
        turn = np.full((nd + 1, nd), np.inf)
        for a in range(nd):
            for b in range(nd):
                ang = self.angle(a, b)
                if ang == 0:
                    turn[a, b] = 0.0
                elif ang <= 90:
                    turn[a, b] = BEND[ang] * self.line_pitch
        turn[nd, :] = 0.0
        self.turn = turn
        # arriving onto a straight piece of the net's own line: square-on only (no acute notch)
        self.tee = [np.array([0.0 if self.angle(a, d) == 90 else np.inf for a in range(nd)] + [np.inf])
                    for d in range(nd)]
        self.metal = [geo.joint(self.w, style)] + [geo.wire_metal([(0, 0), (d[0] * p, d[1] * p)], rules.width,
                                                                  style)[0] for d in fwd]
        self._stencils()

    def angle(self, a: int, b: int) -> int:
        """Turn in degrees between two local directions (0..180)."""
        da, db = self.dirs[a], self.dirs[b]
        ang = math.degrees(math.atan2(da[0] * db[1] - da[1] * db[0], da[0] * db[0] + da[1] * db[1]))
        return round(abs(ang))

    def _stencils(self) -> None:
        """Offsets (di, dj) at which an element of type b is too close to an element of type a at the origin."""
        t, p = self.types, self.p
        reach = self.thr + 2 * (self.w + p * math.sqrt(2))
        r = math.ceil(reach / p) + 1
        jj, ii = np.mgrid[-r:r + 1, -r:r + 1]
        offs = np.stack([ii.ravel() * p, jj.ravel() * p], axis=1)
        ptr, sdi, sdj = [0], [], []
        for a in range(t):
            for b in range(t):
                diff = geo.minkowski_difference(self.metal[a], self.metal[b])
                # dist(A, B + o) = distance from o to A - B
                near = geo.point_distance(offs, diff) < self.thr - EPS
                sdi += ii.ravel()[near].tolist()
                sdj += jj.ravel()[near].tolist()
                ptr.append(len(sdi))
        self.st_ptr = np.array(ptr, dtype=np.int64)
        self.st_di = np.array(sdi, dtype=np.int64)
        self.st_dj = np.array(sdj, dtype=np.int64)

    def xy(self, n: int) -> tuple[float, float]:
        """Coordinates of a node in um (rounded to the database grid)."""
        j, i = divmod(int(n), self.nx)
        return (snap(self.x0 + i * self.p), snap(self.y0 + j * self.p))

    def dir_of(self, dx: float, dy: float) -> int:
        """Local direction index of a step (dx, dy), -1 when none fits."""
        if abs(dx) < 1e-9 and abs(dy) < 1e-9:
            return -1
        sx = (dx > 1e-9) - (dx < -1e-9)
        sy = (dy > 1e-9) - (dy < -1e-9)
        if sx and sy and abs(abs(dx) - abs(dy)) > 1e-6:
            return -1
        try:
            return self.dirs.index((sx, sy))
        except ValueError:
            return -1

    def nodes_near(self, x1: float, y1: float, x2: float, y2: float) -> tuple[np.ndarray, np.ndarray]:
        """Grid indices (i, j) of the nodes inside a box, flattened."""
        p = self.p
        i1, i2 = max(0, math.ceil((x1 - self.x0) / p - 1e-9)), min(self.nx - 1, math.floor((x2 - self.x0) / p + 1e-9))
        j1, j2 = max(0, math.ceil((y1 - self.y0) / p - 1e-9)), min(self.ny - 1, math.floor((y2 - self.y0) / p + 1e-9))
        if i1 > i2 or j1 > j2:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        jj, ii = np.mgrid[j1:j2 + 1, i1:i2 + 1]
        return ii.ravel().astype(np.int64), jj.ravel().astype(np.int64)


def kernels() -> ModuleType:
    """The compiled search kernels, imported on first use (numba's import is not paid by builds without RDL)."""
    import maskgen.layout.routing.search as search
    return search


_DIFFS: dict[tuple, np.ndarray] = {}


def element_diff(piece: np.ndarray, metal: np.ndarray) -> np.ndarray:
    """piece - metal (Minkowski), computed once per shape of piece and metal and moved to the piece."""
    key = (np.round(piece - piece[0], 9).tobytes(), metal.tobytes())
    d = _DIFFS.get(key)
    if d is None:
        if len(_DIFFS) > 100_000:
            _DIFFS.clear()
        d = _DIFFS[key] = geo.minkowski_difference(piece - piece[0], metal)
    return d + piece[0]


def snap(v: float) -> float:
    """A coordinate rounded to the database grid (um)."""
    return round(round(v / geo.DBU) * geo.DBU, 6)
