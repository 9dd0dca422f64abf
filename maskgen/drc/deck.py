"""The rule deck: for each rule id of the PDK, when it applies and which check it runs on which layers.

A rule function takes the run (layers, PDK, process context) and the PDK rule,
and returns the `Markers` of its checks, or raises `NotApplicable` with the
reason (layers absent, no process known). Values come from the PDK rule, in um,
converted once to database units.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import klayout.db as kdb

from maskgen.drc import checks
from maskgen.drc.checks import Length, Markers
from maskgen.drc.context import ProcessContext, claim_role
from maskgen.drc.layers import LayoutLayers
from maskgen.pdk import Pdk, Rule, claimed_for

STAIR_LAYERS = ("PR1", "PR2", "PR3", "PR4")
SOLDER_MASK_LAYERS = ("SM1", "SM2", "SM3")


class NotApplicable(Exception):
    """A rule that does not apply to this layout or process; the message is the reason."""


@dataclass
class Run:
    """One DRC run: the layout's regions, the PDK and what is known about the process."""

    layers: LayoutLayers
    pdk: Pdk
    process: ProcessContext

    def need(self, *names: str) -> None:
        """Raise NotApplicable naming the canonical layers that are absent from the layout."""
        missing = [n for n in names if not self.layers.has(n)]
        if missing:
            raise NotApplicable(f"no {', '.join(missing)} shapes in the layout")

    def need_process(self) -> ProcessContext:
        """Raise NotApplicable when no process is known (no manifest, no --process)."""
        if self.process.process is None:
            raise NotApplicable("no process: no build manifest beside the layout and no --process given")
        return self.process

    def length(self, rule: Rule, um: float | None = None) -> Length:
        """A rule's value (or `um`) as a Length in database units."""
        value = rule.value if um is None else um
        if value is None:
            raise NotApplicable("rule has no value in the PDK")
        return Length(self.layers.to_dbu(value), value)

    @property
    def chord_error(self) -> int:
        """The PDK's circle chord error in database units (at least 1)."""
        return max(1, self.layers.to_dbu(self.pdk.deck.chord_error))

    def layer(self, name: str) -> kdb.Region:
        """Region of a canonical layer."""
        return self.layers.region(name)


RuleFn = Callable[[Run, Rule], list[Markers]]
RULES: dict[str, RuleFn] = {}


def checks_rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register the function that checks a rule id."""
    def register(fn: RuleFn) -> RuleFn:
        RULES[rule_id] = fn
        return fn
    return register


# ----------------------------------------------------------------------------- pad, passivation, UBM
@checks_rule("PASV.IN_PAD")
def _pasv_in_pad(run: Run, rule: Rule) -> list[Markers]:
    run.need("PAD", "PASV")
    return checks.pasv_in_pad(run.layer("PAD"), run.layer("PASV"), run.length(rule))


@checks_rule("PASV.WIDTH")
def _pasv_width(run: Run, rule: Rule) -> list[Markers]:
    run.need("PASV")
    return checks.min_width(run.layer("PASV"), run.length(rule), "passivation opening")


@checks_rule("UBM.COVERS_PASV")
def _ubm_covers_pasv(run: Run, rule: Rule) -> list[Markers]:
    run.need("UBM", "PASV")
    # with RDL the UBM sits on a land away from the pad (002:c13, 004): only UBM over an opening must cover it
    every = not run.layers.has("RDL")
    return checks.ubm_covers_pasv(run.layer("UBM"), run.layer("PASV"), run.length(rule), every_opening=every)


@checks_rule("UBM.ISLAND")
def _ubm_island(run: Run, rule: Rule) -> list[Markers]:
    run.need("UBM", "PASV")
    lands = run.layer("RDL") if run.layers.has("RDL") else None
    return checks.ubm_island(run.layer("UBM"), run.layer("PASV"), lands)


# ----------------------------------------------------------------------------- nested openings
def _stack(run: Run, names: tuple[str, ...]) -> list[str]:
    present = [n for n in names if run.layers.has(n)]
    if len(present) < 2:
        found = ", ".join(present) or "none"
        raise NotApplicable(f"needs two or more of {'/'.join(names)} opening layers (found: {found})")
    return present


@checks_rule("STAIR.NEST")
def _stair_nest(run: Run, rule: Rule) -> list[Markers]:
    stack = _stack(run, STAIR_LAYERS)
    d = run.length(rule)
    found: list[Markers] = []
    for lower, upper in zip(stack, stack[1:], strict=False):
        found += checks.nested(run.layer(lower), run.layer(upper), d, lower, upper)
    return found


@checks_rule("SM.NEST")
def _sm_nest(run: Run, rule: Rule) -> list[Markers]:
    stack = _stack(run, SOLDER_MASK_LAYERS)
    d = run.length(rule)
    d = Length(max(d.dbu, 1), d.um)  # strictly larger even with a zero step (002:c1)
    offset = rule.params.get("max_offset")
    found: list[Markers] = []
    for lower, upper in zip(stack, stack[1:], strict=False):
        found += checks.nested(run.layer(lower), run.layer(upper), d, lower, upper)
        if offset is not None:
            found += checks.aligned(run.layer(lower), run.layer(upper), run.length(rule, offset), run.chord_error,
                                    lower, upper)
    return found


@checks_rule("STAIR.SENSITIVITY")
def _stair_sensitivity(run: Run, rule: Rule) -> list[Markers]:
    ctx = run.need_process()
    chosen = ctx.manifest.materials if ctx.manifest else {}
    resists = []
    for step in ctx.active_steps(run.layers.present()):
        if step.action in ("coat", "laminate") and step.layer in STAIR_LAYERS and step.role:
            material = chosen.get(step.role, step.material)
            if material is None:
                continue
            spec = run.pdk.materials.materials.get(material)
            resists.append((step.layer, material, spec.photosensitivity if spec else None))
    if len(resists) < 2:
        raise NotApplicable(f"process {ctx.family} does not stack two or more resists (PR1..PR4)")
    resists.sort(key=lambda r: STAIR_LAYERS.index(r[0]))
    return checks.sensitivity_rises(resists)


# ----------------------------------------------------------------------------- balls
@checks_rule("BALL.OPENING")
def _ball_opening(run: Run, rule: Rule) -> list[Markers]:
    family = run.process.family
    if run.layers.has("POLY"):
        opening, name = "POLY", "polymer opening"
    elif run.layers.has("PR1") and (family == "flux_fill" or (family is None and not run.layers.has("PR2"))):
        opening, name = "PR1", "flux-filled resist opening"
    else:
        raise NotApplicable("no ball-receiving openings (POLY, or PR1 of flux_fill) in the layout")
    run.need("BUMP")
    return checks.ball_opening(run.layer(opening), run.layer("UBM"), run.layer("BUMP"), run.length(rule), name)


# ----------------------------------------------------------------------------- cantilever (004)
@checks_rule("SAC.UNDER_BUMP")
def _sac_under_bump(run: Run, rule: Rule) -> list[Markers]:
    required = "SAC" in run.process.features
    if not required:
        run.need("SAC")
    run.need("BUMP")
    return checks.sac_under_bump(run.layer("SAC"), run.layer("BUMP"), run.length(rule), required)


@checks_rule("SUSP.RELEASE")
def _susp_release(run: Run, rule: Rule) -> list[Markers]:
    ctx = run.process
    run.need("SAC")
    if ctx.has_manifest and "release" not in ctx.features:
        raise NotApplicable("release step 12G not active (the manifest features have no 'release')")
    windows = run.layer("INS1").overlapping(run.layer("SAC"))
    if not ctx.has_manifest and windows.is_empty():
        raise NotApplicable("no etch windows 160 (INS1 openings over SAC) and no manifest: no release step")
    return checks.release_reach(run.layer("SAC"), windows, run.length(rule), run.chord_error)


@checks_rule("SUSP.ANCHOR")
def _susp_anchor(run: Run, rule: Rule) -> list[Markers]:
    run.need("SAC")
    die = run.layers.has("DIE")
    extent = run.layer("DIE") if die else run.layers.top_box_region()
    return checks.anchored(extent, run.layer("INS1"), run.layer("SAC"), extent_is_box=not die)


@checks_rule("SUSP.ARMS")
def _susp_arms(run: Run, rule: Rule) -> list[Markers]:
    run.need("SAC", "BUMP", "RDL")
    return checks.arms(run.layer("SAC"), run.layer("BUMP"), run.layer("RDL"), run.process.declared_arms())


# ----------------------------------------------------------------------------- RDL
@checks_rule("RDL.CONNECT")
def _rdl_connect(run: Run, rule: Rule) -> list[Markers]:
    run.need("RDL", "PAD")
    contacts = run.layer("PAD")
    for name in ("PASV", "INS1", "INS2"):
        if run.layers.has(name):
            contacts = contacts & run.layer(name)
    nets = (run.layer("RDL") + run.layer("UBM") + run.layer("BUMP")).merged()
    return checks.rdl_connect(nets, contacts, run.layer("BUMP"))


@checks_rule("RDL.WIDTH")
def _rdl_width(run: Run, rule: Rule) -> list[Markers]:
    run.need("RDL")
    return checks.min_width(run.layer("RDL"), run.length(rule), "RDL")


@checks_rule("RDL.SPACE")
def _rdl_space(run: Run, rule: Rule) -> list[Markers]:
    run.need("RDL")
    return checks.min_space(run.layer("RDL"), run.length(rule), "RDL shapes")


@checks_rule("RDL.ENCLOSES_UBM")
def _rdl_encloses_ubm(run: Run, rule: Rule) -> list[Markers]:
    run.need("RDL", "UBM")
    on_rdl = run.layer("UBM").overlapping(run.layer("RDL"))
    if on_rdl.is_empty():
        raise NotApplicable("no UBM lies on RDL")
    return checks.enclosed(run.layer("RDL"), on_rdl, run.length(rule), "RDL land", "UBM")


# ----------------------------------------------------------------------------- bumps, die, grid
@checks_rule("BUMP.SPACE")
def _bump_space(run: Run, rule: Rule) -> list[Markers]:
    if run.layers.has("REFLOW"):
        return checks.bump_space(run.layer("REFLOW"), run.length(rule), "predicted reflowed bumps")
    if run.layers.has("BUMP"):
        return checks.bump_space(run.layer("BUMP"), run.length(rule), "bumps")
    raise NotApplicable("no REFLOW or BUMP shapes in the layout")


@checks_rule("BUMP.PITCH")
def _bump_pitch(run: Run, rule: Rule) -> list[Markers]:
    run.need("UBM")
    factor = rule.params.get("ubm_factor", 1.0)
    widest = _widest(run.layer("UBM")) * run.layers.dbu
    base = run.length(rule)
    space = run.length(rule, base.um + (factor - 1.0) * widest)
    what = (f"UBM islands (pitch below {base} + {factor:g} x UBM width {widest:g} um, "
            f"i.e. space below {space})")
    return checks.min_space(run.layer("UBM"), space, what, between_shapes_only=True)


def _widest(region: kdb.Region) -> int:
    """Largest bounding-box dimension of the merged polygons (dbu), by bisection on region filters."""
    box = region.bbox()
    lo, hi = 0, max(box.width(), box.height()) + 1  # some polygon is >= lo wide, none is >= hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if region.with_bbox_max(mid, None, False).is_empty():  # (min, max, inverse): not the exact-size overload
            hi = mid
        else:
            lo = mid
    return lo


@checks_rule("DIE.EDGE")
def _die_edge(run: Run, rule: Rule) -> list[Markers]:
    run.need("PAD", "DIE")
    return checks.die_edge(run.layer("PAD"), run.layer("DIE"), run.length(rule))


@checks_rule("GRID")
def _grid(run: Run, rule: Rule) -> list[Markers]:
    grid = run.length(rule)
    found: list[Markers] = []
    for name, region in run.layers.all_layer_regions():
        found += checks.off_grid(region, grid.dbu, grid.um, name)
    return found


# ----------------------------------------------------------------------------- materials
@checks_rule("MATERIAL.CLAIMED")
def _material_claimed(run: Run, rule: Rule) -> list[Markers]:
    ctx = run.need_process()
    family = ctx.family or ""
    claimed = claimed_for(run.pdk, family)
    if not claimed:
        raise NotApplicable(f"the PDK has no claimed material lists for process {family}")
    choices = []
    for choice in ctx.role_materials(run.layers.present()):
        role = claim_role(family, choice.role, run.pdk)
        entry = claimed.get(role) if role else None
        choices.append((choice.role, choice.material, role, entry.allowed if entry else None,
                        entry.claim if entry else None, choice.material in run.pdk.materials.materials))
    return checks.claimed_materials(choices)
