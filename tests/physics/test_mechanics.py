"""Suspended-bump mechanics (maskgen.design.physics.mechanics, patent 004), checked against hand-worked values."""

from __future__ import annotations

import math

import pytest

from maskgen.design.physics import mechanics


def test_cantilever_stiffness_copper_by_hand():
    # Cu E = 117 GPa, w = 20, t = 5, L = 200 um:
    # 117e3 * 20 * 5^3 / (4 * 200^3) = 117e3 * 20 * 125 / (4 * 8e6) = 292.5e6 / 32e6 = 9.140625 N/m
    assert mechanics.cantilever_stiffness(117.0, 20.0, 5.0, 200.0) == pytest.approx(9.140625, rel=1e-12)


def test_cantilever_stiffness_scaling():
    k = mechanics.cantilever_stiffness(117.0, 20.0, 5.0, 200.0)
    assert mechanics.cantilever_stiffness(117.0, 20.0, 5.0, 400.0) == pytest.approx(k / 8)    # L^-3
    assert mechanics.cantilever_stiffness(117.0, 20.0, 10.0, 200.0) == pytest.approx(k * 8)   # t^3
    assert mechanics.cantilever_stiffness(117.0, 40.0, 5.0, 200.0) == pytest.approx(k * 2)    # w
    # polyimide E = 3 GPa, w = 40, t = 10, L = 100: 3e3 * 40 * 1000 / (4 * 1e6) = 1.2e8 / 4e6 = 30 N/m
    assert mechanics.cantilever_stiffness(3.0, 40.0, 10.0, 100.0) == pytest.approx(30.0)


def test_parallel():
    # 1 + 2 + 3.5 = 6.5; no springs -> 0
    assert mechanics.parallel(1.0, 2.0, 3.5) == pytest.approx(6.5)
    assert mechanics.parallel() == 0.0


def test_dnp_by_hand():
    # 3-4-5 triangle: sqrt(3000^2 + 4000^2) = 5000; from (3000, 0): |4000| = 4000
    assert mechanics.dnp(3000.0, 4000.0) == pytest.approx(5000.0)
    assert mechanics.dnp(3000.0, 4000.0, die_centre=(3000.0, 0.0)) == pytest.approx(4000.0)
    assert mechanics.dnp(-3000.0, -4000.0) == pytest.approx(5000.0)


def test_thermal_displacement_fr4_on_si_by_hand():
    # FR-4 16 ppm/K vs Si 2.6 ppm/K, dT = 100 K, DNP = 5000 um: 13.4e-6 * 100 * 5000 = 6.7 um
    assert mechanics.thermal_displacement(16.0, 2.6, 100.0, 5000.0) == pytest.approx(6.7, rel=1e-12)
    # the centre bump does not move; cooling reverses the sign
    assert mechanics.thermal_displacement(16.0, 2.6, 100.0, 0.0) == 0.0
    assert mechanics.thermal_displacement(16.0, 2.6, -100.0, 5000.0) == pytest.approx(-6.7, rel=1e-12)


def test_no_restoring_force_is_offered():
    # the vertical arm stiffness times a lateral displacement is no force on the joint (issue 24): gone
    assert not hasattr(mechanics, "restoring_force") and not hasattr(mechanics, "restoring_force_mn")


def test_bump_mechanics_combines_line_and_beams():
    # line 110 6 N/m + two beams 111 of 2 N/m = 10 N/m; bump at (3000, 4000): DNP 5000 um;
    # FR-4 / Si, dT = 100 K: 13.4e-6 * 100 * 5000 = 6.7 um
    m = mechanics.bump_mechanics([6.0, 2.0, 2.0], 3000.0, 4000.0, 16.0, 2.6, 100.0)
    assert m.stiffness == pytest.approx(10.0)
    assert m.dnp == pytest.approx(5000.0)
    assert m.displacement == pytest.approx(6.7, rel=1e-12)
    assert mechanics.bump_mechanics(10.0, 3000.0, 4000.0, 16.0, 2.6, 100.0) == m


def test_bump_mechanics_die_centre_and_unreleased():
    # die centre at (1000, 1000): bump at (4000, 5000) is again 5000 um away
    m = mechanics.bump_mechanics(10.0, 4000.0, 5000.0, 16.0, 2.6, 100.0, die_centre=(1000.0, 1000.0))
    assert m.dnp == pytest.approx(5000.0) and m.displacement == pytest.approx(6.7)
    # no free cantilever (stiffness 0): the displacement is still reported
    m0 = mechanics.bump_mechanics(0.0, 3000.0, 4000.0, 16.0, 2.6, 100.0)
    assert m0.displacement == pytest.approx(6.7) and m0.stiffness == 0.0


def test_corner_bump_moves_most():
    sites = [(x, y) for x in (-2000.0, 0.0, 2000.0) for y in (-2000.0, 0.0, 2000.0)]
    moves = {s: mechanics.bump_mechanics(5.0, *s, 16.0, 2.6, 100.0).displacement for s in sites}
    assert max(moves, key=moves.get) in {(-2000.0, -2000.0), (-2000.0, 2000.0), (2000.0, -2000.0),
                                         (2000.0, 2000.0)}
    # corner: 13.4e-6 * 100 * 2000 sqrt2 = 2.68 sqrt2 = 3.790 um
    assert moves[(2000.0, 2000.0)] == pytest.approx(2.68 * math.sqrt(2))
    assert moves[(0.0, 0.0)] == 0.0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: mechanics.cantilever_stiffness(-117.0, 20.0, 5.0, 200.0), "e_gpa"),
    (lambda: mechanics.cantilever_stiffness(117.0, 0.0, 5.0, 200.0), "width"),
    (lambda: mechanics.cantilever_stiffness(117.0, 20.0, -5.0, 200.0), "thickness"),
    (lambda: mechanics.cantilever_stiffness(117.0, 20.0, 5.0, -200.0), "length"),
    (lambda: mechanics.cantilever_stiffness(117.0, 20.0, 5.0, float("nan")), "length"),
    (lambda: mechanics.parallel(1.0, -2.0), "stiffness\\[1\\]"),
    (lambda: mechanics.thermal_displacement(-16.0, 2.6, 100.0, 5000.0), "cte_board"),
    (lambda: mechanics.thermal_displacement(16.0, -2.6, 100.0, 5000.0), "cte_chip"),
    (lambda: mechanics.thermal_displacement(16.0, 2.6, float("inf"), 5000.0), "delta_t"),
    (lambda: mechanics.thermal_displacement(16.0, 2.6, 100.0, -5000.0), "dnp"),
    (lambda: mechanics.dnp(float("nan"), 0.0), "x"),
    (lambda: mechanics.bump_mechanics([6.0, -2.0], 3000.0, 4000.0, 16.0, 2.6, 100.0), "stiffness"),
    (lambda: mechanics.bump_mechanics(-1.0, 3000.0, 4000.0, 16.0, 2.6, 100.0), "stiffness"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_input_message_shows_the_value():
    with pytest.raises(ValueError, match=r"width must be a finite number > 0, got -20\.0"):
        mechanics.cantilever_stiffness(117.0, -20.0, 5.0, 200.0)


def test_bump_motions_is_bump_mechanics_for_many_bumps():
    import numpy as np
    xs = np.array([0.0, 250.0, -2250.0, 1750.5, 3.0e4])
    ys = np.array([0.0, -250.0, -2250.0, 0.0, -1.0e4])
    m = mechanics.bump_motions(0.67, xs, ys, 18.0, 2.6, 165.0)
    for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
        one = mechanics.bump_mechanics(0.67, x, y, 18.0, 2.6, 165.0)
        assert m["dnp"][i] == pytest.approx(one.dnp, rel=1e-15)
        assert m["displacement"][i] == pytest.approx(one.displacement, rel=1e-15)
    # the corner bump of the cantilever template, by hand: DNP 2250*sqrt(2) = 3181.98 um,
    # delta = (18 - 2.6) 1e-6 x 165 x 3181.98 = 8.0854 um
    assert m["displacement"][2] == pytest.approx(8.0854, abs=1e-4)
    with pytest.raises(ValueError, match="cte_board"):
        mechanics.bump_motions(0.67, xs, ys, -1.0, 2.6, 165.0)
