"""The footprints maskgen writes, opened by KiCad itself (KiCad 6's pcbnew reading the .kicad_mod as a library
footprint), not only by kiutils: every pad where the manifest puts its ball, the lands of the IPC table, the
package body and courtyard as drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
from kicad_app import open_in_kicad
from kiutils.footprint import Footprint

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
ST25 = Path(__file__).parent / "data" / "third_party" / "kicad" / "ST_WLCSP-25_Die425.kicad_mod"


def test_kicad_opens_the_datasheet_wlcsp_footprint(tmp_path):
    """11 x 11 at 0.4 mm less D4, E5, F6: 118 round SMD lands of 0.20 mm (0.25 mm balls less 20 %), mask 0.05 mm a
    side larger (NSMD); ball (x, y) um on the bump side is KiCad's (-x, -y) mm / 1000; body 4.46 mm square on
    F.Fab, courtyard 1.0 mm beyond it."""
    res = build(TEMPLATES / "datasheet_wlcsp.yaml", tmp_path, run_drc=False)
    read = open_in_kicad(res.files["kicad_mod"])
    pads = {p["number"]: p for p in read["pads"]}
    balls = {b["ball"]: b for b in res.manifest.as_json()["bumps"]}
    assert read["name"] == "datasheet_wlcsp" and len(pads) == 118 and set(pads) == set(balls)
    assert not {"D4", "E5", "F6"} & set(pads)
    for name, ball in balls.items():
        pad = pads[name]
        assert (pad["x"], pad["y"]) == pytest.approx((-ball["x"] / 1000, -ball["y"] / 1000), abs=1e-6)
    assert {(p["w"], p["h"], p["circle"], p["smd"], p["mask_margin"]) for p in pads.values()} == \
        {(0.2, 0.2, True, True, 0.05)}
    assert {tuple(p["layers"]) for p in pads.values()} == {("F.Cu", "F.Mask", "F.Paste")}
    assert (pads["A1"]["x"], pads["A1"]["y"]) == (-2.0, -2.0)        # top view, A1 top left, y down
    assert read["boxes"]["F.Fab"] == pytest.approx([-2.23, -2.23, 2.23, 2.23])
    assert read["boxes"]["F.Courtyard"] == pytest.approx([-3.23, -3.23, 3.23, 3.23])


def test_kicad_reads_maskgens_footprint_of_kicads_own_as_kicads_own(tmp_path):
    """KiCad's ST WLCSP-25 as a ball map and back: KiCad reads the same 25 pad numbers at the same places from
    maskgen's footprint as from its own library's."""
    from recipe_variants import variant
    recipe = variant(tmp_path, "st25", "default", **{
        "die.size": ["2.097 mm", "2.493 mm"], "die.bump_map": {"kind": "kicad", "file": str(ST25)},
        "die.naming": {"a1_corner": "top-left", "view": "top"}})
    ours = open_in_kicad(build(recipe, tmp_path / "out", run_drc=False).files["kicad_mod"])
    theirs = open_in_kicad(ST25)
    def places(read: dict) -> dict[str, tuple[float, float]]:
        return {p["number"]: (round(p["x"], 6), round(p["y"], 6)) for p in read["pads"]}
    assert len(places(theirs)) == 25 and places(ours) == places(theirs)
    assert ours["boxes"]["F.Fab"] == pytest.approx([-1.0485, -1.2465, 1.0485, 1.2465])


def test_kicad_opens_the_test_vehicles_board_footprint(tmp_path):
    """The board side of the daisy chain: KiCad reads as many pads as kiutils, round lands and rectangular probe
    pads, and the board links on F.Cu."""
    res = build(TEMPLATES / "test_vehicle.yaml", tmp_path, run_drc=False)
    path = res.files["board_kicad_mod"]
    read = open_in_kicad(path)
    written = Footprint.from_file(str(path))
    assert len(read["pads"]) == len(written.pads) > 0
    assert sum(p["circle"] for p in read["pads"]) == len(res.die.structures.sites)
    assert sum(not p["circle"] for p in read["pads"]) == len(res.die.structures.escapes)
    for pad, mine in zip(sorted(read["pads"], key=lambda p: (p["x"], p["y"])),
                         sorted(written.pads, key=lambda p: (p.position.X, p.position.Y)), strict=True):
        assert (pad["number"], pad["x"], pad["y"]) == (mine.number, pytest.approx(mine.position.X),
                                                       pytest.approx(mine.position.Y))
    assert "F.Cu" in read["boxes"]
