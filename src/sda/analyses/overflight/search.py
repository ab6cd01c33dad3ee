"""The pass search over one block of satellites and every area, compiled with numba.

For each satellite and area (the method of :mod:`.passes`, steps 2-4):

1. **Motion bound** ``L`` (rad/s) on ``|dg/dt|`` from the satellite's nodes
   (:func:`bound_inputs`, :func:`_rate_bound`): the largest nadir angular rate (×1.01 for
   geodetic latitude) plus the steepest slope of the reach ``λ_max`` in ``k`` over the
   satellite's range of ``k`` (at its ends, or at the horizon cusp ``k sin η_max = 1``
   when that lies within, where it is capped) times the largest rate of change of ``k``,
   or the height rate over the Earth's radius with altitude limits, ×1.25. An interval ``[a, b]`` can hold a zero of ``g`` only if
   ``|g(a)| + |g(b)| ≤ L (b − a)``.
2. **Coarse intervals.** A node is *far* when its nadir is more than
   ``cap + λ_max(k_max) + L h / 2`` from the area's centre (one dot product): then
   ``g > L h / 2`` there, and an interval between two far nodes cannot pass the test.
   The margin is computed exactly only at the other nodes.
3. **Refinement** (:func:`_roots`), depth first so roots come out in time order, with
   positions from :func:`.track.position`: the zeros of an interval can only lie in its
   *feasible part* ``[a + |g(a)|/L, b − |g(b)|/L]``; an interval is split at the middle of
   its feasible part until that is at most ``min_interval_s`` wide, or ``crossing_s`` when
   its ends differ in sign; each sign change is then solved by regula falsi with the
   Illinois modification to :data:`ROOT_TOLERANCE_S`.
4. **Passes**: entries paired with the exits that follow (window edges where a pass is
   under way); for each the time of the smallest distance from the nadir to the area
   (the best of :data:`SCAN` samples, then golden-section search between its
   neighbours to :data:`CLOSEST_TOLERANCE_S`; no smoothness is assumed beyond one
   minimum between neighbouring samples, as the distance has kinks where the nearest part
   of the area changes), and the nadir, height, off-nadir angle and the area's nearest
   point then.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba.typed import List

from sda.analyses.overflight import geometry as geo
from sda.analyses.overflight.compiled import inline, jit
from sda.analyses.overflight.track import nadir, position

__all__ = ["bound_inputs", "search_block", "OUT_COLUMNS", "ROOT_TOLERANCE_S", "SCAN", "CLOSEST_TOLERANCE_S"]

ROOT_TOLERANCE_S = 1e-3
SCAN = 7
CLOSEST_TOLERANCE_S = 0.2
_MAX_ILLINOIS = 40
_ELLIPSOID_RADIUS_SPREAD_KM = 21.4  # equatorial minus polar radius
_POLAR_RADIUS_KM = 6356.752
_SAFETY = 1.25
_MAX_REACH_SLOPE = 50.0
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
#: Per-pass float outputs of :func:`search_block`, in this order.
OUT_COLUMNS = ("entry_s", "exit_s", "closest_s", "min_off_nadir_rad", "nadir_lat_rad", "nadir_lon_rad",
               "altitude_km", "ground_lat_rad", "ground_lon_rad")


@jit
def bound_inputs(r, v, k):
    """Per satellite ``(n_sats, 4)``: the smallest and largest ``k``, the largest nadir angular rate
    (rad/s) and the largest rate (km/s) of the height and ground radius together, over its finite
    nodes (zeros for a satellite without any). ``r``, ``v`` ``(n_sats, n_nodes, 3)``, ``k`` ``(n_sats, n_nodes)``."""
    out = np.zeros((r.shape[0], 4))
    for i in range(r.shape[0]):
        k_low, k_high, nadir_peak, height_peak, any_finite = np.inf, -np.inf, 0.0, 0.0, False
        for j in range(r.shape[1]):
            x, y, z = r[i, j, 0], r[i, j, 1], r[i, j, 2]
            dist = math.sqrt(x * x + y * y + z * z)
            speed2 = v[i, j, 0] ** 2 + v[i, j, 1] ** 2 + v[i, j, 2] ** 2
            radial = abs(x * v[i, j, 0] + y * v[i, j, 1] + z * v[i, j, 2]) / dist
            nadir_rate = 1.01 * math.sqrt(max(speed2 - radial * radial, 0.0)) / dist
            if not (math.isfinite(nadir_rate) and math.isfinite(k[i, j])):
                continue
            any_finite = True
            k_low, k_high = min(k_low, k[i, j]), max(k_high, k[i, j])
            nadir_peak = max(nadir_peak, nadir_rate)
            height_peak = max(height_peak, radial + _ELLIPSOID_RADIUS_SPREAD_KM * nadir_rate)
        if any_finite:
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = k_low, k_high, nadir_peak, height_peak
    return out


@jit
def _reach_slope(s, k):
    """``|dλ_max/dk|`` (rad per unit of k) for an off-nadir limit of sine ``s``, capped at
    ``_MAX_REACH_SLOPE`` near the horizon cusp."""
    if k * s < 1.0:
        slope = s / math.sqrt(max(1.0 - (k * s) ** 2, 0.0))
    else:
        slope = 1.0 / (k * math.sqrt(max(k * k - 1.0, 0.0)))
    return min(slope, _MAX_REACH_SLOPE)


@jit
def _rate_bound(inputs, limits):
    """The bound ``L`` (rad/s) on ``|dg/dt|`` of one satellite (a row of :func:`bound_inputs`) for one area."""
    k_low, k_high, nadir_peak, height_peak = inputs[0], inputs[1], inputs[2], inputs[3]
    s = limits[geo.LIM_SIN_OFF_NADIR]
    slope = max(_reach_slope(s, k_low), _reach_slope(s, k_high))
    if k_low * s < 1.0 <= k_high * s:  # the slope is steepest at the horizon cusp k = 1/s, within the range
        slope = _MAX_REACH_SLOPE
    rate = nadir_peak + slope * height_peak * k_high / _POLAR_RADIUS_KM
    if limits[geo.LIM_MIN_ALT] > -np.inf or limits[geo.LIM_MAX_ALT] < np.inf:
        rate = max(rate, height_peak / geo.MEAN_EARTH_RADIUS_KM)
    return _SAFETY * rate if math.isfinite(rate) else 0.0


@inline
def _margin_at(r, v, a, sat, t, step_s, edges, axes, limits):
    """The margin ``g`` of satellite ``sat`` at ``t`` s (Hermite position); ``inf`` where it is not finite."""
    x, y, z = position(r, v, a, sat, t, step_s)
    ux, uy, uz, k, h = nadir(x, y, z)
    g = geo.margin(ux, uy, uz, k, h, edges, axes, limits)
    return g if math.isfinite(g) else np.inf


@inline
def _distance_at(r, v, a, sat, t, step_s, edges, axes, limits):
    """Signed angular distance (rad) from the nadir of satellite ``sat`` at ``t`` s to the area."""
    x, y, z = position(r, v, a, sat, t, step_s)
    ux, uy, uz, _, _ = nadir(x, y, z)
    return geo.signed_distance(ux, uy, uz, edges, axes, limits)


@jit
def _illinois(r, v, a, sat, step_s, edges, axes, limits, lo, hi, f_lo, f_hi):
    """Zero (s) of ``g`` bracketed by ``[lo, hi]`` (``f_lo``, ``f_hi`` of opposite signs): regula falsi with
    the Illinois modification, until successive estimates agree within ``ROOT_TOLERANCE_S``."""
    m = hi - f_hi * (hi - lo) / (f_hi - f_lo)
    for _ in range(_MAX_ILLINOIS):
        x = m
        fm = _margin_at(r, v, a, sat, x, step_s, edges, axes, limits)
        if np.sign(fm) == np.sign(f_lo):  # root in [x, hi]
            lo, f_lo, f_hi = x, fm, f_hi * 0.5
        else:
            hi, f_hi, f_lo = x, fm, f_lo * 0.5
        m = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else 0.5 * (lo + hi)
        if abs(m - x) < ROOT_TOLERANCE_S or hi - lo < ROOT_TOLERANCE_S:
            break
    return m


@jit
def _roots(r, v, a, sat, step_s, edges, axes, limits, bound, ta, tb, ga, gb, min_interval_s, crossing_s,
           stack, times, entering):
    """Zeros of ``g`` in ``[ta, tb]`` appended in time order to ``times`` (s) and ``entering`` (bool).

    Every zero of an interval lies in its *feasible part* ``[ta + |ga|/L, tb − |gb|/L]`` (``g``
    cannot reach zero sooner); an interval whose feasible part is empty is dropped, one whose
    feasible part is at most ``crossing_s`` wide with ends of opposite signs is solved by
    :func:`_illinois`, one whose feasible part is at most ``min_interval_s`` wide without a sign
    change is dropped, and any other is split at the middle of its feasible part, depth first
    (left first), so each half's feasible part is at most half of it."""
    stack[0, 0], stack[0, 1], stack[0, 2], stack[0, 3] = ta, tb, ga, gb
    depth = 1
    while depth:
        depth -= 1
        ta, tb, ga, gb = stack[depth, 0], stack[depth, 1], stack[depth, 2], stack[depth, 3]
        lo, hi = ta + abs(ga) / bound, tb - abs(gb) / bound
        if not lo <= hi:
            continue
        crossing = np.sign(ga) != np.sign(gb)
        if hi - lo <= min_interval_s or (crossing and hi - lo <= crossing_s):
            if crossing:
                times.append(_illinois(r, v, a, sat, step_s, edges, axes, limits, ta, tb, ga, gb))
                entering.append(ga > 0.0)
            continue
        tm = 0.5 * (lo + hi)
        gm = _margin_at(r, v, a, sat, tm, step_s, edges, axes, limits)
        stack[depth, 0], stack[depth, 1], stack[depth, 2], stack[depth, 3] = tm, tb, gm, gb
        stack[depth + 1, 0], stack[depth + 1, 1], stack[depth + 1, 2], stack[depth + 1, 3] = ta, tm, ga, gm
        depth += 2


@jit
def _closest(r, v, a, sat, step_s, edges, axes, limits, t_in, t_out):
    """Time (s) of the smallest distance from the nadir to the area within ``[t_in, t_out]``: the best of
    ``SCAN`` samples, then golden-section search between its neighbours (whose first two points are
    evaluated as samples ``SCAN`` and ``SCAN + 1``)."""
    spacing = (t_out - t_in) / (SCAN - 1)
    best_t, best_d, lo, hi, c, e, dc, de = t_in, np.inf, t_in, t_out, t_in, t_out, np.inf, np.inf
    for i in range(SCAN + 2):
        if i == SCAN:
            lo, hi = max(best_t - spacing, t_in), min(best_t + spacing, t_out)
            c, e = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
        t = t_in + spacing * i if i < SCAN else (c if i == SCAN else e)
        d = _distance_at(r, v, a, sat, t, step_s, edges, axes, limits)
        if i < SCAN and d < best_d:
            best_t, best_d = t, d
        elif i == SCAN:
            dc = d
        elif i > SCAN:
            de = d
    while hi - lo > CLOSEST_TOLERANCE_S:
        left = dc < de  # minimum in [lo, e]: a new c; else a new e
        if left:
            hi, e, de = e, c, dc
            c = hi - _GOLDEN * (hi - lo)
        else:
            lo, c, dc = c, e, de
            e = lo + _GOLDEN * (hi - lo)
        d = _distance_at(r, v, a, sat, c if left else e, step_s, edges, axes, limits)
        if left:
            dc = d
        else:
            de = d
    return 0.5 * (lo + hi)


@jit
def _node_margins(u, k, h, sat, cos_far, edges, axes, limits, near, g):
    """For satellite ``sat``: ``near[j]``, whether node ``j``'s nadir is within the angle of cosine
    ``cos_far`` of the area's centre, and ``g[j]``, the margin at every node that is near or next to a
    near node (``inf`` at the others and where it is not finite)."""
    m = k.shape[1]
    for j in range(m):
        near[j] = u[sat, j, 0] * axes[2, 0] + u[sat, j, 1] * axes[2, 1] + u[sat, j, 2] * axes[2, 2] >= cos_far
    for j in range(m):
        g[j] = np.inf
        if near[j] or (j > 0 and near[j - 1]) or (j + 1 < m and near[j + 1]):
            gj = geo.margin(u[sat, j, 0], u[sat, j, 1], u[sat, j, 2], k[sat, j], h[sat, j], edges, axes, limits)
            if math.isfinite(gj):
                g[j] = gj


@jit
def _describe(r, v, a, sat, step_s, edges, axes, limits, t_in, t_out, out):
    """Fill ``out`` (:data:`OUT_COLUMNS`) for the pass ``[t_in, t_out]`` of satellite ``sat``."""
    t_c = _closest(r, v, a, sat, step_s, edges, axes, limits, t_in, t_out)
    x, y, z = position(r, v, a, sat, t_c, step_s)
    ux, uy, uz, k, h = nadir(x, y, z)
    d = geo.signed_distance(ux, uy, uz, edges, axes, limits)
    gx, gy, gz = geo.nearest_point(ux, uy, uz, edges, axes, limits)
    out[0], out[1], out[2], out[3] = t_in, t_out, t_c, geo.off_nadir(d, k)
    out[4], out[5], out[6] = math.asin(min(max(uz, -1.0), 1.0)), math.atan2(uy, ux), h
    out[7], out[8] = math.asin(min(max(gz, -1.0), 1.0)), math.atan2(gy, gx)


@jit
def search_block(r, v, a, u, k, h, inputs, step_s, window_s, min_interval_s, crossing_s, edges, first_edge, axes,
                 limits):
    """Every pass of the block's satellites over every area.

    ``r``, ``v``, ``a``: Earth-fixed nodes ``(n_sats, n_nodes, 3)`` (:mod:`.track`), ``step_s``
    apart from 0 s to ``window_s``; ``u``, ``k``, ``h``: their nadirs (:func:`.track.node_nadirs`); ``inputs``:
    :func:`bound_inputs`. Areas: ``edges`` of all areas stacked, area ``i`` owning rows
    ``first_edge[i]:first_edge[i + 1]``; ``axes`` ``(n_areas, 3, 3)``; ``limits``
    ``(n_areas, LIMIT_COLUMNS)`` (:mod:`.geometry`).

    Returns ``(index, values)``: ``(n_passes, 2)`` int64 satellite and area, and
    ``(n_passes, len(OUT_COLUMNS))`` floats, ordered by satellite, area and entry.
    """
    n_sats, n_nodes = k.shape
    last = n_nodes - 1
    stack = np.empty((8 + int(math.log2(max(step_s / min_interval_s, 1.0))), 4))  # a split halves the feasible part
    near = np.empty(n_nodes, dtype=np.bool_)
    g = np.empty(n_nodes)
    index = []
    values = []
    row = np.empty(len(OUT_COLUMNS))
    for sat in range(n_sats):
        for area in range(axes.shape[0]):
            e, ax, lim = edges[first_edge[area]:first_edge[area + 1]], axes[area], limits[area]
            bound = _rate_bound(inputs[sat], lim)
            reach_max = geo.reach(lim[geo.LIM_OFF_NADIR], lim[geo.LIM_SIN_OFF_NADIR], inputs[sat, 1])
            far = lim[geo.LIM_CAP] + reach_max + 0.5 * bound * step_s
            cos_far = math.cos(far) if far < math.pi else -2.0
            times = List.empty_list(numba.float64)
            entering = List.empty_list(numba.boolean)
            _node_margins(u, k, h, sat, cos_far, e, ax, lim, near, g)
            for j in range(last):
                if (near[j] or near[j + 1]) and g[j] < np.inf and g[j + 1] < np.inf:
                    _roots(r, v, a, sat, step_s, e, ax, lim, bound, j * step_s, (j + 1) * step_s, g[j], g[j + 1],
                           min_interval_s, crossing_s, stack, times, entering)
            inside_start, inside_end = g[0] <= 0.0, g[last] <= 0.0
            # a pass is an entry followed by an exit (or the window's end while inside)
            pending = 0.0 if inside_start else -1.0
            for i in range(len(times) + 1):
                if i == len(times):
                    if not (inside_end and pending >= 0.0):
                        break
                    t, into = window_s, False
                else:
                    t, into = times[i], entering[i]
                if into:
                    pending = t
                elif pending >= 0.0:
                    _describe(r, v, a, sat, step_s, e, ax, lim, pending, min(t, window_s), row)
                    index.append((sat, area))
                    values.append(row.copy())
                    pending = -1.0
    out_index = np.empty((len(index), 2), dtype=np.int64)
    out_values = np.empty((len(values), len(OUT_COLUMNS)))
    for i in range(len(index)):
        out_index[i, 0], out_index[i, 1] = index[i]
        out_values[i] = values[i]
    return out_index, out_values
