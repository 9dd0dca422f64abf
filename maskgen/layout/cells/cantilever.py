"""The suspended-cantilever bump of 004, embodiments 1 to 6 (Figs 5 to 11), bump 120 centred at the origin.

Bump 120 sits on a land at the end of metal line 110, which comes from pad 91 at
`Cantilever.pad_offset`. Under the bump lies the layer that lets it move: a
sacrificial layer 140 (released through etch windows 160 in embodiments 1 and 2,
kept in 3), an elastic layer 150 (5), both (4), or, in embodiment 6, the part
1042 of the second insulating layer 104 that sits on the substrate through an
opening in the first insulating layer 103.

Geometry decisions, in one place (`cantilever_plan`):
- Metal line 110 leaves the bump on a 45-degree leg and reaches the pad on an
  axis-aligned one, so where it crosses the suspended portion it runs radially
  like the beams; a via landing of via + 2 x clearance covers the pad via.
- Support beams 111 run radially from the land centre to the edge of the layer
  under the bump plus the overhang, at multiples of 45 degrees chosen to keep
  the largest angle to the line and to each other (closest to evenly spaced).
- Etch windows 160 are a slotted ring: inner radius land radius + clearance,
  width slot_width, inside the sacrificial disc, minus every RDL shape grown by
  the clearance. So a bridge of arm width + 2 x clearance stays under each arm
  and the suspended portion 102 hangs from the joint portion 101 through those
  bridges only. The protection layer 170 is opened over the windows too, or the
  release etch (12G) could not reach the sacrificial layer.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import gdstk
import numpy as np

from maskgen.errors import GeometryError, InputError, given
from maskgen.input import constraints
from maskgen.input.pdk import Pdk, Process, load_pdk
from maskgen.input.recipe import BumpStack, Cantilever
from maskgen.layout.cells import common
from maskgen.layout.cells.base import Builder, Shapes, assembly, disc, part
from maskgen.layout.cells.rdl import rdl_line, route_points
from maskgen.layout.geometry import circle_points, circle_vertex_count, points

PROCESS = "cantilever_wlcsp"
"""The process whose `embodiments:` table (processes/cantilever_wlcsp.yaml) says what each embodiment draws."""

BEAM_STEP = 45
"""Support beams 111 run at multiples of this angle (degrees), like 45-degree RDL."""


@dataclass(frozen=True)
class Arm:
    """A metal arm across the suspended portion: metal line 110 or support beam 111 (RDL on insulator).

    Args:
        kind: "line" (metal line 110) or "beam" (support beam 111).
        width: metal width in um.
        length: free length in um, from the land edge to where the layer under the bump ends.
    """

    kind: Literal["line", "beam"]
    width: float
    length: float


@dataclass(frozen=True)
class CantileverPlan:
    """The derived geometry of one cantilever bump, um about the bump centre.

    Args:
        embodiment: 1 to 6.
        route: centre line of metal line 110, from the bump centre to pad 91.
        line_angle: direction (degrees) in which line 110 leaves the land.
        beam_angles: directions (degrees) of support beams 111.
        land_radius: radius of the bump land.
        under_radius: radius of what lies under the bump (sacrificial 140, elastic 150 or opening for 1042).
        beam_radius: where the beams end, under_radius + overhang.
        via_landing: diameter of the RDL landing over the pad via.
    """

    embodiment: int
    route: tuple[tuple[float, float], ...]
    line_angle: float
    beam_angles: tuple[int, ...]
    land_radius: float
    under_radius: float
    beam_radius: float
    via_landing: float

    def slot_radii(self, spec: Cantilever) -> tuple[float, float]:
        """Inner and outer radius of the slot ring of etch windows 160: land + clearance, + slot width."""
        inner = self.land_radius + given(spec.clearance, "cantilever.clearance")
        return inner, inner + given(spec.slot_width, "cantilever.slot_width")


# ----------------------------------------------------------------------------- public API
def cantilever_features(spec: Cantilever, process: Process | None = None) -> frozenset[str]:
    """The process conditions an embodiment switches on (the `when:` keys of processes/cantilever_wlcsp.yaml), from
    the process's `embodiments:` table (the default PDK's when no process is given).

    SAC: sacrificial layer 140; ELASTIC: elastic layer 150; release: wet etch 12G; one_insulator: insulating
    layer 100; two_insulators and INS2: layers 103 and 104.
    """
    if process is None:
        process = load_pdk("default").processes[PROCESS]
    return process.embodiment(spec.embodiment)


def cantilever_arms(stack: BumpStack, spec: Cantilever, *, contact_diameter: float | None = None,
                    process: Process | None = None) -> list[Arm]:
    """The metal arms spanning suspended portion 102: line 110 then each support beam 111 (for the stiffness model).

    The free length runs from the land edge to the edge of the layer under the bump (where insulating
    layer 100 is anchored): along the route for the line, radially for the beams.

    Args:
        stack: the common bump stack (pad size).
        spec: the cantilever block of the recipe.
        contact_diameter: embodiment 6 only, see `cantilever_plan`.
        process: the process whose `embodiments:` table applies (default: the default PDK's cantilever_wlcsp).
    """
    plan = cantilever_plan(stack, spec, contact_diameter=contact_diameter, process=process)
    line = _distance_along(plan.route, plan.under_radius) - _distance_along(plan.route, plan.land_radius)
    beams = spec.support_beams
    return [Arm("line", spec.line_width, float(line))] + [
        Arm("beam", beams.width, plan.under_radius - plan.land_radius) for _ in plan.beam_angles]


def cantilever_plan(stack: BumpStack, spec: Cantilever, *, contact_diameter: float | None = None,
                    process: Process | None = None) -> CantileverPlan:
    """Route, beam directions and radii of a cantilever bump; ValueError if they cannot be drawn.

    Args:
        stack: the common bump stack (pad size and shape, passivation opening).
        spec: the cantilever block of the recipe.
        contact_diameter: embodiment 6: diameter of the opening in first insulating layer 103 under the
            bump, where portion 1042 of layer 104 lies on the substrate; default the sacrificial_diameter
            (the area the sacrificial layer takes in embodiments 1-4).
        process: the process whose `embodiments:` table applies (default: the default PDK's cantilever_wlcsp).
    """
    e = spec.embodiment
    f = cantilever_features(spec, process)
    px, py = spec.pad_offset
    if spec.slot_width is None or spec.clearance is None:
        raise GeometryError("cantilever slot_width and clearance are not set: a recipe takes them from its process "
                            "(maskgen.design.families.cantilever_wlcsp.fill_defaults)", key="slot_width")
    if math.hypot(px, py) == 0.0:
        raise GeometryError("cantilever pad_offset is (0, 0): pad 91 must lie beside the bump, on the anchored "
                            "joint portion 101, with metal line 110 between them", key="pad_offset")
    if "ELASTIC" in f and spec.elastic_diameter is None:
        raise GeometryError(f"cantilever embodiment {e} has elastic layer 150: give elastic_diameter (004:c6, c9)",
                            key="elastic_diameter")
    if {"ELASTIC", "SAC"} <= f:
        under = max(spec.sacrificial_diameter, given(spec.elastic_diameter, "cantilever.elastic_diameter"))
    elif "ELASTIC" in f:
        under = given(spec.elastic_diameter, "cantilever.elastic_diameter")
    elif "two_insulators" in f:
        under = contact_diameter or spec.sacrificial_diameter
    else:
        under = spec.sacrificial_diameter
    land_radius = spec.land_diameter / 2
    under_radius = under / 2
    if under_radius <= land_radius:
        raise GeometryError(f"cantilever: the layer under the bump ({under:g} um) must be wider than the bump land "
                            f"({spec.land_diameter:g} um), or no arm spans the suspended portion 102")
    pad_reach = _pad_circumradius(stack.pad.width, stack.pad.shape)
    if math.hypot(px, py) - pad_reach < under_radius + spec.clearance:
        raise GeometryError(f"cantilever: pad 91 at ({px:g}, {py:g}) um reaches within {spec.clearance:g} um "
                            f"(clearance) of the {under:g} um wide layer under the bump: the pad must lie on the "
                            f"anchored joint portion 101; move it further out", key="clearance")
    route = tuple((float(x), float(y)) for x, y in route_points((0.0, 0.0), (float(px), float(py)), "45"))
    exit_x, exit_y = _point_along(route, _distance_along(route, land_radius))
    line_angle = math.degrees(math.atan2(exit_y, exit_x)) % 360.0
    return CantileverPlan(
        embodiment=e, route=route, line_angle=line_angle,
        beam_angles=beam_angles(line_angle, spec.support_beams.count),
        land_radius=land_radius, under_radius=under_radius,
        beam_radius=under_radius + spec.support_beams.overhang,
        via_landing=stack.passivation_opening + 2 * spec.clearance)


def beam_angles(line_angle: float, count: int) -> tuple[int, ...]:
    """Directions of `count` support beams 111 (multiples of 45 degrees, away from the line).

    Among all choices, the one with the largest smallest angle between any two arms (line included)
    wins; ties go to the choice closest to arms evenly spaced around the land.
    """
    if count <= 0:
        return ()
    ideal = [(k * 360.0 / (count + 1)) for k in range(1, count + 1)]

    def score(choice: tuple[int, ...]) -> tuple[float, float]:
        arms = [line_angle, *choice]
        gap = min(_angle_between(a, c) for a, c in itertools.combinations(arms, 2))
        rel = sorted((a - line_angle) % 360.0 for a in choice)
        return round(gap, 6), -round(sum(abs(r - i) for r, i in zip(rel, ideal, strict=True)), 6)

    candidates = range(0, 360, BEAM_STEP)
    if count > len(candidates) - 1:
        raise GeometryError(f"cantilever: at most {len(candidates) - 1} support beams 111 fit around the land",
                            key="support_beams")
    return max(itertools.combinations(candidates, count), key=score)


def cantilever_error(file: Path, exc: ValueError) -> InputError:
    """A cantilever geometry that cannot be drawn as one input error naming the cantilever key it is about
    (`GeometryError.key`; a ValueError from elsewhere names the block)."""
    key = exc.key if isinstance(exc, GeometryError) else None
    return InputError(file, f"cantilever.{key}" if key else "cantilever", None, str(exc))


def cantilever_bump(b: Builder, stack: BumpStack, spec: Cantilever, ball_diameter: float, reflow_width: float,
                    *, contact_diameter: float | None = None) -> gdstk.Cell:
    """Suspended-cantilever bump of 004 (embodiment `spec.embodiment`), bump 120 at the origin, pad 91 at pad_offset.

    Checks the geometry against the PDK rules first (GeometryError naming the rule and its key), then assembles
    the part cells, each shared by every bump with the same parameters: an assembly named
    cantilever_bump_e<n>_<cells at pad 91>_<pad_offset>_<cells at the bump>.

    Args:
        stack: the common bump stack: pad 91, passivation opening, UBM diameter.
        spec: the cantilever block of the recipe.
        ball_diameter: footprint of the placed ball of bump 120 (um).
        reflow_width: predicted width of the reflowed bump (um).
        contact_diameter: embodiment 6 only, see `cantilever_plan`.
    """
    process = b.pdk.processes.get(PROCESS)
    plan = cantilever_plan(stack, spec, contact_diameter=contact_diameter, process=process)
    check_rules(b.pdk, stack, spec, plan, ball_diameter)
    e = spec.embodiment
    f = cantilever_features(spec, process)
    windows = release_windows(b, spec, plan) if "release" in f else []
    if "release" in f:
        check_release(b, spec, plan, windows)

    at_pad = [common.pad_stack(b, stack.pad.width, stack.pad.shape, stack.passivation_opening)]
    if "two_insulators" in f:
        at_pad += [pad_via(b, plan.via_landing, "INS1"), pad_via(b, stack.passivation_opening, "INS2")]
    else:
        at_pad.append(pad_via(b, stack.passivation_opening, "INS1"))
    at_bump: list[gdstk.Cell] = []
    if "ELASTIC" in f:
        at_bump.append(elastic_layer(b, given(spec.elastic_diameter, "cantilever.elastic_diameter")))
    if "SAC" in f:
        at_bump.append(sacrificial_layer(b, spec.sacrificial_diameter))
    if "two_insulators" in f:
        at_bump.append(contact_opening(b, 2 * plan.under_radius))
    if windows:
        at_bump.append(etch_windows(b, plan.slot_radii(spec), windows))
    at_bump += [
        metal_line(b, spec.pad_offset, spec.line_width, plan.via_landing),
        bump_land(b, spec.land_diameter),
    ]
    if plan.beam_angles:
        at_bump.append(support_beams(b, plan.beam_angles, spec.support_beams.width, plan.beam_radius))
    at_bump += [
        protection_opening(b, spec.protection_opening),
        common.ubm_island(b, stack.ubm_diameter),
        common.solder_footprint(b, ball_diameter),
        common.reflow_outline(b, reflow_width),
    ]
    return assembly(b, f"cantilever_bump_e{e}", [*((piece, spec.pad_offset) for piece in at_pad), *at_bump])


# ----------------------------------------------------------------------------- part cells
@part("pad_via", order=("layer", "diameter"))
def pad_via(b: Builder, diameter: float, layer: str = "INS1") -> Shapes:
    """Pad via over pad 91: opening in insulating layer 100 (INS1), or in 103 (INS1) / 104 (INS2) of embodiment 6.

    Args:
        diameter: opening diameter in um.
        layer: INS1 or INS2.
    """
    return [b.circle(diameter, layer)]


sacrificial_layer = disc(
    "sacrificial_layer", "SAC",
    "Sacrificial layer 140 (SAC): disc under bump 120, released (1, 2) or kept to crack under overload (3, 4).")


elastic_layer = disc(
    "elastic_layer", "ELASTIC",
    "Elastic layer 150 (ELASTIC): disc under bump 120, alone (5) or carrying sacrificial layer 140 (4).")


contact_opening = disc(
    "contact_opening_1042", "INS1",
    "Opening in first insulating layer 103 (INS1) under bump 120, where portion 1042 of 104 meets the substrate.",
    name="contact_opening")


@part("etch_windows")
def etch_windows(b: Builder, slot: tuple[float, float], windows: Sequence[np.ndarray]) -> Shapes:
    """Release etch windows 160: slotted ring in insulating layer 100 (INS1), opened in protection layer 170 too.

    Named by the slot radii and a digest of the snapped window outlines themselves: every input that shapes
    them (land, clearance, slots, arms) is in the name, so two specs share the cell only when their windows
    are the same.

    Args:
        slot: inner and outer radius of the slot ring, um (`CantileverPlan.slot_radii`).
        windows: window polygons from `release_windows`.
    """
    return [p for w in windows for p in (b.polygon(w, "INS1"), b.polygon(w, "PROT"))]


@part("metal_line", order=("width", "pad_offset", "via_landing"))
def metal_line(b: Builder, pad_offset: tuple[float, float], width: float, via_landing: float) -> Shapes:
    """Metal line 110 (RDL) from the bump centre to pad 91, 45-degree then axis-aligned, with a landing on the via.

    Args:
        pad_offset: pad centre relative to the bump (um).
        width: line width in um.
        via_landing: diameter of the RDL disc covering the pad via.
    """
    return [*_line_polygons(b, pad_offset, width), b.circle(via_landing, "RDL", pad_offset)]


bump_land = disc(
    "bump_land", "RDL",
    "RDL land under bump 120 at the end of metal line 110; carries the UBM.")


@part("support_beams", order=("width", "length", "angles"))
def support_beams(b: Builder, angles: Sequence[float], width: float, length: float) -> Shapes:
    """Support beams 111 (RDL): radial bars from the land centre out onto the anchored portion 101 (004:c2).

    Args:
        angles: beam directions in degrees.
        width: beam width in um.
        length: from the bump centre to the beam end, um.
    """
    return _beam_polygons(b, angles, width, length)


protection_opening = disc(
    "protection_opening", "PROT",
    "Opening in protection layer 170 (PROT) over the bump land, where the UBM meets the land.")


# ----------------------------------------------------------------------------- checks
def check_rules(pdk: Pdk, stack: BumpStack, spec: Cantilever, plan: CantileverPlan, ball_diameter: float) -> None:
    """The cantilever bump keeps the PDK rules it can break by itself; ValueError naming the rule otherwise."""
    f = cantilever_features(spec, pdk.processes.get(PROCESS))
    width = constraints.rdl_width(pdk).rule
    if spec.line_width < width:
        raise GeometryError(f"cantilever line_width {spec.line_width:g} um is below RDL.WIDTH {width:g} um",
                            key="line_width")
    if plan.beam_angles and spec.support_beams.width < width:
        raise GeometryError(f"cantilever support_beams.width {spec.support_beams.width:g} um is below "
                            f"RDL.WIDTH {width:g} um", key="support_beams.width")
    enclosure = constraints.rdl_encloses_ubm(pdk, stack.ubm_diameter)
    if constraints.below(spec.land_diameter, enclosure):
        raise GeometryError(f"cantilever land_diameter {spec.land_diameter:g} um must enclose the UBM "
                            f"({stack.ubm_diameter:g} um) by RDL.ENCLOSES_UBM {enclosure.rule:g} um a side",
                            key="land_diameter")
    if spec.protection_opening >= stack.ubm_diameter:
        raise GeometryError(f"cantilever protection_opening {spec.protection_opening:g} um must be smaller than the "
                            f"UBM ({stack.ubm_diameter:g} um) that covers it", key="protection_opening")
    if "SAC" in f:
        under = constraints.sac_under_bump(pdk, ball_diameter)
        if constraints.below(spec.sacrificial_diameter, under):
            raise GeometryError(f"cantilever sacrificial_diameter {spec.sacrificial_diameter:g} um must enclose "
                                f"bump 120 ({ball_diameter:g} um) by SAC.UNDER_BUMP {under.rule:g} um a side (004:c3)",
                                key="sacrificial_diameter")
    elastic = spec.elastic_diameter
    if {"ELASTIC", "SAC"} <= f and elastic is not None and elastic < spec.sacrificial_diameter:
        raise GeometryError(f"cantilever embodiment {spec.embodiment}: sacrificial layer 140 "
                            f"({spec.sacrificial_diameter:g} um) "
                            f"lies on elastic layer 150, which must be at least as wide "
                            f"(elastic_diameter {spec.elastic_diameter:g} um, 004:c6)", key="elastic_diameter")
    if "release" in f:
        inner, outer = plan.slot_radii(spec)
        if outer > spec.sacrificial_diameter / 2 + 1e-9:
            raise GeometryError(f"cantilever: the slot ring of etch windows 160 (land {spec.land_diameter:g} + "
                                f"2 x clearance {spec.clearance:g} + 2 x slot_width {spec.slot_width:g} = "
                                f"{2 * outer:g} um) must lie inside sacrificial layer 140 "
                                f"({spec.sacrificial_diameter:g} um)", key="slot_width")
    space = constraints.rdl_space(pdk).rule
    if plan.beam_angles:
        px, py = spec.pad_offset
        half = spec.support_beams.width / 2
        tip = math.hypot(plan.beam_radius, half)
        room = math.hypot(px, py) - _pad_circumradius(stack.pad.width, stack.pad.shape) - space
        if tip > room:
            raise GeometryError(f"cantilever support beams 111 reach {tip:.1f} um from the bump centre, within "
                                f"RDL.SPACE {space:g} um of pad 91 ({math.hypot(px, py):.1f} um away): a beam must "
                                f"touch no pad (004 Fig 7); reduce support_beams.overhang or the layer under the bump",
                                key="support_beams.overhang")


def release_windows(b: Builder, spec: Cantilever, plan: CantileverPlan) -> list[np.ndarray]:
    """Etch windows 160: the slot ring inside sacrificial layer 140 minus every RDL shape grown by the clearance.

    What is left of the ring leaves a bridge of arm width + 2 x clearance under line 110 and each beam 111:
    the suspended portion 102 inside the ring hangs from the joint portion 101 through those bridges.
    """
    tol = b.chord_error
    inner, outer = plan.slot_radii(spec)
    hole = circle_points(2 * inner, tol)
    hole /= math.cos(math.pi / len(hole))  # circumscribed: chords keep the full clearance from the land
    ring = gdstk.boolean(gdstk.Polygon(points(circle_points(2 * outer, tol))), gdstk.Polygon(points(hole)), "not")
    ring = gdstk.boolean(ring, gdstk.Polygon(points(circle_points(spec.sacrificial_diameter, tol))), "and")
    metal = _line_polygons(b, spec.pad_offset, spec.line_width)
    metal += _beam_polygons(b, plan.beam_angles, spec.support_beams.width, plan.beam_radius)
    clearance = given(spec.clearance, "cantilever.clearance")
    keepout = gdstk.offset(metal, clearance, join="round",
                           tolerance=circle_vertex_count(2 * clearance, tol), use_union=True)
    pieces = gdstk.boolean(ring, keepout, "not")
    smallest = (given(spec.slot_width, "cantilever.slot_width") / 2) ** 2
    return [np.asarray(p.points) for p in pieces if p.area() >= smallest]


def check_release(b: Builder, spec: Cantilever, plan: CantileverPlan, windows: Sequence[np.ndarray]) -> None:
    """Every point of sacrificial layer 140 lies within SUSP.RELEASE of an etch window 160 (Fig 12C, 12G)."""
    reach = b.pdk.rule_value("SUSP.RELEASE")
    inner, outer = plan.slot_radii(spec)
    if not windows:
        raise GeometryError(f"cantilever: the bridges under line 110 and the {len(plan.beam_angles)} support beams "
                            f"111 leave no etch window 160 in the slot ring; use fewer or narrower arms",
                            key="support_beams")
    margin = 2 * (b.chord_error + b.grid)
    sac = gdstk.Polygon(points(circle_points(spec.sacrificial_diameter, b.chord_error)))
    shapes = [gdstk.Polygon(points(w)) for w in windows]

    def unreached(distance: float) -> bool:
        grown = gdstk.offset(shapes, distance, join="round", use_union=True,
                             tolerance=circle_vertex_count(2 * distance, b.chord_error))
        return sum(p.area() for p in gdstk.boolean(sac, grown, "not")) > b.grid ** 2

    if not unreached(reach - margin):
        return
    lo, hi = reach, spec.sacrificial_diameter
    while hi - lo > 1.0:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if unreached(mid) else (lo, mid)
    raise GeometryError(f"cantilever: sacrificial layer 140 ({spec.sacrificial_diameter:g} um) has points about "
                        f"{hi:.0f} um from the nearest etch window 160, beyond SUSP.RELEASE {reach:g} um: the slot "
                        f"ring (radius {inner:g} to {outer:g} um) releases a disc of at most about "
                        f"{2 * (outer + reach):.0f} um and needs land_diameter + 2 x clearance "
                        f"<= {2 * reach:g} um; reduce sacrificial_diameter or the land", key="land_diameter")


# ----------------------------------------------------------------------------- helpers
def _line_polygons(b: Builder, pad_offset: tuple[float, float], width: float) -> list[gdstk.Polygon]:
    """Polygons of metal line 110 from the bump centre to the pad (RDL): 45-degree leg first, then axis-aligned."""
    return rdl_line(b, (0.0, 0.0), (float(pad_offset[0]), float(pad_offset[1])), width, "45")


def _beam_polygons(b: Builder, angles: Sequence[float], width: float, length: float) -> list[gdstk.Polygon]:
    """Radial bars of the given width from the origin to `length`, one per angle (RDL)."""
    bar = np.array([(0.0, -width / 2), (length, -width / 2), (length, width / 2), (0.0, width / 2)])
    out = []
    for a in angles:
        t = math.radians(a)
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        out.append(b.polygon(bar @ rot.T, "RDL"))
    return out


def _distance_along(route: Sequence[tuple[float, float]], radius: float) -> float:
    """Length along the route (starting at the bump centre) where it first leaves the circle of `radius`."""
    done = 0.0
    for a, c in itertools.pairwise(np.asarray(route, dtype=float)):
        d = c - a
        seg = float(np.hypot(*d))
        if np.hypot(*c) >= radius and seg > 0:
            p, q, r = d @ d, 2 * (a @ d), a @ a - radius * radius
            t = (-q + math.sqrt(max(q * q - 4 * p * r, 0.0))) / (2 * p)
            return done + min(max(t, 0.0), 1.0) * seg
        done += seg
    raise GeometryError(f"cantilever: metal line 110 never leaves the circle of radius {radius:g} um around the bump")


def _point_along(route: Sequence[tuple[float, float]], distance: float) -> tuple[float, float]:
    """The point of the route at a length along it."""
    for a, c in itertools.pairwise(np.asarray(route, dtype=float)):
        seg = float(np.hypot(*(c - a)))
        if distance <= seg:
            x, y = a + (c - a) * (distance / seg)
            return float(x), float(y)
        distance -= seg
    return route[-1]


def _angle_between(a: float, c: float) -> float:
    """Smallest angle between two directions, degrees."""
    d = abs(a - c) % 360.0
    return min(d, 360.0 - d)


def _pad_circumradius(width: float, shape: str) -> float:
    """Farthest reach of pad 91 from its centre: square, octagon (across flats) or circle."""
    if shape == "square":
        return width / math.sqrt(2.0)
    if shape == "octagon":
        return width / 2 / math.cos(math.pi / 8)
    return width / 2
