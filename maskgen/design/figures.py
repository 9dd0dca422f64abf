"""The design's figures as data: each process step resolved, each bump type's figures (stair, mechanics,
reliability) and the Design itself, what the families compute and the cells, manifest, masks and pictures read.

Kept apart from the code that computes them (maskgen.design.derive, .families, .reliability) so that a family can
name the Design it draws from without importing the derivation that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen.design.fanout import RdlFigures
from maskgen.design.physics import fatigue, suspension
from maskgen.input.pdk import Pdk, Process, Step
from maskgen.input.recipe import Recipe


@dataclass(frozen=True)
class ResolvedStep:
    """A process step with the recipe's material and thickness filled in."""

    index: int
    step: Step
    material: str | None
    thickness: float | None


@dataclass(frozen=True)
class StairFigures:
    """000: the one EXPOSE mask opening, its dose and each resist's opening, bias and stair step (um)."""

    mask_opening: float
    dose: float
    openings: list[float]
    biases: list[float]
    steps: list[float]
    resists: list[str]

    def as_dict(self) -> dict[str, Any]:
        """The manifest's `stair` figures, in its key order."""
        return {"mask_opening": self.mask_opening, "dose": self.dose, "openings": self.openings,
                "biases": self.biases, "steps": self.steps, "resists": self.resists}


@dataclass(frozen=True)
class ArmFigures:
    """004: one arm across suspended portion 102 (metal line 110 or support beam 111) and its stiffness (N/m)."""

    kind: str
    width: float
    length: float
    stiffness: float


@dataclass(frozen=True)
class MechanicsFigures:
    """004: how stiffly the arms hold suspended portion 102, and the board/chip mismatch that moves the bump."""

    released: bool
    board: str
    cte_board: float
    cte_chip: float | None
    delta_t: float
    stiffness: float | None
    arms: list[ArmFigures] | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The manifest's `mechanics` figures, in its key order (arms before stiffness; a note when not released)."""
        out: dict[str, Any] = {"released": self.released, "board": self.board, "cte_board": self.cte_board,
                               "cte_chip": self.cte_chip, "delta_t": self.delta_t}
        if self.arms is not None:
            out["arms"] = [{"kind": a.kind, "width": a.width, "length": a.length, "stiffness": a.stiffness}
                           for a in self.arms]
        out["stiffness"] = self.stiffness
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass
class BumpFigures:
    """Per-bump-type figures: deposited solder, reflowed shape, openings and margins (um, um^3)."""

    name: str
    count: int = 0
    solder_volume: float = 0.0
    deposits: list[dict[str, Any]] = field(default_factory=list)
    footprint_diameter: float = 0.0
    ubm_diameter: float = 0.0
    reflow_height: float = 0.0
    reflow_width: float = 0.0
    sphere_radius: float = 0.0
    min_pitch: float = 0.0
    bridging_margin: float = 0.0
    stair: StairFigures | None = None
    support_beams: int = 0
    mechanics: MechanicsFigures | None = None
    notes: list[str] = field(default_factory=list)
    reliability: ReliabilityFigures | None = None
    """Thermal-cycling fatigue figures when the recipe has a `reliability:` block (maskgen.design.reliability)."""

    def as_dict(self) -> dict[str, Any]:
        """The manifest's per-bump-type figures, in its key order."""
        return {"name": self.name, "count": self.count, "solder_volume": self.solder_volume,
                "deposits": [dict(d) for d in self.deposits], "footprint_diameter": self.footprint_diameter,
                "ubm_diameter": self.ubm_diameter, "reflow_height": self.reflow_height,
                "reflow_width": self.reflow_width, "sphere_radius": self.sphere_radius, "min_pitch": self.min_pitch,
                "bridging_margin": self.bridging_margin,
                "stair": self.stair.as_dict() if self.stair is not None else None,
                "support_beams": self.support_beams,
                "mechanics": self.mechanics.as_dict() if self.mechanics is not None else None,
                "notes": list(self.notes),
                **({"reliability": self.reliability.as_dict()} if self.reliability is not None else {})}


@dataclass(frozen=True)
class LineMetal:
    """The metal of line 110 and beams 111 and its universal-slopes constants."""

    material: str
    e_gpa: float
    ultimate_strength: float
    ductility: float
    source: str


@dataclass(frozen=True)
class SuspensionFigures:
    """A released 004 bump: its arms, the plate-and-joint response and the line metal's fatigue data."""

    arms: list[suspension.ArmBeam]
    response: suspension.Response
    line: LineMetal | None

    def lateral_stiffness(self, angle: float) -> float:
        """In-plane stiffness of the suspension along a direction (degrees), N/m."""
        return suspension.lateral_stiffness(self.arms, angle)

    def tilt_stiffness(self, axis_angle: float) -> float:
        """Tilt stiffness of the suspended plate about an in-plane axis (degrees), N m/rad."""
        return suspension.tilt_stiffness(self.arms, axis_angle)


@dataclass(frozen=True)
class ReliabilityFigures:
    """The thermal cycle, the joint and the Engelmaier constants of one bump type (suspension for released 004)."""

    board: str
    cte_board: float
    chip: str
    cte_chip: float
    t_min: float
    t_max: float
    dwell: float
    standoff: float
    factor: float
    factor_source: str
    alloy: str
    eps_f: float
    eps_f_source: str
    suspension: SuspensionFigures | None = None

    @property
    def delta_t(self) -> float:
        """Cycle range T_max - T_min, K."""
        return self.t_max - self.t_min

    @property
    def t_sj(self) -> float:
        """Mean cyclic joint temperature, C."""
        return fatigue.mean_cyclic_temperature(self.t_min, self.t_max)

    @property
    def c(self) -> float:
        """Engelmaier's fatigue exponent for this cycle."""
        return fatigue.fatigue_exponent(self.t_sj, self.dwell)

    def as_dict(self) -> dict[str, Any]:
        """The manifest's per-bump-type `reliability` figures (model inputs and constants with their sources)."""
        out: dict[str, Any] = {
            "model": "Engelmaier (IPC-D-279, IPC-9701): dgamma = F DNP dCTE dT / h, N50 = 1/2 (dgamma / 2 eps_f)^(1/c)",
            "cycle": [self.t_min, self.t_max], "dwell_min": self.dwell, "delta_t": self.delta_t,
            "t_sj": self.t_sj, "board": self.board, "cte_board": self.cte_board, "chip": self.chip,
            "cte_chip": self.cte_chip, "standoff": self.standoff, "non_ideal_factor": self.factor,
            "non_ideal_factor_source": self.factor_source, "alloy": self.alloy, "eps_f": self.eps_f,
            "eps_f_source": self.eps_f_source, "c": round(self.c, 6)}
        s = self.suspension
        if s is not None:
            out["suspension"] = {
                "model": "plate on radial arms (axial + in-plane bending, out-of-plane bending + torsion), joint "
                         "as a Timoshenko column clamped at the board, in series",
                "arms": [{"kind": a.kind, "angle": round(a.angle, 3), "length": a.length,
                          "axial_stiffness": a.section.ea / (a.length * suspension.UM),
                          "bending_stiffness_guided": 12 * a.section.ei_in / (a.length * suspension.UM) ** 3}
                         for a in s.arms],
                "joint_stiffness": s.response.joint_stiffness,
                "line_metal": s.line.material if s.line else None,
                "line_fatigue_source": s.line.source if s.line else None}
        return out


@dataclass
class Design:
    """Everything derived from recipe + PDK that the cells, manifest, masks and pictures need."""

    recipe: Recipe
    file: Path
    pdk: Pdk
    process: Process
    features: set[str]
    materials: dict[str, str]
    steps: list[ResolvedStep]
    bump: BumpFigures
    fanout: RdlFigures | None = None
    """The resolved RDL fan-out dimensions (die.pads with die.routing), checked once, else None."""
