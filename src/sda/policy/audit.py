"""The audit log: append-only, hash-chained, signed; and its verification.

Every entry records who (principal, partner), when (UTC µs), what (action and target)
and from where (origin: the client address or ``cli user@host``). Entry ``n`` carries
the SHA-256 of entry ``n-1`` (``prev_hash``) and its own hash over its sequence number,
fields and ``prev_hash`` (:func:`entry_hash`), so changing, removing or moving an entry
breaks the chain at that point. Each entry's hash is also signed with HMAC-SHA256 under
a server secret kept outside the database (:func:`load_secret`), and a *head* record
holds the last sequence number and hash, signed the same way: someone who can write to
the database but does not hold the secret cannot re-hash a changed suffix or cut off
the tail without :func:`verify` noticing.

:func:`verify` is pure: it takes the entries (by sequence number), the head and the
secret, and reports every problem with the sequence number where the chain breaks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

from sda.core.times import format_utc

__all__ = ["GENESIS_HASH", "AuditEntry", "AuditHead", "AuditProblem", "AuditReport", "entry_hash", "sign",
           "head_signature", "load_secret", "local_origin", "verify"]

#: ``prev_hash`` of the first entry.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One audit record (``principal_id`` is ``None`` for the local operator)."""

    seq: int
    at_us: int
    principal_id: int | None
    principal: str
    partner: str
    action: str
    target: str
    origin: str
    prev_hash: str
    hash: str
    mac: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["at"] = format_utc(d.pop("at_us"))
        return d


@dataclass(frozen=True)
class AuditHead:
    """The last entry's sequence number and hash, signed (``mac``)."""

    seq: int
    hash: str
    mac: str


@dataclass(frozen=True)
class AuditProblem:
    """Where the chain breaks (``seq``: the first entry affected; ``None`` for the head)."""

    seq: int | None
    kind: str  # missing | order | link | edited | signature | truncated | head
    message: str


@dataclass
class AuditReport:
    """What :func:`verify` found: ``ok`` when there is no problem; ``head`` as it was read."""

    n_entries: int
    problems: list[AuditProblem] = field(default_factory=list)
    head: AuditHead | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_break(self) -> int | None:
        """Sequence number of the first entry affected (``None`` if none, or only the head)."""
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "n_entries": self.n_entries, "first_break": self.first_break,
                "problems": [asdict(p) for p in self.problems],
                "head": None if self.head is None else {"seq": self.head.seq, "hash": self.head.hash}}


def entry_hash(prev_hash: str, seq: int, at_us: int, principal_id: int | None, principal: str, partner: str,
               action: str, target: str, origin: str) -> str:
    """SHA-256 (hex) of an entry's fields and the previous entry's hash."""
    text = json.dumps([prev_hash, seq, at_us, principal_id, principal, partner, action, target, origin],
                      separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign(secret: bytes, text: str) -> str:
    """HMAC-SHA256 (hex) of ``text`` under ``secret``."""
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def head_signature(secret: bytes, seq: int, hash_: str) -> str:
    """Signature of a head record."""
    return sign(secret, f"head:{seq}:{hash_}")


def load_secret(path: Path) -> bytes:
    """The audit secret kept in ``path`` (64 hex digits), created (mode 0600) on first use."""
    path = Path(path)
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # written whole under a private name, then linked into place: a reader never sees it half written
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:  # created by another thread or process meanwhile: theirs is the secret
        pass
    finally:
        tmp.unlink()
    return bytes.fromhex(path.read_text().strip())


def verify(entries: Sequence[AuditEntry], head: AuditHead | None = None, secret: bytes | None = None, *,
           started: bool = False) -> AuditReport:
    """Check a log: entries in sequence-number order, its head, and (with ``secret``) signatures.

    ``started`` says the log is known to have been written to (its secret exists), so a
    missing head is a problem even when no entries are left. Detects edited entries
    (hash mismatch), removed entries (gap and broken link), moved entries (order and
    broken link), a cut-off tail (head beyond the last entry) and re-hashed suffixes
    (signature mismatch).
    """
    report = AuditReport(len(entries), head=head)
    add = report.problems.append
    prev, expected = GENESIS_HASH, 1
    for e in entries:
        if e.seq > expected:
            add(AuditProblem(expected, "missing", f"entries {expected}..{e.seq - 1} are missing"
                             if e.seq - 1 > expected else f"entry {expected} is missing"))
        elif e.seq < expected:
            add(AuditProblem(e.seq, "order", f"entry {e.seq} appears after entry {expected - 1}"))
        if e.prev_hash != prev:
            add(AuditProblem(e.seq, "link", f"entry {e.seq} does not follow the entry before it "
                                            "(an entry was removed, changed or moved)"))
        recomputed = entry_hash(e.prev_hash, e.seq, e.at_us, e.principal_id, e.principal, e.partner, e.action,
                                e.target, e.origin)
        if recomputed != e.hash:
            add(AuditProblem(e.seq, "edited", f"entry {e.seq} was changed after it was written"))
        elif secret is not None and not hmac.compare_digest(sign(secret, e.hash), e.mac):
            add(AuditProblem(e.seq, "signature", f"entry {e.seq} is not signed by this server's audit key "
                                                 "(rewritten or re-hashed)"))
        prev, expected = e.hash, max(expected, e.seq) + 1
    last_seq = entries[-1].seq if entries else 0
    if head is None:
        if entries or started:
            add(AuditProblem(None, "head", "the signed head record is missing"))
        return report
    if secret is not None and not hmac.compare_digest(head_signature(secret, head.seq, head.hash), head.mac):
        add(AuditProblem(None, "head", "the head record is not signed by this server's audit key"))
    if head.seq > last_seq:
        add(AuditProblem(last_seq + 1, "truncated", f"the log ends at entry {last_seq} but the head says "
                                                    f"{head.seq}: entries {last_seq + 1}..{head.seq} were cut off"))
    elif head.seq < last_seq:
        add(AuditProblem(head.seq + 1, "head", f"entries after {head.seq} were added without updating the head"))
    elif head.hash != prev:
        add(AuditProblem(last_seq, "head", f"entry {last_seq} differs from the one the head recorded"))
    return report


def local_origin() -> str:
    """Origin of actions taken on this machine: ``cli user@host``."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli {user}@{socket.gethostname()}"
