"""RDL fan-out: a grid maze router (A*) joining each chip pad to its bump with Manhattan or 45-degree lines.

Pure geometry in um: terminals in, centre-line polylines out; nothing here draws, reads files or knows the PDK.

The centre-lines run on a grid of pitch g = (width + space) / 4. A grid node is free for a net when the net's
metal around it keeps `space` from every other net's metal, counting the worst case of a mitred 90-degree
corner (metal reaches w / sqrt2 from the centre-line) and the segment between two nodes (g / sqrt2):

* other nets' pad and bump lands block the nodes closer than space + w / sqrt2 + g / sqrt2 to their outline;
* other nets' routed centre-lines block the nodes closer than space + sqrt2 w + g / sqrt2;
* the die edge keep-out: centre-lines stay inside `area` (the die shrunk by DIE.EDGE, like pad centres).

A line leaves its own pad and enters its own bump land straight, along one of the allowed directions from the
land centre, so it meets the land's outline square-on (no narrow notch between line and land). Nets are routed
one by one, shortest first; a net that finds no way looks for the way crossing the fewest other lines, rips
those lines up and routes them again after it (rip-up and reroute, each net a few times at most).
A pad whose centre is its bump's centre (within UNDER_BUMP) needs no line.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

SQRT2 = math.sqrt(2.0)
GREED = 1.2
"""Weight of the distance estimate in the A* search (1: plain A*; more searches fewer nodes but finds worse lines)."""
CROSSING = 20.0
"""Cost (in grid pitches) of each node of another net's line a blocked net's way crosses when looking for
the lines to rip up."""
UNDER_BUMP = 1.0
"""A pad whose centre lies within this distance (um) of its bump's centre sits under the bump: no line."""

# the eight directions counter-clockwise from +x; Manhattan uses the even ones
DIRECTIONS = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


@dataclass(frozen=True)
class Land:
    """A metal land a line ends on: centre and half-width (radius of a circle, half side of a square)."""

    x: float
    y: float
    half: float
    round: bool = True

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


def route(nets: Sequence[Net], rules: Rules, rip_ups: int = 4) -> list[Route]:
    """Route every net (in input order in the result); raise Unroutable naming every pad that fails.

    Nets go shortest first. A net that finds no way is routed again ignoring the other lines; the nets whose
    lines lie on that way are ripped up and queued again after it (each net at most `rip_ups` times).
    """
    grid = _Grid(rules)
    todo = [i for i, n in enumerate(nets) if math.dist((n.pad.x, n.pad.y), (n.bump.x, n.bump.y)) > UNDER_BUMP]
    for i, n in enumerate(nets):
        grid.add_land(i, n.pad)
        grid.add_land(i, n.bump)
    queue = deque(sorted(todo, key=lambda i: (_octile(nets[i], rules.style), nets[i].name)))
    found: dict[int, list[tuple[float, float]]] = {}
    failed: dict[int, str] = {}
    ripped = dict.fromkeys(todo, 0)
    while queue:
        i = queue.popleft()
        path, why = grid.connect(i, nets[i])
        if path is None:
            blockers = grid.blockers(i, nets[i])
            if not blockers or any(ripped[k] >= rip_ups for k in blockers):
                failed[i] = why
                continue
            for k in blockers:
                grid.remove_line(k)
                del found[k]
                ripped[k] += 1
            path, why = grid.connect(i, nets[i])
            queue.extend(sorted(blockers, key=lambda k: (_octile(nets[k], rules.style), nets[k].name)))
            if path is None:
                failed[i] = why
                continue
        found[i] = path
        grid.add_line(i, path)
    if failed:
        raise Unroutable({nets[i].name: failed[i] for i in sorted(failed, key=lambda i: nets[i].name)})
    return [Route(n.name, found.get(i, [])) for i, n in enumerate(nets)]


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


class _Grid:
    """The routing grid: a count of obstacles per node (lands of every net, routed lines) and the A* search."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        g = self.g = rules.pitch
        x1, y1, x2, y2 = rules.area
        reach = rules.width / SQRT2  # metal beyond the centre-line at a mitred corner
        self.x0 = math.ceil(x1 / g - 1e-9) * g
        self.y0 = math.ceil(y1 / g - 1e-9) * g
        self.nx = max(0, math.floor((x2 - self.x0) / g + 1e-9) + 1)
        self.ny = max(0, math.floor((y2 - self.y0) / g + 1e-9) + 1)
        self.static = np.zeros((self.ny, self.nx), dtype=np.int32)
        self.occ = self.static.copy()
        self.lines: dict[int, tuple[tuple[slice, slice], np.ndarray]] = {}
        self.zones: dict[int, list[tuple[tuple[slice, slice], np.ndarray]]] = {}
        self.land_clear = rules.space + reach + g / SQRT2
        self.line_clear = rules.space + 2 * reach + g / SQRT2
        self.dirs = [0, 2, 4, 6] if rules.style == "manhattan" else list(range(8))
        self.turns = {0: 0.0, 1: g, 7: g, 2: 3 * g, 6: 3 * g} if rules.style != "manhattan" else \
            {0: 0.0, 2: 2 * g, 6: 2 * g}

    # -- coordinates
    def node(self, x: float, y: float) -> tuple[int, int] | None:
        """The grid node nearest to a point (within a pitch of the grid's edge), None farther out."""
        i, j = round((x - self.x0) / self.g), round((y - self.y0) / self.g)
        if not (-1 <= i <= self.nx and -1 <= j <= self.ny) or self.nx == 0 or self.ny == 0:
            return None
        return min(max(i, 0), self.nx - 1), min(max(j, 0), self.ny - 1)

    def xy(self, i: int, j: int) -> tuple[float, float]:
        """Coordinates of a node in um."""
        return (round(self.x0 + i * self.g, 6), round(self.y0 + j * self.g, 6))

    def _window(self, x1: float, y1: float, x2: float, y2: float) -> tuple[slice, slice, np.ndarray, np.ndarray]:
        """Node slices and coordinate arrays covering a box."""
        g = self.g
        i1, i2 = max(0, math.floor((x1 - self.x0) / g)), min(self.nx, math.ceil((x2 - self.x0) / g) + 1)
        j1, j2 = max(0, math.floor((y1 - self.y0) / g)), min(self.ny, math.ceil((y2 - self.y0) / g) + 1)
        xs = self.x0 + g * np.arange(i1, max(i1, i2))
        ys = self.y0 + g * np.arange(j1, max(j1, j2))
        gx, gy = np.meshgrid(xs, ys)
        return slice(j1, max(j1, j2)), slice(i1, max(i1, i2)), gx, gy

    # -- obstacles
    def add_land(self, net: int, land: Land) -> None:
        """Block the nodes too close to a land for every other net."""
        c = self.land_clear + land.half
        sj, si, gx, gy = self._window(land.x - c, land.y - c, land.x + c, land.y + c)
        mask = land.distance(gx, gy) < self.land_clear
        self.static[sj, si] += mask
        self.occ[sj, si] += mask
        self.zones.setdefault(net, []).append(((sj, si), mask))

    def add_line(self, net: int, points: list[tuple[float, float]]) -> None:
        """Block the nodes too close to a routed centre-line for every other net."""
        c = self.line_clear
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        sj, si, gx, gy = self._window(min(xs) - c, min(ys) - c, max(xs) + c, max(ys) + c)
        near = np.zeros(gx.shape, dtype=bool)
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            near |= _segment_distance(gx, gy, ax, ay, bx, by) < c
        self.occ[sj, si] += near
        self.lines[net] = ((sj, si), near)

    def remove_line(self, net: int) -> None:
        """Rip up a routed line."""
        (sj, si), near = self.lines.pop(net)
        self.occ[sj, si] -= near

    def blockers(self, k: int, net: Net) -> list[int]:
        """The nets whose lines lie on the way net k would take if no line were routed (none: no way at all)."""
        path, _ = self.connect(k, net, through_lines=True)
        if path is None:
            return []
        ii, jj = self._nodes_on(path)
        out = []
        for n, ((sj, si), near) in self.lines.items():
            inside = (ii >= si.start) & (ii < si.stop) & (jj >= sj.start) & (jj < sj.stop)
            if inside.any() and near[jj[inside] - sj.start, ii[inside] - si.start].any():
                out.append(n)
        return sorted(out)

    def _nodes_on(self, points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Grid indices (i, j) of the nodes along a polyline of grid points."""
        ii, jj = [], []
        for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
            a, b = self.node(ax, ay), self.node(bx, by)
            n = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
            ii += [a[0] + (b[0] - a[0]) * t // n for t in range(n + 1)]
            jj += [a[1] + (b[1] - a[1]) * t // n for t in range(n + 1)]
        return np.array(ii), np.array(jj)

    # -- search
    def connect(self, k: int, net: Net, through_lines: bool = False) -> tuple[list[tuple[float, float]] | None, str]:
        """The centre-line of net k avoiding everything but its own lands, or None and why not.

        With through_lines, other nets' lines are not obstacles but cost CROSSING per node: the way that
        crosses the fewest lines.
        """
        for (sj, si), mask in self.zones[k]:
            self.occ[sj, si] -= mask
        try:
            return self._connect(k, net, through_lines)
        finally:
            for (sj, si), mask in self.zones[k]:
                self.occ[sj, si] += mask

    def _connect(self, k: int, net: Net, through_lines: bool) -> tuple[list[tuple[float, float]] | None, str]:
        lines = None
        if through_lines:
            static = self.static.copy()
            for (sj, si), mask in self.zones[k]:
                static[sj, si] -= mask
            lines = ((self.occ - static) > 0).tobytes()
            others = static > 0
        else:
            others = self.occ > 0
        own = np.zeros_like(others)
        for (sj, si), mask in self.zones[k]:
            own[sj, si] |= mask
        a, b = self.node(net.pad.x, net.pad.y), self.node(net.bump.x, net.bump.y)
        if a is None or b is None:
            return None, "outside the routing area (die edge keep-out)"
        straight = self._straight(a, b, others) if lines is None else None
        if straight is not None:
            return [self.xy(*p) for p in straight], ""
        starts = self._rays(a, others, own)
        if not starts:
            return None, "no free way out of the pad"
        goals = self._rays(b, others, own)
        if not goals:
            return None, "no free way into the bump land"
        blocked = (others | own).tobytes()
        path = self._astar(starts, goals, blocked, lines)
        if path is None:
            return None, "no free path to its bump"
        return corners([self.xy(*p) for p in path]), ""

    def _straight(self, a: tuple[int, int], b: tuple[int, int], others: np.ndarray) -> list[tuple[int, int]] | None:
        """A and B on one allowed direction with nothing of other nets between: the direct line."""
        di, dj = b[0] - a[0], b[1] - a[1]
        n = max(abs(di), abs(dj))
        if n == 0 or not (di == 0 or dj == 0 or abs(di) == abs(dj)):
            return None
        step = (di // n, dj // n)
        if DIRECTIONS.index(step) not in self.dirs:
            return None
        for t in range(n + 1):
            if others[a[1] + t * step[1], a[0] + t * step[0]]:
                return None
        return [a, b]

    def _rays(self, start: tuple[int, int], others: np.ndarray, own: np.ndarray
              ) -> list[tuple[int, int, int, float, list[tuple[int, int]]]]:
        """Straight ways out of a land: (i, j, direction, length, nodes) to the first node past own zones."""
        out = []
        for d in self.dirs:
            di, dj = DIRECTIONS[d]
            i, j = start
            nodes = [(i, j)]
            ok = True
            while True:
                if not (0 <= i < self.nx and 0 <= j < self.ny) or others[j, i]:
                    ok = False
                    break
                if not own[j, i]:
                    break
                i, j = i + di, j + dj
                nodes.append((i, j))
            if ok:
                out.append((i, j, d, (len(nodes) - 1) * self.g * math.hypot(di, dj), nodes))
        return out

    def _astar(self, starts: list, goals: list, blocked: bytes, lines: bytes | None = None
               ) -> list[tuple[int, int]] | None:
        """A cheap path from a pad ray to a bump ray: length plus a penalty per bend (one state per node: the
        direction a node is first reached in is kept)."""
        nx, ny, g = self.nx, self.ny, self.g
        manhattan = self.rules.style == "manhattan"
        goal_at = {(gi, gj): ((d + 4) % 8, nodes) for gi, gj, d, _, nodes in goals}
        targets = list(goal_at)

        # the estimate: octile (Manhattan) distance to the bump land less the longest way into it, times GREED
        bi = sum(t[0] for t in targets) / len(targets)
        bj = sum(t[1] for t in targets) / len(targets)
        reach = max(max(abs(ti - bi), abs(tj - bj)) for ti, tj in targets)
        scale = GREED * g

        def h(i: int, j: int) -> float:
            dx, dy = abs(bi - i), abs(bj - j)
            est = dx + dy if manhattan else (dx if dx > dy else dy) + 0.41421356 * (dy if dx > dy else dx)
            return (est - reach) * scale if est > reach else 0.0

        crossing = CROSSING * g
        steps = [(d, DIRECTIONS[d][0], DIRECTIONS[d][1], g * math.hypot(*DIRECTIONS[d])) for d in self.dirs]
        heap: list = []
        cost: dict[int, float] = {}
        parent: dict[int, int | None] = {}
        start_nodes: dict[int, list[tuple[int, int]]] = {}
        for i, j, d, length, nodes in starts:
            key = j * nx + i
            if cost.get(key, math.inf) > length:
                cost[key] = length
                parent[key] = None
                start_nodes[key] = nodes
                hh = h(i, j)
                heapq.heappush(heap, (length + hh, hh, key, i, j, d, length))
        done: set[int] = set()
        while heap:
            _, _, key, i, j, d, c = heapq.heappop(heap)
            if key in done:
                continue
            done.add(key)
            goal = goal_at.get((i, j))
            if goal is not None and (goal[0] - d) % 8 in self.turns:
                return self._unwind(key, parent, start_nodes, goal[1])
            for d2, di, dj, length in steps:
                turn = self.turns.get((d2 - d) % 8)
                if turn is None:
                    continue
                i2, j2 = i + di, j + dj
                if not (0 <= i2 < nx and 0 <= j2 < ny):
                    continue
                n2 = j2 * nx + i2
                if blocked[n2]:
                    continue
                key2 = n2
                c2 = c + length + turn
                if lines is not None and lines[n2]:
                    c2 += crossing
                if c2 < cost.get(key2, math.inf):
                    cost[key2] = c2
                    parent[key2] = key
                    hh = h(i2, j2)
                    heapq.heappush(heap, (c2 + hh, hh, key2, i2, j2, d2, c2))
        return None

    def _unwind(self, key: int, parent: dict[int, int | None], start_nodes: dict[int, list[tuple[int, int]]],
                goal_nodes: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Nodes from the pad centre to the bump centre."""
        nx = self.nx
        back: list[tuple[int, int]] = []
        k: int | None = key
        first = key
        while k is not None:
            n = k
            back.append((n % nx, n // nx))
            first = k
            k = parent[k]
        path = start_nodes[first][:-1] + back[::-1]
        return path + goal_nodes[::-1][1:]


def _segment_distance(px: np.ndarray, py: np.ndarray, ax: float, ay: float, bx: float, by: float) -> np.ndarray:
    """Distance from points to the segment a-b."""
    vx, vy = bx - ax, by - ay
    ll = vx * vx + vy * vy
    if ll == 0:
        return np.hypot(px - ax, py - ay)
    t = np.clip(((px - ax) * vx + (py - ay) * vy) / ll, 0.0, 1.0)
    return np.hypot(px - (ax + t * vx), py - (ay + t * vy))
