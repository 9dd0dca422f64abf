"""Suspended-cantilever bump of 004 (maskgen/layout/cells/cantilever.py), embodiments 1-6, read back from a written die.

Each geometry test builds a 3 x 3 array reference of one bump cell at 500 um pitch inside a die cell, writes
GDSII, reads it with klayout.db and checks the claims on real shapes: sacrificial layer 140 under bump 120,
etch windows 160 reaching it, suspended portion 102 hanging from joint portion 101 through bridges under
metal line 110 and support beams 111, one pad 91 per bump net.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gdstk
import klayout.db as kdb
import pytest

from maskgen.input.recipe import Beams, BumpStack, Cantilever, Pad
from maskgen.layout.cells.base import Builder
from maskgen.layout.cells.cantilever import (
    Arm,
    beam_angles,
    cantilever_arms,
    cantilever_bump,
    cantilever_features,
)
from maskgen.layout.geometry import circle_points, rect_points

PITCH = 500.0
BALL = 200.0
REFLOW = 210.0
RELEASE = 150.0  # SUSP.RELEASE, rules.yaml
RDL_MIN = 10.0  # RDL.WIDTH and RDL.SPACE
STACK = BumpStack(pad=Pad(width=80, shape="square"), passivation_opening=50, ubm_diameter=150)


def make_spec(embodiment: int, beams: int | None = None, **changes) -> Cantilever:
    """The typical cantilever of the brief; embodiment 1 has no beams, the others two unless told."""
    count = (0 if embodiment == 1 else 2) if beams is None else beams
    base = dict(embodiment=embodiment, pad_offset=(-250.0, -250.0), line_width=20, land_diameter=180,
                protection_opening=130, sacrificial_diameter=320, elastic_diameter=340, slot_width=30,
                clearance=10, support_beams=Beams(count=count, width=20, overhang=30))
    base.update(changes)
    return Cantilever(**base)


@dataclass
class Die:
    """A written and re-read 3 x 3 die of one cantilever bump cell."""

    gds: object  # tests/conftest.py GdsReader
    spec: Cantilever
    bump: gdstk.Cell
    pitch: float = PITCH

    def layer(self, name: str) -> kdb.Region:
        return self.gds.region(name).merged()

    def um(self, value: float) -> int:
        return self.gds.um(value)

    def disk(self, radius: float, centre: tuple[float, float] = (0.0, 0.0)) -> kdb.Polygon:
        """A circle inscribed in `radius` (vertices truncated towards the centre), like the DRC's disk."""
        pts = circle_points(2 * radius, 0.05, centre)
        return kdb.Polygon([kdb.Point(math.trunc(x / self.gds.dbu), math.trunc(y / self.gds.dbu)) for x, y in pts])

    def centres(self) -> list[tuple[float, float]]:
        return [(i * self.pitch, j * self.pitch) for i in range(3) for j in range(3)]

    def ring(self, inner: float, outer: float) -> kdb.Region:
        """Annuli around every bump centre."""
        region = kdb.Region()
        for c in self.centres():
            region += kdb.Region(self.disk(outer, c)) - kdb.Region(self.disk(inner, c))
        return region

    def from_cells(self, name: str, prefix: str) -> kdb.Region:
        """Shapes of a layer drawn in the cells whose name starts with prefix, in die coordinates."""
        lay, dt = self.gds.pdk.gds(name)
        li = self.gds.layout.find_layer(lay, dt)
        found = kdb.Region()
        if li is None:
            return found
        it = self.gds.top.begin_shapes_rec(li)
        while not it.at_end():
            if it.cell().name.startswith(prefix):
                found.insert(it.shape().polygon.transformed(it.trans()))
            it.next()
        return found.merged()


@pytest.fixture
def die(tmp_path, read_gds, pdk):
    """Build, write and read back a 3 x 3 die of the cantilever bump of a spec."""
    def build(spec: Cantilever, pitch: float = PITCH) -> Die:
        b = Builder(pdk)
        bump = cantilever_bump(b, STACK, spec, BALL, REFLOW)
        top = gdstk.Cell("die")
        top.add(b.polygon(rect_points(-pitch, -pitch, 3 * pitch, 3 * pitch), "DIE"))
        top.add(b.ref(bump, columns=3, rows=3, spacing=(pitch, pitch)))
        b.lib.add(top)
        path = tmp_path / f"cantilever_e{spec.embodiment}.gds"
        b.lib.write_gds(str(path))
        return Die(read_gds(path), spec, bump, pitch)
    return build


def under_bump(d: Die) -> kdb.Region:
    """What lies under each bump: sacrificial layer 140, elastic layer 150 (5) or the 1042 opening in 103 (6)."""
    if d.spec.embodiment in (1, 2, 3, 4):
        return d.layer("SAC")
    if d.spec.embodiment == 5:
        return d.layer("ELASTIC")
    return d.layer("INS1").interacting(d.layer("BUMP"))


def windows(d: Die) -> kdb.Region:
    """Etch windows 160: INS1 openings over the sacrificial layer."""
    return d.layer("INS1").overlapping(d.layer("SAC"))


# ----------------------------------------------------------------------------- process features
@pytest.mark.parametrize(("embodiment", "expected"), [
    (1, {"SAC", "release", "one_insulator"}),
    (2, {"SAC", "release", "one_insulator"}),
    (3, {"SAC", "one_insulator"}),
    (4, {"SAC", "ELASTIC", "one_insulator"}),
    (5, {"ELASTIC", "one_insulator"}),
    (6, {"two_insulators", "INS2"}),
])
def test_features_per_embodiment(embodiment, expected):
    assert cantilever_features(make_spec(embodiment)) == expected


# ----------------------------------------------------------------------------- sacrificial layer 140
@pytest.mark.parametrize("embodiment", [1, 2, 3, 4])
def test_sacrificial_layer_140_encloses_every_bump(die, embodiment):
    d = die(make_spec(embodiment))
    sac, bump = d.layer("SAC"), d.layer("BUMP")
    assert sac.count() == 9 and bump.count() == 9
    assert bump.inside(sac).count() == 9
    grown = bump.minkowski_sum(d.disk(5.0))  # SAC.UNDER_BUMP
    assert (grown - sac).is_empty()


@pytest.mark.parametrize("embodiment", [1, 2])
def test_every_sacrificial_point_within_release_reach_of_a_window_160(die, embodiment):
    d = die(make_spec(embodiment))
    sac, win = d.layer("SAC"), windows(d)
    assert not win.is_empty()
    reach = (win.minkowski_sum(d.disk(RELEASE)) + win).merged()
    assert (sac - reach).is_empty()
    short = (win.minkowski_sum(d.disk(90.0)) + win).merged()  # the check bites: the centre is 100 um away
    assert not (sac - short).is_empty()


@pytest.mark.parametrize("embodiment", [1, 2])
def test_windows_160_clear_of_land_line_and_beams(die, embodiment):
    d = die(make_spec(embodiment))
    win, rdl = windows(d), d.layer("RDL")
    assert (rdl & win).is_empty()
    assert (rdl.sized(d.um(d.spec.clearance) - 10) & win).is_empty()
    assert (win - d.layer("SAC")).is_empty(), "windows lie inside the sacrificial disc"
    assert (win - d.layer("PROT")).is_empty(), "protection layer 170 open over the windows for the release etch"


@pytest.mark.parametrize("beams", [0, 1, 2, 3])
def test_suspended_portion_102_hangs_from_joint_portion_101_through_bridges(die, beams):
    d = die(make_spec(2 if beams else 1, beams=beams))
    sac = d.layer("SAC")
    insulator = (d.layer("DIE") - d.layer("INS1")).merged()
    assert insulator.inside(sac).is_empty(), "no insulator island floats on the sacrificial layer"
    centres = kdb.Region()
    for x, y in d.centres():
        centres.insert(kdb.Box(d.um(x) - 1, d.um(y) - 1, d.um(x) + 1, d.um(y) + 1))
    holding = insulator.interacting(centres)
    assert not (holding - sac).is_empty(), "the insulator under the bump reaches the anchored portion"
    land_r = d.spec.land_diameter / 2
    slot = d.ring(land_r + d.spec.clearance + 1, land_r + d.spec.clearance + d.spec.slot_width - 1)
    bridges = (insulator & slot).merged()
    assert bridges.count() == 9 * (1 + beams), "one bridge under line 110 and one under each beam 111"
    assert windows(d).count() == 9 * (1 + beams)


@pytest.mark.parametrize(("embodiment", "beams"), [(3, 2), (4, 2), (3, 0)])
def test_kept_sacrificial_layer_has_no_windows(die, embodiment, beams):
    d = die(make_spec(embodiment, beams=beams))
    assert d.layer("SAC").count() == 9
    assert windows(d).is_empty()
    assert d.layer("INS1").count() == 9, "pad vias only"


def test_embodiment_4_sacrificial_layer_lies_on_the_elastic_layer(die):
    d = die(make_spec(4))
    assert d.layer("SAC").inside(d.layer("ELASTIC")).count() == 9


def test_embodiment_5_has_elastic_layer_150_and_no_sacrificial_layer(die):
    d = die(make_spec(5))
    assert d.layer("SAC").is_empty()
    assert d.layer("BUMP").inside(d.layer("ELASTIC")).count() == 9
    assert d.layer("INS1").count() == 9


def test_embodiment_6_opens_103_under_the_bump_and_104_over_the_pad(die):
    d = die(make_spec(6))
    ins1, ins2, pad, bump = d.layer("INS1"), d.layer("INS2"), d.layer("PAD"), d.layer("BUMP")
    assert d.layer("SAC").is_empty() and d.layer("ELASTIC").is_empty()
    assert bump.inside(ins1).count() == 9, "portion 1042 of layer 104 sits on the substrate under each bump"
    assert ins1.interacting(pad).count() == 9, "layer 103 leaves each pad 91 exposed"
    assert ins2.count() == 9 and ins2.inside(pad).count() == 9, "pad via of layer 104 inside pad 91"
    assert (ins2 - ins1).is_empty(), "the via of 104 lies in the opening of 103"
    assert ins2.interacting(bump).is_empty()


# ----------------------------------------------------------------------------- arms 110 / 111
@pytest.mark.parametrize(("embodiment", "beams"), [(1, 0), (2, 1), (2, 2), (2, 3), (3, 2), (4, 2), (5, 1), (6, 2)])
def test_arms_crossing_the_layer_under_the_bump(die, embodiment, beams):
    d = die(make_spec(embodiment, beams=beams))
    held, bump = under_bump(d).overlapping(d.layer("BUMP")), d.layer("BUMP")
    assert held.count() == 9
    crossing = d.layer("RDL").interacting(bump) - held
    assert crossing.count() == 9 * (1 + beams)
    assert held.interacting(crossing, 1 + beams, 1 + beams).count() == 9


@pytest.mark.parametrize("embodiment", [1, 2, 3, 4, 5, 6])
def test_each_bump_net_reaches_exactly_one_pad(die, embodiment):
    d = die(make_spec(embodiment))
    contacts = d.layer("PAD") & d.layer("PASV") & d.layer("INS1")
    if embodiment == 6:
        contacts &= d.layer("INS2")
    assert contacts.count() == 9
    assert (contacts - d.layer("RDL")).is_empty(), "the RDL covers every pad via"
    nets = (d.layer("RDL") + d.layer("UBM") + d.layer("BUMP")).merged()
    assert nets.interacting(d.layer("BUMP")).interacting(contacts, 1, 1).count() == 9
    assert nets.interacting(contacts, 2).is_empty()


@pytest.mark.parametrize(("spec", "pitch"), [
    (make_spec(2, beams=2), PITCH),
    (make_spec(2, beams=3), PITCH),
    (make_spec(2, beams=1, pad_offset=(-300.0, 0.0)), 700.0),
    (make_spec(2, beams=3, pad_offset=(-230.0, -120.0)), PITCH),
], ids=["diagonal_2", "diagonal_3", "west_1", "knee_3"])
def test_support_beams_111_touch_no_pad(die, spec, pitch):
    d = die(spec, pitch)
    beams = d.from_cells("RDL", "support_beams") - d.from_cells("RDL", "bump_land")
    assert beams.count() == 9 * spec.support_beams.count
    pads = d.layer("PAD")
    assert pads.interacting(beams).is_empty()
    assert beams.separation_check(pads, d.um(RDL_MIN)).is_empty()


@pytest.mark.parametrize("spec", [make_spec(1), make_spec(2, beams=3), make_spec(6, beams=2),
                                  make_spec(2, beams=3, pad_offset=(-230.0, -120.0))],
                         ids=["e1", "e2_3beams", "e6", "e2_knee"])
def test_rdl_width_and_space(die, spec):
    d = die(spec)
    rdl = d.layer("RDL")
    assert rdl.count() == 9, "one net per bump"
    assert rdl.width_check(d.um(RDL_MIN) - 1).is_empty()
    assert rdl.isolated_check(d.um(RDL_MIN)).is_empty(), "line 110 keeps RDL.SPACE from other nets"
    assert rdl.notch_check(d.um(RDL_MIN)).is_empty()


def test_ubm_on_land_and_over_protection_opening(die):
    d = die(make_spec(2))
    ubm, land, prot = d.layer("UBM"), d.layer("RDL"), d.layer("PROT").interacting(d.layer("BUMP"))
    assert (ubm.minkowski_sum(d.disk(10.0)) - land).is_empty()  # RDL.ENCLOSES_UBM
    assert prot.count() == 9 and (prot - ubm).is_empty()


def test_every_vertex_on_the_grid(die, pdk):
    d = die(make_spec(2))
    grid = round(pdk.grid / d.gds.dbu)
    for name in ("INS1", "PROT", "RDL", "SAC", "UBM", "BUMP"):
        for poly in d.gds.region(name).each():
            assert all(p.x % grid == 0 and p.y % grid == 0 for p in poly.each_point_hull()), name


# ----------------------------------------------------------------------------- arms, directions, cells
def test_arms_for_the_stiffness_model():
    assert cantilever_arms(STACK, make_spec(1)) == [Arm("line", 20, 70.0)]
    arms = cantilever_arms(STACK, make_spec(2, beams=3))
    assert [a.kind for a in arms] == ["line", "beam", "beam", "beam"]
    assert all(a.length == pytest.approx(70.0) for a in arms)
    assert cantilever_arms(STACK, make_spec(5))[0].length == pytest.approx(80.0)  # to the elastic edge


def test_beam_directions_avoid_the_line():
    assert beam_angles(225.0, 1) == (45,)
    assert beam_angles(225.0, 2) == (0, 90)
    assert beam_angles(225.0, 3) == (45, 135, 315)
    assert beam_angles(180.0, 0) == ()


def test_equal_parameters_give_one_shared_cell(pdk):
    b = Builder(pdk)
    first = cantilever_bump(b, STACK, make_spec(2), BALL, REFLOW)
    assert cantilever_bump(b, STACK, make_spec(2), BALL, REFLOW) is first
    other = cantilever_bump(b, STACK, make_spec(3), BALL, REFLOW)
    assert other is not first
    names = [c.name for c in b.lib.cells]
    assert len(names) == len(set(names))
    shared = {c.name for c in first.dependencies(True)} & {c.name for c in other.dependencies(True)}
    assert {"bump_land_180", "sacrificial_layer_320", "pad_stack_square_80_50"} <= shared


@pytest.mark.parametrize(("changes", "message"), [
    ({"sacrificial_diameter": 700, "pad_offset": (-400.0, -400.0)}, "SUSP.RELEASE"),
    ({"sacrificial_diameter": 240}, "inside sacrificial layer 140"),
    ({"sacrificial_diameter": 205}, "SAC.UNDER_BUMP"),
    ({"support_beams": Beams(count=2, width=20, overhang=150)}, "touch no pad"),
    ({"pad_offset": (-150.0, -150.0)}, "anchored joint portion 101"),
    ({"line_width": 8}, "RDL.WIDTH"),
    ({"land_diameter": 160}, "RDL.ENCLOSES_UBM"),
])
def test_impossible_geometry_is_refused_before_any_cell(pdk, changes, message):
    b = Builder(pdk)
    with pytest.raises(ValueError, match=message):
        cantilever_bump(b, STACK, make_spec(2, **changes), BALL, REFLOW)
    assert not b.lib.cells


def test_elastic_embodiments_need_the_elastic_diameter(pdk):
    with pytest.raises(ValueError, match="elastic_diameter"):
        cantilever_bump(Builder(pdk), STACK, make_spec(5, elastic_diameter=None), BALL, REFLOW)


# ----------------------------------------------------------------------------- picture
def test_headless_render_of_embodiment_2(tmp_path, pdk):
    import klayout.lay as lay

    from maskgen.outputs.output import write_lyp

    b = Builder(pdk)
    cell = cantilever_bump(b, STACK, make_spec(2), BALL, REFLOW)
    gds, lyp, png = tmp_path / "bump.gds", tmp_path / "pdk.lyp", tmp_path / "bump.png"
    b.lib.write_gds(str(gds))
    write_lyp(pdk, lyp)
    view = lay.LayoutView()
    view.set_config("background-color", "#000000")
    view.load_layout(str(gds), True)
    view.load_layer_props(str(lyp))
    view.select_cell(view.cellview(0).layout().cell(cell.name).cell_index(), 0)
    view.max_hier()
    view.zoom_fit()
    view.save_image(str(png), 400, 400)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000
    pixels = view.get_pixels(100, 100)
    colours = {pixels.pixel(x, y) for x in range(0, 100, 5) for y in range(0, 100, 5)}
    assert len(colours) > 4, "the picture shows the layers, not a blank canvas"


def test_specs_with_other_windows_get_their_own_etch_window_cell(pdk):
    """Land +10 and clearance -5 move etch windows 160: each spec keeps its own windows (they shared one cell)."""
    b = Builder(pdk)
    one = cantilever_bump(b, STACK, make_spec(2), BALL, REFLOW)
    two = cantilever_bump(b, STACK, make_spec(2, land_diameter=190, clearance=5), BALL, REFLOW)

    def windows(bump: gdstk.Cell) -> gdstk.Cell:
        [cell] = [c for c in bump.dependencies(True) if c.name.startswith("etch_windows")]
        return cell
    a, c = windows(one), windows(two)
    assert a is not c and a.name != c.name
    ins1 = pdk.gds("INS1")
    area = [sum(p.area() for p in w.polygons if (p.layer, p.datatype) == ins1) for w in (a, c)]
    assert area[0] != pytest.approx(area[1], rel=1e-3)  # the windows themselves differ, not only the name
    again = cantilever_bump(Builder(pdk), STACK, make_spec(2, land_diameter=190, clearance=5), BALL, REFLOW)
    assert windows(again).name == c.name  # the same spec still gives the same (stable) name
