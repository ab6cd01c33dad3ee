"""Probability of collision (Pc) of a conjunction: one module per published method.

=============  ==================  ===========================================
``method``     result ``method``   module
=============  ==================  ===========================================
foster1992     FOSTER-1992         :mod:`.foster1992` (2D integral, CARA form)
chan1997       CHAN-1997           :mod:`.chan1997` (series)
alfano2005     ALFANO-2005         :mod:`.alfano2005` (Simpson rule)
alfriend1999   ALFRIEND-1999       :mod:`.maximum` (maximum over covariance scale)
montecarlo     MONTE-CARLO         :mod:`.montecarlo` (seeded, with 95 % interval)
=============  ==================  ===========================================

When only one object has a covariance, :func:`~.maximum.pc_max_frisbee2015`
(FRISBEE-2015) bounds the Pc from that covariance alone.

:func:`probability_of_collision` takes either :class:`PcInputs` (relative state in km,
km/s and combined 3x3 position covariance in km², one inertial frame) or a
:class:`~sda.ingest.cdm.Cdm`. From a CDM, each object's RTN position covariance is
rotated to the inertial frame with that object's own state and the two are added; the
hard-body radius comes from :mod:`.hbr` unless ``hbr_m`` is given. States in an
Earth-fixed frame (CSpOC's ``ITRF`` CDMs) are first turned into GCRS positions and
inertial velocities at TCA (:func:`sda.core.frames.to_gcrs`), so that each object's RTN
frame is built from its inertial velocity, as the CDM's covariance is. (CSpOC's
``COLLISION_PROBABILITY`` is reproduced with ``shape="square"``, a square of half side
HBR, as ``tests/test_pc_conjunction.py`` shows for a real ITRF CDM.)

:func:`conjunction_pc` does the same for a :class:`~sda.catalog.records.Conjunction`
found by SDA's own screening (TEME states at TCA) and :func:`with_pc` returns the
conjunction with its Pc filled in. An object without a given covariance gets the
assumed default of its element set (:mod:`.default_covariance`, ``FLOHRER-2008``);
when an object has neither, the result is the maximum Pc (FRISBEE-2015) and its
``method`` says so.

Covariances that are not measured — element sets (TLE/OMM) carry none, so SDA assigns
an assumed default — must be passed with ``PcInputs(covariance_assumed=True)``; every
result computed from them carries ``covariance_assumed=True`` so a Pc from an assumed
covariance is never mistaken for one from a measured covariance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sda.analyses.pc.alfano2005 import pc_alfano2005
from sda.analyses.pc.chan1997 import pc_chan1997
from sda.analyses.pc.encounter import PcInputs, PcResult, rtn_to_inertial
from sda.analyses.pc.foster1992 import pc_foster1992
from sda.analyses.pc.default_covariance import MODEL as DEFAULT_COVARIANCE_MODEL
from sda.analyses.pc.default_covariance import default_covariance_rtn
from sda.analyses.pc.hbr import catalog_hbr_m, combined_hbr_m
from sda.analyses.pc.maximum import MaxPcResult, pc_max_alfriend1999, pc_max_frisbee2015
from sda.analyses.pc.montecarlo import MonteCarloResult, pc_montecarlo
from sda.catalog.records import Conjunction, ElementSet
from sda.core.frames import to_gcrs
from sda.ingest.cdm import Cdm

__all__ = [
    "METHODS",
    "INERTIAL_FRAMES",
    "PcInputs",
    "PcResult",
    "MaxPcResult",
    "MonteCarloResult",
    "pc_inputs_from_cdm",
    "probability_of_collision",
    "conjunction_pc",
    "with_pc",
    "default_covariance_rtn",
    "DEFAULT_COVARIANCE_MODEL",
    "pc_foster1992",
    "pc_chan1997",
    "pc_alfano2005",
    "pc_max_alfriend1999",
    "pc_max_frisbee2015",
    "pc_montecarlo",
]

METHODS = {
    "foster1992": pc_foster1992,
    "chan1997": pc_chan1997,
    "alfano2005": pc_alfano2005,
    "alfriend1999": pc_max_alfriend1999,
    "montecarlo": pc_montecarlo,
}

#: CDM reference frames taken as inertial for the short-encounter computation.
INERTIAL_FRAMES = frozenset({"EME2000", "GCRF", "ICRF", "J2000", "TEME"})


def _inertial_states(frames: tuple[str, str], states: tuple[tuple, tuple], tca_us: int,
                     labels: tuple[str, str]) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Both objects' ``(r_km, v_km_s)`` in one inertial frame: as given when both share an
    inertial frame, else each turned into GCRS at TCA."""
    names = tuple(f.strip().upper() for f in frames)
    given = tuple((np.asarray(r, dtype=float), np.asarray(v, dtype=float)) for r, v in states)
    if names[0] == names[1] and names[0] in INERTIAL_FRAMES:
        return given
    out = []
    for frame, (r, v), label in zip(frames, given, labels):
        try:
            out.append(to_gcrs(frame, r[None], v[None], [tca_us]))
        except ValueError as exc:
            raise ValueError(f"{label} state is in {frame}: {exc}") from None
    return tuple((r[0], v[0]) for r, v in out)


def pc_inputs_from_cdm(cdm: Cdm) -> PcInputs:
    """Relative state (object 2 − object 1, km, km/s), combined inertial covariance (km²) and HBR of a CDM.

    Earth-fixed (``ITRF``) states are turned into GCRS at TCA first. Raises ``ValueError``
    when a state is in a frame :func:`~sda.core.frames.to_gcrs` does not know or an
    object has no RTN covariance.
    """
    for obj in cdm.objects:
        if obj.covariance_rtn is None:
            raise ValueError(f"{obj.object} has no RTN covariance; use pc_max_frisbee2015 with the other one")
    (r1, v1), (r2, v2) = _inertial_states(
        (cdm.object1.ref_frame, cdm.object2.ref_frame),
        ((cdm.object1.position_km, cdm.object1.velocity_km_s), (cdm.object2.position_km, cdm.object2.velocity_km_s)),
        cdm.tca_us, (cdm.object1.object, cdm.object2.object))
    covs = [rtn_to_inertial(obj.covariance_rtn[:3, :3], r, v)
            for obj, r, v in zip(cdm.objects, (r1, r2), (v1, v2))]
    hbr, source = combined_hbr_m(cdm)
    return PcInputs(r_rel_km=r2 - r1, v_rel_km_s=v2 - v1, cov_km2=covs[0] + covs[1], hbr_m=hbr, hbr_source=source)


def probability_of_collision(cdm_or_inputs: Cdm | PcInputs, method: str = "foster1992",
                             hbr_m: float | None = None, **options) -> PcResult:
    """Pc of a conjunction by ``method`` (a key of :data:`METHODS`).

    ``hbr_m`` (m) overrides the radius of the inputs or the CDM. ``options`` go to the
    method (e.g. ``trials``/``seed`` for Monte Carlo, ``miss``/``shape`` for Foster).
    """
    if method not in METHODS:
        raise ValueError(f"unknown Pc method {method!r}; expected one of {', '.join(METHODS)}")
    inputs = pc_inputs_from_cdm(cdm_or_inputs) if isinstance(cdm_or_inputs, Cdm) else cdm_or_inputs
    radius = hbr_m if hbr_m is not None else inputs.hbr_m
    if radius is None:
        raise ValueError("no hard-body radius: give hbr_m or PcInputs.hbr_m")
    fn = METHODS[method]
    args = (np.asarray(inputs.r_rel_km, dtype=float), np.asarray(inputs.v_rel_km_s, dtype=float),
            np.asarray(inputs.cov_km2, dtype=float), float(radius))
    return fn(*args, covariance_assumed=inputs.covariance_assumed, **options)


def _object_covariance(cov_rtn, es: ElementSet | None, norad_id: int, tca_us: int,
                       label: str) -> tuple[np.ndarray | None, bool]:
    """``(3x3 RTN position covariance km² or None, assumed)`` of one object of a conjunction."""
    if cov_rtn is not None:
        c = np.asarray(cov_rtn, dtype=float)
        if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] < 3:
            raise ValueError(f"{label} covariance must be a square RTN matrix of at least 3x3, not {c.shape}")
        return c[:3, :3], False
    if es is not None:
        if es.norad_id is not None and es.norad_id != norad_id:
            raise ValueError(f"{label} element set is of catalog number {es.norad_id}, the conjunction's is {norad_id}")
        return default_covariance_rtn(es, tca_us)[:3, :3], True
    return None, False


def conjunction_pc(c: Conjunction, *, method: str = "foster1992", cov1_rtn=None, cov2_rtn=None,
                   es1: ElementSet | None = None, es2: ElementSet | None = None, hbr_m: float | None = None,
                   **options) -> PcResult:
    """Pc of a conjunction from its states at TCA.

    ``c.state_1``/``c.state_2`` are (6,) km, km/s in ``c.frame``. TEME (SDA's screening)
    is quasi-inertial: it turns only with the precession of the mean equinox, so over
    the seconds of an encounter it is used as an inertial frame as it is; two states in
    one inertial frame are used as given, others (``ITRF``) are turned into GCRS first.
    ``cov1_rtn``/``cov2_rtn``: each object's measured covariance in its own RTN frame
    (3x3 km², or 6x6 km², km²/s, km²/s²; only the position block is used), rotated to
    the inertial frame with that object's state. An object without one gets
    :func:`~.default_covariance.default_covariance_rtn` of its element set
    ``es1``/``es2`` at TCA, and the result carries ``covariance_assumed=True``. When an
    object has neither, the result is the maximum Pc over its unknown covariance
    (:func:`pc_max_frisbee2015`, from the other object's covariance, or from none) and
    its ``method`` says so; ``method`` is then not used.

    Hard-body radius: ``hbr_m`` (m) if given, else CARA's table for both catalog
    numbers, else the default (:func:`~.hbr.catalog_hbr_m`). ``options`` go to the
    method. ``notes`` record the frame, the covariance sources and the HBR source.
    """
    if method not in METHODS:
        raise ValueError(f"unknown Pc method {method!r}; expected one of {', '.join(METHODS)}")
    state_1 = np.asarray(c.state_1, dtype=float)
    state_2 = np.asarray(c.state_2, dtype=float)
    (r1, v1), (r2, v2) = _inertial_states((c.frame, c.frame), ((state_1[:3], state_1[3:]), (state_2[:3], state_2[3:])),
                                          c.tca_us, ("object 1", "object 2"))
    frame = c.frame.strip().upper()
    notes = [f"relative geometry in {frame if frame in INERTIAL_FRAMES else 'GCRS (from ' + frame + ')'} at TCA"]
    if frame == "TEME":
        notes[0] += " (TEME taken as inertial over the encounter)"
    if hbr_m is not None:
        radius, hbr_source = float(hbr_m), "given"
    else:
        radius, hbr_source = catalog_hbr_m(c.norad_id_1, c.norad_id_2)
    notes.append(f"hard-body radius {radius:g} m ({hbr_source})")
    known = []
    assumed = False
    for k, (cov, es, norad_id, r, v) in enumerate(((cov1_rtn, es1, c.norad_id_1, r1, v1),
                                                   (cov2_rtn, es2, c.norad_id_2, r2, v2)), start=1):
        rtn, is_assumed = _object_covariance(cov, es, norad_id, c.tca_us, f"object {k}")
        if rtn is None:
            notes.append(f"object {k}: no covariance")
            continue
        assumed |= is_assumed
        notes.append(f"object {k}: {'assumed ' + DEFAULT_COVARIANCE_MODEL if is_assumed else 'given'} covariance")
        known.append((k, rtn_to_inertial(rtn, r, v)))
    r_rel, v_rel = r2 - r1, v2 - v1
    if len(known) == 2:
        inputs = PcInputs(r_rel, v_rel, known[0][1] + known[1][1], radius, covariance_assumed=assumed,
                          hbr_source=hbr_source)
        result = probability_of_collision(inputs, method=method, **options)
        return replace(result, notes=(*notes, *result.notes))
    if known:
        (k, cov_known), = known
        missing = f"object {3 - k}"
    else:
        cov_known, missing = np.zeros((3, 3)), "either object"
    result = pc_max_frisbee2015(r_rel, v_rel, cov_known, radius)
    return replace(result, method=f"{result.method} (maximum Pc: no covariance for {missing})",
                   covariance_assumed=assumed, notes=(*notes, *result.notes))


def with_pc(c: Conjunction, **kwargs) -> Conjunction:
    """The conjunction with ``pc``, ``pc_method``, ``hbr_m`` and ``covariance_assumed`` from
    :func:`conjunction_pc` (same keyword arguments)."""
    result = conjunction_pc(c, **kwargs)
    return replace(c, pc=float(result.pc), pc_method=result.method, hbr_m=result.hbr_m,
                   covariance_assumed=result.covariance_assumed)
