"""Masks of a die of many placed cells that stand apart: the per-cell shortcuts give the whole-layer answers."""

from __future__ import annotations

import math
import random

import gdstk
import klayout.db as kdb
import pytest

from maskgen.drc import isolated
from maskgen.outputs import masks
from maskgen.outputs.critical import layer_critical_dimension

LAYERS = {"PAD": 1, "PASV": 2, "UBM": 3}


@pytest.fixture()
def scattered(tmp_path) -> kdb.Layout:
    """48 placements (turned, mirrored, jittered by up to 3 um) of two bump cells: octagon pad, round opening,
    round UBM; the second with a 30 um opening."""
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    cells = []
    for name, opening in (("a", 40.0), ("b", 30.0)):
        cell = lib.new_cell(name)
        cell.add(gdstk.regular_polygon((0, 0), 80 / 2 / math.cos(math.pi / 8), 8, math.pi / 8, layer=1))
        cell.add(gdstk.ellipse((0, 0), opening / 2, tolerance=0.005, layer=2))
        cell.add(gdstk.ellipse((0, 0), 65 / 2, tolerance=0.005, layer=3))
        cells.append(cell)
    top = lib.new_cell("die")
    rng = random.Random(5)
    for i in range(48):
        x, y = (i % 8) * 165 + rng.uniform(-3, 3), (i // 8) * 165 + rng.uniform(-3, 3)
        top.add(gdstk.Reference(cells[i % 2], (round(x, 3), round(y, 3)), rotation=(i % 4) * math.pi / 2,
                                x_reflection=i % 3 == 0))
    path = tmp_path / "die.gds"
    lib.write_gds(str(path))
    layout = kdb.Layout()
    layout.read(str(path))
    return layout


def test_cd_from_first_placements_is_the_whole_layer_cd(scattered, monkeypatch):
    scattered = scattered.cell("die")          # the layout stays alive in the fixture
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 1)
    apart = isolated.placements_in(scattered, set())
    assert apart is not None and sum(len(t) for t in apart.trans.values()) == 48
    for name, number in LAYERS.items():
        li = scattered.layout().find_layer(number, 0)
        whole = layer_critical_dimension(scattered, li, 0.005, opening=name == "PASV")
        assert layer_critical_dimension(scattered, li, 0.005, opening=name == "PASV", apart=apart) == whole
    li = scattered.layout().find_layer(2, 0)
    assert layer_critical_dimension(scattered, li, 0.005, opening=True).value == 30.0


def test_placed_features_is_the_merged_layer(scattered, monkeypatch):
    scattered = scattered.cell("die")          # the layout stays alive in the fixture
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 1)
    apart = isolated.placements_in(scattered, set())
    far = kdb.Region(kdb.Box(-400_000, -400_000, -300_000, -300_000))
    for number in LAYERS.values():
        li = scattered.layout().find_layer(number, 0)
        whole = masks._chrome(scattered.begin_shapes_rec(li), far, kdb.Box(), 0.001, clear_field=True)
        placed = masks._placed_features(apart, li, far)
        assert placed is not None and placed.count() == whole.count() == 49
        assert (placed ^ whole).is_empty()
    touching = kdb.Region(kdb.Box(0, 0, 1000, 1000))            # a mark on a bump: merged as a whole
    assert masks._placed_features(apart, scattered.layout().find_layer(3, 0), touching) is None
