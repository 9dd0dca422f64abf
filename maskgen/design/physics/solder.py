"""Solder volume (ball, plated, printed) and the reflowed spherical cap on a circular wettable UBM.

Lengths in micrometres, volumes in um^3.  A molten bump on a circular UBM of radius a = d / 2 is a
spherical cap of height h: V = (pi h / 6)(3 a^2 + h^2), sphere radius R = (a^2 + h^2) / (2 h).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from maskgen.design.physics.args import non_negative as _non_negative
from maskgen.design.physics.args import positive as _positive
from maskgen.input.checktable import least_pitch

_TOL = 1e-9
"""Absolute tolerance (um) when comparing a plated height with the stack thickness."""


def _stack(openings: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Validated (diameter, thickness) pairs of a bottom-up opening stack."""
    if not openings:
        raise ValueError("openings must hold at least one (diameter, thickness) pair, got none")
    out = []
    for i, pair in enumerate(openings):
        d, t = pair
        out.append((_positive(f"openings[{i}] diameter", d), _positive(f"openings[{i}] thickness", t)))
    return out


def ball_volume(diameter: float) -> float:
    """Volume of a solder ball: V = pi d^3 / 6."""
    d = _positive("diameter", diameter)
    return math.pi * d**3 / 6.0


def cylinder_volume(diameter: float, height: float) -> float:
    """Volume of a cylindrical opening: V = pi d^2 h / 4."""
    d = _positive("diameter", diameter)
    h = _positive("height", height)
    return math.pi * d * d * h / 4.0


def plated_volume(openings: Sequence[tuple[float, float]], plated_height: float) -> float:
    """Plated solder in stacked openings (d_i, t_i) bottom-up, filled to plated_height: V = sum pi d_i^2 fill_i / 4."""
    stack = _stack(openings)
    height = _positive("plated_height", plated_height)
    total_thickness = sum(t for _, t in stack)
    if height > total_thickness + _TOL:
        raise ValueError(f"plated_height {plated_height!r} um exceeds the opening stack ({total_thickness:g} um): "
                         "overplating (mushroom) is not modelled")
    volume, z = 0.0, 0.0
    for d, t in stack:
        fill = min(t, height - z)
        if fill <= 0:
            break
        volume += math.pi * d * d * fill / 4.0
        z += t
    return volume


def printed_volume(openings: Sequence[tuple[float, float]], metal_fraction: float) -> float:
    """Metal volume of paste filling every opening: V = fraction x sum pi d_i^2 t_i / 4."""
    stack = _stack(openings)
    f = float(metal_fraction)
    if not (math.isfinite(f) and 0 < f <= 1):
        raise ValueError(f"metal_fraction must be in (0, 1], got {metal_fraction!r}")
    return f * sum(math.pi * d * d * t / 4.0 for d, t in stack)


def cap_volume(a: float, h: float) -> float:
    """Spherical cap of base radius a and height h: V = (pi h / 6)(3 a^2 + h^2)."""
    a = _positive("a", a)
    h = _positive("h", h)
    return math.pi * h / 6.0 * (3 * a * a + h * h)


def cap_height(volume: float, ubm_diameter: float) -> float:
    """Cap height on a UBM of diameter d = 2a: the one real root of h^3 + 3 a^2 h - 6 V / pi = 0 (Cardano)."""
    v = _positive("volume", volume)
    a = _positive("ubm_diameter", ubm_diameter) / 2.0
    # Depressed cubic h^3 + p h + q = 0 with p = 3 a^2 > 0, q = -6 V / pi < 0: discriminant > 0, one real root
    # h = u + w with u^3 = -q/2 + sqrt(q^2/4 + p^3/27) and u w = -p/3.  u + w cancels badly for flat caps, so use
    # u^3 + w^3 = -q = (u + w)(u^2 - u w + w^2)  =>  h = -q / (u^2 + p/3 + w^2), every term positive.
    p = 3.0 * a * a
    q = -6.0 * v / math.pi
    u = math.cbrt(-q / 2.0 + math.sqrt(q * q / 4.0 + p**3 / 27.0))
    w = -p / (3.0 * u)
    return -q / (u * u + p / 3.0 + w * w)


def sphere_radius(a: float, h: float) -> float:
    """Radius of the sphere a cap of base radius a and height h belongs to: R = (a^2 + h^2) / (2 h)."""
    a = _positive("a", a)
    h = _positive("h", h)
    return (a * a + h * h) / (2.0 * h)


@dataclass(frozen=True)
class ReflowedBump:
    """A reflowed bump: solder volume (um^3), UBM diameter, cap height, sphere radius and outline width (um)."""

    volume: float
    ubm_diameter: float
    height: float
    sphere_radius: float
    width: float


def reflow(volume: float, ubm_diameter: float) -> ReflowedBump:
    """Reflowed cap of a solder volume on a UBM: h from cap_height, width = 2R if h > R (beyond a hemisphere) else d."""
    h = cap_height(volume, ubm_diameter)
    r = sphere_radius(ubm_diameter / 2.0, h)
    width = 2.0 * r if h > r else float(ubm_diameter)
    return ReflowedBump(volume=float(volume), ubm_diameter=float(ubm_diameter), height=h, sphere_radius=r,
                        width=width)


def stencil_area_ratio(aperture_diameter: float, stencil_thickness: float) -> float:
    """IPC-7525 area ratio of a round aperture: (pi d^2 / 4) / (pi d T) = d / (4 T)."""
    d = _positive("aperture_diameter", aperture_diameter)
    t = _positive("stencil_thickness", stencil_thickness)
    return d / (4.0 * t)


def area_ratio_ok(aperture_diameter: float, stencil_thickness: float, minimum: float) -> bool:
    """True when the paste releases from the aperture: d / (4 T) >= minimum (the PDK's stencil_area_ratio_min,
    `Pdk.area_ratio_min`)."""
    return stencil_area_ratio(aperture_diameter, stencil_thickness) >= _positive("minimum", minimum)


def bridging_margin(pitch: float, reflowed_width: float) -> float:
    """Gap between neighbouring reflowed bumps: pitch - width (negative means they bridge)."""
    p = _positive("pitch", pitch)
    w = _positive("reflowed_width", reflowed_width)
    return p - w


def min_pitch(ubm_width: float, base: float, factor: float) -> float:
    """Least bump pitch: base + factor x UBM width; base and factor come from the PDK's BUMP.PITCH rule
    (`Pdk.bump_pitch`)."""
    u = _positive("ubm_width", ubm_width)
    b = _non_negative("base", base)
    f = _positive("factor", factor)
    return least_pitch(u, b, f)
