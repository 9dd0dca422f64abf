"""The blocks of a sub-array sweep (`sweep_layout: subarrays`): the die's bump sites split among the valid sweep
points in contiguous tiles.

The tiled box is the sites' bounding box grown by half a pitch on each side (the map's pitch for a grid,
staggered, ring or table map, else the nearest site distance), so a bump's DRC markers fall inside the box and,
where the tiles divide a grid's rows and columns evenly, every tile edge runs midway between two of them.
The box is cut into a near-square grid of exactly as many tiles as valid points n: columns =
ceil(sqrt(n x width / height)) (at most n), rows = ceil(n / columns), the n tiles spread over the rows with
the first rows one tile longer when they do not divide evenly, every row spanning the whole width. Tiles are
numbered row by row from the top left (the order the sweep table is read in) and the valid points take them
in sweep order. A site on a tile edge belongs to the tile to its right or below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from maskgen.design.bumptypes import BumpKind, SweepPoint, sweep_types
from maskgen.design.figures import Design
from maskgen.errors import InputError, given
from maskgen.input.recipe import BumpMap, TableMap
from maskgen.input.site import Site
from maskgen.layout.sites import nearest_distance

Box = tuple[float, float, float, float]
"""x1, y1, x2, y2 in um (x1 < x2, y1 < y2)."""


@dataclass
class Block:
    """One point's block of the die: the sweep point, its bump type, its tile and the sites in it."""

    point: str
    type: str
    box: Box
    sites: list[Site]


def row_lengths(n: int, width: float, height: float) -> list[int]:
    """Tiles in each row (top row first) of a near-square grid of exactly n tiles over a width x height box."""
    if height <= 0:
        columns = n
    elif width <= 0:
        columns = 1
    else:
        columns = min(n, max(1, math.ceil(math.sqrt(n * width / height) - 1e-9)))
    rows = math.ceil(n / columns)
    return [n // rows + (1 if k < n % rows else 0) for k in range(rows)]


def tiled_box(bump_sites: list[Site], bump_map: BumpMap) -> Box:
    """The sites' bounding box grown by half a pitch on each side: the map's pitch in x and y (grid, staggered,
    ring and table maps), else the nearest distance between two sites."""
    xy = np.array([(s.x, s.y) for s in bump_sites], dtype=float)
    pitch = bump_map.pitch_xy if isinstance(bump_map, TableMap) else getattr(bump_map, "pitch", None)
    if isinstance(pitch, (int, float)):
        pitch = (pitch, pitch)
    if pitch is None:
        near = nearest_distance(xy) or 0.0
        pitch = (near, near)
    gx, gy = pitch[0] / 2, pitch[1] / 2
    return (float(xy[:, 0].min()) - gx, float(xy[:, 1].min()) - gy,
            float(xy[:, 0].max()) + gx, float(xy[:, 1].max()) + gy)


def tiles(box: Box, n: int) -> list[Box]:
    """n tiles over box, row by row from the top left."""
    x1, y1, x2, y2 = box
    lengths = row_lengths(n, x2 - x1, y2 - y1)
    th = (y2 - y1) / len(lengths)
    out = []
    for r, count in enumerate(lengths):
        top = y2 - r * th
        bottom = y1 if r == len(lengths) - 1 else top - th
        tw = (x2 - x1) / count
        for c in range(count):
            right = x2 if c == count - 1 else x1 + (c + 1) * tw
            out.append((x1 + c * tw, bottom, right, top))
    return out


def split(bump_sites: list[Site], box: Box, n: int) -> list[list[Site]]:
    """The sites of each of the n tiles of box (in the order of `tiles`): each site in the tile that holds its
    centre, a site on a shared edge in the tile to its right or below."""
    x1, y1, x2, y2 = box
    lengths = row_lengths(n, x2 - x1, y2 - y1)
    first = [sum(lengths[:r]) for r in range(len(lengths))]
    th = (y2 - y1) / len(lengths)
    out: list[list[Site]] = [[] for _ in range(n)]
    for s in bump_sites:
        r = min(len(lengths) - 1, max(0, math.floor((y2 - s.y) / th + 1e-9))) if th > 0 else 0
        tw = (x2 - x1) / lengths[r]
        c = min(lengths[r] - 1, max(0, math.floor((s.x - x1) / tw + 1e-9))) if tw > 0 else 0
        out[first[r] + c].append(s)
    return out


@dataclass
class SubArrays:
    """A sub-array sweep as laid out: every point (valid or refused, in sweep order) and the valid points' blocks
    (in tile order, the valid points' order)."""

    points: list[SweepPoint]
    blocks: list[Block]
    box: Box
    tiles_per_row: list[int]

    def kinds(self) -> list[BumpKind]:
        """The die's bump types: one per block, with its sites."""
        by_name = {p.name: p for p in self.points}
        return [BumpKind(bl.type, given(by_name[bl.point].design, f"sweep point {bl.point}"), bl.sites)
                for bl in self.blocks]


def plan(design: Design, bump_sites: list[Site]) -> SubArrays:
    """The valid sweep points of the recipe, each with its tile of the die's bump sites (one line on error)."""
    r = design.recipe
    points = sweep_types(design)
    valid = [p for p in points if p.design is not None]
    if not valid:
        first = points[0]
        sweep = r.sweep or {}
        swept = first.key is not None and first.key in sweep
        raise InputError(design.file, f"sweep.{first.key}" if swept else "sweep",
                         sweep[first.key] if first.key is not None and swept else f"{len(points)} points",
                         f"sweep_layout: subarrays needs a point the recipe checks accept; all {len(points)} were "
                         f"refused, e.g. {first.name}: {first.reason}")
    if len(valid) > len(bump_sites):
        raise InputError(design.file, "sweep", f"{len(valid)} valid points", f"sweep_layout: subarrays gives "
                         f"each point a block of its own, and the die has {len(bump_sites)} bump sites: sweep "
                         f"fewer values or use sweep_layout: dies")
    box = tiled_box(bump_sites, r.die.bump_map)
    n = len(valid)
    blocks = []
    for k, (p, tile, mine) in enumerate(zip(valid, tiles(box, n), split(bump_sites, box, n), strict=True)):
        if not mine:
            x1, y1, x2, y2 = tile
            raise InputError(design.file, "sweep", p.name, f"sweep_layout: subarrays: tile {k + 1} of {n} "
                             f"([{x1:.1f}, {y1:.1f}, {x2:.1f}, {y2:.1f}] um) holds no bump site for this point; "
                             f"sweep fewer values or use sweep_layout: dies")
        blocks.append(Block(p.name, p.type, tile, mine))
    return SubArrays(points, blocks, box, row_lengths(n, box[2] - box[0], box[3] - box[1]))
