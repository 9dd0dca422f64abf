"""The cut line through a bump: the default one, a given one checked, and the layout read along it (each layer's
shapes as intervals along the cut, the bumps it crosses)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maskgen.design.derive import recipe_pad_offset
from maskgen.design.figures import Design
from maskgen.errors import InputError
from maskgen.pictures.render import bump_site
from maskgen.pictures.xsection.model import BumpOnCut, Cut

if TYPE_CHECKING:
    import klayout.db as kdb

    from maskgen.input.pdk import Pdk


# ----------------------------------------------------------------------------- intervals along the cut
def merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Intervals along the cut (um) sorted, with overlapping or touching ones joined."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def complement(intervals: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of lo..hi (um) that none of the intervals cover."""
    out, x = [], lo
    for a, b in merge_intervals(intervals):
        if a > x:
            out.append((x, min(a, hi)))
        x = max(x, b)
    if x < hi:
        out.append((x, hi))
    return out


# ----------------------------------------------------------------------------- reading the layout
def cut_intervals(layout: kdb.Layout, cell_index: int, cut: Cut, pdk: Pdk) -> dict[str, list[tuple[float, float]]]:
    """Each PDK layer's shapes (all hierarchy levels) intersected with the cut: merged s intervals in um."""
    import klayout.db as kdb

    dbu = layout.dbu
    edge = kdb.Edge(round(cut.start[0] / dbu), round(cut.start[1] / dbu), round(cut.end[0] / dbu),
                    round(cut.end[1] / dbu))
    probe = kdb.Edges(edge)
    box = edge.bbox().enlarged(1, 1)
    cell = layout.cell(cell_index)
    out: dict[str, list[tuple[float, float]]] = {}
    for name, spec in pdk.layers.items():
        li = layout.find_layer(spec.layer, spec.datatype)
        if li is None:
            continue
        region = kdb.Region(cell.begin_shapes_rec_touching(li, box)).merged()
        spans = []
        for e in (probe & region).each():
            a = cut.s(e.p1.x * dbu, e.p1.y * dbu)
            b = cut.s(e.p2.x * dbu, e.p2.y * dbu)
            spans.append((min(a, b), max(a, b)))
        if spans:
            out[name] = merge_intervals(spans)
    return out


def bumps_on_cut(layout: kdb.Layout, cell_index: int, cut: Cut, pdk: Pdk) -> list[BumpOnCut]:
    """Bumps whose footprint (BUMP, else UBM) the cut crosses: centre along the cut and distance from it."""
    import klayout.db as kdb

    dbu = layout.dbu
    edge = kdb.Edge(round(cut.start[0] / dbu), round(cut.start[1] / dbu), round(cut.end[0] / dbu),
                    round(cut.end[1] / dbu))
    cell = layout.cell(cell_index)
    for name in ("BUMP", "UBM"):
        if name not in pdk.layers:
            continue
        li = layout.find_layer(*pdk.gds(name))
        if li is None:
            continue
        region = kdb.Region(cell.begin_shapes_rec_touching(li, edge.bbox().enlarged(1, 1))).merged()
        found = []
        for poly in region.interacting(kdb.Edges(edge)).each():
            c = poly.bbox().center()
            x, y = c.x * dbu, c.y * dbu
            found.append(BumpOnCut(s=cut.s(x, y), offset=cut.distance(x, y)))
        if found:
            return sorted(found, key=lambda b: b.s)
    return []


# ----------------------------------------------------------------------------- the cut line
def default_cut(layout: kdb.Layout, design: Design) -> Cut:
    """The cut through the first bump of the die: along x, or from pad 91 through bump 120 when they sit apart.

    The pad sits away from the bump in an RDL design (002 with RDL and 004): the cut then runs along the line
    from the pad through the bump, so that the section shows pad 91, metal line 110 and bump 120 as the
    patents' step figures do.

    The cut spans the bump cell's extent along it with a 10 % margin, and at least +-0.6 x the bump pitch.
    """
    site = bump_site(layout)
    if site is None:
        raise InputError(design.file, "cut", None, "the layout has no bump array to cut through; give a cut")
    x0, y0 = site.origin
    px, py = recipe_pad_offset(design.recipe)
    length = math.hypot(px, py)
    ux, uy = (-px / length, -py / length) if length > 1e-9 else (1.0, 0.0)
    box = layout.cell(site.bump_cell).dbbox()
    along = [x * ux + y * uy for x in (box.left, box.right) for y in (box.bottom, box.top)]
    lo, hi = min(along), max(along)
    margin = 0.1 * max(abs(lo), abs(hi))
    pitch = site.pitch or design.bump.min_pitch or 0.0
    lo, hi = min(lo - margin, -0.6 * pitch), max(hi + margin, 0.6 * pitch)
    return Cut.of((x0 + lo * ux, y0 + lo * uy), (x0 + hi * ux, y0 + hi * uy), zero=(x0, y0))


def check_cut(cut: Sequence[Sequence[float]] | Sequence[float], file: Path) -> Cut:
    """A cut given as ((x1, y1), (x2, y2)) or (x1, y1, x2, y2), um; an InputError if it is not one."""
    try:
        given: list[Any] = list(cut)
        flat = given if len(given) == 4 else [v for point in given for v in point]
        if len(flat) != 4:
            raise ValueError("two points")
        pts = [float(v) for v in flat]
    except (TypeError, ValueError):
        raise InputError(file, "cut", cut, "two points ((x1, y1), (x2, y2)) or x1, y1, x2, y2 in um") from None
    if not all(math.isfinite(v) for v in pts):
        raise InputError(file, "cut", cut, "coordinates must be finite numbers (um)")
    if math.hypot(pts[2] - pts[0], pts[3] - pts[1]) < 1.0:
        raise InputError(file, "cut", cut, "the two points must be at least 1 um apart")
    return Cut.of((pts[0], pts[1]), (pts[2], pts[3]))


def check_cut_on_die(design: Design, cut: Cut) -> None:
    """A given cut must stay within one die size of the die centre; checked before any layout is read.

    Beyond that there is nothing to section.
    """
    assert design.recipe.die.size is not None, "a loaded recipe has its die size"
    w, h = design.recipe.die.size
    for x, y in (cut.start, cut.end):
        if abs(x) > w or abs(y) > h:
            raise InputError(design.file, "cut", cut.as_option(),
                             f"the point ({x:g}, {y:g}) um lies far off the die: the die spans x {-w / 2:g}.."
                             f"{w / 2:g} um, y {-h / 2:g}..{h / 2:g} um from its centre (a cut may reach at most "
                             f"one die size, {w:g} x {h:g} um, from it)")

