"""Stacked resists under ONE exposure (000): each resist's developed opening from the mask by a bias model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Resist:
    """A resist of the stack: tone, photosensitivity (cm2/J = 1000 / dose to clear), edge blur and thickness (um)."""

    name: str
    tone: Literal["positive", "negative"]
    photosensitivity: float
    edge_blur: float
    thickness: float


def erfcinv(y: float) -> float:
    """Inverse complementary error function on (0, 2), by bisection to 1e-12."""
    if not 0 < y < 2:
        raise ValueError(f"erfcinv needs 0 < y < 2, got {y}")
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erfc(mid) > y:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return (lo + hi) / 2


def resist_bias(resist: Resist, dose: float) -> float:
    """Per-side bias: edge where D/2 erfc(x / (sigma sqrt 2)) = E0, x = sigma sqrt2 erfcinv(2 E0 / D); sign by tone."""
    e0 = 1000.0 / resist.photosensitivity
    ratio = 2 * e0 / dose
    if not 0 < ratio < 2:
        raise ValueError(f"resist {resist.name}: dose {dose:g} mJ/cm2 is below its dose to clear {e0:g} mJ/cm2")
    x = resist.edge_blur * math.sqrt(2) * erfcinv(ratio)
    return x if resist.tone == "positive" else -x


def openings_from_mask(mask_opening: float, resists: list[Resist], dose: float) -> list[float]:
    """Developed opening of each resist (PR1 first): mask + 2 x bias_i."""
    return [mask_opening + 2 * resist_bias(r, dose) for r in resists]


def mask_from_target(target_lowest_opening: float, resists: list[Resist], dose: float) -> float:
    """Mask opening that gives the target opening in the lowest resist: target - 2 x bias_1."""
    return target_lowest_opening - 2 * resist_bias(resists[0], dose)


def stair_steps(openings: list[float]) -> list[float]:
    """Per-side step between consecutive openings: (o[i+1] - o[i]) / 2."""
    return [(b - a) / 2 for a, b in zip(openings, openings[1:], strict=False)]


def check_stair(openings: list[float], min_step: float) -> None:
    """Openings must grow upward by at least 2 x min_step (000:c3, c10)."""
    for i, step in enumerate(stair_steps(openings)):
        if step < min_step - 1e-9:
            shown = ", ".join(f"{o:.2f}" for o in openings)
            raise ValueError(f"openings PR1..PR{len(openings)} = {shown} um: PR{i + 2} exceeds PR{i + 1} by "
                             f"{step:.2f} um a side, needs {min_step:g}")


def sensitivity_rises(resists: list[Resist]) -> bool:
    """000:c4, c11: the resist nearest the wafer is the least sensitive; sensitivity rises upward."""
    return all(a.photosensitivity < b.photosensitivity for a, b in zip(resists, resists[1:], strict=False))
