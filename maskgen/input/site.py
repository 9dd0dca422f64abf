"""One bump site (or chip pad): the record sites, chip and the die share, in its own module so none imports
another to get it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """One named bump site in um from the die centre."""

    name: str
    x: float
    y: float
    net: str | None = None
    ball: str | None = None
    """JEDEC ball name of the site (row letters, column number) from the die's naming."""
    bump_type: str | None = None
    """The bump type a CSV's fifth column gives the site (recipe bump_types), if any."""
    outline: tuple[tuple[float, float], ...] | None = None
    """The pad's own shape (a DEF pin shape), polygon in um relative to the centre; None: drawn as the recipe's."""
