"""Drag-driven orbit decay: the semi-major axis and perigee of a decaying orbit over time.

The model is King-Hele's for an orbit of small eccentricity in an exponential
atmosphere (King-Hele 1987, *Satellite Orbits in an Atmosphere*, ch. 3-4):

* ``da/dt = -B ρ(h_p) √(μ a) · e^(-x) [I0(x) + 2 e I1(x)]``, with ``x = a e / H(h_p)``;
* perigee and apogee fall in the ratio ``dr_p / dr_a = (I0 - I1) / (I0 + I1)``: a
  circular orbit shrinks as a whole, an eccentric one loses apogee first;
* ``ρ`` and ``H`` from the exponential atmosphere of Vallado (2013), *Fundamentals of
  Astrodynamics and Applications*, 4th ed., Table 8-4 (0-1000 km, piecewise).

``B`` (m²/kg, C_D A / m times the ratio of today's density to the table's) is not
assumed: it is fitted so that the model's decay rate equals the observed one (from an
element-set history, or from one element set's ``ndot``), which folds today's solar and
geomagnetic activity into it. Forward, the model gives the time to re-entry (perigee at
:data:`REENTRY_ALTITUDE_KM`); backward, the larger, slower orbits a fragment came from.

Integration is over the semi-major axis (``n_steps`` midpoint steps, vectorised over
objects), so a time is found for each state and then interpolated. Units: km, days;
``B`` in m²/kg; rates in km/day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import i0e, i1e

from sda.core.orbits import EARTH_RADIUS_KM, MU_KM3_S2, semi_major_axis_from_tle_km
from sda.core.times import US_PER_DAY

__all__ = [
    "REENTRY_ALTITUDE_KM",
    "density_kg_m3",
    "scale_height_km",
    "decay_rate_km_day",
    "ballistic_from_rate",
    "DecayPath",
    "decay_path",
    "lifetime_days",
    "decay_ballistic",
    "BSTAR_TO_BALLISTIC",
    "WINDOW_FRACTION",
    "ReentryPrediction",
    "predict_reentry",
]

#: Altitude (km) at which an object is taken to re-enter: below it, it falls within an orbit or two.
REENTRY_ALTITUDE_KM = 120.0

# Vallado (2013) Table 8-4: base altitude (km), nominal density (kg/m³), scale height (km).
_TABLE = np.array([
    (0, 1.225, 7.249), (25, 3.899e-2, 6.349), (30, 1.774e-2, 6.682), (40, 3.972e-3, 7.554),
    (50, 1.057e-3, 8.382), (60, 3.206e-4, 7.714), (70, 8.770e-5, 6.549), (80, 1.905e-5, 5.799),
    (90, 3.396e-6, 5.382), (100, 5.297e-7, 5.877), (110, 9.661e-8, 7.263), (120, 2.438e-8, 9.473),
    (130, 8.484e-9, 12.636), (140, 3.845e-9, 16.149), (150, 2.070e-9, 22.523), (180, 5.464e-10, 29.740),
    (200, 2.789e-10, 37.105), (250, 7.248e-11, 45.546), (300, 2.418e-11, 53.628), (350, 9.518e-12, 53.298),
    (400, 3.725e-12, 58.515), (450, 1.585e-12, 60.828), (500, 6.967e-13, 63.822), (600, 1.454e-13, 71.835),
    (700, 3.614e-14, 88.667), (800, 1.170e-14, 124.64), (900, 5.245e-15, 181.05), (1000, 3.019e-15, 268.00),
])
_BASE_KM, _RHO0, _H_KM = _TABLE.T

_S_PER_DAY = 86400.0


def _layer(altitude_km: np.ndarray) -> np.ndarray:
    h = np.asarray(altitude_km, dtype=np.float64)
    return np.clip(np.searchsorted(_BASE_KM, h, side="right") - 1, 0, len(_BASE_KM) - 1)


def scale_height_km(altitude_km) -> np.ndarray:
    """Density scale height (km) of the table's layer holding ``altitude_km`` (km, any shape)."""
    return _H_KM[_layer(altitude_km)]


def density_kg_m3(altitude_km) -> np.ndarray:
    """Atmospheric density (kg/m³) at ``altitude_km`` (km, any shape); above 1000 km the top
    layer is extended."""
    h = np.asarray(altitude_km, dtype=np.float64)
    k = _layer(h)
    return _RHO0[k] * np.exp(-(h - _BASE_KM[k]) / _H_KM[k])


def _shape(a_km, rp_km):
    """``(x, e, density at perigee)`` of orbits with semi-major axes ``a_km`` and perigee radii ``rp_km``."""
    e = np.clip(1.0 - rp_km / a_km, 0.0, 0.99)
    hp = rp_km - EARTH_RADIUS_KM
    return a_km * e / scale_height_km(hp), e, density_kg_m3(hp)


def decay_rate_km_day(a_km, rp_km, ballistic_m2_kg) -> np.ndarray:
    """``da/dt`` (km/day, negative) of orbits ``a_km``/``rp_km`` (km) with ballistic coefficient ``B`` (m²/kg)."""
    a = np.asarray(a_km, dtype=np.float64)
    x, e, rho = _shape(a, np.asarray(rp_km, dtype=np.float64))
    factor = i0e(x) + 2.0 * e * i1e(x)  # e^-x [I0 + 2e I1]
    v_m2_s = np.sqrt(MU_KM3_S2 * a) * 1e6  # √(μ a) in m²/s
    return -np.asarray(ballistic_m2_kg) * rho * v_m2_s * factor * _S_PER_DAY / 1000.0


def ballistic_from_rate(a_km, rp_km, rate_km_day) -> np.ndarray:
    """The ``B`` (m²/kg) for which the model decays at ``rate_km_day`` (km/day, negative) today."""
    return np.asarray(rate_km_day) / decay_rate_km_day(a_km, rp_km, 1.0)


def _perigee_share(a_km, rp_km) -> np.ndarray:
    """``dr_p/da``: 1 for a circular orbit, small for an eccentric one (King-Hele)."""
    x, _, _ = _shape(a_km, rp_km)
    i0, i1 = i0e(x), i1e(x)
    q = (i0 - i1) / (i0 + i1)
    return 2.0 * q / (1.0 + q)


@dataclass(frozen=True, eq=False)
class DecayPath:
    """States along a decay path, ``(n_objects, n_steps + 1)`` arrays from today's orbit:
    semi-major axis and perigee radius (km) and the time (days from today; positive
    forward, negative backward) at which the orbit has them."""

    a_km: np.ndarray
    rp_km: np.ndarray
    t_days: np.ndarray

    def at(self, t_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(a_km, rp_km)`` of every object at times ``t_days`` (days from today): ``(n_times,)``
        shared by all objects or ``(n_objects, n_times)``, one row each. Returns two
        ``(n_objects, n_times)`` arrays; beyond the path's end, its last state."""
        t_days = np.asarray(t_days, dtype=np.float64)
        rows = np.broadcast_to(t_days, (len(self.a_km), t_days.shape[-1]))
        a = np.empty(rows.shape)
        rp = np.empty_like(a)
        for i, (ti, ai, ri) in enumerate(zip(self.t_days, self.a_km, self.rp_km)):
            order = np.argsort(ti)
            a[i] = np.interp(rows[i], ti[order], ai[order])
            rp[i] = np.interp(rows[i], ti[order], ri[order])
        return a, rp


def decay_path(a0_km, rp0_km, ballistic_m2_kg, a_end_km, n_steps: int = 400) -> DecayPath:
    """Integrate the decay from today's ``a0_km``/``rp0_km`` (km, ``(n,)``) to semi-major axis ``a_end_km``.

    ``a_end_km`` below ``a0_km`` integrates forward (decay); above, backward (the orbit
    the object came from). The perigee never rises above the semi-major axis. Midpoint
    steps in ``a``; a step with a vanishing rate (``B`` = 0) takes infinite time.
    """
    a0 = np.atleast_1d(np.asarray(a0_km, dtype=np.float64))
    rp = np.minimum(np.atleast_1d(np.asarray(rp0_km, dtype=np.float64)) * np.ones_like(a0), a0)
    b = np.broadcast_to(np.asarray(ballistic_m2_kg, dtype=np.float64), a0.shape)
    a_grid = a0[:, None] + (np.broadcast_to(a_end_km, a0.shape) - a0)[:, None] * np.linspace(0.0, 1.0, n_steps + 1)
    rps = np.empty_like(a_grid)
    ts = np.zeros_like(a_grid)
    rps[:, 0] = rp
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(n_steps):
            da = a_grid[:, k + 1] - a_grid[:, k]
            a_mid = a_grid[:, k] + 0.5 * da
            rp_mid = np.minimum(rp + 0.5 * da * _perigee_share(a_grid[:, k], rp), a_mid)
            rate = decay_rate_km_day(a_mid, rp_mid, b)
            ts[:, k + 1] = ts[:, k] + da / rate
            rp = np.minimum(rp + da * _perigee_share(a_mid, rp_mid), a_grid[:, k + 1])
            rps[:, k + 1] = rp
    return DecayPath(a_km=a_grid, rp_km=rps, t_days=ts)


# ---- re-entry prediction from an element-set history -----------------------------------------

#: Half-width of the re-entry window as a fraction of the remaining lifetime, before the fit's
#: own scatter is added: the rule of thumb of re-entry campaigns (about ±20 %).
WINDOW_FRACTION = 0.20
#: Element sets older than this (days) before the newest are not used in the fit.
FIT_SPAN_DAYS = 60.0
#: SGP4's B* (1/Earth radii) to a ballistic coefficient C_D A / m (m²/kg): 2 / (ρ0 R_E).
BSTAR_TO_BALLISTIC = 12.741621



def decay_ballistic(sets, decay_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a_km, rp_km, B)``: Brouwer semi-major axis and perigee radius (km) of element sets and the
    ballistic coefficient (m²/kg) that gives today's decay, from each set's ``ndot`` (or, when
    that is not positive, its B*), times ``decay_scale`` (the ratio of the mean density over
    the span of interest to today's)."""
    n = np.array([s.mean_motion_rev_day for s in sets], dtype=np.float64)
    e = np.array([s.eccentricity for s in sets], dtype=np.float64)
    a = semi_major_axis_from_tle_km(n, e, [s.inclination_deg for s in sets])
    rp = a * (1.0 - e)
    rate = -(2.0 / 3.0) * a / n * 2.0 * np.array([s.mean_motion_dot for s in sets])  # km/day
    from_bstar = BSTAR_TO_BALLISTIC * np.maximum([s.bstar_per_er for s in sets], 0.0)
    b = np.where(rate < 0.0, ballistic_from_rate(a, rp, np.minimum(rate, -1e-300)), from_bstar)
    return a, rp, b * decay_scale


@dataclass(frozen=True)
class ReentryPrediction:
    """When an object re-enters: ``time_us`` (UTC µs, perigee at :data:`REENTRY_ALTITUDE_KM`)
    and a window ``[window_start_us, window_stop_us]``; ``lifetime_days`` from the newest
    element set (epoch ``epoch_us``); the fitted ballistic coefficient ``ballistic_m2_kg``
    with its relative 1-σ ``ballistic_rel_sigma``; today's decay rate of the semi-major
    axis ``decay_rate_km_day``; how many element sets the fit used and its ``method``
    (``history`` fit, or one set's ``ndot`` or ``bstar``); the perigee and apogee
    altitudes (km) at the newest epoch."""

    norad_id: int | None
    epoch_us: int
    time_us: int
    window_start_us: int
    window_stop_us: int
    lifetime_days: float
    ballistic_m2_kg: float
    ballistic_rel_sigma: float
    decay_rate_km_day: float
    n_element_sets: int
    method: str
    perigee_alt_km: float
    apogee_alt_km: float
    rms_residual_km: float | None = None

    def as_dict(self) -> dict:
        from sda.core.times import format_utc

        return {
            "norad_id": self.norad_id, "epoch": format_utc(self.epoch_us), "reentry": format_utc(self.time_us),
            "window_start": format_utc(self.window_start_us), "window_stop": format_utc(self.window_stop_us),
            "lifetime_days": self.lifetime_days, "ballistic_m2_kg": self.ballistic_m2_kg,
            "ballistic_rel_sigma": self.ballistic_rel_sigma, "decay_rate_km_day": self.decay_rate_km_day,
            "n_element_sets": self.n_element_sets, "method": self.method, "perigee_alt_km": self.perigee_alt_km,
            "apogee_alt_km": self.apogee_alt_km, "rms_residual_km": self.rms_residual_km,
        }


def _orbit_of(sets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(t_us, a_km, rp_km)`` of element sets (Brouwer semi-major axis, as SGP4 reads the TLE)."""
    t = np.array([s.epoch_us for s in sets], dtype=np.int64)
    e = np.array([s.eccentricity for s in sets])
    a = semi_major_axis_from_tle_km([s.mean_motion_rev_day for s in sets], e, [s.inclination_deg for s in sets])
    return t, a, a * (1.0 - e)


def lifetime_days(a_km, rp_km, ballistic_m2_kg, n_steps: int = 400) -> np.ndarray:
    """Days until the perigee reaches :data:`REENTRY_ALTITUDE_KM` (``(n,)`` arrays in km and m²/kg)."""
    path = decay_path(a_km, rp_km, ballistic_m2_kg, EARTH_RADIUS_KM + REENTRY_ALTITUDE_KM, n_steps)
    hp = path.rp_km - EARTH_RADIUS_KM
    out = np.empty(len(hp))
    for i, (h, t) in enumerate(zip(hp, path.t_days)):
        below = np.flatnonzero(h <= REENTRY_ALTITUDE_KM)
        k = below[0] if len(below) else len(h) - 1
        out[i] = t[0] if k == 0 else np.interp(REENTRY_ALTITUDE_KM, [h[k], h[k - 1]], [t[k], t[k - 1]])
    return out


def _fit_history(t_days: np.ndarray, a_km: np.ndarray, rp_km: np.ndarray, b0: float):
    """Least-squares ``(a_ref, rp_ref, B, σ_B/B, rms)`` of the decay model through a history
    (times in days before the newest, ≤ 0); robust (soft-L1) to stray element sets."""
    from scipy.optimize import least_squares

    span_a = float(np.max(a_km) - a_km[-1])
    rp_offset = a_km[-1] - rp_km[-1]

    def model(p):
        a_ref, log_b = p
        path = decay_path([a_ref], [a_ref - rp_offset], np.exp(log_b), a_ref + 3.0 * span_a + 2.0, n_steps=120)
        return path.at(t_days)[0][0]

    fit = least_squares(lambda p: model(p) - a_km, x0=[a_km[-1], np.log(b0)], loss="soft_l1", f_scale=0.1,
                        x_scale=[0.1, 1.0])
    resid = fit.fun
    dof = max(len(a_km) - 2, 1)
    s2 = float(np.sum(resid**2) / dof)
    try:
        cov = np.linalg.inv(fit.jac.T @ fit.jac) * s2
        rel = float(np.sqrt(max(cov[1, 1], 0.0)))
    except np.linalg.LinAlgError:
        rel = 1.0
    a_ref, log_b = fit.x
    return a_ref, a_ref - rp_offset, float(np.exp(log_b)), rel, float(np.sqrt(np.mean(resid**2)))


def predict_reentry(history, *, fit_span_days: float = FIT_SPAN_DAYS,
                    window_fraction: float = WINDOW_FRACTION) -> ReentryPrediction | None:
    """Re-entry of one object from its element sets (any order; the newest anchors the prediction).

    With three or more element sets over at least a day within ``fit_span_days`` of the
    newest, the decay model is fitted to their semi-major axes (``method="history"``);
    otherwise today's decay rate comes from the newest set's ``ndot`` (``"ndot"``) or,
    when that is not positive, its B* (``"bstar"``). ``None`` when nothing says the orbit
    decays. The window's half-width is the lifetime times
    ``√(window_fraction² + (σ_B/B)²)``.
    """
    sets = sorted(history, key=lambda s: s.epoch_us)
    if not sets:
        return None
    newest = sets[-1]
    recent = [s for s in sets if newest.epoch_us - s.epoch_us <= fit_span_days * US_PER_DAY]
    t_us, a, rp = _orbit_of(recent)
    t_days = (t_us - newest.epoch_us) / US_PER_DAY
    a0, rp0 = float(a[-1]), float(rp[-1])
    b = float(decay_ballistic([newest])[2][0])
    method = "ndot" if newest.mean_motion_dot > 0 else "bstar"
    rms = None
    rel = 0.0
    if len(recent) >= 3 and -t_days[0] >= 1.0 and a[0] > a0:
        if not b > 0:
            b = float(ballistic_from_rate(a0, rp0, (a0 - a[0]) / -t_days[0]))
        a0, rp0, b, rel, rms = _fit_history(t_days, a, rp, b)
        method = "history"
    elif not b > 0:
        return None
    life = float(lifetime_days([a0], [rp0], b)[0])
    if not np.isfinite(life):
        return None
    half = life * float(np.hypot(window_fraction, rel))
    t_re = newest.epoch_us + int(round(life * US_PER_DAY))
    return ReentryPrediction(
        norad_id=newest.norad_id, epoch_us=newest.epoch_us, time_us=t_re,
        window_start_us=t_re - int(round(half * US_PER_DAY)), window_stop_us=t_re + int(round(half * US_PER_DAY)),
        lifetime_days=life, ballistic_m2_kg=b, ballistic_rel_sigma=rel,
        decay_rate_km_day=float(decay_rate_km_day(a0, rp0, b)), n_element_sets=len(recent), method=method,
        perigee_alt_km=rp0 - EARTH_RADIUS_KM, apogee_alt_km=2.0 * a0 - rp0 - EARTH_RADIUS_KM, rms_residual_km=rms,
    )
