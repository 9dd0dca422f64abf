"""Per-bump rules checked once per cell (maskgen.drc.isolated) give the answers of the whole-layout check."""

from __future__ import annotations

import math
import random

import gdstk
import pytest

from maskgen.drc import isolated, run_drc

DEFECTS = {
    "good": {},
    "pasv_out": {"pasv_shift": 30.0},            # PASV.IN_PAD, UBM.COVERS_PASV
    "narrow": {"pasv": 20.0},                    # PASV.WIDTH
    "ubm_off": {"ubm_at": 150.0},                # UBM.ISLAND (and the UBM no longer covers the opening)
    "ball_out": {"ball_shift": 30.0},            # BALL.OPENING
    "bridge": {"second_ball": 40.0},             # BUMP.SPACE: two balls overlapping
}


def _bump(d, name: str, pasv: float = 60, pasv_shift: float = 0.0, ubm_at: float = 0.0, ball_shift: float = 0.0,
          second_ball: float | None = None) -> gdstk.Cell:
    cell = d.cell(name)
    d.square("PAD", 0, 0, 100, cell=cell)
    d.square("PASV", pasv_shift, 0, pasv, cell=cell)
    d.square("UBM", ubm_at, 0, 120, cell=cell)
    d.square("POLY", 0, 0, 100, cell=cell)
    d.circle("BUMP", ball_shift, 0, 80, cell=cell)
    if second_ball is not None:
        d.circle("BUMP", second_ball, 0, 80, cell=cell)
    return cell


def _scatter(d, count: int = 60) -> None:
    """`count` single references of the bump cells at jittered offsets (turned and mirrored), 600 um apart."""
    cells = [_bump(d, name, **kw) for name, kw in DEFECTS.items()]
    rng = random.Random(7)
    for i in range(count):
        x = (i % 10) * 600 + rng.uniform(-3, 3)
        y = (i // 10) * 600 + rng.uniform(-3, 3)
        d.top.add(gdstk.Reference(cells[i % len(cells)], (round(x, 3), round(y, 3)),
                                  rotation=(i % 4) * math.pi / 2, x_reflection=bool(i % 3 == 0)))
    d.rect("DIE", -500, -500, 6000, 4000)


def _summary(result) -> tuple:
    rules = [(r.id, r.status, r.count, r.listed) for r in result.rules]
    found = [(v.rule, v.message, v.bbox, str(v.shape)) for v in result.violations]
    return rules, found


@pytest.mark.parametrize("flat", [False, True])
def test_per_cell_check_gives_the_whole_layout_answers(drawing, pdk, tmp_path, monkeypatch, flat):
    _scatter(drawing)
    path = drawing.write(tmp_path / "scatter.gds")
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 10**9)
    whole = run_drc(path, pdk, process="ball_drop")     # deep (a flat whole check words edge pairs the other way)
    calls = []
    real = isolated.cell_layers
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 1)
    monkeypatch.setattr(isolated, "cell_layers", lambda full, cell: calls.append(cell.name) or real(full, cell))
    per_cell = run_drc(path, pdk, process="ball_drop", flat=flat)
    assert _summary(per_cell) == _summary(whole)
    failing = {r.id: r.count for r in whole.rules if r.status == "fail"}
    # 10 placements of each defect cell: each rule fires at every placement of its defect
    for rule in ("PASV.IN_PAD", "PASV.WIDTH", "UBM.ISLAND", "BALL.OPENING", "BUMP.SPACE", "UBM.COVERS_PASV"):
        assert failing.get(rule, 0) >= 10, (rule, failing)
    assert failing["BUMP.SPACE"] == 10
    # the six local rules ran per cell, on each of the six cells
    assert len(calls) >= 6 * 6 and set(calls) == set(DEFECTS)


def test_cells_within_reach_are_checked_as_a_whole(drawing, pdk, tmp_path, monkeypatch):
    cell = _bump(drawing, "good")
    for i in range(20):          # 101 um apart: the 120 um UBM islands of neighbours overlap
        drawing.top.add(gdstk.Reference(cell, (i * 101.0, 0)))
    drawing.rect("DIE", -500, -500, 2500, 500)
    path = drawing.write(tmp_path / "close.gds")
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 10**9)
    whole = run_drc(path, pdk, process="ball_drop")
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 1)
    assert _summary(run_drc(path, pdk, process="ball_drop")) == _summary(whole)
    assert whole.rule("UBM.ISLAND").status == "fail"        # merged islands cover two openings


def test_apart_finds_touching_boxes():
    import numpy as np
    assert isolated._apart(np.array([[0, 0, 10, 10], [11, 0, 20, 10], [0, 11, 10, 20]]))
    assert not isolated._apart(np.array([[0, 0, 10, 10], [30, 30, 40, 40], [10, 10, 12, 12]]))
    assert not isolated._apart(np.array([[0, 0, 100, 10], [5, 50, 6, 60], [50, 5, 60, 6]]))


def test_apart_agrees_with_every_pair_compared():
    import itertools

    import numpy as np
    rng = random.Random(1)
    for _ in range(2000):
        boxes = []
        for _ in range(rng.randint(2, 12)):
            x, y = rng.randint(-50, 50), rng.randint(-50, 50)
            boxes.append((x, y, x + rng.randint(0, 20), y + rng.randint(0, 20)))
        every = not any(p[0] <= q[2] and q[0] <= p[2] and p[1] <= q[3] and q[1] <= p[3]
                        for p, q in itertools.combinations(boxes, 2))
        assert isolated._apart(np.array(boxes)) == every, boxes


def test_flat_pitch_and_edge_checks_find_what_the_whole_check_finds(drawing, pdk, tmp_path, monkeypatch):
    cell = _bump(drawing, "good")
    rng = random.Random(3)
    for i in range(30):          # 130 um pitch: the 120 um UBM islands 10 um apart, closer than BUMP.PITCH asks
        drawing.top.add(gdstk.Reference(cell, (i * 130.0 + round(rng.uniform(-2, 2), 3), 0)))
    drawing.rect("DIE", -60, -500, 3900, 500)       # the first pad's centre 60 um from the die edge
    path = drawing.write(tmp_path / "tight.gds")
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 10**9)
    whole = run_drc(path, pdk, process="ball_drop")
    monkeypatch.setattr(isolated, "MIN_INSTANCES", 1)
    assert _summary(run_drc(path, pdk, process="ball_drop")) == _summary(whole)
    assert whole.rule("BUMP.PITCH").count == 29
    assert whole.rule("DIE.EDGE").count == 1
