"""Pad and bump terminals of a chip's DEF: each component's pin shape placed and oriented as the component is
(or each placed port of a DEF pin), with its centre, outline and net, in um from the die centre.

Which pins are terminals (as OpenROAD's rdl_route takes them): with `layer`, every pin shape on that layer; else
the ports of CLASS BUMP; with `pin`, only pins of those names (globs). A macro without such pins (a bump macro
with no CLASS BUMP port, or without pins in the LEF) is one terminal: its cell box, and the net its pins are on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.defmap import DefComponent, DefDesign, read_def, rotate
from maskgen.input.lef import LefMacro, LefShape, read_lef

Point = tuple[float, float]


@dataclass(frozen=True)
class Terminal:
    """A pad or bump terminal: name, centre (um from the die centre), net, outline (polygon in um relative to
    the centre; None when the DEF gives no shape) and where it comes from (component or DEF pin, and pin)."""

    name: str
    x: float
    y: float
    net: str | None
    outline: tuple[Point, ...] | None
    component: str
    pin: str | None


def patterns(value: str | Sequence[str] | None) -> list[str] | None:
    """A recipe's name, list or glob patterns as a list (None: any)."""
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def matches(name: str, pats: list[str] | None) -> bool:
    """True when name matches one of the glob patterns (or there are none)."""
    return pats is None or any(fnmatch.fnmatchcase(name, p) for p in pats)


_READ: dict[tuple, tuple[DefDesign, dict[str, LefMacro] | None, tuple[Terminal, ...]]] = {}
"""Terminals already taken from a DEF, by the question asked, with the DEF and LEF objects they came from
(the DEF read once per build by `read_def`, the same LEF macros): a build that asks twice (sites, pitch)
places them once."""


def read_terminals(def_file: Path, lef_files: list[Path], source: str, macro: str | Sequence[str] | None,
                   pin: str | Sequence[str] | None, layer: str | None, key: str,
                   limit: int, limit_key: str, component: str | Sequence[str] | None = None) -> list[Terminal]:
    """The terminals of a DEF (see the module docstring; `component`: only those instance names or globs); an
    InputError when none are found or over the limit."""
    design = read_def(def_file)
    lef = read_lef(lef_files) if lef_files and source != "pins" else None
    ask = (str(def_file), tuple(map(str, lef_files)), source, tuple(patterns(macro) or ()), macro is None,
           tuple(patterns(pin) or ()), pin is None, layer, key, limit, limit_key, tuple(patterns(component) or ()))
    known = _READ.get(ask)
    if known is not None and known[0] is design and known[1] == lef:
        return list(known[2])
    found = _terminals(def_file, design, lef, source, macro, pin, layer, key, limit, limit_key, patterns(component))
    if len(_READ) >= 8:
        _READ.clear()
    _READ[ask] = (design, lef, tuple(found))
    return found


def _terminals(def_file: Path, design: DefDesign, lef: dict[str, LefMacro] | None, source: str,
               macro: str | Sequence[str] | None, pin: str | Sequence[str] | None, layer: str | None, key: str,
               limit: int, limit_key: str, components: list[str] | None = None) -> list[Terminal]:
    """The terminals of a DEF read, checked against the limit and for names given twice."""
    pins = patterns(pin)
    if source == "pins":
        found = pin_terminals(design, pins, layer)
        what = "placed PINS" + (f" named {', '.join(pins)}" if pins else "")
    else:
        found = component_terminals(design, lef, patterns(macro), pins, layer, key, limit, limit_key, components)
        what = ("placed COMPONENTS" + (f" of macro {', '.join(patterns(macro) or [])}" if macro else "")
                + (f" named {', '.join(components)}" if components else ""))
    if not found:
        names = sorted({c.macro for c in design.components.values()})
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        bumps = sorted(n for n in names if lef is not None and n in lef and "BUMP" in lef[n].macro_class.split())
        kind = (f" (bump macros, LEF CLASS ... BUMP: {', '.join(bumps[:10])})" if bumps else
                " (none a bump macro, LEF CLASS ... BUMP)" if lef is not None else "")
        hint = (f"; macros in COMPONENTS: {', '.join(names[:10])}{more}{kind}" if names and source != "pins"
                else "")
        at, value = ((f"{key}.macro", macro) if macro and source != "pins" else (f"{key}.source", source))
        placed = sorted(c.name for c in design.components.values() if c.placed and matches(c.macro, patterns(macro)))
        if components and placed and source != "pins":     # the macro is there, the instance names are not
            at, value = f"{key}.component", components if len(components) > 1 else components[0]
            hint = (f"; instances of it: {', '.join(placed[:10])}"
                    f"{f' and {len(placed) - 10} more' if len(placed) > 10 else ''}")
        raise InputError(def_file, at, value, f"the DEF holds no {what}{hint}")
    if len(found) > limit:
        raise InputError(def_file, limit_key.rsplit(".", 1)[-1], limit, f"the DEF has more terminals than the "
                         f"limit; raise {limit_key} (or use --max-sites) to accept it")
    seen: set[str] = set()
    for term in found:
        if term.name in seen:
            raise InputError(def_file, None, term.name, "terminal name given twice in the DEF")
        seen.add(term.name)
    return found


def pin_terminals(design: DefDesign, pins: list[str] | None, layer: str | None) -> list[Terminal]:
    """Each placed port of the DEF's PINS (of those names, shapes on that layer): `NAME` or `NAME.k` for the
    k-th port of a pin with several."""
    out = []
    for p in design.pins:
        if not matches(p.name, pins):
            continue
        ports = [[s for s in port if layer is None or s.layer == layer] for port in p.ports]
        ports = [port for port in ports if port]
        for k, shapes in enumerate(ports, start=1):
            out.append(_terminal(design, p.name if len(ports) == 1 else f"{p.name}.{k}", p.net,
                                 [s.points for s in shapes], p.name, None))
    return out


def component_terminals(design: DefDesign, lef: dict[str, LefMacro] | None, macros: list[str] | None,
                        pins: list[str] | None, layer: str | None, key: str, limit: int,
                        limit_key: str, components: list[str] | None = None) -> list[Terminal]:
    """The terminals of the placed components of the macros (globs; of those instance names, when given), each
    pin shape placed as its component."""
    out: list[Terminal] = []
    exact = {m for m in macros or [] if not any(ch in m for ch in "*?[")}
    yielded: set[str] = set()
    per_macro: dict[str, tuple[list[tuple[str, list]], bool]] = {}
    turned: dict[tuple[str, str], _Turned] = {}
    chosen_macro: dict[str, bool] = {}
    for c in design.components.values():
        if not c.placed or (components is not None and not matches(c.name, components)):
            continue
        if c.macro not in chosen_macro:
            chosen_macro[c.macro] = matches(c.macro, macros)
        if not chosen_macro[c.macro]:
            continue
        if lef is not None and (c.macro not in lef or lef[c.macro].size is None):
            raise InputError(design.path, f"{key}.lef", c.name, f"macro {c.macro} of component {c.name} has no "
                             f"SIZE in the LEF")
        m = lef[c.macro] if lef is not None else None
        if m is not None and m.name not in per_macro:
            per_macro[m.name] = terminal_pins(m, pins, layer)
        chosen, whole = per_macro[m.name] if m is not None else ([], True)
        terms = _component_terms(design, c, m, chosen, whole, turned, key)
        if terms:
            yielded.add(c.macro)
        out += terms
        if len(out) > limit:
            raise InputError(design.path, limit_key.rsplit(".", 1)[-1], limit, f"the DEF has more terminals than "
                             f"the limit; raise {limit_key} (or use --max-sites) to accept it")
    used = {c.macro for c in design.components.values() if c.placed and matches(c.name, components)}
    for name in sorted(exact & used - yielded):
        how = f"pins {', '.join(pins or [])}" if pins else (f"pin shapes on layer {layer}" if layer else
                                                             "pins with a CLASS BUMP port")
        m = lef[name] if lef is not None and name in lef else None
        on = sorted({f"{p.name} on {port.shapes[0].layer}" for p in (m.pins.values() if m else ())
                     for port in p.ports if port.shapes and port.port_class != "CORE"})
        has = f" (its pins, CLASS CORE ports left out: {', '.join(on[:8])})" if on else ""
        raise InputError(design.path, f"{key}.macro", name, f"macro {name} has no {how} in the LEF{has}; name its "
                         f"terminal pins ({key}.pin) or the layer they are on ({key}.layer)")
    return out


_Turned = tuple[float, float, list[list[tuple[Point, ...]]], list[tuple[float, float, float, float]]]
"""A macro turned by one orientation: the lower-left corner of its turned cell box, its chosen pins' shapes
turned (a component of that macro and orientation adds its placement point), and each pin's shapes' extremes
(least x, least y, greatest x, greatest y) as turned."""


def _component_terms(design: DefDesign, c: DefComponent, m: LefMacro | None, chosen: list[tuple[str, list]],
                     whole: bool, turned: dict[tuple[str, str], _Turned], key: str) -> list[Terminal]:
    """One component's terminals: its chosen pins' shapes, placed; or the component itself as one."""
    if m is None or whole:
        return [_whole(design, c, m)]
    frame = turned.get((m.name, c.orient))
    if frame is None:
        pins = [[_turn(c, s.points) for s in shapes] for _, shapes in chosen]
        frame = turned[m.name, c.orient] = (*_corner(c, m), pins, [_extremes(shapes) for shapes in pins])
    x0, y0, turned_pins, extremes = frame
    dx, dy = c.x - x0, c.y - y0
    # pins whose shapes share a box centre (to 1 nm) are one terminal: a bump macro's ports drawn one inside the
    # other, as OpenROAD's DUMMY_BUMP_TWO_PORTS
    spots: dict[Point, list[tuple[str, list[tuple[Point, ...]], tuple[float, float, float, float]]]] = {}
    for (pin_name, _), shapes, ends in zip(chosen, turned_pins, extremes, strict=True):
        x1, y1, x2, y2 = ends[0] + dx, ends[1] + dy, ends[2] + dx, ends[3] + dy
        spots.setdefault((round((x1 + x2) / 2, 3), round((y1 + y2) / 2, 3)), []).append((pin_name, shapes, ends))
    out = []
    for group in spots.values():
        pin_name = group[0][0]
        name = c.name if len(spots) == 1 else f"{c.name}/{pin_name}"
        net = _one_net(design, c, [pin for pin, _, _ in group], key)
        if len(group) == 1 and len(group[0][1]) == 1:     # one shape (a bump's pad): its points placed once
            out.append(_one_shape(design, name, net, group[0][1][0], dx, dy, group[0][2], c.name, pin_name))
            continue
        polys = [tuple((rx + dx, ry + dy) for rx, ry in points) for _, shapes, _ in group for points in shapes]
        out.append(_terminal(design, name, net, polys, c.name, pin_name))
    return out


def _one_net(design: DefDesign, c: DefComponent, pins: list[str], key: str) -> str | None:
    """The net of a component's pins that sit at one spot (one terminal): the net they share, or an InputError
    when they are on different nets."""
    nets = {pin: design.net_of(c.name, pin) for pin in pins}
    named = sorted({n for n in nets.values() if n is not None})
    if len(named) > 1:
        on = ", ".join(f"{pin} on {net}" for pin, net in nets.items() if net is not None)
        raise InputError(design.path, f"{key}.pin", None, f"component {c.name} ({c.macro}): pins {on} sit at one "
                         f"spot (one terminal) on different nets; name the pin to take ({key}.pin: [{pins[0]}])")
    return named[0] if named else None


def _extremes(shapes: list[tuple[Point, ...]]) -> tuple[float, float, float, float]:
    """Least x, least y, greatest x, greatest y of the shapes' points."""
    xs = [p[0] for poly in shapes for p in poly]
    ys = [p[1] for poly in shapes for p in poly]
    return min(xs), min(ys), max(xs), max(ys)


def _one_shape(design: DefDesign, name: str, net: str | None, points: tuple[Point, ...], dx: float, dy: float,
               ends: tuple[float, float, float, float], component: str, pin: str | None) -> Terminal:
    """`_terminal` of one shape moved by (dx, dy), the same numbers: adding dx keeps the order of the x values,
    so the least placed x is the least turned x plus dx (likewise y and the greatest)."""
    x1, y1, x2, y2 = ends[0] + dx, ends[1] + dy, ends[2] + dx, ends[3] + dy
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    cx, cy = design.centre
    offsets = tuple(((rx + dx) - mx, (ry + dy) - my) for rx, ry in points)
    return Terminal(name, round(mx - cx, 6), round(my - cy, 6), net, _outline(offsets), component, pin)


def terminal_pins(m: LefMacro, pins: list[str] | None, layer: str | None) -> tuple[list[tuple[str, list]], bool]:
    """A macro's terminal pins with their shapes (see the module docstring), and whether the macro is one
    terminal as a whole (no pins in the LEF, none asked for)."""
    if not m.pins:
        return [], pins is None and layer is None
    chosen: list[tuple[str, list[LefShape]]] = []
    for p in m.pins.values():
        if not matches(p.name, pins):
            continue
        if layer is not None:          # a CLASS CORE port is the pad cell's core side, never a pad or a bump
            shapes = [s for port in p.ports if port.port_class != "CORE" for s in port.shapes if s.layer == layer]
        else:
            shapes = p.shapes(port_class="BUMP") or (p.shapes() if pins is not None else [])
        if shapes:
            chosen.append((p.name, shapes))
    if not chosen and pins is None and layer is None and "BUMP" in m.macro_class.split():
        chosen = [(p.name, p.shapes()) for p in m.pins.values() if p.shapes()]
    return chosen, False


def _whole(design: DefDesign, c: DefComponent, m: LefMacro | None) -> Terminal:
    """A component as one terminal: its cell box (or its placement point without a LEF), on its pins' net."""
    nets = design.component_nets(c.name)
    net = nets[0] if len(nets) == 1 else None
    if m is None or m.size is None:
        cx, cy = design.centre
        return Terminal(c.name, c.x - cx, c.y - cy, net, None, c.name, None)
    w, h = m.size
    box = _place(c, m, ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h)))
    return _terminal(design, c.name, net, [box], c.name, None)


def _place(c: DefComponent, m: LefMacro, points: Sequence[Point]) -> tuple[Point, ...]:
    """Points of a macro (placement frame) placed as the component: turned, then its cell box's lower-left
    corner put on the placement point."""
    x0, y0 = _corner(c, m)
    dx, dy = c.x - x0, c.y - y0
    return tuple((rx + dx, ry + dy) for rx, ry in _turn(c, points))


def _corner(c: DefComponent, m: LefMacro) -> Point:
    """The lower-left corner of the macro's cell box turned by the component's orientation."""
    w, h = m.size or (0.0, 0.0)
    corners = [rotate(x, y, c.orient) for x, y in ((0, 0), (w, 0), (w, h), (0, h))]
    return min(p[0] for p in corners), min(p[1] for p in corners)


def _turn(c: DefComponent, points: Sequence[Point]) -> tuple[Point, ...]:
    """Points of a macro turned by the component's orientation."""
    return tuple(rotate(x, y, c.orient) for x, y in points)


def _terminal(design: DefDesign, name: str, net: str | None, polys: Sequence[Sequence[Point]], component: str,
              pin: str | None) -> Terminal:
    """A terminal at the centre of its shapes' bounding box, from the die centre; its outline is the shape (the
    bounding box when the terminal has several shapes)."""
    xs = [p[0] for poly in polys for p in poly]
    ys = [p[1] for poly in polys for p in poly]
    x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    ring = polys[0] if len(polys) == 1 else ((x1, y1), (x2, y1), (x2, y2), (x1, y2))
    cx, cy = design.centre
    offsets = tuple((x - mx, y - my) for x, y in ring)
    return Terminal(name, round(mx - cx, 6), round(my - cy, 6), net, _outline(offsets), component, pin)


def _outline(offsets: tuple[Point, ...]) -> tuple[Point, ...]:
    """A terminal's outline: its points' offsets from the centre rounded to 1 pm (most terminals of a macro have
    the same offsets: each rounded once)."""
    outline = _OUTLINES.get(offsets)
    if outline is None:
        if len(_OUTLINES) > 10_000:
            _OUTLINES.clear()
        outline = _OUTLINES[offsets] = tuple((round(dx, 6), round(dy, 6)) for dx, dy in offsets)
    return outline


_OUTLINES: dict[tuple[Point, ...], tuple[Point, ...]] = {}
"""Terminal outlines rounded to 1 pm, by their exact offsets from the centre."""
