"""RDL fan-out of a die: the chip's pads matched to their bumps and joined by routed RDL lines.

Matching (each pad joins exactly one bump, each bump exactly one pad):

1. when every pad and every bump has a net, by net; pads and bumps of one net (power, ground) pair off by
   nearest centres;
2. otherwise, when pad names are bump names, by name;
3. otherwise by nearest centres: the closest pad-bump pair first, then the next closest of the rest.

Pads without a bump and bumps without a pad are refused, by name. A pad whose centre is its bump's centre needs
no line. Every other pad is routed by `maskgen.layout.routing`; a pad that cannot be routed is refused by name.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from maskgen.design import constraints
from maskgen.errors import InputError
from maskgen.input.pdk import Pdk
from maskgen.input.recipe import Recipe, Routing
from maskgen.layout.routing import Net, Obstacle, Rules, Terminal, route
from maskgen.layout.sites import Site

NEAREST_LIMIT = 4_000_000
"""Largest pads x bumps product matched by nearest centres (beyond it, give nets or names)."""
UNDER_BUMP = 1.0
"""A pad whose centre lies within this distance (um) of its bump's centre sits under the bump: no line."""
ROUND_SIDES = 64
"""Sides of the polygon a round land is given to the router as (circumscribed: never smaller than drawn)."""


@dataclass
class Route:
    """The centre-line of one pad's line to its bump (no points: the pad is under its bump)."""

    name: str
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def length(self) -> float:
        """Centre-line length in um."""
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))


@dataclass(frozen=True)
class RdlFigures:
    """Resolved fan-out dimensions in um: line width and space, bump land, pad via and land."""

    style: str
    line_width: float
    line_space: float
    land_diameter: float
    via: float
    pad_land: float


@dataclass
class FanOut:
    """Pads, their bumps, the routed centre-lines (same order) and how long routing took."""

    figures: RdlFigures
    pads: list[Site]
    bumps: list[Site]
    routes: list[Route]
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Figures for the manifest: counts, lengths and rules (no timing: the manifest is deterministic)."""
        lines = [r for r in self.routes if r.points]
        longest = max(lines, key=lambda r: (r.length, r.name), default=None)
        f = self.figures
        return {"style": f.style, "line_width": f.line_width, "line_space": f.line_space,
                "land_diameter": f.land_diameter, "via": f.via, "pads": len(self.pads), "routed": len(lines),
                "under_bump": len(self.routes) - len(lines),
                "total_length": round(sum(r.length for r in lines), 3),
                "longest": {"pad": longest.name, "length": round(longest.length, 3)} if longest else None,
                "nets": [{"pad": p.name, "bump": b.name, **({"net": p.net} if p.net else {}),
                          "length": round(r.length, 3)} for p, b, r in zip(self.pads, self.bumps, self.routes,
                                                                          strict=True)]}


def figures(recipe: Recipe, pdk: Pdk, file: Path) -> RdlFigures | None:
    """Check the fan-out block against the PDK and the process; the resolved dimensions (None: no fan-out)."""
    rt: Routing | None = recipe.die.fan_out
    if rt is None:
        return None
    from maskgen.design.families import family
    block = family(recipe).fixed_rdl(recipe)
    if block is not None:
        raise InputError(file, "die.pads", "...", f"{block} already joins each bump to a pad at a fixed offset; "
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
    check_routing_grid(recipe, file, pdk.rule_value("DIE.EDGE"), width, space)
    return RdlFigures(style=rt.style, line_width=width, line_space=space, land_diameter=land, via=via, pad_land=pad)


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
        for a, b in pairs.items():
            out[pi[a]] = bumps[bj[b]]
        lonely_pads += [pads[pi[a]] for a in range(len(pi)) if a not in pairs]
        lonely_bumps += [bumps[bj[b]] for b in range(len(bj)) if b not in set(pairs.values())]
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
         die_edge: float, solder_diameter: float = 0.0) -> FanOut:
    """Match every pad to its bump and route the RDL lines; an InputError names every pad left unrouted.

    Other nets' lines keep the RDL space from a bump's land and from its solder (the wider of the ball
    footprint and the reflowed outline, `solder_diameter`), which would otherwise join them to the bump.
    """
    bumps = match(pads, bump_sites, design_file)
    w, h = recipe.die.size
    rules = Rules(figs.line_width, figs.line_space, figs.style,
                  (-w / 2 + die_edge, -h / 2 + die_edge, w / 2 - die_edge, h / 2 - die_edge))
    pad_shape = recipe.bump.pad.shape
    keep = max(0.0, (solder_diameter - figs.land_diameter) / 2)
    nets, obstacles, routed = [], [], []
    for i, (p, b) in enumerate(zip(pads, bumps, strict=True)):
        pad = Terminal(p.name, p.x, p.y, _land(p.x, p.y, figs.pad_land, pad_shape))
        bump = Terminal(b.name, b.x, b.y, _land(b.x, b.y, figs.land_diameter, "circle"), keep=keep, bump=True)
        if math.dist((p.x, p.y), (b.x, b.y)) <= UNDER_BUMP:
            obstacles += [Obstacle(p.name, pad.shape), Obstacle(b.name, bump.shape, keep)]
            continue
        nets.append(Net(p.name, (pad,), (bump,)))
        routed.append(i)
    start = time.perf_counter()
    result = route(nets, obstacles, rules)
    if result.unrouted:
        failed = sorted({u.net for u in result.unrouted})
        why = sorted({u.reason for u in result.unrouted})
        raise InputError(design_file, "die.routing", f"{figs.line_width:g}/{figs.line_space:g} um",
                         f"cannot route pads {', '.join(failed)} ({'; '.join(why)}) with RDL line width "
                         f"{figs.line_width:g} um / space {figs.line_space:g} um ({figs.style}) inside the die edge "
                         f"keep-out DIE.EDGE {die_edge:g} um; move the pads or bumps, or change die.routing")
    lines = {wire.net: wire.points for wire in result.wires}
    routes = [Route(p.name, lines.get(p.name, []) if i in set(routed) else []) for i, p in enumerate(pads)]
    return FanOut(figures=figs, pads=pads, bumps=bumps, routes=routes, seconds=time.perf_counter() - start)


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
