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

from sda.analyses.screening.sampling import VELOCITY_ERROR_STEPS, hermite5_weights
from sda.core.orbits import MU_KM3_S2

__all__ = ["sieve_steps"]

_RADIX_BITS = 11

# The neighbour columns (dx, dy) after (0, 0) in lexicographic order: with the cell above
# in the same column, the 13 neighbours of a cell that come after it, so that each
# unordered pair of adjacent cells is visited once.
_COLUMNS = np.array([(0, 1), (1, -1), (1, 0), (1, 1)], dtype=np.int64)


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


@numba.njit(cache=True, error_model="numpy")
def sieve_steps(p, v, a, ok, step_s, n_fine, thr, eps, rmin, vcap, in_a, in_b, out_i, out_j, out_k):
    """Candidate pairs of every coarse step of a grid; returns how many were found.

    ``p, v, a``: (n, M + 1, 3) TEME states and accelerations (km, km/s, km/s²) at the
    grid's nodes; ``ok`` (n, M) objects valid at both ends of each step; ``step_s`` the
    step (s); ``n_fine`` sub-steps a step; ``thr`` the screening distance (km); ``eps``
    (n,) interpolation error bounds (km); ``rmin`` (n,) perigee radii (km); ``vcap`` (n,)
    largest plausible speeds (km/s): an object whose interpolated speed exceeds it in a
    sub-step (its nodes disagree) is left out of that sub-step; ``in_a``/``in_b`` (n,)
    group flags: only pairs with one object in each group are tested (both all true for
    all-vs-all; primaries and everything for one-vs-all). Outputs (filled up to their
    length; a return value larger than that means they were too short): object indices
    ``i < j`` and the sub-step ``m * n_fine + k`` (sub-step ``k`` of step ``m``) where
    the pair may come within ``thr``.

    In each sub-step the objects' interpolated states are copied in cell order into
    contiguous arrays, so that the pairs of a cell and of its neighbours are tested on
    neighbouring memory; the work arrays are allocated once for all steps.
    """
    n = p.shape[0]
    h = 0.5 * step_s / n_fine
    n_out = 0
    # Work arrays (n,), allocated once: the interpolated states of a sub-step by position
    # in ``nodes`` (c*) and in cell order with what the tests need (o*), the objects'
    # indices and group flags in cell order, and the sort's and the cells' buffers.
    f = np.empty((16, n))
    cx, cy, cz, cvx, cvy, cvz, csp = f[0], f[1], f[2], f[3], f[4], f[5], f[6]
    ox, oy, oz, ovx, ovy, ovz, osp, oerr, ocurv = f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15]
    w_int = np.empty((11, n), dtype=np.int64)
    live, oid, nodes, prim, keys, order_buf, tmp_buf = w_int[0], w_int[1], w_int[2], w_int[3], w_int[4], w_int[5], \
        w_int[6]
    cix, ciy, ciz, run_keys = w_int[7], w_int[8], w_int[9], w_int[10]
    flags = np.empty((2, n), dtype=np.bool_)
    oa, ob = flags[0], flags[1]
    starts = np.empty(n + 1, dtype=np.int64)
    count_buf = np.empty(1 << _RADIX_BITS, dtype=np.int64)
    sv = np.empty(6)  # one interpolated state
    eps_v_scale = VELOCITY_ERROR_STEPS / step_s
    # Per object: the linear error terms and the curvature coefficient of the full test.
    err_obj = 2.0 * eps * (1.0 + eps_v_scale * h)
    curv_obj = 1.5 * MU_KM3_S2 * h * h / rmin**3
    for st in range(ok.shape[1]):
        m_all = 0
        rmin3_min = 1e300
        for i in range(n):
            if ok[i, st]:
                nodes[m_all] = i
                m_all += 1
                rmin3_min = min(rmin3_min, rmin[i] ** 3)
        # g bounds the curvature term relative to the separation (see the module docstring).
        g = 1.5 * MU_KM3_S2 * h * h / rmin3_min
        for k in range(n_fine):
            s = (k + 0.5) / n_fine
            smax = 0.0
            emax = 0.0
            m = 0
            n_a = 0
            w = hermite5_weights(step_s, s)
            for q in range(m_all):
                i = nodes[q]
                for r in range(2):
                    for c in range(3):
                        sv[3 * r + c] = (w[r, 0] * p[i, st, c] + w[r, 1] * v[i, st, c] + w[r, 2] * a[i, st, c]
                                         + w[r, 3] * a[i, st + 1, c] + w[r, 4] * v[i, st + 1, c]
                                         + w[r, 5] * p[i, st + 1, c])
                x, y, z, vx, vy, vz = sv[0], sv[1], sv[2], sv[3], sv[4], sv[5]
                sp = math.sqrt(vx * vx + vy * vy + vz * vz)
                if sp > vcap[i]:
                    continue
                cx[m] = x
                cy[m] = y
                cz[m] = z
                cvx[m] = vx
                cvy[m] = vy
                cvz[m] = vz
                csp[m] = sp
                live[m] = i
                m += 1
                if sp > smax:
                    smax = sp
                if eps[i] > emax:
                    emax = eps[i]
                if in_a[i]:
                    n_a += 1
            if m < 2:
                continue
            err_max = 4.0 * emax * (1.0 + eps_v_scale * h)
            # With a small group A each of its objects is tested against everything: no cells.
            small_a = n_a <= 4 and n_a * 8 < m
            # A pair can pass the test only if it is at most ``cell`` apart now.
            cell = (thr + err_max + 2.0 * smax * h * (1.0 + g)) / (1.0 - g) + 1e-3
            # Cell coordinates counted from one below the lowest, so that every neighbour
            # offset of -1..+1 stays inside the key's ranges (keys are then dense and small).
            lo0 = lo1 = lo2 = np.int64(1 << 62)
            inv = 1.0 / cell
            for q in range(0 if small_a else m):
                c0 = np.int64(math.floor(cx[q] * inv))
                c1 = np.int64(math.floor(cy[q] * inv))
                c2 = np.int64(math.floor(cz[q] * inv))
                cix[q] = c0
                ciy[q] = c1
                ciz[q] = c2
                lo0 = min(lo0, c0)
                lo1 = min(lo1, c1)
                lo2 = min(lo2, c2)
            span_y = np.int64(0)
            span_z = np.int64(0)
            for q in range(0 if small_a else m):
                span_y = max(span_y, ciy[q] - lo1)
                span_z = max(span_z, ciz[q] - lo2)
            by = span_y + 3
            bz = span_z + 3
            if small_a:
                for q in range(m):
                    order_buf[q] = q
                order = order_buf[:m]
            else:
                for q in range(m):
                    keys[q] = ((cix[q] - lo0 + 1) * by + (ciy[q] - lo1 + 1)) * bz + (ciz[q] - lo2 + 1)
                order = _radix_argsort(keys[:m], order_buf, tmp_buf, count_buf)
            # States in cell order; runs of equal keys are the occupied cells.
            n_runs = 0
            n_prim = 0
            for q in range(m):
                c = order[q]
                i = live[c]
                ox[q] = cx[c]
                oy[q] = cy[c]
                oz[q] = cz[c]
                ovx[q] = cvx[c]
                ovy[q] = cvy[c]
                ovz[q] = cvz[c]
                osp[q] = csp[c]
                oerr[q] = err_obj[i]
                ocurv[q] = curv_obj[i]
                oid[q] = i
                oa[q] = in_a[i]
                ob[q] = in_b[i]
                if in_a[i]:
                    prim[n_prim] = q
                    n_prim += 1
                if small_a:
                    continue
                kq = keys[c]
                if q == 0 or kq != run_keys[n_runs - 1]:
                    run_keys[n_runs] = kq
                    starts[n_runs] = q
                    n_runs += 1
            starts[n_runs] = m
            base = thr + err_max
            hg = h * (1.0 + g)
            inv = 1.0 / (1.0 - g)
            # Blocks of objects qa of runs r against qb of [q_from, q_to) (from qa + 1 for the
            # own column). With a small group A, each of its objects against everything
            # (f = 0 only). Otherwise each object against the rest of its cell and the cell
            # above it in z (keys k and k + 1 are adjacent runs), then against the four
            # forward columns (dx, dy) of three cells each (keys nk - 1 .. nk + 1: one
            # contiguous block of members).
            for f in range(1 if small_a else 5):
                delta = (_COLUMNS[f - 1, 0] * by + _COLUMNS[f - 1, 1]) * bz if f > 0 else 0
                r2 = 0
                for r in range(n_prim if small_a else n_runs):
                    if small_a:
                        qa_from = prim[r]
                        qa_to, q_from, q_to = qa_from + 1, 0, m
                    elif f == 0:
                        qa_from, qa_to = starts[r], starts[r + 1]
                        q_from = -1
                        q_to = starts[r + 2] if r + 1 < n_runs and run_keys[r + 1] == run_keys[r] + 1 else qa_to
                    else:
                        nk = run_keys[r] + delta
                        while r2 < n_runs and run_keys[r2] < nk - 1:
                            r2 += 1
                        if r2 == n_runs:
                            break
                        r3 = r2
                        while r3 < n_runs and run_keys[r3] <= nk + 1:
                            r3 += 1
                        if r3 == r2:
                            continue
                        qa_from, qa_to = starts[r], starts[r + 1]
                        q_from, q_to = starts[r2], starts[r3]
                    for qa in range(qa_from, qa_to):
                        xa, ya, za = ox[qa], oy[qa], oz[qa]
                        ra = base + osp[qa] * hg
                        for qb in range(qa + 1 if q_from < 0 else q_from, q_to):
                            dx0 = ox[qb] - xa
                            dx1 = oy[qb] - ya
                            dx2 = oz[qb] - za
                            reach = (ra + osp[qb] * hg) * inv
                            if dx0 * dx0 + dx1 * dx1 + dx2 * dx2 > reach * reach:
                                continue
                            if not ((oa[qa] and ob[qb]) or (ob[qa] and oa[qb])):
                                continue
                            # With a small group A, two of its objects are tested once, from the lower position.
                            if small_a and (qb == qa or (oa[qb] and qb < qa)):
                                continue
                            # The full test (module docstring): the straight-line closest
                            # approach within the sub-step against the threshold plus margin.
                            dv0 = ovx[qb] - ovx[qa]
                            dv1 = ovy[qb] - ovy[qa]
                            dv2 = ovz[qb] - ovz[qa]
                            dist = math.sqrt(dx0 * dx0 + dx1 * dx1 + dx2 * dx2)
                            vv = dv0 * dv0 + dv1 * dv1 + dv2 * dv2
                            speed = math.sqrt(vv)
                            rho = dist + speed * h
                            margin = max(ocurv[qa], ocurv[qb]) * rho + oerr[qa] + oerr[qb]
                            if dist - speed * h > thr + margin:
                                continue
                            tau = 0.0
                            if vv > 0.0:
                                tau = min(h, max(-h, -(dx0 * dv0 + dx1 * dv1 + dx2 * dv2) / vv))
                            m0 = dx0 + dv0 * tau
                            m1 = dx1 + dv1 * tau
                            m2 = dx2 + dv2 * tau
                            dmin = math.sqrt(m0 * m0 + m1 * m1 + m2 * m2)
                            if dmin > thr + margin:
                                continue
                            if n_out < out_i.shape[0]:
                                i, j = oid[qa], oid[qb]
                                out_i[n_out] = min(i, j)
                                out_j[n_out] = max(i, j)
                                out_k[n_out] = st * n_fine + k
                            n_out += 1
    return n_out
