"""001: a flux-coated solder ball dropped into a polymer opening (POLY) over each UBM island."""

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


class BallDrop(Common):
    """001: polymer opening over each UBM island that receives a flux-coated ball."""

    name = "ball_drop"
    block = "ball_drop"
    places_balls = True

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """The polymer opening clears the ball by BALL.OPENING a side (001:c1)."""
        constraints.need(file, "ball_drop.polymer_opening", recipe.ball_drop.polymer_opening,
                         constraints.ball_opening(pdk, recipe.solder.ball_diameter, "001:c1"))

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """A placed ball."""
        return placed_ball(recipe)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """Pad stack, UBM, polymer opening (POLY), ball footprint and reflowed outline."""
        from maskgen.cells import openings
        from maskgen.cells.bumps import open_bump
        return open_bump(b, design, lambda: [openings.polymer_opening(b, design.recipe.ball_drop.polymer_opening)],
                         land)


FAMILY = BallDrop()
