"""A wafer: die sites inside the edge exclusion, placed row by row as array references, and its outline."""

from __future__ import annotations

import math
from dataclasses import dataclass

import gdstk
import numpy as np

from maskgen.cells.base import Builder
from maskgen.errors import InputError
from maskgen.geometry import circle_points
from maskgen.recipe import Wafer

NOTCH_DEPTH = 1000.0   # um, SEMI notch depth about 1 mm
FLAT_LENGTH = {100: 32_500.0, 150: 57_500.0, 200: 57_500.0, 300: 57_500.0}  # um, SEMI primary flat


@dataclass
class WaferLayout:
    """The wafer cell, the die step and the rows of dies placed."""

    cell: gdstk.Cell
    step: tuple[float, float]
    rows: list[tuple[float, float, int]]   # (x of first die, y, dies in the row)

    @property
    def die_count(self) -> int:
        """Dies on the wafer."""
        return sum(n for _, _, n in self.rows)


def die_rows(wafer: Wafer, die_size: tuple[float, float],
             file: object = None) -> tuple[tuple[float, float], list[tuple[float, float, int]]]:
    """Rows of dies inside the usable radius: whole dies only ("exclude") or any die touching it ("include")."""
    sx, sy = wafer.die_step or (die_size[0] + wafer.scribe, die_size[1] + wafer.scribe)
    if sx < die_size[0] or sy < die_size[1]:
        raise InputError(file, "wafer.die_step", [sx, sy], f"must be at least the die size {list(die_size)}")
    radius = wafer.diameter * 500.0 - wafer.edge_exclusion * 1000.0
    w, h = die_size
    whole = wafer.partial_dies == "exclude"
    rows = []
    ny = int(radius // sy) + 1
    for j in range(-ny, ny + 1):
        y = j * sy
        y_test = abs(y) + h / 2 if whole else max(0.0, abs(y) - h / 2)
        if y_test >= radius:
            continue
        half = math.sqrt(radius**2 - y_test**2)
        limit = half - w / 2 if whole else half + w / 2 - 1e-6
        if limit < 0:
            continue
        n = int(limit // sx)
        rows.append((-n * sx, y, 2 * n + 1))
    return (sx, sy), rows


def wafer_outline(b: Builder, wafer: Wafer) -> gdstk.Cell:
    """WAFER reference layer: the wafer edge with notch or flat, and the edge-exclusion ring."""
    r = wafer.diameter * 500.0

    def draw(c: gdstk.Cell) -> None:
        edge = gdstk.Polygon(circle_points(2 * r, 1.0))
        if wafer.orientation == "notch":
            cut = gdstk.Polygon([(-NOTCH_DEPTH, -r - 10), (NOTCH_DEPTH, -r - 10), (0, -r + NOTCH_DEPTH)])
        else:
            half = FLAT_LENGTH[wafer.diameter] / 2
            depth = r - math.sqrt(r**2 - half**2)
            cut = gdstk.rectangle((-r - 10, -r - 10), (r + 10, -r + depth))
        outline = gdstk.boolean(edge, cut, "not")
        inner = gdstk.Polygon(circle_points(2 * (r - wafer.edge_exclusion * 1000.0), 1.0))
        ring = gdstk.boolean(outline, inner, "not")
        for p in ring:
            c.add(b.polygon(np.asarray(p.points), "WAFER"))
    return b.cell(b.name("wafer_outline", wafer.diameter, wafer.edge_exclusion, wafer.orientation), draw)


def build_wafer(b: Builder, wafer: Wafer, die: gdstk.Cell, die_size: tuple[float, float], name: str,
                file: object = None) -> WaferLayout:
    """The wafer top cell: one array reference per row of dies, plus the outline."""
    step, rows = die_rows(wafer, die_size, file)
    cell = gdstk.Cell(f"{name}_wafer")
    cell.add(b.ref(wafer_outline(b, wafer)))
    for x, y, n in rows:
        if n == 1:
            cell.add(b.ref(die, (x, y)))
        else:
            cell.add(b.ref(die, (x, y), columns=n, rows=1, spacing=(step[0], step[1])))
    b.lib.add(cell)
    return WaferLayout(cell=cell, step=step, rows=rows)
