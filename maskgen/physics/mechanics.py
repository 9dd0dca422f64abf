"""Mechanics of the suspended cantilever (004): arm stiffness, thermal-mismatch displacement, restoring force."""

from __future__ import annotations

import math
from dataclasses import dataclass


def cantilever_stiffness(e_gpa: float, width: float, thickness: float, length: float) -> float:
    """End-loaded cantilever stiffness k = E w t^3 / (4 L^3), in N/m for E in GPa and lengths in um."""
    for name, v in (("E", e_gpa), ("width", width), ("thickness", thickness), ("length", length)):
        if not v > 0:
            raise ValueError(f"{name} must be > 0, got {v}")
    return e_gpa * 1e3 * width * thickness**3 / (4.0 * length**3)


def parallel(*stiffness: float) -> float:
    """Springs in parallel: k = sum k_i."""
    return float(sum(stiffness))


def dnp(x: float, y: float, centre: tuple[float, float] = (0.0, 0.0)) -> float:
    """Distance from the neutral point (die centre), um."""
    return math.hypot(x - centre[0], y - centre[1])


def thermal_displacement(cte_board: float, cte_chip: float, delta_t: float, distance: float) -> float:
    """Thermal-mismatch displacement delta = (CTE_board - CTE_chip) x 1e-6 x dT x DNP, in um."""
    return (cte_board - cte_chip) * 1e-6 * delta_t * distance


def restoring_force(k: float, displacement: float) -> float:
    """Force the suspended portion exerts when displaced: F = k x delta, in N (delta in um)."""
    return k * displacement * 1e-6


@dataclass(frozen=True)
class BumpMechanics:
    """Stiffness (N/m), displacement (um) and restoring force (mN) of one suspended bump."""

    stiffness: float
    dnp: float
    displacement: float
    force_mn: float


def bump_mechanics(stiffness: float, x: float, y: float, cte_board: float, cte_chip: float,
                   delta_t: float) -> BumpMechanics:
    """Displacement and restoring force of a bump of given stiffness at (x, y) from the die centre."""
    d = dnp(x, y)
    delta = thermal_displacement(cte_board, cte_chip, delta_t, d)
    return BumpMechanics(stiffness, d, delta, restoring_force(stiffness, delta) * 1e3)
