"""Per-bump rules checked once per cell when the cells placed in the top cell stand apart.

A design handed over as 100,000 bump instances at unique offsets (a DEF's components, jittered off any grid)
gives deep mode nothing to share: every instance is its own context, and each region operation pays for all
of them (about 30 us an instance an operation; 70 s of DRC at 100,000 bumps). When no two placements of the
top cell's children come within a rule's reach of each other on the rule's layers, and the top cell draws
nothing of its own on them, a rule that looks no farther than its reach (an enclosure, a width, an overlap)
finds, at each placement, exactly what it finds in the placed cell alone. The rule then runs once per
distinct cell (flat, a few shapes) and its markers are placed at every placement of the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import klayout.db as kdb
import numpy as np

from maskgen.drc.checks import Markers
from maskgen.drc.layers import LayoutLayers
from maskgen.layout.geometry import span_pairs, square_spans

MIN_INSTANCES = 1000
"""Child instances of the top cell from which a rule is checked per cell: below it (every shipped template, a
die of array references) deep mode is fast and the layout is checked as a whole."""


@dataclass
class Placements:
    """Where the top cell's children are placed: per cell, the transformations of each placement (arrays
    expanded), with the plain shifts as numpy arrays for the spacing test."""

    layout: kdb.Layout
    top: kdb.Cell
    helpers: set[int]
    trans: dict[int, list[kdb.ICplxTrans]] = field(default_factory=dict)
    _isolated: dict[tuple, bool] = field(default_factory=dict)
    _shifts: dict[int, np.ndarray | None] = field(default_factory=dict)
    _merged: dict[int, kdb.Region | None] = field(default_factory=dict)

    def isolated(self, lis: tuple[int, ...], reach: int) -> bool:
        """True when the top cell draws nothing on the layers and no two placements come within `reach` (dbu)
        of each other there (their boxes on those layers, each grown by half the reach and more)."""
        key = (lis, reach)
        if key not in self._isolated:
            self._isolated[key] = self._test(lis, reach)
        return self._isolated[key]

    def _test(self, lis: tuple[int, ...], reach: int) -> bool:
        if any(not self.top.shapes(li).is_empty() for li in lis):
            return False
        return _apart(self._boxes(lis, max(reach, 0) // 2 + 1))

    def _boxes(self, lis: tuple[int, ...], grow: int) -> np.ndarray:
        """The box of each placement on the layers, grown by `grow` (dbu), as rows (left, bottom, right, top)."""
        boxes = []
        for ci, placed in self.trans.items():
            box = kdb.Box()
            for li in lis:
                box += self.layout.cell(ci).bbox_per_layer(li)
            if box.empty():
                continue
            box = box.enlarged(grow, grow)
            shifts = self._shift_array(ci)
            if shifts is not None:       # plain shifts (a DEF's N components): the box moved, in numpy
                boxes.append(shifts[:, [0, 1, 0, 1]] + np.array([box.left, box.bottom, box.right, box.top]))
            else:
                boxes.append(np.array([(b.left, b.bottom, b.right, b.top) for b in (box.transformed(t)
                                                                                   for t in placed)]))
        return np.concatenate(boxes).astype(np.int64) if boxes else np.zeros((0, 4), dtype=np.int64)

    def _shift_array(self, ci: int) -> np.ndarray | None:
        """The placements of a cell as (dx, dy) rows when all are plain shifts, else None."""
        if ci not in self._shifts:
            placed = self.trans[ci]
            plain = all(not t.is_complex() and t.rot() == 0 and not t.is_mirror() for t in placed)
            self._shifts[ci] = np.array([(t.disp.x, t.disp.y) for t in placed], dtype=np.int64) if plain else None
        return self._shifts[ci]

    def merged(self, li: int) -> kdb.Region | None:
        """The layer flat over the whole layout, each placed cell's shapes merged in the cell and placed (merged
        semantics off: they are merged already), or None when placements touch there or the top draws on it."""
        if li not in self._merged:
            self._merged[li] = self._placed_merged(li) if self.isolated((li,), 0) else None
        return self._merged[li]

    def _placed_merged(self, li: int) -> kdb.Region:
        helper = self.layout.insert_layer(kdb.LayerInfo())
        self.helpers.add(helper)
        for ci in self.trans:
            cell = self.layout.cell(ci)
            if not cell.bbox_per_layer(li).empty():
                cell.shapes(helper).insert(kdb.Region(cell.begin_shapes_rec(li)).merged())
        flat = kdb.Region(self.top.begin_shapes_rec(helper))
        flat.merged_semantics = False
        return flat

    def touches(self, li: int, boxes: list[kdb.Box]) -> bool:
        """True when a placement's box on the layer touches or overlaps one of the boxes."""
        if not boxes:
            return False
        placed = self._boxes((li,), 0)
        for box in boxes:
            if ((placed[:, 0] <= box.right) & (box.left <= placed[:, 2]) & (placed[:, 1] <= box.top)
                    & (box.bottom <= placed[:, 3])).any():
                return True
        return False

    def cell_merged(self, li: int) -> list[kdb.Polygon]:
        """The merged shapes of each placed cell on the layer, in the cell's frame (each cell once)."""
        out: list[kdb.Polygon] = []
        for ci in sorted(self.trans):
            cell = self.layout.cell(ci)
            if not cell.bbox_per_layer(li).empty():
                out += list(kdb.Region(cell.begin_shapes_rec(li)).merged().each())
        return out

    def cells(self, lis: tuple[int, ...]) -> list[tuple[kdb.Cell, list[kdb.ICplxTrans]]]:
        """The child cells drawing on the layers, each with its placements, by cell index."""
        out = []
        for ci in sorted(self.trans):
            cell = self.layout.cell(ci)
            if any(not cell.bbox_per_layer(li).empty() for li in lis):
                out.append((cell, self.trans[ci]))
        return out


def placements(layers: LayoutLayers) -> Placements | None:
    """The placements of the top cell's children, or None when the top cell has fewer than MIN_INSTANCES."""
    return placements_in(layers.top, layers.helper_layers)


def placements_in(top: kdb.Cell, helpers: set[int]) -> Placements | None:
    """The placements of a cell's children (helper layers it makes are added to `helpers`), or None when the
    cell has fewer than MIN_INSTANCES child instances."""
    if top.child_instances() < MIN_INSTANCES:
        return None
    found = Placements(top.layout(), top, helpers=helpers)
    for inst in top.each_inst():
        base = inst.cplx_trans
        placed = found.trans.setdefault(inst.cell_index, [])
        if not inst.is_regular_array():
            placed.append(base)
            continue
        for i in range(inst.na):
            for j in range(inst.nb):
                placed.append(kdb.ICplxTrans(kdb.Trans(inst.a * i + inst.b * j)) * base)
    return found


def _apart(boxes: np.ndarray) -> bool:
    """True when no two boxes (left, bottom, right, top) touch or overlap."""
    return not any(len(a) for a, _ in _touching(boxes, first_only=True))


def touching_pairs(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j), i != j listed once, of boxes (left, bottom, right, top) that touch or overlap."""
    found = list(_touching(boxes))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate([a for a, _ in found]), np.concatenate([c for _, c in found])


def _touching(boxes: np.ndarray, first_only: bool = False):
    """Pairs of touching boxes, a batch at a time (indices into boxes). Each box is filed in a bucket of a grid
    as wide as the widest box, by its lower-left corner; boxes that touch lie in the same or adjacent buckets, so
    only those pairs are compared (numpy, bucket offset by bucket offset)."""
    n = len(boxes)
    if n < 2:
        return
    size = int(max((boxes[:, 2] - boxes[:, 0]).max(), (boxes[:, 3] - boxes[:, 1]).max(), 1))
    order, spans = square_spans(boxes[:, 0] // size, boxes[:, 1] // size)
    b = boxes[order]
    for lo, counts in spans:
        if not counts.any():
            continue
        a, c = span_pairs(lo, counts)
        hit = (b[a, 0] <= b[c, 2]) & (b[c, 0] <= b[a, 2]) & (b[a, 1] <= b[c, 3]) & (b[c, 1] <= b[a, 3])
        if hit.any():
            yield order[a[hit]], order[c[hit]]
            if first_only:
                return


def cell_layers(full: LayoutLayers, cell: kdb.Cell) -> LayoutLayers:
    """The layers of one cell alone (flat, the cell's own coordinates), presence as in the whole layout."""
    local = LayoutLayers(path=full.path, layout=full.layout, top=cell, dss=None,
                         layer_names=dict(full.layer_names), helper_layers=full.helper_layers)
    by_name = {name: li for li, name in full.layer_names.items()}
    for name in full.regions:
        local.regions[name] = kdb.Region(cell.begin_shapes_rec(by_name[name]))
    return local


def placed(markers: Markers, trans: list[kdb.ICplxTrans]) -> Markers:
    """A cell's markers at every placement of the cell (shapes and the regions they were checked on)."""
    def each(shapes: Any) -> Any:  # a Region or EdgePairs (or None) in, the same kind out
        if shapes is None:
            return None
        out = type(shapes)()
        for t in trans:
            out += shapes.transformed(t)
        return out
    if markers.shapes is None or markers.shapes.is_empty():
        return markers
    return Markers(markers.message, each(markers.shapes), markers.measure, markers.per, each(markers.first),
                   each(markers.second), markers.describe)
