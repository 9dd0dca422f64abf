"""`maskgen masks`: one photomask per mask layer of the process, in mask-shop polarity, with marks and labels.

Each mask file holds one layer, CHROME (1/0): where the mask plate keeps its chrome. The drawn shapes of the
mask layer become clear or dark according to the resist tone of the step that uses the mask (see
`maskgen.outputs.manifest.polarity`): a positive resist opening is drawn clear (dark field), a negative dry film
opening dark (clear field). Alignment marks register each level to the previous one (box around the
previous level's cross) and a label names mask, level, polarity and recipe.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import gdstk
import klayout.db as kdb

from maskgen.drc.isolated import Placements, placements_in
from maskgen.errors import given
from maskgen.guard import doing
from maskgen.input.pdk import DieMask, Pdk
from maskgen.input.recipe import MaskSet
from maskgen.outputs.cdsample import Hierarchy
from maskgen.outputs.critical import CriticalDimension, layer_critical_dimension
from maskgen.outputs.output import atomic, write_json, write_text
from maskgen.outputs.plates import (
    INCH,
    check_reticle,
    plate_inch,
    plate_layout,
    plate_marks,
    reticle_layout,
    reticle_marks,
    shot_map,
    site_box,
)
from maskgen.outputs.result import BuildResult

CHROME = (1, 0)


@dataclass(frozen=True)
class MaskFile:
    """One written mask with its list entry."""

    path: Path
    entry: dict


def _mark_site(geo: DieMask, level: int, die_w: float, die_h: float) -> tuple[float, float]:
    """Where level's cross sits: in the left margin, one site per level."""
    return (-die_w / 2 - geo.field_margin / 2, -die_h / 2 + geo.mark_first + (level - 1) * geo.marks.pitch)


def alignment_marks(geo: DieMask, level: int, die_w: float, die_h: float) -> list[gdstk.Polygon]:
    """Cross of this level on both sides of the field, and a box frame around the previous level's cross
    (sizes from the PDK's masks.yaml, `die:`)."""
    out: list[gdstk.Polygon] = []
    arm, t, h = geo.marks.arm, geo.marks.width, geo.marks.box
    for side in (1, -1):
        x, y = _mark_site(geo, level, die_w, die_h)
        x *= side
        out.append(gdstk.rectangle((x - arm, y - t / 2), (x + arm, y + t / 2)))
        out.append(gdstk.rectangle((x - t / 2, y - arm), (x + t / 2, y + arm)))
        if level > 1:
            px, py = _mark_site(geo, level - 1, die_w, die_h)
            px *= side
            outer = gdstk.rectangle((px - h / 2, py - h / 2), (px + h / 2, py + h / 2))
            inner = gdstk.rectangle((px - h / 2 + t, py - h / 2 + t), (px + h / 2 - t, py + h / 2 - t))
            out += gdstk.boolean(outer, inner, "not")
    return out


def mask_label(geo: DieMask, text: str, die_w: float, die_h: float) -> list[gdstk.Polygon]:
    """The mask label as polygons, centred in height on the middle of the bottom margin."""
    return gdstk.text(text, geo.label_height,
                      (-die_w / 2, -die_h / 2 - geo.field_margin / 2 - geo.label_height / 2))


def _region(polys: list[gdstk.Polygon], dbu: float) -> kdb.Region:
    """gdstk polygons (um) as a klayout region (dbu)."""
    reg = kdb.Region()
    for p in polys:
        reg.insert(kdb.Polygon([kdb.Point(round(x / dbu), round(y / dbu)) for x, y in p.points]))
    return reg


def write_masks(result: BuildResult, oasis: bool = False) -> list[MaskFile]:
    """Write every mask of a build's process in step order (GDSII, and OASIS with oasis), plus the mask list."""
    ly = kdb.Layout()
    ly.read(str(result.files["gds"]))
    top = ly.cell(result.die.cell.name)
    dbu = ly.dbu
    die_w, die_h = result.design.recipe.die.dims
    geo = result.design.pdk.masks
    margin = geo.die.field_margin
    field_box = kdb.Box(round((-die_w / 2 - margin) / dbu), round((-die_h / 2 - margin) / dbu),
                        round((die_w / 2 + margin) / dbu), round((die_h / 2 + margin) / dbu))
    name = result.design.recipe.name
    out_dir = result.out_dir / "masks"
    written: list[MaskFile] = []
    fmt = result.design.recipe.masks or MaskSet()
    if set(fmt.format) - {"die"}:
        wafer = given(result.design.recipe.wafer, "wafer", result.design.file)
        plate_inch(geo.plate, fmt, wafer, result.design.file)
        if fmt.reticle is not None and "reticle" in fmt.format:
            check_reticle(geo.reticle, fmt.reticle, result.wafer.step, result.design.file)
    apart = placements_in(top, set())
    cds = _critical_dimensions(result, ly, top, apart)
    for mask in result.manifest.masks:
        layer, datatype = mask.gds
        li = ly.find_layer(layer, datatype)
        label = f"{name} {mask.mask} L{mask.level} {mask.polarity.upper()} {mask.tone or ''}".strip()
        cd = cds[mask.level]
        entry = {**mask.as_json(), "field": "dark field" if mask.polarity == "clear" else "clear field",
                 **(cd.as_dict() if cd else {"critical_dimension": None, "cd_kind": None, "cd_at": None}),
                 **cd_rule(result.design.pdk, mask.mask, cd.value if cd else None),
                 "label": label,
                 "file": f"{mask.level:02d}_{mask.mask}.gds"}
        if oasis:
            entry["oasis_file"] = f"{entry['level']:02d}_{entry['mask']}.oas"
        path = out_dir / entry["file"]
        if "die" in fmt.format:
            marks = _region(alignment_marks(geo.die, entry["level"], die_w, die_h)
                            + mask_label(geo.die, label, die_w, die_h), dbu)
            clear_field = entry["polarity"] != "clear"
            placed = _placed_features(apart, li, marks)
            if placed is not None and clear_field:
                chrome = placed
            else:
                chrome = _chrome(top.begin_shapes_rec(li) if li is not None else None, marks, field_box, dbu,
                                 clear_field=clear_field, features=placed)
            _write_chrome(chrome, dbu, f"{name}_{entry['mask']}",
                          [path, *([out_dir / entry["oasis_file"]] if oasis else [])])
        if set(fmt.format) - {"die"}:
            entry = {**entry, **_plates(result, fmt, top, li, entry, label, oasis, out_dir)}
            if "die" not in fmt.format:
                path = out_dir / (entry["plate_file"] if "plate_file" in entry else entry["reticle_file"])
                entry["file"] = path.name
                entry.pop("oasis_file", None)
        written.append(MaskFile(path, entry))
    if fmt.reticle is not None and "reticle" in fmt.format:
        shots = shot_map(result.wafer.sites, fmt.reticle, result.wafer.step, result.wafer.offset)
        write_json(out_dir / "shot_map.json", {"recipe": name, "dies_per_field": list(fmt.reticle.dies),
                                                "reduction": fmt.reticle.reduction,
                                                "shots": [asdict(s) for s in shots]})
        write_text(out_dir / "shot_map.csv", "shot,col,row,x_um,y_um,dies,full\n" + "".join(
            f"{s.index},{s.col},{s.row},{s.x:g},{s.y:g},{s.dies},{'full' if s.full else 'partial'}\n"
            for s in shots))
    rows = [m.entry for m in written]
    write_json(out_dir / "mask_list.json", {"recipe": name, "process": result.design.process.name, "masks": rows})
    write_text(out_dir / "mask_list.csv", _csv(rows))
    return written


def _critical_dimensions(result: BuildResult, ly: kdb.Layout, top: kdb.Cell,
                         apart: Placements | None) -> dict[int, CriticalDimension | None]:
    """Each mask's critical dimension by level, all measured before any mask is drawn (the die's instances read
    once for them all, and let go before the masks' geometry is made)."""
    hierarchy = Hierarchy(ly)
    out = {}
    for mask in result.manifest.masks:
        li = ly.find_layer(*mask.gds)
        out[mask.level] = None if li is None else layer_critical_dimension(
            top, li, result.design.pdk.grid, opening=result.design.pdk.layers[mask.mask].shape == "opening",
            apart=apart, hierarchy=hierarchy)
    return out


TILE = 500.0
"""um, tile edge for dark-field masks: the field minus the openings is computed tile by tile, so the chrome is
many small polygons with few holes each rather than one field-sized polygon with thousands of holes that the
GDSII writer must cut up (benchmark die, 2,500 bumps, seven masks: 6.6 s -> 4.1 s in-process)."""


SITE_TILE = 2000.0
"""um, tile edge for the die-site chrome of plates and reticles: 25 tiles a 10 mm site (in-process, 7 plates of
the 1.5 M-bump wafer on a loaded machine: 500 um tiles 10.6 s, 1000 um 10.0 s, 2000 um 7.3 s, 5100 um 13.4 s)."""


def _chrome(drawn: kdb.RecursiveShapeIterator | None, marks: kdb.Region, field: kdb.Box, dbu: float,
            clear_field: bool, tile: float = TILE, features: kdb.Region | None = None) -> kdb.Region:
    """The chrome of one mask: the drawn shapes and marks (clear field), or the field minus them (dark field);
    `features` gives the drawn shapes and marks already merged (see `_placed_features`)."""
    if features is None:
        features = kdb.Region(drawn) if drawn is not None else kdb.Region()
        features += marks
    if clear_field:
        return features.merged()
    out = kdb.Layout()
    out.dbu = dbu
    cell = out.create_cell("chrome")
    layer = out.layer(*CHROME)
    tp = kdb.TilingProcessor()
    tp.dbu = dbu
    frame = kdb.DBox(field.left * dbu, field.bottom * dbu, field.right * dbu, field.top * dbu)
    tp.frame = frame  # type: ignore[misc, assignment]  # writable in klayout.db; its stub says read-only
    tp.tile_size(tile, tile)
    tp.threads = 1                      # tiles in a fixed order: the same recipe gives the same bytes
    tp.input("f", features)
    tp.output("o", out, cell.cell_index(), layer)
    tp.queue("_output(o, (_tile & _frame) - f)")
    tp.execute("dark-field mask")
    return kdb.Region(cell.shapes(layer))     # the tiles' polygons as written, in tile order


def _placed_features(apart: Placements | None, li: int | None, marks: kdb.Region) -> kdb.Region | None:
    """The features of a mask of many placed cells that do not touch (on the layer, nor the marks), merged: each
    cell's shapes merged once and placed (the shapes a merge of the whole layer gives, without merging 100,000 of
    them), and the marks; the chrome of a clear-field mask. None when that does not hold."""
    if apart is None or li is None:
        return None
    placed = apart.merged(li)
    if placed is None or apart.touches(li, [p.bbox() for p in marks.each()]):
        return None
    features = placed + marks.merged()
    features.merged_semantics = False          # merged already: a dark field's tiles need not merge it again
    return features


def _plates(result: BuildResult, fmt: MaskSet, die: kdb.Cell, li: int | None, entry: dict, label: str,
            oasis: bool, out_dir: Path) -> dict:
    """Write the wafer plate and/or reticle of one mask; their file names for the mask list."""
    dbu = die.layout().dbu
    wafer, placed = given(result.design.recipe.wafer, "wafer", result.design.file), result.wafer
    dark = entry["polarity"] == "clear"
    drawn = die.begin_shapes_rec(li) if li is not None else None
    site = _chrome(drawn, kdb.Region(), site_box(placed.step, dbu), dbu, clear_field=not dark, tile=SITE_TILE)
    stem = f"{entry['level']:02d}_{entry['mask']}"
    name = f"{result.design.recipe.name}_{entry['mask']}"
    mask_id = f"{fmt.mask_id or result.design.recipe.name}-{entry['level']:02d}{entry['mask']}"
    files: dict = {"mask_id": mask_id, "mirror": fmt.mirror}
    geo = result.design.pdk.masks
    if "wafer" in fmt.format:
        inch = plate_inch(geo.plate, fmt, wafer, result.design.file)
        marks = plate_marks(geo.plate, entry["level"], wafer, inch * INCH, f"{label} {inch}in 1X", mask_id)
        ly = plate_layout(site, dark, placed.rows, placed.step, inch * INCH, marks, name, fmt.mirror, dbu, CHROME)
        files.update(plate_file=f"{stem}_plate.gds", plate_inch=inch, plate_sites=placed.die_count)
        _write_layout(ly, [out_dir / files["plate_file"], *([out_dir / f"{stem}_plate.oas"] if oasis else [])])
    if "reticle" in fmt.format:
        spec = given(fmt.reticle, "masks.reticle", result.design.file)
        ly = reticle_layout(geo.reticle, site, dark, spec, placed.step, reticle_marks(geo.reticle, placed.step, spec),
                            name, fmt.mirror, dbu, CHROME)
        files.update(reticle_file=f"{stem}_reticle.gds", reticle_dies=list(spec.dies),
                     reduction=spec.reduction)
        _write_layout(ly, [out_dir / files["reticle_file"], *([out_dir / f"{stem}_reticle.oas"] if oasis else [])])
    return files


def _write_layout(out: kdb.Layout, paths: list[Path]) -> None:
    """Write a mask layout atomically without timestamps to each path (GDSII or OASIS by suffix)."""
    def write(tmp: Path, path: Path) -> None:
        opts = kdb.SaveLayoutOptions()
        opts.set_format_from_filename(str(path))
        opts.gds2_write_timestamps = False
        opts.gds2_max_vertex_count = 4000
        out.write(str(tmp), opts)
    for path in paths:
        with doing("writing the mask", path):
            atomic(path, functools.partial(_write_to, write, path))


def _write_chrome(chrome: kdb.Region, dbu: float, cell_name: str, paths: list[Path]) -> None:
    """One mask layout with the chrome on 1/0, written atomically without timestamps to each path (GDS/OASIS)."""
    out = kdb.Layout()
    out.dbu = dbu
    cell = out.create_cell(cell_name)
    cell.shapes(out.layer(kdb.LayerInfo(*CHROME, "CHROME"))).insert(chrome)

    def write(tmp: Path, path: Path) -> None:
        opts = kdb.SaveLayoutOptions()
        opts.set_format_from_filename(str(path))
        opts.gds2_write_timestamps = False
        opts.gds2_max_vertex_count = 4000   # keeps every GDSII record under 32 kB
        out.write(str(tmp), opts)
    for path in paths:
        with doing("writing the mask", path):
            atomic(path, functools.partial(_write_to, write, path))


FEATURE_RULES = ("WIDTH", "SPACE")
"""A mask's least feature is ruled by `<MASK>.WIDTH` and `<MASK>.SPACE` (RDL.WIDTH, PASV.WIDTH) where the PDK has
them; the smaller value is the mask list's cd_rule."""


def cd_rule(pdk: Pdk, mask: str, cd: float | None) -> dict:
    """The rule a mask's critical dimension answers to: id, value (the design's own with a recipe's `rules:`),
    where the value comes from, and whether the drawn CD is below it; None fields when no rule covers the mask."""
    found = [pdk.rules[i] for i in (f"{mask}.{kind}" for kind in FEATURE_RULES)
             if i in pdk.rules and pdk.rules[i].value is not None]
    if not found:
        return {"cd_rule": None, "cd_rule_um": None, "cd_rule_source": None, "cd_below_rule": None}
    rule = min(found, key=lambda r: given(r.value, r.id))
    below = None if cd is None else cd < given(rule.value, rule.id) - pdk.grid / 2
    return {"cd_rule": rule.id, "cd_rule_um": rule.value, "cd_rule_source": pdk.rule_source(rule.id),
            "cd_below_rule": below}


def _csv(rows: list[dict]) -> str:
    """The mask list as CSV: mask, level, GDS layer, polarity, field, critical dimension and the rule it answers
    to, resist, step."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["mask", "level", "gds_layer", "polarity", "field", "critical_dimension_um", "cd_kind", "cd_at_um",
                "cd_rule", "cd_rule_um", "resist", "tone", "process_step", "file"])
    for r in rows:
        w.writerow([r["mask"], r["level"], f"{r['gds'][0]}/{r['gds'][1]}", r["polarity"], r["field"],
                    "" if r["critical_dimension"] is None else f"{r['critical_dimension']:.3f}", r["cd_kind"] or "",
                    "" if r["cd_at"] is None else f"{r['cd_at'][0]:g} {r['cd_at'][1]:g}",
                    r["cd_rule"] or "", "" if r["cd_rule_um"] is None else f"{r['cd_rule_um']:.3f}",
                    r["resist"] or "", r["tone"] or "", r["step"], r["file"]])
    return buf.getvalue()


def _write_to(write: Callable[[Path, Path], None], path: Path, tmp: Path) -> None:
    """write(tmp, path): a layout bound for path written to its temporary file first."""
    write(tmp, path)
