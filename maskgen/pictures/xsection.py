"""`maskgen xsection`: a process emulator along a cut line through a bump, one frame per process step.

The masks come from the built layout: klayout.db reads it and every layer is intersected with the cut line,
giving 1D intervals along the cut. The design's resolved steps (the process YAML, the spine) then run as a 2D
model in the section plane (s along the cut, z up from the back of the substrate, integer nanometres): each
film is a `klayout.db.Region` of its own.

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

Frames are written as SVG (and PNG, drawn by KLayout from the same figure) with one `index.html` that steps
through them. `simulate()` returns the model itself, so tests can assert heights in um rather than pixels.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from maskgen.design import Design, ResolvedStep, recipe_pad_offset
from maskgen.errors import InputError, check_choices
from maskgen.output import atomic, write_text
from maskgen.physics import solder as solder_model
from maskgen.pictures.render import bump_site

NM = 1000
"""Section database units per micrometre (1 nm)."""

_BIG = 10**9
FORMATS = ("svg", "png")
MAX_EXAGGERATION = 100.0

# ----------------------------------------------------------------------------- colours
_MATERIAL_COLOURS = {
    "Si": "#4a4a55", "Al": "#c8ccd8", "Cu": "#d08030", "Ti": "#6f7390", "TiW": "#646a8a", "Cr": "#8a8fa6",
    "CrCu": "#b87048", "Ta": "#676c86", "NiV": "#7f9aa8", "TiN": "#c0a040", "TaN": "#8a7a60", "Ni": "#8fa3b0",
    "Pd": "#b4b49c", "Au": "#e0b800", "SiN": "#40a040", "SiO2": "#7cc47c", "polyimide": "#e0a020",
    "BCB": "#c89640", "PBO": "#d2aa50", "epoxy": "#9cc070", "PMMA": "#b8cce0", "silicone": "#e070c0",
    "LM-polyimide": "#f0c060", "flux": "#a8d8f0",
    "SAC305": "#909098", "Sn63Pb37": "#9a9aa6", "Pb90Sn10": "#5e5e6c", "Pb95Sn5": "#62626e",
    "Sn96.5Ag3.5": "#9c9cac",
}
"""Section colours by material name; Cu orange, Si dark grey, polyimide amber, solders grey."""

_KIND_COLOURS = {"substrate": "#4a4a55", "board": "#306030", "metal": "#b0b0bc", "dielectric": "#40a040",
                 "polymer": "#e0a020", "flux": "#a8d8f0", "solder": "#909098", "resist": "#c03030"}
"""Fallback colours by material kind."""

_ROLE_LAYERS = {"sacrificial": "SAC", "elastic": "ELASTIC"}
"""Roles drawn in their layer's colour from layers.yaml (sacrificial layer 140 yellow, elastic layer 150 pink)."""

_RESIST_LAYERS = ("PR1", "PR2", "PR3", "PR4")
"""Resists take the red-ish PR1..PR4 colours of layers.yaml in the order they are coated."""

SOLDER_COLOUR = _KIND_COLOURS["solder"]
LIGHT = "#8040c0"
CHROME = "#303030"
GLASS = "#cfe3ef"
INK = "#202020"
GREY_INK = "#606060"


def _blend(colour: str, other: str = "#ffffff", amount: float = 0.45) -> str:
    """Mix colour towards other by amount (0: colour, 1: other)."""
    a = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02x}" for x, y in zip(a, b, strict=True))


def _shade(colour: str, n: int) -> str:
    """The n-th film of one colour: the colour, then lighter, darker, lighter still (polyimide 100 / 170)."""
    return [colour, _blend(colour, "#ffffff", 0.4), _blend(colour, "#000000", 0.25),
            _blend(colour, "#ffffff", 0.65)][n % 4]


# ----------------------------------------------------------------------------- the cut
@dataclass(frozen=True)
class Cut:
    """A straight cut line in die-cell coordinates (um); s runs along it.

    A horizontal cut is measured in x, a vertical one in y, any other as the distance from its start.
    """

    start: tuple[float, float]
    end: tuple[float, float]
    zero: tuple[float, float] | None = None

    @classmethod
    def of(cls, start: tuple[float, float], end: tuple[float, float], zero: tuple[float, float] | None = None) -> Cut:
        """A cut with its points ordered so that s grows to the right (x, or y for a vertical cut).

        zero: the point measured as s = 0 on an oblique cut (default: its start).
        """
        (x1, y1), (x2, y2) = start, end
        if (abs(y2 - y1) < 1e-9 and x2 < x1) or (abs(x2 - x1) < 1e-9 and y2 < y1):
            start, end = end, start
        return cls((float(start[0]), float(start[1])), (float(end[0]), float(end[1])), zero)

    @property
    def length(self) -> float:
        return math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1])

    @property
    def unit(self) -> tuple[float, float]:
        return ((self.end[0] - self.start[0]) / self.length, (self.end[1] - self.start[1]) / self.length)

    @property
    def axis(self) -> str:
        """x for a horizontal cut, y for a vertical one, s otherwise."""
        if abs(self.end[1] - self.start[1]) < 1e-9:
            return "x"
        if abs(self.end[0] - self.start[0]) < 1e-9:
            return "y"
        return "s"

    @property
    def offset(self) -> float:
        """s of the start point."""
        if self.axis in ("x", "y"):
            return self.start[0] if self.axis == "x" else self.start[1]
        if self.zero is None:
            return 0.0
        ux, uy = self.unit
        return -((self.zero[0] - self.start[0]) * ux + (self.zero[1] - self.start[1]) * uy)

    def s(self, x: float, y: float) -> float:
        """Position along the cut of a point's projection, um."""
        ux, uy = self.unit
        return self.offset + (x - self.start[0]) * ux + (y - self.start[1]) * uy

    def distance(self, x: float, y: float) -> float:
        """Distance of a point from the cut line, um."""
        ux, uy = self.unit
        return abs(-(x - self.start[0]) * uy + (y - self.start[1]) * ux)

    @property
    def span(self) -> tuple[float, float]:
        return self.offset, self.offset + self.length

    def describe(self) -> str:
        return (f"cut ({self.start[0]:g}, {self.start[1]:g}) - ({self.end[0]:g}, {self.end[1]:g}) um")

    def as_option(self) -> str:
        """The cut as --cut takes it: x1,y1,x2,y2."""
        return ",".join(f"{v:g}" for v in (*self.start, *self.end))

    def axis_label(self) -> str:
        if self.axis in ("x", "y"):
            return f"{self.axis} along the cut (um)"
        x, y = self.zero or self.start
        return f"distance along the cut from ({x:g}, {y:g}) (um)"


@dataclass(frozen=True)
class BumpOnCut:
    """A bump the cut passes: its centre's position along the cut and its distance from the cut line (um)."""

    s: float
    offset: float


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Slab:
    """One material along a vertical line: body key, material and its bottom and top (um)."""

    key: str
    material: str
    z0: float
    z1: float

    @property
    def thickness(self) -> float:
        return self.z1 - self.z0


@dataclass(frozen=True)
class Column:
    """A stretch [s0, s1] of the section whose vertical stack (at its middle) is slabs, bottom up."""

    s0: float
    s1: float
    slabs: tuple[Slab, ...]

    @property
    def top(self) -> float:
        return max((sl.z1 for sl in self.slabs), default=0.0)


@dataclass
class Body:
    """One film or body of the section: what it is, how it is drawn, and its region (nm, s by z)."""

    key: str
    role: str | None
    layer: str | None
    material: str
    kind: str
    label: str
    colour: str
    region: object

    def copy(self) -> Body:
        return replace(self, region=self.region.dup())


@dataclass
class Exposure:
    """What an expose frame shows: the mask, the resist tone and where light passes (s intervals, um)."""

    mask: str
    tone: str
    clear: list[tuple[float, float]]
    latent: object


@dataclass
class Frame:
    """The section after one process step."""

    number: int
    step: ResolvedStep
    bodies: list[Body]
    exposure: Exposure | None = None
    removed: object = None
    notes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return self.step.step.action

    @property
    def stem(self) -> str:
        """File name stem: NN_<action>."""
        return f"{self.number:02d}_{self.action}"

    def body(self, key: str) -> Body | None:
        return next((b for b in self.bodies if b.key == key), None)

    def materials(self) -> set[str]:
        return {b.material for b in self.bodies}

    def colours(self) -> set[str]:
        return {b.colour for b in self.bodies}

    def stack_at(self, s: float) -> list[Slab]:
        """The slabs along the vertical line at s (um), bottom up."""
        import klayout.db as kdb

        probe = kdb.Edges(kdb.Edge(round(s * NM), -1, round(s * NM), _BIG))
        slabs = []
        for b in self.bodies:
            for e in (probe & b.region).each():
                z0, z1 = sorted((e.p1.y, e.p2.y))
                if z1 > z0:
                    slabs.append(Slab(b.key, b.material, z0 / NM, z1 / NM))
        return sorted(slabs, key=lambda sl: (sl.z0, sl.z1))

    def top_at(self, s: float) -> float:
        """Height of the highest material at s, um."""
        return max((sl.z1 for sl in self.stack_at(s)), default=0.0)

    def top(self) -> float:
        """Highest point of the section, um."""
        return max((b.region.bbox().top / NM for b in self.bodies if not b.region.is_empty()), default=0.0)

    def columns(self) -> list[Column]:
        """The section as columns: stretches of one stack between the bodies' vertex positions, bottom up."""
        xs: set[int] = set()
        for b in self.bodies:
            for poly in b.region.each():
                xs.update(p.x for p in poly.each_point_hull())
                for h in range(poly.holes()):
                    xs.update(p.x for p in poly.each_point_hole(h))
        edges = sorted(xs)
        out: list[Column] = []
        for a, b in zip(edges, edges[1:], strict=False):
            slabs = tuple(self.stack_at((a + b) / 2 / NM))
            if out and out[-1].slabs == slabs:
                out[-1] = Column(out[-1].s0, b / NM, slabs)
            else:
                out.append(Column(a / NM, b / NM, slabs))
        return out


@dataclass
class Section:
    """A cross-section run: the design, the cut, the mask intervals along it, the bumps it passes, the frames."""

    design: Design
    cut: Cut
    intervals: dict[str, list[tuple[float, float]]]
    bumps: list[BumpOnCut]
    frames: list[Frame]

    @property
    def span(self) -> tuple[float, float]:
        return self.cut.span


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
            r.insert(self.kdb.Box(round(a * NM), -_BIG, round(b * NM), _BIG))
        return r.merged()

    def solid(self, skip: tuple[str, ...] = ()):
        r = self.kdb.Region()
        for b in self.bodies:
            if b.kind not in skip:
                r += b.region
        return r.merged()

    def top_at(self, s_nm: int, skip: tuple[str, ...] = (), solid=None) -> int:
        """Height (nm) of the highest material at s_nm, ignoring the body kinds in skip."""
        probe = self.kdb.Edges(self.kdb.Edge(s_nm, -1, s_nm, _BIG))
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
        if role in _ROLE_LAYERS and _ROLE_LAYERS[role] in self.pdk.layers:
            return self.pdk.layers[_ROLE_LAYERS[role]].colour
        if kind == "resist":
            layer = _RESIST_LAYERS[min(self.resists, len(_RESIST_LAYERS) - 1)]
            return self.pdk.layers[layer].colour if layer in self.pdk.layers else _KIND_COLOURS["resist"]
        if kind == "paste":
            return _blend(_MATERIAL_COLOURS.get(material, SOLDER_COLOUR))
        return _MATERIAL_COLOURS.get(material, _KIND_COLOURS.get(kind, "#a0a0a0"))

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
        film = (s.sized(t) - s) & self.box(0, _BIG)
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
        drawn = _merge(self.intervals.get(rs.step.mask or "", []))
        lo, hi = self.lo / NM, self.hi / NM
        clear = drawn if tone == "positive" else _complement(drawn, lo, hi)
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
            round((a + b) / 2 * NM) for a, b in _merge(self.openings())[:1]]
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
            caps += self.kdb.Region(_circle(sc, zc, rc)) & self.box(zb, _BIG)
        materials = list(dict.fromkeys(b.material for b in solders))
        self.bodies = [b for b in self.bodies if b.kind not in ("solder", "paste")]
        caps = caps - self.solid(skip=("flux",))
        for b in self.bodies:
            if b.kind == "flux":
                b.region = (b.region - caps).merged()
        material = "+".join(materials)
        body = self.add(rs, caps, key="solder", kind="solder", material=material, label=f"{material} reflowed bump")
        if len(materials) > 1:
            body.colour = SOLDER_COLOUR
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


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _complement(intervals: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    out, x = [], lo
    for a, b in _merge(intervals):
        if a > x:
            out.append((x, min(a, hi)))
        x = max(x, b)
    if x < hi:
        out.append((x, hi))
    return out


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


# ----------------------------------------------------------------------------- reading the layout
def cut_intervals(layout, cell_index: int, cut: Cut, pdk) -> dict[str, list[tuple[float, float]]]:
    """Each PDK layer's shapes (all hierarchy levels) intersected with the cut: merged s intervals in um."""
    import klayout.db as kdb

    dbu = layout.dbu
    edge = kdb.Edge(round(cut.start[0] / dbu), round(cut.start[1] / dbu), round(cut.end[0] / dbu),
                    round(cut.end[1] / dbu))
    probe = kdb.Edges(edge)
    box = edge.bbox().enlarged(1, 1)
    cell = layout.cell(cell_index)
    out: dict[str, list[tuple[float, float]]] = {}
    for name, spec in pdk.layers.items():
        li = layout.find_layer(spec.layer, spec.datatype)
        if li is None:
            continue
        region = kdb.Region(cell.begin_shapes_rec_touching(li, box)).merged()
        spans = []
        for e in (probe & region).each():
            a = cut.s(e.p1.x * dbu, e.p1.y * dbu)
            b = cut.s(e.p2.x * dbu, e.p2.y * dbu)
            spans.append((min(a, b), max(a, b)))
        if spans:
            out[name] = _merge(spans)
    return out


def bumps_on_cut(layout, cell_index: int, cut: Cut, pdk) -> list[BumpOnCut]:
    """Bumps whose footprint (BUMP, else UBM) the cut crosses: centre along the cut and distance from it."""
    import klayout.db as kdb

    dbu = layout.dbu
    edge = kdb.Edge(round(cut.start[0] / dbu), round(cut.start[1] / dbu), round(cut.end[0] / dbu),
                    round(cut.end[1] / dbu))
    cell = layout.cell(cell_index)
    for name in ("BUMP", "UBM"):
        if name not in pdk.layers:
            continue
        li = layout.find_layer(*pdk.gds(name))
        if li is None:
            continue
        region = kdb.Region(cell.begin_shapes_rec_touching(li, edge.bbox().enlarged(1, 1))).merged()
        found = []
        for poly in region.interacting(kdb.Edges(edge)).each():
            c = poly.bbox().center()
            x, y = c.x * dbu, c.y * dbu
            found.append(BumpOnCut(s=cut.s(x, y), offset=cut.distance(x, y)))
        if found:
            return sorted(found, key=lambda b: b.s)
    return []


def default_cut(layout, design: Design) -> Cut:
    """Through the first bump of the die: along x, or, when the pad sits away from the bump (an RDL design,
    002 with RDL and 004), along the line from the pad through the bump, so that the section shows pad 91,
    metal line 110 and bump 120 as the patents' step figures do.

    The cut spans the bump cell's extent along it with a 10 % margin, and at least +-0.6 x the bump pitch.
    """
    site = bump_site(layout)
    if site is None:
        raise InputError(design.file, "cut", None, "the layout has no bump array to cut through; give a cut")
    x0, y0 = site.origin
    px, py = recipe_pad_offset(design.recipe)
    length = math.hypot(px, py)
    ux, uy = (-px / length, -py / length) if length > 1e-9 else (1.0, 0.0)
    box = layout.cell(site.bump_cell).dbbox()
    along = [x * ux + y * uy for x in (box.left, box.right) for y in (box.bottom, box.top)]
    lo, hi = min(along), max(along)
    margin = 0.1 * max(abs(lo), abs(hi))
    pitch = site.pitch or design.bump.min_pitch or 0.0
    lo, hi = min(lo - margin, -0.6 * pitch), max(hi + margin, 0.6 * pitch)
    return Cut.of((x0 + lo * ux, y0 + lo * uy), (x0 + hi * ux, y0 + hi * uy), zero=(x0, y0))


def check_cut(cut, file: Path) -> Cut:
    """A cut given as ((x1, y1), (x2, y2)) or (x1, y1, x2, y2), um; an InputError if it is not one."""
    try:
        if len(cut) == 4:
            cut = ((cut[0], cut[1]), (cut[2], cut[3]))
        (x1, y1), (x2, y2) = cut
        pts = [float(v) for v in (x1, y1, x2, y2)]
    except (TypeError, ValueError):
        raise InputError(file, "cut", cut, "two points ((x1, y1), (x2, y2)) or x1, y1, x2, y2 in um") from None
    if not all(math.isfinite(v) for v in pts):
        raise InputError(file, "cut", cut, "coordinates must be finite numbers (um)")
    if math.hypot(pts[2] - pts[0], pts[3] - pts[1]) < 1.0:
        raise InputError(file, "cut", cut, "the two points must be at least 1 um apart")
    return Cut.of((pts[0], pts[1]), (pts[2], pts[3]))


def check_cut_on_die(design: Design, cut: Cut) -> None:
    """A given cut stays within one die size of the die centre (beyond it there is nothing to section), before
    any layout is read."""
    w, h = design.recipe.die.size
    for x, y in (cut.start, cut.end):
        if abs(x) > w or abs(y) > h:
            raise InputError(design.file, "cut", cut.as_option(),
                             f"the point ({x:g}, {y:g}) um lies far off the die: the die spans x {-w / 2:g}.."
                             f"{w / 2:g} um, y {-h / 2:g}..{h / 2:g} um from its centre (a cut may reach at most "
                             f"one die size, {w:g} x {h:g} um, from it)")


def simulate(design: Design, layout, cut: Cut | None = None) -> Section:
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
        w, h = design.recipe.die.size
        first = f"; the first bump is at ({site.origin[0]:g}, {site.origin[1]:g}) um" if site else ""
        raise InputError(design.file, "cut", cut.as_option(), f"the cut crosses no bump; the die spans x "
                         f"{-w / 2:g}..{w / 2:g} um, y {-h / 2:g}..{h / 2:g} um from its centre{first}")
    emu = _Emulator(design, cut, intervals, bumps)
    frames = [emu.run(rs) for rs in design.steps]
    return Section(design=design, cut=cut, intervals=intervals, bumps=bumps, frames=frames)


# ----------------------------------------------------------------------------- figures
@dataclass
class _Shape:
    hull: list[tuple[float, float]]
    holes: list[list[tuple[float, float]]]
    fill: str
    hatch: bool = False


@dataclass
class _Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 1.0


@dataclass
class _Text:
    x: float
    y: float
    text: str
    size: float = 12.0
    anchor: str = "start"
    colour: str = INK
    bold: bool = False


@dataclass
class Figure:
    """A frame as drawing primitives in pixels (y down), written as SVG or drawn to PNG by KLayout."""

    width: int
    height: int
    title: str
    items: list = field(default_factory=list)

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: str, hatch: bool = False) -> None:
        self.items.append(_Shape([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], [], fill, hatch))

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = INK, width: float = 1.0) -> None:
        self.items.append(_Line(x1, y1, x2, y2, colour, width))

    def text(self, x: float, y: float, text: str, size: float = 12.0, anchor: str = "start", colour: str = INK,
             bold: bool = False) -> None:
        self.items.append(_Text(x, y, text, size, anchor, colour, bold))


def svg_text(fig: Figure, ids: str = "f") -> str:
    """The figure as a standalone SVG document; pattern ids are prefixed so several can be inlined in one page."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{fig.width}" height="{fig.height}" '
           f'viewBox="0 0 {fig.width} {fig.height}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{html.escape(fig.title)}</title>"]
    hatches = sorted({s.fill for s in fig.items if isinstance(s, _Shape) and s.hatch})
    if hatches:
        out.append("<defs>")
        for c in hatches:
            out.append(f'<pattern id="{ids}-hatch-{c[1:]}" patternUnits="userSpaceOnUse" width="6" height="6" '
                       f'patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
                       f'<line x1="0" y1="0" x2="0" y2="6" stroke="{c}" stroke-width="2.5"/></pattern>')
        out.append("</defs>")
    out.append(f'<rect width="{fig.width}" height="{fig.height}" fill="#ffffff"/>')
    for item in fig.items:
        if isinstance(item, _Shape):
            d = "".join(_path(ring) for ring in [item.hull, *item.holes])
            fill = f"url(#{ids}-hatch-{item.fill[1:]})" if item.hatch else item.fill
            out.append(f'<path d="{d}" fill="{fill}" fill-rule="evenodd"/>')
        elif isinstance(item, _Line):
            out.append(f'<line x1="{item.x1:.2f}" y1="{item.y1:.2f}" x2="{item.x2:.2f}" y2="{item.y2:.2f}" '
                       f'stroke="{item.colour}" stroke-width="{item.width:g}"/>')
        else:
            weight = ' font-weight="bold"' if item.bold else ""
            out.append(f'<text x="{item.x:.1f}" y="{item.y:.1f}" font-size="{item.size:g}" '
                       f'text-anchor="{ {"start": "start", "middle": "middle", "end": "end"}[item.anchor]}" '
                       f'fill="{item.colour}"{weight}>{html.escape(item.text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _path(ring: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in ring) + " Z"


def write_png(fig: Figure, path: Path) -> Path:
    """Draw the figure with KLayout's renderer (shapes on one layer per colour, text as glyph polygons)."""
    import klayout.db as kdb
    import klayout.lay as lay

    ly = kdb.Layout()
    ly.dbu = 0.001
    top = ly.create_cell("frame")
    layers: dict[tuple[int, str, bool], int] = {}

    def layer(colour: str, hatch: bool = False, tier: int = 0) -> int:
        """One layer per (tier, colour, fill): tier 0 shapes, 1 lines, 2 text, drawn in that order."""
        key = (tier, colour, hatch)
        if key not in layers:
            layers[key] = ly.layer(len(layers) + 1, 0)
        return layers[key]

    h = fig.height
    gen = kdb.TextGenerator.default_generator()
    for item in fig.items:
        if isinstance(item, _Shape):
            poly = kdb.DPolygon([kdb.DPoint(x, h - y) for x, y in item.hull])
            for hole in item.holes:
                poly.insert_hole([kdb.DPoint(x, h - y) for x, y in hole])
            top.shapes(layer(item.fill, item.hatch)).insert(poly)
        elif isinstance(item, _Line):
            stroke = kdb.DPath([kdb.DPoint(item.x1, h - item.y1), kdb.DPoint(item.x2, h - item.y2)], item.width)
            top.shapes(layer(item.colour, tier=1)).insert(stroke)
        else:
            mag = item.size * (0.95 if item.bold else 0.85)
            glyphs = gen.text(item.text, ly.dbu, mag)
            if item.bold:
                glyphs = glyphs.sized(round(0.03 * mag / ly.dbu))
            width = glyphs.bbox().width() * ly.dbu
            dx = {"start": 0.0, "middle": -width / 2, "end": -width}[item.anchor]
            shift = kdb.ICplxTrans(1.0, 0, False, round((item.x + dx) / ly.dbu), round((h - item.y) / ly.dbu))
            top.shapes(layer(item.colour, tier=2)).insert(glyphs.transformed(shift))
    view = lay.LayoutView()
    view.set_config("background-color", "#ffffff")
    view.set_config("grid-visible", "false")
    view.set_config("inst-visible", "false")
    view.show_layout(ly, True)
    view.clear_layers()
    for (_, colour, hatch), li in sorted(layers.items(), key=lambda kv: (kv[0][0], kv[1])):
        props = lay.LayerPropertiesNode()
        info = ly.get_info(li)
        props.source = f"{info.layer}/{info.datatype}@1"
        props.fill_color = int(colour[1:], 16)
        props.frame_color = int(colour[1:], 16)
        props.dither_pattern = 5 if hatch else 0
        props.width = 0 if not hatch else 1
        view.insert_layer(view.end_layers(), props)
    view.max_hier()
    box = kdb.DBox(0, 0, fig.width, fig.height)
    return atomic(path, lambda tmp: view.save_image_with_options(str(tmp), fig.width, fig.height, 0, 2, 0, box,
                                                                 False))


# ----------------------------------------------------------------------------- drawing frames
@dataclass(frozen=True)
class _Layout:
    """Pixel placement shared by all frames of one run (so stepping through them does not jump)."""

    width: int
    height: int
    left: float
    plot_top: float
    scale: float
    exaggeration: float
    s0: float
    s1: float
    z1: float

    def x(self, s_um: float) -> float:
        return self.left + (s_um - self.s0) * self.scale

    def y(self, z_um: float) -> float:
        return self.plot_top + (self.z1 - z_um) * self.scale * self.exaggeration

    @property
    def plot_bottom(self) -> float:
        return self.y(0.0)


_W = 1100
_LEFT, _RIGHT, _TOP, _BOTTOM, _MASK_BAND = 72, 310, 58, 58, 62
_MAX_PLOT_HEIGHT = 640


def _placement(sec: Section, exaggeration: float) -> _Layout:
    s0, s1 = sec.span
    z1 = max(f.top() for f in sec.frames) * 1.04 or 1.0
    scale = (_W - _LEFT - _RIGHT) / (s1 - s0)
    if z1 * scale * exaggeration > _MAX_PLOT_HEIGHT:
        scale = _MAX_PLOT_HEIGHT / (z1 * exaggeration)
    legend = 22 + 18 * (max(len(f.bodies) for f in sec.frames) + 3)
    plot_h = z1 * scale * exaggeration
    height = round(max(_TOP + _MASK_BAND + plot_h + _BOTTOM, _TOP + _MASK_BAND + legend))
    return _Layout(_W, height, _LEFT, _TOP + _MASK_BAND, scale, exaggeration, s0, s1, z1)


def _nice_step(span: float, ticks: int = 6) -> float:
    raw = span / ticks
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= raw:
            return m * 10**exp
    return 10 ** (exp + 1)


def _exaggeration_text(e: float) -> str:
    if abs(e - 1.0) < 1e-9:
        return "true scale: vertical exaggeration 1x"
    return f"vertical exaggeration {e:g}x (z drawn {e:g} times taller than x)"


def draw_frame(sec: Section, frame: Frame, place: _Layout) -> Figure:
    """One frame: title, mask and light (expose), the section's bodies, axes, legend."""
    d = sec.design
    total = len(sec.frames)
    step = frame.step
    fig = Figure(place.width, place.height, f"{frame.number:02d}/{total:02d} {step.step.action}: {step.step.name}")
    fig.text(16, 24, f"{frame.number:02d}/{total:02d}  {step.step.action}: {step.step.name}", 17, bold=True)
    facts = []
    if step.material:
        facts.append(step.material)
    if step.thickness and step.step.action not in ("drop", "reflow"):
        facts.append(f"{step.thickness:g} um")
    if step.step.mask:
        keep = {"drawn": "kept where drawn", "field": "opened where drawn"}.get(step.step.keep or "", "")
        facts.append(f"mask {step.step.mask}" + (f" ({keep})" if keep else ""))
    if step.step.films:
        present = [f for f in step.step.films if f in sec.intervals or any(
            f in (b.key, b.role, b.layer) for fr in sec.frames[:frame.number] for b in fr.bodies)]
        facts.append("films " + ", ".join(present or step.step.films))
    facts += frame.notes
    sub = f"{d.recipe.name}: {d.process.title} (seed {d.process.seed})"
    fig.text(16, 44, "; ".join([*facts, sub]), 12, colour=GREY_INK)
    plot_left, plot_right = place.x(place.s0), place.x(place.s1)
    # bodies
    for body in frame.bodies:
        for shape in _shapes(body.region, place, body.colour):
            fig.items.append(shape)
    if frame.exposure is not None:
        _draw_exposure(fig, frame, place)
    if frame.removed is not None and not frame.removed.is_empty():
        _draw_removed(fig, frame, place, sec.bumps)
    # axes
    base = place.plot_bottom
    fig.line(plot_left, base + 4, plot_right, base + 4, INK)
    step_s = _nice_step(place.s1 - place.s0)
    s = math.ceil(place.s0 / step_s) * step_s
    while s <= place.s1 + 1e-9:
        x = place.x(s)
        fig.line(x, base + 4, x, base + 9, INK)
        fig.text(x, base + 22, f"{s:g}", 11, anchor="middle")
        s += step_s
    fig.text((plot_left + plot_right) / 2, base + 40, sec.cut.axis_label() + "   " + sec.cut.describe(), 11,
             anchor="middle", colour=GREY_INK)
    fig.line(plot_left - 6, place.y(place.z1), plot_left - 6, base, INK)
    step_z = _nice_step(place.z1, 5)
    z = 0.0
    while z <= place.z1 + 1e-9:
        y = place.y(z)
        fig.line(plot_left - 11, y, plot_left - 6, y, INK)
        fig.text(plot_left - 14, y + 4, f"{z:g}", 11, anchor="end")
        z += step_z
    fig.text(16, place.plot_top - 8, "z (um)", 11, colour=GREY_INK)
    fig.text(plot_left, base + 54, _exaggeration_text(place.exaggeration), 11, colour=GREY_INK)
    _legend(fig, frame, place)
    return fig


def _shapes(region, place: _Layout, colour: str, hatch: bool = False) -> list[_Shape]:
    out = []
    for poly in region.merged().each():
        hull = [(place.x(p.x / NM), place.y(p.y / NM)) for p in poly.each_point_hull()]
        holes = [[(place.x(p.x / NM), place.y(p.y / NM)) for p in poly.each_point_hole(i)]
                 for i in range(poly.holes())]
        out.append(_Shape(hull, holes, colour, hatch))
    return out


def _draw_exposure(fig: Figure, frame: Frame, place: _Layout) -> None:
    ex = frame.exposure
    y_glass0, y_glass1 = place.plot_top - 40, place.plot_top - 30
    x0, x1 = place.x(place.s0), place.x(place.s1)
    fig.rect(x0, y_glass0, x1, y_glass1, GLASS)
    for a, b in _complement(ex.clear, place.s0, place.s1):
        fig.rect(place.x(a), y_glass0, place.x(b), y_glass1, CHROME)
    fig.text(x0, y_glass0 - 6, f"mask {ex.mask} ({ex.tone} resist: light passes "
             f"{'the drawn openings' if ex.tone == 'positive' else 'outside the drawn openings'})", 11,
             colour=LIGHT)
    for a, b in ex.clear:
        xa, xb = place.x(a), place.x(b)
        n = max(1, int((xb - xa) // 14))
        for k in range(n + 1):
            x = xa + (xb - xa) * (k + 0.5) / (n + 1) if n else (xa + xb) / 2
            s_um = place.s0 + (x - place.left) / place.scale
            fig.line(x, y_glass1, x, place.y(frame.top_at(s_um)), LIGHT, 1.2)
    for shape in _shapes(ex.latent, place, INK, hatch=True):
        fig.items.append(shape)


def _draw_removed(fig: Figure, frame: Frame, place: _Layout, bumps: list[BumpOnCut]) -> None:
    """Release: point at the air gap left where sacrificial layer 140 was, from above the stack."""
    if frame.action != "release":
        return
    widest = max(frame.removed.each(), key=lambda p: p.bbox().width())
    box = widest.bbox()
    s_um = (box.left + 0.12 * box.width()) / NM
    x = place.x(s_um)
    y_gap = place.y((box.bottom + box.top) / 2 / NM)
    y_text = place.y(frame.top_at(s_um)) - 22
    fig.line(x, y_gap, x, y_text + 4, INK, 0.8)
    bump = bumps[0].s if bumps else place.s1
    room_left = bump > s_um if abs(bump - s_um) > 1e-9 else x - place.x(place.s0) > place.x(place.s1) - x
    fig.text(x + (-4 if room_left else 4), y_text, "air gap: suspended portion 102 released", 11,
             anchor="end" if room_left else "start")


def _legend(fig: Figure, frame: Frame, place: _Layout) -> None:
    x = place.width - _RIGHT + 24
    y = place.plot_top
    fig.text(x, y - 8, "materials", 12, bold=True)
    seen = set()
    for body in reversed(frame.bodies):
        if (body.label, body.colour) in seen:
            continue
        seen.add((body.label, body.colour))
        fig.rect(x, y, x + 14, y + 12, body.colour)
        fig.text(x + 20, y + 11, body.label, 11)
        y += 18
    if frame.exposure is not None:
        fig.rect(x, y, x + 14, y + 12, INK, hatch=True)
        fig.text(x + 20, y + 11, "resist that dissolves at develop", 11)
        y += 18
        fig.rect(x, y, x + 14, y + 12, CHROME)
        fig.text(x + 20, y + 11, "mask chrome", 11)
        y += 18
        fig.line(x + 7, y, x + 7, y + 12, LIGHT, 1.5)
        fig.text(x + 20, y + 11, "exposure light", 11)


# ----------------------------------------------------------------------------- the command
def _index_html(sec: Section, svgs: list[str], exaggeration: float) -> str:
    d = sec.design
    title = f"{d.recipe.name}: cross-section, {d.process.title}"
    items = []
    for f, svg in zip(sec.frames, svgs, strict=True):
        body = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
        items.append(f'<section class="frame" id="f{f.number}" data-title="{html.escape(f.stem)}">{body}</section>')
    links = "".join(f'<li><a href="#f{f.number}" data-i="{i}">{f.number:02d} {html.escape(f.action)}: '
                    f"{html.escape(f.step.step.name)}</a></li>" for i, f in enumerate(sec.frames))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 16px; color: #202020; }}
nav {{ margin: 8px 0; }} button {{ font-size: 15px; padding: 4px 14px; }}
.frame {{ display: none; }} .frame.on {{ display: block; }} .frame svg {{ max-width: 100%; height: auto; }}
ol {{ columns: 2; font-size: 13px; }} a.on {{ font-weight: bold; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(sec.cut.describe())}; {html.escape(_exaggeration_text(exaggeration))}; {len(sec.frames)} frames,
one per process step. Keys: left / right arrows.</p>
<nav><button id="prev">&larr; prev</button> <span id="count"></span> <button id="next">next &rarr;</button></nav>
{"".join(items)}
<ol id="steps">{links}</ol>
<script>
const frames = [...document.querySelectorAll('.frame')];
const links = [...document.querySelectorAll('#steps a')];
let i = 0;
function show(k) {{
  i = (k + frames.length) % frames.length;
  frames.forEach((f, j) => f.classList.toggle('on', j === i));
  links.forEach((a, j) => a.classList.toggle('on', j === i));
  document.getElementById('count').textContent = (i + 1) + ' / ' + frames.length;
}}
document.getElementById('prev').onclick = () => show(i - 1);
document.getElementById('next').onclick = () => show(i + 1);
links.forEach(a => a.onclick = e => {{ e.preventDefault(); show(+a.dataset.i); }});
document.addEventListener('keydown', e => {{
  if (e.key === 'ArrowLeft') show(i - 1);
  if (e.key === 'ArrowRight') show(i + 1);
}});
show(0);
</script>
</body></html>
"""


def check_options(fmt: tuple[str, ...] | list[str], exaggeration: float) -> tuple[str, ...]:
    """The picture formats asked for (each once), after checking them and the vertical exaggeration."""
    formats = tuple(dict.fromkeys(fmt))
    check_choices(formats, FORMATS, "fmt")
    if not formats:
        raise InputError(None, "fmt", list(fmt), f"allowed: {', '.join(FORMATS)}")
    if not isinstance(exaggeration, (int, float)) or not 0 < exaggeration <= MAX_EXAGGERATION:
        raise InputError(None, "exaggeration", exaggeration, f"a vertical scale factor > 0 and <= "
                         f"{MAX_EXAGGERATION:g}")
    return formats


def write_frames(sec: Section, out: Path, exaggeration: float, formats: tuple[str, ...]) -> list[Path]:
    """The frames of a section as `<out>/<name>/xsection/NN_<action>.svg` (and .png), then index.html."""
    place = _placement(sec, float(exaggeration))
    folder = Path(out) / sec.design.recipe.name / "xsection"
    written: list[Path] = []
    svgs: list[str] = []
    for frame in sec.frames:
        fig = draw_frame(sec, frame, place)
        svg = svg_text(fig, ids=f"f{frame.number}")
        svgs.append(svg)
        if "svg" in formats:
            written.append(write_text(folder / f"{frame.stem}.svg", svg))
        if "png" in formats:
            written.append(write_png(fig, folder / f"{frame.stem}.png"))
    written.append(write_text(folder / "index.html", _index_html(sec, svgs, place.exaggeration)))
    return written
