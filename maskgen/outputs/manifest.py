"""The build manifest (<name>.json): recipe echo, PDK, process, layers, masks and per-bump figures.

`manifest` builds the typed `maskgen.input.manifest.BuildManifest` from the design and the die (figures rounded to
4 digits); the file is the model's own dump (`BuildManifest.as_json`), so what is written is what readers parse."""

from __future__ import annotations

from typing import Any

import numpy as np

from maskgen import __version__
from maskgen.assembly.die import DieLayout
from maskgen.design.figures import Design
from maskgen.design.physics.mechanics import bump_mechanics, bump_motions
from maskgen.design.reliability import LINE_RULE, finite, site_reliability
from maskgen.errors import given
from maskgen.input.jedec import layout_corner
from maskgen.input.manifest import BuildManifest
from maskgen.input.pdk import layer_table
from maskgen.input.rules import rule_record

SITE_LIST_LIMIT = 20_000
"""Bump sites are listed one by one up to this count (a wafer lists its die's sites once)."""
WARNING_LIST_LIMIT = 100
"""RELIABILITY.LINE warnings are listed one by one up to this count; the total is always given."""
RELIABILITY_COLUMNS = ("dgamma_pct", "n50", "n50_rigid", "joint_fraction", "joint_force_mN", "line_strain_pct",
                       "n50_line")
"""Per-bump reliability figures of the manifest's bump records, in their order (the joint's N50 first)."""


def _round(value: Any, digits: int = 4) -> Any:
    """Round floats (recursively) so the manifest reads well and is stable."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    return value


def manifest(design: Design, die: DieLayout, outputs: dict[str, str],
             extra: dict[str, Any] | None = None) -> BuildManifest:
    """Everything a user or the DRC needs to know about a build, deterministic, checked against the model
    (a block the model does not know is a bug here, not a file the readers would take)."""
    r = design.recipe
    used = {n for n in design.features if n in design.pdk.layers}
    kinds = die.kinds
    figs = []
    life = {id(k): _site_life(k) for k in kinds}
    for k in kinds:
        fig = k.design.bump.as_dict()
        fig["count"] = k.count
        mech = fig["mechanics"]
        if mech:
            fig["mechanics"] = {**mech, **_worst_bump(mech, k.sites)}
        site_life = life[id(k)]
        if site_life is not None:
            fig["reliability"] = {**fig["reliability"], **_worst_life(k.sites, site_life)}
        figs.append(fig)
    data: dict[str, Any] = {
        "maskgen": __version__,
        "name": r.name,
        "recipe_file": design.file.name,
        "recipe": r,
        "pdk": design.pdk.name,
        **({} if design.pdk.shipped else {"pdk_path": design.pdk.path.as_posix()}),
        "rules": rule_record(design.pdk),
        "process": design.process.name,
        "seed": design.process.seed,
        "features": sorted(design.features),
        "materials": dict(sorted(design.materials.items())),
        "steps": [{"index": s.index, "action": s.step.action, "name": s.step.name, "material": s.material,
                   "thickness": s.thickness, "mask": s.step.mask} for s in design.steps],
        "layers": [row for row in layer_table(design.pdk) if row["name"] in used],
        "masks": mask_list(design),
        "die": {"name": die.cell.name, "size": list(r.die.dims), "bump_cell": die.bump.name,
                "arrays": len(die.arrays), "naming": naming(design, die)},
        "bump_count": die.bump_count,
        "bump_types": figs,
        "outputs": outputs,
    }
    if die.subarrays is not None:
        data["subarrays"] = subarrays(die)
    if die.bump_count <= SITE_LIST_LIMIT:
        data["bumps"] = []                         # filled below, already rounded: keeps the key order
    if die.fanout is not None:
        data["routing"] = die.fanout.summary(design.pdk.rdl_sheet_resistance)
    if die.structures is not None:
        from maskgen.assembly.teststructures import summary
        data["test_structures"] = summary(design, die.structures, r.solder.alloy)
    if any(v is not None for v in life.values()):
        data["reliability"] = reliability_summary(die, life)
    if extra:
        data.update(extra)
    data = _round(data)
    if "bumps" in data:
        data["bumps"] = _bump_list(die, life)
    return BuildManifest.model_validate(data)


def _site_life(kind: Any) -> dict[str, np.ndarray] | None:
    """Per-bump reliability figures of one bump type's sites (`site_reliability`), None without a reliability
    block."""
    fig = kind.design.bump.reliability
    if fig is None or not kind.sites:
        return None
    xy = np.array([(s.x, s.y) for s in kind.sites], dtype=float)
    return site_reliability(fig, xy[:, 0], xy[:, 1])


def _worst_index(sites: list, n50: np.ndarray) -> int | None:
    """The site of shortest joint life (ties: farthest out, then by name); None when no joint is strained."""
    if not np.isfinite(n50).any():
        return None
    return min(range(len(sites)), key=lambda i: (n50[i], -(sites[i].x ** 2 + sites[i].y ** 2), sites[i].name))


def _worst_life(sites: list, life: dict[str, np.ndarray]) -> dict[str, Any]:
    """The bump type's worst bump (shortest joint N50) and its figures."""
    i = _worst_index(sites, life["n50"])
    if i is None:
        return {"worst_bump": None}
    return {"worst_bump": sites[i].name, **{f"worst_{k}": _number(v[i]) for k, v in life.items()}}


def _number(value: float) -> float | None:
    """A figure for JSON: cycle counts that are infinite (an unstrained joint or line) become None."""
    return finite(float(value))


def reliability_summary(die: DieLayout, life: dict[int, dict[str, np.ndarray] | None]) -> dict[str, Any]:
    """The die's reliability: the worst bump over every type (name, type, DNP, N50 and, for a released 004 bump,
    N50 rigidly bonded and of its line), and a RELIABILITY.LINE warning per bump whose line 110 / beams 111 are
    predicted to fail before its joint."""
    worst: tuple | None = None
    warnings: list[dict[str, Any]] = []
    for k in die.kinds:
        figures = life[id(k)]
        if figures is None:
            continue
        i = _worst_index(k.sites, figures["n50"])
        if i is not None:
            key = (figures["n50"][i], -(k.sites[i].x ** 2 + k.sites[i].y ** 2), k.sites[i].name)
            if worst is None or key < worst[0]:
                worst = (key, k, i, figures)
        if "n50_line" in figures:
            fails = np.flatnonzero(figures["n50_line"] < figures["n50"])
            warnings += [{"rule": LINE_RULE, "bump": k.sites[j].name, "n50_line": _number(figures["n50_line"][j]),
                          "n50": _number(figures["n50"][j]),
                          "line_strain_pct": float(figures["line_strain_pct"][j])}
                         for j in fails.tolist()]
    out: dict[str, Any] = {"worst_bump": None}
    if worst is not None:
        _, k, i, figures = worst
        out = {"worst_bump": k.sites[i].name, "type": k.name,
               **{k2: _number(v[i]) for k2, v in figures.items()}}
    warnings.sort(key=lambda w: (w["n50_line"] if w["n50_line"] is not None else float("inf"), w["bump"]))
    out["line_warnings"] = len(warnings)
    out["warnings"] = warnings[:WARNING_LIST_LIMIT]
    return out


def subarrays(die: DieLayout) -> dict[str, Any]:
    """A sub-array sweep: the swept keys, the tiled box [x1, y1, x2, y2] um and the tiles in each row (top row
    first), and every point in
    sweep order: a valid one with its bump type, tile [x1, y1, x2, y2] um and site count, a refused one with
    its reason."""
    sub = given(die.subarrays, "sweep_layout")
    block = {bl.point: bl for bl in sub.blocks}
    points = []
    for p in sub.points:
        entry: dict[str, Any] = {"point": p.name, "parameters": dict(p.values)}
        if p.name in block:
            bl = block[p.name]
            entry.update(type=bl.type, tile=list(bl.box), sites=len(bl.sites))
        else:
            entry["reason"] = p.reason
        points.append(entry)
    return {"parameters": list(sub.points[0].values), "box": list(sub.box),
            "tiles_per_row": list(sub.tiles_per_row),
            "points": points}


def naming(design: Design, die: DieLayout) -> dict[str, Any]:
    """JEDEC naming of the die: A1 corner and view, the A1 mark, the label layer and where ball A1 is."""
    n = design.recipe.die.naming
    a1 = next((s for s in die.sites if s.ball == "A1"), None)
    right, top = layout_corner(n.a1_corner, n.view)
    return {"a1_corner": n.a1_corner, "view": n.view,
            "a1_corner_in_layout": f"{'top' if top else 'bottom'}-{'right' if right else 'left'}",
            "a1_mark": n.a1_mark, "labels": "LABEL" if n.labels else None,
            "a1": {"name": a1.name, "x": a1.x, "y": a1.y} if a1 else None}


def _bump_list(die: DieLayout, life: dict[int, dict[str, np.ndarray] | None]) -> list[dict[str, Any]]:
    """Every bump site by name (ball, net and, with several types, its type), with 004's per-bump motion from
    its type's stiffness and each bump's reliability figures (`RELIABILITY_COLUMNS`), rounded like the rest of
    the manifest."""
    owner = {id(s): k for k in die.kinds for s in k.sites}
    typed = len(die.kinds) > 1
    rows = [{"name": s.name, **({"ball": s.ball} if s.ball else {}), "x": _round(s.x), "y": _round(s.y),
             **({"net": s.net} if s.net else {}), **({"type": owner[id(s)].name} if typed else {})}
            for s in die.sites]
    for kind in die.kinds:
        if kind.design.bump.mechanics is None or not kind.sites:
            continue
        mech = kind.design.bump.mechanics.as_dict()
        mine = [i for i, s in enumerate(die.sites) if owner[id(s)] is kind] if typed else range(len(rows))
        xy = np.array([(s.x, s.y) for s in kind.sites], dtype=float)
        m = bump_motions(mech["stiffness"] or 0.0, xy[:, 0], xy[:, 1], mech["cte_board"], mech["cte_chip"],
                         mech["delta_t"])
        columns = {"dnp": m["dnp"], "displacement": m["displacement"]}
        for key, values in columns.items():
            for i, v in zip(mine, values.tolist(), strict=True):
                rows[i][key] = round(v, 4)
    for kind in die.kinds:
        figures = life[id(kind)]
        if figures is None:
            continue
        mine = [i for i, s in enumerate(die.sites) if owner[id(s)] is kind] if typed else range(len(rows))
        if "dnp" not in rows[mine[0]]:
            for i, v in zip(mine, figures["dnp"].tolist(), strict=True):
                rows[i]["dnp"] = round(v, 4)
        for key in RELIABILITY_COLUMNS:
            if key not in figures:
                continue
            for i, v in zip(mine, figures[key].tolist(), strict=True):
                rows[i][key] = _round(_number(v))
    return rows


def _bump_motion(mech: dict[str, Any], x: float, y: float) -> dict[str, Any]:
    """004: distance from the die centre and thermal-mismatch displacement (um)."""
    m = bump_mechanics(mech["stiffness"] or 0.0, x, y, mech["cte_board"], mech["cte_chip"], mech["delta_t"])
    return {"dnp": m.dnp, "displacement": m.displacement}


def _worst_bump(mech: dict[str, Any], bump_sites: list) -> dict[str, Any]:
    """The bump farthest from the die centre (the corner bump) and its motion."""
    worst = max(bump_sites, key=lambda s: (s.x * s.x + s.y * s.y, s.name))
    return {"worst_bump": worst.name, **{f"worst_{k}": v for k, v in _bump_motion(mech, worst.x, worst.y).items()}}


def mask_list(design: Design) -> list[dict[str, Any]]:
    """The masks of the process in step order: mask layer, step, and the resist tone behind its polarity."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    coated: dict[str, str | None] = {}
    for s in design.steps:
        st = s.step
        if st.layer:
            coated[st.layer] = s.material
        if not st.mask or st.mask in seen:
            continue
        seen.add(st.mask)
        if st.action == "expose":
            resist = next((coated[f] for f in st.films if f in coated), None)
            drawn = "opening"
        else:
            resist = st.resist
            drawn = "material" if st.keep == "drawn" else "opening"
        tone = design.pdk.material(resist).tone if resist else None
        out.append({"mask": st.mask, "level": len(out) + 1, "step": st.name, "step_index": s.index,
                    "gds": list(design.pdk.gds(st.mask)), "drawn": drawn, "resist": resist, "tone": tone,
                    "polarity": polarity(drawn, tone)})
    return out


def polarity(drawn: str, tone: str | None) -> str:
    """Mask-shop polarity of the drawn shapes: 'clear' (chrome removed) or 'dark' (chrome kept).

    A positive resist is removed where light passes: openings are drawn clear, kept material dark.
    A negative resist stays where light passes: the opposite.
    """
    clear = (drawn == "opening") == (tone != "negative")
    return "clear" if clear else "dark"
