"""The typed build manifest's cost: parse a written manifest into the model and dump it again (issue 21).

    python benchmarks/manifest.py [--bumps 20000] [--repeat 7] [--out out/benchmark-manifest]

Builds the cantilever_wlcsp template once (its bump records carry the most keys of any template: name, ball,
centre, motion and joint life, 13 in all), repeats its bump records up to `--bumps` (a manifest lists at most
20,000 bumps, `maskgen.outputs.manifest.SITE_LIST_LIMIT`) and measures, medians of `--repeat` runs after one
warm-up:
- parse: `BuildManifest.model_validate` of the JSON data (what `maskgen drc`, `render` and `report` do);
- dump: `as_json` (what the build does before writing);
- write: `maskgen.outputs.output.json_text` of the same data, the layout the file has had all along, for scale.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of fn over repeat runs, after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    """Print the medians of parsing, dumping and laying out a manifest of --bumps bump records."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bumps", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "benchmark-manifest")
    args = parser.parse_args()

    from maskgen.build import build
    from maskgen.input.manifest import BuildManifest
    from maskgen.outputs.output import json_text

    res = build(ROOT / "templates" / "cantilever_wlcsp.yaml", args.out, run_drc=False)
    data = json.loads(res.files["json"].read_text(encoding="utf-8"))
    rows = data["bumps"]
    data["bumps"] = [dict(rows[i % len(rows)], name=f"B{i}") for i in range(args.bumps)]
    data["bump_count"] = args.bumps
    model = BuildManifest.model_validate(data)
    assert model.as_json() == data
    parse = median_seconds(lambda: BuildManifest.model_validate(data), args.repeat)
    dump = median_seconds(model.as_json, args.repeat)
    write = median_seconds(lambda: json_text(data), args.repeat)
    print(f"manifest of {args.bumps:,} bump records ({len(rows[0])} keys each), medians of {args.repeat}:")
    print(f"  parse {parse:.3f} s   dump {dump:.3f} s   json_text {write:.3f} s")


if __name__ == "__main__":
    main()
