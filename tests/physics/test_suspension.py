"""The suspended bump's frame model (maskgen.design.physics.suspension) against closed forms.

One copper arm, E 117 GPa, w 20 um (in the plane), t 5 um, L 70 um, radial from the plate centre (attach radius 0)
unless said otherwise. Boundary conditions: the arm is clamped at its anchor; at the plate the plate decides: one
arm alone lets the plate turn (theta_z free, a free end: E t w^3 / (4 L^3)); two opposite arms hold it
(a guided end each: E t w^3 / L^3).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from maskgen.design.physics import suspension as sp

E, W, T, L = 117.0, 20.0, 5.0, 70.0
SEC = sp.section([sp.Film(E, W, T)], 0, 0.34)


def arm(angle: float, radius: float = 0.0, section: sp.Section = SEC) -> sp.ArmBeam:
    return sp.ArmBeam(kind="beam", angle=angle, attach_radius=radius, length=L, section=section)


def test_section_of_one_film_by_hand():
    # EA = 117e9 x 20e-6 x 5e-6 = 11.7 N;  EI in the plane = E t w^3 / 12 = 117e9 x 5e-6 x 8e-15 / 12 = 3.9e-10 N m2
    # EI out of the plane = E w t^3 / 12 = 117e9 x 20e-6 x 1.25e-16 / 12 = 2.4375e-11 N m2
    assert SEC.ea == pytest.approx(11.7, rel=1e-12)
    assert SEC.ei_in == pytest.approx(3.9e-10, rel=1e-12)
    assert SEC.ei_out == pytest.approx(2.4375e-11, rel=1e-12)
    assert SEC.metal_half_width == 10.0 and SEC.metal_fibre == pytest.approx(2.5)


def test_layered_section_neutral_axis():
    # polyimide 5 um / Cu 5 um / polyimide 5 um is symmetric: the metal's far fibre is 2.5 um off the axis;
    # without the protection film the axis moves down into the copper, the fibre grows
    sym = sp.section([sp.Film(3.0, 40, 5), sp.Film(E, 20, 5), sp.Film(3.0, 40, 5)], 1, 0.34)
    two = sp.section([sp.Film(3.0, 40, 5), sp.Film(E, 20, 5)], 1, 0.34)
    assert sym.metal_fibre == pytest.approx(2.5)
    # z_c = (3 x 40 x 5 x 2.5 + 117 x 20 x 5 x 7.5) / (3 x 40 x 5 + 117 x 20 x 5) = 89250 / 12300 = 7.2561 um
    assert two.metal_fibre == pytest.approx(10 - 89250 / 12300, rel=1e-9)


def test_one_straight_arm_loaded_along_it_is_ea_over_l():
    # E w t / L = 117e9 x 20e-6 x 5e-6 / 70e-6 = 167,142.857 N/m, at any orientation of the arm
    for angle in (0.0, 45.0, 225.0):
        assert sp.lateral_stiffness([arm(angle)], angle) == pytest.approx(167142.857, rel=1e-6)


def test_one_straight_arm_loaded_across_it_bends_as_a_free_end():
    # the plate turns with the arm's end: 3 E I / L^3 = E t w^3 / (4 L^3)
    # = 117e9 x 5e-6 x 8e-15 / (4 x 3.43e-13) = 3411.078 N/m
    assert sp.lateral_stiffness([arm(0.0)], 90.0) == pytest.approx(3411.078, rel=1e-6)
    # attached at r = 90 um off the load (the land radius): E I / (L^3/3 + r L^2 + r^2 L)
    # = 3.9e-10 / (1.14333e-13 + 4.41e-13 + 5.67e-13) = 347.49 N/m
    assert sp.lateral_stiffness([arm(0.0, 90.0)], 90.0) == pytest.approx(3.9e-10 / 1.1223333e-12, rel=1e-6)


def test_two_opposite_arms_loaded_across_are_guided():
    # the pair holds the plate square: 2 x 12 E I / L^3 = 2 x E t w^3 / L^3 = 27,288.6 N/m; along: 2 E A / L
    pair = [arm(0.0, 90.0), arm(180.0, 90.0)]
    assert sp.lateral_stiffness(pair, 90.0) == pytest.approx(2 * 4 * 3411.078, rel=1e-6)
    assert sp.lateral_stiffness(pair, 0.0) == pytest.approx(2 * 167142.857, rel=1e-6)


def test_orientation_to_the_load():
    # an arm at 60 degrees to the load: compliance = cos^2 / k_along + sin^2 / k_across (plate free to turn, r = 0)
    k = sp.lateral_stiffness([arm(60.0)], 0.0)
    c60, s60 = math.cos(math.radians(60)), math.sin(math.radians(60))
    assert 1 / k == pytest.approx(c60**2 / 167142.857 + s60**2 / 3411.078, rel=1e-6)


def test_tilt_of_one_arm():
    # about the axis across the arm: 4EI/L - (6EI/L^2)^2 / (12EI/L^3) = E I / L = 2.4375e-11 / 70e-6 = 3.4821e-7
    # about the arm's own axis: G J / L, G = 117e9 / 2.68, J = w t^3 / 3 (1 - 0.63 t / w) = 7.0208e-22 m4
    assert sp.tilt_stiffness([arm(0.0)], 90.0) == pytest.approx(2.4375e-11 / 70e-6, rel=1e-9)
    j = 20e-6 * 125e-18 / 3 * (1 - 0.63 * 5 / 20)
    assert sp.tilt_stiffness([arm(0.0)], 0.0) == pytest.approx(117e9 / 2.68 * j / 70e-6, rel=1e-9)


def test_tilt_of_two_opposite_arms_attached_off_centre():
    # plate turned by theta about the axis across both arms: each end drops r theta and turns theta, the arm's
    # end energy E I / L^3 (12 r^2 + 12 L r + 4 L^2) theta^2 / 2 each:
    # 2 x 2.4375e-11 / 3.43e-13 x (9.72e-8 + 7.56e-8 + 1.96e-8) = 142.128 x 1.924e-7 = 2.73454e-5 N m / rad
    pair = [arm(0.0, 90.0), arm(180.0, 90.0)]
    assert sp.tilt_stiffness(pair, 90.0) == pytest.approx(2 * 2.4375e-11 / 70e-6**3 * 1.924e-7, rel=1e-9)


def test_joint_stiffness_by_hand():
    # SAC305 E 51 GPa, nu 0.35, d 150 um, h 172 um, kappa 0.89:
    # I = pi d^4 / 64 = 2.48505e-17 m4, A = pi d^2 / 4 = 1.767146e-8 m2, G = 51e9 / 2.7 = 1.888889e10 Pa
    # h^3 / (12 E I) = 5.088448e-12 / 1.520850e-5 = 3.345792e-7; h / (kappa G A) = 1.72e-4 / 297.0769 = 5.789748e-7
    # k = 1 / 9.135540e-7 = 1.094626e6 N/m
    j = sp.solder_joint(51.0, 0.35, 150.0, 172.0, 0.89)
    assert j.stiffness == pytest.approx(1 / (3.345792e-7 + 5.789748e-7), rel=1e-6)


def _stiff_out_of_plane(section: sp.Section) -> sp.Section:
    return dataclasses.replace(section, ei_out=section.ei_out * 1e9, gj=section.gj * 1e9)


def _free_out_of_plane(section: sp.Section) -> sp.Section:
    return dataclasses.replace(section, ei_out=section.ei_out * 1e-9, gj=section.gj * 1e-9)


def test_joint_in_series_with_the_suspension():
    joint = sp.solder_joint(51.0, 0.35, 150.0, 172.0, 0.89)
    # plate held level (no tilt): the joint (clamped both ends) and the suspension share the mismatch as springs in
    # series, fraction k_s / (k_s + k_j)
    level = [arm(a, 90.0, _stiff_out_of_plane(SEC)) for a in (0.0, 120.0, 240.0)]
    k_s = sp.lateral_stiffness(level, 30.0)
    fraction = sp.joint_fraction(sp.response(level, joint), 30.0)
    assert fraction == pytest.approx(k_s / (k_s + joint.stiffness), rel=1e-6)
    # plate free to tilt: the joint is a column clamped at the board only, 1 / (h^3 / 3EI + h / kappa G A)
    free = [arm(a, 90.0, _free_out_of_plane(SEC)) for a in (0.0, 120.0, 240.0)]
    k_c = 1 / (joint.height**3 / (3 * joint.e * joint.inertia) + joint.height / (joint.kappa * joint.g * joint.area))
    k_s = sp.lateral_stiffness(free, 30.0)
    fraction = sp.joint_fraction(sp.response(free, joint), 30.0)
    assert fraction == pytest.approx(k_s * k_c / (k_s + k_c) / joint.stiffness, rel=1e-5)
    # the real arms tilt some: between the two
    real = [arm(a, 90.0) for a in (0.0, 120.0, 240.0)]
    assert k_s * k_c / (k_s + k_c) / joint.stiffness < sp.joint_fraction(sp.response(real, joint), 30.0) \
        < sp.lateral_stiffness(level, 30.0) / (sp.lateral_stiffness(level, 30.0) + joint.stiffness)


def test_rigid_arms_leave_the_whole_mismatch_to_the_joint():
    joint = sp.solder_joint(51.0, 0.35, 150.0, 172.0, 0.89)
    rigid = sp.section([sp.Film(E * 1e9, W, T)], 0, 0.34)
    assert sp.joint_fraction(sp.response([arm(a, 90.0, rigid) for a in (0, 120, 240)], joint), 0.0) \
        == pytest.approx(1.0, abs=1e-6)


def test_arm_strain_by_hand():
    one = [arm(0.0)]
    # plate moved 1 um along the arm per um of mismatch in x: axial strain 1 / 70 = 0.0142857
    along = sp.Response(force=np.zeros((2, 2)), plate=np.array([[1.0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]),
                        joint_stiffness=1.0)
    assert sp.arm_strains(one, along, np.array([[1.0, 0.0]]))[0, 0] == pytest.approx(1 / 70, rel=1e-12)
    # plate moved 1 um across, held square (guided end): curvature 6 t / L^2 at both ends, fibre w / 2:
    # 6 x 1e-6 / 4.9e-9 x 10e-6 = 0.0122449
    across = sp.Response(force=np.zeros((2, 2)), plate=np.array([[0, 0], [0, 1.0], [0, 0], [0, 0], [0, 0], [0, 0]]),
                         joint_stiffness=1.0)
    assert sp.arm_strains(one, across, np.array([[0.0, 1.0]]))[0, 0] == pytest.approx(6 / 4900 * 10, rel=1e-12)
    assert sp.arm_strains(one, across, np.array([[0.0, -2.0]]))[0, 0] == pytest.approx(2 * 6 / 4900 * 10)


def test_bad_input():
    with pytest.raises(ValueError, match="at least one film"):
        sp.section([], 0, 0.3)
    with pytest.raises(ValueError, match="poisson"):
        sp.section([sp.Film(E, W, T)], 0, 0.6)
    with pytest.raises(ValueError, match="width"):
        sp.section([sp.Film(E, -1.0, T)], 0, 0.3)
    with pytest.raises(ValueError, match="height"):
        sp.solder_joint(51.0, 0.35, 150.0, 0.0, 0.89)
