"""Mask plates for the mask shop: a full-wafer 1x plate (contact / proximity aligners) and a stepper reticle.

Both step one die-site cell per mask: the chrome of one die step (die plus scribe) in the mask's polarity,
computed once. The wafer plate places it as array references at every whole die site of the wafer map (one
array per run of neighbouring dies in a row), so a 300 mm plate of 596 dies stays the size of one die; the
rest of the plate is one polygon (dark field: the plate less the die sites and the clear marks; clear field:
the marks and labels only). A reticle holds N x M sites per field inside a border with reticle marks; its
top cell places the field magnified by the reduction (4x, 5x) and mirrored when asked, so the hierarchy and
the drawn die stay as they are. The shot map of a reticle lists the stepper's shots over the wafer map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gdstk
import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.input.pdk import Marks, PlateMask, ReticleMask
from maskgen.input.recipe import PLATE_INCH, MaskSet, ReticleSpec, Wafer

INCH = 25_400.0                 # um


@dataclass(frozen=True)
class Shot:
    """One stepper shot: its index, column/row on the shot grid, centre (um) and the dies it exposes."""

    index: int
    col: int
    row: int
    x: float
    y: float
    dies: int
    full: bool


def plate_inch(geo: PlateMask, masks: MaskSet, wafer: Wafer, file: str | Path | None = None) -> int:
    """The plate size (inch): the recipe's, checked to hold the wafer with the PDK's plate margin, or the smallest
    standard one that does."""
    need = wafer.diameter * 1000.0 + 2 * geo.margin
    if masks.plate == "auto":
        fits = [p for p in PLATE_INCH if p * INCH >= need]
        if not fits:
            raise InputError(file, "masks.plate", "auto", f"no standard plate holds a {wafer.diameter} mm wafer")
        return fits[0]
    if masks.plate * INCH < need:
        ok = ", ".join(str(p) for p in PLATE_INCH if p * INCH >= need) or "none"
        raise InputError(file, "masks.plate", masks.plate,
                         f"a {masks.plate} inch plate ({masks.plate * 25.4:g} mm) does not hold a "
                         f"{wafer.diameter} mm wafer with {geo.margin / 1000:g} mm margin; plates that do: {ok}")
    return masks.plate


def _region(polys: list[gdstk.Polygon], dbu: float) -> kdb.Region:
    """gdstk polygons (um) as a region (dbu)."""
    reg = kdb.Region()
    for p in polys:
        reg.insert(kdb.Polygon([kdb.Point(round(x / dbu), round(y / dbu)) for x, y in p.points]))
    return reg


def cross(x: float, y: float, arm: float, width: float) -> list[gdstk.Polygon]:
    """An alignment cross centred on (x, y)."""
    return [gdstk.rectangle((x - arm, y - width / 2), (x + arm, y + width / 2)),
            gdstk.rectangle((x - width / 2, y - arm), (x + width / 2, y + arm))]


def global_marks(marks: Marks, level: int, x_sides: tuple[float, float], y0: float) -> list[gdstk.Polygon]:
    """This level's cross at the left and the right, and a frame around the previous level's cross."""
    out: list[gdstk.Polygon] = []
    t = marks.width
    for x in x_sides:
        y = y0 + (level - 1) * marks.pitch
        out += cross(x, y, marks.arm, t)
        if level > 1:
            py, h = y - marks.pitch, marks.box
            outer = gdstk.rectangle((x - h / 2, py - h / 2), (x + h / 2, py + h / 2))
            inner = gdstk.rectangle((x - h / 2 + t, py - h / 2 + t), (x + h / 2 - t, py + h / 2 - t))
            out += gdstk.boolean(outer, inner, "not")
    return out


def bar_code(geo: PlateMask, text: str, x: float, y: float) -> list[gdstk.Polygon]:
    """The mask ID as bars, 8 bits a character (narrow 0, wide 1), most significant bit first."""
    out, at = [], x
    bars = geo.bar_widths
    for byte in text.encode("ascii"):
        for bit in range(7, -1, -1):
            w = bars[(byte >> bit) & 1]
            out.append(gdstk.rectangle((at, y), (at + w, y + geo.bar_height)))
            at += w + bars[0]
    return out


def site_box(step: tuple[float, float], dbu: float) -> kdb.Box:
    """One die step centred on the die (dbu)."""
    return kdb.Box(round(-step[0] / 2 / dbu), round(-step[1] / 2 / dbu), round(step[0] / 2 / dbu),
                   round(step[1] / 2 / dbu))


def _site_layout(site: kdb.Region, name: str, dbu: float, layer: tuple[int, int]) -> tuple[kdb.Layout, int, kdb.Cell]:
    """A new mask layout with its one CHROME layer and the die-site cell holding `site`."""
    out = kdb.Layout()
    out.dbu = dbu
    li = out.layer(kdb.LayerInfo(*layer, "CHROME"))
    site_cell = out.create_cell(f"{name}_site")
    site_cell.shapes(li).insert(site)
    return out, li, site_cell


def plate_layout(site: kdb.Region, dark: bool, rows: list[tuple[float, float, int]], step: tuple[float, float],
                 plate_um: float, marks: list[gdstk.Polygon], name: str, mirror: bool, dbu: float,
                 layer: tuple[int, int]) -> kdb.Layout:
    """A full-wafer plate: the site cell arrayed at each run of dies, the rest of the plate and the marks."""
    out, li, site_cell = _site_layout(site, name, dbu, layer)
    wafer_cell = out.create_cell(f"{name}_wafer")
    sx, sy = round(step[0] / dbu), round(step[1] / dbu)
    box = site_box(step, dbu)
    covered = kdb.Region()
    for x, y, n in rows:
        at = kdb.Vector(round(x / dbu), round(y / dbu))
        wafer_cell.insert(kdb.CellInstArray(site_cell.cell_index(), kdb.Trans(at), kdb.Vector(sx, 0),
                                            kdb.Vector(0, sy), n, 1))
        covered.insert(kdb.Box(box.left + at.x, box.bottom + at.y, box.right + at.x + (n - 1) * sx,
                               box.top + at.y))
    half = round(plate_um / 2 / dbu)
    mark = _region(marks, dbu)
    if dark:
        rest = kdb.Region(kdb.Box(-half, -half, half, half)) - covered - mark
    else:
        rest = mark.merged()
    wafer_cell.shapes(li).insert(rest)
    top = out.create_cell(f"{name}_plate")
    top.insert(kdb.CellInstArray(wafer_cell.cell_index(), kdb.Trans(kdb.Trans.M90 if mirror else kdb.Trans.R0,
                                                                    0, 0)))
    return out


def reticle_layout(geo: ReticleMask, site: kdb.Region, dark: bool, spec: ReticleSpec, step: tuple[float, float],
                   marks: list[gdstk.Polygon], name: str, mirror: bool, dbu: float,
                   layer: tuple[int, int]) -> kdb.Layout:
    """A reticle: N x M sites in one field, a chrome border with reticle marks, magnified by the reduction."""
    out, li, site_cell = _site_layout(site, name, dbu, layer)
    field_cell = out.create_cell(f"{name}_field")
    (n, m), sx, sy = spec.dies, round(step[0] / dbu), round(step[1] / dbu)
    first = kdb.Vector(round(-(n - 1) * sx / 2), round(-(m - 1) * sy / 2))
    field_cell.insert(kdb.CellInstArray(site_cell.cell_index(), kdb.Trans(first), kdb.Vector(sx, 0),
                                        kdb.Vector(0, sy), n, m))
    fw, fh = n * sx, m * sy
    border = round(geo.border / dbu)
    frame = kdb.Region(kdb.Box(-fw // 2 - border, -fh // 2 - border, fw // 2 + border, fh // 2 + border))
    frame -= kdb.Region(kdb.Box(-fw // 2, -fh // 2, fw // 2, fh // 2))
    mark = _region(marks, dbu)
    field_cell.shapes(li).insert((frame - mark) if dark else (mark & frame))
    top = out.create_cell(f"{name}_reticle")
    top.insert(kdb.CellInstArray(field_cell.cell_index(), kdb.ICplxTrans(float(spec.reduction), 0.0, mirror, 0, 0)))
    return out


def check_reticle(geo: ReticleMask, spec: ReticleSpec, step: tuple[float, float],
                  file: str | Path | None = None) -> None:
    """The field (N x M die steps) fits the tool's maximum field, and the written reticle the PDK's reticle plate
    (6 inch)."""
    n, m = spec.dies
    fw, fh = n * step[0] / 1000, m * step[1] / 1000
    if fw > spec.max_field[0] + 1e-9 or fh > spec.max_field[1] + 1e-9:
        raise InputError(file, "masks.reticle.dies", [n, m],
                         f"a field of {n} x {m} dies at step {step[0]:g} x {step[1]:g} um is {fw:g} x {fh:g} mm, "
                         f"larger than the tool's max_field {spec.max_field[0]:g} x {spec.max_field[1]:g} mm")
    written = (max(fw, fh) + 2 * geo.border / 1000) * spec.reduction
    plate = geo.plate_inch * INCH
    if written > plate / 1000:
        raise InputError(file, "masks.reticle.reduction", spec.reduction,
                         f"the field with its border written at {spec.reduction}x is {written:g} mm, larger than a "
                         f"{geo.plate_inch} inch ({plate / 1000:g} mm) reticle")


def shot_map(sites: list, spec: ReticleSpec, step: tuple[float, float], offset: tuple[float, float]) -> list[Shot]:
    """The shots of an N x M field stepped over the wafer map from its lowest column and row: a shot is full
    when all N x M of its dies are whole dies of the map, partial when only some are."""
    if not sites:
        return []
    n, m = spec.dies
    c0, r0 = min(s.col for s in sites), min(s.row for s in sites)
    shots: dict[tuple[int, int], list] = {}
    for s in sites:
        shots.setdefault(((s.col - c0) // n, (s.row - r0) // m), []).append(s)
    out = []
    for i, (p, q) in enumerate(sorted(shots, key=lambda k: (k[1], k[0]))):
        dies = shots[(p, q)]
        x = offset[0] + (c0 + p * n + (n - 1) / 2) * step[0]
        y = offset[1] + (r0 + q * m + (m - 1) / 2) * step[1]
        out.append(Shot(i + 1, p, q, round(x, 3), round(y, 3), len(dies),
                        len(dies) == n * m and all(d.whole for d in dies)))
    return out


def plate_marks(geo: PlateMask, level: int, wafer: Wafer, plate_um: float, label: str,
                mask_id: str) -> list[gdstk.Polygon]:
    """Global alignment marks at the wafer's left and right (mid-way in the edge exclusion, at least
    mark_edge_space from the edge), the label and the bar-coded mask ID below the wafer."""
    r = wafer.diameter * 500.0
    marks, text = geo.marks, geo.label_height
    x = r - max(wafer.edge_exclusion * 1000.0, 2 * (marks.arm + geo.mark_edge_space)) / 2
    polys = global_marks(marks, level, (-x, x), -marks.pitch)
    y = -(r + plate_um / 2) / 2
    polys += gdstk.text(label, text, (-r / 2, y + text))
    polys += gdstk.text(mask_id, text, (-r / 2, y - text * 1.5))
    polys += bar_code(geo, mask_id, r / 8, y - text * 1.5)
    return polys


def reticle_marks(geo: ReticleMask, step: tuple[float, float], spec: ReticleSpec) -> list[gdstk.Polygon]:
    """Reticle alignment crosses in the border at the field's left and right."""
    x = spec.dies[0] * step[0] / 2 + geo.border / 2
    arm = geo.border / 2 - 2 * geo.mark_width
    return cross(-x, 0.0, arm, geo.mark_width) + cross(x, 0.0, arm, geo.mark_width)
