"""Orbit geometry derived from mean elements, and the orbit-regime rule.

Constants are WGS-72, the ones SGP4 element sets are fitted with.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "MU_KM3_S2",
    "EARTH_RADIUS_KM",
    "J2",
    "REGIMES",
    "semi_major_axis_km",
    "semi_major_axis_from_tle_km",
    "orbit_shape",
    "orbit_regime",
]

MU_KM3_S2 = 398600.8  # WGS-72 gravitational parameter, km^3/s^2
EARTH_RADIUS_KM = 6378.135  # WGS-72 equatorial radius, km
J2 = 0.001082616  # WGS-72 second zonal harmonic, as SGP4

REGIMES = ("LEO", "MEO", "GEO", "HEO", "OTHER")

_TWO_PI_OVER_DAY = 2.0 * math.pi / 86400.0


def semi_major_axis_km(mean_motion_rev_day: float) -> float:
    """Semi-major axis (km) of a Keplerian orbit with the given mean motion (rev/day)."""
    if not mean_motion_rev_day > 0.0:
        return math.nan
    n = mean_motion_rev_day * _TWO_PI_OVER_DAY  # rad/s
    return (MU_KM3_S2 / (n * n)) ** (1.0 / 3.0)


def semi_major_axis_from_tle_km(mean_motion_rev_day, eccentricity, inclination_deg) -> np.ndarray:
    """Semi-major axis (km) of TLE mean elements: the Kozai mean motion un-Kozai'd as SGP4 does
    (``sgp4init``'s ``initl``); arrays (or numbers) of one shape.

    The difference from :func:`semi_major_axis_km` is about 1 km in LEO, which over years
    changes the node drift by tenths of a degree.
    """
    n_kozai = np.asarray(mean_motion_rev_day, dtype=np.float64) * _TWO_PI_OVER_DAY  # rad/s
    e = np.asarray(eccentricity, dtype=np.float64)
    cosi = np.cos(np.radians(np.asarray(inclination_deg, dtype=np.float64)))
    a1 = (MU_KM3_S2 / n_kozai**2) ** (1.0 / 3.0) / EARTH_RADIUS_KM
    d = 0.75 * J2 * (3.0 * cosi**2 - 1.0) / (1.0 - e**2) ** 1.5
    del1 = d / a1**2
    a0 = a1 * (1.0 - del1 * (1.0 / 3.0 + del1 * (1.0 + 134.0 / 81.0 * del1)))
    n0 = n_kozai / (1.0 + d / a0**2)
    return (MU_KM3_S2 / n0**2) ** (1.0 / 3.0)


def orbit_shape(mean_motion_rev_day: float, eccentricity: float) -> tuple[float, float, float, float]:
    """``(semi_major_axis_km, period_min, perigee_alt_km, apogee_alt_km)`` of mean elements.

    Altitudes are above a spherical Earth of radius ``EARTH_RADIUS_KM``.
    """
    a = semi_major_axis_km(mean_motion_rev_day)
    period = 1440.0 / mean_motion_rev_day if mean_motion_rev_day > 0 else math.nan
    return a, period, a * (1.0 - eccentricity) - EARTH_RADIUS_KM, a * (1.0 + eccentricity) - EARTH_RADIUS_KM


def orbit_regime(mean_motion_rev_day: float, eccentricity: float, perigee_alt_km: float, apogee_alt_km: float) -> str:
    """Orbit regime of mean elements, by the first rule that holds:

    * ``GEO``: 0.99 to 1.01 rev/day and eccentricity below 0.01 (geosynchronous, any inclination);
    * ``HEO``: eccentricity 0.25 or more (Molniya, GTO, Tundra);
    * ``LEO``: apogee altitude below 2,000 km;
    * ``MEO``: perigee altitude 2,000 km or more and a period shorter than the GEO band;
    * ``OTHER``: everything else (super-synchronous, between regimes, decayed).
    """
    if 0.99 <= mean_motion_rev_day <= 1.01 and eccentricity < 0.01:
        return "GEO"
    if eccentricity >= 0.25:
        return "HEO"
    if apogee_alt_km < 2000.0:
        return "LEO"
    if perigee_alt_km >= 2000.0 and mean_motion_rev_day > 1.01:
        return "MEO"
    return "OTHER"
