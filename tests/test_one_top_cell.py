"""Every build writes exactly one top cell: each template as shipped and with each of its optional blocks deleted
(a cell made but never placed would be a second, orphan top cell in the GDS; issue: a test vehicle without its
daisy chain wrote its unused chained bump cell as one)."""

from __future__ import annotations

import copy
from pathlib import Path

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").glob("*.yaml"))

RDL_MATERIALS = [("materials", "insulator"), ("materials", "rdl")]
"""The material roles only an RDL (a fan-out's or the test structures') uses: left out with it."""

OPTIONAL: dict[str, list[tuple[str, ...]]] = {
    "daisy chain": [("die", "test_structures", "daisy_chain")],
    "kelvin structures": [("die", "test_structures", "kelvin")],
    "test structures": [("die", "test_structures"), *RDL_MATERIALS],
    "fan-out": [("die", "pads"), ("die", "routing"), *RDL_MATERIALS],
    "naming": [("die", "naming")],
    "bump types": [("bump_types",)],
    "reliability": [("reliability",)],
    "wafer": [("wafer",), ("masks",)],
    "masks": [("masks",)],
    "sweep": [("sweep",), ("sweep_layout",)],
}
"""The optional blocks a recipe may leave out, each as the keys deleted together."""


def _has(data: dict, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def _without(data: dict, paths: list[tuple[str, ...]]) -> dict:
    out = copy.deepcopy(data)
    for path in paths:
        if _has(out, path):
            parent = out
            for key in path[:-1]:
                parent = parent[key]
            del parent[path[-1]]
    return out


def _cases() -> list[tuple[str, Path, str]]:
    cases = []
    for tpl in TEMPLATES:
        data = yaml.safe_load(tpl.read_text())
        cases.append((f"{tpl.stem}", tpl, ""))
        cases += [(f"{tpl.stem}-no-{block.replace(' ', '-')}", tpl, block) for block, paths in OPTIONAL.items()
                  if _has(data, paths[0])]
    return cases


CASES = _cases()


def _tops(gds: Path) -> list[str]:
    ly = kdb.Layout()
    ly.read(str(gds))
    return sorted(c.name for c in ly.top_cells())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_build_writes_one_top_cell(tmp_path, case):
    _, tpl, block = case
    data = yaml.safe_load(tpl.read_text())
    if block:
        data = _without(data, OPTIONAL[block])
        if _has(data, ("die", "test_structures")) and not data["die"]["test_structures"]:
            del data["die"]["test_structures"]
    for csv in tpl.parent.glob("*.csv"):
        (tmp_path / csv.name).write_bytes(csv.read_bytes())
    recipe = tmp_path / tpl.name
    recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    res = build(recipe, tmp_path / "out", run_drc=False)
    name = data["name"]
    assert _tops(res.files["gds"]) == [f"{name}_wafer" if "wafer" in data else name]
    if "board_gds" in res.files:
        assert _tops(res.files["board_gds"]) == [f"{name}_board"]


def test_the_daisy_chain_case_is_among_them():
    """The case that found the orphan: the test vehicle with its daisy chain deleted, Kelvin structures kept."""
    assert ("test_vehicle-no-daisy-chain", ROOT / "templates" / "test_vehicle.yaml", "daisy chain") in CASES
