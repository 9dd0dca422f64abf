"""Regenerate the README pictures: for each process family's template, the bump render and the cross-section.

Writes docs/<family>/<family>_bump.png (KLayout's renderer, the build's .lyp colours) and
docs/<family>/xsection/NN_<action>.svg with index.html (one frame per process step).

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
    from maskgen.pictures import render_command, xsection_command

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


def make_wafer() -> list[Path]:
    """The 300 mm wafer template rendered whole: docs/wafer_300mm_wafer.png."""
    from maskgen.build import build
    from maskgen.pictures import render_command

    with tempfile.TemporaryDirectory(prefix="maskgen-docs-") as tmp:
        result = build(TEMPLATES / "wafer_300mm.yaml", Path(tmp), run_drc=False)
        return render_command(result.files["gds"], DOCS, views=["wafer"], width=800, height=800)


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
    for f in make_wafer():
        total += f.stat().st_size
        print(f"{'wafer_300mm':17s} {1:3d} files {f.stat().st_size / 1024:7.0f} KB  {f}")
    print(f"{'total':17s} {total / 1024:17.0f} KB")


if __name__ == "__main__":
    main()
