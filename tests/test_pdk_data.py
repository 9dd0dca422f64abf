"""Issue 15, one home for each fact: process data that were Python constants are read from the PDK.

Each moved value is changed in a copy of the default PDK and shown to take effect (on the written mask,
the DRC result, the refused recipe or the drawn etch windows); a bad value is refused on load with one
line naming the PDK file and the key (exit 2, nothing written).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

import klayout.db as kdb
import numpy as np
import pytest

from maskgen.build import build, masks_command, prepare
from maskgen.design.physics import solder
from maskgen.drc import run_drc
from maskgen.errors import InputError
from maskgen.input.pdk import data_root, load_pdk
from maskgen.input.recipe import Cantilever, MaskSet, ReticleSpec, Wafer
from maskgen.outputs import masks as mask_module
from maskgen.outputs import plates
from maskgen.outputs.masks import alignment_marks, mask_label

TEMPLATES = data_root() / "templates"
DEFAULT = load_pdk()


def pdk_copy(tmp_path: Path, **edits: Callable[[str], str]) -> Path:
    """A copy of the default PDK with each file (key: file name, / as __) passed through its edit."""
    mine = tmp_path / "my_pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    for name, edit in edits.items():
        path = mine / name.replace("__", "/")
        path.write_text(edit(path.read_text()))
    return mine


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, old
        return text.replace(old, new)
    return edit


def test_the_python_constants_are_gone():
    assert not hasattr(solder, "AREA_RATIO_MIN")
    for name in ("FIELD_MARGIN", "MARK_ARM", "MARK_WIDTH", "MARK_BOX", "MARK_PITCH"):
        assert not hasattr(mask_module, name), name
    for name in ("PLATE_MARGIN", "RETICLE_BORDER", "RETICLE_PLATE", "MARK_ARM", "MARK_WIDTH", "MARK_BOX",
                 "MARK_PITCH", "TEXT", "BAR", "BAR_HEIGHT"):
        assert not hasattr(plates, name), name
    spec = Cantilever(embodiment=2, pad_offset=(-250, -250), line_width=20, land_diameter=180,
                      protection_opening=130, sacrificial_diameter=320)
    assert spec.slot_width is None and spec.clearance is None     # the process gives them
    with pytest.raises(TypeError):
        solder.min_pitch(100.0)  # type: ignore[call-arg]


def test_default_pdk_holds_the_old_values():
    """The values moved unchanged (so every template builds byte-identical outputs)."""
    assert DEFAULT.area_ratio_min() == 0.66
    assert DEFAULT.bump_pitch() == (70.0, 1.3)
    cv = DEFAULT.processes["cantilever_wlcsp"].defaults.cantilever
    assert (cv.slot_width, cv.clearance) == (30.0, 10.0)
    geo = DEFAULT.masks
    assert (geo.die.field_margin, geo.die.mark_first, geo.die.label_height) == (1000.0, 200.0, 80.0)
    assert geo.die.marks.model_dump() == {"arm": 100.0, "width": 10.0, "box": 360.0, "pitch": 300.0}
    assert geo.plate.marks.model_dump() == {"arm": 500.0, "width": 50.0, "box": 1300.0, "pitch": 1500.0}
    assert (geo.plate.margin, geo.plate.mark_edge_space, geo.plate.label_height) == (10_000.0, 100.0, 1000.0)
    assert (geo.plate.bar_widths, geo.plate.bar_height) == ((100.0, 250.0), 3000.0)
    assert (geo.reticle.border, geo.reticle.mark_width, geo.reticle.plate_inch) == (2000.0, 50.0, 6)


# ----------------------------------------------------------------------------- the values take effect
def test_larger_field_margin_gives_a_larger_mask_field(tmp_path):
    """masks.yaml die.field_margin 1000 -> 1500 um: the dark-field PASV mask of ball_drop grows by 1 mm."""
    mine = pdk_copy(tmp_path, **{"masks.yaml": replace("field_margin: 1000.0", "field_margin: 1500.0")})
    written = masks_command(TEMPLATES / "ball_drop.yaml", tmp_path / "out", pdk=str(mine))
    pasv = next(m for m in written if m.entry["mask"] == "PASV")
    assert pasv.entry["field"] == "dark field"
    ly = kdb.Layout()
    ly.read(str(pasv.path))
    box = ly.top_cell().dbbox()
    w, h = prepare(TEMPLATES / "ball_drop.yaml").recipe.die.size
    assert (box.width(), box.height()) == pytest.approx((w + 3000.0, h + 3000.0))


def _shapes(polys) -> list:
    return sorted(tuple(map(tuple, np.round(p.points, 4).tolist())) for p in polys)


def _with(model, path: str, value):
    """A copy of a geometry model with the dotted key set (nested models copied)."""
    head, _, rest = path.partition(".")
    if rest:
        return model.model_copy(update={head: _with(getattr(model, head), rest, value)})
    return model.model_copy(update={head: value})


@pytest.mark.parametrize("key,value", [
    ("field_margin", 1200.0), ("marks.arm", 120.0), ("marks.width", 12.0), ("marks.box", 380.0),
    ("marks.pitch", 320.0), ("mark_first", 250.0), ("label_height", 90.0),
])
def test_each_die_mask_value_changes_the_marks_and_label(key, value):
    geo = DEFAULT.masks.die

    def drawn(g):
        return _shapes(alignment_marks(g, 2, 5000.0, 5000.0) + mask_label(g, "T L2", 5000.0, 5000.0))
    assert drawn(_with(geo, key, value)) != drawn(geo)


WAFER = Wafer(diameter=200, edge_exclusion=0.5)   # narrower than the mark band: mark_edge_space places them


@pytest.mark.parametrize("key,value", [
    ("marks.arm", 450.0), ("marks.width", 40.0), ("marks.box", 1250.0), ("marks.pitch", 1600.0),
    ("mark_edge_space", 300.0), ("label_height", 900.0), ("bar_widths", (100.0, 300.0)),
    ("bar_widths", (80.0, 250.0)), ("bar_height", 2500.0),
])
def test_each_plate_value_changes_the_plate_marks(key, value):
    geo = DEFAULT.masks.plate

    def drawn(g):
        return _shapes(plates.plate_marks(g, 2, WAFER, 9 * plates.INCH, "LABEL", "ID-01PASV"))
    assert drawn(_with(geo, key, value)) != drawn(geo)


def test_plate_margin_chooses_the_plate():
    """200 mm wafer + 2 x 10 mm fits a 9 inch plate (228.6 mm); with 15 mm a side it takes 14 inch."""
    geo = DEFAULT.masks.plate
    assert plates.plate_inch(geo, MaskSet(plate="auto"), Wafer(diameter=200)) == 9
    assert plates.plate_inch(_with(geo, "margin", 15_000.0), MaskSet(plate="auto"), Wafer(diameter=200)) == 14


@pytest.mark.parametrize("key,value", [("border", 2500.0), ("mark_width", 40.0)])
def test_each_reticle_value_changes_the_reticle_marks(key, value):
    geo = DEFAULT.masks.reticle
    spec = ReticleSpec(dies=(2, 1), reduction=5, max_field=(22, 22))
    assert _shapes(plates.reticle_marks(_with(geo, key, value), (10_100.0, 10_100.0), spec)) != \
        _shapes(plates.reticle_marks(geo, (10_100.0, 10_100.0), spec))


def test_reticle_plate_size_refuses_a_field_that_does_not_fit():
    """2 x 1 dies of 10.1 mm at 5x with 2 mm borders: 5 x 24.2 = 121 mm fits 6 inch (152.4), not 4 (101.6)."""
    geo = DEFAULT.masks.reticle
    spec = ReticleSpec(dies=(2, 1), reduction=5, max_field=(22, 22))
    plates.check_reticle(geo, spec, (10_100.0, 10_100.0))
    with pytest.raises(InputError, match=r"larger than a 4 inch \(101.6 mm\) reticle"):
        plates.check_reticle(_with(geo, "plate_inch", 4), spec, (10_100.0, 10_100.0))


def test_stricter_area_ratio_refuses_a_design_that_passed(tmp_path):
    """two_step_ball prints into SM2 (240 um, 60 um thick): area ratio 1.0 passes 0.66 and fails 1.05."""
    recipe = TEMPLATES / "two_step_ball.yaml"
    ratios = [d["area_ratio"] for d in prepare(recipe).bump.deposits]
    assert ratios == [1.125, 1.0]
    mine = pdk_copy(tmp_path, **{"materials.yaml": replace("stencil_area_ratio_min: 0.66",
                                                           "stencil_area_ratio_min: 1.05")})
    with pytest.raises(InputError) as err:
        prepare(recipe, str(mine))
    assert err.value.key == "two_step.openings[1]" and "1.00 < 1.05" in err.value.allowed


@pytest.fixture(scope="module")
def ball_drop_gds(tmp_path_factory):
    out = tmp_path_factory.mktemp("pitch")
    res = build(TEMPLATES / "ball_drop.yaml", out, run_drc=False)
    return res.files["gds"], res.manifest


@pytest.mark.parametrize("rule,fails", [
    ("params: {ubm_factor: 1.3}", False),   # 70 + 1.3 x 250 = 395 um <= 500 um pitch
    ("params: {ubm_factor: 1.8}", True),    # 70 + 1.8 x 250 = 520 um
    ("value: 200.0", True),                 # 200 + 1.3 x 250 = 525 um
])
def test_bump_pitch_base_and_factor_come_from_the_rule(tmp_path, ball_drop_gds, rule, fails):
    gds, manifest = ball_drop_gds
    edit = replace("params: {ubm_factor: 1.3}", rule) if rule.startswith("params") else \
        replace("  - id: BUMP.PITCH\n    value: 70.0", f"  - id: BUMP.PITCH\n    {rule}")
    mine = load_pdk(str(pdk_copy(tmp_path, **{"rules.yaml": edit})))
    result = run_drc(gds, mine, manifest=manifest)
    [pitch] = [r for r in result.rules if r.id == "BUMP.PITCH"]
    assert pitch.status == ("fail" if fails else "pass")
    if fails:
        base, factor = mine.bump_pitch()
        wanted = solder.min_pitch(250.0, base, factor)
        assert f"= {wanted:g} um" in next(v for v in result.violations if v.rule == "BUMP.PITCH").message


def _ring_radii(gds: Path, centre: tuple[float, float]) -> tuple[float, float]:
    """Least and greatest distance (um) from a bump centre of the INS1 vertices within 200 um of it (windows)."""
    pdk = DEFAULT
    ly = kdb.Layout()
    ly.read(str(gds))
    li = ly.find_layer(*pdk.gds("INS1"))
    region = kdb.Region(ly.top_cell().begin_shapes_rec(li))
    cx, cy = (round(c / ly.dbu) for c in centre)
    near = region & kdb.Region(kdb.Box(cx - 200_000, cy - 200_000, cx + 200_000, cy + 200_000))
    dist = [math.hypot(p.x - cx, p.y - cy) * ly.dbu for poly in near.each() for p in poly.each_point_hull()]
    return min(dist), max(dist)


def test_cantilever_slot_width_and_clearance_come_from_the_process(tmp_path):
    """defaults.cantilever slot_width 30 -> 25, clearance 10 -> 12: the slot ring of etch windows 160 runs from
    land 90 + 12 = 102 to 127 um (was 100 to 130), the manifest echoes them; a recipe's own keys still win."""
    mine = pdk_copy(tmp_path, **{"processes__cantilever_wlcsp.yaml": lambda t: t.replace(
        "slot_width: 30.0", "slot_width: 25.0").replace("clearance: 10.0", "clearance: 12.0")})
    recipe = TEMPLATES / "cantilever_wlcsp.yaml"
    res = build(recipe, tmp_path / "out", pdk_override=str(mine), run_drc=False)
    echo = res.manifest.as_json()["recipe"]["cantilever"]
    assert (echo["slot_width"], echo["clearance"]) == (25.0, 12.0)
    bump = res.manifest.as_json()["bumps"][0]
    inner, outer = _ring_radii(res.files["gds"], (bump["x"], bump["y"]))
    assert outer == pytest.approx(127.0, abs=0.01)
    assert 102.0 <= inner < 102.1                     # the hole is circumscribed: chords keep the clearance
    default = prepare(recipe)
    assert default.bump.mechanics.stiffness != res.design.bump.mechanics.stiffness   # insulator arm + 2 x 12

    own = res.design.recipe.model_copy(update={"cantilever": Cantilever(**{
        **res.design.recipe.cantilever.model_dump(), "slot_width": 30.0, "clearance": 10.0})})
    assert prepare(recipe, str(mine), recipe=own).recipe.cantilever.clearance == 10.0


# ----------------------------------------------------------------------------- bad values in the PDK
BAD = [
    ("materials.yaml", replace("stencil_area_ratio_min: 0.66", "stencil_area_ratio_min: -0.5"),
     "stencil_area_ratio_min"),
    ("materials.yaml", replace("stencil_area_ratio_min: 0.66", "stencil_area_ratio_min: .nan"),
     "stencil_area_ratio_min"),
    ("rules.yaml", replace("params: {ubm_factor: 1.3}", "params: {}"), "params.ubm_factor: required"),
    ("rules.yaml", replace("params: {ubm_factor: 1.3}", "params: {ubm_factor: 0}"), "params.ubm_factor"),
    ("rules.yaml", replace("  - id: BUMP.PITCH\n    value: 70.0", "  - id: BUMP.PITCH\n    value: null"),
     "].value"),
    ("masks.yaml", replace("field_margin: 1000.0", "field_margin: -5"), "die.field_margin"),
    ("masks.yaml", replace("box: 360.0", "box: 150.0"), "die.marks"),
    ("masks.yaml", replace("field_margin: 1000.0", "field_margin: 300.0"), "die: marks.box"),
    ("masks.yaml", replace("[100.0, 250.0]", "[250.0, 100.0]"), "plate.bar_widths"),
    ("masks.yaml", replace("plate_inch: 6", "plate_inch: six"), "reticle.plate_inch"),
    ("masks.yaml", replace("border: 2000.0", "border: 150.0"), "reticle: border"),
    ("masks.yaml", replace("  mark_edge_space: 100.0", "  mark_edge_spce: 100.0"), "plate.mark_edge_spce"),
    ("processes__cantilever_wlcsp.yaml", replace("slot_width: 30.0", "slot_width: 0"),
     "defaults.cantilever.slot_width"),
    ("processes__cantilever_wlcsp.yaml", replace("clearance: 10.0 ", "clearence: 10.0 "),
     "defaults.cantilever.clearence"),
]


@pytest.mark.parametrize("file,edit,key", BAD, ids=[f"{f}:{k}" for f, _, k in BAD])
def test_bad_pdk_value_is_one_line_naming_file_and_key(cli, tmp_path, file, edit, key):
    mine = pdk_copy(tmp_path, **{file: edit})
    out = tmp_path / "out"
    code, _, err = cli("build", TEMPLATES / "ball_drop.yaml", "--pdk", mine, "--out", out)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert f"{mine / file.replace('__', '/')}: " in lines[0] and key in lines[0], lines[0]
    assert not out.exists()


@pytest.mark.parametrize("file,cut,command,template,key", [
    ("masks.yaml", None, "masks", "flux_fill", "file not found"),
    ("materials.yaml", "stencil_area_ratio_min: 0.66\n", "build", "two_step_ball", "stencil_area_ratio_min"),
    ("processes__cantilever_wlcsp.yaml", "# Geometry this process fixes", "build", "cantilever_wlcsp",
     "defaults.cantilever"),
])
def test_missing_pdk_data_is_refused_where_it_is_needed(cli, tmp_path, file, cut, command, template, key):
    """Each moved value is optional on load (a PDK without paste printing, masks or 004 still builds) and
    required by what uses it: one line naming the file and the key, exit 2, no mask written."""
    mine = pdk_copy(tmp_path)
    path = mine / file.replace("__", "/")
    if cut is None:
        path.unlink()
    else:
        text = path.read_text()
        path.write_text(text[:text.index(cut)] + (text[text.index(cut) + len(cut):] if cut.endswith("\n") else ""))
    out = tmp_path / "out"
    code, _, err = cli(command, TEMPLATES / f"{template}.yaml", "--pdk", mine, "--out", out)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{path}: " in lines[0] and key in lines[0], err
    assert not list(out.rglob("*.gds")) if command == "build" else not (out / template / "masks").exists()
    assert cli("build", TEMPLATES / "ball_drop.yaml", "--pdk", mine, "--out", tmp_path / "ok", "--no-drc")[0] == 0
