"""The process emulator: the design's resolved steps (the process YAML, the spine) run one by one as a 2D model
in the section plane, each film a `klayout.db.Region` of its own, one frame per step.

- substrate, deposit: a conformal film (the surface grown by the thickness), patterned by the step's mask
  (`keep: drawn` keeps it where drawn, `keep: field` opens it where drawn).
- coat, laminate: a planarising resist filling everything up to the highest surface + its thickness.
- expose: no change; the frame shows the mask plate, the light and the resist that will dissolve.
- develop: each named resist is removed where its layer (PR1.., SM1.., POLY) draws openings.
- plate / print / flux: solder, paste or flux fill the resist openings (plate up to the plated height).
- drop: a ball of the recipe's diameter rests in the opening on the UBM.
- reflow: the solder becomes the spherical cap of the solder model on the UBM (`design.bump`).
- etch: the named films are kept where drawn (or opened where drawn); strip and release remove the named films
  (release: sacrificial layer 140 goes, leaving suspended portion 102 over an air gap, 004 Fig 12G).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from maskgen.design.figures import Design, ResolvedStep
from maskgen.design.physics import solder as solder_model
from maskgen.errors import InputError
from maskgen.pictures.render import bump_site
from maskgen.pictures.xsection.cut import (
    bumps_on_cut,
    check_cut_on_die,
    complement,
    cut_intervals,
    default_cut,
    merge_intervals,
)
from maskgen.pictures.xsection.model import BIG, NM, Body, BumpOnCut, Cut, Exposure, Frame, Section

if TYPE_CHECKING:
    import klayout.db as kdb

_ROLE_LAYERS = {"sacrificial": "SAC", "elastic": "ELASTIC"}
"""Roles drawn in their layer's colour from layers.yaml (sacrificial layer 140 yellow, elastic layer 150 pink)."""

_RESIST_LAYERS = ("PR1", "PR2", "PR3", "PR4")
"""Resists take the red-ish PR1..PR4 colours of layers.yaml in the order they are coated."""


def _blend(colour: str, other: str = "#ffffff", amount: float = 0.45) -> str:
    """Mix colour towards other by amount (0: colour, 1: other)."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def _shade(colour: str, n: int) -> str:
    """The n-th film of one colour: the colour, then lighter, darker, lighter still (polyimide 100 / 170)."""
    return [colour, _blend(colour, "#ffffff", 0.4), _blend(colour, "#000000", 0.25),
            _blend(colour, "#ffffff", 0.65)][n % 4]


class _Emulator:
    """Runs resolved process steps on the section, one frame per step."""

    def __init__(self, design: Design, cut: Cut, intervals: dict[str, list[tuple[float, float]]],
                 bumps: list[BumpOnCut]) -> None:
        import klayout.db as kdb

        self.kdb = kdb
        self.design = design
        self.pdk = design.pdk
        self.intervals = intervals
        self.bumps = bumps
        lo, hi = cut.span
        self.lo, self.hi = round(lo * NM), round(hi * NM)
        self.bodies: list[Body] = []
        self.resists = 0
        self.colour_uses: dict[str, int] = {}

    # -- regions
    def box(self, z0: int, z1: int):
        return self.kdb.Region(self.kdb.Box(self.lo, z0, self.hi, z1))

    def band(self, intervals: list[tuple[float, float]]):
        """The vertical strips over s intervals (um), all heights."""
        r = self.kdb.Region()
        for a, b in intervals:
            r.insert(self.kdb.Box(round(a * NM), -BIG, round(b * NM), BIG))
        return r.merged()

    def solid(self, skip: tuple[str, ...] = ()):
        r = self.kdb.Region()
        for b in self.bodies:
            if b.kind not in skip:
                r += b.region
        return r.merged()

    def top_at(self, s_nm: int, skip: tuple[str, ...] = (), solid=None) -> int:
        """Height (nm) of the highest material at s_nm, ignoring the body kinds in skip."""
        probe = self.kdb.Edges(self.kdb.Edge(s_nm, -1, s_nm, BIG))
        tops = [max(e.p1.y, e.p2.y) for e in (probe & (solid if solid is not None else self.solid(skip))).each()]
        return max(tops, default=0)

    def matching(self, names: list[str]) -> list[Body]:
        return [b for b in self.bodies if b.key in names or b.role in names or b.layer in names]

    def resist_bodies(self) -> list[Body]:
        return [b for b in self.bodies if b.kind == "resist"]

    def openings(self) -> list[tuple[float, float]]:
        """The openings of every resist on the wafer (union of their layers' intervals)."""
        out: list[tuple[float, float]] = []
        for b in self.resist_bodies():
            out += self.intervals.get(b.layer or "", [])
        return out

    # -- bodies
    def colour(self, role: str | None, material: str, kind: str) -> str:
        """A new body's colour: its role's or resist's layer colour, else its material's (materials.yaml)."""
        table = self.pdk.materials
        if role in _ROLE_LAYERS and _ROLE_LAYERS[role] in self.pdk.layers:
            return self.pdk.layers[_ROLE_LAYERS[role]].colour
        if kind == "resist":
            layer = _RESIST_LAYERS[min(self.resists, len(_RESIST_LAYERS) - 1)]
            return self.pdk.layers[layer].colour if layer in self.pdk.layers else table.colour(material, kind)
        if kind == "paste":
            return _blend(table.colour(material, "solder"))
        return table.colour(material, kind)

    def kind(self, material: str) -> str:
        m = self.pdk.materials.materials.get(material)
        return m.kind if m is not None else "metal"

    def add(self, rs: ResolvedStep, region, key: str | None = None, kind: str | None = None,
            label: str | None = None, material: str | None = None) -> Body:
        step = rs.step
        material = material or rs.material or step.material or step.name
        kind = kind or self.kind(material)
        key = key or step.layer or step.role or step.name
        taken = {b.key for b in self.bodies}
        base, n = key, 2
        while key in taken:
            key, n = f"{base}_{n}", n + 1
        body = Body(key=key, role=step.role, layer=step.layer, material=material, kind=kind,
                    label=label or f"{material} {_noun(step.name)}", colour=self.colour(step.role, material, kind),
                    region=region.merged())
        if kind == "resist":
            self.resists += 1
        if kind not in ("solder", "paste"):
            base = body.colour
            used = self.colour_uses.get(base, 0)
            self.colour_uses[base] = used + 1
            body.colour = _shade(base, used)
        self.bodies.append(body)
        return body

    # -- steps
    def run(self, rs: ResolvedStep) -> Frame:
        action = rs.step.action
        frame_extra: dict = {}
        handler = getattr(self, f"do_{action}")
        notes = handler(rs, frame_extra) or []
        self.bodies = [b for b in self.bodies if not b.region.is_empty()]
        return Frame(number=rs.index + 1, step=rs, bodies=[b.copy() for b in self.bodies], notes=notes,
                     **frame_extra)

    def do_substrate(self, rs: ResolvedStep, extra: dict) -> None:
        self.add(rs, self.box(0, round((rs.thickness or 20.0) * NM)))

    def do_deposit(self, rs: ResolvedStep, extra: dict) -> list[str] | None:
        if not rs.thickness:
            return [f"{rs.step.name}: no thickness given, nothing drawn"]
        t = round(rs.thickness * NM)
        s = self.solid(skip=("flux",))
        film = (s.sized(t) - s) & self.box(0, BIG)
        self.add(rs, self.pattern(film, rs))
        return None

    def pattern(self, region, rs: ResolvedStep):
        """Apply a step's mask: keep drawn keeps the region where drawn, keep field opens it where drawn."""
        step = rs.step
        if step.mask is None:
            return region
        band = self.band(self.intervals.get(step.mask, []))
        return region & band if step.keep == "drawn" else region - band

    def do_etch(self, rs: ResolvedStep, extra: dict) -> None:
        for b in self.matching(rs.step.films):
            b.region = self.pattern(b.region, rs).merged()

    def do_coat(self, rs: ResolvedStep, extra: dict) -> None:
        s = self.solid()
        top = (s.bbox().top if not s.is_empty() else 0) + round((rs.thickness or 0.0) * NM)
        self.add(rs, self.box(0, top) - s)

    do_laminate = do_coat

    def do_expose(self, rs: ResolvedStep, extra: dict) -> None:
        films = self.matching(rs.step.films)
        tone = "positive"
        for b in films:
            m = self.pdk.materials.materials.get(b.material)
            if m is not None and m.tone:
                tone = m.tone
                break
        drawn = merge_intervals(self.intervals.get(rs.step.mask or "", []))
        lo, hi = self.lo / NM, self.hi / NM
        clear = drawn if tone == "positive" else complement(drawn, lo, hi)
        latent = self.kdb.Region()
        for b in films:
            if b.layer:
                latent += b.region & self.band(self.intervals.get(b.layer, []))
        extra["exposure"] = Exposure(mask=rs.step.mask or "", tone=tone, clear=clear, latent=latent.merged())

    def do_develop(self, rs: ResolvedStep, extra: dict) -> None:
        for b in self.matching(rs.step.films):
            if b.kind == "resist" and b.layer:
                b.region = (b.region - self.band(self.intervals.get(b.layer, []))).merged()

    def fill_openings(self, top: int):
        """Empty space inside the resist openings, up to height top (nm)."""
        return (self.box(0, top) - self.solid()) & self.band(self.openings())

    def floor(self) -> int:
        """Height of the opening floor (the UBM) under the first bump on the cut."""
        centres = [round(b.s * NM) for b in self.bumps] or [
            round((a + b) / 2 * NM) for a, b in merge_intervals(self.openings())[:1]]
        return self.top_at(centres[0], skip=("resist",)) if centres else 0

    def do_plate(self, rs: ResolvedStep, extra: dict) -> list[str] | None:
        height = _plated_height(self.design)
        if height is None:
            return ["no plated height in the design; nothing plated"]
        region = self.fill_openings(self.floor() + round(height * NM))
        self.add(rs, region, key="solder", kind="solder", label=f"{rs.material} plated solder")
        return [f"plated {height:g} um high"]

    def do_print(self, rs: ResolvedStep, extra: dict) -> None:
        films = self.resist_bodies()
        top = films[-1].region.bbox().top if films else self.floor()
        idx = rs.step.solder_index
        self.add(rs, self.fill_openings(top), key=f"solder_{idx}" if idx else "solder", kind="paste",
                 label=f"{rs.material} paste")

    def do_flux(self, rs: ResolvedStep, extra: dict) -> None:
        films = self.resist_bodies()
        top = films[-1].region.bbox().top if films else self.floor()
        self.add(rs, self.fill_openings(top), key="flux", kind="flux", label=f"{rs.material or 'flux'} in the "
                 "openings")

    def do_drop(self, rs: ResolvedStep, extra: dict) -> list[str] | None:
        diameter = self.design.recipe.solder.ball_diameter
        if not diameter:
            return ["no ball diameter in the recipe; nothing dropped"]
        r = diameter / 2 * NM
        balls = self.kdb.Region()
        ground = self.solid(skip=("flux",))
        for bump in self.bumps:
            rc = math.sqrt(max(r * r - (bump.offset * NM) ** 2, 0.0))
            if rc < NM:
                continue
            sc = bump.s * NM
            zc = max(self.top_at(round(sc + u), solid=ground) + math.sqrt(max(rc * rc - u * u, 0.0))
                     for u in (rc * (k / 60 - 1) for k in range(121)))
            balls.insert(_circle(sc, zc, rc))
        balls = balls - ground
        for b in self.bodies:
            if b.kind == "flux":
                b.region = (b.region - balls).merged()
        self.add(rs, balls, key="solder", kind="solder", label=f"{rs.material} solder ball")
        return [f"ball diameter {diameter:g} um"]

    def do_reflow(self, rs: ResolvedStep, extra: dict) -> list[str] | None:
        solders = [b for b in self.bodies if b.kind in ("solder", "paste")]
        if not solders:
            return ["no solder on the cut"]
        radius, height, base = _cap(self.design, rs)
        caps = self.kdb.Region()
        for bump in self.bumps:
            rc = math.sqrt(max((radius * NM) ** 2 - (bump.offset * NM) ** 2, 0.0))
            if rc < NM:
                continue
            sc = round(bump.s * NM)
            zb = self.top_at(sc, skip=("solder", "paste", "flux", "resist"))
            zc = zb + (height - radius) * NM
            caps += self.kdb.Region(_circle(sc, zc, rc)) & self.box(zb, BIG)
        materials = list(dict.fromkeys(b.material for b in solders))
        self.bodies = [b for b in self.bodies if b.kind not in ("solder", "paste")]
        caps = caps - self.solid(skip=("flux",))
        for b in self.bodies:
            if b.kind == "flux":
                b.region = (b.region - caps).merged()
        material = "+".join(materials)
        body = self.add(rs, caps, key="solder", kind="solder", material=material, label=f"{material} reflowed bump")
        if len(materials) > 1:
            body.colour = self.pdk.materials.kind_colours["solder"]
        return [f"cap {height:.1f} um high on {base:g} um wettable, sphere radius {radius:.1f} um"]

    def do_strip(self, rs: ResolvedStep, extra: dict) -> None:
        self.remove(rs.step.films, extra)

    def do_release(self, rs: ResolvedStep, extra: dict) -> None:
        self.remove([n for n in (rs.step.role, *rs.step.films) if n], extra)

    def remove(self, names: list[str], extra: dict) -> None:
        gone = self.matching(names)
        removed = self.kdb.Region()
        for b in gone:
            removed += b.region
        extra["removed"] = removed.merged()
        self.bodies = [b for b in self.bodies if b not in gone]


def _noun(name: str) -> str:
    """The noun phrase of a step name, for a legend: '12C insulating layer 100 with ...' -> 'insulating layer 100'."""
    text = re.sub(r"^\d+[A-Z]\s+", "", name)
    text = re.split(r"\s+\(|,|\s+with\s+|\s+exposing\s+", text)[0]
    return text.strip()


def _circle(sc: float, zc: float, r: float, n: int = 256):
    import klayout.db as kdb

    pts = [kdb.Point(round(sc + r * math.cos(2 * math.pi * k / n)), round(zc + r * math.sin(2 * math.pi * k / n)))
           for k in range(n)]
    return kdb.Polygon(pts)


def _plated_height(design: Design) -> float | None:
    for d in design.bump.deposits:
        if "height" in d:
            return float(d["height"])
    return None


def _cap(design: Design, rs: ResolvedStep) -> tuple[float, float, float]:
    """Sphere radius, height and wettable diameter of the reflowed solder after this reflow step (um).

    The last reflow gives the design's bump (`design.bump`); an intermediate one (002 first reflow,
    `solder_index: k`) reflows the first k deposits on the wetted area in solder-mask opening k.
    """
    fig = design.bump
    k = rs.step.solder_index
    if k is None or k >= len(fig.deposits) or "opening" not in fig.deposits[k - 1]:
        return fig.sphere_radius, fig.reflow_height, fig.ubm_diameter
    volume = sum(d["volume"] for d in fig.deposits[:k])
    base = min(fig.ubm_diameter, fig.deposits[k - 1]["opening"])
    shape = solder_model.reflow(volume, base)
    return shape.sphere_radius, shape.height, base


def simulate(design: Design, layout: kdb.Layout, cut: Cut | None = None) -> Section:
    """Run the design's steps along the cut through a layout (a klayout.db.Layout of this design's build)."""
    site = bump_site(layout)
    cell = site.die_cell if site else layout.top_cell().cell_index()
    given = cut is not None
    cut = cut or default_cut(layout, design)
    if given:
        check_cut_on_die(design, cut)
    intervals = cut_intervals(layout, cell, cut, design.pdk)
    bumps = bumps_on_cut(layout, cell, cut, design.pdk)
    if given and not bumps:
        assert design.recipe.die.size is not None, "a loaded recipe has its die size"
        w, h = design.recipe.die.size
        first = f"; the first bump is at ({site.origin[0]:g}, {site.origin[1]:g}) um" if site else ""
        raise InputError(design.file, "cut", cut.as_option(), f"the cut crosses no bump; the die spans x "
                         f"{-w / 2:g}..{w / 2:g} um, y {-h / 2:g}..{h / 2:g} um from its centre{first}")
    emu = _Emulator(design, cut, intervals, bumps)
    frames = [emu.run(rs) for rs in design.steps]
    return Section(design=design, cut=cut, intervals=intervals, bumps=bumps, frames=frames)
