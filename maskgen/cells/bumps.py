"""The bump cell of a design, bump centred at the origin: the process family draws it (maskgen.families).

`open_bump` assembles the bump of the families whose bump sits on its own pad stack (000 to 003): pad stack
(or a fan-out die's RDL land), UBM island, the family's opening cells, the solder footprint and the reflowed
outline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gdstk

from maskgen.cells import common
from maskgen.cells.base import Builder
from maskgen.cells.rdl import bump_land
from maskgen.design import Design


def bump_cell(b: Builder, design: Design, land: float | None = None) -> gdstk.Cell:
    """The bump of the recipe's process family with every mask layer the process uses.

    Args:
        land: for a fan-out die, the diameter of the RDL land under the UBM; the pad then sits elsewhere
            (its own cell), so the bump cell draws no pad.
    """
    from maskgen.families import family
    return family(design.recipe).bump_cell(b, design, land)


def open_bump(b: Builder, design: Design, openings: Callable[[], list[gdstk.Cell]], land: float | None = None,
              pad_at: tuple[float, float] = (0.0, 0.0), extra: Sequence[gdstk.Polygon] = ()) -> gdstk.Cell:
    """Pad stack (or RDL land), UBM island, the family's `openings` cells, solder footprint and reflowed outline.

    Args:
        openings: makes the family's opening cells (called after the UBM island is made, so cells keep their
            order in the library).
        land: see `bump_cell`.
        pad_at: where the pad stack sits (a fixed-offset RDL route), else under the bump.
        extra: polygons drawn in the bump cell itself (the route of a fixed-offset RDL).
    """
    st = design.recipe.bump
    fig = design.bump
    pad = common.pad_stack(b, st.pad.width, st.pad.shape, st.passivation_opening)
    if land is not None:
        pad = bump_land(b, land)
    parts = [common.ubm_island(b, st.ubm_diameter), *openings(),
             common.solder_footprint(b, fig.footprint_diameter), common.reflow_outline(b, fig.reflow_width)]
    name = b.name(f"{design.recipe.process}_bump", *(p.name for p in [pad, *parts]), *pad_at)

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
