"""Redistribution lines (RDL): a metal line between two points or along a routed centre-line, lands and pad vias."""

from __future__ import annotations

import math
from collections.abc import Sequence

import gdstk
import klayout.db as kdb
import numpy as np

from maskgen.layout.cells.base import Builder, Shapes, assembly, part
from maskgen.layout.geometry import octagon_points, square_points


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


def routed_lines(b: Builder, routes: Sequence[Sequence[tuple[float, float]]], width: float,
                 layer: str = "RDL", style: str | None = None) -> list[gdstk.Polygon]:
    """Routed lines: one polygon per centre-line, snapped.

    Args:
        routes: centre-lines in um, each from a pad to its bump (Manhattan or 45-degree segments).
        width: line width in um.
        style: the router's style ('manhattan' or '45'): each line is drawn exactly as the router modelled
            it (maskgen.layout.routing.wire_metal: flush segments, square or octagonal joints). Without a
            style (straight links of test structures): mitred joints and flush ends, a line with 45-degree
            segments one grid step wider a side so snapping never narrows it below the width.
    """
    if style is not None:
        from maskgen.layout.routing import wire_metal
        # pieces put on the manufacturing grid first, then joined in integer grid units: joining first and
        # snapping the joined outline after left 5 nm jogs at 45-degree joints (RDL.SPACE markers of 0 um)
        metal = kdb.Region()
        for points in routes:
            if len(points) < 2:
                continue
            for piece in wire_metal([(float(x), float(y)) for x, y in points], width, style):
                metal.insert(kdb.DPolygon([kdb.DPoint(float(x), float(y)) for x, y in piece]).to_itype(b.grid))
        drawn = []
        for merged in metal.merged().each():
            poly = merged.resolved_holes() if merged.holes() else merged
            drawn.append(b.polygon(np.array([(q.x * b.grid, q.y * b.grid) for q in poly.each_point_hull()]), layer))
        return drawn
    out = []
    for points in routes:
        if len(points) < 2:
            continue
        pts = np.asarray(points, dtype=float)
        seg = np.diff(pts, axis=0)
        slanted = bool(np.any((np.abs(seg[:, 0]) > 1e-9) & (np.abs(seg[:, 1]) > 1e-9)))
        line = width + 2 * b.grid if slanted else width
        path = gdstk.FlexPath([(x, y) for x, y in pts.tolist()], line, joins="natural", ends="flush",
                              simple_path=False)
        out += [b.polygon(np.asarray(p.points), layer) for p in path.to_polygons()]
    return out


@part("rdl_land_octagon")
def octagon_land(b: Builder, width: float) -> Shapes:
    """RDL land under a bump's UBM where routed fan-out lines arrive (002:c13): an octagon `width` across flats,
    so a line of any routing direction (0, 45 or 90 degrees) meets one of its flat sides square-on, wherever on
    the side it arrives (a line arriving off the centre of a round land would meet it at a slant and leave a
    notch narrower than the RDL space).

    Args:
        width: across flats in um (the UBM's enclosure is measured to the flats).
    """
    return [b.polygon(octagon_points(width), "RDL")]


@part("shaped_pad")
def shaped_pad(b: Builder, outline: np.ndarray, opening: float, via: float, land: np.ndarray | None = None) -> Shapes:
    """A chip pad of its own shape (a DEF pin shape): the pad metal is the shape, the RDL land on it the shape
    too (or `land`, e.g. an octagon inside it for 45-degree lines); the passivation opening and the insulator
    via over it are the recipe's circles.

    Args:
        outline: the pad polygon in um, centred at the origin (named by a digest of its snapped vertices).
        opening: passivation opening diameter in um.
        via: via diameter in um.
        land: the RDL land polygon in um (default: the outline).
    """
    return [b.polygon(outline, "PAD"), b.circle(opening, "PASV"), b.circle(via, "INS1"),
            b.polygon(outline if land is None else land, "RDL")]


def pad_via_land(b: Builder, pad: gdstk.Cell, via: float, land: float, shape: str, pad_shape: str) -> gdstk.Cell:
    """A chip pad of a fan-out: pad 91 with its passivation opening, the insulator via over it (INS1) and the
    RDL land on it where the line starts.

    An assembly named `fanout_pad_<pad>_via_<via>_land_<land>` as the layout references record it, plus
    `_octagon` for an octagonal land on a pad of another shape.

    Args:
        pad: the pad stack cell (pad and passivation opening), centred at the origin.
        via: via diameter in um.
        land: RDL land width in um (across flats for an octagon).
        shape: square, octagon or circle (the fan-out's pad_land_shape).
        pad_shape: the pad's own shape (bump.pad.shape).
    """
    ring = (b.circle(land, "RDL") if shape == "circle"
            else b.polygon(square_points(land) if shape == "square" else octagon_points(land), "RDL"))
    suffix = ["octagon"] if shape == "octagon" and pad_shape != "octagon" else []
    return assembly(b, "fanout_pad", [pad], [b.circle(via, "INS1"), ring], values=["via", via, "land", land, *suffix])
