"""The RDL router: nets of pads and bumps joined by lines that keep the exact width and space.

Centre-lines run on the grid of grid.py (exact clearance between grid elements by stencils). Terminals, their
access stubs and obstacles close the elements closer than space (+ their keep) to their polygons, exactly, for
every net but their own (access.py): a terminal centre lies anywhere, and reaches the grid by a stub.

Each net is a tree built connection by connection (sequential Steiner attachment): a bump (or a lone bump's
pad) is joined to the nearest of the net's terminals already joined or the net's lines (a T onto a straight
piece, square-on). The connections are routed by A* (length, a bend penalty, present and history costs) and
negotiated (PathFinder): nets whose lines are too close to another's are ripped up and routed again with dearer
costs, up to `rounds`; nets still too close then are dropped one by one (most conflicts first) and routed once
more with every conflict forbidden. A connection still unrouted is then routed through the fewest other nets'
lines and those nets routed again clear of it (kept only when fewer connections stay unrouted); once the lines
are clean, a connection still open is tried so again with the nets that could not make way walled off, and the
longest detours are routed the short way with the one net they cross routed again clear of them (kept only when
shorter together). What still fails is returned unrouted, nothing else is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

import numpy as np

import maskgen.layout.routing.geometry as geo
from maskgen.layout.routing.access import Access, Option
from maskgen.layout.routing.grid import DIVISIONS, Grid, kernels
from maskgen.layout.routing.model import Net, Obstacle, Result, Rules, Unrouted, Wire

PRESENT = 0.5
"""Present cost (line pitches) of each other net's element too close, in the first round ..."""
PRESENT_GROWTH = 2.0
"""... multiplied by this each round."""
HISTORY = 0.5
"""History cost (line pitches) added each round to an element in conflict."""
MARGIN = 50.0
"""A search first looks within this many um (or a quarter of the distance, if more) round its terminals' box."""
OWN_WEIGHT = 1000
"""Conflict count a net's own earlier 45-degree lines weigh while its later connections are routed."""
STALL = 3
"""Rounds without fewer nets in conflict after which negotiation stops (the rest is resolved by dropping)."""
CHECKS = 4
"""Rounds of final check and repair (close the elements round each marker, route the nets again)."""
TRIES = 4
"""Tries of the last repair of a connection (once the lines are clean and connections stay open), each with the
nets that could not make way for the try before walled off."""
DETOUR = 20
"""Line pitches by which a connection must be longer than the straight way between its ends before the
shortening pass (run once the lines are clean) tries to route its net the short way."""
SHORT = 0.01
"""Present cost (line pitches per element) with which the shortening pass routes a net the short way: low, so that
it crosses other nets' lines (to be routed again clear of it) rather than go round them."""
VICTIMS = 1
"""Most other nets the short way may cross in the shortening pass (more are seldom all routed again clear of it,
and each costs a search)."""
BREAK_IN = 1000.0
"""Present cost (line pitches per element) with which a net left unrouted is routed again through other nets'
lines: high, so that it crosses as few of them as it can."""

NO_PATH = "no path clear of other nets' terminals and obstacles"
CONGESTED = "no way clear of the other nets' lines"
NO_ACCESS = "no stub from the terminal to the routing grid clear of its neighbours"
NO_PAD = "the net has no pad"
FAILED_CHECK = "lines too close after the final check"


@dataclass
class _Conn:
    net: int
    src: int                      # terminal index
    seeds: list[int]              # terminals of the net it may join (with the ones joined before it)
    path: np.ndarray | None = None
    opt: Option | None = None
    end: tuple[int, int] | None = None   # (terminal index, option index), or (-1, -1) for a T onto a line
    failed: str = ""


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
        g = self.g = Grid(rules)
        access = Access(nets, obstacles, rules, g)
        self.terms, self.obstacles, self.owner = access.terms, access.obstacles, access.owner
        self.corridors = access.corridors
        self.block = np.zeros((g.types, g.size), dtype=np.int32)
        self.hist = np.zeros((g.types, g.size), dtype=np.float32)
        self.tgt_head = np.full(g.size, -1, dtype=np.int64)
        self.conns = self._plan()
        self.used: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.boxes: dict[int, tuple[int, int, int, int]] = {}   # grid box (i0, i1, j0, j1) of each net's elements
        self.local = False   # searches stay within 4 x MARGIN of their terminals (the shortening pass)

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
                k = min(rest, key=partial(self._gap, joined=joined))
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
        if not self.local:
            boxes.append(np.array([0, 0, g.nx, g.ny], dtype=np.int64))
        try:
            for box in boxes:
                path, so, te = kernels().astar(
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
                    if not kernels().conflicts(self.block, t, nodes):
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

    def _route_net(self, n: int, present: float, strict: bool, keep: bool = False) -> None:
        """Route every connection of net n (its old lines ripped up before; with keep, only the connections without
        a path, onto the rest of the net as it is, whose marks it rips up) and mark its elements.

        Manhattan: a connection may end on the net's earlier lines (a T, square-on). 45 degree: it ends on a
        terminal only, and keeps the space from the net's earlier lines away from its terminals (marked with
        OWN_WEIGHT while the net is routed), so no two lines of the net leave a notch between them."""
        lines: list[tuple[np.ndarray, np.ndarray]] = []
        joined = set(self.seeds[n])
        own: list[tuple[np.ndarray, np.ndarray]] = []
        used: dict[int, set[int]] = {}
        if keep:
            self._rip(n)
        for conn in self.conns[n]:
            if not keep:
                conn.path, conn.end = None, None
            elif conn.path is not None:
                self._joined(conn, joined, lines, own, used)
        conns = list(self.conns[n])
        # a connection that fails is tried once more at the end, onto every terminal joined by then
        for k, conn in enumerate(conns + [c for c in self.conns[n] if len(self.conns[n]) > 1]):
            if conn.path is not None or (k >= len(conns) and conn.src in joined):
                continue
            if k >= len(conns):
                conn.seeds = sorted(joined | set(conn.seeds))
            if self._search(conn, joined, lines, present, strict, used):
                self._joined(conn, joined, lines, own, used)
        for elements in own:
            self._own_lines_off(elements)
        self._commit(n)

    def _joined(self, conn: _Conn, joined: set[int], lines: list[tuple[np.ndarray, np.ndarray]],
                own: list[tuple[np.ndarray, np.ndarray]], used: dict[int, set[int]]) -> None:
        """Record a routed connection while its net is routed: its terminal joined, the directions it leaves
        terminals in, its line (Manhattan: for later T's; 45 degree: marked with OWN_WEIGHT)."""
        g = self.g
        joined.add(conn.src)
        path = conn.path
        assert path is not None and conn.end is not None, "a connection found has a path and an end"
        if len(path) > 1:
            d = self._directions(path)
            used.setdefault(conn.src, set()).add(int(d[1]))
            if conn.end[0] >= 0:
                used.setdefault(conn.end[0], set()).add((int(d[-1]) + len(g.dirs) // 2) % len(g.dirs))
        if g.manhattan:
            lines.append((path, self._directions(path)))
        else:
            own.append(self._own_lines([path]))

    def _own_lines(self, paths: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Mark the free elements of a net's own lines with OWN_WEIGHT while more of the net is routed (45 degree:
        its later lines keep the space from them); returns those elements for _own_lines_off."""
        g = self.g
        t, nodes = self._elements(paths)
        free = self.owner[t, nodes] == -1
        t, nodes = t[free], nodes[free]
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, OWN_WEIGHT)
        return t, nodes

    def _own_lines_off(self, elements: tuple[np.ndarray, np.ndarray]) -> None:
        """Take back the OWN_WEIGHT marks of _own_lines."""
        g = self.g
        kernels().mark(self.block, *elements, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -OWN_WEIGHT)

    def _commit(self, n: int) -> None:
        g = self.g
        paths = [c.path for c in self.conns[n] if c.path is not None]
        t, nodes = self._elements(paths)
        self.used[n] = (t, nodes)
        if len(nodes):
            i, j = nodes % g.nx, nodes // g.nx
            self.boxes[n] = (int(i.min()), int(i.max()), int(j.min()), int(j.max()))
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)

    def _rip(self, n: int) -> None:
        g = self.g
        t, nodes = self.used.pop(n, (None, None))
        if t is not None:
            kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)

    def _conflicts(self, n: int) -> int:
        """How many of net n's elements other nets are too close to."""
        if n not in self.used:
            return 0
        g = self.g
        t, nodes = self.used[n]
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)
        c = kernels().conflicts(self.block, t, nodes)
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)
        return int(c)

    def _history(self, n: int) -> None:
        g = self.g
        t, nodes = self.used[n]
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, -1)
        kernels().add_history(self.block, self.hist, t, nodes, HISTORY)
        kernels().mark(self.block, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)

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
        bad: dict[int, list[tuple[float, float, float, float]]] = {}
        polished = False
        for k in range(CHECKS):
            self._negotiate(todo, rounds if k == 0 else min(rounds, STALL))
            self._resolve(order)
            self._repair(order)
            bad = self._check()
            if not bad and not polished:
                polished = True
                if any(self._open(n) for n in order):
                    # last resort, once the lines are clean: repairs that wall off the nets that could not make way
                    self._repair(order, TRIES)
                    bad = self._check()
                if not bad:
                    saved = self._save(order)
                    changed = self._shorten(order)
                    near = sorted(changed | {m for n in changed for m in self._near(n, order)})
                    if changed and self._check(near):
                        # a shortening broke the check: the lines go back as they were
                        self._restore({n: saved[n] for n in changed})
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

    def _repair(self, order: list[int], tries: int = 1) -> None:
        """Rip up and reroute round each connection left unrouted: route it again through the fewest other nets'
        lines (the rest of its net kept), then route those nets again clear of it; kept only when fewer
        connections stay unrouted than before, else everything goes back as it was. A net still open is then
        tried whole, through the fewest lines. With tries > 1, each is tried again with the nets that could not
        make way for it walled off (see _attempt)."""
        for n in [n for n in order if self._open(n)]:
            for conn in [c for c in self.conns[n] if c.path is None]:
                self._attempt(n, order, partial(self._reconnect, n, conn), tries)
            if self._open(n):
                self._attempt(n, order, partial(self._route_through, n), tries)

    def _shorten(self, order: list[int]) -> set[int]:
        """Take the long way round out of the longest detours: a connection DETOUR line pitches longer than the
        straight way between its ends is routed again (with those joined through it) the short way, crossing
        other nets' lines at the SHORT cost, and the connections of other nets it comes too close to are routed
        again clear of it (those that find no way first, and it after them, when some do not); kept only when
        nothing more is left open and the lines of all of them are shorter together by at least a line pitch.
        Returns the nets changed."""
        g = self.g
        todo: list[tuple[float, int, int]] = []
        for n in order:
            for k, c in enumerate(self.conns[n]):
                if c.path is None:
                    continue
                assert c.end is not None, "a routed connection has an end"
                a = self.terms[c.src].t
                x2, y2 = (self.terms[c.end[0]].t.x, self.terms[c.end[0]].t.y) if c.end[0] >= 0 else g.xy(c.path[-1])
                dx, dy = abs(x2 - a.x), abs(y2 - a.y)
                straight = dx + dy if g.manhattan else max(dx, dy) + (math.sqrt(2) - 1) * min(dx, dy)
                length = self._conn_length(c)
                if length - straight > DETOUR * g.line_pitch:
                    todo.append((straight - length, order.index(n), k))
        changed: set[int] = set()
        self.local = True
        no_hist = np.zeros_like(self.hist)
        for _, i, k in sorted(todo):
            n = order[i]
            if self.conns[n][k].path is None:
                continue
            before = self._save([n])
            length, lost = self._length(n), self._open(n)
            redo = self._unhook(n, [self.conns[n][k]])
            hist, self.hist = self.hist, no_hist   # the short way, not the negotiated one
            self._route_net(n, SHORT, strict=False, keep=True)
            self.hist = hist
            victims = [m for m in self._near(n, order) if self._conflicts(m)]
            if self._open(n) > lost or self._length(n) > length - g.line_pitch or len(victims) > VICTIMS:
                self._restore(before)
                continue
            before.update(self._save(victims))
            opened = {m: self._open(m) for m in victims}
            length += sum(self._length(m) for m in victims)
            lost += sum(self._open(m) for m in victims)
            for m in victims:
                self._unhook(m)
            for m in victims:
                self._route_net(m, 0.0, strict=True, keep=True)
            stuck = [m for m in victims if self._open(m) > opened[m]]
            if stuck:
                # the nets that found no way round it go first, and net n the shortest way clear of them
                for c in redo:
                    c.path = None
                self._rip(n)
                self._commit(n)
                for m in stuck:
                    self._route_net(m, 0.0, strict=True, keep=True)
                self._route_net(n, 0.0, strict=True, keep=True)
            if self._conflicts(n) or sum(self._open(m) for m in [n, *victims]) > lost or \
                    sum(self._length(m) for m in [n, *victims]) > length - g.line_pitch:
                self._restore(before)
                continue
            changed |= {n, *victims}
        self.local = False
        return changed

    def _near(self, n: int, order: list[int]) -> list[int]:
        """The other nets whose lines come within reach of net n's (boxes of their elements overlap), in order."""
        _, nodes = self.used.get(n, (None, None))
        if nodes is None or not len(nodes):
            return []
        reach = int(self.g.st_di.max(initial=0)) + 1
        i0, i1, j0, j1 = self.boxes[n]           # kept by _commit beside self.used
        lo_i, hi_i, lo_j, hi_j = i0 - reach, i1 + reach, j0 - reach, j1 + reach
        out = []
        for m in order:
            if m == n or m not in self.used or not len(self.used[m][1]):
                continue
            mi0, mi1, mj0, mj1 = self.boxes[m]
            if mi0 <= hi_i and lo_i <= mi1 and mj0 <= hi_j and lo_j <= mj1:
                out.append(m)
        return out

    def _unhook(self, n: int, conns: list[_Conn] | None = None) -> list[_Conn]:
        """Take out the given connections of net n (by default those too close to other nets' lines), with those
        joined through them (ending on their terminals, or on their lines with a T), the rest of the net staying
        marked; returns what was taken out, to be routed again by _route_net(keep=True)."""
        self._rip(n)
        gone: set[int] = set()
        nodes: set[int] = set()
        out: list[_Conn] = []
        for c in self.conns[n]:
            if c.path is not None and (any(c is x for x in conns) if conns is not None else
                                       kernels().conflicts(self.block, *self._elements([c.path]))):
                gone.add(c.src)
                nodes.update(c.path.tolist())
                c.path = None
                out.append(c)
        grew = True
        while grew:
            grew = False
            for c in self.conns[n]:
                if c.path is None or c.end is None:
                    continue
                if (c.end[0] >= 0 and c.end[0] in gone) or (c.end[0] < 0 and int(c.path[-1]) in nodes):
                    gone.add(c.src)
                    nodes.update(c.path.tolist())
                    c.path, grew = None, True
                    out.append(c)
        self._commit(n)
        return out

    def _length(self, n: int) -> float:
        """Centre-line length (um) of net n's routed connections."""
        return sum(self._conn_length(c) for c in self.conns[n] if c.path is not None)

    def _conn_length(self, c: _Conn) -> float:
        """Centre-line length (um) of a routed connection: its stubs and grid steps, as _wire draws them."""
        g = self.g
        assert c.path is not None and c.opt is not None and c.end is not None, "a routed connection"
        steps = np.abs(np.diff(c.path))
        total = c.opt.length + float(np.where((steps == 1) | (steps == g.nx), g.p, g.p * math.sqrt(2)).sum())
        if c.end[0] >= 0:
            total += self.terms[c.end[0]].options[c.end[1]].length
        return total

    def _open(self, n: int) -> int:
        """How many of net n's connections are unrouted."""
        return sum(c.path is None for c in self.conns[n])

    def _attempt(self, n: int, order: list[int], change: Callable[[], bool], tries: int = 1) -> None:
        """Make a change to net n; keep it (and make way for it) only when fewer of its connections stay open.
        When the nets it crossed cannot all be routed again clear of it, try again (up to `tries` times in all)
        with those nets' lines walled off, so that the change crosses other nets' lines instead."""
        walled: list[int] = []
        for _ in range(tries):
            before = self._save([n])
            lost = self._open(n)
            with self._walls(walled):
                ok = change()
            if not ok or self._open(n) >= lost:
                self._restore(before)
                return
            stuck = self._make_way(n, order, lost, before)
            if not stuck or all(m in walled for m in stuck):
                return
            walled += [m for m in stuck if m not in walled]

    def _route_through(self, n: int) -> bool:
        """Route the whole of net n again through other nets' lines at the BREAK_IN cost."""
        self._rip(n)
        self._route_net(n, BREAK_IN, strict=False)
        return True

    def _make_way(self, n: int, order: list[int], lost: int, before: dict[int, list[tuple]]) -> list[int]:
        """Route again, clear of net n, the nets its new lines are too close to; keep the change when fewer
        connections are unrouted than `lost` (net n's before), else restore `before` and those nets. Returns
        the nets left with open connections by a change not kept (empty when kept)."""
        victims = [m for m in order if m != n and self._conflicts(m)]
        before.update(self._save(victims))
        for m in victims:
            self._rip(m)
        for m in victims:
            self._route_net(m, 0.0, strict=True)
        after = sum(c.path is None for m in [n, *victims] for c in self.conns[m])
        if after < lost and not self._conflicts(n):
            return []
        stuck = [m for m in victims if self._open(m)]
        self._restore(before)
        return stuck

    @contextmanager
    def _walls(self, nets: list[int]) -> Iterator[None]:
        """Close to every net, while it lasts, the elements too close to the given nets' lines (as strict routing
        would close them all): a repair made meanwhile goes round those lines."""
        if not nets:
            yield
            return
        g = self.g
        near = np.zeros_like(self.block)
        for m in nets:
            t, nodes = self.used.get(m, (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)))
            kernels().mark(near, t, nodes, g.nx, g.ny, g.st_ptr, g.st_di, g.st_dj, 1)
        tt, nn = np.nonzero(near)
        old = self.owner[tt, nn].copy()
        self.owner[tt, nn] = -2
        try:
            yield
        finally:
            self.owner[tt, nn] = old

    def _reconnect(self, n: int, conn: _Conn) -> bool:
        """Route one unrouted connection of net n onto any terminal the net has joined (or, Manhattan, its lines),
        through other nets' lines at the BREAK_IN cost; the net's other connections stay as they are."""
        g = self.g
        paths = [c.path for c in self.conns[n] if c.path is not None]
        joined = set(self.seeds[n]) | {c.src for c in self.conns[n] if c.path is not None}
        lines = [(p, self._directions(p)) for p in paths] if g.manhattan else []
        self._rip(n)
        # keep the space from the net's own lines (no notch), as _route_net does
        own = self._own_lines(paths) if not g.manhattan else None
        conn.seeds = sorted(joined)
        ok = self._search(conn, joined, lines, BREAK_IN, False)
        if own is not None:
            self._own_lines_off(own)
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
        assert c.opt is not None and c.path is not None and c.end is not None, "only a routed connection has a wire"
        pts = list(c.opt.points[:-1]) + [g.xy(n) for n in c.path]
        term, oi = c.end
        if term >= 0:
            end = self.terms[term]
            pts += list(reversed(end.options[oi].points[:-1]))
            name = end.t.name
        else:
            name = self.nets[c.net].name
        return Wire(self.nets[c.net].name, src.t.name, name, corners(pts))

    def _check(self, nets: list[int] | None = None) -> dict[int, list[tuple[float, float, float, float]]]:
        """Nets whose drawn lines break the space or width with klayout.db (none when the model holds); of the
        given nets' lines only, if given (with every terminal and obstacle)."""
        from maskgen.layout.routing.verify import violations
        wires = {n: [self._wire(c) for c in self.conns[n] if c.path is not None]
                 for n in (range(len(self.nets)) if nets is None else nets)}
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
