"""One-line input errors: file, key, value and what is allowed (exit code 2)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class InputError(Exception):
    """Bad input from the user: a recipe value, a PDK name, a file that cannot be read."""

    def __init__(self, file: str | Path | None, key: str | None, value: Any, allowed: str) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(self.line())

    def line(self) -> str:
        """The error as one line: `file: key = value: allowed` (`file: key: allowed` without a value)."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.key and self.value is None:
            parts.append(self.key)
        elif self.key:
            parts.append(f"{self.key} = {_short(self.value)}")
        elif self.value is not None:
            parts.append(_short(self.value))
        return ": ".join(parts + [self.allowed])


class GeometryError(ValueError):
    """A geometry that cannot be drawn, raised deep in the layout, with the recipe key it is about as data
    (`key`, relative to the block that gave the geometry, e.g. "support_beams.overhang"; None: the whole block)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def given(value: T | None, key: str, file: str | Path | None = None, allowed: str = "must be given") -> T:
    """The value of an optional recipe or PDK key that this step needs, typed; a one-line InputError when absent."""
    if value is None:
        raise InputError(file, key, None, allowed)
    return value


def check_choices(values: Iterable[Any], allowed: Sequence[Any], key: str, file: str | Path | None = None) -> None:
    """An InputError naming the first of values that is not one of allowed."""
    for v in values:
        if v not in allowed:
            raise InputError(file, key, v, f"allowed: {', '.join(map(str, allowed))}")


def _short(value: Any, limit: int = 80) -> str:
    """Render a value on one short line."""
    text = repr(value) if not isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
