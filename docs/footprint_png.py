"""Draw the board footprint maskgen writes for templates/datasheet_wlcsp.yaml as the README's picture.

Builds the template in a temporary folder, reads the written datasheet_wlcsp.kicad_mod back with kiutils (as a
board designer's tool would), draws it with matplotlib as KiCad shows it (top view, y down): copper lands, the
solder-mask openings around them, courtyard, fab outline with its A1 chamfer, silkscreen A1 mark, pad names.
Writes docs/datasheet_wlcsp_footprint.png and a copy of the footprint, docs/datasheet_wlcsp.kicad_mod.

    pip install matplotlib && python docs/footprint_png.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
RECIPE = DOCS.parent / "templates" / "datasheet_wlcsp.yaml"

COLOURS = {"F.Cu": "#c83434", "F.Mask": "#2f9a4d", "F.CrtYd": "#c000c0", "F.Fab": "#7f7f7f", "F.SilkS": "#202020"}
"""Layer colours, close to KiCad's defaults on a white background (silkscreen dark for contrast)."""


def draw(kicad_mod: Path, png: Path) -> None:
    """The footprint as a PNG, 1 mm = 120 px."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from kiutils.footprint import Footprint
    from matplotlib.patches import Circle, Polygon, Rectangle

    fp = Footprint.from_file(str(kicad_mod))
    fig, ax = plt.subplots(figsize=(7, 7), dpi=120)
    for g in fp.graphicItems:
        layer = getattr(g, "layer", None)
        if layer not in COLOURS:
            continue
        if hasattr(g, "coordinates"):
            pts = [(c.X, c.Y) for c in g.coordinates]
            filled = getattr(g, "fill", "none") == "solid"
            ax.add_patch(Polygon(pts, closed=True, fill=filled, facecolor=COLOURS[layer], edgecolor=COLOURS[layer],
                                 linewidth=1.2, linestyle="--" if layer == "F.CrtYd" else "-"))
        elif hasattr(g, "start"):
            ax.plot([g.start.X, g.end.X], [g.start.Y, g.end.Y], color=COLOURS[layer], linewidth=1.6)
    for p in fp.pads:
        x, y, d = p.position.X, p.position.Y, p.size.X
        margin = p.solderMaskMargin or 0.0
        if p.shape == "circle":
            ax.add_patch(Circle((x, y), d / 2 + margin, fill=False, edgecolor=COLOURS["F.Mask"], linewidth=0.8))
            ax.add_patch(Circle((x, y), d / 2, color=COLOURS["F.Cu"]))
        else:
            ax.add_patch(Rectangle((x - d / 2, y - d / 2), d, d, color=COLOURS["F.Cu"]))
        ax.text(x, y - d / 2 - 0.03, p.number, ha="center", va="bottom", fontsize=5.5)
    xs = [c.X for g in fp.graphicItems if getattr(g, "layer", "") == "F.CrtYd" for c in g.coordinates]
    reach = max(abs(v) for v in xs) + 0.2
    ax.set_xlim(-reach, reach)
    ax.set_ylim(reach, -reach)                   # KiCad: y down
    ax.set_aspect("equal")
    ax.set_xlabel("x (mm)")
    ax.set_ylabel("y (mm, down)")
    ax.set_title(f"{fp.entryName}.kicad_mod, top view: {len(fp.pads)} NSMD lands "
                 f"{fp.pads[0].size.X:g} mm (mask +{fp.pads[0].solderMaskMargin:g} mm a side)", fontsize=9)
    ax.grid(True, linewidth=0.3, alpha=0.4)
    fig.tight_layout()
    fig.savefig(png, metadata={"Software": None})
    plt.close(fig)


def main() -> None:
    """Build the template and draw its footprint into docs/."""
    from maskgen.build import build
    with tempfile.TemporaryDirectory(prefix="maskgen-docs-") as tmp:
        res = build(RECIPE, Path(tmp), run_drc=False)
        shutil.copy(res.files["kicad_mod"], DOCS / "datasheet_wlcsp.kicad_mod")
    draw(DOCS / "datasheet_wlcsp.kicad_mod", DOCS / "datasheet_wlcsp_footprint.png")
    print(DOCS / "datasheet_wlcsp_footprint.png")


if __name__ == "__main__":
    sys.path.insert(0, str(DOCS.parent))
    main()
