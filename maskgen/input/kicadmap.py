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
from maskgen.input.recipe import MAX_UM
from maskgen.input.site import Site

COPPER_TYPES = ("smd", "thru_hole", "connect")
"""Pad types that are lands (np_thru_hole pads are holes, not balls)."""


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
