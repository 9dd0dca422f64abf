"""Regenerate the README pictures: for each process family's template, the bump render and the cross-section.

Writes docs/<family>/<family>_bump.png (KLayout's renderer, the build's .lyp colours),
docs/<family>/xsection/NN_<action>.svg with index.html (one frame per process step), the whole-layout renders
and the N50 maps docs/default_n50.png and docs/cantilever_wlcsp_n50.png.

Run from anywhere:  python docs/make_pictures.py   (uses the checkout's maskgen if it is not installed)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
TEMPLATES = DOCS.parent / "templates"

EXAGGERATION = {"stair_bump": 1.0, "ball_drop": 1.0, "two_step_ball": 1.0, "flux_fill": 1.0,
                "cantilever_wlcsp": 2.0}
"""Vertical exaggeration per family: 004's films are 1-5 um under a 200 um ball, so it is drawn 2x tall."""


def make(family: str, exaggeration: float) -> list[Path]:
    """Build the family's template in a temporary folder and draw its pictures into docs/<family>/."""
    from maskgen.build import build
    from maskgen.crosssection import xsection_command
    from maskgen.pictures import render_command

    recipe = TEMPLATES / f"{family}.yaml"
    folder = DOCS / family
    for old in [*folder.glob("*.png"), *(folder / "xsection").glob("*")]:
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="maskgen-docs-") as tmp:
        result = build(recipe, Path(tmp), run_drc=False)
        written = render_command(result.files["gds"], folder, views=["bump"], width=800, height=600)
        written += xsection_command(recipe, DOCS, exaggeration=exaggeration, fmt=("svg",),
                                    layout=result.files["gds"])
    return written


def make_layouts() -> list[Path]:
    """The 300 mm wafer, the fan-out die, the test vehicle (die and board side) and OpenROAD's flip-chip routed from
    its DEF, rendered whole."""
    from maskgen.build import build
    from maskgen.pictures import render_command

    written = []
    with tempfile.TemporaryDirectory(prefix="maskgen-docs-") as tmp:
        for template, view in (("wafer_300mm", "wafer"), ("fanout_csv", "die"), ("test_vehicle", "die")):
            result = build(TEMPLATES / f"{template}.yaml", Path(tmp), run_drc=False)
            written += render_command(result.files["gds"], DOCS, views=[view], width=800, height=800)
            if "board_gds" in result.files:        # the test vehicle's board side: docs/test_vehicle_board_die.png
                written += render_command(result.files["board_gds"], DOCS, views=["die"], width=800, height=800)
        flipchip = DOCS.parent / "tests" / "data" / "recipes" / "openroad_flipchip.yaml"
        result = build(flipchip, Path(tmp), run_drc=False)
        written += render_command(result.files["gds"], DOCS, views=["die"], width=800, height=800)
    return written


def make_n50_maps() -> list[Path]:
    """The N50 maps of the default die and of the cantilever template (issue 24): each bump coloured by the
    Engelmaier life of its joint."""
    from maskgen.build import build
    from maskgen.pictures import render_command

    written = []
    with tempfile.TemporaryDirectory(prefix="maskgen-docs-") as tmp:
        for template in ("default", "cantilever_wlcsp"):
            result = build(TEMPLATES / f"{template}.yaml", Path(tmp), run_drc=False)
            written += render_command(result.files["gds"], DOCS, views=["n50"], width=800, height=600)
    return written


def main() -> None:
    try:
        import maskgen  # noqa: F401
    except ModuleNotFoundError:
        sys.path.insert(0, str(DOCS.parent))
    total = 0
    for family, exaggeration in EXAGGERATION.items():
        files = make(family, exaggeration)
        size = sum(f.stat().st_size for f in files)
        total += size
        print(f"{family:17s} {len(files):3d} files {size / 1024:7.0f} KB  {DOCS / family}")
    for f in [*make_layouts(), *make_n50_maps()]:
        total += f.stat().st_size
        print(f"{f.stem:17s} {1:3d} files {f.stat().st_size / 1024:7.0f} KB  {f}")
    print(f"{'total':17s} {total / 1024:17.0f} KB")


if __name__ == "__main__":
    main()
