"""When did the burn happen? Where the post-maneuver along-track trend meets the
pre-maneuver one.

A burn changes the mean motion, so the along-track phase (see
:mod:`sda.analyses.maneuvers.elements`) follows one curve before it and another after
it; the two meet at the burn, because position is continuous through an impulse.

* :func:`crossing_time_day` fits a parabola to the sets on each side (leaving out the
  fits that span the burn) and solves for their crossing; it also measures the change of
  the along-track rate, which the detector compares with the one the change of
  semi-major axis implies.
* :func:`continuity_time_day` then times the burn with that implied change held fixed
  and one drag parabola through the burn: the only unknown of the burn is its time, set
  by the offset of all the post-burn sets together. Two separately fitted parabolas each
  carry their own curvature, which extrapolated across a day-long gap moves their
  crossing by hours; sharing the curvature and fixing the rate change removes both
  sources of scatter.
* :func:`rate_change_sigma` is the standard error of the measured rate change for a
  given along-track noise, so the detector can tell whether the along-track motion
  could have confirmed a burn at all.

A time is accepted from ``lead_day`` before the last set that still looked unchanged
(such a set may be a stale fit) up to the first set after the burn; otherwise the
crossing, and failing that the middle of the gap, is the estimate.
"""

from __future__ import annotations

import numpy as np

__all__ = ["crossing_time_day", "continuity_time_day", "rate_change_sigma"]


def _sides(n: int, first_post: int, skip: int, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the ``points`` sets before set ``first_post`` and of the ``points`` sets
    after the ``skip`` fits spanning the burn, in a series of ``n`` sets."""
    start = first_post + skip
    return np.arange(max(0, first_post - points), first_post), np.arange(start, min(n, start + points))


def _through_burn(t_day: np.ndarray, first_post: int, pre: np.ndarray, post: np.ndarray):
    """``(idx, x, after)``: the sets of both sides, their times (days) from set
    ``first_post - 1``, and 1 for those after the burn, 0 before."""
    idx = np.concatenate([pre, post])
    return idx, t_day[idx] - t_day[first_post - 1], np.concatenate([np.zeros(len(pre)), np.ones(len(post))])


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
    pre, post = _sides(len(t_day), first_post, skip, points)
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


def continuity_time_day(t_day: np.ndarray, phase_rad: np.ndarray, first_post: int, rate_change_rad_day: float, *,
                        skip: int = 0, points: int = 6, lead_day: float = 2.0) -> float | None:
    """Burn time (days) from position continuity with a known change of the along-track rate.

    One model through the burn: the along-track phase follows one parabola (the drag
    curvature is the same on both sides of a small burn) plus, after the burn time
    ``t_b``, ``rate_change_rad_day * (t - t_b)`` — the change Kepler's third law gives for
    the measured change of semi-major axis. With the rate change known the model is linear
    in its unknowns (three parabola coefficients and ``-rate_change * t_b``), so the burn
    time comes from the offset of every post-burn set at once instead of from the slope
    difference of two separately fitted parabolas. ``points`` sets on each side;
    ``skip`` fits spanning the burn left out. ``None`` without three sets on each side or
    when the time falls outside ``lead_day`` before set ``first_post - 1`` .. set
    ``first_post``.
    """
    pre, post = _sides(len(t_day), first_post, skip, points)
    if len(pre) < 3 or len(post) < 3 or not rate_change_rad_day:
        return None
    t0 = t_day[first_post - 1]
    idx, x, after = _through_burn(t_day, first_post, pre, post)
    design = np.column_stack([np.ones_like(x), x, x * x, after])
    coef = np.linalg.lstsq(design, phase_rad[idx] - rate_change_rad_day * x * after, rcond=None)[0]
    x_burn = -coef[3] / rate_change_rad_day
    if not -lead_day <= x_burn <= t_day[first_post] - t0:
        return None
    return float(t0 + x_burn)


def rate_change_sigma(t_day: np.ndarray, first_post: int, phase_sigma_rad: float, *, skip: int = 0,
                      points: int = 6) -> float:
    """Standard error (rad/day) of a change of the along-track rate measured across the gap
    before set ``first_post``, for independent phase errors of ``phase_sigma_rad`` per set.

    The model of :func:`continuity_time_day` with the rate change free: one parabola
    through the burn plus, after it, a line (offset and rate change); least squares over
    ``points`` sets on each side (``skip`` spanning fits left out). NaN with fewer than
    three sets before or two after.
    """
    pre, post = _sides(len(t_day), first_post, skip, points)
    if len(pre) < 3 or len(post) < 2:
        return float("nan")
    _, x, after = _through_burn(t_day, first_post, pre, post)
    design = np.column_stack([np.ones_like(x), x, x * x, x * after, after])
    return float(phase_sigma_rad * np.sqrt(np.linalg.pinv(design.T @ design)[3, 3]))
