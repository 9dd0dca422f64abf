"""Issue 15: the family registry is the one list of families, and only maskgen/families reads family blocks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from maskgen.design.families import BLOCKS, FAMILIES, FAMILY_BLOCK
from maskgen.errors import InputError
from maskgen.input import constraints
from maskgen.input.pdk import load_pdk

ROOT = Path(__file__).resolve().parents[1]
BLOCK_READ = re.compile(r"\.(stair|ball_drop|two_step|flux_fill|cantilever)\b(?!\w)|\bFAMILY_BLOCK\b")
ALLOWED = {
    "maskgen/input/recipe.py": "defines the blocks and validates that a recipe gives exactly its family's block",
    "maskgen/design/figures.py": "BumpFigures.stair holds the 000 family's computed figures, not the recipe block",
    "maskgen/outputs/report.py": "the build summary reads the manifest's computed 000 figures (BumpTypeRecord.stair), "
                                 "not the recipe block",
}
"""Files outside maskgen/families that may name a family block, with the reason."""


def _offenders() -> list[str]:
    out = []
    for path in sorted((ROOT / "maskgen").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("maskgen/design/families/") or rel in ALLOWED:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if re.search(r"import .*maskgen\.cells\.(stair|cantilever)|from maskgen\.cells(\.| import )", code):
                continue
            if BLOCK_READ.search(code.replace("cells.stair", "").replace("cells.cantilever", "")):
                out.append(f"{rel}:{n}: {line.strip()}")
    return out


def test_family_blocks_read_only_in_families():
    assert _offenders() == []


def test_offender_scan_finds_a_block_read():
    assert BLOCK_READ.search("    if recipe.two_step is not None:")
    assert BLOCK_READ.search("x = r.cantilever.pad_offset")
    assert not BLOCK_READ.search("from maskgen.layout.cells import stair")


def test_registry_names_are_the_process_files():
    files = {p.stem for p in (ROOT / "pdk").glob("*/processes/*.yaml")}
    assert set(FAMILIES) == files
    assert len(FAMILIES) == 5
    assert FAMILY_BLOCK == {"stair_bump": "stair", "ball_drop": "ball_drop", "two_step_ball": "two_step",
                            "flux_fill": "flux_fill", "cantilever_wlcsp": "cantilever"}
    assert BLOCKS == ("stair", "ball_drop", "two_step", "flux_fill", "cantilever")
    assert all(name == f.name for name, f in FAMILIES.items())


def test_rdl_encloses_ubm_reads_the_rule():
    pdk = load_pdk(str(ROOT / "pdk" / "default"))
    least = constraints.rdl_encloses_ubm(pdk, 100.0)
    rule = pdk.rule_value("RDL.ENCLOSES_UBM")
    assert least.rule == rule
    assert least.value == pytest.approx(100.0 + 2 * (rule + pdk.deck.chord_error))
    with pytest.raises(InputError, match=r"must be at least .* \(UBM 100 \+ 2 x RDL.ENCLOSES_UBM"):
        constraints.need(Path("r.yaml"), "die.routing.land_diameter", least.value - 0.01, least)
    constraints.need(Path("r.yaml"), "die.routing.land_diameter", least.value, least)
