"""A KiCad footprint as a ball map (`die.bump_map: {kind: kicad, file: X.kicad_mod}`), read with kiutils.

Every copper pad of the footprint (SMD, through-hole or connector pads; not NPTH holes) is a bump site named by
its pad number. A footprint is drawn as seen from the top of the board, y down, in mm; the die is drawn from its
bumps, y up, in um: pad (x, y) mm is the bump at (-1000 x, -1000 y) um, the footprint origin on the die centre.
A pad number that is a JEDEC ball name (A1, AB12) is the bump's ball; other numbers keep their names and get the
ball of the grid they sit on, as CSV sites do.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from maskgen.errors import InputError
from maskgen.input.files import read_text_file
from maskgen.input.site import Site
from maskgen.input.units import MAX_UM

COPPER_TYPES = ("smd", "thru_hole", "connect")
"""Pad types that are lands (np_thru_hole pads are holes, not balls)."""

BODY_LAYER = "F.Fab"
"""The footprint layer whose outline is the package body: for a WLCSP, the die."""

CENTRED_UM = 1.0
"""The package body must be centred on the footprint origin within this much (um), as maskgen centres the die."""


def read_footprint(path: Path) -> Any:
    """A .kicad_mod file as a kiutils Footprint; a missing or unreadable file is one InputError line."""
    from kiutils.footprint import Footprint
    text = read_text_file(path, "KiCad footprint file")
    if not text.lstrip().startswith(("(footprint", "(module")):
        raise InputError(path, None, None, "not a KiCad footprint: a .kicad_mod file starts with (footprint ...)")
    try:
        return Footprint.from_sexpr(_sexpr(text))
    except Exception as exc:  # kiutils raises plain Exceptions on malformed S-expressions
        raise InputError(path, None, None, f"malformed KiCad footprint: {str(exc).splitlines()[0][:120]}") from None


def _sexpr(text: str) -> list:
    """The S-expression of a footprint file (kiutils' own parser)."""
    from kiutils.utils import sexpr
    return sexpr.parse_sexp(text)


def footprint_sites(path: Path, max_bumps: int) -> list[Site]:
    """The footprint's copper pads as bump sites (um, bump side, die centre), named by pad number; ball names
    left empty here (maskgen.layout.sites names them)."""
    fp = read_footprint(path)
    out: list[Site] = []
    seen: set[str] = set()
    for pad in fp.pads:
        if pad.type not in COPPER_TYPES or not str(pad.number).strip():
            continue
        name = str(pad.number).strip()
        if name in seen:
            raise InputError(path, f"pad {name}", None, "pad number given twice: each ball needs its own name")
        seen.add(name)
        x, y = pad.position.X, pad.position.Y
        if not all(isinstance(v, int | float) and math.isfinite(v) and abs(v) * 1000 <= MAX_UM for v in (x, y)):
            raise InputError(path, f"pad {name}", [x, y], f"the pad's position must be finite numbers within "
                             f"{MAX_UM / 1000:g} mm of the footprint origin")
        out.append(Site(name, round(-x * 1000, 6) + 0.0, round(-y * 1000, 6) + 0.0))
        if len(out) > max_bumps:
            raise InputError(path, "max_bumps", max_bumps, "footprint has more pads than the limit; raise "
                             "die.bump_map.max_bumps (or use --max-sites) to accept it")
    if not out:
        raise InputError(path, None, None, "footprint holds no copper pads")
    return out


def footprint_body(path: Path) -> tuple[float, float]:
    """The package body (width, height) um from the footprint's fab outline (F.Fab lines, rectangles, polygons,
    arcs), for a recipe that leaves out die.size; one InputError line when there is none or it is off-centre."""
    xs: list[float] = []
    ys: list[float] = []
    for item in read_footprint(path).graphicItems:
        if getattr(item, "layer", None) != BODY_LAYER:
            continue
        points = [getattr(item, k, None) for k in ("start", "mid", "end")] + list(getattr(item, "coordinates", []))
        for p in points:
            if p is not None and math.isfinite(p.X) and math.isfinite(p.Y):
                xs.append(p.X * 1000)
                ys.append(p.Y * 1000)
    if not xs:
        raise InputError(path, BODY_LAYER, None, "the footprint draws no fab outline (the package body) to take the "
                         "die size from; give die.size [width, height] um")
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    centre = ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    if width <= 0 or height <= 0 or max(width, height) > MAX_UM:
        raise InputError(path, BODY_LAYER, [round(width, 3), round(height, 3)], "the fab outline must span a "
                         f"positive width and height of at most {MAX_UM / 1000:g} mm; give die.size")
    if max(abs(c) for c in centre) > CENTRED_UM:
        raise InputError(path, BODY_LAYER, [round(c / 1000, 6) for c in centre], "the fab outline (the package body) "
                         "is not centred on the footprint origin, where maskgen puts the die centre; give die.size")
    return round(width, 6) + 0.0, round(height, 6) + 0.0
