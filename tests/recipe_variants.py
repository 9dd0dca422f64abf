"""Recipe variants for tests: a template with some dotted keys changed, written beside the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def set_keys(data: dict, changes: dict[str, Any]) -> dict:
    """Set each dotted key (`die.bump_map.pitch`) of a recipe mapping, creating blocks as needed."""
    for key, value in changes.items():
        node = data
        keys = key.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return data


def setter(key: str, value: Any) -> Callable[[dict], None]:
    """An edit of a recipe mapping that sets one dotted key (`set_keys`)."""
    def edit(data: dict) -> None:
        set_keys(data, {key: value})
    return edit


def load_template(name: str) -> dict:
    """A shipped template as a mapping."""
    return yaml.safe_load((TEMPLATES / f"{name}.yaml").read_text())


def write_recipe(tmp_path: Path, name: str, data: dict) -> Path:
    """Write a recipe mapping as tmp_path/<name>.yaml, named `name`."""
    data["name"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def variant(tmp_path: Path, name: str, template: str = "default", **changes: Any) -> Path:
    """A template with dotted keys changed, written as tmp_path/<name>.yaml."""
    return write_recipe(tmp_path, name, set_keys(load_template(template), changes))
