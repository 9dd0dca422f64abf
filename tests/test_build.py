"""The spine end to end: build the default recipe, read the GDS back and check geometry and numbers."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return build(TEMPLATES / "default.yaml", out)


def test_default_has_144_bumps_of_the_common_stack(default_build, read_gds):
    gds = read_gds(default_build.files["gds"])
    for layer in ("PAD", "PASV", "UBM", "BUMP", "REFLOW", "POLY"):
        assert gds.region(layer).count() == 144, layer
    assert gds.region("DIE").count() == 1
    assert default_build.manifest.as_json()["bump_count"] == 144


def test_layer_numbers_come_from_layers_yaml(default_build, pdk):
    import klayout.db as kdb
    ly = kdb.Layout()
    ly.read(str(default_build.files["gds"]))
    found = {(info.layer, info.datatype) for info in (ly.get_info(i) for i in ly.layer_indexes())}
    expected = {pdk.gds(n) for n in ("PAD", "PASV", "UBM", "BUMP", "REFLOW", "POLY", "DIE", "LABEL")}
    assert found == expected


def test_bumps_are_array_references_of_one_shared_cell(default_build):
    import klayout.db as kdb
    ly = kdb.Layout()
    ly.read(str(default_build.files["gds"]))
    top = ly.top_cell()
    assert top.name == "default"
    insts = list(top.each_inst())
    bump_insts = [i for i in insts if i.cell.name.startswith("ball_drop_bump")]
    assert len(bump_insts) == 1                      # one 12 x 12 array, not 144 references
    assert bump_insts[0].na * bump_insts[0].nb == 144
    names = [ly.cell(i).name for i in range(ly.cells())]
    assert len(names) == len(set(names))
    assert sum(n.startswith("ubm_island") for n in names) == 1


def test_bump_positions_on_the_400um_grid(default_build, read_gds):
    gds = read_gds(default_build.files["gds"])
    xs = sorted({p.bbox().center().x for p in gds.region("BUMP").each()})
    ys = sorted({p.bbox().center().y for p in gds.region("BUMP").each()})
    assert len(xs) == len(ys) == 12
    assert xs[0] == gds.um(-2200) and xs[-1] == gds.um(2200)
    assert all(b - a == gds.um(400) for a, b in zip(xs, xs[1:], strict=False))


def test_enclosures_read_back(default_build, read_gds, pdk):
    gds = read_gds(default_build.files["gds"])
    pad, pasv, ubm = gds.region("PAD"), gds.region("PASV"), gds.region("UBM")
    # pad 240 across flats, opening 180: 30 um > PASV.IN_PAD 7.5 um
    assert pad.enclosing_check(pasv, gds.um(29.9)).is_empty()
    assert not pad.enclosing_check(pasv, gds.um(30.1)).is_empty()
    # UBM 215 over opening 180: 17.5 um minus the chord error of the circles
    assert ubm.enclosing_check(pasv, gds.um(pdk.rule_value("UBM.COVERS_PASV"))).is_empty()
    assert pasv.not_inside(ubm).is_empty()


def test_circle_areas_match_the_diameters(default_build, read_gds, pdk):
    gds = read_gds(default_build.files["gds"])
    one_ubm = gds.region("UBM").area() / 144 * gds.dbu**2
    n = next(gds.region("UBM").each()).num_points()
    # inscribed n-gon of a 215 um circle: (n / 2) r^2 sin(2 pi / n)
    assert one_ubm == pytest.approx(n / 2 * 107.5**2 * math.sin(2 * math.pi / n), rel=2e-5)  # 5 nm grid snapping
    # and the chord error of 0.05 um bounds the lost area by (2/3) x perimeter x error
    lost = math.pi * 107.5**2 - one_ubm
    assert 0 < lost <= 2 / 3 * math.pi * 215 * pdk.deck.chord_error * 1.01
    assert n % 8 == 0 and n >= 64


def test_vertices_on_the_manufacturing_grid(default_build, read_gds, pdk):
    gds = read_gds(default_build.files["gds"])
    g = gds.um(pdk.grid)
    for layer in ("PAD", "PASV", "UBM", "BUMP", "POLY"):
        assert gds.region(layer).grid_check(g, g).is_empty(), layer


def test_lyp_names_and_colours(default_build, pdk):
    root = ET.parse(default_build.files["lyp"]).getroot()
    props = root.findall("properties")
    assert len(props) == len(pdk.layers)
    sources = {p.findtext("source"): p for p in props}
    pad = sources["1/0@1"]
    assert pad.findtext("name").startswith("PAD 1/0")
    assert pad.findtext("fill-color") == pdk.layers["PAD"].colour


def test_manifest_has_figures(default_build):
    m = json.loads(Path(default_build.files["json"]).read_text())
    assert m["process"] == "ball_drop" and m["pdk"] == "default"
    fig = m["bump_types"][0]
    assert fig["count"] == 144
    # 250 um ball on a 215 um UBM: about 261 um wide after reflow (SKY130 Amkor WLCSP)
    assert fig["reflow_width"] == pytest.approx(261, abs=2)
    assert fig["solder_volume"] == pytest.approx(math.pi * 250**3 / 6, rel=1e-6)
    assert m["recipe"]["die"]["bump_map"]["count"] == [12, 12]
    assert [mk["mask"] for mk in m["masks"]] == ["PAD", "PASV", "UBM", "POLY"]


def test_same_recipe_same_bytes(tmp_path):
    a = build(TEMPLATES / "default.yaml", tmp_path / "a")
    b = build(TEMPLATES / "default.yaml", tmp_path / "b")
    for kind in ("gds", "lyp", "json", "lyrdb"):
        assert a.files[kind].read_bytes() == b.files[kind].read_bytes(), kind


@pytest.mark.parametrize("template", sorted(p.stem for p in TEMPLATES.glob("*.yaml") if p.stem != "default"))
def test_every_template_builds_the_same_bytes_twice(cli, tmp_path, template):
    """Every file a template's build writes (layout, manifest, markers, sweep tables, board Gerbers, wafer maps)."""
    for out in ("a", "b"):
        code, stdout, err = cli("build", template, "--out", tmp_path / out)
        assert code == 0, stdout + err
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert first == second and len(first) >= 4
    for rel in first:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_cli_build_prints_paths_and_writes_no_temp_files(cli, tmp_path):
    code, out, err = cli("build", "--out", tmp_path)
    assert code == 0, err
    assert "default.gds" in out
    files = sorted(p.name for p in (tmp_path / "default").iterdir())
    assert files == ["default.gds", "default.json", "default.kicad_mod", "default.lyp", "default.lyrdb", "report.html"]


def test_oasis_output(tmp_path, read_gds):
    res = build(TEMPLATES / "default.yaml", tmp_path, oasis=True, run_drc=False)
    assert read_gds(res.files["oas"]).region("BUMP").count() == 144


def test_list_shows_rules_with_claims(cli):
    code, out, _ = cli("list")
    assert code == 0
    assert "SAC.UNDER_BUMP" in out and "004:c3" in out
    assert "cantilever_wlcsp" in out and "PAD" in out


def test_list_shows_every_cell_builder_with_its_patent_numeral(cli):
    code, out, _ = cli("list")
    cells = out.split("Cells:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [line.split()[0] for line in cells]
    assert {"common.bond_pad", "openings.polymer_opening", "stair.stair_openings", "ball_drop.bump_cell",
            "cantilever.sacrificial_layer", "cantilever.etch_windows", "rdl.octagon_land"} <= set(names)
    assert len(names) == len(set(names)) >= 20
    assert any("sacrificial layer 140" in line for line in cells)
