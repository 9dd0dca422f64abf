"""`maskgen build`: recipe -> design -> die -> GDS/OASIS, .lyp, manifest, DRC markers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from maskgen.assembly.die import DieLayout, build_die
from maskgen.assembly.wafer import wafer_cell, wafer_layout
from maskgen.design.derive import derive
from maskgen.design.figures import Design
from maskgen.errors import InputError
from maskgen.input.pdk import Pdk, load_pdk, load_recipe_pdk
from maskgen.input.recipe import Recipe, load_recipe
from maskgen.input.rules import apply_rules
from maskgen.layout.cells.base import Builder
from maskgen.outputs.manifest import manifest
from maskgen.outputs.masks import MaskFile, write_masks
from maskgen.outputs.output import write_json, write_layout, write_lyp, write_text
from maskgen.outputs.result import BuildResult
from maskgen.outputs.wafermap import e142_xml, read_bad_dies, sinf_text, wafer_map


def raise_site_limits(recipe: Recipe, max_sites: int) -> Recipe:
    """The recipe accepting ball maps and chip pad layers up to max_sites sites (the CLI's --max-sites)."""
    die = recipe.die
    update = {}
    for part in ("bump_map", "pads"):
        source = getattr(die, part, None)
        for key in ("max_bumps", "max_pads"):
            if source is not None and hasattr(source, key) and getattr(source, key) < max_sites:
                update[part] = source.model_copy(update={key: max_sites})
    return recipe.model_copy(update={"die": die.model_copy(update=update)}) if update else recipe


def raise_grid_limit(recipe: Recipe, max_grid_cells: int) -> Recipe:
    """The recipe accepting a fan-out routing grid of up to max_grid_cells nodes (the CLI's --max-grid-cells)."""
    die = recipe.die
    routing = die.fan_out
    if routing is None:
        return recipe
    if routing.max_grid_cells >= max_grid_cells:
        return recipe
    routing = routing.model_copy(update={"max_grid_cells": max_grid_cells})
    return recipe.model_copy(update={"die": die.model_copy(update={"routing": routing})})


def prepare(recipe_path: Path, pdk_override: str | None = None, max_sites: int | None = None,
            max_grid_cells: int | None = None, recipe: Recipe | None = None) -> Design:
    """Load and validate a recipe (or take one already read from recipe_path) and its PDK into a design
    (nothing is written)."""
    recipe = recipe or load_recipe(recipe_path)
    if max_sites is not None:
        recipe = raise_site_limits(recipe, max_sites)
    if max_grid_cells is not None:
        recipe = raise_grid_limit(recipe, max_grid_cells)
    return derive(recipe, design_pdk(recipe, recipe_path, pdk_override), recipe_path)


def design_pdk(recipe: Recipe, recipe_path: Path, pdk_override: str | None = None) -> Pdk:
    """The PDK a design is built and checked with: --pdk, else the recipe's `pdk:` (a shipped name or a folder
    relative to the recipe), with the recipe's `rules:` values in place of the PDK's (`apply_rules`, once)."""
    try:
        pdk = load_pdk(pdk_override) if pdk_override else load_recipe_pdk(recipe.pdk, recipe_path)
    except InputError as exc:
        if exc.file is not None:
            raise
        raise InputError(None if pdk_override else recipe_path, "--pdk" if pdk_override else "pdk",
                         exc.value, exc.allowed) from None
    return apply_rules(pdk, recipe.rules, recipe_path)


def build(recipe_path: Path, out: Path, pdk_override: str | None = None, oasis: bool = False,
          run_drc: bool = True, progress: Callable[[str], None] | None = None,
          max_sites: int | None = None, max_grid_cells: int | None = None,
          recipe: Recipe | None = None, route_progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build a recipe into out/<name>/: <name>.gds (and .oas), .lyp, .json and, with DRC, .lyrdb (recipe: one
    already read from recipe_path, e.g. a sweep point; its files resolve beside recipe_path)."""
    say = progress or (lambda _msg: None)
    design = prepare(recipe_path, pdk_override, max_sites, max_grid_cells, recipe)
    name = design.recipe.name
    say(f"building {name} ({design.process.name})")
    b = Builder(design.pdk, name)
    if getattr(design.recipe.die, "pads", None) is not None:
        say("routing the fan-out: RDL lines from the chip's pads to their bumps")
    die = build_die(b, design, route_progress)
    extra: dict[str, Any] = {}
    if design.recipe.wafer is not None:
        say("stepping dies onto the wafer")
        w = wafer_layout(design.recipe.wafer, design.recipe.die.dims, name, design.file)
        extra["wafer"] = {"cell": w.name, "diameter_mm": design.recipe.wafer.diameter,
                          "die_step": list(w.step), "die_count": w.die_count, "rows": len({y for _, y, _ in w.rows}),
                          "arrays": len(w.rows),
                          "bump_count": w.die_count * die.bump_count, "die_grid_offset": list(w.offset),
                          "whole_dies": sum(s.whole for s in w.sites),
                          "partial_dies": design.recipe.wafer.partial_dies}
        if w.count_at_zero is not None:
            extra["wafer"]["die_count_centred"] = w.count_at_zero
        wafer_spec = design.recipe.wafer
        bad = read_bad_dies(design.file.parent / wafer_spec.bad_dies, design.file) if wafer_spec.bad_dies else None
        wmap = wafer_map(wafer_spec, design.recipe.die.dims, w.step, w.offset, w.sites, bad, design.file)
        wafer_cell(b, wafer_spec, w, die.cell, design.recipe.die.dims,
                   [(d.x, d.y) for d in wmap.dies if d.status == "bad"], design.file)
        extra["wafer"]["map"] = {"e142": f"{name}_map.xml", "sinf": f"{name}.sinf",
                                 **{k: wmap.count(k) for k in ("whole", "partial", "excluded", "bad")},
                                 "columns": wmap.cols, "rows": wmap.rows, "lower_left": list(wmap.origin)}
        extra["wafer"]["balls_placed"] = (w.die_count - wmap.count("bad")) * die.bump_count
    out_dir = out / name
    files = {"gds": out_dir / f"{name}.gds", "lyp": out_dir / f"{name}.lyp", "json": out_dir / f"{name}.json"}
    if oasis:
        files["oas"] = out_dir / f"{name}.oas"
    if run_drc:
        files["lyrdb"] = out_dir / f"{name}.lyrdb"
    if design.recipe.wafer is not None:
        files["e142"], files["sinf"] = out_dir / f"{name}_map.xml", out_dir / f"{name}.sinf"
    routed_def = rdl_def(design, die)
    if routed_def is not None:
        files["rdl_def"] = out_dir / f"{name}_rdl.def"
    if die.structures is not None:
        for kind, suffix in (("board_gds", "_board.gds"), ("board_lands_gbr", "_board_lands.gbr"),
                             ("board_traces_gbr", "_board_traces.gbr")):
            files[kind] = out_dir / f"{name}{suffix}"
    from maskgen.outputs.kicad import footprint_files, write_footprints
    files.update(footprint_files(name, out_dir, die.structures is not None))
    data = manifest(design, die, {k: p.name for k, p in files.items()}, extra)
    say("writing layout")
    write_layout(b.lib, files["gds"])
    if oasis:
        write_layout(b.lib, files["oas"])
    write_lyp(design.pdk, files["lyp"])
    if die.structures is not None:
        from maskgen.outputs.board import write_board
        say("writing the board-side layout (GDSII, Gerber)")
        write_board(b, name, die.structures, out_dir)
    if routed_def is not None:
        from maskgen.outputs.defout import write_routed_def
        say("writing the routed RDL back into the chip's DEF")
        source, wires, layer, units, centre = routed_def
        write_routed_def(source, files["rdl_def"], wires, layer, units, centre)
    write_footprints(design, die, files)
    write_json(files["json"], data.as_json())
    if design.recipe.wafer is not None:
        write_text(files["e142"], e142_xml(wmap, design.recipe.wafer, name))
        write_text(files["sinf"], sinf_text(wmap, design.recipe.wafer, name))
    result = BuildResult(design=design, die=die, out_dir=out_dir, files=files, manifest=data)
    if design.recipe.wafer is not None:
        result.wafer = w
    if run_drc:
        from maskgen.drc import run_drc as drc
        from maskgen.drc import write_reports
        say("running DRC")
        result.drc = drc(files["gds"], design.pdk, manifest=data, progress=say)
        write_reports(result.drc, lyrdb=files["lyrdb"])
    return result


def rdl_def(design: Design, die: DieLayout) -> tuple[Path, dict, str, float, tuple[float, float]] | None:
    """What `<name>_rdl.def` is written from: the chip's DEF, the routed wires per net at their drawn width, the
    DEF layer, units and die centre; None when the die has no routed fan-out from a DEF."""
    from maskgen.input.defmap import read_def
    from maskgen.input.recipe import DefMap, DefPads
    from maskgen.layout.routing.geometry import line_width
    from maskgen.outputs.defout import DefWire
    r = design.recipe
    fan = die.fanout
    if fan is None:
        return None
    source = r.die.pads if isinstance(r.die.pads, DefPads) else r.die.bump_map
    if not isinstance(source, (DefPads, DefMap)):
        return None
    layer = (r.die.routing.def_layer if r.die.routing is not None else None) or getattr(r.die.pads, "layer", None)
    if layer is None:
        fan.notes.append("the routed RDL is not written back as DEF: name the routing layer of the chip's LEF "
                         "it goes on (die.routing.def_layer, e.g. metal10)")
        return None
    path = design.file.parent / source.file
    chip = read_def(path)
    routed = {n.name for n in fan.nets}
    before = sorted({w.net for w in chip.wires if w.layer == layer and w.net in routed})
    if before:              # a DEF routed already (OpenROAD's .defok, ICEWall's octilinear.def)
        fan.notes.append(f"{path.name} already holds wiring on {layer} for {len(before)} of the routed nets "
                         f"({', '.join(before[:3])}{', ...' if len(before) > 3 else ''}); {path.stem}'s lines stay "
                         f"in the written DEF beside the new ones and are not in the layout")
    width = line_width(fan.figures.line_width, fan.figures.style)
    wires: dict[str, list[DefWire]] = {}
    for w in fan.wires:
        wires.setdefault(w.net, []).append(DefWire(width, tuple(w.points), square=fan.figures.style == "manhattan"))
    return path, wires, layer, chip.units, chip.centre


def masks_command(recipe: Path, out: Path, pdk: str | None = None, oasis: bool = False,
                  max_sites: int | None = None) -> list[MaskFile]:
    """Build a recipe (without DRC) and write its mask set under out/<name>/masks/ (also as OASIS with oasis)."""
    return write_masks(build(recipe, out, pdk, run_drc=False, max_sites=max_sites), oasis=oasis)
