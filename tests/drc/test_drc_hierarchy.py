"""A hierarchical layout (3 x 3 dies of 5 x 5 bumps, one defective placement) and its flat copy agree."""

from __future__ import annotations

from pathlib import Path

import gdstk
import klayout.db as kdb
import pytest

from maskgen.drc import run_drc

PITCH = 250.0
DIE_STEP = 1600.0


def _hierarchical(kit, pdk, path: Path) -> Path:
    """Bump cell -> 5 x 5 array in a die cell -> 3 x 3 die array, plus one defect cell placed in die (1, 1)."""
    d = kit.Drawing(pdk)
    bump = d.cell("BUMP_SITE")
    kit.stair_site(d, 0, prs=(70, 80), cell=bump)
    die = d.cell("DIE_5x5")
    die.add(gdstk.Reference(bump, (0, 0), columns=5, rows=5, spacing=(PITCH, PITCH)))
    d.rect("DIE", -250, -250, 4 * PITCH + 250, 4 * PITCH + 250, cell=die)
    d.top.add(gdstk.Reference(die, (0, 0), columns=3, rows=3, spacing=(DIE_STEP, DIE_STEP)))
    defect = d.cell("DEFECT")
    d.circle("REFLOW", PITCH / 2, 0, 200, cell=defect)  # reflow outline bridging two bumps
    d.square("PASV", 25, 0, 60, cell=defect)  # passivation opening hanging over the pad edge
    d.circle("REFLOW", 0, PITCH / 2, 100, cell=defect)  # 20 um from the bumps above and below it
    # placed at bump (2, 2) of die (1, 1), 1 nm off the grid
    d.top.add(gdstk.Reference(defect, (DIE_STEP + 2 * PITCH + 0.001, DIE_STEP + 2 * PITCH)))
    return d.write(path)


def _flattened(src: Path, dst: Path) -> Path:
    layout = kdb.Layout()
    layout.read(str(src))
    layout.top_cell().flatten(-1, True)
    layout.write(str(dst))
    return dst


def _key(result):
    return sorted((v.rule, v.message, v.bbox) for v in result.violations)


def test_hierarchical_equals_flat(tmp_path, pdk, kit):
    hier = _hierarchical(kit, pdk, tmp_path / "wafer.gds")
    flat_copy = _flattened(hier, tmp_path / "wafer_flat.gds")
    deep = run_drc(hier, pdk)
    flat = run_drc(flat_copy, pdk)
    flat_mode = run_drc(hier, pdk, flat=True)
    assert [(r.id, r.status, r.count) for r in deep.rules] == [(r.id, r.status, r.count) for r in flat.rules]
    assert [(r.id, r.status, r.count) for r in deep.rules] == [(r.id, r.status, r.count) for r in flat_mode.rules]
    assert _key(deep) == _key(flat) == _key(flat_mode)
    failing = {r.id for r in deep.rules if r.status == "fail"}
    assert failing == {"BUMP.SPACE", "PASV.IN_PAD", "UBM.COVERS_PASV", "GRID"}
    # every marker sits at the defective placement in die (1, 1), bump (2, 2)
    cx, cy = DIE_STEP + 2 * PITCH, DIE_STEP + 2 * PITCH
    for v in deep.violations:
        x1, y1, x2, y2 = v.bbox
        assert cx - 130 <= x1 and x2 <= cx + PITCH + 130 and cy - 130 <= y1 and y2 <= cy + PITCH, v
    space = [v for v in deep.violations_of("BUMP.SPACE") if "closer than" in v.message]
    assert min(float(v.message.split("measured ")[1].split(" um")[0]) for v in space) == pytest.approx(20, abs=0.01)


def _array(kit, pdk, path: Path, **site) -> Path:
    d = kit.Drawing(pdk)
    bump = d.cell("BUMP_SITE")
    kit.stair_site(d, 0, prs=(70, 80), cell=bump, **site)
    die = d.cell("DIE_5x5")
    die.add(gdstk.Reference(bump, (0, 0), columns=5, rows=5, spacing=(PITCH, PITCH)))
    d.rect("DIE", -250, -250, 4 * PITCH + 250, 4 * PITCH + 250, cell=die)
    d.top.add(gdstk.Reference(die, (0, 0), columns=3, rows=3, spacing=(DIE_STEP, DIE_STEP)))
    return d.write(path)


def test_clean_array_is_clean(tmp_path, pdk, kit):
    assert run_drc(_array(kit, pdk, tmp_path / "clean.gds"), pdk).clean


def test_defect_in_the_bump_cell_counts_once_per_placed_bump(tmp_path, pdk, kit):
    """A 36 um passivation opening drawn once in the bump cell is 225 openings on the wafer."""
    path = _array(kit, pdk, tmp_path / "narrow.gds", pasv=36)
    deep = run_drc(path, pdk)
    flat = run_drc(path, pdk, flat=True)
    assert deep.rule("PASV.WIDTH").count == flat.rule("PASV.WIDTH").count == 225  # one marker per opening
    assert _key(deep) == _key(flat)


def test_cantilever_hierarchy_equals_flat(tmp_path, pdk, kit):
    """004 bumps in cell arrays; one placement adds a ring of etch windows 160 and a third arm."""
    d = kit.Drawing(pdk)
    bump = d.cell("CANTILEVER_SITE")
    top, d.top = d.top, bump
    kit.cantilever_site(d, 0)
    d.top = top
    die = d.cell("DIE_3x3")
    die.add(gdstk.Reference(bump, (0, 0), columns=3, rows=3, spacing=(800, 800)))
    d.rect("DIE", -500, -500, 2100, 2100, cell=die)
    d.top.add(gdstk.Reference(die, (0, 0), columns=2, rows=2, spacing=(2700, 2700)))
    defect = d.cell("DEFECT")
    d.rect("INS1", -100, -70, -80, 70, cell=defect)
    d.rect("INS1", 80, -70, 100, 70, cell=defect)
    d.rect("RDL", -10, -160, 10, 0, cell=defect)
    d.top.add(gdstk.Reference(defect, (2700 + 800, 2700 + 800)))
    path = d.write(tmp_path / "cantilever.gds", kit.cantilever_manifest())
    deep = run_drc(path, pdk)
    flat = run_drc(_flattened(path, tmp_path / "cantilever_flat.gds"), pdk, manifest=kit.cantilever_manifest())
    assert [(r.id, r.status, r.count) for r in deep.rules] == [(r.id, r.status, r.count) for r in flat.rules]
    assert _key(deep) == _key(flat)
    assert {r.id for r in deep.rules if r.status == "fail"} == {"SUSP.ANCHOR", "SUSP.ARMS"}
    assert [v.bbox for v in deep.violations_of("SUSP.ANCHOR")] == [(3420.0, 3430.0, 3580.0, 3570.0)]
    assert [v.bbox for v in deep.violations_of("SUSP.ARMS")] == [(3400.0, 3400.0, 3600.0, 3600.0)]
