"""The catalog store: the only module of SDA that speaks SQL.

An SQLite file is the embedded default; PostgreSQL is used by URL
(``postgresql+psycopg://user@host/db``). The schema is created and upgraded by the
Alembic migrations in :mod:`sda.catalog.migrations` when the store opens.

Every write of a batch (one file or one provider response) is one transaction:
all of its records are stored, or none; so is every write of a screening run with
its conjunctions. Conjunctions, owners' asset thresholds and alerts are kept here too.

Sharing: partners, their principals and API keys (hashed), and the audit log live
here as well. Every read of marked records takes an optional ``principal``: ``None``
(or the local operator) sees everything; anyone else sees only records whose marking
lets its partner see them, filtered in SQL by :meth:`Store.visible` with the rule of
:func:`sda.policy.decide.decide`. Every write is appended to the audit log.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import operator
import os
import random
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy import and_, bindparam, create_engine, event, func, literal, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from sda.catalog import schema as s
from sda.catalog.queries import CatalogQuery
from sda.catalog.records import (
    DEFAULT_MARKING,
    CatalogObject,
    Conjunction,
    ElementSet,
    Ephemeris,
    maneuver_as_json,
    Provenance,
    Record,
    StateVector,
    StoredElementSet,
)
from sda.core.orbits import orbit_regime, orbit_shape
from sda.core.times import US_PER_DAY, format_utc, now_us
from sda.errors import StoreError
from sda.policy.audit import (GENESIS_HASH, AuditEntry, AuditHead, AuditReport, entry_hash, head_signature,
                              load_secret, local_origin, sign, verify)
from sda.policy.keys import key_hash, key_prefix, new_api_key
from sda.policy.markings import Marking, check_partner_name
from sda.policy.principals import Principal
from sda.products.alerts import Alert, AssetThreshold
from sda.products.warnings import Warning

__all__ = ["Store", "open_store", "default_database_url", "BatchInfo", "BatchResult", "CatalogSummary",
           "CdmConjunction", "ScreeningRunInfo", "StoredConjunction", "ApiKeyInfo"]


def default_database_url() -> str:
    """``$SDA_DATABASE_URL``, else an SQLite file in the user's data directory."""
    url = os.environ.get("SDA_DATABASE_URL")
    if url:
        return url
    from platformdirs import user_data_dir

    return "sqlite:///" + str(Path(user_data_dir("sda", appauthor=False)) / "catalog.db")


def open_store(url: str | None = None) -> "Store":
    """Open (creating or upgrading its schema if needed) the store at ``url``."""
    return Store(url or default_database_url())


@dataclass(frozen=True)
class BatchInfo:
    """Provenance of one batch: provider/source name, origin (file path or URL),
    format, data mode, SHA-256 of the raw content, and the marking its records get."""

    source: str
    origin: str
    format: str
    data_mode: str
    content_sha256: str
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True)
class BatchResult:
    """What a batch write did: its id, how many records were new, and whether the same
    content had already been ingested (then nothing was written)."""

    batch_id: int
    n_records: int
    n_new: int
    already_ingested: bool


@dataclass(frozen=True)
class CatalogSummary:
    """Counts over the newest element set of each object in a view."""

    n_objects: int
    n_element_sets: int
    by_type: dict[str, int]
    by_regime: dict[str, int]
    by_type_regime: dict[tuple[str, str], int]
    epoch_min_us: int | None
    epoch_max_us: int | None
    debris_families: list[tuple[str, str, int]]  # (launch designator, name, debris count)


@dataclass(frozen=True, eq=False)
class CdmConjunction:
    """A conjunction read from a CDM, as an ingest batch hands it to the store: the
    conjunction, the CDM as KVN text (kept so it can be downloaded again) and the
    SHA-256 that identifies the message (the same CDM stored twice is kept once)."""

    conjunction: Conjunction
    cdm_kvn: str
    content_hash: str


@dataclass(frozen=True)
class ScreeningRunInfo:
    """What a screening run screened: window start (UTC µs) and length (s), the
    miss-distance threshold (km), the primaries (``None``: all against all), how many
    objects, how long it took (s), and the data mode and marking of its conjunctions."""

    start_us: int
    window_s: float
    threshold_km: float
    n_objects: int
    run_time_s: float
    primaries: tuple[int, ...] | None = None
    data_mode: str = "REAL"
    marking: str = DEFAULT_MARKING


@dataclass(frozen=True, eq=False)
class StoredConjunction:
    """A conjunction as the catalog keeps it: row id, the conjunction and its provenance
    (ingest batch or screening run it came from, data mode, marking, when it was stored,
    whether the originating CDM is kept)."""

    id: int
    conjunction: Conjunction
    data_mode: str
    marking: str
    created_at_us: int
    batch_id: int | None = None
    run_id: int | None = None
    has_cdm: bool = False

    def as_dict(self) -> dict:
        d = self.conjunction.as_dict()
        d["id"] = self.id
        d["provenance"] = {
            "data_mode": self.data_mode, "marking": json.loads(self.marking), "stored_at": format_utc(self.created_at_us),
            "batch_id": self.batch_id, "run_id": self.run_id, "has_cdm": self.has_cdm,
        }
        return d


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as administrators see it: never the key, only its first characters."""

    id: int
    prefix: str
    principal: Principal
    created_at_us: int
    revoked_at_us: int | None

    def as_dict(self) -> dict:
        return {"id": self.id, "prefix": self.prefix, **{f"principal_{k}" if k in ("id", "name") else k: v
                                                          for k, v in self.principal.as_dict().items()},
                "created_at": format_utc(self.created_at_us),
                "revoked_at": None if self.revoked_at_us is None else format_utc(self.revoked_at_us)}


_STATE_COLUMNS = tuple(f"{c}_{n}_{u}" for n in (1, 2)
                       for c, u in (("x", "km"), ("y", "km"), ("z", "km"), ("vx", "km_s"), ("vy", "km_s"), ("vz", "km_s")))


def _conjunction_row(c: Conjunction) -> dict:
    """Column values of a conjunction (without provenance)."""
    row = {
        "norad_id_1": int(c.norad_id_1), "norad_id_2": int(c.norad_id_2), "tca_us": int(c.tca_us),
        "miss_distance_km": float(c.miss_distance_km), "relative_speed_km_s": float(c.relative_speed_km_s),
        "miss_r_km": float(c.miss_rtn_km[0]), "miss_t_km": float(c.miss_rtn_km[1]), "miss_n_km": float(c.miss_rtn_km[2]),
        "frame": c.frame, "element_set_id_1": c.element_set_id_1, "element_set_id_2": c.element_set_id_2,
        "epoch_1_us": c.epoch_1_us, "epoch_2_us": c.epoch_2_us, "pc": None if c.pc is None else float(c.pc),
        "pc_method": c.pc_method, "hbr_m": None if c.hbr_m is None else float(c.hbr_m),
        "covariance_assumed": bool(c.covariance_assumed), "source": c.source, "origin": c.origin,
        "screening_threshold_km": c.screening_threshold_km,
    }
    row.update(zip(_STATE_COLUMNS, (float(x) for x in (*c.state_1, *c.state_2))))
    return row


#: Take the audit log's next sequence number (locks the head row until commit) and the previous hash.
_AUDIT_TAKE_SEQ = (s.audit_head.update().where(s.audit_head.c.id == 1).values(seq=s.audit_head.c.seq + 1)
                   .returning(s.audit_head.c.seq, s.audit_head.c.hash))
_AUDIT_SET_HEAD = s.audit_head.update().where(s.audit_head.c.id == 1).values(
    hash=bindparam("new_hash"), mac=bindparam("new_mac"))

#: Bytes of an SQLite catalog file read through a memory map (the rest through SQLite's page cache).
_SQLITE_MMAP_BYTES = 4 << 30
#: How long (ms) a write waits for another connection's write lock on SQLite before failing.
_SQLITE_BUSY_TIMEOUT_MS = 30_000

_ES_FIELDS = tuple(f.name for f in fields(ElementSet))
_ES_COLUMNS = [s.element_sets.c[name] for name in _ES_FIELDS if name in s.element_sets.c and name != "owner"]
_ES_STORED = tuple(c.name for c in _ES_COLUMNS)
_OWNER_AT = _ES_FIELDS.index("owner")  # the one ElementSet field kept with the object, not the element set
if _ES_STORED != _ES_FIELDS[:_OWNER_AT] + _ES_FIELDS[_OWNER_AT + 1:]:
    raise ImportError("every ElementSet field but owner needs an element_sets column of the same name "
                      f"(missing: {sorted(set(_ES_FIELDS) - set(_ES_STORED) - {'owner'})})")
_PROVENANCE_COLUMNS = ("source", "origin", "data_mode", "ingested_at_us", "content_hash", "batch_id", "marking",
                       "format", "source_line")  # in the order of Provenance's fields

# ---- the hot read statements, built once ------------------------------------------------------
# A partner's view is bound at execution (``_view_params``): building these statements anew on
# every request cost more CPU than running them.
_VIEW_PARTNER = bindparam("view_partner")
_VIEW_MODES = bindparam("view_modes", expanding=True)


def _visible_sql(marking_id_column, partner):
    """SQL condition: ``marking_id_column`` names a marking whose audience is every partner or
    includes ``partner`` (a value or a bound parameter)."""
    mk, mp = s.markings.c, s.marking_partners.c
    return or_(marking_id_column.in_(select(mk.id).where(mk.audience_all.is_(True))),
               marking_id_column.in_(select(mp.marking_id).where(mp.partner == partner)))


@functools.cache
def _latest_visible_relation():
    """Rows ``(norad_id, data_mode, element_set_id, epoch_us)``: the newest element set of each
    object in each of the bound modes among the markings the bound partner may see."""
    lm, newer = s.latest_by_marking, s.latest_by_marking.alias("newer")
    # OFFSET 0 keeps PostgreSQL from turning this into an anti-join over the whole relation (which
    # read every row before a page deep in the catalog); it probes the primary key for each row
    # instead, as SQLite does anyway
    shadowed = select(literal(1)).where(
        newer.c.norad_id == lm.c.norad_id, newer.c.data_mode == lm.c.data_mode,
        _visible_sql(newer.c.marking_id, _VIEW_PARTNER),
        or_(newer.c.epoch_us > lm.c.epoch_us,
            and_(newer.c.epoch_us == lm.c.epoch_us, newer.c.element_set_id > lm.c.element_set_id)),
    ).offset(0).exists()
    return (select(lm.c.norad_id, lm.c.data_mode, lm.c.element_set_id, lm.c.epoch_us)
            .where(lm.c.data_mode.in_(_VIEW_MODES), _visible_sql(lm.c.marking_id, _VIEW_PARTNER), ~shadowed)
            .subquery("latest_visible"))


def _latest_relation(restricted: bool):
    """The newest-set relation of a partner's view (``restricted``) or of the whole catalog."""
    return _latest_visible_relation() if restricted else s.latest_element_sets


@functools.cache
def _latest_base(restricted: bool):
    """``(statement, newest-set relation)``: each object's newest element set in the bound modes
    (of the bound partner's view if ``restricted``), with its batch and the object's metadata
    (``owner``, ``object_name``, ``object_intl_designator``, ``object_object_type``)."""
    e, b, o = s.element_sets, s.ingest_batches, s.objects
    L = _latest_relation(restricted)
    stmt = (select(*e.c, b.c.source, b.c.origin, b.c.ingested_at_us, o.c.owner, o.c.name.label("object_name"),
                   o.c.intl_designator.label("object_intl_designator"),
                   o.c.object_type.label("object_object_type"))
            .select_from(L.join(e, e.c.id == L.c.element_set_id).join(b, b.c.id == e.c.batch_id)
                         .join(o, o.c.norad_id == L.c.norad_id))
            .where(L.c.data_mode.in_(_VIEW_MODES)))
    return stmt, L


@functools.cache
def _one_latest(restricted: bool):
    """:func:`_latest_base` for the bound ``norad_id``, by data mode."""
    stmt, L = _latest_base(restricted)
    return stmt.where(L.c.norad_id == bindparam("norad_id")).order_by(L.c.data_mode)


@functools.cache
def _history_statement(restricted: bool, paged: bool):
    """Every element set of the bound ``norad_id`` in the bound modes (that the bound partner
    may see if ``restricted``), oldest epoch first, with its batch; if ``paged``, the bound
    ``page_limit`` of them after skipping ``page_offset``."""
    e, b = s.element_sets, s.ingest_batches
    stmt = (select(*e.c, b.c.source, b.c.origin, b.c.ingested_at_us).join(b, b.c.id == e.c.batch_id)
            .where(e.c.norad_id == bindparam("norad_id"), e.c.data_mode.in_(_VIEW_MODES))
            .order_by(e.c.epoch_us, e.c.id))
    if restricted:
        stmt = stmt.where(_visible_sql(e.c.marking_id, _VIEW_PARTNER))
    return stmt.limit(bindparam("page_limit")).offset(bindparam("page_offset")) if paged else stmt


def _restricted(principal: Principal | None) -> bool:
    return principal is not None and not principal.is_local


def _view_params(data_modes: Sequence[str], principal: Principal | None) -> dict:
    """Values of the bound parameters of a view: its data modes and (if restricted) its partner."""
    params = {"view_modes": list(data_modes)}
    if _restricted(principal):
        params["view_partner"] = principal.partner
    return params


def _elset_reader(keys: Sequence[str]):
    """A function making a :class:`StoredElementSet` of a result row with these column ``keys``
    (the element set's columns, its batch's ``source``/``origin``/``ingested_at_us``, and
    optionally the object's ``owner``); positional, as keyword arguments cost three times more."""
    idx = {k: i for i, k in enumerate(keys)}
    elements = operator.itemgetter(*(idx[n] for n in _ES_STORED))
    provenance = operator.itemgetter(*(idx[n] for n in _PROVENANCE_COLUMNS))
    id_i, owner_i = idx["id"], idx.get("owner")

    def read(row) -> StoredElementSet:
        values = elements(row)
        es = ElementSet(*values[:_OWNER_AT], None if owner_i is None else row[owner_i], *values[_OWNER_AT:])
        return StoredElementSet(row[id_i], es, Provenance(*provenance(row)))

    return read


def _object_reader(keys: Sequence[str]):
    """A function making a :class:`CatalogObject` with its newest element set of a
    :func:`_latest_base` result row with these column ``keys``."""
    idx = {k: i for i, k in enumerate(keys)}
    read = _elset_reader(keys)
    metadata = operator.itemgetter(idx["object_name"], idx["object_intl_designator"], idx["object_object_type"],
                                   idx["owner"])

    def obj(row) -> CatalogObject:
        latest = read(row)
        return CatalogObject(latest.element_set.norad_id, *metadata(row), latest)

    return obj


def _npy(arr: np.ndarray | None) -> bytes | None:
    """An array as ``.npy`` bytes (no pickles), or ``None``."""
    if arr is None:
        return None
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _from_npy(blob: bytes | None) -> np.ndarray | None:
    """The array of :func:`_npy` bytes, or ``None``."""
    return None if blob is None else np.load(io.BytesIO(blob), allow_pickle=False)


class Store:
    """Catalog storage on SQLite or PostgreSQL (``url`` as SQLAlchemy takes it)."""

    def __init__(self, url: str):
        self.url = url
        self._marking_ids: dict[tuple[str, str], tuple[int, str]] = {}
        self._audit_secret: bytes | None = None
        self._audit_lock = threading.Lock()  # one appender per process at a time (see audit_append)
        try:
            self.engine = self._make_engine(url)
            self.upgrade()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the catalog at {self.display_url}: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None

    # ---- set-up ---------------------------------------------------------------
    @property
    def display_url(self) -> str:
        """The database URL with any password hidden, for messages."""
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:
            return "<invalid database URL>"

    @staticmethod
    def _make_engine(url: str) -> Engine:
        if url.startswith("sqlite"):
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # a file: enough pooled connections for a server's worker threads to reuse them
            engine = create_engine(url, **({"pool_size": 16, "max_overflow": 16} if path and path != ":memory:" else {}))

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):  # pragma names are SQLite's own
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
                # read pages through a memory map shared by every connection (no copy per page read);
                # a history read of a million-set catalog touches one page per element set
                cur.execute(f"PRAGMA mmap_size={_SQLITE_MMAP_BYTES}")
                cur.close()

            return engine
        return create_engine(url, pool_pre_ping=True)

    def upgrade(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it in an empty database)."""
        from alembic import command
        from alembic.config import Config

        import sda.catalog.migrations as migrations

        cfg = Config()
        cfg.set_main_option("script_location", os.path.dirname(migrations.__file__))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _insert(self, table):
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # ---- writing ----------------------------------------------------------------
    def find_batch(self, content_sha256: str, source: str, data_mode: str) -> int | None:
        """Id of an earlier batch with the same content, source and mode, if any."""
        b = s.ingest_batches
        with self.engine.connect() as conn:
            return conn.execute(
                select(b.c.id).where(b.c.content_sha256 == content_sha256, b.c.source == source,
                                     b.c.data_mode == data_mode)
            ).scalar()

    def write_batch(self, info: BatchInfo, records: Sequence[Record | CdmConjunction], *,
                    n_rejected: int = 0, principal: Principal | None = None, origin: str | None = None) -> BatchResult:
        """Store the records of one batch in one transaction (all or nothing).

        Records already in the catalog (same content hash) are kept once; the same
        content ingested again from the same source and mode changes nothing. A
        :class:`CdmConjunction` is stored as a conjunction of this batch with its CDM text.
        The write is audited as ``principal``'s (the local operator's if ``None``) from
        ``origin`` (the client; this host's user if ``None``). An invalid marking, or one
        whose mode is not the batch's data mode, is a :class:`StoreError`.
        """
        ingested_at = now_us()
        marking_id, marking = self.marking_id(info.marking, info.data_mode)
        info = replace(info, marking=marking)
        try:
            with self.engine.begin() as conn:
                existing = conn.execute(
                    select(s.ingest_batches.c.id).where(
                        s.ingest_batches.c.content_sha256 == info.content_sha256,
                        s.ingest_batches.c.source == info.source,
                        s.ingest_batches.c.data_mode == info.data_mode,
                    )
                ).scalar()
                if existing is not None:
                    return BatchResult(existing, len(records), 0, True)
                batch_id = conn.execute(
                    s.ingest_batches.insert().values(
                        source=info.source, origin=info.origin, format=info.format, data_mode=info.data_mode,
                        ingested_at_us=ingested_at, content_sha256=info.content_sha256,
                        n_records=len(records), n_new=0, n_rejected=n_rejected, marking=info.marking,
                        marking_id=marking_id,
                    )
                ).inserted_primary_key[0]
                n_new = 0
                sets = [r for r in records if isinstance(r, ElementSet)]
                if sets:
                    n_new += self._write_element_sets(conn, batch_id, info, sets, marking_id)
                for r in records:
                    if isinstance(r, Ephemeris):
                        n_new += self._write_ephemeris(conn, batch_id, info, r, marking_id)
                    elif isinstance(r, StateVector):
                        n_new += self._write_state_vector(conn, batch_id, info, r, marking_id)
                    elif isinstance(r, CdmConjunction):
                        n_new += self._write_cdm_conjunction(conn, batch_id, info, r, ingested_at, marking_id)
                conn.execute(
                    s.ingest_batches.update().where(s.ingest_batches.c.id == batch_id).values(n_new=n_new)
                )
                result = BatchResult(batch_id, len(records), n_new, False)
        except SQLAlchemyError as exc:
            raise StoreError(f"writing batch from {info.origin} failed, nothing was stored: {exc}") from None
        self.audit_append(principal, "write", f"batch {result.batch_id}: {n_new} new of {len(records)} "
                                              f"{info.format} record(s) from {info.origin} [{marking}]", origin)
        return result

    def _write_element_sets(self, conn: Connection, batch_id: int, info: BatchInfo, sets: list[ElementSet],
                            marking_id: int) -> int:
        rows = []
        newest: dict[int, ElementSet] = {}
        for es in sets:
            a, period, perigee, apogee = orbit_shape(es.mean_motion_rev_day, es.eccentricity)
            row = {name: getattr(es, name) for name in _ES_FIELDS}
            del row["owner"]
            row.update(
                semi_major_axis_km=a, period_min=period, perigee_alt_km=perigee, apogee_alt_km=apogee,
                regime=orbit_regime(es.mean_motion_rev_day, es.eccentricity, perigee, apogee),
                content_hash=es.content_hash, batch_id=batch_id, data_mode=info.data_mode, marking=info.marking,
                marking_id=marking_id,
            )
            rows.append(row)
            prev = newest.get(es.norad_id)
            if prev is None or es.epoch_us >= prev.epoch_us:
                newest[es.norad_id] = es
        if self.dialect == "postgresql":
            n_new = self._copy_insert(conn, s.element_sets, rows, conflict="content_hash")
        else:
            ins = self._insert(s.element_sets).on_conflict_do_nothing(index_elements=["content_hash"])
            n_new = self._bulk(conn, ins, rows)
        # Object metadata: insert new objects; REAL data also refreshes names from newer epochs.
        obj_rows = [
            {"norad_id": es.norad_id, "name": es.name, "intl_designator": es.intl_designator,
             "object_type": es.object_type, "owner": es.owner, "metadata_epoch_us": es.epoch_us}
            for es in newest.values()
        ]
        ins = self._insert(s.objects)
        if info.data_mode == "REAL":
            ex = ins.excluded
            o = s.objects.c
            stmt = ins.on_conflict_do_update(
                index_elements=["norad_id"],
                set_={
                    "name": func.coalesce(ex.name, o.name),
                    "intl_designator": func.coalesce(ex.intl_designator, o.intl_designator),
                    "object_type": func.coalesce(ex.object_type, o.object_type),
                    "owner": func.coalesce(ex.owner, o.owner),
                    "metadata_epoch_us": ex.metadata_epoch_us,
                },
                where=ex.metadata_epoch_us >= o.metadata_epoch_us,
            )
        else:
            stmt = ins.on_conflict_do_nothing(index_elements=["norad_id"])
        self._bulk(conn, stmt, obj_rows)
        if n_new:
            e = s.element_sets.c
            got = conn.execute(select(e.norad_id, e.id, e.epoch_us).where(e.batch_id == batch_id)).all()
            best: dict[int, tuple[int, int]] = {}
            for norad_id, row_id, epoch in got:
                cur = best.get(norad_id)
                if cur is None or (epoch, row_id) > (cur[1], cur[0]):
                    best[norad_id] = (row_id, epoch)
            newest_rows = [{"norad_id": k, "data_mode": info.data_mode, "element_set_id": v[0], "epoch_us": v[1]}
                           for k, v in best.items()]
            for table, key in ((s.latest_element_sets, {}), (s.latest_by_marking, {"marking_id": marking_id})):
                ins = self._insert(table)
                ex = ins.excluded
                stmt = ins.on_conflict_do_update(
                    index_elements=["norad_id", "data_mode", *key],
                    set_={"element_set_id": ex.element_set_id, "epoch_us": ex.epoch_us},
                    where=ex.epoch_us >= table.c.epoch_us,
                )
                self._bulk(conn, stmt, [{**r, **key} for r in newest_rows])
        return n_new

    def _write_ephemeris(self, conn: Connection, batch_id: int, info: BatchInfo, eph: Ephemeris,
                         marking_id: int) -> bool:
        """Insert one OEM segment; True if it was new (RETURNING, as rowcount is -1 on PostgreSQL here)."""
        states = np.hstack([eph.position_km, eph.velocity_km_s] + ([eph.acceleration_km_s2] if eph.acceleration_km_s2 is not None else []))
        norad_id = eph.norad_id if eph.norad_id is not None else self._norad_of(conn, eph.object_id)
        ins = self._insert(s.ephemerides).on_conflict_do_nothing(index_elements=["content_hash"])
        return conn.execute(ins.values(
            norad_id=norad_id, object_name=eph.object_name, object_id=eph.object_id,
            center_name=eph.center_name, ref_frame=eph.ref_frame, time_system=eph.time_system,
            start_us=int(eph.start_us if eph.start_us is not None else eph.epochs_us[0]),
            stop_us=int(eph.stop_us if eph.stop_us is not None else eph.epochs_us[-1]),
            useable_start_us=eph.useable_start_us, useable_stop_us=eph.useable_stop_us,
            interpolation=eph.interpolation, interpolation_degree=eph.interpolation_degree,
            ref_frame_epoch_us=eph.ref_frame_epoch_us, n_states=len(eph.epochs_us),
            epochs_npy=_npy(eph.epochs_us), states_npy=_npy(states),
            covariance_epochs_npy=_npy(eph.covariance_epochs_us), covariance_npy=_npy(eph.covariance),
            covariance_frames=json.dumps(list(eph.covariance_frames)), originator=eph.originator,
            creation_date_us=eph.creation_date_us, comments="\n".join(eph.comments), format=eph.format,
            content_hash=eph.content_hash, batch_id=batch_id, source_line=eph.source_line,
            data_mode=info.data_mode, marking=info.marking, marking_id=marking_id,
        ).returning(s.ephemerides.c.id)).scalar() is not None

    def _write_state_vector(self, conn: Connection, batch_id: int, info: BatchInfo, sv: StateVector,
                            marking_id: int) -> bool:
        """Insert one OPM state; True if it was new."""
        norad_id = sv.norad_id if sv.norad_id is not None else self._norad_of(conn, sv.object_id)
        details = {"keplerian": sv.keplerian, "spacecraft": sv.spacecraft,
                   "maneuvers": [maneuver_as_json(m) for m in sv.maneuvers], "comments": list(sv.comments)}
        ins = self._insert(s.state_vectors).on_conflict_do_nothing(index_elements=["content_hash"])
        (x, y, z), (vx, vy, vz) = (float(v) for v in sv.position_km), (float(v) for v in sv.velocity_km_s)
        return conn.execute(ins.values(
            norad_id=norad_id, object_name=sv.object_name, object_id=sv.object_id, center_name=sv.center_name,
            ref_frame=sv.ref_frame, time_system=sv.time_system, epoch_us=sv.epoch_us,
            x_km=x, y_km=y, z_km=z, vx_km_s=vx, vy_km_s=vy, vz_km_s=vz,
            covariance_npy=_npy(sv.covariance), covariance_frame=sv.covariance_frame,
            has_maneuvers=bool(sv.maneuvers), details=json.dumps(details, default=str),
            originator=sv.originator, creation_date_us=sv.creation_date_us, format=sv.format,
            content_hash=sv.content_hash, batch_id=batch_id, source_line=sv.source_line,
            data_mode=info.data_mode, marking=info.marking, marking_id=marking_id,
        ).returning(s.state_vectors.c.id)).scalar() is not None

    def _write_cdm_conjunction(self, conn: Connection, batch_id: int, info: BatchInfo, cc: CdmConjunction,
                               created_at_us: int, marking_id: int) -> bool:
        """Insert one CDM's conjunction; True if the message was new."""
        ins = self._insert(s.conjunctions).on_conflict_do_nothing(index_elements=["content_hash"])
        new_id = conn.execute(ins.values(
            **_conjunction_row(cc.conjunction), batch_id=batch_id, cdm_kvn=cc.cdm_kvn, content_hash=cc.content_hash,
            created_at_us=created_at_us, data_mode=info.data_mode, marking=info.marking, marking_id=marking_id,
        ).returning(s.conjunctions.c.id)).scalar()
        return new_id is not None

    def write_screening_run(self, run: ScreeningRunInfo, conjunctions: Sequence[Conjunction],
                            markings: Sequence[str] | None = None) -> int:
        """Store a screening run and its conjunctions in one transaction; return the run's id.

        ``markings``: each conjunction's marking (JSON text; the strictest of its two
        element sets'), else every conjunction gets the run's marking. A conjunction is
        stored in its marking's data mode (the run's when the marking names none).
        """
        created = now_us()
        run_mid, run_marking = self.marking_id(run.marking, run.data_mode)
        texts = markings if markings is not None else [run.marking] * len(conjunctions)
        try:
            modes = [Marking.from_json(m, default_mode=run.data_mode).mode for m in texts]
        except ValueError as exc:
            raise StoreError(f"invalid conjunction marking: {exc}") from None
        marked = [self.marking_id(m, mode) for m, mode in zip(texts, modes)]
        if len(marked) != len(conjunctions):
            raise StoreError(f"{len(marked)} markings for {len(conjunctions)} conjunctions")
        try:
            with self.engine.begin() as conn:
                run_id = conn.execute(s.screening_runs.insert().values(
                    start_us=int(run.start_us), window_s=float(run.window_s), threshold_km=float(run.threshold_km),
                    primaries=None if run.primaries is None else json.dumps([int(p) for p in run.primaries]),
                    n_objects=int(run.n_objects), n_conjunctions=len(conjunctions), run_time_s=float(run.run_time_s),
                    created_at_us=created, data_mode=run.data_mode, marking=run_marking, marking_id=run_mid,
                )).inserted_primary_key[0]
                rows = [{**_conjunction_row(c), "batch_id": None, "run_id": run_id, "cdm_kvn": None,
                         "content_hash": None, "created_at_us": created, "data_mode": mode,
                         "marking": m, "marking_id": mid} for c, (mid, m), mode in zip(conjunctions, marked, modes)]
                if rows:
                    conn.execute(s.conjunctions.insert(), rows)
        except SQLAlchemyError as exc:
            raise StoreError(f"writing screening run failed, nothing was stored: {exc}") from None
        self.audit_append(None, "write", f"screening run {run_id}: {len(conjunctions)} conjunction(s)")
        return run_id

    def set_asset_threshold(self, norad_id: int, owner: str, *, max_miss_km: float | None = None,
                            min_pc: float | None = None, max_hours_to_tca: float | None = None) -> AssetThreshold:
        """Set (replace) the alert thresholds ``owner`` wants for asset ``norad_id``.

        ``max_miss_km`` km, ``min_pc`` dimensionless, ``max_hours_to_tca`` hours; ``None`` leaves one unset.
        """
        t = AssetThreshold(int(norad_id), owner, max_miss_km, min_pc, max_hours_to_tca, now_us())
        values = {"max_miss_km": max_miss_km, "min_pc": min_pc, "max_hours_to_tca": max_hours_to_tca,
                  "updated_at_us": t.updated_at_us}
        ins = self._insert(s.asset_thresholds).values(norad_id=t.norad_id, owner=owner, **values)
        with self.engine.begin() as conn:
            conn.execute(ins.on_conflict_do_update(index_elements=["norad_id", "owner"], set_=values))
        self.audit_append(None, "write", f"alert threshold of {owner} for {t.norad_id}")
        return t

    def asset_thresholds(self, owner: str | None = None) -> list[AssetThreshold]:
        """Every asset threshold (of one owner if given), by catalog number then owner."""
        a = s.asset_thresholds
        stmt = select(a).order_by(a.c.norad_id, a.c.owner)
        if owner is not None:
            stmt = stmt.where(a.c.owner == owner)
        with self.engine.connect() as conn:
            return [AssetThreshold(r.norad_id, r.owner, r.max_miss_km, r.min_pc, r.max_hours_to_tca, r.updated_at_us)
                    for r in conn.execute(stmt)]

    def write_alerts(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Store alerts in one transaction; return those that were new, with their ids.

        An alert for a conjunction, asset and owner already alerted is not stored again.
        """
        out = []
        al = s.alerts
        marked = [self.marking_id(a.marking, a.data_mode) for a in alerts]
        with self.engine.begin() as conn:
            for a, (mid, marking) in zip(alerts, marked):
                ins = self._insert(al).values(
                    conjunction_id=a.conjunction_id, norad_id=a.norad_id, owner=a.owner,
                    thresholds_met=json.dumps(list(a.thresholds_met)), level=a.level, created_at_us=a.created_at_us,
                    message=a.message, data_mode=a.data_mode, marking=marking, marking_id=mid,
                ).on_conflict_do_nothing(index_elements=["conjunction_id", "norad_id", "owner"]).returning(al.c.id)
                new_id = conn.execute(ins).scalar()
                if new_id is not None:
                    out.append(replace(a, id=new_id, marking=marking))
        if out:
            self.audit_append(None, "write", f"{len(out)} alert(s): ids {', '.join(str(a.id) for a in out)}")
        return out

    def write_warnings(self, warnings: Sequence[Warning]) -> list[Warning]:
        """Store warnings in one transaction; return those that were new, with their ids.

        A detection already stored (same :attr:`Warning.content_hash`) is not stored again.
        """
        out = []
        w = s.warnings
        created = now_us()
        marked = [self.marking_id(x.marking, x.data_mode) for x in warnings]
        try:
            with self.engine.begin() as conn:
                for x, (mid, marking) in zip(warnings, marked):
                    ins = self._insert(w).values(
                        kind=x.kind, norad_id=x.norad_id, related_ids=json.dumps([int(i) for i in x.related_ids]),
                        time_us=int(x.time_us), window_start_us=x.window_start_us, window_stop_us=x.window_stop_us,
                        confidence=float(x.confidence), summary=x.summary, evidence=json.dumps(x.evidence, default=str),
                        content_hash=x.content_hash, created_at_us=created, data_mode=x.data_mode, marking=marking,
                        marking_id=mid,
                    ).on_conflict_do_nothing(index_elements=["content_hash"]).returning(w.c.id)
                    new_id = conn.execute(ins).scalar()
                    if new_id is not None:
                        out.append(replace(x, id=new_id, created_at_us=created, marking=marking))
        except SQLAlchemyError as exc:
            raise StoreError(f"writing warnings failed, nothing was stored: {exc}") from None
        if out:
            self.audit_append(None, "write", f"{len(out)} warning(s): ids {', '.join(str(x.id) for x in out)}")
        return out

    def warnings(self, kind: str | None = None, norad_id: int | None = None, since_us: int | None = None,
                 data_modes: tuple[str, ...] = ("REAL",), *, principal: Principal | None = None,
                 limit: int | None = None, warning_id: int | None = None) -> list[Warning]:
        """Stored warnings (of one kind, about one object, with event time at or after
        ``since_us``, or the one of ``warning_id``) that ``principal`` may see, newest event
        first; at most ``limit``."""
        w = s.warnings
        stmt = self._restrict(select(w).where(w.c.data_mode.in_(data_modes)), w.c.marking_id, principal)
        stmt = stmt.order_by(w.c.time_us.desc(), w.c.id.desc())
        if kind is not None:
            stmt = stmt.where(w.c.kind == kind)
        if norad_id is not None:
            stmt = stmt.where(w.c.norad_id == norad_id)
        if since_us is not None:
            stmt = stmt.where(w.c.time_us >= since_us)
        if warning_id is not None:
            stmt = stmt.where(w.c.id == warning_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [Warning(r.kind, r.norad_id, r.time_us, r.confidence, r.summary, json.loads(r.evidence),
                            tuple(json.loads(r.related_ids)), r.window_start_us, r.window_stop_us, r.marking,
                            r.data_mode, r.created_at_us, r.id) for r in conn.execute(stmt)]

    @staticmethod
    def _bulk(conn: Connection, stmt, rows: list[dict]) -> int:
        """Execute an INSERT for many rows straight through the driver's ``executemany``.

        The statement is compiled once; this skips SQLAlchemy's per-row parameter
        processing, which otherwise costs more than the database itself.
        """
        if not rows:
            return 0
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(rows[0]))
        if compiled.positional:
            getter = operator.itemgetter(*compiled.positiontup)
            params = [getter(r) for r in rows] if len(compiled.positiontup) > 1 else [(getter(r),) for r in rows]
        else:
            params = rows
        return conn.exec_driver_sql(str(compiled), params).rowcount

    @staticmethod
    def _copy_insert(conn: Connection, table, rows: list[dict], *, conflict: str) -> int:
        """PostgreSQL bulk insert: ``COPY`` into a temporary table, then one
        ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, inside the caller's transaction."""
        cols = list(rows[0])
        names = ", ".join(f'"{c}"' for c in cols)
        cur = conn.connection.driver_connection.cursor()
        cur.execute(f'CREATE TEMP TABLE IF NOT EXISTS "_load_{table.name}" ON COMMIT DROP AS '
                    f'SELECT {names} FROM "{table.name}" WITH NO DATA')
        with cur.copy(f'COPY "_load_{table.name}" ({names}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row([r[c] for c in cols])
        cur.execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "_load_{table.name}" '
                    f'ON CONFLICT ("{conflict}") DO NOTHING')
        n = cur.rowcount
        cur.execute(f'DROP TABLE "_load_{table.name}"')
        return n

    @staticmethod
    def _norad_of(conn: Connection, object_id: str) -> int | None:
        """Catalog number of an object named by its international designator, if known."""
        return conn.execute(
            select(s.objects.c.norad_id).where(s.objects.c.intl_designator == object_id)
        ).scalar()

    # ---- reading ----------------------------------------------------------------
    def norad_ids_by_intl(self, designators: Iterable[str]) -> dict[str, int]:
        """Catalog numbers of objects known by these international designators."""
        wanted = sorted({d for d in designators if d})
        o = s.objects.c
        with self.engine.connect() as conn:
            return {r.intl_designator: r.norad_id for r in conn.execute(
                select(o.intl_designator, o.norad_id).where(o.intl_designator.in_(wanted)))}

    def _stored(self, row) -> StoredElementSet:
        return _elset_reader(row._fields)(row)

    def _latest_select(self, q: CatalogQuery, principal: Principal | None = None):
        """``(statement, latest relation)`` of the newest element sets matching ``q`` that ``principal``
        may see; execute it with :func:`_view_params` of ``q.data_modes`` and ``principal``."""
        e, o = s.element_sets, s.objects
        stmt, L = _latest_base(_restricted(principal))
        if q.object_types:
            stmt = stmt.where(o.c.object_type.in_([t.upper() for t in q.object_types]))
        if q.regimes:
            stmt = stmt.where(e.c.regime.in_([r.upper() for r in q.regimes]))
        if q.name:
            pattern = q.name.replace("*", "%").replace("?", "_")
            if "%" not in pattern and "_" not in pattern:
                pattern = f"%{pattern}%"
            # by catalog number from the objects that match, so the newest-set relation is searched, not
            # scanned; case-insensitive in the form the name index of migration 0005 serves (SQLite's LIKE
            # ignores ASCII case)
            matches = (o.c.name.like(pattern) if self.dialect == "sqlite"
                       else func.upper(o.c.name).like(pattern.upper()))
            stmt = stmt.where(L.c.norad_id.in_(select(o.c.norad_id).where(matches)))
        if q.intl_designator:
            stmt = stmt.where(o.c.intl_designator.like(q.intl_designator.upper() + "%"))
        as_of = q.as_of_us if q.as_of_us is not None else now_us()
        if q.max_epoch_age_days is not None:
            stmt = stmt.where(e.c.epoch_us >= as_of - int(q.max_epoch_age_days * US_PER_DAY))
        if q.min_epoch_age_days is not None:
            stmt = stmt.where(e.c.epoch_us <= as_of - int(q.min_epoch_age_days * US_PER_DAY))
        if q.norad_ids is not None:  # on the newest-set relation, so that its primary key finds them
            stmt = stmt.where(L.c.norad_id.in_(list(q.norad_ids)))
        if q.after_norad_id is not None:
            stmt = stmt.where(L.c.norad_id > q.after_norad_id)
        return stmt, L

    def _latest_read(self, q: CatalogQuery, principal: Principal | None, reader) -> list:
        """``reader(keys)(row)`` of each object's newest element set matching ``q``, by catalog number."""
        stmt, L = self._latest_select(q, principal)
        stmt = stmt.order_by(L.c.norad_id, L.c.data_mode)
        if q.limit is not None:
            stmt = stmt.limit(q.limit)
        if q.offset:
            stmt = stmt.offset(q.offset)
        with self.engine.connect() as conn:
            result = conn.execute(stmt, _view_params(q.data_modes, principal))
            read = reader(list(result.keys()))
            return [read(r) for r in result]

    def latest(self, q: CatalogQuery = CatalogQuery(), *, principal: Principal | None = None) -> list[StoredElementSet]:
        """The newest element set (of those ``principal`` may see) of every object matching ``q``,
        ordered by catalog number."""
        return self._latest_read(q, principal, _elset_reader)

    def count(self, q: CatalogQuery = CatalogQuery(), *, principal: Principal | None = None) -> int:
        """Number of objects matching ``q`` that ``principal`` may see (ignoring paging)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self._latest_select(q, principal)[0].subquery()),
                                _view_params(q.data_modes, principal)).scalar_one()

    def objects(self, q: CatalogQuery = CatalogQuery(), *, principal: Principal | None = None) -> list[CatalogObject]:
        """Catalog objects matching ``q`` with their newest element set ``principal`` may see."""
        return self._latest_read(q, principal, _object_reader)

    def objects_by_id(self, norad_ids: Iterable[int]) -> list[CatalogObject]:
        """Metadata of these catalog numbers (without element sets), for labelling results."""
        return [self._object(row, None) for row in self._object_rows(norad_ids).values()]

    def _object_rows(self, norad_ids: Iterable[int]) -> dict[int, dict]:
        ids = list(norad_ids)
        out = {}
        with self.engine.connect() as conn:
            for i in range(0, len(ids), 5000):
                for r in conn.execute(select(s.objects).where(s.objects.c.norad_id.in_(ids[i:i + 5000]))):
                    out[r.norad_id] = dict(r._mapping)
        return out

    @staticmethod
    def _object(row: dict, latest: StoredElementSet | None) -> CatalogObject:
        return CatalogObject(row["norad_id"], row["name"], row["intl_designator"], row["object_type"],
                             row["owner"], latest)

    def get_object(self, norad_id: int, data_modes: tuple[str, ...] = ("REAL",), *,
                   principal: Principal | None = None) -> CatalogObject | None:
        """One object with its newest element set in the given modes (the last mode in
        alphabetical order that has one), or ``None`` if it is not in that view (or
        ``principal`` may see none of its element sets)."""
        with self.engine.connect() as conn:
            result = conn.execute(_one_latest(_restricted(principal)),
                                  {**_view_params(data_modes, principal), "norad_id": int(norad_id)})
            rows = result.all()
            if not rows:
                return None
            return _object_reader(list(result.keys()))(rows[-1])

    def history(self, norad_id: int, data_modes: tuple[str, ...] = ("REAL",), *,
                principal: Principal | None = None, limit: int | None = None,
                offset: int = 0) -> list[StoredElementSet]:
        """Every element set of one object in the given modes that ``principal`` may see, oldest
        epoch first (at most ``limit`` of them after skipping ``offset``)."""
        paged = limit is not None or offset > 0
        params = {**_view_params(data_modes, principal), "norad_id": int(norad_id)}
        if paged:  # no limit: the largest SQLite and PostgreSQL both take
            params.update(page_limit=int(limit) if limit is not None else 2**62, page_offset=int(offset))
        with self.engine.connect() as conn:
            result = conn.execute(_history_statement(_restricted(principal), paged), params)
            read = _elset_reader(list(result.keys()))
            return [read(r) for r in result]

    def element_set(self, element_set_id: int, *, principal: Principal | None = None) -> StoredElementSet | None:
        """One stored element set by row id (any data mode), or ``None`` (also when ``principal`` may not see it)."""
        e, b = s.element_sets, s.ingest_batches
        stmt = select(*e.c, b.c.source, b.c.origin, b.c.ingested_at_us).join(b, b.c.id == e.c.batch_id).where(
            e.c.id == element_set_id)
        stmt = self._restrict(stmt, e.c.marking_id, principal)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else self._stored(row)

    def ephemerides(self, norad_id: int | None = None, data_modes: tuple[str, ...] = ("REAL",), *,
                    principal: Principal | None = None) -> list[Ephemeris]:
        """Stored OEM segments (of one object if ``norad_id`` is given) that ``principal`` may see."""
        t = s.ephemerides
        stmt = self._restrict(select(t).where(t.c.data_mode.in_(data_modes)).order_by(t.c.id), t.c.marking_id,
                              principal)
        if norad_id is not None:
            stmt = stmt.where(t.c.norad_id == norad_id)
        out = []
        with self.engine.connect() as conn:
            for r in conn.execute(stmt):
                states = _from_npy(r.states_npy)
                out.append(Ephemeris(
                    object_name=r.object_name, object_id=r.object_id, center_name=r.center_name,
                    ref_frame=r.ref_frame, time_system=r.time_system, epochs_us=_from_npy(r.epochs_npy),
                    position_km=states[:, 0:3], velocity_km_s=states[:, 3:6],
                    acceleration_km_s2=states[:, 6:9] if states.shape[1] == 9 else None,
                    start_us=r.start_us, stop_us=r.stop_us, useable_start_us=r.useable_start_us,
                    useable_stop_us=r.useable_stop_us, interpolation=r.interpolation,
                    interpolation_degree=r.interpolation_degree, ref_frame_epoch_us=r.ref_frame_epoch_us,
                    covariance_epochs_us=_from_npy(r.covariance_epochs_npy), covariance=_from_npy(r.covariance_npy),
                    covariance_frames=tuple(json.loads(r.covariance_frames or "[]")), norad_id=r.norad_id,
                    originator=r.originator, creation_date_us=r.creation_date_us,
                    comments=tuple(r.comments.split("\n")) if r.comments else (), format=r.format,
                    source_line=r.source_line,
                ))
        return out

    @staticmethod
    def _stored_conjunction(r) -> StoredConjunction:
        state = np.array([r._mapping[k] for k in _STATE_COLUMNS], dtype=float)
        c = Conjunction(
            norad_id_1=r.norad_id_1, norad_id_2=r.norad_id_2, tca_us=r.tca_us, miss_distance_km=r.miss_distance_km,
            relative_speed_km_s=r.relative_speed_km_s, miss_rtn_km=np.array([r.miss_r_km, r.miss_t_km, r.miss_n_km]),
            state_1=state[:6], state_2=state[6:], frame=r.frame, element_set_id_1=r.element_set_id_1,
            element_set_id_2=r.element_set_id_2, epoch_1_us=r.epoch_1_us, epoch_2_us=r.epoch_2_us, pc=r.pc,
            pc_method=r.pc_method, hbr_m=r.hbr_m, covariance_assumed=bool(r.covariance_assumed), source=r.source,
            origin=r.origin, screening_threshold_km=r.screening_threshold_km,
        )
        return StoredConjunction(r.id, c, r.data_mode, r.marking, r.created_at_us, r.batch_id, r.run_id,
                                 bool(r.has_cdm))

    def conjunctions(
        self,
        norad_id: int | None = None,
        min_pc: float | None = None,
        max_miss_km: float | None = None,
        tca_from_us: int | None = None,
        tca_to_us: int | None = None,
        run_id: int | None = None,
        limit: int | None = None,
        *,
        batch_id: int | None = None,
        data_modes: tuple[str, ...] | None = ("REAL",),
        principal: Principal | None = None,
    ) -> list[StoredConjunction]:
        """Stored conjunctions, by TCA then id.

        Filters: ``norad_id`` either object; ``min_pc`` Pc at least this (conjunctions
        without a Pc are left out); ``max_miss_km`` miss distance at most this (km);
        ``tca_from_us``/``tca_to_us`` TCA within these bounds (UTC µs, inclusive);
        ``run_id`` from this screening run, ``batch_id`` from this ingest batch;
        ``data_modes`` in these modes (``None``: every mode); at most ``limit`` rows;
        only those ``principal`` may see.
        """
        t = s.conjunctions.c
        cols = [c for c in s.conjunctions.c if c.name != "cdm_kvn"]
        stmt = select(*cols, t.cdm_kvn.is_not(None).label("has_cdm")).order_by(t.tca_us, t.id)
        if norad_id is not None:
            stmt = stmt.where(or_(t.norad_id_1 == norad_id, t.norad_id_2 == norad_id))
        if min_pc is not None:
            stmt = stmt.where(t.pc >= min_pc)
        if max_miss_km is not None:
            stmt = stmt.where(t.miss_distance_km <= max_miss_km)
        if tca_from_us is not None:
            stmt = stmt.where(t.tca_us >= tca_from_us)
        if tca_to_us is not None:
            stmt = stmt.where(t.tca_us <= tca_to_us)
        if run_id is not None:
            stmt = stmt.where(t.run_id == run_id)
        if batch_id is not None:
            stmt = stmt.where(t.batch_id == batch_id)
        if data_modes is not None:
            stmt = stmt.where(t.data_mode.in_(data_modes))
        stmt = self._restrict(stmt, t.marking_id, principal)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [self._stored_conjunction(r) for r in conn.execute(stmt)]

    def get_conjunction(self, conjunction_id: int, *, principal: Principal | None = None,
                        data_modes: tuple[str, ...] | None = None) -> StoredConjunction | None:
        """One stored conjunction by id (in ``data_modes``; ``None``: any), or ``None``
        (also when ``principal`` may not see it)."""
        t = s.conjunctions.c
        cols = [c for c in s.conjunctions.c if c.name != "cdm_kvn"]
        stmt = select(*cols, t.cdm_kvn.is_not(None).label("has_cdm")).where(t.id == conjunction_id)
        if data_modes is not None:
            stmt = stmt.where(t.data_mode.in_(data_modes))
        with self.engine.connect() as conn:
            r = conn.execute(self._restrict(stmt, t.marking_id, principal)).first()
        return None if r is None else self._stored_conjunction(r)

    def conjunction_cdm(self, conjunction_id: int, *, principal: Principal | None = None) -> str | None:
        """The KVN text of the CDM a conjunction was ingested from (``None`` for SDA's own,
        and when ``principal`` may not see the conjunction)."""
        t = s.conjunctions.c
        with self.engine.connect() as conn:
            return conn.execute(self._restrict(select(t.cdm_kvn).where(t.id == conjunction_id), t.marking_id,
                                               principal)).scalar()

    def screening_runs(self) -> list[dict]:
        """Every screening run, newest first (``primaries`` as a list or ``None``)."""
        r = s.screening_runs
        with self.engine.connect() as conn:
            rows = [dict(x._mapping) for x in conn.execute(select(r).order_by(r.c.id.desc()))]
        for row in rows:
            row["primaries"] = None if row["primaries"] is None else json.loads(row["primaries"])
        return rows

    def alerts(self, owner: str | None = None, since_us: int | None = None, *, principal: Principal | None = None,
               data_modes: tuple[str, ...] | None = None, limit: int | None = None) -> list[Alert]:
        """Stored alerts (of one owner, created at or after ``since_us``, in ``data_modes``;
        ``None``: every mode) that ``principal`` may see, newest first; at most ``limit``."""
        al = s.alerts
        stmt = self._restrict(select(al), al.c.marking_id, principal)
        stmt = stmt.order_by(al.c.created_at_us.desc(), al.c.id.desc())
        if data_modes is not None:
            stmt = stmt.where(al.c.data_mode.in_(data_modes))
        if owner is not None:
            stmt = stmt.where(al.c.owner == owner)
        if since_us is not None:
            stmt = stmt.where(al.c.created_at_us >= since_us)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [self._alert(r) for r in conn.execute(stmt)]

    def alerts_after(self, after_id: int, *, principal: Principal | None = None,
                     data_modes: tuple[str, ...] | None = None, limit: int = 1000) -> list[Alert]:
        """At most ``limit`` stored alerts with an id above ``after_id`` (in ``data_modes``;
        ``None``: every mode) that ``principal`` may see, by id: what a live stream has not
        sent yet. Reads only the new rows (by primary key), filtered in SQL."""
        al = s.alerts
        stmt = select(al).where(al.c.id > after_id)
        if data_modes is not None:
            stmt = stmt.where(al.c.data_mode.in_(data_modes))
        stmt = self._restrict(stmt, al.c.marking_id, principal).order_by(al.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [self._alert(r) for r in conn.execute(stmt)]

    def last_alert_id(self) -> int:
        """The highest alert id stored (0 if there is none): where a new live stream starts."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.coalesce(func.max(s.alerts.c.id), 0))).scalar_one()

    @staticmethod
    def _alert(r) -> Alert:
        return Alert(r.conjunction_id, r.norad_id, r.owner, tuple(json.loads(r.thresholds_met)), r.level,
                     r.created_at_us, r.message, r.marking, r.data_mode, r.id)

    def table_counts(self) -> dict[str, int]:
        """Row count of every catalog table (for consistency checks and status)."""
        with self.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in s.metadata.sorted_tables}

    def batches(self) -> list[dict]:
        """Every ingest batch, newest first."""
        b = s.ingest_batches
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(b).order_by(b.c.id.desc()))]

    def summary(self, data_modes: tuple[str, ...] = ("REAL",), n_families: int = 10, *,
                principal: Principal | None = None) -> CatalogSummary:
        """Objects by type and regime, epoch range and the largest debris families of a view
        (of what ``principal`` may see)."""
        e, o = s.element_sets.c, s.objects.c
        latest = _latest_relation(_restricted(principal))
        L = latest.c
        base = (select(o.object_type, e.regime, e.epoch_us, o.intl_designator, o.name)
                .select_from(latest.join(s.element_sets, e.id == L.element_set_id)
                             .join(s.objects, o.norad_id == L.norad_id))
                .where(L.data_mode.in_(_VIEW_MODES)))
        with self.engine.connect() as conn:
            rows = conn.execute(base, _view_params(data_modes, principal)).all()
            n_sets = conn.execute(self._restrict(select(func.count()).select_from(s.element_sets)
                                                 .where(e.data_mode.in_(data_modes)), e.marking_id, principal)
                                  ).scalar_one()
        by_type = Counter(r.object_type or "UNKNOWN" for r in rows)
        by_regime = Counter(r.regime for r in rows)
        epochs = [r.epoch_us for r in rows]
        launches: Counter[str] = Counter()
        names: dict[str, str] = {}
        for r in rows:
            launch = (r.intl_designator or "")[:8]
            if len(launch) != 8:
                continue
            if r.object_type == "DEBRIS":
                launches[launch] += 1
                names.setdefault(launch, (r.name or "").replace(" DEB", "").strip())
            elif r.object_type == "PAYLOAD" and r.intl_designator == launch + "A":
                names[launch] = r.name or names.get(launch, "")
        families = [(lid, names.get(lid, ""), n) for lid, n in launches.most_common(n_families)]
        return CatalogSummary(
            n_objects=len(rows), n_element_sets=n_sets, by_type=dict(by_type.most_common()),
            by_regime=dict(by_regime.most_common()),
            by_type_regime=dict(Counter((r.object_type or "UNKNOWN", r.regime) for r in rows)), epoch_min_us=min(epochs) if epochs else None,
            epoch_max_us=max(epochs) if epochs else None, debris_families=families,
        )

    # ---- releasability ----------------------------------------------------------------
    def marking_id(self, marking: str, data_mode: str) -> tuple[int, str]:
        """``(id, canonical JSON)`` of a marking (JSON text) for records of ``data_mode``,
        entered in the ``markings`` table with its audience on first use.

        A marking that names no mode takes ``data_mode``; an invalid one, or one whose
        mode differs from ``data_mode``, is a :class:`StoreError`.
        """
        key = (marking, data_mode)
        if key in self._marking_ids:
            return self._marking_ids[key]
        try:
            m = Marking.of_record(marking, data_mode)
        except ValueError as exc:
            raise StoreError(f"invalid marking {marking!r}: {exc}") from None
        canonical = m.to_json()
        mk, mp = s.markings, s.marking_partners
        with self.engine.begin() as conn:
            audience = m.audience
            new_id = conn.execute(self._insert(mk).values(
                marking=canonical, owner=m.owner, mode=m.mode, audience_all=audience is None,
            ).on_conflict_do_nothing(index_elements=["marking"]).returning(mk.c.id)).scalar()
            if new_id is not None and audience:
                conn.execute(mp.insert(), [{"marking_id": new_id, "partner": p} for p in sorted(audience)])
            mid = new_id if new_id is not None else conn.execute(
                select(mk.c.id).where(mk.c.marking == canonical)).scalar_one()
        self._marking_ids[key] = (mid, canonical)
        return mid, canonical

    @staticmethod
    def visible(marking_id_column, principal: Principal):
        """SQL condition: records whose ``marking_id_column`` ``principal``'s partner may see
        (the rule of :func:`sda.policy.decide.decide`, data modes apart)."""
        if principal.is_local:
            return true()
        return _visible_sql(marking_id_column, principal.partner)

    def _restrict(self, stmt, marking_id_column, principal: Principal | None):
        """``stmt`` limited to what ``principal`` may see (unchanged for ``None`` or the local operator)."""
        return stmt.where(_visible_sql(marking_id_column, principal.partner)) if _restricted(principal) else stmt

    # ---- partners, principals, API keys ---------------------------------------------
    def create_partner(self, name: str, description: str | None = None) -> str:
        """Register a partner (see :func:`sda.policy.markings.check_partner_name`); return its name.

        ``StoreError`` if the name is invalid or already taken.
        """
        try:
            check_partner_name(name)
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        try:
            with self.engine.begin() as conn:
                conn.execute(s.partners.insert().values(name=name, description=description, created_at_us=now_us()))
        except IntegrityError:
            raise StoreError(f"partner {name} already exists") from None
        self.audit_append(None, "admin", f"partner {name} created")
        return name

    def partners(self) -> list[dict]:
        """Every partner, by name: ``name``, ``description``, ``created_at`` and its number of principals."""
        p, pr = s.partners, s.principals
        n = select(func.count()).where(pr.c.partner == p.c.name).scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(select(p, n.label("n_principals")).order_by(p.c.name)).all()
        return [{"name": r.name, "description": r.description, "created_at": format_utc(r.created_at_us),
                 "n_principals": r.n_principals} for r in rows]

    def create_api_key(self, partner: str, role: str = "viewer", name: str | None = None, *,
                       kind: str = "service") -> tuple[Principal, str]:
        """A new API key for the principal ``name`` of ``partner`` (created with ``role`` and
        ``kind`` if it does not exist); returns the principal and the key, which is not stored
        and cannot be shown again. ``StoreError`` for an unknown partner, or an existing
        principal of another role.
        """
        key = new_api_key()
        pr = s.principals
        try:
            with self.engine.begin() as conn:
                if conn.execute(select(s.partners.c.name).where(s.partners.c.name == partner)).scalar() is None:
                    raise StoreError(f"unknown partner {partner!r}: add it first with `sda admin partner add`")
                if name is None:
                    n = conn.execute(select(func.count()).where(pr.c.partner == partner)).scalar_one()
                    name = f"{partner.lower()}-{kind}-{n + 1}"
                row = conn.execute(select(pr).where(pr.c.partner == partner, pr.c.name == name)).first()
                if row is None:
                    principal = Principal(None, name, partner, role, kind)
                    pid = conn.execute(pr.insert().values(name=name, partner=partner, role=role, kind=kind,
                                                          created_at_us=now_us())).inserted_primary_key[0]
                    principal = replace(principal, id=pid)
                else:
                    principal = Principal(row.id, row.name, row.partner, row.role, row.kind)
                    if principal.role != role:
                        raise StoreError(f"principal {name} of {partner} is a {principal.role}, not a {role}")
                conn.execute(s.api_keys.insert().values(principal_id=principal.id, prefix=key_prefix(key),
                                                        key_sha256=key_hash(key), created_at_us=now_us()))
        except ValueError as exc:
            raise StoreError(str(exc)) from None
        self.audit_append(None, "admin", f"API key {key_prefix(key)}... created for {name} ({partner}, {role})")
        return principal, key

    def principal_for_key(self, key: str) -> Principal | None:
        """The principal an API key belongs to, or ``None`` for an unknown or revoked key."""
        k, pr = s.api_keys.c, s.principals.c
        with self.engine.connect() as conn:
            row = conn.execute(select(pr.id, pr.name, pr.partner, pr.role, pr.kind)
                               .select_from(s.api_keys.join(s.principals, pr.id == k.principal_id))
                               .where(k.key_sha256 == key_hash(key), k.revoked_at_us.is_(None))).first()
        return None if row is None else Principal(row.id, row.name, row.partner, row.role, row.kind)

    def api_keys(self, partner: str | None = None) -> list[ApiKeyInfo]:
        """Every API key (of one partner), oldest first, without the keys themselves."""
        k, pr = s.api_keys.c, s.principals.c
        stmt = (select(k.id, k.prefix, k.created_at_us, k.revoked_at_us, pr.id.label("pid"), pr.name, pr.partner,
                       pr.role, pr.kind)
                .select_from(s.api_keys.join(s.principals, pr.id == k.principal_id)).order_by(k.id))
        if partner is not None:
            stmt = stmt.where(pr.partner == partner)
        with self.engine.connect() as conn:
            return [ApiKeyInfo(r.id, r.prefix, Principal(r.pid, r.name, r.partner, r.role, r.kind), r.created_at_us,
                               r.revoked_at_us) for r in conn.execute(stmt)]

    def revoke_api_key(self, key_id: int) -> bool:
        """Revoke an API key by id; False if there is no such key or it was already revoked."""
        k = s.api_keys
        with self.engine.begin() as conn:
            done = conn.execute(k.update().where(k.c.id == key_id, k.c.revoked_at_us.is_(None))
                                .values(revoked_at_us=now_us()).returning(k.c.id)).scalar() is not None
        if done:
            self.audit_append(None, "admin", f"API key {key_id} revoked")
        return done

    # ---- audit log ------------------------------------------------------------------------
    @property
    def audit_key_path(self) -> Path:
        """Where this store's audit secret is kept (outside the database): ``$SDA_AUDIT_KEY_FILE``,
        else beside an SQLite file (``catalog.db.audit-key``), else in the user's configuration
        folder under a name derived from the database URL."""
        env = os.environ.get("SDA_AUDIT_KEY_FILE")
        if env:
            return Path(env)
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            db = Path(url.database)
            return db.with_name(db.name + ".audit-key")
        from platformdirs import user_config_dir

        ident = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
        return Path(user_config_dir("sda", appauthor=False)) / "audit-keys" / f"{ident}.key"

    def _secret(self) -> bytes:
        if self._audit_secret is None:
            self._audit_secret = load_secret(self.audit_key_path)
        return self._audit_secret

    def audit_append(self, principal: Principal | None, action: str, target: str,
                     origin: str | None = None) -> AuditEntry:
        """Append one entry to the audit log: ``principal`` (the local operator if ``None``)
        did ``action`` (``read``, ``write``, ``admin``, ...) on ``target`` from ``origin``
        (this host's user if ``None``). Entries are chained and signed (see
        :mod:`sda.policy.audit`); concurrent appends are serialised on the head record."""
        p = principal or Principal.local()
        origin = origin or local_origin()
        secret = self._secret()
        attempts = 0
        # One appender per process at a time; on SQLite it polls for the write lock every
        # fraction of a millisecond instead of sleeping in the busy handler's growing steps (up
        # to 100 ms), which let another server process take the lock again and again meanwhile.
        with self._audit_lock, self.engine.connect() as conn, self._polling_for_write_lock(conn) as waited:
            while True:
                try:
                    with conn.begin():
                        row = conn.execute(_AUDIT_TAKE_SEQ).first()
                        if row is None:
                            conn.execute(s.audit_head.insert(), {"id": 1, "seq": 1, "hash": GENESIS_HASH, "mac": ""})
                            seq, prev = 1, GENESIS_HASH
                        else:
                            seq, prev = row
                        at = now_us()
                        digest = entry_hash(prev, seq, at, p.id, p.name, p.partner, action, target, origin)
                        entry = AuditEntry(seq, at, p.id, p.name, p.partner, action, target, origin, prev, digest,
                                           sign(secret, digest))
                        conn.execute(s.audit_log.insert(), [asdict(entry)])
                        conn.execute(_AUDIT_SET_HEAD,
                                     {"new_hash": digest, "new_mac": head_signature(secret, seq, digest)})
                    return entry
                except IntegrityError:  # two first entries at once: the other one won, take the next number
                    attempts += 1
                    if attempts == 5:
                        raise StoreError("audit log: the head record is contended, nothing was appended") from None
                except OperationalError as exc:
                    if not waited(exc):
                        raise StoreError(f"audit log: cannot append: {exc}") from None
                except SQLAlchemyError as exc:
                    raise StoreError(f"audit log: cannot append: {exc}") from None

    @contextmanager
    def _polling_for_write_lock(self, conn: Connection):
        """Within: SQLite's busy handler is off on ``conn`` and the yielded ``waited(exc)`` sleeps a
        fraction of a millisecond and returns True if ``exc`` is SQLite's "database is locked" and
        the usual busy timeout has not passed (else False: give up). Other databases wait in
        their own lock queues, so ``waited`` is always False there."""
        if self.dialect != "sqlite":
            yield lambda exc: False
            return
        driver = conn.connection.driver_connection
        deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_MS / 1000

        def waited(exc: OperationalError) -> bool:
            if "database is locked" not in str(exc.orig) or time.monotonic() > deadline:
                return False
            time.sleep(random.uniform(0.0001, 0.0005))
            return True

        driver.execute("PRAGMA busy_timeout=0")
        try:
            yield waited
        finally:
            driver.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")

    def audit_entries(self, *, since_seq: int | None = None, limit: int | None = None,
                      newest_first: bool = False) -> list[AuditEntry]:
        """Audit entries (with sequence number at least ``since_seq``), by sequence number."""
        log = s.audit_log
        stmt = select(log).order_by(log.c.seq.desc() if newest_first else log.c.seq)
        if since_seq is not None:
            stmt = stmt.where(log.c.seq >= since_seq)
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [AuditEntry(**r._mapping) for r in conn.execute(stmt)]

    def audit_head(self) -> AuditHead | None:
        """The audit log's signed head record, if any."""
        h = s.audit_head
        with self.engine.connect() as conn:
            r = conn.execute(select(h.c.seq, h.c.hash, h.c.mac).where(h.c.id == 1)).first()
        return None if r is None else AuditHead(r.seq, r.hash, r.mac)

    def audit_verify(self) -> AuditReport:
        """Verify the whole audit log against its head and this server's audit secret."""
        started = self.audit_key_path.exists()
        return verify(self.audit_entries(), self.audit_head(), self._secret() if started else None, started=started)
