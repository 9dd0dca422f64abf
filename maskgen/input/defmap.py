"""A chip's DEF as the design tools read it: die area, units, placed components, pins with their placed ports,
the nets that join component pins (and DEF pins), and the routed wires of NETS and SPECIALNETS.

Accepted as OpenROAD and KLayout accept them: a section whose declared count differs from what it holds (one
warning line naming file and line), components with any number of pins on any nets, `( * PIN )` connections
(that pin of every component), PINS with several PORTs (each placed), the eight orientations, RECT (LAYER) and
POLYGON pin shapes, ROUTED / FIXED / COVER wiring with NEW segments, vias, SHAPE, STYLE, MASK and `*` points. A
true syntax error is one line with file and line. Every other section and statement is skipped.

Why our own reader and not KLayout's (a dependency already): KLayout's LEF/DEF reader gives placed shapes and
orientations but no component-pin-to-net connections, which is what a pad-to-bump net list is; OpenROAD's is not
a Python package. tests/test_def_input.py checks this reader's pin placement against KLayout's reading of the
same files in every orientation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.deftokens import Tokens, read_once, read_text
from maskgen.input.files import finite
from maskgen.warn import warn

Point = tuple[float, float]
PLACEMENTS = {"PLACED", "FIXED", "COVER"}
ORIENTS = ("N", "S", "E", "W", "FN", "FS", "FE", "FW")
WIRING = {"ROUTED", "FIXED", "COVER", "NOSHIELD"}


def rotate(x: float, y: float, orient: str) -> Point:
    """A point turned by a DEF orientation about the origin (N = R0, W = R90, S = R180, E = R270, F = mirrored
    about the y axis first), as OpenDB and KLayout place them."""
    return {"N": (x, y), "W": (-y, x), "S": (-x, -y), "E": (y, -x),
            "FN": (-x, y), "FW": (y, x), "FS": (x, -y), "FE": (-y, -x)}[orient]


@dataclass(frozen=True)
class DefComponent:
    """A COMPONENTS statement: instance name, macro, placement point (um, DEF coordinates; the lower-left corner
    of the oriented cell box), orientation; `placed` False for UNPLACED ones."""

    name: str
    macro: str
    x: float
    y: float
    orient: str
    placed: bool


@dataclass(frozen=True)
class DefShape:
    """A placed shape: layer and polygon in um, DEF coordinates."""

    layer: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class DefPin:
    """A PINS statement: pin name, its net and each placed port's shapes (um, DEF coordinates)."""

    name: str
    net: str | None
    ports: tuple[tuple[DefShape, ...], ...]


@dataclass(frozen=True)
class DefWire:
    """One routed wire segment of a net (ROUTED ... or NEW ...): layer, width in um (None: the layer's default,
    as regular NETS give it), centre-line points in um, DEF coordinates."""

    net: str
    layer: str
    width: float | None
    points: tuple[Point, ...]


@dataclass
class DefDesign:
    """What a DEF holds for bumping: die area, units, components, pins, nets and routed wires."""

    path: Path
    name: str
    units: float
    die: tuple[float, float, float, float]
    """DIEAREA's bounding box (x1, y1, x2, y2) in um, DEF coordinates."""
    components: dict[str, DefComponent]
    pins: list[DefPin]
    nets: dict[str, list[tuple[str, str]]]
    """Each net's connections as written: (component, pin), ('PIN', pin name) or ('*', pin)."""
    wires: list[DefWire] = field(default_factory=list)
    _joined: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _every: dict[str, str] = field(default_factory=dict, repr=False)
    _by_component: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for net, conns in self.nets.items():
            for comp, pin in conns:
                if comp == "*":
                    self._every.setdefault(pin, net)
                elif comp != "PIN" and (comp, pin) not in self._joined:
                    self._joined[(comp, pin)] = net
                    self._by_component.setdefault(comp, []).append(net)

    @property
    def centre(self) -> Point:
        """The DIEAREA centre in um, DEF coordinates: maskgen's origin."""
        x1, y1, x2, y2 = self.die
        return (x1 + x2) / 2, (y1 + y2) / 2

    @property
    def size(self) -> Point:
        """The die's width and height in um."""
        x1, y1, x2, y2 = self.die
        return x2 - x1, y2 - y1

    def net_of(self, component: str, pin: str) -> str | None:
        """The net a component's pin is on (a `( * pin )` connection counts for every component)."""
        return self._joined.get((component, pin)) or self._every.get(pin)

    def component_nets(self, component: str) -> list[str]:
        """The distinct nets a component's pins are on (named connections), in the order they are met."""
        return list(dict.fromkeys(self._by_component.get(component, [])))


_CACHE: dict[tuple, DefDesign] = {}
"""DEFs already read, by (resolved path, mtime, size): a build reads (and warns about) each file once."""


def read_def(path: Path) -> DefDesign:
    """A DEF file read (once per build; again only when it changed)."""
    return read_once(_CACHE, path, "DEF", _read)


def _read(path: Path) -> DefDesign:
    """Parse a DEF file."""
    t = Tokens(path, read_text(path, "DEF"))
    units: float | None = None
    die: tuple[float, float, float, float] | None = None
    name = ""
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    notes: list[tuple[str, str]] = []
    while not t.at_end():
        word = t.take()
        if word == "DESIGN" and not name:
            name = t.take()
        elif word == "UNITS":
            t.expect("DISTANCE")
            t.expect("MICRONS")
            units = t.number()
            if units <= 0:
                raise t.error("UNITS DISTANCE MICRONS must be positive", t.i - 1)
        elif word == "DIEAREA":
            die = _diearea(t)
        elif word in ("COMPONENTS", "PINS", "NETS", "SPECIALNETS"):
            sections[word] = sections.get(word, []) + _statements(t, word, notes)
    if units is None:
        raise InputError(path, "UNITS", None, "the DEF has no UNITS DISTANCE MICRONS statement")
    if die is None:
        raise InputError(path, "DIEAREA", None, "the DEF has no DIEAREA: positions are taken from its centre")
    u = units
    components: dict[str, DefComponent] = {}
    for start, st in sections.get("COMPONENTS", []):
        c = _component(t, start, st, u)
        components[c.name] = c
    pins = [_pin(t, start, st, u) for start, st in sections.get("PINS", [])]
    nets: dict[str, list[tuple[str, str]]] = {}
    wires: list[DefWire] = []
    for section in ("SPECIALNETS", "NETS"):
        for start, st in sections.get(section, []):
            _net(t, start, st, u, section == "SPECIALNETS", nets, wires)
    for where, message in notes:    # only for a file that is read: an error is the one line
        warn(path, where, message)
    return DefDesign(path, name, u, (die[0] / u, die[1] / u, die[2] / u, die[3] / u), components, pins, nets, wires)


def _statements(t: Tokens, section: str, notes: list[tuple[str, str]]) -> list[tuple[int, list[str]]]:
    """The `- ... ;` statements of a section up to END section, each as (first token index, tokens); a declared
    count that differs from the statements found is a warning, as OpenROAD and KLayout take it."""
    count_at = t.i
    declared = t.number()
    t.expect(";")
    out: list[tuple[int, list[str]]] = []
    while True:
        word = t.take()
        if word == "END":
            end = t.take()
            if end != section:
                raise t.error(f"expected END {section}", t.i - 1)
            break
        if word != "-":
            raise t.error(f"expected '-' starting a {section} statement or END {section}", t.i - 1)
        start = t.i
        try:
            stop = t.words.index(";", start)
        except ValueError:
            raise t.error(f"statement of {section} not closed by ';' before the end of the file", start) from None
        statement = t.words[start:stop]
        if section in statement and "END" in statement:
            raise t.error(f"statement of {section} not closed by ';' before END {section}", start)
        out.append((start, statement))
        t.i = stop + 1
    if int(declared) != len(out):
        notes.append((f"line {t.line(count_at)}", f"{section} declares {int(declared)} statements, the section "
                      f"holds {len(out)}"))
    return out


def _diearea(t: Tokens) -> tuple[float, float, float, float]:
    """The bounding box of the DIEAREA's points in database units."""
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
    return min(xs), min(ys), max(xs), max(ys)


def _number(t: Tokens, start: int, st: list[str], k: int) -> float:
    """Token k of a statement as a number, or a located error."""
    try:
        return finite(st[k])
    except (ValueError, IndexError):
        raise t.error("expected a number", start + min(k, len(st) - 1)) from None


def _point(t: Tokens, start: int, st: list[str], k: int, last: Point | None = None) -> tuple[Point, int]:
    """The `( x y [ext] )` at token k of a statement (`*` repeats the last point's value), and the index after."""
    if k >= len(st) or st[k] != "(":
        raise t.error("expected ( x y )", start + min(k, len(st) - 1))
    vals: list[float] = []
    j = k + 1
    while j < len(st) and st[j] != ")":
        if st[j] == "*" and last is not None and len(vals) < 2:
            vals.append(last[len(vals)])
        else:
            vals.append(_number(t, start, st, j))
        j += 1
    if j >= len(st) or len(vals) not in (2, 3):
        raise t.error("expected ( x y )", start + min(k, len(st) - 1))
    return (vals[0], vals[1]), j + 1


def _placement(t: Tokens, start: int, st: list[str], k: int) -> tuple[float, float, str]:
    """The `( x y ) orient` after a PLACED / FIXED / COVER at token k."""
    (x, y), j = _point(t, start, st, k)
    orient = st[j] if j < len(st) else ""
    if orient not in ORIENTS:
        raise t.error(f"expected an orientation ({', '.join(ORIENTS)})", start + min(j, len(st) - 1))
    return x, y, orient


def _component(t: Tokens, start: int, st: list[str], u: float) -> DefComponent:
    """One COMPONENTS statement."""
    if len(st) < 2 or st[1] == "+":
        raise t.error("a component needs a name and a macro", start)
    for k in range(2, len(st) - 1):
        if st[k] == "+" and st[k + 1] in PLACEMENTS:
            x, y, orient = _placement(t, start, st, k + 2)
            return DefComponent(st[0], st[1], x / u, y / u, orient, True)
    return DefComponent(st[0], st[1], 0.0, 0.0, "N", False)


def _groups(st: list[str], begin: int) -> list[tuple[int, list[str]]]:
    """The `+ KEYWORD ...` groups of a statement from token `begin`, each as (index of its keyword, tokens)."""
    out: list[tuple[int, list[str]]] = []
    for k in range(begin, len(st)):
        if st[k] == "+" and (k == 0 or st[k - 1] != "("):
            out.append((k + 1, []))
        elif out:
            out[-1][1].append(st[k])
    return out


def _pin(t: Tokens, start: int, st: list[str], u: float) -> DefPin:
    """One PINS statement: its net and each placed port (shapes relative to the port's placement, turned)."""
    name, net = st[0], None
    ports: list[tuple[list[tuple[str, list[Point]]], tuple[float, float, str] | None]] = [([], None)]
    for at, g in _groups(st, 1):
        if not g:
            raise t.error("expected a keyword after '+'", start + at - 1)
        key = g[0]
        if key == "NET" and len(g) > 1:
            net = g[1]
        elif key == "PORT":
            ports.append(([], None))
        elif key in ("LAYER", "POLYGON"):
            k = 2
            while k < len(g) and g[k] != "(":
                k += 1
            pts: list[Point] = []
            while k < len(g):
                p, k = _point(t, start + at, g, k, pts[-1] if pts else None)
                pts.append(p)
            if key == "LAYER":
                if len(pts) != 2:
                    raise t.error(f"pin {name}: LAYER takes ( x1 y1 ) ( x2 y2 )", start + at)
                (x1, y1), (x2, y2) = pts
                pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]
            elif len(pts) < 3:
                raise t.error(f"pin {name}: POLYGON takes at least three points", start + at)
            ports[-1][0].append((g[1] if len(g) > 1 else "", pts))
        elif key in PLACEMENTS:
            ports[-1] = (ports[-1][0], _placement(t, start + at, g, 1))
    placed = []
    for shapes, place in ports:
        if not shapes or place is None:
            continue
        px, py, orient = place
        placed.append(tuple(DefShape(layer, tuple(((px + rx) / u, (py + ry) / u)
                                                  for rx, ry in (rotate(x, y, orient) for x, y in pts)))
                            for layer, pts in shapes))
    return DefPin(name, net, tuple(placed))


def _net(t: Tokens, start: int, st: list[str], u: float, special: bool,
         nets: dict[str, list[tuple[str, str]]], wires: list[DefWire]) -> None:
    """One NETS / SPECIALNETS statement: its connections and routed wires."""
    net = st[0]
    conns = nets.setdefault(net, [])
    k = 1
    while k < len(st) and st[k] != "+":
        if st[k] == "MUSTJOIN":
            k += 1
            continue
        if st[k] != "(":
            raise t.error(f"expected ( component pin ) in net {net}", start + k)
        end = k + 1
        while end < len(st) and st[end] != ")":
            end += 1
        if end >= len(st) or end - k < 3:
            raise t.error(f"connection of net {net} not closed by ')'", start + k)
        conns.append((st[k + 1], st[k + 2]))
        k = end + 1
    while k < len(st):
        if st[k] == "+" and k + 1 < len(st) and st[k + 1] in WIRING:
            k = _wiring(t, start, st, k + 2, u, special, net, wires)
        else:
            k += 1


WIRE_OPTIONS = {"SHAPE", "STYLE", "MASK"}


def _wiring(t: Tokens, start: int, st: list[str], k: int, u: float, special: bool, net: str,
            wires: list[DefWire]) -> int:
    """The segments of one ROUTED / FIXED / COVER wiring from token k; returns the index after it. A status with
    no path (`+ FIXED ;`, `+ FIXED + SHAPE RING + RECT ...`, as OpenDB writes them) holds no wire."""
    if k >= len(st) or st[k] == "+":
        return k
    while True:
        if k >= len(st):
            raise t.error(f"net {net}: routed wiring needs a layer", start + len(st) - 1)
        layer = st[k]
        k += 1
        width = None
        if special and k < len(st) and st[k] not in ("(", "+"):
            width = _number(t, start, st, k) / u
            k += 1
        pts: list[Point] = []
        while k < len(st):
            word = st[k]
            if word == "(":
                p, k = _point(t, start, st, k, pts[-1] if pts else None)
                pts.append(p)
            elif word == "NEW":
                break
            elif word == "+":
                if k + 1 < len(st) and st[k + 1] in WIRE_OPTIONS:
                    k += 3
                else:
                    break
            elif word in ("MASK", "TAPERRULE"):
                k += 2
            elif word in ("RECT", "VIRTUAL"):
                while k < len(st) and st[k] != ")":
                    k += 1
                k += 1
            else:
                k += 1                      # a via name, TAPER
        if pts:
            wires.append(DefWire(net, layer, width, tuple((x / u, y / u) for x, y in pts)))
        if k < len(st) and st[k] == "NEW":
            k += 1
            continue
        return k
