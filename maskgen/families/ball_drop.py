"""001: a flux-coated solder ball dropped into a polymer opening (POLY) over each UBM island."""

from __future__ import annotations

from maskgen.cells import openings
from maskgen.families.base import BallInOpening

FAMILY = BallInOpening("ball_drop", block="ball_drop", opening_key="polymer_opening", claim="001:c1",
                       opening_cell=openings.polymer_opening,
                       summary="001: polymer opening over each UBM island that receives a flux-coated ball.")
