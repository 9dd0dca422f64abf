"""000: solder posts in stair-shaped openings of 2 to 4 stacked resists opened by ONE exposure (EXPOSE)."""

from __future__ import annotations

from pathlib import Path

import gdstk

from maskgen.design.families.base import Common, area_ratio, open_bump, reflowed
from maskgen.design.figures import BumpFigures, Design, ResolvedStep, StairFigures
from maskgen.design.physics import litho, solder
from maskgen.errors import InputError, given
from maskgen.input.pdk import Pdk, Process
from maskgen.input.recipe import FAMILY_BLOCK, Recipe, Stair, family_block
from maskgen.layout.cells import stair
from maskgen.layout.cells.base import Builder


class StairBump(Common):
    """000: stacked resists of falling photosensitivity, one exposure, solder plated or printed into the stair."""

    name = "stair_bump"
    block = FAMILY_BLOCK["stair_bump"]

    def options(self, recipe: Recipe, process: Process) -> set[str]:
        """The fill (plate or print) and each resist's film layer PR1..PRn."""
        st = family_block(recipe, Stair)
        return {st.fill} | {f"PR{i + 1}" for i in range(len(st.resists))}

    def block_materials(self, recipe: Recipe) -> dict[str, tuple[str, str]]:
        """Each resist's material: role resist_<i+1> from stair.resists[i].material."""
        return {f"resist_{i + 1}": (f"stair.resists[{i}].material", r.material)
                for i, r in enumerate(family_block(recipe, Stair).resists)}

    def film_thickness(self, recipe: Recipe, role: str) -> float | None:
        """Each resist's thickness (roles resist_1..resist_n)."""
        if role.startswith("resist_"):
            return family_block(recipe, Stair).resists[int(role.split("_")[1]) - 1].thickness
        return None

    def check(self, recipe: Recipe, pdk: Pdk, file: Path) -> None:
        """Nothing before the figures: the stair is checked as its openings are predicted (`stair_figures`)."""

    def figures(self, recipe: Recipe, pdk: Pdk, file: Path, steps: list[ResolvedStep]) -> BumpFigures:
        """Solder plated to plated_height or printed into the stair; the footprint is the highest opening reached."""
        st = family_block(recipe, Stair)
        fig = BumpFigures(name=f"{recipe.process}_bump", ubm_diameter=recipe.bump.ubm_diameter)
        fig.stair = figs = stair_figures(recipe, pdk, file)
        stack = list(zip(figs.openings, [r.thickness for r in st.resists], strict=True))
        if st.fill == "plate":
            height = given(st.plated_height, "stair.plated_height", file, "fill: plate needs the plated height (um)")
            fig.solder_volume = solder.plated_volume(stack, height)
            fig.deposits.append({"how": "electroplated", "height": height, "volume": fig.solder_volume})
            top = plated_top_opening(stack, height)
        else:
            fraction = pdk.materials.paste_metal_fraction
            fig.solder_volume = solder.printed_volume(stack, fraction)
            ratio = area_ratio(pdk, file, "stair.target_opening", stack[0][0], sum(t for _, t in stack))
            fig.deposits.append({"how": "stencil printed", "metal_fraction": fraction, "volume": fig.solder_volume,
                                 "area_ratio": ratio})
            top = stack[-1][0]
        fig.footprint_diameter = top
        return reflowed(fig)

    def bump_cell(self, b: Builder, design: Design, land: float | None) -> gdstk.Cell:
        """Pad stack, UBM, the EXPOSE opening with each resist's opening PR1..PRn (000:c1, c8), solder."""
        s = given(design.bump.stair, "stair")
        return open_bump(b, design, lambda: [stair.stair_openings(b, s.mask_opening, s.openings)], land)


def plated_top_opening(stack: list[tuple[float, float]], height: float) -> float:
    """Diameter of the highest resist opening the plating reaches."""
    z = 0.0
    for d, t in stack:
        if height <= z + t + 1e-9:
            return d
        z += t
    return stack[-1][0]


def stair_figures(recipe: Recipe, pdk: Pdk, file: Path) -> StairFigures:
    """000: each resist's opening from the one exposure mask by the bias model, growing upward."""
    st = family_block(recipe, Stair)
    resists = []
    for i, r in enumerate(st.resists):
        m = pdk.material(r.material, file, f"stair.resists[{i}].material")
        if m.kind != "resist":
            raise InputError(file, f"stair.resists[{i}].material", r.material,
                             "must be a resist (kind: resist in materials.yaml)")
        where, key = pdk.path / "materials.yaml", f"{r.material}."
        resists.append(litho.Resist(name=r.material, tone=given(m.tone, key + "tone", where),
                                    photosensitivity=given(m.photosensitivity, key + "photosensitivity", where),
                                    edge_blur=given(m.edge_blur, key + "edge_blur", where), thickness=r.thickness))
    try:
        if st.mask_opening is not None:
            mask = st.mask_opening
        else:
            mask = litho.mask_from_target(given(st.target_opening, "stair.target_opening", file), resists, st.dose)
        openings = litho.openings_from_mask(mask, resists, st.dose)
    except ValueError as exc:
        raise InputError(file, "stair.dose", st.dose, str(exc)) from None
    if not litho.sensitivity_rises(resists):
        sens = ", ".join(f"{r.name} {r.photosensitivity:g}" for r in resists)
        raise InputError(file, "stair.resists", sens, "photosensitivity must rise from PR1 (wafer) upward "
                         "(000:c4, c11)")
    step = pdk.rule_value("STAIR.NEST")
    try:
        litho.check_stair(openings, step)
    except ValueError as exc:
        key = "stair.mask_opening" if st.mask_opening is not None else "stair.target_opening"
        raise InputError(file, key, st.mask_opening or st.target_opening,
                         f"{exc} (STAIR.NEST {step:g} um a side, 000:c3, c10)") from None
    if openings[0] > recipe.bump.ubm_diameter:
        raise InputError(file, "stair", f"PR1 opening {openings[0]:.2f}",
                         f"must lie on the UBM ({recipe.bump.ubm_diameter:g} um) it exposes (000:c1)")
    return StairFigures(mask_opening=mask, dose=st.dose, openings=openings,
                        biases=[litho.resist_bias(r, st.dose) for r in resists],
                        steps=litho.stair_steps(openings), resists=[r.name for r in resists])


FAMILY = StairBump()
