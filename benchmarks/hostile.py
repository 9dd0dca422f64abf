"""How long maskgen takes to refuse hostile recipes (issue 14): in-process, after the imports, medians.

    python benchmarks/hostile.py              # 5 runs per case
    python benchmarks/hostile.py --repeat 9

Each case is a shipped template with one value made huge; the figure is the time from calling the CLI
(typer's runner, in this process, imports and the PDK already loaded by one warm-up refusal) to its exit
code 2, and the peak resident memory of this process at the end. Before issue 14, the first case hung
(> 300 s) and the second took 4.9 s and 297 MB.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from typer.testing import CliRunner

from maskgen.cli import app
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"

CASES = [
    ("cantilever count [10, 10^12]", "cantilever_wlcsp", ("die", "bump_map", "count"), [10, 10**12]),
    ("cantilever count [10, 10^5]", "cantilever_wlcsp", ("die", "bump_map", "count"), [10, 100_000]),
    ("default count [1000, 1000]", "default", ("die", "bump_map", "count"), [1000, 1000]),
    ("ring count [10^6, 10^6], rings 10^9", "default", ("die", "bump_map"),
     {"kind": "ring", "pitch": 400, "count": [10**6, 10**6], "rings": 10**9}),
    ("wafer of 1 um dies", "wafer_300mm", ("die", "size"), [1, 1]),
    ("fan-out on a 60 mm die", "fanout_csv", ("die", "size"), [60_000, 60_000]),
]


def _recipe(folder: Path, index: int, template: str, path: tuple, value) -> Path:
    data = yaml.safe_load((TEMPLATES / f"{template}.yaml").read_text())
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    for csv in TEMPLATES.glob("*.csv"):
        shutil.copy(csv, folder)
    out = folder / f"hostile_{index}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def main() -> None:
    """Print a table: case, median seconds to refuse, exit code, the error line (shortened)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runner = CliRunner()
    with tempfile.TemporaryDirectory(prefix="maskgen-hostile-") as tmp:
        folder = Path(tmp)
        recipes = [(label, _recipe(folder, i, t, p, v)) for i, (label, t, p, v) in enumerate(CASES)]
        runner.invoke(app, ["build", str(recipes[0][1]), "--out", str(folder / "out"), "--no-drc"])  # warm-up
        print("| case | median s | exit | error line |")
        print("|---|---:|---:|---|")
        for label, recipe in recipes:
            times, res = [], None
            for _ in range(args.repeat):
                start = time.perf_counter()
                res = runner.invoke(app, ["build", str(recipe), "--out", str(folder / "out"), "--no-drc"])
                times.append(time.perf_counter() - start)
            line = res.stderr.strip().split(": ", 3)[-1]
            print(f"| {label} | {statistics.median(times):.3f} | {res.exit_code} | {line[:90]} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process: {peak:.0f} MB ({args.repeat} runs per case)")


if __name__ == "__main__":
    main()
