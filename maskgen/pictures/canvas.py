"""What every KLayout-rendered picture shares: background, scale-bar colour, the view box and the scale bar."""

from __future__ import annotations

import math
from typing import Any

BACKGROUND = "#000000"
"""Background of the renders (KLayout's dark background)."""
SCALE_BAR = "#ffffff"
"""Colour of the scale bar (and of the N50 map's die outline)."""


def nice(value: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above value."""
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10**exp <= value:
            return m * 10**exp
    return 10**exp


def scale_bar(view: Any, box: Any) -> None:
    """A ruler about a fifth of the picture wide in its lower left corner, labelled with its length."""
    import klayout.db as kdb
    import klayout.lay as lay

    length = nice(box.width() / 5)
    x0 = box.left + box.width() * 0.03
    y0 = box.bottom + box.height() * 0.025
    ruler = lay.Annotation()
    ruler.p1 = kdb.DPoint(x0, y0)
    ruler.p2 = kdb.DPoint(x0 + length, y0)
    ruler.style = lay.Annotation.StyleRuler
    ruler.fmt = f"{length / 1000:g} mm" if length >= 1000 else f"{length:g} um"
    view.insert_annotation(ruler)


def fit_box(box: Any, width: int, height: int, margin: float = 0.05) -> Any:
    """A klayout DBox grown by a margin, with a band below for the scale bar, at the picture's aspect."""
    import klayout.db as kdb

    grow = margin * max(box.width(), box.height())
    box = box.enlarged(grow, grow)
    box = kdb.DBox(box.left, box.bottom - 0.08 * box.height(), box.right, box.top)    # band for the scale bar
    aspect = width / height
    if box.width() / box.height() < aspect:
        return box.enlarged((box.height() * aspect - box.width()) / 2, 0)
    return box.enlarged(0, (box.width() / aspect - box.height()) / 2)
