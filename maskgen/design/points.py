"""The points of a DOE sweep (recipe `sweep:`): every combination of the swept values, each point's name and
recipe data, and a refusal as one line. Recipe-level helpers with no build behind them, in the design stage so
the design (not only maskgen/sweep.py, which builds) can expand a sweep."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

from maskgen.errors import InputError
from maskgen.input.recipe import Recipe
from maskgen.layout.geometry import fmt_um

MAX_POINTS = 1000
"""Largest number of sweep points."""


def sweep_points(recipe: Recipe, path: Path) -> list[dict[str, float]]:
    """Every combination of the swept values, each as {dotted key: value}; keys checked against the recipe."""
    sweep = recipe.sweep or {}
    echo = recipe.model_dump(mode="json")
    for key, values in sweep.items():
        node: Any = echo
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise InputError(path, f"sweep.{key}", values, "not a key of this recipe (dotted path, e.g. "
                                 "bump.ubm_diameter or solder.ball_diameter)")
        if node is not None and (isinstance(node, bool) or not isinstance(node, (int, float))):
            raise InputError(path, f"sweep.{key}", values, f"sweeps numbers; the recipe's value is {node!r}")
        if not values:
            raise InputError(path, f"sweep.{key}", values, "give at least one value")
    count = 1
    for values in sweep.values():
        count *= len(values)
    if count > MAX_POINTS:
        raise InputError(path, "sweep", f"{count} points", f"at most {MAX_POINTS} points")
    keys = list(sweep)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(sweep[k] for k in keys))]


def point_name(base: str, point: dict[str, float]) -> str:
    """A die name from its parameters: <base>-ubm_diameter215-ball_diameter250."""
    last = [k.split(".")[-1] for k in point]
    parts = []
    for key, value in point.items():
        label = key.split(".")[-1] if last.count(key.split(".")[-1]) == 1 else key.replace(".", "_")
        parts.append(f"{label}{fmt_um(float(value))}")
    return "-".join([base, *parts])


def point_data(data: dict[str, Any], point: dict[str, float], name: str) -> dict[str, Any]:
    """The recipe data of one point: the swept keys set, the name from the parameters, no sweep."""
    out = copy.deepcopy(data)
    out.pop("sweep", None)
    out.pop("sweep_layout", None)
    out["name"] = name
    for key, value in point.items():
        node: Any = out
        parts = key.split(".")
        for part in parts[:-1]:
            if isinstance(node, list):
                node = node[int(part)]
            else:
                node = node.setdefault(part, {})
        leaf = parts[-1]
        number: float | int = int(value) if float(value).is_integer() else value
        if isinstance(node, list):
            node[int(leaf)] = number
        else:
            node[leaf] = number
    return out


def reason(exc: InputError) -> str:
    """An error as one line without the file name (the sweep table names the point)."""
    return f"{exc.key} = {exc.value!r}: {exc.allowed}" if exc.key else exc.allowed
