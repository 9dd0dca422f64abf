"""`maskgen xsection`: a process emulator along a cut line through a bump, one frame per process step.

The masks come from the built layout: klayout.db reads it and every layer is intersected with the cut line,
giving 1D intervals along the cut (`cut`). The design's resolved steps then run as a 2D model in the section
plane, s along the cut and z up from the back of the substrate, in integer nanometres (`model`, `emulate`).
Each frame is drawn as SVG (and PNG, drawn by KLayout from the same figure) (`draw`), with one `index.html`
that steps through them (`page`). `simulate()` returns the model itself, so tests can assert heights in um
rather than pixels.

Data flows one way: model <- cut <- emulate, model <- draw <- page; nothing here imports the build.
"""

from __future__ import annotations

from maskgen.pictures.xsection.cut import check_cut, check_cut_on_die
from maskgen.pictures.xsection.emulate import simulate
from maskgen.pictures.xsection.model import Section
from maskgen.pictures.xsection.page import FORMATS, check_options, write_frames

__all__ = ["FORMATS", "Section", "check_cut", "check_cut_on_die", "check_options", "simulate", "write_frames"]
