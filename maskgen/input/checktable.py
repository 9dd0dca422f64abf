"""The table of checks: each geometric rule of rules.yaml as one check operation, and the formulas they share.

One entry per rule id: which operation checks it (`Check.op`: enclosed, covers, nested, width, space,
isolated, pitch, centres inside, inside the exclusion, release reach, ...), in which words its messages
name the layers, and the few switches an operation takes. The layers are the rule's own `layers:` in
rules.yaml, in the order the operation reads them (outer then inner, shapes then zone); the value and
`params:` are the rule's. Three readers run this one table:

- `maskgen.drc.deck` runs each entry on KLayout regions (one Python function per operation);
- `maskgen.drc.lydrc` writes each entry as Ruby for KLayout's DRC (one Ruby template per operation);
- `maskgen.input.constraints` checks recipe values before any geometry with the operation's formula
  (`least_enclosing`, `pitch_terms`, `least_space`).

Rules that need more than the drawing (nets, declared support beams, materials, resist order) are not in
the table: `MASKGEN_ONLY` says why, and only maskgen checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Op = Literal["process_layers", "enclosed", "covers", "island", "nested", "width", "width_round", "space",
             "ball_opening", "release_reach", "anchored", "enclosed_on", "isolated", "pitch", "centres_inside",
             "grid", "inside_exclusion"]


@dataclass(frozen=True)
class Check:
    """One rule as one check operation: the operation, the words for its layers, and its switches.

    Args:
        op: the operation (one Python function in maskgen.drc.deck, one Ruby template in maskgen.drc.lydrc).
        words: how messages name the rule's layers, in the order of the rule's `layers:` (for `covers`, then
            the message for an inner shape with no outer one).
        every: for `covers`: when each inner shape needs an outer one: ("unless_drawn", LAYER) or
            ("if_feature", FEATURE); otherwise only inner shapes an outer one overlaps are checked.
        strict: for `nested`: an upper opening must be strictly larger (at least 1 dbu) even with a zero step.
        aligned: for `nested`: the rule's `params.max_offset` bounds the centre offset of nested openings.
    """

    op: Op
    words: tuple[str, ...] = ()
    every: tuple[str, str] | None = None
    strict: bool = False
    aligned: bool = False


CHECKS: dict[str, Check] = {
    "PROCESS.LAYERS": Check("process_layers"),
    "PASV.IN_PAD": Check("enclosed", ("pad", "passivation opening")),
    "PASV.WIDTH": Check("width_round", ("passivation opening",)),
    "UBM.COVERS_PASV": Check("covers", ("UBM", "passivation opening", "no UBM covers the passivation opening"),
                             every=("unless_drawn", "RDL")),
    "UBM.ISLAND": Check("island"),
    "STAIR.NEST": Check("nested"),
    "SM.NEST": Check("nested", strict=True, aligned=True),
    "BALL.OPENING": Check("ball_opening"),
    "SAC.UNDER_BUMP": Check("covers", ("sacrificial layer 140", "bump 120", "no sacrificial layer 140 under bump 120"),
                            every=("if_feature", "SAC")),
    "SUSP.RELEASE": Check("release_reach"),
    "SUSP.ANCHOR": Check("anchored"),
    "RDL.WIDTH": Check("width", ("RDL",)),
    "RDL.SPACE": Check("space", ("RDL shapes",)),
    "RDL.ENCLOSES_UBM": Check("enclosed_on", ("RDL land", "UBM")),
    "BUMP.SPACE": Check("isolated", ("predicted reflowed bumps", "bumps")),
    "BUMP.PITCH": Check("pitch"),
    "DIE.EDGE": Check("centres_inside"),
    "GRID": Check("grid"),
    "WAFER.EXCLUSION": Check("inside_exclusion"),
}
"""Rule id -> its check operation. Layers, value and params come from the rule in rules.yaml."""

MASKGEN_ONLY = {
    "STAIR.SENSITIVITY": "resist photosensitivity is a material figure, not geometry",
    "MATERIAL.CLAIMED": "materials are not in the layout",
    "SUSP.ARMS": "the declared number of support beams 111 comes from the build manifest",
    "RDL.CONNECT": "nets: which pad each bump reaches through RDL",
    "RDL.UNROUTED": "the connections the router left open are in the build manifest, not the layout",
}
"""Rules of the default PDK that need more than the drawing, and why: only maskgen checks them."""


# ----------------------------------------------------------------------------- the formulas, typed once
def least_enclosing(inner: float, value: float, chord_error: float) -> float:
    """Least diameter of a round shape that encloses a round `inner` one by `value` a side, both drawn as
    polygons with vertices on their circles (each chord within `chord_error` of its arc): the enclosure
    the DRC measures between the outer polygon's flats and the inner one's vertices is at least `value`."""
    return inner + 2 * (value + chord_error)


def pitch_terms(base: float, factor: float) -> tuple[float, float]:
    """BUMP.PITCH as the least space between UBM islands (`least_pitch` less the UBM width): a + b x UBM width."""
    return base, factor - 1.0


def least_pitch(ubm: float, base: float, factor: float) -> float:
    """BUMP.PITCH: least bump pitch for a UBM of width `ubm` (base + factor x UBM width)."""
    return base + factor * ubm


def least_space(width: float, value: float) -> float:
    """Least pitch of shapes `width` wide that keep `value` apart (BUMP.SPACE on reflowed bumps)."""
    return width + value
