"""From a validated recipe and its PDK to the design: resolved process, materials and the bump figures.

Every check that needs the PDK (rules, materials, models) happens here, before geometry; a failure is one
InputError line naming the recipe file, the key, the value and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen import fanout, limits
from maskgen.errors import InputError
from maskgen.pdk import Pdk, Process, Step, claimed_for
from maskgen.physics import litho, mechanics, solder
from maskgen.recipe import FAMILY_BLOCK, Recipe


@dataclass(frozen=True)
class ResolvedStep:
    """A process step with the recipe's material and thickness filled in."""

    index: int
    step: Step
    material: str | None
    thickness: float | None


@dataclass
class BumpFigures:
    """Per-bump-type figures: deposited solder, reflowed shape, openings and margins (um, um^3)."""

    name: str
    count: int = 0
    solder_volume: float = 0.0
    deposits: list[dict[str, Any]] = field(default_factory=list)
    footprint_diameter: float = 0.0
    ubm_diameter: float = 0.0
    reflow_height: float = 0.0
    reflow_width: float = 0.0
    sphere_radius: float = 0.0
    min_pitch: float = 0.0
    bridging_margin: float = 0.0
    stair: dict[str, Any] | None = None
    support_beams: int = 0
    mechanics: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Design:
    """Everything derived from recipe + PDK that the cells, manifest, masks and pictures need."""

    recipe: Recipe
    file: Path
    pdk: Pdk
    process: Process
    features: set[str]
    materials: dict[str, str]
    steps: list[ResolvedStep]
    bump: BumpFigures


def derive(recipe: Recipe, pdk: Pdk, file: Path, check_pitch: bool = True) -> Design:
    """Check the recipe against the PDK and compute the bump figures (sizes by arithmetic before any site; with
    several bump types the bridging check runs between neighbours when the die is built, maskgen.bumptypes)."""
    limits.check_files(recipe, file)
    limits.check_wafer(recipe, file)
    process = pdk.process(recipe.process, file)
    features = _features(recipe)
    materials = _materials(recipe, pdk, process, features, file)
    steps = _resolve_steps(recipe, process, features, materials)
    _check_stack(recipe, pdk, file)
    bump = _bump_figures(recipe, pdk, file, steps)
    if check_pitch and not recipe.bump_types:
        _check_pitch(recipe, pdk, file, bump)
    limits.check_map_fit(recipe, file, pdk.rule_value("DIE.EDGE"), bump.reflow_width, recipe_pad_offset(recipe),
                         recipe.die.pads is not None)
    limits.check_site_limit(recipe, file)
    return Design(recipe=recipe, file=file, pdk=pdk, process=process, features=features,
                  materials=materials, steps=steps, bump=bump)


def recipe_pad_offset(recipe: Recipe) -> tuple[float, float]:
    """Where pad 91 sits relative to its bump (RDL families), else under it."""
    if recipe.cantilever is not None:
        return recipe.cantilever.pad_offset
    if recipe.two_step is not None and recipe.two_step.rdl is not None:
        return recipe.two_step.rdl.pad_offset
    return (0.0, 0.0)


# ----------------------------------------------------------------------------- process
def _features(recipe: Recipe) -> set[str]:
    """Layers drawn and options chosen: they decide which process steps are active."""
    f = {"PAD", "PASV", "UBM", "BUMP", "REFLOW", "DIE"}
    if recipe.stair:
        f |= {"EXPOSE", recipe.stair.fill} | {f"PR{i + 1}" for i in range(len(recipe.stair.resists))}
    if recipe.ball_drop:
        f |= {"POLY"}
    if recipe.two_step:
        f |= {f"SM{i + 1}" for i in range(len(recipe.two_step.openings))}
        if recipe.two_step.rdl:
            f |= {"RDL", "INS1"}
    if recipe.flux_fill:
        f |= {"PR1"}
    if recipe.die.pads is not None or recipe.die.test_structures is not None:
        f |= {"RDL", "INS1"}
    if recipe.cantilever:
        from maskgen.cells.cantilever import cantilever_features
        f |= {"RDL", "INS1", "PROT"} | cantilever_features(recipe.cantilever)
    return f


def _materials(recipe: Recipe, pdk: Pdk, process: Process, features: set[str], file: Path) -> dict[str, str]:
    """Role -> material: process defaults, overridden by the recipe, each one known and claimed."""
    active = process.active_steps(features)
    roles = {s.role: s.material for s in active if s.role and s.material}
    overrides = dict(recipe.materials)
    if recipe.stair:
        for i, r in enumerate(recipe.stair.resists, start=1):
            overrides[f"resist_{i}"] = r.material
    if recipe.two_step:
        for i, alloy in enumerate(recipe.two_step.alloys, start=1):
            overrides[f"solder_{i}"] = alloy
    if recipe.solder.alloy and "solder" in roles:
        overrides.setdefault("solder", recipe.solder.alloy)
    for role, name in recipe.materials.items():
        if role not in roles:
            raise InputError(file, f"materials.{role}", name,
                             f"process {process.name} has no role '{role}'; roles: {', '.join(sorted(roles))}")
    resolved = {**roles, **{k: v for k, v in overrides.items() if k in roles}}
    claimed = claimed_for(pdk, process.name)
    for role, name in resolved.items():
        key = _material_key(recipe, role)
        default = pdk.materials.materials.get(roles[role])
        pdk.material(name, file, key, "solder" if default is not None and default.kind == "solder" else None)
        family_role = role.rstrip("_0123456789") if role[-1].isdigit() else role
        allowed = claimed.get(family_role)
        if allowed and name not in allowed.allowed:
            raise InputError(file, key, name, f"not claimed for {family_role} by {allowed.claim}; "
                             f"allowed: {', '.join(allowed.allowed)}")
    return resolved


def _material_key(recipe: Recipe, role: str) -> str:
    """The recipe key a role's material comes from, for error messages."""
    numbered = re.fullmatch(r"(resist|solder)_(\d)", role)
    if numbered and numbered[1] == "resist" and recipe.stair:
        return f"stair.resists[{int(numbered[2]) - 1}].material"
    if numbered and numbered[1] == "solder" and recipe.two_step:
        return f"two_step.alloys[{int(numbered[2]) - 1}]"
    if role == "solder" and role not in recipe.materials:
        return "solder.alloy"
    return f"materials.{role}"


def _resolve_steps(recipe: Recipe, process: Process, features: set[str],
                   materials: dict[str, str]) -> list[ResolvedStep]:
    """Active steps with materials and thicknesses from the recipe where it sets them."""
    out = []
    for i, step in enumerate(process.active_steps(features)):
        material = materials.get(step.role, step.material) if step.role else step.material
        thickness = recipe.thickness.get(step.role, step.thickness) if step.role else step.thickness
        if recipe.stair and step.role and step.role.startswith("resist_"):
            thickness = recipe.stair.resists[int(step.role.split("_")[1]) - 1].thickness
        out.append(ResolvedStep(i, step, material, thickness))
    return out


def film_thickness(steps: list[ResolvedStep], layer: str) -> float:
    """Thickness of the film whose openings are drawn on layer (a coated/laminated resist)."""
    for s in steps:
        if s.step.layer == layer and s.thickness:
            return s.thickness
    raise KeyError(layer)


# ----------------------------------------------------------------------------- geometry checks
def _need(file: Path, key: str, value: float, minimum: float, why: str) -> None:
    """Refuse value < minimum with the rule or claim that asks for it."""
    if value + 1e-9 < minimum:
        raise InputError(file, key, value, f"must be at least {minimum:g} um ({why})")


def _check_stack(recipe: Recipe, pdk: Pdk, file: Path) -> None:
    """Openings nest inside what must enclose them, by the PDK rule values."""
    st = recipe.bump
    tol = pdk.deck.chord_error
    _need(file, "bump.passivation_opening", st.passivation_opening, pdk.rule_value("PASV.WIDTH"), "PASV.WIDTH")
    _need(file, "bump.pad.width", st.pad.width, st.passivation_opening + 2 * (pdk.rule_value("PASV.IN_PAD") + tol),
          f"passivation opening {st.passivation_opening:g} + 2 x PASV.IN_PAD {pdk.rule_value('PASV.IN_PAD'):g}"
          f" + circle tolerance")
    on_rdl = recipe.cantilever is not None or (recipe.two_step is not None and recipe.two_step.rdl is not None) \
        or recipe.die.pads is not None
    fanout.figures(recipe, pdk, file)
    if not on_rdl:
        cover = pdk.rule_value("UBM.COVERS_PASV")
        _need(file, "bump.ubm_diameter", st.ubm_diameter, st.passivation_opening + 2 * (cover + tol),
              f"passivation opening {st.passivation_opening:g} + 2 x UBM.COVERS_PASV {cover:g} + circle tolerance")
    ball = recipe.solder.ball_diameter
    if recipe.process in ("ball_drop", "flux_fill", "cantilever_wlcsp") and ball is None:
        raise InputError(file, "solder.ball_diameter", None, f"process {recipe.process} places balls: "
                         "give the ball diameter in um")
    clear = pdk.rule_value("BALL.OPENING")
    if recipe.ball_drop:
        _need(file, "ball_drop.polymer_opening", recipe.ball_drop.polymer_opening, ball + 2 * (clear + tol),
              f"ball {ball:g} + 2 x BALL.OPENING {clear:g} (001:c1)")
    if recipe.flux_fill:
        _need(file, "flux_fill.resist_opening", recipe.flux_fill.resist_opening, ball + 2 * (clear + tol),
              f"ball {ball:g} + 2 x BALL.OPENING {clear:g} (003:c1)")
    if recipe.two_step:
        step = pdk.rule_value("SM.NEST")
        ops = recipe.two_step.openings
        for i in range(1, len(ops)):
            _need(file, f"two_step.openings[{i}]", ops[i], ops[i - 1] + 2 * (step + tol),
                  f"SM{i + 1} must enclose SM{i} ({ops[i - 1]:g}) by SM.NEST {step:g} a side (002:c1, c15, c20)")
        if recipe.two_step.rdl:
            if tuple(recipe.two_step.rdl.pad_offset) == (0.0, 0.0):
                raise InputError(file, "two_step.rdl.pad_offset", [0, 0], "the pad is under the bump, so there "
                                 "is nothing to redistribute: move the pad or leave out two_step.rdl")
            _check_rdl(file, "two_step.rdl", recipe.two_step.rdl.line_width, recipe.two_step.rdl.land_diameter,
                       st.ubm_diameter, pdk)
    if recipe.cantilever:
        cv = recipe.cantilever
        _check_rdl(file, "cantilever", cv.line_width, cv.land_diameter, st.ubm_diameter, pdk)
        sac = pdk.rule_value("SAC.UNDER_BUMP")
        if cv.embodiment in (1, 2, 3, 4):
            _need(file, "cantilever.sacrificial_diameter", cv.sacrificial_diameter, ball + 2 * (sac + tol),
                  f"ball {ball:g} + 2 x SAC.UNDER_BUMP {sac:g} (004:c3)")
        if cv.embodiment in (4, 5) and cv.elastic_diameter is None:
            raise InputError(file, "cantilever.elastic_diameter", None,
                             f"embodiment {cv.embodiment} has elastic layer 150: give its diameter (004:c6, c9)")
        if cv.protection_opening >= st.ubm_diameter:
            raise InputError(file, "cantilever.protection_opening", cv.protection_opening,
                             f"must be smaller than the UBM ({st.ubm_diameter:g} um) that covers it")
        from maskgen.cells.cantilever import cantilever_error, cantilever_plan, check_rules
        try:
            check_rules(pdk, st, cv, cantilever_plan(st, cv), ball)
        except ValueError as exc:
            raise cantilever_error(file, exc) from None


def _check_rdl(file: Path, key: str, width: float, land: float, ubm: float, pdk: Pdk) -> None:
    """RDL line width and land enclosure of the UBM (SKY130 WLCSP rules)."""
    _need(file, f"{key}.line_width", width, pdk.rule_value("RDL.WIDTH"), "RDL.WIDTH")
    enc = pdk.rule_value("RDL.ENCLOSES_UBM")
    _need(file, f"{key}.land_diameter", land, ubm + 2 * (enc + pdk.deck.chord_error),
          f"UBM {ubm:g} + 2 x RDL.ENCLOSES_UBM {enc:g}")


# ----------------------------------------------------------------------------- solder figures
def _bump_figures(recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
    """Deposited volume, footprint and reflowed shape of the bump of this recipe."""
    fig = BumpFigures(name=f"{recipe.process}_bump", ubm_diameter=recipe.bump.ubm_diameter)
    ball = recipe.solder.ball_diameter
    fraction = pdk.materials.paste_metal_fraction
    if recipe.stair:
        fig.stair = _stair(recipe, pdk, file)
        stack = list(zip(fig.stair["openings"], [r.thickness for r in recipe.stair.resists], strict=True))
        if recipe.stair.fill == "plate":
            fig.solder_volume = solder.plated_volume(stack, recipe.stair.plated_height)
            fig.deposits.append({"how": "electroplated", "height": recipe.stair.plated_height,
                                 "volume": fig.solder_volume})
            top = _plated_top_opening(stack, recipe.stair.plated_height)
        else:
            fig.solder_volume = solder.printed_volume(stack, fraction)
            ratio = _area_ratio(file, "stair.target_opening", stack[0][0], sum(t for _, t in stack))
            fig.deposits.append({"how": "stencil printed", "metal_fraction": fraction, "volume": fig.solder_volume,
                                 "area_ratio": ratio})
            top = stack[-1][0]
        fig.footprint_diameter = top
    elif recipe.two_step:
        total = 0.0
        for i, (d, alloy) in enumerate(zip(recipe.two_step.openings, recipe.two_step.alloys, strict=True), 1):
            t = film_thickness(steps, f"SM{i}") if any(s.step.layer == f"SM{i}" for s in steps) else 0.0
            v = solder.printed_volume([(d, t)], fraction)
            total += v
            ratio = _area_ratio(file, f"two_step.openings[{i - 1}]", d, t)
            fig.deposits.append({"how": f"paste printed into SM{i}", "alloy": alloy, "opening": d,
                                 "thickness": t, "metal_fraction": fraction, "volume": v, "area_ratio": ratio})
        melt = [pdk.material(a).liquidus or 0.0 for a in recipe.two_step.alloys]
        if melt[0] <= max(melt[1:]):
            fig.notes.append("first solder does not melt higher than the later ones (002:c4 not used)")
        fig.solder_volume = total
        fig.footprint_diameter = recipe.two_step.openings[-1]
    else:
        fig.solder_volume = solder.ball_volume(ball)
        fig.deposits.append({"how": "ball placed", "diameter": ball, "volume": fig.solder_volume})
        fig.footprint_diameter = ball
    shape = solder.reflow(fig.solder_volume, recipe.bump.ubm_diameter)
    fig.reflow_height = shape.height
    fig.reflow_width = shape.width
    fig.sphere_radius = shape.sphere_radius
    if recipe.cantilever:
        fig.support_beams = recipe.cantilever.support_beams.count
        fig.mechanics = _cantilever_mechanics(recipe, pdk, file, steps)
    return fig


def _thickness_of(steps: list[ResolvedStep], role: str) -> tuple[str, float]:
    """Material and thickness of the film a role names in the active steps."""
    for s in steps:
        if s.step.role == role and s.thickness:
            return s.material or "", s.thickness
    raise KeyError(role)


def _cantilever_mechanics(recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> dict[str, Any]:
    """004: stiffness of the arms holding suspended portion 102 (line 110 + beams 111, each metal on insulator)."""
    from maskgen.cells.cantilever import cantilever_arms
    cv = recipe.cantilever
    board = pdk.material(cv.board, file, "cantilever.board")
    if board.cte is None:
        raise InputError(file, "cantilever.board", cv.board, "needs a CTE in materials.yaml (a board material)")
    chip = pdk.material(next(s.material for s in steps if s.step.action == "substrate"))
    rdl_name, t_rdl = _thickness_of(steps, "rdl")
    ins_name, t_ins = _thickness_of(steps, "insulator")
    e_rdl, e_ins = pdk.material(rdl_name).E, pdk.material(ins_name).E
    released = "release" in _features(recipe)
    out: dict[str, Any] = {"released": released, "board": cv.board, "cte_board": board.cte, "cte_chip": chip.cte,
                           "delta_t": cv.delta_t}
    if released:
        arms = []
        for a in cantilever_arms(recipe.bump, cv):
            k_metal = mechanics.cantilever_stiffness(e_rdl, a.width, t_rdl, a.length)
            k_ins = mechanics.cantilever_stiffness(e_ins, a.width + 2 * cv.clearance, t_ins, a.length)
            arms.append({"kind": a.kind, "width": a.width, "length": a.length, "stiffness": k_metal + k_ins})
        out["arms"] = arms
        out["stiffness"] = mechanics.parallel(*(a["stiffness"] for a in arms))
    else:
        out["stiffness"] = None
        out["note"] = "bump supported by the sacrificial/elastic layer: no free cantilever before overload"
    return out


def _area_ratio(file: Path, key: str, diameter: float, thickness: float) -> float:
    """IPC-7525 area ratio d / (4 T) of a printed opening; below 0.66 the paste does not release."""
    ratio = solder.stencil_area_ratio(diameter, thickness)
    if ratio < solder.AREA_RATIO_MIN:
        raise InputError(file, key, diameter, f"paste will not release: area ratio d/(4T) = {diameter:g}/(4 x "
                         f"{thickness:g}) = {ratio:.2f} < {solder.AREA_RATIO_MIN} (IPC-7525); widen the opening "
                         f"to >= {4 * thickness * solder.AREA_RATIO_MIN:.1f} um or thin the film")
    return ratio


def _plated_top_opening(stack: list[tuple[float, float]], height: float) -> float:
    """Diameter of the highest resist opening the plating reaches."""
    z = 0.0
    for d, t in stack:
        if height <= z + t + 1e-9:
            return d
        z += t
    return stack[-1][0]


def _stair(recipe: Recipe, pdk: Pdk, file: Path) -> dict[str, Any]:
    """000: each resist's opening from the one exposure mask by the bias model, growing upward."""
    st = recipe.stair
    resists = []
    for i, r in enumerate(st.resists):
        m = pdk.material(r.material, file, f"stair.resists[{i}].material")
        if m.kind != "resist":
            raise InputError(file, f"stair.resists[{i}].material", r.material,
                             "must be a resist (kind: resist in materials.yaml)")
        resists.append(litho.Resist(name=r.material, tone=m.tone, photosensitivity=m.photosensitivity,
                                    edge_blur=m.edge_blur, thickness=r.thickness))
    try:
        if st.mask_opening is not None:
            mask = st.mask_opening
        else:
            mask = litho.mask_from_target(st.target_opening, resists, st.dose)
        openings = litho.openings_from_mask(mask, resists, st.dose)
    except ValueError as exc:
        raise InputError(file, "stair.dose", st.dose, str(exc)) from None
    if not litho.sensitivity_rises(resists):
        sens = ", ".join(f"{r.name} {r.photosensitivity:g}" for r in resists)
        raise InputError(file, "stair.resists", sens, "photosensitivity must rise from PR1 (wafer) upward "
                         "(000:c4, c11)")
    step = pdk.rule_value("STAIR.NEST")
    try:
        litho.check_stair(openings, step)
    except ValueError as exc:
        key = "stair.mask_opening" if st.mask_opening is not None else "stair.target_opening"
        raise InputError(file, key, st.mask_opening or st.target_opening,
                         f"{exc} (STAIR.NEST {step:g} um a side, 000:c3, c10)") from None
    if openings[0] > recipe.bump.ubm_diameter:
        raise InputError(file, "stair", f"PR1 opening {openings[0]:.2f}",
                         f"must lie on the UBM ({recipe.bump.ubm_diameter:g} um) it exposes (000:c1)")
    return {"mask_opening": mask, "dose": st.dose, "openings": openings,
            "biases": [litho.resist_bias(r, st.dose) for r in resists],
            "steps": litho.stair_steps(openings), "resists": [r.name for r in resists]}


def _check_pitch(recipe: Recipe, pdk: Pdk, file: Path, fig: BumpFigures) -> None:
    """Reflowed bumps must not bridge: pitch - reflowed width >= BUMP.SPACE."""
    from maskgen.sites import min_pitch
    pitch = min_pitch(recipe.die.bump_map, file.parent)
    if pitch is None:
        return
    fig.min_pitch = pitch
    fig.bridging_margin = solder.bridging_margin(pitch, fig.reflow_width)
    space = pdk.rule_value("BUMP.SPACE")
    if fig.bridging_margin < space:
        raise InputError(file, "die.bump_map.pitch", pitch,
                         f"reflowed bumps would bridge: {fig.solder_volume:.0f} um3 of solder on a "
                         f"{recipe.bump.ubm_diameter:g} um UBM reflows {fig.reflow_width:.1f} um wide "
                         f"({fig.reflow_height:.1f} um high), leaving {fig.bridging_margin:.1f} um; "
                         f"BUMP.SPACE needs >= {space:g} um, i.e. pitch >= {fig.reflow_width + space:.1f} um")


def family_block(recipe: Recipe) -> str:
    """The recipe key of the process family's block."""
    return FAMILY_BLOCK[recipe.process]
