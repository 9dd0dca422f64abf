"""`maskgen render --view n50`: a map of the die with every bump coloured by its solder joint's N50.

The per-bump N50 comes from the build manifest beside the layout (`bumps[].n50`, a recipe with `reliability:`).
The picture is drawn by KLayout's own renderer, like the other renders: the die outline and one disc per bump
(its reflowed width) on one layer per N50 band, bands spaced evenly in log N50 from the worst bump to the best, a
legend beside the die and the worst bump named above it. Bumps whose joint is not strained (at the die centre)
are grey.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.manifest import BuildManifest
from maskgen.outputs.output import atomic
from maskgen.pictures.canvas import BACKGROUND, SCALE_BAR, fit_box, scale_bar

BANDS = ("#d73027", "#f46d43", "#fdae61", "#fee08b", "#d9ef8b", "#a6d96a", "#66bd63", "#1a9850")
"""Band colours from the shortest life (red) to the longest (green): ColorBrewer RdYlGn, 8 classes."""
UNSTRAINED = "#8c8c8c"
"""Colour of a bump whose joint is not strained (N50 infinite)."""
TEXT = "#ffffff"
"""Colour of the legend and title texts (on KLayout's dark background)."""
DIE_LAYER, BAND_LAYER, TEXT_LAYER = (1, 0), 10, (2, 0)
"""GDS numbers of the picture's own layers: die outline, the first band (one layer per band), texts."""


def _cycles(n: float) -> str:
    """A cycle count for the legend: thousands separated below a million, else 3 significant figures."""
    return f"{n:,.0f}" if n < 1e6 else f"{n:.3g}"


def bands(lives: list[float | None], count: int = len(BANDS)) -> list[float]:
    """Band edges in cycles, evenly spaced in log N50 from the shortest finite life to the longest (count + 1
    edges; one band when every life is the same)."""
    finite = [n for n in lives if n is not None and n > 0]
    if not finite:
        return []
    lo, hi = math.log10(min(finite)), math.log10(max(finite))
    if hi - lo < 1e-9:
        return [10**lo, 10**lo]
    return [10 ** (lo + (hi - lo) * i / count) for i in range(count + 1)]


def band_of(n: float | None, edges: list[float]) -> int | None:
    """The band index of a life (None for an unstrained joint)."""
    if n is None:
        return None
    for i in range(len(edges) - 1):
        if n <= edges[i + 1] * (1 + 1e-12):
            return i
    return len(edges) - 2


def has_n50(manifest: BuildManifest) -> bool:
    """True when a build manifest lists each bump's N50 (a recipe with `reliability:`; None: not strained)."""
    bumps = manifest.bumps or []
    return bool(bumps) and all("n50" in b.model_fields_set for b in bumps)


def _picture_layout(manifest: BuildManifest):
    """The map as a klayout.db layout: die outline, bump discs per band, legend boxes and texts; its band
    colours."""
    import klayout.db as kdb

    bumps = manifest.bumps or []
    lives = [b.n50 for b in bumps]
    if not has_n50(manifest):
        raise InputError(None, "views", "n50", "the build manifest beside the layout lists no per-bump N50: build a "
                         "recipe with a 'reliability:' block (cycle, dwell, board)")
    edges = bands(lives)
    used = max(len(edges) - 1, 0)
    colours = list(BANDS[:: max(len(BANDS) // max(used, 1), 1)][:used]) if used < len(BANDS) else list(BANDS)
    widths = {t.name: t.reflow_width or t.ubm_diameter for t in manifest.bump_types}
    base = manifest.bump_types[0].name
    ly = kdb.Layout()
    ly.dbu = 0.001
    top = ly.create_cell("N50_MAP")
    die_w, die_h = manifest.die.size
    top.shapes(ly.layer(*DIE_LAYER)).insert(kdb.DPath([kdb.DPoint(-die_w / 2, -die_h / 2),
                                                       kdb.DPoint(die_w / 2, -die_h / 2),
                                                       kdb.DPoint(die_w / 2, die_h / 2),
                                                       kdb.DPoint(-die_w / 2, die_h / 2),
                                                       kdb.DPoint(-die_w / 2, -die_h / 2)], die_w / 300))
    layers = [ly.layer(BAND_LAYER + i, 0) for i in range(used)]
    grey = ly.layer(BAND_LAYER + len(BANDS), 0)
    for b, n in zip(bumps, lives, strict=True):
        d = widths.get(b.type or base) or 100.0
        disc = kdb.DPolygon.ellipse(kdb.DBox(-d / 2, -d / 2, d / 2, d / 2), 64)
        i = band_of(n, edges)
        target = grey if i is None else layers[i]
        top.shapes(target).insert(disc.moved(b.x, b.y))
    text = ly.layer(*TEXT_LAYER)
    glyphs = kdb.TextGenerator.default_generator()

    def write(string: str, x: float, y: float, height: float) -> None:
        """Text as polygons (KLayout's standard font), lower left at (x, y), letters `height` um tall."""
        shapes = glyphs.text(string, ly.dbu, height / glyphs.dheight())
        top.shapes(text).insert(shapes.moved(round(x / ly.dbu), round(y / ly.dbu)))

    size = max(die_w, die_h)
    step = size / 11
    x0, y0 = die_w / 2 + size * 0.06, die_h / 2 - 1.2 * step
    label = size / 36
    for i in range(used):
        y = y0 - i * step
        top.shapes(layers[i]).insert(kdb.DBox(x0, y - step * 0.8, x0 + step * 0.8, y))
        write(f"{_cycles(edges[i])} - {_cycles(edges[i + 1])}", x0 + step, y - step * 0.6, label)
    if any(n is None for n in lives):
        y = y0 - used * step
        top.shapes(grey).insert(kdb.DBox(x0, y - step * 0.8, x0 + step * 0.8, y))
        write("not strained", x0 + step, y - step * 0.6, label)
    rel = manifest.reliability
    fig = next((t.reliability for t in manifest.bump_types if t.reliability is not None), None)
    write("joint N50, cycles", x0, die_h / 2 - step * 0.6, label)
    title = f"{manifest.name}: {fig.cycle[0]:g}/{fig.cycle[1]:g} C, {fig.board}" if fig else manifest.name
    if rel is not None and rel.worst_bump and rel.n50 is not None:
        title += f"; worst bump {rel.worst_bump}: N50 {_cycles(rel.n50)}"
    write(title, -die_w / 2, die_h / 2 + size * 0.04, label * 1.2)
    colours_by_layer = [(DIE_LAYER, SCALE_BAR), *[((BAND_LAYER + i, 0), c) for i, c in enumerate(colours)],
                        ((BAND_LAYER + len(BANDS), 0), UNSTRAINED), (TEXT_LAYER, TEXT)]
    return ly, colours_by_layer


def n50_map(manifest: BuildManifest, png: Path, width: int = 1200, height: int = 900) -> Path:
    """Draw the N50 map of a build manifest into png (written atomically) with KLayout's renderer."""
    picture = n50_png(manifest, width, height)
    return atomic(png, lambda t: t.write_bytes(picture))


def n50_png(manifest: BuildManifest, width: int = 1200, height: int = 900) -> bytes:
    """The N50 map of a build manifest as PNG bytes, drawn by KLayout's renderer."""
    import klayout.lay as lay

    ly, colours = _picture_layout(manifest)
    with tempfile.TemporaryDirectory(prefix="maskgen-n50-") as tmp:
        gds = Path(tmp) / "n50.gds"
        ly.write(str(gds))
        view = lay.LayoutView()
        view.set_config("background-color", BACKGROUND)
        view.set_config("grid-visible", "false")
        view.set_config("ruler-color", SCALE_BAR)
        view.set_config("text-visible", "false")
        view.load_layout(str(gds), False)
        view.clear_layers()
        for (layer, datatype), colour in colours:
            props = lay.LayerProperties()
            props.source = f"{layer}/{datatype}@1"
            rgb = int(colour[1:], 16)
            props.fill_color = rgb
            props.frame_color = rgb
            props.dither_pattern = 0
            view.insert_layer(view.end_layers(), props)
        view.max_hier()
        box = fit_box(view.cellview(0).layout().top_cell().dbbox(), width, height, 0.04)
        view.zoom_box(box)
        scale_bar(view, box)
        return bytes(view.get_pixels_with_options(width, height, 0, 2, 0, box).to_png_data())
