"""Conjunction data messages from SDA's conjunctions, and conjunctions from CDMs.

:func:`cdm_from_conjunction` builds a CCSDS 508.0-B-1 (version 1.0) :class:`~sda.ingest.cdm.Cdm`
that :func:`~sda.ingest.cdm.write_cdm_kvn` / :func:`~sda.ingest.cdm.write_cdm_xml` write
and :func:`~sda.ingest.cdm.iter_cdm_kvn` reads back:

* TCA, ``MISS_DISTANCE`` and ``RELATIVE_SPEED`` (written in m and m/s), the relative
  position and velocity of object 2 in object 1's RTN frame, ``COLLISION_PROBABILITY``
  and ``COLLISION_PROBABILITY_METHOD`` when the conjunction has a Pc;
* each object's state at TCA. The CDM's frames are EME2000, GCRF and ITRF: SDA's TEME
  states are turned into GCRF with :func:`sda.core.frames.teme_to_gcrs` and the message
  says ``REF_FRAME = GCRF``; states already in one of the CDM's frames are kept;
* each object's 6x6 RTN covariance when given (km², km²/s, km²/s², written in m², ...):
  ``COVARIANCE_METHOD = CALCULATED``, or ``DEFAULT`` with the comment "covariance not
  available: default model assumed" (and the model's name) when the conjunction says its
  covariances are assumed. CDM 1.0 requires a covariance, so without one the message
  carries a zero matrix with ``COVARIANCE_METHOD = DEFAULT`` and a comment saying that it
  is a placeholder, not an uncertainty;
* the combined hard-body radius, when known, as the comment ``HBR = <value> [m]`` NASA
  CARA writes (read back by :func:`sda.analyses.pc.hbr.hbr_from_cdm`).

:func:`conjunction_from_cdm` is the reverse: a :class:`~sda.catalog.records.Conjunction`
in the CDM's frame, with the CDM's originator as ``source``. :func:`cdm_of_stored` gives
the CDM of a stored conjunction: the one it was ingested from, or one generated with the
default covariances (:mod:`sda.analyses.pc.default_covariance`) of the element sets screened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from sda.analyses.pc.hbr import hbr_from_cdm
from sda.catalog.records import Conjunction
from sda.core.frames import teme_to_gcrs, to_rtn
from sda.core.times import format_utc, now_us
from sda.ingest.cdm import Cdm, CdmObject, iter_cdm_kvn

if TYPE_CHECKING:
    from sda.catalog.store import Store, StoredConjunction

__all__ = ["CDM_FRAMES", "NO_COVARIANCE_COMMENT", "ASSUMED_COVARIANCE_COMMENT", "cdm_from_conjunction",
           "conjunction_from_cdm", "cdm_of_stored"]

#: Reference frames a CDM 1.0 state may be given in.
CDM_FRAMES = frozenset({"EME2000", "GCRF", "ITRF"})
#: Comment written in an object's covariance block when no covariance was given.
NO_COVARIANCE_COMMENT = "covariance not available: zero matrix written as a placeholder, not an uncertainty"
#: Comment written in an object's covariance block when the covariance given is an assumed default.
ASSUMED_COVARIANCE_COMMENT = "covariance not available: default model assumed"


def _states_for_cdm(c: Conjunction) -> tuple[str, np.ndarray, np.ndarray]:
    """``(frame, states_1, states_2)`` with (6,) km, km/s states in a CDM frame."""
    s1, s2 = np.asarray(c.state_1, dtype=float), np.asarray(c.state_2, dtype=float)
    frame = c.frame.strip().upper()
    if frame in CDM_FRAMES:
        return frame, s1, s2
    if frame != "TEME":
        raise ValueError(f"conjunction states are in {c.frame}; a CDM needs EME2000, GCRF or ITRF (or TEME to convert)")
    pos, vel = teme_to_gcrs(np.stack([s1[:3], s2[:3]])[:, None, :], np.stack([s1[3:], s2[3:]])[:, None, :],
                            [c.tca_us])
    return "GCRF", np.hstack([pos[0, 0], vel[0, 0]]), np.hstack([pos[1, 0], vel[1, 0]])


def _cdm_object(n: int, norad_id: int, name: str, frame: str, state: np.ndarray, cov: np.ndarray | None,
                assumed: bool, model: str | None) -> CdmObject:
    comments = {}
    if cov is None:
        comments["cov"] = (NO_COVARIANCE_COMMENT,)
        cov = np.zeros((6, 6))
    else:
        cov = np.asarray(cov, dtype=float)
        if cov.shape != (6, 6):
            raise ValueError(f"OBJECT{n} covariance must be (6, 6) RTN, km², km²/s, km²/s²; got {cov.shape}")
        cov = 0.5 * (cov + cov.T)
        if assumed:
            comments["cov"] = (ASSUMED_COVARIANCE_COMMENT + (f" ({model})" if model else ""),)
    return CdmObject(
        object=f"OBJECT{n}", object_designator=str(int(norad_id)), catalog_name="SATCAT", object_name=name,
        international_designator="UNKNOWN", ephemeris_name="NONE",
        covariance_method="DEFAULT" if "cov" in comments else "CALCULATED", maneuverable="N/A", ref_frame=frame,
        position_km=state[:3].copy(), velocity_km_s=state[3:].copy(), covariance_rtn=cov, comments=comments,
    )


def cdm_from_conjunction(
    c: Conjunction,
    *,
    originator: str = "SDA",
    message_id: str | None = None,
    covariances: Sequence[np.ndarray | None] | None = None,
    object_names: Sequence[str] | None = None,
    covariance_model: str | None = None,
) -> Cdm:
    """A CCSDS CDM 1.0 of a conjunction (see the module docstring).

    ``covariances``: the two objects' (6, 6) RTN covariances (km², km²/s, km²/s²) or
    ``None`` for either; they are taken as assumed defaults (named ``covariance_model``)
    when ``c.covariance_assumed``. ``object_names``: the two names (``UNKNOWN`` otherwise).
    ``message_id`` defaults to ``<originator>-<norad 1>-<norad 2>-<TCA>``.
    """
    frame, s1, s2 = _states_for_cdm(c)
    covs = list(covariances) if covariances is not None else [None, None]
    names = list(object_names) if object_names is not None else ["UNKNOWN", "UNKNOWN"]
    if len(covs) != 2 or len(names) != 2:
        raise ValueError("covariances and object_names need one entry per object")
    # Relative velocity in object 1's RTN axes, from the states as given (RTN components do
    # not depend on the inertial frame the states are in).
    s1_in, s2_in = np.asarray(c.state_1, dtype=float), np.asarray(c.state_2, dtype=float)
    _, dv_rtn = to_rtn(s2_in[:3] - s1_in[:3], s2_in[3:] - s1_in[3:], s1_in[:3], s1_in[3:])
    tca_text = format_utc(c.tca_us)[:-1].replace("-", "").replace(":", "")
    header_comments = [f"conjunction screened by {c.source}" + (f" ({c.origin})" if c.origin else "")]
    if c.frame.strip().upper() == "TEME":
        header_comments.append("states converted from TEME (SGP4) to GCRF")
    relative_comments = [] if c.hbr_m is None else [f"HBR = {float(c.hbr_m)!r} [m]"]
    fields = {}
    if c.screening_threshold_km is not None:
        fields["SCREEN_VOLUME_SHAPE"] = "SPHERE"
        fields["SCREEN_VOLUME_RADIUS"] = float(c.screening_threshold_km) * 1000
    return Cdm(
        version="1.0",
        creation_date_us=now_us(),
        originator=originator,
        message_id=message_id or f"{originator}-{c.norad_id_1}-{c.norad_id_2}-{tca_text}",
        tca_us=int(c.tca_us),
        miss_distance_km=float(c.miss_distance_km),
        object1=_cdm_object(1, c.norad_id_1, names[0], frame, s1, covs[0], c.covariance_assumed, covariance_model),
        object2=_cdm_object(2, c.norad_id_2, names[1], frame, s2, covs[1], c.covariance_assumed, covariance_model),
        relative_speed_km_s=float(c.relative_speed_km_s),
        relative_position_rtn_km=np.asarray(c.miss_rtn_km, dtype=float).copy(),
        relative_velocity_rtn_km_s=dv_rtn,
        collision_probability=None if c.pc is None else float(c.pc),
        collision_probability_method=c.pc_method if c.pc is not None else None,
        fields=fields,
        comments={"header": tuple(header_comments), "relative": tuple(relative_comments)},
    )


def conjunction_from_cdm(cdm: Cdm, *, origin: str | None, norad_ids: tuple[int, int] | None = None) -> Conjunction:
    """The conjunction a CDM describes, in the CDM's frame (``state_1``/``state_2`` (6,) km, km/s).

    Catalog numbers come from each object's ``OBJECT_DESIGNATOR`` (SATCAT) unless
    ``norad_ids`` gives them (e.g. resolved from the international designators).
    The relative speed and RTN miss are the CDM's, or computed from the states when the
    message omits them. ``covariance_assumed`` is True when an object's
    ``COVARIANCE_METHOD`` is DEFAULT or it has no RTN covariance. Raises ``ValueError``
    when a catalog number is missing or the two objects' frames differ.
    """
    o1, o2 = cdm.objects
    ids = norad_ids or (o1.norad_id, o2.norad_id)
    for obj, n in zip(cdm.objects, ids):
        if n is None:
            raise ValueError(f"{obj.object} has no catalog number (OBJECT_DESIGNATOR {obj.object_designator!r} "
                             f"in catalog {obj.catalog_name!r})")
    if o1.ref_frame.strip().upper() != o2.ref_frame.strip().upper():
        raise ValueError(f"the objects' states are in different frames ({o1.ref_frame}, {o2.ref_frame})")
    dr, dv = o2.position_km - o1.position_km, o2.velocity_km_s - o1.velocity_km_s
    miss_rtn = cdm.relative_position_rtn_km
    if miss_rtn is None or not np.all(np.isfinite(miss_rtn)):
        miss_rtn, _ = to_rtn(dr, dv, o1.position_km, o1.velocity_km_s)
    speed = cdm.relative_speed_km_s if cdm.relative_speed_km_s is not None else float(np.linalg.norm(dv))
    return Conjunction(
        norad_id_1=int(ids[0]), norad_id_2=int(ids[1]), tca_us=cdm.tca_us, miss_distance_km=cdm.miss_distance_km,
        relative_speed_km_s=speed, miss_rtn_km=np.array(miss_rtn, dtype=float),
        state_1=np.hstack([o1.position_km, o1.velocity_km_s]), state_2=np.hstack([o2.position_km, o2.velocity_km_s]),
        frame=o1.ref_frame.strip().upper(),
        epoch_1_us=o1.fields.get("OD_EPOCH"), epoch_2_us=o2.fields.get("OD_EPOCH"),
        pc=cdm.collision_probability, pc_method=cdm.collision_probability_method if cdm.collision_probability is not None else None,
        hbr_m=hbr_from_cdm(cdm),
        covariance_assumed=any(o.covariance_rtn is None or o.covariance_method.strip().upper() == "DEFAULT"
                               for o in cdm.objects),
        source=cdm.originator, origin=origin,
    )


def cdm_of_stored(store: "Store", stored: "StoredConjunction") -> Cdm:
    """The CDM of a stored conjunction.

    For an ingested CDM, the message as received (read with ``units="note"``, so unit
    labels the reader noted are kept in :attr:`Cdm.unit_notes`). For SDA's own, a CDM from
    :func:`cdm_from_conjunction` with the names of the element sets screened and, when the
    conjunction's covariances are assumed, their default covariances at TCA
    (:func:`sda.analyses.pc.default_covariance.default_covariance_rtn`). Raises
    ``ValueError`` if a stored CDM no longer reads.
    """
    kvn = store.conjunction_cdm(stored.id)
    if kvn is not None:
        (message,) = iter_cdm_kvn(kvn.splitlines(), file=f"conjunction {stored.id}", units="note")
        if not isinstance(message, Cdm):
            raise ValueError(str(message))
        return message
    from sda.analyses.pc.default_covariance import MODEL, default_covariance_rtn

    c = stored.conjunction
    sets = [None if i is None else store.element_set(i) for i in (c.element_set_id_1, c.element_set_id_2)]
    names = [st.element_set.name if st is not None and st.element_set.name else "UNKNOWN" for st in sets]
    covs = [default_covariance_rtn(st.element_set, c.tca_us) if st is not None and c.covariance_assumed else None
            for st in sets]
    return cdm_from_conjunction(c, covariances=covs, object_names=names,
                                covariance_model=MODEL if any(x is not None for x in covs) else None)
