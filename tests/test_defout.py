"""The routed RDL written back into the chip's DEF, read back with KLayout's own LEF/DEF reader."""

from __future__ import annotations

import difflib
from pathlib import Path

import gdstk
import klayout.db as kdb
import pytest

from maskgen.errors import InputError
from maskgen.outputs.defout import DefWire, routed_def_text, write_routed_def

OPENROAD = Path(__file__).parent / "data" / "third_party" / "openroad_pad"
FLIPCHIP = OPENROAD / "Nangate45_blackparrot__floorplan_flipchip.def"
LEFS = [OPENROAD / "Nangate45__Nangate45_tech.lef", OPENROAD / "Nangate45_io__dummy_pads.lef"]
CENTRE = (1500.0, 1500.0)  # DIEAREA ( 0 0 ) ( 6000000 6000000 ) at 2000 units per um
WIRES = {
    "VDD": [DefWire(4.0, ((0.0, 0.0), (100.0, 0.0), (100.0, 50.0)))],           # a supply net already special
    "p_ddr_dq_0_io": [DefWire(6.0, ((-500.0, -500.0), (-400.0, -500.0), (-300.0, -400.0), (-300.0, -300.0))),
                      DefWire(6.0, ((-300.0, -300.0), (-300.0, -200.0)))],      # a signal net: new statement
}


def _metal10(path: Path) -> kdb.Region:
    """The merged metal10 wiring of a DEF as KLayout's LEF/DEF reader draws it (1 nm database unit)."""
    ly = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    opt.lefdef_config.lef_files = [str(p.resolve()) for p in LEFS]
    opt.lefdef_config.dbu = 0.001
    ly.read(str(path), opt)
    li = next((i for i in ly.layer_indexes() if ly.get_info(i).to_s() == "metal10 (21/0)"), None)
    if li is None:
        return kdb.Region()
    return kdb.Region(ly.top_cell().begin_shapes_rec(li)).merged()


def _drawn(wires: dict[str, list[DefWire]]) -> kdb.Region:
    """The RDL lines as maskgen draws them (mitred joins, flush ends), moved into DEF coordinates."""
    out = kdb.Region()
    for ws in wires.values():
        for w in ws:
            for poly in gdstk.FlexPath(w.points, w.width, joins="natural", ends="flush",
                                       simple_path=False).to_polygons():
                pts = [kdb.DPoint(x + CENTRE[0], y + CENTRE[1]) for x, y in poly.points]
                out.insert(kdb.DPolygon(pts).to_itype(0.001))
    return out.merged()


def test_klayout_reads_back_the_drawn_lines(tmp_path: Path) -> None:
    target = write_routed_def(FLIPCHIP, tmp_path / "chip_rdl.def", WIRES, "metal10", 2000, CENTRE)
    metal = _metal10(target)
    assert _metal10(FLIPCHIP).is_empty()            # the floorplan has no metal10 wiring of its own
    assert metal.count() == 2
    assert (metal ^ _drawn(WIRES)).is_empty()
    assert metal.area() == _drawn(WIRES).area()
    # the 4 um supply wire: 102 x 4 um along x to the corner's outer edge, then 48 x 4 um up: 600 um^2 (nm^2 here)
    vdd = metal.interacting(kdb.Region(kdb.Box(1500000 - 10, 1500000 - 10, 1500000 + 10, 1500000 + 10)))
    assert vdd.area() == 102000 * 4000 + 48000 * 4000


def test_only_the_routing_and_the_count_change() -> None:
    text = FLIPCHIP.read_text(encoding="utf-8")
    out = routed_def_text(FLIPCHIP, text, WIRES, "metal10", 2000, CENTRE)
    diff = [d for d in difflib.unified_diff(text.splitlines(), out.splitlines(), n=0, lineterm="")
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]
    assert diff[:2] == ["-SPECIALNETS 4 ;", "+SPECIALNETS 5 ;"]
    removed = [d for d in diff if d.startswith("-")]
    assert len(removed) == 2                        # the count line, and VDD's last line gets its routing
    assert "+      + ROUTED metal10 8000 ( 3000000 3000000 ) ( 3200000 3000000 ) ( 3200000 3100000 ) ;" in diff
    assert "+    - p_ddr_dq_0_io" in diff
    assert "+      NEW metal10 12000 ( 2400000 2400000 ) ( 2400000 2600000 ) ;" in diff
    assert routed_def_text(FLIPCHIP, text, {}, "metal10", 2000, CENTRE) == text


def test_a_def_without_specialnets_gets_a_section(tmp_path: Path) -> None:
    text = FLIPCHIP.read_text(encoding="utf-8")
    start, end = text.index("SPECIALNETS 4 ;"), text.index("END SPECIALNETS\n") + len("END SPECIALNETS\n")
    plain = tmp_path / "plain.def"
    plain.write_text(text[:start] + text[end:], encoding="utf-8")
    target = write_routed_def(plain, tmp_path / "plain_rdl.def", WIRES, "metal10", 2000, CENTRE)
    written = target.read_text(encoding="utf-8")
    assert "SPECIALNETS 2 ;\n    - VDD" in written
    assert written.index("END SPECIALNETS") < written.index("\nNETS ")
    assert (_metal10(target) ^ _drawn(WIRES)).is_empty()


def test_an_unclosed_specialnets_section_is_named(tmp_path: Path) -> None:
    text = FLIPCHIP.read_text(encoding="utf-8")
    broken = tmp_path / "broken.def"
    broken.write_text(text.replace("END SPECIALNETS", "END SPECIAL"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        routed_def_text(broken, broken.read_text(encoding="utf-8"), WIRES, "metal10", 2000, CENTRE)
    assert err.value.line() == f"{broken}: line 2359 = 'SPECIALNETS': section not closed by END SPECIALNETS"
