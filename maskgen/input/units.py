"""Lengths as datasheets write them: a bare number is micrometres, or a number with its unit ("3.44 mm",
"400 um", "15.7 mil"), converted to micrometres when the recipe is read (the manifest echoes um).

A die size or pitch that is implausibly small for micrometres (under 50 and smaller than the bump's own UBM)
was most likely typed in millimetres: the error line it causes gets "lengths are in um: did you mean 3440?".
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from maskgen.errors import InputError

MAX_UM = 300_000.0
"""Largest length a recipe or an input file may give, um: the diameter of the largest wafer (300 mm)."""

UNITS = {"um": 1.0, "µm": 1.0, "μm": 1.0, "micron": 1.0, "microns": 1.0, "mm": 1000.0, "nm": 0.001,
         "mil": 25.4, "mils": 25.4}
"""Length units a recipe may write after a number, in micrometres."""

PLAUSIBLE_UM = 50.0
"""A die size or bump pitch below this many um, and below the UBM diameter, is taken for a length in mm."""

_LENGTH = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d.+-][^\s]*)?\s*$")


def length(value: Any) -> Any:
    """A recipe length in um: "3.44 mm" -> 3440.0, "400 um" -> 400.0; numbers and anything else pass unchanged
    (the model then says what it takes); an unknown unit is a ValueError naming the units allowed."""
    if not isinstance(value, str):
        return value
    m = _LENGTH.match(value)
    if m is None or m.group(2) is None:
        return value
    number, unit = m.groups()
    factor = UNITS.get(unit) or UNITS.get(unit.lower())
    if factor is None:
        raise ValueError(f"unknown unit {unit!r} in {value!r}; a length is a number in um or a number with one "
                         f"of {', '.join(dict.fromkeys(u for u in UNITS if u.isascii()))} (e.g. 3.44 mm)")
    return round(float(number) * factor, 6)


def is_length(value: Any) -> bool:
    """True for one length: a number (not a bool) or a text with a unit such as "0.4 mm"."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and (m := _LENGTH.match(value)) is not None and m.group(2) is not None


def _in_um(values: tuple[float, ...]) -> str:
    """The values times 1000, as the user would write them: 3440, or [3440, 2500] when they differ."""
    scaled = [round(v * 1000, 3) for v in values]
    text = [f"{v:g}" for v in scaled]
    return text[0] if len(set(text)) == 1 else f"[{', '.join(text)}]"


def mm_hint(recipe: Any, key: str | None) -> str:
    """"lengths are in um: did you mean 3440?" when the recipe's value at key (die.size or die.bump_map.pitch)
    is under 50 and under the UBM diameter, i.e. looks typed in mm; else ""."""
    if key not in ("die.size", "die.bump_map.pitch"):
        return ""
    die = recipe.die
    value: Any = die.size if key == "die.size" else getattr(die.bump_map, "pitch", None)
    if value is None:
        return ""
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    ubm = recipe.bump.ubm_diameter
    if all(0 < v < PLAUSIBLE_UM and v < ubm for v in values):
        return f"lengths are in um: did you mean {_in_um(values)}?"
    return ""


@contextlib.contextmanager
def hinting(recipe: Any) -> Iterator[None]:
    """Re-raise an InputError on a die size or pitch that looks typed in mm with the mm hint added to its line."""
    try:
        yield
    except InputError as exc:
        hint = mm_hint(recipe, exc.key)
        if not hint or hint in exc.allowed:
            raise
        raise InputError(exc.file, exc.key, exc.value, f"{exc.allowed}; {hint}") from None
