"""The PCells' parameters and geometry, without KLayout: one bump per process family, drawn by maskgen itself.

A PCell's parameters are the recipe keys of its family's shipped template under `bump:`, `solder:` and the family
block (e.g. `cantilever:` with `embodiment`), dotted, with the template's values as defaults. The bump is drawn by
building that recipe with the parameters' values: the same recipe checks (a bad value is maskgen's one-line
message), the same `Family.bump_cell` and the same layers as `maskgen build`, flattened to polygons per GDS layer.
"""

from __future__ import annotations

import copy
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from maskgen.errors import InputError

FAMILIES = ("stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp")
"""The PCells, one per process family (000-004), each named after its family and its shipped template."""

OPTIONAL = {"cantilever_wlcsp": ("cantilever.elastic_diameter", "cantilever.slot_width")}
"""Keys a family's template leaves out that a PCell offers too (0 = not given): elastic layer 150 of embodiment 4
and the width of the release windows' ring."""

SEP = "__"
"""A recipe key's dots in a PCell parameter name (KLayout names are identifiers): bump.pad.width -> bump__pad__width."""


@dataclass(frozen=True)
class Param:
    """One PCell parameter: its name, the recipe key it sets, its kind, default and allowed values (if a list).

    kind is "double", "int", "string", "bool" or "list" (a list of numbers or names, typed as "a, b").
    """

    name: str
    key: str
    kind: str
    default: Any
    choices: tuple[Any, ...] = ()

    @property
    def unit(self) -> str:
        """The unit KLayout shows beside the field: um for sizes, mJ/cm2 for a dose, none for counts and names."""
        if self.kind != "double" and not (self.kind == "list" and any(c.isdigit() for c in str(self.default))):
            return ""
        return "mJ/cm2" if self.key.endswith("dose") else "um"


@dataclass(frozen=True)
class BumpShapes:
    """A bump drawn by maskgen: its cell name, polygons as (layer, datatype, points in um), labels and the PDK's
    layer names by (layer, datatype)."""

    cell: str
    polygons: list[tuple[int, int, np.ndarray]]
    labels: list[tuple[int, int, str, float, float]]
    layer_names: dict[tuple[int, int], str]


def template_path(family: str) -> Path:
    """The shipped template a family's PCell takes its keys and defaults from."""
    from maskgen.input.pdk import data_root

    if family not in FAMILIES:
        raise InputError(None, "PCell", family, f"allowed: {', '.join(FAMILIES)}")
    return data_root() / "templates" / f"{family}.yaml"


def _template(family: str) -> dict[str, Any]:
    """The family's template as read YAML."""
    from maskgen.input.datafile import read_yaml

    return read_yaml(template_path(family))


def blocks(family: str) -> tuple[str, ...]:
    """The recipe blocks a family's PCell exposes: bump, solder and the family's own block."""
    from maskgen.design.families import FAMILIES as REGISTRY

    return ("bump", "solder", REGISTRY[family].block)


def _choices(key: str) -> tuple[Any, ...]:
    """The allowed values of a recipe key whose model type is a Literal (pad shape, carrier, fill ...), else ()."""
    from pydantic import BaseModel

    from maskgen.input.recipe import Recipe

    model: Any = Recipe
    annotation: Any = None
    for part in key.split("."):
        if part.isdigit():
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if args else None
        else:
            if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
                return ()
            annotation = model.model_fields[part].annotation
        inner = [a for a in (typing.get_args(annotation) if isinstance(annotation, types.UnionType)
                             or typing.get_origin(annotation) is typing.Union else (annotation,))
                 if a is not type(None)]
        annotation = inner[0] if inner else None
        model = annotation
    if typing.get_origin(annotation) is Literal:
        return tuple(typing.get_args(annotation))
    if key.endswith("cantilever.embodiment"):
        return (1, 2, 3, 4, 5, 6)
    return ()


def _leaves(prefix: str, value: Any) -> list[tuple[str, Any]]:
    """The scalar keys under a recipe block, dotted; a list of mappings by index, a list of scalars as one key."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(f"{prefix}.{k}", v)]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(f"{prefix}.{i}", v)]
    return [(prefix, value)]


def _kind(value: Any) -> str:
    """The PCell parameter kind of a template value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        return "list"
    return "string"


def params(family: str) -> list[Param]:
    """The PCell parameters of a family: every scalar key of its template's bump, solder and family blocks."""
    data = _template(family)
    found = []
    for block in blocks(family):
        for key, value in _leaves(block, data.get(block) or {}):
            kind = _kind(value)
            default = list_text(value) if kind == "list" else value
            if kind == "int" and key.split(".")[-1] not in ("embodiment", "count"):
                kind, default = "double", float(value)
            found.append(Param(key.replace(".", SEP), key, kind, default, _choices(key)))
    found += [Param(key.replace(".", SEP), key, "double", 0.0) for key in OPTIONAL.get(family, ())]
    return found


def list_text(values: list[Any]) -> str:
    """A list value as a PCell shows it: `-250, -250`."""
    return ", ".join(f"{v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in values)


def _parse_list(p: Param, text: Any, where: str) -> list[Any]:
    """A list parameter typed as `a, b` back into numbers (or names)."""
    if isinstance(text, (list, tuple)):
        return list(text)
    items = [t.strip() for t in str(text).replace(";", ",").split(",") if t.strip()]
    out: list[Any] = []
    for t in items:
        try:
            out.append(float(t) if any(c in t for c in ".eE") else int(t))
        except ValueError:
            out.append(t)
    if not items:
        raise InputError(where, p.key, text, f"a list of values separated by commas, e.g. {p.default}")
    return out


def recipe_data(family: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The family's template with the PCell parameter values in place (by parameter name or dotted key)."""
    data = copy.deepcopy(_template(family))
    where = pcell_name(family)
    by_name = {p.name: p for p in params(family)}
    by_key = {p.key: p for p in by_name.values()}
    for name, value in (values or {}).items():
        p = by_name.get(name) or by_key.get(name)
        if p is None:
            raise InputError(where, name, value, f"unknown parameter; parameters: {', '.join(by_key)}")
        if p.kind == "list":
            value = _parse_list(p, value, where)
        node: Any = data
        parts = p.key.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node[part]
        if p.key in OPTIONAL.get(family, ()) and not value:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return data


def pcell_name(family: str) -> str:
    """How an error names a PCell: `PCell maskgen.cantilever_wlcsp`."""
    return f"PCell maskgen.{family}"


def bump_shapes(family: str, values: dict[str, Any] | None = None) -> BumpShapes:
    """The bump of a family with these parameter values, as `maskgen build` draws its bump cell, flattened.

    A value the recipe checks refuse is maskgen's InputError, its file named as the PCell.
    """
    from maskgen.build import design_pdk
    from maskgen.design.derive import derive
    from maskgen.design.families import family as family_of
    from maskgen.input.recipe import recipe_from_data
    from maskgen.layout.cells.base import Builder

    path = template_path(family)
    data = recipe_data(family, values)
    try:
        while True:
            recipe = recipe_from_data(data, path)
            try:
                design = derive(recipe, design_pdk(recipe, path), path)
                break
            except InputError as exc:   # a template material the chosen embodiment has no role for: not drawn
                role = (exc.key or "").removeprefix("materials.")
                if exc.key == f"materials.{role}" and "has no role" in exc.allowed and role in data["materials"]:
                    del data["materials"][role]
                    continue
                raise
        b = Builder(design.pdk, family)
        cell = family_of(recipe).bump_cell(b, design, None)
    except InputError as exc:
        if exc.file == str(path):
            raise InputError(pcell_name(family), exc.key, exc.value, exc.allowed) from None
        raise
    polygons = [(int(p.layer), int(p.datatype), np.asarray(p.points)) for p in cell.get_polygons()]
    labels = [(int(la.layer), int(la.texttype), la.text, float(la.origin[0]), float(la.origin[1]))
              for la in cell.get_labels()]
    names = {design.pdk.gds(name): name for name in design.pdk.layers}
    return BumpShapes(cell.name, polygons, labels, names)
