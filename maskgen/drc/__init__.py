"""Claim-derived design-rule checks of bump and WLCSP layouts on KLayout's region engine.

    from maskgen.drc import run_drc, write_reports, drc_exit_code
    result = run_drc(Path("out/demo/demo.gds"), load_pdk())
    write_reports(result, lyrdb=Path("demo.lyrdb"), json_path=Path("demo-drc.json"))

Layers are read hierarchically (deep mode) so arrays of identical dies cost
like one die; `flat=True` reads them flat (same answers). Rule values come from
the PDK's rules.yaml; process-level rules read the build manifest beside the
layout (`X.gds` -> `X.json`) or the process named by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import klayout.db as kdb

from maskgen.drc.checks import Markers
from maskgen.drc.context import ProcessContext, process_context
from maskgen.drc.deck import RULES, NotApplicable, Run
from maskgen.drc.layers import DEFAULT_MAX_BYTES, LayoutLayers, read_layout
from maskgen.drc.report import write_reports
from maskgen.drc.result import DrcResult, RuleResult, Violation
from maskgen.pdk import Pdk, Rule

__all__ = ["DEFAULT_MAX_BYTES", "MAX_MARKERS", "DrcResult", "ProcessContext", "RuleResult", "Violation",
           "drc_exit_code", "run_drc", "write_reports"]

MAX_MARKERS = 10_000
"""Markers listed per rule; the rule's count stays exact beyond it."""


def run_drc(
    layout: Path,
    pdk: Pdk,
    process: str | None = None,
    manifest: Mapping[str, Any] | None = None,
    flat: bool = False,
    progress: Callable[[str], None] | None = None,
    *,
    max_markers: int = MAX_MARKERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DrcResult:
    """Check a GDSII/OASIS layout against the PDK's claim-derived rules (pads, UBM, stairs, cantilever 004)."""
    layout = Path(layout)
    context = process_context(pdk, layout, process, manifest)
    if progress:
        progress(f"reading {layout}")
    layers = read_layout(layout, pdk, flat=flat, max_bytes=max_bytes)
    run = Run(layers=layers, pdk=pdk, process=context)
    results: list[RuleResult] = []
    violations: list[Violation] = []
    for rule in pdk.deck.rules:
        if progress:
            progress(f"checking {rule.id}")
        result, found = _check(run, rule, max_markers)
        results.append(result)
        violations += found
    order = {r.id: i for i, r in enumerate(pdk.deck.rules)}
    violations.sort(key=lambda v: (order[v.rule], v.bbox, v.message, str(v.shape)))
    return DrcResult(layout=str(layout), pdk=pdk.name, process=context.family, top_cell=layers.top.name,
                     dbu=layers.dbu, rules=results, violations=violations)


def drc_exit_code(result: DrcResult) -> int:
    """Exit code of `maskgen drc`: 0 clean, 1 violations (bad input exits 2 before a result exists)."""
    return 0 if result.clean else 1


def _check(run: Run, rule: Rule, max_markers: int) -> tuple[RuleResult, list[Violation]]:
    """Run one rule: its result line and its violations (at most max_markers listed)."""
    base = {"id": rule.id, "claims": list(rule.claims), "description": rule.description, "value": rule.value}
    fn = RULES.get(rule.id)
    if fn is None:
        return RuleResult(**base, status="n/a", reason="no check is implemented for this rule id"), []
    try:
        markers = fn(run, rule)
    except NotApplicable as why:
        return RuleResult(**base, status="n/a", reason=str(why)), []
    count = 0
    found: list[Violation] = []
    for m in markers:
        listed, n = _violations(rule.id, m, run.layers, max_markers - len(found))
        found += listed
        count += n
    if count == 0:
        return RuleResult(**base, status="pass"), []
    reason = f"first {len(found)} of {count} markers listed" if len(found) < count else None
    return RuleResult(**base, status="fail", count=count, reason=reason), found


def _violations(rule_id: str, markers: Markers, layers: LayoutLayers, limit: int) -> tuple[list[Violation], int]:
    """One check's markers as violations in um (top-cell coordinates), at most `limit`, and their count.

    Marker polygons are merged flat first: deep mode cuts polygons at cell boundaries
    and into pieces of few vertices, so this gives a hierarchical layout and its flat
    copy the same markers.
    """
    dbu = layers.dbu
    if markers.shapes is None:
        box = layers.top.dbbox()
        listed = [Violation(rule_id, markers.message, _box(box), kdb.DPolygon(box))] if limit > 0 else []
        return listed, 1
    shapes = markers.shapes
    count = shapes.count()
    listed: Iterable[kdb.Polygon | kdb.EdgePair] = shapes.each()
    if count <= max(limit, 0):
        if isinstance(shapes, kdb.Region):
            flat = kdb.Region()
            for polygon in shapes.each():
                flat.insert(kdb.Polygon(polygon))
            listed = list(flat.merged().each())
        else:  # the same edge pair may come from several cell contexts, or once per direction
            unique = {_edge_pair_key(pair): pair for pair in shapes.each()}
            listed = [unique[k] for k in sorted(unique)]
        count = len(listed)
    out = []
    for shape in listed:
        if len(out) >= limit:
            break
        message = markers.message
        if markers.measure and isinstance(shape, kdb.EdgePair):
            message = f"{message} (measured {_um(shape.distance(), dbu):g} um)"
        out.append(Violation(rule_id, message, _box(shape.bbox().to_dtype(dbu)), shape.to_dtype(dbu)))
    return out, count


def _edge_pair_key(pair: kdb.EdgePair) -> tuple[tuple[int, int, int, int], ...]:
    edges = (pair.first, pair.second)
    return tuple(sorted((e.p1.x, e.p1.y, e.p2.x, e.p2.y) for e in edges))


def _um(value: int, dbu: float) -> float:
    return round(value * dbu, 6)


def _box(box: kdb.DBox) -> tuple[float, float, float, float]:
    return (round(box.left, 6), round(box.bottom, 6), round(box.right, 6), round(box.top, 6))
