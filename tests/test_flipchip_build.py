"""OpenROAD's flip-chip built end to end from its unmodified DEF and LEFs: nets routed as the design has them, a
partial result kept and marked, and the routed RDL written back into the DEF (read back with KLayout)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import klayout.db as kdb
import klayout.rdb as rdb
import pytest
import yaml
from typer.testing import CliRunner

from maskgen.build import build
from maskgen.cli import app

DATA = Path(__file__).parent / "data"
RECIPE = DATA / "recipes" / "openroad_flipchip.yaml"
OPENROAD = DATA / "third_party" / "openroad_pad"
CENTRE_NM = (1_500_000, 1_500_000)  # DIEAREA ( 0 0 ) ( 6000000 6000000 ) at 2000 units per um: 1500 um


@pytest.fixture(scope="module")
def flipchip(tmp_path_factory: pytest.TempPathFactory):
    """The flip-chip recipe built once (with DRC)."""
    return build(RECIPE, tmp_path_factory.mktemp("flipchip"))


def _top_rdl_nm(gds: Path) -> kdb.Region:
    """The routed lines: RDL shapes of the die cell itself (lands and pads are in their own cells), in nm."""
    ly = kdb.Layout()
    ly.read(str(gds))
    top = ly.top_cell()
    assert ly.dbu == pytest.approx(0.001)
    return kdb.Region(top.shapes(ly.layer(14, 0))).merged()


def _def_metal10_nm(path: Path) -> kdb.Region:
    """metal10 wiring of a DEF as KLayout's LEF/DEF reader draws it, moved to the die centre, in nm."""
    ly = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    opt.lefdef_config.lef_files = [str((OPENROAD / n).resolve()) for n in
                                   ("Nangate45__Nangate45_tech.lef", "Nangate45_io__dummy_pads.lef")]
    opt.lefdef_config.dbu = 0.001
    ly.read(str(path), opt)
    li = next(i for i in ly.layer_indexes() if ly.get_info(i).to_s() == "metal10 (21/0)")
    return kdb.Region(ly.top_cell().begin_shapes_rec(li)).moved(-CENTRE_NM[0], -CENTRE_NM[1]).merged()


def test_the_design_as_handed_over(flipchip) -> None:
    rt = flipchip.manifest.as_json()["routing"]
    assert flipchip.manifest.as_json()["bump_count"] == 276
    assert rt["net_count"] == 139 and len(rt["nets"]) == 139
    assert len(rt["spare_bumps"]) == 39
    supply = {n["net"]: (len(n["pads"]), len(n["bumps"])) for n in rt["nets"] if not n["net"].startswith("p_")}
    assert supply == {"VDD": (17, 17), "VSS": (17, 17), "DVDD": (34, 34), "DVSS": (34, 34)}
    assert rt["line_width"] == 4.0 and rt["line_space"] == 4.0 and rt["style"] == "manhattan"
    # the figures add up: routed nets are those without an unrouted connection
    open_nets = {u["net"] for u in rt["unrouted"]}
    assert rt["routed"] == 139 - len(open_nets) >= 130
    assert all(n["routed"] == (n["net"] not in open_nets) for n in rt["nets"])
    assert rt["total_length"] == pytest.approx(sum(n["length"] for n in rt["nets"]), abs=0.01)


def test_every_net_routed_and_drc_clean(flipchip) -> None:
    """At the recipe's 80 um DIE.EDGE keep-out (no line outside the pad ring) all 139 nets are routed and the DRC
    report written holds no marker. Read back from the written GDS: every bump of a routed net lies in one piece
    of RDL metal with a pad of its net, and no piece holds terminals of two nets (DVSS's BUMP_7_14, walled in by
    four signal lines until the repair walls off the lines that could not make way for it, included)."""
    manifest = json.loads(flipchip.files["json"].read_text(encoding="utf-8"))
    rt = manifest["routing"]
    assert (rt["routed"], rt["net_count"], rt["unrouted"]) == (139, 139, [])
    db = rdb.ReportDatabase("")
    db.load(str(flipchip.files["lyrdb"]))
    assert [db.category_by_id(item.category_id()).name() for item in db.each_item()] == []
    ly = kdb.Layout()
    ly.read(str(flipchip.files["gds"]))
    metal = kdb.Region(ly.top_cell().begin_shapes_rec(ly.layer(14, 0))).merged()
    pads = [(s["net"], False, s["x"], s["y"]) for s in rt["pad_sites"]]
    bumps = [(b["net"], True, b["x"], b["y"]) for b in manifest["bumps"] if b.get("net")]
    routed = {n["net"] for n in rt["nets"]}
    pieces: dict[tuple[str, str, float, float], int] = {}
    for k, poly in enumerate(metal.each()):
        box = poly.bbox()
        for net, bump, x, y in pads + bumps:
            pt = kdb.Point(round(x * 1000), round(y * 1000))
            if box.contains(pt) and poly.inside(pt):
                pieces[(net, "bump" if bump else "pad", x, y)] = k
    nets_in: dict[int, set[str]] = {}
    for (net, _, _, _), k in pieces.items():
        nets_in.setdefault(k, set()).add(net)
    assert all(len(nets) == 1 for nets in nets_in.values())
    for net, _, x, y in (b for b in bumps if b[0] in routed):
        k = pieces[(net, "bump", x, y)]
        assert any(key[0] == net and key[1] == "pad" and j == k for key, j in pieces.items()), (net, x, y)
    assert sum(b[0] in routed for b in bumps) == 237


def test_a_signal_net_tree_and_its_resistance(flipchip) -> None:
    """A signal net of one pad and one bump: one wire, its longest pad-to-bump path is the wire itself, and the
    path's resistance is length / width x the RDL sheet resistance (3.4 mOhm/sq, electrical.yaml)."""
    nets = {n["net"]: n for n in flipchip.manifest.as_json()["routing"]["nets"]}
    n = nets["p_ddr_dq_0_io"]
    assert n["pads"] == ["u_ddr_dq_0_io"] and n["bumps"] == ["BUMP_3_7"] and n["routed"]
    path = n["longest_path"]
    assert path["bump"] == "BUMP_3_7" and path["pad"] == "u_ddr_dq_0_io"
    assert path["length"] == pytest.approx(n["length"], abs=1e-3)
    assert path["resistance_mohm"] == pytest.approx(1000 * 0.0034 * n["length"] / 4.0, abs=1e-3)


def test_partial_result_is_kept_and_marked(flipchip) -> None:
    """Every connection left open is one RDL.UNROUTED marker (a flight line between its terminals), the rest of the
    DRC passes except RDL.CONNECT at the bumps those connections leave open."""
    rt = flipchip.manifest.as_json()["routing"]
    drc = flipchip.drc
    markers = drc.violations_of("RDL.UNROUTED")
    assert len(markers) == len(rt["unrouted"])
    for u, v in zip(sorted(rt["unrouted"], key=lambda u: (u["net"], u["from"])),
                    sorted(markers, key=lambda v: v.message), strict=True):
        assert v.message.startswith(f"net {u['net']}: {u['from']} -> {u['to']} not routed")
        xs, ys = sorted([u["from_xy"][0], u["to_xy"][0]]), sorted([u["from_xy"][1], u["to_xy"][1]])
        assert v.bbox == pytest.approx((xs[0], ys[0], xs[1], ys[1]), abs=0.001)
    failing = sorted(r.id for r in drc.rules if r.status == "fail")
    assert failing == (["RDL.CONNECT", "RDL.UNROUTED"] if rt["unrouted"] else [])
    for rule in ("RDL.SPACE", "RDL.WIDTH", "PASV.IN_PAD", "PASV.WIDTH", "DIE.EDGE", "GRID"):
        assert drc.rule(rule).status == "pass", rule


def test_routed_def_reads_back_as_the_drawn_lines(flipchip) -> None:
    """<name>_rdl.def: KLayout's reader gives exactly the routed lines of the GDS (XOR empty), on metal10."""
    target = flipchip.files["rdl_def"]
    assert target.name == "openroad_flipchip_rdl.def"
    text = target.read_text(encoding="utf-8")
    assert "SPECIALNETS" in text and "+ ROUTED metal10 8000 " in text        # 4 um at 2000 units per um
    source = (OPENROAD / "Nangate45_blackparrot__floorplan_flipchip.def").read_text(encoding="utf-8")
    assert text.startswith(source[:source.index("SPECIALNETS")])     # everything before is the designer's
    lines, wires = _top_rdl_nm(flipchip.files["gds"]), _def_metal10_nm(target)
    assert lines.area() > 4000 * 90_000_000 // 1000                      # > 90 mm of 4 um line
    assert (lines ^ wires).is_empty()


def test_build_exit_codes_of_a_partial_result(tmp_path: Path) -> None:
    """A job with unrouted connections writes its layout and exits 1 (0 with --allow-dirty), as a dirty DRC."""
    recipe = tmp_path / "tight.yaml"
    data = yaml.safe_load(RECIPE.read_text())
    for key in ("bump_map", "pads"):
        data["die"][key]["file"] = str(OPENROAD / Path(data["die"][key]["file"]).name)
        data["die"][key]["lef"] = [str(OPENROAD / Path(p).name) for p in data["die"][key]["lef"]]
    data["die"]["routing"]["nets"] = ["p_ddr_dq_1*", "DVSS"]
    data["die"]["routing"].update({"line_width": 20, "line_space": 20, "land_diameter": 120})
    recipe.write_text(yaml.safe_dump(data))
    runner = CliRunner()
    res = runner.invoke(app, ["build", str(recipe), "--out", str(tmp_path / "out"), "--no-drc"])
    manifest = json.loads((tmp_path / "out" / "openroad_flipchip" / "openroad_flipchip.json").read_text())
    unrouted = manifest["routing"]["unrouted"]
    assert unrouted, "120 um lands at 160 um pitch leave 40 um between bumps: no 20/20 um line passes"
    assert res.exit_code == 1, res.output
    assert f"routed {manifest['routing']['routed']}/{manifest['routing']['net_count']} nets" in res.output
    assert (tmp_path / "out" / "openroad_flipchip" / "openroad_flipchip.gds").is_file()
    res = runner.invoke(app, ["build", str(recipe), "--out", str(tmp_path / "out2"), "--no-drc", "--allow-dirty"])
    assert res.exit_code == 0, res.output


def test_daisy_chain_one_pad_three_bumps(tmp_path: Path) -> None:
    """OpenROAD's daisy-chain test: net p_ddr_dm_1_o on BUMP_0_0, BUMP_11_12 and BUMP_12_12 and its pad cell's PAD
    pin (the DEF rewritten at run time, as rdl_route_daisy_chain.tcl assigns the bumps): one tree, every bump
    reaching the pad through RDL (RDL.CONNECT reads it from the layout)."""
    folder = tmp_path / "d"
    folder.mkdir()
    for name in ("Nangate45__Nangate45_tech.lef", "Nangate45_io__dummy_pads.lef"):
        shutil.copy(OPENROAD / name, folder / name)
    text = (OPENROAD / "Nangate45_blackparrot__floorplan_flipchip.def").read_text(encoding="utf-8")
    chain = ["BUMP_0_0", "BUMP_11_12", "BUMP_12_12"]
    for bump in chain:
        text = text.replace(f"( {bump} PAD ) ", "")
    text = text.replace("- p_ddr_dm_1_o ( PIN p_ddr_dm_1_o )",
                        "- p_ddr_dm_1_o ( PIN p_ddr_dm_1_o ) " + " ".join(f"( {b} PAD )" for b in chain))
    (folder / "chain.def").write_text(text, encoding="utf-8")
    data = yaml.safe_load(RECIPE.read_text())
    for key in ("bump_map", "pads"):
        data["die"][key]["file"] = "chain.def"
        data["die"][key]["lef"] = ["Nangate45__Nangate45_tech.lef", "Nangate45_io__dummy_pads.lef"]
    data["die"]["routing"]["nets"] = ["p_ddr_dm_1_o"]
    (folder / "chain.yaml").write_text(yaml.safe_dump(data))
    res = build(folder / "chain.yaml", tmp_path / "out")
    [net] = res.manifest.as_json()["routing"]["nets"]
    assert net["net"] == "p_ddr_dm_1_o" and sorted(net["bumps"]) == sorted(chain) and len(net["pads"]) == 1
    assert net["routed"] and not res.manifest.as_json()["routing"]["unrouted"]
    assert res.drc.rule("RDL.CONNECT").status == "pass" and res.drc.clean, res.drc.verdict()
    assert net["longest_path"]["bump"] in ("BUMP_11_12", "BUMP_12_12")   # the far ones


KLAYOUT = shutil.which("klayout")


@pytest.mark.skipif(KLAYOUT is None and os.environ.get("MASKGEN_REQUIRE_KLAYOUT") != "1",
                    reason="desktop KLayout (klayout -b) is not installed")
def test_routed_lines_clean_in_the_klayout_deck(flipchip, tmp_path) -> None:
    """The generated deck of the recipe (its 4/4 um rules), run by KLayout on the routed flip-chip: no RDL.SPACE or
    RDL.WIDTH marker (the lines keep exactly the rule, as the router modelled them)."""
    assert KLAYOUT is not None, "MASKGEN_REQUIRE_KLAYOUT=1 but no klayout executable on PATH"
    res = CliRunner().invoke(app, ["deck", "--recipe", str(RECIPE), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    deck = tmp_path / "ball_drop.drc"
    assert 'L["RDL"].space_check(um(4.0))' in deck.read_text()
    report = tmp_path / "deck.lyrdb"
    proc = subprocess.run([KLAYOUT, "-b", "-r", str(deck), "-rd", f"input={flipchip.files['gds']}",
                           "-rd", f"report={report}"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = rdb.ReportDatabase("")
    db.load(str(report))
    rules = {db.category_by_id(item.category_id()).name() for item in db.each_item()}
    assert not rules & {"RDL.SPACE", "RDL.WIDTH"}, rules
    assert flipchip.drc.rule("RDL.SPACE").status == flipchip.drc.rule("RDL.WIDTH").status == "pass"
