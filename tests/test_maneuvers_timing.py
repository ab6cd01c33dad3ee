"""Burn timing from position continuity, the along-track rate's standard error and the
object's own along-track noise, on synthetic series with known truth.

Phase series: a parabola (drag), plus after the burn ``Δ (t - t_b)``, sampled about once
a day with Gaussian noise of stated size; times in days, phases in radians.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sda.analyses.maneuvers import detect_maneuvers, element_series
from sda.analyses.maneuvers.detect import RATE_SIGMAS
from sda.analyses.maneuvers.robust import prediction_residuals
from sda.analyses.maneuvers.timing import continuity_time_day, crossing_time_day, rate_change_sigma
from sda.core.times import US_PER_DAY
from tests.test_maneuvers_synthetic import T0_US, synthetic_history

RATE_CHANGE = -1.0e-3  # rad/day: a CryoSat-2-size burn (Δa ≈ +50 m at 7,100 km)
CURVATURE = -2.0e-4  # rad/day²: drag at solar maximum


def _phase_series(rng, burn_day: float, sigma: float, days: int = 24):
    t = np.arange(days) + rng.uniform(-0.3, 0.3, days)
    phase = 0.1 + 90.0 * t + CURVATURE * t**2 + RATE_CHANGE * np.clip(t - burn_day, 0.0, None)
    return t, phase + rng.normal(0.0, sigma, days)


def test_continuity_times_burns_better_than_crossing_parabolas():
    """Over 300 noise draws (2e-5 rad per set), the continuity time errs less than the crossing
    of two separately fitted parabolas, and within 1 h in the median."""
    rng = np.random.default_rng(2)
    errors = {"continuity": [], "crossing": []}
    for _ in range(300):
        burn = 12.0 + rng.uniform(0.0, 1.0)
        t, phase = _phase_series(rng, burn, 2e-5)
        first_post = int(np.searchsorted(t, burn))
        cont = continuity_time_day(t, phase, first_post, RATE_CHANGE)
        cross, method, _ = crossing_time_day(t, phase, first_post)
        errors["continuity"].append(abs((cont if cont is not None else 0.5 * (t[first_post - 1] + t[first_post]))
                                        - burn) * 24)
        errors["crossing"].append(abs(cross - burn) * 24)
    median = {k: float(np.median(v)) for k, v in errors.items()}
    assert median["continuity"] < 1.0, median  # hours
    assert median["continuity"] < 0.7 * median["crossing"], median


def test_continuity_time_is_none_outside_the_gap():
    t = np.arange(20.0)
    phase = 90.0 * t
    phase[10:] += 0.5  # a jump of position (0.5 rad) that a rate change of 1e-3 rad/day cannot explain near the gap
    assert continuity_time_day(t, phase, 10, RATE_CHANGE) is None


def test_rate_change_sigma_matches_the_scatter_of_measured_changes():
    """The standard error for independent phase noise σ matches the scatter of the rate
    change fitted over 2,000 noise draws within 5 %."""
    rng = np.random.default_rng(4)
    sigma = 3e-5
    t = np.arange(24) + rng.uniform(-0.3, 0.3, 24)
    first_post = 12
    x = t - t[first_post - 1]
    after = (np.arange(24) >= first_post).astype(float)
    sel = np.r_[first_post - 6:first_post + 6]
    design = np.column_stack([np.ones(24), x, x * x, x * after, after])[sel]
    fitted = [np.linalg.lstsq(design, rng.normal(0.0, sigma, len(sel)), rcond=None)[0][3] for _ in range(2000)]
    assert rate_change_sigma(t, first_post, sigma) == pytest.approx(float(np.std(fitted)), rel=0.05)


def test_prediction_residuals_measure_the_noise_per_set():
    rng = np.random.default_rng(5)
    t = np.cumsum(rng.uniform(0.3, 1.7, 3000))
    x = 0.2 + 90.0 * t + CURVATURE * t**2 + rng.normal(0.0, 4e-5, 3000)
    r = prediction_residuals(t, x)
    assert np.isnan(r[:3]).all() and np.isnan(r[-3:]).all()
    assert float(np.nanstd(r)) == pytest.approx(4e-5, rel=0.05)  # rad


def test_burn_the_along_track_motion_cannot_resolve_is_not_confirmed():
    """A +50 m burn is found and timed by continuity; the same detection with an along-track
    rate three times less certain than the change Δa implies (or more) is not confirmed:
    Δa alone is not enough."""
    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=[(60.4, 0.05, 0.0)], days=120, sigma_a_km=0.002,
                             sigma_i_deg=0.0002, sigma_phase_rad=2e-5, seed=9)
    (m,) = detect_maneuvers(element_series(sets))
    assert abs((m.time_us - T0_US) / US_PER_DAY - 60.4) * 24 < 3.0  # hours
    assert m.timing_method == "continuity" and m.along_track_consistent
    expected = abs(m.phase_rate_change_rad_day / m.phase_rate_ratio)  # rad/day
    assert m.phase_rate_sigma_rad_day < expected / RATE_SIGMAS
    assert replace(m, phase_rate_sigma_rad_day=expected / (0.9 * RATE_SIGMAS)).along_track_consistent is False
    assert replace(m, phase_rate_sigma_rad_day=expected / (1.1 * RATE_SIGMAS)).along_track_consistent is True
