"""Process context of a DRC run: the build manifest beside the layout, or a process named by the user.

`maskgen build` writes `<name>.json` beside `<name>.gds`; it tells the DRC which
process family made the layout, which materials fill the process roles, which
features are on (e.g. "SAC", "release") and how many support beams (111) each
bump type declares. It is parsed with the one manifest model
(`maskgen.input.manifest.BuildManifest`, `read_manifest`): a renamed or unknown key is one
InputError line, never a rule that silently reads nothing. Without it, the process is the one
named by `--process` or inferred from the layers drawn, and the embodiment is read off the
drawing (`maskgen.drc.inference`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen.input.manifest import BuildManifest, parse_manifest, read_manifest
from maskgen.input.pdk import Pdk, Process, Step, claimed_for

_INDEX_SUFFIX = re.compile(r"_\d+$")


def manifest_pdk(manifest: BuildManifest | None) -> str:
    """The PDK a build manifest names: its own folder, else the shipped PDK's name, else "default"."""
    if manifest is None:
        return "default"
    return manifest.pdk_path or manifest.pdk or "default"


@dataclass(frozen=True)
class RoleMaterial:
    """A material filling a process role, and where the choice came from."""

    role: str
    material: str
    source: str  # "manifest" or "process default"


@dataclass(frozen=True)
class ProcessContext:
    """What the DRC knows about the process behind a layout.

    `source` says where the process came from ("manifest", "--process" or "layers drawn"); `inferred`
    holds the embodiment features read off the drawing when no manifest tells them (see
    `maskgen.drc.inference`), with `notes` saying what was inferred and why.
    """

    family: str | None = None
    process: Process | None = None
    manifest: BuildManifest | None = None
    manifest_path: Path | None = None
    features: frozenset[str] = field(default_factory=frozenset)
    source: str | None = None
    inferred: frozenset[str] | None = None
    notes: tuple[str, ...] = ()

    @property
    def has_manifest(self) -> bool:
        """True when a build manifest was found or given."""
        return self.manifest is not None

    @property
    def features_known(self) -> bool:
        """True when the recipe features (lower-case `when` keys) are known: from a manifest or inferred."""
        return self.has_manifest or self.inferred is not None

    def feature(self, name: str) -> bool:
        """True when a feature (a layer drawn by the build, or an option such as `release`) is on."""
        return name in self.features or (self.inferred is not None and name in self.inferred)

    def _holds(self, condition: str, drawn: set[str]) -> bool | None:
        """Whether a step's `when` condition holds: True, False, or None when it cannot be known."""
        if condition.isupper():
            return condition in drawn or self.feature(condition)
        if self.has_manifest:
            return condition in self.features
        return self.feature(condition) if self.inferred is not None else None

    def active_steps(self, layers_present: Iterable[str]) -> list[Step]:
        """Process steps whose `when` conditions hold: layers drawn in the layout, manifest features.

        Conditions that cannot be known (a recipe option, no manifest, nothing inferred) are taken as
        possible, so all the materials of every variant are checked.
        """
        if self.process is None:
            return []
        drawn = set(layers_present)
        return [s for s in self.process.steps if all(self._holds(w, drawn) is not False for w in s.when)]

    def required_layers(self, layers_present: Iterable[str], pdk_layers: Iterable[str]) -> dict[str, str]:
        """Layers the layout must draw, each with the step (or manifest entry) that draws it.

        A step counts when every `when` condition surely holds; a manifest's upper-case features are
        the layers its build drew.
        """
        if self.process is None:
            return {}
        drawn = set(layers_present)
        required: dict[str, str] = {}
        for step in self.process.steps:
            if all(self._holds(w, drawn) is True for w in step.when):
                for name in step.layers:
                    required.setdefault(name, f"step '{step.name}'")
        if self.manifest is not None:
            known = set(pdk_layers)
            for name in sorted(self.features):
                if name in known:
                    required.setdefault(name, "the build manifest (drawn by maskgen build)")
            if self.manifest.wafer is not None and "WAFER" in known:
                required.setdefault("WAFER", "the build manifest's wafer (outline and edge exclusion)")
        return required

    def role_materials(self, layers_present: Iterable[str]) -> list[RoleMaterial]:
        """Materials of the active steps by role, the manifest's role->material choices winning."""
        chosen = dict(self.manifest.materials) if self.manifest else {}
        found: dict[str, RoleMaterial] = {}
        for step in self.active_steps(layers_present):
            if step.role is None or step.role in found:
                continue
            if step.role in chosen:
                found[step.role] = RoleMaterial(step.role, chosen[step.role], "manifest")
            elif step.material is not None:
                found[step.role] = RoleMaterial(step.role, step.material, "process default")
        for role, material in chosen.items():
            if role not in found:
                found[role] = RoleMaterial(role, material, "manifest")
        return [found[r] for r in found]

    def declared_arms(self) -> set[int] | None:
        """Arms each suspended bump must have: 1 (metal line 110) + declared support beams 111.

        None when the manifest declares no bump types (then at least one arm is expected).
        """
        if self.manifest is None:
            return None
        kinds = [b for b in self.manifest.bump_types if b.count > 0] or list(self.manifest.bump_types)
        if not kinds:
            return None
        return {1 + b.support_beams for b in kinds}

    def arms_by_type(self, top_cell: str) -> list[tuple[int, list[tuple[float, float]]]] | None:
        """(arms, bump centres in um) per bump type when the types declare different support beams and the
        layout is the manifest's die (its bump records are in the top cell's coordinates); else None."""
        manifest = self.manifest
        if manifest is None or len({b.support_beams for b in manifest.bump_types if b.count}) < 2:
            return None
        if manifest.die.name != top_cell or manifest.bumps is None:
            return None
        beams = {b.name: b.support_beams for b in manifest.bump_types}
        beams.setdefault("base", manifest.bump_types[0].support_beams)  # bump records call the recipe's own "base"
        centres: dict[str, list[tuple[float, float]]] = {}
        for rec in manifest.bumps:
            if rec.type is not None and rec.type in beams:
                centres.setdefault(rec.type, []).append((float(rec.x), float(rec.y)))
        return [(1 + beams[name], points) for name, points in centres.items()]


def claim_role(family: str, role: str, pdk: Pdk) -> str | None:
    """The claimed-materials role for a process role: `resist_2` -> `resist`, `solder_1` -> `solder`."""
    claimed = claimed_for(pdk, family)
    if role in claimed:
        return role
    base = _INDEX_SUFFIX.sub("", role)
    return base if base in claimed else None


LAYOUT_SUFFIXES = (".gds.gz", ".oas.gz", ".gdsii.gz", ".gds2.gz", ".gds", ".gds2", ".gdsii", ".oas")
"""Layout file endings that `beside` strips to find a layout's name (the longest first)."""


def beside(layout: Path, suffix: str) -> Path:
    """The file `maskgen build` writes beside a layout with another ending: X.gds / X.gds.gz / X.oas + ".json"
    -> X.json. The one rule for the manifest, .lyp and .lyrdb beside a layout."""
    name = layout.name
    for ending in LAYOUT_SUFFIXES:
        if name.lower().endswith(ending) and len(name) > len(ending):
            return layout.with_name(name[: -len(ending)] + suffix)
    return layout.with_suffix(suffix)


def manifest_path_for(layout: Path) -> Path:
    """The manifest that `maskgen build` writes beside a layout: X.gds / X.gds.gz / X.oas -> X.json."""
    return beside(layout, ".json")


def sibling_manifest(layout: Path) -> tuple[BuildManifest | None, Path | None]:
    """The build manifest beside a layout and its path, read once; (None, None) when there is none."""
    side = manifest_path_for(layout)
    found = read_manifest(side) if side.is_file() else None
    return found, (side if found is not None else None)


def process_context(
    pdk: Pdk,
    layout: Path,
    process: str | None = None,
    manifest: Mapping[str, Any] | BuildManifest | None = None,
    manifest_path: Path | None = None,
) -> ProcessContext:
    """Resolve the process of a DRC run: `process` beats the manifest's; manifest None -> sibling .json.

    A manifest already read (`sibling_manifest`) or built comes in as a BuildManifest with the path it was read
    from; data (as read from JSON) is checked against the model first."""
    found: BuildManifest | None = None
    where: Path | None = None
    if isinstance(manifest, BuildManifest):
        found, where = manifest, manifest_path
    elif manifest is not None:
        found, where = parse_manifest(dict(manifest), manifest_path or "manifest"), manifest_path
    else:
        found, where = sibling_manifest(layout)
    family = process if process is not None else (found.process if found else None)
    proc = pdk.process(family, where, "process") if family is not None else None
    features = frozenset(found.features) if found else frozenset()
    source = "--process" if process is not None else ("manifest" if found else None)
    return ProcessContext(family=family, process=proc, manifest=found, manifest_path=where,
                          features=features, source=source)
