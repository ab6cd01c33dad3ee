"""Refining a candidate to the true time of closest approach with SGP4 itself.

The time of closest approach (TCA) is a root of the range rate
``f(t) = (r2 - r1) . (v2 - v1)`` going from negative to positive. The sieve marks the
sub-steps in which a pair may come close; over each run of consecutive marked
sub-steps the range rate is evaluated at the sub-step edges, and every sign change is
bracketed and solved by Newton's method kept inside the bracket, to 0.1 ms.
Positions and velocities come from each object's own SGP4 record, never from the
interpolation. Slowly drifting pairs, which stay close for many sub-steps, get every
minimum of the run.
"""

from __future__ import annotations

import math

import numpy as np
from sgp4.api import Satrec

from sda.core.orbits import MU_KM3_S2
from sda.core.times import UNIX_EPOCH_JD, US_PER_DAY

__all__ = ["Encounter", "refine_run"]

TCA_TOL_S = 1e-4


class Encounter:
    """A refined closest approach: TCA (UTC µs), miss distance (km), TEME states (6,) of both."""

    __slots__ = ("tca_us", "miss_km", "state_1", "state_2")

    def __init__(self, tca_us: int, miss_km: float, state_1: np.ndarray, state_2: np.ndarray):
        self.tca_us = tca_us
        self.miss_km = miss_km
        self.state_1 = state_1
        self.state_2 = state_2


def _jd_fr(t_s: float, t0_us: int) -> tuple[float, float]:
    """Split Julian date of ``t_s`` seconds after ``t0_us`` (UTC µs)."""
    us = t0_us + t_s * 1e6
    days = math.floor(us / US_PER_DAY)
    return UNIX_EPOCH_JD + days, (us - days * US_PER_DAY) / US_PER_DAY


def _states(sat1: Satrec, sat2: Satrec, t_s: float, t0_us: int):
    """TEME states (km, km/s) of both objects ``t_s`` seconds after ``t0_us`` as tuples
    ``(r1, v1, r2, v2)``; ``None`` if SGP4 fails for either."""
    jd, fr = _jd_fr(t_s, t0_us)
    e1, r1, v1 = sat1.sgp4(jd, fr)
    e2, r2, v2 = sat2.sgp4(jd, fr)
    if e1 or e2:
        return None
    return r1, v1, r2, v2


def _rate_and_slope(sat1: Satrec, sat2: Satrec, t_s: float, t0_us: int) -> tuple[float, float]:
    """Range rate ``f = (r2 - r1) . (v2 - v1)`` (km²/s) and its time derivative
    ``|v2 - v1|² + (r2 - r1) . (a2 - a1)`` (km²/s², two-body accelerations) at ``t_s``
    seconds after ``t0_us``; NaNs if SGP4 fails."""
    s = _states(sat1, sat2, t_s, t0_us)
    if s is None:
        return math.nan, math.nan
    (x1, y1, z1), (u1, v1, w1), (x2, y2, z2), (u2, v2, w2) = s
    dx, dy, dz = x2 - x1, y2 - y1, z2 - z1
    du, dv, dw = u2 - u1, v2 - v1, w2 - w1
    k1 = -MU_KM3_S2 / (x1 * x1 + y1 * y1 + z1 * z1) ** 1.5
    k2 = -MU_KM3_S2 / (x2 * x2 + y2 * y2 + z2 * z2) ** 1.5
    da = dx * (k2 * x2 - k1 * x1) + dy * (k2 * y2 - k1 * y1) + dz * (k2 * z2 - k1 * z1)
    return dx * du + dy * dv + dz * dw, du * du + dv * dv + dw * dw + da


def _root(sat1: Satrec, sat2: Satrec, t0_us: int, a: float, b: float, fa: float, fb: float) -> float | None:
    """The range rate's root in ``[a, b]`` (s after ``t0_us``) where it goes from ``fa < 0``
    to ``fb >= 0``: Newton's method kept inside the shrinking bracket (bisection when a
    step would leave it), from the regula-falsi point, to :data:`TCA_TOL_S`. ``None``
    if SGP4 fails."""
    if fb == 0.0:
        return b
    x = a - fa * (b - a) / (fb - fa)
    for _ in range(60):
        f, df = _rate_and_slope(sat1, sat2, x, t0_us)
        if f != f:
            return None
        if f < 0.0:
            a = x
        else:
            b = x
        step = f / df if df > 0.0 else math.inf
        nxt = x - step
        if not a < nxt < b:
            nxt = 0.5 * (a + b)
            step = x - nxt
        if abs(step) < TCA_TOL_S or b - a < TCA_TOL_S:
            return nxt
        x = nxt
    return x


def refine_run(sat1: Satrec, sat2: Satrec, t0_us: int, bounds_us: np.ndarray, window_us: tuple[int, int]
               ) -> list[Encounter]:
    """Every closest approach of two objects between consecutive sieve sub-steps.

    ``bounds_us`` (k + 1,) are the edges (UTC µs) of a run of consecutive candidate
    sub-steps: the range rate is evaluated at each edge and every change of sign from
    negative to positive brackets a minimum, solved to 0.1 ms. Minima outside
    ``window_us`` are not reported.
    """
    lo_w, hi_w = window_us
    edges_s = [(min(max(int(b), lo_w), hi_w) - t0_us) / 1e6 for b in bounds_us]
    rates = [_rate_and_slope(sat1, sat2, t, t0_us)[0] for t in edges_s]
    found = []
    for b in range(len(edges_s) - 1):
        fa, fb = rates[b], rates[b + 1]
        a_s, b_s = edges_s[b], edges_s[b + 1]
        if not (fa < 0.0 <= fb) or b_s <= a_s:
            continue
        t = _root(sat1, sat2, t0_us, a_s, b_s, fa, fb)
        s = None if t is None else _states(sat1, sat2, t, t0_us)
        if s is None:
            continue
        tca_us = int(round(t0_us + t * 1e6))
        if not (lo_w <= tca_us < hi_w):
            continue
        r1, v1, r2, v2 = s
        found.append(Encounter(tca_us, math.dist(r1, r2), np.array(r1 + v1), np.array(r2 + v2)))
    return found
