"""Plane geometry in micrometres: circles from a chord tolerance, snapping to the grid."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np


def circle_vertex_count(diameter: float, chord_error: float) -> int:
    """Vertices of a circle polygon whose chords deviate at most chord_error from the arc (multiple of 8)."""
    radius = diameter / 2.0
    if chord_error >= radius:
        return 8
    n = math.ceil(math.pi / math.acos(1.0 - chord_error / radius))
    return max(8, 8 * math.ceil(n / 8))


def points(array: np.ndarray | Sequence[tuple[float, float]]) -> Sequence[tuple[float, float]]:
    """An (n, 2) array as gdstk's typed signatures name a polygon's points (gdstk takes the array as it is)."""
    return cast(Sequence[tuple[float, float]], array)


def snap(points: np.ndarray | Sequence[tuple[float, float]], grid: float) -> np.ndarray:
    """Round every coordinate to the manufacturing grid."""
    return np.round(np.asarray(points, dtype=float) / grid) * grid


def circle_points(diameter: float, chord_error: float, centre: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Vertices of a circle of the given diameter, vertices on the circle, starting at angle 0."""
    n = circle_vertex_count(diameter, chord_error)
    t = np.arange(n) * (2.0 * math.pi / n)
    r = diameter / 2.0
    return np.column_stack((centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)))


def octagon_points(width: float, centre: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Regular octagon with flat sides, width across flats."""
    r = width / 2.0 / math.cos(math.pi / 8)
    t = np.arange(8) * (math.pi / 4) + math.pi / 8
    return np.column_stack((centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)))


def rect_points(x1: float, y1: float, x2: float, y2: float) -> np.ndarray:
    """Axis-aligned rectangle from two corners."""
    return np.array([(x1, y1), (x2, y1), (x2, y2), (x1, y2)], dtype=float)


def square_points(width: float, centre: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Axis-aligned square of the given width."""
    h = width / 2.0
    return rect_points(centre[0] - h, centre[1] - h, centre[0] + h, centre[1] + h)


def fmt_um(value: float) -> str:
    """A length for a cell name: 212.5 -> '212p5', -40 -> 'm40'."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace("-", "m").replace(".", "p")


NEIGHBOUR_SQUARES = ((0, 0), (0, 1), (1, -1), (1, 0), (1, 1))
"""A square and the four neighbours after it (up; right and down, level, up): visiting these from every square
meets each pair of same-or-adjacent squares once."""


def square_spans(bx: np.ndarray, by: np.ndarray) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Items filed in grid squares (integer column bx, row by each): the order that sorts them by square, and for
    each of `NEIGHBOUR_SQUARES` where each sorted item's partners start (index into that order) and how many there
    are, so that each pair of items in the same or adjacent squares comes once (`span_pairs` lists them)."""
    bx = bx - bx.min()
    by = by - by.min()
    rows = int(by.max()) + 3
    key = bx * rows + by + 1
    order = np.argsort(key, kind="stable")
    key = key[order]
    index = np.arange(len(key))
    spans = []
    for dx, dy in NEIGHBOUR_SQUARES:
        target = key + dx * rows + dy
        lo = np.searchsorted(key, target, "left")
        hi = np.searchsorted(key, target, "right")
        if dx == dy == 0:
            lo = np.maximum(lo, index + 1)     # each pair within a square once
        spans.append((lo, np.maximum(hi - lo, 0)))
    return order, spans


def span_pairs(lo: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (a, b) of sorted items one span of `square_spans` gives: item a with each of its counts[a]
    partners from lo[a] on."""
    total = int(counts.sum())
    a = np.repeat(np.arange(len(lo)), counts)
    b = np.repeat(lo, counts) + np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return a, b
