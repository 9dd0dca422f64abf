"""DEF bump-map import: 1,000 bump instances (target: under 1 s).

    python benchmarks/defmap.py [--bumps 1000] [--repeat 7] [--out out/benchmark-def]

Writes a DEF like a chip hand-off: `--bumps` BUMP80 instances on a 150 um grid (nets in NETS, every seventh
on VDD in SPECIALNETS), as many standard cells that are not bumps, and a LEF with the bump macro. Measures,
medians of `--repeat` runs after one warm-up:
- read: `maskgen.input.terminals.read_terminals` (tokenise, COMPONENTS, NETS, LEF sizes, centres), in process;
- sites: `maskgen.layout.sites.sites` on the recipe's `kind: def` map (the read plus JEDEC ball names), in process;
- build: `maskgen build RECIPE --no-drc` of a die from that DEF, whole process (interpreter start, imports);
- flip-chip: OpenROAD's test chip (tests/data/third_party/openroad_pad: 3,329-line DEF of 1,452 components and
  358 nets, two LEFs of 3,384 lines): its 237 pad terminals (pin shapes on metal10) and 276 bump terminals.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEF = """VERSION 5.8 ;
MACRO BUMP80
  CLASS COVER BUMP ;
  ORIGIN 0 0 ;
  SIZE 80 BY 80 ;
END BUMP80
END LIBRARY
"""


def write_inputs(folder: Path, bumps: int, pitch: float = 150.0) -> tuple[Path, float]:
    """The DEF, LEF and recipe of the benchmark; returns the recipe and the die side (um)."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = math.ceil(math.sqrt(bumps))
    rows = math.ceil(bumps / columns)
    die = max(columns, rows) * pitch + 400
    comps, nets, vdd = [], [], []
    for i in range(bumps):
        r, c = divmod(i, columns)
        x = round((die / 2 - (columns - 1) * pitch / 2 + c * pitch - 40) * 1000)
        y = round((die / 2 - (rows - 1) * pitch / 2 + r * pitch - 40) * 1000)
        comps.append(f"- BUMP_{i} BUMP80 + SOURCE DIST + FIXED ( {x} {y} ) N ;")
        if i % 7 == 0:
            vdd.append(f"( BUMP_{i} PAD )")
        else:
            nets.append(f"- SIG{i} ( BUMP_{i} PAD ) ( U{i} A )\n  + ROUTED M1 ( {x} {y} ) ( * {y + 5000} ) ;")
    cells = [f"- U{i} INVX1 + PLACED ( {1000 * (i % 900)} {2000 * (i // 900)} ) FS ;" for i in range(bumps)]
    text = "\n".join(["VERSION 5.8 ;", "DESIGN bench ;", "UNITS DISTANCE MICRONS 1000 ;",
                      f"DIEAREA ( 0 0 ) ( {round(die * 1000)} {round(die * 1000)} ) ;",
                      f"COMPONENTS {len(comps) + len(cells)} ;", *comps, *cells, "END COMPONENTS",
                      "SPECIALNETS 1 ;", "- VDD " + " ".join(vdd) + " + USE POWER ;", "END SPECIALNETS",
                      f"NETS {len(nets)} ;", *nets, "END NETS", "END DESIGN", ""])
    (folder / "bench.def").write_text(text)
    (folder / "bench.lef").write_text(LEF)
    recipe = folder / "def_bench.yaml"
    recipe.write_text(f"""name: def_bench
process: ball_drop
materials: {{pad: Al, adhesion: Ti, wetting: Cu, polymer: WBR2100}}
die:
  size: [{die:g}, {die:g}]
  bump_map: {{kind: def, file: bench.def, lef: bench.lef, macro: BUMP80}}
bump:
  pad: {{width: 90, shape: octagon}}
  passivation_opening: 55
  ubm_diameter: 80
solder: {{alloy: SAC305, ball_diameter: 90}}
ball_drop: {{polymer_opening: 110}}
""")
    return recipe, die


def _median(fn, repeat: int) -> tuple[float, list[float]]:
    """Median wall time of fn over repeat runs after one warm-up."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples


def main() -> int:
    """Print the figures of the DEF import benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bumps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "benchmark-def")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from maskgen.input.recipe import load_recipe
    from maskgen.input.terminals import read_terminals
    from maskgen.layout.sites import sites

    recipe, die = write_inputs(args.out, args.bumps)
    size_kb = (args.out / "bench.def").stat().st_size / 1024
    from maskgen.input import defmap, lef

    def read() -> list:
        defmap._CACHE.clear()          # time the parse, not the per-build caches
        lef._CACHE.clear()
        return read_terminals(args.out / "bench.def", [args.out / "bench.lef"], "components", "BUMP80", None,
                              None, "die.bump_map", 10 * args.bumps, "die.bump_map.max_bumps")
    found = read()
    assert len(found) == args.bumps, len(found)
    read_s, _ = _median(read, args.repeat)
    bump_map = load_recipe(recipe).die.bump_map
    def with_balls() -> list:
        defmap._CACHE.clear()
        lef._CACHE.clear()
        return sites(bump_map, args.out)
    sites_s, _ = _median(with_balls, args.repeat)

    def whole() -> None:
        subprocess.run([sys.executable, "-m", "maskgen.cli", "build", str(recipe), "--no-drc",
                        "--out", str(args.out / "build")], check=True, capture_output=True)
    build_s, _ = _median(whole, max(3, args.repeat // 2))
    chip = ROOT / "tests" / "data" / "third_party" / "openroad_pad"
    lefs = [chip / "Nangate45__Nangate45_tech.lef", chip / "Nangate45_io__dummy_pads.lef"]

    def flipchip() -> int:
        defmap._CACHE.clear()
        lef._CACHE.clear()
        def_file = chip / "Nangate45_blackparrot__floorplan_flipchip.def"
        pads = read_terminals(def_file, lefs, "components", "PADCELL_*", None, "metal10", "die.pads", 100_000,
                              "die.pads.max_pads")
        bumps = read_terminals(def_file, lefs, "components", "DUMMY_BUMP", None, None, "die.bump_map", 100_000,
                               "die.bump_map.max_bumps")
        return len(pads) + len(bumps)
    import contextlib
    import io
    with contextlib.redirect_stderr(io.StringIO()):          # its count warnings, once per read
        assert flipchip() == 237 + 276
        chip_s, _ = _median(flipchip, args.repeat)
    target = 1.0
    print(f"DEF: {args.bumps} bump instances + {args.bumps} other cells, {size_kb:.0f} KB, die {die:g} um")
    print("| job | median s | target | verdict |")
    print("|---|---:|---|---|")
    print(f"| read_terminals (in process) | {read_s:.4f} | < {target:g} s | {'PASS' if read_s < target else 'FAIL'} |")
    print(f"| sites with ball names (in process) | {sites_s:.4f} | < {target:g} s | "
          f"{'PASS' if sites_s < target else 'FAIL'} |")
    print(f"| maskgen build --no-drc (whole process) | {build_s:.3f} | | |")
    print(f"| OpenROAD flip-chip: DEF + 2 LEFs, 513 terminals (in process) | {chip_s:.4f} | < {target:g} s | "
          f"{'PASS' if chip_s < target else 'FAIL'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
