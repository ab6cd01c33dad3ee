"""Monte Carlo collision probability under the same short-encounter model, for cross-checks.

Relative positions are drawn from the combined Gaussian N(r, C) with a seeded
:class:`numpy.random.Generator`; a draw is a hit when its straight-line relative path
(constant relative velocity, unlimited in time) passes within the hard-body radius,
i.e. when the part of the drawn relative position normal to ``v`` is shorter than R.
The estimate is hits / trials with its 95 % Clopper-Pearson interval (C. J. Clopper and
E. S. Pearson, Biometrika 26(4), 1934, pp. 404-413).

This tests the encounter-plane projection and quadrature of :mod:`.foster1992`
independently; it does not model curved motion or velocity uncertainty (the
assumptions it shares with Foster). Draws are made in chunks of :data:`CHUNK` so memory
stays bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sda.analyses.pc.encounter import PcResult, encounter_plane

__all__ = ["METHOD", "CHUNK", "MonteCarloResult", "clopper_pearson", "pc_montecarlo"]

METHOD = "MONTE-CARLO"
CHUNK = 1_000_000


@dataclass(frozen=True, eq=False)
class MonteCarloResult(PcResult):
    """Monte Carlo Pc: ``hits`` of ``trials``, ``pc_low``/``pc_high`` the 95 % Clopper-Pearson bounds, ``seed``."""

    hits: int = 0
    trials: int = 0
    pc_low: float = math.nan
    pc_high: float = math.nan
    seed: int | None = None


def clopper_pearson(hits: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval of ``hits / trials``."""
    alpha = 1.0 - confidence
    lo = 0.0 if hits == 0 else float(stats.beta.ppf(alpha / 2, hits, trials - hits + 1))
    hi = 1.0 if hits == trials else float(stats.beta.ppf(1 - alpha / 2, hits + 1, trials - hits))
    return lo, hi


def pc_montecarlo(r_rel_km, v_rel_km_s, cov_km2, hbr_m: float, *, trials: int = 1_000_000, seed: int = 0,
                  covariance_assumed: bool = False) -> MonteCarloResult:
    """Monte Carlo Pc of a conjunction (km, km/s, km² inertial; HBR in m), ``trials`` draws from ``seed``."""
    r = np.asarray(r_rel_km, dtype=float)
    v = np.asarray(v_rel_km_s, dtype=float)
    c = np.asarray(cov_km2, dtype=float)
    plane = encounter_plane(r, v, c)
    w, vecs = np.linalg.eigh(0.5 * (c + c.T))
    root = vecs * np.sqrt(np.clip(w, 0.0, None))  # C = root @ root.T even when C is only semi-definite
    normal = plane.basis[[0, 2]].T  # (3, 2): the encounter-plane axes x, z
    to_plane = np.ascontiguousarray(root.T @ normal)  # (3, 2)
    centre = r @ normal
    r2 = (hbr_m / 1000.0) ** 2
    rng = np.random.default_rng(seed)
    hits = 0
    done = 0
    while done < trials:
        n = min(CHUNK, trials - done)
        q = rng.standard_normal((n, 3)) @ to_plane + centre  # drawn positions, projected on the plane
        hits += int(np.count_nonzero(np.einsum("ij,ij->i", q, q) < r2))
        done += n
    lo, hi = clopper_pearson(hits, trials)
    return MonteCarloResult(
        pc=hits / trials, method=METHOD, hbr_m=float(hbr_m), r_rel_km=r, v_rel_km_s=v, cov_km2=c,
        miss_2d_km=plane.miss_km, cov_2d_km2=plane.cov_km2, covariance_assumed=covariance_assumed,
        hits=hits, trials=trials, pc_low=lo, pc_high=hi, seed=seed,
    )
