"""000: stair-shaped openings of 2 to 4 stacked resists opened by ONE exposure (EXPOSE, PR1..PR4)."""

from __future__ import annotations

import gdstk

from maskgen.cells.base import Builder


def stair_openings(b: Builder, mask_opening: float, openings: list[float]) -> gdstk.Cell:
    """The single exposure mask (EXPOSE) and each resist's predicted developed opening (PR1 lowest), 000:c1, c8.

    Args:
        mask_opening: drawn opening of the exposure mask, um.
        openings: predicted developed opening of PR1..PRn, um, growing upward (000:c3, c10).
    """
    def draw(c: gdstk.Cell) -> None:
        c.add(b.circle(mask_opening, "EXPOSE"))
        for i, d in enumerate(openings, start=1):
            c.add(b.circle(d, f"PR{i}"))
    return b.cell(b.name("stair_openings", mask_opening, *openings), draw)
