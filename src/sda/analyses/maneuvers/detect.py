"""Maneuver detection from one object's mean-element series.

Method (each step explainable to an analyst):

1. **Local trends.** Over every window of ``w`` consecutive element sets, a Theil–Sen
   line of the mean semi-major axis and one of the inclination
   (:mod:`sda.analyses.maneuvers.robust`).
2. **Jumps.** At every gap between two sets, the jump between the trend of the ``w``
   sets after it and the trend of the ``w`` sets before it. A burn makes a jump that
   every later set confirms; a single bad element set cannot move a median-based
   trend, so it makes none.
3. **The object's own noise.** Each jump is divided by the local noise of the object's
   own jumps (lower quartile of absolute deviations over ``scale_span`` gaps, as a
   Gaussian σ): a z-score. Jumps near a detection are left out of the noise and the
   search repeated, so an object that maneuvers often is not taken for a noisy one.
   The threshold ``z_threshold`` is the same for every object; what adapts is σ,
   measured on each object's history and never below the element-set format's
   resolution.
4. **One detection per burn.** The largest z-score above the threshold wins and
   suppresses its ``w`` neighbours. The burn is then placed by comparing each set near
   it with clean trends ``gap`` sets away (at most ``w - 1``): the *onset* is the first set that left the
   pre-burn trend for good (the burn lies just before it), the first set that reached
   the post-burn trend ends the fits spanning the burn, which stay out of the post-burn
   fits.
5. **Real burn or fit artefact.** A burn that changes the semi-major axis by Δa must
   change the along-track rate by ``-3/2 n Δa / a`` (Kepler's third law). The change
   measured from the along-track phase must agree within a factor
   :data:`RATE_AGREEMENT`, and the along-track trends before and after must cross near
   the gap (position is continuous through a burn); a jump of mean motion that the
   positions do not follow is an element-set artefact and is dropped. The check must
   also be able to see the burn: the expected change must be at least
   :data:`RATE_SIGMAS` standard errors of the measured one, computed from the object's
   own along-track noise (the scatter of each set about a parabola through its
   neighbours, robust σ over ``scale_span`` sets); where the positions are too noisy to
   confirm a change of semi-major axis, it is not reported. A change of inclination
   alone is kept on its z-score.
6. **Two time scales.** Windows of 8 sets see small burns; windows of 3 sets separate
   burns a few days apart (orbit-raising campaigns). Short windows look at the
   semi-major axis only, so step 5 confirms everything they find; a burn seen at both
   keeps its stronger detection.
7. **Time, size and kind**: :mod:`sda.analyses.maneuvers.timing` and
   :mod:`sda.analyses.maneuvers.classify`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from sda.analyses.maneuvers.classify import classify, delta_v_m_s
from sda.analyses.maneuvers.elements import ElementSeries
from sda.analyses.maneuvers.robust import (WindowLines, prediction_residuals, rolling_scale, step_sizes,
                                           window_lines)
from sda.analyses.maneuvers.timing import continuity_time_day, crossing_time_day, rate_change_sigma
from sda.core.times import US_PER_DAY, format_utc

__all__ = ["DetectorConfig", "Maneuver", "detect_maneuvers"]

#: Resolution of the element-set format: inclination is given to 1e-4 degree.
INCLINATION_QUANTUM_DEG = 1e-4
#: Semi-major axis resolution: mean motion is given to 1e-8 rev/day (Δa/a = 2/3 Δn/n); 1 mm is below it everywhere.
SEMI_MAJOR_AXIS_QUANTUM_KM = 1e-6
#: Along-track phase resolution (rad): mean anomaly and argument of perigee are given to 1e-4 degree.
PHASE_QUANTUM_RAD = float(np.radians(1e-4))
#: Detections closer than this (µs) at different window lengths are one burn.
MERGE_US = US_PER_DAY
#: Measured and expected changes of the along-track rate must agree within this factor.
RATE_AGREEMENT = 1.5
#: ... and the expected change must stand this many standard errors of the measured one clear of zero.
RATE_SIGMAS = 3.0
#: A set that moved more than this fraction of the jump (and less than 1 - it) is a fit spanning the burn.
SPAN_FRACTION = 0.2
#: ... and it must have moved more than this many σ of the local noise.
ONSET_SIGMAS = 3.0


@dataclass(frozen=True)
class DetectorConfig:
    """The detector's constants, the same for every object (see the module docstring)."""

    windows: tuple[int, ...] = (8, 3)
    z_threshold: float = 12.0
    scale_span: int = 121
    gap: int = 4
    timing_points: int = 6
    noise_passes: int = 4


@dataclass(frozen=True)
class Maneuver:
    """One detected maneuver.

    ``time_us`` best estimate (UTC µs); ``window_start_us`` / ``window_stop_us`` the last
    element set before and the first after it (the burn lies between, or up to two days
    before the window when the last set before it was a stale fit). ``delta_a_km`` / ``delta_i_deg`` the
    changes of mean semi-major axis and inclination; ``z_a`` / ``z_i`` them in units of the
    object's local noise ``sigma_a_km`` / ``sigma_i_deg``; delta-v in m/s, from the changes
    whose z-score reaches the threshold (the others are noise);
    ``drift_*_deg_day`` GEO longitude drift (``None`` otherwise). ``pre_index``
    (last set before the burn), ``post_index`` (first after it) and ``spanning_indices``
    (sets after it whose fits still span it) are positions in the input element-set sequence;
    ``evidence_start_us`` / ``evidence_stop_us`` the epochs of the first and last set the
    detection's trends rest on. ``phase_rate_change_rad_day`` the measured change of the
    along-track rate and ``phase_rate_ratio`` its ratio to the one Δa implies (``None``
    when Δa is within the noise); ``phase_rate_sigma_rad_day`` the standard error of that
    measured change for the object's own along-track noise.
    """

    norad_id: int | None
    time_us: int
    window_start_us: int
    window_stop_us: int
    kind: str
    confidence: float
    delta_v_m_s: float
    delta_v_along_track_m_s: float
    delta_v_normal_m_s: float
    delta_a_km: float
    delta_i_deg: float
    z_a: float
    z_i: float
    sigma_a_km: float
    sigma_i_deg: float
    z_threshold: float
    drift_before_deg_day: float | None
    drift_after_deg_day: float | None
    timing_method: str
    pre_index: int
    post_index: int
    spanning_indices: tuple[int, ...]
    phase_rate_change_rad_day: float | None
    phase_rate_ratio: float | None
    phase_rate_sigma_rad_day: float | None
    evidence_start_us: int
    evidence_stop_us: int

    @property
    def along_track_consistent(self) -> bool:
        """Whether the along-track motion changed as the change of semi-major axis says it
        must (within a factor :data:`RATE_AGREEMENT`, trends crossing at the burn) and
        the object's along-track noise could tell that change from none (the expected
        change at least :data:`RATE_SIGMAS` standard errors); true when only the plane
        changed."""
        r = self.phase_rate_ratio
        if r is None:
            return True
        if not 1.0 / RATE_AGREEMENT <= r <= RATE_AGREEMENT or self.timing_method == "gap-midpoint":
            return False
        expected = abs(self.phase_rate_change_rad_day / r)  # rad/day, from Δa
        return self.phase_rate_sigma_rad_day is not None and expected >= RATE_SIGMAS * self.phase_rate_sigma_rad_day

    def as_dict(self) -> dict:
        """JSON-ready mapping: times as ISO-8601 UTC ``Z`` text, sizes with units in the names."""
        d = asdict(self)
        for key in ("time_us", "window_start_us", "window_stop_us", "evidence_start_us", "evidence_stop_us"):
            d[key[:-3]] = format_utc(d.pop(key))
        return d


def detect_maneuvers(series: ElementSeries, config: DetectorConfig = DetectorConfig()) -> list[Maneuver]:
    """Maneuvers in ``series``, in time order (empty when it has fewer than
    ``2 * (max(windows) + gap)`` element sets: too few to tell a burn from noise).

    Each window length of ``config.windows`` is searched; a burn found at several keeps
    its detection with the largest z-score.
    """
    if len(series) < 2 * (max(config.windows) + config.gap):
        return []
    # The object's own along-track noise per set (rad): what the along-track check can resolve.
    phase_sigma = rolling_scale(prediction_residuals(series.t_day, series.phase_rad), config.scale_span,
                                PHASE_QUANTUM_RAD)
    found = sorted((m for w in sorted(set(config.windows)) for m in _detect(series, w, phase_sigma, config)),
                   key=lambda m: -max(m.z_a, m.z_i))
    kept: list[Maneuver] = []
    for m in found:
        if all(abs(m.time_us - k.time_us) > MERGE_US and m.post_index != k.post_index for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.time_us)


def _detect(series: ElementSeries, w: int, phase_sigma: np.ndarray, config: DetectorConfig) -> list[Maneuver]:
    """The maneuvers found with trends over ``w`` element sets."""
    t = series.t_day
    b = np.arange(w, len(t) - w + 1)
    fits = []
    for x in (series.a_km, series.inclination_deg):
        lines = window_lines(t, x, w)
        fits.append((x, lines, step_sizes(t, lines)[1]))
    # The noise is measured on the jumps no detected maneuver explains: detect, leave the
    # jumps within a window of each detection out of the noise statistics, detect again.
    mask = np.zeros(len(b), dtype=bool)
    peaks: list[int] = []
    for _ in range(config.noise_passes):
        channels = [(x, lines, jump, sigma := rolling_scale(jump, config.scale_span, quantum, mask),
                     np.abs(jump) / sigma)
                    for (x, lines, jump), quantum in zip(fits, (SEMI_MAJOR_AXIS_QUANTUM_KM, INCLINATION_QUANTUM_DEG))]
        # Shorter windows look for in-plane burns only, the ones the along-track motion confirms.
        z = np.maximum(channels[0][4], channels[1][4]) if w == max(config.windows) else channels[0][4]
        new_peaks = _peaks(z, w, config.z_threshold)
        if new_peaks == peaks:
            break
        peaks = new_peaks
        mask[:] = False
        for k in peaks:
            mask[max(0, k - w):k + w + 1] = True
    found = []
    for k in peaks:
        lead = 0 if channels[0][4][k] >= channels[1][4][k] else 1
        x, lines = channels[lead][0], channels[lead][1]
        onset, settled = _locate(t, x, lines, int(b[k]), min(config.gap, w - 1), float(channels[lead][3][k]))
        found.append(_maneuver(series, channels, k, w, onset, settled, float(phase_sigma[onset - 1]), config))
    # Keep what still stands once the burn is located: a jump above the threshold between the
    # trends just before and just after it, with the along-track motion changed to match.
    return [m for m in found if max(m.z_a, m.z_i) >= config.z_threshold and m.along_track_consistent]


def _peaks(z: np.ndarray, w: int, threshold: float) -> list[int]:
    """Boundaries whose z-score reaches ``threshold``, largest first, none within ``w`` of a larger one."""
    taken = np.zeros(len(z), dtype=bool)
    out = []
    for k in np.argsort(-z, kind="stable"):
        if z[k] < threshold:
            break
        if not taken[max(0, k - w):k + w + 1].any():
            taken[k] = True
            out.append(int(k))
    return sorted(out)


def _locate(t: np.ndarray, x: np.ndarray, lines: WindowLines, boundary: int, gap: int,
            sigma: float) -> tuple[int, int]:
    """``(onset, settled)`` near ``boundary``: the first set that left the pre-burn trend
    for good (the burn lies before it) and the first that reached the post-burn trend
    (the sets in between are fits spanning the burn)."""
    w = lines.w
    pre = int(np.clip(boundary - gap - w, 0, len(lines.slope) - 1))
    post = int(np.clip(boundary + gap, 0, len(lines.slope) - 1))
    js = np.arange(max(1, boundary - gap), min(len(t), boundary + gap))
    before, after = lines.at(pre, t[js]), lines.at(post, t[js])
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (x[js] - before) / (after - before)
    left = (frac > SPAN_FRACTION) & (np.abs(x[js] - before) > ONSET_SIGMAS * sigma)
    # Onset: the first set from which every later one has left the pre-burn trend.
    stayed = np.flip(np.logical_and.accumulate(np.flip(left)))
    if not stayed.any():
        return boundary, boundary
    onset = int(np.argmax(stayed))
    reached = np.nonzero(frac[onset:] >= 1.0 - SPAN_FRACTION)[0]
    settled = onset + int(reached[0]) if len(reached) else onset
    return int(js[onset]), int(js[settled])


def _maneuver(series: ElementSeries, channels, k: int, w: int, onset: int, settled: int, phase_sigma: float,
              config: DetectorConfig) -> Maneuver:
    t = series.t_day
    first_post = onset
    t_burn, method, rate_change = crossing_time_day(t, series.phase_rad, first_post, skip=settled - first_post,
                                                    points=min(config.timing_points, w + 1))
    pre_win = max(0, first_post - w)
    post_win = min(settled, len(t) - w)
    deltas = [float(lines.at(post_win, t_burn) - lines.at(pre_win, t_burn)) for _, lines, *_ in channels]
    sigma_a, sigma_i = float(channels[0][3][k]), float(channels[1][3][k])
    z_a, z_i = abs(deltas[0]) / sigma_a, abs(deltas[1]) / sigma_i
    a = float(series.a_km[first_post - 1])
    # A change within the noise of its channel is not part of the burn's size.
    sized = [d if z >= config.z_threshold else 0.0 for d, z in zip(deltas, (z_a, z_i))]
    total, along, normal = delta_v_m_s(a, *sized)
    # Kepler's third law: a burn that changed a by Δa changed the along-track rate by -3/2 n Δa / a.
    expected = -1.5 * sized[0] / a * float(series.mean_motion_rev_day[first_post - 1]) * 2.0 * np.pi
    ratio = rate_change / expected if expected and np.isfinite(rate_change) else None
    if expected and ratio is None:
        ratio = float("inf")  # Δa with too few sets to check the along-track motion: not confirmed
    rate_sigma = rate_change_sigma(t, first_post, phase_sigma, skip=settled - first_post,
                                   points=min(config.timing_points, w + 1))
    if method == "crossing" and expected:
        refined = continuity_time_day(t, series.phase_rad, first_post, expected, skip=settled - first_post,
                                      points=min(config.timing_points, w + 1))
        if refined is not None:
            t_burn, method = refined, "continuity"
    drift_before = drift_after = None
    if series.geo:
        drift = series.longitude_drift_deg_day()
        drift_before = float(np.median(drift[max(0, first_post - config.timing_points):first_post]))
        drift_after = float(np.median(drift[settled:settled + config.timing_points]))
    kind = classify(geo=series.geo, delta_a_km=sized[0], along_m_s=along, normal_m_s=normal,
                    drift_before_deg_day=drift_before or 0.0, drift_after_deg_day=drift_after or 0.0)
    zmax = max(z_a, z_i)
    confidence = zmax**2 / (zmax**2 + config.z_threshold**2)
    if method != "crossing":
        confidence *= 0.9
    t0_us = int(series.epochs_us[0])
    return Maneuver(
        norad_id=series.norad_id,
        time_us=t0_us + int(round(t_burn * US_PER_DAY)),
        window_start_us=int(series.epochs_us[first_post - 1]),
        window_stop_us=int(series.epochs_us[first_post]),
        kind=kind,
        confidence=round(float(confidence), 4),
        delta_v_m_s=total,
        delta_v_along_track_m_s=along,
        delta_v_normal_m_s=normal,
        delta_a_km=deltas[0],
        delta_i_deg=deltas[1],
        z_a=z_a,
        z_i=z_i,
        sigma_a_km=sigma_a,
        sigma_i_deg=sigma_i,
        z_threshold=config.z_threshold,
        drift_before_deg_day=drift_before,
        drift_after_deg_day=drift_after,
        timing_method=method,
        pre_index=int(series.index[first_post - 1]),
        post_index=int(series.index[first_post]),
        spanning_indices=tuple(int(i) for i in series.index[first_post:settled]),
        phase_rate_change_rad_day=rate_change if np.isfinite(rate_change) else None,
        phase_rate_ratio=ratio,
        phase_rate_sigma_rad_day=rate_sigma if np.isfinite(rate_sigma) else None,
        evidence_start_us=int(series.epochs_us[pre_win]),
        evidence_stop_us=int(series.epochs_us[min(len(t), post_win + w) - 1]),
    )
