"""What the RDL router takes and gives: terminals, nets, obstacles, rules, routed wires and unrouted connections."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Terminal:
    """Where a net's wire may end: a pad pin or a bump land (centre and metal outline in um, absolute)."""

    name: str
    x: float
    y: float
    shape: tuple[tuple[float, float], ...]
    keep: float = 0.0
    bump: bool = False


@dataclass(frozen=True)
class Net:
    """A net's pad terminals and bump terminals, to be joined into one tree of RDL metal."""

    name: str
    pads: tuple[Terminal, ...]
    bumps: tuple[Terminal, ...]


@dataclass(frozen=True)
class Obstacle:
    """Metal of no routed net (spare bump lands, pads of other nets) or a keep-out; others keep space + keep."""

    name: str
    shape: tuple[tuple[float, float], ...]
    keep: float = 0.0


@dataclass(frozen=True)
class Rules:
    """Line width and space (um), style 'manhattan' or '45', and the area (x1, y1, x2, y2) centre-lines stay in."""

    width: float
    space: float
    style: str
    area: tuple[float, float, float, float]


@dataclass
class Wire:
    """One routed connection: its centre-line from a terminal centre to a terminal centre or the net's metal."""

    net: str
    start: str
    end: str
    points: list[tuple[float, float]]

    @property
    def length(self) -> float:
        """Centre-line length in um."""
        return sum(math.dist(a, b) for a, b in zip(self.points, self.points[1:], strict=False))


@dataclass
class Unrouted:
    """One connection that could not be routed: its terminals, their centres and why."""

    net: str
    start: str
    end: str
    start_xy: tuple[float, float]
    end_xy: tuple[float, float]
    reason: str


@dataclass
class Result:
    """Routed wires, unrouted connections, and how many nets were given, fully routed, and rounds taken."""

    wires: list[Wire]
    unrouted: list[Unrouted]
    nets: int
    routed_nets: int
    rounds: int

    def length(self, net: str | None = None) -> float:
        """Total centre-line length in um, of one net or of all."""
        return sum(w.length for w in self.wires if net is None or w.net == net)
