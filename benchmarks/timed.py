"""Run a console entry point in this process and write how long its import and its run took.

    python benchmarks/timed.py TIMING.json maskgen.cli:main[+maskgen.build,...] build recipe.yaml --no-drc

Does what the `maskgen` console script does (import the module, call the function with
sys.argv set), so the parent measures the whole process (interpreter start, imports, work,
exit) and this file adds the split: {"import_s", "run_s", "exit"}. Modules named after `+`
are imported before the clock for `run_s` starts (the CLI imports its heavy modules inside
each command), so `run_s` is the work itself.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def main() -> int:
    timing, entry, *args = sys.argv[1:]
    entry, _, preload = entry.partition("+")
    module, _, func = entry.partition(":")
    t0 = time.perf_counter()
    fn = getattr(importlib.import_module(module), func)
    for name in filter(None, preload.split(",")):
        importlib.import_module(name)
    t1 = time.perf_counter()
    sys.argv = [module.split(".")[0], *args]
    code = 0
    try:
        fn()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    t2 = time.perf_counter()
    with open(timing, "w", encoding="utf-8") as fh:
        json.dump({"start_s": t0 - T0, "import_s": t1 - t0, "run_s": t2 - t1, "exit": code}, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
