"""000: stair-shaped openings of 2 to 4 stacked resists opened by ONE exposure (EXPOSE, PR1..PR4)."""

from __future__ import annotations

from maskgen.layout.cells.base import Builder, Shapes, part


@part("stair_openings")
def stair_openings(b: Builder, mask_opening: float, openings: list[float]) -> Shapes:
    """The single exposure mask (EXPOSE) and each resist's predicted developed opening (PR1 lowest), 000:c1, c8.

    Args:
        mask_opening: drawn opening of the exposure mask, um.
        openings: predicted developed opening of PR1..PRn, um, growing upward (000:c3, c10).
    """
    return [b.circle(mask_opening, "EXPOSE"), *(b.circle(d, f"PR{i}") for i, d in enumerate(openings, start=1))]
