"""Earth-fixed tracks of satellites: SGP4 nodes, quintic Hermite between them, geodetic nadir.

* **Nodes.** SGP4 (:func:`sda.propagation.sgp4.propagate`) on a uniform grid, turned
  Earth-fixed by :func:`sda.core.frames.teme_to_itrs` (PEF: positions km, velocities
  km/s relative to the rotating Earth). The acceleration at each node is two-body + J2
  (WGS-72, :func:`sda.analyses.screening.sampling.accelerations`: the field is symmetric
  about the rotation axis, so the formula holds in Earth-fixed coordinates as in TEME)
  plus the rotating frame's Coriolis and centrifugal terms ``−2 ω × v − ω × (ω × r)``.
* **Between nodes** the position is the quintic Hermite polynomial matching position,
  velocity and acceleration at both ends (:func:`position`): within ``r (n h)⁶ / 46080``
  of the smooth motion for an orbit of angular rate ``n`` and step ``h`` (4 m at 480 s in
  LEO), plus what two-body + J2 leaves out of SGP4's accelerations (metres; tens of metres
  for the most eccentric LEO orbits).
* **Nadir**: the geodetic sub-satellite point as a unit vector, the height above the
  WGS-84 ellipsoid and ``k = 1 + h/R`` with ``R`` the ellipsoid's radius under the nadir
  (:mod:`sda.core.geodesy`, compiled here for single points).

Arrays of one block of satellites are ``(n_sats, n_nodes, 3)`` (positions ``r`` km,
velocities ``v`` km/s, accelerations ``a`` km/s²); times within a block are seconds
from the first node, the nodes ``step_s`` apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sgp4.api import Satrec

from sda.analyses.overflight.compiled import inline, jit
from sda.analyses.screening.sampling import DIFF_STEP_S, CoarseGrid, accelerations, inconsistent
from sda.core.frames import EARTH_ROTATION_RAD_S, teme_to_itrs
from sda.core.geodesy import ellipsoid_radius_sc_km, geodetic_sin_cos_xyz
from sda.core.times import US_PER_S
from sda.propagation.sgp4 import propagate

__all__ = ["earth_fixed_nodes", "position", "nadir", "node_nadirs", "step_nodes"]

_MIN_RADIUS_KM = 6000.0
_MAX_SPEED_KM_S = 12.0  # inertial
_MAX_ACCELERATION_KM_S2 = 0.02

_geodetic = inline(geodetic_sin_cos_xyz)
_ellipsoid_radius = inline(ellipsoid_radius_sc_km)


def earth_fixed_nodes(satrecs: Sequence[Satrec], epochs_us: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Earth-fixed ``(r, v, a)`` of ``satrecs`` at UTC µs ``epochs_us`` ``(n_nodes,)`` (evenly spaced), each
    ``(n_sats, n_nodes, 3)`` C-contiguous; NaN where SGP4 fails.

    A satellite whose node velocities and accelerations disagree with its positions
    (:func:`sda.analyses.screening.sampling.inconsistent`: for a few deep-space element
    sets SGP4's velocity is off the rate of change of its own position by per cents) gets
    both from central differences of its SGP4 positions instead, ``DIFF_STEP_S`` apart.
    A node that is no orbit (inside the Earth, faster than escape from low orbit, or an
    acceleration beyond gravity's at the surface: SGP4 leaves such states without an error
    code for some decaying objects) is NaN too.
    """
    epochs_us = np.asarray(epochs_us, dtype=np.int64)
    r, v = _earth_fixed(satrecs, epochs_us)
    a = accelerations(r.reshape(-1, 3)).reshape(r.shape)
    w = EARTH_ROTATION_RAD_S
    a[..., 0] += 2.0 * w * v[..., 1] + w * w * r[..., 0]
    a[..., 1] += -2.0 * w * v[..., 0] + w * w * r[..., 1]
    rows = np.nonzero(inconsistent(CoarseGrid(epochs_us, r, v, a, np.isfinite(r).all(axis=-1))).any(axis=1))[0]
    if len(rows):
        h_us = round(DIFF_STEP_S * US_PER_S)
        sub = [satrecs[i] for i in rows]
        r_minus, _ = _earth_fixed(sub, epochs_us - h_us)
        r_plus, _ = _earth_fixed(sub, epochs_us + h_us)
        v[rows] = (r_plus - r_minus) / (2.0 * DIFF_STEP_S)
        a[rows] = (r_plus - 2.0 * r[rows] + r_minus) / DIFF_STEP_S**2
    _drop_implausible(r, v, a)
    return r, v, a


@jit
def _drop_implausible(r, v, a):
    """Set to NaN, in place, the nodes ``(n_sats, n_nodes, 3)`` that are no orbit: closer to the centre
    than ``_MIN_RADIUS_KM``, an inertial speed beyond ``_MAX_SPEED_KM_S`` or an acceleration beyond
    ``_MAX_ACCELERATION_KM_S2``."""
    w = EARTH_ROTATION_RAD_S
    for i in range(r.shape[0]):
        for j in range(r.shape[1]):
            x, y, z = r[i, j, 0], r[i, j, 1], r[i, j, 2]
            vx, vy = v[i, j, 0] - w * y, v[i, j, 1] + w * x  # inertial: v + ω ẑ × r
            if not (x * x + y * y + z * z >= _MIN_RADIUS_KM**2
                    and vx * vx + vy * vy + v[i, j, 2] ** 2 <= _MAX_SPEED_KM_S**2
                    and a[i, j, 0] ** 2 + a[i, j, 1] ** 2 + a[i, j, 2] ** 2 <= _MAX_ACCELERATION_KM_S2**2):
                for c in range(3):
                    r[i, j, c] = v[i, j, c] = a[i, j, c] = np.nan


def _earth_fixed(satrecs: Sequence[Satrec], epochs_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed positions (km) and velocities (km/s) ``(n_sats, n_times, 3)``, C-contiguous."""
    res = propagate(satrecs, epochs_us)
    r, v = teme_to_itrs(res.position_km, res.velocity_km_s, epochs_us)
    return np.ascontiguousarray(r), np.ascontiguousarray(v)


@inline
def position(r, v, a, sat, t, step_s):
    """Earth-fixed position ``(x, y, z)`` km of satellite ``sat`` of the block at ``t`` s (within the grid).

    The quintic Hermite weights of :func:`sda.analyses.screening.sampling.hermite5_weights`
    (position row), factored and without allocating: ``s`` is the fraction of the step.
    """
    j = min(max(int(t / step_s), 0), r.shape[1] - 2)
    s = t / step_s - j
    q = 1.0 - s
    s2 = s * s
    s3 = s2 * s
    w_p1 = s3 * (10.0 - 15.0 * s + 6.0 * s2)
    w_v0 = s * q * q * q * (1.0 + 3.0 * s) * step_s
    w_v1 = -s3 * q * (4.0 - 3.0 * s) * step_s
    w_a0 = 0.5 * s2 * q * q * q * step_s * step_s
    w_a1 = 0.5 * s3 * q * q * step_s * step_s
    w_p0 = 1.0 - w_p1
    x = (w_p0 * r[sat, j, 0] + w_v0 * v[sat, j, 0] + w_a0 * a[sat, j, 0]
         + w_a1 * a[sat, j + 1, 0] + w_v1 * v[sat, j + 1, 0] + w_p1 * r[sat, j + 1, 0])
    y = (w_p0 * r[sat, j, 1] + w_v0 * v[sat, j, 1] + w_a0 * a[sat, j, 1]
         + w_a1 * a[sat, j + 1, 1] + w_v1 * v[sat, j + 1, 1] + w_p1 * r[sat, j + 1, 1])
    z = (w_p0 * r[sat, j, 2] + w_v0 * v[sat, j, 2] + w_a0 * a[sat, j, 2]
         + w_a1 * a[sat, j + 1, 2] + w_v1 * v[sat, j + 1, 2] + w_p1 * r[sat, j + 1, 2])
    return x, y, z


@inline
def nadir(x, y, z):
    """Geodetic nadir of the Earth-fixed position ``(x, y, z)`` km: ``(ux, uy, uz, k, height_km)``,
    ``(ux, uy, uz)`` the unit vector of geodetic latitude and longitude, ``k = 1 + h/R``."""
    sl, cl, rho, h = _geodetic(x, y, z)
    scale = cl / rho
    return x * scale, y * scale, sl, 1.0 + h / _ellipsoid_radius(sl, cl), h


@jit
def node_nadirs(r):
    """:func:`nadir` at every node of ``r`` ``(n_sats, n_nodes, 3)``: unit vectors ``(n_sats, n_nodes, 3)``,
    ``k`` and heights (km) ``(n_sats, n_nodes)``; NaN where the position is."""
    n, m = r.shape[0], r.shape[1]
    u = np.empty((n, m, 3))
    k = np.empty((n, m))
    h = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            u[i, j, 0], u[i, j, 1], u[i, j, 2], k[i, j], h[i, j] = nadir(r[i, j, 0], r[i, j, 1], r[i, j, 2])
    return u, k, h


def step_nodes(window_s: float, step_s: float) -> np.ndarray:
    """Node times (s from the window start) ``(n_nodes,)``: at least two, evenly spaced, at most ``step_s`` apart."""
    return np.linspace(0.0, window_s, max(2, math.ceil(window_s / step_s) + 1))
