"""`maskgen xsection` from a recipe: build it (or read a given layout) and hand the design and layout to the
process emulator and frame writer of maskgen.pictures.xsection, which never reaches back into the build."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from maskgen.atomic import confined
from maskgen.build import build, prepare
from maskgen.errors import InputError
from maskgen.pictures.render import read_layout
from maskgen.pictures.xsection import (
    FORMATS,
    Section,
    check_cut,
    check_cut_on_die,
    check_options,
    simulate,
    write_frames,
)

CutArg = Sequence[Sequence[float]] | Sequence[float] | None
"""A cut line as ((x1, y1), (x2, y2)) or (x1, y1, x2, y2) in um, or None for the default cut."""


def section(recipe: Path, cut: CutArg = None, layout: Path | None = None, pdk: str | None = None) -> Section:
    """The cross-section model of a recipe: builds it in a temporary folder (no DRC) unless a layout is given.

    Args:
        recipe: recipe YAML.
        cut: ((x1, y1), (x2, y2)) in um, die-cell coordinates; default through the first bump along x.
        layout: an existing GDS/OASIS built from this recipe (skips the build).
        pdk: PDK name or folder overriding the recipe's.
    """
    recipe = Path(recipe)
    if not recipe.is_file():
        raise InputError(recipe, None, None, "recipe file not found")
    the_cut = check_cut(cut, recipe) if cut is not None else None
    if the_cut is not None:
        check_cut_on_die(prepare(recipe, pdk), the_cut)
    if layout is not None:
        design = prepare(recipe, pdk)
        ly = read_layout(Path(layout))
    else:
        with tempfile.TemporaryDirectory(prefix="maskgen-xsection-") as tmp, confined(Path(tmp)):
            result = build(recipe, Path(tmp), pdk, run_drc=False)
            design = result.design
            ly = read_layout(result.files["gds"])
    return simulate(design, ly, the_cut)


def xsection_command(recipe: Path, out: Path, cut: CutArg = None, exaggeration: float = 1.0,
                     fmt: tuple[str, ...] | list[str] = FORMATS, layout: Path | None = None,
                     pdk: str | None = None) -> list[Path]:
    """Cross-section frames of a recipe's process along a cut through a bump: `<out>/<name>/xsection/`.

    Args:
        recipe: recipe YAML.
        out: output folder; frames go to `<out>/<name>/xsection/NN_<action>.svg` (and .png) with index.html.
        cut: ((x1, y1), (x2, y2)) in um in die coordinates; default through the first bump of the die along x.
        exaggeration: vertical scale factor (z drawn this many times taller than x), stated on every frame.
        fmt: any of svg, png.
        layout: an existing GDS/OASIS built from this recipe; default: build it in a temporary folder.
        pdk: PDK name or folder overriding the recipe's.

    Returns:
        The files written: frames in step order, then index.html.
    """
    formats = check_options(fmt, exaggeration)
    return write_frames(section(Path(recipe), cut, layout, pdk), out, exaggeration, formats)
