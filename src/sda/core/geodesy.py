"""Geodetic coordinates on the WGS-84 ellipsoid, vectorized.

Earth-fixed positions (km, ``(..., 3)``) to geodetic latitude, longitude and height by
Bowring's method (B. R. Bowring, "Transformation from spatial to geographical
coordinates", Survey Review 23, 1976), one iteration: within 1e-8 rad (6 cm) in latitude
and 1 µm in height of skyfield's ``wgs84`` from the surface to beyond GEO (the error is
largest, 8e-9 rad, around 20,000 km).
"""

from __future__ import annotations

import numpy as np

__all__ = ["WGS84_A_KM", "WGS84_F", "geodetic_of", "geodetic_sin_cos", "geodetic_sin_cos_xyz", "ellipsoid_radius_km",
           "ellipsoid_radius_sc_km", "unit_vector"]

#: WGS-84 equatorial radius (km) and flattening.
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
_E2 = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared
_EP2 = _E2 / (1.0 - _E2)  # second eccentricity squared
_ITERATIONS = 1


def geodetic_sin_cos(position_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(sin_lat, cos_lat, rho_km, height_km)`` of Earth-fixed positions ``(..., 3)`` km, without
    trigonometric calls (``rho_km`` is the distance from the polar axis); each ``(...)``."""
    p = np.asarray(position_km, dtype=np.float64)
    return geodetic_sin_cos_xyz(p[..., 0], p[..., 1], p[..., 2])


def geodetic_sin_cos_xyz(px, py, z):
    """:func:`geodetic_sin_cos` of the coordinates ``px``, ``py``, ``z`` (km) given apart, elementwise:
    floats or arrays of one shape. Plain arithmetic, so it also compiles with ``numba.njit`` for
    per-point kernels."""
    rho = np.sqrt(px * px + py * py)
    y, x = WGS84_A_KM * z, _B_KM * rho  # tan(beta) = y / x
    for _ in range(_ITERATIONS):
        norm = np.sqrt(x * x + y * y)
        sb, cb = y / norm, x / norm
        num, den = z + _EP2 * _B_KM * sb * sb * sb, rho - _E2 * WGS84_A_KM * cb * cb * cb  # tan(lat) = num / den
        y, x = (1.0 - WGS84_F) * num, den
    norm = np.sqrt(num * num + den * den)
    sl, cl = num / norm, den / norm
    height = rho * cl + z * sl - WGS84_A_KM * np.sqrt(1.0 - _E2 * sl * sl)
    return sl, cl, rho, height


def geodetic_of(position_km: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(lat_rad, lon_rad, height_km)`` of Earth-fixed positions ``(..., 3)`` km; each ``(...)``."""
    p = np.asarray(position_km, dtype=np.float64)
    sl, cl, _, height = geodetic_sin_cos(p)
    return np.arctan2(sl, cl), np.arctan2(p[..., 1], p[..., 0]), height


def ellipsoid_radius_km(lat_rad: np.ndarray) -> np.ndarray:
    """Distance (km) from the Earth's centre to the ellipsoid's surface point of geodetic latitude ``lat_rad``."""
    return ellipsoid_radius_sc_km(np.sin(lat_rad), np.cos(lat_rad))


def ellipsoid_radius_sc_km(s: np.ndarray, c: np.ndarray) -> np.ndarray:
    """:func:`ellipsoid_radius_km` from the sine and cosine of the geodetic latitude."""
    n = WGS84_A_KM / np.sqrt(1.0 - _E2 * s * s)
    return n * np.sqrt(c * c + ((1.0 - _E2) * s) ** 2)


def unit_vector(lat_rad: np.ndarray, lon_rad: np.ndarray) -> np.ndarray:
    """``(..., 3)`` unit vectors of latitudes and longitudes (radians) taken as spherical coordinates."""
    c = np.cos(lat_rad)
    return np.stack((c * np.cos(lon_rad), c * np.sin(lon_rad), np.sin(lat_rad)), axis=-1)
