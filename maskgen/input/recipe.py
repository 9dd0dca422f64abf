"""Recipes (templates/*.yaml) as typed models, validated before any geometry is built."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from maskgen.errors import InputError
from maskgen.input.balltable import parse_rows, split_entries
from maskgen.input.datafile import read_yaml, validate
from maskgen.input.jedec import ball_name, layout_corner, split_ball
from maskgen.input.nobool import refuse_bools
from maskgen.input.units import MAX_UM, is_length, length

MAX_SITES = 100_000
"""Default limit of bump sites on a die and pads of a chip (max_bumps / max_pads, --max-sites raises it)."""

MAX_DIES = 100_000
"""Default limit of dies on a wafer (wafer.max_dies raises it)."""

MAX_GRID_CELLS = 4_000_000
"""Default limit of routing-grid nodes of a fan-out die (die.routing.max_grid_cells, --max-grid-cells)."""

SAFE_NAME = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$"
"""A recipe name is the stem of every output file: letters, digits, _ . -, not starting with a dot."""

Um = Annotated[float, BeforeValidator(length), Field(gt=0, le=MAX_UM, allow_inf_nan=False)]
"""A strictly positive length in micrometres (or with its unit: "3.44 mm"), at most a 300 mm wafer."""

Coord = Annotated[float, BeforeValidator(length), Field(ge=-MAX_UM, le=MAX_UM, allow_inf_nan=False)]
"""A signed coordinate or offset in micrometres (or with its unit)."""


def _both(value: object) -> object:
    """One number (or one length with its unit) for an [x, y] pair means the same for both."""
    return (value, value) if is_length(value) else value


UmXY = Annotated[tuple[Um, Um], BeforeValidator(_both)]
"""An [x, y] pair of lengths in um; one number is taken for both."""

Count = Annotated[tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]], BeforeValidator(_both)]
"""[columns, rows] of a bump map; one number is taken for both."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_for_number(cls, data: Any) -> Any:
        return refuse_bools(cls, data)


# ----------------------------------------------------------------------------- bump maps
class GridMap(_Strict):
    """Regular bump grid centred on the die, with optional depopulated sites: JEDEC ball names as die.naming
    counts them (`D4`) or 0-based [column, row] from the bump-side bottom-left corner."""

    kind: Literal["grid"]
    pitch: UmXY
    count: Count
    depopulate: list[tuple[int, int] | str] = []
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES

    @model_validator(mode="after")
    def _sites_exist(self) -> GridMap:
        nx, ny = self.count
        for site in self.depopulate:
            if isinstance(site, str):
                try:
                    row, col = split_ball(site.strip().upper())
                except ValueError as exc:
                    raise ValueError(f"depopulated ball {site!r}: {exc}; give a ball name (D4) or "
                                     "[column, row]") from None
                if not (col < nx and row < ny):
                    raise ValueError(f"depopulated ball {site} is outside the {nx} x {ny} grid (balls A1.."
                                     f"{ball_name(ny - 1, nx - 1)})")
                continue
            col, row = site
            if not (0 <= col < nx and 0 <= row < ny):
                raise ValueError(f"depopulated site [{col}, {row}] is outside the {nx} x {ny} grid "
                                 f"(columns 0..{nx - 1}, rows 0..{ny - 1})")
        if len(set(map(tuple, self.depopulate))) >= nx * ny:
            raise ValueError(f"depopulate takes out every site of the {nx} x {ny} grid; at least one bump must stay")
        return self


class StaggeredMap(_Strict):
    """Staggered grid: every other row set in by half a pitch in x. `shift` says which rows, counted from row A
    as die.naming names them: even (B, D, ...: row A starts at ball A1 in the A1 corner, the default) or odd
    (A, C, ...: row A starts at A2). Every row is snapped to the manufacturing grid."""

    kind: Literal["staggered"]
    pitch: UmXY
    count: Count
    shift: Literal["odd", "even"] = "even"
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES

    def rows(self, naming: Naming) -> list[tuple[float, float]]:
        """(x of the first site, y) of each row, bottom row first (um, unsnapped): rows set in by half a pitch
        from the A1 side are those `shift` names, counted from row A."""
        (px, py), (nx, ny) = self.pitch, self.count
        right, top = layout_corner(naming.a1_corner, naming.view)
        out = []
        for j in range(ny):
            k = ny - 1 - j if top else j
            shifted = (k % 2 == 1) if self.shift == "even" else (k % 2 == 0)
            towards_right = shifted != right
            out.append((-(nx - 1) * px / 2 + (px / 4 if towards_right else -px / 4), -(ny - 1) * py / 2 + j * py))
        return out


class RingMap(_Strict):
    """Peripheral ring(s) of bumps along the die edge."""

    kind: Literal["ring"]
    pitch: Um
    count: Annotated[tuple[Annotated[int, Field(ge=2)], Annotated[int, Field(ge=2)]], BeforeValidator(_both)]
    rings: Annotated[int, Field(ge=1)] = 1
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES


class CsvMap(_Strict):
    """A package designer's ball map: CSV rows `name,x,y[,net]` in um from the die centre."""

    kind: Literal["csv"]
    file: str
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES


class GdsMap(_Strict):
    """Bump sites from the pad layer of an existing chip layout (GDSII/OASIS)."""

    kind: Literal["gds"]
    file: str
    layer: str = Field(pattern=r"^\d+/\d+$")
    cell: str | None = None
    max_pads: Annotated[int, Field(ge=1)] = MAX_SITES


class TableMap(_Strict):
    """A JEDEC ball-map table as datasheets give it: rows of letters, columns of numbers, a net name per ball or
    `-` for a depopulated one; inline (`rows: {A: "VDD GND - IO1", B: [...]}`) or from a text/CSV `file`
    (a header line of column numbers, then one line per row letter). Balls sit on a grid of `pitch` centred
    on the die (or on `offset`), ball A1 in the corner die.naming gives."""

    kind: Literal["table"]
    pitch: Um | UmXY
    rows: dict[str, str | list[str]] | None = None
    file: str | None = None
    offset: tuple[Coord, Coord] = (0.0, 0.0)
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES

    @field_validator("rows")
    @classmethod
    def _table(cls, rows: dict[str, str | list[str]] | None) -> dict[str, str | list[str]] | None:
        if rows is not None:
            entries = {k: split_entries(v) for k, v in rows.items()}
            if sum(map(len, entries.values())) <= MAX_SITES:   # a larger table is counted against max_bumps
                parse_rows(entries)
        return rows

    @model_validator(mode="after")
    def _one_source(self) -> TableMap:
        if (self.rows is None) == (self.file is None):
            raise ValueError("give exactly one of rows (the table inline) or file (a ball-map table file)")
        return self

    @property
    def pitch_xy(self) -> tuple[float, float]:
        """The pitch in x and y (um)."""
        return (self.pitch, self.pitch) if isinstance(self.pitch, (int, float)) else self.pitch


Names = str | list[str] | None
"""A name, a list of names, or glob patterns (`PADCELL_*`)."""


class DefMap(_Strict):
    """Bump sites from the chip design hand-off (DEF): the placed bump instances of COMPONENTS (only those of
    the `macro` names or globs, when given; of the `component` instance names or globs) or the placed ports of
    PINS, each with its net from NETS / SPECIALNETS. With `lef` (one file or a list), each terminal is a
    component's pin shape placed and oriented as the component: the pins named by `pin`, the pin shapes on
    `layer`, else the pins whose PORT is CLASS BUMP (a bump macro without those: its pins; a macro without pins:
    its cell box); pins of one component at one spot are one terminal. Without `lef`, a component is its
    placement point. Positions are taken from the DIEAREA centre."""

    kind: Literal["def"]
    file: str
    lef: str | list[str] | None = None
    source: Literal["components", "pins"] = "components"
    macro: Names = None
    component: Names = None
    """Only the components of these instance names (globs): a DEF whose bumps and pads are one macro."""
    pin: Names = None
    layer: str | None = None
    max_bumps: Annotated[int, Field(ge=1)] = 100_000

class KicadMap(_Strict):
    """Bump sites from a KiCad footprint (.kicad_mod, e.g. the part's footprint from KiCad's library): each
    copper pad is a bump named by its pad number, mirrored from the footprint's top view to the bump side."""

    kind: Literal["kicad"]
    file: str
    max_bumps: Annotated[int, Field(ge=1)] = MAX_SITES


BumpMap = Annotated[GridMap | StaggeredMap | RingMap | CsvMap | GdsMap | TableMap | DefMap | KicadMap,
                    Field(discriminator="kind")]


# ----------------------------------------------------------------------------- chip pads and RDL fan-out
class CsvPads(_Strict):
    """The chip's pads from a CSV `name,x,y[,net]` in um from the die centre (a header row is allowed)."""

    kind: Literal["csv"]
    file: str
    max_pads: Annotated[int, Field(ge=1)] = MAX_SITES


class GdsPads(_Strict):
    """The chip's pads from its layout: each merged shape on `layer` is a pad; a text label on `label_layer`
    inside a pad names its net."""

    kind: Literal["gds"]
    file: str
    layer: str = Field(pattern=r"^\d+/\d+$")
    label_layer: str | None = Field(default=None, pattern=r"^\d+/\d+$")
    cell: str | None = None
    max_pads: Annotated[int, Field(ge=1)] = MAX_SITES


class DefPads(_Strict):
    """The chip's pads from its DEF: the terminals of placed COMPONENTS (of `macro`, of `component`) or the
    placed ports of PINS, with their nets, chosen by `lef`, `pin` and `layer` as for `die.bump_map: {kind: def}`.
    Each pad is drawn with its own shape."""

    kind: Literal["def"]
    file: str
    lef: str | list[str] | None = None
    source: Literal["components", "pins"] = "pins"
    macro: Names = None
    component: Names = None
    pin: Names = None
    layer: str | None = None
    max_pads: Annotated[int, Field(ge=1)] = 100_000


PadList = Annotated[CsvPads | GdsPads | DefPads, Field(discriminator="kind")]


class Routing(_Strict):
    """RDL fan-out from the chip's pads to their bumps: line style, width and space (default: the PDK's
    RDL.WIDTH and RDL.SPACE), the RDL land under each UBM and the via over each pad (um)."""

    style: Literal["manhattan", "45"] = "45"
    line_width: Um | None = None
    line_space: Um | None = None
    land_diameter: Um | None = None
    via: Um | None = None
    max_grid_cells: Annotated[int, Field(ge=1)] = MAX_GRID_CELLS
    nets: Annotated[list[str], Field(min_length=1)] | None = None
    """The nets to route, names or glob patterns (`p_*`); default: every net with both a pad and a bump."""
    def_layer: str | None = Field(default=None, pattern=r"^[^\s;()]+$")
    """The design's routing layer the RDL is written back on in `<name>_rdl.def` (default: the pads' `layer`)."""

    @field_validator("style", mode="before")
    @classmethod
    def _style_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Naming(_Strict):
    """JEDEC ball names of the die's bumps: the corner ball A1 sits in as seen from `view` (bump side or top
    side), the A1 mark (a triangle with legs of a1_mark um in that die corner, 0 for none) and the bump names
    as text labels on the LABEL layer."""

    a1_corner: Literal["bottom-left", "bottom-right", "top-left", "top-right"] = "bottom-left"
    view: Literal["bump", "top"] = "bump"
    a1_mark: Annotated[float, BeforeValidator(length), Field(ge=0, allow_inf_nan=False)] = 100.0
    labels: bool = True


class DaisyChain(_Strict):
    """A daisy chain through every bump (or those in `region` [x1, y1, x2, y2] um), row by row in a serpentine:
    die-side RDL links join bumps 1-2, 3-4, ...; board-side traces join 2-3, 4-5, ..., so the chain runs in
    series from the probe pad at its first bump to the one at its last (um widths)."""

    name: str = Field(default="DC1", pattern=r"^[A-Za-z0-9_.-]+$")
    region: tuple[float, float, float, float] | None = None
    link_width: Um = 50.0
    board_land: Um | None = None
    board_trace: Um = 40.0
    probe_pad: Um = 100.0


class Kelvin(_Strict):
    """A Kelvin (4-wire) structure on two neighbouring bumps of the outer column: a die-side RDL link joins
    them; on the board each of their lands has a force and a sense trace to its own probe pad."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    bumps: tuple[str, str]


class TestStructures(_Strict):
    """Daisy chain and Kelvin structures of a test vehicle, with the matching board-side layout."""

    daisy_chain: DaisyChain | None = None
    kelvin: list[Kelvin] = []


class Die(_Strict):
    """Die size, where its bumps go and, for a fan-out, where the chip's pads are and how RDL joins them. With a
    DEF bump map or pad list, `size` may be left out: the DEF's DIEAREA gives it."""

    size: UmXY | None = None
    bump_map: BumpMap
    pads: PadList | None = None
    routing: Routing | None = None
    naming: Naming = Naming()
    test_structures: TestStructures | None = None

    @model_validator(mode="after")
    def _routing_needs_pads(self) -> Die:
        if self.routing is not None and self.pads is None:
            hint = ("; nets of bumps only (an interposer's) are not routed: give one end's bumps as the pads (die.pads:"
                    " {kind: def, source: components, macro: ..., component: ...})"
                    if isinstance(self.bump_map, DefMap) else "")
            raise ValueError(f"routing: needs the chip's pads (die.pads: {{kind: csv|gds|def, file: ...}}) to route "
                             f"from{hint}")
        return self

    @property
    def dims(self) -> tuple[float, float]:
        """(width, height) in um: die.size, or the DEF's DIEAREA that recipe_from_data has put there."""
        if self.size is None:
            raise InputError(None, "die.size", None, "give the die size [w, h] um (or a DEF map whose DIEAREA "
                             "gives it)")
        return self.size

    @property
    def fan_out(self) -> Routing | None:
        """The routing of a fan-out die (defaults when only the pads are given), None without pads."""
        if self.pads is None:
            return None
        return self.routing or Routing()


# ----------------------------------------------------------------------------- common stack
class Pad(_Strict):
    """Bond / contact pad 91."""

    width: Um
    shape: Literal["square", "octagon", "circle"] = "octagon"


class BumpStack(_Strict):
    """The common stack: pad, passivation opening, UBM (diameters/widths in um)."""

    pad: Pad
    passivation_opening: Um
    ubm_diameter: Um


class Solder(_Strict):
    """Solder alloy and, for placed balls, the ball diameter."""

    alloy: str = "SAC305"
    ball_diameter: Um | None = None

    @property
    def ball(self) -> float:
        """The placed ball's diameter (um); a located InputError when a placed-ball process leaves it out."""
        if self.ball_diameter is None:
            raise InputError(None, "solder.ball_diameter", None, "this process places a solder ball: give its "
                             "diameter (um)")
        return self.ball_diameter


# ----------------------------------------------------------------------------- families
class StairResist(_Strict):
    """One resist of the stack (PR1 nearest the wafer)."""

    material: str
    thickness: Um


class Stair(_Strict):
    """000: stacked resists opened by one exposure; solder plated or printed into the stair."""

    resists: list[StairResist] = Field(min_length=2, max_length=4)
    dose: Um = Field(description="exposure dose, mJ/cm2")
    mask_opening: Um | None = None
    target_opening: Um | None = None
    fill: Literal["plate", "print"] = "plate"
    plated_height: Um | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Stair:
        if (self.mask_opening is None) == (self.target_opening is None):
            raise ValueError("give exactly one of mask_opening (the tool predicts the openings) "
                             "or target_opening (the tool derives the mask)")
        total = sum(r.thickness for r in self.resists)
        if self.fill == "plate":
            if self.plated_height is None:
                raise ValueError("fill: plate needs plated_height (um)")
            if self.plated_height > total:
                raise ValueError(f"plated_height {self.plated_height} exceeds the resist stack "
                                 f"({total} um): overplating is not modelled")
        elif self.plated_height is not None:
            raise ValueError("plated_height applies to fill: plate only")
        return self


class BallDrop(_Strict):
    """001: polymer opening over each UBM island that receives a flux-coated ball."""

    polymer_opening: Um


class RdlRoute(_Strict):
    """Optional RDL from the chip's bond pad to the UBM land (002:c13, c17)."""

    pad_offset: tuple[Coord, Coord]
    line_width: Um
    land_diameter: Um
    via: Um


class TwoStep(_Strict):
    """002: nested solder-mask openings SM1 < SM2 (< SM3), one solder deposit each."""

    openings: list[Um] = Field(min_length=2, max_length=3)
    alloys: list[str] = Field(min_length=2, max_length=3)
    rdl: RdlRoute | None = None

    @model_validator(mode="after")
    def _counts(self) -> TwoStep:
        if len(self.alloys) != len(self.openings):
            raise ValueError(f"one alloy per solder-mask opening: {len(self.openings)} openings, "
                             f"{len(self.alloys)} alloys")
        return self


class FluxFill(_Strict):
    """003: resist opening over each metal island, filled with flux, receiving a solder block."""

    resist_opening: Um
    carrier: Literal["wafer", "wafer_rdl", "board"] = "wafer"


class Beams(_Strict):
    """Support beams 111 on the RDL layer, joined to the bump land (004:c2)."""

    count: Annotated[int, Field(ge=0, le=3)] = 0
    width: Um = 20.0
    overhang: Um = 30.0


class Cantilever(_Strict):
    """004: bump 120 on suspended portion 102, fed by metal line 110 from pad 91."""

    embodiment: Annotated[int, Field(ge=1, le=6)]
    pad_offset: tuple[Coord, Coord]
    line_width: Um
    land_diameter: Um
    protection_opening: Um
    sacrificial_diameter: Um
    elastic_diameter: Um | None = None
    slot_width: Um | None = Field(default=None, description="um, radial width of the ring of release etch windows "
                                  "160; default: the process's defaults.cantilever.slot_width (PDK)")
    clearance: Um | None = Field(default=None, description="um, insulator kept around RDL where windows 160 are cut "
                                 "(and via landing enclosure); default: the process's defaults.cantilever.clearance")
    support_beams: Beams = Beams()
    board: str = "FR-4"
    delta_t: Annotated[float, Field(gt=0, le=400)] = 165.0


class Reliability(_Strict):
    """Thermal cycling of the board-mounted die: every bump's Engelmaier life (and 004's suspended joint and line);
    a key left out takes the PDK's reliability.yaml default."""

    cycle: tuple[Annotated[float, Field(ge=-273.15, le=400, allow_inf_nan=False)],
                 Annotated[float, Field(ge=-273.15, le=400, allow_inf_nan=False)]] | None = None
    """T_min and T_max of the cycle, C."""
    dwell: Annotated[float, Field(gt=0, le=100_000, allow_inf_nan=False)] | None = None
    """Minutes at each extreme (half-cycle dwell)."""
    board: str | None = None
    """Board material of the PDK's materials.yaml (kind board, with a CTE)."""
    non_ideal_factor: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = None
    """Engelmaier's F; default the PDK's."""


class Wafer(_Strict):
    """The wafer the dies are stepped onto."""

    diameter: Literal[100, 150, 200, 300] = Field(description="wafer diameter, mm")
    edge_exclusion: Annotated[float, Field(ge=0, le=20)] = 3.0
    orientation: Literal["notch", "flat"] = "notch"
    scribe: Annotated[float, BeforeValidator(length), Field(ge=0, le=MAX_UM)] = 100.0
    die_step: UmXY | None = None
    partial_dies: Literal["exclude", "include"] = "exclude"
    max_dies: Annotated[int, Field(ge=1)] = MAX_DIES
    die_grid_offset: tuple[float, float] | Literal["auto"] = Field(
        default=(0.0, 0.0), description="um shift of the die grid from the wafer centre, or auto (most whole dies)")
    bad_dies: str | None = Field(default=None, description="file of known bad dies (column,row) to skip in ball "
                                                           "placement (CSV or SINF)")

    @field_validator("die_grid_offset")
    @classmethod
    def _offset_finite(cls, value: object) -> object:
        if isinstance(value, tuple) and not all(abs(v) < 1e6 for v in value):
            raise ValueError("die_grid_offset must be [x, y] in um within +-1e6, or auto")
        return value


class ReticleSpec(_Strict):
    """A stepper reticle: dies per field (columns, rows), reduction, and the tool's largest field on the wafer."""

    dies: tuple[Annotated[int, Field(ge=1, le=50)], Annotated[int, Field(ge=1, le=50)]] = (1, 1)
    reduction: Literal[1, 4, 5] = 1
    max_field: tuple[Annotated[float, Field(gt=0, le=300)], Annotated[float, Field(gt=0, le=300)]] = Field(
        description="the stepper's largest exposure field on the wafer, mm")


PLATE_INCH = (5, 6, 7, 9, 14)
"""Square mask plate sizes (inch): 5, 6, 7, 9 for 100-200 mm wafers, 14 for 300 mm aligners."""


class MaskSet(_Strict):
    """How `maskgen masks` writes each mask: die field, full-wafer 1x plate and/or stepper reticle."""

    format: list[Literal["die", "wafer", "reticle"]] = Field(default=["die"], min_length=1)
    plate: Literal[5, 6, 7, 9, 14, "auto"] = "auto"
    mirror: bool = False
    mask_id: str = Field(default="", pattern=r"^[A-Za-z0-9_.-]*$", max_length=32)
    reticle: ReticleSpec | None = None

    @field_validator("format", mode="before")
    @classmethod
    def _one_or_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _reticle_given(self) -> MaskSet:
        if "reticle" in self.format and self.reticle is None:
            raise ValueError("format reticle needs a 'reticle:' block {dies: [n, m], reduction: 1|4|5, "
                             "max_field: [w, h] mm}")
        return self


class BumpType(_Strict):
    """One more bump type on the die: its own bump stack, solder and process-family block (each, when given,
    replaces the recipe's), and the sites it takes: JEDEC `balls`, sites on `nets`, sites whose centre lies
    in `region` [x1, y1, x2, y2] (um), `rings` of a ring map (0 = outermost), or the CSV's `type` column."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    bump: BumpStack | None = None
    solder: Solder | None = None
    stair: Stair | None = None
    ball_drop: BallDrop | None = None
    two_step: TwoStep | None = None
    flux_fill: FluxFill | None = None
    cantilever: Cantilever | None = None
    balls: list[str] = []
    nets: list[str] = []
    region: tuple[float, float, float, float] | None = None
    rings: list[Annotated[int, Field(ge=0)]] = []


class Recipe(_Strict):
    """A recipe: PDK, process, die, common bump stack and the process family's block."""

    name: str = Field(pattern=SAFE_NAME, max_length=100)
    description: str = ""
    pdk: str = "default"
    """A PDK shipped with maskgen by name, or a PDK folder of the design's own (`./house_pdk`: a path, relative
    to the recipe's folder)."""
    rules: dict[Any, Any] = {}
    """The design's own rule values by PDK rule id (`{RDL.WIDTH: 4}`), in place of rules.yaml's; checked by
    `maskgen.input.rules.apply_rules`."""
    process: str
    materials: dict[str, str] = {}
    thickness: dict[str, Um] = {}
    die: Die
    bump: BumpStack
    solder: Solder = Solder()
    stair: Stair | None = None
    ball_drop: BallDrop | None = None
    two_step: TwoStep | None = None
    flux_fill: FluxFill | None = None
    cantilever: Cantilever | None = None
    wafer: Wafer | None = None
    masks: MaskSet | None = None
    reliability: Reliability | None = None
    """Thermal-cycling fatigue estimate of every joint (maskgen.design.reliability)."""
    bump_types: list[BumpType] = []
    sweep: dict[str, list[Annotated[float, BeforeValidator(length), Field(allow_inf_nan=False)]]] | None = None
    """DOE sweep: dotted recipe key (e.g. bump.ubm_diameter) -> values; every combination is one point."""
    sweep_layout: Literal["dies", "subarrays"] | None = None
    """How the sweep's points are laid out: one die per point (dies, the default when left out) or one die whose
    bump sites are split among the points, each point a bump type (subarrays)."""


FAMILY_BLOCK: dict[str, str] = {"stair_bump": "stair", "ball_drop": "ball_drop", "two_step_ball": "two_step",
                                 "flux_fill": "flux_fill", "cantilever_wlcsp": "cantilever"}
"""Process family name -> the recipe key of its block (a field of Recipe and of BumpType), 000 to 004."""

BLOCKS: tuple[str, ...] = tuple(FAMILY_BLOCK.values())
"""Every family block key of a recipe (and of a bump type)."""

Block = TypeVar("Block", Stair, BallDrop, TwoStep, FluxFill, Cantilever)
"""A family block's model (the type of recipe.stair, recipe.two_step, ...)."""

_BLOCK_KEY: dict[type, str] = {Stair: "stair", BallDrop: "ball_drop", TwoStep: "two_step", FluxFill: "flux_fill",
                               Cantilever: "cantilever"}


def family_block(owner: Recipe | BumpType, kind: type[Block]) -> Block:
    """The family block of that model on a recipe or bump type (recipe.stair for Stair, ...), typed; a located
    one-line InputError when it is left out (recipe_from_data has refused a recipe without its own block)."""
    key = _BLOCK_KEY[kind]
    value = getattr(owner, key)
    if not isinstance(value, kind):
        where = "the recipe" if isinstance(owner, Recipe) else f"bump type {owner.name}"
        raise InputError(None, key, None, f"{where} needs a '{key}:' block")
    return value


def load_recipe(path: Path) -> Recipe:
    """Read and validate a recipe file (structure and types; PDK checks come after)."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, None, None, "a recipe must be a YAML mapping of keys to values")
    return recipe_from_data(data, path)


def recipe_from_data(data: dict, path: Path) -> Recipe:
    """Validate recipe data read from path (structure, types, the process family's block)."""
    recipe = _die_from_map(validate(Recipe, data, path), path)
    block = FAMILY_BLOCK.get(recipe.process)
    if block is None:
        raise InputError(path, "process", recipe.process,
                         f"unknown process family; known: {', '.join(FAMILY_BLOCK)}")
    if getattr(recipe, block) is None:
        raise InputError(path, block, None, f"process {recipe.process} needs a '{block}:' block")
    if recipe.wafer is None and recipe.masks is not None and set(recipe.masks.format) - {"die"}:
        raise InputError(path, "masks.format", recipe.masks.format, "wafer and reticle plates need a 'wafer:' "
                         "block (diameter, edge exclusion, orientation)")
    for other in FAMILY_BLOCK.values():
        if other != block and getattr(recipe, other) is not None:
            raise InputError(path, other, "...", f"block belongs to another process; "
                             f"process {recipe.process} takes '{block}:'")
        for i, t in enumerate(recipe.bump_types):
            if other != block and getattr(t, other) is not None:
                raise InputError(path, f"bump_types[{i}].{other}", "...", f"block belongs to another process; "
                                 f"process {recipe.process} takes '{block}:'")
    if recipe.sweep_layout == "subarrays":
        _check_subarrays(recipe, block, path)
    names = ["base", *(t.name for t in recipe.bump_types)]
    for i, t in enumerate(recipe.bump_types):
        if names.count(t.name) > 1:
            raise InputError(path, f"bump_types[{i}].name", t.name, "bump type names must be unique and not 'base' "
                             "(the recipe's own bump)")
    return recipe


def _die_from_map(recipe: Recipe, path: Path) -> Recipe:
    """A recipe without die.size takes the die from its DEF's DIEAREA (bump map first, then pad list) or from
    its KiCad footprint's fab outline (the package body)."""
    if recipe.die.size is not None:
        return recipe
    for source in (recipe.die.bump_map, recipe.die.pads):
        if isinstance(source, DefMap | DefPads):
            from maskgen.input.defmap import read_def
            design = read_def(_beside(path, source.file))
            w, h = design.size
            if w <= 0 or h <= 0 or max(w, h) > MAX_UM:
                raise InputError(design.path, "DIEAREA", [w, h], f"the die must be positive and at most {MAX_UM:g} "
                                 "um on a side; give die.size")
            return _sized(recipe, w, h)
        if isinstance(source, KicadMap):
            from maskgen.input.kicadmap import footprint_body
            w, h = footprint_body(_beside(path, source.file))
            return _sized(recipe, w, h)
    raise InputError(path, "die.size", None, "required: give [width, height] in um (only a DEF bump map or pad "
                     "list, kind: def, gives the die from its DIEAREA, and a KiCad footprint, kind: kicad, from its "
                     "fab outline)")


def _beside(recipe_path: Path, file: str) -> Path:
    """A file a recipe names, relative to the recipe's folder unless absolute."""
    named = Path(file)
    return named if named.is_absolute() else recipe_path.parent / named


def _sized(recipe: Recipe, width: float, height: float) -> Recipe:
    """The recipe with die.size set to [width, height] um."""
    return recipe.model_copy(update={"die": recipe.die.model_copy(update={"size": (width, height)})})


SWEPT_BY_TYPE = ("bump", "solder")
"""Blocks a bump type carries besides the process family's: what a sub-array sweep may set."""


def _check_subarrays(recipe: Recipe, block: str, path: Path) -> None:
    """sweep_layout: subarrays needs a sweep of keys a bump type can carry, and no bump_types of its own."""
    if not recipe.sweep:
        raise InputError(path, "sweep_layout", recipe.sweep_layout, "lays out a sweep: give a 'sweep:' block "
                         "(dotted key -> values)")
    allowed = (*SWEPT_BY_TYPE, block)
    under = f"{allowed[0]}., {allowed[1]}. or {allowed[2]}."
    for key, values in recipe.sweep.items():
        if key.split(".")[0] not in allowed or "." not in key:
            raise InputError(path, f"sweep.{key}", values, "sweep_layout: subarrays makes each point a bump type, "
                             f"so it sweeps only what a bump type carries: keys under {under} "
                             "(e.g. bump.ubm_diameter); use sweep_layout: dies for any other key")
    if recipe.bump_types:
        raise InputError(path, "bump_types", [t.name for t in recipe.bump_types], "sweep_layout: subarrays "
                         "makes each sweep point a bump type of its own: leave bump_types out, or use "
                         "sweep_layout: dies")
