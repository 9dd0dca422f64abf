"""`kind: table` JEDEC ball maps: two real 64-ball WLCSP parts rebuilt with exact ball positions, read back
from the written GDS with klayout.db, and bad tables refused with one located line.

Ball positions and die sizes come from the package drawings of the public datasheets:
- Cirrus Logic CS42L73 (DS882F1, Table 17, 64-ball WLCSP): die X = Y = 3.440 mm, pitch e = 0.400 mm, ball grid
  M = N = 2.800 mm, ball centre to die edge c = d = 0.320 mm, solder sphere b = 0.260 mm nominal.
- ST STM32F103xC/D/E (DS14611 Rev 8, Table 68, WLCSP64): die D = 4.466 mm x E = 4.395 mm, pitch e = 0.500 mm,
  e1 = 3.500 mm, ball centre to die edge G = 0.483 mm (along D) and F = 0.447 mm (along E), b = 0.320 mm.
Both are full 8 x 8 arrays (64 balls, none depopulated). Their signal tables were not at hand, so the nets
typed here are placeholders; the population and the positions are the parts'.
"""

from __future__ import annotations

import pytest
import yaml

from maskgen.build import build
from maskgen.input.jedec import ROW_LETTERS

COLUMNS = range(1, 9)
ROWS = ROW_LETTERS[:8]            # A..H


def _recipe(tmp_path, name, size, bump_map, ball, ubm, naming=None):
    data = {
        "name": name, "process": "ball_drop",
        "materials": {"pad": "Al", "adhesion": "Ti", "wetting": "Cu", "polymer": "WBR2100"},
        "die": {"size": size, "bump_map": bump_map, "naming": naming or {"a1_corner": "top-left", "view": "top"}},
        "bump": {"pad": {"width": ubm + 25, "shape": "octagon"}, "passivation_opening": ubm - 35,
                 "ubm_diameter": ubm},
        "solder": {"alloy": "SAC305", "ball_diameter": ball},
        "ball_drop": {"polymer_opening": ball + 30},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _bump_centres(gds) -> set[tuple[float, float]]:
    return {(round(p.bbox().center().x * gds.dbu, 3), round(p.bbox().center().y * gds.dbu, 3))
            for p in gds.region("BUMP").each()}


def _expected(width, height, edge_x, edge_y, pitch):
    """Ball centres from the package drawing, A1 top-left seen from the top = top-right seen from the bumps."""
    out = {}
    for r, letter in enumerate(ROWS):
        for c in COLUMNS:
            x = width / 2 - edge_x - (c - 1) * pitch          # column 1 at the right (bump side)
            y = height / 2 - edge_y - r * pitch               # row A at the top
            out[f"{letter}{c}"] = (round(x, 3), round(y, 3))
    return out


def test_cs42l73_64_ball_wlcsp_from_its_table(tmp_path, read_gds):
    rows = {letter: " ".join(f"N{letter}{c}" for c in COLUMNS) for letter in ROWS}
    res = build(_recipe(tmp_path, "cs42l73", [3440, 3440], {"kind": "table", "pitch": 400, "rows": rows},
                        ball=260, ubm=215), tmp_path)
    assert res.drc.clean
    expected = _expected(3440, 3440, 320, 320, 400)
    got = {b["name"]: (b["x"], b["y"]) for b in res.manifest.as_json()["bumps"]}
    assert got == expected
    assert {b["name"]: b["net"] for b in res.manifest.as_json()["bumps"]}["C5"] == "NC5"
    gds = read_gds(res.files["gds"])
    assert _bump_centres(gds) == set(expected.values())
    # corner balls 320 um from both die edges; the 2.8 mm ball grid (M, N)
    xs = sorted({x for x, _ in expected.values()})
    assert xs[0] == pytest.approx(-3440 / 2 + 320) and xs[-1] - xs[0] == pytest.approx(2800)
    # regular rows: 8 array references of 8 balls (or fewer), not 64 single ones
    assert res.manifest.as_json()["die"]["arrays"] == 8


def test_stm32f103_wlcsp64_from_a_table_file(tmp_path, read_gds):
    lines = ["# STM32F103xC/D/E WLCSP64 ball map (top view)", "    " + "  ".join(str(c) for c in COLUMNS)]
    lines += [f"{letter}   " + "  ".join(f"S{letter}{c}" for c in COLUMNS) for letter in ROWS]
    (tmp_path / "wlcsp64.txt").write_text("\n".join(lines) + "\n")
    res = build(_recipe(tmp_path, "stm32f103_wlcsp64", [4466, 4395],
                        {"kind": "table", "pitch": 500, "file": "wlcsp64.txt"}, ball=320, ubm=260), tmp_path)
    assert res.drc.clean
    expected = _expected(4466, 4395, 483, 447.5, 500)
    got = {b["name"]: (b["x"], b["y"]) for b in res.manifest.as_json()["bumps"]}
    assert got == expected
    assert _bump_centres(read_gds(res.files["gds"])) == set(expected.values())
    a1 = res.manifest.as_json()["die"]["naming"]["a1"]
    assert (4466 / 2 - a1["x"], 4395 / 2 - a1["y"]) == pytest.approx((483, 447.5))   # G and F of Table 68


def test_depopulated_balls_and_bump_side_view(tmp_path):
    rows = {"A": "VDD - GND", "B": ["IO1", "-", "IO2"], "C": "- - RST"}
    res = build(_recipe(tmp_path, "small", [3000, 3000], {"kind": "table", "pitch": 400, "rows": rows},
                        ball=250, ubm=215, naming={"a1_corner": "bottom-left", "view": "bump"}), tmp_path)
    got = {b["name"]: (b["x"], b["y"], b["net"]) for b in res.manifest.as_json()["bumps"]}
    assert got == {"A1": (-400, -400, "VDD"), "A3": (400, -400, "GND"), "B1": (-400, 0, "IO1"),
                   "B3": (400, 0, "IO2"), "C3": (400, 400, "RST")}


@pytest.mark.parametrize("rows,needle", [
    ({"A": "VDD GND", "C": "IO1 IO2"}, "missing B"),
    ({"A": "VDD GND", "I": "IO1 IO2"}, "not a JEDEC row letter"),
    ({"A": "VDD GND", "B": "IO1"}, "row B has 1 entries, row A has 2"),
    ({"A": "- -"}, "depopulated"),
])
def test_bad_inline_tables(cli, tmp_path, rows, needle):
    recipe = _recipe(tmp_path, "badtable", [3000, 3000], {"kind": "table", "pitch": 400, "rows": rows},
                     ball=250, ubm=215)
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and "die.bump_map" in err and ".rows" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "badtable").exists()


@pytest.mark.parametrize("text,needle", [
    ("   1 2 3\nA  x y z\nB  x y\n", "line 3"),
    ("   1 3\nA  x y\n", "number the columns"),
    ("   1 2\nA  x y\nA  x y\n", "given twice"),
    ("   1 2\nO  x y\n", "not a JEDEC row letter"),
    ("", "holds no rows"),
])
def test_bad_table_files(cli, tmp_path, text, needle):
    (tmp_path / "t.txt").write_text(text)
    recipe = _recipe(tmp_path, "badfile", [3000, 3000], {"kind": "table", "pitch": 400, "file": "t.txt"},
                     ball=250, ubm=215)
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and "t.txt" in err and len(err.strip().splitlines()) == 1


def test_table_needs_rows_or_file(cli, tmp_path):
    recipe = _recipe(tmp_path, "neither", [3000, 3000], {"kind": "table", "pitch": 400}, ball=250, ubm=215)
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and "exactly one of rows" in err
