"""RDL fan-out of a die: the chip's pads joined to their bumps by routed RDL lines, net by net.

Nets as the design has them (`die.routing.nets` given, or pads or bumps from a DEF): a net joins any number of
pads and bumps; the selected nets (names or globs; default: every net with both a pad and a bump) are routed.
Bumps on no selected net are spare bumps and pads on no selected net idle pads: drawn, listed in the manifest,
kept clear by every line.

Otherwise each pad joins exactly one bump, matched:

1. when every pad and every bump has a net, by net; pads and bumps of one net (power, ground) pair off by
   nearest centres;
2. otherwise, when pad names are bump names, by name;
3. otherwise by nearest centres: the closest pad-bump pair first, then the next closest of the rest.

Pads without a bump and bumps without a pad are refused, by name. A pad whose centre is its bump's centre needs
no line. Every other net is routed by `maskgen.layout.routing` (each bump reaches a pad of its net; a net of one
bump joins every pad to it); a connection the router cannot make is reported (manifest `routing.unrouted`, DRC rule
RDL.UNROUTED), not dropped, and the layout keeps every net that was routed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from maskgen.errors import InputError
from maskgen.input import constraints
from maskgen.input.pdk import Pdk
from maskgen.input.recipe import DefMap, DefPads, Recipe, Routing
from maskgen.input.terminals import matches
from maskgen.layout.routing import Net, Obstacle, Result, Rules, Terminal, Unrouted, Wire, route
from maskgen.layout.sites import Site

NEAREST_LIMIT = 4_000_000
"""Largest pads x bumps product matched by nearest centres (beyond it, give nets or names)."""
UNDER_BUMP = 1.0
"""A pad whose centre lies within this distance (um) of its bump's centre sits under the bump: no line."""
ROUND_SIDES = 64
"""Sides of the polygon a round land is given to the router as (circumscribed: never smaller than drawn)."""


@dataclass(frozen=True)
class RdlFigures:
    """Resolved fan-out dimensions in um: line width and space, bump land, pad via and land."""

    style: str
    line_width: float
    line_space: float
    land_diameter: float
    via: float
    pad_land: float
    pad_land_shape: str = "octagon"
    """The RDL land on a chip pad: an octagon, so that lines of every routing direction leave it square-on (a
    line leaving a square or round land at a slant leaves an acute notch); square for square pads routed
    Manhattan."""


@dataclass
class FanNet:
    """One net of the fan-out: its name, pads and bumps (a matched pair without a net is named by its pad)."""

    name: str
    pads: list[Site]
    bumps: list[Site]


@dataclass
class FanOut:
    """The fan-out's nets, the routed wires, the connections left open, and how the routing went."""

    figures: RdlFigures
    nets: list[FanNet]
    wires: list[Wire]
    unrouted: list[Unrouted] = field(default_factory=list)
    rounds: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    spare_bumps: list[Site] = field(default_factory=list)
    """Bumps on no selected net: drawn, not joined to any pad, kept clear by the lines."""
    idle_pads: list[Site] = field(default_factory=list)
    """Pads on no selected net: drawn, not routed, kept clear by the lines."""
    under_bump: int = 0
    """Nets of one pad under its one bump: joined without a line."""

    @property
    def pads(self) -> list[Site]:
        """The pads of the routed nets, net by net."""
        return [p for n in self.nets for p in n.pads]

    @property
    def open_nets(self) -> set[str]:
        """Names of the nets with a connection left unrouted."""
        return {u.net for u in self.unrouted}

    @property
    def routed_nets(self) -> int:
        """Nets whose every connection is routed."""
        return len(self.nets) - len(self.open_nets)

    def verdict(self) -> str:
        """`routed 124/139 nets (89.2 %)`, as routers report it."""
        total = len(self.nets)
        share = 100.0 * self.routed_nets / total if total else 100.0
        return f"routed {self.routed_nets}/{total} nets ({share:.1f} %)"

    def summary(self, sheet_resistance: float) -> dict:
        """Figures for the manifest: rules, counts, each net's tree, what was left open (no timing: the manifest
        is deterministic). `sheet_resistance` (ohm/sq, electrical.yaml) gives each net's longest pad-to-bump path
        its resistance."""
        f = self.figures
        by_net: dict[str, list[Wire]] = {}
        for w in self.wires:
            by_net.setdefault(w.net, []).append(w)
        open_nets = self.open_nets
        rows = []
        for n in self.nets:
            wires = by_net.get(n.name, [])
            length = sum(w.length for w in wires)
            row: dict = {"net": n.name, "pads": [p.name for p in n.pads], "bumps": [b.name for b in n.bumps],
                         "routed": n.name not in open_nets, "segments": sum(len(w.points) - 1 for w in wires),
                         "length": round(length, 3)}
            path = longest_path(n, wires)
            if path is not None:
                row["longest_path"] = {"bump": path[0], "pad": path[1], "length": round(path[2], 3),
                                       "resistance_mohm": round(1000 * sheet_resistance * path[2] / f.line_width, 3)}
            rows.append(row)
        longest = max(rows, key=lambda r: (r["length"], r["net"]), default=None)
        total = len(self.nets)
        return {"style": f.style, "line_width": f.line_width, "line_space": f.line_space,
                "land_diameter": f.land_diameter, "via": f.via, "pads": len(self.pads), "net_count": total,
                "routed": self.routed_nets, "under_bump": self.under_bump,
                "routed_percent": round(100.0 * self.routed_nets / total, 1) if total else 100.0,
                "rounds": self.rounds, "total_length": round(sum(w.length for w in self.wires), 3),
                "longest": {"net": longest["net"], "length": longest["length"]} if longest and longest["length"]
                else None,
                "nets": rows,
                "unrouted": [{"net": u.net, "from": u.start, "to": u.end, "from_xy": list(u.start_xy),
                              "to_xy": list(u.end_xy), "reason": u.reason} for u in self.unrouted],
                "pad_sites": [{"name": p.name, "x": p.x, "y": p.y, "net": p.net} for p in self.pads + self.idle_pads],
                "spare_bumps": [{"name": b.name, **({"ball": b.ball} if b.ball else {}), "x": b.x, "y": b.y}
                                for b in self.spare_bumps],
                "unrouted_pads": [p.name for p in self.idle_pads]}


def figures(recipe: Recipe, pdk: Pdk, file: Path, fixed_rdl: str | None) -> RdlFigures | None:
    """Check the fan-out block against the PDK and the process; the resolved dimensions (None: no fan-out).
    fixed_rdl: the family block that already joins each bump to its pad (Family.fixed_rdl), if any."""
    rt: Routing | None = recipe.die.fan_out
    if rt is None:
        return None
    if fixed_rdl is not None:
        raise InputError(file, "die.pads", "...", f"{fixed_rdl} already joins each bump to a pad at a fixed offset; "
                         "give either die.pads (routed fan-out) or the fixed offset, not both")
    process = pdk.process(recipe.process, file)
    if not any(s.mask == "RDL" for s in process.steps):
        raise InputError(file, "die.pads", "...", f"process {recipe.process} has no redistribution layer (RDL) "
                         f"step; RDL fan-out works with: {', '.join(pdk.die_rdl_processes())}")
    least_width, least_space = constraints.rdl_width(pdk), constraints.rdl_space(pdk)
    width = rt.line_width if rt.line_width is not None else least_width.rule
    space = rt.line_space if rt.line_space is not None else least_space.rule
    constraints.need(file, "die.routing.line_width", width, least_width)
    constraints.need(file, "die.routing.line_space", space, least_space)
    least_land = constraints.rdl_encloses_ubm(pdk, recipe.bump.ubm_diameter)
    land = rt.land_diameter if rt.land_diameter is not None else math.ceil(least_land.value)
    constraints.need(file, "die.routing.land_diameter", land, least_land)
    pad = recipe.bump.pad.width
    via = rt.via if rt.via is not None else recipe.bump.passivation_opening
    if via > pad:
        raise InputError(file, "die.routing.via", via, f"the via must lie on the pad: at most the pad width {pad:g}")
    from maskgen.input.limits import check_routing_grid
    from maskgen.layout.routing.grid import DIVISIONS
    check_routing_grid(recipe, file, pdk.rule_value("DIE.EDGE"), width, space, DIVISIONS[rt.style])
    shape = "square" if recipe.bump.pad.shape == "square" and rt.style == "manhattan" else "octagon"
    return RdlFigures(style=rt.style, line_width=width, line_space=space, land_diameter=land, via=via, pad_land=pad,
                      pad_land_shape=shape)


def match(pads: list[Site], bumps: list[Site], file: Path) -> list[Site]:
    """The bump of each pad (same order as pads), by net, by name or by nearest centres."""
    if all(p.net for p in pads) and all(b.net for b in bumps):
        return _by_net(pads, bumps, file)
    bump_names = {b.name for b in bumps}
    if any(p.name in bump_names for p in pads):
        by_name = {b.name: b for b in bumps}
        _unmatched(file, [p for p in pads if p.name not in by_name], [b for b in bumps
                   if b.name not in {p.name for p in pads}], "with the same name")
        return [by_name[p.name] for p in pads]
    if len(pads) * len(bumps) > NEAREST_LIMIT:
        raise InputError(file, "die.pads", f"{len(pads)} pads", f"too many pads and bumps ({len(bumps)}) to match "
                         "by nearest centre; give nets (name,x,y,net) or the bumps' names")
    pairs = _nearest(pads, bumps)
    _unmatched(file, [p for i, p in enumerate(pads) if i not in pairs],
               [b for j, b in enumerate(bumps) if j not in set(pairs.values())], "(matched by nearest centre)")
    return [bumps[pairs[i]] for i in range(len(pads))]


@dataclass
class Netlist:
    """The nets to route as the design has them: each selected net's pads and bumps (in input order), the spare
    bumps and the pads on no selected net."""

    nets: dict[str, tuple[list[Site], list[Site]]]
    spare_bumps: list[Site]
    idle_pads: list[Site]


def by_design(recipe: Recipe) -> bool:
    """True when the die's nets are taken as the design has them (routing.nets, or pads or bumps from a DEF)."""
    rt = recipe.die.fan_out
    return rt is not None and (rt.nets is not None or isinstance(recipe.die.pads, DefPads)
                               or isinstance(recipe.die.bump_map, DefMap))


def netlist(pads: list[Site], bumps: list[Site], selected: list[str] | None, file: Path) -> Netlist:
    """The selected nets (names or globs; None: every net with both a pad and a bump) with their pads and bumps."""
    on: dict[str, tuple[list[Site], list[Site]]] = {}
    for p in pads:
        if p.net:
            on.setdefault(p.net, ([], []))[0].append(p)
    for b in bumps:
        if b.net:
            on.setdefault(b.net, ([], []))[1].append(b)
    if selected is None:
        chosen = {n for n, (ps, bs) in on.items() if ps and bs}
    else:
        chosen = set()
        for pat in selected:
            hit = {n for n in on if matches(n, [pat])}
            if not hit:
                raise InputError(file, "die.routing.nets", pat, "matches no net of the pads or bumps")
            chosen |= hit
    nets = {n: on[n] for n in sorted(chosen)}
    return Netlist(nets, [b for b in bumps if b.net not in chosen], [p for p in pads if p.net not in chosen])


def _by_net(pads: list[Site], bumps: list[Site], file: Path) -> list[Site]:
    """Pads and bumps of each net paired by nearest centres."""
    nets: dict[str, tuple[list[int], list[int]]] = {}
    for i, p in enumerate(pads):
        nets.setdefault(p.net or "", ([], []))[0].append(i)
    for j, b in enumerate(bumps):
        nets.setdefault(b.net or "", ([], []))[1].append(j)
    out: dict[int, Site] = {}
    lonely_pads, lonely_bumps = [], []
    for net in sorted(nets):
        pi, bj = nets[net]
        pairs = _nearest([pads[i] for i in pi], [bumps[j] for j in bj])
        for a, k in pairs.items():
            out[pi[a]] = bumps[bj[k]]
        lonely_pads += [pads[pi[a]] for a in range(len(pi)) if a not in pairs]
        lonely_bumps += [bumps[bj[k]] for k in range(len(bj)) if k not in set(pairs.values())]
    _unmatched(file, lonely_pads, lonely_bumps, "on the same net")
    return [out[i] for i in range(len(pads))]


def _nearest(pads: list[Site], bumps: list[Site]) -> dict[int, int]:
    """Greedy pairing: the closest pad-bump pair first (ties by order), then the next closest of the rest."""
    if not pads or not bumps:
        return {}
    p = np.array([(s.x, s.y) for s in pads])
    b = np.array([(s.x, s.y) for s in bumps])
    d = np.hypot(p[:, None, 0] - b[None, :, 0], p[:, None, 1] - b[None, :, 1])
    out: dict[int, int] = {}
    used: set[int] = set()
    for flat in np.argsort(d, axis=None, kind="stable"):
        i, j = divmod(int(flat), len(bumps))
        if i in out or j in used:
            continue
        out[i] = j
        used.add(j)
        if len(out) == min(len(pads), len(bumps)):
            break
    return out


def _unmatched(file: Path, pads: list[Site], bumps: list[Site], how: str) -> None:
    """Refuse pads without a bump and bumps without a pad, naming them."""
    parts = []
    if pads:
        parts.append(f"pads {_names(pads)} have no bump {how}")
    if bumps:
        parts.append(f"bumps {_names(bumps)} have no pad {how}")
    if parts:
        raise InputError(file, "die.pads", f"{len(pads)} pads, {len(bumps)} bumps unmatched",
                         "; ".join(parts) + "; every pad joins exactly one bump")


def _names(sites: list[Site]) -> str:
    """Site names with their nets, e.g. 'P3 (VDD), P9 (IO7)'."""
    return ", ".join(f"{s.name} ({s.net})" if s.net else s.name for s in sites)


def plan(design_file: Path, figs: RdlFigures, pads: list[Site], bump_sites: list[Site], recipe: Recipe,
         die_edge: float, solder_diameter: float = 0.0,
         progress: Callable[[int, int], None] | None = None) -> FanOut:
    """Group the pads and bumps into nets (as the design has them, or matched one to one) and route the RDL.

    Other nets' lines keep the RDL space from a bump's land and from its solder (the wider of the ball
    footprint and the reflowed outline, `solder_diameter`), which would otherwise join them to the bump.
    Connections the router cannot make are returned in `FanOut.unrouted`; `progress(done, total)` follows it.
    """
    spare: list[Site] = []
    idle: list[Site] = []
    rt = recipe.die.fan_out
    if rt is not None and by_design(recipe):
        nl = netlist(pads, bump_sites, rt.nets, design_file)
        fan_nets = [FanNet(name, ps, bs) for name, (ps, bs) in nl.nets.items()]
        spare, idle = nl.spare_bumps, nl.idle_pads
    else:
        bumps = match(pads, bump_sites, design_file)
        shared = {n for n in (p.net for p in pads) if n is not None and sum(q.net == n for q in pads) > 1}
        fan_nets = [FanNet(p.name if p.net is None or p.net in shared else p.net, [p], [b])
                    for p, b in zip(pads, bumps, strict=True)]
    assert recipe.die.size is not None, "a loaded recipe has its die size (from the DEF when not given)"
    w, h = recipe.die.size
    rules = Rules(figs.line_width, figs.line_space, figs.style,
                  (-w / 2 + die_edge, -h / 2 + die_edge, w / 2 - die_edge, h / 2 - die_edge))
    keep = max(0.0, (solder_diameter - figs.land_diameter) / 2)

    def pad_terminal(p: Site) -> Terminal:
        return Terminal(p.name, p.x, p.y, _pad_shape(p, figs))

    def bump_terminal(b: Site) -> Terminal:
        return Terminal(b.name, b.x, b.y, _land(b.x, b.y, figs.land_diameter, "octagon"), keep=keep, bump=True)

    nets: list[Net] = []
    under = 0
    obstacles = [Obstacle(b.name, bump_terminal(b).shape, keep) for b in spare]
    obstacles += [Obstacle(p.name, pad_terminal(p).shape) for p in idle]
    for n in fan_nets:
        ps, bs = [pad_terminal(p) for p in n.pads], [bump_terminal(b) for b in n.bumps]
        if len(ps) == 1 and len(bs) == 1 and math.dist((ps[0].x, ps[0].y), (bs[0].x, bs[0].y)) <= UNDER_BUMP:
            obstacles += [Obstacle(ps[0].name, ps[0].shape), Obstacle(bs[0].name, bs[0].shape, keep)]
            under += 1
            continue
        nets.append(Net(n.name, tuple(ps), tuple(bs)))
    start = time.perf_counter()
    result: Result = route(nets, obstacles, rules, progress=progress)
    return FanOut(figures=figs, nets=fan_nets, wires=result.wires, unrouted=result.unrouted, rounds=result.rounds,
                  seconds=time.perf_counter() - start, spare_bumps=spare, idle_pads=idle, under_bump=under)


def longest_path(net: FanNet, wires: list[Wire]) -> tuple[str, str, float] | None:
    """(bump, pad, length um) of the longest of the paths from each bump of a net to its nearest pad along the
    net's wires (a wire may end on another one's segment: the segment is split there); None without wires."""
    if not wires:
        return None
    def key(p: tuple[float, float]) -> tuple[float, float]:   # a point as a graph node
        return (round(p[0], 6), round(p[1], 6))

    segments = [(key(a), key(b)) for w in wires for a, b in zip(w.points, w.points[1:], strict=False) if a != b]
    ends = {key(w.points[0]) for w in wires} | {key(w.points[-1]) for w in wires}
    for e in ends:  # split every segment an end lies on inside it
        for k, (a, b) in enumerate(segments):
            if e in (a, b):
                continue
            ab, ae, eb = math.dist(a, b), math.dist(a, e), math.dist(e, b)
            if abs(ae + eb - ab) < 1e-6:
                segments[k:k + 1] = [(a, e), (e, b)]
                break
    graph: dict[tuple[float, float], list[tuple[tuple[float, float], float]]] = {}
    for a, b in segments:
        graph.setdefault(a, []).append((b, math.dist(a, b)))
        graph.setdefault(b, []).append((a, math.dist(a, b)))
    pads = {key((p.x, p.y)): p.name for p in net.pads}
    best: tuple[str, str, float] | None = None
    for bump in net.bumps:
        start = key((bump.x, bump.y))
        if start not in graph:
            continue
        found = _nearest_pad(graph, start, pads)
        if found is not None and (best is None or found[1] > best[2]):
            best = (bump.name, found[0], found[1])
    return best


def _nearest_pad(graph: dict, start: tuple[float, float], pads: dict) -> tuple[str, float] | None:
    """The pad reached first from start along the graph (Dijkstra), with its path length."""
    import heapq
    seen: set = set()
    heap = [(0.0, start)]
    while heap:
        d, node = heapq.heappop(heap)
        if node in seen:
            continue
        seen.add(node)
        if node in pads:
            return pads[node], d
        for nxt, step in graph.get(node, ()):
            if nxt not in seen:
                heapq.heappush(heap, (d + step, nxt))
    return None


def _pad_shape(p: Site, figs: RdlFigures) -> tuple[tuple[float, float], ...]:
    """A pad's RDL land outline (absolute um): its own (shaped_land) or the recipe's pad land."""
    if p.outline:
        return tuple((x + p.x, y + p.y) for x, y in shaped_land(tuple(p.outline), figs))
    return _land(p.x, p.y, figs.pad_land, figs.pad_land_shape)


def shaped_land(outline: tuple[tuple[float, float], ...], figs: RdlFigures) -> tuple[tuple[float, float], ...]:
    """The RDL land on a pad of its own shape (a DEF pin, um about its centre): the shape itself, or for
    45-degree lines the octagon inscribed in its box, when that octagon's slanted sides are at least a line wide
    (so lines of every direction leave it square-on). A pin too small for that (OpenROAD's 10 x 5 um PAD: 2.1 um
    sides for 4 um lines) keeps its shape: octagons there left 50 of OpenROAD's 139 nets of rdl_route_via
    unrouted, the pins route 139 and DRC clean. A pin narrower than the line (that PAD at 6 um) gets its box
    widened to the line width, so the land keeps RDL.WIDTH."""
    xs, ys = [x for x, _ in outline], [y for _, y in outline]
    x1, x2, y1, y2 = min(xs), max(xs), min(ys), max(ys)
    centre = ((x2 + x1) / 2, (y2 + y1) / 2)
    short = min(x2 - x1, y2 - y1)
    if figs.style == "45" and short * math.tan(math.pi / 8) >= figs.line_width:
        from maskgen.layout.geometry import octagon_points
        return tuple((float(x), float(y)) for x, y in octagon_points(short, centre))
    if short >= figs.line_width:
        return outline
    hw, hh = max(x2 - x1, figs.line_width) / 2, max(y2 - y1, figs.line_width) / 2
    cx, cy = centre
    return ((cx - hw, cy - hh), (cx + hw, cy - hh), (cx + hw, cy + hh), (cx - hw, cy + hh))


def _land(x: float, y: float, size: float, shape: str) -> tuple[tuple[float, float], ...]:
    """Outline of a land centred at (x, y): square, octagon (as drawn) or circle (circumscribed polygon)."""
    from maskgen.layout.geometry import octagon_points, square_points
    if shape == "square":
        pts = square_points(size)
    elif shape == "octagon":
        pts = octagon_points(size)
    else:
        r = size / 2 / math.cos(math.pi / ROUND_SIDES)
        a = np.arange(ROUND_SIDES) * 2 * math.pi / ROUND_SIDES
        pts = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
    return tuple((float(px) + x, float(py) + y) for px, py in np.asarray(pts, dtype=float))
