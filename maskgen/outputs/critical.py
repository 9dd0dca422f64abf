"""The critical dimension of a mask: the smallest drawn width or space its shapes ask the mask shop to resolve.

Measured on the merged shapes of one mask layer over the whole die (bump cells, pad cells and the die's own
RDL lines), in database units, and reported to the manufacturing grid:

- a circle (an opening or disc drawn as a polygon with its vertices on the circle) counts by its diameter,
  taken from the vertex radius, not from the polygon's across-flats width (180 um, not 179.896);
- any other shape by its smallest width, the distance between facing edges (a line's width, a slot, a
  square pad's side, an octagon across flats), found with klayout's width check and read back exactly from
  the edge pair, not from the bisection threshold;
- the space between shapes by klayout's space check, circles standing in as circumscribed 32-gons; then
  measured exactly: between two circles |c1 - c2| - r1 - r2, from a circle to an edge the centre's distance
  less r.

The smallest of these is the mask's critical dimension, with its kind and where it is (um from the die centre).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import klayout.db as kdb
import numpy as np

from maskgen.drc.checks import ON_ROUND, ROUND_VERTICES
from maskgen.drc.isolated import Placements

if TYPE_CHECKING:
    from maskgen.outputs.cdsample import Hierarchy

FACING = 30
"""degrees: edges checked against each other for a width are at most this far from parallel."""
ON_CIRCLE = 4
"""dbu: an edge of a circle's circumscribed stand-in lies this close to the tangent line (point rounding)."""


@dataclass(frozen=True)
class CriticalDimension:
    """A mask's smallest feature: value (um), kind (line width, opening diameter, space, ...) and location."""

    value: float
    kind: str
    at: tuple[float, float]

    def as_dict(self) -> dict:
        """Mask list fields."""
        return {"critical_dimension": self.value, "cd_kind": self.kind, "cd_at": list(self.at)}


def _circle(poly: kdb.Polygon) -> tuple[float, float, float] | None:
    """(cx, cy, r) in dbu when the polygon is a circle drawn through its vertices, else None."""
    if poly.holes() or poly.num_points_hull() < ROUND_VERTICES:
        return None
    pts = np.array([(p.x, p.y) for p in poly.each_point_hull()], dtype=float)
    box = poly.bbox()
    cx, cy = (box.left + box.right) / 2, (box.bottom + box.top) / 2
    radii = np.hypot(pts[:, 0] - cx, pts[:, 1] - cy)
    if radii.max() - radii.min() > ON_ROUND:
        return None
    return cx, cy, float(np.median(radii))


def _snap(value_dbu: float, dbu: float, grid: float) -> float:
    """dbu length as um on the manufacturing grid."""
    return round(round(value_dbu * dbu / grid) * grid, 6)


def _smallest_pairs(check, hi: int, slack: int = 0) -> list[tuple[float, kdb.EdgePair]]:
    """(distance, edge pair) of every pair within slack of the smallest distance the check finds. The threshold
    grows by a quarter from 1 um until the check finds something (a large one would report every pair of facing edges),
    bisection narrows it to within slack; the distances themselves are exact, read from the edge pairs."""
    lo, d = 0, 1000
    while check(d).is_empty():
        if d >= hi:
            return []
        lo, d = d, min(d + max(d // 4, 1), hi)
    while d - lo > max(slack, 8):
        mid = (lo + d) // 2
        if check(mid).is_empty():
            lo = mid
        else:
            d = mid
    pairs = [(ep.distance(), ep) for ep in check(d + slack).each()]
    least = min(p[0] for p in pairs)
    return [p for p in pairs if p[0] <= least + slack]


def _circumscribed(cx: float, cy: float, r: float) -> kdb.Polygon:
    """A 32-gon around a circle (its edges tangent to it): a cheap stand-in for the space search."""
    n, rr = 32, r / math.cos(math.pi / 32) + 2
    return kdb.Polygon([kdb.Point(round(cx + rr * math.cos(2 * math.pi * (i + 0.5) / n)),
                                  round(cy + rr * math.sin(2 * math.pi * (i + 0.5) / n))) for i in range(n)])


def _shape_kind(poly: kdb.Polygon, opening: bool) -> str:
    """line / slot when long and narrow, else width of an island or opening."""
    box = poly.bbox()
    long = max(box.width(), box.height()) > 3 * min(box.width(), box.height()) or poly.num_points_hull() > 8
    if opening:
        return "slot width" if long else "opening width"
    return "line width" if long else "island width"


def critical_dimension(region: kdb.Region, dbu: float, grid: float, opening: bool) -> CriticalDimension | None:
    """The smallest width or space of a mask layer's shapes (None when the layer draws nothing)."""
    merged = region.merged()
    if merged.is_empty():
        return None
    found: list[tuple[float, str, tuple[float, float]]] = []
    circles: list[tuple[float, float, float]] = []
    others = kdb.Region()
    shapes: dict[tuple, float | None] = {}       # shape (up to translation) -> circle radius or None
    for poly in merged.each():
        box = poly.bbox()
        key = (poly.num_points(), box.width(), box.height(), poly.area(), poly.perimeter())
        if key not in shapes:
            c = _circle(poly)
            shapes[key] = None if c is None else c[2]
        r = shapes[key]
        if r is None:
            others.insert(poly)
            continue
        centre = ((box.left + box.right) / 2, (box.bottom + box.top) / 2)
        circles.append((*centre, r))
        found.append((2 * r, "opening diameter" if opening else "disc diameter", centre))
    size = max(merged.bbox().width(), merged.bbox().height()) + 1
    others.merged_semantics = False
    if not others.is_empty():
        # facing edges within FACING degrees of parallel: the two sides of an acute corner (a slot arc cut at
        # a slant) come arbitrarily close near the vertex, which is not a width the mask must resolve
        pairs = _smallest_pairs(lambda d: others.width_check(d, False, kdb.Metrics.Projection, FACING)
                                .with_distance(1, None, False), size)
        if pairs:
            dist, ep = min(pairs, key=lambda p: (p[0], _centre(p[1])))
            owner = next(iter(others.interacting(kdb.Region(ep.first.bbox().enlarged(1, 1))).each()), None)
            found.append((dist, _shape_kind(owner, opening) if owner is not None else "width", _centre(ep)))
    if others.is_empty():
        gap = _circle_gaps(np.array(circles))
        if gap is not None and gap[0] < min(f[0] for f in found):
            found.append((gap[0], "space between openings" if opening else "space", gap[1]))
        return _result(found, dbu, grid)
    stand_in = others.dup()
    stand_in.merged_semantics = False      # already merged: the checks need not merge again on every call
    for c in circles:
        stand_in.insert(_circumscribed(*c))
    slack = round(2 * (max((c[2] for c in circles), default=0.0) * (1 / math.cos(math.pi / 32) - 1) + 3))
    # a space matters only when narrower than the narrowest feature: search no further
    narrowest = min((f[0] for f in found), default=size)
    pairs = _smallest_pairs(lambda d: stand_in.space_check(d, False, kdb.Metrics.Euclidian),
                            round(narrowest) + slack, slack)
    kind = "space between openings" if opening else "space"
    cs = np.array(circles) if circles else np.zeros((0, 3))
    if pairs:
        for dist, ep in pairs:
            a, b = _on_circle(ep.first, cs), _on_circle(ep.second, cs)
            if a is not None and b is not None:
                dist = math.hypot(a[0] - b[0], a[1] - b[1]) - a[2] - b[2]
            elif a is not None:
                dist = _to_segment(a, ep.second) - a[2]
            elif b is not None:
                dist = _to_segment(b, ep.first) - b[2]
            found.append((dist, kind, _centre(ep)))
    return _result(found, dbu, grid)


def _result(found: list[tuple[float, str, tuple[float, float]]], dbu: float, grid: float) -> CriticalDimension:
    """The smallest candidate (ties: the lowest x, then y) on the grid, located in um."""
    value, kind, at = min(found, key=lambda f: (round(f[0]), f[2][0], f[2][1]))
    at_um = (round(float(at[0]) * dbu, 3), round(float(at[1]) * dbu, 3))
    return CriticalDimension(_snap(value, dbu, grid), kind, at_um)


def _circle_gaps(cs: np.ndarray) -> tuple[float, tuple[float, float]] | None:
    """Smallest gap |c1 - c2| - r1 - r2 between circles (dbu) and the midpoint of that gap: circles sorted by x
    are compared with their k-th neighbour for k = 1, 2, ... until the x distance alone exceeds the best gap."""
    if len(cs) < 2:
        return None
    cs = cs[np.lexsort((cs[:, 1], cs[:, 0]))]
    rmax2 = 2 * cs[:, 2].max()
    best, where = math.inf, (0.0, 0.0)
    for k in range(1, len(cs)):
        dx = cs[k:, 0] - cs[:-k, 0]
        if dx.min() - rmax2 > best:
            break
        gaps = np.hypot(dx, cs[k:, 1] - cs[:-k, 1]) - cs[k:, 2] - cs[:-k, 2]
        i = int(np.argmin(gaps))
        if gaps[i] < best - 0.5:
            best = float(gaps[i])
            a, b = cs[i], cs[i + k]
            where = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    return best, where


def _centre(ep: kdb.EdgePair) -> tuple[float, float]:
    """Centre of an edge pair (dbu)."""
    c = ep.bbox().center()
    return float(c.x), float(c.y)


def _on_circle(edge: kdb.Edge, circles: np.ndarray) -> tuple[float, float, float] | None:
    """The circle (cx, cy, r) whose circumscribed stand-in holds the edge: its line tangent to the circle."""
    if not len(circles):
        return None
    p1, p2 = np.array([edge.p1.x, edge.p1.y], float), np.array([edge.p2.x, edge.p2.y], float)
    length = np.hypot(*(p2 - p1))
    if length == 0:
        return None
    n = np.array([p1[1] - p2[1], p2[0] - p1[0]]) / length
    line = np.abs((circles[:, 0] - p1[0]) * n[0] + (circles[:, 1] - p1[1]) * n[1])
    far = np.hypot(circles[:, 0] - (p1[0] + p2[0]) / 2, circles[:, 1] - (p1[1] + p2[1]) / 2)
    hit = np.flatnonzero((np.abs(line - circles[:, 2] - 2) <= ON_CIRCLE) & (far <= circles[:, 2] * 1.01 + 10))
    return tuple(circles[hit[0]]) if hit.size else None


def _to_segment(c: tuple[float, float, float], edge: kdb.Edge) -> float:
    """Distance from a circle's centre to an edge (dbu)."""
    p1, p2 = np.array([edge.p1.x, edge.p1.y], float), np.array([edge.p2.x, edge.p2.y], float)
    q, v = np.array(c[:2]), p2 - p1
    t = 0.0 if not v.any() else float(np.clip(np.dot(q - p1, v) / np.dot(v, v), 0, 1))
    return float(np.hypot(*(q - p1 - t * v)))


def layer_critical_dimension(top: kdb.Cell, li: int, grid: float, opening: bool,
                             apart: Placements | None = None,
                             hierarchy: Hierarchy | None = None) -> CriticalDimension | None:
    """The critical dimension of one mask layer of a die, measured on one copy of each distinct neighbourhood.

    The sample holds every width and every space narrower than its reach (maskgen.outputs.cdsample); a result that is
    not narrower than the reach is measured again with a reach beyond it, so no narrower space can be missed. With
    `apart` (a die of many placed cells), while the placements stand farther apart than the reach the sample is
    taken from the first placement of each cell alone: the others repeat its neighbourhoods. `hierarchy`: the
    layout's instances as read for another layer of the same layout (read once for every mask)."""
    from maskgen.outputs.cdsample import Hierarchy
    hierarchy = hierarchy or Hierarchy(top.layout())
    try:
        return _sampled_cd(top, li, grid, opening, apart, hierarchy)
    finally:
        hierarchy.forget(li)


def _sampled_cd(top: kdb.Cell, li: int, grid: float, opening: bool, apart: Placements | None,
                hierarchy: Hierarchy) -> CriticalDimension | None:
    """layer_critical_dimension with the layout's instances read."""
    from maskgen.outputs.cdsample import first_placement_units, layer_units, neighbourhood_sample
    first = first_placement_units(top, li, hierarchy) if apart is not None else None
    every: list = []

    def units_within(reach: int | None) -> list:
        """The units to sample at this reach: the first placements' while the placements stand apart."""
        if first is not None and apart is not None and (reach is None or apart.isolated((li,), reach)):
            return first
        if not every:
            every.extend(layer_units(top, li, hierarchy))
        return every

    units = units_within(None)
    if not units:
        return None
    dbu = top.layout().dbu
    cells = [u for u in units if u.key[0] == "cell"] or units
    reach = min(min(u.edges[2] - u.edges[0], u.edges[3] - u.edges[1]) for u in cells)
    while True:
        cd = critical_dimension(neighbourhood_sample(units_within(reach), reach), dbu, grid, opening)
        if cd is None or cd.value / dbu < reach:
            return cd
        reach = round(cd.value / dbu) + 2
