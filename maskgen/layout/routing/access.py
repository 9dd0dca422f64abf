"""Terminals on the routing grid: each terminal's ways onto the grid (stubs inside its metal, or one chosen
outside it), and the grid elements too close to terminals, stubs and obstacles closed to every net but their
own (with the straight corridors out of each terminal kept open to it)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

import maskgen.layout.routing.geometry as geo
from maskgen.layout.routing.grid import BEND, EPS, Grid, element_diff, snap
from maskgen.layout.routing.model import Net, Obstacle, Rules, Terminal

RAY = 64
"""Longest corridor (grid steps) out of a terminal's access node."""
AHEAD = 3
"""Grid steps straight on from an outside stub that must be clear of other metal when the stub is chosen."""
@dataclass
class Option:
    """A way onto the grid from a terminal: node, the stub's points from the centre, the stub's last direction."""

    node: int
    points: list[tuple[float, float]]
    last: int  # local direction index of the stub's last leg towards the node, or -1 (centre on the node)
    length: float
    inside: bool = True  # the stub lies inside the terminal (else it was added to the terminal's metal)


@dataclass
class Term:
    t: Terminal
    net: int
    pieces: list[np.ndarray]
    options: list[Option] = field(default_factory=list)


class Static:
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


class Access:
    """The terminals of the nets and the obstacles on one grid: their stubs and the elements they close."""

    def __init__(self, nets: list[Net], obstacles: list[Obstacle], rules: Rules, g: Grid) -> None:
        self.nets, self.rules, self.g = nets, rules, g
        self.terms: list[Term] = []
        for k, net in enumerate(nets):
            for t in (*net.pads, *net.bumps):
                t = Terminal(t.name, snap(t.x), snap(t.y), t.shape, t.keep, t.bump)
                self.terms.append(Term(t, k, geo.convex_pieces(t.shape)))
        self.static = Static(max(50.0, 10 * g.line_pitch))
        for term in self.terms:
            for piece in term.pieces:
                self.static.add(term.net, piece, term.t.keep)
        self.obstacles = [(geo.convex_pieces(o.shape), o.keep) for o in obstacles]
        for pieces, keep in self.obstacles:
            for piece in pieces:
                self.static.add(-2, piece, keep)
        self.owner = np.full((g.types, g.size), -1, dtype=np.int32)
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

    def _partner(self, term: Term) -> tuple[float, float] | None:
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
                        each = geo.inside_each((q[:, None, :] + jv[None]).reshape(-1, 2), piece)
                        ok = np.asarray(each).reshape(len(q), -1).all(axis=1)
                        ii, jj = ii[ok], jj[ok]
                        d2 = (g.x0 + ii * g.p - t.x) ** 2 + (g.y0 + jj * g.p - t.y) ** 2
                        for k in np.lexsort((jj * g.nx + ii, d2)):
                            for n, pts, last, length in self._stubs(t.x, t.y, ii[k:k + 1], jj[k:k + 1]):
                                if all(geo.inside(geo.joint(g.w, g.style, c), piece) for c in pts[1:-1]):
                                    term.options.append(Option(n, pts, last, length))
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
            cands: list[tuple[float, float, int, int, list, int]] = []
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
                    term.options.append(Option(n, pts, last, length, inside=False))
                    term.pieces = term.pieces + metal
                    for piece in metal:
                        self.static.add(term.net, piece, term.t.keep)
                    break

    def _escapes(self, term: Term, metal: list[np.ndarray], node: int, last: int) -> bool:
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
            diff = element_diff(piece, g.metal[t])
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
            if zone is not None and touch is not None:
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
            diffs = [element_diff(p, g.metal[0]) for p in term.pieces]
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
                    ray = jj[:last + 1] * g.nx + ii[:last + 1]
                    a, b = ray[:-1], ray[1:]
                    keys += ray.tolist()
                    keys += (g.edge_t[d] * g.size + (b if g.edge_back[d] else a)).tolist()
        self.corridors = np.unique(np.concatenate([np.asarray(k, dtype=np.int64) for k in corridors.values()]
                                                  + [np.empty(0, dtype=np.int64)]))
        for net, (zone, touch) in zones.items():
            if not zone:
                continue
            near = np.unique(np.concatenate(zone))
            near = near[~np.isin(near, np.concatenate(touch))]
            near = near[~np.isin(near, np.asarray(corridors.get(net, []), dtype=np.int64))]
            types, nodes = near // g.size, near % g.size
            mine = self.owner[types, nodes] == net
            self.owner[types[mine], nodes[mine]] = -2
