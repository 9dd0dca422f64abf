"""DOE sweeps: one die per combination, named from its parameters, each checked; refused points are rows with
their reason; the sweep table (CSV + JSON) carries the predicted figures (checked against the spherical-cap
model by hand) and the DRC verdict; the point layouts are read back with klayout.db. The second form
(sweep_layout: subarrays): one die, each valid point a bump type in its own tile, read back per tile; verdicts
from the DRC markers inside each tile."""

from __future__ import annotations

import csv
import dataclasses
import json
import math

import klayout.db as kdb
import pytest
import yaml

from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def _cap(ball: float, ubm: float) -> tuple[float, float]:
    """Reflowed height and width of a ball of diameter `ball` on a UBM disc: V = pi h (3 a^2 + h^2) / 6."""
    volume = math.pi * ball**3 / 6
    a = ubm / 2
    lo, hi = 0.0, ball * 2
    for _ in range(200):
        h = (lo + hi) / 2
        lo, hi = (h, hi) if math.pi * h * (3 * a * a + h * h) / 6 < volume else (lo, h)
    h = (lo + hi) / 2
    radius = (a * a + h * h) / (2 * h)
    return h, (2 * radius if h > a else ubm)


def test_sweep_template_table(cli, tmp_path, read_gds):
    code, out, err = cli("build", "sweep_ubm_ball", "--out", tmp_path)
    assert code == 0, out + err
    assert "sweep: 6 points, 4 built, 2 refused, 0 DRC dirty" in out
    rows = list(csv.DictReader((tmp_path / "sweep_ubm_ball" / "sweep.csv").open()))
    data = json.loads((tmp_path / "sweep_ubm_ball" / "sweep.json").read_text())
    assert [r["point"] for r in rows] == [p["point"] for p in data["points"]]
    assert data["parameters"] == ["bump.ubm_diameter", "solder.ball_diameter"]
    by = {(float(r["bump.ubm_diameter"]), float(r["solder.ball_diameter"])): r for r in rows}
    assert len(by) == 6
    for ball in (250, 280):
        refused = by[(190, ball)]
        assert refused["verdict"] == "invalid" and refused["reflow_height"] == ""
        assert "bump.ubm_diameter = 190.0" in refused["reason"] and "UBM.COVERS_PASV" in refused["reason"]
    for ubm in (215, 240):
        for ball in (250, 280):
            r = by[(ubm, ball)]
            assert r["verdict"] == "clean" and r["point"] == f"sweep_ubm_ball-ubm_diameter{ubm}-ball_diameter{ball}"
            h, w = _cap(ball, ubm)
            assert float(r["reflow_height"]) == pytest.approx(h, abs=2e-3)
            assert float(r["reflow_width"]) == pytest.approx(w, abs=2e-3)
            assert float(r["bridging_margin"]) == pytest.approx(400 - w, abs=2e-3)
            gds = read_gds(tmp_path / "sweep_ubm_ball" / r["gds"])
            ubms = {round(p.bbox().width() * gds.dbu) for p in gds.region("UBM").each()}
            balls = {round(p.bbox().width() * gds.dbu) for p in gds.region("BUMP").each()}
            assert ubms == {ubm} and balls == {ball} and gds.region("BUMP").count() == 144
            assert gds.top.name == r["point"]


def test_stiffness_column_for_a_cantilever_sweep(cli, tmp_path):
    data = yaml.safe_load((TEMPLATES / "cantilever_wlcsp.yaml").read_text())
    data["name"] = "beams"
    data["sweep"] = {"cantilever.support_beams.count": [0, 2]}
    (tmp_path / "beams.yaml").write_text(yaml.safe_dump(data))
    code, out, err = cli("build", tmp_path / "beams.yaml", "--out", tmp_path / "out", "--no-drc")
    assert code == 0, out + err
    rows = {r["point"]: r for r in csv.DictReader((tmp_path / "out" / "beams" / "sweep.csv").open())}
    zero, two = rows["beams-count0"], rows["beams-count2"]
    assert zero["verdict"] == two["verdict"] == "built"
    # k = E w t^3 / (4 L^3) per arm, the arms in parallel: two beams more stiffen the suspended portion
    assert float(two["stiffness"]) > float(zero["stiffness"]) > 0
    # and laterally too: with two beams more the joint keeps more of the mismatch, a shorter joint life
    assert float(zero["n50"]) > float(two["n50"]) > 0



def test_subarray_point_with_other_process_steps_is_refused(cli, tmp_path):
    """Embodiment 3 keeps sacrificial layer 140 (no release step): not a sub-array of a released die."""
    data = yaml.safe_load((TEMPLATES / "cantilever_wlcsp.yaml").read_text())
    data["name"] = "emb"
    data["sweep_layout"] = "subarrays"
    data["sweep"] = {"cantilever.embodiment": [2, 3]}
    (tmp_path / "emb.yaml").write_text(yaml.safe_dump(data))
    code, out, err = cli("build", tmp_path / "emb.yaml", "--out", tmp_path / "out")
    assert code == 0, out + err
    rows = {r["point"]: r for r in csv.DictReader((tmp_path / "out" / "emb" / "sweep.csv").open())}
    assert rows["emb-embodiment2"]["verdict"] == "clean" and rows["emb-embodiment2"]["sites"] == "100"
    refused = rows["emb-embodiment3"]
    assert refused["verdict"] == "invalid" and refused["sites"] == ""
    assert refused["reason"].startswith("cantilever.embodiment = 3: made by other process steps or layers "
                                        "(release off)")

@pytest.mark.parametrize("sweep,needle", [
    ({"bump.ubm_diametre": [200]}, "sweep.bump.ubm_diametre"),
    ({"process": [1, 2]}, "sweeps numbers"),
    ({"bump.ubm_diameter": []}, "at least one value"),
    ({"bump.ubm_diameter": list(range(200, 240)), "solder.ball_diameter": list(range(200, 240))}, "at most 1000"),
])
def test_bad_sweeps(cli, tmp_path, sweep, needle):
    data = yaml.safe_load((TEMPLATES / "sweep_ubm_ball.yaml").read_text())
    data["sweep"] = sweep
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    code, _, err = cli("build", tmp_path / "bad.yaml", "--out", tmp_path / "out", "--no-drc")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "sweep_ubm_ball" / "sweep.csv").exists()


# ----------------------------------------------------------------------------- one die with sub-arrays per point
def _inside(p: kdb.Polygon, tile: list[float], dbu: float) -> bool:
    """True when a polygon's centre lies inside a tile (um)."""
    c = p.bbox().center()
    return tile[0] < c.x * dbu < tile[2] and tile[1] < c.y * dbu < tile[3]


def test_subarray_template_one_die_tiles_and_table(cli, tmp_path, read_gds):
    code, out, err = cli("build", "sweep_subarrays", "--out", tmp_path)
    assert code == 0, out + err
    assert "sweep: 9 points, 6 built as sub-arrays of sweep_subarrays, 3 refused, 0 DRC dirty" in out
    folder = tmp_path / "sweep_subarrays"
    assert not (folder / "sweep").exists()                              # no die per point
    manifest = json.loads((folder / "sweep_subarrays.json").read_text())
    sub = manifest["subarrays"]
    assert sub["parameters"] == ["bump.ubm_diameter", "ball_drop.polymer_opening"]
    assert sub["box"] == [-2400, -2400, 2400, 2400] and sub["tiles_per_row"] == [3, 3]
    blocks = [p for p in sub["points"] if "tile" in p]
    # row by row from the top left: UBM 215 on top, polymer opening growing to the right
    assert [(p["parameters"]["bump.ubm_diameter"], p["parameters"]["ball_drop.polymer_opening"]) for p in blocks] \
        == [(215, 270), (215, 300), (215, 330), (240, 270), (240, 300), (240, 330)]
    assert blocks[0]["tile"] == [-2400, 0, -800, 2400] and blocks[5]["tile"] == [800, -2400, 2400, 0]
    assert {p["type"] for p in blocks} == {t["name"] for t in manifest["bump_types"]}
    assert all(t["count"] == 24 for t in manifest["bump_types"]) and manifest["bump_count"] == 144

    gds = read_gds(folder / "sweep_subarrays.gds")
    ubm, poly = list(gds.region("UBM").each()), list(gds.region("POLY").each())
    assert len(ubm) == len(poly) == gds.region("BUMP").count() == 144
    li = gds.layout.find_layer(*gds.pdk.gds("LABEL"))
    labels = {t.string: t for t in kdb.Texts(gds.top.begin_shapes_rec(li)).each()}
    for p in blocks:
        tile = p["tile"]
        mine_ubm = [q for q in ubm if _inside(q, tile, gds.dbu)]
        mine_poly = [q for q in poly if _inside(q, tile, gds.dbu)]
        assert len(mine_ubm) == len(mine_poly) == p["sites"] == 24
        assert {round(q.bbox().width() * gds.dbu) for q in mine_ubm} == {p["parameters"]["bump.ubm_diameter"]}
        assert {round(q.bbox().width() * gds.dbu) for q in mine_poly} \
            == {p["parameters"]["ball_drop.polymer_opening"]}
        at = labels[p["point"]].bbox().center()                          # the point's name, in its tile
        assert tile[0] < at.x * gds.dbu < tile[2] and tile[1] < at.y * gds.dbu < tile[3]
    assert not [s for s in labels if "ubm_diameter190" in s]               # refused points: no block

    rows = list(csv.DictReader((folder / "sweep.csv").open()))
    data = json.loads((folder / "sweep.json").read_text())
    assert data["layout"] == "subarrays" and [r["point"] for r in rows] == \
        [p["point"] for p in data["points"]] + [data["die"]["point"]]
    assert list(rows[0]) == ["point", "bump.ubm_diameter", "ball_drop.polymer_opening", "sites", "reflow_height",
                             "reflow_width", "min_pitch", "bridging_margin", "stiffness", "n50", "verdict", "reason",
                             "gds"]
    *points, die = rows
    assert die["point"] == "sweep_subarrays" and die["verdict"] == "clean" and die["gds"] == "sweep_subarrays.gds"
    by = {(float(r["bump.ubm_diameter"]), float(r["ball_drop.polymer_opening"])): r for r in points}
    for opening in (270, 300, 330):
        refused = by[(190, opening)]
        assert refused["verdict"] == "invalid" and refused["sites"] == "" and refused["gds"] == ""
        assert "bump.ubm_diameter = 190.0" in refused["reason"] and "UBM.COVERS_PASV" in refused["reason"]
    # hand-worked: a 250 um ball on a 215 um UBM and on a 240 um UBM (spherical caps), 400 um pitch; a 215 tile's
    # tightest neighbour is a 240 bump across the tile edge below it, a 240 tile's is a 240 bump of its own
    h215, w215 = _cap(250, 215)
    h240, w240 = _cap(250, 240)
    for opening in (270, 300, 330):
        r = by[(215, opening)]
        assert r["verdict"] == "clean" and r["sites"] == "24" and r["gds"] == "sweep_subarrays.gds"
        assert float(r["reflow_height"]) == pytest.approx(h215, abs=2e-3)
        assert float(r["reflow_width"]) == pytest.approx(w215, abs=2e-3)
        assert float(r["min_pitch"]) == 400
        assert float(r["bridging_margin"]) == pytest.approx(400 - (w215 + w240) / 2, abs=2e-3)
        r = by[(240, opening)]
        assert float(r["reflow_height"]) == pytest.approx(h240, abs=2e-3)
        assert float(r["bridging_margin"]) == pytest.approx(400 - w240, abs=2e-3)


def test_subarray_verdicts_come_from_the_markers_in_each_tile(tmp_path):
    from maskgen.build import build
    from maskgen.drc.result import RuleResult, Violation
    from maskgen.sweep import subarray_table

    res = build(TEMPLATES / "sweep_subarrays.yaml", tmp_path, run_drc=True)
    assert res.drc.clean
    box = kdb.DBox(0, 0, 1, 1)
    marks = [Violation("BUMP.SPACE", "", (-2300, 1900, -2000, 2300), box),      # tile 1 (top left)
             Violation("BUMP.SPACE", "", (-2300, 1000, -2000, 1300), box),      # tile 1
             Violation("PASV.IN_PAD", "", (900, -500, 1100, -300), box),        # tile 6 (bottom right)
             Violation("BUMP.SPACE", "", (-900, 100, -700, 300), box),          # across tiles 1 and 2: the die's
             Violation("DIE.EDGE", "", (-2600, -2600, -2590, 2600), box)]       # outside every tile
    rules = [RuleResult("PASV.IN_PAD", [], "", 0, "fail", 1, 1), RuleResult("BUMP.SPACE", [], "", 0, "fail", 3, 3),
             RuleResult("DIE.EDGE", [], "", 0, "fail", 3, 1)]                   # two beyond the marker limit
    res.drc = dataclasses.replace(res.drc, rules=rules, violations=marks)
    swept = subarray_table(res, tmp_path)
    built = [r for r in swept.rows if r["verdict"] != "invalid"]
    assert [r["verdict"] for r in built] == ["dirty", "clean", "clean", "clean", "clean", "dirty"]
    assert built[0]["reason"] == "DRC: BUMP.SPACE x 2" and built[5]["reason"] == "DRC: PASV.IN_PAD x 1"
    assert swept.die["verdict"] == "dirty"
    assert swept.die["reason"] == "DRC outside every tile: BUMP.SPACE x 1, DIE.EDGE x 3"
    assert swept.dirty == 2 and swept.refused == 3


def _subarray_recipe(tmp_path, **change):
    """The sweep_subarrays template with some top-level keys changed (None removes one), written to tmp_path."""
    data = yaml.safe_load((TEMPLATES / "sweep_subarrays.yaml").read_text())
    for key, value in change.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    return tmp_path / "bad.yaml"


GRID = {"size": [5200, 5200], "bump_map": {"kind": "grid", "pitch": [400, 400], "count": [12, 12]}}


@pytest.mark.parametrize("change,needle", [
    ({"sweep": {"die.bump_map.pitch": [400, 450]}},
     "sweep.die.bump_map.pitch = [400.0, 450.0]: sweep_layout: subarrays makes each point a bump type, so it sweeps "
     "only what a bump type carries: keys under bump., solder. or ball_drop."),
    ({"sweep": {"bump.ubm_diameter": [215], "materials.polymer": [1]}}, "sweep.materials.polymer"),
    ({"bump_types": [{"name": "power", "balls": ["A1"]}]}, "bump_types = ['power']: sweep_layout: subarrays makes"),
    ({"sweep": None}, "sweep_layout = 'subarrays': lays out a sweep"),
    ({"sweep": {"bump.ubm_diametre": [200]}}, "sweep.bump.ubm_diametre = [200.0]: not a key of this recipe"),
    ({"sweep": {"bump.ubm_diameter": [190, 195]}}, "sweep.bump.ubm_diameter = [190.0, 195.0]: sweep_layout: "
     "subarrays needs a point the recipe checks accept; all 2 were refused, e.g. sweep_subarrays-ubm_diameter190: "
     "bump.ubm_diameter = 190.0: must be at least 200.1 um"),
    ({"sweep": {"solder.ball_diameter": [300, 320]}},                # too big for the 300 um polymer opening
     "sweep = '2 points': sweep_layout: subarrays needs a point the recipe checks accept; all 2 were refused, e.g. "
     "sweep_subarrays-ball_diameter300: ball_drop.polymer_opening = 300.0: must be at least 310.1 um"),
    ({"die": {**GRID, "bump_map": {"kind": "grid", "pitch": 400, "count": [2, 1]}},
      "sweep": {"bump.ubm_diameter": [215, 230, 240]}},
     "sweep = '3 valid points': sweep_layout: subarrays gives each point a block of its own, and the die has 2 bump "
     "sites"),
    ({"die": {**GRID, "bump_map": {"kind": "grid", "pitch": 400, "count": [4, 4],
                                   "depopulate": [[0, 0], [1, 0], [0, 1], [1, 1]]}},
      "sweep": {"bump.ubm_diameter": [215, 230, 240, 250]}},
     "sweep = 'sweep_subarrays-ubm_diameter240': sweep_layout: subarrays: tile 3 of 4 ([-800.0, -800.0, 0.0, 0.0] "
     "um) holds no bump site for this point"),                 # the bottom left 2 x 2 (row 0 is the bottom row)
])
def test_bad_subarray_sweeps(cli, tmp_path, change, needle):
    code, out, err = cli("build", _subarray_recipe(tmp_path, **change), "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, out + err
    assert not (tmp_path / "out").exists()


def test_subarray_errors_stop_masks_too(cli, tmp_path):
    bad = _subarray_recipe(tmp_path, sweep={"solder.alloy_diameter": [1]})
    code, _, err = cli("masks", bad, "--out", tmp_path / "out")
    assert code == 2 and "sweep.solder.alloy_diameter = [1.0]: not a key of this recipe" in err, err
    bad = _subarray_recipe(tmp_path, sweep={"die.size": [5000]})
    code, _, err = cli("masks", bad, "--out", tmp_path / "out")
    assert code == 2 and "sweep.die.size" in err and "keys under bump., solder. or ball_drop." in err, err
    assert not (tmp_path / "out").exists()


def test_dies_form_is_the_default(cli, tmp_path):
    data = yaml.safe_load((TEMPLATES / "sweep_ubm_ball.yaml").read_text())
    data["sweep"] = {"solder.ball_diameter": [250, 280]}
    tables = []
    for layout in (None, "dies"):
        if layout:
            data["sweep_layout"] = layout
        (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
        out = tmp_path / f"out-{layout}"
        code, text, err = cli("build", tmp_path / "s.yaml", "--out", out, "--no-drc")
        assert code == 0 and "sweep: 2 points, 2 built, 0 refused, 0 DRC dirty" in text, text + err
        assert len(list((out / "sweep_ubm_ball" / "sweep").glob("*/*.gds"))) == 2
        tables.append((out / "sweep_ubm_ball" / "sweep.csv").read_text())
    assert tables[0] == tables[1] and "sites" not in tables[0].splitlines()[0]


@pytest.mark.parametrize("n,width,height,lengths", [
    (1, 10, 10, [1]), (4, 10, 10, [2, 2]), (5, 10, 10, [3, 2]), (6, 10, 10, [3, 3]), (7, 10, 10, [3, 2, 2]),
    (9, 10, 10, [3, 3, 3]), (4, 40, 10, [4]), (4, 10, 40, [1, 1, 1, 1]), (3, 10, 0, [3]),
])
def test_tiles_form_a_near_square_grid(n, width, height, lengths):
    from maskgen.assembly.subarrays import row_lengths, tiles
    assert row_lengths(n, width, height) == lengths
    boxes = tiles((0, 0, width, height), n)
    assert len(boxes) == n and boxes[0][0] == 0 and boxes[0][3] == height                  # top left first
    assert sum((x2 - x1) * (y2 - y1) for x1, y1, x2, y2 in boxes) == pytest.approx(width * height)


def test_a_site_on_a_tile_edge_goes_right_and_down():
    from maskgen.assembly.subarrays import split
    from maskgen.input.site import Site
    edge = [Site("a", 5, 5), Site("b", 5, 7), Site("c", 2, 5), Site("d", 0, 10), Site("e", 10, 0), Site("f", 4.9, 5.1)]
    # box 0..10 x 0..10 in 2 x 2 tiles: a on the corner of all four goes to the bottom right, b on the vertical
    # edge of the top row to the right, c on the horizontal edge to the bottom; the outer corners stay in
    parts = split(edge, (0, 0, 10, 10), 4)
    assert [[s.name for s in p] for p in parts] == [["d", "f"], ["b"], ["c"], ["a", "e"]]
