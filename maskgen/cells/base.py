"""The cell builder: a gdstk library, canonical layers, snapping, and one cell per parameter set."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gdstk
import numpy as np

from maskgen.geometry import circle_points, fmt_um, snap
from maskgen.pdk import Pdk


class Builder:
    """Creates snapped polygons on canonical layers and caches cells by their parameter name."""

    def __init__(self, pdk: Pdk, library_name: str = "maskgen") -> None:
        self.pdk = pdk
        self.grid = pdk.grid
        self.chord_error = pdk.deck.chord_error
        self.lib = gdstk.Library(library_name, unit=1e-6, precision=1e-9)
        self._cells: dict[str, gdstk.Cell] = {}

    # -- cells
    def cell(self, name: str, draw: Callable[[gdstk.Cell], None]) -> gdstk.Cell:
        """The cell called name, drawn by draw() the first time and shared afterwards."""
        found = self._cells.get(name)
        if found is None:
            found = gdstk.Cell(name)
            draw(found)
            self._cells[name] = found
            self.lib.add(found)
        return found

    @staticmethod
    def name(kind: str, *values: float | int | str) -> str:
        """A stable cell name from a kind and its parameters, e.g. ubm_island_d215."""
        parts = [kind]
        for v in values:
            parts.append(fmt_um(float(v)) if isinstance(v, (int, float)) else str(v))
        return "_".join(parts)

    # -- shapes
    def polygon(self, points: np.ndarray | Sequence[tuple[float, float]], layer: str) -> gdstk.Polygon:
        """A polygon on a canonical layer, vertices snapped to the manufacturing grid."""
        lay, dt = self.pdk.gds(layer)
        return gdstk.Polygon(snap(np.asarray(points, dtype=float), self.grid), layer=lay, datatype=dt)

    def circle(self, diameter: float, layer: str, centre: tuple[float, float] = (0.0, 0.0)) -> gdstk.Polygon:
        """A circle polygon whose vertex count follows from the PDK's chord-error tolerance."""
        return self.polygon(circle_points(diameter, self.chord_error, centre), layer)

    def ref(self, cell: gdstk.Cell, origin: tuple[float, float] = (0.0, 0.0), **array: float | int) -> gdstk.Reference:
        """A reference (or array reference) to cell at a snapped origin."""
        ox, oy = snap(np.array(origin), self.grid)
        return gdstk.Reference(cell, (float(ox), float(oy)), **array)

    def label(self, cell: gdstk.Cell, text: str, at: tuple[float, float], layer: str = "LABEL") -> None:
        """A text label on a reference layer, its origin snapped to the manufacturing grid."""
        lay, dt = self.pdk.gds(layer)
        x, y = snap(np.array(at, dtype=float), self.grid)
        cell.add(gdstk.Label(text, (float(x), float(y)), layer=lay, texttype=dt))
