"""Bad input: one line naming file, key, value and what is allowed; exit 2; no traceback; nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from recipe_variants import setter as _set

from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def _recipe(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


CASES = [
    ("unknown key", _set("bump.ubm_diamter", 200), ["bump.ubm_diamter", "unknown key", "ubm_diameter"]),
    ("wrong type", _set("bump.ubm_diameter", "wide"), ["bump.ubm_diameter", "'wide'"]),
    ("negative size", _set("bump.ubm_diameter", -5), ["bump.ubm_diameter", "-5", "greater than 0"]),
    ("zero size", _set("die.size", [0, 5000]), ["die.size", "greater than 0"]),
    ("opening larger than pad", _set("bump.passivation_opening", 236),
     ["bump.passivation_opening" if False else "bump.pad.width", "PASV.IN_PAD"]),
    ("UBM smaller than opening", _set("bump.ubm_diameter", 190), ["bump.ubm_diameter", "UBM.COVERS_PASV"]),
    ("ball larger than opening", _set("ball_drop.polymer_opening", 255), ["ball_drop.polymer_opening", "BALL.OPENING"]),
    ("unknown PDK", _set("pdk", "nope"), ["pdk", "'nope'", "unknown PDK"]),
    ("unknown process", _set("process", "wire_bond"), ["process", "'wire_bond'", "known:"]),
    ("unknown material", _set("materials.pad", "Unobtainium"), ["materials.pad", "Unobtainium", "unknown material"]),
    ("unclaimed material", _set("materials.adhesion", "Ni"), ["materials.adhesion", "'Ni'", "001:c3"]),
    ("unknown role", _set("materials.glue", "Ti"), ["materials.glue", "no role"]),
    ("bridging after reflow", _set("die.bump_map.pitch", [280, 280]), ["die.bump_map.pitch", "bridge", "BUMP.SPACE"]),
    ("bump off the die", _set("die.size", [3000, 3000]), ["die.size", "DIE.EDGE"]),
    ("depopulated site outside grid", _set("die.bump_map.depopulate", [[12, 0]]), ["depopulate", "outside"]),
    ("named like a part cell", _set("name", "ubm_island_215"), ["name = 'ubm_island_215'", "choose another"]),
    ("named like the wafer outline", lambda d: (_set("name", "wafer_outline_300_3_notch")(d),
                                                _set("wafer", {"diameter": 300})(d)),
     ["name = 'wafer_outline_300_3_notch'", "choose another"]),
]
"""The last two: a die (or wafer) cell takes the recipe's name, which a part cell drawn in the same layout has
already; before, two cells of one name were written and KLayout refused the file."""


@pytest.mark.parametrize("case,edit,needles", CASES, ids=[c[0] for c in CASES])
def test_bad_recipe_one_line_exit_2(cli, tmp_path, case, edit, needles):
    recipe = _recipe(tmp_path, edit)
    out = tmp_path / "out"
    code, stdout, stderr = cli("build", recipe, "--out", out)
    assert code == 2, (stdout, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert str(recipe) in lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not out.exists() or not any(out.rglob("*"))


def test_malformed_yaml(cli, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: x\ndie: [1, 2\n")
    code, _, err = cli("build", bad, "--out", tmp_path / "out")
    assert code == 2 and "malformed YAML" in err and "line" in err and len(err.strip().splitlines()) == 1


def test_missing_recipe_file(cli, tmp_path):
    code, _, err = cli("build", tmp_path / "nope.yaml", "--out", tmp_path / "out")
    assert code == 2 and "nope.yaml" in err and "not found" in err


def test_missing_layout_for_drc(cli, tmp_path):
    code, _, err = cli("drc", tmp_path / "nope.gds")
    assert code == 2 and "nope.gds" in err


def test_broken_gds_for_drc(cli, tmp_path):
    bad = tmp_path / "broken.gds"
    bad.write_bytes(b"\x00\x06\x00\x02\x00\x03garbage")
    code, _, err = cli("drc", bad)
    assert code == 2 and "broken.gds" in err and len(err.strip().splitlines()) == 1


def test_unknown_pdk_option(cli, tmp_path):
    code, _, err = cli("build", "--pdk", "nope", "--out", tmp_path)
    assert code == 2 and "unknown PDK" in err


def test_pdk_by_path(cli, tmp_path):
    import shutil

    from maskgen.input.pdk import data_root
    mine = tmp_path / "my_pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    code, out, err = cli("build", "--pdk", mine, "--out", tmp_path / "out", "--no-drc")
    assert code == 0, err


def test_pdk_with_unknown_layer_in_process(cli, tmp_path):
    import shutil

    from maskgen.input.pdk import data_root
    mine = tmp_path / "bad_pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    proc = mine / "processes" / "ball_drop.yaml"
    proc.write_text(proc.read_text().replace("mask: POLY", "mask: POLYX"))
    code, _, err = cli("build", "--pdk", mine, "--out", tmp_path / "out")
    assert code == 2 and "ball_drop.yaml" in err and "POLYX" in err and "unknown layer" in err


@pytest.mark.parametrize(("old", "new", "needle"), [
    ('Cu:         {kind: metal, colour: "#d08030", ', 'Cu:         {kind: metal, ',
     "materials.Cu.colour: required key is missing"),
    ('"#d08030"', '"orange"', "materials.Cu.colour = 'orange': must match"),
    ('  resist:     "#c03030"\n', '', "kind_colours: needs a colour for every kind; missing: resist"),
])
def test_pdk_material_colours_are_checked(cli, tmp_path, old, new, needle):
    import shutil

    from maskgen.input.pdk import data_root
    mine = tmp_path / "bad_pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    table = mine / "materials.yaml"
    assert table.read_text().count(old) == 1
    table.write_text(table.read_text().replace(old, new))
    code, _, err = cli("build", "--pdk", mine, "--out", tmp_path / "out")
    assert code == 2 and "materials.yaml" in err and needle in err
