"""The routed RDL back to the design tools: the chip's own DEF with every routed RDL wire added as special wiring.

The written DEF is the source DEF as the designer handed it over, byte for byte, with three changes only:

* each routed net already in SPECIALNETS gets its wires as `+ ROUTED <layer> <width> ( x y ) ( x y ) ...`
  before the `;` that ends its statement;
* each other routed net gets a SPECIALNETS statement of its own holding just its wires (a DEF net may have
  special wiring in SPECIALNETS and its connections in NETS, as supply nets do), and the section's declared
  count grows by as many;
* without a SPECIALNETS section, one is written before NETS (or before END DESIGN).

DEF special wires end flush at their points. A Manhattan line (square joints) is written leg by leg, each leg
extended by half the width past an inner vertex, as OpenROAD writes its RDL; a 45-degree line as one
multi-point path, whose mitred joints are its octagonal joints at 45-degree bends. KLayout's LEF/DEF reader gives
back the drawn metal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError

_TOKEN = re.compile(r'"[^"]*"|[^\s]+')
_COMMENT = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class DefWire:
    """One routed RDL line: its drawn width and centre-line in um from the die centre; `square` joints (Manhattan
    lines) are written as one segment per leg, extended by half the width past each inner vertex as OpenROAD
    writes them, else (mitred joints) as one multi-point path."""

    width: float
    points: tuple[tuple[float, float], ...]
    square: bool = False


def routed_def_text(source: Path, text: str, wires: Mapping[str, Sequence[DefWire]], layer: str, units: float,
                    origin: tuple[float, float]) -> str:
    """The source DEF text with the routed RDL wires of each net added as SPECIALNETS routing on `layer`.

    Args:
        source: the DEF's path, named in errors.
        text: the DEF's text as read.
        wires: routed wires per net name (nets without wires are left as they are).
        layer: the DEF routing layer the RDL is written on (the recipe's `die.routing.def_layer`).
        units: DEF database units per um (UNITS DISTANCE MICRONS).
        origin: the die centre in um in DEF coordinates (maskgen's coordinates are um from the die centre).
    """
    nets = {name: ws for name, ws in wires.items() if ws}
    clean = _COMMENT.sub(lambda m: " " * len(m.group()), text)
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(clean)]
    words = [w for w, _ in tokens]
    edits: list[tuple[int, int, str]] = []  # (start, end, new text): end == start inserts
    try:
        head = words.index("SPECIALNETS")
    except ValueError:
        head = -1
    if head >= 0:
        end = _section_end(source, text, tokens, head)
        count_at = tokens[head + 1][1]
        declared = words[head + 1]
        if not declared.isdigit() or words[head + 2] != ";":
            raise InputError(source, f"line {_line(text, count_at)}", declared,
                             "expected SPECIALNETS <count> ;")
        seen: set[str] = set()
        k = head + 3
        while k < end:
            if words[k] == "-" and k + 1 < end:
                name = words[k + 1]
                stop = words.index(";", k)
                if name in nets and name not in seen:
                    at = tokens[stop][1]
                    edits.append((at, at, _routing(nets[name], layer, units, origin) + " "))
                seen.add(name)
                k = stop + 1
            else:
                k += 1
        new = [n for n in sorted(nets) if n not in seen]
        if new:
            at = tokens[end][1]
            edits.append((at, at, "".join(_statement(n, nets[n], layer, units, origin) for n in new)))
            edits.append((count_at, count_at + len(declared), str(int(declared) + len(new))))
    else:
        at = _first(words, tokens, ("NETS", "END"), text)
        body = "".join(_statement(n, nets[n], layer, units, origin) for n in sorted(nets))
        edits.append((at, at, f"SPECIALNETS {len(nets)} ;\n{body}END SPECIALNETS\n"))
    return _apply(text, edits)


def write_routed_def(source: Path, target: Path, wires: Mapping[str, Sequence[DefWire]], layer: str,
                     units: float, origin: tuple[float, float]) -> Path:
    """Write `<name>_rdl.def`: the source DEF with the routed RDL as special wiring (atomically)."""
    from maskgen.outputs.output import write_text
    text = source.read_text(encoding="utf-8")
    return write_text(target, routed_def_text(source, text, wires, layer, units, origin))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """The text with each (start, end) range replaced by its new text (ranges do not overlap)."""
    out, last = [], 0
    for start, end, piece in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [text[last:start], piece]
        last = end
    out.append(text[last:])
    return "".join(out)


def _section_end(source: Path, text: str, tokens: list[tuple[str, int]], head: int) -> int:
    """Token index of the END of the section starting at head."""
    for k in range(head + 1, len(tokens) - 1):
        if tokens[k][0] == "END" and tokens[k + 1][0] == "SPECIALNETS":
            return k
    raise InputError(source, f"line {_line(text, tokens[head][1])}", "SPECIALNETS",
                     "section not closed by END SPECIALNETS")


def _first(words: list[str], tokens: list[tuple[str, int]], heads: tuple[str, str], text: str) -> int:
    """Offset of the NETS section, else of END DESIGN, else the end of the text."""
    for k, w in enumerate(words):
        if w == heads[0] and k + 1 < len(words) and words[k + 1].isdigit():
            return tokens[k][1]
    for k, w in enumerate(words):
        if w == heads[1] and k + 1 < len(words) and words[k + 1] == "DESIGN":
            return tokens[k][1]
    return len(text)


def _line(text: str, offset: int) -> int:
    """1-based line number of an offset."""
    return text.count("\n", 0, offset) + 1


def _xy(p: tuple[float, float], units: float, origin: tuple[float, float]) -> str:
    """A point in DEF database units."""
    return f"( {round((p[0] + origin[0]) * units)} {round((p[1] + origin[1]) * units)} )"


def _routing(wires: Sequence[DefWire], layer: str, units: float, origin: tuple[float, float]) -> str:
    """`+ ROUTED layer width ( x y ) ... NEW layer width ...` for a net's wires."""
    paths: list[tuple[float, list[tuple[float, float]]]] = []
    for w in wires:
        if not w.square or len(w.points) <= 2:
            paths.append((w.width, list(w.points)))
            continue
        last = len(w.points) - 2
        for k, (a, b) in enumerate(zip(w.points, w.points[1:], strict=False)):
            length = math.dist(a, b)
            if length == 0:
                continue
            ux, uy, h = (b[0] - a[0]) / length, (b[1] - a[1]) / length, w.width / 2
            start = a if k == 0 else (a[0] - ux * h, a[1] - uy * h)
            end = b if k == last else (b[0] + ux * h, b[1] + uy * h)
            paths.append((w.width, [start, end]))
    rows = []
    for i, (width, points) in enumerate(paths):
        lead = "+ ROUTED" if i == 0 else "NEW"
        pts = " ".join(_xy(p, units, origin) for p in points)
        rows.append(f"{lead} {layer} {round(width * units)} {pts}")
    return "\n      " + "\n      ".join(rows)


def _statement(name: str, wires: Sequence[DefWire], layer: str, units: float, origin: tuple[float, float]) -> str:
    """A SPECIALNETS statement holding a net's routed wires."""
    return f"    - {name}{_routing(wires, layer, units, origin)} ;\n"
