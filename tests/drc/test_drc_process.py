"""Process-level rules (STAIR.SENSITIVITY, MATERIAL.CLAIMED) and the build manifest / --process context."""

from __future__ import annotations

import json

import pytest
from manifests import full_manifest

from maskgen.drc import run_drc
from maskgen.errors import InputError


def _stair(kit, drawing, prs=(70, 80)):
    kit.stair_site(drawing, 0, prs=prs)
    kit.stair_site(drawing, kit.TWIN, prs=prs)
    drawing.die()
    return drawing


def _manifest(process: str = "stair_bump", **materials: str) -> dict:
    return full_manifest({"process": process, "pdk": "default", "materials": materials, "features": ["plate"],
                          "bump_types": []})


def test_sensitivity_falling_upwards_fails_on_top_cell(drawing, check, kit):
    """PR1 more sensitive than PR2: the stair cannot come out of one exposure (000:c4)."""
    _stair(kit, drawing)
    result = check(drawing, _manifest(resist_1="AZ40XT", resist_2="AZ4620"))
    found = result.violations_of("STAIR.SENSITIVITY")
    assert [v.bbox for v in found] == [(-500.0, -500.0, 1500.0, 500.0)]  # the top cell
    assert "PR2 resist AZ4620 (2.5 cm2/J) is not more photosensitive than PR1 resist AZ40XT" in found[0].message
    kit.only_failing(result, "STAIR.SENSITIVITY")


def test_sensitivity_rising_passes(drawing, check, kit):
    _stair(kit, drawing, prs=(70, 80, 90, 100))
    result = check(drawing, _manifest(resist_3="SPR220", resist_4="AZ40XT"))
    assert result.rule("STAIR.SENSITIVITY").status == "pass"
    assert result.clean, result.violations


def test_sensitivity_counts_only_resists_drawn(drawing, check, kit):
    """PR3/PR4 coat steps apply only when their layers are drawn (process `when`)."""
    _stair(kit, drawing)
    result = check(drawing, _manifest(resist_3="AZ4620"))
    assert result.rule("STAIR.SENSITIVITY").status == "pass"


def test_sensitivity_not_applicable_without_stacked_resists(drawing, check, kit):
    kit.ball_site(drawing, 0, layer="PR1")
    kit.ball_site(drawing, kit.TWIN, layer="PR1")
    drawing.die()
    result = check(drawing, process="flux_fill")
    rule = result.rule("STAIR.SENSITIVITY")
    assert rule.status == "n/a" and "flux_fill" in rule.reason


def test_material_not_claimed(drawing, check, kit):
    """A gold pad is outside 000:c1's list (Al, Cu)."""
    _stair(kit, drawing)
    result = check(drawing, _manifest(pad="Au"))
    found = result.violations_of("MATERIAL.CLAIMED")
    assert [v.message for v in found] == ["role pad: material Au is not claimed for pad (000:c1); allowed: Al, Cu"]
    assert found[0].bbox == (-500.0, -500.0, 1500.0, 500.0)
    kit.only_failing(result, "MATERIAL.CLAIMED")


def test_material_roles_with_index_use_the_family_claim(drawing, check, kit):
    """resist_2 is checked against the claimed `resist` list; an unknown material is named."""
    _stair(kit, drawing)
    result = check(drawing, _manifest(resist_2="Unobtainium", solder="SAC305"))
    found = result.violations_of("MATERIAL.CLAIMED")
    assert [v.message for v in found] == ["role resist_2: material Unobtainium is not in the PDK material table"]


def test_material_claimed_clean_with_defaults(drawing, check, kit):
    _stair(kit, drawing)
    result = check(drawing, _manifest())
    assert result.rule("MATERIAL.CLAIMED").status == "pass"


def test_process_argument_overrides_manifest(drawing, check, kit):
    _stair(kit, drawing)
    result = check(drawing, _manifest(process="ball_drop"), process="stair_bump")
    assert result.process == "stair_bump"
    assert result.rule("STAIR.SENSITIVITY").status == "pass"


def test_manifest_given_as_dict(drawing, pdk, tmp_path, kit):
    _stair(kit, drawing)
    path = drawing.write(tmp_path / "t.gds")
    result = run_drc(path, pdk, manifest=_manifest(pad="Au"))
    assert result.process == "stair_bump"
    assert result.rule("MATERIAL.CLAIMED").status == "fail"


def test_process_inferred_from_the_layers_without_manifest(drawing, check, kit):
    """No manifest, no --process: a stair of PR1/PR2 under EXPOSE is a stair_bump layout, and the report says so."""
    _stair(kit, drawing)
    result = check(drawing)
    assert (result.process, result.process_source) == ("stair_bump", "layers drawn")
    assert result.notes == ["process stair_bump inferred from the layers drawn (PAD, PASV, UBM, EXPOSE, PR1, PR2, "
                            "BUMP); no manifest, no --process"]
    for rule_id in ("STAIR.SENSITIVITY", "MATERIAL.CLAIMED"):  # checked with the process's default materials
        assert result.rule(rule_id).status == "pass"


def test_sibling_drc_report_is_not_a_manifest(drawing, pdk, tmp_path, kit):
    _stair(kit, drawing)
    path = drawing.write(tmp_path / "t.gds")
    path.with_suffix(".json").write_text(json.dumps({"clean": True, "rules": [], "violations": []}))
    result = run_drc(path, pdk)
    assert (result.process, result.process_source) == ("stair_bump", "layers drawn")


def test_malformed_manifest_is_input_error(drawing, pdk, tmp_path, kit):
    _stair(kit, drawing)
    path = drawing.write(tmp_path / "t.gds")
    path.with_suffix(".json").write_text('{"process": "stair_bump", ')
    with pytest.raises(InputError, match="malformed JSON manifest"):
        run_drc(path, pdk)


def test_manifest_with_bad_value_is_input_error(drawing, pdk, tmp_path, kit):
    _stair(kit, drawing)
    path = drawing.write(tmp_path / "t.gds")
    bad = full_manifest({"process": "cantilever_wlcsp",
                         "bump_types": [{"name": "b", "count": 1, "support_beams": -1}]})
    with pytest.raises(InputError, match="support_beams"):
        run_drc(path, pdk, manifest=bad)


def test_unknown_process_is_input_error(drawing, pdk, tmp_path, kit):
    _stair(kit, drawing)
    path = drawing.write(tmp_path / "t.gds")
    with pytest.raises(InputError, match="unknown process"):
        run_drc(path, pdk, process="wire_bond")
