"""How long and how much memory maskgen takes to refuse the hostile files of issue 25: whole processes, medians.

    python benchmarks/hostile_files.py              # 3 runs per case
    python benchmarks/hostile_files.py --repeat 5

Each case is one `maskgen` run in a fresh process (`python -m maskgen.entry ...`: interpreter start, imports,
the refusal, exit); the figures are the median wall time and the median peak resident memory of that process
(`wait4` rusage), with its exit code and error line. Before issue 25 (main at 1916c62): the DEF was read whole
(3.1 GB, then a traceback), the ball table took 36 s and 2.1 GB, the array reference grew to 7 GB in `drc`,
the far layout hung past 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gdstk
import yaml

from maskgen.input.pdk import data_root

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile_layouts import deep_gds, gds_with_array, recursive_gds  # noqa: E402  (tests/: one home for each)

TEMPLATES = data_root() / "templates"
LEF = """VERSION 5.8 ;
MACRO BUMP80
  CLASS COVER BUMP ;
  SIZE 80 BY 60 ;
END BUMP80
END LIBRARY
"""


def _recipe(folder: Path, name: str, bump_map: dict | None = None, text: str | None = None) -> Path:
    """The default recipe with another bump map (or the given YAML text)."""
    path = folder / f"{name}.yaml"
    if text is None:
        data = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
        data["die"]["bump_map"] = bump_map
        text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    return path


def cases(folder: Path) -> list[tuple[str, list[str]]]:
    """(case, maskgen arguments) for each hostile file, its files written into folder."""
    out = str(folder / "out")
    (folder / "bumps.lef").write_text(LEF)
    with (folder / "sparse.def").open("wb") as fh:
        fh.truncate(3_000_000_000)
    (folder / "table.txt").write_text("A " + "- " * 4_999_999 + "VDD\n")
    far = (2**31 - 1_000_000) / 1000
    lib = gdstk.Library()
    lib.new_cell("TOP").add(gdstk.rectangle((far, far), (far + 40, far + 40), layer=7))
    lib.write_gds(str(folder / "far.gds"))
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    digits = (TEMPLATES / "default.yaml").read_text().replace("passivation_opening: 180",
                                                             "passivation_opening: " + "9" * 5000)
    return [
        ("drc: 32767 x 32767 array reference", ["drc", str(gds_with_array(folder / "huge.gds", 32767, 32767, 1))]),
        ("drc: 4 levels of 1000 x 1000 arrays (10^24)", ["drc", str(deep_gds(folder / "deep.gds"))]),
        ("drc: coordinates near 2^31 dbu", ["drc", str(folder / "far.gds")]),
        ("render: recursive GDS", ["render", str(recursive_gds(folder / "rec.gds")), "--out", out]),
        ("build: sparse 3 GB DEF", ["build", str(_recipe(folder, "def", {"kind": "def", "file": "sparse.def",
                                                                          "lef": "bumps.lef"})), "--out", out]),
        ("build: ball table of 5 million balls", ["build", str(_recipe(folder, "table", {
            "kind": "table", "pitch": 400, "file": "table.txt"})), "--out", out]),
        ("masks: chip at 2^30 dbu", ["masks", str(_recipe(folder, "chip", {
            "kind": "gds", "file": str(gds_with_array(folder / "chip.gds", 3, 3, 400, (2**30 / 1000, 0))),
            "layer": "7/0"})), "--out", out]),
        ("build: 5000-digit integer", ["build", str(_recipe(folder, "digits", text=digits)), "--out", out]),
        ("build: YAML alias bomb (9^9 values)", ["build", str(_recipe(folder, "bomb", text="\n".join(bomb))),
                                                  "--out", out]),
    ]


def run(args: list[str]) -> tuple[float, float, int, str]:
    """One maskgen process: (wall s, peak MB, exit code, last stderr line)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "maskgen.entry", *args], stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return wall, usage.ru_maxrss / 1024, proc.returncode, lines[-1] if lines else ""


def main() -> None:
    """Print a table: case, median wall seconds, median peak MB, exit code, the error line (shortened)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="maskgen-hostile-files-") as tmp:
        rows = []
        for name, argv in cases(Path(tmp)):
            runs = [run(argv) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            peak = statistics.median(r[1] for r in runs)
            line = runs[-1][3].replace(tmp, "...")
            rows.append((name, wall, peak, runs[-1][2], line))
            print(f"... {name}: {wall:.2f} s, {peak:.0f} MB", file=sys.stderr)
    print("| case | median s | median peak MB | exit | refused with |")
    print("|---|---:|---:|---:|---|")
    for name, wall, peak, code, line in rows:
        short = line if len(line) <= 110 else line[:107] + "..."
        print(f"| {name} | {wall:.2f} | {peak:.0f} | {code} | `{short}` |")


if __name__ == "__main__":
    main()
