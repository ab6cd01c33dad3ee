"""The store reads the REST API makes most, on SQLite and on PostgreSQL: a name search ignores
case and finds a prefix through the name index (migration 0005); a live stream reads only the
alerts after the last one it sent, by id, filtered for its partner in SQL; a history is paged
in SQL: a page past the end of a visible history is empty, a hidden object is absent at any
offset."""

from __future__ import annotations

import fnmatch
from dataclasses import replace

from sqlalchemy import text

from sda.catalog.queries import CatalogQuery
from sda.catalog.store import Store
from sda.policy import Marking, Principal
from tests.rest_support import alert_for, bundled_sets, conjunction_between, ingest_marked, make_api


def _reference(names: dict[int, str], pattern: str) -> set[int]:
    """Catalog numbers whose name matches ``pattern`` as the API documents it: ``*``/``?``
    wildcards, case ignored, no wildcard meaning "contains"."""
    p = pattern.upper() if any(c in pattern for c in "*?") else f"*{pattern.upper()}*"
    return {n for n, name in names.items() if fnmatch.fnmatchcase(name.upper(), p)}


def test_name_search_ignores_case_and_prefixes_use_the_index(store):
    sets = bundled_sets(40)
    ingest_marked(store, sets, Marking(), "forty.tle")
    names = {es.norad_id: es.name for es in sets}
    for pattern in ("vanguard*", "VANGUARD R?B", "Thor Able*", "*deb*", "r/b", "Explorer 1?", "nothing*"):
        got = {o.norad_id for o in store.objects(CatalogQuery(name=pattern))}
        assert got == _reference(names, pattern), pattern
    assert _reference(names, "vanguard*") == {5, 11, 12, 16, 20}  # the reference itself is not vacuous
    with store.engine.connect() as conn:  # the form of condition the store writes, on each database
        if store.dialect == "sqlite":
            plan = " ".join(r[-1] for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT norad_id FROM objects WHERE name LIKE 'VANGUARD%'"))
        else:
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in conn.execute(text(
                "EXPLAIN SELECT norad_id FROM objects WHERE upper(name) LIKE 'VANGUARD%'")))
    assert "ix_objects_name_search" in plan, plan


def test_stream_reads_alerts_after_the_last_one_sent(store):
    a, b = bundled_sets(2)
    ingest_marked(store, [a, b], Marking(), "two.tle")
    conj = conjunction_between(store, a.norad_id, b.norad_id, Marking())
    assert store.last_alert_id() == 0
    kr_only = Marking(owner="KR-MND", releasable_to=frozenset({"KR-MND"}))
    shared1 = alert_for(store, conj, a.norad_id, "US-DOD", Marking())
    secret = alert_for(store, conj, a.norad_id, "KR-MND", kr_only)
    shared2 = alert_for(store, conj, b.norad_id, "KR-KASA", Marking())
    exercise = alert_for(store, conj, b.norad_id, "KR-MND", Marking(mode="EXERCISE"))
    assert store.last_alert_id() == exercise.id
    kr, us = Principal(1, "kr", "KR-MND"), Principal(2, "us", "US-DOD")
    ids = [x.id for x in store.alerts_after(shared1.id, principal=kr, data_modes=("REAL",))]
    assert ids == [secret.id, shared2.id]
    assert [x.id for x in store.alerts_after(shared1.id, principal=us, data_modes=("REAL",))] == [shared2.id]
    assert [x.id for x in store.alerts_after(0, principal=kr, data_modes=("REAL",), limit=2)] == [shared1.id, secret.id]
    assert [x.id for x in store.alerts_after(shared2.id, principal=kr)] == [exercise.id]  # every mode
    assert store.alerts_after(exercise.id, principal=kr) == []
    assert [x.id for x in store.alerts_after(0)] == [shared1.id, secret.id, shared2.id, exercise.id]


def test_sqlite_catalog_is_read_through_a_memory_map(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'catalog.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() >= 1 << 30


def test_history_pages_in_sql_and_hidden_looks_absent(store_url):
    api = make_api(store_url)
    base = bundled_sets(1)[0]
    sets = [replace(base, epoch_us=base.epoch_us + k * 3_600_000_000, element_set_no=k, tle_line1=None,
                    tle_line2=None) for k in range(7)]
    ingest_marked(api.store, sets[:5], Marking(), "shared.tle")
    ingest_marked(api.store, sets[5:], Marking(owner="KR-MND", releasable_to=frozenset({"KR-MND"})), "kr.tle")
    hidden = replace(bundled_sets(2)[1], tle_line1=None, tle_line2=None)
    ingest_marked(api.store, [hidden], Marking(owner="KR-MND", releasable_to=frozenset({"KR-MND"})), "hidden.tle")
    n = base.norad_id
    try:
        for partner, expected in (("KR-MND", 7), ("US-DOD", 5)):
            whole = [st.id for st in api.store.history(n, principal=api.principals[(partner, "viewer")])]
            assert len(whole) == expected
            p = api.principals[(partner, "viewer")]
            assert [st.id for st in api.store.history(n, principal=p, limit=3, offset=2)] == whole[2:5]
            seen, url = [], f"/api/v1/objects/{n}/history?limit=2"
            while url:
                body = api.get(url, partner).json()
                seen += [item["id"] for item in body["items"]]
                url = body["next"]
            assert seen == whole, partner
            past = api.get(f"/api/v1/objects/{n}/history?offset=40", partner)  # visible, past the end: empty page
            assert past.status_code == 200 and past.json() == {"items": [], "next": None}
        for offset in (0, 40):  # hidden and nonexistent: the same answer at any offset
            answers = [api.get(f"/api/v1/objects/{m}/history?offset={offset}", "US-DOD") for m in (hidden.norad_id,
                                                                                              999_999)]
            assert [a.status_code for a in answers] == [404, 404]
            assert answers[0].json()["detail"].replace(str(hidden.norad_id), "N") == \
                answers[1].json()["detail"].replace("999999", "N")
    finally:
        api.client.close()
        api.store.close()
