"""Several bump types on one die (recipe bump_types): one cell per type, sites chosen by ball, region, net,
ring or CSV column, figures per type in the manifest, and the bridging check between neighbours of different
types with each bump's own reflowed outline (hand-worked below)."""

from __future__ import annotations

import json

import klayout.db as kdb
import pytest
from recipe_variants import load_template, set_keys, write_recipe

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
POWER = {"name": "power", "bump": {"pad": {"width": 285, "shape": "octagon"}, "passivation_opening": 225,
                                   "ubm_diameter": 260},
         "solder": {"alloy": "SAC305", "ball_diameter": 300}, "ball_drop": {"polymer_opening": 330}}


def _variant(tmp_path, name, types, **changes):
    data = load_template("test_vehicle")
    data["bump_types"] = types
    data["die"].pop("test_structures")           # bump types alone (test_test_structures.py covers the chain)
    for role in ("insulator", "rdl"):
        data["materials"].pop(role)
    return write_recipe(tmp_path, name, set_keys(data, changes))


def _diameters(gds, layer):
    """Centre (um) -> bounding-box width (um) of each shape on a layer."""
    return {(round(p.bbox().center().x * gds.dbu, 3), round(p.bbox().center().y * gds.dbu, 3)):
            round(p.bbox().width() * gds.dbu, 1) for p in gds.region(layer).each()}


def test_test_vehicle_two_bump_types(tmp_path, read_gds):
    res = build(TEMPLATES / "test_vehicle.yaml", tmp_path)
    assert res.drc.clean
    types = {t["name"]: t for t in res.manifest.as_json()["bump_types"]}
    assert {n: t["count"] for n, t in types.items()} == {"ball_drop_bump": 97, "power": 3}
    gds = read_gds(res.files["gds"])
    balls = _diameters(gds, "BUMP")
    ubm = _diameters(gds, "UBM")
    power_at = {(1800.0, 1800.0), (1800.0, -1800.0), (-200.0, -200.0)}     # A1, K1 (A1 top-left seen from the top)
    assert len(balls) == 100
    assert {xy for xy, d in balls.items() if d > 275} == power_at
    assert {round(d) for xy, d in balls.items() if xy in power_at} == {300}
    assert {round(d) for xy, d in balls.items() if xy not in power_at} == {250}
    assert {round(d) for xy, d in ubm.items() if xy in power_at} == {260}
    # every type is one cell: two bump cells referenced by the die
    bump_cells = {gds.layout.cell(i.cell_index).name for i in gds.top.each_inst()}
    assert len({n for n in bump_cells if "_bump_" in n}) == 2
    rows = {b["name"]: b["type"] for b in res.manifest.as_json()["bumps"]}
    assert rows["A1"] == rows["K1"] == "power" and rows["B2"] == "base"
    # bridging margins, by hand: base-base 400 - 260.9 = 139.1; power-base 400 - (313.6 + 260.9) / 2 = 112.7
    wb, wp = types["ball_drop_bump"]["reflow_width"], types["power"]["reflow_width"]
    assert types["power"]["bridging_margin"] == pytest.approx(400 - (wp + wb) / 2, abs=1e-3)
    assert types["ball_drop_bump"]["bridging_margin"] == pytest.approx(400 - (wp + wb) / 2, abs=1e-3)
    assert types["power"]["min_pitch"] == 400


def test_bridging_between_types_uses_both_outlines(cli, tmp_path):
    """At 330 um pitch base bumps keep 330 - 260.9 = 69 um (> BUMP.SPACE 50) but a power bump and its base
    neighbour only 330 - 287.3 = 42.7 um: refused, naming both bumps."""
    ok = _variant(tmp_path, "tight_ok", [], **{"die.bump_map.pitch": [330, 330]})
    code, _, err = cli("build", ok, "--out", tmp_path / "out", "--no-drc")
    assert code == 0, err
    bad = _variant(tmp_path, "tight", [{**POWER, "balls": ["E5"]}], **{"die.bump_map.pitch": [330, 330]})
    code, _, err = cli("build", bad, "--out", tmp_path / "out")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "E5 (power, 313.6 um" in err and "260.9 um" in err and "330.0 um apart, leaving 42.7 um" in err
    assert "BUMP.SPACE needs 50 um" in err
    assert not (tmp_path / "out" / "tight").exists()


def test_types_by_net_from_a_csv_column_and_by_ring(tmp_path, read_gds):
    rows = ["name,x,y,net,type", "P1,-800,0,VDD,power", "S1,0,0,IO1,", "S2,800,0,GND,", "S3,0,800,IO2,base"]
    (tmp_path / "balls.csv").write_text("\n".join(rows) + "\n")
    res = build(_variant(tmp_path, "bynet", [{**POWER, "nets": ["GND"]}],
                         **{"die.bump_map": {"kind": "csv", "file": "balls.csv"}}), tmp_path)
    assert {b.name: b.type for b in res.manifest.bumps or []} == {"P1": "power", "S1": "base", "S2": "power",
                                                                     "S3": "base"}
    ring = build(_variant(tmp_path, "rings", [{**POWER, "rings": [1]}],
                          **{"die.bump_map": {"kind": "ring", "pitch": 800, "count": [6, 6], "rings": 2}}), tmp_path)
    counts = {t["name"]: t["count"] for t in ring.manifest.as_json()["bump_types"]}
    assert counts == {"ball_drop_bump": 20, "power": 12}          # outer ring 4 x 5, inner ring 4 x 3
    assert ring.drc.clean


@pytest.mark.parametrize("types,changes,needle", [
    ([{**POWER, "balls": ["Z9"]}], {}, "bump_types[0].balls = 'Z9': no bump of that name"),
    ([{**POWER, "rings": [0]}], {}, "rings select sites of a ring map"),
    ([{**POWER, "name": "base"}], {}, "bump type names must be unique"),
    ([{**POWER, "flux_fill": {"resist_opening": 300}}], {}, "bump_types[0].flux_fill"),
    ([{**POWER, "bump": {**POWER["bump"], "ubm_diameter": 200}}], {}, "bump type power"),
])
def test_bad_bump_types(cli, tmp_path, types, changes, needle):
    code, _, err = cli("build", _variant(tmp_path, "badtypes", types, **changes), "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err


def test_unknown_type_in_the_csv(cli, tmp_path):
    (tmp_path / "balls.csv").write_text("name,x,y,net,type\nP1,0,0,VDD,huge\n")
    code, _, err = cli("build", _variant(tmp_path, "csvtype", [POWER],
                                         **{"die.bump_map": {"kind": "csv", "file": "balls.csv"}}),
                       "--out", tmp_path / "out")
    assert code == 2 and "'huge'" in err and "known: base, power" in err


def test_mask_critical_dimension_is_the_smallest_type(cli, tmp_path):
    """PAD 240 / 285 um octagons at 400 um pitch: the CD is the 137.5 um space beside the power pad (400 - 142.5 -
    120), measured where the two types meet; UBM and POLY likewise (their widths are larger than those spaces)."""
    recipe = _variant(tmp_path, "cd", [{**POWER, "balls": ["A1"]}])
    code, out, err = cli("masks", recipe, "--out", tmp_path / "out")
    assert code == 0, out + err
    listed = json.loads((tmp_path / "out" / "cd" / "masks" / "mask_list.json").read_text())["masks"]
    rows = {m["mask"]: m for m in listed}
    assert (rows["PAD"]["critical_dimension"], rows["PAD"]["cd_kind"]) == (pytest.approx(400 - 142.5 - 120, abs=0.01),
                                                                         "space")
    # circles: power UBM 260 / POLY 330 beside base UBM 215 / POLY 280 at 400 um: 162.5 and 95 um apart
    assert rows["UBM"]["critical_dimension"] == pytest.approx(400 - 130 - 107.5, abs=0.2)
    assert rows["POLY"]["critical_dimension"] == pytest.approx(400 - 165 - 140, abs=0.2)


def test_spacing_figures_against_brute_force():
    """Nearest pitch and tightest margin of each type on a random two-type map equal a brute-force search."""
    import math
    from types import SimpleNamespace

    import numpy as np

    from maskgen.design.bumptypes import BumpKind, check_spacing
    from maskgen.layout.sites import Site

    rng = np.random.default_rng(3)
    pts = np.round(rng.uniform(-5000, 5000, size=(300, 2)), 3)
    widths = {0: 20.0, 1: 35.0}
    kinds = []
    for t in (0, 1):
        fig = SimpleNamespace(reflow_width=widths[t], min_pitch=0.0, bridging_margin=0.0)
        sites = [Site(f"S{t}_{i}", float(x), float(y)) for i, (x, y) in enumerate(pts[t::2])]
        kinds.append(BumpKind(f"t{t}", SimpleNamespace(bump=fig), sites))
    design = SimpleNamespace(pdk=SimpleNamespace(rule_value=lambda _rule: -1e9), file=None)   # never refuse
    check_spacing(design, kinds)
    everyone = [(s, widths[t]) for t, k in enumerate(kinds) for s in k.sites]
    for t, kind in enumerate(kinds):
        pitch = margin = math.inf
        for s, ws in ((s, widths[t]) for s in kind.sites):
            for o, wo in everyone:
                if o is s:
                    continue
                d = math.hypot(s.x - o.x, s.y - o.y)
                pitch, margin = min(pitch, d), min(margin, d - (ws + wo) / 2)
        assert kind.design.bump.min_pitch == pytest.approx(pitch, abs=1e-9)
        assert kind.design.bump.bridging_margin == pytest.approx(margin, abs=1e-9)


def test_a_bump_type_may_not_change_the_process_steps(cli, tmp_path):
    """An embodiment-3 type (sacrificial layer kept, no release) on an embodiment-2 die (released through etch
    windows 160) would need another step list; the DRC checks a die against one, so it is refused."""
    data = load_template("cantilever_wlcsp")
    kept = {**data["cantilever"], "embodiment": 3}
    data["bump_types"] = [{"name": "kept", "cantilever": kept, "balls": ["A1", "A2"]}]
    path = write_recipe(tmp_path, "mixed", data)
    code, out, err = cli("build", path, "--out", tmp_path / "out")
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1
    assert "bump_types[0].cantilever = 'release off'" in err and "same process steps" in err
    assert not (tmp_path / "out" / "mixed").exists()
    data["bump_types"][0]["cantilever"]["embodiment"] = 1      # line only, released: the same steps as 2
    data["bump_types"][0]["cantilever"]["support_beams"]["count"] = 0
    code, out, err = cli("build", write_recipe(tmp_path, "mixed", data), "--out", tmp_path / "out")
    assert code == 0, out + err


def test_susp_arms_checks_each_bump_against_its_own_type(tmp_path, pdk):
    """Types with 2 and 0 support beams 111: each bump is held by its own type's arms (3 and 1). Swapping the
    declared counts must fail every bump (a union of the counts, {1, 3}, would pass them all)."""
    from maskgen.drc import run_drc

    data = load_template("cantilever_wlcsp")
    line_only = {**data["cantilever"], "embodiment": 1, "support_beams": {"count": 0, "width": 20, "overhang": 30}}
    data["bump_types"] = [{"name": "line_only", "cantilever": line_only, "balls": ["A1", "A2", "B1", "B2"]}]
    res = build(write_recipe(tmp_path, "arms", data), tmp_path / "out")
    assert res.drc.clean
    assert res.drc.rule("SUSP.ARMS").status == "pass"
    swapped = json.loads(json.dumps(res.manifest.as_json()))
    beams = {t["name"]: t["support_beams"] for t in swapped["bump_types"]}
    assert beams == {"cantilever_wlcsp_bump": 2, "line_only": 0}
    for t in swapped["bump_types"]:
        t["support_beams"] = 2 - t["support_beams"]
    result = run_drc(res.files["gds"], pdk, manifest=swapped)
    found = [v.message for v in result.violations if v.rule == "SUSP.ARMS"]
    assert len(found) == 100
    assert sum("held by 2 or more RDL arms" in m and m.endswith("expected 1") for m in found) == 96
    assert sum("held by 1 RDL arm " in m and m.endswith("expected 3") for m in found) == 4


def test_two_step_types_with_other_rdl_lines_get_their_own_cells(tmp_path, read_gds):
    """A bump type whose fixed RDL line is wider (two_step.rdl.line_width 30 vs 20 um) is its own bump cell: on
    main before the assembled-cell names, the line width was not in the bump cell's name and both types shared
    the first one's 20 um line."""
    data = load_template("two_step_ball")
    wide = {**data["two_step"], "rdl": {**data["two_step"]["rdl"], "line_width": 30}}
    data["bump_types"] = [{"name": "wide", "two_step": wide, "balls": ["A1", "A2"]}]
    res = build(write_recipe(tmp_path, "two_rdl", data), tmp_path / "out", run_drc=False)
    gds = read_gds(res.files["gds"])
    ly = gds.layout
    placed: dict[str, int] = {}
    for inst in gds.top.each_inst():
        name = ly.cell(inst.cell_index).name
        if name.startswith("two_step_ball_bump"):
            placed[name] = placed.get(name, 0) + inst.size()
    assert sorted(placed.values()) == [2, 98]
    rdl = ly.find_layer(14, 0)
    narrow = {}
    for name, count in placed.items():
        lines = kdb.Region(ly.cell(name).begin_shapes_rec(rdl)).merged()
        narrow[count] = not lines.width_check(round(25 / ly.dbu)).is_empty()    # a part under 25 um wide
    assert narrow == {98: True, 2: False}      # the base type's 20 um line; the wide type's 30 um line
