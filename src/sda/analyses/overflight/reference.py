"""Independent references for :mod:`.passes`, one satellite at a time, through skyfield.

* :func:`skyfield_passes`: skyfield's own SGP4 (``EarthSatellite``), its Earth-fixed
  frame and its WGS-84 geodetic conversion (``wgs84.geographic_position_of``) on a dense
  grid, the same overflight margin (:meth:`.aoi.AreaOfInterest.margin_rad`), and
  bisection on the exact (not interpolated) margin for every sign change.
  It shares only the area geometry with :func:`.passes.find_passes`.
* :func:`skyfield_find_events`: skyfield's pass finder ``EarthSatellite.find_events``
  for the area's centre, with the elevation that matches the off-nadir limit at the
  satellite's mean height (``cos ε = k sin η``). It answers a slightly different
  question (a point, not a polygon; a fixed elevation) and serves as the cost reference
  of per-satellite pass finding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from skyfield.api import EarthSatellite, wgs84

from sda.analyses.overflight.aoi import AreaOfInterest
from sda.core.frames import skyfield_time, timescale
from sda.core.geodesy import ellipsoid_radius_km, unit_vector
from sda.core.times import US_PER_S

__all__ = ["skyfield_nadirs", "skyfield_margin", "skyfield_passes", "skyfield_find_events"]


def skyfield_nadirs(sat: EarthSatellite, start_us: int, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skyfield's geodetic nadir unit vectors, ``k = 1 + h/R`` and heights (km) at ``t_s`` seconds from ``start_us``."""
    t = skyfield_time(start_us + np.round(np.atleast_1d(t_s) * US_PER_S).astype(np.int64))
    geo = wgs84.geographic_position_of(sat.at(t))
    lat, lon, h = geo.latitude.radians, geo.longitude.radians, geo.elevation.km
    return unit_vector(lat, lon), 1.0 + h / ellipsoid_radius_km(lat), h


def skyfield_margin(sat: EarthSatellite, area: AreaOfInterest, start_us: int, t_s: np.ndarray) -> np.ndarray:
    """The overflight margin of ``area`` at ``t_s`` seconds from ``start_us``, all from skyfield."""
    return area.margin_rad(*skyfield_nadirs(sat, start_us, t_s))


def skyfield_passes(line1: str, line2: str, areas: Sequence[AreaOfInterest], start_us: int, window_s: float,
                    step_s: float = 10.0) -> list[list[tuple[float, float]]]:
    """For each area, ``(entry_s, exit_s)`` seconds from ``start_us`` of every pass, clipped to the window.

    Sign changes of the margin on a ``step_s`` grid, each bisected to 0.1 ms on the
    exact margin (all brackets of an area at once); passes shorter than ``step_s`` can
    be missed.
    """
    sat = EarthSatellite(line1, line2, ts=timescale())
    grid = np.linspace(0.0, window_s, max(2, math.ceil(window_s / step_s) + 1))
    nadirs = skyfield_nadirs(sat, start_us, grid)
    return [_area_passes(sat, area, start_us, window_s, grid, area.margin_rad(*nadirs)) for area in areas]


def _area_passes(sat, area: AreaOfInterest, start_us: int, window_s: float, grid: np.ndarray,
                 g: np.ndarray) -> list[tuple[float, float]]:
    finite = np.isfinite(g[:-1]) & np.isfinite(g[1:])  # NaN once SGP4 fails (decay): no pass
    i = np.nonzero(finite & (np.sign(g[:-1]) != np.sign(g[1:])))[0]
    a, b, entering = grid[i], grid[i + 1], g[i] > 0
    while len(i) and np.max(b - a) > 1e-4:
        m = 0.5 * (a + b)
        before = (skyfield_margin(sat, area, start_us, m) > 0) == entering  # still on the starting side
        a, b = np.where(before, m, a), np.where(before, b, m)
    events = list(zip((0.5 * (a + b)).tolist(), entering.tolist()))
    if g[0] <= 0:
        events.insert(0, (0.0, True))
    if g[-1] <= 0:
        events.append((window_s, False))
    return [(t0, t1) for (t0, into), (t1, out) in zip(events, events[1:]) if into and not out]


def skyfield_find_events(line1: str, line2: str, area: AreaOfInterest, start_us: int, window_s: float,
                         mean_height_km: float) -> list[tuple[float, float]]:
    """``(rise_s, set_s)`` seconds from ``start_us`` of skyfield's events for the area's centre."""
    sat = EarthSatellite(line1, line2, ts=timescale())
    lat, lon = math.asin(area.center[2]), math.atan2(area.center[1], area.center[0])
    k = 1.0 + mean_height_km / float(ellipsoid_radius_km(lat))
    elevation_deg = math.degrees(math.acos(min(1.0, k * math.sin(area.max_off_nadir_rad))))
    site = wgs84.latlon(math.degrees(lat), math.degrees(lon))
    t0, t1 = skyfield_time([start_us, start_us + round(window_s * US_PER_S)])
    times, kinds = sat.find_events(site, t0, t1, altitude_degrees=elevation_deg)
    seconds = (times.tt - t0.tt) * 86400.0
    out, rise = [], None
    for s, kind in zip(seconds, kinds):
        if kind == 0:
            rise = s
        elif kind == 2 and rise is not None:
            out.append((float(rise), float(s)))
            rise = None
    return out
