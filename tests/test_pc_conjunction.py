"""Pc of SDA's own conjunctions (``conjunction_pc``, ``with_pc``) and of ITRF CDMs.

References: NASA CARA's PcMethod test conjunctions (Pc2D_NoAdj), a real CSpOC CDM with
ITRF states (COLLISION_PROBABILITY 0.004450713, FOSTER-1992), both described in
../shared/data/README.md; the 2022-01-22 public TLE catalogue for element sets.
Relative tolerances are ``|computed - reference| / reference``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from sda.analyses.pc import (
    conjunction_pc,
    pc_foster1992,
    pc_inputs_from_cdm,
    pc_max_frisbee2015,
    probability_of_collision,
    with_pc,
)
from sda.analyses.pc.default_covariance import default_covariance_rtn
from sda.analyses.pc.hbr import DEFAULT_COMBINED_HBR_M, cara_hbr_m, combined_hbr_m
from sda.catalog.records import Conjunction
from sda.core.frames import itrs_to_gcrs, rtn_basis, to_rtn
from sda.core.times import parse_utc_us
from sda.ingest.cdm import Cdm, iter_cdm_kvn
from sda.ingest.tle import iter_tle
from sda.propagation.sgp4 import propagate

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
PC = DATA / "pc"
ION_CDM = DATA / "ccsds" / "cdm" / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt"
CATALOG = DATA / "tle" / "catalog" / "spacetrack_full_catalog_3le_2022-01-22.txt"

SAME_INPUTS_RTOL = 1e-12  # the same numbers through two code paths


def read_cdm(path: Path) -> Cdm:
    (cdm,) = list(iter_cdm_kvn(path.read_text(encoding="utf-8").splitlines(), file=path.name, units="note"))
    assert isinstance(cdm, Cdm), str(cdm)
    return cdm


def conjunction(r1, v1, r2, v2, *, ids=(90001, 90002), tca_us=0, frame="TEME") -> Conjunction:
    s1, s2 = np.r_[r1, v1].astype(float), np.r_[r2, v2].astype(float)
    return Conjunction(ids[0], ids[1], tca_us, float(np.linalg.norm(s2[:3] - s1[:3])),
                       float(np.linalg.norm(s2[3:] - s1[3:])), np.zeros(3), s1, s2, frame=frame)


def random_cov(rng, scale_km):
    a = rng.normal(size=(3, 3)) * scale_km
    return a @ a.T + np.eye(3) * (0.1 * scale_km) ** 2


def to_inertial(cov_rtn, r, v):
    b = rtn_basis(r, v)  # rows R, T, N in the inertial frame
    return b.T @ cov_rtn @ b


# --------------------------------------------------------------------------- synthetic encounters


def synthetic_encounters(n=12, seed=1992):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        r1 = rng.normal(size=3)
        r1 *= (6378.0 + rng.uniform(400, 1500)) / np.linalg.norm(r1)
        v1 = np.cross(rng.normal(size=3), r1)
        v1 *= 7.5 / np.linalg.norm(v1)
        v2 = np.cross(rng.normal(size=3), r1)
        v2 *= 7.5 / np.linalg.norm(v2)
        miss = np.cross(v2 - v1, rng.normal(size=3))
        r2 = r1 + miss / np.linalg.norm(miss) * rng.uniform(0.01, 1.0)
        out.append((r1, v1, r2, v2, random_cov(rng, 0.2), random_cov(rng, 0.5), rng.uniform(2, 30)))
    return out


@pytest.mark.parametrize("case", range(12))
def test_conjunction_pc_reproduces_foster_on_the_same_inputs(case):
    r1, v1, r2, v2, c1, c2, hbr = synthetic_encounters()[case]
    direct = pc_foster1992(r2 - r1, v2 - v1, to_inertial(c1, r1, v1) + to_inertial(c2, r2, v2), hbr)
    c = conjunction(r1, v1, r2, v2)
    six = np.zeros((6, 6))
    six[:3, :3] = c1
    res = conjunction_pc(c, cov1_rtn=six, cov2_rtn=c2, hbr_m=hbr)  # 6x6 and 3x3 both accepted
    assert res.method == "FOSTER-1992" and res.covariance_assumed is False and res.hbr_m == hbr
    assert res.pc == pytest.approx(direct.pc, rel=SAME_INPUTS_RTOL)
    assert direct.pc > 0.0
    # swapping the objects' covariances changes the answer: each is rotated with its own state
    swapped = conjunction_pc(c, cov1_rtn=c2, cov2_rtn=c1, hbr_m=hbr)
    assert abs(swapped.pc - res.pc) > 1e-6 * res.pc
    # other methods through the same inputs
    chan = conjunction_pc(c, method="chan1997", cov1_rtn=c1, cov2_rtn=c2, hbr_m=hbr)
    assert chan.method == "CHAN-1997"


# --------------------------------------------------------------------------- CARA CDMs as conjunctions

METHOD_ROWS = list(csv.DictReader(open(PC / "cara_pc_method_tests" / "expected_pc_values.csv", encoding="utf-8")))


@pytest.mark.parametrize("row", METHOD_ROWS, ids=lambda r: r["Conjunction_ID"][:40])
def test_conjunction_from_cara_cdm_gives_pc2d_noadj(row):
    """Conjunction built from each CARA CDM's states, covariances and HBR: Pc2D_NoAdj.

    Required: within 1 %; the 29 cases agree to 4.2e-9 relative (CARA's platform noise is
    near 1e-8), so 1e-7 is asserted.
    """
    cdm = read_cdm(PC / "cara_pc_method_tests" / "cdms" / f"{row['Conjunction_ID']}.cdm")
    o1, o2 = cdm.objects
    c = conjunction(o1.position_km, o1.velocity_km_s, o2.position_km, o2.velocity_km_s,
                    ids=(o1.norad_id, o2.norad_id), tca_us=cdm.tca_us, frame=o1.ref_frame)
    res = conjunction_pc(c, cov1_rtn=o1.covariance_rtn, cov2_rtn=o2.covariance_rtn, hbr_m=float(row["HBR_m"]))
    expected = float(row["Pc2D_NoAdj"])
    assert res.covariance_assumed is False
    if expected == 0.0:
        assert res.pc < 1e-300
    else:
        assert abs(res.pc - expected) / expected < 1e-7


# --------------------------------------------------------------------------- ITRF CDM (CSpOC)


def test_itrf_cdm_reproduces_cspoc_pc():
    """CSpOC's ION SCV-008 vs STARLINK-1233 CDM: ITRF states, Pc 0.004450713 (FOSTER-1992), 5 m + 5 m.

    The states are turned into GCRS at TCA: the relative position in object 1's RTN frame
    then matches the CDM's RELATIVE_POSITION_R/T/N to 0.05 m (printed to 0.1 m). CSpOC's
    value is reproduced with the hard body as a square of half side HBR (CARA's
    ``HBRType='square'``): 0.0044500595, 1.5e-4 relative (asserted: 3e-4). The circle
    gives 0.0034963, close to pi/4 of it, as the area ratio predicts (asserted: 1 %).
    Read without the frame conversion (ITRF velocities taken as inertial, which tilts each
    RTN frame by some 4 deg) the square Pc is off by 16 % (asserted: more than 10 %).
    """
    cdm = read_cdm(ION_CDM)
    assert (cdm.collision_probability, cdm.collision_probability_method) == (0.004450713, "FOSTER-1992")
    assert combined_hbr_m(cdm) == (10.0, "CDM comment")  # "Exclusion Volume Radius = 5.000000 [m]" twice
    inputs = pc_inputs_from_cdm(cdm)
    b = rtn_basis(cdm.object1.position_km, cdm.object1.velocity_km_s)
    square = probability_of_collision(cdm, shape="square")
    assert abs(square.pc - cdm.collision_probability) / cdm.collision_probability < 3e-4
    circle = probability_of_collision(cdm)
    assert abs(circle.pc / cdm.collision_probability - math.pi / 4) < 0.01 * math.pi / 4
    # the relative RTN position from the GCRS states against the CDM's (printed to 0.1 m)
    (r1,), (v1,) = itrs_to_gcrs(cdm.object1.position_km[None], cdm.object1.velocity_km_s[None], [cdm.tca_us])
    dr_rtn, _ = to_rtn(inputs.r_rel_km, inputs.v_rel_km_s, r1, v1)
    np.testing.assert_allclose(dr_rtn, cdm.relative_position_rtn_km, rtol=0, atol=5e-5)
    # without the conversion the geometry is wrong
    raw = [to_inertial(o.covariance_rtn[:3, :3], o.position_km, o.velocity_km_s) for o in cdm.objects]
    wrong = pc_foster1992(cdm.object2.position_km - cdm.object1.position_km,
                          cdm.object2.velocity_km_s - cdm.object1.velocity_km_s, raw[0] + raw[1], 10.0, shape="square")
    assert abs(wrong.pc - cdm.collision_probability) / cdm.collision_probability > 0.10
    assert np.abs(dr_rtn - b @ (cdm.object2.position_km - cdm.object1.position_km)).max() > 1e-3
    # the same CDM as an ITRF conjunction gives the same Pc
    o1, o2 = cdm.objects
    c = conjunction(o1.position_km, o1.velocity_km_s, o2.position_km, o2.velocity_km_s,
                    ids=(o1.norad_id, o2.norad_id), tca_us=cdm.tca_us, frame="ITRF")
    res = conjunction_pc(c, cov1_rtn=o1.covariance_rtn, cov2_rtn=o2.covariance_rtn, hbr_m=10.0, shape="square")
    assert res.pc == pytest.approx(square.pc, rel=SAME_INPUTS_RTOL)
    assert "GCRS (from ITRF)" in res.notes[0]


def test_unknown_frames_are_refused():
    cdm = read_cdm(ION_CDM)
    odd = replace(cdm, object2=replace(cdm.object2, ref_frame="RSW"))
    with pytest.raises(ValueError, match="OBJECT2 state is in RSW"):
        pc_inputs_from_cdm(odd)
    r1, v1, r2, v2, c1, c2, hbr = synthetic_encounters()[0]
    with pytest.raises(ValueError, match="object 1 state is in TOD"):
        conjunction_pc(conjunction(r1, v1, r2, v2, frame="TOD"), cov1_rtn=c1, cov2_rtn=c2, hbr_m=hbr)
    with pytest.raises(ValueError, match="unknown Pc method"):
        conjunction_pc(conjunction(r1, v1, r2, v2), method="foster")


# --------------------------------------------------------------------------- element sets, fallbacks, flags


@pytest.fixture(scope="module")
def element_sets():
    """ISS and Hubble element sets of the 2022-01-22 catalogue and their TEME states at one instant."""
    with CATALOG.open() as f:
        sets = {es.norad_id: es for es in iter_tle(f)
                if not isinstance(es, Exception) and es.norad_id in (25544, 20580)}
    iss, hst = sets[25544], sets[20580]
    tca_us = parse_utc_us("2022-01-23T06:00:00Z")
    result = propagate([iss, hst], np.array([tca_us]))
    assert (result.error == 0).all()
    return iss, hst, tca_us, result.position_km[:, 0], result.velocity_km_s[:, 0]


def staged(element_sets, miss_km=0.3):
    """A conjunction of the ISS's real TEME state with Hubble's, moved to pass ``miss_km`` from it."""
    iss, hst, tca_us, r, v = element_sets
    normal = np.cross(v[1] - v[0], r[0])
    r2 = r[0] + normal / np.linalg.norm(normal) * miss_km
    return conjunction(r[0], v[0], r2, v[1], ids=(25544, 20580), tca_us=tca_us)


def test_default_covariance_from_element_sets(element_sets):
    iss, hst, tca_us, _, _ = element_sets
    c = staged(element_sets)
    res = conjunction_pc(c, es1=iss, es2=hst)
    c1 = default_covariance_rtn(iss, tca_us)[:3, :3]
    c2 = default_covariance_rtn(hst, tca_us)[:3, :3]
    s1, s2 = c.state_1, c.state_2
    combined = to_inertial(c1, s1[:3], s1[3:]) + to_inertial(c2, s2[:3], s2[3:])
    direct = pc_foster1992(s2[:3] - s1[:3], s2[3:] - s1[3:], combined, cara_hbr_m(25544) + cara_hbr_m(20580))
    assert res.pc == pytest.approx(direct.pc, rel=SAME_INPUTS_RTOL) and res.pc > 1e-6
    assert res.covariance_assumed is True and res.method == "FOSTER-1992"
    assert res.hbr_m == pytest.approx(66.1 + 8.4)  # CARA's table: ISS 66.1 m, HST 8.4 m
    assert "hard-body radius 74.5 m (CARA table)" in res.notes
    assert "object 1: assumed FLOHRER-2008 covariance" in res.notes
    # one measured, one assumed: still assumed; both measured: not
    mixed = conjunction_pc(c, cov1_rtn=c1, es2=hst)
    assert mixed.covariance_assumed is True and mixed.pc == pytest.approx(res.pc, rel=SAME_INPUTS_RTOL)
    assert conjunction_pc(c, cov1_rtn=c1, cov2_rtn=c2).covariance_assumed is False
    # an element set of another object is refused
    with pytest.raises(ValueError, match="catalog number 20580"):
        conjunction_pc(c, es1=hst, es2=hst)


def test_hbr_resolution(element_sets):
    c = staged(element_sets)
    iss, hst, *_ = element_sets
    assert conjunction_pc(c, es1=iss, es2=hst, hbr_m=3.0).hbr_m == 3.0
    unknown = replace(c, norad_id_1=99999991, norad_id_2=99999992)
    res = conjunction_pc(unknown, cov1_rtn=np.eye(3) * 0.01, cov2_rtn=np.eye(3) * 0.01)
    assert res.hbr_m == DEFAULT_COMBINED_HBR_M and "hard-body radius 20 m (default)" in res.notes


def worst_case_1d(d_km, hbr_km):
    """max over sigma of P(|x - d| < R) for x ~ N(0, sigma^2): the bound with no covariance at all."""
    def neg(log_sigma):
        s = math.exp(log_sigma)
        return -(stats.norm.cdf((d_km + hbr_km) / s) - stats.norm.cdf((d_km - hbr_km) / s))
    res = optimize.minimize_scalar(neg, bounds=(math.log(d_km) - 5, math.log(d_km) + 5), method="bounded",
                                   options={"xatol": 1e-12})
    return -res.fun


def test_fallback_to_maximum_pc(element_sets):
    iss, hst, tca_us, _, _ = element_sets
    c = staged(element_sets, miss_km=0.5)
    hbr = 20.0
    nothing = conjunction_pc(c, hbr_m=hbr)
    assert nothing.method == "FRISBEE-2015 (maximum Pc: no covariance for either object)"
    assert nothing.covariance_assumed is False
    # no covariance at all: the worst 1D Gaussian along the miss vector, in closed form (1e-6 relative)
    assert nothing.pc == pytest.approx(worst_case_1d(0.5, hbr / 1000.0), rel=1e-6)
    # one covariance known (here assumed from the element set): Frisbee from it alone
    one = conjunction_pc(c, es1=iss, hbr_m=hbr)
    assert one.method == "FRISBEE-2015 (maximum Pc: no covariance for object 2)"
    assert one.covariance_assumed is True
    s1, s2 = c.state_1, c.state_2
    c1 = to_inertial(default_covariance_rtn(iss, tca_us)[:3, :3], s1[:3], s1[3:])
    direct = pc_max_frisbee2015(s2[:3] - s1[:3], s2[3:] - s1[3:], c1, hbr)
    assert one.pc == pytest.approx(direct.pc, rel=SAME_INPUTS_RTOL)
    other = conjunction_pc(c, cov2_rtn=np.eye(3) * 0.04, hbr_m=hbr)
    assert other.method == "FRISBEE-2015 (maximum Pc: no covariance for object 1)" and other.covariance_assumed is False
    # a maximum is no smaller than the Pc with both covariances
    both = conjunction_pc(c, es1=iss, es2=hst, hbr_m=hbr)
    assert one.pc >= both.pc and nothing.pc >= both.pc


def test_with_pc_fills_the_conjunction(element_sets):
    iss, hst, *_ = element_sets
    c = staged(element_sets)
    assert c.pc is None and c.covariance_assumed is False
    done = with_pc(c, es1=iss, es2=hst)
    res = conjunction_pc(c, es1=iss, es2=hst)
    assert (done.pc, done.pc_method, done.hbr_m, done.covariance_assumed) == (res.pc, "FOSTER-1992", res.hbr_m, True)
    assert done.key == c.key and done.tca_us == c.tca_us and done.state_1 is c.state_1
    fallback = with_pc(c)
    assert fallback.pc_method.startswith("FRISBEE-2015 (maximum Pc") and fallback.covariance_assumed is False
