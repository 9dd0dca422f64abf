"""Cell names and the cell cache come from each part cell's bound arguments (maskgen/layout/cells/base.py `part`).

Every part cell the `@part` registry knows is built with a base parameter set and, for each of its
arguments in turn, with that one argument changed: each change must give another cell, with another name
and other geometry, while equal parameters give the very same cell object.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil

import gdstk
import numpy as np
import pytest

import maskgen.layout.cells
from maskgen.input.recipe import Beams, BumpStack, Cantilever, Pad
from maskgen.layout.cells.base import PARTS, Builder, cell_name
from maskgen.layout.cells.cantilever import cantilever_bump
from maskgen.layout.cells.chain import chain_land, chained_bump
from maskgen.layout.cells.common import pad_stack, ubm_island
from maskgen.layout.geometry import rect_points

MODULES = [importlib.import_module(f"maskgen.layout.cells.{m.name}")
           for m in pkgutil.iter_modules(maskgen.layout.cells.__path__)]
"""Every module of maskgen/layout/cells, imported so that the registry holds every decorated part."""

NAME_ONLY = {("etch_windows", "slot")}
"""Arguments that label a cell without shaping it (the slot radii, kept in the etch-window name)."""

BUMP_CELLS = {"cantilever_bump", "chained_bump", "pad_via_land", "shaped_pad"}
"""Cells assembled from part cells and named from their parts' names (manifests and references record them);
shaped_pad (a DEF pad of its own shape) is named from a digest of its outline, opening and via."""


def _window(x: float) -> np.ndarray:
    """A 30 x 20 um etch-window outline at x."""
    return rect_points(x, 100, x + 30, 120)


def samples(b: Builder) -> dict[str, tuple[dict, dict]]:
    """For each part kind: a base set of keyword arguments and, per argument, another value for it."""
    return {
        "bond_pad": ({"width": 80, "shape": "octagon"}, {"width": 90, "shape": "square"}),
        "passivation_opening": ({"diameter": 50}, {"diameter": 60}),
        "ubm_island": ({"diameter": 215}, {"diameter": 200}),
        "solder_footprint": ({"diameter": 250}, {"diameter": 240}),
        "reflow_outline": ({"width": 257.9237}, {"width": 260.5}),
        "pad_stack": ({"pad_width": 240, "pad_shape": "square", "opening": 180},
                      {"pad_width": 250, "pad_shape": "circle", "opening": 170}),
        "die_boundary": ({"width": 5000, "height": 4000}, {"width": 5200, "height": 4200}),
        "polymer_opening": ({"diameter": 270}, {"diameter": 280}),
        "flux_opening": ({"diameter": 275}, {"diameter": 285}),
        "solder_mask_stack": ({"openings": [200, 260]}, {"openings": [200, 260, 300]}),
        "stair_openings": ({"mask_opening": 150, "openings": [150, 170]},
                           {"mask_opening": 140, "openings": [150, 180]}),
        "chain_land": ({"via": 60, "land": 230}, {"via": 70, "land": 240}),
        "rdl_land_octagon": ({"width": 221}, {"width": 231}),
        "pad_via": ({"diameter": 50, "layer": "INS1"}, {"diameter": 60, "layer": "INS2"}),
        "sacrificial_layer": ({"diameter": 320}, {"diameter": 330}),
        "elastic_layer": ({"diameter": 340}, {"diameter": 350}),
        "contact_opening_1042": ({"diameter": 320}, {"diameter": 330}),
        "etch_windows": ({"slot": (100.0, 130.0), "windows": [_window(100), _window(-130)]},
                         {"slot": (100.0, 140.0), "windows": [_window(100), _window(-125)]}),
        "metal_line": ({"pad_offset": (-250.0, -250.0), "width": 20, "via_landing": 70},
                       {"pad_offset": (-250.0, -260.0), "width": 25, "via_landing": 80}),
        "bump_land": ({"diameter": 180}, {"diameter": 190}),
        "support_beams": ({"angles": (90, 270), "width": 20, "length": 190},
                          {"angles": (90, 180), "width": 25, "length": 200}),
        "protection_opening": ({"diameter": 130}, {"diameter": 140}),
    }


def geometry(cell: gdstk.Cell) -> set[tuple[int, int, tuple]]:
    """The flattened polygons of a cell as (layer, datatype, vertices in nm), comparable as a set."""
    return {(p.layer, p.datatype, tuple(map(tuple, np.round(p.points * 1000).astype(int).tolist())))
            for p in cell.get_polygons()}


@pytest.fixture
def b(pdk) -> Builder:
    """A fresh builder on the default PDK."""
    return Builder(pdk)


def test_every_part_has_samples(b):
    assert len(PARTS) == 22
    assert set(samples(b)) == set(PARTS)


def test_every_cell_function_is_a_part_or_a_bump_cell():
    """A new cell function cannot be left out: it is a @part, or one of the named bump cells."""
    found = set()
    for mod in MODULES:
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if hasattr(fn, "__wrapped__"):
                assert fn in PARTS.values(), name
            elif inspect.signature(fn).return_annotation in ("gdstk.Cell", gdstk.Cell):
                found.add(name)
    assert found == BUMP_CELLS


@pytest.mark.parametrize("kind", sorted(PARTS))
def test_one_changed_argument_gives_another_cell(b, kind):
    base, others = samples(b)[kind]
    make = PARTS[kind]
    first = make(b, **base)
    assert make(b, **base) is first
    assert geometry(first)
    for arg, value in others.items():
        other = make(b, **{**base, arg: value})
        assert other is not first, arg
        assert other.name != first.name, arg
        if (kind, arg) not in NAME_ONLY:
            assert geometry(other) != geometry(first), arg


def test_equal_parameters_share_one_cell(b):
    assert ubm_island(b, 215) is ubm_island(b, diameter=215.0)
    assert pad_stack(b, 240, "square", 180) is pad_stack(b, pad_width=240.0, pad_shape="square", opening=180)
    assert PARTS["solder_mask_stack"](b, [200, 260]) is PARTS["solder_mask_stack"](b, (200.0, 260.0))
    assert len({c.name for c in b.lib.cells}) == len(b.lib.cells) == 5  # ubm, pad stack, its pad and opening, masks


def test_names_kept_from_the_hand_written_ones(b):
    """The names manifests and references recorded before the decorator stay the same."""
    assert ubm_island(b, 215).name == "ubm_island_215"
    assert pad_stack(b, 240, "square", 180).name == "pad_stack_square_240_180"
    assert PARTS["reflow_outline"](b, 260.93291).name == "reflow_outline_260p9329"
    assert PARTS["metal_line"](b, (-250.0, -250.0), 20, 70).name == "metal_line_20_m250_m250_70"
    assert PARTS["support_beams"](b, (90, 270), 20, 190).name == "support_beams_20_190_90_270"
    assert PARTS["pad_via"](b, 50, "INS2").name == "pad_via_INS2_50"
    assert cell_name("x", ["a" * 130], 0.005) == "x_" + hashlib.sha1(("x_" + "a" * 130).encode()).hexdigest()[:10]


def test_etch_windows_named_by_snapped_outlines(b):
    """Outlines that snap to the same grid points give one cell; one grid step apart, two (etch window 160)."""
    grid = b.grid
    make = PARTS["etch_windows"]
    a = make(b, (100.0, 130.0), [_window(100)])
    assert make(b, (100.0, 130.0), [_window(100) + grid / 4]) is a
    assert make(b, (100.0, 130.0), [_window(100) + grid]) is not a


def test_two_cantilever_specs_get_two_bump_cells(b):
    """The defect of issue 15: specs differing only in the slot width shared one cantilever bump cell 120."""
    stack = BumpStack(pad=Pad(width=80, shape="square"), passivation_opening=50, ubm_diameter=150)
    spec = dict(embodiment=2, pad_offset=(-250.0, -250.0), line_width=20, land_diameter=180,
                protection_opening=130, sacrificial_diameter=320, slot_width=30, clearance=10,
                support_beams=Beams(count=2, width=20, overhang=30))
    one = cantilever_bump(b, stack, Cantilever(**spec), 200, 210)
    two = cantilever_bump(b, stack, Cantilever(**{**spec, "slot_width": 25}), 200, 210)
    assert one.name != two.name
    assert geometry(one) != geometry(two)
    assert cantilever_bump(b, stack, Cantilever(**spec), 200, 210) is one


def test_chained_bump_refuses_a_second_land(b):
    """The chained bump's name leaves out its land, so a second land under the same bump is an error."""
    bump = ubm_island(b, 215)
    first = chained_bump(b, bump, chain_land(b, 60, 230))
    assert first.name == "ubm_island_215_on_rdl_land"
    assert chained_bump(b, bump, chain_land(b, 60, 230)) is first
    with pytest.raises(ValueError, match="ubm_island_215_on_rdl_land is already used"):
        chained_bump(b, bump, chain_land(b, 60, 240))
