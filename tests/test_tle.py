"""TLE/3LE parsing against the full public catalog and against the sgp4 library's own reader."""

from __future__ import annotations

import math

import pytest
from sgp4.api import Satrec

from sda.catalog.records import ElementSet
from sda.core.times import UNIX_EPOCH_JD, US_PER_DAY, format_utc, tle_epoch_us
from sda.errors import ParseError
from sda.ingest.tle import alpha5_to_int, int_to_alpha5, iter_tle, parse_tle, tle_checksum
from tests.conftest import FULL_CATALOG

ISS = (  # from the bundled 2022-01-22 catalog
    "1 25544U 98067A   22022.91470718  .00005958  00000-0  11386-3 0  9994",
    "2 25544  51.6445 336.0056 0006830  51.7508  17.5213 15.49594026322655",
)


@pytest.fixture(scope="module")
def catalog():
    records = list(iter_tle(FULL_CATALOG.open(encoding="ascii"), file=str(FULL_CATALOG)))
    return records


def test_full_catalog_parses(catalog):
    errors = [r for r in catalog if isinstance(r, ParseError)]
    assert errors == []
    assert len(catalog) == 23939
    assert len({r.norad_id for r in catalog}) == 23939


@pytest.mark.parametrize(
    "pattern, count",
    # Counts published in ../shared/data/README.md for this file.
    [("COSMOS 1408 DEB", 1215), ("FENGYUN 1C DEB", 2656), ("IRIDIUM 33 DEB", 322),
     ("COSMOS 2251 DEB", 1039), ("STARLINK", 1846)],
)
def test_counts_by_name_agree_with_reference(catalog, pattern, count):
    assert sum(pattern in (r.name or "") for r in catalog) == count


def test_debris_name_count_agrees_with_raw_text(catalog):
    """The README's "12,913 names contain DEB" matches no reading of the file: its title
    lines contain "DEB" 13,057 times (12,711 end with it). Count against the raw text."""
    raw = [ln[2:].rstrip("\r\n") for ln in FULL_CATALOG.read_text(encoding="ascii").splitlines(True)
           if ln.startswith("0 ")]
    assert sum("DEB" in n for n in raw) == 13057
    assert sum("DEB" in (r.name or "") for r in catalog) == 13057


def test_epoch_range_agrees_with_reference(catalog):
    epochs = sorted(r.epoch_us for r in catalog)
    assert format_utc(epochs[0])[:10] == "2021-12-24"
    assert format_utc(epochs[-1])[:10] == "2022-01-25"
    assert format_utc(epochs[len(epochs) // 2])[:10] == "2022-01-22"


def test_every_element_set_matches_sgp4_reader(catalog):
    """Each field equals what sgp4's C++ reader takes from the same lines.

    Tolerances: epoch 1 µs (sgp4 keeps it as a split Julian date in floats); angles
    1e-12 rad; mean motion 1e-14 rad/min; B* exact to 1e-15 /ER.
    """
    worst_epoch_us = 0.0
    for r in catalog:
        sat = Satrec.twoline2rv(r.tle_line1, r.tle_line2)
        assert sat.satnum == r.norad_id
        jd_us = ((sat.jdsatepoch - UNIX_EPOCH_JD) + sat.jdsatepochF) * US_PER_DAY
        worst_epoch_us = max(worst_epoch_us, abs(jd_us - r.epoch_us))
        assert math.isclose(sat.inclo, math.radians(r.inclination_deg), abs_tol=1e-12)
        assert math.isclose(sat.nodeo, math.radians(r.raan_deg), abs_tol=1e-12)
        assert math.isclose(sat.argpo, math.radians(r.arg_perigee_deg), abs_tol=1e-12)
        assert math.isclose(sat.mo, math.radians(r.mean_anomaly_deg), abs_tol=1e-12)
        assert sat.ecco == pytest.approx(r.eccentricity, abs=1e-15)
        assert sat.no_kozai == pytest.approx(r.mean_motion_rev_day * 2 * math.pi / 1440.0, abs=1e-14)
        assert sat.bstar == pytest.approx(r.bstar_per_er, abs=1e-15)
    assert worst_epoch_us < 1.0


def test_iss_fields():
    es = parse_tle(*ISS, name="0 ISS (ZARYA)")
    assert es.norad_id == 25544 and es.name == "ISS (ZARYA)" and es.intl_designator == "1998-067A"
    assert format_utc(es.epoch_us) == "2022-01-22T21:57:10.700352Z"  # 0.91470718 d = 79030.700352 s
    assert es.mean_motion_dot == 5.958e-05 and es.bstar_per_er == 1.1386e-04 and es.mean_motion_ddot == 0.0
    assert es.eccentricity == 0.000683 and es.rev_at_epoch == 32265 and es.element_set_no == 999
    assert es.object_type == "PAYLOAD" and es.regime == "LEO"


def test_epoch_pivot_year_57():
    assert format_utc(tle_epoch_us(57, "001.00000000")) == "1957-01-01T00:00:00.000000Z"
    assert format_utc(tle_epoch_us(56, "366.50000000")) == "2056-12-31T12:00:00.000000Z"  # 2056 is a leap year
    assert format_utc(tle_epoch_us(0, "060.00000000")) == "2000-02-29T00:00:00.000000Z"


@pytest.mark.parametrize("text, value", [("A0000", 100000), ("E8493", 148493), ("H9999", 179999),
                                          ("J0000", 180000), ("P0000", 230000), ("Z9999", 339999),
                                          ("00005", 5), ("    5", 5), ("99999", 99999)])
def test_alpha5(text, value):
    assert alpha5_to_int(text) == value
    assert int_to_alpha5(value) == text.strip().rjust(5, "0")


def test_alpha5_tle_matches_sgp4():
    l1 = "1 A0001U 21001A   22022.50000000  .00000000  00000-0  00000-0 0  999"
    l2 = "2 A0001  51.6442 293.1905 0006807  73.1790  48.6020 15.49656483    1"
    l1 += str(tle_checksum(l1))
    l2 += str(tle_checksum(l2))
    es = parse_tle(l1, l2)
    assert es.norad_id == 100001 == Satrec.twoline2rv(l1, l2).satnum
    with pytest.raises(ValueError):
        int_to_alpha5(340000)


def test_blank_padded_catalog_number():
    l1 = "1     5U 58002B   22022.55771106  .00000105  00000-0  15609-3 0  9990"
    l2 = "2     5  34.2401 228.9165 1843365 100.8944 280.3452 10.84849428268693"
    l1 = l1[:68] + str(tle_checksum(l1))
    l2 = l2[:68] + str(tle_checksum(l2))
    assert parse_tle(l1, l2).norad_id == 5


def test_two_line_form_without_names():
    records = list(iter_tle(["", ISS[0], ISS[1], ""]))
    assert len(records) == 1 and records[0].name is None and records[0].source_line == 2


def test_from_tle_constructor():
    assert ElementSet.from_tle(*ISS).content_hash == parse_tle(*ISS).content_hash
