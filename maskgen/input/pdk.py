"""Load a process design kit (pdk/<name>/): layers, rules, materials and processes, as data."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from maskgen.errors import InputError
from maskgen.input.datafile import read_yaml, validate

CANONICAL_LAYERS = (
    "PAD PASV SAC ELASTIC INS1 INS2 RDL PROT UBM EXPOSE PR1 PR2 PR3 PR4 "
    "SM1 SM2 SM3 POLY BUMP REFLOW DIE WAFER"
).split()

PROCESS_FAMILIES = ("stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp")

ACTIONS = (
    "substrate deposit coat laminate expose develop etch plate print drop flux reflow strip release"
).split()

MATERIAL_KINDS = ("substrate", "board", "metal", "dielectric", "polymer", "flux", "solder", "resist")

COLOUR = r"^#[0-9a-fA-F]{6}$"
"""A colour as #rrggbb: a layer's in KLayout (layers.yaml), a material's in the cross-section (materials.yaml)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Length = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A strictly positive, finite length in um."""


class Layer(_Strict):
    """One canonical layer: GDS numbers, meaning of a drawn shape, colour, mask or reference."""

    layer: int = Field(ge=0, le=65535)
    datatype: int = Field(ge=0, le=65535)
    shape: Literal["material", "opening"]
    colour: str = Field(pattern=COLOUR)
    pattern: Literal["solid", "hollow", "hatched", "dotted", "dense"] = "solid"
    role: Literal["mask", "reference"]
    description: str


class Rule(_Strict):
    """One design rule: id, value in um (or None), description, claims and source."""

    id: str
    value: float | None
    description: str
    claims: list[str]
    source: str
    params: dict[str, float] = {}
    layers: list[str] = []
    """Canonical layers the rule reads; a layer its process draws and the layout lacks fails the rule."""


class RuleDeck(_Strict):
    """The rules file: manufacturing grid, circle tolerance and the rules."""

    grid: float = Field(gt=0)
    chord_error: float = Field(gt=0)
    rules: list[Rule]


class Material(_Strict):
    """A material with its kind and the figures the models need."""

    kind: Literal[MATERIAL_KINDS]  # type: ignore[valid-type]
    colour: str = Field(pattern=COLOUR)
    """How the material is drawn in the cross-section frames."""
    description: str = ""
    E: float | None = Field(default=None, gt=0)
    cte: float | None = None
    solidus: float | None = None
    liquidus: float | None = None
    lead_free: bool | None = None
    density: float | None = None
    tone: Literal["positive", "negative"] | None = None
    form: Literal["spin_coat", "dry_film"] | None = None
    photosensitivity: float | None = Field(default=None, gt=0)
    edge_blur: float | None = Field(default=None, gt=0)


class Claimed(_Strict):
    """The materials a claim allows for one role."""

    allowed: list[str]
    claim: str


class MaterialTable(_Strict):
    """materials.yaml: the materials, colours by kind, paste metal fraction and release limit, and claimed lists
    per family."""

    materials: dict[str, Material]
    kind_colours: dict[Literal[MATERIAL_KINDS], Annotated[str, Field(pattern=COLOUR)]]  # type: ignore[valid-type]
    """Cross-section colour of a material the table does not list, by the kind it is drawn as."""
    paste_metal_fraction: float = Field(gt=0, le=1)
    stencil_area_ratio_min: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """IPC-7525: least area ratio d / (4 T) of a round printing opening for the paste to release; required by
    the processes that print paste (`Pdk.area_ratio_min`)."""
    claimed: dict[str, dict[str, Claimed]]

    @field_validator("kind_colours")
    @classmethod
    def _every_kind(cls, value: dict[str, str]) -> dict[str, str]:
        missing = [k for k in MATERIAL_KINDS if k not in value]
        if missing:
            raise ValueError(f"needs a colour for every kind; missing: {', '.join(missing)}")
        return value

    def colour(self, material: str, kind: str) -> str:
        """The cross-section colour of a material: its own, else that of the kind it is drawn as."""
        found = self.materials.get(material)
        return found.colour if found is not None else self.kind_colours[kind]


class Step(_Strict):
    """One process step: what it does, with which material, thickness and mask."""

    action: Literal[tuple(ACTIONS)]  # type: ignore[valid-type]
    name: str
    role: str | None = None
    material: str | None = None
    thickness: float | None = Field(default=None, gt=0)
    mask: str | None = None
    keep: Literal["drawn", "field"] | None = None
    resist: str | None = None
    layer: str | None = None
    films: list[str] = []
    when: list[str] = []
    solder_index: int | None = None
    draws: list[str] = []
    """Reference layers that show what the step makes (BUMP for a ball dropped, paste printed, post plated)."""

    @property
    def layers(self) -> list[str]:
        """Canonical layers this step draws: its mask, its film's opening layer and its reference layers."""
        found = [n for n in (self.mask, self.layer) if n is not None] + list(self.draws)
        return list(dict.fromkeys(found))


class CantileverDefaults(_Strict):
    """004 geometry the process fixes, taken by a recipe's cantilever block that leaves it out (um)."""

    slot_width: Length
    """Radial width of the slot ring of release etch windows 160."""
    clearance: Length
    """Insulator kept around RDL where the etch windows are cut; via landing over the pad via a side."""


class ProcessDefaults(_Strict):
    """Values of a process's recipe block that are process data: the recipe may override each."""

    cantilever: CantileverDefaults | None = None


class Process(_Strict):
    """A process family: its seed patent, ordered steps and the recipe defaults that are process data."""

    name: str
    seed: str
    title: str
    description: str
    steps: list[Step]
    defaults: ProcessDefaults = ProcessDefaults()
    embodiments: dict[int, list[str]] = {}
    """Embodiment number -> the `when:` features it switches on (004: which layers and steps each draws)."""

    def embodiment(self, number: int) -> frozenset[str]:
        """The `when:` features an embodiment switches on; ValueError for one the process does not have."""
        if number not in self.embodiments:
            raise ValueError(f"process {self.name} has no embodiment {number} "
                             f"(embodiments: {', '.join(map(str, self.embodiments))})")
        return frozenset(self.embodiments[number])

    def with_feature(self, feature: str) -> frozenset[int]:
        """The embodiments that switch a feature on."""
        return frozenset(e for e, f in self.embodiments.items() if feature in f)

    def active_steps(self, present: set[str]) -> list[Step]:
        """The steps whose `when` conditions (layers drawn, recipe features) are all present."""
        return [s for s in self.steps if all(w in present for w in s.when)]

    def layers(self) -> list[str]:
        """Every canonical layer some step of the process can draw, in step order."""
        return list(dict.fromkeys(n for s in self.steps for n in s.layers))

    def unconditional_layers(self) -> list[str]:
        """Layers drawn by steps without a `when` condition: every layout of this process has them."""
        return list(dict.fromkeys(n for s in self.steps if not s.when for n in s.layers))


class Marks(_Strict):
    """Alignment crosses, one site per mask level, and a frame around the previous level's cross (um)."""

    arm: Length
    """Half length of a cross."""
    width: Length
    """Width of a cross arm and of the frame."""
    box: Length
    """Outer size of the frame around the previous level's cross."""
    pitch: Length
    """Between the mark sites of consecutive levels."""

    @model_validator(mode="after")
    def _frame_clears_cross(self) -> Marks:
        if self.box - 2 * self.width <= 2 * self.arm:
            raise ValueError(f"the frame (box {self.box:g} less 2 x width {self.width:g}) must be wider than the "
                             f"cross (2 x arm {self.arm:g}) it surrounds")
        if self.box / 2 + self.arm >= self.pitch:
            raise ValueError(f"pitch {self.pitch:g} must exceed box / 2 + arm = {self.box / 2 + self.arm:g}: a "
                             "level's frame around the previous cross would touch its own cross")
        return self


class DieMask(_Strict):
    """A die mask: the field around the die holding the marks (left and right) and the label (below)."""

    field_margin: Length
    marks: Marks
    mark_first: float = Field(ge=0, allow_inf_nan=False)
    """From the die's lower edge up to the first level's mark site."""
    label_height: Length

    @model_validator(mode="after")
    def _marks_fit(self) -> DieMask:
        if self.marks.box > self.field_margin:
            raise ValueError(f"marks.box {self.marks.box:g} does not fit the field_margin {self.field_margin:g} "
                             "the marks sit in")
        return self


class PlateMask(_Strict):
    """A full-wafer 1x plate: margin, global marks in the edge exclusion, label and bar-coded mask ID."""

    margin: Length
    """Of plate beyond the wafer edge a side, at least."""
    marks: Marks
    mark_edge_space: float = Field(ge=0, allow_inf_nan=False)
    """Between a cross and the wafer edge at least (marks sit mid-way in the edge exclusion)."""
    label_height: Length
    bar_widths: tuple[Length, Length]
    """Width of a 0 bit and of a 1 bit of the mask-ID bar code."""
    bar_height: Length

    @field_validator("bar_widths")
    @classmethod
    def _bits_differ(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[1] <= value[0]:
            raise ValueError("a 1 bit (second) must be wider than a 0 bit (first)")
        return value


class ReticleMask(_Strict):
    """A stepper reticle: chrome border around the field with its crosses, and the plate it is written on."""

    border: Length
    """Chrome border around the field, at wafer scale."""
    mark_width: Length
    """Arm width of the reticle crosses (their arm: border / 2 - 2 x mark_width)."""
    plate_inch: int = Field(gt=0)
    """Size of the square reticle plate the field with its border, magnified, must fit."""

    @model_validator(mode="after")
    def _cross_fits(self) -> ReticleMask:
        if self.border / 2 - 2 * self.mark_width <= 0:
            raise ValueError(f"border {self.border:g} leaves no arm for crosses of mark_width {self.mark_width:g} "
                             "(arm = border / 2 - 2 x mark_width)")
        return self


class MaskGeometry(_Strict):
    """masks.yaml: what `maskgen masks` draws around the layout on die masks, wafer plates and reticles."""

    die: DieMask
    plate: PlateMask
    reticle: ReticleMask


class SolderFatigue(_Strict):
    """An alloy's fatigue ductility coefficient eps_f (Engelmaier) and where it is published."""

    eps_f: float = Field(gt=0, allow_inf_nan=False)
    source: str


class LineFatigue(_Strict):
    """A line metal's universal-slopes constants: ultimate tensile strength (MPa), true fracture ductility, source."""

    ultimate_strength: float = Field(gt=0, allow_inf_nan=False)
    ductility: float = Field(gt=0, allow_inf_nan=False)
    source: str


class SourcedValue(_Strict):
    """A figure and where it comes from."""

    value: float = Field(gt=0, allow_inf_nan=False)
    source: str


class ReliabilityDefaults(_Strict):
    """The thermal cycle a recipe's `reliability:` block gets when it leaves a key out."""

    cycle: tuple[float, float]
    dwell: float = Field(gt=0, allow_inf_nan=False)
    board: str


class ReliabilityData(_Strict):
    """reliability.yaml: defaults of the cycle, Engelmaier's F, eps_f per alloy, line-metal fatigue, elastic
    figures of the joint and arm models."""

    defaults: ReliabilityDefaults
    non_ideal_factor: SourcedValue
    solders: dict[str, SolderFatigue]
    lines: dict[str, LineFatigue] = {}
    solder_poisson: float = Field(ge=0, lt=0.5)
    film_poisson: float = Field(ge=0, lt=0.5)
    shear_coefficient: float = Field(gt=0, le=1)


class Pdk(BaseModel):
    """A loaded PDK: layers by canonical name, rules by id, materials and processes."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    path: Path
    layers: dict[str, Layer]
    deck: RuleDeck
    materials: MaterialTable
    processes: dict[str, Process]
    electrical: dict = {}
    """Sheet and bump resistances for test-structure predictions (electrical.yaml, optional)."""
    reliability: ReliabilityData | None = None
    """Thermal-cycling fatigue data (reliability.yaml; optional until a recipe has a `reliability:` block)."""
    mask_geometry: MaskGeometry | None = None
    """Mask field, marks and labels (masks.yaml; optional until `maskgen masks` needs it, `Pdk.masks`)."""
    process_files: dict[str, Path] = {}
    """The file each process was read from, for error messages."""
    overridden: dict[str, float | None] = {}
    """Rule id -> the PDK file's value, for each rule whose value this design overrides (a recipe's `rules:`,
    applied once by `maskgen.input.rules.apply_rules`); every reader of the rules sees the design's value."""

    @property
    def rdl_sheet_resistance(self) -> float:
        """RDL sheet resistance in ohm/sq (electrical.yaml; 3.4 mOhm/sq, 5 um electroplated Cu, when not given)."""
        return float(self.electrical.get("rdl_sheet_resistance", 0.0034))

    @property
    def grid(self) -> float:
        """Manufacturing grid in um."""
        return self.deck.grid

    @property
    def rules(self) -> dict[str, Rule]:
        """Rules by id, in file order."""
        return {r.id: r for r in self.deck.rules}

    def rule_source(self, rule_id: str) -> str:
        """Where a rule's value comes from: "recipe" (the design's `rules:`) or "pdk" (rules.yaml)."""
        return "recipe" if rule_id in self.overridden else "pdk"

    @property
    def shipped(self) -> bool:
        """True for a PDK shipped with maskgen (found by name), False for a folder of the user's own."""
        return self.path.parent == (data_root() / "pdk").resolve()

    def rule_value(self, rule_id: str) -> float:
        """The value of a rule in um; a rule without a value is a PDK error."""
        rule = self.rules.get(rule_id)
        if rule is None or rule.value is None:
            raise InputError(self.path / "rules.yaml", rule_id, None, "rule with a value is required")
        return rule.value

    def bump_pitch(self) -> tuple[float, float]:
        """BUMP.PITCH: base (um) and UBM factor of the least bump pitch, base + factor x UBM width."""
        rule = self.rules.get("BUMP.PITCH")
        if rule is None or rule.value is None or "ubm_factor" not in rule.params:
            raise InputError(self.path / "rules.yaml", "BUMP.PITCH", None,
                             "rule with a value and params.ubm_factor is required")
        return rule.value, rule.params["ubm_factor"]

    def area_ratio_min(self) -> float:
        """IPC-7525 least stencil area ratio d / (4 T) for printed paste to release (materials.yaml)."""
        value = self.materials.stencil_area_ratio_min
        if value is None:
            raise InputError(self.path / "materials.yaml", "stencil_area_ratio_min", None,
                             "required key is missing (paste printing checks each opening against it)")
        return value

    @property
    def masks(self) -> MaskGeometry:
        """Mask field, marks and labels of `maskgen masks` (masks.yaml)."""
        if self.mask_geometry is None:
            raise InputError(self.path / "masks.yaml", None, None,
                             "file not found (maskgen masks draws the mask field, marks and labels from it)")
        return self.mask_geometry

    def gds(self, layer: str) -> tuple[int, int]:
        """GDS (layer, datatype) of a canonical layer name."""
        try:
            spec = self.layers[layer]
        except KeyError:
            raise InputError(self.path / "layers.yaml", "layer", layer,
                             f"unknown layer; known: {', '.join(self.layers)}") from None
        return spec.layer, spec.datatype

    def material(self, name: str | None, file: str | Path | None = None, key: str = "material",
                 kind: str | None = None) -> Material:
        """A material by name; unknown names are an input error listing the known ones (of `kind` when given:
        an unknown solder alloy lists the alloys)."""
        table = self.materials.materials
        found = table.get(name) if isinstance(name, str) else None
        if found is not None and (kind != "solder" or found.kind == "solder"):
            return found
        if kind is None:
            raise InputError(file or self.path / "materials.yaml", key, name,
                             f"unknown material; known: {', '.join(table)}")
        same = [n for n, m in table.items() if m.kind == kind]
        what = "solder alloy" if kind == "solder" else f"{kind} material"
        why = f"is a {found.kind}, not a {what}" if found is not None else f"unknown {what}"
        raise InputError(file or self.path / "materials.yaml", key, name,
                         f"{why}; {'alloys' if kind == 'solder' else 'known ' + kind + ' materials'}: "
                         f"{', '.join(same)}")

    def process(self, name: str, file: str | Path | None = None, key: str = "process") -> Process:
        """A process by name; unknown names list the processes of this PDK."""
        try:
            return self.processes[name]
        except KeyError:
            raise InputError(file, key, name, f"unknown process; known: {', '.join(self.processes)}") from None

    def die_rdl_processes(self) -> list[str]:
        """Processes whose RDL step the die switches on (`when: [RDL]`): those a fan-out or test structures fit."""
        return sorted(name for name, proc in self.processes.items()
                      if any(s.mask == "RDL" and "RDL" in s.when for s in proc.steps))


def data_root() -> Path:
    """Folder holding `pdk/` and `templates/`: the source checkout, or the installed package data."""
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent
    if (checkout / "pdk" / "default" / "layers.yaml").is_file():
        return checkout
    return package / "_data"


def pdk_names() -> list[str]:
    """Names of the PDKs shipped with maskgen."""
    root = data_root() / "pdk"
    return sorted(p.name for p in root.iterdir() if (p / "layers.yaml").is_file())


def resolve_pdk_path(name_or_path: str) -> Path:
    """A PDK name (shipped) or a path to a PDK folder of the user's own."""
    candidate = Path(name_or_path)
    try:
        candidate.is_dir()
        (data_root() / "pdk" / name_or_path).exists()
    except (OSError, ValueError):  # a name too long for a path, or with a NUL byte
        raise InputError(None, "pdk", name_or_path, f"unknown PDK; known: {', '.join(pdk_names())} "
                         "or a path to a PDK folder") from None
    if candidate.is_dir() and (candidate / "layers.yaml").is_file():
        return candidate.resolve()
    shipped = data_root() / "pdk" / name_or_path
    if (shipped / "layers.yaml").is_file():
        return shipped.resolve()
    if candidate.exists() or "/" in name_or_path:
        raise InputError(None, "pdk", name_or_path, "not a PDK folder (needs layers.yaml, rules.yaml, "
                         "materials.yaml, processes/)")
    raise InputError(None, "pdk", name_or_path, f"unknown PDK; known: {', '.join(pdk_names())} "
                     "or a path to a PDK folder")


def names_folder(value: str) -> bool:
    """True when a recipe's `pdk:` is a folder path (./house_pdk, ../kits/x, /abs/path), not a shipped name."""
    return "/" in value or "\\" in value or value.startswith(".")


def load_recipe_pdk(value: str, recipe_file: Path) -> Pdk:
    """The PDK a recipe's `pdk:` names: a shipped PDK by name, or a folder relative to the recipe's folder."""
    if not names_folder(value):
        return load_pdk(value)
    folder = Path(value) if Path(value).is_absolute() else recipe_file.parent / value
    try:
        found = folder.is_dir()
    except (OSError, ValueError):
        found = False
    if not found:
        raise InputError(recipe_file, "pdk", value, f"PDK folder not found: {folder} (a folder path is read "
                         "relative to the recipe's folder)")
    if not (folder / "layers.yaml").is_file():
        raise InputError(recipe_file, "pdk", value, f"not a PDK folder: {folder / 'layers.yaml'} not found (a PDK "
                         "folder holds layers.yaml, rules.yaml, materials.yaml, processes/)")
    return _load(folder.resolve())


def load_pdk(name_or_path: str = "default") -> Pdk:
    """Load and validate a PDK by name or folder path."""
    return _load(resolve_pdk_path(name_or_path))


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> Pdk:
    layers_raw = read_yaml(path / "layers.yaml")
    if not isinstance(layers_raw, dict):
        raise InputError(path / "layers.yaml", None, None, "must be a mapping of layer name to layer")
    layers = {name: validate(Layer, spec, path / "layers.yaml", prefix=str(name))
              for name, spec in layers_raw.items()}
    missing = [n for n in CANONICAL_LAYERS if n not in layers]
    if missing:
        raise InputError(path / "layers.yaml", missing[0], None, "canonical layer is missing")
    numbers: dict[tuple[int, int], str] = {}
    for name, spec in layers.items():
        key = (spec.layer, spec.datatype)
        if key in numbers:
            raise InputError(path / "layers.yaml", name, f"{key[0]}/{key[1]}",
                             f"layer/datatype already used by {numbers[key]}")
        numbers[key] = name
    if not (path / "processes").is_dir():
        raise InputError(path / "processes", None, None, "folder not found (a PDK has one YAML file per process "
                         "in processes/)")
    deck = validate(RuleDeck, read_yaml(path / "rules.yaml"), path / "rules.yaml")
    for i, rule in enumerate(deck.rules):
        for name in rule.layers:
            if name not in layers:
                raise InputError(path / "rules.yaml", f"rules[{i}].layers", name,
                                 f"unknown layer; known: {', '.join(layers)}")
    materials = validate(MaterialTable, read_yaml(path / "materials.yaml"), path / "materials.yaml")
    _check_rules(deck, path / "rules.yaml")
    processes: dict[str, Process] = {}
    files: dict[str, Path] = {}
    for file in sorted((path / "processes").glob("*.yaml")):
        proc = validate(Process, read_yaml(file), file)
        _check_process(proc, file, layers, materials)
        processes[proc.name] = proc
        files[proc.name] = file
    electrical = read_yaml(path / "electrical.yaml") if (path / "electrical.yaml").is_file() else {}
    if not isinstance(electrical, dict):
        raise InputError(path / "electrical.yaml", None, None, "must be a mapping of figure to value")
    masks = validate(MaskGeometry, read_yaml(path / "masks.yaml"), path / "masks.yaml") \
        if (path / "masks.yaml").is_file() else None
    reliability = validate(ReliabilityData, read_yaml(path / "reliability.yaml"), path / "reliability.yaml") \
        if (path / "reliability.yaml").is_file() else None
    return Pdk(name=path.name, path=path, layers=layers, deck=deck, materials=materials,
               processes=processes, electrical=electrical, mask_geometry=masks, process_files=files,
               reliability=reliability)


def _check_rules(deck: RuleDeck, file: Path) -> None:
    """Rules whose formula takes more than the value have it all: BUMP.PITCH a base >= 0 and ubm_factor > 0."""
    for i, rule in enumerate(deck.rules):
        if rule.id != "BUMP.PITCH":
            continue
        if rule.value is None or not math.isfinite(rule.value) or rule.value < 0:
            raise InputError(file, f"rules[{i}].value", rule.value,
                             "BUMP.PITCH takes a base pitch >= 0 in um (pitch >= value + ubm_factor x UBM width)")
        factor = rule.params.get("ubm_factor")
        if factor is None:
            raise InputError(file, f"rules[{i}].params.ubm_factor", None,
                             "required key is missing (BUMP.PITCH: pitch >= value + ubm_factor x UBM width)")
        if not (math.isfinite(factor) and factor > 0):
            raise InputError(file, f"rules[{i}].params.ubm_factor", factor,
                             "takes a number > 0 (BUMP.PITCH: pitch >= value + ubm_factor x UBM width)")


def _check_process(proc: Process, file: Path, layers: dict[str, Layer], table: MaterialTable) -> None:
    """Every mask and layer a process names exists; every material is known."""
    for i, step in enumerate(proc.steps):
        for key in ("mask", "layer"):
            value = getattr(step, key)
            if value is not None and value not in layers:
                raise InputError(file, f"steps[{i}].{key}", value, "unknown layer")
        for value in step.draws:
            if value not in layers:
                raise InputError(file, f"steps[{i}].draws", value, "unknown layer")
        for key in ("material", "resist"):
            value = getattr(step, key)
            if value is not None and value not in table.materials:
                raise InputError(file, f"steps[{i}].{key}", value,
                                 f"unknown material; known: {', '.join(table.materials)}")


def claimed_for(pdk: Pdk, family: str) -> dict[str, Claimed]:
    """The claimed material lists of a process family (role -> allowed)."""
    return pdk.materials.claimed.get(family, {})


def layer_table(pdk: Pdk) -> list[dict[str, Any]]:
    """Layers as rows for listings and manifests."""
    return [{"name": n, "layer": s.layer, "datatype": s.datatype, "shape": s.shape,
             "role": s.role, "colour": s.colour, "description": s.description}
            for n, s in pdk.layers.items()]
