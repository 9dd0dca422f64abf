"""Size limits checked by arithmetic before any per-site work, so that a huge recipe is refused at once.

A bump map's count x pitch is checked against the die and its site count against `max_bumps`, the dies of a
wafer against `wafer.max_dies`, the nodes of a fan-out's routing grid against `die.routing.max_grid_cells`,
and every file a recipe names is looked up (relative to the recipe's folder) before anything is read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.input.files import check_file, problem
from maskgen.input.recipe import BumpMap, GridMap, Naming, Recipe, RingMap, StaggeredMap


def um(value: float) -> str:
    """A length for an error message: 4500, 231.2, 499,999,999,999,500."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def pair(values: float | Sequence[float]) -> list[float] | float:
    """[x, y] as the user wrote it: [5600, 5600], not [5600.0, 5600.0] (whole numbers as ints)."""
    def tidy(v: float) -> float:
        return int(v) if float(v).is_integer() else v
    if isinstance(values, int | float):
        return tidy(values)
    return [tidy(v) for v in values]


def check_files(recipe: Recipe, file: Path) -> None:
    """Every CSV, chip layout, DEF / LEF or ball-map table the recipe names exists; a missing one names the recipe
    key and the resolved path."""
    base = file.parent
    named = [(f"{key}.{field}", part, getattr(part, field, None))
             for key, part in (("die.bump_map", recipe.die.bump_map), ("die.pads", recipe.die.pads))
             for field in ("file", "lef")]
    named = [(k, part, one) for k, part, name in named
             for one in (name if isinstance(name, list) else [name])]   # lef: one file or a list
    for key, part, name in named:
        if name is None:
            continue
        resolved = Path(name) if Path(name).is_absolute() else base / name
        kind = "lef" if key.endswith(".lef") else getattr(part, "kind", "")
        what = {"gds": "chip layout", "def": "DEF file", "lef": "LEF file",
                "table": "ball-map table file", "kicad": "KiCad footprint"}.get(kind, "CSV file")
        if problem(resolved) == "not found":
            raise InputError(file, key, name, f"{what} not found at {resolved.resolve()} (a relative "
                             "path is taken from the recipe's folder)")
        check_file(resolved, what, layout=kind == "gds", file=file, key=key, value=name)


def regular_count(bump_map: BumpMap) -> int | None:
    """Bump sites of a grid, staggered or ring map, by arithmetic (None for CSV / GDS maps)."""
    if isinstance(bump_map, GridMap):
        nx, ny = bump_map.count
        return nx * ny - len(set(map(tuple, bump_map.depopulate)))
    if isinstance(bump_map, StaggeredMap):
        nx, ny = bump_map.count
        return nx * ny
    if isinstance(bump_map, RingMap):
        nx, ny = bump_map.count
        rings = min(bump_map.rings, (min(nx, ny) - 2) // 2 + 1)
        # ring k: two rows of nx - 2k and two columns of ny - 2k - 2 sites
        return rings * (2 * nx + 2 * ny - 4) - 4 * rings * (rings - 1)
    return None


def regular_extent(bump_map: BumpMap, naming: Naming | None = None) -> tuple[float, float, float, float] | None:
    """(x_min, x_max, y_min, y_max) of the bump centres of a regular map in um from the die centre, or None
    (a staggered map's rows as its shift and the die's naming set them in)."""
    if isinstance(bump_map, GridMap | StaggeredMap):
        (px, py), (nx, ny) = bump_map.pitch, bump_map.count
        hx, hy = (nx - 1) * px / 2, (ny - 1) * py / 2
        if isinstance(bump_map, StaggeredMap):
            starts = [x for x, _ in bump_map.rows(naming or Naming())]
            return min(starts), max(starts) + 2 * hx, -hy, hy
        return -hx, hx, -hy, hy
    if isinstance(bump_map, RingMap):
        (nx, ny), p = bump_map.count, bump_map.pitch
        return -(nx - 1) * p / 2, (nx - 1) * p / 2, -(ny - 1) * p / 2, (ny - 1) * p / 2
    return None


def _map_words(bump_map: GridMap | StaggeredMap | RingMap) -> str:
    """The keys that set a regular map's extent, as the user wrote them."""
    return f"die.bump_map.count {pair(bump_map.count)} at die.bump_map.pitch {pair(bump_map.pitch)} um"


def check_site_limit(recipe: Recipe, file: Path) -> None:
    """A regular map's site count against die.bump_map.max_bumps, before any site is made."""
    m = recipe.die.bump_map
    if not isinstance(m, GridMap | StaggeredMap | RingMap):
        return
    n = regular_count(m)
    if n is not None and n > m.max_bumps:
        raise InputError(file, "die.bump_map.count", pair(m.count),
                         f"{n:,} bumps, over the limit die.bump_map.max_bumps = {m.max_bumps:,}; raise it "
                         "(or use --max-sites) to accept the map")


def check_map_fit(recipe: Recipe, file: Path, die_edge: float, reflow_width: float,
                  pad_offset: tuple[float, float], pads_elsewhere: bool, offset_block: str | None = None) -> None:
    """A regular map's extreme bumps on the die, by arithmetic: every reflowed bump on the die and, unless the
    chip's pads are given (die.pads), every pad DIE.EDGE inside the die edge (offset_block: the family block
    whose pad_offset moves the pads, named in the error)."""
    m = recipe.die.bump_map
    extent = regular_extent(m, recipe.die.naming)
    if extent is None or not isinstance(m, GridMap | StaggeredMap | RingMap):
        return
    x0, x1, y0, y1 = extent
    w, h = recipe.die.dims
    dx, dy = pad_offset
    if not pads_elsewhere:
        reach_x = max(abs(x0 + dx), abs(x1 + dx))
        reach_y = max(abs(y0 + dy), abs(y1 + dy))
        if reach_x > w / 2 - die_edge or reach_y > h / 2 - die_edge:
            offset = f" and {offset_block}.pad_offset {pair(pad_offset)} um" if pad_offset != (0.0, 0.0) else ""
            raise InputError(file, "die.size", pair((w, h)),
                             f"{_map_words(m)}{offset} puts bump pads up to ({um(reach_x)}, {um(reach_y)}) um "
                             f"from the die centre, closer than DIE.EDGE {die_edge:g} um to the die edge "
                             f"({_pad_room(w, h, die_edge)})")
    need_w = (x1 - x0) + reflow_width
    need_h = (y1 - y0) + reflow_width
    if max(abs(x0), abs(x1)) + reflow_width / 2 > w / 2 or max(abs(y0), abs(y1)) + reflow_width / 2 > h / 2:
        raise InputError(file, "die.size", pair((w, h)),
                         f"{_map_words(m)} spans {um(x1 - x0)} x {um(y1 - y0)} um between bump centres; with "
                         f"the reflowed bump ({reflow_width:.1f} um wide) the bumps do not fit on the die "
                         f"(they need {um(need_w)} x {um(need_h)} um)")


def _pad_room(w: float, h: float, die_edge: float) -> str:
    """Where pads may sit on a w x h um die, in words: within +-x x +-y um, or no room at all."""
    rx, ry = w / 2 - die_edge, h / 2 - die_edge
    if rx <= 0 or ry <= 0:
        return f"a {w:g} x {h:g} um die leaves no room inside DIE.EDGE {die_edge:g} um on each side"
    return f"pads must stay within +-{um(rx)} x +-{um(ry)} um"


def check_wafer(recipe: Recipe, file: Path) -> None:
    """The dies of a wafer against wafer.max_dies, and at least one whole die inside the usable radius."""
    wafer = recipe.wafer
    if wafer is None:
        return
    w, h = recipe.die.dims
    sx, sy = wafer.die_step or (w + wafer.scribe, h + wafer.scribe)
    if sx < w or sy < h:
        return  # die_rows refuses a step smaller than the die, naming wafer.die_step
    radius = wafer.diameter * 500.0 - wafer.edge_exclusion * 1000.0
    whole = wafer.partial_dies == "exclude"
    if whole and math.hypot(w / 2, h / 2) >= radius:
        raise InputError(file, "die.size", pair((w, h)),
                         f"no whole die fits on the wafer: its half-diagonal {um(math.hypot(w / 2, h / 2))} um "
                         f"reaches past the usable radius {um(radius)} um ({wafer.diameter} mm wafer less "
                         f"wafer.edge_exclusion {wafer.edge_exclusion:g} mm); use a smaller die or "
                         "wafer.partial_dies: include")
    reach = radius + (0.0 if whole else math.hypot(w / 2, h / 2))
    dies = math.pi * reach**2 / (sx * sy)
    rows = 2 * reach / sy + 3
    if max(dies, rows) > wafer.max_dies:
        step = "wafer.die_step" if wafer.die_step else f"die.size {pair((w, h))} + wafer.scribe {wafer.scribe:g}"
        raise InputError(file, "wafer.max_dies", wafer.max_dies,
                         f"about {max(dies, rows):,.0f} dies at a step of {um(sx)} x {um(sy)} um ({step}) fit the "
                         f"{wafer.diameter} mm wafer, over the limit; raise wafer.max_dies to accept them")


def check_routing_grid(recipe: Recipe, file: Path, die_edge: float, line_width: float, line_space: float,
                       divisions: int) -> None:
    """The nodes of a fan-out's routing grid (the die less DIE.EDGE at (width + space) / divisions, the router's
    grid) against die.routing.max_grid_cells, before the grid is allocated."""
    rt = recipe.die.fan_out
    if rt is None:
        return
    w, h = recipe.die.dims
    g = (line_width + line_space) / divisions
    nx = max(0, math.floor((w - 2 * die_edge) / g) + 1)
    ny = max(0, math.floor((h - 2 * die_edge) / g) + 1)
    if nx * ny > rt.max_grid_cells:
        raise InputError(file, "die.routing.max_grid_cells", rt.max_grid_cells,
                         f"the RDL routing grid has {nx * ny:,} nodes ({nx:,} x {ny:,} at {g:g} um: die.size "
                         f"{pair(recipe.die.dims)} less DIE.EDGE {die_edge:g} um, pitch (line_width {line_width:g} "
                         f"+ line_space {line_space:g}) / {divisions}), over the limit; raise "
                         "die.routing.max_grid_cells (or use --max-grid-cells) or widen the lines")


def flat_shape_count(layout: kdb.Layout, top: kdb.Cell, layer_index: int) -> int:
    """Shapes on a layer as seen flat from the top cell, counted through the hierarchy (array references
    multiply) without flattening anything."""
    times: dict[int, int] = {top.cell_index(): 1}
    total = 0
    for ci in _top_down(layout, top):
        n = times.get(ci, 0)
        if n == 0:
            continue
        cell = layout.cell(ci)
        total += n * cell.shapes(layer_index).size()
        for inst in cell.each_inst():
            times[inst.cell_index] = times.get(inst.cell_index, 0) + n * inst.size()
    return total


def _top_down(layout: kdb.Layout, top: kdb.Cell) -> list[int]:
    """The top cell and the cells it calls, parents before children."""
    called = set(top.called_cells()) | {top.cell_index()}
    return [ci for ci in layout.each_cell_top_down() if ci in called]
