"""When did the burn happen? Where the post-maneuver along-track trend meets the
pre-maneuver one.

A burn changes the mean motion, so the along-track phase (see
:mod:`sda.analyses.maneuvers.elements`) follows one parabola before it and another
after it; the two meet at the burn, because position is continuous through an
impulse. Fitting a quadratic to the sets on each side (leaving out the fits that span
the burn) and solving for their crossing times the burn to well within the gap between
element sets. A crossing is accepted from ``lead_day`` before the last set that still
looked unchanged (such a set may be a stale fit) up to the first set after the burn;
when the trends do not cross there, the middle of the gap is the estimate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["crossing_time_day"]


def crossing_time_day(t_day: np.ndarray, phase_rad: np.ndarray, first_post: int, *, skip: int = 0,
                      points: int = 6, lead_day: float = 2.0) -> tuple[float, str, float]:
    """Burn time (days, the series' time axis) between sets ``first_post - 1`` and ``first_post``.

    ``points`` sets on each side are fitted; ``skip`` sets from ``first_post`` on are
    left out of the post-burn fit (fits that span the burn). Returns the time, the
    method used (``"crossing"`` or ``"gap-midpoint"``) and the change of the phase rate
    at that time (rad/day, post minus pre; NaN without enough sets on either side).
    """
    t0 = t_day[first_post - 1]
    t1 = t_day[first_post]
    pre = np.arange(max(0, first_post - points), first_post)
    start = first_post + skip
    post = np.arange(start, min(len(t_day), start + points))
    if len(pre) < 3 or len(post) < 3:
        return float(0.5 * (t0 + t1)), "gap-midpoint", float("nan")
    before = np.polyfit(t_day[pre] - t0, phase_rad[pre], 2)
    after = np.polyfit(t_day[post] - t0, phase_rad[post], 2)
    change = np.polyder(after - before)
    roots = np.roots(after - before)
    roots = roots[np.isreal(roots)].real
    roots = roots[(roots >= -lead_day) & (roots <= t1 - t0)]
    if len(roots):
        x = float(roots[np.argmin(np.abs(roots - 0.5 * (t1 - t0)))])
        return t0 + x, "crossing", float(np.polyval(change, x))
    return float(0.5 * (t0 + t1)), "gap-midpoint", float(np.polyval(change, 0.5 * (t1 - t0)))
