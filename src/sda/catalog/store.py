"""The catalog store: the only module of SDA that speaks SQL.

An SQLite file is the embedded default; PostgreSQL is used by URL
(``postgresql+psycopg://user@host/db``). The schema is created and upgraded by the
Alembic migrations in :mod:`sda.catalog.migrations` when the store opens.

Every write of a batch (one file or one provider response) is one transaction:
all of its records are stored, or none; so is every write of a screening run with
its conjunctions. Conjunctions, owners' asset thresholds and alerts are kept here too.
"""

from __future__ import annotations

import io
import json
import operator
import os
from collections import Counter
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy import and_, case, create_engine, event, func, literal, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

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
from sda.products.alerts import Alert, AssetThreshold
from sda.products.warnings import Warning

__all__ = ["Store", "open_store", "default_database_url", "BatchInfo", "BatchResult", "CatalogSummary",
           "CdmConjunction", "ScreeningRunInfo", "StoredConjunction"]


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


_ES_FIELDS = tuple(f.name for f in fields(ElementSet))
_ES_COLUMNS = [s.element_sets.c[name] for name in _ES_FIELDS if name in s.element_sets.c and name != "owner"]


def _npy(arr: np.ndarray | None) -> bytes | None:
    if arr is None:
        return None
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return buf.getvalue()


def _from_npy(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.load(io.BytesIO(blob), allow_pickle=False)


class Store:
    """Catalog storage on SQLite or PostgreSQL (``url`` as SQLAlchemy takes it)."""

    def __init__(self, url: str):
        self.url = url
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
            engine = create_engine(url)

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):  # pragma names are SQLite's own
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
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
                    n_rejected: int = 0) -> BatchResult:
        """Store the records of one batch in one transaction (all or nothing).

        Records already in the catalog (same content hash) are kept once; the same
        content ingested again from the same source and mode changes nothing. A
        :class:`CdmConjunction` is stored as a conjunction of this batch with its CDM text.
        """
        ingested_at = now_us()
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
                    )
                ).inserted_primary_key[0]
                n_new = 0
                sets = [r for r in records if isinstance(r, ElementSet)]
                if sets:
                    n_new += self._write_element_sets(conn, batch_id, info, sets)
                for r in records:
                    if isinstance(r, Ephemeris):
                        n_new += self._write_ephemeris(conn, batch_id, info, r)
                    elif isinstance(r, StateVector):
                        n_new += self._write_state_vector(conn, batch_id, info, r)
                    elif isinstance(r, CdmConjunction):
                        n_new += self._write_cdm_conjunction(conn, batch_id, info, r, ingested_at)
                conn.execute(
                    s.ingest_batches.update().where(s.ingest_batches.c.id == batch_id).values(n_new=n_new)
                )
                return BatchResult(batch_id, len(records), n_new, False)
        except SQLAlchemyError as exc:
            raise StoreError(f"writing batch from {info.origin} failed, nothing was stored: {exc}") from None

    def _write_element_sets(self, conn: Connection, batch_id: int, info: BatchInfo, sets: list[ElementSet]) -> int:
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
            ins = self._insert(s.latest_element_sets)
            ex = ins.excluded
            stmt = ins.on_conflict_do_update(
                index_elements=["norad_id", "data_mode"],
                set_={"element_set_id": ex.element_set_id, "epoch_us": ex.epoch_us},
                where=ex.epoch_us >= s.latest_element_sets.c.epoch_us,
            )
            self._bulk(conn, stmt, [{"norad_id": k, "data_mode": info.data_mode, "element_set_id": v[0],
                                     "epoch_us": v[1]} for k, v in best.items()])
        return n_new

    def _write_ephemeris(self, conn: Connection, batch_id: int, info: BatchInfo, eph: Ephemeris) -> bool:
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
            data_mode=info.data_mode, marking=info.marking,
        ).returning(s.ephemerides.c.id)).scalar() is not None

    def _write_state_vector(self, conn: Connection, batch_id: int, info: BatchInfo, sv: StateVector) -> bool:
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
            data_mode=info.data_mode, marking=info.marking,
        ).returning(s.state_vectors.c.id)).scalar() is not None

    def _write_cdm_conjunction(self, conn: Connection, batch_id: int, info: BatchInfo, cc: CdmConjunction,
                               created_at_us: int) -> bool:
        """Insert one CDM's conjunction; True if the message was new."""
        ins = self._insert(s.conjunctions).on_conflict_do_nothing(index_elements=["content_hash"])
        new_id = conn.execute(ins.values(
            **_conjunction_row(cc.conjunction), batch_id=batch_id, cdm_kvn=cc.cdm_kvn, content_hash=cc.content_hash,
            created_at_us=created_at_us, data_mode=info.data_mode, marking=info.marking,
        ).returning(s.conjunctions.c.id)).scalar()
        return new_id is not None

    def write_screening_run(self, run: ScreeningRunInfo, conjunctions: Sequence[Conjunction]) -> int:
        """Store a screening run and its conjunctions in one transaction; return the run's id."""
        created = now_us()
        try:
            with self.engine.begin() as conn:
                run_id = conn.execute(s.screening_runs.insert().values(
                    start_us=int(run.start_us), window_s=float(run.window_s), threshold_km=float(run.threshold_km),
                    primaries=None if run.primaries is None else json.dumps([int(p) for p in run.primaries]),
                    n_objects=int(run.n_objects), n_conjunctions=len(conjunctions), run_time_s=float(run.run_time_s),
                    created_at_us=created, data_mode=run.data_mode, marking=run.marking,
                )).inserted_primary_key[0]
                rows = [{**_conjunction_row(c), "batch_id": None, "run_id": run_id, "cdm_kvn": None,
                         "content_hash": None, "created_at_us": created, "data_mode": run.data_mode,
                         "marking": run.marking} for c in conjunctions]
                if rows:
                    conn.execute(s.conjunctions.insert(), rows)
                return run_id
        except SQLAlchemyError as exc:
            raise StoreError(f"writing screening run failed, nothing was stored: {exc}") from None

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
        with self.engine.begin() as conn:
            for a in alerts:
                ins = self._insert(al).values(
                    conjunction_id=a.conjunction_id, norad_id=a.norad_id, owner=a.owner,
                    thresholds_met=json.dumps(list(a.thresholds_met)), level=a.level, created_at_us=a.created_at_us,
                    message=a.message, data_mode=a.data_mode, marking=a.marking,
                ).on_conflict_do_nothing(index_elements=["conjunction_id", "norad_id", "owner"]).returning(al.c.id)
                new_id = conn.execute(ins).scalar()
                if new_id is not None:
                    out.append(replace(a, id=new_id))
        return out

    def write_warnings(self, warnings: Sequence[Warning]) -> list[Warning]:
        """Store warnings in one transaction; return those that were new, with their ids.

        A detection already stored (same :attr:`Warning.content_hash`) is not stored again.
        """
        out = []
        w = s.warnings
        created = now_us()
        try:
            with self.engine.begin() as conn:
                for x in warnings:
                    ins = self._insert(w).values(
                        kind=x.kind, norad_id=x.norad_id, related_ids=json.dumps([int(i) for i in x.related_ids]),
                        time_us=int(x.time_us), window_start_us=x.window_start_us, window_stop_us=x.window_stop_us,
                        confidence=float(x.confidence), summary=x.summary, evidence=json.dumps(x.evidence, default=str),
                        content_hash=x.content_hash, created_at_us=created, data_mode=x.data_mode, marking=x.marking,
                    ).on_conflict_do_nothing(index_elements=["content_hash"]).returning(w.c.id)
                    new_id = conn.execute(ins).scalar()
                    if new_id is not None:
                        out.append(replace(x, id=new_id, created_at_us=created))
        except SQLAlchemyError as exc:
            raise StoreError(f"writing warnings failed, nothing was stored: {exc}") from None
        return out

    def warnings(self, kind: str | None = None, norad_id: int | None = None, since_us: int | None = None,
                 data_modes: tuple[str, ...] = ("REAL",)) -> list[Warning]:
        """Stored warnings (of one kind, about one object, with event time at or after
        ``since_us``), newest event first."""
        w = s.warnings
        stmt = select(w).where(w.c.data_mode.in_(data_modes)).order_by(w.c.time_us.desc(), w.c.id.desc())
        if kind is not None:
            stmt = stmt.where(w.c.kind == kind)
        if norad_id is not None:
            stmt = stmt.where(w.c.norad_id == norad_id)
        if since_us is not None:
            stmt = stmt.where(w.c.time_us >= since_us)
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
        m = row._mapping
        es = ElementSet(**{name: m[name] for name in _ES_FIELDS if name in m and name != "owner"},
                        owner=m.get("owner"))
        prov = Provenance(
            source=m["source"], origin=m["origin"], data_mode=m["data_mode"], ingested_at_us=m["ingested_at_us"],
            content_hash=m["content_hash"], batch_id=m["batch_id"], marking=m["marking"], format=m["format"],
            source_line=m["source_line"],
        )
        return StoredElementSet(m["id"], es, prov)

    def _elset_select(self):
        e, b = s.element_sets, s.ingest_batches
        return select(*e.c, b.c.source, b.c.origin, b.c.ingested_at_us).join(b, b.c.id == e.c.batch_id)

    def _latest_select(self, q: CatalogQuery):
        e, L, o = s.element_sets, s.latest_element_sets, s.objects
        stmt = (
            self._elset_select()
            .add_columns(o.c.owner)
            .join(L, L.c.element_set_id == e.c.id)
            .join(o, o.c.norad_id == e.c.norad_id)
            .where(L.c.data_mode.in_(q.data_modes))
        )
        if q.object_types:
            stmt = stmt.where(o.c.object_type.in_([t.upper() for t in q.object_types]))
        if q.regimes:
            stmt = stmt.where(e.c.regime.in_([r.upper() for r in q.regimes]))
        if q.name:
            pattern = q.name.replace("*", "%").replace("?", "_")
            if "%" not in pattern and "_" not in pattern:
                pattern = f"%{pattern}%"
            stmt = stmt.where(func.upper(o.c.name).like(pattern.upper()))
        if q.intl_designator:
            stmt = stmt.where(o.c.intl_designator.like(q.intl_designator.upper() + "%"))
        as_of = q.as_of_us if q.as_of_us is not None else now_us()
        if q.max_epoch_age_days is not None:
            stmt = stmt.where(e.c.epoch_us >= as_of - int(q.max_epoch_age_days * US_PER_DAY))
        if q.min_epoch_age_days is not None:
            stmt = stmt.where(e.c.epoch_us <= as_of - int(q.min_epoch_age_days * US_PER_DAY))
        if q.norad_ids is not None:
            stmt = stmt.where(e.c.norad_id.in_(list(q.norad_ids)))
        return stmt

    def latest(self, q: CatalogQuery = CatalogQuery()) -> list[StoredElementSet]:
        """The newest element set of every object matching ``q``, ordered by catalog number."""
        stmt = self._latest_select(q).order_by(s.element_sets.c.norad_id, s.latest_element_sets.c.data_mode)
        if q.limit is not None:
            stmt = stmt.limit(q.limit)
        if q.offset:
            stmt = stmt.offset(q.offset)
        with self.engine.connect() as conn:
            return [self._stored(r) for r in conn.execute(stmt)]

    def count(self, q: CatalogQuery = CatalogQuery()) -> int:
        """Number of objects matching ``q`` (ignoring paging)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self._latest_select(q).subquery())).scalar_one()

    def objects(self, q: CatalogQuery = CatalogQuery()) -> list[CatalogObject]:
        """Catalog objects matching ``q`` with their newest element set."""
        latest = self.latest(q)
        o_by_id = self._object_rows(st.element_set.norad_id for st in latest)
        return [self._object(o_by_id[st.element_set.norad_id], st) for st in latest]

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

    def get_object(self, norad_id: int, data_modes: tuple[str, ...] = ("REAL",)) -> CatalogObject | None:
        """One object with its newest element set in the given modes, or ``None`` if it is not in that view."""
        latest = self.latest(CatalogQuery(norad_ids=(norad_id,), data_modes=data_modes))
        if not latest:
            return None
        return self._object(self._object_rows([norad_id])[norad_id], latest[-1])

    def history(self, norad_id: int, data_modes: tuple[str, ...] = ("REAL",)) -> list[StoredElementSet]:
        """Every element set of one object in the given modes, oldest epoch first."""
        e = s.element_sets.c
        stmt = (self._elset_select().add_columns(literal(None).label("owner"))
                .where(e.norad_id == norad_id, e.data_mode.in_(data_modes)).order_by(e.epoch_us, e.id))
        with self.engine.connect() as conn:
            return [self._stored(r) for r in conn.execute(stmt)]

    def element_set(self, element_set_id: int) -> StoredElementSet | None:
        """One stored element set by row id (any data mode), or ``None``."""
        e = s.element_sets.c
        stmt = self._elset_select().add_columns(literal(None).label("owner")).where(e.id == element_set_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else self._stored(row)

    def ephemerides(self, norad_id: int | None = None, data_modes: tuple[str, ...] = ("REAL",)) -> list[Ephemeris]:
        """Stored OEM segments (of one object if ``norad_id`` is given)."""
        t = s.ephemerides
        stmt = select(t).where(t.c.data_mode.in_(data_modes)).order_by(t.c.id)
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
    ) -> list[StoredConjunction]:
        """Stored conjunctions, by TCA then id.

        Filters: ``norad_id`` either object; ``min_pc`` Pc at least this (conjunctions
        without a Pc are left out); ``max_miss_km`` miss distance at most this (km);
        ``tca_from_us``/``tca_to_us`` TCA within these bounds (UTC µs, inclusive);
        ``run_id`` from this screening run, ``batch_id`` from this ingest batch;
        ``data_modes`` in these modes (``None``: every mode); at most ``limit`` rows.
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
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [self._stored_conjunction(r) for r in conn.execute(stmt)]

    def get_conjunction(self, conjunction_id: int) -> StoredConjunction | None:
        """One stored conjunction by id (any data mode), or ``None``."""
        t = s.conjunctions.c
        cols = [c for c in s.conjunctions.c if c.name != "cdm_kvn"]
        with self.engine.connect() as conn:
            r = conn.execute(select(*cols, t.cdm_kvn.is_not(None).label("has_cdm"))
                             .where(t.id == conjunction_id)).first()
        return None if r is None else self._stored_conjunction(r)

    def conjunction_cdm(self, conjunction_id: int) -> str | None:
        """The KVN text of the CDM a conjunction was ingested from (``None`` for SDA's own)."""
        t = s.conjunctions.c
        with self.engine.connect() as conn:
            return conn.execute(select(t.cdm_kvn).where(t.id == conjunction_id)).scalar()

    def screening_runs(self) -> list[dict]:
        """Every screening run, newest first (``primaries`` as a list or ``None``)."""
        r = s.screening_runs
        with self.engine.connect() as conn:
            rows = [dict(x._mapping) for x in conn.execute(select(r).order_by(r.c.id.desc()))]
        for row in rows:
            row["primaries"] = None if row["primaries"] is None else json.loads(row["primaries"])
        return rows

    def alerts(self, owner: str | None = None, since_us: int | None = None) -> list[Alert]:
        """Stored alerts (of one owner, created at or after ``since_us``), newest first."""
        al = s.alerts
        stmt = select(al).order_by(al.c.created_at_us.desc(), al.c.id.desc())
        if owner is not None:
            stmt = stmt.where(al.c.owner == owner)
        if since_us is not None:
            stmt = stmt.where(al.c.created_at_us >= since_us)
        with self.engine.connect() as conn:
            return [Alert(r.conjunction_id, r.norad_id, r.owner, tuple(json.loads(r.thresholds_met)), r.level,
                          r.created_at_us, r.message, r.marking, r.data_mode, r.id) for r in conn.execute(stmt)]

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

    def summary(self, data_modes: tuple[str, ...] = ("REAL",), n_families: int = 10) -> CatalogSummary:
        """Objects by type and regime, epoch range and the largest debris families of a view."""
        e, L, o = s.element_sets.c, s.latest_element_sets.c, s.objects.c
        base = (select(o.object_type, e.regime, e.epoch_us, o.intl_designator, o.name)
                .select_from(s.latest_element_sets.join(s.element_sets, e.id == L.element_set_id)
                             .join(s.objects, o.norad_id == L.norad_id))
                .where(L.data_mode.in_(data_modes)))
        with self.engine.connect() as conn:
            rows = conn.execute(base).all()
            n_sets = conn.execute(select(func.count()).select_from(s.element_sets)
                                  .where(e.data_mode.in_(data_modes))).scalar_one()
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
