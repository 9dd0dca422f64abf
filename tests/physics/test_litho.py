"""Stacked resists under one exposure (maskgen.design.physics.litho, patent 000), checked against hand-worked values."""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from maskgen.design.physics import litho
from maskgen.design.physics.litho import Resist

AZ4620 = Resist("AZ4620", "positive", photosensitivity=2.5, edge_blur=3.0, thickness=20.0)   # E0 = 1000/2.5 = 400
AZ9260 = Resist("AZ9260", "positive", photosensitivity=4.0, edge_blur=3.0, thickness=30.0)   # E0 = 1000/4 = 250
THB151N = Resist("THB-151N", "negative", photosensitivity=2.0, edge_blur=3.0, thickness=40.0)  # E0 = 500

# erfcinv(0.5) = 0.476936276204469873...; sqrt(2) * that = 0.674489750196081743 (the normal 75 % quantile)
ERFCINV_HALF = 0.4769362762044699
Z75 = 0.6744897501960817


# ----------------------------------------------------------------------------- erfcinv
def test_erfcinv_known_values():
    assert litho.erfcinv(1.0) == pytest.approx(0.0, abs=1e-12)                # erfc(0) = 1
    assert litho.erfcinv(0.5) == pytest.approx(ERFCINV_HALF, abs=1e-12)
    assert litho.erfcinv(1.5) == pytest.approx(-ERFCINV_HALF, abs=1e-12)      # erfc(-x) = 2 - erfc(x)


@pytest.mark.parametrize("y", [1e-300, 1e-20, 1e-6, 0.01, 0.3, 0.999, 1.0, 1.2, 1.7, 1.99, 2 - 1e-9])
def test_erfcinv_round_trip(y):
    x = litho.erfcinv(y)
    assert math.erfc(x) == pytest.approx(y, rel=1e-12)



@pytest.mark.parametrize("y", [0.01, 0.3, 0.75, 1.0, 1.2, 1.7, 1.99])
def test_erfcinv_is_odd_about_one(y):
    # erfc(-x) = 2 - erfc(x)  =>  erfcinv(2 - y) = -erfcinv(y) (away from 0 and 2, where 2 - y loses digits)
    assert litho.erfcinv(2 - y) == pytest.approx(-litho.erfcinv(y), abs=1e-12)


@pytest.mark.parametrize("y", [0.0, 2.0, -0.1, 2.5, float("nan")])
def test_erfcinv_domain(y):
    with pytest.raises(ValueError, match="0 < y < 2"):
        litho.erfcinv(y)


# ----------------------------------------------------------------------------- bias
def test_dose_to_clear():
    assert litho.dose_to_clear(AZ4620) == pytest.approx(400.0)   # 1000 / 2.5
    assert litho.dose_to_clear(AZ9260) == pytest.approx(250.0)   # 1000 / 4


def test_bias_zero_at_twice_dose_to_clear():
    # D = 2 E0 = 800: 2 E0 / D = 1, erfcinv(1) = 0 -> the edge sits on the mask edge for either tone
    assert litho.resist_bias(AZ4620, 800.0) == pytest.approx(0.0, abs=1e-9)
    assert litho.resist_bias(THB151N, 1000.0) == pytest.approx(0.0, abs=1e-9)


def test_bias_by_hand():
    # AZ4620 at D = 1600: 2 * 400 / 1600 = 0.5 -> x* = 3 * sqrt2 * erfcinv(0.5) = 3 * 0.67449 = 2.02347 um
    assert litho.resist_bias(AZ4620, 1600.0) == pytest.approx(3 * Z75, rel=1e-10)
    # AZ9260 at D = 1000: 2 * 250 / 1000 = 0.5 -> same 2.02347 um
    assert litho.resist_bias(AZ9260, 1000.0) == pytest.approx(3 * Z75, rel=1e-10)
    # negative tone THB-151N at D = 2000: 2 * 500 / 2000 = 0.5 -> bias = -2.02347 um (opening shrinks)
    assert litho.resist_bias(THB151N, 2000.0) == pytest.approx(-3 * Z75, rel=1e-10)
    # D = 4000/3 for AZ4620: 2 * 400 / 1333.3 = 0.6 -> erfc ratio above 0.5 gives a smaller bias than 2.02
    assert 0 < litho.resist_bias(AZ4620, 4000.0 / 3) < 3 * Z75


@pytest.mark.parametrize("resist", [AZ4620, AZ9260, THB151N])
@pytest.mark.parametrize("over", [1.01, 1.3, 2.0, 3.0, 10.0, 1000.0])
def test_bias_matches_the_normal_quantile(resist, over):
    # 0.5 erfc(x / (sigma sqrt2)) = 1 - Phi(x / sigma), so x* = sigma * Phi^-1(1 - E0 / D) (independent stdlib check)
    e0 = 1000.0 / resist.photosensitivity
    dose = over * e0
    x = resist.edge_blur * NormalDist().inv_cdf(1 - e0 / dose)
    sign = 1 if resist.tone == "positive" else -1
    assert litho.resist_bias(resist, dose) == pytest.approx(sign * x, rel=1e-9, abs=1e-12)


def test_more_sensitive_positive_resist_opens_wider_negative_narrower():
    dose = 1200.0
    pos = [Resist(f"P{s}", "positive", s, 3.0, 10.0) for s in (1.0, 2.0, 4.0, 8.0)]
    neg = [Resist(f"N{s}", "negative", s, 3.0, 10.0) for s in (1.0, 2.0, 4.0, 8.0)]
    pos_bias = [litho.resist_bias(r, dose) for r in pos]
    neg_bias = [litho.resist_bias(r, dose) for r in neg]
    assert pos_bias == sorted(pos_bias) and len(set(pos_bias)) == 4
    assert neg_bias == sorted(neg_bias, reverse=True) and len(set(neg_bias)) == 4
    assert pos_bias == pytest.approx([-b for b in neg_bias])


def test_bias_grows_with_blur():
    sharp = Resist("sharp", "positive", 2.5, 1.0, 10.0)
    zero = Resist("zero", "positive", 2.5, 0.0, 10.0)
    assert litho.resist_bias(AZ4620, 1600.0) == pytest.approx(3 * litho.resist_bias(sharp, 1600.0))
    assert litho.resist_bias(zero, 1600.0) == 0.0


# ----------------------------------------------------------------------------- openings of the stack
def test_az4620_under_az9260_at_600():
    # AZ4620: 2*400/600 = 1.333 -> x* < 0 (edge inside the clear area); AZ9260: 2*250/600 = 0.833 -> x* > 0
    o1, o2 = litho.openings_from_mask(100.0, [AZ4620, AZ9260], 600.0)
    assert o1 < 100.0 < o2
    assert litho.sensitivity_rises([AZ4620, AZ9260])


def test_openings_from_mask_by_hand():
    # R1 E0 = 800, R2 E0 = 400, D = 1600: R1 ratio 1 -> bias 0; R2 ratio 0.5 -> bias 3 * 0.67449 = 2.02347
    r1 = Resist("R1", "positive", 1.25, 3.0, 20.0)
    r2 = Resist("R2", "positive", 2.5, 3.0, 30.0)
    openings = litho.openings_from_mask(100.0, [r1, r2], 1600.0)
    assert openings == pytest.approx([100.0, 100.0 + 6 * Z75], rel=1e-10)    # [100, 104.0469]
    assert litho.stair_steps(openings) == pytest.approx([3 * Z75], rel=1e-10)
    assert litho.mask_from_target(100.0, [r1, r2], 1600.0) == pytest.approx(100.0, rel=1e-10)


def test_mask_from_target_by_hand_and_round_trip():
    # AZ4620 at 1600: bias 2.02347 -> mask = 60 - 2 * 2.02347 = 55.9531
    mask = litho.mask_from_target(60.0, [AZ4620, AZ9260], 1600.0)
    assert mask == pytest.approx(60.0 - 6 * Z75, rel=1e-10)
    assert litho.openings_from_mask(mask, [AZ4620, AZ9260], 1600.0)[0] == pytest.approx(60.0, rel=1e-12)


def test_stair_steps_by_hand():
    # (110 - 100) / 2 = 5, (130 - 110) / 2 = 10
    assert litho.stair_steps([100.0, 110.0, 130.0]) == [5.0, 10.0]
    assert litho.stair_steps([100.0]) == []


def test_check_stair():
    litho.check_stair([100.0, 110.0, 130.0], 5.0)            # steps 5 and 10 a side: fine
    with pytest.raises(ValueError, match=r"100\.00, 108\.00, 130\.00 um: PR2 exceeds PR1 by 4\.00"):
        litho.check_stair([100.0, 108.0, 130.0], 5.0)        # 2 * 5 = 10 needed, 8 given
    with pytest.raises(ValueError, match=r"PR3 exceeds PR2 by -5\.00"):
        litho.check_stair([100.0, 110.0, 100.0], 0.0)        # shrinking upward
    with pytest.raises(ValueError, match="min_step"):
        litho.check_stair([100.0, 110.0], -1.0)


def test_sensitivity_rises():
    assert litho.sensitivity_rises([AZ4620, AZ9260])
    assert not litho.sensitivity_rises([AZ9260, AZ4620])
    assert not litho.sensitivity_rises([AZ4620, AZ4620])
    assert litho.sensitivity_rises([AZ4620])


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("dose", [400.0, 300.0])
def test_dose_not_above_dose_to_clear_names_the_resist(dose):
    # 2 * 400 / 400 = 2 and 2 * 400 / 300 = 2.67: outside (0, 2), AZ4620 never clears
    with pytest.raises(ValueError, match="resist AZ4620"):
        litho.resist_bias(AZ4620, dose)
    with pytest.raises(ValueError, match="resist AZ4620"):
        litho.openings_from_mask(100.0, [AZ9260, AZ4620], dose)


@pytest.mark.parametrize("dose", [0.0, -600.0, float("nan"), float("inf")])
def test_bad_dose(dose):
    with pytest.raises(ValueError, match="dose"):
        litho.resist_bias(AZ4620, dose)


@pytest.mark.parametrize(("resist", "field"), [
    (Resist("bad", "positive", -2.5, 3.0, 10.0), "photosensitivity"),
    (Resist("bad", "positive", 0.0, 3.0, 10.0), "photosensitivity"),
    (Resist("bad", "positive", 2.5, -3.0, 10.0), "edge_blur"),
    (Resist("bad", "positive", 2.5, 3.0, -10.0), "thickness"),
    (Resist("bad", "neutral", 2.5, 3.0, 10.0), "tone"),  # type: ignore[arg-type]
])
def test_bad_resist_names_resist_and_field(resist, field):
    with pytest.raises(ValueError, match=f"resist bad: {field}"):
        litho.resist_bias(resist, 1000.0)


def test_bad_openings_and_targets():
    with pytest.raises(ValueError, match="mask_opening"):
        litho.openings_from_mask(-10.0, [AZ4620], 1000.0)
    with pytest.raises(ValueError, match="target_lowest_opening"):
        litho.mask_from_target(0.0, [AZ4620], 1000.0)
    with pytest.raises(ValueError, match="resists"):
        litho.openings_from_mask(100.0, [], 1000.0)
    with pytest.raises(ValueError, match="resists"):
        litho.mask_from_target(100.0, [], 1000.0)
    # THB-151N at 2000 shrinks the opening by 2 * 2.02 = 4.05 um: a 4 um mask opening closes
    with pytest.raises(ValueError, match="resist THB-151N: the 4 um mask opening closes"):
        litho.openings_from_mask(4.0, [THB151N], 2000.0)
    # AZ4620 at 1600 widens by 4.05 um: a 4 um target would need a negative mask
    with pytest.raises(ValueError, match="resist AZ4620: target opening 4 um"):
        litho.mask_from_target(4.0, [AZ4620], 1600.0)
