"""OPM reader and writer: every published sample, round trips and malformed input.

References: the OPM samples in ``shared/data/ccsds/opm`` (CCSDS ODM v3 blue book annex G
and the ODM v2 figure 3-2 example in KVN and XML). Values are checked against each
file's text, read here independently — numbers exactly, epochs to the microsecond.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as StdET
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from sda.catalog.records import StateVector
from sda.errors import ParseError
from sda.ingest.opm import iter_opm_kvn, iter_opm_xml, write_opm_kvn, write_opm_xml

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ccsds" / "opm"
KVN = sorted(p for p in DATA.glob("*/*") if p.suffix != ".xml")
XML = sorted(DATA.glob("*/*.xml"))
COV = ["CX_X", "CY_X", "CY_Y", "CZ_X", "CZ_Y", "CZ_Z", "CX_DOT_X", "CX_DOT_Y", "CX_DOT_Z", "CX_DOT_X_DOT",
       "CY_DOT_X", "CY_DOT_Y", "CY_DOT_Z", "CY_DOT_X_DOT", "CY_DOT_Y_DOT", "CZ_DOT_X", "CZ_DOT_Y", "CZ_DOT_Z",
       "CZ_DOT_X_DOT", "CZ_DOT_Y_DOT", "CZ_DOT_Z_DOT"]


def _utc_us(text: str) -> int:
    """µs since 1970 of a CCSDS calendar time, read with datetime (independent of SDA)."""
    base, _, frac = text.strip().partition(".")
    dt = datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) * 1_000_000 + int((frac or "0").ljust(6, "0")[:6])


def _read(path: Path) -> StateVector:
    it = iter_opm_xml(path.read_bytes(), file=str(path)) if path.suffix == ".xml" else \
        iter_opm_kvn(path.read_text().splitlines(), file=str(path))
    records = list(it)
    assert len(records) == 1
    assert not isinstance(records[0], ParseError), records[0]
    return records[0]


def _kvn_pairs(text: str) -> list[tuple[str, str]]:
    """(keyword, value) pairs of a KVN text, units dropped — a reading independent of SDA's."""
    return [(m.group(1), m.group(2).strip()) for m in re.finditer(r"^\s*([A-Z_0-9]+)\s*=\s*([^\[\n]*)", text, re.M)]


def _xml_pairs(path: Path) -> list[tuple[str, str]]:
    root = StdET.fromstring(path.read_bytes())  # trusted sample, standard-library reader
    return [(el.tag, (el.text or "").strip()) for el in root.iter() if len(el) == 0 and el.tag != "COMMENT"]


@pytest.mark.parametrize("path", KVN + XML, ids=lambda p: p.name)
def test_sample_values_match_file_text(path):
    sv = _read(path)
    pairs = _kvn_pairs(path.read_text()) if path.suffix != ".xml" else _xml_pairs(path)
    first = dict(reversed(pairs))  # first occurrence of each keyword
    assert sv.object_name == first["OBJECT_NAME"] and sv.object_id == first["OBJECT_ID"]
    assert sv.center_name == first["CENTER_NAME"] and sv.ref_frame == first["REF_FRAME"]
    assert sv.time_system == first["TIME_SYSTEM"] == "UTC"
    assert sv.epoch_us == _utc_us(first["EPOCH"]) and sv.creation_date_us == _utc_us(first["CREATION_DATE"])
    assert sv.originator == first["ORIGINATOR"]
    assert sv.position_km.tolist() == [float(first[k]) for k in ("X", "Y", "Z")]
    assert sv.velocity_km_s.tolist() == [float(first[k]) for k in ("X_DOT", "Y_DOT", "Z_DOT")]
    if "SEMI_MAJOR_AXIS" in first:
        assert sv.keplerian["semi_major_axis_km"] == float(first["SEMI_MAJOR_AXIS"])
        assert sv.keplerian["true_anomaly_deg"] == float(first["TRUE_ANOMALY"])
        assert sv.keplerian["gm_km3_s2"] == float(first["GM"])
    else:
        assert sv.keplerian is None
    assert sv.spacecraft["mass_kg"] == float(first["MASS"])
    assert sv.spacecraft["drag_coeff"] == float(first["DRAG_COEFF"])
    if "CX_X" in first:
        lower = [sv.covariance[i, j] for i in range(6) for j in range(i + 1)]
        assert lower == [float(first[k]) for k in COV]
        assert np.array_equal(sv.covariance, sv.covariance.T)
        assert sv.covariance_frame == first.get("COV_REF_FRAME", first["REF_FRAME"])
    else:
        assert sv.covariance is None
    epochs = [v for k, v in pairs if k == "MAN_EPOCH_IGNITION"]
    dvs = [float(v) for k, v in pairs if k.startswith("MAN_DV_")]
    assert [m["epoch_us"] for m in sv.maneuvers] == [_utc_us(e) for e in epochs]
    assert [x for m in sv.maneuvers for x in m["delta_v_km_s"].tolist()] == dvs
    assert [m["duration_s"] for m in sv.maneuvers] == [float(v) for k, v in pairs if k == "MAN_DURATION"]
    assert [m["delta_mass_kg"] for m in sv.maneuvers] == [float(v) for k, v in pairs if k == "MAN_DELTA_MASS"]
    assert [m["ref_frame"] for m in sv.maneuvers] == [v for k, v in pairs if k == "MAN_REF_FRAME"]


def test_spot_values():
    fig = _read(DATA / "ccsds-ndm" / "502x0b2c1e2_fig3_2_opm.kvn")
    # text: "MAN_EPOCH_IGNITION = 2000-06-03T09:00:34.1", "MAN_DV_1 = -0.02325700 [km/s]", "MAN_REF_FRAME = RTN"
    assert fig.maneuvers[0]["epoch_us"] == _utc_us("2000-06-03T09:00:34.100")
    assert fig.maneuvers[0]["delta_v_km_s"][0] == -0.023257 and fig.maneuvers[1]["ref_frame"] == "RTN"
    assert fig.spacecraft == {"mass_kg": 1913.0, "solar_rad_area_m2": 10.0, "solar_rad_coeff": 1.3,
                              "drag_area_m2": 10.0, "drag_coeff": 2.3}
    g4 = _read(DATA / "odm_v3_bluebook_examples" / "opm_g4.kvn")
    assert g4.covariance_frame == "RTN" and g4.spacecraft["user_defined"] == {"EARTH_MODEL": "WGS-84"}
    assert g4.covariance[5, 4] == 1.008862586240695e-10
    g1 = _read(DATA / "odm_v3_bluebook_examples" / "opm_g1.kvn")
    assert g1.epoch_us == _utc_us("2022-12-18T14:28:15.1172") and g1.ref_frame == "ITRF2000"
    assert g1.comments == ("GEOCENTRIC, CARTESIAN, EARTH FIXED",)
    assert _read(DATA / "ccsds-ndm" / "502x0b2c1e2_fig3_2_opm.xml").content_hash == fig.content_hash


@pytest.mark.parametrize("path", KVN + XML, ids=lambda p: p.name)
def test_round_trip(path):
    sv = _read(path)
    (a,) = iter_opm_kvn(write_opm_kvn(sv))
    (b,) = iter_opm_xml(write_opm_xml(sv))
    (c,) = iter_opm_kvn(write_opm_kvn(b))
    assert a.content_hash == b.content_hash == c.content_hash == sv.content_hash
    assert (a.creation_date_us, a.originator, a.comments) == (sv.creation_date_us, sv.originator, sv.comments)


def test_tai_epochs_convert_and_write_back():
    """2021: TAI - UTC = 37 s; maneuver epochs are converted too."""
    src = (DATA / "odm_v3_bluebook_examples" / "opm_g2.kvn").read_text()
    (utc,) = iter_opm_kvn(src)
    (tai,) = iter_opm_kvn(src.replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = TAI"))
    assert utc.epoch_us - tai.epoch_us == 37_000_000
    assert [u["epoch_us"] - t["epoch_us"] for u, t in zip(utc.maneuvers, tai.maneuvers)] == [37_000_000] * 2
    text = write_opm_kvn(tai)
    assert "EPOCH                = 2021-06-03T00:00:00\n" in text
    assert "MAN_EPOCH_IGNITION   = 2021-06-03T09:00:34.1\n" in text
    (again,) = iter_opm_kvn(text)
    assert again.content_hash == tai.content_hash


# ---- malformed input -------------------------------------------------------------------

G2 = (DATA / "odm_v3_bluebook_examples" / "opm_g2.kvn").read_text()
G3 = (DATA / "odm_v3_bluebook_examples" / "opm_g3.kvn").read_text()
G5 = (DATA / "odm_v3_bluebook_examples" / "opm_g5.xml").read_text()


def _cut(text: str, marker: str) -> str:
    lines = text.splitlines()
    return "\n".join(lines[: next(i for i, ln in enumerate(lines) if marker in ln) + 1])


# (id, mutated KVN text, field, found, text of the reported line ("EOF": last line), part of `expected`)
KVN_CASES = [
    ("nan", G2.replace("X = 6655.9942 [km]", "X = nan [km]"), "X", "nan", "X = nan", "decimal number"),
    ("inf", G2.replace("MAN_DV_1 = -0.02325700", "MAN_DV_1 = +Inf"), "MAN_DV_1", "+Inf", "+Inf", "decimal number"),
    ("arabic_digit", G2.replace("MASS = 1913.000", "MASS = 19\u0661\u0663.000"), "MASS", "\u0661",
     "MASS", "printable ASCII"),
    ("missing_epoch", G3.replace("EPOCH = 2022-12-18T14:28:15.1172\n", ""), "EPOCH", "end of file", "EOF",
     "EPOCH in the state vector"),
    ("missing_originator", G3.replace("ORIGINATOR = JAXA\n", ""), "ORIGINATOR", "end of file", "EOF",
     "ORIGINATOR in the OPM header"),
    ("duplicate_x", G3.replace("Y = 1239.647000", "X = 1.0\nY = 1239.647000"), "X", "X = 1.0", "X = 1.0",
     "X once"),
    ("misspelled", G2.replace("ECCENTRICITY", "ECCENTRICTY"), "ECCENTRICTY", "ECCENTRICTY", "ECCENTRICTY",
     "an OPM keyword"),
    ("wrong_unit", G2.replace("Y = -40218.5751 [km]", "Y = -40218.5751 [m]"), "Y", "[m]", "Y = -40218.5751",
     "[km]"),
    ("man_key_first", G2.replace("MAN_EPOCH_IGNITION = 2021-06-03T09:00:34.1\n", ""), "MAN_DURATION",
     "MAN_DURATION", "MAN_DURATION = 132.60", "MAN_EPOCH_IGNITION first"),
    ("truncated_in_maneuver", _cut(G2, "MAN_DV_2 = -0.00187300"), "MAN_DV_3", "end of maneuver",
     "MAN_EPOCH_IGNITION = 2021-06-05", "MAN_DV_3 in the maneuver"),
    ("truncated_in_state", _cut(G3, "Y = 1239"), "Z", "end of file", "EOF", "Z in the state vector"),
    ("negative_duration", G2.replace("MAN_DURATION = 0.00", "MAN_DURATION = -1.0"), "MAN_DURATION", "-1.0",
     "MAN_DURATION = -1.0", "0 s or more"),
    ("two_anomalies", G2.replace("GM =", "MEAN_ANOMALY = 10.0 [deg]\nGM ="), "TRUE_ANOMALY",
     "TRUE_ANOMALY and MEAN_ANOMALY", "MEAN_ANOMALY", "one of them"),
    ("no_gm", G2.replace("GM = 398600.4415 [km**3/s**2]\n", ""), "GM", "end of file", "EOF",
     "GM in the Keplerian elements"),
    ("covariance_incomplete", G3.replace("CZ_DOT_Y_DOT = 1.008862586240695e-10\n", ""), "CZ_DOT_Y_DOT",
     "end of file", "EOF", "CZ_DOT_Y_DOT in the covariance"),
    ("data_line", G3.replace("X_DOT = -0.873160", "6503.514 1239.647 -717.49"), "data line",
     "6503.514 1239.647 -717.49", "6503.514 1239.647", "KEYWORD = value"),
    ("time_system", G3.replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = UT1"), "TIME_SYSTEM", "UT1", "TIME_SYSTEM",
     "UTC, TAI, TT, GPS"),
    ("bad_epoch", G3.replace("EPOCH = 2022-12-18T14:28:15.1172", "EPOCH = 2022-12-18T25:28:15"), "EPOCH",
     "2022-12-18T25:28:15", "EPOCH =", "CCSDS time"),
    ("not_opm", G3.replace("CCSDS_OPM_VERS", "CCSDS_OMM_VERS"), "CCSDS_OPM_VERS", "CCSDS_OMM_VERS",
     "CCSDS_OMM_VERS", "first keyword"),
    ("duplicate_user_defined", G2.rstrip("\n") + "\nUSER_DEFINED_A = 1\nUSER_DEFINED_A = 2\n", "USER_DEFINED_A",
     "USER_DEFINED_A = 2", "USER_DEFINED_A = 2", "USER_DEFINED_A once"),
]


@pytest.mark.parametrize(("text", "field", "found", "at", "expected"), [c[1:] for c in KVN_CASES],
                         ids=[c[0] for c in KVN_CASES])
def test_malformed_kvn(text, field, found, at, expected):
    (err,) = iter_opm_kvn(text, file="bad.opm")
    assert isinstance(err, ParseError), err
    assert (err.file, err.field, err.found) == ("bad.opm", field, found)
    assert expected in err.expected
    lines = text.splitlines()
    if at == "EOF":
        assert err.line == max(i for i, ln in enumerate(lines, 1) if ln.strip())
    else:
        assert err.line == next(i for i, ln in enumerate(lines, 1) if at in ln)
    assert err.element is None


XML_CASES = [
    ("nan_mass", G5.replace("<MASS>3000.000000</MASS>", "<MASS>NaN</MASS>"), "MASS", "NaN",
     "<segment/data/spacecraftParameters/MASS>", "decimal number"),
    ("missing_state", re.sub(r"<stateVector>.*</stateVector>", "", G5, flags=re.S), "stateVector", "none",
     "<segment/data>", "<stateVector>"),
    ("missing_y_dot", G5.replace("<Y_DOT>8.740420</Y_DOT>", ""), "Y_DOT", "</stateVector>",
     "<segment/data/stateVector>", "Y_DOT in the state vector"),
    ("duplicate_block", G5.replace("<spacecraftParameters>", "<spacecraftParameters><MASS>1</MASS>"
                                   "</spacecraftParameters><spacecraftParameters>"), "spacecraftParameters",
     "2 <spacecraftParameters> elements", "<segment/data/spacecraftParameters>", "at most one"),
    ("misspelled", G5.replace("DRAG_COEFF>", "DRAG_COEF>"), "DRAG_COEF", "DRAG_COEF",
     "<segment/data/spacecraftParameters/DRAG_COEF>", "keyword of the spacecraft parameters"),
    ("wrong_unit", G5.replace("<X>6503.514000</X>", '<X units="m">6503.514000</X>'), "X", "[m]",
     "<segment/data/stateVector/X>", "[km]"),
    ("two_segments", G5.replace("</segment>", "</segment><segment/>"), "segment", "2 <segment> elements",
     "<body>", "one <segment>"),
    ("dtd", '<?xml version="1.0"?>\n<!DOCTYPE opm [<!ENTITY e "x">]>\n' + G5.split("?>", 1)[1], "DOCTYPE",
     "DTDForbidden", ("line", 2), "without DTD"),
]


@pytest.mark.parametrize(("text", "field", "found", "at", "expected"), [c[1:] for c in XML_CASES],
                         ids=[c[0] for c in XML_CASES])
def test_malformed_xml(text, field, found, at, expected):
    (err,) = iter_opm_xml(text.encode(), file="bad.xml")
    assert isinstance(err, ParseError), err
    assert (err.file, err.field, err.found) == ("bad.xml", field, found)
    assert expected in err.expected
    if isinstance(at, tuple):
        assert err.line == at[1] and err.element is None
    else:
        assert err.element == at and err.line is None
