"""RDL fan-out: a grid maze router joining each chip pad to its bump with Manhattan or 45-degree lines.

Pure geometry in um: terminals in, centre-line polylines out; nothing here draws, reads files or knows the PDK.

The centre-lines run on a grid of pitch g = (width + space) / 4. A grid node is free for a net when the net's
metal around it keeps `space` from every other net's metal, counting the worst case of a mitred 90-degree
corner (metal reaches w / sqrt2 from the centre-line) and the segment between two nodes (g / sqrt2):

* other nets' pad and bump lands block the nodes closer than space + w / sqrt2 + g / sqrt2 to their outline
  (hard obstacles, never crossed);
* other nets' routed lines are too close to the nodes nearer than space + sqrt2 w + g / sqrt2 to one of their
  nodes (the discs round the nodes are widened to cover the segments between them);
* the die edge keep-out: centre-lines stay inside `area` (the die shrunk by DIE.EDGE, like pad centres).

A line leaves its own pad and enters its own bump land straight, along one of the allowed directions from the
land centre, so it meets the land's outline square-on (no narrow notch between line and land).

Nets are routed by negotiated congestion (PathFinder): each net takes its cheapest way by A* (length, a
penalty per bend, and for every node a present cost per other line too close plus a history cost that grows
on every node where lines were too close in an earlier round). After the first round, the nets whose lines
are too close to another's are routed again with a dearer present cost and more history, until no lines are
too close or ROUNDS is reached; nets still too close then are refused by name. The A* estimate is the octile
(Manhattan) distance, never more than the true cost, so every search finds its cheapest way; everything is
ordered, so equal input gives equal routes. Finally the lines are straightened: small jogs are replaced by
straight or two-leg pieces where those keep every clearance.
A pad whose centre is its bump's centre (within UNDER_BUMP) needs no line.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SQRT2 = math.sqrt(2.0)
ROUNDS = 40
"""Most rounds of negotiated congestion before the nets whose lines are still too close are refused."""
STALL = 12
"""Rounds without fewer nets in conflict after which negotiation stops (the conflict is topological: lines of
one layer that must cross). On the 16 seeded cases of tests/test_routing.py it halves the time (108 s -> 51 s)
with the same outcome for every case; 8 rounds already lost two routable ones."""
PRESENT = 30.0
"""Cost (in grid pitches) of each other line too close to a node, in the first round ..."""
PRESENT_GROWTH = 1.6
"""... multiplied by this in each later round."""
HISTORY = 1.0
"""Cost (in grid pitches) added to a node each round a line on it is too close to another."""
GREED = 1.0
"""Weight of the distance estimate in the A* search (1: every search finds its cheapest way)."""
MARGIN = 100.0
"""A search first looks within this many um (or a third of the pad-bump distance, if more) round the box of its
pad and bump, then in a box four times that margin, then on the whole grid (a larger box when the way found
is not clear of the other lines)."""
JOG = 8
"""Straightening looks at pieces of a line of up to this many corners."""
UNDER_BUMP = 1.0
"""A pad whose centre lies within this distance (um) of its bump's centre sits under the bump: no line."""

# the eight directions counter-clockwise from +x; Manhattan uses the even ones
DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))

NO_EXIT = "no free way out of the pad"
NO_ENTRY = "no free way into the bump land"
NO_PATH = "no free path to its bump"
TOO_CLOSE = "no way clear of the other lines"
OUTSIDE = "outside the routing area (die edge keep-out)"


@dataclass(frozen=True)
class Land:
    """A metal land a line ends on: centre and half-width (radius of a circle, half side of a square).

    `keep` widens the land for every other net only: the solder on a bump reaches past its land (ball
    footprint, reflowed outline), and another net's line under it would be joined to it.
    """

    x: float
    y: float
    half: float
    round: bool = True
    keep: float = 0.0

    def distance(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Distance from points to the land's outline (0 inside); octagons are bounded by their square."""
        dx, dy = xs - self.x, ys - self.y
        if self.round:
            return np.maximum(np.hypot(dx, dy) - self.half, 0.0)
        return np.hypot(np.maximum(np.abs(dx) - self.half, 0.0), np.maximum(np.abs(dy) - self.half, 0.0))


@dataclass(frozen=True)
class Net:
    """One pad to join to one bump; the name is the pad's, used when it cannot be routed."""

    name: str
    pad: Land
    bump: Land


@dataclass(frozen=True)
class Rules:
    """Line width and space (um), style 'manhattan' or '45', and the area (x1, y1, x2, y2) centre-lines may use."""

    width: float
    space: float
    style: str
    area: tuple[float, float, float, float]
    divisions: int = 4

    @property
    def pitch(self) -> float:
        """Router grid pitch: the line pitch (width + space) over `divisions`."""
        return (self.width + self.space) / self.divisions


@dataclass
class Route:
    """The centre-line of one net from its pad to its bump (no points: the pad is under its bump)."""

    name: str
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def length(self) -> float:
        """Centre-line length in um."""
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))


class Unroutable(Exception):
    """Some pads could not be routed; `reasons` maps each pad name to why."""

    def __init__(self, reasons: dict[str, str]) -> None:
        self.reasons = reasons
        groups: dict[str, list[str]] = {}
        for name, why in reasons.items():
            groups.setdefault(why, []).append(name)
        super().__init__("; ".join(f"{', '.join(names)} ({why})" for why, names in groups.items()))


def route(nets: Sequence[Net], rules: Rules, rounds: int = ROUNDS) -> list[Route]:
    """Route every net (in input order in the result); raise Unroutable naming every pad that fails.

    Negotiated congestion: every net is routed (shortest first), then the nets whose lines are too close to
    another's are routed again with dearer present and history costs, for at most `rounds` rounds.
    """
    grid = _Grid(rules)
    todo = [i for i, n in enumerate(nets) if math.dist((n.pad.x, n.pad.y), (n.bump.x, n.bump.y)) > UNDER_BUMP]
    for i, n in enumerate(nets):
        grid.add_land(i, n.pad)
        grid.add_land(i, n.bump)
    grid.freeze()
    order = sorted(todo, key=lambda i: (_octile(nets[i], rules.style), nets[i].name))
    failed: dict[int, str] = {}
    ends: dict[int, tuple[list, list]] = {}
    for i in order:
        why = grid.ends(i, nets[i])
        if isinstance(why, str):
            failed[i] = why
        else:
            ends[i] = why
    order = [i for i in order if i in ends]
    present = PRESENT
    again = order
    best, since = len(order) + 1, 0
    for _ in range(max(1, rounds)):
        grid.set_costs(present)
        for i in again:
            grid.remove_line(i)
            path = grid.search(i, nets[i], *ends[i])
            if path is None:
                failed[i] = NO_PATH
                ends.pop(i)
                continue
            grid.add_line(i, path)
        again = [i for i in order if i in ends and grid.too_close(i)]
        if not again:
            break
        best, since = (len(again), 0) if len(again) < best else (best, since + 1)
        if since >= STALL:
            break
        grid.add_history(again)
        present *= PRESENT_GROWTH
    for i in order:
        if i in ends and grid.too_close(i):
            failed[i] = TOO_CLOSE
    if failed:
        raise Unroutable({nets[i].name: failed[i] for i in sorted(failed, key=lambda i: nets[i].name)})
    for i in order:
        grid.straighten(i)
    return [Route(n.name, corners([grid.xy(k) for k in grid.paths[i]]) if i in grid.paths else [])
            for i, n in enumerate(nets)]


def _octile(net: Net, style: str) -> float:
    """Shortest possible line length from pad to bump in the style (ordering key)."""
    dx, dy = abs(net.pad.x - net.bump.x), abs(net.pad.y - net.bump.y)
    if style == "manhattan":
        return dx + dy
    return max(dx, dy) + (SQRT2 - 1.0) * min(dx, dy)


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


def _disc(radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (di, dj) of the grid nodes within `radius` (in pitches) of a node."""
    r = math.floor(radius + 1e-9)
    dj, di = np.mgrid[-r:r + 1, -r:r + 1]
    inside = di * di + dj * dj <= radius * radius + 1e-9
    return di[inside], dj[inside]


class _Grid:
    """The routing grid (flat numpy arrays, node k = j * nx + i): land zones, lines, costs and the A* search."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        g = self.g = rules.pitch
        x1, y1, x2, y2 = rules.area
        reach = rules.width / SQRT2  # metal beyond the centre-line at a mitred corner
        self.x0 = math.ceil(x1 / g - 1e-9) * g
        self.y0 = math.ceil(y1 / g - 1e-9) * g
        self.nx = max(0, math.floor((x2 - self.x0) / g + 1e-9) + 1)
        self.ny = max(0, math.floor((y2 - self.y0) / g + 1e-9) + 1)
        size = self.nx * self.ny
        self.static = np.zeros(size, dtype=np.int32)   # land zones over each node
        self.occ = np.zeros(size, dtype=np.int32)      # line zones over each node
        self.hist = np.zeros(size, dtype=np.float64)   # history cost (pitches)
        self.cost = np.zeros(size, dtype=np.float64)   # cost of entering a node (um), inf on land zones
        self.present = PRESENT
        self.zones: dict[int, list[np.ndarray]] = {}
        self.paths: dict[int, list[int]] = {}
        self.marks: dict[int, np.ndarray] = {}
        self._best: list[float] | None = None  # A* work lists (see _astar)
        self._way: list[int] = []
        self._closed = bytearray()
        self.land_clear = rules.space + reach + g / SQRT2
        # a line's zone: discs round its nodes, widened so that they cover the segments between the nodes
        line_clear = rules.space + 2 * reach + g / SQRT2
        self.disc = _disc(math.hypot(line_clear, g / SQRT2) / g)
        self.manhattan = rules.style == "manhattan"
        self.dirs = [0, 2, 4, 6] if self.manhattan else list(range(8))
        self.turns = {0: 0.0, 2: 2 * g, 6: 2 * g} if self.manhattan else {0: 0.0, 1: g, 7: g, 2: 3 * g, 6: 3 * g}
        self.moves = {d: [(d2, DIRECTIONS[d2][0], DIRECTIONS[d2][1], DIRECTIONS[d2][0] + DIRECTIONS[d2][1] * self.nx,
                           g * math.hypot(*DIRECTIONS[d2]) + self.turns[(d2 - d) % 8])
                          for d2 in self.dirs if (d2 - d) % 8 in self.turns] for d in self.dirs}
        # straightening: node offset -> direction (unique only on a grid at least 3 wide), and step lengths
        self.stepdir = {di + dj * self.nx: d for d, (di, dj) in enumerate(DIRECTIONS)} if self.nx >= 3 else {}
        self.steplen = [g * math.hypot(*dd) for dd in DIRECTIONS]

    # -- coordinates
    def node(self, x: float, y: float) -> int | None:
        """The grid node nearest to a point (within a pitch of the grid's edge), None farther out."""
        i, j = round((x - self.x0) / self.g), round((y - self.y0) / self.g)
        if not (-1 <= i <= self.nx and -1 <= j <= self.ny) or self.nx == 0 or self.ny == 0:
            return None
        return min(max(j, 0), self.ny - 1) * self.nx + min(max(i, 0), self.nx - 1)

    def xy(self, k: int) -> tuple[float, float]:
        """Coordinates of a node in um."""
        j, i = divmod(k, self.nx)
        return (round(self.x0 + i * self.g, 6), round(self.y0 + j * self.g, 6))

    # -- obstacles and costs
    def add_land(self, net: int, land: Land) -> None:
        """Block the nodes too close to a land for every other net."""
        clear = self.land_clear + land.keep
        c, g = clear + land.half, self.g
        i1, i2 = max(0, math.floor((land.x - c - self.x0) / g)), min(self.nx, math.ceil((land.x + c - self.x0) / g) + 1)
        j1, j2 = max(0, math.floor((land.y - c - self.y0) / g)), min(self.ny, math.ceil((land.y + c - self.y0) / g) + 1)
        if i1 >= i2 or j1 >= j2:
            self.zones.setdefault(net, [])
            return
        gx, gy = np.meshgrid(self.x0 + g * np.arange(i1, i2), self.y0 + g * np.arange(j1, j2))
        jj, ii = np.nonzero(land.distance(gx, gy) < clear)
        nodes = (jj + j1) * self.nx + ii + i1
        self.static[nodes] += 1
        self.zones.setdefault(net, []).append(nodes)

    def freeze(self) -> None:
        """Lands are placed: own-zone lookups for the rays."""
        self.blocked = self.static > 0

    def set_costs(self, present: float) -> None:
        """All node costs for a round with this present cost (per other line too close, in pitches)."""
        self.present = present
        self.cost[:] = (self.hist + present * self.occ) * self.g
        self.cost[self.blocked] = np.inf

    def _mark(self, nodes: list[int]) -> np.ndarray:
        """The nodes of a line's zone (discs round its nodes), each once."""
        k = np.asarray(nodes, dtype=np.int64)
        j, i = np.divmod(k, self.nx)
        di, dj = self.disc
        ii, jj = (i[:, None] + di[None, :]).ravel(), (j[:, None] + dj[None, :]).ravel()
        keep = (ii >= 0) & (ii < self.nx) & (jj >= 0) & (jj < self.ny)
        ii, jj = ii[keep], jj[keep]
        ia, ja = int(ii.min()), int(jj.min())
        w = int(ii.max()) - ia + 1
        seen = np.zeros((int(jj.max()) - ja + 1) * w, dtype=bool)
        seen[(jj - ja) * w + ii - ia] = True
        local = np.flatnonzero(seen)
        return (local // w + ja) * self.nx + local % w + ia

    def add_line(self, net: int, nodes: list[int]) -> None:
        """Mark a routed line's zone: other nets pay the present cost there."""
        mark = self._mark(nodes)
        self.paths[net], self.marks[net] = nodes, mark
        self.occ[mark] += 1
        self._recost(mark)

    def remove_line(self, net: int) -> None:
        """Rip up a routed line."""
        if net not in self.paths:
            return
        mark = self.marks.pop(net)
        del self.paths[net]
        self.occ[mark] -= 1
        self._recost(mark)

    def _recost(self, mark: np.ndarray) -> None:
        self.cost[mark] = (self.hist[mark] + self.present * self.occ[mark]) * self.g
        self.cost[mark[self.blocked[mark]]] = np.inf

    def too_close(self, net: int) -> bool:
        """Whether a routed line has a node in another line's zone."""
        return bool((self.occ[self.paths[net]] > 1).any())

    def add_history(self, nets: list[int]) -> None:
        """Raise the history cost on the nodes of these lines that are too close to another line."""
        for n in nets:
            nodes = np.unique(np.asarray(self.paths[n]))
            self.hist[nodes[self.occ[nodes] > 1]] += HISTORY

    # -- ends: the straight ways out of the pad and into the bump land
    def ends(self, k: int, net: Net) -> tuple[list, list] | str:
        """The rays out of net k's pad and into its bump land, or why there are none."""
        a, b = self.node(net.pad.x, net.pad.y), self.node(net.bump.x, net.bump.y)
        if a is None or b is None:
            return OUTSIDE
        own = np.zeros(self.nx * self.ny, dtype=np.int32)
        for nodes in self.zones[k]:
            own[nodes] += 1
        starts = self._rays(a, own)
        if not starts:
            return NO_EXIT
        goals = self._rays(b, own)
        if not goals:
            return NO_ENTRY
        return starts, goals

    def _rays(self, start: int, own: np.ndarray) -> list[tuple[int, int, float, list[int]]]:
        """Straight ways out of a land: (end node, direction, length, nodes) to the first node past own zones."""
        out = []
        static, nx, ny = self.static, self.nx, self.ny
        for d in self.dirs:
            di, dj = DIRECTIONS[d]
            j, i = divmod(start, nx)
            nodes = [start]
            while 0 <= i < nx and 0 <= j < ny:
                k = j * nx + i
                if static[k] > own[k]:
                    break
                if not own[k]:
                    out.append((k, d, (len(nodes) - 1) * self.g * math.hypot(di, dj), nodes))
                    break
                i, j = i + di, j + dj
                nodes = [*nodes, j * nx + i]
        return out

    # -- search
    def search(self, k: int, net: Net, starts: list, goals: list) -> list[int] | None:
        """The cheapest node sequence from the pad centre to the bump centre, in growing windows."""
        g = self.g
        xs = [self.xy(s[0])[0] for s in starts + goals]
        ys = [self.xy(s[0])[1] for s in starts + goals]
        margin = max(MARGIN, _octile(net, self.rules.style) / 3)
        for grow in (1, 4, None):
            if grow is None:
                box = (0, 0, self.nx, self.ny)
            else:
                m = margin * grow
                box = (max(0, math.floor((min(xs) - m - self.x0) / g)), max(0, math.floor((min(ys) - m - self.y0) / g)),
                       min(self.nx, math.ceil((max(xs) + m - self.x0) / g) + 1),
                       min(self.ny, math.ceil((max(ys) + m - self.y0) / g) + 1))
            path = self._astar(starts, goals, box)
            if box == (0, 0, self.nx, self.ny) or (path is not None and not self.occ[path].any()):
                return path
        return path

    def _astar(self, starts: list, goals: list, box: tuple[int, int, int, int]) -> list[int] | None:
        """A* inside box over the nodes (each keeps the direction it is cheapest reached in): length, bends,
        present and history costs."""
        nx, g = self.nx, self.g
        finish: dict[int, list[tuple[int, float, list[int]]]] = {}
        for node, d, length, nodes in goals:
            finish.setdefault(node, []).append(((d + 4) % 8, length, nodes))
        bj, bi = divmod(goals[0][3][0], nx)
        diag = 2.0 if self.manhattan else SQRT2
        scale = GREED * g
        slope = diag - 2.0  # the estimate h = scale * (dx + dy + slope * min(dx, dy)) is written out inline
        inf = math.inf
        heap: list = []
        # per-node cheapest cost, direction and done flag: whole-grid lists kept between searches (a list lookup
        # is much cheaper than a numpy or dict one); every node touched is in parent or first and is reset below
        if self._best is None:
            size = len(self.cost)
            self._best, self._way, self._closed = [inf] * size, [0] * size, bytearray(size)
        best, way, closed = self._best, self._way, self._closed
        parent: dict[int, int] = {}
        first: dict[int, list[int]] = {}
        try:
            return self._astar_loop(starts, finish, box, heap, best, way, closed, parent, first, bi, bj, slope, scale)
        finally:
            for n in parent:
                best[n] = inf
                closed[n] = 0
            for n in first:
                best[n] = inf
                closed[n] = 0

    def _astar_loop(self, starts: list, finish: dict, box: tuple[int, int, int, int], heap: list, best: list,
                    way: list, closed: bytearray, parent: dict[int, int], first: dict[int, list[int]],
                    bi: int, bj: int, slope: float, scale: float) -> list[int] | None:
        nx = self.nx
        i1, j1, i2, j2 = box
        cost = memoryview(self.cost)
        turns, moves = self.turns, self.moves
        i2m, j2m = i2 - 1, j2 - 1
        heappush, heappop = heapq.heappush, heapq.heappop
        for node, d, length, nodes in starts:
            j, i = divmod(node, nx)
            if not (i1 <= i < i2 and j1 <= j < j2):
                continue
            c = length + cost[node]
            if c < best[node]:
                best[node], way[node], first[node] = c, d, nodes
                dx, dy = abs(bi - i), abs(bj - j)
                hh = scale * (dx + dy + slope * (dx if dx < dy else dy))
                heappush(heap, (c + hh, hh, node))
        ends: dict[int, tuple[int, list[int]]] = {}
        while heap:
            _, hh, node = heappop(heap)
            if node < 0:
                last, tail = ends[node]
                return self._unwind(last, parent, first, tail)
            if closed[node]:
                continue
            closed[node] = 1
            c, d = best[node], way[node]
            j, i = divmod(node, nx)
            if node in finish:
                for gd, length, nodes in finish[node]:
                    turn = turns.get((gd - d) % 8)
                    if turn is not None:
                        end = -1 - len(ends)
                        ends[end] = (node, nodes)
                        heappush(heap, (c + turn + length, 0.0, end))
            edge = not (i1 < i < i2m and j1 < j < j2m)  # inside, all eight neighbours are: no bounds to check
            for d2, di, dj, dn, step in moves[d]:
                if edge and not (i1 <= i + di < i2 and j1 <= j + dj < j2):
                    continue
                n2 = node + dn
                c2 = c + step + cost[n2]
                if c2 < best[n2]:
                    best[n2] = c2
                    way[n2] = d2
                    parent[n2] = node
                    dx = bi - i - di
                    if dx < 0:
                        dx = -dx
                    dy = bj - j - dj
                    if dy < 0:
                        dy = -dy
                    h2 = scale * (dx + dy + slope * (dx if dx < dy else dy))
                    heappush(heap, (c2 + h2, h2, n2))
        return None

    @staticmethod
    def _unwind(key: int, parent: dict[int, int], first: dict[int, list[int]], tail: list[int]) -> list[int]:
        """Nodes from the pad centre to the bump centre."""
        back = [key]
        while key in parent:
            key = parent[key]
            back.append(key)
        return first[key][:-1] + back[::-1] + tail[::-1][1:]

    # -- straightening
    def straighten(self, net: int) -> None:
        """Replace pieces of the line between two of its corners by one straight or two-leg piece with fewer
        bends and no more length, where every node of the new piece is free and clear of the other lines."""
        nodes = self.paths[net]
        if len(nodes) < 3:
            return
        self.occ[self.marks[net]] -= 1
        own = np.zeros_like(self.static)
        for zone in self.zones[net]:
            own[zone] += 1
        while True:
            cut = self._corners(nodes)
            better = self._shortcut(nodes, cut, own)
            if better is None:
                break
            nodes = better
        self.paths[net] = nodes
        self.marks[net] = self._mark(nodes)
        self.occ[self.marks[net]] += 1

    def _corners(self, nodes: list[int]) -> list[int]:
        """Indices into nodes of the line's ends and corners."""
        out = [0]
        for t in range(1, len(nodes) - 1):
            if nodes[t] - nodes[t - 1] != nodes[t + 1] - nodes[t]:
                out.append(t)
        return [*out, len(nodes) - 1]

    def _step(self, a: int, b: int) -> int:
        """Direction of the step between two neighbouring nodes."""
        d = self.stepdir.get(b - a)
        if d is not None and -1 <= b % self.nx - a % self.nx <= 1:  # no wrap round a row end: a true neighbour
            return d
        ja, ia = divmod(a, self.nx)
        jb, ib = divmod(b, self.nx)
        return DIRECTIONS.index((ib - ia, jb - ja))

    def _shortcut(self, nodes: list[int], cut: list[int], own: np.ndarray) -> list[int] | None:
        """The line with its first improvable piece replaced, None when no piece improves."""
        last = len(cut) - 1
        for s in range(0, last - 1):
            for e in range(min(last, s + JOG), s + 1, -1):
                a, b = cut[s], cut[e]
                lo, hi = max(a - 1, 0), min(b + 2, len(nodes))
                old = self._cost(nodes[lo:hi])
                for piece in self._pieces(nodes[a], nodes[b]):
                    way = nodes[lo:a] + piece + nodes[b + 1:hi]
                    if self._turns_ok(way) and self._cost(way) < old - 1e-9 and \
                            self._free(piece, own, s == 0, e == last):
                        return nodes[:a] + piece + nodes[b + 1:]
        return None

    def _pieces(self, a: int, b: int) -> list[list[int]]:
        """Straight and two-leg node runs from a to b in the allowed directions."""
        ja, ia = divmod(a, self.nx)
        jb, ib = divmod(b, self.nx)
        dx, dy = ib - ia, jb - ja
        sx, sy = (dx > 0) - (dx < 0), (dy > 0) - (dy < 0)
        if self.manhattan:
            knees = [(ib, ja), (ia, jb)]
        else:
            m = min(abs(dx), abs(dy))
            knees = [(ia + sx * m, ja + sy * m), (ib - sx * m, jb - sy * m)]
        out = []
        for ki, kj in dict.fromkeys(knees):
            out.append(self._run(ia, ja, ki, kj)[:-1] + self._run(ki, kj, ib, jb))
        return out

    def _run(self, ia: int, ja: int, ib: int, jb: int) -> list[int]:
        """Nodes of a straight run (one allowed direction or a point)."""
        n = max(abs(ib - ia), abs(jb - ja))
        si, sj = (ib > ia) - (ib < ia), (jb > ja) - (jb < ja)
        return [(ja + t * sj) * self.nx + ia + t * si for t in range(n + 1)]

    def _steps(self, way: list[int]) -> list[int]:
        """Directions of the steps of a node run (as _step on each pair, the common case inline)."""
        stepdir, nx, out = self.stepdir, self.nx, []
        for p, q in zip(way, way[1:], strict=False):
            d = stepdir.get(q - p)
            if d is None or not -1 <= q % nx - p % nx <= 1:
                d = self._step(p, q)
            out.append(d)
        return out

    def _turns_ok(self, way: list[int]) -> bool:
        steps = self._steps([p for p, q in zip(way, way[1:], strict=False) if p != q] + way[-1:])
        turns = self.turns
        return all((s2 - s1) % 8 in turns for s1, s2 in zip(steps, steps[1:], strict=False))

    def _cost(self, way: list[int]) -> float:
        """Length plus bend penalties of a node run."""
        steps = self._steps(way)
        steplen, turns = self.steplen, self.turns.get
        length = sum(steplen[s] for s in steps)
        return length + sum(turns((s2 - s1) % 8, math.inf) for s1, s2 in zip(steps, steps[1:], strict=False))

    def _free(self, piece: list[int], own: np.ndarray, from_pad: bool, to_bump: bool) -> bool:
        """No node of the piece in another net's land zone or line zone, and in its own lands' zones only on a
        straight leg from the pad centre or to the bump centre."""
        idx = np.asarray(piece)
        if (self.static[idx] > own[idx]).any() or self.occ[idx].any():
            return False
        inside = np.flatnonzero(own[idx] > 0)
        knee = next((t for t in range(1, len(piece) - 1)
                     if piece[t] - piece[t - 1] != piece[t + 1] - piece[t]), None)
        if knee is None or not inside.size:
            return True
        return all((from_pad and t < knee) or (to_bump and t > knee) for t in inside.tolist())
