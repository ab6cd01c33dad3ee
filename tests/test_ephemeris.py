"""Ephemeris interpolation: exact at the nodes, NaN outside the useable span, checked three ways.

1. Leave-out on the real OEM samples, with each file's own INTERPOLATION settings: every
   other state is dropped and interpolated from the rest. The samples are coarse for a
   92-minute orbit (ISS every 60 min, OEMExample5 every 30 min; dropping states doubles
   that), so the errors reached are kilometres to thousands of kilometres; the bounds
   below are the measured values, asserted so that any change shows.
2. Against truth: exact two-body orbits (LEO and an e = 0.74 HEO), and an SGP4
   ephemeris of the ISS (TLE from the 2022-01-22 catalogue) at a 60 s step; every other
   state dropped and compared with the truth at the dropped times.
3. Against scipy's independent Hermite (Krogh) and barycentric Lagrange interpolators
   on the same windows of the real OEMExample5 states.

The blue-book OEM samples have made-up states (positions change by 6 km per minute while
the velocities say 280 km), so only node reproduction and the useable span are tested there.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.interpolate import BarycentricInterpolator, KroghInterpolator
from sgp4.api import Satrec

from sda.catalog.records import Ephemeris
from sda.core.times import parse_utc_us, us_to_jd_fr
from sda.errors import ParseError
from sda.ingest.oem import iter_oem_kvn, iter_oem_xml, write_oem_kvn
from sda.propagation.ephemeris import interpolate, useable_span_us

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
OEM = SHARED / "ccsds" / "oem"


def _segments(path: Path) -> list[Ephemeris]:
    it = iter_oem_xml(path.read_bytes()) if path.suffix == ".xml" else iter_oem_kvn(path.read_text())
    return [r for r in it if not isinstance(r, ParseError)]


ALL_SEGMENTS = [(p.name, k, s) for p in sorted(OEM.glob("*/*")) for k, s in enumerate(_segments(p))]


def _drop_odd(eph: Ephemeris) -> Ephemeris:
    return dataclasses.replace(eph, epochs_us=eph.epochs_us[::2], position_km=eph.position_km[::2],
                               velocity_km_s=eph.velocity_km_s[::2])


@pytest.mark.parametrize(("name", "k", "eph"), ALL_SEGMENTS, ids=[f"{n}[{k}]" for n, k, _ in ALL_SEGMENTS])
@pytest.mark.parametrize(("method", "degree"), [(None, None), ("LAGRANGE", 5), ("HERMITE", 3), ("LINEAR", 1)])
def test_nodes_reproduced_exactly_and_nan_outside_useable_span(name, k, eph, method, degree):
    pos, vel = interpolate(eph, eph.epochs_us, method=method, degree=degree)
    lo, hi = useable_span_us(eph)
    inside = (eph.epochs_us >= lo) & (eph.epochs_us <= hi)
    assert np.array_equal(pos[inside], eph.position_km[inside])  # bit for bit
    assert np.array_equal(vel[inside], eph.velocity_km_s[inside])
    assert np.isnan(pos[~inside]).all() and np.isnan(vel[~inside]).all()
    # the blue-book samples have no state inside their useable span: without it, every node counts
    whole = dataclasses.replace(eph, useable_start_us=None, useable_stop_us=None)
    pos, vel = interpolate(whole, eph.epochs_us, method=method, degree=degree)
    assert np.array_equal(pos, eph.position_km) and np.array_equal(vel, eph.velocity_km_s)


def test_useable_span_from_file():
    """oem_g11 segment 1: USEABLE_START_TIME 12:10:00.331, first state 12:00:00.331."""
    (seg, _) = _segments(OEM / "odm_v3_bluebook_examples" / "oem_g11.kvn")
    t = np.array([parse_utc_us(x) for x in ("2019-12-18T12:10:00.330", "2019-12-18T12:10:00.331",
                                            "2019-12-28T21:23:00.331", "2019-12-28T21:23:00.332")])
    pos, _ = interpolate(seg, t)
    assert np.isnan(pos[[0, 3]]).all() and np.isfinite(pos[[1, 2]]).all()


# measured maximum position error (m) when every other state is dropped, with the file's own
# settings (ISS.resampled: no INTERPOLATION given, so the default HERMITE 7)
LEAVE_OUT_MAX_M = {
    "ISS.resampled.truncated.txt": 6.5e7,  # 2 h between remaining states > 92 min period: no information left
    "OEMExample5.txt": 3.7e6,  # HERMITE 1 (cubic) across 60 min
    "OEMExample5ITRF.txt": 3.0e7,  # no INTERPOLATION: HERMITE 7 across 60 min, worst at the ends
}


@pytest.mark.parametrize("name", sorted(LEAVE_OUT_MAX_M))
def test_leave_every_other_state_out_real_samples(name):
    (eph,) = _segments(OEM / "orekit" / name)
    pos, vel = interpolate(_drop_odd(eph), eph.epochs_us[1::2])
    inside = eph.epochs_us[1::2] < eph.epochs_us[::2][-1]
    err_m = np.linalg.norm(pos[inside] - eph.position_km[1::2][inside], axis=1) * 1000
    assert np.isnan(pos[~inside]).all()  # after the last remaining state: outside the span
    assert err_m.max() < LEAVE_OUT_MAX_M[name]


def test_leave_one_out_converges_with_degree_on_real_sample():
    """OEMExample5 (30 min step), drop one interior state at a time: Hermite median error (m)
    falls from 3.65e6 (degree 1) to 5.0e5 (3) to 5.4e4 (5) to 1.5e4 (7)."""
    (eph,) = _segments(OEM / "orekit" / "OEMExample5.txt")
    n = len(eph.epochs_us)
    medians = []
    for degree, bound_m in ((1, 3.7e6), (3, 5.1e5), (5, 5.5e4), (7, 1.5e4)):
        errs = []
        for i in range(1, n - 1):
            keep = np.arange(n) != i
            cut = dataclasses.replace(eph, epochs_us=eph.epochs_us[keep], position_km=eph.position_km[keep],
                                      velocity_km_s=eph.velocity_km_s[keep])
            pos, _ = interpolate(cut, eph.epochs_us[i:i + 1], method="HERMITE", degree=degree)
            errs.append(np.linalg.norm(pos[0] - eph.position_km[i]) * 1000)
        medians.append(np.median(errs))
        assert medians[-1] < bound_m
    assert medians == sorted(medians, reverse=True)


def _iss_sgp4(step_s: int, n: int):
    lines = (SHARED / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt").read_text().splitlines()
    k = lines.index("0 ISS (ZARYA)")
    sat = Satrec.twoline2rv(lines[k + 1], lines[k + 2])
    t = parse_utc_us("2022-01-22T22:00:00") + np.arange(n, dtype=np.int64) * step_s * 1_000_000
    err, r, v = sat.sgp4_array(*us_to_jd_fr(t))
    assert not err.any()
    return t, r, v


MU_KM3_S2 = 398600.4418


def _two_body(t_us: np.ndarray, a_km: float, e: float, inc: float, raan: float, argp: float):
    """Exact Keplerian positions and velocities (km, km/s), angles in radians, perigee at t_us[0]."""
    t = (t_us - t_us[0]) / 1e6
    mean = np.sqrt(MU_KM3_S2 / a_km**3) * t
    ecc_anom = mean.copy()
    for _ in range(50):  # Newton on Kepler's equation, converged to machine precision
        ecc_anom -= (ecc_anom - e * np.sin(ecc_anom) - mean) / (1 - e * np.cos(ecc_anom))
    c, s = np.cos(ecc_anom), np.sin(ecc_anom)
    r = a_km * (1 - e * c)
    b = np.sqrt(1 - e * e)
    k = np.sqrt(MU_KM3_S2 * a_km) / r
    p = np.stack([a_km * (c - e), a_km * b * s, 0 * c], 1)
    v = np.stack([-k * s, k * b * c, 0 * c], 1)

    def r3(x):
        return np.array([[np.cos(x), -np.sin(x), 0], [np.sin(x), np.cos(x), 0], [0, 0, 1]])

    def r1(x):
        return np.array([[1, 0, 0], [0, np.cos(x), -np.sin(x)], [0, np.sin(x), np.cos(x)]])

    rot = r3(raan) @ r1(inc) @ r3(argp)
    return p @ rot.T, v @ rot.T


ORBITS = {  # (a km, e, i, raan, argp), step s, number of states
    "leo": ((6790.0, 0.0007, 0.9, 0.6, 0.3), 60, 181),
    "heo": ((26600.0, 0.74, 1.1, 0.2, 4.7), 300, 289),
}


@pytest.mark.parametrize(("orbit", "method", "degree", "pos_tol_m", "vel_tol_m_s"), [
    ("leo", "HERMITE", 7, 1e-7, 1e-9),  # floating-point level
    ("leo", "HERMITE", 3, 4e-5, 7e-7),
    ("leo", "LAGRANGE", 7, 2e-2, 3e-5),
    ("leo", "LAGRANGE", 11, 1e-5, 2e-8),
    ("leo", "LINEAR", 1, 1.6e4, 18.0),  # the chord of a 120 s LEO arc
    ("heo", "HERMITE", 7, 200.0, 1.5),  # e = 0.74, 600 s between states through perigee
    ("heo", "HERMITE", 3, 900.0, 3.5),
    ("heo", "LAGRANGE", 7, 2.5e4, 100.0),
])
def test_against_two_body_truth(orbit, method, degree, pos_tol_m, vel_tol_m_s):
    """Exact Kepler orbits; every other state dropped and interpolated from the rest.

    LEO: 60 s step (120 s after dropping); HEO: 300 s step (600 s). Tolerances in metres
    and m/s over the whole span, ends included.
    """
    elements, step_s, n = ORBITS[orbit]
    t = parse_utc_us("2022-01-22T22:00:00") + np.arange(n, dtype=np.int64) * step_s * 1_000_000
    r, v = _two_body(t, *elements)
    eph = Ephemeris("TEST", "2022-001A", "EARTH", "EME2000", "UTC", t, r, v, start_us=int(t[0]),
                    stop_us=int(t[-1]), interpolation=method, interpolation_degree=degree)
    pos, vel = interpolate(_drop_odd(eph), t[1::2])
    assert np.linalg.norm(pos - r[1::2], axis=1).max() * 1000 < pos_tol_m
    assert np.linalg.norm(vel - v[1::2], axis=1).max() * 1000 < vel_tol_m_s


@pytest.mark.parametrize(("method", "degree", "tol"), [
    # (every-other pos m, vel m/s, midpoint pos m, vel m/s)
    ("LAGRANGE", 7, (2e-2, 5e-5, 1e-4, 2e-7)),
    ("LAGRANGE", 11, (2e-4, 5e-7, 1e-5, 1e-8)),
    ("LINEAR", 1, (1.6e4, 18.0, 4.0e3, 4.5)),
    ("HERMITE", 3, (1.2, 0.04, 0.6, 0.04)),
])
def test_against_sgp4_truth(method, degree, tol):
    """ISS, TEME, 60 s step over 3 h, written to OEM text and read back; every other state
    dropped and interpolated back (120 s between states), and every 30 s midpoint from the
    full ephemeris, against SGP4 at those times.

    SGP4's velocity is not exactly the derivative of its position (they differ by about
    2 cm/s), and Hermite interpolation, which honours both, amplifies that with its degree
    (degree 7 reaches 25 m); Lagrange interpolates each separately and is not affected.
    """
    t, r, v = _iss_sgp4(60, 181)
    eph = Ephemeris("ISS (ZARYA)", "1998-067A", "EARTH", "TEME", "UTC", t, r, v, start_us=int(t[0]),
                    stop_us=int(t[-1]), interpolation=method, interpolation_degree=degree)
    (eph,) = iter_oem_kvn(write_oem_kvn([eph]))  # through the OEM text, as a partner would send it
    pos, vel = interpolate(_drop_odd(eph), t[1::2])
    assert np.linalg.norm(pos - r[1::2], axis=1).max() * 1000 < tol[0]
    assert np.linalg.norm(vel - v[1::2], axis=1).max() * 1000 < tol[1]
    tm, rm, vm = _iss_sgp4(30, 361)
    pos, vel = interpolate(eph, tm[1::2])
    assert np.linalg.norm(pos - rm[1::2], axis=1).max() * 1000 < tol[2]
    assert np.linalg.norm(vel - vm[1::2], axis=1).max() * 1000 < tol[3]


def _nearest(nodes: np.ndarray, t: float, m: int) -> np.ndarray:
    return np.sort(np.argsort(np.abs(nodes - t), kind="stable")[:m])


@pytest.mark.parametrize("degree", [1, 2, 5, 7])
def test_matches_scipy_on_real_sample(degree):
    """OEMExample5 at 200 random times: our vectorized windows vs scipy on the m nearest states."""
    (eph,) = _segments(OEM / "orekit" / "OEMExample5.txt")
    rng = np.random.default_rng(1)
    q = rng.integers(eph.epochs_us[0], eph.epochs_us[-1], 200)
    nodes = (eph.epochs_us - eph.epochs_us[0]) / 1e6
    tq = (q - eph.epochs_us[0]) / 1e6
    for method in ("HERMITE", "LAGRANGE"):
        pos, vel = interpolate(eph, q, method=method, degree=degree)
        for k in range(len(q)):
            w = _nearest(nodes, tq[k], degree + 1)
            if method == "HERMITE":
                yi = np.empty((2 * len(w), 3))  # repeated abscissae: value then derivative
                yi[0::2], yi[1::2] = eph.position_km[w], eph.velocity_km_s[w]
                krogh = KroghInterpolator(np.repeat(nodes[w], 2), yi)
                p_ref, v_ref = krogh(tq[k]), krogh.derivative(tq[k])
            else:
                p_ref = BarycentricInterpolator(nodes[w], eph.position_km[w])(tq[k])
                v_ref = BarycentricInterpolator(nodes[w], eph.velocity_km_s[w])(tq[k])
            # agreement to 1e-9 of the values' size (km, km/s): two algorithms, same polynomial
            assert np.abs(pos[k] - p_ref).max() < 1e-9 * max(1.0, np.abs(p_ref).max()) * 10
            assert np.abs(vel[k] - v_ref).max() < 1e-9 * max(1.0, np.abs(v_ref).max()) * 10


def test_vectorized_equals_one_time_at_a_time():
    (eph,) = _segments(OEM / "orekit" / "OEMExample5ITRF.txt")
    q = np.linspace(eph.epochs_us[0] - 10**9, eph.epochs_us[-1] + 10**9, 97).astype(np.int64)
    pos, vel = interpolate(eph, q)
    for k in range(len(q)):
        p1, v1 = interpolate(eph, q[k:k + 1])
        assert np.array_equal(p1[0], pos[k], equal_nan=True) and np.array_equal(v1[0], vel[k], equal_nan=True)


def test_unknown_method_refused():
    (eph,) = _segments(OEM / "orekit" / "OEMExample4.txt")
    with pytest.raises(ValueError, match="LAGRANGE, HERMITE, LINEAR"):
        interpolate(dataclasses.replace(eph, interpolation="PROPAGATE"), eph.epochs_us)


def test_defaults_when_the_file_names_no_interpolation():
    """ISS.resampled names no INTERPOLATION: HERMITE of degree 7 is used, as for a file naming no degree."""
    (eph,) = _segments(OEM / "orekit" / "ISS.resampled.truncated.txt")
    assert eph.interpolation is None and eph.interpolation_degree is None
    q = eph.epochs_us[:-1] + 1_234_567_891
    explicit = interpolate(eph, q, method="HERMITE", degree=7)
    no_degree = interpolate(dataclasses.replace(eph, interpolation="HERMITE"), q)
    for got in (interpolate(eph, q), no_degree):
        assert np.array_equal(got[0], explicit[0]) and np.array_equal(got[1], explicit[1])
    assert np.isfinite(explicit[0]).all()
