"""One frame drawn: the section's bodies, the mask and light of an expose step, axes and legend, as drawing
primitives written to SVG or drawn to PNG by KLayout from the same figure."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from pathlib import Path

from maskgen.outputs.output import atomic
from maskgen.pictures.xsection.cut import complement
from maskgen.pictures.xsection.model import NM, BumpOnCut, Frame, Section

LIGHT = "#8040c0"
"""Exposure light and the expose caption."""
CHROME = "#303030"
"""Mask chrome."""
GLASS = "#cfe3ef"
"""Mask glass."""
INK = "#202020"
"""Text, axes and the hatch of resist that dissolves."""
GREY_INK = "#606060"
"""Secondary text."""
BACKGROUND = "#ffffff"
"""The frame's background."""


# ----------------------------------------------------------------------------- figures
@dataclass
class _Shape:
    hull: list[tuple[float, float]]
    holes: list[list[tuple[float, float]]]
    fill: str
    hatch: bool = False


@dataclass
class _Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 1.0


@dataclass
class _Text:
    x: float
    y: float
    text: str
    size: float = 12.0
    anchor: str = "start"
    colour: str = INK
    bold: bool = False


@dataclass
class Figure:
    """A frame as drawing primitives in pixels (y down), written as SVG or drawn to PNG by KLayout."""

    width: int
    height: int
    title: str
    items: list = field(default_factory=list)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: str, hatch: bool = False) -> None:
        """A filled (or hatched) rectangle."""
        self.items.append(_Shape([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [], fill, hatch))

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = INK, width: float = 1.0) -> None:
        """A straight line."""
        self.items.append(_Line(x1, y1, x2, y2, colour, width))

    def text(self, x: float, y: float, text: str, size: float = 12.0, anchor: str = "start", colour: str = INK,
             bold: bool = False) -> None:
        """A line of text anchored at its start, middle or end."""
        self.items.append(_Text(x, y, text, size, anchor, colour, bold))


def svg_text(fig: Figure, ids: str = "f") -> str:
    """The figure as a standalone SVG document; pattern ids are prefixed so several can be inlined in one page."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width}" height="{fig.height}" '
           f'viewBox="0 0 {fig.width} {fig.height}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{html.escape(fig.title)}</title>"]
    hatches = sorted({s.fill for s in fig.items if isinstance(s, _Shape) and s.hatch})
    if hatches:
        out.append("<defs>")
        for c in hatches:
            out.append(f'<pattern id="{ids}-hatch-{c[1:]}" patternUnits="userSpaceOnUse" width="6" height="6" '
                       f'patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
                       f'<line x1="0" y1="0" x2="0" y2="6" stroke="{c}" stroke-width="2.5"/></pattern>')
        out.append("</defs>")
    out.append(f'<rect width="{fig.width}" height="{fig.height}" fill="{BACKGROUND}"/>')
    for item in fig.items:
        if isinstance(item, _Shape):
            d = "".join(_path(ring) for ring in [item.hull, *item.holes])
            fill = f"url(#{ids}-hatch-{item.fill[1:]})" if item.hatch else item.fill
            out.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd"/>')
        elif isinstance(item, _Line):
            out.append(f'<line x1="{item.x1:.2f}" y1="{item.y1:.2f}" x2="{item.x2:.2f}" y2="{item.y2:.2f}" '
                       f'stroke="{item.colour}" stroke-width="{item.width:g}"/>')
        else:
            weight = ' font-weight="bold"' if item.bold else ""
            out.append(f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:g}" '
                       f'text-anchor="{ {"start": "start", "middle": "middle", "end": "end"}[item.anchor]}" '
                       f'fill="{item.colour}"{weight}>{html.escape(item.text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _path(ring: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in ring) + " Z"


def write_png(fig: Figure, path: Path) -> Path:
    """Draw the figure with KLayout's renderer (shapes on one layer per colour, text as glyph polygons)."""
    import klayout.db as kdb
    import klayout.lay as lay

    ly = kdb.Layout()
    ly.dbu = 0.001
    top = ly.create_cell("frame")
    layers: dict[tuple[int, str, bool], int] = {}

    def layer(colour: str, hatch: bool = False, tier: int = 0) -> int:
        """One layer per (tier, colour, fill): tier 0 shapes, 1 lines, 2 text, drawn in that order."""
        key = (tier, colour, hatch)
        if key not in layers:
            layers[key] = ly.layer(len(layers) + 1, 0)
        return layers[key]

    h = fig.height
    gen = kdb.TextGenerator.default_generator()
    for item in fig.items:
        if isinstance(item, _Shape):
            poly = kdb.DPolygon([kdb.DPoint(x, h - y) for x, y in item.hull])
            for hole in item.holes:
                poly.insert_hole([kdb.DPoint(x, h - y) for x, y in hole])
            top.shapes(layer(item.fill, item.hatch)).insert(poly)
        elif isinstance(item, _Line):
            stroke = kdb.DPath([kdb.DPoint(item.x1, h - item.y1), kdb.DPoint(item.x2, h - item.y2)], item.width)
            top.shapes(layer(item.colour, tier=1)).insert(stroke)
        else:
            mag = item.size * (0.95 if item.bold else 0.85)
            glyphs = gen.text(item.text, ly.dbu, mag)
            if item.bold:
                glyphs = glyphs.sized(round(0.03 * mag / ly.dbu))
            width = glyphs.bbox().width() * ly.dbu
            dx = {"start": 0.0, "middle": -width / 2, "end": -width}[item.anchor]
            shift = kdb.ICplxTrans(1.0, 0, False, round((item.x + dx) / ly.dbu), round((h - item.y) / ly.dbu))
            top.shapes(layer(item.colour, tier=2)).insert(glyphs.transformed(shift))
    view = lay.LayoutView()
    view.set_config("background-color", BACKGROUND)
    view.set_config("grid-visible", "false")
    view.set_config("inst-visible", "false")
    view.show_layout(ly, True)
    view.clear_layers()
    for (_, colour, hatch), li in sorted(layers.items(), key=lambda kv: (kv[0][0], kv[1])):
        props = lay.LayerPropertiesNode()
        info = ly.get_info(li)
        props.source = f"{info.layer}/{info.datatype}@1"
        props.fill_color = int(colour[1:], 16)
        props.frame_color = int(colour[1:], 16)
        props.dither_pattern = 5 if hatch else 0
        props.width = 0 if not hatch else 1
        view.insert_layer(view.end_layers(), props)
    view.max_hier()
    box = kdb.DBox(0, 0, fig.width, fig.height)
    return atomic(path, lambda tmp: view.save_image_with_options(str(tmp), fig.width, fig.height, 0, 2, 0, box,
                                                                 False))


# ----------------------------------------------------------------------------- drawing frames
@dataclass(frozen=True)
class Placement:
    """Pixel placement shared by all frames of one run (so stepping through them does not jump)."""

    width: int
    height: int
    left: float
    plot_top: float
    scale: float
    exaggeration: float
    s0: float
    s1: float
    z1: float

    def x(self, s_um: float) -> float:
        """Pixel column of a position along the cut (um)."""
        return self.left + (s_um - self.s0) * self.scale

    def y(self, z_um: float) -> float:
        """Pixel row of a height (um), exaggerated."""
        return self.plot_top + (self.z1 - z_um) * self.scale * self.exaggeration

    @property
    def plot_bottom(self) -> float:
        """Pixel row of z = 0, the back of the substrate."""
        return self.y(0.0)


_W = 1100
_LEFT, _RIGHT, _TOP, _BOTTOM, _MASK_BAND = 72, 310, 58, 58, 62
_MAX_PLOT_HEIGHT = 640


def placement(sec: Section, exaggeration: float) -> Placement:
    """One pixel placement for all frames of a run: the whole cut wide, the tallest frame high."""
    s0, s1 = sec.span
    z1 = max(f.top() for f in sec.frames) * 1.04 or 1.0
    scale = (_W - _LEFT - _RIGHT) / (s1 - s0)
    if z1 * scale * exaggeration > _MAX_PLOT_HEIGHT:
        scale = _MAX_PLOT_HEIGHT / (z1 * exaggeration)
    legend = 22 + 18 * (max(len(f.bodies) for f in sec.frames) + 3)
    plot_h = z1 * scale * exaggeration
    height = round(max(_TOP + _MASK_BAND + plot_h + _BOTTOM, _TOP + _MASK_BAND + legend))
    return Placement(_W, height, _LEFT, _TOP + _MASK_BAND, scale, exaggeration, s0, s1, z1)


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / ticks
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= raw:
            return m * 10**exp
    return 10 ** (exp + 1)


def exaggeration_text(e: float) -> str:
    """The vertical exaggeration stated in words on every frame and on the page."""
    if abs(e - 1.0) < 1e-9:
        return "true scale: vertical exaggeration 1x"
    return f"vertical exaggeration {e:g}x (z drawn {e:g} times taller than x)"


def draw_frame(sec: Section, frame: Frame, place: Placement) -> Figure:
    """One frame: title, mask and light (expose), the section's bodies, axes, legend."""
    d = sec.design
    total = len(sec.frames)
    step = frame.step
    fig = Figure(place.width, place.height, f"{frame.number:02d}/{total:02d} {step.step.action}: {step.step.name}")
    fig.text(16, 24, f"{frame.number:02d}/{total:02d}  {step.step.action}: {step.step.name}", 17, bold=True)
    facts = []
    if step.material:
        facts.append(step.material)
    if step.thickness and step.step.action not in ("drop", "reflow"):
        facts.append(f"{step.thickness:g} um")
    if step.step.mask:
        keep = {"drawn": "kept where drawn", "field": "opened where drawn"}.get(step.step.keep or "", "")
        facts.append(f"mask {step.step.mask}" + (f" ({keep})" if keep else ""))
    if step.step.films:
        present = [f for f in step.step.films if f in sec.intervals or any(
            f in (b.key, b.role, b.layer) for fr in sec.frames[:frame.number] for b in fr.bodies)]
        facts.append("films " + ", ".join(present or step.step.films))
    facts += frame.notes
    sub = f"{d.recipe.name}: {d.process.title} (seed {d.process.seed})"
    fig.text(16, 44, "; ".join([*facts, sub]), 12, colour=GREY_INK)
    plot_left, plot_right = place.x(place.s0), place.x(place.s1)
    # bodies
    for body in frame.bodies:
        for shape in _shapes(body.region, place, body.colour):
            fig.items.append(shape)
    if frame.exposure is not None:
        _draw_exposure(fig, frame, place)
    if frame.removed is not None and not frame.removed.is_empty():
        _draw_removed(fig, frame, place, sec.bumps)
    # axes
    base = place.plot_bottom
    fig.line(plot_left, base + 4, plot_right, base + 4, INK)
    step_s = _nice_step(place.s1 - place.s0)
    s = math.ceil(place.s0 / step_s) * step_s
    while s <= place.s1 + 1e-9:
        x = place.x(s)
        fig.line(x, base + 4, x, base + 9, INK)
        fig.text(x, base + 22, f"{s:g}", 11, anchor="middle")
        s += step_s
    fig.text((plot_left + plot_right) / 2, base + 40, sec.cut.axis_label() + "   " + sec.cut.describe(), 11,
             anchor="middle", colour=GREY_INK)
    fig.line(plot_left - 6, place.y(place.z1), plot_left - 6, base, INK)
    step_z = _nice_step(place.z1, 5)
    z = 0.0
    while z <= place.z1 + 1e-9:
        y = place.y(z)
        fig.line(plot_left - 11, y, plot_left - 6, y, INK)
        fig.text(plot_left - 14, y + 4, f"{z:g}", 11, anchor="end")
        z += step_z
    fig.text(16, place.plot_top - 8, "z (um)", 11, colour=GREY_INK)
    fig.text(plot_left, base + 54, exaggeration_text(place.exaggeration), 11, colour=GREY_INK)
    _legend(fig, frame, place)
    return fig


def _shapes(region, place: Placement, colour: str, hatch: bool = False) -> list[_Shape]:
    out = []
    for poly in region.merged().each():
        hull = [(place.x(p.x / NM), place.y(p.y / NM)) for p in poly.each_point_hull()]
        holes = [[(place.x(p.x / NM), place.y(p.y / NM)) for p in poly.each_point_hole(i)]
                 for i in range(poly.holes())]
        out.append(_Shape(hull, holes, colour, hatch))
    return out


def _draw_exposure(fig: Figure, frame: Frame, place: Placement) -> None:
    ex = frame.exposure
    assert ex is not None, "drawn only for a frame with an exposure"
    y_glass0, y_glass1 = place.plot_top - 40, place.plot_top - 30
    x0, x1 = place.x(place.s0), place.x(place.s1)
    fig.rect(x0, y_glass0, x1, y_glass1, GLASS)
    for a, b in complement(ex.clear, place.s0, place.s1):
        fig.rect(place.x(a), y_glass0, place.x(b), y_glass1, CHROME)
    fig.text(x0, y_glass0 - 6, f"mask {ex.mask} ({ex.tone} resist: light passes "
             f"{'the drawn openings' if ex.tone == 'positive' else 'outside the drawn openings'})", 11,
             colour=LIGHT)
    for a, b in ex.clear:
        xa, xb = place.x(a), place.x(b)
        n = max(1, int((xb - xa) // 14))
        for k in range(n + 1):
            x = xa + (xb - xa) * (k + 0.5) / (n + 1) if n else (xa + xb) / 2
            s_um = place.s0 + (x - place.left) / place.scale
            fig.line(x, y_glass1, x, place.y(frame.top_at(s_um)), LIGHT, 1.2)
    for shape in _shapes(ex.latent, place, INK, hatch=True):
        fig.items.append(shape)


def _draw_removed(fig: Figure, frame: Frame, place: Placement, bumps: list[BumpOnCut]) -> None:
    """Release: point at the air gap left where sacrificial layer 140 was, from above the stack."""
    if frame.action != "release" or frame.removed is None:
        return
    widest = max(frame.removed.each(), key=lambda p: p.bbox().width())
    box = widest.bbox()
    s_um = (box.left + 0.12 * box.width()) / NM
    x = place.x(s_um)
    y_gap = place.y((box.bottom + box.top) / 2 / NM)
    y_text = place.y(frame.top_at(s_um)) - 22
    fig.line(x, y_gap, x, y_text + 4, INK, 0.8)
    bump = bumps[0].s if bumps else place.s1
    room_left = bump > s_um if abs(bump - s_um) > 1e-9 else x - place.x(place.s0) > place.x(place.s1) - x
    fig.text(x + (-4 if room_left else 4), y_text, "air gap: suspended portion 102 released", 11,
             anchor="end" if room_left else "start")


def _legend(fig: Figure, frame: Frame, place: Placement) -> None:
    x = place.width - _RIGHT + 24
    y = place.plot_top
    fig.text(x, y - 8, "materials", 12, bold=True)
    seen = set()
    for body in reversed(frame.bodies):
        if (body.label, body.colour) in seen:
            continue
        seen.add((body.label, body.colour))
        fig.rect(x, y, x + 14, y + 12, body.colour)
        fig.text(x + 20, y + 11, body.label, 11)
        y += 18
    if frame.exposure is not None:
        fig.rect(x, y, x + 14, y + 12, INK, hatch=True)
        fig.text(x + 20, y + 11, "resist that dissolves at develop", 11)
        y += 18
        fig.rect(x, y, x + 14, y + 12, CHROME)
        fig.text(x + 20, y + 11, "mask chrome", 11)
        y += 18
        fig.line(x + 7, y, x + 7, y + 12, LIGHT, 1.5)
        fig.text(x + 20, y + 11, "exposure light", 11)
