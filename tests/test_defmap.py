"""`kind: def` bump maps: placed bump instances (or pins) of a chip's DEF with their nets, centres from the LEF
macro size, checked against KLayout's own LEF/DEF reader; a die built from a DEF; bad DEFs refused with the line."""

from __future__ import annotations

from pathlib import Path

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build
from maskgen.input.pdk import data_root
from maskgen.input.terminals import read_terminals

TEMPLATES = data_root() / "templates"


def read_def_bumps(path, source="components", macros=None, lef=None):
    """The terminals of a DEF as a bump map reads them (components of the macros, or pins)."""
    return read_terminals(path, [lef] if lef else [], source, sorted(macros) if macros else None, None, None,
                          "die.bump_map", 100_000, "die.bump_map.max_bumps")

LEF = """VERSION 5.8 ;
MACRO BUMP80
  CLASS COVER BUMP ;
  ORIGIN 0 0 ;
  SIZE 80 BY 60 ;
  OBS
    LAYER AP ;
      RECT 0 0 80 60 ;
  END
END BUMP80
END LIBRARY
"""


def write_def(path: Path, columns: int, rows: int, pitch: float = 400.0, die: float = 5200.0,
              orients: tuple[str, ...] = ("N",), extra_cells: int = 0) -> dict[str, tuple[float, float, str]]:
    """A DEF of columns x rows BUMP80 instances centred on the die (and extra INVX1 cells); returns name ->
    (x, y, net) with the centre in um from the die centre."""
    units = 1000
    expected = {}
    comps = []
    nets: dict[str, list[str]] = {}
    for r in range(rows):
        for c in range(columns):
            name = f"BUMP_{r}_{c}"
            orient = orients[(r * columns + c) % len(orients)]
            w, h = (60, 80) if orient in ("E", "W", "FE", "FW") else (80, 60)
            cx = -(columns - 1) * pitch / 2 + c * pitch
            cy = -(rows - 1) * pitch / 2 + r * pitch
            llx, lly = round((cx + die / 2 - w / 2) * units), round((cy + die / 2 - h / 2) * units)
            comps.append(f"- {name} BUMP80 + SOURCE DIST + FIXED ( {llx} {lly} ) {orient} ;")
            net = "VDD" if (r + c) % 7 == 0 else f"SIG{r}_{c}"
            nets.setdefault(net, []).append(name)
            expected[name] = (cx, cy, net)
    for i in range(extra_cells):
        comps.append(f"- U{i} INVX1 + PLACED ( {1000 * i} 2000 ) FS ;")
    signal = {n: m for n, m in nets.items() if n != "VDD"}
    lines = ["VERSION 5.8 ;", 'DIVIDERCHAR "/" ;', "DESIGN chip ;", f"UNITS DISTANCE MICRONS {units} ;",
             f"DIEAREA ( 0 0 ) ( {round(die * units)} {round(die * units)} ) ;", "# bump instances",
             f"COMPONENTS {len(comps)} ;", *comps, "END COMPONENTS",
             "SPECIALNETS 1 ;", "- VDD " + " ".join(f"( {b} PAD )" for b in nets.get("VDD", [])),
             "  + USE POWER ;", "END SPECIALNETS",
             f"NETS {len(signal)} ;"]
    for net, members in signal.items():
        lines.append(f"- {net} " + " ".join(f"( {b} PAD )" for b in members) + " ( PIN " + net + " )")
        lines.append("  + ROUTED M1 ( 0 0 ) ( 100 * ) ;")
    lines += ["END NETS", "END DESIGN", ""]
    path.write_text("\n".join(lines))
    return expected


def test_bump_instances_with_nets_and_lef_centres(tmp_path):
    (tmp_path / "bumps.lef").write_text(LEF)
    expected = write_def(tmp_path / "chip.def", 5, 4, orients=("N", "S", "E", "W", "FN", "FS", "FE", "FW"),
                         extra_cells=3)
    bumps = read_def_bumps(tmp_path / "chip.def", macros={"BUMP80"}, lef=tmp_path / "bumps.lef")
    got = {b.name: (round(b.x, 3), round(b.y, 3), b.net) for b in bumps}
    assert got == {k: (round(x, 3), round(y, 3), n) for k, (x, y, n) in expected.items()}
    # KLayout's LEF/DEF reader places the same instances: their macro boxes have the same centres
    ly = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    opt.lefdef_config.lef_files = [str(tmp_path / "bumps.lef")]
    opt.lefdef_config.instance_property_name = 1
    ly.read(str(tmp_path / "chip.def"), opt)
    die_centre = 2600.0
    klayout = {inst.property(1): (round(inst.bbox().center().x * ly.dbu - die_centre, 3),
                                  round(inst.bbox().center().y * ly.dbu - die_centre, 3))
               for inst in ly.top_cell().each_inst() if ly.cell(inst.cell_index).name == "BUMP80"}
    assert klayout == {k: (x, y) for k, (x, y, _) in got.items()}


def test_without_a_macro_filter_every_component_is_a_bump(tmp_path):
    write_def(tmp_path / "chip.def", 2, 2, extra_cells=2)
    assert len(read_def_bumps(tmp_path / "chip.def")) == 6
    assert len(read_def_bumps(tmp_path / "chip.def", macros={"INVX1"})) == 2


def test_pins_as_bump_sites(tmp_path):
    (tmp_path / "pins.def").write_text("""VERSION 5.8 ;
DESIGN p ;
UNITS DISTANCE MICRONS 100 ;
DIEAREA ( 0 0 ) ( 0 400000 ) ( 400000 400000 ) ( 400000 0 ) ;
PINS 2 ;
- VDD + NET VDD + DIRECTION INOUT + USE POWER
  + LAYER AP ( -4000 -4000 ) ( 4000 4000 ) + FIXED ( 100000 100000 ) N ;
- IO7 + NET IO7 + DIRECTION INPUT
  + LAYER AP ( 0 0 ) ( 8000 4000 ) + PLACED ( 300000 100000 ) W ;
END PINS
END DESIGN
""")
    bumps = read_def_bumps(tmp_path / "pins.def", source="pins")
    # W = R90: the port (0 0)-(80 40) um turns to (-40 0)-(0 80), centre (-20, 40)
    assert [(b.name, b.x, b.y, b.net) for b in bumps] == [("VDD", -1000.0, -1000.0, "VDD"),
                                                          ("IO7", 1000.0 - 20.0, -1000.0 + 40.0, "IO7")]


def _recipe(tmp_path, bump_map):
    data = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
    data["name"] = "defdie"
    data["die"]["bump_map"] = bump_map
    path = tmp_path / "defdie.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_die_from_a_def(tmp_path, read_gds):
    (tmp_path / "bumps.lef").write_text(LEF)
    expected = write_def(tmp_path / "chip.def", 12, 12, extra_cells=5)
    res = build(_recipe(tmp_path, {"kind": "def", "file": "chip.def", "lef": "bumps.lef", "macro": "BUMP80"}),
                tmp_path)
    assert res.drc.clean
    gds = read_gds(res.files["gds"])
    assert gds.region("BUMP").count() == 144
    rows = {b["name"]: b for b in res.manifest.as_json()["bumps"]}
    assert {k: (b["x"], b["y"], b["net"]) for k, b in rows.items()} == expected
    assert rows["BUMP_0_0"]["ball"] == "A1" and rows["BUMP_11_11"]["ball"] == "M12"
    assert res.manifest.as_json()["die"]["arrays"] == 12           # rows of the DEF compressed into array references


@pytest.mark.parametrize("edit,needle", [
    (lambda t: t.replace("+ FIXED ( ", "+ FIXED ", 1), "line 8"),
    (lambda t: t.replace("END COMPONENTS", "END COMPS"), "expected END COMPONENTS"),
    (lambda t: t.replace("( 2360000", "( 23x0000", 1), "expected a number"),
    (lambda t: t.replace("DIEAREA ( 0 0 ) ( 5200000 5200000 ) ;", ""), "no DIEAREA"),
    (lambda t: t.replace("UNITS DISTANCE MICRONS 1000 ;", ""), "no UNITS"),
    (lambda t: t.replace(" N ;", " NORTH ;", 1), "expected an orientation"),
    (lambda t: t.replace("BUMP80", "BUMP99", 1), "macro BUMP99 of component BUMP_0_0 has no SIZE in the LEF"),
    (lambda t: t.rsplit("END NETS", 1)[0].rstrip().rstrip(";"), "not closed by ';'"),
])
def test_bad_defs(cli, tmp_path, edit, needle):
    (tmp_path / "bumps.lef").write_text(LEF)
    write_def(tmp_path / "chip.def", 2, 2)
    path = tmp_path / "chip.def"
    path.write_text(edit(path.read_text()))
    recipe = _recipe(tmp_path, {"kind": "def", "file": "chip.def", "lef": "bumps.lef"})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and "chip.def" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "defdie").exists()


def test_def_size_limit_and_missing_files(cli, tmp_path):
    write_def(tmp_path / "chip.def", 3, 3)
    recipe = _recipe(tmp_path, {"kind": "def", "file": "chip.def", "max_bumps": 5})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and "max_bumps" in err and "--max-sites" in err
    code, _, err = cli("build", recipe, "--out", tmp_path / "out", "--max-sites", "9")
    assert code == 0, err
    for bump_map, needle in (({"kind": "def", "file": "nope.def"}, "DEF file not found"),
                             ({"kind": "def", "file": "chip.def", "lef": "nope.lef"}, "LEF file not found"),
                             ({"kind": "def", "file": "chip.def", "macro": "PAD"}, "macros in COMPONENTS: BUMP80")):
        code, _, err = cli("build", _recipe(tmp_path, bump_map), "--out", tmp_path / "out2")
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err


def test_fanout_pads_from_def_pins_route_like_the_csv(tmp_path):
    """fanout_csv with its 100 pads as DEF PINS (80 um square ports, nets): the same layout as its reference
    (flat: the pads are cells of their own shape)."""
    import csv
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))
    from regression import REFERENCE, compare

    pins = []
    for row in csv.DictReader((TEMPLATES / "fanout_csv_pads.csv").open()):
        x, y = round((float(row["x"]) + 2500) * 1000), round((float(row["y"]) + 2500) * 1000)
        pins.append(f"- {row['name']} + NET {row['net']} + DIRECTION INOUT\n"
                    f"  + LAYER PAD ( -40000 -40000 ) ( 40000 40000 ) + FIXED ( {x} {y} ) N ;")
    (tmp_path / "pads.def").write_text("\n".join(["VERSION 5.8 ;", "DESIGN chip ;", "UNITS DISTANCE MICRONS 1000 ;",
                                                  "DIEAREA ( 0 0 ) ( 5000000 5000000 ) ;", f"PINS {len(pins)} ;",
                                                  *pins, "END PINS", "END DESIGN", ""]))
    shutil.copy(TEMPLATES / "fanout_csv_bumps.csv", tmp_path)
    data = yaml.safe_load((TEMPLATES / "fanout_csv.yaml").read_text())
    data["die"]["pads"] = {"kind": "def", "file": "pads.def"}
    (tmp_path / "fanout_csv.yaml").write_text(yaml.safe_dump(data))
    res = build(tmp_path / "fanout_csv.yaml", tmp_path / "out")
    assert res.drc.clean
    assert res.manifest.as_json()["routing"]["nets"][0]["pads"] == ["PAD001"]
    # each DEF pad is drawn as its own pin shape (an 80 um square here, the CSV recipe's pad): the pad cells are
    # named after their shape, so the hierarchy differs; every layer drawn, seen flat, is the reference's
    diffs = compare(res.files["gds"], REFERENCE / "fanout_csv.gds")
    assert [d.what for d in diffs] == ["top cells ['fanout_csv'] (reference ['fanout_csv'])"], diffs
