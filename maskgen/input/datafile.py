"""Read YAML data files and validate them into typed models with one-line errors."""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from maskgen.errors import InputError
from maskgen.input.files import read_text_file
from maskgen.input.yamlload import Refused, load_strict, refused_error

M = TypeVar("M", bound=BaseModel)

def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing or malformed file is an InputError."""
    text = read_text_file(path, "file")
    try:
        return load_strict(text)
    except Refused as exc:
        raise refused_error(path, exc) from None
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
        raise input_error_from(exc, path, model, prefix, data) from None


_WORDS = {
    "float_type": "takes a number", "float_parsing": "takes a number",
    "int_type": "takes a whole number", "int_parsing": "takes a whole number",
    "int_from_float": "takes a whole number", "string_type": "takes text (quote it)",
    "bool_type": "takes true or false", "bool_parsing": "takes true or false",
    "list_type": "takes a list [a, b, ...]", "dict_type": "takes a mapping of keys to values",
    "model_type": "takes a mapping of keys to values", "model_attributes_type": "takes a mapping of keys to values",
    "finite_number": "takes a finite number",
}


def input_error_from(
    exc: ValidationError, path: Path | str, model: type[BaseModel] | None = None, prefix: str = "",
    data: Any = None,
) -> InputError:
    """Turn pydantic's first error into an InputError naming the key as the user wrote it, value and what is
    allowed (an unknown key beats the missing one it misspells, and gets the closest allowed key)."""
    errors = exc.errors(include_url=False)
    err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    raw_loc = list(err.get("loc", ()))
    names, annotation = _user_loc(model, raw_loc) if model else ([str(p) for p in raw_loc], None)
    kind = err.get("type", "")
    value = err.get("input")
    msg = err.get("msg", "invalid value")
    ctx = err.get("ctx") or {}
    pair = _pair_of(model, names) if model else None
    ranged = kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal")
    unit = msg.startswith("Value error, unknown unit")
    if pair is not None and not ranged and not unit and not (kind == "missing" and pair[0] == len(names)):
        names = names[: pair[0]]
        return InputError(path, _key(prefix, names), _value_at(data, names, value), pair[1])
    key = _key(prefix, names)
    if kind == "extra_forbidden":
        fields = _fields_at(model, raw_loc[:-1]) if model else []
        leaf = names[-1] if names else ""
        close = difflib.get_close_matches(leaf, fields, n=1, cutoff=0.6)
        allowed = f"unknown key; did you mean {close[0]}?" if close else "unknown key"
        if fields:
            allowed += f" (allowed keys: {', '.join(fields)})"
        return InputError(path, key, None, allowed)
    if kind == "missing":
        return InputError(path, key, None, "required key is missing")
    if kind == "union_tag_invalid":
        return InputError(path, _key(prefix, [*names, str(ctx.get("discriminator", "kind")).strip("'")]),
                          ctx.get("tag"), f"allowed: {_tags(ctx)}")
    if kind == "union_tag_not_found" and isinstance(value, dict):
        members = _models_in(_annotation_at(model, raw_loc)) if model else []
        known = list(dict.fromkeys(f for m in members for f in m.model_fields))
        unknown = [k for k in value if k not in known]
        if unknown and known:
            close = difflib.get_close_matches(str(unknown[0]), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else f"allowed keys: {', '.join(known)}"
            return InputError(path, _key(prefix, [*names, str(unknown[0])]), None, f"unknown key; {hint}")
    if kind == "union_tag_not_found":
        return InputError(path, _key(prefix, [*names, str(ctx.get("discriminator", "kind")).strip("'")]),
                          None, "required key is missing (it says which kind of map this is)")
    if kind == "literal_error":
        return InputError(path, key, value, f"allowed: {_tags({'expected_tags': ctx.get('expected', '')})}")
    if kind == "string_too_long":
        return InputError(path, key, value, f"takes at most {ctx.get('max_length')} characters")
    if kind == "string_pattern_mismatch":
        return InputError(path, key, value, _pattern_words(str(ctx.get("pattern", ""))))
    if kind in _WORDS:
        words = _WORDS[kind]
        if kind in ("dict_type", "model_type", "model_attributes_type"):
            fields = _fields_at(model, raw_loc) if model else []
            if fields:
                words += f" (keys: {', '.join(fields)})"
        in_um = " in um" if annotation is not None and _is_um(annotation) and kind.startswith("float") else ""
        return InputError(path, key, value, words + in_um)
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if isinstance(value, dict):  # a check across a block's keys: the message names them, the block is not echoed
        value = None
    return InputError(path, key, value, msg)


def _key(prefix: str, names: list[str]) -> str:
    """A dotted key path with list indices as [i], e.g. stair.resists[0].material."""
    out = prefix
    for n in names:
        out = f"{out}[{n}]" if n.isdigit() else (f"{out}.{n}" if out else n)
    return out or "(top level)"


def _tags(ctx: dict) -> str:
    """pydantic's "'a', 'b' or 'c'" as "a, b, c"."""
    text = str(ctx.get("expected_tags", ctx.get("expected", "")))
    return ", ".join(t.strip().strip("'\"") for t in text.replace(" or ", ", ").split(",") if t.strip())


def _pattern_words(pattern: str) -> str:
    """What a pattern-checked text takes, in words."""
    if pattern == r"^\d+/\d+$":
        return 'takes a GDS layer/datatype such as "7/0"'
    if pattern == r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$":
        return "takes letters, digits, _ . and - only, not starting with '.' (it names the output files)"
    if pattern == r"^[A-Za-z0-9_.-]+$":
        return "takes letters, digits, _ . and - only (it names the output files)"
    return f"must match {pattern}"


def _is_um(annotation: Any) -> bool:
    """True for a length in um (float with a gt=0 bound)."""
    return any(getattr(m, "gt", None) == 0 for m in getattr(annotation, "__metadata__", ())) or annotation is float


def _value_at(data: Any, names: list[str], default: Any) -> Any:
    """The user's value at a key path of the data (the whole pair, not the element pydantic names)."""
    for n in names:
        try:
            data = data[int(n)] if n.isdigit() and isinstance(data, list) else data[n]
        except (KeyError, IndexError, TypeError, ValueError):
            return default
    return data


def _pair_of(model: type[BaseModel], names: list[str]) -> tuple[int, str] | None:
    """(depth, words) when the error sits in an [x, y] pair key of the model (pitch, size, count, ...)."""
    current: Any = model
    for depth, part in enumerate(names):
        cls = _model_of(current, part)
        if cls is None or part not in cls.model_fields:
            return None
        current = cls.model_fields[part].annotation
        words = PAIR_WORDS.get(part)
        if words and _is_pair(current):
            return depth + 1, f"{part} {words}"
    return None


PAIR_WORDS = {
    "pitch": "takes [x, y] in um, or one number for both",
    "size": "takes [x, y] in um, or one number for both",
    "die_step": "takes [x, y] in um, or one number for both",
    "count": "takes [columns, rows], whole numbers, or one number for both",
    "pad_offset": "takes [x, y] in um (from the bump centre to the pad)",
}
"""How each [x, y] pair key is written, in the words of the error message."""


def _is_pair(annotation: Any) -> bool:
    """True for a tuple[...] annotation (possibly inside Annotated or Optional)."""
    for a in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(a) is tuple:
            return True
        inner = typing.get_args(a)
        if inner and typing.get_origin(inner[0]) is tuple:
            return True
    return False


def _user_loc(model: type[BaseModel], loc: list[Any]) -> tuple[list[str], Any]:
    """The error location as the keys the user wrote: validator names and union tags (e.g. `grid` in
    die.bump_map.grid.pitch) dropped; also the annotation at the end of the path."""
    names: list[str] = []
    current: Any = model
    for part in loc:
        if _is_tag(part):
            continue
        if isinstance(part, int):
            names.append(str(part))
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[0] if args else None
            continue
        part = str(part)
        cls = _model_of(current, part)
        if cls is not None and part in cls.model_fields:
            names.append(part)
            current = cls.model_fields[part].annotation
        elif _tag_model(current, part) is not None:
            current = _tag_model(current, part)
        else:
            names.append(part)
            current = None
    return names, current


def _annotation_at(model: type[BaseModel], loc: list[Any]) -> Any:
    """The annotation of the field at loc (tags skipped)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or _is_tag(part):
            continue
        cls = _model_of(current, str(part))
        if cls is not None and part in cls.model_fields:
            current = cls.model_fields[part].annotation
        elif _tag_model(current, str(part)) is not None:
            current = _tag_model(current, str(part))
        else:
            return None
    return current


def _tag_model(annotation: Any, tag: str) -> type[BaseModel] | None:
    """The member of a discriminated union whose `kind` literal is tag."""
    for cls in _models_in(annotation):
        kind = cls.model_fields.get("kind")
        if kind is not None and tag in typing.get_args(kind.annotation):
            return cls
    return None


def _is_tag(part: Any) -> bool:
    """Pydantic inserts validator and union-member names into locations; they are not keys."""
    return isinstance(part, str) and ("function-" in part or "[" in part)


def _fields_at(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """The keys allowed by the (nested) model found by walking loc from model."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or _is_tag(part):
            continue
        cls = _model_of(current, part)
        if cls is None:
            return []
        if part in cls.model_fields:
            current = cls.model_fields[part].annotation
        elif _tag_model(current, part) is not None:
            current = _tag_model(current, part)
        else:
            return []
    cls = _model_of(current)
    return list(cls.model_fields) if cls else []


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every BaseModel class inside an annotation such as `Foo | Bar | None` or `list[Foo]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += [m for m in _models_in(arg) if m not in out]
    return out


def _model_of(annotation: Any, field: str | None = None) -> type[BaseModel] | None:
    """The BaseModel class inside an annotation (the one having `field`, when several do)."""
    models = _models_in(annotation)
    if field is not None:
        for m in models:
            if field in m.model_fields:
                return m
    return models[0] if models else None
