"""One marker per fault: the edge pairs of a width, space or enclosure check merged per shape or per pair of shapes.

KLayout reports a check as edge pairs, one per pair of polygon edges closer than the rule: a 64-gon
land that encloses its UBM by 5 um instead of 10 um gives a hundred of them, and two UBM islands at
too small a pitch dozens. A packaging engineer counts faults: this land, that pair of bumps. Each
edge is given to the merged shape it lies on (its owner); the pairs are grouped by owner (the inner
shape of an enclosure, the one shape of a width, the two shapes of a space) and each group becomes
one marker: its closest edge pair, whose distance is the true minimum of the group.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import klayout.db as kdb

GROUP_LIMIT = 2_000_000
"""Edge pairs merged at most per check; beyond it the raw edge pairs are counted (and the report says so)."""


@dataclass(frozen=True)
class Fault:
    """One fault: its closest edge pair, the distance of that pair (dbu) and the owner polygons involved."""

    pair: kdb.EdgePair
    distance: int
    owners: tuple[kdb.Polygon | None, ...]


def merged_flat(region: kdb.Region) -> list[kdb.Polygon]:
    """The merged polygons of a region in top-cell coordinates, in a stable order."""
    flat = kdb.Region()
    for polygon in region.each():
        flat.insert(kdb.Polygon(polygon))  # type: ignore[call-overload]  # drops the properties; unstubbed overload
    return sorted(flat.merged().each(), key=lambda p: (p.bbox().left, p.bbox().bottom, p.bbox().right, str(p)))


class _Owners:
    """Which polygon an edge lies on: a bucket grid of polygon boxes, then an exact test where boxes overlap."""

    def __init__(self, polygons: Sequence[kdb.Polygon]) -> None:
        self.polygons = list(polygons)
        sizes = sorted(max(p.bbox().width(), p.bbox().height()) for p in self.polygons) or [1]
        self.cell = max(1, sizes[len(sizes) // 2])
        self.buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, p in enumerate(self.polygons):
            b = p.bbox()
            for gx in range(b.left // self.cell, b.right // self.cell + 1):
                for gy in range(b.bottom // self.cell, b.top // self.cell + 1):
                    self.buckets[(gx, gy)].append(i)

    def of(self, edge: kdb.Edge) -> int | None:
        """Index of the polygon the edge lies on (by its midpoint), or None."""
        x = (edge.p1.x + edge.p2.x) // 2
        y = (edge.p1.y + edge.p2.y) // 2
        found = [i for i in self.buckets.get((x // self.cell, y // self.cell), ())
                 if self.polygons[i].bbox().enlarged(1, 1).contains(kdb.Point(x, y))]
        if len(found) > 1:  # boxes overlap: the polygon whose outline passes nearest to the edge's midpoint
            found.sort(key=lambda i: (_outline_distance(self.polygons[i], x, y), i))
        return found[0] if found else None


def _outline_distance(polygon: kdb.Polygon, x: int, y: int) -> float:
    """Euclidean distance (dbu) from a point to the nearest edge of a polygon's outline."""
    best = math.inf
    for edge in polygon.each_edge():
        ax, ay, bx, by = edge.p1.x, edge.p1.y, edge.p2.x, edge.p2.y
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        best = min(best, math.hypot(ax + t * dx - x, ay + t * dy - y))
    return best


def group(pairs: kdb.EdgePairs, by: str, first: kdb.Region, second: kdb.Region | None = None) -> list[Fault] | None:
    """Merge edge pairs into faults: `by` "first" / "second" (per shape owning that edge) or "pair" (per two shapes).

    `first` and `second` are the checked regions the first and second edges come from (`second`
    defaults to `first`). None when there are more pairs than GROUP_LIMIT.
    """
    count = pairs.count()
    if count > GROUP_LIMIT:
        return None
    second = first if second is None else second
    sides = {"first": (0,), "second": (1,), "pair": (0, 1)}[by]
    symmetric = by == "pair" and first is second
    if symmetric:  # both edges on shapes of one region: one numbering, so (a, b) and (b, a) are one pair
        both = _Owners(merged_flat(first.interacting(pairs.edges())))
        owners = {0: both, 1: both}
    else:
        owners = {side: _Owners(merged_flat((first if side == 0 else second).interacting(
            pairs.first_edges() if side == 0 else pairs.second_edges()))) for side in sides}
    best: dict[tuple, tuple[int, tuple, kdb.EdgePair, tuple]] = {}
    for pair in pairs.each():
        ids = []
        for side in sides:
            edge = pair.first if side == 0 else pair.second
            owner = owners[side].of(edge)
            ids.append(("shape", owner) if owner is not None else ("edge", *_edge_key(edge)))
        key = tuple(sorted(ids)) if symmetric else tuple(ids)
        rank = (pair.distance(), pair_key(pair))
        if key not in best or rank < best[key][:2]:
            best[key] = (*rank, pair, tuple(ids))
    faults = []
    for distance, _, kept, kept_ids in best.values():
        polys = tuple(owners[side].polygons[i[1]] if i[0] == "shape" else None
                      for side, i in zip(sides, kept_ids, strict=True))
        faults.append(Fault(pair=kept, distance=distance, owners=polys))
    faults.sort(key=lambda f: (pair_key(f.pair), f.distance))
    return faults


def pair_key(pair: kdb.EdgePair) -> tuple[tuple[int, int, int, int], ...]:
    """A direction-free key of an edge pair (the same pair found twice, or once per direction, is one)."""
    return tuple(sorted(_edge_key(e) for e in (pair.first, pair.second)))


def _edge_key(edge: kdb.Edge) -> tuple[int, int, int, int]:
    a, b = (edge.p1.x, edge.p1.y), (edge.p2.x, edge.p2.y)
    lo, hi = min(a, b), max(a, b)
    return (lo[0], lo[1], hi[0], hi[1])


Describe = Callable[[Fault, float], str]
"""A per-fault message: the fault and the database unit in um."""
