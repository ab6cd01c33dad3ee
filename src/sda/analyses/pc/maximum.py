"""Maximum collision probability when the covariance is missing or cannot be trusted.

Two published bounds, each named in its result's ``method``:

* ``"ALFRIEND-1999"`` — K. T. Alfriend, M. R. Akella, J. Frisbee, J. L. Foster, D.-J. Lee
  and M. Wilkins, "Probability of Collision Error Analysis", Space Debris 1(1), 1999,
  pp. 21-35 (eqs. 18-20). The combined covariance's shape is kept and its size is
  unknown: scaling it by ``k^2`` and taking the Gaussian density as constant over the
  disk, the Pc is largest at ``k^2 = d^2 / 2`` and equals

      Pc_max = R^2 / (e * sx * sy * d^2),

  with ``d^2`` the squared Mahalanobis distance of the miss in the encounter plane and
  ``sx``, ``sy`` the principal sigmas. Assumes R small against the sigmas (the constant-
  density approximation); the value is capped at 1.

* ``"FRISBEE-2015"`` — J. H. Frisbee, "An Upper Bound on High Speed Satellite Collision
  Probability When Only One Object has Position Uncertainty Information", AAS/AIAA
  Astrodynamics Specialist Conference, AAS 15-717, 2015 (NASA CARA's ``FrisbeeMaxPc``).
  Only one object's covariance is known; the other's is taken as the worst case, a
  one-dimensional uncertainty of size ``sigma`` along the encounter-plane miss vector,
  and the Foster Pc is maximised over ``sigma >= 0`` (``sigma = 0`` included: the known
  covariance alone may already give the maximum).

Both keep the short-encounter assumptions of :mod:`.foster1992`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from sda.analyses.pc.encounter import PcResult, encounter_plane, principal_axes
from sda.analyses.pc.foster1992 import pc_disk

__all__ = ["MaxPcResult", "pc_max_alfriend1999", "pc_max_frisbee2015"]


@dataclass(frozen=True, eq=False)
class MaxPcResult(PcResult):
    """A maximum Pc; ``scale`` is the covariance scale ``k^2`` (Alfriend) or the worst-case
    sigma (km) along the miss vector (Frisbee) at which the maximum is reached."""

    scale: float = math.nan


def pc_max_alfriend1999(r_rel_km, v_rel_km_s, cov_km2, hbr_m: float, *, covariance_assumed: bool = False) -> MaxPcResult:
    """Alfriend et al. (1999) maximum Pc over the scale of the combined covariance (km, km/s, km²; HBR in m)."""
    plane = encounter_plane(r_rel_km, v_rel_km_s, cov_km2)
    xm, ym, sx, sy, _ = principal_axes(plane.miss_km, plane.cov_km2)
    if sy == 0.0:
        raise ValueError("Alfriend (1999) needs a positive-definite encounter-plane covariance")
    d2 = (xm / sx) ** 2 + (ym / sy) ** 2
    radius = hbr_m / 1000.0
    pc = 1.0 if d2 == 0.0 else min(1.0, radius * radius / (math.e * sx * sy * d2))
    return MaxPcResult(
        pc=pc, method="ALFRIEND-1999", hbr_m=float(hbr_m), r_rel_km=np.asarray(r_rel_km, dtype=float),
        v_rel_km_s=np.asarray(v_rel_km_s, dtype=float), cov_km2=np.asarray(cov_km2, dtype=float),
        miss_2d_km=plane.miss_km, cov_2d_km2=plane.cov_km2, covariance_assumed=covariance_assumed, scale=d2 / 2.0,
    )


def pc_max_frisbee2015(r_rel_km, v_rel_km_s, cov_known_km2, hbr_m: float) -> MaxPcResult:
    """Frisbee (2015) maximum Pc when only one object's covariance, ``cov_known_km2`` (3, 3) km² inertial, is known."""
    plane = encounter_plane(r_rel_km, v_rel_km_s, cov_known_km2)
    radius = hbr_m / 1000.0
    miss = plane.miss_km
    dist = float(np.linalg.norm(miss))
    u = miss / dist if dist > 0.0 else np.array([1.0, 0.0])
    outer = np.outer(u, u)

    def pc_at(log_sigma: float) -> float:
        sigma = math.exp(log_sigma)
        xm, ym, sx, sy, _ = principal_axes(miss, plane.cov_km2 + sigma * sigma * outer)
        return pc_disk(xm, ym, sx, sy, radius)

    xm, ym, sx, sy, _ = principal_axes(miss, plane.cov_km2)
    best_sigma, best = 0.0, pc_disk(xm, ym, sx, sy, radius)
    scale = max(dist, radius, 1e-9)
    grid = np.log(scale) + np.linspace(math.log(1e-4), math.log(1e3), 71)
    values = [pc_at(t) for t in grid]
    i = int(np.argmax(values))
    if values[i] > best:
        best, t = values[i], grid[i]
        res = optimize.minimize_scalar(lambda x: -pc_at(x), bounds=(grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]),
                                       method="bounded", options={"xatol": 1e-10})
        if -res.fun > best:
            best, t = -res.fun, res.x
        best_sigma = math.exp(t)
    return MaxPcResult(
        pc=best, method="FRISBEE-2015", hbr_m=float(hbr_m), r_rel_km=np.asarray(r_rel_km, dtype=float),
        v_rel_km_s=np.asarray(v_rel_km_s, dtype=float), cov_km2=np.asarray(cov_known_km2, dtype=float),
        miss_2d_km=miss, cov_2d_km2=plane.cov_km2, scale=best_sigma,
    )
