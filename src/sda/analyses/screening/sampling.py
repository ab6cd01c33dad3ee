"""Coarse SGP4 grids and quintic Hermite interpolation between their nodes.

SGP4 is evaluated only on a coarse grid (step ``coarse_step_s``); between two nodes
each object's trajectory is the quintic Hermite polynomial that matches position,
velocity and acceleration at both ends. Accelerations come from a two-body + J2
model (WGS-72), which is what dominates SGP4's motion over minutes.

Interpolation error. For a trajectory locally like a circle of radius ``r`` swept at
angular rate ``w``, the quintic Hermite error over a step ``D`` is at most
``r (w D)**6 / 46080`` (the sixth-derivative remainder). :func:`interpolation_error_km`
evaluates it at each object's perigee (the fastest point, ``w = v_p / r_p``) with a
safety factor of 4 and adds 20 m for what the two-body + J2 accelerations leave out
(drag, higher harmonics, SGP4's short-period terms): the screening margin uses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from sgp4.api import SatrecArray

from sda.core.orbits import EARTH_RADIUS_KM, J2, MU_KM3_S2
from sda.core.times import us_to_jd_fr

__all__ = ["VELOCITY_ERROR_STEPS", "CoarseGrid", "load_kernels", "propagate_grid", "speed_cap_km_s",
           "radius_ranges", "inconsistent", "repair_derivatives", "accelerations", "hermite5_weights", "interpolate",
           "interpolation_error_km", "orbit_bounds"]

MODEL_ERROR_KM = 0.020
SAFETY = 4.0
#: Bound on the interpolated velocity's error, in position-error bounds per coarse step:
#: a velocity error bound is ``eps * VELOCITY_ERROR_STEPS / D`` (the sieve's margin and the
#: refinement's sign test both use it).
VELOCITY_ERROR_STEPS = 10.0


@dataclass
class CoarseGrid:
    """SGP4 states of ``n`` objects at ``m`` shared times.

    ``times_us`` (m,) UTC µs; ``position_km``, ``velocity_km_s``, ``accel_km_s2``
    (n, m, 3) TEME; ``valid`` (n, m) bool (SGP4 succeeded and the state is finite).
    """

    times_us: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    accel_km_s2: np.ndarray
    valid: np.ndarray


def speed_cap_km_s(perigee_radius_km: np.ndarray, apogee_radius_km: np.ndarray) -> np.ndarray:
    """Largest plausible speed (km/s) of each object: its perigee speed plus 5% and 0.3 km/s."""
    a = 0.5 * (perigee_radius_km + apogee_radius_km)
    rp = np.maximum(perigee_radius_km, EARTH_RADIUS_KM * 0.9)
    return 1.05 * np.sqrt(MU_KM3_S2 * np.maximum(2.0 / rp - 1.0 / a, 0.0)) + 0.3


def propagate_grid(satrecs: SatrecArray, times_us: np.ndarray, radius_lo_km: np.ndarray,
                   radius_hi_km: np.ndarray, speed_cap: np.ndarray) -> CoarseGrid:
    """SGP4 on the grid, with two-body + J2 accelerations.

    A state is invalid where SGP4 reports an error, and also where it leaves the radius
    band ``[radius_lo_km, radius_hi_km]`` of its mean orbit or is faster than
    ``speed_cap`` (see :func:`speed_cap_km_s`): SGP4 returns such states without an
    error code for some decaying objects, and they are not motion to screen.
    """
    jd, fr = us_to_jd_fr(times_us)
    err, r, v = satrecs.sgp4(jd, fr)
    valid = np.empty(err.shape, dtype=np.bool_)
    a = np.empty_like(r)
    _check_states(err, r, v, np.asarray(radius_lo_km, dtype=np.float64), np.asarray(radius_hi_km, dtype=np.float64),
                  np.asarray(speed_cap, dtype=np.float64), valid, a)
    return CoarseGrid(np.asarray(times_us, dtype=np.int64), r, v, a, valid)


@numba.njit(cache=True)
def _check_states(err, r, v, radius_lo, radius_hi, speed_cap, valid, a):
    """In one pass over SGP4's output (``err`` (n, m), ``r``/``v`` (n, m, 3)): ``valid``
    where SGP4 succeeded with a finite state inside the radius band and under the speed
    cap; invalid states zeroed in place; ``a`` the two-body + J2 accelerations (zero
    where invalid)."""
    for i in range(r.shape[0]):
        for t in range(r.shape[1]):
            x, y, z = r[i, t, 0], r[i, t, 1], r[i, t, 2]
            vx, vy, vz = v[i, t, 0], v[i, t, 1], v[i, t, 2]
            rn = math.sqrt(x * x + y * y + z * z)
            vn = math.sqrt(vx * vx + vy * vy + vz * vz)
            # NaN fails every comparison, so non-finite states are invalid too.
            ok = err[i, t] == 0 and radius_lo[i] <= rn <= radius_hi[i] and vn <= speed_cap[i]
            valid[i, t] = ok
            if not ok:
                r[i, t, :] = 0.0
                v[i, t, :] = 0.0
                a[i, t, :] = 0.0
                continue
            _accel(x, y, z, a[i, t])


def load_kernels() -> None:
    """Set numba's compiler state up in this process (a few tenths of a second, once),
    so that worker processes forked from it inherit it instead of each doing it again;
    the compiled kernels themselves then load from numba's cache in milliseconds."""
    accelerations(np.zeros((1, 3)))


@numba.njit(cache=True)
def _accel(x, y, z, out):
    """Two-body + J2 acceleration (km/s²) at the TEME position ``(x, y, z)`` km into
    ``out`` (3,); zero at the origin."""
    r2 = x * x + y * y + z * z
    if r2 == 0.0:
        out[:] = 0.0
        return
    rn = math.sqrt(r2)
    mu_r3 = MU_KM3_S2 / (r2 * rn)
    f = J2 * 1.5 * MU_KM3_S2 * EARTH_RADIUS_KM**2 / (r2 * r2 * rn)
    zz = 5.0 * z * z / r2
    out[0] = -mu_r3 * x - f * x * (1.0 - zz)
    out[1] = -mu_r3 * y - f * y * (1.0 - zz)
    out[2] = -mu_r3 * z - f * z * (3.0 - zz)


@numba.njit(cache=True)
def accelerations(r: np.ndarray) -> np.ndarray:
    """Two-body + J2 acceleration (km/s²) at TEME positions ``r`` (k, 3) km; zero at the origin."""
    out = np.empty_like(r)
    for i in range(r.shape[0]):
        _accel(r[i, 0], r[i, 1], r[i, 2], out[i])
    return out


@numba.njit(cache=True)
def hermite5_weights(d: float, s: float) -> np.ndarray:
    """Quintic Hermite weights at fraction ``s`` of a step of ``d`` seconds.

    Row 0 gives the position and row 1 the velocity as weighted sums of
    ``(p0, v0, a0, a1, v1, p1)``: ``p(s) = w[0] @ (p0, v0, a0, a1, v1, p1)``, etc.
    """
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    dd = d * d
    w = np.empty((2, 6))
    w[0, 0] = 1.0 - 10.0 * s3 + 15.0 * s4 - 6.0 * s5
    w[0, 1] = (s - 6.0 * s3 + 8.0 * s4 - 3.0 * s5) * d
    w[0, 2] = (0.5 * s2 - 1.5 * s3 + 1.5 * s4 - 0.5 * s5) * dd
    w[0, 3] = (0.5 * s3 - s4 + 0.5 * s5) * dd
    w[0, 4] = (-4.0 * s3 + 7.0 * s4 - 3.0 * s5) * d
    w[0, 5] = 10.0 * s3 - 15.0 * s4 + 6.0 * s5
    w[1, 0] = (-30.0 * s2 + 60.0 * s3 - 30.0 * s4) / d
    w[1, 1] = 1.0 - 18.0 * s2 + 32.0 * s3 - 15.0 * s4
    w[1, 2] = (s - 4.5 * s2 + 6.0 * s3 - 2.5 * s4) * d
    w[1, 3] = (1.5 * s2 - 4.0 * s3 + 2.5 * s4) * d
    w[1, 4] = -12.0 * s2 + 28.0 * s3 - 15.0 * s4
    w[1, 5] = (30.0 * s2 - 60.0 * s3 + 30.0 * s4) / d
    return w


@numba.njit(cache=True)
def _interpolate(p, v, a, objects, steps, frac, d):
    """See :func:`interpolate`."""
    out = np.empty((objects.shape[0], 6))
    for c in range(objects.shape[0]):
        i, m = objects[c], steps[c]
        w = hermite5_weights(d, frac[c])
        for r in range(2):
            for x in range(3):
                out[c, 3 * r + x] = (w[r, 0] * p[i, m, x] + w[r, 1] * v[i, m, x] + w[r, 2] * a[i, m, x]
                                     + w[r, 3] * a[i, m + 1, x] + w[r, 4] * v[i, m + 1, x]
                                     + w[r, 5] * p[i, m + 1, x])
    return out


def interpolate(grid: CoarseGrid, objects: np.ndarray, steps: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Quintic Hermite TEME states (k, 6) km, km/s of grid rows ``objects`` (k,) at
    fraction ``frac`` (k,) of coarse steps ``steps`` (k,) (step m runs from node m to
    node m + 1)."""
    d = float((grid.times_us[1] - grid.times_us[0]) / 1e6)
    return _interpolate(grid.position_km, grid.velocity_km_s, grid.accel_km_s2, np.asarray(objects, np.int64),
                        np.asarray(steps, np.int64), np.asarray(frac, np.float64), d)


def orbit_bounds(mean_motion_rev_day: np.ndarray, eccentricity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(perigee_radius_km, apogee_radius_km)`` of mean elements, arrays of shape (n,)."""
    n = np.asarray(mean_motion_rev_day, dtype=np.float64) * 2.0 * np.pi / 86400.0
    a = np.cbrt(MU_KM3_S2 / (n * n))
    e = np.asarray(eccentricity, dtype=np.float64)
    return a * (1.0 - e), a * (1.0 + e)


def interpolation_error_km(perigee_radius_km: np.ndarray, apogee_radius_km: np.ndarray, step_s: float) -> np.ndarray:
    """Bound (km) on the quintic Hermite position error of each object over a step of ``step_s``."""
    rp = np.maximum(perigee_radius_km, EARTH_RADIUS_KM * 0.9)
    a = 0.5 * (rp + apogee_radius_km)
    vp = np.sqrt(MU_KM3_S2 * (2.0 / rp - 1.0 / a))
    w = vp / rp
    return SAFETY * rp * (w * step_s) ** 6 / 46080.0 + MODEL_ERROR_KM


def radius_ranges(grid: CoarseGrid, perigee_radius_km: np.ndarray, apogee_radius_km: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds (km) on each object's distance from the Earth's centre within each coarse step.

    Returns ``(r_lo, r_hi)`` of shape (n, m - 1). Over a step the radius is the cubic
    Hermite curve through its values and rates at both nodes, to within
    ``a e (w D)**4 / 384`` times a safety factor of 4, plus 2 km for short-period
    terms (``w`` the perigee angular rate, ``D`` the step); the curve's extremes come
    from its derivative's roots.
    """
    r = np.linalg.norm(grid.position_km, axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        rdot = np.einsum("nmi,nmi->nm", grid.position_km, grid.velocity_km_s) / r
    d = float((grid.times_us[1] - grid.times_us[0]) / 1e6) if grid.times_us.size > 1 else 0.0
    p0, p1 = r[:, :-1], r[:, 1:]
    m0, m1 = rdot[:, :-1] * d, rdot[:, 1:] * d
    # Cubic Hermite in s: c3 s^3 + c2 s^2 + c1 s + c0; its extremes at the roots of the derivative.
    c3 = 2 * p0 - 2 * p1 + m0 + m1
    c2 = -3 * p0 + 3 * p1 - 2 * m0 - m1
    c1 = m0
    lo = np.minimum(p0, p1)
    hi = np.maximum(p0, p1)
    qa, qb, qc = 3 * c3, 2 * c2, c1
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.sqrt(np.maximum(qb * qb - 4 * qa * qc, 0.0))
        for s in ((-qb + disc) / (2 * qa), (-qb - disc) / (2 * qa), -qc / qb):
            inside = np.isfinite(s) & (s > 0.0) & (s < 1.0)
            val = ((c3 * s + c2) * s + c1) * s + p0
            lo = np.where(inside, np.minimum(lo, val), lo)
            hi = np.where(inside, np.maximum(hi, val), hi)
    rp = np.maximum(perigee_radius_km, EARTH_RADIUS_KM * 0.9)
    a = 0.5 * (rp + apogee_radius_km)
    e = (apogee_radius_km - rp) / (apogee_radius_km + rp)
    vp = np.sqrt(MU_KM3_S2 * (2.0 / rp - 1.0 / a))
    err = SAFETY * a * np.maximum(e, 1e-3) * (vp / rp * d) ** 4 / 384.0 + 2.0
    return lo - err[:, None], hi + err[:, None]


#: Node inconsistency accepted before an object's derivatives are rebuilt: this fraction
#: of the step's displacement plus :data:`INCONSISTENCY_FLOOR_KM`. Consistent element sets
#: stay below 0.01% of it; the deep-space ones that need rebuilding are at several %.
MAX_INCONSISTENCY_FRACTION = 0.01
INCONSISTENCY_FLOOR_KM = 0.2
#: Half-width (s) of the central differences that rebuild derivatives from positions.
DIFF_STEP_S = 2.0


def inconsistent(grid: CoarseGrid) -> np.ndarray:
    """Whether each object's node velocities and accelerations disagree with its positions
    over each step: ``|p1 - p0 - D (v0 + v1) / 2 - D**2 (a0 - a1) / 12|`` (the trapezoid
    rule with its end correction) beyond :data:`MAX_INCONSISTENCY_FRACTION` of
    ``|p1 - p0|`` plus :data:`INCONSISTENCY_FLOOR_KM`. Shape (n, m - 1), bool.

    For almost every object this is metres; for a few deep-space element sets SGP4's
    velocity differs from the rate of change of its own position by several per cent,
    which would make the Hermite interpolation wrong by tens of km.
    """
    d = float((grid.times_us[1] - grid.times_us[0]) / 1e6)
    return _inconsistent(grid.position_km, grid.velocity_km_s, grid.accel_km_s2, d)


@numba.njit(cache=True)
def _inconsistent(p, v, a, d):
    """:func:`inconsistent` on the node arrays (n, m, 3) of a grid with step ``d`` (s)."""
    out = np.empty((p.shape[0], p.shape[1] - 1), dtype=np.bool_)
    for i in range(p.shape[0]):
        for t in range(p.shape[1] - 1):
            s2 = 0.0
            e2 = 0.0
            for c in range(3):
                step = p[i, t + 1, c] - p[i, t, c]
                res = step - 0.5 * d * (v[i, t, c] + v[i, t + 1, c]) - d * d / 12.0 * (a[i, t, c] - a[i, t + 1, c])
                s2 += step * step
                e2 += res * res
            out[i, t] = math.sqrt(e2) > MAX_INCONSISTENCY_FRACTION * math.sqrt(s2) + INCONSISTENCY_FLOOR_KM
    return out


def repair_derivatives(grid: CoarseGrid, rows: np.ndarray, satrecs: SatrecArray) -> None:
    """Replace the node velocities and accelerations of objects ``rows`` (indices into the
    grid; ``satrecs`` holds their SGP4 records in the same order) by central differences
    of their SGP4 positions (step :data:`DIFF_STEP_S`), so that the interpolation
    follows the positions SGP4 gives; in place."""
    if rows.size == 0:
        return
    h_us = int(DIFF_STEP_S * 1e6)
    _, r_minus, _ = satrecs.sgp4(*us_to_jd_fr(grid.times_us - h_us))
    _, r_plus, _ = satrecs.sgp4(*us_to_jd_fr(grid.times_us + h_us))
    r0 = grid.position_km[rows]
    grid.velocity_km_s[rows] = (r_plus - r_minus) / (2.0 * DIFF_STEP_S)
    grid.accel_km_s2[rows] = (r_plus - 2.0 * r0 + r_minus) / (DIFF_STEP_S * DIFF_STEP_S)
