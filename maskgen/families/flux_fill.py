"""003: a solder block dropped into a flux-filled resist opening (PR1) over each metal island."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from maskgen import constraints
from maskgen.families.base import BumpFigures, Common, ResolvedStep, placed_ball
from maskgen.pdk import Pdk
from maskgen.recipe import Recipe

if TYPE_CHECKING:
    import gdstk

    from maskgen.cells.base import Builder
    from maskgen.design import Design


class FluxFill(Common):
    """003: resist opening over each metal island, filled with flux, receiving a solder block."""

    name = "flux_fill"
    block = "flux_fill"
    places_balls = True

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """The resist opening clears the ball by BALL.OPENING a side (003:c1)."""
        constraints.need(file, "flux_fill.resist_opening", recipe.flux_fill.resist_opening,
                         constraints.ball_opening(pdk, recipe.solder.ball_diameter, "003:c1"))

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """A placed solder block (ball)."""
        return placed_ball(recipe)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """Pad stack, UBM, flux-filled resist opening (PR1), ball footprint and reflowed outline."""
        from maskgen.cells import openings
        from maskgen.cells.bumps import open_bump
        return open_bump(b, design, lambda: [openings.flux_opening(b, design.recipe.flux_fill.resist_opening)],
                         land)


FAMILY = FluxFill()
