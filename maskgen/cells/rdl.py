"""Redistribution lines (RDL): a metal line of given width between two points, Manhattan or 45 degree."""

from __future__ import annotations

import math

import gdstk
import numpy as np

from maskgen.cells.base import Builder


def route_points(start: tuple[float, float], end: tuple[float, float], style: str = "45") -> list[tuple[float, float]]:
    """Centre-line vertices from start to end: one 45-degree leg then an axis-aligned leg ("45"),
    or x then y ("manhattan")."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    if math.isclose(dx, 0.0, abs_tol=1e-9) or math.isclose(dy, 0.0, abs_tol=1e-9):
        return [start, end]
    if style == "manhattan":
        return [start, (x1, y0), end]
    d = min(abs(dx), abs(dy))
    knee = (x0 + math.copysign(d, dx), y0 + math.copysign(d, dy))
    if math.isclose(knee[0], x1) and math.isclose(knee[1], y1):
        return [start, end]
    return [start, knee, end]


def rdl_line(b: Builder, start: tuple[float, float], end: tuple[float, float], width: float,
             style: str = "45", layer: str = "RDL") -> list[gdstk.Polygon]:
    """Metal line 110 of the given width from start to end, with round-free mitred joints, snapped."""
    path = gdstk.FlexPath(route_points(start, end, style), width, joins="natural", ends="flush",
                          simple_path=False)
    polys = path.to_polygons()
    return [b.polygon(np.asarray(p.points), layer) for p in polys]
