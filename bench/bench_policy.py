"""Cost of releasability: the SQL filter on catalog reads, and audit-log appends (SQLite).

The full public catalog (23,939 objects) is stored unowned and shared; a newer element
set of 5,000 of its objects is stored again owned by KR-MND and releasable to KR-MND
only. Reads are timed as the local operator (no filter: the reference, same run, same
query), as KR-MND (sees its newer sets) and as US-DOD (falls back to the shared ones).

Audit appends (one signed, chained entry per transaction) are compared with the
cheapest durable write SQLite allows in the same settings: a one-row INSERT committed
in its own transaction (WAL, synchronous=NORMAL).
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from bench.common import FULL_CATALOG, best_of, report
from sda.catalog.queries import CatalogQuery
from sda.catalog.store import BatchInfo, Store
from sda.ingest.pipeline import ingest_bytes, parse_bytes
from sda.policy import Marking, Principal

N_PRIVATE = 5_000
N_APPENDS = 300
PRIVATE = Marking("KR-MND", frozenset({"KR-MND"})).to_json()


def _reads(store: Store, principals: dict[str, Principal | None]) -> list[dict]:
    results = []
    queries = {"first page of 100 objects": CatalogQuery(limit=100),
               "one object by catalog number": CatalogQuery(norad_ids=(25544,)),
               "name search STARLINK*, 100": CatalogQuery(name="STARLINK*", limit=100)}
    for label, q in queries.items():
        ref = best_of(lambda: store.latest(q), repeat=20) * 1000
        results.append(report(f"{label}, local operator (reference)", ref, "ms"))
        for who, p in principals.items():
            ms = best_of(lambda: store.latest(q, principal=p), repeat=20) * 1000
            results.append(report(f"{label}, as {who}", ms, "ms", reference="local", ref_value=ref))
    ref = best_of(lambda: store.count(), repeat=5) * 1000
    results.append(report("count of every object, local operator (reference)", ref, "ms"))
    for who, p in principals.items():
        ms = best_of(lambda: store.count(principal=p), repeat=5) * 1000
        results.append(report(f"count of every object, as {who}", ms, "ms", reference="local", ref_value=ref))
    return results


def _plain_insert_rate(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")

    def writes() -> None:
        for i in range(N_APPENDS):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (payload) VALUES (?)", (f"entry {i}",))
            conn.execute("COMMIT")

    rate = N_APPENDS / best_of(writes, repeat=3)
    conn.close()
    return rate


def run() -> list[dict]:
    data = FULL_CATALOG.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'policy.db'}")
        ingest_bytes(store, data, name=FULL_CATALOG.name)
        _, records, _ = parse_bytes(data, name=FULL_CATALOG.name)
        newer = [replace(r, epoch_us=r.epoch_us + 60_000_000) for r in records[:N_PRIVATE]]
        store.write_batch(BatchInfo("kr-mnd", "private", "TLE", "REAL", uuid.uuid4().hex, PRIVATE), newer)
        principals = {"KR-MND": Principal(1, "kr", "KR-MND"), "US-DOD": Principal(2, "us", "US-DOD")}
        results = _reads(store, principals)
        ref = _plain_insert_rate(Path(tmp) / "plain.db")
        results.append(report("one-row INSERT transactions (reference)", ref, "writes/s"))
        kr = principals["KR-MND"]
        rate = N_APPENDS / best_of(lambda: [store.audit_append(kr, "read", f"objects {i}", "192.0.2.1")
                                            for i in range(N_APPENDS)], repeat=3)
        results.append(report("audit appends (chained, signed)", rate, "entries/s", reference="plain INSERT",
                              ref_value=ref))
        verify_s = best_of(lambda: store.audit_verify(), repeat=3)
        n = store.audit_verify().n_entries
        results.append(report(f"audit verify ({n} entries)", n / verify_s, "entries/s"))
        store.close()
    return results


if __name__ == "__main__":
    run()
