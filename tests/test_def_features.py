"""DEF / LEF features met in OpenROAD's other pad and RDL test designs (which maskgen was not developed on),
each reproduced by a small DEF and LEF written at run time, with positions worked out by hand:

- a bump macro of two pins at one spot (OpenROAD's DUMMY_BUMP_TWO_PORTS: PAD0 a square ring of four rects, PAD1
  a 1 um square in its hole, both on the bump's net) is one bump; on two nets it is refused in one line;
- one macro giving both bumps and pads (OpenROAD's ASAP7 Probe cells): `component:` picks the instances;
- pad cells whose PAD is on another layer than the top metal, with core-side pins (PORT CLASS CORE) on that layer
  too (OpenROAD's non_top_layer.lef): `layer:` takes the PAD only; on a layer without it, one line naming the pins'
  layers;
- a design without any bump macro (OpenROAD's wire-bond staggered ring) refused naming what it holds.
"""

from __future__ import annotations

from pathlib import Path

import klayout.db as kdb
import pytest
from typer.testing import CliRunner

from maskgen.build import build
from maskgen.cli import app
from maskgen.errors import InputError
from maskgen.input.terminals import read_terminals

LEF = """VERSION 5.8 ;
MACRO BUMP2
  CLASS COVER BUMP ;
  ORIGIN 0 0 ;
  SIZE 45 BY 45 ;
  PIN PAD0
    PORT
      LAYER top ;
        RECT 0.0 0.0 45.0 21.0 ;
        RECT 0.0 24.0 45.0 45.0 ;
        RECT 0.0 21.0 21.0 24.0 ;
        RECT 24.0 21.0 45.0 24.0 ;
    END
  END PAD0
  PIN PAD1
    PORT
      LAYER top ;
        RECT 22.0 22.0 23.0 23.0 ;
    END
  END PAD1
END BUMP2
MACRO PADC
  CLASS PAD AREAIO ;
  ORIGIN 0 0 ;
  SIZE 25 BY 140 ;
  PIN PAD
    PORT
      LAYER below ;
        RECT 10.0 50.0 20.0 55.0 ;
    END
  END PAD
  PIN A
    PORT
      CLASS CORE ;
      LAYER below ;
        RECT 13.17 139.9 13.33 140.0 ;
    END
  END A
  PIN RETN
    PORT
      LAYER m4 ;
        RECT 0 100 25 101 ;
    END
  END RETN
END PADC
MACRO PROBE
  CLASS COVER ;
  ORIGIN 0 0 ;
  SIZE 175 BY 25 ;
  PIN PIN0
    PORT
      LAYER Pad ;
        RECT 0 0 25 25 ;
    END
  END PIN0
  PIN PIN1
    PORT
      LAYER Pad ;
        RECT 50 0 75 25 ;
    END
  END PIN1
  OBS
    LAYER Pad ;
      RECT 0 0 175 25 ;
  END
END PROBE
END LIBRARY
"""


def _def(units: int, body: str) -> str:
    return f"VERSION 5.8 ;\nDESIGN t ;\nUNITS DISTANCE MICRONS {units} ;\nDIEAREA ( 0 0 ) ( {600 * units} " \
           f"{600 * units} ) ;\n{body}END DESIGN\n"


TWO_PORT_DEF = _def(1000, """COMPONENTS 4 ;
    - B1 BUMP2 + FIXED ( 200000 300000 ) N ;
    - B2 BUMP2 + FIXED ( 400000 300000 ) S ;
    - P1 PADC + FIXED ( 100000 0 ) N ;
    - P2 PADC + FIXED ( 460000 100000 ) W ;
END COMPONENTS
NETS 2 ;
    - a ( B1 PAD0 ) ( B1 PAD1 ) ( P1 PAD ) ;
    - b ( B2 PAD0 ) ( B2 PAD1 ) ( P2 PAD ) ;
END NETS
""")


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _terms(def_file: Path, lef: Path, macro, key: str = "die.bump_map", **kw) -> dict:
    """The terminals of a DEF by name."""
    found = read_terminals(def_file, [lef], kw.pop("source", "components"), macro, kw.pop("pin", None),
                           kw.pop("layer", None), key, 100_000, f"{key}.max_bumps", **kw)
    return {t.name: t for t in found}


def test_two_pins_at_one_spot_are_one_bump(tmp_path: Path) -> None:
    """B1 FIXED ( 200000 300000 ) N at 1000 units: (200, 300) um, its 45 um box centred at (222.5, 322.5), the die
    centre (300, 300): (-77.5, 22.5). B2 S at (400, 300): turned 180 degrees its box stays (400..445, 300..345):
    (122.5, 22.5). One bump each, on the net both pins are on, outlined by the ring's 45 um box."""
    lef, d = _write(tmp_path, "t.lef", LEF), _write(tmp_path, "t.def", TWO_PORT_DEF)
    bumps = _terms(d, lef, "BUMP2")
    assert sorted(bumps) == ["B1", "B2"]
    assert (bumps["B1"].x, bumps["B1"].y, bumps["B1"].net) == (-77.5, 22.5, "a")
    assert (bumps["B2"].x, bumps["B2"].y, bumps["B2"].net) == (122.5, 22.5, "b")
    xs, ys = [p[0] for p in bumps["B1"].outline], [p[1] for p in bumps["B1"].outline]
    assert (min(xs), max(xs), min(ys), max(ys)) == (-22.5, 22.5, -22.5, 22.5)
    # a pin named outright is still taken alone
    pad1 = _terms(d, lef, "BUMP2", pin="PAD1")["B1"]
    assert (pad1.x, pad1.y, pad1.pin) == (-77.5, 22.5, "PAD1")
    assert max(p[0] for p in pad1.outline) == 0.5


def test_two_pins_at_one_spot_on_two_nets_is_one_line(tmp_path: Path) -> None:
    lef = _write(tmp_path, "t.lef", LEF)
    d = _write(tmp_path, "t.def", TWO_PORT_DEF.replace("( B1 PAD1 ) ( P1 PAD )", "( P1 PAD )")
               .replace("( B2 PAD1 ) ( P2 PAD )", "( B2 PAD1 ) ( B1 PAD1 ) ( P2 PAD )"))
    with pytest.raises(InputError, match=r"die.bump_map.pin: component B1 \(BUMP2\): pins PAD0 on a, PAD1 on b sit "
                       r"at one spot \(one terminal\) on different nets; name the pin to take "
                       r"\(die.bump_map.pin: \[PAD0\]\)$"):
        _terms(d, lef, "BUMP2")


def test_pad_on_a_lower_layer_leaves_core_pins_out(tmp_path: Path) -> None:
    """PADC's PAD is on `below` beside pin A's CLASS CORE port: layer: below takes the PAD alone. P1 N at (100, 0):
    PAD centre (115, 52.5) -> (-185, -247.5); P2 W at (460, 100): (x, y) -> (-y, x), the box's lower-left corner
    (-140, 0) onto (460, 100), so PAD (15, 52.5) -> (-52.5, 15) + (600, 100) = (547.5, 115) -> (247.5, -185)."""
    lef, d = _write(tmp_path, "t.lef", LEF), _write(tmp_path, "t.def", TWO_PORT_DEF)
    pads = _terms(d, lef, "PADC", "die.pads", layer="below")
    assert {n: (t.x, t.y, t.net, t.pin) for n, t in pads.items()} == {
        "P1": (-185.0, -247.5, "a", "PAD"), "P2": (247.5, -185.0, "b", "PAD")}
    with pytest.raises(InputError, match=r"die.pads.macro = 'PADC': macro PADC has no pin shapes on layer top in "
                       r"the LEF \(its pins, CLASS CORE ports left out: PAD on below, RETN on m4\); name its terminal "
                       r"pins \(die.pads.pin\) or the layer they are on \(die.pads.layer\)$"):
        _terms(d, lef, "PADC", "die.pads", layer="top")


PROBE_DEF = _def(1000, """COMPONENTS 2 ;
    - PROBE0 PROBE + FIXED ( 50000 50000 ) N ;
    - PROBE1 PROBE + FIXED ( 100000 450000 ) N ;
END COMPONENTS
NETS 2 ;
    - PROBE_0 ( PROBE0 PIN0 ) ( PROBE1 PIN0 ) + USE SIGNAL ;
    - PROBE_1 ( PROBE0 PIN1 ) ( PROBE1 PIN1 ) + USE SIGNAL ;
END NETS
""")


def test_one_macro_gives_bumps_and_pads_by_component(tmp_path: Path) -> None:
    """PROBE0 FIXED ( 50000 50000 ): PIN0 (62.5, 62.5) -> (-237.5, -237.5); PROBE1 at (100, 450): PIN1 RECT 50 0 75
    25 -> (162.5, 462.5) -> (-137.5, 162.5)."""
    lef, d = _write(tmp_path, "t.lef", LEF), _write(tmp_path, "t.def", PROBE_DEF)
    pads = _terms(d, lef, "PROBE", "die.pads", layer="Pad", component="PROBE0")
    bumps = _terms(d, lef, "PROBE", layer="Pad", component=["PROBE1"])
    assert sorted(pads) == ["PROBE0/PIN0", "PROBE0/PIN1"] and sorted(bumps) == ["PROBE1/PIN0", "PROBE1/PIN1"]
    assert (pads["PROBE0/PIN0"].x, pads["PROBE0/PIN0"].y, pads["PROBE0/PIN0"].net) == (-237.5, -237.5, "PROBE_0")
    assert (bumps["PROBE1/PIN1"].x, bumps["PROBE1/PIN1"].y, bumps["PROBE1/PIN1"].net) == (-137.5, 162.5, "PROBE_1")
    with pytest.raises(InputError, match=r"die.bump_map.component = 'PROBE9': the DEF holds no placed COMPONENTS of "
                       r"macro PROBE named PROBE9; instances of it: PROBE0, PROBE1$"):
        _terms(d, lef, "PROBE", layer="Pad", component="PROBE9")


def _lines_nm(gds: Path) -> kdb.Region:
    """The routed RDL lines (RDL 14/0 in the die cell itself), merged, in nm."""
    ly = kdb.Layout()
    ly.read(str(gds))
    return kdb.Region(ly.top_cell().shapes(ly.layer(14, 0))).merged()


def _joined(lines: kdb.Region, terminals: list[tuple[float, float]], half: float) -> bool:
    """True when one merged line polygon touches the square of half-width `half` um round every terminal."""
    def box(x: float, y: float) -> kdb.Region:
        return kdb.Region(kdb.Box(round((x - half) * 1000), round((y - half) * 1000), round((x + half) * 1000),
                                  round((y + half) * 1000)))
    return any(all(kdb.Region(p).interacting(box(x, y)).count() for x, y in terminals) for p in lines.each())


PROBE_RECIPE = """name: probe
process: ball_drop
rules: {RDL.WIDTH: 4, RDL.SPACE: 4, DIE.EDGE: 10, PASV.WIDTH: 2.8, PASV.IN_PAD: 1, RDL.ENCLOSES_UBM: 2,
        BUMP.SPACE: 20, BUMP.PITCH: 20}
materials: {pad: Al, adhesion: Ti, wetting: Cu, polymer: WBR2100, insulator: polyimide, rdl: Cu}
die:
  bump_map: {kind: def, file: t.def, lef: t.lef, macro: PROBE, component: PROBE1, layer: Pad}
  pads: {kind: def, file: t.def, lef: t.lef, source: components, macro: PROBE, component: PROBE0, layer: Pad}
  routing: {style: manhattan, line_width: 4, line_space: 4, land_diameter: 25, nets: ["PROBE_*"]}
bump: {pad: {width: 20, shape: square}, passivation_opening: 10, ubm_diameter: 20}
solder: {alloy: SAC305, ball_diameter: 22}
ball_drop: {polymer_opening: 33}
"""


def test_probe_cells_build_and_route(tmp_path: Path) -> None:
    """Both nets routed, each pin joined to its partner in the GDS's lines: PROBE_0 from (-237.5, -237.5) to PROBE1
    PIN0 at (112.5, 462.5) - 300 = (-187.5, 162.5), not to PROBE1 PIN1 at (-137.5, 162.5)."""
    _write(tmp_path, "t.lef", LEF)
    _write(tmp_path, "t.def", PROBE_DEF)
    res = build(_write(tmp_path, "probe.yaml", PROBE_RECIPE), tmp_path / "out")
    rt = res.manifest.as_json()["routing"]
    assert rt["net_count"] == 2 and rt["routed"] == 2 and not rt["unrouted"]
    assert [p["name"] for p in rt["pad_sites"]] == ["PROBE0/PIN0", "PROBE0/PIN1"]
    lines = _lines_nm(res.files["gds"])
    assert _joined(lines, [(-237.5, -237.5), (-187.5, 162.5)], 12.5)
    assert _joined(lines, [(-187.5, -237.5), (-137.5, 162.5)], 12.5)
    assert not _joined(lines, [(-237.5, -237.5), (-137.5, 162.5)], 12.5)
    assert res.drc.clean, res.drc.verdict()


def test_a_design_without_bumps_is_refused_in_one_line(tmp_path: Path) -> None:
    """A wire-bond ring (pad cells only) asked for a bump macro: one line, exit 2, naming the macros the DEF holds
    (ten, then how many more) and that none is a bump macro."""
    lef = _write(tmp_path, "t.lef", LEF.replace("END LIBRARY\n", "") + "".join(
        f"MACRO PC{k:02d}\n  CLASS PAD ;\n  SIZE 25 BY 140 ;\nEND PC{k:02d}\n" for k in range(12)) + "END LIBRARY\n")
    d = _write(tmp_path, "t.def", _def(2000, "COMPONENTS 12 ;\n" + "".join(
        f"    - c{k} PC{k:02d} + FIXED ( {k * 100000} 0 ) N ;\n" for k in range(12)) + "END COMPONENTS\n"))
    recipe = _write(tmp_path, "r.yaml", f"""name: r
process: ball_drop
die: {{bump_map: {{kind: def, file: {d.name}, lef: {lef.name}, macro: DUMMY_BUMP}}}}
bump: {{pad: {{width: 6, shape: square}}, passivation_opening: 2.8, ubm_diameter: 24}}
solder: {{alloy: SAC305, ball_diameter: 30}}
ball_drop: {{polymer_opening: 41}}
rules: {{DIE.EDGE: 10, PASV.WIDTH: 2.8, PASV.IN_PAD: 1}}
""")
    out = CliRunner().invoke(app, ["build", str(recipe), "--out", str(tmp_path / "out")])
    assert out.exit_code == 2
    assert [ln for ln in out.output.splitlines() if "error" in ln] == [
        f"maskgen: error: {d}: die.bump_map.macro = 'DUMMY_BUMP': the DEF holds no placed COMPONENTS of macro "
        "DUMMY_BUMP; macros in COMPONENTS: PC00, PC01, PC02, PC03, PC04, PC05, PC06, PC07, PC08, PC09 and 2 more "
        "(none a bump macro, LEF CLASS ... BUMP)"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.gds"))


def test_lef_property_definitions_are_not_macros(tmp_path: Path) -> None:
    """PROPERTYDEFINITIONS declares `MACRO name TYPE ;` properties (FakeRAM's and IHP sg13g2's LEFs): skipped, so
    the LEF reads as its one macro (was: 'expected END width closing MACRO width')."""
    from maskgen.input.lef import read_lef
    lef = _write(tmp_path, "ram.lef", """VERSION 5.7 ;
PROPERTYDEFINITIONS
  MACRO width INTEGER ;
  MACRO CatenaDesignType STRING ;
END PROPERTYDEFINITIONS
BEGINEXT "tag"
  MACRO inside an extension ;
ENDEXT
MACRO ram
  PROPERTY width 64 ;
  CLASS BLOCK ;
  SIZE 10 BY 20 ;
  PIN D
    PORT
      LAYER M4 ;
        RECT 0 0 1 2 ;
    END
  END D
END ram
END LIBRARY
""")
    macros = read_lef([lef])
    assert list(macros) == ["ram"] and macros["ram"].size == (10.0, 20.0)
    assert macros["ram"].pins["D"].shapes()[0].points == ((0.0, 0.0), (1.0, 0.0), (1.0, 2.0), (0.0, 2.0))


NARROW_DEF = _def(2000, """COMPONENTS 4 ;
    - B1 BUMP2 + FIXED ( 600000 600000 ) N ;
    - B2 BUMP2 + FIXED ( 800000 600000 ) N ;
    - P1 PADN + FIXED ( 200000 200000 ) N ;
    - P2 PADN + FIXED ( 900000 200000 ) N ;
END COMPONENTS
NETS 2 ;
    - a ( B1 PAD0 ) ( P1 PAD ) ;
    - b ( B2 PAD0 ) ( P2 PAD ) ;
END NETS
""")
NARROW_LEF = LEF.replace("END LIBRARY\n", """MACRO PADN
  CLASS PAD ;
  SIZE 25 BY 140 ;
  PIN PAD
    PORT
      CLASS BUMP ;
      LAYER top ;
        RECT 10.0 50.0 20.0 55.0 ;
    END
  END PAD
END PADN
END LIBRARY
""")


@pytest.mark.parametrize("style", ["45", "manhattan"])
def test_a_pad_pin_narrower_than_the_line_gets_a_land_of_line_width(tmp_path: Path, style: str) -> None:
    """OpenROAD's PAD pins are 10 x 5 um; routed at 6 um (rdl_route_45_with_*: -width 6) the land drawn on each
    pad was the 5 um pin (or the 5 um octagon inscribed in it): 205 RDL.WIDTH markers on the two-port flip-chip.
    The land is widened to the line width: the RDL read back from the GDS has no part narrower than 6 um."""
    _write(tmp_path, "t.lef", NARROW_LEF)
    _write(tmp_path, "t.def", NARROW_DEF)
    recipe = _write(tmp_path, "n.yaml", f"""name: n
process: ball_drop
rules: {{RDL.WIDTH: 6, RDL.SPACE: 6, DIE.EDGE: 10, PASV.WIDTH: 2.8, PASV.IN_PAD: 1}}
materials: {{pad: Al, adhesion: Ti, wetting: Cu, polymer: WBR2100, insulator: polyimide, rdl: Cu}}
die:
  bump_map: {{kind: def, file: t.def, lef: t.lef, macro: BUMP2, pin: PAD0}}
  pads: {{kind: def, file: t.def, lef: t.lef, source: components, macro: PADN, layer: top}}
  routing: {{style: "{style}", line_width: 6, line_space: 6, land_diameter: 45}}
bump: {{pad: {{width: 6, shape: square}}, passivation_opening: 2.8, ubm_diameter: 24}}
solder: {{alloy: SAC305, ball_diameter: 30}}
ball_drop: {{polymer_opening: 41}}
""")
    res = build(recipe, tmp_path / "out")
    assert res.manifest.as_json()["routing"]["routed"] == 2
    ly = kdb.Layout()
    ly.read(str(res.files["gds"]))
    rdl = kdb.Region(ly.top_cell().begin_shapes_rec(ly.layer(14, 0))).merged()
    # P1 at (100, 100) um: PAD centre (115, 152.5), die centre (300, 300): (-185, -147.5)
    at = rdl.interacting(kdb.Region(kdb.Box(-185_001, -147_501, -184_999, -147_499)))
    assert at.count() == 1
    assert rdl.width_check(6000, False, kdb.Metrics.Projection).count() == 0      # as the DRC measures
    assert res.drc.rule("RDL.WIDTH").status == "pass", res.drc.verdict()


def test_wiring_status_without_a_path_and_an_8_bit_comment(tmp_path: Path) -> None:
    """As OpenDB writes them (ICEWall's octilinear.def: `+ FIXED ;` on a net of pad-cell pins; design58.def:
    `+ FIXED + SHAPE RING + MASK 2 + RECT metal3 ...` in SPECIALNETS; complete.5.8.def: a 0x85 byte in a comment),
    read (they were refused: 'routed wiring needs a layer', 'expected a number', 'not a UTF-8 text file'); the
    wires that have a path are kept with their width."""
    from maskgen.input.defmap import read_def
    text = _def(2000, """COMPONENTS 1 ;
    - B1 BUMP2 + FIXED ( 200000 300000 ) N ;
END COMPONENTS
SPECIALNETS 1 ;
    - VSS ( * vss )
      + FIXED + SHAPE RING + MASK 2 + RECT metal3 ( 0 0 ) ( 10 10 )
      + ROUTED metal1 2000 ( 10 0 ) MASK 3 ( 10 20 ) M2_M1_via
      NEW metal2 1000 ( 10 10 ) ( 20 10 ) + USE POWER ;
END SPECIALNETS
NETS 2 ;
    - SNS ( B1 PAD1 ) + USE SIGNAL
      + FIXED ;
    - a ( B1 PAD0 ) + USE SIGNAL + ROUTED top ( 400000 460000 ) ( 1000000 * ) ;
END NETS
""").encode("ascii").replace(b"DESIGN t ;", b"# written by a tool \x85\nDESIGN t ;")
    path = tmp_path / "t.def"
    path.write_bytes(text)
    d = read_def(path)
    assert d.name == "t" and d.net_of("B1", "PAD1") == "SNS" and d.net_of("B1", "PAD0") == "a"
    assert [(w.net, w.layer, w.width, w.points) for w in d.wires] == [
        ("VSS", "metal1", 1.0, ((0.005, 0.0), (0.005, 0.01))), ("VSS", "metal2", 0.5, ((0.005, 0.005), (0.01, 0.005))),
        ("a", "top", None, ((200.0, 230.0), (500.0, 230.0)))]


def test_a_def_routed_already_is_said(tmp_path: Path) -> None:
    """The probe DEF with PROBE_0 routed on Pad already (as OpenROAD's .defok or ICEWall's octilinear.def hand it
    over): the build says so in one note, and the written DEF keeps the old wire beside maskgen's."""
    _write(tmp_path, "t.lef", LEF)
    _write(tmp_path, "t.def", PROBE_DEF.replace("( PROBE1 PIN0 ) + USE SIGNAL ;", "( PROBE1 PIN0 ) + USE SIGNAL "
                                                "+ ROUTED Pad 4000 ( 62500 62500 ) ( 62500 462500 ) ;"))
    recipe = _write(tmp_path, "probe.yaml", PROBE_RECIPE.replace("land_diameter: 25,", "land_diameter: 25, "
                                                                  "def_layer: Pad,"))
    res = build(recipe, tmp_path / "out")
    assert res.die.fanout.notes == ["t.def already holds wiring on Pad for 1 of the routed nets (PROBE_0); t's lines "
                                    "stay in the written DEF beside the new ones and are not in the layout"]
    written = res.files["rdl_def"].read_text()
    assert "+ ROUTED Pad 4000 ( 62500 62500 ) ( 62500 462500 )" in written


def test_nets_of_bumps_only_are_refused_with_the_way_round(tmp_path: Path) -> None:
    """OpenROAD's passive interposer routes nets that join bumps only; maskgen routes from pads. A DEF bump map
    with routing and no pads: one line, exit 2, saying how to give one end's bumps as the pads."""
    _write(tmp_path, "t.lef", LEF)
    _write(tmp_path, "t.def", PROBE_DEF)
    recipe = _write(tmp_path, "r.yaml", PROBE_RECIPE.replace(
        "  pads: {kind: def, file: t.def, lef: t.lef, source: components, macro: PROBE, component: PROBE0, "
        "layer: Pad}\n", "").replace("component: PROBE1, ", ""))
    assert "pads:" not in recipe.read_text()
    out = CliRunner().invoke(app, ["build", str(recipe), "--out", str(tmp_path / "out")])
    assert out.exit_code == 2
    assert [ln for ln in out.output.splitlines() if "error" in ln] == [
        f"maskgen: error: {recipe}: die: routing: needs the chip's pads (die.pads: {{kind: csv|gds|def, file: "
        "...}) to route from; nets of bumps only (an interposer's) are not routed: give one end's bumps as the pads "
        "(die.pads: {kind: def, source: components, macro: ..., component: ...})"]


def test_the_land_on_a_pin_routed_at_45_degrees() -> None:
    """An octagon inscribed in the pin where its slanted sides (0.414 x its width) take a line square-on; else
    the pin itself, widened to the line: OpenROAD's 10 x 5 um PAD at 4 um keeps its rectangle (its 5 um octagon,
    2.1 um sides, left 50 of rdl_route_via's 139 nets unrouted; the rectangle routes 139, DRC clean), at 6 um a
    10 x 6 rectangle; a 50 um pad at 4 um gets the 50 um octagon (20.7 um sides)."""
    from maskgen.design.fanout import RdlFigures, shaped_land

    def figs(w: float) -> RdlFigures:
        return RdlFigures(style="45", line_width=w, line_space=w, land_diameter=45, via=2.8, pad_land=6)

    def box(w: float, h: float) -> tuple[tuple[float, float], ...]:
        return ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))
    assert shaped_land(box(10, 5), figs(4)) == box(10, 5)
    assert shaped_land(box(10, 5), figs(6)) == box(10, 6)
    octagon = shaped_land(box(50, 50), figs(4))
    assert len(octagon) == 8
    assert max(x for x, _ in octagon) == pytest.approx(25) and max(y for _, y in octagon) == pytest.approx(25)
    import math
    sides = [math.dist(a, b) for a, b in zip(octagon, octagon[1:] + octagon[:1], strict=True)]
    assert sides == pytest.approx([50 * math.tan(math.pi / 8)] * 8)
