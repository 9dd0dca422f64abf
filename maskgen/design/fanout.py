"""RDL fan-out of a die: the chip's pads matched to their bumps and joined by routed RDL lines.

Matching (each pad joins exactly one bump, each bump exactly one pad):

1. when every pad and every bump has a net, by net; pads and bumps of one net (power, ground) pair off by
   nearest centres;
2. otherwise, when pad names are bump names, by name;
3. otherwise by nearest centres: the closest pad-bump pair first, then the next closest of the rest.

Pads without a bump and bumps without a pad are refused, by name. A pad whose centre is its bump's centre needs
no line. Every other pad is routed by `maskgen.layout.routing`; a pad that cannot be routed is refused by name.

Nets as the design has them (`die.routing.nets` given, or pads or bumps from a DEF): a net joins any number of
pads and bumps; the selected nets (names or globs; default: every net with both a pad and a bump) are routed.
Bumps on no selected net are spare bumps (drawn, listed in the manifest, kept clear by every line); pads on no
selected net are drawn and not routed. Until the router takes multi-terminal nets, a selected net that is not
one pad and one bump is refused by name.
"""

from __future__ import annotations

import fnmatch
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from maskgen.design import constraints
from maskgen.errors import InputError
from maskgen.input.pdk import Pdk
from maskgen.input.recipe import DefMap, DefPads, Recipe, Routing
from maskgen.layout.routing import Land, Net, Route, Rules, Unroutable, route
from maskgen.layout.sites import Site

NEAREST_LIMIT = 4_000_000
"""Largest pads x bumps product matched by nearest centres (beyond it, give nets or names)."""


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
    spare_bumps: list[Site] = field(default_factory=list)
    """Bumps on no selected net: drawn, not joined to any pad, kept clear by the lines."""
    idle_pads: list[Site] = field(default_factory=list)
    """Pads on no selected net: drawn, not routed, kept clear by the lines."""

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
                                                                          strict=True)],
                "spare_bumps": [{"name": b.name, **({"ball": b.ball} if b.ball else {}), "x": b.x, "y": b.y}
                                for b in self.spare_bumps],
                "unrouted_pads": [p.name for p in self.idle_pads]}


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
            hit = {n for n in on if fnmatch.fnmatchcase(n, pat)}
            if not hit:
                raise InputError(file, "die.routing.nets", pat, "matches no net of the pads or bumps")
            chosen |= hit
    nets = {n: on[n] for n in sorted(chosen)}
    return Netlist(nets, [b for b in bumps if b.net not in chosen], [p for p in pads if p.net not in chosen])


def _pairs(nl: Netlist, file: Path) -> tuple[list[Site], list[Site]]:
    """The pad and the bump of each selected net; a net of other than one pad and one bump is refused by name."""
    wrong = [(n, len(ps), len(bs)) for n, (ps, bs) in nl.nets.items() if len(ps) != 1 or len(bs) != 1]
    if wrong:
        n, np_, nb = max(wrong, key=lambda w: (w[1] + w[2], w[0]))
        more = [w[0] for w in wrong if w[0] != n]
        rest = f" (and {len(more)} more: {', '.join(more[:5])}{', ...' if len(more) > 5 else ''})" if more else ""
        raise InputError(file, "die.routing.nets", None, f"net {n} joins {np_} pad{'s' * (np_ != 1)} and {nb} "
                         f"bump{'s' * (nb != 1)}{rest}; the router takes one pad and one bump per net yet")
    pairs = sorted(((ps[0], bs[0]) for ps, bs in nl.nets.values()), key=lambda pb: pb[0].name)
    return [p for p, _ in pairs], [b for _, b in pairs]


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
    spare: list[Site] = []
    idle: list[Site] = []
    if by_design(recipe):
        nl = netlist(pads, bump_sites, recipe.die.fan_out.nets, design_file)
        pads, bumps = _pairs(nl, design_file)
        spare, idle = nl.spare_bumps, nl.idle_pads
    else:
        bumps = match(pads, bump_sites, design_file)
    w, h = recipe.die.size
    rules = Rules(figs.line_width, figs.line_space, figs.style,
                  (-w / 2 + die_edge, -h / 2 + die_edge, w / 2 - die_edge, h / 2 - die_edge))
    square = recipe.bump.pad.shape != "circle"
    keep = max(0.0, (solder_diameter - figs.land_diameter) / 2)
    nets = [Net(p.name, pad_land(p, figs, square), Land(b.x, b.y, figs.land_diameter / 2, keep=keep))
            for p, b in zip(pads, bumps, strict=True)]
    # spare bumps and idle pads: a net with its pad on its bump is never routed, but its lands keep other lines
    # clear (the router's API has no obstacles of its own)
    nets += [Net(b.name, Land(b.x, b.y, figs.land_diameter / 2, keep=keep),
                 Land(b.x, b.y, figs.land_diameter / 2, keep=keep)) for b in spare]
    nets += [Net(p.name, pad_land(p, figs, square), pad_land(p, figs, square)) for p in idle]
    start = time.perf_counter()
    try:
        routes = route(nets, rules)[:len(pads)]
    except Unroutable as exc:
        raise InputError(design_file, "die.routing", f"{figs.line_width:g}/{figs.line_space:g} um",
                         f"cannot route pads {exc} with RDL line width {figs.line_width:g} um / space "
                         f"{figs.line_space:g} um ({figs.style}) inside the die edge keep-out DIE.EDGE "
                         f"{die_edge:g} um; move the pads or bumps, or change die.routing") from None
    return FanOut(figures=figs, pads=pads, bumps=bumps, routes=routes, seconds=time.perf_counter() - start,
                  spare_bumps=spare, idle_pads=idle)


def pad_land(pad: Site, figs: RdlFigures, square: bool) -> Land:
    """The land a line leaves a pad from: the pad's own shape (its bounding square) or the recipe's pad."""
    if pad.outline:
        half = max(max(abs(x), abs(y)) for x, y in pad.outline)
        return Land(pad.x, pad.y, half, round=False)
    return Land(pad.x, pad.y, figs.pad_land / 2, round=not square)
