"""Free bump sites (CSV, DEF) placed as the design gives them: every bump on the manufacturing grid, read back."""

from __future__ import annotations

import random
from pathlib import Path

import klayout.db as kdb

from maskgen.build import build
from maskgen.layout.sites import Site, runs


def test_runs_put_every_site_on_the_grid() -> None:
    """Sites 1 nm off the 5 nm grid (as a DEF at 1000 units per um gives them): arrays start and step on the grid,
    so no site an array places is off it; equally spaced sites still share one array."""
    sites = [Site(f"B{i}", 100.001 * i, 0.0) for i in range(4)]          # spacing 100.001: off the grid
    sites += [Site(f"C{i}", 150.0 * i + 0.0021, 300.0) for i in range(5)]  # one spacing on the grid
    placed = [(a.x + k * a.dx, a.y) for a in runs(sites, 0.005) for k in range(a.columns)]
    assert len(placed) == 9
    for x, y in placed:
        assert abs(x / 0.005 - round(x / 0.005)) < 1e-6 and abs(y / 0.005 - round(y / 0.005)) < 1e-6
    row = [a for a in runs(sites, 0.005) if a.y == 300.0]
    assert [(a.columns, a.dx) for a in row] == [(5, 150.0)]
    assert sorted(round(x, 3) for x, y in placed if y == 0.0) == [0.0, 100.0, 200.0, 300.005]


def test_jittered_csv_builds_clean_on_the_grid(tmp_path: Path) -> None:
    """400 bumps moved up to 3 um off a 165 um grid at 1 nm resolution: DRC clean (GRID included), and every
    UBM island's centre, read back with klayout.db, within 2.5 nm of its site."""
    rng = random.Random(7)
    rows = ["name,x,y"]
    for r in range(20):
        for c in range(20):
            x, y = (c - 9.5) * 165 + rng.uniform(-3, 3), (r - 9.5) * 165 + rng.uniform(-3, 3)
            rows.append(f"B{r}_{c},{x:.3f},{y:.3f}")
    (tmp_path / "bumps.csv").write_text("\n".join(rows) + "\n")
    recipe = tmp_path / "jitter.yaml"
    recipe.write_text("""name: jitter
process: ball_drop
materials: {pad: Al, adhesion: Ti, wetting: Cu, polymer: WBR2100}
die: {size: [3800, 3800], bump_map: {kind: csv, file: bumps.csv}}
bump: {pad: {width: 80, shape: octagon}, passivation_opening: 40, ubm_diameter: 65}
solder: {alloy: SAC305, ball_diameter: 60}
ball_drop: {polymer_opening: 80}
""")
    result = build(recipe, tmp_path / "out")
    assert result.drc is not None and result.drc.clean, result.drc.verdict()
    ly = kdb.Layout()
    ly.read(str(result.files["gds"]))
    ubm = kdb.Region(ly.top_cell().begin_shapes_rec(ly.layer(3, 0))).merged()
    centres = sorted((p.bbox().center().x, p.bbox().center().y) for p in ubm.each())
    wanted = sorted((float(x) * 1000, float(y) * 1000) for _, x, y in (r.split(",") for r in rows[1:]))
    assert len(centres) == 400
    for (cx, cy), (wx, wy) in zip(sorted(centres, key=lambda c: (round(c[1], -4), c[0])),
                                  sorted(wanted, key=lambda c: (round(c[1], -4), c[0])), strict=True):
        assert abs(cx - wx) <= 2.5 and abs(cy - wy) <= 2.5
        assert cx % 5 == 0 and cy % 5 == 0
