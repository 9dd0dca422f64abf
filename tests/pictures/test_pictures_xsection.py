"""`maskgen xsection`: the process emulator along a cut through a bump, one frame per active process step.

Heights are asserted on the model (`section()` columns, um), colours on the model and in the SVG files.
"""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from maskgen.build import prepare
from maskgen.crosssection import section, xsection_command
from maskgen.errors import InputError
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
FAMILIES = ["stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp"]


@pytest.fixture(scope="module")
def sections(built):
    """section(family) from the session's build of each template (no rebuild)."""
    cache = {}

    def get(family: str):
        if family not in cache:
            res = built(family)
            cache[family] = section(TEMPLATES / f"{family}.yaml", layout=res.files["gds"])
        return cache[family]
    return get


def _solder_at(frame, s):
    return [sl for sl in frame.stack_at(s) if sl.key.startswith("solder")]


@pytest.mark.parametrize("family", FAMILIES)
def test_one_frame_per_active_step(family, built, tmp_path):
    res = built(family)
    files = xsection_command(TEMPLATES / f"{family}.yaml", tmp_path, fmt=("svg",), layout=res.files["gds"])
    folder = tmp_path / family / "xsection"
    steps = res.design.steps
    assert [p.stem for p in sorted(folder.glob("*.svg"))] == [f"{i + 1:02d}_{s.step.action}"
                                                                 for i, s in enumerate(steps)]
    assert files[-1] == folder / "index.html"
    page = files[-1].read_text()
    assert page.count('class="frame"') == len(steps)
    assert 'id="prev"' in page and 'id="next"' in page
    for svg in folder.glob("*.svg"):
        text = svg.read_text()
        root = ET.fromstring(text)                                  # well-formed, standalone SVG
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "true scale: vertical exaggeration 1x" in text


@pytest.mark.parametrize("n", range(1, 7))
def test_every_004_embodiment_has_a_frame_per_step(n, embodiment):
    recipe = embodiment(n)
    sec = section(recipe)
    design = prepare(recipe)
    assert len(sec.frames) == len(design.steps)
    actions = [f.action for f in sec.frames]
    assert actions[0] == "substrate" and "drop" in actions and "reflow" in actions
    sac = design.pdk.layers["SAC"].colour
    if "release" in actions:
        i = actions.index("release")
        assert sac in sec.frames[i - 1].colours()
        assert sac not in sec.frames[i].colours()
    last = sec.frames[-1]
    assert _solder_at(last, sec.bumps[0].s), "the bump sits on the cut"


def test_stack_after_the_coats_is_the_sum_of_the_step_thicknesses(sections):
    sec = sections("stair_bump")
    coats = [f for f in sec.frames if f.action == "coat"]
    last = coats[-1]
    expected = sum(rs.thickness for rs in sec.design.steps[:last.number] if rs.thickness)
    assert expected == pytest.approx(20 + 1 + 1 + 0.2 + 0.5 + 20 + 30)
    assert last.top() == pytest.approx(expected, abs=1e-3)
    # in the field (left end of the cut, no pad): Si, SiN, Ti, Cu, then the planar resists
    field = last.columns()[0]
    assert [sl.material for sl in field.slabs] == ["Si", "SiN", "Ti", "Cu", "AZ4620", "AZ40XT"]
    assert [sl.z1 for sl in field.slabs] == pytest.approx([20, 21, 21.2, 21.7, 42.7, 72.7], abs=1e-3)


def test_plated_post_and_reflowed_bump_heights(sections):
    sec = sections("stair_bump")
    centre = sec.bumps[0].s
    plate = next(f for f in sec.frames if f.action == "plate")
    floor = max(sl.z1 for sl in plate.stack_at(centre) if sl.material == "Cu")
    (post,) = _solder_at(plate, centre)
    assert post.z0 == pytest.approx(floor, abs=1e-3)
    assert post.thickness == pytest.approx(sec.design.recipe.stair.plated_height, abs=1e-3)
    # the developed stair: PR1 opening 100 um, PR2 wider, both from the layout's PR1/PR2 shapes
    develop = next(f for f in sec.frames if f.action == "develop")
    assert not [sl for sl in develop.stack_at(centre) if sl.key in ("PR1", "PR2")]
    (pr1,) = sec.intervals["PR1"]
    assert pr1[1] - pr1[0] == pytest.approx(100.0, abs=0.1)
    reflow = sec.frames[-1]
    assert reflow.action == "reflow"
    (cap,) = _solder_at(reflow, centre)
    assert cap.thickness == pytest.approx(sec.design.bump.reflow_height, abs=0.01)


def test_resists_appear_with_the_coats_and_go_with_the_strip(sections, built):
    sec = sections("stair_bump")
    pdk = sec.design.pdk
    pr1 = pdk.layers["PR1"].colour
    by_action = {}
    for f in sec.frames:
        by_action.setdefault(f.action, f)
    assert pr1 in by_action["coat"].colours()
    assert pr1 not in by_action["strip"].colours()
    assert not [sl for sl in by_action["strip"].columns()[0].slabs if sl.key.startswith("PR")]


def test_ball_rests_on_the_ubm_and_reflows_to_the_solder_model(sections):
    sec = sections("ball_drop")
    centre = sec.bumps[0].s
    drop = next(f for f in sec.frames if f.action == "drop")
    (ball,) = _solder_at(drop, centre)
    ubm_top = max(sl.z1 for sl in drop.stack_at(centre) if not sl.key.startswith(("solder", "POLY")))
    assert ball.thickness == pytest.approx(sec.design.recipe.solder.ball_diameter, abs=0.01)
    assert ball.z0 == pytest.approx(ubm_top, abs=0.01)
    reflow = next(f for f in sec.frames if f.action == "reflow")
    (cap,) = _solder_at(reflow, centre)
    assert cap.z0 == pytest.approx(ubm_top, abs=0.01)
    assert cap.thickness == pytest.approx(sec.design.bump.reflow_height, abs=0.01)
    assert sec.design.pdk.materials.materials["SAC305"].colour in reflow.colours()   # solder grey


def test_two_step_paste_fills_each_mask_and_the_first_reflow_uses_its_own_volume(sections):
    sec = sections("two_step_ball")
    centre = sec.bumps[0].s
    prints = [f for f in sec.frames if f.action == "print"]
    assert len(prints) == 2
    for f, film in zip(prints, ("SM1", "SM2"), strict=True):
        resist_top = f.body(film).region.bbox().top / 1000
        assert max(sl.z1 for sl in _solder_at(f, centre)) == pytest.approx(resist_top, abs=1e-3)
    first = next(f for f in sec.frames if f.action == "reflow")
    (pre,) = _solder_at(first, centre)
    v = sec.design.bump.deposits[0]["volume"]
    a = min(sec.design.bump.ubm_diameter, sec.design.recipe.two_step.openings[0]) / 2
    h = pre.thickness
    assert math.pi * h / 6 * (3 * a * a + h * h) == pytest.approx(v, rel=1e-3)


def test_colours_are_process_data_in_materials_yaml(built, tmp_path):
    """A PDK that recolours copper and the solder kind (two solders fused in one reflow) draws them so."""
    mine = tmp_path / "my_pdk"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    table = mine / "materials.yaml"
    text = table.read_text()
    for old, new in (('Cu:         {kind: metal, colour: "#d08030"', 'Cu:         {kind: metal, colour: "#123456"'),
                     ('  solder:     "#909098"', '  solder:     "#654321"')):
        assert text.count(old) == 1
        text = text.replace(old, new)
    table.write_text(text)
    sec = section(TEMPLATES / "two_step_ball.yaml", layout=built("two_step_ball").files["gds"], pdk=str(mine))
    last = sec.frames[-1]
    assert "#123456" in last.colours() and "#d08030" not in last.colours()
    assert last.body("solder").material == "Pb90Sn10+Sn63Pb37" and last.body("solder").colour == "#654321"


def test_flux_fills_the_openings_then_makes_way_for_the_ball(sections):
    sec = sections("flux_fill")
    frames = {f.action: f for f in sec.frames}
    flux_colour = next(b.colour for b in frames["flux"].bodies if b.kind == "flux")
    assert flux_colour in frames["drop"].colours()
    assert flux_colour not in frames["strip"].colours()
    centre = sec.bumps[0].s
    assert not [sl for sl in frames["drop"].stack_at(centre) if sl.key == "flux"]


def test_release_leaves_an_air_gap_under_the_suspended_portion(sections):
    sec = sections("cantilever_wlcsp")
    actions = [f.action for f in sec.frames]
    assert "release" in actions                                 # the template is embodiment 2, released
    before, after = sec.frames[actions.index("release") - 1], sec.frames[actions.index("release")]
    centre = sec.bumps[0].s
    sac = [sl for sl in before.stack_at(centre) if sl.key == "sacrificial"]
    assert sac, "sacrificial layer 140 under the bump"
    stack = after.stack_at(centre)
    gaps = [(lo.z1, hi.z0) for lo, hi in zip(stack, stack[1:], strict=False) if hi.z0 - lo.z1 > 1e-3]
    assert len(gaps) == 1
    assert gaps[0][1] - gaps[0][0] == pytest.approx(sac[0].thickness, abs=1e-3)
    svg = (before, after)
    assert sec.design.pdk.layers["SAC"].colour in svg[0].colours()


def test_cut_settable_along_y_and_off_centre(sections, built):
    res = built("stair_bump")
    x0, y0 = -1125.0, -1125.0
    ref = sections("stair_bump")
    vertical = section(TEMPLATES / "stair_bump.yaml", cut=((x0, y0 + 150), (x0, y0 - 150)), layout=res.files["gds"])
    assert vertical.cut.axis == "y" and vertical.cut.span == (y0 - 150, y0 + 150)
    assert len(vertical.frames) == len(ref.frames)
    (a,) = _solder_at(ref.frames[-1], x0)
    (b,) = _solder_at(vertical.frames[-1], y0)
    assert b.thickness == pytest.approx(a.thickness, abs=0.01)
    d = 30.0
    off = section(TEMPLATES / "stair_bump.yaml", cut=((x0 - 150, y0 + d), (x0 + 150, y0 + d)), layout=res.files["gds"])
    assert off.bumps[0].offset == pytest.approx(d)
    (c,) = _solder_at(off.frames[-1], x0)
    big_r, h = ref.design.bump.sphere_radius, ref.design.bump.reflow_height
    assert c.z1 - c.z0 == pytest.approx(math.sqrt(big_r**2 - d**2) - (big_r - h), abs=0.05)


def test_png_frames_and_the_stated_exaggeration(built, tmp_path, png):
    res = built("stair_bump")
    files = xsection_command(TEMPLATES / "stair_bump.yaml", tmp_path, exaggeration=3, layout=res.files["gds"])
    pngs = [f for f in files if f.suffix == ".png"]
    assert len(pngs) == len(res.design.steps) == len([f for f in files if f.suffix == ".svg"])
    sizes = {png.header(p) for p in pngs}
    assert len(sizes) == 1                                       # every frame the same size: no jumping
    (w, h), = sizes
    assert w == 1100 and h > 200
    assert len(png.colours(pngs[-1])) > 6
    svg = files[0].read_text()
    assert "vertical exaggeration 3x" in svg
    heights = [float(m) for m in re.findall(r'height="(\d+)"', svg)[:1]]
    assert heights == [h]


def test_bad_input_is_one_clear_error(tmp_path, built):
    recipe = TEMPLATES / "stair_bump.yaml"
    gds = built("stair_bump").files["gds"]
    with pytest.raises(InputError, match="allowed: svg, png"):
        xsection_command(recipe, tmp_path, fmt=("jpg",), layout=gds)
    with pytest.raises(InputError, match="exaggeration"):
        xsection_command(recipe, tmp_path, exaggeration=0, layout=gds)
    with pytest.raises(InputError, match="1 um apart"):
        xsection_command(recipe, tmp_path, cut=((0, 0), (0, 0)), layout=gds)
    with pytest.raises(InputError, match="two points"):
        xsection_command(recipe, tmp_path, cut=(1, 2, 3), layout=gds)          # flat (x1, y1, x2, y2) is fine, 3 is not
    with pytest.raises(InputError, match="not found"):
        xsection_command(tmp_path / "nope.yaml", tmp_path)
    assert not any(tmp_path.rglob("*.svg"))
