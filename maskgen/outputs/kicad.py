"""KiCad footprints of the die for the board designer, written with kiutils.

`<name>.kicad_mod` is the die's board footprint: one round SMD land per ball, sized from the ball by the PDK's
IPC-7351B land table (`board_lands.yaml`; NSMD by default), each pad named by its JEDEC ball, placed as seen
from the top of the board (the layout is drawn from the bumps: x mirrored), with courtyard, fab outline with an
A1 chamfer, an A1 mark on the silkscreen, reference and value. A test vehicle also gets
`<name>_board.kicad_mod`: the daisy chain's board side (lands, chain traces and escape lines on F.Cu, probe pads
named by their role).

Coordinates: maskgen um, die centre, y up, seen from the bumps -> KiCad mm, y down, seen from the top:
(x, y) -> (-x / 1000, -y / 1000). Board coordinates of the test structures (already mirrored in x, y up):
(x, y) -> (x / 1000, -y / 1000).

kiutils draws the footprint's few graphic items and its header; the pads (one per ball, 100,000 on a large die)
are written as text by `pad_text`, the same characters kiutils' Pad.to_sexpr writes for them, without a kiutils
object per pad (tests/test_kicad.py compares the two).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from maskgen.input.datafile import read_yaml, validate
from maskgen.outputs.output import FIXED_TIME, write_text

VERSION = "20211014"
"""The KiCad footprint format written (KiCad 6; KiCad 7 and 8 read it): graphics with (width), (tedit)."""

TEDIT = f"{int(FIXED_TIME.replace(tzinfo=datetime.UTC).timestamp()):08X}"
"""The footprint's edit stamp: the fixed time of every output, so the same recipe gives the same bytes."""

LAND_FILE = "board_lands.yaml"
"""The PDK file of the IPC-7351B land table and the footprint's drawing figures."""


class Reduction(BaseModel):
    """One row of the land table: from this nominal ball diameter (mm) up, the land is the ball less this share."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ball: float = Field(ge=0)
    reduction: float = Field(ge=0, lt=1)


class PublishedLand(BaseModel):
    """A nominal ball diameter (mm) IPC-7351's collapsing-ball table lists, with the nominal land it gives (mm)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ball: float = Field(gt=0)
    land: float = Field(gt=0)


class LandTable(BaseModel):
    """The PDK's board-land rules (board_lands.yaml): IPC-7351B reductions, mask style, drawing figures (mm)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reduction: list[Reduction] = Field(min_length=1)
    land_round: float = Field(gt=0)
    published: list[PublishedLand] = []
    mask: Literal["NSMD", "SMD"] = "NSMD"
    mask_clearance: float = Field(ge=0)
    smd_overlap: float = Field(ge=0)
    paste_ratio: float = Field(ge=-0.5, le=0.5)
    paste: bool = True
    courtyard_excess: float = Field(ge=0)
    courtyard_grid: float = Field(gt=0)
    fab_line: float = Field(gt=0)
    silk_line: float = Field(gt=0)
    silk_clearance: float = Field(ge=0)
    courtyard_line: float = Field(gt=0)
    a1_chamfer: float = Field(ge=0)

    def land(self, ball_mm: float) -> float:
        """Nominal land diameter (mm) of a ball (mm): the land IPC-7351 lists for that ball, else the ball less its
        row's reduction, rounded."""
        listed = next((p.land for p in self.published if abs(p.ball - ball_mm) < 1e-9), None)
        if listed is not None:
            return listed
        rows = sorted(self.reduction, key=lambda r: r.ball)
        row = next((r for r in reversed(rows) if ball_mm >= r.ball - 1e-9), rows[0])
        return round(round(ball_mm * (1 - row.reduction) / self.land_round) * self.land_round, 6)


def land_table(pdk_path: Path) -> LandTable:
    """The land table of a PDK folder (board_lands.yaml), or the shipped default PDK's when it has none."""
    path = pdk_path / LAND_FILE
    if not path.is_file():
        from maskgen.input.pdk import data_root
        path = data_root() / "pdk" / "default" / LAND_FILE
    return validate(LandTable, read_yaml(path), path)


class Land(NamedTuple):
    """One pad of a footprint: name, centre (mm, KiCad: top view, y down), copper diameter, mask margin (mm)."""

    name: str
    x: float
    y: float
    diameter: float
    mask_margin: float
    paste_margin: float | None = None
    shape: str = "circle"


def _mm(value_um: float) -> float:
    """um -> mm on the 1 nm grid, without a negative zero."""
    return round(value_um / 1000, 6) + 0.0


def die_lands(sites: list[Any], ball_um: dict[str | None, float], table: LandTable) -> list[Land]:
    """The die's lands: one per bump site (pad named by its JEDEC ball, else its name), placed as seen from the
    top (x and y of the bump-side layout negated in KiCad's y-down frame), sized from the site's bump type's
    ball (um) by the land table."""
    sized: dict[float, tuple[float, float, float | None]] = {}
    out = []
    for s in sites:
        ball = ball_um.get(getattr(s, "bump_type", None)) or ball_um[None]
        size = sized.get(ball)
        if size is None:
            size = sized[ball] = _land_size(ball, table)
        out.append(Land(s.ball or s.name, _mm(-s.x), _mm(-s.y), *size))
    return out


def _land_size(ball_um: float, table: LandTable) -> tuple[float, float, float | None]:
    """(copper diameter, mask margin, paste margin or None) of the land under a ball (um), in mm."""
    land = table.land(ball_um / 1000)
    if table.mask == "NSMD":
        copper, margin = land, table.mask_clearance
    else:
        copper, margin = round(land + 2 * table.smd_overlap, 6), -table.smd_overlap
    paste = round((land * (1 + table.paste_ratio) - copper) / 2, 6) + 0.0 if table.paste else None
    return copper, margin, paste


def pad_text(land: Land) -> str:
    """A land as the footprint's SMD pad: number, shape, centre, size, copper and mask (and paste) layers, mask
    (and paste) margin, in the characters kiutils 1.4's Pad.to_sexpr writes for such a pad at the footprint's
    indent (a zero paste margin left out, as kiutils leaves it)."""
    name = land.name.replace('"', '\\"')
    layers = '"F.Cu" "F.Mask" "F.Paste"' if land.paste_margin is not None else '"F.Cu" "F.Mask"'
    paste = f" (solder_paste_margin {land.paste_margin})" if land.paste_margin else ""
    return (f'  (pad "{name}" smd {land.shape} (at {land.x} {land.y}) (size {land.diameter} {land.diameter}) '
            f'(layers {layers})\n    (solder_mask_margin {land.mask_margin}){paste})\n')


def _line(a: tuple[float, float], b: tuple[float, float], layer: str, width: float) -> Any:
    """A kiutils footprint line."""
    from kiutils.items.common import Position
    from kiutils.items.fpitems import FpLine
    return FpLine(start=Position(X=a[0], Y=a[1]), end=Position(X=b[0], Y=b[1]), layer=layer, width=width)


def _poly(points: list[tuple[float, float]], layer: str, width: float, fill: bool = False) -> Any:
    """A kiutils closed footprint polygon (filled when fill)."""
    from kiutils.items.common import Position
    from kiutils.items.fpitems import FpPoly
    return FpPoly(coordinates=[Position(X=x, Y=y) for x, y in points], layer=layer, width=width,
                  fill="solid" if fill else "none")


def _text(kind: str, text: str, at: tuple[float, float], layer: str) -> Any:
    """A kiutils footprint text (reference, value or user)."""
    from kiutils.items.common import Effects, Font, Position
    from kiutils.items.fpitems import FpText
    return FpText(type=kind, text=text, position=Position(X=at[0], Y=at[1]), layer=layer,
                  effects=Effects(font=Font(width=1.0, height=1.0, thickness=0.15)))


def _rect(x1: float, y1: float, x2: float, y2: float) -> list[tuple[float, float]]:
    """The corners of a rectangle, clockwise on screen from top left."""
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]


def a1_corner_mm(size_um: tuple[float, float], a1_corner: str, view: str) -> tuple[float, float]:
    """The body corner nearest ball A1 in the footprint (mm, top view, y down)."""
    from maskgen.input.jedec import a1_corner_point
    x, y = a1_corner_point(size_um, a1_corner, view)
    return _mm(-x), _mm(-y)


def _chamfered(corners: list[tuple[float, float]], sx: int, sy: int, ch: float) -> list[tuple[float, float]]:
    """The rectangle with its (sx, sy) corner cut by ch along both sides (the A1 chamfer of the fab outline)."""
    i = next(k for k, (x, y) in enumerate(corners) if x * sx > 0 and y * sy > 0)
    cx, cy = corners[i]
    cut = []
    for nx, ny in (corners[i - 1], corners[(i + 1) % 4]):
        d = math.hypot(nx - cx, ny - cy)
        cut.append((cx + (nx - cx) / d * ch, cy + (ny - cy) / d * ch))
    return corners[:i] + cut + corners[i + 1:]


@dataclass
class KicadFootprint:
    """A footprint to write: kiutils' Footprint of its header and drawing (texts, outlines, traces; no pads) and
    its lands, the pads written after the drawing as kiutils places them."""

    drawing: Any
    lands: list[Land] = field(default_factory=list)

    def text(self) -> str:
        """The .kicad_mod text: kiutils' text of the drawing, the pads (`pad_text`) before its closing parenthesis
        (kiutils writes pads after the graphic items; the drawing holds no zones, models or groups to follow)."""
        d = self.drawing
        if d.pads or d.zones or d.models or d.groups:
            raise ValueError("a footprint's drawing holds only its header and graphic items")
        head = d.to_sexpr()
        return head[:-2] + "".join(map(pad_text, self.lands)) + head[-2:]


def footprint(name: str, description: str, lands: list[Land], body_um: tuple[float, float],
              a1_mm: tuple[float, float], table: LandTable, tags: str = "WLCSP BGA maskgen") -> KicadFootprint:
    """The footprint of the lands on a body (um) with courtyard, fab outline (A1 chamfer), silkscreen A1 mark,
    reference and value; the A1 corner a1_mm in footprint mm."""
    from kiutils.footprint import Footprint
    fp = Footprint(version=VERSION, generator="maskgen", layer="F.Cu", description=description, tags=tags)
    fp.entryName = name
    fp.tedit = TEDIT
    fp.attributes.type = "smd"
    hw, hh = body_um[0] / 2000, body_um[1] / 2000
    reach_x = max([hw, *(abs(p.x) + p.diameter / 2 for p in lands)])
    reach_y = max([hh, *(abs(p.y) + p.diameter / 2 for p in lands)])
    g = table.courtyard_grid
    cx = math.ceil(round((reach_x + table.courtyard_excess) / g, 6)) * g
    cy = math.ceil(round((reach_y + table.courtyard_excess) / g, 6)) * g
    cx, cy = round(cx, 6), round(cy, 6)
    sx, sy = (1 if a1_mm[0] > 0 else -1), (1 if a1_mm[1] > 0 else -1)
    ch = round(min(table.a1_chamfer, min(hw, hh) / 2), 6)
    fab = _chamfered(_rect(-hw, -hh, hw, hh), sx, sy, ch)
    s = table.silk_clearance + table.silk_line / 2
    ox, oy = sx * (hw + s), sy * (hh + s)
    leg = round(min(hw, hh) / 2, 6)
    mark = round(max(0.3, min(hw, hh) / 6), 6)
    fp.graphicItems = [
        _text("reference", "REF**", (0.0, round(-cy - 1.0, 6)), "F.SilkS"),
        _text("value", name, (0.0, round(cy + 1.0, 6)), "F.Fab"),
        _text("user", "${REFERENCE}", (0.0, 0.0), "F.Fab"),
        _poly(_rect(-cx, -cy, cx, cy), "F.CrtYd", table.courtyard_line),
        _poly([(round(x, 6) + 0.0, round(y, 6) + 0.0) for x, y in fab], "F.Fab", table.fab_line),
        _line((ox, oy), (round(ox - sx * leg, 6), oy), "F.SilkS", table.silk_line),
        _line((ox, oy), (ox, round(oy - sy * leg, 6)), "F.SilkS", table.silk_line),
        _poly([(ox, oy), (round(ox + sx * mark, 6), oy), (ox, round(oy + sy * mark, 6))], "F.SilkS",
              table.silk_line, fill=True),
    ]
    return KicadFootprint(fp, list(lands))


def write_footprint(fp: KicadFootprint, path: Path) -> Path:
    """Write a footprint as a .kicad_mod file, atomically (same footprint, same bytes)."""
    return write_text(path, fp.text())


def die_footprint(design: Any, die: Any) -> KicadFootprint:
    """The die's board footprint: every bump's land, named by its ball, from its type's ball size
    (solder.ball_diameter, else the reflowed bump width) by the PDK's land table."""
    r = design.recipe
    table = land_table(design.pdk.path)
    balls: dict[str | None, float] = {None: _ball(design)}
    for kind in die.kinds:
        balls[kind.name] = _ball(kind.design)
    sites = [s for k in die.kinds for s in k.sites] if die.kinds else die.sites
    if len(die.kinds) > 1:
        order = {id(s): i for i, s in enumerate(die.sites)}
        owner = {id(s): k.name for k in die.kinds for s in k.sites}
        sites = sorted(sites, key=lambda s: order.get(id(s), 0))
        sites = [_typed(s, owner.get(id(s))) for s in sites]
    lands = die_lands(sites, balls, table)
    land = lands[0].diameter if lands else 0.0
    pitch = design.bump.min_pitch
    words = (f"{r.name}: {len(lands)} balls{f' at {pitch / 1000:g} mm pitch' if pitch else ''}, body "
             f"{r.die.size[0] / 1000:g} x {r.die.size[1] / 1000:g} mm; {table.mask} lands {land:g} mm "
             f"(IPC-7351B from {balls[None] / 1000:g} mm balls); top view; written by maskgen from "
             f"{design.file.name}")
    a1 = a1_corner_mm(r.die.size, r.die.naming.a1_corner, r.die.naming.view)
    return footprint(r.name, words, lands, r.die.size, a1, table)


def _typed(site: Any, kind: str | None) -> Any:
    """The site with its bump type set (for a per-type land size)."""
    from dataclasses import replace
    return replace(site, bump_type=kind) if kind and kind != site.bump_type else site


def _ball(design: Any) -> float:
    """The ball size (um) a land is sized from: the placed ball, else the reflowed bump width."""
    return design.recipe.solder.ball_diameter or design.bump.reflow_width


def board_footprint(design: Any, plan: Any) -> KicadFootprint:
    """The test vehicle's board side as a footprint: a land (board_land) under every chained and Kelvin bump
    named by its ball, the chain's board traces and the escape lines on F.Cu, a square probe pad at each escape
    end named by its role."""
    r = design.recipe
    table = land_table(design.pdk.path)
    lands = [Land(s.ball or s.name, _mm(-s.x), _mm(-s.y), _mm(plan.board_land), table.mask_clearance)
             for s in plan.sites]
    words = (f"{r.name} test vehicle board side: {len(lands)} lands of {plan.board_land / 1000:g} mm, "
             f"{len(plan.board_links)} chain traces, {len(plan.escapes)} probe pads; top view; written by maskgen "
             f"from {design.file.name}")
    a1 = a1_corner_mm(r.die.size, r.die.naming.a1_corner, r.die.naming.view)
    fp = footprint(f"{r.name}_board", words, lands, r.die.size, a1, table, "WLCSP test-vehicle daisy-chain maskgen")
    w = _mm(plan.trace)
    for link in plan.board_links:
        fp.drawing.graphicItems.append(_line((_mm(-link.a.x), _mm(-link.a.y)), (_mm(-link.b.x), _mm(-link.b.y)), "F.Cu",
                                     _mm(link.width)))
    for e in plan.escapes:
        start, end = (_mm(e.start[0]), _mm(-e.start[1])), (_mm(e.end[0]), _mm(-e.end[1]))
        fp.drawing.graphicItems.append(_line(start, end, "F.Cu", w))
        fp.lands.append(Land(e.role, end[0], end[1], _mm(plan.probe_pad), table.mask_clearance, shape="rect"))
    return fp


def footprint_files(name: str, out_dir: Path, board: bool) -> dict[str, Path]:
    """The footprint files a build writes: `<name>.kicad_mod`, and `<name>_board.kicad_mod` for a test vehicle."""
    files = {"kicad_mod": out_dir / f"{name}.kicad_mod"}
    if board:
        files["board_kicad_mod"] = out_dir / f"{name}_board.kicad_mod"
    return files


def write_footprints(design: Any, die: Any, files: dict[str, Path]) -> None:
    """Write the die's footprint (and a test vehicle's board-side footprint) to the paths footprint_files gave."""
    write_footprint(die_footprint(design, die), files["kicad_mod"])
    if "board_kicad_mod" in files:
        write_footprint(board_footprint(design, die.structures), files["board_kicad_mod"])
