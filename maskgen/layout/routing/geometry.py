"""Exact metal of routed lines and distances between convex polygons, in um (numpy, no PDK).

A routed line is drawn as one rectangle per segment (flush, the line's width wide) and one joint at each inner
vertex: a w x w square for Manhattan lines (the natural corner of a 90-degree turn), a regular octagon of
inradius w/2 for 45-degree lines (it fills every turn up to 90 degrees). Slanted segments and the octagonal
joints are modelled and drawn SLANT_GROW wider (axis segments exactly the width), and 45-degree metal keeps
SLANT_GROW more space, so snapping their off-grid vertices to the database grid never narrows a line below the
width nor brings two nets closer than the space.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DBU = 0.005
"""Database grid (um) every drawn vertex is snapped to."""
SLANT_GROW = 2 * DBU
"""Extra width and space of 45-degree metal (um): covers the snapping of its off-grid vertices."""
TAN22 = math.tan(math.pi / 8)

Poly = np.ndarray  # (n, 2) float, counter-clockwise, convex


def clearance(space: float, style: str) -> float:
    """Space kept between two nets' modelled metal in the style."""
    return space + (SLANT_GROW if style == "45" else 0.0)


def line_width(width: float, style: str) -> float:
    """Width of the modelled and drawn slanted segments and joints in the style."""
    return width + (SLANT_GROW if style == "45" else 0.0)


def joint(width: float, style: str, at: tuple[float, float] = (0.0, 0.0)) -> Poly:
    """The joint at a line's vertex: square (Manhattan) or octagon of inradius width/2 (45 degree)."""
    h = width / 2
    if style == "manhattan":
        pts = [(h, -h), (h, h), (-h, h), (-h, -h)]
    else:
        t = h * TAN22
        pts = [(h, -t), (h, t), (t, h), (-t, h), (-h, t), (-h, -t), (-t, -h), (t, -h)]
    return np.asarray(pts, dtype=float) + np.asarray(at, dtype=float)


def segment(a: tuple[float, float], b: tuple[float, float], width: float) -> Poly:
    """Flush rectangle of a straight segment from a to b, counter-clockwise."""
    ax, ay = a
    bx, by = b
    length = math.hypot(bx - ax, by - ay)
    if length == 0:
        return np.empty((0, 2))
    nx, ny = -(by - ay) / length * width / 2, (bx - ax) / length * width / 2
    return np.asarray([(ax - nx, ay - ny), (bx - nx, by - ny), (bx + nx, by + ny), (ax + nx, ay + ny)])


def wire_metal(points: Sequence[tuple[float, float]], width: float, style: str) -> list[Poly]:
    """Convex pieces of a routed line's metal: a rectangle per segment and a joint at each inner vertex."""
    w = line_width(width, style)
    out = [segment(a, b, w if _slanted(a, b) else width) for a, b in zip(points, points[1:], strict=False) if a != b]
    out += [joint(w, style, p) for p in points[1:-1]]
    return [p for p in out if len(p)]


def _slanted(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) > 1e-9 and abs(a[1] - b[1]) > 1e-9


def convex_pieces(shape: Sequence[tuple[float, float]]) -> list[Poly]:
    """A polygon as counter-clockwise convex pieces (itself when convex)."""
    pts = np.asarray(shape, dtype=float)
    if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    if _area(pts) < 0:
        pts = pts[::-1]
    if _convex(pts):
        return [pts]
    import klayout.db as kdb
    scale = 1000.0
    poly = kdb.Polygon([kdb.Point(round(x * scale), round(y * scale)) for x, y in pts])
    out = []
    for piece in poly.decompose_convex():
        q = np.asarray([(p.x / scale, p.y / scale) for p in piece.each_point_hull()])
        out.append(q if _area(q) > 0 else q[::-1])
    return out


def _area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _convex(pts: np.ndarray) -> bool:
    d = np.roll(pts, -1, axis=0) - pts
    cross = d[:, 0] * np.roll(d[:, 1], -1) - d[:, 1] * np.roll(d[:, 0], -1)
    return bool(np.all(cross >= -1e-12))


def hull(points: np.ndarray) -> Poly:
    """Convex hull, counter-clockwise (monotone chain)."""
    pts = sorted(set(map(tuple, np.round(points, 9).tolist())))
    if len(pts) <= 2:
        return np.asarray(pts, dtype=float)

    def half(seq: list) -> list:
        out: list = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1]) -
                                     (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out
    lower, upper = half(pts), half(pts[::-1])
    return np.asarray(lower[:-1] + upper[:-1], dtype=float)


def minkowski_difference(a: Poly, b: Poly) -> Poly:
    """A + (-B) of two convex polygons: dist(A, B + t) = distance from t to it."""
    return hull((a[:, None, :] - b[None, :, :]).reshape(-1, 2))


def point_distance(points: np.ndarray, poly: Poly) -> np.ndarray:
    """Euclidean distance from each point (m, 2) to a convex counter-clockwise polygon (0 inside)."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    a = poly
    b = np.roll(poly, -1, axis=0)
    e = b - a
    rel = p[:, None, :] - a[None, :, :]
    cross = e[None, :, 0] * rel[:, :, 1] - e[None, :, 1] * rel[:, :, 0]
    inside = np.all(cross >= -1e-12, axis=1)
    ee = np.maximum((e * e).sum(axis=1), 1e-300)
    t = np.clip((rel * e[None]).sum(axis=2) / ee[None], 0.0, 1.0)
    d = rel - t[:, :, None] * e[None]
    dist = np.sqrt((d * d).sum(axis=2)).min(axis=1)
    return np.where(inside, 0.0, dist)


def distance(a: Poly, b: Poly) -> float:
    """Euclidean distance between two convex polygons (0 when they touch or overlap)."""
    return float(point_distance(np.zeros((1, 2)), minkowski_difference(a, b))[0])


def inside(points: np.ndarray, poly: Poly, tol: float = 1e-9) -> bool:
    """Whether every point lies in the convex polygon (boundary included)."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    e = np.roll(poly, -1, axis=0) - poly
    rel = p[:, None, :] - poly[None, :, :]
    cross = e[None, :, 0] * rel[:, :, 1] - e[None, :, 1] * rel[:, :, 0]
    return bool(np.all(cross >= -tol * np.hypot(e[:, 0], e[:, 1])[None, :]))


def inside_each(points: np.ndarray, poly: Poly, tol: float = 1e-9) -> np.ndarray:
    """For each point, whether it lies in the convex polygon (boundary included)."""
    p = np.asarray(points, dtype=float).reshape(-1, 2)
    e = np.roll(poly, -1, axis=0) - poly
    rel = p[:, None, :] - poly[None, :, :]
    cross = e[None, :, 0] * rel[:, :, 1] - e[None, :, 1] * rel[:, :, 0]
    return np.all(cross >= -tol * np.hypot(e[:, 0], e[:, 1])[None, :], axis=1)
