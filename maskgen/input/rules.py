"""A design's own rule values: the recipe's `rules:` overriding PDK rule values by id, checked once.

A bumping house runs each customer's rules: `rules: {RDL.WIDTH: 4, RDL.SPACE: 4}` in a recipe gives this
design 4 um lines on the PDK's process. `apply_rules` returns the PDK the build uses with those values in
place of rules.yaml's, so every reader of the rules (recipe checks, DRC, KLayout deck, mask list, manifest)
sees the same number; `rule_record` is what the manifest keeps of them, and `manifest_rules` puts a build's
values back onto the PDK when `maskgen drc` checks the layout later.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from maskgen.errors import InputError
from maskgen.input.manifest import RuleValue
from maskgen.input.pdk import Pdk

KEY = "rules"
"""The recipe key (and manifest key) of a design's rule values."""

ZERO_ALLOWED = frozenset({"BUMP.PITCH"})
"""Rules whose value may be 0 (BUMP.PITCH's base: pitch >= 0 + ubm_factor x UBM); every other value is > 0."""


def apply_rules(pdk: Pdk, overrides: Mapping[Any, Any], file: str | Path | None, key: str = KEY) -> Pdk:
    """The PDK with the design's rule values in place of rules.yaml's; a bad override is one InputError line
    naming `rules.<ID>` (unknown id, a rule without a value, not a number, not > 0)."""
    if not overrides:
        return pdk
    rules = pdk.rules
    valued = [r.id for r in rules.values() if r.value is not None]
    values: dict[str, float] = {}
    for rule_id, value in overrides.items():
        where = f"{key}.{rule_id}"
        rule = rules.get(rule_id) if isinstance(rule_id, str) else None
        if rule is None:
            close = difflib.get_close_matches(str(rule_id), valued, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            raise InputError(file, where, None, f"unknown rule; {hint}rules with a value in PDK {pdk.name}: "
                             f"{', '.join(valued)}")
        if rule.value is None:
            raise InputError(file, where, value, f"rule has no value to override (a check that holds or not: "
                             f"{rule.description}); rules with a value: {', '.join(valued)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(file, where, value, f"takes a number in um (PDK {pdk.name}: {rule.value:g})")
        number = float(value)
        zero = rule_id in ZERO_ALLOWED
        if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
            least = ">= 0" if zero else "> 0"
            raise InputError(file, where, value, f"takes a finite number {least} in um (PDK {pdk.name}: "
                             f"{rule.value:g})")
        values[rule_id] = number
    deck = pdk.deck.model_copy(update={"rules": [r.model_copy(update={"value": values[r.id]}) if r.id in values
                                                 else r for r in pdk.deck.rules]})
    original = dict(pdk.overridden)
    for rule_id in values:
        original.setdefault(rule_id, rules[rule_id].value)
    return pdk.model_copy(update={"deck": deck, "overridden": original})


def rule_record(pdk: Pdk) -> dict[str, dict[str, Any]]:
    """Every rule with a value, as the manifest records it: {id: {value, source}} with source "pdk" (rules.yaml)
    or "recipe" (the design's `rules:`, then with the PDK file's value as pdk_value too)."""
    out: dict[str, dict[str, Any]] = {}
    for rule in pdk.deck.rules:
        if rule.value is None:
            continue
        entry: dict[str, Any] = {"value": rule.value, "source": pdk.rule_source(rule.id)}
        if rule.id in pdk.overridden:
            entry["pdk_value"] = pdk.overridden[rule.id]
        out[rule.id] = entry
    return out


def manifest_rules(pdk: Pdk, record: Mapping[str, RuleValue], file: str | Path | None) -> Pdk:
    """The PDK with a build manifest's recipe rule values applied (its `rules` record, `rule_record`), so a
    layout is checked later with the values it was built to."""
    overrides = {rule_id: entry.value for rule_id, entry in record.items() if entry.source == "recipe"}
    return apply_rules(pdk, overrides, file)
