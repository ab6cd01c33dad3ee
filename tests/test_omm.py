"""CCSDS OMM reader and writer (KVN, XML, JSON) against the public samples in shared/data/ccsds/omm.

Expected values are read from the sample text itself (regular expressions, the
standard library's ``json`` and ``datetime``), never from the parser under test.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sda.catalog.records import ElementSet
from sda.core.orbits import MU_KM3_S2
from sda.errors import ParseError
from sda.ingest.omm import (
    element_set_from_fields,
    iter_omm_json,
    iter_omm_kvn,
    iter_omm_xml,
    write_omm_json,
    write_omm_kvn,
    write_omm_xml,
)
from sda.ingest.tle import parse_tle

OMM_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "ccsds" / "omm"
SAMPLES = sorted(p for p in OMM_DIR.rglob("*") if p.is_file())
CREATED_US = 1_600_000_000_000_000  # fixed CREATION_DATE for deterministic output

# Messages refused on purpose, with the keyword at fault and the value found: the first
# <omm> of omm_combined.xml has an empty <segment> (every mandatory keyword is missing).
REFUSED = {
    "omm_combined.xml": [("OBJECT_NAME", "absent")],
}


def read_any(path: Path) -> list:
    data = path.read_bytes()
    if path.suffix == ".xml":
        return list(iter_omm_xml(data, file=path.name))
    if path.suffix == ".json":
        return list(iter_omm_json(data, file=path.name))
    return list(iter_omm_kvn(data.decode("ascii").splitlines(), file=path.name))


def utc_us(text: str) -> int:
    """Microseconds since 1970 of a CCSDS time, by the standard library (calendar or day-of-year form)."""
    text = text.strip()
    fmt = "%Y-%jT%H:%M:%S" if re.match(r"\d{4}-\d{3}T", text) else "%Y-%m-%dT%H:%M:%S"
    dt = datetime.strptime(text, fmt + (".%f" if "." in text else "")).replace(tzinfo=timezone.utc)
    return (dt - datetime(1970, 1, 1, tzinfo=timezone.utc)) // (datetime.resolution)


def values_in_text(path: Path, key: str) -> list[str]:
    """Every value of ``key`` in the sample, in file order, found without the parser."""
    text = path.read_text()
    if path.suffix == ".json":
        return [str(rec[key]) for rec in json.loads(text)]
    if path.suffix == ".xml":
        return re.findall(rf"<{key}(?:\s[^>]*)?>([^<]*)</{key}>", text)
    return [m.split("[")[0].strip() for m in re.findall(rf"^\s*{key}\s*=(.*)$", text, re.MULTILINE)]


def messages_in_text(path: Path) -> int:
    text = path.read_text()
    if path.suffix == ".json":
        return len(json.loads(text))
    if path.suffix == ".xml":
        return len(re.findall(r"<omm[\s>]", text))
    return len(re.findall(r"^\s*CCSDS_OMM_VERS\s*=", text, re.MULTILINE))


def no_line(es: ElementSet) -> ElementSet:
    return dataclasses.replace(es, source_line=None)


def all_sets() -> list[ElementSet]:
    return [o for p in SAMPLES for o in read_any(p) if isinstance(o, ElementSet)]


# ---- every sample ------------------------------------------------------------------------------------


def test_samples_cover_all_formats():
    assert {p.suffix for p in SAMPLES} >= {".kvn", ".txt", ".xml", ".json"}
    assert len(SAMPLES) == 20


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_parses(path):
    out = read_any(path)
    errors = [o for o in out if isinstance(o, ParseError)]
    sets = [o for o in out if isinstance(o, ElementSet)]
    assert len(out) == messages_in_text(path)  # one result per message
    assert [(e.field, e.found) for e in errors] == REFUSED.get(path.name, [])
    for e in errors:
        assert e.file == path.name and e.expected
    assert all(es.format == "OMM" for es in sets)
    if path.name == "OMMExample3.txt":  # TOD, mission-relative time, no catalog number: see its own test
        return
    # Known values read from the text: NORAD ID exact, epoch to the microsecond, mean motion exact.
    norad = values_in_text(path, "NORAD_CAT_ID")
    epochs = values_in_text(path, "EPOCH")
    motions = values_in_text(path, "MEAN_MOTION")
    assert len(norad) == len(epochs) == len(motions) == len(sets)
    for es, n, ep, mm in zip(sets, norad, epochs, motions):
        assert es.norad_id == int(n)
        assert es.epoch_us == utc_us(ep)
        assert es.mean_motion_rev_day == float(mm)  # tolerance 0: the same decimal text


def test_sample_details_from_text():
    st = OMM_DIR / "ccsds-ndm" / "omm1_st.kvn"
    es = read_any(st)[0]
    assert es.owner == values_in_text(st, "USER_DEFINED_COUNTRY_CODE")[0] == "ARGN"
    assert es.object_type == values_in_text(st, "USER_DEFINED_OBJECT_TYPE")[0]
    assert es.bstar_per_er == float(values_in_text(st, "BSTAR")[0])
    assert es.source_line == 1
    g7 = OMM_DIR / "odm_v3_bluebook_examples" / "omm_g7.kvn"
    es = read_any(g7)[0]
    assert es.mean_element_theory == values_in_text(g7, "MEAN_ELEMENT_THEORY")[0] == "SGP/SGP4"
    assert es.element_set_no == int(values_in_text(g7, "ELEMENT_SET_NO")[0])  # "0925"
    assert es.intl_designator == values_in_text(g7, "OBJECT_ID")[0]
    assert es.mean_motion_dot == float(values_in_text(g7, "MEAN_MOTION_DOT")[0])
    ex5 = OMM_DIR / "orekit" / "OMMExample5.txt"
    es = read_any(ex5)[0]
    assert (es.mean_element_theory, es.ephemeris_type) == ("SGP4-XP", int(values_in_text(ex5, "EPHEMERIS_TYPE")[0]))
    combined = OMM_DIR / "ccsds-ndm" / "omm_combined.xml"
    names = re.findall(r"<OBJECT_NAME>([^<]*)<", combined.read_text())
    assert [es.name for es in read_any(combined)[1:]] == names
    assert read_any(combined)[0].element == "<ndm/omm[1]>"


def test_tod_mission_relative_sample_keeps_frame_and_time_system():
    """OMMExample3: TOD frame, MRT calendar epoch (read as UTC), no NORAD_CAT_ID."""
    path = OMM_DIR / "orekit" / "OMMExample3.txt"
    [es] = read_any(path)
    assert (es.ref_frame, es.time_system, es.norad_id) == ("TOD", "MRT", None)
    assert es.intl_designator == values_in_text(path, "OBJECT_ID")[0] == "1995-025A"
    assert es.epoch_us == utc_us(values_in_text(path, "EPOCH")[0])
    back = next(iter_omm_kvn(write_omm_kvn(es, creation_us=CREATED_US)))
    assert back.content_hash == es.content_hash and back.norad_id is None


def test_tai_epoch_converted_to_utc():
    text = (OMM_DIR / "ccsds-ndm" / "omm1_ct.kvn").read_text()
    [utc] = iter_omm_kvn(text.splitlines())
    [tai] = iter_omm_kvn(text.replace("TIME_SYSTEM    = UTC", "TIME_SYSTEM    = TAI").splitlines())
    assert tai.time_system == "TAI" and utc.epoch_us - tai.epoch_us == 37_000_000  # TAI - UTC = 37 s in 2020
    [again] = iter_omm_kvn(write_omm_kvn(tai, creation_us=CREATED_US))
    assert again.epoch_us == tai.epoch_us and again.time_system == "TAI"


def test_semi_major_axis_gives_kepler_mean_motion():
    """OMMExample3's elements (SOME THEORY, SEMI_MAJOR_AXIS 6800 km) moved to TEME/UTC with a catalog number."""
    text = (OMM_DIR / "orekit" / "OMMExample3.txt").read_text()
    text = text.replace("REF_FRAME = TOD", "REF_FRAME = TEME").replace("TIME_SYSTEM = MRT", "TIME_SYSTEM = UTC")
    text = text.replace("ORIGINATOR = NOAA/USA", "ORIGINATOR = NOAA/USA\nNORAD_CAT_ID = 123456789")
    a_km = float(values_in_text(OMM_DIR / "orekit" / "OMMExample3.txt", "SEMI_MAJOR_AXIS")[0])
    [es] = iter_omm_kvn(text.splitlines(), file="ex3")
    period_s = 2 * math.pi * math.sqrt(a_km**3 / MU_KM3_S2)
    assert es.mean_motion_rev_day == pytest.approx(86400.0 / period_s, rel=1e-13)
    assert es.mean_element_theory == "SOME THEORY"
    assert es.norad_id == 123456789  # 9 digits: beyond what a TLE can hold
    [with_gm] = iter_omm_kvn(text.replace("SEMI_MAJOR_AXIS = 6800", "SEMI_MAJOR_AXIS = 6800 [km]\nGM = 398600.4418")
                             .splitlines())
    expected = 86400.0 / (2 * math.pi * math.sqrt(a_km**3 / 398600.4418))
    assert with_gm.mean_motion_rev_day == pytest.approx(expected, rel=1e-13)
    for out in (write_omm_kvn(es, creation_us=CREATED_US), write_omm_json([es], style="spacetrack")):
        [back] = iter_omm_kvn(out) if out.startswith("CCSDS") else iter_omm_json(out)
        assert back.content_hash == es.content_hash


# ---- TLE and OMM forms of the same object --------------------------------------------------------------


def test_tle_and_omm_agree():
    path = OMM_DIR / "ccsds-ndm" / "omm1_st_from_json_dir.json"
    rec = json.loads(path.read_text())[0]
    tle = parse_tle(rec["TLE_LINE1"], rec["TLE_LINE2"], rec["OBJECT_NAME"])
    [omm] = read_any(path)
    assert omm.epoch_us == tle.epoch_us
    assert omm.norad_id == tle.norad_id
    # Half a unit of the TLE's last printed digit.
    assert omm.inclination_deg == pytest.approx(tle.inclination_deg, abs=0.5e-4)
    assert omm.raan_deg == pytest.approx(tle.raan_deg, abs=0.5e-4)
    assert omm.arg_perigee_deg == pytest.approx(tle.arg_perigee_deg, abs=0.5e-4)
    assert omm.mean_anomaly_deg == pytest.approx(tle.mean_anomaly_deg, abs=0.5e-4)
    assert omm.eccentricity == pytest.approx(tle.eccentricity, abs=0.5e-7)
    assert omm.mean_motion_rev_day == pytest.approx(tle.mean_motion_rev_day, abs=0.5e-8)
    assert omm.mean_motion_dot == pytest.approx(tle.mean_motion_dot, abs=0.5e-8)
    assert omm.bstar_per_er == pytest.approx(tle.bstar_per_er, abs=0.5e-9)  # 84553-4: 5 digits at 1e-9
    assert (omm.element_set_no, omm.rev_at_epoch, omm.intl_designator) == (
        tle.element_set_no, tle.rev_at_epoch, tle.intl_designator)
    # The OMM carries exactly the TLE's digits: identical hash, in every form of the same message.
    assert omm.content_hash == tle.content_hash
    for name in ("omm1_st.kvn", "omm1_st.xml", "omm1_ct_from_json_dir.json"):
        [same] = read_any(OMM_DIR / "ccsds-ndm" / name)
        assert same.content_hash == tle.content_hash, name
    assert (omm.tle_line1, omm.tle_line2) == (rec["TLE_LINE1"], rec["TLE_LINE2"])


# ---- round trips -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["kvn", "xml", "spacetrack", "celestrak"])
def test_round_trip_every_sample(form):
    sets = all_sets()
    assert len(sets) == 38
    for es in sets:
        if form == "kvn":
            out = list(iter_omm_kvn(write_omm_kvn(es, creation_us=CREATED_US)))
        elif form == "xml":
            out = list(iter_omm_xml(write_omm_xml([es], creation_us=CREATED_US)))
        else:
            out = list(iter_omm_json(write_omm_json([es], style=form, creation_us=CREATED_US)))
        [back] = out
        assert isinstance(back, ElementSet), back
        assert back.content_hash == es.content_hash
        if form != "celestrak":  # CelesTrak's JSON has no object type, owner or TLE lines
            assert no_line(back) == no_line(es)


def test_round_trip_many_messages():
    sets = all_sets()
    xml = write_omm_xml(sets, creation_us=CREATED_US)
    assert xml.count(b"<ndm>") == 1 and xml.count(b"<omm ") == len(sets)
    assert [no_line(b) for b in iter_omm_xml(xml)] == [no_line(es) for es in sets]
    kvn = "".join(write_omm_kvn(es, creation_us=CREATED_US) for es in sets)
    back = list(iter_omm_kvn(kvn))
    assert [no_line(b) for b in back] == [no_line(es) for es in sets]
    assert back[1].source_line == kvn.splitlines().index("CCSDS_OMM_VERS       = 3.0", 1) + 1
    st = write_omm_json(sets, style="spacetrack", creation_us=CREATED_US)
    assert all(isinstance(v, (str, type(None))) for rec in json.loads(st) for v in rec.values())
    assert [b.content_hash for b in iter_omm_json(st)] == [es.content_hash for es in sets]
    ct = json.loads(write_omm_json(sets, style="celestrak"))
    assert all(isinstance(rec["MEAN_MOTION"], float) for rec in ct)
    assert [isinstance(rec.get("NORAD_CAT_ID"), int) for rec in ct].count(False) == 1  # OMMExample3 has none
    assert write_omm_xml([sets[0]], creation_us=CREATED_US).split(b"\n")[1].startswith(b"<omm ")


def test_from_omm_named_constructor():
    rec = json.loads((OMM_DIR / "ccsds-ndm" / "omm1_st_from_json_dir.json").read_text())[0]
    es = ElementSet.from_omm(rec)
    assert es == element_set_from_fields(rec) and es.norad_id == int(rec["NORAD_CAT_ID"])


# ---- malformed inputs ------------------------------------------------------------------------------------

KVN_BASE = (OMM_DIR / "odm_v3_bluebook_examples" / "omm_g9.kvn").read_text()
XML_BASE = (OMM_DIR / "orekit" / "OMM-with-units.xml").read_text()
ST_BASE = (OMM_DIR / "ccsds-ndm" / "omm1_st_from_json_dir.json").read_text()
CT_BASE = (OMM_DIR / "ccsds-ndm" / "omm1_ct_from_json_dir.json").read_text()
XML_MEAN = "<omm/body/segment/data/meanElements/{}>"
XML_TLE = "<omm/body/segment/data/tleParameters/{}>"


def kvn_set(key: str, value: str | None, *, base: str = KVN_BASE, new_key: str | None = None) -> str:
    """The KVN sample with ``key``'s line replaced (``None`` removes it)."""
    pattern = re.compile(rf"^{key}\s*=.*$", re.MULTILINE)
    assert pattern.search(base), key
    line = "" if value is None else f"{new_key or key} = {value}"
    return pattern.sub(line, base, count=1)


def kvn_add(line: str) -> str:
    return KVN_BASE.rstrip("\n") + "\n" + line + "\n"


def xml_set(key: str, new: str) -> str:
    pattern = re.compile(rf"<{key}(\s[^>]*)?>[^<]*</{key}>")
    assert pattern.search(XML_BASE), key
    return pattern.sub(new, XML_BASE, count=1)


def json_set(base: str, key: str, value_json: str | None) -> str:
    pattern = re.compile(rf'^(\s*)"{key}": [^\n]*?(,?)$', re.MULTILINE)
    assert pattern.search(base), key
    if value_json is None:
        return pattern.sub("", base, count=1)
    return pattern.sub(lambda m: f'{m.group(1)}"{key}": {value_json}{m.group(2)}', base, count=1)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE omm [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<omm><header><ORIGINATOR>&d;</ORIGINATOR></header></omm>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE omm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<omm><header><ORIGINATOR>&xxe;</ORIGINATOR></header></omm>"""
DTD_ONLY = XML_BASE.replace('<?xml version="1.0" encoding="UTF-8"?>',
                            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE omm SYSTEM "http://example.org/omm.dtd">')

# (id, reader, input, field, element or line (int) or None, text in `expected`, found)
CASES = [
    # -- KVN: non-finite and non-ASCII numbers
    ("kvn-nan", "kvn", kvn_set("MEAN_MOTION", "NaN [rev/day]"), "MEAN_MOTION", "MEAN_MOTION", "decimal number", "NaN"),
    ("kvn-inf", "kvn", kvn_set("ECCENTRICITY", "inf"), "ECCENTRICITY", "ECCENTRICITY", "decimal number", "inf"),
    ("kvn-neg-infinity", "kvn", kvn_set("INCLINATION", "-Infinity [deg]"), "INCLINATION", "INCLINATION",
     "decimal number", "-Infinity"),
    ("kvn-overflow", "kvn", kvn_set("BSTAR", "1e999 [1/ER]"), "BSTAR", "BSTAR", "finite number", "1e999"),
    ("kvn-arabic-indic", "kvn", kvn_set("MEAN_MOTION", "\u0661.\u0660\u0660\u0662\u0667"), "MEAN_MOTION",
     "MEAN_MOTION", "ASCII", "\u0661"),
    ("kvn-arabic-indic-norad", "kvn", kvn_set("NORAD_CAT_ID", "\u0662\u0663\u0665\u0668\u0661"), "NORAD_CAT_ID",
     "NORAD_CAT_ID", "ASCII", "\u0662"),
    ("kvn-fullwidth", "kvn", kvn_set("RA_OF_ASC_NODE", "\uff18\uff11.7939"), "RA_OF_ASC_NODE", "RA_OF_ASC_NODE",
     "ASCII", "\uff18"),
    ("kvn-hex", "kvn", kvn_set("MEAN_ANOMALY", "0x1p3 [deg]"), "MEAN_ANOMALY", "MEAN_ANOMALY", "decimal number",
     "0x1p3"),
    ("kvn-two-points", "kvn", kvn_set("GM", "398.600.8 [km**3/s**2]"), "GM", "GM", "decimal number", "398.600.8"),
    ("kvn-norad-fraction", "kvn", kvn_set("NORAD_CAT_ID", "23581.5"), "NORAD_CAT_ID", "NORAD_CAT_ID", "integer",
     "23581.5"),
    # -- KVN: keywords
    ("kvn-duplicate", "kvn", kvn_add("MEAN_MOTION = 1.00273272 [rev/day]"), "MEAN_MOTION", -1, "once",
     "MEAN_MOTION again (first on line 11)"),
    ("kvn-duplicate-inclination", "kvn", kvn_add("INCLINATION = 3.0539"), "INCLINATION", -1, "once",
     "INCLINATION again (first on line 13)"),
    ("kvn-misspelled", "kvn", kvn_set("ECCENTRICITY", "0.0005013", new_key="ECCENTRICTY"), "ECCENTRICTY",
     "ECCENTRICTY", "OMM keyword", "ECCENTRICTY"),
    ("kvn-misspelled-2", "kvn", kvn_set("MEAN_MOTION", "1.00273272", new_key="MEAN_MOTON"), "MEAN_MOTON",
     "MEAN_MOTON", "OMM keyword", "MEAN_MOTON"),
    ("kvn-lower-case", "kvn", kvn_set("INCLINATION", "3.0539", new_key="inclination"), "keyword", "inclination",
     "upper-case", "inclination"),
    ("kvn-no-equals", "kvn", kvn_add("MEAN_MOTION_DDOT 0.0"), "MEAN_MOTION_DDOT", -1, "KEYWORD = value",
     "MEAN_MOTION_DDOT 0.0"),
    # -- KVN: mandatory keywords (the error points at the message's first line)
    *[(f"kvn-missing-{k.lower()}", "kvn", kvn_set(k, None), k, 1, f"keyword {k}", "absent")
      for k in ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY",
                "EPOCH", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")],
    ("kvn-missing-mean-motion", "kvn", kvn_set("MEAN_MOTION", None), "MEAN_MOTION", 1, "SEMI_MAJOR_AXIS", "absent"),
    ("kvn-empty-epoch", "kvn", kvn_set("EPOCH", ""), "EPOCH", "EPOCH", "keyword EPOCH", "absent"),
    # -- KVN: units
    ("kvn-unit-mean-motion", "kvn", kvn_set("MEAN_MOTION", "1.00273272 [rad/s]"), "MEAN_MOTION", "MEAN_MOTION",
     "[rev/day]", "[rad/s]"),
    ("kvn-unit-inclination", "kvn", kvn_set("INCLINATION", "3.0539 [rad]"), "INCLINATION", "INCLINATION", "[deg]",
     "[rad]"),
    ("kvn-unit-bstar", "kvn", kvn_set("BSTAR", "0.0001 [1/m]"), "BSTAR", "BSTAR", "[1/ER]", "[1/m]"),
    ("kvn-unit-ndot", "kvn", kvn_set("MEAN_MOTION_DOT", "-0.00000113 [rev/day]"), "MEAN_MOTION_DOT",
     "MEAN_MOTION_DOT", "[rev/day**2]", "[rev/day]"),
    ("kvn-unit-gm", "kvn", kvn_set("GM", "398600.8 [m**3/s**2]"), "GM", "GM", "[km**3/s**2]", "[m**3/s**2]"),
    ("kvn-unit-eccentricity", "kvn", kvn_set("ECCENTRICITY", "0.0005013 [deg]"), "ECCENTRICITY", "ECCENTRICITY",
     "no unit", "[deg]"),
    ("kvn-unit-sma", "kvn", kvn_set("MEAN_MOTION", "42164.2 [m]", new_key="SEMI_MAJOR_AXIS"), "SEMI_MAJOR_AXIS",
     "SEMI_MAJOR_AXIS", "[km]", "[m]"),
    # -- KVN: ranges
    ("kvn-ecc-one", "kvn", kvn_set("ECCENTRICITY", "1.0"), "ECCENTRICITY", "ECCENTRICITY", "< 1", "1.0"),
    ("kvn-ecc-hyperbolic", "kvn", kvn_set("ECCENTRICITY", "1.5"), "ECCENTRICITY", "ECCENTRICITY", "< 1", "1.5"),
    ("kvn-ecc-negative", "kvn", kvn_set("ECCENTRICITY", "-0.1"), "ECCENTRICITY", "ECCENTRICITY", "0 <=", "-0.1"),
    ("kvn-inclination-high", "kvn", kvn_set("INCLINATION", "180.5 [deg]"), "INCLINATION", "INCLINATION",
     "0 to 180", "180.5"),
    ("kvn-inclination-negative", "kvn", kvn_set("INCLINATION", "-1"), "INCLINATION", "INCLINATION", "0 to 180",
     "-1"),
    ("kvn-raan-360", "kvn", kvn_set("RA_OF_ASC_NODE", "360.0"), "RA_OF_ASC_NODE", "RA_OF_ASC_NODE", "0 to 360",
     "360.0"),
    ("kvn-argp-400", "kvn", kvn_set("ARG_OF_PERICENTER", "400"), "ARG_OF_PERICENTER", "ARG_OF_PERICENTER",
     "0 to 360", "400"),
    ("kvn-mean-anomaly-negative", "kvn", kvn_set("MEAN_ANOMALY", "-5"), "MEAN_ANOMALY", "MEAN_ANOMALY", "0 to 360",
     "-5"),
    ("kvn-mean-motion-zero", "kvn", kvn_set("MEAN_MOTION", "0"), "MEAN_MOTION", "MEAN_MOTION", "positive", "0"),
    ("kvn-mean-motion-negative", "kvn", kvn_set("MEAN_MOTION", "-1.0"), "MEAN_MOTION", "MEAN_MOTION", "positive",
     "-1.0"),
    ("kvn-norad-ten-digits", "kvn", kvn_set("NORAD_CAT_ID", "1234567890"), "NORAD_CAT_ID", "NORAD_CAT_ID",
     "1 to 9 digits", "1234567890"),
    ("kvn-norad-negative", "kvn", kvn_set("NORAD_CAT_ID", "-5"), "NORAD_CAT_ID", "NORAD_CAT_ID", "1 to 9 digits",
     "-5"),
    ("kvn-both-sma-and-n", "kvn", kvn_add("SEMI_MAJOR_AXIS = 42164 [km]"), "SEMI_MAJOR_AXIS", -1, "one of them",
     "42164"),
    # -- KVN: epochs, time system, frame, centre
    ("kvn-epoch-month-13", "kvn", kvn_set("EPOCH", "2020-13-01T00:00:00"), "EPOCH", "EPOCH", "UTC time",
     "2020-13-01T00:00:00"),
    ("kvn-epoch-feb-30", "kvn", kvn_set("EPOCH", "2020-02-30T00:00:00"), "EPOCH", "EPOCH", "UTC time",
     "2020-02-30T00:00:00"),
    ("kvn-epoch-hour-25", "kvn", kvn_set("EPOCH", "2020-064T25:00:00"), "EPOCH", "EPOCH", "UTC time",
     "2020-064T25:00:00"),
    ("kvn-epoch-doy-367", "kvn", kvn_set("EPOCH", "2020-367T00:00:00"), "EPOCH", "EPOCH", "UTC time",
     "2020-367T00:00:00"),
    ("kvn-epoch-words", "kvn", kvn_set("EPOCH", "yesterday"), "EPOCH", "EPOCH", "UTC time", "yesterday"),
    ("kvn-time-system-tcb", "kvn", kvn_set("TIME_SYSTEM", "TCB"), "TIME_SYSTEM", "TIME_SYSTEM", "UTC", "TCB"),
    ("kvn-frame-bad-name", "kvn", kvn_set("REF_FRAME", "TEME-OF-DATE"), "REF_FRAME", "REF_FRAME", "frame name",
     "TEME-OF-DATE"),
    ("kvn-centre-moon", "kvn", kvn_set("CENTER_NAME", "MOON"), "CENTER_NAME", "CENTER_NAME", "EARTH", "MOON"),
    # -- XML
    ("xml-billion-laughs", "xml", BILLION_LAUGHS, None, None, "without DTD", "DTDForbidden"),
    ("xml-external-entity", "xml", EXTERNAL_ENTITY, None, None, "without DTD", "DTDForbidden"),
    ("xml-external-dtd", "xml", DTD_ONLY, None, None, "without DTD", "DTDForbidden"),
    ("xml-truncated", "xml", XML_BASE[: len(XML_BASE) // 2], None, None, "well-formed XML", None),
    ("xml-nan", "xml", xml_set("ECCENTRICITY", "<ECCENTRICITY>NaN</ECCENTRICITY>"), "ECCENTRICITY",
     XML_MEAN.format("ECCENTRICITY"), "decimal number", "NaN"),
    ("xml-arabic-indic", "xml", xml_set("INCLINATION", '<INCLINATION units="deg">\u0663.\u0660\u0665</INCLINATION>'),
     "INCLINATION", XML_MEAN.format("INCLINATION"), "decimal number", "\u0663.\u0660\u0665"),
    ("xml-wrong-units", "xml", xml_set("MEAN_MOTION", '<MEAN_MOTION units="rad/s">1.0</MEAN_MOTION>'),
     "MEAN_MOTION", XML_MEAN.format("MEAN_MOTION"), "[rev/day]", "[rad/s]"),
    ("xml-wrong-units-bstar", "xml", xml_set("BSTAR", '<BSTAR units="m**2/kg">0.0001</BSTAR>'), "BSTAR",
     XML_TLE.format("BSTAR"), "[1/ER]", "[m**2/kg]"),
    ("xml-duplicate", "xml", xml_set("INCLINATION", "<INCLINATION>3.0</INCLINATION><INCLINATION>3.1</INCLINATION>"),
     "INCLINATION", XML_MEAN.format("INCLINATION"), "once", "INCLINATION again"),
    ("xml-misspelled", "xml", xml_set("ECCENTRICITY", "<ECCENTRICTY>0.0005013</ECCENTRICTY>"), "ECCENTRICTY",
     XML_MEAN.format("ECCENTRICTY"), "OMM keyword", "ECCENTRICTY"),
    ("xml-wrong-block", "xml", xml_set("GM", "<BSTAR>0.0001</BSTAR>"), "BSTAR", XML_MEAN.format("BSTAR"),
     "belongs in tleParameters", "BSTAR"),
    ("xml-missing-epoch", "xml", xml_set("EPOCH", ""), "EPOCH", "<omm>", "keyword EPOCH", "absent"),
    ("xml-ecc-one", "xml", xml_set("ECCENTRICITY", "<ECCENTRICITY>1.0</ECCENTRICITY>"), "ECCENTRICITY",
     XML_MEAN.format("ECCENTRICITY"), "< 1", "1.0"),
    ("xml-inclination-high", "xml", xml_set("INCLINATION", "<INCLINATION>181</INCLINATION>"), "INCLINATION",
     XML_MEAN.format("INCLINATION"), "0 to 180", "181"),
    ("xml-bad-epoch", "xml", xml_set("EPOCH", "<EPOCH>2007-064T10:61:41</EPOCH>"), "EPOCH", XML_MEAN.format("EPOCH"),
     "UTC time", "2007-064T10:61:41"),
    ("xml-two-segments", "xml", XML_BASE.replace("</segment>", "</segment><segment/>"), "segment",
     "<omm/body/segment>", "one segment", "2 segment elements"),
    # -- JSON, Space-Track style (strings) and CelesTrak style (numbers)
    ("json-st-nan-string", "json", json_set(ST_BASE, "MEAN_MOTION", '"NaN"'), "MEAN_MOTION", "[0].MEAN_MOTION",
     "decimal number", "NaN"),
    ("json-st-nan-literal", "json", json_set(ST_BASE, "MEAN_MOTION", "NaN"), "MEAN_MOTION", "[0].MEAN_MOTION",
     "finite number", "NaN"),
    ("json-st-infinity", "json", json_set(ST_BASE, "ECCENTRICITY", "Infinity"), "ECCENTRICITY", "[0].ECCENTRICITY",
     "finite number", "Infinity"),
    ("json-st-minus-infinity", "json", json_set(ST_BASE, "BSTAR", "-Infinity"), "BSTAR", "[0].BSTAR",
     "finite number", "-Infinity"),
    ("json-st-list", "json", json_set(ST_BASE, "MEAN_MOTION", '["15.27989249"]'), "MEAN_MOTION",
     "[0].MEAN_MOTION", "a number", '["15.27989249"]'),
    ("json-st-object", "json", json_set(ST_BASE, "INCLINATION", '{"deg": 97.297}'), "INCLINATION",
     "[0].INCLINATION", "a number", '{"deg": 97.297}'),
    ("json-st-boolean", "json", json_set(ST_BASE, "NORAD_CAT_ID", "true"), "NORAD_CAT_ID", "[0].NORAD_CAT_ID",
     "an integer", "true"),
    ("json-st-list-extra", "json", json_set(ST_BASE, "PERIOD", "[94.242]"), "PERIOD", "[0].PERIOD", "a number",
     "[94.242]"),
    ("json-st-arabic-indic", "json", json_set(ST_BASE, "MEAN_ANOMALY", '"\u0663\u0663\u0664.7107"'),
     "MEAN_ANOMALY", "[0].MEAN_ANOMALY", "decimal number", "\u0663\u0663\u0664.7107"),
    ("json-st-duplicate", "json", ST_BASE.replace('"EPOCH":', '"EPOCH": "2020-12-29T03:57:59",\n    "EPOCH":'),
     "EPOCH", "[0].EPOCH", "once", "EPOCH again"),
    ("json-st-misspelled", "json", ST_BASE.replace('"ECCENTRICITY"', '"ECCENTRICTY"'), "ECCENTRICTY",
     "[0].ECCENTRICTY", "OMM keyword", "ECCENTRICTY"),
    ("json-st-null-epoch", "json", json_set(ST_BASE, "EPOCH", "null"), "EPOCH", "[0].EPOCH", "keyword EPOCH", "absent"),
    ("json-st-bad-epoch", "json", json_set(ST_BASE, "EPOCH", '"29/12/2020 03:57:59"'), "EPOCH", "[0].EPOCH",
     "UTC time", "29/12/2020 03:57:59"),
    ("json-st-ecc-one", "json", json_set(ST_BASE, "ECCENTRICITY", '"1.00000000"'), "ECCENTRICITY",
     "[0].ECCENTRICITY", "< 1", "1.00000000"),
    ("json-st-time-system", "json", json_set(ST_BASE, "TIME_SYSTEM", '"UT1"'), "TIME_SYSTEM", "[0].TIME_SYSTEM",
     "UTC", "UT1"),
    ("json-st-object-type", "json", json_set(ST_BASE, "OBJECT_TYPE", '"SPACE STATION"'), "OBJECT_TYPE",
     "[0].OBJECT_TYPE", "one of PAYLOAD", "SPACE STATION"),
    ("json-ct-name-number", "json", json_set(CT_BASE, "OBJECT_NAME", "5"), "OBJECT_NAME", "[0].OBJECT_NAME", "text",
     "5"),
    ("json-ct-overflow", "json", json_set(CT_BASE, "BSTAR", "1e999"), "BSTAR", "[0].BSTAR", "finite number",
     "Infinity"),
    ("json-ct-float-norad", "json", json_set(CT_BASE, "NORAD_CAT_ID", "45018.0"), "NORAD_CAT_ID",
     "[0].NORAD_CAT_ID", "an integer", "45018.0"),
    ("json-ct-inclination-high", "json", json_set(CT_BASE, "INCLINATION", "197.297"), "INCLINATION",
     "[0].INCLINATION", "0 to 180", "197.297"),
    ("json-ct-missing-mean-anomaly", "json", json_set(CT_BASE, "MEAN_ANOMALY", None).replace('334.7107,', '334.7107'),
     "MEAN_ANOMALY", "[0]", "keyword MEAN_ANOMALY", "absent"),
    ("json-truncated", "json", ST_BASE[: len(ST_BASE) // 2], "JSON", None, "valid JSON", None),
    ("json-not-object", "json", "[42]", "record", "[0]", "a JSON object", "42"),
]


def _run(reader: str, text: str) -> list:
    if reader == "kvn":
        return list(iter_omm_kvn(text.splitlines(), file="bad.kvn"))
    if reader == "xml":
        return list(iter_omm_xml(text.encode(), file="bad.xml"))
    return list(iter_omm_json(text.encode(), file="bad.json"))


def test_enough_malformed_cases():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed(case):
    _, reader, text, field, where, expected, found = case
    [err] = _run(reader, text)  # one message in, one result out, and it is an error: no ElementSet
    assert isinstance(err, ParseError), err
    assert err.file == f"bad.{reader}"
    assert err.field == field
    assert expected in err.expected
    if found is not None:
        assert err.found == found
    else:  # malformed documents: the parser's own message, and the line it stopped on
        assert err.found and err.line is not None
    if reader == "kvn":
        lines = text.splitlines()
        if isinstance(where, str):  # the line holding that keyword
            where = next(i for i, ln in enumerate(lines, 1) if ln.startswith(where))
        elif where == -1:
            where = len(lines)
        assert err.line == where
        assert err.element is None
    elif reader == "xml":
        assert err.element == where
    else:
        assert err.element == where
        if where is not None:  # the line on which the (only) record starts
            assert err.line == (2 if text.startswith("[\n  {") else 1)
    assert str(err).startswith(err.file)


def test_bad_message_does_not_hide_the_good_ones():
    good = write_omm_kvn(read_any(OMM_DIR / "orekit" / "OMMExample1.txt")[0], creation_us=CREATED_US)
    bad = kvn_set("ECCENTRICITY", "1.5") + "\n"
    out = list(iter_omm_kvn((good + bad + good).splitlines(), file="mixed.kvn"))
    assert [type(o) for o in out] == [ElementSet, ParseError, ElementSet]
    assert out[1].line == len(good.splitlines()) + 12 and out[1].field == "ECCENTRICITY"
    xml = XML_BASE.replace('<?xml version="1.0" encoding="UTF-8"?>', "")
    ndm = f"<ndm>{xml}{xml.replace('<NORAD_CAT_ID>23581', '<NORAD_CAT_ID>x')}</ndm>".encode()
    out = list(iter_omm_xml(ndm, file="two.xml"))
    assert isinstance(out[0], ElementSet) and isinstance(out[1], ParseError)
    assert out[1].element == "<ndm/omm[2]/body/segment/data/tleParameters/NORAD_CAT_ID>"
    recs = json.loads(ST_BASE)
    st = json.dumps([recs[0], dict(recs[0], INCLINATION="-3")], indent=2)
    out = list(iter_omm_json(st, file="two.json"))
    assert isinstance(out[0], ElementSet) and isinstance(out[1], ParseError)
    assert (out[1].element, out[1].found) == ("[1].INCLINATION", "-3")
    assert out[1].line == st.splitlines().index("  {", 2) + 1
