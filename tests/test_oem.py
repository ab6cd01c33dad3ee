"""OEM reader and writer: every published sample, round trips, time systems and malformed input.

References: the OEM samples in ``shared/data/ccsds/oem`` (CCSDS ODM v3 blue book annex G,
Orekit test resources, the NDM/XML 1.0 sample). Values are checked against the text of
each file, read here independently (regular expressions and the standard library's XML
reader) — numbers must match exactly, epochs to the microsecond.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as StdET
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from sda.core.times import format_utc
from sda.catalog.records import Ephemeris
from sda.errors import ParseError
from sda.ingest.oem import iter_oem_kvn, iter_oem_xml, write_oem_kvn, write_oem_xml

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ccsds" / "oem"
KVN = sorted(p for p in DATA.glob("*/*") if p.suffix != ".xml")
XML = sorted(DATA.glob("*/*.xml"))
#: Mission Relative Time has no defined offset from UTC without a mission epoch the
#: message does not carry, so this sample is refused (see test_mrt_time_system_refused).
MRT_SAMPLE = DATA / "orekit" / "OEMExample2.txt"


def _utc_us(text: str) -> int:
    """µs since 1970 of a CCSDS calendar or day-of-year time, read with datetime (independent of SDA)."""
    text = text.strip().rstrip("Z")
    base, _, frac = text.partition(".")
    fmt = "%Y-%jT%H:%M:%S" if re.fullmatch(r"\d{4}-\d{3}T.*", base) else "%Y-%m-%dT%H:%M:%S"
    dt = datetime.strptime(base, fmt).replace(tzinfo=timezone.utc)
    assert frac[6:].strip("0") == "", "sub-microsecond digits in a sample"
    return int(dt.timestamp()) * 1_000_000 + int((frac[:6] or "0").ljust(6, "0"))


def _read(path: Path) -> list:
    if path.suffix == ".xml":
        return list(iter_oem_xml(path.read_bytes(), file=str(path)))
    return list(iter_oem_kvn(path.read_text().splitlines(), file=str(path)))


# ---- samples ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", KVN + XML, ids=lambda p: p.name)
def test_sample_parses_without_error(path):
    records = _read(path)
    errors = [r for r in records if isinstance(r, ParseError)]
    assert not errors, errors
    assert records and all(isinstance(r, Ephemeris) for r in records)


def test_mrt_calendar_epochs_read_on_utc_scale():
    """MRT epochs written as calendar dates are read as UTC dates (Orekit does the same);
    the segments keep TIME_SYSTEM = MRT."""
    records = _read(MRT_SAMPLE)
    assert len(records) == 2 and all(isinstance(r, Ephemeris) for r in records)
    assert {r.time_system for r in records} == {"MRT"}
    first_state = next(ln for ln in MRT_SAMPLE.read_text().splitlines() if ln.startswith("1996-353T12:00:00.331"))
    assert format_utc(int(records[0].epochs_us[0]), digits=3) == "1996-12-18T12:00:00.331Z"  # day 353 of 1996
    assert records[0].position_km[0].tolist() == [float(x) for x in first_state.split()[1:4]]


@pytest.mark.parametrize("path", KVN, ids=lambda p: p.name)
def test_kvn_states_and_covariances_match_file_text(path):
    """Every state line and covariance row of the file, split by hand, equals what the reader gives."""
    text = path.read_text()
    records = _read(path)
    state_lines = [ln.split() for ln in text.splitlines() if re.match(r"\s*\d{4}-\d", ln) and "=" not in ln]
    epochs = np.concatenate([r.epochs_us for r in records])
    pv = np.concatenate([np.hstack([r.position_km, r.velocity_km_s]) for r in records])
    assert len(state_lines) == len(epochs)
    assert [_utc_us(t[0]) for t in state_lines] == epochs.tolist()
    assert np.array_equal(pv, np.array([[float(x) for x in t[1:7]] for t in state_lines]))
    acc_rows = [(k, t) for k, t in enumerate(state_lines) if len(t) == 10]
    if acc_rows:
        acc = np.concatenate([r.acceleration_km_s2 if r.acceleration_km_s2 is not None
                              else np.full((len(r.epochs_us), 3), np.nan) for r in records])
        for k, t in acc_rows:
            assert acc[k].tolist() == [float(x) for x in t[7:]]
        assert np.isnan(np.delete(acc, [k for k, _ in acc_rows], axis=0)).all()
    # covariance rows: numbers-only lines between COVARIANCE_START and COVARIANCE_STOP
    cov_numbers = []
    for block in re.findall(r"COVARIANCE_START(.*?)COVARIANCE_STOP", text, re.S):
        for ln in block.splitlines():
            if ln.strip() and "=" not in ln and not ln.strip().startswith("COMMENT"):
                cov_numbers += [float(x) for x in ln.split()]
    covs = [c for r in records if r.covariance is not None for c in r.covariance]
    lower = [c[i, j] for c in covs for i in range(6) for j in range(i + 1)]
    assert lower == cov_numbers
    for c in covs:
        assert np.array_equal(c, c.T)
    cov_epochs = [_utc_us(m) for m in re.findall(r"^\s*EPOCH\s*=\s*(\S+)", text, re.M)]
    assert cov_epochs == [int(e) for r in records if r.covariance is not None for e in r.covariance_epochs_us]


@pytest.mark.parametrize("path", XML, ids=lambda p: p.name)
def test_xml_states_match_file_text(path):
    root = StdET.fromstring(path.read_bytes())  # trusted sample, standard-library reader
    records = _read(path)
    svs = root.findall(".//stateVector")
    names = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
    expected = np.array([[float(sv.findtext(n)) for n in names] for sv in svs])
    got = np.concatenate([np.hstack([r.position_km, r.velocity_km_s]) for r in records])
    assert np.array_equal(got, expected)
    assert [_utc_us(sv.findtext("EPOCH")) for sv in svs] == np.concatenate([r.epochs_us for r in records]).tolist()
    meta = root.find(".//metadata")
    r = records[0]
    assert (r.object_name, r.object_id, r.center_name, r.ref_frame, r.interpolation) == tuple(
        meta.findtext(k) for k in ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "INTERPOLATION"))
    assert r.start_us == _utc_us(meta.findtext("START_TIME")) and r.stop_us == _utc_us(meta.findtext("STOP_TIME"))
    for cm, cov in zip(root.findall(".//covarianceMatrix"), [c for r in records if r.covariance is not None
                                                            for c in r.covariance]):
        assert cov[0, 0] == float(cm.findtext("CX_X")) and cov[5, 5] == float(cm.findtext("CZ_DOT_Z_DOT"))
        assert cov[1, 0] == cov[0, 1] == float(cm.findtext("CY_X"))
        assert cov[3, 2] == cov[2, 3] == float(cm.findtext("CX_DOT_Z"))


def test_spot_values_bluebook_and_orekit():
    g11 = _read(DATA / "odm_v3_bluebook_examples" / "oem_g11.kvn")
    assert len(g11) == 2
    seg = g11[1]
    # text: "USEABLE_START_TIME = 2019-12-28T22:08:02.5", state "2019-12-28T21:29:07.267 -2432.166 -063.042 ..."
    assert seg.useable_start_us == _utc_us("2019-12-28T22:08:02.5")
    assert seg.position_km[0].tolist() == [-2432.166, -63.042, 1742.754]
    assert seg.center_name == "MARS BARYCENTER" and seg.ref_frame == "EME2000" and seg.time_system == "UTC"
    assert seg.interpolation == "HERMITE" and seg.interpolation_degree == 7
    assert seg.comments[-1] == "This block begins after trajectory correction maneuver TCM-3."
    ex1 = _read(DATA / "orekit" / "OEMExample1.txt")
    assert ex1[1].covariance_frames == ("EME2000",) and ex1[2].covariance_frames == ("RTN", "EME2000")
    assert ex1[0].originator == "NASA/JPL" and ex1[0].creation_date_us == _utc_us("1996-11-04T17:22:31")
    ex5 = _read(DATA / "orekit" / "OEMExample5.txt")[0]
    assert ex5.ref_frame == "GCRF" and ex5.epochs_us[0] == _utc_us("2017-04-11T22:31:43.121856")
    itrf = _read(DATA / "orekit" / "OEMExample5ITRF.txt")[0]
    assert itrf.ref_frame == "ITRF2014" and itrf.interpolation is None
    cassini = _read(DATA / "ccsds-ndm" / "ndmxml-1.0-oem-2.0-single.xml")[0]
    assert cassini.center_name == "Saturn" and cassini.ref_frame == "IAU-Saturn" and cassini.interpolation == "Hermite"
    assert cassini.start_us == _utc_us("2004-100T00:00:00")


# ---- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("path", KVN + XML, ids=lambda p: p.name)
def test_round_trip_kvn_and_xml(path):
    records = _read(path)
    via_kvn = list(iter_oem_kvn(write_oem_kvn(records)))
    via_xml = list(iter_oem_xml(write_oem_xml(records)))
    via_both = list(iter_oem_kvn(write_oem_kvn(via_xml)))
    for group in (via_kvn, via_xml, via_both):
        assert [r.content_hash for r in group] == [r.content_hash for r in records]
    for a, b in zip(records, via_kvn):
        assert (a.start_us, a.stop_us, a.useable_start_us, a.useable_stop_us, a.time_system, a.originator,
                a.creation_date_us) == (b.start_us, b.stop_us, b.useable_start_us, b.useable_stop_us,
                                        b.time_system, b.originator, b.creation_date_us)


@pytest.mark.parametrize(("scale", "offset_s"), [("TAI", 37.0), ("TT", 69.184), ("GPS", 18.0), ("UTC", 0.0)])
def test_time_systems_convert_to_utc_and_back(scale, offset_s):
    """2019 dates: TAI - UTC = 37 s (IERS Bulletin C), TT = TAI + 32.184 s, GPS = TAI - 19 s."""
    src = (DATA / "odm_v3_bluebook_examples" / "oem_g13.kvn").read_text()
    text = src.replace("TIME_SYSTEM = UTC", f"TIME_SYSTEM = {scale}")
    (utc,) = iter_oem_kvn(src)
    (eph,) = iter_oem_kvn(text)
    assert eph.time_system == scale
    shift = round(offset_s * 1_000_000)
    assert (utc.epochs_us - eph.epochs_us).tolist() == [shift] * len(utc.epochs_us)
    assert utc.start_us - eph.start_us == shift and utc.covariance_epochs_us[1] - eph.covariance_epochs_us[1] == shift
    written = write_oem_kvn([eph])
    assert f"TIME_SYSTEM          = {scale}" in written
    assert "2019-12-28T21:29:07.267 -2432.166 -63.042 1742.754" in written  # epochs written back in the file's scale
    (again,) = iter_oem_kvn(written)
    assert again.content_hash == eph.content_hash and np.array_equal(again.epochs_us, eph.epochs_us)


def test_time_system_before_1972_refused():
    src = (DATA / "orekit" / "OEMExample4.txt").read_text().replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = TAI")
    src = src.replace("2002-12-18", "1971-12-18")
    (err,) = iter_oem_kvn(src, file="old.oem")
    assert isinstance(err, ParseError) and err.field == "START_TIME" and err.found == "1971-12-18T12:00:00.331"
    assert "1972" in str(err)


def test_bad_segment_does_not_hide_good_ones():
    src = (DATA / "orekit" / "OEMExample1.txt").read_text()
    bad = src.replace("COV_REF_FRAME = RTN", "COV_REF_FRAME = RTN\n1.0 2.0", 1)
    records = list(iter_oem_kvn(bad, file="x.oem"))
    assert [type(r).__name__ for r in records] == ["Ephemeris", "Ephemeris", "ParseError"]
    assert records[2].field.startswith("covariance row 1") and records[2].found == "2 numbers"


# ---- malformed input -------------------------------------------------------------------

G13 = (DATA / "odm_v3_bluebook_examples" / "oem_g13.kvn").read_text()
G14 = (DATA / "odm_v3_bluebook_examples" / "oem_g14.xml").read_text()
STATE1 = "2019-12-28T21:29:07.267 -2432.166 -063.042 1742.754 7.33702 -3.495867 -1.041945"
STATE2 = "2019-12-28T21:59:02.267 -2445.234 -878.141 1873.073 1.86043 -3.421256 -0.996366"
COV_ROW3 = "-3.0700078e-04 -4.2212341e-04 3.2319319e-04"


def _cut(text: str, marker: str) -> str:
    """``text`` up to and including the line holding ``marker`` (a truncated file)."""
    lines = text.splitlines()
    k = next(i for i, ln in enumerate(lines) if marker in ln)
    return "\n".join(lines[: k + 1])


# (id, mutated KVN text, field, found, text of the reported line (or "EOF": last line), part of `expected`)
KVN_CASES = [
    ("nan", G13.replace("-2432.166", "NaN", 1), "X", "NaN", "NaN", "decimal number"),
    ("inf", G13.replace("-3.495867", "inf", 1), "Y_DOT", "inf", " inf ", "decimal number"),
    ("overflow", G13.replace("1742.754", "1e999", 1), "Z", "1e999", "1e999", "finite number"),
    ("hex", G13.replace("1742.754", "0x1F", 1), "Z", "0x1F", "0x1F", "decimal number"),
    ("arabic_digit", G13.replace("1742.754", "17\u06642.754", 1), "data line", "\u0664", "\u0664",
     "printable ASCII"),
    ("fullwidth_digit_kw", G13.replace("INTERPOLATION_DEGREE = 7", "INTERPOLATION_DEGREE = \uff17"),
     "INTERPOLATION_DEGREE", "\uff17", "INTERPOLATION_DEGREE", "printable ASCII"),
    ("missing_object_name", G13.replace("OBJECT_NAME = MARS GLOBAL SURVEYOR\n", ""), "OBJECT_NAME", "META_STOP",
     "META_STOP", "OBJECT_NAME in the OEM metadata"),
    ("missing_stop_time", G13.replace("STOP_TIME = 2019-12-30T01:28:02.267\n", ""), "STOP_TIME", "META_STOP",
     "META_STOP", "STOP_TIME"),
    ("missing_creation_date", G13.replace("CREATION_DATE = 2019-11-04T17:22:31\n", ""), "CREATION_DATE",
     "META_START", "META_START", "CREATION_DATE in the OEM header"),
    ("missing_originator", G13.replace("ORIGINATOR = NASA/JPL\n", ""), "ORIGINATOR", "META_START", "META_START",
     "ORIGINATOR"),
    ("duplicate_ref_frame", G13.replace("REF_FRAME = EME2000\n", "REF_FRAME = EME2000\nREF_FRAME = ITRF\n", 1),
     "REF_FRAME", "REF_FRAME = ITRF", "REF_FRAME = ITRF", "REF_FRAME once"),
    ("duplicate_originator", G13.replace("ORIGINATOR = NASA/JPL", "ORIGINATOR = NASA/JPL\nORIGINATOR = ESA"),
     "ORIGINATOR", "ORIGINATOR = ESA", "ORIGINATOR = ESA", "ORIGINATOR once"),
    ("misspelled_meta", G13.replace("OBJECT_NAME =", "OBJECT_NAM ="), "OBJECT_NAM", "OBJECT_NAM", "OBJECT_NAM",
     "keyword of the OEM metadata"),
    ("misspelled_interp", G13.replace("INTERPOLATION =", "INTERPOLATON ="), "INTERPOLATON", "INTERPOLATON",
     "INTERPOLATON", "keyword of the OEM metadata"),
    ("misspelled_header", G13.replace("ORIGINATOR", "ORIGNATOR"), "ORIGNATOR", "ORIGNATOR", "ORIGNATOR",
     "keyword of the OEM header"),
    ("five_numbers", G13.replace(STATE1, STATE1.rsplit(" ", 1)[0]), "state", "5 numbers", "-3.495867\n",
     "6 or 9 numbers"),
    ("seven_numbers", G13.replace(STATE1, STATE1 + " 0.5"), "state", "7 numbers", "0.5", "6 or 9 numbers"),
    ("cov_row_count", G13.replace(COV_ROW3, COV_ROW3 + " 1.0", 1), "covariance row 3 (CZ_X CZ_Y CZ_Z)",
     "4 numbers", COV_ROW3 + " 1.0", "3 numbers"),
    ("not_monotonic", G13.replace(STATE1 + "\n" + STATE2, STATE2 + "\n" + STATE1), "EPOCH",
     STATE1.split()[0], STATE1, "a time after"),
    ("repeat_epoch_other_state", G13.replace(STATE2, STATE1.split()[0] + STATE2[23:]), "EPOCH",
     STATE1.split()[0], "-878.141", "a time after"),
    ("state_after_stop", G13.replace("2019-12-30T01:28:02.267 2164.375", "2019-12-30T01:30:00 2164.375"), "EPOCH",
     "2019-12-30T01:30:00", "2019-12-30T01:30:00 2164.375", "within START_TIME"),
    ("state_before_start", G13.replace("START_TIME = 2019-12-28T21:29:07.267", "START_TIME = 2019-12-28T21:30:00"),
     "EPOCH", "2019-12-28T21:29:07.267", STATE1, "within START_TIME"),
    ("useable_outside", G13.replace("USEABLE_STOP_TIME = 2019-12-30T01:18:02.5",
                                    "USEABLE_STOP_TIME = 2019-12-31T00:00:00"), "USEABLE_STOP_TIME",
     "2019-12-31T00:00:00", "USEABLE_STOP_TIME", "within START_TIME"),
    ("unit_on_degree", G13.replace("INTERPOLATION_DEGREE = 7", "INTERPOLATION_DEGREE = 7 [km]"),
     "INTERPOLATION_DEGREE", "[km]", "INTERPOLATION_DEGREE", "no unit"),
    ("time_system_tcb", G13.replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = TCB"), "TIME_SYSTEM", "TCB", "TIME_SYSTEM",
     "UTC, TAI, TT, GPS"),
    ("bad_epoch", G13.replace(STATE1, "2019-13-28T21:29:07.267" + STATE1[23:]), "EPOCH", "2019-13-28T21:29:07.267",
     "2019-13-28T21:29:07.267", "CCSDS time"),
    ("bad_degree", G13.replace("INTERPOLATION_DEGREE = 7", "INTERPOLATION_DEGREE = seven"), "INTERPOLATION_DEGREE",
     "seven", "INTERPOLATION_DEGREE", "an integer"),
    ("not_oem", G13.replace("CCSDS_OEM_VERS = 3.0", "CCSDS_OPM_VERS = 3.0"), "CCSDS_OEM_VERS", "CCSDS_OPM_VERS",
     "CCSDS_OPM_VERS", "first keyword"),
    ("bad_version", G13.replace("CCSDS_OEM_VERS = 3.0", "CCSDS_OEM_VERS = 9.9"), "CCSDS_OEM_VERS", "9.9",
     "CCSDS_OEM_VERS", "3.0"),
    ("keyword_in_data", G13.replace(STATE2, "X = 1.0\n" + STATE2), "X", "X", "X = 1.0", "a state line"),
    ("empty_value", G13.replace("OBJECT_ID = 1996-062A", "OBJECT_ID ="), "OBJECT_ID", "", "OBJECT_ID", "a value"),
    ("truncated_in_metadata", _cut(G13, "REF_FRAME"), "META_STOP", "end of file", "EOF", "META_STOP"),
    ("truncated_in_state", _cut(G13, "-878.141").rsplit(" ", 2)[0], "state", "4 numbers", "EOF",
     "6 or 9 numbers"),
    ("truncated_in_covariance", _cut(G13, "4.2960228e-10"), "COVARIANCE_STOP", "end of file", "EOF",
     "COVARIANCE_STOP"),
    ("truncated_header_only", _cut(G13, "MESSAGE_ID"), "META_START", "end of file", "EOF", "META_START"),
    ("truncated_after_meta", _cut(G13, "META_STOP"), "ephemeris data", "end of file", "EOF", "at least one state"),
    ("empty_file", "", "CCSDS_OEM_VERS", "end of file", None, "first keyword"),
]


@pytest.mark.parametrize(("text", "field", "found", "at", "expected"), [c[1:] for c in KVN_CASES],
                         ids=[c[0] for c in KVN_CASES])
def test_malformed_kvn(text, field, found, at, expected):
    records = list(iter_oem_kvn(text, file="bad.oem"))
    errors = [r for r in records if isinstance(r, ParseError)]
    assert len(errors) == 1, records
    err = errors[0]
    assert (err.file, err.field, err.found) == ("bad.oem", field, found)
    assert expected in err.expected
    lines = text.splitlines()
    if at is None:
        assert err.line is None
    elif at == "EOF":
        assert err.line == max(i for i, ln in enumerate(lines, 1) if ln.strip())
    else:
        assert err.line == next(i for i, ln in enumerate(lines, 1) if at.strip("\n") in ln
                                and (not at.endswith("\n") or ln.endswith(at.strip("\n"))))
    assert err.element is None


ST1 = "<EPOCH>2019-12-18T12:00:00.331</EPOCH>"
ST2 = "<EPOCH>2019-12-18T12:01:00.331</EPOCH>"
DTD = ('<?xml version="1.0"?>\n<!DOCTYPE oem [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;">\n]>\n'
       + G14.split("?>", 1)[1].replace("<ORIGINATOR>NASA/JPL", "<ORIGINATOR>&b;"))
XXE = ('<?xml version="1.0"?>\n\n<!DOCTYPE oem [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       + G14.split("?>", 1)[1].replace("<ORIGINATOR>NASA/JPL", "<ORIGINATOR>&x;"))

# (id, mutated XML text, field, found, element (or ("line", n)), part of `expected`)
XML_CASES = [
    ("nan", G14.replace("<X>2789.6</X>", "<X>NaN</X>"), "X", "NaN", "<segment[1]/data/stateVector[1]/X>",
     "decimal number"),
    ("inf", G14.replace("<Z_DOT>-2.00</Z_DOT>", "<Z_DOT>-Infinity</Z_DOT>"), "Z_DOT", "-Infinity",
     "<segment[1]/data/stateVector[2]/Z_DOT>", "decimal number"),
    ("fullwidth_digit", G14.replace("<Y>-308.1</Y>", "<Y>-３08.1</Y>"), "Y", "-３08.1",
     "<segment[1]/data/stateVector[2]/Y>", "decimal number"),
    ("missing_object_id", G14.replace("<OBJECT_ID>2021-028A</OBJECT_ID>", ""), "OBJECT_ID", "</metadata>",
     "<segment[1]/metadata>", "OBJECT_ID"),
    ("missing_z_dot", G14.replace("<Z_DOT>5.64</Z_DOT>", "<Z_DOT>-1.95</Z_DOT>").replace("<Z_DOT>-1.95</Z_DOT>", "", 1),
     "Z_DOT", "</stateVector>", "<segment[1]/data/stateVector[3]>", "Z_DOT"),
    ("duplicate_center", G14.replace("<REF_FRAME>EME2000</REF_FRAME>",
                                     "<CENTER_NAME>MARS</CENTER_NAME><REF_FRAME>EME2000</REF_FRAME>"),
     "CENTER_NAME", "CENTER_NAME = MARS", "<segment[1]/metadata/CENTER_NAME>", "CENTER_NAME once"),
    ("misspelled", G14.replace("CENTER_NAME>", "CENTRE_NAME>"), "CENTRE_NAME", "CENTRE_NAME",
     "<segment[1]/metadata/CENTRE_NAME>", "keyword of the OEM metadata"),
    ("wrong_unit", G14.replace("<X>2783.4</X>", '<X units="m">2783.4</X>'), "X", "[m]",
     "<segment[1]/data/stateVector[2]/X>", "[km]"),
    ("not_monotonic", G14.replace(ST1, "TMP").replace(ST2, ST1).replace("TMP", ST2), "EPOCH",
     "2019-12-18T12:00:00.331", "<segment[1]/data/stateVector[2]/EPOCH>", "a time after"),
    ("outside_span", G14.replace("<EPOCH>2019-12-28T21:28:00.331</EPOCH>", "<EPOCH>2019-12-29T00:00:00</EPOCH>"),
     "EPOCH", "2019-12-29T00:00:00", "<segment[1]/data/stateVector[4]/EPOCH>", "within START_TIME"),
    ("partial_acceleration", G14.replace("<Y_DDOT>0.001</Y_DDOT>", "", 1), "Y_DDOT", "X_DDOT, Z_DDOT",
     "<segment[1]/data/stateVector[1]>", "X_DDOT, Y_DDOT and Z_DDOT or none"),
    ("cov_term_missing", G14.replace("<CY_DOT_Z>0.022</CY_DOT_Z>", ""), "CY_DOT_Z", "</covarianceMatrix>",
     "<segment[1]/data/covarianceMatrix[1]>", "CY_DOT_Z in the covariance"),
    ("unknown_element", G14.replace("<covarianceMatrix>", "<covariance>").replace("</covarianceMatrix>",
                                                                                    "</covariance>"),
     "covariance", "<covariance>", "<segment[1]/data/covariance>", "<covarianceMatrix>"),
    ("wrong_root", G14.replace("<oem ", "<opm ").replace("</oem>", "</opm>"), "root element", "<opm>", "<opm>",
     "<oem>"),
    ("no_version", G14.replace('version="3.0"', ""), "CCSDS_OEM_VERS", "", "<oem>", "a value"),
    ("dtd_entities", DTD, "DOCTYPE", "DTDForbidden", ("line", 2), "without DTD"),
    ("external_entity", XXE, "DOCTYPE", "DTDForbidden", ("line", 3), "without DTD"),
    ("truncated", G14[: G14.index("<CY_DOT_X_DOT>0.079")], "document", None, ("line", G14[: G14.index(
        "<CY_DOT_X_DOT>0.079")].count("\n") + 1), "well-formed XML"),  # ends on an empty line
]


@pytest.mark.parametrize(("text", "field", "found", "at", "expected"), [c[1:] for c in XML_CASES],
                         ids=[c[0] for c in XML_CASES])
def test_malformed_xml(text, field, found, at, expected):
    records = list(iter_oem_xml(text.encode(), file="bad.xml"))
    assert len(records) == 1 and isinstance(records[0], ParseError), records
    err = records[0]
    assert (err.file, err.field) == ("bad.xml", field)
    assert expected in err.expected
    if found is None:  # the XML library's own message, with the position
        assert err.found and "line" in err.found
    else:
        assert err.found == found
    if isinstance(at, tuple):
        assert err.line == at[1] and err.element is None
    else:
        assert err.element == at and err.line is None
