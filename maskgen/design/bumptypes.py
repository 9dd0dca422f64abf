"""Several bump types on one die (recipe `bump_types`): one design and one bump cell per type, every site
assigned to a type, and the bridging check between neighbours that uses each bump's own reflowed outline.

The recipe's own bump (`bump:`, `solder:` and the family block) is type `base`; each entry of `bump_types`
replaces the blocks it gives and takes the sites it selects (a CSV's `type` column first, then the first
type whose `balls`, `nets`, `region` or `rings` match); every other site is `base`.

A sub-array sweep (`sweep_layout: subarrays`) makes its bump types from the sweep instead: each point the
recipe checks accept is one type (`sweep_types`), and the die gives each its block of sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maskgen.design.derive import derive
from maskgen.design.families import BLOCKS, family
from maskgen.design.figures import Design
from maskgen.design.points import point_data, point_name, reason, sweep_points
from maskgen.errors import InputError, given
from maskgen.input.recipe import RingMap, recipe_from_data
from maskgen.layout.sites import Site, lattice

BASE = "base"


@dataclass
class BumpKind:
    """One bump type of the die: its name, its design (figures, process) and its sites."""

    name: str
    design: Design
    sites: list[Site]


def type_designs(design: Design) -> list[tuple[str, Design]]:
    """(name, design) of each bump type: `base` (the recipe's own bump) first, then bump_types in order."""
    r = design.recipe
    out = [(BASE, design)]
    for i, t in enumerate(r.bump_types):
        update = {k: getattr(t, k) for k in ("bump", "solder", *BLOCKS) if getattr(t, k) is not None}
        recipe = r.model_copy(update={**update, "bump_types": []})
        try:
            d = derive(recipe, design.pdk, design.file, check_pitch=False)
        except InputError as exc:
            key = exc.key if exc.key is None or exc.key.startswith(("die.", "materials")) else \
                f"bump_types[{i}].{exc.key}"
            raise InputError(exc.file, key, exc.value, f"bump type {t.name}: {exc.allowed}") from None
        differs = other_steps(design, d)
        if differs:
            block = family(recipe).block
            raise InputError(design.file, f"bump_types[{i}].{block}", differs,
                             f"bump type {t.name} is made by other process steps or layers than the recipe's own "
                             f"bump; {STEPS_DIFFER}")
        d.bump.name = t.name
        out.append((t.name, d))
    return out


STEPS_DIFFER = ("every bump type of a die is made by the same process steps (the DRC checks the die against one "
                "list of steps)")
"""Why a bump type (or a sub-array sweep point) may not change the process steps of the die."""


def other_steps(base: Design, design: Design) -> str | None:
    """The process steps or layers a bump type switches on or off against the die's own ('ELASTIC on, release
    off'), None when it uses the same ones."""
    added, dropped = sorted(design.features - base.features), sorted(base.features - design.features)
    if not added and not dropped:
        return None
    return ", ".join([*(f"{f} on" for f in added), *(f"{f} off" for f in dropped)])


@dataclass
class SweepPoint:
    """One point of a sub-array sweep: its name (as a die of the dies form would be called), its bump type's name
    (the parameters), the swept values, and its design, or the one-line reason the recipe checks refused it."""

    name: str
    type: str
    values: dict[str, float]
    design: Design | None = None
    reason: str = ""
    key: str | None = None
    """The recipe key the refusal names, if any."""


def sweep_types(design: Design) -> list[SweepPoint]:
    """Every point of the recipe's sweep as a bump type: the recipe's blocks with the point's values, checked as
    the dies form checks a point's die (every recipe check, the pitch included); a refused point keeps its
    reason and gets no design."""
    r = design.recipe
    data = r.model_dump(mode="json", exclude_none=True)
    out = []
    for values in sweep_points(r, design.file):
        name = point_name(r.name, values)
        kind = name[len(r.name) + 1:]
        try:
            d = derive(recipe_from_data(point_data(data, values, name), design.file), design.pdk, design.file)
        except InputError as exc:
            out.append(SweepPoint(name, kind, values, reason=reason(exc), key=exc.key))
            continue
        differs = other_steps(design, d)
        if differs:
            block = family(r).block
            key = next((k for k in values if k.startswith(f"{block}.")), next(iter(values)))
            out.append(SweepPoint(name, kind, values, reason=f"{key} = {values[key]:g}: made by other process "
                                  f"steps or layers ({differs}); {STEPS_DIFFER}", key=key))
            continue
        d.bump.name = kind
        out.append(SweepPoint(name, kind, values, d))
    return out


def assign(design: Design, bump_sites: list[Site]) -> list[str]:
    """The bump type of every site (same order)."""
    r = design.recipe
    types = r.bump_types
    known = [BASE, *(t.name for t in types)]
    names = {s.name for s in bump_sites} | {s.ball for s in bump_sites if s.ball}
    ring_of = _rings(r.die.bump_map, bump_sites)
    for i, t in enumerate(types):
        missing = [b for b in t.balls if b not in names]
        if missing:
            raise InputError(design.file, f"bump_types[{i}].balls", missing[0], "no bump of that name on the map")
        if t.rings and ring_of is None:
            raise InputError(design.file, f"bump_types[{i}].rings", t.rings, "rings select sites of a ring map "
                             "(die.bump_map: {kind: ring}) only")
    out = []
    for k, s in enumerate(bump_sites):
        if s.bump_type is not None:
            if s.bump_type not in known:
                raise InputError(design.file, "die.bump_map.file", s.bump_type,
                                 f"bump {s.name} names an unknown bump type; known: {', '.join(known)}")
            out.append(s.bump_type)
            continue
        out.append(next((t.name for t in types if _selects(t, s, ring_of[k] if ring_of else None)), BASE))
    return out


def _selects(t, s: Site, ring: int | None) -> bool:
    """True when the type's selectors take the site."""
    if s.name in t.balls or (s.ball is not None and s.ball in t.balls):
        return True
    if s.net is not None and s.net in t.nets:
        return True
    if t.region is not None:
        x1, y1, x2, y2 = t.region
        if min(x1, x2) <= s.x <= max(x1, x2) and min(y1, y2) <= s.y <= max(y1, y2):
            return True
    return ring is not None and ring in t.rings


def _rings(bump_map, bump_sites: list[Site]) -> list[int] | None:
    """The ring index (0 = outermost) of each site of a ring map; None for other maps."""
    if not isinstance(bump_map, RingMap):
        return None
    g = given(lattice(bump_map), "die.bump_map")
    out = []
    for s in bump_sites:
        i, j = round((s.x - g.x0) / g.dx), round((s.y - g.y0) / g.dy)
        out.append(min(i, j, g.columns - 1 - i, g.rows - 1 - j))
    return out


def check_spacing(design: Design, kinds: list[BumpKind]) -> None:
    """Reflowed bumps of any two types keep BUMP.SPACE (distance - half of each reflowed width); fills each
    type's min_pitch (to its nearest neighbour) and bridging_margin (to its tightest neighbour)."""
    pts, width, owner = [], [], []
    for n, kind in enumerate(kinds):
        for s in kind.sites:
            pts.append((s.x, s.y))
            width.append(kind.design.bump.reflow_width)
            owner.append(n)
    if len(pts) < 2:
        return
    xy = np.array(pts, dtype=float)
    order = np.lexsort((xy[:, 1], xy[:, 0]))
    x, y = xy[order, 0], xy[order, 1]
    w = np.array(width, dtype=float)[order]
    who = np.array(owner)[order]
    wmax = float(w.max())
    n = len(x)
    near = np.full(n, math.inf)              # distance to the nearest neighbour
    tight = np.full(n, math.inf)             # smallest distance minus half of both reflowed widths
    partner = np.full(n, -1)
    index = np.arange(n)
    for k in range(1, n):
        dx = x[k:] - x[:-k]
        reach = np.maximum(near, tight + (w + wmax) / 2)     # farther than this in x cannot improve a point
        live = (dx <= reach[:-k]) | (dx <= reach[k:])
        if not live.any():
            break
        i, j = index[:-k][live], index[k:][live]
        d = np.hypot(dx[live], y[j] - y[i])
        m = d - (w[i] + w[j]) / 2
        for a, b in ((i, j), (j, i)):
            near[a] = np.minimum(near[a], d)
            better = m < tight[a]
            tight[a[better]] = m[better]
            partner[a[better]] = b[better]
    pitch: list[float] = []
    margin: list[float] = []
    worst: list[tuple[int, int] | None] = []
    for t in range(len(kinds)):
        mine = np.flatnonzero(who == t)
        if len(mine) == 0:
            pitch.append(math.inf)
            margin.append(math.inf)
            worst.append(None)
            continue
        a = int(mine[np.argmin(tight[mine])])
        pitch.append(float(near[mine].min()))
        margin.append(float(tight[a]))
        worst.append((a, int(partner[a])))
    space = design.pdk.rule_value("BUMP.SPACE")
    sites_sorted = [s for kind in kinds for s in kind.sites]
    sites_sorted = [sites_sorted[k] for k in order.tolist()]
    for t, kind in enumerate(kinds):
        if math.isfinite(pitch[t]):
            kind.design.bump.min_pitch = pitch[t]
            kind.design.bump.bridging_margin = margin[t]
        pair = worst[t]
        if pair is not None and margin[t] < space:
            a, b = pair
            sa, sb = sites_sorted[a], sites_sorted[b]
            other = kinds[int(who[b])]
            raise InputError(design.file, "bump_types", f"{kind.name} next to {other.name}",
                             f"reflowed bumps would bridge: {sa.name} ({kind.name}, {kind.design.bump.reflow_width:.1f}"
                             f" um wide) and {sb.name} ({other.name}, {other.design.bump.reflow_width:.1f} um) "
                             f"are {math.hypot(sa.x - sb.x, sa.y - sb.y):.1f} um apart, leaving {margin[t]:.1f} um; "
                             f"BUMP.SPACE needs {space:g} um")
