"""Thermal-cycling fatigue: Engelmaier's solder-joint model (IPC-D-279, IPC-9701) and Manson's universal slopes
for the copper of a metal line.

Solder joint (W. Engelmaier, IEEE Trans. CHMT 6(3), 1983; IPC-D-279, 1996; IPC-SM-785, 1992):
    shear strain range   dgamma = F x DNP x dCTE x dT / h
    fatigue exponent     c = -0.442 - 6e-4 T_sj + 1.74e-2 ln(1 + 360 / t_dwell)   (T_sj in C, t_dwell in minutes)
    median life          N50 = 1/2 (dgamma / (2 eps_f)) ^ (1 / c)
with F the empirical non-ideal factor, DNP the distance from the neutral point (um), dCTE in ppm/K, dT in K, h the
joint's standoff height (um), T_sj the mean cyclic joint temperature and eps_f the alloy's fatigue ductility
coefficient. First order: no creep beyond what c holds, no underfill, the mismatch taken whole by the joint.

Metal line (S. S. Manson, Experimental Mechanics 5(7), 1965, the method of universal slopes):
    total strain range   deps = 3.5 (S_u / E) N ^ -0.12 + D ^ 0.6 N ^ -0.6
with S_u the ultimate tensile strength, E Young's modulus and D the true fracture ductility, solved for N.
"""

from __future__ import annotations

import math

import numpy as np

from maskgen.design.physics.args import finite as _finite
from maskgen.design.physics.args import positive as _positive

ENGELMAIER_C0 = -0.442
"""Engelmaier's fatigue exponent: constant term (IPC-D-279)."""
ENGELMAIER_C1 = -6.0e-4
"""Engelmaier's fatigue exponent: per C of mean cyclic joint temperature (IPC-D-279)."""
ENGELMAIER_C2 = 1.74e-2
"""Engelmaier's fatigue exponent: per unit of ln(1 + 360 / t_dwell) (IPC-D-279)."""
DWELL_SCALE_MIN = 360.0
"""Engelmaier's dwell-time scale, minutes (IPC-D-279)."""
MANSON_ELASTIC = (3.5, -0.12)
"""Manson's universal slopes, elastic term: coefficient on S_u / E and exponent of N."""
MANSON_PLASTIC = (0.6, -0.6)
"""Manson's universal slopes, plastic term: exponent of the ductility D and exponent of N."""
MANSON_MAX_CYCLES = 1.0e15
"""Above this many cycles the universal-slopes solve stops: the line is taken as not failing (N = inf)."""


def mean_cyclic_temperature(t_min: float, t_max: float) -> float:
    """Engelmaier's T_sj: the mean of the cycle's extremes, (T_min + T_max) / 2, C."""
    lo, hi = _finite("t_min", t_min), _finite("t_max", t_max)
    if hi <= lo:
        raise ValueError(f"t_max must exceed t_min, got {t_min!r} / {t_max!r} C")
    return 0.5 * (lo + hi)


def fatigue_exponent(t_sj: float, dwell_min: float) -> float:
    """Engelmaier's fatigue exponent c = -0.442 - 6e-4 T_sj + 1.74e-2 ln(1 + 360 / t_dwell) (T_sj C, dwell min)."""
    t = _finite("t_sj", t_sj)
    d = _positive("dwell_min", dwell_min)
    return ENGELMAIER_C0 + ENGELMAIER_C1 * t + ENGELMAIER_C2 * math.log(1.0 + DWELL_SCALE_MIN / d)


def shear_strain_range(dnp: float, cte_board: float, cte_chip: float, delta_t: float, standoff: float,
                       factor: float = 1.0) -> float:
    """Cyclic shear strain range of a joint: dgamma = F x DNP x |dCTE| x 1e-6 x dT / h (DNP and h in um)."""
    distance = _finite("dnp", dnp)
    if distance < 0:
        raise ValueError(f"dnp must be >= 0, got {dnp!r}")
    dcte = abs(_finite("cte_board", cte_board) - _finite("cte_chip", cte_chip))
    return _positive("factor", factor) * distance * dcte * 1e-6 * _positive("delta_t", delta_t) \
        / _positive("standoff", standoff)


def cycles_to_failure(dgamma: float, eps_f: float, c: float) -> float:
    """Engelmaier's median life N50 = 1/2 (dgamma / (2 eps_f)) ^ (1 / c); inf for a joint that is not strained."""
    g = _finite("dgamma", dgamma)
    if g < 0:
        raise ValueError(f"dgamma must be >= 0, got {dgamma!r}")
    e = _positive("eps_f", eps_f)
    exponent = _finite("c", c)
    if exponent >= 0:
        raise ValueError(f"c must be < 0 (a fatigue exponent), got {c!r}")
    if g == 0:
        return math.inf
    return 0.5 * (g / (2.0 * e)) ** (1.0 / exponent)


def cycles_to_failure_array(dgamma: np.ndarray, eps_f: float, c: float) -> np.ndarray:
    """`cycles_to_failure` for many joints at once (inf where dgamma is 0)."""
    g = np.asarray(dgamma, dtype=float)
    cycles_to_failure(float(g.max()) if g.size else 0.0, eps_f, c)          # validates eps_f, c and the range
    out = np.full(g.shape, np.inf)
    strained = g > 0
    with np.errstate(over="ignore"):                    # a nearly unstrained joint: inf cycles, as at g = 0
        out[strained] = 0.5 * (g[strained] / (2.0 * eps_f)) ** (1.0 / c)
    return out


def manson_strain_range(cycles: float, ultimate_mpa: float, e_gpa: float, ductility: float) -> float:
    """Manson's universal slopes: deps = 3.5 (S_u / E) N^-0.12 + D^0.6 N^-0.6 (S_u MPa, E GPa, D true ductility)."""
    n = _positive("cycles", cycles)
    ratio = _positive("ultimate_mpa", ultimate_mpa) / (_positive("e_gpa", e_gpa) * 1e3)
    d = _positive("ductility", ductility)
    (a, b), (p, q) = MANSON_ELASTIC, MANSON_PLASTIC
    return a * ratio * n**b + d**p * n**q


MANSON_STEPS = 40
"""Bisection steps in ln N over [0, ln MANSON_MAX_CYCLES]: 34.5 / 2^40 < 1e-10."""


def manson_cycles(strain_range: float, ultimate_mpa: float, e_gpa: float, ductility: float) -> float:
    """Cycles N at which Manson's universal slopes reach a total strain range (bisection in ln N to 1e-10);
    inf when the line is strained less than at MANSON_MAX_CYCLES, 1 for a strain beyond one cycle's."""
    s = _finite("strain_range", strain_range)
    if s < 0:
        raise ValueError(f"strain_range must be >= 0, got {strain_range!r}")
    return float(manson_cycles_array(np.array([s]), ultimate_mpa, e_gpa, ductility)[0])


def manson_cycles_array(strain_range: np.ndarray, ultimate_mpa: float, e_gpa: float,
                        ductility: float) -> np.ndarray:
    """`manson_cycles` for many strain ranges at once (the same bisection on every element)."""
    s = np.asarray(strain_range, dtype=float)
    if s.size and not (np.isfinite(s).all() and (s >= 0).all()):
        raise ValueError(f"strain_range must be finite numbers >= 0, got {s[~(np.isfinite(s) & (s >= 0))][0]!r}")
    floor = manson_strain_range(MANSON_MAX_CYCLES, ultimate_mpa, e_gpa, ductility)      # validates the constants
    ceiling = manson_strain_range(1.0, ultimate_mpa, e_gpa, ductility)
    ratio = ultimate_mpa / (e_gpa * 1e3)
    (a, b), (p, q) = MANSON_ELASTIC, MANSON_PLASTIC
    lo, hi = np.zeros(s.shape), np.full(s.shape, math.log(MANSON_MAX_CYCLES))
    for _ in range(MANSON_STEPS):
        mid = 0.5 * (lo + hi)
        n = np.exp(mid)
        above = a * ratio * n**b + ductility**p * n**q > s
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    out = np.exp(0.5 * (lo + hi))
    out[s <= floor] = np.inf
    out[s >= ceiling] = 1.0
    return out
