"""`maskgen render`: KLayout's renderer draws the die, one bump and the wafer with the build's .lyp colours."""

from __future__ import annotations

import shutil

import pytest

from maskgen.errors import InputError
from maskgen.pictures import render_command
from maskgen.pictures.render import bump_site, read_layout


@pytest.fixture(scope="module")
def stair_pngs(built, tmp_path_factory):
    res = built("stair_bump")
    return res, render_command(res.files["gds"], tmp_path_factory.mktemp("render"))


def test_die_and_bump_views_are_valid_pngs(stair_pngs, png):
    res, files = stair_pngs
    assert [f.name for f in files] == ["stair_bump_die.png", "stair_bump_bump.png"]
    for f in files:
        assert png.header(f) == (1200, 900)
        assert f.stat().st_size > 5_000
        assert len(png.colours(f)) > 6, f"{f.name} is nearly blank"
    assert files[0].read_bytes() != files[1].read_bytes()


def test_bump_cell_is_the_arrayed_child_of_the_die(built):
    res = built("stair_bump")
    ly = read_layout(res.files["gds"])
    site = bump_site(ly)
    assert ly.cell(site.bump_cell).name == res.die.bump.name
    assert ly.cell(site.die_cell).name == "stair_bump"
    assert site.placements == 100
    assert site.pitch == pytest.approx(250.0)
    assert site.origin == pytest.approx((-1125.0, -1125.0))


def test_wafer_layout_gets_a_wafer_view_and_finds_the_bump_inside_the_die(built, tmp_path, png):
    res = built("wafer_300mm")
    ly = read_layout(res.files["gds"])
    site = bump_site(ly)
    assert ly.top_cell().name == "wafer_300mm_wafer"
    assert ly.cell(site.die_cell).name == "wafer_300mm"        # the die, not the wafer, holds the bumps
    assert site.placements == 19 * 19 and site.pitch == pytest.approx(500.0)
    files = render_command(res.files["gds"], tmp_path, width=400, height=400)
    assert [f.name for f in files] == ["wafer_300mm_die.png", "wafer_300mm_bump.png", "wafer_300mm_wafer.png"]
    for f in files:
        assert png.header(f) == (400, 400)
        assert len(png.colours(f)) > 3


def test_missing_lyp_is_generated_from_the_pdk_with_the_same_colours(stair_pngs, tmp_path):
    res, files = stair_pngs
    lone = tmp_path / "lone" / "stair_bump.gds"
    lone.parent.mkdir()
    shutil.copy(res.files["gds"], lone)
    again = render_command(lone, tmp_path / "out", views=["bump"])
    assert again[0].read_bytes() == files[1].read_bytes()


def test_bad_layouts_and_views_are_input_errors(stair_pngs, tmp_path):
    res, _ = stair_pngs
    with pytest.raises(InputError, match="not found"):
        render_command(tmp_path / "nope.gds", tmp_path)
    junk = tmp_path / "junk.gds"
    junk.write_text("not a layout")
    with pytest.raises(InputError, match="not a GDSII or OASIS"):
        render_command(junk, tmp_path)
    cut_short = tmp_path / "short.gds"
    cut_short.write_bytes(res.files["gds"].read_bytes()[:300])
    with pytest.raises(InputError, match="cannot read layout"):
        render_command(cut_short, tmp_path)
    with pytest.raises(InputError, match="allowed: die, bump, wafer"):
        render_command(res.files["gds"], tmp_path, views=["side"])
    with pytest.raises(InputError, match="no WAFER outline"):
        render_command(res.files["gds"], tmp_path, views=["wafer"])
    with pytest.raises(InputError, match="pixels"):
        render_command(res.files["gds"], tmp_path, width=0)
    assert not list(tmp_path.glob("*.png"))
