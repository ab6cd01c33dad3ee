"""Brute-force conjunction screening: the slow, simple reference the fast engine is checked against.

Deliberately independent of :mod:`sda.analyses.screening.screen`: SGP4 straight from
:func:`sda.propagation.sgp4.propagate` at every grid time (no interpolation), every
pair within a search radius found with ``scipy.spatial.cKDTree`` at every grid time,
and every local minimum of range refined with ``scipy.optimize.brentq`` on the range
rate computed with ``Satrec.sgp4``.

**Search radius.** Let ``d(t) = r2 - r1`` (km) be the relative position of a pair and
``t*`` a time of closest approach with ``|d(t*)| <= threshold``. The grid point ``t_k``
nearest to ``t*`` is at most ``h/2`` away (``h`` the step). Taylor's theorem with the
integral remainder gives

    |d(t_k)| <= |d(t*)| + |d'(t*)| h/2 + max|d''| (h/2)^2 / 2
             <= threshold + v_rel_max h/2 + a_rel_max h^2/8  =  R

with ``v_rel_max`` the sum of the two largest orbital speeds among the objects and
``a_rel_max`` the sum of the two largest accelerations (``|d'| <= |v1| + |v2|``,
``|d''| <= |a1| + |a2|``). An object's largest speed is the vis-viva speed at its
perigee radius (not below the Earth's radius, where SGP4 stops with error 6) from its
SGP4 mean semi-major axis and eccentricity, with a 5 % margin for short-period terms
and drag decay over the window; its largest acceleration is ``mu / r_p^2`` with a 1 %
margin for J2 (whose radial part is at most ``3 J2 (Re/r)^2``, about 0.33 %). So every
pair that comes within the threshold is within ``R`` at its nearest grid point. With
the default 10 s step ``R`` is threshold + 113 km for the 2022 public catalog (whose
eccentric orbits reach about 10.7 km/s at perigee) and never more than threshold + 118 km
(escape speed at the surface, 11.2 km/s, with the margin).

**Per-pair filter.** A grid point found within ``R`` is kept only if the pair's own
relative speed allows an encounter: with ``|d'(t*)| <= |d'(t_k)| + a_rel_max h/2``,
the bound above becomes ``|d(t_k)| <= threshold + |d'(t_k)| h/2 + 3 a_rel_max h^2/8``.
This drops co-moving pairs (trains, clusters) that sit within ``R`` but cannot close
to the threshold before the next grid point. Both grid intervals next to a kept grid
point are searched.

**Minima.** In a searched interval ``[t_k, t_k+1]`` a minimum of range is a zero of the
range rate ``f = d . d'`` (half the derivative of ``|d|^2``) going from negative to
non-negative; it is found with ``brentq`` to 1 µs and kept if its miss distance is at
most the threshold. One sign change per interval is assumed: ``f`` varies on the
orbital time scale (``1/n``, about 15 min in LEO), and where a minimum and a maximum of
range fall within one 10 s step the range differs between them by far less than a
metre.

**Window edges.** The time of closest approach must lie inside the window
``[start, start + window]``: a pair still closing at the end of the window (range
decreasing there) has its minimum after the window, and a pair already receding at the
start has it before, so neither is reported.

**SGP4 failures.** A state SGP4 cannot compute (decay, bad elements) is NaN; the
object is left out of the search at that grid time, and an interval whose refinement
meets a failure is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq
from scipy.spatial import cKDTree
from sgp4.api import Satrec

from sda.catalog.records import Conjunction, ElementSet
from sda.core.frames import to_rtn
from sda.core.times import US_PER_S, us_to_jd_fr
from sda.propagation.sgp4 import propagate, satrec_of

__all__ = ["DEFAULT_STEP_S", "screen_bruteforce", "search_radius_km", "closest_approach", "conjunction_at"]

#: Default grid step (s).
DEFAULT_STEP_S = 10.0

_MU_KM3_S2 = 398600.8  # WGS-72, the constants SGP4 propagates with
_EARTH_RADIUS_KM = 6378.135  # WGS-72
_SPEED_MARGIN = 1.05
_ACCEL_MARGIN = 1.01
_MAX_STATES = 2_000_000  # object-times propagated at once
_TCA_XTOL_S = 1e-6


def _speed_accel_bounds(satrecs: Sequence[Satrec]) -> tuple[np.ndarray, np.ndarray]:
    """Largest orbital speed (km/s) and gravitational acceleration (km/s²) of each object."""
    a_km = np.array([s.a for s in satrecs], dtype=np.float64) * _EARTH_RADIUS_KM
    ecc = np.array([s.ecco for s in satrecs], dtype=np.float64)
    ok = np.isfinite(a_km) & (a_km > 0) & (ecc >= 0) & (ecc < 1)
    a_km = np.where(ok, a_km, _EARTH_RADIUS_KM)
    r_p = np.maximum(a_km * (1.0 - np.where(ok, ecc, 0.0)), _EARTH_RADIUS_KM)
    speed = np.sqrt(_MU_KM3_S2 * np.maximum(2.0 / r_p - 1.0 / a_km, 0.0)) * _SPEED_MARGIN
    accel = _MU_KM3_S2 / r_p**2 * _ACCEL_MARGIN
    return speed, accel


def _two_largest_sum(x: np.ndarray) -> float:
    if len(x) == 1:
        return float(x[0])
    top = np.partition(x, len(x) - 2)[-2:]
    return float(top.sum())


def search_radius_km(satrecs: Sequence[Satrec], threshold_km: float, step_s: float) -> tuple[float, float]:
    """``(R, a_rel_max)``: the search radius (km) that misses no encounter between grid
    points ``step_s`` apart, and the bound on relative acceleration (km/s²) it uses."""
    speed, accel = _speed_accel_bounds(satrecs)
    v_rel_max = _two_largest_sum(speed)
    a_rel_max = _two_largest_sum(accel)
    return threshold_km + v_rel_max * step_s / 2.0 + a_rel_max * step_s**2 / 8.0, a_rel_max


def _state(sat: Satrec, jd: float, fr: float) -> np.ndarray | None:
    e, r, v = sat.sgp4(jd, fr)
    if e != 0:
        return None
    return np.array((*r, *v), dtype=np.float64)


class _Failed(Exception):
    pass


def _range_rate(sat1: Satrec, sat2: Satrec, jd: float, fr0: float, s: float) -> float:
    """``d . d'`` (km²/s) at ``s`` seconds after ``(jd, fr0)``."""
    fr = fr0 + s / 86_400.0
    x1, x2 = _state(sat1, jd, fr), _state(sat2, jd, fr)
    if x1 is None or x2 is None:
        raise _Failed
    d = x2 - x1
    return float(d[:3] @ d[3:])


def closest_approach(sat1: Satrec, sat2: Satrec, start_us: int, lo_s: float, hi_s: float) -> int | None:
    """TCA (UTC µs) in ``[start + lo_s, start + hi_s]`` where the range rate goes from
    negative to non-negative, found by ``brentq`` to 1 µs; ``None`` if SGP4 fails there
    or the range rate does not change sign that way."""
    jd0, fr0 = us_to_jd_fr(np.array([start_us], dtype=np.int64))
    jd, fr = float(jd0[0]), float(fr0[0])
    try:
        f_lo = _range_rate(sat1, sat2, jd, fr, lo_s)
        f_hi = _range_rate(sat1, sat2, jd, fr, hi_s)
        if not (f_lo < 0.0 <= f_hi):
            return None
        if f_hi == 0.0:
            s = hi_s
        else:
            s = brentq(lambda t: _range_rate(sat1, sat2, jd, fr, t), lo_s, hi_s, xtol=_TCA_XTOL_S)
    except _Failed:
        return None
    return start_us + round(s * US_PER_S)


def conjunction_at(
    es1: ElementSet, es2: ElementSet, sat1: Satrec, sat2: Satrec, tca_us: int, threshold_km: float | None
) -> Conjunction | None:
    """The :class:`Conjunction` of two objects at ``tca_us`` (TEME states from ``Satrec.sgp4``),
    ``None`` if SGP4 fails for either."""
    jd, fr = us_to_jd_fr(np.array([tca_us], dtype=np.int64))
    x1, x2 = _state(sat1, float(jd[0]), float(fr[0])), _state(sat2, float(jd[0]), float(fr[0]))
    if x1 is None or x2 is None:
        return None
    d = x2 - x1
    miss_rtn, _ = to_rtn(d[:3], d[3:], x1[:3], x1[3:])
    return Conjunction(
        norad_id_1=es1.norad_id,
        norad_id_2=es2.norad_id,
        tca_us=tca_us,
        miss_distance_km=float(np.linalg.norm(d[:3])),
        relative_speed_km_s=float(np.linalg.norm(d[3:])),
        miss_rtn_km=miss_rtn,
        state_1=x1,
        state_2=x2,
        epoch_1_us=es1.epoch_us,
        epoch_2_us=es2.epoch_us,
        screening_threshold_km=threshold_km,
    )


def _pairs_within(pos: np.ndarray, radius_km: float, primary: np.ndarray | None) -> np.ndarray:
    """``(m, 2)`` indices ``(i, j)`` of objects within ``radius_km`` at one time; NaN rows
    are left out; with ``primary`` (bool mask) only pairs with a primary, the primary as ``i``."""
    valid = np.flatnonzero(np.isfinite(pos[:, 0]))
    if len(valid) < 2:
        return np.empty((0, 2), dtype=np.int64)
    tree = cKDTree(pos[valid])
    if primary is None:
        return valid[tree.query_pairs(radius_km, output_type="ndarray")]
    prim = valid[primary[valid]]
    rows = []
    for p, near in zip(prim, tree.query_ball_point(pos[prim], radius_km)):
        others = valid[np.asarray(near, dtype=np.int64)]
        others = others[(others != p) & ~(primary[others] & (others < p))]  # primary pairs once
        rows.append(np.column_stack((np.full(len(others), p), others)))
    return np.concatenate(rows) if rows else np.empty((0, 2), dtype=np.int64)


def _candidate_intervals(
    satrecs: list[Satrec],
    start_us: int,
    offsets_s: np.ndarray,
    threshold_km: float,
    step_s: float,
    primary: np.ndarray | None,
) -> np.ndarray:
    """``(m, 3)`` unique ``(i, j, k)``: grid intervals ``[k, k+1]`` where pair ``(i, j)``'s
    range rate goes from negative to non-negative after passing both filters."""
    radius_km, a_rel_max = search_radius_km(satrecs, threshold_km, step_s)
    slack_km = 3.0 * a_rel_max * step_s**2 / 8.0
    n_grid = len(offsets_s)
    epochs_us = start_us + np.round(offsets_s * US_PER_S).astype(np.int64)
    per_chunk = max(1, _MAX_STATES // max(len(satrecs), 1) - 2)
    found = []
    for a in range(0, n_grid, per_chunk):
        b = min(a + per_chunk, n_grid)  # grid points a .. b-1 searched; a-1 .. b propagated
        lo, hi = max(a - 1, 0), min(b + 1, n_grid)
        states = propagate(satrecs, epochs_us[lo:hi])
        r, v = states.position_km, states.velocity_km_s
        for k in range(a, b):
            pairs = _pairs_within(r[:, k - lo], radius_km, primary)
            if not len(pairs):
                continue
            i, j = pairs[:, 0], pairs[:, 1]
            d = r[j, k - lo] - r[i, k - lo]
            dv = v[j, k - lo] - v[i, k - lo]
            keep = np.linalg.norm(d, axis=1) <= threshold_km + np.linalg.norm(dv, axis=1) * step_s / 2 + slack_km
            i, j = i[keep], j[keep]
            for k_lo in (k - 1, k):
                if k_lo < 0 or k_lo + 1 >= n_grid:
                    continue
                f_lo = np.einsum("ij,ij->i", r[j, k_lo - lo] - r[i, k_lo - lo], v[j, k_lo - lo] - v[i, k_lo - lo])
                f_hi = np.einsum("ij,ij->i", r[j, k_lo + 1 - lo] - r[i, k_lo + 1 - lo],
                                 v[j, k_lo + 1 - lo] - v[i, k_lo + 1 - lo])
                sel = (f_lo < 0.0) & (f_hi >= 0.0)
                found.append(np.column_stack((i[sel], j[sel], np.full(int(sel.sum()), k_lo))))
    if not found:
        return np.empty((0, 3), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


def screen_bruteforce(
    sets: Sequence[ElementSet],
    *,
    start_us: int,
    window_s: float,
    threshold_km: float,
    primaries: Sequence[int] | None = None,
    step_s: float | None = None,
) -> list[Conjunction]:
    """Every close approach within ``threshold_km`` over ``[start_us, start_us + window_s]``.

    ``sets``: SGP4 element sets; ``primaries``: catalog numbers screened against all
    (``None``: all against all); ``step_s``: grid step (s, default
    :data:`DEFAULT_STEP_S`). Returns the conjunctions sorted by TCA, each with TEME
    states (km, km/s) at TCA, miss distance (km), relative speed (km/s) and the RTN
    miss of object 2 in object 1's frame; object 1 is the primary (all against all:
    the one earlier in ``sets``). See the module docstring for the method and its
    guarantees.
    """
    step_s = DEFAULT_STEP_S if step_s is None else float(step_s)
    if step_s <= 0 or window_s <= 0:
        raise ValueError(f"step_s and window_s must be positive, found {step_s} and {window_s}")
    if len(sets) < 2:
        return []
    satrecs = [satrec_of(es) for es in sets]
    primary = None
    if primaries is not None:
        wanted = set(primaries)
        primary = np.array([es.norad_id in wanted for es in sets], dtype=bool)
        if not primary.any():
            return []
    n_steps = math.ceil(window_s / step_s)
    offsets_s = np.minimum(np.arange(n_steps + 1) * step_s, window_s)
    candidates = _candidate_intervals(satrecs, start_us, offsets_s, threshold_km, step_s, primary)
    events = []
    for i, j, k in candidates:
        tca_us = closest_approach(satrecs[i], satrecs[j], start_us, float(offsets_s[k]), float(offsets_s[k + 1]))
        if tca_us is None:
            continue
        c = conjunction_at(sets[i], sets[j], satrecs[i], satrecs[j], tca_us, threshold_km)
        if c is not None and c.miss_distance_km <= threshold_km:
            events.append(c)
    events.sort(key=lambda c: (c.tca_us, c.norad_id_1, c.norad_id_2))
    return events
