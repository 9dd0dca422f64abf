"""JEDEC ball names (A1, B2, ..., AA1) for the bump sites of any map, with the A1 corner and view of the recipe.

Rows are letters, columns numbers. Row letters skip I, O, Q, S, X and Z; after Y come AA, AB, ... (JEP95
ball-grid naming). The layout is drawn as seen from the bump side; a recipe that gives its A1 corner as seen
from the top side (the wafer back, where the marking is) gets that corner mirrored left to right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

ROW_LETTERS = "ABCDEFGHJKLMNPRTUVWY"
"""Row letters of a ball grid: the alphabet without I, O, Q, S, X and Z."""

CORNERS = ("bottom-left", "bottom-right", "top-left", "top-right")
VIEWS = ("bump", "top")

_BALL = re.compile(r"^([A-Z]+)([0-9]+)$")


def row_name(row: int) -> str:
    """JEDEC row name of a 0-based row index: A..Y (20 letters), then AA, AB, ..., AY, BA, ..."""
    if row < 0:
        raise ValueError(f"row index {row} is negative")
    n = len(ROW_LETTERS)
    if row < n:
        return ROW_LETTERS[row]
    row -= n
    name = ""
    width = 2
    while row >= n**width:
        row -= n**width
        width += 1
    for _ in range(width):
        row, rem = divmod(row, n)
        name = ROW_LETTERS[rem] + name
    return name


def row_index(name: str) -> int:
    """0-based row index of a JEDEC row name (A -> 0, Y -> 19, AA -> 20); ValueError for a letter JEDEC skips."""
    if not name or any(ch not in ROW_LETTERS for ch in name):
        bad = sorted({ch for ch in name if ch not in ROW_LETTERS}) or ["(empty)"]
        raise ValueError(f"row {name!r}: {', '.join(bad)} is not a JEDEC row letter (rows skip I, O, Q, S, X, Z)")
    n = len(ROW_LETTERS)
    offset = sum(n**w for w in range(1, len(name)))
    value = 0
    for ch in name:
        value = value * n + ROW_LETTERS.index(ch)
    return offset + value


def ball_name(row: int, column: int) -> str:
    """The ball name of 0-based (row, column), e.g. (0, 0) -> A1, (20, 11) -> AA12."""
    return f"{row_name(row)}{column + 1}"


def split_ball(name: str) -> tuple[int, int]:
    """0-based (row, column) of a ball name such as C7 or AB12; ValueError if it is not one."""
    m = _BALL.match(name)
    if m is None or int(m.group(2)) < 1:
        raise ValueError(f"{name!r} is not a ball name (row letters then a column number from 1, e.g. A1, AB12)")
    return row_index(m.group(1)), int(m.group(2)) - 1


@dataclass(frozen=True)
class Lattice:
    """The ball grid behind a map: columns x rows positions from (x0, y0) at pitch (dx, dy), um."""

    x0: float
    y0: float
    dx: float
    dy: float
    columns: int
    rows: int

    @classmethod
    def centred(cls, pitch: tuple[float, float], count: tuple[int, int],
                offset: tuple[float, float] = (0.0, 0.0)) -> Lattice:
        """A columns x rows grid centred on the die (or on offset)."""
        (dx, dy), (nx, ny) = pitch, count
        return cls(offset[0] - (nx - 1) * dx / 2, offset[1] - (ny - 1) * dy / 2, dx, dy, nx, ny)


def layout_corner(a1_corner: str, view: str) -> tuple[bool, bool]:
    """Where A1 lies in the layout (drawn from the bump side): (at the right, at the top)."""
    if a1_corner not in CORNERS:
        raise ValueError(f"a1_corner {a1_corner!r}; allowed: {', '.join(CORNERS)}")
    if view not in VIEWS:
        raise ValueError(f"view {view!r}; allowed: {', '.join(VIEWS)}")
    right = a1_corner.endswith("right")
    if view == "top":
        right = not right
    return right, a1_corner.startswith("top")


def position(row: int, column: int, lattice: Lattice, a1_corner: str = "bottom-left",
             view: str = "bump") -> tuple[float, float]:
    """Layout position (um) of ball (row, column) on the lattice, rows counted from the A1 corner."""
    right, top = layout_corner(a1_corner, view)
    i = lattice.columns - 1 - column if right else column
    j = lattice.rows - 1 - row if top else row
    return lattice.x0 + i * lattice.dx, lattice.y0 + j * lattice.dy


def infer_lattice(xs: np.ndarray, ys: np.ndarray) -> Lattice | None:
    """The regular grid the points sit on, or None: each axis's pitch is its smallest step between distinct
    coordinates, and the smaller pitch serves both axes when both sit on it (a square grid with gaps)."""
    ax, ay = _axis(xs), _axis(ys)
    if ax is None or ay is None:
        return None
    steps = [a[1] for a in (ax, ay) if a[2] > 1]
    if steps:
        common = min(steps)
        ax = _axis(xs, common) or ax
        ay = _axis(ys, common) or ay
    return Lattice(ax[0], ay[0], ax[1], ay[1], ax[2], ay[2])


def _axis(values: np.ndarray, pitch: float | None = None, tol: float = 2e-3) -> tuple[float, float, int] | None:
    """(first, pitch, count) of the lattice behind one coordinate, or None when the values are not on one."""
    u = np.unique(np.round(values, 3))
    if len(u) == 1:
        return float(u[0]), pitch or 1.0, 1
    pitch = pitch or float(np.min(np.diff(u)))
    steps = (u - u[0]) / pitch
    if np.max(np.abs(steps - np.round(steps))) * pitch > tol:
        return None
    count = int(round(steps[-1])) + 1
    if count > 4 * len(u) + 8:      # a sparse scatter, not a grid: name by rank instead
        return None
    return float(u[0]), pitch, count


def _ranks(values: np.ndarray) -> tuple[np.ndarray, int]:
    """0-based rank of each value among the distinct values (rounded to 1 nm), and how many there are."""
    u, inverse = np.unique(np.round(values, 3), return_inverse=True)
    return inverse, len(u)


def ball_names(xs: np.ndarray, ys: np.ndarray, a1_corner: str = "bottom-left", view: str = "bump",
               lattice: Lattice | None = None) -> list[str]:
    """JEDEC names of bump sites (um): rows and columns of their grid (given, inferred, or by rank)."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    if len(xs) == 0:
        return []
    right, top = layout_corner(a1_corner, view)
    grid = lattice or infer_lattice(xs, ys)
    if grid is not None:
        cols = np.rint((xs - grid.x0) / grid.dx).astype(int) if grid.columns > 1 else np.zeros(len(xs), int)
        rows = np.rint((ys - grid.y0) / grid.dy).astype(int) if grid.rows > 1 else np.zeros(len(ys), int)
        ncols, nrows = grid.columns, grid.rows
    else:
        cols, ncols = _ranks(xs)
        rows, nrows = _ranks(ys)
    if right:
        cols = ncols - 1 - cols
    if top:
        rows = nrows - 1 - rows
    letters = [row_name(r) for r in range(nrows)]
    return [f"{letters[r]}{c + 1}" for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]


def a1_corner_point(size: tuple[float, float], a1_corner: str, view: str) -> tuple[float, float]:
    """The die corner (um, die centre origin) nearest ball A1."""
    right, top = layout_corner(a1_corner, view)
    w, h = size
    return (w / 2 if right else -w / 2), (h / 2 if top else -h / 2)


def a1_mark_points(size: tuple[float, float], leg: float, a1_corner: str, view: str) -> list[tuple[float, float]]:
    """The A1 mark: a right triangle with legs `leg` (um) in the die corner nearest ball A1."""
    cx, cy = a1_corner_point(size, a1_corner, view)
    sx = -1.0 if cx > 0 else 1.0
    sy = -1.0 if cy > 0 else 1.0
    return [(cx, cy), (cx + sx * leg, cy), (cx, cy + sy * leg)]

