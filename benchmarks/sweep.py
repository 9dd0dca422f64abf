"""A 48-point DOE sweep of the default die built one after the other, in 2 processes and on a 2-worker Dask
LocalCluster: wall time of the whole `maskgen build` (medians), the speed-up, and its ceiling on this machine.

    python benchmarks/sweep.py                 # --repeat 3
    python benchmarks/sweep.py --repeat 5 --json out/sweep_benchmark.json

The sweep: the default recipe (templates/default.yaml, 144 bumps, with its DRC) with bump.ubm_diameter x 8,
solder.ball_diameter x 2 and ball_drop.polymer_opening x 3 = 48 points. Each run is `maskgen build RECIPE
--allow-dirty` as a fresh process (interpreter, imports, the recipe's own die, the 48 points, the table) into
a fresh folder; the LocalCluster is started once before its runs (a cluster is infrastructure that outlives a
build) and its start-up time is printed apart. The ceiling is Amdahl's: the serial part (the same command on the
recipe without its sweep: imports and the recipe's own die) plus the points' time shared by the workers. Every
run's sweep.csv must be the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SWEEP = {"bump.ubm_diameter": [205, 210, 215, 220, 225, 230, 235, 240],
         "solder.ball_diameter": [240, 250],
         "ball_drop.polymer_opening": [290, 300, 310]}


def recipes(folder: Path) -> tuple[Path, Path]:
    """The 48-point sweep recipe and the same recipe without its sweep, written into folder."""
    data = yaml.safe_load((ROOT / "templates" / "default.yaml").read_text())
    plain = dict(data, name="sweep48")
    (folder / "plain.yaml").write_text(yaml.safe_dump(plain))
    (folder / "sweep48.yaml").write_text(yaml.safe_dump(dict(plain, sweep=SWEEP)))
    return folder / "sweep48.yaml", folder / "plain.yaml"


def timed(args: list[str], out: Path) -> tuple[float, str]:
    """Wall time (s) of one `maskgen build` process into a fresh out folder, and the sha256 of its sweep.csv."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "maskgen.cli", "build", *args, "--out", str(out), "--allow-dirty"]
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
    table = out / "sweep48" / "sweep.csv"
    return wall, hashlib.sha256(table.read_bytes()).hexdigest() if table.is_file() else ""


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="maskgen-sweep-bench-"))
    sweep, plain = recipes(work)
    samples: dict[str, list[float]] = {}
    digests: set[str] = set()

    def run(label: str, extra: list[str]) -> None:
        for i in range(args.repeat):
            wall, digest = timed([str(sweep) if label != "serial part" else str(plain), *extra], work / "out")
            samples.setdefault(label, []).append(wall)
            if digest:
                digests.add(digest)
            print(f"  {label} run {i + 1}/{args.repeat}: {wall:.2f} s", file=sys.stderr)

    print(f"load before: {os.getloadavg()[0]:.2f}, cores: {len(os.sched_getaffinity(0))}", file=sys.stderr)
    timed([str(plain)], work / "warm")                       # bytecode and disk caches, once
    run("serial part", [])
    run("--jobs 1", ["--jobs", "1"])
    run("--jobs 2", ["--jobs", "2"])
    from distributed import LocalCluster
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster:
        startup = time.perf_counter() - t0
        run("dask 2 workers", ["--dask", cluster.scheduler_address])
    med = {k: statistics.median(v) for k, v in samples.items()}
    serial, one = med["serial part"], med["--jobs 1"]
    ceiling = one / (serial + (one - serial) / 2)
    print(f"\n48 sweep points of the default die (with DRC), median of {args.repeat} runs, load "
          f"{os.getloadavg()[0]:.2f}\n")
    print("| run | median wall s | speed-up vs --jobs 1 |")
    print("|---|---:|---:|")
    for label in ("serial part", "--jobs 1", "--jobs 2", "dask 2 workers"):
        speed = "" if label == "serial part" else f"{one / med[label]:.2f}x"
        print(f"| {label} | {med[label]:.2f} | {speed} |")
    print(f"\nper point at --jobs 1: {(one - serial) / 48:.3f} s; ceiling on 2 cores (Amdahl, serial part "
          f"{serial:.2f} s): {ceiling:.2f}x; LocalCluster start-up {startup:.2f} s (not in its runs)")
    print(f"sweep.csv identical in every run: {len(digests) == 1}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"samples": samples, "median": med, "ceiling": ceiling,
                                         "cluster_startup": startup, "identical": len(digests) == 1}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    if len(digests) != 1:
        raise SystemExit("sweep.csv differed between runs")


if __name__ == "__main__":
    main()
