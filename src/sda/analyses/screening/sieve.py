"""Finding every pair that may come within the screening distance during a coarse step.

Inside one coarse step (two SGP4 nodes), positions and velocities are interpolated at
the centres ``t_k`` of ``n_fine`` sub-steps of half-width ``h``. For a pair at ``t_k``
with relative position ``dx`` and velocity ``dv``, the true relative position over
``|tau| <= h`` is ``dx + dv tau + e(tau)`` with

    |e(tau)| <= a_rel h**2 / 2 + 2 eps_p + 2 eps_v h,

where ``eps_p``/``eps_v`` bound each object's interpolation error (position, velocity)
and ``a_rel`` bounds the relative acceleration. Two nearby objects feel nearly the same
gravity: ``a_rel <= 3 mu / r_min**3 * rho`` (the tidal gradient, with a factor 1.5 over
its largest eigenvalue 2 mu / r**3 for J2 and safety), ``rho`` the largest separation
over the sub-step. So if the pair's true minimum distance in the sub-step is below the
threshold ``D``, the straight-line minimum ``min |dx + dv tau|`` is below
``D + |e|``: that test never drops a real encounter. A spatial hash with cells of side
``L = D_max + 2 s_max h`` (``s_max`` the largest speed at ``t_k``) finds every pair that
can pass it, because such a pair is at most ``L`` apart at ``t_k``.

The kernels are compiled with numba; each coarse step is independent, which is what
lets screening be split into time slabs.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sda.analyses.screening.sampling import hermite5_weights
from sda.core.orbits import MU_KM3_S2

__all__ = ["sieve_interval"]

_RADIX_BITS = 11

# The 13 neighbour offsets after (0, 0, 0) in lexicographic order: each unordered pair of
# adjacent cells is visited once.
_FORWARD = np.array([(dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)
                     if (dx, dy, dz) > (0, 0, 0)], dtype=np.int64)


@numba.njit(cache=True, error_model="numpy")
def _radix_argsort(keys, order, tmp, count):
    """Indices that sort non-negative int64 ``keys`` (stable LSD radix sort on
    ``_RADIX_BITS``-bit digits, only as many passes as the largest key needs).

    ``order``, ``tmp`` (at least ``len(keys)``) and ``count`` (``2**_RADIX_BITS``) are
    work buffers; returns a view of ``order``.
    """
    n = keys.shape[0]
    mask = (1 << _RADIX_BITS) - 1
    for q in range(n):
        order[q] = q
    hi = 0
    for q in range(n):
        if keys[q] > hi:
            hi = keys[q]
    shift = 0
    while shift < 63 and (hi >> shift) > 0:
        count[:] = 0
        for q in range(n):
            count[(keys[order[q]] >> shift) & mask] += 1
        total = 0
        for b in range(mask + 1):
            c = count[b]
            count[b] = total
            total += c
        for q in range(n):
            d = (keys[order[q]] >> shift) & mask
            tmp[count[d]] = order[q]
            count[d] += 1
        for q in range(n):
            order[q] = tmp[q]
        shift += _RADIX_BITS
    return order[:n]


@numba.njit(cache=True, inline="always", error_model="numpy")
def _test_pair(i, j, k, pos, vel, spd, h, g, thr, err_max, eps, eps_v, rmin3, s_mid,
               out_i, out_j, out_k, out_tau, out_d, n_out):
    dx0 = pos[j, 0] - pos[i, 0]
    dx1 = pos[j, 1] - pos[i, 1]
    dx2 = pos[j, 2] - pos[i, 2]
    d2 = dx0 * dx0 + dx1 * dx1 + dx2 * dx2
    # Cheap bound first: farther than any margin plus both speeds over the half-step.
    reach = (thr + err_max + (spd[i] + spd[j]) * h * (1.0 + g)) / (1.0 - g)
    if d2 > reach * reach:
        return n_out
    dv0 = vel[j, 0] - vel[i, 0]
    dv1 = vel[j, 1] - vel[i, 1]
    dv2 = vel[j, 2] - vel[i, 2]
    dist = math.sqrt(d2)
    vv = dv0 * dv0 + dv1 * dv1 + dv2 * dv2
    speed = math.sqrt(vv)
    err_lin = 2.0 * (eps[i] + eps[j]) + 2.0 * (eps_v[i] + eps_v[j]) * h
    rho = dist + speed * h
    rm3 = rmin3[i] if rmin3[i] < rmin3[j] else rmin3[j]
    margin = 0.5 * (3.0 * MU_KM3_S2 / rm3 * rho) * h * h + err_lin
    if dist - speed * h > thr + margin:
        return n_out
    tau = 0.0
    if vv > 0.0:
        tau = -(dx0 * dv0 + dx1 * dv1 + dx2 * dv2) / vv
        if tau > h:
            tau = h
        elif tau < -h:
            tau = -h
    m0 = dx0 + dv0 * tau
    m1 = dx1 + dv1 * tau
    m2 = dx2 + dv2 * tau
    dmin = math.sqrt(m0 * m0 + m1 * m1 + m2 * m2)
    if dmin <= thr + margin:
        if n_out < out_i.shape[0]:
            out_i[n_out] = i
            out_j[n_out] = j
            out_k[n_out] = k
            out_tau[n_out] = s_mid + tau
            out_d[n_out] = dmin
        n_out += 1
    return n_out


@numba.njit(cache=True, error_model="numpy")
def sieve_interval(p0, v0, a0, p1, v1, a1, ok, step_s, n_fine, thr, eps, rmin, vcap, in_a, in_b,
                   out_i, out_j, out_k, out_tau, out_d):
    """Candidate pairs of one coarse step; returns how many were found.

    ``p0, v0, a0`` / ``p1, v1, a1``: (n, 3) TEME states and accelerations (km, km/s,
    km/s²) at the step's start and end; ``ok`` (n,) objects valid at both ends;
    ``step_s`` the step (s); ``n_fine`` sub-steps; ``thr`` the screening distance (km);
    ``eps`` (n,) interpolation error bounds (km); ``rmin`` (n,) perigee radii (km);
    ``vcap`` (n,) largest plausible speeds (km/s): an object whose interpolated speed
    exceeds it in a sub-step (its nodes disagree) is left out of that sub-step;
    ``in_a``/``in_b`` (n,) group flags: only pairs with one object in each group are
    tested (both all true for all-vs-all; primaries and everything for one-vs-all).
    Outputs (filled up to their length; a return value larger than that means they were
    too short): object indices ``i < j``, sub-step ``k``, seconds from the step's start
    of the straight-line closest approach, and that distance (km).
    """
    n = p0.shape[0]
    nodes = np.nonzero(ok)[0]
    m_all = nodes.shape[0]
    pos = np.empty((n, 3))
    vel = np.empty((n, 3))
    spd = np.zeros(n)
    h = 0.5 * step_s / n_fine
    eps_v = eps * (10.0 / step_s)
    rmin3 = rmin * rmin * rmin
    rmin3_min = rmin3[ok].min() if m_all > 0 else 1.0
    # g bounds the curvature term relative to the separation (see the module docstring).
    g = 1.5 * MU_KM3_S2 * h * h / rmin3_min
    n_out = 0
    idx = np.empty(m_all, dtype=np.int64)
    prim_idx = np.empty(m_all, dtype=np.int64)
    keys = np.empty(m_all, dtype=np.int64)
    order_buf = np.empty(m_all, dtype=np.int64)
    tmp_buf = np.empty(m_all, dtype=np.int64)
    count_buf = np.empty(1 << _RADIX_BITS, dtype=np.int64)
    cix = np.empty(m_all, dtype=np.int64)
    ciy = np.empty(m_all, dtype=np.int64)
    ciz = np.empty(m_all, dtype=np.int64)
    members = np.empty(m_all, dtype=np.int64)
    run_keys = np.empty(m_all, dtype=np.int64)
    starts = np.empty(m_all + 1, dtype=np.int64)
    for k in range(n_fine):
        s = (k + 0.5) / n_fine
        smax = 0.0
        emax = 0.0
        m = 0
        n_prim = 0
        w = hermite5_weights(step_s, s)
        for q in range(m_all):
            i = nodes[q]
            for c in range(3):
                pos[i, c] = (w[0, 0] * p0[i, c] + w[0, 1] * v0[i, c] + w[0, 2] * a0[i, c]
                             + w[0, 3] * a1[i, c] + w[0, 4] * v1[i, c] + w[0, 5] * p1[i, c])
                vel[i, c] = (w[1, 0] * p0[i, c] + w[1, 1] * v0[i, c] + w[1, 2] * a0[i, c]
                             + w[1, 3] * a1[i, c] + w[1, 4] * v1[i, c] + w[1, 5] * p1[i, c])
            sp = math.sqrt(vel[i, 0] ** 2 + vel[i, 1] ** 2 + vel[i, 2] ** 2)
            if sp > vcap[i]:
                continue
            spd[i] = sp
            idx[m] = i
            m += 1
            if in_a[i]:
                prim_idx[n_prim] = i
                n_prim += 1
            if sp > smax:
                smax = sp
            if eps[i] > emax:
                emax = eps[i]
        if m < 2:
            continue
        s_mid = s * step_s
        err_max = 4.0 * emax * (1.0 + (10.0 / step_s) * h)
        if n_prim <= 4 and n_prim * 8 < m:
            # A small group A: test each of its objects against group B directly.
            for a in range(n_prim):
                i = prim_idx[a]
                for q in range(m):
                    j = idx[q]
                    if j == i or not in_b[j] or (in_a[j] and in_b[i] and j < i):
                        continue
                    lo, hi = (i, j) if i < j else (j, i)
                    n_out = _test_pair(lo, hi, k, pos, vel, spd, h, g, thr, err_max, eps, eps_v, rmin3, s_mid,
                                       out_i, out_j, out_k, out_tau, out_d, n_out)
            continue
        # A pair can pass the test only if it is at most ``cell`` apart now.
        cell = (thr + err_max + 2.0 * smax * h * (1.0 + g)) / (1.0 - g) + 1e-3
        # Sort the objects by cell key; runs of equal keys are the occupied cells.
        # Cell coordinates counted from one below the lowest, so that every neighbour
        # offset of -1..+1 stays inside the key's ranges (keys are then dense and small).
        lo0 = lo1 = lo2 = np.int64(1 << 62)
        for q in range(m):
            i = idx[q]
            c0 = np.int64(math.floor(pos[i, 0] / cell))
            c1 = np.int64(math.floor(pos[i, 1] / cell))
            c2 = np.int64(math.floor(pos[i, 2] / cell))
            cix[q] = c0
            ciy[q] = c1
            ciz[q] = c2
            lo0 = min(lo0, c0)
            lo1 = min(lo1, c1)
            lo2 = min(lo2, c2)
        span_y = np.int64(0)
        span_z = np.int64(0)
        for q in range(m):
            span_y = max(span_y, ciy[q] - lo1)
            span_z = max(span_z, ciz[q] - lo2)
        by = span_y + 3
        bz = span_z + 3
        for q in range(m):
            keys[q] = ((cix[q] - lo0 + 1) * by + (ciy[q] - lo1 + 1)) * bz + (ciz[q] - lo2 + 1)
        order = _radix_argsort(keys[:m], order_buf, tmp_buf, count_buf)
        n_runs = 0
        for q in range(m):
            kq = keys[order[q]]
            members[q] = idx[order[q]]
            if q == 0 or kq != run_keys[n_runs - 1]:
                run_keys[n_runs] = kq
                starts[n_runs] = q
                n_runs += 1
        starts[n_runs] = m
        # Pairs inside each cell.
        for r in range(n_runs):
            for qa in range(starts[r], starts[r + 1]):
                ia = members[qa]
                for qb in range(qa + 1, starts[r + 1]):
                    ib = members[qb]
                    if (in_a[ia] and in_b[ib]) or (in_b[ia] and in_a[ib]):
                        lo, hi = (ia, ib) if ia < ib else (ib, ia)
                        n_out = _test_pair(lo, hi, k, pos, vel, spd, h, g, thr, err_max, eps, eps_v, rmin3,
                                           s_mid, out_i, out_j, out_k, out_tau, out_d, n_out)
        # Pairs with each forward neighbour: the neighbour keys grow with the run keys,
        # so one pointer sweeps the sorted runs for each offset.
        for f in range(13):
            delta = (_FORWARD[f, 0] * by + _FORWARD[f, 1]) * bz + _FORWARD[f, 2]
            r2 = 0
            for r in range(n_runs):
                nk = run_keys[r] + delta
                while r2 < n_runs and run_keys[r2] < nk:
                    r2 += 1
                if r2 == n_runs:
                    break
                if run_keys[r2] != nk:
                    continue
                for qa in range(starts[r], starts[r + 1]):
                    ia = members[qa]
                    for qb in range(starts[r2], starts[r2 + 1]):
                        ib = members[qb]
                        if (in_a[ia] and in_b[ib]) or (in_b[ia] and in_a[ib]):
                            lo, hi = (ia, ib) if ia < ib else (ib, ia)
                            n_out = _test_pair(lo, hi, k, pos, vel, spd, h, g, thr, err_max, eps, eps_v,
                                               rmin3, s_mid, out_i, out_j, out_k, out_tau, out_d, n_out)
    return n_out
