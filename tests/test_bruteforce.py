"""Brute-force screening: constructed encounters checked against a dense 1 ms SGP4 scan,
window edges, SGP4 failures, and step independence on real catalog objects."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from sda.analyses.screening.bruteforce import screen_bruteforce
from sda.core.frames import to_rtn
from sda.core.times import parse_utc_us
from sda.ingest.tle import iter_tle
from sda.propagation.sgp4 import propagate

CATALOG = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tle" / "catalog"
           / "spacetrack_full_catalog_3le_2022-01-22.txt").resolve()

TCA_TOL_US = 10_000  # 10 ms
MISS_TOL_KM = 1e-3  # 1 m


@pytest.fixture(scope="module")
def catalog():
    return [e for e in iter_tle(CATALOG.read_text().splitlines()) if not isinstance(e, Exception)]


@pytest.fixture(scope="module")
def pair(catalog):
    """ISS elements (from its TLE values, without the lines) and a copy with the
    inclination raised by 3 degrees: the same node, period phase and shape, so both
    cross the equator together every half orbit, 0.4 km/s apart."""
    iss = next(e for e in catalog if e.norad_id == 25544)
    a = dataclasses.replace(iss, tle_line1=None, tle_line2=None)
    b = dataclasses.replace(a, norad_id=90001, inclination_deg=a.inclination_deg + 3.0)
    return a, b


def _node_crossings_us(es, start_us: int, stop_us: int) -> list[int]:
    """Times (µs) where the object crosses the equator (TEME z = 0), 1 s scan then brentq."""
    t = np.arange(start_us, stop_us, 1_000_000)
    z = propagate([es], t).position_km[0, :, 2]
    out = []
    for k in np.flatnonzero(np.sign(z[:-1]) != np.sign(z[1:])):
        def z_at(s, k=k):
            return propagate([es], np.array([t[k] + round(s * 1e6)])).position_km[0, 0, 2]
        out.append(int(t[k] + round(brentq(z_at, 0.0, 1.0, xtol=1e-6) * 1e6)))
    return out


def _dense_minimum(a, b, tca_us: int, half_width_us: int = 2_000_000):
    """TCA (µs) and miss (km) of a 1 ms scan of the range around ``tca_us``."""
    t = tca_us + np.arange(-half_width_us, half_width_us + 1, 1_000)
    st = propagate([a, b], t)
    d = np.linalg.norm(st.position_km[1] - st.position_km[0], axis=1)
    k = int(np.argmin(d))
    assert 0 < k < len(t) - 1, "range minimum at the edge of the dense scan"
    return int(t[k]), float(d[k])


def test_constructed_encounters_match_dense_scan(pair):
    a, b = pair
    start, window_s = a.epoch_us, 7200.0
    events = screen_bruteforce([a, b], start_us=start, window_s=window_s, threshold_km=10.0)
    nodes = _node_crossings_us(a, start, start + int(window_s * 1e6))
    assert len(events) >= 2  # the orbits drift apart: the first node crossings are within 10 km
    for c in events:
        tca_us, miss_km = _dense_minimum(a, b, c.tca_us)
        assert abs(c.tca_us - tca_us) <= TCA_TOL_US
        assert abs(c.miss_distance_km - miss_km) <= MISS_TOL_KM
        # the encounter is at a node of the ISS: within 5 s of its equator crossing
        assert min(abs(c.tca_us - n) for n in nodes) <= 5_000_000
        # the reported fields are self-consistent
        st = propagate([a, b], np.array([c.tca_us]))
        np.testing.assert_allclose(c.state_1[:3], st.position_km[0, 0], atol=1e-9)
        np.testing.assert_allclose(c.state_2[3:], st.velocity_km_s[1, 0], atol=1e-12)
        dr = c.state_2[:3] - c.state_1[:3]
        rtn, _ = to_rtn(dr, c.state_2[3:] - c.state_1[3:], c.state_1[:3], c.state_1[3:])
        np.testing.assert_allclose(c.miss_rtn_km, rtn, atol=1e-12)
        assert abs(np.linalg.norm(c.miss_rtn_km) - c.miss_distance_km) < 1e-9
        assert 0.3 < c.relative_speed_km_s < 0.5  # 3 degrees at 7.66 km/s: 0.40 km/s
        assert (c.norad_id_1, c.norad_id_2) == (25544, 90001)
        assert c.miss_distance_km <= 10.0
    # the first encounter, at the first node after epoch, is the closest
    assert events[0].miss_distance_km < 2.0


def test_window_edges(pair):
    a, b = pair
    first = screen_bruteforce([a, b], start_us=a.epoch_us, window_s=7200.0, threshold_km=10.0)[0]
    window_to = (first.tca_us - a.epoch_us) / 1e6
    # the window ends 1 s before TCA: the pair is still closing there, TCA is outside
    early = screen_bruteforce([a, b], start_us=a.epoch_us, window_s=window_to - 1.0, threshold_km=10.0)
    assert not any(abs(c.tca_us - first.tca_us) < 60e6 for c in early)
    # the window ends 1 s after TCA: found, with the same TCA to 10 ms
    late = screen_bruteforce([a, b], start_us=a.epoch_us, window_s=window_to + 1.0, threshold_km=10.0)
    assert abs(late[-1].tca_us - first.tca_us) <= TCA_TOL_US
    # the window starts 1 s after TCA: the pair is already receding, nothing there
    after = screen_bruteforce([a, b], start_us=first.tca_us + 1_000_000, window_s=600.0, threshold_km=10.0)
    assert after == []


def test_primaries_and_failed_objects(pair):
    a, b = pair
    # an object below the surface fails in SGP4 at every time; it must be skipped
    sunk = dataclasses.replace(a, norad_id=90002, mean_motion_rev_day=17.5, raan_deg=a.raan_deg + 90.0)
    assert np.isnan(propagate([sunk], np.array([a.epoch_us])).position_km).all()
    both = screen_bruteforce([a, sunk, b], start_us=a.epoch_us, window_s=7200.0, threshold_km=10.0)
    plain = screen_bruteforce([a, b], start_us=a.epoch_us, window_s=7200.0, threshold_km=10.0)
    assert [(c.norad_id_1, c.norad_id_2, c.tca_us) for c in both] == [
        (c.norad_id_1, c.norad_id_2, c.tca_us) for c in plain]
    # with the second object as primary it becomes object 1
    prim = screen_bruteforce([a, b], start_us=a.epoch_us, window_s=7200.0, threshold_km=10.0, primaries=[90001])
    assert [(c.norad_id_1, c.norad_id_2) for c in prim] == [(90001, 25544)] * len(plain)
    assert [abs(p.tca_us - c.tca_us) <= 1 for p, c in zip(prim, plain)] == [True] * len(plain)
    np.testing.assert_allclose([c.miss_distance_km for c in prim], [c.miss_distance_km for c in plain], atol=1e-9)


def test_step_10s_and_2s_give_the_same_events(catalog):
    """200 real objects (the first 100 COSMOS 1408 debris and the first 100 Starlinks by
    catalog order), 2 h, 50 km: crossing debris and co-moving trains."""
    objects = ([e for e in catalog if e.name and "COSMOS 1408 DEB" in e.name][:100]
               + [e for e in catalog if e.name and "STARLINK" in e.name][:100])
    start = parse_utc_us("2022-01-22T00:00:00Z")
    coarse = screen_bruteforce(objects, start_us=start, window_s=7200.0, threshold_km=50.0, step_s=10.0)
    fine = screen_bruteforce(objects, start_us=start, window_s=7200.0, threshold_km=50.0, step_s=2.0)
    assert len(coarse) >= 20
    assert len(coarse) == len(fine)
    for c, f in zip(coarse, fine):
        assert (c.norad_id_1, c.norad_id_2) == (f.norad_id_1, f.norad_id_2)
        assert abs(c.tca_us - f.tca_us) <= TCA_TOL_US
        assert abs(c.miss_distance_km - f.miss_distance_km) <= MISS_TOL_KM
    speeds = [c.relative_speed_km_s for c in coarse]
    assert min(speeds) < 0.1 and max(speeds) > 10.0  # both kinds of encounter are in the set
