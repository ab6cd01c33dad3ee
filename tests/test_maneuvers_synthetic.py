"""Maneuver estimators on synthetic element-set histories with known burns.

Histories are generated from a piecewise orbit: mean motion (and inclination) change
at known burn times while the along-track phase stays continuous, as it does through
an impulse; each element set adds Gaussian noise of stated size. Tolerances are
stated in the units of each check.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sda.analyses.maneuvers import DetectorConfig, detect_maneuvers, element_series
from sda.analyses.maneuvers.classify import delta_v_m_s
from sda.core.orbits import semi_major_axis_from_tle_km
from sda.catalog.records import ElementSet
from sda.core.orbits import MU_KM3_S2
from sda.core.times import US_PER_DAY, parse_utc_us

T0_US = parse_utc_us("2021-01-01T00:00:00Z")


def _mean_motion_of(a_km: float, inc_deg: float, ecc: float = 0.001) -> float:
    """Kozai mean motion (rev/day) whose SGP4 mean semi-major axis is ``a_km`` (Newton on the inverse)."""
    n = math.sqrt(MU_KM3_S2 / a_km**3) * 86400 / (2 * math.pi)
    for _ in range(20):
        a = float(semi_major_axis_from_tle_km(n, ecc, inc_deg))
        n *= (a / a_km) ** 1.5
    return n


def synthetic_history(*, a0_km: float, inc0_deg: float, burns: list[tuple[float, float, float]], days: int,
                      sigma_a_km: float, sigma_i_deg: float, sigma_phase_rad: float, decay_km_day: float = 0.0,
                      outliers: tuple[int, ...] = (), seed: int = 1, raan_deg: float = 0.0,
                      artefacts: tuple[tuple[float, float], ...] = ()) -> list[ElementSet]:
    """Element sets about once a day (epochs jittered ±4 h) of an orbit with ``burns``
    ``(day, Δa km, Δi deg)``; ``outliers`` are indices of sets given a 30 σ error in a;
    ``artefacts`` ``(day, Δa km)`` shift the published semi-major axis from that day on
    while the object keeps moving as before (a fit artefact, no burn)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days) + rng.uniform(-4, 4, days) / 24.0
    t.sort()
    out = []
    phase_rev, t_prev = 0.0, 0.0
    for k, tk in enumerate(t):
        applied = [b for b in burns if b[0] <= tk]
        a = a0_km + decay_km_day * tk + sum(b[1] for b in applied)
        inc = inc0_deg + sum(b[2] for b in applied)
        # Integrate the true mean motion piecewise between epochs and burns (phase continuous).
        edges = [t_prev] + [b[0] for b in burns if t_prev < b[0] <= tk] + [tk]
        for lo, hi in zip(edges[:-1], edges[1:]):
            mid = 0.5 * (lo + hi)
            a_mid = a0_km + decay_km_day * mid + sum(b[1] for b in burns if b[0] <= mid)
            phase_rev += math.sqrt(MU_KM3_S2 / a_mid**3) * 86400 / (2 * math.pi) * (hi - lo)
        t_prev = tk
        a_obs = (a + rng.normal(0, sigma_a_km) + (30 * sigma_a_km if k in outliers else 0.0)
                 + sum(da for day, da in artefacts if day <= tk))
        inc_obs = inc + rng.normal(0, sigma_i_deg)
        n = _mean_motion_of(a_obs, inc_obs)
        mean_anomaly = (phase_rev * 360.0 + math.degrees(rng.normal(0, sigma_phase_rad))) % 360.0
        out.append(ElementSet(norad_id=99001, epoch_us=T0_US + int(round(tk * US_PER_DAY)), mean_motion_rev_day=n,
                              eccentricity=0.001, inclination_deg=inc_obs, raan_deg=raan_deg, arg_perigee_deg=0.0,
                              mean_anomaly_deg=mean_anomaly))
    return out


LEO_BURNS = [(40.3, 0.050, 0.0), (95.7, -0.045, 0.0), (150.45, 0.0, 0.006), (210.2, 0.120, 0.0)]


def test_leo_burns_found_timed_and_sized():
    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=LEO_BURNS, days=260, sigma_a_km=0.002,
                             sigma_i_deg=0.0002, sigma_phase_rad=2e-5, decay_km_day=-0.0004, outliers=(60, 180))
    found = detect_maneuvers(element_series(sets))
    assert len(found) == len(LEO_BURNS), [(m.time_us - T0_US) / US_PER_DAY for m in found]
    n_rad_s = math.sqrt(MU_KM3_S2 / 7080.0**3)
    for m, (day, da, di) in zip(found, LEO_BURNS):
        assert abs((m.time_us - T0_US) / US_PER_DAY - day) * 24 < 3.0  # hours
        if da:
            assert m.delta_a_km == pytest.approx(da, rel=0.1)
            assert m.delta_v_m_s == pytest.approx(abs(n_rad_s * da * 1000 / 2), rel=0.1)  # Δv = n Δa / 2
            assert m.kind == ("ORBIT_RAISE" if da > 0 else "ORBIT_LOWER")
        else:
            assert m.delta_i_deg == pytest.approx(di, rel=0.15)
            v = math.sqrt(MU_KM3_S2 / 7080.0) * 1000
            assert m.delta_v_m_s == pytest.approx(2 * v * math.sin(math.radians(di) / 2), rel=0.15)
            assert m.kind == "PLANE_CHANGE"


def test_noise_and_single_bad_sets_are_not_maneuvers():
    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=[], days=300, sigma_a_km=0.002, sigma_i_deg=0.0002,
                             sigma_phase_rad=2e-5, decay_km_day=-0.0004, outliers=(50, 51 + 70, 200), seed=7)
    assert detect_maneuvers(element_series(sets)) == []


def test_mean_motion_jump_without_along_track_change_is_an_artefact():
    """A step in the published a that the positions do not follow is not a burn; a real one is."""
    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=[(120.4, 0.05, 0.0)], days=200, sigma_a_km=0.002,
                             sigma_i_deg=0.0002, sigma_phase_rad=2e-5, decay_km_day=-0.0004,
                             artefacts=((60.5, 0.05),), seed=5)
    found = detect_maneuvers(element_series(sets))
    assert [round((m.time_us - T0_US) / US_PER_DAY) for m in found] == [120]
    assert found[0].phase_rate_ratio == pytest.approx(1.0, abs=0.2)


def test_short_history_gives_nothing_rather_than_guesses():
    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=[(5.0, 1.0, 0.0)], days=12, sigma_a_km=0.002,
                             sigma_i_deg=0.0002, sigma_phase_rad=2e-5)
    assert detect_maneuvers(element_series(sets), DetectorConfig()) == []


def test_geo_drift_start_stop_and_station_keeping():
    a_sync = (MU_KM3_S2 / (2 * math.pi / 86164.0905) ** 2) ** (1 / 3)
    # Drift of -0.35 deg/day needs Δa = 2/3 * a * 0.35/360.99 ~ +27 km above synchronous.
    burns = [(40.4, 27.0, 0.0), (80.6, -27.0, 0.0), (130.3, -1.2, 0.0)]
    sets = synthetic_history(a0_km=a_sync, inc0_deg=1.5, burns=burns, days=180, sigma_a_km=0.03,
                             sigma_i_deg=0.0005, sigma_phase_rad=2e-5, raan_deg=80.0, seed=3)
    series = element_series(sets)
    assert series.geo
    found = detect_maneuvers(series)
    assert [m.kind for m in found] == ["DRIFT_START", "DRIFT_STOP", "STATION_KEEPING_EW"]
    for m, (day, da, _) in zip(found, burns):
        assert abs((m.time_us - T0_US) / US_PER_DAY - day) * 24 < 3.0  # hours
        assert m.delta_a_km == pytest.approx(da, rel=0.05)
    assert found[0].drift_after_deg_day == pytest.approx(-0.3467, abs=0.01)  # deg/day
    assert abs(found[1].drift_after_deg_day) < 0.01


def test_delta_v_matches_hohmann_for_small_changes():
    """n Δa / 2 is the small-Δa limit of a Hohmann transfer's two burns (vis-viva)."""
    a1, a2 = 7000.0, 7001.0
    v1, v2 = math.sqrt(MU_KM3_S2 / a1), math.sqrt(MU_KM3_S2 / a2)
    at = 0.5 * (a1 + a2)
    hohmann = (math.sqrt(MU_KM3_S2 * (2 / a1 - 1 / at)) - v1) + (v2 - math.sqrt(MU_KM3_S2 * (2 / a2 - 1 / at)))
    total, along, normal = delta_v_m_s(a1, 1.0, 0.0)
    assert total == pytest.approx(hohmann * 1000, rel=1e-3) and normal == 0.0 and along > 0
    total, _, normal = delta_v_m_s(a1, 0.0, 1.0)  # 1 degree plane change: 2 v sin(0.5 deg)
    assert total == pytest.approx(2 * v1 * 1000 * math.sin(math.radians(0.5)), rel=1e-9)


def test_warning_carries_evidence_and_the_strictest_input_marking():
    from sda.analyses.maneuvers import maneuver_warnings
    from sda.catalog.records import DEFAULT_MARKING, Provenance, StoredElementSet

    sets = synthetic_history(a0_km=7080.0, inc0_deg=98.2, burns=[(60.4, 0.08, 0.0)], days=120, sigma_a_km=0.002,
                             sigma_i_deg=0.0002, sigma_phase_rad=2e-5, seed=11)
    restricted = '{"releasable_to":["KOR","USA"]}'

    def stored(i: int, es: ElementSet) -> StoredElementSet:
        # One set a few days after the burn is restricted; one far from it is releasable to no one.
        marking = restricted if i == 62 else ('{"releasable_to":[]}' if i == 5 else DEFAULT_MARKING)
        return StoredElementSet(1000 + i, es, Provenance("partner", "f.tle", "TEST", 0, es.content_hash, 1, marking,
                                                         "TLE"))

    history = [stored(i, es) for i, es in enumerate(sets)]
    found = detect_maneuvers(element_series(sets))
    assert len(found) == 1
    (w,) = maneuver_warnings(found, history, plot_path="p.svg")
    assert w.kind == "MANEUVER" and w.norad_id == 99001 and w.data_mode == "TEST"
    assert json.loads(w.marking) == {"releasable_to": ["KOR", "USA"]}
    ids = [e["id"] for e in w.evidence["element_sets"]]
    assert ids == [1000 + found[0].pre_index, 1000 + found[0].post_index] and ids[1] - ids[0] == 1
    assert w.evidence["plot"] == "p.svg" and w.evidence["class"] == "ORBIT_RAISE"
    assert w.evidence["delta_a_km"] == pytest.approx(0.08, rel=0.1)
    assert w.window_start_us <= w.time_us <= w.window_stop_us
