"""Secular motion of mean elements: SGP4's J2, J2² and J4 rates of the node, perigee and mean anomaly.

Over months to years SGP4's short-period and long-period terms average out and what is
left of a mean element set's motion is secular: the node and the argument of perigee
precess and the mean anomaly advances at rates fixed by the semi-major axis,
eccentricity and inclination (Brouwer 1959; SGP4's ``sgp4init``, Vallado et al. 2006,
AIAA 2006-6753, the same terms and WGS-72 constants). Drag changes the semi-major axis
and so the rates; :func:`node_and_perigee` integrates them along a decaying orbit.

Units: rates in rad/day, semi-major axes in km, times in days. Arrays broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sda.analyses.reentry.decay import decay_ballistic, decay_path
from sda.core.orbits import EARTH_RADIUS_KM, J2, MU_KM3_S2
from sda.core.times import US_PER_DAY

__all__ = ["J4", "secular_rates", "mean_motion_rad_day", "MeanElements", "secular_elements"]

J4 = -0.00000165597  # WGS-72, as SGP4

_S_PER_DAY = 86400.0


def mean_motion_rad_day(a_km: np.ndarray) -> np.ndarray:
    """Keplerian mean motion (rad/day) of semi-major axes ``a_km`` (km)."""
    a = np.asarray(a_km, dtype=np.float64)
    return np.sqrt(MU_KM3_S2 / a**3) * _S_PER_DAY


def secular_rates(a_km, eccentricity, inclination_rad) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(node_rate, perigee_rate, mean_anomaly_rate)`` in rad/day of Brouwer mean elements.

    ``a_km`` (km, Brouwer/un-Kozai'd), ``eccentricity``, ``inclination_rad`` (rad):
    arrays of any shape that broadcast. The terms and constants are SGP4's
    (``sgp4init``: ``nodedot``, ``argpdot``, ``mdot``): first order in J2, second order in
    J2 and first in J4.
    """
    a = np.asarray(a_km, dtype=np.float64) / EARTH_RADIUS_KM
    e2 = np.asarray(eccentricity, dtype=np.float64) ** 2
    c = np.cos(np.asarray(inclination_rad, dtype=np.float64))
    c2 = c * c
    c4 = c2 * c2
    n = mean_motion_rad_day(a * EARTH_RADIUS_KM)
    beta2 = 1.0 - e2
    beta = np.sqrt(beta2)
    pinvsq = 1.0 / (a * a * beta2 * beta2)
    temp1 = 1.5 * J2 * pinvsq * n
    temp2 = 0.5 * temp1 * J2 * pinvsq
    temp3 = -0.46875 * J4 * pinvsq * pinvsq * n
    mdot = n + 0.5 * temp1 * beta * (3.0 * c2 - 1.0) + 0.0625 * temp2 * beta * (13.0 - 78.0 * c2 + 137.0 * c4)
    argpdot = (-0.5 * temp1 * (1.0 - 5.0 * c2) + 0.0625 * temp2 * (7.0 - 114.0 * c2 + 395.0 * c4)
               + temp3 * (3.0 - 36.0 * c2 + 49.0 * c4))
    nodedot = -temp1 * c + (0.5 * temp2 * (4.0 - 19.0 * c2) + 2.0 * temp3 * (3.0 - 7.0 * c2)) * c
    return nodedot, argpdot, mdot


# ---- mean elements along a decaying orbit ------------------------------------------------------

#: Nodes between an element set's epoch and the times asked for, for the integral of the rates.
_BRIDGE_NODES = 200


@dataclass(frozen=True, eq=False)
class MeanElements:
    """Brouwer mean elements of ``n_objects`` at ``n_times``: ``(n_objects, n_times)`` arrays of
    semi-major axis (km), eccentricity, and inclination, node, argument of perigee and mean
    anomaly (radians; angles not wrapped)."""

    a_km: np.ndarray
    eccentricity: np.ndarray
    inclination_rad: np.ndarray
    raan_rad: np.ndarray
    arg_perigee_rad: np.ndarray
    mean_anomaly_rad: np.ndarray

    def positions_km(self) -> np.ndarray:
        """Positions (km), ``(n_objects, n_times, 3)``, in the frame of the elements (TEME of date
        for SGP4 element sets): Kepler's equation solved for the eccentric anomaly."""
        e = self.eccentricity
        m = np.mod(self.mean_anomaly_rad, 2.0 * np.pi)
        big_e = m + e * np.sin(m)
        for _ in range(6):  # Newton: converged to 1e-12 rad for e < 0.3
            big_e = big_e - (big_e - e * np.sin(big_e) - m) / (1.0 - e * np.cos(big_e))
        x = self.a_km * (np.cos(big_e) - e)
        y = self.a_km * np.sqrt(1.0 - e * e) * np.sin(big_e)
        co, so = np.cos(self.raan_rad), np.sin(self.raan_rad)
        cw, sw = np.cos(self.arg_perigee_rad), np.sin(self.arg_perigee_rad)
        ci, si = np.cos(self.inclination_rad), np.sin(self.inclination_rad)
        p_hat = np.stack([co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si], axis=-1)
        q_hat = np.stack([-co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si], axis=-1)
        return x[..., None] * p_hat + y[..., None] * q_hat


def _cumulative(rate: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Trapezoid integral of ``rate`` from column 0 to every column (rows independent)."""
    out = np.zeros_like(rate)
    out[:, 1:] = np.cumsum(0.5 * (rate[:, 1:] + rate[:, :-1]) * np.diff(t, axis=1), axis=1)
    return out


def secular_elements(sets, times_us: np.ndarray, *, decay_scale: float = 1.0,
                     max_climb_km: float = 1500.0) -> MeanElements:
    """Mean elements of every element set at every time, by secular J2/J4 motion along a decaying orbit.

    ``sets``: element sets (SGP4 mean elements); ``times_us``: ``(n_times,)`` UTC µs, before
    or after the epochs. The semi-major axis and perigee follow
    :func:`sda.analyses.reentry.decay.decay_path` with the ballistic coefficient of
    :func:`sda.analyses.reentry.decay.decay_ballistic`; the node, perigee and mean anomaly advance at
    :func:`secular_rates` of the elements of the moment, integrated (trapezoids) from each
    epoch. Eccentricity follows from the perigee; inclination is constant. Periodic terms
    are left out: positions are good to tens of km near the epoch, and far from it only
    the slow elements (node, inclination, shape) mean anything.
    """

    times_us = np.asarray(times_us, dtype=np.int64).reshape(-1)
    epochs = np.array([s.epoch_us for s in sets], dtype=np.int64)
    inc = np.radians([s.inclination_deg for s in sets])
    a0, rp0, b = decay_ballistic(sets, decay_scale)
    tau = (times_us[None, :] - epochs[:, None]) / US_PER_DAY  # days from each epoch
    back = np.min(tau, axis=1) < 0
    up = decay_path(a0, rp0, b, a0 + max_climb_km, n_steps=400)
    down = decay_path(a0, rp0, b, np.maximum(a0 - 300.0, EARTH_RADIUS_KM + 100.0), n_steps=200)
    far = np.where(back, tau.min(axis=1), tau.max(axis=1))
    bridge = far[:, None] * np.linspace(0.0, 1.0, _BRIDGE_NODES)[None, :]
    nodes = np.concatenate([bridge, tau], axis=1)
    order = np.argsort(nodes, axis=1, kind="stable")
    t_sorted = np.take_along_axis(nodes, order, axis=1)
    a_up, rp_up = up.at(np.minimum(t_sorted, 0.0))
    a_dn, rp_dn = down.at(np.maximum(t_sorted, 0.0))
    a = np.where(t_sorted < 0.0, a_up, a_dn)
    rp = np.where(t_sorted < 0.0, rp_up, rp_dn)
    e = np.clip(1.0 - rp / a, 0.0, 0.99)
    nodedot, argpdot, mdot = secular_rates(a, e, inc[:, None])
    zero = np.argmax(t_sorted >= 0.0, axis=1)[:, None]  # the epoch: node 0 of the bridge
    values = {}
    for name, rate in (("raan", nodedot), ("argp", argpdot), ("m", mdot)):
        cum = _cumulative(rate, t_sorted)
        cum -= np.take_along_axis(cum, zero, axis=1)
        back_to_input = np.empty_like(cum)
        np.put_along_axis(back_to_input, order, cum, axis=1)
        values[name] = back_to_input[:, _BRIDGE_NODES:]
    unsort = np.empty_like(a)
    np.put_along_axis(unsort, order, a, axis=1)
    a_out = unsort[:, _BRIDGE_NODES:].copy()
    np.put_along_axis(unsort, order, e, axis=1)
    e_out = unsort[:, _BRIDGE_NODES:].copy()
    deg = np.radians
    return MeanElements(
        a_km=a_out, eccentricity=e_out, inclination_rad=np.broadcast_to(inc[:, None], a_out.shape).copy(),
        raan_rad=deg([s.raan_deg for s in sets])[:, None] + values["raan"],
        arg_perigee_rad=deg([s.arg_perigee_deg for s in sets])[:, None] + values["argp"],
        mean_anomaly_rad=deg([s.mean_anomaly_deg for s in sets])[:, None] + values["m"],
    )
