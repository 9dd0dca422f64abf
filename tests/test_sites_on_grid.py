"""Every bump map is drawn on the 5 nm grid by one rounding (`maskgen.layout.sites.on_grid`), and the manifest
records each bump where the GDS has it (issue 21): a datasheet row pitch of 346.333 um was 1.5 nm apart."""

from __future__ import annotations

import json

import pytest
import yaml

from maskgen.build import build
from maskgen.layout.sites import on_grid

MAPS = {
    "table": {"kind": "table", "pitch": [400, 346.333], "rows": {"A": "N1 N2 N3", "B": "N4 N5 N6", "C": "N7 N8 N9"}},
    "staggered": {"kind": "staggered", "pitch": [400.003, 346.333], "count": [3, 3]},
    "grid": {"kind": "grid", "pitch": [400.002, 346.333], "count": [3, 3]},
    "ring": {"kind": "ring", "pitch": 400.001, "count": [3, 3], "rings": 1},
}


@pytest.mark.parametrize("kind", sorted(MAPS))
def test_off_grid_pitch_drawn_on_the_grid_and_recorded_as_drawn(kind, tmp_path, read_gds):
    data = {"name": f"map_{kind}", "process": "ball_drop",
            "materials": {"pad": "Al", "adhesion": "Ti", "wetting": "Cu", "polymer": "WBR2100"},
            "die": {"size": [2400, 2400], "bump_map": MAPS[kind]},
            "bump": {"pad": {"width": 240, "shape": "octagon"}, "passivation_opening": 180, "ubm_diameter": 215},
            "solder": {"alloy": "SAC305", "ball_diameter": 250}, "ball_drop": {"polymer_opening": 280}}
    path = tmp_path / f"map_{kind}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    res = build(path, tmp_path)
    assert res.drc.rule("GRID").status == "pass"
    gds = read_gds(res.files["gds"])
    drawn = sorted((round(p.bbox().center().x * gds.dbu, 4), round(p.bbox().center().y * gds.dbu, 4))
                   for p in gds.region("BUMP").each())
    manifest = json.loads(res.files["json"].read_text())
    recorded = sorted((b["x"], b["y"]) for b in manifest["bumps"])
    assert recorded == drawn
    assert all(on_grid(v, 0.005) == v or abs(on_grid(v, 0.005) - v) < 1e-9 for xy in recorded for v in xy)
    # the off-grid pitch is not simply truncated: rows stay within half a grid step of the nominal pitch
    ys = sorted({y for _, y in recorded})
    pitch = 400.001 if kind == "ring" else 346.333
    assert all(abs((b - a) - pitch) <= 0.005 for a, b in zip(ys, ys[1:], strict=False))


def test_on_grid_rounds_to_the_nearest_grid_point():
    assert on_grid(173.1665, 0.005) == pytest.approx(173.165)
    assert on_grid(-519.4995, 0.005) == pytest.approx(-519.5)
    assert on_grid(400.0, 0.005) == 400.0


def test_sites_on_grid_keeps_every_field():
    from dataclasses import fields, replace

    from maskgen.input.site import Site
    from maskgen.layout.sites import sites_on_grid
    values = {"name": "U7", "x": 10.0004, "y": -3.00049, "net": "VDD", "ball": "C4", "bump_type": "power",
              "outline": ((-1.0, -1.0), (1.0, -1.0), (1.0, 1.0))}
    assert {f.name for f in fields(Site)} == set(values)     # a new Site field must be carried by sites_on_grid
    site = Site(**values)
    (moved,) = sites_on_grid([site], 0.001)
    assert moved == replace(site, x=10.0, y=-3.0)
    on = Site("A1", 1.5, 2.5, ball="A1")
    assert sites_on_grid([on], 0.001)[0] is on
