"""KiCad footprints both ways: the die's board footprint written by `maskgen build` and read back with kiutils
(lands from the IPC-7351B table, JEDEC pad names, top view, courtyard, fab outline, A1 mark), the test vehicle's
board side as a footprint, a KiCad footprint (KiCad's own library, unmodified) read as a ball map, and the
round trip footprint -> ball map -> footprint."""

from __future__ import annotations

from pathlib import Path

import pytest
from kiutils.footprint import Footprint
from recipe_variants import load_template, set_keys, variant, write_recipe

from maskgen.build import build
from maskgen.input.pdk import data_root
from maskgen.outputs.kicad import land_table

KICAD = Path(__file__).parent / "data" / "third_party" / "kicad"
ST25 = KICAD / "ST_WLCSP-25_Die425.kicad_mod"


def _pads(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """Pad number -> (x, y, width, height) mm, read back with kiutils."""
    fp = Footprint.from_file(str(path))
    return {p.number: (p.position.X, p.position.Y, p.size.X, p.size.Y) for p in fp.pads}


def _layer_points(fp: Footprint, layer: str) -> list[tuple[float, float]]:
    """Every vertex of the footprint's polygons and lines on a layer (mm)."""
    out = []
    for g in fp.graphicItems:
        if getattr(g, "layer", None) != layer:
            continue
        if hasattr(g, "coordinates"):
            out += [(c.X, c.Y) for c in g.coordinates]
        elif hasattr(g, "start"):
            out += [(g.start.X, g.start.Y), (g.end.X, g.end.Y)]
    return out


def test_land_table_is_ipc_7351b():
    t = land_table(data_root() / "pdk" / "default")
    assert t.mask == "NSMD"
    # the balls IPC-7351's table lists take its lands (some rounded to 0.05 mm: 0.30 -> 0.25, 0.75 -> 0.55)
    listed = {0.15: 0.13, 0.20: 0.17, 0.25: 0.20, 0.30: 0.25, 0.35: 0.30, 0.50: 0.40, 0.55: 0.40, 0.60: 0.45,
              0.75: 0.55}
    assert {ball: t.land(ball) for ball in listed} == listed
    # others: 20 % less for 0.25 - 0.50 mm balls, 25 % from 0.55 mm, 15 % below 0.25 mm, rounded to 0.01 mm
    assert t.land(0.22) == 0.19 and t.land(0.32) == 0.26 and t.land(0.45) == 0.36 and t.land(0.65) == 0.49


def test_default_build_writes_the_board_footprint(tmp_path):
    res = build(variant(tmp_path, "fp", "default", **{"die.naming": {"a1_corner": "top-left", "view": "top"}}),
                tmp_path, run_drc=False)
    path = res.files["kicad_mod"]
    assert path.name == "fp.kicad_mod" and res.manifest.as_json()["outputs"]["kicad_mod"] == "fp.kicad_mod"
    fp = Footprint.from_file(str(path))
    pads = {p.number: p for p in fp.pads}
    assert len(pads) == 144 == len(res.manifest.as_json()["bumps"])
    for b in res.manifest.as_json()["bumps"]:          # pad named by the ball, at the bump seen from the top (y down)
        p = pads[b["ball"]]
        assert (p.position.X, p.position.Y) == pytest.approx((-b["x"] / 1000, -b["y"] / 1000), abs=1e-9)
    # A1 top left as the datasheet draws it: the most negative x and y of the footprint
    assert (pads["A1"].position.X, pads["A1"].position.Y) == (-2.2, -2.2)
    assert (pads["A12"].position.X, pads["A12"].position.Y) == (2.2, -2.2)
    assert (pads["M1"].position.X, pads["M1"].position.Y) == (-2.2, 2.2)
    # land from the 250 um ball: 0.25 mm less 20 % = 0.20 mm, NSMD: mask opening 0.05 mm larger a side
    assert {(p.size.X, p.size.Y, p.shape, p.type, p.solderMaskMargin) for p in pads.values()} == \
        {(0.2, 0.2, "circle", "smd", 0.05)}
    assert set(pads["A1"].layers) == {"F.Cu", "F.Mask", "F.Paste"}
    # courtyard: body 5.2 mm / 2 + 1.0 mm (IPC-7351B BGA, density N)
    court = _layer_points(fp, "F.CrtYd")
    assert max(x for x, _ in court) == 3.6 and min(y for _, y in court) == -3.6
    # fab outline: the 5.2 mm body with its A1 corner (top left) chamfered 1 mm
    fab = set(_layer_points(fp, "F.Fab"))
    assert fab == {(-2.6, -1.6), (-1.6, -2.6), (2.6, -2.6), (2.6, 2.6), (-2.6, 2.6)}
    # A1 mark on the silkscreen: a filled triangle outside the body's A1 corner
    silk = [g for g in fp.graphicItems if getattr(g, "layer", "") == "F.SilkS" and hasattr(g, "coordinates")]
    assert len(silk) == 1 and silk[0].fill == "solid"
    silk_points = _layer_points(fp, "F.SilkS")      # at the A1 corner, outside the body (clear of the lands)
    assert all(x < 0 and y < 0 and (x <= -2.6 - 0.11 or y <= -2.6 - 0.11) for x, y in silk_points)
    assert fp.attributes.type == "smd" and "IPC-7351B" in fp.description


def test_same_recipe_same_footprint_bytes(tmp_path):
    a = build(variant(tmp_path, "same", "default"), tmp_path / "a", run_drc=False).files["kicad_mod"]
    b = build(variant(tmp_path, "same", "default"), tmp_path / "b", run_drc=False).files["kicad_mod"]
    assert a.read_bytes() == b.read_bytes()


def test_test_vehicle_board_side_footprint(tmp_path):
    res = build(data_root() / "templates" / "test_vehicle.yaml", tmp_path, run_drc=False)
    fp = Footprint.from_file(str(res.files["board_kicad_mod"]))
    plan = res.die.structures
    lands = [p for p in fp.pads if p.shape == "circle"]
    probes = [p for p in fp.pads if p.shape == "rect"]
    assert len(lands) == len(plan.sites) and len(probes) == len(plan.escapes)
    assert {p.size.X for p in lands} == {plan.board_land / 1000}
    for s in plan.sites:
        p = next(q for q in lands if q.number == s.ball)
        assert (p.position.X, p.position.Y) == pytest.approx((-s.x / 1000, -s.y / 1000))
    assert {p.number for p in probes} == {e.role for e in plan.escapes}
    copper = [g for g in fp.graphicItems if getattr(g, "layer", "") == "F.Cu"]
    assert len(copper) == len(plan.board_links) + len(plan.escapes)
    # the die footprint of the test vehicle has every bump, also those outside the chain, each land from its own
    # type's ball: 250 um -> 0.20 mm, the 300 um power balls -> 0.25 mm (IPC-7351's table)
    die = _pads(res.files["kicad_mod"])
    assert len(die) == len(res.manifest.as_json()["bumps"])
    sizes = {b["ball"]: die[b["ball"]][2] for b in res.manifest.as_json()["bumps"]}
    kinds = {b["ball"]: b["type"] for b in res.manifest.as_json()["bumps"]}
    assert {kinds[k] for k, v in sizes.items() if v == 0.25} == {"power"}
    assert {kinds[k] for k, v in sizes.items() if v == 0.2} == {"base"}


def _st25_recipe(tmp_path: Path) -> Path:
    return variant(tmp_path, "st25", "default", **{
        "die.size": ["2.097 mm", "2.493 mm"],
        "die.bump_map": {"kind": "kicad", "file": str(ST25)},
        "die.naming": {"a1_corner": "top-left", "view": "top"}})


def test_kicad_library_footprint_as_ball_map(tmp_path):
    res = build(_st25_recipe(tmp_path), tmp_path)
    bumps = {b["name"]: b for b in res.manifest.as_json()["bumps"]}
    assert len(bumps) == 25 and res.drc.clean
    # KiCad pad A1 at (-0.8, -0.8) mm, top view, y down -> bump side, y up: (800, 800) um
    assert (bumps["A1"]["x"], bumps["A1"]["y"]) == (800.0, 800.0)
    assert (bumps["E5"]["x"], bumps["E5"]["y"]) == (-800.0, -800.0)
    assert all(b["ball"] == b["name"] for b in bumps.values())
    assert res.manifest.as_json()["bump_types"][0]["min_pitch"] == pytest.approx(400.0)


def test_round_trip_footprint_ball_map_footprint(tmp_path):
    first = build(_st25_recipe(tmp_path), tmp_path / "a", run_drc=False).files["kicad_mod"]
    again = variant(tmp_path, "again", "default", **{
        "die.size": ["2.097 mm", "2.493 mm"], "die.bump_map": {"kind": "kicad", "file": str(first)},
        "die.naming": {"a1_corner": "top-left", "view": "top"}})
    second = build(again, tmp_path / "b", run_drc=False).files["kicad_mod"]
    library = _pads(ST25)
    a, b = _pads(first), _pads(second)
    assert a == b                                                   # same pads, names, places and lands
    assert {k: v[:2] for k, v in a.items()} == {k: v[:2] for k, v in library.items()}   # as KiCad's library


def test_bad_footprint_is_one_line(tmp_path, cli):
    bad = tmp_path / "bad.kicad_mod"
    bad.write_text("(kicad_pcb (version 4))\n")
    path = variant(tmp_path, "bad", "default", **{"die.bump_map": {"kind": "kicad", "file": "bad.kicad_mod"}})
    code, _, err = cli("build", str(path), "--out", str(tmp_path))
    assert code == 2 and "not a KiCad footprint" in err and err.count("\n") == 1
    path = variant(tmp_path, "gone", "default", **{"die.bump_map": {"kind": "kicad", "file": "gone.kicad_mod"}})
    code, _, err = cli("build", str(path), "--out", str(tmp_path))
    assert code == 2 and "KiCad footprint not found" in err


def test_smd_lands_and_paste_by_the_table():
    from maskgen.input.site import Site
    from maskgen.outputs.kicad import die_lands
    t = land_table(data_root() / "pdk" / "default")
    sites = [Site("x", 100.0, -200.0, ball="B3"), Site("y", 0.0, 0.0, ball="C2", bump_type="power")]
    nsmd = die_lands(sites, {None: 250.0, "power": 300.0}, t)
    assert [(p.name, p.x, p.y, p.diameter, p.mask_margin) for p in nsmd] == \
        [("B3", -0.1, 0.2, 0.2, 0.05), ("C2", 0.0, 0.0, 0.25, 0.05)]
    # SMD: the mask opening is the land, the copper 0.05 mm larger a side (negative mask margin)
    smd = die_lands(sites, {None: 250.0}, t.model_copy(update={"mask": "SMD", "paste": False}))
    assert [(p.diameter, p.mask_margin, p.paste_margin) for p in smd] == [(0.3, -0.05, None), (0.3, -0.05, None)]


def _sizeless(tmp_path: Path, name: str, footprint: Path) -> Path:
    """The default recipe with the footprint as its ball map and no die.size."""
    data = set_keys(load_template("default"), {"die.bump_map": {"kind": "kicad", "file": str(footprint)},
                                               "die.naming": {"a1_corner": "top-left", "view": "top"}})
    del data["die"]["size"]
    return write_recipe(tmp_path, name, data)


def test_die_size_from_the_footprints_fab_outline(tmp_path):
    """ST's F.Fab outline runs x -1.0485..1.0485, y -1.2465..1.2465 mm (A1 corner chamfered): 2097 x 2493 um."""
    res = build(_sizeless(tmp_path, "st25_sizeless", ST25), tmp_path / "a")
    assert res.manifest.as_json()["die"]["size"] == [2097.0, 2493.0] and res.drc.clean
    assert _die_box(res.files["gds"]) == (2097.0, 2493.0)
    again = build(_sizeless(tmp_path, "again", res.files["kicad_mod"]), tmp_path / "b", run_drc=False)
    assert again.manifest.as_json()["die"]["size"] == [2097.0, 2493.0]      # maskgen's own footprint keeps the body


def _die_box(gds: Path) -> tuple[float, float]:
    """Width and height um of the DIE layer's bounding box, read back with klayout.db."""
    import klayout.db as kdb
    ly = kdb.Layout()
    ly.read(str(gds))
    box = kdb.Region(ly.top_cell().begin_shapes_rec(ly.layer(*_gds("DIE")))).bbox()
    return (box.width() * ly.dbu, box.height() * ly.dbu)


def _gds(layer: str) -> tuple[int, int]:
    from maskgen.input.pdk import load_pdk
    return load_pdk("default").gds(layer)


@pytest.mark.parametrize(("outline", "said"), [
    ("", "the footprint draws no fab outline"),
    ("(fp_line (start 0 0) (end 2 0) (layer F.Fab) (width 0.1))\n"
     "(fp_line (start 2 0) (end 2 2) (layer F.Fab) (width 0.1))\n", "is not centred on the footprint origin"),
])
def test_footprint_without_a_centred_body_needs_die_size(tmp_path, cli, outline, said):
    text = ST25.read_text()
    kept = "\n".join(line for line in text.splitlines() if "(layer F.Fab)" not in line or "fp_text" in line)
    fp = tmp_path / "fp.kicad_mod"
    fp.write_text(kept.replace("(fp_line", outline + "(fp_line", 1))
    code, _, err = cli("build", str(_sizeless(tmp_path, "nobody", fp)), "--out", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1, err
    assert "fp.kicad_mod: F.Fab" in err and said in err and "give die.size" in err


def _kiutils_pad_object(land):
    """The land as a kiutils Pad (how the footprint's pads were written before pad_text)."""
    from kiutils.footprint import Pad
    from kiutils.items.common import Position
    layers = ["F.Cu", "F.Mask"] + (["F.Paste"] if land.paste_margin is not None else [])
    return Pad(number=land.name, type="smd", shape=land.shape, position=Position(X=land.x, Y=land.y),
               size=Position(X=land.diameter, Y=land.diameter), layers=layers, solderMaskMargin=land.mask_margin,
               solderPasteMargin=land.paste_margin if land.paste_margin else None)


def _kiutils_pad(land) -> str:
    """The land as a kiutils Pad's text at the footprint's indent."""
    return _kiutils_pad_object(land).to_sexpr(indent=2)


def test_pad_text_is_kiutils_pad_text():
    from maskgen.outputs.kicad import Land, pad_text
    lands = [Land("A1", -2.2, 0.0, 0.2, 0.05, -0.01), Land("AB12", 1e-06, 123.456789, 0.24, 0.0, 0.0),
             Land('odd "name"', 0.1, -0.3, 0.3, -0.05, None), Land("VDD", 3.0, -4.5, 0.5, 0.05, shape="rect"),
             Land("B3", -0.1, 0.2, 0.2, 0.05, 0.012)]
    for land in lands:
        assert pad_text(land) == _kiutils_pad(land)
    assert pad_text(lands[0]) == '  (pad "A1" smd circle (at -2.2 0.0) (size 0.2 0.2) ' \
        '(layers "F.Cu" "F.Mask" "F.Paste")\n    (solder_mask_margin 0.05) (solder_paste_margin -0.01))\n'


def test_footprint_text_is_kiutils_text(tmp_path):
    import copy

    from maskgen.outputs.kicad import board_footprint, die_footprint
    res = build(data_root() / "templates" / "test_vehicle.yaml", tmp_path, run_drc=False)
    for fp, kind in ((die_footprint(res.design, res.die), "kicad_mod"),
                     (board_footprint(res.design, res.die.structures), "board_kicad_mod")):
        whole = copy.deepcopy(fp.drawing)          # the footprint as kiutils writes it with a Pad per land
        whole.pads = [_kiutils_pad_object(land) for land in fp.lands]
        assert len(whole.pads) > 10 and {p.shape for p in whole.pads} >= {"circle"}
        assert fp.text() == whole.to_sexpr() == res.files[kind].read_text()
