"""The floor of the wafer benchmark: a plain gdstk script writing the same hierarchy as `maskgen build`.

One bump cell with the 004 cantilever bump of benchmarks/wafer_cantilever_300mm.yaml drawn
directly from gdstk primitives on the same GDS layers (about the same polygons and vertices:
pad 91, passivation and via openings, sacrificial disc 140, three etch windows 160 in INS1 and
PROT, metal line 110 with its via landing, land, two beams 111, protection opening 170, UBM,
ball 120 and reflow outline), a die cell with the die boundary and one 50 x 50 array reference,
and a wafer cell with one array reference per row of dies inside the edge exclusion plus the
notched wafer outline. No recipe, no validation, no rules, no manifest: what is left is the
cost of the geometry and the GDSII writer.

    python benchmarks/gdstk_floor.py OUT.gds [--timing PATH]

`--timing` writes {"import_s", "run_s", "bumps", "dies"} as JSON (in-process figures).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import gdstk  # noqa: E402

T_IMPORT = time.perf_counter()

# GDS layers of pdk/default/layers.yaml
PAD, PASV, UBM, BUMP, REFLOW, INS1, SAC, RDL, PROT, DIE, WAFER = (
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (10, 0), (12, 0), (14, 0), (15, 0), (90, 0), (91, 0))
TOL = 0.05            # chord error, um (rules.yaml chord_error)
PITCH, COUNT = 190.0, 50
DIE_SIZE, SCRIBE = 10_000.0, 100.0
WAFER_RADIUS, EDGE_EXCLUSION = 150_000.0, 3_000.0
PAD_AT = (-95.0, -95.0)


def circle(diameter: float, layer: tuple[int, int], centre: tuple[float, float] = (0.0, 0.0)) -> gdstk.Polygon:
    return gdstk.ellipse(centre, diameter / 2, tolerance=TOL, layer=layer[0], datatype=layer[1])


def bump_cell() -> gdstk.Cell:
    """The cantilever bump: the same layers and about the same polygons as maskgen's bump cell."""
    c = gdstk.Cell("cantilever_bump")
    octagon = gdstk.regular_polygon(PAD_AT, 29.0 / math.cos(math.pi / 8), 8, rotation=math.pi / 8,
                                    layer=PAD[0], datatype=PAD[1])
    c.add(octagon, circle(42, PASV, PAD_AT), circle(42, INS1, PAD_AT), circle(166, SAC))
    for start in (0.0, 90.0, 180.0):  # three windows of the slot ring between the arms
        a0, a1 = math.radians(start + 15.0), math.radians(start + (75.0 if start < 180 else 210.0))
        for layer in (INS1, PROT):
            c.add(gdstk.ellipse((0, 0), 81.0, inner_radius=61.0, initial_angle=a0, final_angle=a1,
                                tolerance=TOL, layer=layer[0], datatype=layer[1]))
    line = gdstk.FlexPath([(0, 0), PAD_AT], 15.0, layer=RDL[0], datatype=RDL[1])
    c.add(line, circle(62, RDL, PAD_AT), circle(102, RDL))
    c.add(gdstk.rectangle((0, -7.5), (91, 7.5), layer=RDL[0], datatype=RDL[1]),
          gdstk.rectangle((-7.5, 0), (7.5, 91), layer=RDL[0], datatype=RDL[1]))
    c.add(circle(60, PROT), circle(80, UBM), circle(110, BUMP), circle(112.3, REFLOW))
    return c


def die_rows() -> list[tuple[float, float, int]]:
    """Rows of whole dies inside the usable radius: (x of the first die, y, dies in the row)."""
    step = DIE_SIZE + SCRIBE
    radius = WAFER_RADIUS - EDGE_EXCLUSION
    rows = []
    ny = int(radius // step) + 1
    for j in range(-ny, ny + 1):
        y_test = abs(j * step) + DIE_SIZE / 2
        if y_test >= radius:
            continue
        limit = math.sqrt(radius**2 - y_test**2) - DIE_SIZE / 2
        if limit < 0:
            continue
        n = int(limit // step)
        rows.append((-n * step, j * step, 2 * n + 1))
    return rows


def wafer_outline() -> gdstk.Cell:
    """Wafer edge with a 1 mm notch and the edge-exclusion ring."""
    c = gdstk.Cell("wafer_outline")
    edge = gdstk.ellipse((0, 0), WAFER_RADIUS, inner_radius=WAFER_RADIUS - EDGE_EXCLUSION, tolerance=1.0)
    notch = gdstk.Polygon([(-1000, -WAFER_RADIUS - 10), (1000, -WAFER_RADIUS - 10), (0, -WAFER_RADIUS + 1000)])
    c.add(*gdstk.boolean(edge, notch, "not", layer=WAFER[0], datatype=WAFER[1]))
    return c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--timing")
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    lib = gdstk.Library("gdstk_floor", unit=1e-6, precision=1e-9)
    bump = bump_cell()
    die = gdstk.Cell("die")
    half = DIE_SIZE / 2
    die.add(gdstk.rectangle((-half, -half), (half, half), layer=DIE[0], datatype=DIE[1]))
    first = -(COUNT - 1) * PITCH / 2
    die.add(gdstk.Reference(bump, (first, first), columns=COUNT, rows=COUNT, spacing=(PITCH, PITCH)))
    wafer = gdstk.Cell("wafer")
    outline = wafer_outline()
    wafer.add(gdstk.Reference(outline))
    rows = die_rows()
    step = DIE_SIZE + SCRIBE
    for x, y, n in rows:
        wafer.add(gdstk.Reference(die, (x, y), columns=n, rows=1, spacing=(step, step)))
    lib.add(bump, die, outline, wafer)
    lib.write_gds(args.out, max_points=8190, timestamp=datetime.datetime(2000, 1, 1))
    t_end = time.perf_counter()
    dies = sum(n for _, _, n in rows)
    if args.timing:
        with open(args.timing, "w", encoding="utf-8") as fh:
            json.dump({"import_s": T_IMPORT - T0, "run_s": t_end - T_IMPORT, "dies": dies,
                       "bumps": dies * COUNT * COUNT, "bump_polygons": len(bump.polygons),
                       "bump_vertices": sum(p.size for p in bump.polygons)}, fh)


if __name__ == "__main__":
    main()
