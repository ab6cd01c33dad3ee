"""Screening the catalog: newest element sets in, conjunctions with Pc stored.

This is the daily job operators run: take the newest SGP4 element set of every object
in the view, screen them (all-vs-all or primaries-vs-all), compute each conjunction's
probability of collision (default covariance model for element-set-only objects,
labelled assumed), and store the run and its conjunctions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from sda.analyses.pc import with_pc
from sda.analyses.screening.screen import screen
from sda.analyses.screening.volume import ScreeningVolume
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import Conjunction, StoredElementSet
from sda.catalog.store import ScreeningRunInfo, Store
from sda.core.times import US_PER_DAY
from sda.policy.markings import Marking
from sda.propagation.sgp4 import SGP4_THEORIES

__all__ = ["ScreeningResult", "screen_catalog"]


@dataclass
class ScreeningResult:
    """A finished run: its id (``None`` when not stored), the conjunctions (worst Pc
    first), what was screened and how long each stage took (s)."""

    run_id: int | None
    conjunctions: list[Conjunction]
    n_objects: int
    n_skipped: int
    median_age_days: float
    screen_s: float
    pc_s: float


def _screenable(rows: Sequence[StoredElementSet]) -> tuple[list[StoredElementSet], int]:
    keep = [r for r in rows if r.element_set.ref_frame.upper() == "TEME"
            and r.element_set.mean_element_theory.upper() in SGP4_THEORIES]
    return keep, len(rows) - len(keep)


def screen_catalog(
    store: Store,
    *,
    start_us: int,
    window_s: float,
    threshold_km: float = 5.0,
    volume: ScreeningVolume | None = None,
    primaries: Sequence[int] | None = None,
    workers: int = 1,
    pc_method: str = "foster1992",
    data_modes: tuple[str, ...] = ("REAL",),
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> ScreeningResult:
    """Screen the newest element set of every object in ``data_modes`` and store the result.

    Objects whose newest element set is not SGP4/TEME are skipped (counted in
    ``n_skipped``). Conjunctions are sorted by Pc (highest first), then miss distance.
    """
    rows, skipped = _screenable(store.latest(CatalogQuery(data_modes=data_modes)))
    sets = [r.element_set for r in rows]
    ids = {r.element_set.norad_id: r.id for r in rows}
    markings = {r.element_set.norad_id: r.provenance.marking for r in rows}
    by_id = {s.norad_id: s for s in sets}
    ages = (start_us - np.array([s.epoch_us for s in sets])) / US_PER_DAY if sets else np.array([0.0])
    t = time.perf_counter()
    found = screen(sets, start_us=start_us, window_s=window_s, threshold_km=threshold_km, volume=volume,
                   primaries=primaries, workers=workers, progress=progress)
    screen_s = time.perf_counter() - t
    t = time.perf_counter()
    out = []
    for c in found:
        c = with_pc(c, method=pc_method, es1=by_id[c.norad_id_1], es2=by_id[c.norad_id_2])
        out.append(replace(c, element_set_id_1=ids[c.norad_id_1], element_set_id_2=ids[c.norad_id_2]))
    pc_s = time.perf_counter() - t
    out.sort(key=lambda c: (-(c.pc or 0.0), c.miss_distance_km))
    run_id = None
    if save:
        # a conjunction between a partner-only object and a shared one is as restricted as the former
        conj_markings = [Marking.strictest(markings[c.norad_id_1], markings[c.norad_id_2]).to_json() for c in out]
        run_id = store.write_screening_run(
            ScreeningRunInfo(start_us=start_us, window_s=window_s,
                             threshold_km=(volume.bounding_radius_km if volume else threshold_km),
                             n_objects=len(sets), run_time_s=screen_s + pc_s,
                             primaries=tuple(primaries) if primaries else None,
                             data_mode=data_modes[0] if len(data_modes) == 1 else "REAL"),
            out,
            conj_markings,
        )
    return ScreeningResult(run_id, out, len(sets), skipped, float(np.median(ages)), screen_s, pc_s)
