"""Argument checks shared by the physics formulas: a value must be a finite number (> 0, >= 0), else ValueError."""

from __future__ import annotations

import math


def finite(name: str, value: float) -> float:
    """Return value as float, or raise ValueError naming the argument unless it is finite."""
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return v


def positive(name: str, value: float) -> float:
    """Return value as float, or raise ValueError naming the argument unless it is a finite number > 0."""
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def non_negative(name: str, value: float) -> float:
    """Return value as float, or raise ValueError naming the argument unless it is a finite number >= 0."""
    v = float(value)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v
