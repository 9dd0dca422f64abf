"""JEDEC ball names for every map kind: rows skip I O Q S X Z, AA after Y, the A1 corner and view of the recipe,
the A1 mark, names as text labels on the LABEL layer (read back with klayout.db) and in the manifest."""

from __future__ import annotations

import klayout.db as kdb
import pytest
from recipe_variants import variant

from maskgen.build import build
from maskgen.input.jedec import ROW_LETTERS, ball_name, ball_names, row_index, row_name, split_ball
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def _variant(tmp_path, name, **changes):
    return variant(tmp_path, name, "default", **changes)


def _labels(gds) -> dict[tuple[float, float], str]:
    """Text labels on LABEL, flattened to the top cell: position (um) -> text."""
    lay, dt = gds.pdk.gds("LABEL")
    li = gds.layout.find_layer(lay, dt)
    out = {}
    it = gds.top.begin_shapes_rec(li)
    while not it.at_end():
        if it.shape().is_text():
            t = it.shape().text.transformed(it.trans())
            out[(round(t.x * gds.dbu, 3), round(t.y * gds.dbu, 3))] = t.string
        it.next()
    return out


def test_row_letters_skip_i_o_q_s_x_z_and_aa_follows_y():
    assert ROW_LETTERS == "ABCDEFGHJKLMNPRTUVWY"
    assert [row_name(i) for i in range(22)] == list("ABCDEFGHJKLMNPRTUVWY") + ["AA", "AB"]
    assert row_name(39) == "AY" and row_name(40) == "BA" and row_name(20 + 400) == "AAA"
    assert all(row_index(row_name(i)) == i for i in range(2000))
    assert ball_name(20, 11) == "AA12" and split_ball("AA12") == (20, 11)
    for bad in ("I", "O", "Q", "S", "X", "Z", "AI"):
        with pytest.raises(ValueError, match="JEDEC row letter"):
            row_index(bad)


@pytest.mark.parametrize("corner,view,a1,a3,c1", [
    ("bottom-left", "bump", (-1, -1), (1, -1), (-1, 1)),
    ("top-left", "bump", (-1, 1), (1, 1), (-1, -1)),
    ("top-left", "top", (1, 1), (-1, 1), (1, -1)),       # seen from the top side: mirrored left to right
    ("bottom-right", "top", (-1, -1), (1, -1), (-1, 1)),
])
def test_a1_corner_and_view(corner, view, a1, a3, c1):
    xs, ys = [], []
    for j in (-1, 0, 1):
        for i in (-1, 0, 1):
            xs.append(i * 400.0)
            ys.append(j * 400.0)
    names = dict(zip(zip(xs, ys, strict=True), ball_names(xs, ys, corner, view), strict=True))
    assert names[(a1[0] * 400.0, a1[1] * 400.0)] == "A1"
    assert names[(a3[0] * 400.0, a3[1] * 400.0)] == "A3"
    assert names[(c1[0] * 400.0, c1[1] * 400.0)] == "C1"
    assert names[(a1[0] * 400.0, 0.0)] == "B1"
    assert names[(0.0, 0.0)] == "B2"


def test_grid_labels_mark_and_manifest(tmp_path, read_gds):
    """12 x 12 at 400 um with A1 top-left seen from the top: A1 is the layout's top-right ball."""
    res = build(_variant(tmp_path, "named", **{"die.naming": {"a1_corner": "top-left", "view": "top",
                                                               "a1_mark": 150}}), tmp_path)
    assert res.drc.clean
    gds = read_gds(res.files["gds"])
    labels = _labels(gds)
    assert len(labels) == 144
    assert labels[(2200.0, 2200.0)] == "A1"
    assert labels[(-2200.0, 2200.0)] == "A12"
    assert labels[(2200.0, -2200.0)] == "M1"           # 12th row letter: A..H, J..M
    assert labels[(-2200.0, -2200.0)] == "M12"
    # every label sits on a bump centre and carries the manifest's name of that bump
    bumps = {(b["x"], b["y"]): b for b in res.manifest.as_json()["bumps"]}
    assert {k: b["name"] for k, b in bumps.items()} == labels
    assert all(b["ball"] == b["name"] for b in bumps.values())
    assert res.manifest.as_json()["die"]["naming"]["a1"] == {"name": "A1", "x": 2200.0, "y": 2200.0}
    assert res.manifest.as_json()["die"]["naming"]["a1_corner_in_layout"] == "top-right"
    # the A1 mark: a right triangle with 150 um legs in the top-right die corner (die 5200 um)
    mark = list(gds.region("LABEL").each())
    assert len(mark) == 1
    assert mark[0].area() * gds.dbu**2 == pytest.approx(150 * 150 / 2)
    assert mark[0].bbox() == kdb.Box(gds.um(2450), gds.um(2450), gds.um(2600), gds.um(2600))


def test_depopulated_grid_keeps_its_column_numbers(tmp_path):
    res = build(_variant(tmp_path, "holes", **{"die.bump_map": {"kind": "grid", "pitch": [400, 400], "count": [4, 3],
                                                                 "depopulate": [[0, 0], [0, 1], [0, 2]]}}), tmp_path)
    names = sorted(b["name"] for b in res.manifest.as_json()["bumps"])
    assert names == ["A2", "A3", "A4", "B2", "B3", "B4", "C2", "C3", "C4"]
    assert res.manifest.as_json()["die"]["naming"]["a1"] is None      # ball A1 is depopulated


def test_staggered_rows_use_half_pitch_columns(tmp_path):
    res = build(_variant(tmp_path, "stag", **{"die.bump_map": {"kind": "staggered", "pitch": [400, 400],
                                                                "count": [3, 2]}}), tmp_path)
    got = {b["name"]: (b["x"], b["y"]) for b in res.manifest.as_json()["bumps"]}
    # row A (bottom) is shifted left by a quarter pitch: odd columns; row B even columns
    assert got == {"A1": (-500.0, -200.0), "A3": (-100.0, -200.0), "A5": (300.0, -200.0),
                   "B2": (-300.0, 200.0), "B4": (100.0, 200.0), "B6": (500.0, 200.0)}


def test_ring_gets_ball_names_not_b_numbers(tmp_path, read_gds):
    res = build(_variant(tmp_path, "ring", **{"die.bump_map": {"kind": "ring", "pitch": 400, "count": [12, 12],
                                                                "rings": 2}}), tmp_path)
    names = {b["name"] for b in res.manifest.as_json()["bumps"]}
    assert len(names) == 80
    assert {"A1", "A12", "M1", "M12", "B2", "B11", "L2", "L11"} <= names
    assert not names & {"C3", "F6", "B1x"} and not any(n.startswith("B") and n[1:].isdigit() and int(n[1:]) > 12
                                                       for n in names)
    assert len(_labels(read_gds(res.files["gds"]))) == 80


def test_csv_keeps_its_names_and_gets_ball_names(tmp_path, read_gds):
    rows = ["name,x,y,net", "VDD_1,-400,-400,VDD", "IO_1,0,-400,IO1", "GND_1,400,400,GND"]
    (tmp_path / "balls.csv").write_text("\n".join(rows) + "\n")
    res = build(_variant(tmp_path, "csvnames", **{"die.bump_map": {"kind": "csv", "file": "balls.csv"}}), tmp_path)
    got = {b["name"]: b["ball"] for b in res.manifest.as_json()["bumps"]}
    assert got == {"VDD_1": "A1", "IO_1": "A2", "GND_1": "C3"}     # the 400 um grid the sites sit on
    assert set(_labels(read_gds(res.files["gds"])).values()) == {"VDD_1", "IO_1", "GND_1"}


def test_labels_and_mark_can_be_left_out(tmp_path, read_gds):
    res = build(_variant(tmp_path, "bare", **{"die.naming": {"labels": False, "a1_mark": 0}}), tmp_path)
    gds = read_gds(res.files["gds"])
    assert gds.layout.find_layer(*gds.pdk.gds("LABEL")) is None
    assert res.manifest.as_json()["bumps"][0]["name"] == "A1"


@pytest.mark.parametrize("naming,needle", [
    ({"a1_corner": "upper-left"}, "die.naming.a1_corner"),
    ({"view": "side"}, "die.naming.view"),
    ({"a1_mark": 3000}, "die.naming.a1_mark"),
    ({"a1_mark": -5}, "die.naming.a1_mark"),
    ({"corner": "top-left"}, "die.naming.corner"),
])
def test_bad_naming(cli, tmp_path, naming, needle):
    recipe = _variant(tmp_path, "badname", **{"die.naming": naming})
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "badname").exists()
