"""Mechanics of the suspended bump (004): the arms' vertical stiffness and the thermal-mismatch displacement.

Units: lengths in um, E in GPa, CTE in ppm/K, stiffness in N/m.
The suspended portion 102 is held by its metal line 110 and optional support beams 111; pushed up or down
(out of the plane) each is an end-loaded cantilever k = E w t^3 / (4 L^3), the springs in parallel: the
vertical stiffness the manifest reports as `stiffness`.  The board moves a bump at distance DNP from the die
centre (neutral point) by (CTE_board - CTE_chip) dT DNP relative to the chip: a lateral motion, which the arms
resist in their own plane (stretch, in-plane bending) and the bump by tilting its plate; that lateral model and
the force it puts on the solder joint are maskgen.design.physics.suspension (the vertical stiffness times the
lateral displacement is no force on anything, and is not reported).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from maskgen.design.physics.args import finite as _finite
from maskgen.design.physics.args import non_negative as _non_negative
from maskgen.design.physics.args import positive as _positive


def cantilever_stiffness(e_gpa: float, width: float, thickness: float, length: float) -> float:
    """End-loaded cantilever k = E w t^3 / (4 L^3); N/m = E_GPa x 1e3 x w t^3 / (4 L^3) with w, t, L in um."""
    e = _positive("e_gpa", e_gpa)
    w = _positive("width", width)
    t = _positive("thickness", thickness)
    length = _positive("length", length)
    return e * 1e3 * w * t**3 / (4.0 * length**3)


def parallel(*stiffness: float) -> float:
    """Springs in parallel: k = sum k_i (N/m)."""
    return float(sum(_non_negative(f"stiffness[{i}]", k) for i, k in enumerate(stiffness)))


def dnp(x: float, y: float, die_centre: tuple[float, float] = (0.0, 0.0)) -> float:
    """Distance from the neutral point (die centre): DNP = sqrt((x - xc)^2 + (y - yc)^2), um."""
    return math.hypot(_finite("x", x) - _finite("die_centre x", die_centre[0]),
                      _finite("y", y) - _finite("die_centre y", die_centre[1]))


def thermal_displacement(cte_board: float, cte_chip: float, delta_t: float, dnp: float) -> float:
    """Thermal-mismatch displacement delta = (CTE_board - CTE_chip) x 1e-6 x dT x DNP, um (dT signed, K)."""
    cb = _non_negative("cte_board", cte_board)
    cc = _non_negative("cte_chip", cte_chip)
    dt = _finite("delta_t", delta_t)
    distance = _non_negative("dnp", dnp)
    return (cb - cc) * 1e-6 * dt * distance


@dataclass(frozen=True)
class BumpMechanics:
    """One suspended bump: vertical stiffness of its arms (N/m), DNP (um) and thermal-mismatch displacement (um)."""

    stiffness: float
    dnp: float
    displacement: float


def bump_mechanics(stiffness: float | Sequence[float], x: float, y: float, cte_board: float, cte_chip: float,
                   delta_t: float, die_centre: tuple[float, float] = (0.0, 0.0)) -> BumpMechanics:
    """Bump at (x, y): k = sum of the arm springs (line 110 + beams 111), delta = dCTE dT DNP."""
    k = parallel(*stiffness) if isinstance(stiffness, Sequence) else parallel(stiffness)
    distance = dnp(x, y, die_centre)
    delta = thermal_displacement(cte_board, cte_chip, delta_t, distance)
    return BumpMechanics(stiffness=k, dnp=distance, displacement=delta)


def bump_motions(stiffness: float, xs: np.ndarray, ys: np.ndarray, cte_board: float, cte_chip: float,
                 delta_t: float) -> dict[str, np.ndarray]:
    """`bump_mechanics` for many bumps at once: DNP and displacement (um) per bump."""
    bump_mechanics(stiffness, 0.0, 0.0, cte_board, cte_chip, delta_t)                # validates the figures
    dnp = np.hypot(xs, ys)
    delta = thermal_displacement(cte_board, cte_chip, delta_t, 1.0) * dnp      # linear in DNP: the same floats
    return {"dnp": dnp, "displacement": delta}
