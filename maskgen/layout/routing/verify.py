"""Final check of routed lines as they will be drawn, with klayout.db: RDL space and width on the merged metal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import klayout.db as kdb
import numpy as np

import maskgen.layout.routing.geometry as geo
from maskgen.layout.routing.model import Rules, Wire

SCALE = round(1 / geo.DBU)


def _poly(points: np.ndarray) -> kdb.Polygon:
    return kdb.Polygon([kdb.Point(round(x * SCALE), round(y * SCALE)) for x, y in points])


def drawn(points: Sequence[tuple[float, float]], width: float, style: str) -> list[np.ndarray]:
    """The polygons a routed line is drawn as, vertices snapped to the database grid (um)."""
    return [np.round(p / geo.DBU) * geo.DBU for p in geo.wire_metal(points, width, style)]


def region(polys: Iterable[np.ndarray]) -> kdb.Region:
    """A klayout region (database unit DBU) of polygons in um."""
    out = kdb.Region()
    for p in polys:
        out.insert(_poly(p))
    return out


def violations(wires: dict[int, list[Wire]], fixed: list[tuple[int, list[np.ndarray]]],
               rules: Rules) -> dict[int, list[tuple[float, float, float, float]]]:
    """Nets whose lines are closer than the space to other metal (or their own, a notch) or narrower than the
    width, on the merged metal of every line, terminal and obstacle; with the markers' boxes (um)."""
    per_net = {n: region(p for w in ws for p in drawn(w.points, rules.width, rules.style))
               for n, ws in wires.items() if ws}
    if not per_net:
        return {}
    lines = kdb.Region()
    for r in per_net.values():
        lines += r
    pads = region(p for _, pieces in fixed for p in pieces)
    bad = _bad(lines, pads, rules)
    if bad.is_empty():
        return {}
    out = {}
    for n, r in per_net.items():
        hits = bad.interacting(r)
        if not hits.is_empty():
            out[n] = [(b.left / SCALE, b.bottom / SCALE, b.right / SCALE, b.top / SCALE)
                      for b in (p.bbox() for p in hits.each())]
    return out


def clean(wires: Sequence[Wire], terminals: Iterable[Sequence[tuple[float, float]]], rules: Rules) -> dict[str, int]:
    """Space and width violations of drawn lines and terminal outlines, counted as the DRC would (merged RDL)."""
    lines = region(p for w in wires for p in drawn(w.points, rules.width, rules.style))
    pads = region(np.asarray(t, dtype=float) for t in terminals)
    space, width = _markers(lines, pads, rules)
    return {"space": space.count(), "width": width.count()}


def _bad(lines: kdb.Region, pads: kdb.Region, rules: Rules) -> kdb.Region:
    """Markers of space and width violations that touch a line (a pin narrower than the line is not one)."""
    space, width = _markers(lines, pads, rules)
    return space + width


def _markers(lines: kdb.Region, pads: kdb.Region, rules: Rules) -> tuple[kdb.Region, kdb.Region]:
    """Space and width markers touching the lines, on the lines merged with the terminals (as the DRC merges RDL)."""
    total = (lines + pads).merged()
    space = total.space_check(round(rules.space * SCALE)).polygons(1).interacting(lines)
    return space, _narrow(lines, pads, total, rules)


def _narrow(lines: kdb.Region, pads: kdb.Region, total: kdb.Region, rules: Rules) -> kdb.Region:
    """Width markers of the lines: narrow places of the lines alone (not covered by a terminal), and of the
    merged metal away from terminals (a pin narrower than the line, as OpenROAD's are, is not the router's)."""
    w = round(rules.width * SCALE)
    out = lines.merged().width_check(w).polygons(0).not_interacting(pads)
    out += total.width_check(w).polygons(0).interacting(lines).not_interacting(pads)
    return out
