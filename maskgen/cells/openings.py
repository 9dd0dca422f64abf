"""Openings that receive solder: polymer (001), flux-filled resist (003), nested solder masks (002)."""

from __future__ import annotations

import gdstk

from maskgen.cells.base import Builder


def polymer_opening(b: Builder, diameter: float) -> gdstk.Cell:
    """Opening in the polymer layer (POLY) over a UBM island that receives a flux-coated ball, 001:c1.

    Args:
        diameter: opening diameter in um.
    """
    return b.cell(b.name("polymer_opening", diameter), lambda c: c.add(b.circle(diameter, "POLY")))


def flux_opening(b: Builder, diameter: float) -> gdstk.Cell:
    """Photoresist opening (PR1) over the metal island, filled with flux, receiving a solder block, 003:c1.

    Args:
        diameter: opening diameter in um.
    """
    return b.cell(b.name("flux_opening", diameter), lambda c: c.add(b.circle(diameter, "PR1")))


def solder_mask_stack(b: Builder, openings: list[float]) -> gdstk.Cell:
    """Nested, aligned solder-mask openings SM1 < SM2 (< SM3), 002:c1, c15, c20.

    Args:
        openings: diameters of the first, second (and third) openings in um.
    """
    def draw(c: gdstk.Cell) -> None:
        for i, d in enumerate(openings, start=1):
            c.add(b.circle(d, f"SM{i}"))
    return b.cell(b.name("solder_mask_stack", *openings), draw)
