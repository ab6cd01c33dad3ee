"""Every pass of many satellites over many areas of interest in a window, vectorized.

Method, for blocks of satellites at a time:

1. **Coarse grid.** SGP4 (:func:`sda.propagation.sgp4.propagate`) on a grid over the
   window; TEME → Earth-fixed (:func:`sda.core.frames.teme_to_itrs`); geodetic nadir
   and height (:func:`sda.core.geodesy.geodetic_sin_cos`). The step is ``step_s``
   (default 240 s) for an orbit as fast as a 15.5 rev/day circular one, scaled by a
   power of two (1/16 to 4) with the orbit's fastest angular rate (at perigee), so an
   eccentric orbit gets a finer grid and GEO a coarser one.
2. **Motion bound.** The overflight margin ``g(t)`` of :mod:`.aoi` changes no faster
   than a bound ``L`` (rad/s) per satellite: the largest nadir angular rate
   (Earth-fixed velocity across the line of sight over the distance, ×1.01 for
   geodetic latitude) plus the steepest slope of the reach ``λ_max`` in ``k`` times the
   largest rate of change of ``k`` (or the height rate over the Earth's radius with
   altitude limits), all over the nodes, ×1.25. An interval ``[a, b]`` can hold a zero
   of ``g`` only if ``|g(a)| + |g(b)| ≤ L (b − a)``.
   On the coarse grid the test first uses the cheap lower bound
   ``angle(nadir, centre) − cap − λ_max ≤ g``, so the exact distance to the polygon is
   computed only near the area.
3. **Refinement.** Candidate intervals are halved, positions between nodes coming from
   cubic Hermite interpolation of the Earth-fixed positions and velocities at the nodes
   (up to about 100 m at 240 s in LEO, ``r (n h)⁴ / 384``: typically 10-20 ms of entry or exit
   time, 0.1 s for a pass grazing the edge of its limit),
   keeping only halves that pass the test, down to ``min_interval_s`` (0.5 s), or to
   :data:`CROSSING_INTERVAL_S` (16 s) for an interval whose ends differ in sign; each
   sign change is then solved by regula falsi (Illinois) to 1 ms. A pass shorter
   than ``min_interval_s``, or a pass and a gap both shorter than 16 s in a row, can be
   missed or merged.
4. **Each pass:** entry and exit (clipped to the window, with flags), the time of the
   minimum off-nadir angle (golden-section search on the signed distance after a
   coarse scan), the nadir and height then, and the Sun's elevation at the area's point
   nearest the nadir (:mod:`sda.core.sun`, sunlit when above 0°).

Times are UTC µs (:mod:`sda.core.times`); internally seconds from the window start.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sgp4.api import Satrec

from sda.analyses.overflight.aoi import AreaOfInterest, off_nadir_rad, reach_rad
from sda.catalog.records import ElementSet
from sda.core.frames import teme_to_itrs
from sda.core.geodesy import ellipsoid_radius_sc_km, geodetic_sin_cos
from sda.core.sun import sun_elevation_deg
from sda.core.times import US_PER_S
from sda.propagation.sgp4 import propagate, satrec_of

__all__ = ["Pass", "find_passes", "DEFAULT_STEP_S", "MIN_INTERVAL_S"]

#: Coarse grid step (s) of a 15.5 rev/day circular orbit.
DEFAULT_STEP_S = 240.0
#: Candidate intervals are halved down to this width (s) before their roots are bisected.
MIN_INTERVAL_S = 0.5
_ROOT_TOLERANCE_S = 1e-3
#: An interval with one sign change is solved for its root once this narrow (s); another
#: crossing inside it would mean a pass or gap shorter than this.
CROSSING_INTERVAL_S = 16.0
_SCAN = 7
_CLOSEST_TOLERANCE_S = 0.2
_BLOCK_SATELLITES = 200
_ELLIPSOID_RADIUS_SPREAD_KM = 21.4  # equatorial minus polar radius
_MEAN_EARTH_RADIUS_KM = 6371.0088
_POLAR_RADIUS_KM = 6356.752
_SAFETY = 1.25
_MAX_REACH_SLOPE = 50.0
_REFERENCE_RATE_RAD_S = 2.0 * math.pi * 15.5 / 86400.0  # a LEO satellite of 15.5 rev/day


@dataclass(frozen=True, slots=True)
class Pass:
    """One pass of satellite ``index`` (position in the input list) over area ``area_index``.

    ``entry_us``/``exit_us`` are clipped to the window (``starts_before``/``ends_after``
    say when the pass was already under way or still is); ``closest_us`` is the time of
    the smallest off-nadir angle to the area, ``min_off_nadir_deg`` that angle (0 when the
    nadir enters the area); ``nadir_lat_deg``/``nadir_lon_deg``/``altitude_km`` the
    geodetic nadir and height then; ``ground_lat_deg``/``ground_lon_deg`` the area's
    point nearest the nadir and ``sun_elevation_deg`` the Sun's elevation there.
    """

    index: int
    area_index: int
    entry_us: int
    exit_us: int
    closest_us: int
    min_off_nadir_deg: float
    nadir_lat_deg: float
    nadir_lon_deg: float
    altitude_km: float
    ground_lat_deg: float
    ground_lon_deg: float
    sun_elevation_deg: float
    starts_before: bool
    ends_after: bool

    @property
    def sunlit(self) -> bool:
        return self.sun_elevation_deg > 0.0

    @property
    def duration_s(self) -> float:
        return (self.exit_us - self.entry_us) / US_PER_S


class _Track:
    """Earth-fixed nodes of a block of satellites and the Hermite interpolant between them.

    ``r``, ``v``: ``(n_sats, n_nodes, 3)`` km, km/s; ``t_s``: ``(n_nodes,)`` seconds from
    the window start.
    """

    def __init__(self, r: np.ndarray, v: np.ndarray, t_s: np.ndarray):
        self.r, self.v, self.t_s = r, v, t_s
        self._rv = np.concatenate((r, v), axis=-1).reshape(-1, 6)  # one gather per node
        self._step = t_s[1] - t_s[0]  # the grid is uniform

    def at(self, sat: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Positions ``(N, 3)`` km of satellites ``sat`` ``(N,)`` at times ``t`` ``(N,)`` s."""
        h = self._step
        k = np.minimum((t / h).astype(np.int64), len(self.t_s) - 2)
        tau = t / h - k
        t2 = tau * tau
        t3 = t2 * tau
        row = sat * len(self.t_s) + k
        n0, n1 = self._rv[row], self._rv[row + 1]
        w = np.stack((2 * t3 - 3 * t2 + 1, (t3 - 2 * t2 + tau) * h, 3 * t2 - 2 * t3, (t3 - t2) * h), axis=1)
        return w[:, 0:1] * n0[:, :3] + w[:, 1:2] * n0[:, 3:] + w[:, 2:3] * n1[:, :3] + w[:, 3:4] * n1[:, 3:]


def _nadir(position_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Geodetic nadir of Earth-fixed positions ``(..., 3)``: unit vector ``(..., 3)``, k = 1 + h/R,
    height (km) and the distance from the Earth's centre to the ground under the nadir, R (km)."""
    sl, cl, rho, h = geodetic_sin_cos(position_km)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = cl / rho
    u = np.stack((position_km[..., 0] * scale, position_km[..., 1] * scale, sl), axis=-1)
    radius = ellipsoid_radius_sc_km(sl, cl)
    return u, 1.0 + h / radius, h, radius


def _margin(area: AreaOfInterest, track: _Track, sat: np.ndarray, t: np.ndarray) -> np.ndarray:
    u, k, h, _ = _nadir(track.at(sat, t))
    return area.margin_rad(u, k, h)


def _reach_slope(max_off_nadir_rad: float, k: np.ndarray) -> np.ndarray:
    """``|dλ_max/dk|`` (rad per unit of k), capped at :data:`_MAX_REACH_SLOPE` near the horizon cusp."""
    s = math.sin(max_off_nadir_rad)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = s / np.sqrt(np.maximum(1.0 - (k * s) ** 2, 0.0))
        horizon = 1.0 / (k * np.sqrt(np.maximum(k * k - 1.0, 0.0)))
    return np.minimum(np.where(k * s < 1.0, below, horizon), _MAX_REACH_SLOPE)


def _bound(area: AreaOfInterest, r: np.ndarray, v: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per-satellite bound ``L`` (rad/s) on ``|dg/dt|`` from the nodes ``(n_sats, n_nodes, ...)``:
    the largest nadir rate plus the steepest reach slope (at the smallest or largest k) times the
    largest rate of change of k."""
    dist = np.linalg.norm(r, axis=-1)
    speed = np.linalg.norm(v, axis=-1)
    radial = np.abs(np.einsum("...i,...i->...", r, v)) / dist
    nadir_rate = 1.01 * np.sqrt(np.maximum(speed**2 - radial**2, 0.0)) / dist
    height_rate = radial + _ELLIPSOID_RADIUS_SPREAD_KM * nadir_rate  # km/s, height and ground radius together

    def peak(x):  # largest finite value per satellite, 0 for a satellite without any
        finite = np.isfinite(x)
        return np.where(finite.any(axis=1), np.max(np.where(finite, x, -np.inf), axis=1, initial=-np.inf), 0.0)

    k_low, k_high = -peak(-k), peak(k)
    slope = np.maximum(_reach_slope(area.max_off_nadir_rad, k_low), _reach_slope(area.max_off_nadir_rad, k_high))
    rate = peak(nadir_rate) + slope * peak(height_rate) * k_high / _POLAR_RADIUS_KM
    if area.min_altitude_km is not None or area.max_altitude_km is not None:
        rate = np.maximum(rate, peak(height_rate) / _MEAN_EARTH_RADIUS_KM)
    return _SAFETY * np.where(np.isfinite(rate), rate, 0.0)


def _candidates(area: AreaOfInterest, u: np.ndarray, k: np.ndarray, h_km: np.ndarray, bound: np.ndarray,
                t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(sat, interval)`` indices of coarse intervals that may hold a zero of ``g`` (cap lower bound)."""
    angle = np.arccos(np.clip(u @ area.center, -1.0, 1.0))
    low = angle - area.cap_rad - reach_rad(area.max_off_nadir_rad, k)
    alt = area.altitude_margin_rad(h_km)
    if alt is not None:
        low = np.maximum(low, alt)
    low = np.where(np.isfinite(low), low, np.inf)
    width = np.diff(t_s)
    maybe = ((np.abs(low[:, :-1]) + np.abs(low[:, 1:]) <= bound[:, None] * width)
             | (low[:, :-1] <= 0) | (low[:, 1:] <= 0))
    return np.nonzero(maybe)


def _illinois(area: AreaOfInterest, track: _Track, sat: np.ndarray, a: np.ndarray, b: np.ndarray,
              fa: np.ndarray, fb: np.ndarray, max_iterations: int = 40) -> np.ndarray:
    """Zero (s) of ``g`` bracketed by ``[a, b]`` (``fa``, ``fb`` of opposite signs): regula falsi with
    the Illinois modification, each until its successive estimates agree within ``_ROOT_TOLERANCE_S``."""
    a, b, fa, fb = a.copy(), b.copy(), fa.copy(), fb.copy()
    m = b - fb * (b - a) / (fb - fa)
    active = np.arange(len(sat))
    for _ in range(max_iterations):
        if not len(active):
            break
        x = m[active]
        fm = _margin(area, track, sat[active], x)
        left = np.sign(fm) == np.sign(fa[active])  # root in [x, b]
        a[active] = np.where(left, x, a[active])
        b[active] = np.where(left, b[active], x)
        fa[active] = np.where(left, fm, fa[active] * 0.5)
        fb[active] = np.where(left, fb[active] * 0.5, fm)
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        with np.errstate(invalid="ignore", divide="ignore"):
            x_new = np.where(ffb != ffa, bb - ffb * (bb - aa) / (ffb - ffa), 0.5 * (aa + bb))
        m[active] = x_new
        active = active[(np.abs(x_new - x) >= _ROOT_TOLERANCE_S) & (bb - aa >= _ROOT_TOLERANCE_S)]
    return m


def _roots(area: AreaOfInterest, track: _Track, bound: np.ndarray, sat: np.ndarray, ta: np.ndarray,
           tb: np.ndarray, ga: np.ndarray, gb: np.ndarray, min_interval_s: float):
    """Zeros of ``g`` in intervals ``[ta, tb]`` of satellites ``sat``: ``(sat, t_s, entering)`` arrays."""
    found_sat, found_t, found_in = [], [], []
    while len(sat):
        keep = np.abs(ga) + np.abs(gb) <= bound[sat] * (tb - ta)
        sat, ta, tb, ga, gb = sat[keep], ta[keep], tb[keep], ga[keep], gb[keep]
        crossing = np.sign(ga) != np.sign(gb)
        final = ((tb - ta) <= min_interval_s) | (crossing & ((tb - ta) <= CROSSING_INTERVAL_S))
        change = final & crossing
        if change.any():
            found_sat.append(sat[change])
            found_t.append(_illinois(area, track, sat[change], ta[change], tb[change], ga[change], gb[change]))
            found_in.append(ga[change] > 0)
        split = ~final
        sat, ta, tb, ga, gb = sat[split], ta[split], tb[split], ga[split], gb[split]
        if not len(sat):
            break
        tm = 0.5 * (ta + tb)
        gm = _margin(area, track, sat, tm)
        sat = np.concatenate((sat, sat))
        ta, tb = np.concatenate((ta, tm)), np.concatenate((tm, tb))
        ga, gb = np.concatenate((ga, gm)), np.concatenate((gm, gb))
    if not found_sat:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate(found_sat), np.concatenate(found_t), np.concatenate(found_in)


def _intervals(sat_root: np.ndarray, t_root: np.ndarray, entering: np.ndarray, inside_start: np.ndarray,
               inside_end: np.ndarray, window_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair entries with exits: ``(sat, entry_s, exit_s)``, adding window edges where a pass is under way."""
    sats = np.concatenate((sat_root, np.nonzero(inside_start)[0], np.nonzero(inside_end)[0]))
    times = np.concatenate((t_root, np.full(inside_start.sum(), -1.0), np.full(inside_end.sum(), window_s + 1.0)))
    kind = np.concatenate((entering, np.ones(inside_start.sum(), bool), np.zeros(inside_end.sum(), bool)))
    order = np.lexsort((times, sats))
    sats, times, kind = sats[order], times[order], kind[order]
    # a pass is an entry followed by an exit of the same satellite
    pair = kind[:-1] & ~kind[1:] & (sats[:-1] == sats[1:])
    first = np.nonzero(pair)[0]
    return sats[first], np.clip(times[first], 0.0, window_s), np.clip(times[first + 1], 0.0, window_s)


def _closest(area: AreaOfInterest, track: _Track, sat: np.ndarray, t_in: np.ndarray, t_out: np.ndarray) -> np.ndarray:
    """Time (s) of the smallest distance from the nadir to the area within each pass: the best of
    :data:`_SCAN` samples, then golden-section search between its neighbours down to 0.2 s. (The
    distance along a track can have kinks, where the nearest part of the area changes from an edge
    to a vertex, so no smoothness is assumed beyond one minimum between neighbouring samples.)"""
    rows = np.arange(len(sat))
    ts = t_in[:, None] + (t_out - t_in)[:, None] * np.linspace(0.0, 1.0, _SCAN)

    def dist(t):
        return area.signed_distance_rad(_nadir(track.at(sat, t))[0])

    d = area.signed_distance_rad(_nadir(track.at(np.repeat(sat, _SCAN), ts.ravel()))[0]).reshape(-1, _SCAN)
    best = d.argmin(axis=1)
    step = (t_out - t_in) / (_SCAN - 1)
    a, b = np.maximum(ts[rows, best] - step, t_in), np.minimum(ts[rows, best] + step, t_out)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    c, e = b - ratio * (b - a), a + ratio * (b - a)
    dc, de = dist(c), dist(e)
    while len(sat) and np.max(b - a) > _CLOSEST_TOLERANCE_S:
        left = dc < de  # minimum in [a, e]
        a, b = np.where(left, a, c), np.where(left, e, b)
        c_new, e_new = np.where(left, b - ratio * (b - a), e), np.where(left, c, a + ratio * (b - a))
        d_new = dist(np.where(left, c_new, e_new))
        dc, de = np.where(left, d_new, de), np.where(left, dc, d_new)
        c, e = c_new, e_new
    return 0.5 * (a + b)


def find_passes(
    sets: Sequence[ElementSet | Satrec],
    areas: Sequence[AreaOfInterest],
    start_us: int,
    window_s: float,
    *,
    step_s: float = DEFAULT_STEP_S,
    min_interval_s: float = MIN_INTERVAL_S,
) -> list[Pass]:
    """Every pass of every satellite of ``sets`` over every area in ``[start_us, start_us + window_s]``.

    Returns passes ordered by satellite, area and entry time. A satellite SGP4 cannot
    propagate at a node (decayed, bad elements) has no pass in the intervals next to it.
    """
    if window_s <= 0 or step_s <= 0:
        raise ValueError(f"window_s and step_s must be positive, found {window_s} and {step_s}")
    satrecs = [s if isinstance(s, Satrec) else satrec_of(s) for s in sets]
    out: list[Pass] = []
    for step, members in _step_classes(satrecs, step_s).items():
        n_nodes = max(2, math.ceil(window_s / step) + 1)
        t_s = np.linspace(0.0, window_s, n_nodes)
        epochs_us = start_us + np.round(t_s * US_PER_S).astype(np.int64)
        for first in range(0, len(members), _BLOCK_SATELLITES):
            rows = members[first:first + _BLOCK_SATELLITES]
            res = propagate([satrecs[i] for i in rows], epochs_us)
            r, v = teme_to_itrs(res.position_km, res.velocity_km_s, epochs_us)
            track = _Track(r, v, t_s)
            u, k, h, _ = _nadir(r)
            for ai, area in enumerate(areas):
                out.extend(_passes_of_block(area, ai, track, u, k, h, rows, start_us, window_s, min_interval_s))
    out.sort(key=lambda p: (p.index, p.area_index, p.entry_us))
    return out


def _step_classes(satrecs: Sequence[Satrec], step_s: float) -> dict[float, np.ndarray]:
    """Satellites grouped by grid step: ``step_s`` scaled by a power of two (1/16 to 4) so that the
    fastest angular rate of each orbit (at perigee) times its step stays near that of a 15.5 rev/day
    circular orbit at ``step_s`` (so the Hermite error, ``r (n h)⁴ / 384``, stays about that of LEO)."""
    n = np.array([s.no_kozai for s in satrecs]) / 60.0  # rad/s
    e = np.clip(np.array([s.ecco for s in satrecs]), 0.0, 0.99)
    perigee_rate = n * (1.0 + e) ** 2 / (1.0 - e * e) ** 1.5
    with np.errstate(divide="ignore"):
        power = np.clip(np.floor(np.log2(_REFERENCE_RATE_RAD_S / perigee_rate)), -4, 2)
    power = np.where(np.isfinite(power), power, 0)
    return {step_s * 2.0**p: np.nonzero(power == p)[0] for p in np.unique(power)}


def _node_margin(area: AreaOfInterest, u, k, h, sat: np.ndarray, node: np.ndarray) -> np.ndarray:
    g = area.margin_rad(u[sat, node], k[sat, node], h[sat, node])
    return np.where(np.isfinite(g), g, np.inf)


def _passes_of_block(area: AreaOfInterest, area_index: int, track: _Track, u, k, h, rows: np.ndarray,
                     start_us: int, window_s: float, min_interval_s: float) -> list[Pass]:
    bound = _bound(area, track.r, track.v, k)
    sat, iv = _candidates(area, u, k, h, bound, track.t_s)
    if not len(sat):
        return []
    ga = _node_margin(area, u, k, h, sat, iv)
    gb = _node_margin(area, u, k, h, sat, iv + 1)
    ok = np.isfinite(ga) & np.isfinite(gb)
    sat_root, t_root, entering = _roots(area, track, bound, sat[ok], track.t_s[iv[ok]], track.t_s[iv[ok] + 1],
                                        ga[ok], gb[ok], min_interval_s)
    n_sats = track.r.shape[0]
    last = len(track.t_s) - 1
    inside_start = np.zeros(n_sats, bool)
    inside_end = np.zeros(n_sats, bool)
    inside_start[sat[(iv == 0) & (ga <= 0)]] = True
    inside_end[sat[(iv == last - 1) & (gb <= 0)]] = True
    ps, t_in, t_out = _intervals(sat_root, t_root, entering, inside_start, inside_end, window_s)
    if not len(ps):
        return []
    t_c = _closest(area, track, ps, t_in, t_out)
    pos = track.at(ps, t_c)
    nu, nk_, nh, _ = _nadir(pos)
    nlat, nlon = np.arcsin(np.clip(nu[:, 2], -1, 1)), np.arctan2(nu[:, 1], nu[:, 0])
    d = area.signed_distance_rad(nu)
    eta = np.degrees(off_nadir_rad(d, nk_))
    ground = area.nearest_point(nu)
    glat, glon = np.arcsin(np.clip(ground[:, 2], -1, 1)), np.arctan2(ground[:, 1], ground[:, 0])
    closest_us = start_us + np.round(t_c * US_PER_S).astype(np.int64)
    sun = sun_elevation_deg(closest_us, np.degrees(glat), np.degrees(glon))
    columns = zip(rows[ps].tolist(), (start_us + np.round(t_in * US_PER_S).astype(np.int64)).tolist(),
                  (start_us + np.round(t_out * US_PER_S).astype(np.int64)).tolist(), closest_us.tolist(),
                  eta.tolist(), np.degrees(nlat).tolist(), np.degrees(nlon).tolist(), nh.tolist(),
                  np.degrees(glat).tolist(), np.degrees(glon).tolist(), sun.tolist(), (t_in <= 0.0).tolist(),
                  (t_out >= window_s).tolist())
    return [Pass(c[0], area_index, *c[1:]) for c in columns]
