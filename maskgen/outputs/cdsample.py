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
from dataclasses import dataclass

import klayout.db as kdb
import numpy as np

from maskgen.drc.isolated import touching_pairs


@dataclass(frozen=True)
class Unit:
    """One placed piece of a layer: a leaf cell's shapes under one transformation, or one polygon of a cell."""

    key: tuple
    trans: kdb.ICplxTrans
    box: kdb.Box
    shapes: kdb.Region


def _children_on(layout: kdb.Layout, li: int):
    """A function giving a cell's instances of cells that draw on the layer (each cell and each answer found once)."""
    draws: dict[int, bool] = {}
    drawn_children: dict[int, list[kdb.Instance]] = {}

    def children(cell: kdb.Cell) -> list[kdb.Instance]:
        """The cell's instances of cells that draw on the layer."""
        found = drawn_children.get(cell.cell_index())
        if found is None:
            found = []
            for inst in cell.each_inst():
                ci = inst.cell_index
                if ci not in draws:
                    draws[ci] = not layout.cell(ci).bbox_per_layer(li).empty()
                if draws[ci]:
                    found.append(inst)
            drawn_children[cell.cell_index()] = found
        return found
    return children


def layer_units(top: kdb.Cell, li: int) -> list[Unit]:
    """Every unit of layer li under top, in a stable order (the hierarchy walked depth first)."""
    children = _children_on(top.layout(), li)
    if _all_simple(top, children):
        return [Unit(key, trans, box.transformed(trans), shapes) for key, trans, box, shapes in
                _cell_units(top, li, children, {})]
    return _walk_units(top, li, children)


def first_placement_units(top: kdb.Cell, li: int) -> list[Unit] | None:
    """The units of the first placement of each cell placed in top (in walk order), for a top cell whose
    placements stand apart farther than the reach (see `neighbourhood_sample`): every other placement of a cell
    repeats the first one's neighbourhoods. None when a placement under top is not exact in integers."""
    children = _children_on(top.layout(), li)
    if not _all_simple(top, children) or not kdb.Region(top.shapes(li)).is_empty():
        return None
    memo: dict[int, _Local] = {}
    out: list[Unit] = []
    seen: set[int] = set()
    for inst in children(top):
        if inst.cell_index in seen:
            continue
        seen.add(inst.cell_index)
        placed = _placements(inst)[0]
        out += [Unit(key, placed * trans, box.transformed(placed * trans), shapes)
                for key, trans, box, shapes in _cell_units(inst.cell, li, children, memo)]
    return out


_Local = list[tuple[tuple, kdb.ICplxTrans, kdb.Box, kdb.Region]]
"""A cell's units in its own frame: key, placement, untransformed box and shapes."""


def _placements(inst: kdb.Instance) -> list[kdb.ICplxTrans]:
    """The transformation of each element of an instance (an array's elements row by row)."""
    base = inst.cplx_trans
    na, nb = (inst.na, inst.nb) if inst.is_regular_array() else (1, 1)
    return [kdb.ICplxTrans(kdb.Trans(inst.a * i + inst.b * j)) * base if (i or j) else base
            for i in range(na) for j in range(nb)]


def _all_simple(top: kdb.Cell, children) -> bool:
    """True when every placement under top on the layer is exact in integers (no magnification, no odd angle):
    then a cell's units, found once in its own frame, are placed exactly as a walk would place them."""
    seen: set[int] = set()
    stack = [top]
    while stack:
        cell = stack.pop()
        layout = cell.layout()
        for inst in children(cell):
            if inst.is_complex():
                return False
            if inst.cell_index not in seen:
                seen.add(inst.cell_index)
                stack.append(layout.cell(inst.cell_index))
    return True


def _cell_units(cell: kdb.Cell, li: int, children, memo: dict[int, _Local]) -> _Local:
    """The units of a cell in its own frame, in walk order (found once per cell)."""
    found = memo.get(cell.cell_index())
    if found is not None:
        return found
    shapes = kdb.Region(cell.shapes(li))
    kids = children(cell)
    found = []
    if not kids:
        if not shapes.is_empty():
            found.append((("cell", cell.cell_index()), kdb.ICplxTrans(), shapes.bbox(), shapes))
    else:
        for n, poly in enumerate(shapes.each()):
            found.append((("polygon", cell.cell_index(), n), kdb.ICplxTrans(), poly.bbox(), kdb.Region(poly)))
        layout = cell.layout()
        for inst in kids:
            inner = memo.get(inst.cell_index)
            if inner is None:
                inner = _cell_units(layout.cell(inst.cell_index), li, children, memo)
            for placed in _placements(inst):
                found += [(key, placed * trans, box, region) for key, trans, box, region in inner]
    memo[cell.cell_index()] = found
    return found


def _walk_units(top: kdb.Cell, li: int, children) -> list[Unit]:
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
        kids = children(cell)
        shapes = own(cell)
        if not kids:
            if not shapes.is_empty():
                units.append(Unit(("cell", cell.cell_index()), trans, shapes.bbox().transformed(trans), shapes))
            return
        for n, poly in enumerate(shapes.each()):
            key = ("polygon", cell.cell_index(), n)
            if key not in regions:
                regions[key] = kdb.Region(poly)
            units.append(Unit(key, trans, poly.bbox().transformed(trans), regions[key]))
        for inst in kids:
            child = layout.cell(inst.cell_index)
            base = inst.cplx_trans
            na, nb = (inst.na, inst.nb) if inst.is_regular_array() else (1, 1)
            for i in range(na):
                for j in range(nb):
                    step = kdb.ICplxTrans(kdb.Trans(inst.a * i + inst.b * j)) if (i or j) else kdb.ICplxTrans()
                    walk(child, trans * step * base)

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
    grown = np.array([(u.box.left, u.box.bottom, u.box.right + reach, u.box.top + reach) for u in units],
                     dtype=np.int64)
    a, b = touching_pairs(grown)
    near: dict[int, list[int]] = defaultdict(list)
    for n, m in zip(np.concatenate([a, b]).tolist(), np.concatenate([b, a]).tolist(), strict=True):
        near[n].append(m)
    shifts = [_shift(u.trans) for u in units]

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
