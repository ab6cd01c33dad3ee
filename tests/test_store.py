"""The catalog store on SQLite and on a real PostgreSQL server: history, provenance, queries."""

from __future__ import annotations

import json

import pytest

from sda.catalog.queries import CatalogQuery
from sda.core.times import parse_utc_us
from sda.errors import IngestError
from sda.ingest.pipeline import ingest_bytes, ingest_file
from sda.ingest.tle import tle_checksum
from tests.conftest import FULL_CATALOG


def _retimed(line1: str, day: str) -> str:
    """Line 1 with another epoch day (columns 21-32) and a valid checksum."""
    l1 = line1[:20] + day + line1[32:68]
    return l1 + str(tle_checksum(l1))


@pytest.mark.slow
def test_full_catalog_ingest_and_summary(store):
    report = ingest_file(store, FULL_CATALOG, source="space-track")
    assert (report.n_records, report.n_new, report.n_rejected) == (23939, 23939, 0)
    counts = store.table_counts()
    assert counts["element_sets"] == counts["objects"] == counts["latest_element_sets"] == 23939
    s = store.summary()
    assert s.n_objects == 23939
    assert sum(s.by_type.values()) == sum(s.by_regime.values()) == 23939
    launch, parent, n = s.debris_families[0]
    assert (launch, parent) == ("1999-025", "FENGYUN 1C") and n >= 2600
    assert ("1982-092", "COSMOS 1408") in [(f[0], f[1]) for f in s.debris_families[:3]]
    # Re-ingesting the same file changes nothing.
    again = ingest_file(store, FULL_CATALOG, source="space-track")
    assert again.already_ingested and store.table_counts() == counts
    # Queries.
    q = store.latest(CatalogQuery(intl_designator="1982-092", object_types=("DEBRIS",)))
    family = dict((f[0], f[2]) for f in s.debris_families)["1982-092"]
    assert len(q) == family and all(r.element_set.intl_designator.startswith("1982-092") for r in q)
    geo = store.count(CatalogQuery(regimes=("GEO",), object_types=("PAYLOAD",)))
    assert 900 < geo < 1100
    assert store.count(CatalogQuery(name="starlink")) == 1846
    as_of = parse_utc_us("2022-01-26T00:00:00Z")
    fresh = store.count(CatalogQuery(max_epoch_age_days=7, as_of_us=as_of))
    stale = store.count(CatalogQuery(min_epoch_age_days=7, as_of_us=as_of))
    assert fresh + stale == 23939 and fresh > stale
    page = store.latest(CatalogQuery(limit=100, offset=100))
    assert len(page) == 100 and page[0].element_set.norad_id > store.latest(CatalogQuery(limit=1))[0].element_set.norad_id


ISS = (
    "0 ISS (ZARYA)",
    "1 25544U 98067A   22022.91470718  .00005958  00000-0  11386-3 0  9994",
    "2 25544  51.6445 336.0056 0006830  51.7508  17.5213 15.49594026322655",
)


def test_history_provenance_and_latest(store):
    older = (ISS[0], _retimed(ISS[1], "022.41470718"), ISS[2])
    newer = ISS
    r1 = ingest_bytes(store, "\n".join(newer).encode(), name="a.tle", source="space-track")
    r2 = ingest_bytes(store, "\n".join(older).encode(), name="b.tle", source="celestrak", mode="REAL")
    assert r1.n_new == r2.n_new == 1
    hist = store.history(25544)
    assert [h.provenance.source for h in hist] == ["celestrak", "space-track"]
    assert hist[0].element_set.epoch_us < hist[1].element_set.epoch_us
    # The newest epoch wins, whatever the ingest order.
    obj = store.get_object(25544)
    assert obj.latest.element_set.epoch_us == hist[1].element_set.epoch_us
    p = obj.latest.provenance
    assert p.origin == "a.tle" and p.data_mode == "REAL" and len(p.content_hash) == 64
    assert json.loads(p.marking) == {"releasable_to": ["ALL"]}
    assert p.ingested_at_us > parse_utc_us("2025-01-01T00:00:00Z")


def test_modes_are_kept_apart(store):
    exercise = (ISS[0], _retimed(ISS[1], "023.00000000"), ISS[2])
    ingest_bytes(store, "\n".join(ISS).encode(), name="real.tle")
    ingest_bytes(store, "\n".join(exercise).encode(), name="ex.tle", mode="EXERCISE")
    assert len(store.history(25544)) == 1
    assert len(store.history(25544, ("REAL", "EXERCISE"))) == 2
    real = store.get_object(25544)
    ex = store.get_object(25544, ("EXERCISE",))
    assert real.latest.element_set.epoch_us < ex.latest.element_set.epoch_us
    assert store.count(CatalogQuery()) == 1
    assert store.count(CatalogQuery(data_modes=("EXERCISE",))) == 1


def test_same_content_from_another_file_is_not_duplicated(store):
    ingest_bytes(store, "\n".join(ISS).encode(), name="a.tle")
    r = ingest_bytes(store, ("\n".join(ISS) + "\n\n").encode(), name="a-copy.tle")
    assert (r.n_records, r.n_new, r.already_ingested) == (1, 0, False)
    assert store.table_counts()["element_sets"] == 1


def test_bad_file_writes_nothing(store):
    bad = "\n".join(ISS[:2] + (ISS[2][:68] + "0",))
    with pytest.raises(IngestError):
        ingest_bytes(store, bad.encode(), name="bad.tle")
    assert all(n == 0 for n in store.table_counts().values())


def test_bad_mode_is_refused(store):
    with pytest.raises(IngestError, match="data mode"):
        ingest_bytes(store, "\n".join(ISS).encode(), name="a.tle", mode="PRETEND")


def test_omm_without_catalog_number_is_resolved_by_international_designator(store, shared_data):
    """OMMExample3 (TOD, MRT, no NORAD_CAT_ID) names GOES 9 (1995-025A): refused while the
    catalog does not know that designator, stored under GOES 9's number once it does."""
    omm = shared_data / "ccsds/omm/orekit/OMMExample3.txt"
    with pytest.raises(IngestError) as info:
        ingest_file(store, omm)
    [err] = info.value.errors
    assert (err.field, err.found, err.line) == ("NORAD_CAT_ID", "1995-025A", 1)
    assert store.table_counts()["element_sets"] == 0
    goes9 = [ln for ln in FULL_CATALOG.read_text().splitlines()]
    i = goes9.index(next(ln for ln in goes9 if ln.startswith("1 ") and ln[9:17].strip() == "95025A"))
    ingest_bytes(store, "\n".join(goes9[i - 1:i + 2]).encode(), name="goes9.tle")
    report = ingest_file(store, omm)
    assert report.n_new == 1
    norad = int(goes9[i][2:7])
    tod = [h for h in store.history(norad) if h.element_set.ref_frame == "TOD"]
    assert len(tod) == 1 and tod[0].element_set.time_system == "MRT"
