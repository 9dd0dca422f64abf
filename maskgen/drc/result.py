"""What a DRC run found: one result per rule and the violations with their locations in um."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import klayout.db as kdb

Status = Literal["pass", "fail", "n/a"]
Shape = kdb.DPolygon | kdb.DEdgePair | kdb.DBox


@dataclass(frozen=True)
class RuleResult:
    """One rule of the deck: id, claims, description, value (um) and its source, status, violation count, reason."""

    id: str
    claims: list[str]
    description: str
    value: float | None
    status: Status
    count: int = 0
    listed: int = 0
    reason: str | None = None
    source: str = "pdk"
    """Where the value comes from: "pdk" (rules.yaml) or "recipe" (the design's `rules:`, via the manifest)."""

    @property
    def capped(self) -> bool:
        """True when fewer markers are listed than were found (the marker limit was hit)."""
        return self.listed < self.count

    def to_dict(self) -> dict[str, Any]:
        """The rule as the JSON report writes it: `count` is the true total, `listed` the markers written."""
        return {"id": self.id, "claims": list(self.claims), "description": self.description,
                "value": self.value, "source": self.source, "status": self.status, "count": self.count,
                "listed": self.listed, "reason": self.reason}


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
    process_source: str | None = None
    notes: list[str] = field(default_factory=list)
    max_markers: int = 0

    @property
    def total(self) -> int:
        """Violations found over all rules (the true total, also beyond the marker limit)."""
        return sum(r.count for r in self.rules)

    @property
    def capped(self) -> list[RuleResult]:
        """Rules whose markers were cut at the marker limit."""
        return [r for r in self.rules if r.capped]

    def verdict(self) -> str:
        """One line: clean, or the true violation count, with the marker limit stated when it was hit."""
        if self.clean:
            return "clean: 0 violations"
        line = f"violations: {self.total} in {sum(1 for r in self.rules if r.status == 'fail')} rule(s)"
        if self.capped:
            line += (f"; {len(self.violations)} markers listed (limit {self.max_markers} per rule, hit by "
                     f"{', '.join(r.id for r in self.capped)})")
        return line

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
            "process_source": self.process_source,
            "notes": list(self.notes),
            "total": self.total,
            "listed": len(self.violations),
            "top_cell": self.top_cell,
            "rules": [r.to_dict() for r in self.rules],
            "violations": [v.to_dict() for v in self.violations],
        }
