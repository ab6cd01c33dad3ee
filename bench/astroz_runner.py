"""Conjunction screening with ``astroz`` (PyPI, MIT licence; SIMD SGP4 in Zig) on SDA's element sets.

Used by the screening benchmark as an independent screening of the same catalog and
window. ``astroz`` reads its thread count from ``ASTROZ_THREADS`` when it is first
imported, so :func:`run_astroz` sets it before importing. Its events (satellite
indices, TCA in minutes after the start, miss in km) are turned into
:class:`~sda.catalog.records.Conjunction` and re-checked with ``sgp4``
(:func:`sda.analyses.screening.recall.recheck`): the TCA and miss of each are SGP4's
own at the range minimum nearest astroz's TCA.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from sda.analyses.screening.recall import recheck
from sda.catalog.records import Conjunction, ElementSet
from sda.core.times import US_PER_S


@dataclass(frozen=True)
class AstrozRun:
    """``reported``: astroz's events as it gave them (TCA rounded to 1 µs, miss, relative
    speed; states empty); ``events``: the same re-checked with sgp4 (``None`` dropped);
    ``wall_s``: wall time (s) of ``astroz.screen`` alone; ``setup_s``: building its
    ``Constellation`` (TLE parsing)."""

    reported: list[Conjunction] = field(repr=False)
    events: list[Conjunction] = field(repr=False)
    n_unconfirmed: int
    wall_s: float
    setup_s: float


def run_astroz(sets: Sequence[ElementSet], *, start_us: int, window_s: float, threshold_km: float,
               threads: int = 2) -> AstrozRun:
    """All-vs-all screening of ``sets`` (which must carry their TLE lines) with ``astroz.screen``."""
    os.environ["ASTROZ_THREADS"] = str(threads)
    import astroz

    by_id = {es.norad_id: es for es in sets}
    text = "\n".join(f"{es.tle_line1}\n{es.tle_line2}" for es in sets)
    t0 = time.perf_counter()
    const = astroz.Constellation(text)
    t1 = time.perf_counter()
    start = datetime.fromtimestamp(start_us / US_PER_S, tz=timezone.utc)
    found = astroz.screen(const, window_s / 60.0, threshold=threshold_km, start_time=start)
    wall = time.perf_counter() - t1
    satnums = np.asarray(const.satnums)
    reported = []
    for i, j, t_min, miss, speed in zip(found.i, found.j, found.time, found.distance, found.speed):
        a, b = by_id[int(satnums[i])], by_id[int(satnums[j])]
        reported.append(Conjunction(
            norad_id_1=a.norad_id, norad_id_2=b.norad_id, tca_us=start_us + round(float(t_min) * 60 * US_PER_S),
            miss_distance_km=float(miss), relative_speed_km_s=float(speed), miss_rtn_km=np.full(3, np.nan),
            state_1=np.full(6, np.nan), state_2=np.full(6, np.nan), epoch_1_us=a.epoch_us, epoch_2_us=b.epoch_us,
            source="astroz", screening_threshold_km=threshold_km,
        ))
    checked = recheck(reported, sets)
    return AstrozRun(reported=reported, events=[c for c in checked if c is not None],
                     n_unconfirmed=sum(c is None for c in checked), wall_s=wall, setup_s=t1 - t0)
