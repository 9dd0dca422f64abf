"""Solder volumes and the reflowed spherical cap (maskgen.design.physics.solder), checked against hand-worked values."""

from __future__ import annotations

import math

import pytest

from maskgen.design.physics import solder
from maskgen.input.pdk import load_pdk


# ----------------------------------------------------------------------------- volumes
def test_ball_volume_by_hand():
    # d = 6: pi * 6^3 / 6 = pi * 216 / 6 = 36 pi
    assert solder.ball_volume(6.0) == pytest.approx(36 * math.pi, rel=1e-12)


def test_cylinder_volume_by_hand():
    # d = 10, h = 4: pi * 10^2 * 4 / 4 = 100 pi
    assert solder.cylinder_volume(10.0, 4.0) == pytest.approx(100 * math.pi, rel=1e-12)


STACK = [(100.0, 20.0), (120.0, 30.0)]  # PR1 100 um wide x 20 um thick, PR2 120 um wide x 30 um thick


@pytest.mark.parametrize(("height", "expected"), [
    (10.0, 25_000 * math.pi),    # pi/4 * 100^2 * 10 = 25 000 pi (inside PR1)
    (20.0, 50_000 * math.pi),    # pi/4 * 100^2 * 20 = 50 000 pi (PR1 exactly full)
    (35.0, 104_000 * math.pi),   # pi/4 * (100^2 * 20 + 120^2 * 15) = pi/4 * (200 000 + 216 000) = 104 000 pi
    (50.0, 158_000 * math.pi),   # pi/4 * (100^2 * 20 + 120^2 * 30) = pi/4 * (200 000 + 432 000) = 158 000 pi
])
def test_plated_volume_fills_cylinder_by_cylinder(height, expected):
    assert solder.plated_volume(STACK, height) == pytest.approx(expected, rel=1e-12)


def test_plated_volume_overplating_is_refused():
    with pytest.raises(ValueError, match="plated_height 50.1.*exceeds the opening stack \\(50 um\\)"):
        solder.plated_volume(STACK, 50.1)


def test_printed_volume_fills_every_opening():
    # 0.5 * pi/4 * (100^2 * 20 + 120^2 * 30) = 0.5 * 158 000 pi = 79 000 pi
    assert solder.printed_volume(STACK, 0.5) == pytest.approx(79_000 * math.pi, rel=1e-12)
    # a full-metal "paste" equals the total opening volume
    assert solder.printed_volume(STACK, 1.0) == pytest.approx(solder.plated_volume(STACK, 50.0), rel=1e-12)


# ----------------------------------------------------------------------------- spherical cap
def test_cap_volume_by_hand():
    # a = 3, h = 4: (pi * 4 / 6) * (3 * 9 + 16) = (2 pi / 3) * 43 = 86 pi / 3
    assert solder.cap_volume(3.0, 4.0) == pytest.approx(86 * math.pi / 3, rel=1e-12)


def test_cap_height_by_hand():
    # V = 86 pi / 3 on d = 6 (a = 3): h^3 + 27 h - 172 = 0 -> h = 4 (64 + 108 - 172 = 0)
    assert solder.cap_height(86 * math.pi / 3, 6.0) == pytest.approx(4.0, rel=1e-12)


def test_sphere_radius_by_hand():
    # a = 3, h = 4: (9 + 16) / 8 = 3.125
    assert solder.sphere_radius(3.0, 4.0) == pytest.approx(3.125, rel=1e-12)


@pytest.mark.parametrize("ubm", [0.5, 25.0, 215.0, 250.0, 5000.0])
@pytest.mark.parametrize("h_over_a", [1e-4, 0.01, 0.3, 1.0, 1.9, 10.0, 300.0])
def test_cap_height_round_trip(ubm, h_over_a):
    a = ubm / 2
    h = h_over_a * a
    v = solder.cap_volume(a, h)
    assert solder.cap_height(v, ubm) == pytest.approx(h, rel=1e-9)
    assert solder.cap_volume(a, solder.cap_height(v, ubm)) == pytest.approx(v, rel=1e-9)


def test_hemisphere_boundary():
    # a hemisphere of radius a = 50 holds V = (2/3) pi a^3; check against the cap formula:
    # (pi * 50 / 6) * (3 * 2500 + 2500) = (pi * 50 / 6) * 10 000 = 250 000 pi / 3 = (2/3) pi 125 000
    a = 50.0
    v = 2 / 3 * math.pi * a**3
    assert solder.cap_volume(a, a) == pytest.approx(v, rel=1e-12)
    bump = solder.reflow(v, 2 * a)
    assert bump.height == pytest.approx(a, rel=1e-9)             # h = a
    assert bump.sphere_radius == pytest.approx(a, rel=1e-9)      # R = (2500 + 2500) / 100 = 50
    assert bump.width == pytest.approx(2 * a, rel=1e-9)          # width = d = 100


def test_reflow_below_hemisphere_is_as_wide_as_the_ubm():
    # a = 50, h = 20: V = (pi * 20 / 6)(7500 + 400) = 79 000 pi / 3; R = (2500 + 400) / 40 = 72.5 > h
    v = 79_000 * math.pi / 3
    bump = solder.reflow(v, 100.0)
    assert bump.height == pytest.approx(20.0, rel=1e-9)
    assert bump.sphere_radius == pytest.approx(72.5, rel=1e-9)
    assert bump.width == 100.0
    assert bump.volume == v and bump.ubm_diameter == 100.0


def test_reflow_beyond_hemisphere_is_2r_wide():
    # a = 3, h = 4 > R = 3.125: width = 2R = 6.25
    bump = solder.reflow(86 * math.pi / 3, 6.0)
    assert bump.width == pytest.approx(6.25, rel=1e-9)


def test_reflow_is_frozen():
    bump = solder.reflow(1000.0, 20.0)
    with pytest.raises(AttributeError):
        bump.width = 1.0  # type: ignore[misc]


# ----------------------------------------------------------------------------- published design points
def test_sky130_wlcsp_250_ball_on_215_ubm():
    # Amkor WLCSP rule used by SKY130: 250 um ball on a 215 um UBM reflows ~261 um wide at 400 um pitch.
    # By hand: V = pi 250^3 / 6 = 8.181e6 um3; a = 107.5; h^3 + 34 668.75 h - 15.625e6 = 0 -> h ~ 204.4;
    # R = (107.5^2 + 204.4^2) / (2 * 204.4) = (11 556 + 41 779) / 408.8 ~ 130.5 -> width ~ 261.
    bump = solder.reflow(solder.ball_volume(250.0), 215.0)
    assert bump.height == pytest.approx(204.4, abs=0.2)
    assert bump.width == pytest.approx(261.0, abs=2.0)
    assert solder.bridging_margin(400.0, bump.width) > 100.0


def test_300_ball_on_250_ubm():
    # 300 um ball on a 250 um UBM reflows ~310 um wide at 500 um pitch.
    # By hand: 6V/pi = 300^3 = 27e6; a = 125; h^3 + 46 875 h - 27e6 = 0 -> h ~ 248.5;
    # R = (15 625 + 61 752) / 497 ~ 155.7 -> width ~ 311.
    bump = solder.reflow(solder.ball_volume(300.0), 250.0)
    assert bump.width == pytest.approx(310.0, abs=2.0)
    assert solder.bridging_margin(500.0, bump.width) > 150.0


# ----------------------------------------------------------------------------- stencil and pitch rules
def test_stencil_area_ratio_by_hand():
    # d = 100, T = 25: 100 / (4 * 25) = 1.0
    assert solder.stencil_area_ratio(100.0, 25.0) == pytest.approx(1.0)


def test_area_ratio_066_boundary():
    least = load_pdk().area_ratio_min()
    assert least == 0.66                                # IPC-7525, pdk/default/materials.yaml
    # T = 100: d = 0.66 * 4 * 100 = 264 -> exactly 0.66, which passes; 263.9 -> 0.65975 fails
    assert solder.stencil_area_ratio(264.0, 100.0) == pytest.approx(0.66, rel=1e-12)
    assert solder.area_ratio_ok(264.0, 100.0, least)
    assert not solder.area_ratio_ok(263.9, 100.0, least)
    assert not solder.area_ratio_ok(264.0, 100.0, 0.7)  # a stricter limit refuses it


def test_bridging_margin_by_hand():
    # 400 - 261 = 139; bumps wider than the pitch give a negative margin
    assert solder.bridging_margin(400.0, 261.0) == pytest.approx(139.0)
    assert solder.bridging_margin(250.0, 261.0) == pytest.approx(-11.0)


def test_min_pitch_gf180_rule():
    # GF180 BUMP.PITCH of the default PDK: 70 + 1.3 * 100 = 200; with base 50, factor 2: 50 + 2 * 100 = 250
    base, factor = load_pdk().bump_pitch()
    assert (base, factor) == (70.0, 1.3)
    assert solder.min_pitch(100.0, base, factor) == pytest.approx(200.0)
    assert solder.min_pitch(100.0, base=50.0, factor=2.0) == pytest.approx(250.0)
    with pytest.raises(TypeError):
        solder.min_pitch(100.0)  # type: ignore[call-arg]  # no Python default to diverge from the rule


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("call", "name"), [
    (lambda: solder.ball_volume(-1.0), "diameter"),
    (lambda: solder.ball_volume(0.0), "diameter"),
    (lambda: solder.ball_volume(float("nan")), "diameter"),
    (lambda: solder.cylinder_volume(10.0, -4.0), "height"),
    (lambda: solder.cylinder_volume(-10.0, 4.0), "diameter"),
    (lambda: solder.plated_volume(STACK, -5.0), "plated_height"),
    (lambda: solder.plated_volume([], 5.0), "openings"),
    (lambda: solder.plated_volume([(100.0, -20.0)], 5.0), "openings\\[0\\] thickness"),
    (lambda: solder.plated_volume([(100.0, 20.0), (-120.0, 30.0)], 5.0), "openings\\[1\\] diameter"),
    (lambda: solder.printed_volume(STACK, 0.0), "metal_fraction"),
    (lambda: solder.printed_volume(STACK, 1.2), "metal_fraction"),
    (lambda: solder.printed_volume(STACK, -0.5), "metal_fraction"),
    (lambda: solder.cap_volume(-3.0, 4.0), "a"),
    (lambda: solder.cap_volume(3.0, -4.0), "h"),
    (lambda: solder.cap_height(-5.0, 100.0), "volume"),
    (lambda: solder.cap_height(5.0, 0.0), "ubm_diameter"),
    (lambda: solder.sphere_radius(3.0, 0.0), "h"),
    (lambda: solder.reflow(1000.0, -20.0), "ubm_diameter"),
    (lambda: solder.stencil_area_ratio(-1.0, 100.0), "aperture_diameter"),
    (lambda: solder.stencil_area_ratio(100.0, 0.0), "stencil_thickness"),
    (lambda: solder.area_ratio_ok(100.0, -1.0, 0.66), "stencil_thickness"),
    (lambda: solder.area_ratio_ok(100.0, 25.0, 0.0), "minimum"),
    (lambda: solder.bridging_margin(-400.0, 261.0), "pitch"),
    (lambda: solder.bridging_margin(400.0, -261.0), "reflowed_width"),
    (lambda: solder.min_pitch(-100.0, 70.0, 1.3), "ubm_width"),
    (lambda: solder.min_pitch(100.0, base=-1.0, factor=1.3), "base"),
    (lambda: solder.min_pitch(100.0, base=70.0, factor=0.0), "factor"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_bad_input_message_shows_the_value():
    with pytest.raises(ValueError, match=r"diameter must be a finite number > 0, got -2\.5"):
        solder.ball_volume(-2.5)
