"""The cell builder: a gdstk library, canonical layers, snapping, and one cell per parameter set.

A part cell is a function `f(b, *params)` decorated with `@part(kind)`: it returns the shapes and references
to draw, and the decorator turns it into `f(b, *params) -> gdstk.Cell`, named from the kind and every bound
argument (as gdsfactory's `@cell` does) and built once per builder for each name.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any, Concatenate, ParamSpec

import gdstk
import numpy as np
from pydantic import BaseModel

from maskgen.input.pdk import Pdk
from maskgen.layout.geometry import circle_points, fmt_um, snap
from maskgen.layout.geometry import points as as_points

P = ParamSpec("P")
Shapes = Sequence[gdstk.Polygon | gdstk.Reference | gdstk.Label]
"""What a part function returns: the polygons, references and labels of its cell."""

PARTS: dict[str, Callable[..., gdstk.Cell]] = {}
"""Every decorated part cell by its kind (filled by `part`), so tests can build each one."""

LONG_NAME = 120
"""Longer cell names become their kind plus a stable digest of the full name."""


class Builder:
    """Creates snapped polygons on canonical layers and caches cells by their parameter name."""

    def __init__(self, pdk: Pdk, library_name: str = "maskgen") -> None:
        self.pdk = pdk
        self.grid = pdk.grid
        self.chord_error = pdk.deck.chord_error
        self.lib = gdstk.Library(library_name, unit=1e-6, precision=1e-9)
        self._cells: dict[str, gdstk.Cell] = {}
        self._keys: dict[str, Any] = {}

    # -- cells
    def cell(self, name: str, draw: Callable[[gdstk.Cell], object], key: Any = None) -> gdstk.Cell:
        """The cell called name, drawn by draw() the first time and shared afterwards.

        Args:
            key: what the cell is drawn from, when the name does not hold all of it; asking for the same
                name with another key is a ValueError (two different cells would share one name).
        """
        found = self._cells.get(name)
        if found is None:
            found = gdstk.Cell(name)
            draw(found)
            self._cells[name] = found
            self._keys[name] = key
            self.lib.add(found)
        elif self._keys.get(name) != key:
            raise ValueError(f"cell name {name} is already used by a cell drawn from other parameters")
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
        return gdstk.Polygon(as_points(snap(np.asarray(points, dtype=float), self.grid)), layer=lay, datatype=dt)

    def circle(self, diameter: float, layer: str, centre: tuple[float, float] = (0.0, 0.0)) -> gdstk.Polygon:
        """A circle polygon whose vertex count follows from the PDK's chord-error tolerance."""
        return self.polygon(circle_points(diameter, self.chord_error, centre), layer)

    def ref(self, cell: gdstk.Cell, origin: tuple[float, float] = (0.0, 0.0), **array: Any) -> gdstk.Reference:
        """A reference (or array reference) to cell at a snapped origin."""
        ox, oy = snap(np.array(origin), self.grid)
        return gdstk.Reference(cell, (float(ox), float(oy)), **array)

    def label(self, cell: gdstk.Cell, text: str, at: tuple[float, float], layer: str = "LABEL") -> None:
        """A text label on a reference layer, its origin snapped to the manufacturing grid."""
        lay, dt = self.pdk.gds(layer)
        x, y = snap(np.array(at, dtype=float), self.grid)
        cell.add(gdstk.Label(text, (float(x), float(y)), layer=lay, texttype=dt))


def part(kind: str, *, order: Sequence[str] | None = None
         ) -> Callable[[Callable[Concatenate[Builder, P], Shapes]], Callable[Concatenate[Builder, P], gdstk.Cell]]:
    """Make a part function a cached cell named from kind and every bound argument except the builder.

    Args:
        kind: first word of the cell name, e.g. "ubm_island" for ubm_island_215.
        order: the parameter names in the order they appear in the name, when it is not the signature's
            (kept so existing cell names, which manifests record, stay the same); it must list every one.
    """
    def wrap(draw: Callable[Concatenate[Builder, P], Shapes]) -> Callable[Concatenate[Builder, P], gdstk.Cell]:
        sig = inspect.signature(draw)
        params = list(sig.parameters)[1:]
        names = list(order) if order is not None else params
        if sorted(names) != sorted(params):
            raise TypeError(f"part {kind}: order {names} must list every parameter of {draw.__name__}: {params}")

        @functools.wraps(draw)
        def cell(b: Builder, *args: P.args, **kwargs: P.kwargs) -> gdstk.Cell:
            bound = sig.bind(b, *args, **kwargs)
            bound.apply_defaults()
            name = cell_name(kind, [bound.arguments[n] for n in names], b.grid)
            return b.cell(name, lambda c: c.add(*draw(*bound.args, **bound.kwargs)))

        if kind in PARTS:
            raise TypeError(f"part {kind} is defined twice")
        PARTS[kind] = cell
        return cell
    return wrap


def disc(kind: str, layer: str, summary: str, *, name: str | None = None) -> Callable[[Builder, float], gdstk.Cell]:
    """A part that is one disc on one layer (an opening, land or film of the bump stack), named kind_<diameter>.

    Args:
        kind: first word of the cell name.
        layer: canonical layer name of the disc.
        summary: what the disc is, in the patent's words (the part's docstring, shown by `maskgen list`).
        name: the function's name when it is not the kind.
    """
    def draw(b: Builder, diameter: float) -> Shapes:
        return [b.circle(diameter, layer)]

    draw.__name__ = draw.__qualname__ = name or kind
    draw.__doc__ = f"{summary}\n\nArgs:\n    diameter: disc diameter in um.\n"
    draw.__module__ = sys._getframe(1).f_globals["__name__"]  # the defining module, as namedtuple does
    return part(kind)(draw)


def cell_name(kind: str, values: Sequence[Any], grid: float) -> str:
    """A stable cell name from a kind and its parameters, e.g. ubm_island_215; kind plus a digest when long."""
    name = "_".join([kind, *(_name_part(v, grid) for v in values)])
    if len(name) <= LONG_NAME:
        return name
    return f"{kind}_{hashlib.sha1(name.encode()).hexdigest()[:10]}"


def _name_part(value: Any, grid: float) -> str:
    """One parameter in a cell name: numbers via fmt_um, strings as they are, a cell by its name, sequences
    joined, geometry by a digest of its grid-snapped vertices, models by a digest of their field values."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float, np.integer, np.floating)):
        return fmt_um(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, gdstk.Cell):
        return value.name
    if isinstance(value, np.ndarray):
        return _digest(_snapped(value, grid))
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        return _digest(b"".join(_snapped(v, grid) for v in value))
    if isinstance(value, (list, tuple)):
        return "_".join(_name_part(v, grid) for v in value)
    if isinstance(value, BaseModel):
        return _digest(repr(value.model_dump(mode="json")).encode())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _digest(repr(dataclasses.astuple(value)).encode())
    raise TypeError(f"a cell name cannot hold a {type(value).__name__}")


def _snapped(points: np.ndarray, grid: float) -> bytes:
    """Vertices as grid steps, int64 bytes: equal for outlines that snap to the same polygon."""
    return np.round(np.asarray(points, dtype=float) / grid).astype(np.int64).tobytes()


def _digest(data: bytes) -> str:
    """Ten hex digits of a SHA-1: short and stable across runs."""
    return hashlib.sha1(data).hexdigest()[:10]
