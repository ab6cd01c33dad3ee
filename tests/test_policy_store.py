"""Releasability in the store, on SQLite and on PostgreSQL: for randomized markings and every
partner, the SQL filter, the reference decide() and the egress check agree on every record
(conjunctions, alerts, warnings, element-set history and each principal's newest element
set); stored markings from before markings had owners are migrated; API keys are kept hashed;
uploads are checked against the uploader's partner and role, and audited."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import text

import sda.catalog.migrations as migrations
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import ElementSet
from sda.catalog.store import BatchInfo, ScreeningRunInfo
from sda.errors import IngestError, StoreError
from sda.ingest.pipeline import ingest_bytes
from sda.policy import MODES, Marking, Principal, decide, egress
from sda.products.alerts import Alert
from sda.products.warnings import Warning
from tests.test_cli_conjunctions import TLES
from tests.test_conjunction_store import T0, conjunction
from tests.test_policy import PARTNERS, markings

#: Every partner, one that owns nothing and is named nowhere, and the local operator.
PRINCIPALS = [Principal(i, f"p{i}", name) for i, name in enumerate(PARTNERS + ("NOBODY",))] + [Principal.local()]
MODE_SETS = [("REAL",), ("EXERCISE",), ("TEST", "SIMULATED"), MODES]
US_PER_DAY = 86_400_000_000

def shared_store(max_examples: int):
    """Hypothesis settings for examples that share one store (each example uses its own ids)."""
    return settings(max_examples=max_examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_next_block = itertools.count(1)
TEMPLATE = ElementSet.from_tle("1 00005U 58002B   22022.55771106  .00000105  00000-0  15609-3 0  9990",
                               "2 00005  34.2401 228.9165 1843365 100.8944 280.3452 10.84849428268693")


@pytest.mark.slow
@shared_store(15)
@given(ms=st.lists(markings, min_size=1, max_size=12))
def test_sql_filter_decide_and_egress_agree(store, ms):
    block = next(_next_block) * 1000
    run_id = store.write_screening_run(
        ScreeningRunInfo(start_us=T0, window_s=60.0, threshold_km=5.0, n_objects=len(ms), run_time_s=0.1),
        [conjunction(block + i, block + 999, i, 1.0, None) for i in range(len(ms))], [m.to_json() for m in ms])
    stored = store.conjunctions(run_id=run_id, data_modes=None)
    index = {sc.id: sc.conjunction.norad_id_1 - block for sc in stored}
    assert sorted(index.values()) == list(range(len(ms)))
    assert all(Marking.from_json(sc.marking) == ms[index[sc.id]] and sc.data_mode == ms[index[sc.id]].mode
               for sc in stored)
    alerts = store.write_alerts([Alert(sc.id, block + index[sc.id], "KR-MND", (), "GREEN", T0, "m", sc.marking,
                                       sc.data_mode) for sc in stored])
    alert_index = {a.id: index[a.conjunction_id] for a in alerts}
    since = T0 + block * 1000
    store.write_warnings([Warning("MANEUVER", block + i, since + i, 0.5, "burn", marking=m.to_json(), data_mode=m.mode)
                          for i, m in enumerate(ms)])
    for p in PRINCIPALS:
        for modes in MODE_SETS:
            expected = {i for i, m in enumerate(ms) if decide(p, m, modes=modes)}
            sql = store.conjunctions(run_id=run_id, data_modes=modes, principal=p)
            assert {index[sc.id] for sc in sql} == expected, (p, modes)
            assert {index[sc.id] for sc in egress(p, stored, modes=modes)} == expected
            got_alerts = {alert_index[a.id] for a in store.alerts(principal=p, data_modes=modes) if a.id in alert_index}
            assert got_alerts == expected
            streamed = store.alerts_after(min(alert_index) - 1, principal=p, data_modes=modes)  # what a stream sends
            assert [a.id for a in streamed] == sorted(i for i, k in alert_index.items() if k in expected)
            got_warnings = {w.norad_id - block for w in store.warnings(since_us=since, data_modes=modes, principal=p)}
            assert got_warnings == expected
        for sc in stored[:3]:  # by id, any mode: hidden looks like absent
            visible = decide(p, ms[index[sc.id]], modes=MODES)
            assert (store.get_conjunction(sc.id, principal=p) is not None) == visible


@pytest.mark.slow
@shared_store(10)
@given(sets=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4), markings), min_size=1, max_size=8))
def test_each_principal_sees_its_own_newest_element_set(store, sets):
    block = next(_next_block) * 10 + 100_000
    for k, (obj, day, m) in enumerate(sets):
        es = replace(TEMPLATE, norad_id=block + obj, epoch_us=TEMPLATE.epoch_us + day * US_PER_DAY + k)
        store.write_batch(BatchInfo("test", f"set-{k}", "TLE", m.mode, uuid.uuid4().hex, m.to_json()), [es])
    ids = tuple(block + i for i in range(3))
    every = [row for n in ids for row in store.history(n, MODES)]
    assert len(every) == len(sets)
    for p in PRINCIPALS:
        for modes in (("REAL",), MODES):
            allowed = [r for r in every if decide(p, Marking.from_json(r.provenance.marking), modes=modes)]
            newest = {}
            for r in allowed:
                key = (r.element_set.norad_id, r.provenance.data_mode)
                if key not in newest or (r.element_set.epoch_us, r.id) > (newest[key].element_set.epoch_us,
                                                                        newest[key].id):
                    newest[key] = r
            q = CatalogQuery(norad_ids=ids, data_modes=modes)
            latest = store.latest(q, principal=p)
            assert {r.id for r in latest} == {r.id for r in newest.values()}, (p, modes)
            assert store.count(q, principal=p) == len(newest)
            assert egress(p, latest, modes=modes) == latest
            for n in ids:  # one object: the newest set of the last mode (alphabetically) that has one
                mine = [r for (k, _), r in sorted(newest.items()) if k == n]
                got = store.get_object(n, modes, principal=p)
                assert (got.latest.id if got else None) == (mine[-1].id if mine else None), (p, modes, n)
        history = [r for n in ids for r in store.history(n, MODES, principal=p)]
        assert {r.id for r in history} == {r.id for r in every if decide(p, Marking.from_json(r.provenance.marking),
                                                                         modes=MODES)}
        n = ids[0]
        assert (store.get_object(n, MODES, principal=p) is not None) == any(r.element_set.norad_id == n
                                                                              for r in history)


def _alembic(store, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", migrations.__path__[0])
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_stored_markings_are_migrated(store):
    es = [replace(TEMPLATE, norad_id=n) for n in (5, 6, 7)]
    for n, (e, marking, mode) in enumerate(zip(es, ('{"releasable_to":["ALL"]}', '{"releasable_to":["KR","US"]}',
                                                    '{"releasable_to":["US"]}'), ("REAL", "EXERCISE", "REAL"))):
        store.write_batch(BatchInfo("legacy", f"f{n}", "TLE", mode, uuid.uuid4().hex, marking), [e])
    _alembic(store, "downgrade", "0003")
    with store.engine.begin() as conn:  # as stored before markings had owners and modes, and one unreadable
        conn.execute(text("""UPDATE element_sets SET marking = '{"releasable_to":["KR","US"]}' """
                          "WHERE norad_id = 6"))
        conn.execute(text("""UPDATE element_sets SET marking = '{"releasable_to":"US"}' WHERE norad_id = 7"""))
    _alembic(store, "upgrade", "head")
    rows = {r.element_set.norad_id: r for n in (5, 6, 7) for r in store.history(n, MODES)}
    assert rows[5].provenance.marking == '{"releasable_to":["ALL"]}'
    assert rows[6].provenance.marking == '{"mode":"EXERCISE","releasable_to":["KR","US"]}'
    assert rows[7].provenance.marking == '{"releasable_to":"US"}'  # kept for the record, seen by no partner
    us, it = Principal(1, "u", "US"), Principal(2, "i", "IT")
    q = CatalogQuery(data_modes=MODES)
    assert {r.element_set.norad_id for r in store.latest(q, principal=us)} == {5, 6}
    assert {r.element_set.norad_id for r in store.latest(q, principal=it)} == {5}
    assert {r.element_set.norad_id for r in store.latest(q)} == {5, 6, 7}
    assert egress(us, list(rows.values()), modes=MODES) == [rows[5], rows[6]]


def test_api_keys_are_hashed_and_revocable(store):
    store.create_partner("KR-KASA", "civil space agency")
    with pytest.raises(StoreError, match="already exists"):
        store.create_partner("KR-KASA")
    with pytest.raises(StoreError, match="invalid partner name"):
        store.create_partner("kr kasa")
    with pytest.raises(StoreError, match="unknown partner"):
        store.create_api_key("US-NASA")
    principal, key = store.create_api_key("KR-KASA", "provider", "uploader")
    assert (principal.name, principal.partner, principal.role, principal.kind) == \
        ("uploader", "KR-KASA", "provider", "service")
    assert store.principal_for_key(key) == principal
    assert store.principal_for_key(key + "x") is None
    second, key2 = store.create_api_key("KR-KASA", "provider", "uploader")  # a second key, same principal
    assert second == principal and key2 != key
    with pytest.raises(StoreError, match="is a provider"):
        store.create_api_key("KR-KASA", "admin", "uploader")
    with store.engine.connect() as conn:  # only hashes are kept
        assert key not in repr(conn.execute(text("SELECT * FROM api_keys")).all())
    (info, info2) = store.api_keys("KR-KASA")
    assert key.startswith(info.prefix) and info.revoked_at_us is None
    assert store.revoke_api_key(info.id) and not store.revoke_api_key(info.id)
    assert store.principal_for_key(key) is None and store.principal_for_key(key2) == principal
    assert store.partners()[0]["n_principals"] == 1


def test_uploads_are_checked_and_audited(store):
    own = Marking("ACME-SAT", frozenset({"US-DOD"})).to_json()
    for p in (Principal(3, "viewer", "ACME-SAT", "viewer"), Principal(4, "other", "US-DOD", "provider")):
        with pytest.raises(IngestError, match="may not store records owned by ACME-SAT"):
            ingest_bytes(store, TLES.encode(), name="up.tle", marking=own, principal=p, client="198.51.100.7")
    assert store.count(CatalogQuery(data_modes=MODES)) == 0
    with pytest.raises(IngestError, match="is for EXERCISE data, not REAL"):
        ingest_bytes(store, TLES.encode(), name="up.tle", marking='{"mode":"EXERCISE","releasable_to":["ALL"]}')
    uploader = Principal(5, "uploader", "ACME-SAT", "provider", "service")
    report = ingest_bytes(store, TLES.encode(), name="up.tle", marking=own, principal=uploader, client="198.51.100.7")
    assert report.n_new == 2
    last = store.audit_entries(newest_first=True, limit=1)[0]
    assert (last.principal, last.partner, last.action, last.origin) == ("uploader", "ACME-SAT", "write", "198.51.100.7")
    assert f"batch {report.batch_id}: 2 new of 2 TLE record(s)" in last.target and own in last.target
    assert {r.element_set.norad_id for r in store.latest(principal=Principal(6, "u", "US-DOD"))} == {25544, 44713}
    assert store.latest(principal=Principal(7, "k", "KR-MND")) == []
