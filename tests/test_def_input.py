"""OpenROAD's flip-chip RDL test design read as its designer hands it over (tests/data/third_party/openroad_pad,
unmodified): DEF and LEF as OpenROAD and KLayout read them, terminals at pin level, nets as the design has them,
the die from DIEAREA, and every terminal where OpenROAD's routed result (rdl_route.defok) puts a wire end."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build
from maskgen.design.fanout import netlist
from maskgen.input import defmap
from maskgen.input.defmap import read_def
from maskgen.input.recipe import load_recipe
from maskgen.input.terminals import read_terminals
from maskgen.layout.sites import pad_sites, sites

DATA = Path(__file__).resolve().parent / "data"
OR = DATA / "third_party" / "openroad_pad"
DEF = OR / "Nangate45_blackparrot__floorplan_flipchip.def"
DEF45 = OR / "Nangate45_blackparrot__floorplan_flipchip_45.def"
LEFS = [OR / "Nangate45__Nangate45_tech.lef", OR / "Nangate45_io__dummy_pads.lef"]
RECIPE = DATA / "recipes" / "openroad_flipchip.yaml"


def _design(recipe: Path = RECIPE):
    """Bumps, pads and the selected nets of a recipe."""
    r = load_recipe(recipe)
    bumps = sites(r.die.bump_map, recipe.parent, r.die.naming)
    pads = pad_sites(r.die.pads, recipe.parent)
    return r, bumps, pads, netlist(pads, bumps, r.die.fan_out.nets, recipe)


def _variant(tmp_path: Path, edit=None, def_file: Path = DEF, pdk: Path | None = None) -> Path:
    """The flip-chip recipe in tmp_path with absolute file paths, the DEF (edited) copied, and a PDK folder."""
    data = yaml.safe_load(RECIPE.read_text())
    text = def_file.read_text()
    local = tmp_path / def_file.name
    local.write_text(edit(text) if edit else text)
    for key in ("bump_map", "pads"):
        data["die"][key]["file"] = str(local)
        data["die"][key]["lef"] = [str(p) for p in LEFS]
    if def_file == DEF45:
        data["die"]["bump_map"]["macro"] = "DUMMY_BUMP_45"
    if pdk is not None:
        data["pdk"] = str(pdk)
    path = tmp_path / "flipchip.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _house_pdk(tmp_path: Path, values: dict[str, float]) -> Path:
    """A copy of the default PDK with some rule values changed (stands in for a recipe's `rules:` override)."""
    dst = tmp_path / "house_pdk"
    shutil.copytree(Path(__file__).resolve().parent.parent / "pdk" / "default", dst)
    text = (dst / "rules.yaml").read_text()
    for rid, v in values.items():
        text, n = re.subn(rf"(- id: {re.escape(rid)}\n    value: )[0-9.]+", rf"\g<1>{float(v)}", text)
        assert n == 1, rid
    (dst / "rules.yaml").write_text(text)
    return dst


def test_the_recipe_reads_the_flip_chip():
    """About 20 lines: 276 bumps, 139 selected nets, 39 spare bumps (the DUMMY_BUMPs on no net), the die from
    DIEAREA (3000 x 3000 um at UNITS 2000)."""
    assert len([ln for ln in RECIPE.read_text().splitlines() if ln.strip() and not ln.startswith("#")]) <= 25
    r, bumps, pads, nl = _design()
    assert r.die.size == (3000.0, 3000.0)
    assert len(bumps) == 276 and len(pads) == 237
    assert len(nl.nets) == 139
    assert sorted(nl.nets)[:4] == ["DVDD", "DVSS", "VDD", "VSS"]
    assert sum(n.startswith("p_") for n in nl.nets) == 135
    without_net = sorted(c.name for c in read_def(DEF).components.values()
                         if c.macro == "DUMMY_BUMP" and not read_def(DEF).component_nets(c.name))
    assert len(without_net) == 39 and sorted(b.name for b in nl.spare_bumps) == without_net
    assert nl.idle_pads == []
    # bump BUMP_0_0: FIXED ( 420000 430000 ) N, 45 x 45 um macro: centre (232.5, 237.5) um from the die corner
    b00 = next(b for b in bumps if b.name == "BUMP_0_0")
    assert (b00.x, b00.y, b00.net) == (232.5 - 1500, 237.5 - 1500, "p_ddr_dm_1_o")
    assert b00.outline == ((-22.5, -22.5), (22.5, -22.5), (22.5, 22.5), (-22.5, 22.5))
    # supply nets join several pad cells (their VDD / VSS / DVDD / DVSS pin) and several bumps
    assert {n: (len(nl.nets[n][0]), len(nl.nets[n][1])) for n in ("VDD", "VSS", "DVDD", "DVSS")} == {
        "VDD": (17, 17), "VSS": (17, 17), "DVDD": (34, 34), "DVSS": (34, 34)}


def _wire_ends(defok: Path) -> dict[str, list[tuple[float, float]]]:
    """Each net's wire ends in a routed DEF, um from the die centre."""
    d = read_def(defok)
    cx, cy = d.centre
    ends: dict[str, list[tuple[float, float]]] = {}
    for w in d.wires:
        for x, y in (w.points[0], w.points[-1]):
            ends.setdefault(w.net, []).append((x - cx, y - cy))
    return ends


def _off_shape(s, end: tuple[float, float]) -> float:
    """Distance (um) from a wire end to a terminal's own shape (0 inside)."""
    poly = kdb.DPolygon([kdb.DPoint(s.x + x, s.y + y) for x, y in s.outline])
    p = kdb.DPoint(*end)
    return 0.0 if poly.inside(p) else min(kdb.DEdge(e.p1, e.p2).euclidian_distance(p) for e in poly.each_edge())


CENTRE_OFF_45 = {"u_v18_33", "u_vzz_25", "u_vzz_26", "u_vzz_5", "u_vdd_6", "u_bsg_tag_data_o", "u_ci2_tkn_i",
                 "u_co_tkn_o", "u_ddr_addr_11_o", "u_ddr_dq_15_io", "u_ddr_dq_21_io", "u_ddr_dq_28_io"}
"""Pads whose wire rdl_route -allow45 ends at the end of the 10 um PAD pin, 5 um from its centre."""


@pytest.mark.parametrize("def_file,defok", [(DEF, "rdl_route.defok"), (DEF45, "rdl_route_45.defok")])
def test_every_terminal_is_where_openroad_ends_a_wire(tmp_path, def_file, defok):
    """Every bump and pad terminal of the 139 nets (474) has one of its net's wire ends in OpenROAD's routed
    result on its own shape, to 1 nm, and at its centre: in rdl_route.defok all but pad u_vdd_pll, which
    OpenROAD leaves unrouted (VDD has 17 pads and 17 bumps, rdl_route joins each bump to a pad, two of them to
    one pad); in rdl_route_45.defok every one, 12 pads' wires ending at the end of the pin, 5 um off its
    centre. The _45 design places DUMMY_BUMP_45 (ORIGIN 22.5 22.5, an octagonal POLYGON pin)."""
    recipe = RECIPE if def_file == DEF else _variant(tmp_path, def_file=def_file)
    _, bumps, pads, nl = _design(recipe)
    ends = _wire_ends(OR / defok)
    off_centre, off_shape = {}, {}
    for net, (ps, bs) in nl.nets.items():
        for s in ps + bs:
            d = min(math.dist((s.x, s.y), e) for e in ends[net])
            if d > 0.001:
                off_centre[s.name] = round(d, 3)
            if min(_off_shape(s, e) for e in ends[net]) > 0.001:
                off_shape[s.name] = True
    assert sum(len(p) + len(b) for p, b in nl.nets.values()) == 474
    if def_file == DEF:
        assert off_centre == {"u_vdd_pll": 245.0} and off_shape == {"u_vdd_pll": True}
    else:
        assert off_centre == dict.fromkeys(CENTRE_OFF_45, 5.0) and off_shape == {}
        b = next(b for b in bumps if b.name == "BUMP_0_0")
        assert (b.x, b.y) == (232.5 - 1500, 237.5 - 1500)
        assert len(b.outline) == 8 and max(x for x, _ in b.outline) == 22.5


def test_routed_wires_of_the_defok():
    """The routed-wire reader: every ROUTED / NEW segment of rdl_route.defok, metal10, 4 um (8000 at UNITS
    2000), on the 139 routed nets; the first wire starts on the PAD pin centre of a pad cell."""
    text = (OR / "rdl_route.defok").read_text()
    d = read_def(OR / "rdl_route.defok")
    assert len(d.wires) == len(re.findall(r"(?:ROUTED|NEW) metal10 8000", text)) > 1000
    assert {w.layer for w in d.wires} == {"metal10"} and {w.width for w in d.wires} == {4.0}
    assert len({w.net for w in d.wires}) == 139
    assert d.wires[0].net == "DVDD" and d.wires[0].points == ((1720.0, 87.5), (1720.0, 101.27))


def test_declared_count_differing_is_a_warning(capsys):
    """COMPONENTS declares 1489 and holds 1452, NETS 358 and 354: as OpenROAD and KLayout read it, a warning
    line each naming file and line, and the design read."""
    defmap._CACHE.clear()
    d = read_def(DEF)
    err = capsys.readouterr().err.splitlines()
    assert err == [f"maskgen: warning: {DEF}: line 35: COMPONENTS declares 1489 statements, the section holds 1452",
                   f"maskgen: warning: {DEF}: line 2961: NETS declares 358 statements, the section holds 354"]
    assert len(d.components) == 1452
    read_def(DEF)                               # read once per build: no second warning
    assert capsys.readouterr().err == ""


def test_a_component_on_four_nets_and_a_pad_cell_on_eight():
    """A filler on DVDD, DVSS, VDD and VSS (SPECIALNETS); a signal pad cell's pins each on their own net."""
    d = read_def(DEF)
    assert d.component_nets("IO_FILL_IO_WEST_0_485") == ["DVDD", "DVSS", "VDD", "VSS"]
    assert [d.net_of("IO_FILL_IO_WEST_0_485", p) for p in ("DVDD", "DVSS", "VDD", "VSS")] == [
        "DVDD", "DVSS", "VDD", "VSS"]
    assert d.net_of("u_ddr_dq_0_io", "PAD") == "p_ddr_dq_0_io"
    assert d.net_of("u_ddr_dq_0_io", "Y") == "core_ddr_dq_0_i"
    assert d.net_of("u_ddr_dq_0_io", "A") == "core_ddr_dq_0_o"
    assert len(d.component_nets("u_ddr_dq_0_io")) == 8


def test_wildcard_connections(tmp_path):
    """`( * VDD )` puts pin VDD of every component on net VDD; a named connection wins."""
    text = DEF.read_text().replace("    - VDD ( PIN VDD ) ( IO_FILL", "    - VDD ( PIN VDD ) ( * VDD ) ( IO_FILL", 1)
    (tmp_path / "w.def").write_text(text)
    d = read_def(tmp_path / "w.def")
    assert d.net_of("u_ddr_dq_0_io", "VDD") == "VDD" and d.net_of("BUMP_0_0", "VDD") == "VDD"
    assert d.net_of("u_ddr_dq_0_io", "PAD") == "p_ddr_dq_0_io"


def test_a_pin_with_several_ports():
    """PIN DVDD has 34 PORTs, each placed on a DVDD bump: 34 terminals DVDD.1 .. DVDD.34 at the bumps' centres."""
    terms = read_terminals(DEF, [], "pins", None, "DVDD", None, "die.bump_map", 100_000, "die.bump_map.max_bumps")
    assert [t.name for t in terms] == [f"DVDD.{k}" for k in range(1, 35)]
    assert terms[0].outline == ((-22.5, -22.5), (22.5, -22.5), (22.5, 22.5), (-22.5, 22.5))
    _, bumps, _, _ = _design()
    on_dvdd = sorted((b.x, b.y) for b in bumps if b.net == "DVDD")
    assert sorted((t.x, t.y) for t in terms) == on_dvdd and {t.net for t in terms} == {"DVDD"}
    every = read_terminals(DEF, [], "pins", None, None, None, "die.bump_map", 100_000, "die.bump_map.max_bumps")
    # 243 ports: the DEF gives DVSS one port twice and VDD five (22 ports on 17 places); on the 237 bumps on a net
    assert len(every) == 243 and len([t for t in every if t.component == "VDD"]) == 22
    assert {(t.x, t.y) for t in every} == {(b.x, b.y) for b in bumps if b.net}


def _klayout_pin_centre(def_file: Path, component: str) -> tuple[float, float]:
    """Where KLayout's LEF/DEF reader puts the metal10 pin shape of a component, um from the die centre."""
    ly = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    cfg = opt.lefdef_config
    cfg.lef_files = [str(p) for p in LEFS]
    cfg.dbu = 0.0005
    cfg.instance_property_name = 1
    cfg.macro_resolution_mode = 1               # LEF geometry even for macros with a FOREIGN cell
    opt.lefdef_config = cfg
    ly.read(str(def_file), opt)
    pin_layer = next(li for li in ly.layer_indexes() if ly.get_info(li).name == "metal10.PIN")
    inst = next(i for i in ly.top_cell().each_inst() if i.property(1) == component)
    box = kdb.Region(ly.cell(inst.cell_index).begin_shapes_rec(pin_layer)).transformed(inst.cplx_trans).bbox()
    return box.center().x * ly.dbu - 1500.0, box.center().y * ly.dbu - 1500.0


@pytest.mark.parametrize("def_file,component,macro", [(DEF, "u_ci2_0_o", "PADCELL_SIG_V"),
                                                      (DEF45, "BUMP_3_5", "DUMMY_BUMP_45")])
@pytest.mark.parametrize("orient", ["N", "S", "E", "W", "FN", "FS", "FE", "FW"])
def test_eight_orientations_as_klayout_places_them(tmp_path, def_file, component, macro, orient):
    """The real DEF with a pad cell (PAD pin 10 x 5 um, 17.5 um off the cell centre) or an octagonal bump
    (ORIGIN 22.5 22.5, POLYGON pin) turned to each orientation: the terminal lands where KLayout's LEF/DEF
    reader puts the pin, to 1 nm."""
    text = def_file.read_text()
    line = re.search(rf"- {component} {macro} \+ FIXED \( -?\d+ -?\d+ \) (\w+) ;", text)
    assert line
    edited = text.replace(line.group(0), line.group(0)[: line.start(1) - line.start(0)] + orient + " ;")
    path = tmp_path / f"{orient}.def"
    path.write_text(edited)
    terms = read_terminals(path, LEFS, "components", macro, None, "metal10", "die.pads", 100_000,
                           "die.pads.max_pads")
    ours = next(t for t in terms if t.name == component)
    kx, ky = _klayout_pin_centre(path, component)
    assert abs(ours.x - kx) <= 0.001 and abs(ours.y - ky) <= 0.001, (orient, (ours.x, ours.y), (kx, ky))


def test_which_pins_are_terminals():
    """Without pin: or layer:, the pins with a CLASS BUMP port (as the LEF marks them: PADCELL_SIG_V's PAD, the
    supply cells' VDD / VSS / DVDD / DVSS; PADCELL_SIG_H's PAD has no such port); with pin: PAD, the 135
    signal pads; a macro named outright that gives no terminal is refused with the keys that would."""
    def pads(macro, pin=None, layer=None):
        return read_terminals(DEF, LEFS, "components", macro, pin, layer, "die.pads", 100_000, "die.pads.max_pads")
    assert len(pads(["PADCELL_*"])) == 68 + 102
    assert len(pads(["PADCELL_*"], layer="metal10")) == 237
    signal = pads("PADCELL_SIG_*", pin="PAD")
    assert len(signal) == 135 and {t.pin for t in signal} == {"PAD"}
    vdd = pads("PADCELL_VDD_V")
    assert len(vdd) == 9 and {(t.pin, t.net) for t in vdd} == {("VDD", "VDD")}
    from maskgen.errors import InputError
    with pytest.raises(InputError, match="macro PADCELL_SIG_H has no pins with a CLASS BUMP port in the LEF "
                       r"\(its pins, CLASS CORE ports left out: PAD on metal10, RETN on metal4, SNS on metal4\); "
                       r"name its terminal pins \(die.pads.pin\) or the layer they are on \(die.pads.layer\)"):
        pads("PADCELL_SIG_H")


@pytest.mark.parametrize("edit,file,needle", [
    (lambda t: t.replace("( 420000 430000 )", "( 420000 43x000 )", 1), DEF.name,
     "def: line 36 = '43x000': expected a number"),
    (lambda t: t.replace("END COMPONENTS", "END COMPS", 1), DEF.name, "expected END COMPONENTS"),
    (lambda t: t.replace("- BUMP_0_0 DUMMY_BUMP + FIXED ( 420000 430000 ) N ;",
                         "- BUMP_0_0 DUMMY_BUMP + FIXED ( 420000 430000 ) NORTH ;"), DEF.name,
     "def: line 36 = 'NORTH': expected an orientation"),
])
def test_a_broken_file_is_refused_at_its_line(cli, tmp_path, edit, file, needle):
    """A true syntax error: one line naming the file and line, exit 2, nothing written."""
    defmap._CACHE.clear()
    recipe = _variant(tmp_path, edit)
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and file in lines[0] and needle in lines[0], err
    assert not (tmp_path / "out" / "openroad_flipchip").exists()


def test_a_broken_lef_is_refused_at_its_line(cli, tmp_path):
    """A LEF RECT with three numbers: one line with the LEF's file and line, exit 2."""
    lef = tmp_path / "pads.lef"
    lef.write_text(LEFS[1].read_text().replace("RECT 10.0 50.0 20.0 55.0 ;", "RECT 10.0 50.0 20.0 ;", 1))
    recipe = _variant(tmp_path)
    data = yaml.safe_load(recipe.read_text())
    data["die"]["pads"]["lef"] = [str(LEFS[0]), str(lef)]
    recipe.write_text(yaml.safe_dump(data))
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    lines = [ln for ln in err.strip().splitlines() if "warning" not in ln]
    assert code == 2 and len(lines) == 1, err
    assert "pads.lef: line 150 = 'RECT': RECT takes x1 y1 x2 y2" in lines[0]


def test_the_signal_nets_build(tmp_path, read_gds):
    """routing.nets: ["p_*"]: 135 nets of one pad and one bump each, routed at 4 um / 4 um (house PDK copy, as
    rdl_route does); 141 spare bumps (39 on no net, 102 on supply nets not selected) listed in the manifest
    and clear of every line; the 102 supply pads drawn, not routed; every pad drawn with its own 10 x 5 um shape.
    DRC clean: the recipe's own rules (a 2.8 um passivation opening, 1 um in the pin) fit the 10 x 5 um pins."""
    recipe = _variant(tmp_path, pdk=_house_pdk(tmp_path, {"DIE.EDGE": 80, "RDL.WIDTH": 4, "RDL.SPACE": 4}))
    data = yaml.safe_load(recipe.read_text())
    data["die"]["routing"].update({"nets": ["p_*"], "line_width": 4, "line_space": 4})
    recipe.write_text(yaml.safe_dump(data))
    res = build(recipe, tmp_path / "out")
    rt = res.manifest.as_json()["routing"]
    assert res.manifest.as_json()["die"]["size"] == [3000.0, 3000.0]
    assert rt["pads"] == rt["routed"] == 135 and rt["line_width"] == 4.0
    assert len(rt["spare_bumps"]) == 141 and len(rt["unrouted_pads"]) == 102
    assert {r.id for r in res.drc.rules if r.count} == set()   # the recipe's rules: fit the 10 x 5 um pins
    gds = read_gds(res.files["gds"])
    pads = list(gds.region("PAD").each())
    assert len(pads) == 237
    assert {(round(p.bbox().width() * 0.001, 3), round(p.bbox().height() * 0.001, 3)) for p in pads} <= {
        (10.0, 5.0), (5.0, 10.0)}
    # no line touches another net's land: the RDL falls apart into 135 routed nets (pad, line, bump land), the
    # 141 spare bumps' lands and the 102 supply pads' lands, none of the spare lands on a pad
    spare = {b["name"] for b in rt["spare_bumps"]}
    at = kdb.Region()
    for b in res.manifest.as_json()["bumps"]:
        if b["name"] in spare:
            x, y = round(b["x"] * 1000), round(b["y"] * 1000)
            at.insert(kdb.Box(x - 1, y - 1, x + 1, y + 1))
    rdl = gds.region("RDL").merged()
    assert rdl.count() == 135 + 141 + 102
    assert rdl.interacting(at).count() == 141 and rdl.interacting(at).interacting(gds.region("PAD")).is_empty()


def test_a_net_pattern_that_matches_nothing_is_refused(cli, tmp_path):
    """routing.nets names a net the pads and bumps do not have: one line naming the pattern, exit 2."""
    recipe = _variant(tmp_path, pdk=_house_pdk(tmp_path, {"DIE.EDGE": 80, "RDL.WIDTH": 4, "RDL.SPACE": 4}))
    data = yaml.safe_load(recipe.read_text())
    data["die"]["routing"]["nets"] = ["p_*", "q_*"]
    recipe.write_text(yaml.safe_dump(data))
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    lines = [ln for ln in err.strip().splitlines() if "warning" not in ln]
    assert code == 2 and lines == [f"maskgen: error: {recipe}: die.routing.nets = 'q_*': matches no net of the "
                                   "pads or bumps"], err


def test_the_die_size_is_needed_without_a_def(cli, tmp_path):
    """die.size left out of a recipe whose bumps and pads are not from a DEF: one line, exit 2."""
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "templates" / "default.yaml").read_text())
    del data["die"]["size"]
    recipe = tmp_path / "nosize.yaml"
    recipe.write_text(yaml.safe_dump(data))
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and err.strip() == (f"maskgen: error: {recipe}: die.size: required: give [width, height] in "
                                         "um (only a DEF bump map or pad list, kind: def, gives the die from its "
                                         "DIEAREA, and a KiCad footprint, kind: kicad, from its fab outline)"), err


def test_routed_wiring_as_design_tools_write_it(tmp_path):
    """NEW segments, `*` points, vias, MASK, SHAPE and STYLE in ROUTED / FIXED wiring; a connection with
    `+ SYNTHESIZED`; regular nets without a width: read as layer, width and points per segment."""
    (tmp_path / "w.def").write_text("""VERSION 5.8 ;
DESIGN w ;
UNITS DISTANCE MICRONS 1000 ;
DIEAREA ( 0 0 ) ( 100000 100000 ) ;
SPECIALNETS 1 ;
- VDD ( * VDD ) + ROUTED metal10 4000 + SHAPE IOWIRE ( 1000 2000 ) ( 9000 * )
    NEW metal9 2000 + SHAPE STRIPE + MASK 1 ( 0 0 ) ( 0 5000 ) via9_0 + USE POWER ;
END SPECIALNETS
NETS 2 ;
- a ( U1 Y + SYNTHESIZED ) ( U2 A ) + ROUTED metal1 ( 100 200 ) ( 300 * 50 ) M1_M2 ( * 900 ) MASK 2
    NEW metal2 ( 300 900 ) ( 700 * ) ;
- b ( U2 Y ) + FIXED metal3 STYLE 1 ( 0 0 ) ( 10 10 ) + USE SIGNAL ;
END NETS
END DESIGN
""")
    d = read_def(tmp_path / "w.def")
    assert [(w.net, w.layer, w.width, w.points) for w in d.wires] == [
        ("VDD", "metal10", 4.0, ((1.0, 2.0), (9.0, 2.0))),
        ("VDD", "metal9", 2.0, ((0.0, 0.0), (0.0, 5.0))),
        ("a", "metal1", None, ((0.1, 0.2), (0.3, 0.2), (0.3, 0.9))),
        ("a", "metal2", None, ((0.3, 0.9), (0.7, 0.9))),
        ("b", "metal3", None, ((0.0, 0.0), (0.01, 0.01))),
    ]
    assert d.net_of("U1", "Y") == "a" and d.net_of("U2", "A") == "a" and d.net_of("U7", "VDD") == "VDD"


@pytest.mark.parametrize("orient", ["N", "S", "E", "W", "FN", "FS", "FE", "FW"])
def test_a_def_pin_port_turned_as_klayout_turns_it(tmp_path, orient):
    """PIN p_misc_o's port made a 10 x 5 um rect off its placement point ((0 0) (20000 10000) at UNITS 2000)
    and turned to each orientation: the port lands where KLayout's LEF/DEF reader puts it, to 1 nm."""
    old = ("    - p_misc_o + NET p_misc_o + DIRECTION OUTPUT + USE SIGNAL\n      + PORT\n"
           "        + LAYER metal10 ( -45000 -45000 ) ( 45000 45000 )\n        + FIXED ( 3345000 5275000 ) N ;")
    new = old.replace("( -45000 -45000 ) ( 45000 45000 )", "( 0 0 ) ( 20000 10000 )").replace(") N ;",
                                                                                               f") {orient} ;")
    text = DEF.read_text()
    assert old in text
    path = tmp_path / f"pin_{orient}.def"
    path.write_text(text.replace(old, new))
    (ours,) = read_terminals(path, [], "pins", None, "p_misc_o", None, "die.bump_map", 10, "die.bump_map.max_bumps")
    ly = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    cfg = opt.lefdef_config
    cfg.lef_files = [str(p) for p in LEFS]
    cfg.dbu = 0.0005
    opt.lefdef_config = cfg
    ly.read(str(path), opt)
    pin_layer = next(li for li in ly.layer_indexes() if ly.get_info(li).name == "metal10.PIN")
    (box,) = [b for b in (p.bbox() for p in kdb.Region(ly.top_cell().shapes(pin_layer)).each())
              if {b.width(), b.height()} == {20000, 10000}]
    kx, ky = box.center().x * ly.dbu - 1500.0, box.center().y * ly.dbu - 1500.0
    assert abs(ours.x - kx) <= 0.001 and abs(ours.y - ky) <= 0.001, (orient, (ours.x, ours.y), (kx, ky))
