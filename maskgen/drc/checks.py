"""The claim-derived design rules as small functions on KLayout regions.

Every check takes regions (deep or flat, in database units) and a few lengths,
and returns `Markers`: the violating shapes or edge pairs with a sentence a
packaging engineer understands. Nothing here reads files, knows about the PDK
or writes reports; `maskgen.drc.deck` decides which checks apply and with
which values, `maskgen.drc.report` writes the results.

Distances are Euclidean. Where a distance is grown into an area (release reach,
centre offset) the disk is a polygon inscribed in the circle, so a check is
never more permissive than the exact Euclidean rule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import klayout.db as kdb

from maskgen.drc.markers import Describe
from maskgen.layout.geometry import circle_vertex_count

Shapes = kdb.Region | kdb.EdgePairs

_RIM = 10
"""Width (dbu) of the band just outside the sacrificial layer where an anchored insulator is looked for."""


@dataclass(frozen=True)
class Length:
    """A rule length in database units, with the micrometre value it came from (for messages)."""

    dbu: int
    um: float

    def __str__(self) -> str:
        return f"{self.um:g} um"


@dataclass(frozen=True)
class Markers:
    """Violations found by one check: the shapes or edge pairs, and what is wrong with them.

    `shapes` None means a process-level finding, reported on the die (or top cell).
    `measure` asks the reporter to append each marker's measured distance.
    `per` merges edge pairs into one marker per fault (see `maskgen.drc.markers`): per shape owning
    the "first" or "second" edge, or per "pair" of shapes; `first` / `second` are the regions checked.
    `describe` words a merged fault itself (e.g. the pitch of two bumps).
    """

    message: str
    shapes: Shapes | None
    measure: bool = False
    per: Literal["first", "second", "pair"] | None = None
    first: kdb.Region | None = None
    second: kdb.Region | None = None
    describe: Describe | None = None


def disk(radius: int, chord_error: int) -> kdb.Polygon:
    """A circle of `radius` (dbu) as a polygon inscribed in it, chords within `chord_error` (dbu)."""
    if radius <= 0:
        return kdb.Polygon(kdb.Box(0, 0, 0, 0))
    n = circle_vertex_count(2.0 * radius, float(max(chord_error, 1)))
    # truncation towards the centre keeps every vertex on or inside the circle
    points = [kdb.Point(math.trunc(radius * math.cos(2 * math.pi * i / n)),
                        math.trunc(radius * math.sin(2 * math.pi * i / n))) for i in range(n)]
    return kdb.Polygon(points)


def _centres(region: kdb.Region) -> kdb.Region:
    """A 2 x 2 dbu box at the bounding-box centre of each (merged) polygon."""
    return region.extent_refs(0.5, 0.5, 0.5, 0.5, 1, 1)


def _keep(found: Iterable[Markers]) -> list[Markers]:
    """Drop checks that found nothing."""
    return [m for m in found if m.shapes is None or not m.shapes.is_empty()]


# ----------------------------------------------------------------------------- generic
def enclosed(outer: kdb.Region, inner: kdb.Region, d: Length, outer_name: str, inner_name: str,
             orphans: bool = True) -> list[Markers]:
    """`outer` encloses every `inner` shape by at least d; inner shapes not inside an outer one are flagged."""
    inside = inner.inside(outer)
    found = [Markers(f"{outer_name} encloses {inner_name} by less than {d}",
                     outer.enclosing_check(inside, d.dbu), measure=True, per="second", first=outer, second=inside)]
    if orphans:
        found.append(Markers(f"{inner_name} is not inside {outer_name}", inner.not_inside(outer)))
    else:
        found.append(Markers(f"{inner_name} lies only partly inside {outer_name}",
                             inner.overlapping(outer).not_inside(outer)))
    return _keep(found)


def min_width(region: kdb.Region, d: Length, what: str) -> list[Markers]:
    """Every shape is at least d wide."""
    narrow = region.width_check(d.dbu, False, kdb.Metrics.Projection)
    return _keep([Markers(f"{what} narrower than {d}", narrow, measure=True, per="first", first=region)])


ROUND_VERTICES = 16
"""A polygon of at least this many vertices, all on one circle, is a round shape drawn inscribed in its circle."""
ON_ROUND = 8
"""dbu: vertex radii of a round shape agree within this: snapping to a 5 nm grid moves a vertex by up to
2.5 nm in x and in y (3.5 nm), so two radii of one circle differ by up to about 7 nm."""


def round_diameter(poly: kdb.Polygon) -> int | None:
    """The diameter (dbu) of a round shape drawn with its vertices on its circle, else None."""
    if poly.holes() or poly.num_points_hull() < ROUND_VERTICES:
        return None
    box = poly.bbox()
    cx, cy = (box.left + box.right) / 2, (box.bottom + box.top) / 2
    radii = sorted(math.hypot(p.x - cx, p.y - cy) for p in poly.each_point_hull())
    if radii[-1] - radii[0] > ON_ROUND:
        return None
    return round(2 * radii[len(radii) // 2])


def min_width_round(region: kdb.Region, d: Length, what: str) -> list[Markers]:
    """Every shape is at least d wide, a round opening by its diameter: drawn inscribed in its circle, a d um
    circle is a little narrower across its flats, and is still a d um opening (as the mask list measures it)."""
    narrow = region.width_check(d.dbu, False, kdb.Metrics.Projection)
    if narrow.is_empty():
        return []
    flagged = region.interacting(narrow.polygons(1)).dup()
    flagged.flatten()
    known: dict[tuple, bool] = {}                 # shape (up to translation) -> a round one at least d across
    wide = kdb.Region()
    for p in flagged.each():
        box = p.bbox()
        key = (p.num_points(), box.width(), box.height(), p.area())
        if key not in known:
            known[key] = (round_diameter(p) or -ON_ROUND) + ON_ROUND >= d.dbu
        if known[key]:
            wide.insert(p)
    if not wide.is_empty():
        region = region.not_interacting(wide)
        narrow = region.width_check(d.dbu, False, kdb.Metrics.Projection)
    return _keep([Markers(f"{what} narrower than {d}", narrow, measure=True, per="first", first=region)])


def min_space(region: kdb.Region, d: Length, what: str, between_shapes_only: bool = False,
              describe: Describe | None = None) -> list[Markers]:
    """Shapes keep at least d apart (with between_shapes_only, notches inside one shape are not checked)."""
    found = region.isolated_check(d.dbu) if between_shapes_only else region.space_check(d.dbu)
    return _keep([Markers(f"{what} closer than {d}", found, measure=True, per="pair", first=region,
                          describe=describe)])


def off_grid(region: kdb.Region, grid: int, grid_um: float, layer: str) -> list[Markers]:
    """Every drawn vertex lies on the manufacturing grid; the shapes with off-grid vertices are flagged."""
    if grid <= 1:
        return []
    raw = region.dup()
    raw.merged_semantics = False  # the vertices as drawn, not those of the merged outline
    vertices = raw.grid_check(grid, grid)
    if vertices.is_empty():
        return []
    return _keep([Markers(f"shape with vertices off the {grid_um:g} um grid on layer {layer}",
                          raw.interacting(vertices.polygons(1)))])


# ----------------------------------------------------------------------------- pad, passivation, UBM
def covers(outer: kdb.Region, inner: kdb.Region, d: Length, outer_name: str, inner_name: str,
           uncovered: str | None) -> list[Markers]:
    """`outer` encloses each `inner` shape it overlaps by at least d; with `uncovered` (the message), every inner
    shape needs an outer one (UBM over each passivation opening, sacrificial layer 140 under each bump)."""
    found = enclosed(outer, inner, d, outer_name, inner_name, orphans=False)
    if uncovered is not None:
        found += _keep([Markers(uncovered, inner.not_overlapping(outer))])
    return found


def ubm_island(ubm: kdb.Region, pasv: kdb.Region, lands: kdb.Region | None) -> list[Markers]:
    """Each merged UBM island covers exactly one passivation opening; islands on RDL lands may cover none."""
    empty = ubm.not_overlapping(pasv)
    if lands is not None:
        empty = empty.not_overlapping(lands)
    return _keep([
        Markers("UBM island covers no passivation opening", empty),
        Markers("UBM island covers two or more passivation openings", ubm.overlapping(pasv, 2)),
    ])


# ----------------------------------------------------------------------------- nested openings
def nested(lower: kdb.Region, upper: kdb.Region, d: Length, lower_name: str, upper_name: str) -> list[Markers]:
    """The upper opening encloses the one below by at least d; no upper without a lower, no lower uncovered."""
    found = enclosed(upper, lower, d, f"{upper_name} opening", f"{lower_name} opening")
    found += _keep([Markers(f"{upper_name} opening has no {lower_name} opening below it",
                            upper.not_overlapping(lower))])
    return found


def aligned(lower: kdb.Region, upper: kdb.Region, max_offset: Length, chord_error: int,
            lower_name: str, upper_name: str) -> list[Markers]:
    """The centre of each opening inside an upper one lies within max_offset of the upper opening's centre."""
    inner = lower.inside(upper)
    zone = _centres(upper).minkowski_sum(disk(max_offset.dbu, chord_error)).merged()
    bad = _centres(inner).not_inside(zone)
    return _keep([Markers(f"{lower_name} opening is off-centre in the {upper_name} opening by more than "
                          f"{max_offset}", inner.interacting(bad))])


# ----------------------------------------------------------------------------- balls
def ball_opening(opening: kdb.Region, ubm: kdb.Region, ball: kdb.Region, d: Length,
                 opening_name: str) -> list[Markers]:
    """An opening that receives a ball exposes UBM and clears the ball footprint by at least d (001:c1, 003:c1)."""
    found = _keep([
        Markers(f"{opening_name} exposes no UBM", opening.not_overlapping(ubm)),
        Markers(f"{opening_name} receives no ball", opening.not_overlapping(ball)),
        Markers(f"ball lies in no {opening_name}", ball.not_overlapping(opening)),
    ])
    return found + enclosed(opening, ball, d, opening_name, "ball footprint", orphans=False)


# ----------------------------------------------------------------------------- cantilever (004)
def release_reach(sac: kdb.Region, windows: kdb.Region, d: Length, chord_error: int) -> list[Markers]:
    """Every point of sacrificial layer 140 lies within d of an etch window 160 (Euclidean; 004 Fig 12C/12G)."""
    sources = windows & sac
    grown = sources.minkowski_sum(disk(d.dbu, chord_error)) + sources
    # the grown windows overlap their neighbours': merging them first would flatten them into the die
    # cell, so look without the merge (the NOT merges its operands itself) and merge only to draw markers
    if (sac - grown).is_empty():
        return []
    far = sac - grown.merged()
    return _keep([Markers(f"sacrificial layer 140 farther than {d} from every etch window 160", far)])


def anchored(extent: kdb.Region, openings: kdb.Region, sac: kdb.Region, extent_is_box: bool = False) -> list[Markers]:
    """No piece of insulating layer 100 lies entirely on the sacrificial layer (suspended portion 102 joined to 101).

    The insulator is `extent` minus its `openings` (pad vias, etch windows 160): one polygon per die
    with a hole per window, which deep mode can only process flat in the die cell. So the check looks
    first at the insulator on and just around the sacrificial layer only: a piece lies entirely on the
    layer exactly when its part on the layer touches no insulator just outside the layer's edge. The
    whole insulator is formed (as the rule states) only to draw markers, or when the layer's rim is
    not inside the extent (`extent_is_box`: the extent is the top cell's box, compared by bounding box).
    """
    rimmed = sac.sized(_RIM)
    if extent_is_box:
        box = extent.bbox()
        inside = box.contains(rimmed.bbox().p1) and box.contains(rimmed.bbox().p2)
    else:
        inside = rimmed.not_inside(extent).is_empty()
    if inside and (sac - openings).not_interacting((rimmed - sac) - openings).is_empty():
        return []
    return _keep([Markers("suspended portion 102 of insulating layer 100 is not joined to an anchored joint "
                          "portion 101", (extent - openings).inside(sac))])


def arms(sac: kdb.Region, bump: kdb.Region, rdl: kdb.Region, expected: set[int] | None) -> list[Markers]:
    """Each sacrificial area under a bump is crossed by the expected number of RDL arms (line 110 + beams 111)."""
    held = sac.overlapping(bump)
    land_metal = rdl.overlapping(bump)
    crossing = land_metal - sac
    want = "at least 1" if expected is None else " or ".join(str(n) for n in sorted(expected))
    found = []
    for lo, hi in _forbidden_ranges(expected):
        if hi is None:
            region = held.interacting(crossing, lo) if lo > 0 else held
            found.append(Markers(f"suspended bump held by {lo} or more RDL arms (line 110 + support beams 111); "
                                 f"expected {want}", region))
            continue
        for n in range(lo, hi + 1):  # few: at most the largest declared count
            region = held.not_interacting(crossing) if n == 0 else held.interacting(crossing, n, n)
            found.append(Markers(f"suspended bump held by {n} RDL arm{'' if n == 1 else 's'} "
                                 f"(line 110 + support beams 111); expected {want}", region))
    return _keep(found)


def _forbidden_ranges(expected: set[int] | None) -> list[tuple[int, int | None]]:
    """Counts outside `expected` as closed ranges (hi None = unbounded); None expects at least one."""
    if not expected:
        return [(0, 0)]
    ranges: list[tuple[int, int | None]] = []
    start = 0
    for n in sorted(expected):
        if n > start:
            ranges.append((start, n - 1))
        start = n + 1
    ranges.append((start, None))
    return ranges


# ----------------------------------------------------------------------------- RDL
def rdl_connect(nets: kdb.Region, contacts: kdb.Region, bump: kdb.Region) -> list[Markers]:
    """Each bump reaches exactly one pad through RDL; no net joins two pads (002:c13, 004:c1)."""
    open_nets = nets.overlapping(bump).not_overlapping(contacts)
    return _keep([
        Markers("RDL net joins two or more pads", nets.interacting(contacts, 2)),
        Markers("bump reaches no pad through RDL", bump.interacting(open_nets)),
    ])


@dataclass(frozen=True)
class Terminal:
    """A pad or bump centre (dbu, top cell) with its net as the build manifest declares it (None: no net)."""

    name: str
    x: int
    y: int
    net: str | None
    bump: bool


def rdl_nets(nets: Sequence[kdb.Polygon], terminals: Sequence[Terminal], routed: set[str]) -> list[Markers]:
    """RDL joins only terminals of one net (a spare bump, on no net, is a net of its own) and each bump of a
    routed net reaches a pad of its net (002:c13: the RDL joins each bump to its chip pad).

    `nets` are the merged polygons of RDL + UBM + bump metal; a terminal belongs to the polygon its centre lies in.
    """
    owner = _point_owners(nets, terminals)
    held: dict[int, list[Terminal]] = {}
    for t, i in zip(terminals, owner, strict=True):
        if i is not None:
            held.setdefault(i, []).append(t)
    joined, lonely = kdb.Region(), kdb.Region()
    joined_names: list[str] = []
    for i in sorted(held):
        ts = held[i]
        keys = sorted({t.net if t.net is not None else f"{t.name} (no net)" for t in ts})
        if len(keys) > 1:
            joined.insert(nets[i])
            joined_names.append(" and ".join(keys[:3]) + (" ..." if len(keys) > 3 else ""))
        elif all(t.bump for t in ts) and any(t.net in routed for t in ts):
            lonely.insert(nets[i])
    what = f" ({'; '.join(joined_names[:3])}{'; ...' if len(joined_names) > 3 else ''})" if joined_names else ""
    return _keep([Markers(f"RDL joins terminals of different nets{what}", joined),
                  Markers("bump of a routed net reaches no pad of its net through RDL", lonely)])


def _point_owners(polygons: Sequence[kdb.Polygon], terminals: Sequence[Terminal]) -> list[int | None]:
    """Index of the polygon each terminal's centre lies in (bucket grid of polygon boxes, exact test)."""
    sizes = sorted(max(p.bbox().width(), p.bbox().height()) for p in polygons) or [1]
    cell = max(1, sizes[len(sizes) // 2])
    buckets: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(polygons):
        b = p.bbox()
        for gx in range(b.left // cell, b.right // cell + 1):
            for gy in range(b.bottom // cell, b.top // cell + 1):
                buckets.setdefault((gx, gy), []).append(i)
    out: list[int | None] = []
    for t in terminals:
        at = kdb.Point(t.x, t.y)
        out.append(next((i for i in buckets.get((t.x // cell, t.y // cell), ())
                         if polygons[i].bbox().contains(at) and polygons[i].inside(at)), None))
    return out


# ----------------------------------------------------------------------------- bumps, die
def bump_space(bumps: kdb.Region, d: Length, what: str) -> list[Markers]:
    """Bumps keep at least d apart; overlapping bumps bridge."""
    return _keep([
        Markers(f"{what} overlap (bridging)", bumps.merged(False, 2)),
        Markers(f"{what} closer than {d} (bridging risk)", bumps.isolated_check(d.dbu), measure=True, per="pair",
                first=bumps),
    ])


def die_edge(pad: kdb.Region, die: kdb.Region, d: Length) -> list[Markers]:
    """Every pad centre lies at least d inside the die edge."""
    bad = _centres(pad).not_inside(_die_zone(die, d))
    return _keep([Markers(f"pad centre closer than {d} to the die edge", pad.interacting(bad))])


def die_edge_clean(pad: kdb.Region, die: kdb.Region, d: Length) -> bool:
    """True when die_edge finds nothing (pads merged already, merged semantics off: one centre per shape)."""
    return _centres(pad).not_inside(_die_zone(die, d)).is_empty()


def _die_zone(die: kdb.Region, d: Length) -> kdb.Region:
    """Where a pad centre may lie: the die shrunk by d (less one dbu: a centre exactly d inside is allowed)."""
    return die.sized(-(d.dbu - 1)) if d.dbu > 0 else die


# ----------------------------------------------------------------------------- process level
def sensitivity_rises(resists: Sequence[tuple[str, str, float | None]]) -> list[Markers]:
    """Resist photosensitivity rises strictly from the lowest (PR1) to the highest resist (000:c4, c11)."""
    found = []
    for layer, material, value in resists:
        if value is None:
            found.append(Markers(f"{layer} resist {material} has no photosensitivity in the PDK", None))
    known = [(layer, material, value) for layer, material, value in resists if value is not None]
    for (lo_layer, lo_mat, lo_val), (hi_layer, hi_mat, hi_val) in zip(known, known[1:], strict=False):
        if not hi_val > lo_val:
            found.append(Markers(
                f"{hi_layer} resist {hi_mat} ({hi_val:g} cm2/J) is not more photosensitive than "
                f"{lo_layer} resist {lo_mat} ({lo_val:g} cm2/J) below it", None))
    return found


def claimed_materials(choices: Sequence[tuple[str, str, str | None, Sequence[str] | None, str | None, bool]]
                      ) -> list[Markers]:
    """Every material of the process is in the claimed list of its role.

    Each choice is (role, material, claim role, allowed list, claim, material known to the PDK).
    """
    found = []
    for role, material, claim_role, allowed, claim, known in choices:
        if not known:
            found.append(Markers(f"role {role}: material {material} is not in the PDK material table", None))
        elif allowed is not None and material not in allowed:
            found.append(Markers(f"role {role}: material {material} is not claimed for {claim_role} "
                                 f"({claim}); allowed: {', '.join(allowed)}", None))
    return found
