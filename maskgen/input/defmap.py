"""Bump maps from the chip design hand-off: a strict reader of the DEF sections a bump map needs.

Read: UNITS DISTANCE MICRONS, DIEAREA, COMPONENTS (placed bump instances), PINS (placed pins with their
nets and first port rectangle) and the connections of NETS / SPECIALNETS (which net each bump instance is on).
Every other section and statement is skipped. From a LEF, only each MACRO's SIZE is read: DEF places a
component by the lower-left corner of its (oriented) macro, so its centre is the placement plus half the size.

Why not a library: the PyPI `lefdef` package is an alpha ctypes wrapper (one 2023 release); KLayout's own
DEF reader (already a dependency) places components but keeps no component-to-net connections. This reader
is small, fast (1,000 bump instances in milliseconds, benchmarks/defmap.py) and names file, line and token
in every error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError

_TOKEN = re.compile(r'"[^"]*"|[^\s]+')
_COMMENT = re.compile(r"#[^\n]*")
PLACEMENTS = {"PLACED", "FIXED", "COVER"}
SWAP_XY = {"E", "W", "FE", "FW"}
ORIENTS = {"N", "S", "E", "W", "FN", "FS", "FE", "FW"}


@dataclass(frozen=True)
class DefBump:
    """One bump from a DEF: instance (or pin) name, centre in um from the DIEAREA centre, net."""

    name: str
    x: float
    y: float
    net: str | None


class _Tokens:
    """The tokens of a DEF/LEF file with their offsets, for located errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.clean = _COMMENT.sub(lambda m: " " * len(m.group()), text)
        self.words = _TOKEN.findall(self.clean)
        self.i = 0

    def line(self, index: int) -> int:
        """1-based line number of token index (found again only when an error needs it)."""
        for k, m in enumerate(_TOKEN.finditer(self.clean)):
            if k == index:
                return self.text.count("\n", 0, m.start()) + 1
        return self.text.count("\n") + 1

    def error(self, message: str, index: int | None = None) -> InputError:
        """An InputError at a token (default: the current one)."""
        at = self.i if index is None else index
        if at >= len(self.words):
            return InputError(self.path, "end of file", None, message)
        return InputError(self.path, f"line {self.line(at)}", self.words[at], message)

    def at_end(self) -> bool:
        """True after the last token."""
        return self.i >= len(self.words)

    def take(self) -> str:
        """The next token (an error at the end of the file)."""
        if self.i >= len(self.words):
            raise self.error("unexpected end of file")
        self.i += 1
        return self.words[self.i - 1]

    def expect(self, word: str) -> None:
        """The next token must be word."""
        if self.take() != word:
            raise self.error(f"expected {word!r}", self.i - 1)

    def number(self) -> float:
        """The next token as a number."""
        word = self.take()
        try:
            return float(word)
        except ValueError:
            raise self.error("expected a number", self.i - 1) from None

    def statements(self, section: str) -> list[tuple[int, list[str]]]:
        """The `- ... ;` statements of a section up to END section, each as (first token index, tokens)."""
        count_at = self.i
        declared = self.number()
        self.expect(";")
        out: list[tuple[int, list[str]]] = []
        while True:
            word = self.take()
            if word == "END":
                end = self.take()
                if end != section:
                    raise self.error(f"expected END {section}", self.i - 1)
                break
            if word != "-":
                raise self.error(f"expected '-' starting a {section} statement or END {section}", self.i - 1)
            start = self.i
            try:
                end = self.words.index(";", start)
            except ValueError:
                raise self.error(f"statement of {section} not closed by ';' before the end of the file",
                                 start) from None
            statement = self.words[start:end]
            if section in statement and "END" in statement:
                raise self.error(f"statement of {section} not closed by ';' before END {section}", start)
            out.append((start, statement))
            self.i = end + 1
        if int(declared) != len(out):
            raise self.error(f"{section} declares {int(declared)} statements, the section holds {len(out)}", count_at)
        return out


def read_lef_sizes(path: Path) -> dict[str, tuple[float, float]]:
    """Each LEF MACRO's SIZE (width, height) in um."""
    if not path.is_file():
        raise InputError(path, None, None, "LEF file not found")
    t = _Tokens(path, _text(path, "LEF"))
    sizes: dict[str, tuple[float, float]] = {}
    while not t.at_end():
        if t.take() != "MACRO":
            continue
        name = t.take()
        while True:
            word = t.take()
            if word == "SIZE":
                w = t.number()
                t.expect("BY")
                h = t.number()
                if w <= 0 or h <= 0:
                    raise t.error(f"macro {name} has a SIZE that is not positive", t.i - 1)
                sizes[name] = (w, h)
            elif word == "END" and not t.at_end() and t.words[t.i] == name:
                t.i += 1
                break
    return sizes


def read_def_bumps(path: Path, source: str = "components", macros: set[str] | None = None,
                   lef: Path | None = None, max_bumps: int = 100_000,
                   limit: str = "die.bump_map.max_bumps") -> list[DefBump]:
    """The bumps of a DEF: placed components (of the given macros) or placed pins, with their nets."""
    if not path.is_file():
        raise InputError(path, None, None, "DEF file not found")
    sizes = read_lef_sizes(lef) if lef is not None else None
    t = _Tokens(path, _text(path, "DEF"))
    units: float | None = None
    die: tuple[float, float] | None = None
    components: list[tuple[int, list[str]]] = []
    pins: list[tuple[int, list[str]]] = []
    nets: dict[str, str] = {}
    net_at: dict[str, int] = {}
    while not t.at_end():
        word = t.take()
        if word == "UNITS":
            t.expect("DISTANCE")
            t.expect("MICRONS")
            units = t.number()
            if units <= 0:
                raise t.error("UNITS DISTANCE MICRONS must be positive", t.i - 1)
        elif word == "DIEAREA":
            die = _diearea(t)
        elif word == "COMPONENTS":
            components = t.statements("COMPONENTS")
        elif word == "PINS":
            pins = t.statements("PINS")
        elif word in ("NETS", "SPECIALNETS"):
            for start, st in t.statements(word):
                _connections(t, start, st, nets, net_at)
    if units is None:
        raise InputError(path, "UNITS", None, "the DEF has no UNITS DISTANCE MICRONS statement")
    if die is None:
        raise InputError(path, "DIEAREA", None, "the DEF has no DIEAREA: bump positions are taken from its centre")
    if source == "pins":
        bumps = [_pin(t, start, st, units, die) for start, st in pins]
        bumps = [b for b in bumps if b is not None]
        what = "placed PINS"
    else:
        bumps = []
        for start, st in components:
            b = _component(t, start, st, units, die, macros, sizes, nets)
            if b is not None:
                bumps.append(b)
            if len(bumps) > max_bumps:
                raise InputError(path, limit.rsplit(".", 1)[-1], max_bumps, f"the DEF has more bumps than the "
                                 f"limit; raise {limit} (or use --max-sites) to accept it")
        what = "placed COMPONENTS" + (f" of macro {', '.join(sorted(macros))}" if macros else "")
    if not bumps:
        found = sorted({st[1] for _, st in components if len(st) > 1})
        hint = f"; macros in COMPONENTS: {', '.join(found[:10])}" if found and source != "pins" else ""
        raise InputError(path, "die.bump_map.source", source, f"the DEF holds no {what}{hint}")
    if len(bumps) > max_bumps:
        raise InputError(path, limit.rsplit(".", 1)[-1], max_bumps, f"the DEF has more bumps than the "
                         f"limit; raise {limit} (or use --max-sites) to accept it")
    seen: set[str] = set()
    for b in bumps:
        if b.name in seen:
            raise InputError(path, None, b.name, "bump name given twice in the DEF")
        seen.add(b.name)
    return bumps


def _text(path: Path, what: str) -> str:
    """A LEF/DEF file's text."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, None, None, f"{what} file is not a UTF-8 text file") from None


def _diearea(t: _Tokens) -> tuple[float, float]:
    """The centre of the DIEAREA's bounding box in database units."""
    xs, ys = [], []
    while True:
        word = t.take()
        if word == ";":
            break
        if word != "(":
            raise t.error("expected '(' x y ')' points in DIEAREA", t.i - 1)
        xs.append(t.number())
        ys.append(t.number())
        t.expect(")")
    if len(xs) < 2:
        raise t.error("DIEAREA needs at least two points", t.i - 1)
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _number(t: _Tokens, start: int, st: list[str], k: int) -> float:
    """Token k of a statement as a number, or a located error."""
    try:
        return float(st[k])
    except (ValueError, IndexError):
        raise t.error("expected a number", start + min(k, len(st) - 1)) from None


def _point(t: _Tokens, start: int, st: list[str], k: int) -> tuple[float, float]:
    """The `( x y )` at token k of a statement."""
    if k >= len(st) or st[k] != "(" or k + 3 >= len(st) or st[k + 3] != ")":
        raise t.error("expected ( x y )", start + min(k, len(st) - 1))
    return _number(t, start, st, k + 1), _number(t, start, st, k + 2)


def _placement(t: _Tokens, start: int, st: list[str]) -> tuple[float, float, str] | None:
    """The `+ PLACED|FIXED|COVER ( x y ) orient` of a statement (None when it has none)."""
    for k in range(len(st) - 1):
        if st[k] == "+" and st[k + 1] in PLACEMENTS:
            x, y = _point(t, start, st, k + 2)
            orient = st[k + 6] if k + 6 < len(st) else ""
            if orient not in ORIENTS:
                raise t.error(f"expected an orientation ({', '.join(sorted(ORIENTS))})",
                              start + min(k + 6, len(st) - 1))
            return x, y, orient
    return None


def _component(t: _Tokens, start: int, st: list[str], units: float, die: tuple[float, float],
               macros: set[str] | None, sizes: dict[str, tuple[float, float]] | None,
               nets: dict[str, str]) -> DefBump | None:
    """A placed bump instance at its centre (um from the die centre), or None for another macro."""
    if len(st) < 2:
        raise t.error("a component needs a name and a macro", start)
    name, macro = st[0], st[1]
    if macros is not None and macro not in macros:
        return None
    placed = _placement(t, start, st)
    if placed is None:
        raise t.error(f"component {name} is not placed (+ PLACED or + FIXED ( x y ) orient)", start)
    x, y, orient = placed
    cx, cy = x / units, y / units
    if sizes is not None:
        if macro not in sizes:
            raise t.error(f"macro {macro} of component {name} has no SIZE in the LEF", start + 1)
        w, h = sizes[macro]
        if orient in SWAP_XY:
            w, h = h, w
        cx, cy = cx + w / 2, cy + h / 2
    return DefBump(name, cx - die[0] / units, cy - die[1] / units, nets.get(name))


def _pin(t: _Tokens, start: int, st: list[str], units: float, die: tuple[float, float]) -> DefBump | None:
    """A placed pin at the centre of its first port rectangle (um from the die centre), with its net."""
    name = st[0]
    net = next((st[k + 2] for k in range(len(st) - 2) if st[k] == "+" and st[k + 1] == "NET"), None)
    placed = _placement(t, start, st)
    if placed is None:
        raise t.error(f"pin {name} is not placed (+ PLACED or + FIXED ( x y ) orient)", start)
    x, y, orient = placed
    rx = ry = 0.0
    for k in range(len(st) - 1):
        if st[k] == "+" and st[k + 1] == "LAYER":
            k2 = k + 3
            if k2 < len(st) and st[k2] == "+":       # + LAYER name + MASK n / + SPACING d ...
                k2 += 3
            (x1, y1), (x2, y2) = _point(t, start, st, k2), _point(t, start, st, k2 + 4)
            rx, ry = _orient((x1 + x2) / 2, (y1 + y2) / 2, orient)
            break
    return DefBump(name, (x + rx - die[0]) / units, (y + ry - die[1]) / units, net)


def _orient(x: float, y: float, orient: str) -> tuple[float, float]:
    """A point of a pin's geometry turned by the DEF orientation (N = R0, W = R90, S = R180, E = R270, F = mirror)."""
    return {"N": (x, y), "W": (-y, x), "S": (-x, -y), "E": (y, -x),
            "FN": (-x, y), "FW": (-y, -x), "FS": (x, -y), "FE": (y, x)}[orient]


def _connections(t: _Tokens, start: int, st: list[str], nets: dict[str, str], net_at: dict[str, int]) -> None:
    """The component connections `( comp pin )` of one NETS / SPECIALNETS statement, before its first `+`."""
    net = st[0]
    k = 1
    while k < len(st) and st[k] != "+":
        if st[k] != "(":
            raise t.error(f"expected ( component pin ) in net {net}", start + k)
        end = k + 1
        while end < len(st) and st[end] != ")":
            end += 1
        if end >= len(st) or end - k < 3:
            raise t.error(f"connection of net {net} not closed by ')'", start + k)
        comp = st[k + 1]
        if comp != "PIN" and comp != "*":
            other = nets.get(comp)
            if other is not None and other != net:
                raise t.error(f"component {comp} is on nets {other} (line {t.line(net_at[comp])}) and {net}", start + k)
            nets[comp] = net
            net_at[comp] = start + k
        k = end + 1
