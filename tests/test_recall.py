"""Recall measurement: matching rule, edge band, false events, and the sgp4 re-check."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sda.analyses.screening.bruteforce import screen_bruteforce
from sda.analyses.screening.recall import match_events, recheck, union_events
from sda.catalog.records import Conjunction
from sda.ingest.tle import iter_tle

CATALOG = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "tle" / "catalog"
           / "spacetrack_full_catalog_3le_2022-01-22.txt").resolve()
T0 = 1_642_809_600_000_000  # 2022-01-22T00:00:00Z
S = 1_000_000


def ev(a: int, b: int, t_s: float, miss_km: float) -> Conjunction:
    return Conjunction(norad_id_1=a, norad_id_2=b, tca_us=T0 + round(t_s * S), miss_distance_km=miss_km,
                       relative_speed_km_s=10.0, miss_rtn_km=np.zeros(3), state_1=np.zeros(6), state_2=np.zeros(6))


def test_perfect_match_with_swapped_pair_and_tca_offset():
    ref = [ev(1, 2, 100, 1.0), ev(3, 4, 500, 4.0)]
    found = [ev(2, 1, 130, 1.0004), ev(3, 4, 500.002, 4.0)]  # same unordered pair, TCA 30 s off
    rep = match_events(found, ref, threshold_km=5.0)
    assert rep.recall == 1.0 and rep.precision == 1.0
    assert len(rep.matched) == 2 and rep.missed == [] and rep.false == [] and rep.extra == []
    assert rep.worst_tca_diff_s == pytest.approx(30.0, abs=1e-6)
    assert rep.worst_miss_diff_m == pytest.approx(0.4, abs=1e-9)


def test_missed_false_extra_and_tca_tolerance():
    ref = [ev(1, 2, 100, 1.0), ev(1, 2, 6000, 2.0), ev(5, 6, 0, 3.0), ev(7, 8, 0, 4.9)]
    found = [
        ev(1, 2, 161, 1.0),  # 61 s from the reference: not a match
        ev(1, 2, 6000, 2.0),  # match
        ev(5, 6, 0, 3.0),  # match
        ev(9, 10, 50, 5.002),  # 2 m beyond the threshold: false
        ev(11, 12, 50, 0.5),  # true event the reference lacks: extra, not false
    ]
    rep = match_events(found, ref, threshold_km=5.0)
    assert rep.n_reference == 4
    assert [(c.norad_id_1, c.norad_id_2, c.tca_us) for c in rep.missed] == [(1, 2, T0 + 100 * S), (7, 8, T0)]
    assert rep.recall == pytest.approx(2 / 4)
    assert [(c.norad_id_1, c.norad_id_2) for c in rep.false] == [(9, 10)]
    assert [(c.norad_id_1, c.norad_id_2) for c in rep.extra] == [(1, 2), (11, 12)]  # (1,2)@161 is a true event
    assert rep.n_found == 5 and rep.precision == pytest.approx(1 - 1 / 5)


def test_events_within_one_metre_of_threshold_count_neither_way():
    ref = [ev(1, 2, 0, 4.9995), ev(3, 4, 0, 5.0008), ev(5, 6, 0, 4.9985)]  # 0.5 m in, 0.8 m out, 1.5 m in
    found = [ev(7, 8, 0, 5.0009), ev(9, 10, 0, 5.0011)]  # 0.9 m out (edge), 1.1 m out (false)
    rep = match_events(found, ref, threshold_km=5.0)
    assert rep.n_edge_reference == 2 and rep.n_reference == 1
    assert [(c.norad_id_1, c.norad_id_2) for c in rep.missed] == [(5, 6)]
    assert rep.n_edge_found == 1 and rep.n_found == 1
    assert [(c.norad_id_1, c.norad_id_2) for c in rep.false] == [(9, 10)]
    # a wider edge band takes the 1.5 m event out too
    wide = match_events(found, ref, threshold_km=5.0, edge_m=2.0)
    assert wide.n_reference == 0 and wide.recall == 1.0 and wide.false == []


def test_one_to_one_matching_and_union():
    ref = [ev(1, 2, 0, 1.0), ev(1, 2, 40, 1.0)]
    found = [ev(1, 2, 20, 1.0)]  # within 60 s of both: matches one only
    rep = match_events(found, ref, threshold_km=5.0)
    assert len(rep.matched) == 1 and len(rep.missed) == 1
    merged = union_events([ev(1, 2, 0, 1.0)], [ev(2, 1, 30, 1.0), ev(1, 2, 200, 1.0), ev(3, 4, 0, 2.0)])
    assert [(c.norad_id_1, c.tca_us) for c in merged] == [(1, T0), (1, T0 + 200 * S), (3, T0)]


def test_recheck_with_sgp4_flags_wrong_reports():
    """Reports of two real encounters (ISS and an ISS-like orbit 3 degrees more inclined)
    altered in TCA or miss: the re-check restores SGP4's values."""
    sets = [e for e in iter_tle(CATALOG.read_text().splitlines()) if not isinstance(e, Exception)]
    iss = dataclasses.replace(next(e for e in sets if e.norad_id == 25544), tle_line1=None, tle_line2=None)
    other = dataclasses.replace(iss, norad_id=90001, inclination_deg=iss.inclination_deg + 3.0)
    pair = [iss, other]
    truth = screen_bruteforce(pair, start_us=iss.epoch_us, window_s=5400.0, threshold_km=10.0)
    assert len(truth) == 2
    first, second = truth
    shifted = dataclasses.replace(first, tca_us=first.tca_us + 20 * S, miss_distance_km=0.1)  # reported wrongly
    far = second  # reported as it is
    nowhere = dataclasses.replace(first, tca_us=first.tca_us + 600 * S)  # no range minimum within 60 s
    checked = recheck([shifted, far, nowhere], pair)
    assert abs(checked[0].tca_us - first.tca_us) <= 10_000  # 10 ms
    assert abs(checked[0].miss_distance_km - first.miss_distance_km) <= 1e-3  # 1 m
    assert abs(checked[1].miss_distance_km - second.miss_distance_km) <= 1e-3
    assert checked[2] is None
    # judged at 4 km: the second encounter (about 5 km) is a false report, the shifted one is true
    assert first.miss_distance_km < 4.0 < second.miss_distance_km - 0.001
    rep = match_events([shifted, far, nowhere], [first], threshold_km=4.0, sets=pair)
    assert rep.recall == 1.0 and rep.worst_tca_diff_s == pytest.approx(20.0, abs=0.01)
    assert [c.tca_us for c in rep.false] == [far.tca_us, nowhere.tca_us]


def test_objects_sharing_one_element_set_count_neither_way():
    """Docked vehicles published with one element set: range 0 at every time, no TCA."""
    sets = [e for e in iter_tle(CATALOG.read_text().splitlines()) if not isinstance(e, Exception)]
    iss = dataclasses.replace(next(e for e in sets if e.norad_id == 25544), tle_line1=None, tle_line2=None)
    docked = dataclasses.replace(iss, norad_id=90003)
    pair = [iss, docked]
    ev_docked = dataclasses.replace(ev(25544, 90003, 0, 0.0), tca_us=iss.epoch_us + 180 * S)
    assert recheck([ev_docked], pair) == [None]
    as_found = match_events([ev_docked], [], threshold_km=5.0, sets=pair)
    assert as_found.false == [] and as_found.n_no_minimum_found == 1 and as_found.n_found == 0
    as_reference = match_events([], [ev_docked], threshold_km=5.0, sets=pair)
    assert as_reference.n_reference == 0 and as_reference.n_no_minimum_reference == 1 and as_reference.recall == 1.0
    # moved 600 s off a real event: no minimum within 60 s and the range is far beyond 5 km: false
    other = dataclasses.replace(iss, norad_id=90001, inclination_deg=iss.inclination_deg + 3.0)
    real = screen_bruteforce([iss, other], start_us=iss.epoch_us, window_s=3000.0, threshold_km=5.0)[0]
    off = dataclasses.replace(real, tca_us=real.tca_us + 600 * S)
    rep = match_events([off], [], threshold_km=5.0, sets=[iss, other])
    assert rep.false == [off] and rep.n_no_minimum_found == 0
