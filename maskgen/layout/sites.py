"""Bump sites of a die from its bump map: regular arrays where the map is regular, single sites otherwise."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from maskgen.errors import InputError
from maskgen.input.balltable import over_limit, parse_rows, read_table, split_entries
from maskgen.input.files import check_file, finite, read_text_file
from maskgen.input.jedec import Lattice, ball_name, ball_names, position, split_ball
from maskgen.input.recipe import (
    MAX_UM,
    BumpMap,
    CsvMap,
    CsvPads,
    DefMap,
    DefPads,
    GdsMap,
    GridMap,
    KicadMap,
    Naming,
    PadList,
    RingMap,
    StaggeredMap,
    TableMap,
)
from maskgen.input.site import Site
from maskgen.layout.geometry import span_pairs, square_spans


@dataclass(frozen=True)
class Array:
    """columns x rows identical bumps from origin with spacing (dx, dy)."""

    x: float
    y: float
    columns: int = 1
    rows: int = 1
    dx: float = 0.0
    dy: float = 0.0

    @property
    def count(self) -> int:
        """Bumps in this array."""
        return self.columns * self.rows


def arrays(bump_map: BumpMap, base: Path | None = None, naming: Naming | None = None,
           grid: float = 0.001) -> list[Array]:
    """The bump map as arrays of identical bumps (grid runs, staggered rows, ring sides, single sites; free
    sites in runs on the manufacturing grid). A regular map whose sites do not all fall on the grid is placed
    as its sites put on the grid (`on_grid`, as every other map's), in runs."""
    naming = naming or Naming()
    regular = _lattice_arrays(bump_map, naming)
    if regular is not None and _on_grid([v for a in regular for v in (a.x, a.y, a.dx, a.dy)], grid):
        return regular
    return runs(sites(bump_map, base, naming), grid)


def _lattice_arrays(bump_map: BumpMap, naming: Naming) -> list[Array] | None:
    """The arrays of a regular map (grid, staggered, ring) as its pitch gives them; None for other maps."""
    if isinstance(bump_map, GridMap):
        return _grid_arrays(bump_map, naming)
    if isinstance(bump_map, StaggeredMap):
        return _staggered_arrays(bump_map, naming)
    if isinstance(bump_map, RingMap):
        return _ring_arrays(bump_map)
    return None


def on_grid(value: float, grid: float) -> float:
    """A coordinate (um) on the manufacturing grid, the nearest grid point: the one rounding every bump map, the
    layout and the manifest share (a value already on the grid is returned as it is)."""
    steps = round(value / grid)
    return value if abs(value / grid - steps) < 1e-6 else steps * grid


def sites_on_grid(site_list: list[Site], grid: float) -> list[Site]:
    """Sites at the positions they are drawn at: each centre on the manufacturing grid (`on_grid`)."""
    out = []
    for s in site_list:
        x, y = on_grid(s.x, grid), on_grid(s.y, grid)
        # Site(...) field by field is dataclasses.replace(s, x=x, y=y) without its per-call field walk
        out.append(s if (x, y) == (s.x, s.y) else Site(s.name, x, y, s.net, s.ball, s.bump_type, s.outline))
    return out


def runs(site_list: list[Site], grid: float) -> list[Array]:
    """Free sites compressed into row arrays wherever consecutive sites of a row are equally spaced.

    Sites are first put on the manufacturing grid, and a run holds only sites exactly one spacing apart on it:
    an array's first site and spacing are on the grid, so every site it places is too (a spacing taken from
    two sites off the grid, e.g. from a DEF at 1 nm, would move the sites further along the run off it).
    """
    rows: dict[int, list[int]] = {}
    for s in site_list:
        rows.setdefault(round(s.y / grid), []).append(round(s.x / grid))
    out: list[Array] = []
    for gy in sorted(rows):
        xs = sorted(rows[gy])
        y = gy * grid
        i = 0
        while i < len(xs):
            j = i + 1
            dx = xs[j] - xs[i] if j < len(xs) else 0
            while j + 1 < len(xs) and xs[j + 1] - xs[j] == dx:
                j += 1
            if j < len(xs) and dx > 0:
                out.append(Array(xs[i] * grid, y, j - i + 1, 1, dx * grid, 0.0))
                i = j + 1
            else:
                out.append(Array(xs[i] * grid, y))
                i += 1
    return out


def depopulated(m: GridMap, naming: Naming) -> set[tuple[int, int]]:
    """The depopulated sites of a grid as 0-based (column, row) from the bump-side bottom-left corner: indices as
    given, ball names (`D4`) placed by die.naming's A1 corner and view."""
    from maskgen.input.jedec import layout_corner, split_ball
    nx, ny = m.count
    right, top = layout_corner(naming.a1_corner, naming.view)
    out = set()
    for site in m.depopulate:
        if isinstance(site, str):
            row, col = split_ball(site.strip().upper())
            out.add((nx - 1 - col if right else col, ny - 1 - row if top else row))
        else:
            out.add((site[0], site[1]))
    return out


def _on_grid(values: list[float], grid: float) -> bool:
    """True when every value is a whole number of grid steps (to 1e-6 of a step): `on_grid` keeps each as it is."""
    return all(on_grid(v, grid) == v for v in values)


def _staggered_arrays(m: StaggeredMap, naming: Naming) -> list[Array]:
    """A staggered map as two arrays (rows of each offset, every other row); `arrays` places its sites on the
    manufacturing grid in row runs instead when they do not all fall on it, as a table map's."""
    (px, py), (nx, ny) = m.pitch, m.count
    rows = m.rows(naming)
    return [Array(rows[j][0], rows[j][1], nx, (ny - j + 1) // 2, px, 2 * py) for j in range(min(ny, 2))]


def _grid_arrays(m: GridMap, naming: Naming) -> list[Array]:
    """Rows of a grid split into runs around depopulated sites; a full grid is one array."""
    (px, py), (nx, ny) = m.pitch, m.count
    x0, y0 = -(nx - 1) * px / 2, -(ny - 1) * py / 2
    if not m.depopulate:
        return [Array(x0, y0, nx, ny, px, py)]
    holes = depopulated(m, naming)
    out = []
    for r in range(ny):
        c = 0
        while c < nx:
            if (c, r) in holes:
                c += 1
                continue
            start = c
            while c < nx and (c, r) not in holes:
                c += 1
            out.append(Array(x0 + start * px, y0 + r * py, c - start, 1, px, py))
    return out


def _ring_arrays(m: RingMap) -> list[Array]:
    """Each ring as bottom and top rows plus left and right columns without the corners."""
    p = m.pitch
    out = []
    for k in range(m.rings):
        nx, ny = m.count[0] - 2 * k, m.count[1] - 2 * k
        if nx < 2 or ny < 2:
            break
        x0, y0 = -(nx - 1) * p / 2, -(ny - 1) * p / 2
        out.append(Array(x0, y0, nx, 1, p, p))
        out.append(Array(x0, -y0, nx, 1, p, p))
        if ny > 2:
            out.append(Array(x0, y0 + p, 1, ny - 2, p, p))
            out.append(Array(-x0, y0 + p, 1, ny - 2, p, p))
    return out


def sites(bump_map: BumpMap, base: Path | None = None, naming: Naming | None = None) -> list[Site]:
    """Every bump site with its name and JEDEC ball name (generated maps are named by ball; CSV names as given)."""
    naming = naming or Naming()
    if isinstance(bump_map, CsvMap):
        found = read_csv_sites(_resolve(bump_map.file, base), bump_map.max_bumps)
        return _with_balls(found, naming, keep_names=True)
    if isinstance(bump_map, GdsMap):
        from maskgen.input.chip import read_pad_sites
        found = read_pad_sites(_resolve(bump_map.file, base), bump_map.layer, bump_map.cell, bump_map.max_pads)
        return _with_balls(found, naming, keep_names=False)
    if isinstance(bump_map, KicadMap):
        from maskgen.input.kicadmap import footprint_sites
        path = _resolve(bump_map.file, base)
        named = _with_balls(one_per_spot(footprint_sites(path, bump_map.max_bumps), path, "pad"), naming,
                            keep_names=True)
        return [Site(s.name, s.x, s.y, s.net, s.name if _is_ball(s.name) else s.ball) for s in named]
    if isinstance(bump_map, TableMap):
        return [Site(name, x, y, net, name) for name, x, y, net in table_balls(bump_map, base, naming)]
    if isinstance(bump_map, DefMap):
        found_def = def_terminals(bump_map, base)
        return _with_balls([Site(b.name, b.x, b.y, b.net, outline=b.outline) for b in found_def], naming,
                           keep_names=True)
    if isinstance(bump_map, GridMap):
        (px, py), (nx, ny) = bump_map.pitch, bump_map.count
        holes = depopulated(bump_map, naming)
        x0, y0 = -(nx - 1) * px / 2, -(ny - 1) * py / 2
        found = [Site("", x0 + c * px, y0 + r * py) for r in range(ny) for c in range(nx) if (c, r) not in holes]
        return _with_balls(found, naming, keep_names=False, grid=lattice(bump_map))
    found = []
    for a in _lattice_arrays(bump_map, naming) or []:
        for r in range(a.rows):
            for c in range(a.columns):
                found.append(Site("", a.x + c * a.dx, a.y + r * a.dy))
    found.sort(key=lambda s: (round(s.y, 3), round(s.x, 3)))
    return _with_balls(found, naming, keep_names=False, grid=lattice(bump_map))


def _is_ball(name: str) -> bool:
    """True when name is a JEDEC ball name (A1, AB12)."""
    try:
        split_ball(name)
    except ValueError:
        return False
    return True


def lattice(bump_map: BumpMap) -> Lattice | None:
    """The ball grid of a regular map (staggered maps on a half-pitch grid in x); None for free maps."""
    if isinstance(bump_map, GridMap):
        return Lattice.centred(bump_map.pitch, bump_map.count)
    if isinstance(bump_map, StaggeredMap):
        (px, py), (nx, ny) = bump_map.pitch, bump_map.count
        return Lattice(-(nx - 1) * px / 2 - px / 4, -(ny - 1) * py / 2, px / 2, py, 2 * nx, ny)
    if isinstance(bump_map, RingMap):
        return Lattice.centred((bump_map.pitch, bump_map.pitch), bump_map.count)
    return None


def _with_balls(found: list[Site], naming: Naming, keep_names: bool, grid: Lattice | None = None) -> list[Site]:
    """The sites with their JEDEC ball names (and named by them unless their own names are kept)."""
    if not found:
        return found
    xy = np.array([(s.x, s.y) for s in found], dtype=float)
    balls = ball_names(xy[:, 0], xy[:, 1], naming.a1_corner, naming.view, grid)
    return [Site(s.name if keep_names else b, s.x, s.y, s.net, b, s.bump_type, s.outline)
            for s, b in zip(found, balls, strict=True)]


def one_per_spot(found: list, path: Path, item: str) -> list:
    """The sites (or terminals) as given, or an InputError naming two of them that sit at the same position."""
    seen: dict[tuple[float, float], str] = {}
    for s in found:
        other = seen.setdefault((s.x, s.y), s.name)
        if other != s.name:
            raise InputError(path, None, None, f"{item}s {other} and {s.name} sit at the same position "
                             f"({s.x:g}, {s.y:g}) um; two {item}s cannot share a spot")
    return found


def def_terminals(source: DefMap | DefPads, base: Path | None = None) -> list:
    """The terminals (maskgen.input.terminals.Terminal) of a DEF bump map or pad list, with their nets."""
    from maskgen.input.terminals import read_terminals
    key, limit = (("die.bump_map", source.max_bumps) if isinstance(source, DefMap) else
                  ("die.pads", source.max_pads))
    lefs = [source.lef] if isinstance(source.lef, str) else list(source.lef or [])
    found = read_terminals(_resolve(source.file, base), [_resolve(f, base) for f in lefs], source.source,
                           source.macro, source.pin, source.layer, key, limit,
                           f"{key}.{'max_bumps' if isinstance(source, DefMap) else 'max_pads'}",
                           component=source.component)
    return one_per_spot(found, _resolve(source.file, base), "bump" if isinstance(source, DefMap) else "pad")


def _resolve(file: str, base: Path | None) -> Path:
    """A map file relative to the recipe's folder."""
    p = Path(file)
    return p if p.is_absolute() or base is None else base / p


def read_csv_sites(path: Path, max_bumps: int, what: str = "ball map", item: str = "bump",
                   limit: str = "die.bump_map.max_bumps") -> list[Site]:
    """Read a ball map (or pad list) CSV `name,x,y[,net[,type]]` (um, die centre origin); a header row is allowed."""
    check_file(path, f"{what} file")
    try:
        return list(_read_once(path, max_bumps, what, item, limit))
    except csv.Error as exc:
        raise InputError(path, None, None, f"malformed {what} CSV: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(path, None, None, f"{what} is not a UTF-8 text CSV file") from None


_READ: dict[tuple, tuple[Site, ...]] = {}
"""CSV maps already read, by (resolved path, mtime, size, limits): a build reads each map once."""


def _read_once(path: Path, max_bumps: int, what: str, item: str, limit: str) -> tuple[Site, ...]:
    """The rows of a map CSV, read from disk only when the file is new or changed since it was last read."""
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, max_bumps, what, item, limit)
    found = _READ.get(key)
    if found is None:
        found = tuple(_read_csv_rows(path, max_bumps, what, item, limit))
        if len(_READ) >= 16:
            _READ.clear()
        _READ[key] = found
    return found


def _read_csv_rows(path: Path, max_bumps: int, what: str, item: str, limit: str) -> list[Site]:
    """The rows of a ball map / pad list CSV, the size limit checked row by row while reading."""
    out: list[Site] = []
    names: set[str] = set()
    spots: dict[tuple[float, float], tuple[str, int]] = {}
    text = read_text_file(path, what, "text CSV")
    for lineno, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if lineno == 1 and row[0].strip().lower() == "name":
            continue
        if len(row) not in (3, 4, 5):
            raise InputError(path, f"line {lineno}", ",".join(row), "expected name,x,y[,net[,bump type]]")
        name = row[0].strip()
        try:
            x, y = finite(row[1]), finite(row[2])
        except ValueError as exc:
            raise InputError(path, f"line {lineno}", ",".join(row), f"x and y {exc} (um)") from None
        if max(abs(x), abs(y)) > MAX_UM:
            raise InputError(path, f"line {lineno}", ",".join(row), f"x and y must lie within {MAX_UM:,.0f} um "
                             "of the die centre (a 300 mm wafer)")
        if name in names:
            raise InputError(path, f"line {lineno}", name, f"duplicate {item} name")
        names.add(name)
        if (x, y) in spots:
            other, at = spots[(x, y)]
            raise InputError(path, f"line {lineno}", ",".join(row), f"{item} {name} sits at the same position "
                             f"as {other} (line {at}); two {item}s cannot share a spot")
        spots[(x, y)] = (name, lineno)
        net = row[3].strip() if len(row) >= 4 else ""
        kind = row[4].strip() if len(row) == 5 else ""
        out.append(Site(name, x, y, net or None, bump_type=kind or None))
        if len(out) > max_bumps:
            raise InputError(path, limit.rsplit(".", 1)[-1], max_bumps, f"{what} has more {item}s than the "
                             f"limit; raise {limit} (or use --max-sites) to accept it")
    if not out:
        raise InputError(path, None, None, f"{what} holds no {item}s")
    return out


def pad_sites(pads: PadList, base: Path | None = None) -> list[Site]:
    """The chip's pads of a fan-out die: CSV rows or the pad layer (and net labels) of the chip layout."""
    if isinstance(pads, CsvPads):
        return read_csv_sites(_resolve(pads.file, base), pads.max_pads, "pad list", "pad", "die.pads.max_pads")
    if isinstance(pads, DefPads):
        return [Site(b.name, b.x, b.y, b.net, outline=b.outline) for b in def_terminals(pads, base)]
    from maskgen.input.chip import read_pad_sites
    return read_pad_sites(_resolve(pads.file, base), pads.layer, pads.cell, pads.max_pads, key="die.pads",
                          label_layer=pads.label_layer)


def min_pitch(bump_map: BumpMap, base: Path | None = None) -> float | None:
    """Smallest centre-to-centre distance between two bumps of the map (None for a single bump)."""
    if isinstance(bump_map, GridMap):
        (px, py), (nx, ny) = bump_map.pitch, bump_map.count
        cand = ([px] if nx > 1 else []) + ([py] if ny > 1 else [])
        return min(cand) if cand else None
    if isinstance(bump_map, StaggeredMap):
        (px, py), (nx, ny) = bump_map.pitch, bump_map.count
        cand = ([px] if nx > 1 else []) + ([math.hypot(px / 2, py)] if ny > 1 else [])
        return min(cand) if cand else None
    if isinstance(bump_map, RingMap):
        return bump_map.pitch
    if isinstance(bump_map, DefMap):  # the positions alone: no ball names
        pts = np.array([(t.x, t.y) for t in def_terminals(bump_map, base)], dtype=float)
    else:
        pts = np.array([(s.x, s.y) for s in sites(bump_map, base)])
    return nearest_distance(pts)


def nearest_distance(points: np.ndarray) -> float | None:
    """Smallest distance between two of the points: the nearest of neighbours in x order bounds it, and every
    pair in the same or adjacent squares of a grid that size is compared at once (numpy); when the squares would
    hold too many pairs, the points sorted in x are compared with their k-th neighbour for k = 1, 2, ... instead."""
    if len(points) < 2:
        return None
    order = np.lexsort((points[:, 1], points[:, 0]))
    p = np.asarray(points, dtype=float)[order]
    bound = float(np.hypot(p[1:, 0] - p[:-1, 0], p[1:, 1] - p[:-1, 1]).min())
    near = _nearest_in_squares(p, bound)
    return near if near is not None else _nearest_by_sweep(p)


MAX_PAIRS_PER_POINT = 16
"""Pairs a point may bring to the grid comparison of `nearest_distance` (a 165 um grid of bumps brings about
two); beyond it (points crowded far closer than their nearest-neighbour bound) the x sweep is used."""


def _nearest_in_squares(p: np.ndarray, bound: float) -> float | None:
    """The smallest distance, the pairs within `bound` found by squares of that size (None: too many pairs)."""
    if bound == 0.0:
        return 0.0
    size = bound * (1 + 1e-9)
    span = max(float(np.ptp(p[:, 0])), float(np.ptp(p[:, 1])))
    if span / size > 1e6:                      # a grid too fine to index (then the x sweep stops early)
        return None
    bx = np.floor((p[:, 0] - p[:, 0].min()) / size).astype(np.int64)
    by = np.floor((p[:, 1] - p[:, 1].min()) / size).astype(np.int64)
    order, spans = square_spans(bx, by)
    q = p[order]
    if sum(int(c.sum()) for _, c in spans) > MAX_PAIRS_PER_POINT * len(q):
        return None
    best = bound
    for lo, counts in spans:
        if not counts.any():
            continue
        a, b = span_pairs(lo, counts)
        best = min(best, float(np.hypot(q[b, 0] - q[a, 0], q[b, 1] - q[a, 1]).min()))
    return best


def _nearest_by_sweep(p: np.ndarray) -> float:
    """The smallest distance of points sorted in x: every k-th neighbour compared at once until no pair k apart
    is closer in x than the best distance found."""
    best = math.inf
    for k in range(1, len(p)):
        dx = p[k:, 0] - p[:-k, 0]
        near = dx < best
        if not near.any():
            break
        best = min(best, float(np.hypot(dx[near], p[k:, 1][near] - p[:-k, 1][near]).min()))
    return best


def table_balls(m: TableMap, base: Path | None, naming: Naming) -> list[tuple[str, float, float, str]]:
    """(ball name, x, y, net) of every populated ball of the table, row A first, in um from the die centre."""
    if m.file is not None:
        p = Path(m.file)
        table = read_table(p if p.is_absolute() or base is None else base / p, m.max_bumps)
    else:
        entries = {k: split_entries(v) for k, v in (m.rows or {}).items()}
        balls = sum(map(len, entries.values()))
        if balls > m.max_bumps:
            raise over_limit(None, balls, m.max_bumps, "die.bump_map.rows")
        try:
            table = parse_rows(entries)
        except ValueError as exc:
            raise InputError(None, "die.bump_map.rows", None, str(exc)) from None
    grid = Lattice.centred(m.pitch_xy, (table.columns, table.rows), m.offset)
    out = []
    for (r, c), net in sorted(table.nets.items()):
        x, y = position(r, c, grid, naming.a1_corner, naming.view)
        out.append((ball_name(r, c), x, y, net))
    return out
