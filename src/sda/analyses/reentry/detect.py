"""Re-entry warnings from the catalog: which objects come down within a horizon, when, and over where.

Candidates are objects whose newest element set says they decay (``ndot`` > 0) with a
perigee below :data:`MAX_PERIGEE_KM`; each is predicted from its newest element set,
and those due within the horizon (window start before it) again from their whole
recent history (:func:`sda.analyses.reentry.decay.predict_reentry`). With areas of
interest, the ground track over the window (:mod:`.groundtrack`) says which areas the
object may fall on. Each prediction gives one ``REENTRY`` warning whose marking is the
strictest of the element sets it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sda.analyses.reentry.decay import (FIT_SPAN_DAYS, WINDOW_FRACTION, ReentryPrediction, decay_ballistic,
                                        lifetime_days, predict_reentry)
from sda.analyses.reentry.groundtrack import AreaCrossing, area_crossings, ground_track
from sda.catalog.queries import CatalogQuery
from sda.core.times import US_PER_DAY, US_PER_S, format_utc
from sda.products.warnings import Warning, warning_marking

__all__ = ["MAX_PERIGEE_KM", "ReentryFinding", "find_reentries", "reentry_warning"]

#: Objects with a higher perigee are not candidates: decades of lifetime at least.
MAX_PERIGEE_KM = 600.0
_CONFIDENCE = {"history": 0.7, "ndot": 0.5, "bstar": 0.3}


@dataclass(frozen=True, eq=False)
class ReentryFinding:
    """A predicted re-entry: the object's name, the prediction, the stored element sets it used and
    the areas of interest its track crosses in the window."""

    name: str | None
    prediction: ReentryPrediction
    history: list
    crossings: list[AreaCrossing] = field(default_factory=list)


def find_reentries(store, *, max_days: float, as_of_us: int | None = None, norad_ids=None, areas=(),
                   data_modes: tuple[str, ...] = ("REAL",), track_step_s: float = 30.0) -> list[ReentryFinding]:
    """Objects whose re-entry window opens within ``max_days`` of ``as_of_us`` (default: the newest
    epoch among the candidates), soonest first. ``norad_ids`` restricts the candidates."""
    q = CatalogQuery(norad_ids=None if norad_ids is None else tuple(norad_ids), data_modes=data_modes)
    latest = [s for s in store.latest(q)
              if s.element_set.mean_motion_dot > 0 and s.element_set.shape()[2] < MAX_PERIGEE_KM]
    if not latest:
        return []
    horizon_from = as_of_us if as_of_us is not None else max(s.element_set.epoch_us for s in latest)
    horizon = horizon_from + int(max_days * US_PER_DAY)
    # first pass, all candidates at once from their newest element set; a generous margin
    # (twice the window) keeps those a history fit may bring forward
    a, rp, b = decay_ballistic([s.element_set for s in latest])
    life = lifetime_days(a, rp, b)
    epochs = np.array([s.element_set.epoch_us for s in latest])
    opens = epochs + (life * (1.0 - 3.0 * WINDOW_FRACTION) * US_PER_DAY)
    found = []
    for s in (s for s, t in zip(latest, opens) if t <= horizon):
        history = store.history(s.element_set.norad_id, data_modes)
        p = predict_reentry([h.element_set for h in history])
        if p is None or p.window_start_us > horizon:
            continue
        crossings = []
        if areas:
            track = ground_track(s.element_set, max(p.window_start_us, p.epoch_us), p.window_stop_us,
                                 step_s=track_step_s)
            crossings = area_crossings(track, areas)
        found.append(ReentryFinding(name=s.element_set.name, prediction=p, history=history, crossings=crossings))
    return sorted(found, key=lambda f: f.prediction.time_us)


def reentry_warning(f: ReentryFinding, *, plot_path: str | None = None) -> Warning:
    """The ``REENTRY`` warning of a prediction."""
    p = f.prediction
    half_h = (p.window_stop_us - p.window_start_us) / 2 / (3600 * US_PER_S)
    over = (f"; track crosses {', '.join(c.area for c in f.crossings)}" if f.crossings else "")
    summary = (f"{f.name or p.norad_id} re-enters {format_utc(p.time_us, digits=0)} ± {half_h:.1f} h "
               f"(perigee {p.perigee_alt_km:.0f} km, {p.method} fit of {p.n_element_sets} element set(s)){over}")
    fit_from_us = p.epoch_us - FIT_SPAN_DAYS * US_PER_DAY  # the element sets the prediction rests on
    evidence = {"name": f.name, **p.as_dict(), "areas_crossed": [c.as_dict() for c in f.crossings],
                "element_set_ids": [h.id for h in f.history if h.element_set.epoch_us >= fit_from_us]}
    if plot_path:
        evidence["ground_track_plot"] = plot_path
    markings = sorted({h.provenance.marking for h in f.history})
    return Warning(kind="REENTRY", norad_id=p.norad_id, time_us=p.time_us, confidence=_CONFIDENCE[p.method],
                   summary=summary, evidence=evidence, window_start_us=p.window_start_us,
                   window_stop_us=p.window_stop_us, marking=warning_marking(markings),
                   data_mode=f.history[-1].provenance.data_mode)
