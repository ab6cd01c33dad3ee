"""Independent pieces of screening work: object groups × time slabs.

A :class:`Chunk` asks for every closest approach between an object of ``group_a``
and an object of ``group_b`` whose time of closest approach lies in
``[start_us, stop_us)``. Chunks share nothing, so they can run in worker processes
or on a Dask cluster unchanged; the union of a plan's results is the whole screening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sda.core.times import US_PER_S

__all__ = ["Chunk", "plan_chunks"]


@dataclass(frozen=True, eq=False)
class Chunk:
    """Pairs between ``group_a`` and ``group_b`` (index arrays into the screened element
    sets; the same array for all-vs-all) with TCA in ``[start_us, stop_us)`` UTC µs."""

    group_a: np.ndarray
    group_b: np.ndarray
    start_us: int
    stop_us: int


def plan_chunks(n_objects: int, start_us: int, stop_us: int, *, coarse_step_s: float, n_slabs: int,
                primaries: np.ndarray | None = None, candidates: np.ndarray | None = None) -> list[Chunk]:
    """Split a screening into ``n_slabs`` time slabs (whole coarse steps each).

    All-vs-all when ``primaries`` is ``None``; else pairs between the primaries and
    ``candidates`` (default: every object).
    """
    everyone = np.arange(n_objects)
    group_a = everyone if primaries is None else np.asarray(primaries)
    group_b = group_a if primaries is None else (everyone if candidates is None else np.asarray(candidates))
    step_us = int(round(coarse_step_s * US_PER_S))
    n_steps = max(1, -(-(stop_us - start_us) // step_us))
    n_slabs = max(1, min(n_slabs, n_steps))
    bounds = [start_us + (n_steps * k // n_slabs) * step_us for k in range(n_slabs)] + [stop_us]
    return [Chunk(group_a, group_b, a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
