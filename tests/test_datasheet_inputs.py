"""Inputs written the way datasheets write them: lengths with units, the mm hint on lengths that look typed in
mm, depopulated balls by JEDEC name, staggered maps with the shifted rows named and snapped to the grid."""

from __future__ import annotations

import json

import pytest
from recipe_variants import variant

from maskgen.build import build
from maskgen.errors import InputError
from maskgen.input.recipe import GridMap, Naming, StaggeredMap, load_recipe
from maskgen.input.units import length
from maskgen.layout.sites import sites


def _variant(tmp_path, name, **changes):
    return variant(tmp_path, name, "default", **changes)


def test_lengths_with_units_are_converted_to_um():
    assert length("3.44 mm") == 3440.0
    assert length("400 um") == 400.0 and length("400um") == 400.0 and length("400 µm") == 400.0
    assert length("15.75 mil") == pytest.approx(400.05)
    assert length("250000 nm") == 250.0
    assert length(400) == 400 and length("wide") == "wide"
    with pytest.raises(ValueError, match="unknown unit 'inch'"):
        length("3.44 inch")


def test_recipe_in_mm_builds_the_same_die_and_the_manifest_echoes_um(tmp_path):
    mm = build(_variant(tmp_path, "in_mm", **{"die.size": "5.2 mm",
                                              "die.bump_map.pitch": ["0.4 mm", "400 um"],
                                              "bump.ubm_diameter": "0.215mm"}), tmp_path, run_drc=False)
    um = build(_variant(tmp_path, "in_um"), tmp_path, run_drc=False)
    echo = json.loads(mm.files["json"].read_text())["recipe"]
    assert echo["die"]["size"] == [5200.0, 5200.0]
    assert echo["die"]["bump_map"]["pitch"] == [400.0, 400.0]
    assert echo["bump"]["ubm_diameter"] == 215.0
    assert [(b["name"], b["x"], b["y"]) for b in mm.manifest.as_json()["bumps"]] == \
        [(b["name"], b["x"], b["y"]) for b in um.manifest.as_json()["bumps"]]


def test_unknown_unit_is_one_line(tmp_path, cli):
    code, _, err = cli("build", str(_variant(tmp_path, "inch", **{"die.size": "3.44 inch"})), "--out", str(tmp_path))
    assert code == 2
    assert "unknown unit 'inch'" in err and "mm" in err and err.count("\n") == 1


def test_die_size_in_mm_gets_the_hint_and_a_plain_plus_minus(tmp_path, cli):
    code, _, err = cli("build", str(_variant(tmp_path, "mm_die", **{"die.size": [3.44, 3.44]})), "--out", str(tmp_path))
    assert code == 2
    assert "+--" not in err
    assert "a 3.44 x 3.44 um die leaves no room inside DIE.EDGE 90 um" in err
    assert err.rstrip().endswith("lengths are in um: did you mean 3440?")
    # the die in um that only misses the edge keeps its "+-" range
    code, _, err = cli("build", str(_variant(tmp_path, "tight", **{"die.size": [4500, 4500]})), "--out", str(tmp_path))
    assert code == 2 and "pads must stay within +-2,160 x +-2,160 um" in err
    assert "did you mean" not in err


def test_pitch_in_mm_gets_the_hint(tmp_path, cli):
    path = _variant(tmp_path, "mm_pitch", **{"die.bump_map.pitch": 0.4})
    code, _, err = cli("build", str(path), "--out", str(tmp_path))
    assert code == 2
    assert "die.bump_map.pitch = 0.4: reflowed bumps would bridge" in err
    assert "lengths are in um: did you mean 400?" in err
    # a fine pitch in um with bumps smaller than it is not taken for mm
    code, _, err = cli("build", str(_variant(tmp_path, "fine", **{"die.bump_map.pitch": 300})), "--out", str(tmp_path))
    assert code == 2 and "bridge" in err and "did you mean" not in err
    tall = _variant(tmp_path, "mm_table", **{"die.size": [3.0, 2.5], "die.bump_map": {
        "kind": "table", "pitch": 400, "rows": {"A": "VDD GND", "B": "IO1 IO2"}}})
    code, _, err = cli("build", str(tall), "--out", str(tmp_path))
    assert code == 2 and "did you mean [3000, 2500]?" in err


def test_depopulate_by_ball_name_equals_by_index(tmp_path):
    top = Naming(a1_corner="top-left", view="top")
    by_name = GridMap(kind="grid", pitch=400, count=[4, 5], depopulate=["A1", "D4", "e2"])
    # top view, A1 top-left: seen from the bumps A1 is top-right; ball (r, c) is [nx - 1 - c, ny - 1 - r]
    by_index = GridMap(kind="grid", pitch=400, count=[4, 5], depopulate=[[3, 4], [0, 1], [2, 0]])
    a = [(s.name, s.x, s.y) for s in sites(by_name, None, top)]
    b = [(s.name, s.x, s.y) for s in sites(by_index, None, top)]
    assert a == b and len(a) == 17
    assert not {"A1", "D4", "E2"} & {n for n, _, _ in a}
    assert ("A2", 200.0, 800.0) in a        # A1 was at (600, 800): x mirrored, top row


def test_depopulated_names_in_a_build_and_bad_names(tmp_path, cli):
    path = _variant(tmp_path, "holes", **{"die.bump_map.depopulate": ["A1", "M12", [5, 5]],
                                           "die.naming": {"a1_corner": "top-left", "view": "top"}})
    res = build(path, tmp_path, run_drc=False)
    names = {b["name"] for b in res.manifest.as_json()["bumps"]}
    assert len(names) == 141 and not {"A1", "M12"} & names
    assert len(res.manifest.as_json()["bumps"]) == 141
    for bad, words in (("N1", "outside the 12 x 12 grid (balls A1..M12)"), ("I3", "not a JEDEC row letter"),
                       ("A0", "is not a ball name")):
        code, _, err = cli("build", str(_variant(tmp_path, "bad", **{"die.bump_map.depopulate": [bad]})), "--out",
                  str(tmp_path))
        assert code == 2 and words in err and "die.bump_map" in err, err


def test_staggered_shift_names_the_shifted_rows():
    top = Naming(a1_corner="top-left", view="top")
    even = {s.name: (s.x, s.y) for s in sites(StaggeredMap(kind="staggered", pitch=400, count=3), None, top)}
    odd = {s.name: (s.x, s.y) for s in sites(StaggeredMap(kind="staggered", pitch=400, count=3, shift="odd"),
                                             None, top)}
    # even: rows B, ... set in, so row A starts at ball A1 in the A1 corner (bump side: top right)
    assert even["A1"] == (500.0, 400.0) and even["B2"] == (300.0, 0.0) and even["C5"] == (-300.0, -400.0)
    assert set(odd) == {"A2", "A4", "A6", "B1", "B3", "B5", "C2", "C4", "C6"}
    assert odd["A2"] == (300.0, 400.0) and odd["B1"] == (500.0, 0.0)


def test_staggered_off_grid_pitch_is_snapped_and_grid_clean(tmp_path, read_gds):
    path = _variant(tmp_path, "stag_off", **{"die.bump_map": {"kind": "staggered", "pitch": [700, 346.333],
                                                               "count": [6, 9]},
                                              "die.naming": {"a1_corner": "top-left", "view": "top"}})
    res = build(path, tmp_path)
    grid = {r.id: r for r in res.drc.rules}["GRID"]
    assert grid.status == "pass" and res.drc.clean
    gds = read_gds(res.files["gds"])
    bumps = gds.region("UBM").merged()
    assert bumps.count() == 54
    centres = {(p.bbox().center().x, p.bbox().center().y) for p in bumps.each()}   # dbu, 1 nm
    assert all(x % 5 == 0 and y % 5 == 0 for x, y in centres)                       # on the 5 nm grid
    ys = sorted({y for _, y in centres})
    assert len(ys) == 9
    assert all(abs(y / 1000 - (j - 4) * 346.333) <= 0.0025 for j, y in enumerate(ys))  # each row snapped
    assert {b["name"] for b in res.manifest.as_json()["bumps"]} >= {"A1", "A3", "B2", "J1"}


def test_depopulate_keeps_index_form(tmp_path):
    recipe = load_recipe(_variant(tmp_path, "idx", **{"die.bump_map.depopulate": [[0, 0], "B2"]}))
    assert recipe.die.bump_map.depopulate == [(0, 0), "B2"]
    with pytest.raises(InputError, match=r"depopulated site \[12, 0\] is outside"):
        load_recipe(_variant(tmp_path, "idx2", **{"die.bump_map.depopulate": [[12, 0]]}))
