"""The section's data: the cut line, the films and bodies on it (integer nanometres, s along the cut by z up from
the back of the substrate), one frame per process step, and the whole run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from maskgen.design.figures import Design, ResolvedStep

if TYPE_CHECKING:
    import klayout.db as kdb

NM = 1000
"""Section database units per micrometre (1 nm)."""

BIG = 10**9
"""Taller than any section (nm): the height of a probe line or an open-topped band."""


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
        """Length of the cut, um."""
        return math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1])

    @property
    def unit(self) -> tuple[float, float]:
        """Unit vector from start to end."""
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
        """s at the start and at the end of the cut, um."""
        return self.offset, self.offset + self.length

    def describe(self) -> str:
        """The cut's two end points for a caption."""
        return (f"cut ({self.start[0]:g}, {self.start[1]:g}) - ({self.end[0]:g}, {self.end[1]:g}) um")

    def as_option(self) -> str:
        """The cut as --cut takes it: x1,y1,x2,y2."""
        return ",".join(f"{v:g}" for v in (*self.start, *self.end))

    def axis_label(self) -> str:
        """The label of the horizontal axis: x, y or the distance from the zero point, um."""
        if self.axis in ("x", "y"):
            return f"{self.axis} along the cut (um)"
        x, y = self.zero or self.start
        return f"distance along the cut from ({x:g}, {y:g}) (um)"


@dataclass(frozen=True)
class BumpOnCut:
    """A bump the cut passes: its centre's position along the cut and its distance from the cut line (um)."""

    s: float
    offset: float


@dataclass(frozen=True)
class Slab:
    """One material along a vertical line: body key, material and its bottom and top (um)."""

    key: str
    material: str
    z0: float
    z1: float

    @property
    def thickness(self) -> float:
        """Thickness of the slab, um."""
        return self.z1 - self.z0


@dataclass(frozen=True)
class Column:
    """A stretch [s0, s1] of the section whose vertical stack (at its middle) is slabs, bottom up."""

    s0: float
    s1: float
    slabs: tuple[Slab, ...]

    @property
    def top(self) -> float:
        """Height of the column's highest material, um."""
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
    region: kdb.Region

    def copy(self) -> Body:
        """The body with a copy of its region, frozen into a frame."""
        return replace(self, region=self.region.dup())


@dataclass
class Exposure:
    """What an expose frame shows: the mask, the resist tone and where light passes (s intervals, um)."""

    mask: str
    tone: str
    clear: list[tuple[float, float]]
    latent: kdb.Region


@dataclass
class Frame:
    """The section after one process step."""

    number: int
    step: ResolvedStep
    bodies: list[Body]
    exposure: Exposure | None = None
    removed: kdb.Region | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        """The step's action: deposit, coat, expose, ..."""
        return self.step.step.action

    @property
    def stem(self) -> str:
        """File name stem: NN_<action>."""
        return f"{self.number:02d}_{self.action}"

    def body(self, key: str) -> Body | None:
        """The body of that key in this frame, if any."""
        return next((b for b in self.bodies if b.key == key), None)

    def materials(self) -> set[str]:
        """The materials in this frame."""
        return {b.material for b in self.bodies}

    def colours(self) -> set[str]:
        """The colours the bodies of this frame are drawn in."""
        return {b.colour for b in self.bodies}

    def stack_at(self, s: float) -> list[Slab]:
        """The slabs along the vertical line at s (um), bottom up."""
        import klayout.db as kdb

        probe = kdb.Edges(kdb.Edge(round(s * NM), -1, round(s * NM), BIG))
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
        for body in self.bodies:
            for poly in body.region.each():
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
        """s at the start and at the end of the cut, um."""
        return self.cut.span

