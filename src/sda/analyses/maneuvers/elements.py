"""Mean-element series of one object, from its element-set history.

SGP4 element sets carry Kozai mean motion; the semi-major axis here is SGP4's own
(Brouwer) mean semi-major axis, recovered with the un-Kozai step of SGP4's
initialisation (Hoots & Roehrich, Spacetrack Report No. 3, 1980), WGS-72 constants.
The along-track phase is the mean argument of latitude ``M + ω`` (LEO/MEO) or the
mean longitude ``M + ω + Ω`` (GEO), unwrapped across epochs with the mean motion.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sda.catalog.records import ElementSet
from sda.core.orbits import semi_major_axis_from_tle_km
from sda.core.times import US_PER_DAY

__all__ = ["ElementSeries", "element_series", "GEO_RATE_DEG_DAY"]

#: Earth's sidereal rotation rate, degrees per day: the mean motion of a geosynchronous orbit.
GEO_RATE_DEG_DAY = 360.98564736629


@dataclass(frozen=True, eq=False)
class ElementSeries:
    """Mean elements of one object at its element-set epochs, in epoch order.

    Arrays of shape ``(n,)``: ``epochs_us`` (int64 UTC µs), ``t_day`` (days since the
    first epoch), ``a_km`` (mean semi-major axis), ``inclination_deg``,
    ``eccentricity``, ``mean_motion_rev_day`` (Kozai, as in the element set),
    ``phase_rad`` (unwrapped along-track phase, see the module docstring).
    ``index`` maps each row to the position of its element set in the input sequence.
    ``geo`` says the object is geosynchronous (mean motion 0.9 to 1.1 rev/day).
    """

    norad_id: int | None
    epochs_us: np.ndarray
    t_day: np.ndarray
    a_km: np.ndarray
    inclination_deg: np.ndarray
    eccentricity: np.ndarray
    mean_motion_rev_day: np.ndarray
    phase_rad: np.ndarray
    index: np.ndarray
    geo: bool

    def __len__(self) -> int:
        return len(self.epochs_us)

    def longitude_drift_deg_day(self) -> np.ndarray:
        """Drift of the mean longitude (deg/day, east positive): the rate of the unwrapped
        along-track phase between neighbouring sets minus Earth's rotation; meaningful
        for geosynchronous objects (whose phase is the mean longitude)."""
        if len(self) < 2:
            return np.full(len(self), np.nan)
        return np.degrees(np.gradient(self.phase_rad, self.t_day)) - GEO_RATE_DEG_DAY


def element_series(element_sets: Sequence[ElementSet]) -> ElementSeries:
    """The mean-element series of ``element_sets`` (one object, any order).

    Sets sharing an epoch keep the last one given (a re-issued set supersedes).
    Raises ``ValueError`` when the sets name different objects.
    """
    ids = {e.norad_id for e in element_sets}
    if len(ids) > 1:
        raise ValueError(f"element sets of one object expected, found {len(ids)} objects: {sorted(map(str, ids))}")
    epochs = np.array([e.epoch_us for e in element_sets], dtype=np.int64)
    order = np.argsort(epochs, kind="stable")
    # Keep the last set given for each epoch.
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = epochs[order][1:] != epochs[order][:-1]
    idx = order[keep]
    sets = [element_sets[i] for i in idx]
    n = np.array([e.mean_motion_rev_day for e in sets], dtype=float)
    ecc = np.array([e.eccentricity for e in sets], dtype=float)
    inc = np.array([e.inclination_deg for e in sets], dtype=float)
    geo = bool(len(n)) and 0.9 <= float(np.median(n)) <= 1.1
    u = np.radians([e.mean_anomaly_deg + e.arg_perigee_deg + (e.raan_deg if geo else 0.0) for e in sets])
    ep = epochs[idx]
    t_day = (ep - ep[0]) / US_PER_DAY if len(ep) else np.zeros(0)
    return ElementSeries(
        norad_id=next(iter(ids)) if ids else None,
        epochs_us=ep,
        t_day=t_day,
        a_km=semi_major_axis_from_tle_km(n, ecc, inc) if len(n) else np.zeros(0),
        inclination_deg=inc,
        eccentricity=ecc,
        mean_motion_rev_day=n,
        phase_rad=_unwrap_phase(t_day, u, n),
        index=idx,
        geo=geo,
    )


def _unwrap_phase(t_day: np.ndarray, u_rad: np.ndarray, n_rev_day: np.ndarray) -> np.ndarray:
    """Along-track phase (rad) made continuous: each step is the one closest to what the
    mean motion predicts over the gap (valid while the prediction errs by < half a turn)."""
    if len(t_day) < 2:
        return np.asarray(u_rad, dtype=float)
    predicted = 0.5 * (n_rev_day[1:] + n_rev_day[:-1]) * 2.0 * np.pi * np.diff(t_day)
    step = np.diff(u_rad) - predicted
    step = (step + np.pi) % (2.0 * np.pi) - np.pi
    return u_rad[0] + np.concatenate([[0.0], np.cumsum(step + predicted)])
