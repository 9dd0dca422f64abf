"""The rule deck: for each rule id of the PDK, when it applies and which check it runs on which layers.

A rule function takes the run (layers, PDK, process context) and the PDK rule,
and returns the `Markers` of its checks, or raises `NotApplicable` with the
reason (layers absent, no process known). Values come from the PDK rule, in um,
converted once to database units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import klayout.db as kdb

import maskgen.drc.checks as checks
from maskgen.drc.checks import Length, Markers
from maskgen.drc.context import ProcessContext, claim_role
from maskgen.drc.inference import foreign_layers
from maskgen.drc.isolated import Placements
from maskgen.drc.layers import LayoutLayers
from maskgen.drc.markers import Fault, merged_flat
from maskgen.input.checktable import CHECKS, Check, least_pitch
from maskgen.input.manifest import BuildManifest
from maskgen.input.pdk import Pdk, Process, Rule, claimed_for


class NotApplicable(Exception):
    """A rule that does not apply to this layout or process; the message is the reason."""


class MissingLayers(Exception):
    """A rule that needs layers the process draws and the layout lacks: the findings, one per layer."""

    def __init__(self, markers: list[Markers]) -> None:
        super().__init__("; ".join(m.message for m in markers))
        self.markers = markers


@dataclass
class Run:
    """One DRC run: the layout's regions, the PDK and what is known about the process."""

    layers: LayoutLayers
    pdk: Pdk
    process: ProcessContext
    apart: Placements | None = None
    """The placed cells of a layout of many single placements (`maskgen.drc.isolated`), else None."""

    def layer_index(self, name: str) -> int | None:
        """The layout's layer index of a canonical layer (None when it is not drawn)."""
        return next((i for i, n in self.layers.layer_names.items() if n == name), None)

    def placed_merged(self, name: str) -> kdb.Region | None:
        """A layer flat, each placed cell's shapes merged and placed, when the placements do not touch on it."""
        li = self.layer_index(name)
        if self.apart is None or li is None:
            return None
        return self.apart.merged(li)

    def need(self, *names: str) -> None:
        """Stop the rule when layers are absent: NotApplicable if the process does not draw one of them here,
        else MissingLayers (the process draws them all, and the layout lacks some)."""
        required = self.required()
        unused = [n for n in names if not self.layers.has(n) and n not in required]
        if unused:
            family = self.process.family
            raise NotApplicable(f"no {', '.join(unused)} shapes in the layout, and process {family} "
                                f"does not draw {'them' if len(unused) > 1 else 'it'} here")
        self.complete(*names)

    def complete(self, *names: str) -> None:
        """MissingLayers if the process draws some of the layers and the layout lacks them."""
        findings = self.missing_layers(list(names))
        if findings:
            raise MissingLayers(findings)

    def required(self) -> dict[str, str]:
        """Layers the process (and embodiment) draws, each with the step that draws it."""
        return self.process.required_layers(self.layers.present(), self.pdk.layers)

    def missing_layers(self, names: list[str]) -> list[Markers]:
        """A die-level finding for each of `names` that the process draws and the layout lacks."""
        required = self.required()
        found = []
        for name in names:
            if name in required and not self.layers.has(name):
                spec = self.pdk.layers[name]
                found.append(Markers(f"layer {name} ({spec.layer}/{spec.datatype}, {spec.description}) is missing: "
                                     f"process {self.process.family} draws it in {required[name]}", None))
        return found

    def extent_box(self) -> kdb.DBox:
        """Where a layout-level finding is marked: the die boundary (DIE), else the top cell's box, in um."""
        if self.layers.has("DIE"):
            return self.layer("DIE").bbox().to_dtype(self.layers.dbu)
        return self.layers.top.dbbox()

    def need_process(self) -> ProcessContext:
        """Raise NotApplicable when no process is known (no manifest, no --process)."""
        if self.process.process is None:
            raise NotApplicable("no process: no build manifest beside the layout and no --process given")
        return self.process

    def need_steps(self) -> Process:
        """The process file behind the layout (its steps); NotApplicable when no process is known."""
        process = self.need_process().process
        if process is None:
            raise NotApplicable("no process: no build manifest beside the layout and no --process given")
        return process

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


F = TypeVar("F")


def registrar(table: dict[str, F]) -> Callable[[str], Callable[[F], F]]:
    """A decorator by rule id that enters the decorated function into `table` (here and in `maskgen.drc.lydrc`)."""
    def by_id(rule_id: str) -> Callable[[F], F]:
        def register(fn: F) -> F:
            table[rule_id] = fn
            return fn
        return register
    return by_id


RuleFn = Callable[[Run, Rule], list[Markers]]
RULES: dict[str, RuleFn] = {}
checks_rule = registrar(RULES)
"""Register the function that checks a rule id."""


# ----------------------------------------------------------------------------- the table's operations
OpFn = Callable[[Run, Rule, Check], list[Markers]]
OPS: dict[str, OpFn] = {}
operation = registrar(OPS)
"""Register the Python of one check operation of `maskgen.input.checktable` (its Ruby: `maskgen.drc.lydrc`)."""


@operation("process_layers")
def _process_layers(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Every layer the process draws is drawn, and no layer of another process is."""
    ctx = run.need_process()
    found = run.missing_layers(list(run.required()))
    for name in foreign_layers(run.pdk, run.need_steps(), run.layers.present()):
        spec = run.pdk.layers[name]
        found.append(Markers(f"layer {name} ({spec.layer}/{spec.datatype}) is drawn but no step of process "
                             f"{ctx.family} draws it (wrong process, or a layer of another process)",
                             run.layer(name)))
    return found


@operation("enclosed")
def _enclosed(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [outer, inner]: each inner shape lies inside an outer one, enclosed by the value."""
    outer, inner = rule.layers
    run.need(outer, inner)
    outer_words, inner_words = check.words
    return checks.enclosed(run.layer(outer), run.layer(inner), run.length(rule), outer_words, inner_words)


@operation("width_round")
def _width_round(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [layer]: every shape at least the value wide, a round one by its diameter."""
    (layer,) = rule.layers
    run.need(layer)
    return checks.min_width_round(run.layer(layer), run.length(rule), *check.words)


@operation("width")
def _width(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [layer]: every shape at least the value wide."""
    (layer,) = rule.layers
    run.need(layer)
    return checks.min_width(run.layer(layer), run.length(rule), *check.words)


@operation("space")
def _space(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [layer]: shapes (and notches) at least the value apart."""
    (layer,) = rule.layers
    run.need(layer)
    (what,) = check.words
    return checks.min_space(run.layer(layer), run.length(rule), what)


def _every(run: Run, check: Check) -> bool:
    """Whether each inner shape of a `covers` check needs an outer one here (`Check.every`)."""
    if check.every is None:
        return False
    kind, name = check.every
    return not run.layers.has(name) if kind == "unless_drawn" else run.process.feature(name)


@operation("covers")
def _covers(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [outer, inner]: an outer shape encloses each inner shape it overlaps by the value; where
    `Check.every` holds, each inner shape needs one."""
    outer, inner = rule.layers
    every = _every(run, check)
    run.need(outer, inner)
    outer_name, inner_name, uncovered = check.words
    return checks.covers(run.layer(outer), run.layer(inner), run.length(rule), outer_name, inner_name,
                         uncovered if every else None)


@operation("island")
def _island(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [island, opening]: each merged island covers exactly one opening (islands on RDL lands: none)."""
    island, opening = rule.layers
    run.need(island, opening)
    lands = run.layer("RDL") if run.layers.has("RDL") else None
    return checks.ubm_island(run.layer(island), run.layer(opening), lands)


def _stack(run: Run, names: tuple[str, ...]) -> list[str]:
    """The opening layers of a stack that are drawn; MissingLayers if the process draws one that is not."""
    run.complete(*names)
    present = [n for n in names if run.layers.has(n)]
    if len(present) < 2:
        found = ", ".join(present) or "none"
        raise NotApplicable(f"needs two or more of {'/'.join(names)} opening layers (found: {found})")
    return present


@operation("nested")
def _nested(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [lowest, ..., highest]: each upper opening encloses the one below by the value (strictly larger
    with `Check.strict`), and is centred on it within `params.max_offset` with `Check.aligned`."""
    stack = _stack(run, tuple(rule.layers))
    d = run.length(rule)
    if check.strict:
        d = Length(max(d.dbu, 1), d.um)  # strictly larger even with a zero step (002:c1)
    offset = rule.params.get("max_offset") if check.aligned else None
    found: list[Markers] = []
    for lower, upper in zip(stack, stack[1:], strict=False):
        found += checks.nested(run.layer(lower), run.layer(upper), d, lower, upper)
        if offset is not None:
            found += checks.aligned(run.layer(lower), run.layer(upper), run.length(rule, offset), run.chord_error,
                                    lower, upper)
    return found


@operation("ball_opening")
def _ball_opening(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [UBM, ball, opening...]: the opening the process drops a ball into exposes UBM and clears the ball."""
    ctx = run.need_process()
    opening = receiving_opening(run.need_steps())
    if opening is None:
        raise NotApplicable(f"process {ctx.family} places no ball into a developed opening")
    ubm, ball = rule.layers[:2]
    run.need(opening, ubm, ball)
    return checks.ball_opening(run.layer(opening), run.layer(ubm), run.layer(ball), run.length(rule),
                               opening_name(run.need_steps(), opening))


def opening_name(process: Process, opening: str) -> str:
    """How messages name the opening a ball is dropped into."""
    flux = any(step.action == "flux" for step in process.steps)
    return "flux-filled resist opening" if flux else ("polymer opening" if opening == "POLY" else f"{opening} opening")


def receiving_opening(process: Process) -> str | None:
    """The opening a ball is dropped into: the film developed last before the process's drop step (001, 003)."""
    developed: str | None = None
    for step in process.steps:
        if step.action == "develop" and step.films:
            developed = step.films[0]
        elif step.action == "drop":
            return developed
    return None



@operation("release_reach")
def _release_reach(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [sacrificial, insulator]: every point of the layer to release lies within the value of an etch
    window (an insulator opening over it), when the release step is on."""
    sac, ins = rule.layers
    ctx = run.process
    run.need(sac, ins)
    if ctx.features_known and not ctx.feature("release"):
        raise NotApplicable("release step 12G not active (the embodiment has no 'release')")
    windows = run.layer(ins).overlapping(run.layer(sac))
    if not ctx.features_known and windows.is_empty():
        raise NotApplicable("no etch windows 160 (INS1 openings over SAC) and no manifest: no release step")
    return checks.release_reach(run.layer(sac), windows, run.length(rule), run.chord_error)


@operation("anchored")
def _anchored(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [sacrificial, insulator openings]: no piece of insulator lies wholly on the sacrificial layer."""
    sac, ins = rule.layers
    run.need(sac, ins)
    die = run.layers.has("DIE")
    extent = run.layer("DIE") if die else run.layers.top_box_region()
    return checks.anchored(extent, run.layer(ins), run.layer(sac), extent_is_box=not die)


@operation("enclosed_on")
def _enclosed_on(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [outer, inner]: the inner shapes that overlap an outer one lie inside it, enclosed by the value."""
    outer, inner = rule.layers
    run.need(outer, inner)
    on = run.layer(inner).overlapping(run.layer(outer))
    if on.is_empty():
        raise NotApplicable(f"no {inner} lies on {outer}")
    outer_words, inner_words = check.words
    return checks.enclosed(run.layer(outer), on, run.length(rule), outer_words, inner_words)


@operation("isolated")
def _isolated(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [shapes, stand-in]: shapes keep the value apart (overlaps bridge). Without the first layer the
    stand-in (ball footprints for reflowed bumps) is checked: a violation fails, none is no pass (`not_checked`)."""
    main, stand_in = rule.layers
    run.complete(main, stand_in)
    if run.layers.has(main):
        return checks.bump_space(run.layer(main), run.length(rule), check.words[0])
    if run.layers.has(stand_in):
        return checks.bump_space(run.layer(stand_in), run.length(rule), check.words[1])
    raise NotApplicable(f"not checked: layers {main} and {stand_in} absent")


def not_checked(run: Run, rule: Rule) -> str | None:
    """Why a rule that found nothing is still no pass: the layer it checks is absent and a stand-in was checked
    (the `isolated` operation without its first layer), else None."""
    check = CHECKS.get(rule.id)
    if check is None or check.op != "isolated" or run.layers.has(rule.layers[0]):
        return None
    main, stand_in = rule.layers
    return (f"not checked: layer {main} absent ({check.words[1]} on {stand_in} keep {run.length(rule)} apart, "
            f"which says nothing of the {check.words[0]})")


@operation("pitch")
def _pitch(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [islands]: islands keep the BUMP.PITCH space apart: base + (factor - 1) x the widest island."""
    (layer,) = rule.layers
    run.need(layer)
    base_um, factor = run.pdk.bump_pitch()
    flat = run.placed_merged(layer)
    index = run.layer_index(layer)
    if flat is not None and run.apart is not None and index is not None:  # placed cells apart: the widest island
        islands = run.apart.cell_merged(index)                               # is the widest of a cell's
        widest_dbu = max(max(p.bbox().width(), p.bbox().height()) for p in islands)
    else:
        widest_dbu = _widest(run.layer(layer))
    widest = widest_dbu * run.layers.dbu
    base = run.length(rule)
    pitch = least_pitch(widest, base.um, factor)
    space = run.length(rule, pitch - widest)
    if flat is not None and flat.isolated_check(space.dbu).is_empty():
        return []            # the same check on the same islands, flat: nothing closer (else marked as below)
    what = (f"UBM islands (pitch below {base} + {factor:g} x UBM width {widest:g} um, "
            f"i.e. space below {space})")

    def describe(fault: Fault, dbu: float) -> str:
        a, b = fault.owners if len(fault.owners) == 2 else (None, None)
        gap = round(fault.distance * dbu, 6)
        if a is None or b is None:
            return f"{what} (measured {gap:g} um)"
        ca, cb = a.bbox().center(), b.bbox().center()
        measured = round(math.hypot(ca.x - cb.x, ca.y - cb.y) * dbu, 3)
        return (f"UBM islands at {measured:g} um pitch, {gap:g} um apart: the rule asks a pitch of {base} + "
                f"{factor:g} x {widest:g} um UBM = {pitch:g} um ({space} apart)")
    return checks.min_space(run.layer(layer), space, what, between_shapes_only=True, describe=describe)


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



@operation("centres_inside")
def _centres_inside(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [shapes, zone]: each shape's centre lies at least the value inside the zone (pads in the die)."""
    shapes, zone = rule.layers
    run.need(shapes, zone)
    flat = run.placed_merged(shapes)
    if flat is not None and checks.die_edge_clean(flat, _flat(run.layer(zone)), run.length(rule)):
        return []            # every placed pad's centre inside, checked flat (else marked as below)
    return checks.die_edge(run.layer(shapes), run.layer(zone), run.length(rule))


@operation("grid")
def _grid(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Every vertex of every layer on the manufacturing grid (the value)."""
    grid = run.length(rule)
    found: list[Markers] = []
    for name, region in run.layers.all_layer_regions():
        found += checks.off_grid(region, grid.dbu, grid.um, name)
    return found


@operation("inside_exclusion")
def _inside_exclusion(run: Run, rule: Rule, check: Check) -> list[Markers]:
    """Layers [ring, shapes]: every die (DIE) lies inside the wafer's usable area, the hole of the WAFER
    edge-exclusion ring (round edge, notch, flat); not applicable when the build places partial dies on purpose."""
    ring_layer, shapes = rule.layers
    run.need(ring_layer, shapes)
    if partial_dies_included(run.process):
        raise NotApplicable("the recipe places partial dies on purpose (wafer.partial_dies: include)")
    # flat: a few hundred die rectangles against one outline; deep mode would test the big polygon once per
    # placed die (1.2 s against 0.06 s on the 596-die wafer)
    ring = _flat(run.layer(ring_layer))
    usable = ring.holes()
    where = "inside the edge-exclusion ring (WAFER)"
    if usable.is_empty():
        usable, where = ring.hulls(), "on the wafer (WAFER outline; no edge-exclusion ring drawn)"
    dies = _flat(run.layer(shapes))
    dies.merged_semantics = False
    crossing = dies.not_inside(usable)
    if crossing.is_empty():
        return []
    return [Markers(f"die is not whole {where}: it crosses the edge exclusion at the round edge, notch or flat "
                    f"({crossing.count()} dies)", crossing)]


def partial_dies_included(ctx: ProcessContext) -> bool:
    """True when the build manifest says the recipe places partial dies on purpose (wafer.partial_dies: include)."""
    wafer = ctx.manifest.wafer if ctx.manifest is not None else None
    return wafer is not None and wafer.partial_dies == "include"


def _run_check(check: Check) -> RuleFn:
    def rule_fn(run: Run, rule: Rule) -> list[Markers]:
        return OPS[check.op](run, rule, check)
    return rule_fn


RULES.update({rule_id: _run_check(check) for rule_id, check in CHECKS.items()})


# ----------------------------------------------------------------------------- checked by maskgen only
@checks_rule("STAIR.SENSITIVITY")
def _stair_sensitivity(run: Run, rule: Rule) -> list[Markers]:
    ctx = run.need_process()
    stair = tuple(rule.layers)
    run.complete(*stair)  # a resist the process coats is not drawn: the stair cannot be judged
    chosen = ctx.manifest.materials if ctx.manifest else {}
    resists = []
    for step in ctx.active_steps(run.layers.present()):
        if step.action in ("coat", "laminate") and step.layer in stair and step.role:
            material = chosen.get(step.role, step.material)
            if material is None:
                continue
            spec = run.pdk.materials.materials.get(material)
            resists.append((step.layer, material, spec.photosensitivity if spec else None))
    if len(resists) < 2:
        raise NotApplicable(f"process {ctx.family} does not stack two or more resists (PR1..PR4)")
    resists.sort(key=lambda r: stair.index(r[0]))
    return checks.sensitivity_rises(resists)


@checks_rule("SUSP.ARMS")
def _susp_arms(run: Run, rule: Rule) -> list[Markers]:
    run.need("SAC", "BUMP", "RDL")
    sac, bump, rdl = run.layer("SAC"), run.layer("BUMP"), run.layer("RDL")
    per_type = run.process.arms_by_type(run.layers.top.name)
    if per_type is None:
        return checks.arms(sac, bump, rdl, run.process.declared_arms())
    # bump types with different support beams 111: each bump is held by its own type's arm count
    dbu = run.layers.dbu
    found: list[Markers] = []
    for arms, centres in per_type:
        at = kdb.Region()
        for x, y in centres:
            at.insert(kdb.Box(round(x / dbu) - 1, round(y / dbu) - 1, round(x / dbu) + 1, round(y / dbu) + 1))
        found += checks.arms(sac, bump.interacting(at), rdl, {arms})
    return found


@checks_rule("RDL.CONNECT")
def _rdl_connect(run: Run, rule: Rule) -> list[Markers]:
    run.need("RDL", "PAD", "BUMP")
    contacts = run.layer("PAD")
    for name in ("PASV", "INS1", "INS2"):
        if run.layers.has(name):
            contacts = contacts & run.layer(name)
    nets = (run.layer("RDL") + run.layer("UBM") + run.layer("BUMP")).merged()
    declared = _declared_nets(run)
    if declared is not None:
        terminals, routed = declared
        return checks.rdl_nets(merged_flat(nets), terminals, routed)
    links = _declared_links(run)
    bumps = run.layer("BUMP")
    spare = _declared_spare_bumps(run)
    if spare is not None:           # bumps the design leaves on no net reach no pad on purpose
        bumps = bumps.not_interacting(spare)
    if links is None:
        return checks.rdl_connect(nets, contacts, bumps)
    # a daisy-chain or Kelvin link joins two bumps (and their pads) on purpose: its net must join exactly two
    chained = nets.interacting(links)
    return checks.rdl_connect(nets.not_interacting(links), contacts, bumps.not_interacting(chained)) + [
        m for m in (checks.Markers("test-structure link net joins more than its two bumps",
                                   chained.interacting(bumps, 3)),
                    checks.Markers("test-structure link net reaches fewer than two bumps",
                                   chained.interacting(bumps, 1, 1) + chained.not_interacting(bumps)))
        if m.shapes is not None and not m.shapes.is_empty()]


def _manifest(run: Run) -> BuildManifest | None:
    """The build manifest of the run (None without one): the nets, links and spare bumps its build declared."""
    return run.process.manifest


def _marks(run: Run, points: list[tuple[float, float]]) -> kdb.Region:
    """A helper layer of 2 x 2 dbu boxes at points given in um, to find the shapes they lie on."""
    dbu = run.layers.dbu
    at = [(round(x / dbu), round(y / dbu)) for x, y in points]
    return run.layers.boxes_region([kdb.Box(x - 1, y - 1, x + 1, y + 1) for x, y in at])


def _declared_nets(run: Run) -> tuple[list[checks.Terminal], set[str]] | None:
    """The pads and bumps with their nets and the routed nets, as a fan-out's build manifest declares them
    (None: the manifest declares no pad nets, and each bump must reach exactly one pad)."""
    manifest = _manifest(run)
    routing = manifest.routing if manifest is not None else None
    if manifest is None or routing is None or manifest.wafer is not None:
        return None
    if not any(p.net for p in routing.pad_sites):
        return None
    dbu = run.layers.dbu
    terminals = [checks.Terminal(p.name, round(p.x / dbu), round(p.y / dbu), p.net, False)
                 for p in routing.pad_sites]
    terminals += [checks.Terminal(b.name, round(b.x / dbu), round(b.y / dbu), b.net, True)
                  for b in manifest.bumps or []]
    return terminals, {n.net for n in routing.nets if n.net}


def _declared_links(run: Run) -> kdb.Region | None:
    """The midpoints of the die-side test-structure links the build manifest declares (None: no links)."""
    manifest = _manifest(run)
    declared = manifest.test_structures if manifest is not None else None
    if declared is None or not declared.die_links:
        return None
    return _marks(run, [((k.start[0] + k.end[0]) / 2, (k.start[1] + k.end[1]) / 2) for k in declared.die_links])


@checks_rule("RDL.UNROUTED")
def _rdl_unrouted(run: Run, rule: Rule) -> list[Markers]:
    manifest = _manifest(run)
    routing = manifest.routing if manifest is not None else None
    if routing is None:
        raise NotApplicable("no routed fan-out in the build manifest")
    dbu = run.layers.dbu
    found = []
    for u in routing.unrouted:
        (x1, y1), (x2, y2) = u.from_xy, u.to_xy
        line = kdb.Edge(round(x1 / dbu), round(y1 / dbu), round(x2 / dbu), round(y2 / dbu))
        found.append(Markers(f"net {u.net}: {u.start} -> {u.end} not routed ({u.reason})",
                             kdb.EdgePairs([kdb.EdgePair(line, line)])))
    return found


def _declared_spare_bumps(run: Run) -> kdb.Region | None:
    """The centres of the spare bumps (on no routed net) the build manifest declares (None: none)."""
    manifest = _manifest(run)
    routing = manifest.routing if manifest is not None else None
    if routing is None or not routing.spare_bumps:
        return None
    return _marks(run, [(b.x, b.y) for b in routing.spare_bumps])


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


# ----------------------------------------------------------------------------- checked per cell
def _ball_layers(run: Run) -> tuple[str, ...] | None:
    process = run.process.process
    opening = receiving_opening(process) if process is not None else None
    return None if opening is None else (opening, "UBM", "BUMP")


LOCAL: dict[str, Callable[[Run], tuple[str, ...] | None]] = {
    "PASV.IN_PAD": lambda run: ("PAD", "PASV"),
    "PASV.WIDTH": lambda run: ("PASV",),
    "UBM.COVERS_PASV": lambda run: ("UBM", "PASV"),
    "UBM.ISLAND": lambda run: ("UBM", "PASV", "RDL"),
    "BALL.OPENING": _ball_layers,
    "BUMP.SPACE": lambda run: ("REFLOW", "BUMP"),
}
"""Rules that look no farther than their value from a shape (enclosures, widths, overlaps, spaces), with the
layers they read: checked once per cell when the placed cells stand farther apart (`maskgen.drc.isolated`)."""


def _flat(region: kdb.Region) -> kdb.Region:
    """A flat copy of a region's polygons in top-cell coordinates (each shape as drawn)."""
    flat = kdb.Region()
    for polygon in region.each():
        flat.insert(polygon)
    return flat
