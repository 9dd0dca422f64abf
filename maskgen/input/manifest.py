"""The build manifest (`<name>.json`) as one typed model: what `maskgen build` writes and every reader parses.

`maskgen.outputs.manifest` builds a `BuildManifest` and the build writes its dump (`as_json`); the DRC, the report,
the pictures and the sweep read it back with `read_manifest` (or `parse_manifest` for data already in memory). Every
block refuses a key it does not know (`extra="forbid"`) and takes exactly the JSON types the build writes
(`strict`: a count is a whole number, a flag true or false), so a manifest from another maskgen or with a renamed
key is one InputError line naming the file and the key, never a silently different DRC verdict. A key the build
leaves out (a die without a wafer, a bump without a ball name) stays out when the model is written again, and
the fields are in the order the file lists them, so parsing a written manifest and writing it again gives the
same bytes. `maskgen schema` prints the JSON Schema (`manifest_schema`); docs/manifest.schema.json is a copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, WithJsonSchema, field_serializer

from maskgen.errors import InputError
from maskgen.input.datafile import validate
from maskgen.input.files import read_text_file
from maskgen.input.recipe import Recipe

Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
"""A figure as the build computed it: a whole number stays one (1000, not 1000.0), so the bytes round-trip."""
Point = list[Number]
"""[x, y] in um."""


class _Block(BaseModel):
    """A manifest block: unknown keys refused, JSON types taken exactly as written, read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)

    def as_json(self) -> dict[str, Any]:
        """The block as JSON data: the keys the build wrote, in its order, under their JSON names."""
        return self.model_dump(mode="python", by_alias=True, exclude_unset=True)


# ----------------------------------------------------------------------------- process
class RuleValue(_Block):
    """A rule value the build used: the value (um), where it came from, and the PDK's own value when the recipe
    changed it (`maskgen.input.rules.rule_record`)."""

    value: Number
    source: str
    pdk_value: Number | None = None


class StepRow(_Block):
    """One process step as the build resolved it: material and thickness filled in from the recipe."""

    index: int
    action: str
    name: str
    material: str | None
    thickness: Number | None
    mask: str | None


class LayerRow(_Block):
    """One layer the build drew: GDS number, what a drawn shape means, colour and description."""

    name: str
    layer: int
    datatype: int
    shape: str
    role: str
    colour: str
    description: str


class MaskRow(_Block):
    """One mask in process order: its layer, step, what is drawn, the resist and its tone, and the polarity."""

    mask: str
    level: int
    step: str
    step_index: int
    gds: list[int]
    drawn: str
    resist: str | None
    tone: str | None
    polarity: str


# ----------------------------------------------------------------------------- die
class BallA1(_Block):
    """Where ball A1 is (um, die centre origin)."""

    name: str
    x: Number
    y: Number


class NamingRecord(_Block):
    """JEDEC naming of the die: A1 corner and view, where that is in the layout, the A1 mark and the labels."""

    a1_corner: str
    view: str
    a1_corner_in_layout: str
    a1_mark: Number
    labels: str | None
    a1: BallA1 | None


class DieRecord(_Block):
    """The die cell: its name, size [x, y] um, the bump cell, the array references and the naming."""

    name: str
    size: Point
    bump_cell: str
    arrays: int
    naming: NamingRecord


# ----------------------------------------------------------------------------- bump types
class Deposit(_Block):
    """One solder deposit of a bump type: how it is made and its volume (um^3), with the figures of that way."""

    how: str
    alloy: str | None = None
    diameter: Number | None = None
    height: Number | None = None
    opening: Number | None = None
    thickness: Number | None = None
    metal_fraction: Number | None = None
    volume: Number
    area_ratio: Number | None = None


class StairRecord(_Block):
    """000: the one EXPOSE mask opening, its dose and each resist's opening, bias and stair step (um)."""

    mask_opening: Number
    dose: Number
    openings: list[Number]
    biases: list[Number]
    steps: list[Number]
    resists: list[str]


class Arm(_Block):
    """004: one arm across the suspended portion (metal line 110 or support beam 111) and its stiffness (N/m)."""

    kind: str
    width: Number
    length: Number
    stiffness: Number


class Mechanics(_Block):
    """004: how stiffly the arms hold the bump, the board/chip mismatch, and the bump that moves most."""

    released: bool
    board: str
    cte_board: Number
    cte_chip: Number | None
    delta_t: Number
    arms: list[Arm] | None = None
    stiffness: Number | None
    note: str | None = None
    worst_bump: str
    worst_dnp: Number
    worst_displacement: Number


class SuspensionArm(_Block):
    """A released 004 bump's arm in the suspension model: direction (deg), length and stiffnesses."""

    kind: str
    angle: Number
    length: Number
    axial_stiffness: Number
    bending_stiffness_guided: Number


class Suspension(_Block):
    """A released 004 bump's suspension: the model, its arms, the joint's stiffness and the line metal."""

    model: str
    arms: list[SuspensionArm]
    joint_stiffness: Number
    line_metal: str | None
    line_fatigue_source: str | None


class BumpReliability(_Block):
    """A bump type's thermal-cycling inputs and constants, and its bump of shortest joint life (`reliability:`)."""

    model: str
    cycle: list[Number]
    dwell_min: Number
    delta_t: Number
    t_sj: Number
    board: str
    cte_board: Number
    chip: str
    cte_chip: Number
    standoff: Number
    non_ideal_factor: Number
    non_ideal_factor_source: str
    alloy: str
    eps_f: Number
    eps_f_source: str
    c: Number
    suspension: Suspension | None = None
    worst_bump: str | None
    worst_dnp: Number | None = None
    worst_dgamma_pct: Number | None = None
    worst_n50: Number | None = None
    worst_n50_rigid: Number | None = None
    worst_joint_fraction: Number | None = None
    worst_joint_force_mN: Number | None = None
    worst_line_strain_pct: Number | None = None
    worst_n50_line: Number | None = None


class BumpTypeRecord(_Block):
    """One bump type: its bump count, solder, reflowed shape, openings, margins and family figures."""

    name: str
    count: int = Field(ge=0)
    solder_volume: Number
    deposits: list[Deposit]
    footprint_diameter: Number
    ubm_diameter: Number
    reflow_height: Number
    reflow_width: Number
    sphere_radius: Number
    min_pitch: Number
    bridging_margin: Number
    stair: StairRecord | None
    support_beams: int = Field(ge=0)
    mechanics: Mechanics | None
    notes: list[str]
    reliability: BumpReliability | None = None


class BumpRow(_Block):
    """One bump site: name, ball, centre (um), net and type, and its motion and joint life when computed."""

    name: str
    ball: str | None = None
    x: Number
    y: Number
    net: str | None = None
    type: str | None = None
    dnp: Number | None = None
    displacement: Number | None = None
    dgamma_pct: Number | None = None
    n50: Number | None = None
    n50_rigid: Number | None = None
    joint_fraction: Number | None = None
    joint_force_mN: Number | None = None
    line_strain_pct: Number | None = None
    n50_line: Number | None = None


# ----------------------------------------------------------------------------- outputs
class Outputs(_Block):
    """The files the build wrote beside the manifest, by kind (file names)."""

    gds: str
    lyp: str
    json_file: str = Field(alias="json")
    oas: str | None = None
    lyrdb: str | None = None
    e142: str | None = None
    sinf: str | None = None
    rdl_def: str | None = None
    board_gds: str | None = None
    board_lands_gbr: str | None = None
    board_traces_gbr: str | None = None
    kicad_mod: str | None = None
    board_kicad_mod: str | None = None


# ----------------------------------------------------------------------------- sub-array sweep
class SubarrayPoint(_Block):
    """A sweep point of a sub-array die: its values, and its bump type, tile and sites, or why it was refused."""

    point: str
    parameters: dict[str, JsonValue]
    type: str | None = None
    tile: list[Number] | None = None
    sites: int | None = None
    reason: str | None = None


class Subarrays(_Block):
    """A sub-array sweep: the swept keys, the tiled box [x1, y1, x2, y2] um, tiles per row and every point."""

    parameters: list[str]
    box: list[Number]
    tiles_per_row: list[int]
    points: list[SubarrayPoint]


# ----------------------------------------------------------------------------- routing
class LongestPath(_Block):
    """A net's longest pad-to-bump path: its ends, length (um) and resistance (mohm)."""

    bump: str
    pad: str
    length: Number
    resistance_mohm: Number


class NetRow(_Block):
    """One routed net: its pads and bumps, whether it is routed, its segments and length (um)."""

    net: str
    pads: list[str]
    bumps: list[str]
    routed: bool
    segments: int
    length: Number
    longest_path: LongestPath | None = None


class Longest(_Block):
    """The longest net and its length (um)."""

    net: str
    length: Number


class Unrouted(_Block):
    """A connection the router left open: net, ends by name and centre, and why."""

    net: str
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    from_xy: Point
    to_xy: Point
    reason: str


class PadSite(_Block):
    """A chip pad: name, centre (um) and net (None: an idle pad)."""

    name: str
    x: Number
    y: Number
    net: str | None


class SpareBump(_Block):
    """A bump on no routed net: name, ball and centre (um)."""

    name: str
    ball: str | None = None
    x: Number
    y: Number


class RoutingRecord(_Block):
    """The RDL fan-out: its rules, counts, each net's tree, what was left open, the pads and the spare bumps."""

    style: str
    line_width: Number
    line_space: Number
    land_diameter: Number
    via: Number
    pads: int
    net_count: int
    routed: int
    under_bump: int
    routed_percent: Number
    rounds: int
    total_length: Number
    longest: Longest | None
    nets: list[NetRow]
    unrouted: list[Unrouted]
    pad_sites: list[PadSite]
    spare_bumps: list[SpareBump]
    unrouted_pads: list[str]


# ----------------------------------------------------------------------------- test structures
class DieLink(_Block):
    """A die-side test-structure link joining two bumps: their names, centres (um) and the line width."""

    bumps: list[str]
    start: Point = Field(alias="from")
    end: Point = Field(alias="to")
    width: Number


class Electrical(_Block):
    """The resistances the test structures are predicted with (mohm, mohm/sq) and the solder alloy."""

    bump_resistance_mohm: Number
    rdl_sheet_resistance_mohm_sq: Number
    board_sheet_resistance_mohm_sq: Number
    alloy: str


class ProbePads(_Block):
    """A daisy chain's probe pads: where the current goes in and out (um)."""

    into: Point = Field(alias="in")
    out: Point


class ChainResistance(_Block):
    """A daisy chain's predicted resistance by part (mohm)."""

    bumps: Number
    die_links: Number
    board_links: Number
    escapes: Number
    total: Number


class DaisyChainRecord(_Block):
    """A daisy chain: its bumps in order, its links, probe pads and predicted resistance."""

    name: str
    bump_count: int
    bumps: list[str]
    die_links: int
    board_links: int
    probe_pads: ProbePads
    resistance_mohm: ChainResistance


class KelvinResistance(_Block):
    """A Kelvin structure's predicted resistance (mohm)."""

    bumps: Number
    die_link: Number
    total: Number


class KelvinRecord(_Block):
    """A Kelvin structure: its two bumps, the probe pads by role (force+, sense+, ...) and its resistance."""

    name: str
    bumps: list[str]
    probe_pads: dict[str, Point]
    resistance_mohm: KelvinResistance


class TestStructuresRecord(_Block):
    """A test vehicle's die links, the electrical figures, daisy chains and Kelvin structures."""

    __test__ = False  # not a pytest test class

    die_links: list[DieLink]
    electrical: Electrical
    daisy_chains: list[DaisyChainRecord] | None = None
    kelvin: list[KelvinRecord]


# ----------------------------------------------------------------------------- reliability
class LineWarning(_Block):
    """RELIABILITY.LINE: a bump whose line 110 / beams 111 are predicted to fail before its joint."""

    rule: str
    bump: str
    n50_line: Number | None
    n50: Number | None
    line_strain_pct: Number


class ReliabilityRecord(_Block):
    """The die's worst bump over every type (shortest joint N50) and the RELIABILITY.LINE warnings."""

    worst_bump: str | None
    type: str | None = None
    dnp: Number | None = None
    dgamma_pct: Number | None = None
    n50: Number | None = None
    n50_rigid: Number | None = None
    joint_fraction: Number | None = None
    joint_force_mN: Number | None = None
    line_strain_pct: Number | None = None
    n50_line: Number | None = None
    line_warnings: int
    warnings: list[LineWarning]


# ----------------------------------------------------------------------------- wafer
class WaferMap(_Block):
    """The wafer map files and the dies by bin, the map's columns and rows and its lower-left corner (um)."""

    e142: str
    sinf: str
    whole: int
    partial: int
    excluded: int
    bad: int
    columns: int
    rows: int
    lower_left: Point


class WaferRecord(_Block):
    """The wafer: its cell, diameter, die step and grid offset (um), dies and bumps placed, and its map."""

    cell: str
    diameter_mm: Number
    die_step: Point
    die_count: int
    rows: int
    arrays: int
    bump_count: int
    die_grid_offset: Point
    whole_dies: int
    partial_dies: Literal["exclude", "include"]
    die_count_centred: int | None = None
    map: WaferMap
    balls_placed: int


# ----------------------------------------------------------------------------- the manifest
class BuildManifest(_Block):
    """Everything a user or the DRC needs to know about a build, in the order `<name>.json` lists it."""

    maskgen: str
    name: str
    recipe_file: str
    recipe: Recipe
    """The recipe as the build read it: every key with its default filled in, None values left out."""
    pdk: str
    pdk_path: str | None = None
    """The PDK folder of a build with a PDK of its own (absent for a PDK shipped with maskgen)."""
    rules: dict[str, RuleValue]
    process: str
    seed: str
    features: list[str]
    materials: dict[str, str]
    steps: list[StepRow]
    layers: list[LayerRow]
    masks: list[MaskRow]
    die: DieRecord
    bump_count: int
    bump_types: list[BumpTypeRecord]
    outputs: Outputs
    subarrays: Subarrays | None = None
    bumps: list[BumpRow] | None = None
    """Every bump site, up to `maskgen.outputs.manifest.SITE_LIST_LIMIT` sites (absent beyond)."""
    routing: RoutingRecord | None = None
    test_structures: TestStructuresRecord | None = None
    reliability: ReliabilityRecord | None = None
    wafer: WaferRecord | None = None

    @field_serializer("recipe")
    def _echo(self, recipe: Recipe) -> dict[str, Any]:
        """The recipe echo is the whole recipe (defaults too), whatever keys the manifest itself leaves out."""
        return recipe_echo(recipe)


def recipe_echo(recipe: Recipe) -> dict[str, Any]:
    """A recipe as the manifest echoes it: JSON data, every key with its default, None values left out."""
    return recipe.model_dump(mode="json", exclude_none=True)


def parse_manifest(data: Any, file: Path | str) -> BuildManifest:
    """Check manifest data (as read from JSON) against the model; the first problem is one InputError line."""
    return validate(BuildManifest, data, file)


def read_manifest(path: Path) -> BuildManifest | None:
    """Read a build manifest; a JSON file that is not one (no "process" key) is None, a wrong one an InputError."""
    text = read_text_file(path, "manifest")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, None, None,
                         f"malformed JSON manifest: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except ValueError:          # Python refuses to convert an integer of more than 4,300 digits
        raise InputError(path, None, None, "malformed JSON manifest: a number of more than 4,300 digits") from None
    except RecursionError:
        raise InputError(path, None, None, "malformed JSON manifest: lists or objects nested too deeply") from None
    if not isinstance(data, dict) or "process" not in data:
        return None
    return parse_manifest(data, path)


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of the build manifest, keys under their JSON names."""
    return BuildManifest.model_json_schema(by_alias=True, mode="validation")


def schema_text() -> str:
    """The JSON Schema as `maskgen schema` prints it and docs/manifest.schema.json holds it (2-space indent)."""
    return json.dumps(manifest_schema(), indent=2, ensure_ascii=False) + "\n"
