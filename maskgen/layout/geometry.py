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
