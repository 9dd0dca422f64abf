"""Pre-geometry checks that mirror a DRC rule: one function per rule id, each with the formula of its check
operation in the table of checks (`maskgen.input.checktable`: least_enclosing, least_space).

Each function reads the PDK rule value (`Pdk.rule_value`) and returns the least value the rule allows with the
words that say why (`Least`); `need` refuses a recipe value below it with one InputError line. The process
families (maskgen.design.families), the fan-out (maskgen.design.fanout) and the cantilever cell check with
these, and the DRC deck (maskgen.drc) checks the drawn layout against the same rule ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.checktable import least_enclosing, least_space
from maskgen.input.pdk import Pdk

SLACK = 1e-9
"""Values this close below the least allowed one pass (float noise of the arithmetic)."""


@dataclass(frozen=True)
class Least:
    """The least value (um) a rule allows, the rule's own value and why, in the error message's words."""

    value: float
    rule: float
    why: str


def need(file: Path, key: str, value: float, least: Least) -> None:
    """Refuse value < least.value with the rule or claim that asks for it."""
    if value + SLACK < least.value:
        raise InputError(file, key, value, f"must be at least {least.value:g} um ({least.why})")


def below(value: float, least: Least) -> bool:
    """True when value is under what the rule allows (same slack as `need`)."""
    return value + SLACK < least.value


def _at_least(pdk: Pdk, rule_id: str) -> Least:
    """A rule whose value is itself the least value (a width, a space)."""
    v = pdk.rule_value(rule_id)
    return Least(v, v, rule_id)


def _enclosing(pdk: Pdk, rule_id: str, inner: float, why: str) -> Least:
    """An enclosure rule: the least diameter of what encloses `inner` (`checktable.least_enclosing`); `why` is
    formatted with the rule's value as `v`."""
    v = pdk.rule_value(rule_id)
    return Least(least_enclosing(inner, v, pdk.deck.chord_error), v, why.format(v=v))


def pasv_width(pdk: Pdk) -> Least:
    """PASV.WIDTH: the passivation opening over a bump pad is at least the rule wide."""
    return _at_least(pdk, "PASV.WIDTH")


def pasv_in_pad(pdk: Pdk, opening: float) -> Least:
    """PASV.IN_PAD: the pad encloses its passivation opening by the rule a side (plus circle tolerance)."""
    return _enclosing(pdk, "PASV.IN_PAD", opening,
                      f"passivation opening {opening:g} + 2 x PASV.IN_PAD {{v:g}} + circle tolerance")


def ubm_covers_pasv(pdk: Pdk, opening: float) -> Least:
    """UBM.COVERS_PASV: the UBM covers the passivation opening by the rule a side (plus circle tolerance)."""
    return _enclosing(pdk, "UBM.COVERS_PASV", opening,
                      f"passivation opening {opening:g} + 2 x UBM.COVERS_PASV {{v:g}} + circle tolerance")


def ball_opening(pdk: Pdk, ball: float, claim: str) -> Least:
    """BALL.OPENING: the opening a ball drops into clears the ball by the rule a side."""
    return _enclosing(pdk, "BALL.OPENING", ball, f"ball {ball:g} + 2 x BALL.OPENING {{v:g}} ({claim})")


def sm_nest(pdk: Pdk, inner: float, index: int) -> Least:
    """SM.NEST: solder-mask opening SM<index+1> encloses SM<index> (diameter inner) by the rule a side."""
    return _enclosing(pdk, "SM.NEST", inner,
                      f"SM{index + 1} must enclose SM{index} ({inner:g}) by SM.NEST {{v:g}} a side (002:c1, c15, c20)")


def rdl_width(pdk: Pdk) -> Least:
    """RDL.WIDTH: an RDL line is at least the rule wide."""
    return _at_least(pdk, "RDL.WIDTH")


def rdl_space(pdk: Pdk) -> Least:
    """RDL.SPACE: RDL lines of different nets are at least the rule apart."""
    return _at_least(pdk, "RDL.SPACE")


def rdl_encloses_ubm(pdk: Pdk, ubm: float) -> Least:
    """RDL.ENCLOSES_UBM: the RDL land under a bump encloses its UBM by the rule a side (plus circle tolerance)."""
    return _enclosing(pdk, "RDL.ENCLOSES_UBM", ubm, f"UBM {ubm:g} + 2 x RDL.ENCLOSES_UBM {{v:g}}")


def sac_under_bump(pdk: Pdk, ball: float) -> Least:
    """SAC.UNDER_BUMP: sacrificial layer 140 encloses bump 120 by the rule a side (004:c3)."""
    return _enclosing(pdk, "SAC.UNDER_BUMP", ball, f"ball {ball:g} + 2 x SAC.UNDER_BUMP {{v:g}} (004:c3)")


def bump_space(pdk: Pdk, reflow_width: float) -> Least:
    """BUMP.SPACE: reflowed neighbours stay the rule apart, so the pitch is at least reflowed width + rule."""
    v = pdk.rule_value("BUMP.SPACE")
    return Least(least_space(reflow_width, v), v, f"BUMP.SPACE needs >= {v:g} um")
