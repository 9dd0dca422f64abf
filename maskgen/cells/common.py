"""The common bump stack: pad 91, passivation opening, UBM island, bump 120 and its reflowed outline."""

from __future__ import annotations

import gdstk

from maskgen.cells.base import Builder
from maskgen.geometry import octagon_points, rect_points, square_points


def bond_pad(b: Builder, width: float, shape: str = "octagon") -> gdstk.Cell:
    """Bond / contact pad 91 (PAD): square, octagon (across flats) or circle of the given width.

    Args:
        width: pad width in um.
        shape: square, octagon or circle.
    """
    def draw(c: gdstk.Cell) -> None:
        if shape == "circle":
            c.add(b.circle(width, "PAD"))
        elif shape == "square":
            c.add(b.polygon(square_points(width), "PAD"))
        else:
            c.add(b.polygon(octagon_points(width), "PAD"))
    return b.cell(b.name("bond_pad", shape, width), draw)


def passivation_opening(b: Builder, diameter: float) -> gdstk.Cell:
    """Round opening in the chip passivation over a pad (PASV), 000:c1, 001:c1, 003:c1.

    Args:
        diameter: opening diameter in um.
    """
    return b.cell(b.name("passivation_opening", diameter), lambda c: c.add(b.circle(diameter, "PASV")))


def ubm_island(b: Builder, diameter: float) -> gdstk.Cell:
    """Residual UBM island over one pad (UBM): adhesion + metal layer, 001:c1, 003:c1.

    Args:
        diameter: UBM diameter in um.
    """
    return b.cell(b.name("ubm_island", diameter), lambda c: c.add(b.circle(diameter, "UBM")))


def solder_footprint(b: Builder, diameter: float) -> gdstk.Cell:
    """Footprint of solder bump 120 as deposited or placed (BUMP): ball, post or paste.

    Args:
        diameter: footprint diameter in um.
    """
    return b.cell(b.name("solder_footprint", diameter), lambda c: c.add(b.circle(diameter, "BUMP")))


def reflow_outline(b: Builder, width: float) -> gdstk.Cell:
    """Predicted outline of the bump after reflow (REFLOW), from the spherical-cap solder model.

    Args:
        width: reflowed bump width in um.
    """
    return b.cell(b.name("reflow_outline", width), lambda c: c.add(b.circle(width, "REFLOW")))


def pad_stack(b: Builder, pad_width: float, pad_shape: str, opening: float) -> gdstk.Cell:
    """Pad 91 with its passivation opening, centred at the origin.

    Args:
        pad_width: pad width in um.
        pad_shape: square, octagon or circle.
        opening: passivation opening diameter in um.
    """
    def draw(c: gdstk.Cell) -> None:
        c.add(b.ref(bond_pad(b, pad_width, pad_shape)))
        c.add(b.ref(passivation_opening(b, opening)))
    return b.cell(b.name("pad_stack", pad_shape, pad_width, opening), draw)


def die_boundary(b: Builder, width: float, height: float) -> gdstk.Cell:
    """Die boundary (DIE), centred at the origin.

    Args:
        width: die width in um.
        height: die height in um.
    """
    return b.cell(b.name("die_boundary", width, height),
                  lambda c: c.add(b.polygon(rect_points(-width / 2, -height / 2, width / 2, height / 2), "DIE")))
