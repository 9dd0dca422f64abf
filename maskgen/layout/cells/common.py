"""The common bump stack: pad 91, passivation opening, UBM island, bump 120 and its reflowed outline."""

from __future__ import annotations

from maskgen.layout.cells.base import Builder, Shapes, disc, part
from maskgen.layout.geometry import octagon_points, rect_points, square_points


@part("bond_pad", order=("shape", "width"))
def bond_pad(b: Builder, width: float, shape: str = "octagon") -> Shapes:
    """Bond / contact pad 91 (PAD): square, octagon (across flats) or circle of the given width.

    Args:
        width: pad width in um.
        shape: square, octagon or circle.
    """
    if shape == "circle":
        return [b.circle(width, "PAD")]
    if shape == "square":
        return [b.polygon(square_points(width), "PAD")]
    return [b.polygon(octagon_points(width), "PAD")]


passivation_opening = disc(
    "passivation_opening", "PASV",
    "Round opening in the chip passivation over a pad (PASV), 000:c1, 001:c1, 003:c1.")


ubm_island = disc(
    "ubm_island", "UBM",
    "Residual UBM island over one pad (UBM): adhesion + metal layer, 001:c1, 003:c1.")


solder_footprint = disc(
    "solder_footprint", "BUMP",
    "Footprint of solder bump 120 as deposited or placed (BUMP): ball, post or paste.")


@part("reflow_outline")
def reflow_outline(b: Builder, width: float) -> Shapes:
    """Predicted outline of the bump after reflow (REFLOW), from the spherical-cap solder model.

    Args:
        width: reflowed bump width in um.
    """
    return [b.circle(width, "REFLOW")]


@part("pad_stack", order=("pad_shape", "pad_width", "opening"))
def pad_stack(b: Builder, pad_width: float, pad_shape: str, opening: float) -> Shapes:
    """Pad 91 with its passivation opening, centred at the origin.

    Args:
        pad_width: pad width in um.
        pad_shape: square, octagon or circle.
        opening: passivation opening diameter in um.
    """
    return [b.ref(bond_pad(b, pad_width, pad_shape)), b.ref(passivation_opening(b, opening))]


@part("die_boundary")
def die_boundary(b: Builder, width: float, height: float) -> Shapes:
    """Die boundary (DIE), centred at the origin.

    Args:
        width: die width in um.
        height: die height in um.
    """
    return [b.polygon(rect_points(-width / 2, -height / 2, width / 2, height / 2), "DIE")]
