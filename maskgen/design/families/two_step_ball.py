"""002: nested solder-mask openings SM1 < SM2 (< SM3), one solder paste deposit each, optionally on an RDL."""

from __future__ import annotations

from pathlib import Path

import gdstk

from maskgen.design.families.base import Common, area_ratio, film_thickness, open_bump, reflowed
from maskgen.design.figures import BumpFigures, Design, ResolvedStep
from maskgen.design.physics import solder
from maskgen.errors import InputError
from maskgen.input import constraints
from maskgen.input.pdk import Pdk, Process
from maskgen.input.recipe import FAMILY_BLOCK, Recipe, TwoStep, family_block
from maskgen.layout.cells import openings
from maskgen.layout.cells.base import Builder
from maskgen.layout.cells.rdl import rdl_line


class TwoStepBall(Common):
    """002: one paste deposit per nested solder-mask opening, reflowed in two steps into one ball."""

    name = "two_step_ball"
    block = FAMILY_BLOCK["two_step_ball"]

    def options(self, recipe: Recipe, process: Process) -> set[str]:
        """Each solder-mask film SM1..SMn, and RDL when two_step.rdl routes the bump from its pad."""
        ts = family_block(recipe, TwoStep)
        return {f"SM{i + 1}" for i in range(len(ts.openings))} | ({"RDL"} if ts.rdl else set())

    def block_materials(self, recipe: Recipe) -> dict[str, tuple[str, str]]:
        """Each deposit's alloy: role solder_<i+1> from two_step.alloys[i]."""
        alloys = family_block(recipe, TwoStep).alloys
        return {f"solder_{i + 1}": (f"two_step.alloys[{i}]", a) for i, a in enumerate(alloys)}

    def pad_offset(self, recipe: Recipe) -> tuple[float, float]:
        """two_step.rdl.pad_offset when the RDL routes the bump from its pad (002:c13, c17)."""
        rdl = family_block(recipe, TwoStep).rdl
        return rdl.pad_offset if rdl is not None else (0.0, 0.0)

    def fixed_rdl(self, recipe: Recipe) -> str | None:
        """two_step.rdl, when given."""
        return "two_step.rdl" if family_block(recipe, TwoStep).rdl is not None else None

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """Each opening encloses the one before by SM.NEST; the RDL route keeps RDL.WIDTH and RDL.ENCLOSES_UBM."""
        ops = family_block(recipe, TwoStep).openings
        for i in range(1, len(ops)):
            constraints.need(file, f"two_step.openings[{i}]", ops[i], constraints.sm_nest(pdk, ops[i - 1], i))
        rdl = family_block(recipe, TwoStep).rdl
        if rdl is not None:
            if tuple(rdl.pad_offset) == (0.0, 0.0):
                raise InputError(file, "two_step.rdl.pad_offset", [0, 0], "the pad is under the bump, so there "
                                 "is nothing to redistribute: move the pad or leave out two_step.rdl")
            constraints.need(file, "two_step.rdl.line_width", rdl.line_width, constraints.rdl_width(pdk))
            constraints.need(file, "two_step.rdl.land_diameter", rdl.land_diameter,
                             constraints.rdl_encloses_ubm(pdk, recipe.bump.ubm_diameter))

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """Paste printed into each solder-mask opening (film thickness from the steps); footprint the last one."""
        ts = family_block(recipe, TwoStep)
        fraction = pdk.materials.paste_metal_fraction
        fig = BumpFigures(name=f"{recipe.process}_bump", ubm_diameter=recipe.bump.ubm_diameter)
        total = 0.0
        for i, (d, alloy) in enumerate(zip(ts.openings, ts.alloys, strict=True), 1):
            t = film_thickness(steps, f"SM{i}") if any(s.step.layer == f"SM{i}" for s in steps) else 0.0
            v = solder.printed_volume([(d, t)], fraction)
            total += v
            ratio = area_ratio(pdk, file, f"two_step.openings[{i - 1}]", d, t)
            fig.deposits.append({"how": f"paste printed into SM{i}", "alloy": alloy, "opening": d,
                                 "thickness": t, "metal_fraction": fraction, "volume": v, "area_ratio": ratio})
        melt = [pdk.material(a).liquidus or 0.0 for a in ts.alloys]
        if melt[0] <= max(melt[1:]):
            fig.notes.append("first solder does not melt higher than the later ones (002:c4 not used)")
        fig.solder_volume = total
        fig.footprint_diameter = ts.openings[-1]
        return reflowed(fig)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """Pad stack (at the RDL pad offset, with line, land and via), UBM, nested SM openings, solder."""
        ts = family_block(design.recipe, TwoStep)
        extra: list[gdstk.Polygon] = []
        pad_at = (0.0, 0.0)
        values: list[object] = []
        if ts.rdl is not None:
            pad_at = ts.rdl.pad_offset
            extra += rdl_line(b, pad_at, (0.0, 0.0), ts.rdl.line_width)
            extra.append(b.circle(ts.rdl.land_diameter, "RDL"))
            extra.append(b.circle(ts.rdl.via, "INS1", pad_at))
            values = ["rdl", ts.rdl.line_width, ts.rdl.land_diameter, ts.rdl.via]
        return open_bump(b, design, lambda: [openings.solder_mask_stack(b, list(ts.openings))], land, pad_at, extra,
                         values)


FAMILY = TwoStepBall()
