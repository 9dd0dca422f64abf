"""Engelmaier's joint fatigue and Manson's universal slopes (maskgen.design.physics.fatigue), against hand-worked
values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from maskgen.design.physics import fatigue


def test_fatigue_exponent_by_hand():
    # c = -0.442 - 6e-4 x 55 + 1.74e-2 ln(1 + 360 / 15) = -0.442 - 0.033 + 0.0174 x ln 25 (3.2188758)
    #   = -0.475 + 0.0560084 = -0.418992
    assert fatigue.fatigue_exponent(55.0, 15.0) == pytest.approx(-0.418992, abs=5e-7)
    # -40/125 C: T_sj = 42.5 C -> -0.442 - 0.0255 + 0.0560084 = -0.411492
    assert fatigue.mean_cyclic_temperature(-40.0, 125.0) == 42.5
    assert fatigue.fatigue_exponent(42.5, 15.0) == pytest.approx(-0.411492, abs=5e-7)
    # a longer dwell lowers c (more creep per cycle, a shorter life)
    assert fatigue.fatigue_exponent(55.0, 60.0) < fatigue.fatigue_exponent(55.0, 15.0)


def test_n50_by_hand():
    # dgamma / 2 eps_f = 0.1 with c = -0.418992 (T_sj 55 C, 15 min):
    # N50 = 0.5 x 0.1^(1 / -0.418992) = 0.5 x 10^2.386680 = 0.5 x 243.60 = 121.80
    c = fatigue.fatigue_exponent(55.0, 15.0)
    assert fatigue.cycles_to_failure(0.1 * 2 * 0.325, 0.325, c) == pytest.approx(121.80, abs=0.005)
    assert fatigue.cycles_to_failure(0.2, 1.0, c) == pytest.approx(121.80, abs=0.005)    # only the ratio counts
    assert fatigue.cycles_to_failure(0.0, 0.325, c) == math.inf                          # the centre bump
    arr = fatigue.cycles_to_failure_array(np.array([0.065, 0.0, 0.01]), 0.325, c)
    assert arr[0] == pytest.approx(121.80, abs=0.005) and arr[1] == math.inf
    assert arr[2] == pytest.approx(fatigue.cycles_to_failure(0.01, 0.325, c), rel=1e-12)


def test_shear_strain_range_by_hand():
    # F 1, DNP 3000 um, FR-4 16 vs Si 2.6 ppm/K, dT 165 K, h 200 um: 3000 x 13.4e-6 x 165 / 200 = 0.033165
    assert fatigue.shear_strain_range(3000.0, 16.0, 2.6, 165.0, 200.0) == pytest.approx(0.033165, rel=1e-12)
    assert fatigue.shear_strain_range(3000.0, 16.0, 2.6, 165.0, 200.0, 0.7) == pytest.approx(0.0232155, rel=1e-12)
    assert fatigue.shear_strain_range(3000.0, 2.6, 16.0, 165.0, 200.0) == pytest.approx(0.033165)   # |dCTE|


def test_n50_trends():
    c = fatigue.fatigue_exponent(42.5, 15.0)

    def n50(dnp: float, h: float) -> float:
        return fatigue.cycles_to_failure(fatigue.shear_strain_range(dnp, 16.0, 2.6, 165.0, h), 0.325, c)
    # farther from the neutral point (a bigger die puts its corner bump farther out): shorter life
    assert n50(1000.0, 200.0) > n50(2000.0, 200.0) > n50(4000.0, 200.0)
    # a taller joint: longer life, by (h2 / h1)^(-1/c)
    assert n50(2000.0, 250.0) > n50(2000.0, 200.0) > n50(2000.0, 150.0)
    assert n50(2000.0, 250.0) / n50(2000.0, 200.0) == pytest.approx(1.25 ** (-1 / c), rel=1e-12)


def test_manson_universal_slopes_by_hand():
    # Cu, S_u 248 MPa, E 117 GPa, D 0.113, N = 1000:
    # 3.5 x 248 / 117000 x 1000^-0.12 = 0.0074188 x 0.436516 = 0.0032384
    # 0.113^0.6 x 1000^-0.6 = 0.270309 x 0.0158489 = 0.0042840;  sum 0.0075224
    assert fatigue.manson_strain_range(1000.0, 248.0, 117.0, 0.113) == pytest.approx(0.0075224, abs=2e-7)
    assert fatigue.manson_cycles(0.0075224, 248.0, 117.0, 0.113) == pytest.approx(1000.0, rel=2e-4)
    # more strain, fewer cycles; no strain, no wear-out; beyond one cycle's strain: 1
    assert fatigue.manson_cycles(0.02, 248.0, 117.0, 0.113) < fatigue.manson_cycles(0.01, 248.0, 117.0, 0.113)
    assert fatigue.manson_cycles(0.0, 248.0, 117.0, 0.113) == math.inf
    assert fatigue.manson_cycles(5.0, 248.0, 117.0, 0.113) == 1.0


@pytest.mark.parametrize(("call", "name"), [
    (lambda: fatigue.fatigue_exponent(55.0, 0.0), "dwell_min"),
    (lambda: fatigue.fatigue_exponent(float("nan"), 15.0), "t_sj"),
    (lambda: fatigue.mean_cyclic_temperature(125.0, -40.0), "t_max"),
    (lambda: fatigue.shear_strain_range(-1.0, 16.0, 2.6, 165.0, 200.0), "dnp"),
    (lambda: fatigue.shear_strain_range(1.0, 16.0, 2.6, 165.0, 0.0), "standoff"),
    (lambda: fatigue.shear_strain_range(1.0, 16.0, 2.6, 165.0, 200.0, 0.0), "factor"),
    (lambda: fatigue.cycles_to_failure(0.01, 0.0, -0.4), "eps_f"),
    (lambda: fatigue.cycles_to_failure(0.01, 0.325, 0.4), "c"),
    (lambda: fatigue.cycles_to_failure(-0.01, 0.325, -0.4), "dgamma"),
    (lambda: fatigue.manson_cycles(-0.01, 248.0, 117.0, 0.113), "strain_range"),
    (lambda: fatigue.manson_cycles(0.01, 0.0, 117.0, 0.113), "ultimate_mpa"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_manson_for_many_lines_is_manson_for_each():
    strains = np.array([0.0, 1e-5, 0.0075224, 0.02, 0.08, 5.0])
    many = fatigue.manson_cycles_array(strains, 248.0, 117.0, 0.113)
    assert many.tolist() == [fatigue.manson_cycles(float(e), 248.0, 117.0, 0.113) for e in strains]
    assert many[0] == many[1] == math.inf and many[-1] == 1.0
    with pytest.raises(ValueError, match="strain_range"):
        fatigue.manson_cycles_array(np.array([0.01, -0.01]), 248.0, 117.0, 0.113)
