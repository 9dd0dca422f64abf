"""The process families, one module each: the registry here is the one list of families.

Each family (`maskgen.design.families.base.Family`) owns its recipe block, the options that block switches on in its
process file's steps, its material roles, its pre-geometry checks, its typed bump figures and its bump cell.
The registry's names are the process files' names (pdk/<pdk>/processes/<name>.yaml).
"""

from __future__ import annotations

from maskgen.design.families import ball_drop, cantilever_wlcsp, flux_fill, stair_bump, two_step_ball
from maskgen.design.families.base import Family
from maskgen.input.recipe import BLOCKS, FAMILY_BLOCK, Recipe

__all__ = ["BLOCKS", "FAMILIES", "FAMILY_BLOCK", "Family", "block_of", "family"]

FAMILIES: dict[str, Family] = {m.FAMILY.name: m.FAMILY for m in (stair_bump, ball_drop, two_step_ball, flux_fill,
                                                                  cantilever_wlcsp)}
"""Process name -> family, in the order the patents are numbered (000 to 004); each family's name and block are
those of maskgen.input.recipe.FAMILY_BLOCK (the recipe's schema is where a process's block key is declared)."""


def family(recipe: Recipe) -> Family:
    """The process family of a recipe (validated: recipe.process is a known family)."""
    return FAMILIES[recipe.process]


def block_of(recipe: Recipe) -> object:
    """The recipe's own family block (recipe.<block>)."""
    return getattr(recipe, family(recipe).block)
