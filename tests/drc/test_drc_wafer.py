"""WAFER.EXCLUSION: every die lies inside the edge-exclusion boundary of the wafer (round edge, notch, flat)."""

from __future__ import annotations

import gdstk

from maskgen.assembly.wafer import flat_y, wafer_outline
from maskgen.drc import run_drc
from maskgen.input.recipe import Wafer
from maskgen.layout.cells.base import Builder


def _wafer_with_dies(pdk, path, wafer, centres, die=10_000.0):
    """A top cell with the WAFER outline of `wafer` and one DIE rectangle per centre."""
    b = Builder(pdk, "t")
    top = gdstk.Cell("TOP")
    top.add(b.ref(wafer_outline(b, wafer.diameter, wafer.edge_exclusion, wafer.orientation)))
    d = gdstk.Cell("DIE10")
    d.add(b.polygon([(-die / 2, -die / 2), (die / 2, -die / 2), (die / 2, die / 2), (-die / 2, die / 2)], "DIE"))
    d.add(b.polygon([(-50, -50), (50, -50), (50, 50), (-50, 50)], "POLY"))   # a layer of the process
    b.lib.add(d, top)
    for x, y in centres:
        top.add(b.ref(d, (x, y)))
    b.lib.write_gds(str(path))
    return path


def test_die_below_the_flat_fails(pdk, tmp_path):
    # issue 12: the old placement put the bottom die of a 200 mm flat wafer at y -95.9..-85.9 mm,
    # below the flat (-95.78 mm) and inside its 3 mm exclusion
    wafer = Wafer(diameter=200, edge_exclusion=3, orientation="flat")
    assert round(flat_y(wafer)) == -95_778  # -sqrt(100 mm^2 - 28.75 mm^2)
    path = _wafer_with_dies(pdk, tmp_path / "flat.gds", wafer, [(0, 0), (0, -90_900), (10_100, -80_800)])
    res = run_drc(path, pdk, process="ball_drop")
    rule = res.rule("WAFER.EXCLUSION")
    assert rule.status == "fail" and rule.count == 1
    (v,) = [v for v in res.violations if v.rule == "WAFER.EXCLUSION"]
    assert v.bbox == (-5000.0, -95_900.0, 5000.0, -85_900.0)
    # the die at y -85.7..-75.7 mm keeps 3 mm from the flat (-92.78 mm)


def test_dies_inside_the_exclusion_pass(pdk, tmp_path):
    wafer = Wafer(diameter=200, edge_exclusion=3, orientation="flat")
    # bottom edge 4.5 um above the flat's exclusion line (flat + 3 mm = -92,778.1 um)
    y = flat_y(wafer) + 3000 + 5000 + 4.5
    path = _wafer_with_dies(pdk, tmp_path / "ok.gds", wafer, [(0, round(y, 3)), (0, 0)])
    assert run_drc(path, pdk, process="ball_drop").rule("WAFER.EXCLUSION").status == "pass"


def test_die_in_the_notch_exclusion_fails(pdk, tmp_path):
    wafer = Wafer(diameter=300, edge_exclusion=3, orientation="notch")
    # bottom edge at -146.4 mm: inside the 147 mm circle, but the notch (1 mm deep) plus 3 mm reaches -146.0 mm
    path = _wafer_with_dies(pdk, tmp_path / "notch.gds", wafer, [(0, -141_400), (20_000, -141_400 + 10_100)])
    rule = run_drc(path, pdk, process="ball_drop").rule("WAFER.EXCLUSION")
    assert rule.status == "fail" and rule.count == 1


def test_not_applicable_without_a_wafer(pdk, tmp_path):
    b = Builder(pdk, "t")
    top = b.lib.new_cell("TOP")
    top.add(b.polygon([(0, 0), (100, 0), (100, 100), (0, 100)], "DIE"))
    top.add(b.polygon([(40, 40), (60, 40), (60, 60), (40, 60)], "POLY"))
    b.lib.write_gds(str(tmp_path / "die.gds"))
    assert run_drc(tmp_path / "die.gds", pdk, process="ball_drop").rule("WAFER.EXCLUSION").status != "fail"
