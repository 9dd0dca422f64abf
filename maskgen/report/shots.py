"""The report's layout pictures: die, bump cell and one close-up per violated DRC rule, drawn by KLayout's own
renderer with the build's layer colours (the same view set-up as `maskgen render`), returned as PNG bytes.

One headless view holds the layout for every picture, so the pictures cost one layout load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maskgen.pictures.canvas import BACKGROUND, SCALE_BAR, fit_box, scale_bar
from maskgen.pictures.render import bump_site

MARKER = 0xFF2020
"""Colour of a DRC marker drawn over a close-up (KLayout's marker browser draws them red too)."""


@dataclass(frozen=True)
class Shot:
    """One picture: what it shows and its PNG bytes."""

    title: str
    png: bytes


def _view(layout: Path, lyp: Path) -> Any:
    """A headless KLayout view of the layout with its layer colours, every hierarchy level shown."""
    import klayout.lay as lay

    view = lay.LayoutView()
    for key, value in (("background-color", BACKGROUND), ("grid-visible", "false"), ("ruler-color", SCALE_BAR),
                       ("text-visible", "false"), ("inst-visible", "false")):
        view.set_config(key, value)
    view.load_layout(str(layout), True)
    if lyp.is_file():
        view.load_layer_props(str(lyp))
    view.max_hier()
    return view


def _png(view: Any, cell_index: int, box: Any, width: int, height: int, ruler: bool = True) -> bytes:
    """The cell drawn into box as PNG bytes, with a scale bar."""
    view.select_cell(cell_index, 0)
    view.max_hier()
    view.clear_annotations()
    if ruler:
        scale_bar(view, box)
    return bytes(view.get_pixels_with_options(width, height, 0, 1, 0, box).to_png_data())


def top_cell(ly: Any, name: str | None = None) -> Any:
    """The layout's top cell: the one named so when there are several (a build's die or wafer), else the largest."""
    tops = [ly.cell(i) for i in ly.each_top_cell()]
    named = [c for c in tops if c.name == name]
    return (named or sorted(tops, key=lambda c: (-c.dbbox().area(), c.name)))[0]


def layout_shots(layout: Path, lyp: Path, width: int = 600, height: int = 450,
                 top_name: str | None = None) -> dict[str, Shot]:
    """The die (the cell placing the bumps, else the top cell) and the bump cell, as PNG pictures."""
    view = _view(layout, lyp)
    ly = view.cellview(0).layout()
    start = top_cell(ly, top_name)
    site = bump_site(ly, start)
    top = start.cell_index()
    cells = {"die": site.die_cell if site else top}
    if site is not None:
        cells["bump"] = site.bump_cell
    shots = {}
    for what, index in cells.items():
        box = fit_box(ly.cell(index).dbbox(), width, height)
        shots[what] = Shot(f"{what}: {ly.cell(index).name}", _png(view, index, box, width, height))
    return shots


def violation_shots(layout: Path, lyp: Path, drc: Any, width: int = 360, height: int = 270) -> dict[str, Shot]:
    """One close-up per failed rule: the rule's first marker (red) over the layout around it (the checked top
    cell's coordinates)."""
    import klayout.db as kdb
    import klayout.lay as lay

    failed = [r for r in drc.rules if r.status == "fail"]
    if not failed:
        return {}
    view = _view(layout, lyp)
    ly = view.cellview(0).layout()
    top = top_cell(ly, drc.top_cell)
    whole = top.dbbox()
    shots = {}
    for rule in failed:
        found = drc.violations_of(rule.id)
        if not found:
            continue
        v = found[0]
        x1, y1, x2, y2 = v.bbox
        size = max(x2 - x1, y2 - y1, 0.02 * max(whole.width(), whole.height()), 20.0)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        half_w = 1.5 * size * max(1.0, width / height)
        half_h = half_w * height / width
        box = kdb.DBox(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        marker = lay.Marker(view)
        shape = v.shape
        if isinstance(shape, kdb.DEdgePair):
            shape = shape.polygon(0) if shape.first.length() and shape.second.length() else kdb.DBox(*v.bbox)
        marker.set(shape if isinstance(shape, (kdb.DPolygon, kdb.DBox)) else kdb.DBox(*v.bbox))
        marker.color = marker.frame_color = MARKER
        marker.line_width = 3
        marker.vertex_size = 6
        marker.dither_pattern = 1
        shots[rule.id] = Shot(f"{rule.id}: {v.message}", _png(view, top.cell_index(), box, width, height))
        marker._destroy()
    return shots
