"""What every process family provides (`Family`) and the typed figures the families compute.

A family owns its recipe block (recipe.<block>), the options that block switches on in its process file's steps,
its material roles, its pre-geometry checks, its bump figures and its bump cell. The layers it draws are not
listed here: they come from the steps of pdk/<name>/processes/<family>.yaml (`drawn_layers`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import gdstk

from maskgen.design.figures import (
    BumpFigures,
    Design,
    ResolvedStep,
)
from maskgen.design.physics import solder
from maskgen.design.physics.suspension import ArmBeam
from maskgen.errors import InputError
from maskgen.input import constraints
from maskgen.input.pdk import Pdk, Process
from maskgen.input.recipe import Recipe
from maskgen.layout.cells import common
from maskgen.layout.cells.base import Builder, assembly
from maskgen.layout.cells.rdl import octagon_land


class Family(Protocol):
    """A process family: one process file, one recipe block, its checks, figures and bump cell."""

    name: str
    """The process name (pdk/<pdk>/processes/<name>.yaml and recipe `process:`)."""
    block: str
    """The recipe key of the family's block (recipe.<block>)."""
    places_balls: bool
    """True when the bump is a placed ball, so the recipe must give solder.ball_diameter."""

    def options(self, recipe: Recipe, process: Process) -> set[str]:
        """The `when:` keys of the process steps the recipe's block switches on (layers and lower-case options)."""
        ...

    def block_materials(self, recipe: Recipe) -> dict[str, tuple[str, str]]:
        """Role -> (recipe key, material) of each material the block sets (numbered resists, alloys), over the
        process defaults."""
        ...

    def film_thickness(self, recipe: Recipe, role: str) -> float | None:
        """The thickness the block sets for a role's film, None when it sets none."""
        ...

    def pad_offset(self, recipe: Recipe) -> tuple[float, float]:
        """Where pad 91 sits relative to its bump: (0, 0) unless the block routes the bump to a fixed offset."""
        ...

    def fixed_rdl(self, recipe: Recipe) -> str | None:
        """The block key whose RDL joins each bump to a pad at a fixed offset, None when there is none."""
        ...

    def with_defaults(self, recipe: Recipe, pdk: Pdk, file: Path) -> Recipe:
        """The recipe with the block keys it leaves out that are process data taken from the PDK's process."""
        ...

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """The block's pre-geometry checks against the PDK rules (an InputError line per failure)."""
        ...

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """The bump figures of this family: deposits, solder volume, footprint, reflowed shape."""
        ...

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """The bump cell (bump centred at the origin) with every mask layer the process uses."""
        ...

    def suspended_arms(self, recipe: Recipe, pdk: Pdk, steps: list[ResolvedStep],
                       poisson: float) -> list[ArmBeam]:
        """The arms holding a released bump as radial layered beams (maskgen.design.physics.suspension)."""
        ...


def drawn_layers(process: Process, present: set[str]) -> set[str]:
    """The options present plus every layer the steps they make active draw, until nothing is added."""
    found = set(present)
    while True:
        more = found | {n for s in process.active_steps(found) for n in s.layers}
        if more == found:
            return found
        found = more


def film_thickness(steps: list[ResolvedStep], layer: str) -> float:
    """Thickness of the film whose openings are drawn on layer (a coated/laminated resist)."""
    for s in steps:
        if s.step.layer == layer and s.thickness:
            return s.thickness
    raise KeyError(layer)


def role_film(steps: list[ResolvedStep], role: str) -> tuple[str, float]:
    """Material and thickness of the film a role names in the active steps."""
    for s in steps:
        if s.step.role == role and s.thickness:
            return s.material or "", s.thickness
    raise KeyError(role)


def area_ratio(pdk: Pdk, file: Path, key: str, diameter: float, thickness: float) -> float:
    """IPC-7525 area ratio d / (4 T) of a printed opening; below the PDK's stencil_area_ratio_min the paste does
    not release."""
    ratio = solder.stencil_area_ratio(diameter, thickness)
    least = pdk.area_ratio_min()
    if not solder.area_ratio_ok(diameter, thickness, least):
        raise InputError(file, key, diameter, f"paste will not release: area ratio d/(4T) = {diameter:g}/(4 x "
                         f"{thickness:g}) = {ratio:.2f} < {least} (IPC-7525, stencil_area_ratio_min); widen the "
                         f"opening to >= {4 * thickness * least:.1f} um or thin the film")
    return ratio


def reflowed(fig: BumpFigures) -> BumpFigures:
    """Fill in the reflowed shape of the figures' solder on their UBM."""
    shape = solder.reflow(fig.solder_volume, fig.ubm_diameter)
    fig.reflow_height = shape.height
    fig.reflow_width = shape.width
    fig.sphere_radius = shape.sphere_radius
    return fig


def placed_ball(recipe: Recipe) -> BumpFigures:
    """Figures of a placed solder ball (001, 003, 004): its volume and footprint, then the reflowed shape."""
    ball = recipe.solder.ball
    fig = BumpFigures(name=f"{recipe.process}_bump", ubm_diameter=recipe.bump.ubm_diameter)
    fig.solder_volume = solder.ball_volume(ball)
    fig.deposits.append({"how": "ball placed", "diameter": ball, "volume": fig.solder_volume})
    fig.footprint_diameter = ball
    return reflowed(fig)


class Common:
    """Defaults of the Family protocol for a block that sets no materials, films or pad offset."""

    places_balls = False

    def options(self, recipe: Recipe, process: Process) -> set[str]:
        """No options beyond the process's unconditional steps."""
        return set()

    def with_defaults(self, recipe: Recipe, pdk: Pdk, file: Path) -> Recipe:
        """The block takes no defaults from the PDK."""
        return recipe

    def block_materials(self, recipe: Recipe) -> dict[str, tuple[str, str]]:
        """The block sets no materials."""
        return {}

    def film_thickness(self, recipe: Recipe, role: str) -> float | None:
        """The block sets no film thickness."""
        return None

    def pad_offset(self, recipe: Recipe) -> tuple[float, float]:
        """The pad lies under the bump."""
        return (0.0, 0.0)

    def fixed_rdl(self, recipe: Recipe) -> str | None:
        """No fixed-offset RDL."""
        return None

    def suspended_arms(self, recipe: Recipe, pdk: Pdk, steps: list[ResolvedStep],
                       poisson: float) -> list[ArmBeam]:
        """No suspended bump: no arms."""
        return []


def open_bump(b: Builder, design: Design, openings: Callable[[], list[gdstk.Cell]], land: float | None = None,
              pad_at: tuple[float, float] = (0.0, 0.0), extra: Sequence[gdstk.Polygon] = (),
              values: Sequence[object] = ()) -> gdstk.Cell:
    """The bump on its own pad stack (000 to 003): pad stack or RDL land, UBM island, the family's `openings`
    cells, solder footprint and reflowed outline; an assembly named <process>_bump_<its cells>.

    Args:
        openings: makes the family's opening cells (called after the UBM island is made, so cells keep their
            order in the library).
        land: for a fan-out die, the width across flats of the octagonal RDL land under the UBM; the pad then
            sits elsewhere (its own cell), so the bump cell draws no pad.
        pad_at: where the pad stack sits (a fixed-offset RDL route), else under the bump.
        extra: polygons drawn in the bump cell itself (the route of a fixed-offset RDL).
        values: the parameters of `extra` named in the cell name.
    """
    st = design.recipe.bump
    fig = design.bump
    pad = (octagon_land(b, land) if land is not None
           else common.pad_stack(b, st.pad.width, st.pad.shape, st.passivation_opening))
    parts = [common.ubm_island(b, st.ubm_diameter), *openings(),
             common.solder_footprint(b, fig.footprint_diameter), common.reflow_outline(b, fig.reflow_width)]
    return assembly(b, f"{design.recipe.process}_bump", [(pad, pad_at), *parts], extra, values=values)


class BallInOpening(Common):
    """001, 003: a ball placed into one opening over each UBM island, clearing the ball by BALL.OPENING a side."""

    places_balls = True

    def __init__(self, name: str, block: str, opening_key: str, claim: str,
                 opening_cell: Callable[[Builder, float], gdstk.Cell], summary: str) -> None:
        self.name = name
        self.block = block
        self.opening_key = opening_key
        """The block's key of the opening diameter."""
        self.claim = claim
        """The claim the opening comes from."""
        self.opening_cell = opening_cell
        """The opening's part cell (maskgen.layout.cells.openings)."""
        self.__doc__ = summary

    def opening(self, recipe: Recipe) -> float:
        """The opening diameter the recipe's block gives."""
        return getattr(getattr(recipe, self.block), self.opening_key)

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """The opening clears the ball by BALL.OPENING a side."""
        constraints.need(file, f"{self.block}.{self.opening_key}", self.opening(recipe),
                         constraints.ball_opening(pdk, recipe.solder.ball, self.claim))

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """A placed ball."""
        return placed_ball(recipe)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """Pad stack, UBM, the opening the ball drops into, ball footprint and reflowed outline."""
        return open_bump(b, design, lambda: [self.opening_cell(b, self.opening(design.recipe))], land)
