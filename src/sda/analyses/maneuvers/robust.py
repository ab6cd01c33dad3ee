"""Robust local trends and scales for element-set series.

Element sets are noisy and now and then wrong (a bad fit, a cross-tag), so every
trend here is a Theil–Sen line (median of pairwise slopes; Sen 1968) over a short
window of consecutive sets, and every noise scale is a quantile of absolute
deviations from a running median, scaled to a Gaussian σ. The noise of a series
sampled along a smooth curve (the along-track phase) is measured on each sample's
error of prediction from a parabola through its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import erfinv

__all__ = ["WindowLines", "window_lines", "step_sizes", "rolling_scale", "rolling_quantile", "prediction_residuals"]

#: Quantile of the absolute deviations the noise is measured by: the lower quartile stays a
#: measure of the noise while up to about half the jumps near it are disturbed by maneuvers.
QUANTILE = 0.25
#: That quantile of ``|x|`` for a unit Gaussian ``x`` (``sqrt(2) erfinv(0.25)``).
_HALF_NORMAL_QUANTILE = float(np.sqrt(2.0) * erfinv(QUANTILE))


@dataclass(frozen=True, eq=False)
class WindowLines:
    """Theil–Sen lines over every window of ``w`` consecutive samples.

    Row ``s`` fits samples ``s .. s+w-1``: ``x ≈ intercept[s] + slope[s] * (t - t_ref[s])``
    with ``t_ref[s]`` the window's last time. Shapes ``(n - w + 1,)``.
    """

    slope: np.ndarray
    intercept: np.ndarray
    t_ref: np.ndarray
    w: int

    def at(self, s, t) -> np.ndarray:
        """Value of line(s) ``s`` at time(s) ``t`` (broadcast)."""
        return self.intercept[s] + self.slope[s] * (t - self.t_ref[s])


def window_lines(t: np.ndarray, x: np.ndarray, w: int) -> WindowLines:
    """Theil–Sen line of every window of ``w`` samples of ``x(t)``; ``t`` strictly increasing."""
    tt = sliding_window_view(t, w)
    xx = sliding_window_view(x, w)
    i, j = np.triu_indices(w, 1)
    slope = np.median((xx[:, j] - xx[:, i]) / (tt[:, j] - tt[:, i]), axis=1)
    t_ref = tt[:, -1]
    intercept = np.median(xx - slope[:, None] * (tt - t_ref[:, None]), axis=1)
    return WindowLines(slope, intercept, t_ref, w)


def step_sizes(t: np.ndarray, lines: WindowLines) -> tuple[np.ndarray, np.ndarray]:
    """Jump of the local trend at every boundary with a full window on each side.

    For boundary ``b`` (between samples ``b-1`` and ``b``) the jump is the line of
    samples ``b .. b+w-1`` minus the line of ``b-w .. b-1``, both at the boundary's
    mid time. Returns ``(b, jump)``; ``b`` runs over ``w .. n-w``.
    """
    w = lines.w
    b = np.arange(w, len(t) - w + 1)
    tb = 0.5 * (t[b] + t[b - 1])
    return b, lines.at(b, tb) - lines.at(b - w, tb)


def rolling_quantile(values: np.ndarray, span: int, q: float) -> np.ndarray:
    """Running ``q``-quantile of ``values`` over ``span`` neighbours (mirrored at the ends),
    ignoring NaN; NaN where a window holds no value. Shape of ``values``."""
    half = span // 2
    windows = sliding_window_view(np.pad(values, half, mode="reflect"), 2 * half + 1)
    ordered = np.sort(np.where(np.isnan(windows), np.inf, windows), axis=1)
    count = np.sum(~np.isnan(windows), axis=1)
    picked = ordered[np.arange(len(values)), np.maximum(np.floor(q * (count - 1)).astype(int), 0)]
    return np.where(count > 0, picked, np.nan)


def rolling_scale(values: np.ndarray, span: int, floor: float, mask: np.ndarray | None = None) -> np.ndarray:
    """Local robust σ of ``values`` over ``span`` neighbours: the lower quartile of the
    absolute deviations from the running median, scaled to a Gaussian σ; never below ``floor``.

    Values where ``mask`` is true (jumps explained by a detected maneuver) are left out
    of the statistics, so that frequent maneuvers do not inflate the noise.
    """
    if len(values) == 0:
        return np.zeros(0)
    x = np.asarray(values, dtype=float).copy()
    if mask is not None:
        x[mask] = np.nan
    deviation = np.abs(x - rolling_quantile(x, span, 0.5))
    sigma = rolling_quantile(deviation, span, QUANTILE) / _HALF_NORMAL_QUANTILE
    return np.where(np.isfinite(sigma), np.maximum(sigma, floor), floor)


def prediction_residuals(t: np.ndarray, x: np.ndarray, half: int = 3) -> np.ndarray:
    """Error of predicting each sample from a parabola through its ``half`` neighbours on
    each side, divided by ``sqrt(1 + leverage)`` so that for independent noise of σ per
    sample it has σ too. NaN for the ``half`` samples at each end. Shape of ``x``."""
    n = len(t)
    out = np.full(n, np.nan)
    if n < 2 * half + 1:
        return out
    tt = sliding_window_view(t, 2 * half + 1)
    xx = sliding_window_view(x, 2 * half + 1)
    others = np.r_[0:half, half + 1:2 * half + 1]
    dt = tt[:, others] - tt[:, [half]]
    design = np.stack([np.ones_like(dt), dt, dt * dt], axis=2)  # (windows, 2 half, 3)
    normal = np.linalg.inv(np.einsum("wki,wkj->wij", design, design))
    coef = np.einsum("wij,wkj,wk->wi", normal, design, xx[:, others])
    # At the centre dt = 0: the prediction is the constant term, its leverage normal[0, 0].
    out[half:n - half] = (xx[:, half] - coef[:, 0]) / np.sqrt(1.0 + normal[:, 0, 0])
    return out
