"""Conjunction screening of element sets: all-vs-all or primaries-vs-all over a window.

The method, step by step (each step keeps every real encounter; see the modules):

1. **Radial band filter** (primaries only): a secondary whose radius can never come
   within the threshold of a primary's radius band is dropped. Bands are perigee to
   apogee of the mean elements widened by :data:`BAND_MARGIN_KM` plus
   :data:`BAND_MARGIN_FRACTION` of the semi-major axis (SGP4's periodic terms) and by
   the decay the mean-motion derivative implies over the window. The same bands bound
   every object's SGP4 states: a state outside its band is treated as a failure.
2. **Coarse SGP4 grid** every ``coarse_step_s`` (chosen so that the interpolation error
   bound of :mod:`~sda.analyses.screening.sampling` stays small), with quintic Hermite
   interpolation in between.
   With primaries, each object also takes part only in the steps where its radius
   (bounded by :func:`~sda.analyses.screening.sampling.radius_ranges`) can come
   within the threshold of a primary's.
3. **Sieve** (:mod:`~sda.analyses.screening.sieve`): at the centre of every fine
   sub-step a spatial hash finds every pair that could come within the threshold in
   that sub-step, with a margin that bounds curvature and interpolation error.
4. **Refinement** (:mod:`~sda.analyses.screening.refine`): each candidate's TCA is the
   root of the range rate found with SGP4 itself; an encounter is reported when its
   TCA lies in the window and its miss vector lies in the screening volume.

With primaries, the secondaries that the orbit-path and time filter of
:mod:`~sda.analyses.screening.pathfilter` covers skip steps 2 and 3: they are refined
only where their orbit path and SGP4 state say they may come close.

Work is cut into :class:`~sda.analyses.screening.chunks.Chunk` pieces (object groups ×
time slabs) run by :func:`screen_chunk`, a pure function of picklable inputs, in
worker processes.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
from sgp4.api import Satrec, SatrecArray

from sda.analyses.screening.chunks import Chunk, plan_chunks
from sda.analyses.screening.pathfilter import screen_on_paths
from sda.analyses.screening.refine import Encounters, refine_runs
from sda.analyses.screening.sampling import (VELOCITY_ERROR_STEPS, CoarseGrid, inconsistent, interpolate,
                                            interpolation_error_km, load_kernels, orbit_bounds, propagate_grid,
                                            radius_ranges, repair_derivatives, speed_cap_km_s)
from sda.analyses.screening.sieve import sieve_steps
from sda.analyses.screening.volume import ScreeningVolume
from sda.catalog.records import Conjunction, ElementSet
from sda.core.frames import to_rtn
from sda.core.orbits import EARTH_RADIUS_KM
from sda.core.times import US_PER_S
from sda.propagation.sgp4 import satrec_of

__all__ = ["ScreeningParams", "screen", "screen_chunk", "choose_coarse_step", "BAND_MARGIN_KM"]

#: Radial margin on mean-element perigee/apogee for SGP4's periodic terms: this many km
#: plus :data:`BAND_MARGIN_FRACTION` of the semi-major axis.
BAND_MARGIN_KM = 50.0
BAND_MARGIN_FRACTION = 0.01
#: Coarse steps tried, longest first (s); the longest whose error bound is small enough wins.
COARSE_STEPS_S = (600.0, 480.0, 360.0, 300.0, 240.0, 180.0, 120.0, 60.0)
#: Largest interpolation error bound (km) accepted for the coarse step.
MAX_INTERPOLATION_ERROR_KM = 2.0
#: Longest time slab (s) of one chunk.
MAX_SLAB_S = 86_400.0
#: Target length (s) of the sieve's fine sub-steps.
FINE_STEP_S = 40.0


@dataclass(frozen=True)
class ScreeningParams:
    """What to look for: the volume, the window and the sampling (see :func:`choose_coarse_step`);
    ``path_filter``: screen primaries against the secondaries it covers with
    :mod:`~sda.analyses.screening.pathfilter` instead of the grid."""

    volume: ScreeningVolume
    window_start_us: int
    window_stop_us: int
    coarse_step_s: float
    fine_steps: int
    path_filter: bool = True


def choose_coarse_step(perigee_radius_km: np.ndarray, apogee_radius_km: np.ndarray) -> float:
    """Longest coarse step of :data:`COARSE_STEPS_S` whose interpolation error bound stays
    under :data:`MAX_INTERPOLATION_ERROR_KM` for every object (decayed orbits ignored)."""
    alive = perigee_radius_km > EARTH_RADIUS_KM
    for step in COARSE_STEPS_S:
        if not alive.any() or interpolation_error_km(perigee_radius_km[alive], apogee_radius_km[alive], step).max() \
                <= MAX_INTERPOLATION_ERROR_KM:
            return step
    return COARSE_STEPS_S[-1]


def _bands(sets: Sequence[ElementSet], window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Radius bands (km) each object can occupy during the window (mean elements widened)."""
    n = np.array([s.mean_motion_rev_day for s in sets])
    e = np.array([s.eccentricity for s in sets])
    ndot = np.array([s.mean_motion_dot for s in sets])  # rev/day², half the derivative
    rp, ra = orbit_bounds(n, e)
    a = 0.5 * (rp + ra)
    # Semi-major axis change from the mean-motion drift over the window: da = -2/3 a dn/n.
    dn = np.abs(2.0 * ndot) * (window_s / 86400.0)
    da = (2.0 / 3.0) * a * dn / np.maximum(n, 1e-9)
    margin = BAND_MARGIN_KM + BAND_MARGIN_FRACTION * a
    return rp - da - margin, ra + margin


def screen_chunk(sets: Sequence[ElementSet], chunk: Chunk, params: ScreeningParams,
                 satrecs: Sequence[Satrec] | None = None) -> Encounters:
    """Every encounter of ``chunk`` within the volume's bounding sphere, with indices
    ``i < j`` into ``sets``. ``satrecs``, if given, are the SGP4 records of ``sets``
    (same order), built once for many chunks.

    Pure: the same inputs give the same result in any process.
    """
    if not params.path_filter or np.array_equal(chunk.group_a, chunk.group_b):
        return _screen_grid(sets, chunk, params, satrecs)
    # Primaries: the orbit-path and time filter takes the secondaries it covers; the
    # grid takes the rest (and pairs of primaries).
    if satrecs is None:
        satrecs = [None] * len(sets)
        for r in np.union1d(chunk.group_a, chunk.group_b):
            satrecs[r] = satrec_of(sets[r])
    window = (params.window_start_us, params.window_stop_us)
    found, rest = screen_on_paths(satrecs, chunk.group_a, chunk.group_b, chunk.start_us, chunk.stop_us,
                                  params.volume.bounding_radius_km, window, params.coarse_step_s)
    rest = np.union1d(np.intersect1d(chunk.group_b, chunk.group_a), rest)
    return Encounters.concatenate([found, _screen_grid(sets, replace(chunk, group_b=rest), params, satrecs)])


def _screen_grid(sets: Sequence[ElementSet], chunk: Chunk, params: ScreeningParams,
                 satrecs: Sequence[Satrec] | None) -> Encounters:
    """:func:`screen_chunk` on the coarse SGP4 grid, the sieve and the refinement."""
    rows = np.union1d(chunk.group_a, chunk.group_b)
    if rows.size < 2:
        return Encounters.empty()
    sats = [satrec_of(sets[r]) if satrecs is None else satrecs[r] for r in rows]
    array = SatrecArray(sats)
    step_us = int(round(params.coarse_step_s * US_PER_S))
    n_steps = -(-(chunk.stop_us - chunk.start_us) // step_us)
    times = chunk.start_us + np.arange(n_steps + 1, dtype=np.int64) * step_us
    chunk_sets = [sets[r] for r in rows]
    rp, ra = orbit_bounds(np.array([s.mean_motion_rev_day for s in chunk_sets]),
                          np.array([s.eccentricity for s in chunk_sets]))
    lo, hi = _bands(chunk_sets, (params.window_stop_us - params.window_start_us) / US_PER_S)
    vcap = speed_cap_km_s(rp, ra)
    grid = propagate_grid(array, times, lo, hi, vcap)
    # Objects whose SGP4 velocities disagree with their own positions are interpolated
    # from differences of positions instead; any step still inconsistent is left out.
    both = grid.valid[:, :-1] & grid.valid[:, 1:]
    bad = np.nonzero((inconsistent(grid) & both).any(axis=1))[0]
    if bad.size:
        repair_derivatives(grid, bad, SatrecArray([sats[b] for b in bad]))
        still = inconsistent(grid)[bad] & both[bad]
        grid.valid[bad, :-1] &= ~still
    eps = interpolation_error_km(rp, ra, params.coarse_step_s)
    rmin = np.maximum(lo, EARTH_RADIUS_KM * 0.9)
    in_a = np.isin(rows, chunk.group_a)
    in_b = np.isin(rows, chunk.group_b)
    thr = params.volume.bounding_radius_km
    ok = grid.valid[:, :-1] & grid.valid[:, 1:]
    if not np.array_equal(in_a, in_b):
        # Pairs with a few primaries: in each step keep only objects whose radius can
        # come within the screening distance of a primary's radius.
        r_lo, r_hi = radius_ranges(grid, rp, ra)
        near = np.zeros_like(r_lo, dtype=bool)
        for p in np.nonzero(in_a)[0]:
            near |= (r_lo <= r_hi[p] + thr) & (r_hi >= r_lo[p] - thr)
        ok &= near | in_a[:, None]
    size = 64 * ok.size // max(len(rows), 1) * params.fine_steps + 4096  # ~1.5x the catalog's rate
    while True:
        out = (np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64))
        count = sieve_steps(grid.position_km, grid.velocity_km_s, grid.accel_km_s2, ok, params.coarse_step_s,
                            params.fine_steps, thr, eps, rmin, vcap, in_a, in_b, *out)
        if count <= size:
            break
        size = 2 * count
    ci, cj, cg = out[0][:count], out[1][:count], out[2][:count]
    if ci.size == 0:
        return Encounters.empty()
    window = (max(params.window_start_us, chunk.start_us), min(params.window_stop_us, chunk.stop_us))
    order = np.lexsort((cg, cj, ci))
    ci, cj, cg = ci[order], cj[order], cg[order]
    # UTC µs where each sub-step g (coarse step g // fine_steps) starts, and runs of
    # consecutive sub-steps of one pair.
    g = np.arange(n_steps * params.fine_steps + 1, dtype=np.int64)
    sub_starts = (chunk.start_us + (g // params.fine_steps) * step_us
                  + (g % params.fine_steps) * step_us // params.fine_steps)
    # A run of n sub-steps has n + 1 edges: its sub-steps' starts and the next one.
    first = np.concatenate(([0], np.nonzero((np.diff(ci) != 0) | (np.diff(cj) != 0) | (np.diff(cg) > 1))[0] + 1))
    last = np.concatenate((first[1:], [ci.size])) - 1
    n_edges = cg[last] - cg[first] + 2
    run_starts = np.concatenate(([0], np.cumsum(n_edges)))
    within = np.arange(run_starts[-1]) - np.repeat(run_starts[:-1], n_edges)
    edges = np.clip(sub_starts[np.repeat(cg[first], n_edges) + within], *window)
    rates = _edge_rates(grid, eps, np.repeat(ci[first], n_edges), np.repeat(cj[first], n_edges),
                        (edges - chunk.start_us) / (params.coarse_step_s * US_PER_S), within == 0)
    found = refine_runs(sats, ci[first], cj[first], edges, run_starts, params.window_start_us, window, rates)
    found = found.select(found.miss_km <= thr)
    found.i, found.j = rows[found.i], rows[found.j]
    return found


def _edge_rates(grid: CoarseGrid, eps: np.ndarray, i: np.ndarray, j: np.ndarray, steps: np.ndarray,
                opening: np.ndarray) -> np.ndarray:
    """Range rates (km²/s) of pairs of grid rows ``i``, ``j`` (k,) at ``steps`` (k,
    coarse steps from the grid's start) from the interpolation, NaN where its error
    could change the sign. ``opening`` (k,) marks a run's first edge, which lies in the
    step it opens; the others lie in the step they close (the steps the sieve used).

    With position and velocity errors of at most ``e_r = 2 (eps_i + eps_j)`` and
    ``e_v = e_r VELOCITY_ERROR_STEPS / D`` (the sieve's bounds), the range rate ``dr . dv``
    is off by at most ``|dr| e_v + |dv| e_r + e_r e_v``.
    """
    n_steps = grid.times_us.size - 1
    m = np.where(opening, np.floor(steps), np.ceil(steps) - 1).astype(np.int64).clip(0, n_steps - 1)
    frac = steps - m
    s1 = interpolate(grid, i, m, frac)
    s2 = interpolate(grid, j, m, frac)
    dr, dv = s2[:, :3] - s1[:, :3], s2[:, 3:] - s1[:, 3:]
    d = float((grid.times_us[1] - grid.times_us[0]) / 1e6)
    e_r = 2.0 * (eps[i] + eps[j])
    e_v = e_r * VELOCITY_ERROR_STEPS / d
    bound = np.linalg.norm(dr, axis=1) * e_v + np.linalg.norm(dv, axis=1) * e_r + e_r * e_v
    rate = np.einsum("ij,ij->i", dr, dv)
    return np.where(np.abs(rate) > bound, rate, np.nan)


#: ``(sets, satrecs)`` of the screening under way, inherited by forked worker processes
#: (``None`` for objects no chunk screens).
_INHERITED: tuple[list[ElementSet], list[Satrec | None]] | None = None


def _screen_inherited_chunk(chunk: Chunk, params: ScreeningParams) -> Encounters:
    """:func:`screen_chunk` on the element sets and SGP4 records the worker inherited."""
    sets, satrecs = _INHERITED
    return screen_chunk(sets, chunk, params, satrecs)


def _distinct(found: Encounters) -> Encounters:
    """``found`` sorted by TCA without repeats: an encounter of a pair within 1 s of one
    already kept for that pair (found by two chunks) is dropped."""
    order = np.lexsort((found.tca_us, found.j, found.i))
    i, j, tca = found.i[order].tolist(), found.j[order].tolist(), found.tca_us[order].tolist()
    keep = np.zeros(len(order), dtype=bool)
    last = None
    for k in range(len(order)):
        if last is None or (i[k], j[k]) != last[:2] or tca[k] - last[2] >= US_PER_S:
            keep[k] = True
            last = (i[k], j[k], tca[k])
    kept = found.select(order[keep])
    return kept.select(np.argsort(kept.tca_us, kind="stable"))


def _conjunctions(sets: Sequence[ElementSet], found: Encounters, volume: ScreeningVolume,
                  primary_first: np.ndarray | None) -> list[Conjunction]:
    """Conjunctions of refined encounters whose miss vector lies in the volume, object 1
    the primary where there are primaries (RTN of object 2 in object 1's frame, computed
    for all encounters at once)."""
    first, second, s1, s2 = found.i, found.j, found.state_1, found.state_2
    if primary_first is not None:
        swap = ~primary_first[first] & primary_first[second]
        first, second = np.where(swap, second, first), np.where(swap, first, second)
        s1, s2 = np.where(swap[:, None], s2, s1), np.where(swap[:, None], s1, s2)
    dr, dv = s2[:, :3] - s1[:, :3], s2[:, 3:] - s1[:, 3:]
    miss_rtn, _ = to_rtn(dr, dv, s1[:, :3], s1[:, 3:])
    miss = np.linalg.norm(dr, axis=1).tolist()
    speed = np.linalg.norm(dv, axis=1).tolist()
    tca = found.tca_us.tolist()
    threshold = volume.bounding_radius_km
    out = []
    for k in np.nonzero(volume.contains(miss_rtn))[0].tolist():
        a, b = sets[first[k]], sets[second[k]]
        out.append(Conjunction(
            norad_id_1=a.norad_id, norad_id_2=b.norad_id, tca_us=tca[k], miss_distance_km=miss[k],
            relative_speed_km_s=speed[k], miss_rtn_km=miss_rtn[k], state_1=s1[k], state_2=s2[k], frame="TEME",
            epoch_1_us=a.epoch_us, epoch_2_us=b.epoch_us, screening_threshold_km=threshold,
        ))
    return out


def screen(
    sets: Sequence[ElementSet],
    *,
    start_us: int,
    window_s: float,
    threshold_km: float = 5.0,
    volume: ScreeningVolume | None = None,
    primaries: Sequence[int] | None = None,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    path_filter: bool = True,
) -> list[Conjunction]:
    """Every close approach among ``sets`` with TCA in ``[start_us, start_us + window_s)``.

    ``threshold_km`` gives a spherical volume unless ``volume`` is given. With
    ``primaries`` (catalog numbers) only pairs involving a primary are screened and
    each conjunction lists the primary first. ``workers`` processes share the time
    slabs; ``progress(done, total)`` is called as chunks finish; ``path_filter=False``
    screens primaries on the grid alone (the reference for the filter). Conjunctions are
    sorted by TCA; TEME states at TCA, RTN miss components of object 2 in object 1's
    frame, and both element-set epochs are filled in.
    """
    volume = volume or ScreeningVolume.sphere(threshold_km)
    sets = list(sets)
    stop_us = start_us + int(round(window_s * US_PER_S))
    rp, ra = orbit_bounds(np.array([s.mean_motion_rev_day for s in sets]), np.array([s.eccentricity for s in sets]))
    coarse = choose_coarse_step(rp, ra)
    fine = max(1, math.ceil(coarse / FINE_STEP_S))
    params = ScreeningParams(volume, start_us, stop_us, coarse, fine, path_filter)
    primary_flags = None
    prim_idx = cand_idx = None
    if primaries is not None:
        wanted = set(int(p) for p in primaries)
        primary_flags = np.array([s.norad_id in wanted for s in sets])
        prim_idx = np.nonzero(primary_flags)[0]
        lo, hi = _bands(sets, window_s)
        thr = volume.bounding_radius_km
        overlap = np.zeros(len(sets), dtype=bool)
        for p in prim_idx:
            overlap |= (lo <= hi[p] + thr) & (hi >= lo[p] - thr)
        cand_idx = np.nonzero(overlap)[0]
    # Two slabs a worker (each builds its own SGP4 records), slabs of at most a day (a
    # day's grid of the whole catalog is about 300 MB), and as many for every worker.
    n_slabs = max(2 * workers if workers > 1 else 1, math.ceil(window_s / MAX_SLAB_S))
    n_slabs = -(-n_slabs // workers) * workers
    chunks = plan_chunks(len(sets), start_us, stop_us, coarse_step_s=coarse, n_slabs=n_slabs,
                         primaries=prim_idx, candidates=cand_idx)
    parts: list[Encounters] = []
    # SGP4 records of the objects the chunks screen, built once.
    screened = np.zeros(len(sets), dtype=bool)
    screened[np.union1d(chunks[0].group_a, chunks[0].group_b)] = True
    satrecs = [satrec_of(s) if screened[k] else None for k, s in enumerate(sets)]
    if workers > 1 and len(chunks) > 1:
        # Forked workers inherit the element sets, their SGP4 records and the compiled
        # kernels instead of receiving a pickled copy with every chunk.
        global _INHERITED
        _INHERITED = (sets, satrecs)
        load_kernels()
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_screen_inherited_chunk, c, params) for c in chunks]
                for done, fut in enumerate(futures, 1):
                    parts.append(fut.result())
                    if progress:
                        progress(done, len(chunks))
        finally:
            _INHERITED = None
    else:
        for done, c in enumerate(chunks, 1):
            parts.append(screen_chunk(sets, c, params, satrecs))
            if progress:
                progress(done, len(chunks))
    return _conjunctions(sets, _distinct(Encounters.concatenate(parts)), volume, primary_flags)
