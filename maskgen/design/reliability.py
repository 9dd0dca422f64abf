"""Will it last? Thermal-cycling fatigue of every bump's solder joint, and for 004 the suspended joint and its arms.

A recipe's `reliability:` block (cycle, dwell, board; defaults and published constants in the PDK's
reliability.yaml) gives each bump type `ReliabilityFigures`: the cycle, the joint's standoff height (the reflowed
cap height), Engelmaier's F, c and the alloy's eps_f, and for a released 004 bump the suspension's frame model
(maskgen.design.physics.suspension). `site_reliability` turns them into per-bump figures: DNP, strain range and
N50 of the joint; for a released bump also the same bump rigidly bonded, the fraction of the mismatch its joint
carries, the force on the joint, the peak strain in line 110 and beams 111 and their life.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from maskgen.design.families import family
from maskgen.design.figures import BumpFigures, LineMetal, ReliabilityFigures, ResolvedStep, SuspensionFigures
from maskgen.design.physics import fatigue, suspension
from maskgen.errors import InputError, given
from maskgen.input.pdk import Pdk
from maskgen.input.recipe import Recipe

LINE_RULE = "RELIABILITY.LINE"
"""Id of the warning raised when a bump's metal line is predicted to fail before its solder joint."""


def reliability_figures(recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep],
                        bump: BumpFigures) -> ReliabilityFigures | None:
    """The recipe's `reliability:` block resolved against the PDK for one bump type; None without the block."""
    spec = recipe.reliability
    if spec is None:
        return None
    data = pdk.reliability
    if data is None:
        raise InputError(file, "reliability", "...", f"PDK {pdk.name} has no reliability.yaml (eps_f per alloy, "
                         "non-ideal factor, cycle defaults)")
    t_min, t_max = spec.cycle if spec.cycle is not None else data.defaults.cycle
    if t_max <= t_min:
        raise InputError(file, "reliability.cycle", [t_min, t_max], "give [T_min, T_max] in C with T_max > T_min")
    mech = bump.mechanics
    board_key = "reliability.board"
    board_name = spec.board
    if mech is not None and board_name is not None and board_name != mech.board:
        raise InputError(file, "reliability.board", board_name, f"this process takes the board from its "
                         f"{family(recipe).block} block (board {mech.board}): give it there, or leave "
                         "reliability.board out")
    if mech is not None:
        board_name, board_key = mech.board, f"{family(recipe).block}.board"
    elif board_name is None:
        board_name = data.defaults.board
    board = pdk.material(board_name, file, board_key)
    if board.kind != "board" or board.cte is None:
        boards = sorted(n for n, m in pdk.materials.materials.items() if m.kind == "board" and m.cte is not None)
        raise InputError(file, board_key, board_name, f"needs a board material with a CTE; boards: {', '.join(boards)}")
    chip_name = next(s.material for s in steps if s.step.action == "substrate")
    chip = pdk.material(chip_name)
    alloy = next((s.material for s in steps if s.step.role == "solder" and s.material), recipe.solder.alloy)
    found = data.solders.get(alloy)
    if found is None:
        raise InputError(file, "solder.alloy", alloy, f"no published fatigue ductility eps_f for this alloy in "
                         f"{pdk.path / 'reliability.yaml'}; alloys with one: {', '.join(data.solders)}")
    factor = spec.non_ideal_factor if spec.non_ideal_factor is not None else data.non_ideal_factor.value
    source = "recipe" if spec.non_ideal_factor is not None else data.non_ideal_factor.source
    fig = ReliabilityFigures(board=board_name, cte_board=float(board.cte), chip=given(chip_name, "substrate"),
                             cte_chip=float(given(chip.cte, f"{chip_name}.cte", pdk.path / "materials.yaml")),
                             t_min=float(t_min), t_max=float(t_max), dwell=float(spec.dwell or data.defaults.dwell),
                             standoff=bump.reflow_height, factor=float(factor), factor_source=source, alloy=alloy,
                             eps_f=found.eps_f, eps_f_source=found.source)
    if bump.mechanics is not None and bump.mechanics.released:
        fig = dataclasses.replace(fig, suspension=_suspension(recipe, pdk, steps, bump))
    return fig


def _suspension(recipe: Recipe, pdk: Pdk, steps: list[ResolvedStep], bump: BumpFigures) -> SuspensionFigures:
    """004, released: the family's arms as layered radial beams and the joint in series."""
    data = given(pdk.reliability, "reliability", pdk.path / "reliability.yaml", "needs the PDK's reliability.yaml")
    arms = family(recipe).suspended_arms(recipe, pdk, steps, data.film_poisson)
    solder_mat = pdk.material(next(s.material for s in steps if s.step.role == "solder"))
    e_solder = given(solder_mat.E, "solder E", pdk.path / "materials.yaml")
    joint = suspension.solder_joint(e_solder, data.solder_poisson, bump.ubm_diameter, bump.reflow_height,
                                    data.shear_coefficient)
    metal_name = given(next(s.material for s in steps if s.step.role == "rdl"), "rdl.material")
    lf = data.lines.get(metal_name)
    e_metal = given(pdk.material(metal_name).E, f"{metal_name}.E", pdk.path / "materials.yaml")
    line = LineMetal(metal_name, e_metal, lf.ultimate_strength, lf.ductility, lf.source) \
        if lf is not None else None
    return SuspensionFigures(arms=arms, response=suspension.response(arms, joint), line=line)


def site_reliability(fig: ReliabilityFigures, xs: np.ndarray, ys: np.ndarray) -> dict[str, np.ndarray]:
    """Per-bump figures at sites (xs, ys) um from the die centre: dnp, dgamma, n50 (inf for an unstrained joint);
    for a released 004 bump also n50_rigid, joint_fraction, joint_force_mN, line_strain and n50_line."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    dnp = np.hypot(xs, ys)
    rigid = np.array([fatigue.shear_strain_range(1.0, fig.cte_board, fig.cte_chip, fig.delta_t, fig.standoff,
                                                 fig.factor)]) * dnp
    c = fig.c
    s = fig.suspension
    if s is None:
        return {"dnp": dnp, "dgamma_pct": rigid * 100, "n50": fatigue.cycles_to_failure_array(rigid, fig.eps_f, c)}
    mismatch = (fig.cte_board - fig.cte_chip) * 1e-6 * fig.delta_t                 # um per um of DNP
    delta = np.column_stack([xs, ys]) * mismatch                                   # board pad motion, um
    force = delta * suspension.UM @ s.response.force.T                            # N
    magnitude = np.hypot(force[:, 0], force[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(dnp > 0, magnitude / (s.response.joint_stiffness * np.abs(mismatch) * dnp
                                                  * suspension.UM), 0.0)
    dgamma = rigid * fraction
    out = {"dnp": dnp, "dgamma_pct": dgamma * 100, "n50": fatigue.cycles_to_failure_array(dgamma, fig.eps_f, c),
           "n50_rigid": fatigue.cycles_to_failure_array(rigid, fig.eps_f, c), "joint_fraction": fraction,
           "joint_force_mN": magnitude * 1e3}
    strain = suspension.arm_strains(s.arms, s.response, delta)
    peak = strain.max(axis=1) if strain.size else np.zeros_like(dnp)
    out["line_strain_pct"] = peak * 100
    if s.line is not None:
        out["n50_line"] = fatigue.manson_cycles_array(peak, s.line.ultimate_strength, s.line.e_gpa,
                                                      s.line.ductility)
    return out


def finite(value: float) -> float | None:
    """A cycle count for JSON: None for a joint or line that is not strained (inf)."""
    return None if math.isinf(value) else float(value)
