"""CCSDS CDM reader/writer against the CDM samples in ../shared/data (Orekit, CCSDS blue book, NASA CARA)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sda.core.times import parse_utc_us
from sda.errors import ParseError
from sda.ingest.cdm import Cdm, iter_cdm_kvn, iter_cdm_xml, write_cdm_kvn, write_cdm_xml

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CDM_DIR = DATA / "ccsds" / "cdm"

KVN_FILES = sorted(
    [p for d in ("orekit/valid", "ccsds-ndm", "cara_misc") for p in (CDM_DIR / d).iterdir() if p.suffix != ".xml"]
    + [p for p in (DATA / "pc").rglob("*") if p.suffix in (".cdm", ".txt")]
)
XML_FILES = sorted(CDM_DIR.rglob("*.xml"))
# Defects of CARA's test CDMs that the strict reader rejects and units="note" records.
CARA_UNIT_DEFECTS = {"RELATIVE_VELOCITY_R", "RESIDUALS_ACCEPTED"}


def read_kvn_file(path: Path, units: str = "strict") -> Cdm | ParseError:
    (item,) = list(iter_cdm_kvn(path.read_text(encoding="utf-8").splitlines(), file=path.name, units=units))
    return item


def read_xml_file(path: Path) -> Cdm | ParseError:
    (item,) = list(iter_cdm_xml(path.read_bytes(), file=path.name))
    return item


def test_sample_set_is_complete():
    # 7 Orekit + 1 blue book + 4 CARA misc KVN files, then 6 Alfano + 29 CARA method tests + 19 CARA samples
    assert len(KVN_FILES) == 7 + 1 + 4 + 6 + 29 + 19
    assert len(XML_FILES) == 4


@pytest.mark.parametrize("path", KVN_FILES, ids=lambda p: p.name)
def test_every_kvn_cdm_parses_and_round_trips(path):
    cdm = read_kvn_file(path)
    if isinstance(cdm, ParseError):
        # Only the known unit defects of CARA's generated test files are rejected ...
        assert cdm.detail == "wrong unit" and cdm.field in CARA_UNIT_DEFECTS, str(cdm)
        cdm = read_kvn_file(path, units="note")
        # ... and reading them with units="note" records every one of them.
        assert isinstance(cdm, Cdm), str(cdm)
        assert cdm.unit_notes and all(any(k in n for k in ("RELATIVE_VELOCITY", "RESIDUALS_ACCEPTED"))
                                      for n in cdm.unit_notes)
    assert cdm.object1.object == "OBJECT1" and cdm.object2.object == "OBJECT2"
    assert cdm.object1.position_km.shape == (3,) and cdm.object2.velocity_km_s.shape == (3,)
    again = list(iter_cdm_kvn(write_cdm_kvn(cdm).splitlines()))[0]
    assert again == cdm  # KVN round trip, exact
    via_xml = list(iter_cdm_xml(write_cdm_xml(cdm)))[0]
    assert via_xml == cdm  # XML writer then reader give the same message


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.name)
def test_every_xml_cdm_parses_and_round_trips(path):
    cdm = read_xml_file(path)
    assert isinstance(cdm, Cdm), str(cdm)
    assert list(iter_cdm_xml(write_cdm_xml(cdm)))[0] == cdm
    assert list(iter_cdm_kvn(write_cdm_kvn(cdm).splitlines()))[0] == cdm


def test_units_converted_at_the_boundary():
    cdm = read_kvn_file(CDM_DIR / "orekit/valid/CDMExample2.txt")
    assert cdm.tca_us == parse_utc_us("2010-03-13T22:37:52.618")
    assert cdm.miss_distance_km == 0.715  # 715 m
    assert cdm.relative_speed_km_s == 14.762  # 14762 m/s
    np.testing.assert_array_equal(cdm.relative_position_rtn_km, np.array([27.4, -70.2, 711.8]) / 1000)
    np.testing.assert_array_equal(cdm.object1.position_km, [2570.097065, 2244.654904, 6281.497978])
    cov = cdm.object1.covariance_rtn
    assert cov.shape == (8, 8) and np.array_equal(cov, cov.T)  # with the drag and SRP rows
    assert cov[0, 0] == 4.142e01 / 1e6  # CR_R m² -> km²
    assert cov[3, 1] == -5.476e00 / 1e6  # CRDOT_T m²/s -> km²/s
    assert cov[5, 5] == 5.529e-05 / 1e6  # CNDOT_NDOT m²/s² -> km²/s²
    assert cov[6, 0] == -1.862e00 / 1e3  # CDRG_R m³/kg -> km·m²/kg
    assert cov[6, 6] == 3.483e-06 and cov[7, 7] == 1.593e-02  # CDRG_DRG, CSRP_SRP keep m⁴/kg²
    assert cdm.collision_probability == 4.835e-05 and cdm.collision_probability_method == "FOSTER-1992"
    assert cdm.object1.area_pc_m2 == 5.2 and cdm.object1.fields["MASS"] == 251.6
    assert cdm.object1.fields["OBS_USED"] == 579
    assert cdm.object1.comments["od"] == ("Object1 Data", "Object1 OD Parameters")


def test_kvn_and_xml_of_the_same_message_agree():
    for kvn, xml in (("orekit/valid/CDMExample1.txt", "orekit/valid/CDMExample1.xml"),
                     ("ccsds-ndm/cdm_example_section4.kvn", "ccsds-ndm/cdm_example_section4.xml")):
        a, b = read_kvn_file(CDM_DIR / kvn), read_xml_file(CDM_DIR / xml)
        assert (a.tca_us, a.miss_distance_km) == (b.tca_us, b.miss_distance_km)
        for oa, ob in zip(a.objects, b.objects):
            assert oa.international_designator == ob.international_designator
            np.testing.assert_array_equal(oa.position_km, ob.position_km)
            np.testing.assert_array_equal(oa.covariance_rtn, ob.covariance_rtn)


def test_blue_book_minus_sign_reads_as_hyphen():
    # CDMExample1.txt writes 1997−030E with U+2212, copied from the blue book.
    assert read_kvn_file(CDM_DIR / "orekit/valid/CDMExample1.txt").object1.international_designator == "1997-030E"


def test_cdm_2_keywords():
    cdm = read_kvn_file(CDM_DIR / "orekit/valid/CDMExample_issue_940.txt")
    o1, o2 = cdm.objects
    assert cdm.version == "2.0" and cdm.fields["CONJUNCTION_ID"] == "20220708T10hz SATELLITEA SATELLITEB"
    assert cdm.fields["COLLISION_PERCENTILE"] == (50, 51, 52)
    assert o1.hbr_m == 2.5 and o1.fields["OD_EPOCH"] == parse_utc_us("2010-03-12T22:31:12")
    assert o1.covariance_rtn.shape == (6, 6) and o1.fields["ALT_COV_TYPE"] == "XYZ"
    assert o1.covariance_xyz["CX_X"] == 0.1 and o1.covariance_xyz["CDRG_DRG"] == 0.004
    assert o1.covariance_xyz["CTHR_THR"] == 0.006
    assert o1.fields["DCP_SENSITIVITY_VECTOR_POSITION"] == (1.0, 2.0, 3.0)
    assert o2.fields["CSIG3EIGVEC3"] == tuple(float(i) for i in range(1, 13))
    assert o2.user_defined == {"OBJ1_TIME_LASTOB_START": "2020-01-29T13:30:00"}
    # Without RTN entries, a CDM 2.0 object with ALT_COV_TYPE has no RTN covariance.
    text = (CDM_DIR / "orekit/valid/CDMExample_issue_940.txt").read_text(encoding="utf-8").splitlines()
    second = next(n for n, ln in enumerate(text) if ln.startswith("OBJECT ") and "OBJECT2" in ln)
    trimmed = text[:second] + [ln for ln in text[second:] if not ln.startswith(("CR", "CT", "CN"))]
    (alt,) = list(iter_cdm_kvn(trimmed))
    assert alt.object2.covariance_rtn is None and alt.object2.fields["ALT_COV_TYPE"] == "CSIG3EIGVEC3"
    assert list(iter_cdm_kvn(write_cdm_kvn(alt).splitlines()))[0] == alt


def test_drag_and_srp_rows_make_an_8x8_covariance():
    cdm = read_xml_file(CDM_DIR / "orekit/valid/CDMExample_issue1458.xml")
    cov = cdm.object2.covariance_rtn
    assert cov.shape == (8, 8)
    assert "TIME_LASTOB_START" not in cdm.object1.fields  # <TIME_LASTOB_START/> is absent, not an error
    assert cdm.collision_probability is None


def test_day_of_year_dates_and_itrf_states():
    cdm = read_kvn_file(CDM_DIR / "cara_misc/DensityDecorrelationTestCaseCDM01.txt")
    assert cdm.creation_date_us == parse_utc_us("2018-08-17T13:56:33")  # 2018-229
    assert cdm.tca_us == parse_utc_us("2018-08-19T05:18:32.104")  # 2018-231
    assert cdm.object1.ref_frame == "ITRF" and cdm.object1.norad_id == 43477
    ion = read_kvn_file(CDM_DIR / "orekit/valid/ION_SCV8_vs_STARLINK_1233.txt")
    assert ion.miss_distance_km == 0.055 and ion.collision_probability == 0.004450713
    assert ion.comments["header"] == ("=CDM_ID:519959713", "MEETS EMERGENCY CRITERIA")


def test_invalid_files_are_rejected_naming_the_keyword():
    inv = CDM_DIR / "orekit" / "invalid"
    err = read_kvn_file(inv / "CDM-missing-TCA.txt")
    assert isinstance(err, ParseError) and err.field == "TCA" and err.file == "CDM-missing-TCA.txt"
    err = read_kvn_file(inv / "CDM-missing-object2-state-vector.txt")
    assert isinstance(err, ParseError) and err.field == "X" and "OBJECT2" in str(err)
    assert err.line == 43  # the OBJECT = OBJECT2 line that opens the incomplete section
    err = read_kvn_file(inv / "CDM-wrong-key-word.txt")
    assert isinstance(err, ParseError) and err.found == "WRONG_KEYWORD" and err.line == 6


def test_strict_units_name_line_field_expected_and_found():
    err = read_kvn_file(DATA / "pc" / "cara_alfano2009" / "cdm" / "AlfanoTestCase01.cdm")
    assert (err.line, err.field, err.expected, err.found) == (11, "RELATIVE_VELOCITY_R", "[m/s]", "[m]")


def test_xml_error_names_the_element_path():
    text = (CDM_DIR / "orekit/valid/CDMExample1.xml").read_text(encoding="utf-8")
    bad = text.replace("<Y_DOT units=\"km/s\">-6.007247516</Y_DOT>", "<Y_DOT units=\"km/s\">fast</Y_DOT>")
    (err,) = list(iter_cdm_xml(bad, file="bad.xml"))
    assert isinstance(err, ParseError)
    assert err.element == "<cdm/body/segment[2]/data/stateVector/Y_DOT>" and err.found == "fast"


def test_other_rejections():
    good = (CDM_DIR / "orekit/valid/CDMExample2.txt").read_text(encoding="utf-8").splitlines()
    dup = good[:8] + [good[7]] + good[8:]
    (err,) = list(iter_cdm_kvn(dup))
    assert isinstance(err, ParseError) and err.detail == "keyword given twice" and err.line == 9
    no_cov = [ln for ln in good if not ln.startswith("CN_N")]
    (err,) = list(iter_cdm_kvn(no_cov))
    assert isinstance(err, ParseError) and err.field == "CN_N"
    (err,) = list(iter_cdm_kvn([]))
    assert isinstance(err, ParseError)


def test_round_trip_of_edited_values_is_exact():
    cdm = read_kvn_file(CDM_DIR / "orekit/valid/CDMExample2.txt")
    edited = replace(cdm, miss_distance_km=0.1 + 0.2, tca_us=cdm.tca_us + 1)
    assert list(iter_cdm_kvn(write_cdm_kvn(edited).splitlines()))[0] == edited
    assert edited != cdm
