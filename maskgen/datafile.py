"""Read YAML data files and validate them into typed models with one-line errors."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from maskgen.errors import InputError

M = TypeVar("M", bound=BaseModel)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (the PDK loads about 0.1 s faster), else the pure-Python one."""


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing or malformed file is an InputError."""
    if not path.is_file():
        raise InputError(path, None, None, "file not found")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(path, None, None, f"malformed YAML: {where}{problem}") from None
    except UnicodeDecodeError:
        raise InputError(path, None, None, "not a UTF-8 text file") from None


def validate(model: type[M], data: Any, path: Path | str, prefix: str = "") -> M:
    """Validate data into a model; the first error becomes one InputError line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error_from(exc, path, model, prefix) from None


def input_error_from(
    exc: ValidationError, path: Path | str, model: type[BaseModel] | None = None, prefix: str = ""
) -> InputError:
    """Turn pydantic's first error into an InputError naming key, value and what is allowed."""
    err = exc.errors(include_url=False)[0]
    raw_loc = list(err.get("loc", ()))
    loc = [str(p) for p in raw_loc if not _is_tag(p)]
    key = ".".join(([prefix] if prefix else []) + loc) or "(top level)"
    kind = err.get("type", "")
    value = err.get("input")
    msg = err.get("msg", "invalid value")
    if kind == "extra_forbidden":
        fields = _fields_at(model, raw_loc[:-1]) if model else []
        allowed = f"unknown key; allowed keys: {', '.join(fields)}" if fields else "unknown key"
        return InputError(path, key, value, allowed)
    if kind == "missing":
        return InputError(path, key, None, "required key is missing")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return InputError(path, key, value, msg)


def _is_tag(part: Any) -> bool:
    """Pydantic inserts validator and union-member names into locations; they are not keys."""
    return isinstance(part, str) and ("function-" in part or "[" in part)


def _fields_at(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """The keys allowed by the (nested) model found by walking loc from model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or _is_tag(part):
            continue
        cls = _model_of(current)
        if cls is None or part not in cls.model_fields:
            return []
        current = cls.model_fields[part].annotation
    cls = _model_of(current)
    return list(cls.model_fields) if cls else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class inside an annotation such as `Foo | None` or `list[Foo]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
