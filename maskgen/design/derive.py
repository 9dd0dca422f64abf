"""From a validated recipe and its PDK to the design: resolved process, materials and the bump figures.

Every check that needs the PDK (rules, materials, models) happens here, before geometry; a failure is one
InputError line naming the recipe file, the key, the value and what is allowed.
"""

from __future__ import annotations

from pathlib import Path

from maskgen.design import fanout
from maskgen.design.families import family
from maskgen.design.families.base import drawn_layers, film_thickness
from maskgen.design.fanout import RdlFigures
from maskgen.design.figures import BumpFigures, Design, MechanicsFigures, ResolvedStep, StairFigures
from maskgen.design.physics import solder
from maskgen.design.reliability import reliability_figures
from maskgen.errors import InputError
from maskgen.input import constraints, limits, units
from maskgen.input.pdk import Pdk, Process, claimed_for
from maskgen.input.recipe import Recipe

__all__ = ["BumpFigures", "Design", "MechanicsFigures", "ResolvedStep", "StairFigures", "derive", "film_thickness",
           "recipe_pad_offset"]

ALWAYS_DRAWN = frozenset({"REFLOW", "DIE"})
"""Layers every layout draws that no process step makes: the reflowed outline of each bump, the die boundary."""
DIE_RDL = frozenset({"RDL", "INS1"})
"""Layers a die with chip pads (die.pads, RDL fan-out) or test structures draws: lines, lands and pad vias."""


def derive(recipe: Recipe, pdk: Pdk, file: Path, check_pitch: bool = True) -> Design:
    """Check the recipe against the PDK and compute the bump figures (sizes by arithmetic before any site; with
    several bump types the bridging check runs between neighbours when the die is built, maskgen.design.bumptypes;
    a die size or pitch that looks typed in mm gets the mm hint, maskgen.input.units)."""
    with units.hinting(recipe):
        return _derive(recipe, pdk, file, check_pitch)


def _derive(recipe: Recipe, pdk: Pdk, file: Path, check_pitch: bool) -> Design:
    """derive's checks and figures, in order."""
    limits.check_files(recipe, file)
    limits.check_wafer(recipe, file)
    process = pdk.process(recipe.process, file)
    recipe = family(recipe).with_defaults(recipe, pdk, file)
    features = _features(recipe, process)
    materials = _materials(recipe, pdk, process, features, file)
    steps = _resolve_steps(recipe, process, features, materials)
    fan = _check_stack(recipe, pdk, file)
    bump = family(recipe).figures(recipe, pdk, file, steps)
    bump.reliability = reliability_figures(recipe, pdk, file, steps, bump)
    if check_pitch and not recipe.bump_types:
        _check_pitch(recipe, pdk, file, bump)
    limits.check_map_fit(recipe, file, pdk.rule_value("DIE.EDGE"), bump.reflow_width, recipe_pad_offset(recipe),
                         recipe.die.pads is not None, family(recipe).fixed_rdl(recipe))
    limits.check_site_limit(recipe, file)
    return Design(recipe=recipe, file=file, pdk=pdk, process=process, features=features,
                  materials=materials, steps=steps, bump=bump, fanout=fan)


def recipe_pad_offset(recipe: Recipe) -> tuple[float, float]:
    """Where pad 91 sits relative to its bump (RDL families), else under it."""
    return family(recipe).pad_offset(recipe)


# ----------------------------------------------------------------------------- process
def _features(recipe: Recipe, process: Process) -> set[str]:
    """Layers drawn and options chosen: the family's options and every layer the steps they make active draw."""
    present = family(recipe).options(recipe, process)
    if recipe.die.pads is not None or recipe.die.test_structures is not None:
        present |= DIE_RDL
    return drawn_layers(process, present) | ALWAYS_DRAWN


def _materials(recipe: Recipe, pdk: Pdk, process: Process, features: set[str], file: Path) -> dict[str, str]:
    """Role -> material: process defaults, overridden by the recipe, each one known and claimed."""
    active = process.active_steps(features)
    roles = {s.role: s.material for s in active if s.role and s.material}
    own = family(recipe).block_materials(recipe)
    overrides = dict(recipe.materials)
    overrides.update({role: name for role, (_, name) in own.items()})
    if recipe.solder.alloy and "solder" in roles:
        overrides.setdefault("solder", recipe.solder.alloy)
    for role, name in recipe.materials.items():
        if role not in roles:
            raise InputError(file, f"materials.{role}", name,
                             f"process {process.name} has no role '{role}'; roles: {', '.join(sorted(roles))}")
    resolved = {**roles, **{k: v for k, v in overrides.items() if k in roles}}
    claimed = claimed_for(pdk, process.name)
    for role, name in resolved.items():
        key = own[role][0] if role in own else _material_key(recipe, role)
        default = pdk.materials.materials.get(roles[role])
        pdk.material(name, file, key, "solder" if default is not None and default.kind == "solder" else None)
        family_role = role.rstrip("_0123456789") if role[-1].isdigit() else role
        allowed = claimed.get(family_role)
        if allowed and name not in allowed.allowed:
            raise InputError(file, key, name, f"not claimed for {family_role} by {allowed.claim}; "
                             f"allowed: {', '.join(allowed.allowed)}")
    return resolved


def _material_key(recipe: Recipe, role: str) -> str:
    """The recipe key a role's material comes from outside the family block, for error messages."""
    if role == "solder" and role not in recipe.materials:
        return "solder.alloy"
    return f"materials.{role}"


def _resolve_steps(recipe: Recipe, process: Process, features: set[str],
                   materials: dict[str, str]) -> list[ResolvedStep]:
    """Active steps with materials and thicknesses from the recipe where it sets them."""
    fam = family(recipe)
    out = []
    for i, step in enumerate(process.active_steps(features)):
        material = materials.get(step.role, step.material) if step.role else step.material
        thickness = recipe.thickness.get(step.role, step.thickness) if step.role else step.thickness
        own = fam.film_thickness(recipe, step.role) if step.role else None
        if own is not None:
            thickness = own
        out.append(ResolvedStep(i, step, material, thickness))
    return out


# ----------------------------------------------------------------------------- geometry checks
def _check_stack(recipe: Recipe, pdk: Pdk, file: Path) -> RdlFigures | None:
    """Openings nest inside what must enclose them, by the PDK rule values; the checked fan-out figures."""
    st = recipe.bump
    fam = family(recipe)
    constraints.need(file, "bump.passivation_opening", st.passivation_opening, constraints.pasv_width(pdk))
    constraints.need(file, "bump.pad.width", st.pad.width, constraints.pasv_in_pad(pdk, st.passivation_opening))
    on_rdl = fam.fixed_rdl(recipe) is not None or recipe.die.pads is not None
    fan = fanout.figures(recipe, pdk, file, family(recipe).fixed_rdl(recipe))
    if not on_rdl:
        constraints.need(file, "bump.ubm_diameter", st.ubm_diameter,
                         constraints.ubm_covers_pasv(pdk, st.passivation_opening))
    if fam.places_balls and recipe.solder.ball_diameter is None:
        raise InputError(file, "solder.ball_diameter", None, f"process {recipe.process} places balls: "
                         "give the ball diameter in um")
    fam.check(recipe, pdk, file)
    return fan


def _check_pitch(recipe: Recipe, pdk: Pdk, file: Path, fig: BumpFigures) -> None:
    """Reflowed bumps must not bridge: pitch - reflowed width >= BUMP.SPACE."""
    from maskgen.layout.sites import min_pitch
    pitch = min_pitch(recipe.die.bump_map, file.parent)
    if pitch is None:
        return
    fig.min_pitch = pitch
    fig.bridging_margin = solder.bridging_margin(pitch, fig.reflow_width)
    least = constraints.bump_space(pdk, fig.reflow_width)
    if fig.bridging_margin < least.rule:
        raise InputError(file, "die.bump_map.pitch", pitch,
                         f"reflowed bumps would bridge: {fig.solder_volume:.0f} um3 of solder on a "
                         f"{recipe.bump.ubm_diameter:g} um UBM reflows {fig.reflow_width:.1f} um wide "
                         f"({fig.reflow_height:.1f} um high), leaving {fig.bridging_margin:.1f} um; "
                         f"{least.why}, i.e. pitch >= {least.value:.1f} um")
