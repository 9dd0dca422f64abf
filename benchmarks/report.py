"""What report.html adds to `maskgen build`: the same build with and without --no-report, in fresh processes.

    python benchmarks/report.py [--repeat 7] [RECIPE ...]

For each recipe (default: the default template), runs `maskgen build RECIPE` and `maskgen build RECIPE --no-report`
interleaved, each in a new process (wall clock, CPU, peak memory from wait4, as benchmarks/wafer.py measures), and
prints the medians and the report's share of the build. Issue 22's target: under 20 % on the default recipe.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wafer import ROOT, run_once  # noqa: E402

TARGET = 0.20
"""The report may add at most this share to the default recipe's build (issue 22)."""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("recipes", nargs="*", default=["default"])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="maskgen-report-bench-") as tmp:
        work = Path(tmp)
        for recipe in args.recipes:
            samples: dict[str, list] = {"with report": [], "--no-report": []}
            timing = {key: work / f"timing{i}.json" for i, key in enumerate(samples)}
            argv = {key: [sys.executable, str(ROOT / "benchmarks" / "timed.py"), str(timing[key]),
                          "maskgen.cli:main+maskgen.build", "build", recipe, "--out", str(work / "out"),
                          "--allow-dirty", *(["--no-report"] if key == "--no-report" else [])]
                    for key in samples}
            for key in samples:   # warm-up: bytecode caches, disk cache
                run_once(argv[key], timing[key], work / "log.txt")
            for _ in range(args.repeat):
                for key in samples:
                    s = run_once(argv[key], timing[key], work / "log.txt")
                    if s.exit != 0:
                        print((work / "log.txt").read_text(), file=sys.stderr)
                        return 1
                    samples[key].append(s)
            med = {k: (statistics.median(s.wall_s for s in v), statistics.median(s.cpu_s for s in v),
                       statistics.median(s.peak_mb for s in v), statistics.median(s.inproc["run_s"] for s in v))
                   for k, v in samples.items()}
            share = med["with report"][0] / med["--no-report"][0] - 1
            share_in = med["with report"][3] / med["--no-report"][3] - 1
            rows.append((recipe, med, share, share_in))
    print(f"medians of {args.repeat} fresh processes each (python {sys.version.split()[0]})")
    print(f"{'recipe':18s} {'job':12s} {'wall s':>7s} {'cpu s':>7s} {'peak MB':>8s} {'in-proc s':>9s}")
    for recipe, med, share, share_in in rows:
        for key, (wall, cpu, peak, inproc) in med.items():
            print(f"{recipe:18s} {key:12s} {wall:7.3f} {cpu:7.3f} {peak:8.0f} {inproc:9.3f}")
        verdict = "" if recipe != "default" else (" PASS" if share < TARGET else " MISS") + f" (target < {TARGET:.0%})"
        print(f"{recipe:18s} report adds {share:+.1%} wall, {share_in:+.1%} in-process{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
