"""A wafer: die sites inside the edge exclusion (circle, notch and flat), placed as array references, and its outline.

The usable area is the wafer outline (circle less the notch or the primary flat) eroded by the edge exclusion,
so the exclusion follows the flat and the notch as well as the round edge. A die site is whole when its die
rectangle lies inside the usable area; the test is done on the very (grid-snapped) polygon that is written to
the WAFER layer, so placement and the WAFER.EXCLUSION rule of the DRC see the same boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import gdstk
import numpy as np

from maskgen.errors import InputError
from maskgen.input.recipe import Wafer
from maskgen.layout.cells.base import NAME_TAKEN, Builder, NameClash, Shapes, assembly, part
from maskgen.layout.geometry import circle_points, points, snap

NOTCH_DEPTH = 1000.0   # um, SEMI notch depth about 1 mm
FLAT_LENGTH = {100: 32_500.0, 150: 57_500.0, 200: 57_500.0, 300: 57_500.0}  # um, SEMI primary flat
MIN_RING = 1.0         # um: with no edge exclusion the WAFER ring is still drawn this wide (dies keep 1 um off)
DBU = 0.001            # um, the layouts' database unit
GRID = 0.005           # um, the manufacturing grid the outline is snapped to
AUTO_STEPS = 8         # die_grid_offset: auto tries AUTO_STEPS x AUTO_STEPS offsets over one die step


@dataclass
class DieSite:
    """One die site of the wafer map: its column/row index, centre (um) and whether it is whole."""

    col: int
    row: int
    x: float
    y: float
    whole: bool = True


@dataclass
class WaferLayout:
    """The wafer cell's name, the die step, the rows of dies placed and the die sites."""

    name: str
    """The wafer top cell's name, <recipe name>_wafer."""
    step: tuple[float, float]
    rows: list[tuple[float, float, int]]   # runs of dies: (x of first die, y, dies in the run)
    offset: tuple[float, float] = (0.0, 0.0)
    count_at_zero: int | None = None       # whole dies with the grid centred, when the offset was chosen (auto)
    sites: list[DieSite] = field(default_factory=list)

    @property
    def die_count(self) -> int:
        """Dies on the wafer."""
        return sum(n for _, _, n in self.rows)


def wafer_edge(wafer: Wafer) -> np.ndarray:
    """The wafer outline (um): the circle less the notch or the primary flat, snapped to the grid."""
    r = wafer.diameter * 500.0
    edge = gdstk.Polygon(points(circle_points(2 * r, 1.0)))
    if wafer.orientation == "notch":
        cut = gdstk.Polygon([(-NOTCH_DEPTH, -r - 10), (NOTCH_DEPTH, -r - 10), (0, -r + NOTCH_DEPTH)])
    else:
        cut = gdstk.rectangle((-r - 10, -r - 10), (r + 10, flat_y(wafer)))
    (outline,) = gdstk.boolean(edge, cut, "not", precision=DBU)
    return snap(outline.points, GRID)


def flat_y(wafer: Wafer) -> float:
    """y of the primary flat (um, wafer centre at 0): -sqrt(r^2 - (L/2)^2)."""
    r = wafer.diameter * 500.0
    return -math.sqrt(r**2 - (FLAT_LENGTH[wafer.diameter] / 2) ** 2)


def usable_area(wafer: Wafer) -> np.ndarray:
    """The area whole dies must stay in (um): the outline eroded by the edge exclusion (at least MIN_RING)."""
    inset = max(wafer.edge_exclusion * 1000.0, MIN_RING)
    (inner,) = gdstk.offset(gdstk.Polygon(points(wafer_edge(wafer))), -inset, join="round", tolerance=1,
                            precision=DBU)
    return snap(inner.points, GRID)


def die_step(wafer: Wafer, die_size: tuple[float, float], file: str | Path | None = None) -> tuple[float, float]:
    """The die step: wafer.die_step, else die size plus scribe (checked to hold the die)."""
    sx, sy = wafer.die_step or (die_size[0] + wafer.scribe, die_size[1] + wafer.scribe)
    if sx < die_size[0] or sy < die_size[1]:
        raise InputError(file, "wafer.die_step", [sx, sy], f"must be at least the die size {list(die_size)}")
    return sx, sy


def _placed(wafer: Wafer, die_size: tuple[float, float], step: tuple[float, float],
            offset: tuple[float, float], usable: np.ndarray) -> list[DieSite]:
    """Die sites placed at this grid offset: whole dies inside the usable area; with partial_dies: include also
    the dies that overlap it (marked not whole).

    Sites far from the boundary are decided with circle arithmetic; only those near the usable boundary (within
    a few um of the circle, near the flat or the notch) are tested against the usable polygon: every corner
    inside it and none of its vertices inside the die.
    """
    r = wafer.diameter * 500.0
    inset = max(wafer.edge_exclusion * 1000.0, MIN_RING)
    ru = r - inset                                     # usable polygon lies between ru - 1 (chords) and ru
    (sx, sy), (w, h) = step, die_size
    nx, ny = int((r + w) // sx) + 2, int((r + h) // sy) + 2
    ii, jj = np.meshgrid(np.arange(-nx, nx + 1), np.arange(-ny, ny + 1))
    iv, jv = ii.ravel(), jj.ravel()
    x, y = offset[0] + iv * sx, offset[1] + jv * sy
    far = np.hypot(np.abs(x) + w / 2, np.abs(y) + h / 2)          # farthest corner from the centre
    near = np.hypot(np.maximum(np.abs(x) - w / 2, 0), np.maximum(np.abs(y) - h / 2, 0))  # nearest point
    margin = 3.0                                                   # um: chords (1) + grid rounding + offset tolerance
    sure_in = far <= ru - 1.0 - margin
    if wafer.orientation == "flat":
        sure_in &= y - h / 2 >= flat_y(wafer) + inset + margin
    else:
        reach = NOTCH_DEPTH + inset + margin
        sure_in &= ~((np.abs(x) - w / 2 < reach) & (y - h / 2 < -r + reach))
    sure_out = (far > ru + margin) if wafer.partial_dies == "exclude" else (near > ru + margin)
    whole = sure_in.copy()
    partial = np.zeros_like(whole)
    doubt = np.flatnonzero(~sure_in & ~sure_out)
    if doubt.size:
        poly = gdstk.Polygon(points(usable))
        xs, ys = x[doubt], y[doubt]
        # corners 1 nm outside the die: a die touching the boundary counts as crossing it
        e = 0.001
        corners = np.stack([np.column_stack((xs + dx * (w / 2 + e), ys + dy * (h / 2 + e)))
                            for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))], axis=1)
        inside = np.asarray(gdstk.inside(points(corners.reshape(-1, 2)), [poly]), dtype=bool).reshape(-1, 4)
        # a vertex of the usable outline within the die (the notch) also makes it cross
        vx, vy = usable[:, 0], usable[:, 1]
        for n, k in enumerate(doubt):
            if inside[n].all():
                hit = (np.abs(vx - x[k]) < w / 2 + e) & (np.abs(vy - y[k]) < h / 2 + e)
                whole[k] = not hit.any()
            if wafer.partial_dies == "include" and not whole[k]:
                rect = gdstk.rectangle((x[k] - w / 2, y[k] - h / 2), (x[k] + w / 2, y[k] + h / 2))
                partial[k] = any(p.area() > 0 for p in gdstk.boolean(rect, poly, "and", precision=DBU))
    keep = np.flatnonzero(whole | partial)
    return [DieSite(int(iv[k]), int(jv[k]), float(x[k]), float(y[k]), bool(whole[k])) for k in keep]


def die_sites(wafer: Wafer, die_size: tuple[float, float], file: str | Path | None = None
              ) -> tuple[tuple[float, float], tuple[float, float], list[DieSite], int | None]:
    """Die step, grid offset, the placed die sites and (for die_grid_offset: auto) the count with no offset."""
    step = die_step(wafer, die_size, file)
    usable = usable_area(wafer)
    if wafer.die_grid_offset != "auto":
        offset = (float(wafer.die_grid_offset[0]), float(wafer.die_grid_offset[1]))
        return step, offset, _placed(wafer, die_size, step, offset, usable), None
    zero = _placed(wafer, die_size, step, (0.0, 0.0), usable)
    best, best_offset = zero, (0.0, 0.0)
    for a in range(AUTO_STEPS):
        for c in range(AUTO_STEPS):
            if a == c == 0:
                continue
            off = (float(snap(np.array(a * step[0] / AUTO_STEPS), GRID)),
                   float(snap(np.array(c * step[1] / AUTO_STEPS), GRID)))
            placed = _placed(wafer, die_size, step, off, usable)
            if len(placed) > len(best):
                best, best_offset = placed, off
    return step, best_offset, best, len(zero)


def _runs(sites: list[DieSite]) -> list[tuple[float, float, int]]:
    """Sites grouped into runs of neighbouring columns in one row: (x of first die, y, dies in the run)."""
    runs: list[tuple[float, float, int]] = []
    last: tuple[int, int] | None = None
    for s in sorted(sites, key=lambda s: (s.row, s.col)):
        if last is not None and last == (s.row, s.col - 1):
            x, y, n = runs[-1]
            runs[-1] = (x, y, n + 1)
        else:
            runs.append((s.x, s.y, 1))
        last = (s.row, s.col)
    return runs


def die_rows(wafer: Wafer, die_size: tuple[float, float],
             file: str | Path | None = None) -> tuple[tuple[float, float], list[tuple[float, float, int]]]:
    """Runs of dies inside the usable area: whole dies only ("exclude") or any die overlapping it ("include")."""
    step, _, sites, _ = die_sites(wafer, die_size, file)
    return step, _runs(sites)


@part("wafer_outline")
def wafer_outline(b: Builder, diameter: int, edge_exclusion: float, orientation: str) -> Shapes:
    """WAFER reference layer: the wafer edge with notch or flat, less the usable area (the edge-exclusion ring).

    Args:
        diameter: wafer diameter in mm (wafer.diameter).
        edge_exclusion: edge exclusion in mm (wafer.edge_exclusion).
        orientation: notch or flat (wafer.orientation).
    """
    wafer = Wafer.model_validate({"diameter": diameter, "edge_exclusion": edge_exclusion, "orientation": orientation})
    ring = gdstk.boolean(gdstk.Polygon(points(wafer_edge(wafer))), gdstk.Polygon(points(usable_area(wafer))), "not",
                         precision=DBU)
    return [b.polygon(np.asarray(p.points), "WAFER") for p in ring]


@part("bad_die_mark")
def bad_die_mark(b: Builder, width: float, height: float) -> Shapes:
    """An X over a known bad die on the LABEL layer (ball placement skips the die).

    Args:
        width: die width in um.
        height: die height in um.
    """
    w, h, t = width / 2, height / 2, min(width, height) / 50
    return [b.polygon([(-w, -h), (-w + t, -h), (w, h - t), (w, h), (w - t, h), (-w, -h + t)], "LABEL"),
            b.polygon([(-w, h), (-w, h - t), (w - t, -h), (w, -h), (w, -h + t), (-w + t, h)], "LABEL")]


def wafer_layout(wafer: Wafer, die_size: tuple[float, float], name: str,
                 file: str | Path | None = None) -> WaferLayout:
    """Where the dies go on the wafer: the die step, grid offset, sites and runs of neighbouring dies in a row
    (the cell is assembled by `wafer_cell` once the bad dies are known)."""
    step, offset, sites, at_zero = die_sites(wafer, die_size, file)
    return WaferLayout(name=f"{name}_wafer", step=step, rows=_runs(sites), offset=offset, count_at_zero=at_zero,
                       sites=sites)


def wafer_cell(b: Builder, wafer: Wafer, w: WaferLayout, die: gdstk.Cell, die_size: tuple[float, float],
               bad: Sequence[tuple[float, float]] = (), file: str | Path | None = None) -> gdstk.Cell:
    """The wafer top cell: the outline, one array reference per run of dies, and an X on the LABEL layer over
    every known bad die at its centre (um; ball placement skips them)."""
    try:
        placed = [b.ref(wafer_outline(b, wafer.diameter, wafer.edge_exclusion, wafer.orientation))]
        placed += [b.ref(die, (x, y)) if n == 1 else b.ref(die, (x, y), columns=n, rows=1,
                                                             spacing=(w.step[0], w.step[1])) for x, y, n in w.rows]
        if bad:
            mark = bad_die_mark(b, *die_size)
            placed += [b.ref(mark, at) for at in bad]
        return assembly(b, w.name, placed, named=True)
    except NameClash:
        raise InputError(file, "name", w.name.removesuffix("_wafer"), NAME_TAKEN) from None
