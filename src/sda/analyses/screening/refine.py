"""Refining candidates to the true times of closest approach with SGP4 itself.

The time of closest approach (TCA) is a root of the range rate
``f(t) = (r2 - r1) . (v2 - v1)`` going from negative to positive. The sieve marks the
sub-steps in which a pair may come close; over each run of consecutive marked
sub-steps the range rate is evaluated at the sub-step edges, and every sign change is
bracketed and solved by Newton's method kept inside the bracket (with bisection
whenever a step would leave it or fails to halve the previous one), to 0.01 ms.
Positions and velocities come from each object's own SGP4 record, never from the
interpolation. Slowly drifting pairs, which stay close for many sub-steps, get every
minimum of the run.

All runs of a chunk are refined together, in rounds: SGP4 gives the states of every
candidate still open, and the arithmetic runs on all of them at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sgp4.api import Satrec

from sda.core.orbits import MU_KM3_S2
from sda.core.times import UNIX_EPOCH_JD, US_PER_DAY

__all__ = ["Encounters", "refine_runs"]

TCA_TOL_S = 1e-5
#: Newton iterations before a bracket is given up on (bisection halves it each time at worst).
MAX_ITERATIONS = 60


@dataclass
class Encounters:
    """Refined closest approaches, one row each: object indices ``i``, ``j`` (k,), TCA
    ``tca_us`` (k,) UTC µs, miss distance ``miss_km`` (k,) and TEME states ``state_1``,
    ``state_2`` (k, 6) km, km/s of objects ``i`` and ``j`` at TCA."""

    i: np.ndarray
    j: np.ndarray
    tca_us: np.ndarray
    miss_km: np.ndarray
    state_1: np.ndarray
    state_2: np.ndarray

    @classmethod
    def empty(cls) -> "Encounters":
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0),
                   np.empty((0, 6)), np.empty((0, 6)))

    @classmethod
    def concatenate(cls, parts: Sequence["Encounters"]) -> "Encounters":
        parts = [p for p in parts if len(p)] or [cls.empty()]
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("i", "j", "tca_us", "miss_km", "state_1", "state_2")))

    def __len__(self) -> int:
        return int(self.i.shape[0])

    def select(self, mask: np.ndarray) -> "Encounters":
        """The rows where ``mask`` (k,) is true (or the rows of an index array)."""
        return Encounters(self.i[mask], self.j[mask], self.tca_us[mask], self.miss_km[mask], self.state_1[mask],
                          self.state_2[mask])


def _states(satrecs: Sequence[Satrec], objects: np.ndarray, t_s: np.ndarray, jd: float, fr: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """TEME states (k, 6) km, km/s of ``satrecs[objects[c]]`` at ``t_s[c]`` seconds after
    ``(jd, fr)``; and whether each succeeded (k,)."""
    failed = (math.nan,) * 6
    rows = []
    for o, f in zip(objects.tolist(), (fr + t_s / 86400.0).tolist()):
        e, r, v = satrecs[o].sgp4(jd, f)
        rows.append(failed if e else r + v)
    out = np.array(rows, dtype=np.float64).reshape(-1, 6)
    return out, np.isfinite(out).all(axis=1)


def _rate_and_slope(s1: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Range rate ``(r2 - r1) . (v2 - v1)`` (km²/s) and its time derivative
    ``|v2 - v1|² + (r2 - r1) . (a2 - a1)`` (km²/s², two-body accelerations) of states (k, 6)."""
    d, w = s2[:, :3] - s1[:, :3], s2[:, 3:] - s1[:, 3:]
    a1 = -MU_KM3_S2 / np.linalg.norm(s1[:, :3], axis=1) ** 3
    a2 = -MU_KM3_S2 / np.linalg.norm(s2[:, :3], axis=1) ** 3
    da = s2[:, :3] * a2[:, None] - s1[:, :3] * a1[:, None]
    return np.einsum("ij,ij->i", d, w), np.einsum("ij,ij->i", w, w) + np.einsum("ij,ij->i", d, da)


def refine_runs(satrecs: Sequence[Satrec], run_i: np.ndarray, run_j: np.ndarray, edges_us: np.ndarray,
                run_starts: np.ndarray, t0_us: int, window_us: tuple[int, int],
                edge_rates: np.ndarray | None = None) -> Encounters:
    """Every closest approach of the pairs ``(run_i[r], run_j[r])`` (indices into
    ``satrecs``) between consecutive edges of their runs.

    Run ``r``'s edges (UTC µs, within ``window_us``) are
    ``edges_us[run_starts[r]:run_starts[r + 1]]``: the range rate at each edge (from
    ``edge_rates`` where it gives one whose sign is certain, NaN elsewhere; from SGP4
    otherwise) brackets a minimum at every change of sign from negative to positive,
    solved with SGP4 to :data:`TCA_TOL_S`. ``t0_us`` is the time origin of the
    computation (UTC µs). Minima outside ``window_us`` are not reported; nor are pairs
    SGP4 fails for.
    """
    lo_w, hi_w = window_us
    days = t0_us // US_PER_DAY
    jd, fr = UNIX_EPOCH_JD + days, (t0_us - days * US_PER_DAY) / US_PER_DAY
    run_i = np.asarray(run_i, dtype=np.int64)
    run_j = np.asarray(run_j, dtype=np.int64)
    lengths = np.diff(run_starts)
    edge_run = np.repeat(np.arange(run_i.size), lengths)
    t = (np.asarray(edges_us) - t0_us) / 1e6
    f = np.full(t.size, np.nan) if edge_rates is None else np.array(edge_rates, dtype=np.float64)
    todo = np.nonzero(np.isnan(f))[0]
    s1, ok1 = _states(satrecs, run_i[edge_run[todo]], t[todo], jd, fr)
    s2, ok2 = _states(satrecs, run_j[edge_run[todo]], t[todo], jd, fr)
    f[todo] = np.where(ok1 & ok2, _rate_and_slope(s1, s2)[0], np.nan)
    # Brackets: consecutive edges of one run where the range rate goes from < 0 to >= 0.
    same_run = edge_run[:-1] == edge_run[1:]
    k = np.nonzero(same_run & (f[:-1] < 0.0) & (f[1:] >= 0.0) & (t[1:] > t[:-1]))[0]
    pair = edge_run[k]
    a, b, fa, fb = t[k], t[k + 1], f[k], f[k + 1]
    x = a - fa * (b - a) / (fb - fa)  # regula falsi (fa < 0 <= fb)
    done_x = np.full(k.size, np.nan)
    done_s1 = np.empty((k.size, 6))
    done_s2 = np.empty((k.size, 6))
    active = np.arange(k.size)
    final = np.zeros(k.size, dtype=bool)  # the bracket is below the tolerance: accept x
    last_step = b - a
    for _ in range(MAX_ITERATIONS):
        if active.size == 0:
            break
        xs = x[active]
        e1, g1 = _states(satrecs, run_i[pair[active]], xs, jd, fr)
        e2, g2 = _states(satrecs, run_j[pair[active]], xs, jd, fr)
        good = g1 & g2
        fx, dfx = _rate_and_slope(e1, e2)
        neg = fx < 0.0
        a[active] = np.where(neg, xs, a[active])
        b[active] = np.where(neg, b[active], xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(dfx > 0.0, fx / dfx, np.inf)
        converged = good & ((np.abs(step) < TCA_TOL_S) | final[active])
        take = active[converged]
        done_x[take] = xs[converged]
        done_s1[take] = e1[converged]
        done_s2[take] = e2[converged]
        # Newton's step unless it leaves the bracket or does not at least halve the
        # last step (the slope of two-body accelerations can be off for slowly
        # drifting pairs); bisection then.
        nxt = xs - step
        aa, bb = a[active], b[active]
        slow = ~((aa < nxt) & (nxt < bb)) | (np.abs(2.0 * step) > np.abs(last_step[active]))
        nxt = np.where(slow, 0.5 * (aa + bb), nxt)
        last_step[active] = np.abs(nxt - xs)
        final[active] = (bb - aa) < TCA_TOL_S
        x[active] = nxt
        active = active[good & ~converged]
    found = np.isfinite(done_x)
    tca_us = np.round(t0_us + done_x[found] * 1e6).astype(np.int64)
    inside = (tca_us >= lo_w) & (tca_us < hi_w)
    s1, s2 = done_s1[found][inside], done_s2[found][inside]
    p = pair[found][inside]
    return Encounters(run_i[p], run_j[p], tca_us[inside], np.linalg.norm(s2[:, :3] - s1[:, :3], axis=1), s1, s2)
