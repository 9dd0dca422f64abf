"""Openings that receive solder: polymer (001), flux-filled resist (003), nested solder masks (002)."""

from __future__ import annotations

from maskgen.layout.cells.base import Builder, Shapes, disc, part

polymer_opening = disc(
    "polymer_opening", "POLY",
    "Opening in the polymer layer (POLY) over a UBM island that receives a flux-coated ball, 001:c1.")


flux_opening = disc(
    "flux_opening", "PR1",
    "Photoresist opening (PR1) over the metal island, filled with flux, receiving a solder block, 003:c1.")


@part("solder_mask_stack")
def solder_mask_stack(b: Builder, openings: list[float]) -> Shapes:
    """Nested, aligned solder-mask openings SM1 < SM2 (< SM3), 002:c1, c15, c20.

    Args:
        openings: diameters of the first, second (and third) openings in um.
    """
    return [b.circle(d, f"SM{i}") for i, d in enumerate(openings, start=1)]
