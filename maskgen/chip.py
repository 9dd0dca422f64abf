"""Bump sites from the pad layer of an existing chip layout (GDSII/OASIS), read with klayout.db."""

from __future__ import annotations

from pathlib import Path

import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.sites import Site


def read_pad_sites(path: Path, layer: str, cell: str | None, max_pads: int) -> list[Site]:
    """Each merged pad shape on `layer` ("L/D") of the chip becomes a bump site at its centre (um)."""
    if not path.is_file():
        raise InputError(path, None, None, "chip layout not found")
    ly = kdb.Layout()
    try:
        ly.read(str(path))
    except RuntimeError as exc:
        raise InputError(path, None, None, f"not a readable GDSII/OASIS file: {str(exc).splitlines()[0]}") from None
    if cell is not None:
        top = ly.cell(cell)
        if top is None:
            names = ", ".join(sorted(c.name for c in ly.top_cells()))
            raise InputError(path, "die.bump_map.cell", cell, f"no such cell; top cells: {names}")
    else:
        tops = ly.top_cells()
        if len(tops) != 1:
            raise InputError(path, "die.bump_map.cell", None,
                             f"{len(tops)} top cells; name one of: {', '.join(sorted(c.name for c in tops))}")
        top = tops[0]
    lnum, dnum = (int(v) for v in layer.split("/"))
    li = ly.find_layer(lnum, dnum)
    if li is None:
        raise InputError(path, "die.bump_map.layer", layer, "the chip layout has no shapes on this layer")
    pads = kdb.Region(top.begin_shapes_rec(li)).merged()
    count = pads.count()
    if count == 0:
        raise InputError(path, "die.bump_map.layer", layer, "the chip layout has no shapes on this layer")
    if count > max_pads:
        raise InputError(path, "die.bump_map.max_pads", max_pads,
                         f"the chip has {count} pads; raise die.bump_map.max_pads to accept it")
    dbu = ly.dbu
    centres = sorted((p.bbox().center().y, p.bbox().center().x) for p in pads.each())
    return [Site(f"P{i + 1}", x * dbu, y * dbu) for i, (y, x) in enumerate(centres)]
