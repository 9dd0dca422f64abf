"""The suspended bump of 004 under a lateral load: plate-and-arms frame model, the solder joint in series, and the
strain the load puts into the arms (metal line 110, support beams 111).

Model (first order, linear elastic, SI units inside; um, GPa and N/m at the interface):
- The bump land with the bump on it is a rigid plate. Each arm is a straight beam of a layered section (insulator
  100, metal, protection 170; one width per film) running radially from the land edge (attach radius r, at its
  angle) out to where the film under the bump ends, clamped there (the anchored joint portion 101).
- In the plane the plate has (ux, uy, theta_z); each arm resists by axial stretch EA / L and in-plane bending
  (stiffness E t w^3 / L^3 of a guided end, E t w^3 / (4 L^3) of a free one; the plate decides which through
  theta_z, which is left free: no moment about z acts on the plate).
- Out of the plane the plate has (uz, theta_x, theta_y); each arm resists by out-of-plane bending of its layered
  section and by torsion (G J / L). No vertical force acts: uz is left free.
- The solder joint is a Timoshenko column of the joint's standoff height h (bending E I and shear kappa G A of the
  UBM-diameter section) from the plate to the board pad, which is clamped: it moves by the mismatch and does not
  rotate. So the plate tilts only as far as the joint bends; a joint free to swivel at the board would overstate
  the relief.
- The board moves the pad by the mismatch Delta = dCTE dT DNP along the bump's direction from the die centre.
  Everything is linear in Delta: the joint's shear force is V = G Delta (a 2 x 2 matrix), the plate's motion
  q = Q Delta. The rigidly bonded joint (no suspension) carries V_rigid = k_joint Delta with
  k_joint = 1 / (h^3 / (12 E I) + h / (kappa G A)); the fraction |V| / V_rigid of the mismatch the suspended
  joint still carries scales its strain range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from maskgen.design.physics.args import positive as _positive

UM = 1e-6
"""Metres per micrometre."""
GPA = 1e9
"""Pascal per GPa."""


@dataclass(frozen=True)
class Film:
    """One film of an arm's section, bottom up: Young's modulus (GPa), width and thickness (um)."""

    e_gpa: float
    width: float
    thickness: float


@dataclass(frozen=True)
class Section:
    """Stiffness figures of an arm's layered section (SI: N, N m^2) and where the metal's far fibres are (um).

    Attributes:
        ea: axial stiffness sum E_k A_k, N.
        ei_in: in-plane bending stiffness sum E_k t_k w_k^3 / 12, N m^2.
        ei_out: out-of-plane bending stiffness about the section's neutral axis, N m^2.
        gj: torsional stiffness sum G_k J_k with J_k = w t^3 / 3 (1 - 0.63 t / w), N m^2.
        metal_half_width: half the metal width (in-plane bending fibre), um.
        metal_fibre: farthest distance of the metal from the out-of-plane neutral axis, um.
        metal_thickness: metal thickness (torsion shear fibre), um.
    """

    ea: float
    ei_in: float
    ei_out: float
    gj: float
    metal_half_width: float
    metal_fibre: float
    metal_thickness: float


@dataclass(frozen=True)
class ArmBeam:
    """One radial arm: direction (degrees), attach radius on the plate and free length (um), its section."""

    kind: str
    angle: float
    attach_radius: float
    length: float
    section: Section


def section(films: Sequence[Film], metal: int, poisson: float) -> Section:
    """Stiffness figures of a layered arm (films bottom up; `metal` the index of the metal film)."""
    if not films:
        raise ValueError("an arm needs at least one film")
    nu = float(poisson)
    if not 0 <= nu < 0.5:
        raise ValueError(f"poisson must lie in [0, 0.5), got {poisson!r}")
    ea = ei_in = gj = 0.0
    z, zs, eas = 0.0, [], []
    for i, f in enumerate(films):
        e = _positive(f"films[{i}].e_gpa", f.e_gpa) * GPA
        w = _positive(f"films[{i}].width", f.width) * UM
        t = _positive(f"films[{i}].thickness", f.thickness) * UM
        ea += e * w * t
        ei_in += e * t * w**3 / 12.0
        gj += e / (2.0 * (1.0 + nu)) * w * t**3 / 3.0 * max(1.0 - 0.63 * t / w, 0.0)
        zs.append(z + t / 2.0)
        eas.append(e * w * t)
        z += t
    zc = sum(a * zz for a, zz in zip(eas, zs, strict=True)) / ea
    ei_out = 0.0
    for f, zz in zip(films, zs, strict=True):
        e, w, t = f.e_gpa * GPA, f.width * UM, f.thickness * UM
        ei_out += e * (w * t**3 / 12.0 + w * t * (zz - zc) ** 2)
    m = films[metal]
    bottom = sum(f.thickness for f in films[:metal])
    fibre = max(abs(bottom - zc / UM), abs(bottom + m.thickness - zc / UM))
    return Section(ea=ea, ei_in=ei_in, ei_out=ei_out, gj=gj, metal_half_width=m.width / 2.0, metal_fibre=fibre,
                   metal_thickness=m.thickness)


def _frame_block(section_: Section, length_m: float, bend: float) -> np.ndarray:
    """Node block (plate end) of a beam clamped at its far end: [[axial or twist, 0, 0], [0, 12EI/L^3, 6EI/L^2],
    [0, 6EI/L^2, 4EI/L]] with `bend` the EI used."""
    length = length_m
    return np.array([[0.0, 0.0, 0.0],
                     [0.0, 12.0 * bend / length**3, 6.0 * bend / length**2],
                     [0.0, 6.0 * bend / length**2, 4.0 * bend / length]])


def _in_plane_map(arm: ArmBeam) -> np.ndarray:
    """Plate (ux, uy, theta_z) -> the arm end's (axial a, transverse t, rotation psi); axial outward, t = z x e."""
    th = math.radians(arm.angle)
    ex, ey = math.cos(th), math.sin(th)
    r = arm.attach_radius * UM
    return np.array([[ex, ey, 0.0], [-ey, ex, r], [0.0, 0.0, 1.0]])


def _out_of_plane_map(arm: ArmBeam) -> np.ndarray:
    """Plate (uz, theta_x, theta_y) -> the arm end's (twist, w, slope dw/ds); s runs outward along the arm."""
    th = math.radians(arm.angle)
    ex, ey = math.cos(th), math.sin(th)
    r = arm.attach_radius * UM
    return np.array([[0.0, ex, ey], [1.0, r * ey, -r * ex], [0.0, ey, -ex]])


def _arm_in_plane(arm: ArmBeam) -> np.ndarray:
    """The arm's local in-plane stiffness on (a, t, psi), SI."""
    length = _positive("length", arm.length) * UM
    k = _frame_block(arm.section, length, arm.section.ei_in)
    k[0, 0] = arm.section.ea / length
    return k


def _arm_out_of_plane(arm: ArmBeam) -> np.ndarray:
    """The arm's local out-of-plane stiffness on (twist, w, slope), SI."""
    length = _positive("length", arm.length) * UM
    k = _frame_block(arm.section, length, arm.section.ei_out)
    k[0, 0] = arm.section.gj / length
    return k


def in_plane_matrix(arms: Sequence[ArmBeam]) -> np.ndarray:
    """Plate stiffness on (ux, uy, theta_z): sum of T^T k T over the arms (N/m, N, N m)."""
    return sum((_in_plane_map(a).T @ _arm_in_plane(a) @ _in_plane_map(a) for a in arms), np.zeros((3, 3)))


def out_of_plane_matrix(arms: Sequence[ArmBeam]) -> np.ndarray:
    """Plate stiffness on (uz, theta_x, theta_y): sum of T^T k T over the arms (N/m, N, N m)."""
    return sum((_out_of_plane_map(a).T @ _arm_out_of_plane(a) @ _out_of_plane_map(a) for a in arms),
               np.zeros((3, 3)))


def _condense(k: np.ndarray, keep: list[int], free: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Static condensation: stiffness on `keep` with `free` unloaded, and the map keep -> free displacements."""
    kff = k[np.ix_(free, free)]
    kfk = k[np.ix_(free, keep)]
    back = -np.linalg.solve(kff, kfk)
    return k[np.ix_(keep, keep)] + k[np.ix_(keep, free)] @ back, back


def lateral_stiffness(arms: Sequence[ArmBeam], angle: float) -> float:
    """In-plane stiffness of the plate along a direction (degrees), theta_z free: 1 / (e^T C e), N/m."""
    k, _ = _condense(in_plane_matrix(arms), [0, 1], [2])
    e = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    return float(1.0 / (e @ np.linalg.solve(k, e)))


def tilt_stiffness(arms: Sequence[ArmBeam], axis_angle: float) -> float:
    """Rotational stiffness of the plate about an in-plane axis (degrees), uz free: 1 / (a^T C a), N m/rad."""
    k, _ = _condense(out_of_plane_matrix(arms), [1, 2], [0])
    a = np.array([math.cos(math.radians(axis_angle)), math.sin(math.radians(axis_angle))])
    return float(1.0 / (a @ np.linalg.solve(k, a)))


@dataclass(frozen=True)
class Joint:
    """The solder joint as a Timoshenko column: E, G (Pa), area A (m^2), second moment I (m^4), height h (m)."""

    e: float
    g: float
    area: float
    inertia: float
    height: float
    kappa: float

    @property
    def phi(self) -> float:
        """Shear-flexibility ratio 12 E I / (kappa G A h^2)."""
        return 12.0 * self.e * self.inertia / (self.kappa * self.g * self.area * self.height**2)

    @property
    def stiffness(self) -> float:
        """Lateral stiffness of the joint clamped at both ends: 1 / (h^3 / (12 E I) + h / (kappa G A)), N/m."""
        return 1.0 / (self.height**3 / (12.0 * self.e * self.inertia) + self.height / (self.kappa * self.g * self.area))

    def block(self) -> np.ndarray:
        """Element stiffness on (x_plate, slope_plate, x_board, slope_board), slope = dx/dz, SI."""
        h, phi = self.height, self.phi
        k = self.e * self.inertia / ((1.0 + phi) * h**3)
        return k * np.array([[12.0, 6 * h, -12.0, 6 * h],
                             [6 * h, (4 + phi) * h * h, -6 * h, (2 - phi) * h * h],
                             [-12.0, -6 * h, 12.0, -6 * h],
                             [6 * h, (2 - phi) * h * h, -6 * h, (4 + phi) * h * h]])


def solder_joint(e_gpa: float, poisson: float, diameter: float, height: float, kappa: float) -> Joint:
    """A solder joint of a round section (diameter, um) and standoff height (um) as a Timoshenko column."""
    e = _positive("e_gpa", e_gpa) * GPA
    d = _positive("diameter", diameter) * UM
    return Joint(e=e, g=e / (2.0 * (1.0 + float(poisson))), area=math.pi * d * d / 4.0,
                 inertia=math.pi * d**4 / 64.0, height=_positive("height", height) * UM,
                 kappa=_positive("kappa", kappa))


@dataclass(frozen=True)
class Response:
    """How a suspended bump answers a board displacement Delta (2-vector, m): all linear in Delta.

    Attributes:
        force: V = force @ Delta, the joint's shear force (N).
        plate: plate (ux, uy, theta_z, uz, theta_x, theta_y) = plate @ Delta (m, rad).
        joint_stiffness: the rigidly bonded joint's lateral stiffness k_joint (N/m).
    """

    force: np.ndarray
    plate: np.ndarray
    joint_stiffness: float


def response(arms: Sequence[ArmBeam], joint: Joint) -> Response:
    """Solve the plate (ux, uy, theta_x, theta_y) held by the arms and the joint for a unit board displacement in x
    and in y: the joint's force and the plate's motion per metre of mismatch."""
    ku, back_u = _condense(in_plane_matrix(arms), [0, 1], [2])            # theta_z free
    kt, back_t = _condense(out_of_plane_matrix(arms), [1, 2], [0])        # uz free
    kj = joint.block()
    # unknowns q = (ux, uy, theta_x, theta_y); joint in the xz plane on (ux, theta_y), in the yz plane on
    # (uy, -theta_x): slope dy/dz = -theta_x for a right-handed rotation about x
    tx = np.array([[1.0, 0, 0, 0], [0, 0, 0, 1.0]])
    ty = np.array([[0, 1.0, 0, 0], [0, 0, -1.0, 0]])
    k = np.zeros((4, 4))
    k[:2, :2] += ku
    k[2:, 2:] += kt
    k += tx.T @ kj[:2, :2] @ tx + ty.T @ kj[:2, :2] @ ty
    rhs = np.zeros((4, 2))                                                  # columns: Delta = (1, 0), (0, 1)
    rhs[:, 0] = -(tx.T @ kj[:2, 2:] @ np.array([1.0, 0.0]))
    rhs[:, 1] = -(ty.T @ kj[:2, 2:] @ np.array([1.0, 0.0]))
    q = np.linalg.solve(k, rhs)
    force = np.zeros((2, 2))
    for col in range(2):
        d = np.eye(2)[col]
        fx = kj[:2, :2] @ (tx @ q[:, col]) + kj[:2, 2:] @ np.array([d[0], 0.0])
        fy = kj[:2, :2] @ (ty @ q[:, col]) + kj[:2, 2:] @ np.array([d[1], 0.0])
        force[:, col] = [-fx[0], -fy[0]]                                    # force the joint puts on the plate, flipped
    plate = np.zeros((6, 2))
    plate[0:2] = q[0:2]
    plate[2] = back_u @ q[0:2]
    plate[3] = back_t @ q[2:4]
    plate[4:6] = q[2:4]
    return Response(force=force, plate=plate, joint_stiffness=joint.stiffness)


def joint_fraction(resp: Response, angle: float) -> float:
    """The fraction |V| / V_rigid of a mismatch along a direction (degrees) that the suspended joint carries."""
    e = np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    return float(np.hypot(*(resp.force @ e)) / resp.joint_stiffness)


def arm_strains(arms: Sequence[ArmBeam], resp: Response, delta: np.ndarray) -> np.ndarray:
    """Peak equivalent strain in each arm's metal for board displacements delta (n x 2, um): rows bumps, columns
    arms. Normal strain |axial| + |in-plane bending| + |out-of-plane bending| at the worse end of the arm, with
    the torsion shear strain gamma = t twist / L of the metal as sqrt(eps^2 + gamma^2 / 3)."""
    d = np.atleast_2d(np.asarray(delta, dtype=float)) * UM
    plate = d @ resp.plate.T                                                # n x 6: ux, uy, tz, uz, tx, ty
    out = np.zeros((d.shape[0], len(arms)))
    for j, arm in enumerate(arms):
        length = arm.length * UM
        s = arm.section
        a, t, psi = (plate[:, [0, 1, 2]] @ _in_plane_map(arm).T).T
        twist, w, slope = (plate[:, [3, 4, 5]] @ _out_of_plane_map(arm).T).T
        k_in = np.maximum(np.abs(-6 * t / length**2 - 4 * psi / length), np.abs(6 * t / length**2 + 2 * psi / length))
        k_out = np.maximum(np.abs(-6 * w / length**2 - 4 * slope / length),
                           np.abs(6 * w / length**2 + 2 * slope / length))
        normal = np.abs(a / length) + k_in * s.metal_half_width * UM + k_out * s.metal_fibre * UM
        gamma = np.abs(twist) / length * s.metal_thickness * UM
        out[:, j] = np.sqrt(normal**2 + gamma**2 / 3.0)
    return out
