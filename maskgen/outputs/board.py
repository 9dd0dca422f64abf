"""The test structures' board side as files: its layout as GDSII, its land and trace layers as Gerber RS-274X."""

from __future__ import annotations

import re
from pathlib import Path

from maskgen import __version__
from maskgen.assembly.teststructures import Plan, board_library, escape_figures
from maskgen.layout.cells.base import Builder
from maskgen.outputs.output import FIXED_TIME, atomic, write_text


def write_board(b: Builder, name: str, p: Plan, out_dir: Path) -> dict[str, Path]:
    """The board layout as GDSII and the land and trace layers as Gerber RS-274X (mm)."""
    lib = board_library(b, name, p)
    gds = out_dir / f"{name}_board.gds"
    atomic(gds, lambda t: lib.write_gds(t, timestamp=FIXED_TIME))
    lands, traces = _gerbers(p)
    files = {"board_gds": gds, "board_lands_gbr": out_dir / f"{name}_board_lands.gbr",
             "board_traces_gbr": out_dir / f"{name}_board_traces.gbr"}
    write_text(files["board_lands_gbr"], lands)
    write_text(files["board_traces_gbr"], traces)
    return files


def _gerbers(p: Plan) -> tuple[str, str]:
    """Gerber text of the land layer and of the trace layer (probe pads as test pads), fixed creation date."""
    import gerber_writer as gw  # only the board files need it

    gw.set_generation_software("maskgen", "maskgen", __version__)
    lands = gw.DataLayer("Copper,L1,Top", negative=False)
    land = gw.Circle(p.board_land / 1000, "SMDPad,CuDef")
    for s in p.sites:
        lands.add_pad(land, (-s.x / 1000, s.y / 1000))
    traces = gw.DataLayer("Copper,L1,Top", negative=False)
    for link in p.board_links:
        traces.add_trace_line((-link.a.x / 1000, link.a.y / 1000), (-link.b.x / 1000, link.b.y / 1000),
                              link.width / 1000, "Conductor")
    for e, size, width in escape_figures(p):
        traces.add_trace_line((e.start[0] / 1000, e.start[1] / 1000), (e.end[0] / 1000, e.end[1] / 1000),
                              width / 1000, "Conductor")
        traces.add_pad(gw.Rectangle(size / 1000, size / 1000, "TestPad"), (e.end[0] / 1000, e.end[1] / 1000))
    fixed = FIXED_TIME.isoformat()
    lands_text, traces_text = (re.sub(r"TF\.CreationDate,[^*]*", f"TF.CreationDate,{fixed}", layer.dumps_gerber())
                               for layer in (lands, traces))
    return lands_text, traces_text
