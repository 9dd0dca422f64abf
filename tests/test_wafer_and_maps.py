"""Wafers and real bump maps: CSV ball maps, chip pad layers, staggered and ring maps, a 300 mm wafer."""

from __future__ import annotations

import math

import gdstk
import pytest
import yaml
from recipe_variants import variant

from maskgen.assembly.wafer import die_rows
from maskgen.build import build
from maskgen.input.pdk import data_root
from maskgen.input.recipe import Wafer

TEMPLATES = data_root() / "templates"


def _variant(tmp_path, name, **changes):
    return variant(tmp_path, name, "default", **changes)


def test_csv_ball_map_builds_and_keeps_names(tmp_path, read_gds):
    rows = ["name,x,y,net"] + [f"A{i},{-1800 + 400 * i},0,VDD" for i in range(10)] + ["Z1,0,800,GND"]
    (tmp_path / "balls.csv").write_text("\n".join(rows) + "\n")
    res = build(_variant(tmp_path, "csvmap", **{"die.bump_map": {"kind": "csv", "file": "balls.csv"}}), tmp_path)
    gds = read_gds(res.files["gds"])
    assert gds.region("BUMP").count() == 11
    assert res.drc.clean
    assert {b["name"] for b in res.manifest.as_json()["bumps"]} >= {"A0", "A9", "Z1"}
    # the regular row becomes one array reference
    assert res.manifest.as_json()["die"]["arrays"] == 2


@pytest.mark.parametrize("content,needle", [
    ("name,x,y\nA1,0,zero\n", "x and y must be a number (um)"),
    ("name,x,y\n", "no bumps"),
    ("name,x,y\nA1,0,0\nA1,400,0\n", "duplicate"),
    ("name,x,y\nA1,0\n", "expected name,x,y"),
    ("name,x,y\nA1,9000,0\n", "DIE.EDGE"),
])
def test_bad_ball_maps(cli, tmp_path, content, needle):
    (tmp_path / "balls.csv").write_text(content)
    recipe = _variant(tmp_path, "bad", **{"die.bump_map": {"kind": "csv", "file": "balls.csv"}})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_ball_map_size_limit(cli, tmp_path):
    (tmp_path / "balls.csv").write_text("".join(f"B{i},{-1800 + 400 * i},0\n" for i in range(10)))
    recipe = _variant(tmp_path, "big", **{"die.bump_map": {"kind": "csv", "file": "balls.csv", "max_bumps": 5}})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and "max_bumps" in err and "--max-sites" in err
    assert not (tmp_path / "out" / "big").exists()
    code, out, err = cli("build", recipe, "--out", tmp_path / "out", "--max-sites", "10")
    assert code == 0, err
    assert "10 bumps" in out
    code, _, err = cli("masks", recipe, "--out", tmp_path / "m", "--max-sites", "9")
    assert code == 2 and "max_bumps = 9" in err


def test_chip_pad_layer_becomes_bump_sites(tmp_path, read_gds):
    lib = gdstk.Library()
    chip = lib.new_cell("CHIP")
    for i in range(6):
        for j in range(4):
            chip.add(gdstk.rectangle((i * 500 - 1310, j * 500 - 810), (i * 500 - 1190, j * 500 - 690), layer=7))
    lib.write_gds(tmp_path / "chip.gds")
    res = build(_variant(tmp_path, "chip", **{"die.bump_map": {"kind": "gds", "file": "chip.gds", "layer": "7/0"}}),
                tmp_path)
    gds = read_gds(res.files["gds"])
    assert gds.region("BUMP").count() == 24
    xs = sorted({round(p.bbox().center().x * gds.dbu) for p in gds.region("BUMP").each()})
    assert xs == [-1250, -750, -250, 250, 750, 1250]
    assert res.drc.clean


def test_chip_without_the_pad_layer(cli, tmp_path):
    lib = gdstk.Library()
    lib.new_cell("CHIP").add(gdstk.rectangle((0, 0), (10, 10), layer=1))
    lib.write_gds(tmp_path / "chip.gds")
    recipe = _variant(tmp_path, "chip", **{"die.bump_map": {"kind": "gds", "file": "chip.gds", "layer": "7/0"}})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and "7/0" in err


def test_staggered_and_ring_maps(tmp_path, read_gds):
    stag = build(_variant(tmp_path, "stag", **{"die.bump_map": {"kind": "staggered", "pitch": [400, 400],
                                                                 "count": [10, 11]}}), tmp_path)
    assert read_gds(stag.files["gds"]).region("BUMP").count() == 110
    assert stag.manifest.as_json()["die"]["arrays"] == 2
    assert stag.manifest.bump_types[0].min_pitch == pytest.approx(min(400, math.hypot(200, 400)), abs=1e-3)
    ring = build(_variant(tmp_path, "ring", **{"die.bump_map": {"kind": "ring", "pitch": 400, "count": [12, 12],
                                                                 "rings": 2}}), tmp_path)
    # two rings: 4 x 11 + 4 x 9 bumps
    assert read_gds(ring.files["gds"]).region("BUMP").count() == 44 + 36
    assert ring.drc.clean and stag.drc.clean


def test_300mm_wafer_template(tmp_path, read_gds):
    res = build(TEMPLATES / "wafer_300mm.yaml", tmp_path)
    w = res.manifest.as_json()["wafer"]
    # 597 whole dies in the 147 mm circle, less the centre die of the bottom row (y -146.4 mm), which the
    # 1 mm notch plus 3 mm exclusion (to y -146.0 mm) cuts
    assert w["die_count"] == 596 and w["bump_count"] == 596 * 361
    gds = read_gds(res.files["gds"])
    assert gds.top.name == "wafer_300mm_wafer"
    # dies are placed row by row: one array reference per row, not one reference per die
    assert gds.top.child_instances() == w["arrays"] + 1
    assert gds.region("DIE").count() == 596
    # every die lies inside the edge exclusion ring (radius 147 mm)
    r = 147_000 / gds.dbu
    for p in gds.region("DIE").each():
        box = p.bbox()
        for x, y in ((box.left, box.bottom), (box.right, box.top), (box.left, box.top), (box.right, box.bottom)):
            assert math.hypot(x, y) <= r
    assert res.drc.clean


def test_die_rows_partial_policy():
    whole = die_rows(Wafer(diameter=200, edge_exclusion=3, scribe=0), (10_000, 10_000))[1]
    partial = die_rows(Wafer(diameter=200, edge_exclusion=3, scribe=0, partial_dies="include"), (10_000, 10_000))[1]
    assert sum(n for *_, n in partial) > sum(n for *_, n in whole)
    # the centre row of a 200 mm wafer with 3 mm exclusion holds dies whose corners fit in r = 97 mm
    centre = next(n for _, y, n in whole if y == 0)
    assert centre == 2 * int((math.sqrt(97_000**2 - 5_000**2) - 5_000) // 10_000) + 1


def test_build_reports_the_die_count(cli, tmp_path):
    code, out, err = cli("build", "wafer_300mm", "--out", tmp_path, "--no-drc")
    assert code == 0, err
    assert ("wafer: 300 mm, 3 mm edge exclusion, notch, die step 10100 x 10100 um, exclude partial dies: "
            "596 dies in 28 rows, 215,156 bumps") in out


def _flat_200(tmp_path, **wafer):
    data = yaml.safe_load((TEMPLATES / "wafer_200mm_flat.yaml").read_text())
    data["wafer"].update(wafer)
    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_flat_wafer_keeps_dies_off_the_flat(tmp_path, read_gds):
    """Issue 12: 245 dies with the bottom one at y -95.9..-85.9 mm below the flat (-95.78 mm); now every die
    keeps the 3 mm exclusion from the flat and the edge, read back from the GDS."""
    res = build(_flat_200(tmp_path, die_grid_offset=[0, 0]), tmp_path)
    gds = read_gds(res.files["gds"])
    dies = [p.bbox() for p in gds.region("DIE").each()]
    assert len(dies) == res.manifest.as_json()["wafer"]["die_count"] == 244
    flat = -math.sqrt(100_000**2 - 28_750**2)
    assert min(b.bottom for b in dies) * gds.dbu >= flat + 3000
    # the lowest row now sits one step up: row -8 at y -80.8 mm, dies -85.8..-75.8 mm (step 10.1 mm)
    assert round(min(b.bottom for b in dies) * gds.dbu, 3) == -85_800
    for b in dies:
        for x, y in ((b.left, b.bottom), (b.right, b.top), (b.left, b.top), (b.right, b.bottom)):
            assert math.hypot(x, y) * gds.dbu <= 97_000
    assert res.drc.clean and res.drc.rule("WAFER.EXCLUSION").status == "pass"


def test_die_grid_offset_auto_keeps_more_whole_dies(cli, tmp_path, read_gds):
    code, out, err = cli("build", "wafer_200mm_flat", "--out", tmp_path)
    assert code == 0, err
    assert "die_grid_offset auto: 244 dies with the grid centred -> 256 dies at offset [3787.5, 5050] um" in out
    gds = read_gds(tmp_path / "wafer_200mm_flat" / "wafer_200mm_flat.gds")
    dies = [p.bbox() for p in gds.region("DIE").each()]
    assert len(dies) == 256
    centres = {(round(b.center().x * gds.dbu, 3), round(b.center().y * gds.dbu, 3)) for b in dies}
    # every centre on the shifted grid: offset + k x 10.1 mm
    assert all(((x - 3787.5) / 10_100).is_integer() and ((y - 5050) / 10_100).is_integer() for x, y in centres)
    flat = -math.sqrt(100_000**2 - 28_750**2)
    assert min(b.bottom for b in dies) * gds.dbu >= flat + 3000


def test_die_grid_offset_is_checked(cli, tmp_path):
    code, _, err = cli("build", _flat_200(tmp_path, die_grid_offset="middle"), "--out", tmp_path / "o")
    assert code == 2 and "die_grid_offset" in err and len(err.strip().splitlines()) == 1


def test_nearest_distance_against_brute_force():
    import numpy as np

    from maskgen.layout.sites import nearest_distance
    rng = np.random.default_rng(7)
    for n in (2, 3, 10, 200):
        pts = np.round(rng.uniform(-1000, 1000, size=(n, 2)), 3)
        pts[n // 2] = pts[0] + (0.0, 5.0) if n > 2 else pts[n // 2]       # a column pair: same x
        brute = min(math.dist(a, b) for i, a in enumerate(pts) for b in pts[i + 1:])
        assert nearest_distance(pts) == pytest.approx(brute, abs=1e-9)
    grid = np.array([(x, y) for x in range(0, 4000, 400) for y in range(0, 4000, 400)], dtype=float)
    assert nearest_distance(grid) == 400


def test_nearest_distance_squares_and_sweep_agree(monkeypatch):
    import numpy as np

    from maskgen.layout import sites
    rng = np.random.default_rng(11)
    # a jittered 165 um grid, a crowded cluster, duplicates (zero) and two points: the squares give the sweep's
    # float, and with no pairs allowed to the squares nearest_distance falls back to the sweep
    grid = np.array([(c * 165.0, r * 165.0) for r in range(40) for c in range(40)]) + \
        np.round(rng.uniform(-3, 3, size=(1600, 2)), 3)
    cluster = np.round(rng.uniform(0, 50, size=(300, 2)), 3)
    for pts in (grid, cluster, np.vstack([grid, grid[:1]]), grid[:2]):
        ordered = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
        sweep = sites._nearest_by_sweep(ordered)
        assert sites.nearest_distance(pts) == sweep            # the same float, whichever way it is found
        brute = min(math.dist(a, b) for i, a in enumerate(pts[:400]) for b in pts[i + 1:400])
        assert sweep <= brute + 1e-12
    assert sites.nearest_distance(np.vstack([grid, grid[:1]])) == 0.0
    expected = sites.nearest_distance(grid)
    assert 158 < expected < 165
    monkeypatch.setattr(sites, "MAX_PAIRS_PER_POINT", 0)
    assert sites._nearest_in_squares(grid[np.lexsort((grid[:, 1], grid[:, 0]))], 200.0) is None
    assert sites.nearest_distance(grid) == expected
