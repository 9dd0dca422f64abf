"""Claim-derived design-rule checks of bump and WLCSP layouts on KLayout's region engine.

    from maskgen.drc import run_drc, write_reports, drc_exit_code
    result = run_drc(Path("out/demo/demo.gds"), load_pdk())
    write_reports(result, lyrdb=Path("demo.lyrdb"), json_path=Path("demo-drc.json"))

Layers are read hierarchically (deep mode) so arrays of identical dies cost
like one die; `flat=True` reads them flat (same answers). Rule values come from
the PDK's rules.yaml, with the values the build manifest records from the
recipe's `rules:` in their place (`maskgen.input.rules`); process-level rules
read the build manifest beside the layout (`X.gds` -> `X.json`), the process
named by the caller, or the process and embodiment inferred from the layers
drawn. A layer the process draws and the layout lacks fails the rules that read
it; violations are one marker per fault.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import klayout.db as kdb

from maskgen.drc import isolated
from maskgen.drc.checks import Markers
from maskgen.drc.context import ProcessContext, process_context
from maskgen.drc.deck import LOCAL, RULES, MissingLayers, NotApplicable, Run, not_checked
from maskgen.drc.inference import resolve
from maskgen.drc.layers import DEFAULT_MAX_BYTES, read_layout
from maskgen.drc.markers import GROUP_LIMIT, Fault, group, merged_flat, pair_key
from maskgen.drc.report import write_reports
from maskgen.drc.result import DrcResult, RuleResult, Violation
from maskgen.input.manifest import BuildManifest
from maskgen.input.pdk import Pdk, Rule
from maskgen.input.rules import manifest_rules

__all__ = ["DEFAULT_MAX_BYTES", "MAX_MARKERS", "DrcResult", "ProcessContext", "RuleResult", "Violation",
           "drc_exit_code", "run_drc", "write_reports"]

MAX_MARKERS = 10_000
"""Markers listed per rule; the rule's count stays exact beyond it."""


def run_drc(
    layout: Path,
    pdk: Pdk,
    process: str | None = None,
    manifest: Mapping[str, Any] | BuildManifest | None = None,
    flat: bool = False,
    progress: Callable[[str], None] | None = None,
    *,
    max_markers: int = MAX_MARKERS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    manifest_path: Path | None = None,
) -> DrcResult:
    """Check a GDSII/OASIS layout against the PDK's claim-derived rules (pads, UBM, stairs, cantilever 004).

    The process comes from the manifest, `process`, or the layers drawn; a layout that is no layout of
    that process (a mask file, the wrong process) is an InputError, not a clean result. A manifest already
    read beside the layout (`context.sibling_manifest`) is passed with its `manifest_path`, not read again.
    """
    layout = Path(layout)
    context = process_context(pdk, layout, process, manifest, manifest_path)
    if context.manifest is not None:
        pdk = manifest_rules(pdk, context.manifest.rules, context.manifest_path or "manifest")
    if progress:
        progress(f"reading {layout}")
    layers = read_layout(layout, pdk, flat=flat, max_bytes=max_bytes)
    context = resolve(context, layers, pdk)
    apart = isolated.placements(layers)
    run = Run(layers=layers, pdk=pdk, process=context, apart=apart)
    results: list[RuleResult] = []
    violations: list[Violation] = []
    for rule in pdk.deck.rules:
        if progress:
            progress(f"checking {rule.id}")
        result, found = _check(run, rule, max_markers, apart)
        results.append(result)
        violations += found
    order = {r.id: i for i, r in enumerate(pdk.deck.rules)}
    violations.sort(key=lambda v: (order[v.rule], v.bbox, v.message, str(v.shape)))
    return DrcResult(layout=str(layout), pdk=pdk.name, process=context.family, top_cell=layers.top.name,
                     dbu=layers.dbu, rules=results, violations=violations, process_source=context.source,
                     notes=list(context.notes), max_markers=max_markers)


def drc_exit_code(result: DrcResult) -> int:
    """Exit code of `maskgen drc`: 0 clean, 1 violations (bad input exits 2 before a result exists)."""
    return 0 if result.clean else 1


EMBODIMENT_RULES = ("SAC.UNDER_BUMP", "SUSP.RELEASE", "SUSP.ANCHOR", "SUSP.ARMS")
"""Rules whose layers depend on the 004 embodiment: their results say what was inferred."""


def _check(run: Run, rule: Rule, max_markers: int,
           apart: isolated.Placements | None = None) -> tuple[RuleResult, list[Violation]]:
    """Run one rule: its result line and its violations (at most max_markers listed).

    A layer the rule needs that the process draws and the layout lacks is a violation of the rule
    (a marker on the die naming the layer and the step), not a reason to skip it. A rule of `LOCAL` on a
    layout whose placed cells stand apart is checked once per cell (`maskgen.drc.isolated`).
    """
    base: dict[str, Any] = {"id": rule.id, "claims": list(rule.claims), "description": rule.description,
                            "value": rule.value, "source": run.pdk.rule_source(rule.id)}
    note = None
    if rule.id in EMBODIMENT_RULES and run.process.inferred is not None:
        note = run.process.notes[-1]
    fn = RULES.get(rule.id)
    if fn is None:
        return RuleResult(**base, status="n/a", reason="no check is implemented for this rule id"), []
    try:
        markers = _per_cell(run, rule, fn, apart)
        if markers is None:
            markers = fn(run, rule)
    except MissingLayers as missing:
        markers = missing.markers
    except NotApplicable as why:
        return RuleResult(**base, status="n/a", reason=str(why)), []
    count = 0
    found: list[Violation] = []
    for m in markers:
        listed, n = _violations(rule.id, m, run, max_markers - len(found))
        found += listed
        count += n
    if count == 0:
        unchecked = not_checked(run, rule)
        if unchecked is not None:
            return RuleResult(**base, status="n/a", reason=unchecked), []
        return RuleResult(**base, status="pass", reason=note), []
    reason = f"first {len(found)} of {count} markers listed (marker limit {max_markers})" \
        if len(found) < count else note
    return RuleResult(**base, status="fail", count=count, listed=len(found), reason=reason), found


def _per_cell(run: Run, rule: Rule, fn: Callable[[Run, Rule], list[Markers]],
              apart: isolated.Placements | None) -> list[Markers] | None:
    """The rule's markers checked in each placed cell alone and placed at every placement of the cell; None
    when the rule cannot be checked so here (not a LOCAL rule, cells within its reach, a layout-level finding)."""
    layers_of = LOCAL.get(rule.id)
    if apart is None or layers_of is None:
        return None
    names = layers_of(run)
    if names is None:
        return None
    by_name = {name: li for li, name in run.layers.layer_names.items()}
    lis = tuple(sorted(by_name[n] for n in names if n in by_name))
    cells = apart.cells(lis)
    reach = 0 if rule.value is None else run.length(rule).dbu     # no value: overlaps only
    if not cells or not apart.isolated(lis, reach):
        return None
    found: list[Markers] = []
    for cell, trans in cells:
        local = Run(layers=isolated.cell_layers(run.layers, cell), pdk=run.pdk, process=run.process)
        markers = fn(local, rule)
        if any(m.shapes is None for m in markers):
            return None
        found += [isolated.placed(m, trans) for m in markers]
    return found


def _violations(rule_id: str, markers: Markers, run: Run, limit: int) -> tuple[list[Violation], int]:
    """One check's markers as violations in um (top-cell coordinates), at most `limit`, and their true count.

    Region markers are merged flat first: deep mode cuts polygons at cell boundaries and into pieces
    of few vertices, so a hierarchical layout and its flat copy give the same markers. Edge pairs are
    merged into one marker per fault (`maskgen.drc.markers`).
    """
    layers = run.layers
    dbu = layers.dbu
    limit = max(limit, 0)
    if markers.shapes is None:
        box = run.extent_box()
        listed = [Violation(rule_id, markers.message, _box(box), kdb.DPolygon(box))] if limit > 0 else []
        return listed, 1
    shapes = markers.shapes
    if isinstance(shapes, kdb.Region):
        polygons = merged_flat(shapes)
        out = [Violation(rule_id, markers.message, _box(p.bbox().to_dtype(dbu)), p.to_dtype(dbu))
               for p in polygons[:limit]]
        return out, len(polygons)
    faults = group(shapes, markers.per, markers.first, markers.second) if markers.per and markers.first else None
    if faults is None:
        unique = {pair_key(pair): pair for pair in shapes.each()} if shapes.count() <= GROUP_LIMIT else None
        if unique is None:
            return [], shapes.count()
        faults = [Fault(unique[k], unique[k].distance(), ()) for k in sorted(unique)]
    out = []
    for fault in faults[:limit]:
        message = markers.message
        if markers.describe is not None:
            message = markers.describe(fault, dbu)
        elif markers.measure:
            message = f"{message} (measured {_um(fault.distance, dbu):g} um)"
        shape = fault.pair
        out.append(Violation(rule_id, message, _box(shape.bbox().to_dtype(dbu)), shape.to_dtype(dbu)))
    return out, len(faults)


def _um(value: int, dbu: float) -> float:
    return round(value * dbu, 6)


def _box(box: kdb.DBox) -> tuple[float, float, float, float]:
    return (round(box.left, 6), round(box.bottom, 6), round(box.right, 6), round(box.top, 6))
