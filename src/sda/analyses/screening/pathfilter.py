"""Orbit-path and time filter for primaries-vs-catalog screening (after Hoots et al. 1984).

A secondary can come within ``D`` of a primary only where both are near the line of
nodes of their two orbit planes, at the same radius, at the same time. The primary is
propagated densely with SGP4 (one object: cheap, every :data:`PRIMARY_STEP_S`); each
secondary is first judged from its mean elements alone, and only at the few primary
samples that survive is it propagated with SGP4.

1. **Orbit path** (:func:`_path_samples`). At each primary sample the primary must be
   within ``D`` plus a bound of the secondary's mean plane (the mean elements with
   SGP4's secular node rate), and the secondary's radius in the primary's direction
   (its mean ellipse with SGP4's long-period eccentricity terms and short-period
   radial terms) must reach the primary's radius. The scan jumps over every stretch of
   the primary's orbit where the first test cannot pass, so it costs a few dozen
   evaluations per orbit.
2. **Time** (:func:`_time_samples`). At the samples left, the secondary's SGP4 state
   gives the straight-line miss over the sample's interval; with the tidal curvature
   margin of :mod:`~sda.analyses.screening.sieve` it must be within ``D``.
3. Runs of kept samples are refined with SGP4 by
   :func:`~sda.analyses.screening.refine.refine_runs` on edges every half step.

**Bounds.** What the mean-element model leaves out (drag's decay since the epoch,
SGP4's short-period out-of-plane terms, lunar-solar terms of deep-space orbits) is
bounded by :func:`path_bounds_km`, measured on the whole bundled catalog with a safety
factor of :data:`BOUND_SAFETY`; ``tests/test_pathfilter.py`` checks it on every object.
The time stage uses SGP4 itself, so it needs no model bound.

**Refinement.** Secondaries whose plane is within :data:`MIN_SIN_RELATIVE_INCLINATION`
of a primary's (trains, docked vehicles, objects released from a station) are left to
the grid path: for the others the relative speed across the primary's plane at an
encounter is at least ``v sin(i_rel)`` (above 75 m/s), so the range rate is monotonic
over each 10-s refinement step near an encounter: its derivative ``|v_rel|² + d . a_rel``
stays positive while ``|v_rel| > 0.0023 |d|`` per second (the tidal bound of ``a_rel``
in LEO), which that speed ensures within 30 km, so each step holds at most one closest
approach (the grid path makes the same assumption over its 40-s sub-steps).

Secondaries left to the grid path: co-planar ones, those whose drag bound exceeds
:data:`MAX_DRAG_KM`, eccentricity of :data:`MAX_ECCENTRICITY` or more, deep-space
orbits reaching beyond :data:`MAX_DEEP_APOGEE_KM`, SGP4 failures at
a kept sample, and any for which the orbit path keeps more samples than the grid has
nodes (the grid is then cheaper).
"""

from __future__ import annotations

import math
from typing import Sequence

import numba
import numpy as np
from sgp4.api import Satrec, SatrecArray

from sda.analyses.screening.refine import Encounters, refine_runs
from sda.core.orbits import EARTH_RADIUS_KM, J2, MU_KM3_S2
from sda.core.times import UNIX_EPOCH_JD, US_PER_S, us_to_jd_fr

__all__ = ["PRIMARY_STEP_S", "BOUND_SAFETY", "PrimaryTrack", "element_table", "path_bounds_km",
           "path_residuals_km", "screen_on_paths"]

#: Seconds between the primary's SGP4 samples.
PRIMARY_STEP_S = 20.0
#: Safety factor of every bound over the largest deviation measured on the catalog.
BOUND_SAFETY = 2.0
#: Near-Earth radial bound: floor (km) and factor of the drag decay; out-of-plane factor
#: of SGP4's short-period size; deep-space radial and out-of-plane fractions (see
#: :func:`path_bounds_km`).
RADIAL_FLOOR_KM = 0.3
RADIAL_DRAG = 3.0
PLANE_TERMS = 3.0
DEEP_RADIAL = 0.0025
DEEP_PLANE = 0.004
#: Deep-space secondaries with a larger apogee radius (km) use the grid path.
MAX_DEEP_APOGEE_KM = 50_000.0
#: Secondaries whose drag decay term exceeds this (km) use the grid path.
MAX_DRAG_KM = 10.0
#: Largest eccentricity the filter takes.
MAX_ECCENTRICITY = 0.9
#: Pairs whose mean planes are closer than this (sine of the relative inclination) use the grid path.
MIN_SIN_RELATIVE_INCLINATION = 0.05

# Columns of the element table (one row an object).
(_A, _ECC, _INC, _NODE, _ARGP, _NODEDOT, _ARGPDOT, _EPOCH, _NM, _CON41, _X1MTH2, _AYCOF, _NDOT,
 _DEEP) = range(14)
_N_COLUMNS = 14
_J3OJ2 = -0.002345069720011528
_XKE = 0.07436691613317342
_TWO_PI = 2.0 * math.pi


def element_table(satrecs: Sequence[Satrec]) -> np.ndarray:
    """The (n, 14) table of SGP4 records the filter reads: mean semi-major axis (Earth
    radii), eccentricity, inclination, node, argument of perigee (rad), their secular
    rates (rad/min), epoch (UTC s), mean motion (rad/min), SGP4's ``con41``,
    ``x1mth2``, ``aycof``, the mean-motion derivative (rad/min²) and 1 for deep space."""
    el = np.zeros((len(satrecs), _N_COLUMNS))
    for k, s in enumerate(satrecs):
        el[k, :_NM] = (s.a, s.ecco, s.inclo, s.nodeo, s.argpo, s.nodedot, s.argpdot,
                       ((s.jdsatepoch - UNIX_EPOCH_JD) + s.jdsatepochF) * 86400.0)
        el[k, _NDOT] = s.ndot
        el[k, _DEEP] = s.method == "d"
    cosi, sini = np.cos(el[:, _INC]), np.sin(el[:, _INC])
    with np.errstate(invalid="ignore", divide="ignore"):
        el[:, _NM] = _XKE / el[:, _A] ** 1.5
    el[:, _CON41] = 3.0 * cosi**2 - 1.0
    el[:, _X1MTH2] = 1.0 - cosi**2
    el[:, _AYCOF] = -0.5 * _J3OJ2 * sini
    return el


def path_bounds_km(elements: np.ndarray, start_us: int, stop_us: int, radius_km: np.ndarray | float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds (km) of the orbit-path stage for each object (rows of :func:`element_table`)
    over ``[start_us, stop_us]``, at distance ``radius_km`` from the Earth's centre (a
    number, (n,), or (n, m) for m times per object): ``(radial, plane, drag)``, the
    plane bound shaped like the radius.

    ``radial`` bounds ``| |r_SGP4(t)| - rho(u(t)) |``: the SGP4 radius against the mean
    ellipse's (SGP4's long-period eccentricity vector, short-period radial terms, no
    drag) in the direction ``u(t)`` of the SGP4 position in the mean plane. ``plane``
    bounds the SGP4 position's distance from the mean plane. Near-Earth objects:
    ``radial = S (0.3 km + 3 x)`` with ``x = a (2/3) (2 |n'/2| T) / n`` the decay the
    mean-motion derivative implies over ``T``, the days from the epoch to the farther
    end of the window (``drag``, km), and ``plane = S 3 k r_max`` with ``k = J2 / (2
    p²)`` (the size of SGP4's short-period terms in inclination and node, ``p`` in
    Earth radii) and ``r_max`` the apogee radius. Deep-space objects (lunar-solar
    terms; apogee radius up to :data:`MAX_DEEP_APOGEE_KM`): ``radial = S 0.0025 r_max``
    and ``plane = S 0.004 radius`` (a tilt of the plane). ``S`` is :data:`BOUND_SAFETY`.

    Measured on the bundled catalog, every object at 200 random times over 7 days
    (drag terms up to 10 km): near-Earth radial within 0.26 km + 3 x, plane within
    2.5 k r_max; deep-space radial within 0.21% of r_max, plane within 0.37% of the
    radius (without the apogee limit: 1.4% of r_max and 1.6% of the radius).
    """
    epoch = elements[:, _EPOCH]
    t_days = np.maximum(np.abs(start_us / US_PER_S - epoch), np.abs(stop_us / US_PER_S - epoch)) / 86400.0
    a_km = elements[:, _A] * EARTH_RADIUS_KM
    r_max = a_km * (1.0 + elements[:, _ECC])
    n_rev_day = elements[:, _NM] * 1440.0 / _TWO_PI
    ndot_rev_day2 = np.abs(elements[:, _NDOT]) * 1440.0**2 / _TWO_PI
    deep = elements[:, _DEEP] > 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        drag = a_km * (2.0 / 3.0) * 2.0 * ndot_rev_day2 * t_days / n_rev_day
        k = 0.5 * J2 / (elements[:, _A] * (1.0 - elements[:, _ECC] ** 2)) ** 2
    radial = np.where(deep, DEEP_RADIAL * r_max, RADIAL_FLOOR_KM + RADIAL_DRAG * drag)
    radius = np.asarray(radius_km, dtype=np.float64)
    cols = (slice(None),) + (None,) * max(radius.ndim - 1, 0)  # a (n, m) radius: m times per object
    plane = np.where(deep[cols], DEEP_PLANE * np.minimum(radius, r_max[cols]), (PLANE_TERMS * k * r_max)[cols])
    return BOUND_SAFETY * radial, BOUND_SAFETY * plane, drag


class PrimaryTrack:
    """A primary's SGP4 states every :data:`PRIMARY_STEP_S` and bounds on its motion.

    ``times_s`` (k,) UTC s; ``states`` (k, 6) TEME km, km/s; ``r_lo``/``r_hi`` (k,) its
    radius range (km) within half a step of each sample; ``speed_max`` (km/s), the
    largest speed across its own mean plane ``w_max`` (km/s), its largest distance from
    that plane ``off_max`` (km), ``r_min``/``r_max`` (km) over the track; ``elements`` its
    row of the element table; ``valid`` whether SGP4
    gave every state.
    """

    def __init__(self, satrec: Satrec, start_us: int, stop_us: int):
        step_us = int(PRIMARY_STEP_S * US_PER_S)
        n = -(-(stop_us - start_us) // step_us) + 1
        times_us = start_us + np.arange(-1, n + 1, dtype=np.int64) * step_us
        err, r, v = SatrecArray([satrec]).sgp4(*us_to_jd_fr(times_us))
        r, v = r[0], v[0]
        self.valid = bool((err == 0).all() and np.isfinite(r).all() and np.isfinite(v).all())
        self.elements = element_table([satrec])[0]
        rn = np.linalg.norm(r, axis=1)
        self.r_min = max(float(rn.min()), 6000.0) if self.valid else 6000.0
        self.r_max = float(rn.max()) if self.valid else 6000.0
        half = PRIMARY_STEP_S / 2.0
        # |r| within half a step of a sample: inside its neighbours' range widened by the
        # largest radial acceleration (gravity plus v²/r, below 3 mu / r_min²) times dt²/8.
        accel = MU_KM3_S2 / self.r_min**2
        curv = 3.0 * accel * PRIMARY_STEP_S**2 / 8.0
        self.r_lo = np.minimum(np.minimum(rn[:-2], rn[1:-1]), rn[2:]) - curv
        self.r_hi = np.maximum(np.maximum(rn[:-2], rn[1:-1]), rn[2:]) + curv
        self.times_s = times_us[1:-1] / US_PER_S
        self.states = np.ascontiguousarray(np.concatenate((r, v), axis=1)[1:-1])
        self.speed_max = float(np.linalg.norm(v, axis=1).max()) + accel * half
        # Speed across its mean plane and distance from it: at the samples, plus what
        # gravity's pull back to the plane (mu / r³ times the distance), J2's
        # out-of-plane acceleration (below 3 J2 mu Re² / r⁴) and the plane's turning
        # add in half a step.
        e = self.elements
        node = e[_NODE] + e[_NODEDOT] * (times_us / US_PER_S - e[_EPOCH]) / 60.0
        h = np.stack((np.sin(e[_INC]) * np.sin(node), -np.sin(e[_INC]) * np.cos(node),
                      np.full(node.shape, np.cos(e[_INC]))), axis=1)
        w = float(np.abs(np.einsum("ij,ij->i", v, h)).max()) if self.valid else 0.0
        off = float(np.abs(np.einsum("ij,ij->i", r, h)).max()) if self.valid else 0.0
        j2_accel = 3.0 * J2 * MU_KM3_S2 * EARTH_RADIUS_KM**2 / self.r_min**4
        pull = MU_KM3_S2 / self.r_min**3 * (off + 2.0 * w * half)
        self.w_max = w + (pull + j2_accel + self.speed_max * abs(e[_NODEDOT]) / 60.0) * half
        self.off_max = off + self.w_max * half


@numba.njit(cache=True, error_model="numpy")
def _plane_normal(e, t_s):
    """Unit normal (TEME) of the mean plane of element row ``e`` at UTC ``t_s``."""
    node = e[_NODE] + e[_NODEDOT] * (t_s - e[_EPOCH]) / 60.0
    si = math.sin(e[_INC])
    return si * math.sin(node), -si * math.cos(node), math.cos(e[_INC])


@numba.njit(cache=True, error_model="numpy")
def _radius_range(e, t_s, x, y, z, theta):
    """Smallest and largest radius (km) of the mean orbit of element row ``e`` at UTC
    ``t_s`` over the arguments of latitude within ``theta`` (rad) of the TEME direction
    ``(x, y, z)``: the ellipse of SGP4's long-period eccentricity vector (``pl / (1 +
    E cos(u - w))``, monotonic between perigee and apogee, so its ends and any apsis
    inside give its range) with SGP4's short-period radial terms (their ``cos 2u``
    part changing by at most twice its size per radian)."""
    node = e[_NODE] + e[_NODEDOT] * (t_s - e[_EPOCH]) / 60.0
    cn, sn = math.cos(node), math.sin(node)
    ci, si = math.cos(e[_INC]), math.sin(e[_INC])
    u = math.atan2(-x * sn * ci + y * cn * ci + z * si, x * cn + y * sn)
    ecc = e[_ECC]
    argp = e[_ARGP] + e[_ARGPDOT] * (t_s - e[_EPOCH]) / 60.0
    axnl = ecc * math.cos(argp)
    aynl = ecc * math.sin(argp) + e[_AYCOF] / (e[_A] * (1.0 - ecc * ecc))
    el2 = axnl * axnl + aynl * aynl
    big_e = math.sqrt(el2)
    w = math.atan2(aynl, axnl)
    pl = e[_A] * (1.0 - el2)
    r1 = pl / (1.0 + big_e * math.cos(u - theta - w))
    r2 = pl / (1.0 + big_e * math.cos(u + theta - w))
    lo, hi = min(r1, r2), max(r1, r2)
    d = abs((u - w + math.pi) % _TWO_PI - math.pi)  # angle from perigee, 0..pi
    if d <= theta:
        lo = pl / (1.0 + big_e)
    if d >= math.pi - theta:
        hi = pl / (1.0 - big_e)
    temp1 = 0.5 * J2 / pl
    c1 = 1.0 - 1.5 * temp1 / pl * math.sqrt(1.0 - el2) * e[_CON41]
    c2 = 0.5 * temp1 * e[_X1MTH2]
    sp = c2 * math.cos(2.0 * u)
    spread = 2.0 * abs(c2) * theta
    return (lo * c1 + sp - spread) * EARTH_RADIUS_KM, (hi * c1 + sp + spread) * EARTH_RADIUS_KM


@numba.njit(cache=True, error_model="numpy")
def _radii_may_meet(e, theta, reach, r_lo, r_hi):
    """Whether :func:`_radius_range` of element row ``e`` (at any time, in any direction,
    for an angle up to ``theta``), widened by ``reach`` km, can meet the radii
    ``[r_lo, r_hi]`` km at all. Its bounds: SGP4's long-period eccentricity ``E`` lies
    within ``|aycof| / p`` of the mean eccentricity, the ellipse's radius between
    ``a (1 - E)`` and ``a (1 + E)``, the factor ``c1`` within ``0.75 J2 |con41| / p²``
    of 1, and the short-period part within ``|c2| (1 + 2 theta)``."""
    ecc, a = e[_ECC], e[_A]
    e_max = min(ecc + abs(e[_AYCOF]) / (a * (1.0 - ecc * ecc)), 0.999)
    pl_min = a * (1.0 - e_max * e_max)
    c1_dev = 0.75 * J2 * abs(e[_CON41]) / (pl_min * pl_min)
    short = 0.25 * J2 / pl_min * abs(e[_X1MTH2]) * (1.0 + 2.0 * theta)
    lo = (a * (1.0 - e_max) * (1.0 - c1_dev) - short) * EARTH_RADIUS_KM
    hi = (a * (1.0 + e_max) * (1.0 + c1_dev) + short) * EARTH_RADIUS_KM
    return lo - reach <= r_hi and hi + reach >= r_lo


@numba.njit(cache=True, error_model="numpy")
def _residuals(el, r, times_s):
    """See :func:`path_residuals_km`."""
    n, m = r.shape[0], r.shape[1]
    radial = np.empty((n, m))
    plane = np.empty((n, m))
    for i in range(n):
        for k in range(m):
            x, y, z = r[i, k, 0], r[i, k, 1], r[i, k, 2]
            radial[i, k] = abs(math.sqrt(x * x + y * y + z * z) - _radius_range(el[i], times_s[k], x, y, z, 0.0)[0])
            h0, h1, h2 = _plane_normal(el[i], times_s[k])
            plane[i, k] = abs(x * h0 + y * h1 + z * h2)
    return radial, plane


def path_residuals_km(elements: np.ndarray, positions_km: np.ndarray, times_us: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`path_bounds_km` bounds, for TEME positions (n, m, 3) of the objects of
    ``elements`` (n rows) at ``times_us`` (m,): ``| |r| - rho(u) |`` and the distance
    from the mean plane, both (n, m) km."""
    return _residuals(elements, np.ascontiguousarray(positions_km, dtype=np.float64),
                      np.asarray(times_us, dtype=np.int64) / US_PER_S)


@numba.njit(cache=True, error_model="numpy")
def _relative_inclination_range(ep, el, rows, t0_s, t1_s):
    """Bounds ``(lo, hi)`` (n,) on the sine of the angle between the primary's mean plane
    (row ``ep``) and each secondary's over ``[t0_s, t1_s]``: its values every hour,
    widened by its largest change (the sum of the node rates) over half an hour."""
    n = rows.shape[0]
    lo = np.full(n, 2.0)
    hi = np.zeros(n)
    n_t = max(2, int(math.ceil((t1_s - t0_s) / 3600.0)) + 1)
    dt = (t1_s - t0_s) / (n_t - 1)
    for q in range(n):
        es = el[rows[q]]
        slack = (abs(ep[_NODEDOT]) + abs(es[_NODEDOT])) / 60.0 * 0.5 * dt
        for m in range(n_t):
            t = t0_s + m * dt
            a0, a1, a2 = _plane_normal(ep, t)
            b0, b1, b2 = _plane_normal(es, t)
            c0, c1, c2 = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0
            s = math.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
            lo[q] = min(lo[q], s - slack)
            hi[q] = max(hi[q], s + slack)
    return lo, hi


@numba.njit(cache=True, error_model="numpy")
def _path_samples(p_times, p_states, p_rlo, p_rhi, p_speed, p_w, p_off, p_rmin, p_rmax, el, rows, sin_hi,
                  radial_km, plane_km, thr, max_per_row, out_row, out_k, over):
    """Orbit-path stage: the primary samples near which each secondary of ``rows`` may
    come within ``thr`` km (``(row, k)`` into ``out_row``/``out_k``; returns the count,
    more than their length if they were too short). A secondary kept at more than
    ``max_per_row`` samples is dropped from the output and flagged in ``over`` (n,).

    For an encounter within half a step of sample ``k``:

    * the primary is within ``thr + plane`` of the secondary's mean plane at the
      encounter, so ``|r_p . h| <= thr + plane + g' dt/2`` at the sample, with
      ``|g'| <= v_max sin(i_rel) + w_max + r_max |nodedot|`` (the primary's speed
      along the secondary's normal: its in-plane speed projects by the relative
      inclination, ``w_max`` bounds the rest). When a sample fails, the scan jumps
      ahead by the shortest time in which ``|g|`` could come down to the margin, given
      its rate ``g'`` now and ``|g''| <= mu |g|_max / r_min³ + 3 J2 mu Re² / r_min⁴ +
      2 v_max |nodedot| + |nodedot|² r_max + 1e-5 km/s²`` (gravity across the plane,
      J2, the plane's turning, and drag), where ``|g| <= r_max sin(i_rel) + off_max``;
    * the secondary's radius (within ``radial`` of the mean orbit's in its direction,
      which is within ``theta`` of the primary's direction at the sample: the primary's
      motion over the half step, the threshold and the plane bound seen from
      ``r_min - thr``, doubled for the projection on the plane, plus the drift of node
      and perigee) is within ``thr`` of the primary's radius range over the half step.
    """
    n_k = p_times.shape[0]
    half = 0.5 * (p_times[1] - p_times[0])
    t_mid = 0.5 * (p_times[0] + p_times[n_k - 1])
    p_lo_min, p_hi_max = p_rlo.min(), p_rhi.max()
    n_out = 0
    for q in range(rows.shape[0]):
        i = rows[q]
        e = el[i]
        inc = e[_INC]
        sin_i, cos_i = math.sin(inc), math.cos(inc)
        g_rate = p_speed * min(1.0, sin_hi[q]) + p_w + p_rmax * abs(e[_NODEDOT]) / 60.0
        margin_g = thr + plane_km[i] + g_rate * half
        nd = abs(e[_NODEDOT]) / 60.0
        g_max = p_rmax * min(1.0, sin_hi[q]) + p_off
        g_acc = (MU_KM3_S2 * g_max / p_rmin**3 + 3.0 * J2 * MU_KM3_S2 * EARTH_RADIUS_KM**2 / p_rmin**4
                 + 2.0 * p_speed * nd + nd * nd * p_rmax + 1e-5)
        # Both directions are of vectors at least this far from the Earth's centre.
        r_low = p_rmin - thr
        theta = 2.0 * (p_speed * half + thr + plane_km[i]) / r_low \
            + (abs(e[_ARGPDOT]) + abs(e[_NODEDOT])) / 60.0 * half
        reach = radial_km[i] + thr
        if not _radii_may_meet(e, theta, reach, p_lo_min, p_hi_max):
            continue
        first_out = n_out
        # The node's cosine and sine by rotation from the middle of the track (a Taylor
        # series, to 2e-12 for the turns of at most 0.3 rad a slab of a day brings).
        rate = e[_NODEDOT] / 60.0
        node_mid = e[_NODE] + rate * (t_mid - e[_EPOCH])
        c_mid, s_mid = math.cos(node_mid), math.sin(node_mid)
        series = abs(rate) * (t_mid - p_times[0]) <= 0.3
        k = 0
        while k < n_k:
            t = p_times[k]
            if series:
                x = rate * (t - t_mid)
                x2 = x * x
                cx = 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0)))
                sx = x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))))
                cn, sn = c_mid * cx - s_mid * sx, s_mid * cx + c_mid * sx
            else:
                node = e[_NODE] + rate * (t - e[_EPOCH])
                cn, sn = math.cos(node), math.sin(node)
            px, py, pz = p_states[k, 0], p_states[k, 1], p_states[k, 2]
            g = px * sin_i * sn - py * sin_i * cn + pz * cos_i
            if abs(g) > margin_g:
                # g' = v_p . h + r_p . dh/dt, signed so that positive moves |g| away from zero.
                gd = (p_states[k, 3] * sin_i * sn - p_states[k, 4] * sin_i * cn + p_states[k, 5] * cos_i
                      + e[_NODEDOT] / 60.0 * sin_i * (px * cn + py * sn))
                if g < 0.0:
                    gd = -gd
                excess = abs(g) - margin_g
                tau = (gd + math.sqrt(gd * gd + 2.0 * g_acc * excess)) / g_acc
                k += max(1, int(tau / (2.0 * half)))
                continue
            rho_lo, rho_hi = _radius_range(e, t, px, py, pz, theta)
            if rho_lo - reach <= p_rhi[k] and rho_hi + reach >= p_rlo[k]:
                if n_out - first_out >= max_per_row:
                    over[q] = True
                    n_out = first_out
                    break
                if n_out < out_row.shape[0]:
                    out_row[n_out] = i
                    out_k[n_out] = k
                n_out += 1
            k += 1
    return n_out


@numba.njit(cache=True, error_model="numpy")
def _time_samples(p_times, p_states, p_rmin, cand_k, states, r_perigee, thr):
    """Time stage: whether each secondary, at SGP4 state ``states[c]`` (TEME km, km/s;
    perigee radius ``r_perigee[c]`` km) at primary sample ``cand_k[c]``, may come within
    ``thr`` km of the primary within half a step of the sample.

    With ``d``, ``w`` the relative position and velocity at the sample, the separation
    over ``|tau| <= dt/2`` is at least ``|d + w tau| - a_rel tau²/2``, ``a_rel`` the
    tidal bound of the sieve (1.5 × 3 mu / r_min³ times the largest separation ``|d| +
    |w| dt/2``, ``r_min`` the smaller of the primary's and 95% of the secondary's mean
    perigee radius, plus 1e-5 km/s² for drag and SGP4's other terms).
    """
    n = cand_k.shape[0]
    keep = np.zeros(n, dtype=np.bool_)
    half = 0.5 * (p_times[1] - p_times[0])
    for c in range(n):
        k = cand_k[c]
        d0, d1, d2 = states[c, 0] - p_states[k, 0], states[c, 1] - p_states[k, 1], states[c, 2] - p_states[k, 2]
        w0, w1, w2 = states[c, 3] - p_states[k, 3], states[c, 4] - p_states[k, 4], states[c, 5] - p_states[k, 5]
        ww = w0 * w0 + w1 * w1 + w2 * w2
        tau = 0.0
        if ww > 0.0:
            tau = min(max(-(d0 * w0 + d1 * w1 + d2 * w2) / ww, -half), half)
        m0, m1, m2 = d0 + w0 * tau, d1 + w1 * tau, d2 + w2 * tau
        rho = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2) + math.sqrt(ww) * half
        r_low = min(p_rmin, r_perigee[c] * 0.95)
        a_rel = 1.5 * 3.0 * MU_KM3_S2 / r_low**3 * rho + 1e-5
        keep[c] = math.sqrt(m0 * m0 + m1 * m1 + m2 * m2) <= thr + 0.5 * a_rel * half * half
    return keep


def screen_on_paths(satrecs: Sequence[Satrec], primaries: np.ndarray, secondaries: np.ndarray, start_us: int,
                    stop_us: int, threshold_km: float, window_us: tuple[int, int], grid_step_s: float
                    ) -> tuple[Encounters, np.ndarray]:
    """Encounters within ``threshold_km`` between ``primaries`` and the ``secondaries`` the
    filter covers (indices into ``satrecs``), TCA in ``window_us`` ∩ ``[start_us, stop_us)``.

    Returns ``(events, rest)``: the encounters, with ``i < j`` (states in that
    order), and the secondaries left to the grid path (see the module docstring).
    ``grid_step_s``: the grid path's node spacing; a secondary the orbit path keeps at
    more samples than the grid would propagate it goes to the grid.
    """
    secondaries = np.setdiff1d(secondaries, primaries)
    step_us = int(PRIMARY_STEP_S * US_PER_S)
    tracks = [PrimaryTrack(satrecs[p], start_us, stop_us) for p in primaries]
    if secondaries.size == 0 or not all(t.valid for t in tracks):
        return Encounters.empty(), secondaries
    sats = [satrecs[r] for r in secondaries]
    el = element_table(sats)
    t0, t1 = (start_us - step_us) / US_PER_S, (stop_us + step_us) / US_PER_S
    # At an encounter the secondary is at most this far from the Earth's centre.
    r_encounter = max(t.r_max for t in tracks) + threshold_km
    radial, plane, drag = path_bounds_km(el, start_us - step_us, stop_us + step_us, r_encounter)
    r_apogee = el[:, _A] * (1.0 + el[:, _ECC]) * EARTH_RADIUS_KM
    usable = (el[:, _ECC] < MAX_ECCENTRICITY) & np.isfinite(el[:, _NM]) & (el[:, _A] * (1.0 - el[:, _ECC]) > 1.0) \
        & (drag <= MAX_DRAG_KM) & ((el[:, _DEEP] == 0.0) | (r_apogee <= MAX_DEEP_APOGEE_KM))
    rows = np.nonzero(usable)[0]
    sin_range = []
    for track in tracks:
        lo, hi = _relative_inclination_range(track.elements, el, rows, t0, t1)
        usable[rows[lo < MIN_SIN_RELATIVE_INCLINATION]] = False
        sin_range.append((lo, hi))
    # A secondary the orbit path keeps at more samples than the grid has nodes goes to the
    # grid, and so does one whose plane margin alone would keep more (its primary crosses
    # that margin twice an orbit at a speed of at most v sin(i_rel) across the plane).
    grid_nodes = int((stop_us - start_us) / (grid_step_s * US_PER_S)) + 2
    for track, (_, hi) in zip(tracks, sin_range):
        crossings = 2.0 * (stop_us - start_us) / US_PER_S * track.elements[_NM] / 60.0 / _TWO_PI
        crossing_s = 2.0 * (threshold_km + plane[rows]) / (track.speed_max * np.maximum(hi, 1e-9))
        usable[rows[crossings * crossing_s / PRIMARY_STEP_S > grid_nodes]] = False
    keep_rows = usable[rows]
    rows = rows[keep_rows]
    candidates = []
    for track, (_, hi) in zip(tracks, sin_range):
        size = 1 << 16
        while True:
            out_row, out_k = np.empty(size, np.int64), np.empty(size, np.int64)
            over = np.zeros(rows.size, dtype=bool)
            count = _path_samples(track.times_s, track.states, track.r_lo, track.r_hi, track.speed_max, track.w_max,
                                  track.off_max, track.r_min, track.r_max, el, rows, hi[keep_rows], radial, plane,
                                  float(threshold_km), grid_nodes, out_row, out_k, over)
            if count <= size:
                break
            size = 2 * count
        usable[rows[over]] = False
        candidates.append((out_row[:count], out_k[:count]))
    lo_w, hi_w = max(window_us[0], start_us), min(window_us[1], stop_us)
    r_perigee = el[:, _A] * (1.0 - el[:, _ECC]) * EARTH_RADIUS_KM
    # Time stage: SGP4 at the samples kept (a secondary it fails for goes to the grid).
    staged = []
    for track, (cand_row, cand_k) in zip(tracks, candidates):
        sel = usable[cand_row]
        order = np.lexsort((cand_k[sel], cand_row[sel]))
        cand_row, cand_k = cand_row[sel][order], cand_k[sel][order]
        sample_us = (track.times_s * US_PER_S).round().astype(np.int64)
        states, failed = _sgp4_at(sats, cand_row, sample_us[cand_k])
        usable[cand_row[failed]] = False
        staged.append((cand_row, cand_k, states, sample_us))
    half_us = step_us // 2
    run_i, run_j, run_edges = [], [], []
    for p, track, (cand_row, cand_k, states, sample_us) in zip(primaries, tracks, staged):
        keep = _time_samples(track.times_s, track.states, track.r_min, cand_k, states, r_perigee[cand_row],
                             float(threshold_km)) & usable[cand_row]
        kept_row, kept_k = cand_row[keep], cand_k[keep]
        brk = np.nonzero((np.diff(kept_row) != 0) | (np.diff(kept_k) > 1))[0] + 1
        for a, b in zip(np.concatenate(([0], brk)), np.concatenate((brk, [kept_row.size]))):
            if a == b:
                continue
            s = int(secondaries[kept_row[a]])
            first, last = int(kept_k[a]), int(kept_k[b - 1])
            run_edges.append(np.arange(sample_us[first] - half_us, sample_us[last] + half_us + 1, half_us,
                                       dtype=np.int64))
            run_i.append(min(int(p), s))
            run_j.append(max(int(p), s))
    if not run_i:
        return Encounters.empty(), secondaries[~usable]
    run_starts = np.concatenate(([0], np.cumsum([e.size for e in run_edges])))
    edges = np.clip(np.concatenate(run_edges), lo_w, hi_w)
    events = refine_runs(satrecs, np.array(run_i), np.array(run_j), edges, run_starts, start_us, (lo_w, hi_w))
    return events.select(events.miss_km <= threshold_km), secondaries[~usable]


def _sgp4_at(sats: Sequence[Satrec], rows: np.ndarray, times_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SGP4 states (c, 6) TEME km, km/s of ``sats[rows[c]]`` at ``times_us[c]`` (``rows``
    sorted), and whether each failed (c,)."""
    states = np.zeros((rows.size, 6))
    failed = np.zeros(rows.size, dtype=bool)
    jd, fr = us_to_jd_fr(times_us)
    starts = np.concatenate(([0], np.nonzero(np.diff(rows))[0] + 1, [rows.size]))
    for a, b in zip(starts[:-1], starts[1:]):
        if a == b:
            continue
        err, r, v = sats[rows[a]].sgp4_array(jd[a:b], fr[a:b])
        states[a:b, :3], states[a:b, 3:] = r, v
        failed[a:b] = (err != 0) | ~np.isfinite(r).all(axis=1) | ~np.isfinite(v).all(axis=1)
    return states, failed
