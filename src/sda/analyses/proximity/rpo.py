"""Proximity operations: objects that come near an asset slowly, stay near it, or drift up to it.

:func:`detect` works on element-set histories (no store); :func:`proximity_job` picks the
asset and the candidates from the store, adds the approaching objects' recent
maneuver warnings and stores one ``PROXIMITY`` warning per approaching object.

Method. Every state comes from the element set in force at its time (the newest with
an epoch at or before it; the oldest before the first), so a history that holds a
maneuver (a drift started, then stopped) is followed through it. States are SGP4 TEME
on a grid of ``step_s`` (default: the asset's period / 100, within 30 to 600 s).
Candidates are first narrowed by their orbits: radii overlapping the asset's within
``range_km``, and orbit planes (nodes moved to the asset's epoch by their J2 rates)
within ``asin(max_relative_speed / v) + 1°`` of the asset's (two objects near each
other are near the line where their planes cross, and there their relative speed is at
least about ``v`` times the angle between the planes).

An object is **approaching** when its range to the asset falls to ``range_km`` or less
at a grid time where their relative speed is at most ``max_relative_speed_km_s``
(a crossing at kilometres per second is a conjunction, not a rendezvous). It is then
classified:

* ``CO-LOCATED``: within range at least half of the window and on every day of it
  (GEO satellites sharing a slot, a formation, an inspector holding);
* ``APPROACH-AND-HOLD``: farther than twice the range at the window start, then within
  range at least 80 % of the time after arriving (drift-and-stop, two-impulse transfer);
* ``DRIFT-BY``: farther than twice the range at the start, within range for a while
  (a drifting inspector passing, a V-bar approach still under way);
* ``RECURRING``: anything else within range at low speed (a relative orbit that
  crosses the range sphere every revolution).

Evidence: range history (every grid time, km), the relative position and velocity in
the asset's RTN frame (:func:`sda.core.frames.to_rtn`), the trend of the per-day minimum
range (km/day, least squares), the element sets used and the approaching object's
maneuver warnings of the last ``maneuver_lookback_days``. Confidence: 1 minus the age
(days) of the oldest element set used over 30, at least 0.1, times 0.8 when the closest
sample is within 20 % of the range limit (near the threshold).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sda.catalog.queries import CatalogQuery
from sda.catalog.records import ElementSet, StoredElementSet
from sda.catalog.store import Store
from sda.core.frames import to_rtn
from sda.core.orbits import EARTH_RADIUS_KM, J2, MU_KM3_S2, semi_major_axis_km
from sda.core.times import US_PER_DAY, US_PER_S, format_utc
from sda.products.warnings import Warning, warning_marking
from sda.propagation.sgp4 import propagate

__all__ = ["ProximityConfig", "Approach", "ProximityResult", "detect", "history_states", "proximity_job",
           "approach_warning",
           "CATEGORIES"]

CATEGORIES = ("CO-LOCATED", "APPROACH-AND-HOLD", "DRIFT-BY", "RECURRING")
_PLANE_MARGIN_RAD = math.radians(1.0)


@dataclass(frozen=True)
class ProximityConfig:
    """Thresholds: ``range_km`` the distance of interest, ``max_relative_speed_km_s`` the
    fastest relative motion still counted as proximity, ``step_s`` the grid step (``None``:
    the asset's period / 100 within 30-600 s), ``maneuver_lookback_days`` how far back the
    approaching object's maneuver warnings are gathered."""

    range_km: float = 50.0
    max_relative_speed_km_s: float = 0.5
    step_s: float | None = None
    maneuver_lookback_days: float = 30.0

    def __post_init__(self) -> None:
        if not self.range_km > 0 or not self.max_relative_speed_km_s > 0:
            raise ValueError("range_km and max_relative_speed_km_s must be positive")


@dataclass
class Approach:
    """One object near the asset: ``norad_id`` the approaching object, ``category`` one of
    :data:`CATEGORIES`; ``times_us`` ``(n,)`` the grid, ``range_km`` ``(n,)``, ``rtn_km`` and
    ``rtn_km_s`` ``(n, 3)`` its position and velocity relative to the asset in the asset's RTN
    frame; ``closest_us`` / ``min_range_km`` / ``relative_speed_km_s`` at the closest grid time;
    ``first_within_us`` / ``last_within_us`` and ``fraction_within`` (of the grid) within
    range; ``range_trend_km_per_day`` the slope of the per-day minimum range."""

    norad_id: int
    category: str
    times_us: np.ndarray
    range_km: np.ndarray
    rtn_km: np.ndarray
    rtn_km_s: np.ndarray
    closest_us: int
    min_range_km: float
    relative_speed_km_s: float
    first_within_us: int
    last_within_us: int
    fraction_within: float
    range_trend_km_per_day: float
    element_sets: list[StoredElementSet | ElementSet] = field(default_factory=list)
    maneuvers: list[Warning] = field(default_factory=list)


def _epoch(s: StoredElementSet | ElementSet) -> int:
    return (s.element_set if isinstance(s, StoredElementSet) else s).epoch_us


def _elements(s: StoredElementSet | ElementSet) -> ElementSet:
    return s.element_set if isinstance(s, StoredElementSet) else s


def history_states(history: Sequence[StoredElementSet | ElementSet], epochs_us: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """TEME position (km) and velocity (km/s) ``(n_times, 3)`` from the element set in force at each
    time of ``epochs_us`` ``(n_times,)``; ``history`` is sorted by epoch. Also returns the indices of
    the element sets used."""
    epochs = np.array([_epoch(s) for s in history], dtype=np.int64)
    which = np.clip(np.searchsorted(epochs, epochs_us, side="right") - 1, 0, len(history) - 1)
    r = np.full((len(epochs_us), 3), np.nan)
    v = np.full((len(epochs_us), 3), np.nan)
    used = np.unique(which).tolist()
    for i in used:
        mask = which == i
        res = propagate([_elements(history[i])], epochs_us[mask])
        r[mask], v[mask] = res.position_km[0], res.velocity_km_s[0]
    return r, v, used


def default_step_s(asset: ElementSet) -> float:
    """Grid step (s): the asset's period / 100, within 30 to 600 s."""
    period_s = 86400.0 / asset.mean_motion_rev_day
    return float(min(600.0, max(30.0, period_s / 100.0)))


def _normal(es: ElementSet, at_us: int) -> np.ndarray:
    """Orbit normal at ``at_us``, the node moved by its J2 secular rate from the element set's epoch."""
    a = semi_major_axis_km(es.mean_motion_rev_day)
    n = es.mean_motion_rev_day * 2.0 * math.pi / 86400.0
    i = math.radians(es.inclination_deg)
    p = a * (1.0 - es.eccentricity**2)
    raan_rate = -1.5 * n * J2 * (EARTH_RADIUS_KM / p) ** 2 * math.cos(i)
    o = math.radians(es.raan_deg) + raan_rate * (at_us - es.epoch_us) / US_PER_S
    return np.array([math.sin(i) * math.sin(o), -math.sin(i) * math.cos(o), math.cos(i)])


def _radii(es: ElementSet) -> tuple[float, float]:
    a = semi_major_axis_km(es.mean_motion_rev_day)
    return a * (1.0 - es.eccentricity), a * (1.0 + es.eccentricity)


def orbit_filter(asset: ElementSet, candidates: Sequence[ElementSet], config: ProximityConfig) -> np.ndarray:
    """Indices of ``candidates`` whose orbits allow a slow pass within ``config.range_km`` of the asset."""
    if not candidates:
        return np.zeros(0, dtype=np.int64)
    rp, ra = _radii(asset)
    radii = np.array([_radii(c) for c in candidates])
    overlap = (radii[:, 0] <= ra + config.range_km) & (radii[:, 1] >= rp - config.range_km)
    speed = math.sqrt(MU_KM3_S2 / semi_major_axis_km(asset.mean_motion_rev_day))
    limit = math.asin(min(1.0, config.max_relative_speed_km_s / speed)) + _PLANE_MARGIN_RAD
    normals = np.array([_normal(c, asset.epoch_us) for c in candidates])
    plane = np.arccos(np.clip(normals @ _normal(asset, asset.epoch_us), -1.0, 1.0)) <= limit
    return np.nonzero(overlap & plane)[0]


def _day_index(times_us: np.ndarray) -> np.ndarray:
    """Whole days from the first time; a last partial day joins the one before it."""
    day = (times_us - times_us[0]) // US_PER_DAY
    return np.minimum(day, max(0, int((times_us[-1] - times_us[0]) // US_PER_DAY) - 1))


def _daily_trend(times_us: np.ndarray, range_km: np.ndarray) -> float:
    day = _day_index(times_us)
    days = np.unique(day)
    if len(days) < 2:
        return float("nan")
    mins = np.array([np.nanmin(range_km[day == d]) for d in days])
    return float(np.polyfit(days.astype(float), mins, 1)[0])


def _classify(times_us: np.ndarray, range_km: np.ndarray, within: np.ndarray, config: ProximityConfig) -> str:
    day = _day_index(times_us)
    every_day = np.all(np.bincount(day, weights=within) > 0)
    if within.mean() >= 0.5 and every_day:
        return "CO-LOCATED"
    if range_km[0] > 2.0 * config.range_km:
        first = int(np.argmax(within))
        if within[first:].mean() >= 0.8:
            return "APPROACH-AND-HOLD"
        return "DRIFT-BY"
    return "RECURRING"


def _approach(norad_id: int, times_us, r_a, v_a, r_c, v_c, config: ProximityConfig) -> Approach | None:
    dr, dv = r_c - r_a, v_c - v_a
    rng = np.linalg.norm(dr, axis=1)
    speed = np.linalg.norm(dv, axis=1)
    within = rng <= config.range_km
    slow_close = within & (speed <= config.max_relative_speed_km_s)
    if not slow_close.any():
        return None
    k = int(np.nanargmin(np.where(slow_close, rng, np.inf)))
    idx = np.nonzero(within)[0]
    rtn_r, rtn_v = to_rtn(dr, dv, r_a, v_a)
    return Approach(norad_id, _classify(times_us, rng, within, config), times_us, rng, rtn_r, rtn_v, int(times_us[k]),
                    float(rng[k]), float(speed[k]), int(times_us[idx[0]]), int(times_us[idx[-1]]),
                    float(within.mean()), _daily_trend(times_us, rng))


def detect(asset_history: Sequence[StoredElementSet | ElementSet],
           candidate_histories: dict[int, Sequence[StoredElementSet | ElementSet]],
           start_us: int, window_s: float, config: ProximityConfig = ProximityConfig()) -> list[Approach]:
    """Approaching objects among ``candidate_histories`` (catalog number → element sets sorted by
    epoch) around the asset over ``[start_us, start_us + window_s]``, closest first."""
    asset_now = _elements(asset_history[-1])
    step = config.step_s or default_step_s(asset_now)
    times_us = start_us + np.arange(0, window_s * US_PER_S + 1, step * US_PER_S).astype(np.int64)
    r_a, v_a, used_a = history_states(asset_history, times_us)
    out = []
    ids = list(candidate_histories)
    keep = orbit_filter(asset_now, [_elements(candidate_histories[i][-1]) for i in ids], config)
    for j in keep:
        history = candidate_histories[ids[j]]
        r_c, v_c, used_c = history_states(history, times_us)
        found = _approach(ids[j], times_us, r_a, v_a, r_c, v_c, config)
        if found is not None:
            found.element_sets = [asset_history[i] for i in used_a] + [history[i] for i in used_c]
            out.append(found)
    out.sort(key=lambda a: a.min_range_km)
    return out


def approach_warning(asset_id: int, asset_name: str | None, a: Approach, name: str | None,
                     config: ProximityConfig, data_mode: str = "REAL") -> Warning:
    """The ``PROXIMITY`` warning of one approach; marking from its element sets and maneuver warnings."""
    ages = [max(0.0, (a.closest_us - _epoch(s)) / US_PER_DAY) for s in a.element_sets]
    confidence = max(0.1, 1.0 - max(ages, default=0.0) / 30.0)
    if a.min_range_km > 0.8 * config.range_km:
        confidence *= 0.8
    k = int(np.argmin(np.abs(a.times_us - a.closest_us)))
    markings = [s.provenance.marking for s in a.element_sets if isinstance(s, StoredElementSet)]
    markings += [m.marking for m in a.maneuvers]
    summary = (f"{name or a.norad_id} {a.category.lower()} near {asset_name or asset_id}: "
               f"{a.min_range_km:.1f} km at {format_utc(a.closest_us, digits=0)}, within {config.range_km:g} km "
               f"{100 * a.fraction_within:.0f}% of the window")
    evidence = {
        "category": a.category,
        "range_limit_km": config.range_km,
        "min_range_km": round(a.min_range_km, 4),
        "closest": format_utc(a.closest_us, digits=0),
        "relative_speed_km_s": round(a.relative_speed_km_s, 6),
        "rtn_at_closest_km": [round(float(x), 4) for x in a.rtn_km[k]],
        "rtn_velocity_at_closest_km_s": [round(float(x), 7) for x in a.rtn_km_s[k]],
        "fraction_within": round(a.fraction_within, 4),
        "first_within": format_utc(a.first_within_us, digits=0),
        "last_within": format_utc(a.last_within_us, digits=0),
        "range_trend_km_per_day": None if math.isnan(a.range_trend_km_per_day) else round(a.range_trend_km_per_day, 4),
        "range_start_km": round(float(a.range_km[0]), 4),
        "range_end_km": round(float(a.range_km[-1]), 4),
        "element_sets": [{"norad_id": _elements(s).norad_id, "epoch": format_utc(_epoch(s)),
                          "id": s.id if isinstance(s, StoredElementSet) else None} for s in a.element_sets],
        "recent_maneuvers": [{"id": m.id, "time": format_utc(m.time_us, digits=0), "summary": m.summary}
                             for m in a.maneuvers],
    }
    return Warning("PROXIMITY", asset_id, a.closest_us, round(confidence, 3), summary, evidence,
                   related_ids=(a.norad_id,), window_start_us=a.first_within_us, window_stop_us=a.last_within_us,
                   marking=warning_marking(markings), data_mode=data_mode)


@dataclass
class ProximityResult:
    """Approaches found for one asset, the warnings made of them, and those newly stored."""

    asset_id: int
    asset_name: str | None
    approaches: list[Approach]
    warnings: list[Warning]
    stored: list[Warning]
    n_candidates: int
    names: dict[int, str | None] = field(default_factory=dict)


def proximity_job(store: Store, asset_id: int, *, start_us: int, window_s: float,
                  config: ProximityConfig = ProximityConfig(), data_modes: tuple[str, ...] = ("REAL",),
                  save: bool = True) -> ProximityResult:
    """Approaches to ``asset_id`` from every object in the store; stores the warnings when ``save``.

    Raises ``LookupError`` when the asset has no element set in ``data_modes``.
    """
    end_us = start_us + int(window_s * US_PER_S)
    asset = store.get_object(asset_id, data_modes)
    if asset is None:
        raise LookupError(f"object {asset_id} has no element set in data modes {', '.join(data_modes)}")
    latest = [st for st in store.latest(CatalogQuery(data_modes=data_modes)) if st.element_set.norad_id != asset_id
              and st.element_set.mean_element_theory.upper() in ("SGP4", "SGP/SGP4")]
    keep = orbit_filter(asset.latest.element_set, [st.element_set for st in latest], config)

    def in_window(history: list[StoredElementSet]) -> list[StoredElementSet]:
        before = [s for s in history if s.element_set.epoch_us <= start_us]
        inside = [s for s in history if start_us < s.element_set.epoch_us <= end_us]
        chosen = before[-1:] + inside
        return chosen or history[:1]

    asset_history = in_window(store.history(asset_id, data_modes))
    candidates = {latest[j].element_set.norad_id: in_window(store.history(latest[j].element_set.norad_id, data_modes))
                  for j in keep}
    approaches = detect(asset_history, candidates, start_us, window_s, config)
    since = start_us - int(config.maneuver_lookback_days * US_PER_DAY)
    names = {o.norad_id: o.name for o in store.objects_by_id([a.norad_id for a in approaches])}
    warnings = []
    for a in approaches:
        a.maneuvers = [m for m in store.warnings(kind="MANEUVER", norad_id=a.norad_id, since_us=since,
                                                 data_modes=data_modes) if m.time_us <= end_us]
        warnings.append(approach_warning(asset_id, asset.name, a, names.get(a.norad_id), config,
                                         asset.latest.provenance.data_mode))
    stored = store.write_warnings(warnings) if save and warnings else []
    return ProximityResult(asset_id, asset.name, approaches, warnings, stored, len(keep), names)
