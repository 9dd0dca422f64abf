"""Where a mask layer's critical dimension is measured: one copy of every distinct neighbourhood of the die.

A die of 2,500 cantilever bumps draws 12,500 RDL shapes; measuring every width and space of them flat takes
13.6 s, and every bump but those at the edges or beside another bump type sees the same neighbours. The die's
shapes are cut into units (one placement of a cell that holds no further cells, or one polygon drawn in a cell
that does), each unit's neighbourhood is the units whose bounding boxes come within a reach of its own, and
units with the same cell and the same neighbours at the same relative placements are measured once, together
with those neighbours. Any width or space narrower than the reach then lies in the sample; the caller widens
the reach when the dimension it finds is not narrower (maskgen.outputs.critical.layer_critical_dimension).
"""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import klayout.db as kdb
import numpy as np

from maskgen.drc.isolated import touching_pairs

IDENTITY = kdb.ICplxTrans()
"""The placement of a unit in its own cell's frame (a leaf cell's shapes, a polygon of a cell)."""

Shift = tuple[int, int]


class Unit:
    """One placed piece of a layer: a leaf cell's shapes under one transformation, or one polygon of a cell; its
    box as (left, bottom, right, top) in dbu, and its transformation's displacement when that is a plain shift
    (no rotation, mirror or magnification), else None."""

    __slots__ = ("key", "trans", "edges", "shapes", "shift")

    def __init__(self, key: tuple, trans: kdb.ICplxTrans, edges: tuple[int, int, int, int], shapes: kdb.Region,
                 shift: Shift | None) -> None:
        self.key, self.trans, self.edges, self.shapes, self.shift = key, trans, edges, shapes, shift

    @property
    def box(self) -> kdb.Box:
        """The unit's placed bounding box."""
        return kdb.Box(*self.edges)


def _edges(box: kdb.Box) -> tuple[int, int, int, int]:
    """A box as (left, bottom, right, top)."""
    return box.left, box.bottom, box.right, box.top


def _placed_unit(key: tuple, trans: kdb.ICplxTrans, box: kdb.Box, shapes: kdb.Region,
                 shift: Shift | None) -> Unit:
    """A unit from its cell-frame box placed by trans (shift: trans's plain displacement, if known)."""
    if shift is None:
        shift = _shift(trans)
        if shift is None:
            return Unit(key, trans, _edges(box.transformed(trans)), shapes, None)
    left, bottom, right, top = _edges(box)
    dx, dy = shift
    return Unit(key, trans, (left + dx, bottom + dy, right + dx, top + dy), shapes, shift)


class Placed(NamedTuple):
    """One instance of a cell: the cell it places, whether its transformation is complex (magnified or at an odd
    angle), its transformation (an array's first element), that transformation's plain shift (else None) and an
    array's (na, nb, a, b)."""

    cell: int
    complex: bool
    base: kdb.ICplxTrans
    shift: Shift | None
    array: tuple[int, int, kdb.Vector, kdb.Vector] | None

    def placements(self) -> list[tuple[kdb.ICplxTrans, Shift | None]]:
        """The transformation of each element (an array's row by row) with its plain shift (else None)."""
        if self.array is None:
            return [(self.base, self.shift)]
        na, nb, a, b = self.array
        out = []
        for i in range(na):
            for j in range(nb):
                if not (i or j):
                    out.append((self.base, self.shift))
                    continue
                step = a * i + b * j
                out.append((kdb.ICplxTrans(kdb.Trans(step)) * self.base,
                            None if self.shift is None else (self.shift[0] + step.x, self.shift[1] + step.y)))
        return out


class Hierarchy:
    """The instances of a layout's cells read once (cell placed, transformation, array), which cells draw on a
    layer, and each cell's units in its own frame per layer: every mask layer's sample of a die of 100,000 placed
    bumps walks the instances once, not several times a layer."""

    def __init__(self, layout: kdb.Layout) -> None:
        self.layout = layout
        self._instances: dict[int, list[Placed]] = {}
        self._draws: dict[tuple[int, int], bool] = {}
        self._children: dict[tuple[int, int], list[Placed]] = {}
        self._simple: dict[tuple[int, int], bool] = {}
        self.local: dict[int, dict[int, _Local]] = {}
        """Per layer, each cell's units in its own frame (`_cell_units`)."""

    def instances(self, ci: int) -> list[Placed]:
        """The instances of a cell, in the layout's order."""
        found = self._instances.get(ci)
        if found is None:
            found = self._instances[ci] = [_placed(inst) for inst in self.layout.cell(ci).each_inst()]
        return found

    def draws(self, ci: int, li: int) -> bool:
        """True when the cell (with what it places) draws on the layer."""
        key = (ci, li)
        found = self._draws.get(key)
        if found is None:
            found = self._draws[key] = not self.layout.cell(ci).bbox_per_layer(li).empty()
        return found

    def children(self, ci: int, li: int) -> list[Placed]:
        """A cell's instances of cells that draw on the layer."""
        key = (ci, li)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = [p for p in self.instances(ci) if self.draws(p.cell, li)]
        return found

    def forget(self, li: int) -> None:
        """Drop what was kept for one layer (its units: 100,000 placed bumps' worth), once its sample is taken."""
        self.local.pop(li, None)
        for key in [k for k in self._children if k[1] == li]:
            del self._children[key]

    def simple(self, ci: int, li: int) -> bool:
        """True when every placement under the cell on the layer is exact in integers (no magnification, no odd
        angle): then a cell's units, found once in its own frame, are placed exactly as a walk would place them."""
        key = (ci, li)
        if key not in self._simple:
            self._simple[key] = _all_simple(self, ci, li)
        return self._simple[key]


def _placed(inst: kdb.Instance) -> Placed:
    """An instance as read once."""
    base = inst.cplx_trans
    array = (inst.na, inst.nb, inst.a, inst.b) if inst.is_regular_array() else None
    return Placed(inst.cell_index, inst.is_complex(), base, _shift(base), array)


def layer_units(top: kdb.Cell, li: int, hierarchy: Hierarchy | None = None) -> list[Unit]:
    """Every unit of layer li under top, in a stable order (the hierarchy walked depth first)."""
    h = hierarchy or Hierarchy(top.layout())
    if h.simple(top.cell_index(), li):
        return [_placed_unit(key, trans, box, shapes, shift) for key, trans, box, shapes, shift in
                _cell_units(h, top.cell_index(), li)]
    return _walk_units(h, top, li)


def first_placement_units(top: kdb.Cell, li: int, hierarchy: Hierarchy | None = None) -> list[Unit] | None:
    """The units of the first placement of each cell placed in top (in walk order), for a top cell whose
    placements stand apart farther than the reach (see `neighbourhood_sample`): every other placement of a cell
    repeats the first one's neighbourhoods. None when a placement under top is not exact in integers."""
    h = hierarchy or Hierarchy(top.layout())
    if not h.simple(top.cell_index(), li) or not top.shapes(li).is_empty():
        return None
    out: list[Unit] = []
    seen: set[int] = set()
    for p in h.children(top.cell_index(), li):
        if p.cell in seen:
            continue
        seen.add(p.cell)
        placed, placed_shift = p.placements()[0]
        for key, trans, box, shapes, shift in _cell_units(h, p.cell, li):
            both = placed if trans is IDENTITY else placed * trans
            total = None if placed_shift is None or shift is None else \
                (placed_shift[0] + shift[0], placed_shift[1] + shift[1])
            out.append(_placed_unit(key, both, box, shapes, total))
    return out


_Local = list[tuple[tuple, kdb.ICplxTrans, kdb.Box, kdb.Region, Shift | None]]
"""A cell's units in its own frame: key, placement, untransformed box, shapes and the placement's plain shift
(None: not known to be one)."""


def _all_simple(h: Hierarchy, ci: int, li: int) -> bool:
    """True when no placement under the cell on the layer is complex (see Hierarchy.simple)."""
    seen: set[int] = set()
    stack = [ci]
    while stack:
        cell = stack.pop()
        for p in h.children(cell, li):
            if p.complex:
                return False
            if p.cell not in seen:
                seen.add(p.cell)
                stack.append(p.cell)
    return True


def _cell_units(h: Hierarchy, ci: int, li: int) -> _Local:
    """The units of a cell in its own frame, in walk order (found once per cell and layer)."""
    memo = h.local.setdefault(li, {})
    found = memo.get(ci)
    if found is not None:
        return found
    cell = h.layout.cell(ci)
    shapes = kdb.Region(cell.shapes(li))
    kids = h.children(ci, li)
    found = []
    if not kids:
        if not shapes.is_empty():
            found.append((("cell", ci), IDENTITY, shapes.bbox(), shapes, (0, 0)))
    else:
        for n, poly in enumerate(shapes.each()):
            found.append((("polygon", ci, n), IDENTITY, poly.bbox(), kdb.Region(poly), (0, 0)))
        for p in kids:
            inner = _cell_units(h, p.cell, li)
            for placed, placed_shift in p.placements():
                for key, trans, box, region, shift in inner:
                    both = placed if trans is IDENTITY else placed * trans
                    total = None if placed_shift is None or shift is None else \
                        (placed_shift[0] + shift[0], placed_shift[1] + shift[1])
                    found.append((key, both, box, region, total))
    memo[ci] = found
    return found


def _walk_units(h: Hierarchy, top: kdb.Cell, li: int) -> list[Unit]:
    """The units of layer li, the hierarchy walked placement by placement (any transformation)."""
    layout = top.layout()
    regions: dict[tuple, kdb.Region] = {}
    units: list[Unit] = []

    def own(cell: kdb.Cell) -> kdb.Region:
        """A cell's own shapes on the layer (not its children's)."""
        key = ("cell", cell.cell_index())
        if key not in regions:
            regions[key] = kdb.Region(cell.shapes(li))
        return regions[key]

    def walk(cell: kdb.Cell, trans: kdb.ICplxTrans) -> None:
        """Units of cell placed by trans."""
        kids = h.children(cell.cell_index(), li)
        shapes = own(cell)
        if not kids:
            if not shapes.is_empty():
                units.append(_placed_unit(("cell", cell.cell_index()), trans, shapes.bbox(), shapes, None))
            return
        for n, poly in enumerate(shapes.each()):
            key = ("polygon", cell.cell_index(), n)
            if key not in regions:
                regions[key] = kdb.Region(poly)
            units.append(_placed_unit(key, trans, poly.bbox(), regions[key], None))
        for p in kids:
            child = layout.cell(p.cell)
            if p.array is None:
                walk(child, trans * kdb.ICplxTrans() * p.base)
                continue
            na, nb, a, b = p.array
            for i in range(na):
                for j in range(nb):
                    step = kdb.ICplxTrans(kdb.Trans(a * i + b * j)) if (i or j) else kdb.ICplxTrans()
                    walk(child, trans * step * p.base)

    walk(top, kdb.ICplxTrans())
    return units


def _relative(a: kdb.ICplxTrans, b: kdb.ICplxTrans) -> tuple:
    """b seen from a's frame, as a hashable tuple (rotation, mirror, magnification, displacement in dbu)."""
    rel = a.inverted() * b
    d = rel.disp
    return (round(rel.angle, 6), rel.is_mirror(), round(rel.mag, 9), round(d.x), round(d.y))


def _shift(t: kdb.ICplxTrans) -> tuple[int, int] | None:
    """The displacement of a pure shift (no rotation, mirror or magnification), else None."""
    if t.is_complex() or t.angle != 0 or t.is_mirror():
        return None
    return t.disp.x, t.disp.y


def neighbourhood_sample(units: list[Unit], reach: int) -> kdb.Region:
    """The shapes of one unit of every distinct neighbourhood (reach in dbu) and of its neighbours."""
    if not units:
        return kdb.Region()
    # unit m is a neighbour of unit n when its box touches n's box grown by the reach: the boxes grown by the
    # reach to the right and top touch (a symmetric relation), found in numpy
    grown = np.array([u.edges for u in units], dtype=np.int64)
    grown[:, 2:] += reach
    a, b = touching_pairs(grown)
    near: dict[int, list[int]] = defaultdict(list)
    for n, m in zip(np.concatenate([a, b]).tolist(), np.concatenate([b, a]).tolist(), strict=True):
        near[n].append(m)
    shifts = [u.shift for u in units]

    def relative(n: int, m: int) -> tuple:
        """Unit m seen from unit n: a plain difference when both are shifts (most placements), else exact."""
        e, f = shifts[n], shifts[m]
        if e is not None and f is not None:
            return (0.0, False, 1.0, f[0] - e[0], f[1] - e[1])
        return _relative(units[n].trans, units[m].trans)

    seen: dict[tuple, int] = {}
    keep: set[int] = set()
    for n, u in enumerate(units):
        found = near.get(n)
        if found is None:               # alone within the reach: one of these per cell or polygon
            signature: tuple = (u.key, ())
        else:
            signature = (u.key, tuple(sorted((units[m].key, relative(n, m)) for m in found)))
        if signature not in seen:
            seen[signature] = n
            keep.add(n)
            keep.update(found or ())
    out = kdb.Region()
    for n in sorted(keep):
        out.insert(units[n].shapes.transformed(units[n].trans))
    return out
