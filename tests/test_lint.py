"""The linter and the type checker run as tests, so the README's test line (and with it .ci/run) fails on a
regression: `ruff check` must be clean, and so must mypy on maskgen/ (configured in pyproject.toml, its cache in
.mypy_cache; a cold run took 12 s on the shared 2-core machine, 121 files)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """A Python module run from the project root, its output captured."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    """`ruff check maskgen tests benchmarks` finds nothing (the project's rule set in pyproject.toml)."""
    run = _run("ruff", "check", "maskgen", "tests", "benchmarks")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_mypy_is_clean():
    """`mypy maskgen` reports no error (289 when issue 21 was filed), in mypy's own words."""
    run = _run("mypy", "maskgen")
    out = run.stdout + run.stderr
    assert run.returncode == 0 and re.search(r"Success: no issues found in \d+ source files", out), out[-6000:]
