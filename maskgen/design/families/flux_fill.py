"""003: a solder block dropped into a flux-filled resist opening (PR1) over each metal island."""

from __future__ import annotations

from maskgen.design.families.base import BallInOpening
from maskgen.input.recipe import FAMILY_BLOCK
from maskgen.layout.cells import openings

FAMILY = BallInOpening("flux_fill", block=FAMILY_BLOCK["flux_fill"], opening_key="resist_opening", claim="003:c1",
                       opening_cell=openings.flux_opening,
                       summary="003: resist opening over each metal island, filled with flux, receiving a solder "
                               "block.")
