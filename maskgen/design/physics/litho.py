"""Stacked resists under ONE exposure (000): each resist's developed opening from the mask by an edge-bias model.

Near a mask edge the aerial image is an error-function step of spread sigma (the resist's edge_blur, um):
I(x) = D x 0.5 x erfc(x / (sigma sqrt 2)), with x > 0 under the chrome.  A resist reacts where I >= E0,
E0 = 1000 / photosensitivity (mJ/cm2 for photosensitivity in cm2/J), so its edge sits at
x* = sigma sqrt 2 erfcinv(2 E0 / D).  A positive resist clears the exposed side: bias = +x*; a negative resist
keeps the exposed side and its opening is the unexposed region: bias = -x*.  Openings are listed from PR1
(nearest the wafer) upward; 000:c3/c10 want them to grow upward, 000:c4/c11 want PR1 least sensitive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

_ERFCINV_TOL = 1e-12
"""Absolute tolerance on x of the erfc inversion."""


@dataclass(frozen=True)
class Resist:
    """A resist of the stack: tone, photosensitivity (cm2/J = 1000 / dose to clear), edge blur and thickness (um)."""

    name: str
    tone: Literal["positive", "negative"]
    photosensitivity: float
    edge_blur: float
    thickness: float


def _check_resist(resist: Resist) -> None:
    """Raise ValueError naming the resist when its tone or numbers are unusable."""
    if resist.tone not in ("positive", "negative"):
        raise ValueError(f"resist {resist.name}: tone must be 'positive' or 'negative', got {resist.tone!r}")
    for field, value, low_ok in (("photosensitivity", resist.photosensitivity, False),
                                 ("edge_blur", resist.edge_blur, True),
                                 ("thickness", resist.thickness, False)):
        ok = isinstance(value, int | float) and math.isfinite(value) and (value >= 0 if low_ok else value > 0)
        if not ok:
            bound = ">= 0" if low_ok else "> 0"
            raise ValueError(f"resist {resist.name}: {field} must be a finite number {bound}, got {value!r}")


def _check_dose(dose: float) -> float:
    """Return the dose as float, or raise ValueError unless it is a finite number > 0 (mJ/cm2)."""
    d = float(dose)
    if not (math.isfinite(d) and d > 0):
        raise ValueError(f"dose must be a finite number > 0 (mJ/cm2), got {dose!r}")
    return d


def _check_stack(resists: Sequence[Resist]) -> None:
    """Raise ValueError for an empty resist stack."""
    if not resists:
        raise ValueError("resists must list at least one resist (PR1 nearest the wafer first), got none")


def erfcinv(y: float) -> float:
    """Inverse complementary error function: the x with erfc(x) = y, 0 < y < 2 (bisection then Newton, 1e-12)."""
    y = float(y)
    if not 0 < y < 2:
        raise ValueError(f"erfcinv needs 0 < y < 2, got {y!r}")
    # erfc falls monotonically from 2 to 0; erfc(-27) rounds to 2 and erfc(27) underflows to 0.
    lo, hi = -27.0, 27.0
    for _ in range(200):
        if hi - lo <= 0.1 * _ERFCINV_TOL:
            break
        mid = 0.5 * (lo + hi)
        if math.erfc(mid) > y:
            lo = mid
        else:
            hi = mid
    x = 0.5 * (lo + hi)
    for _ in range(3):  # Newton polish on f(x) = erfc(x) - y, f'(x) = -2 / sqrt(pi) exp(-x^2), kept if it helps
        slope = -2.0 / math.sqrt(math.pi) * math.exp(-x * x)
        if slope == 0.0:
            break
        nxt = x - (math.erfc(x) - y) / slope
        if abs(math.erfc(nxt) - y) >= abs(math.erfc(x) - y):
            break
        x = nxt
    return x


def dose_to_clear(resist: Resist) -> float:
    """Dose to clear (positive) or gel (negative) in mJ/cm2: E0 = 1000 / photosensitivity."""
    _check_resist(resist)
    return 1000.0 / resist.photosensitivity


def resist_bias(resist: Resist, dose: float) -> float:
    """Per-side bias (um): x* = sigma sqrt 2 erfcinv(2 E0 / D); +x* for positive tone, -x* for negative tone."""
    _check_resist(resist)
    d = _check_dose(dose)
    e0 = 1000.0 / resist.photosensitivity
    ratio = 2.0 * e0 / d
    if not 0 < ratio < 2:
        what = "clear" if resist.tone == "positive" else "gel"
        raise ValueError(f"resist {resist.name}: dose {d:g} mJ/cm2 does not exceed its dose to {what} {e0:g} "
                         f"mJ/cm2 (2 E0 / D = {ratio:.3g} must lie in (0, 2)): it never {what}s at any edge")
    x = resist.edge_blur * math.sqrt(2.0) * erfcinv(ratio)
    return x if resist.tone == "positive" else -x


def openings_from_mask(mask_opening: float, resists: Sequence[Resist], dose: float) -> list[float]:
    """Developed opening of each resist (PR1 nearest the wafer first): o_i = mask + 2 x bias_i (um)."""
    m = float(mask_opening)
    if not (math.isfinite(m) and m > 0):
        raise ValueError(f"mask_opening must be a finite number > 0 (um), got {mask_opening!r}")
    _check_stack(resists)
    out = []
    for r in resists:
        o = m + 2.0 * resist_bias(r, dose)
        if o <= 0:
            raise ValueError(f"resist {r.name}: the {m:g} um mask opening closes at dose {float(dose):g} mJ/cm2 "
                             f"(developed opening {o:.3g} um)")
        out.append(o)
    return out


def mask_from_target(target_lowest_opening: float, resists: Sequence[Resist], dose: float) -> float:
    """Mask opening giving the target opening in the lowest resist PR1: mask = target - 2 x bias_1 (um)."""
    t = float(target_lowest_opening)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"target_lowest_opening must be a finite number > 0 (um), got {target_lowest_opening!r}")
    _check_stack(resists)
    mask = t - 2.0 * resist_bias(resists[0], dose)
    if mask <= 0:
        raise ValueError(f"resist {resists[0].name}: target opening {t:g} um needs a mask opening of {mask:.3g} um "
                         f"at dose {float(dose):g} mJ/cm2; no mask can print it")
    return mask


def stair_steps(openings: Sequence[float]) -> list[float]:
    """Per-side step between consecutive openings, bottom-up: s_i = (o[i+1] - o[i]) / 2 (um)."""
    return [(b - a) / 2.0 for a, b in zip(openings, openings[1:], strict=False)]


def check_stair(openings: Sequence[float], min_step: float) -> None:
    """Raise ValueError unless each opening exceeds the one below by >= 2 x min_step, i.e. s_i >= min_step (000:c3)."""
    step_min = float(min_step)
    if not (math.isfinite(step_min) and step_min >= 0):
        raise ValueError(f"min_step must be a finite number >= 0 (um), got {min_step!r}")
    for i, step in enumerate(stair_steps(openings)):
        if step < step_min - 1e-9:
            shown = ", ".join(f"{o:.2f}" for o in openings)
            raise ValueError(f"openings PR1..PR{len(openings)} = {shown} um: PR{i + 2} exceeds PR{i + 1} by "
                             f"{step:.2f} um a side, needs {step_min:g}")


def sensitivity_rises(resists: Sequence[Resist]) -> bool:
    """000:c4, c11: PR1 (nearest the wafer) is least sensitive; photosensitivity strictly rises upward."""
    return all(a.photosensitivity < b.photosensitivity for a, b in zip(resists, resists[1:], strict=False))
