"""Where the Sun is, without an ephemeris file: the Astronomical Almanac's low-precision formula.

The Astronomical Almanac ("Low precision formulas for the Sun", section C) gives the
Sun's ecliptic longitude of date to about 0.01° between 1950 and 2050 from the days
``n`` since J2000.0 (JD 2451545.0):

* mean longitude ``L = 280.460° + 0.9856474° n``, mean anomaly ``g = 357.528° + 0.9856003° n``;
* ecliptic longitude ``λ = L + 1.915° sin g + 0.020° sin 2g`` (latitude 0);
* obliquity ``ε = 23.439° − 0.0000004° n``.

The unit vector ``(cos λ, cos ε sin λ, sin ε sin λ)`` is in the equator and equinox of
date; it is turned to the Earth-fixed frame with :func:`sda.core.frames.teme_to_itrs`
(the TEME rotation; nutation, below 0.006°, is within the formula's own error). The
Sun is taken at infinite distance (its parallax, 8.8″, is neglected).
"""

from __future__ import annotations

import numpy as np

from sda.core.frames import teme_to_itrs
from sda.core.geodesy import unit_vector
from sda.core.times import UNIX_EPOCH_JD, US_PER_DAY

__all__ = ["sun_direction_of_date", "sun_direction_itrs", "sun_elevation_deg"]

_J2000_JD = 2451545.0


def sun_direction_of_date(epochs_us) -> np.ndarray:
    """Unit vector to the Sun in the equator and equinox of date, ``(n_times, 3)``, for UTC µs ``(n_times,)``."""
    t = np.atleast_1d(np.asarray(epochs_us, dtype=np.int64))
    n = (t / US_PER_DAY + UNIX_EPOCH_JD) - _J2000_JD  # UTC days; TT-UTC (~1 min) moves the Sun 0.0008°
    mean_longitude = np.radians(280.460 + 0.9856474 * n)
    anomaly = np.radians(357.528 + 0.9856003 * n)
    lam = mean_longitude + np.radians(1.915) * np.sin(anomaly) + np.radians(0.020) * np.sin(2.0 * anomaly)
    eps = np.radians(23.439 - 0.0000004 * n)
    return np.stack((np.cos(lam), np.cos(eps) * np.sin(lam), np.sin(eps) * np.sin(lam)), axis=-1)


def sun_direction_itrs(epochs_us) -> np.ndarray:
    """Unit vector to the Sun in the Earth-fixed frame, ``(n_times, 3)``, for UTC µs ``(n_times,)``."""
    s = sun_direction_of_date(epochs_us)
    r, _ = teme_to_itrs(s, np.zeros_like(s), np.atleast_1d(np.asarray(epochs_us, dtype=np.int64)))
    return r


def sun_elevation_deg(epochs_us, lat_deg, lon_deg) -> np.ndarray:
    """Elevation of the Sun's centre (degrees, no refraction) seen from geodetic ``lat_deg``, ``lon_deg``.

    All three broadcast to one shape ``(n,)``: one time per ground point.
    """
    t, lat, lon = np.broadcast_arrays(np.asarray(epochs_us, dtype=np.int64), np.radians(lat_deg), np.radians(lon_deg))
    s = sun_direction_itrs(t.reshape(-1))
    up = unit_vector(lat, lon).reshape(-1, 3)
    return np.degrees(np.arcsin(np.clip(np.einsum("ij,ij->i", up, s), -1.0, 1.0))).reshape(t.shape)
