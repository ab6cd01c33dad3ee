"""Foster & Estes (1992): the 2D Gaussian integral over the hard-body disk.

J. L. Foster and H. S. Estes, "A Parametric Analysis of Orbital Debris Collision
Probability and Maneuver Rate for Space Vehicles", NASA JSC-25898, 1992. The form
computed here is the one NASA CARA's ``Pc2D_Foster`` / ``PcCircle`` evaluate
(nasa/CARA_Analysis_Tools): in the covariance's principal axes one of the two
integrals is done in closed form with error functions,

    Pc = 1 / (sqrt(8 pi) sx) * integral_{-R}^{R} exp(-(xm + u)^2 / (2 sx^2))
         * [erf((ym + h(u)) / (sqrt(2) sy)) - erf((ym - h(u)) / (sqrt(2) sy))] du,
    h(u) = sqrt(R^2 - u^2),

and the remaining one by adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad``,
relative tolerance 1e-13) after the substitution ``u = R sin(theta)``, which removes the
square-root end-point singularity; the peaks of the integrand are passed as break
points. Differences of error functions are taken through ``erfc`` so a tiny Pc keeps
its relative accuracy.

Assumptions (short-encounter model): straight-line relative motion during the
encounter, constant and Gaussian position uncertainty, velocity uncertainty
neglected, spherical hard bodies (combined radius R). A non-positive-definite combined
covariance is clipped to its non-negative eigenvalues (noted in the result).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from sda.analyses.pc.encounter import PcResult, encounter_plane, principal_axes

__all__ = ["METHOD", "pc_disk", "pc_square", "pc_foster1992"]

METHOD = "FOSTER-1992"
_RTOL = 1e-13


def _erf_diff(a, b):
    """``erf(a) - erf(b)`` for ``a >= b`` without cancellation in the tails."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return np.where(
        b >= 0.0, special.erfc(b) - special.erfc(a),
        np.where(a <= 0.0, special.erfc(-a) - special.erfc(-b), special.erf(a) - special.erf(b)),
    )


def pc_disk(xm: float, ym: float, sigma_x: float, sigma_y: float, radius: float) -> float:
    """Probability that a zero-mean Gaussian with axis sigmas ``sigma_x``, ``sigma_y`` falls in the disk of ``radius`` at ``(xm, ym)``.

    All lengths in one unit; the axes are the Gaussian's principal axes. ``radius`` may
    be 0 (Pc 0) or ``inf`` (Pc 1); zero sigmas (degenerate Gaussians) are allowed.
    """
    if radius <= 0.0:
        return 0.0
    if math.isinf(radius):
        return 1.0
    if sigma_x < sigma_y:
        xm, ym, sigma_x, sigma_y = ym, xm, sigma_y, sigma_x
    if sigma_x == 0.0:
        return 1.0 if xm * xm + ym * ym < radius * radius else 0.0
    sx2 = math.sqrt(2.0) * sigma_x
    sy2 = math.sqrt(2.0) * sigma_y

    def f(theta: float) -> float:
        u = radius * math.sin(theta)
        h = radius * math.cos(theta)
        g = math.exp(-(((xm + u) / sx2) ** 2))
        if g == 0.0:
            return 0.0
        if sigma_y == 0.0:
            inner = 2.0 if abs(ym) < h else 0.0
        else:
            inner = float(_erf_diff((ym + h) / sy2, (ym - h) / sy2))
        return g * inner * h

    half = math.pi / 2
    points = []
    for centre in (-xm - 8.0 * sigma_x, -xm, -xm + 8.0 * sigma_x):  # the Gaussian's peak and flanks
        if abs(centre) < radius:
            points.append(math.asin(centre / radius))
    for edge in (abs(ym) - 8.0 * sigma_y, abs(ym), abs(ym) + 8.0 * sigma_y):  # where the erf term switches
        if 0.0 < edge < radius:
            t = math.acos(edge / radius)
            points += [t, -t]
    points = sorted(p for p in points if -half < p < half)
    val, _ = integrate.quad(f, -half, half, points=points or None, epsabs=0.0, epsrel=_RTOL, limit=500)
    return min(1.0, max(0.0, val / (math.sqrt(8.0 * math.pi) * sigma_x)))


def pc_square(x0: float, z0: float, cov_2d, half_side: float) -> float:
    """Probability that a zero-mean Gaussian with (2, 2) covariance ``cov_2d`` falls in the axis-aligned square of ``half_side`` centred at ``(x0, z0)``.

    The square's sides are along the encounter-frame axes, as in CARA's
    ``Pc2D_Foster`` with ``HBRType='square'``. The z integral is done in closed form on
    the conditional Gaussian of z given x.
    """
    c = np.asarray(cov_2d, dtype=float)
    cxx, cxz, czz = float(c[0, 0]), float(c[0, 1]), float(c[1, 1])
    sx = math.sqrt(cxx)
    k = cxz / cxx
    s = math.sqrt(max(czz - cxz * cxz / cxx, 0.0)) * math.sqrt(2.0)

    def f(x: float) -> float:
        mu = k * x
        return math.exp(-0.5 * (x / sx) ** 2) * float(_erf_diff((z0 + half_side - mu) / s, (z0 - half_side - mu) / s))

    lo, hi = x0 - half_side, x0 + half_side
    pts = [0.0] if lo < 0.0 < hi else None
    val, _ = integrate.quad(f, lo, hi, points=pts, epsabs=0.0, epsrel=_RTOL, limit=500)
    return min(1.0, max(0.0, val / (math.sqrt(8.0 * math.pi) * sx)))


def pc_foster1992(r_rel_km, v_rel_km_s, cov_km2, hbr_m: float, *, miss: str = "norm", shape: str = "circle",
                  covariance_assumed: bool = False) -> PcResult:
    """Foster (1992) Pc of a conjunction.

    ``r_rel_km`` (3,) km, ``v_rel_km_s`` (3,) km/s, ``cov_km2`` (3, 3) km² combined position
    covariance, one inertial frame; ``hbr_m`` combined hard-body radius in metres.
    ``miss`` as in :func:`~sda.analyses.pc.encounter.encounter_plane`. ``shape`` is
    ``"circle"`` (the method), ``"square"`` (half side = HBR) or ``"square_equal_area"``
    (the square of the circle's area), the variants CARA's ``Pc2D_Foster`` offers.
    """
    plane = encounter_plane(r_rel_km, v_rel_km_s, cov_km2, miss=miss)
    radius_km = hbr_m / 1000.0
    notes: list[str] = []
    if shape == "circle":
        xm, ym, sx, sy, clipped = principal_axes(plane.miss_km, plane.cov_km2)
        if clipped:
            notes.append("non-positive-definite encounter-plane covariance: negative eigenvalue clipped to 0")
        pc = pc_disk(xm, ym, sx, sy, radius_km)
    elif shape in ("square", "square_equal_area"):
        half = radius_km if shape == "square" else radius_km * math.sqrt(math.pi) / 2.0
        pc = pc_square(float(plane.miss_km[0]), float(plane.miss_km[1]), plane.cov_km2, half)
    else:
        raise ValueError(f"shape must be 'circle', 'square' or 'square_equal_area', not {shape!r}")
    return PcResult(
        pc=pc, method=METHOD, hbr_m=float(hbr_m), r_rel_km=np.asarray(r_rel_km, dtype=float),
        v_rel_km_s=np.asarray(v_rel_km_s, dtype=float), cov_km2=np.asarray(cov_km2, dtype=float),
        miss_2d_km=plane.miss_km, cov_2d_km2=plane.cov_km2, covariance_assumed=covariance_assumed,
        notes=tuple(notes),
    )
