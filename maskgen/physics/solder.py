"""Solder volume and the reflowed spherical cap on a circular wettable UBM."""

from __future__ import annotations

import math
from dataclasses import dataclass

AREA_RATIO_MIN = 0.66
"""IPC-7525: minimum stencil area ratio d / (4 T) for round apertures."""


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")


def ball_volume(diameter: float) -> float:
    """Volume of a ball: pi d^3 / 6."""
    _positive("diameter", diameter)
    return math.pi * diameter**3 / 6.0


def cylinder_volume(diameter: float, height: float) -> float:
    """Volume of a cylinder: pi d^2 h / 4."""
    _positive("diameter", diameter)
    _positive("height", height)
    return math.pi * diameter**2 * height / 4.0


def plated_volume(openings: list[tuple[float, float]], plated_height: float) -> float:
    """Plated solder in stacked openings (diameter, thickness), bottom up, up to plated_height."""
    _positive("plated_height", plated_height)
    total, z = 0.0, 0.0
    for d, t in openings:
        fill = min(t, plated_height - z)
        if fill <= 0:
            break
        total += cylinder_volume(d, fill)
        z += fill
    if plated_height > z + 1e-9:
        raise ValueError(f"plated_height {plated_height} exceeds the opening stack ({z} um): overplating not modelled")
    return total


def printed_volume(openings: list[tuple[float, float]], metal_fraction: float) -> float:
    """Metal volume of paste filling every opening: fraction x sum(pi d^2 t / 4)."""
    if not 0 < metal_fraction <= 1:
        raise ValueError(f"metal_fraction must be in (0, 1], got {metal_fraction}")
    return metal_fraction * sum(cylinder_volume(d, t) for d, t in openings)


def cap_volume(a: float, h: float) -> float:
    """Spherical cap on a base of radius a, height h: V = (pi h / 6)(3 a^2 + h^2)."""
    return math.pi * h / 6.0 * (3 * a * a + h * h)


def cap_height(volume: float, ubm_diameter: float) -> float:
    """Height h of the cap of volume V on a UBM of diameter d (Cardano: h^3 + 3 a^2 h - 6 V / pi = 0)."""
    _positive("volume", volume)
    _positive("ubm_diameter", ubm_diameter)
    a = ubm_diameter / 2.0
    p, q = 3 * a * a, -6 * volume / math.pi
    disc = math.sqrt(q * q / 4 + p**3 / 27)
    return math.cbrt(-q / 2 + disc) + math.cbrt(-q / 2 - disc)


def sphere_radius(a: float, h: float) -> float:
    """Radius of the sphere of a cap: R = (a^2 + h^2) / (2 h)."""
    return (a * a + h * h) / (2 * h)


@dataclass(frozen=True)
class ReflowedBump:
    """The reflowed bump: volume, UBM diameter, height, sphere radius and width (um, um^3)."""

    volume: float
    ubm_diameter: float
    height: float
    sphere_radius: float
    width: float


def reflow(volume: float, ubm_diameter: float) -> ReflowedBump:
    """Reflowed cap of a solder volume on a UBM; width = 2R when h > R (more than a hemisphere) else d."""
    h = cap_height(volume, ubm_diameter)
    r = sphere_radius(ubm_diameter / 2.0, h)
    width = 2 * r if h > r else ubm_diameter
    return ReflowedBump(volume, ubm_diameter, h, r, width)


def stencil_area_ratio(aperture_diameter: float, stencil_thickness: float) -> float:
    """IPC-7525 area ratio of a round aperture: d / (4 T)."""
    _positive("aperture_diameter", aperture_diameter)
    _positive("stencil_thickness", stencil_thickness)
    return aperture_diameter / (4.0 * stencil_thickness)


def area_ratio_ok(aperture_diameter: float, stencil_thickness: float) -> bool:
    """True when the paste releases from the aperture: area ratio >= 0.66."""
    return stencil_area_ratio(aperture_diameter, stencil_thickness) >= AREA_RATIO_MIN


def bridging_margin(pitch: float, reflowed_width: float) -> float:
    """Gap between neighbouring reflowed bumps: pitch - width."""
    return pitch - reflowed_width


def min_pitch(ubm_width: float, base: float = 70.0, factor: float = 1.3) -> float:
    """GF180 flip-chip minimum bump pitch: base + factor x UBM."""
    return base + factor * ubm_width
