"""YAML reads `true` and `yes` as booleans, and pydantic would take them for 1 where a number is wanted
(`count: [true, true]` built one bump): a boolean is refused wherever the recipe's key takes no boolean."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel


def takes_bool(annotation: Any) -> bool:
    """True when a key of this annotation may hold true/false somewhere (bool or Any inside it)."""
    if annotation is bool or annotation is Any or annotation is object:
        return True
    return any(takes_bool(a) for a in typing.get_args(annotation))


def _has_model(annotation: Any) -> bool:
    """True when the annotation holds a model (whose own keys are checked by the model itself)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_has_model(a) for a in typing.get_args(annotation))


def has_bool(value: Any, into_mappings: bool) -> bool:
    """True when value is a boolean or a list / (mapping) holding one."""
    if isinstance(value, bool):
        return True
    if isinstance(value, list | tuple):
        return any(has_bool(v, into_mappings) for v in value)
    if into_mappings and isinstance(value, dict):
        return any(has_bool(v, into_mappings) for v in value.values())
    return False


def refuse_bools(model: type[BaseModel], data: Any) -> Any:
    """A model's raw data, or a ValueError naming the first key that holds true/false but takes numbers or
    text (a mapping under a key that takes a model is left to that model's own check)."""
    if not isinstance(data, dict):
        return data
    for name, value in data.items():
        field = model.model_fields.get(name) if isinstance(name, str) else None
        if field is None:
            continue
        annotation = field.annotation
        if not takes_bool(annotation) and has_bool(value, not _has_model(annotation)):
            raise ValueError(f"{name} = {_yaml(value)}: takes numbers or text, not true/false")
    return data


def _yaml(value: Any) -> str:
    """A value as the recipe writes it: true/false, not True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return repr(value)
