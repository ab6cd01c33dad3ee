"""The audit log: every kind of tampering (edit, deletion, reordering, truncation, a re-hashed
suffix, a wiped log) is detected and located, in the pure verifier and in the store on SQLite
and PostgreSQL; concurrent appends keep one unbroken chain; ``sda audit`` reports it."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from sda.catalog.store import Store
from sda.interfaces.cli.main import app
from sda.policy import Principal
from sda.policy.audit import GENESIS_HASH, AuditEntry, AuditHead, entry_hash, head_signature, sign, verify

SECRET = bytes(range(32))
WRONG = bytes(32)
KINDS = ("edit", "delete", "reorder", "truncate", "rehash")


def chain(n: int, secret: bytes = SECRET) -> tuple[list[AuditEntry], AuditHead]:
    """A valid log of ``n`` entries and its head."""
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        fields = (seq, 1_000 + seq, seq % 3 or None, f"user{seq % 3}", "KR-MND", "read", f"objects {seq}", "10.0.0.1")
        h = entry_hash(prev, *fields)
        entries.append(AuditEntry(*fields, prev, h, sign(secret, h)))
        prev = h
    return entries, AuditHead(n, prev, head_signature(secret, n, prev))


def rehash(entries: list[AuditEntry], start: int, secret: bytes) -> tuple[list[AuditEntry], AuditHead]:
    """Entries from index ``start`` on, recomputed into a consistent chain signed with ``secret``."""
    out = entries[:start]
    prev = out[-1].hash if out else GENESIS_HASH
    for e in entries[start:]:
        h = entry_hash(prev, e.seq, e.at_us, e.principal_id, e.principal, e.partner, e.action, e.target, e.origin)
        out.append(replace(e, prev_hash=prev, hash=h, mac=sign(secret, h)))
        prev = h
    return out, AuditHead(out[-1].seq, prev, head_signature(secret, out[-1].seq, prev))


def tamper(kind: str, entries: list[AuditEntry], head: AuditHead, k: int) -> tuple[list, AuditHead, int]:
    """Apply one kind of tampering at index ``k``; return the log, its head and the first entry affected."""
    e = list(entries)
    if kind == "edit":
        e[k] = replace(e[k], target=e[k].target + " (changed)")
    elif kind == "delete":
        del e[k]
    elif kind == "reorder":
        e[k], e[k + 1] = replace(e[k + 1], seq=e[k].seq), replace(e[k], seq=e[k + 1].seq)
    elif kind == "truncate":
        e = e[:k]
    elif kind == "rehash":  # change an entry and re-hash everything after it, without the server's key
        e[k] = replace(e[k], target="nothing to see")
        e, head = rehash(e, k, WRONG)
    return e, head, k + 1


@settings(max_examples=300, deadline=None)
@given(st.integers(3, 40), st.sampled_from(KINDS), st.data())
def test_every_tampering_is_detected_where_it_happened(n, kind, data):
    entries, head = chain(n)
    assert verify(entries, head, SECRET).ok
    k = data.draw(st.integers(0, n - 2))
    bad, bad_head, first = tamper(kind, entries, head, k)
    report = verify(bad, bad_head, SECRET)
    assert not report.ok
    assert report.first_break == first, report.problems


def test_hash_chain_alone_catches_all_but_a_rehash():
    entries, head = chain(10)
    for kind in ("edit", "delete", "reorder", "truncate"):
        bad, bad_head, first = tamper(kind, entries, head, 4)
        assert verify(bad, bad_head).first_break == first
    bad, bad_head, _ = tamper("rehash", entries, head, 4)
    assert verify(bad, bad_head).ok  # a re-hashed suffix is consistent: only the signatures tell
    assert not verify(bad, bad_head, SECRET).ok


def test_head_protects_the_tail_and_a_wiped_log():
    entries, head = chain(6)
    cut = entries[:4]
    forged = AuditHead(4, cut[-1].hash, head_signature(WRONG, 4, cut[-1].hash))
    report = verify(cut, forged, SECRET)
    assert not report.ok and [p.kind for p in report.problems] == ["head"]
    assert verify(cut, head, SECRET).first_break == 5
    assert not verify([], None, SECRET, started=True).ok  # entries and head deleted, the key remains
    assert verify([], None, None).ok  # a log never written to


def _fill(store: Store, n: int) -> None:
    p = Principal(7, "analyst", "KR-MND", "analyst")
    for i in range(n):
        store.audit_append(p if i % 2 else None, "read", f"objects page {i}", "192.0.2.1")


@pytest.mark.parametrize("kind", KINDS)
def test_store_detects_tampering(store, kind, tmp_path, monkeypatch):
    _fill(store, 8)
    assert store.audit_verify().ok and store.audit_verify().n_entries == 8
    sql = {
        "edit": ["UPDATE audit_log SET target = 'objects page 99' WHERE seq = 4"],
        "delete": ["DELETE FROM audit_log WHERE seq = 4"],
        "reorder": ["UPDATE audit_log SET seq = -1 WHERE seq = 4", "UPDATE audit_log SET seq = 4 WHERE seq = 5",
                    "UPDATE audit_log SET seq = 5 WHERE seq = -1"],
        "truncate": ["DELETE FROM audit_log WHERE seq >= 4"],
    }.get(kind)
    with store.engine.begin() as conn:
        if sql:
            for statement in sql:
                conn.execute(text(statement))
        else:  # rewrite entry 4 and re-hash the rest, as someone without the audit key would
            changed = [replace(e, target="nothing to see") if e.seq == 4 else e for e in store.audit_entries()]
            forged, head = rehash(changed, 3, WRONG)
            for e in forged[3:]:
                conn.execute(text("UPDATE audit_log SET target = :t, prev_hash = :p, hash = :h, mac = :m "
                                  "WHERE seq = :s"), dict(t=e.target, p=e.prev_hash, h=e.hash, m=e.mac, s=e.seq))
            conn.execute(text("UPDATE audit_head SET hash = :h, mac = :m"), dict(h=head.hash, m=head.mac))
    report = store.audit_verify()
    assert not report.ok and report.first_break == 4, report.problems


def test_concurrent_appends_keep_one_chain(store, tmp_path, monkeypatch):
    errors = []

    def work():
        try:
            _fill(store, 15)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = store.audit_verify()
    assert report.ok and report.n_entries == 60
    assert [e.seq for e in store.audit_entries()] == list(range(1, 61))


def test_cli_audit(tmp_path):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["admin", "partner", "add", "KR-MND", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["catalog", "list", "--as-partner", "KR-MND", "--db", db]).exit_code == 0
    res = runner.invoke(app, ["audit", "list", "--db", db, "--json"])
    entries = json.loads(res.stdout)
    assert [(e["seq"], e["action"], e["partner"]) for e in entries] == [(2, "read", "KR-MND"), (1, "admin", "")]
    assert entries[0]["target"] == "catalog list: 0 record(s)" and entries[0]["origin"].startswith("cli ")
    res = runner.invoke(app, ["audit", "verify", "--db", db])
    assert res.exit_code == 0 and "intact: 2 entries" in res.stdout
    store = Store(db)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET principal = 'someone else' WHERE seq = 1"))
    res = runner.invoke(app, ["audit", "verify", "--db", db])
    assert res.exit_code == 1 and "broken at entry 1" in res.stderr and "entry 1 was changed" in res.stderr
    assert json.loads(runner.invoke(app, ["audit", "verify", "--db", db, "--json"]).stdout)["first_break"] == 1
