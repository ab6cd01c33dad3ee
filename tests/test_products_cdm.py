"""CDMs from conjunctions and conjunctions from CDMs (sda.products.cdm), against real CDMs in ../shared/data.

Tolerances: TCA 1 µs, miss distance 1 mm, relative speed 1 mm/s (the round-trip
contract); positions 1 mm against skyfield's own GCRS conversion.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from skyfield.api import EarthSatellite

from sda.analyses.pc import probability_of_collision
from sda.catalog.records import Conjunction, ElementSet
from sda.core.frames import skyfield_time, to_rtn
from sda.core.times import parse_utc_us
from sda.ingest.cdm import Cdm, iter_cdm_kvn, iter_cdm_xml, write_cdm_kvn, write_cdm_xml
from sda.products.cdm import ASSUMED_COVARIANCE_COMMENT, NO_COVARIANCE_COMMENT, cdm_from_conjunction, conjunction_from_cdm
from sda.propagation.sgp4 import propagate

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CDMS = [
    DATA / "ccsds" / "cdm" / "orekit" / "valid" / "CDMExample2.txt",
    DATA / "ccsds" / "cdm" / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt",
    DATA / "ccsds" / "cdm" / "ccsds-ndm" / "cdm_example_section4.kvn",
    *sorted((DATA / "pc" / "cara_pc_method_tests" / "cdms").glob("*.cdm"))[:5],
]

# ISS and a Starlink of the Space-Track catalogue of 2022-01-22 (the bundled one).
ISS = ("1 25544U 98067A   22022.91470718  .00005958  00000-0  11386-3 0  9994",
       "2 25544  51.6445 336.0056 0006830  51.7508  17.5213 15.49594026322655")
STARLINK = ("1 44713U 19074A   22022.52342840  .00000284  00000-0  37939-4 0  9995",
            "2 44713  53.0530 112.5549 0001169  90.1770 269.9353 15.06397038121581")


def read(path: Path) -> Cdm:
    (cdm,) = iter_cdm_kvn(path.read_text(encoding="utf-8").splitlines(), file=path.name, units="note")
    assert isinstance(cdm, Cdm), str(cdm)
    return cdm


def assert_same_event(a: Conjunction, b: Conjunction) -> None:
    assert (a.norad_id_1, a.norad_id_2) == (b.norad_id_1, b.norad_id_2)
    assert abs(a.tca_us - b.tca_us) <= 1  # µs
    assert abs(a.miss_distance_km - b.miss_distance_km) <= 1e-6  # 1 mm
    assert abs(a.relative_speed_km_s - b.relative_speed_km_s) <= 1e-6  # 1 mm/s


@pytest.mark.parametrize("path", CDMS, ids=lambda p: p.name[:40])
def test_conjunction_cdm_round_trip_kvn_and_xml(path):
    original = read(path)
    conj = conjunction_from_cdm(original, origin=original.message_id)
    assert conj.source == original.originator and conj.frame == original.object1.ref_frame
    covs = [o.covariance_rtn[:6, :6] for o in original.objects]
    made = cdm_from_conjunction(conj, originator="SDA", covariances=covs)
    kvn = write_cdm_kvn(made)
    (from_kvn,) = iter_cdm_kvn(kvn.splitlines(), file="made.kvn")  # strict: our own CDM has no unit defect
    (from_xml,) = iter_cdm_xml(write_cdm_xml(made), file="made.xml")
    assert isinstance(from_kvn, Cdm) and from_kvn == from_xml, str(from_kvn)
    again = conjunction_from_cdm(from_kvn, origin="made.kvn")
    assert_same_event(conj, again)
    assert again.pc == conj.pc and again.hbr_m == conj.hbr_m
    np.testing.assert_allclose(again.miss_rtn_km, conj.miss_rtn_km, rtol=0, atol=1e-6)  # 1 mm
    # The regenerated CDM carries everything a Pc needs: same states, covariances and HBR.
    if original.object1.ref_frame in ("EME2000", "GCRF"):
        pc_original = probability_of_collision(original).pc
        pc_made = probability_of_collision(from_kvn).pc
        assert abs(pc_made - pc_original) <= 1e-12 * max(pc_original, 1e-300)  # relative


def _teme_conjunction() -> Conjunction:
    sets = [ElementSet.from_tle(*ISS), ElementSet.from_tle(*STARLINK)]
    tca = parse_utc_us("2022-01-23T03:00:00.123456Z")
    res = propagate(sets, np.array([tca]))
    s1 = np.hstack([res.position_km[0, 0], res.velocity_km_s[0, 0]])
    s2 = np.hstack([res.position_km[1, 0], res.velocity_km_s[1, 0]])
    dr, _ = to_rtn(s2[:3] - s1[:3], s2[3:] - s1[3:], s1[:3], s1[3:])
    return Conjunction(25544, 44713, tca, float(np.linalg.norm(s2[:3] - s1[:3])), float(np.linalg.norm(s2[3:] - s1[3:])),
                       dr, s1, s2, epoch_1_us=sets[0].epoch_us, epoch_2_us=sets[1].epoch_us, pc=3.2e-5,
                       pc_method="FOSTER-1992", hbr_m=20.0, covariance_assumed=True, screening_threshold_km=5000.0)


def test_teme_states_are_written_in_gcrf():
    conj = _teme_conjunction()
    cdm = cdm_from_conjunction(conj, object_names=("ISS (ZARYA)", "STARLINK-1007"))
    assert cdm.object1.ref_frame == cdm.object2.ref_frame == "GCRF"
    # Independent check: skyfield's EarthSatellite gives GCRS positions of the same TLEs.
    t = skyfield_time(conj.tca_us)
    for obj, tle in ((cdm.object1, ISS), (cdm.object2, STARLINK)):
        expected = EarthSatellite(*tle).at(t).position.km
        np.testing.assert_allclose(obj.position_km, expected, rtol=0, atol=1e-6)  # 1 mm
    # A rotation keeps the miss distance.
    assert abs(np.linalg.norm(cdm.object2.position_km - cdm.object1.position_km) - conj.miss_distance_km) < 1e-6
    (back,) = iter_cdm_kvn(write_cdm_kvn(cdm).splitlines())
    assert isinstance(back, Cdm), str(back)
    again = conjunction_from_cdm(back, origin=back.message_id)
    assert_same_event(conj, again)
    assert again.frame == "GCRF" and again.hbr_m == 20.0 and again.covariance_assumed
    assert back.fields["SCREEN_VOLUME_RADIUS"] == 5000.0 * 1000  # m


def test_covariance_method_and_comments():
    conj = _teme_conjunction()  # covariance_assumed
    cdm = cdm_from_conjunction(conj)
    for obj in cdm.objects:
        assert obj.covariance_method == "DEFAULT" and obj.comments["cov"] == (NO_COVARIANCE_COMMENT,)
        assert not obj.covariance_rtn.any()
    cov = np.diag([1e-2, 4e-2, 1e-2, 1e-8, 1e-8, 1e-8])
    assumed = cdm_from_conjunction(conj, covariances=(cov, None), covariance_model="FLOHRER-2008")
    assert assumed.object1.covariance_method == "DEFAULT"
    assert assumed.object1.comments["cov"] == (f"{ASSUMED_COVARIANCE_COMMENT} (FLOHRER-2008)",)
    assert f"COMMENT {ASSUMED_COVARIANCE_COMMENT} (FLOHRER-2008)" in write_cdm_kvn(assumed)
    (back,) = iter_cdm_kvn(write_cdm_kvn(assumed).splitlines())
    np.testing.assert_allclose(back.object1.covariance_rtn, cov, rtol=1e-15, atol=0)
    measured = cdm_from_conjunction(replace(conj, covariance_assumed=False), covariances=(cov, cov))
    assert [o.covariance_method for o in measured.objects] == ["CALCULATED", "CALCULATED"]
    assert all("cov" not in o.comments for o in measured.objects)
