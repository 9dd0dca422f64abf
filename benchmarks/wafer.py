"""Issue 6 scale benchmark: a 300 mm wafer of 10 x 10 mm cantilever_wlcsp dies, 2,500 bumps a die.

    python benchmarks/wafer.py [--repeat 5] [--json figures.json] [--with-gdsfactory] [--work DIR]

Every job runs in a fresh subprocess, `--repeat` times; the table quotes medians of
wall time (the whole process: interpreter start, imports, work, exit), CPU time, peak
resident memory of that process (wait4 rusage), and the in-process split where the
job reports it. Figures are ratios from this one run, so they hold on a loaded machine
better than the absolute seconds do. Progress goes to stderr, the table to stdout.

Jobs (recipe: benchmarks/wafer_cantilever_300mm.yaml; its die alone: the same recipe
without the `wafer:` block, written into the work folder):
  floor        benchmarks/gdstk_floor.py: plain gdstk writing the same hierarchy (bump cell ->
               50 x 50 die array -> one array reference per row of dies) as GDSII
  build        maskgen build --no-drc: recipe validation, bump design, cells, wafer, GDSII,
               .lyp and manifest (per-bump figures of the die)
  build+drc    maskgen build (default): the same plus the claim-derived DRC of the whole wafer
               and its .lyrdb
  masks        maskgen masks: the build (no DRC) plus every mask of the process (7 for 004) in
               mask-shop polarity with marks, labels and mask list, each one die field
  plates       maskgen masks with masks: {format: wafer}: every mask of the process as a full-wafer
               1x plate (14 inch) of the whole wafer map (issue 12), hierarchical, with the mask list
  drc wafer    maskgen drc on the wafer GDSII (deep mode, all rules, .lyrdb)
  drc die      maskgen drc on the one-die GDSII
  die build    maskgen build --no-drc of the one die
  gdsfactory   benchmarks/gf_die.py in benchmarks/.venv-gf: the same die with gdsfactory idioms
               (when that venv has gdsfactory; --with-gdsfactory creates it on first use)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECIPE = HERE / "wafer_cantilever_300mm.yaml"
GF_VENV = HERE / ".venv-gf"
GF_SPEC = "gdsfactory==9.45.0"
"""What --with-gdsfactory installs into benchmarks/.venv-gf (its exact version is recorded in the output)."""

MB = 1024 * 1024
BUILD_MAX_S = 2.0
BUILD_MAX_FLOOR = 5.0
PEAK_MAX_MB = 500.0
PLATES_MAX_S = 10.0
DRC_MAX_RATIO = 1.1   # issue 11: the whole-wafer DRC stays within 1.1x of one die's


def say(msg: str) -> None:
    """A progress line on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Sample:
    """One run of a job in its own process."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    exit: int
    inproc: dict[str, Any] = field(default_factory=dict)


@dataclass
class Job:
    """A command measured in fresh subprocesses."""

    key: str
    label: str
    argv: list[str]
    includes: str
    ok_exit: tuple[int, ...] = (0,)
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)

    def median_inproc(self, key: str) -> float | None:
        values = [s.inproc[key] for s in self.samples if key in s.inproc]
        return statistics.median(values) if values else None


@dataclass
class Verdict:
    """A row's target, the ratio it is judged by and the outcome."""

    target: str
    ratio: str = ""
    ok: bool | None = None


def run_once(argv: list[str], timing: Path, log: Path, code: Path = ROOT) -> Sample:
    """Run argv in a new process; wall clock, CPU and peak RSS of exactly that process (wait4). code: the
    checkout whose maskgen the child imports (its folder is the child's working folder and first on its path)."""
    timing.unlink(missing_ok=True)
    # children may cache bytecode, as an installed package has it: the figures are not import compilation
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONUNBUFFERED": "1"}
    if code != ROOT:
        env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [env.get("PYTHONPATH")])])
    with open(log, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=code, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    inproc = json.loads(timing.read_text(encoding="utf-8")) if timing.is_file() else {}
    return Sample(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss * scale / MB,
                  exit=proc.returncode, inproc=inproc)


def measure(job: Job, repeat: int, work: Path, index: int, total: int) -> None:
    """Run a job `repeat` times; stop at the first unexpected exit code (its log is shown)."""
    timing = work / "timing" / f"{job.key}.json"
    log = work / "logs" / f"{job.key}.log"
    timing.parent.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    warm = run_once(job.argv, timing, log)           # not counted: writes bytecode caches, warms the disk cache
    say(f"[{index}/{total}] {job.label}: warm-up {warm.wall_s:.2f} s, exit {warm.exit}")
    for i in range(repeat):
        s = run_once(job.argv, timing, log)
        job.samples.append(s)
        split = f", in-process {s.inproc['run_s']:.2f} s" if "run_s" in s.inproc else ""
        say(f"[{index}/{total}] {job.label}: run {i + 1}/{repeat} {s.wall_s:.2f} s{split}, "
            f"peak {s.peak_mb:.0f} MB, exit {s.exit}")
        if s.exit not in job.ok_exit:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            raise SystemExit(f"{job.label} exited {s.exit}: {' '.join(job.argv)}\n" + "\n".join(tail))


BUILD_IMPORTS = "maskgen.build,maskgen.outputs.report"
DRC_IMPORTS = "maskgen.drc,maskgen.input.pdk"
"""What the maskgen commands import inside themselves: imported before timed.py starts the work clock."""


def maskgen_cli(timing_key: str, work: Path, imports: str, *args: str | Path) -> list[str]:
    """The maskgen console script, run by timed.py so the import / work split is recorded."""
    return [sys.executable, str(HERE / "timed.py"), str(work / "timing" / f"{timing_key}.json"),
            f"maskgen.cli:main+{imports}", *map(str, args)]


def plate_recipe(work: Path) -> tuple[Path, str]:
    """The benchmark recipe writing full-wafer plates of every mask (written into the work folder)."""
    data = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))
    data["name"] = "plates_cantilever_300mm"
    data["masks"] = {"format": ["wafer"], "plate": "auto"}
    path = work / "plates_cantilever_300mm.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, data["name"]


def die_recipe(work: Path) -> tuple[Path, str]:
    """The benchmark recipe without its wafer: one die (written into the work folder)."""
    data = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))
    data.pop("wafer")
    data["name"] = "die_cantilever_10mm"
    data["description"] = "one die of " + RECIPE.name
    path = work / "die_cantilever_10mm.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, data["name"]


# ----------------------------------------------------------------------------- gdsfactory peer
def gf_python(create: bool) -> tuple[Path | None, str]:
    """The venv python with gdsfactory (created on demand) and its version, or None and why not."""
    py = GF_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")

    def version() -> str | None:
        if not py.exists():
            return None
        got = subprocess.run([str(py), "-c", "import gdsfactory; print(gdsfactory.__version__)"],
                             capture_output=True, text=True)
        return got.stdout.strip() if got.returncode == 0 else None

    found = version()
    if found:
        return py, found
    if not create:
        return None, "skipped: run with --with-gdsfactory to build the peer (creates benchmarks/.venv-gf)"
    say(f"creating {GF_VENV.relative_to(ROOT)} and installing {GF_SPEC} (once; a few minutes)")
    try:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(GF_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", GF_SPEC], check=True,
                       stdout=sys.stderr, stderr=sys.stderr)
    except (OSError, subprocess.CalledProcessError) as exc:
        return None, f"skipped: could not install {GF_SPEC} into {GF_VENV.relative_to(ROOT)} ({exc})"
    found = version()
    return (py, found) if found else (None, f"skipped: {GF_SPEC} installed but does not import")


# ----------------------------------------------------------------------------- report
def verdicts(jobs: dict[str, Job]) -> dict[str, Verdict]:
    """Targets of issue 6, as ratios from this run."""
    out: dict[str, Verdict] = {}
    floor = jobs["floor"].median("wall_s")
    out["floor"] = Verdict("reference")
    j = jobs["build"]  # the layout build: what the floor does, so judged against it
    wall, peak = j.median("wall_s"), j.median("peak_mb")
    ratio = wall / floor
    out["build"] = Verdict(f"<= {BUILD_MAX_FLOOR:g}x floor, <= {BUILD_MAX_S:g} s, <= {PEAK_MAX_MB:g} MB",
                           f"{ratio:.1f}x floor",
                           ratio <= BUILD_MAX_FLOOR and wall <= BUILD_MAX_S and peak <= PEAK_MAX_MB)
    j = jobs["build+drc"]  # the floor runs no DRC: its ratio is shown, the absolute limits judged
    wall, peak = j.median("wall_s"), j.median("peak_mb")
    out["build+drc"] = Verdict(f"<= {BUILD_MAX_S:g} s, <= {PEAK_MAX_MB:g} MB", f"({wall / floor:.1f}x floor)",
                               wall <= BUILD_MAX_S and peak <= PEAK_MAX_MB)
    out["masks"] = Verdict(f"<= {PEAK_MAX_MB:g} MB", "", jobs["masks"].median("peak_mb") <= PEAK_MAX_MB)
    j = jobs["plates"]
    out["plates"] = Verdict(f"< {PLATES_MAX_S:g} s, < {PEAK_MAX_MB:g} MB", "",
                            j.median("wall_s") < PLATES_MAX_S and j.median("peak_mb") < PEAK_MAX_MB)
    die, wafer = jobs["drc die"], jobs["drc wafer"]
    ratio = wafer.median("wall_s") / die.median("wall_s")
    out["drc die"] = Verdict("reference")
    out["drc wafer"] = Verdict(f"<= {DRC_MAX_RATIO:g}x drc die", f"{ratio:.2f}x die", ratio <= DRC_MAX_RATIO)
    gf = jobs.get("gdsfactory")
    if gf is not None and gf.samples:
        mine = jobs["die build"]
        ratio = mine.median("wall_s") / gf.median("wall_s")
        mem = mine.median("peak_mb") / gf.median("peak_mb")
        mine_run, gf_run = mine.median_inproc("run_s"), gf.median_inproc("run_s")
        inproc = f" (in-proc {mine_run / gf_run:.1f}x)" if mine_run and gf_run else ""
        out["die build"] = Verdict("< gdsfactory time and memory", f"{ratio:.2f}x t, {mem:.2f}x mem{inproc}",
                                   ratio < 1.0 and mem < 1.0)
        out["gdsfactory"] = Verdict("peer")
    else:
        out["die build"] = Verdict("< gdsfactory (not run)")
    return out


def table(jobs: dict[str, Job], verdict: dict[str, Verdict], markdown: bool = False) -> str:
    """The figures as an aligned text table, or as a Markdown table for the README."""
    head = ("job", "wall s", "cpu s", "peak MB", "in-proc s", "target", "ratio", "")
    rows = [head]
    for key, j in jobs.items():
        if not j.samples:
            continue
        v = verdict.get(key, Verdict(""))
        run = j.median_inproc("run_s")
        status = "" if v.ok is None else ("PASS" if v.ok else "MISS")
        rows.append((j.label, f"{j.median('wall_s'):.2f}", f"{j.median('cpu_s'):.2f}", f"{j.median('peak_mb'):.0f}",
                     "" if run is None else f"{run:.{3 if run < 0.1 else 2}f}", v.target, v.ratio, status))
    if markdown:
        md = [f"| {' | '.join(c.replace('|', '/') for c in r[:-1])} | {r[-1] if n else 'verdict'} |"
              for n, r in enumerate(rows)]
        md.insert(1, "|---|" + "---:|" * 4 + "---|---|---|")
        return "\n".join(md)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        cells = [c.ljust(w) if i in (0, 5, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def versions(gf_version: str | None) -> dict[str, str]:
    import gdstk
    import klayout.db

    import maskgen
    out = {"python": platform.python_version(), "maskgen": maskgen.__version__, "gdstk": gdstk.__version__,
           "klayout": klayout.db.__version__ if hasattr(klayout.db, "__version__") else "?"}
    if gf_version:
        out["gdsfactory"] = gf_version
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per job; the table shows medians (default 5)")
    parser.add_argument("--json", type=Path, help="also write every figure and sample here")
    parser.add_argument("--with-gdsfactory", action="store_true",
                        help="run the gdsfactory peer (creates benchmarks/.venv-gf with pip on first use)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "benchmark",
                        help="scratch folder for outputs and logs (default out/benchmark)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    die_yaml, die_name = die_recipe(work)
    plate_yaml, plate_name = plate_recipe(work)
    wafer_name = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))["name"]
    wafer_gds = work / "build" / wafer_name / f"{wafer_name}.gds"
    die_gds = work / "die" / die_name / f"{die_name}.gds"

    py, gf_note = gf_python(args.with_gdsfactory)
    gf_version = gf_note if py else None
    jobs = [
        Job("floor", "gdstk floor (wafer)",
            [sys.executable, str(HERE / "gdstk_floor.py"), str(work / "floor" / "floor.gds"),
             "--timing", str(work / "timing" / "floor.json")],
            "python start, import gdstk, bump/die/wafer cells, write GDSII"),
        Job("build", "maskgen build --no-drc (wafer)",
            maskgen_cli("build", work, BUILD_IMPORTS, "build", RECIPE, "--out", work / "build", "--no-drc"),
            "python start, imports, recipe+PDK validation, design, cells, wafer, GDSII, .lyp, manifest"),
        Job("build+drc", "maskgen build (wafer, with DRC)",
            maskgen_cli("build+drc", work, f"{BUILD_IMPORTS},{DRC_IMPORTS}", "build", RECIPE,
                        "--out", work / "build_drc"),
            "the build plus the whole-wafer DRC and its .lyrdb (maskgen build's default)"),
        Job("masks", "maskgen masks (7 masks)",
            maskgen_cli("masks", work, "maskgen.outputs.masks", "masks", RECIPE, "--out", work / "masks"),
            "the build (no DRC) plus every mask of the process, one die field each, and the mask list"),
        Job("plates", "maskgen masks (7 full-wafer plates)",
            maskgen_cli("plates", work, "maskgen.outputs.masks", "masks", plate_yaml, "--out", work / "plates"),
            "the build (no DRC) plus every mask as a full-wafer 1x plate of all whole dies, and the mask list"),
        Job("die build", "maskgen build --no-drc (die)",
            maskgen_cli("die build", work, BUILD_IMPORTS, "build", die_yaml, "--out", work / "die", "--no-drc"),
            "one 10 x 10 mm die, 2,500 bumps, whole process"),
        Job("drc die", "maskgen drc (die)",
            maskgen_cli("drc die", work, DRC_IMPORTS, "drc", die_gds, "--report", work / "drc" / "die.lyrdb"),
            "python start, imports, read GDSII, all rules deep, .lyrdb"),
        Job("drc wafer", "maskgen drc (wafer)",
            maskgen_cli("drc wafer", work, DRC_IMPORTS, "drc", wafer_gds, "--report", work / "drc" / "wafer.lyrdb"),
            "the same on the whole wafer"),
    ]
    if py is not None:
        jobs.append(Job("gdsfactory", f"gdsfactory {gf_version} (die)",
                        [str(py), str(HERE / "gf_die.py"), str(work / "gf" / "die.gds"),
                         "--timing", str(work / "timing" / "gdsfactory.json")],
                        "python start, import gdsfactory, the same die with gdsfactory idioms, write_gds"))
    by_key = {j.key: j for j in jobs}
    say(f"{len(jobs)} jobs x {args.repeat} runs, work folder {work}")
    if py is None:
        say(f"gdsfactory peer {gf_note}")
    for n, job in enumerate(jobs, 1):
        measure(job, args.repeat, work, n, len(jobs))
    verdict = verdicts(by_key)

    manifest = json.loads((wafer_gds.with_suffix(".json")).read_text(encoding="utf-8"))
    wafer = manifest["wafer"]
    facts = {"recipe": str(RECIPE.relative_to(ROOT)), "dies": wafer["die_count"],
             "bumps_per_die": manifest["bump_count"], "bumps": wafer["bump_count"],
             "wafer_gds_bytes": wafer_gds.stat().st_size, "die_gds_bytes": die_gds.stat().st_size,
             "masks": [m["mask"] for m in manifest["masks"]],
             "plate_gds_bytes": sum(f.stat().st_size for f in (work / "plates" / plate_name / "masks").glob("*.gds"))}
    floor_info = by_key["floor"].samples[-1].inproc
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    vers = versions(gf_version)
    print(f"maskgen wafer benchmark: {facts['dies']} dies x {facts['bumps_per_die']:,} bumps = {facts['bumps']:,} "
          f"bumps ({facts['recipe']}); masks {', '.join(facts['masks'])}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()) +
          f"; {os.cpu_count()} CPUs, load {load[0]:.2f}" if load else "")
    print(f"medians of {args.repeat} runs, each a fresh process; wall and peak memory are the whole process "
          f"(interpreter start + imports + work); in-proc = the work after imports")
    print()
    print(table(by_key, verdict, markdown=args.markdown))
    print()
    for j in jobs:
        print(f"  {j.label}: {j.includes}")
    print(f"  floor bump cell: {floor_info.get('bump_polygons')} polygons, {floor_info.get('bump_vertices')} vertices; "
          f"wafer GDSII {facts['wafer_gds_bytes'] / 1e3:.0f} kB (maskgen)")
    print(f"full-wafer plates: {len(facts['masks'])} masks x {facts['dies']} die sites, "
          f"{facts['plate_gds_bytes'] / 1e6:.1f} MB of GDSII in all")
    drc_in_build = by_key["build+drc"].median("wall_s") - by_key["build"].median("wall_s")
    print(f"  DRC inside maskgen build (wafer): {drc_in_build:.2f} s (build with DRC minus build --no-drc)")
    if py is None:
        print(f"  gdsfactory peer {gf_note}")
    print("  note: each job ran once unmeasured first (bytecode caches written, as in an installed package)")
    if args.json:
        data = {"facts": facts, "versions": vers, "repeat": args.repeat, "cpus": os.cpu_count(),
                "load": list(load) if load else None,
                "targets": {"build_max_s": BUILD_MAX_S, "build_max_floor": BUILD_MAX_FLOOR,
                            "peak_max_mb": PEAK_MAX_MB, "drc_max_ratio": DRC_MAX_RATIO},
                "jobs": {j.key: {"label": j.label, "argv": j.argv, "includes": j.includes,
                                 "median": {"wall_s": j.median("wall_s"), "cpu_s": j.median("cpu_s"),
                                            "peak_mb": j.median("peak_mb"), "run_s": j.median_inproc("run_s"),
                                            "import_s": j.median_inproc("import_s")},
                                 **asdict(verdict.get(j.key, Verdict(""))),
                                 "samples": [asdict(s) for s in j.samples]} for j in jobs if j.samples},
                "gdsfactory": gf_note if py is None else gf_version}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        say(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
