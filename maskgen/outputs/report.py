"""Text the CLI prints: the build summary table and the `maskgen list` listing."""

from __future__ import annotations

from typing import Any

from maskgen.input.manifest import BuildManifest
from maskgen.input.pdk import data_root, load_pdk, pdk_names


def summary_table(result: Any) -> str:
    """A short table of the per-bump-type figures of a build, and the DRC verdict."""
    m: BuildManifest = result.manifest
    fig = m.bump_types[0]
    wide = max(28, *(len(t.name) for t in m.bump_types))
    rows = [
        f"{m.name}: process {m.process} (seed {m.seed}), PDK {m.pdk}, "
        f"{m.bump_count} bumps in {m.die.arrays} array(s)",
        f"{'bump type':{wide}s} {'count':>7s} {'volume um3':>12s} {'height um':>10s} {'width um':>9s} "
        f"{'pitch um':>9s} {'margin um':>10s}",
    ]
    for t in m.bump_types:
        rows.append(f"{t.name:{wide}s} {t.count:7d} {t.solder_volume:12.0f} {t.reflow_height:10.1f} "
                    f"{t.reflow_width:9.1f} {t.min_pitch:9.1f} {t.bridging_margin:10.1f}")
    if fig.stair is not None:
        s = fig.stair
        ops = ", ".join(f"{o:.2f}" for o in s.openings)
        rows.append(f"stair: mask {s.mask_opening:.2f} um at {s.dose:g} mJ/cm2 -> openings PR1.. {ops} um")
    if fig.mechanics is not None:
        mech = fig.mechanics
        k = f"vertical stiffness {mech.stiffness:.2f} N/m ({len(mech.arms or [])} arms)" \
            if mech.stiffness else "not released (on sacrificial/elastic layer)"
        rows.append(f"cantilever: {k}; farthest bump {mech.worst_bump} at DNP {mech.worst_dnp:.0f} um moves "
                    f"{mech.worst_displacement:.2f} um ({mech.board} vs chip, dT {mech.delta_t:g} K)")
    rows += reliability_lines(m)
    for note in fig.notes:
        rows.append(f"note: {note}")
    if m.wafer is not None:
        w, r = m.wafer, result.design.recipe.wafer
        rows.append(f"wafer: {w.diameter_mm} mm, {r.edge_exclusion:g} mm edge exclusion, {r.orientation}, "
                    f"die step {w.die_step[0]:g} x {w.die_step[1]:g} um, {r.partial_dies} partial dies: "
                    f"{w.die_count} dies in {w.rows} rows, {w.bump_count:,} bumps")
        mp = w.map
        rows.append(f"wafer map: {mp.whole} whole, {mp.partial} partial, {mp.excluded} excluded, "
                    f"{mp.bad} known bad (no balls), {w.balls_placed:,} balls placed: "
                    f"{mp.e142} (SEMI E142), {mp.sinf} (SINF)")
        if w.die_count_centred is not None:
            ox, oy = w.die_grid_offset
            rows.append(f"die_grid_offset auto: {w.die_count_centred} dies with the grid centred -> "
                        f"{w.die_count} dies at offset [{ox:g}, {oy:g}] um")
    fan = getattr(result.die, "fanout", None)
    if fan is not None and m.routing is not None:
        rt = m.routing
        rows.append(f"RDL: {fan.verdict()} ({rt.style}, {rt.line_width:g}/{rt.line_space:g} um), "
                    f"{rt.total_length:,.0f} um of line, {fan.rounds} round{'s' * (fan.rounds != 1)}, "
                    f"{fan.seconds:.1f} s; {len(fan.unrouted)} connection{'s' * (len(fan.unrouted) != 1)} "
                    f"unrouted, {len(fan.spare_bumps)} spare bump{'s' * (len(fan.spare_bumps) != 1)}")
        rows += [f"note: {note}" for note in fan.notes]
    if result.drc is not None:
        fails = [r.id for r in result.drc.rules if r.status == "fail"]
        rows.append("DRC: clean" if not fails else f"DRC: {result.drc.verdict()}: {', '.join(fails)}")
    return "\n".join(rows)


def cycles(n: float | None) -> str:
    """A cycle count as read: thousands separated below a million, else 3 significant figures; none for inf."""
    if n is None:
        return "no wear-out (unstrained)"
    return f"{n:,.0f}" if n < 1e6 else f"{n:.3g}"


def reliability_lines(m: BuildManifest) -> list[str]:
    """The build summary's reliability lines: the cycle and model, the worst bump's joint life (released 004:
    against the same bump rigidly bonded, the joint's share of the mismatch, the force on it, its line's life),
    and the RELIABILITY.LINE warnings."""
    rel = m.reliability
    fig = next((t.reliability for t in m.bump_types if t.reliability is not None), None)
    if rel is None or fig is None:
        return []
    rows = [f"reliability: {fig.cycle[0]:g}/{fig.cycle[1]:g} C, {fig.dwell_min:g} min dwell, "
            f"{fig.board} ({fig.cte_board:g} ppm/K) vs {fig.chip} ({fig.cte_chip:g} ppm/K); Engelmaier, "
            f"F {fig.non_ideal_factor:g}, {fig.alloy} eps_f {fig.eps_f:g}, c {fig.c:.4f}"]
    if rel.worst_bump is None:
        return [*rows, "reliability: no joint is strained (every bump at the die centre)"]
    head = (f"reliability: worst bump {rel.worst_bump} at DNP {rel.dnp:.0f} um: N50 {cycles(rel.n50)} "
            f"cycles (joint shear strain range {rel.dgamma_pct:.3f} %)")
    if "n50_rigid" in rel.model_fields_set:
        head += (f"; rigidly bonded {cycles(rel.n50_rigid)}: the suspended joint carries "
                 f"{100 * (rel.joint_fraction or 0.0):.1f} % of the mismatch, {rel.joint_force_mN:.0f} mN (elastic)")
    rows.append(head)
    if rel.line_strain_pct is not None:
        line = f"N50 {cycles(rel.n50_line)} cycles (Manson)" if "n50_line" in rel.model_fields_set \
            else "no fatigue data for its metal"
        rows.append(f"reliability: line 110 / beams 111 of {rel.worst_bump}: peak strain "
                    f"{rel.line_strain_pct:.3f} %, {line}")
    for w in rel.warnings[:3]:
        rows.append(f"warning {w.rule}: bump {w.bump}: line 110 / beams 111 fail at {cycles(w.n50_line)} "
                    f"cycles ({w.line_strain_pct:.2f} % strain), before its joint ({cycles(w.n50)})")
    if rel.line_warnings > 3:
        rows.append(f"warning RELIABILITY.LINE: {rel.line_warnings} bumps in all (manifest: reliability.warnings)")
    return rows


def listing(pdk_name: str) -> str:
    """PDKs, processes, templates, layers, cells and rules, as text."""
    pdk = load_pdk(pdk_name)
    out = [f"PDKs: {', '.join(pdk_names())}  (showing {pdk.name}: {pdk.path})", "", "Processes:"]
    for p in pdk.processes.values():
        out.append(f"  {p.name:18s} seed {p.seed}  {p.title} ({len(p.steps)} steps)")
    out += ["", "Templates:"]
    for t in sorted((data_root() / "templates").glob("*.yaml")):
        out.append(f"  {t.stem:28s} {t}")
    out += ["", "Layers:"]
    for n, s in pdk.layers.items():
        out.append(f"  {n:8s} {s.layer:3d}/{s.datatype:<3d} {s.shape:8s} {s.role:9s} {s.colour}  {s.description}")
    out += ["", "Cells:"]
    for name, doc in cell_catalogue():
        out.append(f"  {name:30s} {doc}")
    out += ["", f"Rules (grid {pdk.grid:g} um):"]
    for r in pdk.rules.values():
        value = "-" if r.value is None else f"{r.value:g}"
        claims = ", ".join(r.claims) or "-"
        out.append(f"  {r.id:18s} {value:>7s}  {r.description}  [{claims}]  ({r.source})")
    return "\n".join(out)


def cell_catalogue() -> list[tuple[str, str]]:
    """(module.function, first docstring paragraph on one line) of every public cell builder in maskgen.layout.cells,
    then each process family's bump cell (family.bump_cell, after the family's own line)."""
    import importlib
    import inspect
    import pkgutil

    import maskgen.layout.cells
    from maskgen.design.families import FAMILIES
    from maskgen.layout.cells.base import PARTS, assembly

    def summary(doc: str | None) -> str:
        return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())

    out = []
    for name in sorted(m.name for m in pkgutil.iter_modules(maskgen.layout.cells.__path__)):
        mod = importlib.import_module(f"maskgen.layout.cells.{name}")
        for fname, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or fname.startswith("_") or fn is assembly:
                continue
            returns = str(inspect.signature(fn).return_annotation).replace("'", "")
            if fn not in PARTS.values() and returns != "gdstk.Cell":
                continue
            out.append((f"{name}.{fname}", summary(fn.__doc__)))
    for name, fam in FAMILIES.items():
        out.append((f"{name}.bump_cell", f"{summary(fam.__doc__)} {summary(type(fam).bump_cell.__doc__)}"))
    return out
