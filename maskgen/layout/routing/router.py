"""The RDL router: nets of pads and bumps joined by lines that keep the exact width and space.

Centre-lines run on a grid of pitch (width + space) / DIVISIONS[style] over the routing area. The metal of a
grid element (a node's joint, the edge to a neighbour) depends only on its offset, so the pairs of elements of
two nets closer than the space are precomputed once as stencils from exact polygon distances (geometry.py):
two lines may run exactly `space` apart. Terminals, their access stubs and obstacles block the elements closer
than space (+ their keep) to their polygons, exactly, for every net but their own.

A terminal centre lies anywhere: its wire reaches the grid by a stub (centre, one bend, node) inside the
terminal's metal; a terminal too small to hold one (a pad pin narrower than the line) gets one stub chosen
outside, clear of everything already placed, added to its metal: short, towards its partner, a jog then a run
(at 45 degrees), with room for the line to go on.

Each net is a tree built connection by connection (sequential Steiner attachment): a bump (or a lone bump's
pad) is joined to the nearest of the net's terminals already joined or the net's lines (a T onto a straight
piece, square-on). The connections are routed by A* (length, a bend penalty, present and history costs) and
negotiated (PathFinder): nets whose lines are too close to another's are ripped up and routed again with dearer
costs, up to `rounds`; nets still too close then are dropped one by one (most conflicts first) and routed once
more with every conflict forbidden. A connection still unrouted is then routed through the fewest other nets'
lines and those nets routed again clear of it (kept only when fewer connections stay unrouted); what still fails
is returned unrouted, nothing else is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from maskgen.layout.routing import geometry as geo
from maskgen.layout.routing.model import Net, Obstacle, Result, Rules, Terminal, Unrouted, Wire

DIVISIONS = {"manhattan": 1, "45": 2}
"""Grid pitch = (width + space) / DIVISIONS: one track per line pitch for Manhattan lines; halves for 45-degree
lines, whose parallel diagonals fit at 1.5 half-pitches (a pitch grid would need 2)."""
BEND = {90: 1.0, 45: 0.5}
"""Bend penalty per turn of 90 and 45 degrees, in line pitches (width + space): fewer jogs, a little length."""
PRESENT = 0.5
"""Present cost (line pitches) of each other net's element too close, in the first round ..."""
PRESENT_GROWTH = 2.0
"""... multiplied by this each round."""
HISTORY = 0.5
"""History cost (line pitches) added each round to an element in conflict."""
MARGIN = 50.0
"""A search first looks within this many um (or a quarter of the distance, if more) round its terminals' box."""
EPS = 1e-7
RAY = 64
"""Longest corridor (grid steps) out of a terminal's access node."""
AHEAD = 3
"""Grid steps straight on from an outside stub that must be clear of other metal when the stub is chosen."""
OWN_WEIGHT = 1000
"""Conflict count a net's own earlier 45-degree lines weigh while its later connections are routed."""
STALL = 3
"""Rounds without fewer nets in conflict after which negotiation stops (the rest is resolved by dropping)."""
CHECKS = 4
"""Rounds of final check and repair (close the elements round each marker, route the nets again)."""
BREAK_IN = 1000.0
"""Present cost (line pitches per element) with which a net left unrouted is routed again through other nets'
lines: high, so that it crosses as few of them as it can."""

DIRS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))

NO_PATH = "no path clear of other nets' terminals and obstacles"
CONGESTED = "no way clear of the other nets' lines"
NO_ACCESS = "no stub from the terminal to the routing grid clear of its neighbours"
NO_PAD = "the net has no pad"
FAILED_CHECK = "lines too close after the final check"


@dataclass
class _Option:
    """A way onto the grid from a terminal: node, the stub's points from the centre, the stub's last direction."""

    node: int
    points: list[tuple[float, float]]
    last: int  # local direction index of the stub's last leg towards the node, or -1 (centre on the node)
    length: float
    inside: bool = True  # the stub lies inside the terminal (else it was added to the terminal's metal)


@dataclass
class _Term:
    t: Terminal
    net: int
    pieces: list[np.ndarray]
    options: list[_Option] = field(default_factory=list)


@dataclass
class _Conn:
    net: int
    src: int                      # terminal index
    seeds: list[int]              # terminals of the net it may join (with the ones joined before it)
    path: np.ndarray | None = None
    opt: _Option | None = None
    end: tuple[int, int] | None = None   # (terminal index, option index), or (-1, -1) for a T onto a line
    failed: str = ""


class _Grid:
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
        return (_snap(self.x0 + i * self.p), _snap(self.y0 + j * self.p))

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


def _kernels() -> ModuleType:
    """The compiled search kernels, imported on first use (numba's import is not paid by builds without RDL)."""
    from maskgen.layout.routing import search
    return search


_DIFFS: dict[tuple, np.ndarray] = {}


def _diff(piece: np.ndarray, metal: np.ndarray) -> np.ndarray:
    """piece - metal (Minkowski), computed once per shape of piece and metal and moved to the piece."""
    key = (np.round(piece - piece[0], 9).tobytes(), metal.tobytes())
    d = _DIFFS.get(key)
    if d is None:
        if len(_DIFFS) > 100_000:
            _DIFFS.clear()
        d = _DIFFS[key] = geo.minkowski_difference(piece - piece[0], metal)
    return d + piece[0]


def _snap(v: float) -> float:
    return round(round(v / geo.DBU) * geo.DBU, 6)


class _Static:
    """Static metal (terminals with their stubs, obstacles) in buckets, for exact clearance of new stubs."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.keep = 0.0
        self.buckets: dict[tuple[int, int], list[tuple[int, np.ndarray, float, np.ndarray, np.ndarray]]] = {}

    def add(self, owner: int, piece: np.ndarray, keep: float) -> None:
        """Add one convex piece owned by a net (-2: nobody's)."""
        lo, hi = piece.min(axis=0), piece.max(axis=0)
        self.keep = max(self.keep, keep)
        for key in self._keys(lo, hi):
            self.buckets.setdefault(key, []).append((owner, piece, keep, lo, hi))

    def _keys(self, lo: np.ndarray, hi: np.ndarray) -> list[tuple[int, int]]:
        c = self.cell
        return [(i, j) for i in range(math.floor(lo[0] / c), math.floor(hi[0] / c) + 1)
                for j in range(math.floor(lo[1] / c), math.floor(hi[1] / c) + 1)]

    def clear(self, owner: int, pieces: list[np.ndarray], thr: float) -> bool:
        """Whether the pieces keep thr (+ each one's keep) from every other owner's metal."""
        for piece in pieces:
            plo, phi = piece.min(axis=0), piece.max(axis=0)
            seen: set[int] = set()
            for key in self._keys(plo - thr - self.keep, phi + thr + self.keep):
                for o, other, keep, olo, ohi in self.buckets.get(key, ()):
                    if o == owner or id(other) in seen:
                        continue
                    seen.add(id(other))
                    gap = max(olo[0] - phi[0], plo[0] - ohi[0], olo[1] - phi[1], plo[1] - ohi[1])
                    if gap >= thr + keep:
                        continue
                    if geo.distance(piece, other) < thr + keep - EPS:
                        return False
        return True


def route(nets: Sequence[Net], obstacles: Sequence[Obstacle], rules: Rules, *, rounds: int = 10,
          progress: Callable[[int, int], None] | None = None) -> Result:
    """Route every net as one tree of lines keeping exactly the rule's width and space; what cannot be routed is
    returned in `unrouted` (never raised, never dropped). Same input, same output."""
    if rules.style not in DIVISIONS:
        raise ValueError(f"style must be one of {sorted(DIVISIONS)}, not {rules.style!r}")
    router = _Router(list(nets), list(obstacles), rules)
    return router.run(max(1, rounds), progress)


class _Router:
    def __init__(self, nets: list[Net], obstacles: list[Obstacle], rules: Rules) -> None:
        self.nets, self.rules = nets, rules
        g = self.g = _Grid(rules)
        self.terms: list[_Term] = []
        for k, net in enumerate(nets):
            for t in (*net.pads, *net.bumps):
                t = Terminal(t.name, _snap(t.x), _snap(t.y), t.shape, t.keep, t.bump)
                self.terms.append(_Term(t, k, geo.convex_pieces(t.shape)))
        self.static = _Static(max(50.0, 10 * g.line_pitch))
        for term in self.terms:
            for piece in term.pieces:
                self.static.add(term.net, piece, term.t.keep)
        self.obstacles = [(geo.convex_pieces(o.shape), o.keep) for o in obstacles]
        for pieces, keep in self.obstacles:
            for piece in pieces:
                self.static.add(-2, piece, keep)
        self.owner = np.full((g.types, g.size), -1, dtype=np.int32)
        self.block = np.zeros((g.types, g.size), dtype=np.int32)
        self.hist = np.zeros((g.types, g.size), dtype=np.float32)
        self.tgt_head = np.full(g.size, -1, dtype=np.int64)
        self._access()
        zones: dict[int, tuple[list, list]] = {}
        for term in self.terms:
            zone, touch = zones.setdefault(term.net, ([], []))
            for piece in term.pieces:
                self._block(piece, term.t.keep, term.net, zone, touch)
        self._own_zones(zones)
        for pieces, keep in self.obstacles:
            for piece in pieces:
                self._block(piece, keep, -2)
        self.conns = self._plan()
        self.used: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # ------------------------------------------------------------------ terminals
    def _partner(self, term: _Term) -> tuple[float, float] | None:
        """Centre of the nearest terminal of the other kind on the same net (where the wire is likely to go)."""
        net = self.nets[term.net]
        others = net.pads if term.t.bump else net.bumps
        if not others:
            return None
        o = min(others, key=lambda o: (math.dist((o.x, o.y), (term.t.x, term.t.y)), o.name))
        return (o.x, o.y)

    def _stubs(self, cx: float, cy: float, ii: np.ndarray, jj: np.ndarray) -> list[tuple[int, list, int, float]]:
        """Stubs (node, points, last direction, length) from a centre to nodes: straight, or two axis legs."""
        g = self.g
        out = []
        for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
            n = j * g.nx + i
            qx, qy = g.xy(n)
            dx, dy = qx - cx, qy - cy
            if g.dir_of(dx, dy) >= 0 or (abs(dx) < 1e-9 and abs(dy) < 1e-9):
                ways = [[(cx, cy), (qx, qy)]]
            else:
                ways = [[(cx, cy), (qx, cy), (qx, qy)], [(cx, cy), (cx, qy), (qx, qy)]]
            for pts in ways:
                a, b = pts[-2], pts[-1]
                last = g.dir_of(b[0] - a[0], b[1] - a[1])
                out.append((n, pts, last, abs(dx) + abs(dy) if len(pts) == 3 else math.hypot(dx, dy)))
        return out

    def _access(self) -> None:
        """Each terminal's ways onto the grid: stubs inside its metal, or one stub chosen outside it."""
        g = self.g
        order = sorted(range(len(self.terms)), key=lambda k: self.terms[k].t.name)
        outside = []
        for k in order:
            term = self.terms[k]
            t = term.t
            lo = np.min([p.min(axis=0) for p in term.pieces], axis=0)
            hi = np.max([p.max(axis=0) for p in term.pieces], axis=0)
            if len(term.pieces) == 1:
                piece = term.pieces[0]
                jv = geo.joint(g.w, g.style)
                if geo.inside(jv + (t.x, t.y), piece):
                    ii, jj = g.nodes_near(*lo, *hi)
                    if len(ii):
                        q = np.stack([g.x0 + ii * g.p, g.y0 + jj * g.p], axis=1)
                        ok = geo.inside_each((q[:, None, :] + jv[None]).reshape(-1, 2), piece).reshape(len(q), -1)
                        ok = ok.all(axis=1)
                        ii, jj = ii[ok], jj[ok]
                        d2 = (g.x0 + ii * g.p - t.x) ** 2 + (g.y0 + jj * g.p - t.y) ** 2
                        for k in np.lexsort((jj * g.nx + ii, d2)):
                            for n, pts, last, length in self._stubs(t.x, t.y, ii[k:k + 1], jj[k:k + 1]):
                                if all(geo.inside(geo.joint(g.w, g.style, c), piece) for c in pts[1:-1]):
                                    term.options.append(_Option(n, pts, last, length))
                                    break
                            if term.options:
                                break
            if not term.options:
                outside.append(k)
        for k in outside:
            term = self.terms[k]
            t = term.t
            reach = g.p * 1.5 + g.w
            ii, jj = g.nodes_near(t.x - reach, t.y - reach, t.x + reach, t.y + reach)
            partner = self._partner(term)
            cands = []
            for n, pts, last, length in self._stubs(t.x, t.y, ii, jj):
                if last < 0:
                    continue
                ahead = (pts[-1][0] + AHEAD * g.p * g.dirs[last][0], pts[-1][1] + AHEAD * g.p * g.dirs[last][1])
                gain = 0.0
                if partner is not None:
                    gain = math.dist(ahead, partner) - math.dist((t.x, t.y), partner)
                # a 45-degree stub jogs first and then runs: one that runs and then hooks (a bend's cost) turns its
                # line back past its own metal at 45 degrees (an acute notch)
                hook = BEND[90] * g.line_pitch if not g.manhattan and len(pts) == 3 and \
                    math.dist(pts[0], pts[1]) > math.dist(pts[-2], pts[-1]) else 0.0
                cands.append((length + gain + hook, length, n, len(cands), pts, last))
            cands.sort(key=lambda c: c[:4])
            for _, length, n, _, pts, last in cands:
                away = (pts[-1][0] - pts[-2][0]) * (pts[-1][0] - t.x) + (pts[-1][1] - pts[-2][1]) * (pts[-1][1] - t.y)
                if away <= 0:
                    continue
                metal = geo.wire_metal(pts, self.rules.width, g.style) + [geo.joint(g.w, g.style, pts[-1])]
                if self.static.clear(term.net, metal, g.thr) and self._escapes(term, metal, n, last):
                    term.options.append(_Option(n, pts, last, length, inside=False))
                    term.pieces = term.pieces + metal
                    for piece in metal:
                        self.static.add(term.net, piece, term.t.keep)
                    break

    def _escapes(self, term: _Term, metal: list[np.ndarray], node: int, last: int) -> bool:
        """Whether a line can leave an outside stub: straight on until it keeps the space from its own
        terminal (its corridor), then on for AHEAD steps straight or turned up to 90 degrees, all clear of
        every other net's metal; else the stub would wall its terminal in."""
        g = self.g
        own = term.pieces + metal
        x, y = g.xy(node)
        dx, dy = g.dirs[last]
        for _ in range(RAY):
            x, y = x + dx * g.p, y + dy * g.p
            jv = geo.joint(g.w, g.style, (x, y))
            if not self.static.clear(term.net, [jv], g.thr):
                return False
            if min(geo.distance(jv, piece) for piece in own) >= g.thr - EPS:
                break
        for d in range(len(g.dirs)):
            if g.angle(last, d) > 90:
                continue
            ex, ey = g.dirs[d]
            path = [geo.joint(g.w, g.style, (x + k * g.p * ex, y + k * g.p * ey)) for k in range(1, AHEAD + 1)]
            if self.static.clear(term.net, path, g.thr):
                return True
        return False

    def _block(self, piece: np.ndarray, keep: float, owner: int, zone: list | None = None,
               touch: list | None = None) -> None:
        """Mark the grid elements too close to a static piece as usable by its owner only; collect (as keys
        type * size + node) the elements near it and not inside it (zone) and those inside it (touch)."""
        g = self.g
        lim = g.thr + keep - EPS
        for t in range(g.types):
            diff = _diff(piece, g.metal[t])
            lo, hi = diff.min(axis=0) - lim, diff.max(axis=0) + lim
            ii, jj = g.nodes_near(*lo, *hi)
            if not len(ii):
                continue
            q = np.stack([g.x0 + ii * g.p, g.y0 + jj * g.p], axis=1)
            # element t at q: dist(metal + q, piece) = distance from q to piece - metal
            dist = geo.point_distance(q, diff)
            near = dist < lim
            idx = jj[near] * g.nx + ii[near]
            cur = self.owner[t, idx]
            self.owner[t, idx] = np.where((cur == -1) | (cur == owner), owner, -2)
            if zone is not None:
                key = t * g.size + jj * g.nx + ii
                pts = (q[:, None, :] + g.metal[t][None, :, :]).reshape(-1, 2)
                inner = geo.inside_each(pts, piece).reshape(len(q), -1).all(axis=1)
                zone.append(key[(dist < g.thr - EPS) & ~inner])
                touch.append(key[inner])

    def _own_zones(self, zones: dict[int, tuple[list, list]]) -> None:
        """Close to its own net the elements near its terminals and not inside one, except the straight corridors
        out of each terminal's access node: a line leaves and enters a terminal along a ray, never alongside
        it nor across a slanted side (both would leave a notch narrower than the space in the net's metal)."""
        g = self.g
        nd = len(g.dirs)
        corridors: dict[int, list[int]] = {}
        for term in self.terms:
            diffs = [_diff(p, g.metal[0]) for p in term.pieces]
            for o in term.options:
                keys = corridors.setdefault(term.net, [])
                j0, i0 = divmod(o.node, g.nx)
                steps = np.arange(RAY + 1)
                ways = range(nd) if o.inside or o.last < 0 else [o.last]
                if o.inside and len(term.pieces) == 1:   # out of the terminal square-on only (no acute notch)
                    ways = [d for d in ways if geo.square_exit(term.pieces[0], g.xy(o.node), g.dirs[d], g.w / 2)]
                for d in ways:
                    di, dj = g.dirs[d]
                    ii, jj = i0 + steps * di, j0 + steps * dj
                    ok = (ii >= 0) & (ii < g.nx) & (jj >= 0) & (jj < g.ny)
                    stop = int(np.argmin(ok)) if not ok.all() else len(steps)
                    ii, jj = ii[:stop], jj[:stop]
                    if len(ii) < 2:
                        continue
                    q = np.stack([g.x0 + ii * g.p, g.y0 + jj * g.p], axis=1)
                    dist = np.min([geo.point_distance(q, df) for df in diffs], axis=0)
                    clear = np.flatnonzero(dist[1:] >= g.thr - EPS)
                    last = int(clear[0]) + 1 if len(clear) else len(ii) - 1
                    nodes = jj[:last + 1] * g.nx + ii[:last + 1]
                    a, b = nodes[:-1], nodes[1:]
                    keys += nodes.tolist()
                    keys += (g.edge_t[d] * g.size + (b if g.edge_back[d] else a)).tolist()
        self.corridors = np.unique(np.concatenate([np.asarray(k, dtype=np.int64) for k in corridors.values()]
                                                  + [np.empty(0, dtype=np.int64)]))
        for net, (zone, touch) in zones.items():
            if not zone:
                continue
            keys = np.unique(np.concatenate(zone))
            keys = keys[~np.isin(keys, np.concatenate(touch))]
            keys = keys[~np.isin(keys, np.asarray(corridors.get(net, []), dtype=np.int64))]
            t, n = keys // g.size, keys % g.size
            mine = self.owner[t, n] == net
            self.owner[t[mine], n[mine]] = -2

    # ------------------------------------------------------------------ planning
    def _plan(self) -> list[list[_Conn]]:
        """The connections of each net, in the order they are routed (nearest first, Prim-like)."""
        by_net: dict[int, tuple[list[int], list[int]]] = {}
        for k, term in enumerate(self.terms):
            pads, bumps = by_net.setdefault(term.net, ([], []))
            (bumps if term.t.bump else pads).append(k)
        out: list[list[_Conn]] = []
        self.seeds: list[list[int]] = []
        for n in range(len(self.nets)):
            pads, bumps = by_net.get(n, ([], []))
            if len(bumps) == 1:
                seeds, todo = bumps, pads
            elif len(pads) == 1:
                seeds, todo = pads, bumps
            else:
                seeds, todo = pads, bumps
            conns: list[_Conn] = []
            self.seeds.append(list(seeds))
            joined = list(seeds)
            rest = list(todo)
            while rest:
                k = min(rest, key=lambda k, joined=joined: self._gap(k, joined))
                rest.remove(k)
                conns.append(_Conn(n, k, list(joined)))
                joined.append(k)
            out.append(conns)
        return out

    def _gap(self, k: int, joined: list[int]) -> tuple[float, str]:
        """Ordering key of a terminal still to attach: distance to the nearest joined terminal, then name."""
        t = self.terms[k].t
        return (min((math.dist((t.x, t.y), (self.terms[s].t.x, self.terms[s].t.y)) for s in joined),
                    default=math.inf), t.name)

    # ------------------------------------------------------------------ search
    def _search(self, conn: _Conn, joined: set[int], lines: list[tuple[np.ndarray, np.ndarray]], present: float,
                strict: bool, used: dict[int, set[int]] | None = None) -> bool:
        """Route one connection onto the net's terminals joined so far or its lines; record its path."""
        g = self.g
        src = self.terms[conn.src]
        if not src.options:
            conn.failed = NO_ACCESS
            return False
        seeds = [s for s in conn.seeds if s in joined]
        if not seeds:
            conn.failed = NO_PAD if not conn.seeds else NO_PATH
            return False
        s_node = np.array([o.node for o in src.options], dtype=np.int64)
        s_dir = np.array([o.last if o.last >= 0 else len(g.dirs) for o in src.options], dtype=np.int64)
        s_cost = np.array([o.length for o in src.options])
        entries: list[tuple[int, int, int]] = []   # (node, terminal, option) or (node, -1, allowed mask)
        fins: list[np.ndarray] = []
        nd = len(g.dirs)
        for s in seeds:
            for oi, o in enumerate(self.terms[s].options):
                fin = np.full(nd + 1, np.inf)
                if o.last < 0:
                    fin[:] = o.length
                else:
                    back = (o.last + nd // 2) % nd   # leaving the node towards the centre
                    for d in range(nd + 1):
                        tc = g.turn[d, back]
                        if tc < np.inf:
                            fin[d] = o.length + tc
                for u in (used or {}).get(s, ()):
                    for d in range(nd):
                        # two lines leaving one terminal 45 degrees apart would leave a notch between them
                        if g.angle(u, (d + nd // 2) % nd) == 45:
                            fin[d] = np.inf
                entries.append((o.node, s, oi))
                fins.append(fin)
        for path, d_line in lines:
            for k in range(1, len(path) - 1):
                if path[k] - path[k - 1] != path[k + 1] - path[k]:
                    continue
                d = d_line[k]
                entries.append((int(path[k]), -1, -1))
                fins.append(g.tee[d])
        if not entries:
            conn.failed = NO_ACCESS
            return False
        e_node = np.array([e[0] for e in entries], dtype=np.int64)
        tgt_next = np.full(len(entries), -1, dtype=np.int64)
        heads = self.tgt_head
        for e in range(len(entries) - 1, -1, -1):
            n = e_node[e]
            tgt_next[e] = heads[n]
            heads[n] = e
        tgt_fin = np.array(fins)
        ti, tj = e_node % g.nx, e_node // g.nx
        si, sj = s_node % g.nx, s_node // g.nx
        hbox = np.array([ti.min(), tj.min(), ti.max(), tj.max()], dtype=np.int64)
        # nearest target terminal / line node: the first box spans the sources and it
        sx, sy = src.t.x, src.t.y
        d2 = (g.x0 + ti * g.p - sx) ** 2 + (g.y0 + tj * g.p - sy) ** 2
        near = int(np.argmin(d2))
        dist = math.sqrt(float(d2[near]))
        margin = max(MARGIN, dist / 4) / g.p
        lo_i, hi_i = min(si.min(), ti[near]), max(si.max(), ti[near])
        lo_j, hi_j = min(sj.min(), tj[near]), max(sj.max(), tj[near])
        boxes = [np.array([max(0, int(lo_i - m)), max(0, int(lo_j - m)), min(g.nx, int(hi_i + m) + 1),
                           min(g.ny, int(hi_j + m) + 1)], dtype=np.int64) for m in (margin, 4 * margin)]
        boxes.append(np.array([0, 0, g.nx, g.ny], dtype=np.int64))
        try:
            for box in boxes:
                path, so, te = _kernels().astar(
                    g.nx, g.ny, box, g.di, g.dj, g.steplen, g.edge_t, g.edge_back, g.turn, self.owner, self.block,
                    self.hist, conn.net, present, strict, s_node, s_dir, s_cost, heads, tgt_next, tgt_fin, hbox,
                    g.p, g.manhattan)
                if len(path):
                    conn.path, conn.opt = path, src.options[so]
                    node, term, oi = entries[te]
                    conn.end = (term, oi)
                    conn.failed = ""
                    if strict or (box == boxes[-1]).all() or (box == boxes[1]).all():
                        return True
                    t, nodes = self._elements([path])
                    if not _kernels().conflicts(self.block, t, nodes):
                        return True
                elif (box == boxes[-1]).all():
                    break
            if conn.path is not None:
                return True
        finally:
            heads[e_node] = -1
        conn.failed = CONGESTED if strict else NO_PATH
        return False

    def _elements(self, paths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Grid elements (type, node) used by paths: every node's joint and every step's edge."""
        g = self.g
        types, nodes = [], []
        for path in paths:
            types.append(np.zeros(len(path), dtype=np.int64))
            nodes.append(path)
            if len(path) > 1:
                a, b = path[:-1], path[1:]
                di = (b % g.nx) - (a % g.nx)
                dj = (b // g.nx) - (a // g.nx)
                for k, (x, y) in enumerate(g.dirs):
                    sel = (di == x) & (dj == y)
                    if sel.any():
                        types.append(np.full(int(sel.sum()), g.edge_t[k], dtype=np.int64))
                        nodes.append(b[sel] if g.edge_back[k] else a[sel])
        if not types:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        t, n = np.concatenate(types), np.concatenate(nodes)
        key = np.unique(t * g.size + n)
        return key // g.size, key % g.size

    def _directions(self, path: np.ndarray) -> np.ndarray:
        """Local direction of the step into each node of a path (the first: the second's)."""
        g = self.g
        di = np.diff(path % g.nx)
        dj = np.diff(path // g.nx)
        d = np.array([g.dirs.index((int(x), int(y))) for x, y in zip(di, dj, strict=True)], dtype=np.int64)
        return np.concatenate([d[:1], d]) if len(d) else np.zeros(len(path), dtype=np.int64)

    def _route_net(self, n: int, present: float, strict: bool) -> None:
        """Route every connection of net n (its old lines ripped up before) and mark its elements.

        Manhattan: a connection may end on the net's earlier lines (a T, square-on). 45 degree: it ends on a
        terminal only, and keeps the space from the net's earlier lines away from its terminals (marked with
        OWN_WEIGHT while the net is routed), so no two lines of the net leave a notch between them."""
        g = self.g
        lines: list[tuple[np.ndarray, np.ndarray]] = []
        joined = set(self.seeds[n])
        own: list[tuple[np.ndarray, np.ndarray]] = []
        used: dict[int, set[int]] = {}
        for conn in self.conns[n]:
            conn.path, conn.end = None, None
        conns = list(self.conns[n])
        # a connection that fails is tried once more at the end, onto every terminal joined by then
        for k, conn in enumerate(conns + [c for c in self.conns[n] if len(self.conns[n]) > 1]):
            if conn.path is not None or (k >= len(conns) and conn.src in joined):
                continue
            if k >= len(conns):
                conn.seeds = sorted(joined | set(conn.seeds))
            if self._search(conn, joined, lines, present, strict, used):
                joined.add(conn.src)
                path = conn.path
                if len(path) > 1:
                    d = self._directions(path)
                    used.setdefault(conn.src, set()).add(int(d[1]))
                    if conn.end[0] >= 0:
                        used.setdefault(conn.end[0], set()).add((int(d[-1]) + len(g.dirs) // 2) % len(g.dirs))
                if g.manhattan:
                    lines.append((conn.path, self._directions(conn.path)))
                else:
                    t, nodes = self._elements([conn.path])
                    free = self.owner[t, nodes] == -1
                    t, nodes = t[free], nodes[free]
                    _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, OWN_WEIGHT)
                    own.append((t, nodes))
        for t, nodes in own:
            _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -OWN_WEIGHT)
        self._commit(n)

    def _commit(self, n: int) -> None:
        g = self.g
        paths = [c.path for c in self.conns[n] if c.path is not None]
        t, nodes = self._elements(paths)
        self.used[n] = (t, nodes)
        _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)

    def _rip(self, n: int) -> None:
        g = self.g
        t, nodes = self.used.pop(n, (None, None))
        if t is not None:
            _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)

    def _conflicts(self, n: int) -> int:
        """How many of net n's elements other nets are too close to."""
        if n not in self.used:
            return 0
        g = self.g
        t, nodes = self.used[n]
        _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)
        c = _kernels().conflicts(self.block, t, nodes)
        _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)
        return int(c)

    def _history(self, n: int) -> None:
        g = self.g
        t, nodes = self.used[n]
        _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)
        _kernels().add_history(self.block, self.hist, t, nodes, HISTORY)
        _kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)

    # ------------------------------------------------------------------ negotiation
    def run(self, rounds: int, progress: Callable[[int, int], None] | None) -> Result:
        """Negotiate, drop and retry what stays in conflict, check, and collect wires and unrouted connections."""
        order = sorted(range(len(self.nets)), key=lambda n: (self._span(n), self.nets[n].name))
        self.order = order
        self.present = PRESENT
        self.rounds_used = 0
        self.progress = progress
        self.done, self.total = 0, sum(1 for n in order if self.conns[n])
        todo = [n for n in order if self.conns[n]]
        bad = {}
        for k in range(CHECKS):
            self._negotiate(todo, rounds if k == 0 else min(rounds, STALL))
            self._resolve(order)
            self._repair(order)
            bad = self._check()
            if not bad:
                break
            for boxes in bad.values():
                for box in boxes:
                    self._forbid(box)
            todo = sorted(bad, key=order.index)
            self.total += len(todo)
        for n, boxes in bad.items():
            self._drop(n, boxes)
        if progress is not None:
            progress(self.total, self.total)
        return self._result(self.rounds_used)

    def _negotiate(self, todo: list[int], rounds: int) -> None:
        """Route the nets, then again those too close to another, with dearer costs, for at most `rounds` rounds."""
        best, since = len(todo) + 1, 0
        for rnd in range(rounds):
            self.rounds_used = max(self.rounds_used, rnd + 1)
            for n in todo:
                self._rip(n)
                self._route_net(n, self.present, strict=False)
                self.done += 1
                if self.progress is not None:
                    self.progress(min(self.done, self.total), self.total)
            bad = [n for n in self.order if self._conflicts(n)]
            if not bad:
                return
            best, since = (len(bad), 0) if len(bad) < best else (best, since + 1)
            if since >= STALL:
                return
            for n in bad:
                self._history(n)
            self.present *= PRESENT_GROWTH
            todo = bad
            self.total += len(bad)

    def _drop(self, n: int, boxes: list[tuple[float, float, float, float]]) -> None:
        """Unroute the connections of net n whose lines reach a marker of the last check, and those joined
        through them; the rest of the net stays routed."""
        reach = self.rules.width + self.rules.space
        gone: set[int] = set()
        tee_gone = False
        for c in self.conns[n]:
            if c.path is None:
                continue
            pts = np.asarray(self._wire(c).points)
            lo, hi = pts.min(axis=0) - reach, pts.max(axis=0) + reach
            hit = any(lo[0] <= b[2] and b[0] <= hi[0] and lo[1] <= b[3] and b[1] <= hi[1] for b in boxes)
            term = c.end[0] if c.end else -1
            if hit or term in gone or (term < 0 and tee_gone):
                gone.add(c.src)
                tee_gone = True
                c.path, c.failed = None, FAILED_CHECK

    def _forbid(self, box: tuple[float, float, float, float]) -> None:
        """Close every grid element near a marker of the final check to every net, except the corridors out of
        terminals (a marker is mostly a notch in a net's own metal, which the stencils between nets do not see)."""
        g = self.g
        m = g.w / 2 + g.p / 2
        ii, jj = g.nodes_near(box[0] - m, box[1] - m, box[2] + m, box[3] + m)
        idx = jj * g.nx + ii
        keys = (np.arange(g.types)[:, None] * g.size + idx[None, :]).ravel()
        keys = keys[~np.isin(keys, self.corridors)]   # the ways out of terminals stay open
        self.owner[keys // g.size, keys % g.size] = -2

    def _span(self, n: int) -> float:
        """Ordering key: the length of the net's first connection (shortest first)."""
        conns = self.conns[n]
        if not conns:
            return 0.0
        c = conns[0]
        a = self.terms[c.src].t
        return min((math.dist((a.x, a.y), (self.terms[s].t.x, self.terms[s].t.y)) for s in c.seeds), default=0.0)

    def _resolve(self, order: list[int]) -> None:
        """Drop nets still in conflict (most conflicts first) until none is, then route each dropped net again
        with every conflict forbidden."""
        dropped = []
        while True:
            counts = [(self._conflicts(n), n) for n in order]
            worst = max(counts, key=lambda c: (c[0], -order.index(c[1])), default=(0, -1))
            if worst[0] == 0:
                break
            self._rip(worst[1])
            for c in self.conns[worst[1]]:
                c.path = None
            dropped.append(worst[1])
        for n in sorted(dropped, key=order.index):
            self._route_net(n, 0.0, strict=True)

    def _repair(self, order: list[int]) -> None:
        """Rip up and reroute round each connection left unrouted: route it again through the fewest other nets'
        lines (the rest of its net kept), then route those nets again clear of it; kept only when fewer
        connections stay unrouted than before, else everything goes back as it was."""
        for n in [n for n in order if any(c.path is None for c in self.conns[n])]:
            for conn in [c for c in self.conns[n] if c.path is None]:
                if conn.path is not None:
                    continue
                before = self._save([n])
                lost = sum(c.path is None for c in self.conns[n])
                if self._reconnect(n, conn):
                    self._make_way(n, order, lost, before)
                else:
                    self._restore(before)
            if any(c.path is None for c in self.conns[n]):   # then the whole net, through the fewest lines
                before = self._save([n])
                lost = sum(c.path is None for c in self.conns[n])
                self._rip(n)
                self._route_net(n, BREAK_IN, strict=False)
                if sum(c.path is None for c in self.conns[n]) < lost:
                    self._make_way(n, order, lost, before)
                else:
                    self._restore(before)

    def _make_way(self, n: int, order: list[int], lost: int, before: dict[int, list[tuple]]) -> None:
        """Route again, clear of net n, the nets its new lines are too close to; keep the change when fewer
        connections are unrouted than `lost` (net n's before), else restore `before` and those nets."""
        victims = [m for m in order if m != n and self._conflicts(m)]
        before.update(self._save(victims))
        for m in victims:
            self._rip(m)
        for m in victims:
            self._route_net(m, 0.0, strict=True)
        after = sum(c.path is None for m in [n, *victims] for c in self.conns[m])
        if after >= lost or self._conflicts(n):
            self._restore(before)

    def _reconnect(self, n: int, conn: _Conn) -> bool:
        """Route one unrouted connection of net n onto any terminal the net has joined (or, Manhattan, its lines),
        through other nets' lines at the BREAK_IN cost; the net's other connections stay as they are."""
        g = self.g
        routed = [c for c in self.conns[n] if c.path is not None]
        joined = set(self.seeds[n]) | {c.src for c in routed}
        lines = [(c.path, self._directions(c.path)) for c in routed] if g.manhattan else []
        self._rip(n)
        own = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        if not g.manhattan and routed:   # keep the space from the net's own lines (no notch), as _route_net does
            t, nodes = self._elements([c.path for c in routed])
            free = self.owner[t, nodes] == -1
            own = (t[free], nodes[free])
            _kernels().mark(self.block, *own, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, OWN_WEIGHT)
        conn.seeds = sorted(joined)
        ok = self._search(conn, joined, lines, BREAK_IN, False)
        if len(own[0]):
            _kernels().mark(self.block, *own, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -OWN_WEIGHT)
        self._commit(n)
        return ok

    def _save(self, nets: list[int]) -> dict[int, list[tuple]]:
        """The routed state of some nets (each connection's path, stub, end, failure and seeds)."""
        return {n: [(c.path, c.opt, c.end, c.failed, list(c.seeds)) for c in self.conns[n]] for n in nets}

    def _restore(self, saved: dict[int, list[tuple]]) -> None:
        """Put saved nets back as they were (their present lines ripped up first)."""
        for n in saved:
            self._rip(n)
        for n, state in saved.items():
            for c, (path, opt, end, failed, seeds) in zip(self.conns[n], state, strict=True):
                c.path, c.opt, c.end, c.failed, c.seeds = path, opt, end, failed, seeds
            self._commit(n)

    # ------------------------------------------------------------------ output
    def _wire(self, c: _Conn) -> Wire:
        g = self.g
        src = self.terms[c.src]
        pts = list(c.opt.points[:-1]) + [g.xy(n) for n in c.path]
        term, oi = c.end
        if term >= 0:
            end = self.terms[term]
            pts += list(reversed(end.options[oi].points[:-1]))
            name = end.t.name
        else:
            name = self.nets[c.net].name
        return Wire(self.nets[c.net].name, src.t.name, name, corners(pts))

    def _check(self) -> set[int]:
        """Nets whose drawn lines break the space or width with klayout.db (none when the model holds)."""
        from maskgen.layout.routing.verify import violations
        wires = {n: [self._wire(c) for c in self.conns[n] if c.path is not None] for n in range(len(self.nets))}
        fixed = [(term.net, geo.convex_pieces(term.t.shape)) for term in self.terms]
        fixed += [(-2, pieces) for pieces, _ in self.obstacles]
        return violations(wires, fixed, self.rules)

    def _result(self, rounds: int) -> Result:
        wires, unrouted = [], []
        routed = 0
        for n, conns in enumerate(self.conns):
            ok = True
            for c in conns:
                if c.path is not None:
                    wires.append(self._wire(c))
                    continue
                ok = False
                a = self.terms[c.src].t
                if c.seeds:
                    b = min((self.terms[s].t for s in c.seeds), key=lambda t: (math.dist((a.x, a.y), (t.x, t.y)),
                                                                               t.name))
                    end, end_xy = b.name, (b.x, b.y)
                else:
                    end, end_xy = self.nets[n].name, (a.x, a.y)
                unrouted.append(Unrouted(self.nets[n].name, a.name, end, (a.x, a.y), end_xy,
                                         c.failed or CONGESTED))
            if ok and conns:
                routed += 1
            elif ok and not conns and self.nets[n].pads and self.nets[n].bumps:
                routed += 1
        return Result(wires, unrouted, len(self.nets), routed, rounds)


def corners(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The polyline without its collinear middle points and repeated points."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and math.isclose(out[-1][0], p[0], abs_tol=1e-9) and math.isclose(out[-1][1], p[1], abs_tol=1e-9):
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if abs((bx - ax) * (p[1] - by) - (by - ay) * (p[0] - bx)) < 1e-9 and \
                    (bx - ax) * (p[0] - bx) + (by - ay) * (p[1] - by) > 0:
                out[-1] = p
                continue
        out.append(p)
    return out
