"""`maskgen render`: PNG pictures of a layout (whole wafer, one die, one bump) drawn by KLayout's own renderer.

The pictures use the build's layer properties (`<name>.lyp` beside the layout, else generated from the PDK),
so they look like the layout does in KLayout. Rendering is headless (`klayout.lay.LayoutView`), on KLayout's
dark background; the `.lyp` colours read on KLayout's white background as well (layers.yaml keeps every colour
at contrast >= 2.5 against both).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from maskgen.drc.context import beside, manifest_pdk, sibling_manifest
from maskgen.errors import InputError, check_choices
from maskgen.guard import doing
from maskgen.input.manifest import BuildManifest
from maskgen.input.pdk import Pdk, load_pdk
from maskgen.outputs.output import atomic, lyp_text
from maskgen.pictures.canvas import BACKGROUND, SCALE_BAR, fit_box, scale_bar
from maskgen.pictures.n50map import has_n50, n50_map

if TYPE_CHECKING:
    import klayout.db as kdb

VIEWS = ("die", "bump", "wafer", "n50")
"""Views a render can show: the die zoomed to fit, one bump cell on its own, the whole wafer, the die's bumps
coloured by their joint's N50 (from the build manifest beside the layout: maskgen.pictures.n50map)."""

MAX_PIXELS = 10_000
"""Largest width or height of a picture, in pixels."""

_GDS_MAGIC = b"\x00\x06\x00\x02"
_OASIS_MAGIC = b"%SEMI-OASIS\r\n"


@dataclass(frozen=True)
class BumpSite:
    """Where the bumps of a layout are: the cell holding the bump array, the bump cell and the first bump.

    Attributes:
        die_cell: index of the cell that places the bumps (the die; the top cell of a die layout).
        bump_cell: index of the bump cell (the child placed most often in its parent).
        origin: origin of the first bump in die-cell coordinates, um.
        pitch: smallest array step of the bump placements, um (None for single placements).
        placements: number of bumps in the die cell.
    """

    die_cell: int
    bump_cell: int
    origin: tuple[float, float]
    pitch: float | None
    placements: int


def check_layout_file(path: Path) -> None:
    """Refuse a missing file or one that is neither GDSII nor OASIS (by its first bytes)."""
    from maskgen.input.files import check_file

    path = Path(path)
    check_file(path, "layout file", layout=True)
    with path.open("rb") as fh:
        head = fh.read(len(_OASIS_MAGIC))
    if head.startswith(b"\x1f\x8b"):  # gzipped (X.gds.gz): KLayout reads it; look at the layout inside
        import gzip
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(len(_OASIS_MAGIC))
        except (OSError, EOFError):
            head = b""
    if not (head.startswith(_GDS_MAGIC) or head.startswith(_OASIS_MAGIC)):
        raise InputError(path, None, None, "not a GDSII or OASIS layout (unrecognised header)")


def read_layout(path: Path) -> kdb.Layout:
    """Read a GDSII/OASIS file with klayout.db; a broken file is an InputError, not a traceback."""

    from maskgen.input.layoutfile import check_size, load, single_top

    check_layout_file(path)
    layout = load(path)
    check_size(layout, single_top(layout, path), path)
    return layout


def bump_site(layout: kdb.Layout, top: kdb.Cell | None = None) -> BumpSite | None:
    """Find the bump cell: from the top cell (or `top`) down, follow the child with the most placements while it
    has > 1.

    On a die the top cell places the bump array; on a wafer the top cell places the dies, and each die the
    bumps. Returns None when no cell is placed more than once.
    """
    parent = top or layout.top_cell()
    found: BumpSite | None = None
    while True:
        counts: dict[int, int] = {}
        for inst in parent.each_inst():
            counts[inst.cell_index] = counts.get(inst.cell_index, 0) + inst.size()
        if not counts:
            return found
        child, count = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
        if count <= 1:
            return found
        first = next(i for i in parent.each_inst() if i.cell_index == child)
        origin = first.dcplx_trans.disp
        steps = [v.length() for i in parent.each_inst() if i.cell_index == child and i.is_regular_array()
                 for v in (i.da, i.db) if v.length() > 0]
        found = BumpSite(die_cell=parent.cell_index(), bump_cell=child, origin=(origin.x, origin.y),
                         pitch=min(steps) if steps else None, placements=count)
        parent = layout.cell(child)


def _pdk_for(layout_path: Path, pdk: Pdk | None) -> Pdk:
    """The PDK given, else the one the sibling manifest names, else the default PDK."""
    if pdk is not None:
        return pdk
    try:
        manifest, _ = sibling_manifest(layout_path)
        if manifest is not None and manifest.pdk:
            return load_pdk(manifest_pdk(manifest))
    except InputError:
        pass  # an unreadable manifest or unknown PDK: the picture still renders with the default colours
    return load_pdk("default")


def has_layer_shapes(layout: kdb.Layout, gds: tuple[int, int]) -> bool:
    """True when the layout has shapes on a (layer, datatype) anywhere in its hierarchy."""
    li = layout.find_layer(*gds)
    return li is not None and not layout.top_cell().dbbox_per_layer(li).empty()


def default_views(layout: kdb.Layout, pdk: Pdk, manifest: BuildManifest | None = None) -> list[str]:
    """die and bump (when a bump cell is found), plus wafer when the layout draws a WAFER outline, plus n50 when
    the build manifest lists each bump's N50."""
    views = ["die"]
    if bump_site(layout) is not None:
        views.append("bump")
    if has_layer_shapes(layout, pdk.gds("WAFER")):
        views.append("wafer")
    if manifest is not None and has_n50(manifest):
        views.append("n50")
    return views


def build_manifest(layout: Path) -> BuildManifest | None:
    """The build manifest beside a layout (None when there is none); one that is not what maskgen writes is an
    InputError naming its file and key."""
    return sibling_manifest(layout)[0]


def _view_box(layout, cell_index: int, width: int, height: int):
    """The cell's bounding box with a 5 % margin and a band below for the scale bar, at the picture's aspect."""

    return fit_box(layout.cell(cell_index).dbbox(), width, height)


def render_view(layout_path: Path, lyp: Path, cell_index: int, png: Path, width: int, height: int) -> Path:
    """Draw one cell (all hierarchy levels) zoomed to fit into png, written atomically."""
    import klayout.lay as lay

    view = lay.LayoutView()
    view.set_config("background-color", BACKGROUND)
    view.set_config("grid-visible", "false")
    view.set_config("ruler-color", SCALE_BAR)
    view.set_config("text-visible", "false")
    view.set_config("inst-visible", "false")
    view.load_layout(str(layout_path), True)
    view.load_layer_props(str(lyp))
    view.select_cell(cell_index, 0)
    view.max_hier()
    layout = view.cellview(0).layout()
    box = _view_box(layout, cell_index, width, height)
    view.zoom_box(box)
    scale_bar(view, box)
    return atomic(png, lambda tmp: view.save_image_with_options(str(tmp), width, height, 0, 2, 0, box, False))


def render_command(layout: Path, out: Path, views: list[str] | None = None, width: int = 1200, height: int = 900,
                   pdk: Pdk | None = None) -> list[Path]:
    """PNG pictures of a layout: `<out>/<name>_<view>.png` for each view.

    Args:
        layout: a GDSII or OASIS file (a build's `<name>.gds`, or any layout).
        out: folder for the pictures.
        views: any of die, bump, wafer, n50; default die and bump, plus wafer when the layout has a WAFER outline
            and n50 when its build manifest lists every bump's N50 (a recipe with `reliability:`).
        width: picture width in pixels.
        height: picture height in pixels.
        pdk: PDK for the layer colours when no `<name>.lyp` sits beside the layout (default: the manifest's
            PDK, else the default PDK).

    Returns:
        The PNG files written.
    """
    layout = Path(layout)
    for key, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or not 16 <= value <= MAX_PIXELS:
            raise InputError(None, key, value, f"picture size in pixels, 16 to {MAX_PIXELS}")
    ly = read_layout(layout)
    the_pdk = _pdk_for(layout, pdk)
    manifest = build_manifest(layout)
    wanted = list(views) if views else default_views(ly, the_pdk, manifest)
    check_choices(wanted, VIEWS, "views")
    site = bump_site(ly)
    top = ly.top_cell().cell_index()
    cells: dict[str, int] = {}
    for v in dict.fromkeys(wanted):
        if v == "n50":
            if manifest is None or not has_n50(manifest):
                raise InputError(layout, "views", v, "no build manifest beside the layout lists each bump's N50: "
                                 "build a recipe with a 'reliability:' block (cycle, dwell, board)")
            continue
        if v == "wafer":
            if not has_layer_shapes(ly, the_pdk.gds("WAFER")):
                raise InputError(layout, "views", v, "the layout has no WAFER outline; use die or bump")
            cells[v] = top
        elif v == "die":
            cells[v] = site.die_cell if site else top
        else:
            if site is None:
                raise InputError(layout, "views", v, "no cell is placed more than once: no bump cell to show")
            cells[v] = site.bump_cell
    name = layout.stem
    lyp = beside(layout, ".lyp")
    written = []
    with tempfile.TemporaryDirectory(prefix="maskgen-render-") as tmp:
        if not lyp.is_file():
            lyp = Path(tmp) / f"{name}.lyp"
            lyp.write_text(lyp_text(the_pdk), encoding="utf-8")
        for v in dict.fromkeys(wanted):
            png = Path(out) / f"{name}_{v}.png"
            with doing(f"render of the {v} view", layout):
                written.append(n50_map(manifest, png, width, height) if v == "n50" and manifest is not None
                               else render_view(layout, lyp, cells[v], png, width, height))
    return written
