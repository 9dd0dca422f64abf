"""The gdsfactory peer of the wafer benchmark: the same 10 x 10 mm die of 2,500 cantilever bumps.

Runs in benchmarks/.venv-gf (gdsfactory is a benchmark-only dependency; `python
benchmarks/wafer.py --with-gdsfactory` creates that venv). Written as a gdsfactory user
would: `@gf.cell` functions, `gf.components.circle / rectangle / regular_polygon`,
`add_polygon` for the ring sectors of the etch windows,
`c << component` with `dmove` / `drotate`, a `gf.Path` extruded for metal line 110, one
`add_ref(..., columns=, rows=, column_pitch=, row_pitch=)` array of the bump, `write_gds`.
The bump has the layers, polygons and chord tolerance (0.05 um) of maskgen's.

    benchmarks/.venv-gf/bin/python benchmarks/gf_die.py OUT.gds [--timing PATH]
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
from pathlib import Path  # noqa: E402

import gdsfactory as gf  # noqa: E402
import numpy as np  # noqa: E402

T_IMPORT = time.perf_counter()

PAD, PASV, UBM, BUMP, REFLOW, INS1, SAC, RDL, PROT, DIE = (
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (10, 0), (12, 0), (14, 0), (15, 0), (90, 0))
TOL = 0.05  # chord error, um
PAD_AT = (-95.0, -95.0)


def resolution(radius: float) -> float:
    """Angle step (degrees) keeping the chord error within TOL."""
    return math.degrees(2 * math.acos(1 - TOL / radius))


def disc(diameter: float, layer: tuple[int, int]) -> gf.Component:
    return gf.components.circle(radius=diameter / 2, angle_resolution=resolution(diameter / 2), layer=layer)


def window_points(inner: float, outer: float, start: float, span: float) -> np.ndarray:
    """A ring sector (um): outer arc, then the inner arc back."""
    n = max(2, math.ceil(span / resolution(outer)) + 1)
    a = np.radians(np.linspace(start, start + span, n))
    return np.concatenate([np.c_[outer * np.cos(a), outer * np.sin(a)],
                           np.c_[inner * np.cos(a[::-1]), inner * np.sin(a[::-1])]])


@gf.cell
def cantilever_bump() -> gf.Component:
    """Suspended cantilever bump (004): pad 91 on the diagonal, line 110, land, two beams 111, windows 160."""
    c = gf.Component()
    pad = c << gf.components.regular_polygon(sides=8, side_length=58 * math.tan(math.pi / 8), layer=PAD)
    pad.dmove(PAD_AT)
    for diameter, layer in ((42, PASV), (42, INS1)):
        (c << disc(diameter, layer)).dmove(PAD_AT)
    c << disc(166, SAC)
    for start, span in ((15, 60), (105, 60), (195, 150)):  # etch windows 160 between the arms
        points = window_points(61, 81, start, span)
        for layer in (INS1, PROT):
            c.add_polygon(points, layer=layer)
    line = gf.Path([(0, 0), PAD_AT]).extrude(width=15, layer=RDL)
    c << line
    (c << disc(62, RDL)).dmove(PAD_AT)
    c << disc(102, RDL)
    for angle in (0, 90):
        beam = c << gf.components.rectangle(size=(91, 15), layer=RDL, centered=False, port_type=None)
        beam.dmove((0, -7.5))
        beam.drotate(angle)
    for diameter, layer in ((60, PROT), (80, UBM), (110, BUMP), (112.3, REFLOW)):
        c << disc(diameter, layer)
    return c


@gf.cell
def die(pitch: float = 190.0, count: int = 50, size: float = 10_000.0) -> gf.Component:
    """The die: boundary and a count x count array of the bump at pitch."""
    c = gf.Component()
    c << gf.components.rectangle(size=(size, size), layer=DIE, centered=True, port_type=None)
    bumps = c.add_ref(cantilever_bump(), columns=count, rows=count, column_pitch=pitch, row_pitch=pitch)
    first = -(count - 1) * pitch / 2
    bumps.dmove((first, first))
    return c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--timing")
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    gf.gpdk.PDK.activate()
    t_pdk = time.perf_counter()
    c = die()
    c.write_gds(args.out)
    t_end = time.perf_counter()
    if args.timing:
        bump = cantilever_bump()
        polygons = sum(len(list(bump.get_polygons()[layer])) for layer in bump.get_polygons())
        with open(args.timing, "w", encoding="utf-8") as fh:
            json.dump({"import_s": T_IMPORT - T0, "pdk_s": t_pdk - T_IMPORT, "run_s": t_end - T_IMPORT,
                       "gdsfactory": gf.__version__, "bump_polygons": polygons}, fh)


if __name__ == "__main__":
    main()
