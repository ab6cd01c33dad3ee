"""Element-set writers behind the API's formats: TLE lines written from the elements read back
as the very same elements for every object of the bundled catalog (Space-Track's own lines are
the reference), and values a TLE cannot hold are refused."""

from __future__ import annotations

import gzip
from dataclasses import replace
from importlib import resources

import pytest

from sda.core.times import parse_utc_us
from sda.ingest.tle import iter_tle, parse_tle
from sda.products.formats import FORMATS, tle_lines, write_element_sets

FIELDS = ("norad_id", "epoch_us", "mean_motion_rev_day", "eccentricity", "inclination_deg", "raan_deg",
          "arg_perigee_deg", "mean_anomaly_deg", "bstar_per_er", "mean_motion_dot", "mean_motion_ddot",
          "intl_designator", "classification", "ephemeris_type", "element_set_no", "rev_at_epoch")


def _bundled():
    raw = resources.files("sda.data").joinpath("spacetrack_full_catalog_3le_2022-01-22.txt.gz").read_bytes()
    return list(iter_tle(gzip.decompress(raw).decode().splitlines()))


def test_written_tle_lines_read_back_exactly_for_the_whole_catalog():
    sets = _bundled()
    assert len(sets) == 23_939
    for es in sets:
        l1, l2 = tle_lines(replace(es, tle_line1=None, tle_line2=None))
        back = parse_tle(l1, l2)
        assert [getattr(back, f) for f in FIELDS] == [getattr(es, f) for f in FIELDS], (es.tle_line1, l1)
    iss = next(es for es in sets if es.norad_id == 25544)  # every field non-zero: the very same text
    assert tle_lines(replace(iss, tle_line1=None, tle_line2=None)) == (iss.tle_line1, iss.tle_line2)


def test_received_lines_are_served_as_received_and_limits_are_refused():
    es = _bundled()[0]
    assert tle_lines(es) == (es.tle_line1, es.tle_line2)
    bare = replace(es, tle_line1=None, tle_line2=None)
    with pytest.raises(ValueError, match="339999"):
        tle_lines(replace(bare, norad_id=340_000))
    with pytest.raises(ValueError, match="eccentricity"):
        tle_lines(replace(bare, eccentricity=1.2))
    with pytest.raises(ValueError, match="derivative"):
        tle_lines(replace(bare, mean_motion_dot=1.5))
    alpha5 = parse_tle(*tle_lines(replace(bare, norad_id=270_001)))
    assert alpha5.norad_id == 270_001 and tle_lines(replace(bare, norad_id=270_001))[0][2:7] == "T0001"
    # 0.2 ms before a new year rounds (to 1e-8 day) to day 1.00000000 of the next year
    new_year = parse_tle(*tle_lines(replace(bare, epoch_us=parse_utc_us("2023-01-01T00:00:00Z") - 200)))
    assert new_year.epoch_us == parse_utc_us("2023-01-01T00:00:00Z")


def test_every_format_writes_something_readable():
    from sda.catalog.records import Provenance, StoredElementSet

    es = _bundled()[:3]
    stored = [StoredElementSet(i, e, Provenance("test", "here", "REAL", 0, e.content_hash, 1,
                                                '{"releasable_to":["ALL"]}', "TLE")) for i, e in enumerate(es)]
    for fmt in FORMATS:
        body, media = write_element_sets(stored, fmt)
        text = body.decode() if isinstance(body, bytes) else body
        assert str(es[0].norad_id) in text and media, fmt
        empty, _ = write_element_sets([], fmt)
        assert empty is not None
    with pytest.raises(ValueError, match="unknown format"):
        write_element_sets(stored, "pdf")
