"""004: wafer-level CSP with bump 120 on suspended portion 102, fed by metal line 110 from pad 91 (Figs 5-12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gdstk

from maskgen.design.families.base import Common, placed_ball, role_film
from maskgen.design.figures import ArmFigures, BumpFigures, Design, MechanicsFigures, ResolvedStep
from maskgen.design.physics import mechanics, suspension
from maskgen.errors import InputError, given
from maskgen.input import constraints
from maskgen.input.pdk import Pdk, Process
from maskgen.input.recipe import FAMILY_BLOCK, Cantilever, Recipe, family_block
from maskgen.layout.cells.base import Builder
from maskgen.layout.cells.cantilever import (
    PROCESS,
    cantilever_arms,
    cantilever_bump,
    cantilever_error,
    cantilever_features,
    cantilever_plan,
    check_rules,
)


class CantileverWlcsp(Common):
    """004: embodiments 1 to 6 of the suspended-cantilever bump."""

    name = "cantilever_wlcsp"
    block = FAMILY_BLOCK["cantilever_wlcsp"]
    places_balls = True

    def options(self, recipe: Recipe, process: Process) -> set[str]:
        """The embodiment's layers and options: SAC, ELASTIC, release, one or two insulators (and INS2)."""
        return set(cantilever_features(family_block(recipe, Cantilever), process))

    def with_defaults(self, recipe: Recipe, pdk: Pdk, file: Path) -> Recipe:
        """slot_width and clearance left out of the cantilever block (and of each bump type's) come from the
        process's `defaults.cantilever` (pdk/<pdk>/processes/cantilever_wlcsp.yaml)."""
        types = [t.model_copy(update={"cantilever": fill_defaults(t.cantilever, pdk, recipe.process, file)})
                 if t.cantilever is not None else t for t in recipe.bump_types]
        own = fill_defaults(family_block(recipe, Cantilever), pdk, recipe.process, file)
        return recipe.model_copy(update={"cantilever": own,
                                         "bump_types": types})

    def pad_offset(self, recipe: Recipe) -> tuple[float, float]:
        """cantilever.pad_offset: pad 91 beside the bump, on joint portion 101."""
        return family_block(recipe, Cantilever).pad_offset

    def fixed_rdl(self, recipe: Recipe) -> str | None:
        """Metal line 110 (the cantilever block) joins each bump to its pad."""
        return "cantilever"

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """Line 110 and the land keep the RDL rules, layer 140 encloses bump 120, and the plan can be drawn."""
        cv = family_block(recipe, Cantilever)
        st = recipe.bump
        ball = recipe.solder.ball
        constraints.need(file, "cantilever.line_width", cv.line_width, constraints.rdl_width(pdk))
        constraints.need(file, "cantilever.land_diameter", cv.land_diameter,
                         constraints.rdl_encloses_ubm(pdk, st.ubm_diameter))
        f = cantilever_features(cv, pdk.processes.get(PROCESS))
        if "SAC" in f:
            constraints.need(file, "cantilever.sacrificial_diameter", cv.sacrificial_diameter,
                             constraints.sac_under_bump(pdk, ball))
        if "ELASTIC" in f and cv.elastic_diameter is None:
            raise InputError(file, "cantilever.elastic_diameter", None,
                             f"embodiment {cv.embodiment} has elastic layer 150: give its diameter (004:c6, c9)")
        if cv.protection_opening >= st.ubm_diameter:
            raise InputError(file, "cantilever.protection_opening", cv.protection_opening,
                             f"must be smaller than the UBM ({st.ubm_diameter:g} um) that covers it")
        try:
            check_rules(pdk, st, cv, cantilever_plan(st, cv, process=pdk.processes.get(PROCESS)), ball)
        except ValueError as exc:
            raise cantilever_error(file, exc) from None

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """A placed ball on the bump land, the support beams 111 and the arms' mechanics."""
        fig = placed_ball(recipe)
        fig.support_beams = family_block(recipe, Cantilever).support_beams.count
        fig.mechanics = arm_mechanics(recipe, pdk, file, steps)
        return fig

    def suspended_arms(self, recipe: Recipe, pdk: Pdk, steps: list[ResolvedStep],
                       poisson: float) -> list[suspension.ArmBeam]:
        """Line 110 and beams 111 as radial beams from the land edge (the rigid plate under bump 120) to where the
        layer under the bump ends: each a stack of insulator 100, metal and protection 170 (the insulator and
        protection as wide as the bridge, arm + 2 x clearance, the release windows leave under and over it)."""
        return suspended_arms(recipe, pdk, steps, poisson)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """The suspended-cantilever bump of the embodiment (maskgen.layout.cells.cantilever)."""
        r = design.recipe
        try:
            return cantilever_bump(b, r.bump, family_block(r, Cantilever), r.solder.ball,
                                   design.bump.reflow_width)
        except ValueError as exc:
            raise cantilever_error(design.file, exc) from None


PROCESS_KEYS = ("slot_width", "clearance")
"""Keys of the cantilever block whose default is process data: `defaults.cantilever` of the process file."""


def fill_defaults(cv: Cantilever, pdk: Pdk, process: str, file: Path | None = None) -> Cantilever:
    """The cantilever block with each of PROCESS_KEYS it leaves out taken from the process's defaults.cantilever;
    one InputError line naming the process file when the PDK has none."""
    missing = [k for k in PROCESS_KEYS if getattr(cv, k) is None]
    if not missing:
        return cv
    defaults = pdk.process(process, file).defaults.cantilever
    if defaults is None:
        raise InputError(pdk.process_files.get(process, pdk.path / "processes"), "defaults.cantilever", None,
                         f"required key is missing: a cantilever block without {' or '.join(missing)} takes "
                         f"{'it' if len(missing) == 1 else 'them'} from here (um)")
    return cv.model_copy(update={k: getattr(defaults, k) for k in missing})


def arm_mechanics(recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> MechanicsFigures:
    """004: stiffness of the arms holding suspended portion 102 (line 110 + beams 111, each metal on insulator)."""
    cv = family_block(recipe, Cantilever)
    board = pdk.material(cv.board, file, "cantilever.board")
    if board.cte is None:
        raise InputError(file, "cantilever.board", cv.board, "needs a CTE in materials.yaml (a board material)")
    chip = pdk.material(next(s.material for s in steps if s.step.action == "substrate"))
    rdl_name, t_rdl = role_film(steps, "rdl")
    ins_name, t_ins = role_film(steps, "insulator")
    mats = pdk.path / "materials.yaml"
    e_rdl = given(pdk.material(rdl_name).E, f"{rdl_name}.E", mats)
    e_ins = given(pdk.material(ins_name).E, f"{ins_name}.E", mats)
    common: dict[str, Any] = {"board": cv.board, "cte_board": board.cte, "cte_chip": chip.cte, "delta_t": cv.delta_t}
    if "release" not in cantilever_features(cv, pdk.processes.get(PROCESS)):
        return MechanicsFigures(released=False, stiffness=None, **common,
                                note="bump supported by the sacrificial/elastic layer: no free cantilever "
                                     "before overload")
    arms = []
    for a in cantilever_arms(recipe.bump, cv, process=pdk.processes.get(PROCESS)):
        k_metal = mechanics.cantilever_stiffness(e_rdl, a.width, t_rdl, a.length)
        k_ins = mechanics.cantilever_stiffness(e_ins, a.width + 2 * given(cv.clearance, "cantilever.clearance"), t_ins,
                                               a.length)
        arms.append(ArmFigures(kind=a.kind, width=a.width, length=a.length, stiffness=k_metal + k_ins))
    return MechanicsFigures(released=True, stiffness=mechanics.parallel(*(a.stiffness for a in arms)), arms=arms,
                            **common)


def suspended_arms(recipe: Recipe, pdk: Pdk, steps: list[ResolvedStep], poisson: float) -> list[suspension.ArmBeam]:
    """`CantileverWlcsp.suspended_arms`: the arms of the recipe's cantilever with their layered sections."""
    cv = family_block(recipe, Cantilever)
    process = pdk.processes.get(PROCESS)
    plan = cantilever_plan(recipe.bump, cv, process=process)
    films_by_role = []
    for role in ("insulator", "rdl", "protection"):
        try:
            films_by_role.append((role, *role_film(steps, role)))
        except KeyError:
            continue
    roles = [r for r, _, _ in films_by_role]
    arms = []
    arm_list = cantilever_arms(recipe.bump, cv, process=process)
    for arm, angle in zip(arm_list, (plan.line_angle, *plan.beam_angles), strict=True):
        clearance = given(cv.clearance, "cantilever.clearance")
        films = [suspension.Film(given(pdk.material(m).E, f"{m}.E", pdk.path / "materials.yaml"),
                                 arm.width + (0 if r == "rdl" else 2 * clearance), t)
                 for r, m, t in films_by_role]
        arms.append(suspension.ArmBeam(kind=arm.kind, angle=float(angle), attach_radius=plan.land_radius,
                                       length=arm.length,
                                       section=suspension.section(films, roles.index("rdl"), poisson)))
    return arms


FAMILY = CantileverWlcsp()
