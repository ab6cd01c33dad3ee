"""Conjunctions, screening runs and asset thresholds in the store (SQLite and PostgreSQL), and
CDM ingest through the pipeline with the Orekit, CCSDS and NASA CARA CDMs of ../shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sda.catalog.records import Conjunction
from sda.catalog.store import ScreeningRunInfo
from sda.errors import IngestError, ParseError
from sda.ingest.cdm import Cdm, iter_cdm_kvn, iter_cdm_xml
from sda.ingest.pipeline import ingest_bytes, ingest_file

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
CDM_DIR = DATA / "ccsds" / "cdm"
SAMPLES = sorted([*(CDM_DIR / "orekit" / "valid").iterdir(), *(CDM_DIR / "ccsds-ndm").iterdir(),
                  *(CDM_DIR / "cara_misc").iterdir(), *(DATA / "pc" / "cara_pc_method_tests" / "cdms").iterdir()])
INVALID = sorted((CDM_DIR / "orekit" / "invalid").iterdir())
T0 = 1_800_000_000_000_000  # µs


def strict(path: Path) -> Cdm | ParseError:
    if path.suffix == ".xml":
        (item,) = iter_cdm_xml(path.read_bytes(), file=path.name)
    else:
        (item,) = iter_cdm_kvn(path.read_text(encoding="utf-8").splitlines(), file=path.name)
    return item


def conjunction(n1: int, n2: int, dt_s: float, miss_km: float, pc: float | None) -> Conjunction:
    rng = np.random.default_rng(n1 * 1000 + n2)
    return Conjunction(n1, n2, T0 + int(dt_s * 1e6), miss_km, 14.123456789, rng.normal(size=3), rng.normal(size=6) * 7000,
                       rng.normal(size=6) * 7000, element_set_id_1=None, epoch_1_us=T0 - 86_400_000_000,
                       epoch_2_us=T0 - 3_600_000_000, pc=pc, pc_method=None if pc is None else "FOSTER-1992",
                       hbr_m=None if pc is None else 20.0, covariance_assumed=True, screening_threshold_km=5.0)


def test_screening_run_round_trip_and_filters(store):
    found = [conjunction(25544, 44713, 10, 0.1 / 3, 2.5e-4), conjunction(44713, 48274, 5, 4.2, None),
             conjunction(1, 25544, 7200, 1.0, 1e-9)]
    run = ScreeningRunInfo(start_us=T0, window_s=86_400.0, threshold_km=5.0, n_objects=3, run_time_s=1.25,
                           primaries=(25544,), data_mode="TEST")
    run_id = store.write_screening_run(run, found)
    assert store.conjunctions(run_id=run_id) == []  # REAL by default
    stored = store.conjunctions(run_id=run_id, data_modes=("TEST",))
    assert [s.conjunction.tca_us for s in stored] == sorted(c.tca_us for c in found)
    by_pair = {(s.conjunction.norad_id_1, s.conjunction.norad_id_2): s for s in stored}
    for c in found:
        s = by_pair[(c.norad_id_1, c.norad_id_2)]
        assert s.run_id == run_id and s.batch_id is None and not s.has_cdm and s.data_mode == "TEST"
        assert s.conjunction.as_dict() == c.as_dict()  # every float exactly (double precision)
        np.testing.assert_array_equal(s.conjunction.state_2, c.state_2)
        assert store.get_conjunction(s.id).conjunction.as_dict() == c.as_dict()
    (row,) = store.screening_runs()
    assert (row["id"], row["n_conjunctions"], row["primaries"], row["window_s"]) == (run_id, 3, [25544], 86_400.0)
    q = dict(data_modes=("TEST",))
    assert {s.conjunction.norad_id_2 for s in store.conjunctions(norad_id=25544, **q)} == {44713, 25544}
    assert [s.conjunction.pc for s in store.conjunctions(min_pc=1e-6, **q)] == [2.5e-4]
    assert [s.conjunction.miss_distance_km for s in store.conjunctions(max_miss_km=1.0, **q)] == [0.1 / 3, 1.0]
    assert len(store.conjunctions(tca_from_us=T0 + 6_000_000, tca_to_us=T0 + 10_000_000, **q)) == 1
    assert len(store.conjunctions(limit=2, **q)) == 2
    assert store.get_conjunction(10_000) is None


def test_asset_thresholds(store):
    store.set_asset_threshold(25544, "NASA", min_pc=1e-4)
    store.set_asset_threshold(25544, "ESA", max_miss_km=1.0, max_hours_to_tca=72)
    store.set_asset_threshold(25544, "NASA", min_pc=1e-5, max_miss_km=2.0)  # replaces NASA's
    got = {(t.norad_id, t.owner): t for t in store.asset_thresholds()}
    assert set(got) == {(25544, "ESA"), (25544, "NASA")}
    nasa = got[(25544, "NASA")]
    assert (nasa.min_pc, nasa.max_miss_km, nasa.max_hours_to_tca) == (1e-5, 2.0, None)
    assert [t.owner for t in store.asset_thresholds(owner="ESA")] == ["ESA"]


def test_cdm_samples_ingest(store, tmp_path):
    n_before = 0
    for path in SAMPLES:
        parsed = strict(path)
        if isinstance(parsed, ParseError):
            # CARA's generated test CDMs label some units wrongly: rejected whole, naming line and field.
            with pytest.raises(IngestError) as err:
                ingest_file(store, path, rejects_dir=tmp_path)
            (e,) = err.value.errors
            assert e.detail == "wrong unit" and e.line is not None and e.field == parsed.field
        else:
            report = ingest_file(store, path, rejects_dir=tmp_path)
            assert report.format == ("CDM-XML" if path.suffix == ".xml" else "CDM-KVN") or report.already_ingested
            assert report.n_rejected == 0
        n_after = store.table_counts()["conjunctions"]
        assert n_after - n_before in (0, 1)
        n_before = n_after
    stored = store.conjunctions()
    assert len(stored) == store.table_counts()["conjunctions"]
    valid = [p for p in SAMPLES if isinstance(strict(p), Cdm)]
    # Distinct messages: CDMExample5.txt is CDMExample1.txt byte for byte, and
    # CDMExample1.xml / cdm_example_section4.xml are the same messages as their KVN files.
    assert len(stored) == len(valid) - 3
    messages = [strict(p) for p in valid]
    for s in stored:
        assert s.has_cdm and s.batch_id is not None and s.data_mode == "REAL"
        c = s.conjunction
        # Several Orekit samples share a message id: the stored conjunction is one of them, field for field.
        assert any((c.norad_id_1, c.norad_id_2, c.tca_us, c.miss_distance_km, c.pc, c.source)
                   == (m.object1.norad_id, m.object2.norad_id, m.tca_us, m.miss_distance_km,
                       m.collision_probability, m.originator)
                   and np.array_equal(c.state_1[:3], m.object1.position_km)
                   and np.array_equal(c.state_2[3:], m.object2.velocity_km_s)
                   for m in messages if m.message_id == c.origin)
    # The KVN stored is the file itself.
    ion = CDM_DIR / "orekit" / "valid" / "ION_SCV8_vs_STARLINK_1233.txt"
    (s,) = [s for s in stored if s.conjunction.norad_id_1 == 55051]
    assert store.conjunction_cdm(s.id) == ion.read_text(encoding="utf-8")
    # Idempotent: the same files again, and the same message from another source, change nothing.
    counts = store.table_counts()
    for path in SAMPLES[:6]:
        if isinstance(strict(path), Cdm):
            assert ingest_file(store, path).already_ingested
            assert ingest_bytes(store, path.read_bytes(), name=path.name, source="partner-b").n_new == 0
    assert store.table_counts()["conjunctions"] == counts["conjunctions"]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_cdms_are_rejected_with_nothing_stored(store, path, tmp_path):
    with pytest.raises(IngestError) as err:
        ingest_file(store, path, rejects_dir=tmp_path)
    (e,) = err.value.errors
    expected_field = {"CDM-missing-TCA.txt": "TCA", "CDM-missing-object2-state-vector.txt": "X",
                      "CDM-wrong-key-word.txt": "keyword"}[path.name]
    assert e.field == expected_field and e.line is not None and e.file == str(path)
    assert store.table_counts()["conjunctions"] == store.table_counts()["ingest_batches"] == 0


def test_cdm_without_catalog_number_resolves_by_international_designator(store):
    text = (CDM_DIR / "orekit" / "valid" / "CDMExample1.txt").read_text(encoding="utf-8")
    renamed = text.replace("CATALOG_NAME                  = SATCAT", "CATALOG_NAME                  = OTHER")
    with pytest.raises(IngestError) as err:
        ingest_bytes(store, renamed.encode(), name="other.cdm")
    assert err.value.errors[0].field == "OBJECT_DESIGNATOR" and "1997-030E" in err.value.errors[0].found
    assert store.table_counts()["conjunctions"] == 0
    # Once the catalog knows both international designators, the same message stores.
    tle = ("0 OBJ A\n1 12345U 97030E   10071.50000000  .00000000  00000-0  00000-0 0  9990\n"
           "2 12345  98.0000 100.0000 0010000  90.0000 270.0000 14.50000000    09\n"
           "0 OBJ B\n1 30337U 99025AA  10071.50000000  .00000000  00000-0  00000-0 0  9990\n"
           "2 30337  99.0000 100.0000 0010000  90.0000 270.0000 14.50000000    09\n")
    from sda.ingest.tle import tle_checksum

    lines = [ln if ln.startswith("0") else ln[:68] + str(tle_checksum(ln[:68])) for ln in tle.splitlines()]
    ingest_bytes(store, ("\n".join(lines) + "\n").encode(), name="objs.tle")
    report = ingest_bytes(store, renamed.encode(), name="other.cdm")
    (s,) = store.conjunctions(batch_id=report.batch_id)
    assert (s.conjunction.norad_id_1, s.conjunction.norad_id_2) == (12345, 30337)
