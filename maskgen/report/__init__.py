"""The build report: `out/<name>/report.html`, one self-contained page a manager or a customer opens in a browser.

It is written from what the build left beside the layout (manifest, .lyp, sweep table, SINF wafer map, mask list)
and from the DRC result: recipe, process and PDK; die and bump pictures with a legend of layers; the DRC verdict
per rule with a close-up of each violated rule; the bump types; the mask list; the wafer map coloured by bin;
the sweep plots; 004's displacement per bump; the solder joints' life and N50 map. Pictures are embedded (PNG
and SVG data: URIs), nothing is fetched.
`maskgen build` writes it (unless --no-report); `maskgen report LAYOUT` writes it for any layout with a manifest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from maskgen.errors import InputError
from maskgen.input.manifest import BuildManifest, ReliabilityRecord, WaferRecord, read_manifest, recipe_echo
from maskgen.report import page as html

REPORT = "report.html"
"""File name of the report, beside the layout."""

def _read_json(path: Path) -> Any:
    """A JSON file the build wrote; an unreadable one is an InputError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(path, None, None, f"cannot read it as JSON ({exc.__class__.__name__})") from None


def layout_drc(layout: Path) -> Any:
    """The DRC of a built layout as `maskgen drc` runs it: the PDK, process and rule values of its manifest."""
    from maskgen.drc import run_drc
    from maskgen.drc.context import manifest_pdk, sibling_manifest
    from maskgen.input.pdk import load_pdk

    manifest, manifest_path = sibling_manifest(layout)
    return run_drc(layout, load_pdk(manifest_pdk(manifest)), manifest=manifest, manifest_path=manifest_path)


def write_report(layout: Path, drc: Any = None, out: Path | None = None, drc_run: bool = True,
                 manifest: BuildManifest | None = None) -> Path:
    """Write the report of a built layout (default beside it as report.html), atomically; drc: the build's DRC
    result (None with drc_run: the DRC was not run, said so on the page); manifest: the build's own, when the
    caller has it (else the one beside the layout is read)."""
    from maskgen.outputs.output import write_text

    layout = Path(layout)
    text = report_html(layout, manifest if manifest is not None else build_manifest(layout), drc, drc_run)
    return write_text(out or layout.parent / REPORT, text)


def build_manifest(layout: Path) -> BuildManifest:
    """The manifest `maskgen build` wrote beside a layout, parsed; a layout without one is an InputError."""
    from maskgen.drc.context import beside
    from maskgen.pictures.render import check_layout_file

    layout = Path(layout)
    check_layout_file(layout)
    manifest_path = beside(layout, ".json")
    if not manifest_path.is_file():
        raise InputError(layout, None, None, f"no build manifest beside it ({manifest_path.name}): the report "
                         "takes the recipe, process and figures from the manifest `maskgen build` writes")
    manifest = read_manifest(manifest_path)
    if manifest is None:
        raise InputError(manifest_path, "process", None, "not a maskgen build manifest (a JSON object with the "
                         "process and figures `maskgen build` writes is expected)")
    return manifest


def report_html(layout: Path, manifest: BuildManifest, drc: Any, drc_run: bool = True) -> str:
    """The report page of a built layout as HTML text."""
    from maskgen.drc.context import beside

    name = manifest.name
    recipe = manifest.recipe
    verdict = "DRC not run" if drc is None else ("DRC clean" if drc.clean else f"DRC dirty: {drc.total} violations")
    per_die = " per die" if manifest.wafer is not None else ""
    subtitle = (f"{recipe.description or ''} - process {manifest.process} (seed {manifest.seed}), "
                f"PDK {manifest.pdk}, {manifest.bump_count:,} bumps{per_die} - {verdict} - "
                f"maskgen {manifest.maskgen}")
    lyp = beside(layout, ".lyp")
    parts = [_pictures(layout, lyp, manifest)]
    if manifest.wafer is not None:
        parts.append(_wafer(layout, manifest.wafer, manifest.die.size))
    sweep = layout.parent / "sweep.json"
    if recipe.sweep and sweep.is_file():
        parts.append(_sweep(_read_json(sweep)))
    if any(t.mechanics is not None for t in manifest.bump_types):
        parts.append(_mechanics(manifest))
    if manifest.reliability is not None:
        parts.append(_life(manifest, manifest.reliability))
    parts += [_drc(layout, lyp, drc, drc_run), _bump_types(manifest), _masks(layout, manifest), _process(manifest),
              _recipe(recipe_echo(recipe))]
    return html.page(f"maskgen report: {name}", subtitle, [p for p in parts if p])


def _pictures(layout: Path, lyp: Path, manifest: BuildManifest) -> str:
    """Die and bump pictures and the legend of the layers drawn."""
    from maskgen.report.shots import layout_shots

    top = manifest.wafer.cell if manifest.wafer is not None else manifest.die.name
    shots = layout_shots(layout, lyp, top_name=top)
    figs = "".join(html.image(html.data_uri("image/png", s.png), s.title, s.title, 500) for s in shots.values())
    legend = html.table(["", "layer", "GDS", "drawn as", "what it is"],
                        [(html.swatch(la.colour), la.name, f"{la.layer}/{la.datatype}", la.shape,
                          la.description) for la in manifest.layers])
    return html.section("pictures", "Die and bump", figs + "<h3>Layers</h3>" + legend)


def _drc(layout: Path, lyp: Path, drc: Any, drc_run: bool) -> str:
    """The DRC verdict per rule with counts, and a close-up of each violated rule's first marker."""
    if drc is None:
        return html.section("drc", "DRC", html.paragraph(
            "DRC was not run for this build (--no-drc)." if not drc_run else "No DRC result."))
    from maskgen.report.shots import violation_shots

    rows = [(r.id, html.badge(r.status), r.count if r.status == "fail" else None, r.value, r.source,
             ", ".join(r.claims), r.reason or r.description) for r in drc.rules]
    body = (f"<p>{html.badge('clean' if drc.clean else 'dirty').html} {html.escape(drc.verdict())}"
            f" - process {html.escape(str(drc.process))}"
            f"{' (' + html.escape(drc.process_source) + ')' if drc.process_source else ''}</p>"
            + html.table(["rule", "status", "violations", "value (um)", "value from", "claims", "what it checks"],
                         rows))
    body += "".join(html.paragraph(f"note: {n}") for n in drc.notes)
    shots = violation_shots(layout, lyp, drc)
    if shots:
        body += "<h3>Violations</h3>" + "".join(
            html.image(html.data_uri("image/png", s.png), s.title, f"{s.title} ({drc.rule(rid).count} in all)", 360)
            for rid, s in shots.items())
    return html.section("drc", "DRC", body)


def _bump_types(manifest: BuildManifest) -> str:
    """Each bump type's count and predicted figures."""
    rows = [(t.name, t.count, t.ubm_diameter, t.footprint_diameter, t.solder_volume, t.reflow_height,
             t.reflow_width, t.min_pitch, t.bridging_margin, t.support_beams,
             t.mechanics.stiffness if t.mechanics is not None else None) for t in manifest.bump_types]
    return html.section("bumps", "Bump types", html.table(
        ["type", "bumps", "UBM (um)", "footprint (um)", "solder (um3)", "reflow height (um)", "reflow width (um)",
         "nearest pitch (um)", "bridging margin (um)", "support beams", "stiffness (N/m)"], rows))


def _masks(layout: Path, manifest: BuildManifest) -> str:
    """The masks in process order, with the critical dimensions when `maskgen masks` has written its list."""
    listed = layout.parent / "masks" / "mask_list.json"
    cds = {}
    if listed.is_file():
        data = _read_json(listed)
        for e in data if isinstance(data, list) else data.get("masks", []):
            cds[e.get("mask")] = e
    rows = [(m.level, m.mask, f"{m.gds[0]}/{m.gds[1]}", m.drawn, m.polarity, m.resist, m.tone, m.step,
             (cds.get(m.mask) or {}).get("critical_dimension")) for m in manifest.masks]
    note = "" if cds else html.paragraph("Critical dimensions: run `maskgen masks` for the mask set and its list.")
    return html.section("masks", "Masks", html.table(
        ["level", "mask", "GDS", "drawn", "polarity", "resist", "tone", "process step", "CD (um)"], rows) + note)


def _wafer(layout: Path, w: WaferRecord, die_size: list[float]) -> str:
    """The wafer map coloured by bin, read back from the SINF map the build wrote."""
    from maskgen.report.plots import wafer_svg

    m = w.map
    sinf = layout.parent / m.sinf
    facts = html.table(["diameter (mm)", "die step (um)", "dies", "whole", "partial", "bad", "excluded",
                        "balls placed"],
                       [(w.diameter_mm, " x ".join(f"{v:g}" for v in w.die_step), w.die_count,
                         m.whole, m.partial, m.bad, m.excluded, w.balls_placed)])
    if not m.sinf or not sinf.is_file():
        return html.section("wafer", "Wafer", facts + html.paragraph("No SINF map beside the layout."))
    grid = sinf_bins(sinf.read_text(encoding="utf-8"))
    svg = wafer_svg(w.diameter_mm, w.die_step, m.lower_left, grid, die_size)
    return html.section("wafer", "Wafer", facts + html.image(html.data_uri("image/svg+xml", svg),
                                                             "wafer map by bin", f"wafer map ({sinf.name})", 560))


def sinf_bins(text: str) -> list[list[str]]:
    """The bins of a SINF map as rows of whole/partial/bad/excluded/"" (no die), bottom row first."""
    from maskgen.outputs.wafermap import BINS

    by_code = {codes[1]: status for status, codes in BINS.items()}
    rows = [line[8:].split() for line in text.splitlines() if line.startswith("RowData:")]
    return [[by_code.get(c, "") for c in row] for row in reversed(rows)]


def _sweep(table: dict[str, Any]) -> str:
    """Plots of the predicted figures against the swept values and the sweep table."""
    from maskgen.report.plots import sweep_svg

    params = table.get("parameters", [])
    rows = table.get("points", [])
    svg = sweep_svg(params, rows)
    fig = html.image(html.data_uri("image/svg+xml", svg), "sweep plots",
                     "predicted figures per point; red crosses: points the recipe checks refused; red rings: "
                     "DRC dirty", 900) if svg else ""
    cols = ["point", *params, "reflow_height", "reflow_width", "bridging_margin", "stiffness", "n50", "verdict",
            "reason"]
    body = html.table(cols, [[html.badge(r[c]) if c == "verdict" else r.get(c) for c in cols] for r in rows])
    return html.section("sweep", "Sweep", fig + body)


def _mechanics(manifest: BuildManifest) -> str:
    """004: the arms and stiffness of each bump type and the displacement of every bump."""
    from maskgen.report.plots import mechanics_svg

    rows = []
    for t in manifest.bump_types:
        mech = t.mechanics
        if mech is not None:
            arms = ", ".join(f"{a.kind} {a.width:g} x {a.length:g} um ({a.stiffness:g} N/m)" for a in mech.arms or [])
            rows.append((t.name, html.badge("released" if mech.released else "held"), arms, mech.stiffness,
                         mech.board, mech.delta_t, mech.worst_bump, mech.worst_displacement))
    svg = mechanics_svg(manifest.bumps or [], manifest.die.size)
    fig = html.image(html.data_uri("image/svg+xml", svg), "displacement per bump",
                     "board/chip expansion mismatch: displacement per bump", 900) if svg else ""
    return html.section("mechanics", "Cantilever mechanics (004)", html.table(
        ["type", "portion", "arms", "stiffness (N/m)", "board", "delta T (K)", "worst bump", "displacement (um)"],
        rows) + fig)


def _life(manifest: BuildManifest, die: ReliabilityRecord) -> str:
    """Solder joint life under thermal cycling: each bump type's cycle and worst bump, the die's worst bump, the
    RELIABILITY.LINE warnings, and the N50 map of every bump (as `maskgen render --view n50` draws it)."""
    from maskgen.pictures.n50map import has_n50, n50_png

    rows = []
    for t in manifest.bump_types:
        r = t.reliability
        if r is not None:
            rows.append((t.name, f"{r.cycle[0]:g} / {r.cycle[1]:g} C, {r.dwell_min:g} min", r.board, r.alloy,
                         r.standoff, r.worst_bump, r.worst_dnp, r.worst_dgamma_pct, r.worst_n50, r.worst_n50_rigid))
    worst = "No joint is strained."
    if die.worst_bump and die.n50 is not None and die.dnp is not None:
        worst = (f"Worst bump of the die: {die.worst_bump} ({die.type}), N50 {die.n50:,.0f} cycles at DNP "
                 f"{die.dnp:,.0f} um.")
    if die.line_warnings:
        worst += (f" RELIABILITY.LINE: {die.line_warnings:,} bumps whose line 110 / beams 111 are predicted to fail "
                  "before their joint.")
    fig = ""
    if has_n50(manifest):
        fig = html.image(html.data_uri("image/png", n50_png(manifest, 900, 675)), "N50 map",
                         "cycles to 50 % failure (Engelmaier) of every bump's joint, red shortest", 700)
    return html.section("life", "Solder joint life (N50)", html.table(
        ["type", "cycle", "board", "alloy", "standoff (um)", "worst bump", "DNP (um)", "strain range (%)",
         "N50 (cycles)", "N50 rigidly bonded"], rows) + html.paragraph(worst) + fig)


def _process(manifest: BuildManifest) -> str:
    """PDK, process steps, materials and the rule values used."""
    steps = html.table(["#", "action", "step", "material", "thickness (um)", "mask"],
                       [(s.index, s.action, s.name, s.material, s.thickness, s.mask) for s in manifest.steps])
    mats = html.table(["role", "material"], sorted(manifest.materials.items()))
    rules = html.table(["rule", "value (um)", "from", "PDK value"],
                       [(k, v.value, v.source, v.pdk_value) for k, v in manifest.rules.items()])
    return html.section("process", f"Process {manifest.process} and PDK {manifest.pdk}",
                        "<h3>Steps</h3>" + steps + "<h3>Materials</h3>" + mats + "<h3>Rules</h3>" + rules)


def _recipe(recipe: dict[str, Any]) -> str:
    """The recipe as the build read it (every key, defaults filled in)."""
    import yaml

    text = yaml.safe_dump(recipe, sort_keys=False, default_flow_style=None, width=110)
    return html.section("recipe", "Recipe", f"<pre>{html.escape(text)}</pre>")
