"""A die: its boundary and its bumps placed as array references of one shared bump cell.

A sub-array sweep (sweep_layout: subarrays) places one bump type per valid sweep point, each in its own tile of
the bump sites, with the point's name as a text label in the middle of its tile (LABEL layer).

A fan-out die (die.pads) also places one shared pad cell at each chip pad and draws the routed RDL lines,
which differ from pad to pad, as polygons in the die cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gdstk
import numpy as np

from maskgen.assembly.subarrays import SubArrays
from maskgen.assembly.subarrays import plan as plan_subarrays
from maskgen.design.bumptypes import BASE, BumpKind, assign, check_spacing, type_designs
from maskgen.design.derive import recipe_pad_offset
from maskgen.design.families import family
from maskgen.design.fanout import FanOut, plan, shaped_land
from maskgen.design.figures import Design
from maskgen.errors import InputError
from maskgen.input.jedec import a1_mark_points
from maskgen.input.units import hinting
from maskgen.layout.cells import common
from maskgen.layout.cells.base import NAME_TAKEN, Builder, NameClash, assembly
from maskgen.layout.cells.rdl import pad_via_land, routed_lines, shaped_pad
from maskgen.layout.geometry import snap
from maskgen.layout.sites import Array, Site, arrays, lattice, pad_sites, runs, sites, sites_on_grid


@dataclass
class PlacedKind:
    """One bump type as placed on the die: its design, bump cell, arrays and sites."""

    name: str
    design: Design
    cell: gdstk.Cell
    arrays: list[Array]
    sites: list[Site]

    @property
    def count(self) -> int:
        """Bumps of this type."""
        return sum(a.count for a in self.arrays)


@dataclass
class DieLayout:
    """The die cell and what was placed in it."""

    cell: gdstk.Cell
    bump: gdstk.Cell
    arrays: list[Array]
    sites: list[Site]
    fanout: FanOut | None = None
    kinds: list[PlacedKind] = field(default_factory=list)
    structures: Any = None
    """The daisy chains and Kelvin structures (maskgen.assembly.teststructures.Plan) of a test vehicle, if any."""
    subarrays: SubArrays | None = None
    """The sweep points and their blocks of a sub-array sweep (sweep_layout: subarrays), else None."""

    @property
    def bump_count(self) -> int:
        """Bumps on the die."""
        return sum(a.count for a in self.arrays)


def pad_offset(design: Design) -> tuple[float, float]:
    """Where pad 91 sits relative to its bump (RDL families), else under it."""
    return recipe_pad_offset(design.recipe)


def check_fit(design: Design, bump_sites: list[Site], pads: list[Site] | None = None) -> None:
    """Every pad centre DIE.EDGE inside the die edge and every reflowed bump on the die."""
    r = design.recipe
    w, h = r.die.dims
    edge = design.pdk.rule_value("DIE.EDGE")
    dx, dy = pad_offset(design)
    radius = design.bump.reflow_width / 2
    for p in pads or []:
        if abs(p.x) > w / 2 - edge or abs(p.y) > h / 2 - edge:
            raise InputError(design.file, "die.size", [w, h],
                             f"pad {p.name} at ({p.x:g}, {p.y:g}) um is closer than DIE.EDGE {edge:g} um "
                             f"to the die edge")
    for s in bump_sites:
        px, py = s.x + dx, s.y + dy
        if pads is None and (abs(px) > w / 2 - edge or abs(py) > h / 2 - edge):
            raise InputError(design.file, "die.size", [w, h],
                             f"pad of bump {s.name} at ({px:g}, {py:g}) um is closer than DIE.EDGE {edge:g} um "
                             f"to the die edge")
        if abs(s.x) + radius > w / 2 or abs(s.y) + radius > h / 2:
            raise InputError(design.file, "die.size", [w, h],
                             f"bump {s.name} at ({s.x:g}, {s.y:g}) um does not fit on the die")


def build_die(b: Builder, design: Design, route_progress: Callable[[int, int], None] | None = None) -> DieLayout:
    """The die cell named after the recipe: boundary plus bump arrays (one bump cell per bump type), and the
    routed RDL of a fan-out (`route_progress(done, total)` follows the router)."""
    r = design.recipe
    base = design.file.parent
    bump_sites = sites_on_grid(sites(r.die.bump_map, base, r.die.naming), b.grid)   # as drawn
    sub = plan_subarrays(design, bump_sites) if r.sweep_layout == "subarrays" else None
    kinds = sub.kinds() if sub is not None else bump_kinds(design, bump_sites)
    figs = design.fanout
    fan = None
    land = None
    pads = pad_sites(r.die.pads, base) if figs is not None and r.die.pads is not None else None
    with hinting(r):
        for kind in kinds:
            check_fit(kind.design, kind.sites, pads)
    if len(kinds) > 1:
        check_spacing(design, kinds)
    if figs is not None and pads is not None:
        keep = max(max(k.design.bump.footprint_diameter, k.design.bump.reflow_width) for k in kinds)
        fan = plan(design.file, figs, pads, bump_sites, r, design.pdk.rule_value("DIE.EDGE"), keep,
                   progress=route_progress)
        land = figs.land_diameter
    placed: list[gdstk.Reference] = [b.ref(common.die_boundary(b, *r.die.dims))]
    drawn: list[gdstk.Polygon | gdstk.Label] = []
    structures = None
    chained: set[str] = set()
    if r.die.test_structures is not None:
        from maskgen.assembly.teststructures import die_links
        from maskgen.assembly.teststructures import plan as plan_structures
        structures = plan_structures(design, bump_sites, max(k.design.recipe.bump.ubm_diameter for k in kinds))
        chained = {s.name for s in structures.sites}
        drawn += die_links(b, structures)
    placed_kinds = []
    for kind in kinds:
        if not kind.sites:
            continue
        bump = family(kind.design.recipe).bump_cell(b, kind.design, land)
        if chained and structures is not None:
            linked = [s for s in kind.sites if s.name in chained]
            groups = [(bump, runs([s for s in kind.sites if s.name not in chained], b.grid))]
            if linked:   # a chained bump cell only for a type with chained bumps, or it is an unplaced top cell
                from maskgen.layout.cells.chain import chain_land, chained_bump
                groups.insert(0, (chained_bump(b, bump, chain_land(b, structures.via, structures.land)),
                                  runs(linked, b.grid)))
        elif len(kinds) == 1:
            groups = [(bump, arrays(r.die.bump_map, base, r.die.naming, b.grid) if lattice(r.die.bump_map)
                       else runs(bump_sites, b.grid))]
        else:
            groups = [(bump, runs(kind.sites, b.grid))]
        groups = [(c, at) for c, at in groups if at]
        for c, at in groups:
            placed += _place(b, c, at)
        placed_kinds.append(PlacedKind(kind.name, kind.design, groups[0][0], [a for _, p in groups for a in p],
                                       kind.sites))
    drawn += _names(b, design, bump_sites)
    for block in sub.blocks if sub is not None else []:
        x1, y1, x2, y2 = block.box
        drawn.append(b.text(block.point, ((x1 + x2) / 2, (y1 + y2) / 2)))
    if fan is not None and figs is not None:
        st = r.bump
        pads_drawn = fan.pads + fan.idle_pads
        plain = [p for p in pads_drawn if p.outline is None]
        if plain:
            pad = pad_via_land(b, common.pad_stack(b, st.pad.width, st.pad.shape, st.passivation_opening),
                               figs.via, figs.pad_land, figs.pad_land_shape, st.pad.shape)
            placed += _place(b, pad, runs(plain, b.grid))
        shaped: dict[tuple, list[Site]] = {}
        for p in pads_drawn:
            if p.outline is not None:
                shaped.setdefault(tuple(p.outline), []).append(p)
        for outline, where in shaped.items():
            shaped_outline = shaped_land(outline, figs)
            placed += _place(b, shaped_pad(b, np.asarray(outline, dtype=float), st.passivation_opening, figs.via,
                                           None if shaped_outline == outline else np.asarray(shaped_outline,
                                                                                            dtype=float)),
                             runs(where, b.grid))
        drawn += routed_lines(b, [w.points for w in fan.wires], figs.line_width, style=figs.style)
    try:
        cell = assembly(b, r.name, placed, drawn, named=True)
    except NameClash:
        raise InputError(design.file, "name", r.name, NAME_TAKEN) from None
    return DieLayout(cell=cell, bump=placed_kinds[0].cell, arrays=[a for k in placed_kinds for a in k.arrays],
                     sites=bump_sites, fanout=fan, kinds=placed_kinds, structures=structures, subarrays=sub)


def bump_kinds(design: Design, bump_sites: list[Site]) -> list[BumpKind]:
    """The die's bump types with their sites: one `base` type unless the recipe has bump_types."""
    if not design.recipe.bump_types:
        return [BumpKind(BASE, design, bump_sites)]
    owner = assign(design, bump_sites)
    return [BumpKind(name, d, [s for s, o in zip(bump_sites, owner, strict=True) if o == name])
            for name, d in type_designs(design)]


def _names(b: Builder, design: Design, bump_sites: list[Site]) -> list[gdstk.Polygon | gdstk.Label]:
    """The A1 mark in the die corner nearest ball A1 and each bump's name as a text label (LABEL layer)."""
    r = design.recipe
    naming = r.die.naming
    out: list[gdstk.Polygon | gdstk.Label] = []
    if naming.a1_mark > 0:
        if 2 * naming.a1_mark > min(r.die.dims):
            raise InputError(design.file, "die.naming.a1_mark", naming.a1_mark,
                             f"the A1 mark must fit in the die corner: at most half the smaller die side "
                             f"({min(r.die.dims) / 2:g} um)")
        out.append(b.polygon(a1_mark_points(r.die.dims, naming.a1_mark, naming.a1_corner, naming.view), "LABEL"))
    if naming.labels and bump_sites:
        lay, dt = design.pdk.gds("LABEL")
        at = snap(np.array([(s.x, s.y) for s in bump_sites], dtype=float), b.grid).tolist()
        out += [gdstk.Label(s.name, (x, y), layer=lay, texttype=dt) for s, (x, y) in zip(bump_sites, at, strict=True)]
    return out


def _place(b: Builder, child: gdstk.Cell, placed: list[Array]) -> list[gdstk.Reference]:
    """References (array references where the sites repeat) of child at every site."""
    return [b.ref(child, (a.x, a.y)) if a.count == 1
            else b.ref(child, (a.x, a.y), columns=a.columns, rows=a.rows, spacing=(a.dx, a.dy)) for a in placed]
