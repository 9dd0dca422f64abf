"""What a DRC run found: one result per rule and the violations with their locations in um."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import klayout.db as kdb

Status = Literal["pass", "fail", "n/a"]
Shape = kdb.DPolygon | kdb.DEdgePair | kdb.DBox


@dataclass(frozen=True)
class RuleResult:
    """One rule of the deck: id, claims, description, value (um), status, violation count, reason."""

    id: str
    claims: list[str]
    description: str
    value: float | None
    status: Status
    count: int = 0
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The rule as the JSON report writes it."""
        return {"id": self.id, "claims": list(self.claims), "description": self.description,
                "value": self.value, "status": self.status, "count": self.count, "reason": self.reason}


@dataclass(frozen=True)
class Violation:
    """One violation: rule id, message, bounding box [x1, y1, x2, y2] in um (top cell) and the marker shape."""

    rule: str
    message: str
    bbox: tuple[float, float, float, float]
    shape: Shape = field(compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The violation as the JSON report writes it."""
        return {"rule": self.rule, "message": self.message, "bbox": list(self.bbox)}


@dataclass(frozen=True)
class DrcResult:
    """The outcome of `run_drc`: per-rule results in deck order and the sorted violations."""

    layout: str
    pdk: str
    process: str | None
    top_cell: str
    dbu: float
    rules: list[RuleResult]
    violations: list[Violation]

    @property
    def clean(self) -> bool:
        """True when no rule failed (rules that do not apply do not make a layout dirty)."""
        return all(r.status != "fail" for r in self.rules)

    def rule(self, rule_id: str) -> RuleResult:
        """The result of one rule by id."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def violations_of(self, rule_id: str) -> list[Violation]:
        """The violations of one rule."""
        return [v for v in self.violations if v.rule == rule_id]

    def to_dict(self) -> dict[str, Any]:
        """The result in the JSON report format (the contract of `maskgen drc --json`)."""
        return {
            "clean": self.clean,
            "layout": self.layout,
            "pdk": self.pdk,
            "process": self.process,
            "top_cell": self.top_cell,
            "rules": [r.to_dict() for r in self.rules],
            "violations": [v.to_dict() for v in self.violations],
        }
