"""The bump cell of each process family, assembled from the part cells, bump centred at the origin."""

from __future__ import annotations

import gdstk

from maskgen.cells import common, openings, stair
from maskgen.cells.base import Builder
from maskgen.cells.rdl import bump_land, rdl_line
from maskgen.design import Design


def bump_cell(b: Builder, design: Design, land: float | None = None) -> gdstk.Cell:
    """The bump of the recipe's process family with every mask layer the process uses.

    Args:
        land: for a fan-out die, the diameter of the RDL land under the UBM; the pad then sits elsewhere
            (its own cell), so the bump cell draws no pad.
    """
    r = design.recipe
    fig = design.bump
    st = r.bump
    parts: list[gdstk.Cell] = []
    kind = r.process
    if r.cantilever is not None:
        from maskgen.cells.cantilever import cantilever_bump, cantilever_error
        try:
            return cantilever_bump(b, st, r.cantilever, r.solder.ball_diameter, fig.reflow_width)
        except ValueError as exc:
            raise cantilever_error(design.file, exc) from None
    extra: list[gdstk.Polygon] = []
    pad_at = (0.0, 0.0)
    if r.two_step is not None and r.two_step.rdl is not None:
        route = r.two_step.rdl
        pad_at = route.pad_offset
        extra += rdl_line(b, pad_at, (0.0, 0.0), route.line_width)
        extra.append(b.circle(route.land_diameter, "RDL"))
        extra.append(b.circle(route.via, "INS1", pad_at))
    pad = common.pad_stack(b, st.pad.width, st.pad.shape, st.passivation_opening)
    if land is not None:
        pad = bump_land(b, land)
    parts.append(common.ubm_island(b, st.ubm_diameter))
    if r.stair is not None:
        parts.append(stair.stair_openings(b, fig.stair["mask_opening"], fig.stair["openings"]))
    if r.ball_drop is not None:
        parts.append(openings.polymer_opening(b, r.ball_drop.polymer_opening))
    if r.flux_fill is not None:
        parts.append(openings.flux_opening(b, r.flux_fill.resist_opening))
    if r.two_step is not None:
        parts.append(openings.solder_mask_stack(b, list(r.two_step.openings)))
    parts.append(common.solder_footprint(b, fig.footprint_diameter))
    parts.append(common.reflow_outline(b, fig.reflow_width))
    name = b.name(f"{kind}_bump", *(p.name for p in [pad, *parts]), *pad_at)

    def draw(c: gdstk.Cell) -> None:
        c.add(b.ref(pad, pad_at))
        for p in parts:
            c.add(b.ref(p))
        c.add(*extra)
    return b.cell(_short(name), draw)


def _short(name: str) -> str:
    """Keep cell names readable: a long parameter name becomes its kind plus a stable digest."""
    if len(name) <= 120:
        return name
    import hashlib
    return name.split("_bump")[0] + "_bump_" + hashlib.sha1(name.encode()).hexdigest()[:10]
