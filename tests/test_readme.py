"""The README's set-up lines and pictures: what a user reads first must be true of the checkout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maskgen.build import prepare

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FAMILIES = ["stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp"]


def test_the_two_setup_lines_come_first_and_ci_runs_the_second():
    lines = README.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert lines[0].endswith("pip install . && maskgen build")
    assert lines[1].endswith('pip install -e ".[test]" && python -m pytest')
    assert lines[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_picture_the_readme_shows_is_committed():
    sources = re.findall(r'src="([^"]+)"', README)
    assert sources
    assert [s for s in sources if not (ROOT / s).is_file()] == []


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_shows_its_bump_and_one_frame_per_process_step(family):
    steps = prepare(ROOT / "templates" / f"{family}.yaml").steps
    frames = re.findall(rf'src="docs/{family}/xsection/(\d\d)_(\w+)\.svg"', README)
    assert frames == [(f"{i + 1:02d}", s.step.action) for i, s in enumerate(steps)]
    assert f'src="docs/{family}/{family}_bump.png"' in README
