"""A chip handed over as 100,000 bump instances on no regular array: build with DRC, and the mask set.

    python benchmarks/scatter.py [--bumps 100000] [--repeat 3] [--out out/benchmark-scatter]

Writes a DEF as a design tool would: `--bumps` BUMP80 instances on a 165 um grid, each moved by up to
+-3 um in x and y (a seeded generator, so the same DEF every time), so that no two neighbourhoods repeat and no
array reference can stand for them; a LEF with the bump macro; a ball_drop recipe reading them. Runs, each in a
fresh process (interpreter start, imports, work, exit), once unmeasured and then `--repeat` times:

- `maskgen build RECIPE` (with DRC): target under 10 s and 1 GB;
- `maskgen masks RECIPE` (the build and every mask of ball_drop, with the mask list's critical dimensions):
  target under 20 s and 1 GB.

Prints one table: medians of wall time, CPU time and peak resident memory (`wait4` rusage of the child, as
wafer.py measures it).

    python benchmarks/scatter.py --against /tmp/main-checkout     # e.g. `git worktree add --detach DIR main`

runs every job with the maskgen of that checkout too, the two alternately (one run of each, then the next), so a
machine that other work loads slows both alike, and adds that checkout's medians and the ratio this / that.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wafer import Sample, run_once  # noqa: E402  (benchmarks/wafer.py: one way to measure a child process)

ROOT = Path(__file__).resolve().parent.parent
LEF = """VERSION 5.8 ;
MACRO BUMP80
  CLASS COVER BUMP ;
  ORIGIN 0 0 ;
  SIZE 80 BY 80 ;
  PIN PAD
    DIRECTION INOUT ;
    PORT
      CLASS BUMP ;
      LAYER metal10 ;
        RECT 0 0 80 80 ;
    END
  END PAD
END BUMP80
END LIBRARY
"""
TARGETS = {"build": (10.0, 1024.0), "masks": (20.0, 1024.0)}
"""Job -> (seconds, MB) the issue asks for."""


def write_inputs(folder: Path, bumps: int, pitch: float = 165.0, jitter: float = 3.0) -> tuple[Path, float]:
    """The DEF, LEF and recipe of the benchmark; returns the recipe and the die side (um)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261205)
    columns = math.ceil(math.sqrt(bumps))
    rows = math.ceil(bumps / columns)
    die = max(columns, rows) * pitch + 600
    comps = []
    for i in range(bumps):
        r, c = divmod(i, columns)
        x = die / 2 - (columns - 1) * pitch / 2 + c * pitch - 40 + rng.uniform(-jitter, jitter)
        y = die / 2 - (rows - 1) * pitch / 2 + r * pitch - 40 + rng.uniform(-jitter, jitter)
        comps.append(f"    - BUMP_{i} BUMP80 + FIXED ( {round(x * 1000)} {round(y * 1000)} ) N ;")
    text = "\n".join(["VERSION 5.8 ;", "DESIGN scatter ;", "UNITS DISTANCE MICRONS 1000 ;",
                      f"DIEAREA ( 0 0 ) ( {round(die * 1000)} {round(die * 1000)} ) ;",
                      f"COMPONENTS {len(comps)} ;", *comps, "END COMPONENTS", "END DESIGN", ""])
    (folder / "scatter.def").write_text(text)
    (folder / "scatter.lef").write_text(LEF)
    recipe = folder / "scatter.yaml"
    recipe.write_text(f"""name: scatter
process: ball_drop
materials: {{pad: Al, adhesion: Ti, wetting: Cu, polymer: WBR2100}}
die:
  size: [{die:g}, {die:g}]
  bump_map: {{kind: def, file: scatter.def, lef: scatter.lef, macro: BUMP80}}
bump:
  pad: {{width: 80, shape: octagon}}
  passivation_opening: 40
  ubm_diameter: 65
solder: {{alloy: SAC305, ball_diameter: 60}}
ball_drop: {{polymer_opening: 80}}
""")
    return recipe, die


def _child(args: list[str], work: Path, code: Path = ROOT) -> Sample:
    """`maskgen ARGS` in a fresh process with the maskgen of the checkout `code`, measured by wafer.py's run_once
    (wall, CPU, peak MB, exit code)."""
    return run_once([sys.executable, "-m", "maskgen.cli", *args], work / "timing.json", work / f"{args[0]}.log",
                    code)


def _medians(runs: list[Sample]) -> tuple[float, float, float, set[int]]:
    """Median wall s, CPU s and peak MB of the runs, and their exit codes."""
    wall, cpu, mb = (statistics.median(getattr(r, k) for r in runs) for k in ("wall_s", "cpu_s", "peak_mb"))
    return wall, cpu, mb, {r.exit for r in runs}


def main() -> int:
    """Print the table of the scattered-bump benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bumps", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "benchmark-scatter")
    ap.add_argument("--against", type=Path, default=None,
                    help="another checkout of maskgen, run alternately with this one")
    args = ap.parse_args()
    recipe, die = write_inputs(args.out, args.bumps)
    jobs = {"build": ["build", str(recipe), "--out", str(args.out / "build"), "--max-sites", str(args.bumps)],
            "masks": ["masks", str(recipe), "--out", str(args.out / "masks"), "--max-sites", str(args.bumps)]}
    codes = [ROOT] + ([args.against.resolve()] if args.against else [])
    print(f"scatter: {args.bumps:,} bumps on a 165 um grid moved by up to 3 um, die {die / 1000:g} mm, "
          f"medians of {args.repeat} runs after one warm-up"
          + (f", alternately with {args.against}" if args.against else ""), file=sys.stderr)
    if args.against:
        print(f"| job | wall s | CPU s | peak MB | {args.against.name} wall s | CPU s | peak MB | wall ratio | "
              "CPU ratio | target | verdict |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    else:
        print("| job | wall s | CPU s | peak MB | target | verdict |")
        print("|---|---:|---:|---:|---|---|")
    for name, argv in jobs.items():
        runs: list[list[Sample]] = [[] for _ in codes]
        for i in range(args.repeat + 1):
            for k, code in enumerate(codes):
                sample = _child(argv, args.out, code)
                print(f"{name} {code.name} run {i}: {sample.wall_s:.2f} s wall, {sample.cpu_s:.2f} s CPU, "
                      f"{sample.peak_mb:.0f} MB, exit {sample.exit}{' (warm-up)' if i == 0 else ''}",
                      file=sys.stderr)
                if i:
                    runs[k].append(sample)
        wall, cpu, mb, exits = _medians(runs[0])
        seconds, limit = TARGETS[name]
        ok = wall < seconds and mb < limit and exits == {0}
        other = ""
        if args.against:
            w2, c2, m2, e2 = _medians(runs[1])
            other = (f" {w2:.2f} | {c2:.2f} | {m2:.0f}{'' if e2 == {0} else f' (exit {sorted(e2)})'} | "
                     f"{wall / w2:.3f} | {cpu / c2:.3f} |")
        print(f"| maskgen {name} | {wall:.2f} | {cpu:.2f} | {mb:.0f} |{other} < {seconds:g} s, < {limit:g} MB | "
              f"{'PASS' if ok else 'MISS'}{'' if exits == {0} else f' (exit {sorted(exits)})'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
