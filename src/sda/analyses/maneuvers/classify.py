"""Size and kind of a detected maneuver.

Delta-v from the Gauss variational equations for a near-circular orbit:
an along-track burn ``Δv_t`` changes the semi-major axis by ``Δa = 2 Δv_t / n``, so
``Δv_t = n Δa / 2`` (``n`` mean motion, rad/s); a burn normal to the orbit plane at
the node turns it by ``Δi`` with ``Δv_n = 2 v sin(Δi / 2)`` (``v = n a``). The total is
``sqrt(Δv_t² + Δv_n²)``, the least delta-v that explains both changes.

Kinds: ``PLANE_CHANGE`` when the normal part dominates (``STATION_KEEPING_NS`` for a
geosynchronous object); otherwise ``ORBIT_RAISE`` / ``ORBIT_LOWER`` by the sign of
``Δa``, and for a geosynchronous object ``STATION_KEEPING_EW``, ``DRIFT_START`` or
``DRIFT_STOP`` according to the longitude drift before and after the burn.
"""

from __future__ import annotations

import math

from sda.core.orbits import MU_KM3_S2

__all__ = ["delta_v_m_s", "classify", "MANEUVER_CLASSES", "DRIFTING_DEG_DAY", "RELOCATION_KM"]

MANEUVER_CLASSES = ("ORBIT_RAISE", "ORBIT_LOWER", "PLANE_CHANGE", "STATION_KEEPING_EW", "STATION_KEEPING_NS",
                    "DRIFT_START", "DRIFT_STOP")
#: A geosynchronous object drifting faster than this (deg/day) is relocating, not keeping its slot
#: (station-keeping boxes of ±0.05–0.1° are held with drifts of a few hundredths of a degree a day).
DRIFTING_DEG_DAY = 0.1
#: A geosynchronous change of semi-major axis above this (km) is an orbit change (re-orbit), not a drift.
RELOCATION_KM = 200.0


def delta_v_m_s(a_km: float, delta_a_km: float, delta_i_deg: float) -> tuple[float, float, float]:
    """``(total, along_track, normal)`` delta-v (m/s, along-track signed) of a near-circular
    orbit of mean semi-major axis ``a_km`` changed by ``delta_a_km`` and ``delta_i_deg``."""
    n = math.sqrt(MU_KM3_S2 / a_km**3)  # rad/s
    along = 0.5 * n * delta_a_km * 1000.0
    normal = 2.0 * n * a_km * math.sin(math.radians(abs(delta_i_deg)) / 2.0) * 1000.0
    return math.hypot(along, normal), along, normal


def classify(*, geo: bool, delta_a_km: float, along_m_s: float, normal_m_s: float,
             drift_before_deg_day: float, drift_after_deg_day: float) -> str:
    """Kind of maneuver (one of :data:`MANEUVER_CLASSES`); drifts in deg/day (GEO only)."""
    if abs(normal_m_s) > abs(along_m_s):
        return "STATION_KEEPING_NS" if geo else "PLANE_CHANGE"
    if geo and abs(delta_a_km) < RELOCATION_KM:
        before = abs(drift_before_deg_day) >= DRIFTING_DEG_DAY
        after = abs(drift_after_deg_day) >= DRIFTING_DEG_DAY
        if after and not before:
            return "DRIFT_START"
        if before and not after:
            return "DRIFT_STOP"
        return "STATION_KEEPING_EW"
    return "ORBIT_RAISE" if delta_a_km > 0 else "ORBIT_LOWER"
