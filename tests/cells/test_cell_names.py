"""Cell names and the cell cache come from each part cell's bound arguments (maskgen/layout/cells/base.py `part`)
and from what each assembled cell references (`assembly`).

Every part cell the `@part` registry knows is built with a base parameter set and, for each of its
arguments in turn, with that one argument changed: each change must give another cell, with another name
and other geometry, while equal parameters give the very same cell object. No module but base.py makes a cell
any other way.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import gdstk
import numpy as np
import pytest

import maskgen
import maskgen.assembly
import maskgen.layout.cells
from maskgen.input.recipe import Beams, BumpStack, Cantilever, Pad
from maskgen.layout.cells.base import PARTS, Builder, NameClash, assembly, cell_name
from maskgen.layout.cells.cantilever import cantilever_bump
from maskgen.layout.cells.chain import chain_land, chained_bump
from maskgen.layout.cells.common import pad_stack, ubm_island
from maskgen.layout.geometry import rect_points

MODULES = [importlib.import_module(f"{pkg.__name__}.{m.name}") for pkg in (maskgen.layout.cells, maskgen.assembly)
           for m in pkgutil.iter_modules(pkg.__path__)]
"""Every module of maskgen/layout/cells and maskgen/assembly, imported so that the registry holds every part."""

NAME_ONLY = {("etch_windows", "slot")}
"""Arguments that label a cell without shaping it (the slot radii, kept in the etch-window name)."""

ASSEMBLED = {"cantilever_bump", "chained_bump", "pad_via_land", "wafer_cell"}
"""Cell functions of maskgen/layout/cells and maskgen/assembly that are assemblies (`assembly`) of other cells."""


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
        "shaped_pad": ({"outline": rect_points(-20, -10, 20, 10), "opening": 8, "via": 6, "land": None},
                       {"outline": rect_points(-20, -10, 21, 10), "opening": 9, "via": 7,
                        "land": rect_points(-15, -10, 15, 10)}),
        "board_land": ({"diameter": 215}, {"diameter": 230}),
        "wafer_outline": ({"diameter": 200, "edge_exclusion": 3.0, "orientation": "notch"},
                          {"diameter": 300, "edge_exclusion": 5.0, "orientation": "flat"}),
        "bad_die_mark": ({"width": 5000, "height": 4000}, {"width": 5200, "height": 4200}),
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
    assert len(PARTS) == 26
    assert set(samples(b)) == set(PARTS)


def test_every_cell_function_is_a_part_or_an_assembly():
    """A new cell function cannot be left out: it is a @part, or one of the assemblies of part cells."""
    found = set()
    for mod in MODULES:
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_") or fn is assembly:
                continue
            if hasattr(fn, "__wrapped__"):
                assert fn in PARTS.values(), name
            elif inspect.signature(fn).return_annotation in ("gdstk.Cell", gdstk.Cell):
                found.add(name)
    assert found == ASSEMBLED


def test_no_cell_is_made_outside_the_builder():
    """Every cell is a @part or an `assembly` (or made by Builder.cell under them): no module makes its own."""
    made = re.compile(r"gdstk\.Cell\(|\bb\.cell\(|\.cell\(\s*\w+,\s*(lambda|draw)|\.lib\.add\(|\.new_cell\(|"
                      r"gdstk\.Library\(")
    root = Path(maskgen.__file__).parent
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}" for path in sorted(root.rglob("*.py"))
             if path != root / "layout" / "cells" / "base.py"
             for n, line in enumerate(path.read_text().splitlines(), 1) if made.search(line)]
    assert found == []


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


def test_chained_bump_is_named_from_its_bump_and_its_land(b):
    """A chained bump names both cells it stands on: a second land under the same bump is another cell."""
    bump = ubm_island(b, 215)
    first = chained_bump(b, bump, chain_land(b, 60, 230))
    assert first.name == "chained_bump_ubm_island_215_chain_land_60_230"
    assert chained_bump(b, bump, chain_land(b, 60, 230)) is first
    other = chained_bump(b, bump, chain_land(b, 60, 240))
    assert other.name == "chained_bump_ubm_island_215_chain_land_60_240"
    assert geometry(other) != geometry(first)


def test_assembly_name_runs_origins_arrays_and_values(b):
    """kind, then each run of references at one origin: cell names, then the origin unless (0, 0), an array's
    columns, rows and spacing; then the values; origins snapped to the grid first."""
    ubm, land = ubm_island(b, 215), chain_land(b, 60, 230)
    assert assembly(b, "k", [ubm, land]).name == "k_ubm_island_215_chain_land_60_230"
    assert assembly(b, "k", [(ubm, (-250.0, 12.5)), (land, (-250.0, 12.5)), ubm]).name == \
        "k_ubm_island_215_chain_land_60_230_m250_12p5_ubm_island_215"
    assert assembly(b, "k", [(ubm, (1.0, 0.0021)), land]).name == "k_ubm_island_215_1_0_chain_land_60_230"
    arr = b.ref(ubm, (10.0, 20.0), columns=3, rows=2, spacing=(400.0, 300.0))
    assert assembly(b, "k", [arr], values=["x", 7.25]).name == "k_ubm_island_215_10_20_3_2_400_300_x_7p25"
    long = assembly(b, "k", [(ubm, (float(i), 0.0)) for i in range(12)])
    full = "k_ubm_island_215_" + "_".join(f"ubm_island_215_{i}_0" for i in range(1, 12))   # (0, 0) unwritten
    assert long.name == "k_" + hashlib.sha1(full.encode()).hexdigest()[:10]
    flat = geometry(long)
    assert len(flat) == 12 and len(geometry(ubm)) == 1
    xs = sorted(min(x for x, _ in pts) for _, _, pts in flat)
    assert [x - xs[0] for x in xs] == [1000 * i for i in range(12)]     # one disc per origin, 1 um apart (nm)


def test_assembly_shapes_are_in_its_key(b):
    """Shapes an assembly draws itself that its name does not hold cannot share a name with other shapes."""
    ubm = ubm_island(b, 215)
    one = assembly(b, "k", [ubm], [b.circle(50, "INS1")])
    assert assembly(b, "k", [ubm], [b.circle(50, "INS1")]) is one
    with pytest.raises(ValueError, match="cell name k_ubm_island_215 is already used"):
        assembly(b, "k", [ubm], [b.circle(60, "INS1")])
    assert assembly(b, "k", [ubm], [b.circle(60, "INS1")], values=[60]).name == "k_ubm_island_215_60"


def test_named_assembly_takes_the_kind_as_its_name(b):
    """A die or wafer cell is named after the recipe; a second one of that name with other contents is refused."""
    ubm = ubm_island(b, 215)
    die = assembly(b, "my_die", [(ubm, (100.0, 0.0))], [b.text("A1", (100.0, 0.0))], named=True)
    assert die.name == "my_die"
    assert [(lb.text, tuple(lb.origin)) for lb in die.labels] == [("A1", (100.0, 0.0))]
    with pytest.raises(NameClash, match="my_die is already used"):
        assembly(b, "my_die", [ubm], named=True)
    with pytest.raises(NameClash, match="ubm_island_215 is already used"):     # even drawing the same
        assembly(b, "ubm_island_215", [], [b.circle(215, "UBM")], named=True)
    plain = assembly(b, "ubm_island_300", [], named=True)
    with pytest.raises(NameClash, match="ubm_island_300 is already used"):     # a part asking for it later
        ubm_island(b, 300)
    assert plain.name == "ubm_island_300"
