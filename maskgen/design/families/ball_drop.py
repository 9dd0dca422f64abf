"""001: a flux-coated solder ball dropped into a polymer opening (POLY) over each UBM island."""

from __future__ import annotations

from maskgen.design.families.base import BallInOpening
from maskgen.input.recipe import FAMILY_BLOCK
from maskgen.layout.cells import openings

FAMILY = BallInOpening("ball_drop", block=FAMILY_BLOCK["ball_drop"], opening_key="polymer_opening", claim="001:c1",
                       opening_cell=openings.polymer_opening,
                       summary="001: polymer opening over each UBM island that receives a flux-coated ball.")
