"""Daisy chains and Kelvin structures of a test vehicle (die.test_structures), and their board-side layout.

Die side: every chained or Kelvin bump gets an insulator via (INS1) over its pad and an RDL land under its UBM;
RDL links join bump pairs. Board side (its own layout, seen from the board, so mirrored in x): a land under
every bump (BOARD_LAND) and traces (BOARD_TRACE) for the other pairs of the chain, the escape lines of the
chain ends and of the Kelvin force and sense lines, and their probe pads; written as GDSII and as Gerber
RS-274X (X2 attributes) with gerber-writer.

Predicted resistance of a chain: its bumps in series (PDK bump_resistance of the alloy) plus every link and
trace as sheet resistance x squares, a link's length taken between the edges of the lands it joins:
R = n R_bump + sum(Rs_rdl (d - D_land) / w_link) + sum(Rs_board (d - D_board) / w_trace) + escape lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import gdstk
import numpy as np

from maskgen.design.figures import Design
from maskgen.errors import InputError, given
from maskgen.input import constraints
from maskgen.layout.cells.base import Builder, assembly
from maskgen.layout.cells.chain import board_land
from maskgen.layout.sites import Site

KELVIN_OFFSET = 0.25
"""Force and sense lines leave a Kelvin land at +/- this fraction of the board land diameter from its centre."""


@dataclass
class Link:
    """A straight link between two bumps (die side: RDL; board side: trace), um in die coordinates."""

    a: Site
    b: Site
    width: float

    @property
    def length(self) -> float:
        """Centre-to-centre length (um)."""
        return math.hypot(self.b.x - self.a.x, self.b.y - self.a.y)


@dataclass
class Escape:
    """A board trace from a bump's land outward to a probe pad; board coordinates (um)."""

    bump: Site
    role: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass
class Plan:
    """The test structures of a die: chain order, die and board links, escapes, Kelvin pairs."""

    chain: list[Site] = field(default_factory=list)
    die_links: list[Link] = field(default_factory=list)
    board_links: list[Link] = field(default_factory=list)
    escapes: list[Escape] = field(default_factory=list)
    kelvin: list[tuple[str, Site, Site]] = field(default_factory=list)
    land: float = 0.0
    via: float = 0.0
    board_land: float = 0.0
    probe_pad: float = 100.0
    trace: float = 40.0

    @property
    def sites(self) -> list[Site]:
        """Every bump that carries a via and an RDL land."""
        return self.chain + [s for _, a, b in self.kelvin for s in (a, b)]


def plan(design: Design, bump_sites: list[Site], ubm: float) -> Plan:
    """Chain order (serpentine by rows), die/board links, Kelvin pairs and escape lines, checked."""
    r = design.recipe
    ts = given(r.die.test_structures, "die.test_structures", design.file)
    file = design.file
    if r.die.pads is not None:
        raise InputError(file, "die.test_structures", "...", "a test vehicle's bumps sit on their own pads; "
                         "give either die.pads (fan-out) or die.test_structures, not both")
    if r.wafer is not None:
        raise InputError(file, "die.test_structures", "...", "test structures are built on a die; leave out wafer:")
    if not any(s.step.mask == "RDL" for s in design.steps):
        raise InputError(file, "die.test_structures", "...", f"process {r.process} has no redistribution layer "
                         "(RDL) step for the die-side links; test structures work with: "
                         f"{', '.join(design.pdk.die_rdl_processes())}")
    pdk = design.pdk
    out = Plan()
    out.land = math.ceil(constraints.rdl_encloses_ubm(pdk, ubm).value)
    out.via = r.bump.passivation_opening
    dc = ts.daisy_chain
    out.board_land = dc.board_land if dc and dc.board_land else ubm
    if dc is not None:
        out.probe_pad, out.trace = dc.probe_pad, dc.board_trace
    by_name = {s.name: s for s in bump_sites} | {s.ball: s for s in bump_sites if s.ball}
    used: set[str] = set()
    for i, k in enumerate(ts.kelvin):
        pair = []
        for name in k.bumps:
            if name not in by_name:
                raise InputError(file, f"die.test_structures.kelvin[{i}].bumps", name, "no bump of that name")
            pair.append(by_name[name])
        a, b = pair
        if a.name in used or b.name in used or a.name == b.name:
            raise InputError(file, f"die.test_structures.kelvin[{i}].bumps", list(k.bumps),
                             "two different bumps, each in one Kelvin structure only")
        used |= {a.name, b.name}
        out.kelvin.append((k.name, a, b))
        out.die_links.append(Link(a, b, dc.link_width if dc else 50.0))
    if dc is not None:
        chain = [s for s in bump_sites if s.name not in used and _inside(s, dc.region)]
        if len(chain) < 2:
            raise InputError(file, "die.test_structures.daisy_chain.region", dc.region, "the chain needs at least "
                             "two bumps")
        rows: dict[float, list[Site]] = {}
        for s in chain:
            rows.setdefault(round(s.y, 3), []).append(s)
        order: list[Site] = []
        first = sorted(rows)[0]
        row = sorted(rows[first], key=lambda s: s.x)
        leftmost = min(s.x for s in bump_sites if round(s.y, 3) == first)
        flip = 0 if row[0].x <= leftmost + 1e-6 else 1     # start at an end no Kelvin bump blocks
        for n, y in enumerate(sorted(rows)):
            row = sorted(rows[y], key=lambda s: s.x)
            order += row if (n + flip) % 2 == 0 else row[::-1]
        out.chain = order
        for i in range(len(order) - 1):
            link = Link(order[i], order[i + 1], dc.link_width if i % 2 == 0 else dc.board_trace)
            (out.die_links if i % 2 == 0 else out.board_links).append(link)
    _escapes(design, bump_sites, out)
    _check_links(design, out)
    return out


def _inside(s: Site, region: tuple[float, float, float, float] | None) -> bool:
    """True when the site's centre lies in the region (or there is none)."""
    if region is None:
        return True
    x1, y1, x2, y2 = region
    return min(x1, x2) <= s.x <= max(x1, x2) and min(y1, y2) <= s.y <= max(y1, y2)


def _escapes(design: Design, bump_sites: list[Site], out: Plan) -> None:
    """Board escape lines: chain ends and Kelvin force/sense lines, horizontally out of the die shadow to
    probe pads in two staggered columns; the escaping bump must be the outermost of its row on that side."""
    dc = given(design.recipe.die.test_structures, "die.test_structures", design.file).daisy_chain
    w_die = design.recipe.die.dims[0]
    pad, trace = out.probe_pad, out.trace
    wanted: list[tuple[Site, str, float]] = []
    if out.chain and dc is not None:
        wanted += [(out.chain[0], f"{dc.name} in", 0.0), (out.chain[-1], f"{dc.name} out", 0.0)]
    off = KELVIN_OFFSET * out.board_land
    for name, a, b in out.kelvin:
        wanted += [(a, f"{name} force+", off), (a, f"{name} sense+", -off), (b, f"{name} force-", off),
                   (b, f"{name} sense-", -off)]
    rows: dict[float, list[float]] = {}
    for s in bump_sites:
        rows.setdefault(round(s.y, 3), []).append(s.x)
    lanes: dict[int, list[tuple[float, int]]] = {}
    for k, (s, role, dy) in enumerate(wanted):
        bx = -s.x                                        # board coordinates: mirrored in x
        side = 1 if bx > 0 or (bx == 0 and s.x <= 0) else -1
        row = [-x for x in rows[round(s.y, 3)]]
        if any((x - bx) * side > 1e-6 for x in row):
            raise InputError(design.file, "die.test_structures", s.name,
                             f"{role}: bump {s.name} is not the outermost of its row, so its board line cannot "
                             f"leave the die shadow; choose a bump in the first or last column")
        lanes.setdefault(side, []).append((s.y + dy, k))
    for side, found in lanes.items():
        for n, (y, k) in enumerate(sorted(found)):
            s, role, _ = wanted[k]
            x_end = side * (w_die / 2 + 2 * pad + (n % 2) * (pad + 2 * trace))
            out.escapes.append(Escape(s, role, (-s.x, y), (x_end, y)))
    out.escapes.sort(key=lambda e: [w[1] for w in wanted].index(e.role))


def _check_links(design: Design, out: Plan) -> None:
    """Each link joins neighbours: no other land lies on its straight line."""
    lands = out.sites
    for link in out.die_links + out.board_links:
        for s in lands:
            if s is link.a or s is link.b:
                continue
            if _segment_distance((s.x, s.y), (link.a.x, link.a.y), (link.b.x, link.b.y)) < out.land / 2 + link.width:
                raise InputError(design.file, "die.test_structures", f"{link.a.name}-{link.b.name}",
                                 f"the link from {link.a.name} to {link.b.name} passes bump {s.name}; chain "
                                 f"neighbouring bumps (a full row-by-row region) or choose other Kelvin bumps")


def _segment_distance(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from point p to segment ab."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy or 1.0)))
    return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)


# ----------------------------------------------------------------------------- die side
def die_links(b: Builder, p: Plan) -> list[gdstk.Polygon]:
    """The die-side RDL links, straight from land centre to land centre."""
    from maskgen.layout.cells.rdl import routed_lines
    out = []
    for link in p.die_links:
        out += routed_lines(b, [[(link.a.x, link.a.y), (link.b.x, link.b.y)]], link.width)
    return out


# ----------------------------------------------------------------------------- board side
def board_library(b: Builder, name: str, p: Plan) -> gdstk.Library:
    """The board-side layout (seen from the board: x mirrored): lands, chain traces, escapes, probe pads."""
    board = Builder(b.pdk, f"{name}_board")   # a library of its own: the board file
    land = board_land(board, p.board_land)
    placed = [(land, (-s.x, s.y)) for s in p.sites]
    drawn: list[gdstk.Polygon | gdstk.Label] = []
    for link in p.board_links:
        drawn += _trace(board, (-link.a.x, link.a.y), (-link.b.x, link.b.y), link.width)
    for e, size, width in escape_figures(p):
        drawn += _trace(board, e.start, e.end, width)
        x, y = e.end
        drawn.append(board.polygon([(x - size / 2, y - size / 2), (x + size / 2, y - size / 2),
                                    (x + size / 2, y + size / 2), (x - size / 2, y + size / 2)], "BOARD_TRACE"))
        drawn.append(board.text(e.role, e.end, "LABEL"))
    assembly(board, f"{name}_board", placed, drawn, named=True)
    return board.lib


def escape_figures(p: Plan) -> list[tuple[Escape, float, float]]:
    """Each escape with its probe pad size and trace width."""
    return [(e, p.probe_pad, p.trace) for e in p.escapes]


def _trace(b: Builder, start: tuple[float, float], end: tuple[float, float], width: float) -> list[gdstk.Polygon]:
    """A straight board trace on BOARD_TRACE."""
    path = gdstk.FlexPath([start, end], width, ends="flush", simple_path=False)
    return [b.polygon(np.asarray(poly.points), "BOARD_TRACE") for poly in path.to_polygons()]


# ----------------------------------------------------------------------------- manifest
def summary(design: Design, p: Plan, reflow_alloy: str) -> dict[str, Any]:
    """Chains and Kelvin structures for the reliability lab: bumps in order, probe pads, predicted resistance."""
    e = design.pdk.electrical
    r_bump = e.get("bump_resistance", {}).get(reflow_alloy, e.get("default_bump_resistance", 0.003))
    rs_rdl = design.pdk.rdl_sheet_resistance
    rs_board = e.get("board_sheet_resistance", 0.00049)

    def die_r(link: Link) -> float:
        return rs_rdl * max(link.length - p.land, 0.0) / link.width

    def board_r(length: float, width: float) -> float:
        return rs_board * max(length, 0.0) / width

    out: dict[str, Any] = {"die_links": [{"bumps": [lk.a.name, lk.b.name], "from": [lk.a.x, lk.a.y],
                                          "to": [lk.b.x, lk.b.y], "width": lk.width} for lk in p.die_links],
                           "electrical": {"bump_resistance_mohm": 1000 * r_bump,
                                          "rdl_sheet_resistance_mohm_sq": 1000 * rs_rdl,
                                          "board_sheet_resistance_mohm_sq": 1000 * rs_board, "alloy": reflow_alloy}}
    esc = {e.role: e for e in p.escapes}
    dc = given(design.recipe.die.test_structures, "die.test_structures", design.file).daisy_chain
    if p.chain and dc is not None:
        chain_die = [lk for lk in p.die_links if lk.a in p.chain]
        parts = {"bumps": len(p.chain) * r_bump, "die_links": sum(die_r(lk) for lk in chain_die),
                 "board_links": sum(board_r(lk.length - p.board_land, lk.width) for lk in p.board_links),
                 "escapes": sum(board_r(abs(esc[k].end[0] - esc[k].start[0]) - p.board_land / 2, dc.board_trace)
                                for k in (f"{dc.name} in", f"{dc.name} out"))}
        out["daisy_chains"] = [{
            "name": dc.name, "bump_count": len(p.chain), "bumps": [s.name for s in p.chain],
            "die_links": len(chain_die), "board_links": len(p.board_links),
            "probe_pads": {"in": list(esc[f"{dc.name} in"].end), "out": list(esc[f"{dc.name} out"].end)},
            "resistance_mohm": {k: 1000 * v for k, v in {**parts, "total": sum(parts.values())}.items()}}]
    out["kelvin"] = []
    for name, a, b in p.kelvin:
        link = next(lk for lk in p.die_links if lk.a is a and lk.b is b)
        out["kelvin"].append({"name": name, "bumps": [a.name, b.name],
                              "probe_pads": {role.split()[-1]: list(esc[role].end) for role in esc
                                             if role.startswith(name + " ")},
                              "resistance_mohm": {"bumps": 2000 * r_bump, "die_link": 1000 * die_r(link),
                                                  "total": 1000 * (2 * r_bump + die_r(link))}})
    return out
