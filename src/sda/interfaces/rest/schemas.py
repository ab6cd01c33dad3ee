"""Public response schemas of the REST API (pydantic): what partners' tools may rely on.

Built from the catalog's records, never from table rows. Times are ISO-8601 UTC
ending in ``Z``; units are in the field names (km, km/s, degrees, rev/day, m).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Generic, TypeVar

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from sda.catalog.records import CatalogObject, StoredElementSet
from sda.catalog.store import StoredConjunction
from sda.core.times import format_utc
from sda.policy import Marking, marking_of
from sda.products.alerts import Alert
from sda.products.warnings import Warning

__all__ = [
    "MarkingOut", "ProvenanceOut", "ElementSetOut", "ObjectOut", "ConjunctionOut", "AlertOut", "WarningOut",
    "UploadOut", "HealthOut", "Page", "marking_dict", "element_set_dict", "object_dict",
    "conjunction_dict", "alert_dict", "warning_dict", "page_response", "JSONAnswer",
]

T = TypeVar("T")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MarkingOut(_Out):
    """A record's releasability marking and the banner shown with it."""

    owner: str = Field(description="partner that owns the record ('' for data without an owner)")
    releasable_to: list[str] = Field(description="partners the record may be released to; ['ALL'] for everyone")
    mode: str = Field(description="REAL, TEST, EXERCISE or SIMULATED")
    caveats: list[str] = Field(default_factory=list)
    banner: str


class ProvenanceOut(_Out):
    source: str
    data_mode: str
    ingested_at: str
    format: str
    batch_id: int
    content_hash: str


class ElementSetOut(_Out):
    """One stored mean element set (SGP4's, TEME of epoch unless the fields say otherwise)."""

    id: int
    norad_id: int
    name: str | None
    intl_designator: str | None
    object_type: str | None
    epoch: str
    mean_motion_rev_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar_per_er: float
    mean_motion_dot: float
    mean_motion_ddot: float
    classification: str
    ephemeris_type: int
    element_set_no: int
    rev_at_epoch: int
    mean_element_theory: str
    ref_frame: str
    time_system: str
    semi_major_axis_km: float | None
    period_min: float | None
    perigee_alt_km: float | None
    apogee_alt_km: float | None
    regime: str
    format: str
    tle_line1: str | None
    tle_line2: str | None
    provenance: ProvenanceOut
    marking: MarkingOut


class ObjectOut(_Out):
    """A catalog object with its newest element set visible to the caller."""

    norad_id: int
    name: str | None
    intl_designator: str | None
    object_type: str | None
    owner: str | None = Field(description="the object's operator country/organisation code from the catalog")
    epoch: str | None
    regime: str | None
    latest: ElementSetOut | None
    marking: MarkingOut


class ConjunctionOut(_Out):
    """A close approach at its time of closest approach (TCA)."""

    id: int
    norad_id_1: int
    norad_id_2: int
    tca: str
    miss_distance_km: float
    relative_speed_km_s: float
    miss_radial_km: float
    miss_in_track_km: float
    miss_cross_track_km: float
    pc: float | None
    pc_method: str | None
    hbr_m: float | None
    covariance_assumed: bool
    frame: str
    state_1: list[float] = Field(description="position (km) and velocity (km/s) of object 1 at TCA in `frame`")
    state_2: list[float]
    epoch_1: str | None
    epoch_2: str | None
    element_set_id_1: int | None = Field(description="the element sets screened (null for a received CDM)")
    element_set_id_2: int | None
    source: str
    origin: str | None
    screening_threshold_km: float | None
    data_mode: str
    stored_at: str
    has_cdm: bool = Field(description="the conjunction came from a CDM kept as received")
    marking: MarkingOut


class AlertOut(_Out):
    id: int | None
    conjunction_id: int | None
    norad_id: int
    owner: str
    thresholds_met: list[str]
    level: str = Field(description="RED, YELLOW or GREEN")
    created_at: str
    message: str
    data_mode: str
    marking: MarkingOut


class WarningOut(_Out):
    id: int | None
    kind: str
    norad_id: int | None
    related_ids: list[int]
    time: str
    window_start: str | None
    window_stop: str | None
    confidence: float
    summary: str
    evidence: dict[str, Any]
    created_at: str | None
    data_mode: str
    marking: MarkingOut


class UploadOut(_Out):
    """What an upload did (the same content uploaded again changes nothing: ``already_ingested``)."""

    file: str
    format: str | None
    data_mode: str
    n_records: int
    n_new: int
    n_duplicate: int
    batch_id: int | None
    n_alerts: int
    already_ingested: bool
    marking: MarkingOut


class HealthOut(_Out):
    status: str
    version: str
    database: str = Field(description="sqlite or postgresql")


class Page(_Out, Generic[T]):
    """One page of a list: ``next`` is the URL of the next page, ``null`` on the last."""

    items: list[T]
    next: str | None


# ---- answers -------------------------------------------------------------------------------------
#
# Routes answer with these mappings directly (a JSONResponse), declaring the models above as
# their response_model for the OpenAPI document: validating every answer again would cost a
# tenth of a request's CPU. The fuzz tests check that answers conform to the document.


class JSONAnswer(JSONResponse):
    """A JSON answer written by orjson (a page of a hundred objects in a fifth of the time of
    the standard library); NaN and infinities are written as ``null``, NumPy values as numbers."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def page_response(items: list[dict], next_url: str | None) -> JSONAnswer:
    """A :class:`Page` answer."""
    return JSONAnswer({"items": items, "next": next_url})


# ---- records -> public mappings ---------------------------------------------------------------

#: The ingest time of a batch, shared by all its records, written once.
_batch_time = lru_cache(maxsize=4096)(format_utc)


@lru_cache(maxsize=4096)
def _marking_view(text: str, mode: str) -> dict:
    return Marking.from_json(text, default_mode=mode).as_dict()


def marking_dict(record) -> dict:
    """The marking of a record (anything :func:`sda.policy.marking_of` reads) as :class:`MarkingOut`."""
    text, mode = getattr(record, "marking", None), getattr(record, "data_mode", None)
    if isinstance(text, str) and isinstance(mode, str):  # the store's records: parse each distinct marking once
        return dict(_marking_view(text, mode))
    m = marking_of(record)
    if m is None:
        raise ValueError("record without a readable marking")
    return m.as_dict()


def element_set_dict(st: StoredElementSet) -> dict:
    d = st.element_set.as_dict()
    p = st.provenance
    d.update(id=st.id, marking=marking_dict(p), provenance={
        "source": p.source, "data_mode": p.data_mode, "ingested_at": _batch_time(p.ingested_at_us),
        "format": p.format, "batch_id": p.batch_id, "content_hash": p.content_hash})
    return d


def object_dict(obj: CatalogObject) -> dict:
    latest = element_set_dict(obj.latest) if obj.latest else None
    return {"norad_id": obj.norad_id, "name": obj.name, "intl_designator": obj.intl_designator,
            "object_type": obj.object_type, "owner": obj.owner, "epoch": latest["epoch"] if latest else None,
            "regime": latest["regime"] if latest else None, "latest": latest,
            "marking": latest["marking"] if latest else marking_dict(obj)}


def conjunction_dict(sc: StoredConjunction) -> dict:
    d = sc.conjunction.as_dict()
    d.update(id=sc.id, data_mode=sc.data_mode, stored_at=format_utc(sc.created_at_us), has_cdm=sc.has_cdm,
             marking=marking_dict(sc))
    return d


def alert_dict(a: Alert) -> dict:
    d = a.as_dict()
    d["marking"] = marking_dict(a)
    return d


def warning_dict(w: Warning) -> dict:
    d = w.as_dict()
    d["marking"] = marking_dict(w)
    return d
