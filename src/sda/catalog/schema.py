"""The catalog's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Times are BIGINT microseconds since 1970 UTC; floats are double precision; arrays of
ephemerides are stored as ``.npy`` blobs. Alembic migrations under
``catalog/migrations`` create and evolve these tables; this module is what the
code queries and what ``alembic revision --autogenerate`` compares against.

Every marked record keeps its releasability marking twice: as JSON text (``marking``,
for display) and as ``marking_id``, a reference to the ``markings`` table whose
``audience_all`` flag and ``marking_partners`` rows are what SQL filters on.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "metadata",
    "ingest_batches",
    "objects",
    "element_sets",
    "latest_element_sets",
    "ephemerides",
    "state_vectors",
    "screening_runs",
    "conjunctions",
    "asset_thresholds",
    "alerts",
    "warnings",
    "markings",
    "marking_partners",
    "latest_by_marking",
    "partners",
    "principals",
    "api_keys",
    "audit_log",
    "audit_head",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
_Id = BigInteger().with_variant(Integer(), "sqlite")

#: One row per ingested file or fetched response: where the records came from.
ingest_batches = Table(
    "ingest_batches",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("origin", Text, nullable=False),
    Column("format", String(16), nullable=False),
    Column("data_mode", String(16), nullable=False),
    Column("ingested_at_us", BigInteger, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("n_records", Integer, nullable=False),
    Column("n_new", Integer, nullable=False),
    Column("n_rejected", Integer, nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
    UniqueConstraint("content_sha256", "source", "data_mode"),
)

#: Object metadata, one row per catalog number.
objects = Table(
    "objects",
    metadata,
    Column("norad_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(80)),
    Column("intl_designator", String(16), index=True),
    Column("object_type", String(16)),
    Column("owner", String(16)),
    Column("metadata_epoch_us", BigInteger, nullable=False),
)

#: Every element set ever ingested (history), with its provenance.
element_sets = Table(
    "element_sets",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("norad_id", BigInteger, nullable=False),
    Column("epoch_us", BigInteger, nullable=False),
    Column("mean_motion_rev_day", Double, nullable=False),
    Column("eccentricity", Double, nullable=False),
    Column("inclination_deg", Double, nullable=False),
    Column("raan_deg", Double, nullable=False),
    Column("arg_perigee_deg", Double, nullable=False),
    Column("mean_anomaly_deg", Double, nullable=False),
    Column("bstar_per_er", Double, nullable=False),
    Column("mean_motion_dot", Double, nullable=False),
    Column("mean_motion_ddot", Double, nullable=False),
    Column("classification", String(1), nullable=False),
    Column("ephemeris_type", SmallInteger, nullable=False),
    Column("element_set_no", Integer, nullable=False),
    Column("rev_at_epoch", Integer, nullable=False),
    Column("mean_element_theory", String(16), nullable=False),
    Column("ref_frame", String(16), nullable=False),
    Column("time_system", String(8), nullable=False),
    Column("name", String(80)),
    Column("intl_designator", String(16)),
    Column("object_type", String(16)),
    Column("semi_major_axis_km", Double),
    Column("period_min", Double),
    Column("perigee_alt_km", Double),
    Column("apogee_alt_km", Double),
    Column("regime", String(8), nullable=False),
    Column("format", String(8), nullable=False),
    Column("tle_line1", String(69)),
    Column("tle_line2", String(69)),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("batch_id", ForeignKey("ingest_batches.id"), nullable=False, index=True),
    Column("source_line", Integer),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
    Index(None, "norad_id", "epoch_us"),
)

#: The newest element set (by epoch) of each object in each data mode.
latest_element_sets = Table(
    "latest_element_sets",
    metadata,
    Column("norad_id", BigInteger, primary_key=True, autoincrement=False),
    Column("data_mode", String(16), primary_key=True),
    Column("element_set_id", ForeignKey("element_sets.id"), nullable=False),
    Column("epoch_us", BigInteger, nullable=False),
)

#: OEM segments: states of one object over a span (arrays as .npy blobs).
ephemerides = Table(
    "ephemerides",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("norad_id", BigInteger, index=True),
    Column("object_name", String(80), nullable=False),
    Column("object_id", String(32), nullable=False, index=True),
    Column("center_name", String(32), nullable=False),
    Column("ref_frame", String(16), nullable=False),
    Column("time_system", String(8), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("stop_us", BigInteger, nullable=False),
    Column("useable_start_us", BigInteger),
    Column("useable_stop_us", BigInteger),
    Column("interpolation", String(16)),
    Column("interpolation_degree", SmallInteger),
    Column("ref_frame_epoch_us", BigInteger),
    Column("n_states", Integer, nullable=False),
    Column("epochs_npy", LargeBinary, nullable=False),
    Column("states_npy", LargeBinary, nullable=False),
    Column("covariance_epochs_npy", LargeBinary),
    Column("covariance_npy", LargeBinary),
    Column("covariance_frames", Text),
    Column("originator", String(64)),
    Column("creation_date_us", BigInteger),
    Column("comments", Text),
    Column("format", String(8), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("batch_id", ForeignKey("ingest_batches.id"), nullable=False, index=True),
    Column("source_line", Integer),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
)

#: OPM state vectors, with covariance, spacecraft parameters and maneuvers.
state_vectors = Table(
    "state_vectors",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("norad_id", BigInteger, index=True),
    Column("object_name", String(80), nullable=False),
    Column("object_id", String(32), nullable=False, index=True),
    Column("center_name", String(32), nullable=False),
    Column("ref_frame", String(16), nullable=False),
    Column("time_system", String(8), nullable=False),
    Column("epoch_us", BigInteger, nullable=False),
    Column("x_km", Double, nullable=False),
    Column("y_km", Double, nullable=False),
    Column("z_km", Double, nullable=False),
    Column("vx_km_s", Double, nullable=False),
    Column("vy_km_s", Double, nullable=False),
    Column("vz_km_s", Double, nullable=False),
    Column("covariance_npy", LargeBinary),
    Column("covariance_frame", String(16)),
    Column("has_maneuvers", Boolean, nullable=False),
    Column("details", Text, nullable=False),
    Column("originator", String(64)),
    Column("creation_date_us", BigInteger),
    Column("format", String(8), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("batch_id", ForeignKey("ingest_batches.id"), nullable=False, index=True),
    Column("source_line", Integer),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
)


#: One row per screening run: what was screened and what it found.
screening_runs = Table(
    "screening_runs",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("start_us", BigInteger, nullable=False),
    Column("window_s", Double, nullable=False),
    Column("threshold_km", Double, nullable=False),
    Column("primaries", Text),  # JSON list of catalog numbers; NULL: every object against every other
    Column("n_objects", Integer, nullable=False),
    Column("n_conjunctions", Integer, nullable=False),
    Column("run_time_s", Double, nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
)

#: One row per conjunction event, from a screening run or an ingested CDM (then with the CDM's KVN text).
conjunctions = Table(
    "conjunctions",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("norad_id_1", BigInteger, nullable=False),
    Column("norad_id_2", BigInteger, nullable=False),
    Column("tca_us", BigInteger, nullable=False, index=True),
    Column("miss_distance_km", Double, nullable=False),
    Column("relative_speed_km_s", Double, nullable=False),
    Column("miss_r_km", Double, nullable=False),
    Column("miss_t_km", Double, nullable=False),
    Column("miss_n_km", Double, nullable=False),
    *(Column(f"{c}_{n}_{u}", Double, nullable=False)
      for n in (1, 2) for c, u in (("x", "km"), ("y", "km"), ("z", "km"), ("vx", "km_s"), ("vy", "km_s"), ("vz", "km_s"))),
    Column("frame", String(16), nullable=False),
    Column("element_set_id_1", ForeignKey("element_sets.id")),
    Column("element_set_id_2", ForeignKey("element_sets.id")),
    Column("epoch_1_us", BigInteger),
    Column("epoch_2_us", BigInteger),
    Column("pc", Double),
    Column("pc_method", String(32)),
    Column("hbr_m", Double),
    Column("covariance_assumed", Boolean, nullable=False),
    Column("source", String(64), nullable=False),
    Column("origin", Text),
    Column("screening_threshold_km", Double),
    Column("batch_id", ForeignKey("ingest_batches.id"), index=True),
    Column("run_id", ForeignKey("screening_runs.id"), index=True),
    Column("cdm_kvn", Text),
    Column("content_hash", String(64), unique=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
    Index(None, "norad_id_1", "tca_us"),
    Index(None, "norad_id_2", "tca_us"),
    Index(None, "marking_id"),
)

#: Alert thresholds an owner set for one of its assets (any of them may be absent).
asset_thresholds = Table(
    "asset_thresholds",
    metadata,
    Column("norad_id", BigInteger, primary_key=True, autoincrement=False),
    Column("owner", String(64), primary_key=True),
    Column("max_miss_km", Double),
    Column("min_pc", Double),
    Column("max_hours_to_tca", Double),
    Column("updated_at_us", BigInteger, nullable=False),
)

#: Alerts raised for an owner's asset by a conjunction.
alerts = Table(
    "alerts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("conjunction_id", ForeignKey("conjunctions.id"), nullable=False),
    Column("norad_id", BigInteger, nullable=False),
    Column("owner", String(64), nullable=False, index=True),
    Column("thresholds_met", Text, nullable=False),  # JSON list of threshold names
    Column("level", String(8), nullable=False),
    Column("created_at_us", BigInteger, nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
    UniqueConstraint("conjunction_id", "norad_id", "owner"),
    Index(None, "marking_id"),
)


#: Indications and warnings (maneuvers, proximity operations, breakups, overflights, re-entries).
warnings = Table(
    "warnings",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("norad_id", BigInteger, index=True),
    Column("related_ids", Text, nullable=False),  # JSON list of catalog numbers
    Column("time_us", BigInteger, nullable=False, index=True),
    Column("window_start_us", BigInteger),
    Column("window_stop_us", BigInteger),
    Column("confidence", Double, nullable=False),
    Column("summary", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON object
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("created_at_us", BigInteger, nullable=False, index=True),
    Column("data_mode", String(16), nullable=False),
    Column("marking", Text, nullable=False),
    Column("marking_id", BigInteger),
    Index(None, "kind", "time_us"),
    Index(None, "marking_id"),
)


# ---- sharing: markings, partners, principals, API keys, audit ---------------------------

#: Every distinct releasability marking once (canonical JSON), with its owner and mode;
#: ``audience_all``: releasable to every partner.
markings = Table(
    "markings",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("marking", Text, nullable=False, unique=True),
    Column("owner", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("audience_all", Boolean, nullable=False),
)

#: The partners that may see records of a marking (its audience), when not every partner.
marking_partners = Table(
    "marking_partners",
    metadata,
    Column("marking_id", ForeignKey("markings.id"), primary_key=True, autoincrement=False),
    Column("partner", String(32), primary_key=True),
    Index(None, "partner", "marking_id"),
)

#: The newest element set (by epoch) of each object in each data mode under each marking:
#: a principal's newest is the newest of the markings it may see.
latest_by_marking = Table(
    "latest_by_marking",
    metadata,
    Column("norad_id", BigInteger, primary_key=True, autoincrement=False),
    Column("data_mode", String(16), primary_key=True),
    Column("marking_id", BigInteger, primary_key=True, autoincrement=False),
    Column("element_set_id", ForeignKey("element_sets.id"), nullable=False),
    Column("epoch_us", BigInteger, nullable=False),
)

#: Organisations that share data (defence ministries, civil agencies, commercial providers).
partners = Table(
    "partners",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("description", Text),
    Column("created_at_us", BigInteger, nullable=False),
)

#: Users and service accounts of partners.
principals = Table(
    "principals",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("partner", ForeignKey("partners.name"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    UniqueConstraint("partner", "name"),
)

#: API keys, stored as the SHA-256 of the key (the key itself is shown once).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("principal_id", ForeignKey("principals.id"), nullable=False, index=True),
    Column("prefix", String(12), nullable=False),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("revoked_at_us", BigInteger),
)

#: The hash-chained audit log (see :mod:`sda.policy.audit`); rows are only ever appended.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at_us", BigInteger, nullable=False),
    Column("principal_id", BigInteger),
    Column("principal", String(64), nullable=False),
    Column("partner", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", Text, nullable=False),
    Column("origin", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
)

#: The audit log's signed head: its last sequence number and hash (one row, id 1).
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
)
