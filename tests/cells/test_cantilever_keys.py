"""Errors raised deep in the cantilever layout carry their recipe key as data (issue 21), not in their words."""

from __future__ import annotations

from pathlib import Path

from maskgen.errors import GeometryError
from maskgen.layout.cells.cantilever import cantilever_error


def test_the_key_is_the_errors_own_not_found_in_its_text():
    # the message names line_width and clearance; the key the raiser gave wins
    exc = GeometryError("line_width and clearance are both mentioned", key="support_beams.overhang")
    err = cantilever_error(Path("r.yaml"), exc)
    assert err.key == "cantilever.support_beams.overhang"
    assert err.line() == "r.yaml: cantilever.support_beams.overhang: line_width and clearance are both mentioned"


def test_a_plain_value_error_names_the_block():
    err = cantilever_error(Path("r.yaml"), ValueError("pad_offset somewhere in the text"))
    assert err.key == "cantilever"


def test_a_beam_that_reaches_the_pad_names_its_overhang(pdk):
    from maskgen.input.recipe import BumpStack, Cantilever
    from maskgen.layout.cells.cantilever import cantilever_plan, check_rules

    stack = BumpStack(pad={"width": 100, "shape": "square"}, passivation_opening=60, ubm_diameter=150)
    spec = Cantilever(embodiment=1, pad_offset=[-330, 0], line_width=20, land_diameter=180, protection_opening=120,
                      sacrificial_diameter=320, slot_width=30, clearance=10,
                      support_beams={"count": 2, "width": 20, "overhang": 400})
    plan = cantilever_plan(stack, spec)
    try:
        check_rules(pdk, stack, spec, plan, 200)
    except GeometryError as exc:
        assert exc.key == "support_beams.overhang"
    else:
        raise AssertionError("a beam 400 um past the layer under the bump reaches pad 91")


def test_the_embodiment_table_is_process_data(tmp_path, read_gds):
    """What an embodiment draws comes from `embodiments:` in processes/cantilever_wlcsp.yaml: a PDK whose
    embodiment 3 releases its sacrificial layer draws etch windows 160 and no longer keeps SAC in the manifest."""
    import json
    import shutil

    import yaml

    from maskgen.build import build
    from maskgen.input.pdk import data_root

    mine = tmp_path / "pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    path = mine / "processes" / "cantilever_wlcsp.yaml"
    process = yaml.safe_load(path.read_text())
    assert process["embodiments"][3] == ["SAC", "one_insulator"]
    process["embodiments"][3] = ["SAC", "release", "one_insulator"]
    path.write_text(yaml.safe_dump(process, sort_keys=False))
    recipe = Path(__file__).resolve().parents[1] / "data" / "recipes" / "cantilever_e3.yaml"
    kept = build(recipe, tmp_path / "kept", run_drc=False)
    released = build(recipe, tmp_path / "released", pdk_override=str(mine), run_drc=False)
    assert "release" not in json.loads(kept.files["json"].read_text())["features"]
    assert "release" in json.loads(released.files["json"].read_text())["features"]
    # etch windows 160 (INS1 openings away from the pads) only where the table releases embodiment 3
    windows = [read_gds(r.files["gds"]).region("INS1").not_interacting(read_gds(r.files["gds"]).region("PAD"))
               for r in (kept, released)]
    assert windows[0].is_empty() and not windows[1].is_empty()
