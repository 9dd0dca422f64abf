"""`maskgen render`, `maskgen xsection` and `maskgen view` through the CLI, for every shipped template.

What a user gets from a fresh clone: PNG files that are real pictures (size, many colours, the PDK colours of the
drawn layers), one cross-section frame per process step whose last frame shows the colours of the materials
the model puts on the cut line, and one error line with exit code 2 on bad options.
"""

from __future__ import annotations

import pytest

from maskgen.crosssection import section
from maskgen.input.pdk import data_root, load_pdk

TEMPLATES = sorted(p.stem for p in (data_root() / "templates").glob("*.yaml"))


def _argb(hex_colour: str) -> int:
    """'#rrggbb' as the opaque ARGB int KLayout's PixelBuffer reports."""
    return 0xFF000000 | int(hex_colour.lstrip("#"), 16)


@pytest.fixture(scope="module")
def built_out(built):
    """The GDS of the session's build of a template (no DRC); render reads the .lyp beside it."""
    return lambda name: built(name).files["gds"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_render_every_template(name, built_out, built, cli, tmp_path, png):
    gds = built_out(name)
    code, out, err = cli("render", gds, "--out", tmp_path, "--width", 600, "--height", 450)
    assert code == 0, err
    folder = tmp_path / gds.stem
    pngs = sorted(folder.glob("*.png"))
    expected = {"die", "bump"} | ({"wafer"} if name.startswith("wafer") else set()) \
        | ({"n50"} if built(name).manifest.reliability is not None else set())            # a recipe with reliability:
    assert {p.stem.rsplit("_", 1)[1] for p in pngs} == expected
    assert all(f"png    {p}" in out for p in pngs)
    for p in pngs:
        assert png.header(p) == (600, 450)
        assert p.stat().st_size > 5_000
        assert len(png.colours(p, step=2)) >= 8                  # layer colours and outlines, not a blank frame
    # the bump view shows the UBM in its layers.yaml colour (the frame colour of the layer)
    colours = png.colours(folder / f"{gds.stem}_bump.png", step=1)
    ubm = load_pdk("default").layers["UBM"]
    assert _argb(ubm.colour) in colours


@pytest.mark.parametrize("name", TEMPLATES)
def test_xsection_every_template(name, built_out, cli, tmp_path, png):
    gds = built_out(name)
    code, out, err = cli("xsection", name, "--out", tmp_path, "--format", "png", "--layout", gds)
    assert code == 0, err
    sec = section(data_root() / "templates" / f"{name}.yaml", layout=gds)
    folder = tmp_path / sec.design.recipe.name / "xsection"
    frames = sorted(folder.glob("*.png"))
    assert len(frames) == len(sec.design.steps) == len(sec.frames)
    assert not list(folder.glob("*.svg"))
    assert (folder / "index.html").is_file()
    assert f"{len(frames)} frame file(s)" in out
    last = png.colours(frames[-1], step=1)
    # every material thicker than 4 um on the cut in the last frame is painted in its colour
    thick = {b.colour for b in sec.frames[-1].bodies
             if not b.region.is_empty() and b.region.bbox().height() > 4_000}
    assert thick
    missing = {c for c in thick if _argb(c) not in last}
    assert not missing, f"colours of {missing} not in {frames[-1].name}"


def test_view_without_klayout_prints_the_command(built_out, cli, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    gds = built_out("default")
    code, out, _ = cli("view", gds)
    assert code == 0
    assert "KLayout is not installed" in out
    assert f"-l {gds.with_suffix('.lyp')}" in out and str(gds) in out


@pytest.mark.parametrize(("args", "message"), [
    (("render", "nope.gds"), "nope.gds: layout file not found"),
    (("render", "{gds}", "--view", "top"), "--view = 'top': allowed: die, bump, wafer"),
    (("render", "{gds}", "--view", "wafer"), "has no WAFER outline"),
    (("render", "{gds}", "--width", "5"), "picture size in pixels"),
    (("xsection", "default", "--cut", "1,2"), "--cut = '1,2': four numbers"),
    (("xsection", "default", "--format", "gif"), "--format = 'gif': allowed: svg, png"),
    (("xsection", "default", "--exaggeration", "0"), "exaggeration"),
    (("xsection", "nope.yaml"), "recipe file not found"),
    (("view", "nope.gds"), "layout file not found"),
])
def test_bad_options_are_one_line_and_exit_2(args, message, built_out, cli, tmp_path):
    gds = built_out("default")
    argv = [a.format(gds=gds) for a in args]
    code, out, err = cli(*argv, "--out", tmp_path) if argv[0] != "view" else cli(*argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not any(tmp_path.rglob("*.png")) and not any(tmp_path.rglob("*.svg"))
