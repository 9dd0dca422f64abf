"""The cell builder: a gdstk library, canonical layers, snapping, and one cell per parameter set.

Every cell of a layout is made in one of two ways, both named through `cell_name`:
- a part cell is a function `f(b, *params)` decorated with `@part(kind)`: it returns the shapes and references
  to draw, and the decorator turns it into `f(b, *params) -> gdstk.Cell`, named from the kind and every bound
  argument (as gdsfactory's `@cell` does) and built once per builder for each name;
- an assembled cell (a bump cell, a fan-out pad, a die, a wafer) is `assembly(b, kind, placed, extra)`: the
  cells it places where, plus shapes of its own, named from the kind and the cells it references.
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


class NameClash(ValueError):
    """Two different cells asked for one name (a recipe named like a cell the layout draws, or a cell whose name
    leaves out what it is drawn from)."""


NAME_TAKEN = "is the name of a cell the layout draws (a part or bump cell): choose another recipe name"
"""Why a recipe name that a die or wafer cell cannot take is refused (the InputError of a NameClash)."""


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
                name with another key is a NameClash (two different cells would share one name).
        """
        found = self._cells.get(name)
        if found is None:
            found = gdstk.Cell(name)
            draw(found)
            self._cells[name] = found
            self._keys[name] = key
            self.lib.add(found)
        elif self._keys.get(name) != key:
            raise NameClash(f"cell name {name} is already used by a cell drawn from other parameters")
        return found

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

    def text(self, text: str, at: tuple[float, float], layer: str = "LABEL") -> gdstk.Label:
        """A text label on a reference layer, its origin snapped to the manufacturing grid."""
        lay, dt = self.pdk.gds(layer)
        x, y = snap(np.array(at, dtype=float), self.grid)
        return gdstk.Label(text, (float(x), float(y)), layer=lay, texttype=dt)


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


Placement = gdstk.Cell | tuple[gdstk.Cell, tuple[float, float]] | gdstk.Reference
"""One cell an assembly places: a cell at the origin, a cell at an origin (um), or a (array) reference."""


def assembly(b: Builder, kind: str, placed: Sequence[Placement], extra: Shapes = (), *,
             values: Sequence[Any] = (), key: Any = None, named: bool = False) -> gdstk.Cell:
    """A cell made of other cells placed at origins, plus shapes of its own, built once per name.

    Named `kind` followed, through `cell_name`, by each run of references at one origin: their cells' names,
    then the origin when it is not (0, 0) (and columns, rows and spacing of an array); then `values`. E.g.
    cantilever_bump_e2_<pad cells>_m250_m250_<bump cells>, or kind plus a digest when the name is long.

    Args:
        kind: first word of the name (a bump cell: <process>_bump).
        placed: the cells referenced, in drawing order.
        extra: polygons and labels drawn in the cell itself (a fixed RDL route, a die's routed lines).
        values: the parameters of `extra` that belong in the name (their layers and snapped vertices are in
            the cache key either way: two different cells never share one name).
        key: what else the cell is drawn from when the name does not hold it (see `Builder.cell`).
        named: the kind is the whole name: a cell that is one of a kind in the build (a die or wafer, named
            after the recipe); a cell of that name made before or after it is a NameClash.
    """
    refs = [_reference(b, p) for p in placed]
    name = kind if named else cell_name(kind, [*_referenced(refs), *values], b.grid)
    if named:
        key = object()          # one of a kind: any other cell asking for its name is a NameClash
    elif extra:
        key = (key, _shapes_digest(extra, b.grid))
    return b.cell(name, lambda c: c.add(*refs, *extra), key=key)


def _reference(b: Builder, p: Placement) -> gdstk.Reference:
    """A placement as a reference at a snapped origin."""
    if isinstance(p, gdstk.Reference):
        return p
    if isinstance(p, gdstk.Cell):
        return b.ref(p)
    cell, at = p
    return b.ref(cell, at)


def _referenced(refs: Sequence[gdstk.Reference]) -> list[Any]:
    """What an assembly's name holds of its references: each run at one origin as its cells, then the origin
    unless it is (0, 0), then an array's columns, rows and spacing."""
    out: list[Any] = []
    for i, r in enumerate(refs):
        out.append(r.cell)
        if i + 1 < len(refs) and _where(refs[i + 1]) == _where(r):
            continue
        origin, array = _where(r)
        if origin != (0.0, 0.0):
            out += origin
        out += array
    return out


def _where(r: gdstk.Reference) -> tuple[tuple[float, float], tuple[float, ...]]:
    """A reference's origin and, for an array reference, its columns, rows and spacing."""
    origin = (float(r.origin[0]), float(r.origin[1]))
    rep = r.repetition
    if rep.size <= 1 or rep.columns is None or rep.rows is None or rep.spacing is None:
        return origin, ()
    return origin, (rep.columns, rep.rows, *rep.spacing)


def _shapes_digest(shapes: Shapes, grid: float) -> str:
    """A digest of shapes drawn in an assembly: each polygon's layer, datatype and grid steps, each label's."""
    parts = []
    for s in shapes:
        if isinstance(s, gdstk.Polygon):
            parts.append(f"P{s.layer}/{s.datatype}".encode() + _snapped(np.asarray(s.points), grid))
        elif isinstance(s, gdstk.Label):
            parts.append(f"L{s.layer}/{s.texttype}/{s.text}".encode() + _snapped(np.array(s.origin), grid))
        else:
            parts.append(f"R{s.cell.name if isinstance(s.cell, gdstk.Cell) else s.cell}".encode()
                         + _snapped(np.array(s.origin), grid))
    return _digest(b"".join(parts))


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
