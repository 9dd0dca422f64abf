"""JEDEC ball-map tables (`die.bump_map: {kind: table}`): rows of letters, columns of numbers, a net per ball.

A datasheet's ball map typed as it is printed:

        1     2     3     4
    A   VDD   GND   -     IO1
    B   ...

`-` (or an empty cell) is a depopulated ball. Rows must run A, B, C, ... without gaps (JEDEC letters: no I, O,
Q, S, X, Z; AA after Y) and every row must have one entry per column. The balls sit on a grid of the table's
pitch centred on the die (or on its offset), ball A1 in the corner the die's naming gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.files import read_text_file
from maskgen.input.jedec import row_index, row_name

EMPTY = {"-", ""}
"""Entries that mean a depopulated ball."""


@dataclass(frozen=True)
class BallTable:
    """A parsed ball map: rows x columns, and the net of each populated (row, column), 0-based."""

    rows: int
    columns: int
    nets: dict[tuple[int, int], str]


def parse_rows(rows: dict[str, list[str]]) -> BallTable:
    """A ball table from row letter -> entries; ValueError naming the row and what is wrong."""
    if not rows:
        raise ValueError("the table has no rows")
    indexed: dict[int, tuple[str, list[str]]] = {}
    for letter, entries in rows.items():
        index = row_index(str(letter).strip().upper())
        if index in indexed:
            raise ValueError(f"row {letter} is given twice")
        indexed[index] = (str(letter), entries)
    expected = [row_name(i) for i in range(len(indexed))]
    if sorted(indexed) != list(range(len(indexed))):
        missing = [n for i, n in enumerate(expected) if i not in indexed]
        raise ValueError(f"rows must run {', '.join(expected)} without gaps; missing {', '.join(missing)} "
                         f"(a row without balls is written with - for each column)")
    columns = len(indexed[0][1])
    for r in sorted(indexed):
        letter, entries = indexed[r]
        if len(entries) != columns or not entries:
            raise ValueError(f"row {letter} has {len(entries)} entries, row A has {columns}; every row needs "
                             f"one entry (net name or -) per column")
    nets = {(r, c): net for r, (_, entries) in indexed.items() for c, net in enumerate(entries)
            if net.strip() not in EMPTY}
    if not nets:
        raise ValueError("every ball of the table is depopulated (-)")
    return BallTable(len(indexed), columns, nets)


def split_entries(value: str | list[str]) -> list[str]:
    """One row's entries: a list as given, or a string split at commas (if any) or whitespace."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [v.strip() for v in value.split(",")] if "," in value else value.split()


def read_table(path: Path, max_bumps: int | None = None) -> BallTable:
    """A ball-map table file: an optional header of column numbers, then `letter entry entry ...` per line (the
    balls counted against max_bumps line by line, before the table is built)."""
    text = read_text_file(path, "ball-map table file")
    balls = 0
    rows: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    header: list[str] | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        cells = split_entries(line)
        if header is None and not rows and all(c.isdigit() for c in cells if c):
            header = [c for c in cells if c]
            if max_bumps is not None and len(header) > max_bumps:
                raise over_limit(path, len(header), max_bumps, f"line {lineno}")
            if header != [str(i) for i in range(1, len(header) + 1)]:
                raise InputError(path, f"line {lineno}", line.strip(), "the header must number the columns 1, 2, 3 ...")
            continue
        letter, entries = cells[0].strip().upper(), cells[1:]
        balls += len(entries)
        if max_bumps is not None and balls > max_bumps:
            raise over_limit(path, balls, max_bumps, f"line {lineno}")
        try:
            row_index(letter)
        except ValueError as exc:
            raise InputError(path, f"line {lineno}", line.strip(), str(exc)) from None
        if header is not None and len(entries) != len(header):
            raise InputError(path, f"line {lineno}", line.strip(),
                             f"row {letter} has {len(entries)} entries, the header {len(header)} columns")
        if letter in rows:
            raise InputError(path, f"line {lineno}", letter, f"row {letter} is given twice (first on line "
                             f"{lines[letter]})")
        rows[letter] = entries
        lines[letter] = lineno
    if not rows:
        raise InputError(path, None, None, "ball-map table holds no rows")
    try:
        return parse_rows(rows)
    except ValueError as exc:
        raise InputError(path, None, None, str(exc)) from None


def over_limit(path: Path | None, balls: int, max_bumps: int, where: str) -> InputError:
    """The error for a ball table of more entries than die.bump_map.max_bumps."""
    return InputError(path, where, None, f"the ball table holds {balls:,} or more entries (balls and -), over the "
                      f"limit die.bump_map.max_bumps = {max_bumps}; raise it (or use --max-sites) to accept them")
