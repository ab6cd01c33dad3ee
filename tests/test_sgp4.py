"""Vectorized SGP4 (``sda.propagation.sgp4``) against Vallado's verification set and scalar SGP4.

References (``../shared/data``, see its README):

* ``sgp4_verification/SGP4-VER.TLE`` and ``tcppver.out``: the 33 verification cases of
  Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3", AIAA 2006-6753,
  and the output of their C++ program ``testcpp`` (minutes since epoch, TEME km, km/s).
* ``tle/catalog/spacetrack_full_catalog_3le_2022-01-22.txt``: the public catalog of
  2022-01-22 (23,939 objects).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pytest
import sgp4.api
from sgp4.api import Satrec, SatrecArray

import sda.propagation.sgp4 as sgp4_module
from sda.catalog.records import ElementSet
from sda.core.times import US_PER_DAY, parse_utc_us, us_to_jd_fr
from sda.ingest.tle import iter_tle
from sda.propagation.sgp4 import (
    DEFAULT_MAX_STATES,
    accelerated,
    iter_chunks,
    propagate,
    propagate_minutes,
    satrec_of,
    warn_if_not_accelerated,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
VERIFICATION = DATA / "sgp4_verification"
CATALOG = DATA / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt"

POSITION_TOL_KM = 1e-6  # 1 mm, required for every row of tcppver.out
VELOCITY_TOL_KM_S = 1e-9  # 1 µm/s: the last printed digit of tcppver.out velocities
SCALAR_TOL_KM = 1e-9  # vectorized vs scalar Satrec.sgp4 (same C++ code)
SGP4INIT_TOL_KM = 1e-6  # 1 mm: sgp4init from elements vs twoline2rv of the same TLE


# ---- reading the verification set ------------------------------------------------------
def read_verification_cases(path: Path) -> list[tuple[str, str, float, float, float]]:
    """``(line1, line2, start_min, stop_min, step_min)`` of each case of SGP4-VER.TLE.

    Line 2 carries the case's start, stop and step (minutes) after column 69.
    """
    cases = []
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("1 "):
            line2 = lines[i + 1]
            start, stop, step = (float(x) for x in line2[69:].split())
            cases.append((line, line2[:69], start, stop, step))
    return cases


def read_tcppver(path: Path) -> list[tuple[int, np.ndarray]]:
    """``(satnum, rows)`` of each case of tcppver.out; ``rows`` is ``(k, 7)``: minutes, r (km), v (km/s).

    A case opens with a ``<satnum> xx`` line; each following line starts with the
    minutes since epoch, the TEME position and velocity (later columns, osculating
    elements and the date, are not used).
    """
    cases: list[tuple[int, list[list[float]]]] = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[1:2] == ["xx"]:
            cases.append((int(fields[0]), []))
        else:
            cases[-1][1].append([float(x) for x in fields[:7]])
    return [(satnum, np.array(rows).reshape(-1, 7)) for satnum, rows in cases]


def grid_minutes(start: float, stop: float, step: float) -> np.ndarray:
    """Times (minutes since epoch) at which testcpp evaluates a case, in its order.

    The epoch first, then ``start, start + step, ...`` (``step, 2 step, ...`` when
    ``start`` is 0), the last one clamped to ``stop``.
    """
    times = [0.0]
    t = start - step if abs(start) > 1e-8 else start
    while t < stop:
        t = min(t + step, stop)
        times.append(t)
    return np.array(times)


def test_verification_set_through_satrecarray():
    cases = read_verification_cases(VERIFICATION / "SGP4-VER.TLE")
    reference = read_tcppver(VERIFICATION / "tcppver.out")
    assert len(cases) == len(reference) == 33

    satrecs = [Satrec.twoline2rv(l1, l2) for l1, l2, *_ in cases]
    grids = [grid_minutes(*case[2:]) for case in cases]
    # One batch for all 33 objects over the union of their times.
    all_minutes = np.unique(np.concatenate(grids))
    result = propagate_minutes(satrecs, all_minutes)

    worst_r_km = worst_v_km_s = 0.0
    rows_compared = stops_checked = 0
    previous_last_row = None
    for k, ((satnum, rows), sat, grid) in enumerate(zip(reference, satrecs, grids)):
        assert satnum == sat.satnum
        cols = np.searchsorted(all_minutes, grid)
        r = result.position_km[k, cols]
        v = result.velocity_km_s[k, cols]
        e = result.error[k, cols]
        # When SGP4 cannot even start (error at the epoch), testcpp prints the previous
        # case's last vector again as this case's only row: the reference stops at row 0.
        stale = (
            previous_last_row is not None and len(rows) == 1 and np.array_equal(rows[0, 1:], previous_last_row[1:])
        )
        n_good = 0 if stale else len(rows)
        previous_last_row = rows[-1]

        np.testing.assert_allclose(rows[:n_good, 0], grid[:n_good], rtol=0, atol=1e-8)
        assert (e[:n_good] == 0).all(), f"{satnum}: unexpected SGP4 error where the reference has a row"
        dr = np.abs(r[:n_good] - rows[:n_good, 1:4]).max(initial=0.0)
        dv = np.abs(v[:n_good] - rows[:n_good, 4:7]).max(initial=0.0)
        assert dr <= POSITION_TOL_KM, f"{satnum}: position off by {dr * 1e6:.4f} mm"
        assert dv <= VELOCITY_TOL_KM_S, f"{satnum}: velocity off by {dv * 1e6:.4f} mm/s"
        worst_r_km, worst_v_km_s = max(worst_r_km, dr), max(worst_v_km_s, dv)
        rows_compared += n_good
        if n_good < len(grid):  # the reference stops here: we must fail at the same time
            assert e[n_good] != 0, f"{satnum}: reference stops at {grid[n_good]} min, SGP4 reports no error"
            assert np.isnan(r[n_good]).all() and np.isnan(v[n_good]).all()
            stops_checked += 1

    # Every data row of the file was compared (700 lines less 33 headers, less the
    # one stale row), and the cases that stop early stopped where the reference does.
    assert rows_compared == 700 - 33 - 1
    assert stops_checked == 7
    print(f"verification set: {rows_compared} rows, worst |dr| {worst_r_km * 1e6:.5f} mm, "
          f"worst |dv| {worst_v_km_s * 1e6:.6f} mm/s, {stops_checked} early stops")


def test_appendix_c_satellite_three_days_after_epoch_in_utc_microseconds():
    # AIAA 2006-6753 Appendix C propagates 00005 to 3 days (4320 min) after its epoch:
    # TEME r = (-9060.47373569, 4658.70952502, 813.68673153) km,
    #      v = (-2.232832783, -4.110453490, -3.157345433) km/s
    # (quoted in skyfield's tests/test_earth_satellites.py::test_appendix_c_satellite;
    # also the 4320.0 row of tcppver.out). Here through UTC microseconds, not minutes.
    l1, l2, *_ = read_verification_cases(VERIFICATION / "SGP4-VER.TLE")[0]
    es = ElementSet.from_tle(l1, l2)
    assert es.norad_id == 5
    result = propagate([es], np.array([es.epoch_us + 3 * US_PER_DAY]))
    r, v = result.position_km[0, 0], result.velocity_km_s[0, 0]
    assert result.error[0, 0] == 0
    assert np.abs(r - [-9060.47373569, 4658.70952502, 813.68673153]).max() <= POSITION_TOL_KM
    assert np.abs(v - [-2.232832783, -4.110453490, -3.157345433]).max() <= VELOCITY_TOL_KM_S


# ---- the catalog: vectorized vs scalar, sgp4init vs twoline2rv -------------------------
@pytest.fixture(scope="module")
def catalog_sample():
    """Every 75th object of the 2022-01-22 catalog (320 element sets) and a day of 5-minute times."""
    with CATALOG.open() as f:
        sets = [es for es in iter_tle(f, file=CATALOG.name)]
    assert not [e for e in sets if isinstance(e, Exception)]
    sample = sets[::75]
    start = parse_utc_us("2022-01-22T00:00:00Z")
    epochs_us = start + np.arange(0, 86_400 + 1, 300, dtype=np.int64) * 1_000_000
    return sample, epochs_us


def scalar_states(satrecs, epochs_us):
    jd, fr = us_to_jd_fr(epochs_us)
    e = np.zeros((len(satrecs), len(jd)), dtype=np.uint8)
    r = np.empty((len(satrecs), len(jd), 3))
    v = np.empty((len(satrecs), len(jd), 3))
    for i, sat in enumerate(satrecs):
        for j in range(len(jd)):
            e[i, j], r[i, j], v[i, j] = sat.sgp4(jd[j], fr[j])
    return e, r, v


def test_vectorized_matches_scalar_sgp4(catalog_sample):
    sets, epochs_us = catalog_sample
    assert len(sets) == 320 and len(epochs_us) == 289
    result = propagate(sets, epochs_us)
    e, r, v = scalar_states([satrec_of(es) for es in sets], epochs_us)
    assert result.position_km.shape == (320, 289, 3) and result.error.dtype == np.uint8
    np.testing.assert_array_equal(result.error, e)
    good = e == 0
    assert np.abs(result.position_km[good] - r[good]).max() <= SCALAR_TOL_KM
    assert np.abs(result.velocity_km_s[good] - v[good]).max() <= SCALAR_TOL_KM
    assert np.isnan(result.position_km[~good]).all()
    # Small blocks, and a SatrecArray built once, give the same arrays.
    for other in (propagate(sets, epochs_us, max_states=1000),
                  propagate(SatrecArray([satrec_of(es) for es in sets]), epochs_us, max_states=5000)):
        np.testing.assert_array_equal(other.error, result.error)
        np.testing.assert_array_equal(other.position_km, result.position_km)
        np.testing.assert_array_equal(other.velocity_km_s, result.velocity_km_s)


def test_sgp4init_from_elements_matches_twoline2rv(catalog_sample):
    sets, epochs_us = catalog_sample
    from_elements = [dataclasses.replace(es, tle_line1=None, tle_line2=None) for es in sets]
    a = propagate(sets, epochs_us)
    b = propagate(from_elements, epochs_us)
    np.testing.assert_array_equal(a.error, b.error)
    good = a.error == 0
    dr = np.abs(a.position_km[good] - b.position_km[good]).max()
    assert dr <= SGP4INIT_TOL_KM, f"sgp4init differs from twoline2rv by {dr * 1e6:.4f} mm"


def test_failed_states_are_nan_with_their_code():
    # Cases of SGP4-VER.TLE meant to fail: 33334 cannot start (code 3 at the epoch),
    # 28872 decays (code 6) 55 min after its epoch, where SGP4 itself still returns
    # numbers; every failed state must be NaN with the code scalar SGP4 reports.
    cases = {c[0][2:7]: c for c in read_verification_cases(VERIFICATION / "SGP4-VER.TLE")}
    sats = [Satrec.twoline2rv(*cases[n][:2]) for n in ("00005", "33334", "28872")]
    minutes = np.array([0.0, 50.0, 55.0, 60.0])
    result = propagate_minutes(sats, minutes)
    codes = np.array([[sat.sgp4_tsince(t)[0] for t in minutes] for sat in sats])
    np.testing.assert_array_equal(result.error, codes)
    assert codes[0].tolist() == [0, 0, 0, 0] and codes[1, 0] == 3 and codes[2].tolist() == [0, 0, 6, 6]
    failed = codes != 0
    assert np.isnan(result.position_km[failed]).all() and np.isnan(result.velocity_km_s[failed]).all()
    assert np.isfinite(result.position_km[~failed]).all() and np.isfinite(result.velocity_km_s[~failed]).all()


# ---- chunking and the accelerator check --------------------------------------------------
@pytest.mark.parametrize("n_objects,n_times,max_states", [(7, 5, 12), (3, 20, 7), (0, 4, 10), (5, 0, 10), (1, 1, 1)])
def test_iter_chunks_cover_everything_once_within_the_bound(n_objects, n_times, max_states):
    seen = np.zeros((n_objects, n_times), dtype=int)
    for objects, times in iter_chunks(n_objects, n_times, max_states):
        block = seen[objects, times]
        assert 0 < block.size <= max_states
        seen[objects, times] += 1
    assert (seen == 1).all()


def test_default_block_bound():
    assert DEFAULT_MAX_STATES == 1_000_000
    blocks = list(iter_chunks(20_000, 289))
    assert all((o.stop - o.start) * (t.stop - t.start) <= DEFAULT_MAX_STATES for o, t in blocks)


def test_accelerated_reports_sgp4_api_flag_and_fallback_warns_once(monkeypatch):
    assert accelerated() is bool(sgp4.api.accelerated)
    monkeypatch.setattr(sgp4.api, "accelerated", False)
    monkeypatch.setattr(sgp4_module, "_fallback_warned", False)
    assert accelerated() is False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_not_accelerated()
        warn_if_not_accelerated()
    assert [w.category for w in caught] == [RuntimeWarning]
    assert "pure-Python" in str(caught[0].message)
