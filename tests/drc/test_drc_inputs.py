"""Bad layout files are one-line InputErrors; layers a process draws and the layout lacks are violations."""

from __future__ import annotations

import json

import gdstk
import pytest

from maskgen.drc import run_drc
from maskgen.errors import InputError


def test_missing_file(tmp_path, pdk):
    with pytest.raises(InputError, match="layout file not found") as err:
        run_drc(tmp_path / "nope.gds", pdk)
    assert "\n" not in str(err.value)


def test_broken_gds(tmp_path, pdk):
    path = tmp_path / "broken.gds"
    path.write_bytes(b"\x00\x06\x00\x02\x00\x07" + b"not a stream at all" * 10)
    with pytest.raises(InputError, match="cannot read layout") as err:
        run_drc(path, pdk)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_truncated_gds(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    path = drawing.write(tmp_path / "t.gds")
    cut = tmp_path / "cut.gds"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InputError, match="cannot read layout"):
        run_drc(cut, pdk)


def test_empty_file_and_directory(tmp_path, pdk):
    empty = tmp_path / "empty.gds"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        run_drc(empty, pdk)
    with pytest.raises(InputError, match="not a file"):
        run_drc(tmp_path, pdk)


def test_size_limit_can_be_raised(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    path = drawing.write(tmp_path / "t.gds")
    with pytest.raises(InputError, match="larger than the limit"):
        run_drc(path, pdk, max_bytes=100)
    assert run_drc(path, pdk, max_bytes=10**6).rules


def test_two_top_cells(tmp_path, pdk):
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    for name in ("A", "B"):
        lib.new_cell(name).add(gdstk.rectangle((0, 0), (10, 10), layer=1))
    path = tmp_path / "two.gds"
    lib.write_gds(str(path))
    with pytest.raises(InputError, match="exactly one top cell"):
        run_drc(path, pdk)


def test_oasis_with_sibling_manifest(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    drawing.die()
    path = tmp_path / "t.oas"
    drawing.lib.write_oas(str(path))
    path.with_suffix(".json").write_text(json.dumps(kit.full_manifest({"process": "stair_bump",
                                                                      "materials": {"pad": "Au"}})))
    result = run_drc(path, pdk)
    assert result.process == "stair_bump"
    assert result.rule("MATERIAL.CLAIMED").status == "fail"


def test_layers_the_process_draws_and_the_layout_lacks_fail(drawing, check, kit, pdk):
    """A ball-drop layout without its UBM: every rule that reads UBM fails with a die marker naming layer and step."""
    for x in (0, kit.TWIN):
        kit.ball_site(drawing, x, ubm=None)
    drawing.die()
    result = check(drawing, process="ball_drop")
    assert [r.id for r in result.rules] == list(pdk.rules)  # every rule reported, none skipped silently
    status = {r.id: r.status for r in result.rules}
    for rule_id in ("PROCESS.LAYERS", "UBM.COVERS_PASV", "UBM.ISLAND", "BALL.OPENING", "BUMP.PITCH"):
        assert status[rule_id] == "fail", rule_id
        [marker] = result.violations_of(rule_id)
        assert marker.bbox == (-500.0, -500.0, 1500.0, 500.0)  # the die
        assert marker.message == ("layer UBM (3/0, under-bump metallurgy: patterned island or plating area) is "
                                  "missing: process ball_drop draws it in step 'pattern UBM to residual islands'")
    assert status["PASV.IN_PAD"] == status["PASV.WIDTH"] == status["GRID"] == "pass"
    reasons = {r.id: r.reason for r in result.rules if r.status == "n/a"}
    # n/a only where the process does not use the rule, and BUMP.SPACE: no REFLOW outlines drawn (issue 21)
    assert set(reasons) == {"BUMP.SPACE", "STAIR.NEST", "STAIR.SENSITIVITY", "SM.NEST", "SAC.UNDER_BUMP",
                            "SUSP.RELEASE",
                            "SUSP.ANCHOR", "SUSP.ARMS", "RDL.CONNECT", "RDL.UNROUTED", "RDL.WIDTH", "RDL.SPACE",
                            "RDL.ENCLOSES_UBM",
                            "WAFER.EXCLUSION"}
    assert reasons["SUSP.ARMS"] == "no SAC, RDL shapes in the layout, and process ball_drop does not draw them here"
    assert reasons["BUMP.SPACE"].startswith("not checked: layer REFLOW absent (bumps on BUMP keep 50 um apart")
    assert not result.clean


def test_layout_that_tells_no_process_is_input_error(drawing, check, kit):
    """PAD and PASV only, no manifest, no --process: no process fits, one line, not "clean"."""
    kit.pad_stack(drawing, 0, ubm=None)
    with pytest.raises(InputError, match=r"do not tell the process: no process fits: ball_drop lacks UBM, POLY;"):
        check(drawing)
