"""Regression: every template and 004 embodiment builds to the same geometry as its reference under tests/data/.

Compared by XOR per cell and layer (flat XOR of the top cell when the hierarchy changed), never by bytes.
After an intended change, regenerate with `python tests/data/regression.py` and say why in the commit.
The same build's manifest is parsed with the manifest model and written again: the same bytes (issue 21).
"""

from __future__ import annotations

import math
import shutil
import sys
from pathlib import Path

import gdstk
import pytest

from maskgen.input.manifest import read_manifest
from maskgen.outputs.output import json_text

sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
from regression import RECIPES, REFERENCE, build_gds, compare  # noqa: E402


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.stem for r in RECIPES])
def test_layout_matches_its_reference_by_xor(recipe, tmp_path):
    gds = build_gds(recipe, tmp_path)
    reference = REFERENCE / gds.name
    assert reference.is_file(), f"no reference for {recipe.name}: run python tests/data/regression.py"
    diffs = compare(gds, reference)
    assert not diffs, "; ".join(map(str, diffs)) + " (intended? run python tests/data/regression.py)"
    manifest = gds.with_suffix(".json")
    parsed = read_manifest(manifest)
    assert parsed is not None and json_text(parsed.as_json()) == manifest.read_text(encoding="utf-8")


@pytest.fixture
def reference_copy(tmp_path):
    """A writable copy of the default reference layout."""
    path = tmp_path / "default.gds"
    shutil.copy(REFERENCE / "default.gds", path)
    return path


def test_xor_finds_a_moved_bump_opening_and_its_area(reference_copy, tmp_path):
    lib = gdstk.read_gds(str(reference_copy))
    opening = next(c for c in lib.cells if c.name.startswith("polymer_opening"))
    (poly,) = opening.polygons                                                 # the POLY opening disc
    area = poly.area()
    poly.translate(1.0, 0.0)                                                   # 1 um sideways
    moved = tmp_path / "moved.gds"
    lib.write_gds(str(moved))
    (diff,) = compare(moved, reference_copy)
    assert diff.cell == opening.name and diff.what == "layer 40/0"
    # a disc of diameter d moved by 1 um: XOR area close to 2 * d * 1 um
    d = 2 * (area / 3.141592653589793) ** 0.5
    assert diff.area_um2 == pytest.approx(2 * d, rel=0.01)


def test_xor_sees_a_missing_array_and_an_extra_layer(reference_copy, tmp_path):
    lib = gdstk.read_gds(str(reference_copy))
    die = next(c for c in lib.cells if c.name == "default")
    die.remove(*die.references)
    die.add(gdstk.rectangle((0, 0), (1, 1), layer=77))
    broken = tmp_path / "broken.gds"
    lib.write_gds(str(broken))
    diffs = compare(broken, reference_copy)
    text = [str(d) for d in diffs]
    assert "- layer 77/0 only in layout" in text
    assert any(t.startswith("- top cells") for t in text)       # the bump and boundary cells became top cells
    # flat XOR of the solder footprints (layer 4/0, 250 um discs drawn as 112-gons): the 144 of the 12 x 12
    # array are gone, and the orphaned bump cell, now a top cell, draws one at the origin between them: 145
    (footprints,) = [d for d in diffs if d.what == "layer 4/0 (flat)"]
    disc = 112 / 2 * 125**2 * math.sin(2 * math.pi / 112)
    assert footprints.area_um2 == pytest.approx(145 * disc, rel=1e-4)


def test_identical_layout_has_no_differences(reference_copy):
    assert compare(reference_copy, reference_copy) == []
