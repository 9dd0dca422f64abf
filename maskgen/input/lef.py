"""Cell libraries of the chip design hand-off (LEF): each MACRO's class, ORIGIN, SIZE and the shapes of its pins.

Read: MACRO ... END name with CLASS, ORIGIN, SIZE and every PIN's PORTs (the port's CLASS, e.g. BUMP, and its
RECT and POLYGON shapes on named LAYERs). Everything else (technology, sites, vias, OBS, PATH and VIA shapes of
ports, PROPERTYDEFINITIONS) is skipped. Shapes are kept in the macro's placement frame: ORIGIN added, so the cell box is
(0, 0)-(width, height), as a DEF COMPONENT places it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maskgen.input.deftokens import Tokens, read_once, read_text
from maskgen.input.files import finite

Point = tuple[float, float]


@dataclass(frozen=True)
class LefShape:
    """One pin shape: its layer and polygon (um, in the macro's placement frame)."""

    layer: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class LefPort:
    """One PORT of a pin: its CLASS (BUMP, CORE or None) and its shapes."""

    port_class: str | None
    shapes: tuple[LefShape, ...]


@dataclass(frozen=True)
class LefPin:
    """One PIN of a macro and its ports."""

    name: str
    ports: tuple[LefPort, ...]

    def shapes(self, layer: str | None = None, port_class: str | None = None) -> list[LefShape]:
        """The pin's shapes, only those on `layer` and of ports of `port_class` when given."""
        return [s for p in self.ports if port_class is None or p.port_class == port_class
                for s in p.shapes if layer is None or s.layer == layer]


@dataclass(frozen=True)
class LefMacro:
    """One MACRO: name, CLASS words, ORIGIN, SIZE (um) and pins by name (file order)."""

    name: str
    macro_class: str
    origin: Point
    size: Point | None
    pins: dict[str, LefPin]


_CACHE: dict[tuple, dict[str, LefMacro]] = {}
"""LEF files already read, by (resolved path, mtime, size): a build reads each once."""


def read_lef(paths: list[Path]) -> dict[str, LefMacro]:
    """The macros of one or more LEF files (a later file's macro replaces an earlier one of the same name)."""
    macros: dict[str, LefMacro] = {}
    for path in paths:
        macros.update(_read_once(path))
    return macros


def _read_once(path: Path) -> dict[str, LefMacro]:
    """The macros of one LEF file, parsed only when the file is new or changed."""
    return read_once(_CACHE, path, "LEF", _parse)


def _parse(path: Path) -> dict[str, LefMacro]:
    """The macros of one LEF file by name."""
    found: dict[str, LefMacro] = {}
    t = Tokens(path, read_text(path, "LEF"))
    while not t.at_end():
        word = t.take()
        if word == "MACRO":
            macro = _macro(t)
            found[macro.name] = macro
        elif word == "PROPERTYDEFINITIONS":     # its `MACRO name TYPE ;` lines define properties, not macros
            while not (t.take() == "END" and t.take() == word):
                pass
        elif word == "BEGINEXT":
            while t.take() != "ENDEXT":
                pass
    return found


def _statement(t: Tokens) -> list[str]:
    """The rest of a statement up to its ';' (the ';' taken)."""
    out: list[str] = []
    while True:
        word = t.take()
        if word == ";":
            return out
        out.append(word)


def _macro(t: Tokens) -> LefMacro:
    """A MACRO body after its keyword, up to END name."""
    name = t.take()
    macro_class, origin, size = "", (0.0, 0.0), None
    pins: dict[str, LefPin] = {}
    raw: list[tuple[str, list[tuple[str | None, list[tuple[str, list[Point]]]]]]] = []
    while True:
        at = t.i
        word = t.take()
        if word == "END":
            end = t.take()
            if end != name:
                raise t.error(f"expected END {name} closing MACRO {name}", t.i - 1)
            break
        if word == "CLASS":
            macro_class = " ".join(_statement(t))
        elif word == "ORIGIN":
            origin = (t.number(), t.number())
            t.expect(";")
        elif word == "SIZE":
            w = t.number()
            t.expect("BY")
            h = t.number()
            t.expect(";")
            if w <= 0 or h <= 0:
                raise t.error(f"macro {name} has a SIZE that is not positive", at)
            size = (w, h)
        elif word == "PIN":
            raw.append(_pin(t))
        elif word == "OBS":
            while t.take() != "END":
                pass
        elif word == "PROPERTY" or word[0].isalpha():
            _statement(t)
        else:
            raise t.error(f"unexpected {word!r} in MACRO {name}", at)
    ox, oy = origin
    for pin_name, ports in raw:
        pins[pin_name] = LefPin(pin_name, tuple(
            LefPort(cls, tuple(LefShape(layer, tuple((x + ox, y + oy) for x, y in pts)) for layer, pts in shapes))
            for cls, shapes in ports))
    return LefMacro(name, macro_class, origin, size, pins)


def _pin(t: Tokens) -> tuple[str, list[tuple[str | None, list[tuple[str, list[Point]]]]]]:
    """A PIN body after its keyword, up to END name: its ports (class, [(layer, polygon)])."""
    name = t.take()
    ports: list[tuple[str | None, list[tuple[str, list[Point]]]]] = []
    while True:
        word = t.take()
        if word == "END":
            end = t.take()
            if end != name:
                raise t.error(f"expected END {name} closing PIN {name}", t.i - 1)
            return name, ports
        if word == "PORT":
            ports.append(_port(t))
        else:
            _statement(t)


def _port(t: Tokens) -> tuple[str | None, list[tuple[str, list[Point]]]]:
    """A PORT body up to its END: the port's CLASS and its RECT / POLYGON shapes by layer."""
    cls: str | None = None
    layer: str | None = None
    shapes: list[tuple[str, list[Point]]] = []
    while True:
        at = t.i
        word = t.take()
        if word == "END":
            return cls, shapes
        words = _statement(t)
        if word == "CLASS":
            cls = words[0] if words else None
        elif word == "LAYER":
            if not words:
                raise t.error("LAYER needs a layer name", at)
            layer = words[0]
        elif word in ("RECT", "POLYGON"):
            if words and words[0] == "MASK":
                words = words[2:]
            if words and words[0] == "ITERATE":
                continue
            if layer is None:
                raise t.error(f"{word} before any LAYER in a PORT", at)
            nums = [_num(t, w, at) for w in words]
            if word == "RECT":
                if len(nums) != 4:
                    raise t.error("RECT takes x1 y1 x2 y2", at)
                x1, x2 = sorted((nums[0], nums[2]))
                y1, y2 = sorted((nums[1], nums[3]))
                shapes.append((layer, [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]))
            else:
                if len(nums) < 6 or len(nums) % 2:
                    raise t.error("POLYGON takes at least three x y points", at)
                pts = list(zip(nums[::2], nums[1::2], strict=True))
                if len(pts) > 3 and pts[0] == pts[-1]:
                    pts.pop()                   # a closed ring: its first point again
                shapes.append((layer, pts))


def _num(t: Tokens, word: str, at: int) -> float:
    """A coordinate of a shape statement, or a located error."""
    try:
        return finite(word)
    except ValueError:
        raise t.error(f"expected a number, got {word!r}", at) from None
