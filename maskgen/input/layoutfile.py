"""A layout given to maskgen (a chip GDS a recipe names, or a layout for `drc`, `render`, `masks`, `xsection`),
read with klayout.db and checked before any geometry is made of it: a file (not a FIFO or a loop), within the
size limit, GDSII or OASIS, not recursive, its flat size counted through the hierarchy against a limit
(`--max-shapes`), its extent within the 300 mm limit."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.input.files import check_file, max_shapes

MAX_EXTENT_UM = 300_000.0
"""Largest coordinate of a layout, um from its origin: a 300 mm wafer (the recipe's limit for any length)."""

def load(path: Path, what: str = "layout file") -> kdb.Layout:
    """Read a GDSII / OASIS file with klayout.db: a file within the size limit, not recursive; a reader error is
    one InputError line (KLayout's own message on stderr is held back)."""
    path = Path(path)
    check_file(path, what, layout=True)
    if path.stat().st_size == 0:
        raise InputError(path, None, None, f"{what} is empty")
    layout = kdb.Layout()
    with _held_stderr() as said:
        try:
            layout.read(str(path))
        except RuntimeError as exc:
            text = str(exc)
            if "topological_sort" in text or "topological_sort" in said():
                raise InputError(path, None, None, "the layout is recursive: a cell places itself (directly or "
                                 "through the cells it places); it cannot be drawn") from None
            first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
            raise InputError(path, None, None, f"cannot read layout: {first}") from None
    return layout


def check_size(layout: kdb.Layout, top: kdb.Cell, path: Path) -> None:
    """The top cell's flat shape count (all layers, through the hierarchy) and its extent against the limits."""
    check_shapes(layout, top, path)
    check_extent(top, path)


def check_shapes(layout: kdb.Layout, top: kdb.Cell, path: Path) -> None:
    """The top cell's flat shape count (all layers, through the hierarchy) against the limit (--max-shapes)."""
    limit = max_shapes()
    shapes = flat_shapes(layout, top)
    if shapes > limit:
        raise InputError(path, None, None, f"the layout holds {shapes:,} shapes seen flat from {top.name} "
                         f"(counted through its hierarchy), over the limit of {limit:,}; raise it with "
                         "--max-shapes")


def check_extent(top: kdb.Cell, path: Path) -> None:
    """Every coordinate of the top cell within MAX_EXTENT_UM of the origin (a bounding box: no flattening)."""
    box = top.dbbox()
    if box.empty():
        return
    reach = max(abs(box.left), abs(box.right), abs(box.bottom), abs(box.top))
    if reach > MAX_EXTENT_UM:
        spans = f"{box.left:.10g}..{box.right:.10g} x {box.bottom:.10g}..{box.top:.10g} um"
        raise InputError(path, None, None, f"the layout reaches {reach:,.0f} um from its origin (cell "
                         f"{top.name}, {spans}), beyond the {MAX_EXTENT_UM:,.0f} um limit (a 300 mm wafer)")


def flat_shapes(layout: kdb.Layout, top: kdb.Cell) -> int:
    """Shapes of every layer as seen flat from top, counted through the hierarchy without flattening."""
    layers = list(layout.layer_indexes())
    times: dict[int, int] = {top.cell_index(): 1}
    called = set(top.called_cells()) | {top.cell_index()}
    total = 0
    for ci in layout.each_cell_top_down():
        n = times.get(ci, 0)
        if n == 0 or ci not in called:
            continue
        cell = layout.cell(ci)
        total += n * sum(cell.shapes(li).size() for li in layers)
        for inst in cell.each_inst():
            times[inst.cell_index] = times.get(inst.cell_index, 0) + n * inst.size()
    return total


def single_top(layout: kdb.Layout, path: Path, key: str | None = "top cell") -> kdb.Cell:
    """The one top cell that holds shapes (empty extra top cells are dropped from the layout in memory); several
    or none is an error."""
    tops = list(layout.top_cells())
    if not tops:
        raise InputError(path, None, None, "the layout has no cells")
    drawn = [c for c in tops if not c.bbox().empty()] or tops
    if len(drawn) > 1:
        names = ", ".join(sorted(c.name for c in drawn)[:5])
        raise InputError(path, key, names, f"the layout has {len(drawn)} top cells with shapes; it must have one")
    for cell in tops:
        if cell.cell_index() != drawn[0].cell_index():
            cell.prune_cell()
    return drawn[0]


@contextlib.contextmanager
def _held_stderr() -> Iterator[Callable[[], str]]:
    """Hold back what C++ code writes on file descriptor 2 inside the block; write it out again unless the block
    raised (KLayout prints `ERROR: ...` before raising the exception that becomes the one error line). Set up so
    that a Ctrl-C at any moment leaves descriptor 2 restored."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):   # a test runner's captured stderr has no descriptor
        yield lambda: ""
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with tempfile.TemporaryFile() as held:
            def said() -> str:
                held.seek(0)
                return held.read(4096).decode("utf-8", "replace")
            ok = False
            try:
                os.dup2(held.fileno(), fd)
                yield said
                ok = True
            finally:
                os.dup2(saved, fd)
            if ok:
                held.seek(0)
                text = held.read(65536)
                if text:
                    os.write(fd, text)
    finally:
        os.close(saved)
