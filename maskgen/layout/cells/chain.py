"""Test-vehicle cells: the insulator via and RDL land under a chained bump, and the bump standing on them."""

from __future__ import annotations

import gdstk

from maskgen.layout.cells.base import Builder, Shapes, assembly, disc, part


@part("chain_land")
def chain_land(b: Builder, via: float, land: float) -> Shapes:
    """Insulator via (INS1) over a test-vehicle bump's pad and the RDL land under its UBM that links start from.

    Args:
        via: via diameter in um.
        land: RDL land diameter in um (UBM + 2 x RDL.ENCLOSES_UBM at least).
    """
    return [b.circle(via, "INS1"), b.circle(land, "RDL")]


board_land = disc(
    "board_land", "BOARD_LAND",
    "Board-side land under a chained or Kelvin bump of a test vehicle (the board layout, seen from the board).")


def chained_bump(b: Builder, bump: gdstk.Cell, land: gdstk.Cell) -> gdstk.Cell:
    """A test-vehicle bump: the bump cell over its insulator via and RDL land (where the links start); an
    assembly named chained_bump_<bump>_<land>.

    Args:
        bump: the bump cell of the bump's type.
        land: the chain_land cell (INS1 via and RDL land).
    """
    return assembly(b, "chained_bump", [bump, land])
