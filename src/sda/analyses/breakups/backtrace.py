"""Trace a cloud of fragments back to the time and place they left a common parent.

Fragments of one breakup all passed through one point at one time. Two clocks tell when:

1. **Node convergence** (any age). Each orbit's node precesses at a rate set by its
   semi-major axis, eccentricity and inclination (:mod:`.secular`, SGP4's J2/J4 rates);
   fragments with different orbits drift apart in node at different rates, so going
   back along each fragment's decaying orbit their nodes gather at the event. The
   estimate is the time of the least robust node spread (median absolute deviation
   about the circular mean). Drag matters: a fragment that decayed was higher, and
   precessed more slowly, before; the mean density over the span is not today's, so a
   common ``decay_scale`` (mean density / today's) is chosen from
   :data:`DECAY_SCALES` as the one giving the tightest convergence. Good to days for
   a cloud weeks old, to weeks or months for one a decade old.

2. **Along-track convergence** (weeks to months old). Near the node-convergence time the
   fragments whose along-track position is still predictable (small drag) are
   propagated with SGP4 minute by minute; at the event they bunch in one direction. The
   score of a minute is the largest fraction of them within :data:`CONE_DEG` of one of
   them; it peaks once a revolution near the event and the event is the peak of its
   envelope (a running maximum over one revolution, smoothed over two). The members of
   the bunch give the place (TEME, then latitude, longitude and altitude).

The delta-v of each fragment is the difference between its orbit's velocity where it
passes closest to the breakup point and the parent's (or, without a parent, the cloud's
median velocity there), from the secular mean elements at the event: tens of m/s
differences are resolved, short-period terms (a few m/s) are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d, maximum_filter1d

from sda.analyses.breakups.secular import MeanElements, secular_elements
from sda.core.orbits import EARTH_RADIUS_KM, MU_KM3_S2
from sda.core.times import US_PER_DAY, US_PER_S, format_utc

__all__ = [
    "DECAY_SCALES",
    "CONE_DEG",
    "BreakupEstimate",
    "node_convergence",
    "along_track_convergence",
    "delta_v_m_s",
    "breakup_altitude_km",
    "backtrace",
]


#: Ratios of the mean air density over the traced span to today's tried by node convergence.
DECAY_SCALES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: Half-angle (deg) of the cone within which fragments count as bunched.
CONE_DEG = 2.5
#: Along-track convergence is tried when the node-convergence time is at most this old (days).
ALONG_TRACK_MAX_AGE_DAYS = 180.0
#: Fragments whose drag moves them more than this (revolutions, ½ ṅ τ²) are not used along-track.
ALONG_TRACK_MAX_DRIFT_REV = 0.5
#: Along-track convergence searches this far (days) either side of the node-convergence time.
ALONG_TRACK_HALF_WINDOW_DAYS = 4.0


@dataclass(frozen=True)
class BreakupEstimate:
    """What the back-trace found.

    ``time_us`` (UTC µs) the event, ``time_sigma_s`` its 1-σ uncertainty (s) and ``method``
    the clock that set it (``along-track`` or ``node``); ``node_time_us`` the node-convergence
    time, ``node_spread_deg`` the fragments' node spread there (median absolute deviation)
    and ``decay_scale`` the density ratio chosen; ``position_km`` (TEME of date),
    ``latitude_deg``/``longitude_deg`` (geodetic/PEF) and ``altitude_km`` the place when
    along-track convergence found it (``None`` otherwise); ``breakup_altitude_km`` the
    altitude shared by most fragments' perigee-apogee ranges at the event; ``bunched_fraction``
    the share of predictable fragments in the bunch; ``fragment_ids`` the cloud;
    ``parent_id`` and ``parent_miss_km`` (parent's distance from the place); ``delta_v_m_s``
    per-fragment delta-v magnitudes (m/s), in ``fragment_ids`` order.
    """

    time_us: int
    time_sigma_s: float
    method: str
    node_time_us: int
    node_spread_deg: float
    decay_scale: float
    fragment_ids: tuple[int, ...]
    parent_id: int | None = None
    position_km: tuple[float, float, float] | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    altitude_km: float | None = None
    breakup_altitude_km: float | None = None
    bunched_fraction: float | None = None
    parent_miss_km: float | None = None
    delta_v_m_s: tuple[float, ...] = field(default=(), repr=False)

    @property
    def n_fragments(self) -> int:
        return len(self.fragment_ids)

    def delta_v_summary(self) -> dict:
        """Median, 90th percentile and largest delta-v (m/s) of the fragments."""
        dv = np.asarray(self.delta_v_m_s, dtype=np.float64)
        dv = dv[np.isfinite(dv)]
        if not len(dv):
            return {"median_m_s": None, "p90_m_s": None, "max_m_s": None}
        return {"median_m_s": float(np.median(dv)), "p90_m_s": float(np.percentile(dv, 90)),
                "max_m_s": float(dv.max())}

    def as_dict(self) -> dict:
        return {
            "time": format_utc(self.time_us), "time_sigma_s": self.time_sigma_s, "method": self.method,
            "node_time": format_utc(self.node_time_us), "node_spread_deg": self.node_spread_deg,
            "decay_scale": self.decay_scale, "n_fragments": self.n_fragments, "parent_id": self.parent_id,
            "position_km": None if self.position_km is None else list(self.position_km),
            "latitude_deg": self.latitude_deg, "longitude_deg": self.longitude_deg, "altitude_km": self.altitude_km,
            "breakup_altitude_km": self.breakup_altitude_km, "bunched_fraction": self.bunched_fraction,
            "parent_miss_km": self.parent_miss_km, "delta_v": self.delta_v_summary(),
        }


# ---- clock 1: node convergence ------------------------------------------------------------------

def _node_spread_rad(raan_rad: np.ndarray) -> np.ndarray:
    """Median absolute deviation (rad) of nodes ``(n_objects, n_times)`` about their circular mean."""
    mean = np.angle(np.exp(1j * raan_rad).mean(axis=0))
    dev = np.abs(np.mod(raan_rad - mean + np.pi, 2.0 * np.pi) - np.pi)
    return np.median(dev, axis=0)


def _spread_curve(sets, grid_us: np.ndarray, scale: float, chunk: int = 256) -> np.ndarray:
    """Node spread (rad) at each time of ``grid_us``, ``chunk`` times at a time to bound memory."""
    return np.concatenate([_node_spread_rad(secular_elements(sets, grid_us[k:k + chunk], decay_scale=scale).raan_rad)
                           for k in range(0, len(grid_us), chunk)])


def node_convergence(sets, start_us: int, stop_us: int, *, scales=DECAY_SCALES,
                     coarse_days: float = 2.0, fine_hours: float = 1.0) -> tuple[int, float, float]:
    """``(time_us, decay_scale, spread_deg)``: when the fragments' nodes were least spread.

    Searched between ``start_us`` and ``stop_us`` (UTC µs) on a ``coarse_days`` grid for each
    decay scale in ``scales``; the scale with the smallest minimum spread is kept and its
    minimum refined on a ``fine_hours`` grid over two coarse steps either side.
    """
    step = int(coarse_days * US_PER_DAY)
    grid = np.arange(start_us, stop_us + 1, step, dtype=np.int64)
    best = None
    for scale in scales:
        curve = _spread_curve(sets, grid, scale)
        k = int(np.nanargmin(curve))
        if best is None or curve[k] < best[2]:
            best = (int(grid[k]), scale, float(curve[k]))
    t0, scale, _ = best
    fine = np.arange(max(start_us, t0 - 2 * step), min(stop_us, t0 + 2 * step) + 1,
                     int(fine_hours * 3600 * US_PER_S), dtype=np.int64)
    curve = _spread_curve(sets, fine, scale)
    k = int(np.nanargmin(curve))
    return int(fine[k]), scale, float(np.degrees(curve[k]))


# ---- clock 2: along-track convergence -----------------------------------------------------------

def _drift_rev(sets, time_us: int) -> np.ndarray:
    """Along-track displacement (revolutions) drag causes between each epoch and ``time_us``: ½ ṅ τ²."""
    tau = (np.array([s.epoch_us for s in sets]) - time_us) / US_PER_DAY
    return np.abs(np.array([s.mean_motion_dot for s in sets])) * tau**2  # mean_motion_dot is ṅ/2


def _bunching(directions: np.ndarray, cos_cone: float) -> tuple[np.ndarray, np.ndarray]:
    """Largest fraction of unit vectors ``(n, n_times, 3)`` within the cone of one of them, per
    time, and the index of that one."""
    n, n_times, _ = directions.shape
    score = np.zeros(n_times)
    centre = np.zeros(n_times, dtype=np.int64)
    for j in range(n_times):
        x = directions[:, j]
        ok = np.isfinite(x[:, 0])
        if ok.sum() < 3:
            continue
        counts = ((x[ok] @ x[ok].T) > cos_cone).sum(axis=1)
        k = int(np.argmax(counts))
        score[j] = counts[k] / n
        centre[j] = np.flatnonzero(ok)[k]
    return score, centre


def along_track_convergence(sets, centre_us: int, *, half_window_days: float = ALONG_TRACK_HALF_WINDOW_DAYS,
                            step_s: float = 60.0, max_drift_rev: float = ALONG_TRACK_MAX_DRIFT_REV,
                            min_members: int = 20):
    """``(time_us, fraction, position_km, members, place_time_us)`` of the bunching of predictable
    fragments, or ``None``.

    Fragments drifting less than ``max_drift_rev`` (at least ``min_members``, the least
    drifting ones if fewer qualify) are propagated with SGP4 every ``step_s`` seconds
    within ``half_window_days`` of ``centre_us``. ``time_us`` is the envelope's peak and
    ``fraction`` its height; ``position_km`` is the mean TEME position of the ``members``
    (indices into ``sets``) bunched at the best minute of that revolution, ``place_time_us``.
    """
    from sda.propagation.sgp4 import propagate

    drift = _drift_rev(sets, centre_us)
    chosen = np.flatnonzero(drift < max_drift_rev)
    if len(chosen) < min_members:
        chosen = np.argsort(drift)[:min_members]
    if len(chosen) < 3:
        return None
    half = int(half_window_days * US_PER_DAY)
    times = np.arange(centre_us - half, centre_us + half + 1, int(step_s * US_PER_S), dtype=np.int64)
    r = propagate([sets[i] for i in chosen], times).position_km
    directions = r / np.linalg.norm(r, axis=2, keepdims=True)
    cos_cone = np.cos(np.radians(CONE_DEG))
    score, centre = _bunching(directions, cos_cone)
    rev_s = 86400.0 / np.median([sets[i].mean_motion_rev_day for i in chosen])
    per_rev = max(int(round(rev_s / step_s)), 1)
    envelope = gaussian_filter1d(maximum_filter1d(score, per_rev), 2.0 * per_rev)
    k = int(np.argmax(envelope))
    # the place: the bunch at the revolution's best minute nearest the envelope's peak
    lo, hi = max(k - per_rev // 2, 0), min(k + per_rev // 2 + 1, len(times))
    j = lo + int(np.argmax(score[lo:hi]))
    near = (directions[:, j] @ directions[centre[j], j]) > cos_cone
    members = chosen[near]
    position = r[near, j].mean(axis=0)
    return int(times[k]), float(envelope[k]), position, members, int(times[j])


# ---- the place and the delta-v ------------------------------------------------------------------

def _velocity_towards(el: MeanElements, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (km, km/s) of each orbit (elements ``(n, 1)``) where it passes
    the unit ``direction``'s argument of latitude: ``(n, 3)`` arrays."""
    a, e = el.a_km[:, 0], el.eccentricity[:, 0]
    i, raan, argp = el.inclination_rad[:, 0], el.raan_rad[:, 0], el.arg_perigee_rad[:, 0]
    node = np.stack([np.cos(raan), np.sin(raan), np.zeros_like(raan)], axis=-1)
    normal = np.stack([np.sin(i) * np.sin(raan), -np.sin(i) * np.cos(raan), np.cos(i)], axis=-1)
    in_plane = np.cross(normal, node)
    u = np.arctan2(in_plane @ direction, node @ direction)
    nu = u - argp
    p = a * (1.0 - e**2)
    r = p / (1.0 + e * np.cos(nu))
    radial = np.cos(u)[:, None] * node + np.sin(u)[:, None] * in_plane
    along = -np.sin(u)[:, None] * node + np.cos(u)[:, None] * in_plane
    speed = np.sqrt(MU_KM3_S2 / p)
    v = speed[:, None] * (e * np.sin(nu))[:, None] * radial + speed[:, None] * (1.0 + e * np.cos(nu))[:, None] * along
    return r[:, None] * radial, v


def delta_v_m_s(sets, time_us: int, direction: np.ndarray, parent=None, decay_scale: float = 1.0,
                elements: MeanElements | None = None) -> np.ndarray:
    """Delta-v magnitude (m/s) of each fragment at the breakup, ``(n,)``.

    Each fragment's velocity where its orbit (secular mean elements at ``time_us``) passes
    the breakup ``direction`` (unit vector, TEME), less the parent's there, or without a
    parent the fragments' component-wise median. ``elements``: those mean elements of
    ``sets``, if already computed (with ``decay_scale``).
    """
    el = secular_elements(sets, np.array([time_us]), decay_scale=decay_scale) if elements is None else elements
    _, v = _velocity_towards(el, direction)
    if parent is not None:
        _, v_ref = _velocity_towards(secular_elements([parent], np.array([time_us]), decay_scale=decay_scale),
                                     direction)
        ref = v_ref[0]
    else:
        ref = np.median(v, axis=0)
    return np.linalg.norm(v - ref, axis=1) * 1000.0


def breakup_altitude_km(el: MeanElements, column: int = 0) -> float:
    """The altitude (km) lying between perigee and apogee of the most fragments (elements at one time):
    a breakup's fragments all pass through its altitude, the centre of the Gabbard diagram's X."""
    a, e = el.a_km[:, column], el.eccentricity[:, column]
    hp, ha = a * (1.0 - e) - EARTH_RADIUS_KM, a * (1.0 + e) - EARTH_RADIUS_KM
    ok = np.isfinite(hp) & np.isfinite(ha)
    grid = np.arange(np.floor(np.min(hp[ok])), np.ceil(np.max(ha[ok])) + 1.0, 1.0)
    counts = ((hp[ok][:, None] <= grid[None, :]) & (ha[ok][:, None] >= grid[None, :])).sum(axis=0)
    best = np.flatnonzero(counts == counts.max())
    return float(grid[best].mean())


def _geodetic(position_km: np.ndarray, time_us: int) -> tuple[float, float, float]:
    """Geodetic latitude, longitude (deg) and height (km, WGS-84) of a TEME position at ``time_us``."""
    from sda.core.frames import teme_to_itrs
    from sda.core.geodesy import geodetic_of

    fixed = teme_to_itrs(position_km[None, :], np.zeros((1, 3)), np.array([time_us]))[0][0]
    lat, lon, height = geodetic_of(fixed)
    return float(np.degrees(lat)), float(np.degrees(lon)), float(height)


# ---- the whole back-trace -----------------------------------------------------------------------

def backtrace(fragments, parent=None, *, search_start_us: int, search_stop_us: int | None = None) -> BreakupEstimate:
    """Trace ``fragments`` (element sets, one per fragment) back to their breakup.

    ``parent``: the parent's element set if it is still catalogued (used for the delta-v
    reference and its distance from the place), else ``None``. The event is searched
    between ``search_start_us`` and ``search_stop_us`` (default: the oldest fragment epoch).
    """
    sets = list(fragments)
    if len(sets) < 3:
        raise ValueError(f"a breakup back-trace needs at least 3 fragments, found {len(sets)}")
    oldest = min(s.epoch_us for s in sets)
    stop = oldest if search_stop_us is None else search_stop_us
    node_t, scale, spread = node_convergence(sets, search_start_us, stop)
    ids = tuple(int(s.norad_id) for s in sets)
    age_days = (oldest - node_t) / US_PER_DAY
    common = dict(node_time_us=node_t, node_spread_deg=spread, decay_scale=scale, fragment_ids=ids,
                  parent_id=None if parent is None else int(parent.norad_id))
    found = along_track_convergence(sets, node_t) if age_days <= ALONG_TRACK_MAX_AGE_DAYS else None
    if found is None:
        # node clock only: its resolution is the spread over the differential node rate
        el = secular_elements(sets, np.array([node_t]), decay_scale=scale)
        return BreakupEstimate(time_us=node_t, time_sigma_s=_node_sigma_s(sets, node_t, scale, spread),
                               method="node", breakup_altitude_km=breakup_altitude_km(el), **common)
    t_event, fraction, position, members, t_place = found
    direction = position / np.linalg.norm(position)
    el = secular_elements(sets, np.array([t_event]), decay_scale=1.0)
    dv = delta_v_m_s(sets, t_event, direction, parent, elements=el)
    lat, lon, alt = _geodetic(position, t_place)
    miss = None
    if parent is not None:
        from sda.propagation.sgp4 import propagate

        miss = float(np.linalg.norm(propagate([parent], np.array([t_place])).position_km[0, 0] - position))
    rev_s = 86400.0 / float(np.median([s.mean_motion_rev_day for s in sets]))
    return BreakupEstimate(
        time_us=t_event, time_sigma_s=rev_s, method="along-track", position_km=tuple(map(float, position)),
        latitude_deg=lat, longitude_deg=lon, altitude_km=alt, breakup_altitude_km=breakup_altitude_km(el),
        bunched_fraction=fraction, parent_miss_km=miss, delta_v_m_s=tuple(map(float, dv)), **common,
    )


def _node_sigma_s(sets, time_us: int, scale: float, spread_deg: float) -> float:
    """1-σ (s) of a node-convergence time: the spread at the minimum over the spread's growth per day."""
    one_day = np.array([time_us - US_PER_DAY, time_us + US_PER_DAY])
    around = np.degrees(_spread_curve(sets, one_day, scale)).mean()
    growth = max(around - spread_deg, 1e-9)  # deg/day
    return float(min(spread_deg / growth, 365.0) * 86400.0)
