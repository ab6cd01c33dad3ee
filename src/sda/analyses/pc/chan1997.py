"""Chan (1997): collision probability as a series in the equivalent-area isotropic Gaussian.

F. K. Chan, "Collision Probability Analyses for Earth-Orbiting Satellites", Advances in
the Astronautical Sciences 96, 1997, pp. 1033-1048; also F. K. Chan, *Spacecraft
Collision Probability*, The Aerospace Press, 2008, ch. 5.

In the covariance's principal axes (miss ``xm``, ``ym``, sigmas ``sx``, ``sy``) the disk
of radius R is replaced by the area-equivalent disk of the isotropic problem, giving
the series (Rician / non-central chi-square form)

    Pc = exp(-v/2) sum_{m>=0} v^m / (2^m m!) [1 - exp(-u/2) sum_{k=0}^{m} u^k / (2^k k!)],
    u = R^2 / (sx sy),  v = xm^2 / sx^2 + ym^2 / sy^2.

Assumptions: those of the short-encounter model (see :mod:`.foster1992`), plus the
equivalent-area approximation, which is accurate when ``R`` is small compared with both
sigmas and degrades for elongated covariances (Alfano's test case 3: 0.031 against an
exact 0.100; on NASA CARA's real test conjunctions it departs from Foster by 0.1 % to
70 %). Use it for comparison with Chan's published tables, not for decisions. The series is summed until its terms no longer change the sum
(at most :data:`MAX_TERMS`).
"""

from __future__ import annotations

import math

from sda.analyses.pc.encounter import PcResult, pc_in_principal_axes

__all__ = ["METHOD", "MAX_TERMS", "pc_chan_2d", "pc_chan1997"]

METHOD = "CHAN-1997"
MAX_TERMS = 200


def pc_chan_2d(xm: float, ym: float, sigma_x: float, sigma_y: float, radius: float, *, terms: int | None = None) -> float:
    """Chan's series for an encounter given in the covariance's principal axes (any one length unit).

    ``terms`` fixes the number of series terms (m = 0 .. terms-1); by default the series
    is summed to convergence.
    """
    if radius <= 0.0:
        return 0.0
    u = radius * radius / (sigma_x * sigma_y)
    v = (xm / sigma_x) ** 2 + (ym / sigma_y) ** 2
    n = terms if terms is not None else MAX_TERMS
    total = 0.0
    a = math.exp(-v / 2.0)  # exp(-v/2) v^m / (2^m m!)
    b = math.exp(-u / 2.0)  # exp(-u/2) u^k / (2^k k!)
    partial = b  # exp(-u/2) sum_{k<=m} u^k / (2^k k!)
    for m in range(n):
        term = a * (1.0 - partial)
        total += term
        if terms is None and m > v / 2.0 and term <= 1e-17 * total:
            break
        a *= v / (2.0 * (m + 1))
        b *= u / (2.0 * (m + 1))
        partial += b
    return min(1.0, total)


def pc_chan1997(r_rel_km, v_rel_km_s, cov_km2, hbr_m: float, *, covariance_assumed: bool = False) -> PcResult:
    """Chan (1997) Pc of a conjunction; inputs as :func:`~sda.analyses.pc.foster1992.pc_foster1992` (km, km/s, km²; HBR in m)."""
    return pc_in_principal_axes(pc_chan_2d, METHOD, r_rel_km, v_rel_km_s, cov_km2, hbr_m,
                                covariance_assumed=covariance_assumed)
