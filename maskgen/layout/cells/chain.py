"""Test-vehicle cells: the insulator via and RDL land under a chained bump, and the bump standing on them."""

from __future__ import annotations

import gdstk

from maskgen.layout.cells.base import Builder, Shapes, part


@part("chain_land")
def chain_land(b: Builder, via: float, land: float) -> Shapes:
    """Insulator via (INS1) over a test-vehicle bump's pad and the RDL land under its UBM that links start from.

    Args:
        via: via diameter in um.
        land: RDL land diameter in um (UBM + 2 x RDL.ENCLOSES_UBM at least).
    """
    return [b.circle(via, "INS1"), b.circle(land, "RDL")]


def chained_bump(b: Builder, bump: gdstk.Cell, land: gdstk.Cell) -> gdstk.Cell:
    """A test-vehicle bump: the bump cell over its insulator via and RDL land (where the links start).

    A bump cell, named `<bump>_on_rdl_land` as manifests record it; the land is not in the name (one chain
    land per die), so the builder is given it as the key and refuses a second land under the same bump.

    Args:
        bump: the bump cell of the bump's type.
        land: the chain_land cell (INS1 via and RDL land).
    """
    def draw(c: gdstk.Cell) -> None:
        c.add(b.ref(bump))
        c.add(b.ref(land))
    return b.cell(f"{bump.name}_on_rdl_land", draw, key=land.name)
