"""Catalog records: what every parser yields and the store keeps.

Units are in the field names. Element sets keep the units of the TLE/OMM standard
(degrees, revolutions per day) because those are exact in the source text; states
are km and km/s; times are integer UTC microseconds since 1970 (see
:mod:`sda.core.times`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from sda.core.orbits import orbit_regime, orbit_shape
from sda.core.times import format_utc

__all__ = [
    "DataMode",
    "OBJECT_TYPES",
    "DEFAULT_MARKING",
    "ElementSet",
    "Ephemeris",
    "StateVector",
    "Record",
    "Provenance",
    "maneuver_as_json",
    "StoredElementSet",
    "CatalogObject",
    "Conjunction",
    "object_type_from_name",
    "canonical_intl_designator",
]


class DataMode(str, Enum):
    """What kind of data a record is: real operations, tests, exercises or simulation."""

    REAL = "REAL"
    TEST = "TEST"
    EXERCISE = "EXERCISE"
    SIMULATED = "SIMULATED"


OBJECT_TYPES = ("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN")

#: Releasability marking given to records ingested without one: releasable to every partner.
DEFAULT_MARKING = '{"releasable_to":["ALL"]}'


def object_type_from_name(name: str | None) -> str | None:
    """Object type implied by a catalog name (``DEB`` → DEBRIS, ``R/B`` → ROCKET BODY).

    Names such as ``OBJECT A`` or ``TBA - TO BE ASSIGNED`` are UNKNOWN; any other
    name is taken as a PAYLOAD. ``None`` when there is no name.
    """
    if not name:
        return None
    words = name.upper().replace("(", " ").replace(")", " ").split()
    if "DEB" in words or "DEBRIS" in words or "COOLANT" in words:
        return "DEBRIS"
    if "R/B" in words or "AKM" in words or "PKM" in words:
        return "ROCKET BODY"
    if name.upper().startswith(("OBJECT ", "TBA")) or name.upper() == "UNKNOWN":
        return "UNKNOWN"
    return "PAYLOAD"


def canonical_intl_designator(text: str | None) -> str | None:
    """COSPAR form ``YYYY-NNNP`` of an international designator.

    Accepts the TLE form ``58002B`` (two-digit year, 57 pivot) and the COSPAR form
    ``1958-002B``; blank gives ``None``. Anything else is returned stripped, unchanged.
    """
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    if len(t) >= 6 and t[:5].isdigit() and t.isascii() and "-" not in t:
        yy = int(t[:2])
        return f"{yy + (1900 if yy >= 57 else 2000)}-{t[2:5]}{t[5:]}"
    return t


@dataclass(frozen=True, slots=True)
class ElementSet:
    """One mean element set (from a TLE or an OMM): SGP4's in TEME of epoch unless
    ``mean_element_theory`` and ``ref_frame`` say otherwise; ``epoch_us`` is UTC
    whatever ``time_system`` the source used. ``norad_id`` is ``None`` only between
    parsing an OMM without ``NORAD_CAT_ID`` and the catalog resolving its ``OBJECT_ID``.

    ``mean_motion_dot`` (rev/day²) and ``mean_motion_ddot`` (rev/day³) are the
    values as written in TLE/OMM (first derivative / 2, second / 6); ``bstar_per_er``
    is B* in inverse Earth radii.
    """

    norad_id: int | None
    epoch_us: int
    mean_motion_rev_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar_per_er: float = 0.0
    mean_motion_dot: float = 0.0
    mean_motion_ddot: float = 0.0
    name: str | None = None
    intl_designator: str | None = None
    classification: str = "U"
    ephemeris_type: int = 0
    element_set_no: int = 0
    rev_at_epoch: int = 0
    object_type: str | None = None
    owner: str | None = None
    mean_element_theory: str = "SGP4"
    ref_frame: str = "TEME"
    time_system: str = "UTC"
    format: str = "TLE"
    tle_line1: str | None = None
    tle_line2: str | None = None
    source_line: int | None = None

    # ---- named constructors -------------------------------------------------
    @classmethod
    def from_tle(cls, line1: str, line2: str, name: str | None = None) -> "ElementSet":
        """Element set of one TLE (raises :class:`sda.errors.ParseError` if invalid)."""
        from sda.ingest.tle import parse_tle

        return parse_tle(line1, line2, name)

    @classmethod
    def from_omm(cls, fields: dict) -> "ElementSet":
        """Element set of one OMM given as a mapping of CCSDS keywords to values."""
        from sda.ingest.omm import element_set_from_fields

        return element_set_from_fields(fields)

    # ---- derived values -----------------------------------------------------
    @property
    def content_hash(self) -> str:
        """SHA-256 of the element values; the same element set from TLE or OMM hashes alike."""
        text = "|".join(
            map(
                repr,
                (
                    self.norad_id,
                    self.epoch_us,
                    self.mean_motion_rev_day,
                    self.eccentricity,
                    self.inclination_deg,
                    self.raan_deg,
                    self.arg_perigee_deg,
                    self.mean_anomaly_deg,
                    self.bstar_per_er,
                    self.mean_motion_dot,
                    self.mean_motion_ddot,
                    self.ephemeris_type,
                    self.element_set_no,
                    self.rev_at_epoch,
                    self.mean_element_theory,
                    self.ref_frame,
                ),
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def shape(self) -> tuple[float, float, float, float]:
        """``(semi_major_axis_km, period_min, perigee_alt_km, apogee_alt_km)``."""
        return orbit_shape(self.mean_motion_rev_day, self.eccentricity)

    @property
    def regime(self) -> str:
        """Orbit regime (see :func:`sda.core.orbits.orbit_regime`)."""
        _, _, perigee, apogee = self.shape()
        return orbit_regime(self.mean_motion_rev_day, self.eccentricity, perigee, apogee)

    def as_dict(self) -> dict:
        """JSON-ready mapping with the API's field names (epoch as ISO-8601 UTC with Z)."""
        a, period, perigee, apogee = self.shape()
        return {
            "norad_id": self.norad_id,
            "name": self.name,
            "intl_designator": self.intl_designator,
            "object_type": self.object_type,
            "epoch": format_utc(self.epoch_us),
            "mean_motion_rev_day": self.mean_motion_rev_day,
            "eccentricity": self.eccentricity,
            "inclination_deg": self.inclination_deg,
            "raan_deg": self.raan_deg,
            "arg_perigee_deg": self.arg_perigee_deg,
            "mean_anomaly_deg": self.mean_anomaly_deg,
            "bstar_per_er": self.bstar_per_er,
            "mean_motion_dot": self.mean_motion_dot,
            "mean_motion_ddot": self.mean_motion_ddot,
            "classification": self.classification,
            "ephemeris_type": self.ephemeris_type,
            "element_set_no": self.element_set_no,
            "rev_at_epoch": self.rev_at_epoch,
            "mean_element_theory": self.mean_element_theory,
            "ref_frame": self.ref_frame,
            "time_system": self.time_system,
            "semi_major_axis_km": _finite(a),
            "period_min": _finite(period),
            "perigee_alt_km": _finite(perigee),
            "apogee_alt_km": _finite(apogee),
            "regime": self.regime,
            "format": self.format,
            "tle_line1": self.tle_line1,
            "tle_line2": self.tle_line2,
        }


def _finite(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 6)


@dataclass(frozen=True, eq=False)
class Ephemeris:
    """One OEM segment: states of one object over a time span, with optional covariances.

    Arrays: ``epochs_us`` (n,) int64 UTC µs; ``position_km`` and ``velocity_km_s``
    (n, 3) float64 in ``ref_frame`` about ``center_name``; ``acceleration_km_s2``
    (n, 3) or ``None``; ``covariance_epochs_us`` (m,) and ``covariance`` (m, 6, 6)
    in km², km²/s, km²/s² with each matrix's frame in ``covariance_frames``.
    """

    object_name: str
    object_id: str
    center_name: str
    ref_frame: str
    time_system: str
    epochs_us: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    acceleration_km_s2: np.ndarray | None = None
    start_us: int | None = None
    stop_us: int | None = None
    useable_start_us: int | None = None
    useable_stop_us: int | None = None
    interpolation: str | None = None
    interpolation_degree: int | None = None
    ref_frame_epoch_us: int | None = None
    covariance_epochs_us: np.ndarray | None = None
    covariance: np.ndarray | None = None
    covariance_frames: tuple[str, ...] = ()
    norad_id: int | None = None
    originator: str | None = None
    creation_date_us: int | None = None
    comments: tuple[str, ...] = ()
    format: str = "OEM"
    source_line: int | None = None

    @property
    def content_hash(self) -> str:
        """SHA-256 of the header and every number of the segment."""
        h = hashlib.sha256()
        h.update(
            json.dumps(
                [self.object_id, self.object_name, self.center_name, self.ref_frame, self.interpolation,
                 self.interpolation_degree, list(self.covariance_frames)]
            ).encode()
        )
        for arr in (self.epochs_us, self.position_km, self.velocity_km_s, self.acceleration_km_s2,
                    self.covariance_epochs_us, self.covariance):
            if arr is not None:
                h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    def as_dict(self) -> dict:
        """JSON-ready summary (header and span, not the states)."""
        return {
            "norad_id": self.norad_id,
            "object_name": self.object_name,
            "object_id": self.object_id,
            "center_name": self.center_name,
            "ref_frame": self.ref_frame,
            "time_system": self.time_system,
            "start": format_utc(int(self.epochs_us[0])) if len(self.epochs_us) else None,
            "stop": format_utc(int(self.epochs_us[-1])) if len(self.epochs_us) else None,
            "n_states": int(len(self.epochs_us)),
            "n_covariances": 0 if self.covariance is None else int(len(self.covariance)),
            "interpolation": self.interpolation,
            "interpolation_degree": self.interpolation_degree,
            "format": self.format,
        }


@dataclass(frozen=True, eq=False)
class StateVector:
    """One OPM: a Cartesian state at an epoch, with optional covariance and maneuvers.

    ``position_km`` and ``velocity_km_s`` are (3,) float64 in ``ref_frame`` about
    ``center_name``; ``covariance`` (6, 6) in km², km²/s, km²/s² in
    ``covariance_frame``; ``spacecraft`` holds mass (kg), areas (m²) and
    coefficients; ``maneuvers`` are mappings with ``epoch_us`` and ``delta_v_km_s``.
    """

    object_name: str
    object_id: str
    center_name: str
    ref_frame: str
    time_system: str
    epoch_us: int
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    covariance: np.ndarray | None = None
    covariance_frame: str | None = None
    keplerian: dict | None = None
    spacecraft: dict = field(default_factory=dict)
    maneuvers: tuple[dict, ...] = ()
    norad_id: int | None = None
    originator: str | None = None
    creation_date_us: int | None = None
    comments: tuple[str, ...] = ()
    format: str = "OPM"
    source_line: int | None = None

    @property
    def content_hash(self) -> str:
        """SHA-256 of the header, state, covariance and maneuvers."""
        h = hashlib.sha256()
        h.update(json.dumps([self.object_id, self.object_name, self.center_name, self.ref_frame,
                             self.epoch_us, self.covariance_frame, self.keplerian, self.spacecraft,
                             [maneuver_as_json(m) for m in self.maneuvers]], sort_keys=True, default=str).encode())
        for arr in (self.position_km, self.velocity_km_s, self.covariance):
            if arr is not None:
                h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        return h.hexdigest()

    def as_dict(self) -> dict:
        """JSON-ready mapping (epoch as ISO-8601 UTC with Z)."""
        return {
            "norad_id": self.norad_id,
            "object_name": self.object_name,
            "object_id": self.object_id,
            "center_name": self.center_name,
            "ref_frame": self.ref_frame,
            "time_system": self.time_system,
            "epoch": format_utc(self.epoch_us),
            "position_km": [float(x) for x in self.position_km],
            "velocity_km_s": [float(x) for x in self.velocity_km_s],
            "has_covariance": self.covariance is not None,
            "maneuvers": [maneuver_as_json(m) for m in self.maneuvers],
            "format": self.format,
        }


def maneuver_as_json(m: dict) -> dict:
    """A maneuver mapping made JSON-ready: arrays as lists, ``*_us`` times as ISO-8601 text."""
    out = {}
    for k, v in m.items():
        if isinstance(v, np.ndarray):
            out[k] = [float(x) for x in v]
        elif k.endswith("_us") and isinstance(v, int):
            out[k[:-3]] = format_utc(v)
        else:
            out[k] = v
    return out


Record = ElementSet | Ephemeris | StateVector


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a stored record came from: provider/source, origin (file or URL), data mode,
    ingest time (UTC µs), content hash and releasability marking (JSON text)."""

    source: str
    origin: str
    data_mode: str
    ingested_at_us: int
    content_hash: str
    batch_id: int
    marking: str
    format: str
    source_line: int | None = None

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "origin": self.origin,
            "data_mode": self.data_mode,
            "ingested_at": format_utc(self.ingested_at_us),
            "content_hash": self.content_hash,
            "batch_id": self.batch_id,
            "marking": json.loads(self.marking),
            "format": self.format,
            "source_line": self.source_line,
        }


@dataclass(frozen=True, slots=True)
class StoredElementSet:
    """An element set as the catalog keeps it: its row id, the elements and their provenance."""

    id: int
    element_set: ElementSet
    provenance: Provenance

    def as_dict(self) -> dict:
        d = self.element_set.as_dict()
        d["id"] = self.id
        d["provenance"] = self.provenance.as_dict()
        return d


@dataclass(frozen=True, slots=True)
class CatalogObject:
    """A catalog object's metadata with its newest element set (``None`` if it has none in the view)."""

    norad_id: int
    name: str | None
    intl_designator: str | None
    object_type: str | None
    owner: str | None
    latest: StoredElementSet | None = None

    def as_dict(self) -> dict:
        latest = self.latest.element_set if self.latest else None
        return {
            "norad_id": self.norad_id,
            "name": self.name,
            "intl_designator": self.intl_designator,
            "object_type": self.object_type,
            "owner": self.owner,
            "epoch": format_utc(latest.epoch_us) if latest else None,
            "regime": latest.regime if latest else None,
            "latest": self.latest.as_dict() if self.latest else None,
        }


@dataclass(frozen=True, eq=False)
class Conjunction:
    """A close approach between two objects at their time of closest approach (TCA).

    ``state_1``/``state_2``: (6,) float64 position (km) and velocity (km/s) of each
    object at TCA in ``frame`` (TEME for SDA's own screening, the CDM's frame for
    ingested CDMs). ``miss_rtn_km``: (3,) position of object 2 relative to object 1
    in object 1's radial / transverse / normal frame. ``element_set_id_*`` are the
    catalog rows screened (``None`` for CDM-only conjunctions). ``pc`` is the
    probability of collision by ``pc_method`` (``None`` until computed) with hard-body
    radius ``hbr_m``; ``covariance_assumed`` says that at least one covariance was the
    default model rather than a measured one. ``source`` is ``"SDA"`` for screening
    results or the CDM originator; ``origin`` is the CDM file or message id.
    """

    norad_id_1: int
    norad_id_2: int
    tca_us: int
    miss_distance_km: float
    relative_speed_km_s: float
    miss_rtn_km: np.ndarray
    state_1: np.ndarray
    state_2: np.ndarray
    frame: str = "TEME"
    element_set_id_1: int | None = None
    element_set_id_2: int | None = None
    epoch_1_us: int | None = None
    epoch_2_us: int | None = None
    pc: float | None = None
    pc_method: str | None = None
    hbr_m: float | None = None
    covariance_assumed: bool = False
    source: str = "SDA"
    origin: str | None = None
    screening_threshold_km: float | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        """``(smaller catalog number, larger, TCA rounded to the second)``: the identity of an event."""
        a, b = sorted((self.norad_id_1, self.norad_id_2))
        return a, b, round(self.tca_us / 1_000_000)

    def as_dict(self) -> dict:
        """JSON-ready mapping with the API's field names (TCA as ISO-8601 UTC with Z)."""
        return {
            "norad_id_1": self.norad_id_1,
            "norad_id_2": self.norad_id_2,
            "tca": format_utc(self.tca_us),
            "miss_distance_km": float(self.miss_distance_km),
            "relative_speed_km_s": float(self.relative_speed_km_s),
            "miss_radial_km": float(self.miss_rtn_km[0]),
            "miss_in_track_km": float(self.miss_rtn_km[1]),
            "miss_cross_track_km": float(self.miss_rtn_km[2]),
            "pc": None if self.pc is None else float(self.pc),
            "pc_method": self.pc_method,
            "hbr_m": self.hbr_m,
            "covariance_assumed": self.covariance_assumed,
            "frame": self.frame,
            "state_1": [float(x) for x in self.state_1],
            "state_2": [float(x) for x in self.state_2],
            "epoch_1": format_utc(self.epoch_1_us),
            "epoch_2": format_utc(self.epoch_2_us),
            "element_set_id_1": self.element_set_id_1,
            "element_set_id_2": self.element_set_id_2,
            "source": self.source,
            "origin": self.origin,
            "screening_threshold_km": self.screening_threshold_km,
        }
