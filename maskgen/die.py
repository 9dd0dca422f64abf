"""A die: its boundary and its bumps placed as array references of one shared bump cell."""

from __future__ import annotations

from dataclasses import dataclass

import gdstk

from maskgen.cells import common
from maskgen.cells.base import Builder
from maskgen.cells.bumps import bump_cell
from maskgen.design import Design
from maskgen.errors import InputError
from maskgen.sites import Array, Site, arrays, sites


@dataclass
class DieLayout:
    """The die cell and what was placed in it."""

    cell: gdstk.Cell
    bump: gdstk.Cell
    arrays: list[Array]
    sites: list[Site]

    @property
    def bump_count(self) -> int:
        """Bumps on the die."""
        return sum(a.count for a in self.arrays)


def pad_offset(design: Design) -> tuple[float, float]:
    """Where pad 91 sits relative to its bump (RDL families), else under it."""
    r = design.recipe
    if r.cantilever is not None:
        return r.cantilever.pad_offset
    if r.two_step is not None and r.two_step.rdl is not None:
        return r.two_step.rdl.pad_offset
    return (0.0, 0.0)


def check_fit(design: Design, bump_sites: list[Site]) -> None:
    """Every pad centre DIE.EDGE inside the die edge and every reflowed bump on the die."""
    r = design.recipe
    w, h = r.die.size
    edge = design.pdk.rule_value("DIE.EDGE")
    dx, dy = pad_offset(design)
    radius = design.bump.reflow_width / 2
    for s in bump_sites:
        px, py = s.x + dx, s.y + dy
        if abs(px) > w / 2 - edge or abs(py) > h / 2 - edge:
            raise InputError(design.file, "die.size", [w, h],
                             f"pad of bump {s.name} at ({px:g}, {py:g}) um is closer than DIE.EDGE {edge:g} um "
                             f"to the die edge")
        if abs(s.x) + radius > w / 2 or abs(s.y) + radius > h / 2:
            raise InputError(design.file, "die.size", [w, h],
                             f"bump {s.name} at ({s.x:g}, {s.y:g}) um does not fit on the die")


def build_die(b: Builder, design: Design) -> DieLayout:
    """The die cell named after the recipe: boundary plus bump arrays."""
    r = design.recipe
    base = design.file.parent
    bump_sites = sites(r.die.bump_map, base)
    check_fit(design, bump_sites)
    bump = bump_cell(b, design)
    placed = arrays(r.die.bump_map, base)
    cell = gdstk.Cell(r.name)
    cell.add(b.ref(common.die_boundary(b, *r.die.size)))
    for a in placed:
        if a.count == 1:
            cell.add(b.ref(bump, (a.x, a.y)))
        else:
            cell.add(b.ref(bump, (a.x, a.y), columns=a.columns, rows=a.rows, spacing=(a.dx, a.dy)))
    b.lib.add(cell)
    return DieLayout(cell=cell, bump=bump, arrays=placed, sites=bump_sites)
