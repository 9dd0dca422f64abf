"""The build manifest (<name>.json): recipe echo, PDK, process, layers, masks and per-bump figures."""

from __future__ import annotations

from typing import Any

import numpy as np

from maskgen import __version__
from maskgen.design.derive import Design
from maskgen.design.physics.mechanics import bump_mechanics, bump_motions
from maskgen.input.pdk import layer_table
from maskgen.input.rules import rule_record
from maskgen.layout.die import DieLayout
from maskgen.layout.jedec import layout_corner

SITE_LIST_LIMIT = 20_000
"""Bump sites are listed one by one up to this count (a wafer lists its die's sites once)."""


def _round(value: Any, digits: int = 4) -> Any:
    """Round floats (recursively) so the manifest reads well and is stable."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    return value


def manifest(design: Design, die: DieLayout, outputs: dict[str, str], extra: dict[str, Any] | None = None) -> dict:
    """Everything a user or the DRC needs to know about a build, deterministic."""
    r = design.recipe
    used = {n for n in design.features if n in design.pdk.layers}
    kinds = die.kinds
    figs = []
    for k in kinds:
        fig = k.design.bump.as_dict()
        fig["count"] = k.count
        mech = fig["mechanics"]
        if mech:
            fig["mechanics"] = {**mech, **_worst_bump(mech, k.sites)}
        figs.append(fig)
    data: dict[str, Any] = {
        "maskgen": __version__,
        "name": r.name,
        "recipe_file": design.file.name,
        "recipe": r.model_dump(mode="json", exclude_none=True),
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
        "die": {"name": die.cell.name, "size": list(r.die.size), "bump_cell": die.bump.name,
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
        from maskgen.layout.teststructures import summary
        data["test_structures"] = summary(design, die.structures, r.solder.alloy)
    if extra:
        data.update(extra)
    data = _round(data)
    if "bumps" in data:
        data["bumps"] = _bump_list(die)
    return data


def subarrays(die: DieLayout) -> dict[str, Any]:
    """A sub-array sweep: the swept keys, the tiled box [x1, y1, x2, y2] um and the tiles in each row (top row
    first), and every point in
    sweep order: a valid one with its bump type, tile [x1, y1, x2, y2] um and site count, a refused one with
    its reason."""
    sub = die.subarrays
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


def _bump_list(die: DieLayout) -> list[dict[str, Any]]:
    """Every bump site by name (ball, net and, with several types, its type), with 004's per-bump motion from
    its type's stiffness, rounded like the rest of the manifest."""
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
        if mech["stiffness"]:
            columns["force_mN"] = m["force_mn"]
        for key, values in columns.items():
            for i, v in zip(mine, values.tolist(), strict=True):
                rows[i][key] = round(v, 4)
    return rows


def _bump_motion(mech: dict[str, Any], x: float, y: float) -> dict[str, Any]:
    """004: distance from the die centre, thermal-mismatch displacement (um) and restoring force (mN)."""
    m = bump_mechanics(mech["stiffness"] or 0.0, x, y, mech["cte_board"], mech["cte_chip"], mech["delta_t"])
    out = {"dnp": m.dnp, "displacement": m.displacement}
    if mech["stiffness"]:
        out["force_mN"] = m.force_mn
    return out


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
