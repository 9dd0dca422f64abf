"""Bump sites (or the pads of a fan-out die) from the pad layer of an existing chip layout, read with klayout.db.

Pads are the merged shapes of the pad layer, named P1, P2, ... from the bottom row up, left to right. With a
label layer, the text label that lies on a pad names its net (KLayout's usual way of naming pins).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.input.layoutfile import check_extent, load
from maskgen.input.limits import flat_shape_count
from maskgen.input.site import Site


def read_pad_sites(path: Path, layer: str, cell: str | None, max_pads: int, key: str = "die.bump_map",
                   label_layer: str | None = None) -> list[Site]:
    """Each merged pad shape on `layer` ("L/D") of the chip becomes a site at its centre (um); a text on
    `label_layer` lying on the pad gives its net."""
    ly = load(path, "chip layout")
    if cell is not None:
        top = ly.cell(cell)
        if top is None:
            names = ", ".join(sorted(c.name for c in ly.top_cells()))
            raise InputError(path, f"{key}.cell", cell, f"no such cell; top cells: {names}")
    else:
        tops = ly.top_cells()
        if len(tops) != 1:
            raise InputError(path, f"{key}.cell", None,
                             f"{len(tops)} top cells; name one of: {', '.join(sorted(c.name for c in tops))}")
        top = tops[0]
    check_extent(top, path)
    lnum, dnum = (int(v) for v in layer.split("/"))
    li = ly.find_layer(lnum, dnum)
    if li is None:
        raise InputError(path, f"{key}.layer", layer, "the chip layout has no shapes on this layer")
    shapes = flat_shape_count(ly, top, li)
    if shapes > 4 * max_pads:
        raise InputError(path, f"{key}.max_pads", max_pads,
                         f"the chip's pad layer {layer} holds {shapes:,} shapes (seen flat, counted before reading "
                         f"them), over 4 x the limit; raise {key}.max_pads (or use --max-sites) to accept it")
    pads = kdb.Region(top.begin_shapes_rec(li)).merged()
    count = pads.count()
    if count == 0:
        raise InputError(path, f"{key}.layer", layer, "the chip layout has no shapes on this layer")
    if count > max_pads:
        raise InputError(path, f"{key}.max_pads", max_pads,
                         f"the chip has {count} pads; raise {key}.max_pads (or use --max-sites) to accept it")
    dbu = ly.dbu
    pad_shapes = sorted(pads.each(), key=lambda p: (p.bbox().center().y, p.bbox().center().x))
    nets: list[str | None] = (_labels(ly, top, path, pad_shapes, label_layer, key) if label_layer
                              else [None] * len(pad_shapes))
    return [Site(f"P{i + 1}", p.bbox().center().x * dbu, p.bbox().center().y * dbu, net)
            for i, (p, net) in enumerate(zip(pad_shapes, nets, strict=True))]


def _labels(ly: kdb.Layout, top: kdb.Cell, path: Path, pads: Sequence[kdb.Polygon], layer: str,
            key: str) -> list[str | None]:
    """The net name of each pad from the text labels on `layer` that lie on it (one name per pad)."""
    lnum, dnum = (int(v) for v in layer.split("/"))
    li = ly.find_layer(lnum, dnum)
    texts: list[tuple[kdb.Point, str]] = []
    if li is not None:
        it = top.begin_shapes_rec(li)
        while not it.at_end():
            shape = it.shape()
            if shape.is_text():
                t = shape.text.transformed(it.trans())
                texts.append((kdb.Point(t.x, t.y), t.string))
            it.next()
    if not texts:
        raise InputError(path, f"{key}.label_layer", layer, "the chip layout has no text labels on this layer")
    out: list[str | None] = []
    dbu = ly.dbu
    for i, pad in enumerate(pads):
        box = pad.bbox()
        names = sorted({s for p, s in texts if box.contains(p) and pad.inside(p)})
        c = pad.bbox().center()
        where = f"pad P{i + 1} at ({c.x * dbu:g}, {c.y * dbu:g}) um"
        if len(names) > 1:
            raise InputError(path, f"{key}.label_layer", layer, f"{where} carries two net labels: {', '.join(names)}")
        out.append(names[0] if names else None)
    missing = [f"P{i + 1}" for i, n in enumerate(out) if n is None]
    if missing:
        raise InputError(path, f"{key}.label_layer", layer,
                         f"pads {', '.join(missing)} carry no net label; label every pad or none (omit label_layer)")
    return out
